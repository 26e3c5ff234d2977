//! Signing in and out.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::AppError;
use serde::Deserialize;
use tower_sessions::Session;

use super::{PageForm, render};
use crate::AppState;
use crate::auth::{
    ClientOrigin, Flash, FlashKind, csrf_token, safe_next, set_flash, sign_in, sign_out, take_flash,
};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/login", form)
        .post("/login", submit)
        .post("/logout", logout)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    login: String,
    flash: Option<Flash>,
    here: String,
}

impl LoginPage {
    fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    fn asset(&self, name: &str) -> String {
        crate::assets::url(name)
    }

    fn langs(&self) -> [Lang; 2] {
        Lang::ALL
    }

    fn lang_href(&self, lang: &Lang) -> String {
        format!(
            "/lang/{}?next={}",
            lang.tag(),
            crate::auth::urlencode(&self.here)
        )
    }
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

async fn form(
    session: Session,
    headers: HeaderMap,
    Query(params): Query<NextParam>,
) -> Result<Response, PageError> {
    let next = safe_next(params.next.as_deref());
    let here = if next == "/" {
        "/login".to_owned()
    } else {
        format!("/login?next={}", crate::auth::urlencode(&next))
    };
    render(&LoginPage {
        lang: Lang::from_headers(&headers),
        csrf: csrf_token(&session).await?,
        next,
        login: String::new(),
        flash: take_flash(&session).await?,
        here,
    })
}

#[derive(Deserialize)]
struct Credentials {
    login: String,
    password: String,
    next: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ClientOrigin(origin): ClientOrigin,
    PageForm(credentials): PageForm<Credentials>,
) -> Result<Response, PageError> {
    let lang = Lang::from_headers(&headers);
    let next = safe_next(credentials.next.as_deref());
    match state
        .app
        .login(&credentials.login, &credentials.password, &origin)
        .await
    {
        Ok((_, stamp)) => {
            sign_in(&session, stamp).await?;
            Ok(Redirect::to(&next).into_response())
        }
        Err(err @ (AppError::BadCredentials | AppError::Locked { .. } | AppError::Disabled)) => {
            let text = match err {
                AppError::Locked { minutes } => lang.tf("login.locked", minutes),
                AppError::Disabled => lang.t("login.disabled").to_owned(),
                _ => lang.t("login.failed").to_owned(),
            };
            let status = crate::error::WebError::App(err).status();
            let mut response = render(&LoginPage {
                lang,
                csrf: csrf_token(&session).await?,
                here: "/login".to_owned(),
                next,
                login: credentials.login,
                flash: Some(Flash {
                    kind: FlashKind::Error,
                    text,
                }),
            })?;
            *response.status_mut() = status;
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

async fn logout(session: Session, headers: HeaderMap) -> Result<Response, PageError> {
    sign_out(&session).await?;
    set_flash(
        &session,
        FlashKind::Info,
        Lang::from_headers(&headers).t("login.signed_out"),
    )
    .await?;
    Ok(Redirect::to("/login").into_response())
}
