//! Incentive programs (返利/提成/专项激励) as the company keeps them: every
//! version of a program document, checked, listed, shown, edited and put
//! in force. The document's rules are `domain::incentives` (`Program::parse`
//! names every problem at its field path); this module reads the JSON or
//! TOML text, checks what the domain cannot (the next version number, the
//! codes the document names exist), and writes.
//!
//! Versions: a new code starts at version 1; the document's `version`
//! must be the next number, or the latest one while that is still a draft
//! (it is then replaced in place). Activation puts a draft in force and
//! retires every active version of the code whose effective dates it
//! covers; one it overlaps only in part is refused, naming it, since on the
//! shared days it would be unclear which rules apply.
//!
//! Who: staff read (finance included), admins and channel managers write;
//! partner roles are refused, as programs are our own rules.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use qudao_domain::catalog::Sku;
use qudao_domain::error::Problem;
use qudao_domain::incentives::document::Scalar;
use qudao_domain::incentives::{Program, ProgramDocument};
use qudao_store::Aggregate;
use qudao_store::incentives::{self as repo, Names, NewVersion, ProgramRow, ProgramStatus};
use qudao_store::paging::{Page, PageRequest};

use crate::{AppError, Caller, Permission, Qudao};

/// The longest document taken, in characters: a program of every field
/// with long lists is a few thousand.
pub const MAX_DOCUMENT_CHARS: usize = 20_000;

/// How a document is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DocumentFormat {
    #[default]
    Json,
    Toml,
}

impl DocumentFormat {
    /// The format a file's extension names (`.json`, `.toml`).
    pub fn of_file(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Self::Json)
        } else if lower.ends_with(".toml") {
            Some(Self::Toml)
        } else {
            None
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "json" => Some(Self::Json),
            "toml" => Some(Self::Toml),
            _ => None,
        }
    }
}

/// One thing wrong with a document, at its field path (`brackets[2].from`,
/// counting list positions from 0); an empty path is the whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProgramProblem {
    pub path: String,
    #[schema(value_type = Object)]
    pub problem: Problem,
    /// The problem in English, for logs and programs.
    pub message: String,
}

impl ProgramProblem {
    pub(crate) fn new(path: impl Into<String>, problem: Problem) -> Self {
        let message = problem.to_string();
        Self {
            path: path.into(),
            problem,
            message,
        }
    }

    fn conflict(path: impl Into<String>, rule: &'static str, with: impl Into<String>) -> Self {
        Self::new(
            path,
            Problem::Conflict {
                rule,
                with: with.into(),
            },
        )
    }
}

/// A program's version as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProgramSummary {
    pub code: String,
    pub version: u32,
    /// `rebate`, `commission` or `promotion`.
    pub kind: String,
    pub name: String,
    pub currency: String,
    /// `month`, `quarter` or `year`.
    pub period: String,
    pub effective_from: NaiveDate,
    pub effective_to: NaiveDate,
    /// `draft`, `active` or `retired`.
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub activated_by: Option<String>,
    pub activated_at: Option<DateTime<Utc>>,
}

/// A code the document names, with its name where it is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub code: String,
    pub name: Option<String>,
    pub name_en: Option<String>,
}

/// The names of what a version's scope and base name, for reading it in
/// words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProgramNames {
    pub regions: Vec<Named>,
    pub partners: Vec<Named>,
    pub grades: Vec<Named>,
    pub product_lines: Vec<Named>,
    pub skus: Vec<Named>,
}

/// One version: its summary, the document as stored (JSON) and the names
/// of what it names.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProgramVersionView {
    #[serde(flatten)]
    pub summary: ProgramSummary,
    pub document: String,
    pub names: ProgramNames,
    /// The checked program, for pages that show it in words.
    #[serde(skip)]
    #[schema(ignore)]
    pub program: Program,
}

/// A version with every version of its code, the latest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProgramDetail {
    pub program: ProgramVersionView,
    pub versions: Vec<ProgramSummary>,
}

/// What checking (or saving) a document found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProgramCheck {
    /// Every problem found; when not empty, nothing was written.
    pub problems: Vec<ProgramProblem>,
    /// The version as it reads (or was saved), when the document is valid.
    pub program: Option<ProgramSummary>,
    /// Whether the version was written (false for a check or a dry run).
    pub saved: bool,
}

impl ProgramCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub(crate) fn refused(problems: Vec<ProgramProblem>) -> Self {
        Self {
            problems,
            program: None,
            saved: false,
        }
    }
}

/// Filters of the programs list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
}

