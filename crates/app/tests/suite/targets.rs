//! Stories of targets: a cascade from the company down to partners with
//! exact sums, every refusal with nothing written, approval and amendment,
//! who sees what, and attainment from the fact engine, on both backends.

#![allow(clippy::wildcard_imports)]

use chrono::Datelike;
use qudao_app::export::{ExportKind, ExportQuery};
use qudao_app::imports::ImportKind;
use qudao_app::targets::{AmendInput, CascadeChild, CascadeInput, TargetInput, TargetNode};
use qudao_domain::Problem;
use qudao_domain::periods::Month;
use qudao_domain::targets::{Band, NeededPerDay, SubjectType, TargetStatus};

use super::*;

on_both_backends!(
    targets_cascade_from_company_to_partners_sums_exactly,
    targets_a_cascade_that_does_not_add_up_writes_nothing,
    targets_an_unknown_subject_is_refused_by_field,
    targets_approved_change_only_by_an_amendment_with_a_reason,
    targets_a_partner_sees_only_its_own,
    targets_attainment_counts_the_engines_facts,
    targets_last_years_share_comes_from_the_engine,
    targets_import_names_row_and_column_and_exports_back,
    targets_two_cascades_racing_for_one_child_one_wins,
    targets_a_channels_actual_and_the_projection_come_from_the_engine,
    targets_a_partner_reads_no_reason_nor_who_amended,
);

const AT: &str = "'2026-01-01T00:00:00+00:00'";

/// A manager, two distributors it owns (P1, P2) and one of another
/// manager (P3), a partner user of P1, and the built-in regions.
async fn setup(db: &TestDb) -> Qudao {
    let app = db.app().await;
    for (login, role) in [("mgr", "channel_manager"), ("other", "channel_manager")] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    for (code, owner) in [("P1", "mgr"), ("P2", "mgr"), ("P3", "other")] {
        app.create_partner(&system(), &partner(code, "distributor", None, Some(owner)))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("puser", "partner_user", Some("P1")))
        .await
        .unwrap();
    app.load_builtin_regions().await.unwrap();
    app
}

fn target(subject_type: &str, code: &str, value: &str) -> TargetInput {
    TargetInput {
        period: "2026".into(),
        subject_type: subject_type.into(),
        subject_code: Some(code.into()),
        measure: "sell_in_amount".into(),
        product_line: None,
        value: value.into(),
        version: None,
    }
}

fn children(subject_type: &str, parts: &[(&str, &str)]) -> Vec<CascadeChild> {
    parts
        .iter()
        .map(|(code, part)| CascadeChild {
            subject_type: subject_type.into(),
            subject_code: (*code).into(),
            part: Some((*part).into()),
        })
        .collect()
}

fn cascade(by: &str, children: Vec<CascadeChild>, remainder_to: Option<&str>) -> CascadeInput {
    CascadeInput {
        by: by.into(),
        children,
        remainder_to: remainder_to.map(str::to_owned),
        draft: false,
    }
}

