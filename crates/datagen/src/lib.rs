//! Deterministic synthetic data for the demo and for benchmarks. The same
//! seed always yields the same data set, and everything is loaded through
//! `qudao_app`, so generated data obeys every rule real data does.
//!
//! The network is planned in memory first (`network`), then written step by
//! step: partners with contacts and recruitment (`partners`), grades,
//! agreements, the catalog (product lines before any right names them),
//! territory rights. Each step draws from its own random stream,
//! so changing one step leaves the others' data as it was.

mod agreements;
mod awards;
mod bench;
mod catalog;
mod downstream;
mod finance;
mod geo;
mod incentives;
mod names;
mod network;
mod orders;
mod partners;
mod receivables;
mod scorecards;
mod targets;
mod territories;
mod trade;

use std::fmt;

use qudao_app::admin::UserInput;
use qudao_app::partners::StatusInput;
use qudao_app::{AppError, Caller, Qudao};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::network::Stage;

pub use crate::bench::{BenchFacts, LINES as BENCH_LINES};

/// The password of every demo account. The demo is for trying Qudao out;
/// never load it into a database that holds real data.
pub const DEMO_PASSWORD: &str = "qudao-demo-2026";

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// A believable channel of about 200 partners that loads in seconds.
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
}

/// What was loaded, for the command's report and for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    pub users: usize,
    pub partners: usize,
    /// Partners at depth 1 and at depth 2.
    pub depth: [usize; 2],
    /// Partners per `partner_type`, in the order first seen.
    pub types: Vec<(&'static str, usize)>,
    /// Prospects, screening, negotiating, signed out of negotiation just
    /// now, and not signed (lost) just now.
    pub pipeline: [usize; 5],
    pub evaluations: usize,
    pub contacts: usize,
    /// Partners per grade code, best grade first.
    pub grades: Vec<(String, usize)>,
    pub exclusive: usize,
    pub selective: usize,
    pub intensive: usize,
    /// Agreements activated (amended ones count once).
    pub agreements: usize,
    pub amended: usize,
    /// Active agreements whose term ends within the expiring list's 60 days.
    pub expiring: usize,
    /// First versions still in draft, for partners in negotiation.
    pub drafts: usize,
    pub product_lines: usize,
    pub products: usize,
    /// Products launched within the "new" window.
    pub new_products: usize,
    /// Monthly exchange rates (USD and HKD, two years).
    pub rates: usize,
    /// Opening invoices and payments of the last six months.
    pub invoices: usize,
    pub payments: usize,
    /// Price lists by partner type, and sell-in orders in every state.
    pub price_lists: usize,
    pub orders: usize,
    /// The year of trade: imported sell-in lines (returns among them),
    /// sell-through lines, stock counts, dollar orders, months closed.
    pub sellin_lines: usize,
    pub sellin_returns: usize,
    pub sellthrough_lines: usize,
    pub stock_counts: usize,
    pub usd_orders: usize,
    pub closed_months: usize,
    /// This year's cascade of sell-in targets, approved, and the rep's.
    pub targets: usize,
    /// Scorecard templates: one per partner type and the reps'.
    pub scorecard_templates: usize,
    /// Awards, and (demo) their runs over this year's evaluation.
    pub awards: usize,
    pub award_runs: usize,
    pub award_winners: usize,
    /// Incentive programs in force, and (demo) the quarter before last's run.
    pub incentive_programs: usize,
    pub incentive_run: incentives::DemoRun,
}

impl Loaded {
    pub fn authorizations(&self) -> usize {
        self.exclusive + self.selective + self.intensive
    }
}

