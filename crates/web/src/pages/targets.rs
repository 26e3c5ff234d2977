//! Target pages: a period's cascade as a tree with attainment, for every
//! role (a partner sees its own targets and what it needs per remaining
//! day), one target's page (its children and amendments, and the forms to
//! set a draft's figure, approve, amend with a reason and cascade it into
//! children with the sums checked as they are typed), and the form for a
//! new target.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use qudao_app::Permission;
use qudao_app::targets::{
    AmendInput, AmendmentView, AttainmentNode, CascadeChild, CascadeInput, Projection, TargetInput,
    TargetView,
};
use qudao_domain::money::Currency;
use qudao_domain::partners::PartnerType;
use qudao_domain::periods::FiscalCalendar;
use qudao_domain::targets::{
    Attainment, Band, NeededPerDay, SubjectType, TargetMeasure, TargetStatus,
};
use serde::Deserialize;

use super::pick::{Pick, resolve};
use super::{PageForm, error_for, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

const LIST: &str = "/targets";
const MEASURES: &[TargetMeasure] = TargetMeasure::ALL;
const SUBJECT_TYPES: &[SubjectType] = SubjectType::ALL;
const PARTNER_TYPES: &[PartnerType] = PartnerType::ALL;
/// Rows for new children the cascade form starts with; enough without
/// JavaScript, which adds more.
const NEW_CHILD_ROWS: usize = 6;
/// The most children a cascade form is read for and shows one by one; a
/// larger cascade goes through the import or the API.
const MAX_FORM_CHILDREN: usize = 200;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(LIST, tree)
        .post(LIST, create)
        .get("/targets/{id}", detail)
        .post("/targets/{id}/value", set_value)
        .post("/targets/{id}/approve", approve)
        .post("/targets/{id}/amend", amend)
        .post("/targets/{id}/cascade", cascade)
}

// ---------------------------------------------------------------------------
// Figures as people read them
// ---------------------------------------------------------------------------

/// What the pages need of the company's settings.
#[derive(Clone, Copy)]
struct Units {
    currency: Currency,
    calendar: FiscalCalendar,
}

impl Units {
    async fn of(state: &AppState) -> Result<Self, PageError> {
        let settings = state.app.current_settings().await?;
        Ok(Units {
            currency: settings.currency,
            calendar: FiscalCalendar::new(settings.fiscal_year_start)
                .unwrap_or_else(|| FiscalCalendar::new(1).expect("January")),
        })
    }

    /// The fiscal year today falls in: the period a target page opens on.
    fn this_year(self) -> String {
        self.calendar.year_of(qudao_app::today()).to_string()
    }
}

/// One line of the tree: a target, how deep it sits, and its figures as
/// people read them.
struct Row {
    depth: usize,
    target: TargetView,
    value: String,
    actual: String,
    percent: String,
    /// `band-red`, `band-amber`, `band-green`, or empty with no actual.
    band: &'static str,
    variance: String,
    needed: String,
    /// What the children leave of the parent, when they do not add up.
    unallocated: Option<String>,
    /// The actual and attainment at period end if the forecast comes true;
    /// empty when not asked or the period is over.
    projected: String,
    projected_percent: String,
    projected_band: &'static str,
    /// The actual counts partners that moved between reps by days.
    prorated: bool,
}

/// Trees up to this many rows show each target's projection; a larger one
/// (a manager's thousands of partners) shows it on each target's page, as
/// every projection is a forecast of its own.
const PROJECTED_ROWS: usize = 50;

impl Row {
    fn project(&mut self, projection: Option<Projection>, units: Units) {
        let Some(projection) = projection else { return };
        let a = projection.attainment;
        self.projected = self.target.measure.shown(a.actual, units.currency);
        self.projected_percent = a.percent.map_or_else(String::new, |p| format!("{p}%"));
        self.projected_band = band_class(a.band);
    }
}

async fn project(
    state: &AppState,
    ctx: &Ctx,
    units: Units,
    rows: &mut [Row],
) -> Result<(), PageError> {
    for row in rows {
        let projection = state
            .app
            .target_projection(&ctx.caller, row.target.id)
            .await?;
        row.project(projection, units);
    }
    Ok(())
}

fn band_class(band: Band) -> &'static str {
    match band {
        Band::Red => "band-red",
        Band::Amber => "band-amber",
        Band::Green => "band-green",
    }
}

