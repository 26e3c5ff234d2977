//! Stories of receivables: opening invoices, payments and their
//! allocation, the overpayment choice, statements, ageing and the
//! partner's own view, on both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::receivables::{AllocationInput, OpeningInvoiceInput, PaymentInput};
use qudao_domain::Problem;

use super::*;

on_both_backends!(
    receivables_payments_allocate_and_statements_reconcile,
    receivables_refusals_name_the_field_and_write_nothing,
    receivables_partners_see_only_their_own_account,
    receivables_concurrent_payments_never_overpay_an_invoice,
    receivables_a_bank_file_is_all_or_nothing,
);

fn day(offset: i64) -> chrono::NaiveDate {
    qudao_app::today() + chrono::Duration::days(offset)
}

async fn setup(db: &TestDb) -> (Qudao, Caller) {
    let app = db.app().await;
    app.create_user(&system(), &user("fin", "finance", None))
        .await
        .unwrap();
    app.create_user(&system(), &user("owner", "channel_manager", None))
        .await
        .unwrap();
    for code in ["P1", "P2"] {
        app.create_partner(
            &system(),
            &partner(code, "distributor", None, Some("owner")),
        )
        .await
        .unwrap();
    }
    (app.clone(), app.caller_by_login("fin").await.unwrap())
}

fn invoice(
    partner: &str,
    number: &str,
    amount: &str,
    issued: i64,
    due: i64,
) -> OpeningInvoiceInput {
    OpeningInvoiceInput {
        partner: partner.into(),
        number: number.into(),
        currency: "CNY".into(),
        amount: amount.into(),
        issued_on: day(issued).to_string(),
        due_on: day(due).to_string(),
    }
}

fn payment(partner: &str, amount: &str, received: i64) -> PaymentInput {
    PaymentInput {
        partner: partner.into(),
        amount: amount.into(),
        received_on: day(received).to_string(),
        ..Default::default()
    }
}

fn rule_of(err: AppError) -> (&'static str, &'static str) {
    match err {
        AppError::Invalid(mut list) => match list.remove(0) {
            qudao_domain::Invalid {
                field,
                problem: Problem::Rule { rule } | Problem::Conflict { rule, .. },
            } => (field, rule),
            other => panic!("{other:?}"),
        },
        other => panic!("expected a field error, got {other:?}"),
    }
}

const WRITTEN: &str = "SELECT (SELECT COUNT(*) FROM payments) + (SELECT COUNT(*) FROM payment_allocations) \
     + (SELECT COUNT(*) FROM invoices)";

