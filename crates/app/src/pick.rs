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
        let rows = qudao_store::catalog::search_products(self.db(), text(q).as_deref(), PICK_LIMIT)
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
    /// or name holds `q`: for those who assign owners or manage users.
    pub async fn pick_users(&self, caller: &Caller, q: &str) -> Result<Vec<Choice>, AppError> {
        if !(caller.can(Permission::ManagePartners) || caller.can(Permission::ManageUsers)) {
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
