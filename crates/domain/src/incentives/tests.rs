use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::calc::{Limit, NoReference};
use super::ledger::{EntryKind, LedgerEntry, LedgerKey, accrual, settle_all, settlement};
use super::program::{
    Accelerator, Bracket, BracketMode, GrowthAgainst, Pay, PayoutForm, PeriodKind, ProgramKind,
    Reference, StackingRule,
};
use super::reference::expected;
use super::stacking::{Candidate, stack};
use super::watch::watch;
use super::*;
use crate::error::Problem;
use crate::periods::{FiscalCalendar, Period};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn read(json: &str) -> ProgramDocument {
    serde_json::from_str(json).unwrap()
}

/// A quarterly retroactive rebate for distributors: 1% from 0, 2% from
/// 80%, 3% from 100% of target.
const RETROACTIVE: &str = r#"{
    "kind": "rebate",
    "code": "rb-dist-2026",
    "name": "经销商季度返利",
    "version": 1,
    "currency": "CNY",
    "effective_from": "2026-01-01",
    "effective_to": "2026-12-31",
    "period": "quarter",
    "scope": { "partner_types": ["distributor"], "grades": ["gold", "silver"] },
    "base": { "measure": "sell_in_net", "product_lines": ["LIGHTING"] },
    "attainment": { "source": "target" },
    "mode": "retroactive",
    "brackets": [
        { "from": "0%", "rate": "1%" },
        { "from": "80%", "rate": "2%" },
        { "from": "100%", "rate": "0.03" }
    ],
    "cap": "50000.00",
    "stacking": { "rule": "stacks", "order": 10 },
    "payout": { "form": "wallet", "max_share_per_order": "20%" }
}"#;

fn program(json: &str) -> Program {
    Program::parse(&read(json)).unwrap()
}

/// The document with one top-level field replaced (or removed with `null`).
fn with(json: &str, field: &str, value: serde_json::Value) -> ProgramDocument {
    let mut doc: serde_json::Value = serde_json::from_str(json).unwrap();
    doc[field] = value;
    serde_json::from_value(doc).unwrap()
}

fn problems(doc: &ProgramDocument) -> Vec<(String, Problem)> {
    Program::parse(doc)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.path, e.problem))
        .collect()
}

fn rule(path: &str, rule: &'static str) -> (String, Problem) {
    (path.to_owned(), Problem::Rule { rule })
}

#[test]
fn a_retroactive_rebate_document_parses_into_a_program() {
    let p = program(RETROACTIVE);
    assert_eq!(p.kind, ProgramKind::Rebate);
    assert_eq!(p.code.as_str(), "RB-DIST-2026");
    assert_eq!(p.period, PeriodKind::Quarter);
    assert_eq!(p.rules.reference, Reference::Target);
    assert_eq!(
        p.rules.pay,
        Pay::Retroactive(vec![
            Bracket {
                from: dec("0"),
                value: dec("0.01")
            },
            Bracket {
                from: dec("0.8"),
                value: dec("0.02")
            },
            Bracket {
                from: dec("1"),
                value: dec("0.03")
            },
        ])
    );
    assert_eq!(p.rules.cap, Some(5_000_000));
    assert_eq!(p.stacking.rule, StackingRule::Stacks);
    assert_eq!(p.payout.form, PayoutForm::Wallet);
    assert_eq!(p.payout.max_share_per_order, Some(dec("0.2")));
    assert_eq!(p.scope.grades.len(), 2);
    assert!(!p.base.count_downstream_purchases);
}

#[test]
fn bracket_tables_are_refused_at_the_bracket_that_breaks_them() {
    let brackets = |list: serde_json::Value| problems(&with(RETROACTIVE, "brackets", list));
    assert_eq!(
        brackets(serde_json::json!([
            { "from": "0", "rate": "1%" },
            { "from": "100%", "rate": "2%" },
            { "from": "80%", "rate": "3%" }
        ])),
        vec![rule("brackets[2].from", "brackets_unordered")]
    );
    assert_eq!(
        brackets(serde_json::json!([
            { "from": "0", "rate": "1%" },
            { "from": "0.8", "rate": "2%" },
            { "from": "80%", "rate": "3%" }
        ])),
        vec![rule("brackets[2].from", "brackets_overlap")]
    );
    assert_eq!(
        brackets(serde_json::json!([{ "from": "10%", "rate": "1%" }])),
        vec![rule("brackets[0].from", "first_bracket_from_zero")]
    );
    assert_eq!(
        brackets(serde_json::json!([
            { "from": "0", "rate": "1%" },
            { "from": "1", "rate": "-2%" }
        ])),
        vec![rule("brackets[1].rate", "rate_negative")]
    );
    // A float is refused where it stands: rates are strings.
    assert_eq!(
        brackets(serde_json::json!([{ "from": "0", "rate": 0.03 }])),
        vec![(
            "brackets[0].rate".to_owned(),
            Problem::Format {
                expected: "\"3%\" or \"0.03\""
            }
        )]
    );
    assert_eq!(
        brackets(serde_json::json!([{ "from": "0", "rate": "1%", "amount": "5" }])),
        vec![rule("brackets[0].amount", "not_in_this_mode")]
    );
    assert_eq!(
        brackets(serde_json::json!([])),
        vec![("brackets".to_owned(), Problem::Required)]
    );
    assert_eq!(
        brackets(serde_json::json!([{ "from": "0", "rate": "150%" }])),
        vec![rule("brackets[0].rate", "rate_above_100_percent")]
    );
}

