//! `qudao`: serve the web UI and API, manage the database and accounts,
//! load the demo, import, export, back up and restore.

mod alerts;
mod analytics;
mod awards;
mod incentive_adjustments;
mod incentive_runs;
mod incentive_whatif;
mod incentives;
mod scorecards;
mod targets;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use qudao_app::admin::{UserFilter, UserInput, UserSort};
use qudao_app::export::{ExportKind, ExportQuery};
use qudao_app::imports::{ImportKind, ImportMode, ImportOptions};
use qudao_app::{Caller, PageRequest, Qudao, SortDir};
use qudao_web::i18n::Lang;

#[derive(Parser)]
#[command(
    name = "qudao",
    version,
    about = "Qudao 渠道 — channel sales management"
)]
struct Cli {
    /// Database URL: sqlite://path/to/file.db (created if missing) or postgres://user@host/db
    #[arg(
        long,
        global = true,
        env = "QUDAO_DATABASE_URL",
        default_value = "sqlite://qudao.db"
    )]
    db: String,

    /// The business time zone (IANA name): which day "today" is, and how
    /// instants are shown
    #[arg(
        long,
        global = true,
        env = "QUDAO_TIME_ZONE",
        default_value = "Asia/Shanghai",
        value_parser = qudao_app::parse_time_zone
    )]
    time_zone: qudao_app::TimeZone,
    /// Language of messages: en or zh-CN (default: from LANG)
    #[arg(long, global = true)]
    lang: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the API
    Serve {
        #[arg(long, env = "QUDAO_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Mark cookies Secure (set when users reach Qudao over HTTPS)
        #[arg(long, env = "QUDAO_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Take the client address from the last X-Forwarded-For entry
        /// (only behind a reverse proxy that sets it; used by login throttling
        /// and the audit log)
        #[arg(long, env = "QUDAO_TRUST_FORWARDED_FOR")]
        trust_forwarded_for: bool,
    },
    /// Bring the database schema up to date (serve does this too)
    Migrate {
        /// Only report the schema version
        #[arg(long)]
        status: bool,
    },
    /// Load demo data into an empty database
    Demo {
        /// demo (about 200 partners, seconds) or bench (10,000 partners)
        #[arg(long, default_value = "demo")]
        scale: String,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Do nothing, successfully, when the database already has accounts
        #[arg(long)]
        if_empty: bool,
        /// Bench scale: where to write the sell-in and sell-through CSV files
        /// (the peers load the same files); a temporary directory, removed
        /// afterwards, when not given
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
        /// Bench scale: sell-in lines, and as many sell-through lines
        #[arg(long, default_value_t = qudao_datagen::BENCH_LINES)]
        lines: u64,
    },
    /// Manage user accounts
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Import records from CSV or xlsx: partners, contacts, regions,
    /// authorizations, user_regions, sell-through (streamed: no row limit). All or nothing: any bad row rejects the file and the
    /// report names each row and column.
    Import {
        /// What to import
        kind: String,
        /// A .csv (UTF-8, UTF-8 with BOM, or GBK) or .xlsx file
        file: PathBuf,
        /// Check everything, write nothing
        #[arg(long)]
        dry_run: bool,
        /// create (default): existing codes are errors; upsert: update them
        #[arg(long, default_value = "create")]
        mode: String,
        /// Import as this user (their role and data scope apply); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
        /// sell-through: write the rows that pass and hold those naming a
        /// product code the partner has not mapped yet
        #[arg(long)]
        hold_unknown: bool,
        /// payments: keep what a payment pays beyond the invoices' debts on
        /// the partner's account instead of refusing its row
        #[arg(long)]
        keep_overpayment: bool,
    },
    /// Export a list to xlsx, as its page's "Export to Excel" does: partners,
    /// users, audit, agreements, expiring-agreements, authorizations
    Export {
        kind: String,
        /// The .xlsx file to write
        #[arg(long, short)]
        out: PathBuf,
        /// A filter of the list, as its page names it (repeatable), e.g.
        /// --filter status=active --filter region=310000
        #[arg(long = "filter", value_name = "NAME=VALUE")]
        filters: Vec<String>,
        /// Column to sort by, as the list's column headers sort
        #[arg(long)]
        sort: Option<String>,
        /// Sort descending
        #[arg(long)]
        desc: bool,
        /// Export as this user (their role and data scope apply); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
        /// Headers and values in this language: en (codes, as imports and
        /// the API take them) or zh-CN (the Chinese UI's words)
        #[arg(long, default_value = "en", value_parser = ["en", "zh-CN"])]
        lang: String,
    },
    /// Ask the fact engine: sums and counts split by dimensions (see docs/areas/analytics.md)
    Analytics {
        #[command(subcommand)]
        command: analytics::AnalyticsCommand,
    },
    /// Alerts about partners (see docs/areas/alerts.md); `serve` runs them daily
    Alerts {
        #[command(subcommand)]
        command: alerts::AlertsCommand,
    },
    /// Targets: import, export, cascade, attainment (see docs/areas/targets.md)
    Targets {
        #[command(subcommand)]
        command: targets::TargetsCommand,
    },
    /// Score every subject of a scorecard template for a period, rank them and
    /// propose grade changes (see docs/areas/scorecards.md)
    Evaluate {
        /// 2026, 2026-Q3 or 2026-07
        #[arg(long)]
        period: String,
        /// Only this template's code; default: every template
        #[arg(long)]
        template: Option<String>,
        /// Run as this user (their role applies); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Awards over evaluation runs: run one (see docs/areas/scorecards.md)
    Awards {
        #[command(subcommand)]
        command: awards::AwardsCommand,
    },
    /// Incentive programs: import a JSON or TOML document, list programs
    /// (see docs/INCENTIVES.md)
    Incentives {
        #[command(subcommand)]
        command: incentives::IncentivesCommand,
    },
    /// Copy a live SQLite database to a new file (PostgreSQL: use pg_dump)
    Backup { file: PathBuf },
    /// Put a backup in place of the SQLite database named by --db (stop the server first)
    Restore {
        file: PathBuf,
        /// Replace an existing database file
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an account with a generated password, printed once
    Add {
        #[arg(long)]
        login: String,
        /// admin, channel_manager, sales_rep, finance, partner_admin, partner_user
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        /// Partner code, for partner roles
        #[arg(long)]
        partner: Option<String>,
    },
    /// List accounts
    List,
    /// Create an API token for an account and print it once
    Token {
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Set a new generated password, printed once
    Passwd {
        #[arg(long)]
        login: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Operators at the command line see internal details too.
            match err.downcast_ref::<qudao_app::AppError>() {
                Some(qudao_app::AppError::Internal(detail)) => eprintln!("error: {detail}"),
                _ => eprintln!("error: {err:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// How often a server tries to claim the day's alert job: the first try
/// after midnight (in the company's time zone) runs it within the hour.
const ALERT_JOB_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// The daily alert job: every hour, claim today's run and do it when this
/// node got it. The jobs table lets one of several servers run it per day;
/// a failed run is logged, and its claim is taken over by a later try once
/// it expires (`app::alerts::CLAIM_EXPIRES_AFTER`).
async fn daily_alerts(app: Qudao) {
    let node = format!(
        "{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "serve".to_owned()),
        std::process::id()
    );
    let mut every = tokio::time::interval(ALERT_JOB_EVERY);
    loop {
        every.tick().await;
        match app.run_daily_alerts(&node).await {
            Ok(Some(report)) => tracing::info!(
                partners = report.partners,
                raised = report.raised,
                known = report.known,
                "alert job ran"
            ),
            Ok(None) => {}
            Err(err) => tracing::error!("the alert job failed: {err}"),
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("QUDAO_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_sessions=warn")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("QUDAO_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The language of messages: `--lang`, else the locale in `LANG`
/// (`zh_CN.UTF-8` reads as zh-CN), else English.
fn language(flag: Option<&str>) -> Lang {
    let from_env = std::env::var("LANG").ok();
    flag.or(from_env.as_deref())
        .map(|tag| tag.split('.').next().unwrap_or_default().replace('_', "-"))
        .and_then(|tag| Lang::from_tag(&tag))
        .unwrap_or_default()
}

/// One problem of a rejected file, as the UI words it.
fn import_problem(lang: Lang, file: &str, error: &qudao_app::imports::RowError) -> String {
    let place = match (error.row, &error.column) {
        (Some(row), Some(column)) => format!(
            "{} {row}, {} {column}",
            lang.t("imports.row"),
            lang.t("imports.column")
        ),
        (Some(row), None) => format!("{} {row}", lang.t("imports.row")),
        (None, Some(column)) => format!("{} {column}", lang.t("imports.column")),
        (None, None) => error.field.clone(),
    };
    format!("{file}: {place}: {}", lang.problem(&error.problem))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let system = Caller::system("cli");
    if qudao_app::set_time_zone(cli.time_zone).is_err() {
        bail!("the time zone was already set");
    }
    let lang = language(cli.lang.as_deref());
    match cli.command {
        Command::Serve {
            addr,
            secure_cookies,
            trust_forwarded_for,
        } => {
            let app = Qudao::open(&cli.db).await?;
            // The first dashboard should not wait for the engine's load.
            let warming = app.clone();
            tokio::spawn(async move {
                if let Err(err) = warming.warm_analytics().await {
                    tracing::error!("the fact engine did not load: {err}");
                }
            });
            tokio::spawn(daily_alerts(app.clone()));
            let config = qudao_web::WebConfig {
                secure_cookies,
                trust_forwarded_for,
            };
            qudao_web::serve(app, addr, config).await?;
        }
        Command::Migrate { status } => {
            let app = Qudao::connect(&cli.db).await?;
            if !status {
                let applied = app.migrate().await?;
                println!("applied {} migration(s)", applied.len());
                let regions = app.load_builtin_regions().await?;
                println!("loaded {regions} built-in region(s)");
            }
            let schema = app.schema_status().await?;
            println!(
                "schema version {} (this program: {})",
                schema.database, schema.binary
            );
        }
        Command::Demo {
            scale,
            seed,
            if_empty,
            csv,
            lines,
        } => {
            let scale = qudao_datagen::Scale::parse(&scale)
                .with_context(|| format!("unknown scale '{scale}'; use demo or bench"))?;
            let app = Qudao::open(&cli.db).await?;
            let regions = app.load_builtin_regions().await?;
            if regions > 0 {
                println!("loaded {regions} built-in region(s)");
            }
            if !app.is_empty().await? {
                if if_empty {
                    println!("the database already has data; demo not loaded");
                    return Ok(());
                }
                bail!(
                    "the database already has accounts; the demo loads only into an empty database"
                );
            }
            let started = std::time::Instant::now();
            let loaded = qudao_datagen::load(&app, scale, seed).await?;
            println!(
                "loaded demo data in {:.1}s:\n{loaded}",
                started.elapsed().as_secs_f32()
            );
            if scale == qudao_datagen::Scale::Bench {
                let temporary = csv.is_none();
                let dir = csv.unwrap_or_else(|| {
                    std::env::temp_dir().join(format!("qudao-bench-{}", std::process::id()))
                });
                let facts = qudao_datagen::load_bench_facts(&app, seed, lines, &dir).await;
                if temporary {
                    std::fs::remove_dir_all(&dir).ok();
                }
                let facts = facts?;
                println!(
                    "bench facts: {} sell-in and {} sell-through lines; CSV written in {:.1}s{}, sell-in imported in {:.1}s, sell-through in {:.1}s",
                    facts.sellin,
                    facts.sellthrough,
                    facts.generate_secs,
                    if temporary {
                        String::new()
                    } else {
                        format!(" to {}", facts.csv_dir.display())
                    },
                    facts.sellin_secs,
                    facts.sellthrough_secs
                );
            }
            println!(
                "sign in as admin (or manager, manager2, rep, finance, partner.admin, partner.user) with password {}",
                qudao_datagen::DEMO_PASSWORD
            );
        }
        Command::Users { command } => users(&cli.db, &system, command).await?,
        Command::Import {
            kind,
            file,
            dry_run,
            mode,
            as_login,
            hold_unknown,
            keep_overpayment,
        } => {
            let Some(mode) = ImportMode::parse(&mode) else {
                bail!("no import mode '{mode}': use create or upsert");
            };
            let Some(import_kind) = ImportKind::parse(&kind) else {
                let kinds: Vec<_> = ImportKind::ALL.iter().map(|k| k.as_str()).collect();
                bail!("cannot import '{kind}': use one of {}", kinds.join(", "));
            };
            let app = Qudao::open(&cli.db).await?;
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            if !file.is_file() {
                bail!("cannot read {}: no such file", file.display());
            }
            let name = file.display().to_string();
            let options = ImportOptions {
                dry_run,
                mode,
                hold_unknown,
                keep_overpayment,
            };
            let report = app
                .import_file(&caller, import_kind, &file, options)
                .await?;
            if !report.ok() {
                for error in &report.errors {
                    eprintln!("{}", import_problem(lang, &name, error));
                }
                bail!(
                    "{name}: {} error(s) in {} rows; nothing was imported",
                    report.errors.len(),
                    report.rows
                );
            }
            for change in &report.updated {
                for field in &change.changes {
                    println!(
                        "{name}: {} {}, {}: {}: {} → {}",
                        lang.t("imports.row"),
                        change.row,
                        change.code,
                        field.field,
                        field.before.as_deref().unwrap_or("—"),
                        field.after.as_deref().unwrap_or("—"),
                    );
                }
            }
            if dry_run {
                println!(
                    "{name}: {} rows are valid (dry run: nothing written) in {} ms",
                    report.rows, report.elapsed_ms
                );
            } else {
                println!(
                    "{name}: {} {}: {} created, {} updated, {} unchanged in {} ms",
                    report.rows,
                    import_kind.as_str(),
                    report.created,
                    report.updated.len(),
                    report.unchanged,
                    report.elapsed_ms
                );
            }
            if report.held > 0 {
                println!(
                    "{name}: {} rows held for product codes not mapped yet (upload {})",
                    report.held,
                    report.upload.unwrap_or_default()
                );
            }
        }
        Command::Export {
            kind,
            out,
            filters,
            sort,
            desc,
            as_login,
            lang,
        } => {
            let Some(export_kind) = ExportKind::parse(&kind) else {
                let kinds: Vec<_> = ExportKind::ALL.iter().map(|k| k.name()).collect();
                bail!("cannot export '{kind}': use one of {}", kinds.join(", "));
            };
            let mut query = ExportQuery {
                sort,
                dir: if desc { SortDir::Desc } else { SortDir::Asc },
                chinese: lang == "zh-CN",
                ..ExportQuery::default()
            };
            for filter in filters {
                let Some((name, value)) = filter.split_once('=') else {
                    bail!("--filter takes name=value, not '{filter}'");
                };
                if !export_kind.filters().contains(&name) {
                    bail!(
                        "{kind} has no filter '{name}': use one of {}",
                        export_kind.filters().join(", ")
                    );
                }
                query.filters.push((name.to_owned(), value.to_owned()));
            }
            let app = Qudao::open(&cli.db).await?;
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            let bytes = app.export(&caller, export_kind, &query).await?;
            std::fs::write(&out, bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote {}", out.display());
        }
        Command::Analytics { command } => {
            analytics::run(&cli.db, lang, system, command).await?;
        }
        Command::Alerts { command } => {
            alerts::run(&cli.db, lang, system, command).await?;
        }
        Command::Targets { command } => {
            targets::run(&cli.db, lang, system, command).await?;
        }
        Command::Evaluate {
            period,
            template,
            as_login,
        } => {
            let caller = match as_login {
                Some(login) => Qudao::open(&cli.db).await?.caller_by_login(&login).await?,
                None => system,
            };
            scorecards::run(&cli.db, lang, caller, &period, template.as_deref()).await?;
        }
        Command::Awards { command } => {
            awards::run(&cli.db, lang, system, command).await?;
        }
        Command::Incentives { command } => {
            incentives::run(&cli.db, lang, system, command).await?;
        }
        Command::Backup { file } => {
            let app = Qudao::connect(&cli.db).await?;
            app.backup_sqlite(&file).await?;
            println!("backed up to {}", file.display());
        }
        Command::Restore { file, force } => {
            let target = qudao_app::restore_sqlite(&file, &cli.db, force).await?;
            println!("restored {} to {}", file.display(), target.display());
        }
    }
    Ok(())
}

async fn users(db: &str, system: &Caller, command: UsersCommand) -> anyhow::Result<()> {
    let app = Qudao::open(db).await?;
    match command {
        UsersCommand::Add {
            login,
            role,
            name,
            partner,
        } => {
            let (password, generated) = new_password()?;
            let input = UserInput {
                display_name: name.unwrap_or_else(|| login.clone()),
                login,
                role,
                partner_code: partner,
                password: password.clone(),
            };
            let user = app.create_user(system, &input).await?;
            println!("created {} ({})", user.login, user.role);
            if generated {
                println!("password: {password}");
            }
        }
        UsersCommand::List => {
            let page = app
                .list_users(
                    system,
                    &UserFilter::default(),
                    UserSort::Login,
                    SortDir::Asc,
                    PageRequest::export(),
                )
                .await?;
            for user in page.items {
                println!(
                    "{:<24} {:<16} {:<10} {}",
                    user.login,
                    user.role,
                    user.status,
                    user.partner_code.unwrap_or_default()
                );
            }
        }
        UsersCommand::Token { login, name } => {
            let caller = app.caller_by_login(&login).await?;
            let token = app.create_token(&caller, &name).await?;
            println!("{}", token.secret);
        }
        UsersCommand::Passwd { login } => {
            let (password, generated) = new_password()?;
            app.change_password(system, &login, None, &password).await?;
            println!("password of {login} changed");
            if generated {
                println!("password: {password}");
            }
        }
    }
    Ok(())
}

/// A generated password, printed once: the command line never echoes a typed
/// secret, and scripts need no terminal.
fn new_password() -> anyhow::Result<(String, bool)> {
    Ok((qudao_app::admin::generate_password(), true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qudao_app::imports::RowError;
    use qudao_domain::Problem;

    #[test]
    fn import_problems_read_as_the_ui_words_them_with_the_limit() {
        let error = RowError {
            row: Some(8),
            column: Some("上级编码".to_owned()),
            field: "parent_code".to_owned(),
            problem: Problem::Limit {
                rule: "partner_max_depth",
                max: 6,
            },
            message: String::new(),
        };
        assert_eq!(
            import_problem(Lang::En, "p.csv", &error),
            "p.csv: Row 8, Column 上级编码: would put the partner deeper than the channel allows (at most 6 levels)"
        );
        assert_eq!(
            import_problem(Lang::ZhCn, "p.csv", &error),
            "p.csv: 行 8, 列 上级编码: 超出了渠道允许的最大层级（最多 6 级）"
        );
    }

    #[test]
    fn the_language_comes_from_the_flag_or_the_locale() {
        assert_eq!(language(Some("zh_CN.UTF-8")), Lang::ZhCn);
        assert_eq!(language(Some("en")), Lang::En);
        assert_eq!(language(Some("zh-CN")), Lang::ZhCn);
    }
}
