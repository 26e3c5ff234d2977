//! Agreement versions. Rows are never deleted and an activated version's own
//! terms are never rewritten: activation of a successor only sets
//! `superseded_from`/`superseded_by`, termination only `terminated_from` and
//! its reason. Reads are always through the partner's [`DataScope`].

use chrono::NaiveDate;
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationDef, Set,
};

use qudao_domain::agreements::{VersionDates, VersionState};
use qudao_domain::dates::DateRange;
use qudao_domain::money::{Currency, Money};

use crate::error::read;
use crate::paging::{Page, PageRequest, SortDir, fetch};
use crate::partners::{like_pattern, partner, scope_condition};
use crate::scope::{Visible, restrict};
use crate::write::WriteTx;
use crate::{DataScope, StoreError};

pub mod version {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreement_versions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub version: i32,
        /// `draft`, `active` or `terminated`; expiry is derived from dates.
        pub status: String,
        pub valid_from: Date,
        pub valid_to: Date,
        pub price_list_code: Option<String>,
        /// Rebate program codes joined by commas (codes hold no commas).
        pub rebate_programs: String,
        /// A draft's proposed annual target. Activation moves it into the
        /// partner's year target and clears it here.
        pub target_minor: Option<i64>,
        pub target_currency: Option<String>,
        pub after_sales_duties: String,
        pub payment_net_days: i32,
        pub payment_terms: String,
        pub training_duties: String,
        pub signed_on: Option<Date>,
        pub note: String,
        pub superseded_from: Option<Date>,
        pub superseded_by: Option<i32>,
        pub terminated_from: Option<Date>,
        pub termination_reason: Option<String>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub activated_by: Option<String>,
        pub activated_at: Option<DateTimeUtc>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

// The typed boundary: stored text becomes a domain value here, or an error
// naming the table, the row and the value. Never a default.
impl version::Model {
    pub fn state(&self) -> Result<VersionState, StoreError> {
        read(
            "agreement_versions",
            self.id,
            "status",
            &self.status,
            VersionState::parse,
        )
    }

    pub fn term(&self) -> Result<DateRange, StoreError> {
        DateRange::new(self.valid_from, self.valid_to, "valid_to").map_err(|_| {
            StoreError::Unreadable {
                table: "agreement_versions",
                row: self.id,
                column: "valid_to",
                value: self.valid_to.to_string(),
            }
        })
    }

    /// The dates that decide when this version is in force.
    pub fn dates(&self) -> Result<VersionDates, StoreError> {
        Ok(VersionDates {
            version: self.version,
            state: self.state()?,
            term: self.term()?,
            superseded_from: self.superseded_from,
            terminated_from: self.terminated_from,
        })
    }

    pub fn target(&self) -> Result<Option<Money>, StoreError> {
        match (self.target_minor, self.target_currency.as_deref()) {
            (Some(minor), Some(code)) => read(
                "agreement_versions",
                self.id,
                "target_currency",
                code,
                Currency::parse,
            )
            .map(|currency| Some(Money::from_minor(minor, currency))),
            _ => Ok(None),
        }
    }
}

/// The terms a person writes into a version (everything but its lifecycle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub price_list_code: Option<String>,
    pub rebate_programs: Vec<String>,
    pub target: Option<(i64, String)>,
    pub after_sales_duties: String,
    pub payment_net_days: i32,
    pub payment_terms: String,
    pub training_duties: String,
    pub signed_on: Option<NaiveDate>,
    pub note: String,
}

fn set_terms(row: &mut version::ActiveModel, terms: Terms) {
    row.valid_from = Set(terms.valid_from);
    row.valid_to = Set(terms.valid_to);
    row.price_list_code = Set(terms.price_list_code);
    row.rebate_programs = Set(terms.rebate_programs.join(","));
    row.target_minor = Set(terms.target.as_ref().map(|(minor, _)| *minor));
    row.target_currency = Set(terms.target.map(|(_, currency)| currency));
    row.after_sales_duties = Set(terms.after_sales_duties);
    row.payment_net_days = Set(terms.payment_net_days);
    row.payment_terms = Set(terms.payment_terms);
    row.training_duties = Set(terms.training_duties);
    row.signed_on = Set(terms.signed_on);
    row.note = Set(terms.note);
}

