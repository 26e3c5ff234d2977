//! Incentive programs (see migration 30 for the table): every version of
//! every program code, its document and its status. The store speaks the
//! domain's types: a stored document comes back through
//! `Program::parse`; one that does not read, or whose code or version
//! differs from its row's, is an error, never a default.
//!
//! Programs are the company's own rules, not partner-owned data: there is
//! no data scope here; who may read or write them is the app's permission.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::scorecards::unreadable;
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentives::{Program, ProgramDocument};

pub mod program {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_programs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub version: i32,
        pub kind: String,
        pub name: String,
        pub currency: String,
        pub effective_from: Date,
        pub effective_to: Date,
        pub document: String,
        pub status: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub activated_by: Option<String>,
        pub activated_at: Option<DateTimeUtc>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Where a version stands: a `draft` may be replaced in place, an `active`
/// one is in force, a `retired` one was replaced by a later activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramStatus {
    Draft,
    Active,
    Retired,
}

impl ProgramStatus {
    pub const ALL: &'static [ProgramStatus] = &[Self::Draft, Self::Active, Self::Retired];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }

    pub fn parse(value: &str) -> Result<Self, Invalid> {
        match value.trim() {
            "draft" => Ok(Self::Draft),
            "active" => Ok(Self::Active),
            "retired" => Ok(Self::Retired),
            "" => Err(Invalid::new("status", Problem::Required)),
            _ => Err(Invalid::new(
                "status",
                Problem::NotOneOf {
                    choices: vec!["draft", "active", "retired"],
                },
            )),
        }
    }
}

/// One stored version, its document checked again by the domain.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramRow {
    pub id: i64,
    pub program: Program,
    /// The document as stored (JSON), for the editor and the API.
    pub document: String,
    pub status: ProgramStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub activated_by: Option<String>,
    pub activated_at: Option<DateTime<Utc>>,
}

const TABLE: &str = "incentive_programs";

impl program::Model {
    fn row(self) -> Result<ProgramRow, StoreError> {
        let status = ProgramStatus::parse(&self.status)
            .map_err(|_| unreadable(TABLE, self.id, "status", &self.status))?;
        let program = serde_json::from_str::<ProgramDocument>(&self.document)
            .ok()
            .and_then(|doc| Program::parse(&doc).ok())
            .filter(|p| {
                p.code.as_str() == self.code && i64::from(p.version) == i64::from(self.version)
            })
            .ok_or_else(|| unreadable(TABLE, self.id, "document", &self.document))?;
        Ok(ProgramRow {
            id: self.id,
            program,
            document: self.document,
            status,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            activated_by: self.activated_by,
            activated_at: self.activated_at,
        })
    }
}

fn rows(models: Vec<program::Model>) -> Result<Vec<ProgramRow>, StoreError> {
    models.into_iter().map(program::Model::row).collect()
}

/// Every version of every program, by code, the latest version first.
pub async fn all_versions(db: &impl ConnectionTrait) -> Result<Vec<ProgramRow>, StoreError> {
    rows(
        program::Entity::find()
            .order_by_asc(program::Column::Code)
            .order_by_desc(program::Column::Version)
            .all(db)
            .await?,
    )
}

/// Every version of one program, the latest first.
pub async fn versions(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Vec<ProgramRow>, StoreError> {
    rows(
        program::Entity::find()
            .filter(program::Column::Code.eq(code))
            .order_by_desc(program::Column::Version)
            .all(db)
            .await?,
    )
}

/// Every version of one program, the latest first, locked until the
/// transaction ends.
pub async fn versions_for_write(tx: &WriteTx, code: &str) -> Result<Vec<ProgramRow>, StoreError> {
    rows(
        program::Entity::find()
            .filter(program::Column::Code.eq(code))
            .order_by_desc(program::Column::Version)
            .lock_exclusive()
            .all(tx)
            .await?,
    )
}

/// A version to write: the checked program and its document as JSON text.
#[derive(Debug, Clone, Copy)]
pub struct NewVersion<'a> {
    pub program: &'a Program,
    pub document: &'a str,
}

