//! Sell-through pages: the lines partners reported, their uploads (a file
//! runs as a job: its page polls the progress, then shows the row report
//! and a mapping form for product codes not known yet). The same pages
//! serve staff and, within their own organisation, partner users.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use qudao_app::imports::ImportOptions;
use qudao_app::sellthrough::{Candidate, LineQuery, LineView, UploadView};
use qudao_app::{AppError, Permission};
use serde::Deserialize;

use super::imports::{ImportResult, UPLOAD_LIMIT};
use super::pick::Pick;
use super::{ListParams, PageForm, error_for, export_list, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, WebError};
use crate::i18n::Lang;
use crate::layout::{Chrome, ListLinks, display_time};
use crate::routes::Routes;

const LINES: &str = "/sellthrough";
const UPLOADS: &str = "/sellthrough/uploads";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(LINES, lines)
        .get(UPLOADS, uploads)
        .route(
            "POST",
            UPLOADS,
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .get("/sellthrough/uploads/{id}", upload_page)
        .post("/sellthrough/uploads/{id}/mappings", map_code)
}

// ---------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct LineParams {
    partner: Option<String>,
    month: Option<String>,
    product: Option<String>,
    region: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "sellthrough/lines.html")]
struct LinesPage {
    c: Chrome,
    rows: Vec<LineView>,
    links: ListLinks,
    errors: Vec<(String, String)>,
}

impl LinesPage {
    fn product_name<'a>(&self, row: &'a LineView) -> &'a str {
        match self.c.lang {
            Lang::En if !row.product_name_en.is_empty() => &row.product_name_en,
            _ => &row.product_name_zh,
        }
    }

    fn region_name<'a>(&self, row: &'a LineView) -> &'a str {
        match (self.c.lang, &row.region_name_en) {
            (Lang::En, Some(en)) if !en.is_empty() => en,
            _ => &row.region_name,
        }
    }

    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }
}

async fn lines(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<LineParams>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "sell-through", pairs).await;
    }
    let text = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let partner =
        super::pick::resolve_opt(&state, &ctx, Pick::Partner, text(&params.partner)).await?;
    let product =
        super::pick::resolve_opt(&state, &ctx, Pick::Product, text(&params.product)).await?;
    let region = super::pick::resolve_opt(&state, &ctx, Pick::Region, text(&params.region)).await?;
    let query = LineQuery {
        partner,
        month: text(&params.month),
        product,
        region,
        ..LineQuery::default()
    };
    let (page, errors) = match state
        .app
        .sellthrough_lines(&ctx.caller, &query, params.list.page_request())
        .await
    {
        Ok(page) => (page, Vec::new()),
        Err(err) => {
            let (_, errors) = super::field_errors(ctx.lang, err)?;
            (
                qudao_app::Page {
                    items: Vec::new(),
                    total: 0,
                    page: 1,
                    per_page: 25,
                },
                errors,
            )
        }
    };
    let keep =
        |name: &str, value: &Option<String>| (name.to_owned(), value.clone().unwrap_or_default());
    let links = ListLinks {
        base: LINES.to_owned(),
        filters: vec![
            keep("partner", &params.partner),
            keep("month", &params.month),
            keep("product", &params.product),
            keep("region", &params.region),
        ],
        sort: String::new(),
        desc: false,
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("nav.sellthrough").to_owned();
    let c = Chrome::new(&ctx, LINES, title.clone(), vec![(title, None)]).await?;
    render(&LinesPage {
        c,
        rows: page.items,
        links,
        errors,
    })
}

// ---------------------------------------------------------------------------
// Uploads
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "sellthrough/uploads.html")]
struct UploadsPage {
    c: Chrome,
    rows: Vec<UploadView>,
    links: ListLinks,
    can_report: bool,
}

impl UploadsPage {
    fn when(&self, row: &UploadView) -> String {
        display_time(&row.created_at)
    }
}

