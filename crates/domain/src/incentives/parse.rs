//! Reading a [`ProgramDocument`] into a checked [`Program`]: every
//! problem found, each at its field path, all at once.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::document::{
    AttainmentDocument, BaseDocument, BracketDocument, CommissionDocument, ConditionsDocument,
    MultiplierDocument, PayoutDocument, ProgramDocument, Scalar, ScopeDocument, StackingDocument,
    Unknown,
};
use super::program::{
    Accelerator, AttainmentSource, Base, BaseMeasure, Bracket, BracketMode, Commission, Conditions,
    FACTOR_DECIMALS, GrowthAgainst, MAX_FACTOR, MAX_FROM, Multiplier, Pay, Payout, PayoutForm,
    PeriodKind, Program, ProgramCode, ProgramInvalid, ProgramKind, RATIO_DECIMALS, Reference,
    Rules, Scope, SplitRole, Stacking, StackingRule, TeamCode,
};
use crate::admin::Login;
use crate::catalog::{Sku, parse_category};
use crate::dates::{DateRange, parse_date};
use crate::error::{Invalid, Problem, check_length};
use crate::grades::GradeCode;
use crate::incentive_points::{MAX_EXPIRE_MONTHS, Points};
use crate::money::{Currency, Money};
use crate::partners::{PartnerCode, PartnerType};
use crate::territories::{ProductLine, RegionCode};

impl Program {
    /// Checks a document, reporting every problem found, each at its path.
    pub fn parse(doc: &ProgramDocument) -> Result<Self, Vec<ProgramInvalid>> {
        let mut e = Errors::default();
        e.unknown("", &doc.unknown, TOP_KEYS);
        let kind = e.required("kind", doc.kind.as_ref(), |p, s| {
            text(p, s).and_then(|t| lift(p, ProgramKind::parse(&t)))
        });
        let code = e.required("code", doc.code.as_ref(), |p, s| {
            text(p, s).and_then(|t| lift(p, ProgramCode::parse_as("code", &t)))
        });
        let name = e.required("name", doc.name.as_ref(), |p, s| {
            let name = text(p, s)?.trim().to_owned();
            lift(p, check_length("name", &name, 1, 100)).map(|()| name)
        });
        let version = e.required("version", doc.version.as_ref(), |p, s| {
            integer(p, s, 1, i128::from(u32::MAX)).map(|v| u32::try_from(v).unwrap_or(u32::MAX))
        });
        let currency = e.required("currency", doc.currency.as_ref(), |p, s| {
            text(p, s).and_then(|t| lift(p, Currency::parse(&t)))
        });
        let from = e.required("effective_from", doc.effective_from.as_ref(), date);
        let to = e.required("effective_to", doc.effective_to.as_ref(), date);
        let effective = match (from, to) {
            (Some(from), Some(to)) => e.take(lift(
                "effective_to",
                DateRange::new(from, to, "effective_to"),
            )),
            _ => None,
        };
        let period = e.required("period", doc.period.as_ref(), |p, s| {
            text(p, s).and_then(|t| lift(p, PeriodKind::parse(&t)))
        });
        let scope = match &doc.scope {
            Some(scope) => Some(parse_scope(&mut e, scope, kind)),
            None => e.missing("scope"),
        };
        let base = match &doc.base {
            Some(base) => parse_base(&mut e, base),
            None => e.missing("base"),
        };
        let measure = base.as_ref().map(|b| b.measure);
        let currency_or_cny = currency.unwrap_or(Currency::CNY);
        let reference = parse_reference(&mut e, doc, measure, currency_or_cny);
        let pay = measure.and_then(|m| parse_pay(&mut e, doc, m, currency_or_cny));
        if let (Some(Reference::Growth { .. }), Some(Pay::Flat(_))) = (&reference, &pay) {
            e.push(ProgramInvalid::rule("growth", "growth_needs_brackets"));
        }
        let money = |e: &mut Errors, path: &str, value: Option<&Scalar>| {
            value.and_then(|s| e.take(amount(path, s, currency_or_cny)))
        };
        let cap = money(&mut e, "cap", doc.cap.as_ref());
        let floor = money(&mut e, "floor", doc.floor.as_ref());
        if let (Some(cap), Some(floor)) = (cap, floor)
            && floor > cap
        {
            e.push(ProgramInvalid::rule("floor", "floor_above_cap"));
        }
        let multipliers = doc
            .multipliers
            .as_deref()
            .map(|list| parse_multipliers(&mut e, list))
            .unwrap_or_default();
        let stacking = match &doc.stacking {
            Some(s) => parse_stacking(&mut e, s),
            None => e.missing("stacking"),
        };
        let payout = match &doc.payout {
            Some(p) => parse_payout(&mut e, p),
            None => e.missing("payout"),
        };
        let conditions = doc
            .conditions
            .as_ref()
            .map(|c| parse_conditions(&mut e, c, measure))
            .unwrap_or_default();
        // A data-quality score is a partner's: a rep has none to judge.
        if conditions.min_data_quality.is_some() && kind == Some(ProgramKind::Commission) {
            e.push(ProgramInvalid::rule(
                "conditions.min_data_quality",
                "only_for_partners",
            ));
        }
        let commission = match (&doc.commission, kind) {
            (Some(c), Some(ProgramKind::Commission)) => {
                parse_commission(&mut e, c, pay.as_ref().map(Pay::mode), &reference)
            }
            (Some(_), Some(_)) => {
                e.push(ProgramInvalid::rule("commission", "commission_only"));
                None
            }
            _ => None,
        };
        let points = parse_points(&mut e, doc, kind, measure, currency_or_cny);
        if !e.0.is_empty() {
            return Err(e.0);
        }
        match (
            kind, code, name, version, currency, effective, period, scope, base, reference, pay,
            stacking, payout,
        ) {
            (
                Some(kind),
                Some(code),
                Some(name),
                Some(version),
                Some(currency),
                Some(effective),
                Some(period),
                Some(scope),
                Some(base),
                Some(reference),
                Some(pay),
                Some(stacking),
                Some(payout),
            ) => Ok(Self {
                kind,
                code,
                name,
                version,
                currency,
                effective,
                period,
                scope,
                base,
                rules: Rules {
                    reference,
                    pay,
                    accelerator: commission.as_ref().and_then(|c| c.accelerator),
                    cap,
                    floor,
                    pay_on_collected_share: conditions.pay_on_collected_share,
                    min_data_quality: conditions.min_data_quality,
                    clawback_days: commission.as_ref().and_then(|c| c.clawback_days),
                },
                multipliers,
                stacking,
                payout,
                conditions,
                commission,
                points,
            }),
            // Every missing part pushed its own problem above.
            _ => Err(vec![ProgramInvalid::rule("", "program_incomplete")]),
        }
    }
}

