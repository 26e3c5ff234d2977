//! Sell-in lines (imported history, shipments, returns), newest first, at
//! most the export row limit.

use std::future::Future;
use std::pin::Pin;

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, to_xlsx};
use crate::inventory::SellInView;
use crate::{AppError, Caller, PageRequest, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "sell-in",
    zh: "进货",
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
        let rows = app
            .sellin_lines(caller, partner.as_deref(), PageRequest::export().per_page)
            .await?;
        to_xlsx(&rows, query.chinese)
    })
}

/// The import file's columns first, so an export imports back.
impl Exportable for SellInView {
    const SHEET: &'static str = "sell-in";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("date", "日期"),
        ("partner_code", "合作伙伴编码"),
        ("sku", "产品编码"),
        ("qty", "数量"),
        ("amount", "金额"),
        ("currency", "币种"),
        ("document_no", "单据号"),
        ("partner_name", "合作伙伴名称"),
        ("product_name", "产品名称"),
        ("source", "来源"),
    ];

    fn cells(&self, chinese: bool) -> Vec<Cell> {
        let product = if chinese || self.product_name_en.is_empty() {
            &self.product_name_zh
        } else {
            &self.product_name_en
        };
        let source = match (self.source.as_str(), chinese) {
            ("import", true) => "导入",
            ("shipment", true) => "发货",
            ("return", true) => "退货",
            ("allowance", true) => "折让",
            (other, _) => other,
        };
        vec![
            Cell::Date(Some(self.date)),
            Cell::text(&self.partner_code),
            Cell::text(&self.sku),
            Cell::text(self.qty.to_string()),
            Cell::Money(Some(self.amount.clone())),
            Cell::text(&self.currency),
            Cell::text(self.document_no.clone().unwrap_or_default()),
            Cell::text(&self.partner_name),
            Cell::text(product),
            Cell::text(source),
        ]
    }
}
