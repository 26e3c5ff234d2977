//! Awards (奖项): named rules over an evaluation run's stored results
//! (best partner of the year, sales champion, growth star, service
//! benchmark, best new partner…), each run of an award over one
//! evaluation run with its winners and the numbers behind the choice, and
//! what a partner sees of them. The rule is `domain::scorecards::winners`;
//! this module keeps awards, builds the candidates from what the
//! evaluation stored (it never scores again) and writes.
//!
//! Who sees what: awards and their runs are the company's and every
//! signed-in user may read them. Winners follow the scorecards' reach for
//! staff; a partner sees its own wins with their numbers and, when the
//! award is public, who else won (names only, never another's numbers).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::grades::{parse_label, parse_optional_label};
use qudao_domain::scope::DataScope;
use qudao_domain::score::Score;
use qudao_domain::scorecards::{
    self as rules, AwardGroup, AwardMeasure, AwardRule, Candidate, ScorecardSubject,
};
use qudao_store::Aggregate;
use qudao_store::awards::{
    self as repo, AwardRow, AwardRunRow, Grouping, NewAward, NewWinner, WinnerRow,
};
use qudao_store::scorecards::{self as cards, ResultReach, RunRow, Scored, TemplateRow};

use crate::analytics::QueryText;
use crate::{AppError, Caller, Permission, Qudao};

/// An award as a person or a program gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct AwardInput {
    pub name: String,
    /// The English name; the Chinese one is shown when absent.
    #[serde(default)]
    pub name_en: Option<String>,
    /// `total`, or a KPI's code: the best input in the KPI's direction wins.
    pub measure: String,
    /// `type`, `region` or `none`: places within each partner type, within
    /// each region, or once among all.
    pub per_group: String,
    /// Only partners (or reps) signed up within the evaluated period compete.
    #[serde(default)]
    pub new_only: bool,
    /// Subjects with a lower total do not compete (0–100).
    #[serde(default)]
    pub min_total: Option<String>,
    /// How many places are awarded, 1–10 (ties share a place).
    pub places: String,
    /// Every partner may see who won (names only).
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AwardView {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub measure: String,
    pub per_group: String,
    pub new_only: bool,
    pub min_total: Option<String>,
    pub places: u32,
    pub public: bool,
    pub updated_at: DateTime<Utc>,
}

/// One run of an award over an evaluation run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AwardRunView {
    pub id: i64,
    pub award_code: String,
    pub award_name: String,
    pub award_name_en: Option<String>,
    pub public: bool,
    pub evaluation_run_id: i64,
    pub period: String,
    pub template_name: String,
    /// `partner` or `rep`.
    pub subject: String,
    pub partner_type: Option<String>,
    /// The evaluation was of a period not yet over.
    pub provisional: bool,
    pub winners: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One winner: the place, who, the group won in and, to whom may see them,
/// the numbers behind the choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WinnerView {
    pub place: u32,
    /// `partner` or `rep`.
    pub subject: String,
    /// The partner's code or the rep's login.
    pub code: String,
    pub name: String,
    /// The partner type (or `rep`) won in, for an award per type.
    pub group_type: Option<String>,
    /// The region won in, for an award per region.
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    /// What was compared: `total` or the KPI's code.
    pub measure: String,
    /// The compared figure (the total, or the KPI's input); absent where
    /// the caller may not see this winner's numbers.
    pub value: Option<String>,
    pub total: Option<String>,
}

/// An award run with the winners the caller may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AwardRunDetail {
    pub run: AwardRunView,
    pub winners: Vec<WinnerView>,
}

/// A partner's awards: the places it won, and the latest winners list of
/// every public award.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MyAwardsView {
    pub won: Vec<AwardRunDetail>,
    pub public: Vec<AwardRunDetail>,
}

fn award_view(row: &AwardRow) -> AwardView {
    AwardView {
        code: row.code.clone(),
        name: row.name.clone(),
        name_en: row.name_en.clone(),
        measure: row.rule.measure.as_str().to_owned(),
        per_group: row.group.as_str().to_owned(),
        new_only: row.rule.new_only,
        min_total: row.rule.min_total.map(|s| s.to_string()),
        places: row.rule.places(),
        public: row.public,
        updated_at: row.updated_at,
    }
}

