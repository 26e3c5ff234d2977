//! Seasonal profiles and the month targets a year or quarter target is
//! spread into. A month target is an ordinary target of the same subject,
//! measure, line and version in one month of the period: it is found by
//! that key, never by a link, and it is no child in the cascade (see
//! `docs/areas/targets.md`). Its subject is always that of a target read
//! through the caller's reach, so a partner's months are written only for
//! a partner the caller sees.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::read;
use crate::targets::{
    Draft, Reach, Subject, TargetKey, TargetRow, in_reach, insert_drafts, target,
};
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::periods::Month;
use qudao_domain::targets::{SeasonalProfile, SplitPercent, SubjectType, TargetValue};

pub mod profile {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "seasonal_profiles")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name: String,
        pub name_en: String,
        pub shares: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored seasonal profile, read back through the domain's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub profile: SeasonalProfile,
}

impl profile::Model {
    fn row(self) -> Result<ProfileRow, StoreError> {
        let profile = read("seasonal_profiles", self.id, "shares", &self.shares, |v| {
            let mut percents = [SplitPercent::from_basis_points(0).expect("0 is a percent"); 12];
            let mut parts = v.split(',');
            for slot in &mut percents {
                *slot = parts
                    .next()
                    .and_then(|p| p.trim().parse::<i64>().ok())
                    .and_then(SplitPercent::from_basis_points)
                    .ok_or(())?;
            }
            if parts.next().is_some() {
                return Err(());
            }
            SeasonalProfile::new(percents).map_err(|_| ())
        })?;
        Ok(ProfileRow {
            id: self.id,
            code: self.code,
            name: self.name,
            name_en: self.name_en,
            profile,
        })
    }
}

