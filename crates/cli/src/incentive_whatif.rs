//! `qudao incentives what-if` tries a program's variant on a period's facts
//! beside the version in force (nothing is written), and `qudao incentives
//! bench` times the computation for `bench/incentives.py`: warm runs of
//! the programs in force, then what-if variants of one program's brackets.

use std::io::Write;
use std::time::Instant;

use anyhow::bail;
use qudao_app::incentive_whatif::{BracketText, WhatIfRequest, WhatIfView};
use qudao_app::{Caller, Qudao};
use qudao_web::i18n::Lang;
use rust_decimal::Decimal;

use crate::incentive_runs::Format;

/// A bracket as `FROM:RATE` (`80%:2%`); in fixed-amount mode `FROM:AMOUNT`.
pub(crate) fn bracket(text: &str, fixed: bool) -> anyhow::Result<BracketText> {
    let Some((from, value)) = text.split_once(':') else {
        bail!("--bracket {text}: write FROM:RATE, e.g. 80%:2%");
    };
    Ok(BracketText {
        from: from.trim().to_owned(),
        rate: (!fixed).then(|| value.trim().to_owned()),
        amount: fixed.then(|| value.trim().to_owned()),
    })
}

fn refused(lang: Lang, problems: &[qudao_app::incentives::ProgramProblem]) -> anyhow::Error {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let path = if p.path.is_empty() { "-" } else { &p.path };
            format!("{path}: {}", lang.problem(&p.problem))
        })
        .collect();
    anyhow::anyhow!("{}\nnothing was computed", lines.join("\n"))
}

pub(crate) async fn what_if(
    app: &Qudao,
    lang: Lang,
    caller: &Caller,
    program: &str,
    request: WhatIfRequest,
    format: Format,
) -> anyhow::Result<()> {
    let view = match app.incentive_whatif(caller, program, &request).await? {
        Ok(view) => view,
        Err(problems) => return Err(refused(lang, &problems)),
    };
    print(&view, format)
}

fn print(view: &WhatIfView, format: Format) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let major = |minor: i64| {
        qudao_domain::money::Currency::parse(&view.currency).map_or_else(
            |_| minor.to_string(),
            |c| qudao_domain::money::Money::from_minor(minor, c).amount_text(),
        )
    };
    const COLUMNS: [&str; 7] = [
        "subject_code",
        "subject_name",
        "attainment",
        "bracket_in_force",
        "bracket",
        "in_force",
        "amount",
    ];
    let cells = |r: &qudao_app::incentive_whatif::WhatIfRow| {
        [
            r.code.clone(),
            r.name.clone(),
            r.attainment.clone().unwrap_or_default(),
            r.bracket_in_force
                .map(|b| b.to_string())
                .unwrap_or_default(),
            r.bracket.map(|b| b.to_string()).unwrap_or_default(),
            major(r.in_force),
            major(r.amount),
        ]
    };
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, view)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(COLUMNS.iter().chain(&["change"]))?;
            for r in &view.rows {
                csv.write_record(cells(r).iter().chain(std::iter::once(&major(r.change))))?;
            }
            csv.flush()?;
        }
        Format::Table => {
            let in_force = view.in_force.as_ref().map_or_else(
                || "none in force".to_owned(),
                |s| format!("v{} {}", s.version, major(s.total)),
            );
            writeln!(
                out,
                "{} {} v{} ({}): {}  in force: {}  change: {}  gain/lose/all: {}/{}/{}",
                view.period,
                view.variant.code,
                view.variant.version,
                view.variant.status,
                major(view.variant.total),
                in_force,
                major(view.change),
                view.gainers,
                view.losers,
                view.subjects
            )?;
            writeln!(out, "{}  change", COLUMNS.join("  "))?;
            for r in &view.rows {
                writeln!(out, "{}  {}", cells(r).join("  "), major(r.change))?;
            }
        }
    }
    Ok(())
}

