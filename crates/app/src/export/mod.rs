//! Spreadsheet export of any list a user can see. The rows come from the
//! same scoped use cases as the screen, so an export never shows more.
//!
//! One registry, [`ExportKind::ALL`], serves the lists' "Export to Excel"
//! links and `qudao export <kind>`: each kind is a module here that reads
//! the list's filters from text (the list page's query parameters, or the
//! CLI's `--filter name=value`), so both ask for the same rows the same way.

mod agreements;
mod audit;
mod partners;
mod territories;
mod users;

use std::future::Future;
use std::pin::Pin;

use rust_xlsxwriter::{Format, Workbook};

use crate::admin::UserView;
use crate::agreements::AgreementVersionView;
use crate::audit::AuditView;
use crate::partners::PartnerRecordRow;
use crate::{AppError, Caller, Qudao, SortDir};

type Run = for<'a> fn(
    &'a Qudao,
    &'a Caller,
    &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>>;

/// One exportable list: its name (the file's stem, and the CLI's kind), the
/// filters it reads, and how it makes the workbook.
pub struct Exporter {
    name: &'static str,
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
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        self.0.name
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

/// A table to export: a header row and text cells. Dates are written as ISO
/// text in UTC so that they sort and never shift with the reader's zone.
pub trait Exportable {
    const SHEET: &'static str;
    const HEADERS: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

pub fn to_xlsx<T: Exportable>(rows: &[T]) -> Result<Vec<u8>, AppError> {
    let headers: Vec<String> = T::HEADERS.iter().map(|h| (*h).to_owned()).collect();
    sheet_to_xlsx(T::SHEET, &headers, rows.iter().map(Exportable::cells))
}

/// One sheet: a bold, frozen header row and rows of text cells.
pub fn sheet_to_xlsx(
    name: &str,
    headers: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, AppError> {
    let failed =
        |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx export failed: {e}"));
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).map_err(failed)?;
    for (col, header) in (0u16..).zip(headers) {
        sheet
            .write_string_with_format(0, col, header, &bold)
            .map_err(failed)?;
    }
    for (row, cells) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(cells) {
            sheet.write_string(row, col, cell).map_err(failed)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    sheet.autofit();
    workbook.save_to_buffer().map_err(failed)
}

/// An instant as people read it: in the business time zone, like the pages.
fn instant(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&crate::time_zone())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

impl Exportable for PartnerRecordRow {
    const SHEET: &'static str = "partners";
    /// Exactly the partner import's columns (`docs/IMPORT-FORMATS.md`).
    const HEADERS: &'static [&'static str] = &[
        "code",
        "name",
        "partner_type",
        "grade",
        "parent_code",
        "region_code",
        "owner_login",
        "credit_limit",
        "currency",
        "status",
        "address",
    ];
    fn cells(&self) -> Vec<String> {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        vec![
            self.code.clone(),
            self.name.clone(),
            self.partner_type.to_string(),
            text(&self.grade),
            text(&self.parent_code),
            text(&self.region_code),
            text(&self.owner_login),
            text(&self.credit_limit),
            self.currency.clone(),
            self.status.to_string(),
            text(&self.address),
        ]
    }
}

impl Exportable for UserView {
    const SHEET: &'static str = "users";
    const HEADERS: &'static [&'static str] = &[
        "login",
        "display_name",
        "role",
        "partner_code",
        "status",
        "last_login_at",
        "created_at",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.login.clone(),
            self.display_name.clone(),
            self.role.to_string(),
            self.partner_code.clone().unwrap_or_default(),
            self.status.to_string(),
            self.last_login_at.as_ref().map(instant).unwrap_or_default(),
            instant(&self.created_at),
        ]
    }
}

impl Exportable for AuditView {
    const SHEET: &'static str = "audit";
    const HEADERS: &'static [&'static str] = &[
        "at",
        "actor_login",
        "entity",
        "entity_key",
        "action",
        "before",
        "after",
        "client_address",
        "user_agent",
    ];
    fn cells(&self) -> Vec<String> {
        let json =
            |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string).unwrap_or_default();
        vec![
            instant(&self.at),
            self.actor_login.clone(),
            self.entity.clone(),
            self.entity_key.clone(),
            self.action.clone(),
            json(&self.before),
            json(&self.after),
            self.client_address.clone().unwrap_or_default(),
            self.user_agent.clone().unwrap_or_default(),
        ]
    }
}

impl Exportable for AgreementVersionView {
    const SHEET: &'static str = "agreements";
    const HEADERS: &'static [&'static str] = &[
        "code",
        "partner_code",
        "partner_name",
        "version",
        "status",
        "valid_from",
        "valid_to",
        "in_force_until",
        "price_list_code",
        "rebate_programs",
        "annual_target",
        "currency",
        "payment_net_days",
        "signed_on",
        "superseded_from",
        "terminated_from",
    ];
    fn cells(&self) -> Vec<String> {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        vec![
            self.code.clone(),
            self.partner_code.clone(),
            self.partner_name.clone(),
            self.version.to_string(),
            self.status.to_string(),
            self.valid_from.to_string(),
            self.valid_to.to_string(),
            day(self.in_force_until),
            self.price_list_code.clone().unwrap_or_default(),
            self.rebate_programs.join(","),
            self.annual_target.clone().unwrap_or_default(),
            self.currency.clone().unwrap_or_default(),
            self.payment_net_days.to_string(),
            day(self.signed_on),
            day(self.superseded_from),
            day(self.terminated_from),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn assert_shape<T: Exportable>(row: &T) {
        assert_eq!(
            row.cells().len(),
            T::HEADERS.len(),
            "{} cells match headers",
            T::SHEET
        );
        let bytes = to_xlsx(std::slice::from_ref(row)).unwrap();
        assert_eq!(&bytes[..2], b"PK", "an xlsx file is a zip");
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
