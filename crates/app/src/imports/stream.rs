//! The streaming importers' shared machinery (sell-through, sell-in): a
//! file's rows read one at a time with bounded memory, the header matched
//! to the kind's columns, the rows no kind accepts (blank in the middle,
//! the template's sample, values beyond the header) screened out, the
//! run's tally of problems, capped at [`REPORTED`], the duplicate rule's
//! screen in memory ([`Screen`]) and the batch writes that run while the
//! next batch is read ([`Writes`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::io::Read;
use std::pin::Pin;
use std::task::Poll;

use chrono::NaiveDate;
use qudao_domain::Problem;
use qudao_domain::sellthrough::fingerprint;
use qudao_store::StoreError;
use qudao_store::bulk::LineKey;

use super::read::{header, is_sample};
use super::{Column, RowError, Source};

/// Problems listed in a report; beyond them only their number is told.
pub const REPORTED: usize = 1_000;

/// Lines per write: each batch is sorted into the key index's order before
/// it is written (`store::sellthrough::insert_lines`), and a larger batch
/// makes that sweep denser; a few megabytes held.
pub(crate) const BATCH: usize = 20_000;

/// A file's rows, one at a time.
pub(crate) enum Rows<'a> {
    Csv {
        reader: csv::Reader<Box<dyn Read + Send + 'a>>,
        record: csv::ByteRecord,
        first: bool,
    },
    Cells(std::vec::IntoIter<(usize, Vec<String>)>),
}

impl<'a> Rows<'a> {
    pub(crate) fn open(source: Source<'a>, file_name: &str) -> Result<Self, Box<RowError>> {
        let lower = file_name.to_lowercase();
        let csv = lower.ends_with(".csv") || lower.ends_with(".txt");
        if !csv && !lower.ends_with(".xlsx") {
            return Err(Box::new(RowError::file(
                "file",
                Problem::NotOneOf {
                    choices: vec![".csv", ".xlsx"],
                },
            )));
        }
        let unreadable = || {
            Box::new(RowError::file(
                "file",
                Problem::Rule {
                    rule: "file_unreadable",
                },
            ))
        };
        if csv {
            let input: Box<dyn Read + Send + 'a> = match source {
                Source::Bytes(bytes) => Box::new(bytes),
                Source::File(path) => Box::new(std::io::BufReader::with_capacity(
                    1 << 20,
                    std::fs::File::open(path).map_err(|_| unreadable())?,
                )),
            };
            let reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(input);
            return Ok(Rows::Csv {
                reader,
                record: csv::ByteRecord::new(),
                first: true,
            });
        }
        let bytes = match source {
            Source::Bytes(bytes) => bytes.to_vec(),
            Source::File(path) => std::fs::read(path).map_err(|_| unreadable())?,
        };
        Ok(Rows::Cells(
            super::read::read_cells("f.xlsx", &bytes)?.into_iter(),
        ))
    }

    /// Rows given as cells (an API batch: the header first).
    pub(crate) fn cells(rows: Vec<(usize, Vec<String>)>) -> Self {
        Rows::Cells(rows.into_iter())
    }

    /// Reads the next row into `cells`; its row number, or `None` at the end.
    pub(crate) fn next(&mut self, cells: &mut Vec<String>) -> Result<Option<usize>, Box<RowError>> {
        match self {
            Rows::Csv {
                reader,
                record,
                first,
            } => {
                let more = reader.read_byte_record(record).map_err(|err| {
                    let row = err.position().map(|p| p.line() as usize);
                    Box::new(RowError::new(
                        row,
                        None,
                        "file",
                        Problem::Format { expected: "CSV" },
                    ))
                })?;
                if !more {
                    return Ok(None);
                }
                let row = record.position().map_or(0, |p| p.line() as usize);
                cells.resize(record.len(), String::new());
                for (i, field) in record.iter().enumerate() {
                    let field = if *first && i == 0 {
                        field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
                    } else {
                        field
                    };
                    let cell = &mut cells[i];
                    cell.clear();
                    // A file is UTF-8 or, as Excel writes it in a Chinese
                    // locale, GBK; decided per cell so nothing is buffered.
                    match std::str::from_utf8(field) {
                        Ok(text) => cell.push_str(text),
                        Err(_) => {
                            let (text, _, bad) = encoding_rs::GBK.decode(field);
                            if bad {
                                return Err(Box::new(RowError::new(
                                    Some(row),
                                    None,
                                    "file",
                                    Problem::Rule {
                                        rule: "unknown_encoding",
                                    },
                                )));
                            }
                            cell.push_str(&text);
                        }
                    }
                }
                *first = false;
                Ok(Some(row))
            }
            Rows::Cells(rows) => Ok(rows.next().map(|(row, values)| {
                *cells = values;
                row
            })),
        }
    }
}