async fn uploads(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<ListParams>,
) -> Result<Response, PageError> {
    let page = state
        .app
        .sellthrough_uploads(&ctx.caller, params.page_request())
        .await?;
    let links = ListLinks {
        base: UPLOADS.to_owned(),
        filters: Vec::new(),
        sort: String::new(),
        desc: false,
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("sellthrough.uploads").to_owned();
    let c = Chrome::new(
        &ctx,
        UPLOADS,
        title.clone(),
        vec![
            (
                ctx.lang.t("nav.sellthrough").to_owned(),
                Some(LINES.to_owned()),
            ),
            (title, None),
        ],
    )
    .await?;
    render(&UploadsPage {
        c,
        rows: page.items,
        links,
        can_report: ctx.caller.can(Permission::ReportSellThrough),
    })
}

/// Stores the file, starts the job and goes to its page.
async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    mut form: Multipart,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ReportSellThrough) {
        return Err(AppError::Forbidden.into());
    }
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadRequest(e.body_text());
    let mut options = ImportOptions::default();
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "dry_run" => options.dry_run = !field.text().await.map_err(bad)?.is_empty(),
            "hold_unknown" => options.hold_unknown = !field.text().await.map_err(bad)?.is_empty(),
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                file = Some((name, field.bytes().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(name, _)| !name.is_empty()) else {
        return Err(WebError::BadRequest("choose a file to import".to_owned()).into());
    };
    let id = state
        .app
        .start_sellthrough_upload(&ctx.caller, &name, &bytes, options)
        .await?;
    Ok(Redirect::to(&format!("{UPLOADS}/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "sellthrough/upload.html")]
struct UploadPage {
    c: Chrome,
    upload: UploadView,
    result: Option<ImportResult>,
    /// The code whose mapping was refused, with what was typed and why.
    mapping: MappingForm,
    errors: Vec<(String, String)>,
}

impl UploadPage {
    fn candidate_name<'a>(&self, product: &'a Candidate) -> &'a str {
        match self.c.lang {
            Lang::En if !product.name_en.is_empty() => &product.name_en,
            _ => &product.name_zh,
        }
    }

    fn percent(&self) -> i64 {
        if self.upload.rows_total > 0 {
            (self.upload.rows_done * 100 / self.upload.rows_total).min(100)
        } else {
            0
        }
    }

    /// The mapping error, shown on the form of the code it was for.
    fn sku_error(&self, partner: &str, code: &str) -> &str {
        if self.mapping.partner_code == partner && self.mapping.code == code {
            error_for(&self.errors, "sku")
        } else {
            ""
        }
    }

    fn sku_for<'a>(&'a self, partner: &str, code: &str) -> &'a str {
        if self.mapping.partner_code == partner && self.mapping.code == code {
            &self.mapping.sku
        } else {
            ""
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct MappingForm {
    partner_code: String,
    code: String,
    sku: String,
}

async fn upload_view(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mapping: MappingForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound("upload"))?;
    let upload = state.app.sellthrough_upload(&ctx.caller, id).await?;
    let result = upload
        .report
        .as_ref()
        .map(|report| ImportResult::new(ctx.lang, report));
    let title = ctx.lang.tf("sellthrough.upload_title", &upload.file_name);
    let c = Chrome::new(
        ctx,
        UPLOADS,
        title.clone(),
        vec![
            (
                ctx.lang.t("nav.sellthrough").to_owned(),
                Some(LINES.to_owned()),
            ),
            (
                ctx.lang.t("sellthrough.uploads").to_owned(),
                Some(UPLOADS.to_owned()),
            ),
            (title, None),
        ],
    )
    .await?;
    render(&UploadPage {
        c,
        upload,
        result,
        mapping,
        errors,
    })
}

async fn upload_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    upload_view(&state, &ctx, &id, MappingForm::default(), Vec::new()).await
}

/// Maps a partner's own code to our product; its held rows are written.
async fn map_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(mut form): PageForm<MappingForm>,
) -> Result<Response, PageError> {
    // The form belongs to an upload the caller may see.
    let upload: i64 = id.parse().map_err(|_| AppError::NotFound("upload"))?;
    state.app.sellthrough_upload(&ctx.caller, upload).await?;
    form.sku = super::pick::resolve(&state, &ctx, Pick::Product, form.sku).await?;
    let result = state
        .app
        .map_product_code(&ctx.caller, &form.partner_code, &form.code, &form.sku)
        .await;
    let lang = ctx.lang;
    let location = format!("{UPLOADS}/{}", crate::auth::urlencode(&id));
    saved_or_redisplayed(
        &ctx,
        result,
        |outcome| {
            let text = if outcome.still_held.is_empty() {
                lang.tf("sellthrough.mapped", outcome.released)
            } else {
                format!(
                    "{} {}",
                    lang.tf("sellthrough.mapped", outcome.released),
                    lang.tf("sellthrough.still_held", outcome.still_held.len())
                )
            };
            (text, location)
        },
        async |errors| upload_view(&state, &ctx, &id, form, errors).await,
    )
    .await
}
