//! The web layer driven in process, request by request, through the real
//! router: who may do what (the authorization matrix), sign-in and sessions,
//! CSRF, bad input, form errors, the OpenAPI document, exports and languages.
//!
//! Every test opens its own SQLite database in the temp directory and seeds
//! the same small world:
//!
//! | login     | role            | partner |
//! |-----------|-----------------|---------|
//! | `admin`   | admin           |         |
//! | `manager` | channel_manager |         |
//! | `rep`     | sales_rep       |         |
//! | `finance` | finance         |         |
//! | `padmin`  | partner_admin   | P1      |
//! | `puser`   | partner_user    | P2      |
//! | `other`   | partner_user    | P3      |
//!
//! P1 is a depth-1 distributor owned by `manager`; P2 a retailer below P1;
//! P3 a depth-1 distributor that nobody owns.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use qudao_app::admin::{UserFilter, UserInput, UserSort};
use qudao_app::partners::{PartnerFilter, PartnerInput, PartnerSort};
use qudao_app::territories::AuthorizationInput;
use qudao_app::{Caller, PageRequest, Qudao, SortDir};
use qudao_domain::admin::UserStatus;
use serde_json::{Value, json};
use tower::ServiceExt;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Res<T = ()> = Result<T, Error>;

const PASSWORD: &str = "test-password-1";
const PROBLEM_JSON: &str = "application/problem+json";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// ---------------------------------------------------------------------------
// The world each test runs in
// ---------------------------------------------------------------------------

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Removes the database file and its WAL companions when the test ends.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

struct Env {
    app: Qudao,
    router: Router,
    system: Caller,
    _db: TempDb,
}

impl Env {
    /// A fresh, seeded database and the router on it.
    async fn new(test: &str) -> Res<Env> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "qudao_web_http_{}_{n}_{test}.db",
            std::process::id()
        ));
        let db = TempDb(path);
        let app = Qudao::open(&format!("sqlite://{}", db.0.display())).await?;
        let system = Caller::system("test");
        for (login, role) in [
            ("admin", "admin"),
            ("manager", "channel_manager"),
            ("rep", "sales_rep"),
            ("finance", "finance"),
        ] {
            app.create_user(&system, &user(login, role, None)).await?;
        }
        for (code, partner_type, parent, owner) in [
            ("P1", "distributor", None, Some("manager")),
            ("P2", "retailer", Some("P1"), None),
            ("P3", "distributor", None, None),
        ] {
            let input = PartnerInput {
                code: code.to_owned(),
                name: format!("Partner {code}"),
                partner_type: partner_type.to_owned(),
                parent_code: parent.map(str::to_owned),
                owner_login: owner.map(str::to_owned),
                status: None,
                record: Default::default(),
            };
            app.create_partner(&system, &input).await?;
        }
        for (login, role, partner) in [
            ("padmin", "partner_admin", "P1"),
            ("puser", "partner_user", "P2"),
            ("other", "partner_user", "P3"),
        ] {
            app.create_user(&system, &user(login, role, Some(partner)))
                .await?;
        }
        let router = qudao_web::router(app.clone(), &qudao_web::WebConfig::default());
        Ok(Env {
            app,
            router,
            system,
            _db: db,
        })
    }

    /// A browser with no session yet.
    fn browser(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: BTreeMap::new(),
            csrf: String::new(),
            bearer: None,
        }
    }

    /// A browser signed in as `login` (with the seed password).
    async fn signed_in(&self, login: &str) -> Res<Client> {
        let mut client = self.browser();
        let response = client.sign_in(login, PASSWORD).await?;
        if response.status != StatusCode::SEE_OTHER || response.location() != "/" {
            return Err(format!(
                "signing in as {login}: {} {}",
                response.status,
                response.text()
            )
            .into());
        }
        Ok(client)
    }

    /// A program holding an API token of `login`; it sends no cookies.
    async fn api(&self, login: &str) -> Res<Client> {
        let token = self
            .app
            .create_token(&self.app.caller_by_login(login).await?, "t")
            .await?;
        let mut client = self.browser();
        client.bearer = Some(token.secret);
        Ok(client)
    }

    /// How many partners exist, whoever may see them.
    async fn partner_count(&self) -> Res<u64> {
        let page = self
            .app
            .list_partners(
                &self.system,
                &PartnerFilter::default(),
                PartnerSort::Code,
                SortDir::Asc,
                PageRequest::export(),
            )
            .await?;
        Ok(page.total)
    }

    /// Loads the built-in regions and grants AU000001 (P1, exclusive in
    /// 上海市), AU000002 (P2, 江苏省) and AU000003 (P3, 浙江省), all for
    /// product line LIGHT in 2026.
    async fn territories(&self) -> Res {
        self.app.load_builtin_regions().await?;
        for (partner, region, mode) in [
            ("P1", "310000", "exclusive"),
            ("P2", "320000", "intensive"),
            ("P3", "330000", "intensive"),
        ] {
            self.app
                .create_authorization(&self.system, &grant(partner, region, "LIGHT", mode))
                .await?;
        }
        Ok(())
    }

    async fn user_count(&self) -> Res<u64> {
        let page = self
            .app
            .list_users(
                &self.system,
                &UserFilter::default(),
                UserSort::Login,
                SortDir::Asc,
                PageRequest::export(),
            )
            .await?;
        Ok(page.total)
    }
}

fn grant(partner: &str, region: &str, line: &str, mode: &str) -> AuthorizationInput {
    AuthorizationInput {
        partner_code: partner.to_owned(),
        region_code: region.to_owned(),
        product_line: line.to_owned(),
        mode: mode.to_owned(),
        valid_from: "2026-01-01".to_owned(),
        valid_to: "2026-12-31".to_owned(),
    }
}

