//! Targets and the amendments of approved ones (see migration 22 for how a
//! subject is held). A partner's target is partner-owned: it is read only
//! through the scope (a partner sees its own, a rep the partners it
//! covers) and written only for a [`Visible`]. Targets of the company, a
//! channel, a region or a rep belong to no partner; which of them a caller
//! sees is [`Internal`].

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::bulk::Cell;
use crate::error::read;
use crate::partners::{partner, scope_condition};
use crate::scope::Visible;
use crate::write::WriteTx;
use crate::{DataScope, StoreError, now};
use qudao_domain::partners::PartnerType;
use qudao_domain::periods::Period;
use qudao_domain::targets::{
    Amendment, SubjectType, TargetMeasure, TargetStatus, TargetValue, TargetVersion,
};

pub mod target {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "targets")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub period: String,
        pub subject_type: String,
        pub subject_key: String,
        pub channel: Option<String>,
        pub region_id: Option<i64>,
        pub partner_id: Option<i64>,
        pub user_id: Option<i64>,
        pub measure: String,
        pub product_line_id: Option<i64>,
        pub line_key: i64,
        pub value: i64,
        pub version: String,
        pub status: String,
        pub parent_id: Option<i64>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod amendment {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "target_amendments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub target_id: i64,
        pub old_value: i64,
        pub new_value: i64,
        pub reason: String,
        pub amended_by: String,
        pub amended_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Who a stored target is for, by the ids of the records it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Company,
    Channel(PartnerType),
    Region(i64),
    Partner(i64),
    /// A sales rep, by user id.
    Rep(i64),
}

impl Subject {
    pub fn subject_type(self) -> SubjectType {
        match self {
            Self::Company => SubjectType::Company,
            Self::Channel(_) => SubjectType::Channel,
            Self::Region(_) => SubjectType::Region,
            Self::Partner(_) => SubjectType::Partner,
            Self::Rep(_) => SubjectType::Rep,
        }
    }

    /// The one text the unique index compares (see migration 22).
    pub(crate) fn key(self) -> String {
        match self {
            Self::Company => "company".to_owned(),
            Self::Channel(t) => format!("channel:{}", t.as_str()),
            Self::Region(id) => format!("region:{id}"),
            Self::Partner(id) => format!("partner:{id}"),
            Self::Rep(id) => format!("rep:{id}"),
        }
    }
}

/// The subject of a target about to be written: a partner only as a
/// [`Visible`], so no write names a partner the caller cannot see.
#[derive(Debug, Clone, Copy)]
pub enum NewSubject<'a> {
    Company,
    Channel(PartnerType),
    Region(i64),
    Partner(&'a Visible),
    Rep(i64),
}

impl NewSubject<'_> {
    pub fn stored(self) -> Subject {
        match self {
            Self::Company => Subject::Company,
            Self::Channel(t) => Subject::Channel(t),
            Self::Region(id) => Subject::Region(id),
            Self::Partner(v) => Subject::Partner(v.id().0),
            Self::Rep(id) => Subject::Rep(id),
        }
    }
}

/// What identifies a target: one per period, subject, measure, product
/// line (`None`: every line) and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetKey {
    pub period: Period,
    pub subject: Subject,
    pub measure: TargetMeasure,
    pub product_line_id: Option<i64>,
    pub version: TargetVersion,
}

