//! The store's schema and its migrations: `PRAGMA user_version` is the schema version, and each
//! version is one SQL step (`migrations/NNN_*.sql`) applied in order, all in one transaction, so
//! a database is always at one version or the next, never between. A database from a newer
//! groupmatch is refused, never downgraded or guessed at.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Each schema version's step, in order: `MIGRATIONS[i]` takes a database from version `i` to
/// version `i + 1`. A new version is a new step at the end; a step once released never changes
/// (`tests/fixtures/store/` keeps a database of every earlier version, and the tests migrate it).
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_referrals.sql"),
    include_str!("migrations/002_person_records.sql"),
];

/// The schema version this groupmatch writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Why a database cannot be brought to [`SCHEMA_VERSION`].
#[derive(Debug)]
pub(super) enum MigrateError {
    /// The database's version is newer than this groupmatch knows.
    Newer(u32),
    /// A row of this table refers to a row that does not exist (a file edited by hand).
    Broken(String),
    /// `SQLite` failed.
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> MigrateError {
        MigrateError::Sql(e)
    }
}

/// Brings the database to [`SCHEMA_VERSION`]: the steps from its version on, in one immediate
/// transaction (two processes opening an old database at once migrate it once: the second
/// reads the version again after the first has committed). Returns the version found.
pub(super) fn migrate(conn: &mut Connection) -> Result<u32, MigrateError> {
    // A database already at this version (nearly every open) takes no write lock.
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found == SCHEMA_VERSION {
        return Ok(found);
    }
    // A step may rebuild a table others refer to, which SQLite does with foreign keys off
    // (dropping the old table would otherwise delete the rows referring to it); they are
    // checked before the steps commit. The pragma is a no-op inside a transaction, so it is
    // set here, and [`super::Store::open`] turns them on after.
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(MigrateError::Newer(found));
    }
    for step in &MIGRATIONS[found as usize..] {
        tx.execute_batch(step)?;
    }
    let broken: Option<String> = tx
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()?;
    if let Some(table) = broken {
        return Err(MigrateError::Broken(table));
    }
    if found < SCHEMA_VERSION {
        // PRAGMA takes no parameters; the value is our own constant.
        tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    }
    tx.commit()?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_gets_every_step_and_a_second_migration_does_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' \
                 AND name IN ('referral', 'person_record', 'shown', 'chosen', 'event')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 5);
    }

    #[test]
    fn a_newer_database_is_refused_and_left_as_it_was() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        assert!(matches!(migrate(&mut conn), Err(MigrateError::Newer(99))));
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }
}
