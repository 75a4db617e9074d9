//! Accounts, sessions, tokens, throttling, the audit chain and the register of children: the SQL of both engines, written once (`crates/treem_storage/sql/README.md`).

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;
use treem_domain::access::{AccountId, Role};
use treem_domain::audit::{entry_hash, AuditEntry, AuditEvent, Outcome, GENESIS};
use treem_domain::child::{Child, ChildFields, HivStatus, Sex};
use treem_domain::units::UnitId;
use treem_storage::{
    AccountChange, AccountRecord, AccountStore, AuditFilter, AuditStore, ChildQuery, ChildStore, ChildUpdate, NewAccount, NewSession,
    SessionRecord, StorageError, ThrottleState, TokenRecord,
};

use crate::dialect::*;

const ACCOUNT_COLUMNS: &str =
    "a.id, a.username, a.display_name, a.password_hash, a.role, a.scope_unit_id, a.agency, a.totp_secret, a.totp_enabled, a.totp_last_step, a.disabled, a.version";

fn decode_account(r: &DbRow) -> Result<AccountRecord, StorageError> {
    let role: String = r.try_get("role").map_err(map_err)?;
    Ok(AccountRecord {
        id: AccountId(r.try_get("id").map_err(map_err)?),
        username: r.try_get("username").map_err(map_err)?,
        display_name: r.try_get("display_name").map_err(map_err)?,
        password_hash: r.try_get("password_hash").map_err(map_err)?,
        role: Role::parse(&role).ok_or_else(|| StorageError::Other(format!("account.role holds `{role}`")))?,
        scope_unit: r.try_get::<Option<i64>, _>("scope_unit_id").map_err(map_err)?.map(UnitId),
        agency: r.try_get("agency").map_err(map_err)?,
        totp_secret: r.try_get("totp_secret").map_err(map_err)?,
        totp_enabled: r.try_get("totp_enabled").map_err(map_err)?,
        totp_last_step: r.try_get("totp_last_step").map_err(map_err)?,
        disabled: r.try_get("disabled").map_err(map_err)?,
        version: r.try_get("version").map_err(map_err)?,
    })
}

/// Appends an event to the chain inside the caller's transaction.
/// [`append_audit`] for the record just written, whose id the entry carries.
pub(crate) async fn append_audit_for(conn: &mut Conn, clock: &dyn Clock, e: &AuditEvent, id: i64) -> Result<(), StorageError> {
    let mut e = e.clone();
    e.record_key = Some(id.to_string());
    append_audit(conn, clock, &e).await
}

/// The entry's time is read from the store's clock once the chain is locked, so the chain's
/// order is its time order.
pub(crate) async fn append_audit(conn: &mut Conn, clock: &dyn Clock, e: &AuditEvent) -> Result<(), StorageError> {
    lock_audit_chain(&mut *conn).await?;
    let last = sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(&mut *conn).await.map_err(map_err)?;
    let (prev_id, prev_hash): (i64, String) = match last {
        Some(r) => (r.try_get(0).map_err(map_err)?, r.try_get(1).map_err(map_err)?),
        None => (0, GENESIS.to_owned()),
    };
    let id = prev_id + 1;
    let at = clock.now();
    let hash = entry_hash(&prev_hash, id, &treem_domain::audit::timestamp_text(at), e);
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor_label, source, action, record_type, record_key, fields, outcome, prev_hash, hash, sensitivity) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(Stamp(at))
    .bind(e.actor_id)
    .bind(&e.actor_label)
    .bind(&e.source)
    .bind(&e.action)
    .bind(&e.record_type)
    .bind(&e.record_key)
    .bind(e.fields.join(","))
    .bind(e.outcome.as_str())
    .bind(&prev_hash)
    .bind(&hash)
    .bind(e.sensitivity.map(|k| k.as_str()))
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

