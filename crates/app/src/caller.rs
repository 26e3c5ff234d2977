use std::sync::{Arc, Mutex};

use qudao_domain::admin::Role;
use qudao_domain::partners::PartnerId;
use qudao_domain::scope::{DataScope, UserId, scope_for};

use crate::AppError;

/// Who is asking: an authenticated, active user. Built only by the
/// authentication use cases, so holding one proves the check was made.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub partner_id: Option<PartnerId>,
    pub(crate) scope: DataScope,
    /// Where the request came from, for the audit record.
    pub origin: Origin,
    /// The partner ids `scope` reached when last read, with the count of
    /// commits it was read after ([`crate::commits`]). Clones share it, so
    /// a caller kept by the caller cache reads its reach once per write on
    /// this node rather than once per question: a dashboard asks a dozen.
    pub(crate) reach: Arc<Mutex<Option<Reach>>>,
}

/// The count of commits a reach was read after, and the partner ids.
pub(crate) type Reach = (u64, Arc<Vec<i64>>);

/// The client of a request: its address and user agent, as the web layer
/// saw them. The command line has neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    /// The longest user agent kept; longer ones are cut (on a character
    /// boundary), not refused.
    pub const USER_AGENT_MAX: usize = 300;

    pub fn new(address: Option<std::net::IpAddr>, user_agent: Option<&str>) -> Self {
        Self {
            // An IPv4 client of a dual-stack socket reads as itself.
            address: address.map(|ip| ip.to_canonical().to_string()),
            user_agent: user_agent
                .map(str::trim)
                .filter(|agent| !agent.is_empty())
                .map(|agent| agent.chars().take(Self::USER_AGENT_MAX).collect()),
        }
    }
}

