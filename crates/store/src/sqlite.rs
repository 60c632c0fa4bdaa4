//! The SQLite adapter: a small pool of connections to one file in WAL mode (readers do not
//! block the writer), foreign keys on, a busy timeout so concurrent writers wait instead of
//! failing. Statements are prepared once per connection and cached. Transactions start
//! `IMMEDIATE` (they take the write lock at once, so two writers never deadlock on an
//! upgrade). Methods are blocking; [`crate::Store`] runs them on tokio's blocking pool.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

use crate::StoreError;
use crate::db::{Conn, Row, Value};

const POOL: usize = 4;

pub(crate) struct Sqlite {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

fn configure(c: &Connection) -> Result<(), StoreError> {
    c.busy_timeout(Duration::from_secs(10))?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    c.pragma_update(None, "synchronous", "NORMAL")?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// A uniqueness rule broken is a [`StoreError::Conflict`], a check [`StoreError::Invalid`];
/// anything else a database error.
fn error(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        {
            return StoreError::Conflict(msg.clone().unwrap_or_else(|| "a row".into()));
        }
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_CHECK {
            return StoreError::Invalid(msg.clone().unwrap_or_else(|| "a check".into()));
        }
    }
    StoreError::Sqlite(e)
}

impl Sqlite {
    /// Opens `sqlite://PATH` or `sqlite::memory:` (not migrated yet).
    pub(crate) fn open(url: &str) -> Result<Sqlite, StoreError> {
        let conns = if url == "sqlite::memory:" {
            // One shared in-memory database needs one connection.
            vec![Connection::open_in_memory()?]
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .filter(|p| !p.is_empty())
                .ok_or_else(|| StoreError::Unsupported(crate::redact_url(url)))?;
            let first = Connection::open(path)?;
            first.pragma_update(None, "journal_mode", "WAL")?;
            let mut v = vec![first];
            for _ in 1..POOL {
                v.push(Connection::open(path)?);
            }
            v
        };
        for c in &conns {
            configure(c)?;
        }
        Ok(Sqlite {
            conns: conns.into_iter().map(Mutex::new).collect(),
            next: AtomicUsize::new(0),
        })
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        for c in &self.conns {
            if let Ok(g) = c.try_lock() {
                return Ok(g);
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len().max(1);
        let slot = self
            .conns
            .get(i)
            .ok_or_else(|| StoreError::Task("empty connection pool".into()))?;
        // A poisoned lock only means another query panicked; the connection is still usable.
        Ok(slot.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn run<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let c = self.conn()?;
        f(&mut SqliteConn(&c))
    }

    pub(crate) fn tx<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut c = self.conn()?;
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&mut SqliteConn(&tx))?;
        // Dropping `tx` without commit (an error above) rolls back.
        tx.commit()?;
        Ok(out)
    }
}

struct SqliteConn<'a>(&'a Connection);

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Real(v) => ValueRef::Real(*v),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

fn read(v: ValueRef<'_>, i: usize) -> Result<Value, StoreError> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Int(v),
        ValueRef::Real(v) => Value::Real(v),
        ValueRef::Text(t) => Value::Text(
            String::from_utf8(t.to_vec())
                .map_err(|_| StoreError::Corrupt(format!("column {i}: text is not UTF-8")))?,
        ),
        ValueRef::Blob(_) => {
            return Err(StoreError::Corrupt(format!("column {i}: unexpected blob")));
        }
    })
}

impl Conn for SqliteConn<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, StoreError> {
        let mut st = self.0.prepare_cached(sql).map_err(error)?;
        st.execute(rusqlite::params_from_iter(params))
            .map_err(error)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut st = self.0.prepare_cached(sql).map_err(error)?;
        let n = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(params))
            .map_err(error)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(error)? {
            let mut v = Vec::with_capacity(n);
            for i in 0..n {
                v.push(read(r.get_ref(i)?, i)?);
            }
            out.push(Row(v));
        }
        Ok(out)
    }

    fn apply_ddl(&mut self, sql: &str) -> Result<(), StoreError> {
        self.0.execute_batch(sql).map_err(error)
    }

    fn max_params(&self) -> usize {
        // SQLITE_MAX_VARIABLE_NUMBER is 32766 since 3.32 (the bundled library is newer).
        32_766
    }
}
