//! Spreadsheet export of any list a user can see. The rows come from the
//! same scoped use cases as the screen, so an export never shows more.
//!
//! One registry, [`ExportKind::ALL`], serves the lists' "Export to Excel"
//! links and `qudao export <kind>`: each kind is a module here that reads
//! the list's filters from text (the list page's query parameters, or the
//! CLI's `--filter name=value`), so both ask for the same rows the same way.

mod agreements;
mod audit;
mod exchange_rates;
mod incentive_accruals;
mod orders;
mod partners;
mod price_lists;
mod products;
mod receivables;
mod sellin;
mod sellthrough;
mod stock_counts;
mod targets;
mod territories;
mod users;

use std::future::Future;
use std::pin::Pin;

use chrono::{Datelike, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::admin::UserView;
use crate::agreements::AgreementVersionView;
use crate::audit::AuditView;
use crate::imports::values::{
    AGREEMENT_STATUSES, PARTNER_STATUSES, PARTNER_TYPES, ROLES, USER_STATUSES, word,
};
use crate::partners::PartnerRecordRow;
use crate::{AppError, Caller, Qudao, SortDir};

pub use incentive_accruals::accruals_journal_xlsx;
pub use receivables::statement_xlsx;

type Run = for<'a> fn(
    &'a Qudao,
    &'a Caller,
    &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>>;

/// One exportable list: its name (the file's stem, and the CLI's kind), the
/// filters it reads, and how it makes the workbook.
pub struct Exporter {
    name: &'static str,
    /// The list's name in Chinese, for the file name of a Chinese export.
    zh: &'static str,
    filters: &'static [&'static str],
    run: Run,
}

/// A handle on one registered export.
#[derive(Clone, Copy)]
pub struct ExportKind(&'static Exporter);

impl ExportKind {
    /// The registry. A new list is one module and one line here.
    pub const ALL: &'static [ExportKind] = &[
        partners::KIND,
        users::KIND,
        audit::KIND,
        agreements::KIND,
        agreements::EXPIRING,
        territories::AUTHORIZATIONS,
        products::KIND,
        price_lists::KIND,
        exchange_rates::KIND,
        sellthrough::KIND,
        receivables::INVOICES,
        receivables::PAYMENTS,
        orders::KIND,
        sellin::KIND,
        stock_counts::KIND,
        targets::KIND,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The download's file name: the list and the day, in the export's
    /// language (`合作伙伴_2026-11-30.xlsx`, `partners_2026-11-30.xlsx`).
    pub fn file_name(self, chinese: bool, day: chrono::NaiveDate) -> String {
        let list = if chinese { self.0.zh } else { self.0.name };
        format!("{list}_{day}.xlsx")
    }

    /// The filter names this list reads (as its page's query parameters).
    pub fn filters(self) -> &'static [&'static str] {
        self.0.filters
    }
}

/// What to export: a list's filters by name, its sort column and direction,
/// all as text; values that do not parse are ignored, as on the list page.
#[derive(Debug, Clone, Default)]
pub struct ExportQuery {
    pub filters: Vec<(String, String)>,
    /// Chinese headers and values (the Chinese UI, `qudao export --lang zh-CN`).
    pub chinese: bool,
    pub sort: Option<String>,
    pub dir: SortDir,
}

impl ExportQuery {
    /// The trimmed, non-empty value of filter `name`.
    fn get(&self, name: &str) -> Option<String> {
        self.filters
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    fn sort<T>(&self, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        self.sort.as_deref().and_then(parse)
    }
}

impl Qudao {
    /// The xlsx workbook of list `kind` as `caller` sees it.
    pub async fn export(
        &self,
        caller: &Caller,
        kind: ExportKind,
        query: &ExportQuery,
    ) -> Result<Vec<u8>, AppError> {
        (kind.0.run)(self, caller, query).await
    }
}

/// One cell of an export. Amounts and dates are numbers to a spreadsheet, so
/// people can sum a column and filter by date; everything else is text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A decimal amount as stored (`"1000.50"`); blank when absent or not a
    /// number. Written as a number with two decimals and thousands groups.
    Money(Option<String>),
    Date(Option<chrono::NaiveDate>),
    /// An instant, shown in the business time zone like the pages.
    Instant(Option<chrono::DateTime<chrono::Utc>>),
    /// A whole number (a quantity).
    Number(i64),
}

impl Cell {
    fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }
}

