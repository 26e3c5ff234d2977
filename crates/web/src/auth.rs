//! Who is calling: a browser session (cookie) or an API bearer token, and
//! the CSRF defence for every state-changing request a browser can send.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRef, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::admin::SessionStamp;
use qudao_app::{AppError, Caller, Origin};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::AppState;
use crate::error::{ApiError, PageError, WebError};
use crate::i18n::Lang;

const STAMP: &str = "stamp";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";
const SEEN: &str = "seen";
/// How often a session in use is written back, which renews its idle expiry
/// (the row's and the cookie's). Sessions are saved only when they change,
/// so without this an active user would be signed out 8 hours after signing
/// in; writing on every request would cost a write per page view.
const RENEW_EVERY_SECONDS: i64 = 5 * 60;
pub(crate) const CSRF_FIELD: &str = "_csrf";
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// A one-time message shown on the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    Success,
    Error,
    Info,
}

impl FlashKind {
    pub fn class(self) -> &'static str {
        match self {
            FlashKind::Success => "flash-success",
            FlashKind::Error => "flash-error",
            FlashKind::Info => "flash-info",
        }
    }
}

fn session_failed(err: &tower_sessions::session::Error) -> WebError {
    WebError::App(AppError::Internal(format!("session store: {err}")))
}

/// The session's CSRF token, created on first use.
pub(crate) async fn csrf_token(session: &Session) -> Result<String, WebError> {
    if let Some(token) = session
        .get::<String>(CSRF)
        .await
        .map_err(|e| session_failed(&e))?
    {
        return Ok(token);
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    session
        .insert(CSRF, &token)
        .await
        .map_err(|e| session_failed(&e))?;
    Ok(token)
}

pub(crate) async fn set_flash(
    session: &Session,
    kind: FlashKind,
    text: impl Into<String>,
) -> Result<(), WebError> {
    session
        .insert(
            FLASH,
            Flash {
                kind,
                text: text.into(),
            },
        )
        .await
        .map_err(|e| session_failed(&e))
}

/// The flash message, removed once read. Removing marks the session
/// changed, which writes it back to the database, so only a session that
/// has a flash pays for that: most page views have none.
pub(crate) async fn take_flash(session: &Session) -> Result<Option<Flash>, WebError> {
    let flash = session
        .get::<Flash>(FLASH)
        .await
        .map_err(|e| session_failed(&e))?;
    if flash.is_some() {
        session
            .remove::<Flash>(FLASH)
            .await
            .map_err(|e| session_failed(&e))?;
    }
    Ok(flash)
}

/// Starts an authenticated session. The session id is replaced so that an id
/// planted before login is worthless after it.
pub(crate) async fn sign_in(session: &Session, stamp: SessionStamp) -> Result<(), WebError> {
    session.cycle_id().await.map_err(|e| session_failed(&e))?;
    session
        .insert(STAMP, stamp)
        .await
        .map_err(|e| session_failed(&e))?;
    let token = hex::encode(rand::random::<[u8; 32]>());
    session
        .insert(CSRF, &token)
        .await
        .map_err(|e| session_failed(&e))
}

pub(crate) async fn sign_out(session: &Session) -> Result<(), WebError> {
    session.flush().await.map_err(|e| session_failed(&e))
}

/// Replaces the session's password stamp after the user changed their own
/// password, so this session stays signed in while all others end.
pub(crate) async fn restamp(session: &Session, stamp: SessionStamp) -> Result<(), WebError> {
    session
        .insert(STAMP, stamp)
        .await
        .map_err(|e| session_failed(&e))
}

/// The client of a request: the socket's peer address (or, when configured,
/// the last `X-Forwarded-For` entry) and its user agent. In-process requests
/// without a socket have no address.
pub(crate) fn origin_of(parts: &Parts, state: &AppState) -> Origin {
    let forwarded = state
        .trust_forwarded_for
        .then(|| parts.headers.get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok());
    let socket = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    Origin::new(forwarded.or(socket), agent)
}

/// The client of a request, for handlers that have no caller yet (login).
pub struct ClientOrigin(pub Origin);

impl<S> FromRequestParts<S> for ClientOrigin
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientOrigin(origin_of(parts, &AppState::from_ref(state))))
    }
}

async fn session_caller(state: &AppState, session: &Session) -> Result<Caller, WebError> {
    let stamp = session
        .get::<SessionStamp>(STAMP)
        .await
        .map_err(|e| session_failed(&e))?
        .ok_or(WebError::App(AppError::Unauthenticated))?;
    match state.app.session_caller(stamp).await {
        Err(AppError::Unauthenticated) => {
            sign_out(session).await?;
            Err(WebError::App(AppError::Unauthenticated))
        }
        other => {
            let caller = other?;
            renew_if_due(session).await?;
            Ok(caller)
        }
    }
}

