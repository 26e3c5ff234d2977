use sea_orm::sea_query::{ColumnDef, Expr, ExprTrait, Query, Table};
use sea_orm::{DatabaseBackend, Statement};

/// The seeded grades' benefits: (code, as v6 wrote them in English, 中文).
const SEEDED: &[(&str, &str, &str)] = &[
    (
        "registered",
        "Partner portal, standard price list, online training",
        "合作伙伴门户、标准价格表、在线培训",
    ),
    (
        "silver",
        "Base rebate, co-branded materials, quarterly business review",
        "基础返利、联合品牌物料、季度业务回顾",
    ),
    (
        "gold",
        "Higher rebate, market development funds, deal registration priority",
        "更高返利、市场发展基金、商机报备优先",
    ),
    (
        "platinum",
        "Top rebate, dedicated channel manager, exclusive territory eligibility",
        "最高返利、专属渠道经理、可申请独家授权区域",
    ),
];

/// Grade benefits in two languages, like grade names: `benefits` is the
/// Chinese text (or the only one), `benefits_en` the English. The seeded
/// grades move their English text over and get the Chinese; a grade whose
/// benefits someone has since edited is left as it is.
pub(super) fn v9_grade_benefits_en(backend: DatabaseBackend) -> Vec<Statement> {
    let column = Table::alter()
        .table("grades")
        .add_column(ColumnDef::new("benefits_en").string_len(2000).null())
        .to_owned();
    let mut statements = vec![backend.build(&column)];
    statements.extend(SEEDED.iter().map(|(code, english, chinese)| {
        backend.build(
            Query::update()
                .table("grades")
                .value("benefits_en", *english)
                .value("benefits", *chinese)
                .and_where(Expr::col("code").eq(*code))
                .and_where(Expr::col("benefits").eq(*english)),
        )
    }));
    statements
}