/// What a run found, for the report (and an upload record).
#[derive(Default)]
pub(crate) struct Found {
    pub(crate) rows: usize,
    pub(crate) written: usize,
    pub(crate) held: usize,
    pub(crate) errors: Vec<RowError>,
    /// Problems beyond the ones listed.
    pub(crate) more: usize,
}

impl Found {
    pub(crate) fn push(&mut self, error: RowError) {
        if self.errors.len() < REPORTED {
            self.errors.push(error);
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn failed(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Ends the list: the count of problems not listed becomes one more
    /// problem of the file.
    pub(crate) fn close(&mut self) {
        if self.more > 0 {
            self.errors.push(RowError::file(
                "file",
                Problem::Conflict {
                    rule: "more_errors",
                    with: self.more.to_string(),
                },
            ));
        }
    }

    /// Rows with at least one problem (those not listed included).
    pub(crate) fn rejected_rows(&self) -> usize {
        self.errors
            .iter()
            .filter_map(|e| e.row)
            .collect::<BTreeSet<_>>()
            .len()
            + self.more
    }
}

/// A file's rows after its header, screened.
pub(crate) struct Stream<'a> {
    rows: Rows<'a>,
    columns: Vec<(&'static str, String)>,
    blank_rows: Vec<usize>,
    read: u64,
}

impl<'a> Stream<'a> {
    /// Reads and matches the header; `None` (its problems in `found`) when
    /// the file cannot be read on.
    pub(crate) fn start(
        rows: Result<Rows<'a>, Box<RowError>>,
        known: &'static [Column],
        found: &mut Found,
    ) -> Option<Self> {
        let mut rows = match rows {
            Ok(rows) => rows,
            Err(error) => {
                found.push(*error);
                return None;
            }
        };
        let mut cells = Vec::new();
        let header_row = match rows.next(&mut cells) {
            Ok(Some(row)) => row,
            Ok(None) => {
                found.push(RowError::file("file", Problem::Required));
                return None;
            }
            Err(error) => {
                found.push(*error);
                return None;
            }
        };
        match header(known, header_row, &cells) {
            Ok((columns, errors)) if errors.is_empty() => Some(Self {
                rows,
                columns,
                blank_rows: Vec::new(),
                read: 1,
            }),
            Ok((_, errors)) | Err(errors) => {
                for error in errors {
                    found.push(error);
                }
                None
            }
        }
    }

    /// Where a field's column is in a row, if the file has it.
    pub(crate) fn position(&self, field: &str) -> Option<usize> {
        self.columns.iter().position(|(f, _)| *f == field)
    }

    /// The header the file gave a field, as its report names the column.
    pub(crate) fn header_of(&self, field: &str) -> Option<String> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, h)| h.clone())
    }

    /// Rows read so far, the header and screened rows included.
    pub(crate) fn read(&self) -> u64 {
        self.read
    }

