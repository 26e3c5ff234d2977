//! Names, not codes (docs/UI.md): lists and detail pages show names in the
//! page's language, filters take names, money reads `¥40,000,000.00`, a
//! partner user reads no internal reason or login, and the audit log shows
//! what changed field by field.

#![allow(clippy::wildcard_imports)]

use qudao_app::partners::{RecordInput, StatusInput};

use super::*;

const ZH: &[(&str, &str)] = &[("accept-language", "zh-CN")];

/// The element marked `data-testid="{id}"` and what follows it, up to its
/// closing tag's line (Chinese pages: cut on character boundaries).
fn part<'a>(html: &'a str, id: &str) -> &'a str {
    let mark = format!(r#"data-testid="{id}""#);
    html.find(&mark).map_or("", |at| {
        let rest = &html[at..];
        let end = rest.char_indices().nth(400).map_or(rest.len(), |(i, _)| i);
        &rest[..end]
    })
}

/// SH1 in 浦东新区 (inside 上海市) with a credit limit, below P1.
async fn shanghai_partner(env: &Env) -> Res {
    env.app.load_builtin_regions().await?;
    let input = PartnerInput {
        code: "SH1".to_owned(),
        name: "上海润泽贸易有限公司".to_owned(),
        partner_type: "distributor".to_owned(),
        parent_code: Some("P1".to_owned()),
        owner_login: None,
        status: None,
        record: RecordInput {
            region_code: Some("310115".into()),
            credit_limit: Some("40000000".into()),
            currency: Some("CNY".into()),
            ..Default::default()
        },
    };
    env.app.create_partner(&env.system, &input).await?;
    Ok(())
}

#[tokio::test]
async fn the_region_filter_takes_a_name_and_says_when_nothing_matches() -> Res {
    let env = Env::new("names_filter").await?;
    shanghai_partner(&env).await?;
    let mut manager = env.signed_in("manager").await?;
    // 上海, 310000, 浦东: a name, a code, a sub-region's name.
    for typed in ["%E4%B8%8A%E6%B5%B7", "310000", "%E6%B5%A6%E4%B8%9C"] {
        let html = manager
            .get_with(&format!("/partners?region={typed}"), ZH)
            .await?
            .text();
        assert!(html.contains(">上海润泽贸易有限公司<"), "{typed}: {html}");
        assert!(!html.contains(">Partner P2<"), "{typed}");
    }
    let list = manager
        .get_with("/partners?region=%E4%B8%8A%E6%B5%B7", ZH)
        .await?
        .text();
    assert!(
        list.contains("浦东新区"),
        "the region column shows the name: {list}"
    );
    let none = manager
        .get_with("/partners?region=%E5%8C%97%E4%BA%AC", ZH)
        .await?
        .text();
    assert!(
        part(&none, "no-match").contains("区域可填写名称或编码"),
        "an empty result says why and how: {none}"
    );
    Ok(())
}

#[tokio::test]
async fn the_detail_page_shows_names_and_money_as_people_read_them() -> Res {
    let env = Env::new("names_detail").await?;
    shanghai_partner(&env).await?;
    let mut manager = env.signed_in("manager").await?;
    let html = manager.get_with("/partners/SH1", ZH).await?.text();
    assert!(
        part(&html, "credit-limit").contains(">¥40,000,000.00<"),
        "{html}"
    );
    assert!(part(&html, "region").contains("浦东新区"), "{html}");
    assert!(part(&html, "parent").contains("Partner P1"), "{html}");

    // A partner user of P2 may not see P1, which P2 buys from: it is told
    // that P2 buys from another partner, not that it buys from us.
    let mut staff = env.signed_in("puser").await?;
    let own = staff.get_with("/partners/P2", ZH).await?.text();
    assert!(part(&own, "parent").contains("从其他合作伙伴进货"), "{own}");
    assert!(!own.contains("直接向我们进货"), "{own}");
    Ok(())
}

#[tokio::test]
async fn a_partner_user_reads_no_internal_reason_and_the_audit_shows_fields() -> Res {
    let env = Env::new("names_history").await?;
    let manager = env.app.caller_by_login("manager").await?;
    env.app
        .change_partner_status(
            &manager,
            "P2",
            &StatusInput {
                status: "suspended".into(),
                reason: "逾期回款，暂停待审".into(),
            },
        )
        .await?;
    let mut staff = env.signed_in("puser").await?;
    let own = staff.get_with("/partners/P2", ZH).await?.text();
    let history = part(&own, "status-history");
    assert!(history.contains("已暂停"), "{history}");
    assert!(
        !own.contains("逾期回款") && !own.contains(">manager<"),
        "{own}"
    );
    let api = env
        .api("puser")
        .await?
        .get("/api/v1/partners/P2")
        .await?
        .text();
    assert!(!api.contains("逾期回款"), "{api}");

    let mut boss = env.signed_in("manager").await?;
    let staff_view = boss.get_with("/partners/P2", ZH).await?.text();
    assert!(staff_view.contains("逾期回款，暂停待审"));

    let mut admin = env.signed_in("admin").await?;
    let audit = admin.get_with("/admin/audit?key=P2", ZH).await?.text();
    let diff = part(&audit, "diff");
    assert!(
        diff.contains("状态") && diff.contains("合作中") && diff.contains("已暂停"),
        "{audit}"
    );
    assert!(audit.contains("变更状态"), "the action in words: {audit}");
    let all = admin.get_with("/admin/audit", ZH).await?.text();
    assert!(
        !all.contains("<td>登录</td>"),
        "sign-ins are left out by default"
    );
    let sign_ins = admin.get_with("/admin/audit?sign_ins=1", ZH).await?.text();
    assert!(sign_ins.contains("<td>登录</td>"), "{sign_ins}");
    Ok(())
}