fn user(login: &str, role: &str, partner: Option<&str>) -> UserInput {
    UserInput {
        login: login.to_owned(),
        display_name: format!("User {login}"),
        role: role.to_owned(),
        partner_code: partner.map(str::to_owned),
        password: PASSWORD.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// A small HTTP client on the router
// ---------------------------------------------------------------------------

struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn content_type(&self) -> &str {
        self.header(header::CONTENT_TYPE)
    }

    fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Res<Value> {
        serde_json::from_slice(&self.body).map_err(|e| format!("{e}: {}", self.text()).into())
    }

    /// The message of an error flash on the page, if any.
    fn error_flash(&self) -> Option<String> {
        let html = self.text();
        let start = html.find("flash flash-error")?;
        let rest = &html[start..];
        let text = &rest[rest.find('>')? + 1..];
        Some(text[..text.find("</div>")?].to_owned())
    }
}

/// A browser (cookies, the page's CSRF token) or an API program (a token).
#[derive(Clone)]
struct Client {
    router: Router,
    cookies: BTreeMap<String, String>,
    /// The CSRF token of the last page that had a form.
    csrf: String,
    bearer: Option<String>,
}

impl Client {
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Res<Response> {
        let mut request = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(secret) = &self.bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {secret}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body))?)
            .await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes().to_vec();
        for value in parts.headers.get_all(header::SET_COOKIE) {
            let value = value.to_str()?;
            let Some((name, rest)) = value.split_once('=') else {
                continue;
            };
            let cookie_value = rest.split(';').next().unwrap_or_default();
            if value.to_ascii_lowercase().contains("max-age=0") || cookie_value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies
                    .insert(name.to_owned(), cookie_value.to_owned());
            }
        }
        let response = Response {
            status: parts.status,
            headers: parts.headers,
            body,
        };
        if let Some(token) = csrf_of(&response.text()) {
            self.csrf = token;
        }
        Ok(response)
    }

    async fn get(&mut self, path: &str) -> Res<Response> {
        self.send(Method::GET, path, &[], Vec::new()).await
    }

    async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Res<Response> {
        self.send(Method::GET, path, headers, Vec::new()).await
    }

    /// Posts exactly these form fields.
    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Res<Response> {
        let body = serde_urlencoded::to_string(fields)?;
        self.send(
            Method::POST,
            path,
            &[("content-type", "application/x-www-form-urlencoded")],
            body.into_bytes(),
        )
        .await
    }

    /// Posts a form as the browser would: with the page's CSRF token.
    async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Res<Response> {
        let csrf = self.csrf.clone();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    /// Posts JSON; `headers` add to (or replace) the content type.
    async fn post_json(
        &mut self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Res<Response> {
        self.send_json(Method::POST, path, body, headers).await
    }

    /// Uploads a file as a browser's multipart form does, with the page's
    /// CSRF token in the action's query string.
    async fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
    ) -> Res<Response> {
        const BOUNDARY: &str = "qudao-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\ncontent-type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        let path = format!("{path}?_csrf={}", self.csrf);
        self.send(
            Method::POST,
            &path,
            &[("content-type", &content_type)],
            body,
        )
        .await
    }

    /// Sends JSON with any method.
    async fn send_json(
        &mut self,
        method: Method,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Res<Response> {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send(method, path, &all, serde_json::to_vec(body)?)
            .await
    }

    /// Sends JSON from a signed-in page (htmx style): the CSRF token goes in
    /// the `X-CSRF-Token` header.
    async fn post_json_from_page(&mut self, path: &str, body: &Value) -> Res<Response> {
        self.send_json_from_page(Method::POST, path, body).await
    }

    async fn send_json_from_page(
        &mut self,
        method: Method,
        path: &str,
        body: &Value,
    ) -> Res<Response> {
        let csrf = self.csrf.clone();
        self.send_json(method, path, body, &[("x-csrf-token", &csrf)])
            .await
    }

    /// Fetches the login page (for its CSRF token) and signs in.
    async fn sign_in(&mut self, login: &str, password: &str) -> Res<Response> {
        let page = self.get("/login").await?;
        assert_eq!(page.status, StatusCode::OK, "login page");
        self.submit(
            "/login",
            &[("login", login), ("password", password), ("next", "/")],
        )
        .await
    }
}

fn csrf_of(html: &str) -> Option<String> {
    const MARK: &str = r#"name="_csrf" value=""#;
    let start = html.find(MARK)? + MARK.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_owned())
}

// ---------------------------------------------------------------------------
// 1. The authorization matrix
// ---------------------------------------------------------------------------

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
    ("GET",  "/imports/templates/nothing.csv", [404, 404, 403, 403, 403, 403, 303]),
    // A JSON body read as CSV has the wrong header: rejected, nothing written.
    ("POST", "/api/v1/imports/partners?file_name=p.csv", [422, 422, 403, 403, 403, 403, 401]),
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
];
/// Today in the business zone, moved by `offset` days.
fn day(offset: i64) -> chrono::NaiveDate {
    let today = qudao_app::today();
    if offset >= 0 {
        today + chrono::Days::new(offset.unsigned_abs())
    } else {
        today - chrono::Days::new(offset.unsigned_abs())
    }
}

/// The terms of a version from `from` to `to` days from today.
fn agreement_terms(
    from: i64,
    to: i64,
    amends: Option<i32>,
) -> qudao_app::agreements::AgreementInput {
    qudao_app::agreements::AgreementInput {
        amends,
        valid_from: day(from).to_string(),
        valid_to: day(to).to_string(),
        payment_net_days: "30".into(),
        note: "seed".into(),
        ..Default::default()
    }
}

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
    assert_eq!(env.user_count().await?, 7 + 3);
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

// ---------------------------------------------------------------------------
// 2. Signing in and sessions
// ---------------------------------------------------------------------------

