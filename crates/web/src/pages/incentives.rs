//! Incentive program pages: the programs (latest version per code, by kind
//! and status), a version read in words with every version of its code and
//! the activation (confirmed, naming what it retires), and the program
//! editor (a document in a textarea, "check" and "save as draft", every
//! problem listed under the editor at its path). Staff only: partner roles
//! are refused, as programs are our own rules.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::incentives::{
    DocumentFormat, Named, ProgramCheck, ProgramDetail, ProgramFilter, ProgramSummary, would_retire,
};
use qudao_app::{Page, PageRequest, Permission};
use qudao_domain::incentives::Program;
use qudao_domain::incentives::program::{BaseMeasure, Pay, Reference};
use qudao_domain::money::Money;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{PageForm, render};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb, pick};
use crate::routes::Routes;

const HOME: &str = "/incentives";

/// The example a new program starts from: the documented retroactive
/// rebate (docs/INCENTIVES.md), so the editor shows every usual field.
const EXAMPLE: &str = r#"{
  "kind": "rebate",
  "code": "RB-DIST-2026",
  "name": "经销商季度返利",
  "version": 1,
  "currency": "CNY",
  "effective_from": "2026-01-01",
  "effective_to": "2026-12-31",
  "period": "quarter",
  "scope": { "partner_types": ["distributor"], "grades": ["gold", "silver"] },
  "base": { "measure": "sell_in_net" },
  "attainment": { "source": "target" },
  "mode": "retroactive",
  "brackets": [
    { "from": "0%", "rate": "1%" },
    { "from": "80%", "rate": "2%" },
    { "from": "100%", "rate": "3%" }
  ],
  "stacking": { "rule": "stacks", "order": 10 },
  "payout": { "form": "wallet", "max_share_per_order": "20%" }
}
"#;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(HOME, programs)
        .post(HOME, submit)
        .get("/incentives/new", new_program)
        .get("/incentives/{code}", program)
        .get("/incentives/{code}/edit", edit_program)
        .post("/incentives/{code}/versions/{n}/activate", activate)
}

fn crumbs(lang: Lang, title: &str) -> Vec<(String, Option<String>)> {
    vec![
        crumb(lang, "nav.incentives", HOME),
        (title.to_owned(), None),
    ]
}

/// A ratio as a percent: 0.025 reads 2.5%.
fn percent(ratio: Decimal) -> String {
    format!("{}%", (ratio * Decimal::ONE_HUNDRED).normalize())
}

// ---------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    kind: Option<String>,
    status: Option<String>,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "incentives/list.html")]
struct ListPage {
    c: Chrome,
    page: Page<ProgramSummary>,
    kind: String,
    status: String,
    can_edit: bool,
    can_adjust: bool,
    can_see_accruals: bool,
}

impl ListPage {
    fn kinds(&self) -> [&'static str; 3] {
        ["rebate", "commission", "promotion"]
    }

    fn statuses(&self) -> [&'static str; 3] {
        ["draft", "active", "retired"]
    }

    fn next(&self) -> Option<String> {
        (self.page.page < self.page.pages()).then(|| {
            format!(
                "{HOME}?kind={}&status={}&page={}",
                self.kind,
                self.status,
                self.page.page + 1
            )
        })
    }
}

async fn programs(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let filter = ProgramFilter {
        kind: query.kind.clone().filter(|k| !k.is_empty()),
        status: query.status.clone().filter(|s| !s.is_empty()),
    };
    let page = state
        .app
        .programs(&ctx.caller, &filter, PageRequest::new(query.page, None))
        .await?;
    let title = ctx.lang.t("nav.incentives").to_owned();
    let c = Chrome::new(&ctx, HOME, title.clone(), vec![(title, None)]).await?;
    render(&ListPage {
        c,
        page,
        kind: filter.kind.unwrap_or_default(),
        status: filter.status.unwrap_or_default(),
        can_edit: ctx.caller.can(Permission::ManageIncentives),
        can_adjust: ctx.caller.can(Permission::AdjustIncentives),
        can_see_accruals: ctx.caller.can(Permission::ViewIncentiveAccruals),
    })
}

// ---------------------------------------------------------------------------
// A version in words
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct VersionQuery {
    version: Option<u32>,
}

#[derive(Template)]
#[template(path = "incentives/program.html")]
struct ProgramPage {
    c: Chrome,
    detail: ProgramDetail,
    /// The version's rules in words: (label, words).
    words: Vec<(&'static str, String)>,
    /// The bracket table, one sentence a step.
    brackets: Vec<String>,
    can_edit: bool,
    /// The confirmation of activating this version, naming what it retires.
    confirm: String,
}

impl ProgramPage {
    fn activate_action(&self) -> String {
        let s = &self.detail.program.summary;
        format!("{HOME}/{}/versions/{}/activate", s.code, s.version)
    }