    /// The next row to check, read into `cells`: its number, or `None` at
    /// the end (or when the file stops being readable, a problem in
    /// `found`). Rows no kind accepts become problems on the way.
    pub(crate) fn next(&mut self, cells: &mut Vec<String>, found: &mut Found) -> Option<usize> {
        loop {
            let row = match self.rows.next(cells) {
                Ok(Some(row)) => row,
                Ok(None) => return None,
                Err(error) => {
                    found.push(*error);
                    return None;
                }
            };
            self.read += 1;
            if cells.iter().all(|c| c.trim().is_empty()) {
                self.blank_rows.push(row);
                continue;
            }
            // Blank rows are fine at the end only.
            for blank in self.blank_rows.drain(..) {
                found.rows += 1;
                found.push(RowError::new(
                    Some(blank),
                    None,
                    "row",
                    Problem::Rule { rule: "empty_row" },
                ));
            }
            found.rows += 1;
            if cells.iter().any(|c| is_sample(c)) {
                found.push(RowError::new(
                    Some(row),
                    None,
                    "row",
                    Problem::Rule { rule: "sample_row" },
                ));
                continue;
            }
            if cells[self.columns.len().min(cells.len())..]
                .iter()
                .any(|v| !v.trim().is_empty())
            {
                found.push(RowError::new(
                    Some(row),
                    None,
                    "row",
                    Problem::Rule {
                        rule: "values_without_header",
                    },
                ));
                continue;
            }
            return Some(row);
        }
    }

    /// After the last row: a file with no row to check is a problem.
    pub(crate) fn finish(&self, found: &mut Found) {
        if found.rows == 0 && !found.failed() {
            found.push(RowError::file("file", Problem::Required));
        }
    }
}

/// Rows read and checked between two looks at the batch being written.
pub(crate) const STEP: usize = 256;

/// Lines the screen holds a fingerprint of (8 bytes each, about 40 MB in
/// the set at most); past them every line is left to the database.
const SCREENED: usize = 3_500_000;

/// The duplicate rule's first pass, in memory: a fingerprint of each
/// written line's key, and each partner's first and last date. A clean
/// file (no fingerprint twice, none among the earlier lines of its
/// partners and days) needs no more; otherwise the database's exact
/// comparison (`repeats`) names the rows, as it did for every file before.
/// That comparison probed the key index once per line: about 1.5 s of a
/// million-line load (`bench/README.md`).
#[derive(Default)]
pub(crate) struct Screen {
    seen: HashSet<u64>,
    spans: HashMap<i64, (NaiveDate, NaiveDate)>,
    /// A fingerprint met twice, or more lines than [`SCREENED`]: only the
    /// database can tell.
    ask: bool,
}

impl Screen {
    pub(crate) fn add(
        &mut self,
        partner_id: i64,
        date: NaiveDate,
        product_id: i64,
        qty: i64,
        amount_minor: i64,
        document_no: Option<&str>,
    ) {
        self.spans
            .entry(partner_id)
            .and_modify(|(from, to)| {
                *from = (*from).min(date);
                *to = (*to).max(date);
            })
            .or_insert((date, date));
        if self.ask {
            return;
        }
        if self.seen.len() == SCREENED {
            self.ask = true;
            self.seen = HashSet::new();
            return;
        }
        let print = fingerprint(partner_id, date, product_id, qty, amount_minor, document_no);
        if !self.seen.insert(print) {
            self.ask = true;
        }
    }

    /// Whether the database must compare the lines.
    pub(crate) fn ask(&self) -> bool {
        self.ask
    }

    /// Each partner written for, with the first and last date of its lines.
    pub(crate) fn spans(&self) -> Vec<(i64, NaiveDate, NaiveDate)> {
        let mut spans: Vec<_> = self
            .spans
            .iter()
            .map(|(partner, (from, to))| (*partner, *from, *to))
            .collect();
        spans.sort_unstable();
        spans
    }

    /// Screens a partner's earlier lines: once one may repeat a written
    /// line, the database must compare.
    pub(crate) fn earlier(&mut self, partner_id: i64, keys: &[LineKey]) {
        self.ask = self.ask
            || keys.iter().any(|k| {
                self.seen.contains(&fingerprint(
                    partner_id,
                    k.date,
                    k.product_id,
                    k.qty,
                    k.amount_minor,
                    k.document_no.as_deref(),
                ))
            });
    }
}

