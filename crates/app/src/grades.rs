//! Grades (渠道等级): the configurable grade ladder and each partner's grade
//! with its history. Admins configure the ladder; admins and channel managers
//! change a partner's grade (within their scope, always with a reason);
//! everyone reads what their scope shows.

use chrono::{DateTime, Utc};
use qudao_domain::grades::{
    GradeCode, Rank, Thresholds, parse_label, parse_optional_label, parse_text,
};
use qudao_domain::partners::Reason;
use qudao_domain::score::Score;
use qudao_domain::{Invalid, Problem};
use qudao_store::grades::{self as repo, GradeFields, grade};
use qudao_store::scope::Visible;

use crate::scope::Area;
use qudao_store::{ConnectionTrait, WriteTx};
use serde::{Deserialize, Serialize};

use crate::error::{AllFields, given, rule};
use crate::text::{optional_text_or_number, text_or_number};
use crate::{AppError, Caller, Permission, Qudao};

/// Longest benefits text a grade may carry.
const BENEFITS_MAX: usize = 2000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GradeView {
    pub code: String,
    /// The name in Chinese (or the only name).
    pub name: String,
    pub name_en: Option<String>,
    /// Higher is better; unique among grades.
    pub rank: i32,
    /// What the grade brings, in Chinese (or the only text).
    pub benefits: String,
    pub benefits_en: Option<String>,
    /// A partner holding this grade is promoted at this score or above.
    pub promote_threshold: Option<String>,
    /// A partner holding this grade is demoted below this score.
    pub demote_threshold: Option<String>,
}

/// A grade to create, or a grade's new values (the code is then ignored).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct GradeInput {
    #[serde(default)]
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(deserialize_with = "text_or_number")]
    #[schema(value_type = String, example = "30")]
    pub rank: String,
    #[serde(default)]
    pub benefits: Option<String>,
    #[serde(default)]
    pub benefits_en: Option<String>,
    /// A score 0–100, or empty for none.
    #[serde(default, deserialize_with = "optional_text_or_number")]
    #[schema(value_type = Option<String>, example = "88")]
    pub promote_threshold: Option<String>,
    /// A score 0–100 below the promotion threshold, or empty for none.
    #[serde(default, deserialize_with = "optional_text_or_number")]
    #[schema(value_type = Option<String>, example = "65")]
    pub demote_threshold: Option<String>,
}

/// A requested change of a partner's grade.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct GradeChangeInput {
    /// The new grade's code.
    #[serde(default)]
    pub grade: String,
    /// Required; absent counts as empty so the answer names the field.
    #[serde(default)]
    pub reason: String,
}

/// A partner's grade now and how it got there.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerGrade {
    pub partner_code: String,
    pub grade: Option<GradeView>,
    /// Every change, oldest first.
    pub history: Vec<GradeChange>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GradeChange {
    /// Absent for a partner's first grade.
    pub from: Option<String>,
    pub to: String,
    /// Why; absent for partner users, who never see our internal reasons.
    pub reason: Option<String>,
    /// Login of who changed it; absent for partner users.
    pub changed_by: Option<String>,
    /// Display name of who changed it; absent for partner users.
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
}

fn view_of(row: &grade::Model) -> GradeView {
    GradeView {
        code: row.code.clone(),
        name: row.name.clone(),
        name_en: row.name_en.clone(),
        rank: row.rank,
        benefits: row.benefits.clone(),
        benefits_en: row.benefits_en.clone(),
        promote_threshold: row.promote_threshold.clone(),
        demote_threshold: row.demote_threshold.clone(),
    }
}

/// A grade's fields, parsed, with every field error collected.
struct Parsed {
    name: String,
    name_en: Option<String>,
    rank: Rank,
    benefits: String,
    benefits_en: Option<String>,
    thresholds: Thresholds,
}

fn stored(score: Option<Score>) -> Option<String> {
    score.map(|s| s.value().to_string())
}

impl Qudao {
    /// The grade ladder, best first. Everyone signed in may read it: partners
    /// see what the next level would bring.
    pub async fn grades(&self, caller: &Caller) -> Result<Vec<GradeView>, AppError> {
        caller.require(Permission::ViewPartners)?;
        Ok(repo::list(self.db()).await?.iter().map(view_of).collect())
    }

    pub async fn grade(&self, caller: &Caller, code: &str) -> Result<GradeView, AppError> {
        caller.require(Permission::ViewPartners)?;
        Ok(view_of(&self.grade_row(self.db(), code).await?))
    }

