//! The company settings, set explicitly, and monthly USD and HKD rates to
//! CNY for the 24 months before the current one. No month is closed: no
//! facts exist yet to close.

use qudao_app::rates::RateInput;
use qudao_app::settings::SettingsInput;
use qudao_app::{AppError, Caller, Qudao};
use qudao_domain::periods::Month;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The Hong Kong dollar's peg to the US dollar keeps it near 7.8 per USD.
const HKD_PER_USD: [i64; 2] = [7_7500, 7_8500];

pub(crate) async fn setup(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
) -> Result<usize, AppError> {
    let settings = SettingsInput {
        currency: "CNY".to_owned(),
        fiscal_year_start: "1".to_owned(),
        new_product_days: "90".to_owned(),
        overstock_days: "60".to_owned(),
    };
    app.update_settings(system, &settings).await?;
    let current = Month::of(qudao_app::today());
    let months: Vec<Month> =
        std::iter::successors(Some(current.previous()), |m| Some(m.previous()))
            .take(24)
            .collect();
    // A random walk of the yuan per dollar in ten-thousandths, within the
    // band it traded in lately (7.05–7.35).
    let mut usd: i64 = rng.random_range(7_1000..=7_2500);
    let mut written = 0;
    for month in months.iter().rev() {
        usd = (usd + rng.random_range(-250..=250)).clamp(7_0500, 7_3500);
        let per_usd = rng.random_range(HKD_PER_USD[0]..=HKD_PER_USD[1]);
        // CNY per HKD = CNY per USD / HKD per USD, to eight decimals.
        let hkd = usd * 100_000_000 / per_usd;
        for (currency, rate) in [
            ("USD", format!("{}.{:04}", usd / 10_000, usd % 10_000)),
            ("HKD", format!("0.{hkd:08}")),
        ] {
            let input = RateInput {
                month: month.to_string(),
                currency: currency.to_owned(),
                rate,
            };
            app.put_rate(system, &input).await?;
            written += 1;
        }
    }
    Ok(written)
}
