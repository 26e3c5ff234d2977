//! Price lists in the import's columns, one row per item (a list without
//! items is one row with the product left empty), so an export imports
//! into another Qudao as the same lists.

use std::future::Future;
use std::pin::Pin;

use qudao_domain::pricing::{AppliesKind, PriceListStatus};

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, to_xlsx};
use crate::imports::values::{PARTNER_TYPES, PRICE_LIST_STATUSES, PRICE_MODES, word};
use crate::pricing::{ListFilter, PriceItemView, PriceListView, break_text};
use crate::{AppError, Caller, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "price-lists",
    zh: "价格表",
    filters: &["status", "applies_to", "q"],
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = ListFilter {
            status: query
                .get("status")
                .and_then(|s| PriceListStatus::parse(&s).ok()),
            kind: query
                .get("applies_to")
                .and_then(|s| AppliesKind::parse(&s).ok()),
            text: query.get("q"),
        };
        let mut rows = Vec::new();
        for list in app.price_lists(caller, &filter).await? {
            let detail = app.price_list(caller, &list.code).await?;
            if detail.items.is_empty() {
                rows.push(ItemRow(detail.list, None));
            } else {
                for item in detail.items {
                    rows.push(ItemRow(detail.list.clone(), Some(item)));
                }
            }
        }
        to_xlsx(&rows, query.chinese)
    })
}

/// One item of a list, with the list's own fields.
struct ItemRow(PriceListView, Option<PriceItemView>);

impl Exportable for ItemRow {
    const SHEET: &'static str = "price-lists";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("code", "价格表编码"),
        ("name", "名称"),
        ("name_en", "英文名称"),
        ("partner_type", "伙伴类型"),
        ("grade", "等级"),
        ("partner_code", "合作伙伴编码"),
        ("currency", "币种"),
        ("mode", "定价方式"),
        ("valid_from", "生效日期"),
        ("valid_to", "失效日期"),
        ("status", "状态"),
        ("sku", "产品编码"),
        ("price", "价格"),
        ("min", "最低价"),
        ("max", "最高价"),
        ("downstream_min", "下级最低价"),
        ("downstream_max", "下级最高价"),
        ("breaks", "阶梯价"),
    ];
    fn cells(&self, chinese: bool) -> Vec<Cell> {
        let ItemRow(list, item) = self;
        let target = |kind: &str| {
            if list.applies_to != kind {
                String::new()
            } else if kind == "partner_type" {
                word(PARTNER_TYPES, &list.target, chinese)
            } else if kind == "grade" && chinese && !list.target_name.is_empty() {
                list.target_name.clone()
            } else {
                list.target.clone()
            }
        };
        vec![
            Cell::text(&list.code),
            Cell::text(&list.name),
            Cell::text(&list.name_en),
            Cell::text(target("partner_type")),
            Cell::text(target("grade")),
            Cell::text(target("partner")),
            Cell::text(&list.currency),
            Cell::text(word(PRICE_MODES, &list.mode, chinese)),
            Cell::Date(Some(list.valid_from)),
            Cell::Date(Some(list.valid_to)),
            Cell::text(word(PRICE_LIST_STATUSES, &list.status, chinese)),
            Cell::text(item.as_ref().map(|i| i.sku.clone()).unwrap_or_default()),
            Cell::Money(item.as_ref().map(|i| i.price.clone())),
            Cell::Money(item.as_ref().and_then(|i| i.min.clone())),
            Cell::Money(item.as_ref().and_then(|i| i.max.clone())),
            Cell::Money(item.as_ref().and_then(|i| i.downstream_min.clone())),
            Cell::Money(item.as_ref().and_then(|i| i.downstream_max.clone())),
            Cell::text(
                item.as_ref()
                    .map(|i| break_text(&i.breaks))
                    .unwrap_or_default(),
            ),
        ]
    }
}
