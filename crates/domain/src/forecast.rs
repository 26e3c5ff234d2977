//! Forecasts of a monthly series (sell-in or sell-through of one partner,
//! region or channel type; money in minor units or quantities): the next
//! months, and beside them the error the same procedure made on the last six
//! months of the history, so nobody reads a forecast without its track record.
//!
//! Integers in, integers out, `Decimal` in between: a forecast is read as
//! money, and money never passes through a float. docs/areas/forecast.md
//! explains the method to a channel manager.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::string_enum;

/// Months in a season: sales repeat yearly (Spring Festival, 618, Double 11).
pub const SEASON: usize = 12;
/// Months held out by the back-test.
pub const BACKTEST_MONTHS: usize = 6;
/// Holt-Winters needs one season to set the seasonal pattern and a second
/// one to measure the trend against it.
pub const SEASONAL_MIN_MONTHS: usize = 2 * SEASON;
/// Below this a trend is mostly noise, so the mean forecasts better.
pub const TREND_MIN_MONTHS: usize = 6;
/// A back-test fits on at least as many months as it holds out.
pub const BACKTEST_MIN_MONTHS: usize = 2 * BACKTEST_MONTHS;
/// Decimal places of the sMAPE percentage.
pub const SMAPE_DIGITS: u32 = 2;

string_enum! {
    /// Which method produced a forecast; it follows from the history's length.
    Method, "method" {
        HoltWinters => "holt_winters",
        Holt => "holt",
        Mean => "mean",
    }
}

/// The smoothing parameters the grid search picked: how fast the level,
/// the trend and (Holt-Winters only) the seasonal pattern follow new months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Smoothing {
    pub alpha: Decimal,
    pub beta: Decimal,
    pub gamma: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Forecast {
    pub method: Method,
    /// `None` for the mean, which has nothing to smooth.
    pub smoothing: Option<Smoothing>,
    /// The months after the last one of the history, rounded half away from
    /// zero, never below 0 (net returns are not forecast to continue).
    pub next: Vec<i64>,
    /// `None` when the history is shorter than [`BACKTEST_MIN_MONTHS`].
    pub backtest: Option<Backtest>,
}

/// What forecasting the last [`BACKTEST_MONTHS`] months from the months
/// before them would have predicted, against what happened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Backtest {
    /// The shorter history may pick a simpler method than the forecast's.
    pub method: Method,
    pub months: usize,
    pub predicted: Vec<i64>,
    pub actual: Vec<i64>,
    /// Percent, 0–200, two decimals: see [`smape`].
    pub smape: Decimal,
}

/// Forecasts the `horizon` months after `history` (oldest month first) and
/// back-tests the same procedure on the history's last six months.
pub fn forecast(history: &[i64], horizon: usize) -> Forecast {
    let backtest = (history.len() >= BACKTEST_MIN_MONTHS).then(|| {
        let (fit, actual) = history.split_at(history.len() - BACKTEST_MONTHS);
        let past = project(fit, BACKTEST_MONTHS);
        Backtest {
            method: past.method,
            months: BACKTEST_MONTHS,
            smape: smape(&past.next, actual),
            predicted: past.next,
            actual: actual.to_vec(),
        }
    });
    let Projection {
        method,
        smoothing,
        next,
    } = project(history, horizon);
    Forecast {
        method,
        smoothing,
        next,
        backtest,
    }
}

/// Symmetric mean absolute percentage error, in percent with two decimals:
/// the mean over the months of |F − A| / ((|A| + |F|) / 2) × 100. A month
/// where both are 0 was forecast perfectly and counts 0. Pairs beyond the
/// shorter slice are ignored; no pairs give 0.
pub fn smape(predicted: &[i64], actual: &[i64]) -> Decimal {
    let terms: Vec<Decimal> = predicted
        .iter()
        .zip(actual)
        .map(|(&f, &a)| {
            let (f, a) = (Decimal::from(f), Decimal::from(a));
            let sum = f.abs() + a.abs();
            if sum.is_zero() {
                Decimal::ZERO
            } else {
                Decimal::TWO * (f - a).abs() / sum
            }
        })
        .collect();
    let mut percent = if terms.is_empty() {
        Decimal::ZERO
    } else {
        terms.iter().sum::<Decimal>() * Decimal::ONE_HUNDRED / Decimal::from(terms.len())
    }
    .round_dp_with_strategy(SMAPE_DIGITS, RoundingStrategy::MidpointAwayFromZero);
    percent.rescale(SMAPE_DIGITS);
    percent
}