/// A table to export: its sheet, its headers in English (the import's field
/// names, for programs) and Chinese, and its cells; `chinese` asks for
/// values in Chinese words (经销商, 合作中) instead of codes.
pub trait Exportable {
    const SHEET: &'static str;
    /// `(English, 中文)` per column.
    const HEADERS: &'static [(&'static str, &'static str)];
    fn cells(&self, chinese: bool) -> Vec<Cell>;
}

pub fn to_xlsx<T: Exportable>(rows: &[T], chinese: bool) -> Result<Vec<u8>, AppError> {
    let headers: Vec<String> = T::HEADERS
        .iter()
        .map(|(en, zh)| if chinese { *zh } else { *en }.to_owned())
        .collect();
    sheet_to_xlsx(T::SHEET, &headers, rows.iter().map(|r| r.cells(chinese)))
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "map_err hands the error over"
)]
fn failed(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("xlsx export failed: {e}"))
}

/// One sheet: a bold, frozen header row and rows of cells.
pub fn sheet_to_xlsx(
    name: &str,
    headers: &[String],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, AppError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    fill(sheet, name, headers, rows)?;
    sheet.autofit();
    workbook.save_to_buffer().map_err(failed)
}

/// [`sheet_to_xlsx`] written to a file in constant memory: rows go to a
/// temporary file as they come, so a million of them never sit in memory.
/// Columns get fixed widths (fitting them would need every row at once).
pub fn sheet_to_file(
    name: &str,
    headers: &[String],
    rows: impl Iterator<Item = Vec<Cell>>,
    path: &std::path::Path,
) -> Result<(), AppError> {
    let mut workbook = Workbook::new();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(failed)?;
    for col in 0..u16::try_from(headers.len()).unwrap_or(u16::MAX) {
        sheet.set_column_width(col, 16).map_err(failed)?;
    }
    fill(sheet, name, headers, rows)?;
    workbook.save(path).map_err(failed)
}

fn fill(
    sheet: &mut rust_xlsxwriter::Worksheet,
    name: &str,
    headers: &[String],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Result<(), AppError> {
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let instant = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    sheet.set_name(name).map_err(failed)?;
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    for (col, header) in (0u16..).zip(headers) {
        sheet
            .write_string_with_format(0, col, header, &bold)
            .map_err(failed)?;
    }
    for (row, cells) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(row, col, text).map_err(failed)?;
                }
                Cell::Number(n) => {
                    // Counts stay far below 2^53, where a float is exact.
                    #[allow(clippy::cast_precision_loss)]
                    sheet.write_number(row, col, n as f64).map_err(failed)?;
                }
                Cell::Money(amount) => {
                    // A spreadsheet number is a binary float whatever we do;
                    // amounts here have two decimals and at most 15 digits,
                    // which it holds exactly as displayed.
                    if let Some(value) = amount.and_then(|a| a.trim().parse::<f64>().ok()) {
                        sheet
                            .write_number_with_format(row, col, value, &money)
                            .map_err(failed)?;
                    }
                }
                Cell::Date(Some(day)) => {
                    sheet
                        .write_datetime_with_format(row, col, excel_date(day)?, &date)
                        .map_err(failed)?;
                }
                Cell::Instant(Some(at)) => {
                    let local = at.with_timezone(&crate::time_zone()).naive_local();
                    let small = |n: u32| u8::try_from(n).unwrap_or(0);
                    let value = excel_date(local.date())?
                        .and_hms(
                            u16::from(small(local.hour())),
                            small(local.minute()),
                            small(local.second()),
                        )
                        .map_err(failed)?;
                    sheet
                        .write_datetime_with_format(row, col, value, &instant)
                        .map_err(failed)?;
                }
                Cell::Date(None) | Cell::Instant(None) => {}
            }
        }
    }
    Ok(())
}

fn excel_date(day: chrono::NaiveDate) -> Result<ExcelDateTime, AppError> {
    let part = |n: u32| u8::try_from(n).unwrap_or(1);
    ExcelDateTime::from_ymd(
        u16::try_from(day.year()).unwrap_or(1900),
        part(day.month()),
        part(day.day()),
    )
    .map_err(|e| AppError::Internal(format!("xlsx date {day}: {e}")))
}