async fn renew_if_due(session: &Session) -> Result<(), WebError> {
    let now = chrono::Utc::now().timestamp();
    let seen = session
        .get::<i64>(SEEN)
        .await
        .map_err(|e| session_failed(&e))?;
    if seen.is_none_or(|at| now - at >= RENEW_EVERY_SECONDS) {
        session
            .insert(SEEN, now)
            .await
            .map_err(|e| session_failed(&e))?;
    }
    Ok(())
}

/// A signed-in user on an HTML page, with what every page needs. Anyone not
/// signed in is sent to the login page and brought back afterwards.
pub struct Ctx {
    pub caller: Caller,
    pub lang: Lang,
    pub csrf: String,
    pub session: Session,
    /// Path and query of this request, for the language switch's return.
    pub here: String,
    /// Product line names, for every place a page names a line.
    pub lines: std::sync::Arc<qudao_app::LineNames>,
}

impl<S> FromRequestParts<S> for Ctx
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let session = Session::from_request_parts(parts, &state)
            .await
            .map_err(|(status, text)| (status, text).into_response())?;
        let here = parts
            .uri
            .path_and_query()
            .map_or("/".to_owned(), |pq| pq.as_str().to_owned());
        let caller = match session_caller(&state, &session).await {
            Ok(caller) => caller.from_origin(origin_of(parts, &state)),
            Err(WebError::App(AppError::Unauthenticated)) => {
                let target = if here == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", urlencode(&here))
                };
                return Err(Redirect::to(&target).into_response());
            }
            Err(other) => return Err(PageError(other).into_response()),
        };
        let csrf = csrf_token(&session)
            .await
            .map_err(|e| PageError(e).into_response())?;
        let lines = state
            .app
            .line_names()
            .await
            .map_err(|e| PageError(e.into()).into_response())?;
        Ok(Ctx {
            caller,
            lang: Lang::from_headers(&parts.headers),
            csrf,
            session,
            here,
            lines,
        })
    }
}

/// The caller of an API request: a bearer token, or a browser session (whose
/// state-changing requests must carry the CSRF token in a header).
pub struct ApiCaller(pub Caller);

impl<S> FromRequestParts<S> for ApiCaller
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let secret = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(WebError::App(AppError::Unauthenticated))?;
            let caller = state.app.token_caller(secret.trim()).await?;
            return Ok(ApiCaller(caller.from_origin(origin_of(parts, &state))));
        }
        let session = Session::from_request_parts(parts, &state)
            .await
            .map_err(|_| WebError::App(AppError::Unauthenticated))?;
        let caller = session_caller(&state, &session).await?;
        Ok(ApiCaller(caller.from_origin(origin_of(parts, &state))))
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The largest form a browser may post; imports get their own limit.
pub(crate) const FORM_LIMIT: usize = 256 * 1024;

/// Refuses any state-changing browser request without the session's CSRF
/// token, given as the `_csrf` form field or the `X-CSRF-Token` header (htmx
/// sends it). Requests with a bearer token carry no ambient credentials and
/// need none.
pub(crate) async fn csrf_guard(session: Session, request: Request, next: Next) -> Response {
    if is_safe(request.method()) || request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    let is_api = request.uri().path().starts_with("/api/");
    let reject = |err: WebError| {
        if is_api {
            ApiError(err).into_response()
        } else {
            PageError(err).into_response()
        }
    };
    let expected = match session.get::<String>(CSRF).await {
        Ok(Some(token)) => token,
        // Every signed-in session has a token, so an API call without one
        // carries no credentials at all: it is unauthenticated, not forged.
        Ok(None) if is_api => return reject(WebError::App(AppError::Unauthenticated)),
        Ok(None) => return reject(WebError::Csrf),
        Err(err) => return reject(session_failed(&err)),
    };
    let header_token = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(token) = header_token {
        return if constant_time_eq(&token, &expected) {
            next.run(request).await
        } else {
            reject(WebError::Csrf)
        };
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // A file upload's body is large and binary; its form puts the token in
    // the action's query string instead, so the guard need not parse it.
    if content_type.starts_with("multipart/form-data") {
        let sent = request
            .uri()
            .query()
            .and_then(|q| form_urlencoded_value(q.as_bytes(), CSRF_FIELD));
        return if sent.is_some_and(|token| constant_time_eq(&token, &expected)) {
            next.run(request).await
        } else {
            reject(WebError::Csrf)
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return reject(WebError::Csrf);
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, FORM_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return reject(WebError::TooLarge(FORM_LIMIT)),
    };
    let sent = form_urlencoded_value(&bytes, CSRF_FIELD);
    if !sent.is_some_and(|token| constant_time_eq(&token, &expected)) {
        return reject(WebError::Csrf);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn form_urlencoded_value(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub(crate) fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Only a local path may be a redirect target, never another site.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}