/// Problems found so far; parsing goes on after one so the author sees
/// them all at once.
#[derive(Default)]
struct Errors(Vec<ProgramInvalid>);

impl Errors {
    fn push(&mut self, invalid: ProgramInvalid) {
        self.0.push(invalid);
    }

    fn take<T>(&mut self, result: Result<T, ProgramInvalid>) -> Option<T> {
        result.map_err(|invalid| self.push(invalid)).ok()
    }

    fn missing<T>(&mut self, path: &str) -> Option<T> {
        self.push(ProgramInvalid::new(path, Problem::Required));
        None
    }

    fn required<T>(
        &mut self,
        path: &str,
        value: Option<&Scalar>,
        parse: impl FnOnce(&str, &Scalar) -> Result<T, ProgramInvalid>,
    ) -> Option<T> {
        match value {
            Some(value) => self.take(parse(path, value)),
            None => self.missing(path),
        }
    }

    fn optional<T>(
        &mut self,
        path: &str,
        value: Option<&Scalar>,
        parse: impl FnOnce(&str, &Scalar) -> Result<T, ProgramInvalid>,
    ) -> Option<T> {
        value.and_then(|value| self.take(parse(path, value)))
    }

    /// Refuses keys the object's type does not know, naming the allowed ones.
    fn unknown(&mut self, prefix: &str, unknown: &Unknown, known: &[&'static str]) {
        for key in unknown.keys() {
            self.push(ProgramInvalid::new(
                join(prefix, key),
                Problem::NotOneOf {
                    choices: known.to_vec(),
                },
            ));
        }
    }

    /// Parses each element of an optional list; an empty result for none.
    fn list<T, C: Default + Extend<T>>(
        &mut self,
        path: &str,
        values: Option<&Vec<Scalar>>,
        parse: impl Fn(&str) -> Result<T, Invalid>,
    ) -> C {
        let mut parsed = C::default();
        for (i, value) in values.into_iter().flatten().enumerate() {
            let at = format!("{path}[{i}]");
            if let Some(v) = self.take(text(&at, value).and_then(|t| lift(&at, parse(&t)))) {
                parsed.extend([v]);
            }
        }
        parsed
    }
}

const TOP_KEYS: &[&str] = &[
    "kind",
    "code",
    "name",
    "version",
    "currency",
    "effective_from",
    "effective_to",
    "period",
    "scope",
    "base",
    "attainment",
    "growth",
    "mode",
    "rate",
    "brackets",
    "multipliers",
    "cap",
    "floor",
    "stacking",
    "payout",
    "conditions",
    "commission",
    "points",
];

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn lift<T>(path: &str, result: Result<T, Invalid>) -> Result<T, ProgramInvalid> {
    result.map_err(|invalid| ProgramInvalid::at(path, invalid))
}

fn shape(path: &str, expected: &'static str) -> ProgramInvalid {
    ProgramInvalid::new(path, Problem::Format { expected })
}

/// A leaf read as text: strings as written, whole numbers as their digits
/// (a code may be typed `2026` unquoted); anything else is refused.
fn text(path: &str, value: &Scalar) -> Result<String, ProgramInvalid> {
    match value {
        Scalar::Text(text) => Ok(text.clone()),
        Scalar::Integer(n) => Ok(n.to_string()),
        _ => Err(shape(path, "a text value")),
    }
}

fn flag(path: &str, value: &Scalar) -> Result<bool, ProgramInvalid> {
    match value {
        Scalar::Bool(b) => Ok(*b),
        _ => Err(shape(path, "true or false")),
    }
}

fn integer(path: &str, value: &Scalar, min: i128, max: i128) -> Result<i128, ProgramInvalid> {
    match value {
        Scalar::Integer(n) if (min..=max).contains(n) => Ok(*n),
        Scalar::Integer(n) if *n < min => Err(ProgramInvalid::rule(
            path,
            if min == 0 {
                "integer_negative"
            } else {
                "integer_below_1"
            },
        )),
        Scalar::Integer(_) => Err(ProgramInvalid::new(
            path,
            Problem::Limit {
                rule: "integer_too_large",
                max: usize::try_from(max).unwrap_or(usize::MAX),
            },
        )),
        _ => Err(shape(path, "a whole number, e.g. 1")),
    }
}

fn date(path: &str, value: &Scalar) -> Result<NaiveDate, ProgramInvalid> {
    match value {
        Scalar::Text(text) => lift(path, parse_date("date", text)),
        _ => Err(shape(path, "\"2026-12-31\" (a quoted date)")),
    }
}

fn amount(path: &str, value: &Scalar, currency: Currency) -> Result<i64, ProgramInvalid> {
    let text = match value {
        Scalar::Text(text) => text.clone(),
        Scalar::Integer(n) => n.to_string(),
        _ => return Err(shape(path, "\"5000.00\" (an amount in a string)")),
    };
    let money = lift(path, Money::parse("amount", &text, currency))?;
    if money.is_negative() {
        return Err(ProgramInvalid::rule(path, "amount_negative"));
    }
    Ok(money.minor())
}

/// Reads a ratio written as a percent (`"3%"`, `"2.25%"`) or as a
/// fraction (`"0.03"`); both mean the same, 0.03. Decimals are strings in
/// a document: a float is refused, so no figure is ever binary-rounded.
/// At most [`RATIO_DECIMALS`] decimals as a fraction; never negative.
pub fn parse_ratio(path: &str, value: &Scalar) -> Result<Decimal, ProgramInvalid> {
    const EXPECTED: &str = "\"3%\" or \"0.03\"";
    let text = match value {
        Scalar::Text(text) => text.trim().to_owned(),
        Scalar::Integer(n) => n.to_string(),
        _ => return Err(shape(path, EXPECTED)),
    };
    let (digits, percent) = match text.strip_suffix('%') {
        Some(digits) => (digits.trim_end(), true),
        None => (text.as_str(), false),
    };
    if digits.is_empty() {
        return Err(ProgramInvalid::new(path, Problem::Required));
    }
    let unsigned = digits.strip_prefix('-').unwrap_or(digits);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !all_digits(fraction) || whole.len() > 12 {
        return Err(shape(path, EXPECTED));
    }
    let number: Decimal = digits.parse().map_err(|_| shape(path, EXPECTED))?;
    let ratio = if percent {
        number / Decimal::ONE_HUNDRED
    } else {
        number
    }
    .normalize();
    if ratio.is_sign_negative() && !ratio.is_zero() {
        return Err(ProgramInvalid::rule(path, "rate_negative"));
    }
    if ratio.scale() > RATIO_DECIMALS {
        return Err(ProgramInvalid::new(
            path,
            Problem::Limit {
                rule: "ratio_decimals",
                max: RATIO_DECIMALS as usize,
            },
        ));
    }
    Ok(ratio)
}

/// A rate: a ratio of at most 100% for money measures; for `quantity`,
/// an amount per unit in the program's currency, kept in minor units.
fn rate(
    path: &str,
    value: &Scalar,
    measure: BaseMeasure,
    currency: Currency,
) -> Result<Decimal, ProgramInvalid> {
    if measure == BaseMeasure::Quantity {
        return amount(path, value, currency).map(Decimal::from);
    }
    let rate = parse_ratio(path, value)?;
    if rate > Decimal::ONE {
        return Err(ProgramInvalid::rule(path, "rate_above_100_percent"));
    }
    Ok(rate)
}

fn parse_scope(e: &mut Errors, doc: &ScopeDocument, kind: Option<ProgramKind>) -> Scope {
    e.unknown(
        "scope",
        &doc.unknown,
        &[
            "partner_types",
            "grades",
            "regions",
            "partners",
            "reps",
            "teams",
        ],
    );
    let scope = Scope {
        partner_types: e.list("scope.partner_types", doc.partner_types.as_ref(), |t| {
            PartnerType::parse(t)
        }),
        grades: e.list("scope.grades", doc.grades.as_ref(), |t| {
            GradeCode::parse("grade", t)
        }),
        regions: e.list("scope.regions", doc.regions.as_ref(), |t| {
            RegionCode::parse_as("region", t)
        }),
        partners: e.list("scope.partners", doc.partners.as_ref(), |t| {
            PartnerCode::parse_as("partner", t)
        }),
        reps: e.list("scope.reps", doc.reps.as_ref(), Login::parse),
        teams: e.list("scope.teams", doc.teams.as_ref(), |t| {
            TeamCode::parse_as("team", t)
        }),
    };
    let partner_lists = [
        ("scope.partner_types", scope.partner_types.is_empty()),
        ("scope.grades", scope.grades.is_empty()),
        ("scope.regions", scope.regions.is_empty()),
        ("scope.partners", scope.partners.is_empty()),
    ];
    let rep_lists = [
        ("scope.reps", scope.reps.is_empty()),
        ("scope.teams", scope.teams.is_empty()),
    ];
    // A commission pays our reps; the other kinds pay partners. A list of
    // the other side would silently match nobody.
    // Until the kind is known, either side will do.
    let all: Vec<(&str, bool)> = partner_lists.iter().chain(&rep_lists).copied().collect();
    let (wrong, rule, right) = match kind {
        Some(ProgramKind::Commission) => (
            &partner_lists[..],
            "scope_for_partners_only",
            &rep_lists[..],
        ),
        Some(_) => (
            &rep_lists[..],
            "scope_for_commissions_only",
            &partner_lists[..],
        ),
        None => (&[][..], "", &all[..]),
    };
    for (path, empty) in wrong {
        if !*empty {
            e.push(ProgramInvalid::rule(*path, rule));
        }
    }
    if right.iter().all(|(_, empty)| *empty) {
        e.push(ProgramInvalid::rule("scope", "scope_empty"));
    }
    scope
}

fn parse_base(e: &mut Errors, doc: &BaseDocument) -> Option<Base> {
    e.unknown(
        "base",
        &doc.unknown,
        &[
            "measure",
            "product_lines",
            "categories",
            "skus",
            "count_downstream_purchases",
        ],
    );
    let measure = e.required("base.measure", doc.measure.as_ref(), |p, s| {
        text(p, s).and_then(|t| lift(p, BaseMeasure::parse(&t)))
    });
    let product_lines = e.list("base.product_lines", doc.product_lines.as_ref(), |t| {
        ProductLine::parse_as("product_line", t)
    });
    let categories = e.list("base.categories", doc.categories.as_ref(), parse_category);
    let skus = e.list("base.skus", doc.skus.as_ref(), |t| Sku::parse_as("sku", t));
    let downstream = e
        .optional(
            "base.count_downstream_purchases",
            doc.count_downstream_purchases.as_ref(),
            flag,
        )
        .unwrap_or(false);
    measure.map(|measure| Base {
        measure,
        product_lines,
        categories,
        skus,
        count_downstream_purchases: downstream,
    })
}

fn parse_reference(
    e: &mut Errors,
    doc: &ProgramDocument,
    measure: Option<BaseMeasure>,
    currency: Currency,
) -> Option<Reference> {
    match (&doc.attainment, &doc.growth) {
        (Some(_), Some(_)) => {
            e.push(ProgramInvalid::rule("growth", "growth_or_attainment"));
            None
        }
        (_, Some(growth)) => {
            e.unknown("growth", &growth.unknown, &["against"]);
            e.required("growth.against", growth.against.as_ref(), |p, s| {
                text(p, s).and_then(|t| lift(p, GrowthAgainst::parse(&t)))
            })
            .map(|against| Reference::Growth { against })
        }
        (Some(attainment), None) => parse_attainment(e, attainment, measure, currency),
        // Attainment on the subject's target is what nearly every program
        // means; the document says so only when it means something else.
        (None, None) => Some(Reference::Target),
    }
}

fn parse_attainment(
    e: &mut Errors,
    doc: &AttainmentDocument,
    measure: Option<BaseMeasure>,
    currency: Currency,
) -> Option<Reference> {
    e.unknown("attainment", &doc.unknown, &["source", "amount"]);
    let source = e.required("attainment.source", doc.source.as_ref(), |p, s| {
        text(p, s).and_then(|t| lift(p, AttainmentSource::parse(&t)))
    })?;
    match (source, &doc.amount) {
        (AttainmentSource::Target, None) => Some(Reference::Target),
        (AttainmentSource::Target, Some(_)) => {
            e.push(ProgramInvalid::rule(
                "attainment.amount",
                "only_with_fixed_threshold",
            ));
            None
        }
        (AttainmentSource::FixedThreshold, threshold) => {
            // The threshold is in the base's unit: pieces for a quantity.
            let amount = e.required("attainment.amount", threshold.as_ref(), |p, s| {
                if measure == Some(BaseMeasure::Quantity) {
                    let n = match s {
                        Scalar::Text(t) => t
                            .trim()
                            .parse::<i128>()
                            .map_err(|_| shape(p, "\"5000\" (a number of units)"))?,
                        Scalar::Integer(n) => *n,
                        _ => return Err(shape(p, "\"5000\" (a number of units)")),
                    };
                    integer(p, &Scalar::Integer(n), 0, i128::from(i64::MAX))
                        .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
                } else {
                    amount(p, s, currency)
                }
            })?;
            if amount == 0 {
                e.push(ProgramInvalid::rule(
                    "attainment.amount",
                    "threshold_positive",
                ));
                return None;
            }
            Some(Reference::FixedThreshold { amount })
        }
    }
}

fn parse_pay(
    e: &mut Errors,
    doc: &ProgramDocument,
    measure: BaseMeasure,
    currency: Currency,
) -> Option<Pay> {
    let mode = e.required("mode", doc.mode.as_ref(), |p, s| {
        text(p, s).and_then(|t| lift(p, BracketMode::parse(&t)))
    })?;
    if mode == BracketMode::Flat {
        if doc.brackets.is_some() {
            e.push(ProgramInvalid::rule("brackets", "not_in_flat_mode"));
        }
        return e
            .required("rate", doc.rate.as_ref(), |p, s| {
                rate(p, s, measure, currency)
            })
            .map(Pay::Flat);
    }
    if doc.rate.is_some() {
        e.push(ProgramInvalid::rule("rate", "only_in_flat_mode"));
    }
    let Some(list) = doc.brackets.as_deref() else {
        return e.missing("brackets");
    };
    if list.is_empty() {
        return e.missing("brackets");
    }
    let errors_before = e.0.len();
    let mut froms = Vec::with_capacity(list.len());
    let mut rates = Vec::new();
    let mut amounts = Vec::new();
    for (i, bracket) in list.iter().enumerate() {
        let at = format!("brackets[{i}]");
        let (wanted, unwanted) = if mode == BracketMode::FixedAmount {
            ("amount", "rate")
        } else {
            ("rate", "amount")
        };
        e.unknown(&at, &bracket.unknown, &["from", wanted]);
        let from = e.required(&format!("{at}.from"), bracket.from.as_ref(), parse_ratio);
        check_from(e, &at, i, from, froms.last().copied().flatten());
        froms.push(from);
        if bracket_value(bracket, unwanted).is_some() {
            e.push(ProgramInvalid::rule(
                format!("{at}.{unwanted}"),
                "not_in_this_mode",
            ));
        }
        let path = format!("{at}.{wanted}");
        let value = bracket_value(bracket, wanted);
        if mode == BracketMode::FixedAmount {
            amounts.push(e.required(&path, value, |p, s| amount(p, s, currency)));
        } else {
            rates.push(e.required(&path, value, |p, s| rate(p, s, measure, currency)));
        }
    }
    if e.0.len() > errors_before {
        return None;
    }
    let froms = froms.into_iter().flatten();
    Some(match mode {
        BracketMode::FixedAmount => Pay::FixedAmount(
            froms
                .zip(amounts.into_iter().flatten())
                .map(|(from, value)| Bracket { from, value })
                .collect(),
        ),
        _ => {
            let brackets = froms
                .zip(rates.into_iter().flatten())
                .map(|(from, value)| Bracket { from, value })
                .collect();
            if mode == BracketMode::Marginal {
                Pay::Marginal(brackets)
            } else {
                Pay::Retroactive(brackets)
            }
        }
    })
}

fn bracket_value<'a>(bracket: &'a BracketDocument, key: &str) -> Option<&'a Scalar> {
    if key == "rate" {
        bracket.rate.as_ref()
    } else {
        bracket.amount.as_ref()
    }
}

