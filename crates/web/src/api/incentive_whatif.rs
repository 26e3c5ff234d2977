//! What-if: a program's variant (a changed bracket table, a stored draft,
//! or a whole document) tried on a period's facts beside the version in
//! force, and saved as the next draft version when it is wanted. Admins
//! and channel managers only; nothing is written by the trial.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use qudao_app::incentive_whatif::{WhatIfRequest, WhatIfView};
use qudao_app::incentives::{ProgramCheck, ProgramProblem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::incentives::{ProgramRejected, rejected};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(what_if))
        .routes(routes!(save_what_if))
}

fn refused(problems: Vec<ProgramProblem>) -> Response {
    rejected(ProgramCheck {
        problems,
        program: None,
        saved: false,
    })
}

/// Tries a variant of the program on a period's facts: the total cost,
/// the change against the version in force for that period, and the
/// subjects whose amount changes most. Amounts are the program's own,
/// before stacking with other programs.
#[utoipa::path(
    post, path = "/incentive-programs/{code}/what-if", tag = "incentives",
    params(("code" = String, Path, description = "The program's code")),
    request_body = WhatIfRequest,
    responses(
        (status = 200, body = WhatIfView),
        (status = 400, description = "The body is not a what-if request", body = crate::error::Problem),
        (status = 403, description = "Only admins and channel managers try programs", body = crate::error::Problem),
        (status = 404, description = "No such program", body = crate::error::Problem),
        (status = 422, description = "The request or the variant is wrong; every problem at its path", body = ProgramRejected, content_type = "application/problem+json"),
    )
)]
async fn what_if(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(request): ApiJson<WhatIfRequest>,
) -> Result<Response, ApiError> {
    Ok(
        match state.app.incentive_whatif(&caller, &code, &request).await? {
            Ok(view) => Json(view).into_response(),
            Err(problems) => refused(problems),
        },
    )
}

/// Saves the variant as the program's next draft version (over the latest
/// version while that is a draft), checked as any saved document.
#[utoipa::path(
    post, path = "/incentive-programs/{code}/what-if/save", tag = "incentives",
    params(("code" = String, Path, description = "The program's code")),
    request_body = WhatIfRequest,
    responses(
        (status = 200, description = "Saved as a draft", body = ProgramCheck),
        (status = 400, description = "The body is not a what-if request", body = crate::error::Problem),
        (status = 403, description = "Only admins and channel managers keep programs", body = crate::error::Problem),
        (status = 404, description = "No such program", body = crate::error::Problem),
        (status = 422, description = "The variant was refused; nothing was written", body = ProgramRejected, content_type = "application/problem+json"),
    )
)]
async fn save_what_if(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(request): ApiJson<WhatIfRequest>,
) -> Result<Response, ApiError> {
    let check = state.app.save_whatif(&caller, &code, &request).await?;
    Ok(if check.ok() {
        Json(check).into_response()
    } else {
        rejected(check)
    })
}
