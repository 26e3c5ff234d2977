//! The home page, one per kind of user: a partner's portal (its company,
//! agreement, territories, contacts and account manager) and, for staff, the
//! figures of their role in their scope (docs/UI.md, "Pages per role").

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use qudao_app::agreements::AgreementVersionView;
use qudao_app::grades::GradeView;
use qudao_app::home::{AccountManager, PartnerLine, StatusCount};
use qudao_app::partners::PartnerDetail;
use qudao_app::territories::AuthorizationView;
use qudao_app::{PageRequest, Permission};
use qudao_domain::admin::Role;
use qudao_domain::partners::PartnerStatus;

use super::render;
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::Chrome;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new().get("/", home)
}

/// How many partners a home page's short lists name.
const SHORT_LIST: u64 = 8;

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if ctx.caller.role.is_partner_role() {
        portal(&state, &ctx).await
    } else {
        staff(&state, &ctx).await
    }
}

/// A staff member's home. Each role gets the sections of its work; a
/// section is `None` (not shown) for the roles it does not serve.
#[derive(Template)]
#[template(path = "home.html")]
struct StaffPage {
    c: Chrome,
    role: Role,
    /// Partners in scope by status (admin, manager, rep).
    statuses: Vec<StatusCount>,
    partners: i64,
    expiring_agreements: Option<u64>,
    /// Requests from partners waiting for a decision (admin, manager).
    pending_changes: Option<u64>,
    /// Signed partners nobody has a contact for (manager, rep).
    without_contacts: Option<qudao_app::Page<PartnerLine>>,
    /// Finance: the largest credit limits and the partners on hold.
    credit_limits: Option<qudao_app::Page<PartnerLine>>,
    suspended: Option<qudao_app::Page<PartnerLine>>,
    /// Admin: accounts and the latest audit records.
    users: Option<u64>,
    recent_audit: Vec<qudao_app::audit::AuditView>,
    chart: Option<String>,
    /// The newest open alerts in scope (staff who see alerts).
    alerts: Option<qudao_app::Page<qudao_app::alerts::AlertView>>,
}

impl StaffPage {
    fn count(&self, status: PartnerStatus) -> i64 {
        self.statuses
            .iter()
            .find(|c| c.status == status)
            .map_or(0, |c| c.partners)
    }

    /// The recruitment stages with their counts, for the pipeline cards.
    fn pipeline(&self) -> [(PartnerStatus, i64); 3] {
        [
            PartnerStatus::Prospect,
            PartnerStatus::Screening,
            PartnerStatus::Negotiating,
        ]
        .map(|s| (s, self.count(s)))
    }

    fn is(&self, role: &str) -> bool {
        self.role.as_str() == role
    }

    fn limit(&self, line: &PartnerLine) -> String {
        amount(line.credit_limit.as_deref(), &line.currency)
    }

    fn sentence(&self, alert: &qudao_app::alerts::AlertView) -> String {
        super::alerts::sentence(self.c.lang, alert)
    }
}

/// An amount as people read it (`¥3,700,000.00`), in the one money format.
fn amount(text: Option<&str>, currency: &str) -> String {
    text.map(|text| crate::layout::money_text(text, currency))
        .unwrap_or_default()
}

fn short() -> PageRequest {
    PageRequest::new(Some(1), Some(SHORT_LIST))
}

async fn staff(state: &AppState, ctx: &Ctx) -> Result<Response, PageError> {
    let caller = &ctx.caller;
    let role = caller.role;
    let app = &state.app;
    let statuses = app.partner_counts_by_status(caller).await?;
    let partners = statuses.iter().map(|c| c.partners).sum();
    let field = matches!(role, Role::Admin | Role::ChannelManager | Role::SalesRep);
    let expiring_agreements = if field {
        Some(
            app.count_expiring_agreements(caller, qudao_app::agreements::EXPIRING_DAYS)
                .await?,
        )
    } else {
        None
    };
    let pending_changes = if caller.can(Permission::ManagePartners) {
        Some(app.pending_change_requests(caller).await?)
    } else {
        None
    };
    let without_contacts = if matches!(role, Role::ChannelManager | Role::SalesRep) {
        Some(app.partners_without_contacts(caller, short()).await?)
    } else {
        None
    };
    let (credit_limits, suspended) = if role == Role::Finance {
        (
            Some(app.largest_credit_limits(caller, short()).await?),
            Some(
                app.partners_in_status(caller, PartnerStatus::Suspended, short())
                    .await?,
            ),
        )
    } else {
        (None, None)
    };
    let (users, recent_audit) = if caller.can(Permission::ManageUsers) {
        let users = app
            .list_users(
                caller,
                &qudao_app::admin::UserFilter::default(),
                qudao_app::admin::UserSort::default(),
                qudao_app::SortDir::Asc,
                PageRequest::new(Some(1), Some(1)),
            )
            .await?
            .total;
        // Changes, not sign-ins: of the latest records, the first five
        // that changed something.
        let audit = app
            .list_audit(
                caller,
                &qudao_app::audit::Filter::default(),
                PageRequest::new(Some(1), Some(50)),
            )
            .await?
            .items
            .into_iter()
            .filter(|entry| !entry.action.starts_with("login"))
            .take(5)
            .collect();
        (Some(users), audit)
    } else {
        (None, Vec::new())
    };
    let chart = if matches!(role, Role::Admin | Role::ChannelManager) {
        Some(type_chart(state, ctx).await?)
    } else {
        None
    };
    let alerts = if caller.can(Permission::ViewAlerts) {
        let open = qudao_app::alerts::AlertQuery {
            status: Some("open".to_owned()),
            ..Default::default()
        };
        Some(app.alerts(caller, &open, short()).await?)
    } else {
        None
    };
    let title = ctx.lang.tf("home.welcome", &caller.display_name);
    let c = Chrome::new(ctx, "/", title, Vec::new()).await?;
    render(&StaffPage {
        c,
        role,
        statuses,
        partners,
        expiring_agreements,
        pending_changes,
        without_contacts,
        credit_limits,
        suspended,
        users,
        recent_audit,
        chart,
        alerts,
    })
}