/// The first bracket starts at 0; each next one strictly above the one
/// before (an equal `from` overlaps it, a smaller one is out of order).
fn check_from(
    e: &mut Errors,
    at: &str,
    index: usize,
    from: Option<Decimal>,
    previous: Option<Decimal>,
) {
    let Some(from) = from else { return };
    let path = format!("{at}.from");
    if from > Decimal::from(MAX_FROM) {
        e.push(ProgramInvalid::new(
            path,
            Problem::Limit {
                rule: "bracket_from_at_most_100x",
                max: MAX_FROM as usize,
            },
        ));
    } else if index == 0 && !from.is_zero() {
        e.push(ProgramInvalid::rule(path, "first_bracket_from_zero"));
    } else if let Some(previous) = previous {
        if from == previous {
            e.push(ProgramInvalid::rule(path, "brackets_overlap"));
        } else if from < previous {
            e.push(ProgramInvalid::rule(path, "brackets_unordered"));
        }
    }
}

fn factor(path: &str, value: &Scalar) -> Result<Decimal, ProgramInvalid> {
    let factor = parse_ratio(path, value)?;
    if factor.is_zero() {
        return Err(ProgramInvalid::rule(path, "factor_positive"));
    }
    if factor > Decimal::from(MAX_FACTOR) {
        return Err(ProgramInvalid::new(
            path,
            Problem::Limit {
                rule: "factor_at_most",
                max: MAX_FACTOR as usize,
            },
        ));
    }
    if factor.scale() > FACTOR_DECIMALS {
        return Err(ProgramInvalid::new(
            path,
            Problem::Limit {
                rule: "factor_decimals",
                max: FACTOR_DECIMALS as usize,
            },
        ));
    }
    Ok(factor)
}

