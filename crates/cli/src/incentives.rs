//! `qudao incentives import FILE` and `qudao incentives list`: keep
//! incentive program documents (see docs/INCENTIVES.md) from the shell;
//! `run` and `explain` are in `incentive_runs`.
//! `qudao incentives adjustments …` is `incentive_adjustments`.

use anyhow::{Context, bail};
use clap::Subcommand;
use qudao_app::incentives::{DocumentFormat, ProgramCheck, ProgramFilter};
use qudao_app::{Caller, PageRequest, Qudao};
use qudao_web::i18n::Lang;

use crate::{incentive_runs, incentive_whatif};

#[derive(Subcommand)]
pub(crate) enum IncentivesCommand {
    /// Save a program document (JSON or TOML, by the file's extension) as a
    /// draft version; every problem is printed as `FILE: path: message` and
    /// nothing is written
    Import {
        file: std::path::PathBuf,
        /// Check everything and write nothing
        #[arg(long)]
        dry_run: bool,
        /// Put the saved version in force (retiring the version it covers)
        #[arg(long)]
        activate: bool,
        /// Run as this user (their role applies); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// The latest version of every program
    List {
        /// rebate, commission or promotion
        #[arg(long)]
        kind: Option<String>,
        /// draft, active or retired
        #[arg(long)]
        status: Option<String>,
    },
    /// Compute a period's programs as a calculated run (provisional when
    /// the period has not ended), or with --dry-run only print what they
    /// would pay; columns subject_code, subject_name, program_code, base,
    /// target, attainment (a decimal ratio), rate, amount (major units),
    /// stacking, empty where undefined
    Run {
        /// 2026-Q3, 2026-07 or 2026 (fiscal)
        #[arg(long)]
        period: String,
        /// A program code (repeat for more); default: every program in force
        #[arg(long = "program", value_name = "CODE")]
        programs: Vec<String>,
        /// Compute and print, write nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_enum, default_value_t)]
        format: incentive_runs::Format,
        /// Run as this user (their role applies); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// One subject's results in a run, with every rule applied
    Explain {
        #[arg(long)]
        run: i64,
        /// A partner code or a rep's login
        #[arg(long)]
        subject: String,
    },
    /// Try a variant of a program on a period's facts beside the version
    /// in force then (nothing is written): totals, the change, and the
    /// subjects whose amount changes most
    WhatIf {
        /// The program's code
        #[arg(long)]
        program: String,
        /// 2026-Q3, 2026-07 or 2026 (fiscal)
        #[arg(long)]
        period: String,
        /// Start from this stored version (default: the one in force then)
        #[arg(long)]
        version: Option<u32>,
        /// retroactive, marginal or fixed_amount
        #[arg(long)]
        mode: Option<String>,
        /// A bracket as FROM:RATE (80%:2%), or FROM:AMOUNT in fixed_amount
        /// mode; repeat for each bracket, in order
        #[arg(long = "bracket", value_name = "FROM:RATE")]
        brackets: Vec<String>,
        /// How many subjects to list, largest change first
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, value_enum, default_value_t)]
        format: incentive_runs::Format,
    },
    /// Time the computation (bench/incentives.py): warm runs of the
    /// programs in force for the period, then with --what-if CODE that
    /// program's brackets tried with --variants rate tables; prints JSON
    Bench {
        #[arg(long)]
        period: String,
        /// A program code (repeat for more); default: every program in force
        #[arg(long = "program", value_name = "CODE")]
        programs: Vec<String>,
        /// Timed warm runs after the first
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// The program whose brackets the variants change
        #[arg(long = "what-if", value_name = "CODE")]
        what_if: Option<String>,
        #[arg(long, default_value_t = 100)]
        variants: usize,
    },
    /// Penalties and manual adjustments of incentive results
    Adjustments {
        #[command(subcommand)]
        command: crate::incentive_adjustments::AdjustmentsCommand,
    },
}

