//! What-if (模拟测算): a draft program, or a changed bracket table, run
//! against any period's facts without saving anything, beside the version
//! in force for that period: the total cost, the change in cost, and which
//! subjects gain or lose and by how much.
//!
//! - **The variant** starts from a document: one given whole (a draft not
//!   saved yet), a stored version of the program, or the version in force
//!   for the period (the latest version when none is). Its `mode` and
//!   `brackets` may then be replaced, which is what the bracket editor
//!   sends on every change. The result is checked exactly as a saved
//!   document is, so a bad bracket is named at its path (`brackets[1].from`).
//!   Its effective dates are not checked against the period: trying next
//!   year's draft on last year's facts is the point.
//! - **Reads are kept.** What a calculation reads (bases, targets,
//!   adjustments: `incentive_compute::gather`) depends on the program's
//!   subjects and base, not on its brackets, caps or rates. The reads of
//!   the last few (period, subjects and base) are kept for [`TTL`] and for
//!   as long as the fact engine's snapshot is current, so a changed bracket
//!   costs only the calculation of every subject again.
//! - **Amounts are each program's own**, before stacking with other
//!   programs: the question is what this program costs.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentives::Program;
use qudao_domain::incentives::program::PeriodKind;
use qudao_domain::money::{Currency, Money};
use qudao_domain::periods::Period;
use qudao_store::incentives::{ProgramRow, ProgramStatus};
use qudao_store::scorecards::Scored;

use crate::incentive_compute::Gathered;
use crate::incentives::{DocumentFormat, ProgramCheck, ProgramProblem};
use crate::{AppError, Caller, Permission, Qudao};

/// How long kept reads may miss a target or an adjustment changed since
/// (the facts themselves are followed through the engine's snapshot).
pub const TTL: Duration = Duration::from_secs(30);

/// How many (period, subjects and base) reads are kept.
const KEPT: usize = 4;

/// The most rows a what-if answers with.
pub const MAX_ROWS: usize = 10_000;

/// One bracket as a document writes it: `from` and a `rate` (or, in
/// `fixed_amount` mode, an `amount`), as text (`"80%"`, `"2%"`, `"5000.00"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BracketText {
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
}

/// What to try.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct WhatIfRequest {
    /// The period whose facts are used: `2026-Q2`, `2026-05` or `2026`.
    pub period: String,
    /// A whole program document to try (its code names the program it is
    /// compared with).
    #[serde(default)]
    pub document: Option<String>,
    /// `json` (the default) or `toml`, for `document`.
    #[serde(default)]
    pub format: Option<String>,
    /// A stored version of the program to try (a draft, say).
    #[serde(default)]
    pub version: Option<u32>,
    /// Replaces the document's `mode`: `retroactive`, `marginal` or
    /// `fixed_amount`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Replaces the document's brackets.
    #[serde(default)]
    pub brackets: Option<Vec<BracketText>>,
    /// How many subjects to list, largest change first (50 by default).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WhatIfSide {
    pub code: String,
    pub name: String,
    pub version: u32,
    /// `draft`, `active` or `retired`; `unsaved` for a document or a
    /// changed bracket table.
    pub status: String,
    /// Minor units of `currency`.
    pub total: i64,
    pub total_shown: String,
    /// Subjects that earn more than zero.
    pub paid: usize,
}

/// One subject's amount under both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WhatIfRow {
    /// `partner` or `rep`.
    pub subject_type: String,
    pub code: String,
    pub name: String,
    /// Attainment (or growth) as a decimal ratio, 6 places.
    pub attainment: Option<String>,
    /// The bracket reached, counted from 1, under each.
    pub bracket_in_force: Option<u32>,
    pub bracket: Option<u32>,
    pub in_force: i64,
    pub amount: i64,
    pub change: i64,
    pub change_shown: String,
}