#[tokio::test]
async fn wrong_password_and_unknown_login_get_the_same_answer() -> Res {
    let env = Env::new("wrong_password").await?;
    let mut browser = env.browser();

    let wrong = browser.sign_in("rep", "not-the-password").await?;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("flash-error"), "{}", wrong.text());
    assert!(
        wrong.text().contains(r#"value="rep""#),
        "the login stays typed in"
    );
    let unknown = browser.sign_in("nobody", "not-the-password").await?;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.error_flash(), unknown.error_flash());
    assert_eq!(
        wrong.error_flash().as_deref(),
        Some("The login or password is wrong.")
    );

    // Still not signed in.
    let home = browser.get("/").await?;
    assert_eq!(
        (home.status, home.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    Ok(())
}

#[tokio::test]
async fn five_failures_lock_the_account() -> Res {
    let env = Env::new("lockout").await?;
    let mut browser = env.browser();
    for attempt in 1..=5 {
        let response = browser.sign_in("rep", "not-the-password").await?;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let locked = browser.sign_in("rep", PASSWORD).await?;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let message = locked.error_flash().unwrap_or_default();
    assert!(message.contains("minutes"), "{message}");
    assert_eq!(
        browser.get("/").await?.status,
        StatusCode::SEE_OTHER,
        "not signed in"
    );
    // Other accounts are not affected.
    env.signed_in("manager").await?;
    Ok(())
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_loses_their_session() -> Res {
    let env = Env::new("disabled").await?;
    let mut browser = env.signed_in("finance").await?;
    let mut program = env.api("finance").await?;
    assert_eq!(browser.get("/partners").await?.status, StatusCode::OK);
    assert_eq!(program.get("/api/v1/me").await?.status, StatusCode::OK);

    env.app
        .set_user_status(&env.system, "finance", UserStatus::Disabled)
        .await?;

    let page = browser.get("/partners").await?;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/login"), "{}", page.location());
    // The session is gone for good, not just for one request.
    assert_eq!(browser.get("/account").await?.status, StatusCode::SEE_OTHER);
    let api = program.get("/api/v1/me").await?;
    assert_eq!(
        api.status,
        StatusCode::UNAUTHORIZED,
        "disabling revokes tokens"
    );

    let mut fresh = env.browser();
    let refused = fresh.sign_in("finance", PASSWORD).await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .error_flash()
            .unwrap_or_default()
            .contains("disabled"),
        "{}",
        refused.text()
    );
    assert_eq!(fresh.get("/").await?.status, StatusCode::SEE_OTHER);
    Ok(())
}

#[tokio::test]
async fn logout_ends_the_session() -> Res {
    let env = Env::new("logout").await?;
    let mut browser = env.signed_in("rep").await?;
    let mut stolen = browser.clone();
    assert_eq!(browser.get("/account").await?.status, StatusCode::OK);

    // Without the token, logging out is refused (and does not happen).
    let refused = browser.post_form("/logout", &[]).await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/account").await?.status, StatusCode::OK);

    let out = browser.submit("/logout", &[]).await?;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    let login = browser.get("/login").await?;
    assert!(
        login.text().contains("You have signed out."),
        "{}",
        login.text()
    );
    assert_eq!(browser.get("/account").await?.status, StatusCode::SEE_OTHER);
    // The old session cookie is worthless too.
    let replay = stolen.get("/account").await?;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
    assert!(replay.location().starts_with("/login"));
    assert_eq!(
        stolen.get("/api/v1/me").await?.status,
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() -> Res {
    let env = Env::new("password_change").await?;
    let mut here = env.signed_in("rep").await?;
    let mut elsewhere = env.signed_in("rep").await?;
    here.get("/account").await?;

    let mismatch = here
        .submit(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "new-password-2"),
                ("confirm_password", "other-password-3"),
            ],
        )
        .await?;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text().contains("field-error"));
    let wrong_current = here
        .submit(
            "/account/password",
            &[
                ("current_password", "not-the-password"),
                ("new_password", "new-password-2"),
                ("confirm_password", "new-password-2"),
            ],
        )
        .await?;
    assert_eq!(wrong_current.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        elsewhere.get("/account").await?.status,
        StatusCode::OK,
        "nothing changed yet"
    );

    let changed = here
        .submit(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "new-password-2"),
                ("confirm_password", "new-password-2"),
            ],
        )
        .await?;
    assert_eq!(
        (changed.status, changed.location()),
        (StatusCode::SEE_OTHER, "/account")
    );
    let account = here.get("/account").await?;
    assert_eq!(account.status, StatusCode::OK, "this session goes on");
    assert!(account.text().contains("flash-success"));
    let other = elsewhere.get("/account").await?;
    assert_eq!(
        other.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert!(other.location().starts_with("/login"));

    assert_eq!(
        env.browser().sign_in("rep", PASSWORD).await?.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        env.browser().sign_in("rep", "new-password-2").await?.status,
        StatusCode::SEE_OTHER
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// 3. CSRF
// ---------------------------------------------------------------------------

#[tokio::test]
async fn state_changes_from_a_browser_need_the_csrf_token() -> Res {
    let env = Env::new("csrf").await?;
    let before = env.partner_count().await?;
    let mut browser = env.signed_in("manager").await?;
    browser.get("/partners/new").await?;
    let partner = [
        ("code", "CSRF1"),
        ("name", "Forged"),
        ("partner_type", "agent"),
    ];

    let missing = browser.post_form("/partners", &partner).await?;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.content_type().starts_with("text/html"));
    let mut forged = vec![("_csrf", "0000")];
    forged.extend_from_slice(&partner);
    let wrong = browser.post_form("/partners", &forged).await?;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // A token in a header that is wrong does not count either.
    let header = browser
        .send(
            Method::POST,
            "/partners",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-csrf-token", "0000"),
            ],
            serde_urlencoded::to_string(partner)?.into_bytes(),
        )
        .await?;
    assert_eq!(header.status, StatusCode::FORBIDDEN);
    assert_eq!(env.partner_count().await?, before, "nothing was created");

    // Signing in needs the login page's token too (login CSRF).
    let mut stranger = env.browser();
    let no_session = stranger
        .post_form("/login", &[("login", "manager"), ("password", PASSWORD)])
        .await?;
    assert_eq!(no_session.status, StatusCode::FORBIDDEN);
    stranger.get("/login").await?;
    let no_token = stranger
        .post_form("/login", &[("login", "manager"), ("password", PASSWORD)])
        .await?;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(
        stranger.get("/").await?.status,
        StatusCode::SEE_OTHER,
        "not signed in"
    );

    // The API from a browser session: the token goes in X-CSRF-Token.
    let body = json!({ "code": "CSRF2", "name": "Forged", "partner_type": "agent" });
    let no_header = browser.post_json("/api/v1/partners", &body, &[]).await?;
    assert_eq!(no_header.status, StatusCode::FORBIDDEN);
    assert_eq!(no_header.content_type(), PROBLEM_JSON);
    assert_eq!(no_header.json()?["type"], json!("urn:qudao:problem:csrf"));
    let wrong_header = browser
        .post_json("/api/v1/partners", &body, &[("x-csrf-token", "0000")])
        .await?;
    assert_eq!(wrong_header.status, StatusCode::FORBIDDEN);
    assert_eq!(env.partner_count().await?, before, "nothing was created");

    let with_header = browser
        .post_json_from_page("/api/v1/partners", &body)
        .await?;
    assert_eq!(
        with_header.status,
        StatusCode::CREATED,
        "{}",
        with_header.text()
    );

    // A bearer token carries no ambient credentials: no CSRF token needed.
    let mut program = env.api("admin").await?;
    let created = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "CSRF3", "name": "Token", "partner_type": "agent" }),
            &[],
        )
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()?["code"], json!("CSRF3"));
    assert_eq!(env.partner_count().await?, before + 2);
    Ok(())
}

// ---------------------------------------------------------------------------
// 4. Bad input on the API
// ---------------------------------------------------------------------------

