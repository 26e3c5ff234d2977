//! `qudao targets import|export|cascade|split-months|prorate|attainment`:
//! targets from a file, to a file, split down the cascade and into months,
//! moved between reps with a partner, and judged against the facts.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use qudao_app::export::{ExportKind, ExportQuery};
use qudao_app::imports::{ImportKind, ImportOptions};
use qudao_app::owner_moves::{RepTargetMoveInput, RepTargetMoves};
use qudao_app::target_months::SplitMonthsInput;
use qudao_app::targets::{AttainmentNode, CascadeChild, CascadeInput};
use qudao_app::{AppError, Caller, Qudao};
use qudao_domain::money::Currency;
use qudao_domain::targets::NeededPerDay;
use qudao_web::i18n::Lang;

#[derive(Subcommand)]
pub(crate) enum TargetsCommand {
    /// Set targets from a .csv or .xlsx file (columns: period, subject_type,
    /// subject_code, measure, product_line, value; see docs/IMPORT-FORMATS.md)
    Import {
        file: PathBuf,
        /// Check everything, write nothing
        #[arg(long)]
        dry_run: bool,
        /// Import as this user (their role and data scope apply); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Write the targets to xlsx in the import's columns
    Export {
        /// The .xlsx file to write
        #[arg(long, short)]
        out: PathBuf,
        /// Only this period (2026, 2026-Q3, 2026-07)
        #[arg(long)]
        period: Option<String>,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Split a target into children that sum to it exactly
    Cascade {
        /// The parent target's id
        id: i64,
        /// amounts, percents or last_year
        #[arg(long)]
        by: String,
        /// A child (repeatable): TYPE:CODE=PART for amounts and percents,
        /// TYPE:CODE for last_year, e.g. --child region:310000=60
        #[arg(long = "child", value_name = "TYPE:CODE[=PART]")]
        children: Vec<String>,
        /// The code of the child that takes the rounding remainder
        #[arg(long)]
        remainder_to: Option<String>,
        /// Keep amounts that do not add up, as a draft
        #[arg(long)]
        draft: bool,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Split a year or quarter target into month targets that sum to it
    /// exactly, by a seasonal profile or last year's shape
    SplitMonths {
        /// The year or quarter target's id
        id: i64,
        /// A seasonal profile's code (even, spring_festival, …)
        #[arg(
            long,
            conflicts_with = "last_year",
            required_unless_present = "last_year"
        )]
        profile: Option<String>,
        /// Each subject's own actuals per month a year earlier
        #[arg(long)]
        last_year: bool,
        /// Split every partner target cascaded from this one instead, in
        /// one write
        #[arg(long)]
        all_below: bool,
        /// The month taking the rounding remainder (default: the heaviest)
        #[arg(long, value_name = "YYYY-MM")]
        remainder_to: Option<String>,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Move the rep targets with a partner's last change of owner: the
    /// partner's share of each period's target from the move day leaves
    /// the old rep's target for the new rep's (approved ones by amendment)
    Prorate {
        /// The partner that changed owner
        #[arg(long)]
        partner: String,
        /// Kept with each amendment (default: 改派 CODE 自 DATE)
        #[arg(long)]
        reason: Option<String>,
        /// Show what would move, write nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Actual to date against every target of a period, as the cascade's tree
    Attainment {
        #[arg(long)]
        period: String,
        /// Only this measure (sell_in_amount, sell_through_amount, …)
        #[arg(long)]
        measure: Option<String>,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
}

fn refused(lang: Lang, err: AppError) -> anyhow::Error {
    match err {
        AppError::Invalid(problems) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.field, lang.problem(&p.problem)))
                .collect();
            anyhow::anyhow!("{}\nnothing was written", lines.join("\n"))
        }
        other => other.into(),
    }
}

fn child(text: &str) -> anyhow::Result<CascadeChild> {
    let (subject, part) = match text.split_once('=') {
        Some((subject, part)) => (subject, Some(part.to_owned())),
        None => (text, None),
    };
    let Some((subject_type, subject_code)) = subject.split_once(':') else {
        bail!("--child takes TYPE:CODE[=PART], not '{text}'");
    };
    Ok(CascadeChild {
        subject_type: subject_type.to_owned(),
        subject_code: subject_code.to_owned(),
        part,
    })
}

/// The tree with every figure as people read it (`¥1,234.50`, `1,200`,
/// `80.00%`), in the company's currency.
fn print_tree(nodes: &[AttainmentNode], depth: usize, currency: Currency) {
    for node in nodes {
        let t = &node.target;
        let shown = |amount: i64| t.measure.shown(amount, currency);
        let who = match (t.subject_code.as_str(), t.subject_name.as_str()) {
            ("", _) => t.subject_type.as_str().to_owned(),
            (code, "") => format!("{} {code}", t.subject_type.as_str()),
            (code, name) => format!("{} {code} {name}", t.subject_type.as_str()),
        };
        let judged = match node.attainment {
            Some(a) => {
                let percent = a
                    .percent
                    .map_or_else(|| "—".to_owned(), |p| format!("{p:.2}%"));
                let band = match a.band {
                    qudao_domain::targets::Band::Red => "red",
                    qudao_domain::targets::Band::Amber => "amber",
                    qudao_domain::targets::Band::Green => "green",
                };
                format!(
                    "actual {} ({percent}, {band}), variance {}",
                    shown(a.actual),
                    shown(a.variance)
                )
            }
            None => "no actual counted".to_owned(),
        };
        let needed = match node.needed_per_day {
            Some(NeededPerDay::PerDay { amount, days_left }) => {
                format!("; needs {} a day for {days_left} days", shown(amount))
            }
            Some(NeededPerDay::PeriodOver) => "; period over".to_owned(),
            Some(NeededPerDay::Met) | None => String::new(),
        };
        println!(
            "{:indent$}{who} {} {}: target {}, {judged}{needed}",
            "",
            t.period,
            t.measure.as_str(),
            shown(t.value),
            indent = depth * 2
        );
        print_tree(&node.children, depth + 1, currency);
    }
}

pub(crate) async fn run(
    db: &str,
    lang: Lang,
    system: Caller,
    command: TargetsCommand,
) -> anyhow::Result<()> {
    let app = Qudao::open(db).await?;
    let caller = |login: Option<String>| {
        let app = app.clone();
        let system = system.clone();
        async move {
            match login {
                Some(login) => app.caller_by_login(&login).await,
                None => Ok(system),
            }
        }
    };
    match command {
        TargetsCommand::Import {
            file,
            dry_run,
            as_login,
        } => {
            let caller = caller(as_login).await?;
            let kind = ImportKind::parse("targets").context("the targets import")?;
            if !file.is_file() {
                bail!("cannot read {}: no such file", file.display());
            }
            let name = file.display().to_string();
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
                println!("{name}: {} target(s) set", report.created);
            }
        }
        TargetsCommand::Export {
            out,
            period,
            as_login,
        } => {
            let caller = caller(as_login).await?;
            let kind = ExportKind::parse("targets").context("the targets export")?;
            let query = ExportQuery {
                filters: period
                    .map(|p| ("period".to_owned(), p))
                    .into_iter()
                    .collect(),
                chinese: lang == Lang::ZhCn,
                ..ExportQuery::default()
            };
            let bytes = app.export(&caller, kind, &query).await?;
            std::fs::write(&out, bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote {}", out.display());
        }
        TargetsCommand::Cascade {
            id,
            by,
            children,
            remainder_to,
            draft,
            as_login,
        } => {
            let caller = caller(as_login).await?;
            let input = CascadeInput {
                by,
                children: children
                    .iter()
                    .map(|c| child(c))
                    .collect::<Result<_, _>>()?,
                remainder_to,
                draft,
            };
            let done = app
                .cascade_target(&caller, id, &input)
                .await
                .map_err(|e| refused(lang, e))?;
            println!(
                "{} {} {} {}: {}",
                done.parent.subject_type.as_str(),
                done.parent.subject_code,
                done.parent.subject_name,
                done.parent.period,
                done.parent.value_text
            );
            for c in &done.children {
                println!(
                    "  {} {} {} (target {}): {}",
                    c.subject_type.as_str(),
                    c.subject_code,
                    c.subject_name,
                    c.id,
                    c.value_text
                );
            }
            if done.unallocated != 0 {
                println!("draft: {} left unallocated", done.unallocated);
            }
        }
        TargetsCommand::SplitMonths {
            id,
            profile,
            last_year,
            all_below,
            remainder_to,
            as_login,
        } => {
            let caller = caller(as_login).await?;
            let input = SplitMonthsInput {
                profile,
                last_year,
                all_below,
                remainder_to,
            };
            let done = app
                .split_months(&caller, id, &input)
                .await
                .map_err(|e| refused(lang, e))?;
            let t = &done.target;
            println!(
                "{} {} {}: {} target(s) split into months; {} month target(s) written, {} replaced",
                t.subject_type.as_str(),
                t.subject_code,
                t.period,
                done.targets,
                done.created,
                done.replaced
            );
        }
        TargetsCommand::Attainment {
            period,
            measure,
            as_login,
        } => {
            let caller = caller(as_login).await?;
            let tree = app
                .attainment(&caller, &period, measure.as_deref())
                .await
                .map_err(|e| refused(lang, e))?;
            if tree.is_empty() {
                println!("no targets for {period}");
            }
            print_tree(&tree, 0, app.current_settings().await?.currency);
        }
        TargetsCommand::Prorate {
            partner,
            reason,
            dry_run,
            as_login,
        } => {
            let caller = caller(as_login).await?;
            let currency = app.current_settings().await?.currency;
            let planned = app
                .rep_target_moves(&caller, &partner)
                .await
                .map_err(|e| refused(lang, e))?;
            let moves = if dry_run {
                planned
            } else {
                let reason = reason.unwrap_or_else(|| {
                    let day = planned.date.map(|d| d.to_string()).unwrap_or_default();
                    format!("改派 {} 自 {day}", planned.partner_code)
                });
                print_shifts(&planned, currency);
                app.move_rep_targets(&caller, &partner, &RepTargetMoveInput { reason })
                    .await
                    .map_err(|e| refused(lang, e))?
            };
            if dry_run {
                print_shifts(&moves, currency);
            }
            if let Some(at) = moves.moved_at {
                println!(
                    "moved {} by {}: {}",
                    at.format("%Y-%m-%d %H:%M"),
                    moves.moved_by.as_deref().unwrap_or_default(),
                    moves.reason.as_deref().unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

/// What a partner's change of owner moves between the two reps' targets,
/// one line per period and measure, figures as people read them.
fn print_shifts(moves: &RepTargetMoves, currency: Currency) {
    let Some(day) = moves.date else {
        println!("{} has never changed owner", moves.partner_code);
        return;
    };
    let who = |login: &Option<String>| login.clone().unwrap_or_else(|| "-".to_owned());
    println!(
        "{} {}: {} -> {} from {day}",
        moves.partner_code,
        moves.partner_name,
        who(&moves.from_login),
        who(&moves.to_login)
    );
    for s in &moves.shifts {
        let shown = |amount: i64| s.measure.shown(amount, currency);
        let line = s
            .product_line
            .as_deref()
            .map(|l| format!(" [{l}]"))
            .unwrap_or_default();
        println!(
            "{:<8} {}{line}  partner {}  moving {} ({}/{} days)  {}: {} -> {}  {}: {} -> {}",
            s.period,
            s.measure.as_str(),
            shown(s.partner_target),
            shown(s.moving),
            s.days_moving,
            s.days_in_period,
            who(&moves.from_login),
            shown(s.from_before),
            s.from_after.map_or_else(|| "short".to_owned(), shown),
            who(&moves.to_login),
            s.to_before.map_or_else(|| "-".to_owned(), shown),
            shown(s.to_after),
        );
    }
}
