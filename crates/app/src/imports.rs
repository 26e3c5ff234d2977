//! Imports from CSV and xlsx (DESIGN.md §5).
//!
//! Every kind follows one policy: the whole file is read and checked first,
//! then written in one transaction. Any bad row rejects the file with a
//! report naming each row, column and reason, and nothing is written. A dry
//! run does all of it, writes included, and rolls the transaction back, so
//! it finds every error a real run would.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::time::Instant;

use calamine::{Data, Reader, Xlsx};
use qudao_domain::partners::{Contact, PartnerCode, Reason};
use qudao_domain::{Invalid, Problem};
use qudao_store::grades::grade;
use qudao_store::partners as repo;
use serde::Serialize;

use crate::partners::{
    Lookups, Names, NewPartnerRow, PartnerInput, RecordInput, insert_contact, view_of,
};
use crate::territories::{AuthorizationInput, RegionInput};
use crate::{AppError, Caller, Permission, Qudao};

/// More rows than this in one file is refused up front: a file that size is
/// almost always a mistake (a whole ERP dump), and splitting it keeps each
/// all-or-nothing transaction and its error report a size a person can use.
pub const MAX_ROWS: usize = 50_000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Partners,
    Contacts,
    Regions,
    Authorizations,
}

impl ImportKind {
    pub const ALL: &'static [ImportKind] = &[
        ImportKind::Partners,
        ImportKind::Contacts,
        ImportKind::Regions,
        ImportKind::Authorizations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Partners => "partners",
            ImportKind::Contacts => "contacts",
            ImportKind::Regions => "regions",
            ImportKind::Authorizations => "authorizations",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == value)
    }

    /// The columns of this kind's files, in template order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            ImportKind::Partners => PARTNER_COLUMNS,
            ImportKind::Contacts => CONTACT_COLUMNS,
            ImportKind::Regions => REGION_COLUMNS,
            ImportKind::Authorizations => AUTHORIZATION_COLUMNS,
        }
    }
}

/// One column of an import format: its field, its English and Chinese
/// headers, whether it must be present, and an example value for templates.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub field: &'static str,
    pub zh: &'static str,
    pub required: bool,
    pub example: &'static str,
}

const PARTNER_COLUMNS: &[Column] = &[
    Column {
        field: "code",
        zh: "编码",
        required: true,
        example: "P10001",
    },
    Column {
        field: "name",
        zh: "名称",
        required: true,
        example: "上海示例商贸有限公司",
    },
    Column {
        field: "partner_type",
        zh: "类型",
        required: true,
        example: "distributor",
    },
    Column {
        field: "grade",
        zh: "等级",
        required: false,
        example: "gold",
    },
    Column {
        field: "parent_code",
        zh: "上级编码",
        required: false,
        example: "",
    },
    Column {
        field: "region_code",
        zh: "区域编码",
        required: false,
        example: "310000",
    },
    Column {
        field: "owner_login",
        zh: "负责人账号",
        required: false,
        example: "manager",
    },
    Column {
        field: "credit_limit",
        zh: "信用额度",
        required: false,
        example: "500000.00",
    },
    Column {
        field: "currency",
        zh: "币种",
        required: false,
        example: "CNY",
    },
    Column {
        field: "status",
        zh: "状态",
        required: false,
        example: "active",
    },
    Column {
        field: "address",
        zh: "地址",
        required: false,
        example: "上海市浦东新区世纪大道100号",
    },
];

const CONTACT_COLUMNS: &[Column] = &[
    Column {
        field: "partner_code",
        zh: "合作伙伴编码",
        required: true,
        example: "P10001",
    },
    Column {
        field: "name",
        zh: "姓名",
        required: true,
        example: "王伟",
    },
    Column {
        field: "role",
        zh: "职务",
        required: true,
        example: "采购经理",
    },
    Column {
        field: "phone",
        zh: "电话",
        required: false,
        example: "138 0000 0000",
    },
    Column {
        field: "email",
        zh: "邮箱",
        required: false,
        example: "wang.wei@example.cn",
    },
    Column {
        field: "birthday",
        zh: "生日",
        required: false,
        example: "1985-06-01",
    },
];

