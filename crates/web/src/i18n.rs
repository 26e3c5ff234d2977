//! The two languages of the UI. Messages live in `locales/<lang>/<area>.txt`
//! as `key = text` lines; a test keeps both files on the same keys and checks
//! that every key a template uses exists.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

pub(crate) const LANG_COOKIE: &str = "qudao_lang";

/// One catalog per business area: `locales/<lang>/<area>.txt`. A new area
/// adds its two files and one line here.
macro_rules! catalogs {
    ($($area:literal),* $(,)?) => {
        const EN_FILES: &[&str] = &[$(include_str!(concat!("../locales/en/", $area, ".txt"))),*];
        const ZH_FILES: &[&str] = &[$(include_str!(concat!("../locales/zh-CN/", $area, ".txt"))),*];
    };
}

catalogs!(
    "common",
    "analytics",
    "admin",
    "partners",
    "territories",
    "agreements",
    "grades",
    "onboarding",
    "imports",
    "names",
    "audit",
    "forms",
    "portal",
    "catalog",
    "finance",
    "pricing",
    "sellthrough",
    "receivables",
    "orders",
    "inventory",
    "downstream",
    "alerts",
    "targets",
    "target_plans",
    "target_months",
    "scorecards",
    "outlets",
    "awards",
    "owner_moves",
    "incentives",
    "incentive_adjustments",
    "incentive_accruals",
    "incentive_balances",
    "incentive_points",
    "incentive_runs",
    "incentive_whatif",
    "incentive_watchlist",
    "incentive_preview",
);

static EN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(EN_FILES));
static ZH: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(ZH_FILES));

fn parse(files: &[&'static str]) -> HashMap<&'static str, &'static str> {
    files
        .iter()
        .flat_map(|text| text.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim(), value.trim()))
        .collect()
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag used in `<html lang>` and in the language cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "中文",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "en" || tag.starts_with("en-") {
            Some(Lang::En)
        } else if tag == "zh" || tag.starts_with("zh-") {
            Some(Lang::ZhCn)
        } else {
            None
        }
    }

    /// The cookie chosen with the language switch, else the browser's first
    /// supported preference, else English.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let from_cookie = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Lang::from_tag(value));
        if let Some(lang) = from_cookie {
            return lang;
        }
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter_map(|part| Lang::from_tag(part.split(';').next().unwrap_or_default()))
            .next()
            .unwrap_or_default()
    }

    fn catalog(self) -> &'static HashMap<&'static str, &'static str> {
        match self {
            Lang::En => &EN,
            Lang::ZhCn => &ZH,
        }
    }

    /// The message for `key`. The catalog tests keep keys from going
    /// missing; should one slip through, it is logged and shown as a marker.
    pub fn t(self, key: &str) -> &'static str {
        self.catalog().get(key).copied().unwrap_or_else(|| {
            tracing::warn!(key, lang = self.tag(), "message missing from catalog");
            "[?]"
        })
    }

    /// The message for `key` if the catalog has one: for words looked up by
    /// a stored name (audit fields and actions, a product line's name) that
    /// may be missing.
    pub fn lookup(self, key: &str) -> Option<&'static str> {
        self.catalog().get(key).copied()
    }

    /// A message with `{}` replaced by `value`.
    pub fn tf(self, key: &str, value: impl std::fmt::Display) -> String {
        self.t(key).replacen("{}", &value.to_string(), 1)
    }

    /// A validation problem in words, for a field error or an error page.
    pub fn problem(self, problem: &qudao_domain::Problem) -> String {
        use qudao_domain::Problem;
        match problem {
            Problem::Required => self.t("problem.required").to_owned(),
            Problem::TooShort { min } => self.tf("problem.too_short", min),
            Problem::TooLong { max } => self.tf("problem.too_long", max),
            Problem::BadCharacters { allowed } => self.tf("problem.bad_characters", allowed),
            Problem::NotOneOf { choices } => self.tf("problem.not_one_of", choices.join(", ")),
            Problem::Rule { rule } => self.t(&format!("rule.{rule}")).to_owned(),
            Problem::Limit { rule, max } => self.tf(&format!("rule.{rule}"), max),
            Problem::Conflict { rule, with } => {
                // An order's status reads as its word (已提交), not its code.
                let with = match self.lookup(&format!("order_status.{with}")) {
                    Some(status) if rule.starts_with("order_") => status,
                    _ => with.as_str(),
                };
                // A message that places the other party itself (a row
                // number, say) reads as one sentence in either language.
                let message = self.t(&format!("rule.{rule}"));
                if message.contains("{}") {
                    message.replacen("{}", with, 1)
                } else if with.is_empty() {
                    message.to_owned()
                } else {
                    match self {
                        Lang::En => format!("{message}: {with}"),
                        Lang::ZhCn => format!("{message}：{}", full_width_punctuation(with)),
                    }
                }
            }
            Problem::Format { expected } => match range(expected) {
                Some((low, high)) => self
                    .t("problem.range")
                    .replacen("{}", low, 1)
                    .replacen("{}", high, 1),
                None => self.tf("problem.format", expected),
            },
        }
    }
}

