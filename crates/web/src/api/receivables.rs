//! Invoices, payments, statements and ageing.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::receivables::{
    AgeingView, AllocateInput, InvoiceView, PaymentInput, PaymentView, StatementView, parse_period,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(payments, record_payment))
        .routes(routes!(allocate_payment))
        .routes(routes!(invoices))
        .routes(routes!(statement))
        .routes(routes!(ageing))
}

/// Payments of the partners in scope, newest first (a partner's users:
/// their own organisation's).
#[utoipa::path(
    get, path = "/payments", tag = "receivables",
    params(super::Paging),
    responses(
        (status = 200, body = Vec<PaymentView>),
        (status = 401, body = crate::error::Problem),
    )
)]
async fn payments(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<super::Paging>,
) -> Result<Json<Vec<PaymentView>>, ApiError> {
    let page = query.request()?;
    let (rows, _) = state
        .app
        .payments(&caller, page.page, page.per_page)
        .await?;
    Ok(Json(rows))
}

/// Records a payment (finance, admins) and allocates it: to the named
/// invoices and amounts, else oldest due first among `pay` (or all open
/// invoices). What pays no invoice is refused unless `overpayment` is
/// `on_account`.
#[utoipa::path(
    post, path = "/payments", tag = "receivables",
    request_body = PaymentInput,
    responses(
        (status = 201, body = PaymentView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in scope", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named (an overpayment without the choice, a closed month, a reference recorded before)", body = crate::error::Problem),
    )
)]
async fn record_payment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<PaymentInput>,
) -> Result<(StatusCode, Json<PaymentView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.record_payment(&caller, &input).await?),
    ))
}

/// Applies what a payment kept on its partner's account to open invoices
/// (finance, admins): to the named invoices and amounts (an amount above
/// what an invoice owes pays what it owes), else oldest due first among
/// `pay` (or all open invoices in the payment's currency). What is not
/// applied stays on account.
#[utoipa::path(
    post, path = "/payments/{number}/allocations", tag = "receivables",
    params(("number" = String, Path, description = "Payment number, e.g. PAY-2026-000001")),
    request_body = AllocateInput,
    responses(
        (status = 200, description = "The payment after the allocation", body = PaymentView),
        (status = 400, description = "A body that is not JSON of this shape", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, description = "The caller may not record payments", body = crate::error::Problem),
        (status = 404, description = "No such payment in scope", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named (an unknown or foreign-currency invoice, an amount that does not read or is not positive, amounts above what is on account, nothing on account, nothing open to pay)", body = crate::error::Problem),
    )
)]
async fn allocate_payment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
    ApiJson(input): ApiJson<AllocateInput>,
) -> Result<Json<PaymentView>, ApiError> {
    Ok(Json(
        state
            .app
            .allocate_payment(&caller, &number, &input.allocations, &input.pay)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct InvoiceQuery {
    /// A partner's code: its invoices only.
    partner: Option<String>,
    /// Only invoices that still owe.
    open: Option<bool>,
}

/// Invoices of the partners in scope, newest first, with what each still
/// owes.
#[utoipa::path(
    get, path = "/invoices", tag = "receivables",
    params(InvoiceQuery),
    responses(
        (status = 200, body = Vec<InvoiceView>),
        (status = 401, body = crate::error::Problem),
        (status = 404, description = "No such partner in scope", body = crate::error::Problem),
    )
)]
async fn invoices(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<InvoiceQuery>,
) -> Result<Json<Vec<InvoiceView>>, ApiError> {
    Ok(Json(
        state
            .app
            .invoices(
                &caller,
                query.partner.as_deref(),
                query.open.unwrap_or(false),
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PeriodQuery {
    /// First day, `YYYY-MM-DD`.
    from: String,
    /// Last day, `YYYY-MM-DD`, not before `from`.
    to: String,
}

/// A partner's statement of a period: per currency the opening balance,
/// every invoice, credit note and payment by date with the running
/// balance, and the closing balance.
#[utoipa::path(
    get, path = "/partners/{code}/statement", tag = "receivables",
    params(("code" = String, Path, description = "Partner code"), PeriodQuery),
    responses(
        (status = 200, body = StatementView),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Dates that do not parse or are out of order", body = crate::error::Problem),
    )
)]
async fn statement(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<StatementView>, ApiError> {
    let (from, to) = parse_period(&query.from, &query.to)?;
    Ok(Json(state.app.statement(&caller, &code, from, to).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AgeingQuery {
    /// The day, `YYYY-MM-DD`; today when absent.
    as_of: Option<String>,
}

/// Open receivables of every partner in scope by days past due (current,
/// 1–30, 31–60, 61–90, over 90), with a total per currency.
#[utoipa::path(
    get, path = "/receivables/ageing", tag = "receivables",
    params(AgeingQuery),
    responses(
        (status = 200, body = AgeingView),
        (status = 401, body = crate::error::Problem),
        (status = 422, description = "A date that does not parse", body = crate::error::Problem),
    )
)]
async fn ageing(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<AgeingQuery>,
) -> Result<Json<AgeingView>, ApiError> {
    let as_of = match query
        .as_of
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(day) => {
            qudao_domain::dates::parse_date("as_of", day).map_err(qudao_app::AppError::from)?
        }
        None => qudao_app::today(),
    };
    Ok(Json(state.app.ageing(&caller, as_of).await?))
}
