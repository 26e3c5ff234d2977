//! Onboarding (招商): weighted screening criteria, evaluations of partners
//! being recruited, and the recruitment board. Internal staff read it;
//! admins and channel managers evaluate, move cards and edit criteria;
//! partner users never see it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use qudao_domain::grades::{parse_label, parse_optional_label, parse_text};
use qudao_domain::onboarding::{
    CriterionCode, SIGNED_SHOWN_DAYS, Stage, Weight, board_move, board_moves, evaluable,
    weighted_total,
};
use qudao_domain::partners::{PartnerStatus, PartnerType};
use qudao_domain::score::Score;
use qudao_domain::{Invalid, Problem};
use qudao_store::onboarding::{self as repo, CriterionFields, NewScore, criterion};
use qudao_store::paging::PageRequest;
use qudao_store::partners::partner;
use serde::{Deserialize, Serialize};

use crate::error::{AllFields, rule};
use crate::scope::{Area, scope_in};
use crate::text::{map_of_text_or_number, optional_bool, text_or_number};
use crate::{AppError, Caller, Permission, Qudao};

/// Cards a board column shows; the column's count says how many there are.
pub const CARDS_PER_COLUMN: u64 = 100;
const COMMENT_MAX: usize = 2000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CriterionView {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    /// Relative weight, decimal text (`20`, `12.5`).
    pub weight: String,
    /// Only active criteria are scored and counted in totals.
    pub active: bool,
}

/// A criterion to add, or a criterion's new values (the code is then ignored).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CriterionInput {
    #[serde(default)]
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(deserialize_with = "text_or_number")]
    #[schema(value_type = String, example = "20")]
    pub weight: String,
    /// Absent: active for a new criterion, unchanged for an existing one.
    #[serde(default, deserialize_with = "optional_bool")]
    pub active: Option<bool>,
}