async fn receivables_payments_allocate_and_statements_reconcile(db: TestDb) {
    let (app, fin) = setup(&db).await;
    app.record_opening_invoice(&fin, &invoice("P1", "OLD-1", "1000.00", -100, -70))
        .await
        .unwrap();
    app.record_opening_invoice(&fin, &invoice("P1", "OLD-2", "500.00", -50, -40))
        .await
        .unwrap();
    app.record_opening_invoice(&fin, &invoice("P1", "OLD-3", "300.00", -5, 25))
        .await
        .unwrap();

    // Ageing today: OLD-1 70 days late, OLD-2 40, OLD-3 not yet due.
    let ageing = app.ageing(&fin, day(0)).await.unwrap();
    let row = &ageing.rows[0];
    assert_eq!(row.partner_name, "P1 有限公司");
    assert_eq!(
        [
            row.current.as_str(),
            row.days_1_30.as_str(),
            row.days_31_60.as_str(),
            row.days_61_90.as_str(),
            row.over_90.as_str()
        ],
        ["300.00", "0.00", "500.00", "1000.00", "0.00"]
    );
    let overdue = app.overdue(&fin, day(0)).await.unwrap();
    assert_eq!(
        overdue
            .iter()
            .map(|r| (r.number.as_str(), r.days_overdue))
            .collect::<Vec<_>>(),
        [("OLD-1", 70), ("OLD-2", 40)]
    );
    assert_eq!(overdue[0].owner.as_deref(), Some("owner name"));

    // Oldest first: 1,200 pays OLD-1 in full and 200 of OLD-2.
    let paid = app
        .record_payment(&fin, &payment("P1", "1200", -2))
        .await
        .unwrap();
    assert!(paid.number.starts_with("PAY-"));
    assert_eq!(
        paid.allocations
            .iter()
            .map(|a| (a.invoice.as_str(), a.amount.as_str()))
            .collect::<Vec<_>>(),
        [("OLD-1", "1000.00"), ("OLD-2", "200.00")]
    );
    // Named amounts.
    let named = PaymentInput {
        allocations: vec![AllocationInput {
            invoice: "OLD-3".into(),
            amount: "100".into(),
        }],
        ..payment("P1", "100", -1)
    };
    app.record_payment(&fin, &named).await.unwrap();
    let open = app.invoices(&fin, Some("P1"), true).await.unwrap();
    assert_eq!(
        open.iter()
            .map(|i| (i.number.as_str(), i.open.as_str()))
            .collect::<Vec<_>>(),
        [("OLD-3", "200.00"), ("OLD-2", "300.00")]
    );

    // Paying more than is owed needs the choice, and keeps the rest.
    let over = payment("P1", "600", 0);
    assert_eq!(
        rule_of(app.record_payment(&fin, &over).await.unwrap_err()),
        ("overpayment", "payment_exceeds_owed")
    );
    let kept = app
        .record_payment(
            &fin,
            &PaymentInput {
                overpayment: "on_account".into(),
                ..over
            },
        )
        .await
        .unwrap();
    assert_eq!(kept.on_account, "100.00");
    assert_eq!(kept.overpayment.as_deref(), Some("on_account"));
    // A later invoice takes what was kept.
    app.record_opening_invoice(&fin, &invoice("P1", "NEW-1", "80", 0, 30))
        .await
        .unwrap();
    let used = app
        .allocate_payment(&fin, &kept.number, &[], &[])
        .await
        .unwrap();
    assert_eq!(used.on_account, "20.00");

    // The statement reconciles: opening + invoices − payments = closing.
    let statement = app.statement(&fin, "P1", day(-60), day(0)).await.unwrap();
    let section = &statement.sections[0];
    assert_eq!(section.opening, "1000.00");
    assert_eq!(section.invoiced, "880.00");
    assert_eq!(section.paid, "1900.00");
    assert_eq!(section.closing, "-20.00");
    assert_eq!(section.lines.first().unwrap().number, "OLD-2");

    // The collection rate of the last 80 days: OLD-1 and OLD-2 fell due
    // (1,500), and all of it is paid now.
    let rates = app.collection_rates(&fin, day(-80), day(0)).await.unwrap();
    assert_eq!(rates[0].due, "1500.00");
    assert_eq!(rates[0].rate.as_deref(), Some("100.00"));

    // The engine hears of payments.
    let facts = app
        .facts_after(qudao_app::facts::FactKind::Payment, 0, 10)
        .await
        .unwrap();
    assert_eq!(facts.len(), 3);
    assert!(
        facts
            .iter()
            .all(|f| f.product_id.is_none() && f.region_id.is_none())
    );
}

