//! `qudao incentives adjustments import FILE` and `… list [--period P]`:
//! penalties and manual adjustments of incentive results from the shell.
//! The import is the `incentive_adjustments` import kind, all or nothing.

use anyhow::bail;
use clap::Subcommand;
use qudao_app::imports::{ImportKind, ImportOptions};
use qudao_app::incentive_adjustments::AdjustmentFilter;
use qudao_app::{Caller, PageRequest, Qudao};
use qudao_web::i18n::Lang;

#[derive(Subcommand)]
pub(crate) enum AdjustmentsCommand {
    /// Import adjustments from a CSV or xlsx file (subject_code,
    /// program_code, period, amount, reason, kind); any bad row rejects the
    /// file and nothing is written
    Import {
        file: std::path::PathBuf,
        /// Check everything and write nothing
        #[arg(long)]
        dry_run: bool,
        /// Run as this user (their role applies); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// The adjustments entered, newest first
    List {
        /// 2026-Q3, 2026-07 or 2026
        #[arg(long)]
        period: Option<String>,
        /// A program's code
        #[arg(long)]
        program: Option<String>,
    },
}

pub(crate) async fn run(
    app: &Qudao,
    lang: Lang,
    system: Caller,
    command: AdjustmentsCommand,
) -> anyhow::Result<()> {
    match command {
        AdjustmentsCommand::Import {
            file,
            dry_run,
            as_login,
        } => {
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            if !file.is_file() {
                bail!("cannot read {}: no such file", file.display());
            }
            let name = file.display().to_string();
            let Some(kind) = ImportKind::parse("incentive_adjustments") else {
                bail!("no importer named incentive_adjustments");
            };
            let options = ImportOptions {
                dry_run,
                ..ImportOptions::default()
            };
            let report = app.import_file(&caller, kind, &file, options).await?;
            if !report.ok() {
                for error in &report.errors {
                    eprintln!("{}", crate::import_problem(lang, &name, error));
                }
                bail!(
                    "{name}: {} error(s) in {} rows; nothing was imported",
                    report.errors.len(),
                    report.rows
                );
            }
            if dry_run {
                println!(
                    "{name}: {} rows are valid (dry run: nothing written)",
                    report.rows
                );
            } else {
                println!("{name}: {} adjustments entered", report.created);
            }
        }
        AdjustmentsCommand::List { period, program } => {
            let page = app
                .adjustments(
                    &system,
                    &AdjustmentFilter { period, program },
                    PageRequest::export(),
                )
                .await?;
            println!("period  program  subject  kind  amount  reason");
            for a in page.items {
                println!(
                    "{}  {} {}  {} {}  {}  {} {}  {}",
                    a.period,
                    a.program_code,
                    a.program_name,
                    a.subject_code,
                    a.subject_name,
                    lang.t(&format!("adjustment_kind.{}", a.kind)),
                    a.amount,
                    a.currency,
                    a.reason
                );
            }
        }
    }
    Ok(())
}
