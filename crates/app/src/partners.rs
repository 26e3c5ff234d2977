//! Partners: the channel organisations and their distribution tree.
//! The partner-network issue grows this into the full partner record.

use chrono::{DateTime, Utc};
use qudao_domain::admin::{Login, Role};
use qudao_domain::partners::{
    PartnerCode, PartnerId, PartnerName, PartnerStatus, PartnerType, Reason, child_position,
};
use qudao_domain::scope::DataScope;
use qudao_domain::{Invalid, Problem};
use qudao_store::paging::{Page, PageRequest, SortDir};
use qudao_store::partners::{self as repo, partner};
use serde::Serialize;

pub use qudao_store::partners::{PartnerFilter, PartnerSort};

use crate::error::{AllFields, given, rule};
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::{Contact, MAX_DEPTH, parse_address, would_cycle};
use qudao_domain::territories::RegionCode;
use qudao_store::scope::{self as store_scope, Visible};
use qudao_store::territories::region;
use qudao_store::{Aggregate, ConnectionTrait, WriteTx};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerView {
    pub code: String,
    pub name: String,
    pub partner_type: PartnerType,
    /// The partner this one buys from; absent for depth 1 or when the parent
    /// lies outside the caller's scope.
    pub parent_code: Option<String>,
    pub parent_name: Option<String>,
    /// It buys from another partner that the caller may not see: a rep or a
    /// partner user must not read "buys directly from us" for it.
    pub parent_hidden: bool,
    pub depth: i32,
    pub status: PartnerStatus,
    /// Code of the home region.
    pub region_code: Option<String>,
    /// The home region's Chinese name and, where it has one, English name.
    pub region_name: Option<String>,
    pub region_name_en: Option<String>,
    /// Code of the grade held now.
    pub grade: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerDetail {
    #[serde(flatten)]
    pub partner: PartnerView,
    /// Login of the channel manager or sales rep who owns the relationship.
    pub owner_login: Option<String>,
    pub owner_name: Option<String>,
    pub region_code: Option<String>,
    pub address: Option<String>,
    /// Decimal text in major units of `currency`; absent when no limit is set.
    pub credit_limit: Option<String>,
    pub currency: String,
    pub contacts: Vec<ContactView>,
    /// Every partner below this one, in tree order (each followed by those
    /// that buy from it), as far as the caller sees them.
    pub children: Vec<PartnerView>,
    /// Every status the partner has had, oldest first.
    pub status_history: Vec<StatusChange>,
    /// The statuses it may move to now.
    pub next_statuses: Vec<PartnerStatus>,
    /// Who owned the partner from which day, oldest first; empty for
    /// partner users (the owner is ours).
    pub owner_history: Vec<crate::owner_moves::OwnerSpanView>,
}

/// One step of a partner's status history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// Absent on the first line: the status it was created with.
    pub from: Option<PartnerStatus>,
    pub to: PartnerStatus,
    /// Why; empty on the first line. Absent for partner users, who never
    /// see our internal reasons (DESIGN §6).
    pub reason: Option<String>,
    /// Login of who changed it; absent for partner users.
    pub changed_by: Option<String>,
    /// Display name of who changed it; absent for partner users.
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// A requested status change.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct StatusInput {
    pub status: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PartnerInput {
    pub code: String,
    pub name: String,
    pub partner_type: String,
    /// Code of the partner it buys from; empty for depth 1.
    #[serde(default)]
    pub parent_code: Option<String>,
    /// Login of the owning channel manager or sales rep. A channel manager
    /// who leaves it empty becomes the owner.
    #[serde(default)]
    pub owner_login: Option<String>,
    /// `active` (the default) for a partner already signed, or `prospect`
    /// for one still to be recruited.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(flatten)]
    pub record: RecordInput,
}

/// The descriptive fields a partner form, the API and an import row share.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct RecordInput {
    /// Code of the partner's home region (a Chinese division code such as
    /// `310000`, an ISO country code, or a custom region's code).
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// Decimal text in major units, e.g. `500000.00`; empty for no limit.
    #[serde(default)]
    pub credit_limit: Option<String>,
    /// ISO 4217 code; `CNY` when empty.
    #[serde(default)]
    pub currency: Option<String>,
}

/// A change to an existing partner: everything except its code and status
/// (statuses move through their own transitions).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PartnerEdit {
    pub name: String,
    pub partner_type: String,
    /// The new parent's code; empty moves the partner (and everything below
    /// it) to depth 1.
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default)]
    pub owner_login: Option<String>,
    /// When a new owner takes over: `YYYY-MM-DD`, today when empty; not
    /// before the partner's last change of owner, not in the future, not in
    /// a closed month. Ignored when the owner stays.
    #[serde(default)]
    pub owner_from: Option<String>,
    #[serde(flatten)]
    pub record: RecordInput,
}

