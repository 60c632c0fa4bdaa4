//! The PostgreSQL adapter, over the synchronous `postgres` client (no TLS: a server on the
//! same host or private network, or a TLS-terminating proxy). A few clients live in mutexes,
//! opened on first need and reopened when the server closed them; each keeps its prepared
//! statements. Methods are blocking; [`crate::Store`] runs them on tokio's blocking pool.
//!
//! The SQL it receives is the SQLite dialect the queries are written in; two pure functions
//! bridge the gap: [`placeholders`] rewrites `?N` to `$N`, and [`ddl`] maps the SQLite column
//! types of a migration (`INTEGER PRIMARY KEY` to an identity column, `INTEGER` to `BIGINT`,
//! `REAL` to `DOUBLE PRECISION`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, GenericClient, NoTls, Statement};

use crate::StoreError;
use crate::db::{Conn, Row, Value};

const POOL: usize = 4;
/// Prepared statements kept per client before the cache is cleared.
const STATEMENT_CACHE: usize = 256;

/// One client and its prepared statements (keyed by the SQL as the queries wrote it).
struct Pooled {
    client: Client,
    statements: HashMap<String, Statement>,
}

pub(crate) struct Postgres {
    config: postgres::Config,
    slots: Vec<Mutex<Option<Pooled>>>,
    next: AtomicUsize,
}

/// A uniqueness rule broken is a [`StoreError::Conflict`], a check [`StoreError::Invalid`];
/// anything else a database error.
fn error(e: postgres::Error) -> StoreError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        let what = e
            .as_db_error()
            .and_then(|d| d.constraint().map(str::to_string))
            .unwrap_or_else(|| "a row".into());
        return StoreError::Conflict(what);
    }
    if e.code() == Some(&SqlState::CHECK_VIOLATION) {
        let what = e
            .as_db_error()
            .and_then(|d| d.constraint().map(str::to_string))
            .unwrap_or_else(|| "a check".into());
        return StoreError::Invalid(what);
    }
    StoreError::Postgres(e)
}

impl Postgres {
    /// Parses `postgres://…` or `postgresql://…` and opens one client (not migrated yet).
    pub(crate) fn open(url: &str) -> Result<Postgres, StoreError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|_| StoreError::Unsupported(crate::redact_url(url)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("quartier");
        let db = Postgres {
            config,
            slots: (0..POOL).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        };
        // Connect once now so a wrong URL fails at start, not at the first request.
        let mut first = db.slot()?;
        *first = Some(db.connect()?);
        drop(first);
        Ok(db)
    }

    fn connect(&self) -> Result<Pooled, StoreError> {
        Ok(Pooled {
            client: self.config.connect(NoTls).map_err(error)?,
            statements: HashMap::new(),
        })
    }

