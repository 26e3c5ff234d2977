//! What every signed-in page shares: navigation, breadcrumb, flash message,
//! language switch and the CSRF token for its forms.

use qudao_app::{Caller, Permission};

use crate::assets;
use crate::auth::{Ctx, Flash, take_flash, urlencode};
use crate::error::WebError;
use crate::i18n::Lang;

/// Business areas that later issues build. Until then each has an honest
/// "not available yet" page at `/areas/<slug>`.
pub(crate) const PENDING_AREAS: &[(&str, &str)] = &[
    ("incentives", "performance"),
    ("compliance", "relations"),
    ("crm", "relations"),
    ("service", "relations"),
    ("training", "relations"),
    ("comms", "relations"),
];

pub(crate) struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
    pub pending: bool,
}

pub(crate) struct NavGroup {
    pub label: &'static str,
    pub links: Vec<NavLink>,
}

pub(crate) struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// A breadcrumb link to another page, labelled by a message key.
pub(crate) fn crumb(lang: Lang, key: &str, href: &str) -> (String, Option<String>) {
    (lang.t(key).to_owned(), Some(href.to_owned()))
}

pub(crate) struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub user_name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub nav: Vec<NavGroup>,
    pub crumbs: Vec<Crumb>,
    pub here: String,
    lines: std::sync::Arc<qudao_app::LineNames>,
}

impl Chrome {
    /// Builds the page frame; `active` is the nav entry's path.
    pub(crate) async fn new(
        ctx: &Ctx,
        active: &str,
        title: String,
        crumbs: Vec<(String, Option<String>)>,
    ) -> Result<Self, WebError> {
        let lang = ctx.lang;
        Ok(Chrome {
            lang,
            title,
            user_name: ctx.caller.display_name.clone(),
            role_label: lang.t(&format!("role.{}", ctx.caller.role.as_str())),
            csrf: ctx.csrf.clone(),
            flash: take_flash(&ctx.session).await?,
            nav: navigation(&ctx.caller, lang, active),
            crumbs: std::iter::once((lang.t("nav.home").to_owned(), Some("/".to_owned())))
                .chain(crumbs)
                .map(|(label, href)| Crumb { label, href })
                .collect(),
            here: ctx.here.clone(),
            lines: std::sync::Arc::clone(&ctx.lines),
        })
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn tf(&self, key: &str, value: impl std::fmt::Display) -> String {
        self.lang.tf(key, value)
    }

    /// The label of a posted field, for a form's error summary.
    pub fn field_label(&self, field: &str) -> &'static str {
        crate::forms::field_label(self.lang, field)
    }