fn summary(row: &ProgramRow) -> ProgramSummary {
    let p = &row.program;
    ProgramSummary {
        code: p.code.as_str().to_owned(),
        version: p.version,
        kind: p.kind.as_str().to_owned(),
        name: p.name.clone(),
        currency: p.currency.as_str().to_owned(),
        period: p.period.as_str().to_owned(),
        effective_from: p.effective.from(),
        effective_to: p.effective.to(),
        status: row.status.as_str().to_owned(),
        created_by: row.created_by.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        activated_by: row.activated_by.clone(),
        activated_at: row.activated_at,
    }
}

fn draft_summary(program: &Program, by: &str) -> ProgramSummary {
    let at = Utc::now();
    ProgramSummary {
        code: program.code.as_str().to_owned(),
        version: program.version,
        kind: program.kind.as_str().to_owned(),
        name: program.name.clone(),
        currency: program.currency.as_str().to_owned(),
        period: program.period.as_str().to_owned(),
        effective_from: program.effective.from(),
        effective_to: program.effective.to(),
        status: ProgramStatus::Draft.as_str().to_owned(),
        created_by: by.to_owned(),
        created_at: at,
        updated_at: at,
        activated_by: None,
        activated_at: None,
    }
}

/// Where the reader stopped, as "line 3, column 7".
fn line_column(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

/// Reads the text into a document and the JSON to store: JSON exactly as
/// written, TOML as the same document in JSON (the store reads JSON back).
/// Only a wrong shape fails here, with where the reader stopped; every
/// other problem is the domain's, at its field path.
fn read_document(
    text: &str,
    format: DocumentFormat,
) -> Result<(ProgramDocument, String), ProgramProblem> {
    let unreadable =
        |with: String| ProgramProblem::conflict("", "program_document_unreadable", with);
    match format {
        DocumentFormat::Json => serde_json::from_str::<ProgramDocument>(text)
            .map(|doc| (doc, text.to_owned()))
            .map_err(|e| unreadable(e.to_string())),
        DocumentFormat::Toml => {
            let value: serde_json::Value = toml::from_str(text).map_err(|e| {
                let at = e
                    .span()
                    .map(|span| format!("{}: ", line_column(text, span.start)))
                    .unwrap_or_default();
                unreadable(format!("{at}{}", e.message().trim()))
            })?;
            let doc =
                ProgramDocument::deserialize(&value).map_err(|e| unreadable(e.to_string()))?;
            let json =
                serde_json::to_string_pretty(&value).map_err(|e| unreadable(e.to_string()))?;
            Ok((doc, json))
        }
    }
}

/// The version number rule (see the module documentation), against the
/// code's versions, the latest first. `Ok(Some(id))` replaces that draft.
fn place_version(
    versions: &[ProgramRow],
    program: &Program,
) -> Result<Option<i64>, ProgramProblem> {
    let wanted = program.version;
    let Some(latest) = versions.first() else {
        return if wanted == 1 {
            Ok(None)
        } else {
            Err(ProgramProblem::conflict(
                "version",
                "program_version_next",
                "1",
            ))
        };
    };
    let last = latest.program.version;
    if wanted == last && latest.status == ProgramStatus::Draft {
        return Ok(Some(latest.id));
    }
    if wanted == last.saturating_add(1) {
        return Ok(None);
    }
    let allowed = if latest.status == ProgramStatus::Draft {
        format!("{last}, {}", last.saturating_add(1))
    } else {
        last.saturating_add(1).to_string()
    };
    Err(ProgramProblem::conflict(
        "version",
        "program_version_next",
        allowed,
    ))
}

/// The text of a document's list entries with their positions, to name a
/// code that does not exist at the place it was written.
fn positions<'a>(list: Option<&'a Vec<Scalar>>) -> impl Iterator<Item = (usize, String)> + 'a {
    list.into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Scalar::Text(t) => Some((i, t.trim().to_owned())),
            Scalar::Integer(n) => Some((i, n.to_string())),
            _ => None,
        })
}

fn named(codes: impl IntoIterator<Item = String>, names: &Names) -> Vec<Named> {
    codes
        .into_iter()
        .map(|code| {
            let found = names.get(&code);
            Named {
                name: found.map(|(zh, _)| zh.clone()),
                name_en: found.and_then(|(_, en)| en.clone()),
                code,
            }
        })
        .collect()
}

fn refs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

/// Every product line and sku a program names (its base and multipliers).
fn lines_and_skus(program: &Program) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut lines: BTreeSet<String> = program
        .base
        .product_lines
        .iter()
        .map(|l| l.as_str().to_owned())
        .collect();
    let mut skus: BTreeSet<String> = program
        .base
        .skus
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    for m in &program.multipliers {
        lines.extend(m.lines.iter().map(|l| l.as_str().to_owned()));
        skus.extend(m.skus.iter().map(|s| s.as_str().to_owned()));
    }
    (lines, skus)
}

