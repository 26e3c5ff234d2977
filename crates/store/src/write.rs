//! The write skeleton: the one way to get a transaction that may write.
//!
//! A [`WriteTx`] can only be made by [`WriteTx::begin`], which starts the
//! transaction the way every write needs it:
//!
//! - SQLite: `BEGIN IMMEDIATE`, so the writer lock is taken before the first
//!   read. A deferred `BEGIN` would let two writers read the same old state,
//!   both pass their checks, and then one of them fail (or, worse, both write
//!   on stale reads). With `IMMEDIATE` the second writer waits and then
//!   reads what the first committed. Writers of this process wait in a
//!   queue of their own ([`sqlite_turn`]), in arrival order, and only the
//!   one at its head asks SQLite for the lock: SQLite's busy handler lets
//!   waiters sleep up to 100 ms between tries and takes no turns, so under
//!   load a writer could wait a second or more behind later ones. Another
//!   process (a CLI import beside the server) still meets the busy timeout.
//! - PostgreSQL: `READ COMMITTED`, where every statement sees the latest
//!   committed rows. What decides a write's outcome is re-read after taking a
//!   lock: a row lock (`SELECT … FOR UPDATE`, see `scope::partner_for_write`
//!   and the `*_for_update` readers) or, where the rule spans rows that a row
//!   lock cannot name, an advisory lock per aggregate ([`WriteTx::lock`]).
//!
//! Use cases then check, write, audit and [`WriteTx::commit`] in the same
//! transaction. Dropping a `WriteTx` without committing rolls it back.
//!
//! On PostgreSQL the transaction is sqlx's own, not SeaORM's: SeaORM's
//! `DatabaseTransaction` keeps its connection private, and the bulk path
//! needs that connection to stream rows with `COPY … FROM STDIN`
//! ([`WriteTx::copy_in`]) inside the same transaction as the use case's
//! reads, locks and audit. Statements are bound and their rows handed back
//! exactly as SeaORM does it (`sea_query_sqlx::SqlxValues`, `QueryResult`
//! from `PgRow`), so every store function runs unchanged on either.

use sea_orm::sqlx::{self, Executor as _, Postgres};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, QueryResult, RuntimeErr, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use sea_query_sqlx::SqlxValues;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::StoreError;

/// A transaction begun for writing. Implements `ConnectionTrait`, so every
/// store function runs in it; store functions that lock or that belong only
/// to writes take `&WriteTx` itself.
pub struct WriteTx {
    tx: Tx,
    /// SQLite: the connection's own page cache size (`PRAGMA cache_size`)
    /// while a bulk write has widened it, restored before the transaction
    /// ends.
    widened: std::sync::Mutex<Option<i64>>,
    /// SQLite: this process's turn to write to the file, held until the
    /// transaction has ended (declared after `tx`, so dropped after it).
    _turn: Option<OwnedMutexGuard<()>>,
}

/// How long a writer waits for its turn: the busy timeout `connect` gives
/// SQLite, so a write stuck behind another fails as it did before.
const TURN_WAIT: Duration = Duration::from_secs(5);

/// Waits for this process's turn to write to the SQLite file behind `db`
/// (see the module documentation): one queue per file, fair.
async fn sqlite_turn(db: &DatabaseConnection) -> Result<OwnedMutexGuard<()>, StoreError> {
    static QUEUES: OnceLock<std::sync::Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let queue = QUEUES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(file)
        .or_default()
        .clone();
    tokio::time::timeout(TURN_WAIT, queue.lock_owned())
        .await
        .map_err(|_| {
            StoreError::Db(DbErr::Custom(
                "database is locked: another write held it too long".to_owned(),
            ))
        })
}

/// The page cache a SQLite bulk write runs with (`PRAGMA cache_size`, in
/// KiB when negative). SQLite's default of 2 MB made a million-line load
/// spill its dirty pages to the WAL and read them back for every random
/// insert into the key index; 64 MB holds that index for a million lines.
/// SQLite allocates the pages only as it uses them.
const BULK_CACHE_KIB: i64 = 65_536;