fn conflict(field: &'static str, rule: &'static str, with: impl Into<String>) -> Invalid {
    Invalid::new(
        field,
        Problem::Conflict {
            rule,
            with: with.into(),
        },
    )
}

/// Reads a typed award field by field; every problem is reported at once.
fn parse_award(
    input: &AwardInput,
) -> Result<(String, Option<String>, AwardRule, AwardGroup), AppError> {
    let name = parse_label("name", &input.name);
    let name_en = parse_optional_label("name_en", input.name_en.as_deref().unwrap_or(""));
    let measure = AwardMeasure::parse(&input.measure);
    let group = AwardGroup::parse(&input.per_group);
    let min_total = crate::non_empty(input.min_total.as_deref())
        .map(|v| Score::parse("min_total", v))
        .transpose();
    let places = match input.places.trim() {
        "" => Err(Invalid::new("places", Problem::Required)),
        text => text
            .parse::<u32>()
            .map_err(|_| Invalid::new("places", Problem::Format { expected: "3" })),
    };
    match (name, name_en, measure, group, min_total, places) {
        (Ok(name), Ok(name_en), Ok(measure), Ok(group), Ok(min_total), Ok(places)) => {
            let rule = AwardRule::new(
                measure,
                group != AwardGroup::Overall,
                input.new_only,
                min_total,
                places,
            )?;
            Ok((name, name_en, rule, group))
        }
        (a, b, c, d, e, f) => Err(AppError::Invalid(
            [a.err(), b.err(), c.err(), d.err(), e.err(), f.err()]
                .into_iter()
                .flatten()
                .collect(),
        )),
    }
}

fn check_code(code: &str) -> Result<(), Invalid> {
    if code.is_empty() {
        return Err(Invalid::new("code", Problem::Required));
    }
    if code.len() > 32
        || !code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(Invalid::new(
            "code",
            Problem::BadCharacters {
                allowed: "A-Z a-z 0-9 _ -",
            },
        ));
    }
    Ok(())
}

/// Names of the winners' partners, reps and regions.
struct Names {
    partners: HashMap<i64, (String, String)>,
    users: HashMap<i64, (String, String)>,
    regions: HashMap<i64, (String, String)>,
}

impl Names {
    fn of(&self, subject: Scored) -> (String, String) {
        match subject {
            Scored::Partner(id) => self.partners.get(&id),
            Scored::Rep(id) => self.users.get(&id),
        }
        .cloned()
        .unwrap_or_default()
    }
}

impl Qudao {
    /// Every award, by code.
    pub async fn awards(&self, caller: &Caller) -> Result<Vec<AwardView>, AppError> {
        caller.require(Permission::ViewScorecards)?;
        Ok(repo::awards(self.db())
            .await?
            .iter()
            .map(award_view)
            .collect())
    }

    pub async fn award(&self, caller: &Caller, code: &str) -> Result<AwardView, AppError> {
        caller.require(Permission::ViewScorecards)?;
        repo::award_by_code(self.db(), code.trim())
            .await?
            .map(|a| award_view(&a))
            .ok_or(AppError::NotFound("award"))
    }