fn parse_multipliers(e: &mut Errors, list: &[MultiplierDocument]) -> Vec<Multiplier> {
    let mut seen_lines = BTreeSet::new();
    let mut seen_skus = BTreeSet::new();
    let mut parsed = Vec::new();
    for (i, doc) in list.iter().enumerate() {
        let at = format!("multipliers[{i}]");
        e.unknown(
            &at,
            &doc.unknown,
            &["lines", "skus", "base_factor", "points_factor"],
        );
        let lines: BTreeSet<ProductLine> =
            e.list(&format!("{at}.lines"), doc.lines.as_ref(), |t| {
                ProductLine::parse_as("line", t)
            });
        let skus: BTreeSet<Sku> = e.list(&format!("{at}.skus"), doc.skus.as_ref(), |t| {
            Sku::parse_as("sku", t)
        });
        if lines.is_empty() == skus.is_empty() {
            e.push(ProgramInvalid::rule(&at, "lines_or_skus"));
        }
        // A product named twice would have two factors and no rule to
        // choose between them.
        for line in &lines {
            if !seen_lines.insert(line.clone()) {
                e.push(ProgramInvalid::new(
                    format!("{at}.lines"),
                    Problem::Conflict {
                        rule: "multiplier_named_twice",
                        with: line.to_string(),
                    },
                ));
            }
        }
        for sku in &skus {
            if !seen_skus.insert(sku.clone()) {
                e.push(ProgramInvalid::new(
                    format!("{at}.skus"),
                    Problem::Conflict {
                        rule: "multiplier_named_twice",
                        with: sku.to_string(),
                    },
                ));
            }
        }
        let base_factor = e
            .optional(
                &format!("{at}.base_factor"),
                doc.base_factor.as_ref(),
                factor,
            )
            .unwrap_or(Decimal::ONE);
        let points_factor = e
            .optional(
                &format!("{at}.points_factor"),
                doc.points_factor.as_ref(),
                factor,
            )
            .unwrap_or(Decimal::ONE);
        if doc.base_factor.is_none() && doc.points_factor.is_none() {
            e.push(ProgramInvalid::rule(&at, "multiplier_without_factor"));
        }
        parsed.push(Multiplier {
            lines,
            skus,
            base_factor,
            points_factor,
        });
    }
    parsed
}

