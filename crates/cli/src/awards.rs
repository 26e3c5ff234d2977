//! `qudao awards run --award CODE --run ID`: choose an award's winners from
//! an evaluation run's stored results and print them with the numbers.

use anyhow::bail;
use clap::Subcommand;
use qudao_app::{AppError, Caller, Qudao};
use qudao_web::i18n::Lang;

#[derive(Subcommand)]
pub(crate) enum AwardsCommand {
    /// Run an award over an evaluation run (see docs/areas/scorecards.md,
    /// "Awards"); an award runs once per evaluation run
    Run {
        /// The award's code
        #[arg(long)]
        award: String,
        /// The evaluation run's number (`qudao evaluate` prints it)
        #[arg(long)]
        run: i64,
        /// Run as this user (their role applies); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
}

pub(crate) async fn run(
    db: &str,
    lang: Lang,
    system: Caller,
    command: AwardsCommand,
) -> anyhow::Result<()> {
    let app = Qudao::open(db).await?;
    match command {
        AwardsCommand::Run {
            award,
            run,
            as_login,
        } => {
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            let done = match app.run_award(&caller, &award, run).await {
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
                "award run {} · {} ({}) over evaluation run {} ({} · {}): {} winner(s)",
                done.run.id,
                done.run.award_name,
                done.run.award_code,
                done.run.evaluation_run_id,
                done.run.period,
                done.run.template_name,
                done.winners.len()
            );
            let measure = done.winners.first().map_or("value", |w| w.measure.as_str());
            println!("place  group  code  name  {measure}  total");
            for w in &done.winners {
                let group = w
                    .group_type
                    .clone()
                    .or_else(|| w.region_code.clone())
                    .unwrap_or_else(|| "—".to_owned());
                println!(
                    "{:>5}  {}  {}  {}  {}  {}",
                    w.place,
                    group,
                    w.code,
                    w.name,
                    w.value.as_deref().unwrap_or(""),
                    w.total.as_deref().unwrap_or("")
                );
            }
        }
    }
    Ok(())
}
