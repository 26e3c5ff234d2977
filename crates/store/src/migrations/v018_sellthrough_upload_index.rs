use sea_orm::sea_query::Index;
use sea_orm::{DatabaseBackend, Statement};

/// Drops the index on `sellthrough_lines.upload_id`. No query reads lines
/// by upload: the upload page lists held rows (their own index), the
/// duplicate check reads the lines it has just written by id range, and
/// uploads are never deleted, so the foreign key never looks for a line by
/// it either. Every line written paid for one more index entry.
pub(super) fn v18_sellthrough_upload_index(backend: DatabaseBackend) -> Vec<Statement> {
    vec![
        backend.build(
            Index::drop()
                .name("ix_sellthrough_lines_upload_id")
                .table("sellthrough_lines")
                .if_exists(),
        ),
    ]
}