const REGION_COLUMNS: &[Column] = &[
    Column {
        field: "code",
        zh: "编码",
        required: true,
        example: "EAST-1",
    },
    Column {
        field: "name",
        zh: "名称",
        required: true,
        example: "华东一区",
    },
    Column {
        field: "name_en",
        zh: "英文名称",
        required: false,
        example: "East 1",
    },
    Column {
        field: "parent_code",
        zh: "上级区域编码",
        required: false,
        example: "CN",
    },
];

const AUTHORIZATION_COLUMNS: &[Column] = &[
    Column {
        field: "partner_code",
        zh: "合作伙伴编码",
        required: true,
        example: "P10001",
    },
    Column {
        field: "region_code",
        zh: "区域编码",
        required: true,
        example: "310000",
    },
    Column {
        field: "product_line",
        zh: "产品线",
        required: true,
        example: "TEA",
    },
    Column {
        field: "mode",
        zh: "授权方式",
        required: true,
        example: "exclusive",
    },
    Column {
        field: "valid_from",
        zh: "生效日期",
        required: true,
        example: "2026-01-01",
    },
    Column {
        field: "valid_to",
        zh: "失效日期",
        required: true,
        example: "2026-12-31",
    },
];

/// One thing wrong with a file. `row` is the row number as a spreadsheet
/// shows it (the header is row 1); absent for problems of the whole file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: Option<usize>,
    /// The column's header as written in the file (English or Chinese).
    pub column: Option<String>,
    pub field: String,
    #[schema(value_type = Object)]
    pub problem: Problem,
    /// The problem in English, for logs and programs.
    pub message: String,
}

impl RowError {
    fn file(field: &'static str, problem: Problem) -> Self {
        Self::new(None, None, field, problem)
    }

    fn new(row: Option<usize>, column: Option<String>, field: &str, problem: Problem) -> Self {
        let message = problem.to_string();
        Self {
            row,
            column,
            field: field.to_owned(),
            problem,
            message,
        }
    }
}

/// What an import did, or would have done.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub file: String,
    /// Data rows read (the header and trailing blank rows not counted).
    pub rows: usize,
    /// Records written; 0 when there are errors or on a dry run.
    pub created: usize,
    pub dry_run: bool,
    /// Every problem found; when not empty, nothing was written.
    pub errors: Vec<RowError>,
    pub elapsed_ms: u64,
}

impl ImportReport {
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A file's cells as text, with the spreadsheet row number of each row.
struct Table {
    /// Field of each column, in file order; `None` never happens after
    /// header checking but keeps positions aligned.
    columns: Vec<(&'static str, String)>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    fn cell<'a>(&self, row: &'a [String], field: &str) -> &'a str {
        self.columns
            .iter()
            .position(|(f, _)| *f == field)
            .and_then(|i| row.get(i))
            .map_or("", |v| v.trim())
    }

    fn header_of(&self, field: &str) -> Option<String> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, header)| header.clone())
    }

    fn error(&self, row: usize, invalid: Invalid) -> RowError {
        RowError::new(
            Some(row),
            self.header_of(invalid.field),
            invalid.field,
            invalid.problem,
        )
    }
}

/// Reads a CSV (UTF-8 with or without BOM, or GBK as Excel writes it in a
/// Chinese locale) or an xlsx file (its first sheet) into text cells.
fn read_cells(file_name: &str, bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, Box<RowError>> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsx") {
        read_xlsx(bytes)
    } else if lower.ends_with(".csv") || lower.ends_with(".txt") {
        read_csv(&decode_text(bytes)?)
    } else {
        Err(Box::from(RowError::file(
            "file",
            Problem::NotOneOf {
                choices: vec![".csv", ".xlsx"],
            },
        )))
    }
}

