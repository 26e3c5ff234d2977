//! Demo targets: this fiscal year's sell-in target for the whole company,
//! cascaded by amounts to each channel and each channel's to its partners,
//! all approved, so the target pages and the portal open on a real cascade
//! with attainment; and the demo rep's own target. Each partner's figure is
//! the annual target of its agreement where one in force set it (see
//! `app::agreements`), else its sell-in so far this year plus a tenth,
//! rounded up to ¥100; a
//! channel's is the sum of its partners', the company's the sum of the
//! channels' — so every cascade adds up exactly, as the rules require.

use std::collections::BTreeMap;

use qudao_app::analytics::QueryText;
use qudao_app::targets::{CascadeChild, CascadeInput, TargetInput};
use qudao_app::{AppError, Caller, Qudao};
use qudao_domain::targets::{SubjectType, TargetMeasure, TargetStatus};

/// The figure a subject is set: a tenth above what it bought so far,
/// rounded up to ¥100 (minor units in, yuan text out).
fn figure(actual_minor: i64) -> i64 {
    let goal = actual_minor.max(0) * 11 / 10;
    (goal + 9_999) / 10_000 * 10_000
}

fn yuan(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// Sell-in of the fiscal year so far, split by `by`.
async fn sell_in(
    app: &Qudao,
    system: &Caller,
    year: &str,
    by: &[&str],
) -> Result<Vec<(Vec<String>, i64)>, AppError> {
    let text = QueryText {
        measures: vec!["sell_in_amount".to_owned()],
        by: by.iter().map(|d| (*d).to_owned()).collect(),
        period: Some(year.to_owned()),
        limit: Some(qudao_app::analytics::MAX_LIMIT),
        ..QueryText::default()
    };
    let answer = app.analytics_query(system, &text).await?;
    Ok(answer
        .rows
        .into_iter()
        .map(|row| {
            let keys = row.keys.into_iter().map(|k| k.code).collect();
            (keys, row.values.first().copied().flatten().unwrap_or(0))
        })
        .collect())
}

async fn set(
    app: &Qudao,
    system: &Caller,
    year: &str,
    subject_type: &str,
    code: Option<&str>,
    minor: i64,
) -> Result<i64, AppError> {
    let input = TargetInput {
        period: year.to_owned(),
        subject_type: subject_type.to_owned(),
        subject_code: code.map(str::to_owned),
        measure: "sell_in_amount".to_owned(),
        value: yuan(minor),
        ..TargetInput::default()
    };
    Ok(app.set_target(system, &input).await?.id)
}

/// Writes the cascade and approves it from the top; returns how many
/// targets were written.
pub async fn load(app: &Qudao, system: &Caller) -> Result<usize, AppError> {
    let settings = app.current_settings().await?;
    let calendar = qudao_domain::periods::FiscalCalendar::new(settings.fiscal_year_start)
        .unwrap_or_else(|| qudao_domain::periods::FiscalCalendar::new(1).expect("January"));
    let year = calendar.year_of(qudao_app::today()).to_string();

    // Partners that bought this year, by channel; a channel's figure is the
    // sum of its partners'.
    let mut channels: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for (keys, actual) in sell_in(app, system, &year, &["partner_type", "partner"]).await? {
        if let [channel, partner] = keys.as_slice()
            && actual > 0
        {
            channels
                .entry(channel.clone())
                .or_default()
                .push((partner.clone(), figure(actual)));
        }
    }
    if channels.is_empty() {
        return Ok(0);
    }
    // An active agreement's annual target is already its partner's year
    // target, in force; the cascade gives that partner the same figure.
    let agreed: BTreeMap<String, i64> = app
        .target_list(system, Some(&year))
        .await?
        .into_iter()
        .filter(|t| {
            t.subject_type == SubjectType::Partner
                && t.measure == TargetMeasure::SellInAmount
                && t.product_line.is_none()
                && t.status == TargetStatus::Approved
        })
        .map(|t| (t.subject_code, t.value))
        .collect();
    for partners in channels.values_mut() {
        for (code, value) in partners.iter_mut() {
            if let Some(figure) = agreed.get(code) {
                *value = *figure;
            }
        }
    }
    // A partner whose agreement set its target but that bought nothing yet
    // joins its channel too, so the tree has one root.
    for (code, figure) in &agreed {
        if channels.values().flatten().any(|(c, _)| c == code) {
            continue;
        }
        let channel = app.partner(system, code).await?.partner.partner_type;
        channels
            .entry(channel.as_str().to_owned())
            .or_default()
            .push((code.clone(), *figure));
    }
    let channel_total = |partners: &[(String, i64)]| partners.iter().map(|(_, v)| v).sum::<i64>();
    let company_total: i64 = channels.values().map(|p| channel_total(p)).sum();

    let company = set(app, system, &year, "company", None, company_total).await?;
    let cascade = |children: Vec<CascadeChild>| CascadeInput {
        by: "amounts".to_owned(),
        children,
        ..CascadeInput::default()
    };
    let to_channels = channels
        .iter()
        .map(|(channel, partners)| CascadeChild {
            subject_type: "channel".to_owned(),
            subject_code: channel.clone(),
            part: Some(yuan(channel_total(partners))),
        })
        .collect();
    let written = app
        .cascade_target(system, company, &cascade(to_channels))
        .await?;
    let mut count = 1 + written.children.len();
    app.approve_target(system, company).await?;
    for channel in written.children {
        let partners = &channels[&channel.subject_code];
        let to_partners = partners
            .iter()
            .map(|(code, value)| CascadeChild {
                subject_type: "partner".to_owned(),
                subject_code: code.clone(),
                part: Some(yuan(*value)),
            })
            .collect();
        let below = app
            .cascade_target(system, channel.id, &cascade(to_partners))
            .await?;
        count += below.children.len();
        app.approve_target(system, channel.id).await?;
        for partner in below.children {
            if partner.status == TargetStatus::Draft {
                app.approve_target(system, partner.id).await?;
            }
        }
    }

    // The rep's own goal, beside the cascade: what its partners bought.
    let rep_actual = sell_in(app, system, &year, &["owner"])
        .await?
        .into_iter()
        .find(|(keys, _)| keys.first().is_some_and(|k| k == "rep"))
        .map_or(0, |(_, actual)| actual);
    if rep_actual > 0 {
        let rep = set(app, system, &year, "rep", Some("rep"), figure(rep_actual)).await?;
        app.approve_target(system, rep).await?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_a_tenth_above_rounded_up_to_a_hundred_yuan() {
        assert_eq!(figure(1_000_000), 1_100_000);
        assert_eq!(figure(1_000_001), 1_110_000);
        assert_eq!(figure(0), 0);
        assert_eq!(yuan(1_100_000), "11000.00");
    }
}