/// Every version of a partner's agreement, oldest first.
pub async fn versions_of(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<version::Model>, StoreError> {
    Ok(version::Entity::find()
        .filter(version::Column::PartnerId.eq(partner.id().0))
        .order_by_asc(version::Column::Version)
        .all(db)
        .await?)
}

/// Writes a new draft. Two drafts racing for one number meet the unique
/// index on (partner, version): one of them is refused as a duplicate.
pub async fn insert_draft(
    db: &WriteTx,
    partner: &Visible,
    number: i32,
    terms: Terms,
    created_by: &str,
) -> Result<version::Model, StoreError> {
    let mut row = version::ActiveModel {
        partner_id: Set(partner.id().0),
        version: Set(number),
        status: Set("draft".to_owned()),
        superseded_from: Set(None),
        superseded_by: Set(None),
        terminated_from: Set(None),
        termination_reason: Set(None),
        created_by: Set(created_by.to_owned()),
        created_at: Set(crate::now()),
        activated_by: Set(None),
        activated_at: Set(None),
        ..Default::default()
    };
    set_terms(&mut row, terms);
    Ok(row.insert(db).await?)
}

/// Rewrites a draft's terms (only drafts are ever edited).
pub async fn update_draft(
    db: &WriteTx,
    draft: version::Model,
    terms: Terms,
) -> Result<version::Model, StoreError> {
    let mut row: version::ActiveModel = draft.into();
    set_terms(&mut row, terms);
    Ok(row.update(db).await?)
}

/// Puts a draft in force and records, on the version it amends, the day the
/// draft takes over.
pub async fn activate(
    db: &WriteTx,
    draft: version::Model,
    supersedes: Option<(version::Model, NaiveDate)>,
    activated_by: &str,
) -> Result<version::Model, StoreError> {
    if let Some((old, from)) = supersedes {
        let mut old: version::ActiveModel = old.into();
        old.superseded_from = Set(Some(from));
        old.superseded_by = Set(Some(draft.version));
        old.update(db).await?;
    }
    let mut row: version::ActiveModel = draft.into();
    // From now on the partner's year target holds the figure (the app
    // writes it in the same transaction); a copy here would drift from it.
    row.target_minor = Set(None);
    row.target_currency = Set(None);
    row.status = Set("active".to_owned());
    row.activated_by = Set(Some(activated_by.to_owned()));
    row.activated_at = Set(Some(crate::now()));
    Ok(row.update(db).await?)
}

pub async fn terminate(
    db: &WriteTx,
    current: version::Model,
    from: NaiveDate,
    reason: &str,
) -> Result<version::Model, StoreError> {
    let mut row: version::ActiveModel = current.into();
    row.status = Set("terminated".to_owned());
    row.terminated_from = Set(Some(from));
    row.termination_reason = Set(Some(reason.to_owned()));
    Ok(row.update(db).await?)
}

/// Shown statuses as SQL, mirroring `domain::agreements::VersionDates::status_on`
/// (the app suite checks that both agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Draft,
    Active,
    Superseded,
    Expired,
    Terminated,
}

fn status_condition(status: StatusFilter, today: NaiveDate) -> Condition {
    use version::Column as C;
    let activated = C::Status.ne("draft");
    let not_terminated = Condition::any()
        .add(C::TerminatedFrom.is_null())
        .add(C::TerminatedFrom.gt(today));
    let not_superseded = Condition::any()
        .add(C::SupersededFrom.is_null())
        .add(C::SupersededFrom.gt(today));
    match status {
        StatusFilter::Draft => Condition::all().add(C::Status.eq("draft")),
        StatusFilter::Terminated => Condition::all()
            .add(C::Status.eq("terminated"))
            .add(C::TerminatedFrom.lte(today)),
        StatusFilter::Superseded => Condition::all()
            .add(activated)
            .add(not_terminated)
            .add(C::SupersededFrom.lte(today)),
        StatusFilter::Expired => Condition::all()
            .add(activated)
            .add(not_terminated)
            .add(not_superseded)
            .add(C::ValidTo.lt(today)),
        StatusFilter::Active => Condition::all()
            .add(activated)
            .add(not_terminated)
            .add(not_superseded)
            .add(C::ValidTo.gte(today)),
    }
}

