//! Deterministic synthetic data for the demo and for benchmarks. The same
//! seed always yields the same data set, and everything is loaded through
//! `qudao_app`, so generated data obeys every rule real data does.

use qudao_app::admin::UserInput;
use qudao_app::partners::{PartnerInput, StatusInput};
use qudao_app::{AppError, Caller, Qudao};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The password of every demo account. The demo is for trying Qudao out;
/// never load it into a database that holds real data.
pub const DEMO_PASSWORD: &str = "qudao-demo-2026";

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// A believable channel that loads in seconds.
    #[default]
    Demo,
    /// Ten thousand partners: the partner-network benchmark size.
    Bench,
}

impl Scale {
    pub fn parse(name: &str) -> Option<Scale> {
        match name {
            "demo" => Some(Scale::Demo),
            "bench" => Some(Scale::Bench),
            _ => None,
        }
    }

    fn tier1_distributors(self) -> usize {
        match self {
            Scale::Demo => 12,
            Scale::Bench => 600,
        }
    }

    fn other_tier1(self) -> usize {
        match self {
            Scale::Demo => 18,
            Scale::Bench => 1_400,
        }
    }

    fn tier2_per_distributor(self) -> std::ops::Range<usize> {
        match self {
            Scale::Demo => 2..6,
            Scale::Bench => 8..18,
        }
    }
}

/// What was loaded, for the command's report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    pub users: usize,
    pub partners: usize,
}

const CITIES: &[&str] = &[
    "上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "苏州", "长沙",
    "郑州", "青岛", "厦门", "昆明", "沈阳", "天津", "合肥", "福州",
];
const TRADES: &[&str] = &["商贸", "贸易", "供应链", "科技", "实业", "电器", "日用品"];

fn company(rng: &mut ChaCha8Rng, suffix: &str) -> String {
    let city = CITIES[rng.random_range(0..CITIES.len())];
    let trade = TRADES[rng.random_range(0..TRADES.len())];
    let number = rng.random_range(1..99);
    format!("{city}{trade}{number}号{suffix}有限公司")
}

/// Loads the demo into an empty database: one account per role, then a
/// channel of distributors with their second-tier partners, agents, retailers,
/// e-commerce, cross-border and direct stores.
pub async fn load(app: &Qudao, scale: Scale, seed: u64) -> Result<Loaded, AppError> {
    let system = Caller::system("demo");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut loaded = Loaded::default();
    let user = |login: &str, name: &str, role: &str, partner: Option<&str>| UserInput {
        login: login.to_owned(),
        display_name: name.to_owned(),
        role: role.to_owned(),
        partner_code: partner.map(str::to_owned),
        password: DEMO_PASSWORD.to_owned(),
    };
    for input in [
        user("admin", "系统管理员 Admin", "admin", None),
        user("manager", "王经理 Wang (East)", "channel_manager", None),
        user("manager2", "李经理 Li (South)", "channel_manager", None),
        user("rep", "张销售 Zhang", "sales_rep", None),
        user("finance", "陈财务 Chen", "finance", None),
    ] {
        app.create_user(&system, &input).await?;
        loaded.users += 1;
    }
    let owners = ["manager", "manager2", "rep"];
    let mut number = 0u32;
    let mut next_code = || {
        number += 1;
        qudao_domain::partners::PartnerCode::numbered(number)
            .as_str()
            .to_owned()
    };
    let partner =
        |code: String, name: String, kind: &str, parent: Option<String>, owner: Option<&str>| {
            PartnerInput {
                code,
                name,
                partner_type: kind.to_owned(),
                parent_code: parent,
                owner_login: owner.map(str::to_owned),
                status: None,
                record: Default::default(),
            }
        };
    let mut first_distributor = None;
    let mut suspended = None;
    let mut first_downstream = None;
    for i in 0..scale.tier1_distributors() {
        let code = next_code();
        let owner = owners[i % owners.len()];
        let input = partner(
            code.clone(),
            company(&mut rng, ""),
            "distributor",
            None,
            Some(owner),
        );
        app.create_partner(&system, &input).await?;
        loaded.partners += 1;
        first_distributor.get_or_insert(code.clone());
        if i == 2 {
            suspended = Some(code.clone());
        }
        for _ in 0..rng.random_range(scale.tier2_per_distributor()) {
            let kind = ["retailer", "retailer", "agent", "direct_store"][rng.random_range(0..4)];
            let child_code = next_code();
            let input = partner(
                child_code.clone(),
                company(&mut rng, "分销"),
                kind,
                Some(code.clone()),
                None,
            );
            app.create_partner(&system, &input).await?;
            loaded.partners += 1;
            first_downstream.get_or_insert(child_code);
        }
    }
    for i in 0..scale.other_tier1() {
        let kind = [
            "agent",
            "ecommerce",
            "cross_border",
            "retailer",
            "direct_store",
        ][i % 5];
        let owner = owners[(i + 1) % owners.len()];
        let code = next_code();
        let mut input = partner(code.clone(), company(&mut rng, ""), kind, None, Some(owner));
        // Every sixth is still being recruited, at some step of the pipeline.
        let recruiting = i % 6 == 5;
        if recruiting {
            input.status = Some("prospect".to_owned());
        }
        app.create_partner(&system, &input).await?;
        loaded.partners += 1;
        if recruiting {
            let steps = [
                ("screening", "参加了广交会 / met at the Canton Fair"),
                ("negotiating", "评估通过 / screening passed"),
            ];
            for (status, reason) in steps.iter().take((i / 6) % 3) {
                let change = StatusInput {
                    status: (*status).to_owned(),
                    reason: (*reason).to_owned(),
                };
                app.change_partner_status(&system, &code, &change).await?;
            }
        }
    }
    if let Some(code) = &suspended {
        let change = StatusInput {
            status: "suspended".to_owned(),
            reason: "回款逾期 / receivables overdue".to_owned(),
        };
        app.change_partner_status(&system, code, &change).await?;
    }
    let (Some(distributor), Some(downstream)) = (first_distributor, first_downstream) else {
        return Ok(loaded);
    };
    for input in [
        user(
            "partner.admin",
            "刘总 Liu (distributor boss)",
            "partner_admin",
            Some(&distributor),
        ),
        user(
            "partner.user",
            "赵员工 Zhao (retail staff)",
            "partner_user",
            Some(&downstream),
        ),
    ] {
        app.create_user(&system, &input).await?;
        loaded.users += 1;
    }
    Ok(loaded)
}
