//! The accruals' journal (预提凭证): one line per program with the month's
//! movement, expense debited and the payable credited by the program's
//! kind, dated the month's end, for finance to post.

use super::{Cell, sheet_to_xlsx};
use crate::AppError;
use crate::incentive_accruals::Accruals;
use qudao_domain::incentive_accruals::accounts;

/// The journal of a month's accruals, Chinese headers and accounts on a
/// Chinese session.
pub fn accruals_journal_xlsx(accruals: &Accruals, chinese: bool) -> Result<Vec<u8>, AppError> {
    let words = |en: &'static str, zh: &'static str| if chinese { zh } else { en };
    let headers: Vec<String> = [
        ("date", "日期"),
        ("debit_account", "借方科目"),
        ("credit_account", "贷方科目"),
        ("amount", "金额"),
        ("currency", "币种"),
        ("program", "方案"),
        ("period", "期间"),
        ("memo", "摘要"),
    ]
    .iter()
    .map(|(en, zh)| words(en, zh).to_owned())
    .collect();
    let rows = accruals.lines.iter().map(|line| {
        let (debit, credit) = accounts(line.kind, chinese);
        let memo = match &line.last_booked {
            Some(last) => format!(
                "{} {} {} {}, {} {}",
                accruals.month,
                words("accrual", "预提"),
                words("to date", "累计"),
                line.accrued,
                words("last booked", "上次已记"),
                last
            ),
            None => format!(
                "{} {} {} {}",
                accruals.month,
                words("accrual", "预提"),
                words("to date", "累计"),
                line.accrued
            ),
        };
        vec![
            Cell::Date(Some(accruals.month_end)),
            Cell::text(debit),
            Cell::text(credit),
            Cell::Money(Some(line.movement.clone())),
            Cell::text(&line.currency),
            Cell::text(&line.program_name),
            Cell::text(&line.period),
            Cell::text(memo),
        ]
    });
    sheet_to_xlsx(words("journal", "预提凭证"), &headers, rows)
}
