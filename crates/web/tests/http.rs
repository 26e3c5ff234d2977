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
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

type Error = Box<dyn std::error::Error + Send + Sync>;

type Res<T = ()> = Result<T, Error>;

const PASSWORD: &str = "test-password-1";

const PROBLEM_JSON: &str = "application/problem+json";

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The test's own database, removed when the test ends: a SQLite file with
/// its WAL companions, or a PostgreSQL database on the local server
/// (`QUDAO_TEST_PG_URL` names its admin connection).
enum TempDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TempDb {
    fn sqlite(test: &str) -> (TempDb, String) {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "qudao_web_http_{}_{n}_{test}.db",
            std::process::id()
        ));
        let url = format!("sqlite://{}", path.display());
        (TempDb::Sqlite(path), url)
    }

    async fn postgres(test: &str) -> Res<(TempDb, String)> {
        use sea_orm::ConnectionTrait;
        let admin_url = std::env::var("QUDAO_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let name = format!(
            "qudao_web_http_{}_{}_{test}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let admin = sea_orm::Database::connect(&admin_url).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        admin.close().await?;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        Ok((TempDb::Postgres { admin_url, name }, url))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        match self {
            TempDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TempDb::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread of its own.
                let _ = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    runtime.block_on(async {
                        use sea_orm::ConnectionTrait;
                        if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

struct Env {
    app: Qudao,
    router: Router,
    system: Caller,
    url: String,
    _db: TempDb,
}

impl Env {
    /// A fresh, seeded SQLite database and the router on it.
    async fn new(test: &str) -> Res<Env> {
        let (db, url) = TempDb::sqlite(test);
        Env::seeded(db, &url).await
    }

    /// The same on a fresh PostgreSQL database.
    async fn postgres(test: &str) -> Res<Env> {
        let (db, url) = TempDb::postgres(test).await?;
        Env::seeded(db, &url).await
    }

    async fn seeded(db: TempDb, url: &str) -> Res<Env> {
        let app = Qudao::open(url).await?;
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
        // Rights name product lines, which are records.
        app.create_product_line(
            &system,
            &qudao_app::catalog::ProductLineInput {
                code: "LIGHT".to_owned(),
                name: "照明".to_owned(),
                name_en: "Lighting".to_owned(),
                status: None,
            },
        )
        .await?;
        let router = qudao_web::router(app.clone(), &qudao_web::WebConfig::default());
        Ok(Env {
            app,
            router,
            system,
            url: url.to_owned(),
            _db: db,
        })
    }

    /// Runs one statement on the test's database behind the app's back.
    async fn raw(&self, sql: &str) -> Res {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(&self.url).await?;
        db.execute_unprepared(sql).await?;
        db.close().await?;
        Ok(())
    }

    /// A browser with no session yet.
    fn browser(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: BTreeMap::new(),
            csrf: String::new(),
            bearer: None,
            peer: None,
        }
    }

    /// A browser with no session yet, connecting from `address`.
    fn browser_at(&self, address: &str) -> Client {
        Client {
            peer: Some(address.parse().expect("a socket address")),
            ..self.browser()
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

    /// A catalog: LGT-1 on the open line LIGHT, PRO-1 on PRO (distributors
    /// only: P1's users may buy it, P2's may not), GONE-1 discontinued.
    async fn catalog(&self) -> Res {
        use qudao_app::catalog::{ChannelRuleInput, ProductInput, ProductLineInput};
        self.app
            .create_product_line(
                &self.system,
                &ProductLineInput {
                    code: "PRO".to_owned(),
                    name: "专业线".to_owned(),
                    name_en: "Professional".to_owned(),
                    status: None,
                },
            )
            .await?;
        self.app
            .add_channel_rule(
                &self.system,
                "PRO",
                &ChannelRuleInput {
                    partner_type: "distributor".to_owned(),
                    grade: None,
                },
            )
            .await?;
        for (sku, line) in [("LGT-1", "LIGHT"), ("PRO-1", "PRO"), ("GONE-1", "LIGHT")] {
            let input = ProductInput {
                sku: sku.to_owned(),
                name: format!("产品 {sku}"),
                name_en: format!("Product {sku}"),
                product_line: line.to_owned(),
                category: "灯具".to_owned(),
                unit: "台".to_owned(),
                currency: "CNY".to_owned(),
                list_price: "199.00".to_owned(),
                cost: Some("88.00".to_owned()),
                ..ProductInput::default()
            };
            self.app.create_product(&self.system, &input).await?;
        }
        self.app.discontinue_product(&self.system, "GONE-1").await?;
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
    /// The socket address the server sees, as `serve` provides it.
    peer: Option<std::net::SocketAddr>,
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
        if let Some(peer) = self.peer {
            request = request.extension(axum::extract::ConnectInfo(peer));
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

/// The text of the element marked `data-testid="{id}"`, roughly.
fn testid<'a>(html: &'a str, id: &str) -> &'a str {
    let mark = format!(r#"data-testid="{id}""#);
    html.find(&mark)
        .map_or("", |at| &html[at..(at + 600).min(html.len())])
}

// One file of tests per area of the web layer.
#[path = "http/agreements.rs"]
mod agreements;
#[path = "http/alerts.rs"]
mod alerts;
#[path = "http/awards.rs"]
mod awards;
#[path = "http/catalog.rs"]
mod catalog;
#[path = "http/coverage.rs"]
mod coverage;
#[path = "http/forms.rs"]
mod forms;
#[path = "http/imports.rs"]
mod imports;
#[path = "http/incentive_accruals.rs"]
mod incentive_accruals;
#[path = "http/incentive_adjustments.rs"]
mod incentive_adjustments;
#[path = "http/incentive_balances.rs"]
mod incentive_balances;
#[path = "http/incentive_points.rs"]
mod incentive_points;
#[path = "http/incentive_runs.rs"]
mod incentive_runs;
#[path = "http/incentive_watchlist.rs"]
mod incentive_watchlist;
#[path = "http/incentives.rs"]
mod incentives;
#[path = "http/inventory.rs"]
mod inventory;
#[path = "http/matrix.rs"]
mod matrix;
#[path = "http/names.rs"]
mod names;
#[path = "http/network.rs"]
mod network;
#[path = "http/orders.rs"]
mod orders;
#[path = "http/outlets.rs"]
mod outlets;
#[path = "http/partners.rs"]
mod partners;
#[path = "http/platform.rs"]
mod platform;
#[path = "http/portal.rs"]
mod portal;
#[path = "http/receivables.rs"]
mod receivables;
#[path = "http/scope.rs"]
mod scope;
#[path = "http/scorecards.rs"]
mod scorecards;
#[path = "http/sign_in.rs"]
mod sign_in;
#[path = "http/target_months.rs"]
mod target_months;
#[path = "http/target_plans.rs"]
mod target_plans;
#[path = "http/targets.rs"]
mod targets;
#[path = "http/team.rs"]
mod team;
#[path = "http/territories.rs"]
mod territories;
