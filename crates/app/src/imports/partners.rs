//! Partners, with parents anywhere in the same file, through the bulk path
//! (DESIGN.md §3): every row is parsed and checked in memory against indexes
//! loaded once (codes taken, parents, owners, regions, grades); new partners
//! get ids allocated up front, so their tree paths are computed in memory;
//! then partners, status history, grade history and audit records are
//! written in batches through `store::bulk::insert`, all in one transaction.
//!
//! Audit: one record per imported partner (written in bulk), not one per
//! file, so a partner's own history shows where it came from, exactly as
//! for a partner made on the form. Its `after` names the partner's grade,
//! so an imported grade has no `change_grade` record of its own (its grade
//! history row says `import`): that second record per partner was 40 % of
//! the rows an import wrote and told nothing the first one does not.

use std::collections::{HashMap, HashSet};

use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::{PartnerCode, PartnerId, child_position};
use qudao_domain::{Invalid, Problem};
use qudao_store::grades::grade;
use qudao_store::partners::{self as repo, partner};
use qudao_store::scope::Visible;

use super::{
    Column, FieldChange, ImportMode, ImportOptions, Outcome, RowChange, Table, Values, finish,
};
use crate::audit::audit_entry;
use crate::partners::{Lookups, Names, NewPartnerRow, PartnerInput, RecordInput, view_of};
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "partners",
    Permission::ManagePartners,
    upsert: true,
    |app, caller, table, options| app.import_partners(caller, table, options)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "code",
        zh: "编码",
        required: true,
        example: "P10001",
        values: Values::Text,
    },
    Column {
        field: "name",
        zh: "名称",
        required: true,
        example: "上海示例商贸有限公司",
        values: Values::Text,
    },
    Column {
        field: "partner_type",
        zh: "类型",
        required: true,
        example: "distributor",
        values: Values::Named(super::values::PARTNER_TYPES),
    },
    Column {
        field: "grade",
        zh: "等级",
        required: false,
        example: "gold",
        values: Values::Grade,
    },
    Column {
        field: "parent_code",
        zh: "上级编码",
        required: false,
        example: "",
        values: Values::Text,
    },
    Column {
        field: "region_code",
        zh: "区域编码",
        required: false,
        example: "310000",
        values: Values::Region,
    },
    Column {
        field: "owner_login",
        zh: "负责人账号",
        required: false,
        example: "manager",
        values: Values::Text,
    },
    Column {
        field: "credit_limit",
        zh: "信用额度",
        required: false,
        example: "500000.00",
        values: Values::Text,
    },
    Column {
        field: "currency",
        zh: "币种",
        required: false,
        example: "CNY",
        values: Values::Text,
    },
    Column {
        field: "status",
        zh: "状态",
        required: false,
        example: "active",
        values: Values::Named(super::values::PARTNER_STATUSES),
    },
    Column {
        field: "address",
        zh: "地址",
        required: false,
        example: "上海市浦东新区世纪大道100号",
        values: Values::Text,
    },
];

/// A row that names an existing partner, in upsert mode.
struct Update {
    row: usize,
    existing: Visible,
    new: NewPartnerRow,
    grade: Option<grade::Model>,
    owner_login: Option<String>,
}

fn rule(field: &'static str, rule: &'static str) -> Invalid {
    Invalid::new(field, Problem::Rule { rule })
}

