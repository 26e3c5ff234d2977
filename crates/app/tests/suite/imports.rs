//! Stories of imports, on both backends.

#![allow(clippy::wildcard_imports)]

use super::*;

on_both_backends!(
    imports_are_all_or_nothing,
    a_row_under_a_refused_parent_names_that_row,
    upsert_updates_existing_partners_and_lists_the_changes,
    a_large_partner_file_imports_in_one_go,
    an_imported_partner_has_one_audit_record_with_its_grade_and_client,
    a_large_authorization_file_is_checked_row_by_row_in_memory,
    exports_come_from_one_registry_with_the_lists_filters,
);

fn kind(name: &str) -> qudao_app::imports::ImportKind {
    qudao_app::imports::ImportKind::parse(name).expect("a registered import kind")
}

async fn imports_are_all_or_nothing(db: TestDb) {
    let app = db.app().await;
    lines(&app, &["TEA"]).await;
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
        .import(&manager, kind("partners"), "shenzhen.csv", &gbk, true)
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
        .import(&manager, kind("partners"), "shenzhen.csv", &gbk, false)
        .await
        .unwrap();
    assert_eq!((done.created, done.errors.len()), (2, 0));
    let child = app.partner(&manager, "S2").await.unwrap();
    assert_eq!(child.partner.parent_code.as_deref(), Some("S1"));
    assert_eq!(child.credit_limit.as_deref(), Some("1000.50"));
    assert_eq!(child.partner.region_name.as_deref(), Some("深圳市"));

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
    // In Chinese: the headers and words of the Chinese UI import back too.
    let file = qudao_app::export::to_xlsx(&exported, true).unwrap();
    let other = TestDb::sqlite().await;
    let copy = other.app().await;
    copy.load_builtin_regions().await.unwrap();
    copy.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let report = copy
        .import(&system(), kind("partners"), "export.xlsx", &file, false)
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
        .import(&manager, kind("partners"), "bad.csv", bad.as_bytes(), false)
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
            kind("partners"),
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
            kind("contacts"),
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
            kind("partners"),
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
        kind("partners"),
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
            kind("regions"),
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
            kind("authorizations"),
            "a.csv",
            rights.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].row, Some(3));
    // The right in the way is a row of the same file, named by its row.
    assert!(
        report.errors[0].message.contains("#2 (S1 深圳东区"),
        "{:?}",
        report.errors[0]
    );
    let rights = "partner_code,region_code,product_line,mode,valid_from,valid_to\nS1,SZ-EAST,TEA,exclusive,2026-01-01,2026-12-31\n";
    let report = app
        .import(
            &manager,
            kind("authorizations"),
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
            kind("contacts"),
            "c.csv",
            contacts.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(app.partner(&manager, "S1").await.unwrap().contacts.len(), 1);
}

async fn a_row_under_a_refused_parent_names_that_row(db: TestDb) {
    let app = db.app().await;
    // A chain seven deep: the seventh is one level too deep, the eighth
    // hangs under the refused seventh.
    let mut file = String::from("code,name,partner_type,parent_code\n");
    for i in 1..=8 {
        let parent = if i == 1 {
            String::new()
        } else {
            format!("C{}", i - 1)
        };
        file.push_str(&format!("C{i},chain {i},agent,{parent}\n"));
    }
    let report = app
        .import(
            &system(),
            kind("partners"),
            "chain.csv",
            file.as_bytes(),
            false,
        )
        .await
        .unwrap();
    let found: Vec<(Option<usize>, &qudao_domain::Problem)> =
        report.errors.iter().map(|e| (e.row, &e.problem)).collect();
    assert_eq!(
        found,
        [
            (
                Some(8),
                &qudao_domain::Problem::Limit {
                    rule: "partner_max_depth",
                    max: 6
                }
            ),
            (
                Some(9),
                &qudao_domain::Problem::Conflict {
                    rule: "parent_refused",
                    with: "8".into()
                }
            ),
        ]
    );
    assert_eq!(partner_total(&app, &system()).await, 0);
}