struct Projection {
    method: Method,
    smoothing: Option<Smoothing>,
    next: Vec<i64>,
}

const fn tenths(n: u32) -> Decimal {
    Decimal::from_parts(n, 0, 0, false, 1)
}
const fn hundredths(n: u32) -> Decimal {
    Decimal::from_parts(n, 0, 0, false, 2)
}

// Three values each, spread over the usual range; the trend is kept slow
// because monthly channel sales are noisy and a chased trend overshoots.
const ALPHAS: [Decimal; 3] = [tenths(2), tenths(5), tenths(8)];
const BETAS: [Decimal; 3] = [hundredths(5), hundredths(15), hundredths(30)];
const GAMMAS: [Decimal; 3] = [tenths(1), tenths(3), tenths(5)];

fn project(history: &[i64], horizon: usize) -> Projection {
    let series: Vec<Decimal> = history.iter().map(|&v| Decimal::from(v)).collect();
    let fitted = if series.len() >= SEASONAL_MIN_MONTHS {
        best_fit(&series, Method::HoltWinters)
    } else if series.len() >= TREND_MIN_MONTHS {
        best_fit(&series, Method::Holt)
    } else {
        None
    };
    match fitted {
        Some((smoothing, state)) => Projection {
            method: if smoothing.gamma.is_some() {
                Method::HoltWinters
            } else {
                Method::Holt
            },
            smoothing: Some(smoothing),
            next: (1..=horizon).map(|h| state.ahead(h)).collect(),
        },
        None => {
            let mean = if series.is_empty() {
                Decimal::ZERO
            } else {
                series.iter().sum::<Decimal>() / Decimal::from(series.len())
            };
            Projection {
                method: Method::Mean,
                smoothing: None,
                next: vec![to_forecast(mean); horizon],
            }
        }
    }
}

/// Fits every parameter combination of the grid and keeps the one with the
/// lowest sum of squared one-step errors; the first in grid order wins a tie.
/// `None` when every combination overflows, which leaves the mean.
fn best_fit(series: &[Decimal], method: Method) -> Option<(Smoothing, State)> {
    let gammas: &[Option<Decimal>] = if method == Method::HoltWinters {
        &[Some(GAMMAS[0]), Some(GAMMAS[1]), Some(GAMMAS[2])]
    } else {
        &[None]
    };
    // Errors are compared in units of the power of ten above the largest
    // month, so the squares stay small whatever the amounts and scaling is
    // a shift of the decimal point; the ranking does not change.
    let largest = series.iter().map(|v| v.abs()).max().unwrap_or_default();
    let unit = match largest.trunc().mantissa().unsigned_abs().checked_ilog10() {
        Some(digits) => Decimal::new(1, digits + 1),
        None => Decimal::ONE,
    };
    let start = if method == Method::HoltWinters {
        State::holt_winters(series)
    } else {
        State::holt(series)
    };
    let mut best: Option<(Decimal, Smoothing, State)> = None;
    for alpha in ALPHAS {
        for beta in BETAS {
            for &gamma in gammas {
                let smoothing = Smoothing { alpha, beta, gamma };
                let Some((cost, state)) = fit(series, &start, smoothing, unit) else {
                    continue;
                };
                if best.as_ref().is_none_or(|(lowest, ..)| cost < *lowest) {
                    best = Some((cost, smoothing, state));
                }
            }
        }
    }
    best.map(|(_, smoothing, state)| (smoothing, state))
}

/// Decimal places the smoothing state keeps. Without a limit every
/// multiplication by a parameter adds digits until each operation works on
/// the full 28, several times slower; a millionth of a minor unit changes no
/// rounded forecast.
const STATE_DIGITS: u32 = 6;