fn version_number(program: &Program) -> i32 {
    i32::try_from(program.version).unwrap_or(i32::MAX)
}

/// Writes a new draft version.
pub async fn insert_draft(tx: &WriteTx, new: NewVersion<'_>, by: &str) -> Result<i64, StoreError> {
    let at = now();
    let p = new.program;
    let row = program::ActiveModel {
        code: Set(p.code.as_str().to_owned()),
        version: Set(version_number(p)),
        kind: Set(p.kind.as_str().to_owned()),
        name: Set(p.name.clone()),
        currency: Set(p.currency.as_str().to_owned()),
        effective_from: Set(p.effective.from()),
        effective_to: Set(p.effective.to()),
        document: Set(new.document.to_owned()),
        status: Set(ProgramStatus::Draft.as_str().to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        activated_by: Set(None),
        activated_at: Set(None),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(row.id)
}

/// Replaces a draft version's document in place.
pub async fn replace_draft(tx: &WriteTx, id: i64, new: NewVersion<'_>) -> Result<(), StoreError> {
    let p = new.program;
    program::Entity::update_many()
        .col_expr(program::Column::Kind, Expr::val(p.kind.as_str()))
        .col_expr(program::Column::Name, Expr::val(p.name.as_str()))
        .col_expr(program::Column::Currency, Expr::val(p.currency.as_str()))
        .col_expr(
            program::Column::EffectiveFrom,
            Expr::val(p.effective.from()),
        )
        .col_expr(program::Column::EffectiveTo, Expr::val(p.effective.to()))
        .col_expr(program::Column::Document, Expr::val(new.document))
        .col_expr(program::Column::UpdatedAt, Expr::val(now()))
        .filter(program::Column::Id.eq(id))
        .filter(program::Column::Status.eq(ProgramStatus::Draft.as_str()))
        .exec(tx)
        .await?;
    Ok(())
}

/// Puts a version in force.
pub async fn activate(tx: &WriteTx, id: i64, by: &str) -> Result<(), StoreError> {
    let at = now();
    program::Entity::update_many()
        .col_expr(
            program::Column::Status,
            Expr::val(ProgramStatus::Active.as_str()),
        )
        .col_expr(program::Column::ActivatedBy, Expr::val(by))
        .col_expr(program::Column::ActivatedAt, Expr::val(at))
        .col_expr(program::Column::UpdatedAt, Expr::val(at))
        .filter(program::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Retires an active version that a later activation replaces.
pub async fn retire(tx: &WriteTx, id: i64) -> Result<(), StoreError> {
    program::Entity::update_many()
        .col_expr(
            program::Column::Status,
            Expr::val(ProgramStatus::Retired.as_str()),
        )
        .col_expr(program::Column::UpdatedAt, Expr::val(now()))
        .filter(program::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Chinese and English names by code (the English one may be absent).
pub type Names = std::collections::HashMap<String, (String, Option<String>)>;

/// The names of the regions with these codes.
pub async fn region_names(db: &impl ConnectionTrait, codes: &[&str]) -> Result<Names, StoreError> {
    if codes.is_empty() {
        return Ok(Names::new());
    }
    Ok(crate::territories::region::Entity::find()
        .filter(crate::territories::region::Column::Code.is_in(codes.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, (r.name, r.name_en)))
        .collect())
}

/// The names of the partners with these codes that `scope` reaches; a
/// partner outside it is as unknown as one that does not exist.
pub async fn partner_names(
    db: &impl ConnectionTrait,
    scope: qudao_domain::scope::DataScope,
    codes: &[&str],
) -> Result<Names, StoreError> {
    use crate::partners::{partner, scope_condition};
    if codes.is_empty() {
        return Ok(Names::new());
    }
    Ok(partner::Entity::find()
        .select_only()
        .column(partner::Column::Code)
        .column(partner::Column::Name)
        .filter(partner::Column::Code.is_in(codes.iter().copied()))
        .filter(scope_condition(scope))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(code, name)| (code, (name, None)))
        .collect())
}