async fn upsert_updates_existing_partners_and_lists_the_changes(db: TestDb) {
    use qudao_app::imports::{FieldChange, ImportMode, ImportOptions};
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    let first = "code,name,partner_type,region_code,credit_limit\n\
                 U1,first name,agent,310000,100\n\
                 U2,kept,retailer,,\n";
    let report = app
        .import(
            &system(),
            kind("partners"),
            "u.csv",
            first.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    let again = "code,name,partner_type,region_code,credit_limit\n\
                 U1,new name,agent,440300,100.50\n\
                 U2,kept,retailer,,\n\
                 U3,brand new,agent,,\n";
    // The default stays create-only: taken codes are refused.
    let refused = app
        .import(
            &system(),
            kind("partners"),
            "u.csv",
            again.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        refused.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        [Some(2), Some(3)]
    );
    let upsert = ImportOptions {
        dry_run: false,
        mode: ImportMode::Upsert,
        ..ImportOptions::default()
    };
    let report = app
        .import_with(
            &system(),
            kind("partners"),
            "u.csv",
            again.as_bytes(),
            upsert,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!((report.created, report.unchanged), (1, 1));
    assert_eq!(report.updated.len(), 1);
    assert_eq!(report.updated[0].code, "U1");
    assert_eq!(
        report.updated[0].changes,
        [
            FieldChange {
                field: "name",
                before: Some("first name".into()),
                after: Some("new name".into())
            },
            FieldChange {
                field: "region_code",
                before: Some("310000".into()),
                after: Some("440300".into())
            },
            FieldChange {
                field: "credit_limit",
                before: Some("100.00".into()),
                after: Some("100.50".into())
            },
        ]
    );
    let u1 = app.partner(&system(), "U1").await.unwrap();
    assert_eq!(u1.partner.name, "new name");
    assert_eq!(partner_total(&app, &system()).await, 3);
    // A row may not move its partner in the tree; nothing is written.
    let moves = "code,name,partner_type,parent_code\nU2,kept,retailer,U1\nU1,newer,agent,\n";
    let report = app
        .import_with(
            &system(),
            kind("partners"),
            "m.csv",
            moves.as_bytes(),
            upsert,
        )
        .await
        .unwrap();
    assert_eq!(
        report
            .errors
            .iter()
            .map(|e| (e.row, e.field.as_str()))
            .collect::<Vec<_>>(),
        [(Some(2), "parent_code")]
    );
    assert_eq!(
        app.partner(&system(), "U1").await.unwrap().partner.name,
        "new name"
    );
}

async fn a_large_partner_file_imports_in_one_go(db: TestDb) {
    let app = db.app().await;
    // 6,000 rows, children listed before their parents, every one graded:
    // more than one batch (`bulk::insert`: 2,000 to 5,000 rows a SQLite
    // statement, 5,000 a `COPY` message) of every table the import writes.
    let mut file = String::from("code,name,partner_type,parent_code,grade\n");
    for i in 0..5_400 {
        file.push_str(&format!("K{i},child {i},retailer,T{},silver\n", i % 600));
    }
    for i in 0..600 {
        file.push_str(&format!("T{i},tier one {i},distributor,,gold\n"));
    }
    let report = app
        .import(
            &system(),
            kind("partners"),
            "big.csv",
            file.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert!(
        report.ok(),
        "{:?}",
        &report.errors[..report.errors.len().min(3)]
    );
    assert_eq!(report.created, 6_000);
    assert_eq!(partner_total(&app, &system()).await, 6_000);
    let child = app.partner(&system(), "K601").await.unwrap();
    assert_eq!(child.partner.parent_code.as_deref(), Some("T1"));
    assert_eq!(child.partner.depth, 2);
    assert_eq!(child.partner.grade.as_deref(), Some("silver"));
    let under = app
        .list_partners(
            &system(),
            &PartnerFilter {
                parent_id: None,
                text: Some("K".into()),
                ..PartnerFilter::default()
            },
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(under.total, 5_400);
}

async fn an_imported_partner_has_one_audit_record_with_its_grade_and_client(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("admin", "admin", None))
        .await
        .unwrap();
    let origin = Origin::new("198.51.100.7".parse().ok(), Some("importer/2.0"));
    let (admin, _) = app.login("admin", PASSWORD, &origin).await.unwrap();
    let report = app
        .import(
            &admin,
            kind("partners"),
            "graded.csv",
            b"code,name,partner_type,grade\nP1,one,distributor,gold\n",
            false,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    let log = app
        .list_audit(
            &admin,
            &qudao_app::audit::Filter {
                entity_key: Some("P1".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    let seen: Vec<(&str, Option<&str>, Option<&str>)> = log
        .items
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.client_address.as_deref(),
                e.user_agent.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [("import", Some("198.51.100.7"), Some("importer/2.0"))],
        "one record per imported partner, with the importer's client"
    );
    assert_eq!(
        log.items[0]
            .after
            .as_ref()
            .and_then(|a| a["grade"].as_str()),
        Some("gold"),
        "the import record names the grade"
    );
}

async fn a_large_authorization_file_is_checked_row_by_row_in_memory(db: TestDb) {
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    lines(&app, &["TEA"]).await;
    let mut partners = String::from("code,name,partner_type\n");
    for i in 0..150 {
        partners.push_str(&format!("P{i},partner {i},agent\n"));
    }
    let mut regions = String::from("code,name,parent_code\n");
    for i in 0..200 {
        regions.push_str(&format!("R{i},region {i},CN\n"));
    }
    for (name, text) in [("partners", partners), ("regions", regions)] {
        let report = app
            .import(&system(), kind(name), "f.csv", text.as_bytes(), false)
            .await
            .unwrap();
        assert!(report.ok(), "{name}: {:?}", report.errors);
    }
    // 600 rights on one line, three partners in each of 200 regions; then an
    // exclusive right where another partner already holds one (row 7).
    let mut rights =
        String::from("partner_code,region_code,product_line,mode,valid_from,valid_to\n");
    for i in 0..600 {
        rights.push_str(&format!(
            "P{},R{},TEA,intensive,2026-01-01,2026-12-31\n",
            i / 4,
            i % 200
        ));
    }
    let clean = rights.clone();
    rights.push_str("P0,R5,TEA,exclusive,2026-06-01,2026-06-30\n");
    let report = app
        .import(
            &system(),
            kind("authorizations"),
            "a.csv",
            rights.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        report.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        [Some(602)],
        "{:?}",
        report.errors
    );
    assert!(
        report.errors[0].message.contains("#7 (P1 region 5"),
        "{:?}",
        report.errors[0]
    );
    let report = app
        .import(
            &system(),
            kind("authorizations"),
            "a.csv",
            clean.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(report.created, 600);
    // Stored rights are in the index of the next file: a second exclusive
    // grant in R5 names the stored right in the way by its code.
    let again = "partner_code,region_code,product_line,mode,valid_from,valid_to\n\
                 P0,R5,TEA,exclusive,2026-06-01,2026-06-30\n";
    let report = app
        .import(
            &system(),
            kind("authorizations"),
            "b.csv",
            again.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0].message.contains("AU"),
        "{:?}",
        report.errors[0]
    );
}

async fn exports_come_from_one_registry_with_the_lists_filters(db: TestDb) {
    use qudao_app::export::{ExportKind, ExportQuery};
    let app = db.app().await;
    let file = "code,name,partner_type,status\nE1,one,agent,active\nE2,two,agent,prospect\nE3,three,retailer,prospect\n";
    let report = app
        .import(&system(), kind("partners"), "e.csv", file.as_bytes(), false)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    let partners = ExportKind::parse("partners").unwrap();
    assert!(partners.filters().contains(&"status"));
    let query = ExportQuery {
        filters: vec![("status".into(), "prospect".into())],
        sort: Some("name".into()),
        dir: SortDir::Desc,
        ..ExportQuery::default()
    };
    let xlsx = app.export(&system(), partners, &query).await.unwrap();
    // The workbook is a partner import file holding just the filtered rows.
    let other = TestDb::sqlite().await;
    let copy = other.app().await;
    let report = copy
        .import(&system(), kind("partners"), "export.xlsx", &xlsx, true)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(report.rows, 2);
    // Every registered list exports for an administrator.
    for kind in ExportKind::ALL {
        app.export(&system(), *kind, &ExportQuery::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", kind.name()));
    }
}
