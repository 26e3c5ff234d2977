//! `qudao incentives run` and `qudao incentives explain`: compute a
//! period's programs (or only show what they would pay) and read one
//! subject's result with its trace, from the shell.

use std::io::Write;

use anyhow::Context;
use clap::ValueEnum;
use qudao_app::incentive_runs::{ResultView, RunDetail, RunRequest};
use qudao_app::{Caller, Qudao};
use qudao_domain::money::{Currency, Money};
use rust_decimal::Decimal;

/// How `incentives run` prints its results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

const COLUMNS: [&str; 9] = [
    "subject_code",
    "subject_name",
    "program_code",
    "base",
    "target",
    "attainment",
    "rate",
    "amount",
    "stacking",
];

/// A figure of the base's measure: money in major units with the
/// currency's decimals, a quantity as a whole number.
fn figure(value: i64, measure: &str, currency: Currency) -> String {
    if measure == "quantity" {
        value.to_string()
    } else {
        Money::from_minor(value, currency).amount_text()
    }
}

/// The multiplied base in the base's own units, as exact as it is: money
/// in major units, never fewer decimals than the currency has.
fn multiplied(exact: &str, measure: &str, currency: Currency) -> String {
    match exact.parse::<Decimal>() {
        Ok(minor) if measure != "quantity" => {
            let digits = currency.minor_digits();
            let mut major = minor / Decimal::from(10_i64.pow(digits));
            if major.scale() < digits {
                major.rescale(digits);
            }
            major.to_string()
        }
        _ => exact.to_owned(),
    }
}

/// One result as the columns read: empty where a figure is undefined.
fn cells(r: &ResultView, currency: Currency) -> [String; 9] {
    [
        r.code.clone(),
        r.name.clone(),
        r.program_code.clone(),
        figure(r.base, &r.measure, currency),
        r.target
            .map(|t| figure(t, &r.measure, currency))
            .unwrap_or_default(),
        r.attainment.clone().unwrap_or_default(),
        r.rate.clone().unwrap_or_default(),
        Money::from_minor(r.payable, currency).amount_text(),
        r.stacking.clone(),
    ]
}

fn print(detail: &RunDetail, format: Format) -> anyhow::Result<()> {
    let currency = Currency::parse(&detail.run.currency)
        .map_err(|_| anyhow::anyhow!("unknown currency {}", detail.run.currency))?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, detail)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(COLUMNS)?;
            for r in &detail.results {
                csv.write_record(cells(r, currency))?;
            }
            csv.flush()?;
        }
        Format::Table => {
            let run = &detail.run;
            let id = run.id.map_or_else(
                || "dry run, nothing written".to_owned(),
                |id| format!("run {id}"),
            );
            writeln!(
                out,
                "{id} · {} · {}{} · {} subjects · total {}",
                run.period,
                run.status,
                if run.provisional {
                    " (provisional)"
                } else {
                    ""
                },
                run.subjects,
                run.total_shown
            )?;
            for p in &run.programs {
                writeln!(
                    out,
                    "  {} v{} {} ({}): {}",
                    p.code,
                    p.version,
                    p.name,
                    p.kind,
                    Money::from_minor(p.total, currency).formatted()
                )?;
            }
            let rows: Vec<[String; 9]> =
                detail.results.iter().map(|r| cells(r, currency)).collect();
            let widths: Vec<usize> = (0..COLUMNS.len())
                .map(|i| {
                    rows.iter()
                        .map(|r| r[i].chars().count())
                        .chain([COLUMNS[i].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[&str]| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}", w = *w))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            };
            writeln!(out, "{}", line(&COLUMNS))?;
            for row in &rows {
                let cells: Vec<&str> = row.iter().map(String::as_str).collect();
                writeln!(out, "{}", line(&cells))?;
            }
        }
    }
    Ok(())
}

pub(crate) async fn run(
    app: &Qudao,
    caller: &Caller,
    request: RunRequest,
    format: Format,
) -> anyhow::Result<()> {
    let detail = app
        .run_incentives(caller, &request)
        .await
        .with_context(|| format!("incentives run --period {}", request.period))?;
    print(&detail, format)
}

pub(crate) async fn explain(
    app: &Qudao,
    lang: qudao_web::i18n::Lang,
    caller: &Caller,
    run: i64,
    subject: &str,
) -> anyhow::Result<()> {
    let detail = app
        .incentive_explanation(caller, run, subject)
        .await
        .with_context(|| format!("incentives explain --run {run} --subject {subject}"))?;
    let currency = Currency::parse(&detail.run.currency)
        .map_err(|_| anyhow::anyhow!("unknown currency {}", detail.run.currency))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "run {} · {} · {}",
        run, detail.run.period, detail.run.status
    )?;
    for r in &detail.results {
        let [
            code,
            name,
            program,
            base,
            target,
            attainment,
            rate,
            amount,
            stacking,
        ] = cells(r, currency);
        writeln!(
            out,
            "\n{code} {name} · {program} {} · {stacking}",
            r.program_name
        )?;
        writeln!(
            out,
            "  base {base} (multiplied {}), target {target}, attainment {attainment}, rate {rate}, pays {amount}",
            multiplied(&r.multiplied_base, &r.measure, currency)
        )?;
        writeln!(out, "  sources: {}", r.parts)?;
        for line in qudao_web::incentive_trace_in_words(lang, &detail.run.currency, r)? {
            writeln!(out, "  - {line}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multiplied_base_reads_in_the_units_of_the_base() {
        let yuan = Currency::parse("CNY").unwrap();
        assert_eq!(multiplied("112683550", "sell_in_net", yuan), "1126835.50");
        assert_eq!(multiplied("1500.5", "sell_in_net", yuan), "15.005");
        assert_eq!(multiplied("-200", "sell_in_net", yuan), "-2.00");
        assert_eq!(multiplied("240", "quantity", yuan), "240");
    }
}
