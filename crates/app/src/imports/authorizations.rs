//! Territory rights of partners in the importing user's scope, through the
//! bulk path: rows are parsed against partners and regions looked up once,
//! each product line's holdings are loaded once into a [`HoldingIndex`], and
//! every row is checked in memory against the rights in its region, above
//! and inside it (those granted and the rows above it in the file), so the
//! cost of a row does not grow as the line fills up. The rights and one
//! audit record each are then written in batches through `store::bulk::insert`.

use std::collections::{BTreeMap, HashMap};

use qudao_domain::dates::DateRange;
use qudao_domain::partners::{PartnerCode, PartnerId, PartnerStatus};
use qudao_domain::territories::{
    ANY_PRODUCT_LINE, AuthorizationMode, DEFAULT_SELECTIVE_LIMIT, Holding, HoldingIndex,
    ProductLine, authorization_code,
};
use qudao_domain::{Invalid, Problem};
use qudao_store::partners::partner;
use qudao_store::territories::{self as repo, AuthorizationRow, region};

use super::{Column, Outcome, Table, Values, finish};
use crate::audit::audit_entry;
use crate::error::AllFields;
use crate::territories::{authorization_view, describe};
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "authorizations",
    Permission::ManageTerritories,
    upsert: false,
    |app, caller, table, options| app.import_authorizations(caller, table, options.dry_run)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "partner_code",
        zh: "合作伙伴编码",
        required: true,
        example: "P10001",
        values: Values::Text,
    },
    Column {
        field: "region_code",
        zh: "区域编码",
        required: true,
        example: "310000",
        values: Values::Region,
    },
    Column {
        field: "product_line",
        zh: "产品线",
        required: true,
        example: "TEA",
        values: Values::Text,
    },
    Column {
        field: "mode",
        zh: "授权方式",
        required: true,
        example: "exclusive",
        values: Values::Named(super::values::AUTHORIZATION_MODES),
    },
    Column {
        field: "valid_from",
        zh: "生效日期",
        required: true,
        example: "2026-01-01",
        values: Values::Text,
    },
    Column {
        field: "valid_to",
        zh: "失效日期",
        required: true,
        example: "2026-12-31",
        values: Values::Text,
    },
];

/// A row that parsed: who, where, what, how and when.
struct Grant {
    row: usize,
    partner: partner::Model,
    region: region::Model,
    product_line: ProductLine,
    mode: AuthorizationMode,
    valid: DateRange,
}

/// One product line's rights as the import sees them: indexed for the
/// check, with how a collision names each (an existing right by its code,
/// a right of this file by its row).
struct Line {
    index: HoldingIndex,
    named: Vec<String>,
    selective_limit: u32,
}