    fn is_draft(&self) -> bool {
        self.detail.program.summary.status == "draft"
    }
}

fn names(lang: Lang, list: &[Named]) -> String {
    let sep = if lang == Lang::ZhCn { "、" } else { ", " };
    list.iter()
        .map(|n| match n.name.as_deref() {
            Some(_) => pick(lang, n.name.as_deref(), n.name_en.as_deref()).to_owned(),
            None => n.code.clone(),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

fn joined(lang: Lang, items: impl IntoIterator<Item = String>) -> String {
    let sep = if lang == Lang::ZhCn { "、" } else { ", " };
    items.into_iter().collect::<Vec<_>>().join(sep)
}

/// An amount in minor units of the program's currency, as people read it.
fn money(program: &Program, minor: i64) -> String {
    Money::from_minor(minor, program.currency).formatted()
}

/// A rate as the base reads it: a percent of money, or an amount a unit.
fn rate(lang: Lang, program: &Program, rate: Decimal) -> String {
    if program.base.measure == BaseMeasure::Quantity {
        let minor = i64::try_from(rate.trunc().mantissa()).unwrap_or(i64::MAX);
        lang.tf("incentives.per_unit", money(program, minor))
    } else {
        percent(rate)
    }
}

fn bracket_rows(lang: Lang, program: &Program) -> Vec<String> {
    let row = |from: Decimal, value: String| {
        lang.t("incentives.bracket_row")
            .replacen("{}", &percent(from), 1)
            .replacen("{}", &value, 1)
    };
    match &program.rules.pay {
        Pay::Retroactive(b) | Pay::Marginal(b) => b
            .iter()
            .map(|b| {
                row(
                    b.from,
                    lang.tf("incentives.rate_of", rate(lang, program, b.value)),
                )
            })
            .collect(),
        Pay::FixedAmount(b) => b
            .iter()
            .map(|b| {
                row(
                    b.from,
                    lang.tf("incentives.amount_of", money(program, b.value)),
                )
            })
            .collect(),
        Pay::Flat(r) => vec![lang.tf("incentives.rate_of", rate(lang, program, *r))],
    }
}

/// The version's rules in words, in the document's order.
fn words(lang: Lang, detail: &ProgramDetail) -> Vec<(&'static str, String)> {
    let p = &detail.program.program;
    let n = &detail.program.names;
    let mut rows = vec![
        (
            "incentives.kind",
            lang.t(&format!("program_kind.{}", p.kind.as_str()))
                .to_owned(),
        ),
        (
            "incentives.period",
            lang.t(&format!("program_period.{}", p.period.as_str()))
                .to_owned(),
        ),
        ("incentives.effective", p.effective.to_string()),
        ("incentives.currency", p.currency.as_str().to_owned()),
    ];
    let s = &p.scope;
    if !s.partner_types.is_empty() {
        let types = s
            .partner_types
            .iter()
            .map(|t| lang.t(&format!("partner_type.{}", t.as_str())).to_owned());
        rows.push(("incentives.scope_types", joined(lang, types)));
    }
    if !n.grades.is_empty() {
        rows.push(("incentives.scope_grades", names(lang, &n.grades)));
    }
    if !n.regions.is_empty() {
        rows.push(("incentives.scope_regions", names(lang, &n.regions)));
    }
    if !n.partners.is_empty() {
        rows.push(("incentives.scope_partners", names(lang, &n.partners)));
    }
    if !s.reps.is_empty() {
        rows.push((
            "incentives.scope_reps",
            joined(lang, s.reps.iter().map(|r| r.as_str().to_owned())),
        ));
    }
    if !s.teams.is_empty() {
        rows.push((
            "incentives.scope_teams",
            joined(lang, s.teams.iter().map(|t| t.as_str().to_owned())),
        ));
    }
    let measure = lang
        .t(&format!("program_measure.{}", p.base.measure.as_str()))
        .to_owned();
    rows.push(("incentives.measure", measure));
    if !n.product_lines.is_empty() {
        rows.push(("incentives.product_lines", names(lang, &n.product_lines)));
    }
    if !p.base.categories.is_empty() {
        rows.push((
            "incentives.categories",
            joined(lang, p.base.categories.iter().cloned()),
        ));
    }
    if !n.skus.is_empty() {
        rows.push(("incentives.skus", names(lang, &n.skus)));
    }
    if p.base.count_downstream_purchases {
        rows.push((
            "incentives.downstream",
            lang.t("incentives.downstream_yes").to_owned(),
        ));
    }
    let reference = match p.rules.reference {
        Reference::Target => lang.t("incentives.against_target").to_owned(),
        Reference::FixedThreshold { amount } => {
            lang.tf("incentives.against_threshold", money(p, amount))
        }
        Reference::Growth { against } => lang
            .t(&format!("incentives.growth.{}", against.as_str()))
            .to_owned(),
    };
    rows.push(("incentives.attainment", reference));
    rows.push((
        "incentives.mode",
        lang.t(&format!("program_mode.{}", p.rules.pay.mode().as_str()))
            .to_owned(),
    ));
    for m in &p.multipliers {
        let what = joined(
            lang,
            m.lines
                .iter()
                .map(|l| l.as_str().to_owned())
                .map(|code| {
                    names(
                        lang,
                        &n.product_lines
                            .iter()
                            .filter(|x| x.code == code)
                            .cloned()
                            .collect::<Vec<_>>(),
                    )
                })
                .chain(m.skus.iter().map(|s| {
                    let code = s.as_str();
                    names(
                        lang,
                        &n.skus
                            .iter()
                            .filter(|x| x.code == code)
                            .cloned()
                            .collect::<Vec<_>>(),
                    )
                })),
        );
        let factors = lang
            .t("incentives.multiplier_row")
            .replacen("{}", &what, 1)
            .replacen("{}", &m.base_factor.normalize().to_string(), 1)
            .replacen("{}", &m.points_factor.normalize().to_string(), 1);
        rows.push(("incentives.multiplier", factors));
    }
    if let Some(a) = p.rules.accelerator {
        let text = lang
            .t("incentives.accelerator_row")
            .replacen("{}", &percent(a.above), 1)
            .replacen("{}", &a.factor.normalize().to_string(), 1);
        rows.push(("incentives.accelerator", text));
    }
    if let Some(points) = p.points {
        let text = lang
            .t("points.rule_row")
            .replacen("{}", &money(p, points.per), 1)
            .replacen("{}", &points.expire_months.to_string(), 1);
        rows.push(("points.rule", text));
    }
    if let Some(cap) = p.rules.cap {
        rows.push(("incentives.cap", money(p, cap)));
    }
    if let Some(floor) = p.rules.floor {
        rows.push(("incentives.floor", money(p, floor)));
    }
    rows.push((
        "incentives.penalties",
        lang.t("incentives.penalties_note").to_owned(),
    ));
    let stacking = lang
        .t(&format!("program_stacking.{}", p.stacking.rule.as_str()))
        .replacen("{}", &p.stacking.order.to_string(), 1);
    rows.push(("incentives.stacking", stacking));
    let mut payout = lang
        .t(&format!("program_payout.{}", p.payout.form.as_str()))
        .to_owned();
    if let Some(share) = p.payout.max_share_per_order {
        payout.push_str(&lang.tf("incentives.max_share", percent(share)));
    }
    rows.push(("incentives.payout", payout));
    let c = &p.conditions;
    let mut conditions = Vec::new();
    if c.pay_on_collected_share {
        conditions.push(lang.t("incentives.on_collected").to_owned());
    }
    if c.validated_sell_through_only {
        conditions.push(lang.t("incentives.validated_only").to_owned());
    }
    if let Some(score) = c.min_data_quality {
        conditions.push(lang.tf("incentives.min_quality", score.normalize()));
    }
    if !conditions.is_empty() {
        rows.push(("incentives.conditions", joined(lang, conditions)));
    }
    if let Some(days) = p.commission.as_ref().and_then(|c| c.clawback_days) {
        rows.push((
            "incentives.clawback",
            lang.tf("incentives.clawback_days", days),
        ));
    }
    rows
}

async fn program(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Response, PageError> {
    let detail = match query.version {
        Some(n) => state.app.program_version(&ctx.caller, &code, n).await?,
        None => state.app.program(&ctx.caller, &code).await?,
    };
    let s = &detail.program.summary;
    let title = format!("{} · v{}", s.name, s.version);
    let retired = would_retire(&detail, s.version);
    let confirm = if retired.is_empty() {
        ctx.lang
            .tf("incentives.confirm_activate", format!("v{}", s.version))
    } else {
        ctx.lang
            .t("incentives.confirm_activate_retire")
            .replacen("{}", &format!("v{}", s.version), 1)
            .replacen(
                "{}",
                &joined(ctx.lang, retired.iter().map(|v| format!("v{v}"))),
                1,
            )
    };
    let words = words(ctx.lang, &detail);
    let brackets = bracket_rows(ctx.lang, &detail.program.program);
    let c = Chrome::new(&ctx, HOME, title.clone(), crumbs(ctx.lang, &title)).await?;
    render(&ProgramPage {
        c,
        detail,
        words,
        brackets,
        can_edit: ctx.caller.can(Permission::ManageIncentives),
        confirm,
    })
}

async fn activate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, n)): Path<(String, u32)>,
    PageForm(_): PageForm<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let done = state.app.activate_program(&ctx.caller, &code, n).await;
    let location = format!("{HOME}/{}?version={n}", code.trim().to_ascii_uppercase());
    match done {
        Ok(detail) => {
            let s = &detail.program.summary;
            set_flash(
                &ctx.session,
                FlashKind::Success,
                ctx.lang
                    .tf("incentives.activated", format!("{} v{}", s.name, s.version)),
            )
            .await?;
        }
        Err(qudao_app::AppError::Invalid(fields)) => {
            let text = fields
                .iter()
                .map(|f| ctx.lang.problem(&f.problem))
                .collect::<Vec<_>>()
                .join("; ");
            set_flash(&ctx.session, FlashKind::Error, text).await?;
        }
        Err(other) => return Err(other.into()),
    }
    Ok(Redirect::to(&location).into_response())
}

// ---------------------------------------------------------------------------
// The editor
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
struct EditorForm {
    #[serde(default)]
    document: String,
    #[serde(default)]
    format: String,
    /// `check` (validate only) or `save` (save as a draft).
    #[serde(default)]
    action: String,
}

#[derive(Template)]
#[template(path = "incentives/editor.html")]
struct EditorPage {
    c: Chrome,
    form: EditorForm,
    /// Every problem found: (path, message).
    problems: Vec<(String, String)>,
    /// "The document is valid" after a clean check.
    valid: Option<String>,
}

async fn editor(
    ctx: &Ctx,
    title: String,
    form: EditorForm,
    problems: Vec<(String, String)>,
    valid: Option<String>,
) -> Result<Response, PageError> {
    let c = Chrome::new(ctx, HOME, title.clone(), crumbs(ctx.lang, &title)).await?;
    render(&EditorPage {
        c,
        form,
        problems,
        valid,
    })
}

fn require_manager(ctx: &Ctx) -> Result<(), PageError> {
    if ctx.caller.can(Permission::ManageIncentives) {
        Ok(())
    } else {
        Err(qudao_app::AppError::Forbidden.into())
    }
}

async fn new_program(ctx: Ctx) -> Result<Response, PageError> {
    require_manager(&ctx)?;
    let form = EditorForm {
        document: EXAMPLE.to_owned(),
        format: "json".to_owned(),
        action: String::new(),
    };
    editor(
        &ctx,
        ctx.lang.t("incentives.new").to_owned(),
        form,
        Vec::new(),
        None,
    )
    .await
}

async fn edit_program(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    require_manager(&ctx)?;
    let detail = state.app.program(&ctx.caller, &code).await?;
    let s = &detail.program.summary;
    let title = ctx.lang.tf(
        "incentives.edit_title",
        format!("{} · v{}", s.name, s.version),
    );
    let form = EditorForm {
        document: detail.program.document.clone(),
        format: "json".to_owned(),
        action: String::new(),
    };
    editor(&ctx, title, form, Vec::new(), None).await
}

fn problems(lang: Lang, check: &ProgramCheck) -> Vec<(String, String)> {
    check
        .problems
        .iter()
        .map(|p| (p.path.clone(), lang.problem(&p.problem)))
        .collect()
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<EditorForm>,
) -> Result<Response, PageError> {
    require_manager(&ctx)?;
    let format = DocumentFormat::parse(&form.format).unwrap_or_default();
    let title = ctx.lang.t("incentives.editor").to_owned();
    if form.action == "check" {
        let check = state
            .app
            .check_program(&ctx.caller, &form.document, format)
            .await?;
        let valid = check.program.as_ref().map(|p| {
            ctx.lang
                .tf("incentives.valid", format!("{} · v{}", p.name, p.version))
        });
        let found = problems(ctx.lang, &check);
        let mut response = editor(&ctx, title, form, found, valid).await?;
        if !check.ok() {
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        return Ok(response);
    }
    let check = state
        .app
        .save_program(&ctx.caller, &form.document, format)
        .await?;
    match &check.program {
        Some(saved) if check.ok() => {
            set_flash(
                &ctx.session,
                FlashKind::Success,
                ctx.lang.tf(
                    "incentives.saved",
                    format!("{} · v{}", saved.name, saved.version),
                ),
            )
            .await?;
            Ok(
                Redirect::to(&format!("{HOME}/{}?version={}", saved.code, saved.version))
                    .into_response(),
            )
        }
        _ => {
            let found = problems(ctx.lang, &check);
            let mut response = editor(&ctx, title, form, found, None).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}