/// A stored target, read back into domain types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRow {
    pub id: i64,
    pub key: TargetKey,
    pub value: TargetValue,
    pub status: TargetStatus,
    pub parent_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl target::Model {
    pub(crate) fn row(self) -> Result<TargetRow, StoreError> {
        let id = self.id;
        let period = read("targets", id, "period", &self.period, |v| {
            Period::parse("period", v)
        })?;
        let subject_type = read(
            "targets",
            id,
            "subject_type",
            &self.subject_type,
            SubjectType::parse,
        )?;
        let missing = |column: &'static str| StoreError::Unreadable {
            table: "targets",
            row: id,
            column,
            value: String::new(),
        };
        let subject = match subject_type {
            SubjectType::Company => Subject::Company,
            SubjectType::Channel => {
                let channel = self.channel.as_deref().ok_or_else(|| missing("channel"))?;
                Subject::Channel(read("targets", id, "channel", channel, PartnerType::parse)?)
            }
            SubjectType::Region => {
                Subject::Region(self.region_id.ok_or_else(|| missing("region_id"))?)
            }
            SubjectType::Partner => {
                Subject::Partner(self.partner_id.ok_or_else(|| missing("partner_id"))?)
            }
            SubjectType::Rep => Subject::Rep(self.user_id.ok_or_else(|| missing("user_id"))?),
        };
        let measure = read(
            "targets",
            id,
            "measure",
            &self.measure,
            TargetMeasure::parse,
        )?;
        let value = TargetValue::new(measure, self.value).map_err(|_| StoreError::Unreadable {
            table: "targets",
            row: id,
            column: "value",
            value: self.value.to_string(),
        })?;
        Ok(TargetRow {
            id,
            key: TargetKey {
                period,
                subject,
                measure,
                product_line_id: self.product_line_id,
                version: read(
                    "targets",
                    id,
                    "version",
                    &self.version,
                    TargetVersion::parse,
                )?,
            },
            value,
            status: read("targets", id, "status", &self.status, TargetStatus::parse)?,
            parent_id: self.parent_id,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Which targets of no partner (the company's, a channel's, a region's, a
/// rep's) a caller sees; partners' targets follow the data scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Internal {
    /// Every one (staff who plan).
    All,
    /// Only the rep targets of this user (a rep sees its own).
    OwnRep(i64),
    /// None (partner roles).
    Nothing,
}

/// What a caller reaches of the targets table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub scope: DataScope,
    pub internal: Internal,
    /// Whether top-down drafts are reached: our plans before approval are
    /// ours; a partner reads a target once it is in force (and its own
    /// bottom-up proposals).
    pub drafts: bool,
}

/// A partner's target when the scope reaches the partner; a target of no
/// partner when `internal` admits it.
pub(crate) fn in_reach(reach: Reach) -> Condition {
    let owned = match reach.scope {
        DataScope::All => Condition::all().add(target::Column::PartnerId.is_not_null()),
        scope => Condition::all().add(
            target::Column::PartnerId.in_subquery(
                Query::select()
                    .expr(Expr::col((partner::Entity, partner::Column::Id)))
                    .from(partner::Entity)
                    .and_where(scope_condition(scope))
                    .to_owned(),
            ),
        ),
    };
    let unowned = Condition::all().add(target::Column::PartnerId.is_null());
    let unowned = match reach.internal {
        Internal::All => Some(unowned),
        Internal::OwnRep(user) => Some(unowned.add(target::Column::UserId.eq(user))),
        Internal::Nothing => None,
    };
    let reached = match unowned {
        Some(unowned) => Condition::any().add(owned).add(unowned),
        None => owned,
    };
    if reach.drafts {
        reached
    } else {
        reached.add(
            Condition::any()
                .add(target::Column::Status.eq(TargetStatus::Approved.as_str()))
                .add(target::Column::Version.eq(TargetVersion::BottomUp.as_str())),
        )
    }
}

fn key_condition(key: &TargetKey) -> Condition {
    Condition::all()
        .add(target::Column::Period.eq(key.period.to_string()))
        .add(target::Column::SubjectKey.eq(key.subject.key()))
        .add(target::Column::Measure.eq(key.measure.as_str()))
        .add(target::Column::LineKey.eq(key.product_line_id.unwrap_or(0)))
        .add(target::Column::Version.eq(key.version.as_str()))
}

/// The target with this key, if any; locked until the transaction ends.
/// The caller has already proven it may see the subject (a partner
/// subject came from a [`Visible`]).
pub async fn by_key_for_write(
    tx: &WriteTx,
    key: &TargetKey,
) -> Result<Option<TargetRow>, StoreError> {
    target::Entity::find()
        .filter(key_condition(key))
        .lock_exclusive()
        .one(tx)
        .await?
        .map(target::Model::row)
        .transpose()
}

/// One target the caller reaches, locked until the transaction ends.
pub async fn by_id_for_write(
    tx: &WriteTx,
    reach: Reach,
    id: i64,
) -> Result<Option<TargetRow>, StoreError> {
    target::Entity::find_by_id(id)
        .filter(in_reach(reach))
        .lock_exclusive()
        .one(tx)
        .await?
        .map(target::Model::row)
        .transpose()
}

/// One target the caller reaches.
pub async fn by_id(
    db: &impl ConnectionTrait,
    reach: Reach,
    id: i64,
) -> Result<Option<TargetRow>, StoreError> {
    target::Entity::find_by_id(id)
        .filter(in_reach(reach))
        .one(db)
        .await?
        .map(target::Model::row)
        .transpose()
}

/// Which targets a list keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetFilter {
    pub period: Option<Period>,
    pub measure: Option<TargetMeasure>,
    pub version: Option<TargetVersion>,
    /// `Some(None)`: targets of every line only.
    pub product_line_id: Option<Option<i64>>,
}

/// The targets the caller reaches, parents before their children (ids
/// grow, and a child is written after its parent).
pub async fn list(
    db: &impl ConnectionTrait,
    reach: Reach,
    filter: &TargetFilter,
) -> Result<Vec<TargetRow>, StoreError> {
    let mut query = target::Entity::find().filter(in_reach(reach));
    if let Some(period) = filter.period {
        query = query.filter(target::Column::Period.eq(period.to_string()));
    }
    if let Some(measure) = filter.measure {
        query = query.filter(target::Column::Measure.eq(measure.as_str()));
    }
    if let Some(version) = filter.version {
        query = query.filter(target::Column::Version.eq(version.as_str()));
    }
    if let Some(line) = filter.product_line_id {
        query = query.filter(target::Column::LineKey.eq(line.unwrap_or(0)));
    }
    query
        .order_by_asc(target::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(target::Model::row)
        .collect()
}

/// The approved top-down targets of these partners for one measure over
/// every product line, of any period: the figures in force, as an
/// agreement shows its partner's year target (no scope: the caller holds
/// the partners).
pub async fn partners_in_force(
    db: &impl ConnectionTrait,
    partner_ids: &[i64],
    measure: TargetMeasure,
) -> Result<Vec<TargetRow>, StoreError> {
    let mut rows = Vec::new();
    for chunk in partner_ids.chunks(1000) {
        let found = target::Entity::find()
            .filter(target::Column::PartnerId.is_in(chunk.iter().copied()))
            .filter(target::Column::SubjectType.eq(SubjectType::Partner.as_str()))
            .filter(target::Column::Measure.eq(measure.as_str()))
            .filter(target::Column::LineKey.eq(0))
            .filter(target::Column::Version.eq(TargetVersion::TopDown.as_str()))
            .filter(target::Column::Status.eq(TargetStatus::Approved.as_str()))
            .all(db)
            .await?;
        for row in found {
            rows.push(row.row()?);
        }
    }
    Ok(rows)
}

/// What the children of each of these targets add up to: all of them,
/// whoever looks, as a parent's gap is the parent's own figure (a manager
/// holds the channel's target while seeing only some of its partners').
/// A target without children is absent.
pub async fn children_sums(
    db: &impl ConnectionTrait,
    parent_ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
    let mut sums = std::collections::HashMap::new();
    for chunk in parent_ids.chunks(1000) {
        let rows = target::Entity::find()
            .select_only()
            .column(target::Column::ParentId)
            .column_as(Expr::cust("CAST(SUM(value) AS BIGINT)"), "sum")
            .filter(target::Column::ParentId.is_in(chunk.iter().copied()))
            .group_by(target::Column::ParentId)
            .into_tuple::<(i64, i64)>()
            .all(db)
            .await?;
        sums.extend(rows);
    }
    Ok(sums)
}

/// The children a target was cascaded into (no scope: the caller holds
/// the parent, and a cascade replaces all of them).
pub async fn children_for_write(
    tx: &WriteTx,
    parent_id: i64,
) -> Result<Vec<TargetRow>, StoreError> {
    target::Entity::find()
        .filter(target::Column::ParentId.eq(parent_id))
        .order_by_asc(target::Column::Id)
        .lock_exclusive()
        .all(tx)
        .await?
        .into_iter()
        .map(target::Model::row)
        .collect()
}

/// The subjects of the targets a target was cascaded from, its parent
/// first, up to the root.
pub async fn ancestors_for_write(tx: &WriteTx, id: i64) -> Result<Vec<Subject>, StoreError> {
    let mut subjects = Vec::new();
    let mut next = target::Entity::find_by_id(id)
        .one(tx)
        .await?
        .and_then(|t| t.parent_id);
    // Bounded, so a loop in stored data cannot hang a write.
    while let Some(parent) = next.filter(|_| subjects.len() < 64) {
        let Some(row) = target::Entity::find_by_id(parent).one(tx).await? else {
            break;
        };
        next = row.parent_id;
        subjects.push(row.row()?.key.subject);
    }
    Ok(subjects)
}

/// Writes a new draft target.
pub async fn insert(
    tx: &WriteTx,
    key: &TargetKey,
    subject: NewSubject<'_>,
    value: TargetValue,
    parent_id: Option<i64>,
    by: &str,
) -> Result<TargetRow, StoreError> {
    let at = now();
    let (channel, region_id, partner_id, user_id) = match subject {
        NewSubject::Company => (None, None, None, None),
        NewSubject::Channel(t) => (Some(t.as_str().to_owned()), None, None, None),
        NewSubject::Region(id) => (None, Some(id), None, None),
        NewSubject::Partner(v) => (None, None, Some(v.id().0), None),
        NewSubject::Rep(id) => (None, None, None, Some(id)),
    };
    let row = target::ActiveModel {
        period: Set(key.period.to_string()),
        subject_type: Set(key.subject.subject_type().as_str().to_owned()),
        subject_key: Set(subject.stored().key()),
        channel: Set(channel),
        region_id: Set(region_id),
        partner_id: Set(partner_id),
        user_id: Set(user_id),
        measure: Set(key.measure.as_str().to_owned()),
        product_line_id: Set(key.product_line_id),
        line_key: Set(key.product_line_id.unwrap_or(0)),
        value: Set(value.amount()),
        version: Set(key.version.as_str().to_owned()),
        status: Set(TargetStatus::Draft.as_str().to_owned()),
        parent_id: Set(parent_id),
        created_by: Set(by.to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    row.insert(tx).await?.row()
}

/// The targets with `key`'s period, measure, product line and version for
/// each of these subjects, locked until the transaction ends (a cascade
/// to thousands of children asks once per thousand, not once each).
pub async fn by_subjects_for_write(
    tx: &WriteTx,
    key: &TargetKey,
    subjects: &[Subject],
) -> Result<Vec<TargetRow>, StoreError> {
    let mut rows = Vec::new();
    for chunk in subjects.chunks(1000) {
        let found = target::Entity::find()
            .filter(target::Column::Period.eq(key.period.to_string()))
            .filter(target::Column::Measure.eq(key.measure.as_str()))
            .filter(target::Column::LineKey.eq(key.product_line_id.unwrap_or(0)))
            .filter(target::Column::Version.eq(key.version.as_str()))
            .filter(target::Column::SubjectKey.is_in(chunk.iter().map(|s| s.key())))
            .lock_exclusive()
            .all(tx)
            .await?;
        for row in found {
            rows.push(row.row()?);
        }
    }
    Ok(rows)
}

/// Every target of one subject in one version, of any period, measure
/// and line, oldest first. The caller has proven it may see the subject.
pub async fn of_subject(
    db: &impl ConnectionTrait,
    subject: Subject,
    version: TargetVersion,
) -> Result<Vec<TargetRow>, StoreError> {
    subject_query(subject, version)
        .all(db)
        .await?
        .into_iter()
        .map(target::Model::row)
        .collect()
}

/// [`of_subject`], locked until the transaction ends.
pub async fn of_subject_for_write(
    tx: &WriteTx,
    subject: Subject,
    version: TargetVersion,
) -> Result<Vec<TargetRow>, StoreError> {
    subject_query(subject, version)
        .lock_exclusive()
        .all(tx)
        .await?
        .into_iter()
        .map(target::Model::row)
        .collect()
}

fn subject_query(subject: Subject, version: TargetVersion) -> sea_orm::Select<target::Entity> {
    let by_column = match subject {
        Subject::Partner(id) => target::Column::PartnerId.eq(id),
        Subject::Rep(id) => target::Column::UserId.eq(id),
        _ => target::Column::SubjectKey.eq(subject.key()),
    };
    target::Entity::find()
        .filter(by_column)
        .filter(target::Column::SubjectType.eq(subject.subject_type().as_str()))
        .filter(target::Column::Version.eq(version.as_str()))
        .order_by_asc(target::Column::Id)
}

/// A new draft target for the bulk path: its period (as stored), subject
/// and figure; what it shares with the others comes from a [`TargetKey`].
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub period: String,
    pub subject: Subject,
    /// [`Subject::key`], made once.
    pub subject_key: String,
    pub value: TargetValue,
}

impl Draft {
    pub(crate) fn new(period: String, subject: Subject, value: TargetValue) -> Self {
        Self {
            period,
            subject,
            subject_key: subject.key(),
            value,
        }
    }
}

/// The column besides `subject_key` a subject is held in, and its value
/// there (none for the company).
fn subject_column(subject: Subject) -> Option<(&'static str, Cell)> {
    match subject {
        Subject::Company => None,
        Subject::Channel(t) => Some(("channel", Cell::from(t.as_str()))),
        Subject::Region(id) => Some(("region_id", Cell::from(id))),
        Subject::Partner(id) => Some(("partner_id", Cell::from(id))),
        Subject::Rep(id) => Some(("user_id", Cell::from(id))),
    }
}

/// The drafts of one kind of subject: the column besides `subject_key` their
/// subject is held in, and their rows.
struct Batch {
    kind: SubjectType,
    column: Option<&'static str>,
    rows: Vec<Vec<Cell>>,
}

/// Writes new draft targets with `like`'s measure, line and version through
/// the bulk path, a batch per kind of subject; returns their ids in the
/// order given. A row carries only its id, period, subject and figure: the
/// columns every draft of the batch shares are bound once per statement
/// (`bulk::insert_sharing`), and a subject column it leaves empty is left
/// out (NULL).
pub(crate) async fn insert_drafts(
    tx: &WriteTx,
    like: &TargetKey,
    drafts: Vec<Draft>,
    parent_id: Option<i64>,
    by: &str,
) -> Result<Vec<i64>, StoreError> {
    let ids = crate::bulk::allocate_ids(tx, "targets", drafts.len()).await?;
    let at = now();
    let mut kinds: Vec<Batch> = Vec::new();
    for (draft, id) in drafts.into_iter().zip(&ids) {
        let kind = draft.subject.subject_type();
        let at_kind = match kinds.iter().position(|b| b.kind == kind) {
            Some(at) => at,
            None => {
                kinds.push(Batch {
                    kind,
                    column: None,
                    rows: Vec::new(),
                });
                kinds.len() - 1
            }
        };
        let batch = &mut kinds[at_kind];
        let mut row = vec![
            Cell::from(*id),
            Cell::Text(Some(draft.period)),
            Cell::Text(Some(draft.subject_key)),
            Cell::from(draft.value.amount()),
        ];
        if let Some((name, cell)) = subject_column(draft.subject) {
            batch.column = Some(name);
            row.push(cell);
        }
        batch.rows.push(row);
    }
    for Batch { kind, column, rows } in kinds {
        let mut columns = vec!["id", "period", "subject_key", "value"];
        columns.extend(column);
        let shared = vec![
            ("subject_type", Cell::from(kind.as_str())),
            ("measure", Cell::from(like.measure.as_str())),
            ("product_line_id", Cell::Int(like.product_line_id)),
            ("line_key", Cell::from(like.product_line_id.unwrap_or(0))),
            ("version", Cell::from(like.version.as_str())),
            ("status", Cell::from(TargetStatus::Draft.as_str())),
            ("parent_id", Cell::Int(parent_id)),
            ("created_by", Cell::from(by)),
            ("created_at", Cell::Instant(at)),
            ("updated_at", Cell::Instant(at)),
        ];
        crate::bulk::insert_sharing(tx, "targets", &columns, shared, rows).await?;
    }
    Ok(ids)
}

/// Writes new draft targets, one per subject and figure, that share `key`'s
/// period, measure, line and version, through the bulk path; returns their
/// ids in the order given.
pub async fn insert_many(
    tx: &WriteTx,
    key: &TargetKey,
    children: &[(NewSubject<'_>, TargetValue)],
    parent_id: Option<i64>,
    by: &str,
) -> Result<Vec<i64>, StoreError> {
    let period = key.period.to_string();
    let drafts = children
        .iter()
        .map(|(subject, value)| Draft::new(period.clone(), subject.stored(), *value))
        .collect();
    insert_drafts(tx, key, drafts, parent_id, by).await
}

/// Changes a target's figure and the parent it was cascaded from.
pub async fn update_value(
    tx: &WriteTx,
    id: i64,
    value: TargetValue,
    parent_id: Option<i64>,
) -> Result<(), StoreError> {
    target::Entity::update_many()
        .col_expr(target::Column::Value, Expr::val(value.amount()))
        .col_expr(target::Column::ParentId, Expr::val(parent_id))
        .col_expr(target::Column::UpdatedAt, Expr::val(now()))
        .filter(target::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

pub async fn set_status(tx: &WriteTx, id: i64, status: TargetStatus) -> Result<(), StoreError> {
    target::Entity::update_many()
        .col_expr(target::Column::Status, Expr::val(status.as_str()))
        .col_expr(target::Column::UpdatedAt, Expr::val(now()))
        .filter(target::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Logs an amendment of an approved target and applies its new figure.
pub async fn amend(
    tx: &WriteTx,
    id: i64,
    amendment: &Amendment,
    by: &str,
) -> Result<(), StoreError> {
    amendment::ActiveModel {
        target_id: Set(id),
        old_value: Set(amendment.old.amount()),
        new_value: Set(amendment.new.amount()),
        reason: Set(amendment.reason().to_owned()),
        amended_by: Set(by.to_owned()),
        amended_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    target::Entity::update_many()
        .col_expr(target::Column::Value, Expr::val(amendment.new.amount()))
        .col_expr(target::Column::UpdatedAt, Expr::val(now()))
        .filter(target::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

/// The amendments of a target the caller holds, oldest first.
pub async fn amendments(
    db: &impl ConnectionTrait,
    target_id: i64,
) -> Result<Vec<amendment::Model>, StoreError> {
    Ok(amendment::Entity::find()
        .filter(amendment::Column::TargetId.eq(target_id))
        .order_by_asc(amendment::Column::Id)
        .all(db)
        .await?)
}