    /// The words for a stored value, e.g. `label("role", "finance")`.
    pub fn label(&self, kind: &str, value: &str) -> &'static str {
        self.lang.t(&format!("{kind}.{value}"))
    }

    /// The words for a stored value where the catalog may not have them
    /// (an audit action added later): the value itself then.
    pub fn words(&self, kind: &str, value: &str) -> String {
        self.lang
            .lookup(&format!("{kind}.{value}"))
            .map_or_else(|| value.to_owned(), str::to_owned)
    }

    /// An aside in brackets as the page's language writes it: full-width
    /// in Chinese (信用额度（CNY）), with a space before it in English.
    pub fn paren(&self, text: &str) -> String {
        match self.lang {
            Lang::ZhCn => format!("（{text}）"),
            Lang::En => format!(" ({text})"),
        }
    }

    /// A label before what it introduces, with the colon the page's
    /// language writes: full-width in Chinese (模板：), `: ` in English.
    pub fn introducing(&self, key: &str) -> String {
        match self.lang {
            Lang::ZhCn => format!("{}：", self.t(key)),
            Lang::En => format!("{}: ", self.t(key)),
        }
    }

    /// A product line's name in the page's language (茶饮 for `TEA`), from
    /// its record; the code itself for a code that is no line.
    pub fn product_line(&self, code: &str) -> String {
        line_name(&self.lines, self.lang, code)
    }

    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    pub fn langs(&self) -> [Lang; 2] {
        Lang::ALL
    }

    /// The language switch link: sets the cookie and comes back here.
    pub fn lang_href(&self, lang: &Lang) -> String {
        format!("/lang/{}?next={}", lang.tag(), urlencode(&self.here))
    }

    /// A timestamp in the business time zone (`qudao_app::time_zone`).
    pub fn at(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        display_time(at)
    }

    pub fn at_opt(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.as_ref().map(display_time).unwrap_or_default()
    }

    /// An amount given as decimal text of `currency`, as people read it
    /// (`¥40,000,000.00`); see [`money_text`].
    pub fn money(&self, amount: &str, currency: &str) -> String {
        money_text(amount, currency)
    }

    /// Whether a name says more than its code (a login without a user, a
    /// record without a name), so the code is worth showing beside it.
    pub fn differs(&self, name: &str, code: &str) -> bool {
        name != code
    }

    /// The name of a record in the page's language: the English name on an
    /// English page where there is one, else the Chinese name.
    pub fn pick<'a>(&self, name: &'a Option<String>, name_en: &'a Option<String>) -> &'a str {
        pick(self.lang, name.as_deref(), name_en.as_deref())
    }
}

/// A product line's name in `lang`, or its code when no line has it.
pub(crate) fn line_name(lines: &qudao_app::LineNames, lang: Lang, code: &str) -> String {
    lines
        .name(code, lang == Lang::En)
        .map_or_else(|| code.to_owned(), str::to_owned)
}

pub(crate) fn pick<'a>(lang: Lang, name: Option<&'a str>, name_en: Option<&'a str>) -> &'a str {
    match (lang, name_en) {
        (Lang::En, Some(en)) if !en.is_empty() => en,
        _ => name.unwrap_or_default(),
    }
}

/// Decimal text of a currency through [`Money::formatted`], the single
/// money format of pages and exports; text that is not an amount of that
/// currency is shown as it is rather than hidden.
pub(crate) fn money_text(amount: &str, currency: &str) -> String {
    qudao_domain::money::Currency::parse(currency)
        .and_then(|c| qudao_domain::money::Money::parse("amount", amount, c))
        .map_or_else(
            |_| format!("{amount} {currency}"),
            qudao_domain::money::Money::formatted,
        )
}

/// A name with its code beside it, for plain text (flash messages, titles);
/// pages use the `name_code` macro, which sets the code small.
pub(crate) fn name_code(lang: Lang, name: &str, code: &str) -> String {
    match lang {
        _ if name.is_empty() || name == code => code.to_owned(),
        Lang::ZhCn => format!("{name}（{code}）"),
        Lang::En => format!("{name} ({code})"),
    }
}