/// The text of a CSV file. A file is UTF-8 or GBK as a whole; a file whose
/// lines mix the two (pasted together from different machines) is refused,
/// naming a line of each, because guessing would garble half the names.
fn decode_text(bytes: &[u8]) -> Result<String, Box<RowError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let lines = || {
        bytes
            .split(|b| *b == b'\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
    };
    let utf8_line = lines().find(|(_, l)| !l.is_ascii() && std::str::from_utf8(l).is_ok());
    let other_line = lines().find(|(_, l)| std::str::from_utf8(l).is_err());
    if let (Some((utf8, _)), Some((gbk, _))) = (utf8_line, other_line) {
        return Err(Box::from(RowError::new(
            Some(gbk),
            None,
            "file",
            Problem::Conflict {
                rule: "mixed_encodings",
                with: format!("row {utf8} is UTF-8, row {gbk} is not"),
            },
        )));
    }
    let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
    if had_errors {
        let bad = lines()
            .find(|(_, l)| encoding_rs::GBK.decode_without_bom_handling(l).1)
            .map(|(row, _)| row);
        return Err(Box::from(RowError::new(
            bad,
            None,
            "file",
            Problem::Rule {
                rule: "unknown_encoding",
            },
        )));
    }
    Ok(text.into_owned())
}

fn read_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, Box<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|err| {
            let row = err.position().map(|p| p.line() as usize);
            Box::new(RowError::new(
                row,
                None,
                "file",
                Problem::Format {
                    expected: "comma-separated values",
                },
            ))
        })?;
        let row = record
            .position()
            .map_or(rows.len() + 1, |p| p.line() as usize);
        rows.push((row, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, Box<RowError>> {
    let not_xlsx = || {
        Box::new(RowError::file(
            "file",
            Problem::Format {
                expected: "an Excel .xlsx workbook",
            },
        ))
    };
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(not_xlsx)?
        .map_err(|_| not_xlsx())?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let first_col = range.start().map_or(0, |(_, col)| col as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut values: Vec<String> = vec![String::new(); first_col];
            values.extend(cells.iter().map(cell_text));
            (first_row + i + 1, values)
        })
        .collect())
}

/// A spreadsheet cell as the text a person sees. Numbers are stored by Excel
/// as binary floating point; the shortest text that reads back as the same
/// number is what was typed (`500000.5`, `310000`), and amounts are then
/// parsed from that text as decimals, so no arithmetic happens in floats.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|d| d.date().to_string())
            .unwrap_or_default(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Matches the header row to a kind's columns and drops blank rows at the
/// end; blank rows between data rows are errors (they usually mean a paste
/// went wrong, and silently skipping them hides that).
fn table(kind: ImportKind, cells: Vec<(usize, Vec<String>)>) -> Result<Table, Vec<RowError>> {
    let mut cells = cells.into_iter();
    let Some((header_row, headers)) = cells.next() else {
        return Err(vec![RowError::file("file", Problem::Required)]);
    };
    let known = kind.columns();
    let mut errors = Vec::new();
    let mut columns = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let text = header.trim();
        if text.is_empty() && headers[index..].iter().all(|h| h.trim().is_empty()) {
            break;
        }
        let normalised = text.to_lowercase().replace(' ', "_");
        match known.iter().find(|c| c.field == normalised || c.zh == text) {
            Some(column) if columns.iter().any(|(f, _)| *f == column.field) => {
                errors.push(RowError::new(
                    Some(header_row),
                    Some(text.to_owned()),
                    column.field,
                    Problem::Rule {
                        rule: "duplicate_column",
                    },
                ));
            }
            Some(column) => columns.push((column.field, text.to_owned())),
            None => errors.push(RowError::new(
                Some(header_row),
                Some(text.to_owned()),
                "header",
                Problem::NotOneOf {
                    choices: known.iter().map(|c| c.field).collect(),
                },
            )),
        }
    }
    for column in known.iter().filter(|c| c.required) {
        if !columns.iter().any(|(f, _)| *f == column.field) {
            errors.push(RowError::new(
                Some(header_row),
                Some(column.field.to_owned()),
                column.field,
                Problem::Rule {
                    rule: "missing_column",
                },
            ));
        }
    }
    let mut rows: Vec<(usize, Vec<String>)> = cells.collect();
    while rows
        .last()
        .is_some_and(|(_, values)| values.iter().all(|v| v.trim().is_empty()))
    {
        rows.pop();
    }
    if rows.len() > MAX_ROWS {
        errors.push(RowError::file(
            "file",
            Problem::Conflict {
                rule: "too_many_rows",
                with: format!("{} rows; at most {MAX_ROWS}", rows.len()),
            },
        ));
        return Err(errors);
    }
    for (row, values) in &rows {
        if values.iter().all(|v| v.trim().is_empty()) {
            errors.push(RowError::new(
                Some(*row),
                None,
                "row",
                Problem::Rule { rule: "empty_row" },
            ));
        } else if values[columns.len().min(values.len())..]
            .iter()
            .any(|v| !v.trim().is_empty())
        {
            errors.push(RowError::new(
                Some(*row),
                None,
                "row",
                Problem::Rule {
                    rule: "values_without_header",
                },
            ));
        }
    }
    if errors.is_empty() {
        Ok(Table { columns, rows })
    } else {
        Err(errors)
    }
}