impl DbStore {
    /// Reads one row by id; with `audit`, the entry is appended in the reading
    /// transaction, so a sensitive read that cannot be audited does not happen.
    pub(crate) async fn fetch_audited<T>(
        &self,
        sql: &str,
        id: i64,
        audit: Option<&AuditEvent>,
        decode: fn(&DbRow) -> Result<T, StorageError>,
    ) -> Result<Option<T>, StorageError> {
        let Some(a) = audit else {
            return sqlx::query(sql).bind(id).fetch_optional(&self.pool).await.map_err(map_err)?.as_ref().map(decode).transpose();
        };
        let mut tx = begin_write(&self.pool).await?;
        let found = sqlx::query(sql).bind(id).fetch_optional(&mut *tx).await.map_err(map_err)?.as_ref().map(decode).transpose()?;
        append_audit(&mut tx, &*self.clock, a).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(found)
    }
}

fn decode_audit(r: &DbRow) -> Result<AuditEntry, StorageError> {
    let outcome: String = r.try_get("outcome").map_err(map_err)?;
    let fields: String = r.try_get("fields").map_err(map_err)?;
    Ok(AuditEntry {
        id: r.try_get("id").map_err(map_err)?,
        at: treem_domain::audit::timestamp_text(r.try_get::<Stamp, _>("at").map_err(map_err)?.0),
        event: AuditEvent {
            actor_id: r.try_get("actor_id").map_err(map_err)?,
            actor_label: r.try_get("actor_label").map_err(map_err)?,
            source: r.try_get("source").map_err(map_err)?,
            action: r.try_get("action").map_err(map_err)?,
            record_type: r.try_get("record_type").map_err(map_err)?,
            record_key: r.try_get("record_key").map_err(map_err)?,
            fields: if fields.is_empty() { Vec::new() } else { fields.split(',').map(str::to_owned).collect() },
            // An unknown outcome keeps its text so verification reports the entry as altered.
            outcome: Outcome::parse(&outcome).unwrap_or(Outcome::Failed),
            // An unknown class reads as the most restricted one seen by nobody but the
            // full view; verification then reports the entry as altered.
            sensitivity: r
                .try_get::<Option<String>, _>("sensitivity")
                .map_err(map_err)?
                .map(|k| treem_domain::access::SensitiveKind::parse(&k).unwrap_or(treem_domain::access::SensitiveKind::HivStatus)),
        },
        prev_hash: r.try_get("prev_hash").map_err(map_err)?,
        hash: r.try_get("hash").map_err(map_err)?,
    })
}

fn decode_token(r: &DbRow) -> Result<TokenRecord, StorageError> {
    Ok(TokenRecord {
        id: r.try_get("token_id").map_err(map_err)?,
        account_id: AccountId(r.try_get("token_account_id").map_err(map_err)?),
        name: r.try_get("token_name").map_err(map_err)?,
        created_at: r.try_get::<Stamp, _>("token_created_at").map_err(map_err)?.0,
        last_used_at: r.try_get::<Option<Stamp>, _>("token_last_used_at").map_err(map_err)?.map(|s| s.0),
        revoked_at: r.try_get::<Option<Stamp>, _>("token_revoked_at").map_err(map_err)?.map(|s| s.0),
    })
}

const TOKEN_COLUMNS: &str = "t.id AS token_id, t.account_id AS token_account_id, t.name AS token_name, t.created_at AS token_created_at, \
     t.last_used_at AS token_last_used_at, t.revoked_at AS token_revoked_at";

