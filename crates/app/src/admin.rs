//! Accounts: signing in, users, passwords and API tokens.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};
use qudao_domain::admin::{
    self as admin_rules, DisplayName, FailureCount, Login, NewPassword, Role, UserStatus,
};
use qudao_domain::partners::PartnerCode;
use qudao_domain::scope::DataScope;
use qudao_domain::{Invalid, Problem};
use qudao_store::admin::{self as repo, user};
use qudao_store::paging::{Page, PageRequest, SortDir};
use qudao_store::{ConnectionTrait, WriteTx};
use qudao_store::{audit, throttle};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use qudao_store::admin::{UserFilter, UserSort};

use crate::caller_cache::Key;
use crate::error::{AllFields, rule};
use crate::{AppError, Caller, Origin, Permission, Qudao};

/// A user as others see it: never the password hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub partner_code: Option<String>,
    pub status: UserStatus,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What a session remembers: the user, and when their password last changed,
/// so that changing a password signs out every other session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct SessionStamp {
    pub user_id: i64,
    pub password_changed_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// A newly created token; `secret` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub view: TokenView,
    pub secret: String,
}

/// The fields of a new account, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct UserInput {
    pub login: String,
    pub display_name: String,
    pub role: String,
    /// Required for `partner_admin` and `partner_user`, refused for others.
    pub partner_code: Option<String>,
    pub password: String,
}

const TOKEN_PREFIX: &str = "qd_";

fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub(crate) async fn hash_password(password: NewPassword) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Verifies off the async threads: argon2 is deliberately slow.
async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// Refuses an attempt while a throttle's lock lasts.
fn refuse_while_locked(
    locked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    match locked_until.filter(|until| *until > now) {
        Some(until) => Err(AppError::Locked {
            minutes: (until - now).num_minutes() + 1,
        }),
        None => Ok(()),
    }
}

fn stamp_of(row: &user::Model) -> SessionStamp {
    SessionStamp {
        user_id: row.id,
        password_changed_at: row.password_changed_at.timestamp_micros(),
    }
}

fn caller_of(row: &user::Model) -> Result<Caller, AppError> {
    let role = row.role()?;
    Ok(Caller::new(
        row.id,
        row.login.clone(),
        row.display_name.clone(),
        role,
        row.partner_id,
    ))
}