fn rule_of(err: &AppError) -> (&'static str, &'static str, String) {
    match err {
        AppError::Invalid(problems) => match &problems[0].problem {
            Problem::Rule { rule } => (problems[0].field, *rule, String::new()),
            Problem::Conflict { rule, with } => (problems[0].field, *rule, with.clone()),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// (code, value) of a node's children.
fn figures(node: &TargetNode) -> Vec<(String, i64)> {
    node.children
        .iter()
        .map(|c| (c.target.subject_code.clone(), c.target.value))
        .collect()
}

fn child<'a>(node: &'a TargetNode, code: &str) -> &'a TargetNode {
    node.children
        .iter()
        .find(|c| c.target.subject_code == code)
        .unwrap_or_else(|| panic!("{code} under {:?}", node.target))
}

async fn targets_cascade_from_company_to_partners_sums_exactly(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let company = app
        .set_target(&mgr, &target("company", "", "1000.01"))
        .await
        .unwrap();
    assert_eq!(company.value, 100_001);
    // 33.33% of 100,001 is 33,330.33: each child gets the floor and the
    // one cent left goes to the stated child, the retailers.
    let channels = app
        .cascade_target(
            &mgr,
            company.id,
            &cascade(
                "percents",
                children(
                    "channel",
                    &[
                        ("distributor", "33.33"),
                        ("retailer", "33.33"),
                        ("agent", "33.34"),
                    ],
                ),
                Some("retailer"),
            ),
        )
        .await
        .unwrap();
    let values: Vec<i64> = channels.children.iter().map(|c| c.value).collect();
    assert_eq!(values, [33_330, 33_331, 33_340]);
    assert_eq!(values.iter().sum::<i64>(), 100_001);
    assert_eq!(channels.unallocated, 0);
    let distributors = channels.children[0].id;
    let regions = app
        .cascade_target(
            &mgr,
            distributors,
            &cascade(
                "amounts",
                children("region", &[("310000", "200.00"), ("320000", "133.30")]),
                None,
            ),
        )
        .await
        .unwrap();
    let shanghai = regions.children[0].id;
    assert_eq!(regions.children[1].value, 13_330);
    app.cascade_target(
        &mgr,
        shanghai,
        &cascade(
            "percents",
            children("partner", &[("P1", "33.33"), ("P2", "66.67")]),
            Some("P2"),
        ),
    )
    .await
    .unwrap();

    let tree = app.targets(&mgr, "2026", None).await.unwrap();
    assert_eq!(tree.len(), 1, "{tree:?}");
    let root = &tree[0];
    assert_eq!(root.target.subject_type, SubjectType::Company);
    assert_eq!(root.unallocated, Some(0));
    let distributor = child(root, "distributor");
    assert_eq!(
        figures(distributor),
        [("310000".to_owned(), 20_000), ("320000".to_owned(), 13_330)]
    );
    let sh = child(distributor, "310000");
    assert_eq!(sh.target.subject_name, "上海市");
    // 33.33% and 66.67% of 20,000 are whole: nothing is left over.
    assert_eq!(
        figures(sh),
        [("P1".to_owned(), 6_666), ("P2".to_owned(), 13_334)]
    );
    assert_eq!(sh.unallocated, Some(0));
    assert!(child(sh, "P1").target.subject_name.contains("P1"));

    // Cascading the region again must name every child it had.
    let err = app
        .cascade_target(
            &mgr,
            shanghai,
            &cascade("amounts", children("partner", &[("P1", "200.00")]), None),
        )
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("children", "cascade_child_left_out", "P2".to_owned())
    );
}

async fn targets_a_cascade_that_does_not_add_up_writes_nothing(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let parent = app
        .set_target(&mgr, &target("company", "", "100"))
        .await
        .unwrap();
    let count = "SELECT COUNT(*) FROM targets";
    let audits = "SELECT COUNT(*) FROM audit_log WHERE entity = 'target'";
    let (before, audited) = (db.count(count).await, db.count(audits).await);

    let over = cascade(
        "amounts",
        children("channel", &[("distributor", "60"), ("retailer", "40.01")]),
        None,
    );
    let err = app
        .cascade_target(&mgr, parent.id, &over)
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("children", "cascade_over_allocated", "¥0.01".to_owned())
    );
    let percents = cascade(
        "percents",
        children("channel", &[("distributor", "50"), ("retailer", "40")]),
        Some("distributor"),
    );
    let err = app
        .cascade_target(&mgr, parent.id, &percents)
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("children", "cascade_percent_not_100", "90.00".to_owned())
    );
    let no_remainder = cascade(
        "percents",
        children("channel", &[("distributor", "50"), ("retailer", "50")]),
        None,
    );
    let err = app
        .cascade_target(&mgr, parent.id, &no_remainder)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(p) if p[0].field == "remainder_to"),
        "{err:?}"
    );
    assert_eq!(db.count(count).await, before);
    assert_eq!(db.count(audits).await, audited);

    // A draft keeps what was typed and says what is left; it cannot be
    // approved until it adds up.
    let under = CascadeInput {
        draft: true,
        ..cascade(
            "amounts",
            children("channel", &[("distributor", "60"), ("retailer", "30")]),
            None,
        )
    };
    let draft = app.cascade_target(&mgr, parent.id, &under).await.unwrap();
    assert_eq!(draft.unallocated, 1_000);
    let err = app.approve_target(&mgr, parent.id).await.unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("children", "cascade_under_allocated", "¥10.00".to_owned())
    );
    let tree = app.targets(&mgr, "2026", None).await.unwrap();
    assert_eq!(tree[0].unallocated, Some(1_000));
}

