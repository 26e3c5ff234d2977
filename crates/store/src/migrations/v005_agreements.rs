use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v5_agreements(backend: DatabaseBackend) -> Vec<Statement> {
    // One row per version; the agreement is the partner's set of versions.
    let versions = Table::create()
        .table("agreement_versions")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("version").integer().not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(ColumnDef::new("valid_from").date().not_null())
        .col(ColumnDef::new("valid_to").date().not_null())
        .col(ColumnDef::new("price_list_code").string_len(32).null())
        .col(ColumnDef::new("rebate_programs").string_len(700).not_null())
        .col(ColumnDef::new("target_minor").big_integer().null())
        .col(ColumnDef::new("target_currency").string_len(3).null())
        .col(ColumnDef::new("after_sales_duties").text().not_null())
        .col(ColumnDef::new("payment_net_days").integer().not_null())
        .col(ColumnDef::new("payment_terms").string_len(500).not_null())
        .col(ColumnDef::new("training_duties").text().not_null())
        .col(ColumnDef::new("signed_on").date().null())
        .col(ColumnDef::new("note").string_len(500).not_null())
        .col(ColumnDef::new("superseded_from").date().null())
        .col(ColumnDef::new("superseded_by").integer().null())
        .col(ColumnDef::new("terminated_from").date().null())
        .col(ColumnDef::new("termination_reason").string_len(500).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(ColumnDef::new("activated_by").string_len(64).null())
        .col(
            ColumnDef::new("activated_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .foreign_key(
            ForeignKey::create()
                .from("agreement_versions", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let by_partner = Index::create()
        .name("ux_agreement_versions_partner_version")
        .table("agreement_versions")
        .col("partner_id")
        .col("version")
        .unique()
        .to_owned();
    let mut statements = vec![backend.build(&versions), backend.build(&by_partner)];
    statements
        .extend(["valid_to", "status"].map(|column| index(backend, "agreement_versions", column)));
    statements
}
