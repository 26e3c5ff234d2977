//! Awards (see migration 24 for the tables): named rules over evaluation
//! results, each run of an award over one evaluation run, and the winners
//! with the numbers behind the choice. The store speaks the domain's
//! types: an award comes back checked by `AwardRule::new`, a winner's
//! numbers through `Score` and the KPI codes; what does not read is an
//! error, never a default.
//!
//! Winners are partner-owned: they are read through the data scope
//! (`partner_id`); a rep's win belongs to no partner and is read only by
//! callers who reach reps' results, as in scorecards.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::error::read;
use crate::scorecards::{ResultReach, Scored, partner_in, unreadable};
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::score::Score;
use qudao_domain::scorecards::{AwardGroup, AwardMeasure, AwardRule};

pub mod award {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "awards")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name: String,
        pub name_en: Option<String>,
        pub measure: String,
        pub per_group: String,
        pub new_only: bool,
        pub min_total: Option<String>,
        pub places: i32,
        pub public: bool,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod run {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "award_runs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub award_id: i64,
        pub evaluation_run_id: i64,
        pub winners: i32,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod winner {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "award_winners")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub award_run_id: i64,
        pub subject_type: String,
        pub partner_id: Option<i64>,
        pub user_id: Option<i64>,
        pub grouping: Option<String>,
        pub place: i32,
        pub numbers: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

// ---------------------------------------------------------------------------
// Awards
// ---------------------------------------------------------------------------

/// A stored award, its rule checked again by the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub rule: AwardRule,
    pub group: AwardGroup,
    pub public: bool,
    pub updated_at: DateTime<Utc>,
}

/// An award to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAward<'a> {
    pub name: &'a str,
    pub name_en: Option<&'a str>,
    pub rule: AwardRule,
    pub group: AwardGroup,
    pub public: bool,
}

impl award::Model {
    fn row(self) -> Result<AwardRow, StoreError> {
        let t = "awards";
        let measure = read(t, self.id, "measure", &self.measure, AwardMeasure::parse)?;
        let group = read(t, self.id, "per_group", &self.per_group, AwardGroup::parse)?;
        let min_total = self
            .min_total
            .as_deref()
            .map(|v| read(t, self.id, "min_total", v, |v| Score::parse("min_total", v)))
            .transpose()?;
        let places = u32::try_from(self.places)
            .map_err(|_| unreadable(t, self.id, "places", &self.places.to_string()))?;
        let rule = AwardRule::new(
            measure,
            group != AwardGroup::Overall,
            self.new_only,
            min_total,
            places,
        )
        .map_err(|_| unreadable(t, self.id, "places", &self.places.to_string()))?;
        Ok(AwardRow {
            id: self.id,
            code: self.code,
            name: self.name,
            name_en: self.name_en,
            rule,
            group,
            public: self.public,
            updated_at: self.updated_at,
        })
    }
}