#[test]
fn unknown_measures_modes_and_scopes_are_named_with_the_choices() {
    let measure = problems(&with(
        RETROACTIVE,
        "base",
        serde_json::json!({ "measure": "turnover" }),
    ));
    assert_eq!(measure.len(), 1);
    assert_eq!(measure[0].0, "base.measure");
    assert!(
        matches!(&measure[0].1, Problem::NotOneOf { choices } if choices.contains(&"sell_in_net"))
    );

    let mode = problems(&with(RETROACTIVE, "mode", "stepped".into()));
    assert_eq!(mode[0].0, "mode");
    assert!(matches!(&mode[0].1, Problem::NotOneOf { choices } if choices.contains(&"marginal")));

    let scope = problems(&with(
        RETROACTIVE,
        "scope",
        serde_json::json!({ "partner_types": ["distributor"], "province": ["310000"] }),
    ));
    assert_eq!(scope[0].0, "scope.province");
    assert!(matches!(&scope[0].1, Problem::NotOneOf { choices } if choices.contains(&"regions")));

    let kind = problems(&with(
        RETROACTIVE,
        "scope",
        serde_json::json!({ "partner_types": ["distributor", "wholesaler"] }),
    ));
    assert_eq!(kind[0].0, "scope.partner_types[1]");

    let top = problems(&with(RETROACTIVE, "brakets", serde_json::json!([])));
    assert_eq!(top[0].0, "brakets");
    let key = problems(&with(
        RETROACTIVE,
        "brackets",
        serde_json::json!([{ "from": "0", "rat": "1%" }]),
    ));
    assert_eq!(
        key,
        vec![
            (
                "brackets[0].rat".to_owned(),
                Problem::NotOneOf {
                    choices: vec!["from", "rate"]
                }
            ),
            ("brackets[0].rate".to_owned(), Problem::Required),
        ]
    );
    // With the kind unreadable, the scope is still checked.
    let mut doc = with(RETROACTIVE, "scope", serde_json::json!({}));
    doc.kind = Some(document::Scalar::Text("bonus".to_owned()));
    let both: Vec<String> = problems(&doc).into_iter().map(|(path, _)| path).collect();
    assert_eq!(both, ["kind", "scope"]);
    assert_eq!(
        problems(&with(RETROACTIVE, "name", " ".into())),
        vec![("name".to_owned(), Problem::Required)]
    );
    assert_eq!(
        problems(&with(RETROACTIVE, "version", 0.into())),
        vec![rule("version", "integer_below_1")]
    );
}

#[test]
fn scope_dates_and_required_fields_are_checked() {
    assert_eq!(
        problems(&with(RETROACTIVE, "scope", serde_json::json!({}))),
        vec![rule("scope", "scope_empty")]
    );
    assert_eq!(
        problems(&with(
            RETROACTIVE,
            "scope",
            serde_json::json!({ "partners": ["P001"], "reps": ["li.wei"] })
        )),
        vec![rule("scope.reps", "scope_for_commissions_only")]
    );
    assert_eq!(
        problems(&with(RETROACTIVE, "effective_to", "2025-12-31".into())),
        vec![rule("effective_to", "dates_in_order")]
    );
    // Several problems are reported together.
    let mut doc = with(RETROACTIVE, "payout", serde_json::Value::Null);
    doc.code = None;
    assert_eq!(
        problems(&doc),
        vec![
            ("code".to_owned(), Problem::Required),
            ("payout".to_owned(), Problem::Required),
        ]
    );
    assert_eq!(
        problems(&with(
            RETROACTIVE,
            "payout",
            serde_json::json!({ "form": "cash", "max_share_per_order": "20%" })
        )),
        vec![rule("payout.max_share_per_order", "only_for_wallet")]
    );
    assert_eq!(
        problems(&with(RETROACTIVE, "floor", "60000".into())),
        vec![rule("floor", "floor_above_cap")]
    );
    assert_eq!(
        problems(&with(RETROACTIVE, "effective_from", 20260101.into()))[0].0,
        "effective_from"
    );
}

#[test]
fn a_program_covers_only_periods_of_its_kind_within_its_dates() {
    let p = program(RETROACTIVE);
    let calendar = FiscalCalendar::new(1).unwrap();
    let period = |text| Period::parse("period", text).unwrap();
    assert_eq!(p.covers(period("2026-Q3"), calendar), Ok(()));
    let kind = p.covers(period("2026-07"), calendar).unwrap_err();
    assert_eq!(kind.field, "period");
    assert_eq!(kind.problem_rule(), Some("program_period_kind"));
    let outside = p.covers(period("2027-Q1"), calendar).unwrap_err();
    assert_eq!(outside.problem_rule(), Some("program_not_in_effect"));
    // With an April fiscal year, fiscal 2026-Q4 is 2027-01…03: outside.
    let april = FiscalCalendar::new(4).unwrap();
    assert_eq!(
        p.covers(period("2026-Q4"), april)
            .unwrap_err()
            .problem_rule(),
        Some("program_not_in_effect")
    );
}

#[test]
fn ratios_read_as_percent_or_fraction() {
    use super::document::Scalar;
    let ratio = |text: &str| parse::parse_ratio("r", &Scalar::Text(text.to_owned()));
    assert_eq!(ratio("3%").unwrap(), dec("0.03"));
    assert_eq!(ratio("0.03").unwrap(), dec("0.03"));
    assert_eq!(ratio("2.2525%").unwrap(), dec("0.022525"));
    assert_eq!(ratio("120%").unwrap(), dec("1.2"));
    assert!(ratio("0.0000001").is_err());
    assert!(ratio("3 %%").is_err());
    assert!(ratio("1e-2").is_err());
    assert!(ratio("").is_err());
}

/// A table on a target, built directly for the calculation tests.
fn rules(pay: Pay) -> Rules {
    Rules {
        reference: Reference::Target,
        pay,
        accelerator: None,
        cap: None,
        floor: None,
        pay_on_collected_share: false,
        min_data_quality: None,
        clawback_days: None,
    }
}

fn table(steps: &[(&str, &str)]) -> Vec<Bracket<Decimal>> {
    steps
        .iter()
        .map(|(from, rate)| Bracket {
            from: dec(from),
            value: dec(rate),
        })
        .collect()
}

fn one_two_three() -> Vec<Bracket<Decimal>> {
    table(&[("0", "0.01"), ("0.8", "0.02"), ("1", "0.03")])
}

