//! The demo loads on SQLite, is the same for the same seed, and holds
//! everything the demo promises: every partner type at two depths, grades,
//! rights in all three modes, amended and expiring agreements, and a
//! recruitment board with cards in every column, and award winners.

#![allow(clippy::unwrap_used)]

use qudao_app::agreements::{AgreementFilter, AgreementSort, EXPIRING_DAYS};
use qudao_app::inventory::{InventoryQuery, QualityQuery};
use qudao_app::partners::{PartnerFilter, PartnerSort};
use qudao_app::territories::{AuthorizationQuery, AuthorizationSort};
use qudao_app::today;
use qudao_app::{Caller, PageRequest, Qudao, SortDir};
use qudao_datagen::{Scale, load};
use qudao_domain::territories::AuthorizationMode;

struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "qudao-datagen-{name}-{}-{}.db",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        TempDb(path)
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            std::fs::remove_file(path).ok();
        }
    }
}

async fn partners(app: &Qudao, caller: &Caller, filter: PartnerFilter) -> Vec<(String, String)> {
    let page = app
        .list_partners(
            caller,
            &filter,
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::export(),
        )
        .await
        .unwrap();
    page.items.into_iter().map(|p| (p.code, p.name)).collect()
}

async fn count(app: &Qudao, caller: &Caller, filter: PartnerFilter) -> usize {
    partners(app, caller, filter).await.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_loads_everything_it_promises() {
    let db = TempDb::new("demo");
    let app = Qudao::open(&db.url()).await.unwrap();
    let loaded = load(&app, Scale::Demo, 2026).await.unwrap();
    let admin = Caller::system("test");

    // Partners: about 200, every type, two depths.
    let all = partners(&app, &admin, PartnerFilter::default()).await;
    assert!(all.len() >= 190, "{} partners", all.len());
    assert_eq!(all.len(), loaded.partners);
    for kind in [
        "distributor",
        "agent",
        "retailer",
        "ecommerce",
        "cross_border",
        "direct_store",
    ] {
        let filter = PartnerFilter {
            partner_type: Some(kind.to_owned()),
            ..Default::default()
        };
        assert!(count(&app, &admin, filter).await > 0, "no {kind}");
    }
    for depth in [1, 2] {
        let filter = PartnerFilter {
            depth: Some(depth),
            ..Default::default()
        };
        assert!(
            count(&app, &admin, filter).await > 0,
            "nothing at depth {depth}"
        );
    }

    // Every active partner has a grade; more hold the lowest grade than the highest.
    let active = partners(
        &app,
        &admin,
        PartnerFilter {
            status: Some("active".to_owned()),
            ..Default::default()
        },
    )
    .await;
    for (code, _) in &active {
        let grade = app.partner_grade(&admin, code).await.unwrap();
        assert!(grade.grade.is_some(), "{code} has no grade");
    }
    let (top, bottom) = (
        loaded.grades.first().unwrap(),
        loaded.grades.last().unwrap(),
    );
    assert!(top.1 > 0 && top.1 < bottom.1, "{:?}", loaded.grades);

    // Rights in all three modes, in force today.
    for mode in [
        AuthorizationMode::Exclusive,
        AuthorizationMode::Selective,
        AuthorizationMode::Intensive,
    ] {
        let query = AuthorizationQuery {
            mode: Some(mode),
            on: Some(today()),
            ..Default::default()
        };
        let page = app
            .authorizations(
                &admin,
                &query,
                AuthorizationSort::Code,
                SortDir::Asc,
                PageRequest::new(None, None),
            )
            .await
            .unwrap();
        assert!(page.total > 0, "no {mode:?} rights in force");
    }

    // Agreements: amended ones answer with version 2 today and version 1
    // before the amendment; some end within the expiring list's window.
    assert!(loaded.amended > 0);
    assert_eq!(loaded.rates, 48, "USD and HKD for 24 months");
    let portal = app.agreement(&admin, "P00001", None).await.unwrap();
    assert_eq!(portal.versions.len(), 2);
    let amendment = portal.in_force.unwrap();
    assert_eq!(amendment.version, 2);
    let before = amendment.valid_from.pred_opt().unwrap();
    let earlier = app
        .agreement_in_force(&admin, "P00001", Some(before))
        .await
        .unwrap();
    assert_eq!(earlier.version, 1);
    let expiring = app
        .count_expiring_agreements(&admin, EXPIRING_DAYS)
        .await
        .unwrap();
    assert!(expiring > 0);
    assert_eq!(usize::try_from(expiring).unwrap(), loaded.expiring);
    let listed = app
        .list_agreements(
            &admin,
            &AgreementFilter::default(),
            AgreementSort::Partner,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert!(listed.total > 50);

    // The recruitment board has cards in every column.
    let board = app.pipeline(&admin).await.unwrap();
    for column in &board.columns {
        assert!(!column.cards.is_empty(), "empty {:?} column", column.stage);
    }

    // The portal accounts: the distributor's boss sees its tree, its staff
    // member at a downstream partner sees exactly that partner.
    let boss = app.caller_by_login("partner.admin").await.unwrap();
    let tree = partners(&app, &boss, PartnerFilter::default()).await;
    assert!(tree.len() > 1);
    assert_eq!(tree[0].0, "P00001");
    let rights = app
        .authorizations(
            &boss,
            &AuthorizationQuery {
                partner_code: Some("P00001".to_owned()),
                ..Default::default()
            },
            AuthorizationSort::Code,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert!(rights.total > 0);
    let staff = app.caller_by_login("partner.user").await.unwrap();
    let own = partners(&app, &staff, PartnerFilter::default()).await;
    assert_eq!(own.len(), 1);
    assert!(tree.contains(&own[0]));

    // A year of trade: the manager sees overstock, a stock-out and the
    // partner that stopped reporting, which scores below the others.
    assert!(
        loaded.sellin_lines > 1_000 && loaded.sellin_returns > 0,
        "{loaded}"
    );
    assert!(loaded.sellthrough_lines > loaded.sellin_lines, "{loaded}");
    assert!(loaded.stock_counts > 0 && loaded.usd_orders > 0, "{loaded}");
    assert_eq!(
        loaded.closed_months, 10,
        "the current and last month stay open"
    );
    let manager = app.caller_by_login("manager").await.unwrap();
    let stock = app
        .inventory(
            &manager,
            &InventoryQuery::default(),
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert!(stock.totals.overstock > 0, "no overstock");
    assert!(stock.totals.stock_outs > 0, "no stock-out");
    let quality = app
        .data_quality(
            &manager,
            &QualityQuery::default(),
            PageRequest::new(None, Some(PageRequest::MAX_PER_PAGE)),
        )
        .await
        .unwrap();
    let silent = quality
        .missing
        .iter()
        .find(|m| m.last_reported.is_some())
        .expect("a partner that stopped reporting");
    let last_month = quality.months[0];
    let score_of = |code: &str| {
        quality
            .scores
            .iter()
            .find(|s| s.partner_code == code && s.quality.month == last_month)
            .map(|s| s.quality.total)
    };
    let best = quality
        .scores
        .iter()
        .filter(|s| s.quality.month == last_month)
        .map(|s| s.quality.total)
        .max()
        .unwrap();
    assert!(score_of(&silent.partner_code).unwrap() < best);

    // Scorecards: a template per partner type and the reps'; last month's
    // run scores the distributors from the year of trade, explained.
    assert_eq!(loaded.scorecard_templates, 7, "{loaded}");
    let runs = app
        .evaluate(&manager, &last_month.to_string(), Some("distributor"))
        .await
        .unwrap();
    assert!(!runs[0].provisional && runs[0].subjects > 0, "{runs:?}");
    let results = app.evaluation_results(&manager, runs[0].id).await.unwrap();
    assert!(
        results
            .iter()
            .any(|r| r.total != "0.00" && r.kpis.iter().any(|k| !k.missing_input)),
        "{results:?}"
    );

    // Awards: five, run over this year's evaluations; the service
    // benchmark chose by the imported satisfaction, with the numbers.
    assert_eq!(loaded.awards, 5, "{loaded}");
    assert!(loaded.award_winners > 0, "{loaded}");
    let service = app
        .award_runs(&manager, Some("service_benchmark"))
        .await
        .unwrap();
    assert!(!service.is_empty());
    let mut chosen = 0;
    for run in &service {
        let detail = app
            .award_run(&Caller::system("test"), run.id)
            .await
            .unwrap();
        assert!(
            detail
                .winners
                .iter()
                .all(|w| w.measure == "customer_satisfaction" && w.value.is_some()),
            "{detail:?}"
        );
        chosen += detail.winners.len();
    }
    assert!(chosen > 0, "{service:?}");

    // The paid quarter filled the demo partner's rebate wallet (RB-DIST-Q),
    // so its first order can use it.
    let balances = app
        .incentive_balances(&admin, Some("P00001"))
        .await
        .unwrap();
    assert!(
        balances
            .balances
            .iter()
            .any(|b| b.form == "wallet" && b.balance > 0),
        "{balances:?}"
    );
    // RB-DIST-Q earns a point per ¥100 too.
    let points = app
        .incentive_points(&admin, Some("P00001"), None)
        .await
        .unwrap();
    assert!(points.available > 0, "{points:?}");
    assert_eq!(
        points.movements[0].program_code.as_deref(),
        Some("RB-DIST-Q")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_loads_the_same_network() {
    let (first, second) = (TempDb::new("seed-a"), TempDb::new("seed-b"));
    let mut seen = Vec::new();
    for db in [&first, &second] {
        let app = Qudao::open(&db.url()).await.unwrap();
        let loaded = load(&app, Scale::Demo, 7).await.unwrap();
        let admin = Caller::system("test");
        seen.push((
            loaded,
            partners(&app, &admin, PartnerFilter::default()).await,
        ));
    }
    assert_eq!(seen[0], seen[1]);
}