    async fn grade_row(
        &self,
        db: &impl ConnectionTrait,
        code: &str,
    ) -> Result<grade::Model, AppError> {
        let code = GradeCode::parse("code", code).map_err(|_| AppError::NotFound("grade"))?;
        repo::find_by_code(db, code.as_str())
            .await?
            .ok_or(AppError::NotFound("grade"))
    }

    async fn parse_grade(
        &self,
        db: &impl ConnectionTrait,
        input: &GradeInput,
        except: Option<i64>,
    ) -> Result<Result<Parsed, Vec<Invalid>>, AppError> {
        let rank = Rank::parse(&input.rank);
        let holder = match &rank {
            Ok(rank) => repo::find_by_rank(db, rank.value(), except).await?,
            Err(_) => None,
        };
        let rank_free = match holder {
            None => Ok(()),
            Some(holder) => Err(Invalid::new(
                "rank",
                Problem::Conflict {
                    rule: "grade_rank_unique",
                    with: holder.code,
                },
            )),
        };
        let parsed = (
            parse_label("name", &input.name),
            parse_optional_label("name_en", input.name_en.as_deref().unwrap_or("")),
            rank,
            parse_text(
                "benefits",
                input.benefits.as_deref().unwrap_or(""),
                BENEFITS_MAX,
            ),
            parse_text(
                "benefits_en",
                input.benefits_en.as_deref().unwrap_or(""),
                BENEFITS_MAX,
            ),
            Thresholds::parse(
                input.promote_threshold.as_deref().unwrap_or(""),
                input.demote_threshold.as_deref().unwrap_or(""),
            ),
            rank_free,
        )
            .all();
        Ok(parsed.map(
            |(name, name_en, rank, benefits, benefits_en, thresholds, ())| Parsed {
                name,
                name_en,
                rank,
                benefits,
                benefits_en: Some(benefits_en).filter(|text| !text.is_empty()),
                thresholds,
            },
        ))
    }