/// The median and the 95th percentile of times in milliseconds.
fn quantiles(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index into a short list of timings"
        )]
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().unwrap_or(0.0)
    };
    (at(0.5), at(0.95))
}

/// `variants` bracket tables around the program's own: every rate scaled
/// by 0.80, 0.81, … (rates as documents write them, `"2.4%"`).
fn variants(base: &[BracketText], count: usize) -> Vec<Vec<BracketText>> {
    (0..count)
        .map(|i| {
            let factor = Decimal::new(80 + i64::try_from(i % 60).unwrap_or(0), 2);
            base.iter()
                .map(|b| BracketText {
                    from: b.from.clone(),
                    rate: b.rate.as_ref().map(|r| scaled(r, factor)),
                    amount: b.amount.clone(),
                })
                .collect()
        })
        .collect()
}

fn scaled(rate: &str, factor: Decimal) -> String {
    let (number, percent) = match rate.trim().strip_suffix('%') {
        Some(n) => (n, "%"),
        None => (rate.trim(), ""),
    };
    number.parse::<Decimal>().map_or_else(
        |_| rate.to_owned(),
        |n| format!("{}{percent}", (n * factor).round_dp(4).normalize()),
    )
}

#[allow(clippy::too_many_arguments, reason = "the bench's options, each once")]
pub(crate) async fn bench(
    app: &Qudao,
    lang: Lang,
    caller: &Caller,
    period: &str,
    programs: &[String],
    runs: usize,
    whatif_program: Option<&str>,
    variant_count: usize,
) -> anyhow::Result<()> {
    let load = Instant::now();
    app.warm_analytics().await?;
    let load_ms = load.elapsed().as_secs_f64() * 1000.0;
    let first = Instant::now();
    let totals = app.incentive_totals(caller, period, programs).await?;
    let first_ms = first.elapsed().as_secs_f64() * 1000.0;
    let mut run_times = Vec::with_capacity(runs);
    for _ in 0..runs {
        app.forget_analytics_answers();
        let t = Instant::now();
        let again = app.incentive_totals(caller, period, programs).await?;
        run_times.push(t.elapsed().as_secs_f64() * 1000.0);
        if again != totals {
            bail!("a warm run differs from the first: {again:?} against {totals:?}");
        }
    }
    let (run_p50, run_p95) = quantiles(&mut run_times);
    let mut out = serde_json::json!({
        "period": period,
        "engine_load_ms": load_ms,
        "first_run_ms": first_ms,
        "run_p50_ms": run_p50,
        "run_p95_ms": run_p95,
        "runs": runs,
        "programs": totals
            .iter()
            .map(|(code, results, total)| serde_json::json!({"code": code, "results": results, "total_minor": total}))
            .collect::<Vec<_>>(),
    });
    if let Some(code) = whatif_program {
        let start = WhatIfRequest {
            period: period.to_owned(),
            limit: Some(20),
            ..WhatIfRequest::default()
        };
        let base = match app.incentive_whatif(caller, code, &start).await? {
            Ok(view) => view,
            Err(problems) => return Err(refused(lang, &problems)),
        };
        let tables = variants(&base.brackets, variant_count);
        let mut times = Vec::with_capacity(tables.len());
        let all = Instant::now();
        for table in tables {
            let request = WhatIfRequest {
                brackets: Some(table),
                ..start.clone()
            };
            let t = Instant::now();
            if let Err(problems) = app.incentive_whatif(caller, code, &request).await? {
                return Err(refused(lang, &problems));
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let all_s = all.elapsed().as_secs_f64();
        let (p50, p95) = quantiles(&mut times);
        #[allow(clippy::cast_precision_loss, reason = "a count of variants")]
        let per_second = variant_count as f64 / all_s.max(f64::EPSILON);
        out["whatif"] = serde_json::json!({
            "program": code,
            "subjects": base.subjects,
            "variants": variant_count,
            "p50_ms": p50,
            "p95_ms": p95,
            "variants_per_s": per_second,
        });
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
