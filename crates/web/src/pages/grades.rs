//! Grade pages: the ladder with its create and edit forms, and the grade
//! panel of a partner's page (badge, change form, history).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use qudao_app::grades::{GradeChange, GradeChangeInput, GradeInput, GradeView};
use qudao_app::{AppError, Permission};

use super::{PageForm, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/partners/grades", list)
        .post("/partners/grades", create)
        .get("/partners/grades/{code}", edit_form)
        .post("/partners/grades/{code}", update)
        .post("/partners/{code}/grade", change)
}

/// The partner page's grade section; `partners/_grade.html` shows it.
pub(crate) struct GradePanel {
    pub partner_code: String,
    pub current: Option<GradeView>,
    pub history: Vec<GradeChange>,
    /// Grades the caller may choose from; empty when they may not change it.
    pub choices: Vec<GradeView>,
    /// Every grade, for naming those in the history.
    all: Vec<GradeView>,
    pub input: GradeChangeInput,
    pub errors: Vec<(String, String)>,
}

impl GradePanel {
    pub(crate) async fn load(
        state: &AppState,
        ctx: &Ctx,
        shown: &qudao_app::Shown,
    ) -> Result<Self, PageError> {
        let (grade, all) = state.app.partner_grade_shown(&ctx.caller, shown).await?;
        let choices = if ctx.caller.can(Permission::ManagePartners) {
            all.clone()
        } else {
            Vec::new()
        };
        Ok(GradePanel {
            partner_code: grade.partner_code,
            current: grade.grade,
            history: grade.history,
            choices,
            all,
            input: GradeChangeInput::default(),
            errors: Vec::new(),
        })
    }

    pub fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    /// Whether the history carries our reasons and who changed it; the app
    /// leaves both out for partner users.
    pub fn shows_internal(&self) -> bool {
        self.history
            .iter()
            .any(|change| change.changed_by.is_some())
    }

    /// The grade's name in the page's language.
    pub fn name_of(&self, c: &Chrome, code: &str) -> String {
        self.all
            .iter()
            .find(|g| g.code == code)
            .map_or_else(|| code.to_owned(), |g| grade_name(c, g))
    }
}

/// A grade's name: the English one on English pages when it has one.
pub(crate) fn grade_name(c: &Chrome, grade: &GradeView) -> String {
    match (&grade.name_en, c.lang) {
        (Some(en), crate::i18n::Lang::En) => en.clone(),
        _ => grade.name.clone(),
    }
}

#[derive(Template)]
#[template(path = "partners/grades.html")]
struct ListPage {
    c: Chrome,
    grades: Vec<GradeView>,
    can_configure: bool,
    input: GradeInput,
    errors: Vec<(String, String)>,
}

impl ListPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    input: GradeInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let grades = state.app.grades(&ctx.caller).await?;
    let title = ctx.lang.t("grades.title").to_owned();
    let c = Chrome::new(
        ctx,
        "/partners/grades",
        title.clone(),
        vec![crumb(ctx.lang, "nav.partners", "/partners"), (title, None)],
    )
    .await?;
    render(&ListPage {
        c,
        grades,
        can_configure: ctx.caller.can(Permission::ConfigureGrades),
        input,
        errors,
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    list_page(&state, &ctx, GradeInput::default(), Vec::new()).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<GradeInput>,
) -> Result<Response, PageError> {
    let result = state.app.create_grade(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let name = crate::layout::pick(ctx.lang, Some(&view.name), view.name_en.as_deref());
            let text = ctx.lang.tf("grades.created", name);
            (text, "/partners/grades".to_owned())
        },
        async |errors| list_page(&state, &ctx, input, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "partners/grade_form.html")]
struct EditPage {
    c: Chrome,
    code: String,
    input: GradeInput,
    errors: Vec<(String, String)>,
}

impl EditPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn edit_page(
    ctx: &Ctx,
    code: String,
    input: GradeInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let c = Chrome::new(
        ctx,
        "/partners/grades",
        ctx.lang.tf("grades.edit", &code),
        vec![
            crumb(ctx.lang, "grades.title", "/partners/grades"),
            (code.clone(), None),
        ],
    )
    .await?;
    render(&EditPage {
        c,
        code,
        input,
        errors,
    })
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ConfigureGrades) {
        return Err(AppError::Forbidden.into());
    }
    let grade = state.app.grade(&ctx.caller, &code).await?;
    let input = GradeInput {
        code: grade.code.clone(),
        name: grade.name,
        name_en: grade.name_en,
        rank: grade.rank.to_string(),
        benefits: Some(grade.benefits),
        benefits_en: grade.benefits_en,
        promote_threshold: grade.promote_threshold,
        demote_threshold: grade.demote_threshold,
    };
    edit_page(&ctx, grade.code, input, Vec::new()).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<GradeInput>,
) -> Result<Response, PageError> {
    let result = state.app.update_grade(&ctx.caller, &code, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let name = crate::layout::pick(ctx.lang, Some(&view.name), view.name_en.as_deref());
            let text = ctx.lang.tf("grades.updated", name);
            (text, "/partners/grades".to_owned())
        },
        async |errors| edit_page(&ctx, code, input, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "partners/grade_change.html")]
struct ChangePage {
    c: Chrome,
    grade: GradePanel,
}

/// Changes a partner's grade. A refused change comes back on a page of its
/// own with the panel, the errors and what was typed.
async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<GradeChangeInput>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .change_partner_grade(&ctx.caller, &code, &input)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |grade| {
            let name = grade.grade.as_ref().map_or("", |g| {
                crate::layout::pick(ctx.lang, Some(g.name.as_str()), g.name_en.as_deref())
            });
            let text = ctx.lang.tf("grades.changed", name);
            (text, format!("/partners/{}", grade.partner_code))
        },
        async |errors| {
            let shown = state.app.shown(&ctx.caller, &code).await?;
            let mut grade = GradePanel::load(&state, &ctx, &shown).await?;
            grade.input = input;
            grade.errors = errors;
            let c = Chrome::new(
                &ctx,
                "/partners",
                ctx.lang.t("grades.change").to_owned(),
                vec![
                    crumb(ctx.lang, "nav.partners", "/partners"),
                    (
                        shown.name().to_owned(),
                        Some(format!("/partners/{}", grade.partner_code)),
                    ),
                    (ctx.lang.t("grades.change").to_owned(), None),
                ],
            )
            .await?;
            render(&ChangePage { c, grade })
        },
    )
    .await
}
