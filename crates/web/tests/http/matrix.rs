#![allow(clippy::wildcard_imports)]

use super::*;

/// The columns of [`MATRIX`]; `anonymous` is no one signed in.
const ROLES: [&str; 7] = [
    "admin",
    "manager",
    "rep",
    "finance",
    "padmin",
    "puser",
    "anonymous",
];

/// What a row sends. In any text, `{n}` becomes a number unique to the
/// request, so that codes and logins stay unique, and `{rank}` a grade rank
/// unique to it (ranks stop at 9999).
#[derive(Clone, Copy)]
enum Input {
    Empty,
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
    /// A file upload: the form's fields and the file's CSV.
    Upload(&'static [(&'static str, &'static str)], &'static str),
}
use Input::{Empty, Form, Json, Upload};

/// method, path (with a query if need be), what is sent, and the status each
/// of [`ROLES`] gets.
type Row = (&'static str, &'static str, Input, [u16; 7]);

/// Dates out of order: refused with a field error, nothing written.
const AGREEMENT_FORM: Input = Form(&[
    ("amends", "1"),
    ("valid_from", "2026-05-01"),
    ("valid_to", "2026-04-30"),
    ("payment_net_days", "30"),
    ("note", "matrix"),
]);
const AGREEMENT_JSON: Input = Json(
    r#"{"amends": 1, "valid_from": "2026-05-01", "valid_to": "2026-04-30", "payment_net_days": "30", "note": "matrix"}"#,
);

