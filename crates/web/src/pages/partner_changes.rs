//! Requests to change a partner's record: the panel on the partner page
//! (a partner admin asks; a manager approves or rejects) and the reviewers'
//! queue at `/partners/changes`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use qudao_app::partner_changes::{ChangeRequestInput, ChangeRequestView, DecisionInput};
use qudao_app::{AppError, Permission};
use qudao_domain::partner_changes::ChangeField;
use serde::Deserialize;

use super::{ListParams, PageForm, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::{Chrome, ListLinks, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/partners/changes", queue)
        .post("/partners/{code}/changes", request)
        .post("/partners/changes/{id}/approve", approve)
        .post("/partners/changes/{id}/reject", reject)
}

/// Where a decision form came from: the queue, or a partner's page.
const QUEUE: &str = "queue";

pub(crate) struct ChangesPanel {
    pub requests: Vec<ChangeRequestView>,
    /// A partner admin on its own organisation's page.
    pub can_request: bool,
    pub can_decide: bool,
    pub fields: &'static [ChangeField],
    pub input: ChangeRequestInput,
    pub errors: Vec<(String, String)>,
    /// The queue names each request's partner; a partner's page does not.
    pub show_partner: bool,
    /// Where the decision forms return to.
    pub back: String,
    decision: Option<(i64, Vec<(String, String)>)>,
}

impl ChangesPanel {
    /// The partner page's panel; `None` when the caller may not see the
    /// partner's requests (a partner admin on a downstream partner's page).
    pub(crate) async fn load(
        state: &AppState,
        ctx: &Ctx,
        shown: &qudao_app::Shown,
        input: ChangeRequestInput,
        errors: Vec<(String, String)>,
        decision: Option<(i64, Vec<(String, String)>)>,
    ) -> Result<Option<Self>, PageError> {
        let code = shown.code();
        let requests = match state
            .app
            .partner_change_requests_shown(&ctx.caller, shown)
            .await
        {
            Ok(requests) => requests,
            Err(AppError::NotFound(_) | AppError::Forbidden) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        Ok(Some(Self {
            requests,
            can_request: ctx.caller.can(Permission::RequestPartnerChanges),
            can_decide: ctx.caller.can(Permission::ManagePartners),
            fields: ChangeField::ALL,
            input,
            errors,
            show_partner: false,
            back: code.to_owned(),
            decision,
        }))
    }

    pub fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    pub fn decision_errors(&self, id: &i64) -> &[(String, String)] {
        match &self.decision {
            Some((failed, errors)) if failed == id => errors,
            _ => &[],
        }
    }
}

async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<ChangeRequestInput>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .request_partner_change(&ctx.caller, &code, &input)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.t("changes.sent").to_owned();
            (text, format!("/partners/{}#changes", view.partner_code))
        },
        async |change_errors| {
            let forms = super::partners::DetailForms::change_request(input, change_errors);
            super::partners::detail_page(&state, &ctx, &code, forms).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "partners/changes.html")]
struct QueuePage {
    c: Chrome,
    panel: ChangesPanel,
    links: ListLinks,
}

async fn queue_page(
    state: &AppState,
    ctx: &Ctx,
    list: &ListParams,
    decision: Option<(i64, Vec<(String, String)>)>,
) -> Result<Response, PageError> {
    let page = state
        .app
        .change_request_queue(&ctx.caller, list.page_request())
        .await?;
    let title = ctx.lang.t("changes.queue").to_owned();
    let c = Chrome::new(
        ctx,
        "/partners/changes",
        title.clone(),
        vec![crumb(ctx.lang, "nav.partners", "/partners"), (title, None)],
    )
    .await?;
    let links = ListLinks {
        base: "/partners/changes".to_owned(),
        filters: Vec::new(),
        sort: String::new(),
        desc: false,
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    render(&QueuePage {
        c,
        panel: ChangesPanel {
            requests: page.items,
            can_request: false,
            can_decide: true,
            fields: ChangeField::ALL,
            input: ChangeRequestInput::default(),
            errors: Vec::new(),
            show_partner: true,
            back: QUEUE.to_owned(),
            decision,
        },
        links,
    })
}

async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(list): Query<ListParams>,
) -> Result<Response, PageError> {
    queue_page(&state, &ctx, &list, None).await
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    decide(state, ctx, id, form, true).await
}

async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    decide(state, ctx, id, form, false).await
}

async fn decide(
    state: AppState,
    ctx: Ctx,
    id: i64,
    form: DecisionForm,
    approve: bool,
) -> Result<Response, PageError> {
    let input = DecisionInput {
        reason: form.reason.clone(),
    };
    let result = if approve {
        state
            .app
            .approve_change_request(&ctx.caller, id, &input)
            .await
    } else {
        state
            .app
            .reject_change_request(&ctx.caller, id, &input)
            .await
    };
    let to_queue = form.back == QUEUE || form.back.is_empty();
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let key = if approve {
                "changes.approved"
            } else {
                "changes.rejected"
            };
            let location = if to_queue {
                "/partners/changes".to_owned()
            } else {
                format!("/partners/{}#changes", view.partner_code)
            };
            (ctx.lang.t(key).to_owned(), location)
        },
        async |errors| {
            if to_queue {
                queue_page(&state, &ctx, &ListParams::default(), Some((id, errors))).await
            } else {
                let forms = super::partners::DetailForms::decision(id, errors);
                super::partners::detail_page(&state, &ctx, &form.back, forms).await
            }
        },
    )
    .await
}
