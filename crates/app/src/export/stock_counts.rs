//! Stock counts, newest first, each with the derived figure of its day.

use std::future::Future;
use std::pin::Pin;

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, to_xlsx};
use crate::inventory::CountView;
use crate::{AppError, Caller, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "stock-counts",
    zh: "库存盘点",
    filters: &["partner"],
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let partner = query.get("partner");
        let rows = app.stock_counts(caller, partner.as_deref()).await?;
        to_xlsx(&rows, query.chinese)
    })
}

/// The import file's columns first, so an export imports back.
impl Exportable for CountView {
    const SHEET: &'static str = "stock-counts";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("partner_code", "合作伙伴编码"),
        ("sku", "产品编码"),
        ("counted_on", "盘点日期"),
        ("qty", "数量"),
        ("partner_name", "合作伙伴名称"),
        ("product_name", "产品名称"),
        ("derived", "推算库存"),
        ("difference", "差异"),
        ("created_by", "录入人"),
    ];

    fn cells(&self, chinese: bool) -> Vec<Cell> {
        let product = if chinese || self.product_name_en.is_empty() {
            &self.product_name_zh
        } else {
            &self.product_name_en
        };
        vec![
            Cell::text(&self.partner_code),
            Cell::text(&self.sku),
            Cell::Date(Some(self.counted_on)),
            Cell::text(self.qty.to_string()),
            Cell::text(&self.partner_name),
            Cell::text(product),
            Cell::text(self.derived.to_string()),
            Cell::text(self.difference.to_string()),
            Cell::text(&self.created_by),
        ]
    }
}
