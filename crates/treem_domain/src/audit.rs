//! The audit log's hash chain. Each entry carries the hash of the one before
//! it; changing, removing or reordering any entry breaks every later hash.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::access::SensitiveKind;

/// The hash the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Ok, Self::Denied, Self::Failed].into_iter().find(|o| o.as_str() == s)
    }
}

/// What happened, before it is chained. Field *names* only, never values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// The account that acted; `None` for an anonymous attempt (a failed sign-in).
    pub actor_id: Option<i64>,
    /// The account's username at the time, or what an anonymous caller typed (truncated).
    pub actor_label: String,
    /// Where from: the client address.
    pub source: String,
    /// A stable action code such as `child.read`, `session.login`, `account.create`.
    pub action: String,
    /// Kind and key of the record concerned, if any.
    pub record_type: Option<String>,
    pub record_key: Option<String>,
    /// Names of the fields changed or the sensitive fields shown.
    pub fields: Vec<String>,
    pub outcome: Outcome,
    /// The sensitive class the entry is about, when it records an attribute of one
    /// (HIV status, abuse or offence details): the log is shown to each reader without
    /// the entries of the classes that reader does not see, as if they had never been
    /// made. Reads and writes of ordinary fields carry none.
    pub sensitivity: Option<SensitiveKind>,
}

impl AuditEvent {
    pub fn new(action: &str, outcome: Outcome) -> Self {
        Self {
            actor_id: None,
            actor_label: String::new(),
            source: String::new(),
            action: action.to_owned(),
            record_type: None,
            record_key: None,
            fields: Vec::new(),
            outcome,
            sensitivity: None,
        }
    }

    /// Marks the entry as about an attribute of `class` (none: an ordinary entry).
    pub fn class(mut self, class: Option<SensitiveKind>) -> Self {
        self.sensitivity = class.filter(|k| *k != SensitiveKind::Any);
        self
    }

    pub fn record(mut self, kind: &str, key: impl ToString) -> Self {
        self.record_type = Some(kind.to_owned());
        self.record_key = Some(key.to_string());
        self
    }

    pub fn fields(mut self, fields: &[&str]) -> Self {
        self.fields = fields.iter().map(|f| (*f).to_owned()).collect();
        self
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, fixed-width RFC 3339 (`2026-11-29T08:00:00.000000Z`).
    pub at: String,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the previous hash and a length-prefixed
/// encoding of every field (so no two different entries encode alike).
pub fn entry_hash(prev_hash: &str, id: i64, at: &str, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    let mut put = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    put(prev_hash);
    put(&id.to_string());
    put(at);
    put(&e.actor_id.map(|a| a.to_string()).unwrap_or_default());
    put(&e.actor_label);
    put(&e.source);
    put(&e.action);
    put(e.record_type.as_deref().unwrap_or_default());
    put(e.record_key.as_deref().unwrap_or_default());
    put(&e.fields.join(","));
    put(e.outcome.as_str());
    // Appended only when present, so that the entries written before the field existed
    // keep their hashes; the length prefixes keep the two encodings apart.
    if let Some(class) = e.sensitivity {
        put(class.as_str());
    }
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a chain given oldest first; returns the id of the first bad entry and why.
pub fn verify_chain<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Result<usize, (i64, String)> {
    let mut prev = GENESIS.to_owned();
    let mut prev_id = 0;
    let mut n = 0;
    for e in entries {
        if e.id <= prev_id {
            return Err((e.id, format!("id {} does not follow {prev_id}", e.id)));
        }
        if e.prev_hash != prev {
            return Err((e.id, "it does not link to the entry before it (an entry was removed or altered)".into()));
        }
        if entry_hash(&e.prev_hash, e.id, &e.at, &e.event) != e.hash {
            return Err((e.id, "its content does not match its hash (the entry was altered)".into()));
        }
        prev.clone_from(&e.hash);
        prev_id = e.id;
        n += 1;
    }
    Ok(n)
}

/// The system's current UTC time truncated to microseconds (what both databases keep).
/// Only for the command line and tests: the server's parts take a [`crate::clock::Clock`].
pub fn now_utc() -> time::OffsetDateTime {
    use crate::clock::Clock;
    crate::clock::SystemClock.now()
}

/// Fixed-width RFC 3339 in UTC with microseconds: text order is time order, and
/// it is the form hashed into the audit chain on both databases.
pub fn timestamp_text(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Parses [`timestamp_text`]'s form.
pub fn parse_timestamp_text(s: &str) -> Option<time::OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    time::PrimitiveDateTime::parse(s, fmt).ok().map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|id| {
                let event = AuditEvent::new("child.read", Outcome::Ok).record("child", id).fields(&["hiv_status"]);
                let at = format!("2026-01-01T00:00:{id:02}.000000Z");
                let hash = entry_hash(&prev, id, &at, &event);
                let e = AuditEntry { id, at, event, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
    }

    #[test]
    fn tampering_names_the_first_bad_entry() {
        let mut c = chain(5);
        c[2].event.action = "child.list".into();
        assert_eq!(verify_chain(&c).unwrap_err().0, 3);
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify_chain(&c).unwrap_err().0, 3);
        let mut c = chain(5);
        c[4].event.fields.clear();
        assert_eq!(verify_chain(&c).unwrap_err().0, 5);
        // The class is part of what is chained: dropping it (to show a hidden entry as an
        // ordinary one) or adding it breaks the hash.
        let mut c = chain(5);
        c[1].event.sensitivity = Some(SensitiveKind::HivStatus);
        assert_eq!(verify_chain(&c).unwrap_err().0, 2);
    }

    #[test]
    fn an_entry_without_a_class_hashes_as_before_the_class_existed() {
        let e = AuditEvent::new("child.read", Outcome::Ok).record("child", 7).fields(&["full_name"]);
        let known = entry_hash(GENESIS, 1, "2026-01-01T00:00:01.000000Z", &e);
        assert_eq!(known, entry_hash(GENESIS, 1, "2026-01-01T00:00:01.000000Z", &e.clone().class(None)));
        assert_ne!(known, entry_hash(GENESIS, 1, "2026-01-01T00:00:01.000000Z", &e.class(Some(SensitiveKind::AbuseDetails))));
    }
}
