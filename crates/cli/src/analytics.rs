//! `qudao analytics query` (one question, as a table, CSV or JSON) and
//! `qudao analytics bench` (a file of questions, each asked repeatedly on
//! one loaded engine, timed: what `bench/analytics.py` runs).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Subcommand;
use qudao_app::analytics::{Answer, QueryText, text_from_pairs};
use qudao_app::{AppError, Caller, Qudao};
use qudao_web::i18n::Lang;

#[derive(Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process from the command line"
)]
pub(crate) enum AnalyticsCommand {
    /// Ask one question of the fact engine, e.g.
    /// `qudao analytics query --measures sell_in_amount --by province --period 2026`
    Query {
        /// Comma-separated measures (sell_in_amount, sell_through_amount, collections, …)
        #[arg(long)]
        measures: String,
        /// Comma-separated dimensions to split by (partner, province, month, …)
        #[arg(long, default_value = "")]
        by: String,
        /// 2026, 2026-Q3 or 2026-07 (fiscal years and quarters)
        #[arg(long)]
        period: Option<String>,
        /// A range of months instead of --period: --from 2025-01 --to 2026-06
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        /// Keep only these codes of a dimension (repeatable): --filter province=310000,320000
        #[arg(long = "filter", value_name = "DIM=CODES")]
        filters: Vec<String>,
        /// previous_period or last_year
        #[arg(long)]
        compare: Option<String>,
        /// A measure to order by, '-' first for largest first
        #[arg(long, allow_hyphen_values = true)]
        sort: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
        /// table, csv or json
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
        format: String,
        /// Ask as this user (their data scope applies); default: the system
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// The next three months of a measure for a partner, region or channel
    /// type, with the back-test error, e.g.
    /// `qudao analytics forecast --measure sell_in_amount --filter partner=P00012`
    Forecast {
        #[arg(long, default_value = "sell_in_amount")]
        measure: String,
        /// Whose (repeatable): --filter region=310000 --filter partner_type=retailer
        #[arg(long = "filter", value_name = "DIM=CODES")]
        filters: Vec<String>,
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: Option<String>,
    },
    /// Time a file of queries (one per line, in the URL form
    /// `measures=sell_in_amount&by=province&period=2026`, `#` comments) on
    /// one loaded engine, the kept answers forgotten before every run;
    /// prints JSON with each query's times in ms
    Bench {
        file: PathBuf,
        /// Runs of each query after one warm-up run
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

pub(crate) async fn run(
    db: &str,
    lang: Lang,
    system: Caller,
    command: AnalyticsCommand,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let app = Qudao::open(db).await?;
    match command {
        AnalyticsCommand::Query {
            measures,
            by,
            period,
            from,
            to,
            filters,
            compare,
            sort,
            limit,
            format,
            as_login,
        } => {
            let mut pairs = vec![("measures".to_owned(), measures), ("by".to_owned(), by)];
            let named = [
                ("period", period),
                ("from", from),
                ("to", to),
                ("compare", compare),
                ("sort", sort),
                ("limit", limit.map(|l| l.to_string())),
            ];
            pairs.extend(
                named
                    .into_iter()
                    .filter_map(|(n, v)| v.map(|v| (n.to_owned(), v))),
            );
            for filter in filters {
                let Some((dim, codes)) = filter.split_once('=') else {
                    bail!("--filter takes dim=codes, not '{filter}'");
                };
                pairs.push((dim.trim().to_owned(), codes.to_owned()));
            }
            let text = checked(lang, text_from_pairs(&pairs))?;
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            let answer = checked(lang, app.analytics_query(&caller, &text).await)?;
            print!("{}", render(&answer, &format, lang));
            eprintln!(
                "{} groups in {} ms (from process start)",
                answer.groups,
                started.elapsed().as_millis()
            );
        }
        AnalyticsCommand::Forecast {
            measure,
            filters,
            as_login,
        } => {
            let mut pairs = Vec::new();
            for filter in filters {
                let Some((dim, codes)) = filter.split_once('=') else {
                    bail!("--filter takes dim=codes, not '{filter}'");
                };
                pairs.push((dim.trim().to_owned(), codes.to_owned()));
            }
            let text = checked(lang, text_from_pairs(&pairs))?;
            let caller = match as_login {
                Some(login) => app.caller_by_login(&login).await?,
                None => system,
            };
            let f = checked(lang, app.analytics_forecast(&caller, &measure, &text).await)?;
            println!(
                "{} by month, {} months of history:",
                f.measure.as_str(),
                f.history.len()
            );
            for (month, value) in &f.history {
                println!("  {month}  {value}");
            }
            println!("forecast ({}):", f.forecast.method.as_str());
            for (month, value) in &f.next {
                println!("  {month}  {value}");
            }
            match &f.forecast.backtest {
                Some(b) => println!(
                    "back-test ({}, last {} months): predicted {:?}, actual {:?}, sMAPE {}%",
                    b.method.as_str(),
                    b.months,
                    b.predicted,
                    b.actual,
                    b.smape
                ),
                None => println!("back-test: too little history (12 months needed)"),
            }
        }
        AnalyticsCommand::Bench { file, runs } => {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let open_ms = started.elapsed().as_secs_f64() * 1000.0;
            let load = Instant::now();
            app.warm_analytics().await?;
            let load_ms = load.elapsed().as_secs_f64() * 1000.0;
            let mut results = Vec::new();
            for line in source.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let pairs: Vec<(String, String)> = line
                    .split('&')
                    .filter_map(|p| p.split_once('='))
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect();
                let text: QueryText = checked(lang, text_from_pairs(&pairs))?;
                let mut times = Vec::with_capacity(runs);
                let mut groups = 0;
                for run in 0..=runs {
                    app.forget_analytics_answers();
                    let t = Instant::now();
                    let answer = checked(lang, app.analytics_query(&system, &text).await)?;
                    if run > 0 {
                        times.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    groups = answer.groups;
                }
                results.push(serde_json::json!({
                    "query": line, "groups": groups, "ms": times,
                }));
            }
            let loaded = app.analytics_loaded().await;
            let value = serde_json::json!({
                "open_ms": open_ms,
                "load_ms": load_ms,
                "from_file": loaded.map(|l| l.from_file),
                "facts": loaded.map(|l| l.facts),
                "queries": results,
            });
            println!("{value}");
        }
    }
    // A first load writes the projection file in the background; let it
    // finish, so the next start reads it.
    app.analytics_saved().await;
    Ok(())
}

/// An invalid query's problems, each with its field, in the user's language.
fn checked<T>(lang: Lang, result: Result<T, AppError>) -> anyhow::Result<T> {
    match result {
        Err(AppError::Invalid(problems)) => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.field, lang.problem(&p.problem)))
                .collect();
            bail!("{}", lines.join("\n"))
        }
        other => Ok(other?),
    }
}