pub(crate) fn display_time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&qudao_app::time_zone())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn navigation(caller: &Caller, lang: Lang, active: &str) -> Vec<NavGroup> {
    let link = |href: &str, key: &'static str, pending: bool| NavLink {
        active: href == active,
        href: href.to_owned(),
        label: lang.t(key),
        pending,
    };
    let mut groups = vec![NavGroup {
        label: lang.t("navgroup.overview"),
        links: vec![link("/", "nav.home", false)],
    }];
    for group in ["network", "trade", "performance", "relations"] {
        let mut links = Vec::new();
        if group == "network" {
            links.push(link("/partners", "nav.partners", false));
            if caller.can(Permission::ManagePartners) {
                links.push(link("/imports", "nav.imports", false));
            }
            links.push(link("/agreements", "nav.agreements", false));
            if caller.can(Permission::ViewOnboarding) {
                links.push(link("/partners/pipeline", "nav.pipeline", false));
            }
            if caller.can(Permission::ManagePartners) {
                links.push(link("/partners/changes", "changes.queue", false));
            }
            links.push(link("/partners/grades", "nav.grades", false));
            links.push(link("/territories/regions", "nav.regions", false));
            links.push(link(
                "/territories/authorizations",
                "nav.authorizations",
                false,
            ));
        }
        if group == "trade" {
            // Partner users see the products their channel may buy here.
            links.push(link("/catalog/products", "nav.catalog", false));
            links.push(link("/pricing", "nav.pricing", false));
            if caller.can(Permission::ViewOrders) {
                let label = if caller.role.is_partner_role() {
                    "orders.mine"
                } else {
                    "nav.orders"
                };
                links.push(link("/orders", label, false));
            }
            if !caller.role.is_partner_role() {
                links.push(link("/pricing/check", "pricing.check", false));
            }
            if caller.can(Permission::ViewSellThrough) {
                links.push(link("/sellthrough", "nav.sellthrough", false));
                links.push(link("/sellthrough/uploads", "sellthrough.uploads", false));
            }
            if caller.can(Permission::ViewReceivables) {
                links.push(link("/receivables", "nav.receivables", false));
            }
            if caller.can(Permission::ViewInventory) {
                links.push(link("/inventory", "nav.inventory", false));
                links.push(link("/inventory/counts", "nav.stock_counts", false));
                links.push(link("/inventory/quality", "nav.data_quality", false));
            }
        }
        if group == "performance" && caller.can(Permission::ViewTargets) {
            let label = if caller.role.is_partner_role() {
                "targets.mine"
            } else {
                "nav.targets"
            };
            links.push(link("/targets", label, false));
        }
        if group == "performance" && caller.can(Permission::ViewAnalytics) {
            links.push(link("/analytics", "nav.analytics", false));
        }
        if group == "performance" && caller.can(Permission::ViewAlerts) {
            links.push(link("/alerts", "nav.alerts", false));
        }
        if group == "performance" && caller.can(Permission::ViewScorecards) {
            // A partner's people see their own scorecard; staff the runs.
            if caller.role.is_partner_role() {
                links.push(link("/scorecards/mine", "nav.scorecards", false));
            } else {
                links.push(link("/scorecards", "nav.scorecards", false));
                links.push(link("/awards", "awards.title", false));
            }
        }
        if group == "performance" && caller.can(Permission::ViewIncentives) {
            links.push(link("/incentives", "nav.incentives", false));
            links.push(link("/incentives/runs", "nav.incentive_runs", false));
            links.push(link(
                "/incentives/watchlist",
                "nav.incentive_watchlist",
                false,
            ));
        }
        if group == "performance" && caller.can(Permission::ViewIncentiveAccruals) {
            links.push(link(
                "/incentives/accruals",
                "nav.incentive_accruals",
                false,
            ));
        }
        if group == "performance" && caller.role.is_partner_role() {
            links.push(link("/my/incentives", "nav.my_incentives", false));
        }
        if group == "performance" && caller.can(Permission::ApproveGrades) {
            links.push(link("/scorecards/proposals", "nav.grade_proposals", false));
        }
        // Partners see only what exists for them; the trade areas add their
        // portal pages here when they land.
        let pending = if caller.role.is_partner_role() {
            &[][..]
        } else {
            PENDING_AREAS
        };
        // Incentive programs have their pages; the pending page still says
        // what of the area is to come, for those who cannot read programs.
        let pending = pending
            .iter()
            .filter(|(slug, _)| *slug != "incentives" || !caller.can(Permission::ViewIncentives));
        for (slug, _) in pending.filter(|(_, g)| *g == group) {
            links.push(NavLink {
                active: format!("/areas/{slug}") == active,
                href: format!("/areas/{slug}"),
                label: lang.t(area_key(slug)),
                pending: true,
            });
        }
        if !links.is_empty() {
            groups.push(NavGroup {
                label: lang.t(group_key(group)),
                links,
            });
        }
    }
    if caller.can(Permission::ManageFinance) {
        groups.push(NavGroup {
            label: lang.t("navgroup.finance"),
            links: vec![
                link("/finance/periods", "nav.periods", false),
                link("/finance/rates", "nav.rates", false),
            ],
        });
    }
    if caller.can(Permission::ManageUsers) {
        groups.push(NavGroup {
            label: lang.t("navgroup.admin"),
            links: vec![
                link("/admin/users", "nav.users", false),
                link("/admin/audit", "nav.audit", false),
                link("/admin/settings", "nav.settings", false),
            ],
        });
    }
    let mut you = vec![link("/account", "nav.account", false)];
    if caller.can(Permission::ManageTeam) {
        you.push(link("/team", "nav.team", false));
    }
    if !caller.role.is_partner_role() {
        you.push(link("/api/docs", "nav.api_docs", false));
    }
    groups.push(NavGroup {
        label: lang.t("navgroup.you"),
        links: you,
    });
    groups
}