/// The points rule, and the multipliers' points factors that need it.
fn parse_points(
    e: &mut Errors,
    doc: &ProgramDocument,
    kind: Option<ProgramKind>,
    measure: Option<BaseMeasure>,
    currency: Currency,
) -> Option<Points> {
    let Some(points) = &doc.points else {
        // A points factor without points would be silently ignored.
        for (i, m) in doc.multipliers.iter().flatten().enumerate() {
            if m.points_factor.is_some() {
                e.push(ProgramInvalid::rule(
                    format!("multipliers[{i}].points_factor"),
                    "points_factor_without_points",
                ));
            }
        }
        return None;
    };
    e.unknown("points", &points.unknown, &["per", "expire_months"]);
    if kind == Some(ProgramKind::Commission) {
        e.push(ProgramInvalid::rule("points", "points_partners_only"));
    }
    // `per` is money: on a base of pieces it would mean nothing anyone set.
    if measure == Some(BaseMeasure::Quantity) {
        e.push(ProgramInvalid::rule("points", "points_money_base_only"));
    }
    let per = e.required("points.per", points.per.as_ref(), |p, s| {
        let per = amount(p, s, currency)?;
        if per == 0 {
            return Err(ProgramInvalid::rule(p, "points_per_positive"));
        }
        Ok(per)
    });
    let months = e.required(
        "points.expire_months",
        points.expire_months.as_ref(),
        |p, s| {
            integer(p, s, 1, i128::from(MAX_EXPIRE_MONTHS)).map(|n| u32::try_from(n).unwrap_or(1))
        },
    );
    Some(Points {
        per: per?,
        expire_months: months?,
    })
}