/// What a role may do, whatever the record. Which records it may do it to is
/// the caller's [`DataScope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ViewPartners,
    ManagePartners,
    ViewAgreements,
    ManageAgreements,
    ManageUsers,
    ViewAudit,
    /// Configure the grade ladder (levels, ranks, thresholds, benefits).
    ConfigureGrades,
    /// See criteria, evaluations and the recruitment board: internal staff only.
    ViewOnboarding,
    /// Evaluate prospects, move them on the board, edit criteria.
    ManageOnboarding,
    /// Regions and the authorizations of partners in scope.
    ViewTerritories,
    /// Add regions, grant and change authorizations, set selective limits.
    ManageTerritories,
    /// A partner admin's own organisation's staff accounts (see `team`).
    ManageTeam,
    /// Add and remove a partner's contacts: staff who manage partners, a
    /// sales rep for the partners it covers, a partner admin for its own
    /// organisation (the `Contacts` narrowing in `scope`).
    ManageContacts,
    /// Move cards on the recruitment board (one stage on or back, or out
    /// to lost), within the caller's scope.
    MoveOnboardingCards,
    /// Change a partner's credit limit, with a reason; nothing else of the
    /// record.
    ChangeCreditLimit,
    /// Ask for a change to its own organisation's name or address, which a
    /// channel manager decides (`partner_changes`).
    RequestPartnerChanges,
    /// Read the catalog: staff all of it, a partner's users the lines
    /// their channel may buy, without cost (see `catalog`).
    ViewCatalog,
    /// Keep product lines, products and channel rules.
    ManageCatalog,
    /// Close and reopen months, keep the exchange rates: finance's books.
    ManageFinance,
    /// Read the company's settings (currency, fiscal year): internal staff.
    ViewSettings,
    /// Change the company's settings.
    ConfigureSettings,
    /// Read price lists and quotes: staff in their scope, a partner the
    /// lists that target its own organisation (see `pricing`).
    ViewPriceLists,
    /// Create, edit, activate, retire and copy the brand's price lists.
    ManagePriceLists,
    ViewSellThrough,
    ReportSellThrough,
    // Receivables (`receivables`).
    /// Read invoices, payments, statements and ageing: staff in their
    /// scope, a partner's users their own organisation's.
    ViewReceivables,
    /// Enter opening invoices, record and allocate payments, import bank
    /// files.
    ManageReceivables,
    // Orders (sell-in), see `orders`.
    /// Read orders, shipments, returns and credit notes in scope (a
    /// partner its own organisation's).
    ViewOrders,
    /// Create, edit, submit and cancel orders: a partner's people for
    /// their own organisation, staff who sell for partners in scope.
    PlaceOrders,
    /// Set a line's price within its list's band instead of the looked-up
    /// one, with a reason.
    OverrideOrderPrices,
    /// Approve and reject submitted orders, ship them and take returns.
    DecideOrders,
    /// Issue a credit note against an invoice on its own.
    IssueCreditNotes,
    /// A distributor's boss: keep its own downstream price lists, and
    /// approve, reject and ship its tier-2 partners' orders (二级订货).
    SellDownstream,
    // Inventory: channel stock, stock counts, sell-in history, data quality.
    /// Read on-hand stock, counts and data-quality scores: staff in their
    /// scope, a partner its own organisation's (see `inventory`).
    ViewInventory,
    /// Report a partner's stock counts (a partner for itself, staff for the
    /// partners in their scope).
    ReportStockCounts,
    /// Import order history from a previous system as sell-in lines.
    ImportSellIn,
    /// Dashboards and the analytics query: every role, each over the facts
    /// its scope reaches (see `analytics`).
    ViewAnalytics,
    // Alerts (`alerts`): internal follow-up of partners.
    /// Read the alerts of the partners in scope and acknowledge them.
    ViewAlerts,
    AcknowledgeAlerts,
    /// Run the alert job by hand (the server runs it daily as the system).
    RunAlerts,
    // Targets (`targets`).
    /// Read targets and their attainment: staff the planning targets and
    /// the partners' in scope, a rep its own, a partner its own.
    ViewTargets,
    /// Set targets and cascade them.
    ManageTargets,
    /// Approve a target into force, and amend an approved one.
    ApproveTargets,
    /// Propose a bottom-up figure: a rep for itself and the partners it
    /// covers, a partner admin for its own organisation (`target_plans`).
    ProposeTargets,
    // Scorecards (`scorecards`).
    /// Read templates, runs and the results in reach: staff the partners
    /// in scope and the reps', a rep its own, a partner its own.
    ViewScorecards,
    /// Keep templates, import KPI inputs, run evaluations.
    ManageScorecards,
    /// Approve or reject the grade changes a run proposes.
    ApproveGrades,
    // Incentive programs (`incentives`): the company's own rules.
    /// Read programs and their versions: staff, finance included; never a
    /// partner (a partner will see only its statements).
    ViewIncentives,
    /// Write program versions and put them in force; compute runs.
    ManageIncentives,
    /// Approve an incentive run and pay it: finance alone, as money
    /// leaves the company here.
    ApproveIncentives,
    /// Enter and list penalties and manual adjustments of incentive
    /// results (`incentive_adjustments`): finance's and the channel's
    /// managers' work, not a rep's (whose commission they change).
    AdjustIncentives,
    /// Read the month-end accruals (`incentive_accruals`): the company's
    /// liability per program, for finance and the channel's managers.
    ViewIncentiveAccruals,
}