fn expect_problem(response: &Response, status: StatusCode, slug: &str) -> Res<Value> {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(response.content_type(), PROBLEM_JSON);
    let problem = response.json()?;
    assert_eq!(
        problem["type"],
        json!(format!("urn:qudao:problem:{slug}")),
        "{problem}"
    );
    assert_eq!(problem["status"], json!(status.as_u16()));
    assert!(
        problem["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{problem}"
    );
    Ok(problem)
}

#[tokio::test]
async fn the_api_refuses_bad_input_and_changes_nothing() -> Res {
    let env = Env::new("bad_input").await?;
    let before = env.partner_count().await?;
    let mut program = env.api("admin").await?;
    let raw = |body: &str| body.as_bytes().to_vec();
    let json_type = [("content-type", "application/json")];

    let malformed = program
        .send(
            Method::POST,
            "/api/v1/partners",
            &json_type,
            raw(r#"{"code": "X1","#),
        )
        .await?;
    expect_problem(&malformed, StatusCode::BAD_REQUEST, "bad-request")?;

    let text = program
        .send(
            Method::POST,
            "/api/v1/partners",
            &[("content-type", "text/plain")],
            raw(r#"{"code":"X1"}"#),
        )
        .await?;
    let problem = expect_problem(
        &text,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("application/json"),
        "{problem}"
    );

    let huge = json!({ "code": "BIG", "name": "x".repeat(300 * 1024), "partner_type": "agent" });
    let too_large = program.post_json("/api/v1/partners", &huge, &[]).await?;
    expect_problem(&too_large, StatusCode::PAYLOAD_TOO_LARGE, "too-large")?;

    // A field missing from the JSON is a shape error of the body (400), told
    // by serde; values that are there but wrong are 422 with `errors`.
    let missing = program
        .post_json("/api/v1/partners", &json!({ "code": "X1" }), &[])
        .await?;
    let problem = expect_problem(&missing, StatusCode::BAD_REQUEST, "bad-request")?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("missing field `name`"),
        "{problem}"
    );

    let bad_code = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "bad code!", "name": "Bad", "partner_type": "agent" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&bad_code, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(problem["errors"][0]["field"], json!("code"), "{problem}");
    assert_eq!(
        problem["errors"][0]["problem"],
        json!("bad_characters"),
        "{problem}"
    );

    let several = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "", "name": " ", "partner_type": "shop" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&several, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["code", "name", "partner_type"],
        "every field error at once: {problem}"
    );

    let duplicate = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "p1", "name": "Again", "partner_type": "agent" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&duplicate, StatusCode::CONFLICT, "duplicate")?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("code"),
        "{problem}"
    );

    let orphan = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "X2", "name": "Orphan", "partner_type": "retailer", "parent_code": "NOPE" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&orphan, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(
        problem["errors"][0]["field"],
        json!("parent_code"),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("parent_code"),
        "{problem}"
    );

    let bad_user = program
        .post_json(
            "/api/v1/users",
            &json!({ "login": "x", "display_name": "X", "role": "boss", "password": "short" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&bad_user, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["login", "role", "password"], "{problem}");

    let bad_sort = program.get("/api/v1/partners?sort=secret").await?;
    expect_problem(&bad_sort, StatusCode::BAD_REQUEST, "bad-request")?;
    for query in [
        "/api/v1/partners?depth=abc",
        "/api/v1/partners?partner_type=shop",
        "/api/v1/users?role=boss",
        "/api/v1/audit?page=-1",
    ] {
        let bad_query = program.get(query).await?;
        let problem = expect_problem(&bad_query, StatusCode::BAD_REQUEST, "bad-request")?;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("query"),
            "{query}: {problem}"
        );
    }

    let no_route = program.get("/api/v1/nope").await?;
    expect_problem(&no_route, StatusCode::NOT_FOUND, "not-found")?;
    let mut stranger = env.browser();
    let no_route = stranger.get("/api/v1/nope").await?;
    expect_problem(&no_route, StatusCode::NOT_FOUND, "not-found")?;

    let no_page = stranger.get("/nope").await?;
    assert_eq!(no_page.status, StatusCode::NOT_FOUND);
    assert!(
        no_page.content_type().starts_with("text/html"),
        "{}",
        no_page.content_type()
    );
    assert!(no_page.text().contains("404"), "{}", no_page.text());
    let wrong_method = program
        .send(Method::DELETE, "/api/v1/partners", &[], Vec::new())
        .await?;
    expect_problem(
        &wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
    )?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/partners/new").await?;
    let wrong_method = manager.submit("/account/password/nope", &[]).await?;
    assert_eq!(wrong_method.status, StatusCode::NOT_FOUND);
    let wrong_method = manager.submit("/admin/audit", &[]).await?;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.content_type().starts_with("text/html"));

    let half_form = manager.submit("/partners", &[("code", "HALF")]).await?;
    assert_eq!(half_form.status, StatusCode::BAD_REQUEST);
    assert!(half_form.content_type().starts_with("text/html"));
    assert!(half_form.text().contains("name"), "{}", half_form.text());
    assert_eq!(
        env.partner_count().await?,
        before,
        "a malformed form wrote nothing"
    );

    let no_area = env.signed_in("rep").await?.get("/areas/nope").await?;
    assert_eq!(no_area.status, StatusCode::NOT_FOUND);

    let bad_token = Client {
        bearer: Some("qd_not-a-token".to_owned()),
        ..env.browser()
    }
    .get("/api/v1/me")
    .await?;
    expect_problem(&bad_token, StatusCode::UNAUTHORIZED, "unauthenticated")?;
    let mut basic = env.browser();
    let basic = basic
        .get_with("/api/v1/me", &[("authorization", "Basic YWRtaW46eA==")])
        .await?;
    expect_problem(&basic, StatusCode::UNAUTHORIZED, "unauthenticated")?;

    assert_eq!(env.partner_count().await?, before, "nothing was created");
    assert_eq!(env.user_count().await?, 7, "nothing was created");
    Ok(())
}

// ---------------------------------------------------------------------------
// 5. Form errors on pages
// ---------------------------------------------------------------------------

