//! Sign-in, sessions, the TOTP second factor and personal access tokens.
//!
//! Passwords are hashed with argon2id (m = 19 MiB, t = 2, p = 1) on blocking
//! threads, at most two at a time. An unknown user costs the same hash as a
//! wrong password and gets the same answer. Failed sign-ins slow down per
//! account name and per address with an escalating, expiring delay: never a
//! permanent lock an attacker could use against an officer.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use time::{Duration, OffsetDateTime};
use tokio::sync::Semaphore;
use treem_domain::access::AccountId;
use treem_domain::audit::{hex, AuditEvent, Outcome};
use treem_domain::clock::Clock;
use treem_domain::totp;
use treem_storage::{AccountChange, AccountRecord, NewSession, SessionRecord, Store, ThrottleState};

use crate::access::Actor;
use crate::units::UnitService;
use crate::AppError;

/// Session and sign-in policy.
#[derive(Debug, Clone, Copy)]
pub struct AuthSettings {
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    /// Require a second factor for roles that see case data.
    pub require_mfa: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self { idle_timeout: Duration::minutes(15), absolute_timeout: Duration::hours(8), require_mfa: true }
    }
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Signed in fully.
    Active,
    /// Password given; a TOTP code is still needed.
    NeedsCode,
    /// Password given; the role needs a second factor and none is enrolled yet.
    NeedsEnrolment,
}

/// A live session, resolved.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub id: i64,
    pub actor: Actor,
    pub state: SessionState,
    pub csrf_token: String,
    pub totp_enabled: bool,
}

pub const MAX_USERNAME: usize = 64;
pub const MAX_PASSWORD: usize = 128;
pub const MIN_PASSWORD: usize = 8;

/// Per account name: the n-th failure in an hour locks for 2^(n-1) s, at most 15 min.
const ACCOUNT_WINDOW: Duration = Duration::hours(1);
const ACCOUNT_MAX_LOCK_SECONDS: i64 = 900;
/// Per address: at most 10 failures a minute.
const ADDRESS_WINDOW: Duration = Duration::minutes(1);
const ADDRESS_FAILURES: i64 = 10;

/// The second factor: a session waiting for its code ends at its fifth attempt that is not
/// the right code. Per account, from the fifth attempt without a right code on, each attempt
/// locks the next one for 2^(n-5) s (at most 15 min), counted over a day and cleared by a
/// right code, so a new session does not start the count afresh.
pub const CODE_ATTEMPTS_PER_SESSION: i64 = 5;
const CODE_WINDOW: Duration = Duration::hours(24);

/// Passwords nobody should use; a short list, checked case-insensitively (see docs/SECURITY.md).
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "12345678",
    "123456789",
    "1234567890",
    "qwerty123",
    "11111111",
    "00000000",
    "abc12345",
    "iloveyou",
    "admin123",
    "matkhau",
    "matkhau123",
    "123456a@",
    "12345678a",
    "dongthap",
    "dongthap1",
    "treem123",
    "treemtreem",
    "vietnam1",
    "vietnam123",
    "hanoi123",
    "saigon123",
    "anhyeuem",
    "baove123",
    "qwertyui",
    "1q2w3e4r",
    "passw0rd",
    "welcome1",
    "letmein1",
];

pub struct AuthService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    units: Arc<UnitService>,
    settings: AuthSettings,
    hashing: Semaphore,
}

fn argon2() -> Argon2<'static> {
    // 19 MiB, 2 passes, 1 lane: the OWASP floor for argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password, verified against when the user does not exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 16];
        OsRng.fill_bytes(&mut bytes);
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(&bytes, &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

/// 32 random bytes as hex: session and API tokens, CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// Tokens are stored only as their SHA-256.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Usernames: NFC, lower case, 3–64 of `a-z 0-9 . _ -`.
pub fn normalize_username(s: &str) -> Result<String, AppError> {
    let u = treem_domain::text::nfc(s.trim()).to_lowercase();
    let ok = (3..=MAX_USERNAME).contains(&u.chars().count())
        && u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(u)
    } else {
        Err(AppError::invalid("username", "use 3 to 64 letters a–z, digits, '.', '_' or '-'"))
    }
}