impl Permission {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Permission::ViewPartners
            | Permission::ViewTerritories
            | Permission::ViewCatalog
            | Permission::ViewPriceLists => true,
            Permission::ManagePartners
            | Permission::ManageAgreements
            | Permission::ManageTerritories
            | Permission::ManageCatalog
            | Permission::ManagePriceLists => matches!(role, Role::Admin | Role::ChannelManager),
            // Which agreements: the agreement scope (own organisation only
            // for partner roles), see `agreements`.
            Permission::ViewAgreements => true,
            Permission::ManageUsers | Permission::ViewAudit | Permission::ConfigureGrades => {
                role == Role::Admin
            }
            Permission::ViewOnboarding => !role.is_partner_role(),
            Permission::ManageOnboarding => matches!(role, Role::Admin | Role::ChannelManager),
            Permission::ManageTeam | Permission::RequestPartnerChanges => {
                role == Role::PartnerAdmin
            }
            Permission::ManageContacts => matches!(
                role,
                Role::Admin | Role::ChannelManager | Role::SalesRep | Role::PartnerAdmin
            ),
            Permission::MoveOnboardingCards => {
                matches!(role, Role::Admin | Role::ChannelManager | Role::SalesRep)
            }
            Permission::ChangeCreditLimit | Permission::ManageFinance => {
                matches!(role, Role::Admin | Role::Finance)
            }
            Permission::ViewSettings => !role.is_partner_role(),
            Permission::ConfigureSettings => role == Role::Admin,
            // Which lines: the sell-through scope (own organisation only
            // for partner roles), see `sellthrough`.
            Permission::ViewSellThrough => true,
            Permission::ReportSellThrough => role != Role::Finance,
            Permission::ViewReceivables => true,
            Permission::ManageReceivables => matches!(role, Role::Admin | Role::Finance),
            Permission::ViewOrders => true,
            Permission::PlaceOrders => role != Role::Finance,
            Permission::OverrideOrderPrices | Permission::DecideOrders => {
                matches!(role, Role::Admin | Role::ChannelManager)
            }
            Permission::IssueCreditNotes => matches!(role, Role::Admin | Role::Finance),
            Permission::SellDownstream => role == Role::PartnerAdmin,
            Permission::ViewInventory | Permission::ViewAnalytics => true,
            Permission::ReportStockCounts => role != Role::Finance,
            Permission::ViewAlerts | Permission::AcknowledgeAlerts => !role.is_partner_role(),
            Permission::RunAlerts => matches!(role, Role::Admin | Role::ChannelManager),
            Permission::ViewTargets => true,
            Permission::ManageTargets | Permission::ApproveTargets => {
                matches!(role, Role::Admin | Role::ChannelManager)
            }
            Permission::ProposeTargets => matches!(role, Role::SalesRep | Role::PartnerAdmin),
            Permission::ViewScorecards => true,
            Permission::ManageScorecards | Permission::ApproveGrades => {
                matches!(role, Role::Admin | Role::ChannelManager)
            }
            Permission::ViewIncentives => !role.is_partner_role(),
            Permission::ManageIncentives => matches!(role, Role::Admin | Role::ChannelManager),
            Permission::ApproveIncentives => role == Role::Finance,
            Permission::AdjustIncentives | Permission::ViewIncentiveAccruals => {
                matches!(role, Role::Admin | Role::ChannelManager | Role::Finance)
            }
            Permission::ImportSellIn => {
                matches!(role, Role::Admin | Role::ChannelManager | Role::Finance)
            }
        }
    }
}

impl Caller {
    pub(crate) fn new(
        user_id: i64,
        login: String,
        display_name: String,
        role: Role,
        partner_id: Option<i64>,
    ) -> Self {
        let user_id = UserId(user_id);
        let partner_id = partner_id.map(PartnerId);
        Self {
            user_id,
            login,
            display_name,
            role,
            partner_id,
            scope: scope_for(role, user_id, partner_id),
            origin: Origin::default(),
            reach: Arc::default(),
        }
    }

    /// The same caller, acting from `origin`.
    pub fn from_origin(self, origin: Origin) -> Self {
        Self { origin, ..self }
    }

    /// The command line acting as the system: an administrator that is not a
    /// user account. Audit records name it by `name` with no user id.
    pub fn system(name: &str) -> Self {
        Self::new(0, name.to_owned(), name.to_owned(), Role::Admin, None)
    }

    pub fn is_system(&self) -> bool {
        self.user_id.0 == 0
    }

    pub fn can(&self, permission: Permission) -> bool {
        permission.allows(self.role)
    }

    pub(crate) fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn scope(&self) -> DataScope {
        self.scope
    }
}
