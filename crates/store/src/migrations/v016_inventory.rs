use sea_orm::sea_query::{ColumnDef, Table};
use sea_orm::{DatabaseBackend, Statement};

/// The row of the import file an imported sell-in line came from, so the
/// duplicate rule (run on the database after the last batch) can name the
/// rows it refuses. Lines from shipments and returns leave it empty.
pub(super) fn v16_inventory(backend: DatabaseBackend) -> Vec<Statement> {
    let import_row = Table::alter()
        .table("sellin_lines")
        .add_column(ColumnDef::new("import_row").big_integer().null())
        .to_owned();
    vec![backend.build(&import_row)]
}