impl Exportable for PartnerRecordRow {
    const SHEET: &'static str = "partners";
    /// Exactly the partner import's columns (`docs/IMPORT-FORMATS.md`), so
    /// an export, in either language, imports back.
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("code", "编码"),
        ("name", "名称"),
        ("partner_type", "类型"),
        ("grade", "等级"),
        ("parent_code", "上级编码"),
        ("region_code", "区域编码"),
        ("owner_login", "负责人账号"),
        ("credit_limit", "信用额度"),
        ("currency", "币种"),
        ("status", "状态"),
        ("address", "地址"),
    ];
    fn cells(&self, chinese: bool) -> Vec<Cell> {
        let text = |value: &Option<String>| Cell::text(value.clone().unwrap_or_default());
        vec![
            Cell::text(&self.code),
            Cell::text(&self.name),
            Cell::text(word(PARTNER_TYPES, self.partner_type.as_str(), chinese)),
            text(&self.grade),
            text(&self.parent_code),
            text(&self.region_code),
            text(&self.owner_login),
            Cell::Money(self.credit_limit.clone()),
            Cell::text(&self.currency),
            Cell::text(word(PARTNER_STATUSES, self.status.as_str(), chinese)),
            text(&self.address),
        ]
    }
}

impl Exportable for UserView {
    const SHEET: &'static str = "users";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("login", "账号"),
        ("display_name", "姓名"),
        ("role", "角色"),
        ("partner_code", "合作伙伴编码"),
        ("status", "状态"),
        ("last_login_at", "最近登录"),
        ("created_at", "创建时间"),
    ];
    fn cells(&self, chinese: bool) -> Vec<Cell> {
        vec![
            Cell::text(&self.login),
            Cell::text(&self.display_name),
            Cell::text(word(ROLES, self.role.as_str(), chinese)),
            Cell::text(self.partner_code.clone().unwrap_or_default()),
            Cell::text(word(USER_STATUSES, self.status.as_str(), chinese)),
            Cell::Instant(self.last_login_at),
            Cell::Instant(Some(self.created_at)),
        ]
    }
}

impl Exportable for AuditView {
    const SHEET: &'static str = "audit";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("at", "时间"),
        ("actor_login", "操作人账号"),
        ("entity", "对象"),
        ("entity_key", "对象编码"),
        ("action", "操作"),
        ("before", "修改前"),
        ("after", "修改后"),
        ("client_address", "客户端地址"),
        ("user_agent", "浏览器"),
    ];
    fn cells(&self, _chinese: bool) -> Vec<Cell> {
        let json = |v: &Option<serde_json::Value>| {
            Cell::text(v.as_ref().map(ToString::to_string).unwrap_or_default())
        };
        vec![
            Cell::Instant(Some(self.at)),
            Cell::text(&self.actor_login),
            Cell::text(&self.entity),
            Cell::text(&self.entity_key),
            Cell::text(&self.action),
            json(&self.before),
            json(&self.after),
            Cell::text(self.client_address.clone().unwrap_or_default()),
            Cell::text(self.user_agent.clone().unwrap_or_default()),
        ]
    }
}

