//! A target's months (`/targets/{id}/months`): the 12-month strip of a
//! year or quarter target with each month's target, actual and attainment
//! coloured by band, and, for managers, the form that splits it (or every
//! partner target below it) into months by a seasonal profile or last
//! year's shape.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use qudao_app::Permission;
use qudao_app::target_months::{MonthStrip, ProfileView, SplitMonthsInput};
use qudao_domain::money::Currency;
use qudao_domain::targets::{Band, SubjectType};
use serde::Deserialize;

use super::{PageForm, error_for, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb, name_code};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/targets/{id}/months", months)
        .post("/targets/{id}/months", split)
}

/// The split form as typed. `shape` is `profile:<code>` or `last_year`.
#[derive(Debug, Default, Deserialize)]
struct SplitForm {
    #[serde(default)]
    shape: String,
    #[serde(default)]
    all_below: Option<String>,
    #[serde(default)]
    remainder_to: String,
}

impl SplitForm {
    fn input(&self) -> SplitMonthsInput {
        let shape = self.shape.trim();
        SplitMonthsInput {
            profile: shape.strip_prefix("profile:").map(str::to_owned),
            last_year: shape == "last_year",
            all_below: self.all_below.is_some(),
            remainder_to: Some(self.remainder_to.trim().to_owned()).filter(|m| !m.is_empty()),
        }
    }
}

/// One month of the strip as people read it.
struct Cell {
    month: String,
    target_id: Option<i64>,
    value: String,
    draft: bool,
    actual: String,
    percent: String,
    band: &'static str,
}

#[derive(Template)]
#[template(path = "target_months/months.html")]
struct MonthsPage {
    c: Chrome,
    strip: MonthStrip,
    who: String,
    figure: String,
    cells: Vec<Cell>,
    unallocated: String,
    profiles: Vec<ProfileView>,
    splits: bool,
    /// The target's subjects below it are partners only from a company,
    /// channel or region.
    below: bool,
    form: SplitForm,
    errors: Vec<(String, String)>,
}

impl MonthsPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn profile_name(&self, p: &ProfileView) -> String {
        match self.c.lang {
            Lang::ZhCn => p.name.clone(),
            Lang::En => p.name_en.clone(),
        }
    }

    /// A profile's months as percents (`14% · 5% · …`), January first.
    fn profile_months(&self, p: &ProfileView) -> String {
        p.basis_points
            .iter()
            .map(|bps| format!("{}%", rust_decimal::Decimal::new(*bps, 2).normalize()))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn shape_is(&self, shape: &str) -> bool {
        self.form.shape == shape
    }

    fn confirm(&self) -> String {
        let key = if self.below {
            "months.confirm_below"
        } else {
            "months.confirm"
        };
        self.c.t(key).replacen("{}", &self.who, 1)
    }
}

fn band_class(band: Band) -> &'static str {
    match band {
        Band::Red => "band-red",
        Band::Amber => "band-amber",
        Band::Green => "band-green",
    }
}

fn subject_name(lang: Lang, strip: &MonthStrip) -> String {
    let t = &strip.target;
    match t.subject_type {
        SubjectType::Company => lang.t("targets.company").to_owned(),
        SubjectType::Channel => lang
            .t(&format!("partner_type.{}", t.subject_code))
            .to_owned(),
        _ => name_code(lang, &t.subject_name, &t.subject_code),
    }
}

async fn months_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: SplitForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let strip = state.app.target_months(&ctx.caller, id).await?;
    let profiles = state.app.seasonal_profiles(&ctx.caller).await?;
    let currency: Currency = state.app.current_settings().await?.currency;
    let measure = strip.target.measure;
    let shown = |amount: i64| measure.shown(amount, currency);
    let cells = strip
        .months
        .iter()
        .map(|m| Cell {
            month: m.month.clone(),
            target_id: m.target.as_ref().map(|t| t.id),
            value: m
                .target
                .as_ref()
                .map_or_else(|| "—".to_owned(), |t| shown(t.value)),
            draft: m
                .target
                .as_ref()
                .is_some_and(|t| t.status == qudao_domain::targets::TargetStatus::Draft),
            actual: m.actual.map_or_else(String::new, shown),
            percent: m
                .attainment
                .and_then(|a| a.percent)
                .map_or_else(String::new, |p| format!("{p}%")),
            band: m.attainment.map_or("", |a| band_class(a.band)),
        })
        .collect();
    let lang = ctx.lang;
    let who = subject_name(lang, &strip);
    let title = format!(
        "{} · {} · {}",
        who,
        strip.target.period,
        lang.t("months.title")
    );
    let back = format!("/targets/{id}");
    let c = Chrome::new(
        ctx,
        "/targets",
        title.clone(),
        vec![
            crumb(
                lang,
                "targets.title",
                &format!("/targets?period={}", strip.target.period),
            ),
            (format!("{} · {}", who, strip.target.period), Some(back)),
            (lang.t("months.title").to_owned(), None),
        ],
    )
    .await?;
    let splits = ctx.caller.can(Permission::ManageTargets)
        && !strip.months.is_empty()
        && measure.is_additive();
    let below = matches!(
        strip.target.subject_type,
        SubjectType::Company | SubjectType::Channel | SubjectType::Region
    );
    render(&MonthsPage {
        figure: shown(strip.target.value),
        unallocated: strip
            .unallocated
            .filter(|gap| *gap != 0)
            .map_or_else(String::new, shown),
        c,
        who,
        cells,
        profiles,
        splits,
        below,
        form,
        errors,
        strip,
    })
}

async fn months(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let form = SplitForm {
        shape: "profile:even".to_owned(),
        ..SplitForm::default()
    };
    months_page(&state, &ctx, id, form, Vec::new()).await
}

async fn split(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<SplitForm>,
) -> Result<Response, PageError> {
    let result = state.app.split_months(&ctx.caller, id, &form.input()).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |done| {
            let text = ctx
                .lang
                .t("months.split_done")
                .replacen("{}", &done.targets.to_string(), 1)
                .replacen("{}", &(done.created + done.replaced).to_string(), 1);
            (text, format!("/targets/{id}/months"))
        },
        async |errors| months_page(&state, &ctx, id, form, errors).await,
    )
    .await
}
