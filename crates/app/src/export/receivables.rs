//! Invoices and payments lists, and a partner's statement as a workbook.

use std::future::Future;
use std::pin::Pin;

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, sheet_to_xlsx, to_xlsx};
use crate::receivables::{InvoiceView, PaymentView, StatementView};
use crate::{AppError, Caller, Qudao};

pub(super) const INVOICES: ExportKind = ExportKind(&Exporter {
    name: "receivables",
    zh: "应收账款",
    filters: &["partner", "open"],
    run: invoices,
});

pub(super) const PAYMENTS: ExportKind = ExportKind(&Exporter {
    name: "payments",
    zh: "回款",
    filters: &[],
    run: payments,
});

fn invoices<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let open = query.get("open").is_some_and(|v| v == "1" || v == "true");
        let rows = app
            .invoices(caller, query.get("partner").as_deref(), open)
            .await?;
        to_xlsx(&rows, query.chinese)
    })
}

/// Every payment in scope, newest first (the list's pages, all of them).
fn payments<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let mut rows = Vec::new();
        for page in 1.. {
            let (batch, more) = app.payments(caller, page, 500).await?;
            rows.extend(batch);
            if !more {
                break;
            }
        }
        to_xlsx(&rows, query.chinese)
    })
}

impl Exportable for InvoiceView {
    const SHEET: &'static str = "receivables";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("number", "发票号"),
        ("partner_code", "渠道商编码"),
        ("partner_name", "渠道商名称"),
        ("currency", "币种"),
        ("amount", "金额"),
        ("open", "未收金额"),
        ("issued_on", "开票日期"),
        ("due_on", "到期日"),
        ("days_past_due", "逾期天数"),
    ];
    fn cells(&self, _chinese: bool) -> Vec<Cell> {
        vec![
            Cell::text(&self.number),
            Cell::text(&self.partner_code),
            Cell::text(&self.partner_name),
            Cell::text(&self.currency),
            Cell::Money(Some(self.amount.clone())),
            Cell::Money(Some(self.open.clone())),
            Cell::Date(Some(self.issued_on)),
            Cell::Date(Some(self.due_on)),
            Cell::text(
                self.days_past_due
                    .filter(|d| *d > 0)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ),
        ]
    }
}

impl Exportable for PaymentView {
    const SHEET: &'static str = "payments";
    /// The payments import's columns first, so an export imports back.
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("date", "日期"),
        ("partner", "渠道商"),
        ("amount", "金额"),
        ("currency", "币种"),
        ("reference", "银行流水号"),
        ("invoices", "发票号"),
        ("number", "回款单号"),
        ("on_account", "留存账户金额"),
    ];
    fn cells(&self, _chinese: bool) -> Vec<Cell> {
        vec![
            Cell::Date(Some(self.received_on)),
            Cell::text(&self.partner_code),
            Cell::Money(Some(self.amount.clone())),
            Cell::text(&self.currency),
            Cell::text(self.reference.clone().unwrap_or_default()),
            Cell::text(
                self.allocations
                    .iter()
                    .map(|a| a.invoice.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
            Cell::text(&self.number),
            Cell::Money(Some(self.on_account.clone())),
        ]
    }
}

/// A statement as one sheet: per currency, an opening row, the lines and a
/// closing row, with Chinese headers and words for a Chinese reader.
pub fn statement_xlsx(statement: &StatementView, chinese: bool) -> Result<Vec<u8>, AppError> {
    let words = |en: &'static str, zh: &'static str| if chinese { zh } else { en };
    let headers: Vec<String> = [
        ("date", "日期"),
        ("kind", "类型"),
        ("number", "单号"),
        ("due_on", "到期日"),
        ("currency", "币种"),
        ("amount", "金额"),
        ("balance", "余额"),
    ]
    .iter()
    .map(|(en, zh)| words(en, zh).to_owned())
    .collect();
    let kind = |kind: &str| match kind {
        "invoice" => words("invoice", "发票"),
        "credit_note" => words("credit note", "贷项通知"),
        _ => words("payment", "回款"),
    };
    let mut rows = Vec::new();
    for section in &statement.sections {
        let summary = |day, label: &'static str, balance: &str| {
            vec![
                Cell::Date(Some(day)),
                Cell::text(label),
                Cell::text(""),
                Cell::Date(None),
                Cell::text(&section.currency),
                Cell::Money(None),
                Cell::Money(Some(balance.to_owned())),
            ]
        };
        rows.push(summary(
            statement.from,
            words("opening balance", "期初余额"),
            &section.opening,
        ));
        for line in &section.lines {
            rows.push(vec![
                Cell::Date(Some(line.date)),
                Cell::text(kind(&line.kind)),
                Cell::text(&line.number),
                Cell::Date(line.due_on),
                Cell::text(&section.currency),
                Cell::Money(Some(line.amount.clone())),
                Cell::Money(Some(line.balance.clone())),
            ]);
        }
        rows.push(summary(
            statement.to,
            words("closing balance", "期末余额"),
            &section.closing,
        ));
    }
    sheet_to_xlsx(words("statement", "对账单"), &headers, rows.into_iter())
}