#[async_trait]
impl AccountStore for DbStore {
    async fn create_account(&self, a: &NewAccount, audit: &AuditEvent) -> Result<AccountId, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = self.clock.now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO account (username, display_name, password_hash, role, scope_unit_id, agency, totp_enabled, disabled, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) RETURNING id",
        )
        .bind(&a.username)
        .bind(&a.display_name)
        .bind(&a.password_hash)
        .bind(a.role.as_str())
        .bind(a.scope_unit.map(|u| u.0))
        .bind(&a.agency)
        .bind(false)
        .bind(false)
        .bind(Stamp(now))
        .bind(Stamp(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit_for(&mut tx, &*self.clock, audit, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(AccountId(id))
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<AccountRecord>, StorageError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM account a WHERE a.username = $1");
        sqlx::query(&sql).bind(username).fetch_optional(&self.pool).await.map_err(map_err)?.as_ref().map(decode_account).transpose()
    }

    async fn account(&self, id: AccountId) -> Result<Option<AccountRecord>, StorageError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM account a WHERE a.id = $1");
        sqlx::query(&sql).bind(id.0).fetch_optional(&self.pool).await.map_err(map_err)?.as_ref().map(decode_account).transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<AccountRecord>, StorageError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM account a ORDER BY a.username");
        sqlx::query(&sql).fetch_all(&self.pool).await.map_err(map_err)?.iter().map(decode_account).collect()
    }

    async fn change_account(&self, id: AccountId, change: &AccountChange, audit: Option<&AuditEvent>) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let q = match change {
            AccountChange::Disable => sqlx::query("UPDATE account SET disabled = $1, updated_at = $2, version = version + 1 WHERE id = $3").bind(true),
            AccountChange::Enable => sqlx::query("UPDATE account SET disabled = $1, updated_at = $2, version = version + 1 WHERE id = $3").bind(false),
            AccountChange::Password(hash) => {
                sqlx::query("UPDATE account SET password_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3").bind(hash.clone())
            }
            AccountChange::TotpSecret(secret) => sqlx::query(
                "UPDATE account SET totp_secret = $1, totp_enabled = FALSE, totp_last_step = NULL, updated_at = $2, version = version + 1 WHERE id = $3",
            )
            .bind(secret.clone()),
            AccountChange::TotpEnabled { step } => sqlx::query(
                "UPDATE account SET totp_enabled = TRUE, totp_last_step = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND totp_secret IS NOT NULL",
            )
            .bind(*step),
            AccountChange::TotpStep(step) => sqlx::query("UPDATE account SET totp_last_step = $1, updated_at = $2 WHERE id = $3").bind(*step),
        };
        let done = q.bind(now).bind(id.0).execute(&mut *tx).await.map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        if change.ends_sessions() {
            sqlx::query("DELETE FROM session WHERE account_id = $1").bind(id.0).execute(&mut *tx).await.map_err(map_err)?;
        }
        if let Some(a) = audit {
            append_audit(&mut tx, &*self.clock, a).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn create_session(&self, s: &NewSession, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("INSERT INTO session (token_hash, account_id, csrf_token, mfa_passed, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&s.token_hash)
            .bind(s.account_id.0)
            .bind(&s.csrf_token)
            .bind(s.mfa_passed)
            .bind(Stamp(s.now))
            .bind(Stamp(s.now))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StorageError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, s.id AS session_id, s.csrf_token, s.mfa_passed, s.created_at AS session_created_at, s.last_seen_at \
             FROM session s JOIN account a ON a.id = s.account_id WHERE s.token_hash = $1"
        );
        let Some(r) = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await.map_err(map_err)? else {
            return Ok(None);
        };
        Ok(Some(SessionRecord {
            id: r.try_get("session_id").map_err(map_err)?,
            account: decode_account(&r)?,
            csrf_token: r.try_get("csrf_token").map_err(map_err)?,
            mfa_passed: r.try_get("mfa_passed").map_err(map_err)?,
            created_at: r.try_get::<Stamp, _>("session_created_at").map_err(map_err)?.0,
            last_seen_at: r.try_get::<Stamp, _>("last_seen_at").map_err(map_err)?.0,
        }))
    }

    async fn touch_session(&self, id: i64, now: OffsetDateTime) -> Result<(), StorageError> {
        sqlx::query("UPDATE session SET last_seen_at = $1 WHERE id = $2")
            .bind(Stamp(now))
            .bind(id)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(map_err)
    }

    async fn pass_session_mfa(&self, id: i64, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("UPDATE session SET mfa_passed = $1 WHERE id = $2").bind(true).bind(id).execute(&mut *tx).await.map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn count_code_attempt(&self, id: i64) -> Result<Option<i64>, StorageError> {
        sqlx::query_scalar("UPDATE session SET code_attempts = code_attempts + 1 WHERE id = $1 AND mfa_passed = $2 RETURNING code_attempts")
            .bind(id)
            .bind(false)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn delete_session(&self, id: i64, audit: Option<&AuditEvent>) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM session WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(map_err)?;
        if let Some(a) = audit {
            append_audit(&mut tx, &*self.clock, a).await?;
        }
        tx.commit().await.map_err(map_err)
    }

    async fn purge_sessions(&self, created_before: OffsetDateTime, seen_before: OffsetDateTime) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM session WHERE created_at < $1 OR last_seen_at < $2")
            .bind(Stamp(created_before))
            .bind(Stamp(seen_before))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn throttle(&self, key: &str) -> Result<Option<ThrottleState>, StorageError> {
        let Some(r) = sqlx::query("SELECT failures, window_start, locked_until FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
        else {
            return Ok(None);
        };
        Ok(Some(ThrottleState {
            failures: r.try_get("failures").map_err(map_err)?,
            window_start: r.try_get::<Stamp, _>("window_start").map_err(map_err)?.0,
            locked_until: r.try_get::<Stamp, _>("locked_until").map_err(map_err)?.0,
        }))
    }

    async fn put_throttle(&self, key: &str, s: &ThrottleState) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until",
        )
        .bind(key)
        .bind(s.failures)
        .bind(Stamp(s.window_start))
        .bind(Stamp(s.locked_until))
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(map_err)
    }

    async fn clear_throttle(&self, key: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key).execute(&self.pool).await.map(|_| ()).map_err(map_err)
    }

    async fn update_throttle(
        &self,
        key: &str,
        next: &(dyn Fn(Option<ThrottleState>) -> ThrottleState + Send + Sync),
    ) -> Result<Option<ThrottleState>, StorageError> {
        // The row is locked while it is read and rewritten (FOR UPDATE on PostgreSQL; SQLite's
        // write transaction already holds the database). A missing row cannot be locked: the
        // first insert wins, and a caller that loses the race reads again.
        for _ in 0..3 {
            let mut tx = begin_write(&self.pool).await?;
            let select = format!("SELECT failures, window_start, locked_until FROM login_throttle WHERE throttle_key = $1{FOR_UPDATE}");
            let row = sqlx::query(&select).bind(key).fetch_optional(&mut *tx).await.map_err(map_err)?;
            let before = match row {
                Some(r) => Some(ThrottleState {
                    failures: r.try_get("failures").map_err(map_err)?,
                    window_start: r.try_get::<Stamp, _>("window_start").map_err(map_err)?.0,
                    locked_until: r.try_get::<Stamp, _>("locked_until").map_err(map_err)?.0,
                }),
                None => None,
            };
            let s = next(before);
            let written = if before.is_some() {
                sqlx::query("UPDATE login_throttle SET failures = $2, window_start = $3, locked_until = $4 WHERE throttle_key = $1")
            } else {
                sqlx::query(
                    "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (throttle_key) DO NOTHING",
                )
            }
            .bind(key)
            .bind(s.failures)
            .bind(Stamp(s.window_start))
            .bind(Stamp(s.locked_until))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
            if written == 1 {
                tx.commit().await.map_err(map_err)?;
                return Ok(before);
            }
            tx.rollback().await.map_err(map_err)?;
        }
        Err(StorageError::Busy)
    }

    async fn create_token(&self, account_id: AccountId, name: &str, token_hash: &str, audit: &AuditEvent) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let id: i64 =
            sqlx::query_scalar("INSERT INTO api_token (account_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(account_id.0)
                .bind(name)
                .bind(token_hash)
                .bind(Stamp(self.clock.now()))
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        append_audit_for(&mut tx, &*self.clock, audit, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn token(&self, token_hash: &str) -> Result<Option<(TokenRecord, AccountRecord)>, StorageError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS}, {TOKEN_COLUMNS} FROM api_token t JOIN account a ON a.id = t.account_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        );
        let Some(r) = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await.map_err(map_err)? else {
            return Ok(None);
        };
        let token = decode_token(&r)?;
        let stale = token.last_used_at.is_none_or(|t| self.clock.now() - t > time::Duration::minutes(5));
        if stale {
            sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE id = $2")
                .bind(Stamp(self.clock.now()))
                .bind(token.id)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
        }
        Ok(Some((token, decode_account(&r)?)))
    }

    async fn list_tokens(&self, account_id: AccountId) -> Result<Vec<TokenRecord>, StorageError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_token t WHERE t.account_id = $1 ORDER BY t.id");
        sqlx::query(&sql).bind(account_id.0).fetch_all(&self.pool).await.map_err(map_err)?.iter().map(decode_token).collect()
    }

    async fn revoke_token(&self, account_id: AccountId, token_id: i64, audit: &AuditEvent) -> Result<bool, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL")
            .bind(Stamp(self.clock.now()))
            .bind(token_id)
            .bind(account_id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}

