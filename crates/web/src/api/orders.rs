//! Sell-in orders and their actions, and credit notes on their own.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::orders::{
    CreditNoteInput, CreditNoteView, OrderInput, OrderQuery, OrderSummary, OrderView, ReasonInput,
    ReturnInput, ShipInput,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail, update))
        .routes(routes!(submit))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(cancel))
        .routes(routes!(ship))
        .routes(routes!(take_back))
        .routes(routes!(credit_note))
}

/// Orders in your scope (a partner its own), newest first; `seller` names
/// the distributor a downstream order (二级订货) was placed with. A
/// distributor's boss lists the orders placed with it by `kind=incoming`.
#[utoipa::path(
    get, path = "/orders", tag = "orders",
    params(OrderQuery, Paging),
    responses(
        (status = 200, body = PageOf<OrderSummary>),
        (status = 403, description = "`kind=incoming` by someone who sells to no one", body = crate::error::Problem),
        (status = 422, description = "A status or kind that does not exist", body = crate::error::Problem),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<OrderQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<OrderSummary>>, ApiError> {
    let page = state.app.orders(&caller, &query, paging.request()?).await?;
    Ok(Json(page.into()))
}

/// A new draft order, its lines priced from the partner's price lists (with
/// `seller`: its distributor's downstream lists); the failing checks are on
/// the answer (`checks`, and on each line).
#[utoipa::path(
    post, path = "/orders", tag = "orders",
    request_body = OrderInput,
    responses(
        (status = 201, body = OrderView),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "Invalid lines, each named", body = crate::error::Problem),
    )
)]
async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_order(&caller, &input).await?),
    ))
}

/// One order with its lines, checks, shipments (with invoice numbers) and
/// returns.
#[utoipa::path(
    get, path = "/orders/{number}", tag = "orders",
    params(("number" = String, Path, description = "Order number, e.g. SO-000042")),
    responses(
        (status = 200, body = OrderView),
        (status = 404, body = crate::error::Problem),
    )
)]
async fn detail(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(state.app.order(&caller, &number).await?))
}

/// Rewrites a draft (or a rejected order, which becomes a draft again).
#[utoipa::path(
    post, path = "/orders/{number}", tag = "orders",
    params(("number" = String, Path, description = "Order number")),
    request_body = OrderInput,
    responses(
        (status = 200, body = OrderView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Invalid lines, or the order is not a draft", body = crate::error::Problem),
    )
)]
async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(
        state.app.update_order(&caller, &number, &input).await?,
    ))
}

/// Submits a draft. Every check runs; a failing order stays a draft with
/// its checks and the answer is 422 naming each.
#[utoipa::path(
    post, path = "/orders/{number}/submit", tag = "orders",
    params(("number" = String, Path, description = "Order number")),
    responses(
        (status = 200, body = OrderView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "A failing check, or not a draft", body = crate::error::Problem),
    )
)]
async fn submit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(state.app.submit_order(&caller, &number).await?))
}

/// Approves a submitted order after every check runs again.
#[utoipa::path(
    post, path = "/orders/{number}/approve", tag = "orders",
    params(("number" = String, Path, description = "Order number")),
    responses(
        (status = 200, body = OrderView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "A failing check, a closed month, or not submitted", body = crate::error::Problem),
    )
)]
async fn approve(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(state.app.approve_order(&caller, &number).await?))
}

/// Rejects a submitted order, with a reason.
#[utoipa::path(
    post, path = "/orders/{number}/reject", tag = "orders",
    params(("number" = String, Path, description = "Order number")),
    request_body = ReasonInput,
    responses(
        (status = 200, body = OrderView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "No reason, or not submitted", body = crate::error::Problem),
    )
)]
async fn reject(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(
        state.app.reject_order(&caller, &number, &input).await?,
    ))
}

/// Cancels an order nothing has shipped of.
#[utoipa::path(
    post, path = "/orders/{number}/cancel", tag = "orders",
    params(("number" = String, Path, description = "Order number")),
    request_body = ReasonInput,
    responses(
        (status = 200, body = OrderView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Something has shipped, or it has ended", body = crate::error::Problem),
    )
)]
async fn cancel(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(
        state.app.cancel_order(&caller, &number, &input).await?,
    ))
}

/// Ships units of an approved order: a shipment, its serial numbers, its
/// invoice (due by the agreement's terms) and the sell-in facts.
#[utoipa::path(
    post, path = "/orders/{number}/shipments", tag = "orders",
    params(("number" = String, Path, description = "Order number")),
    request_body = ShipInput,
    responses(
        (status = 201, body = OrderView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Too many units, missing or repeated serials, a closed month", body = crate::error::Problem),
    )
)]
async fn ship(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
    ApiJson(input): ApiJson<ShipInput>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.ship_order(&caller, &number, &input).await?),
    ))
}

/// Takes back units of a shipped line, with a reason: a return, its credit
/// note and a negative sell-in fact, dated in an open month. On an order
/// placed with the caller's organisation (its boss), no credit note: the
/// tier-2 partner's negative sell-in and the distributor's sell-through
/// return.
#[utoipa::path(
    post, path = "/orders/{number}/returns", tag = "orders",
    params(("number" = String, Path, description = "Order number")),
    request_body = ReturnInput,
    responses(
        (status = 201, body = OrderView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "More than shipped, no reason, a closed month, a serial-tracked downstream line", body = crate::error::Problem),
    )
)]
async fn take_back(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
    ApiJson(input): ApiJson<ReturnInput>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.return_goods(&caller, &number, &input).await?),
    ))
}

/// A credit note against an invoice on its own (finance), with a reason;
/// at most what is still open on the invoice.
#[utoipa::path(
    post, path = "/credit-notes", tag = "orders",
    request_body = CreditNoteInput,
    responses(
        (status = 201, body = CreditNoteView),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "An unknown invoice, no reason, more than open", body = crate::error::Problem),
    )
)]
async fn credit_note(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<CreditNoteInput>,
) -> Result<(StatusCode, Json<CreditNoteView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.issue_credit_note(&caller, &input).await?),
    ))
}
