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

/// Every route and what each caller gets. Pages answer a stranger with a
/// redirect to the login page (303); the API answers 401 problem JSON.
/// Outside a caller's data scope a partner does not exist (404); an action
/// the role may never take is 403.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [u16; 7])] = &[
    // method  path                     admin manager rep finance padmin puser anonymous
    ("GET",  "/",                       [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/partners",               [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/partners/new",           [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/partners/P1",            [200, 200, 404, 200, 200, 404, 303]),
    ("GET",  "/partners/P2",            [200, 200, 404, 200, 200, 200, 303]),
    ("GET",  "/partners/P3",            [200, 404, 404, 200, 404, 404, 303]),
    ("GET",  "/admin/users",            [200, 403, 403, 403, 403, 403, 303]),
    ("GET",  "/admin/users/new",        [200, 403, 403, 403, 403, 403, 303]),
    ("GET",  "/admin/audit",            [200, 403, 403, 403, 403, 403, 303]),
    ("GET",  "/account",                [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/areas/incentives",       [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/api/docs",               [200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/api/v1/me",              [200, 200, 200, 200, 200, 200, 401]),
    ("GET",  "/api/v1/partners",        [200, 200, 200, 200, 200, 200, 401]),
    ("GET",  "/api/v1/partners/P1",     [200, 200, 404, 200, 200, 404, 401]),
    ("GET",  "/api/v1/partners/P2",     [200, 200, 404, 200, 200, 200, 401]),
    ("GET",  "/api/v1/partners/P3",     [200, 404, 404, 200, 404, 404, 401]),
    ("GET",  "/api/v1/users",           [200, 403, 403, 403, 403, 403, 401]),
    ("GET",  "/api/v1/audit",           [200, 403, 403, 403, 403, 403, 401]),
    ("POST", "/partners",               [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users",            [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/other/status",   [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/other/password", [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/account/tokens",         [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/healthz",                [200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/favicon.ico",            [204, 204, 204, 204, 204, 204, 204]),
    ("GET",  "/readyz",                 [200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/api/openapi.json",       [200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/lang/en?next=/login",    [303, 303, 303, 303, 303, 303, 303]),
    ("GET",  "/login",                  [200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/areas/nope",             [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/account/password",       [422, 422, 422, 422, 422, 422, 303]),
    ("POST", "/account/tokens/999999/revoke", [404, 404, 404, 404, 404, 404, 303]),
    ("POST", "/partners/P2/status",     [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/status",     [422, 404, 403, 403, 403, 403, 303]),
    ("POST", "/api/v1/partners/P2/status", [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/status", [422, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners",        [201, 201, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/users",           [201, 403, 403, 403, 403, 403, 401]),
    ("GET",  "/partners/P2/edit",       [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/partners/P3/edit",       [200, 404, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/edit",       [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/edit",       [303, 404, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/contacts",   [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/contacts/999999/delete", [404, 404, 403, 403, 403, 403, 303]),
    ("PUT",  "/api/v1/partners/P2",     [200, 200, 403, 403, 403, 403, 401]),
    ("PUT",  "/api/v1/partners/P3",     [200, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P2/contacts", [201, 201, 403, 403, 403, 403, 401]),
    ("DELETE", "/api/v1/partners/P2/contacts/999999", [404, 404, 403, 403, 403, 403, 401]),
    ("GET",  "/imports",                [200, 200, 403, 403, 403, 403, 303]),
    ("POST", "/imports",                [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/imports/templates/partners.zh.xlsx", [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/imports/templates/contacts.csv", [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/imports/templates/authorizations.zh.csv", [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/imports/templates/nothing.csv", [404, 404, 403, 403, 403, 403, 303]),
    // A JSON body read as CSV has the wrong header: rejected, nothing written.
    ("POST", "/api/v1/imports/partners?file_name=p.csv", [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/imports/authorizations?file_name=a.csv&mode=create", [422, 422, 403, 403, 403, 403, 401]),
    // Agreements (seeded by `seed_agreements`). Partner roles read only their
    // own organisation's agreement: padmin (P1) does not read P2's.
    ("GET",  "/agreements",             [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/agreements?status=active&in_force_on=2026-01-01&format=xlsx", [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/agreements/expiring",    [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/agreements/expiring?days=90&format=xlsx", [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/partners/P1/agreement",  [200, 200, 404, 200, 200, 404, 303]),
    ("GET",  "/partners/P2/agreement",  [200, 200, 404, 200, 404, 200, 303]),
    ("GET",  "/partners/P3/agreement?as_of=2020-01-01", [200, 404, 404, 200, 404, 404, 303]),
    ("GET",  "/partners/P1/agreement/versions/1", [200, 200, 404, 200, 200, 404, 303]),
    ("GET",  "/partners/P1/agreement/versions/9", [404, 404, 404, 404, 404, 404, 303]),
    ("GET",  "/partners/P1/agreement/new", [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/partners/P3/agreement/new", [200, 404, 403, 403, 403, 403, 303]),
    ("GET",  "/partners/P2/agreement/versions/2/edit", [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/api/v1/agreements",      [200, 200, 200, 200, 200, 200, 401]),
    ("GET",  "/api/v1/agreements/expiring", [200, 200, 200, 200, 200, 200, 401]),
    ("GET",  "/api/v1/partners/P1/agreement", [200, 200, 404, 200, 200, 404, 401]),
    ("GET",  "/api/v1/partners/P2/agreement", [200, 200, 404, 200, 404, 200, 401]),
    ("GET",  "/api/v1/partners/P3/agreement", [200, 404, 404, 200, 404, 404, 401]),
    ("GET",  "/api/v1/partners/P2/agreement/versions", [200, 200, 404, 200, 404, 200, 401]),
    ("GET",  "/api/v1/partners/P1/agreement/versions/1", [200, 200, 404, 200, 200, 404, 401]),
    // Writes that permitted callers get refused for their content (422), so
    // the matrix changes no agreement.
    ("POST", "/partners/P2/agreement/versions", [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/agreement/versions", [422, 404, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/agreement/versions/2", [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P1/agreement/versions/1/activate", [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/agreement/versions/1/activate", [422, 404, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P1/agreement/terminate", [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/api/v1/partners/P2/agreement/versions", [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/agreement/versions", [422, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P2/agreement/versions/2", [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P1/agreement/versions/1/activate", [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/agreement/terminate", [422, 404, 403, 403, 403, 403, 401]),
    // grades and onboarding
    ("GET",  "/partners/grades",        [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/partners/grades/gold",   [200, 403, 403, 403, 403, 403, 303]),
    ("POST", "/partners/grades",        [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/partners/grades/gold",   [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/grade",      [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/grade",      [422, 404, 403, 403, 403, 403, 303]),
    ("GET",  "/partners/pipeline",      [200, 200, 200, 200, 403, 403, 303]),
    ("POST", "/partners/pipeline/move", [422, 422, 403, 403, 403, 403, 303]),
    ("GET",  "/partners/onboarding/criteria",             [200, 200, 200, 200, 403, 403, 303]),
    ("GET",  "/partners/onboarding/criteria/culture_fit", [200, 200, 403, 403, 403, 403, 303]),
    ("POST", "/partners/onboarding/criteria",             [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/partners/onboarding/criteria/culture_fit", [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P2/evaluations", [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/partners/P3/evaluations", [422, 404, 403, 403, 403, 403, 303]),
    ("GET",  "/api/v1/grades",          [200, 200, 200, 200, 200, 200, 401]),
    ("POST", "/api/v1/grades",          [201, 403, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/grades/silver",   [200, 403, 403, 403, 403, 403, 401]),
    ("GET",  "/api/v1/partners/P1/grade",  [200, 200, 404, 200, 200, 404, 401]),
    ("POST", "/api/v1/partners/P2/grade",  [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/grade",  [422, 404, 403, 403, 403, 403, 401]),
    ("GET",  "/api/v1/onboarding/criteria",             [200, 200, 200, 200, 403, 403, 401]),
    ("POST", "/api/v1/onboarding/criteria",             [201, 201, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/onboarding/criteria/culture_fit", [200, 200, 403, 403, 403, 403, 401]),
    ("GET",  "/api/v1/partners/P2/evaluations",  [200, 200, 404, 200, 403, 403, 401]),
    ("POST", "/api/v1/partners/P2/evaluations",  [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/partners/P3/evaluations",  [422, 404, 403, 403, 403, 403, 401]),
    ("GET",  "/api/v1/onboarding/pipeline",      [200, 200, 200, 200, 403, 403, 401]),
    // Territories: regions are reference data; authorizations follow the
    // partner scope (AU000001 is P1's, AU000002 P2's, AU000003 P3's).
    ("GET",  "/territories/regions",    [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/territories/regions?q=%E6%B5%A6%E4%B8%9C", [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/territories/regions/310000", [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/territories/regions/999999", [404, 404, 404, 404, 404, 404, 303]),
    ("GET",  "/territories/regions/new", [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/territories/authorizations", [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/territories/authorizations?format=xlsx", [200, 200, 200, 200, 200, 200, 303]),
    ("GET",  "/territories/authorizations/new", [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/territories/authorizations/AU000001", [200, 200, 404, 200, 200, 404, 303]),
    ("GET",  "/territories/authorizations/AU000002", [200, 200, 404, 200, 200, 200, 303]),
    ("GET",  "/territories/authorizations/AU000003", [200, 404, 404, 200, 404, 404, 303]),
    ("GET",  "/territories/limits",     [200, 200, 403, 403, 403, 403, 303]),
    ("GET",  "/api/v1/regions",         [200, 200, 200, 200, 200, 200, 401]),
    ("GET",  "/api/v1/regions?parent=CN", [200, 200, 200, 200, 200, 200, 401]),
    ("GET",  "/api/v1/regions/310000",  [200, 200, 200, 200, 200, 200, 401]),
    ("GET",  "/api/v1/regions/999999",  [404, 404, 404, 404, 404, 404, 401]),
    ("GET",  "/api/v1/authorizations",  [200, 200, 200, 200, 200, 200, 401]),
    ("GET",  "/api/v1/authorizations/AU000001", [200, 200, 404, 200, 200, 404, 401]),
    ("GET",  "/api/v1/authorizations/AU000002", [200, 200, 404, 200, 200, 200, 401]),
    ("GET",  "/api/v1/authorizations/AU000003", [200, 404, 404, 200, 404, 404, 401]),
    ("GET",  "/api/v1/selective-limits", [200, 200, 403, 403, 403, 403, 401]),
    ("POST", "/territories/regions",    [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/territories/authorizations", [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/territories/authorizations/AU000002", [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/territories/authorizations/AU000003", [422, 404, 403, 403, 403, 403, 303]),
    ("POST", "/territories/authorizations/AU000002/end", [422, 422, 403, 403, 403, 403, 303]),
    ("POST", "/territories/limits",     [303, 303, 403, 403, 403, 403, 303]),
    ("POST", "/api/v1/regions",         [201, 201, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/authorizations",  [201, 201, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/authorizations/AU000002", [422, 422, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/authorizations/AU000003", [422, 404, 403, 403, 403, 403, 401]),
    ("POST", "/api/v1/selective-limits", [200, 200, 403, 403, 403, 403, 401]),
    // Covered regions (admins only) and a partner admin's own team. padmin
    // is P1's; puser is P2's and other is P3's, so neither is its staff.
    ("GET",  "/admin/users/manager/regions", [200, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/manager/regions", [303, 403, 403, 403, 403, 403, 303]),
    ("POST", "/admin/users/manager/regions/999999/remove", [404, 403, 403, 403, 403, 403, 303]),
    ("GET",  "/api/v1/users/manager/regions", [200, 403, 403, 403, 403, 403, 401]),
    ("PUT",  "/api/v1/users/manager/regions", [200, 403, 403, 403, 403, 403, 401]),
    ("GET",  "/team",                   [403, 403, 403, 403, 200, 403, 303]),
    ("POST", "/team",                   [403, 403, 403, 403, 200, 403, 303]),
    ("POST", "/team/puser/status",      [403, 403, 403, 403, 404, 403, 303]),
    ("POST", "/team/other/password",    [403, 403, 403, 403, 404, 403, 303]),
    ("GET",  "/api/v1/team",            [403, 403, 403, 403, 200, 403, 401]),
    ("POST", "/api/v1/team",            [403, 403, 403, 403, 201, 403, 401]),
    ("POST", "/api/v1/team/puser/status", [403, 403, 403, 403, 404, 403, 401]),
    ("POST", "/api/v1/team/other/password", [403, 403, 403, 403, 404, 403, 401]),
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

/// Every version of every partner, as the system sees them.
async fn agreement_snapshot(env: &Env) -> Res<String> {
    let mut all = String::new();
    for code in ["P1", "P2", "P3"] {
        let view = env.app.agreement(&env.system, code, None).await?;
        all.push_str(&format!("{:?}", view.versions));
    }
    Ok(all)
}

/// The form or JSON a state-changing route of the matrix is sent; `n` keeps
/// codes and logins unique.
fn form_for(path: &str, n: usize) -> Vec<(String, String)> {
    let pairs: Vec<(&str, String)> = match path {
        "/partners" => vec![
            ("code", format!("F{n}")),
            ("name", "Form partner".into()),
            ("partner_type", "agent".into()),
        ],
        "/admin/users/other/status" => vec![("status", "active".into())],
        "/admin/users/other/password" => vec![("password", format!("other-password-{n}"))],
        "/account/tokens" => vec![("name", format!("token {n}"))],
        // A wrong current password: refused for everyone, changing nothing.
        "/account/password" => vec![
            ("current_password", "not-the-password".into()),
            ("new_password", format!("new-password-{n}")),
            ("confirm_password", format!("new-password-{n}")),
        ],
        "/account/tokens/999999/revoke" | "/partners/P2/contacts/999999/delete" => Vec::new(),
        "/partners/P2/edit" | "/partners/P3/edit" => vec![
            ("name", format!("Edited {n}")),
            ("partner_type", "retailer".into()),
            (
                "parent_code",
                if path.contains("P2") { "P1" } else { "" }.into(),
            ),
            ("credit_limit", "1000.00".into()),
            ("currency", "CNY".into()),
        ],
        "/partners/P2/contacts" => vec![
            ("name", format!("Contact {n}")),
            ("role", "buyer".into()),
            ("phone", "021-5555-0000".into()),
        ],
        // Active to prospect is never allowed: permitted callers get 422 and
        // the matrix leaves the partner as it was.
        "/partners/P2/status" | "/partners/P3/status" => {
            vec![("status", "prospect".into()), ("reason", "matrix".into())]
        }
        "/territories/regions" => vec![
            ("code", format!("OWN-{n}")),
            ("name", "自定义区域".into()),
            ("parent_code", "CN".into()),
        ],
        "/territories/authorizations" => vec![
            ("partner_code", "P2".into()),
            ("region_code", "440100".into()),
            ("product_line", format!("F{n}")),
            ("mode", "intensive".into()),
            ("valid_from", "2026-01-01".into()),
            ("valid_to", "2026-12-31".into()),
        ],
        // Dates out of order: refused for those allowed, changing nothing.
        "/territories/authorizations/AU000002" | "/territories/authorizations/AU000003" => vec![
            ("valid_from", "2026-06-01".into()),
            ("valid_to", "2026-05-31".into()),
        ],
        "/territories/authorizations/AU000002/end" => {
            vec![("end_on", "2030-01-01".into()), ("reason", "matrix".into())]
        }
        "/territories/limits" => vec![
            ("product_line", format!("F{n}")),
            ("max_partners", "2".into()),
        ],
        "/partners/grades" => vec![
            ("code", format!("g{n}")),
            ("name", "Form grade".into()),
            ("rank", format!("{}", 1000 + n)),
        ],
        "/partners/grades/gold" => vec![
            ("name", "金牌".into()),
            ("name_en", "Gold".into()),
            ("rank", "30".into()),
            ("promote_threshold", "88".into()),
            ("demote_threshold", "65".into()),
        ],
        // No reason: refused for everyone allowed, changing nothing.
        "/partners/P2/grade" | "/partners/P3/grade" => vec![("grade", "gold".into())],
        "/partners/pipeline/move" => vec![
            ("code", "P2".into()),
            ("status", "prospect".into()),
            ("reason", "matrix".into()),
        ],
        "/partners/onboarding/criteria" => vec![
            ("code", format!("c{n}")),
            ("name", "Form criterion".into()),
            ("weight", "5".into()),
        ],
        "/partners/onboarding/criteria/culture_fit" => vec![
            ("name", "文化契合".into()),
            ("weight", "10".into()),
            ("active", "true".into()),
        ],
        // P2 and P3 are signed: evaluating them is refused.
        "/partners/P2/evaluations" | "/partners/P3/evaluations" => {
            vec![("score_market_coverage", "80".into())]
        }
        // Dates out of order: refused with a field error, nothing written.
        "/partners/P2/agreement/versions"
        | "/partners/P3/agreement/versions"
        | "/partners/P2/agreement/versions/2" => vec![
            ("amends", "1".into()),
            ("valid_from", "2026-05-01".into()),
            ("valid_to", "2026-04-30".into()),
            ("payment_net_days", "30".into()),
            ("note", "matrix".into()),
        ],
        // Version 1 is already active.
        "/partners/P1/agreement/versions/1/activate"
        | "/partners/P3/agreement/versions/1/activate" => Vec::new(),
        // Before the term starts.
        "/partners/P1/agreement/terminate" => vec![
            ("effective_date", "2000-01-01".into()),
            ("reason", "matrix".into()),
        ],
        // 广州市: no partner has its home there, so no one's scope changes.
        "/admin/users/manager/regions" => vec![("region_code", "440100".into())],
        "/admin/users/manager/regions/999999/remove" | "/team/other/password" => Vec::new(),
        "/team" => vec![
            ("login", format!("form-staff-{n}")),
            ("display_name", "Form staff".into()),
        ],
        "/team/puser/status" => vec![("status", "disabled".into())],
        "/admin/users" => vec![
            ("login", format!("form-user-{n}")),
            ("display_name", "Form user".into()),
            ("role", "sales_rep".into()),
            ("password", PASSWORD.into()),
        ],
        other => panic!("no form for {other}"),
    };
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn json_for(path: &str, n: usize) -> Value {
    match path {
        "/api/v1/partners/P2/status" | "/api/v1/partners/P3/status" => {
            json!({ "status": "prospect", "reason": "matrix" })
        }
        "/api/v1/partners" => {
            json!({ "code": format!("J{n}"), "name": "Json partner", "partner_type": "agent" })
        }
        "/api/v1/partners/P2" => {
            json!({ "name": "Partner P2", "partner_type": "retailer", "parent_code": "P1" })
        }
        "/api/v1/partners/P3" => json!({ "name": "Partner P3", "partner_type": "distributor" }),
        "/api/v1/partners/P2/contacts" => {
            json!({ "name": format!("Contact {n}"), "role": "buyer", "email": "c@example.cn" })
        }
        "/api/v1/partners/P2/contacts/999999" => json!({}),
        "/api/v1/partners/P2/agreement/versions"
        | "/api/v1/partners/P3/agreement/versions"
        | "/api/v1/partners/P2/agreement/versions/2" => json!({
            "amends": 1, "valid_from": "2026-05-01", "valid_to": "2026-04-30",
            "payment_net_days": "30", "note": "matrix",
        }),
        "/api/v1/partners/P1/agreement/versions/1/activate" => json!({}),
        "/api/v1/partners/P3/agreement/terminate" => {
            json!({ "effective_date": "2000-01-01", "reason": "matrix" })
        }
        "/api/v1/grades" => {
            json!({ "code": format!("j{n}"), "name": "Json grade", "rank": 2000 + n })
        }
        "/api/v1/grades/silver" => json!({
            "name": "银牌", "name_en": "Silver", "rank": 20,
            "promote_threshold": 75, "demote_threshold": "50",
        }),
        "/api/v1/partners/P2/grade" | "/api/v1/partners/P3/grade" => {
            json!({ "grade": "gold", "reason": "" })
        }
        "/api/v1/onboarding/criteria" => {
            json!({ "code": format!("jc{n}"), "name": "Json criterion", "weight": 5 })
        }
        "/api/v1/onboarding/criteria/culture_fit" => json!({ "name": "文化契合", "weight": "10" }),
        "/api/v1/partners/P2/evaluations" | "/api/v1/partners/P3/evaluations" => {
            json!({ "scores": { "market_coverage": 80 } })
        }
        "/api/v1/regions" => json!({ "code": format!("JR-{n}"), "name": "Json region" }),
        "/api/v1/authorizations" => json!({
            "partner_code": "P2", "region_code": "440100", "product_line": format!("J{n}"),
            "mode": "selective", "valid_from": "2026-01-01", "valid_to": "2026-12-31",
        }),
        "/api/v1/authorizations/AU000002" | "/api/v1/authorizations/AU000003" => {
            json!({ "valid_to": "2025-01-01" })
        }
        "/api/v1/selective-limits" => json!({ "product_line": format!("J{n}"), "max_partners": 4 }),
        "/api/v1/users/manager/regions" => json!({ "region_codes": ["440100"] }),
        "/api/v1/team" => {
            json!({ "login": format!("json-staff-{n}"), "display_name": "Json staff" })
        }
        "/api/v1/team/puser/status" => json!({ "status": "disabled" }),
        "/api/v1/team/other/password" => json!({}),
        _ => json!({
            "login": format!("json-user-{n}"),
            "display_name": "Json user",
            "role": "sales_rep",
            "password": PASSWORD,
        }),
    }
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
        } else if !got.content_type().starts_with("text/html") {
            wrong.push(format!("content type {:?}", got.content_type()));
        }
    }
    if got.status == StatusCode::UNAUTHORIZED && got.header(header::WWW_AUTHENTICATE) != "Bearer" {
        wrong.push("no WWW-Authenticate: Bearer".to_owned());
    }
    (!wrong.is_empty()).then(|| {
        format!(
            "{role:>9} {method:4} {path} ({how}): expected {expected}, {}",
            wrong.join(", ")
        )
    })
}

#[tokio::test]
async fn authorization_matrix() -> Res {
    let env = Env::new("matrix").await?;
    env.territories().await?;
    seed_agreements(&env).await?;
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
    for (method, path, expected) in MATRIX {
        for (i, role) in ROLES.iter().enumerate() {
            let expected = expected[i];
            n += 1;
            let api = path.starts_with("/api/v1/");
            let browser = &mut browsers[i];
            match (*method, api) {
                ("GET", false) => {
                    let got = browser.get(path).await?;
                    failures.extend(check(role, method, path, "session", expected, &got));
                }
                ("GET", true) => {
                    let got = programs[i].get(path).await?;
                    failures.extend(check(role, method, path, "token", expected, &got));
                    let got = browser.get(path).await?;
                    failures.extend(check(role, method, path, "session", expected, &got));
                }
                ("POST", false) if *path == "/imports" => {
                    browser.get("/account").await?;
                    let file = format!("code,name,partner_type\nU{n},Upload,agent\n");
                    let got = browser
                        .upload(path, &[("kind", "partners")], "p.csv", file.as_bytes())
                        .await?;
                    failures.extend(check(role, method, path, "upload", expected, &got));
                }
                (_, false) => {
                    // Reload the page so the form carries a fresh token.
                    browser.get("/account").await?;
                    let fields = form_for(path, n);
                    let fields: Vec<(&str, &str)> = fields
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let got = browser.submit(path, &fields).await?;
                    failures.extend(check(role, method, path, "form", expected, &got));
                }
                (_, true) => {
                    let verb = Method::from_bytes(method.as_bytes())?;
                    let got = programs[i]
                        .send_json(verb.clone(), path, &json_for(path, n), &[])
                        .await?;
                    failures.extend(check(role, method, path, "token", expected, &got));
                    n += 1;
                    browser.get("/account").await?;
                    let got = browser
                        .send_json_from_page(verb, path, &json_for(path, n))
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
    // Each of admin and manager granted one authorization by form and two
    // by API; the refused changes left AU000002 as it was.
    let granted = programs[0]
        .get("/api/v1/authorizations?per_page=100")
        .await?
        .json()?;
    assert_eq!(granted["total"], json!(3 + 6), "{granted}");
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