async fn targets_an_unknown_subject_is_refused_by_field(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    for (kind, code) in [
        ("partner", "NOPE"),
        // Another manager's partner does not exist for this one.
        ("partner", "P3"),
        ("region", "999999"),
        ("channel", "wholesaler"),
        ("rep", "mgr"),
    ] {
        let err = app
            .set_target(&mgr, &target(kind, code, "100"))
            .await
            .unwrap_err();
        assert_eq!(
            rule_of(&err),
            ("subject_code", "target_subject_unknown", code.to_owned()),
            "{kind} {code}"
        );
    }
    let err = app
        .set_target(
            &mgr,
            &TargetInput {
                period: "2026-13".into(),
                ..target("company", "", "100")
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(p) if p[0].field == "period"),
        "{err:?}"
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM targets").await, 0);
}

async fn targets_approved_change_only_by_an_amendment_with_a_reason(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let set = app
        .set_target(&mgr, &target("partner", "P1", "5000"))
        .await
        .unwrap();
    let approved = app.approve_target(&mgr, set.id).await.unwrap();
    assert_eq!(approved.status, TargetStatus::Approved);
    let err = app
        .set_target(&mgr, &target("partner", "P1", "6000"))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&err).1, "target_locked");
    let err = app
        .amend_target(
            &mgr,
            set.id,
            &AmendInput {
                value: "6000".into(),
                reason: "  ".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("reason", "amendment_reason_required", String::new())
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM target_amendments").await, 0);
    let amended = app
        .amend_target(
            &mgr,
            set.id,
            &AmendInput {
                value: "6000".into(),
                reason: "新门店开业".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(amended.value, 600_000);
    assert_eq!(amended.status, TargetStatus::Approved);
    let (view, amendments) = app.target(&mgr, set.id).await.unwrap();
    assert_eq!(view.value, 600_000);
    assert_eq!(amendments.len(), 1);
    assert_eq!(
        (amendments[0].old_value, amendments[0].new_value),
        (500_000, 600_000)
    );
    assert_eq!(amendments[0].reason, "新门店开业");
    assert_eq!(amendments[0].by, "mgr");
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'target' AND action = 'amend' \
             AND after_json LIKE '%新门店开业%'"
        )
        .await,
        1
    );
}

async fn targets_a_partner_sees_only_its_own(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let company = app
        .set_target(&mgr, &target("company", "", "300"))
        .await
        .unwrap();
    app.cascade_target(
        &mgr,
        company.id,
        &cascade(
            "amounts",
            children("partner", &[("P1", "100"), ("P2", "200")]),
            None,
        ),
    )
    .await
    .unwrap();
    let other = app.caller_by_login("other").await.unwrap();
    let p3 = app
        .set_target(&other, &target("partner", "P3", "50"))
        .await
        .unwrap();

    let puser = app.caller_by_login("puser").await.unwrap();
    // A plan in draft is ours: the partner reads its target once approved.
    assert!(app.targets(&puser, "2026", None).await.unwrap().is_empty());
    let p1 = app.targets(&mgr, "2026", None).await.unwrap()[0]
        .children
        .iter()
        .find(|c| c.target.subject_code == "P1")
        .unwrap()
        .target
        .id;
    assert!(matches!(
        app.target(&puser, p1).await,
        Err(AppError::NotFound(_))
    ));
    app.approve_target(&mgr, p1).await.unwrap();
    let seen = app.targets(&puser, "2026", None).await.unwrap();
    let codes: Vec<&str> = seen
        .iter()
        .map(|n| n.target.subject_code.as_str())
        .collect();
    assert_eq!(codes, ["P1"]);
    assert!(seen[0].children.is_empty());
    assert!(matches!(
        app.target(&puser, company.id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.target(&puser, p3.id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.set_target(&puser, &target("partner", "P1", "1")).await,
        Err(AppError::Forbidden)
    ));
    // The manager sees its own partners' targets, not the other's.
    let tree = app.targets(&mgr, "2026", None).await.unwrap();
    let codes: Vec<&str> = tree
        .iter()
        .map(|n| n.target.subject_code.as_str())
        .collect();
    assert_eq!(codes, [""]);
    assert_eq!(tree[0].children.len(), 2);
    assert!(matches!(
        app.approve_target(&mgr, p3.id).await,
        Err(AppError::NotFound(_))
    ));
}

/// A sell-in line written raw, as history imported long ago would be.
async fn sold(db: &TestDb, partner: &str, on: chrono::NaiveDate, minor: i64) {
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{on}', 3, {minor}, 'CNY', 'import', {AT} \
         FROM partners p, products g WHERE p.code = '{partner}' AND g.sku = 'TEA-1'"
    ))
    .await;
}

async fn targets_last_years_share_comes_from_the_engine(db: TestDb) {
    let app = setup(&db).await;
    tea_product(&db).await;
    let today = qudao_app::today();
    let a_year_ago = chrono::NaiveDate::from_ymd_opt(today.year() - 1, today.month(), 1).unwrap();
    sold(&db, "P1", a_year_ago, 30_000).await;
    sold(&db, "P2", a_year_ago, 10_000).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let company = app
        .set_target(
            &mgr,
            &TargetInput {
                period: today.year().to_string(),
                ..target("company", "", "100.01")
            },
        )
        .await
        .unwrap();
    let shares = CascadeInput {
        by: "last_year".into(),
        children: ["P1", "P2"]
            .iter()
            .map(|code| CascadeChild {
                subject_type: "partner".into(),
                subject_code: (*code).into(),
                part: None,
            })
            .collect(),
        remainder_to: Some("P1".into()),
        draft: false,
    };
    let done = app.cascade_target(&mgr, company.id, &shares).await.unwrap();
    // 3 : 1 of 10,001 fen is 7,500.75 and 2,500.25: the floors, and the
    // one fen left to P1.
    let values: Vec<i64> = done.children.iter().map(|c| c.value).collect();
    assert_eq!(values, [7_501, 2_500]);
}

async fn targets_attainment_counts_the_engines_facts(db: TestDb) {
    let app = setup(&db).await;
    tea_product(&db).await;
    let today = qudao_app::today();
    for (code, minor) in [("P1", 30_000), ("P2", 20_000)] {
        sold(&db, code, today, minor).await;
    }
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let month = Month::of(today).to_string();
    let company = app
        .set_target(
            &mgr,
            &TargetInput {
                period: month.clone(),
                ..target("company", "", "400")
            },
        )
        .await
        .unwrap();
    app.cascade_target(
        &mgr,
        company.id,
        &cascade(
            "amounts",
            children("partner", &[("P1", "350"), ("P2", "50")]),
            None,
        ),
    )
    .await
    .unwrap();

    let tree = app.attainment(&mgr, &month, None).await.unwrap();
    let root = &tree[0];
    let a = root.attainment.unwrap();
    assert_eq!((a.target, a.actual, a.variance), (40_000, 50_000, 10_000));
    assert_eq!(a.band, Band::Green);
    assert_eq!(root.needed_per_day, Some(NeededPerDay::Met));
    let node = |code: &str| {
        root.children
            .iter()
            .find(|c| c.target.subject_code == code)
            .unwrap_or_else(|| panic!("{code}"))
            .clone()
    };
    let p1 = node("P1");
    let a1 = p1.attainment.unwrap();
    assert_eq!(
        (a1.target, a1.actual, a1.variance),
        (35_000, 30_000, -5_000)
    );
    assert_eq!(a1.percent.unwrap().normalize().to_string(), "85.71");
    assert_eq!(a1.band, Band::Amber);
    let last_day = Month::of(today).last_day();
    let days_left = (last_day - today).num_days();
    let expected = if days_left == 0 {
        NeededPerDay::PeriodOver
    } else {
        NeededPerDay::PerDay {
            amount: (5_000 + days_left - 1) / days_left,
            days_left,
        }
    };
    assert_eq!(p1.needed_per_day, Some(expected));
    let a2 = node("P2").attainment.unwrap();
    assert_eq!(a2.percent.unwrap().normalize().to_string(), "400");

    // The partner's own view: only its node, with what it still needs.
    let p1_id = p1.target.id;
    app.approve_target(&mgr, p1_id).await.unwrap();
    let puser = app.caller_by_login("puser").await.unwrap();
    let own = app.attainment(&puser, &month, None).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].attainment.unwrap().actual, 30_000);
}

