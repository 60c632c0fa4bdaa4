//! The database of the Quartier server: users (argon2 hashes made by the caller), sessions,
//! districts with their source file, participants, meter curves, jobs and simulation runs.
//!
//! [`Store`] is one interface over a back end chosen by URL: `sqlite://PATH` (the file is
//! created and migrated on first open, WAL mode) or `sqlite::memory:`. PostgreSQL
//! (`postgres://…`) is refused with [`StoreError::Unsupported`] until its back end lands behind
//! the same methods. Every method is `async`: SQLite work runs on tokio's blocking pool, never
//! on the async workers. Writes that must be all-or-nothing (a meter-curve upload, a district
//! and its participants) are one transaction each.
//!
//! Migrations are numbered SQL files embedded in the binary ([`MIGRATIONS`]) and recorded in a
//! `schema_migrations` table; they avoid SQLite-only syntax except `INTEGER PRIMARY KEY`
//! (PostgreSQL: an identity column), which the PostgreSQL back end will rewrite.
//!
//! **Architecture invariant:** this crate knows nothing of HTTP, JSON or the district model:
//! it stores text, numbers and UTC instants.
#![deny(missing_docs)]

mod sqlite;
mod types;

pub use types::*;

use std::sync::Arc;

use chrono::{DateTime, Utc};

/// The embedded migrations: (version, name, SQL), applied in order.
pub const MIGRATIONS: &[(i64, &str, &str)] =
    &[(1, "initial", include_str!("../migrations/0001_initial.sql"))];

/// Errors of the store. The text of database errors is for logs, not for clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names a back end this build does not have, or is malformed.
    #[error("unsupported database URL `{0}` (expected sqlite://PATH or sqlite::memory:)")]
    Unsupported(String),
    /// A uniqueness rule was broken (e.g. a username already taken).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// A value read back could not be understood (a corrupt row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// The store: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    backend: Arc<Backend>,
}

enum Backend {
    Sqlite(sqlite::Sqlite),
}