impl fmt::Display for Loaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[(String, usize)]| {
            items
                .iter()
                .map(|(name, n)| format!("{name} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let types: Vec<(String, usize)> = self
            .types
            .iter()
            .map(|(t, n)| ((*t).to_owned(), *n))
            .collect();
        writeln!(f, "users:          {}", self.users)?;
        writeln!(
            f,
            "partners:       {} ({} at depth 1, {} at depth 2; {})",
            self.partners,
            self.depth[0],
            self.depth[1],
            list(&types)
        )?;
        let [prospect, screening, negotiating, signed, lost] = self.pipeline;
        writeln!(
            f,
            "pipeline:       {prospect} prospect, {screening} screening, {negotiating} negotiating, {signed} signed recently, {lost} lost recently; {} evaluations",
            self.evaluations
        )?;
        writeln!(f, "contacts:       {}", self.contacts)?;
        writeln!(f, "grades:         {}", list(&self.grades))?;
        writeln!(
            f,
            "authorizations: {} ({} exclusive, {} selective, {} intensive)",
            self.authorizations(),
            self.exclusive,
            self.selective,
            self.intensive
        )?;
        writeln!(
            f,
            "catalog:        {} product lines, {} products ({} new)",
            self.product_lines, self.products, self.new_products
        )?;
        writeln!(
            f,
            "agreements:     {} active ({} amended, {} ending within 60 days), {} drafts",
            self.agreements, self.amended, self.expiring, self.drafts
        )?;
        writeln!(f, "exchange rates: {} (USD and HKD, monthly)", self.rates)?;
        writeln!(
            f,
            "receivables:    {} opening invoices, {} payments",
            self.invoices, self.payments
        )?;
        writeln!(
            f,
            "orders:         {} (priced by {} price lists by partner type), {} in USD",
            self.orders, self.price_lists, self.usd_orders
        )?;
        write!(
            f,
            "trade:          {} sell-in lines ({} returns), {} sell-through lines, {} stock counts; {} months closed",
            self.sellin_lines,
            self.sellin_returns,
            self.sellthrough_lines,
            self.stock_counts,
            self.closed_months
        )?;
        write!(
            f,
            "\ntargets:        {} (this year's sell-in, company to partners, approved)\nscorecards:     {} templates\nawards:         {} ({} runs over this year's evaluation, {} winners)\nincentives:     {} programs in force; the quarter before last: {} partner targets, {} results, ¥{} paid",
            self.targets,
            self.scorecard_templates,
            self.awards,
            self.award_runs,
            self.award_winners,
            self.incentive_programs,
            self.incentive_run.quarter_targets,
            self.incentive_run.results,
            qudao_domain::money::grouped_count(self.incentive_run.paid / 100)
        )
    }
}

/// A random stream of its own for each step of the load.
fn stream(seed: u64, step: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(step);
    rng
}

fn user(login: &str, name: &str, role: &str, partner: Option<&str>) -> UserInput {
    UserInput {
        login: login.to_owned(),
        display_name: name.to_owned(),
        role: role.to_owned(),
        partner_code: partner.map(str::to_owned),
        password: DEMO_PASSWORD.to_owned(),
    }
}

/// Loads the demo into an empty database: the built-in regions, one account
/// per role, then the partner network with its contacts, recruitment
/// pipeline, grades, agreements and territory rights.
pub async fn load(app: &Qudao, scale: Scale, seed: u64) -> Result<Loaded, AppError> {
    let system = Caller::system("demo");
    app.load_builtin_regions().await?;
    let mut loaded = Loaded::default();
    for input in [
        user("admin", "系统管理员", "admin", None),
        user("manager", "王经理", "channel_manager", None),
        user("manager2", "李经理", "channel_manager", None),
        user("rep", "张销售", "sales_rep", None),
        user("finance", "陈财务", "finance", None),
    ] {
        app.create_user(&system, &input).await?;
        loaded.users += 1;
    }
    // The rep covers Shanghai besides the retailers it owns, so the demo
    // shows both halves of a field scope.
    let shanghai = qudao_app::coverage::CoverageInput {
        region_codes: vec!["310000".to_owned()],
    };
    app.set_user_regions(&system, "rep", &shanghai).await?;
    loaded.rates = finance::setup(app, &system, &mut stream(seed, 8)).await?;

    let network = network::plan(&mut stream(seed, 1), scale);
    count_network(&network, &mut loaded);

    let criteria: Vec<String> = app
        .criteria(&system)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| c.code)
        .collect();
    let written = Box::pin(partners::create(
        app,
        &system,
        &mut stream(seed, 2),
        &network,
        scale,
        &criteria,
    ))
    .await?;
    loaded.contacts = written.contacts;
    loaded.evaluations = written.evaluations;

    let mut ladder = app.grades(&system).await?;
    ladder.sort_by_key(|g| std::cmp::Reverse(g.rank));
    let ladder: Vec<String> = ladder.into_iter().map(|g| g.code).collect();
    loaded.grades = Box::pin(partners::grade(
        app,
        &system,
        &mut stream(seed, 3),
        &network,
        &ladder,
    ))
    .await?;

    let signed = Box::pin(agreements::sign(
        app,
        &system,
        &mut stream(seed, 4),
        &network,
        scale,
    ))
    .await?;
    loaded.agreements = signed.active;
    loaded.amended = signed.amended;
    loaded.expiring = signed.expiring;
    loaded.drafts = signed.drafts;

    // Rights name product lines, which must be records first.
    loaded.product_lines = catalog::lines(app, &system).await?;
    let catalog = Box::pin(catalog::products(app, &system, &mut stream(seed, 7), scale)).await?;
    loaded.products = catalog.products;
    loaded.new_products = catalog.new;