#[test]
fn retroactive_and_marginal_on_the_same_table() {
    // Target ¥1,000,000.00, base ¥1,200,000.00 (120% attainment).
    let inputs = Inputs::plain(120_000_000, Some(100_000_000));
    let retro = calculate(&rules(Pay::Retroactive(one_two_three())), &inputs).unwrap();
    // The whole base at 3%: ¥36,000.00.
    assert_eq!(retro.amount, 3_600_000);
    assert_eq!(retro.bracket, Some(2));
    assert_eq!(retro.ratio, Some(dec("1.2")));
    assert_eq!(retro.rate, Some(dec("0.03")));
    // 0–80 at 1% (8,000) + 80–100 at 2% (4,000) + 100–120 at 3% (6,000).
    let marginal = calculate(&rules(Pay::Marginal(one_two_three())), &inputs).unwrap();
    assert_eq!(marginal.amount, 1_800_000);
    let slices: Vec<Decimal> = marginal
        .trace
        .iter()
        .filter_map(|s| match s {
            Step::Slice { amount, .. } => Some(*amount),
            _ => None,
        })
        .collect();
    assert_eq!(slices, vec![dec("800000"), dec("400000"), dec("600000")]);
    // Exactly at 80%: the 2% bracket.
    let at = calculate(
        &rules(Pay::Retroactive(one_two_three())),
        &Inputs::plain(80_000_000, Some(100_000_000)),
    )
    .unwrap();
    assert_eq!((at.bracket, at.amount), (Some(1), 1_600_000));
}

#[test]
fn cap_then_penalty_then_never_below_zero() {
    let mut r = rules(Pay::Retroactive(one_two_three()));
    r.cap = Some(2_000_000);
    let penalty = Adjustment::new(AdjustmentKind::Penalty, -2_500_000, "窜货 2026-08").unwrap();
    let adjustments = [penalty];
    let inputs = Inputs {
        adjustments: &adjustments,
        ..Inputs::plain(120_000_000, Some(100_000_000))
    };
    let out = calculate(&r, &inputs).unwrap();
    assert_eq!(out.amount_before_cap, dec("3600000"));
    assert_eq!(out.limit, Some(Limit::Cap(2_000_000)));
    assert_eq!(out.adjustments, -2_500_000);
    assert_eq!(out.amount, 0);
    let tail: Vec<&str> = out.trace[out.trace.len() - 4..]
        .iter()
        .map(|s| match s {
            Step::Capped { .. } => "capped",
            Step::Adjusted { .. } => "adjusted",
            Step::NotBelowZero { .. } => "not_below_zero",
            Step::Rounded { .. } => "rounded",
            _ => "other",
        })
        .collect();
    assert_eq!(tail, ["capped", "adjusted", "not_below_zero", "rounded"]);
    // A smaller penalty comes off the capped amount, not the earned one.
    let small = [Adjustment::new(AdjustmentKind::Penalty, -500_000, "late payment").unwrap()];
    let out = calculate(
        &r,
        &Inputs {
            adjustments: &small,
            ..inputs
        },
    )
    .unwrap();
    assert_eq!(out.amount, 1_500_000);
}

#[test]
fn without_a_target_bracket_rules_earn_nothing_and_say_why() {
    let out = calculate(
        &rules(Pay::Retroactive(one_two_three())),
        &Inputs::plain(120_000_000, None),
    )
    .unwrap();
    assert_eq!((out.amount, out.ratio, out.bracket), (0, None, None));
    assert!(out.trace.contains(&Step::NoReference {
        reason: NoReference::NoTarget
    }));
    let zero = calculate(
        &rules(Pay::Marginal(one_two_three())),
        &Inputs::plain(1, Some(0)),
    )
    .unwrap();
    assert!(zero.trace.contains(&Step::NoReference {
        reason: NoReference::ZeroTarget
    }));
    // A flat rate needs no target.
    let flat = calculate(&rules(Pay::Flat(dec("0.02"))), &Inputs::plain(10_000, None)).unwrap();
    assert_eq!(flat.amount, 200);
}

#[test]
fn a_negative_base_earns_nothing() {
    for pay in [
        Pay::Retroactive(one_two_three()),
        Pay::Marginal(one_two_three()),
        Pay::Flat(dec("0.05")),
    ] {
        let out = calculate(&rules(pay), &Inputs::plain(-500_000, Some(100_000))).unwrap();
        assert_eq!(out.amount, 0);
        assert!(out.trace.contains(&Step::NegativeBase));
        assert_eq!(out.bracket, None);
    }
}

#[test]
fn growth_brackets_read_growth_against_last_period() {
    let growth = |pay: Pay| Rules {
        reference: Reference::Growth {
            against: GrowthAgainst::SamePeriodLastYear,
        },
        ..rules(pay)
    };
    let steps = table(&[("0", "0.01"), ("0.1", "0.02"), ("0.2", "0.04")]);
    let inputs = Inputs {
        last_period_base: Some(1_000_000),
        ..Inputs::plain(1_250_000, None)
    };
    // Growth 25%: the 4% bracket on the whole base.
    let retro = calculate(&growth(Pay::Retroactive(steps.clone())), &inputs).unwrap();
    assert_eq!(retro.ratio, Some(dec("0.25")));
    assert_eq!((retro.bracket, retro.amount), (Some(2), 50_000));
    // Marginal pays only the growth: 1.0–1.1M at 1%, 1.1–1.2M at 2%,
    // 1.2–1.25M at 4%.
    let marginal = calculate(&growth(Pay::Marginal(steps.clone())), &inputs).unwrap();
    assert_eq!(marginal.amount, 1_000 + 2_000 + 2_000);
    let shrank = calculate(
        &growth(Pay::Retroactive(steps.clone())),
        &Inputs {
            base: 900_000,
            multiplied_base: dec("900000"),
            ..inputs.clone()
        },
    )
    .unwrap();
    assert_eq!(shrank.amount, 0);
    assert!(shrank.trace.contains(&Step::BelowFirstBracket));
    let new = calculate(
        &growth(Pay::Retroactive(steps)),
        &Inputs {
            last_period_base: Some(0),
            ..inputs
        },
    )
    .unwrap();
    assert!(new.trace.contains(&Step::NoReference {
        reason: NoReference::NoLastPeriod
    }));
}

