//! The partner page's panel on its last change of owner and the rep
//! targets that move with it: what moves from the old rep's targets to
//! the new rep's, period by period, and the confirmed form that moves
//! them. A refused move comes back on a page of its own with the panel.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use qudao_app::owner_moves::{RepTargetMoveInput, RepTargetMoves};
use qudao_domain::money::Currency;

use super::{PageForm, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new().post("/partners/{code}/rep-targets", move_targets)
}

/// `partners/_rep_targets.html` shows it.
pub(crate) struct RepTargetsPanel {
    pub moves: RepTargetMoves,
    currency: Currency,
    pub input: RepTargetMoveInput,
    pub errors: Vec<(String, String)>,
    pub confirm: String,
}

impl RepTargetsPanel {
    /// The panel for callers who approve targets, on a partner that
    /// changed owner.
    pub(crate) async fn load(
        state: &AppState,
        ctx: &Ctx,
        shown: &qudao_app::Shown,
    ) -> Result<Option<Self>, PageError> {
        let Some(moves) = state.app.rep_target_moves_shown(&ctx.caller, shown).await? else {
            return Ok(None);
        };
        let currency = state.app.current_settings().await?.currency;
        Ok(Some(Self::new(ctx.lang, currency, moves)))
    }

    fn new(lang: Lang, currency: Currency, moves: RepTargetMoves) -> Self {
        let date = moves.date.map(|d| d.to_string()).unwrap_or_default();
        let confirm = crate::forms::confirm_text(
            lang,
            &[
                lang.t("owner_moves.confirm_move")
                    .replacen("{}", &moves.shifts.len().to_string(), 1)
                    .replacen("{}", moves.to_name.as_deref().unwrap_or_default(), 1),
                lang.t("owner_moves.confirm_amended").to_owned(),
            ],
        );
        let input = RepTargetMoveInput {
            reason: lang
                .t("owner_moves.default_reason")
                .replacen("{}", &moves.partner_code, 1)
                .replacen("{}", &date, 1),
        };
        Self {
            currency,
            moves,
            input,
            errors: Vec::new(),
            confirm,
        }
    }

    pub fn shown(&self, measure: &qudao_domain::targets::TargetMeasure, amount: &i64) -> String {
        measure.shown(*amount, self.currency)
    }

    pub fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

#[derive(Template)]
#[template(path = "partners/rep_targets.html")]
struct MovePage {
    c: Chrome,
    panel: RepTargetsPanel,
}

async fn move_targets(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<RepTargetMoveInput>,
) -> Result<Response, PageError> {
    let result = state.app.move_rep_targets(&ctx.caller, &code, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |moves| {
            let text = ctx.lang.t("owner_moves.targets_moved").to_owned();
            (
                text,
                format!("/partners/{}#rep-targets", moves.partner_code),
            )
        },
        async |errors| {
            let moves = state.app.rep_target_moves(&ctx.caller, &code).await?;
            let currency = state.app.current_settings().await?.currency;
            let mut panel = RepTargetsPanel::new(ctx.lang, currency, moves);
            panel.input = input;
            panel.errors = errors;
            let title = ctx.lang.t("owner_moves.rep_targets").to_owned();
            let c = Chrome::new(
                &ctx,
                "/partners",
                title.clone(),
                vec![
                    crumb(ctx.lang, "nav.partners", "/partners"),
                    (
                        panel.moves.partner_name.clone(),
                        Some(format!("/partners/{}", panel.moves.partner_code)),
                    ),
                    (title, None),
                ],
            )
            .await?;
            render(&MovePage { c, panel })
        },
    )
    .await
}