    /// Creates the award with this code, or replaces an existing one's
    /// names and rule. Runs already made keep the winners they chose.
    pub async fn save_award(
        &self,
        caller: &Caller,
        code: &str,
        input: &AwardInput,
    ) -> Result<AwardView, AppError> {
        caller.require(Permission::ManageScorecards)?;
        let code = code.trim();
        let parsed = parse_award(input);
        let (name, name_en, rule, group) = match (check_code(code), parsed) {
            (Ok(()), Ok(parsed)) => parsed,
            (Err(bad), Ok(_)) => return Err(bad.into()),
            (Ok(()), Err(e)) => return Err(e),
            (Err(bad), Err(AppError::Invalid(mut problems))) => {
                problems.insert(0, bad);
                return Err(AppError::Invalid(problems));
            }
            (Err(_), Err(e)) => return Err(e),
        };
        let award = NewAward {
            name: &name,
            name_en: name_en.as_deref(),
            rule,
            group,
            public: input.public,
        };
        let tx = self.write().await?;
        tx.lock(Aggregate::Scorecards).await?;
        let before = repo::award_for_write(&tx, code).await?;
        match &before {
            Some(old) => repo::update_award(&tx, old.id, &award).await?,
            None => {
                repo::insert_award(&tx, code, &award, &caller.login).await?;
            }
        }
        let after = repo::award_by_code(&tx, code)
            .await?
            .ok_or(AppError::NotFound("award"))?;
        let view = award_view(&after);
        self.audit(
            &tx,
            caller,
            "award",
            code,
            if before.is_some() { "update" } else { "create" },
            before.as_ref().map(award_view).as_ref(),
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Chooses an award's winners from an evaluation run's stored results
    /// and stores them with their numbers. An award runs once over an
    /// evaluation: the same stored results would choose the same winners,
    /// so a second run is refused (`award_already_run`); a new evaluation
    /// run is what gives new winners.
    pub async fn run_award(
        &self,
        caller: &Caller,
        code: &str,
        evaluation_run_id: i64,
    ) -> Result<AwardRunDetail, AppError> {
        caller.require(Permission::ManageScorecards)?;
        let award = repo::award_by_code(self.db(), code.trim())
            .await?
            .ok_or(AppError::NotFound("award"))?;
        let (run, template) = match self.run_and_template(evaluation_run_id).await {
            Ok(found) => found,
            Err(AppError::NotFound(_)) => {
                return Err(conflict(
                    "run",
                    "award_evaluation_unknown",
                    evaluation_run_id.to_string(),
                )
                .into());
            }
            Err(e) => return Err(e),
        };
        if let AwardMeasure::Kpi(kpi) = award.rule.measure
            && !template.template.kpis().iter().any(|k| k.code == kpi)
        {
            return Err(conflict("run", "award_kpi_not_in_template", template.name.clone()).into());
        }
        if award.group == AwardGroup::Region && template.subject() == ScorecardSubject::Rep {
            return Err(Invalid::new(
                "run",
                Problem::Rule {
                    rule: "award_reps_have_no_region",
                },
            )
            .into());
        }
        let winners = self.choose(&award, &run, &template).await?;
        let tx = self.write().await?;
        tx.lock(Aggregate::Scorecards).await?;
        if let Some(done) = repo::run_of(&tx, award.id, run.id).await? {
            return Err(conflict("run", "award_already_run", format!("#{}", done.id)).into());
        }
        let stored = repo::insert_run(&tx, award.id, run.id, &winners, &caller.login).await?;
        #[derive(Serialize)]
        struct Audited<'a> {
            award: &'a str,
            evaluation_run: i64,
            winners: usize,
        }
        self.audit(
            &tx,
            caller,
            "award_run",
            &stored.id.to_string(),
            "run",
            None,
            Some(&Audited {
                award: &award.code,
                evaluation_run: run.id,
                winners: winners.len(),
            }),
        )
        .await?;
        crate::commit(tx).await?;
        self.award_run(caller, stored.id).await
    }

    /// The candidates from what the evaluation stored, and the winners the
    /// domain's rule picks among them.
    async fn choose(
        &self,
        award: &AwardRow,
        run: &RunRow,
        template: &TemplateRow,
    ) -> Result<Vec<NewWinner>, AppError> {
        let every = ResultReach {
            scope: DataScope::All,
            reps: Some(None),
        };
        let results = cards::results(self.db(), every, run.id).await?;
        let (partners, users): (Vec<Scored>, Vec<Scored>) = results
            .iter()
            .map(|r| r.subject)
            .partition(|s| matches!(s, Scored::Partner(_)));
        let ids = |list: &[Scored]| -> Vec<i64> {
            list.iter()
                .map(|s| match s {
                    Scored::Partner(id) | Scored::Rep(id) => *id,
                })
                .collect()
        };
        let (partner_ids, user_ids) = (ids(&partners), ids(&users));
        let names = self.names(&partner_ids, &user_ids, &[]).await?;
        let created = repo::created_at(self.db(), &partner_ids, &user_ids).await?;
        // The period's days as the evaluation read them (fiscal years).
        let text = QueryText {
            measures: vec!["sell_in_amount".to_owned()],
            period: Some(run.period.to_string()),
            ..QueryText::default()
        };
        let (first, last) = self.analytics_months(&text).await?;
        let (first, last) = (first.first_day(), last.last_day());
        let zone = crate::time_zone();
        let type_group = template
            .partner_type
            .map_or("rep", |t| t.as_str())
            .to_owned();
        let mut by_code: HashMap<String, Scored> = HashMap::new();
        let mut candidates = Vec::with_capacity(results.len());
        for row in results {
            let group = match award.group {
                AwardGroup::Overall => None,
                AwardGroup::Type => Some(Grouping::Type(type_group.clone())),
                // Best in a region is for those who have one.
                AwardGroup::Region => match row.region_id {
                    Some(region) => Some(Grouping::Region(region)),
                    None => continue,
                },
            };
            let (code, _) = names.of(row.subject);
            let signed_in_period = created.get(&row.subject).is_some_and(|at| {
                let day = at.with_timezone(&zone).date_naive();
                first <= day && day <= last
            });
            by_code.insert(code.clone(), row.subject);
            candidates.push(Candidate {
                group,
                code,
                signed_in_period,
                evaluation: row.evaluation,
            });
        }
        Ok(rules::winners(&award.rule, &candidates)
            .into_iter()
            .filter_map(|w| {
                Some(NewWinner {
                    subject: *by_code.get(&w.code)?,
                    group: w.group.flatten(),
                    place: w.place,
                    measure: award.rule.measure,
                    value: w.value,
                    total: w.total,
                })
            })
            .collect())
    }

    async fn names(
        &self,
        partner_ids: &[i64],
        user_ids: &[i64],
        region_ids: &[i64],
    ) -> Result<Names, AppError> {
        let db = self.db();
        Ok(Names {
            partners: crate::scorecards::partner_names(db, partner_ids).await?,
            users: qudao_store::admin::logins_by_id(db, user_ids).await?,
            regions: qudao_store::territories::regions_by_ids(db, region_ids)
                .await?
                .into_iter()
                .map(|r| (r.id, (r.code, r.name)))
                .collect(),
        })
    }

    async fn run_view(&self, run: &AwardRunRow) -> Result<AwardRunView, AppError> {
        let award = repo::award_by_id(self.db(), run.award_id)
            .await?
            .ok_or(AppError::NotFound("award run"))?;
        let (evaluation, template) = self.run_and_template(run.evaluation_run_id).await?;
        Ok(AwardRunView {
            id: run.id,
            award_code: award.code,
            award_name: award.name,
            award_name_en: award.name_en,
            public: award.public,
            evaluation_run_id: evaluation.id,
            period: evaluation.period.to_string(),
            template_name: template.name.clone(),
            subject: template.subject().as_str().to_owned(),
            partner_type: template.partner_type.map(|t| t.as_str().to_owned()),
            provisional: evaluation.provisional,
            winners: run.winners,
            created_by: run.created_by.clone(),
            created_at: run.created_at,
        })
    }

    /// Winner rows as views; `numbers` says whose numbers may be shown.
    async fn winner_views(
        &self,
        rows: Vec<WinnerRow>,
        numbers: impl Fn(Scored) -> bool,
    ) -> Result<Vec<WinnerView>, AppError> {
        let mut partner_ids = Vec::new();
        let mut user_ids = Vec::new();
        let mut region_ids = Vec::new();
        for row in &rows {
            match row.subject {
                Scored::Partner(id) => partner_ids.push(id),
                Scored::Rep(id) => user_ids.push(id),
            }
            if let Some(Grouping::Region(id)) = row.group {
                region_ids.push(id);
            }
        }
        region_ids.sort_unstable();
        region_ids.dedup();
        let names = self.names(&partner_ids, &user_ids, &region_ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let (code, name) = names.of(row.subject);
                let region = match &row.group {
                    Some(Grouping::Region(id)) => names.regions.get(id),
                    _ => None,
                };
                let shown = numbers(row.subject);
                WinnerView {
                    place: row.place,
                    subject: match row.subject {
                        Scored::Partner(_) => "partner",
                        Scored::Rep(_) => "rep",
                    }
                    .to_owned(),
                    code,
                    name,
                    group_type: match &row.group {
                        Some(Grouping::Type(t)) => Some(t.clone()),
                        _ => None,
                    },
                    region_code: region.map(|r| r.0.clone()),
                    region_name: region.map(|r| r.1.clone()),
                    measure: row.measure.as_str().to_owned(),
                    value: shown.then(|| row.value.normalize().to_string()),
                    total: shown.then(|| row.total.to_string()),
                }
            })
            .collect())
    }

    /// An award run with the winners the caller may see: staff those in
    /// their scorecards' reach with the numbers; a partner its own place
    /// and, for a public award, every winner's name.
    pub async fn award_run(&self, caller: &Caller, id: i64) -> Result<AwardRunDetail, AppError> {
        caller.require(Permission::ViewScorecards)?;
        let row = repo::run_by_id(self.db(), id)
            .await?
            .ok_or(AppError::NotFound("award run"))?;
        let mut run = self.run_view(&row).await?;
        let winners = match caller.partner_id {
            Some(own) if caller.role.is_partner_role() => {
                let own = Scored::Partner(own.0);
                let every = ResultReach {
                    scope: DataScope::All,
                    reps: None,
                };
                let rows: Vec<_> = repo::winners(self.db(), every, row.id)
                    .await?
                    .into_iter()
                    .filter(|w| run.public || w.subject == own)
                    .collect();
                // Of an award that is not public, not even how many others won.
                run.winners = i32::try_from(rows.len()).unwrap_or(i32::MAX);
                self.winner_views(rows, |s| s == own).await?
            }
            _ => {
                let rows = repo::winners(self.db(), Self::result_reach(caller), row.id).await?;
                self.winner_views(rows, |_| true).await?
            }
        };
        Ok(AwardRunDetail { run, winners })
    }

    /// Award runs, newest first; of one award when given.
    pub async fn award_runs(
        &self,
        caller: &Caller,
        award: Option<&str>,
    ) -> Result<Vec<AwardRunView>, AppError> {
        caller.require(Permission::ViewScorecards)?;
        let award_id = match crate::non_empty(award) {
            Some(code) => Some(
                repo::award_by_code(self.db(), code)
                    .await?
                    .ok_or(AppError::NotFound("award"))?
                    .id,
            ),
            None => None,
        };
        // A partner's people see the runs of public awards and those their
        // organisation won a place in, counting only their own places.
        let own_places: Option<HashMap<i64, i32>> =
            match caller.partner_id.filter(|_| caller.role.is_partner_role()) {
                Some(own) => {
                    let mut places = HashMap::new();
                    for win in repo::wins_of_partner(self.db(), own.0).await? {
                        *places.entry(win.award_run_id).or_insert(0) += 1;
                    }
                    Some(places)
                }
                None => None,
            };
        let mut views = Vec::new();
        for run in repo::runs(self.db(), award_id, 200).await? {
            let mut view = self.run_view(&run).await?;
            if let Some(places) = &own_places
                && !view.public
            {
                match places.get(&run.id) {
                    Some(own) => view.winners = *own,
                    None => continue,
                }
            }
            views.push(view);
        }
        Ok(views)
    }

    /// A partner user's awards: every place its organisation won, and the
    /// latest run of every public award. Staff have none.
    pub async fn my_awards(&self, caller: &Caller) -> Result<MyAwardsView, AppError> {
        caller.require(Permission::ViewScorecards)?;
        let mut view = MyAwardsView {
            won: Vec::new(),
            public: Vec::new(),
        };
        let Some(partner) = caller.partner_id.filter(|_| caller.role.is_partner_role()) else {
            return Ok(view);
        };
        let mut runs: Vec<i64> = repo::wins_of_partner(self.db(), partner.0)
            .await?
            .into_iter()
            .map(|w| w.award_run_id)
            .collect();
        runs.dedup();
        for id in runs {
            let mut detail = self.award_run(caller, id).await?;
            detail.winners.retain(|w| w.value.is_some());
            view.won.push(detail);
        }
        for award in repo::awards(self.db())
            .await?
            .into_iter()
            .filter(|a| a.public)
        {
            if let Some(latest) = repo::runs(self.db(), Some(award.id), 1).await?.pop() {
                view.public.push(self.award_run(caller, latest.id).await?);
            }
        }
        Ok(view)
    }
}
