//! The order-time preview on an order's page while it is a draft or
//! submitted: how the order moves its partner's attainment and estimated
//! rebate, one sentence a program ("这张订单让您达到第 3 档（3%），预计返利多
//! ¥X"). Shown to the partner's people and to staff who read incentives.

use qudao_app::AppError;
use qudao_app::incentive_preview::ProgramMove;
use qudao_app::orders::OrderView;

use super::incentive_watchlist::{Figures, attainment};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;

/// One program's move in words.
pub(super) struct PreviewLine {
    pub program: String,
    pub period: String,
    pub attainment: String,
    pub words: String,
}

fn line(f: Figures, own: bool, partner: &str, p: &ProgramMove) -> PreviewLine {
    let difference = f.money(p.difference);
    let crossed = match (p.bracket_before, p.bracket_after) {
        (before, Some(after)) => before.is_none_or(|b| after > b),
        _ => false,
    };
    let words = if crossed && let Some(after) = p.bracket_after {
        let bracket = f.bracket(&p.measure, after, p.rate_after.as_deref());
        if own {
            f.fill("preview.crosses", &[bracket, difference])
        } else {
            f.fill(
                "preview.crosses_staff",
                &[partner.to_owned(), bracket, difference],
            )
        }
    } else {
        let adds = f.fill("preview.adds", &[difference]);
        match (p.next_bracket, p.next_distance) {
            (Some(n), Some(distance)) => f.fill(
                "preview.adds_next",
                &[
                    adds,
                    f.base(&p.measure, distance),
                    f.bracket(&p.measure, n, p.next_rate.as_deref()),
                ],
            ),
            _ => adds,
        }
    };
    let (before, after) = (
        attainment(p.attainment_before.as_deref()),
        attainment(p.attainment_after.as_deref()),
    );
    PreviewLine {
        program: p.program_name.clone(),
        period: p.period.clone(),
        attainment: if after.is_empty() {
            String::new()
        } else {
            f.fill("preview.attainment", &[before, after])
        },
        words,
    }
}

/// The preview of an order on its page; nothing once it is decided, for a
/// reader who may not see its partner's incentives, or for the distributor
/// an order was placed with.
pub(super) async fn preview_lines(
    state: &AppState,
    ctx: &Ctx,
    order: &OrderView,
) -> Result<Vec<PreviewLine>, PageError> {
    if !matches!(order.status.as_str(), "draft" | "submitted") || order.sold_by_reader {
        return Ok(Vec::new());
    }
    let preview = match state
        .app
        .incentive_preview(&ctx.caller, &order.number)
        .await
    {
        Ok(preview) => preview,
        Err(AppError::Forbidden | AppError::NotFound(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let f = Figures::new(ctx.lang, &preview.currency)?;
    let own = ctx.caller.role.is_partner_role();
    Ok(preview
        .programs
        .iter()
        .map(|p| line(f, own, &preview.partner_name, p))
        .collect())
}