/// Every profile, by code.
pub async fn profiles(db: &impl ConnectionTrait) -> Result<Vec<ProfileRow>, StoreError> {
    use sea_orm::QueryOrder;
    profile::Entity::find()
        .order_by_asc(profile::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(profile::Model::row)
        .collect()
}

pub async fn profile_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<ProfileRow>, StoreError> {
    profile::Entity::find()
        .filter(profile::Column::Code.eq(code))
        .one(db)
        .await?
        .map(profile::Model::row)
        .transpose()
}

/// The targets of `subject_type` cascaded, at any depth, from `root`, that
/// the caller reaches. The tree is walked a level at a time, a thousand
/// parents per question. Inside a write, the targets' advisory lock the
/// write holds keeps the tree still.
pub async fn below(
    tx: &impl ConnectionTrait,
    reach: Reach,
    root: i64,
    subject_type: SubjectType,
) -> Result<Vec<TargetRow>, StoreError> {
    let mut below = Vec::new();
    let mut level = vec![root];
    // Bounded, so a loop in stored data cannot hang a write.
    for _ in 0..64 {
        let mut next = Vec::new();
        for chunk in level.chunks(1000) {
            next.extend(
                target::Entity::find()
                    .select_only()
                    .column(target::Column::Id)
                    .filter(target::Column::ParentId.is_in(chunk.iter().copied()))
                    .into_tuple::<i64>()
                    .all(tx)
                    .await?,
            );
        }
        if next.is_empty() {
            break;
        }
        below.extend_from_slice(&next);
        level = next;
    }
    let mut rows = Vec::new();
    for chunk in below.chunks(1000) {
        let found = target::Entity::find()
            .filter(target::Column::Id.is_in(chunk.iter().copied()))
            .filter(target::Column::SubjectType.eq(subject_type.as_str()))
            .filter(in_reach(reach))
            .all(tx)
            .await?;
        for model in found {
            rows.push(model.row()?);
        }
    }
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// The month targets there are of these subjects in these months, with
/// `like`'s measure, line and version (its period and subject unused),
/// by subject and month; locked until the transaction ends. One question
/// for the months' rows of that kind (the unique key leads with the
/// period), kept when their subject is one of `subjects`: asking by
/// subject instead took 120,000 probes of the key for a year split to
/// 10,000 partners.
pub async fn months_for_write(
    tx: &WriteTx,
    like: &TargetKey,
    subjects: &[Subject],
    months: &[Month],
) -> Result<HashMap<(Subject, Month), TargetRow>, StoreError> {
    let wanted: HashSet<Subject> = subjects.iter().copied().collect();
    let mut found = HashMap::new();
    let rows = target::Entity::find()
        .filter(same_kind(like))
        .filter(target::Column::Period.is_in(months.iter().map(Month::to_string)))
        .lock_exclusive()
        .all(tx)
        .await?;
    for model in rows {
        let row = model.row()?;
        if let qudao_domain::periods::Period::Month(month) = row.key.period
            && wanted.contains(&row.key.subject)
        {
            found.insert((row.key.subject, month), row);
        }
    }
    Ok(found)
}

/// The month targets of a target the caller reaches, in `months`, that
/// the caller reaches too (a partner sees its months once approved).
pub async fn months_of(
    db: &impl ConnectionTrait,
    reach: Reach,
    key: &TargetKey,
    months: &[Month],
) -> Result<Vec<TargetRow>, StoreError> {
    target::Entity::find()
        .filter(same_kind(key))
        .filter(target::Column::SubjectKey.eq(key.subject.key()))
        .filter(target::Column::Period.is_in(months.iter().map(Month::to_string)))
        .filter(in_reach(reach))
        .all(db)
        .await?
        .into_iter()
        .map(target::Model::row)
        .collect()
}

fn same_kind(key: &TargetKey) -> Condition {
    Condition::all()
        .add(target::Column::Measure.eq(key.measure.as_str()))
        .add(target::Column::LineKey.eq(key.product_line_id.unwrap_or(0)))
        .add(target::Column::Version.eq(key.version.as_str()))
}

/// A month target to write: the month of a target the caller reached.
#[derive(Debug, Clone, Copy)]
pub struct NewMonth<'a> {
    pub of: &'a TargetRow,
    pub month: Month,
    pub value: TargetValue,
}

/// Writes new draft month targets through the bulk path, in the order of
/// the unique key (period, then subject), so each row's key lands beside
/// the last one's rather than in one of twelve places in turn.
pub async fn insert_months(
    tx: &WriteTx,
    like: &TargetKey,
    months: &[NewMonth<'_>],
    by: &str,
) -> Result<(), StoreError> {
    let mut drafts: Vec<Draft> = months
        .iter()
        .map(|m| Draft::new(m.month.to_string(), m.of.key.subject, m.value))
        .collect();
    drafts.sort_unstable_by(|a, b| {
        (a.period.as_str(), a.subject_key.as_str())
            .cmp(&(b.period.as_str(), b.subject_key.as_str()))
    });
    insert_drafts(tx, like, drafts, None, by).await?;
    Ok(())
}

/// Replaces the figures of draft month targets, a hundred per statement
/// (`CASE WHEN id = … THEN …`): the database tries a row's cases one by
/// one, so a statement's cost grows with the square of its rows (re-splitting
/// 120,000 months on SQLite: 4 s a thousand at a time, 1.2 s a hundred).
pub async fn update_values(tx: &WriteTx, values: &[(i64, TargetValue)]) -> Result<(), StoreError> {
    let at = now();
    for chunk in values.chunks(100) {
        let mut case = CaseStatement::new();
        for (id, value) in chunk {
            case = case.case(target::Column::Id.eq(*id), Expr::val(value.amount()));
        }
        target::Entity::update_many()
            .col_expr(
                target::Column::Value,
                case.finally(Expr::col(target::Column::Value)).into(),
            )
            .col_expr(target::Column::UpdatedAt, Expr::val(at))
            .filter(target::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(tx)
            .await?;
    }
    Ok(())
}