/// A channel's actual is its partners' sum, asked once split by channel;
/// the projection adds the forecast of the months left to the actual to
/// date, and a period that is over has none.
async fn targets_a_channels_actual_and_the_projection_come_from_the_engine(db: TestDb) {
    let app = setup(&db).await;
    tea_product(&db).await;
    let today = qudao_app::today();
    let this_month = Month::of(today);
    // Two years of steady sales for P1, a first sale this month for P2.
    let mut month = this_month;
    for _ in 0..24 {
        month = month.previous();
        sold(&db, "P1", month.first_day(), 10_000).await;
    }
    sold(&db, "P1", today, 4_000).await;
    sold(&db, "P2", today, 1_000).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let year = this_month.year().to_string();
    let channel = app
        .set_target(
            &mgr,
            &TargetInput {
                period: year.clone(),
                ..target("channel", "distributor", "2000")
            },
        )
        .await
        .unwrap();
    let tree = app.attainment(&mgr, &year, None).await.unwrap();
    let node = tree.iter().find(|n| n.target.id == channel.id).unwrap();
    let months_so_far = i64::from(this_month.month()) - 1;
    let to_date = months_so_far * 10_000 + 5_000;
    assert_eq!(node.attainment.unwrap().actual, to_date);

    let projection = app
        .target_projection(&mgr, channel.id)
        .await
        .unwrap()
        .expect("the year is not over");
    assert_eq!(projection.months.first().map(|(m, _)| *m), Some(this_month));
    assert_eq!(
        projection.months.len(),
        usize::try_from(13 - this_month.month()).unwrap()
    );
    // A flat history forecasts about 10,000 a month; this month has 5,000
    // counted already, and the forecast adds only what is left of it.
    let adds: i64 = projection.months.iter().map(|(_, v)| v).sum();
    assert_eq!(projection.attainment.actual, to_date + adds);
    assert!(projection.months.iter().all(|(_, v)| *v >= 0));
    let later = projection.months.iter().skip(1).map(|(_, v)| *v);
    assert!(
        later.clone().all(|v| (9_000..=11_000).contains(&v)),
        "{projection:?}"
    );

    let last_year = app
        .set_target(
            &mgr,
            &TargetInput {
                period: (this_month.year() - 1).to_string(),
                ..target("channel", "distributor", "2000")
            },
        )
        .await
        .unwrap();
    assert_eq!(
        app.target_projection(&mgr, last_year.id).await.unwrap(),
        None
    );
}

