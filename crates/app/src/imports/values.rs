//! Values in either language. People fill in the Chinese template with the
//! words they see on the pages (经销商, 金牌, 合作中), not the codes the
//! database stores; each importer declares per column which words it takes,
//! and the generic path turns them into codes before any importer runs, so
//! no importer has its own translation.
//!
//! The Chinese words are the UI's own (a test in the web crate keeps them
//! equal to the zh-CN catalog), and exports write the same words, so a
//! Chinese export imports back as it is.

use std::collections::HashMap;

use super::{Column, Table};
use crate::{AppError, Qudao};

/// What a column's cells may hold besides the stored code.
#[derive(Debug, Clone, Copy)]
pub enum Values {
    /// Taken as written.
    Text,
    /// One of a closed set, by code or by its Chinese word: `(code, 中文)`.
    Named(&'static [(&'static str, &'static str)]),
    /// A grade, by code or by its name in either language.
    Grade,
    /// A region, by code or by a name (上海市, Shanghai) only one region has.
    Region,
}

pub const PARTNER_TYPES: &[(&str, &str)] = &[
    ("distributor", "经销商"),
    ("agent", "代理商"),
    ("retailer", "零售商"),
    ("ecommerce", "电商"),
    ("cross_border", "跨境"),
    ("direct_store", "直营"),
];

pub const PARTNER_STATUSES: &[(&str, &str)] = &[
    ("prospect", "潜在"),
    ("screening", "评估中"),
    ("negotiating", "谈判中"),
    ("active", "合作中"),
    ("suspended", "已暂停"),
    ("terminated", "已终止"),
];

pub const AUTHORIZATION_MODES: &[(&str, &str)] = &[
    ("exclusive", "独家"),
    ("selective", "选择性"),
    ("intensive", "密集"),
];

pub const CATALOG_STATUSES: &[(&str, &str)] = &[("active", "在售"), ("discontinued", "已停售")];

pub const PRICE_MODES: &[(&str, &str)] = &[("unified", "统一价"), ("flexible", "浮动价")];

pub const PRICE_LIST_STATUSES: &[(&str, &str)] = &[
    ("draft", "草稿"),
    ("active", "已启用"),
    ("retired", "已停用"),
];

/// A yes/no column (a product's serial tracking).
pub const YES_NO: &[(&str, &str)] = &[("true", "是"), ("false", "否")];

pub const ROLES: &[(&str, &str)] = &[
    ("admin", "系统管理员"),
    ("channel_manager", "渠道经理"),
    ("sales_rep", "销售"),
    ("finance", "财务"),
    ("partner_admin", "渠道商管理员"),
    ("partner_user", "渠道商员工"),
];

pub const USER_STATUSES: &[(&str, &str)] = &[("active", "启用"), ("disabled", "停用")];

pub const AGREEMENT_STATUSES: &[(&str, &str)] = &[
    ("draft", "草稿"),
    ("active", "有效"),
    ("superseded", "已被替代"),
    ("expired", "已到期"),
    ("terminated", "已终止"),
];

/// The word for `code` in a file: the Chinese one when `chinese`, else the
/// code itself (English files carry codes, as the API does).
pub fn word(set: &'static [(&'static str, &'static str)], code: &str, chinese: bool) -> String {
    set.iter()
        .find(|(c, _)| *c == code)
        .filter(|_| chinese)
        .map_or_else(|| code.to_owned(), |(_, zh)| (*zh).to_owned())
}

/// Every word a file may use for a column's values, lower-cased, to its code.
struct Dictionary(HashMap<String, String>);

impl Dictionary {
    fn code_of(&self, cell: &str) -> Option<&str> {
        self.0.get(&cell.trim().to_lowercase()).map(String::as_str)
    }
}

impl Qudao {
    /// Replaces the words of every translated column by their codes; a word
    /// no dictionary knows is left as written, for the importer to refuse
    /// with its own message.
    pub(super) async fn translate_values(
        &self,
        columns: &[Column],
        table: &mut Table,
    ) -> Result<(), AppError> {
        let mut dictionaries: Vec<(usize, Dictionary)> = Vec::new();
        for (index, (field, _)) in table.columns.iter().enumerate() {
            let Some(column) = columns.iter().find(|c| c.field == *field) else {
                continue;
            };
            let words: HashMap<String, String> = match column.values {
                Values::Text => continue,
                Values::Named(set) => set
                    .iter()
                    .flat_map(|(code, zh)| [(*zh, *code), (*code, *code)])
                    .map(|(word, code)| (word.to_lowercase(), code.to_owned()))
                    .collect(),
                Values::Grade => qudao_store::grades::list(self.db())
                    .await?
                    .into_iter()
                    .flat_map(|g| {
                        let names = [Some(g.name.clone()), g.name_en.clone()];
                        let code = g.code;
                        names
                            .into_iter()
                            .flatten()
                            .map(move |name| (name.to_lowercase(), code.clone()))
                    })
                    .collect(),
                Values::Region => {
                    let mut names: Vec<String> = table
                        .rows
                        .iter()
                        .filter_map(|(_, cells)| cells.get(index))
                        .map(|cell| cell.trim().to_owned())
                        .filter(|cell| !cell.is_empty())
                        .collect();
                    names.sort_unstable();
                    names.dedup();
                    let mut regions: HashMap<String, Vec<(String, String)>> = HashMap::new();
                    for chunk in names.chunks(1_000) {
                        let found =
                            qudao_store::territories::regions_named(self.db(), chunk).await?;
                        for (name, code, path) in found {
                            regions
                                .entry(name.to_lowercase())
                                .or_default()
                                .push((path, code));
                        }
                    }
                    regions
                        .into_iter()
                        .filter_map(|(name, found)| broadest(found).map(|code| (name, code)))
                        .collect()
                }
            };
            dictionaries.push((index, Dictionary(words)));
        }
        for (_, cells) in &mut table.rows {
            for (index, dictionary) in &dictionaries {
                if let Some(cell) = cells.get_mut(*index)
                    && let Some(code) = dictionary.code_of(cell)
                {
                    *cell = code.to_owned();
                }
            }
        }
        Ok(())
    }
}

/// The region a name means: the broadest of those that carry it, when the
/// others lie inside it (上海市 the municipality and 上海市 its city level);
/// none when unrelated regions share it (朝阳区 in Beijing and in
/// Changchun), which is left for the importer to refuse rather than guessed.
fn broadest(mut found: Vec<(String, String)>) -> Option<String> {
    found.sort_by_key(|(path, _)| path.len());
    let (top, code) = found.first()?.clone();
    found
        .iter()
        .all(|(path, _)| path.starts_with(&top))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qudao_domain::admin::{Role, UserStatus};
    use qudao_domain::agreements::AgreementStatus;
    use qudao_domain::partners::{PartnerStatus, PartnerType};
    use qudao_domain::territories::AuthorizationMode;

    #[test]
    fn every_closed_set_names_each_value_once() {
        let sets: [(&[(&str, &str)], usize); 6] = [
            (PARTNER_TYPES, PartnerType::ALL.len()),
            (PARTNER_STATUSES, PartnerStatus::ALL.len()),
            (AUTHORIZATION_MODES, AuthorizationMode::ALL.len()),
            (ROLES, Role::ALL.len()),
            (USER_STATUSES, UserStatus::ALL.len()),
            (AGREEMENT_STATUSES, AgreementStatus::ALL.len()),
        ];
        for (set, all) in sets {
            assert_eq!(set.len(), all, "{set:?}");
            let parses = |code: &str| {
                PartnerType::parse(code).is_ok()
                    || PartnerStatus::parse(code).is_ok()
                    || AuthorizationMode::parse(code).is_ok()
                    || Role::parse(code).is_ok()
                    || UserStatus::parse(code).is_ok()
                    || AgreementStatus::parse(code).is_ok()
            };
            assert!(set.iter().all(|(code, _)| parses(code)), "{set:?}");
            let mut words: Vec<&str> = set.iter().map(|(_, zh)| *zh).collect();
            words.sort_unstable();
            words.dedup();
            assert_eq!(words.len(), set.len(), "{set:?}");
        }
    }

    #[test]
    fn a_region_name_means_the_broadest_region_unless_unrelated_ones_share_it() {
        let region = |path: &str, code: &str| (path.to_owned(), code.to_owned());
        assert_eq!(
            broadest(vec![region("/1/2/3/", "310100"), region("/1/2/", "310000")]),
            Some("310000".to_owned())
        );
        assert_eq!(
            broadest(vec![
                region("/1/2/3/", "110105"),
                region("/1/8/9/", "220104")
            ]),
            None
        );
    }

    #[test]
    fn words_are_chinese_only_in_chinese_files() {
        assert_eq!(word(PARTNER_TYPES, "distributor", true), "经销商");
        assert_eq!(word(PARTNER_TYPES, "distributor", false), "distributor");
        assert_eq!(word(PARTNER_TYPES, "unknown", true), "unknown");
    }
}
