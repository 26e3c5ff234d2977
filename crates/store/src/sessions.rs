//! Web sessions for tower-sessions, kept in the database so that any server
//! node can serve any request. The cookie carries the session id; the table
//! keeps only its SHA-256, so a copy of the database holds no live sessions.

use async_trait::async_trait;
use sea_orm::ExprTrait;
use sea_orm::sea_query::{InsertStatement, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Removes expired sessions; the server calls this periodically.
    pub async fn delete_expired(&self) -> std::result::Result<u64, crate::StoreError> {
        let result = self
            .db
            .execute(
                Query::delete()
                    .from_table("sessions")
                    .and_where(sea_orm::sea_query::Expr::col("expires_at").lt(crate::now())),
            )
            .await?;
        Ok(result.rows_affected())
    }
}

fn key(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

/// The insert of a session row; `save` adds an upsert clause to it.
fn insert(record: &Record) -> Result<InsertStatement> {
    let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
    Ok(Query::insert()
        .into_table("sessions")
        .columns(["id", "data", "expires_at"])
        .values_panic([
            key(&record.id).into(),
            data.into(),
            to_chrono(record.expiry_date).into(),
        ])
        .to_owned())
}

fn backend_error(err: impl std::fmt::Display) -> Error {
    Error::Backend(err.to_string())
}

fn to_chrono(at: time::OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(at.unix_timestamp(), at.nanosecond()).unwrap_or_default()
}

#[async_trait]
impl SessionStore for DbSessionStore {
    /// Inserts a new session, drawing a new id in the (astronomically
    /// unlikely) case that the random one is taken.
    async fn create(&self, record: &mut Record) -> Result<()> {
        loop {
            let inserted = self.db.execute(&insert(record)?).await;
            match inserted.map_err(crate::StoreError::from) {
                Ok(_) => return Ok(()),
                Err(crate::StoreError::Duplicate) => record.id = Id::default(),
                Err(err) => return Err(backend_error(err)),
            }
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.db
            .execute(
                insert(record)?.on_conflict(
                    OnConflict::column("id")
                        .update_columns(["data", "expires_at"])
                        .to_owned(),
                ),
            )
            .await
            .map_err(backend_error)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row = self
            .db
            .query_one(
                Query::select()
                    .columns(["data", "expires_at"])
                    .from("sessions")
                    .and_where(sea_orm::sea_query::Expr::col("id").eq(key(id)))
                    .and_where(sea_orm::sea_query::Expr::col("expires_at").gt(crate::now())),
            )
            .await
            .map_err(backend_error)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("", "data").map_err(backend_error)?;
        let expires_at: chrono::DateTime<chrono::Utc> =
            row.try_get("", "expires_at").map_err(backend_error)?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expires_at.timestamp())
            .map_err(backend_error)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.db
            .execute(
                Query::delete()
                    .from_table("sessions")
                    .and_where(sea_orm::sea_query::Expr::col("id").eq(Value::from(key(id)))),
            )
            .await
            .map_err(backend_error)?;
        Ok(())
    }
}
