//! The write skeleton: the one way to get a transaction that may write.
//!
//! A [`WriteTx`] can only be made by [`WriteTx::begin`], which starts the
//! transaction the way every write needs it:
//!
//! - SQLite: `BEGIN IMMEDIATE`, so the writer lock is taken before the first
//!   read. A deferred `BEGIN` would let two writers read the same old state,
//!   both pass their checks, and then one of them fail (or, worse, both write
//!   on stale reads). With `IMMEDIATE` the second writer waits (busy timeout)
//!   and then reads what the first committed.
//! - PostgreSQL: `READ COMMITTED`, where every statement sees the latest
//!   committed rows. What decides a write's outcome is re-read after taking a
//!   lock: a row lock (`SELECT … FOR UPDATE`, see `scope::partner_for_write`
//!   and the `*_for_update` readers) or, where the rule spans rows that a row
//!   lock cannot name, an advisory lock per aggregate ([`WriteTx::lock`]).
//!
//! Use cases then check, write, audit and [`WriteTx::commit`] in the same
//! transaction. Dropping a `WriteTx` without committing rolls it back.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// A transaction begun for writing. Implements `ConnectionTrait`, so every
/// store function runs in it; store functions that lock or that belong only
/// to writes take `&WriteTx` itself.
#[derive(Debug)]
pub struct WriteTx {
    tx: DatabaseTransaction,
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
    /// Every sell-through write (kind 4, instance 0): the duplicate rule
    /// compares a new line with every line reported before, including one
    /// a concurrent upload has written but not committed.
    SellThrough,
}

impl Aggregate<'_> {
    /// The stable 64-bit key of this aggregate.
    pub fn key(self) -> i64 {
        const INSTANCE_BITS: u32 = 48;
        let (kind, instance): (i64, i64) = match self {
            Aggregate::PartnerTree => (1, 0),
            Aggregate::ProductLine(line) => {
                let digest = Sha256::digest(line.as_bytes());
                let mut bytes = [0u8; 8];
                bytes[2..].copy_from_slice(&digest[..6]);
                (2, i64::from_be_bytes(bytes))
            }
            Aggregate::SellThrough => (4, 0),
        };
        (kind << INSTANCE_BITS) | instance
    }
}

impl WriteTx {
    /// Begins a write transaction (see the module documentation).
    pub async fn begin(db: &DatabaseConnection) -> Result<Self, StoreError> {
        let tx = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(Self { tx })
    }

    /// Serialises this transaction with every other one that locks the same
    /// aggregate, until commit or rollback. On SQLite `BEGIN IMMEDIATE`
    /// already serialises all writers, so there is nothing to take.
    pub async fn lock(&self, aggregate: Aggregate<'_>) -> Result<(), StoreError> {
        if self.tx.get_database_backend() == DbBackend::Postgres {
            self.tx
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_advisory_xact_lock($1)",
                    [aggregate.key().into()],
                ))
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }

    /// Ends the transaction writing nothing (a dry run, a rejected file).
    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.tx.rollback().await?)
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTx {
    fn get_database_backend(&self) -> DbBackend {
        self.tx.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.tx.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.tx.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.tx.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.tx.query_all_raw(stmt).await
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
    }
}
