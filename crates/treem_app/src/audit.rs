//! Reading and verifying the audit log. Nothing in the product edits or deletes entries.

use std::sync::Arc;
use treem_domain::access::Action;
use treem_domain::audit::{verify_chain, AuditEntry};
use treem_storage::Store;

pub use treem_storage::AuditFilter;

use crate::access::Actor;
use crate::AppError;

/// The most entries one export of the log holds.
pub const AUDIT_EXPORT_LIMIT: usize = 100_000;

pub struct AuditService {
    store: Arc<dyn Store>,
}

/// A page of the log as one reader may see it.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// The position of the next (older) page, when there may be one.
    pub next: Option<String>,
}

/// `2026-01-01T00:00:01.000000Z~2`: the moment of the last entry shown and how many
/// entries of that very moment were shown.
fn parse_cursor(c: &str) -> Option<(Option<time::OffsetDateTime>, i64)> {
    let (at, skip) = c.split_once('~')?;
    let at = treem_domain::audit::parse_timestamp_text(at)?;
    let skip = skip.parse::<i64>().ok().filter(|n| (0..=10_000).contains(n))?;
    Some((Some(at), skip))
}

/// An account as the log's reader is shown it: who, not what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPerson {
    pub id: i64,
    pub name: String,
    pub username: String,
}

/// The result of `treem audit verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    Intact { entries: usize },
    Broken { first_bad_id: i64, reason: String },
}

impl AuditService {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Entries for the auditor's page, newest first (at most 200 a page), from the
    /// position `cursor` of a previous page (its [`AuditPage::next`]). The reader is shown
    /// the log as if the entries about the sensitive classes its role does not see had
    /// never been made: they are left out in SQL, and neither ids nor hashes nor a total
    /// (each of which would tell of a gap) leave this service.
    pub async fn list(&self, actor: &Actor, mut filter: AuditFilter, cursor: Option<&str>) -> Result<AuditPage, AppError> {
        actor.require(Action::ReadAudit)?;
        let limit = filter.limit.clamp(1, 200);
        let (before_at, skip) = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => (None, 0),
            Some(c) => parse_cursor(c).ok_or_else(|| AppError::invalid("before", "not a position given by a page of the log"))?,
        };
        filter.before_at = before_at;
        filter.visible = Some(actor.role.visibility());
        filter.limit = limit + skip;
        let mut entries = self.store.audit_entries(&filter).await?;
        // The first `skip` entries made at the cursor's moment were on the previous page.
        if let Some(at) = before_at.map(treem_domain::audit::timestamp_text) {
            let shown = entries.iter().take(usize::try_from(skip).unwrap_or(0)).take_while(|e| e.at == at).count();
            entries.drain(..shown);
        }
        entries.truncate(usize::try_from(limit).unwrap_or(0));
        let next = (i64::try_from(entries.len()).unwrap_or(0) == limit).then(|| entries.last()).flatten().map(|last| {
            let same = entries.iter().rev().take_while(|e| e.at == last.at).count();
            let carried = if before_at.map(treem_domain::audit::timestamp_text).as_deref() == Some(last.at.as_str()) { skip } else { 0 };
            format!("{}~{}", last.at, carried + i64::try_from(same).unwrap_or(0))
        });
        Ok(AuditPage { entries, next })
    }

    /// The entries the reader's page would show under `filter`, every page of them, newest
    /// first, for export: at most [`AUDIT_EXPORT_LIMIT`], and whether older ones were left
    /// out (the file says so). The export itself is audited (`audit.export`).
    pub async fn export(&self, actor: &Actor, filter: AuditFilter) -> Result<(Vec<AuditEntry>, bool), AppError> {
        actor.require(Action::ReadAudit)?;
        let mut out: Vec<AuditEntry> = Vec::new();
        let mut cursor: Option<String> = None;
        let cut = loop {
            let page = self.list(actor, AuditFilter { limit: 200, ..filter.clone() }, cursor.as_deref()).await?;
            out.extend(page.entries);
            if out.len() >= AUDIT_EXPORT_LIMIT {
                let more = out.len() > AUDIT_EXPORT_LIMIT || page.next.is_some();
                out.truncate(AUDIT_EXPORT_LIMIT);
                break more;
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break false,
            }
        };
        let event = actor
            .event("audit.export", treem_domain::audit::Outcome::Ok)
            .record("audit", format!("{} rows", out.len()))
            .fields(&["at", "actor", "action", "record", "fields", "outcome"]);
        self.store.audit(&event).await?;
        Ok((out, cut))
    }

    /// The people whose actions the log holds, as the auditor's person filter offers
    /// them: every account (id, name, username), by name. Only for a reader of the log.
    pub async fn people(&self, actor: &Actor) -> Result<Vec<AuditPerson>, AppError> {
        actor.require(Action::ReadAudit)?;
        let mut people: Vec<AuditPerson> = self
            .store
            .list_accounts()
            .await?
            .into_iter()
            .map(|a| AuditPerson { id: a.id.0, name: a.display_name, username: a.username })
            .collect();
        people.sort_by(|a, b| treem_domain::text::cmp_vi(&a.name, &b.name).then_with(|| a.username.cmp(&b.username)));
        Ok(people)
    }

    /// Recomputes the whole chain.
    pub async fn verify(&self) -> Result<ChainCheck, AppError> {
        let chain = self.store.audit_chain().await?;
        Ok(match verify_chain(&chain) {
            Ok(entries) => ChainCheck::Intact { entries },
            Err((first_bad_id, reason)) => ChainCheck::Broken { first_bad_id, reason },
        })
    }
}
