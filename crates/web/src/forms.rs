//! What every form shares (docs/UI.md): the labels its error summary names,
//! and the answer to a form htmx posted once it is saved.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::i18n::Lang;

/// The label each posted field shows, by the field's name. Forms name the
/// same things the same way, so one table serves every error summary; a
/// field missing here is summarised by its message alone.
const FIELD_LABELS: &[(&str, &str)] = &[
    ("address", "partners.address"),
    ("after_sales_duties", "agreements.after_sales_duties"),
    ("alert", "alerts.alert"),
    ("amends", "agreements.amend"),
    ("amount", "receivables.amount"),
    ("annual_target", "agreements.annual_target"),
    ("applies_to", "pricing.applies_to"),
    ("benefits", "grades.benefits"),
    ("birthday", "partners.birthday"),
    ("break_price", "pricing.breaks"),
    ("breaks", "pricing.breaks"),
    ("category", "catalog.category"),
    ("code", "partners.code"),
    ("comment", "onboarding.comment"),
    ("confirm_password", "account.confirm_password"),
    ("cost", "catalog.cost"),
    ("credit_limit", "partners.credit_limit"),
    ("counted_on", "inventory.counted_on"),
    ("currency", "partners.currency"),
    ("current_password", "account.current_password"),
    ("date", "pricing.date"),
    ("demote_threshold", "grades.demote_threshold"),
    ("display_name", "users.display_name"),
    ("due_on", "receivables.due_on"),
    ("effective_date", "agreements.effective_date"),
    ("email", "partners.email"),
    ("end_on", "territories.end_on"),
    ("fiscal_year_start", "settings.fiscal_year_start"),
    ("from_qty", "pricing.breaks"),
    ("grade", "grades.change"),
    ("invoices", "receivables.invoices"),
    ("issued_on", "receivables.issued_on"),
    ("items", "pricing.items"),
    ("launch_date", "catalog.launch_date"),
    ("list_price", "catalog.list_price"),
    ("login", "users.login"),
    ("max", "pricing.max"),
    ("max_partners", "territories.max_partners"),
    ("min", "pricing.min"),
    ("mode", "territories.mode"),
    ("month", "rates.month"),
    ("name", "partners.name"),
    ("name_en", "grades.name_en"),
    ("new_password", "account.new_password"),
    ("new_product_days", "settings.new_product_days"),
    ("note", "agreements.note"),
    ("number", "receivables.number"),
    ("overpayment", "receivables.overpayment"),
    ("overstock_days", "settings.overstock_days"),
    ("owner_from", "owner_moves.owner_from"),
    ("owner_login", "partners.owner"),
    ("parent_code", "partners.parent"),
    ("partner", "pricing.partner"),
    ("partner_code", "territories.partner"),
    ("partner_type", "partners.partner_type"),
    ("password", "login.password"),
    ("payment_net_days", "agreements.payment_net_days"),
    ("payment_terms", "agreements.payment_terms"),
    ("phone", "partners.phone"),
    ("price", "pricing.price"),
    ("price_list_code", "agreements.price_list"),
    ("product_line", "territories.product_line"),
    ("promote_threshold", "grades.promote_threshold"),
    ("qty", "pricing.qty"),
    ("rank", "grades.rank"),
    ("rate", "rates.rate"),
    ("reason", "partners.reason"),
    ("rebate_programs", "agreements.rebate_programs"),
    ("received_on", "receivables.received_on"),
    ("reference", "receivables.reference"),
    ("region_code", "partners.region"),
    ("role", "users.role"),
    ("signed_on", "agreements.signed_on"),
    ("sku", "catalog.sku"),
    ("status", "partners.status"),
    ("target", "pricing.applies_to"),
    ("training_duties", "agreements.training_duties"),
    ("unit", "catalog.unit"),
    ("valid_from", "territories.valid_from"),
    ("valid_to", "territories.valid_to"),
    ("weight", "onboarding.weight"),
    ("measure", "awards.measure"),
    ("per_group", "awards.per_group"),
    ("places", "awards.places"),
    ("points", "points.points"),
    ("min_total", "awards.min_total"),
    ("run", "awards.evaluation_run"),
];