/// Where a smoothing run stands after the last month.
#[derive(Clone)]
struct State {
    level: Decimal,
    trend: Decimal,
    /// The seasonal offset of each calendar position (month index modulo
    /// 12); empty for Holt's method.
    season: Vec<Decimal>,
    /// Months seen, so the next month's seasonal position is known.
    months: usize,
}

impl State {
    /// Holt's method starts at the first month with the average slope of the
    /// first quarter, so a straight line is continued exactly.
    fn holt(series: &[Decimal]) -> Self {
        State {
            level: series[0],
            trend: (series[3] - series[0]) / Decimal::from(3),
            season: Vec::new(),
            months: 1,
        }
    }

    /// Holt-Winters starts after the first season: the trend is the change of
    /// the yearly mean over 12 months, the level is the first year's mean
    /// carried to its last month, and each month's seasonal offset is its
    /// distance from that trend line. A straight line, a repeating season and
    /// their sum are then continued exactly.
    fn holt_winters(series: &[Decimal]) -> Self {
        let twelve = Decimal::from(SEASON);
        let first: Decimal = series[..SEASON].iter().sum();
        let second: Decimal = series[SEASON..2 * SEASON].iter().sum();
        let trend = (second - first) / (twelve * twelve);
        let mean = first / twelve;
        let middle = (twelve - Decimal::ONE) / Decimal::TWO;
        let season = series[..SEASON]
            .iter()
            .zip(0u32..)
            .map(|(&x, i)| x - (mean + (Decimal::from(i) - middle) * trend))
            .collect();
        State {
            level: mean + middle * trend,
            trend,
            season,
            months: SEASON,
        }
    }

    fn offset(&self, month: usize) -> Decimal {
        self.season
            .get(month % SEASON)
            .copied()
            .unwrap_or(Decimal::ZERO)
    }

    /// The forecast `h` months after the last month seen.
    fn forecast(&self, h: usize) -> Option<Decimal> {
        self.level
            .checked_add(Decimal::from(h).checked_mul(self.trend)?)?
            .checked_add(self.offset(self.months + h - 1))
    }

    /// Takes in the next month `x` (classical additive update equations).
    fn update(&mut self, x: Decimal, s: Smoothing) -> Option<()> {
        let offset = self.offset(self.months);
        let level = s.alpha.checked_mul(x.checked_sub(offset)?)?.checked_add(
            (Decimal::ONE - s.alpha).checked_mul(self.level.checked_add(self.trend)?)?,
        )?;
        self.trend = s
            .beta
            .checked_mul(level.checked_sub(self.level)?)?
            .checked_add((Decimal::ONE - s.beta).checked_mul(self.trend)?)?;
        self.trend = self.trend.round_dp(STATE_DIGITS);
        self.level = level.round_dp(STATE_DIGITS);
        if let Some(gamma) = s.gamma {
            let position = self.months % SEASON;
            self.season[position] = gamma
                .checked_mul(x.checked_sub(self.level)?)?
                .checked_add((Decimal::ONE - gamma).checked_mul(offset)?)?
                .round_dp(STATE_DIGITS);
        }
        self.months += 1;
        Some(())
    }

    /// The rounded forecast `h` months ahead. Overflow only happens along a
    /// runaway trend, so it saturates in the trend's direction.
    fn ahead(&self, h: usize) -> i64 {
        match self.forecast(h) {
            Some(value) => to_forecast(value),
            None if self.trend.is_sign_positive() => i64::MAX,
            None => 0,
        }
    }
}

/// Runs one parameter combination over the series: the sum of squared
/// one-step errors (in `unit`s) and the state after the last month.
fn fit(series: &[Decimal], start: &State, s: Smoothing, unit: Decimal) -> Option<(Decimal, State)> {
    let mut state = start.clone();
    let mut cost = Decimal::ZERO;
    for &x in &series[state.months..] {
        let error = x
            .checked_sub(state.forecast(1)?)?
            .checked_mul(unit)?
            .round_dp(STATE_DIGITS);
        cost = cost.checked_add(error.checked_mul(error)?)?;
        state.update(x, s)?;
    }
    Some((cost, state))
}

