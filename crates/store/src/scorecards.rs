//! Scorecards (see migration 23 for the tables): templates with their KPIs,
//! imported KPI inputs, evaluation runs with each subject's explained
//! result, and the grade proposals a run makes. The store speaks the
//! domain's types: a template comes back checked by `Template::new`, a
//! stored rule or KPI line that does not read is an error, never a default.
//!
//! Results and proposals are partner-owned: they are read through the data
//! scope (`partner_id`); a rep's result belongs to no partner and is read
//! only by callers who see internal figures (`Internal`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::bulk::{self, Cell};
use crate::error::read;
use crate::partners::{partner, scope_condition};
use crate::write::WriteTx;
use crate::{DataScope, StoreError, now};
use qudao_domain::partners::PartnerType;
use qudao_domain::periods::{Month, Period};
use qudao_domain::score::Score;
use qudao_domain::scorecards::{
    BandStep, Evaluation, Kpi, KpiCode, KpiResult, KpiRule, ScorecardSubject, Scoring, Template,
    Weight,
};

pub mod template {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "scorecard_templates")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name: String,
        pub subject: String,
        pub partner_type: Option<String>,
        pub subject_key: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod kpi {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "scorecard_kpis")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub template_id: i64,
        pub position: i32,
        pub kpi: String,
        pub weight: Option<String>,
        pub rule: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod input {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "scorecard_inputs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub period: String,
        pub subject_type: String,
        pub subject_key: String,
        pub partner_id: Option<i64>,
        pub user_id: Option<i64>,
        pub kpi: String,
        pub value: String,
        pub imported_by: String,
        pub imported_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod run {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_runs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub period: String,
        pub template_id: i64,
        pub provisional: bool,
        pub subjects: i32,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod result {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_results")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub run_id: i64,
        pub subject_type: String,
        pub partner_id: Option<i64>,
        pub user_id: Option<i64>,
        pub region_id: Option<i64>,
        pub grade_id: Option<i64>,
        pub total: String,
        pub rank_in_type: i32,
        pub rank_in_region: Option<i32>,
        pub kpis: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod proposal {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "grade_proposals")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub run_id: i64,
        pub partner_id: i64,
        pub from_grade_id: i64,
        pub to_grade_id: i64,
        pub total: String,
        pub status: String,
        pub decided_by: Option<String>,
        pub decided_at: Option<DateTimeUtc>,
        pub reason: Option<String>,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

// ---------------------------------------------------------------------------
// Rules as stored JSON
// ---------------------------------------------------------------------------

/// A KPI's rule as the `rule` column holds it. Numbers are strings, so a
/// decimal never passes through a float.
pub fn rule_json(rule: &KpiRule) -> String {
    let value = match rule {
        KpiRule::Weighted {
            scoring: Scoring::Linear { floor, target },
            ..
        } => json!({"kind": "linear", "floor": floor.to_string(), "target": target.to_string()}),
        KpiRule::Weighted {
            scoring: Scoring::Bands(steps),
            ..
        } => json!({
            "kind": "bands",
            "steps": steps
                .iter()
                .map(|s| json!({"from": s.from.to_string(), "score": s.score.value().to_string()}))
                .collect::<Vec<_>>(),
        }),
        KpiRule::Deduction {
            points_per_violation,
        } => json!({"kind": "deduction", "points_per_violation": points_per_violation.to_string()}),
    };
    value.to_string()
}

fn decimal_at(value: &Value, key: &str) -> Option<Decimal> {
    value.get(key)?.as_str()?.parse().ok()
}

/// Reads a stored rule; `None` when it is not one this program writes.
/// `Template::new` then checks it as it checks a typed one.
pub fn rule_of(weight: Option<&str>, text: &str) -> Option<KpiRule> {
    let value: Value = serde_json::from_str(text).ok()?;
    let weighted = |scoring| {
        let weight = Weight::parse("weight", weight?).ok()?;
        Some(KpiRule::Weighted { weight, scoring })
    };
    match value.get("kind")?.as_str()? {
        "linear" => weighted(Scoring::Linear {
            floor: decimal_at(&value, "floor")?,
            target: decimal_at(&value, "target")?,
        }),
        "bands" => {
            let steps = value
                .get("steps")?
                .as_array()?
                .iter()
                .map(|s| {
                    Some(BandStep {
                        from: decimal_at(s, "from")?,
                        score: Score::new(decimal_at(s, "score")?)?,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            weighted(Scoring::Bands(steps))
        }
        "deduction" if weight.is_none() => Some(KpiRule::Deduction {
            points_per_violation: decimal_at(&value, "points_per_violation")?,
        }),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

/// A stored template, its KPIs checked again by the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The partner type a partner template judges; `None` for the reps'.
    pub partner_type: Option<PartnerType>,
    pub template: Template,
    pub updated_at: DateTime<Utc>,
}

impl TemplateRow {
    pub fn subject(&self) -> ScorecardSubject {
        self.template.subject()
    }
}

pub(crate) fn unreadable(
    table: &'static str,
    row: i64,
    column: &'static str,
    value: &str,
) -> StoreError {
    StoreError::Unreadable {
        table,
        row,
        column,
        value: value.to_owned(),
    }
}

fn template_row(head: template::Model, kpis: Vec<kpi::Model>) -> Result<TemplateRow, StoreError> {
    let subject = read(
        "scorecard_templates",
        head.id,
        "subject",
        &head.subject,
        ScorecardSubject::parse,
    )?;
    let partner_type = head
        .partner_type
        .as_deref()
        .map(|t| {
            read(
                "scorecard_templates",
                head.id,
                "partner_type",
                t,
                PartnerType::parse,
            )
        })
        .transpose()?;
    let mut lines = Vec::with_capacity(kpis.len());
    for row in kpis {
        let code = read("scorecard_kpis", row.id, "kpi", &row.kpi, KpiCode::parse)?;
        let rule = rule_of(row.weight.as_deref(), &row.rule)
            .ok_or_else(|| unreadable("scorecard_kpis", row.id, "rule", &row.rule))?;
        lines.push(Kpi { code, rule });
    }
    let template = Template::new(subject, lines)
        .map_err(|_| unreadable("scorecard_templates", head.id, "kpis", &head.code))?;
    Ok(TemplateRow {
        id: head.id,
        code: head.code,
        name: head.name,
        partner_type,
        template,
        updated_at: head.updated_at,
    })
}

async fn with_kpis(
    db: &impl ConnectionTrait,
    heads: Vec<template::Model>,
) -> Result<Vec<TemplateRow>, StoreError> {
    let ids: Vec<i64> = heads.iter().map(|h| h.id).collect();
    let mut kpis: BTreeMap<i64, Vec<kpi::Model>> = BTreeMap::new();
    for row in kpi::Entity::find()
        .filter(kpi::Column::TemplateId.is_in(ids))
        .order_by_asc(kpi::Column::TemplateId)
        .order_by_asc(kpi::Column::Position)
        .all(db)
        .await?
    {
        kpis.entry(row.template_id).or_default().push(row);
    }
    heads
        .into_iter()
        .map(|h| {
            let lines = kpis.remove(&h.id).unwrap_or_default();
            template_row(h, lines)
        })
        .collect()
}

/// Every template, by code.
pub async fn templates(db: &impl ConnectionTrait) -> Result<Vec<TemplateRow>, StoreError> {
    let heads = template::Entity::find()
        .order_by_asc(template::Column::Code)
        .all(db)
        .await?;
    with_kpis(db, heads).await
}

pub async fn template_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<TemplateRow>, StoreError> {
    let Some(head) = template::Entity::find()
        .filter(template::Column::Code.eq(code))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_kpis(db, vec![head]).await?.pop())
}

pub async fn template_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<TemplateRow>, StoreError> {
    let Some(head) = template::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(with_kpis(db, vec![head]).await?.pop())
}

/// A template's head row, locked until the transaction ends.
pub async fn template_for_write(
    tx: &WriteTx,
    code: &str,
) -> Result<Option<template::Model>, StoreError> {
    Ok(template::Entity::find()
        .filter(template::Column::Code.eq(code))
        .lock_exclusive()
        .one(tx)
        .await?)
}

/// The one text the unique index compares: one template per partner type
/// and one for the reps.
fn subject_key(partner_type: Option<PartnerType>) -> String {
    partner_type.map_or_else(|| "rep".to_owned(), |t| format!("partner:{}", t.as_str()))
}

/// The template judging this partner type (or the reps), if any.
pub async fn template_for_subject(
    db: &impl ConnectionTrait,
    partner_type: Option<PartnerType>,
) -> Result<Option<template::Model>, StoreError> {
    Ok(template::Entity::find()
        .filter(template::Column::SubjectKey.eq(subject_key(partner_type)))
        .one(db)
        .await?)
}

async fn write_kpis(tx: &WriteTx, template_id: i64, template: &Template) -> Result<(), StoreError> {
    kpi::Entity::delete_many()
        .filter(kpi::Column::TemplateId.eq(template_id))
        .exec(tx)
        .await?;
    for (position, line) in template.kpis().iter().enumerate() {
        let weight = match &line.rule {
            KpiRule::Weighted { weight, .. } => Some(weight.to_string()),
            KpiRule::Deduction { .. } => None,
        };
        kpi::ActiveModel {
            template_id: Set(template_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            kpi: Set(line.code.as_str().to_owned()),
            weight: Set(weight),
            rule: Set(rule_json(&line.rule)),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}

/// Writes a new template with its KPIs.
pub async fn insert_template(
    tx: &WriteTx,
    code: &str,
    name: &str,
    partner_type: Option<PartnerType>,
    template: &Template,
    by: &str,
) -> Result<i64, StoreError> {
    let at = now();
    let head = template::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        subject: Set(template.subject().as_str().to_owned()),
        partner_type: Set(partner_type.map(|t| t.as_str().to_owned())),
        subject_key: Set(subject_key(partner_type)),
        created_by: Set(by.to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    write_kpis(tx, head.id, template).await?;
    Ok(head.id)
}

/// Replaces a template's name and KPIs (its subject stays).
pub async fn update_template(
    tx: &WriteTx,
    id: i64,
    name: &str,
    template: &Template,
) -> Result<(), StoreError> {
    template::Entity::update_many()
        .col_expr(template::Column::Name, Expr::val(name))
        .col_expr(template::Column::UpdatedAt, Expr::val(now()))
        .filter(template::Column::Id.eq(id))
        .exec(tx)
        .await?;
    write_kpis(tx, id, template).await
}

// ---------------------------------------------------------------------------
// Imported inputs
// ---------------------------------------------------------------------------

/// Whom a scorecard judges, by the id of its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scored {
    Partner(i64),
    /// A sales rep, by user id.
    Rep(i64),
}

impl Scored {
    fn key(self) -> String {
        match self {
            Self::Partner(id) => format!("partner:{id}"),
            Self::Rep(id) => format!("rep:{id}"),
        }
    }

    pub(crate) fn subject(self) -> ScorecardSubject {
        match self {
            Self::Partner(_) => ScorecardSubject::Partner,
            Self::Rep(_) => ScorecardSubject::Rep,
        }
    }

    pub(crate) fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Self::Partner(id) => (Some(id), None),
            Self::Rep(id) => (None, Some(id)),
        }
    }

    pub(crate) fn of(
        table: &'static str,
        row: i64,
        subject_type: &str,
        partner_id: Option<i64>,
        user_id: Option<i64>,
    ) -> Result<Self, StoreError> {
        match read(
            table,
            row,
            "subject_type",
            subject_type,
            ScorecardSubject::parse,
        )? {
            ScorecardSubject::Partner => partner_id
                .map(Self::Partner)
                .ok_or_else(|| unreadable(table, row, "partner_id", "")),
            ScorecardSubject::Rep => user_id
                .map(Self::Rep)
                .ok_or_else(|| unreadable(table, row, "user_id", "")),
        }
    }
}

/// Sets one imported input; a second import of the same period, subject
/// and KPI replaces the figure, so a corrected file can be imported again.
/// The caller has proven it may see the subject.
pub async fn put_input(
    tx: &WriteTx,
    period: Period,
    subject: Scored,
    code: KpiCode,
    value: Decimal,
    by: &str,
) -> Result<(), StoreError> {
    let key = subject.key();
    let existing = input::Entity::find()
        .filter(input::Column::Period.eq(period.to_string()))
        .filter(input::Column::SubjectKey.eq(key.clone()))
        .filter(input::Column::Kpi.eq(code.as_str()))
        .lock_exclusive()
        .one(tx)
        .await?;
    if let Some(row) = existing {
        input::Entity::update_many()
            .col_expr(
                input::Column::Value,
                Expr::val(value.normalize().to_string()),
            )
            .col_expr(input::Column::ImportedBy, Expr::val(by))
            .col_expr(input::Column::ImportedAt, Expr::val(now()))
            .filter(input::Column::Id.eq(row.id))
            .exec(tx)
            .await?;
        return Ok(());
    }
    let (partner_id, user_id) = subject.ids();
    input::ActiveModel {
        period: Set(period.to_string()),
        subject_type: Set(subject.subject().as_str().to_owned()),
        subject_key: Set(key),
        partner_id: Set(partner_id),
        user_id: Set(user_id),
        kpi: Set(code.as_str().to_owned()),
        value: Set(value.normalize().to_string()),
        imported_by: Set(by.to_owned()),
        imported_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}

/// Every imported input of a period for one kind of subject.
pub async fn inputs(
    db: &impl ConnectionTrait,
    period: Period,
    subject: ScorecardSubject,
) -> Result<Vec<(Scored, KpiCode, Decimal)>, StoreError> {
    let rows = input::Entity::find()
        .filter(input::Column::Period.eq(period.to_string()))
        .filter(input::Column::SubjectType.eq(subject.as_str()))
        .order_by_asc(input::Column::Id)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let t = "scorecard_inputs";
            let scored = Scored::of(t, row.id, &row.subject_type, row.partner_id, row.user_id)?;
            let code = read(t, row.id, "kpi", &row.kpi, KpiCode::parse)?;
            let value = read(t, row.id, "value", &row.value, |v| v.parse::<Decimal>())?;
            Ok((scored, code, value))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Runs and results
// ---------------------------------------------------------------------------

/// A stored evaluation run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub period: Period,
    pub template_id: i64,
    pub provisional: bool,
    pub subjects: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl run::Model {
    fn row(self) -> Result<RunRow, StoreError> {
        Ok(RunRow {
            id: self.id,
            period: read("evaluation_runs", self.id, "period", &self.period, |v| {
                Period::parse("period", v)
            })?,
            template_id: self.template_id,
            provisional: self.provisional,
            subjects: self.subjects,
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

/// One subject's stored result, read back into domain types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub id: i64,
    pub run_id: i64,
    pub subject: Scored,
    pub region_id: Option<i64>,
    /// The grade the partner held when it was evaluated.
    pub grade_id: Option<i64>,
    pub evaluation: Evaluation,
    pub rank_in_type: i32,
    pub rank_in_region: Option<i32>,
}

/// A result to write.
#[derive(Debug, Clone)]
pub struct NewResult {
    pub subject: Scored,
    pub region_id: Option<i64>,
    pub grade_id: Option<i64>,
    pub evaluation: Evaluation,
    pub rank_in_type: i32,
    pub rank_in_region: Option<i32>,
}

fn text(value: Option<Decimal>) -> Value {
    value.map_or(Value::Null, |v| Value::String(v.normalize().to_string()))
}

/// The KPI lines as the `kpis` column holds them.
fn lines_json(evaluation: &Evaluation) -> String {
    Value::Array(
        evaluation
            .kpis
            .iter()
            .map(|k| {
                json!({
                    "kpi": k.code.as_str(),
                    "input": text(k.input),
                    "score": text(k.score.map(Score::value)),
                    "weight": text(k.weight.map(Weight::value)),
                    "points": k.points.normalize().to_string(),
                    "missing": k.missing_input,
                })
            })
            .collect(),
    )
    .to_string()
}

fn lines_of(text: &str) -> Option<Vec<KpiResult>> {
    let value: Value = serde_json::from_str(text).ok()?;
    let optional = |line: &Value, key: &str| -> Option<Option<Decimal>> {
        match line.get(key)? {
            Value::Null => Some(None),
            Value::String(s) => s.parse().ok().map(Some),
            _ => None,
        }
    };
    value
        .as_array()?
        .iter()
        .map(|line| {
            let score = match optional(line, "score")? {
                Some(s) => Some(Score::new(s)?),
                None => None,
            };
            let weight = match optional(line, "weight")? {
                Some(w) => Some(Weight::new(w)?),
                None => None,
            };
            Some(KpiResult {
                code: KpiCode::parse(line.get("kpi")?.as_str()?).ok()?,
                input: optional(line, "input")?,
                score,
                weight,
                points: line.get("points")?.as_str()?.parse().ok()?,
                missing_input: line.get("missing")?.as_bool()?,
            })
        })
        .collect()
}

impl result::Model {
    fn row(self) -> Result<ResultRow, StoreError> {
        let t = "evaluation_results";
        let subject = Scored::of(
            t,
            self.id,
            &self.subject_type,
            self.partner_id,
            self.user_id,
        )?;
        let total = read(t, self.id, "total", &self.total, |v| {
            v.parse::<Decimal>().ok().and_then(Score::new).ok_or(())
        })?;
        let kpis =
            lines_of(&self.kpis).ok_or_else(|| unreadable(t, self.id, "kpis", &self.kpis))?;
        Ok(ResultRow {
            id: self.id,
            run_id: self.run_id,
            subject,
            region_id: self.region_id,
            grade_id: self.grade_id,
            evaluation: Evaluation { kpis, total },
            rank_in_type: self.rank_in_type,
            rank_in_region: self.rank_in_region,
        })
    }
}

/// Writes a run and all its results in one go.
pub async fn insert_run(
    tx: &WriteTx,
    period: Period,
    template_id: i64,
    provisional: bool,
    results: &[NewResult],
    by: &str,
) -> Result<RunRow, StoreError> {
    let row = run::ActiveModel {
        period: Set(period.to_string()),
        template_id: Set(template_id),
        provisional: Set(provisional),
        subjects: Set(i32::try_from(results.len()).unwrap_or(i32::MAX)),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    let ids = bulk::allocate_ids(tx, "evaluation_results", results.len()).await?;
    let rows = results
        .iter()
        .zip(ids)
        .map(|(r, id)| {
            let (partner_id, user_id) = r.subject.ids();
            vec![
                Cell::from(id),
                Cell::from(row.id),
                Cell::Text(Some(r.subject.subject().as_str().to_owned())),
                Cell::Int(partner_id),
                Cell::Int(user_id),
                Cell::Int(r.region_id),
                Cell::Int(r.grade_id),
                Cell::Text(Some(r.evaluation.total.value().to_string())),
                Cell::from(r.rank_in_type),
                Cell::Int(r.rank_in_region.map(i64::from)),
                Cell::Text(Some(lines_json(&r.evaluation))),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "evaluation_results",
        &[
            "id",
            "run_id",
            "subject_type",
            "partner_id",
            "user_id",
            "region_id",
            "grade_id",
            "total",
            "rank_in_type",
            "rank_in_region",
            "kpis",
        ],
        rows,
    )
    .await?;
    row.row()
}

pub async fn run_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<RunRow>, StoreError> {
    run::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(run::Model::row)
        .transpose()
}

/// Runs, newest first; of one period when given.
pub async fn runs(
    db: &impl ConnectionTrait,
    period: Option<Period>,
    limit: u64,
) -> Result<Vec<RunRow>, StoreError> {
    let mut query = run::Entity::find();
    if let Some(period) = period {
        query = query.filter(run::Column::Period.eq(period.to_string()));
    }
    query
        .order_by_desc(run::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(run::Model::row)
        .collect()
}

/// Which results (and proposals) a caller reaches: partners' through the
/// data scope, reps' only when `reps` is `Some` (all of them, or one rep's
/// own by user id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultReach {
    pub scope: DataScope,
    pub reps: Option<Option<i64>>,
}

pub(crate) fn partner_in(column: impl ColumnTrait, scope: DataScope) -> Condition {
    match scope {
        DataScope::All => Condition::all().add(column.is_not_null()),
        scope => Condition::all().add(
            column.in_subquery(
                Query::select()
                    .expr(Expr::col((partner::Entity, partner::Column::Id)))
                    .from(partner::Entity)
                    .and_where(scope_condition(scope))
                    .to_owned(),
            ),
        ),
    }
}

fn result_reach(reach: ResultReach) -> Condition {
    let owned = partner_in(result::Column::PartnerId, reach.scope);
    match reach.reps {
        None => owned,
        Some(only) => {
            let mut reps = Condition::all().add(result::Column::UserId.is_not_null());
            if let Some(user) = only {
                reps = reps.add(result::Column::UserId.eq(user));
            }
            Condition::any().add(owned).add(reps)
        }
    }
}

/// The results of a run the caller reaches, best first.
pub async fn results(
    db: &impl ConnectionTrait,
    reach: ResultReach,
    run_id: i64,
) -> Result<Vec<ResultRow>, StoreError> {
    result::Entity::find()
        .filter(result::Column::RunId.eq(run_id))
        .filter(result_reach(reach))
        .order_by_asc(result::Column::RankInType)
        .order_by_asc(result::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(result::Model::row)
        .collect()
}

/// One subject's result in a run, if the caller reaches it.
pub async fn result_of(
    db: &impl ConnectionTrait,
    reach: ResultReach,
    run_id: i64,
    subject: Scored,
) -> Result<Option<ResultRow>, StoreError> {
    let (partner_id, user_id) = subject.ids();
    let column = match subject {
        Scored::Partner(_) => result::Column::PartnerId.eq(partner_id),
        Scored::Rep(_) => result::Column::UserId.eq(user_id),
    };
    result::Entity::find()
        .filter(result::Column::RunId.eq(run_id))
        .filter(column)
        .filter(result_reach(reach))
        .one(db)
        .await?
        .map(result::Model::row)
        .transpose()
}

/// The latest run that holds this partner's result.
pub async fn latest_run_of_partner(
    db: &impl ConnectionTrait,
    partner_id: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(result::Entity::find()
        .select_only()
        .column(result::Column::RunId)
        .filter(result::Column::PartnerId.eq(partner_id))
        .order_by_desc(result::Column::RunId)
        .into_tuple::<i64>()
        .one(db)
        .await?)
}

// ---------------------------------------------------------------------------
// Grade proposals
// ---------------------------------------------------------------------------

/// What became of a proposal, as stored.
pub mod status {
    pub const PROPOSED: &str = "proposed";
    pub const APPROVED: &str = "approved";
    pub const REJECTED: &str = "rejected";
}

/// A proposal to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposal {
    pub partner_id: i64,
    pub from_grade_id: i64,
    pub to_grade_id: i64,
    pub total: Score,
}

pub async fn insert_proposals(
    tx: &WriteTx,
    run_id: i64,
    proposals: &[NewProposal],
) -> Result<(), StoreError> {
    let at = now();
    let ids = bulk::allocate_ids(tx, "grade_proposals", proposals.len()).await?;
    let rows = proposals
        .iter()
        .zip(ids)
        .map(|(p, id)| {
            vec![
                Cell::from(id),
                Cell::from(run_id),
                Cell::from(p.partner_id),
                Cell::from(p.from_grade_id),
                Cell::from(p.to_grade_id),
                Cell::Text(Some(p.total.value().to_string())),
                Cell::Text(Some(status::PROPOSED.to_owned())),
                Cell::Instant(at),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "grade_proposals",
        &[
            "id",
            "run_id",
            "partner_id",
            "from_grade_id",
            "to_grade_id",
            "total",
            "status",
            "created_at",
        ],
        rows,
    )
    .await
}

/// Proposals the caller's scope reaches, newest first: every one of a run,
/// or the latest thousand of every run (with this status).
pub async fn proposals(
    db: &impl ConnectionTrait,
    scope: DataScope,
    run_id: Option<i64>,
    status: Option<&str>,
) -> Result<Vec<proposal::Model>, StoreError> {
    let mut query = proposal::Entity::find().filter(partner_in(proposal::Column::PartnerId, scope));
    if let Some(status) = status {
        query = query.filter(proposal::Column::Status.eq(status));
    }
    query = match run_id {
        Some(run) => query.filter(proposal::Column::RunId.eq(run)),
        None => query.limit(1000),
    };
    Ok(query.order_by_desc(proposal::Column::Id).all(db).await?)
}

/// A proposal the scope reaches, locked until the transaction ends.
pub async fn proposal_for_write(
    tx: &WriteTx,
    scope: DataScope,
    id: i64,
) -> Result<Option<proposal::Model>, StoreError> {
    Ok(proposal::Entity::find_by_id(id)
        .filter(partner_in(proposal::Column::PartnerId, scope))
        .lock_exclusive()
        .one(tx)
        .await?)
}

pub async fn decide(
    tx: &WriteTx,
    id: i64,
    status: &str,
    by: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    proposal::Entity::update_many()
        .col_expr(proposal::Column::Status, Expr::val(status))
        .col_expr(proposal::Column::DecidedBy, Expr::val(by))
        .col_expr(proposal::Column::DecidedAt, Expr::val(now()))
        .col_expr(proposal::Column::Reason, Expr::val(reason))
        .filter(proposal::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// What an evaluation reads besides the engine
// ---------------------------------------------------------------------------

/// The product lines each partner was authorized for on any day of the
/// period (an authorization ended before the period counts no more).
pub async fn authorized_lines(
    db: &impl ConnectionTrait,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> Result<Vec<(i64, String)>, StoreError> {
    let backend = db.get_database_backend();
    let p = |n: usize| crate::param(backend, n);
    let sql = format!(
        "SELECT DISTINCT partner_id, product_line FROM authorizations \
         WHERE valid_from <= {} AND valid_to >= {} AND (ended_at IS NULL OR ended_at >= {})",
        p(1),
        p(2),
        p(3)
    );
    let start = first
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [last.into(), first.into(), start.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get::<i64>("", "partner_id")?,
                row.try_get::<String>("", "product_line")?,
            ))
        })
        .collect()
}

/// The active partners of one type: whom a partner template scores.
pub async fn partners_to_score(
    db: &impl ConnectionTrait,
    partner_type: PartnerType,
) -> Result<Vec<partner::Model>, StoreError> {
    Ok(partner::Entity::find()
        .filter(partner::Column::PartnerType.eq(partner_type.as_str()))
        .filter(partner::Column::Status.eq("active"))
        .order_by_asc(partner::Column::Code)
        .all(db)
        .await?)
}

/// The active sales reps: whom the reps' template scores.
pub async fn reps_to_score(
    db: &impl ConnectionTrait,
) -> Result<Vec<crate::admin::user::Model>, StoreError> {
    use crate::admin::user;
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq("sales_rep"))
        .filter(user::Column::Status.eq("active"))
        .order_by_asc(user::Column::Login)
        .all(db)
        .await?)
}

/// When each partner first wrote sell-through for each month of
/// `first..=last` (the reporting-discipline KPI judges a month by that),
/// from the partner-by-month summary: every partner of every type at once.
pub async fn first_reports(
    db: &impl ConnectionTrait,
    first: Month,
    last: Month,
) -> Result<Vec<(i64, Month, DateTime<Utc>)>, StoreError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT partner_id, month, first_at FROM sellthrough_months \
         WHERE month >= {} AND month <= {}",
        crate::param(backend, 1),
        crate::param(backend, 2)
    );
    let rows = db
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [first.to_string().into(), last.to_string().into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let partner = row.try_get::<i64>("", "partner_id")?;
            let month: String = row.try_get("", "month")?;
            Ok((
                partner,
                read("sellthrough_months", partner, "month", &month, |v| {
                    Month::parse("month", v)
                })?,
                row.try_get::<DateTime<Utc>>("", "first_at")?,
            ))
        })
        .collect()
}