/// The problems of a refused document, one line each, as the UI words them.
pub(crate) fn problems(lang: Lang, file: &str, check: &ProgramCheck) -> String {
    check
        .problems
        .iter()
        .map(|p| {
            let path = if p.path.is_empty() { "-" } else { &p.path };
            format!("{file}: {path}: {}", lang.problem(&p.problem))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) async fn run(
    db: &str,
    lang: Lang,
    system: Caller,
    command: IncentivesCommand,
) -> anyhow::Result<()> {
    let app = Qudao::open(db).await?;
    match command {
        IncentivesCommand::Adjustments { command } => {
            crate::incentive_adjustments::run(&app, lang, system, command).await?;
        }
        IncentivesCommand::Import {
            file,
            dry_run,
            activate,
            as_login,
        } => {
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            let name = file.display().to_string();
            let Some(format) = DocumentFormat::of_file(&name) else {
                bail!("{name}: a program document is a .json or a .toml file");
            };
            let text = std::fs::read_to_string(&file).with_context(|| name.clone())?;
            let check = if dry_run {
                app.check_program(&caller, &text, format).await?
            } else {
                app.save_program(&caller, &text, format).await?
            };
            if !check.ok() {
                bail!("{}\nnothing was written", problems(lang, &name, &check));
            }
            let Some(program) = check.program else {
                bail!("{name}: nothing was saved");
            };
            let what = if dry_run {
                "checked"
            } else {
                "saved as a draft"
            };
            println!(
                "{} v{} · {} ({}): {what}",
                program.code, program.version, program.name, program.kind
            );
            if activate && !dry_run {
                let done = app
                    .activate_program(&caller, &program.code, program.version)
                    .await;
                let done = match done {
                    Err(qudao_app::AppError::Invalid(fields)) => {
                        let lines: Vec<String> = fields
                            .iter()
                            .map(|f| format!("{name}: {}: {}", f.field, lang.problem(&f.problem)))
                            .collect();
                        bail!(
                            "{}\nthe draft was saved but not put in force",
                            lines.join("\n")
                        )
                    }
                    other => other?,
                };
                let retired: Vec<String> = done
                    .versions
                    .iter()
                    .filter(|v| v.status == "retired" && v.version != program.version)
                    .map(|v| format!("v{}", v.version))
                    .collect();
                println!(
                    "{} v{} is in force{}",
                    program.code,
                    program.version,
                    if retired.is_empty() {
                        String::new()
                    } else {
                        format!(" (retired: {})", retired.join(", "))
                    }
                );
            }
        }
        IncentivesCommand::Run {
            period,
            programs,
            dry_run,
            format,
            as_login,
        } => {
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            let request = qudao_app::incentive_runs::RunRequest {
                period,
                programs,
                dry_run,
            };
            incentive_runs::run(&app, &caller, request, format).await?;
        }
        IncentivesCommand::WhatIf {
            program,
            period,
            version,
            mode,
            brackets,
            limit,
            format,
        } => {
            let fixed = mode.as_deref() == Some("fixed_amount");
            let brackets = brackets
                .iter()
                .map(|b| incentive_whatif::bracket(b, fixed))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let request = qudao_app::incentive_whatif::WhatIfRequest {
                period,
                version,
                mode,
                brackets: (!brackets.is_empty()).then_some(brackets),
                limit: Some(limit),
                ..Default::default()
            };
            incentive_whatif::what_if(&app, lang, &system, &program, request, format).await?;
        }
        IncentivesCommand::Bench {
            period,
            programs,
            runs,
            what_if,
            variants,
        } => {
            incentive_whatif::bench(
                &app,
                lang,
                &system,
                &period,
                &programs,
                runs,
                what_if.as_deref(),
                variants,
            )
            .await?;
        }
        IncentivesCommand::Explain { run, subject } => {
            incentive_runs::explain(&app, lang, &system, run, &subject).await?;
        }
        IncentivesCommand::List { kind, status } => {
            let page = app
                .programs(
                    &system,
                    &ProgramFilter { kind, status },
                    PageRequest::export(),
                )
                .await?;
            println!("code  version  kind  name  effective  status");
            for p in page.items {
                println!(
                    "{}  {}  {}  {}  {} – {}  {}",
                    p.code, p.version, p.kind, p.name, p.effective_from, p.effective_to, p.status
                );
            }
        }
    }
    Ok(())
}
