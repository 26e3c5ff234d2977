//! Stories of Chinese-first files: values in either language, a file of
//! another kind, and a template's sample row left in.

#![allow(clippy::wildcard_imports)]

use super::*;
use qudao_domain::Problem;

on_both_backends!(
    chinese_words_import_like_codes,
    a_file_of_another_kind_is_one_error_with_the_expected_headers,
    a_templates_sample_row_is_refused,
);

fn kind(name: &str) -> qudao_app::imports::ImportKind {
    qudao_app::imports::ImportKind::parse(name).expect("a registered import kind")
}

async fn manager_of(app: &Qudao) -> Caller {
    app.load_builtin_regions().await.unwrap();
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    app.caller_by_login("manager").await.unwrap()
}

async fn chinese_words_import_like_codes(db: TestDb) {
    let app = db.app().await;
    let manager = manager_of(&app).await;
    lines(&app, &["TEA"]).await;
    let text = "编码,名称,类型,等级,状态,区域编码\n\
                Z1,中文经销,经销商,金牌,合作中,310000\n\
                Z2,英文代理,agent,Silver,潜在,上海市\n";
    let report = app
        .import(
            &manager,
            kind("partners"),
            "中文.csv",
            text.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(report.created, 2);
    assert_eq!(
        report.records,
        ["Z1", "Z2"],
        "the report names what it wrote"
    );
    let z1 = app.partner(&manager, "Z1").await.unwrap();
    assert_eq!(z1.partner.partner_type.as_str(), "distributor");
    assert_eq!(z1.partner.status.as_str(), "active");
    assert_eq!(z1.partner.grade.as_deref(), Some("gold"));
    let z2 = app.partner(&manager, "Z2").await.unwrap();
    assert_eq!(z2.partner.grade.as_deref(), Some("silver"));
    assert_eq!(z2.partner.status.as_str(), "prospect");
    assert_eq!(
        z2.partner.region_code.as_deref(),
        Some("310000"),
        "a region by its name"
    );

    // A word that is no value is still refused, by the importer's own check.
    let wrong = "编码,名称,类型\nZ3,错词,批发商\n";
    let report = app
        .import(&manager, kind("partners"), "错.csv", wrong.as_bytes(), true)
        .await
        .unwrap();
    assert_eq!(
        report
            .errors
            .iter()
            .map(|e| (e.row, e.field.as_str()))
            .collect::<Vec<_>>(),
        [(Some(2), "partner_type")]
    );

    let rights = "合作伙伴编码,区域编码,产品线,授权方式,生效日期,失效日期\n\
                  Z1,310000,TEA,独家,2026-01-01,2026-12-31\n";
    let report = app
        .import(
            &manager,
            kind("authorizations"),
            "授权.csv",
            rights.as_bytes(),
            true,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
}

async fn a_file_of_another_kind_is_one_error_with_the_expected_headers(db: TestDb) {
    let app = db.app().await;
    let manager = manager_of(&app).await;
    let mut partners = String::from("编码,名称,类型,等级,区域编码\n");
    for i in 0..117 {
        partners.push_str(&format!("W{i},伙伴{i},经销商,金牌,310000\n"));
    }
    let report = app
        .import(
            &manager,
            kind("contacts"),
            "partners.csv",
            partners.as_bytes(),
            true,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].row, Some(1));
    assert_eq!(
        report.errors[0].problem,
        Problem::Conflict {
            rule: "not_this_kind",
            with: "partner_code, name, role, phone, email, birthday".into()
        }
    );
}

async fn a_templates_sample_row_is_refused(db: TestDb) {
    let app = db.app().await;
    let manager = manager_of(&app).await;
    for chinese in [true, false] {
        let template = qudao_app::imports::template(kind("partners"), chinese, true).unwrap();
        let report = app
            .import(
                &manager,
                kind("partners"),
                "template.xlsx",
                &template,
                false,
            )
            .await
            .unwrap();
        assert_eq!(
            report
                .errors
                .iter()
                .map(|e| (e.row, e.problem.clone()))
                .collect::<Vec<_>>(),
            [(Some(2), Problem::Rule { rule: "sample_row" })],
            "chinese={chinese}"
        );
    }
    assert_eq!(
        partner_total(&app, &system()).await,
        0,
        "a refused file writes nothing"
    );
    // The template with its sample row replaced imports.
    let filled = "编码,名称,类型,等级\nR1,真实伙伴,经销商,金牌\n";
    let report = app
        .import(
            &manager,
            kind("partners"),
            "filled.csv",
            filled.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(partner_total(&app, &system()).await, 1);
}