/// Our reasons for amending a partner's target, and who on our side did,
/// stay ours: the partner reads the figures and when.
async fn targets_a_partner_reads_no_reason_nor_who_amended(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let p1 = app
        .set_target(&mgr, &target("partner", "P1", "100"))
        .await
        .unwrap();
    app.approve_target(&mgr, p1.id).await.unwrap();
    let amend = AmendInput {
        value: "120".into(),
        reason: "区域调整".into(),
    };
    app.amend_target(&mgr, p1.id, &amend).await.unwrap();
    let (_, ours) = app.target(&mgr, p1.id).await.unwrap();
    assert_eq!(
        (
            ours[0].reason.as_str(),
            ours[0].by.as_str(),
            ours[0].by_name.is_empty()
        ),
        ("区域调整", "mgr", false)
    );
    let puser = app.caller_by_login("puser").await.unwrap();
    let (_, theirs) = app.target(&puser, p1.id).await.unwrap();
    assert_eq!((theirs[0].old_value, theirs[0].new_value), (10_000, 12_000));
    assert_eq!(
        (
            theirs[0].reason.as_str(),
            theirs[0].by.as_str(),
            theirs[0].by_name.as_str()
        ),
        ("", "", "")
    );
}

async fn targets_import_names_row_and_column_and_exports_back(db: TestDb) {
    let app = setup(&db).await;
    let kind = ImportKind::parse("targets").unwrap();
    let bad = "period,subject_type,subject_code,measure,product_line,value\n\
               2026,partner,P1,sell_in_amount,,100\n\
               2026,partner,NOPE,sell_in_amount,,100\n\
               2026,company,,sell_in_amount,,abc\n\
               2026,partner,P1,sell_in_amount,,200\n";
    let report = app
        .import(&system(), kind, "t.csv", bad.as_bytes(), false)
        .await
        .unwrap();
    let found: Vec<(Option<usize>, Option<&str>, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref(), e.field.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(3), Some("subject_code"), "subject_code"),
            (Some(4), Some("value"), "value"),
            (Some(5), Some("subject_code"), "subject_code"),
        ],
        "{:?}",
        report.errors
    );
    assert_eq!(
        report.errors[2].problem,
        Problem::Conflict {
            rule: "target_row_twice",
            with: "2".into()
        }
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM targets").await, 0);

    let good = "期间,对象类型,对象编码,指标,产品线,目标值\n\
                2026,公司,,进货金额,,1000\n\
                2026,合作伙伴,P1,进货金额,,400.50\n";
    let report = app
        .import(&system(), kind, "t.csv", good.as_bytes(), false)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(report.created, 2);
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let tree = app.targets(&mgr, "2026", None).await.unwrap();
    let values: Vec<(&str, i64)> = tree
        .iter()
        .map(|n| (n.target.subject_code.as_str(), n.target.value))
        .collect();
    assert_eq!(values, [("", 100_000), ("P1", 40_050)]);

    // The Chinese export is an import file of the same targets.
    let export = ExportKind::parse("targets").unwrap();
    let query = ExportQuery {
        filters: vec![("period".into(), "2026".into())],
        chinese: true,
        ..ExportQuery::default()
    };
    let xlsx = app.export(&system(), export, &query).await.unwrap();
    let again = app
        .import(&system(), kind, "targets.xlsx", &xlsx, true)
        .await
        .unwrap();
    assert!(again.ok(), "{:?}", again.errors);
    assert_eq!(again.rows, 2);
}