/// A template for a kind: its headers in English or Chinese and one example
/// row, as xlsx or as CSV (UTF-8 with a BOM, which Excel needs to show
/// Chinese correctly).
pub fn template(kind: ImportKind, chinese: bool, xlsx: bool) -> Result<Vec<u8>, AppError> {
    let columns = kind.columns();
    let headers: Vec<String> = columns
        .iter()
        .map(|c| if chinese { c.zh } else { c.field }.to_owned())
        .collect();
    let example: Vec<String> = columns.iter().map(|c| c.example.to_owned()).collect();
    if xlsx {
        return crate::export::sheet_to_xlsx(kind.as_str(), &headers, std::iter::once(example));
    }
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let failed = |e: csv::Error| AppError::Internal(format!("csv template: {e}"));
    writer.write_record(&headers).map_err(failed)?;
    writer.write_record(&example).map_err(failed)?;
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv template: {e}")))
}

impl Qudao {
    /// Imports one file of `kind`; see the module's policy. The report says
    /// what was (or would be) written, or every problem found.
    pub async fn import(
        &self,
        caller: &Caller,
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport, AppError> {
        caller.require(Permission::ManagePartners)?;
        let started = Instant::now();
        let mut report = ImportReport {
            kind,
            file: file_name.to_owned(),
            rows: 0,
            created: 0,
            dry_run,
            errors: Vec::new(),
            elapsed_ms: 0,
        };
        let table = read_cells(file_name, bytes)
            .map_err(|e| vec![*e])
            .and_then(|cells| table(kind, cells));
        match table {
            Err(errors) => report.errors = errors,
            Ok(table) => {
                report.rows = table.rows.len();
                let (created, errors) = match kind {
                    ImportKind::Partners => self.import_partners(caller, &table, dry_run).await?,
                    ImportKind::Contacts => self.import_contacts(caller, &table, dry_run).await?,
                    ImportKind::Regions => self.import_regions(caller, &table, dry_run).await?,
                    ImportKind::Authorizations => {
                        self.import_authorizations(caller, &table, dry_run).await?
                    }
                };
                report.errors = errors;
                if report.errors.is_empty() && !dry_run {
                    report.created = created;
                }
            }
        }
        report.errors.sort_by_key(|e| e.row.unwrap_or(0));
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            kind = kind.as_str(),
            file = file_name,
            rows = report.rows,
            created = report.created,
            errors = report.errors.len(),
            dry_run,
            elapsed_ms = report.elapsed_ms,
            "import"
        );
        Ok(report)
    }