fn needed_text(lang: Lang, measure: TargetMeasure, needed: NeededPerDay, units: Units) -> String {
    match needed {
        NeededPerDay::Met => lang.t("targets.met").to_owned(),
        NeededPerDay::PeriodOver => lang.t("targets.period_over").to_owned(),
        NeededPerDay::PerDay { amount, days_left } => lang
            .t("targets.per_day")
            .replace("{amount}", &measure.shown(amount, units.currency))
            .replace("{days}", &days_left.to_string()),
    }
}

fn row(lang: Lang, units: Units, depth: usize, node: &AttainmentNode) -> Row {
    let target = node.target.clone();
    let shown = |amount: i64| target.measure.shown(amount, units.currency);
    let attained: Option<&Attainment> = node.attainment.as_ref();
    let unallocated = node.unallocated.filter(|gap| *gap != 0).map(shown);
    Row {
        depth,
        value: shown(target.value),
        actual: attained.map_or_else(String::new, |a| shown(a.actual)),
        percent: attained
            .and_then(|a| a.percent)
            .map_or_else(String::new, |p| format!("{p}%")),
        band: attained.map_or("", |a| band_class(a.band)),
        variance: attained.map_or_else(String::new, |a| shown(a.variance)),
        needed: node
            .needed_per_day
            .map_or_else(String::new, |n| needed_text(lang, target.measure, n, units)),
        unallocated,
        target,
        projected: String::new(),
        projected_percent: String::new(),
        projected_band: "",
        prorated: node.prorated,
    }
}

/// The tree flattened in reading order, each row with its depth.
fn rows(lang: Lang, units: Units, nodes: &[AttainmentNode]) -> Vec<Row> {
    fn walk(lang: Lang, units: Units, depth: usize, nodes: &[AttainmentNode], out: &mut Vec<Row>) {
        for node in nodes {
            out.push(row(lang, units, depth, node));
            walk(lang, units, depth + 1, &node.children, out);
        }
    }
    let mut out = Vec::new();
    walk(lang, units, 0, nodes, &mut out);
    out
}

/// Who a target is for, in words: the company, a channel's name, or the
/// region's, partner's or rep's name.
fn subject_name(lang: Lang, target: &TargetView) -> String {
    match target.subject_type {
        SubjectType::Company => lang.t("targets.company").to_owned(),
        SubjectType::Channel => lang
            .t(&format!("partner_type.{}", target.subject_code))
            .to_owned(),
        _ if target.subject_name.is_empty() => target.subject_code.clone(),
        _ => target.subject_name.clone(),
    }
}

/// The code shown beside a subject's name: none (the name itself) for the
/// company and a channel, whose codes are words of ours, not records'.
fn shown_code(lang: Lang, target: &TargetView) -> String {
    match target.subject_type {
        SubjectType::Company | SubjectType::Channel => subject_name(lang, target),
        _ => target.subject_code.clone(),
    }
}

