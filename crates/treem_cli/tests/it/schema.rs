//! The two backends hold the same schema, and their migrations are paired by name.

use std::collections::BTreeSet;
use treem_storage::ColumnKind;

use crate::harness::{postgres_store, postgres_url, sqlite_store};

fn migration_files(backend: &str) -> BTreeSet<String> {
    let dir = format!("{}/../treem_storage_{backend}/migrations", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn migrations_are_paired_by_name_and_embedded() {
    let sqlite = migration_files("sqlite");
    let postgres = migration_files("postgres");
    assert_eq!(sqlite, postgres, "each migration needs a file of the same name in both backends");
    let embedded_sqlite: BTreeSet<String> = treem_storage_sqlite::MIGRATIONS.iter().map(|m| format!("{}.sql", m.name)).collect();
    let embedded_postgres: BTreeSet<String> = treem_storage_postgres::MIGRATIONS.iter().map(|m| format!("{}.sql", m.name)).collect();
    assert_eq!(embedded_sqlite, sqlite, "every SQLite migration file is embedded");
    assert_eq!(embedded_postgres, postgres, "every PostgreSQL migration file is embedded");
}

#[tokio::test]
async fn sqlite_schema_follows_the_rules() {
    let (store, _dir) = sqlite_store().await;
    store.migrate().await.unwrap();
    let schema = store.describe_schema().await.unwrap();
    assert!(schema.tables.contains_key("admin_unit"));
    for (name, table) in &schema.tables {
        for (col, c) in &table.columns {
            assert!(!matches!(c.kind, ColumnKind::Other(_)), "{name}.{col} has a type outside the shared vocabulary: {:?}", c.kind);
            // Every *_id column has a foreign key and is the first column of some index.
            if col.ends_with("_id") {
                assert!(table.foreign_keys.iter().any(|f| f.columns == vec![col.clone()]), "{name}.{col} has no foreign key");
                let indexed = table.indexes.values().chain(table.unique.iter()).any(|cols| cols.first() == Some(col));
                assert!(indexed, "{name}.{col} has no index");
            }
        }
    }
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_are_the_same() {
    let Some(url) = postgres_url() else {
        eprintln!("TREEM_TEST_POSTGRES_URL is not set: schema parity skipped");
        return;
    };
    let (sqlite, _dir) = sqlite_store().await;
    sqlite.migrate().await.unwrap();
    let (pg, (admin, name)) = postgres_store(&url).await;
    pg.migrate().await.unwrap();
    let a = sqlite.describe_schema().await.unwrap();
    let b = pg.describe_schema().await.unwrap();
    drop(pg);
    let admin_store = treem_storage_postgres::PgStore::connect(&admin).await.unwrap();
    treem_storage_postgres::drop_database(&admin_store, &name).await.unwrap();
    assert_eq!(a.tables.keys().collect::<Vec<_>>(), b.tables.keys().collect::<Vec<_>>(), "same tables");
    // The comparison must have something to compare.
    assert_eq!(a.tables["admin_unit_parent"].foreign_keys.len(), 2);
    assert_eq!(a.tables["admin_unit"].unique.len(), 1);
    assert_eq!(a.tables["admin_unit"].indexes.len(), 1);
    assert!(a.tables["admin_unit"].columns["valid_to"].nullable && !a.tables["admin_unit"].columns["valid_from"].nullable);
    for (table, ta) in &a.tables {
        let tb = &b.tables[table];
        assert_eq!(ta.columns, tb.columns, "columns of {table}");
        assert_eq!(ta.primary_key, tb.primary_key, "primary key of {table}");
        assert_eq!(ta.unique, tb.unique, "unique constraints of {table}");
        assert_eq!(ta.foreign_keys, tb.foreign_keys, "foreign keys of {table}");
        assert_eq!(ta.indexes, tb.indexes, "indexes of {table}");
    }
}