    async fn import_partners(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<(usize, Vec<RowError>), AppError> {
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

        // Codes: unique within the file and not yet taken.
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
                            with: format!("row {first}"),
                        },
                    ),
                ));
            } else {
                first_row_of.insert(code.as_str().to_owned(), *row);
            }
        }
        let in_file: Vec<String> = first_row_of.keys().cloned().collect();
        let taken: HashSet<String> = repo::taken_codes(self.db(), &in_file)
            .await?
            .into_iter()
            .collect();

        let mut lookups = Lookups::new(self.db(), caller.scope());
        let mut grades: HashMap<String, Option<grade::Model>> = HashMap::new();
        let mut grade_of_row: HashMap<usize, grade::Model> = HashMap::new();
        for (row, values) in &table.rows {
            let raw = table.cell(values, "grade");
            if raw.is_empty() {
                continue;
            }
            if !grades.contains_key(raw) {
                let found = self.grade_by_code(self.db(), raw).await?.ok();
                grades.insert(raw.to_owned(), found);
            }
            match grades.get(raw).cloned().flatten() {
                Some(grade) => {
                    grade_of_row.insert(*row, grade);
                }
                None => errors.push(table.error(
                    *row,
                    Invalid::new(
                        "grade",
                        Problem::Rule {
                            rule: "grade_must_exist",
                        },
                    ),
                )),
            }
        }
        let mut parsed = Vec::with_capacity(inputs.len());
        for (row, input) in &inputs {
            let new = NewPartnerRow::parse(input, caller, &mut lookups, |code| {
                first_row_of.contains_key(code.as_str())
            })
            .await?;
            match new {
                Ok(new) if taken.contains(new.code.as_str()) => errors.push(table.error(
                    *row,
                    Invalid::new("code", Problem::Rule { rule: "code_taken" }),
                )),
                Ok(new) => parsed.push((*row, new)),
                Err(invalid) => errors.extend(invalid.into_iter().map(|i| table.error(*row, i))),
            }
        }
        if !errors.is_empty() {
            return Ok((0, errors));
        }

        // Parents before children; whatever cannot be placed loops.
        let mut placed: HashMap<String, qudao_store::scope::Visible> = HashMap::new();
        let mut pending: Vec<(usize, NewPartnerRow)> = parsed;
        let reason = Reason::parse("import").map_err(|e| AppError::Internal(e.to_string()))?;
        let tx = self.write().await?;
        // Codes for the audit records: every grade, and every region named.
        let region_ids = pending
            .iter()
            .filter_map(|(_, new)| new.record.region_id)
            .collect();
        let names = Names::for_regions(&tx, region_ids).await?;
        let mut created = 0;
        loop {
            let before = pending.len();
            let mut waiting = Vec::new();
            for (row, new) in pending {
                let parent = match &new.parent {
                    None => None,
                    Some(Ok(stored)) => Some(stored.clone()),
                    Some(Err(code)) => match placed.get(code.as_str()) {
                        Some(inserted) => Some(inserted.clone()),
                        None => {
                            waiting.push((row, new));
                            continue;
                        }
                    },
                };
                match new.insert(&tx, caller, parent.as_ref()).await? {
                    Ok(stored) => {
                        let mut shown = stored.row().clone();
                        if let Some(grade) = grade_of_row.get(&row) {
                            self.set_partner_grade_in(&tx, caller, &stored, grade, &reason)
                                .await?;
                            shown.grade_id = Some(grade.id);
                        }
                        let view = view_of(&shown, parent.map(|p| p.code().to_owned()), &names)?;
                        self.audit(
                            &tx,
                            caller,
                            "partner",
                            &view.code,
                            "import",
                            None,
                            Some(&view),
                        )
                        .await?;
                        placed.insert(stored.code().to_owned(), stored);
                        created += 1;
                    }
                    Err(invalid) => errors.push(table.error(row, invalid)),
                }
            }
            pending = waiting;
            if pending.is_empty() || pending.len() == before {
                break;
            }
        }
        for (row, _) in &pending {
            errors.push(table.error(
                *row,
                Invalid::new(
                    "parent_code",
                    Problem::Rule {
                        rule: "partner_cycle",
                    },
                ),
            ));
        }
        finish(tx, errors, dry_run, created).await
    }

    async fn import_contacts(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<(usize, Vec<RowError>), AppError> {
        let today = crate::today();
        let mut errors = Vec::new();
        let mut partners: HashMap<String, Option<qudao_store::scope::Visible>> = HashMap::new();
        let mut parsed = Vec::new();
        for (row, values) in &table.rows {
            let cell = |field| table.cell(values, field);
            let partner = match PartnerCode::parse(cell("partner_code")) {
                Ok(code) => {
                    if !partners.contains_key(code.as_str()) {
                        let found =
                            qudao_store::scope::partner_by_code(self.db(), caller.scope(), &code)
                                .await?;
                        partners.insert(code.as_str().to_owned(), found);
                    }
                    partners.get(code.as_str()).cloned().flatten()
                }
                Err(_) => None,
            };
            if partner.is_none() {
                errors.push(table.error(
                    *row,
                    Invalid::new(
                        "partner_code",
                        Problem::Rule {
                            rule: "partner_must_exist",
                        },
                    ),
                ));
            }
            let contact = Contact::parse(
                cell("name"),
                cell("role"),
                cell("phone"),
                cell("email"),
                cell("birthday"),
                today,
            );
            match (partner, contact) {
                (Some(partner), Ok(contact)) => parsed.push((partner, contact)),
                (_, Err(invalid)) => errors.extend(invalid.into_iter().map(|i| {
                    // The file's columns are `name` and `role`.
                    let field = match i.field {
                        "contact_name" => "name",
                        "contact_role" => "role",
                        other => other,
                    };
                    table.error(*row, Invalid::new(field, i.problem))
                })),
                (None, Ok(_)) => {}
            }
        }
        if !errors.is_empty() {
            return Ok((0, errors));
        }
        let tx = self.write().await?;
        for (partner, contact) in &parsed {
            let stored = insert_contact(&tx, partner, contact).await?;
            self.audit(
                &tx,
                caller,
                "partner",
                partner.code(),
                "import_contact",
                None,
                Some(&stored.name),
            )
            .await?;
        }
        finish(tx, errors, dry_run, parsed.len()).await
    }
}