fn group_key(group: &str) -> &'static str {
    match group {
        "network" => "navgroup.network",
        "trade" => "navgroup.trade",
        "performance" => "navgroup.performance",
        _ => "navgroup.relations",
    }
}

/// The message key of an area's name.
pub(crate) fn area_key(slug: &str) -> &'static str {
    match slug {
        "orders" => "nav.orders",
        "inventory" => "nav.inventory",
        "receivables" => "nav.receivables",
        "incentives" => "nav.incentives",
        "analytics" => "nav.analytics",
        "compliance" => "nav.compliance",
        "crm" => "nav.crm",
        "service" => "nav.service",
        "training" => "nav.training",
        _ => "nav.comms",
    }
}

/// Links of a list page that keep its filters: sorting, paging, export.
pub(crate) struct ListLinks {
    pub base: String,
    /// The filter parameters, already encoded, without sort and page.
    pub filters: Vec<(String, String)>,
    pub sort: String,
    pub desc: bool,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
}

impl ListLinks {
    fn query(&self, extra: &[(&str, String)]) -> String {
        let mut parts: Vec<String> = self
            .filters
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        parts.extend(extra.iter().map(|(k, v)| format!("{k}={}", urlencode(v))));
        if parts.is_empty() {
            self.base.clone()
        } else {
            format!("{}?{}", self.base, parts.join("&"))
        }
    }

    pub fn sort_href(&self, field: &str) -> String {
        let desc = self.sort == field && !self.desc;
        self.query(&[
            ("sort", field.to_owned()),
            ("dir", if desc { "desc" } else { "asc" }.to_owned()),
        ])
    }

    /// Whether any filter is set, so an empty list can say "nothing matches
    /// these filters" rather than "nothing here".
    pub fn is_filtered(&self) -> bool {
        self.filters.iter().any(|(_, v)| !v.trim().is_empty())
    }

    pub fn sort_class(&self, field: &str) -> &'static str {
        match (self.sort == field, self.desc) {
            (false, _) => "",
            (true, false) => "sorted-asc",
            (true, true) => "sorted-desc",
        }
    }

    fn keep_sort(&self) -> Vec<(&'static str, String)> {
        vec![
            ("sort", self.sort.clone()),
            ("dir", if self.desc { "desc" } else { "asc" }.to_owned()),
        ]
    }

    pub fn page_href(&self, page: u64) -> String {
        let mut extra = self.keep_sort();
        extra.push(("page", page.to_string()));
        self.query(&extra)
    }

    pub fn export_href(&self) -> String {
        let mut extra = self.keep_sort();
        extra.push(("format", "xlsx".to_owned()));
        self.query(&extra)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }

    pub fn prev(&self) -> u64 {
        self.page.saturating_sub(1).max(1)
    }

    pub fn next(&self) -> u64 {
        (self.page + 1).min(self.pages)
    }

    pub fn filter_value(&self, name: &str) -> &str {
        self.filters
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}