    let limits = app.selective_limits(&system).await?;
    let limit_of = |line: &str| {
        let max = limits
            .limits
            .iter()
            .find(|l| l.product_line == line)
            .map_or(limits.default_max_partners, |l| l.max_partners);
        u32::try_from(max).unwrap_or(1)
    };
    let granted = Box::pin(territories::grant(
        app,
        &system,
        &mut stream(seed, 5),
        &network,
        scale,
        &signed.terms,
        limit_of,
    ))
    .await?;
    loaded.exclusive = granted.exclusive;
    loaded.selective = granted.selective;
    loaded.intensive = granted.intensive;

    if let Some(partner) = network.suspended.and_then(|i| network.partners.get(i)) {
        let change = StatusInput {
            status: "suspended".to_owned(),
            reason: "回款逾期".to_owned(),
        };
        app.change_partner_status(&system, &partner.code, &change)
            .await?;
    }
    if let Some(i) = network.terminated {
        let partner = &network.partners[i];
        if let Some(term) = signed.terms[i] {
            agreements::terminate(app, &system, &mut stream(seed, 6), partner, term).await?;
            loaded.agreements -= 1;
        }
        let change = StatusInput {
            status: "terminated".to_owned(),
            reason: "经营调整，双方协商终止合作".to_owned(),
        };
        app.change_partner_status(&system, &partner.code, &change)
            .await?;
    }

    let distributor = &network.partners[network.portal_distributor];
    let downstream = &network.partners[network.portal_downstream];
    for input in [
        user(
            "partner.admin",
            "刘总",
            "partner_admin",
            Some(&distributor.code),
        ),
        user(
            "partner.user",
            "赵员工",
            "partner_user",
            Some(&downstream.code),
        ),
    ] {
        app.create_user(&system, &input).await?;
        loaded.users += 1;
    }
    if scale == Scale::Demo {
        let ledger = Box::pin(receivables::ledger(
            app,
            &system,
            &mut stream(seed, 9),
            &network,
            &signed.terms,
        ))
        .await?;
        loaded.invoices = ledger.invoices;
        loaded.payments = ledger.payments;
        let trade = Box::pin(orders::load(
            app,
            &system,
            &mut stream(seed, 10),
            &network,
            &signed.terms,
        ))
        .await?;
        loaded.price_lists = trade.price_lists;
        loaded.orders = trade.orders;
        let year = Box::pin(trade::load(
            app,
            &system,
            &mut stream(seed, 11),
            &network,
            &signed.terms,
        ))
        .await?;
        loaded.sellin_lines = year.sellin;
        loaded.sellin_returns = year.returns;
        loaded.sellthrough_lines = year.sellthrough;
        loaded.stock_counts = year.counts;
        loaded.usd_orders = year.usd_orders;
        loaded.closed_months = year.closed;
        Box::pin(downstream::load(
            app,
            &system,
            &mut stream(seed, 21),
            &network,
        ))
        .await?;
        loaded.targets = targets::load(app, &system).await?;
    }
    loaded.scorecard_templates = scorecards::templates(app, &system).await?;
    loaded.awards = awards::awards(app, &system).await?;
    if scale == Scale::Demo {
        let runs = awards::runs(app, &system, &mut stream(seed, 22), &network).await?;
        loaded.award_runs = runs.runs;
        loaded.award_winners = runs.winners;
    }
    loaded.incentive_programs = incentives::programs_in_force(app, &system).await?;
    if scale == Scale::Demo {
        loaded.incentive_run = incentives::paid_run(app, &system, &mut stream(seed, 23)).await?;
    }
    Ok(loaded)
}

/// The benchmark's facts on top of a `Scale::Bench` load: `lines` sell-in
/// and `lines` sell-through lines over 24 months, written as the importers'
/// CSV files into `dir` (where the peers read them) and imported from there.
pub async fn load_bench_facts(
    app: &Qudao,
    seed: u64,
    lines: u64,
    dir: &std::path::Path,
) -> Result<BenchFacts, AppError> {
    let system = Caller::system("demo");
    bench::load(app, &system, &mut stream(seed, 12), lines, dir).await
}

fn count_network(network: &network::Network, loaded: &mut Loaded) {
    for partner in &network.partners {
        loaded.partners += 1;
        loaded.depth[usize::from(partner.parent.is_some())] += 1;
        match loaded.types.iter_mut().find(|(t, _)| *t == partner.kind) {
            Some((_, n)) => *n += 1,
            None => loaded.types.push((partner.kind, 1)),
        }
        match partner.stage {
            Stage::Active => {}
            Stage::Prospect => loaded.pipeline[0] += 1,
            Stage::Screening => loaded.pipeline[1] += 1,
            Stage::Negotiating => loaded.pipeline[2] += 1,
            Stage::Signed => loaded.pipeline[3] += 1,
            Stage::Lost => loaded.pipeline[4] += 1,
        }
    }
}