#[async_trait]
impl AuditStore for DbStore {
    async fn audit(&self, e: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        append_audit(&mut tx, &*self.clock, e).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StorageError> {
        let sql = format!(
            "SELECT * FROM audit_log WHERE (CAST($1 AS BIGINT) IS NULL OR actor_id = $2) AND (CAST($3 AS TEXT) IS NULL OR action LIKE $4 ESCAPE '\\') \
             AND (CAST($5 AS TEXT) IS NULL OR record_type = $6) AND (CAST($7 AS TEXT) IS NULL OR record_key = $8) AND ($9 IS NULL OR at <= $10) \
             AND ($11 IS NULL OR sensitivity IS NULL OR {}) ORDER BY at DESC, id DESC LIMIT $13",
            in_texts("sensitivity", 12)
        );
        let visible = f.visible.map(|v| text_list(v.names()));
        let rows = sqlx::query(&sql)
            .bind(f.actor_id)
            .bind(f.actor_id)
            .bind(f.action_prefix.as_deref())
            .bind(f.action_prefix.as_deref().map(|p| {
                let p = treem_domain::text::escape_like(p);
                if f.action_exact {
                    p
                } else {
                    format!("{p}%")
                }
            }))
            .bind(f.record_type.as_deref())
            .bind(f.record_type.as_deref())
            .bind(f.record_key.as_deref())
            .bind(f.record_key.as_deref())
            .bind(f.before_at.map(Stamp))
            .bind(f.before_at.map(Stamp))
            .bind(visible.clone())
            .bind(visible)
            .bind(f.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter().map(decode_audit).collect()
    }

    async fn audit_chain(&self) -> Result<Vec<AuditEntry>, StorageError> {
        sqlx::query("SELECT * FROM audit_log ORDER BY id").fetch_all(&self.pool).await.map_err(map_err)?.iter().map(decode_audit).collect()
    }
}

const CHILD_COLUMNS: &str =
    "id, full_name, sex, birth_date, residence_unit_id, registered_on, hiv_status, abuse_notes, offence_notes, version, hiv_version, \
     abuse_version, offence_version, merged_into_id, birth_date_estimated";

fn decode_child(r: &DbRow) -> Result<Child, StorageError> {
    let sex: String = r.try_get("sex").map_err(map_err)?;
    let hiv: Option<String> = r.try_get("hiv_status").map_err(map_err)?;
    Ok(Child {
        id: r.try_get("id").map_err(map_err)?,
        full_name: r.try_get("full_name").map_err(map_err)?,
        sex: Sex::parse(&sex).ok_or_else(|| StorageError::Other(format!("child.sex holds `{sex}`")))?,
        birth_date: r.try_get("birth_date").map_err(map_err)?,
        birth_date_estimated: r.try_get("birth_date_estimated").map_err(map_err)?,
        residence_unit: UnitId(r.try_get("residence_unit_id").map_err(map_err)?),
        registered_on: r.try_get("registered_on").map_err(map_err)?,
        hiv_status: hiv
            .map(|h| HivStatus::parse(&h).ok_or_else(|| StorageError::Other(format!("child.hiv_status holds `{h}`"))))
            .transpose()?,
        abuse_notes: r.try_get("abuse_notes").map_err(map_err)?,
        offence_notes: r.try_get("offence_notes").map_err(map_err)?,
        versions: treem_domain::child::ChildVersions {
            core: r.try_get("version").map_err(map_err)?,
            hiv: r.try_get("hiv_version").map_err(map_err)?,
            abuse: r.try_get("abuse_version").map_err(map_err)?,
            offence: r.try_get("offence_version").map_err(map_err)?,
        },
        merged_into: r.try_get("merged_into_id").map_err(map_err)?,
    })
}

/// Gives the register-book order key (`treem_domain::text::person_sort_bytes`) to the
/// children written before it was stored (migration 0018); run after every migration,
/// and a no-op once all have one.
pub(crate) async fn fill_person_order(pool: &Pool) -> Result<(), StorageError> {
    loop {
        let rows = sqlx::query("SELECT id, full_name FROM child WHERE name_order IS NULL ORDER BY id LIMIT 1000")
            .fetch_all(pool)
            .await
            .map_err(map_err)?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = begin_write(pool).await?;
        for r in &rows {
            let id: i64 = r.try_get("id").map_err(map_err)?;
            let name: String = r.try_get("full_name").map_err(map_err)?;
            sqlx::query("UPDATE child SET name_order = $1 WHERE id = $2")
                .bind(treem_domain::text::person_sort_bytes(&name))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
    }
}

#[async_trait]
impl ChildStore for DbStore {
    async fn create_child(&self, c: &ChildFields, created_by: i64, audit: &[AuditEvent]) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO child (full_name, name_search, sex, birth_date, residence_unit_id, registered_on, hiv_status, abuse_notes, offence_notes, \
             created_by_id, created_at, updated_at, version, birth_date_estimated, name_order) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14) RETURNING id",
        )
        .bind(&c.full_name)
        .bind(&c.name_search)
        .bind(c.sex.as_str())
        .bind(c.birth_date)
        .bind(c.residence_unit.0)
        .bind(c.registered_on)
        .bind(c.hiv_status.map(HivStatus::as_str))
        .bind(&c.abuse_notes)
        .bind(&c.offence_notes)
        .bind(created_by)
        .bind(now)
        .bind(now)
        .bind(c.birth_date_estimated)
        .bind(treem_domain::text::person_sort_bytes(&c.full_name))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        for event in audit {
            append_audit_for(&mut tx, &*self.clock, event, id).await?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn child(&self, id: i64, audit: Option<&AuditEvent>) -> Result<Option<Child>, StorageError> {
        let sql = format!("SELECT {CHILD_COLUMNS} FROM child WHERE id = $1");
        self.fetch_audited(&sql, id, audit, decode_child).await
    }

    async fn list_children(&self, q: &ChildQuery) -> Result<Vec<Child>, StorageError> {
        if q.units.is_empty() {
            return Ok(Vec::new());
        }
        let units = unit_list(&q.units);
        let sql = format!(
            "SELECT {CHILD_COLUMNS} FROM child WHERE residence_unit_id {UNITS_IN} AND merged_into_id IS NULL \
             AND (CAST($2 AS TEXT) IS NULL OR name_search LIKE $3 ESCAPE '\\') \
             AND (CAST($4 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM child_circumstance g WHERE g.child_id = child.id AND g.group_code = $5 AND g.ended_on IS NULL)) \
             AND registered_on >= $6 AND registered_on <= $7 \
             AND (CAST($8 AS BIGINT) = 0 OR (name_order, id) > (SELECT prev.name_order, prev.id FROM child prev WHERE prev.id = $11)) \
             AND {} ORDER BY name_order, id LIMIT $9",
            opt_in_ids("id", 10)
        );
        let pattern = q.name_contains.as_deref().map(|n| format!("%{}%", treem_domain::text::escape_like(n)));
        sqlx::query(&sql)
            .bind(units)
            .bind(pattern.as_deref())
            .bind(pattern.as_deref())
            .bind(q.group.as_deref())
            .bind(q.group.as_deref())
            .bind(q.registered_from.unwrap_or(time::macros::date!(1900 - 01 - 01)))
            .bind(q.registered_to.unwrap_or(time::macros::date!(9999 - 12 - 31)))
            .bind(q.after_id.unwrap_or(0))
            .bind(q.limit)
            .bind(q.ids.as_deref().map(|ids| id_list(ids.iter().copied())))
            .bind(q.after_id.unwrap_or(0))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(decode_child)
            .collect()
    }

    async fn set_merged(&self, id: i64, into: Option<i64>, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query("UPDATE child SET merged_into_id = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND (CAST($4 AS BIGINT) IS NULL OR id <> $5)")
            .bind(into)
            .bind(Stamp(self.clock.now()))
            .bind(id)
            .bind(into)
            .bind(into)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn merged_into(&self, id: i64) -> Result<Vec<Child>, StorageError> {
        let sql = format!("SELECT {CHILD_COLUMNS} FROM child WHERE merged_into_id = $1 ORDER BY id");
        sqlx::query(&sql).bind(id).fetch_all(&self.pool).await.map_err(map_err)?.iter().map(decode_child).collect()
    }

    async fn update_child(&self, id: i64, u: &ChildUpdate<'_>, audit: &[AuditEvent]) -> Result<(), StorageError> {
        use treem_domain::access::SensitiveKind::{AbuseDetails, HivStatus as Hiv, OffenceDetails};
        let mut tx = begin_write(&self.pool).await?;
        let c = u.fields;
        let moved = |b: bool| i64::from(b);
        // Only the classes the writer sees are written, and only their counters are part
        // of the version it checks (see `ChildVersions::seen`).
        let done = sqlx::query(
            "UPDATE child SET full_name = $1, name_search = $2, sex = $3, birth_date = $4, residence_unit_id = $5, registered_on = $6, \
             birth_date_estimated = $7, updated_at = $8, \
             hiv_status = CASE WHEN $9 = 1 THEN $10 ELSE hiv_status END, \
             abuse_notes = CASE WHEN $11 = 1 THEN $12 ELSE abuse_notes END, \
             offence_notes = CASE WHEN $13 = 1 THEN $14 ELSE offence_notes END, \
             version = version + $15, hiv_version = hiv_version + $16, abuse_version = abuse_version + $17, \
             offence_version = offence_version + $18, name_order = $21 \
             WHERE id = $19 AND version + $9 * hiv_version + $11 * abuse_version + $13 * offence_version = $20",
        )
        .bind(&c.full_name)
        .bind(&c.name_search)
        .bind(c.sex.as_str())
        .bind(c.birth_date)
        .bind(c.residence_unit.0)
        .bind(c.registered_on)
        .bind(c.birth_date_estimated)
        .bind(Stamp(self.clock.now()))
        .bind(u.counts(Hiv))
        .bind(c.hiv_status.map(HivStatus::as_str))
        .bind(u.counts(AbuseDetails))
        .bind(&c.abuse_notes)
        .bind(u.counts(OffenceDetails))
        .bind(&c.offence_notes)
        .bind(moved(u.changed.core))
        .bind(moved(u.changed.hiv && u.writes(Hiv)))
        .bind(moved(u.changed.abuse && u.writes(AbuseDetails)))
        .bind(moved(u.changed.offence && u.writes(OffenceDetails)))
        .bind(id)
        .bind(u.expected)
        .bind(treem_domain::text::person_sort_bytes(&c.full_name))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM child WHERE id = $1").bind(id).fetch_optional(&mut *tx).await.map_err(map_err)?;
            return Err(if exists.is_some() { StorageError::Conflict("version".into()) } else { StorageError::NotFound });
        }
        for event in audit {
            append_audit(&mut tx, &*self.clock, event).await?;
        }
        tx.commit().await.map_err(map_err)
    }
}