/// A new credit limit, and why (finance's form and `POST
/// /api/v1/partners/{code}/credit-limit`).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CreditLimitInput {
    /// Decimal text in major units of the partner's currency, e.g.
    /// `500000.00`; empty removes the limit.
    #[serde(default)]
    pub credit_limit: String,
    pub reason: String,
}

/// A partner's credit limit after a change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreditLimitView {
    pub code: String,
    /// Decimal text in major units of `currency`; absent for no limit.
    pub credit_limit: Option<String>,
    pub currency: String,
    pub reason: String,
}

/// A person to add to a partner's contacts.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    pub name: String,
    /// What they do for the partner: owner, purchasing, finance …
    pub role: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// `YYYY-MM-DD`, optional.
    #[serde(default)]
    pub birthday: String,
}

impl ContactInput {
    /// The contact as the domain takes it, every field checked at once.
    fn parse(&self) -> Result<Contact, AppError> {
        Contact::parse(
            &self.name,
            &self.role,
            &self.phone,
            &self.email,
            &self.birthday,
            crate::today(),
        )
        .map_err(AppError::Invalid)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub birthday: Option<chrono::NaiveDate>,
}

/// A partner as the partner import reads it: exporting a list and
/// importing the file (with new codes) gives the same partners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRecordRow {
    pub code: String,
    pub name: String,
    pub partner_type: PartnerType,
    pub grade: Option<String>,
    pub parent_code: Option<String>,
    pub region_code: Option<String>,
    /// Empty for partner users, who do not see who owns the relationship.
    pub owner_login: Option<String>,
    /// Decimal text in major units of `currency`.
    pub credit_limit: Option<String>,
    pub currency: String,
    pub status: PartnerStatus,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TypeCount {
    pub partner_type: PartnerType,
    pub partners: i64,
}

use crate::non_empty;

/// Looks up the codes and logins a partner form or import row refers to,
/// remembering answers so an import of thousands of rows asks the database
/// once per distinct owner or region.
pub(crate) struct Lookups<'a, C> {
    db: &'a C,
    scope: DataScope,
    owners: HashMap<String, Option<i64>>,
    regions: HashMap<String, Option<i64>>,
    /// Parents an import looked up for all its rows at once.
    parents: HashMap<String, Option<Visible>>,
}

impl<'a, C: ConnectionTrait> Lookups<'a, C> {
    pub(crate) fn new(db: &'a C, scope: DataScope) -> Self {
        Self {
            db,
            scope,
            owners: HashMap::new(),
            regions: HashMap::new(),
            parents: HashMap::new(),
        }
    }

    /// Looks up every parent code an import names with one query per batch,
    /// instead of one per row.
    pub(crate) async fn prefetch_parents(&mut self, codes: Vec<String>) -> Result<(), AppError> {
        let found = store_scope::partners_by_codes(self.db, self.scope, &codes).await?;
        self.parents.extend(codes.into_iter().map(|c| (c, None)));
        self.parents
            .extend(found.into_iter().map(|p| (p.code().to_owned(), Some(p))));
        Ok(())
    }

    /// A parent in the caller's scope, or the parsed code that was not found
    /// (an import may still find it further down the file).
    pub(crate) async fn parent(
        &mut self,
        raw: Option<&str>,
    ) -> Result<Result<Option<Result<Visible, PartnerCode>>, Invalid>, AppError> {
        let Some(raw) = non_empty(raw) else {
            return Ok(Ok(None));
        };
        let Ok(code) = PartnerCode::parse(raw) else {
            return Ok(Err(must_exist("parent_code")));
        };
        let found = match self.parents.get(code.as_str()) {
            Some(known) => known.clone(),
            None => store_scope::partner_by_code(self.db, self.scope, &code).await?,
        };
        Ok(Ok(Some(found.ok_or(code))))
    }

    async fn owner(
        &mut self,
        raw: Option<&str>,
        caller: &Caller,
    ) -> Result<Result<Option<i64>, Invalid>, AppError> {
        let Some(raw) = non_empty(raw) else {
            return Ok(Ok(
                (caller.role == Role::ChannelManager).then_some(caller.user_id.0)
            ));
        };
        let key = raw.to_lowercase();
        if !self.owners.contains_key(&key) {
            let owner = match Login::parse(raw) {
                Ok(login) => qudao_store::admin::find_user_by_login(self.db, login.as_str())
                    .await?
                    .filter(|u| matches!(u.role.as_str(), "channel_manager" | "sales_rep"))
                    .map(|u| u.id),
                Err(_) => None,
            };
            self.owners.insert(key.clone(), owner);
        }
        Ok(self
            .owners
            .get(&key)
            .copied()
            .flatten()
            .map(Some)
            .ok_or_else(|| {
                Invalid::new(
                    "owner_login",
                    Problem::Rule {
                        rule: "owner_must_be_internal_user",
                    },
                )
            }))
    }

