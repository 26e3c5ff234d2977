//! `qudao evaluate --period P [--template T]`: score every subject of one
//! template (or of every template) for a period and print the ranking.

use std::collections::HashMap;
use std::io::Write;

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

/// The ranking as a table: rank, code, name, total, grade, proposed
/// grade (grades by name in `lang`).
fn ranking(results: &[ResultView], grades: &HashMap<String, String>) -> String {
    let grade = |code: &Option<String>| {
        code.as_ref()
            .map(|c| grades.get(c).cloned().unwrap_or_else(|| c.clone()))
    };
    let width = |f: &dyn Fn(&ResultView) -> usize, title: &str| {
        results.iter().map(f).max().unwrap_or(0).max(columns(title))
    };
    let code = width(&|r| columns(&r.code), "code");
    let name = width(&|r| columns(&r.name), "name");
    let held = width(&|r| grade(&r.grade).map_or(1, |g| columns(&g)), "grade");
    let mut out = format!(
        "{:>4}  {}  {}  {:>6}  {}  proposed\n",
        "rank",
        padded("code", code),
        padded("name", name),
        "total",
        padded("grade", held)
    );
    for r in results {
        out.push_str(&format!(
            "{:>4}  {}  {}  {:>6}  {}  {}\n",
            r.rank_in_type,
            padded(&r.code, code),
            padded(&r.name, name),
            r.total,
            padded(&grade(&r.grade).unwrap_or_else(|| "—".to_owned()), held),
            grade(&r.proposed_grade).unwrap_or_default(),
        ));
    }
    out
}

/// Writes to stdout; a reader that stopped early (`| head`) ends the
/// output, not the program with a panic.
fn print(text: &str) -> std::io::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
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
    let grades: HashMap<String, String> = app
        .grades(&caller)
        .await?
        .into_iter()
        .map(|g| {
            let name = match (lang, g.name_en) {
                (Lang::En, Some(en)) if !en.is_empty() => en,
                _ => g.name,
            };
            (g.code, name)
        })
        .collect();
    for run in &runs {
        let results = app.evaluation_results(&caller, run.id).await?;
        print(&format!(
            "run {} · {} · {} ({}){}: {} subject(s)\n{}\n",
            run.id,
            run.period,
            run.template_name,
            run.template_code,
            if run.provisional {
                " · provisional"
            } else {
                ""
            },
            run.subjects,
            ranking(&results, &grades)
        ))?;
    }
    Ok(())
}