#[test]
fn a_quarter_sprint_pays_its_fixed_amount_from_the_threshold() {
    let sprint = rules(Pay::FixedAmount(vec![
        Bracket {
            from: dec("0"),
            value: 0,
        },
        Bracket {
            from: dec("1"),
            value: 500_000,
        },
    ]));
    let below = calculate(&sprint, &Inputs::plain(99_999, Some(100_000))).unwrap();
    assert_eq!(below.amount, 0);
    let at = calculate(&sprint, &Inputs::plain(100_000, Some(100_000))).unwrap();
    assert_eq!((at.bracket, at.amount), (Some(1), 500_000));
}

#[test]
fn rounding_happens_once_half_away_from_zero() {
    // Two marginal slices of 0.5 each: 1 once, not 1 + 1.
    let r = rules(Pay::Marginal(table(&[("0", "0.005"), ("1", "0.005")])));
    let out = calculate(&r, &Inputs::plain(200, Some(100))).unwrap();
    assert_eq!(out.amount, 1);
    // 1.5% of 101 = 1.515 → 2; 0.5% of 100 = 0.5 → 1.
    let flat = |rate: &str, base| {
        calculate(&rules(Pay::Flat(dec(rate))), &Inputs::plain(base, None))
            .unwrap()
            .amount
    };
    assert_eq!(flat("0.015", 101), 2);
    assert_eq!(flat("0.005", 100), 1);
    assert_eq!(flat("0.005", 99), 0);
}

#[test]
fn multiplied_base_drives_attainment_and_amount() {
    let inputs = Inputs {
        multiplied_base: dec("100000.5"),
        ..Inputs::plain(80_000, Some(100_000))
    };
    let out = calculate(&rules(Pay::Retroactive(one_two_three())), &inputs).unwrap();
    assert_eq!(out.bracket, Some(2));
    // 3% of 100,000.5 = 3,000.015 → 3,000.
    assert_eq!(out.amount, 3_000);
    assert_eq!(out.base, 80_000);
}

#[test]
fn an_accelerator_multiplies_the_part_above_quota() {
    let mut r = rules(Pay::Retroactive(table(&[("0", "0.05")])));
    r.accelerator = Some(Accelerator {
        above: dec("1"),
        factor: dec("1.5"),
    });
    // 5% of 150,000 = 7,500, plus half again of 5% on the 50,000 above quota.
    let out = calculate(&r, &Inputs::plain(150_000, Some(100_000))).unwrap();
    assert_eq!(out.amount, 8_750);
    let marginal = Rules {
        pay: Pay::Marginal(table(&[("0", "0.02"), ("1.2", "0.04")])),
        ..r
    };
    // 0–120k at 2% = 2,400; 120–150k at 4% = 1,200; accelerated above 100k:
    // 100–120k at 2% (400) + 120–150k at 4% (1,200), × 0.5 = 800.
    let out = calculate(&marginal, &Inputs::plain(150_000, Some(100_000))).unwrap();
    assert_eq!(out.amount, 2_400 + 1_200 + 800);
}

#[test]
fn collected_share_and_floor() {
    let mut r = rules(Pay::Flat(dec("0.1")));
    r.pay_on_collected_share = true;
    r.floor = Some(1_000);
    assert_eq!(
        calculate(&r, &Inputs::plain(100_000, None))
            .unwrap_err()
            .field,
        "collected_share"
    );
    let paid = |base, share: &str| {
        calculate(
            &r,
            &Inputs {
                collected_share: Some(dec(share)),
                ..Inputs::plain(base, None)
            },
        )
        .unwrap()
    };
    // 10% of 100,000 = 10,000, 60% collected = 6,000.
    assert_eq!(paid(100_000, "0.6").amount, 6_000);
    // 10% of 5,000 × 60% = 300: raised to the floor.
    let floored = paid(5_000, "0.6");
    assert_eq!(
        (floored.amount, floored.limit),
        (1_000, Some(Limit::Floor(1_000)))
    );
    // Nothing collected: nothing earned, and the floor does not apply.
    assert_eq!(paid(5_000, "0").amount, 0);
    assert!(
        calculate(
            &r,
            &Inputs {
                collected_share: Some(dec("1.2")),
                ..Inputs::plain(1, None)
            }
        )
        .is_err()
    );
}

#[test]
fn a_clawback_takes_what_was_not_collected_in_time_off_the_base_before_attainment() {
    let mut r = rules(Pay::Retroactive(table(&[("0", "0.01"), ("1", "0.03")])));
    r.clawback_days = Some(90);
    let with = |r: &Rules, uncollected: Option<&str>| {
        calculate(
            r,
            &Inputs {
                uncollected: uncollected.map(dec),
                ..Inputs::plain(1_000_000, Some(1_000_000))
            },
        )
    };
    // ¥10,000 sold on a ¥10,000 quota is 100% and 3%; ¥2,000 of it still
    // open 90 days after its invoice leaves 80% at 1%.
    let clawed = with(&r, Some("200000")).unwrap();
    assert_eq!((clawed.bracket, clawed.amount), (Some(0), 8_000));
    assert_eq!(
        clawed.trace[1],
        Step::Clawback {
            days: 90,
            uncollected: dec("200000"),
            after: dec("800000"),
        }
    );
    assert_eq!(with(&r, Some("0")).unwrap().amount, 30_000);
    // More open than the base leaves a negative base, which earns nothing.
    assert_eq!(with(&r, Some("1200000")).unwrap().amount, 0);
    assert_eq!(with(&r, None).unwrap_err().field, "uncollected");
    assert_eq!(with(&r, Some("-1")).unwrap_err().field, "uncollected");
    // A program without a clawback ignores the figure.
    r.clawback_days = None;
    assert_eq!(with(&r, Some("200000")).unwrap().amount, 30_000);
}

