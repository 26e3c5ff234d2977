//! `qudao evaluate --period P [--template T]`: score every subject of one
//! template (or of every template) for a period and print the ranking.

use qudao_app::scorecards::ResultView;
use qudao_app::{AppError, Caller, Qudao};
use qudao_web::i18n::Lang;

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

/// Columns a text takes in a terminal: Chinese characters take two.
fn columns(text: &str) -> usize {
    text.chars()
        .map(|c| if c >= '\u{2E80}' { 2 } else { 1 })
        .sum()
}

/// `text` padded with spaces to `width` terminal columns.
fn padded(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(columns(text))))
}

/// The ranking as a table: rank, code, name, total, grade, proposed grade.
fn print_results(results: &[ResultView]) {
    let width = |f: &dyn Fn(&ResultView) -> usize, title: &str| {
        results.iter().map(f).max().unwrap_or(0).max(columns(title))
    };
    let code = width(&|r| columns(&r.code), "code");
    let name = width(&|r| columns(&r.name), "name");
    println!(
        "{:>4}  {}  {}  {:>6}  {:8}  proposed",
        "rank",
        padded("code", code),
        padded("name", name),
        "total",
        "grade"
    );
    for r in results {
        println!(
            "{:>4}  {}  {}  {:>6}  {:8}  {}",
            r.rank_in_type,
            padded(&r.code, code),
            padded(&r.name, name),
            r.total,
            r.grade.as_deref().unwrap_or("—"),
            r.proposed_grade.as_deref().unwrap_or(""),
        );
    }
}

pub(crate) async fn run(
    db: &str,
    lang: Lang,
    caller: Caller,
    period: &str,
    template: Option<&str>,
) -> anyhow::Result<()> {
    let app = Qudao::open(db).await?;
    let runs = app
        .evaluate(&caller, period, template)
        .await
        .map_err(|e| refused(lang, e))?;
    for run in &runs {
        println!(
            "run {} · {} · {} ({}){}: {} subject(s)",
            run.id,
            run.period,
            run.template_name,
            run.template_code,
            if run.provisional {
                " · provisional"
            } else {
                ""
            },
            run.subjects
        );
        let results = app.evaluation_results(&caller, run.id).await?;
        print_results(&results);
        println!();
    }
    Ok(())
}
