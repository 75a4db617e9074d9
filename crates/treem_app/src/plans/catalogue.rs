//! The effective indicator catalogue: the bundled entries overlaid by the definitions saved.

use super::*;

/// Where a catalogue entry's definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// data/indicators/catalogue.toml, as released.
    Bundled,
    /// Saved through the UI or the API (a new code, or a bundled one changed).
    Stored,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Bundled => "bundled",
            Origin::Stored => "stored",
        }
    }
}

/// Where an entry comes from and the revision an edit of it starts from (0: none stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    pub origin: Origin,
    pub revision: i64,
    /// The bundled entry has this code too (a stored one overlays it).
    pub bundled: bool,
    pub saved_at: Option<String>,
}

/// The effective indicator catalogue: the bundled entries, each overlaid by a stored
/// definition of the same code, then the stored new codes (by code). Derefs to the
/// entries; `meta` runs parallel to them.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    entries: Vec<(Indicator, Formula)>,
    meta: Vec<EntryMeta>,
}

impl std::ops::Deref for Catalogue {
    type Target = [(Indicator, Formula)];
    fn deref(&self) -> &[(Indicator, Formula)] {
        &self.entries
    }
}

impl Catalogue {
    /// The bundled entries overlaid by `stored` (each parsed and checked again: a stored
    /// definition the formula language no longer accepts is an error, not a silent gap).
    pub(super) fn effective(bundled: &[(Indicator, Formula)], stored: &[IndicatorRow]) -> Result<Self, AppError> {
        let mut parsed = BTreeMap::new();
        for row in stored {
            let broken = |e: String| AppError::Internal(format!("stored indicator {}: {e}", row.code));
            let i: Indicator = serde_json::from_str(&row.document).map_err(|e| broken(e.to_string()))?;
            let (i, f) = check_definition(&i).map_err(|e| broken(format!("{:?}", treem_domain::field_error::pairs(e))))?;
            parsed.insert(row.code.clone(), (i, f, row));
        }
        let mut out = Catalogue::default();
        for (i, f) in bundled {
            match parsed.remove(&i.code) {
                Some((si, sf, row)) => {
                    out.entries.push((si, sf));
                    out.meta.push(EntryMeta {
                        origin: Origin::Stored,
                        revision: row.revision,
                        bundled: true,
                        saved_at: Some(row.saved_at.clone()),
                    });
                }
                None => {
                    out.entries.push((i.clone(), f.clone()));
                    out.meta.push(EntryMeta { origin: Origin::Bundled, revision: 0, bundled: true, saved_at: None });
                }
            }
        }
        for (_, (i, f, row)) in parsed {
            out.entries.push((i, f));
            out.meta.push(EntryMeta {
                origin: Origin::Stored,
                revision: row.revision,
                bundled: false,
                saved_at: Some(row.saved_at.clone()),
            });
        }
        Ok(out)
    }

    /// The entry of `code`.
    pub fn find(&self, code: &str) -> Option<&(Indicator, Formula)> {
        self.entries.iter().find(|(i, _)| i.code == code)
    }

    /// Every entry with where it comes from.
    pub fn with_meta(&self) -> impl Iterator<Item = (&(Indicator, Formula), &EntryMeta)> {
        self.entries.iter().zip(&self.meta)
    }

    /// Where the entry of `code` comes from.
    pub fn meta(&self, code: &str) -> Option<&EntryMeta> {
        self.entries.iter().position(|(i, _)| i.code == code).and_then(|n| self.meta.get(n))
    }
}

/// What saving an indicator did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorSaved {
    pub code: String,
    /// The stored revision now (send it back with the next edit).
    pub revision: i64,
    /// The code was not in the catalogue before.
    pub created: bool,
    /// Something was written (saving the definition as it is changes nothing and is not audited).
    pub changed: bool,
    pub formula_changed: bool,
    /// Stored plans naming the indicator, each with where (`targets[T1]`, `baselines[B3]`,
    /// `public_indicators`): their figures follow the new formula from now on.
    pub used_by: Vec<(String, Vec<String>)>,
}

impl PlanService {
    /// The effective indicator catalogue: the bundled entries overlaid by the stored
    /// definitions, kept until the next save.
    pub async fn catalogue(&self) -> Result<Arc<Catalogue>, AppError> {
        self.catalogue
            .get_or_load(|| async {
                let bundled = self.bundled.as_deref().map_err(|e| AppError::Internal(format!("the indicator catalogue is broken: {e}")))?;
                Catalogue::effective(bundled, &self.store.indicator_definitions().await?)
            })
            .await
    }

