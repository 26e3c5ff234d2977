//! The orders list (at most the export row limit, newest first).

use std::future::Future;
use std::pin::Pin;

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, to_xlsx};
use crate::orders::{OrderQuery, OrderSummary};
use crate::{AppError, Caller, PageRequest, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "orders",
    zh: "订单",
    filters: &["status", "partner"],
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = OrderQuery {
            status: query.get("status").unwrap_or_default(),
            partner: query.get("partner").unwrap_or_default(),
            kind: query.get("kind").unwrap_or_default(),
        };
        let rows = app.orders(caller, &filter, PageRequest::export()).await?;
        to_xlsx(&rows.items, query.chinese)
    })
}

impl Exportable for OrderSummary {
    const SHEET: &'static str = "orders";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("number", "订单号"),
        ("partner_code", "合作伙伴编码"),
        ("partner_name", "合作伙伴名称"),
        ("seller", "供货方"),
        ("order_date", "下单日期"),
        ("status", "状态"),
        ("currency", "币种"),
        ("total", "合计"),
        ("created_by", "创建人"),
    ];

    fn cells(&self, _chinese: bool) -> Vec<Cell> {
        vec![
            Cell::text(&self.number),
            Cell::text(&self.partner),
            Cell::text(&self.partner_name),
            Cell::text(self.seller_name.as_deref().unwrap_or_default()),
            Cell::Date(Some(self.order_date)),
            Cell::text(&self.status),
            Cell::text(&self.currency),
            Cell::Money(Some(self.total.clone())),
            Cell::text(&self.created_by),
        ]
    }
}
