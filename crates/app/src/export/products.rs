//! The product list, as the caller may see it (partner users: no cost).

use std::future::Future;
use std::pin::Pin;

use qudao_domain::catalog::CatalogStatus;

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, to_xlsx};
use crate::catalog::{ProductQuery, ProductSort, ProductView};
use crate::imports::values::word;
use crate::{AppError, Caller, PageRequest, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "products",
    zh: "产品",
    filters: &["product_line", "category", "status", "new", "q"],
    run: products,
});

fn products<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = ProductQuery {
            product_line: query.get("product_line"),
            category: query.get("category"),
            status: query
                .get("status")
                .and_then(|s| CatalogStatus::parse(&s).ok()),
            new_only: query.get("new").is_some(),
            q: query.get("q"),
        };
        let sort = query.sort(ProductSort::parse).unwrap_or_default();
        let rows = app
            .products(caller, &filter, sort, query.dir, PageRequest::export())
            .await?;
        to_xlsx(&rows.items, query.chinese)
    })
}

impl Exportable for ProductView {
    const SHEET: &'static str = "products";
    /// Exactly the product import's columns, so an export imports back
    /// (with upsert). A partner's export has an empty cost column.
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("sku", "产品编码"),
        ("name_zh", "中文名称"),
        ("name_en", "英文名称"),
        ("product_line", "产品线"),
        ("category", "品类"),
        ("unit", "单位"),
        ("currency", "币种"),
        ("list_price", "目录价"),
        ("cost", "成本"),
        ("launch_date", "上市日期"),
        ("serial_tracked", "序列号管理"),
        ("status", "状态"),
    ];
    fn cells(&self, chinese: bool) -> Vec<Cell> {
        use crate::imports::values::{CATALOG_STATUSES, YES_NO};
        vec![
            Cell::text(&self.sku),
            Cell::text(&self.name),
            Cell::text(&self.name_en),
            Cell::text(&self.product_line),
            Cell::text(&self.category),
            Cell::text(&self.unit),
            Cell::text(&self.currency),
            Cell::Money(Some(self.list_price.clone())),
            Cell::Money(self.cost.clone()),
            Cell::Date(self.launch_date),
            Cell::text(word(YES_NO, &self.serial_tracked.to_string(), chinese)),
            Cell::text(word(CATALOG_STATUSES, self.status.as_str(), chinese)),
        ]
    }
}