    /// Changes whenever the catalogue may have changed (for figures kept elsewhere).
    pub fn catalogue_version(&self) -> u64 {
        self.catalogue.version()
    }

    /// Adds an indicator to the catalogue or changes one (a bundled one is overlaid, not
    /// edited: its file stays as released). Provincial officers and system administrators
    /// only. The definition is checked field by field (the formula's error names its
    /// character position). `base_revision` is the revision the caller edited (0 for an
    /// entry with no stored definition); `None` asks for a new code only. A stale revision
    /// is an edit conflict. Every figure computed with the old definition is dropped.
    pub async fn save_indicator(
        &self,
        actor: &Actor,
        definition: &Indicator,
        base_revision: Option<i64>,
    ) -> Result<IndicatorSaved, AppError> {
        actor.authorize_catalogue_edit()?;
        let (indicator, formula) = check_definition(definition).map_err(AppError::InvalidFields)?;
        let catalogue = self.catalogue().await?;
        let old = catalogue.find(&indicator.code);
        let meta = catalogue.meta(&indicator.code);
        if base_revision.is_none() && old.is_some() {
            return Err(AppError::invalid("code", format!("`{}` is already in the catalogue: edit it instead", indicator.code)));
        }
        let base = base_revision.unwrap_or(0);
        if base < 0 || meta.map_or(0, |m| m.revision) != base {
            return Err(AppError::EditConflict);
        }
        for plan in self.shared().await?.iter() {
            for t in plan.targets.iter().filter(|t| t.indicator.as_deref() == Some(indicator.code.as_str())) {
                if t.is_yearly_change() && matches!(formula, Formula::Ratio(..)) {
                    return Err(AppError::invalid(
                        "formula",
                        format!(
                            "plan {} target {} follows this indicator as a yearly change, which needs a count, not a ratio",
                            plan.code, t.id
                        ),
                    ));
                }
            }
        }
        let used_by = self.plans_using(&indicator.code).await?;
        if old.is_some_and(|(o, _)| *o == indicator) {
            return Ok(IndicatorSaved {
                code: indicator.code,
                revision: base,
                created: false,
                changed: false,
                formula_changed: false,
                used_by,
            });
        }
        let old_formula = old.map(|(i, _)| i.formula.clone());
        let mut changed: Vec<String> = Vec::new();
        match old {
            None => changed.push("created".into()),
            Some((o, _)) => {
                let pairs: [(&str, bool); 9] = [
                    ("name_vi", o.name_vi != indicator.name_vi),
                    ("name_en", o.name_en != indicator.name_en),
                    ("concept_vi", o.concept_vi != indicator.concept_vi),
                    ("concept_en", o.concept_en != indicator.concept_en),
                    ("formula", o.formula != indicator.formula),
                    ("disaggregations", o.disaggregations != indicator.disaggregations),
                    ("period", o.period != indicator.period),
                    ("source", o.source != indicator.source),
                    ("agency", o.agency != indicator.agency),
                ];
                changed.extend(pairs.iter().filter(|(_, c)| *c).map(|(f, _)| (*f).to_owned()));
            }
        }
        // Formulas are public metadata (no personal data): the entry keeps both, so the
        // log says what every figure was computed with before and after.
        changed.push(format!("old formula: {}", old_formula.as_deref().unwrap_or("(none)")));
        changed.push(format!("new formula: {}", indicator.formula));
        let mut event = actor.event("indicator.save", Outcome::Ok).record("indicator", &indicator.code);
        event.fields = changed;
        let document = serde_json::to_string(&indicator).map_err(|e| AppError::Internal(e.to_string()))?;
        let row = IndicatorRow {
            code: indicator.code.clone(),
            document,
            revision: base + 1,
            saved_by: Some(actor.account_id),
            saved_at: String::new(),
        };
        let saved = self.store.save_indicator_definition(&row, base, actor.account_id, &event).await;
        self.forget_figures();
        let revision = match saved {
            Ok(r) => r,
            Err(StorageError::Conflict(_)) => return Err(AppError::EditConflict),
            Err(e) => return Err(e.into()),
        };
        Ok(IndicatorSaved {
            code: indicator.code.clone(),
            revision,
            created: old.is_none(),
            changed: true,
            formula_changed: old_formula.as_deref() != Some(indicator.formula.as_str()),
            used_by,
        })
    }

    /// One indicator of the catalogue with its parsed formula (not found when no such code).
    pub async fn indicator(&self, code: &str) -> Result<(Indicator, Formula), AppError> {
        self.catalogue().await?.find(code).cloned().ok_or(AppError::NotFound)
    }
}