/// The HTML of one field of a form, from its label to the next label.
fn field_html<'a>(html: &'a str, field: &str) -> &'a str {
    let mark = format!(r#"<label for="{field}">"#);
    let Some(start) = html.find(&mark) else {
        return "";
    };
    let rest = &html[start + mark.len()..];
    let end = rest.find("<label for=").unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_them_and_the_typed_values() -> Res {
    let env = Env::new("form_errors").await?;
    let before = env.partner_count().await?;
    let mut browser = env.signed_in("manager").await?;
    let form = browser.get("/partners/new").await?;
    assert_eq!(form.status, StatusCode::OK);

    let response = browser
        .submit(
            "/partners",
            &[
                ("code", "NEWCODE"),
                ("name", ""),
                ("partner_type", "distributor"),
                ("parent_code", ""),
            ],
        )
        .await?;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.content_type().starts_with("text/html"));
    let html = response.text();
    assert!(
        field_html(&html, "name").contains(r#"class="field-error""#),
        "{html}"
    );
    assert!(
        !field_html(&html, "code").contains("field-error"),
        "the code is fine"
    );
    assert!(
        html.contains(
            r#"<div class="field has-error">
    <label for="name">"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"name="code" value="NEWCODE""#),
        "the typed code stays: {html}"
    );
    assert!(
        html.contains(r#"<option value="distributor" selected>"#),
        "the chosen type stays"
    );
    assert_eq!(env.partner_count().await?, before);

    // A taken code is named next to the code field.
    let duplicate = browser
        .submit(
            "/partners",
            &[("code", "P1"), ("name", "Again"), ("partner_type", "agent")],
        )
        .await?;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(field_html(&duplicate.text(), "code").contains("field-error"));

    // And a good one goes through to the new partner's page.
    let created = browser
        .submit(
            "/partners",
            &[("code", "p9"), ("name", "Nine"), ("partner_type", "agent")],
        )
        .await?;
    assert_eq!(
        (created.status, created.location()),
        (StatusCode::SEE_OTHER, "/partners/P9")
    );
    let page = browser.get("/partners/P9").await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Partner P9 created."),
        "the flash shows once"
    );
    assert!(
        !browser
            .get("/partners/P9")
            .await?
            .text()
            .contains("Partner P9 created.")
    );
    assert_eq!(env.partner_count().await?, before + 1);

    // What users type is shown as text, never as markup.
    let tricky = browser
        .submit(
            "/partners",
            &[
                ("code", "P10"),
                ("name", "<b>Bold</b> & co"),
                ("partner_type", "agent"),
            ],
        )
        .await?;
    assert_eq!(tricky.status, StatusCode::SEE_OTHER);
    let page = browser.get("/partners/P10").await?.text();
    assert!(!page.contains("<b>Bold</b>"), "{page}");
    assert!(
        page.contains("&#60;b&#62;Bold&#60;/b&#62; &#38; co")
            || page.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; co"),
        "{page}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// 6. The OpenAPI document
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_openapi_document_is_stable_and_served() -> Res {
    let doc = serde_json::to_value(qudao_web::openapi())?;
    insta::assert_json_snapshot!("openapi", doc);

    let env = Env::new("openapi").await?;
    let served = env.browser().get("/api/openapi.json").await?;
    assert_eq!(served.status, StatusCode::OK);
    assert!(
        served.content_type().starts_with("application/json"),
        "{}",
        served.content_type()
    );
    assert_eq!(served.json()?, doc);
    let docs = env.browser().get("/api/docs").await?;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.content_type().starts_with("text/html"));
    Ok(())
}

// ---------------------------------------------------------------------------
// 7. Export
// ---------------------------------------------------------------------------

#[tokio::test]
async fn lists_export_to_xlsx_within_the_callers_scope() -> Res {
    let env = Env::new("export").await?;
    for login in ["admin", "puser"] {
        let mut browser = env.signed_in(login).await?;
        let export = browser
            .get("/partners?format=xlsx&sort=name&dir=desc")
            .await?;
        assert_eq!(export.status, StatusCode::OK, "{login}");
        assert_eq!(export.content_type(), XLSX, "{login}");
        assert!(
            export
                .header(header::CONTENT_DISPOSITION)
                .contains("partners.xlsx"),
            "{login}"
        );
        assert!(export.body.starts_with(b"PK"), "{login}: a zip file");
    }
    // The export's rows come from the same scoped query as the list.
    let list = env
        .api("puser")
        .await?
        .get("/api/v1/partners?per_page=500")
        .await?
        .json()?;
    assert_eq!(list["total"], json!(1));
    assert_eq!(list["items"][0]["code"], json!("P2"));

    let mut admin = env.signed_in("admin").await?;
    for path in ["/admin/users?format=xlsx", "/admin/audit?format=xlsx"] {
        let export = admin.get(path).await?;
        assert_eq!(
            (export.status, export.content_type()),
            (StatusCode::OK, XLSX),
            "{path}"
        );
    }
    let mut rep = env.signed_in("rep").await?;
    assert_eq!(
        rep.get("/admin/users?format=xlsx").await?.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        env.browser().get("/partners?format=xlsx").await?.status,
        StatusCode::SEE_OTHER
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// 8. Language
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_language_follows_the_browser_and_the_cookie() -> Res {
    let env = Env::new("language").await?;
    let mut browser = env.browser();

    let zh = browser
        .get_with("/login", &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")])
        .await?;
    assert!(zh.text().contains(r#"<html lang="zh-CN">"#));
    assert!(zh.text().contains("登录"));
    let en = browser
        .get_with(
            "/login",
            &[("accept-language", "zh-CN"), ("cookie", "qudao_lang=en")],
        )
        .await?;
    assert!(en.text().contains(r#"<html lang="en">"#), "{}", en.text());
    assert!(!en.text().contains("登录"));
    let fallback = browser
        .get_with("/login", &[("accept-language", "fr-FR")])
        .await?;
    assert!(fallback.text().contains(r#"<html lang="en">"#));

    for next in [
        "//evil.example",
        "https://evil.example/",
        "/%5Cevil.example",
        "",
    ] {
        let mut stranger = env.browser();
        let switch = stranger.get(&format!("/lang/zh-CN?next={next}")).await?;
        assert_eq!(
            (switch.status, switch.location()),
            (StatusCode::SEE_OTHER, "/"),
            "next={next}"
        );
        assert!(
            switch
                .header(header::SET_COOKIE)
                .starts_with("qudao_lang=zh-CN;"),
            "next={next}"
        );
        assert_eq!(
            stranger.cookies.get("qudao_lang").map(String::as_str),
            Some("zh-CN")
        );
        // The cookie now decides the language.
        let page = stranger
            .get_with("/login", &[("accept-language", "en")])
            .await?;
        assert!(page.text().contains(r#"<html lang="zh-CN">"#));
    }
    let back = browser.get("/lang/en?next=/partners%3Fq%3Dx").await?;
    assert_eq!(
        (back.status, back.location()),
        (StatusCode::SEE_OTHER, "/partners?q=x")
    );
    assert!(
        back.header(header::SET_COOKIE)
            .starts_with("qudao_lang=en;")
    );

    // Signed-in pages and error pages speak it too.
    let mut rep = env.signed_in("rep").await?;
    rep.cookies
        .insert("qudao_lang".to_owned(), "zh-CN".to_owned());
    assert!(
        rep.get("/partners")
            .await?
            .text()
            .contains(r#"<html lang="zh-CN">"#)
    );
    let missing = rep.get("/partners/NOPE").await?;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains(r#"<html lang="zh-CN">"#));
    Ok(())
}

// ---------------------------------------------------------------------------
// 9. Health and headers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn health_readiness_and_security_headers() -> Res {
    let env = Env::new("health").await?;
    let mut browser = env.browser();
    let health = browser.get("/healthz").await?;
    assert_eq!(
        (health.status, health.text().as_str()),
        (StatusCode::OK, "ok")
    );
    let ready = browser.get("/readyz").await?;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());

    let login = browser.get("/login").await?;
    assert!(
        login
            .header(header::CONTENT_SECURITY_POLICY)
            .contains("script-src 'self'")
    );
    assert_eq!(login.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(login.header(header::REFERRER_POLICY), "same-origin");
    let cookie = login.header(header::SET_COOKIE);
    assert!(cookie.starts_with("qudao_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP in tests: {cookie}");

    // Signing in replaces the session id (no session fixation).
    let before = browser.cookies.get("qudao_session").cloned();
    let signed_in = browser
        .submit(
            "/login",
            &[
                ("login", "rep"),
                ("password", PASSWORD),
                ("next", "/partners"),
            ],
        )
        .await?;
    assert_eq!(
        (signed_in.status, signed_in.location()),
        (StatusCode::SEE_OTHER, "/partners")
    );
    assert_ne!(browser.cookies.get("qudao_session").cloned(), before);
    // `next` is only ever a local path.
    let mut other = env.browser();
    other.get("/login").await?;
    let offsite = other
        .submit(
            "/login",
            &[
                ("login", "rep"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await?;
    assert_eq!(
        (offsite.status, offsite.location()),
        (StatusCode::SEE_OTHER, "/")
    );
    Ok(())
}

#[tokio::test]
async fn a_manager_moves_a_partner_through_its_lifecycle_on_the_page() -> Res {
    let env = Env::new("status").await?;
    let mut browser = env.signed_in("manager").await?;
    let page = browser.get("/partners/P2").await?;
    assert!(page.text().contains(r#"action="/partners/P2/status""#));
    let refused = browser
        .submit(
            "/partners/P2/status",
            &[("status", "suspended"), ("reason", "")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&refused.text(), "reason").contains("field-error"));
    let done = browser
        .submit(
            "/partners/P2/status",
            &[("status", "suspended"), ("reason", "overdue payments")],
        )
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = browser.get("/partners/P2").await?;
    let html = page.text();
    assert!(html.contains("overdue payments"), "{html}");
    assert!(
        html.contains(r#"data-testid="partner-status">Suspended<"#),
        "{html}"
    );

    let mut staff = env.signed_in("puser").await?;
    let own = staff.get("/partners/P2").await?.text();
    assert!(
        !own.contains("/status\""),
        "partner staff get no status form"
    );
    let mut program = env.api("manager").await?;
    let back = program
        .post_json(
            "/api/v1/partners/P2/status",
            &json!({ "status": "active", "reason": "paid up" }),
            &[],
        )
        .await?;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text());
    assert_eq!(back.json()?["status"], "active");
    let detail = program.get("/api/v1/partners/P2").await?.json()?;
    assert_eq!(detail["status_history"].as_array().map(Vec::len), Some(3));
    let sorted = program.get("/api/v1/partners?sort=status&dir=desc").await?;
    assert_eq!(
        sorted.status,
        StatusCode::OK,
        "the API sorts by every column the page does"
    );
    let unknown = program.get("/api/v1/partners?sort=bogus").await?;
    let problem = expect_problem(&unknown, StatusCode::BAD_REQUEST, "bad-request")?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("bogus"),
        "{problem}"
    );
    Ok(())
}

#[tokio::test]
async fn an_upload_is_checked_and_reported_row_by_row_on_the_page() -> Res {
    let env = Env::new("upload").await?;
    let mut manager = env.signed_in("manager").await?;
    let page = manager.get("/imports").await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("/imports/templates/partners.zh.xlsx"));

    let bad = "编码,名称,类型,上级编码\nN1,新伙伴,agent,NOPE\nN2,,agent,\n";
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners")],
            "bad.csv",
            bad.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = got.text();
    assert!(html.contains("data-testid=\"import-errors\""), "{html}");
    assert!(html.contains("上级编码") && html.contains("名称"), "{html}");
    assert_eq!(env.partner_count().await?, 3);

    // Without the token in the action, an upload is refused as forged.
    let good = "code,name,partner_type,parent_code\nN1,New one,agent,P1\nN2,New two,retailer,N1\n";
    manager.csrf = "forged".to_owned();
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners")],
            "good.csv",
            good.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert_eq!(env.partner_count().await?, 3);

    manager.get("/imports").await?;
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners"), ("dry_run", "1")],
            "good.csv",
            good.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(env.partner_count().await?, 3, "a dry run writes nothing");
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners")],
            "good.csv",
            good.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    assert_eq!(env.partner_count().await?, 5);

    // The API takes the file as the body and answers a rejection as a problem.
    let mut api = env.api("manager").await?;
    let got = api
        .send(
            Method::POST,
            "/api/v1/imports/partners?file_name=dup.csv",
            &[("content-type", "text/csv")],
            good.as_bytes().to_vec(),
        )
        .await?;
    let problem = expect_problem(&got, StatusCode::UNPROCESSABLE_ENTITY, "import-rejected")?;
    assert_eq!(problem["report"]["errors"][0]["row"], json!(2), "{problem}");
    assert_eq!(problem["report"]["errors"][0]["column"], json!("code"));
    Ok(())
}

// ---------------------------------------------------------------------------
// 10. Agreements
// ---------------------------------------------------------------------------

/// The text of the element marked `data-testid="{id}"`, roughly.
fn testid<'a>(html: &'a str, id: &str) -> &'a str {
    let mark = format!(r#"data-testid="{id}""#);
    html.find(&mark)
        .map_or("", |at| &html[at..(at + 600).min(html.len())])
}

#[tokio::test]
async fn a_manager_amends_an_agreement_through_the_form_and_both_versions_answer() -> Res {
    let env = Env::new("agreements").await?;
    let mut browser = env.signed_in("manager").await?;
    let partner = browser.get("/partners/P1").await?.text();
    assert!(
        partner.contains(r#"href="/partners/P1/agreement""#),
        "the partner page links its agreement"
    );
    let page = browser.get("/partners/P1/agreement").await?.text();
    assert!(page.contains(r#"data-testid="no-agreement""#), "{page}");

    // The first version: a draft, then activated.
    let form = browser.get("/partners/P1/agreement/new").await?;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        !form.text().contains(r#"name="amends""#),
        "a first version amends nothing"
    );
    let (start, end) = (day(-10).to_string(), day(355).to_string());
    let first = [
        ("valid_from", start.as_str()),
        ("valid_to", end.as_str()),
        ("price_list_code", "PL-2026"),
        ("rebate_programs", "R1"),
        ("annual_target", "1000000"),
        ("currency", "CNY"),
        ("payment_net_days", "30"),
        ("payment_terms", ""),
        ("after_sales_duties", "returns in 7 days"),
        ("training_duties", ""),
        ("signed_on", ""),
        ("note", ""),
    ];
    let saved = browser
        .submit("/partners/P1/agreement/versions", &first)
        .await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(saved.location(), "/partners/P1/agreement/versions/1");
    browser.get("/partners/P1/agreement/versions/1").await?;
    let active = browser
        .submit("/partners/P1/agreement/versions/1/activate", &[])
        .await?;
    assert_eq!(active.status, StatusCode::SEE_OTHER, "{}", active.text());

    // The amendment form starts from version 1; a missing reason comes back
    // next to its field with everything typed kept.
    let form = browser.get("/partners/P1/agreement/new").await?.text();
    assert!(form.contains(r#"name="amends" value="1""#), "{form}");
    assert!(field_html(&form, "annual_target").contains("1000000.00"));
    let d = day(30).to_string();
    let mut amendment: Vec<(&str, &str)> = first.to_vec();
    amendment.retain(|(k, _)| !matches!(*k, "valid_from" | "annual_target" | "note"));
    amendment.extend([
        ("amends", "1"),
        ("valid_from", d.as_str()),
        ("annual_target", "2500000"),
    ]);
    let mut without_note = amendment.clone();
    without_note.push(("note", " "));
    let refused = browser
        .submit("/partners/P1/agreement/versions", &without_note)
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(field_html(&html, "note").contains("field-error"), "{html}");
    assert!(
        field_html(&html, "annual_target").contains("2500000"),
        "typed value kept"
    );
    amendment.push(("note", "higher target from next month"));
    let saved = browser
        .submit("/partners/P1/agreement/versions", &amendment)
        .await?;
    assert_eq!(
        saved.location(),
        "/partners/P1/agreement/versions/2",
        "{}",
        saved.text()
    );
    browser.get("/partners/P1/agreement/versions/2").await?;
    let active = browser
        .submit("/partners/P1/agreement/versions/2/activate", &[])
        .await?;
    assert_eq!(active.status, StatusCode::SEE_OTHER, "{}", active.text());

    // Both versions are listed; the picker answers across D.
    let page = browser.get("/partners/P1/agreement").await?.text();
    let history = testid(&page, "versions");
    assert!(
        history.contains("AG-P1-1") && history.contains("AG-P1-2"),
        "{page}"
    );
    let before = day(29).to_string();
    let page = browser
        .get(&format!("/partners/P1/agreement?as_of={before}"))
        .await?
        .text();
    assert!(testid(&page, "in-force").contains("AG-P1-1"), "{page}");
    let page = browser
        .get(&format!("/partners/P1/agreement?as_of={d}"))
        .await?
        .text();
    assert!(testid(&page, "in-force").contains("AG-P1-2"), "{page}");
    assert!(
        testid(&page, "annual-target").contains("2,500,000.00 CNY"),
        "{page}"
    );
    let page = browser
        .get("/partners/P1/agreement?as_of=not-a-day")
        .await?;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "a bad date falls back to today with an error"
    );
    assert!(page.text().contains("field-error"));
    let old = browser
        .get("/partners/P1/agreement/versions/1")
        .await?
        .text();
    assert!(
        old.contains(&d) && old.contains("AG-P1-2"),
        "version 1 says who supersedes it from when"
    );
    assert!(
        testid(&old, "annual-target").contains("1,000,000.00 CNY"),
        "its own terms unchanged"
    );

    // The API gives the same answers; no agreement that day is a clear 404.
    let mut api = env.api("manager").await?;
    let v = api
        .get(&format!("/api/v1/partners/P1/agreement?as_of={before}"))
        .await?
        .json()?;
    assert_eq!(
        (v["code"].clone(), v["annual_target"].clone()),
        (json!("AG-P1-1"), json!("1000000.00"))
    );
    let v = api
        .get(&format!("/api/v1/partners/P1/agreement?as_of={d}"))
        .await?
        .json()?;
    assert_eq!(v["code"], json!("AG-P1-2"));
    let none = api
        .get("/api/v1/partners/P1/agreement?as_of=2000-01-01")
        .await?;
    let problem = expect_problem(&none, StatusCode::NOT_FOUND, "not-found")?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("agreement in force"),
        "{problem}"
    );
    let bad = api
        .get("/api/v1/partners/P1/agreement?as_of=yesterday")
        .await?;
    let problem = expect_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(problem["errors"][0]["field"], json!("as_of"));
    let versions = api
        .get("/api/v1/partners/P1/agreement/versions")
        .await?
        .json()?;
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(2));
    let overlap = api
        .post_json(
            "/api/v1/partners/P1/agreement/versions",
            &json!({ "amends": 2, "valid_from": day(30).to_string(), "valid_to": day(60).to_string(), "payment_net_days": "30", "note": "x" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&overlap, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(
        problem["errors"][0]["field"],
        json!("valid_from"),
        "{problem}"
    );

    // Expiring: P2's agreement ends in 20 days; it shows on the list, the
    // API and the home page's card.
    env.app
        .create_agreement_draft(&env.system, "P2", &agreement_terms(-100, 20, None))
        .await?;
    env.app.activate_agreement(&env.system, "P2", 1).await?;
    let list = browser.get("/agreements/expiring").await?.text();
    assert!(
        list.contains("AG-P2-1") && !list.contains("AG-P1-"),
        "{list}"
    );
    let home = browser.get("/").await?.text();
    assert!(
        testid(&home, "expiring-agreements").contains(r#"<div class="card-value">1<"#),
        "{home}"
    );
    let expiring = api
        .get("/api/v1/agreements/expiring?days=10")
        .await?
        .json()?;
    assert_eq!(expiring["total"], json!(0));
    let expiring = api.get("/api/v1/agreements/expiring").await?.json()?;
    assert_eq!(expiring["items"][0]["code"], json!("AG-P2-1"));
    let far = api.get("/api/v1/agreements/expiring?days=5000").await?;
    expect_problem(&far, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let all = browser
        .get("/agreements?partner=p1&sort=version&dir=desc")
        .await?
        .text();
    assert!(all.find("AG-P1-2") < all.find("AG-P1-1"), "{all}");

    // The portal: puser (P2) reads its own agreement, not P1's.
    let mut staff = env.signed_in("puser").await?;
    assert_eq!(
        staff.get("/partners/P1/agreement").await?.status,
        StatusCode::NOT_FOUND
    );
    let own = staff.get("/partners/P2/agreement").await?.text();
    assert!(
        own.contains("AG-P2-1") && !own.contains(r#"data-testid="amend""#),
        "{own}"
    );
    let portal = staff.get("/partners/P2").await?.text();
    assert!(portal.contains(r#"data-testid="partner-agreement""#));
    let staff_api = env
        .api("puser")
        .await?
        .get("/api/v1/agreements")
        .await?
        .json()?;
    assert_eq!(staff_api["total"], json!(1), "{staff_api}");

    // Terminate through the page: a date before the start is refused in place.
    browser.get("/partners/P1/agreement").await?;
    let early = day(0).to_string();
    let refused = browser
        .submit(
            "/partners/P1/agreement/terminate",
            &[("effective_date", early.as_str()), ("reason", "closing")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&refused.text(), "effective_date").contains("field-error"));
    let ended = browser
        .submit(
            "/partners/P1/agreement/terminate",
            &[("effective_date", d.as_str()), ("reason", "closing")],
        )
        .await?;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.text());
    let v = api
        .get(&format!("/api/v1/partners/P1/agreement?as_of={d}"))
        .await?;
    assert_eq!(v.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn a_manager_evaluates_a_prospect_grades_a_partner_and_moves_a_card() -> Res {
    let env = Env::new("onboarding").await?;
    let prospect = PartnerInput {
        code: "N1".to_owned(),
        name: "New prospect".to_owned(),
        partner_type: "agent".to_owned(),
        parent_code: None,
        owner_login: Some("manager".to_owned()),
        status: Some("prospect".to_owned()),
        record: Default::default(),
    };
    env.app.create_partner(&env.system, &prospect).await?;
    let mut browser = env.signed_in("manager").await?;
    let page = browser.get("/partners/N1").await?.text();
    assert!(
        page.contains(r#"action="/partners/N1/evaluations""#),
        "{page}"
    );

    // Out of range and missing scores are named next to their criteria, and
    // what was typed comes back.
    let mut scores = vec![
        ("score_market_coverage", "101"),
        ("score_sales_capability", "80"),
        ("score_credit_standing", "80"),
        ("score_industry_experience", "80"),
        ("score_financial_health", "80"),
        ("comment", "strong local network"),
    ];
    let refused = browser.submit("/partners/N1/evaluations", &scores).await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        field_html(&html, "score_market_coverage").contains("field-error"),
        "{html}"
    );
    assert!(field_html(&html, "score_market_coverage").contains(r#"value="101""#));
    assert!(field_html(&html, "score_culture_fit").contains("field-error"));
    assert!(!field_html(&html, "score_sales_capability").contains("field-error"));
    assert!(
        browser
            .get("/api/v1/partners/N1/evaluations")
            .await?
            .json()?
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    // (80×90 + 30×10) / 100 = 75.00
    scores[0] = ("score_market_coverage", "80");
    scores.push(("score_culture_fit", "30"));
    let done = browser.submit("/partners/N1/evaluations", &scores).await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let page = browser.get("/partners/N1").await?.text();
    assert!(
        page.contains(r#"data-testid="latest-total">75.00<"#),
        "{page}"
    );
    assert!(page.contains("strong local network"));

    let board = browser.get("/partners/pipeline").await?.text();
    assert!(board.contains(r#"data-code="N1""#), "{board}");
    assert!(board.contains(r#"data-testid="card-total">75.00<"#));
    let refused = browser
        .submit(
            "/partners/pipeline/move",
            &[("code", "N1"), ("status", "screening"), ("reason", "")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("field-error"));
    let moved = browser
        .submit(
            "/partners/pipeline/move",
            &[
                ("code", "N1"),
                ("status", "screening"),
                ("reason", "passed the first call"),
            ],
        )
        .await?;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let pipeline = browser.get("/api/v1/onboarding/pipeline").await?.json()?;
    assert_eq!(pipeline["columns"][1]["stage"], "screening");
    assert_eq!(
        pipeline["columns"][1]["cards"][0]["code"], "N1",
        "{pipeline}"
    );
    assert_eq!(pipeline["columns"][1]["cards"][0]["latest_total"], "75.00");

    // The grade panel on the partner page: a reason is required.
    let refused = browser
        .submit("/partners/P1/grade", &[("grade", "gold"), ("reason", " ")])
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&refused.text(), "grade_reason").contains("field-error"));
    let graded = browser
        .submit(
            "/partners/P1/grade",
            &[("grade", "gold"), ("reason", "top seller")],
        )
        .await?;
    assert_eq!(graded.status, StatusCode::SEE_OTHER);
    let page = browser.get("/partners/P1").await?.text();
    assert!(
        page.contains(r#"data-testid="partner-grade">Gold<"#),
        "{page}"
    );
    assert!(page.contains("top seller"));

    // Partner staff see their grade but nothing of onboarding.
    let mut padmin = env.signed_in("padmin").await?;
    let own = padmin.get("/partners/P1").await?.text();
    assert!(own.contains(r#"data-testid="partner-grade">Gold<"#));
    assert!(!own.contains("onboarding-panel") && !own.contains("/grade\""));
    assert!(
        !own.contains("/partners/pipeline"),
        "no board link in the menu"
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Territories: an authorization granted by form, and the collision it causes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn authorization_form_names_the_collision() -> Res {
    let env = Env::new("territory_flow").await?;
    env.app.load_builtin_regions().await?;
    let mut manager = env.signed_in("manager").await?;

    // From P1's page: the section and its add form.
    let page = manager.get("/partners/P1").await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text()
            .contains(r#"action="/territories/authorizations""#)
    );
    let granted = manager
        .submit(
            "/territories/authorizations",
            &[
                ("partner_code", "P1"),
                ("return_to", "partner"),
                ("region_code", "310000"),
                ("product_line", "light"),
                ("mode", "exclusive"),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2026-12-31"),
            ],
        )
        .await?;
    assert_eq!(
        (granted.status, granted.location()),
        (StatusCode::SEE_OTHER, "/partners/P1")
    );
    let page = manager.get("/partners/P1").await?;
    assert!(
        page.text().contains("Authorization AU000001 added."),
        "flash"
    );
    assert!(page.text().contains("/territories/authorizations/AU000001"));

    // P2 asks for a selective right inside 上海市: refused, naming AU000001,
    // next to the region field, with what was typed kept.
    manager.get("/partners/P2").await?;
    let refused = manager
        .submit(
            "/territories/authorizations",
            &[
                ("partner_code", "P2"),
                ("return_to", "partner"),
                ("region_code", "310115"),
                ("product_line", "LIGHT"),
                ("mode", "selective"),
                ("valid_from", "2026-06-01"),
                ("valid_to", "2027-05-31"),
            ],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains(
            r#"data-testid="region-error">collides with an exclusive authorization: AU000001 (P1 上海市 2026-01-01 – 2026-12-31)</div>"#
        ),
        "{html}"
    );
    assert!(html.contains(r#"value="310115""#) && html.contains(r#"value="2027-05-31""#));

    // The same through the API: problem JSON naming the field and the right.
    let mut api = env.api("manager").await?;
    let problem = api
        .post_json(
            "/api/v1/authorizations",
            &json!({ "partner_code": "P2", "region_code": "CN", "product_line": "LIGHT",
                     "mode": "exclusive", "valid_from": "2026-12-01", "valid_to": "2026-12-31" }),
            &[],
        )
        .await?;
    assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = problem.json()?;
    assert_eq!(body["errors"][0]["field"], json!("region_code"), "{body}");
    assert_eq!(
        body["errors"][0]["rule"],
        json!("authorization_exclusive"),
        "{body}"
    );
    assert!(
        body["errors"][0]["with"]
            .as_str()
            .is_some_and(|w| w.starts_with("AU000001 ")),
        "{body}"
    );

    // Who holds what where: China's page lists it, filtered by line and day.
    let cn = manager
        .get("/territories/regions/CN?product_line=LIGHT&on=2026-03-01")
        .await?;
    assert!(cn.text().contains("/territories/authorizations/AU000001"));
    let none = manager
        .get("/territories/regions/CN?product_line=LIGHT&on=2027-03-01")
        .await?;
    assert!(!none.text().contains("/territories/authorizations/AU000001"));

    // End it early from its page; it stays, ended, and the territory frees up.
    manager.get("/territories/authorizations/AU000001").await?;
    let ended = manager
        .submit(
            "/territories/authorizations/AU000001/end",
            &[("end_on", "2026-05-31"), ("reason", "contract ended")],
        )
        .await?;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    let page = manager.get("/territories/authorizations/AU000001").await?;
    assert!(page.text().contains("2026-01-01 – 2026-05-31"));
    assert!(page.text().contains("contract ended"));
    manager.get("/partners/P2").await?;
    let granted = manager
        .submit(
            "/territories/authorizations",
            &[
                ("partner_code", "P2"),
                ("region_code", "310115"),
                ("product_line", "LIGHT"),
                ("mode", "selective"),
                ("valid_from", "2026-06-01"),
                ("valid_to", "2027-05-31"),
            ],
        )
        .await?;
    assert_eq!(
        (granted.status, granted.location()),
        (
            StatusCode::SEE_OTHER,
            "/territories/authorizations/AU000002"
        )
    );

    // The export keeps the filter.
    let xlsx = manager
        .get("/territories/authorizations?partner=P2&format=xlsx")
        .await?;
    assert_eq!((xlsx.status, xlsx.content_type()), (StatusCode::OK, XLSX));
    Ok(())
}
