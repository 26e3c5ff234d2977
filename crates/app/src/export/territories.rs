//! Territory rights.

use std::future::Future;
use std::pin::Pin;

use qudao_domain::dates::parse_date;
use qudao_domain::territories::AuthorizationMode;

use super::{ExportKind, ExportQuery, Exporter, to_xlsx};
use crate::territories::{AuthorizationQuery, AuthorizationSort};
use crate::{AppError, Caller, PageRequest, Qudao};

pub(super) const AUTHORIZATIONS: ExportKind = ExportKind(&Exporter {
    name: "authorizations",
    zh: "授权区域",
    filters: &["partner", "region", "product_line", "mode", "on"],
    run: authorizations,
});

fn authorizations<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = AuthorizationQuery {
            partner_code: query.get("partner"),
            region_code: query.get("region"),
            product_line: query.get("product_line"),
            mode: query
                .get("mode")
                .and_then(|m| AuthorizationMode::parse(&m).ok()),
            on: query.get("on").and_then(|d| parse_date("on", &d).ok()),
        };
        let sort = query.sort(AuthorizationSort::parse).unwrap_or_default();
        let rows = app
            .authorizations(caller, &filter, sort, query.dir, PageRequest::export())
            .await?;
        to_xlsx(&rows.items, query.chinese)
    })
}
