//! A partner's page in one statement: the row (the scoped lookup itself),
//! its parent's code, home region, owner, and as nested JSON arrays its
//! children, status history and contacts.
//!
//! The same reads used to be seven statements; on SQLite each is a round
//! trip to the connection's worker thread, which cost more than the reads.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, JoinType, Query, SubQueryStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter, QueryTrait,
};
use serde::Deserialize;

use super::{
    contact, join_parent_and_home, partner, scope_condition, scope_condition_on, status_change,
};
use crate::nested;
use crate::scope::Visible;
use crate::{DataScope, StoreError};
use qudao_domain::partners::{PartnerCode, PartnerStatus, PartnerType};

/// What a partner's page shows about it, all read under one scope.
#[derive(Debug, Clone)]
pub struct Detail {
    pub partner: Visible,
    /// Absent for depth 1 or when the scope does not see the parent.
    pub parent_code: Option<String>,
    pub parent_name: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub region_name_en: Option<String>,
    pub owner_login: Option<String>,
    pub owner_name: Option<String>,
    /// Every partner below it that the scope sees (its whole downstream
    /// tree), in tree order: each partner followed by those under it.
    pub children: Vec<Child>,
    /// Oldest first.
    pub status_history: Vec<status_change::Model>,
    /// The display name of each status change's author, in the same order
    /// (none when the login no longer exists).
    pub actor_names: Vec<Option<String>>,
    /// In the order they were added.
    pub contacts: Vec<contact::Model>,
}

/// A partner that buys from the one shown, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Child {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub partner_type: String,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub status: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub region_name_en: Option<String>,
    pub grade_id: Option<i64>,
    #[serde(deserialize_with = "nested::instant")]
    pub created_at: DateTime<Utc>,
}

impl Child {
    pub fn partner_type(&self) -> Result<PartnerType, StoreError> {
        super::partner_type_of(self.id, &self.partner_type)
    }

    pub fn status(&self) -> Result<PartnerStatus, StoreError> {
        super::status_of(self.id, &self.status)
    }
}

