//! Finance's setup: company settings, period close with the fact writers'
//! guard, and exchange rates, on both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::imports::{ImportKind, ImportMode, ImportOptions};
use qudao_app::periods::ReopenInput;
use qudao_app::rates::RateInput;
use qudao_app::settings::SettingsInput;
use qudao_domain::money::{Currency, Money};
use qudao_domain::periods::Month;
use qudao_domain::rates::convert;
use qudao_domain::{Invalid, Problem};

use super::*;

on_both_backends!(
    settings_default_change_and_refuse,
    the_currency_is_fixed_once_rates_exist,
    months_close_in_order_and_reopen_with_a_reason,
    rates_are_set_amended_audited_and_refused,
    a_closed_month_refuses_its_rate,
    exchange_rates_import_all_or_nothing,
    a_close_racing_a_guarded_write_never_leaves_a_fact_in_a_closed_month,
);

async fn people(app: &Qudao) -> (Caller, Caller, Caller) {
    for (login, role) in [("admin", "admin"), ("fin", "finance"), ("rep", "sales_rep")] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    (
        app.caller_by_login("admin").await.unwrap(),
        app.caller_by_login("fin").await.unwrap(),
        app.caller_by_login("rep").await.unwrap(),
    )
}

fn settings(currency: &str, start: &str, new_days: &str, overstock: &str) -> SettingsInput {
    SettingsInput {
        currency: currency.into(),
        fiscal_year_start: start.into(),
        new_product_days: new_days.into(),
        overstock_days: overstock.into(),
    }
}

fn rate(month: &str, currency: &str, rate: &str) -> RateInput {
    RateInput {
        month: month.into(),
        currency: currency.into(),
        rate: rate.into(),
    }
}

