//! The sell-through line list (at most the export row limit, newest first).

use std::future::Future;
use std::pin::Pin;

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, to_xlsx};
use crate::sellthrough::{LineQuery, LineView};
use crate::{AppError, Caller, PageRequest, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "sell-through",
    zh: "出货动销",
    filters: &["partner", "month", "product", "region"],
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = LineQuery {
            partner: query.get("partner"),
            month: query.get("month"),
            product: query.get("product"),
            region: query.get("region"),
            ..LineQuery::default()
        };
        let rows = app
            .sellthrough_lines(caller, &filter, PageRequest::export())
            .await?;
        to_xlsx(&rows.items, query.chinese)
    })
}

/// The columns of the import file first (so an export imports back into
/// another database), then the names people read.
impl Exportable for LineView {
    const SHEET: &'static str = "sellthrough";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("partner_code", "合作伙伴编码"),
        ("date", "日期"),
        ("sku", "产品编码"),
        ("qty", "数量"),
        ("amount", "金额"),
        ("customer_region", "客户区域"),
        ("customer_name", "客户名称"),
        ("document_no", "单据号"),
        ("serial_no", "序列号"),
        ("partner_name", "合作伙伴名称"),
        ("product_name", "产品名称"),
        ("region_name", "区域名称"),
        ("currency", "币种"),
    ];

    fn cells(&self, chinese: bool) -> Vec<Cell> {
        let product = if chinese || self.product_name_en.is_empty() {
            &self.product_name_zh
        } else {
            &self.product_name_en
        };
        let region = match (&self.region_name_en, chinese) {
            (Some(en), false) if !en.is_empty() => en,
            _ => &self.region_name,
        };
        vec![
            Cell::text(&self.partner_code),
            Cell::Date(Some(self.date)),
            Cell::text(&self.sku),
            Cell::text(self.qty.to_string()),
            Cell::Money(Some(self.amount.clone())),
            Cell::text(&self.region_code),
            Cell::text(self.customer_name.clone().unwrap_or_default()),
            Cell::text(self.document_no.clone().unwrap_or_default()),
            Cell::text(self.serial_no.clone().unwrap_or_default()),
            Cell::text(&self.partner_name),
            Cell::text(product),
            Cell::text(region),
            Cell::text(&self.currency),
        ]
    }
}
