//! The one data-access layer under [`crate::Store`]: a connection ([`Conn`]) that executes SQL
//! with `?N` placeholders and returns rows of back-end-neutral [`Value`]s, and a [`Pool`] that
//! hands out a connection, or a connection inside a transaction, from either back end.
//!
//! Every query is written once (in `queries.rs`) in the SQL both SQLite and PostgreSQL accept:
//! `?N` placeholders (the PostgreSQL adapter rewrites them to `$N`), `RETURNING id` instead of
//! a last-insert id, `INSERT … ON CONFLICT … DO UPDATE` for upserts, instants as integer Unix
//! seconds. The adapters differ only in how they talk to their driver.

use chrono::{DateTime, Utc};

use crate::StoreError;

/// A value passed to or read from the database.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// SQL NULL.
    Null,
    /// An integer (SQLite INTEGER, PostgreSQL BIGINT).
    Int(i64),
    /// A float (DOUBLE PRECISION).
    Real(f64),
    /// Text.
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Value {
        Value::Int(v.timestamp())
    }
}

impl<T> From<Option<T>> for Value
where
    T: Into<Value>,
{
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Builds an array of [`Value`]s from heterogeneous arguments.
macro_rules! params {
    ($($v:expr),* $(,)?) => { [$($crate::db::Value::from($v)),*] };
}
pub(crate) use params;

/// One row read back: its values by column position, read through typed accessors that
/// report a mismatch as [`StoreError::Corrupt`] instead of panicking.
#[derive(Debug)]
pub(crate) struct Row(pub(crate) Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))
    }

    /// An integer column.
    pub(crate) fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_int(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is NULL")))
    }

    /// A nullable integer column.
    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected an integer, found {other:?}"
            ))),
        }
    }

    /// A float column (an integer stored there is widened).
    pub(crate) fn real(&self, i: usize) -> Result<f64, StoreError> {
        self.opt_real(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is NULL")))
    }

    /// A nullable float column.
    pub(crate) fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Real(v) => Ok(Some(*v)),
            Value::Int(v) => Ok(Some(*v as f64)),
            Value::Text(_) => Err(StoreError::Corrupt(format!(
                "column {i}: expected a number, found text"
            ))),
        }
    }

    /// A text column; the value is moved out of the row.
    pub(crate) fn text(&mut self, i: usize) -> Result<String, StoreError> {
        self.opt_text(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is NULL")))
    }

    /// A nullable text column; the value is moved out of the row.
    pub(crate) fn opt_text(&mut self, i: usize) -> Result<Option<String>, StoreError> {
        let v = self
            .0
            .get_mut(i)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))?;
        match std::mem::replace(v, Value::Null) {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s)),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }

    /// An instant stored as Unix seconds.
    pub(crate) fn instant(&self, i: usize) -> Result<DateTime<Utc>, StoreError> {
        from_ts(self.int(i)?)
    }

    /// A nullable instant stored as Unix seconds.
    pub(crate) fn opt_instant(&self, i: usize) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.opt_int(i)?.map(from_ts).transpose()
    }
}

/// Unix seconds back to an instant.
pub(crate) fn from_ts(s: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(s, 0).ok_or_else(|| StoreError::Corrupt(format!("instant {s}")))
}

/// A connection (or a connection inside a transaction) of either back end. SQL uses `?N`
/// placeholders. A broken uniqueness rule comes back as [`StoreError::Conflict`].
pub(crate) trait Conn {
    /// Runs one statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, StoreError>;
    /// Runs one statement that returns rows (`SELECT`, or a write with `RETURNING`).
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// Runs a migration script (several statements, no parameters); the PostgreSQL adapter
    /// first maps the SQLite column types (see `postgres::ddl`).
    fn apply_ddl(&mut self, sql: &str) -> Result<(), StoreError>;
    /// How many parameters one statement may carry on this back end.
    fn max_params(&self) -> usize;

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The one row a query must return (an aggregate, or a `RETURNING` of a single insert).
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Corrupt("a query returned no row".into()))
    }
}

/// A pool of connections of one back end.
pub(crate) enum Pool {
    /// SQLite.
    Sqlite(crate::sqlite::Sqlite),
    /// PostgreSQL.
    Postgres(Box<crate::postgres::Postgres>),
}

/// The migration bookkeeping table, in the SQLite dialect like every migration.
const SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