macro_rules! blocking {
    ($self:ident, |$db:ident| $body:expr) => {{
        let backend = Arc::clone(&$self.backend);
        tokio::task::spawn_blocking(move || match &*backend {
            Backend::Sqlite($db) => $body,
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }};
}

impl Store {
    /// Opens (creating and migrating when needed) the database named by `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let url = url.to_string();
        let db = tokio::task::spawn_blocking(move || sqlite::Sqlite::open(&url))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(Store {
            backend: Arc::new(Backend::Sqlite(db)),
        })
    }

    /// Versions of the migrations applied, in order.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        blocking!(self, |db| db.applied_migrations())
    }

    /// Creates a user; [`StoreError::Conflict`] when the username is taken.
    pub async fn create_user(&self, user: NewUser) -> Result<i64, StoreError> {
        blocking!(self, |db| db.create_user(&user))
    }

    /// The user with this username, with their password hash.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let name = username.to_string();
        blocking!(self, |db| db.user_by_name(&name))
    }

    /// Number of users.
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        blocking!(self, |db| db.user_count())
    }

    /// Records a session; `token` is the secret the client holds.
    pub async fn create_session(&self, session: NewSession) -> Result<(), StoreError> {
        blocking!(self, |db| db.create_session(&session))
    }

    /// The live session with this token and its user; expired sessions are not returned.
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let token = token.to_string();
        blocking!(self, |db| db.session(&token, now))
    }

    /// Deletes a session (logout); deleting an unknown token is not an error.
    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        let token = token.to_string();
        blocking!(self, |db| db.delete_session(&token))
    }

    /// Deletes every session expired at `now`; returns how many.
    pub async fn purge_sessions(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        blocking!(self, |db| db.purge_sessions(now))
    }

    /// Creates a district and its participants in one transaction; returns its id.
    pub async fn create_district(&self, district: NewDistrict) -> Result<i64, StoreError> {
        blocking!(self, |db| db.create_district(&district))
    }

    /// Every district, by id.
    pub async fn districts(&self) -> Result<Vec<DistrictRow>, StoreError> {
        blocking!(self, |db| db.districts())
    }

    /// One district.
    pub async fn district(&self, id: i64) -> Result<Option<DistrictRow>, StoreError> {
        blocking!(self, |db| db.district(id))
    }

    /// The participants of a district, by PRM.
    pub async fn participants(&self, district_id: i64) -> Result<Vec<ParticipantRow>, StoreError> {
        blocking!(self, |db| db.participants(district_id))
    }

    /// Adds a participant to a district; [`StoreError::Conflict`] when the PRM is already in it.
    pub async fn add_participant(&self, p: ParticipantRow) -> Result<(), StoreError> {
        blocking!(self, |db| db.add_participant(&p))
    }

    /// Ids of the districts a PRM belongs to.
    pub async fn districts_of_prm(&self, prm: &str) -> Result<Vec<i64>, StoreError> {
        let prm = prm.to_string();
        blocking!(self, |db| db.districts_of_prm(&prm))
    }

    /// Writes a meter curve in one transaction: every point or none. A point already stored
    /// for the same PRM and instant is replaced, so a re-upload never duplicates.
    pub async fn upsert_curve(
        &self,
        prm: &str,
        points: Vec<CurvePoint>,
    ) -> Result<UpsertSummary, StoreError> {
        let prm = prm.to_string();
        blocking!(self, |db| db.upsert_curve(&prm, &points))
    }

    /// The points of a PRM's curve with `from <= instant < to`, in time order.
    pub async fn curve(
        &self,
        prm: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CurvePoint>, StoreError> {
        let prm = prm.to_string();
        blocking!(self, |db| db.curve(&prm, from, to))
    }

    /// The first and last instants stored for a PRM.
    pub async fn curve_bounds(&self, prm: &str) -> Result<Option<TimeRange>, StoreError> {
        let prm = prm.to_string();
        blocking!(self, |db| db.curve_bounds(&prm))
    }

    /// Number of stored curve points (all PRMs).
    pub async fn curve_point_count(&self) -> Result<i64, StoreError> {
        blocking!(self, |db| db.curve_point_count())
    }

    /// Creates a queued job; returns its id.
    pub async fn create_job(&self, job: NewJob) -> Result<i64, StoreError> {
        blocking!(self, |db| db.create_job(&job))
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
        blocking!(self, |db| db.job(id))
    }

    /// Sets a job running at `progress` % (clamped to 0–100). A job already finished or
    /// cancelled is left as it is; returns false then, so the worker can stop.
    pub async fn set_job_progress(&self, id: i64, progress: u8) -> Result<bool, StoreError> {
        blocking!(self, |db| db.set_job_progress(id, progress))
    }

    /// Finishes a job: succeeded with its result and run, or failed with its error. A job
    /// cancelled meanwhile stays cancelled (its run is not stored); returns false then.
    pub async fn finish_job(&self, id: i64, outcome: JobOutcome) -> Result<bool, StoreError> {
        blocking!(self, |db| db.finish_job(id, &outcome))
    }

    /// Cancels a queued or running job; returns false when it had already finished.
    pub async fn cancel_job(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        blocking!(self, |db| db.cancel_job(id, now))
    }

    /// Marks jobs left queued or running by a previous process as failed ("interrupted").
    pub async fn fail_interrupted_jobs(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        blocking!(self, |db| db.fail_interrupted_jobs(now))
    }

    /// One run (KPIs and time series).
    pub async fn run(&self, id: i64) -> Result<Option<RunRow>, StoreError> {
        blocking!(self, |db| db.run(id))
    }

    /// The most recent run of a district.
    pub async fn latest_run(&self, district_id: i64) -> Result<Option<RunRow>, StoreError> {
        blocking!(self, |db| db.latest_run(district_id))
    }
}
