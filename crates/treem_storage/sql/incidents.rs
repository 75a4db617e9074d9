//! Incidents: SQL shared by both engines (see README.md).

use async_trait::async_trait;
use sqlx::Row;
use treem_domain::audit::AuditEvent;
use treem_domain::incident::{
    AbuseForm, IncidentFields, IncidentId, IncidentKind, InjuryKind, JusticeMeasure, JusticeStage, Relation, Setting, SexualSubtype,
};
use treem_domain::units::UnitId;
use treem_storage::{IncidentQuery, IncidentRecord, IncidentStore, StorageError};

use crate::accounts::append_audit_for;
use crate::dialect::{begin_write, id_list, ids_joined, in_ids, in_texts, map_err, text_list, DbRow, DbStore, Stamp, OVERRIDING};

static COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "i.id, i.kind, i.occurred_on, i.unit_id, i.abuse_form, i.sexual_subtype, i.setting, i.relation, i.offence, i.justice_stage, \
         i.justice_measure, i.injury, i.fatal, i.notes, i.case_id, i.version, {} AS children",
        ids_joined("child_id", "FROM incident_child c WHERE c.incident_id = i.id")
    )
});

fn opt<T>(r: &DbRow, col: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>, StorageError> {
    let v: Option<String> = r.try_get(col).map_err(map_err)?;
    v.map(|v| parse(&v).ok_or_else(|| StorageError::Other(format!("incident.{col} holds `{v}`")))).transpose()
}

fn decode(r: &DbRow) -> Result<IncidentRecord, StorageError> {
    let kind: String = r.try_get("kind").map_err(map_err)?;
    let children: Option<String> = r.try_get("children").map_err(map_err)?;
    Ok(IncidentRecord {
        id: IncidentId(r.try_get("id").map_err(map_err)?),
        version: r.try_get("version").map_err(map_err)?,
        fields: IncidentFields {
            kind: IncidentKind::parse(&kind).ok_or_else(|| StorageError::Other(format!("incident.kind holds `{kind}`")))?,
            occurred_on: r.try_get("occurred_on").map_err(map_err)?,
            unit: UnitId(r.try_get("unit_id").map_err(map_err)?),
            abuse_form: opt(r, "abuse_form", AbuseForm::parse)?,
            sexual_subtype: opt(r, "sexual_subtype", SexualSubtype::parse)?,
            setting: opt(r, "setting", Setting::parse)?,
            relation: opt(r, "relation", Relation::parse)?,
            offence: r.try_get("offence").map_err(map_err)?,
            justice_stage: opt(r, "justice_stage", JusticeStage::parse)?,
            justice_measure: opt(r, "justice_measure", JusticeMeasure::parse)?,
            injury: opt(r, "injury", InjuryKind::parse)?,
            fatal: r.try_get("fatal").map_err(map_err)?,
            notes: r.try_get("notes").map_err(map_err)?,
            children: children.unwrap_or_default().split(',').filter_map(|c| c.trim().parse().ok()).collect(),
            case_id: r.try_get::<Option<i64>, _>("case_id").map_err(map_err)?.map(treem_domain::case::CaseId),
        },
    })
}

/// Writes one incident under the id its caller drew, with its children, in `tx` (the form's
/// one and an import's many).
pub(crate) async fn insert_incident(
    tx: &mut sqlx::Transaction<'static, crate::dialect::Db>,
    id: i64,
    f: &IncidentFields,
    created_by: i64,
    now: Stamp,
) -> Result<(), StorageError> {
    let sql = format!(
        "INSERT INTO incident (id, kind, occurred_on, unit_id, abuse_form, sexual_subtype, setting, relation, offence, justice_stage, justice_measure, \
         injury, fatal, notes, case_id, created_by_id, created_at, updated_at, version) {OVERRIDING} \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1)"
    );
    sqlx::query(&sql)
        .bind(id)
        .bind(f.kind.as_str())
        .bind(f.occurred_on)
        .bind(f.unit.0)
        .bind(f.abuse_form.map(AbuseForm::as_str))
        .bind(f.sexual_subtype.map(SexualSubtype::as_str))
        .bind(f.setting.map(Setting::as_str))
        .bind(f.relation.map(Relation::as_str))
        .bind(&f.offence)
        .bind(f.justice_stage.map(JusticeStage::as_str))
        .bind(f.justice_measure.map(JusticeMeasure::as_str))
        .bind(f.injury.map(InjuryKind::as_str))
        .bind(f.fatal)
        .bind(&f.notes)
        .bind(f.case_id.map(|c| c.0))
        .bind(created_by)
        .bind(now)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    for child in &f.children {
        sqlx::query("INSERT INTO incident_child (incident_id, child_id) VALUES ($1, $2)")
            .bind(id)
            .bind(child)
            .execute(&mut **tx)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

#[async_trait]
impl IncidentStore for DbStore {
    async fn create_incident(
        &self,
        f: &IncidentFields,
        id: IncidentId,
        created_by: i64,
        audit: &AuditEvent,
    ) -> Result<IncidentId, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        insert_incident(&mut tx, id.0, f, created_by, now).await?;
        append_audit_for(&mut tx, &*self.clock, audit, id.0).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn incident(&self, id: IncidentId, audit: Option<&AuditEvent>) -> Result<Option<IncidentRecord>, StorageError> {
        let sql = format!("SELECT {} FROM incident i WHERE i.id = $1", *COLUMNS);
        self.fetch_audited(&sql, id.0, audit, decode).await
    }

    async fn list_incidents(&self, q: &IncidentQuery) -> Result<Vec<IncidentRecord>, StorageError> {
        if q.units.is_empty() || q.kinds.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {} FROM incident i WHERE {} AND {} \
             AND i.occurred_on >= $3 AND i.occurred_on <= $4 AND i.id > $5 \
             AND ($7 = 0 OR EXISTS (SELECT 1 FROM incident_child c WHERE c.incident_id = i.id AND c.child_id = $7)) \
             ORDER BY i.id LIMIT $6",
            *COLUMNS,
            in_ids("i.unit_id", 1),
            in_texts("i.kind", 2)
        );
        sqlx::query(&sql)
            .bind(id_list(q.units.iter().map(|u| u.0)))
            .bind(text_list(q.kinds.iter().map(|k| k.as_str())))
            .bind(q.from.unwrap_or(time::macros::date!(1900 - 01 - 01)))
            .bind(q.to.unwrap_or(time::Date::MAX))
            .bind(q.after_id.map_or(0, |a| a.0))
            .bind(q.limit)
            .bind(q.child.unwrap_or(0))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(decode)
            .collect()
    }

    async fn incident_facts(&self) -> Result<Vec<treem_domain::indicator::IncidentFact>, StorageError> {
        let sql = "SELECT i.unit_id, i.occurred_on, i.kind, i.abuse_form, i.sexual_subtype, i.setting, i.relation, i.justice_stage, i.injury, i.fatal, COUNT(*) \
             FROM incident i \
             GROUP BY i.unit_id, i.occurred_on, i.kind, i.abuse_form, i.sexual_subtype, i.setting, i.relation, i.justice_stage, i.injury, i.fatal";
        let rows = sqlx::query(sql).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let mut fields: Vec<(&str, Option<String>)> = Vec::with_capacity(8);
                for (i, name) in
                    ["kind", "abuse_form", "sexual_subtype", "setting", "relation", "justice_stage", "injury"].into_iter().enumerate()
                {
                    fields.push((name, r.try_get::<Option<String>, _>(i + 2).map_err(map_err)?));
                }
                let fatal: bool = r.try_get(9).map_err(map_err)?;
                fields.push(("fatal", Some(fatal.to_string())));
                let named: Vec<(&str, Option<&str>)> = fields.iter().map(|(n, v)| (*n, v.as_deref())).collect();
                Ok(treem_domain::indicator::IncidentFact::new(
                    treem_domain::indicator::FactKind::Incidents,
                    UnitId(r.try_get(0).map_err(map_err)?),
                    r.try_get(1).map_err(map_err)?,
                    &named,
                    r.try_get(10).map_err(map_err)?,
                ))
            })
            .collect()
    }
}