    async fn region(
        &mut self,
        raw: Option<&str>,
    ) -> Result<Result<Option<i64>, Invalid>, AppError> {
        let Some(raw) = non_empty(raw) else {
            return Ok(Ok(None));
        };
        let code = match RegionCode::parse("region_code", raw) {
            Ok(code) => code,
            Err(invalid) => return Ok(Err(invalid)),
        };
        if !self.regions.contains_key(code.as_str()) {
            let found = qudao_store::territories::region_by_code(self.db, code.as_str()).await?;
            self.regions
                .insert(code.as_str().to_owned(), found.map(|region| region.id));
        }
        Ok(self
            .regions
            .get(code.as_str())
            .copied()
            .flatten()
            .map(Some)
            .ok_or_else(|| must_exist("region_code")))
    }

    /// The descriptive fields, or every problem with them.
    pub(crate) async fn record(
        &mut self,
        input: &RecordInput,
    ) -> Result<Result<repo::PartnerRecord, Vec<Invalid>>, AppError> {
        let region_id = self.region(input.region_code.as_deref()).await?;
        let currency = match non_empty(input.currency.as_deref()) {
            None => Ok(Currency::CNY),
            Some(raw) => Currency::parse(raw),
        };
        // A bad currency is reported on its own; the limit waits for it.
        let credit_limit = match (non_empty(input.credit_limit.as_deref()), &currency) {
            (Some(raw), Ok(currency)) => {
                Money::parse("credit_limit", raw, *currency).and_then(|limit| {
                    if limit.is_negative() {
                        Err(Invalid::new(
                            "credit_limit",
                            Problem::Rule {
                                rule: "not_negative",
                            },
                        ))
                    } else {
                        Ok(Some(limit.minor()))
                    }
                })
            }
            _ => Ok(None),
        };
        Ok((
            region_id,
            parse_address(input.address.as_deref().unwrap_or_default()),
            currency,
            credit_limit,
        )
            .all()
            .map(
                |(region_id, address, currency, credit_limit)| repo::PartnerRecord {
                    region_id,
                    address,
                    credit_limit,
                    currency,
                },
            ))
    }
}

fn must_exist(field: &'static str) -> Invalid {
    let rule = match field {
        "region_code" => "region_must_exist",
        _ => "partner_must_exist",
    };
    Invalid::new(field, Problem::Rule { rule })
}

/// A new partner, fully parsed; its parent is either already stored or (in an
/// import) another row of the same file.
pub(crate) struct NewPartnerRow {
    pub(crate) code: PartnerCode,
    pub(crate) name: PartnerName,
    pub(crate) partner_type: PartnerType,
    pub(crate) parent: Option<Result<Visible, PartnerCode>>,
    pub(crate) owner_id: Option<i64>,
    pub(crate) status: PartnerStatus,
    pub(crate) record: repo::PartnerRecord,
}

impl NewPartnerRow {
    /// Parses a partner input, reporting every bad field at once. A parent
    /// that is not stored yet is accepted only if `arrives_later` says the
    /// same import brings it.
    pub(crate) async fn parse<C: ConnectionTrait>(
        input: &PartnerInput,
        caller: &Caller,
        lookups: &mut Lookups<'_, C>,
        arrives_later: impl Fn(&PartnerCode) -> bool,
    ) -> Result<Result<Self, Vec<Invalid>>, AppError> {
        let parent = lookups
            .parent(input.parent_code.as_deref())
            .await?
            .and_then(|parent| match &parent {
                Some(Err(missing)) if !arrives_later(missing) => Err(must_exist("parent_code")),
                _ => Ok(parent),
            });
        let owner_id = lookups.owner(input.owner_login.as_deref(), caller).await?;
        let status = match non_empty(input.status.as_deref()) {
            None => Ok(PartnerStatus::Active),
            Some(raw) => PartnerStatus::parse(raw).and_then(|status| {
                if status.is_initial() {
                    Ok(status)
                } else {
                    Err(Invalid::new(
                        "status",
                        Problem::Rule {
                            rule: "initial_status",
                        },
                    ))
                }
            }),
        };
        let record = lookups.record(&input.record).await?;
        Ok((
            PartnerCode::parse(&input.code),
            PartnerName::parse(&input.name),
            PartnerType::parse(&input.partner_type),
            parent,
            owner_id,
            status,
            record,
        )
            .all()
            .map(
                |(code, name, partner_type, parent, owner_id, status, record)| Self {
                    code,
                    name,
                    partner_type,
                    parent,
                    owner_id,
                    status,
                    record,
                },
            ))
    }