impl Qudao {
    /// Regions of the user's own: parents may come earlier in the same file.
    async fn import_regions(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<(usize, Vec<RowError>), AppError> {
        let inputs = table.rows.iter().map(|(row, values)| {
            let cell = |field| table.cell(values, field).to_owned();
            let input = RegionInput {
                code: cell("code"),
                name: cell("name"),
                name_en: Some(cell("name_en")).filter(|v| !v.is_empty()),
                parent_code: Some(cell("parent_code")).filter(|v| !v.is_empty()),
            };
            (*row, input)
        });
        let tx = self.write().await?;
        let mut errors = Vec::new();
        let mut created = 0;
        for (row, input) in inputs {
            match self.create_region_in(&tx, caller, &input).await {
                Ok(_) => created += 1,
                Err(err) => errors.extend(row_errors(table, row, err)?),
            }
        }
        finish(tx, errors, dry_run, created).await
    }

    /// Territory rights, each checked against the rules and everything
    /// already granted, including the rows above it in the same file.
    async fn import_authorizations(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<(usize, Vec<RowError>), AppError> {
        let tx = self.write().await?;
        let mut errors = Vec::new();
        let mut created = 0;
        for (row, values) in &table.rows {
            let cell = |field| table.cell(values, field).to_owned();
            let input = AuthorizationInput {
                partner_code: cell("partner_code"),
                region_code: cell("region_code"),
                product_line: cell("product_line"),
                mode: cell("mode"),
                valid_from: cell("valid_from"),
                valid_to: cell("valid_to"),
            };
            match self.create_authorization_in(&tx, caller, &input).await {
                Ok(_) => created += 1,
                Err(err) => errors.extend(row_errors(table, *row, err)?),
            }
        }
        finish(tx, errors, dry_run, created).await
    }
}

/// A row's validation failures as report lines; anything else (the
/// database failing) ends the import.
fn row_errors(table: &Table, row: usize, err: AppError) -> Result<Vec<RowError>, AppError> {
    match err {
        AppError::Invalid(fields) => Ok(fields.into_iter().map(|i| table.error(row, i)).collect()),
        AppError::Duplicate { field } => Ok(vec![table.error(
            row,
            Invalid::new(field, Problem::Rule { rule: "code_taken" }),
        )]),
        other => Err(other),
    }
}

/// Commits what a clean, real run wrote; rolls back anything else.
async fn finish(
    tx: qudao_store::WriteTx,
    errors: Vec<RowError>,
    dry_run: bool,
    created: usize,
) -> Result<(usize, Vec<RowError>), AppError> {
    if errors.is_empty() && !dry_run {
        crate::commit(tx).await?;
    } else {
        tx.rollback().await?;
    }
    Ok((created, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: Result<Table, Vec<RowError>>) -> Vec<(Option<usize>, String)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.row, e.field))
            .collect()
    }