/// Every award, by code.
pub async fn awards(db: &impl ConnectionTrait) -> Result<Vec<AwardRow>, StoreError> {
    award::Entity::find()
        .order_by_asc(award::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(award::Model::row)
        .collect()
}

pub async fn award_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<AwardRow>, StoreError> {
    award::Entity::find()
        .filter(award::Column::Code.eq(code))
        .one(db)
        .await?
        .map(award::Model::row)
        .transpose()
}

pub async fn award_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<AwardRow>, StoreError> {
    award::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(award::Model::row)
        .transpose()
}

/// An award, locked until the transaction ends.
pub async fn award_for_write(tx: &WriteTx, code: &str) -> Result<Option<AwardRow>, StoreError> {
    award::Entity::find()
        .filter(award::Column::Code.eq(code))
        .lock_exclusive()
        .one(tx)
        .await?
        .map(award::Model::row)
        .transpose()
}

fn min_total_text(rule: &AwardRule) -> Option<String> {
    rule.min_total.map(|s| s.value().to_string())
}

fn places(rule: &AwardRule) -> i32 {
    i32::try_from(rule.places()).unwrap_or(i32::MAX)
}

pub async fn insert_award(
    tx: &WriteTx,
    code: &str,
    award: &NewAward<'_>,
    by: &str,
) -> Result<i64, StoreError> {
    let at = now();
    let row = award::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(award.name.to_owned()),
        name_en: Set(award.name_en.map(str::to_owned)),
        measure: Set(award.rule.measure.as_str().to_owned()),
        per_group: Set(award.group.as_str().to_owned()),
        new_only: Set(award.rule.new_only),
        min_total: Set(min_total_text(&award.rule)),
        places: Set(places(&award.rule)),
        public: Set(award.public),
        created_by: Set(by.to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(row.id)
}

/// Replaces an award's names and rule; runs already made keep their
/// winners.
pub async fn update_award(tx: &WriteTx, id: i64, award: &NewAward<'_>) -> Result<(), StoreError> {
    award::Entity::update_many()
        .col_expr(award::Column::Name, Expr::val(award.name))
        .col_expr(award::Column::NameEn, Expr::val(award.name_en))
        .col_expr(
            award::Column::Measure,
            Expr::val(award.rule.measure.as_str()),
        )
        .col_expr(award::Column::PerGroup, Expr::val(award.group.as_str()))
        .col_expr(award::Column::NewOnly, Expr::val(award.rule.new_only))
        .col_expr(
            award::Column::MinTotal,
            Expr::val(min_total_text(&award.rule)),
        )
        .col_expr(award::Column::Places, Expr::val(places(&award.rule)))
        .col_expr(award::Column::Public, Expr::val(award.public))
        .col_expr(award::Column::UpdatedAt, Expr::val(now()))
        .filter(award::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Runs and winners
// ---------------------------------------------------------------------------

/// The group a place was won in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grouping {
    /// A partner type's code, or `rep` in a reps' run.
    Type(String),
    /// A region, by id.
    Region(i64),
}

impl Grouping {
    fn text(&self) -> String {
        match self {
            Self::Type(t) => format!("type:{t}"),
            Self::Region(id) => format!("region:{id}"),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.split_once(':')? {
            ("type", t) if !t.is_empty() => Some(Self::Type(t.to_owned())),
            ("region", id) => id.parse().ok().map(Self::Region),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardRunRow {
    pub id: i64,
    pub award_id: i64,
    pub evaluation_run_id: i64,
    pub winners: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<run::Model> for AwardRunRow {
    fn from(m: run::Model) -> Self {
        Self {
            id: m.id,
            award_id: m.award_id,
            evaluation_run_id: m.evaluation_run_id,
            winners: m.winners,
            created_by: m.created_by,
            created_at: m.created_at,
        }
    }
}

/// A winner with the numbers behind the choice, read back into domain
/// types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinnerRow {
    pub award_run_id: i64,
    pub subject: Scored,
    pub group: Option<Grouping>,
    pub place: u32,
    pub measure: AwardMeasure,
    /// What was compared: the total, or the KPI's input.
    pub value: Decimal,
    pub total: Score,
}

/// A winner to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWinner {
    pub subject: Scored,
    pub group: Option<Grouping>,
    pub place: u32,
    pub measure: AwardMeasure,
    pub value: Decimal,
    pub total: Score,
}

fn numbers_json(w: &NewWinner) -> String {
    json!({
        "measure": w.measure.as_str(),
        "value": w.value.normalize().to_string(),
        "total": w.total.value().to_string(),
    })
    .to_string()
}

fn numbers_of(text: &str) -> Option<(AwardMeasure, Decimal, Score)> {
    let value: Value = serde_json::from_str(text).ok()?;
    let measure = AwardMeasure::parse(value.get("measure")?.as_str()?).ok()?;
    let compared = value.get("value")?.as_str()?.parse().ok()?;
    let total = Score::new(value.get("total")?.as_str()?.parse().ok()?)?;
    Some((measure, compared, total))
}

impl winner::Model {
    fn row(self) -> Result<WinnerRow, StoreError> {
        let t = "award_winners";
        let subject = Scored::of(
            t,
            self.id,
            &self.subject_type,
            self.partner_id,
            self.user_id,
        )?;
        let group = self
            .grouping
            .as_deref()
            .map(|g| Grouping::parse(g).ok_or_else(|| unreadable(t, self.id, "grouping", g)))
            .transpose()?;
        let (measure, value, total) = numbers_of(&self.numbers)
            .ok_or_else(|| unreadable(t, self.id, "numbers", &self.numbers))?;
        let place = u32::try_from(self.place)
            .map_err(|_| unreadable(t, self.id, "place", &self.place.to_string()))?;
        Ok(WinnerRow {
            award_run_id: self.award_run_id,
            subject,
            group,
            place,
            measure,
            value,
            total,
        })
    }
}

/// The run of an award over an evaluation run, if there is one.
pub async fn run_of(
    db: &impl ConnectionTrait,
    award_id: i64,
    evaluation_run_id: i64,
) -> Result<Option<AwardRunRow>, StoreError> {
    Ok(run::Entity::find()
        .filter(run::Column::AwardId.eq(award_id))
        .filter(run::Column::EvaluationRunId.eq(evaluation_run_id))
        .one(db)
        .await?
        .map(AwardRunRow::from))
}

/// Writes an award run and its winners.
pub async fn insert_run(
    tx: &WriteTx,
    award_id: i64,
    evaluation_run_id: i64,
    winners: &[NewWinner],
    by: &str,
) -> Result<AwardRunRow, StoreError> {
    let row = run::ActiveModel {
        award_id: Set(award_id),
        evaluation_run_id: Set(evaluation_run_id),
        winners: Set(i32::try_from(winners.len()).unwrap_or(i32::MAX)),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    // At most ten places per group: a handful of rows, written one by one.
    for w in winners {
        let (partner_id, user_id) = w.subject.ids();
        winner::ActiveModel {
            award_run_id: Set(row.id),
            subject_type: Set(w.subject.subject().as_str().to_owned()),
            partner_id: Set(partner_id),
            user_id: Set(user_id),
            grouping: Set(w.group.as_ref().map(Grouping::text)),
            place: Set(i32::try_from(w.place).unwrap_or(i32::MAX)),
            numbers: Set(numbers_json(w)),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    Ok(row.into())
}

pub async fn run_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<AwardRunRow>, StoreError> {
    Ok(run::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(AwardRunRow::from))
}

/// Award runs, newest first; of one award when given.
pub async fn runs(
    db: &impl ConnectionTrait,
    award_id: Option<i64>,
    limit: u64,
) -> Result<Vec<AwardRunRow>, StoreError> {
    let mut query = run::Entity::find();
    if let Some(award) = award_id {
        query = query.filter(run::Column::AwardId.eq(award));
    }
    Ok(query
        .order_by_desc(run::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(AwardRunRow::from)
        .collect())
}

fn reach_condition(reach: ResultReach) -> Condition {
    let owned = partner_in(winner::Column::PartnerId, reach.scope);
    match reach.reps {
        None => owned,
        Some(only) => {
            let mut reps = Condition::all().add(winner::Column::UserId.is_not_null());
            if let Some(user) = only {
                reps = reps.add(winner::Column::UserId.eq(user));
            }
            Condition::any().add(owned).add(reps)
        }
    }
}

/// The winners of an award run the caller reaches, by group, place and id.
pub async fn winners(
    db: &impl ConnectionTrait,
    reach: ResultReach,
    award_run_id: i64,
) -> Result<Vec<WinnerRow>, StoreError> {
    winner::Entity::find()
        .filter(winner::Column::AwardRunId.eq(award_run_id))
        .filter(reach_condition(reach))
        .order_by_asc(winner::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(winner::Model::row)
        .collect()
}

/// Every place one partner won, newest run first.
pub async fn wins_of_partner(
    db: &impl ConnectionTrait,
    partner_id: i64,
) -> Result<Vec<WinnerRow>, StoreError> {
    winner::Entity::find()
        .filter(winner::Column::PartnerId.eq(partner_id))
        .order_by_desc(winner::Column::AwardRunId)
        .order_by_asc(winner::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(winner::Model::row)
        .collect()
}

/// When each of these partners and users was created (signed up): who
/// counts as new in a period.
pub async fn created_at(
    db: &impl ConnectionTrait,
    partner_ids: &[i64],
    user_ids: &[i64],
) -> Result<HashMap<Scored, DateTime<Utc>>, StoreError> {
    use crate::admin::user;
    use crate::partners::partner;
    let mut found = HashMap::new();
    for chunk in partner_ids.chunks(1000) {
        for (id, at) in partner::Entity::find()
            .select_only()
            .column(partner::Column::Id)
            .column(partner::Column::CreatedAt)
            .filter(partner::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(i64, DateTime<Utc>)>()
            .all(db)
            .await?
        {
            found.insert(Scored::Partner(id), at);
        }
    }
    for chunk in user_ids.chunks(1000) {
        for (id, at) in user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::CreatedAt)
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(i64, DateTime<Utc>)>()
            .all(db)
            .await?
        {
            found.insert(Scored::Rep(id), at);
        }
    }
    Ok(found)
}