impl Pool {
    /// Runs `f` on a connection in autocommit mode.
    pub(crate) fn run<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self {
            Pool::Sqlite(db) => db.run(f),
            Pool::Postgres(db) => db.run(f),
        }
    }

    /// Runs `f` in one transaction: committed when `f` returns `Ok`, rolled back otherwise.
    pub(crate) fn tx<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self {
            Pool::Sqlite(db) => db.tx(f),
            Pool::Postgres(db) => db.tx(f),
        }
    }

    /// Applies the migrations not yet recorded, in one transaction. On PostgreSQL an advisory
    /// lock serialises servers starting at once on the same database.
    pub(crate) fn migrate(&self) -> Result<(), StoreError> {
        self.migrate_up_to(i64::MAX)
    }

    /// [`Pool::migrate`], up to version `last` (an upgrade's test starts from an older one).
    pub(crate) fn migrate_up_to(&self, last: i64) -> Result<(), StoreError> {
        let is_postgres = matches!(self, Pool::Postgres(_));
        self.tx(|c| {
            if is_postgres {
                c.execute("SELECT pg_advisory_xact_lock(7270000001)", &[])?;
            }
            c.apply_ddl(SCHEMA_MIGRATIONS)?;
            for (version, name, sql) in crate::MIGRATIONS.iter().filter(|m| m.0 <= last) {
                let done = c.query_opt(
                    "SELECT version FROM schema_migrations WHERE version = ?1",
                    &params![*version],
                )?;
                if done.is_none() {
                    c.apply_ddl(&for_back_end(sql, is_postgres))?;
                    c.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at)
                         VALUES (?1, ?2, ?3)",
                        &params![*version, *name, Utc::now()],
                    )?;
                }
            }
            Ok(())
        })
    }
}

/// The statements of a migration for one back end. A migration is one text for both, except
/// where a line `-- @sqlite` or `-- @postgres` starts statements for that back end alone, until
/// `-- @both` (what a `CHECK` change or a table rebuild needs, which the two do differently).
pub(crate) fn for_back_end(sql: &str, postgres: bool) -> String {
    let mut keep = true;
    let mut out = String::with_capacity(sql.len());
    for line in sql.lines() {
        match line.trim() {
            "-- @sqlite" => keep = !postgres,
            "-- @postgres" => keep = postgres,
            "-- @both" => keep = true,
            _ if keep => {
                out.push_str(line);
                out.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database of version 8 with a user, their session and their job, upgraded to version 9
    /// on each back end: nobody is logged out, no job loses its owner, and a laureate can be
    /// recorded.
    #[test]
    fn the_programme_roles_upgrade_keeps_sessions_and_job_owners() {
        for db in crate::testing::test_databases().unwrap_or_else(|e| panic!("{e}")) {
            let pool = if db.backend() == "sqlite" {
                Pool::Sqlite(crate::sqlite::Sqlite::open(db.url()).unwrap())
            } else {
                Pool::Postgres(Box::new(crate::postgres::Postgres::open(db.url()).unwrap()))
            };
            pool.migrate_up_to(8).unwrap();
            let (ana, job) = pool
                .tx(|c| {
                    let ana = c
                        .query_one(
                            "INSERT INTO users (username, password_hash, role, created_at)
                             VALUES ('ana', 'h', 'programme', 0) RETURNING id",
                            &[],
                        )?
                        .int(0)?;
                    c.execute(
                        "INSERT INTO sessions (token_sha256, user_id, csrf_token, created_at, expires_at)
                         VALUES ('t', ?1, 'c', 0, 99999999999)",
                        &params![ana],
                    )?;
                    let job = c
                        .query_one(
                            "INSERT INTO jobs (kind, status, created_at, user_id)
                             VALUES ('simulation', 'queued', 0, ?1) RETURNING id",
                            &params![ana],
                        )?
                        .int(0)?;
                    Ok((ana, job))
                })
                .unwrap();
            let laureate = pool.migrate().and_then(|_| {
                pool.tx(|c| {
                    let kept = c
                        .query_one(
                            "SELECT COUNT(*) FROM sessions WHERE user_id = ?1",
                            &params![ana],
                        )?
                        .int(0)?;
                    let owner = c
                        .query_one("SELECT user_id FROM jobs WHERE id = ?1", &params![job])?
                        .opt_int(0)?;
                    c.execute(
                        "INSERT INTO users (username, password_hash, role, created_at, experiment)
                         VALUES ('lea', 'h', 'laureate', 0, 'meudon-cargo-bikes')",
                        &[],
                    )?;
                    Ok((kept, owner))
                })
            });
            assert_eq!(laureate.unwrap(), (1, Some(ana)), "{}", db.backend());
            let bad = pool.tx(|c| {
                c.execute(
                    "INSERT INTO users (username, password_hash, role, created_at)
                     VALUES ('zed', 'h', 'king', 0)",
                    &[],
                )
            });
            assert!(bad.is_err(), "{}: the role is still checked", db.backend());
        }
    }

    #[test]
    fn a_migration_keeps_each_back_ends_own_statements() {
        let sql =
            "CREATE TABLE a (x INTEGER);\n-- @sqlite\nS1;\nS2;\n-- @postgres\nP1;\n-- @both\nB;\n";
        assert_eq!(
            for_back_end(sql, false),
            "CREATE TABLE a (x INTEGER);\nS1;\nS2;\nB;\n"
        );
        assert_eq!(
            for_back_end(sql, true),
            "CREATE TABLE a (x INTEGER);\nP1;\nB;\n"
        );
        let plain = "CREATE TABLE b (y TEXT);\n";
        assert_eq!(for_back_end(plain, true), plain);
    }
}