enum Tx {
    /// SQLite: SeaORM's transaction, begun `IMMEDIATE`.
    Sqlite(DatabaseTransaction),
    /// PostgreSQL: sqlx's transaction on one pooled connection. The lock
    /// only lends the connection to one statement at a time (`&self`
    /// methods); a use case's statements run one after the other anyway.
    Postgres(Mutex<sqlx::Transaction<'static, Postgres>>),
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.tx {
            Tx::Sqlite(_) => "sqlite",
            Tx::Postgres(_) => "postgres",
        };
        f.debug_struct("WriteTx")
            .field("backend", &backend)
            .finish()
    }
}

// sqlx's errors wrapped as SeaORM wraps them (its own helpers are private),
// so `DbErr::sql_err` still recognises a unique or foreign-key violation.
fn exec_err(err: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(err.into()))
}

fn query_err(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(err.into()))
}

fn acquire_err(err: sqlx::Error) -> DbErr {
    match err {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        err => DbErr::Conn(RuntimeErr::SqlxError(err.into())),
    }
}

/// A statement as sqlx runs it, its values bound the way SeaORM binds them.
fn pg_query(stmt: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = stmt
        .values
        .clone()
        .unwrap_or(sea_orm::sea_query::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

/// What an advisory lock guards: an aggregate whose rule no single row lock
/// can express.
///
/// Key space of `pg_advisory_xact_lock(bigint)`: the top 16 bits name the
/// kind (1, 2, …), the low 48 bits the instance. Kind 0 is left to the
/// migration runner's fixed key (727170).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate<'a> {
    /// The whole partner tree (kind 1, instance 0). A move checks "the new
    /// parent is not inside my subtree" across two rows that a concurrent
    /// move may be changing the other way round; a new child reads its
    /// parent's path, which a concurrent move rewrites.
    PartnerTree,
    /// The territory rights on one product line (kind 2, instance: the first
    /// six bytes of the SHA-256 of the line's code). The exclusivity and
    /// selective-limit rules read every right on the line; a new right is a
    /// row that does not exist yet, so no row lock could guard it.
    ProductLine(&'a str),
    /// The closed months (kind 3, instance 0). A fact writer takes it
    /// shared ([`WriteTx::lock_shared`]) before it reads the closed months
    /// and holds it to its commit; closing and reopening take it
    /// exclusively, so a close cannot commit between a writer's check and
    /// its commit, and writers do not wait for each other.
    Periods,
    /// Every active price list (kind 4, instance 0). No two active lists of
    /// one target and currency may overlap, and the list that would collide
    /// with an activation may itself be activating right now.
    PriceLists,
    /// Every sell-through write (kind 5, instance 0): the duplicate rule
    /// compares a new line with every line reported before, including one
    /// a concurrent upload has written but not committed.
    SellThrough,
    /// Every payment write (kind 7, instance 0): payment numbers count the
    /// year's payments, and a bank reference may be recorded once, both
    /// rules about rows that do not exist yet.
    Receivables,
    /// Every sell-in import (kind 8, instance 0): its duplicate rule
    /// compares new lines with every line imported before, including those
    /// of an import not yet committed.
    SellIn,
    /// Every target write (kind 9, instance 0): a target is unique per
    /// period, subject, measure, line and version, and a cascade writes
    /// children that may not exist yet, so no row lock could guard them.
    Targets,
    /// Every scorecard template and imported input write (kind 10,
    /// instance 0): one template per partner type, and an input row that
    /// may not exist yet.
    Scorecards,
    /// Every incentive program write (kind 11, instance 0): a new code's
    /// first version is a row that does not exist yet, and an activation
    /// reads every active version of the code.
    Incentives,
}

impl Aggregate<'_> {
    /// The stable 64-bit key of this aggregate.
    pub fn key(self) -> i64 {
        const INSTANCE_BITS: u32 = 48;
        let (kind, instance): (i64, i64) = match self {
            Aggregate::PartnerTree => (1, 0),
            Aggregate::Periods => (3, 0),
            Aggregate::PriceLists => (4, 0),
            Aggregate::ProductLine(line) => {
                let digest = Sha256::digest(line.as_bytes());
                let mut bytes = [0u8; 8];
                bytes[2..].copy_from_slice(&digest[..6]);
                (2, i64::from_be_bytes(bytes))
            }
            Aggregate::SellThrough => (5, 0),
            Aggregate::Receivables => (7, 0),
            Aggregate::SellIn => (8, 0),
            Aggregate::Targets => (9, 0),
            Aggregate::Scorecards => (10, 0),
            Aggregate::Incentives => (11, 0),
        };
        (kind << INSTANCE_BITS) | instance
    }
}

impl WriteTx {
    /// Begins a write transaction (see the module documentation).
    pub async fn begin(db: &DatabaseConnection) -> Result<Self, StoreError> {
        if db.get_database_backend() == DbBackend::Postgres {
            let tx = db
                .get_postgres_connection_pool()
                .begin()
                .await
                .map_err(acquire_err)?;
            return Ok(Self {
                tx: Tx::Postgres(Mutex::new(tx)),
                widened: std::sync::Mutex::new(None),
                _turn: None,
            });
        }
        let turn = sqlite_turn(db).await?;
        let tx = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(Self {
            tx: Tx::Sqlite(tx),
            widened: std::sync::Mutex::new(None),
            _turn: Some(turn),
        })
    }

    /// Serialises this transaction with every other one that locks the same
    /// aggregate, until commit or rollback. On SQLite `BEGIN IMMEDIATE`
    /// already serialises all writers, so there is nothing to take.
    pub async fn lock(&self, aggregate: Aggregate<'_>) -> Result<(), StoreError> {
        if self.get_database_backend() == DbBackend::Postgres {
            self.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [aggregate.key().into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Streams `batches` of rows (in the format `statement` names) into one
    /// `COPY … FROM STDIN` in this transaction; returns the rows written.
    /// Each batch is made only when the previous one has been sent, so a
    /// large load never holds all its text at once. PostgreSQL only: the
    /// bulk path writes SQLite with `INSERT`.
    pub(crate) async fn copy_in(
        &self,
        statement: &str,
        batches: impl Iterator<Item = Vec<u8>> + Send,
    ) -> Result<u64, DbErr> {
        let Tx::Postgres(tx) = &self.tx else {
            return Err(DbErr::Custom(
                "COPY FROM STDIN is PostgreSQL's; SQLite has no bulk protocol".to_owned(),
            ));
        };
        let mut tx = tx.lock().await;
        let mut copy = tx.copy_in_raw(statement).await.map_err(exec_err)?;
        // On an error the dropped `copy` tells the server to fail the COPY,
        // and the transaction is then only good for rolling back.
        for batch in batches {
            copy.send(batch).await.map_err(exec_err)?;
        }
        copy.finish().await.map_err(exec_err)
    }

    /// Like [`WriteTx::lock`], but shared: any number of transactions hold
    /// it together, and an exclusive [`WriteTx::lock`] of the same
    /// aggregate waits for all of them (and they for it).
    pub async fn lock_shared(&self, aggregate: Aggregate<'_>) -> Result<(), StoreError> {
        if self.get_database_backend() == DbBackend::Postgres {
            self.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock_shared($1)",
                [aggregate.key().into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// SQLite: gives this transaction's connection the bulk path's page
    /// cache and in-memory temporary storage until the transaction ends
    /// (once; later calls do nothing).
    pub(crate) async fn widen_cache(&self) -> Result<(), StoreError> {
        let Tx::Sqlite(tx) = &self.tx else {
            return Ok(());
        };
        if !matches!(self.widened.lock().as_deref(), Ok(None)) {
            return Ok(());
        }
        let own = tx
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA cache_size",
            ))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or(-2_000);
        tx.execute_unprepared(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))
            .await?;
        // A multi-row INSERT keeps a statement journal (the index pages it
        // changes, to undo just that statement); in a temporary file, its
        // writes were a sixth of the SQLite worker's time on a
        // million-line load (`perf`: `subjournalPageIfRequired` →
        // `pwrite64`). In memory it is a batch's pages at most.
        tx.execute_unprepared("PRAGMA temp_store = MEMORY").await?;
        if let Ok(mut widened) = self.widened.lock() {
            *widened = Some(own);
        }
        Ok(())
    }

    /// SQLite: the connection goes back to the pool with its own cache size.
    async fn narrow_cache(&self) -> Result<(), StoreError> {
        let own = self.widened.lock().ok().and_then(|mut w| w.take());
        if let (Tx::Sqlite(tx), Some(own)) = (&self.tx, own) {
            tx.execute_unprepared(&format!("PRAGMA cache_size = {own}"))
                .await?;
            tx.execute_unprepared("PRAGMA temp_store = DEFAULT").await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.narrow_cache().await?;
        match self.tx {
            Tx::Sqlite(tx) => Ok(tx.commit().await?),
            Tx::Postgres(tx) => Ok(tx.into_inner().commit().await.map_err(exec_err)?),
        }
    }

    /// Ends the transaction writing nothing (a dry run, a rejected file).
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.narrow_cache().await?;
        match self.tx {
            Tx::Sqlite(tx) => Ok(tx.rollback().await?),
            Tx::Postgres(tx) => Ok(tx.into_inner().rollback().await.map_err(exec_err)?),
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTx {
    fn get_database_backend(&self) -> DbBackend {
        match &self.tx {
            Tx::Sqlite(tx) => tx.get_database_backend(),
            Tx::Postgres(_) => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.tx {
            Tx::Sqlite(tx) => tx.execute_raw(stmt).await,
            Tx::Postgres(tx) => {
                let mut tx = tx.lock().await;
                pg_query(&stmt)
                    .execute(&mut **tx)
                    .await
                    .map(Into::into)
                    .map_err(exec_err)
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.tx {
            Tx::Sqlite(tx) => tx.execute_unprepared(sql).await,
            Tx::Postgres(tx) => {
                let mut tx = tx.lock().await;
                tx.execute(sqlx::AssertSqlSafe(sql.to_owned()))
                    .await
                    .map(Into::into)
                    .map_err(exec_err)
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.tx {
            Tx::Sqlite(tx) => tx.query_one_raw(stmt).await,
            Tx::Postgres(tx) => {
                let mut tx = tx.lock().await;
                pg_query(&stmt)
                    .fetch_optional(&mut **tx)
                    .await
                    .map(|row| row.map(Into::into))
                    .map_err(query_err)
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.tx {
            Tx::Sqlite(tx) => tx.query_all_raw(stmt).await,
            Tx::Postgres(tx) => {
                let mut tx = tx.lock().await;
                pg_query(&stmt)
                    .fetch_all(&mut **tx)
                    .await
                    .map(|rows| rows.into_iter().map(Into::into).collect())
                    .map_err(query_err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_keys_are_stable_and_apart() {
        assert_eq!(Aggregate::PartnerTree.key(), 1 << 48);
        let line = Aggregate::ProductLine("PUMPS").key();
        assert_eq!(line, Aggregate::ProductLine("PUMPS").key());
        assert_eq!(line >> 48, 2);
        assert_ne!(line, Aggregate::ProductLine("VALVES").key());
        assert_ne!(line, 727_170);
        assert_eq!(Aggregate::Periods.key(), 3 << 48);
        assert_eq!(Aggregate::PriceLists.key(), 4 << 48);
        // Sell-through once shared price lists' key: an upload waited for
        // a price list activation and the other way round.
        assert_eq!(Aggregate::SellThrough.key(), 5 << 48);
    }
}