#[test]
fn a_data_quality_floor_earns_nothing_below_it_and_waits_without_a_score() {
    let mut r = rules(Pay::Flat(dec("0.1")));
    r.min_data_quality = Some(dec("80"));
    r.floor = Some(1_000);
    let with = |r: &Rules, score: Option<&str>| {
        calculate(
            r,
            &Inputs {
                data_quality: score.map(dec),
                ..Inputs::plain(100_000, None)
            },
        )
    };
    let missed = with(&r, Some("79.99")).unwrap();
    // Nothing earned, and the floor does not lift it.
    assert_eq!((missed.amount, missed.limit), (0, None));
    assert!(missed.trace.contains(&Step::DataQuality {
        score: Some(dec("79.99")),
        min: dec("80"),
        met: false,
        before: dec("10000.0"),
    }));
    assert_eq!(with(&r, Some("80")).unwrap().amount, 10_000);
    // No month due yet: not judged, and the trace says so.
    let waiting = with(&r, None).unwrap();
    assert_eq!(waiting.amount, 10_000);
    assert!(waiting.trace.iter().any(|s| matches!(
        s,
        Step::DataQuality {
            score: None,
            met: true,
            ..
        }
    )));
    assert_eq!(with(&r, Some("100.5")).unwrap_err().field, "data_quality");
    // A program without the condition ignores a score.
    r.min_data_quality = None;
    assert_eq!(with(&r, Some("10")).unwrap().amount, 10_000);
}

#[test]
fn adjustments_need_a_reason_and_penalties_deduct() {
    assert!(Adjustment::new(AdjustmentKind::Penalty, -100, " ").is_err());
    assert!(Adjustment::new(AdjustmentKind::Penalty, 100, "late").is_err());
    assert!(Adjustment::new(AdjustmentKind::Manual, 0, "nothing").is_err());
    let manual = Adjustment::new(AdjustmentKind::Manual, 250, " 补发 ").unwrap();
    assert_eq!((manual.amount(), manual.reason()), (250, "补发"));
}

#[test]
fn the_trace_is_data_with_step_codes() {
    let mut r = rules(Pay::Retroactive(one_two_three()));
    r.cap = Some(100);
    let out = calculate(&r, &Inputs::plain(120_000, Some(100_000))).unwrap();
    let json = serde_json::to_value(&out.trace).unwrap();
    let steps: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["base", "ratio", "bracket", "rate", "capped", "rounded"]
    );
    assert_eq!(json[3]["rate"], "0.03");
}

fn candidate(code: &str, rule: StackingRule, order: u32, amount: i64) -> Candidate {
    Candidate {
        program: ProgramCode::parse_as("code", code).unwrap(),
        stacking: program::Stacking { rule, order },
        amount,
    }
}

#[test]
fn stacking_follows_the_stated_order() {
    let candidates = [
        candidate("REGIONAL", StackingRule::GivesWay, 20, 300),
        candidate("NATIONAL", StackingRule::Stacks, 10, 1_000),
        candidate("LAUNCH", StackingRule::Stacks, 30, 50),
        candidate("SPRINT", StackingRule::GivesWay, 40, 0),
    ];
    let stacked = stack(&candidates);
    let codes = |list: &[ProgramCode]| list.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(codes(&stacked.applied), ["NATIONAL", "LAUNCH"]);
    assert_eq!(
        stacked.gave_way,
        vec![(candidates[0].program.clone(), candidates[1].program.clone())]
    );
    assert_eq!(codes(&stacked.earned_nothing), ["SPRINT"]);
    assert_eq!(stacked.total(&candidates), 1_050);
    // With the national program earning nothing, the regional one pays.
    let alone = stack(&[
        candidate("NATIONAL", StackingRule::Stacks, 10, 0),
        candidate("REGIONAL", StackingRule::GivesWay, 20, 300),
    ]);
    assert_eq!(codes(&alone.applied), ["REGIONAL"]);
}

fn entry(id: i64, kind: EntryKind, amount: i64) -> LedgerEntry {
    LedgerEntry {
        id,
        kind,
        amount,
        references: None,
    }
}

#[test]
fn successive_settlements_net_out_a_late_bracket_and_a_return() {
    let r = rules(Pay::Retroactive(one_two_three()));
    let target = Some(30_000_000);
    let mut ledger: Vec<LedgerEntry> = Vec::new();
    let mut next_id = 1;
    let mut paid = Vec::new();
    let mut run_and_settle = |base: i64, ledger: &mut Vec<LedgerEntry>| {
        let result = calculate(&r, &Inputs::plain(base, target)).unwrap().amount;
        if let Some(change) = accrual(result, ledger) {
            ledger.push(entry(next_id, EntryKind::Earned, change));
            next_id += 1;
        }
        let line = settlement(ledger);
        if let Some(line) = line {
            ledger.push(LedgerEntry {
                references: line.references,
                ..entry(next_id, EntryKind::Settled, line.amount)
            });
            next_id += 1;
        }
        line
    };
    // After the first month, ¥100k of ¥300k: 1% → ¥1,000.
    let first = run_and_settle(10_000_000, &mut ledger).unwrap();
    assert_eq!((first.amount, first.references), (100_000, None));
    paid.push(first.amount);
    // The quarter closes at ¥330k, 110%: 3% retroactively on everything.
    let late = run_and_settle(33_000_000, &mut ledger).unwrap();
    assert_eq!(late.amount, 990_000 - 100_000);
    assert_eq!(late.references, Some(2));
    paid.push(late.amount);
    // A return of ¥40k after settlement: ¥290k is 96.7%, 2% → ¥5,800.
    let clawback = run_and_settle(29_000_000, &mut ledger).unwrap();
    assert_eq!(clawback.amount, 580_000 - 990_000);
    assert_eq!(clawback.references, Some(2));
    paid.push(clawback.amount);
    // Nothing changed: nothing more to pay.
    assert_eq!(run_and_settle(29_000_000, &mut ledger), None);
    assert_eq!(paid.iter().sum::<i64>(), 580_000);
}