/// A what-if's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WhatIfView {
    pub period: String,
    pub currency: String,
    /// The version in force for the period; none for a program not in
    /// force then (everything it pays is new cost).
    pub in_force: Option<WhatIfSide>,
    pub variant: WhatIfSide,
    /// The variant's mode and brackets as its document writes them (what
    /// the bracket editor shows).
    pub mode: String,
    pub brackets: Vec<BracketText>,
    /// Variant − in force, minor units.
    pub change: i64,
    pub change_shown: String,
    pub subjects: usize,
    pub gainers: usize,
    pub losers: usize,
    /// The subjects with the largest change (either way) first.
    pub rows: Vec<WhatIfRow>,
}

/// The reads kept for recent what-ifs.
#[derive(Debug, Default)]
pub(crate) struct KeptReads {
    held: Mutex<Vec<Kept>>,
}

#[derive(Debug)]
struct Kept {
    key: String,
    generation: u64,
    at: Instant,
    reads: Arc<Gathered>,
}

impl KeptReads {
    fn get(&self, key: &str, generation: u64) -> Option<Arc<Gathered>> {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.iter()
            .find(|k| k.key == key && k.generation == generation && k.at.elapsed() < TTL)
            .map(|k| Arc::clone(&k.reads))
    }

    fn keep(&self, key: String, generation: u64, reads: Arc<Gathered>) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.retain(|k| k.key != key && k.at.elapsed() < TTL);
        if held.len() >= KEPT {
            held.remove(0);
        }
        held.push(Kept {
            key,
            generation,
            at: Instant::now(),
            reads,
        });
    }
}

/// What a program's reads depend on: its subjects and its base, not its
/// brackets, caps or payout.
fn reads_key(period: Period, program: &Program) -> Result<String, AppError> {
    #[derive(Serialize)]
    struct Key<'a> {
        period: String,
        code: &'a str,
        kind: &'a str,
        scope: &'a qudao_domain::incentives::program::Scope,
        base: &'a qudao_domain::incentives::program::Base,
        multipliers: &'a [qudao_domain::incentives::program::Multiplier],
        reference: &'a qudao_domain::incentives::program::Reference,
        collected: bool,
        commission: Option<&'a qudao_domain::incentives::program::Commission>,
        conditions: &'a qudao_domain::incentives::program::Conditions,
    }
    serde_json::to_string(&Key {
        period: period.to_string(),
        code: program.code.as_str(),
        kind: program.kind.as_str(),
        scope: &program.scope,
        base: &program.base,
        multipliers: &program.multipliers,
        reference: &program.rules.reference,
        collected: program.rules.pay_on_collected_share,
        commission: program.commission.as_ref(),
        conditions: &program.conditions,
    })
    .map_err(|e| AppError::Internal(format!("what-if key: {e}")))
}

fn period_kind(period: Period) -> PeriodKind {
    match period {
        Period::Year(_) => PeriodKind::Year,
        Period::Quarter(..) => PeriodKind::Quarter,
        Period::Month(_) => PeriodKind::Month,
    }
}

/// A JSON scalar as a document writes it.
fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A document as a JSON object, to change fields in.
fn document_value(text: &str, format: DocumentFormat) -> Result<serde_json::Value, AppError> {
    match format {
        DocumentFormat::Json => serde_json::from_str(text).ok(),
        DocumentFormat::Toml => toml::from_str(text).ok(),
    }
    .filter(serde_json::Value::is_object)
    .ok_or_else(|| {
        Invalid::new(
            "document",
            Problem::Conflict {
                rule: "program_document_unreadable",
                with: String::new(),
            },
        )
        .into()
    })
}

/// A request's invalid fields as problems at their paths, beside the
/// variant's own.
fn as_problems<T>(
    answer: Result<Result<T, Vec<ProgramProblem>>, AppError>,
) -> Result<Result<T, Vec<ProgramProblem>>, AppError> {
    match answer {
        Err(AppError::Invalid(fields)) => Ok(Err(fields
            .into_iter()
            .map(|f| ProgramProblem::new(f.field, f.problem))
            .collect())),
        other => other,
    }
}