/// Where a subject's own page is, when it has one.
fn subject_href(target: &TargetView) -> String {
    match target.subject_type {
        SubjectType::Partner => format!("/partners/{}", target.subject_code),
        SubjectType::Region => format!("/territories/regions/{}", target.subject_code),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct TreeParams {
    period: Option<String>,
    measure: Option<String>,
}

/// The new-target form as typed: the subject comes from the field of its
/// type (a channel's select, or the region, partner or rep picker).
#[derive(Debug, Default, Clone, Deserialize)]
struct NewTarget {
    #[serde(default)]
    period: String,
    #[serde(default)]
    subject_type: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    rep: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    product_line: String,
    #[serde(default)]
    value: String,
}

#[derive(Template)]
#[template(path = "targets/tree.html")]
struct TreePage {
    c: Chrome,
    period: String,
    measure: String,
    rows: Vec<Row>,
    /// Whether the rows carry their projections (a small tree).
    projected: bool,
    can_manage: bool,
    /// Links to the bottom-up proposals and to the gap between versions.
    can_propose: bool,
    can_compare: bool,
    /// The caller is a partner: the page is its own targets.
    portal: bool,
    input: NewTarget,
    errors: Vec<(String, String)>,
}

impl TreePage {
    fn code(&self, target: &TargetView) -> String {
        shown_code(self.c.lang, target)
    }
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn subject(&self, target: &TargetView) -> String {
        subject_name(self.c.lang, target)
    }

    fn indent(&self, row: &Row) -> String {
        format!("--depth:{}", row.depth.min(6))
    }
}

async fn tree_page(
    state: &AppState,
    ctx: &Ctx,
    params: TreeParams,
    input: NewTarget,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let units = Units::of(state).await?;
    let period = super::filter(&params.period).unwrap_or_else(|| units.this_year());
    let measure = super::filter(&params.measure).unwrap_or_default();
    let mut errors = errors;
    let nodes = match state
        .app
        .attainment(&ctx.caller, &period, Some(&measure))
        .await
    {
        Ok(nodes) => nodes,
        Err(err) => {
            let (_, filter_errors) = super::field_errors(ctx.lang, err)?;
            errors.extend(
                filter_errors
                    .into_iter()
                    .map(|(f, e)| (format!("f-{f}"), e)),
            );
            Vec::new()
        }
    };
    let portal = ctx.caller.role.is_partner_role();
    let title = if portal {
        ctx.lang.t("targets.mine")
    } else {
        ctx.lang.t("targets.title")
    }
    .to_owned();
    let c = Chrome::new(ctx, LIST, title.clone(), vec![(title, None)]).await?;
    let input = NewTarget {
        period: if input.period.is_empty() {
            period.clone()
        } else {
            input.period
        },
        ..input
    };
    let mut rows = rows(ctx.lang, units, &nodes);
    let projected = rows.len() <= PROJECTED_ROWS && !rows.is_empty();
    if projected {
        project(state, ctx, units, &mut rows).await?;
    }
    render(&TreePage {
        rows,
        projected,
        c,
        period,
        measure,
        can_manage: ctx.caller.can(Permission::ManageTargets),
        can_propose: ctx.caller.can(Permission::ProposeTargets),
        can_compare: ctx.caller.can(Permission::ApproveTargets),
        portal,
        input,
        errors,
    })
}

async fn tree(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<TreeParams>,
) -> Result<Response, PageError> {
    tree_page(&state, &ctx, params, NewTarget::default(), Vec::new()).await
}

/// The subject code the new-target form names, resolved from what was
/// picked or typed in the field of the chosen type.
async fn subject_code(state: &AppState, ctx: &Ctx, input: &NewTarget) -> Result<String, PageError> {
    Ok(match input.subject_type.as_str() {
        "channel" => input.channel.clone(),
        "region" => resolve(state, ctx, Pick::Region, input.region.clone()).await?,
        "partner" => resolve(state, ctx, Pick::Partner, input.partner.clone()).await?,
        "rep" => resolve(state, ctx, Pick::User, input.rep.clone()).await?,
        _ => String::new(),
    })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<NewTarget>,
) -> Result<Response, PageError> {
    let target = TargetInput {
        period: input.period.clone(),
        subject_type: input.subject_type.clone(),
        subject_code: Some(subject_code(&state, &ctx, &input).await?),
        measure: input.measure.clone(),
        product_line: Some(
            resolve(&state, &ctx, Pick::ProductLine, input.product_line.clone()).await?,
        ),
        value: input.value.clone(),
        version: None,
    };
    let result = state.app.set_target(&ctx.caller, &target).await;
    // The subject's field carries its error where the person typed it.
    let field = match input.subject_type.as_str() {
        "channel" | "region" | "partner" | "rep" => input.subject_type.clone(),
        _ => "subject_type".to_owned(),
    };
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("targets.saved", subject_name(ctx.lang, &view));
            (text, format!("/targets/{}", view.id))
        },
        async |errors| {
            let errors = errors
                .into_iter()
                .map(|(f, e)| {
                    if f == "subject_code" {
                        (field.clone(), e)
                    } else {
                        (f, e)
                    }
                })
                .collect();
            let params = TreeParams {
                period: Some(input.period.clone()),
                measure: None,
            };
            tree_page(&state, &ctx, params, input, errors).await
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// One target
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct DetailParams {
    /// The kind of children the cascade form adds (the next level down
    /// unless chosen).
    child_type: Option<String>,
}

/// A child row of the cascade form: an existing child is shown by name
/// with its code kept; a new one is picked.
#[derive(Debug, Default, Clone)]
struct ChildRow {
    code: String,
    name: String,
    part: String,
    existing: bool,
}

/// The cascade form as typed.
#[derive(Debug, Default, Clone)]
struct CascadeForm {
    by: String,
    child_type: String,
    rows: Vec<ChildRow>,
    /// The row number (from 1) that takes the rounding remainder.
    remainder: String,
    draft: bool,
}

impl CascadeForm {
    /// `by`, `child_type`, `remainder`, `draft`, and per row `code_N`,
    /// `name_N`, `part_N`, `existing_N`.
    fn from_form(form: &HashMap<String, String>) -> Self {
        let get = |key: &str| form.get(key).cloned().unwrap_or_default();
        Self {
            by: get("by"),
            child_type: get("child_type"),
            rows: (1..=MAX_FORM_CHILDREN)
                .take_while(|n| form.contains_key(&format!("code_{n}")))
                .map(|n| ChildRow {
                    code: get(&format!("code_{n}")),
                    name: get(&format!("name_{n}")),
                    part: get(&format!("part_{n}")),
                    existing: form.contains_key(&format!("existing_{n}")),
                })
                .collect(),
            remainder: get("remainder"),
            draft: form.contains_key("draft"),
        }
    }

    /// The form as the page first shows it: the children there are, then
    /// empty rows to add more.
    fn of(children: &[TargetView], child_type: SubjectType, lang: Lang) -> Self {
        let mut rows: Vec<ChildRow> = children
            .iter()
            .take(MAX_FORM_CHILDREN)
            .map(|c| ChildRow {
                code: c.subject_code.clone(),
                name: subject_name(lang, c),
                part: c.value_text.clone(),
                existing: true,
            })
            .collect();
        rows.extend(std::iter::repeat_n(ChildRow::default(), NEW_CHILD_ROWS));
        Self {
            by: "amounts".to_owned(),
            child_type: child_type.as_str().to_owned(),
            rows,
            remainder: "1".to_owned(),
            draft: false,
        }
    }
}

/// The kind of children a target's subject usually has: the cascade's
/// levels, company → channel → region → partner → rep.
fn next_level(subject: SubjectType) -> SubjectType {
    match subject {
        SubjectType::Company => SubjectType::Channel,
        SubjectType::Channel => SubjectType::Region,
        SubjectType::Region => SubjectType::Partner,
        SubjectType::Partner | SubjectType::Rep => SubjectType::Rep,
    }
}

#[derive(Debug, Default, Deserialize)]
struct ValueForm {
    #[serde(default)]
    value: String,
}

#[derive(Debug, Default, Deserialize)]
struct AmendForm {
    #[serde(default)]
    value: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "targets/detail.html")]
struct DetailPage {
    c: Chrome,
    target: TargetView,
    row: Option<Row>,
    parent: Option<TargetView>,
    children: Vec<Row>,
    amendments: Vec<AmendmentView>,
    /// The parent in the measure's unit, for the live sum of the form.
    total: i64,
    decimals: u32,
    symbol: String,
    currency: Currency,
    can_manage: bool,
    can_approve: bool,
    internal: bool,
    value: String,
    amend: (String, String),
    cascade: CascadeForm,
    errors: Vec<(String, String)>,
    /// Which form the errors belong to: `value`, `amend` or `cascade`.
    form: &'static str,
}

impl DetailPage {
    fn code(&self, target: &TargetView) -> String {
        shown_code(self.c.lang, target)
    }
    fn error(&self, form: &str, field: &str) -> &str {
        if self.form == form {
            error_for(&self.errors, field)
        } else {
            ""
        }
    }

    fn errors_of(&self, form: &str) -> Vec<(String, String)> {
        if self.form == form {
            self.errors.clone()
        } else {
            Vec::new()
        }
    }

    fn subject(&self, target: &TargetView) -> String {
        subject_name(self.c.lang, target)
    }

    fn href(&self, target: &TargetView) -> String {
        subject_href(target)
    }

    fn shown(&self, amount: &i64) -> String {
        self.target.measure.shown(*amount, self.currency)
    }

    fn is_draft(&self) -> bool {
        self.target.status == TargetStatus::Draft
    }

    /// A partner's target moves to other partners (its termination, a
    /// territory handed over) on its own page.
    fn reallocates(&self) -> bool {
        self.can_approve
            && self.target.subject_type == SubjectType::Partner
            && self.target.version == qudao_domain::targets::TargetVersion::TopDown
    }

    /// A year or quarter target has months of its own (`target_months`).
    fn has_months(&self) -> bool {
        qudao_domain::periods::Period::parse("period", &self.target.period)
            .is_ok_and(|p| !matches!(p, qudao_domain::periods::Period::Month(_)))
    }

    fn cascades(&self) -> bool {
        self.target.measure.is_additive() && self.can_manage
    }

    fn child_pick(&self) -> &'static str {
        match self.cascade.child_type.as_str() {
            "region" => "regions",
            "partner" => "partners",
            "rep" => "users",
            _ => "",
        }
    }

    fn by_is(&self, by: &str) -> bool {
        self.cascade.by == by
    }

    fn row_checked(&self, n: &usize) -> bool {
        self.cascade.remainder == n.to_string()
    }

    fn confirm_approve(&self) -> String {
        self.c
            .lang
            .t("targets.confirm_approve")
            .replace("{subject}", &self.subject(&self.target))
            .replace("{period}", &self.target.period)
    }
}

/// The target's own subtree, found in its period's tree.
fn find(nodes: &[AttainmentNode], id: i64) -> Option<&AttainmentNode> {
    nodes.iter().find_map(|n| {
        if n.target.id == id {
            Some(n)
        } else {
            find(&n.children, id)
        }
    })
}

struct Typed {
    value: String,
    amend: (String, String),
    cascade: Option<CascadeForm>,
    errors: Vec<(String, String)>,
    form: &'static str,
}

impl Typed {
    fn none() -> Self {
        Typed {
            value: String::new(),
            amend: (String::new(), String::new()),
            cascade: None,
            errors: Vec::new(),
            form: "",
        }
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    child_type: Option<String>,
    typed: Typed,
) -> Result<Response, PageError> {
    let units = Units::of(state).await?;
    let (target, amendments) = state.app.target(&ctx.caller, id).await?;
    let lang = ctx.lang;
    let tree = state
        .app
        .attainment(&ctx.caller, &target.period, Some(target.measure.as_str()))
        .await?;
    let node = find(&tree, id);
    let children_views: Vec<TargetView> = match node {
        Some(node) => node.children.iter().map(|c| c.target.clone()).collect(),
        // A bottom-up figure has no attainment of its own: its children
        // are those written under it.
        None => Vec::new(),
    };
    let parent = match target.parent_id {
        Some(parent) => state
            .app
            .target(&ctx.caller, parent)
            .await
            .ok()
            .map(|(p, _)| p),
        None => None,
    };
    let child_type = child_type
        .and_then(|t| SubjectType::parse(&t).ok())
        .or_else(|| children_views.first().map(|c| c.subject_type))
        .unwrap_or_else(|| next_level(target.subject_type));
    let cascade = typed
        .cascade
        .unwrap_or_else(|| CascadeForm::of(&children_views, child_type, lang));
    let title = format!("{} · {}", subject_name(lang, &target), target.period);
    let c = Chrome::new(
        ctx,
        LIST,
        title.clone(),
        vec![
            crumb(
                lang,
                "targets.title",
                &format!("{LIST}?period={}", target.period),
            ),
            (title, None),
        ],
    )
    .await?;
    let decimals = match target.measure.unit() {
        qudao_domain::targets::MeasureUnit::Money => units.currency.minor_digits(),
        _ => 0,
    };
    let value = if typed.value.is_empty() {
        target.value_text.clone()
    } else {
        typed.value
    };
    let mut own = node.map(|n| row(lang, units, 0, n));
    if let Some(own) = own.as_mut() {
        own.project(state.app.target_projection(&ctx.caller, id).await?, units);
    }
    render(&DetailPage {
        row: own,
        children: node
            .map(|n| n.children.iter().map(|c| row(lang, units, 0, c)).collect())
            .unwrap_or_default(),
        total: target.value,
        decimals,
        symbol: units
            .currency
            .symbol()
            .map_or_else(|| format!("{} ", units.currency), str::to_owned),
        currency: units.currency,
        can_manage: ctx.caller.can(Permission::ManageTargets),
        can_approve: ctx.caller.can(Permission::ApproveTargets),
        internal: !ctx.caller.role.is_partner_role(),
        value,
        amend: typed.amend,
        cascade,
        errors: typed.errors,
        form: typed.form,
        c,
        target,
        parent,
        amendments,
    })
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(params): Query<DetailParams>,
) -> Result<Response, PageError> {
    detail_page(&state, &ctx, id, params.child_type, Typed::none()).await
}

/// What a form on a target's page leads to: the target's page again with
/// `done` (a message key naming the subject) as the flash, or the page with
/// the form as typed and its errors.
async fn on_target_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    result: Result<TargetView, qudao_app::AppError>,
    done: &str,
    typed: Typed,
) -> Result<Response, PageError> {
    saved_or_redisplayed(
        ctx,
        result,
        |view| {
            let text = ctx.lang.tf(done, subject_name(ctx.lang, &view));
            (text, format!("/targets/{id}"))
        },
        async |errors| {
            let typed = Typed { errors, ..typed };
            detail_page(state, ctx, id, None, typed).await
        },
    )
    .await
}

async fn set_value(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ValueForm>,
) -> Result<Response, PageError> {
    let (target, _) = state.app.target(&ctx.caller, id).await?;
    let input = TargetInput {
        period: target.period.clone(),
        subject_type: target.subject_type.as_str().to_owned(),
        subject_code: Some(target.subject_code.clone()),
        measure: target.measure.as_str().to_owned(),
        product_line: target.product_line.clone(),
        value: form.value.clone(),
        version: Some(target.version.as_str().to_owned()),
    };
    let result = state.app.set_target(&ctx.caller, &input).await;
    let typed = Typed {
        value: form.value,
        form: "value",
        ..Typed::none()
    };
    on_target_page(&state, &ctx, id, result, "targets.saved", typed).await
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let result = state.app.approve_target(&ctx.caller, id).await;
    let typed = Typed {
        form: "approve",
        ..Typed::none()
    };
    on_target_page(&state, &ctx, id, result, "targets.approved", typed).await
}

async fn amend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AmendForm>,
) -> Result<Response, PageError> {
    let input = AmendInput {
        value: form.value.clone(),
        reason: form.reason.clone(),
    };
    let result = state.app.amend_target(&ctx.caller, id, &input).await;
    let typed = Typed {
        amend: (form.value, form.reason),
        form: "amend",
        ..Typed::none()
    };
    on_target_page(&state, &ctx, id, result, "targets.amended", typed).await
}

