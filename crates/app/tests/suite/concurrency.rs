//! Concurrent writes: pairs of writes that may not both succeed, raced
//! against each other from two handles (two connection pools) many times.
//! Exactly one of each pair wins, the loser is refused with a field error,
//! and the data stays valid.

#![allow(clippy::wildcard_imports)]

use qudao_app::partners::StatusInput;
use qudao_app::territories::AuthorizationInput;
use sea_orm::Database;
use std::future::Future;

use super::*;

on_both_backends!(
    crossed_parent_moves_never_make_a_cycle,
    concurrent_exclusive_grants_leave_one_holder,
    concurrent_status_changes_apply_once,
    concurrent_channel_rules_add_one,
);

const ROUNDS: usize = 30;

fn move_under(code: &str, parent: &str) -> PartnerEdit {
    PartnerEdit {
        name: format!("{code} 有限公司"),
        partner_type: "distributor".to_owned(),
        parent_code: Some(parent.to_owned()),
        owner_login: None,
        owner_from: None,
        record: RecordInput::default(),
    }
}

/// Runs two writes at the same time on two handles and returns how many
/// succeeded; every failure must be a refusal the user can read.
async fn race<T: Send + 'static>(
    first: impl Future<Output = Result<T, AppError>> + Send + 'static,
    second: impl Future<Output = Result<T, AppError>> + Send + 'static,
) -> usize {
    let (a, b) = tokio::join!(tokio::spawn(first), tokio::spawn(second));
    [a.unwrap(), b.unwrap()]
        .into_iter()
        .map(|result| match result {
            Ok(_) => 1,
            Err(AppError::Invalid(_)) => 0,
            Err(other) => panic!("a concurrent write failed instead of being refused: {other:?}"),
        })
        .sum()
}

/// Every partner's path is its parent's path and its own id; depths match.
async fn assert_tree_valid(db: &TestDb) {
    let conn = Database::connect(&db.url).await.unwrap();
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT p.id, p.path, p.depth, parent.path, parent.depth \
             FROM partners p LEFT JOIN partners parent ON parent.id = p.parent_id",
        ))
        .await
        .unwrap();
    for row in rows {
        let id: i64 = row.try_get_by_index(0).unwrap();
        let path: String = row.try_get_by_index(1).unwrap();
        let depth: i32 = row.try_get_by_index(2).unwrap();
        let parent_path: Option<String> = row.try_get_by_index(3).unwrap();
        let parent_depth: Option<i32> = row.try_get_by_index(4).unwrap();
        let expected = format!("{}{id}/", parent_path.as_deref().unwrap_or("/"));
        assert_eq!(path, expected, "partner {id} has a broken path");
        assert_eq!(depth, parent_depth.unwrap_or(0) + 1, "partner {id} depth");
    }
    conn.close().await.ok();
}

async fn crossed_parent_moves_never_make_a_cycle(db: TestDb) {
    let (one, two) = (db.app().await, db.app().await);
    for round in 0..ROUNDS {
        let (a, b) = (format!("A{round}"), format!("B{round}"));
        for code in [&a, &b] {
            one.create_partner(&system(), &partner(code, "distributor", None, None))
                .await
                .unwrap();
        }
        let (first, second) = (one.clone(), two.clone());
        let (a1, b1, a2, b2) = (a.clone(), b.clone(), a.clone(), b.clone());
        let wins = race(
            async move {
                first
                    .update_partner(&system(), &a1, &move_under(&a1, &b1))
                    .await
            },
            async move {
                second
                    .update_partner(&system(), &b2, &move_under(&b2, &a2))
                    .await
            },
        )
        .await;
        assert_eq!(wins, 1, "round {round}: exactly one crossed move wins");
    }
    assert_tree_valid(&db).await;
}

fn grant(partner: &str, region: &str, line: &str) -> AuthorizationInput {
    AuthorizationInput {
        partner_code: partner.to_owned(),
        region_code: region.to_owned(),
        product_line: line.to_owned(),
        mode: "exclusive".to_owned(),
        valid_from: "2026-01-01".to_owned(),
        valid_to: "2026-12-31".to_owned(),
    }
}

async fn concurrent_exclusive_grants_leave_one_holder(db: TestDb) {
    let (one, two) = (db.app().await, db.app().await);
    one.load_builtin_regions().await.unwrap();
    for code in ["X1", "X2"] {
        one.create_partner(&system(), &partner(code, "distributor", None, None))
            .await
            .unwrap();
    }
    for round in 0..ROUNDS {
        let line = format!("LINE{round}");
        lines(&one, &[&line]).await;
        let (first, second) = (one.clone(), two.clone());
        let (l1, l2) = (line.clone(), line.clone());
        // Shanghai and its city district overlap.
        let wins = race(
            async move {
                first
                    .create_authorization(&system(), &grant("X1", "310000", &l1))
                    .await
            },
            async move {
                second
                    .create_authorization(&system(), &grant("X2", "310100", &l2))
                    .await
            },
        )
        .await;
        assert_eq!(wins, 1, "round {round}: exactly one exclusive grant wins");
    }
    let conn = Database::connect(&db.url).await.unwrap();
    let per_line = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT product_line, COUNT(*) FROM authorizations GROUP BY product_line",
        ))
        .await
        .unwrap();
    assert_eq!(per_line.len(), ROUNDS);
    for row in per_line {
        let holders: i64 = row.try_get_by_index(1).unwrap();
        assert_eq!(holders, 1, "one exclusive holder per line");
    }
    conn.close().await.ok();
}

async fn concurrent_status_changes_apply_once(db: TestDb) {
    let (one, two) = (db.app().await, db.app().await);
    let suspend = || StatusInput {
        status: "suspended".to_owned(),
        reason: "overdue invoices".to_owned(),
    };
    for round in 0..ROUNDS {
        let code = format!("S{round}");
        one.create_partner(&system(), &partner(&code, "retailer", None, None))
            .await
            .unwrap();
        let (first, second) = (one.clone(), two.clone());
        let (c1, c2) = (code.clone(), code.clone());
        let (s1, s2) = (suspend(), suspend());
        let wins = race(
            async move { first.change_partner_status(&system(), &c1, &s1).await },
            async move { second.change_partner_status(&system(), &c2, &s2).await },
        )
        .await;
        assert_eq!(wins, 1, "round {round}: exactly one suspension wins");
        let detail = one.partner(&system(), &code).await.unwrap();
        assert_eq!(
            detail.status_history.len(),
            2,
            "round {round}: created, then suspended once"
        );
    }
}

/// The same channel rule (without a grade, which the unique index cannot
/// guard: NULLs differ) added twice at once: the line's row lock lets one in.
async fn concurrent_channel_rules_add_one(db: TestDb) {
    let (one, two) = (db.app().await, db.app().await);
    for round in 0..ROUNDS {
        let line = format!("RULE{round}");
        lines(&one, &[&line]).await;
        let (first, second) = (one.clone(), two.clone());
        let (l1, l2) = (line.clone(), line.clone());
        let rule = || qudao_app::catalog::ChannelRuleInput {
            partner_type: "distributor".to_owned(),
            grade: None,
        };
        let wins = race(
            async move { first.add_channel_rule(&system(), &l1, &rule()).await },
            async move { second.add_channel_rule(&system(), &l2, &rule()).await },
        )
        .await;
        assert_eq!(wins, 1, "round {round}: the rule is added once");
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM product_line_channels").await,
        i64::try_from(ROUNDS).unwrap()
    );
}
