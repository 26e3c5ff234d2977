//! Qudao's web server: HTML pages (askama, htmx, ECharts) and the JSON API
//! under `/api/v1` with its OpenAPI document. Handlers call `qudao_app` only.

mod api;
mod assets;
mod auth;
mod error;
mod forms;
pub mod i18n;
mod layout;
mod pages;
mod routes;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware;
use qudao_app::Qudao;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use api::openapi;
pub use pages::incentive_trace_in_words;

#[derive(Debug, Clone)]
pub struct AppState {
    pub app: Qudao,
    /// Whether to believe the `X-Forwarded-For` header (see `WebConfig`).
    pub trust_forwarded_for: bool,
}

/// How the server is reached.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Served behind TLS (directly or by a proxy): cookies get `Secure`.
    pub secure_cookies: bool,
    /// Served only through a reverse proxy that appends the client's address
    /// to `X-Forwarded-For`: take the client address from its last entry
    /// instead of the socket. Off by default, because anyone reaching the
    /// server directly could otherwise claim any address and escape the
    /// per-address login throttle.
    pub trust_forwarded_for: bool,
}

/// Idle sessions end after this long.
const SESSION_IDLE: time::Duration = time::Duration::hours(8);

/// Content Security Policy: scripts only from this server (no inline
/// scripts), styles may be inline because ECharts sizes its canvas that way.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; \
                   form-action 'self'";

pub fn router(app: Qudao, config: &WebConfig) -> Router {
    let sessions = SessionManagerLayer::new(app.session_store())
        .with_name("qudao_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));
    let state = AppState {
        app,
        trust_forwarded_for: config.trust_forwarded_for,
    };
    let (routes, _) = all_routes().into_parts();
    routes
        .fallback(pages::not_found)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .layer(middleware::from_fn(auth::csrf_guard))
        .layer(middleware::from_fn(error::render_error_pages))
        .layer(middleware::from_fn(forms::htmx_redirects))
        .layer(sessions)
        .layer(DefaultBodyLimit::max(auth::FORM_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::new())
        // Outermost but for tracing, so error pages and assets are compressed
        // too; only gzip and brotli, which every browser we serve speaks.
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn all_routes() -> routes::Routes {
    routes::Routes::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(assets::routes())
}

/// Every (method, path) the router serves, paths as declared (`{code}` for
/// a parameter): the authorization-matrix test checks each has a row.
pub fn route_list() -> Vec<(&'static str, String)> {
    all_routes().into_parts().1
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(app: Qudao, addr: SocketAddr, config: WebConfig) -> std::io::Result<()> {
    let store = app.session_store();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(err) = store.delete_expired().await {
                tracing::warn!(error = %err, "could not delete expired sessions");
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving");
    axum::serve(
        listener,
        router(app, &config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
