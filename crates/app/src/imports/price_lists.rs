//! Price lists, one row per item with the list's own fields repeated on
//! each of its rows, so a clerk can sort and filter one sheet in Excel.
//! A row whose product and price are empty names a list without items (a
//! draft being prepared). Each list is written through the pricing use
//! cases' own checks (`Qudao::import_price_list`): the item rules of
//! `qudao_domain::pricing` and, for an active list, the overlap rule
//! against the active lists and the lists above it in the file.

use std::collections::HashMap;

use qudao_domain::pricing::PriceListStatus;
use qudao_domain::{Invalid, Problem};
use qudao_store::Aggregate;

use super::values::{PARTNER_TYPES, PRICE_LIST_STATUSES, PRICE_MODES};
use super::{Column, Outcome, RowError, Table, Values, finish};
use crate::pricing::{ListRefusal, PriceItemInput, PriceListInput, parse_break_text};
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "price-lists",
    Permission::ManagePriceLists,
    upsert: false,
    |app, caller, table, options| app.import_price_lists(caller, table, options)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "code",
        zh: "价格表编码",
        required: true,
        example: "PL-DIST-2027",
        values: Values::Text,
    },
    Column {
        field: "name",
        zh: "名称",
        required: true,
        example: "2027 经销商统一价",
        values: Values::Text,
    },
    Column {
        field: "name_en",
        zh: "英文名称",
        required: false,
        example: "Distributors 2027",
        values: Values::Text,
    },
    Column {
        field: "partner_type",
        zh: "伙伴类型",
        required: false,
        example: "distributor",
        values: Values::Named(PARTNER_TYPES),
    },
    Column {
        field: "grade",
        zh: "等级",
        required: false,
        example: "",
        values: Values::Grade,
    },
    Column {
        field: "partner_code",
        zh: "合作伙伴编码",
        required: false,
        example: "",
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
        field: "mode",
        zh: "定价方式",
        required: true,
        example: "flexible",
        values: Values::Named(PRICE_MODES),
    },
    Column {
        field: "valid_from",
        zh: "生效日期",
        required: true,
        example: "2027-01-01",
        values: Values::Text,
    },
    Column {
        field: "valid_to",
        zh: "失效日期",
        required: true,
        example: "2027-12-31",
        values: Values::Text,
    },
    Column {
        field: "status",
        zh: "状态",
        required: false,
        example: "active",
        values: Values::Named(PRICE_LIST_STATUSES),
    },
    Column {
        field: "sku",
        zh: "产品编码",
        required: true,
        example: "TEA-LJ-250G",
        values: Values::Text,
    },
    Column {
        field: "price",
        zh: "价格",
        required: true,
        example: "128.00",
        values: Values::Text,
    },
    Column {
        field: "min",
        zh: "最低价",
        required: false,
        example: "115.00",
        values: Values::Text,
    },
    Column {
        field: "max",
        zh: "最高价",
        required: false,
        example: "140.00",
        values: Values::Text,
    },
    Column {
        field: "downstream_min",
        zh: "下级最低价",
        required: false,
        example: "",
        values: Values::Text,
    },
    Column {
        field: "downstream_max",
        zh: "下级最高价",
        required: false,
        example: "",
        values: Values::Text,
    },
    Column {
        field: "breaks",
        zh: "阶梯价",
        required: false,
        example: "10=120.00; 50=116.00",
        values: Values::Text,
    },
];

/// The columns every row of one list repeats.
const HEAD: &[&str] = &[
    "name",
    "name_en",
    "partner_type",
    "grade",
    "partner_code",
    "currency",
    "mode",
    "valid_from",
    "valid_to",
    "status",
];

/// The three ways to say whom a list prices for, with the `applies_to`
/// each means; a row fills exactly one.
const TARGETS: &[(&str, &str)] = &[
    ("partner_type", "partner_type"),
    ("grade", "grade"),
    ("partner_code", "partner"),
];

/// One list as the file holds it: its first row, and its items with
/// their rows.
struct FileList {
    first: usize,
    input: PriceListInput,
    /// The file's status for the list, or why the list is refused
    /// before its checks (no status of that name, no single target).
    status: Result<PriceListStatus, Invalid>,
    /// The column naming the target, for the target's problems.
    target_field: &'static str,
    item_rows: Vec<usize>,
}