fn parse_stacking(e: &mut Errors, doc: &StackingDocument) -> Option<Stacking> {
    e.unknown("stacking", &doc.unknown, &["rule", "order"]);
    let rule = e.required("stacking.rule", doc.rule.as_ref(), |p, s| {
        text(p, s).and_then(|t| lift(p, StackingRule::parse(&t)))
    });
    let order = e.required("stacking.order", doc.order.as_ref(), |p, s| {
        integer(p, s, 0, 1_000_000).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    });
    Some(Stacking {
        rule: rule?,
        order: order?,
    })
}

fn parse_payout(e: &mut Errors, doc: &PayoutDocument) -> Option<Payout> {
    e.unknown("payout", &doc.unknown, &["form", "max_share_per_order"]);
    let form = e.required("payout.form", doc.form.as_ref(), |p, s| {
        text(p, s).and_then(|t| lift(p, PayoutForm::parse(&t)))
    })?;
    let share = e.optional(
        "payout.max_share_per_order",
        doc.max_share_per_order.as_ref(),
        share,
    );
    if share.is_some() && form != PayoutForm::Wallet {
        e.push(ProgramInvalid::rule(
            "payout.max_share_per_order",
            "only_for_wallet",
        ));
    }
    Some(Payout {
        form,
        max_share_per_order: share,
    })
}