/// Partners in scope by type, as an ECharts bar chart.
async fn type_chart(state: &AppState, ctx: &Ctx) -> Result<String, PageError> {
    let counts = state.app.partner_counts_by_type(&ctx.caller).await?;
    let lang = ctx.lang;
    let names: Vec<&str> = counts
        .iter()
        .map(|c| lang.t(&format!("partner_type.{}", c.partner_type)))
        .collect();
    let values: Vec<i64> = counts.iter().map(|c| c.partners).collect();
    Ok(serde_json::json!({
        "animation": false,
        "color": ["#0f766e"],
        "tooltip": { "trigger": "axis" },
        "grid": { "left": 40, "right": 16, "top": 16, "bottom": 32, "containLabel": true },
        "xAxis": { "type": "category", "data": names },
        "yAxis": { "type": "value", "minInterval": 1 },
        "series": [{ "type": "bar", "name": lang.t("home.partners"), "data": values, "barMaxWidth": 48 }],
    })
    .to_string())
}

/// A partner's home: what it is to us, on what terms, where it may sell,
/// and whom to call.
///
/// Extension point for the trade areas: orders, balance and statements each
/// add one field here (loaded by their own `app` use case for the caller's
/// organisation) and one `{% include %}` at the marked place in
/// `portal.html`; nothing is shown for an area that does not exist yet.
#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    c: Chrome,
    partner: PartnerDetail,
    grade: Option<GradeView>,
    /// The agreement version in force today.
    agreement: Option<AgreementVersionView>,
    territories: Vec<AuthorizationView>,
    account_manager: Option<AccountManager>,
    /// The price lists that price this partner today.
    price_lists: Vec<qudao_app::pricing::PriceListView>,
    /// A partner admin keeps contacts and asks for record changes.
    can_edit: bool,
    today: NaiveDate,
}

impl PortalPage {
    /// The last day the agreement in force runs (earlier than its end
    /// date when it was cut short), and the days until then.
    fn term_end(&self) -> Option<NaiveDate> {
        self.agreement
            .as_ref()
            .map(|a| a.in_force_until.unwrap_or(a.valid_to))
    }

    fn days_left(&self) -> i64 {
        self.term_end()
            .map_or(0, |end| (end - self.today).num_days())
    }

    fn list_name<'a>(&self, list: &'a qudao_app::pricing::PriceListView) -> &'a str {
        crate::layout::pick(self.c.lang, Some(&list.name), Some(&list.name_en))
    }

    fn grade_name(&self, grade: &GradeView) -> String {
        super::grades::grade_name(&self.c, grade)
    }

    /// The benefits in the page's language (English when written).
    fn benefits<'a>(&self, grade: &'a GradeView) -> &'a str {
        match (&grade.benefits_en, self.c.lang) {
            (Some(en), crate::i18n::Lang::En) if !en.is_empty() => en,
            _ => &grade.benefits,
        }
    }

    fn credit_limit(&self) -> String {
        amount(self.partner.credit_limit.as_deref(), &self.partner.currency)
    }
}

async fn portal(state: &AppState, ctx: &Ctx) -> Result<Response, PageError> {
    let Some(code) = state.app.own_partner_code(&ctx.caller).await? else {
        // A partner account without an organisation sees nothing at all.
        return Err(qudao_app::AppError::NotFound("partner").into());
    };
    let (partner, shown) = state.app.partner_shown(&ctx.caller, &code).await?;
    let grade = state
        .app
        .partner_grade_shown(&ctx.caller, &shown)
        .await?
        .0
        .grade;
    let agreement = super::agreements::partner_summary(state, ctx, &shown)
        .await?
        .and_then(|a| a.in_force);
    let today = qudao_app::today();
    let territories = super::territories::PartnerAuthorizations::load(state, ctx, &shown)
        .await?
        .rows
        .into_iter()
        .filter(|a| a.ended_at.is_none() && a.valid_to >= today)
        .collect();
    let account_manager = state.app.account_manager(&ctx.caller).await?;
    let price_lists = state
        .app
        .price_lists(&ctx.caller, &qudao_app::pricing::ListFilter::default())
        .await?
        .into_iter()
        .filter(|l| l.valid_from <= today && today <= l.valid_to)
        .collect();
    let title = partner.partner.name.clone();
    let c = Chrome::new(ctx, "/", title, Vec::new()).await?;
    render(&PortalPage {
        c,
        can_edit: ctx.caller.can(Permission::RequestPartnerChanges),
        partner,
        grade,
        agreement,
        territories,
        account_manager,
        price_lists,
        today,
    })
}