/// Checks a new password: length, not common, not the username.
pub fn check_new_password(password: &str, username: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(AppError::invalid("password", format!("use at least {MIN_PASSWORD} characters")));
    }
    if n > MAX_PASSWORD {
        return Err(AppError::invalid("password", format!("use at most {MAX_PASSWORD} characters")));
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lower.as_str()) || treem_domain::passwords::weakness(password).is_some() || lower.contains(username) {
        return Err(AppError::invalid("password", "this password is too easy to guess"));
    }
    Ok(())
}

impl AuthService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, units: Arc<UnitService>, settings: AuthSettings) -> Self {
        Self { clock, store, units, settings, hashing: Semaphore::new(2) }
    }

    pub fn settings(&self) -> AuthSettings {
        self.settings
    }

    /// Hashes a password on a blocking thread.
    pub async fn hash_password(&self, password: &str) -> Result<String, AppError> {
        let _permit = self.hashing.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| AppError::Internal(e.to_string()))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    async fn verify_password(&self, password: &str, hash: &str) -> Result<bool, AppError> {
        let _permit = self.hashing.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
        let (password, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
            Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The state a fresh sign-in starts in: an enrolled second factor is always
    /// asked for; enrolment is forced where policy requires a second factor.
    fn initial_state(&self, a: &AccountRecord) -> SessionState {
        if a.totp_enabled {
            SessionState::NeedsCode
        } else if self.settings.require_mfa && a.role.sees_case_data() {
            SessionState::NeedsEnrolment
        } else {
            SessionState::Active
        }
    }

    async fn locked_for(&self, key: &str, now: OffsetDateTime) -> Result<Option<i64>, AppError> {
        Ok(self.store.throttle(key).await?.filter(|t| t.locked_until > now).map(|t| (t.locked_until - now).whole_seconds().max(1)))
    }

    async fn record_failure(&self, key: &str, now: OffsetDateTime, per_address: bool) -> Result<(), AppError> {
        let window = if per_address { ADDRESS_WINDOW } else { ACCOUNT_WINDOW };
        let mut t = match self.store.throttle(key).await? {
            Some(t) if now - t.window_start < window => t,
            _ => ThrottleState { failures: 0, window_start: now, locked_until: now },
        };
        t.failures += 1;
        t.locked_until = if per_address {
            if t.failures >= ADDRESS_FAILURES {
                t.window_start + ADDRESS_WINDOW
            } else {
                now
            }
        } else {
            let exp = u32::try_from((t.failures - 1).clamp(0, 20)).unwrap_or(20);
            now + Duration::seconds(2i64.saturating_pow(exp).min(ACCOUNT_MAX_LOCK_SECONDS))
        };
        self.store.put_throttle(key, &t).await?;
        Ok(())
    }

    /// Checks a username and password. On success returns a new session token
    /// (never an old one: sessions are not fixed) and the state it starts in.
    pub async fn sign_in(&self, username: &str, password: &str, source: &str) -> Result<(String, SessionState), AppError> {
        let now = self.clock.now();
        let typed: String = username.trim().chars().take(MAX_USERNAME).collect();
        let name = treem_domain::text::nfc(&typed).to_lowercase();
        let user_key = format!("user:{name}");
        let address_key = format!("address:{source}");
        for key in [&user_key, &address_key] {
            if let Some(wait) = self.locked_for(key, now).await? {
                return Err(AppError::Throttled(wait));
            }
        }
        let account = if username.chars().count() <= MAX_USERNAME && password.chars().count() <= MAX_PASSWORD {
            self.store.account_by_username(&name).await?
        } else {
            None
        };
        let hash = account.as_ref().map_or_else(|| dummy_hash().to_owned(), |a| a.password_hash.clone());
        let password_ok = self.verify_password(password.get(..MAX_PASSWORD * 4).unwrap_or(password), &hash).await?;
        let account = match account {
            Some(a) if password_ok && !a.disabled => a,
            other => {
                self.record_failure(&user_key, now, false).await?;
                self.record_failure(&address_key, now, true).await?;
                let mut e = AuditEvent::new("session.sign_in", Outcome::Failed);
                e.actor_id = other.map(|a| a.id.0);
                e.actor_label = typed;
                e.source = source.to_owned();
                self.store.audit(&e).await?;
                return Err(AppError::SignInFailed);
            }
        };
        self.store.clear_throttle(&user_key).await?;
        // Expired sessions are refused when presented; clear them out now and then, at sign-in.
        self.store.purge_sessions(now - self.settings.absolute_timeout, now - self.settings.idle_timeout).await?;
        let state = self.initial_state(&account);
        let token = random_token();
        let session = NewSession {
            token_hash: token_hash(&token),
            account_id: account.id,
            csrf_token: random_token(),
            mfa_passed: state == SessionState::Active,
            now,
        };
        let mut e = AuditEvent::new("session.sign_in", Outcome::Ok);
        e.actor_id = Some(account.id.0);
        e.actor_label = account.username.clone();
        e.source = source.to_owned();
        self.store.create_session(&session, &e).await?;
        Ok((token, state))
    }

    fn actor(&self, a: &AccountRecord, source: &str) -> Actor {
        let scope = a.scope_unit.map(|u| self.units.scope_of(u)).unwrap_or_default();
        Actor {
            account_id: a.id.0,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: a.role,
            scope_unit: a.scope_unit,
            agency: a.agency.clone(),
            scope,
            source: source.to_owned(),
        }
    }

    /// Resolves a session cookie. Expired (idle or absolute), unknown, or
    /// disabled-account sessions are `Unauthenticated`.
    pub async fn session(&self, token: &str, source: &str) -> Result<CurrentSession, AppError> {
        if token.len() != 64 {
            return Err(AppError::Unauthenticated);
        }
        let Some(s) = self.store.session(&token_hash(token)).await? else { return Err(AppError::Unauthenticated) };
        let now = self.clock.now();
        if s.account.disabled || now - s.last_seen_at > self.settings.idle_timeout || now - s.created_at > self.settings.absolute_timeout {
            self.store.delete_session(s.id, None).await?;
            return Err(AppError::Unauthenticated);
        }
        if now - s.last_seen_at > Duration::seconds(30) {
            self.store.touch_session(s.id, now).await?;
        }
        Ok(self.current(&s, source))
    }

    fn current(&self, s: &SessionRecord, source: &str) -> CurrentSession {
        let state = if s.mfa_passed { SessionState::Active } else { self.initial_state(&s.account) };
        CurrentSession {
            id: s.id,
            actor: self.actor(&s.account, source),
            state,
            csrf_token: s.csrf_token.clone(),
            totp_enabled: s.account.totp_enabled,
        }
    }

    /// The actor of an account, for work done on its behalf by the command line
    /// (loading the demo). Never reachable from the web.
    pub async fn actor_for(&self, username: &str, source: &str) -> Result<Actor, AppError> {
        let a = self.store.account_by_username(&normalize_username(username)?).await?.ok_or(AppError::NotFound)?;
        Ok(self.actor(&a, source))
    }

    /// [`Self::actor_for`], refusing a disabled account: for work the command line does
    /// under a person's name and area (an import).
    pub async fn active_actor_for(&self, username: &str, source: &str) -> Result<Actor, AppError> {
        let a = self.store.account_by_username(&normalize_username(username)?).await?.ok_or(AppError::NotFound)?;
        if a.disabled {
            return Err(AppError::Forbidden);
        }
        Ok(self.actor(&a, source))
    }

    /// Resolves a personal access token (`Authorization: Bearer treem_…`).
    pub async fn token_actor(&self, token: &str, source: &str) -> Result<Actor, AppError> {
        let Some(raw) = token.strip_prefix("treem_").filter(|t| t.len() == 64) else { return Err(AppError::Unauthenticated) };
        match self.store.token(&token_hash(raw)).await? {
            Some((_, account)) if !account.disabled => Ok(self.actor(&account, source)),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// Ends a session (sign-out).
    pub async fn sign_out(&self, s: &CurrentSession) -> Result<(), AppError> {
        self.store.delete_session(s.id, Some(&s.actor.event("session.sign_out", Outcome::Ok))).await.map_err(AppError::from)
    }

    /// Completes sign-in with a TOTP code.
    ///
    /// Every attempt is counted before the code is looked at, on the session and on the
    /// account, each in one atomic step: guesses sent in parallel cannot get past either
    /// limit. The session ends at its [`CODE_ATTEMPTS_PER_SESSION`]-th attempt that fails
    /// (`AppError::CodeLocked`: sign in again with the password); per account, from the fifth
    /// attempt on, each attempt locks the next one for 2^(n-5) s, at most 15 min, counted over
    /// a day and cleared by a right code, so a new session does not start the count afresh.
    /// Never a permanent lock.
    /// Every failure, refusal and lock is audited.
    pub async fn verify_code(&self, s: &CurrentSession, code: &str) -> Result<(), AppError> {
        let Some(attempt) = self.store.count_code_attempt(s.id).await? else { return Err(AppError::Unauthenticated) };
        if attempt > CODE_ATTEMPTS_PER_SESSION {
            // A guess that raced the one which ended the session: refused unseen.
            self.store.delete_session(s.id, Some(&s.actor.event("session.second_factor", Outcome::Denied))).await?;
            return Err(AppError::CodeLocked);
        }
        let now = self.clock.now();
        let key = format!("second_factor:{}", s.actor.account_id);
        let before = self.store.update_throttle(&key, &|t| next_code_attempt(t, now)).await?;
        let wait = before.filter(|t| t.locked_until > now).map(|t| (t.locked_until - now).whole_seconds().max(1));
        let account = self.store.account(AccountId(s.actor.account_id)).await?.ok_or(AppError::Unauthenticated)?;
        let step = match (&account.totp_secret, account.totp_enabled, wait) {
            (Some(secret), true, None) => {
                totp::base32_decode(secret).and_then(|k| totp::verify(&k, code, now.unix_timestamp(), account.totp_last_step))
            }
            _ => None,
        };
        if let Some(step) = step {
            self.store.clear_throttle(&key).await?;
            self.store.change_account(account.id, &AccountChange::TotpStep(step), None).await?;
            self.store.pass_session_mfa(s.id, &s.actor.event("session.second_factor", Outcome::Ok)).await?;
            return Ok(());
        }
        // A throttled attempt is refused without looking at the code: `denied`, not `failed`.
        let outcome = if wait.is_some() { Outcome::Denied } else { Outcome::Failed };
        self.store.audit(&s.actor.event("session.second_factor", outcome)).await?;
        if attempt >= CODE_ATTEMPTS_PER_SESSION {
            tracing::warn!(account_id = s.actor.account_id, "second factor: session ended after too many wrong codes");
            self.store.delete_session(s.id, Some(&s.actor.event("session.second_factor_locked", Outcome::Failed))).await?;
            return Err(AppError::CodeLocked);
        }
        match wait {
            Some(seconds) => Err(AppError::Throttled(seconds)),
            None => Err(AppError::invalid("code", "the code is not right")),
        }
    }

    /// Starts TOTP enrolment: a fresh secret, shown to the user once.
    pub async fn start_enrolment(&self, s: &CurrentSession) -> Result<(String, String), AppError> {
        let mut key = [0u8; 20];
        OsRng.fill_bytes(&mut key);
        let secret = totp::base32_encode(&key);
        self.store
            .change_account(
                AccountId(s.actor.account_id),
                &AccountChange::TotpSecret(Some(secret.clone())),
                Some(&s.actor.event("account.totp_enrolment_started", Outcome::Ok).record("account", s.actor.account_id)),
            )
            .await?;
        let uri = totp::otpauth_uri("treem", &s.actor.username, &secret);
        Ok((secret, uri))
    }

    /// Confirms enrolment with a code from the app. Ends the account's other
    /// sessions and returns a fresh session token for this browser.
    pub async fn confirm_enrolment(&self, s: &CurrentSession, code: &str) -> Result<String, AppError> {
        let account = self.store.account(AccountId(s.actor.account_id)).await?.ok_or(AppError::Unauthenticated)?;
        let step = account
            .totp_secret
            .as_deref()
            .and_then(totp::base32_decode)
            .and_then(|k| totp::verify(&k, code, self.clock.now().unix_timestamp(), None))
            .ok_or_else(|| AppError::invalid("code", "the code is not right; check the time on your phone"))?;
        self.store
            .change_account(
                account.id,
                &AccountChange::TotpEnabled { step },
                Some(&s.actor.event("account.totp_enrolled", Outcome::Ok).record("account", account.id)),
            )
            .await?;
        let token = random_token();
        let session = NewSession {
            token_hash: token_hash(&token),
            account_id: account.id,
            csrf_token: random_token(),
            mfa_passed: true,
            now: self.clock.now(),
        };
        self.store.create_session(&session, &s.actor.event("session.renewed", Outcome::Ok)).await?;
        Ok(token)
    }

    /// Changes one's own password (the old one is asked again); ends every session.
    pub async fn change_password(&self, s: &CurrentSession, old: &str, new: &str) -> Result<(), AppError> {
        let account = self.store.account(AccountId(s.actor.account_id)).await?.ok_or(AppError::Unauthenticated)?;
        if !self.verify_password(old, &account.password_hash).await? {
            return Err(AppError::invalid("old_password", "the current password is not right"));
        }
        check_new_password(new, &account.username)?;
        let hash = self.hash_password(new).await?;
        self.store
            .change_account(
                account.id,
                &AccountChange::Password(hash),
                Some(&s.actor.event("account.password_changed", Outcome::Ok).record("account", account.id)),
            )
            .await?;
        Ok(())
    }

    /// Creates a personal access token for the signed-in user; the token is returned once.
    pub async fn create_token(&self, s: &CurrentSession, name: &str) -> Result<String, AppError> {
        if s.state != SessionState::Active {
            return Err(AppError::Unauthenticated);
        }
        let name = treem_domain::text::clean_line(name, 100).map_err(|e| AppError::invalid("name", e.to_string()))?;
        let raw = random_token();
        self.store
            .create_token(
                AccountId(s.actor.account_id),
                &name,
                &token_hash(&raw),
                &s.actor.event("token.create", Outcome::Ok).record("api_token", ""),
            )
            .await?;
        Ok(format!("treem_{raw}"))
    }

    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<treem_storage::TokenRecord>, AppError> {
        Ok(self.store.list_tokens(AccountId(actor.account_id)).await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, token_id: i64) -> Result<(), AppError> {
        if self
            .store
            .revoke_token(AccountId(actor.account_id), token_id, &actor.event("token.revoke", Outcome::Ok).record("api_token", token_id))
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}

/// The account's second-factor throttle after one more attempt. A locked entry stays as it
/// is (the attempt is refused without being counted); otherwise the attempt counts, and from
/// the fifth on it locks the next one for 2^(n-5) s, at most 15 min, within a day's window.
fn next_code_attempt(t: Option<ThrottleState>, now: OffsetDateTime) -> ThrottleState {
    match t {
        Some(t) if t.locked_until > now => t,
        Some(t) if now - t.window_start < CODE_WINDOW => {
            let failures = t.failures + 1;
            ThrottleState { failures, window_start: t.window_start, locked_until: now + code_lock(failures) }
        }
        _ => ThrottleState { failures: 1, window_start: now, locked_until: now + code_lock(1) },
    }
}

fn code_lock(attempts: i64) -> Duration {
    if attempts < CODE_ATTEMPTS_PER_SESSION {
        return Duration::ZERO;
    }
    let exp = u32::try_from((attempts - CODE_ATTEMPTS_PER_SESSION).clamp(0, 20)).unwrap_or(20);
    Duration::seconds(2i64.saturating_pow(exp).min(ACCOUNT_MAX_LOCK_SECONDS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_attempts_lock_longer_and_longer_but_never_for_good() {
        let t0 = time::OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let mut t = next_code_attempt(None, t0);
        assert_eq!((t.failures, t.locked_until), (1, t0));
        // One session's worth of attempts is free of delay …
        for n in 2..=4 {
            t = next_code_attempt(Some(t), t0);
            assert_eq!((t.failures, t.locked_until), (n, t0));
        }
        // … then each attempt locks the next for 1 s, 2 s, 4 s … at most 15 min.
        let mut now = t0;
        for n in 5..=20 {
            t = next_code_attempt(Some(t), now);
            assert_eq!(t.failures, n);
            assert_eq!(t.locked_until - now, Duration::seconds(2i64.pow(u32::try_from(n - 5).unwrap_or(0)).min(900)));
            // An attempt while locked changes nothing.
            assert_eq!(next_code_attempt(Some(t), now), t);
            now = t.locked_until;
        }
        // After a day the count starts again: no permanent lock.
        let later = next_code_attempt(Some(t), t0 + Duration::hours(25));
        assert_eq!((later.failures, later.locked_until), (1, t0 + Duration::hours(25)));
    }
}