/// Two parents cascaded at once into the same partner: the child belongs
/// to one of them, the other cascade is refused and writes nothing.
async fn targets_two_cascades_racing_for_one_child_one_wins(db: TestDb) {
    let app = setup(&db).await;
    let (one, two) = (db.app().await, db.app().await);
    let mgr = app.caller_by_login("mgr").await.unwrap();
    for month in 1..=10 {
        let period = format!("2026-{month:02}");
        let mut parents = Vec::new();
        for (kind, code) in [("company", ""), ("channel", "distributor")] {
            let set = app
                .set_target(
                    &mgr,
                    &TargetInput {
                        period: period.clone(),
                        ..target(kind, code, "100")
                    },
                )
                .await
                .unwrap();
            parents.push(set.id);
        }
        let input = cascade("amounts", children("partner", &[("P1", "100")]), None);
        let race = |app: Qudao, parent: i64| {
            let (mgr, input) = (mgr.clone(), input.clone());
            tokio::spawn(async move { app.cascade_target(&mgr, parent, &input).await })
        };
        let (a, b) = tokio::join!(race(one.clone(), parents[0]), race(two.clone(), parents[1]));
        let outcomes = [a.unwrap(), b.unwrap()];
        let won = outcomes.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "{period}: {outcomes:?}");
        for lost in outcomes.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(rule_of(lost).1, "cascade_child_elsewhere", "{period}");
        }
        assert_eq!(
            db.count(&format!(
                "SELECT COUNT(*) FROM targets WHERE period = '{period}' AND partner_id IS NOT NULL"
            ))
            .await,
            1
        );
    }
}