/// One evaluation: a score 0–100 for every active criterion, by code.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EvaluationInput {
    #[serde(deserialize_with = "map_of_text_or_number")]
    #[schema(value_type = BTreeMap<String, String>, example = json!({"market_coverage": "80", "credit_standing": "72.5"}))]
    pub scores: BTreeMap<String, String>,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    pub partner_code: String,
    /// Σ(score × weight) / Σ(weight), two decimals.
    pub total: String,
    pub comment: String,
    pub evaluated_by: String,
    pub evaluated_at: DateTime<Utc>,
    /// The scores with each criterion's name and weight as they were then.
    pub scores: Vec<ScoreLine>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScoreLine {
    pub criterion_code: String,
    pub criterion_name: String,
    pub weight: String,
    pub score: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Pipeline {
    pub columns: Vec<PipelineColumn>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PipelineColumn {
    pub stage: Stage,
    /// How many partners are in this stage (the cards are the first
    /// [`CARDS_PER_COLUMN`]).
    pub total: u64,
    pub cards: Vec<PipelineCard>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PipelineCard {
    pub code: String,
    pub name: String,
    pub partner_type: PartnerType,
    pub status: PartnerStatus,
    pub owner_login: Option<String>,
    /// The owner's display name.
    pub owner_name: Option<String>,
    /// The latest evaluation's total, if it has been evaluated.
    pub latest_total: Option<String>,
    /// Statuses the caller may move it to from the board (`terminated` is
    /// the `lost` column).
    pub moves: Vec<PartnerStatus>,
    /// Why it was not signed, on the cards of the `lost` column.
    pub lost_reason: Option<String>,
}

/// A move on the board: the status to move to and why.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CardMoveInput {
    /// One stage on or back, `active` (signed) from negotiating, or
    /// `terminated` (not signed / lost).
    pub status: String,
    pub reason: String,
}

/// A card after its move.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CardMoved {
    pub code: String,
    pub from: PartnerStatus,
    pub to: PartnerStatus,
    /// The board column it is in now.
    pub stage: Stage,
    pub reason: String,
}

fn criterion_view(row: &criterion::Model) -> CriterionView {
    CriterionView {
        code: row.code.clone(),
        name: row.name.clone(),
        name_en: row.name_en.clone(),
        weight: row.weight.clone(),
        active: row.active,
    }
}

/// A criterion's editable fields, parsed.
struct Criterion {
    name: String,
    name_en: Option<String>,
    weight: Weight,
}

impl Criterion {
    fn parse(input: &CriterionInput) -> Result<Self, Vec<Invalid>> {
        let (name, name_en, weight) = (
            parse_label("name", &input.name),
            parse_optional_label("name_en", input.name_en.as_deref().unwrap_or("")),
            Weight::parse(&input.weight),
        )
            .all()?;
        Ok(Self {
            name,
            name_en,
            weight,
        })
    }
}

fn score_error(rule: &'static str, code: &str) -> Invalid {
    Invalid::new(
        "scores",
        Problem::Conflict {
            rule,
            with: code.to_owned(),
        },
    )
}

impl Qudao {
    /// Every criterion, active or not, in form order.
    pub async fn criteria(&self, caller: &Caller) -> Result<Vec<CriterionView>, AppError> {
        caller.require(Permission::ViewOnboarding)?;
        Ok(repo::criteria(self.db())
            .await?
            .iter()
            .map(criterion_view)
            .collect())
    }

    pub async fn criterion(&self, caller: &Caller, code: &str) -> Result<CriterionView, AppError> {
        caller.require(Permission::ViewOnboarding)?;
        Ok(criterion_view(&self.criterion_row(self.db(), code).await?))
    }

    async fn criterion_row(
        &self,
        db: &impl qudao_store::ConnectionTrait,
        code: &str,
    ) -> Result<criterion::Model, AppError> {
        let code =
            CriterionCode::parse("code", code).map_err(|_| AppError::NotFound("criterion"))?;
        repo::find_criterion(db, code.as_str())
            .await?
            .ok_or(AppError::NotFound("criterion"))
    }

    pub async fn create_criterion(
        &self,
        caller: &Caller,
        input: &CriterionInput,
    ) -> Result<CriterionView, AppError> {
        caller.require(Permission::ManageOnboarding)?;
        let (code, criterion) = (
            CriterionCode::parse("code", &input.code),
            Criterion::parse(input),
        )
            .all()?;
        let Criterion {
            name,
            name_en,
            weight,
        } = criterion;
        let tx = self.write().await?;
        let row = repo::insert_criterion(
            &tx,
            code.as_str(),
            CriterionFields {
                name: &name,
                name_en: name_en.as_deref(),
                weight: weight.to_string(),
                active: input.active.unwrap_or(true),
            },
        )
        .await?;
        let view = criterion_view(&row);
        self.audit(
            &tx,
            caller,
            "criterion",
            &view.code,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Renames, reweighs, deactivates or reactivates a criterion. Past
    /// evaluations keep the weights they were computed with.
    pub async fn update_criterion(
        &self,
        caller: &Caller,
        code: &str,
        input: &CriterionInput,
    ) -> Result<CriterionView, AppError> {
        caller.require(Permission::ManageOnboarding)?;
        let tx = self.write().await?;
        let row = self.criterion_row(&tx, code).await?;
        let Criterion {
            name,
            name_en,
            weight,
        } = Criterion::parse(input)?;
        let before = criterion_view(&row);
        let active = input.active.unwrap_or(row.active);
        let row = repo::update_criterion(
            &tx,
            row,
            CriterionFields {
                name: &name,
                name_en: name_en.as_deref(),
                weight: weight.to_string(),
                active,
            },
        )
        .await?;
        let after = criterion_view(&row);
        self.audit(
            &tx,
            caller,
            "criterion",
            &after.code,
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// Scores a partner being recruited on every active criterion and
    /// records the weighted total with the weights used.
    pub async fn evaluate_partner(
        &self,
        caller: &Caller,
        partner_code: &str,
        input: &EvaluationInput,
    ) -> Result<EvaluationView, AppError> {
        caller.require(Permission::ManageOnboarding)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Onboarding, partner_code)
            .await?;
        let status = partner.row().status()?;
        let stage = rule(evaluable(status), || {
            Invalid::new(
                "status",
                Problem::Rule {
                    rule: "evaluation_stage",
                },
            )
        });
        let criteria: Vec<criterion::Model> = repo::criteria(&tx)
            .await?
            .into_iter()
            .filter(|c| c.active)
            .collect();
        let no_criteria = || {
            Invalid::new(
                "scores",
                Problem::Rule {
                    rule: "no_active_criteria",
                },
            )
        };
        let mut score_errors = Vec::new();
        if criteria.is_empty() {
            score_errors.push(no_criteria());
        }
        let mut scored = Vec::with_capacity(criteria.len());
        for criterion in &criteria {
            let raw = input.scores.get(&criterion.code).map_or("", String::as_str);
            match Score::parse("scores", raw) {
                Ok(score) => {
                    let weight = Weight::parse(&criterion.weight)
                        .map_err(|e| AppError::Internal(format!("stored weight: {e}")))?;
                    scored.push((criterion, score, weight));
                }
                Err(invalid) if invalid.problem == Problem::Required => {
                    score_errors.push(score_error("score_required", &criterion.code));
                }
                Err(_) => score_errors.push(score_error("score_range", &criterion.code)),
            }
        }
        for code in input.scores.keys() {
            if !criteria.iter().any(|c| &c.code == code) {
                score_errors.push(score_error("criterion_unknown", code));
            }
        }
        // With every active criterion scored there is something to weigh.
        let total = if score_errors.is_empty() {
            let pairs: Vec<_> = scored.iter().map(|(_, s, w)| (*s, *w)).collect();
            weighted_total(&pairs).ok_or_else(|| vec![no_criteria()])
        } else {
            Err(score_errors)
        };
        let ((), total, comment) = (
            stage,
            total,
            parse_text(
                "comment",
                input.comment.as_deref().unwrap_or(""),
                COMMENT_MAX,
            ),
        )
            .all()?;
        let lines: Vec<NewScore<'_>> = scored
            .iter()
            .map(|(criterion, score, _)| NewScore {
                criterion,
                score: score.value().to_string(),
            })
            .collect();
        let (row, saved) = repo::insert_evaluation(
            &tx,
            &partner,
            &total.to_string(),
            &comment,
            &caller.login,
            &lines,
        )
        .await?;
        let view = evaluation_view(partner.code(), row, saved);
        self.audit(
            &tx,
            caller,
            "partner",
            partner.code(),
            "evaluate",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// A partner's evaluations, newest first.
    pub async fn evaluations(
        &self,
        caller: &Caller,
        partner_code: &str,
    ) -> Result<Vec<EvaluationView>, AppError> {
        caller.require(Permission::ViewOnboarding)?;
        let partner = self
            .visible(self.db(), caller, Area::Onboarding, partner_code)
            .await?;
        self.evaluations_of(&partner).await
    }

    /// The same for a partner its page has already found.
    pub async fn evaluations_shown(
        &self,
        caller: &Caller,
        shown: &crate::Shown,
    ) -> Result<Vec<EvaluationView>, AppError> {
        caller.require(Permission::ViewOnboarding)?;
        self.evaluations_of(shown.within(caller, Area::Onboarding)?)
            .await
    }

    async fn evaluations_of(
        &self,
        partner: &qudao_store::scope::Visible,
    ) -> Result<Vec<EvaluationView>, AppError> {
        Ok(repo::evaluations(self.db(), partner)
            .await?
            .into_iter()
            .map(|(row, scores)| evaluation_view(partner.code(), row, scores))
            .collect())
    }

    /// The recruitment board: prospects, screening, negotiating, and the
    /// partners signed out of negotiation in the last
    /// [`SIGNED_SHOWN_DAYS`] days, within the caller's scope.
    pub async fn pipeline(&self, caller: &Caller) -> Result<Pipeline, AppError> {
        caller.require(Permission::ViewOnboarding)?;
        let page = PageRequest::new(Some(1), Some(CARDS_PER_COLUMN));
        let mut pages = Vec::with_capacity(Stage::ALL.len());
        for stage in Stage::ALL {
            let since = qudao_store::now() - chrono::Duration::days(SIGNED_SHOWN_DAYS);
            let scope = scope_in(caller, Area::Onboarding);
            let rows = match stage {
                Stage::Signed => {
                    repo::moved_since(self.db(), scope, &["negotiating"], "active", since, page)
                        .await?
                }
                Stage::Lost => {
                    repo::moved_since(
                        self.db(),
                        scope,
                        &["prospect", "screening", "negotiating"],
                        "terminated",
                        since,
                        page,
                    )
                    .await?
                }
                other => {
                    repo::in_status(
                        self.db(),
                        scope_in(caller, Area::Onboarding),
                        other.status().as_str(),
                        page,
                    )
                    .await?
                }
            };
            pages.push((*stage, rows));
        }
        let rows: Vec<&partner::Model> = pages.iter().flat_map(|(_, p)| &p.items).collect();
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut owners: Vec<i64> = rows.iter().filter_map(|r| r.owner_id).collect();
        owners.sort_unstable();
        owners.dedup();
        let totals =
            repo::latest_totals(self.db(), scope_in(caller, Area::Onboarding), &ids).await?;
        let logins = repo::logins_of(self.db(), &owners).await?;
        let lost: Vec<i64> = pages
            .iter()
            .filter(|(stage, _)| *stage == Stage::Lost)
            .flat_map(|(_, p)| p.items.iter().map(|r| r.id))
            .collect();
        let reasons = repo::latest_reasons(
            self.db(),
            scope_in(caller, Area::Onboarding),
            &lost,
            PartnerStatus::Terminated.as_str(),
        )
        .await?;
        let names = crate::visibility::user_names(
            self.db(),
            logins.iter().map(|(_, login)| login.clone()).collect(),
        )
        .await?;
        let may_move = caller.can(Permission::MoveOnboardingCards);
        let columns = pages
            .into_iter()
            .map(|(stage, page)| {
                Ok(PipelineColumn {
                    stage,
                    total: page.total,
                    cards: page
                        .items
                        .iter()
                        .map(|row| {
                            let status = row.status()?;
                            let owner_login = row.owner_id.and_then(|id| {
                                logins
                                    .iter()
                                    .find(|(u, _)| *u == id)
                                    .map(|(_, l)| l.clone())
                            });
                            Ok(PipelineCard {
                                code: row.code.clone(),
                                name: row.name.clone(),
                                partner_type: row.partner_type()?,
                                status,
                                owner_name: owner_login
                                    .as_ref()
                                    .and_then(|login| names.get(login).cloned()),
                                owner_login,
                                latest_total: totals
                                    .iter()
                                    .find(|(p, _)| *p == row.id)
                                    .map(|(_, t)| t.clone()),
                                moves: if may_move {
                                    board_moves(status)
                                } else {
                                    Vec::new()
                                },
                                lost_reason: reasons
                                    .iter()
                                    .find(|(p, _)| *p == row.id)
                                    .map(|(_, r)| r.clone()),
                            })
                        })
                        .collect::<Result<_, qudao_store::StoreError>>()?,
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(Pipeline { columns })
    }

    /// Moves a card on the board: one stage on or back, signed from
    /// negotiating, or out to lost, with a reason, for a partner in the
    /// caller's scope (a sales rep moves the partners it covers). The
    /// partner's status history records the move like any status change.
    pub async fn move_card(
        &self,
        caller: &Caller,
        code: &str,
        input: &CardMoveInput,
    ) -> Result<CardMoved, AppError> {
        caller.require(Permission::MoveOnboardingCards)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Onboarding, code)
            .await?;
        let from = partner.row().status()?;
        let to = PartnerStatus::parse(&input.status);
        let reason = match &to {
            Ok(to) => board_move(from, *to, &input.reason),
            Err(_) => qudao_domain::partners::Reason::parse(&input.reason).map_err(|e| vec![e]),
        };
        let (to, reason) = (to, reason).all()?;
        let stage =
            Stage::of(to).ok_or_else(|| AppError::Internal(format!("no column for {to}")))?;
        let partner =
            qudao_store::partners::set_status(&tx, partner, to, reason.as_str(), &caller.login)
                .await?;
        let moved = CardMoved {
            code: partner.code().to_owned(),
            from,
            to,
            stage,
            reason: reason.as_str().to_owned(),
        };
        self.audit(
            &tx,
            caller,
            "partner",
            partner.code(),
            "move_card",
            None,
            Some(&moved),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(moved)
    }
}

fn evaluation_view(
    partner_code: &str,
    row: repo::evaluation::Model,
    scores: Vec<repo::evaluation_score::Model>,
) -> EvaluationView {
    EvaluationView {
        partner_code: partner_code.to_owned(),
        total: row.total,
        comment: row.comment,
        evaluated_by: row.evaluated_by,
        evaluated_at: row.evaluated_at,
        scores: scores
            .into_iter()
            .map(|s| ScoreLine {
                criterion_code: s.criterion_code,
                criterion_name: s.criterion_name,
                weight: s.weight,
                score: s.score,
            })
            .collect(),
    }
}
