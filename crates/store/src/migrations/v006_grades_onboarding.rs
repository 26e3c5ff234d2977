use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Query, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// One of the grades a new database starts with.
struct DefaultGrade {
    code: &'static str,
    /// 中文名
    name: &'static str,
    name_en: &'static str,
    rank: i32,
    benefits: &'static str,
    promote: Option<&'static str>,
    demote: Option<&'static str>,
}

/// The grades this version seeds, frozen here: a later change to the
/// ladder is a new version, never an edit of this list. Thresholds leave a band between demotion and
/// promotion so a partner near a line does not flip every period.
const DEFAULT_GRADES: &[DefaultGrade] = &[
    DefaultGrade {
        code: "registered",
        name: "注册",
        name_en: "Registered",
        rank: 10,
        benefits: "Partner portal, standard price list, online training",
        promote: Some("60"),
        demote: None,
    },
    DefaultGrade {
        code: "silver",
        name: "银牌",
        name_en: "Silver",
        rank: 20,
        benefits: "Base rebate, co-branded materials, quarterly business review",
        promote: Some("75"),
        demote: Some("50"),
    },
    DefaultGrade {
        code: "gold",
        name: "金牌",
        name_en: "Gold",
        rank: 30,
        benefits: "Higher rebate, market development funds, deal registration priority",
        promote: Some("88"),
        demote: Some("65"),
    },
    DefaultGrade {
        code: "platinum",
        name: "白金",
        name_en: "Platinum",
        rank: 40,
        benefits: "Top rebate, dedicated channel manager, exclusive territory eligibility",
        promote: None,
        demote: Some("80"),
    },
];

/// The criteria a new database starts with: (code, 中文名, English name, weight).
const DEFAULT_CRITERIA: &[(&str, &str, &str, &str)] = &[
    ("market_coverage", "市场覆盖", "Market coverage", "20"),
    ("sales_capability", "销售能力", "Sales capability", "20"),
    ("credit_standing", "资信状况", "Credit standing", "15"),
    (
        "industry_experience",
        "行业经验",
        "Industry experience",
        "15",
    ),
    ("financial_health", "财务状况", "Financial health", "20"),
    ("culture_fit", "文化契合", "Culture fit", "10"),
];