impl Qudao {
    async fn import_partners(
        &self,
        caller: &Caller,
        table: &Table,
        options: ImportOptions,
    ) -> Result<Outcome, AppError> {
        let upsert = options.mode == ImportMode::Upsert;
        let mut errors = Vec::new();
        let inputs: Vec<(usize, PartnerInput)> = table
            .rows
            .iter()
            .map(|(row, values)| {
                let text =
                    |field| Some(table.cell(values, field).to_owned()).filter(|v| !v.is_empty());
                let input = PartnerInput {
                    code: table.cell(values, "code").to_owned(),
                    name: table.cell(values, "name").to_owned(),
                    partner_type: table.cell(values, "partner_type").to_owned(),
                    parent_code: text("parent_code"),
                    owner_login: text("owner_login"),
                    status: text("status"),
                    record: RecordInput {
                        region_code: text("region_code"),
                        address: text("address"),
                        credit_limit: text("credit_limit"),
                        currency: text("currency"),
                    },
                };
                (*row, input)
            })
            .collect();
        // Everything the checks read is read inside the write transaction,
        // so what they found still holds when the rows are written.
        let tx = self.write().await?;

        // Codes: unique within the file; taken ones are updates (upsert, and
        // only of partners in scope) or errors.
        let mut first_row_of: HashMap<String, usize> = HashMap::new();
        for (row, input) in &inputs {
            let Ok(code) = PartnerCode::parse(&input.code) else {
                continue;
            };
            if let Some(first) = first_row_of.get(code.as_str()) {
                errors.push(table.error(
                    *row,
                    Invalid::new(
                        "code",
                        Problem::Conflict {
                            rule: "duplicate_in_file",
                            with: first.to_string(),
                        },
                    ),
                ));
            } else {
                first_row_of.insert(code.as_str().to_owned(), *row);
            }
        }
        let in_file: Vec<String> = first_row_of.keys().cloned().collect();
        let taken: Vec<String> = repo::taken_codes(&tx, &in_file).await?;
        let mut existing: HashMap<String, Visible> = HashMap::new();
        if upsert {
            existing.extend(
                qudao_store::scope::partners_by_codes(&tx, caller.scope(), &taken)
                    .await?
                    .into_iter()
                    .map(|p| (p.code().to_owned(), p)),
            );
        }
        let taken: HashSet<String> = taken.into_iter().collect();

        let mut lookups = Lookups::new(&tx, caller.scope());
        let mut parent_codes: Vec<String> = inputs
            .iter()
            .filter_map(|(_, input)| input.parent_code.as_deref())
            .filter_map(|raw| PartnerCode::parse(raw).ok())
            .map(|code| code.as_str().to_owned())
            .collect();
        parent_codes.sort_unstable();
        parent_codes.dedup();
        lookups.prefetch_parents(parent_codes).await?;
        let grades: HashMap<String, grade::Model> = qudao_store::grades::list(&tx)
            .await?
            .into_iter()
            .map(|g| (g.code.clone(), g))
            .collect();
        let mut grade_of_row: HashMap<usize, grade::Model> = HashMap::new();
        for (row, values) in &table.rows {
            let raw = table.cell(values, "grade");
            if raw.is_empty() {
                continue;
            }
            match grades.get(raw) {
                Some(grade) => {
                    grade_of_row.insert(*row, grade.clone());
                }
                None => errors.push(table.error(*row, rule("grade", "grade_must_exist"))),
            }
        }
        let mut parsed = Vec::with_capacity(inputs.len());
        let mut updates = Vec::new();
        for (row, input) in &inputs {
            let new = NewPartnerRow::parse(input, caller, &mut lookups, |code| {
                first_row_of.contains_key(code.as_str())
            })
            .await?;
            match new {
                Ok(new) if taken.contains(new.code.as_str()) => {
                    match existing.get(new.code.as_str()) {
                        Some(stored) => match update_problem(stored, &new, input) {
                            Some(invalid) => errors.push(table.error(*row, invalid)),
                            None => updates.push(Update {
                                row: *row,
                                existing: stored.clone(),
                                grade: grade_of_row.get(row).cloned(),
                                owner_login: input.owner_login.clone(),
                                new,
                            }),
                        },
                        None => errors.push(table.error(*row, rule("code", "code_taken"))),
                    }
                }
                Ok(new) => parsed.push((*row, new)),
                Err(invalid) => errors.extend(invalid.into_iter().map(|i| table.error(*row, i))),
            }
        }
        drop(lookups);
        if !errors.is_empty() {
            return finish(tx, Outcome::rejected(errors), options.dry_run).await;
        }
        let placed = place(&tx, table, parsed, &grade_of_row, &mut errors).await?;
        if !errors.is_empty() {
            return finish(tx, Outcome::rejected(errors), options.dry_run).await;
        }
        let mut region_ids: Vec<i64> = placed.iter().filter_map(|(p, _)| p.region_id).collect();
        for update in &updates {
            region_ids.extend(update.existing.row().region_id);
            region_ids.extend(update.new.record.region_id);
        }
        let names = Names::for_regions(&tx, region_ids).await?;
        let rows: Vec<partner::Model> = placed.iter().map(|(p, _)| p.clone()).collect();
        repo::insert_placed(&tx, &rows, &caller.login).await?;
        let graded: Vec<(i64, i64)> = rows
            .iter()
            .filter_map(|p| p.grade_id.map(|g| (p.id, g)))
            .collect();
        qudao_store::grades::record_first_grades(&tx, &graded, "import", &caller.login).await?;
        let mut audits = Vec::with_capacity(rows.len());
        for (row, parent_code) in &placed {
            let view = view_of(row, parent_code.clone(), &names)?;
            audits.push(audit_entry(
                caller,
                "partner",
                &row.code,
                "import",
                None,
                serde_json::to_value(&view).ok(),
            ));
        }
        qudao_store::audit::record_many(&tx, audits).await?;
        let mut outcome = Outcome {
            created: rows.len(),
            ..Outcome::default()
        };
        for update in updates {
            match self.apply_update(&tx, caller, update, &names).await? {
                Some(change) => outcome.updated.push(change),
                None => outcome.unchanged += 1,
            }
        }
        finish(tx, outcome, options.dry_run).await
    }