type Write<'t> = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 't>>;

/// One batch write at a time, under way while the caller reads and checks
/// the next batch. A write is polled when it starts (which hands SQLite's
/// worker thread its statement, or sends PostgreSQL the `COPY`) and at
/// every [`Writes::step`]; the database works on the other core meanwhile.
/// Before, the reading thread waited for each batch: the two took turns.
#[derive(Default)]
pub(crate) struct Writes<'t> {
    pending: Option<Write<'t>>,
    ended: Option<Result<(), StoreError>>,
}

impl<'t> Writes<'t> {
    /// Waits for the write under way, then starts `write`.
    pub(crate) async fn start(
        &mut self,
        write: impl Future<Output = Result<(), StoreError>> + Send + 't,
    ) -> Result<(), StoreError> {
        self.wait().await?;
        self.pending = Some(Box::pin(write));
        self.step().await;
        Ok(())
    }

    /// Lets the write under way go on as far as it can without waiting.
    pub(crate) async fn step(&mut self) {
        std::future::poll_fn(|cx| {
            if let Some(write) = self.pending.as_mut()
                && let Poll::Ready(ended) = write.as_mut().poll(cx)
            {
                self.pending = None;
                self.ended = Some(ended);
            }
            Poll::Ready(())
        })
        .await;
    }

    /// Waits for the write under way to end: its outcome.
    pub(crate) async fn wait(&mut self) -> Result<(), StoreError> {
        if let Some(write) = self.pending.take() {
            self.ended = Some(write.await);
        }
        self.ended.take().unwrap_or(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_stream_in_utf8_with_bom_and_in_gbk() {
        let text = "\u{feff}partner_code,date\nP1,2026-11-03\n";
        let mut rows = Rows::open(Source::Bytes(text.as_bytes()), "a.csv").unwrap();
        let mut cells = Vec::new();
        assert_eq!(rows.next(&mut cells).unwrap(), Some(1));
        assert_eq!(cells, ["partner_code", "date"]);
        assert_eq!(rows.next(&mut cells).unwrap(), Some(2));
        assert_eq!(cells, ["P1", "2026-11-03"]);
        assert_eq!(rows.next(&mut cells).unwrap(), None);

        let (gbk, _, _) = encoding_rs::GBK.encode("合作伙伴编码,日期\n");
        let mut rows = Rows::open(Source::Bytes(&gbk), "b.csv").unwrap();
        rows.next(&mut cells).unwrap();
        assert_eq!(cells, ["合作伙伴编码", "日期"]);
        assert!(Rows::open(Source::Bytes(b""), "c.pdf").is_err());
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn the_screen_asks_the_database_only_about_a_possible_repeat() {
        let mut screen = Screen::default();
        screen.add(1, day(3), 7, 2, 100, Some("A1"));
        screen.add(1, day(9), 7, 2, 100, None);
        screen.add(2, day(5), 7, 2, 100, Some("A1"));
        assert!(!screen.ask());
        assert_eq!(screen.spans(), [(1, day(3), day(9)), (2, day(5), day(5))]);
        let earlier = |document_no: Option<&str>| LineKey {
            date: day(9),
            product_id: 7,
            qty: 2,
            amount_minor: 100,
            document_no: document_no.map(str::to_owned),
        };
        screen.earlier(2, &[earlier(None)]);
        screen.earlier(1, &[earlier(Some("A1"))]);
        assert!(!screen.ask());
        screen.earlier(1, &[earlier(Some("A1")), earlier(None)]);
        assert!(screen.ask());

        let mut screen = Screen::default();
        screen.add(1, day(3), 7, 2, 100, None);
        screen.add(1, day(3), 7, 2, 100, None);
        assert!(screen.ask());
    }
}