fn render(answer: &Answer, format: &str, lang: Lang) -> String {
    let mut header: Vec<String> = answer.by.iter().map(|d| d.as_str().to_owned()).collect();
    header.extend(answer.measures.iter().map(|m| m.as_str().to_owned()));
    if answer.rows.first().is_some_and(|r| r.compare.is_some()) {
        header.extend(
            answer
                .measures
                .iter()
                .map(|m| format!("{}_compared", m.as_str())),
        );
    }
    let cell = |v: &Option<i64>| v.map_or(String::new(), |v| v.to_string());
    let rows: Vec<Vec<String>> = answer
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<String> = row
                .keys
                .iter()
                .map(|k| {
                    let name = if lang == Lang::ZhCn {
                        &k.name_zh
                    } else {
                        &k.name_en
                    };
                    if k.code == *name || name.is_empty() {
                        k.code.clone()
                    } else {
                        format!("{} {name}", k.code)
                    }
                })
                .collect();
            cells.extend(row.values.iter().map(cell));
            if let Some(compare) = &row.compare {
                cells.extend(compare.iter().map(cell));
            }
            cells
        })
        .collect();
    match format {
        "json" => {
            let rows: Vec<serde_json::Value> = answer
                .rows
                .iter()
                .map(|row| {
                    serde_json::json!({
                        "keys": row.keys.iter().map(|k| serde_json::json!({
                            "code": k.code, "name_zh": k.name_zh, "name_en": k.name_en,
                        })).collect::<Vec<_>>(),
                        "values": row.values,
                        "compare": row.compare,
                    })
                })
                .collect();
            let value = serde_json::json!({
                "currency": answer.currency,
                "first": answer.first.to_string(),
                "last": answer.last.to_string(),
                "measures": answer.measures.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
                "by": answer.by.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
                "rows": rows,
                "totals": answer.totals,
            });
            format!("{value}\n")
        }
        "csv" => {
            let quote = |s: &str| {
                if s.contains([',', '"', '\n']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_owned()
                }
            };
            let mut out = header
                .iter()
                .map(|h| quote(h))
                .collect::<Vec<_>>()
                .join(",");
            out.push('\n');
            for row in rows {
                out.push_str(&row.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
            out
        }
        _ => {
            let widths: Vec<usize> = (0..header.len())
                .map(|i| {
                    rows.iter()
                        .map(|r| r[i].chars().count())
                        .chain([header[i].chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}", w = *w))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
                    + "\n"
            };
            let mut out = line(&header);
            for row in &rows {
                out.push_str(&line(row));
            }
            out
        }
    }
}