#[derive(Deserialize)]
struct Change {
    id: i64,
    from_status: Option<String>,
    to_status: String,
    reason: String,
    changed_by: String,
    changed_by_name: Option<String>,
    #[serde(deserialize_with = "nested::instant")]
    changed_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct Person {
    id: i64,
    name: String,
    role: String,
    phone: Option<String>,
    email: Option<String>,
    #[serde(deserialize_with = "nested::date")]
    birthday: Option<NaiveDate>,
    #[serde(deserialize_with = "nested::instant")]
    created_at: DateTime<Utc>,
}

const PARENT: &str = "detail_parent";
const HOME: &str = "detail_region";
const OWNER: &str = "detail_owner";
const KIN: &str = "detail_child";
const KIN_REGION: &str = "detail_child_region";
const CHANGE: &str = "detail_change";
const ACTOR: &str = "detail_actor";
const PERSON: &str = "detail_contact";

/// The partner with this code if the scope sees it, with everything its
/// page shows. The parent and the children are each checked against the
/// same scope as the partner.
pub async fn detail(
    db: &impl ConnectionTrait,
    scope: DataScope,
    code: &PartnerCode,
) -> Result<Option<Detail>, StoreError> {
    let backend = db.get_database_backend();
    let nested = |fields: &[(&str, &str)], order: &str, from: &str, key: &str| {
        Query::select()
            .expr(nested::array(backend, fields, order))
            .from_as(Alias::new(from), Alias::new(key))
            .to_owned()
    };
    let children = nested(
        &[
            ("id", "detail_child.id"),
            ("code", "detail_child.code"),
            ("name", "detail_child.name"),
            ("partner_type", "detail_child.partner_type"),
            ("parent_id", "detail_child.parent_id"),
            ("depth", "detail_child.depth"),
            ("status", "detail_child.status"),
            ("region_code", "detail_child_region.code"),
            ("region_name", "detail_child_region.name"),
            ("region_name_en", "detail_child_region.name_en"),
            ("grade_id", "detail_child.grade_id"),
            ("created_at", "detail_child.created_at"),
        ],
        "detail_child.path, detail_child.id",
        "partners",
        KIN,
    )
    .join_as(
        JoinType::LeftJoin,
        Alias::new("regions"),
        Alias::new(KIN_REGION),
        Expr::col((Alias::new(KIN_REGION), Alias::new("id")))
            .equals((Alias::new(KIN), partner::Column::RegionId)),
    )
    // Below the partner: its path is a prefix of theirs (paths are made of
    // ids, so a path sorts right before the paths under it).
    .and_where(Expr::cust(
        "detail_child.path LIKE partners.path || '%' AND detail_child.id <> partners.id",
    ))
    .and_where(scope_condition_on(Alias::new(KIN), scope))
    .to_owned();
    let history = nested(
        &[
            ("id", "detail_change.id"),
            ("from_status", "detail_change.from_status"),
            ("to_status", "detail_change.to_status"),
            ("reason", "detail_change.reason"),
            ("changed_by", "detail_change.changed_by"),
            ("changed_by_name", "detail_actor.display_name"),
            ("changed_at", "detail_change.changed_at"),
        ],
        "detail_change.changed_at, detail_change.id",
        "partner_status_history",
        CHANGE,
    )
    .join_as(
        JoinType::LeftJoin,
        Alias::new("users"),
        Alias::new(ACTOR),
        Expr::col((Alias::new(ACTOR), Alias::new("login")))
            .equals((Alias::new(CHANGE), Alias::new("changed_by"))),
    )
    .and_where(
        Expr::col((Alias::new(CHANGE), Alias::new("partner_id")))
            .equals((partner::Entity, partner::Column::Id)),
    )
    .to_owned();
    let contacts = nested(
        &[
            ("id", "detail_contact.id"),
            ("name", "detail_contact.name"),
            ("role", "detail_contact.role"),
            ("phone", "detail_contact.phone"),
            ("email", "detail_contact.email"),
            ("birthday", "detail_contact.birthday"),
            ("created_at", "detail_contact.created_at"),
        ],
        "detail_contact.id",
        "partner_contacts",
        PERSON,
    )
    .and_where(
        Expr::col((Alias::new(PERSON), Alias::new("partner_id")))
            .equals((partner::Entity, partner::Column::Id)),
    )
    .to_owned();
    let sub = |query: sea_orm::sea_query::SelectStatement| {
        Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(query)))
    };

    let mut select = partner::Entity::find()
        .filter(partner::Column::Code.eq(code.as_str()))
        .filter(scope_condition(scope));
    let query = QueryTrait::query(&mut select);
    join_parent_and_home(query, scope, PARENT, HOME);
    query
        .join_as(
            JoinType::LeftJoin,
            Alias::new("users"),
            Alias::new(OWNER),
            Expr::col((Alias::new(OWNER), Alias::new("id")))
                .equals((partner::Entity, partner::Column::OwnerId)),
        )
        .expr_as(
            Expr::col((Alias::new(OWNER), Alias::new("login"))),
            Alias::new("owner_login"),
        )
        .expr_as(
            Expr::col((Alias::new(OWNER), Alias::new("display_name"))),
            Alias::new("owner_name"),
        )
        .expr_as(sub(children), Alias::new("children_json"))
        .expr_as(sub(history), Alias::new("history_json"))
        .expr_as(sub(contacts), Alias::new("contacts_json"));
    let Some(row) = db.query_one_raw(select.build(backend)).await? else {
        return Ok(None);
    };
    let partner = partner::Model::from_query_result(&row, "")?;
    let text = |column: &str| row.try_get::<Option<String>>("", column);
    let json =
        |column: &str| -> Result<String, StoreError> { Ok(row.try_get::<String>("", column)?) };
    let history = nested::read::<Change>("status history", &json("history_json")?)?;
    let actor_names = history.iter().map(|c| c.changed_by_name.clone()).collect();
    let status_history = history
        .into_iter()
        .map(|c| status_change::Model {
            id: c.id,
            partner_id: partner.id,
            from_status: c.from_status,
            to_status: c.to_status,
            reason: c.reason,
            changed_by: c.changed_by,
            changed_at: c.changed_at,
        })
        .collect();
    let contacts = nested::read::<Person>("contacts", &json("contacts_json")?)?
        .into_iter()
        .map(|c| contact::Model {
            id: c.id,
            partner_id: partner.id,
            name: c.name,
            role: c.role,
            phone: c.phone,
            email: c.email,
            birthday: c.birthday,
            created_at: c.created_at,
        })
        .collect();
    Ok(Some(Detail {
        parent_code: text("parent_code")?,
        parent_name: text("parent_name")?,
        region_code: text("region_code")?,
        region_name: text("region_name")?,
        region_name_en: text("region_name_en")?,
        owner_login: text("owner_login")?,
        owner_name: text("owner_name")?,
        actor_names,
        children: nested::read("children", &json("children_json")?)?,
        status_history,
        contacts,
        partner: Visible::found(partner),
    }))
}
