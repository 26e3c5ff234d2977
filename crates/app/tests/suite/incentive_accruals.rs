//! Stories of month-end accruals (预提): a quarterly rebate two months
//! into its quarter accrued by hand for two partners from the facts to the
//! month's end (a later sale ignored), booked once by finance, the next
//! month's movement from the booking, and every refusal writing nothing,
//! on both backends.

#![allow(clippy::wildcard_imports)]

use chrono::{Datelike, NaiveDate};
use qudao_app::incentive_accruals::Accruals;
use qudao_domain::Problem;

use super::incentive_runs::{rebate_in_force_with_targets, sold};
use super::*;

on_both_backends!(
    incentive_accruals_project_book_and_move,
    incentive_accruals_refusals_write_nothing,
);

/// Last year's third quarter, with ¥100,000 targets for P1 and P2: in
/// July P1 bought ¥62,000 and P2 ¥31,000; in September P1 bought ¥50,000
/// more. Returns the year.
async fn quarter(db: &TestDb, app: &Qudao, mgr: &Caller) -> i32 {
    let year = qudao_app::today().year() - 1;
    let july = NaiveDate::from_ymd_opt(year, 7, 10).unwrap();
    sold(db, "P1", july, 1, 6_200_000).await;
    sold(db, "P2", july, 1, 3_100_000).await;
    sold(
        db,
        "P1",
        NaiveDate::from_ymd_opt(year, 9, 5).unwrap(),
        1,
        5_000_000,
    )
    .await;
    rebate_in_force_with_targets(app, mgr, year).await;
    year
}

/// (period, accrued, projected, last booked, movement, subjects).
type Figures<'a> = (&'a str, i64, i64, Option<i64>, i64, i64);

/// The figures of each line.
fn figures(a: &Accruals) -> Vec<Figures<'_>> {
    a.lines
        .iter()
        .map(|l| {
            (
                l.period.as_str(),
                l.accrued_minor,
                l.projected_minor,
                l.last_booked_minor,
                l.movement_minor,
                l.subjects,
            )
        })
        .collect()
}

async fn setup(db: &TestDb) -> (Qudao, Caller, Caller, i32) {
    let app = scorecards::setup(db).await;
    app.create_user(&system(), &user("fin", "finance", None))
        .await
        .unwrap();
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let fin = app.caller_by_login("fin").await.unwrap();
    let year = quarter(db, &app, &mgr).await;
    (app, mgr, fin, year)
}

async fn incentive_accruals_project_book_and_move(db: TestDb) {
    let (app, mgr, fin, year) = setup(&db).await;
    let august = format!("{year}-08");
    let period = format!("{year}-Q3");

    // At August's end 62 of the quarter's 92 days are behind it; the
    // September sale is not. P1: ¥62,000 projects to ¥92,000, 92% of
    // target, 2% retroactive = ¥1,840.00 for the quarter, accrued at the
    // rate on ¥62,000 = ¥1,240.00. P2: ¥31,000 → ¥46,000, 46%, 1% =
    // ¥460.00, accrued ¥310.00.
    let estimate = app.incentive_accruals(&mgr, Some(&august)).await.unwrap();
    assert_eq!(
        estimate.month_end,
        NaiveDate::from_ymd_opt(year, 8, 31).unwrap()
    );
    assert!(estimate.booked.is_none());
    assert_eq!(
        figures(&estimate),
        vec![(period.as_str(), 155_000, 230_000, None, 155_000, 2)]
    );
    let line = &estimate.lines[0];
    assert_eq!(
        (
            line.program_name.as_str(),
            line.accrued.as_str(),
            line.ended
        ),
        ("经销商季度返利", "1550.00", false)
    );
    assert_eq!(estimate.totals[0].movement, "1550.00");

    // Finance books August; the month then shows what was booked.
    let booked = app.book_incentive_accruals(&fin, &august).await.unwrap();
    assert_eq!(booked.booked.as_ref().unwrap().booked_by, "fin");
    assert_eq!(figures(&booked), figures(&estimate));
    assert_eq!(db.count("SELECT COUNT(*) FROM incentive_accruals").await, 1);
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'incentive_accruals' AND action = 'book'"
        )
        .await,
        1
    );

    // September ends the quarter: its actuals. P1 ¥112,000, 112%, 3% =
    // ¥3,360.00; P2 ¥31,000, 1% = ¥310.00. Moved ¥3,670.00 − ¥1,550.00.
    let september = app
        .incentive_accruals(&fin, Some(&format!("{year}-09")))
        .await
        .unwrap();
    assert_eq!(
        figures(&september),
        vec![(period.as_str(), 367_000, 367_000, Some(155_000), 212_000, 2)]
    );
    assert!(september.lines[0].ended);

    // The journal: one line, rebate expense against rebates payable.
    let xlsx = qudao_app::export::accruals_journal_xlsx(&september, true).unwrap();
    assert!(xlsx.starts_with(b"PK"));
}

async fn incentive_accruals_refusals_write_nothing(db: TestDb) {
    let (app, mgr, fin, year) = setup(&db).await;
    let august = format!("{year}-08");
    let rows = "SELECT COUNT(*) FROM incentive_accruals";

    // Only finance books; a rep does not even read.
    assert!(matches!(
        app.book_incentive_accruals(&mgr, &august).await,
        Err(AppError::Forbidden)
    ));
    let rep = app.caller_by_login("rep1").await.unwrap();
    assert!(matches!(
        app.incentive_accruals(&rep, Some(&august)).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(db.count(rows).await, 0);

    // A month that has not ended, or does not read, is refused at `month`.
    let this_month = qudao_domain::periods::Month::of(qudao_app::today()).to_string();
    let refused = |err: AppError| match err {
        AppError::Invalid(fields) => fields
            .into_iter()
            .map(|f| (f.field, f.problem))
            .collect::<Vec<_>>(),
        other => panic!("expected field problems, got {other:?}"),
    };
    assert_eq!(
        refused(
            app.book_incentive_accruals(&fin, &this_month)
                .await
                .unwrap_err()
        ),
        vec![(
            "month",
            Problem::Conflict {
                rule: "accrual_month_not_ended",
                with: this_month.clone()
            }
        )]
    );
    assert!(matches!(
        app.incentive_accruals(&fin, Some("2026-13")).await,
        Err(AppError::Invalid(_))
    ));

    // A month is booked once: the second booking is refused, nothing added.
    app.book_incentive_accruals(&fin, &august).await.unwrap();
    assert_eq!(
        refused(
            app.book_incentive_accruals(&fin, &august)
                .await
                .unwrap_err()
        ),
        vec![(
            "month",
            Problem::Conflict {
                rule: "accrual_month_booked",
                with: august.clone()
            }
        )]
    );
    assert_eq!(db.count(rows).await, 1);

    // A month without programs in force has nothing to book.
    let empty = format!("{}-01", year - 1);
    assert_eq!(
        refused(app.book_incentive_accruals(&fin, &empty).await.unwrap_err()),
        vec![(
            "month",
            Problem::Conflict {
                rule: "accrual_nothing_to_book",
                with: empty.clone()
            }
        )]
    );
    assert_eq!(db.count(rows).await, 1);
}
