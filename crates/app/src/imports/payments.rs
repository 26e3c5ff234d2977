//! Payments from a bank's statement (finance). The partner is named by its
//! code or by its name as the bank wrote it; the payment pays the named
//! invoices (`;`-separated) oldest due first, else every open invoice of
//! the partner. A payment that would leave money unallocated is a row
//! error unless the import was run with the overpayment option
//! (`keep_overpayment`), which keeps it on the partner's account. A bank
//! reference recorded before, or twice in the file, is a duplicate.

use std::collections::HashMap;

use qudao_domain::{Invalid, Problem};
use qudao_store::receivables::Source;

use super::{Column, Outcome, Table, Values, finish, row_errors};
use crate::receivables::PaymentInput;
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "payments",
    Permission::ManageReceivables,
    upsert: false,
    |app, caller, table, options| app.import_payments(caller, table, options)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "date",
        zh: "日期",
        required: true,
        example: "2026-07-15",
        values: Values::Text,
    },
    Column {
        field: "partner",
        zh: "渠道商",
        required: true,
        example: "上海润泽贸易有限公司",
        values: Values::Text,
    },
    Column {
        field: "amount",
        zh: "金额",
        required: true,
        example: "12345.67",
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
        field: "reference",
        zh: "银行流水号",
        required: false,
        example: "CMB2026071500012",
        values: Values::Text,
    },
    Column {
        field: "invoices",
        zh: "发票号",
        required: false,
        example: "INV-2026-0412;INV-2026-0413",
        values: Values::Text,
    },
];

impl Qudao {
    async fn import_payments(
        &self,
        caller: &Caller,
        table: &Table,
        options: super::ImportOptions,
    ) -> Result<Outcome, AppError> {
        let tx = self.write().await?;
        // Partners by code and by name, as the caller sees them; a name two
        // partners share names neither.
        let mut payers: HashMap<String, Option<String>> = HashMap::new();
        for partner in
            qudao_store::scope::partners_in(&tx, scope_in(caller, Area::Receivables)).await?
        {
            let code = partner.code().to_owned();
            payers.insert(code.clone(), Some(code.clone()));
            payers
                .entry(partner.row().name.trim().to_owned())
                .and_modify(|found| *found = None)
                .or_insert(Some(code));
        }
        let mut outcome = Outcome::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (row, values) in &table.rows {
            let cell = |field| table.cell(values, field).trim().to_owned();
            let named = cell("partner");
            let Some(Some(partner)) = payers
                .get(&named)
                .or_else(|| payers.get(&named.to_uppercase()))
                .cloned()
            else {
                outcome.errors.push(table.error(
                    *row,
                    Invalid::new(
                        "partner",
                        Problem::Conflict {
                            rule: "payer_unknown",
                            with: named,
                        },
                    ),
                ));
                continue;
            };
            let reference = cell("reference");
            if !reference.is_empty()
                && let Some(first) = seen.insert(reference.clone(), *row)
            {
                outcome.errors.push(table.error(
                    *row,
                    Invalid::new(
                        "reference",
                        Problem::Conflict {
                            rule: "duplicate_in_file",
                            with: first.to_string(),
                        },
                    ),
                ));
                continue;
            }
            let input = PaymentInput {
                partner,
                currency: cell("currency"),
                amount: cell("amount"),
                received_on: cell("date"),
                reference,
                allocations: Vec::new(),
                pay: cell("invoices")
                    .split([';', '；', ','])
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect(),
                overpayment: if options.keep_overpayment {
                    "on_account".to_owned()
                } else {
                    String::new()
                },
            };
            match self
                .payment_in_tx(&tx, caller, &input, Source::Imported)
                .await
            {
                Ok(_) => outcome.created += 1,
                Err(err) => outcome.errors.extend(row_errors(table, *row, err)?),
            }
        }
        let wrote = outcome.created > 0 && outcome.errors.is_empty() && !options.dry_run;
        let outcome = finish(tx, outcome, options.dry_run).await?;
        if wrote {
            self.facts_committed(qudao_store::facts::FactKind::Payment)
                .await?;
        }
        Ok(outcome)
    }
}
