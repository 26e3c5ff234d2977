use sea_orm::sea_query::{ColumnDef, Index, Query, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, instant};

/// The profiles this version seeds, frozen here: 均匀 (even) and 春节型
/// (Spring Festival: stocking up in January, a dip in February), each
/// month's percent in basis points, January first, summing to 10,000.
pub(super) const SEEDED_PROFILES: [(&str, &str, &str, [i64; 12]); 2] = [
    (
        "even",
        "均匀",
        "Even",
        [834, 833, 833, 834, 833, 833, 834, 833, 833, 834, 833, 833],
    ),
    (
        "spring_festival",
        "春节型",
        "Spring Festival",
        [1400, 500, 700, 750, 800, 850, 750, 750, 850, 850, 850, 950],
    ),
];

/// Named seasonal profiles: how a year target spreads over calendar
/// months. `shares` holds the twelve months' percents in basis points,
/// January first, comma-separated, read back through
/// `domain::targets::SeasonalProfile`, which refuses any that do not sum to
/// exactly 100%. Month targets themselves are ordinary targets (see
/// `docs/areas/targets.md`): no column links them to their year.
pub(super) fn v25_seasonal_profiles(backend: DatabaseBackend) -> Vec<Statement> {
    let profiles = Table::create()
        .table("seasonal_profiles")
        .col(id())
        .col(ColumnDef::new("code").string_len(32).not_null())
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("name_en").string_len(100).not_null())
        .col(ColumnDef::new("shares").string_len(200).not_null())
        .col(instant("created_at"))
        .to_owned();
    let code = Index::create()
        .name("ux_seasonal_profiles_code")
        .table("seasonal_profiles")
        .col("code")
        .unique()
        .to_owned();
    let now = crate::now();
    let mut seed = Query::insert()
        .into_table("seasonal_profiles")
        .columns(["code", "name", "name_en", "shares", "created_at"])
        .to_owned();
    for (code, name, name_en, shares) in SEEDED_PROFILES {
        let shares: Vec<String> = shares.iter().map(i64::to_string).collect();
        seed.values_panic([
            code.into(),
            name.into(),
            name_en.into(),
            shares.join(",").into(),
            now.into(),
        ]);
    }
    vec![
        backend.build(&profiles),
        backend.build(&code),
        backend.build(&seed),
    ]
}

#[cfg(test)]
mod tests {
    use super::SEEDED_PROFILES;
    use qudao_domain::targets::{SeasonalProfile, SplitPercent};

    #[test]
    fn the_seeded_profiles_sum_to_100() {
        for (_, _, _, shares) in SEEDED_PROFILES {
            let percents = shares.map(|bps| SplitPercent::from_basis_points(bps).unwrap());
            SeasonalProfile::new(percents).unwrap();
        }
    }
}
