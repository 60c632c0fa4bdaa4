//! Test support: a throwaway database of each back end, so the same tests run on SQLite and
//! PostgreSQL (this crate's tests and the web server's).
//!
//! [`test_databases`] gives a fresh SQLite file always, and a fresh PostgreSQL database when
//! `QUARTIER_TEST_POSTGRES_URL` names a server (an admin URL whose role may create databases,
//! such as `postgres://quartier@127.0.0.1:55432/postgres`; `.ci/postgres.sh` starts one). When
//! it is unset, PostgreSQL is skipped with a printed reason, unless
//! `QUARTIER_REQUIRE_POSTGRES=1` (CI), which makes it an error. Each PostgreSQL [`TestDb`] is
//! its own `CREATE DATABASE q_test_…`, dropped when the value is dropped (best effort), so tests
//! run in parallel.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! for db in quartier_store::testing::test_databases()? {
//!     let store = quartier_store::Store::open(db.url()).await?;
//!     assert_eq!(store.backend(), db.backend());
//! }
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::StoreError;

/// The admin URL of the PostgreSQL server to test against.
pub const POSTGRES_URL_VAR: &str = "QUARTIER_TEST_POSTGRES_URL";
/// Set to `1` to make a missing [`POSTGRES_URL_VAR`] an error instead of a skip.
pub const REQUIRE_POSTGRES_VAR: &str = "QUARTIER_REQUIRE_POSTGRES";

/// Why no test databases could be made.
#[derive(Debug, thiserror::Error)]
pub enum TestDbError {
    /// PostgreSQL is required ([`REQUIRE_POSTGRES_VAR`]) but no server was named.
    #[error(
        "{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set: start a server with \
         `.ci/postgres.sh` and export the line it prints"
    )]
    MissingPostgres,
    /// Creating the database failed.
    #[error("cannot create a test database: {0}")]
    Store(#[from] StoreError),
}

/// A database that exists for one test: its URL for [`crate::Store::open`], removed on drop.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// The URL to open.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `"sqlite"` or `"postgres"`, as [`crate::Store::backend`] says.
    pub fn backend(&self) -> &'static str {
        match self.cleanup {
            Cleanup::Dir(_) => "sqlite",
            Cleanup::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                let _ = admin(admin_url, sql);
            }
        }
    }
}

/// A name no other test of any process uses at the same time.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh, empty SQLite file in the temporary folder.
pub fn sqlite_test_db() -> Result<TestDb, StoreError> {
    let dir = std::env::temp_dir().join(unique("quartier_test"));
    std::fs::create_dir_all(&dir)
        .map_err(|e| StoreError::Task(format!("cannot create {}: {e}", dir.display())))?;
    Ok(TestDb {
        url: format!("sqlite://{}", dir.join("q.db").display()),
        cleanup: Cleanup::Dir(dir),
    })
}

/// Runs one statement through the admin URL, on a plain thread (the synchronous client
/// starts its own runtime, which may not run inside an async test).
fn admin(admin_url: &str, sql: String) -> Result<(), StoreError> {
    let url = admin_url.to_string();
    std::thread::spawn(move || {
        let mut client =
            postgres::Client::connect(&url, postgres::NoTls).map_err(StoreError::Postgres)?;
        client.batch_execute(&sql).map_err(StoreError::Postgres)
    })
    .join()
    .map_err(|_| StoreError::Task("the admin connection panicked".into()))?
}

/// `url` with its database replaced by `name` (`scheme://authority/name?query`).
fn with_database(url: &str, name: &str) -> Result<String, StoreError> {
    let bad = || StoreError::Unsupported(crate::redact_url(url));
    let scheme_end = url.find("://").ok_or_else(bad)? + 3;
    let rest = url.get(scheme_end..).ok_or_else(bad)?;
    let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = rest.get(..authority_len).ok_or_else(bad)?;
    let query = rest
        .get(authority_len..)
        .and_then(|p| p.find('?').and_then(|q| p.get(q..)))
        .unwrap_or("");
    let scheme = url.get(..scheme_end).ok_or_else(bad)?;
    Ok(format!("{scheme}{authority}/{name}{query}"))
}

/// A fresh, empty PostgreSQL database created through `admin_url`.
pub fn postgres_test_db(admin_url: &str) -> Result<TestDb, StoreError> {
    let name = unique("q_test");
    let url = with_database(admin_url, &name)?;
    admin(admin_url, format!("CREATE DATABASE \"{name}\""))?;
    Ok(TestDb {
        url,
        cleanup: Cleanup::Postgres {
            admin_url: admin_url.to_string(),
            name,
        },
    })
}

/// One fresh database per back end to test: SQLite always, PostgreSQL when
/// [`POSTGRES_URL_VAR`] is set (see the module documentation for the rules).
pub fn test_databases() -> Result<Vec<TestDb>, TestDbError> {
    let mut dbs = vec![sqlite_test_db()?];
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => dbs.push(postgres_test_db(url.trim())?),
        _ if std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|v| v == "1") => {
            return Err(TestDbError::MissingPostgres);
        }
        _ => eprintln!("skipping PostgreSQL: {POSTGRES_URL_VAR} not set"),
    }
    Ok(dbs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://q:pw@127.0.0.1:5432/postgres", "x").unwrap(),
            "postgres://q:pw@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgresql://q@h?sslmode=disable", "x").unwrap(),
            "postgresql://q@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h/a?connect_timeout=3", "x").unwrap(),
            "postgres://h/x?connect_timeout=3"
        );
        assert!(with_database("host=h dbname=a", "x").is_err());
    }

    #[test]
    fn sqlite_test_files_are_removed() {
        let db = sqlite_test_db().unwrap();
        let dir = match &db.cleanup {
            Cleanup::Dir(d) => d.clone(),
            Cleanup::Postgres { .. } => unreachable!(),
        };
        assert!(dir.is_dir());
        drop(db);
        assert!(!dir.exists());
    }
}