/// A share: a ratio above 0 and at most 100%.
fn share(path: &str, value: &Scalar) -> Result<Decimal, ProgramInvalid> {
    let share = parse_ratio(path, value)?;
    if share.is_zero() || share > Decimal::ONE {
        return Err(ProgramInvalid::rule(path, "share_range"));
    }
    Ok(share)
}

fn parse_conditions(
    e: &mut Errors,
    doc: &ConditionsDocument,
    measure: Option<BaseMeasure>,
) -> Conditions {
    e.unknown(
        "conditions",
        &doc.unknown,
        &[
            "pay_on_collected_share",
            "validated_sell_through_only",
            "min_data_quality",
        ],
    );
    let collected = e.optional(
        "conditions.pay_on_collected_share",
        doc.pay_on_collected_share.as_ref(),
        flag,
    );
    let validated = e.optional(
        "conditions.validated_sell_through_only",
        doc.validated_sell_through_only.as_ref(),
        flag,
    );
    if validated == Some(true) && measure.is_some_and(|m| m != BaseMeasure::SellThrough) {
        e.push(ProgramInvalid::rule(
            "conditions.validated_sell_through_only",
            "only_for_sell_through",
        ));
    }
    let quality = e.optional(
        "conditions.min_data_quality",
        doc.min_data_quality.as_ref(),
        |p, s| {
            let text = text(p, s)?;
            let score: Decimal = text
                .trim()
                .parse()
                .map_err(|_| shape(p, "\"80\" (a score from 0 to 100)"))?;
            if score.is_sign_negative() || score > Decimal::ONE_HUNDRED {
                return Err(ProgramInvalid::rule(p, "score_range"));
            }
            Ok(score.normalize())
        },
    );
    Conditions {
        pay_on_collected_share: collected.unwrap_or(false),
        validated_sell_through_only: validated.unwrap_or(false),
        min_data_quality: quality,
    }
}

