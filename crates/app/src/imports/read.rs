//! The generic reader every importer shares: a CSV or xlsx file into text
//! cells, the header row matched against the importer's columns (English or
//! Chinese), and the templates people fill in.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use qudao_domain::{Invalid, Problem};

use super::{Column, ImportKind, MAX_ROWS, RowError, Values};
use crate::AppError;

/// A file's cells as text, with the spreadsheet row number of each row.
pub(crate) struct Table {
    /// Field of each column, in file order; `None` never happens after
    /// header checking but keeps positions aligned.
    pub(crate) columns: Vec<(&'static str, String)>,
    pub(crate) rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    pub(crate) fn cell<'a>(&self, row: &'a [String], field: &str) -> &'a str {
        self.columns
            .iter()
            .position(|(f, _)| *f == field)
            .and_then(|i| row.get(i))
            .map_or("", |v| v.trim())
    }

    /// The values of column `field` (a kind's key: a code or a login), in
    /// file order without repeats.
    /// Repeats are found through a set: a scan of the list per row made
    /// this quadratic (a fifth of a 10,000-partner import's time).
    pub(crate) fn keys(&self, field: &str) -> Vec<String> {
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut keys: Vec<String> = Vec::new();
        for (_, values) in &self.rows {
            let key = self.cell(values, field);
            if !key.is_empty() && seen.insert(key) {
                keys.push(key.to_owned());
            }
        }
        keys
    }

    fn header_of(&self, field: &str) -> Option<String> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, header)| header.clone())
    }

    pub(crate) fn error(&self, row: usize, invalid: Invalid) -> RowError {
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
pub(super) fn read_cells(
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<(usize, Vec<String>)>, Box<RowError>> {
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
            // `with` is the other row's number, for messages in any language.
            Problem::Conflict {
                rule: "mixed_encodings",
                with: utf8.to_string(),
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
                Problem::Format { expected: "CSV" },
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
                expected: "Excel .xlsx",
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

/// Matches the header row to an importer's columns and drops blank rows at the
/// end; blank rows between data rows are errors (they usually mean a paste
/// went wrong, and silently skipping them hides that).
pub(super) fn table(
    known: &[Column],
    cells: Vec<(usize, Vec<String>)>,
) -> Result<Table, Vec<RowError>> {
    let mut cells = cells.into_iter();
    let Some((header_row, headers)) = cells.next() else {
        return Err(vec![RowError::file("file", Problem::Required)]);
    };
    let (columns, mut errors) = header(known, header_row, &headers)?;
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
                with: rows.len().to_string(),
            },
        ));
        return Err(errors);
    }
    for (row, values) in &rows {
        if values.iter().any(|v| is_sample(v)) {
            errors.push(RowError::new(
                Some(*row),
                None,
                "row",
                Problem::Rule { rule: "sample_row" },
            ));
        } else if values.iter().all(|v| v.trim().is_empty()) {
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

/// Each column's field and its header as the file wrote it, in file order.
pub(super) type Columns = Vec<(&'static str, String)>;

/// Matches a header row to an importer's columns: each column's field and
/// its header as written, and the problems of the header (unknown or
/// repeated headers, missing required columns). A header row that is
/// mostly another kind's is refused outright.
pub(super) fn header(
    known: &[Column],
    header_row: usize,
    headers: &[String],
) -> Result<(Columns, Vec<RowError>), Vec<RowError>> {
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
    let written = headers.iter().filter(|h| !h.trim().is_empty()).count();
    let missing_required = known
        .iter()
        .any(|c| c.required && !columns.iter().any(|(f, _)| *f == c.field));
    if missing_required && columns.len() * 2 < written {
        // Most headers belong to something else: the file is another kind
        // (partners uploaded as contacts). One message with the headers this
        // kind expects helps; an error for each header and row does not.
        return Err(vec![RowError::new(
            Some(header_row),
            None,
            "file",
            Problem::Conflict {
                rule: "not_this_kind",
                with: known.iter().map(|c| c.field).collect::<Vec<_>>().join(", "),
            },
        )]);
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
    Ok((columns, errors))
}

/// What starts the key of a template's example row, in Chinese and English
/// templates. A row carrying it is refused: people forget to delete the
/// example, and it would otherwise pass every check and be imported.
pub const SAMPLE_MARKERS: [&str; 2] = ["示例-", "SAMPLE-"];

pub(super) fn is_sample(cell: &str) -> bool {
    let cell = cell.trim_start();
    SAMPLE_MARKERS.iter().any(|marker| {
        cell.get(..marker.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(marker))
    })
}

/// A template for a kind: its headers in English or Chinese and one example
/// row (its key marked as a sample, its values in the template's language),
/// as xlsx or as CSV (UTF-8 with a BOM, which Excel needs to show Chinese
/// correctly).
pub fn template(kind: ImportKind, chinese: bool, xlsx: bool) -> Result<Vec<u8>, AppError> {
    let columns = kind.columns();
    let headers: Vec<String> = columns
        .iter()
        .map(|c| if chinese { c.zh } else { c.field }.to_owned())
        .collect();
    let marker = SAMPLE_MARKERS[usize::from(!chinese)];
    let example: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| match c.values {
            _ if i == 0 => format!("{marker}{}", c.example),
            Values::Named(set) => super::values::word(set, c.example, chinese),
            Values::Grade if chinese => "金牌".to_owned(),
            Values::Text | Values::Grade | Values::Region => c.example.to_owned(),
        })
        .collect();
    if xlsx {
        let cells = example
            .iter()
            .cloned()
            .map(crate::export::Cell::Text)
            .collect();
        return crate::export::sheet_to_xlsx(kind.as_str(), &headers, std::iter::once(cells));
    }
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let failed = |e: csv::Error| AppError::Internal(format!("csv template: {e}"));
    writer.write_record(&headers).map_err(failed)?;
    writer.write_record(&example).map_err(failed)?;
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv template: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTNERS: &[Column] = super::super::partners::COLUMNS;

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
                    with: "2".into()
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
            PARTNERS,
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
            fields(table(PARTNERS, rows(&["Code", "name", "colour"], &[]))),
            [
                (Some(1), "header".to_owned()),
                (Some(1), "partner_type".to_owned())
            ]
        );
        assert_eq!(
            fields(table(
                PARTNERS,
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
        let errors = table(PARTNERS, all).err().unwrap_or_default();
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
                    let refused: Vec<_> = table(kind.columns(), cells)
                        .err()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|e| (e.row, e.problem))
                        .collect();
                    assert_eq!(
                        refused,
                        [(Some(2), Problem::Rule { rule: "sample_row" })],
                        "{kind:?} {name} chinese={chinese}: only the sample row is refused"
                    );
                }
            }
        }
    }

    #[test]
    fn another_kind_of_file_is_one_error_naming_the_expected_headers() {
        let partners_file = vec![(
            1,
            ["编码", "名称", "类型", "等级", "区域编码"]
                .map(str::to_owned)
                .to_vec(),
        )];
        let contacts = super::super::contacts::COLUMNS;
        let errors = table(contacts, partners_file).err().unwrap_or_default();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].problem,
            Problem::Conflict {
                rule: "not_this_kind",
                with: "partner_code, name, role, phone, email, birthday".into()
            }
        );
    }

    #[test]
    fn not_a_spreadsheet_is_refused() {
        assert!(read_cells("partners.xlsx", b"not a zip").is_err());
        assert!(read_cells("partners.pdf", b"").is_err());
    }
}