    fn slot(&self) -> Result<MutexGuard<'_, Option<Pooled>>, StoreError> {
        // Prefer a free slot holding an open client, then any free slot, then wait.
        let mut free = None;
        for s in &self.slots {
            if let Ok(g) = s.try_lock() {
                if g.is_some() {
                    return Ok(g);
                }
                free.get_or_insert(g);
            }
        }
        if let Some(g) = free {
            return Ok(g);
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len().max(1);
        let slot = self
            .slots
            .get(i)
            .ok_or_else(|| StoreError::Task("empty connection pool".into()))?;
        // A poisoned lock only means another query panicked; the client is checked below.
        Ok(slot.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// A live client: the slot's own, or a new one when it had none or the server closed it.
    fn with_client<T>(
        &self,
        f: impl FnOnce(&mut Pooled) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut g = self.slot()?;
        if g.as_ref().is_none_or(|p| p.client.is_closed()) {
            *g = Some(self.connect()?);
        }
        match g.as_mut() {
            Some(p) => f(p),
            None => Err(StoreError::Task("no client".into())),
        }
    }

    pub(crate) fn run<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with_client(|p| {
            f(&mut PgConn {
                client: &mut p.client,
                statements: &mut p.statements,
            })
        })
    }

    pub(crate) fn tx<T>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with_client(|p| {
            let mut tx = p.client.transaction().map_err(error)?;
            let out = f(&mut PgConn {
                client: &mut tx,
                statements: &mut p.statements,
            })?;
            // Dropping `tx` without commit (an error above) rolls back.
            tx.commit().map_err(error)?;
            Ok(out)
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Each client owns a small tokio runtime, which may not be dropped from async code
        // (the last clone of a Store is often dropped there): close them on a plain thread.
        let clients: Vec<Pooled> = self
            .slots
            .iter_mut()
            .filter_map(|s| s.get_mut().unwrap_or_else(|p| p.into_inner()).take())
            .collect();
        if !clients.is_empty() {
            let closer = std::thread::spawn(move || drop(clients));
            // Waiting makes the close deterministic (a test drops its database next).
            let _ = closer.join();
        }
    }
}

struct PgConn<'a, C> {
    client: &'a mut C,
    statements: &'a mut HashMap<String, Statement>,
}

impl<C: GenericClient> PgConn<'_, C> {
    fn prepare(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(&placeholders(sql)).map_err(error)?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// The statement and its parameters converted to the types the server expects.
    fn bind(
        &mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Statement, Vec<Box<dyn ToSql + Sync>>), StoreError> {
        let st = self.prepare(sql)?;
        if st.params().len() != params.len() {
            return Err(StoreError::Corrupt(format!(
                "{} parameters given, {} expected",
                params.len(),
                st.params().len()
            )));
        }
        let bound = params
            .iter()
            .zip(st.params())
            .map(|(v, ty)| bind(v, ty))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((st, bound))
    }
}

fn refs(v: &[Box<dyn ToSql + Sync>]) -> Vec<&(dyn ToSql + Sync)> {
    v.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
}

/// One value as the Rust type the server's parameter type `ty` takes.
fn bind(v: &Value, ty: &Type) -> Result<Box<dyn ToSql + Sync>, StoreError> {
    let mismatch = || StoreError::Corrupt(format!("cannot send {v:?} as {ty}"));
    Ok(match (v, ty) {
        (Value::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
        (Value::Null, t) if *t == Type::INT4 => Box::new(None::<i32>),
        (Value::Null, t) if *t == Type::INT2 => Box::new(None::<i16>),
        (Value::Null, t) if *t == Type::FLOAT8 => Box::new(None::<f64>),
        (Value::Null, t) if *t == Type::FLOAT4 => Box::new(None::<f32>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Int(i), t) if *t == Type::INT8 => Box::new(*i),
        (Value::Int(i), t) if *t == Type::INT4 => {
            Box::new(i32::try_from(*i).map_err(|_| mismatch())?)
        }
        (Value::Int(i), t) if *t == Type::INT2 => {
            Box::new(i16::try_from(*i).map_err(|_| mismatch())?)
        }
        (Value::Int(i), t) if *t == Type::FLOAT8 => Box::new(*i as f64),
        (Value::Real(x), t) if *t == Type::FLOAT8 => Box::new(*x),
        (Value::Real(x), t) if *t == Type::FLOAT4 => Box::new(*x as f32),
        (Value::Text(s), t) if <String as ToSql>::accepts(t) => Box::new(s.clone()),
        _ => return Err(mismatch()),
    })
}

/// One column of a result row as a [`Value`].
fn read(row: &postgres::Row, i: usize) -> Result<Value, StoreError> {
    let ty = row
        .columns()
        .get(i)
        .map(|c| c.type_().clone())
        .ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))?;
    let get_err = |e: postgres::Error| StoreError::Corrupt(format!("column {i}: {e}"));
    let v = if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)
            .map_err(get_err)?
            .map(Value::Int)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)
            .map_err(get_err)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)
            .map_err(get_err)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)
            .map_err(get_err)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)
            .map_err(get_err)?
            .map(Value::Real)
    } else if ty == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(i)
            .map_err(get_err)?
            .map(|v| Value::Real(v.into()))
    } else if <String as postgres::types::FromSql>::accepts(&ty) {
        row.try_get::<_, Option<String>>(i)
            .map_err(get_err)?
            .map(Value::Text)
    } else {
        return Err(StoreError::Corrupt(format!(
            "column {i}: unsupported type {ty}"
        )));
    };
    Ok(v.unwrap_or(Value::Null))
}

impl<C: GenericClient> Conn for PgConn<'_, C> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<usize, StoreError> {
        let (st, bound) = self.bind(sql, params)?;
        let n = self.client.execute(&st, &refs(&bound)).map_err(error)?;
        usize::try_from(n).map_err(|_| StoreError::Corrupt(format!("{n} rows")))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let (st, bound) = self.bind(sql, params)?;
        let rows = self.client.query(&st, &refs(&bound)).map_err(error)?;
        rows.iter()
            .map(|r| (0..r.len()).map(|i| read(r, i)).collect::<Result<_, _>>())
            .map(|v| v.map(Row))
            .collect()
    }

    fn apply_ddl(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(&ddl(sql)).map_err(error)
    }

    fn max_params(&self) -> usize {
        // The protocol counts parameters in an i16.
        32_767
    }
}