impl Exportable for AgreementVersionView {
    const SHEET: &'static str = "agreements";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("code", "编码"),
        ("partner_code", "合作伙伴编码"),
        ("partner_name", "合作伙伴名称"),
        ("version", "版本"),
        ("status", "状态"),
        ("valid_from", "生效日期"),
        ("valid_to", "到期日期"),
        ("in_force_until", "实际有效至"),
        ("price_list_code", "价格表编码"),
        ("rebate_programs", "返利方案"),
        ("annual_target", "年度目标"),
        ("currency", "币种"),
        ("payment_net_days", "账期天数"),
        ("signed_on", "签署日期"),
        ("superseded_from", "被替代日期"),
        ("terminated_from", "终止日期"),
    ];
    fn cells(&self, chinese: bool) -> Vec<Cell> {
        vec![
            Cell::text(&self.code),
            Cell::text(&self.partner_code),
            Cell::text(&self.partner_name),
            Cell::text(self.version.to_string()),
            Cell::text(word(AGREEMENT_STATUSES, self.status.as_str(), chinese)),
            Cell::Date(Some(self.valid_from)),
            Cell::Date(Some(self.valid_to)),
            Cell::Date(self.in_force_until),
            Cell::text(self.price_list_code.clone().unwrap_or_default()),
            Cell::text(self.rebate_programs.join(",")),
            Cell::Money(self.annual_target.clone()),
            Cell::text(self.currency.clone().unwrap_or_default()),
            Cell::text(self.payment_net_days.to_string()),
            Cell::Date(self.signed_on),
            Cell::Date(self.superseded_from),
            Cell::Date(self.terminated_from),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn assert_shape<T: Exportable>(row: &T) {
        for chinese in [false, true] {
            assert_eq!(
                row.cells(chinese).len(),
                T::HEADERS.len(),
                "{} cells match headers",
                T::SHEET
            );
            let bytes = to_xlsx(std::slice::from_ref(row), chinese).unwrap();
            assert_eq!(&bytes[..2], b"PK", "an xlsx file is a zip");
        }
    }

    fn partner() -> PartnerRecordRow {
        PartnerRecordRow {
            code: "P1".into(),
            name: "北京商贸有限公司".into(),
            partner_type: qudao_domain::partners::PartnerType::Distributor,
            grade: Some("金牌".into()),
            parent_code: None,
            region_code: Some("110000".into()),
            owner_login: None,
            credit_limit: Some("1234567.50".into()),
            currency: "CNY".into(),
            status: qudao_domain::partners::PartnerStatus::Active,
            address: None,
        }
    }

    #[test]
    fn a_chinese_export_has_chinese_headers_and_words_and_numeric_money() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = to_xlsx(&[partner()], true).unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(header[..4], ["编码", "名称", "类型", "等级"]);
        let row = range.rows().nth(1).unwrap();
        assert_eq!(row[2], Data::String("经销商".into()));
        assert_eq!(row[9], Data::String("合作中".into()));
        assert_eq!(row[7], Data::Float(1_234_567.5), "money is a number");

        let english = to_xlsx(&[partner()], false).unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(english)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let row = range.rows().nth(1).unwrap();
        assert_eq!(row[0], Data::String("P1".into()));
        assert_eq!(row[2], Data::String("distributor".into()));
    }

    #[test]
    fn dates_are_date_cells() {
        use calamine::{Data, DataType, Reader, Xlsx};
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let bytes = sheet_to_xlsx(
            "d",
            &["day".to_owned()],
            std::iter::once(vec![Cell::Date(Some(day))]),
        )
        .unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        let cell = &range.rows().nth(1).unwrap()[0];
        assert!(matches!(cell, Data::DateTime(_)), "{cell:?}");
        assert_eq!(
            cell.as_date(),
            Some(day),
            "a date cell reads back as the day"
        );
    }

    #[test]
    fn file_names_carry_the_list_and_the_day() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let kind = ExportKind::parse("partners").unwrap();
        assert_eq!(kind.file_name(true, day), "合作伙伴_2026-11-30.xlsx");
        assert_eq!(kind.file_name(false, day), "partners_2026-11-30.xlsx");
    }

    #[test]
    fn every_export_has_one_cell_per_header() {
        assert_shape(&PartnerRecordRow {
            code: "P1".into(),
            name: "北京商贸有限公司".into(),
            partner_type: qudao_domain::partners::PartnerType::Agent,
            grade: Some("gold".into()),
            parent_code: None,
            region_code: Some("110000".into()),
            owner_login: None,
            credit_limit: Some("1000.00".into()),
            currency: "CNY".into(),
            status: qudao_domain::partners::PartnerStatus::Active,
            address: None,
        });
        assert_shape(&UserView {
            login: "rep".into(),
            display_name: "Rep".into(),
            role: qudao_domain::admin::Role::SalesRep,
            partner_code: None,
            status: qudao_domain::admin::UserStatus::Active,
            last_login_at: None,
            created_at: Utc::now(),
        });
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_shape(&AgreementVersionView {
            code: "AG-P1-1".into(),
            partner_code: "P1".into(),
            partner_name: "北京商贸有限公司".into(),
            version: 1,
            status: qudao_domain::agreements::AgreementStatus::Active,
            valid_from: day,
            valid_to: day,
            in_force_until: Some(day),
            price_list_code: None,
            rebate_programs: vec!["R1".into()],
            annual_target: Some("1.00".into()),
            annual_target_year: Some(2026),
            currency: Some("CNY".into()),
            after_sales_duties: String::new(),
            payment_net_days: 30,
            payment_terms: String::new(),
            training_duties: String::new(),
            signed_on: None,
            note: String::new(),
            superseded_from: None,
            superseded_by: None,
            terminated_from: None,
            termination_reason: None,
            created_by: "cli".into(),
            created_at: Utc::now(),
            activated_by: None,
            activated_at: None,
        });
        assert_shape(&AuditView {
            at: Utc::now(),
            actor_login: "cli".into(),
            actor_name: None,
            entity: "partner".into(),
            entity_key: "P1".into(),
            action: "create".into(),
            before: None,
            after: Some(serde_json::json!({"code": "P1"})),
            client_address: Some("192.0.2.1".into()),
            user_agent: None,
        });
    }
}