/// Every route and what each caller gets. Pages answer a stranger with a
/// redirect to the login page (303); the API answers 401 problem JSON.
/// Outside a caller's data scope a partner does not exist (404); an action
/// the role may never take is 403.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    // method  path  what is sent  [admin manager rep finance padmin puser anonymous]
    ("GET", "/", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/partners", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/partners/new", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/partners/P1", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/partners/P2", Empty, [200, 200, 404, 200, 200, 200, 303]),
    ("GET", "/partners/P3", Empty, [200, 404, 404, 200, 404, 404, 303]),
    ("GET", "/admin/users", Empty, [200, 403, 403, 403, 403, 403, 303]),
    ("GET", "/admin/users/new", Empty, [200, 403, 403, 403, 403, 403, 303]),
    ("GET", "/admin/audit", Empty, [200, 403, 403, 403, 403, 403, 303]),
    ("GET", "/account", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/areas/incentives", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/api/docs", Empty, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/me", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/partners", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/partners/P1", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/api/v1/partners/P2", Empty, [200, 200, 404, 200, 200, 200, 401]),
    ("GET", "/api/v1/partners/P3", Empty, [200, 404, 404, 200, 404, 404, 401]),
    ("GET", "/api/v1/users", Empty, [200, 403, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/audit", Empty, [200, 403, 403, 403, 403, 403, 401]),
    ("POST", "/partners", Form(&[("code", "F{n}"), ("name", "Form partner"), ("partner_type", "agent")]), [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users", Form(&[("login", "form-user-{n}"), ("display_name", "Form user"), ("role", "sales_rep"), ("password", PASSWORD)]), [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/other/status", Form(&[("status", "active")]), [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/other/password", Form(&[("password", "other-password-{n}")]), [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/account/tokens", Form(&[("name", "token {n}")]), [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/healthz", Empty, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/favicon.ico", Empty, [204, 204, 204, 204, 204, 204, 204]),
    ("GET", "/readyz", Empty, [200, 200, 200, 200, 200, 200, 200]),
    // Pickers: every signed-in user may search what it may see (partners in
    // its scope); only those who assign owners or manage users pick users.
    ("GET", "/pick/partners?q=P", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/pick/regions?q=%E4%B8%8A%E6%B5%B7", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/pick/users?q=a", Empty, [200, 200, 403, 200, 403, 403, 303]),
    ("GET", "/pick/product-lines?q=", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/api/openapi.json", Empty, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/lang/en?next=/login", Empty, [303, 303, 303, 303, 303, 303, 303]),
    ("GET", "/assets/nothing.css", Empty, [404, 404, 404, 404, 404, 404, 404]),
    // An unknown login: refused for everyone, and no account gets locked.
    ("POST", "/login", Form(&[("login", "nobody"), ("password", "not-the-password")]), [401, 401, 401, 401, 401, 401, 401]),
    ("GET", "/login", Empty, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/areas/nope", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/account/password", Form(&[("current_password", "not-the-password"), ("new_password", "new-password-{n}"), ("confirm_password", "new-password-{n}")]), [422, 422, 422, 422, 422, 422, 303]),
    ("POST", "/account/tokens/999999/revoke", Form(&[]), [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/partners/P2/status", Form(&[("status", "prospect"), ("reason", "matrix")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/status", Form(&[("status", "prospect"), ("reason", "matrix")]), [422, 404, 403, 403, 403, 403, 303]),
    ("POST", "/api/v1/partners/P2/status", Json(r#"{"status": "prospect", "reason": "matrix"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/status", Json(r#"{"status": "prospect", "reason": "matrix"}"#), [422, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners", Json(r#"{"code": "J{n}", "name": "Json partner", "partner_type": "agent"}"#), [201, 201, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/users", Json(r#"{"login": "json-user-{n}", "display_name": "Json user", "role": "sales_rep", "password": "test-password-1"}"#), [201, 403, 403, 403, 403, 403, 401]),
    ("GET", "/partners/P2/edit", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/partners/P3/edit", Empty, [200, 404, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/edit", Form(&[("name", "Edited {n}"), ("partner_type", "retailer"), ("parent_code", "P1"), ("credit_limit", "1000.00"), ("currency", "CNY")]), [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/edit", Form(&[("name", "Edited {n}"), ("partner_type", "retailer"), ("parent_code", ""), ("credit_limit", "1000.00"), ("currency", "CNY")]), [303, 404, 403, 403, 403, 403, 303]),
    // Contacts: reps within their cover (this rep covers nothing: 404), a
    // partner admin for its own organisation only (P1, not P2 below it).
    ("POST", "/partners/P2/contacts", Form(&[("name", "Contact {n}"), ("role", "buyer"), ("phone", "021-5555-0000")]), [303, 303, 404, 403, 404, 403, 303]),
    ("POST", "/partners/P1/contacts", Form(&[("name", "Contact {n}"), ("role", "buyer"), ("phone", "021-5555-0000")]), [303, 303, 404, 403, 303, 403, 303]),
    ("POST", "/partners/P2/contacts/999999/delete", Form(&[]), [404, 404, 404, 403, 404, 403, 303]),
    ("GET", "/partners/P2/contacts/999999/edit", Empty, [404, 404, 404, 403, 404, 403, 303]),
    ("POST", "/partners/P2/contacts/999999/edit", Form(&[("name", "Contact {n}"), ("role", "buyer"), ("phone", "021-5555-0000")]), [404, 404, 404, 403, 404, 403, 303]),
    // Finance's credit limit, with a reason; managers edit the whole record instead.
    ("POST", "/partners/P2/credit-limit", Form(&[("credit_limit", "1000.00"), ("reason", "matrix")]), [303, 403, 403, 303, 403, 403, 303]),
    ("POST", "/partners/P3/credit-limit", Form(&[("credit_limit", "-1"), ("reason", "matrix")]), [422, 403, 403, 422, 403, 403, 303]),
    ("POST", "/api/v1/partners/P2/credit-limit", Json(r#"{"credit_limit": "2000.00", "reason": "matrix"}"#), [200, 403, 403, 200, 403, 403, 401]),
    // Change requests: a partner admin asks for its own organisation; managers decide.
    ("GET", "/partners/changes", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P1/changes", Form(&[("field", "address"), ("value", "Matrix road {n}")]), [403, 403, 403, 403, 303, 403, 303]),
    ("POST", "/partners/P2/changes", Form(&[("field", "address"), ("value", "Matrix road {n}")]), [403, 403, 403, 403, 404, 403, 303]),
    ("POST", "/partners/changes/999999/approve", Form(&[]), [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/partners/changes/999999/reject", Form(&[("reason", "matrix")]), [404, 404, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/partner-changes", Empty, [200, 200, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/partners/P1/changes", Empty, [200, 200, 404, 200, 200, 404, 401]),
    // A name is required: refused (422) after the authorization check passed.
    ("POST", "/api/v1/partners/P1/changes", Json(r#"{"field": "name", "value": " "}"#), [403, 403, 403, 403, 422, 403, 401]),
    ("POST", "/api/v1/partner-changes/999999/approve", Json(r#"{}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partner-changes/999999/reject", Json(r#"{"reason": "matrix"}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("PUT", "/api/v1/partners/P2", Json(r#"{"name": "Partner P2", "partner_type": "retailer", "parent_code": "P1"}"#), [200, 200, 403, 403, 403, 403, 401]),
    ("PUT", "/api/v1/partners/P3", Json(r#"{"name": "Partner P3", "partner_type": "distributor"}"#), [200, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P2/contacts", Json(r#"{"name": "Contact {n}", "role": "buyer", "email": "c@example.cn"}"#), [201, 201, 404, 403, 404, 403, 401]),
    ("POST", "/api/v1/partners/P1/contacts", Json(r#"{"name": "Contact {n}", "role": "buyer", "email": "c@example.cn"}"#), [201, 201, 404, 403, 201, 403, 401]),
    ("DELETE", "/api/v1/partners/P2/contacts/999999", Json(r#"{}"#), [404, 404, 404, 403, 404, 403, 401]),
    ("PUT", "/api/v1/partners/P2/contacts/999999", Json(r#"{"name": "Contact {n}", "role": "buyer", "email": "c@example.cn"}"#), [404, 404, 404, 403, 404, 403, 401]),
    // The import page serves whoever may import some kind: sell-through
    // lines are reported by everyone but finance,
    // and finance imports exchange rates.
    ("GET", "/imports", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("POST", "/imports", Upload(&[("kind", "partners")], "code,name,partner_type\nU{n},Upload,agent\n"), [303, 303, 403, 403, 403, 403, 303]),
    ("GET", "/imports/result", Empty, [200, 200, 303, 303, 303, 303, 303]),
    ("GET", "/imports/templates/partners.zh.xlsx", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/imports/templates/contacts.csv", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/imports/templates/authorizations.zh.csv", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/imports/templates/nothing.csv", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("GET", "/imports/templates/sell-through.zh.csv", Empty, [200, 200, 200, 403, 200, 200, 303]),
    // Sell-through: everyone reads the lines in its scope; everyone but
    // finance reports, a partner for its own organisation only (padmin is
    // P1's, puser P2's; the rep covers nothing). The product does not
    // exist, so a permitted report is refused (422) and writes nothing.
    ("GET", "/sellthrough", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/sellthrough?partner=P1&month=2026-11", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/sellthrough/uploads", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("POST", "/sellthrough/uploads", Upload(&[], "partner_code,date,sku,qty,amount,customer_region\nP1,2026-11-03,NOPE,1,1,310000\n"), [303, 303, 303, 403, 303, 303, 303]),
    ("GET", "/sellthrough/uploads/999999", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/sellthrough/uploads/999999/mappings", Form(&[("partner_code", "P1"), ("code", "X1"), ("sku", "NOPE")]), [404, 404, 404, 404, 404, 404, 303]),
    ("GET", "/pick/products?q=TEA", Empty, [200, 200, 200, 200, 200, 200, 303]),
    // The order form's products: those the ordering partner may buy; a
    // partner outside the caller's scope reads as no choices.
    ("GET", "/pick/products?q=TEA&partner=P1", Empty, [200, 200, 200, 403, 200, 200, 303]),
    ("GET", "/pricing?format=xlsx", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/api/v1/sellthrough", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/sellthrough?partner=P1", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("POST", "/api/v1/sellthrough", Json(r#"{"partner_code": "P1", "lines": [{"date": "2026-11-03", "sku": "NOPE", "qty": 1, "amount": "1", "customer_region": "310000"}]}"#), [422, 422, 404, 403, 422, 404, 401]),
    ("GET", "/api/v1/sellthrough/uploads/999999", Empty, [404, 404, 404, 404, 404, 404, 401]),
    // Analytics: the dashboard, the lines behind a number, the query model.
    ("GET", "/analytics", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/analytics?partner=P1&period=2026-Q4", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/analytics/lines?measure=sell_in_amount&period=2026", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/analytics/lines?measure=sell_in_amount&period=2026&partner=P1", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/analytics/lines?measure=sell_in_amount&period=2026&format=xlsx", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("POST", "/api/v1/analytics/query", Json(r#"{"measures": ["sell_in_amount"], "by": ["province"], "period": "2026"}"#), [200, 200, 200, 200, 200, 200, 401]),
    ("POST", "/api/v1/analytics/query", Json(r#"{"measures": ["sell_in_amount"], "period": "2026", "filters": {"partner": ["P1"]}}"#), [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/api/v1/analytics/lines?measure=sell_in_amount&period=2026", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/analytics/lines?measure=sell_in_amount&period=2026&partner=P1", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/api/v1/analytics/forecast?measure=sell_in_amount", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/analytics/forecast?measure=sell_in_amount&partner=P1", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/alerts", Empty, [200, 200, 200, 200, 403, 403, 303]),
    ("GET", "/alerts?kind=overdue&status=all&partner=P1", Empty, [200, 200, 404, 200, 403, 403, 303]),
    ("GET", "/alerts/999999", Empty, [404, 404, 404, 404, 403, 403, 303]),
    ("POST", "/alerts/999999/acknowledge", Form(&[("note", "called them")]), [404, 404, 404, 404, 403, 403, 303]),
    ("POST", "/alerts/999999/acknowledge", Form(&[("note", "")]), [404, 404, 404, 404, 403, 403, 303]),
    ("GET", "/api/v1/alerts", Empty, [200, 200, 200, 200, 403, 403, 401]),
    ("GET", "/api/v1/alerts?kind=overdue&status=open", Empty, [200, 200, 200, 200, 403, 403, 401]),
    ("GET", "/api/v1/alerts?kind=nope", Empty, [422, 422, 422, 422, 403, 403, 401]),
    ("POST", "/api/v1/alerts/999999/acknowledge", Json(r#"{"note": "called them"}"#), [404, 404, 404, 404, 403, 403, 401]),
    ("POST", "/api/v1/alerts/999999/acknowledge", Json(r#"{"note": ""}"#), [422, 422, 422, 422, 403, 403, 401]),
    // Targets: every role reads what it sees; admins and managers set,
    // cascade, approve and amend.
    ("GET", "/api/v1/targets?period=2026", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/targets?period=nope", Empty, [422, 422, 422, 422, 422, 422, 401]),
    ("POST", "/api/v1/targets", Json(r#"{"period": "2026", "subject_type": "company", "measure": "sell_in_amount", "value": "100"}"#), [200, 200, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/targets", Json(r#"{"period": "2026", "subject_type": "partner", "subject_code": "NOPE", "measure": "sell_in_amount", "value": "100"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/targets/999999", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("POST", "/api/v1/targets/999999/cascade", Json(r#"{"by": "amounts", "children": [{"subject_type": "channel", "subject_code": "agent", "part": "100"}]}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/targets/999999/approve", Json("{}"), [404, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/targets/999999/amend", Json(r#"{"value": "100", "reason": "matrix"}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/targets/attainment?period=2026", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/targets", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/targets?period=2026-Q3&measure=collections", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/targets?period=nope", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("POST", "/targets", Form(&[("period", "2026"), ("subject_type", "channel"), ("channel", "agent"), ("measure", "sell_in_amount"), ("value", "-1")]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/targets/999999", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/targets/999999/value", Form(&[("value", "100")]), [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/targets/999999/approve", Form(&[]), [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/targets/999999/amend", Form(&[("value", "100"), ("reason", "matrix")]), [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/targets/999999/cascade", Form(&[("by", "amounts"), ("child_type", "channel"), ("code_1", "agent"), ("part_1", "100")]), [404, 404, 403, 403, 403, 403, 303]),
    // Target plans: reps and partner admins propose (a period that does
    // not read is refused, nothing written); managers approve a proposal.
    ("GET", "/targets/proposals", Empty, [403, 403, 200, 403, 200, 403, 303]),
    ("POST", "/targets/proposals", Form(&[("period", "nope"), ("subject_type", "rep"), ("measure", "sell_in_amount"), ("value", "1")]), [403, 403, 422, 403, 422, 403, 303]),
    ("GET", "/targets/gap?period=2026", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("POST", "/targets/gap/999999/approve", Form(&[("reason", "matrix")]), [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/api/v1/targets/proposals", Json(r#"{"period": "nope", "subject_type": "rep", "subject_code": "rep", "measure": "sell_in_amount", "value": "1"}"#), [403, 403, 422, 403, 422, 403, 401]),
    ("GET", "/api/v1/targets/gap?period=2026", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/targets/gap?period=nope", Empty, [422, 422, 422, 422, 422, 422, 401]),
    ("POST", "/api/v1/targets/proposals/999999/approve", Json("{}"), [404, 404, 403, 403, 403, 403, 401]),
    ("GET", "/targets/999999/reallocate", Empty, [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/targets/999999/reallocate", Form(&[("from", "2026-07-01"), ("by", "percents"), ("receiver_1", "P2"), ("part_1", "100"), ("reason", "matrix")]), [404, 404, 403, 403, 403, 403, 303]),
    // the rep targets that move with a partner's change of owner: managers
    // who approve targets, in their scope; P1 never moved, so nothing moves
    ("GET", "/api/v1/partners/P1/rep-target-moves", Empty, [200, 200, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/partners/P3/rep-target-moves", Empty, [200, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P1/rep-target-moves", Json(r#"{"reason": "matrix"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/partners/P1/rep-targets", Form(&[("reason", "matrix")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/api/v1/targets/999999/reallocate", Json(r#"{"from": "2026-07-01", "by": "percents", "receivers": [{"partner": "P2", "part": "100"}], "reason": "matrix"}"#), [404, 404, 403, 403, 403, 403, 401]),
    // Outlet coverage: our staff read each region's plan, those who set
    // targets change it (a bad plan is refused, nothing written); partners
    // never see our plans.
    ("GET", "/targets/outlets", Empty, [200, 200, 200, 200, 403, 403, 303]),
    ("GET", "/targets/outlets?period=nope", Empty, [200, 200, 200, 200, 403, 403, 303]),
    ("POST", "/targets/outlets", Form(&[("region", "999999"), ("planned", "0")]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/outlet-plans?period=2026", Empty, [200, 200, 200, 200, 403, 403, 401]),
    ("GET", "/api/v1/outlet-plans?period=nope", Empty, [422, 422, 422, 422, 403, 403, 401]),
    ("PUT", "/api/v1/outlet-plans", Json(r#"{"region": "999999", "planned": "0"}"#), [422, 422, 403, 403, 403, 403, 401]),
    // Month targets: the profiles and a target's strip for whoever sees
    // targets; splits for managers (an unknown target: 404).
    ("GET", "/api/v1/targets/seasonal-profiles", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/targets/999999/months", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("POST", "/api/v1/targets/999999/months", Json(r#"{"profile": "even"}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("GET", "/targets/999999/months", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/targets/999999/months", Form(&[("shape", "profile:even")]), [404, 404, 403, 403, 403, 403, 303]),
    // Scorecards: staff pages, a partner's own scorecard, proposals for
    // those who decide grades. Writes are refused for their content (422)
    // or their id (404), so the matrix changes nothing.
    ("GET", "/scorecards", Empty, [200, 200, 200, 200, 303, 303, 303]),
    ("GET", "/scorecards/mine", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("POST", "/scorecards/runs", Form(&[("period", "nope"), ("template", "")]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/scorecards/runs/999999", Empty, [404, 404, 404, 404, 403, 403, 303]),
    ("GET", "/scorecards/runs/999999/P1", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("GET", "/scorecards/templates", Empty, [200, 200, 200, 200, 403, 403, 303]),
    ("GET", "/scorecards/templates/new?subject=partner:distributor", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/scorecards/templates/nope", Empty, [404, 404, 404, 404, 403, 403, 303]),
    ("POST", "/scorecards/templates", Form(&[("code", "m{n}"), ("name", ""), ("subject", "partner:distributor")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/scorecards/templates/nope", Form(&[("name", "x")]), [404, 404, 403, 403, 403, 403, 303]),
    ("GET", "/scorecards/proposals", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("POST", "/scorecards/proposals/999999/approve", Form(&[]), [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/scorecards/proposals/999999/reject", Form(&[("note", "x")]), [404, 404, 403, 403, 403, 403, 303]),
    ("GET", "/awards", Empty, [200, 200, 200, 200, 303, 303, 303]),
    ("GET", "/awards/new", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("POST", "/awards", Form(&[("code", "m{n}"), ("name", ""), ("measure", "total"), ("per_group", "none"), ("places", "1")]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/awards/nope", Empty, [404, 404, 404, 404, 403, 403, 303]),
    ("POST", "/awards/nope", Form(&[("name", "x")]), [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/awards/nope/runs", Form(&[("run", "1")]), [404, 404, 403, 403, 403, 403, 303]),
    ("GET", "/award-runs/999999", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("GET", "/incentives", Empty, [200, 200, 200, 200, 403, 403, 303]),
    ("GET", "/incentives?kind=rebate&status=draft", Empty, [200, 200, 200, 200, 403, 403, 303]),
    ("GET", "/incentives/new", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("POST", "/incentives", Form(&[("document", "{}"), ("format", "json"), ("action", "save")]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/incentives/NOPE", Empty, [404, 404, 404, 404, 403, 403, 303]),
    ("GET", "/incentives/NOPE/edit", Empty, [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/incentives/NOPE/versions/1/activate", Form(&[]), [404, 404, 403, 403, 403, 403, 303]),
    ("GET", "/incentives/NOPE/what-if?period=2026-Q2", Empty, [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/incentives/NOPE/what-if", Form(&[("period", "2026-Q2"), ("from_1", "0%"), ("value_1", "1%")]), [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/incentives/NOPE/what-if/save", Form(&[("period", "2026-Q2"), ("from_1", "0%"), ("value_1", "1%")]), [404, 404, 403, 403, 403, 403, 303]),
    ("GET", "/incentives/adjustments", Empty, [200, 200, 403, 200, 403, 403, 303]),
    ("GET", "/incentives/adjustments?period=2026-Q3&program=RB-Q", Empty, [200, 200, 403, 200, 403, 403, 303]),
    ("POST", "/incentives/adjustments", Form(&[("partner", "P1"), ("program_code", "NOPE"), ("period", "2026-Q3"), ("amount", "-5"), ("kind", "penalty"), ("reason", "matrix")]), [422, 422, 403, 422, 403, 403, 303]),
    ("GET", "/imports/templates/incentive_adjustments.zh.csv", Empty, [200, 200, 403, 200, 403, 403, 303]),
    ("GET", "/incentives/accruals", Empty, [200, 200, 403, 200, 403, 403, 303]),
    ("GET", "/incentives/accruals?month=2026-13", Empty, [200, 200, 403, 200, 403, 403, 303]),
    ("POST", "/incentives/accruals/2999-01/book", Form(&[]), [403, 403, 403, 303, 403, 403, 303]),
    ("GET", "/api/v1/scorecards/templates", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/scorecards/templates/nope", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("PUT", "/api/v1/scorecards/templates/m{n}", Json(r#"{"name": "m", "subject": "partner", "partner_type": "agent", "kpis": [{"kpi": "collection_rate", "rule": "linear", "weight": "90", "floor": "0", "target": "100"}]}"#), [422, 422, 403, 403, 403, 403, 401]),
    // Incentive runs: staff read, admins and managers run, finance approves
    // and pays; a partner's people read only their own statement.
    ("GET", "/incentives/runs", Empty, [200, 200, 200, 200, 403, 403, 303]),
    ("POST", "/incentives/runs", Form(&[("period", "nope"), ("action", "run")]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/incentives/runs/999999", Empty, [404, 404, 404, 404, 403, 403, 303]),
    ("GET", "/incentives/runs/999999/rerun", Empty, [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/incentives/runs/999999/rerun", Form(&[]), [404, 404, 403, 403, 403, 403, 303]),
    ("POST", "/incentives/runs/999999/approve", Form(&[]), [403, 403, 403, 404, 403, 403, 303]),
    ("POST", "/incentives/runs/999999/pay", Form(&[]), [403, 403, 403, 404, 403, 403, 303]),
    ("GET", "/incentives/runs/999999/results/P1", Empty, [404, 404, 404, 404, 403, 403, 303]),
    ("GET", "/my/incentives", Empty, [303, 303, 303, 303, 200, 200, 303]),
    ("GET", "/partners/P1/incentives", Empty, [200, 200, 404, 200, 403, 403, 303]),
    ("GET", "/partners/P3/incentives", Empty, [200, 404, 404, 200, 403, 403, 303]),
    ("GET", "/my/incentives/balances", Empty, [303, 303, 303, 303, 200, 200, 303]),
    ("GET", "/partners/P1/incentives/balances", Empty, [200, 200, 404, 200, 403, 403, 303]),
    ("GET", "/partners/P3/incentives/balances", Empty, [200, 404, 404, 200, 403, 403, 303]),
    ("POST", "/partners/P1/incentives/balances", Form(&[("form", "wallet"), ("kind", "spent"), ("amount", "0"), ("reason", "matrix")]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/my/incentives/points", Empty, [303, 303, 303, 303, 200, 200, 303]),
    ("GET", "/partners/P1/incentives/points", Empty, [200, 200, 404, 200, 403, 403, 303]),
    ("GET", "/partners/P3/incentives/points", Empty, [200, 404, 404, 200, 403, 403, 303]),
    ("POST", "/partners/P1/incentives/points", Form(&[("kind", "adjusted"), ("points", "0"), ("reason", "matrix")]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/incentive-runs", Empty, [200, 200, 200, 200, 403, 403, 401]),
    ("GET", "/api/v1/incentive-runs?period=nope", Empty, [422, 422, 422, 422, 403, 403, 401]),
    ("POST", "/api/v1/incentive-runs", Json(r#"{"period": "nope", "dry_run": true}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/incentive-runs/999999", Empty, [404, 404, 404, 404, 403, 403, 401]),
    ("GET", "/api/v1/incentive-runs/999999/results/P1", Empty, [404, 404, 404, 404, 403, 403, 401]),
    ("GET", "/api/v1/incentive-runs/999999/rerun", Empty, [404, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/incentive-runs/999999/rerun", Json(r#"{}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/incentive-runs/999999/approve", Json(r#"{}"#), [403, 403, 403, 404, 403, 403, 401]),
    ("POST", "/api/v1/incentive-runs/999999/pay", Json(r#"{}"#), [403, 403, 403, 404, 403, 403, 401]),
    // The watchlist: staff read their reach, a partner's people their own
    // rows (on their incentives page); the preview of a decided order is
    // refused, another partner's is not found.
    ("GET", "/incentives/watchlist", Empty, [200, 200, 200, 200, 303, 303, 303]),
    ("GET", "/incentives/watchlist?within=nope", Empty, [422, 422, 422, 422, 303, 303, 303]),
    ("GET", "/api/v1/incentive-watchlist", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/incentive-watchlist?within=nope", Empty, [422, 422, 422, 422, 422, 422, 401]),
    ("GET", "/api/v1/orders/SO-000001/incentive-preview", Empty, [422, 422, 404, 422, 422, 404, 401]),
    ("GET", "/api/v1/incentive-statement", Empty, [422, 422, 422, 422, 200, 200, 401]),
    ("GET", "/api/v1/incentive-statement?subject=P1", Empty, [200, 200, 404, 200, 200, 200, 401]),
    ("GET", "/api/v1/scorecards/runs", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/scorecards/runs?period=nope", Empty, [422, 422, 422, 422, 422, 422, 401]),
    ("POST", "/api/v1/scorecards/runs", Json(r#"{"period": "nope"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/scorecards/runs/999999", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/api/v1/scorecards/runs/999999/results", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/api/v1/scorecards/runs/999999/results/P1", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/api/v1/scorecards/mine", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/api/v1/scorecards/proposals", Empty, [200, 200, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/scorecards/proposals/999999/approve", Json(r#"{}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/scorecards/proposals/999999/reject", Json(r#"{"note": "x"}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/awards", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/awards/nope", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("PUT", "/api/v1/awards/m{n}", Json(r#"{"name": "m", "measure": "total", "per_group": "none", "places": "0"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/awards/nope/runs", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("POST", "/api/v1/awards/nope/runs", Json(r#"{"run": 999999}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/award-runs/999999", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/api/v1/incentive-programs", Empty, [200, 200, 200, 200, 403, 403, 401]),
    ("POST", "/api/v1/incentive-programs", Json(r#"{"format": "json", "document": "{}"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/incentive-programs/check", Json(r#"{"format": "toml", "document": "kind = 1"}"#), [200, 200, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/incentive-programs/NOPE", Empty, [404, 404, 404, 404, 403, 403, 401]),
    ("GET", "/api/v1/incentive-programs/NOPE/versions/1", Empty, [404, 404, 404, 404, 403, 403, 401]),
    ("POST", "/api/v1/incentive-programs/NOPE/versions/1/activate", Json(r#"{}"#), [404, 404, 403, 403, 403, 403, 401]),
    // A body that is an array is no request body here, whatever its fields.
    ("POST", "/api/v1/incentive-programs/NOPE/what-if", Json(r#"[]"#), [400, 400, 400, 400, 400, 400, 401]),
    ("POST", "/api/v1/incentive-programs/NOPE/what-if", Json(r#"{"period": "2026-Q2"}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/incentive-programs/NOPE/what-if/save", Json(r#"{"period": "2026-Q2", "brackets": [{"from": "0%", "rate": "1%"}]}"#), [404, 404, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/incentive-adjustments", Empty, [200, 200, 403, 200, 403, 403, 401]),
    ("GET", "/api/v1/incentive-adjustments?period=2026-Q3&program=RB-Q", Empty, [200, 200, 403, 200, 403, 403, 401]),
    ("POST", "/api/v1/incentive-adjustments", Json(r#"{"subject_code": "P1", "program_code": "NOPE", "period": "2026-Q3", "amount": "-5", "reason": "matrix"}"#), [422, 422, 403, 422, 403, 403, 401]),
    ("GET", "/api/v1/incentive-accruals", Empty, [200, 200, 403, 200, 403, 403, 401]),
    ("GET", "/api/v1/incentive-accruals?month=nope", Empty, [422, 422, 403, 422, 403, 403, 401]),
    ("POST", "/api/v1/incentive-accruals/2999-01/book", Json(r#"{}"#), [403, 403, 403, 422, 403, 403, 401]),
    ("GET", "/api/v1/incentive-accruals/2999-01/journal", Empty, [200, 200, 403, 200, 403, 403, 401]),
    ("GET", "/api/v1/incentive-balances?partner=P1", Empty, [200, 200, 404, 200, 200, 200, 401]),
    ("GET", "/api/v1/incentive-balances?partner=P3", Empty, [200, 404, 404, 200, 200, 200, 401]),
    ("GET", "/api/v1/incentive-balances", Empty, [422, 422, 422, 422, 200, 200, 401]),
    ("POST", "/api/v1/incentive-balances/P1/movements", Json(r#"{"form": "wallet", "kind": "spent", "amount": "0", "reason": "matrix"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/incentive-balances/P3/movements", Json(r#"{"form": "wallet", "kind": "spent", "amount": "0", "reason": "matrix"}"#), [422, 404, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/incentive-points?partner=P1", Empty, [200, 200, 404, 200, 200, 200, 401]),
    ("GET", "/api/v1/incentive-points?partner=P3&as_of=2030-01-01", Empty, [200, 404, 404, 200, 200, 200, 401]),
    ("GET", "/api/v1/incentive-points?partner=P1&as_of=soon", Empty, [400, 400, 400, 400, 400, 400, 401]),
    ("GET", "/api/v1/incentive-points", Empty, [422, 422, 422, 422, 200, 200, 401]),
    ("POST", "/api/v1/incentive-points/P1/movements", Json(r#"{"kind": "redeemed", "points": "1", "reason": "matrix"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/incentive-points/P3/movements", Json(r#"{"kind": "adjusted", "points": "0", "reason": "matrix"}"#), [422, 404, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/scorecards/mine/awards", Empty, [200, 200, 200, 200, 200, 200, 401]),
    // Inventory: on hand, stock counts, data quality.
    ("GET", "/inventory", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/inventory?partner=P1&as_of=2026-11-30", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/inventory/counts", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("POST", "/inventory/counts", Form(&[("partner_code", "P1"), ("sku", "NOPE"), ("counted_on", "2026-11-03"), ("qty", "1")]), [422, 422, 404, 403, 422, 404, 303]),
    ("GET", "/inventory/quality", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/api/v1/inventory", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/inventory?partner=P1", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/api/v1/stock-counts", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("POST", "/api/v1/stock-counts", Json(r#"{"partner_code": "P1", "sku": "NOPE", "counted_on": "2026-11-03", "qty": "1"}"#), [422, 422, 404, 403, 422, 404, 401]),
    ("GET", "/api/v1/data-quality", Empty, [200, 200, 200, 200, 200, 200, 401]),
    // A JSON body read as CSV has the wrong header: rejected, nothing written.
    ("POST", "/api/v1/imports/partners?file_name=p.csv", Json(r#"{}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/imports/authorizations?file_name=a.csv&mode=create", Json(r#"{}"#), [422, 422, 403, 403, 403, 403, 401]),
    // Agreements (seeded by `seed_agreements`). Partner roles read only their
    // own organisation's agreement: padmin (P1) does not read P2's.
    ("GET", "/agreements", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/agreements?status=active&in_force_on=2026-01-01&format=xlsx", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/agreements/expiring", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/agreements/expiring?days=90&format=xlsx", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/partners/P1/agreement", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/partners/P2/agreement", Empty, [200, 200, 404, 200, 404, 200, 303]),
    ("GET", "/partners/P3/agreement?as_of=2020-01-01", Empty, [200, 404, 404, 200, 404, 404, 303]),
    ("GET", "/partners/P1/agreement/versions/1", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/partners/P1/agreement/versions/9", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("GET", "/partners/P1/agreement/new", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/partners/P3/agreement/new", Empty, [200, 404, 403, 403, 403, 403, 303]),
    ("GET", "/partners/P2/agreement/versions/2/edit", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/agreements", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/agreements/expiring", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/partners/P1/agreement", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/api/v1/partners/P2/agreement", Empty, [200, 200, 404, 200, 404, 200, 401]),
    ("GET", "/api/v1/partners/P3/agreement", Empty, [200, 404, 404, 200, 404, 404, 401]),
    ("GET", "/api/v1/partners/P2/agreement/versions", Empty, [200, 200, 404, 200, 404, 200, 401]),
    ("GET", "/api/v1/partners/P1/agreement/versions/1", Empty, [200, 200, 404, 200, 200, 404, 401]),
    // Writes that permitted callers get refused for their content (422), so
    // the matrix changes no agreement.
    ("POST", "/partners/P2/agreement/versions", AGREEMENT_FORM, [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/agreement/versions", AGREEMENT_FORM, [422, 404, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/agreement/versions/2", AGREEMENT_FORM, [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P1/agreement/versions/1/activate", Form(&[]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/agreement/versions/1/activate", Form(&[]), [422, 404, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P1/agreement/terminate", Form(&[("effective_date", "2000-01-01"), ("reason", "matrix")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/api/v1/partners/P2/agreement/versions", AGREEMENT_JSON, [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/agreement/versions", AGREEMENT_JSON, [422, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P2/agreement/versions/2", AGREEMENT_JSON, [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P1/agreement/versions/1/activate", Json(r#"{}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/agreement/terminate", Json(r#"{"effective_date": "2000-01-01", "reason": "matrix"}"#), [422, 404, 403, 403, 403, 403, 401]),
    // grades and onboarding
    // Company settings (admins change them; staff read them), period close
    // and exchange rates (finance and admins). A close of a month that has
    // not ended and a reopen without a reason are refused (422).
    ("GET", "/admin/settings", Empty, [200, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/settings", Form(&[("currency", "CNY"), ("fiscal_year_start", "1"), ("new_product_days", "90"), ("overstock_days", "60")]), [303, 403, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/settings", Empty, [200, 200, 200, 200, 403, 403, 401]),
    ("PUT", "/api/v1/settings", Json(r#"{"currency": "CNY", "fiscal_year_start": 1, "new_product_days": 90, "overstock_days": "60"}"#), [200, 403, 403, 403, 403, 403, 401]),
    ("GET", "/finance/periods", Empty, [200, 403, 403, 200, 403, 403, 303]),
    ("POST", "/finance/periods/2999-01/close", Form(&[]), [422, 403, 403, 422, 403, 403, 303]),
    ("POST", "/finance/periods/2020-01/reopen", Form(&[("reason", " ")]), [422, 403, 403, 422, 403, 403, 303]),
    ("GET", "/finance/rates", Empty, [200, 403, 403, 200, 403, 403, 303]),
    ("GET", "/finance/rates?from=2026-01&format=xlsx", Empty, [200, 403, 403, 200, 403, 403, 303]),
    ("POST", "/finance/rates", Form(&[("month", "2026-01"), ("currency", "USD"), ("rate", "7.1")]), [303, 403, 403, 303, 403, 403, 303]),
    ("GET", "/imports/templates/exchange-rates.zh.csv", Empty, [200, 403, 403, 200, 403, 403, 303]),
    ("GET", "/api/v1/exchange-rates", Empty, [200, 403, 403, 200, 403, 403, 401]),
    ("PUT", "/api/v1/exchange-rates", Json(r#"{"month": "2026-02", "currency": "HKD", "rate": 0.91}"#), [200, 403, 403, 200, 403, 403, 401]),
    ("GET", "/partners/grades", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/partners/grades/gold", Empty, [200, 403, 403, 403, 403, 403, 303]),
    ("POST", "/partners/grades", Form(&[("code", "g{n}"), ("name", "Form grade"), ("rank", "{rank}")]), [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/partners/grades/gold", Form(&[("name", "金牌"), ("name_en", "Gold"), ("rank", "30"), ("promote_threshold", "88"), ("demote_threshold", "65")]), [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/grade", Form(&[("grade", "gold")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/grade", Form(&[("grade", "gold")]), [422, 404, 403, 403, 403, 403, 303]),
    ("GET", "/partners/pipeline", Empty, [200, 200, 200, 200, 403, 403, 303]),
    // Board moves: reps move the cards they cover (this one covers nothing).
    ("POST", "/partners/pipeline/move", Form(&[("code", "P2"), ("status", "prospect"), ("reason", "matrix")]), [422, 422, 404, 403, 403, 403, 303]),
    ("GET", "/partners/onboarding/criteria", Empty, [200, 200, 200, 200, 403, 403, 303]),
    ("GET", "/partners/onboarding/criteria/culture_fit", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("POST", "/partners/onboarding/criteria", Form(&[("code", "c{n}"), ("name", "Form criterion"), ("weight", "5")]), [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/partners/onboarding/criteria/culture_fit", Form(&[("name", "文化契合"), ("weight", "10"), ("active", "true")]), [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/evaluations", Form(&[("score_market_coverage", "80")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/evaluations", Form(&[("score_market_coverage", "80")]), [422, 404, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/grades", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("POST", "/api/v1/grades", Json(r#"{"code": "j{n}", "name": "Json grade", "rank": {rank}}"#), [201, 403, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/grades/silver", Json(r#"{"name": "银牌", "name_en": "Silver", "rank": 20, "promote_threshold": 75, "demote_threshold": "50"}"#), [200, 403, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/partners/P1/grade", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("POST", "/api/v1/partners/P2/grade", Json(r#"{"grade": "gold", "reason": ""}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/grade", Json(r#"{"grade": "gold", "reason": ""}"#), [422, 404, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/onboarding/criteria", Empty, [200, 200, 200, 200, 403, 403, 401]),
    ("POST", "/api/v1/onboarding/criteria", Json(r#"{"code": "jc{n}", "name": "Json criterion", "weight": 5}"#), [201, 201, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/onboarding/criteria/culture_fit", Json(r#"{"name": "文化契合", "weight": "10"}"#), [200, 200, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/partners/P2/evaluations", Empty, [200, 200, 404, 200, 403, 403, 401]),
    ("POST", "/api/v1/partners/P2/evaluations", Json(r#"{"scores": {"market_coverage": 80}}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/evaluations", Json(r#"{"scores": {"market_coverage": 80}}"#), [422, 404, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/onboarding/pipeline", Empty, [200, 200, 200, 200, 403, 403, 401]),
    ("POST", "/api/v1/onboarding/pipeline/P2/move", Json(r#"{"status": "prospect", "reason": "matrix"}"#), [422, 422, 404, 403, 403, 403, 401]),
    // Territories: regions are reference data; authorizations follow the
    // partner scope (AU000001 is P1's, AU000002 P2's, AU000003 P3's).
    ("GET", "/territories/regions", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/territories/regions?q=%E6%B5%A6%E4%B8%9C", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/territories/regions/310000", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/territories/regions/999999", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("GET", "/territories/regions/new", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/territories/authorizations", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/territories/authorizations?format=xlsx", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/territories/authorizations/new", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/territories/authorizations/AU000001", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/territories/authorizations/AU000002", Empty, [200, 200, 404, 200, 200, 200, 303]),
    ("GET", "/territories/authorizations/AU000003", Empty, [200, 404, 404, 200, 404, 404, 303]),
    ("GET", "/territories/limits", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/regions", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/regions?parent=CN", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/regions/310000", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/regions/999999", Empty, [404, 404, 404, 404, 404, 404, 401]),
    ("GET", "/api/v1/authorizations", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/authorizations/AU000001", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/api/v1/authorizations/AU000002", Empty, [200, 200, 404, 200, 200, 200, 401]),
    ("GET", "/api/v1/authorizations/AU000003", Empty, [200, 404, 404, 200, 404, 404, 401]),
    ("GET", "/api/v1/selective-limits", Empty, [200, 200, 403, 403, 403, 403, 401]),
    ("POST", "/territories/regions", Form(&[("code", "OWN-{n}"), ("name", "自定义区域"), ("parent_code", "CN")]), [303, 303, 403, 403, 403, 403, 303]),
        // Grants and limits on a product line that is not a record are refused
    // (field error, nothing written); the stories grant on records.
    ("POST", "/territories/authorizations", Form(&[("partner_code", "P2"), ("region_code", "440100"), ("product_line", "F{n}"), ("mode", "intensive"), ("valid_from", "2026-01-01"), ("valid_to", "2026-12-31")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/territories/authorizations/AU000002", Form(&[("valid_from", "2026-06-01"), ("valid_to", "2026-05-31")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/territories/authorizations/AU000003", Form(&[("valid_from", "2026-06-01"), ("valid_to", "2026-05-31")]), [422, 404, 403, 403, 403, 403, 303]),
    ("POST", "/territories/authorizations/AU000002/end", Form(&[("end_on", "2030-01-01"), ("reason", "matrix")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/territories/limits", Form(&[("product_line", "F{n}"), ("max_partners", "2")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/api/v1/regions", Json(r#"{"code": "JR-{n}", "name": "Json region"}"#), [201, 201, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/authorizations", Json(r#"{"partner_code": "P2", "region_code": "440100", "product_line": "J{n}", "mode": "selective", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/authorizations/AU000002", Json(r#"{"valid_to": "2025-01-01"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/authorizations/AU000003", Json(r#"{"valid_to": "2025-01-01"}"#), [422, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/selective-limits", Json(r#"{"product_line": "J{n}", "max_partners": 4}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/selective-limits", Json(r#"{"product_line": "LIGHT", "max_partners": 4}"#), [200, 200, 403, 403, 403, 403, 401]),
    // The catalog: every role reads it; admins and channel managers keep it.
    // PRO is for distributors: P1's users may buy it, P2's (a retailer's)
    // find neither the line nor its products.
    ("GET", "/catalog/products", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/catalog/products?new=1&status=active&q=LGT&sort=list_price&dir=desc", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/catalog/products?format=xlsx", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/catalog/products/new", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("GET", "/catalog/products/LGT-1", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/catalog/products/PRO-1", Empty, [200, 200, 200, 200, 200, 404, 303]),
    ("GET", "/catalog/products/LGT-1/edit", Empty, [200, 200, 403, 403, 403, 403, 303]),
    ("POST", "/catalog/products", Form(&[("sku", "F{n}"), ("name", "表单产品"), ("name_en", "Form product"), ("product_line", "LIGHT"), ("category", "灯具"), ("unit", "台"), ("currency", "CNY"), ("list_price", "99")]), [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/catalog/products/LGT-1", Form(&[("name", "产品 LGT-1"), ("name_en", "Product LGT-1"), ("product_line", "LIGHT"), ("category", "灯具"), ("unit", "台"), ("currency", "CNY"), ("list_price", "199.00"), ("cost", "88.00")]), [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/catalog/products/GONE-1/discontinue", Form(&[]), [422, 422, 403, 403, 403, 403, 303]),
    ("GET", "/catalog/lines", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/catalog/lines/PRO", Empty, [200, 200, 200, 200, 200, 404, 303]),
    ("POST", "/catalog/lines", Form(&[("code", "F{n}"), ("name", "表单产品线"), ("name_en", "Form line")]), [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/catalog/lines/PRO", Form(&[("name", "专业线"), ("name_en", "Professional"), ("status", "active")]), [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/catalog/lines/PRO/channels", Form(&[("partner_type", "wholesaler")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/catalog/lines/PRO/channels/999999/remove", Form(&[]), [404, 404, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/products", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/products/PRO-1", Empty, [200, 200, 200, 200, 200, 404, 401]),
    ("POST", "/api/v1/products", Json(r#"{"sku": "J{n}", "name": "接口产品", "name_en": "Api product", "product_line": "LIGHT", "category": "灯具", "unit": "台", "list_price": 99.5}"#), [201, 201, 403, 403, 403, 403, 401]),
    ("PUT", "/api/v1/products/LGT-1", Json(r#"{"name": "产品 LGT-1", "name_en": "Product LGT-1", "product_line": "LIGHT", "category": "灯具", "unit": "台", "list_price": "199.00", "cost": "88.00"}"#), [200, 200, 403, 403, 403, 403, 401]),
    ("GET", "/api/v1/product-lines", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/product-lines/PRO", Empty, [200, 200, 200, 200, 200, 404, 401]),
    ("POST", "/api/v1/product-lines", Json(r#"{"code": "J{n}", "name": "接口产品线", "name_en": "Api line"}"#), [201, 201, 403, 403, 403, 403, 401]),
    ("PUT", "/api/v1/product-lines/PRO", Json(r#"{"name": "专业线", "name_en": "Professional"}"#), [200, 200, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/product-lines/PRO/channels", Json(r#"{"partner_type": "wholesaler"}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("DELETE", "/api/v1/product-lines/PRO/channels/999999", Json(r#"{}"#), [404, 404, 403, 403, 403, 403, 401]),
    // Covered regions (admins only) and a partner admin's own team. padmin
    // is P1's; puser is P2's and other is P3's, so neither is its staff.
    // 广州市: no partner has its home there, so no one's scope changes.
    ("GET", "/admin/users/manager/regions", Empty, [200, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/manager/regions", Form(&[("region_code", "440100")]), [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/manager/regions/999999/remove", Form(&[]), [404, 403, 403, 403, 403, 403, 303]),
    ("GET", "/api/v1/users/manager/regions", Empty, [200, 403, 403, 403, 403, 403, 401]),
    ("PUT", "/api/v1/users/manager/regions", Json(r#"{"region_codes": ["440100"]}"#), [200, 403, 403, 403, 403, 403, 401]),
    ("GET", "/team", Empty, [403, 403, 403, 403, 200, 403, 303]),
    ("POST", "/team", Form(&[("login", "form-staff-{n}"), ("display_name", "Form staff")]), [403, 403, 403, 403, 200, 403, 303]),
    ("POST", "/team/puser/status", Form(&[("status", "disabled")]), [403, 403, 403, 403, 404, 403, 303]),
    ("POST", "/team/other/password", Form(&[]), [403, 403, 403, 403, 404, 403, 303]),
    ("GET", "/api/v1/team", Empty, [403, 403, 403, 403, 200, 403, 401]),
    ("POST", "/api/v1/team", Json(r#"{"login": "json-staff-{n}", "display_name": "Json staff"}"#), [403, 403, 403, 403, 201, 403, 401]),
    ("POST", "/api/v1/team/puser/status", Json(r#"{"status": "disabled"}"#), [403, 403, 403, 403, 404, 403, 401]),
    ("POST", "/api/v1/team/other/password", Json(r#"{}"#), [403, 403, 403, 403, 404, 403, 401]),
    // Receivables. A partner's users see their own organisation's account
    // only (padmin: P1, puser: P2); finance and admins record. Posts pay
    // nothing owed without the overpayment choice, so they write nothing.
    ("GET", "/receivables", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/receivables?as_of=2026-11-30&from=2026-09-01&to=2026-11-30", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/receivables/invoices", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/receivables/invoices?partner=P1&open=1", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/receivables/invoices?format=xlsx", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/receivables/invoices/new", Empty, [200, 403, 403, 200, 403, 403, 303]),
    ("POST", "/receivables/invoices", Form(&[("partner", "P1"), ("number", "M-{n}"), ("amount", "0"), ("issued_on", "2026-11-03"), ("due_on", "2026-12-03")]), [422, 403, 403, 422, 403, 403, 303]),
    ("GET", "/receivables/payments", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/receivables/payments?format=xlsx", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/receivables/payments/new", Empty, [200, 403, 403, 200, 403, 403, 303]),
    ("GET", "/receivables/payments/new?partner=P1", Empty, [200, 403, 403, 200, 403, 403, 303]),
    ("POST", "/receivables/payments", Form(&[("partner", "P1"), ("amount", "10"), ("received_on", "2026-11-03"), ("invoice", ""), ("overpayment", "")]), [422, 403, 403, 422, 403, 403, 303]),
    // seed_receivables: P1's payment PAY-2026-000001 keeps 10 yuan on
    // account. Only those who record payments apply it; the posts name an
    // invoice P1 does not have, so they write nothing.
    ("GET", "/receivables/payments/PAY-2026-000001/allocate", Empty, [200, 403, 403, 200, 403, 403, 303]),
    ("GET", "/receivables/payments/PAY-2026-999999/allocate", Empty, [404, 403, 403, 404, 403, 403, 303]),
    ("POST", "/receivables/payments/PAY-2026-000001/allocate", Form(&[("invoice_0", "M-1"), ("amount_0", "1")]), [422, 403, 403, 422, 403, 403, 303]),
    ("POST", "/api/v1/payments/PAY-2026-000001/allocations", Json(r#"{"allocations": [{"invoice": "M-1", "amount": "1"}]}"#), [422, 403, 403, 422, 403, 403, 401]),
    ("POST", "/api/v1/payments/PAY-2026-999999/allocations", Json(r#"{"pay": ["M-1"]}"#), [404, 403, 403, 404, 403, 403, 401]),
    ("GET", "/receivables/statement/P1", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/receivables/statement/P1?from=2026-01-01&to=2026-11-30&format=xlsx", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/receivables/statement/P3", Empty, [200, 404, 404, 200, 404, 404, 303]),
    ("GET", "/api/v1/payments", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("POST", "/api/v1/payments", Json(r#"{"partner": "P1", "amount": "10", "received_on": "2026-11-03"}"#), [422, 403, 403, 422, 403, 403, 401]),
    ("GET", "/api/v1/invoices", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/invoices?partner=P1&open=true", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/api/v1/partners/P1/statement?from=2026-01-01&to=2026-11-30", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("GET", "/api/v1/receivables/ageing?as_of=2026-11-30", Empty, [200, 200, 200, 200, 200, 200, 401]),
    // Price lists (seed_pricing): PL-DIST prices distributors (P1, P3),
    // PL-P3 is P3's own list, PL-DRAFT an empty draft. Managers manage;
    // a partner reads only the active lists that target it; P3's own list
    // is outside the manager's, the rep's and the partners' scopes.
    ("GET", "/pricing", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/pricing?status=active&applies_to=partner_type&q=PL", Empty, [200, 200, 200, 200, 200, 200, 303]),
    // A partner's boss keeps its own downstream lists (二级订货).
    ("GET", "/pricing/new", Empty, [200, 200, 403, 403, 200, 403, 303]),
    ("POST", "/pricing", Form(&[("code", "PF-{n}"), ("name", "表单价格表"), ("applies_to", "partner_type"), ("target_type", "agent"), ("mode", "unified"), ("currency", "CNY"), ("valid_from", "2030-01-01"), ("valid_to", "2030-12-31")]), [303, 303, 403, 403, 303, 403, 303]),
    ("GET", "/pricing/PL-DIST", Empty, [200, 200, 200, 200, 200, 404, 303]),
    ("GET", "/pricing/PL-P3", Empty, [200, 404, 404, 200, 404, 404, 303]),
    ("GET", "/pricing/NOPE", Empty, [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/pricing/PL-DRAFT/items", Form(&[("sku", "NOPE-1"), ("price", "10")]), [422, 422, 403, 403, 404, 403, 303]),
    ("POST", "/pricing/PL-P3/items", Form(&[("sku", "NOPE-1"), ("price", "10")]), [422, 404, 403, 403, 404, 403, 303]),
    ("POST", "/pricing/PL-DRAFT/items/TEA-1/remove", Form(&[]), [404, 404, 403, 403, 404, 403, 303]),
    ("POST", "/pricing/PL-DRAFT/activate", Form(&[]), [422, 422, 403, 403, 404, 403, 303]),
    ("POST", "/pricing/PL-DRAFT/retire", Form(&[]), [422, 422, 403, 403, 404, 403, 303]),
    ("POST", "/pricing/PL-DIST/copy", Form(&[("code", "PC-{n}"), ("valid_from", "2031-01-02"), ("valid_to", "2031-01-01")]), [422, 422, 403, 403, 404, 403, 303]),
    ("GET", "/pricing/check", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/pricing/check?partner=P1&sku=TEA-1&qty=12", Empty, [200, 200, 422, 200, 200, 422, 303]),
    ("GET", "/api/v1/price-lists", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/price-lists?status=draft&applies_to=grade&q=x", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("POST", "/api/v1/price-lists", Json(r#"{"code": "PJ-{n}", "name": "接口价格表", "applies_to": "grade", "target": "gold", "mode": "flexible", "valid_from": "2030-01-01", "valid_to": "2030-12-31", "items": [{"sku": "TEA-1", "price": 90, "min": "80", "max": "100", "breaks": [{"from_qty": 10, "price": "85"}]}]}"#), [201, 201, 403, 403, 201, 403, 401]),
    ("GET", "/api/v1/price-lists/PL-DIST", Empty, [200, 200, 200, 200, 200, 404, 401]),
    ("GET", "/api/v1/price-lists/PL-P3", Empty, [200, 404, 404, 200, 404, 404, 401]),
    ("PUT", "/api/v1/price-lists/PL-DRAFT", Json(r#"{"name": "草稿", "applies_to": "partner_type", "target": "agent", "mode": "unified", "valid_from": "2030-02-01", "valid_to": "2030-01-01"}"#), [422, 422, 403, 403, 404, 403, 401]),
    ("PUT", "/api/v1/price-lists/PL-DIST", Json(r#"{"name": "改价", "applies_to": "partner_type", "target": "distributor", "mode": "unified", "valid_from": "2030-01-01", "valid_to": "2030-12-31"}"#), [422, 422, 403, 403, 404, 403, 401]),
    ("POST", "/api/v1/price-lists/PL-DRAFT/activate", Json("{}"), [422, 422, 403, 403, 404, 403, 401]),
    ("POST", "/api/v1/price-lists/PL-DRAFT/retire", Json("{}"), [422, 422, 403, 403, 404, 403, 401]),
    ("POST", "/api/v1/price-lists/PL-P3/copy", Json(r#"{"code": "PJC-{n}", "valid_from": "2031-01-01", "valid_to": "2031-12-31"}"#), [201, 404, 403, 403, 404, 403, 401]),
    ("GET", "/api/v1/quote?partner=P1&sku=TEA-1&qty=12", Empty, [200, 200, 422, 200, 200, 422, 401]),
    ("GET", "/api/v1/quote?partner=P2&sku=TEA-1&qty=1", Empty, [422, 422, 422, 422, 422, 422, 401]),
    // Orders (seed_orders): SO-000001 is P1's cancelled order. Finance
    // reads but does not place; managers decide; a partner sees its own
    // organisation's orders only (P2's user not P1's).
    ("GET", "/orders", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/orders?status=draft&partner=P1", Empty, [200, 200, 200, 200, 200, 200, 303]),
    ("GET", "/orders?kind=incoming", Empty, [403, 403, 403, 403, 200, 403, 303]),
    ("GET", "/orders/new", Empty, [200, 200, 200, 403, 200, 200, 303]),
    ("POST", "/orders", Form(&[("partner", "P1")]), [422, 422, 422, 403, 422, 422, 303]),
    ("GET", "/orders/SO-000001", Empty, [200, 200, 404, 200, 200, 404, 303]),
    ("GET", "/orders/SO-000001/edit", Empty, [200, 200, 404, 403, 200, 404, 303]),
    ("POST", "/orders/SO-000001", Form(&[]), [422, 422, 404, 403, 422, 404, 303]),
    ("POST", "/orders/SO-000001/submit", Form(&[]), [422, 422, 404, 403, 422, 404, 303]),
    ("POST", "/orders/SO-000001/approve", Form(&[]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/orders/SO-000001/reject", Form(&[("reason", "")]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/orders/SO-000001/cancel", Form(&[]), [422, 422, 404, 403, 422, 404, 303]),
    ("POST", "/orders/SO-000001/ship", Form(&[]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/orders/SO-000001/return", Form(&[]), [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/orders/SO-000001/credit-note", Form(&[("invoice", "INV-1"), ("amount", "1"), ("reason", "x")]), [404, 403, 403, 404, 403, 403, 303]),
    ("GET", "/api/v1/orders", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/orders?status=bogus", Empty, [422, 422, 422, 422, 422, 422, 401]),
    ("GET", "/api/v1/orders?kind=incoming", Empty, [403, 403, 403, 403, 200, 403, 401]),
    ("GET", "/api/v1/orders?kind=downstream", Empty, [200, 200, 200, 200, 200, 200, 401]),
    ("GET", "/api/v1/orders?kind=bogus", Empty, [422, 422, 422, 422, 422, 422, 401]),
    ("POST", "/api/v1/orders", Json(r#"{"partner": "P1", "lines": []}"#), [422, 422, 422, 403, 422, 422, 401]),
    ("GET", "/api/v1/orders/SO-000001", Empty, [200, 200, 404, 200, 200, 404, 401]),
    ("POST", "/api/v1/orders/SO-000001", Json(r#"{"lines": []}"#), [422, 422, 404, 403, 422, 404, 401]),
    ("POST", "/api/v1/orders/SO-000001/submit", Json("{}"), [422, 422, 404, 403, 422, 404, 401]),
    ("POST", "/api/v1/orders/SO-000001/approve", Json("{}"), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/orders/SO-000001/reject", Json(r#"{"reason": ""}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/orders/SO-000001/cancel", Json("{}"), [422, 422, 404, 403, 422, 404, 401]),
    ("POST", "/api/v1/orders/SO-000001/shipments", Json(r#"{"lines": []}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/orders/SO-000001/returns", Json(r#"{"line_no": 1}"#), [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/credit-notes", Json(r#"{"invoice": "INV-999999", "amount": "1", "reason": "x"}"#), [422, 403, 403, 422, 403, 403, 401]),
    // Last: it ends the browsers' sessions.
    ("POST", "/logout", Form(&[]), [303, 303, 303, 303, 303, 303, 303]),
];

/// P1, P2 and P3 each have an active version 1; P1's ends in 30 days; P2
/// has an open draft version 2.
async fn seed_agreements(env: &Env) -> Res {
    for (code, to) in [("P1", 30), ("P2", 300), ("P3", 300)] {
        env.app
            .create_agreement_draft(&env.system, code, &agreement_terms(-10, to, None))
            .await?;
        env.app.activate_agreement(&env.system, code, 1).await?;
    }
    env.app
        .create_agreement_draft(&env.system, "P2", &agreement_terms(20, 400, Some(1)))
        .await?;
    Ok(())
}

/// One product, a type-level list for distributors in force today, P3's
/// own list and an empty draft.
pub(super) async fn seed_pricing(env: &Env) -> Res {
    use qudao_app::pricing::{PriceItemInput, PriceListInput};
    let now = if env.url.starts_with("postgres") {
        "CURRENT_TIMESTAMP"
    } else {
        "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"
    };
    env.raw(&format!(
        "INSERT INTO product_lines (code, name_zh, name_en, status, created_at) \
         VALUES ('PRICED', '茶饮', 'Tea', 'active', {now})"
    ))
    .await?;
    env.raw(&format!(
        "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, currency, \
         list_price, status, serial_tracked, created_at, updated_at) \
         SELECT 'TEA-1', '龙井 250 克', 'Longjing 250 g', id, '绿茶', '盒', 'CNY', 12000, 'active', \
         false, {now}, {now} FROM product_lines WHERE code = 'PRICED'"
    ))
    .await?;
    let today = qudao_app::today();
    let list = |code: &str, applies_to: &str, target: &str| PriceListInput {
        code: code.into(),
        name: format!("{code} 价格表"),
        applies_to: applies_to.into(),
        target: target.into(),
        mode: "unified".into(),
        valid_from: (today - chrono::Days::new(10)).to_string(),
        valid_to: (today + chrono::Days::new(300)).to_string(),
        items: Some(vec![PriceItemInput {
            sku: "TEA-1".into(),
            price: "100".into(),
            ..Default::default()
        }]),
        ..Default::default()
    };
    for (code, applies_to, target) in [
        ("PL-DIST", "partner_type", "distributor"),
        ("PL-P3", "partner", "P3"),
    ] {
        env.app
            .create_price_list(&env.system, &list(code, applies_to, target))
            .await?;
        env.app.activate_price_list(&env.system, code).await?;
    }
    env.app
        .create_price_list(
            &env.system,
            &PriceListInput {
                items: None,
                ..list("PL-DRAFT", "partner_type", "agent")
            },
        )
        .await?;
    Ok(())
}

/// P1's order SO-000001 for one box of TEA-1, cancelled: every action on
/// it is refused the same way whoever tries first.
pub(super) async fn seed_orders(env: &Env) -> Res {
    use qudao_app::orders::{LineInput, OrderInput, ReasonInput};
    let order = env
        .app
        .create_order(
            &env.system,
            &OrderInput {
                partner: "P1".into(),
                lines: vec![LineInput {
                    sku: "TEA-1".into(),
                    qty: "1".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(order.number, "SO-000001");
    env.app
        .cancel_order(&env.system, &order.number, &ReasonInput::default())
        .await?;
    Ok(())
}

/// P1's payment PAY-2026-000001 of 10 yuan, nothing owed: kept on account.
async fn seed_receivables(env: &Env) -> Res {
    let kept = env
        .app
        .record_payment(
            &env.system,
            &qudao_app::receivables::PaymentInput {
                partner: "P1".into(),
                currency: "CNY".into(),
                amount: "10".into(),
                received_on: "2026-11-03".into(),
                overpayment: "on_account".into(),
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(
        (kept.number.as_str(), kept.on_account.as_str()),
        ("PAY-2026-000001", "10.00")
    );
    Ok(())
}

/// Every version of every partner, as the system sees them.
async fn agreement_snapshot(env: &Env) -> Res<String> {
    let mut all = String::new();
    for code in ["P1", "P2", "P3"] {
        let view = env.app.agreement(&env.system, code, None).await?;
        all.push_str(&format!("{:?}", view.versions));
    }
    Ok(all)
}

/// What is wrong with one answer of the matrix, if anything.
fn check(
    role: &str,
    method: &str,
    path: &str,
    how: &str,
    expected: u16,
    got: &Response,
) -> Option<String> {
    let is_api = path.starts_with("/api/v1/");
    let mut wrong = Vec::new();
    if got.status.as_u16() != expected {
        wrong.push(format!("status {}", got.status.as_u16()));
    }
    if got.status == StatusCode::SEE_OTHER
        && role == "anonymous"
        && !got.location().starts_with("/login")
    {
        wrong.push(format!(
            "redirects to {:?}, not the login page",
            got.location()
        ));
    }
    if got.status.is_client_error() {
        if is_api {
            if got.content_type() != PROBLEM_JSON {
                wrong.push(format!("content type {:?}", got.content_type()));
            }
            match got.json() {
                Ok(problem) if problem["status"] == json!(got.status.as_u16()) => {}
                _ => wrong.push(format!("not problem JSON: {}", got.text())),
            }
        } else if !got.content_type().starts_with("text/html") && !path.starts_with("/assets/") {
            // A missing asset is a bare 404: it is loaded as a script or a
            // style sheet, never shown as a page.
            wrong.push(format!("content type {:?}", got.content_type()));
        }
    }
    if is_api
        && got.status == StatusCode::UNAUTHORIZED
        && got.header(header::WWW_AUTHENTICATE) != "Bearer"
    {
        wrong.push("no WWW-Authenticate: Bearer".to_owned());
    }
    (!wrong.is_empty()).then(|| {
        format!(
            "{role:>9} {method:4} {path} ({how}): expected {expected}, {}",
            wrong.join(", ")
        )
    })
}

/// The route of the router that serves `path` (without its query): the
/// one that matches it with the most fixed segments first, as axum picks.
fn route_of<'a>(routes: &'a [(&'static str, String)], path: &str) -> Option<&'a str> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    routes
        .iter()
        .map(|(_, pattern)| pattern.as_str())
        .filter(|pattern| {
            let parts: Vec<&str> = pattern.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(part, segment)| part.starts_with('{') || part == segment)
        })
        .max_by_key(|pattern| {
            pattern
                .split('/')
                .map(|part| !part.starts_with('{'))
                .collect::<Vec<_>>()
        })
}

/// A route added without a row in [`MATRIX`] fails here, by name.
#[test]
fn every_route_is_in_the_matrix() {
    let routes = qudao_web::route_list();
    let missing: Vec<String> = routes
        .iter()
        .filter(|(method, pattern)| {
            !MATRIX.iter().any(|(row_method, path, ..)| {
                row_method == method && route_of(&routes, path) == Some(pattern.as_str())
            })
        })
        .map(|(method, pattern)| format!("{method} {pattern}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorization matrix:\n{}",
        missing.join("\n")
    );
    let stray: Vec<String> = MATRIX
        .iter()
        .filter(|(_, path, ..)| route_of(&routes, path).is_none())
        .map(|(method, path, ..)| format!("{method} {path}"))
        .collect();
    assert!(
        stray.is_empty(),
        "rows that no route serves:\n{}",
        stray.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix_on_sqlite() -> Res {
    authorization_matrix(Env::new("matrix").await?).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix_on_postgres() -> Res {
    authorization_matrix(Env::postgres("matrix").await?).await
}

fn fill(text: &str, n: usize) -> String {
    text.replace("{n}", &n.to_string())
        .replace("{rank}", &(1000 + n).to_string())
}

async fn authorization_matrix(env: Env) -> Res {
    env.territories().await?;
    env.catalog().await?;
    seed_agreements(&env).await?;
    seed_pricing(&env).await?;
    seed_orders(&env).await?;
    seed_receivables(&env).await?;
    let agreements_before = agreement_snapshot(&env).await?;
    let mut browsers = Vec::new();
    let mut programs = Vec::new();
    for role in ROLES {
        if role == "anonymous" {
            // A stranger's browser has a session (and a CSRF token) from the
            // login page, so its posts test sign-in, not CSRF.
            let mut browser = env.browser();
            browser.get("/login").await?;
            browsers.push(browser);
            programs.push(env.browser());
        } else {
            browsers.push(env.signed_in(role).await?);
            programs.push(env.api(role).await?);
        }
    }

    // Data scope in numbers, before the matrix adds partners.
    for (role, expected) in [
        ("admin", 3),
        ("manager", 2),
        ("rep", 0),
        ("finance", 3),
        ("padmin", 2),
        ("puser", 1),
    ] {
        let index = ROLES
            .iter()
            .position(|r| *r == role)
            .expect("a role of the matrix");
        let list = programs[index].get("/api/v1/partners").await?.json()?;
        assert_eq!(list["total"], json!(expected), "{role} sees {list}");
        assert_eq!(
            list["items"].as_array().map(Vec::len),
            Some(expected),
            "{role} sees {list}"
        );
    }

    let mut failures = Vec::new();
    let mut n = 0;
    for (method, path, input, expected) in MATRIX {
        for (i, role) in ROLES.iter().enumerate() {
            let expected = expected[i];
            n += 1;
            let api = path.starts_with("/api/v1/");
            let browser = &mut browsers[i];
            match (*input, api) {
                (Empty, false) => {
                    let got = browser.get(path).await?;
                    failures.extend(check(role, method, path, "session", expected, &got));
                }
                (Empty, true) => {
                    let got = programs[i].get(path).await?;
                    failures.extend(check(role, method, path, "token", expected, &got));
                    let got = browser.get(path).await?;
                    failures.extend(check(role, method, path, "session", expected, &got));
                }
                (Upload(fields, file), _) => {
                    browser.get("/account").await?;
                    let got = browser
                        .upload(path, fields, "p.csv", fill(file, n).as_bytes())
                        .await?;
                    failures.extend(check(role, method, path, "upload", expected, &got));
                }
                (Form(fields), _) => {
                    // Reload the page so the form carries a fresh token.
                    browser.get("/account").await?;
                    let fields: Vec<(&str, String)> =
                        fields.iter().map(|(k, v)| (*k, fill(v, n))).collect();
                    let fields: Vec<(&str, &str)> =
                        fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let got = browser.submit(path, &fields).await?;
                    failures.extend(check(role, method, path, "form", expected, &got));
                }
                (Json(body), _) => {
                    let verb = Method::from_bytes(method.as_bytes())?;
                    let got = programs[i]
                        .send_json(
                            verb.clone(),
                            path,
                            &serde_json::from_str(&fill(body, n))?,
                            &[],
                        )
                        .await?;
                    failures.extend(check(role, method, path, "token", expected, &got));
                    n += 1;
                    browser.get("/account").await?;
                    let got = browser
                        .send_json_from_page(verb, path, &serde_json::from_str(&fill(body, n))?)
                        .await?;
                    failures.extend(check(role, method, path, "session", expected, &got));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "the authorization matrix is broken:\n{}",
        failures.join("\n")
    );

    assert_eq!(
        agreement_snapshot(&env).await?,
        agreements_before,
        "refused agreement writes changed nothing"
    );
    // Exactly the allowed writes happened: admin and manager each added one
    // partner by form, one by upload and two by API; admin alone added three users.
    assert_eq!(env.partner_count().await?, 3 + 8);
    // Every grant on a line that is not a record was refused; the refused
    // changes left AU000002 as it was.
    let granted = programs[0]
        .get("/api/v1/authorizations?per_page=100")
        .await?
        .json()?;
    assert_eq!(granted["total"], json!(3), "{granted}");
    let au2 = programs[0]
        .get("/api/v1/authorizations/AU000002")
        .await?
        .json()?;
    assert_eq!(
        (&au2["valid_from"], &au2["valid_to"], &au2["ended_at"]),
        (&json!("2026-01-01"), &json!("2026-12-31"), &Value::Null)
    );
    let puser = programs[5].get("/api/v1/authorizations").await?.json()?;
    assert_eq!(puser["items"][0]["partner_code"], json!("P2"));
    assert!(
        puser["items"]
            .as_array()
            .is_some_and(|items| items.iter().all(|a| a["partner_code"] == json!("P2"))),
        "{puser}"
    );
    // padmin added one staff account by form and two by API.
    assert_eq!(env.user_count().await?, 7 + 3 + 3);
    let staff = programs[4].get("/api/v1/team").await?.json()?;
    assert!(
        staff.as_array().is_some_and(
            |users| users.len() == 4 && users.iter().all(|u| u["partner_code"] == json!("P1"))
        ),
        "{staff}"
    );
    let covered = programs[0]
        .get("/api/v1/users/manager/regions")
        .await?
        .json()?;
    assert_eq!(
        (
            covered[0]["code"].clone(),
            covered[0]["name"].clone(),
            covered.as_array().map(Vec::len)
        ),
        (json!("440100"), json!("广州市"), Some(1)),
        "{covered}"
    );
    let audit = |action: &str| qudao_app::audit::Filter {
        entity_key: Some("other".to_owned()),
        action: Some(action.to_owned()),
        ..Default::default()
    };
    for action in ["enable", "reset_password"] {
        let done = env
            .app
            .list_audit(&env.system, &audit(action), PageRequest::export())
            .await?;
        assert_eq!(
            done.items
                .iter()
                .map(|e| e.actor_login.as_str())
                .collect::<Vec<_>>(),
            ["admin"],
            "{action}"
        );
    }
    // A channel manager owns what they add.
    let manager = programs[1].get("/api/v1/partners").await?.json()?;
    assert_eq!(manager["total"], json!(2 + 4), "{manager}");

    // Partner roles do not learn who owns the relationship.
    let p1 = programs[0].get("/api/v1/partners/P1").await?.json()?;
    assert_eq!(p1["owner_login"], json!("manager"));
    assert_eq!(p1["children"][0]["code"], json!("P2"));
    let p1 = programs[4].get("/api/v1/partners/P1").await?.json()?;
    assert_eq!(p1["owner_login"], Value::Null);
    // puser's own partner names no parent outside its scope.
    let p2 = programs[5].get("/api/v1/partners/P2").await?.json()?;
    assert_eq!(p2["parent_code"], Value::Null, "{p2}");
    let me = programs[5].get("/api/v1/me").await?.json()?;
    assert_eq!(
        me,
        json!({ "login": "puser", "display_name": "User puser", "role": "partner_user", "partner_code": "P2" })
    );
    Ok(())
}
