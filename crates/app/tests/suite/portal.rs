//! Stories of the role-fit pages' rules: reps keep the contacts of the
//! partners they cover and move their recruitment cards, finance changes
//! credit limits and nothing else, a partner admin keeps its own contacts
//! and asks for record changes that a manager decides.

use qudao_app::audit::Filter as AuditFilter;
use qudao_app::onboarding::CardMoveInput;
use qudao_app::partner_changes::{ChangeRequestInput, DecisionInput};
use qudao_app::partners::{ContactInput, CreditLimitInput, PartnerEdit, PartnerInput};
use qudao_app::{AppError, Caller, PageRequest, Qudao};
use qudao_domain::onboarding::Stage;
use qudao_domain::partner_changes::RequestState;

use super::{TestDb, partner, system, user};

on_both_backends!(
    a_rep_adds_contacts_for_the_partners_it_covers_only,
    finance_changes_credit_limits_with_a_reason_and_nothing_else,
    a_partner_admin_keeps_its_own_contacts_not_its_downstreams,
    address_changes_are_requested_and_approved_or_rejected_with_a_reason,
    board_cards_move_back_and_out_to_lost_with_a_reason,
);

fn fields(err: AppError) -> Vec<&'static str> {
    match err {
        AppError::Invalid(list) => list.iter().map(|i| i.field).collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

fn contact(name: &str) -> ContactInput {
    ContactInput {
        name: name.into(),
        role: "采购".into(),
        phone: "021-5555-0101".into(),
        ..Default::default()
    }
}

/// A manager, a rep, finance; `OWN` (the rep's), `OTHER` (nobody's) and
/// `CHILD` below `OWN`; a partner admin and a partner user of `OWN`.
async fn world(app: &Qudao) -> [Caller; 5] {
    for (login, role) in [
        ("manager", "channel_manager"),
        ("rep", "sales_rep"),
        ("finance", "finance"),
    ] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    for (code, parent, owner) in [
        ("OWN", None, Some("rep")),
        ("OTHER", None, Some("manager")),
        ("CHILD", Some("OWN"), None),
    ] {
        app.create_partner(&system(), &partner(code, "distributor", parent, owner))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("boss", "partner_admin", Some("OWN")))
        .await
        .unwrap();
    app.create_user(&system(), &user("clerk", "partner_user", Some("OWN")))
        .await
        .unwrap();
    let mut callers = Vec::new();
    for login in ["manager", "rep", "finance", "boss", "clerk"] {
        callers.push(app.caller_by_login(login).await.unwrap());
    }
    callers.try_into().unwrap()
}

async fn a_rep_adds_contacts_for_the_partners_it_covers_only(db: TestDb) {
    let app = db.app().await;
    let [_, rep, ..] = world(&app).await;
    let added = app
        .add_contact(&rep, "OWN", &contact("王采购"))
        .await
        .unwrap();
    // Below a partner it covers, too.
    app.add_contact(&rep, "CHILD", &contact("李采购"))
        .await
        .unwrap();
    assert!(matches!(
        app.add_contact(&rep, "OTHER", &contact("张采购")).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.remove_contact(&rep, "OTHER", added.id).await,
        Err(AppError::NotFound(_))
    ));
    // Its own contact id under a partner it does not cover is not found.
    assert!(matches!(
        app.update_contact(&rep, "OTHER", added.id, &contact("改"))
            .await,
        Err(AppError::NotFound(_))
    ));
    // The rest of the record stays the manager's.
    assert!(matches!(
        app.update_partner(
            &rep,
            "OWN",
            &PartnerEdit {
                name: "改名".into(),
                partner_type: "distributor".into(),
                ..Default::default()
            }
        )
        .await,
        Err(AppError::Forbidden)
    ));
    app.remove_contact(&rep, "OWN", added.id).await.unwrap();
    let own = app.partner(&system(), "OWN").await.unwrap();
    assert!(own.contacts.is_empty());
}

async fn finance_changes_credit_limits_with_a_reason_and_nothing_else(db: TestDb) {
    let app = db.app().await;
    let [manager, rep, finance, boss, _] = world(&app).await;
    let limit = |amount: &str, reason: &str| CreditLimitInput {
        credit_limit: amount.into(),
        reason: reason.into(),
    };
    let changed = app
        .set_credit_limit(&finance, "OTHER", &limit("500000.50", "年度授信评审"))
        .await
        .unwrap();
    assert_eq!(changed.credit_limit.as_deref(), Some("500000.50"));
    let other = app.partner(&finance, "OTHER").await.unwrap();
    assert_eq!(other.credit_limit.as_deref(), Some("500000.50"));
    assert_eq!(other.partner.name, "OTHER 有限公司", "nothing else changed");

    let refused = app
        .set_credit_limit(&finance, "OTHER", &limit("-1", " "))
        .await
        .unwrap_err();
    assert_eq!(fields(refused), ["credit_limit", "reason"]);
    let refused = app
        .set_credit_limit(&finance, "OTHER", &limit("1.005", "三位小数"))
        .await
        .unwrap_err();
    assert_eq!(fields(refused), ["credit_limit"]);
    assert_eq!(
        app.partner(&finance, "OTHER")
            .await
            .unwrap()
            .credit_limit
            .as_deref(),
        Some("500000.50"),
        "a refused change writes nothing"
    );
    // An empty limit removes it.
    app.set_credit_limit(&finance, "OTHER", &limit("", "停止赊销"))
        .await
        .unwrap();
    assert_eq!(
        app.partner(&finance, "OTHER").await.unwrap().credit_limit,
        None
    );

    // Finance does not edit the record; others do not set credit limits here.
    assert!(matches!(
        app.update_partner(
            &finance,
            "OTHER",
            &PartnerEdit {
                name: "改名".into(),
                partner_type: "distributor".into(),
                ..Default::default()
            }
        )
        .await,
        Err(AppError::Forbidden)
    ));
    for caller in [&manager, &rep, &boss] {
        assert!(matches!(
            app.set_credit_limit(caller, "OWN", &limit("1", "why"))
                .await,
            Err(AppError::Forbidden)
        ));
    }
    let audit = app
        .list_audit(
            &system(),
            &AuditFilter {
                action: Some("change_credit_limit".into()),
                ..Default::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 2);
    let first = audit.items.last().unwrap();
    assert_eq!(first.actor_login, "finance");
    assert_eq!(first.after.as_ref().unwrap()["reason"], "年度授信评审");
}

async fn a_partner_admin_keeps_its_own_contacts_not_its_downstreams(db: TestDb) {
    let app = db.app().await;
    let [.., boss, clerk] = world(&app).await;
    let added = app
        .add_contact(&boss, "OWN", &contact("赵总"))
        .await
        .unwrap();
    assert_eq!(
        app.partner(&boss, "OWN").await.unwrap().contacts[0].name,
        "赵总"
    );
    // It sees its downstream partner, but keeps only its own people.
    app.partner(&boss, "CHILD").await.unwrap();
    assert!(matches!(
        app.add_contact(&boss, "CHILD", &contact("钱经理")).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.add_contact(&clerk, "OWN", &contact("孙助理")).await,
        Err(AppError::Forbidden)
    ));
    app.remove_contact(&boss, "OWN", added.id).await.unwrap();
    assert!(app.partner(&boss, "OWN").await.unwrap().contacts.is_empty());
}

async fn address_changes_are_requested_and_approved_or_rejected_with_a_reason(db: TestDb) {
    let app = db.app().await;
    let [manager, rep, _, boss, clerk] = world(&app).await;
    app.create_partner(
        &system(),
        &PartnerInput {
            ..partner("MINE", "agent", None, Some("manager"))
        },
    )
    .await
    .unwrap();
    app.create_user(&system(), &user("mboss", "partner_admin", Some("MINE")))
        .await
        .unwrap();
    let mboss = app.caller_by_login("mboss").await.unwrap();
    let ask = |field: &str, value: &str| ChangeRequestInput {
        field: field.into(),
        value: value.into(),
    };
    let why = |reason: &str| DecisionInput {
        reason: reason.into(),
    };

    let request = app
        .request_partner_change(
            &mboss,
            "MINE",
            &ask("address", "上海市浦东新区世纪大道 100 号"),
        )
        .await
        .unwrap();
    assert_eq!(request.state, RequestState::Pending);
    assert_eq!(request.old_value, None);
    // One pending request per field; a bad field or value is named.
    let refused = app
        .request_partner_change(&mboss, "MINE", &ask("address", "另一个地址"))
        .await
        .unwrap_err();
    assert_eq!(fields(refused), ["field"]);
    let refused = app
        .request_partner_change(&mboss, "MINE", &ask("credit_limit", "1"))
        .await
        .unwrap_err();
    assert_eq!(fields(refused), ["field"]);
    // Only for its own organisation, and only a partner admin asks.
    assert!(matches!(
        app.request_partner_change(&mboss, "OWN", &ask("address", "x"))
            .await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.request_partner_change(&clerk, "OWN", &ask("address", "x"))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.request_partner_change(&manager, "MINE", &ask("address", "x"))
            .await,
        Err(AppError::Forbidden)
    ));

    // The manager who owns MINE sees it in the queue; a rep decides nothing,
    // a partner admin neither.
    let queue = app
        .change_request_queue(&manager, PageRequest::new(None, None))
        .await
        .unwrap();
    assert_eq!(queue.total, 1);
    assert_eq!(queue.items[0].partner_code, "MINE");
    assert_eq!(app.pending_change_requests(&manager).await.unwrap(), 1);
    assert!(matches!(
        app.approve_change_request(&rep, request.id, &why("")).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.approve_change_request(&boss, request.id, &why(""))
            .await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(
        app.partner(&manager, "MINE").await.unwrap().address,
        None,
        "nothing changes before the decision"
    );

    let approved = app
        .approve_change_request(&manager, request.id, &why(""))
        .await
        .unwrap();
    assert_eq!(approved.state, RequestState::Approved);
    assert_eq!(approved.decided_by.as_deref(), Some("manager"));
    assert_eq!(
        app.partner(&mboss, "MINE")
            .await
            .unwrap()
            .address
            .as_deref(),
        Some("上海市浦东新区世纪大道 100 号")
    );
    // Decided once.
    let again = app
        .reject_change_request(&manager, request.id, &why("改主意"))
        .await
        .unwrap_err();
    assert_eq!(fields(again), ["state"]);

    let second = app
        .request_partner_change(&mboss, "MINE", &ask("address", "北京市朝阳区"))
        .await
        .unwrap();
    let refused = app
        .reject_change_request(&manager, second.id, &why(" "))
        .await
        .unwrap_err();
    assert_eq!(fields(refused), ["reason"]);
    let rejected = app
        .reject_change_request(&manager, second.id, &why("与营业执照地址不符"))
        .await
        .unwrap();
    assert_eq!(rejected.state, RequestState::Rejected);
    assert_eq!(rejected.decision_reason, "与营业执照地址不符");
    assert_eq!(
        app.partner(&mboss, "MINE")
            .await
            .unwrap()
            .address
            .as_deref(),
        Some("上海市浦东新区世纪大道 100 号"),
        "a rejected request changes nothing"
    );
    let history = app.partner_change_requests(&mboss, "MINE").await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.state).collect::<Vec<_>>(),
        [RequestState::Rejected, RequestState::Approved]
    );
    assert_eq!(app.pending_change_requests(&manager).await.unwrap(), 0);

    let audit = app
        .list_audit(
            &system(),
            &AuditFilter {
                entity_key: Some("MINE".into()),
                ..Default::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    let actions: Vec<_> = audit.items.iter().map(|a| a.action.as_str()).collect();
    for action in ["request_change", "approve_change", "reject_change"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}

async fn board_cards_move_back_and_out_to_lost_with_a_reason(db: TestDb) {
    let app = db.app().await;
    let [manager, rep, finance, ..] = world(&app).await;
    for (code, owner) in [("PR", "rep"), ("PM", "manager")] {
        app.create_partner(
            &system(),
            &PartnerInput {
                status: Some("prospect".into()),
                ..partner(code, "agent", None, Some(owner))
            },
        )
        .await
        .unwrap();
    }
    let mv = |status: &str, reason: &str| CardMoveInput {
        status: status.into(),
        reason: reason.into(),
    };
    let moved = app
        .move_card(&rep, "PR", &mv("screening", "资料齐全"))
        .await
        .unwrap();
    assert_eq!(moved.stage, Stage::Screening);
    let back = app
        .move_card(&rep, "PR", &mv("prospect", "缺少财务报表"))
        .await
        .unwrap();
    assert_eq!(back.stage, Stage::Prospect);
    // Skipping a stage, or moving without a reason, is refused.
    let refused = app
        .move_card(&rep, "PR", &mv("negotiating", "跳过"))
        .await
        .unwrap_err();
    assert_eq!(fields(refused), ["status"]);
    let refused = app
        .move_card(&rep, "PR", &mv("terminated", ""))
        .await
        .unwrap_err();
    assert_eq!(fields(refused), ["reason"]);
    // Outside its cover a rep finds no card; finance moves none.
    assert!(matches!(
        app.move_card(&rep, "PM", &mv("screening", "x")).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.move_card(&finance, "PR", &mv("screening", "x")).await,
        Err(AppError::Forbidden)
    ));

    let lost = app
        .move_card(&rep, "PR", &mv("terminated", "选择了竞品"))
        .await
        .unwrap();
    assert_eq!(lost.stage, Stage::Lost);
    // The manager does not cover PR; an admin's board shows everyone's.
    let board = app.pipeline(&system()).await.unwrap();
    let column = board
        .columns
        .iter()
        .find(|c| c.stage == Stage::Lost)
        .unwrap();
    assert_eq!(column.cards.len(), 1);
    let card = &column.cards[0];
    assert_eq!(card.code, "PR");
    assert_eq!(card.lost_reason.as_deref(), Some("选择了竞品"));
    assert!(
        card.moves.is_empty(),
        "a lost card has left the board's control"
    );
    assert!(matches!(
        app.move_card(&system(), "PR", &mv("prospect", "再试一次"))
            .await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        app.move_card(&manager, "PR", &mv("prospect", "再试一次"))
            .await,
        Err(AppError::NotFound(_))
    ));
    let rep_board = app.pipeline(&rep).await.unwrap();
    assert_eq!(
        rep_board
            .columns
            .iter()
            .map(|c| (c.stage, c.total))
            .collect::<Vec<_>>(),
        [
            (Stage::Prospect, 0),
            (Stage::Screening, 0),
            (Stage::Negotiating, 0),
            (Stage::Signed, 0),
            (Stage::Lost, 1),
        ]
    );
}