async fn cascade(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut typed = CascadeForm::from_form(&form);
    let pick = match typed.child_type.as_str() {
        "region" => Some(Pick::Region),
        "partner" => Some(Pick::Partner),
        "rep" => Some(Pick::User),
        _ => None,
    };
    for row in &mut typed.rows {
        if let (Some(pick), false) = (pick, row.existing) {
            row.code = resolve(&state, &ctx, pick, row.code.clone()).await?;
        }
    }
    // Rows left empty are the spare ones the form came with.
    let rows: Vec<(usize, &ChildRow)> = typed
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.code.trim().is_empty())
        .map(|(i, r)| (i + 1, r))
        .collect();
    let remainder_to = rows
        .iter()
        .find(|(n, _)| typed.remainder == n.to_string())
        .map(|(_, r)| r.code.trim().to_owned());
    let input = CascadeInput {
        by: typed.by.clone(),
        children: rows
            .iter()
            .map(|(_, r)| CascadeChild {
                subject_type: typed.child_type.clone(),
                subject_code: r.code.trim().to_owned(),
                part: Some(r.part.clone()),
            })
            .collect(),
        remainder_to,
        draft: typed.draft,
    };
    let result = state.app.cascade_target(&ctx.caller, id, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx
                .lang
                .t("targets.cascaded")
                .replace("{subject}", &subject_name(ctx.lang, &view.parent))
                .replace("{count}", &view.children.len().to_string());
            (text, format!("/targets/{id}"))
        },
        async |errors| {
            let child_type = Some(typed.child_type.clone());
            let typed = Typed {
                cascade: Some(typed),
                errors,
                form: "cascade",
                ..Typed::none()
            };
            detail_page(&state, &ctx, id, child_type, typed).await
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cascade_form_reads_its_rows_up_to_the_last_posted() {
        let form: HashMap<String, String> = [
            ("by", "percents"),
            ("child_type", "partner"),
            ("code_1", "P1"),
            ("existing_1", "1"),
            ("part_1", "60"),
            ("code_2", "P2"),
            ("part_2", "40"),
            ("code_3", ""),
            ("remainder", "2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let typed = CascadeForm::from_form(&form);
        assert_eq!(typed.rows.len(), 3);
        assert!(typed.rows[0].existing && !typed.rows[1].existing);
        assert_eq!(typed.rows[1].part, "40");
        assert_eq!(typed.remainder, "2");
        assert!(!typed.draft);
    }

    #[test]
    fn each_level_cascades_to_the_next() {
        assert_eq!(next_level(SubjectType::Company), SubjectType::Channel);
        assert_eq!(next_level(SubjectType::Region), SubjectType::Partner);
        assert_eq!(next_level(SubjectType::Partner), SubjectType::Rep);
    }
}