pub(crate) fn field_label(lang: Lang, field: &str) -> &'static str {
    FIELD_LABELS
        .iter()
        .find(|(name, _)| *name == field)
        .and_then(|(_, key)| lang.lookup(key))
        .unwrap_or("")
}

/// A form posted by htmx that was saved answers, like any form, with a
/// redirect (post/redirect/get). The browser would follow it inside the
/// request and htmx would swap the next page into the form; `HX-Redirect`
/// makes htmx load it as a page instead.
///
/// A redirect back to the same page with only a fragment added (a contact
/// saved on the partner page goes to `/partners/P1#contacts`) would merely
/// scroll, leaving the old page and no flash; `HX-Refresh` makes htmx reload
/// it after moving to the fragment.
pub(crate) async fn htmx_redirects(request: Request, next: Next) -> Response {
    let htmx = request.headers().contains_key("hx-request");
    let current = request
        .headers()
        .get("hx-current-url")
        .and_then(|v| v.to_str().ok())
        .map(|url| page_of(url).to_owned());
    let mut response = next.run(request).await;
    if htmx
        && response.status() == StatusCode::SEE_OTHER
        && let Some(location) = response.headers_mut().remove(header::LOCATION)
    {
        // Only a move to a fragment of this same page fails to load it. A
        // plain move to this page does load it, and adding a reload then
        // would cancel that load after it had taken the flash.
        let fragment_here = location
            .to_str()
            .is_ok_and(|to| to.contains('#') && Some(page_of(to)) == current.as_deref());
        *response.status_mut() = StatusCode::OK;
        let headers = response.headers_mut();
        headers.insert(HeaderName::from_static("hx-redirect"), location);
        if fragment_here {
            headers.insert(
                HeaderName::from_static("hx-refresh"),
                HeaderValue::from_static("true"),
            );
        }
    }
    response
}

/// The path and query of a URL or of a location, without its origin or its
/// fragment: what decides whether moving there loads a page.
fn page_of(url: &str) -> &str {
    let without_origin = match url.find("://") {
        Some(scheme_end) => {
            let rest = &url[scheme_end + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => url,
    };
    without_origin
        .split_once('#')
        .map_or(without_origin, |(page, _)| page)
}

/// A confirmation's text from its sentences: Chinese runs them together
/// (each ends in 。), English puts a space between them.
pub(crate) fn confirm_text(lang: Lang, sentences: &[String]) -> String {
    let gap = if lang == Lang::ZhCn { "" } else { " " };
    sentences.join(gap)
}

/// A record named for a confirmation: its name with its code in brackets.
pub(crate) fn named(lang: Lang, name: &str, code: &str) -> String {
    if lang == Lang::ZhCn {
        format!("{name}（{code}）")
    } else {
        format!("{name} ({code})")
    }
}

/// Disabling an account: it is signed out and its live API tokens are
/// revoked (`tokens` holds each login's count).
pub(crate) fn disable_user_confirm(
    lang: Lang,
    name: &str,
    login: &str,
    tokens: &[(String, i64)],
) -> String {
    let live = tokens
        .iter()
        .find(|(l, _)| l == login)
        .map_or(0, |(_, n)| *n);
    confirm_text(
        lang,
        &[
            lang.tf("confirm.disable_user", named(lang, name, login)),
            lang.tf("confirm.tokens_revoked", live),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_label_exists_in_both_languages() {
        for (field, key) in FIELD_LABELS {
            for lang in Lang::ALL {
                assert!(
                    lang.lookup(key).is_some(),
                    "{field}: {key} missing in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn a_page_is_its_path_and_query() {
        assert_eq!(page_of("http://127.0.0.1:8080/partners/P1"), "/partners/P1");
        assert_eq!(page_of("/partners/P1#contacts"), "/partners/P1");
        assert_eq!(page_of("https://h/partners?q=1#x"), "/partners?q=1");
        assert_eq!(page_of("http://h"), "/");
        assert_ne!(page_of("/partners/P1"), page_of("/partners/P2#contacts"));
    }
}