/// Subject × amount (and ratio, bracket) of one program over the reads.
struct Sided {
    amount: i64,
    ratio: Option<rust_decimal::Decimal>,
    bracket: Option<usize>,
}

fn amounts(
    program: &Program,
    gathered: &Gathered,
) -> Result<BTreeMap<Scored, (usize, Sided)>, Invalid> {
    gathered
        .reads
        .iter()
        .map(|read| {
            let o = read.outcome(program)?;
            Ok((
                gathered.earners[read.earner].scored,
                (
                    read.earner,
                    Sided {
                        amount: o.amount,
                        ratio: o.ratio,
                        bracket: o.bracket,
                    },
                ),
            ))
        })
        .collect()
}

fn side(
    program: &Program,
    status: &str,
    total: i64,
    paid: usize,
    currency: Currency,
) -> WhatIfSide {
    WhatIfSide {
        code: program.code.as_str().to_owned(),
        name: program.name.clone(),
        version: program.version,
        status: status.to_owned(),
        total,
        total_shown: Money::from_minor(total, currency).formatted(),
        paid,
    }
}

impl Qudao {
    /// The reads of one program over a period, kept or gathered.
    async fn whatif_reads(
        &self,
        period: Period,
        program: &Program,
    ) -> Result<Arc<Gathered>, AppError> {
        let key = reads_key(period, program)?;
        let generation = self.analytics_snapshot().await?.generation;
        if let Some(kept) = self.kept_reads().get(&key, generation) {
            return Ok(kept);
        }
        let reads = Arc::new(self.gather(period, &[program]).await?);
        self.kept_reads().keep(key, generation, Arc::clone(&reads));
        Ok(reads)
    }

    /// The document a what-if starts from, and the program row it came
    /// from (none for a document sent whole).
    async fn whatif_start(
        &self,
        code: &str,
        period: Period,
        request: &WhatIfRequest,
    ) -> Result<(String, DocumentFormat), AppError> {
        if let Some(document) = crate::non_empty(request.document.as_deref()) {
            let format = match crate::non_empty(request.format.as_deref()) {
                Some(f) => DocumentFormat::parse(f).ok_or_else(|| {
                    Invalid::new(
                        "format",
                        Problem::NotOneOf {
                            choices: vec!["json", "toml"],
                        },
                    )
                })?,
                None => DocumentFormat::Json,
            };
            return Ok((document.to_owned(), format));
        }
        let code = code.trim().to_ascii_uppercase();
        let versions: Vec<ProgramRow> = qudao_store::incentives::all_versions(self.db())
            .await?
            .into_iter()
            .filter(|r| r.program.code.as_str() == code)
            .collect();
        if versions.is_empty() {
            return Err(AppError::NotFound("incentive program"));
        }
        let row = match request.version {
            Some(v) => versions
                .iter()
                .find(|r| r.program.version == v)
                .ok_or_else(|| {
                    Invalid::new(
                        "version",
                        Problem::Conflict {
                            rule: "program_version_unknown",
                            with: v.to_string(),
                        },
                    )
                })?,
            None => {
                let fiscal =
                    crate::targets::fiscal(self.current_settings().await?.fiscal_year_start);
                versions
                    .iter()
                    .find(|r| {
                        r.status == ProgramStatus::Active
                            && r.program.covers(period, fiscal).is_ok()
                    })
                    .or_else(|| versions.iter().max_by_key(|r| r.program.version))
                    .ok_or(AppError::NotFound("incentive program"))?
            }
        };
        Ok((row.document.clone(), DocumentFormat::Json))
    }