    /// Writes one upsert row's changes, if it has any, with an `update`
    /// audit record (and the grade's own history and record).
    async fn apply_update(
        &self,
        tx: &qudao_store::WriteTx,
        caller: &Caller,
        update: Update,
        names: &Names,
    ) -> Result<Option<RowChange>, AppError> {
        let Update {
            row,
            existing,
            new,
            grade,
            owner_login,
        } = update;
        let login_of = |id: Option<i64>| async move {
            Ok::<_, AppError>(match id {
                Some(id) => qudao_store::admin::find_user(tx, id)
                    .await?
                    .map(|u| u.login),
                None => None,
            })
        };
        let old = existing.row().clone();
        let money = |minor: Option<i64>, currency: Currency| {
            minor.map(|m| Money::from_minor(m, currency).amount_text())
        };
        let mut changes = Vec::new();
        let mut change = |field, before: Option<String>, after: Option<String>| {
            if before != after {
                changes.push(FieldChange {
                    field,
                    before,
                    after,
                });
            }
        };
        change(
            "name",
            Some(old.name.clone()),
            Some(new.name.as_str().to_owned()),
        );
        change(
            "partner_type",
            Some(old.partner_type.clone()),
            Some(new.partner_type.as_str().to_owned()),
        );
        if old.owner_id != new.owner_id {
            let after = match owner_login {
                Some(login) => Some(login),
                None => login_of(new.owner_id).await?,
            };
            change("owner_login", login_of(old.owner_id).await?, after);
        }
        let region = |id: Option<i64>| id.and_then(|id| names.region_code(id));
        change(
            "region_code",
            region(old.region_id),
            region(new.record.region_id),
        );
        change(
            "credit_limit",
            money(old.credit_limit, old.currency()?),
            money(new.record.credit_limit, new.record.currency),
        );
        change(
            "currency",
            Some(old.currency.clone()),
            Some(new.record.currency.as_str().to_owned()),
        );
        change("address", old.address.clone(), new.record.address.clone());
        // An empty grade cell keeps the partner's grade: grades move by
        // their own rules, and a file without the column must not clear them.
        let new_grade = grade.filter(|g| Some(g.id) != old.grade_id);
        if let Some(grade) = &new_grade {
            change(
                "grade",
                old.grade_id.and_then(|id| names.grade_code(id)),
                Some(grade.code.clone()),
            );
        }
        if changes.is_empty() {
            return Ok(None);
        }
        let before = view_of(&old, None, names)?;
        // A file carries no date for a change of owner: it takes effect
        // today, which no earlier move or closed month can refuse.
        let owner_move =
            crate::owner_moves::owner_move(tx, &existing, new.owner_id, None, &caller.login)
                .await?
                .map_err(|invalid| AppError::Invalid(vec![invalid]))?;
        let stored = repo::update_record(
            tx,
            existing,
            new.name.as_str(),
            new.partner_type,
            owner_move.as_ref(),
            &new.record,
        )
        .await?;
        if let Some(grade) = &new_grade {
            let reason = qudao_domain::partners::Reason::parse("import")
                .map_err(|e| AppError::Internal(e.to_string()))?;
            self.set_partner_grade_in(tx, caller, &stored, grade, &reason)
                .await?;
        }
        let mut stored = stored.into_row();
        if let Some(grade) = &new_grade {
            stored.grade_id = Some(grade.id);
        }
        let after = view_of(&stored, None, names)?;
        self.audit(
            tx,
            caller,
            "partner",
            &stored.code,
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        Ok(Some(RowChange {
            row,
            code: stored.code,
            changes,
        }))
    }
}

/// Why an upsert row may not update its partner, if it may not: a row
/// moves no partner in the tree (a move carries its whole subtree and is
/// made on the partner's page) and changes no status (statuses change by
/// their own transitions, with a reason).
fn update_problem(
    existing: &Visible,
    new: &NewPartnerRow,
    input: &PartnerInput,
) -> Option<Invalid> {
    let parent_id = match &new.parent {
        None => None,
        Some(Ok(parent)) => Some(parent.id().0),
        Some(Err(_)) => Some(0),
    };
    let existing = existing.row();
    if parent_id != existing.parent_id {
        return Some(rule("parent_code", "upsert_keeps_parent"));
    }
    if input.status.is_some() && new.status.as_str() != existing.status {
        return Some(rule("status", "upsert_keeps_status"));
    }
    None
}

/// Places new partners in the tree, parents before children, with ids
/// allocated for all of them at once. A row whose parent row was refused is
/// refused naming that row; rows that still cannot be placed form a loop.
/// Returns each placed partner with its parent's code, parents first.
async fn place(
    tx: &qudao_store::WriteTx,
    table: &Table,
    parsed: Vec<(usize, NewPartnerRow)>,
    grade_of_row: &HashMap<usize, grade::Model>,
    errors: &mut Vec<super::RowError>,
) -> Result<Vec<(partner::Model, Option<String>)>, AppError> {
    let ids = qudao_store::bulk::allocate_ids(tx, "partners", parsed.len()).await?;
    let mut ids = ids.into_iter();
    let now = qudao_store::now();
    let mut placed: Vec<(partner::Model, Option<String>)> = Vec::with_capacity(parsed.len());
    // Code → index in `placed`, and code → row of a refused partner.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut refused: HashMap<String, usize> = HashMap::new();
    let mut pending = parsed;
    loop {
        let before = pending.len();
        let mut waiting = Vec::new();
        for (row, new) in pending {
            let parent: Option<(i64, String, i32, String)> = match &new.parent {
                None => None,
                Some(Ok(stored)) => {
                    let stored = stored.row();
                    Some((
                        stored.id,
                        stored.path.clone(),
                        stored.depth,
                        stored.code.clone(),
                    ))
                }
                Some(Err(code)) => {
                    if let Some(&at) = index.get(code.as_str()) {
                        let p = &placed[at].0;
                        Some((p.id, p.path.clone(), p.depth, p.code.clone()))
                    } else if let Some(&parent_row) = refused.get(code.as_str()) {
                        errors.push(table.error(
                            row,
                            Invalid::new(
                                "parent_code",
                                Problem::Conflict {
                                    rule: "parent_refused",
                                    with: parent_row.to_string(),
                                },
                            ),
                        ));
                        refused.insert(new.code.as_str().to_owned(), row);
                        continue;
                    } else {
                        waiting.push((row, new));
                        continue;
                    }
                }
            };
            let id = ids
                .next()
                .ok_or_else(|| AppError::Internal("fewer ids than partners".to_owned()))?;
            let position = parent
                .as_ref()
                .map(|(_, path, depth, _)| (path.as_str(), *depth));
            match child_position(position, PartnerId(id)) {
                Ok((path, depth)) => {
                    let model = partner::Model {
                        id,
                        code: new.code.as_str().to_owned(),
                        name: new.name.as_str().to_owned(),
                        partner_type: new.partner_type.as_str().to_owned(),
                        parent_id: parent.as_ref().map(|(id, ..)| *id),
                        depth,
                        path,
                        owner_id: new.owner_id,
                        status: new.status.as_str().to_owned(),
                        region_id: new.record.region_id,
                        address: new.record.address.clone(),
                        credit_limit: new.record.credit_limit,
                        currency: new.record.currency.as_str().to_owned(),
                        grade_id: grade_of_row.get(&row).map(|g| g.id),
                        created_at: now,
                        updated_at: now,
                    };
                    index.insert(model.code.clone(), placed.len());
                    placed.push((model, parent.map(|(.., code)| code)));
                }
                Err(invalid) => {
                    errors.push(table.error(row, invalid));
                    refused.insert(new.code.as_str().to_owned(), row);
                }
            }
        }
        pending = waiting;
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    for (row, _) in &pending {
        errors.push(table.error(*row, rule("parent_code", "partner_cycle")));
    }
    Ok(placed)
}