/// A lexical pass over SQL text: calls `word` for each identifier or keyword outside string
/// literals, quoted identifiers and comments, and `other` for every other character.
fn lex(
    sql: &str,
    mut word: impl FnMut(&str, &str, &mut String),
    mut other: impl FnMut(&str, &mut String),
) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        let len = if c == '\'' || c == '"' {
            // A quoted literal or identifier, copied verbatim ('' and "" escape themselves).
            let mut end = rest.len();
            let mut it = rest.char_indices().skip(1).peekable();
            while let Some((i, d)) = it.next() {
                if d == c {
                    if it.peek().map(|&(_, e)| e) == Some(c) {
                        it.next();
                    } else {
                        end = i + d.len_utf8();
                        break;
                    }
                }
            }
            out.push_str(rest.get(..end).unwrap_or(rest));
            end
        } else if rest.starts_with("--") {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push_str(rest.get(..end).unwrap_or(rest));
            end
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|d: char| !(d.is_ascii_alphanumeric() || d == '_'))
                .unwrap_or(rest.len());
            let (w, after) = rest.split_at(end);
            word(w, after, &mut out);
            end
        } else {
            let end = c.len_utf8();
            other(rest.get(..end).unwrap_or(""), &mut out);
            end
        };
        rest = rest.get(len..).unwrap_or("");
    }
    out
}

/// Rewrites SQLite's numbered placeholders `?N` to PostgreSQL's `$N` (every `?` outside string
/// literals, quoted identifiers and comments becomes `$`: the queries use no other `?`).
pub(crate) fn placeholders(sql: &str) -> String {
    lex(
        sql,
        |w, _, out| out.push_str(w),
        |c, out| out.push_str(if c == "?" { "$" } else { c }),
    )
}

/// Maps the SQLite column types of a migration to PostgreSQL's: `INTEGER PRIMARY KEY` (a
/// rowid alias) becomes `BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`, any other
/// `INTEGER` becomes `BIGINT`, `REAL` becomes `DOUBLE PRECISION`. Keywords are matched as whole
/// words, case-insensitively, outside literals and comments.
pub(crate) fn ddl(sql: &str) -> String {
    lex(
        sql,
        |w, after, out| {
            if w.eq_ignore_ascii_case("INTEGER") {
                let mut next = after.split_whitespace();
                let pk = next
                    .next()
                    .is_some_and(|a| a.eq_ignore_ascii_case("PRIMARY"))
                    && next.next().is_some_and(|b| {
                        b.get(..3).is_some_and(|k| k.eq_ignore_ascii_case("KEY"))
                            && !b.get(3..4).is_some_and(|r| {
                                r.starts_with(|d: char| d.is_ascii_alphanumeric() || d == '_')
                            })
                    });
                out.push_str(if pk {
                    "BIGINT GENERATED BY DEFAULT AS IDENTITY"
                } else {
                    "BIGINT"
                });
            } else if w.eq_ignore_ascii_case("REAL") {
                out.push_str("DOUBLE PRECISION");
            } else {
                out.push_str(w);
            }
        },
        |c, out| out.push_str(c),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_dollars_outside_literals() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?12 -- ?3\n"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $12 -- ?3\n"
        );
        assert_eq!(placeholders("'it''s ?1' || ?2"), "'it''s ?1' || $2");
        assert_eq!(placeholders("\"we?ird\" = ?1"), "\"we?ird\" = $1");
        // An unterminated literal is copied as it is (the server reports the error).
        assert_eq!(placeholders("x = 'oops ?1"), "x = 'oops ?1");
    }

    #[test]
    fn ddl_maps_sqlite_types_as_whole_words() {
        let sql = "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    n integer NOT NULL,\n    \
                   x REAL, pk_integer TEXT, realm TEXT DEFAULT 'INTEGER',\n    \
                   k INTEGER PRIMARY KEYS_ARE_NOT_A_THING\n); -- INTEGER\n";
        assert_eq!(
            ddl(sql),
            "CREATE TABLE t (\n    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n    \
             n BIGINT NOT NULL,\n    x DOUBLE PRECISION, pk_integer TEXT, realm TEXT DEFAULT 'INTEGER',\n    \
             k BIGINT PRIMARY KEYS_ARE_NOT_A_THING\n); -- INTEGER\n"
        );
        assert_eq!(
            ddl("version INTEGER PRIMARY KEY, x DOUBLE PRECISION"),
            "version BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x DOUBLE PRECISION"
        );
    }
}