fn parse_commission(
    e: &mut Errors,
    doc: &CommissionDocument,
    mode: Option<BracketMode>,
    reference: &Option<Reference>,
) -> Option<Commission> {
    e.unknown(
        "commission",
        &doc.unknown,
        &["split", "accelerator", "clawback_days"],
    );
    let mut split = Vec::new();
    let mut roles = BTreeSet::new();
    for (i, part) in doc.split.iter().flatten().enumerate() {
        let at = format!("commission.split[{i}]");
        e.unknown(&at, &part.unknown, &["role", "share"]);
        let role = e.required(&format!("{at}.role"), part.role.as_ref(), |p, s| {
            text(p, s).and_then(|t| lift(p, SplitRole::parse_as("role", &t)))
        });
        let share = e.required(&format!("{at}.share"), part.share.as_ref(), share);
        if let Some(role) = &role
            && !roles.insert(role.clone())
        {
            e.push(ProgramInvalid::new(
                format!("{at}.role"),
                Problem::Conflict {
                    rule: "role_named_twice",
                    with: role.to_string(),
                },
            ));
        }
        if let (Some(role), Some(share)) = (role, share) {
            split.push((role, share));
        }
    }
    if !split.is_empty() && split.iter().map(|(_, s)| *s).sum::<Decimal>() != Decimal::ONE {
        e.push(ProgramInvalid::rule(
            "commission.split",
            "shares_sum_to_100",
        ));
    }
    let accelerator = doc.accelerator.as_ref().and_then(|a| {
        e.unknown("commission.accelerator", &a.unknown, &["above", "factor"]);
        let above = e.required(
            "commission.accelerator.above",
            a.above.as_ref(),
            parse_ratio,
        );
        let factor = e.required("commission.accelerator.factor", a.factor.as_ref(), factor);
        if factor.is_some_and(|f| f < Decimal::ONE) {
            e.push(ProgramInvalid::rule(
                "commission.accelerator.factor",
                "accelerator_at_least_1",
            ));
        }
        // An accelerator is on the quota, and multiplies a rate.
        if mode == Some(BracketMode::FixedAmount) {
            e.push(ProgramInvalid::rule(
                "commission.accelerator",
                "accelerator_needs_rates",
            ));
        }
        if matches!(reference, Some(Reference::Growth { .. })) {
            e.push(ProgramInvalid::rule(
                "commission.accelerator",
                "accelerator_needs_quota",
            ));
        }
        Some(Accelerator {
            above: above?,
            factor: factor?,
        })
    });
    let clawback_days = e.optional(
        "commission.clawback_days",
        doc.clawback_days.as_ref(),
        |p, s| integer(p, s, 1, 3650).map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
    );
    Some(Commission {
        split,
        accelerator,
        clawback_days,
    })
}
