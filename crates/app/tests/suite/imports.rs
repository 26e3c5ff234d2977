//! Stories of imports, on both backends.

#![allow(clippy::wildcard_imports)]

use super::*;

on_both_backends!(imports_are_all_or_nothing,);

async fn imports_are_all_or_nothing(db: TestDb) {
    use qudao_app::imports::ImportKind;
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    // Chinese headers, GBK as Excel writes it, a child listed before its parent.
    let text = "编码,名称,类型,上级编码,区域编码,信用额度,币种\n\
                S2,深圳二级零售,retailer,S1,440300,\"1,000.50\",CNY\n\
                S1,深圳一级经销,distributor,,440300,200000,CNY\n\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let dry = app
        .import(&manager, ImportKind::Partners, "shenzhen.csv", &gbk, true)
        .await
        .unwrap();
    assert!(dry.ok(), "{:?}", dry.errors);
    assert_eq!((dry.rows, dry.created), (2, 0));
    assert_eq!(
        partner_total(&app, &system()).await,
        0,
        "a dry run writes nothing"
    );
    let done = app
        .import(&manager, ImportKind::Partners, "shenzhen.csv", &gbk, false)
        .await
        .unwrap();
    assert_eq!((done.created, done.errors.len()), (2, 0));
    let child = app.partner(&manager, "S2").await.unwrap();
    assert_eq!(child.partner.parent_code.as_deref(), Some("S1"));
    assert_eq!(child.credit_limit.as_deref(), Some("1000.50"));
    assert_eq!(child.region_name.as_deref(), Some("深圳市"));

    // The list exported to xlsx imports into an empty database as the same partners.
    let exported = app
        .export_partners(
            &manager,
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
        )
        .await
        .unwrap();
    let file = qudao_app::export::to_xlsx(&exported).unwrap();
    let other = TestDb::sqlite().await;
    let copy = other.app().await;
    copy.load_builtin_regions().await.unwrap();
    copy.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let report = copy
        .import(&system(), ImportKind::Partners, "export.xlsx", &file, false)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    let mut again = copy
        .export_partners(
            &system(),
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
        )
        .await
        .unwrap();
    for row in &mut again {
        row.owner_login = Some("manager".into());
    }
    assert_eq!(again, exported, "export → import round-trips");

    // Every kind of bad row is reported with its row and column; nothing is written.
    let bad = "\u{feff}code,name,partner_type,parent_code,region_code,credit_limit\n\
               S1,taken,agent,,,\n\
               T1,ok,agent,NOPE,,\n\
               T2,loop a,agent,T3,,\n\
               T3,loop b,agent,T2,,\n\
               T4,bad,wholesaler,,999999,12.345\n\
               T4,again,agent,,,\n";
    let report = app
        .import(
            &manager,
            ImportKind::Partners,
            "bad.csv",
            bad.as_bytes(),
            false,
        )
        .await
        .unwrap();
    let found: Vec<(Option<usize>, Option<&str>)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(2), Some("code")),
            (Some(3), Some("parent_code")),
            (Some(6), Some("partner_type")),
            (Some(6), Some("region_code")),
            (Some(6), Some("credit_limit")),
            (Some(7), Some("code")),
        ],
        "{:#?}",
        report.errors
    );
    let cycle = "code,name,partner_type,parent_code\nT2,loop a,agent,T3\nT3,loop b,agent,T2\n";
    let report = app
        .import(
            &manager,
            ImportKind::Partners,
            "cycle.csv",
            cycle.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert!(report.errors.iter().all(|e| e.field == "parent_code"));
    assert_eq!(
        partner_total(&app, &system()).await,
        2,
        "rejected files wrote nothing"
    );

    // Contacts of partners in scope; someone else's partner does not exist.
    app.create_partner(&system(), &partner("X1", "agent", None, None))
        .await
        .unwrap();
    let contacts = "partner_code,name,role,phone,email\nS1,王伟,采购,13800000000,\nX1,李娜,财务,,li@example.cn\n";
    let report = app
        .import(
            &manager,
            ImportKind::Contacts,
            "c.csv",
            contacts.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].row, Some(3));
    assert!(
        app.partner(&manager, "S1")
            .await
            .unwrap()
            .contacts
            .is_empty()
    );
    // Grades by code; an unknown grade is named.
    let graded = "code,name,partner_type,grade\nG1,graded,agent,gold\nG2,bad grade,agent,diamond\n";
    let report = app
        .import(
            &manager,
            ImportKind::Partners,
            "g.csv",
            graded.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        report
            .errors
            .iter()
            .map(|e| (e.row, e.field.as_str()))
            .collect::<Vec<_>>(),
        [(Some(3), "grade")]
    );
    let graded = "code,name,partner_type,grade\nG1,graded,agent,gold\n";
    app.import(
        &manager,
        ImportKind::Partners,
        "g.csv",
        graded.as_bytes(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        app.partner_grade(&manager, "G1")
            .await
            .unwrap()
            .grade
            .map(|g| g.code),
        Some("gold".to_owned())
    );

    // The list filters by grade and by region (a province holds its cities).
    let codes = |filter: PartnerFilter| {
        let app = app.clone();
        let manager = manager.clone();
        async move {
            app.list_partners(
                &manager,
                &filter,
                PartnerSort::Code,
                SortDir::Asc,
                PageRequest::export(),
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|p| (p.code, p.region_code, p.grade))
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        codes(PartnerFilter {
            grade_code: Some("gold".into()),
            ..Default::default()
        })
        .await,
        [("G1".to_owned(), None, Some("gold".to_owned()))]
    );
    let guangdong = codes(PartnerFilter {
        region_code: Some("440000".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(
        guangdong
            .iter()
            .map(|(code, region, _)| (code.as_str(), region.as_deref()))
            .collect::<Vec<_>>(),
        [("S1", Some("440300")), ("S2", Some("440300"))]
    );
    assert!(
        codes(PartnerFilter {
            region_code: Some("110000".into()),
            ..Default::default()
        })
        .await
        .is_empty()
    );

    // Own regions (parents earlier in the file) and authorizations, each
    // checked against the rows above it: the second exclusive right collides.
    let regions = "编码,名称,上级区域编码\nSZ-EAST,深圳东区,440300\nSZ-EAST-1,罗湖片区,SZ-EAST\n";
    let report = app
        .import(
            &system(),
            ImportKind::Regions,
            "r.csv",
            regions.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        (report.created, report.errors.len()),
        (2, 0),
        "{:?}",
        report.errors
    );
    let rights = "partner_code,region_code,product_line,mode,valid_from,valid_to\n\
                  S1,SZ-EAST,TEA,exclusive,2026-01-01,2026-12-31\n\
                  S2,SZ-EAST-1,TEA,intensive,2026-06-01,2027-05-31\n";
    let report = app
        .import(
            &manager,
            ImportKind::Authorizations,
            "a.csv",
            rights.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].row, Some(3));
    assert!(
        report.errors[0].message.contains("AU"),
        "{:?}",
        report.errors[0]
    );
    let rights = "partner_code,region_code,product_line,mode,valid_from,valid_to\nS1,SZ-EAST,TEA,exclusive,2026-01-01,2026-12-31\n";
    let report = app
        .import(
            &manager,
            ImportKind::Authorizations,
            "a.csv",
            rights.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.created, 1);

    let contacts = "partner_code,name,role,phone\nS1,王伟,采购,13800000000\n";
    let report = app
        .import(
            &manager,
            ImportKind::Contacts,
            "c.csv",
            contacts.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(app.partner(&manager, "S1").await.unwrap().contacts.len(), 1);
}