impl Qudao {
    async fn import_authorizations(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<Outcome, AppError> {
        let mut errors = Vec::new();
        let mut codes: Vec<String> = table
            .rows
            .iter()
            .filter_map(|(_, values)| PartnerCode::parse(table.cell(values, "partner_code")).ok())
            .map(|code| code.as_str().to_owned())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let partners: HashMap<String, partner::Model> =
            qudao_store::scope::partners_by_codes(self.db(), caller.scope(), &codes)
                .await?
                .into_iter()
                .map(|p| (p.code().to_owned(), p.into_row()))
                .collect();
        let mut regions: HashMap<String, Option<region::Model>> = HashMap::new();
        let known_lines = self.lines_by_code(self.db()).await?;
        let mut grants = Vec::with_capacity(table.rows.len());
        for (row, values) in &table.rows {
            let cell = |field| table.cell(values, field);
            let partner = PartnerCode::parse(cell("partner_code"))
                .ok()
                .and_then(|code| partners.get(code.as_str()).cloned());
            let partner = match partner {
                None => Err(Invalid::new(
                    "partner_code",
                    Problem::Rule {
                        rule: "partner_must_exist",
                    },
                )),
                Some(p) if p.status == PartnerStatus::Terminated.as_str() => Err(Invalid::new(
                    "partner_code",
                    Problem::Rule {
                        rule: "partner_terminated",
                    },
                )),
                Some(p) => Ok(p),
            };
            let raw_region = cell("region_code");
            let region = if raw_region.is_empty() {
                Err(Invalid::new("region_code", Problem::Required))
            } else {
                if !regions.contains_key(raw_region) {
                    let found = self.region_row(self.db(), raw_region).await?;
                    regions.insert(raw_region.to_owned(), found);
                }
                regions.get(raw_region).cloned().flatten().ok_or_else(|| {
                    Invalid::new(
                        "region_code",
                        Problem::Rule {
                            rule: "region_must_exist",
                        },
                    )
                })
            };
            let parsed = (
                partner,
                region,
                ProductLine::parse("product_line", cell("product_line")).and_then(|line| {
                    if known_lines.contains_key(line.as_str()) {
                        Ok(line)
                    } else {
                        Err(Invalid::new(
                            "product_line",
                            Problem::Rule {
                                rule: "product_line_must_exist",
                            },
                        ))
                    }
                }),
                AuthorizationMode::parse(cell("mode")),
                DateRange::parse_validity(cell("valid_from"), cell("valid_to")),
            )
                .all();
            match parsed {
                Ok((partner, region, product_line, mode, valid)) => grants.push(Grant {
                    row: *row,
                    partner,
                    region,
                    product_line,
                    mode,
                    valid,
                }),
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|i| table.error(*row, i)));
                }
            }
        }
        if !errors.is_empty() {
            return Ok(Outcome::rejected(errors));
        }

        let tx = self.write().await?;
        // Lines in a fixed order, so two imports lock them in the same order.
        let mut lines: BTreeMap<String, Line> = BTreeMap::new();
        for grant in &grants {
            lines
                .entry(grant.product_line.as_str().to_owned())
                .or_insert_with(|| Line {
                    index: HoldingIndex::default(),
                    named: Vec::new(),
                    selective_limit: DEFAULT_SELECTIVE_LIMIT,
                });
        }
        for (name, line) in &mut lines {
            let product_line = ProductLine::parse("product_line", name)?;
            for held in repo::line_holdings(&tx, name).await? {
                line.index.insert(Holding {
                    partner: PartnerId(held.partner_id),
                    region_path: held.region_path.clone(),
                    product_line: product_line.clone(),
                    valid: DateRange::new(held.valid_from, held.valid_to, "valid_to")?,
                    mode: AuthorizationMode::parse(&held.mode)?,
                });
                line.named.push(describe(&held));
            }
            if let Some(limit) = repo::selective_limit_for(&tx, name, ANY_PRODUCT_LINE)
                .await?
                .and_then(|n| u32::try_from(n).ok())
            {
                line.selective_limit = limit;
            }
        }
        let ids = qudao_store::bulk::allocate_ids(&tx, "authorizations", grants.len()).await?;
        let now = qudao_store::now();
        let mut granted = Vec::with_capacity(grants.len());
        for (grant, id) in grants.into_iter().zip(ids) {
            let Some(line) = lines.get_mut(grant.product_line.as_str()) else {
                return Err(AppError::Internal("product line not loaded".to_owned()));
            };
            let candidate = Holding {
                partner: PartnerId(grant.partner.id),
                region_path: grant.region.path.clone(),
                product_line: grant.product_line.clone(),
                valid: grant.valid,
                mode: grant.mode,
            };
            // Only the selective rule reads the limit.
            let limit = match grant.mode {
                AuthorizationMode::Selective => line.selective_limit,
                _ => DEFAULT_SELECTIVE_LIMIT,
            };
            if let Err(collision) = line.index.check(&candidate, limit) {
                let with = collision
                    .with
                    .iter()
                    .filter_map(|&i| line.named.get(i))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ");
                errors.push(table.error(
                    grant.row,
                    Invalid::new(
                        "region_code",
                        Problem::Conflict {
                            rule: collision.rule,
                            with,
                        },
                    ),
                ));
                continue;
            }
            line.index.insert(candidate);
            line.named.push(format!(
                "#{} ({} {} {} – {})",
                grant.row,
                grant.partner.code,
                grant.region.name,
                grant.valid.from(),
                grant.valid.to()
            ));
            granted.push(AuthorizationRow {
                id,
                code: authorization_code(id),
                partner_id: grant.partner.id,
                partner_code: grant.partner.code,
                partner_name: grant.partner.name,
                partner_status: grant.partner.status,
                region_id: grant.region.id,
                region_code: grant.region.code,
                region_name: grant.region.name,
                region_path: grant.region.path,
                product_line: grant.product_line.as_str().to_owned(),
                mode: grant.mode.as_str().to_owned(),
                valid_from: grant.valid.from(),
                valid_to: grant.valid.to(),
                ended_at: None,
                ended_by: None,
                end_reason: None,
                created_by: caller.login.clone(),
                created_at: now,
            });
        }
        if !errors.is_empty() {
            return finish(tx, Outcome::rejected(errors), dry_run).await;
        }
        let models: Vec<repo::authorization::Model> = granted
            .iter()
            .map(|g| repo::authorization::Model {
                id: g.id,
                code: g.code.clone(),
                partner_id: g.partner_id,
                region_id: g.region_id,
                product_line: g.product_line.clone(),
                mode: g.mode.clone(),
                valid_from: g.valid_from,
                valid_to: g.valid_to,
                ended_at: None,
                ended_by: None,
                end_reason: None,
                created_by: g.created_by.clone(),
                created_at: now,
                updated_at: now,
            })
            .collect();
        repo::insert_authorizations(&tx, &models).await?;
        let audits = granted
            .into_iter()
            .map(|row| {
                let view = authorization_view(row)?;
                let after = serde_json::to_value(&view).ok();
                Ok((view.code, after))
            })
            .collect::<Result<Vec<_>, qudao_store::StoreError>>()?;
        qudao_store::audit::record_many(
            &tx,
            audits
                .iter()
                .map(|(code, after)| {
                    audit_entry(caller, "authorization", code, "create", None, after.clone())
                })
                .collect(),
        )
        .await?;
        let outcome = Outcome {
            created: models.len(),
            ..Outcome::default()
        };
        finish(tx, outcome, dry_run).await
    }
}
