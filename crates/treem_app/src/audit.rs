//! Reading and verifying the audit log. Nothing in the product edits or deletes entries.

use std::sync::Arc;
use treem_domain::access::Action;
use treem_domain::audit::{verify_chain, AuditEntry};
use treem_storage::Store;

pub use treem_storage::AuditFilter;

use crate::access::Actor;
use crate::AppError;

pub struct AuditService {
    store: Arc<dyn Store>,
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

    /// Entries for the auditor's page, newest first (at most 200 a page).
    pub async fn list(&self, actor: &Actor, mut filter: AuditFilter) -> Result<Vec<AuditEntry>, AppError> {
        actor.require(Action::ReadAudit)?;
        filter.limit = filter.limit.clamp(1, 200);
        Ok(self.store.audit_entries(&filter).await?)
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