impl Qudao {
    /// Signs a user in from `origin`. Failures are counted per client
    /// address, per account at that address, and per account (see
    /// `docs/ARCHITECTURE.md`, Security): the first two lock for 15 minutes,
    /// the account-wide one only slows guessing down.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        origin: &Origin,
    ) -> Result<(Caller, SessionStamp), AppError> {
        // Requests without a known address share one counter, so they are
        // throttled together rather than not at all.
        let address = origin.address.as_deref().unwrap_or("unknown");
        let now = qudao_store::now();
        let address_counter = throttle::find(self.db(), address, "").await?;
        refuse_while_locked(address_counter.as_ref().and_then(|c| c.locked_until), now)?;
        let Ok(login) = Login::parse(login) else {
            return Err(AppError::BadCredentials);
        };
        let Some(row) = repo::find_user_by_login(self.db(), login.as_str()).await? else {
            // Spend the same time as for a real account so timing does not
            // reveal which logins exist.
            let _ = verify_password(password.to_owned(), DUMMY_HASH.to_owned()).await;
            self.record_failed_login(None, login.as_str(), origin, now)
                .await?;
            return Err(AppError::BadCredentials);
        };
        let pair = throttle::find(self.db(), address, &row.login).await?;
        refuse_while_locked(pair.as_ref().and_then(|c| c.locked_until), now)?;
        refuse_while_locked(row.locked_until, now)?;
        if !verify_password(password.to_owned(), row.password_hash.clone()).await? {
            let key = row.login.clone();
            self.record_failed_login(Some(row), &key, origin, now)
                .await?;
            return Err(AppError::BadCredentials);
        }
        if row.status != UserStatus::Active.as_str() {
            return Err(AppError::Disabled);
        }
        let tx = self.write().await?;
        let row = repo::find_user_for_write(&tx, &row.login)
            .await?
            .ok_or(AppError::BadCredentials)?;
        let change = repo::UserChange {
            failed_logins: Some(0),
            locked_until: Some(None),
            last_login_at: Some(now),
            ..Default::default()
        };
        let row = repo::update_user(&tx, row, change).await?;
        throttle::clear_account(&tx, &row.login, Some(address)).await?;
        let caller = caller_of(&row)?.from_origin(origin.clone());
        self.audit::<()>(&tx, &caller, "user", &row.login, "login", None, None)
            .await?;
        crate::commit(tx).await?;
        Ok((caller, stamp_of(&row)))
    }

    /// Counts one failed login against the address, the account at that
    /// address and the account (when it exists), in one transaction.
    async fn record_failed_login(
        &self,
        row: Option<user::Model>,
        login: &str,
        origin: &Origin,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let address = origin.address.as_deref().unwrap_or("unknown");
        let tx = self.write().await?;
        throttle::forget_stale(&tx, admin_rules::forgettable_before(now), now).await?;
        let counted = |c: &throttle::counter::Model| FailureCount {
            failures: c.failures,
            window_start: c.window_start,
        };
        let by_address = throttle::find(&tx, address, "").await?;
        let (count, address_lock) =
            admin_rules::ADDRESS.fail(by_address.as_ref().map(counted), now);
        throttle::save(&tx, address, "", count, address_lock).await?;
        let mut after = serde_json::json!({ "address_failures": count.failures });
        let mut locks = address_lock.is_some();
        let actor_id = row.as_ref().map(|r| r.id);
        if let Some(row) = row {
            let pair = throttle::find(&tx, address, login).await?;
            let (count, pair_lock) =
                admin_rules::ACCOUNT_AT_ADDRESS.fail(pair.as_ref().map(counted), now);
            throttle::save(&tx, address, login, count, pair_lock).await?;
            // The account-wide count is of failures in a row: a success or
            // an administrator's reset sets it back to zero.
            let account = FailureCount {
                failures: row.failed_logins,
                window_start: now,
            };
            let (account, account_lock) = admin_rules::ACCOUNT.fail(Some(account), now);
            let change = repo::UserChange {
                failed_logins: Some(account.failures),
                locked_until: account_lock.map(Some),
                ..Default::default()
            };
            repo::update_user(&tx, row, change).await?;
            after = serde_json::json!({
                "address_failures": after["address_failures"],
                "account_failures": account.failures,
            });
            locks |= pair_lock.is_some() || account_lock.is_some();
        }
        audit::record(
            &tx,
            audit::NewEntry {
                actor_id,
                actor_login: login,
                entity: "user",
                entity_key: login,
                action: if locks {
                    "login_locked"
                } else {
                    "login_failed"
                },
                before: None,
                after: Some(after),
                client_address: origin.address.as_deref(),
                user_agent: origin.user_agent.as_deref(),
            },
        )
        .await?;
        crate::commit(tx).await?;
        Ok(())
    }

    /// The caller behind a session, if the session is still valid: the user
    /// exists, is active, and has not changed password since. Answers from
    /// the caller cache when it can (see `caller_cache`).
    pub async fn session_caller(&self, stamp: SessionStamp) -> Result<Caller, AppError> {
        let key = Key::Session(stamp);
        if let Some(caller) = self.callers().get(&key) {
            return Ok(caller);
        }
        let ticket = self.callers().ticket();
        let row = repo::find_user(self.db(), stamp.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if row.status != UserStatus::Active.as_str() || stamp_of(&row) != stamp {
            return Err(AppError::Unauthenticated);
        }
        let caller = caller_of(&row)?;
        self.callers().put(ticket, key, caller.clone());
        Ok(caller)
    }

    /// The caller behind an API bearer token: the token is live and its user
    /// active. Token and user are read in one query on a cache miss, which is
    /// also when `last_used_at` is brought up to date, so it is exact to
    /// within the cache's time to live.
    pub async fn token_caller(&self, secret: &str) -> Result<Caller, AppError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let key = Key::Token(hash_token(secret));
        if let Some(caller) = self.callers().get(&key) {
            return Ok(caller);
        }
        let ticket = self.callers().ticket();
        let Key::Token(hash) = &key else {
            return Err(AppError::Unauthenticated);
        };
        let row = repo::find_live_token_user(self.db(), hash)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if row.status != UserStatus::Active.as_str() {
            return Err(AppError::Unauthenticated);
        }
        let tx = self.write().await?;
        repo::touch_token(&tx, hash).await?;
        crate::commit(tx).await?;
        let caller = caller_of(&row)?;
        self.callers().put(ticket, key, caller.clone());
        Ok(caller)
    }

    /// Creates an account. Admins only (or the command line, as the system).
    pub async fn create_user(
        &self,
        caller: &Caller,
        input: &UserInput,
    ) -> Result<UserView, AppError> {
        caller.require(Permission::ManageUsers)?;
        let role = Role::parse(&input.role);
        let partner_code = input
            .partner_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let partner = match (role.as_ref().ok(), partner_code) {
            (Some(role), None) if role.is_partner_role() => {
                Err(Invalid::new("partner_code", Problem::Required))
            }
            (Some(role), Some(_)) if !role.is_partner_role() => Err(Invalid::new(
                "partner_code",
                Problem::Rule {
                    rule: "partner_only_for_partner_roles",
                },
            )),
            (_, Some(code)) => match PartnerCode::parse(code) {
                Ok(code) => qudao_store::scope::partner_by_code(self.db(), DataScope::All, &code)
                    .await?
                    .map(Some)
                    .ok_or_else(|| {
                        Invalid::new(
                            "partner_code",
                            Problem::Rule {
                                rule: "partner_must_exist",
                            },
                        )
                    }),
                Err(invalid) => Err(invalid),
            },
            _ => Ok(None),
        };
        let (login, display_name, role, password, partner) = (
            Login::parse(&input.login),
            DisplayName::parse(&input.display_name),
            role,
            NewPassword::parse(&input.password),
            partner,
        )
            .all()?;
        let password_hash = hash_password(password).await?;
        let tx = self.write().await?;
        let row = repo::insert_user(
            &tx,
            repo::NewUser {
                login: login.as_str(),
                display_name: display_name.as_str(),
                role: role.as_str(),
                partner_id: partner.as_ref().map(|p| p.id().0),
                password_hash,
            },
        )
        .await
        .map_err(|e| match e {
            qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "login" },
            other => other.into(),
        })?;
        let view = self.user_view(row, partner.map(|p| p.code().to_owned()))?;
        self.audit(
            &tx,
            caller,
            "user",
            &view.login,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    pub(crate) fn user_view(
        &self,
        row: user::Model,
        partner_code: Option<String>,
    ) -> Result<UserView, AppError> {
        Ok(UserView {
            status: row.status()?,
            role: row.role()?,
            login: row.login,
            display_name: row.display_name,
            partner_code,
            last_login_at: row.last_login_at,
            created_at: row.created_at,
        })
    }

    pub async fn list_users(
        &self,
        caller: &Caller,
        filter: &UserFilter,
        sort: UserSort,
        dir: SortDir,
        page: PageRequest,
    ) -> Result<Page<UserView>, AppError> {
        caller.require(Permission::ManageUsers)?;
        let rows = repo::list_users(self.db(), filter, sort, dir, page).await?;
        let ids: Vec<i64> = rows.items.iter().filter_map(|r| r.partner_id).collect();
        let codes = qudao_store::partners::codes_of(self.db(), DataScope::All, &ids).await?;
        rows.try_map(|row| {
            let code = row
                .partner_id
                .and_then(|id| codes.iter().find(|(i, _)| *i == id).map(|(_, c)| c.clone()));
            self.user_view(row, code)
        })
    }

    /// The display names of our staff who did something, by login, for a
    /// page that says who. Only staff see who of us did what (a partner's
    /// views come with these fields cleared), so a partner gets none.
    pub async fn people_named(
        &self,
        caller: &Caller,
        logins: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, AppError> {
        if !crate::visibility::sees_internal(caller) {
            return Ok(std::collections::HashMap::new());
        }
        let logins: Vec<String> = logins
            .iter()
            .filter(|l| !l.is_empty())
            .map(|l| (*l).to_owned())
            .collect();
        Ok(repo::display_names(self.db(), &logins)
            .await?
            .into_iter()
            .collect())
    }

    /// Enables or disables an account. Disabling revokes its API tokens; its
    /// sessions end at their next request. Admins cannot disable themselves.
    pub async fn set_user_status(
        &self,
        caller: &Caller,
        login: &str,
        status: UserStatus,
    ) -> Result<UserView, AppError> {
        caller.require(Permission::ManageUsers)?;
        let login = Login::parse(login).map_err(|_| AppError::NotFound("user"))?;
        if login.as_str() == caller.login && status == UserStatus::Disabled {
            return Err(AppError::Invalid(vec![Invalid::new(
                "status",
                Problem::Rule {
                    rule: "cannot_disable_self",
                },
            )]));
        }
        let tx = self.write().await?;
        let row = repo::find_user_for_write(&tx, login.as_str())
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let after = self.write_status(&tx, caller, row, status).await?;
        crate::commit(tx).await?;
        self.callers().invalidate();
        Ok(after)
    }

    /// Sets an account's status in the caller's transaction, with its audit
    /// record. Disabling revokes the account's API tokens; its sessions end at
    /// their next request, which finds the account disabled.
    pub(crate) async fn write_status(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        row: user::Model,
        status: UserStatus,
    ) -> Result<UserView, AppError> {
        let partner_code = self.partner_code_of(tx, row.partner_id).await?;
        let before = self.user_view(row.clone(), partner_code.clone())?;
        let change = repo::UserChange {
            status: Some(status.as_str()),
            ..Default::default()
        };
        let row = repo::update_user(tx, row, change).await?;
        if status == UserStatus::Disabled {
            repo::revoke_tokens_of(tx, row.id).await?;
        }
        let after = self.user_view(row, partner_code)?;
        let action = if status == UserStatus::Active {
            "enable"
        } else {
            "disable"
        };
        self.audit(
            tx,
            caller,
            "user",
            &after.login,
            action,
            Some(&before),
            Some(&after),
        )
        .await?;
        Ok(after)
    }

    async fn partner_code_of(
        &self,
        db: &impl ConnectionTrait,
        partner_id: Option<i64>,
    ) -> Result<Option<String>, AppError> {
        let Some(id) = partner_id else {
            return Ok(None);
        };
        let codes = qudao_store::partners::codes_of(db, DataScope::All, &[id]).await?;
        Ok(codes.into_iter().next().map(|(_, code)| code))
    }

    /// Sets a user's password: an admin for anyone (a reset), anyone for
    /// themselves after giving the current password. Either way every other
    /// session of that user ends.
    pub async fn change_password(
        &self,
        caller: &Caller,
        login: &str,
        current: Option<&str>,
        new: &str,
    ) -> Result<SessionStamp, AppError> {
        let own = login == caller.login;
        if !own {
            caller.require(Permission::ManageUsers)?;
        }
        let row = repo::find_user_by_login(self.db(), login)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let current_ok = if own && !caller.is_system() {
            verify_password(
                current.unwrap_or_default().to_owned(),
                row.password_hash.clone(),
            )
            .await?
        } else {
            true
        };
        let ((), password) = (
            rule(current_ok, || {
                Invalid::new(
                    "current_password",
                    Problem::Rule {
                        rule: "current_password_wrong",
                    },
                )
            }),
            NewPassword::parse(new),
        )
            .all()?;
        let hash = hash_password(password).await?;
        let tx = self.write().await?;
        // Hashing took a while; the account is re-read under its lock.
        let row = repo::find_user_for_write(&tx, &row.login)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let action = if own {
            "change_password"
        } else {
            "reset_password"
        };
        let row = self.write_password(&tx, caller, row, hash, action).await?;
        crate::commit(tx).await?;
        self.callers().invalidate();
        Ok(stamp_of(&row))
    }

    /// Replaces an account's password hash in the caller's transaction: the
    /// account's other sessions end (their stamp no longer matches) and its
    /// login throttles are lifted.
    pub(crate) async fn write_password(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        row: user::Model,
        hash: String,
        action: &str,
    ) -> Result<user::Model, AppError> {
        let key = row.login.clone();
        let change = repo::UserChange {
            password_hash: Some(hash),
            failed_logins: Some(0),
            locked_until: Some(None),
            ..Default::default()
        };
        let row = repo::update_user(tx, row, change).await?;
        throttle::clear_account(tx, &row.login, None).await?;
        self.audit::<()>(tx, caller, "user", &key, action, None, None)
            .await?;
        Ok(row)
    }

    pub async fn list_tokens(&self, caller: &Caller) -> Result<Vec<TokenView>, AppError> {
        Ok(repo::list_tokens(self.db(), caller.user_id.0)
            .await?
            .into_iter()
            .map(token_view)
            .collect())
    }

    /// Creates an API token acting as the caller. The secret is returned
    /// once; only its SHA-256 is kept.
    pub async fn create_token(&self, caller: &Caller, name: &str) -> Result<NewToken, AppError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Invalid::new("name", Problem::Required).into());
        }
        if name.chars().count() > 100 {
            return Err(Invalid::new("name", Problem::TooLong { max: 100 }).into());
        }
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
        let tx = self.write().await?;
        let row = repo::insert_token(
            &tx,
            caller.user_id.0,
            name,
            hash_token(&secret),
            secret[..10].to_owned(),
        )
        .await?;
        let view = token_view(row);
        self.audit(
            &tx,
            caller,
            "api_token",
            &view.id.to_string(),
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(NewToken { view, secret })
    }

    /// Revokes one of the caller's own tokens; another user's token id is
    /// simply not found.
    pub async fn revoke_token(&self, caller: &Caller, id: i64) -> Result<(), AppError> {
        let row = repo::find_token(self.db(), caller.user_id.0, id)
            .await?
            .ok_or(AppError::NotFound("token"))?;
        let tx = self.write().await?;
        repo::revoke_token(&tx, row.id).await?;
        self.audit::<()>(
            &tx,
            caller,
            "api_token",
            &id.to_string(),
            "revoke",
            None,
            None,
        )
        .await?;
        crate::commit(tx).await?;
        self.callers().invalidate();
        Ok(())
    }
}

fn token_view(row: qudao_store::admin::api_token::Model) -> TokenView {
    TokenView {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked: row.revoked_at.is_some(),
    }
}

/// An argon2id hash of a random string, verified against when the login does
/// not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jm3bS1AV8RmzuCzj5TNH9YAHf7D3yrkKoPI0yaqNDgM";

/// A random password of 20 characters from an unambiguous alphabet.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    rand::random::<[u8; 20]>()
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

impl Qudao {
    /// Acts as an account from the command line (e.g. to make its token).
    pub async fn caller_by_login(&self, login: &str) -> Result<Caller, AppError> {
        let login = Login::parse(login).map_err(|_| AppError::NotFound("user"))?;
        let row = repo::find_user_by_login(self.db(), login.as_str())
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if row.status != UserStatus::Active.as_str() {
            return Err(AppError::Disabled);
        }
        caller_of(&row)
    }
}