async fn receivables_refusals_name_the_field_and_write_nothing(db: TestDb) {
    let (app, fin) = setup(&db).await;
    app.record_opening_invoice(&fin, &invoice("P1", "OLD-1", "100", -40, -10))
        .await
        .unwrap();
    app.record_payment(
        &fin,
        &PaymentInput {
            reference: "BANK-1".into(),
            ..payment("P1", "100", -1)
        },
    )
    .await
    .unwrap();
    let before = db.count(WRITTEN).await;

    let refused = |input: PaymentInput| {
        let app = app.clone();
        let fin = fin.clone();
        async move { rule_of(app.record_payment(&fin, &input).await.unwrap_err()) }
    };
    // An invoice already paid.
    let twice = PaymentInput {
        allocations: vec![AllocationInput {
            invoice: "OLD-1".into(),
            amount: "100".into(),
        }],
        ..payment("P1", "100", 0)
    };
    assert_eq!(refused(twice).await, ("overpayment", "invoice_overpaid"));
    // The same bank reference twice.
    let again = PaymentInput {
        reference: "BANK-1".into(),
        overpayment: "on_account".into(),
        ..payment("P1", "100", 0)
    };
    assert_eq!(
        refused(again).await,
        ("reference", "payment_reference_recorded")
    );
    // Another partner's invoice, another currency.
    let foreign = PaymentInput {
        pay: vec!["OLD-1".into()],
        ..payment("P2", "10", 0)
    };
    assert_eq!(refused(foreign).await, ("invoices", "invoice_unknown"));
    let dollars = PaymentInput {
        currency: "USD".into(),
        pay: vec!["OLD-1".into()],
        ..payment("P1", "10", 0)
    };
    assert_eq!(
        refused(dollars).await,
        ("invoices", "invoice_currency_differs")
    );
    // Nothing to pay, a zero amount, a bad date.
    assert_eq!(
        refused(payment("P2", "10", 0)).await,
        ("overpayment", "payment_exceeds_owed")
    );
    assert_eq!(
        refused(payment("P1", "0", 0)).await,
        ("amount", "amount_positive")
    );
    let bad_date = app
        .record_payment(
            &fin,
            &PaymentInput {
                received_on: "2026-02-30".into(),
                ..payment("P1", "10", 0)
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(bad_date, AppError::Invalid(ref l) if l[0].field == "received_on"));
    // A closed month.
    let last_month = qudao_domain::periods::Month::of(day(0)).previous();
    app.close_period(&fin, &last_month.to_string())
        .await
        .unwrap();
    let closed = PaymentInput {
        received_on: last_month.first_day().to_string(),
        overpayment: "on_account".into(),
        ..payment("P1", "10", 0)
    };
    assert_eq!(refused(closed).await, ("received_on", "period_closed"));
    // Opening invoices: a number taken, due before issue.
    assert!(matches!(
        app.record_opening_invoice(&fin, &invoice("P2", "OLD-1", "5", 0, 1))
            .await
            .unwrap_err(),
        AppError::Duplicate { field: "number" }
    ));
    assert_eq!(
        rule_of(
            app.record_opening_invoice(&fin, &invoice("P2", "X-1", "5", 0, -1))
                .await
                .unwrap_err()
        ),
        ("due_on", "due_before_issue")
    );
    // No agreement: no payment terms to default the due date from.
    let no_due = OpeningInvoiceInput {
        due_on: String::new(),
        ..invoice("P2", "X-2", "5", 0, 0)
    };
    assert_eq!(
        rule_of(app.record_opening_invoice(&fin, &no_due).await.unwrap_err()),
        ("due_on", "due_needs_agreement")
    );
    // A channel manager may read but not record.
    let manager = app.caller_by_login("owner").await.unwrap();
    assert!(matches!(
        app.record_payment(&manager, &payment("P1", "1", 0)).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(db.count(WRITTEN).await, before);
}

async fn receivables_partners_see_only_their_own_account(db: TestDb) {
    let (app, fin) = setup(&db).await;
    app.create_partner(&system(), &partner("D1", "retailer", Some("P1"), None))
        .await
        .unwrap();
    for (p, n) in [("P1", "A-1"), ("P2", "B-1"), ("D1", "C-1")] {
        app.record_opening_invoice(&fin, &invoice(p, n, "100", -10, 20))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("boss", "partner_admin", Some("P1")))
        .await
        .unwrap();
    let boss = app.caller_by_login("boss").await.unwrap();
    let mine = app.invoices(&boss, None, false).await.unwrap();
    assert_eq!(
        mine.iter().map(|i| i.number.as_str()).collect::<Vec<_>>(),
        ["A-1"]
    );
    assert!(app.statement(&boss, "P1", day(-30), day(0)).await.is_ok());
    for other in ["P2", "D1"] {
        assert!(matches!(
            app.statement(&boss, other, day(-30), day(0)).await,
            Err(AppError::NotFound(_))
        ));
    }
    assert_eq!(app.ageing(&boss, day(0)).await.unwrap().rows.len(), 1);
    assert!(matches!(
        app.record_payment(&boss, &payment("P1", "1", 0)).await,
        Err(AppError::Forbidden)
    ));
}

async fn receivables_concurrent_payments_never_overpay_an_invoice(db: TestDb) {
    let (app, fin) = setup(&db).await;
    let other = Qudao::open(&db.url).await.unwrap();
    for round in 0..20 {
        let number = format!("R-{round}");
        app.record_opening_invoice(&fin, &invoice("P1", &number, "100", -10, 20))
            .await
            .unwrap();
        let pay = |app: Qudao| {
            let fin = fin.clone();
            let input = PaymentInput {
                allocations: vec![AllocationInput {
                    invoice: number.clone(),
                    amount: "80".into(),
                }],
                overpayment: String::new(),
                ..payment("P1", "80", 0)
            };
            async move { app.record_payment(&fin, &input).await }
        };
        let (a, b) = tokio::join!(
            tokio::spawn(pay(app.clone())),
            tokio::spawn(pay(other.clone()))
        );
        let results = [a.unwrap(), b.unwrap()];
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "round {round}");
        for result in results {
            if let Err(err) = result {
                assert_eq!(rule_of(err), ("overpayment", "invoice_overpaid"));
            }
        }
    }
    let overpaid = db
        .count(
            "SELECT COUNT(*) FROM invoices i WHERE i.amount_minor < \
             (SELECT COALESCE(SUM(a.amount_minor), 0) FROM payment_allocations a WHERE a.invoice_id = i.id)",
        )
        .await;
    assert_eq!(overpaid, 0);
}

async fn import(
    app: &Qudao,
    caller: &Caller,
    text: &str,
    keep: bool,
) -> qudao_app::imports::ImportReport {
    app.import_with(
        caller,
        qudao_app::imports::ImportKind::parse("payments").unwrap(),
        "bank.csv",
        text.as_bytes(),
        qudao_app::imports::ImportOptions {
            keep_overpayment: keep,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

fn problems(report: &qudao_app::imports::ImportReport) -> Vec<(Option<usize>, String, String)> {
    report
        .errors
        .iter()
        .map(|e| {
            let rule = match &e.problem {
                Problem::Rule { rule } | Problem::Conflict { rule, .. } => (*rule).to_owned(),
                other => format!("{other:?}"),
            };
            (e.row, e.field.clone(), rule)
        })
        .collect()
}

async fn receivables_a_bank_file_is_all_or_nothing(db: TestDb) {
    let (app, fin) = setup(&db).await;
    app.record_opening_invoice(&fin, &invoice("P1", "OLD-1", "1000", -40, -10))
        .await
        .unwrap();
    app.record_opening_invoice(&fin, &invoice("P2", "OLD-2", "500", -40, -10))
        .await
        .unwrap();
    let date = day(-1);
    // The partner named as the bank wrote it, and by code; one bad row of
    // each kind.
    let bad = format!(
        "日期,渠道商,金额,币种,银行流水号,发票号\n\
         {date},P1 有限公司,600,CNY,B-1,OLD-1\n\
         {date},P2,100,,B-2,\n\
         {date},无名公司,100,CNY,B-3,\n\
         {date},P1,100,CNY,B-1,\n\
         {date},P2,900,CNY,B-4,\n"
    );
    let report = import(&app, &fin, &bad, false).await;
    assert_eq!(
        problems(&report),
        [
            (Some(4), "partner".into(), "payer_unknown".into()),
            (Some(5), "reference".into(), "duplicate_in_file".into()),
            (Some(6), "overpayment".into(), "payment_exceeds_owed".into()),
        ]
    );
    assert_eq!(db.count(WRITTEN).await, 2, "only the two invoices");

    let good = format!(
        "date,partner,amount,currency,reference,invoices\n\
         {date},P1 有限公司,600,CNY,B-1,OLD-1\n\
         {date},P2,900,CNY,B-4,\n"
    );
    // The overpayment needs the option.
    assert_eq!(
        problems(&import(&app, &fin, &good, false).await),
        [(Some(3), "overpayment".into(), "payment_exceeds_owed".into())]
    );
    let report = import(&app, &fin, &good, true).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.created, 2);
    let payments = app.payments(&fin, 1, 10).await.unwrap().0;
    let p2 = payments.iter().find(|p| p.partner_code == "P2").unwrap();
    assert_eq!(
        (p2.on_account.as_str(), p2.source.as_str()),
        ("400.00", "imported")
    );
    // The same file again: every reference is recorded already.
    let again = import(&app, &fin, &good, true).await;
    assert_eq!(
        problems(&again)
            .into_iter()
            .map(|(_, _, rule)| rule)
            .collect::<Vec<_>>(),
        ["payment_reference_recorded", "payment_reference_recorded"]
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM payments").await, 2);
}
