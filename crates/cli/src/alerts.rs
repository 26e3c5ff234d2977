//! `qudao alerts run`: the daily alert job by hand, with thresholds
//! changed for this run only (`--set alert_dormant_days=90`).

use anyhow::bail;
use clap::Subcommand;
use qudao_app::{AppError, Caller, Qudao};
use qudao_web::i18n::Lang;

#[derive(Subcommand)]
pub(crate) enum AlertsCommand {
    /// Look over every partner now and store the alerts whose cause is new
    /// (see docs/areas/alerts.md for the rules and threshold names)
    Run {
        /// Change a threshold for this run (repeatable): --set alert_dormant_days=90
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Run as this user (their role and data scope apply); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
}

pub(crate) async fn run(
    db: &str,
    lang: Lang,
    system: Caller,
    command: AlertsCommand,
) -> anyhow::Result<()> {
    let app = Qudao::open(db).await?;
    match command {
        AlertsCommand::Run { set, as_login } => {
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            let report = match app.run_alerts(&caller, &set).await {
                Err(AppError::Invalid(problems)) => {
                    let lines: Vec<String> = problems
                        .iter()
                        .map(|p| format!("{}: {}", p.field, lang.problem(&p.problem)))
                        .collect();
                    bail!("{}\nnothing was written", lines.join("\n"))
                }
                other => other?,
            };
            println!(
                "{} partner(s) looked at: {} alert(s) raised, {} already known",
                report.partners, report.raised, report.known
            );
        }
    }
    Ok(())
}