impl Qudao {
    /// The names of what a program names; what the caller's scope does not
    /// reach (a partner elsewhere) or what does not exist has no name.
    async fn program_names(
        &self,
        caller: &Caller,
        program: &Program,
    ) -> Result<ProgramNames, AppError> {
        let regions: Vec<String> = program
            .scope
            .regions
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let partners: Vec<String> = program
            .scope
            .partners
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let grades: Vec<String> = program
            .scope
            .grades
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let (lines, skus) = lines_and_skus(program);
        let region_names = repo::region_names(self.db(), &refs(&regions)).await?;
        let partner_names = repo::partner_names(self.db(), caller.scope, &refs(&partners)).await?;
        let grade_names: Names = qudao_store::grades::list(self.db())
            .await?
            .into_iter()
            .map(|g| (g.code, (g.name, g.name_en)))
            .collect();
        let line_names: Names = qudao_store::catalog::lines(self.db())
            .await?
            .into_iter()
            .map(|l| (l.code, (l.name_zh, Some(l.name_en))))
            .collect();
        let sku_list: Vec<String> = skus.into_iter().collect();
        // Only the products the program names, not the whole catalog.
        let named_skus: Vec<&Sku> = program
            .base
            .skus
            .iter()
            .chain(program.multipliers.iter().flat_map(|m| m.skus.iter()))
            .collect();
        let sku_names: Names = qudao_store::catalog::products_with_skus(self.db(), &named_skus)
            .await?
            .into_iter()
            .map(|(sku, p)| (sku, (p.name_zh, Some(p.name_en))))
            .collect();
        Ok(ProgramNames {
            regions: named(regions, &region_names),
            partners: named(partners, &partner_names),
            grades: named(grades, &grade_names),
            product_lines: named(lines, &line_names),
            skus: named(sku_list, &sku_names),
        })
    }

