//! The pickers' search endpoints: `GET /pick/{kind}?q=` answers the choices
//! as `<li role="option">` items for app.js to show under the field, and
//! [`resolve`] lets a form posted without JS name a record by code or by
//! its exact name. See docs/UI.md.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use qudao_app::pick::{Choice, Named};
use serde::Deserialize;

use super::render;
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/pick/partners", partners)
        .get("/pick/regions", regions)
        .get("/pick/users", users)
        .get("/pick/product-lines", product_lines)
        .get("/pick/products", products)
}

/// What a picker searches.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pick {
    Partner,
    Region,
    User,
    ProductLine,
    Product,
}

struct Item {
    code: String,
    name: String,
    /// A region's place in the tree, e.g. `中国 › 上海市 › 浦东新区`.
    path: String,
    /// Its names in every language, for [`resolve`].
    names: Vec<String>,
}

#[derive(Template)]
#[template(path = "pick/_choices.html")]
struct Choices {
    choices: Vec<Item>,
    none: &'static str,
}

#[derive(Deserialize)]
struct PickQuery {
    #[serde(default)]
    q: String,
}

/// The products picker's question: on the order form, also the ordering
/// partner (empty until staff have picked one).
#[derive(Deserialize)]
struct ProductPickQuery {
    #[serde(default)]
    q: String,
    partner: Option<String>,
}

fn name_in(lang: Lang, named: &Named) -> &str {
    match (lang, &named.name_en) {
        (Lang::En, Some(en)) if !en.is_empty() => en,
        _ => &named.name,
    }
}

/// A choice as the list shows it, in the page's language.
fn item(lang: Lang, c: Choice) -> Item {
    let name = name_in(lang, &c.label).to_owned();
    let names = std::iter::once(c.label.name.clone())
        .chain(c.label.name_en.clone())
        .collect();
    let path = if c.path.is_empty() {
        String::new()
    } else {
        c.path
            .iter()
            .map(|n| name_in(lang, n))
            .chain(std::iter::once(name.as_str()))
            .collect::<Vec<_>>()
            .join(" › ")
    };
    Item {
        code: c.code,
        name,
        path,
        names,
    }
}

async fn choices(state: &AppState, ctx: &Ctx, pick: Pick, q: &str) -> Result<Vec<Item>, PageError> {
    let lang = ctx.lang;
    let shown = |c: Choice| item(lang, c);
    let app = &state.app;
    Ok(match pick {
        Pick::Partner => app
            .pick_partners(&ctx.caller, q)
            .await?
            .into_iter()
            .map(shown)
            .collect(),
        Pick::Region => app
            .pick_regions(&ctx.caller, q)
            .await?
            .into_iter()
            .map(shown)
            .collect(),
        Pick::Product => app
            .pick_products(&ctx.caller, q)
            .await?
            .into_iter()
            .map(shown)
            .collect(),
        Pick::User => app
            .pick_users(&ctx.caller, q)
            .await?
            .into_iter()
            .map(shown)
            .collect(),
        Pick::ProductLine => app
            .pick_product_lines(&ctx.caller, q)
            .await?
            .into_iter()
            .map(shown)
            .collect(),
    })
}

async fn answer(state: AppState, ctx: Ctx, pick: Pick, q: &str) -> Result<Response, PageError> {
    let choices = choices(&state, &ctx, pick, q).await?;
    render(&Choices {
        choices,
        none: ctx.lang.t("pick.none"),
    })
}

async fn partners(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PickQuery>,
) -> Result<Response, PageError> {
    answer(state, ctx, Pick::Partner, &query.q).await
}

async fn regions(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PickQuery>,
) -> Result<Response, PageError> {
    answer(state, ctx, Pick::Region, &query.q).await
}

async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PickQuery>,
) -> Result<Response, PageError> {
    answer(state, ctx, Pick::User, &query.q).await
}

async fn product_lines(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PickQuery>,
) -> Result<Response, PageError> {
    answer(state, ctx, Pick::ProductLine, &query.q).await
}

async fn products(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ProductPickQuery>,
) -> Result<Response, PageError> {
    let Some(partner) = query.partner else {
        return answer(state, ctx, Pick::Product, &query.q).await;
    };
    let lang = ctx.lang;
    let choices = state
        .app
        .pick_order_products(&ctx.caller, &query.q, &partner)
        .await?
        .into_iter()
        .map(|c| item(lang, c))
        .collect();
    render(&Choices {
        choices,
        none: ctx.lang.t("pick.none"),
    })
}

/// What a picker field posted, as the code the use case expects: a code
/// stays as typed; the exact name of exactly one choice (in either
/// language) becomes its code. Anything else is passed on unchanged, for
/// the use case to refuse with its usual message.
pub(crate) async fn resolve(
    state: &AppState,
    ctx: &Ctx,
    pick: Pick,
    value: String,
) -> Result<String, PageError> {
    let typed = value.trim();
    if typed.is_empty() {
        return Ok(value);
    }
    let found = choices(state, ctx, pick, typed).await?;
    if found.iter().any(|c| c.code.eq_ignore_ascii_case(typed)) {
        return Ok(value);
    }
    let mut named = found
        .iter()
        .filter(|c| c.names.iter().any(|name| name == typed));
    match (named.next(), named.next()) {
        (Some(only), None) => Ok(only.code.clone()),
        _ => Ok(value),
    }
}

/// [`resolve`] for an optional field.
pub(crate) async fn resolve_opt(
    state: &AppState,
    ctx: &Ctx,
    pick: Pick,
    value: Option<String>,
) -> Result<Option<String>, PageError> {
    match value {
        Some(value) => Ok(Some(resolve(state, ctx, pick, value).await?)),
        None => Ok(None),
    }
}