#[test]
fn settlements_are_kept_apart_per_subject_program_and_period() {
    let key = |subject: &str, period: &str| LedgerKey {
        subject: subject.to_owned(),
        program: ProgramCode::parse_as("code", "RB").unwrap(),
        period: Period::parse("period", period).unwrap(),
    };
    let entries = [
        (key("P1", "2026-Q1"), entry(1, EntryKind::Earned, 500)),
        (key("P1", "2026-Q1"), entry(2, EntryKind::Settled, 500)),
        (key("P1", "2026-Q2"), entry(3, EntryKind::Earned, 700)),
        (key("P2", "2026-Q1"), entry(4, EntryKind::Earned, 300)),
        (key("P2", "2026-Q1"), entry(5, EntryKind::Settled, 300)),
        (key("P2", "2026-Q1"), entry(6, EntryKind::Earned, -120)),
    ];
    let lines = settle_all(&entries);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[&key("P1", "2026-Q2")].amount, 700);
    let clawback = lines[&key("P2", "2026-Q1")];
    assert_eq!((clawback.amount, clawback.references), (-120, Some(5)));
}

#[test]
fn the_watchlist_shows_the_distance_to_the_next_bracket() {
    let r = rules(Pay::Retroactive(one_two_three()));
    let inputs = Inputs::plain(90_000_000, Some(100_000_000));
    let now = calculate(&r, &inputs).unwrap();
    let w = watch(&r, &inputs, &now).unwrap().unwrap();
    // ¥100,000 more reaches 3%: 3% of ¥1M less 2% of ¥900k = ¥12,000.
    assert_eq!(w.next_bracket, 2);
    assert_eq!(w.distance, 10_000_000);
    assert_eq!(w.extra_amount, 3_000_000 - 1_800_000);
    // A fractional multiplied base rounds the distance up, so it reaches.
    let frac = Inputs {
        multiplied_base: dec("79999999.5"),
        ..inputs.clone()
    };
    let now = calculate(&r, &frac).unwrap();
    assert_eq!(watch(&r, &frac, &now).unwrap().unwrap().distance, 1);
    let top = Inputs::plain(120_000_000, Some(100_000_000));
    let now = calculate(&r, &top).unwrap();
    assert_eq!(watch(&r, &top, &now).unwrap(), None);
    let none = Inputs::plain(1, None);
    let now = calculate(&r, &none).unwrap();
    assert_eq!(watch(&r, &none, &now).unwrap(), None);
    let flat = rules(Pay::Flat(dec("0.01")));
    let now = calculate(&flat, &inputs).unwrap();
    assert_eq!(watch(&flat, &inputs, &now).unwrap(), None);
}

#[test]
fn a_commission_splits_credit_exactly() {
    let doc = r#"{
        "kind": "commission", "code": "CM-2026", "name": "销售提成", "version": 2,
        "currency": "CNY", "effective_from": "2026-01-01", "effective_to": "2026-12-31",
        "period": "month",
        "scope": { "teams": ["east"], "reps": ["li.wei"] },
        "base": { "measure": "collected" },
        "mode": "retroactive",
        "brackets": [ { "from": "0", "rate": "2%" }, { "from": "100%", "rate": "3%" } ],
        "stacking": { "rule": "stacks", "order": 1 },
        "payout": { "form": "cash" },
        "commission": {
            "split": [ { "role": "owner", "share": "70%" }, { "role": "support", "share": "30%" } ],
            "accelerator": { "above": "100%", "factor": "1.5" },
            "clawback_days": 90
        }
    }"#;
    let p = program(doc);
    let c = p.commission.as_ref().unwrap();
    assert_eq!(c.clawback_days, Some(90));
    assert_eq!(p.rules.accelerator.unwrap().factor, dec("1.5"));
    let parts: Vec<i64> = c.split_credit(101).into_iter().map(|(_, a)| a).collect();
    assert_eq!(parts, [71, 30]);
    let bad = doc.replace("\"30%\"", "\"20%\"");
    assert_eq!(
        problems(&read(&bad)),
        vec![rule("commission.split", "shares_sum_to_100")]
    );
    let rebate = RETROACTIVE.replace(
        "\"payout\"",
        "\"commission\": { \"clawback_days\": 30 }, \"payout\"",
    );
    assert_eq!(
        problems(&read(&rebate)),
        vec![rule("commission", "commission_only")]
    );
    // Points are partners': a commission earns none.
    let pointed = doc.replace(
        "\"payout\"",
        "\"points\": { \"per\": \"100\", \"expire_months\": 12 }, \"payout\"",
    );
    assert_eq!(
        problems(&read(&pointed)),
        vec![rule("points", "points_partners_only")]
    );
}

#[test]
fn a_multiplier_names_a_product_once() {
    let doc = with(
        RETROACTIVE,
        "multipliers",
        serde_json::json!([
            { "skus": ["NEW-1"], "base_factor": "2" },
            { "lines": ["LIGHTING"], "base_factor": "1.5" },
            { "skus": ["NEW-1"], "base_factor": "3" },
            { "lines": [], "base_factor": "0" }
        ]),
    );
    assert_eq!(
        problems(&doc),
        vec![
            (
                "multipliers[2].skus".to_owned(),
                Problem::Conflict {
                    rule: "multiplier_named_twice",
                    with: "NEW-1".to_owned()
                }
            ),
            rule("multipliers[3]", "lines_or_skus"),
            rule("multipliers[3].base_factor", "factor_positive"),
        ]
    );
    let mut ok: serde_json::Value = serde_json::from_str(RETROACTIVE).unwrap();
    ok["multipliers"] = serde_json::json!([
        { "skus": ["NEW-1"], "base_factor": "2", "points_factor": "2" },
        { "lines": ["LIGHTING"], "base_factor": "1.5" }
    ]);
    ok["points"] = serde_json::json!({ "per": "100.00", "expire_months": 12 });
    let p = Program::parse(&serde_json::from_value(ok).unwrap()).unwrap();
    let line = crate::territories::ProductLine::parse_as("l", "LIGHTING").unwrap();
    let sku = |s| crate::catalog::Sku::parse_as("s", s).unwrap();
    assert_eq!(p.factors(Some(&line), &sku("NEW-1")), (dec("2"), dec("2")));
    assert_eq!(p.factors(Some(&line), &sku("OLD")), (dec("1.5"), dec("1")));
    assert_eq!(p.factors(None, &sku("OLD")), (dec("1"), dec("1")));
}