/// `0–365`: an expected value that is a range of numbers, which reads
/// "between 0 and 365", not "in the format 0–365".
fn range(expected: &str) -> Option<(&str, &str)> {
    let (low, high) = expected.split_once('–')?;
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (number(low) && number(high)).then_some((low, high))
}

/// The punctuation of a description put together in code (codes, names,
/// dates), as Chinese text writes it.
fn full_width_punctuation(text: &str) -> String {
    text.replace(" (", "（")
        .replace('(', "（")
        .replace(')', "）")
        .replace("; ", "；")
        .replace(": ", "：")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ASCII punctuation next to a Chinese character in a zh-CN message
    /// (`等级:`, `(一级)`), outside placeholders and addresses.
    fn ascii_punctuation_in_chinese(text: &str) -> Option<char> {
        let is_chinese = |c: char| matches!(c, '\u{3000}'..='\u{303f}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}' | '“' | '”');
        let cleaned = text.replace("{}", " ");
        let cleaned: String = cleaned
            .split(' ')
            .filter(|word| !word.contains("://"))
            .collect::<Vec<_>>()
            .join(" ");
        let chars: Vec<char> = cleaned.chars().collect();
        chars.iter().enumerate().find_map(|(i, c)| {
            let ascii = matches!(c, ':' | '(' | ')' | ',' | ';' | '!' | '?');
            let neighbour = |j: Option<usize>| j.and_then(|j| chars.get(j)).copied();
            let next_to_chinese = [i.checked_sub(1), Some(i + 1)]
                .into_iter()
                .filter_map(neighbour)
                .any(is_chinese);
            (ascii && next_to_chinese).then_some(*c)
        })
    }

    #[test]
    fn chinese_messages_use_full_width_punctuation() {
        let offending: Vec<String> = ZH
            .iter()
            .filter_map(|(key, text)| {
                ascii_punctuation_in_chinese(text).map(|c| format!("{key} ({c}): {text}"))
            })
            .collect();
        assert!(
            offending.is_empty(),
            "ASCII punctuation in Chinese: {offending:#?}"
        );
    }

    #[test]
    fn the_punctuation_check_catches_what_it_should() {
        assert_eq!(ascii_punctuation_in_chinese("等级:"), Some(':'));
        assert_eq!(ascii_punctuation_in_chinese("直接进货(一级)"), Some('('));
        assert_eq!(ascii_punctuation_in_chinese("金牌,银牌"), Some(','));
        assert_eq!(
            ascii_punctuation_in_chinese("请以 Authorization: Bearer 发送"),
            None
        );
        assert_eq!(
            ascii_punctuation_in_chinese("见 https://例子.cn/a?b=c"),
            None
        );
        assert_eq!(ascii_punctuation_in_chinese("共 {} 条，{}:{}"), None);
    }

    #[test]
    fn composed_problems_read_as_chinese() {
        use qudao_domain::Problem;
        let range = Problem::Format {
            expected: "0–365"
        };
        assert_eq!(Lang::ZhCn.problem(&range), "应在 0 至 365 之间");
        assert_eq!(Lang::En.problem(&range), "must be between 0 and 365");
        let conflict = Problem::Conflict {
            rule: "authorization_exclusive",
            with:
                "A1 (P1 上海市 2026-01-01 – 2026-12-31); A2 (P2 浦东新区 2026-01-01 – 2026-12-31)"
                    .into(),
        };
        assert_eq!(
            Lang::ZhCn.problem(&conflict),
            "与独家授权冲突：A1（P1 上海市 2026-01-01 – 2026-12-31）；A2（P2 浦东新区 2026-01-01 – 2026-12-31）"
        );
        assert!(Lang::En.problem(&conflict).contains(": A1 (P1"));
        let status = Problem::Conflict {
            rule: "order_not_editable",
            with: "submitted".into(),
        };
        assert!(Lang::ZhCn.problem(&status).contains("（此订单为 已提交）"));
        assert!(!Lang::En.problem(&status).contains("submitted)"));
        let nothing = Problem::Conflict {
            rule: "authorization_exclusive",
            with: String::new(),
        };
        assert_eq!(Lang::ZhCn.problem(&nothing), "与独家授权冲突");
    }

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let mut en: Vec<_> = EN.keys().collect();
        let mut zh: Vec<_> = ZH.keys().collect();
        en.sort();
        zh.sort();
        let missing_in_zh: Vec<_> = en.iter().filter(|k| !ZH.contains_key(**k)).collect();
        let missing_in_en: Vec<_> = zh.iter().filter(|k| !EN.contains_key(**k)).collect();
        assert!(
            missing_in_zh.is_empty(),
            "missing in zh-CN: {missing_in_zh:?}"
        );
        assert!(missing_in_en.is_empty(), "missing in en: {missing_in_en:?}");
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src"),
        ];
        let mut missing = Vec::new();
        for dir in dirs {
            for path in files(std::path::Path::new(dir)) {
                let text = std::fs::read_to_string(&path).unwrap();
                for key in literal_keys(&text) {
                    if !EN.contains_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalogs: {missing:#?}"
        );
    }

    /// Literal keys passed to `t("…")` or `tf("…", …)`; keys built at run
    /// time (roles, types, errors) are covered by the catalogs' own tests.
    fn literal_keys(text: &str) -> Vec<&str> {
        let mut keys = Vec::new();
        for call in ["t(\"", "tf(\""] {
            for (at, _) in text.match_indices(call) {
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let key = text[at + call.len()..].split('"').next().unwrap();
                if key.contains('.') && !key.contains('{') {
                    keys.push(key);
                }
            }
        }
        keys
    }

    fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(files(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    /// Imports accept, and Chinese exports write, the words the Chinese UI
    /// shows; they are declared in the app crate, so this keeps them equal.
    #[test]
    fn import_and_export_words_are_the_uis_words() {
        use qudao_app::imports::values::{
            AGREEMENT_STATUSES, AUTHORIZATION_MODES, CATALOG_STATUSES, PARTNER_STATUSES,
            PARTNER_TYPES, PRICE_LIST_STATUSES, PRICE_MODES, ROLES, USER_STATUSES,
        };
        for (prefix, set) in [
            ("partner_type", PARTNER_TYPES),
            ("partner_status", PARTNER_STATUSES),
            ("authorization_mode", AUTHORIZATION_MODES),
            ("role", ROLES),
            ("status", USER_STATUSES),
            ("agreement_status", AGREEMENT_STATUSES),
            ("catalog_status", CATALOG_STATUSES),
            ("price_mode", PRICE_MODES),
            ("price_list_status", PRICE_LIST_STATUSES),
            ("subject_type", qudao_app::imports::targets::SUBJECT_TYPES),
            ("target_measure", qudao_app::imports::targets::MEASURES),
        ] {
            for (code, word) in set {
                assert_eq!(
                    Lang::ZhCn.t(&format!("{prefix}.{code}")),
                    *word,
                    "{prefix}.{code}"
                );
            }
        }
    }

    #[test]
    fn no_key_is_defined_twice() {
        for files in [EN_FILES, ZH_FILES] {
            let mut seen = std::collections::HashSet::new();
            let twice: Vec<_> = files
                .iter()
                .flat_map(|text| text.lines())
                .filter_map(|line| line.split_once('='))
                .map(|(key, _)| key.trim())
                .filter(|key| !key.starts_with('#') && !seen.insert(*key))
                .collect();
            assert!(twice.is_empty(), "keys defined twice: {twice:?}");
        }
    }

    /// Keys put together at run time: the words for every value of a closed
    /// set, every rule a domain or app check can name, every error page.
    #[test]
    fn every_key_built_at_run_time_exists() {
        use qudao_domain::admin::{Role, UserStatus};
        use qudao_domain::agreements::AgreementStatus;
        use qudao_domain::onboarding::Stage;
        use qudao_domain::partner_changes::{ChangeField, RequestState};
        use qudao_domain::partners::{PartnerStatus, PartnerType};
        use qudao_domain::pricing::{AppliesKind, PriceListStatus, PriceMode};
        use qudao_domain::territories::{AuthorizationMode, RegionLevel};

        fn words<T: Copy>(prefix: &str, all: &[T], text: fn(T) -> &'static str) -> Vec<String> {
            all.iter()
                .map(|value| format!("{prefix}.{}", text(*value)))
                .collect()
        }
        use qudao_domain::incentives::program as incentives;
        let labelled: [(&str, Vec<String>); 44] = [
            (
                "program_kind",
                words(
                    "program_kind",
                    incentives::ProgramKind::ALL,
                    incentives::ProgramKind::as_str,
                ),
            ),
            (
                "program_status",
                words("program_status", &["draft", "active", "retired"], |w| w),
            ),
            (
                "program_period",
                words(
                    "program_period",
                    incentives::PeriodKind::ALL,
                    incentives::PeriodKind::as_str,
                ),
            ),
            (
                "program_measure",
                words(
                    "program_measure",
                    incentives::BaseMeasure::ALL,
                    incentives::BaseMeasure::as_str,
                ),
            ),
            (
                "program_mode",
                words(
                    "program_mode",
                    incentives::BracketMode::ALL,
                    incentives::BracketMode::as_str,
                ),
            ),
            (
                "program_stacking",
                words(
                    "program_stacking",
                    incentives::StackingRule::ALL,
                    incentives::StackingRule::as_str,
                ),
            ),
            (
                "program_payout",
                words(
                    "program_payout",
                    incentives::PayoutForm::ALL,
                    incentives::PayoutForm::as_str,
                ),
            ),
            (
                "incentives.growth",
                words(
                    "incentives.growth",
                    incentives::GrowthAgainst::ALL,
                    incentives::GrowthAgainst::as_str,
                ),
            ),
            (
                "adjustment_kind",
                words(
                    "adjustment_kind",
                    qudao_domain::incentives::AdjustmentKind::ALL,
                    qudao_domain::incentives::AdjustmentKind::as_str,
                ),
            ),
            (
                "balance_form",
                words(
                    "balance_form",
                    qudao_domain::incentive_balances::BalanceForm::ALL,
                    qudao_domain::incentive_balances::BalanceForm::as_str,
                ),
            ),
            (
                "movement_kind",
                words(
                    "movement_kind",
                    qudao_domain::incentive_balances::MovementKind::ALL,
                    qudao_domain::incentive_balances::MovementKind::as_str,
                ),
            ),
            (
                "points_kind",
                words(
                    "points_kind",
                    qudao_domain::incentive_points::PointsKind::ALL,
                    qudao_domain::incentive_points::PointsKind::as_str,
                ),
            ),
            (
                "award_group",
                words(
                    "award_group",
                    qudao_domain::scorecards::AwardGroup::ALL,
                    qudao_domain::scorecards::AwardGroup::as_str,
                ),
            ),
            (
                "catalog_status",
                words(
                    "catalog_status",
                    qudao_domain::catalog::CatalogStatus::ALL,
                    qudao_domain::catalog::CatalogStatus::as_str,
                ),
            ),
            ("role", words("role", Role::ALL, Role::as_str)),
            (
                "status",
                words("status", UserStatus::ALL, UserStatus::as_str),
            ),
            (
                "partner_type",
                words("partner_type", PartnerType::ALL, PartnerType::as_str),
            ),
            (
                "partner_status",
                words("partner_status", PartnerStatus::ALL, PartnerStatus::as_str),
            ),
            (
                "agreement_status",
                words(
                    "agreement_status",
                    AgreementStatus::ALL,
                    AgreementStatus::as_str,
                ),
            ),
            (
                "authorization_mode",
                words(
                    "authorization_mode",
                    AuthorizationMode::ALL,
                    AuthorizationMode::as_str,
                ),
            ),
            (
                "region_level",
                words("region_level", RegionLevel::ALL, RegionLevel::as_str),
            ),
            ("stage", words("stage", Stage::ALL, Stage::as_str)),
            (
                "change_field",
                words("change_field", ChangeField::ALL, ChangeField::as_str),
            ),
            (
                "request_state",
                words("request_state", RequestState::ALL, RequestState::as_str),
            ),
            (
                "price_list_status",
                words(
                    "price_list_status",
                    PriceListStatus::ALL,
                    PriceListStatus::as_str,
                ),
            ),
            (
                "order_status",
                words(
                    "order_status",
                    qudao_domain::orders::OrderStatus::ALL,
                    qudao_domain::orders::OrderStatus::as_str,
                ),
            ),
            (
                "price_mode",
                words("price_mode", PriceMode::ALL, PriceMode::as_str),
            ),
            (
                "applies_to",
                words("applies_to", AppliesKind::ALL, AppliesKind::as_str),
            ),
            (
                "price_why",
                words(
                    "price_why",
                    &["partner_list", "grade_list", "type_list"],
                    |w| w,
                ),
            ),
            (
                "order_kind",
                words("order_kind", &["direct", "downstream", "incoming"], |k| k),
            ),
            (
                "target_measure",
                words(
                    "target_measure",
                    qudao_domain::targets::TargetMeasure::ALL,
                    qudao_domain::targets::TargetMeasure::as_str,
                ),
            ),
            (
                "subject_type",
                words(
                    "subject_type",
                    qudao_domain::targets::SubjectType::ALL,
                    qudao_domain::targets::SubjectType::as_str,
                ),
            ),
            (
                "target_status",
                words(
                    "target_status",
                    qudao_domain::targets::TargetStatus::ALL,
                    qudao_domain::targets::TargetStatus::as_str,
                ),
            ),
            (
                "target_version",
                words(
                    "target_version",
                    qudao_domain::targets::TargetVersion::ALL,
                    qudao_domain::targets::TargetVersion::as_str,
                ),
            ),
            (
                "split_by",
                words("split_by", &["amounts", "percents", "last_year"], |w| w),
            ),
            (
                "forecast_method",
                words(
                    "forecast_method",
                    qudao_domain::forecast::Method::ALL,
                    qudao_domain::forecast::Method::as_str,
                ),
            ),
            (
                "stock_status",
                words(
                    "stock_status",
                    qudao_domain::inventory::StockFilter::ALL,
                    qudao_domain::inventory::StockFilter::as_str,
                ),
            ),
            (
                "stock_sort",
                words(
                    "stock_sort",
                    qudao_domain::inventory::StockSort::ALL,
                    qudao_domain::inventory::StockSort::as_str,
                ),
            ),
            (
                "alert_kind",
                words(
                    "alert_kind",
                    qudao_domain::alerts::AlertKind::ALL,
                    qudao_domain::alerts::AlertKind::as_str,
                ),
            ),
            (
                "alert_status",
                words("alert_status", &["open", "acknowledged", "all"], |s| s),
            ),
            (
                "scorecard_rule",
                words("scorecard_rule", &["linear", "bands", "deduction"], |s| s),
            ),
            (
                "grade_move",
                words("grade_move", &["promote", "demote"], |s| s),
            ),
            (
                "rolehome.intro",
                words("rolehome.intro", Role::ALL, Role::as_str),
            ),
            (
                "upload_state",
                ["queued", "running", "done", "rejected", "checked"]
                    .iter()
                    .map(|state| format!("upload_state.{state}"))
                    .collect(),
            ),
        ];
        let mut wanted: Vec<String> = labelled.iter().flat_map(|(_, keys)| keys.clone()).collect();
        wanted.extend(
            qudao_app::imports::ImportKind::ALL
                .iter()
                .map(|kind| format!("import_kind.{}", kind.as_str())),
        );
        // The analytics pages name measures, dimensions and fact kinds.
        use qudao_app::analytics::{Dim, Kind, Measure};
        wanted.extend(
            Measure::ALL
                .iter()
                .map(|m| format!("measure.{}", m.as_str())),
        );
        wanted.extend(Dim::ALL.iter().map(|d| format!("dim.{}", d.as_str())));
        wanted.extend(
            Kind::ALL
                .iter()
                .map(|k| format!("fact_kind.{}", k.as_str())),
        );
        // Each kind of alert reads as one sentence, and the figures behind
        // it are labelled by name.
        wanted.extend(
            qudao_domain::alerts::AlertKind::ALL
                .iter()
                .map(|k| format!("alert_sentence.{}", k.as_str())),
        );
        wanted.extend(
            alert_figure_names()
                .iter()
                .map(|name| format!("alert_figure.{name}")),
        );
        // Scorecard pages name every KPI.
        wanted.extend(
            qudao_domain::scorecards::KpiCode::ALL
                .iter()
                .map(|k| format!("kpi.{}", k.as_str())),
        );
        // The settings page's month names and the period history's actions.
        wanted.extend((1..=12).map(|m| format!("month.{m}")));
        wanted.extend([
            "period_action.close".to_owned(),
            "period_action.reopen".to_owned(),
        ]);
        let sources: Vec<String> = ["../domain/src", "../app/src", "src"]
            .iter()
            .flat_map(|dir| files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)))
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect();
        for text in &sources {
            // Rules are named where the check is written.
            for (at, _) in text.match_indices("rule: \"") {
                let rule = text[at + 7..].split('"').next().unwrap();
                wanted.push(format!("rule.{rule}"));
            }
        }
        let error_rs = include_str!("error.rs");
        let slugs =
            &error_rs[error_rs.find("fn slug").unwrap()..error_rs.find("fn detail").unwrap()];
        for (at, _) in slugs.match_indices("=> \"") {
            let slug = slugs[at + 4..].split('"').next().unwrap();
            wanted.push(format!("error.{slug}.title"));
        }
        // A template that labels a kind of value this test does not list
        // would escape it.
        let templates = files(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates"
        )));
        for path in templates {
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("label(\"") {
                let kind = text[at + 7..].split('"').next().unwrap();
                assert!(
                    kind == "import_kind"
                        || kind == "period_action"
                        || labelled.iter().any(|(prefix, _)| *prefix == kind),
                    "{}: label(\"{kind}\") is not covered by this test",
                    path.display()
                );
            }
        }
        for catalog in [&*EN, &*ZH] {
            let missing: Vec<_> = wanted
                .iter()
                .filter(|key| !catalog.contains_key(key.as_str()))
                .collect();
            assert!(missing.is_empty(), "keys missing: {missing:?}");
        }
    }

    /// The figures each kind of alert gives, by the names its rule in
    /// `domain::alerts` pairs with a figure (`("amount", money(…))`,
    /// `("days", AlertNumber::Days(…))`): the rule is the function that
    /// names the kind (`AlertKind::Overdue`).
    fn alert_figures() -> Vec<(qudao_domain::alerts::AlertKind, Vec<&'static str>)> {
        let rules = include_str!("../../domain/src/alerts.rs");
        let rules = &rules[..rules.find("#[cfg(test)]").unwrap_or(rules.len())];
        let functions: Vec<&str> = rules.split("\nfn ").collect();
        qudao_domain::alerts::AlertKind::ALL
            .iter()
            .map(|kind| {
                let mark = format!("AlertKind::{kind:?},");
                let mut names = Vec::new();
                for rule in functions.iter().filter(|f| f.contains(&mark)) {
                    for (at, _) in rule.match_indices('(') {
                        let Some(rest) = rule[at + 1..].trim_start().strip_prefix('"') else {
                            continue;
                        };
                        let Some(end) = rest.find('"') else { continue };
                        let Some(value) = rest[end + 1..].trim_start().strip_prefix(',') else {
                            continue;
                        };
                        if ["AlertNumber::", "money(", "days(", "count("]
                            .iter()
                            .any(|figure| value.trim_start().starts_with(figure))
                        {
                            names.push(&rest[..end]);
                        }
                    }
                }
                (*kind, names)
            })
            .collect()
    }

    fn alert_figure_names() -> Vec<&'static str> {
        let mut names: Vec<&str> = alert_figures()
            .into_iter()
            .flat_map(|(_, names)| names)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Every placeholder of a kind's sentence is one of that kind's
    /// figures, so none is left unfilled.
    #[test]
    fn alert_sentences_name_only_their_figures() {
        let figures = alert_figures();
        // Every kind's figures as docs/areas/alerts.md lists them.
        let counts: Vec<usize> = figures.iter().map(|(_, names)| names.len()).collect();
        assert_eq!(counts, [6, 5, 7, 5, 3, 3, 6], "{figures:?}");
        for catalog in [&*EN, &*ZH] {
            for (kind, names) in &figures {
                let key = format!("alert_sentence.{}", kind.as_str());
                let text = catalog[key.as_str()];
                for part in text.split('{').skip(1) {
                    let name = part.split('}').next().unwrap_or_default();
                    assert!(
                        names.contains(&name),
                        "{key}: {{{name}}} is no figure of this kind"
                    );
                }
            }
        }
    }

    #[test]
    fn language_negotiation() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::from_headers(&headers), Lang::En);
        headers.insert(ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.8".parse().unwrap());
        assert_eq!(Lang::from_headers(&headers), Lang::ZhCn);
        headers.insert(COOKIE, "a=b; qudao_lang=en".parse().unwrap());
        assert_eq!(Lang::from_headers(&headers), Lang::En);
        headers.insert(ACCEPT_LANGUAGE, "fr-FR".parse().unwrap());
        headers.remove(COOKIE);
        assert_eq!(Lang::from_headers(&headers), Lang::En);
    }
}