    /// The variant's document: where it starts from, with its mode and
    /// brackets replaced when the request changes them (then as JSON).
    async fn whatif_document(
        &self,
        code: &str,
        period: Period,
        request: &WhatIfRequest,
    ) -> Result<(String, DocumentFormat, bool), AppError> {
        let (text, format) = self.whatif_start(code, period, request).await?;
        let changed = request.mode.is_some() || request.brackets.is_some();
        Ok(if changed {
            let mut value = document_value(&text, format)?;
            if let Some(mode) = &request.mode {
                value["mode"] = serde_json::Value::String(mode.clone());
            }
            if let Some(brackets) = &request.brackets {
                value["brackets"] = serde_json::to_value(brackets)
                    .map_err(|e| AppError::Internal(format!("what-if brackets: {e}")))?;
            }
            (value.to_string(), DocumentFormat::Json, true)
        } else {
            (text, format, false)
        })
    }

    /// Tries a variant of a program on a period's facts beside the version
    /// in force then; writes nothing. A request or a variant that is wrong
    /// comes back as its problems, each at its path (`period`,
    /// `brackets[1].from`).
    pub async fn incentive_whatif(
        &self,
        caller: &Caller,
        code: &str,
        request: &WhatIfRequest,
    ) -> Result<Result<WhatIfView, Vec<ProgramProblem>>, AppError> {
        caller.require(Permission::ManageIncentives)?;
        as_problems(self.whatif(caller, code, request).await)
    }