fn to_forecast(value: Decimal) -> i64 {
    let rounded = value
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .max(Decimal::ZERO);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(text: &str) -> Decimal {
        text.parse().expect("a decimal")
    }

    const PATTERN: [i64; 12] = [80, 60, 90, 100, 110, 120, 100, 95, 105, 130, 180, 150];

    #[test]
    fn a_pure_season_repeats() {
        let history: Vec<i64> = PATTERN.iter().cycle().take(36).copied().collect();
        let result = forecast(&history, 12);
        assert_eq!(result.method, Method::HoltWinters);
        assert_eq!(result.next, PATTERN);
        let backtest = result.backtest.expect("36 months back-test");
        assert_eq!(backtest.method, Method::HoltWinters);
        assert_eq!(backtest.predicted, PATTERN[6..]);
        assert_eq!(backtest.actual, PATTERN[6..]);
        assert_eq!(backtest.smape.to_string(), "0.00");
    }

    #[test]
    fn a_season_on_a_trend_keeps_both() {
        let history: Vec<i64> = (0..27)
            .map(|t| 1_000 + 7 * t + PATTERN[t as usize % 12])
            .collect();
        let result = forecast(&history, 3);
        assert_eq!(result.method, Method::HoltWinters);
        let expected: Vec<i64> = (27..30)
            .map(|t| 1_000 + 7 * t + PATTERN[t as usize % 12])
            .collect();
        assert_eq!(result.next, expected);
        // 21 months before the held-out six are too few to set a season.
        assert_eq!(result.backtest.expect("27 months").method, Method::Holt);
    }

    #[test]
    fn a_linear_trend_continues() {
        for months in [6, 12, 23, 24, 40] {
            let history: Vec<i64> = (0..months).map(|t| 5_000 + 250 * t).collect();
            let result = forecast(&history, 3);
            let expected: Vec<i64> = (months..months + 3).map(|t| 5_000 + 250 * t).collect();
            assert_eq!(result.next, expected, "{months} months");
            if let Some(backtest) = result.backtest {
                assert_eq!(backtest.smape, Decimal::ZERO, "{months} months");
            }
        }
    }

    #[test]
    fn the_method_follows_the_history_length() {
        let method = |months: usize| forecast(&vec![10; months], 1).method;
        assert_eq!(method(0), Method::Mean);
        assert_eq!(method(5), Method::Mean);
        assert_eq!(method(6), Method::Holt);
        assert_eq!(method(23), Method::Holt);
        assert_eq!(method(24), Method::HoltWinters);
        let backtest = |months: usize| forecast(&vec![10; months], 1).backtest.is_some();
        assert!(!backtest(11));
        assert!(backtest(12));
    }

    #[test]
    fn a_constant_stays_constant() {
        for months in [1, 5, 6, 18, 24, 36] {
            let result = forecast(&vec![4_321; months], 3);
            assert_eq!(result.next, [4_321; 3], "{months} months");
        }
    }

    #[test]
    fn short_history_forecasts_its_mean() {
        let result = forecast(&[10, 20, 25], 2);
        assert_eq!(result.method, Method::Mean);
        assert_eq!(result.smoothing, None);
        // 55 / 3 = 18.33…
        assert_eq!(result.next, [18, 18]);
        assert_eq!(forecast(&[1, 2], 1).next, [2], "1.5 rounds away from zero");
        assert_eq!(forecast(&[], 2).next, [0, 0]);
        assert_eq!(forecast(&[], 2).backtest, None);
    }

    #[test]
    fn all_zero_forecasts_zero_with_no_error() {
        for months in [0, 6, 12, 24, 36] {
            let result = forecast(&vec![0; months], 3);
            assert_eq!(result.next, [0; 3]);
            if let Some(backtest) = result.backtest {
                assert_eq!(backtest.predicted, [0; 6]);
                assert_eq!(backtest.smape.to_string(), "0.00");
            }
        }
    }

    #[test]
    fn net_returns_never_forecast_below_zero() {
        let falling: Vec<i64> = (0..30).map(|t| 1_000 - 100 * t).collect();
        assert_eq!(forecast(&falling, 3).next, [0; 3]);
        let returns = forecast(&[-50, -20, -80], 2);
        assert_eq!(returns.next, [0, 0]);
        let mixed: Vec<i64> = (0..26)
            .map(|t| if t % 3 == 0 { -400 } else { 100 })
            .collect();
        let result = forecast(&mixed, 12);
        assert!(result.next.iter().all(|&v| v >= 0), "{:?}", result.next);
        let backtest = result.backtest.expect("26 months");
        assert!(backtest.predicted.iter().all(|&v| v >= 0));
    }

    #[test]
    fn smape_of_a_perfect_forecast_is_zero() {
        assert_eq!(smape(&[5, 0, 7], &[5, 0, 7]), Decimal::ZERO);
        assert_eq!(smape(&[], &[]).to_string(), "0.00");
    }

    #[test]
    fn smape_by_hand() {
        // |110-100| / 105 = 0.095238…, |0-50| / 25 = 2, 0/0 = 0, |30-40| / 35 = 0.285714…
        // mean = 2.380952… / 4 = 0.595238… → 59.52 %
        assert_eq!(smape(&[110, 0, 0, 30], &[100, 50, 0, 40]), dec("59.52"));
        // Signs count by magnitude: a return of 20 forecast as 0 is off by 200 %.
        assert_eq!(smape(&[0], &[-20]), dec("200"));
        assert_eq!(smape(&[0], &[-20]).to_string(), "200.00");
    }

    #[test]
    fn the_grid_picks_the_lowest_error() {
        // A level shift halfway: only a quick level (alpha 0.8) follows it well.
        let history: Vec<i64> = (0..12).map(|t| if t < 6 { 100 } else { 300 }).collect();
        let result = forecast(&history, 1);
        let smoothing = result.smoothing.expect("Holt");
        assert_eq!(smoothing.alpha, dec("0.8"));
        assert_eq!(smoothing.gamma, None);
    }

    #[test]
    fn the_backtest_is_the_forecast_from_six_months_earlier() {
        let history: Vec<i64> = (0..40)
            .map(|t| 900 + (t * 37) % 101 + PATTERN[t as usize % 12])
            .collect();
        let result = forecast(&history, 3);
        let backtest = result.backtest.expect("40 months");
        assert_eq!(backtest.months, 6);
        assert_eq!(backtest.actual, history[34..]);
        assert_eq!(backtest.predicted, forecast(&history[..34], 6).next);
        assert_eq!(backtest.smape, smape(&backtest.predicted, &backtest.actual));
    }

    #[test]
    fn is_deterministic() {
        let history: Vec<i64> = (0..37).map(|t| (t * 7_919) % 1_009 * 1_000).collect();
        assert_eq!(forecast(&history, 12), forecast(&history, 12));
    }

    #[test]
    fn extreme_months_do_not_panic() {
        let wild: Vec<i64> = (0..40)
            .map(|t| if t % 2 == 0 { i64::MAX } else { i64::MIN })
            .collect();
        let result = forecast(&wild, 12);
        assert_eq!(result.next.len(), 12);
        let rising: Vec<i64> = (0..30).map(|t| i64::MAX / 30 * t).collect();
        assert!(forecast(&rising, 12).next.iter().all(|&v| v > 0));
    }

    proptest! {
        #[test]
        fn any_history_forecasts_without_panic(
            history in prop::collection::vec(0i64..1_000_000_000_000, 0..60),
            horizon in 1usize..=12,
        ) {
            let result = forecast(&history, horizon);
            prop_assert_eq!(result.next.len(), horizon);
            prop_assert!(result.next.iter().all(|&v| v >= 0));
            prop_assert_eq!(result.backtest.is_some(), history.len() >= BACKTEST_MIN_MONTHS);
            if let Some(backtest) = result.backtest {
                prop_assert!(backtest.smape >= Decimal::ZERO);
                prop_assert!(backtest.smape <= Decimal::from(200));
            }
        }

        #[test]
        fn any_i64_history_forecasts_without_panic(
            history in prop::collection::vec(any::<i64>(), 0..60),
            horizon in 1usize..=12,
        ) {
            let result = forecast(&history, horizon);
            prop_assert_eq!(result.next.len(), horizon);
            prop_assert!(result.next.iter().all(|&v| v >= 0));
        }
    }
}