// ---- property tests ----

/// A bracket table of 1–5 steps from 0, rates ascending when `ascending`.
fn any_table(ascending: bool) -> impl Strategy<Value = Vec<Bracket<Decimal>>> {
    proptest::collection::vec((1_i64..500_000, 0_i64..50_000), 1..=5).prop_map(move |steps| {
        let mut from = 0_i64;
        let mut rate = 0_i64;
        steps
            .iter()
            .enumerate()
            .map(|(i, (gap, r))| {
                if i > 0 {
                    from += gap;
                }
                rate = if ascending { rate + r } else { *r };
                Bracket {
                    from: Decimal::new(from, 6),
                    value: Decimal::new(rate.min(1_000_000), 6),
                }
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn marginal_never_pays_more_than_retroactive_for_ascending_rates(
        steps in any_table(true),
        base in 0_i64..10_000_000_000,
        target in 1_i64..10_000_000_000,
    ) {
        let inputs = Inputs::plain(base, Some(target));
        let retro = calculate(&rules(Pay::Retroactive(steps.clone())), &inputs).unwrap();
        let marginal = calculate(&rules(Pay::Marginal(steps)), &inputs).unwrap();
        prop_assert!(marginal.amount <= retro.amount);
    }

    #[test]
    fn amounts_are_monotone_in_the_base_for_ascending_rates(
        steps in any_table(true),
        base in -1_000_000_i64..10_000_000_000,
        more in 0_i64..1_000_000_000,
        target in 1_i64..10_000_000_000,
        marginal in any::<bool>(),
        cap in proptest::option::of(0_i64..100_000_000),
        floor in proptest::option::of(0_i64..1_000),
    ) {
        let pay = if marginal { Pay::Marginal(steps) } else { Pay::Retroactive(steps) };
        let r = Rules { cap, floor: floor.filter(|f| cap.is_none_or(|c| *f <= c)), ..rules(pay) };
        let low = calculate(&r, &Inputs::plain(base, Some(target))).unwrap();
        let high = calculate(&r, &Inputs::plain(base + more, Some(target))).unwrap();
        prop_assert!(low.amount <= high.amount);
    }

    #[test]
    fn caps_hold_results_are_never_negative_and_reruns_are_identical(
        steps in any_table(false),
        base in -10_000_000_000_i64..10_000_000_000,
        target in proptest::option::of(0_i64..10_000_000_000),
        cap in 0_i64..100_000_000,
        penalties in proptest::collection::vec(-100_000_000_i64..0, 0..3),
    ) {
        let r = Rules { cap: Some(cap), ..rules(Pay::Retroactive(steps)) };
        let adjustments: Vec<Adjustment> = penalties
            .iter()
            .map(|p| Adjustment::new(AdjustmentKind::Penalty, *p, "p").unwrap())
            .collect();
        let inputs = Inputs { adjustments: &adjustments, ..Inputs::plain(base, target) };
        let out = calculate(&r, &inputs).unwrap();
        prop_assert!(out.amount >= 0);
        prop_assert!(out.amount <= cap);
        prop_assert_eq!(calculate(&r, &inputs).unwrap(), out);
    }

    /// However results move between runs and whenever settlements happen,
    /// what was settled in total is the last result.
    #[test]
    fn settlements_sum_to_the_final_result(
        runs in proptest::collection::vec((-1_000_000_i64..10_000_000, any::<bool>()), 1..12),
    ) {
        let mut ledger = Vec::new();
        let mut settled = 0;
        for (i, (result, settle)) in runs.iter().enumerate() {
            let id = i64::try_from(i).unwrap() * 2;
            if let Some(change) = accrual(*result, &ledger) {
                ledger.push(entry(id, EntryKind::Earned, change));
            }
            if (*settle || i + 1 == runs.len())
                && let Some(line) = settlement(&ledger)
            {
                settled += line.amount;
                ledger.push(entry(id + 1, EntryKind::Settled, line.amount));
            }
        }
        prop_assert_eq!(settled, runs.last().unwrap().0);
    }
}

/// Any rules the reference can check (its decimals bounded).
fn any_rules() -> impl Strategy<Value = Rules> {
    let pay = prop_oneof![
        any_table(false).prop_map(Pay::Retroactive),
        any_table(false).prop_map(Pay::Marginal),
        (0_i64..=1_000_000).prop_map(|r| Pay::Flat(Decimal::new(r, 6))),
        any_table(false).prop_map(|t| Pay::FixedAmount(
            t.iter()
                .map(|b| Bracket {
                    from: b.from,
                    value: i64::try_from(b.value.mantissa()).unwrap() * 10
                })
                .collect()
        )),
    ];
    let reference = prop_oneof![
        Just(Reference::Target),
        (1_i64..1_000_000_000).prop_map(|amount| Reference::FixedThreshold { amount }),
        Just(Reference::Growth {
            against: GrowthAgainst::PreviousPeriod
        }),
    ];
    let accelerator = proptest::option::of((0_i64..3_000_000, 10_000_i64..30_000).prop_map(
        |(above, factor)| Accelerator {
            above: Decimal::new(above, 6),
            factor: Decimal::new(factor, 4),
        },
    ));
    (
        pay,
        reference,
        accelerator,
        proptest::option::of(0_i64..50_000_000),
        proptest::option::of(0_i64..100_000),
        any::<bool>(),
        proptest::option::of(0_i64..=10_000),
        proptest::option::of(1_u32..=365),
    )
        .prop_map(
            |(pay, reference, accelerator, cap, floor, collected, quality, clawback)| Rules {
                accelerator: accelerator.filter(|_| !matches!(pay, Pay::FixedAmount(_))),
                reference,
                pay,
                cap,
                floor: floor.filter(|f| cap.is_none_or(|c| *f <= c)),
                pay_on_collected_share: collected,
                min_data_quality: quality.map(|q| Decimal::new(q, 2)),
                clawback_days: clawback,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    /// The engine and the independent reference agree on 5,000 random
    /// cases: negative bases (returns), missing and zero targets, growth
    /// without a last period, caps, floors, collected shares, data-quality
    /// floors (met, missed, not judged yet), clawbacks (up to more than the
    /// whole base), accelerators and penalties larger than the amount.
    #[test]
    fn engine_agrees_with_the_reference_on_5000_cases(
        rules in any_rules(),
        base in -1_000_000_000_i64..5_000_000_000,
        factor_hundredths in prop_oneof![Just(100_i64), 100_i64..300],
        target in proptest::option::of(0_i64..5_000_000_000),
        last in proptest::option::of(-1_000_000_i64..5_000_000_000),
        share in 0_i64..=10_000,
        quality in proptest::option::of(0_i64..=10_000),
        uncollected_hundredths in 0_i64..300_000_000_000,
        adjustments in proptest::collection::vec((any::<bool>(), -50_000_000_i64..20_000_000), 0..3),
    ) {
        let adjustments: Vec<Adjustment> = adjustments
            .iter()
            .filter(|(_, a)| *a != 0)
            .map(|(penalty, a)| {
                let kind = if *penalty { AdjustmentKind::Penalty } else { AdjustmentKind::Manual };
                Adjustment::new(kind, if *penalty { -a.abs() } else { *a }, "r").unwrap()
            })
            .collect();
        let inputs = Inputs {
            base,
            multiplied_base: Decimal::from(base) * Decimal::new(factor_hundredths, 2),
            target,
            last_period_base: last,
            collected_share: Some(Decimal::new(share, 4)),
            data_quality: quality.map(|q| Decimal::new(q, 2)),
            uncollected: Some(Decimal::new(uncollected_hundredths, 2)),
            adjustments: &adjustments,
        };
        let out = calculate(&rules, &inputs).unwrap();
        let want = expected(&rules, &inputs);
        prop_assert_eq!(out.amount, want.amount);
        prop_assert_eq!(out.bracket, want.bracket);
        prop_assert_eq!(matches!(out.limit, Some(Limit::Cap(_))), want.capped);
        prop_assert_eq!(matches!(out.limit, Some(Limit::Floor(_))), want.floored);
    }
}

/// Every JSON example in `docs/INCENTIVES.md` is a valid program (the TOML
/// ones beside them hold the same documents).
#[test]
fn the_documented_examples_parse() {
    let page = include_str!("../../../../docs/INCENTIVES.md");
    let examples: Vec<&str> = page
        .split("```json\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .collect();
    assert_eq!(examples.len(), 5);
    let kinds: Vec<BracketMode> = examples
        .iter()
        .map(|json| {
            Program::parse(&read(json))
                .unwrap_or_else(|e| panic!("{e:?} in {json}"))
                .rules
                .pay
                .mode()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            BracketMode::Retroactive,
            BracketMode::Marginal,
            BracketMode::Retroactive,
            BracketMode::FixedAmount,
            BracketMode::Retroactive,
        ]
    );
}

#[test]
fn a_quantity_rate_is_an_amount_per_unit() {
    let quantity = |rate: &str| {
        let mut doc: serde_json::Value = serde_json::from_str(RETROACTIVE).unwrap();
        doc["base"] = serde_json::json!({ "measure": "quantity" });
        doc["mode"] = "flat".into();
        doc["brackets"] = serde_json::Value::Null;
        doc["rate"] = rate.into();
        Program::parse(&serde_json::from_value(doc).unwrap())
    };
    let p = quantity("1.50").unwrap();
    assert_eq!(p.rules.pay, Pay::Flat(dec("150")));
    // 40 pieces at ¥1.50.
    let out = calculate(&p.rules, &Inputs::plain(40, None)).unwrap();
    assert_eq!(out.amount, 6_000);
    assert_eq!(quantity("3%").unwrap_err()[0].path, "rate");
    let mut doc: serde_json::Value = serde_json::from_str(RETROACTIVE).unwrap();
    doc["base"] = serde_json::json!({ "measure": "quantity" });
    doc["attainment"] = serde_json::json!({ "source": "fixed_threshold", "amount": 500 });
    doc["brackets"] =
        serde_json::json!([{ "from": "0", "rate": "0" }, { "from": "1", "rate": "2.00" }]);
    let p = Program::parse(&serde_json::from_value(doc.clone()).unwrap()).unwrap();
    // A threshold of 500 pieces, not ¥5.00.
    assert_eq!(p.rules.reference, Reference::FixedThreshold { amount: 500 });
    // Points are per amount of money, which pieces are not.
    doc["points"] = serde_json::json!({ "per": "100", "expire_months": 12 });
    assert_eq!(
        problems(&serde_json::from_value(doc).unwrap()),
        vec![rule("points", "points_money_base_only")]
    );
}

#[test]
fn points_are_checked_at_their_fields() {
    let mut doc: serde_json::Value = serde_json::from_str(RETROACTIVE).unwrap();
    doc["multipliers"] = serde_json::json!([{ "skus": ["NEW-1"], "points_factor": "2" }]);
    assert_eq!(
        problems(&serde_json::from_value(doc.clone()).unwrap()),
        vec![rule(
            "multipliers[0].points_factor",
            "points_factor_without_points"
        )]
    );
    doc["points"] = serde_json::json!({ "per": "0", "expire_months": 121, "every": 1 });
    assert_eq!(
        problems(&serde_json::from_value(doc.clone()).unwrap()),
        vec![
            (
                "points.every".to_owned(),
                Problem::NotOneOf {
                    choices: vec!["per", "expire_months"]
                }
            ),
            rule("points.per", "points_per_positive"),
            (
                "points.expire_months".to_owned(),
                Problem::Limit {
                    rule: "integer_too_large",
                    max: 120
                }
            ),
        ]
    );
    doc["points"] = serde_json::json!({ "per": "100.00", "expire_months": 12 });
    let p = Program::parse(&serde_json::from_value(doc).unwrap()).unwrap();
    assert_eq!(
        p.points,
        Some(crate::incentive_points::Points {
            per: 10_000,
            expire_months: 12
        })
    );
    assert_eq!(program(RETROACTIVE).points, None);
}