    #[test]
    fn utf8_with_bom_and_gbk_read_the_same() {
        let text = "code,name\nP1,上海示例\n";
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode_text(&with_bom).ok().as_deref(), Some(text));
        assert_eq!(decode_text(&gbk).ok().as_deref(), Some(text));
    }

    #[test]
    fn mixed_encodings_are_refused_naming_the_rows() {
        let (gbk, _, _) = encoding_rs::GBK.encode("P2,北京示例\n");
        let mixed = [b"code,name\nP1,\xE4\xB8\x8A\xE6\xB5\xB7\n".as_slice(), &gbk].concat();
        let err = decode_text(&mixed).err().map(|e| (e.row, e.problem));
        assert_eq!(
            err,
            Some((
                Some(3),
                Problem::Conflict {
                    rule: "mixed_encodings",
                    with: "row 2 is UTF-8, row 3 is not".into()
                }
            ))
        );
    }

    #[test]
    fn headers_may_be_english_or_chinese_and_are_checked() {
        let rows = |header: &[&str], data: &[&[&str]]| {
            let mut all = vec![(1, header.iter().map(|s| (*s).to_owned()).collect())];
            for (i, row) in data.iter().enumerate() {
                all.push((i + 2, row.iter().map(|s| (*s).to_owned()).collect()));
            }
            all
        };
        let chinese = table(
            ImportKind::Partners,
            rows(
                &["编码", "名称", "类型"],
                &[&["P1", "甲", "agent"], &["", "", ""]],
            ),
        );
        assert_eq!(
            chinese.map(|t| t.rows.len()).ok(),
            Some(1),
            "a trailing blank row is dropped"
        );
        assert_eq!(
            fields(table(
                ImportKind::Partners,
                rows(&["Code", "name", "colour"], &[])
            )),
            [
                (Some(1), "header".to_owned()),
                (Some(1), "partner_type".to_owned())
            ]
        );
        assert_eq!(
            fields(table(
                ImportKind::Partners,
                rows(
                    &["code", "name", "partner_type"],
                    &[
                        &["P1", "a", "agent"],
                        &["", " ", ""],
                        &["P2", "b", "agent", "extra"]
                    ]
                )
            )),
            [(Some(3), "row".to_owned()), (Some(4), "row".to_owned())]
        );
    }

    #[test]
    fn too_many_rows_are_refused_before_any_work() {
        let mut all = vec![(
            1,
            vec![
                "code".to_owned(),
                "name".to_owned(),
                "partner_type".to_owned(),
            ],
        )];
        all.extend(
            (0..=MAX_ROWS).map(|i| (i + 2, vec![format!("P{i}"), "n".into(), "agent".into()])),
        );
        let errors = table(ImportKind::Partners, all).err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert!(matches!(
            errors[0].problem,
            Problem::Conflict {
                rule: "too_many_rows",
                ..
            }
        ));
    }

    #[test]
    fn templates_read_back_as_valid_headers() {
        for kind in ImportKind::ALL {
            for chinese in [false, true] {
                let csv = template(*kind, chinese, false).unwrap_or_default();
                let xlsx = template(*kind, chinese, true).unwrap_or_default();
                for (name, bytes) in [("t.csv", csv), ("t.xlsx", xlsx)] {
                    let cells = read_cells(name, &bytes).ok().unwrap_or_default();
                    let parsed = table(*kind, cells).ok().map(|t| t.rows.len());
                    assert_eq!(parsed, Some(1), "{kind:?} {name} chinese={chinese}");
                }
            }
        }
    }

    #[test]
    fn not_a_spreadsheet_is_refused() {
        assert!(read_cells("partners.xlsx", b"not a zip").is_err());
        assert!(read_cells("partners.pdf", b"").is_err());
    }
}