/// The field errors of a refused write.
fn refused<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<Invalid> {
    match result {
        Err(AppError::Invalid(fields)) => fields,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn month(text: &str) -> Month {
    Month::parse("month", text).unwrap()
}

/// The month `back` months before today's, as text.
fn months_ago(back: usize) -> String {
    std::iter::successors(Some(Month::of(qudao_app::today())), |m| Some(m.previous()))
        .nth(back)
        .unwrap()
        .to_string()
}

async fn settings_default_change_and_refuse(db: TestDb) {
    let app = db.app().await;
    let (admin, fin, rep) = people(&app).await;
    let shown = app.settings(&rep).await.unwrap();
    assert_eq!(
        (
            shown.currency.as_str(),
            shown.fiscal_year_start,
            shown.new_product_days,
            shown.overstock_days
        ),
        ("CNY", 1, 90, 60)
    );
    assert!(matches!(
        app.update_settings(&fin, &settings("CNY", "4", "30", "45"))
            .await,
        Err(AppError::Forbidden)
    ));
    let fields = refused(
        app.update_settings(&admin, &settings("XYZ", "13", "", "0"))
            .await,
    );
    assert_eq!(
        fields.iter().map(|f| f.field).collect::<Vec<_>>(),
        [
            "currency",
            "fiscal_year_start",
            "new_product_days",
            "overstock_days"
        ]
    );
    assert_eq!(
        fields[1].to_string(),
        "fiscal_year_start must look like 1–12"
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM settings").await, 0);

    let saved = app
        .update_settings(&admin, &settings("hkd", "4", "30", "45"))
        .await
        .unwrap();
    assert_eq!(saved.currency, "HKD");
    // The cache was emptied by the change: every reader sees it at once.
    let read = app.current_settings().await.unwrap();
    assert_eq!(read.currency.as_str(), "HKD");
    assert_eq!(
        (
            read.fiscal_year_start,
            read.new_product_days,
            read.overstock_days
        ),
        (4, 30, 45)
    );
    // A second handle (another node) reads the table.
    let other = db.app().await;
    assert_eq!(other.settings(&rep).await.unwrap(), saved);
    let audit = app
        .list_audit(
            &admin,
            &qudao_app::audit::Filter {
                entity_key: Some("company".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 1);
    assert_eq!(audit.items[0].action, "update");

    // A stored value this program cannot read is an error, never a default.
    db.raw("UPDATE settings SET value = 'thirty' WHERE key = 'new_product_days'")
        .await;
    let fresh = db.app().await;
    assert!(matches!(
        fresh.current_settings().await,
        Err(AppError::Internal(message)) if message.contains("'thirty'")
    ));
}

async fn the_currency_is_fixed_once_rates_exist(db: TestDb) {
    let app = db.app().await;
    let (admin, fin, _) = people(&app).await;
    app.put_rate(&fin, &rate("2026-01", "USD", "7.1"))
        .await
        .unwrap();
    let fields = refused(
        app.update_settings(&admin, &settings("USD", "1", "90", "60"))
            .await,
    );
    assert_eq!(
        fields,
        [Invalid::new(
            "currency",
            Problem::Conflict {
                rule: "currency_fixed_by_rates",
                with: "CNY".into()
            }
        )]
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM settings").await, 0);
    // The other settings still change.
    app.update_settings(&admin, &settings("CNY", "7", "90", "60"))
        .await
        .unwrap();
    assert_eq!(app.current_settings().await.unwrap().fiscal_year_start, 7);
}

async fn months_close_in_order_and_reopen_with_a_reason(db: TestDb) {
    let app = db.app().await;
    let (admin, fin, rep) = people(&app).await;
    let (current, last, before_last) = (months_ago(0), months_ago(1), months_ago(2));
    let events = "SELECT COUNT(*) FROM period_events";
    assert!(matches!(
        app.close_period(&rep, &last).await,
        Err(AppError::Forbidden)
    ));
    let not_ended = refused(app.close_period(&fin, &current).await);
    assert_eq!(
        not_ended,
        [Invalid::new(
            "month",
            Problem::Rule {
                rule: "period_not_ended"
            }
        )]
    );
    assert_eq!(
        refused(app.close_period(&fin, "2026-13").await)[0].field,
        "month"
    );
    assert_eq!(db.count(events).await, 0);

    app.close_period(&fin, &before_last).await.unwrap();
    app.close_period(&admin, &last).await.unwrap();
    let twice = refused(app.close_period(&fin, &last).await);
    assert_eq!(
        twice,
        [Invalid::new(
            "month",
            Problem::Rule {
                rule: "period_already_closed"
            }
        )]
    );
    let earlier = refused(app.close_period(&fin, &months_ago(5)).await);
    assert_eq!(
        earlier,
        [Invalid::new(
            "month",
            Problem::Conflict {
                rule: "period_close_in_order",
                with: current.clone()
            }
        )]
    );
    assert_eq!(db.count(events).await, 2);

    // Reopening needs a reason, and only the latest closed month.
    let no_reason = refused(
        app.reopen_period(
            &fin,
            &last,
            &ReopenInput {
                reason: "  ".into(),
            },
        )
        .await,
    );
    assert_eq!(no_reason, [Invalid::new("reason", Problem::Required)]);
    let not_latest = refused(
        app.reopen_period(
            &fin,
            &before_last,
            &ReopenInput {
                reason: "late invoice".into(),
            },
        )
        .await,
    );
    assert_eq!(
        not_latest,
        [Invalid::new(
            "month",
            Problem::Conflict {
                rule: "period_reopen_latest_first",
                with: last.clone()
            }
        )]
    );
    assert_eq!(db.count(events).await, 2);
    assert_eq!(db.count("SELECT COUNT(*) FROM closed_periods").await, 2);
    app.reopen_period(
        &fin,
        &last,
        &ReopenInput {
            reason: "迟到的退货".into(),
        },
    )
    .await
    .unwrap();

    let overview = app.periods_overview(&fin).await.unwrap();
    assert_eq!(overview.months.len(), 25);
    assert_eq!(overview.months[0].month.to_string(), current);
    let state = |m: &str| {
        overview
            .months
            .iter()
            .find(|s| s.month.to_string() == m)
            .unwrap()
    };
    assert!(!state(&last).closed && state(&last).can_close);
    assert!(state(&before_last).closed && state(&before_last).can_reopen);
    assert_eq!(
        state(&before_last).closed_by_name.as_deref(),
        Some("fin name")
    );
    assert!(!state(&months_ago(3)).can_close, "before the closed run");
    assert!(!state(&current).can_close, "not ended");
    let history: Vec<(&str, &str, &str)> = overview
        .events
        .iter()
        .map(|e| (e.action.as_str(), e.month.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        history,
        [
            ("reopen", last.as_str(), "迟到的退货"),
            ("close", last.as_str(), ""),
            ("close", before_last.as_str(), ""),
        ]
    );
    assert_eq!(overview.events[1].actor_name.as_deref(), Some("admin name"));
    assert!(matches!(
        app.periods_overview(&rep).await,
        Err(AppError::Forbidden)
    ));
}

async fn rates_are_set_amended_audited_and_refused(db: TestDb) {
    let app = db.app().await;
    let (admin, fin, rep) = people(&app).await;
    let usd = Currency::parse("USD").unwrap();
    assert!(matches!(
        app.put_rate(&rep, &rate("2026-07", "USD", "7.1")).await,
        Err(AppError::Forbidden)
    ));
    let fields = refused(app.put_rate(&fin, &rate("2026-7x", "XYZ", "-1")).await);
    assert_eq!(
        fields.iter().map(|f| f.field).collect::<Vec<_>>(),
        ["month", "currency", "rate"]
    );
    let too_fine = refused(
        app.put_rate(&fin, &rate("2026-07", "USD", "7.123456789"))
            .await,
    );
    assert_eq!(too_fine[0].field, "rate");
    let own = refused(app.put_rate(&fin, &rate("2026-07", "CNY", "1")).await);
    assert_eq!(
        own,
        [Invalid::new(
            "currency",
            Problem::Conflict {
                rule: "rate_of_company_currency",
                with: "CNY".into()
            }
        )]
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM exchange_rates").await, 0);
    let missing = app.rate_for(month("2026-07"), usd).await.unwrap_err();
    assert!(
        matches!(&missing, AppError::Invalid(f) if f[0].problem == Problem::Conflict { rule: "rate_missing", with: "2026-07 USD".into() }),
        "{missing:?}"
    );

    let set = app
        .put_rate(&fin, &rate("2026-07", "usd", "7.12340"))
        .await
        .unwrap();
    assert_eq!(
        (
            set.month.as_str(),
            set.currency.as_str(),
            set.rate.as_str(),
            set.quoted_in.as_str()
        ),
        ("2026-07", "USD", "7.1234", "CNY")
    );
    assert_eq!(set.updated_by_name.as_deref(), Some("fin name"));
    let amended = app
        .put_rate(&admin, &rate("2026-07", "USD", "7.2"))
        .await
        .unwrap();
    assert_eq!(amended.rate, "7.2");
    app.put_rate(&fin, &rate("2026-06", "HKD", "0.91"))
        .await
        .unwrap();
    let listed = app.list_rates(&fin, None).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| format!("{} {} {}", r.month, r.currency, r.rate))
            .collect::<Vec<_>>(),
        ["2026-07 USD 7.2", "2026-06 HKD 0.91"]
    );
    assert_eq!(
        app.list_rates(&fin, Some("2026-07")).await.unwrap().len(),
        1
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM exchange_rates").await, 2);

    let july = app.rate_for(month("2026-07"), usd).await.unwrap();
    assert_eq!(july.to_string(), "7.2");
    assert_eq!(
        convert(Money::from_minor(1_000, usd), &july, Currency::CNY),
        Some(Money::from_minor(7_200, Currency::CNY))
    );
    assert_eq!(
        app.rate_for(month("1999-01"), Currency::CNY)
            .await
            .unwrap()
            .to_string(),
        "1"
    );
    let audit = app
        .list_audit(
            &admin,
            &qudao_app::audit::Filter {
                entity_key: Some("2026-07 USD".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["amend", "set"]);
    assert_eq!(
        audit.items[0].before.as_ref().unwrap()["rate"],
        serde_json::json!("7.1234")
    );
}

async fn a_closed_month_refuses_its_rate(db: TestDb) {
    let app = db.app().await;
    let (_, fin, _) = people(&app).await;
    let last = months_ago(1);
    app.put_rate(&fin, &rate(&last, "USD", "7.1"))
        .await
        .unwrap();
    app.close_period(&fin, &last).await.unwrap();
    let fields = refused(app.put_rate(&fin, &rate(&last, "USD", "7.3")).await);
    assert_eq!(
        fields,
        [Invalid::new(
            "month",
            Problem::Conflict {
                rule: "period_closed",
                with: last.clone()
            }
        )]
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM exchange_rates WHERE rate = '7.1'")
            .await,
        1
    );
    // After a reopen (with its reason) the correction goes in.
    app.reopen_period(
        &fin,
        &last,
        &ReopenInput {
            reason: "rate corrected by the bank".into(),
        },
    )
    .await
    .unwrap();
    app.put_rate(&fin, &rate(&last, "USD", "7.3"))
        .await
        .unwrap();
}

async fn exchange_rates_import_all_or_nothing(db: TestDb) {
    let app = db.app().await;
    let (_, fin, rep) = people(&app).await;
    let kind = ImportKind::parse("exchange-rates").unwrap();
    let file = "月份,币种,汇率\n2026-05,USD,7.1\n2026-05,HKD,0.91\n2026-06,USD,7.15\n";
    assert!(matches!(
        app.import(&rep, kind, "rates.csv", file.as_bytes(), false)
            .await,
        Err(AppError::Forbidden)
    ));
    let report = app
        .import(&fin, kind, "rates.csv", file.as_bytes(), false)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(report.created, 3);

    // A different rate for a month that has one is refused in create mode,
    // with the rest of the file.
    let changed = "month,currency,rate\n2026-07,USD,7.2\n2026-05,USD,7.3\n2026-05,HKD,0.91\n2026-07,USD,7.2\n";
    let report = app
        .import(&fin, kind, "rates.csv", changed.as_bytes(), false)
        .await
        .unwrap();
    let problems: Vec<(Option<usize>, String, String)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.field.clone(), e.message.clone()))
        .collect();
    assert_eq!(
        problems,
        [
            (
                Some(3),
                "rate".to_owned(),
                "breaks the rule 'rate_exists': 7.1".to_owned()
            ),
            (
                Some(5),
                "currency".to_owned(),
                "breaks the rule 'duplicate_in_file': 2".to_owned()
            ),
        ]
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM exchange_rates").await, 3);

    // Upsert amends and says so; a repeated rate is unchanged.
    let upsert = "month,currency,rate\n2026-07,USD,7.2\n2026-05,USD,7.3\n2026-05,HKD,0.91\n";
    let options = ImportOptions {
        dry_run: false,
        mode: ImportMode::Upsert,
        ..Default::default()
    };
    let report = app
        .import_with(&fin, kind, "rates.csv", upsert.as_bytes(), options)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!((report.created, report.unchanged), (1, 1));
    assert_eq!(report.updated.len(), 1);
    assert_eq!(report.updated[0].code, "2026-05 USD");
    assert_eq!(report.updated[0].changes[0].before.as_deref(), Some("7.1"));
    assert_eq!(db.count("SELECT COUNT(*) FROM exchange_rates").await, 4);

    // What the export writes imports back unchanged.
    let bytes = app
        .export(
            &fin,
            qudao_app::export::ExportKind::parse("exchange-rates").unwrap(),
            &qudao_app::export::ExportQuery {
                chinese: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let again = app
        .import_with(&fin, kind, "汇率.xlsx", &bytes, options)
        .await
        .unwrap();
    assert!(again.ok(), "{:?}", again.errors);
    assert_eq!(
        (again.created, again.unchanged, again.updated.len()),
        (0, 4, 0)
    );
}

/// Close a month while a rate (a guarded write) of that month is written,
/// many times: either the rate commits first and the close comes after it,
/// or the rate is refused because the month is closed. Never a rate
/// written into a month already closed.
async fn a_close_racing_a_guarded_write_never_leaves_a_fact_in_a_closed_month(db: TestDb) {
    const ROUNDS: usize = 30;
    let (one, two) = (db.app().await, db.app().await);
    let (_, fin, _) = people(&one).await;
    let mut month = Month::parse("month", "2020-01").unwrap();
    let (mut written, mut refusals) = (0, 0);
    for _ in 0..ROUNDS {
        let (closer, writer, caller) = (one.clone(), two.clone(), fin.clone());
        let text = month.to_string();
        let input = rate(&text, "USD", "7.1");
        let (closed, put) = tokio::join!(
            tokio::spawn({
                let (caller, text) = (caller.clone(), text.clone());
                async move { closer.close_period(&caller, &text).await }
            }),
            tokio::spawn(async move { writer.put_rate(&caller, &input).await })
        );
        closed.unwrap().unwrap();
        match put.unwrap() {
            Ok(_) => written += 1,
            Err(AppError::Invalid(fields)) => {
                assert_eq!(
                    fields,
                    [Invalid::new(
                        "month",
                        Problem::Conflict {
                            rule: "period_closed",
                            with: text
                        }
                    )]
                );
                refusals += 1;
            }
            Err(other) => panic!("the write failed instead of being refused: {other:?}"),
        }
        month = month.next();
    }
    assert_eq!(written + refusals, ROUNDS);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM exchange_rates").await,
        i64::try_from(written).unwrap()
    );
    // Every rate that went in was written before its month's close.
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM exchange_rates r JOIN closed_periods c ON c.month = r.month \
             WHERE r.updated_at >= c.closed_at"
        )
        .await,
        0
    );
}