impl Qudao {
    async fn import_price_lists(
        &self,
        caller: &Caller,
        table: &Table,
        options: super::ImportOptions,
    ) -> Result<Outcome, AppError> {
        let mut outcome = Outcome::default();
        let lists = group(table, &mut outcome.errors);
        let tx = self.write().await?;
        // Activations in the file are checked against each other inside
        // this transaction, so no other writer may activate meanwhile.
        tx.lock(Aggregate::PriceLists).await?;
        for list in lists {
            let status = match list.status {
                Ok(status) => status,
                Err(invalid) => {
                    outcome.errors.push(table.error(list.first, invalid));
                    continue;
                }
            };
            match self
                .import_price_list(&tx, caller, &list.input, status)
                .await?
            {
                Ok(()) => outcome.created += 1,
                Err(ListRefusal { head, items }) => {
                    for invalid in head {
                        let invalid = rename(invalid, list.target_field);
                        outcome.errors.push(table.error(list.first, invalid));
                    }
                    for (at, invalid) in items {
                        let row = list.item_rows.get(at).copied().unwrap_or(list.first);
                        outcome
                            .errors
                            .push(table.error(row, rename(invalid, list.target_field)));
                    }
                }
            }
        }
        finish(tx, outcome, options.dry_run).await
    }
}

/// The rules name a break's parts and a list's target by their own fields;
/// the file has one column for each.
fn rename(mut invalid: Invalid, target_field: &'static str) -> Invalid {
    invalid.field = match invalid.field {
        "from_qty" | "break_price" => "breaks",
        "target" | "applies_to" => target_field,
        other => other,
    };
    invalid
}

/// The file's rows as lists, in the order their codes first appear. A row
/// that disagrees with its list's first row about the list, or repeats a
/// product of its list, is reported here.
fn group(table: &Table, errors: &mut Vec<RowError>) -> Vec<FileList> {
    let mut lists: Vec<FileList> = Vec::new();
    let mut by_code: HashMap<String, usize> = HashMap::new();
    let mut skus: HashMap<(usize, String), usize> = HashMap::new();
    for (row, values) in &table.rows {
        let cell = |field: &str| table.cell(values, field).to_owned();
        let code = cell("code").to_uppercase();
        let at = match by_code.get(&code) {
            Some(&at) => {
                let first = lists[at].first;
                let first_values = table
                    .rows
                    .iter()
                    .find(|(r, _)| *r == first)
                    .map(|(_, v)| v.as_slice())
                    .unwrap_or_default();
                for &field in HEAD {
                    if table.cell(values, field) != table.cell(first_values, field) {
                        errors.push(table.error(
                            *row,
                            Invalid::new(
                                field,
                                Problem::Conflict {
                                    rule: "price_list_head_differs",
                                    with: first.to_string(),
                                },
                            ),
                        ));
                    }
                }
                at
            }
            None => {
                let filled: Vec<&(&str, &str)> = TARGETS
                    .iter()
                    .filter(|(field, _)| !table.cell(values, field).is_empty())
                    .collect();
                let status = match cell("status") {
                    empty if empty.is_empty() => Ok(PriceListStatus::Draft),
                    status => PriceListStatus::parse(&status),
                };
                // A list without one target is refused before its checks,
                // which would only repeat that it has none.
                let (target_field, applies_to, target, status) = match filled.as_slice() {
                    [(field, kind)] => (*field, (*kind).to_owned(), cell(field), status),
                    _ => (
                        "partner_type",
                        String::new(),
                        String::new(),
                        Err(Invalid::new(
                            "partner_type",
                            Problem::Rule {
                                rule: "price_target_one_column",
                            },
                        )),
                    ),
                };
                lists.push(FileList {
                    first: *row,
                    input: PriceListInput {
                        code: code.clone(),
                        name: cell("name"),
                        name_en: cell("name_en"),
                        applies_to,
                        target,
                        currency: cell("currency"),
                        mode: cell("mode"),
                        valid_from: cell("valid_from"),
                        valid_to: cell("valid_to"),
                        items: Some(Vec::new()),
                    },
                    status,
                    target_field,
                    item_rows: Vec::new(),
                });
                by_code.insert(code, lists.len() - 1);
                lists.len() - 1
            }
        };
        let item = [
            "sku",
            "price",
            "min",
            "max",
            "downstream_min",
            "downstream_max",
            "breaks",
        ]
        .iter()
        .any(|field| !table.cell(values, field).is_empty());
        if !item {
            continue;
        }
        let sku = cell("sku").to_uppercase();
        if !sku.is_empty()
            && let Some(earlier) = skus.insert((at, sku), *row)
        {
            errors.push(table.error(
                *row,
                Invalid::new(
                    "sku",
                    Problem::Conflict {
                        rule: "duplicate_in_file",
                        with: earlier.to_string(),
                    },
                ),
            ));
            continue;
        }
        let breaks = match parse_break_text(&cell("breaks")) {
            Ok(breaks) => breaks,
            Err(invalid) => {
                errors.push(table.error(*row, invalid));
                continue;
            }
        };
        let list = &mut lists[at];
        list.item_rows.push(*row);
        if let Some(items) = list.input.items.as_mut() {
            items.push(PriceItemInput {
                sku: cell("sku"),
                price: cell("price"),
                min: Some(cell("min")),
                max: Some(cell("max")),
                downstream_min: Some(cell("downstream_min")),
                downstream_max: Some(cell("downstream_max")),
                breaks,
            });
        }
    }
    lists
}