    async fn whatif(
        &self,
        caller: &Caller,
        code: &str,
        request: &WhatIfRequest,
    ) -> Result<Result<WhatIfView, Vec<ProgramProblem>>, AppError> {
        let period = Period::parse("period", &request.period)?;
        let limit = request.limit.unwrap_or(50);
        if limit > MAX_ROWS {
            return Err(Invalid::new(
                "limit",
                Problem::Limit {
                    rule: "whatif_limit",
                    max: MAX_ROWS,
                },
            )
            .into());
        }
        let (text, format, changed) = self.whatif_document(code, period, request).await?;
        let variant = match self.checked(caller, &text, format).await? {
            Ok((program, _)) => program,
            Err(problems) => return Ok(Err(problems)),
        };
        if period_kind(period) != variant.period {
            return Err(Invalid::new(
                "period",
                Problem::Conflict {
                    rule: "program_period_kind",
                    with: variant.period.as_str().to_owned(),
                },
            )
            .into());
        }
        let fiscal = crate::targets::fiscal(self.current_settings().await?.fiscal_year_start);
        let stored = qudao_store::incentives::all_versions(self.db()).await?;
        let in_force = stored.iter().find(|r| {
            r.program.code == variant.code
                && r.status == ProgramStatus::Active
                && r.program.covers(period, fiscal).is_ok()
        });
        let variant_status = if changed || request.document.is_some() {
            "unsaved"
        } else {
            stored
                .iter()
                .find(|r| r.program.code == variant.code && r.program.version == variant.version)
                .map_or("unsaved", |r| r.status.as_str())
        };
        let reads = self.whatif_reads(period, &variant).await?;
        let after = amounts(&variant, &reads)?;
        let (before, before_reads) = match in_force {
            Some(row) => {
                let theirs = self.whatif_reads(period, &row.program).await?;
                (amounts(&row.program, &theirs)?, Some(theirs))
            }
            None => (BTreeMap::new(), None),
        };
        let seen = self.seen_by(caller).await?;
        let currency = self.current_settings().await?.currency;
        let mut names: HashMap<Scored, (&str, &str)> = HashMap::new();
        for gathered in std::iter::once(&reads).chain(before_reads.as_ref()) {
            for e in &gathered.earners {
                names.insert(e.scored, (e.code.as_str(), e.name.as_str()));
            }
        }
        let mut rows = Vec::new();
        let (mut total_before, mut total_after) = (0_i64, 0_i64);
        let (mut paid_before, mut paid_after) = (0, 0);
        let (mut gainers, mut losers, mut subjects) = (0, 0, 0);
        let subjects_of: std::collections::BTreeSet<Scored> =
            after.keys().chain(before.keys()).copied().collect();
        for subject in subjects_of {
            if !seen.may_see(subject) {
                continue;
            }
            subjects += 1;
            let now = after.get(&subject).map(|(_, s)| s);
            let was = before.get(&subject).map(|(_, s)| s);
            let amount = now.map_or(0, |s| s.amount);
            let in_force_amount = was.map_or(0, |s| s.amount);
            total_after += amount;
            total_before += in_force_amount;
            paid_after += usize::from(amount > 0);
            paid_before += usize::from(in_force_amount > 0);
            let change = amount - in_force_amount;
            gainers += usize::from(change > 0);
            losers += usize::from(change < 0);
            let (code, name) = names.get(&subject).copied().unwrap_or(("", ""));
            rows.push(WhatIfRow {
                subject_type: match subject {
                    Scored::Partner(_) => "partner",
                    Scored::Rep(_) => "rep",
                }
                .to_owned(),
                code: code.to_owned(),
                name: name.to_owned(),
                attainment: now.or(was).and_then(|s| s.ratio).map(|r| format!("{r:.6}")),
                bracket_in_force: was.and_then(|s| s.bracket).map(|b| b as u32 + 1),
                bracket: now.and_then(|s| s.bracket).map(|b| b as u32 + 1),
                in_force: in_force_amount,
                amount,
                change,
                change_shown: Money::from_minor(change, currency).formatted(),
            });
        }
        rows.sort_by(|a, b| {
            b.change
                .unsigned_abs()
                .cmp(&a.change.unsigned_abs())
                .then(b.amount.cmp(&a.amount))
                .then(a.code.cmp(&b.code))
        });
        rows.truncate(limit);
        let document = document_value(&text, format)?;
        let brackets = document["brackets"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|b| BracketText {
                        from: scalar_text(&b["from"]).unwrap_or_default(),
                        rate: scalar_text(&b["rate"]),
                        amount: scalar_text(&b["amount"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let change = total_after - total_before;
        Ok(Ok(WhatIfView {
            period: period.to_string(),
            currency: currency.as_str().to_owned(),
            in_force: in_force.map(|row| {
                side(
                    &row.program,
                    row.status.as_str(),
                    total_before,
                    paid_before,
                    currency,
                )
            }),
            variant: side(&variant, variant_status, total_after, paid_after, currency),
            mode: variant.rules.pay.mode().as_str().to_owned(),
            brackets,
            change,
            change_shown: Money::from_minor(change, currency).formatted(),
            subjects,
            gainers,
            losers,
            rows,
        }))
    }

    /// Saves what a what-if tried as the program's next draft version (the
    /// draft itself when the latest version is one): the bracket editor's
    /// "save as draft". Checked as any saved document is.
    pub async fn save_whatif(
        &self,
        caller: &Caller,
        code: &str,
        request: &WhatIfRequest,
    ) -> Result<ProgramCheck, AppError> {
        caller.require(Permission::ManageIncentives)?;
        let saved = async {
            let period = Period::parse("period", &request.period)?;
            let (text, format, _) = self.whatif_document(code, period, request).await?;
            let mut value = document_value(&text, format)?;
            let latest = qudao_store::incentives::all_versions(self.db())
                .await?
                .into_iter()
                .filter(|r| {
                    value["code"]
                        .as_str()
                        .is_some_and(|c| r.program.code.as_str().eq_ignore_ascii_case(c.trim()))
                })
                .max_by_key(|r| r.program.version);
            let version = latest.map_or(1, |r| match r.status {
                ProgramStatus::Draft => r.program.version,
                _ => r.program.version.saturating_add(1),
            });
            value["version"] = serde_json::Value::from(version);
            let text = serde_json::to_string_pretty(&value)
                .map_err(|e| AppError::Internal(format!("what-if document: {e}")))?;
            self.save_program(caller, &text, DocumentFormat::Json).await
        };
        match as_problems(saved.await.map(Ok))? {
            Ok(check) => Ok(check),
            Err(problems) => Ok(ProgramCheck::refused(problems)),
        }
    }
}
