//! Pickers: the few records a search-as-you-type field offers for what the
//! user typed (code or name), within the caller's data scope and
//! permissions. Later areas (orders, targets, programs) reuse them.

use std::collections::HashMap;

use qudao_domain::territories::ancestor_ids;
use qudao_store::paging::{PageRequest, SortDir};
use qudao_store::partners::{self as partners_repo, PartnerFilter, PartnerSort};
use qudao_store::territories as regions_repo;
use serde::Serialize;

use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};

/// The most choices a picker offers; typing more narrows them.
pub const PICK_LIMIT: u64 = 20;

/// A name in Chinese and, where known, English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub name: String,
    pub name_en: Option<String>,
}

/// One record a picker offers: the code the form submits and the name the
/// user reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub code: String,
    pub label: Named,
    /// For a region, the regions it lies in, outermost first; else empty.
    pub path: Vec<Named>,
}

fn text(q: &str) -> Option<String> {
    let q = q.trim();
    (!q.is_empty()).then(|| q.to_owned())
}

impl Qudao {
    /// Products whose sku or either name holds `q`.
    pub async fn pick_products(&self, caller: &Caller, q: &str) -> Result<Vec<Choice>, AppError> {
        caller.require(Permission::ViewCatalog)?;
        self.product_choices(q, None).await
    }

    /// The order form's products: those the ordering partner may buy
    /// today, its channel (type and grade) admitted by the line's rules
    /// and a right on the line in force. A partner orders for its own
    /// organisation whatever `partner` says; staff name the partner, and
    /// before they have, every product is offered. A partner outside the
    /// caller's scope gets no choices, as if it did not exist.
    pub async fn pick_order_products(
        &self,
        caller: &Caller,
        q: &str,
        partner: &str,
    ) -> Result<Vec<Choice>, AppError> {
        caller.require(Permission::PlaceOrders)?;
        let scope = scope_in(caller, Area::Orders);
        let partner = match caller.partner_id {
            Some(id) if caller.role.is_partner_role() => {
                qudao_store::scope::partner_by_id(self.db(), scope, id).await?
            }
            _ if partner.trim().is_empty() => return self.product_choices(q, None).await,
            _ => match self.visible(self.db(), caller, Area::Orders, partner).await {
                Ok(found) => Some(found),
                // A name typed, not yet picked, is no partner either.
                Err(AppError::NotFound(_) | AppError::Invalid(_)) => None,
                Err(other) => return Err(other),
            },
        };
        let Some(partner) = partner else {
            return Ok(Vec::new());
        };
        let today = crate::today();
        let channel = self.channel_line_codes(&partner).await?;
        let rights = qudao_store::sellthrough::rights_of(self.db(), &[partner.id().0]).await?;
        let line_ids: Vec<i64> = qudao_store::catalog::lines(self.db())
            .await?
            .into_iter()
            .filter(|line| {
                channel.contains(&line.code)
                    && rights.iter().any(|r| {
                        r.product_line == line.code && r.valid_from <= today && today <= r.valid_to
                    })
            })
            .map(|line| line.id)
            .collect();
        self.product_choices(q, Some(&line_ids)).await
    }

    async fn product_choices(
        &self,
        q: &str,
        line_ids: Option<&[i64]>,
    ) -> Result<Vec<Choice>, AppError> {
        let rows = qudao_store::catalog::search_products(
            self.db(),
            text(q).as_deref(),
            line_ids,
            PICK_LIMIT,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| Choice {
                code: row.sku,
                label: Named {
                    name: row.name_zh,
                    name_en: Some(row.name_en),
                },
                path: Vec::new(),
            })
            .collect())
    }

    /// Partners in the caller's scope whose code or name holds `q`.
    pub async fn pick_partners(&self, caller: &Caller, q: &str) -> Result<Vec<Choice>, AppError> {
        caller.require(Permission::ViewPartners)?;
        let filter = PartnerFilter {
            text: text(q),
            ..PartnerFilter::default()
        };
        let rows = partners_repo::list(
            self.db(),
            scope_in(caller, Area::Partners),
            &filter,
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::new(Some(1), Some(PICK_LIMIT)),
        )
        .await?;
        Ok(rows
            .items
            .into_iter()
            .map(|row| Choice {
                code: row.code,
                label: Named {
                    name: row.name,
                    name_en: None,
                },
                path: Vec::new(),
            })
            .collect())
    }

    /// Regions whose code or either name holds `q` (the roots when `q` is
    /// empty), outermost first, each with the path of regions above it.
    pub async fn pick_regions(&self, caller: &Caller, q: &str) -> Result<Vec<Choice>, AppError> {
        caller.require(Permission::ViewTerritories)?;
        let filter = regions_repo::RegionFilter {
            parent: None,
            text: text(q),
            // The picker lists matches, not the roots' page order.
            english_names: false,
        };
        let rows = regions_repo::list_regions(
            self.db(),
            &filter,
            PageRequest::new(Some(1), Some(PICK_LIMIT)),
        )
        .await?
        .items;
        let mut above: Vec<i64> = rows.iter().flat_map(|r| ancestor_ids(&r.path)).collect();
        above.sort_unstable();
        above.dedup();
        let names: HashMap<i64, Named> = regions_repo::regions_by_ids(self.db(), &above)
            .await?
            .into_iter()
            .map(|r| {
                (
                    r.id,
                    Named {
                        name: r.name,
                        name_en: r.name_en,
                    },
                )
            })
            .collect();
        Ok(rows
            .into_iter()
            .map(|row| Choice {
                path: ancestor_ids(&row.path)
                    .iter()
                    .filter_map(|id| names.get(id).cloned())
                    .collect(),
                code: row.code,
                label: Named {
                    name: row.name,
                    name_en: row.name_en,
                },
            })
            .collect())
    }

    /// Active staff accounts (the people who may own partners) whose login
    /// or name holds `q`: for those who assign owners, manage users or
    /// adjust a rep's commission.
    pub async fn pick_users(&self, caller: &Caller, q: &str) -> Result<Vec<Choice>, AppError> {
        if !(caller.can(Permission::ManagePartners)
            || caller.can(Permission::ManageUsers)
            || caller.can(Permission::AdjustIncentives))
        {
            return Err(AppError::Forbidden);
        }
        let rows = qudao_store::admin::staff_matching(self.db(), q.trim(), PICK_LIMIT).await?;
        Ok(rows
            .into_iter()
            .map(|row| Choice {
                code: row.login,
                label: Named {
                    name: row.display_name,
                    name_en: None,
                },
                path: Vec::new(),
            })
            .collect())
    }

    /// Product lines (the records) whose code or name in either language
    /// holds `q`, by code. Lines are few, so they are matched in memory.
    pub async fn pick_product_lines(
        &self,
        caller: &Caller,
        q: &str,
    ) -> Result<Vec<Choice>, AppError> {
        caller.require(Permission::ViewTerritories)?;
        let q = q.trim().to_lowercase();
        Ok(qudao_store::catalog::lines(self.db())
            .await?
            .into_iter()
            .filter(|line| {
                q.is_empty()
                    || [&line.code, &line.name_zh, &line.name_en]
                        .iter()
                        .any(|text| text.to_lowercase().contains(&q))
            })
            .take(usize::try_from(PICK_LIMIT).unwrap_or(usize::MAX))
            .map(|line| Choice {
                code: line.code,
                label: Named {
                    name: line.name_zh,
                    name_en: Some(line.name_en),
                },
                path: Vec::new(),
            })
            .collect())
    }
}