    /// Writes the partner in the caller's transaction, under `parent`.
    pub(crate) async fn insert(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        parent: Option<&Visible>,
    ) -> Result<Result<Visible, Invalid>, AppError> {
        let parent_position = parent.map(|p| (p.row().path.as_str(), p.row().depth));
        repo::insert(
            tx,
            repo::NewPartner {
                code: self.code.as_str(),
                name: self.name.as_str(),
                partner_type: self.partner_type,
                parent,
                owner_id: self.owner_id,
                status: self.status,
                record: &self.record,
                created_by: &caller.login,
            },
            |id| child_position(parent_position, PartnerId(id)),
        )
        .await
        .map_err(|e| match e {
            qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "code" },
            other => other.into(),
        })
    }
}

impl Qudao {
    pub async fn create_partner(
        &self,
        caller: &Caller,
        input: &PartnerInput,
    ) -> Result<PartnerView, AppError> {
        caller.require(Permission::ManagePartners)?;
        let tx = self.write().await?;
        // The parent's path, read below, is what a concurrent move rewrites.
        tx.lock(Aggregate::PartnerTree).await?;
        let mut lookups = Lookups::new(&tx, scope_in(caller, Area::Partners));
        let new = NewPartnerRow::parse(input, caller, &mut lookups, |_| false)
            .await?
            .map_err(AppError::Invalid)?;
        let parent = new.parent.as_ref().and_then(|p| p.as_ref().ok());
        let stored = new.insert(&tx, caller, parent).await??;
        let row = stored.row();
        let names = Names::load(&tx, &[row]).await?;
        let view = view_of(row, parent.map(|p| p.code().to_owned()), &names)?;
        self.audit(
            &tx,
            caller,
            "partner",
            &view.code,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Changes a partner's record. A new parent moves the partner with
    /// everything below it; a parent inside its own subtree (a cycle) or one
    /// that would push the subtree past the maximum depth is refused.
    pub async fn update_partner(
        &self,
        caller: &Caller,
        code: &str,
        input: &PartnerEdit,
    ) -> Result<PartnerView, AppError> {
        caller.require(Permission::ManagePartners)?;
        let tx = self.write().await?;
        // A move's cycle check reads two rows (this partner's path and the
        // new parent's) that a concurrent move may be changing the other way
        // round; one lock over the tree serialises moves.
        tx.lock(Aggregate::PartnerTree).await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Partners, code)
            .await?;
        let row = partner.row().clone();
        let mut lookups = Lookups::new(&tx, scope_in(caller, Area::Partners));
        let parent = lookups
            .parent(input.parent_code.as_deref())
            .await?
            .and_then(|parent| parent.transpose().map_err(|_| must_exist("parent_code")));
        let owner_id = lookups.owner(input.owner_login.as_deref(), caller).await?;
        let owner_move = match &owner_id {
            Ok(owner_id) => {
                crate::owner_moves::owner_move(
                    &tx,
                    &partner,
                    *owner_id,
                    input.owner_from.as_deref(),
                    &caller.login,
                )
                .await?
            }
            Err(_) => Ok(None),
        };
        let record = lookups.record(&input.record).await?;
        // With a bad parent code the move is checked as one to the top; the
        // update is refused for the code either way.
        let target = parent.as_ref().ok().and_then(Option::as_ref);
        let moves = target.map(|p| p.id().0) != row.parent_id;
        let new_position = match target {
            _ if !moves => Ok(None),
            Some(p) if would_cycle(&row.path, &p.row().path) => Err(Invalid::new(
                "parent_code",
                Problem::Rule {
                    rule: "partner_cycle",
                },
            )),
            _ => {
                let parent_position = target.map(|p| (p.row().path.as_str(), p.row().depth));
                match child_position(parent_position, PartnerId(row.id)) {
                    Ok((path, depth)) => {
                        let deepest = repo::subtree_max_depth(&tx, &row.path).await?;
                        if deepest - row.depth + depth > MAX_DEPTH {
                            Err(Invalid::new(
                                "parent_code",
                                Problem::Limit {
                                    rule: "partner_max_depth",
                                    max: MAX_DEPTH as usize,
                                },
                            ))
                        } else {
                            Ok(Some((path, depth)))
                        }
                    }
                    Err(invalid) => Err(invalid),
                }
            }
        };
        let (name, partner_type, parent, _, owner_move, record, new_position) = (
            PartnerName::parse(&input.name),
            PartnerType::parse(&input.partner_type),
            parent,
            owner_id,
            owner_move,
            record,
            new_position,
        )
            .all()?;
        let names = Names::load(&tx, &[&row]).await?;
        let before = view_of(
            &row,
            self.visible_parent_code(&tx, caller, &row).await?,
            &names,
        )?;
        let mut partner = partner;
        if let Some((path, depth)) = new_position {
            partner = repo::move_subtree(&tx, partner, parent.as_ref(), &path, depth).await?;
        }
        let partner = repo::update_record(
            &tx,
            partner,
            name.as_str(),
            partner_type,
            owner_move.as_ref(),
            &record,
        )
        .await?;
        let names = Names::load(&tx, &[partner.row()]).await?;
        let after = view_of(partner.row(), parent.map(|p| p.code().to_owned()), &names)?;
        self.audit(
            &tx,
            caller,
            "partner",
            &after.code,
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    pub async fn add_contact(
        &self,
        caller: &Caller,
        code: &str,
        input: &ContactInput,
    ) -> Result<ContactView, AppError> {
        caller.require(Permission::ManageContacts)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Contacts, code)
            .await?;
        let contact = input.parse()?;
        let stored = insert_contact(&tx, &partner, &contact).await?;
        let view = contact_view(stored);
        self.audit(
            &tx,
            caller,
            "partner",
            partner.code(),
            "add_contact",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Changes a partner's credit limit and nothing else, with a reason
    /// written into the audit record. Finance's own use case: it may not
    /// edit the rest of the record.
    pub async fn set_credit_limit(
        &self,
        caller: &Caller,
        code: &str,
        input: &CreditLimitInput,
    ) -> Result<CreditLimitView, AppError> {
        caller.require(Permission::ChangeCreditLimit)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Partners, code)
            .await?;
        let currency = partner.row().currency()?;
        let limit = match non_empty(Some(&input.credit_limit)) {
            None => Ok(None),
            Some(raw) => Money::parse("credit_limit", raw, currency).and_then(|limit| {
                if limit.is_negative() {
                    Err(Invalid::new(
                        "credit_limit",
                        Problem::Rule {
                            rule: "not_negative",
                        },
                    ))
                } else {
                    Ok(Some(limit.minor()))
                }
            }),
        };
        let (limit, reason) = (limit, Reason::parse(&input.reason)).all()?;
        let view = |minor: Option<i64>, reason: &str| CreditLimitView {
            code: partner.code().to_owned(),
            credit_limit: minor.map(|m| Money::from_minor(m, currency).amount_text()),
            currency: currency.as_str().to_owned(),
            reason: reason.to_owned(),
        };
        let before = view(partner.row().credit_limit, "");
        let after = view(limit, reason.as_str());
        let partner = repo::set_credit_limit(&tx, partner, limit).await?;
        self.audit(
            &tx,
            caller,
            "partner",
            partner.code(),
            "change_credit_limit",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// One contact, for its edit form: only to callers who may change it.
    pub async fn contact(
        &self,
        caller: &Caller,
        code: &str,
        contact_id: i64,
    ) -> Result<ContactView, AppError> {
        caller.require(Permission::ManageContacts)?;
        let partner = self
            .visible(self.db(), caller, Area::Contacts, code)
            .await?;
        repo::contact(self.db(), &partner, contact_id)
            .await?
            .map(contact_view)
            .ok_or(AppError::NotFound("contact"))
    }

    /// Changes a contact's name, role, phone, e-mail or birthday, with the
    /// same rules as adding one.
    pub async fn update_contact(
        &self,
        caller: &Caller,
        code: &str,
        contact_id: i64,
        input: &ContactInput,
    ) -> Result<ContactView, AppError> {
        caller.require(Permission::ManageContacts)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Contacts, code)
            .await?;
        let contact = input.parse()?;
        let (before, after) = repo::update_contact(&tx, &partner, contact_id, stored(&contact))
            .await?
            .ok_or(AppError::NotFound("contact"))?;
        let (before, after) = (contact_view(before), contact_view(after));
        self.audit(
            &tx,
            caller,
            "partner",
            partner.code(),
            "update_contact",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    pub async fn remove_contact(
        &self,
        caller: &Caller,
        code: &str,
        contact_id: i64,
    ) -> Result<(), AppError> {
        caller.require(Permission::ManageContacts)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Contacts, code)
            .await?;
        let removed = repo::delete_contact(&tx, &partner, contact_id)
            .await?
            .ok_or(AppError::NotFound("contact"))?;
        let view = contact_view(removed);
        self.audit(
            &tx,
            caller,
            "partner",
            partner.code(),
            "remove_contact",
            Some(&view),
            None,
        )
        .await?;
        crate::commit(tx).await?;
        Ok(())
    }

    pub async fn list_partners(
        &self,
        caller: &Caller,
        filter: &PartnerFilter,
        sort: PartnerSort,
        dir: SortDir,
        page: PageRequest,
    ) -> Result<Page<PartnerView>, AppError> {
        caller.require(Permission::ViewPartners)?;
        let rows = repo::list_page(self.db(), caller.scope(), filter, sort, dir, page).await?;
        let grades = self
            .grade_cache()
            .codes(self.db(), rows.items.iter().filter_map(|r| r.row.grade_id))
            .await?;
        rows.try_map(|listed| {
            let row = listed.row;
            Ok(PartnerView {
                partner_type: row.partner_type()?,
                status: row.status()?,
                grade: row.grade_id.and_then(|id| grades.get(&id).cloned()),
                parent_hidden: row.parent_id.is_some() && listed.parent_code.is_none(),
                parent_code: listed.parent_code,
                parent_name: listed.parent_name,
                region_code: listed.region_code,
                region_name: listed.region_name,
                region_name_en: listed.region_name_en,
                code: row.code,
                name: row.name,
                depth: row.depth,
                created_at: row.created_at,
            })
        })
    }

    /// The filtered list with every column of the partner import, for
    /// "Export to Excel" and `qudao export partners`.
    pub async fn export_partners(
        &self,
        caller: &Caller,
        filter: &PartnerFilter,
        sort: PartnerSort,
        dir: SortDir,
    ) -> Result<Vec<PartnerRecordRow>, AppError> {
        caller.require(Permission::ViewPartners)?;
        let rows = repo::list(
            self.db(),
            caller.scope(),
            filter,
            sort,
            dir,
            PageRequest::export(),
        )
        .await?
        .items;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let parent_ids: Vec<i64> = rows.iter().filter_map(|r| r.parent_id).collect();
        let parents: HashMap<i64, String> = repo::codes_of(self.db(), caller.scope(), &parent_ids)
            .await?
            .into_iter()
            .collect();
        let mut region_ids: Vec<i64> = rows.iter().filter_map(|r| r.region_id).collect();
        region_ids.sort_unstable();
        region_ids.dedup();
        let regions: HashMap<i64, String> =
            qudao_store::territories::regions_by_ids(self.db(), &region_ids)
                .await?
                .into_iter()
                .map(|r| (r.id, r.code))
                .collect();
        let grade_codes: HashMap<i64, String> = qudao_store::grades::list(self.db())
            .await?
            .into_iter()
            .map(|g| (g.id, g.code))
            .collect();
        let grades: HashMap<i64, String> =
            qudao_store::grades::grades_of(self.db(), caller.scope(), &ids)
                .await?
                .into_iter()
                .filter_map(|(partner, grade)| Some((partner, grade_codes.get(&grade)?.clone())))
                .collect();
        let mut owners: HashMap<i64, Option<String>> = HashMap::new();
        if !caller.role.is_partner_role() {
            for id in rows.iter().filter_map(|r| r.owner_id) {
                if let std::collections::hash_map::Entry::Vacant(slot) = owners.entry(id) {
                    let login = qudao_store::admin::find_user(self.db(), id).await?;
                    slot.insert(login.map(|u| u.login));
                }
            }
        }
        rows.into_iter()
            .map(|row| {
                let currency = row.currency()?;
                Ok(PartnerRecordRow {
                    partner_type: row.partner_type()?,
                    status: row.status()?,
                    grade: grades.get(&row.id).cloned(),
                    parent_code: row.parent_id.and_then(|id| parents.get(&id).cloned()),
                    region_code: row.region_id.and_then(|id| regions.get(&id).cloned()),
                    owner_login: row
                        .owner_id
                        .and_then(|id| owners.get(&id).cloned().flatten()),
                    credit_limit: row
                        .credit_limit
                        .map(|minor| Money::from_minor(minor, currency).amount_text()),
                    currency: currency.as_str().to_owned(),
                    address: row.address,
                    code: row.code,
                    name: row.name,
                })
            })
            .collect()
    }

    /// One partner with the partners that buy from it. Outside the caller's
    /// scope it does not exist. One statement (`store::partners::detail`);
    /// grade codes come from the in-memory cache.
    pub async fn partner(&self, caller: &Caller, code: &str) -> Result<PartnerDetail, AppError> {
        Ok(self.partner_shown(caller, code).await?.0)
    }

    /// The same, with the partner as a handle for the other panels of its
    /// page.
    pub async fn partner_shown(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<(PartnerDetail, crate::Shown), AppError> {
        caller.require(Permission::ViewPartners)?;
        let code = crate::scope::partner_code(code)?;
        let detail = repo::detail(self.db(), scope_in(caller, Area::Partners), &code)
            .await?
            .ok_or(AppError::NotFound("partner"))?;
        let shown = crate::Shown::new(caller, detail.partner);
        let row = shown.row().clone();
        let grades = self
            .grade_cache()
            .codes(
                self.db(),
                detail
                    .children
                    .iter()
                    .filter_map(|c| c.grade_id)
                    .chain(row.grade_id),
            )
            .await?;
        let grade = |id: Option<i64>| id.and_then(|id| grades.get(&id).cloned());
        // Each partner below is shown under its own parent, which is the
        // partner itself or one listed before it (tree order).
        let mut above: HashMap<i64, (String, String)> = HashMap::new();
        above.insert(row.id, (row.code.clone(), row.name.clone()));
        let mut children = Vec::with_capacity(detail.children.len());
        for child in detail.children {
            let parent = child.parent_id.and_then(|id| above.get(&id)).cloned();
            above.insert(child.id, (child.code.clone(), child.name.clone()));
            children.push(PartnerView {
                partner_type: child.partner_type()?,
                status: child.status()?,
                grade: grade(child.grade_id),
                parent_hidden: child.parent_id.is_some() && parent.is_none(),
                parent_code: parent.as_ref().map(|(code, _)| code.clone()),
                parent_name: parent.map(|(_, name)| name),
                region_code: child.region_code,
                region_name: child.region_name,
                region_name_en: child.region_name_en,
                code: child.code,
                name: child.name,
                depth: child.depth,
                created_at: child.created_at,
            });
        }
        let staff = !caller.role.is_partner_role();
        let owner_history = if staff {
            crate::owner_moves::history_views(self.db(), shown.within(caller, Area::Partners)?)
                .await?
        } else {
            Vec::new()
        };
        let mut status_history = detail
            .status_history
            .into_iter()
            .map(change_of)
            .collect::<Result<Vec<_>, _>>()?;
        for (change, name) in status_history.iter_mut().zip(detail.actor_names) {
            change.changed_by_name = name;
        }
        let status_history = shown_status_history(caller, status_history);
        let contacts = detail.contacts.into_iter().map(contact_view).collect();
        let currency = row.currency()?;
        let credit_limit = row
            .credit_limit
            .map(|minor| Money::from_minor(minor, currency).amount_text());
        let view = PartnerView {
            code: row.code.clone(),
            name: row.name.clone(),
            partner_type: row.partner_type()?,
            parent_hidden: row.parent_id.is_some() && detail.parent_code.is_none(),
            parent_code: detail.parent_code,
            parent_name: detail.parent_name,
            depth: row.depth,
            status: row.status()?,
            region_code: detail.region_code.clone(),
            region_name: detail.region_name,
            region_name_en: detail.region_name_en,
            grade: grade(row.grade_id),
            created_at: row.created_at,
        };
        let next_statuses = if caller.can(Permission::ManagePartners) {
            view.status.next().to_vec()
        } else {
            Vec::new()
        };
        let detail = PartnerDetail {
            partner: view,
            owner_login: detail.owner_login.filter(|_| staff),
            owner_name: detail.owner_name.filter(|_| staff),
            region_code: detail.region_code,
            address: row.address,
            credit_limit,
            currency: currency.as_str().to_owned(),
            contacts,
            children,
            status_history,
            next_statuses,
            owner_history,
        };
        Ok((detail, shown))
    }

    /// Moves a partner along its lifecycle. Only the transitions of
    /// [`PartnerStatus::next`] are allowed, each with a reason.
    pub async fn change_partner_status(
        &self,
        caller: &Caller,
        code: &str,
        input: &StatusInput,
    ) -> Result<PartnerView, AppError> {
        caller.require(Permission::ManagePartners)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Partners, code)
            .await?;
        let row = partner.row().clone();
        let from = row.status()?;
        let to = PartnerStatus::parse(&input.status);
        let allowed = given(to.clone().ok(), |to| {
            rule(from.can_become(to), || {
                Invalid::new(
                    "status",
                    Problem::Rule {
                        rule: "status_transition",
                    },
                )
            })
        });
        let (to, reason, ()) = (to, Reason::parse(&input.reason), allowed).all()?;
        let parent_code = self.visible_parent_code(&tx, caller, &row).await?;
        let names = Names::load(&tx, &[&row]).await?;
        let before = view_of(&row, parent_code.clone(), &names)?;
        let partner = repo::set_status(&tx, partner, to, reason.as_str(), &caller.login).await?;
        let after = view_of(partner.row(), parent_code, &names)?;
        self.audit(
            &tx,
            caller,
            "partner",
            &after.code,
            "change_status",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    pub async fn partner_counts_by_type(
        &self,
        caller: &Caller,
    ) -> Result<Vec<TypeCount>, AppError> {
        caller.require(Permission::ViewPartners)?;
        repo::count_by_type(self.db(), caller.scope())
            .await?
            .into_iter()
            .map(|row| {
                Ok(TypeCount {
                    partner_type: row.partner_type()?,
                    partners: row.partners,
                })
            })
            .collect()
    }
}

impl Qudao {
    /// The code of a partner's parent if the caller may see that parent.
    async fn visible_parent_code(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        row: &partner::Model,
    ) -> Result<Option<String>, AppError> {
        Ok(match row.parent_id {
            Some(id) => {
                store_scope::partner_by_id(db, scope_in(caller, Area::Partners), PartnerId(id))
                    .await?
                    .map(|p| p.code().to_owned())
            }
            None => None,
        })
    }
}

/// Region and grade codes of the partners a view shows, loaded once per
/// request (regions by the ids at hand; grades, a short table, whole).
pub(crate) struct Names {
    regions: HashMap<i64, region::Model>,
    grades: Arc<HashMap<i64, String>>,
}

impl Names {
    pub(crate) async fn load(
        db: &impl ConnectionTrait,
        rows: &[&partner::Model],
    ) -> Result<Self, AppError> {
        Self::for_regions(db, rows.iter().filter_map(|r| r.region_id).collect()).await
    }

    pub(crate) async fn for_regions(
        db: &impl ConnectionTrait,
        region_ids: Vec<i64>,
    ) -> Result<Self, AppError> {
        let regions = Self::regions(db, region_ids).await?;
        let grades = qudao_store::grades::list(db)
            .await?
            .into_iter()
            .map(|g| (g.id, g.code))
            .collect();
        Ok(Self {
            regions,
            grades: Arc::new(grades),
        })
    }

    async fn regions(
        db: &impl ConnectionTrait,
        mut ids: Vec<i64>,
    ) -> Result<HashMap<i64, region::Model>, AppError> {
        ids.sort_unstable();
        ids.dedup();
        Ok(qudao_store::territories::regions_by_ids(db, &ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect())
    }

    pub(crate) fn region_code(&self, id: i64) -> Option<String> {
        self.regions.get(&id).map(|r| r.code.clone())
    }

    pub(crate) fn grade_code(&self, id: i64) -> Option<String> {
        self.grades.get(&id).cloned()
    }

    fn region(&self, row: &partner::Model) -> Option<String> {
        row.region_id.and_then(|id| self.region_code(id))
    }

    fn grade(&self, row: &partner::Model) -> Option<String> {
        row.grade_id.and_then(|id| self.grades.get(&id).cloned())
    }
}

pub(crate) fn view_of(
    row: &partner::Model,
    parent_code: Option<String>,
    names: &Names,
) -> Result<PartnerView, AppError> {
    let region = row.region_id.and_then(|id| names.regions.get(&id));
    Ok(PartnerView {
        region_code: names.region(row),
        region_name: region.map(|r| r.name.clone()),
        region_name_en: region.and_then(|r| r.name_en.clone()),
        grade: names.grade(row),
        code: row.code.clone(),
        name: row.name.clone(),
        partner_type: row.partner_type()?,
        parent_hidden: row.parent_id.is_some() && parent_code.is_none(),
        parent_name: None,
        parent_code,
        depth: row.depth,
        status: row.status()?,
        created_at: row.created_at,
    })
}

fn change_of(row: qudao_store::partners::status_change::Model) -> Result<StatusChange, AppError> {
    Ok(StatusChange {
        from: row.from_status()?,
        to: row.to_status()?,
        reason: Some(row.reason),
        changed_by: Some(row.changed_by),
        changed_by_name: None,
        changed_at: row.changed_at,
    })
}

impl Qudao {
    /// The code of the caller's own partner organisation, for partner users.
    pub async fn own_partner_code(&self, caller: &Caller) -> Result<Option<String>, AppError> {
        match caller.partner_id {
            Some(id) => Ok(store_scope::partner_by_id(self.db(), caller.scope(), id)
                .await?
                .map(|p| p.code().to_owned())),
            None => Ok(None),
        }
    }
}

pub(crate) async fn insert_contact(
    tx: &WriteTx,
    partner: &Visible,
    contact: &Contact,
) -> Result<qudao_store::partners::contact::Model, AppError> {
    Ok(repo::insert_contact(tx, partner, stored(contact)).await?)
}

/// A contact as the store writes it.
fn stored(contact: &Contact) -> repo::NewContact<'_> {
    repo::NewContact {
        name: &contact.name,
        role: &contact.role,
        phone: contact.phone.as_deref(),
        email: contact.email.as_deref(),
        birthday: contact.birthday,
    }
}

fn contact_view(row: qudao_store::partners::contact::Model) -> ContactView {
    ContactView {
        id: row.id,
        name: row.name,
        role: row.role,
        phone: row.phone,
        email: row.email,
        birthday: row.birthday,
    }
}

/// A status history as the caller may read it: partner users see what
/// changed and when, not our reasons nor who made the change (DESIGN §6).
fn shown_status_history(caller: &Caller, mut history: Vec<StatusChange>) -> Vec<StatusChange> {
    if !crate::visibility::sees_internal(caller) {
        for change in &mut history {
            change.reason = None;
            change.changed_by = None;
            change.changed_by_name = None;
        }
    }
    history
}
