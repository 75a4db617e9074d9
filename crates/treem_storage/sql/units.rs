//! Administrative units: the SQL of both engines, written once (`crates/treem_storage/sql/README.md`).

use sqlx::Row;
use std::collections::HashMap;
use treem_domain::import_error::ImportErrors;
use treem_domain::text::search_key;
use treem_domain::unit_import::{plan_import, ParsedFiles, UnitRef};
use treem_domain::units::{AdminUnit, ParentLink, Succession, UnitCatalog, UnitId, UnitLevel, UnitType, Validity};
use treem_storage::{StorageError, UnitImportSummary};

use crate::dialect::*;

fn decode_unit(r: &DbRow) -> Result<AdminUnit, StorageError> {
    let level: String = r.try_get("level").map_err(map_err)?;
    let unit_type: String = r.try_get("unit_type").map_err(map_err)?;
    Ok(AdminUnit {
        id: UnitId(r.try_get("id").map_err(map_err)?),
        code: r.try_get("code").map_err(map_err)?,
        name: r.try_get("name").map_err(map_err)?,
        level: UnitLevel::parse(&level).ok_or_else(|| StorageError::Other(format!("admin_unit.level holds `{level}`")))?,
        unit_type: UnitType::parse(&unit_type).ok_or_else(|| StorageError::Other(format!("admin_unit.unit_type holds `{unit_type}`")))?,
        validity: Validity { from: r.try_get("valid_from").map_err(map_err)?, to: r.try_get("valid_to").map_err(map_err)? },
        lat: r.try_get("lat").map_err(map_err)?,
        lon: r.try_get("lon").map_err(map_err)?,
        area_km2: r.try_get("area_km2").map_err(map_err)?,
    })
}

pub(crate) async fn load(conn: &mut Conn) -> Result<UnitCatalog, StorageError> {
    let units =
        sqlx::query("SELECT id, code, name, level, unit_type, valid_from, valid_to, lat, lon, area_km2 FROM admin_unit ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?
            .iter()
            .map(decode_unit)
            .collect::<Result<Vec<_>, _>>()?;
    let links = sqlx::query("SELECT child_id, parent_id, valid_from, valid_to FROM admin_unit_parent ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?
        .iter()
        .map(|r| {
            Ok(ParentLink {
                child: UnitId(r.try_get(0).map_err(map_err)?),
                parent: UnitId(r.try_get(1).map_err(map_err)?),
                validity: Validity { from: r.try_get(2).map_err(map_err)?, to: r.try_get(3).map_err(map_err)? },
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    let successions = sqlx::query("SELECT from_id, to_id, effective, share_ppm FROM admin_unit_succession ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?
        .iter()
        .map(|r| {
            Ok(Succession {
                from: UnitId(r.try_get(0).map_err(map_err)?),
                to: UnitId(r.try_get(1).map_err(map_err)?),
                effective: r.try_get(2).map_err(map_err)?,
                share_ppm: r.try_get(3).map_err(map_err)?,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    Ok(UnitCatalog::new(units, links, successions))
}

/// Checks and writes an import inside the caller's write transaction.
pub(crate) async fn import(
    conn: &mut Conn,
    now: time::OffsetDateTime,
    files: &ParsedFiles,
) -> Result<Result<UnitImportSummary, ImportErrors>, StorageError> {
    let existing = load(conn).await?;
    let plan = match plan_import(&existing, files) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let now = Stamp(now);
    let mut new_ids = Vec::with_capacity(plan.new_units.len());
    for u in &plan.new_units {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO admin_unit (code, name, name_search, level, unit_type, valid_from, valid_to, lat, lon, area_km2, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&u.code)
        .bind(&u.name)
        .bind(search_key(&u.name))
        .bind(u.level.as_str())
        .bind(u.unit_type.as_str())
        .bind(u.validity.from)
        .bind(u.validity.to)
        .bind(u.lat)
        .bind(u.lon)
        .bind(u.area_km2)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(map_err)?;
        new_ids.push(id);
    }
    let resolve = |r: UnitRef| -> Result<i64, StorageError> {
        match r {
            UnitRef::Existing(id) => Ok(id.0),
            UnitRef::New(i) => new_ids.get(i).copied().ok_or_else(|| StorageError::Other("import plan refers to a missing unit".into())),
        }
    };
    let mut ids: HashMap<UnitRef, i64> = HashMap::new();
    for (child, parent, validity) in &plan.parent_links {
        sqlx::query("INSERT INTO admin_unit_parent (child_id, parent_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
            .bind(*ids.entry(*child).or_insert(resolve(*child)?))
            .bind(*ids.entry(*parent).or_insert(resolve(*parent)?))
            .bind(validity.from)
            .bind(validity.to)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    for (from, to, effective, share) in &plan.successions {
        sqlx::query("INSERT INTO admin_unit_succession (from_id, to_id, effective, share_ppm) VALUES ($1, $2, $3, $4)")
            .bind(resolve(*from)?)
            .bind(resolve(*to)?)
            .bind(*effective)
            .bind(*share)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    Ok(Ok(UnitImportSummary {
        units_added: plan.new_units.len(),
        units_unchanged: plan.unchanged_units,
        parent_links_added: plan.parent_links.len(),
        successions_added: plan.successions.len(),
        successions_unchanged: plan.unchanged_successions,
    }))
}