    /// Adds a level to the ladder (admins).
    pub async fn create_grade(
        &self,
        caller: &Caller,
        input: &GradeInput,
    ) -> Result<GradeView, AppError> {
        caller.require(Permission::ConfigureGrades)?;
        let tx = self.write().await?;
        let (code, p) = (
            GradeCode::parse("code", &input.code),
            self.parse_grade(&tx, input, None).await?,
        )
            .all()?;
        let row = repo::insert(&tx, code.as_str(), grade_fields(&p))
            .await
            .map_err(|e| match e {
                qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "code" },
                other => other.into(),
            })?;
        let view = view_of(&row);
        self.audit(
            &tx,
            caller,
            "grade",
            &view.code,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Changes a grade's names, rank, benefits or thresholds (admins). The
    /// code stays: imports and history refer to it.
    pub async fn update_grade(
        &self,
        caller: &Caller,
        code: &str,
        input: &GradeInput,
    ) -> Result<GradeView, AppError> {
        caller.require(Permission::ConfigureGrades)?;
        let tx = self.write().await?;
        let row = self.grade_row(&tx, code).await?;
        let p = self.parse_grade(&tx, input, Some(row.id)).await??;
        let before = view_of(&row);
        let row = repo::update(&tx, row, grade_fields(&p))
            .await
            .map_err(|e| match e {
                qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "rank" },
                other => other.into(),
            })?;
        let after = view_of(&row);
        self.audit(
            &tx,
            caller,
            "grade",
            &after.code,
            "update",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// A partner's grade and its history; outside the scope it does not exist.
    pub async fn partner_grade(
        &self,
        caller: &Caller,
        partner_code: &str,
    ) -> Result<PartnerGrade, AppError> {
        caller.require(Permission::ViewPartners)?;
        let partner = self
            .visible(self.db(), caller, Area::Grades, partner_code)
            .await?;
        self.partner_grade_of(caller, &partner).await
    }

    /// The same for a partner its page has already found, with every
    /// grade (the panel names them all), read once.
    pub async fn partner_grade_shown(
        &self,
        caller: &Caller,
        shown: &crate::Shown,
    ) -> Result<(PartnerGrade, Vec<GradeView>), AppError> {
        caller.require(Permission::ViewPartners)?;
        let partner = shown.within(caller, Area::Grades)?;
        let grades = repo::list(self.db()).await?;
        let grade = self.partner_grade_among(caller, partner, &grades).await?;
        Ok((grade, grades.iter().map(view_of).collect()))
    }

    async fn partner_grade_of(
        &self,
        caller: &Caller,
        partner: &Visible,
    ) -> Result<PartnerGrade, AppError> {
        let grades = repo::list(self.db()).await?;
        self.partner_grade_among(caller, partner, &grades).await
    }

    async fn partner_grade_among(
        &self,
        caller: &Caller,
        partner: &Visible,
        grades: &[grade::Model],
    ) -> Result<PartnerGrade, AppError> {
        let code_of = |id: i64| {
            grades
                .iter()
                .find(|g| g.id == id)
                .map_or_else(String::new, |g| g.code.clone())
        };
        let current = repo::grade_of(self.db(), partner).await?;
        let rows = repo::history(self.db(), partner).await?;
        let internal = crate::visibility::sees_internal(caller);
        let names = if internal {
            let logins = rows.iter().map(|r| r.changed_by.clone()).collect();
            crate::visibility::user_names(self.db(), logins).await?
        } else {
            Default::default()
        };
        let history = rows
            .into_iter()
            .map(|row| GradeChange {
                from: row.from_grade_id.map(code_of),
                to: code_of(row.to_grade_id),
                changed_by_name: names.get(&row.changed_by).cloned(),
                reason: internal.then_some(row.reason),
                changed_by: internal.then_some(row.changed_by),
                changed_at: row.changed_at,
            })
            .collect();
        Ok(PartnerGrade {
            partner_code: partner.code().to_owned(),
            grade: current.and_then(|id| grades.iter().find(|g| g.id == id).map(view_of)),
            history,
        })
    }

    /// Gives a partner another grade, with a reason (admins and channel
    /// managers, within their scope).
    pub async fn change_partner_grade(
        &self,
        caller: &Caller,
        partner_code: &str,
        input: &GradeChangeInput,
    ) -> Result<PartnerGrade, AppError> {
        caller.require(Permission::ManagePartners)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Grades, partner_code)
            .await?;
        let grade = self.grade_by_code(&tx, &input.grade).await?;
        let current = repo::grade_of(&tx, &partner).await?;
        let changes = given(grade.as_ref().ok(), |g| {
            rule(Some(g.id) != current, || {
                Invalid::new(
                    "grade",
                    Problem::Rule {
                        rule: "grade_unchanged",
                    },
                )
            })
        });
        let (grade, reason, ()) = (grade, Reason::parse(&input.reason), changes).all()?;
        self.set_partner_grade_in(&tx, caller, &partner, &grade, &reason)
            .await?;
        crate::commit(tx).await?;
        self.partner_grade_of(caller, &partner).await
    }

    /// The grade with this code, or the field error an input row shows.
    /// Imports resolve each row's `grade` column with this.
    pub(crate) async fn grade_by_code(
        &self,
        db: &impl ConnectionTrait,
        raw: &str,
    ) -> Result<Result<grade::Model, Invalid>, AppError> {
        let missing = || {
            Invalid::new(
                "grade",
                Problem::Rule {
                    rule: "grade_must_exist",
                },
            )
        };
        let code = match GradeCode::parse("grade", raw) {
            Ok(code) => code,
            Err(invalid) if invalid.problem == Problem::Required => return Ok(Err(invalid)),
            Err(_) => return Ok(Err(missing())),
        };
        Ok(repo::find_by_code(db, code.as_str())
            .await?
            .ok_or_else(missing))
    }

    /// Sets a partner's grade inside an existing transaction: the grade, a
    /// history row and the audit record. The caller has checked permission
    /// and scope. Returns false (and writes nothing) when the partner already
    /// holds the grade, so a re-run import changes nothing.
    pub(crate) async fn set_partner_grade_in(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        partner: &Visible,
        grade: &grade::Model,
        reason: &Reason,
    ) -> Result<bool, AppError> {
        let from = repo::grade_of(tx, partner).await?;
        if from == Some(grade.id) {
            return Ok(false);
        }
        let from_code = match from {
            Some(id) => repo::find_by_id(tx, id).await?.map(|g| g.code),
            None => None,
        };
        repo::set_partner_grade(tx, partner, from, grade.id, reason.as_str(), &caller.login)
            .await?;
        #[derive(Serialize)]
        struct Audited<'a> {
            grade: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<&'a str>,
        }
        self.audit(
            tx,
            caller,
            "partner",
            partner.code(),
            "change_grade",
            Some(&Audited {
                grade: from_code.as_deref(),
                reason: None,
            }),
            Some(&Audited {
                grade: Some(&grade.code),
                reason: Some(reason.as_str()),
            }),
        )
        .await?;
        Ok(true)
    }
}

fn grade_fields(p: &Parsed) -> GradeFields<'_> {
    GradeFields {
        name: &p.name,
        name_en: p.name_en.as_deref(),
        rank: p.rank.value(),
        benefits: &p.benefits,
        benefits_en: p.benefits_en.as_deref(),
        promote_threshold: stored(p.thresholds.promote),
        demote_threshold: stored(p.thresholds.demote),
    }
}