pub(super) fn v6_grades_onboarding(backend: DatabaseBackend) -> Vec<Statement> {
    let grades = Table::create()
        .table("grades")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("name_en").string_len(100).null())
        .col(ColumnDef::new("rank").integer().not_null().unique_key())
        .col(ColumnDef::new("benefits").text().not_null())
        // Scores as decimal text (`75`, `82.5`): exact on both databases.
        .col(ColumnDef::new("promote_threshold").string_len(16).null())
        .col(ColumnDef::new("demote_threshold").string_len(16).null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .to_owned();
    // Both databases accept a nullable column with a reference added to an
    // existing table in this one form (SQLite cannot add a constraint later).
    let partner_grade = Statement::from_string(
        backend,
        "ALTER TABLE partners ADD COLUMN grade_id BIGINT NULL REFERENCES grades (id)",
    );
    let history = Table::create()
        .table("partner_grade_history")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("from_grade_id").big_integer().null())
        .col(ColumnDef::new("to_grade_id").big_integer().not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("changed_by").string_len(64).not_null())
        .col(instant("changed_at"))
        .foreign_key(
            ForeignKey::create()
                .from("partner_grade_history", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("partner_grade_history", "from_grade_id")
                .to("grades", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("partner_grade_history", "to_grade_id")
                .to("grades", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let criteria = Table::create()
        .table("onboarding_criteria")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("name_en").string_len(100).null())
        .col(ColumnDef::new("weight").string_len(16).not_null())
        .col(ColumnDef::new("active").boolean().not_null().default(true))
        .col(ColumnDef::new("position").integer().not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .to_owned();
    let evaluations = Table::create()
        .table("onboarding_evaluations")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("total").string_len(16).not_null())
        .col(ColumnDef::new("comment").text().not_null())
        .col(ColumnDef::new("evaluated_by").string_len(64).not_null())
        .col(instant("evaluated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("onboarding_evaluations", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    // Each score keeps the criterion's code, name and weight as they were,
    // so a later change of weights never rewrites a past total.
    let scores = Table::create()
        .table("onboarding_evaluation_scores")
        .col(id())
        .col(ColumnDef::new("evaluation_id").big_integer().not_null())
        .col(ColumnDef::new("criterion_id").big_integer().not_null())
        .col(ColumnDef::new("criterion_code").string_len(32).not_null())
        .col(ColumnDef::new("criterion_name").string_len(100).not_null())
        .col(ColumnDef::new("weight").string_len(16).not_null())
        .col(ColumnDef::new("score").string_len(16).not_null())
        .foreign_key(
            ForeignKey::create()
                .from("onboarding_evaluation_scores", "evaluation_id")
                .to("onboarding_evaluations", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("onboarding_evaluation_scores", "criterion_id")
                .to("onboarding_criteria", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let mut statements = vec![
        backend.build(&grades),
        partner_grade,
        backend.build(&history),
        backend.build(&criteria),
        backend.build(&evaluations),
        backend.build(&scores),
    ];
    statements.extend(
        [
            ("partners", "grade_id"),
            ("partner_grade_history", "partner_id"),
            ("onboarding_evaluations", "partner_id"),
            ("onboarding_evaluation_scores", "evaluation_id"),
        ]
        .map(|(table, column)| index(backend, table, column)),
    );
    let now = crate::now();
    let mut seed_grades = Query::insert()
        .into_table("grades")
        .columns([
            "code",
            "name",
            "name_en",
            "rank",
            "benefits",
            "promote_threshold",
            "demote_threshold",
            "created_at",
            "updated_at",
        ])
        .to_owned();
    for g in DEFAULT_GRADES {
        seed_grades.values_panic([
            g.code.into(),
            g.name.into(),
            g.name_en.into(),
            g.rank.into(),
            g.benefits.into(),
            g.promote.map(str::to_owned).into(),
            g.demote.map(str::to_owned).into(),
            now.into(),
            now.into(),
        ]);
    }
    let mut seed_criteria = Query::insert()
        .into_table("onboarding_criteria")
        .columns([
            "code",
            "name",
            "name_en",
            "weight",
            "active",
            "position",
            "created_at",
            "updated_at",
        ])
        .to_owned();
    for (position, (code, name, name_en, weight)) in (1i32..).zip(DEFAULT_CRITERIA) {
        seed_criteria.values_panic([
            (*code).into(),
            (*name).into(),
            (*name_en).into(),
            (*weight).into(),
            true.into(),
            (position * 10).into(),
            now.into(),
            now.into(),
        ]);
    }
    statements.push(backend.build(&seed_grades));
    statements.push(backend.build(&seed_criteria));
    statements
}

#[cfg(test)]
mod tests {
    use super::{DEFAULT_CRITERIA, DEFAULT_GRADES};
    use qudao_domain::grades::{GradeCode, Rank, Thresholds, parse_label, parse_text};
    use qudao_domain::onboarding::{CriterionCode, Weight};

    #[test]
    fn the_seeded_grades_and_criteria_obey_the_domain_rules() {
        let mut ranks = Vec::new();
        for g in DEFAULT_GRADES {
            GradeCode::parse("code", g.code).unwrap();
            parse_label("name", g.name).unwrap();
            parse_label("name_en", g.name_en).unwrap();
            parse_text("benefits", g.benefits, 2000).unwrap();
            ranks.push(Rank::new(g.rank).unwrap());
            Thresholds::parse(g.promote.unwrap_or(""), g.demote.unwrap_or("")).unwrap();
        }
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
        for (code, name, name_en, w) in DEFAULT_CRITERIA {
            CriterionCode::parse("code", code).unwrap();
            parse_label("name", name).unwrap();
            parse_label("name_en", name_en).unwrap();
            Weight::parse(w).unwrap();
        }
    }
}
