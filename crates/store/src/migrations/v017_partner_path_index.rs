use sea_orm::sea_query::Index;
use sea_orm::{DatabaseBackend, Statement};

/// Drops the index on `partners.path`. Every query reads the tree through
/// `path LIKE <a partner's path> || '%'`, which neither database can answer
/// from it: SQLite's LIKE is case-insensitive and the index is not NOCASE,
/// and PostgreSQL's databases here use the `C.UTF-8` collation of libc,
/// whose indexes do not serve a prefix match (`EXPLAIN` shows a scan on
/// both). No query compares a path for equality or sorts by it. It cost
/// every partner written one more index entry, its widest.
pub(super) fn v17_partner_path_index(backend: DatabaseBackend) -> Vec<Statement> {
    vec![
        backend.build(
            Index::drop()
                .name("ix_partners_path")
                .table("partners")
                .if_exists(),
        ),
    ]
}
