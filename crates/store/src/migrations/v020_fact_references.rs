use sea_orm::{DatabaseBackend, Statement};

/// The references of the bulk-loaded fact lines to master data, and what
/// each points into.
const FACT_REFERENCES: &[(&str, &[(&str, &str)])] = &[
    (
        "sellthrough_lines",
        &[
            ("partner_id", "partners"),
            ("product_id", "products"),
            ("customer_region_id", "regions"),
            ("upload_id", "sellthrough_uploads"),
        ],
    ),
    (
        "sellin_lines",
        &[
            ("partner_id", "partners"),
            ("seller_id", "partners"),
            ("product_id", "products"),
        ],
    ),
];

/// PostgreSQL checks the fact lines' references to master data once per
/// statement instead of once per row. A foreign key runs a `SELECT … FOR
/// KEY SHARE` on the parent for every line: four of them made a 20,000-line
/// `COPY` of sell-through take 400 ms instead of 90 (200,000 lines: 4.6 s
/// against 0.94 s without them, `bench/README.md`), about 80 % of an
/// import's time there. The trigger that replaces them sees a statement's
/// new lines as one transition table and, per reference, takes the distinct
/// ids named, locks each parent row once (`FOR KEY SHARE`, as the foreign
/// key would, so a parent cannot be deleted under an uncommitted load) and
/// refuses the statement with the foreign-key error code when fewer rows
/// were found than named. A parent referenced
/// by a line cannot be deleted, as with `ON DELETE RESTRICT`. SQLite keeps
/// its foreign keys: checked in-process, they cost about 5 % of a load.
/// The references written one order at a time (shipment lines, returns)
/// keep theirs on both.
pub(super) fn v20_fact_references(backend: DatabaseBackend) -> Vec<Statement> {
    if backend != DatabaseBackend::Postgres {
        return Vec::new();
    }
    let mut sql = Vec::new();
    for (table, references) in FACT_REFERENCES {
        for (column, _) in *references {
            sql.push(format!(
                "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_{column}_fkey"
            ));
        }
        let checks: String = references
            .iter()
            .map(|(column, parent)| {
                format!(
                    "wanted := ARRAY(SELECT DISTINCT {column} FROM new_lines \
                       WHERE {column} IS NOT NULL);\n\
                     PERFORM 1 FROM {parent} p WHERE p.id = ANY(wanted) FOR KEY SHARE OF p;\n\
                     GET DIAGNOSTICS locked = ROW_COUNT;\n\
                     IF locked < cardinality(wanted) THEN\n\
                       SELECT w INTO missing FROM unnest(wanted) w \
                         WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = w) LIMIT 1;\n\
                       RAISE EXCEPTION 'insert or update on table \"{table}\" violates its reference {column} to {parent}'\n\
                         USING ERRCODE = 'foreign_key_violation',\n\
                         DETAIL = format('Key ({column})=(%s) is not present in table \"{parent}\".', missing);\n\
                     END IF;\n"
                )
            })
            .collect();
        sql.push(format!(
            "CREATE FUNCTION {table}_references() RETURNS trigger LANGUAGE plpgsql AS $$\n\
             DECLARE wanted bigint[]; locked bigint; missing bigint;\n\
             BEGIN\n{checks}RETURN NULL;\nEND $$"
        ));
        // A trigger with a transition table answers one event only.
        for event in ["INSERT", "UPDATE"] {
            let name = event.to_lowercase();
            sql.push(format!(
                "CREATE TRIGGER {table}_references_{name} AFTER {event} ON {table} \
                 REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT \
                 EXECUTE FUNCTION {table}_references()"
            ));
        }
    }
    // Each parent refuses to go while a line names it.
    let mut parents: Vec<&str> = FACT_REFERENCES
        .iter()
        .flat_map(|(_, references)| references.iter().map(|(_, parent)| *parent))
        .collect();
    parents.sort_unstable();
    parents.dedup();
    for parent in parents {
        let checks: String = FACT_REFERENCES
            .iter()
            .flat_map(|(table, references)| {
                references
                    .iter()
                    .filter(move |(_, to)| *to == parent)
                    .map(move |(column, _)| {
                        format!(
                            "IF EXISTS (SELECT 1 FROM {table} WHERE {column} = OLD.id) THEN\n\
                               RAISE EXCEPTION 'delete on table \"{parent}\" violates the reference {column} from \"{table}\"'\n\
                                 USING ERRCODE = 'foreign_key_violation',\n\
                                 DETAIL = format('Key (id)=(%s) is still referenced from table \"{table}\".', OLD.id);\n\
                             END IF;\n"
                        )
                    })
            })
            .collect();
        sql.push(format!(
            "CREATE FUNCTION {parent}_fact_referenced() RETURNS trigger LANGUAGE plpgsql AS $$\n\
             BEGIN\n{checks}RETURN OLD;\nEND $$"
        ));
        sql.push(format!(
            "CREATE TRIGGER {parent}_fact_referenced BEFORE DELETE ON {parent} \
             FOR EACH ROW EXECUTE FUNCTION {parent}_fact_referenced()"
        ));
    }
    sql.into_iter()
        .map(|text| Statement::from_string(backend, text))
        .collect()
}