/// In force on `day`, mirroring `VersionDates::in_force_on`.
fn in_force_condition(day: NaiveDate) -> Condition {
    use version::Column as C;
    Condition::all()
        .add(C::Status.ne("draft"))
        .add(C::ValidFrom.lte(day))
        .add(C::ValidTo.gte(day))
        .add(
            Condition::any()
                .add(C::SupersededFrom.is_null())
                .add(C::SupersededFrom.gt(day)),
        )
        .add(
            Condition::any()
                .add(C::TerminatedFrom.is_null())
                .add(C::TerminatedFrom.gt(day)),
        )
}

#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    /// Text in the partner's code or name.
    pub partner: Option<String>,
    pub status: Option<StatusFilter>,
    pub in_force_on: Option<NaiveDate>,
    /// Expiring: active, in force today, no successor yet, and the term ends
    /// on or before this day.
    pub expiring_by: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgreementSort {
    #[default]
    Partner,
    Version,
    ValidFrom,
    ValidTo,
}

crate::paging::sort_keys!(AgreementSort {
    Partner => "partner",
    Version => "version",
    ValidFrom => "valid_from",
    ValidTo => "valid_to",
});

fn to_partner() -> RelationDef {
    version::Entity::belongs_to(partner::Entity)
        .from(version::Column::PartnerId)
        .to(partner::Column::Id)
        .into()
}

fn scoped(
    scope: DataScope,
    filter: &AgreementFilter,
    today: NaiveDate,
) -> sea_orm::Select<version::Entity> {
    let select = version::Entity::find().join(JoinType::InnerJoin, to_partner());
    let mut select = restrict(select, scope, version::Column::PartnerId);
    if let Some(text) = &filter.partner {
        let pattern = like_pattern(text);
        select = select.filter(
            Condition::any()
                .add(
                    Expr::col((partner::Entity, partner::Column::Code))
                        .like(pattern.to_uppercase()),
                )
                .add(Expr::col((partner::Entity, partner::Column::Name)).like(pattern)),
        );
    }
    if let Some(status) = filter.status {
        select = select.filter(status_condition(status, today));
    }
    if let Some(day) = filter.in_force_on {
        select = select.filter(in_force_condition(day));
    }
    if let Some(by) = filter.expiring_by {
        select = select
            .filter(in_force_condition(today))
            .filter(version::Column::Status.eq("active"))
            .filter(version::Column::SupersededFrom.is_null())
            .filter(version::Column::ValidTo.lte(by));
    }
    select
}

/// Versions in the scope matching `filter`, with `today` deciding the
/// date-derived statuses.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &AgreementFilter,
    today: NaiveDate,
    sort: AgreementSort,
    dir: SortDir,
    page: PageRequest,
) -> Result<Page<version::Model>, StoreError> {
    let select = scoped(scope, filter, today);
    let partner_code = Expr::col((partner::Entity, partner::Column::Code));
    let select = match sort {
        AgreementSort::Partner => select
            .order_by(partner_code, dir.order())
            .order_by(version::Column::Version, dir.order()),
        AgreementSort::Version => select
            .order_by(version::Column::Version, dir.order())
            .order_by_asc(partner_code),
        AgreementSort::ValidFrom => select
            .order_by(version::Column::ValidFrom, dir.order())
            .order_by_asc(partner_code),
        AgreementSort::ValidTo => select
            .order_by(version::Column::ValidTo, dir.order())
            .order_by_asc(partner_code),
    };
    fetch(db, select.order_by_asc(version::Column::Id), page).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &AgreementFilter,
    today: NaiveDate,
) -> Result<u64, StoreError> {
    Ok(scoped(scope, filter, today).count(db).await?)
}

/// Partners by id with their codes and names, for labelling list rows;
/// only those the scope sees.
pub async fn partners_by_id(
    db: &impl ConnectionTrait,
    scope: DataScope,
    ids: &[i64],
) -> Result<Vec<partner::Model>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(partner::Entity::find()
        .filter(partner::Column::Id.is_in(ids.iter().copied()))
        .filter(scope_condition(scope))
        .all(db)
        .await?)
}