    /// A code the document names that does not exist (or, for a partner,
    /// that the writer's scope does not reach), at the place it is written.
    async fn unknown_codes(
        &self,
        caller: &Caller,
        doc: &ProgramDocument,
        program: &Program,
    ) -> Result<Vec<ProgramProblem>, AppError> {
        let names = self.program_names(caller, program).await?;
        let known = |list: &[Named]| -> BTreeSet<String> {
            list.iter()
                .filter(|n| n.name.is_some())
                .map(|n| n.code.to_ascii_lowercase())
                .collect()
        };
        let mut problems = Vec::new();
        let mut check = |path: String,
                         list: Option<&Vec<Scalar>>,
                         known: &BTreeSet<String>,
                         rule: &'static str| {
            for (i, code) in positions(list) {
                if !known.contains(&code.to_ascii_lowercase()) {
                    problems.push(ProgramProblem::conflict(format!("{path}[{i}]"), rule, code));
                }
            }
        };
        if let Some(scope) = &doc.scope {
            check(
                "scope.regions".into(),
                scope.regions.as_ref(),
                &known(&names.regions),
                "program_unknown_region",
            );
            check(
                "scope.partners".into(),
                scope.partners.as_ref(),
                &known(&names.partners),
                "program_unknown_partner",
            );
            check(
                "scope.grades".into(),
                scope.grades.as_ref(),
                &known(&names.grades),
                "program_unknown_grade",
            );
        }
        let (lines, skus) = (known(&names.product_lines), known(&names.skus));
        if let Some(base) = &doc.base {
            check(
                "base.product_lines".into(),
                base.product_lines.as_ref(),
                &lines,
                "program_unknown_line",
            );
            check(
                "base.skus".into(),
                base.skus.as_ref(),
                &skus,
                "program_unknown_sku",
            );
        }
        for (i, m) in doc.multipliers.iter().flatten().enumerate() {
            check(
                format!("multipliers[{i}].lines"),
                m.lines.as_ref(),
                &lines,
                "program_unknown_line",
            );
            check(
                format!("multipliers[{i}].skus"),
                m.skus.as_ref(),
                &skus,
                "program_unknown_sku",
            );
        }
        Ok(problems)
    }

    /// Reads and checks a document: the domain's rules, then the codes it
    /// names. The checked program and the JSON to store, or every problem.
    pub(crate) async fn checked(
        &self,
        caller: &Caller,
        text: &str,
        format: DocumentFormat,
    ) -> Result<Result<(Program, String), Vec<ProgramProblem>>, AppError> {
        if text.chars().count() > MAX_DOCUMENT_CHARS {
            return Ok(Err(vec![ProgramProblem::new(
                "",
                Problem::TooLong {
                    max: MAX_DOCUMENT_CHARS,
                },
            )]));
        }
        let (doc, json) = match read_document(text, format) {
            Ok(read) => read,
            Err(problem) => return Ok(Err(vec![problem])),
        };
        let program = match Program::parse(&doc) {
            Ok(program) => program,
            Err(problems) => {
                return Ok(Err(problems
                    .into_iter()
                    .map(|p| ProgramProblem::new(p.path, p.problem))
                    .collect()));
            }
        };
        let unknown = self.unknown_codes(caller, &doc, &program).await?;
        if !unknown.is_empty() {
            return Ok(Err(unknown));
        }
        Ok(Ok((program, json)))
    }

    /// Checks a document without writing: the program editor's "check" and
    /// an import's dry run. The version number is checked against the
    /// versions stored now.
    pub async fn check_program(
        &self,
        caller: &Caller,
        text: &str,
        format: DocumentFormat,
    ) -> Result<ProgramCheck, AppError> {
        caller.require(Permission::ManageIncentives)?;
        // A check answers with the problems it found; a text too long to
        // read is refused as a request, as the API documents.
        if text.chars().count() > MAX_DOCUMENT_CHARS {
            return Err(qudao_domain::Invalid::new(
                "document",
                Problem::TooLong {
                    max: MAX_DOCUMENT_CHARS,
                },
            )
            .into());
        }
        let (program, _) = match self.checked(caller, text, format).await? {
            Ok(checked) => checked,
            Err(problems) => return Ok(ProgramCheck::refused(problems)),
        };
        let versions = repo::versions(self.db(), program.code.as_str()).await?;
        if let Err(problem) = place_version(&versions, &program) {
            return Ok(ProgramCheck::refused(vec![problem]));
        }
        Ok(ProgramCheck {
            problems: Vec::new(),
            program: Some(draft_summary(&program, &caller.login)),
            saved: false,
        })
    }

    /// Saves a document as a draft version: a new code at version 1, an
    /// existing one at the next version or over its latest draft. A
    /// document with any problem is refused whole, every problem at its
    /// path, and nothing is written.
    pub async fn save_program(
        &self,
        caller: &Caller,
        text: &str,
        format: DocumentFormat,
    ) -> Result<ProgramCheck, AppError> {
        caller.require(Permission::ManageIncentives)?;
        let (program, json) = match self.checked(caller, text, format).await? {
            Ok(checked) => checked,
            Err(problems) => return Ok(ProgramCheck::refused(problems)),
        };
        let code = program.code.as_str().to_owned();
        let tx = self.write().await?;
        tx.lock(Aggregate::Incentives).await?;
        let versions = repo::versions_for_write(&tx, &code).await?;
        let replace = match place_version(&versions, &program) {
            Ok(replace) => replace,
            Err(problem) => return Ok(ProgramCheck::refused(vec![problem])),
        };
        let new = NewVersion {
            program: &program,
            document: &json,
        };
        let before = match replace {
            Some(id) => {
                repo::replace_draft(&tx, id, new).await?;
                versions.first().map(summary)
            }
            None => {
                repo::insert_draft(&tx, new, &caller.login).await?;
                None
            }
        };
        let after = repo::versions(&tx, &code)
            .await?
            .into_iter()
            .find(|r| r.program.version == program.version)
            .ok_or(AppError::NotFound("program"))?;
        let saved = summary(&after);
        self.audit(
            &tx,
            caller,
            "incentive_program",
            &format!("{code} v{}", program.version),
            if before.is_some() {
                "replace_draft"
            } else {
                "create"
            },
            before.as_ref(),
            Some(&saved),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(ProgramCheck {
            problems: Vec::new(),
            program: Some(saved),
            saved: true,
        })
    }

    /// Puts a draft version in force, retiring the active versions of its
    /// code whose dates it covers; an active version it overlaps only in
    /// part is refused (`program_dates_overlap`, naming it).
    pub async fn activate_program(
        &self,
        caller: &Caller,
        code: &str,
        version: u32,
    ) -> Result<ProgramDetail, AppError> {
        caller.require(Permission::ManageIncentives)?;
        let code = code.trim().to_ascii_uppercase();
        let tx = self.write().await?;
        tx.lock(Aggregate::Incentives).await?;
        let versions = repo::versions_for_write(&tx, &code).await?;
        let target = versions
            .iter()
            .find(|r| r.program.version == version)
            .ok_or(AppError::NotFound("program version"))?;
        if target.status != ProgramStatus::Draft {
            return Err(qudao_domain::Invalid::new(
                "version",
                Problem::Rule {
                    rule: "program_not_draft",
                },
            )
            .into());
        }
        let range = target.program.effective;
        let mut retired = Vec::new();
        for other in versions
            .iter()
            .filter(|r| r.status == ProgramStatus::Active)
        {
            let theirs = other.program.effective;
            let overlaps = theirs.from() <= range.to() && range.from() <= theirs.to();
            if !overlaps {
                continue;
            }
            let covers = range.from() <= theirs.from() && theirs.to() <= range.to();
            if !covers {
                return Err(qudao_domain::Invalid::new(
                    "effective_from",
                    Problem::Conflict {
                        rule: "program_dates_overlap",
                        with: format!("v{} ({})", other.program.version, theirs),
                    },
                )
                .into());
            }
            retired.push(other);
        }
        for other in &retired {
            repo::retire(&tx, other.id).await?;
        }
        repo::activate(&tx, target.id, &caller.login).await?;
        #[derive(Serialize)]
        struct Activated {
            version: u32,
            retired: Vec<u32>,
        }
        self.audit(
            &tx,
            caller,
            "incentive_program",
            &code,
            "activate",
            None,
            Some(&Activated {
                version,
                retired: retired.iter().map(|r| r.program.version).collect(),
            }),
        )
        .await?;
        crate::commit(tx).await?;
        self.program_version(caller, &code, version).await
    }

    /// The latest version of every program, filtered by kind and status,
    /// by code.
    pub async fn programs(
        &self,
        caller: &Caller,
        filter: &ProgramFilter,
        page: PageRequest,
    ) -> Result<Page<ProgramSummary>, AppError> {
        caller.require(Permission::ViewIncentives)?;
        let kind = crate::non_empty(filter.kind.as_deref())
            .map(qudao_domain::incentives::program::ProgramKind::parse)
            .transpose()?;
        let status = crate::non_empty(filter.status.as_deref())
            .map(ProgramStatus::parse)
            .transpose()?;
        let mut latest: Vec<ProgramSummary> = Vec::new();
        for row in repo::all_versions(self.db()).await? {
            if latest
                .last()
                .is_some_and(|l| l.code == row.program.code.as_str())
            {
                continue;
            }
            latest.push(summary(&row));
        }
        latest.retain(|s| {
            kind.is_none_or(|k| s.kind == k.as_str())
                && status.is_none_or(|st| s.status == st.as_str())
        });
        Ok(Page::slice(latest, page))
    }

    /// The latest version of a program with every version of its code.
    pub async fn program(&self, caller: &Caller, code: &str) -> Result<ProgramDetail, AppError> {
        caller.require(Permission::ViewIncentives)?;
        let versions = repo::versions(self.db(), &code.trim().to_ascii_uppercase()).await?;
        let latest = versions.first().ok_or(AppError::NotFound("program"))?;
        self.detail(caller, latest, &versions).await
    }

    /// One version of a program with every version of its code.
    pub async fn program_version(
        &self,
        caller: &Caller,
        code: &str,
        version: u32,
    ) -> Result<ProgramDetail, AppError> {
        caller.require(Permission::ViewIncentives)?;
        let versions = repo::versions(self.db(), &code.trim().to_ascii_uppercase()).await?;
        let row = versions
            .iter()
            .find(|r| r.program.version == version)
            .ok_or(AppError::NotFound("program version"))?;
        self.detail(caller, row, &versions).await
    }

    async fn detail(
        &self,
        caller: &Caller,
        row: &ProgramRow,
        versions: &[ProgramRow],
    ) -> Result<ProgramDetail, AppError> {
        let names = self.program_names(caller, &row.program).await?;
        Ok(ProgramDetail {
            program: ProgramVersionView {
                summary: summary(row),
                document: row.document.clone(),
                names,
                program: row.program.clone(),
            },
            versions: versions.iter().map(summary).collect(),
        })
    }
}

/// The versions an activation of `version` would retire, for the page's
/// confirmation: the active ones whose dates it covers.
pub fn would_retire(detail: &ProgramDetail, version: u32) -> Vec<u32> {
    let Some(target) = detail.versions.iter().find(|v| v.version == version) else {
        return Vec::new();
    };
    detail
        .versions
        .iter()
        .filter(|v| v.status == ProgramStatus::Active.as_str())
        .filter(|v| {
            target.effective_from <= v.effective_from && v.effective_to <= target.effective_to
        })
        .map(|v| v.version)
        .collect()
}
