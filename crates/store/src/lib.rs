//! The database of the Quartier server: users (argon2 hashes made by the caller), sessions,
//! districts with their source file, participants, meter curves, jobs and simulation runs,
//! energy communities (every version of the community file, the grid operator's data, invoices),
//! and the infrastructure asset registry (assets and their maintenance log).
//!
//! [`Store`] is one interface over a back end chosen by URL:
//! - `sqlite://PATH` (the file is created and migrated on first open, WAL mode) or
//!   `sqlite::memory:`;
//! - `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` or `postgresql://…` (the database must
//!   exist; its tables are created and migrated on first open; no TLS).
//!
//! Every method is `async`: the blocking driver calls run on tokio's blocking pool, never on
//! the async workers. Writes that must be all-or-nothing (a meter-curve upload, a district
//! and its participants, a batch of assets) are one transaction each.
//!
//! Each method is written once, over a small internal data-access layer (a connection that
//! runs `?N`-placeholder SQL and returns rows of neutral values) with one adapter per back
//! end; the SQL is the subset both accept (`RETURNING`, `ON CONFLICT … DO UPDATE`, instants as
//! integer Unix seconds, dates as ISO text).
//!
//! Migrations are numbered SQL files embedded in the binary ([`MIGRATIONS`]) and recorded in a
//! `schema_migrations` table, the same files for both back ends. They are written in SQLite's
//! types; the PostgreSQL adapter maps `INTEGER PRIMARY KEY` to an identity column, `INTEGER` to
//! `BIGINT` and `REAL` to `DOUBLE PRECISION` (one tested rewrite function).
//!
//! **Architecture invariant:** this crate knows nothing of HTTP, JSON or the district model:
//! it stores text, numbers, dates and UTC instants. No SQL lives outside it.
#![deny(missing_docs)]

mod db;
mod postgres;
mod queries;
pub use queries::token_digest;
mod sqlite;
pub mod testing;
mod types;

pub use types::*;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use db::{Conn, Pool};

/// The embedded migrations: (version, name, SQL), applied in order.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/0001_initial.sql")),
    (2, "assets", include_str!("../migrations/0002_assets.sql")),
    (
        3,
        "session_digest",
        include_str!("../migrations/0003_session_digest.sql"),
    ),
    (
        4,
        "meter_ownership",
        include_str!("../migrations/0004_meter_ownership.sql"),
    ),
    (
        5,
        "job_owner",
        include_str!("../migrations/0005_job_owner.sql"),
    ),
    (
        6,
        "server_setup",
        include_str!("../migrations/0006_server_setup.sql"),
    ),
    (
        7,
        "audit_log",
        include_str!("../migrations/0007_audit_log.sql"),
    ),
    (
        8,
        "community",
        include_str!("../migrations/0008_community.sql"),
    ),
    (
        9,
        "programme_roles",
        include_str!("../migrations/0009_programme_roles.sql"),
    ),
    (10, "calls", include_str!("../migrations/0010_calls.sql")),
    (
        11,
        "report_evidence",
        include_str!("../migrations/0011_report_evidence.sql"),
    ),
];

/// Errors of the store. The text of database errors is for logs, not for clients; it never
/// holds the password of a database URL.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names a back end this build does not have, or is malformed (the password, if
    /// any, is masked).
    #[error(
        "unsupported database URL `{0}` (expected sqlite://PATH, sqlite::memory: or \
         postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)"
    )]
    Unsupported(String),
    /// A uniqueness rule was broken (e.g. a username already taken).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The meter (PRM) already belongs to another district, and the new participant row does
    /// not say it is shared ([`ParticipantRow::shared_at`]).
    #[error("meter {prm} already belongs to another district")]
    MeterTaken {
        /// The PRM.
        prm: String,
    },
    /// A value breaks a rule of the schema (e.g. an asset condition outside 1–5).
    #[error("invalid value: {0}")]
    Invalid(String),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (connection, query or server error).
    #[error("database error: {0}")]
    Postgres(#[source] ::postgres::Error),
    /// A value read back could not be understood (a corrupt row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

impl StoreError {
    /// The same error with a [`StoreError::Conflict`] described as `what` (the database only
    /// names its constraint).
    fn conflict_on(self, what: impl FnOnce() -> String) -> StoreError {
        match self {
            StoreError::Conflict(_) => StoreError::Conflict(what()),
            other => other,
        }
    }
}

/// The URL with its password masked (`postgres://user:***@host/db`), for messages and logs.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = url.find("://") {
        let rest = url.get(scheme_end + 3..).unwrap_or("");
        let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = rest.get(..authority_len).unwrap_or("");
        if let Some(at) = authority.rfind('@') {
            let userinfo = authority.get(..at).unwrap_or("");
            if let Some(colon) = userinfo.find(':') {
                let start = scheme_end + 3 + colon + 1;
                let end = scheme_end + 3 + at;
                out.replace_range(start..end, "***");
            }
        }
    }
    // `password=` in a query string or a key-value connection string.
    let mut masked = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.to_ascii_lowercase().find("password=") {
        let value_start = i + "password=".len();
        masked.push_str(rest.get(..value_start).unwrap_or(""));
        masked.push_str("***");
        let tail = rest.get(value_start..).unwrap_or("");
        let value_len = tail.find(['&', ' ']).unwrap_or(tail.len());
        rest = tail.get(value_len..).unwrap_or("");
    }
    masked.push_str(rest);
    masked
}

/// The store: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    pool: Arc<Pool>,
}

impl Store {
    /// Opens (creating and migrating when needed) the database named by `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let url = url.to_string();
        let pool = tokio::task::spawn_blocking(move || {
            let pool = if url.starts_with("sqlite:") {
                Pool::Sqlite(sqlite::Sqlite::open(&url)?)
            } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Pool::Postgres(Box::new(postgres::Postgres::open(&url)?))
            } else {
                return Err(StoreError::Unsupported(redact_url(&url)));
            };
            pool.migrate()?;
            Ok(pool)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(Store {
            pool: Arc::new(pool),
        })
    }

    /// Runs `f` on a connection, on the blocking pool.
    async fn with_conn<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        tokio::task::spawn_blocking(move || pool.run(f))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs `f` in one transaction, on the blocking pool.
    async fn in_tx<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = Arc::clone(&self.pool);
        tokio::task::spawn_blocking(move || pool.tx(f))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// The back end in use: `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match &*self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Versions of the migrations applied, in order.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        self.with_conn(move |c| queries::applied_migrations(c))
            .await
    }

    /// Creates a user; [`StoreError::Conflict`] when the username is taken.
    pub async fn create_user(&self, user: NewUser) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::create_user(c, &user))
            .await
    }

    /// The user with this username, with their password hash.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let name = username.to_string();
        self.with_conn(move |c| queries::user_by_name(c, &name))
            .await
    }

    /// Stores a laureate's monthly report on `experiment` (its slug): every value or none, a
    /// month already reported replaced.
    pub async fn put_reports(
        &self,
        experiment: &str,
        values: Vec<ReportValue>,
    ) -> Result<(), StoreError> {
        let e = experiment.to_string();
        self.in_tx(move |c| queries::put_reports(c, &e, &values))
            .await
    }

    /// The reported values of `experiment`, by indicator and month.
    pub async fn reports(&self, experiment: &str) -> Result<Vec<ReportValue>, StoreError> {
        let e = experiment.to_string();
        self.with_conn(move |c| queries::reports(c, &e)).await
    }

    /// Attaches evidence to month `month` of `experiment`'s reports; its id.
    pub async fn add_evidence(&self, e: NewEvidence) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::add_evidence(c, &e)).await
    }

    /// The evidence attached to `experiment`'s reports (without its bytes), by month then id.
    pub async fn evidence(&self, experiment: &str) -> Result<Vec<EvidenceRow>, StoreError> {
        let e = experiment.to_string();
        self.with_conn(move |c| queries::evidence(c, &e)).await
    }

    /// One piece of evidence with its bytes (base64), when it belongs to `experiment`.
    pub async fn evidence_content(
        &self,
        experiment: &str,
        id: i64,
    ) -> Result<Option<(EvidenceRow, String)>, StoreError> {
        let e = experiment.to_string();
        self.with_conn(move |c| queries::evidence_content(c, &e, id))
            .await
    }

    /// Every reported value, with its experiment.
    pub async fn all_reports(&self) -> Result<Vec<(String, ReportValue)>, StoreError> {
        self.with_conn(queries::all_reports).await
    }

    /// Records a call for applications; its id.
    pub async fn create_call(&self, call: NewCall) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::create_call(c, &call))
            .await
    }

    /// Every call, newest first.
    pub async fn calls(&self) -> Result<Vec<CallRow>, StoreError> {
        self.with_conn(|c| queries::calls_where(c, "", &[])).await
    }

    /// The call `id`.
    pub async fn call(&self, id: i64) -> Result<Option<CallRow>, StoreError> {
        self.with_conn(move |c| {
            Ok(queries::calls_where(c, "WHERE id = ?1", &db::params![id])?
                .into_iter()
                .next())
        })
        .await
    }

    /// Starts an application (a draft) of `applicant_id` to call `call_id`; its id.
    pub async fn create_application(
        &self,
        call_id: i64,
        applicant_id: i64,
        form: String,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::create_application(c, call_id, applicant_id, &form, at))
            .await
    }

    /// The application `id`.
    pub async fn application(&self, id: i64) -> Result<Option<ApplicationRow>, StoreError> {
        self.with_conn(move |c| {
            Ok(
                queries::applications_where(c, "WHERE id = ?1", &db::params![id])?
                    .into_iter()
                    .next(),
            )
        })
        .await
    }

    /// The applications to call `call_id`, by id.
    pub async fn applications_of_call(
        &self,
        call_id: i64,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        self.with_conn(move |c| {
            queries::applications_where(c, "WHERE call_id = ?1", &db::params![call_id])
        })
        .await
    }

    /// The applications of applicant `user_id`, by id.
    pub async fn applications_of(&self, user_id: i64) -> Result<Vec<ApplicationRow>, StoreError> {
        self.with_conn(move |c| {
            queries::applications_where(c, "WHERE applicant_id = ?1", &db::params![user_id])
        })
        .await
    }

    /// Replaces a draft's form; `false` once it is submitted.
    pub async fn update_draft(
        &self,
        id: i64,
        form: String,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.with_conn(move |c| queries::update_draft(c, id, &form, at))
            .await
    }

    /// Submits a draft; `false` when it already was.
    pub async fn submit_application(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.with_conn(move |c| queries::submit_application(c, id, at))
            .await
    }

    /// Records the decision on a submitted application (and the experiment a selected one
    /// became); `false` on a draft.
    pub async fn decide_application(
        &self,
        id: i64,
        decision: &str,
        experiment: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let d = decision.to_string();
        self.with_conn(move |c| queries::decide_application(c, id, &d, experiment.as_deref(), at))
            .await
    }

    /// Attaches a document (its bytes as base64) to an application; its id.
    pub async fn add_document(
        &self,
        application_id: i64,
        name: String,
        content_base64: String,
        size_bytes: i64,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.with_conn(move |c| {
            queries::add_document(c, application_id, &name, &content_base64, size_bytes, at)
        })
        .await
    }

    /// The documents of an application (without their bytes).
    pub async fn documents(&self, application_id: i64) -> Result<Vec<DocumentRow>, StoreError> {
        self.with_conn(move |c| queries::documents(c, application_id))
            .await
    }

    /// A document's bytes (base64), when it belongs to the application.
    pub async fn document_content(
        &self,
        application_id: i64,
        id: i64,
    ) -> Result<Option<String>, StoreError> {
        self.with_conn(move |c| queries::document_content(c, application_id, id))
            .await
    }

    /// Assigns reviewer `reviewer_id` to an application (once).
    pub async fn assign_reviewer(
        &self,
        application_id: i64,
        reviewer_id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.with_conn(move |c| queries::assign_reviewer(c, application_id, reviewer_id, at))
            .await
    }

    /// Sends a review: a declared conflict, or the scores as the server writes them; `false`
    /// when the reviewer is not assigned to the application.
    pub async fn put_review(
        &self,
        application_id: i64,
        reviewer_id: i64,
        conflict: Option<String>,
        scores: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.with_conn(move |c| {
            queries::put_review(
                c,
                application_id,
                reviewer_id,
                conflict.as_deref(),
                scores.as_deref(),
                at,
            )
        })
        .await
    }

    /// The reviews of an application (assigned, conflicts, scores), by reviewer.
    pub async fn reviews_of_application(
        &self,
        application_id: i64,
    ) -> Result<Vec<ReviewRow>, StoreError> {
        self.with_conn(move |c| {
            queries::reviews_where(
                c,
                "WHERE r.application_id = ?1",
                &db::params![application_id],
            )
        })
        .await
    }

    /// The reviews assigned to `reviewer_id`, by application.
    pub async fn reviews_of_reviewer(
        &self,
        reviewer_id: i64,
    ) -> Result<Vec<ReviewRow>, StoreError> {
        self.with_conn(move |c| {
            queries::reviews_where(c, "WHERE r.reviewer_id = ?1", &db::params![reviewer_id])
        })
        .await
    }

    /// Number of users.
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::user_count(c)).await
    }

    /// Records a session. Only the SHA-256 digest of `token` (the secret the client holds)
    /// is stored, so a copy of the database does not give anyone a live session.
    pub async fn create_session(&self, session: NewSession) -> Result<(), StoreError> {
        self.with_conn(move |c| queries::create_session(c, &session))
            .await
    }

    /// The live session with this token and its user; expired sessions are not returned.
    pub async fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let token = token.to_string();
        self.with_conn(move |c| queries::session(c, &token, now))
            .await
    }

    /// Deletes a session (logout); deleting an unknown token is not an error.
    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        let token = token.to_string();
        self.with_conn(move |c| queries::delete_session(c, &token))
            .await
    }

    /// Deletes every session expired at `now`; returns how many.
    pub async fn purge_sessions(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.with_conn(move |c| queries::purge_sessions(c, now))
            .await
    }

    /// Creates a district and its participants in one transaction; returns its id.
    pub async fn create_district(&self, district: NewDistrict) -> Result<i64, StoreError> {
        self.in_tx(move |c| queries::create_district(c, &district))
            .await
    }

    /// Every district, by id.
    pub async fn districts(&self) -> Result<Vec<DistrictRow>, StoreError> {
        self.with_conn(move |c| queries::districts(c)).await
    }

    /// One district.
    pub async fn district(&self, id: i64) -> Result<Option<DistrictRow>, StoreError> {
        self.with_conn(move |c| queries::district(c, id)).await
    }

    /// The participants of a district, by PRM.
    pub async fn participants(&self, district_id: i64) -> Result<Vec<ParticipantRow>, StoreError> {
        self.with_conn(move |c| queries::participants(c, district_id))
            .await
    }

    /// Adds a participant to a district, in one transaction with the check of who holds the
    /// meter: [`StoreError::Conflict`] when the PRM is already in this district,
    /// [`StoreError::MeterTaken`] when another district holds it and `p.shared_at` is `None`.
    pub async fn add_participant(&self, p: ParticipantRow) -> Result<(), StoreError> {
        self.in_tx(move |c| queries::add_participant(c, &p)).await
    }

    /// Ids of the districts a PRM belongs to: the district that registered it first, and the
    /// districts it was shared with (a row added to a second district without being shared,
    /// possible before migration 4, counts for nothing).
    pub async fn districts_of_prm(&self, prm: &str) -> Result<Vec<i64>, StoreError> {
        let prm = prm.to_string();
        self.with_conn(move |c| queries::districts_of_prm(c, &prm))
            .await
    }

    /// Writes a meter curve in one transaction: every point or none. A point already stored
    /// for the same PRM and instant is replaced, so a re-upload never duplicates (an instant
    /// given twice keeps its last value). Points go in multi-row statements of 1,000.
    pub async fn upsert_curve(
        &self,
        prm: &str,
        points: Vec<CurvePoint>,
    ) -> Result<UpsertSummary, StoreError> {
        let prm = prm.to_string();
        self.in_tx(move |c| queries::upsert_curve(c, &prm, &points))
            .await
    }

    /// The points of a PRM's curve with `from <= instant < to`, in time order.
    pub async fn curve(
        &self,
        prm: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CurvePoint>, StoreError> {
        let prm = prm.to_string();
        self.with_conn(move |c| queries::curve(c, &prm, from, to))
            .await
    }

    /// The first and last instants stored for a PRM.
    pub async fn curve_bounds(&self, prm: &str) -> Result<Option<TimeRange>, StoreError> {
        let prm = prm.to_string();
        self.with_conn(move |c| queries::curve_bounds(c, &prm))
            .await
    }

    /// Number of stored curve points (all PRMs).
    pub async fn curve_point_count(&self) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::curve_point_count(c)).await
    }

    /// Creates a queued job; returns its id.
    pub async fn create_job(&self, job: NewJob) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::create_job(c, &job)).await
    }

    /// The job still queued of `kind` on `district` with these canonical options, if any (a
    /// new identical request is merged into it).
    pub async fn queued_job_like(
        &self,
        kind: &str,
        district: i64,
        options_json: &str,
    ) -> Result<Option<i64>, StoreError> {
        let (kind, options) = (kind.to_string(), options_json.to_string());
        self.with_conn(move |c| queries::queued_job_like(c, &kind, district, &options))
            .await
    }

    /// How many jobs are queued or running: of user `user` (when given), and on district
    /// `district`.
    pub async fn active_jobs(
        &self,
        user: Option<i64>,
        district: i64,
    ) -> Result<ActiveJobs, StoreError> {
        self.with_conn(move |c| queries::active_jobs(c, user, district))
            .await
    }

    /// One job.
    pub async fn job(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
        self.with_conn(move |c| queries::job(c, id)).await
    }

    /// Sets a job running at `progress` % (clamped to 0–100). A job already finished or
    /// cancelled is left as it is; returns false then, so the worker can stop.
    pub async fn set_job_progress(&self, id: i64, progress: u8) -> Result<bool, StoreError> {
        self.with_conn(move |c| queries::set_job_progress(c, id, progress))
            .await
    }

    /// Finishes a job: succeeded with its result and run, or failed with its error. A job
    /// cancelled meanwhile stays cancelled (its run is not stored); returns false then.
    pub async fn finish_job(&self, id: i64, outcome: JobOutcome) -> Result<bool, StoreError> {
        self.in_tx(move |c| queries::finish_job(c, id, &outcome))
            .await
    }

    /// Cancels a queued or running job; returns false when it had already finished.
    pub async fn cancel_job(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.with_conn(move |c| queries::cancel_job(c, id, now))
            .await
    }

    /// Marks jobs a previous process left running as failed ("interrupted"); queued jobs stay
    /// queued, to be started again ([`Store::queued_jobs`]). Returns how many failed.
    pub async fn fail_interrupted_jobs(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.with_conn(move |c| queries::fail_interrupted_jobs(c, now))
            .await
    }

    /// Records one change of data made by a person.
    pub async fn record_audit(&self, entry: NewAudit) -> Result<(), StoreError> {
        self.with_conn(move |c| queries::record_audit(c, &entry))
            .await
    }

    /// Deletes the audit entries recorded before `before` (the retention the server is
    /// configured with); returns how many.
    pub async fn prune_audit(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        self.with_conn(move |c| queries::prune_audit(c, before))
            .await
    }

    /// The audit log, newest first: at most `limit` entries older than entry `before` (when
    /// given).
    pub async fn audit_log(
        &self,
        limit: usize,
        before: Option<i64>,
    ) -> Result<Vec<AuditRow>, StoreError> {
        self.with_conn(move |c| queries::audit_log(c, limit, before))
            .await
    }

    /// Every user, by name (password hashes included: for the server only).
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.with_conn(move |c| queries::users(c)).await
    }

    /// The users of district `id` (its organisers and participants), by name.
    pub async fn district_users(&self, id: i64) -> Result<Vec<User>, StoreError> {
        self.with_conn(move |c| queries::district_users(c, id))
            .await
    }

    /// Deletes a user and their sessions, and their name from the audit log (their entries
    /// stay, by [`ERASED`]); false when there was none.
    pub async fn delete_user(&self, id: i64) -> Result<bool, StoreError> {
        self.in_tx(move |c| queries::delete_user(c, id)).await
    }

    /// Replaces a user's password hash and ends their other sessions (every session but the
    /// one whose token is `keep`).
    pub async fn set_password(
        &self,
        user: i64,
        password_hash: &str,
        keep: &str,
    ) -> Result<(), StoreError> {
        let (hash, keep) = (password_hash.to_string(), keep.to_string());
        self.in_tx(move |c| queries::set_password(c, user, &hash, &keep))
            .await
    }

    /// Renames participant `prm` of district `district` and sets its role; false when the
    /// district has no such participant.
    pub async fn update_participant(
        &self,
        district: i64,
        prm: &str,
        name: &str,
        role: &str,
    ) -> Result<bool, StoreError> {
        let (prm, name, role) = (prm.to_string(), name.to_string(), role.to_string());
        self.with_conn(move |c| queries::update_participant(c, district, &prm, &name, &role))
            .await
    }

    /// For each participant of district `district` with a stored curve: (PRM, its first and
    /// last instants, its number of points).
    pub async fn curve_coverage(
        &self,
        district: i64,
    ) -> Result<Vec<(String, TimeRange, i64)>, StoreError> {
        self.with_conn(move |c| queries::curve_coverage(c, district))
            .await
    }

    /// Erases participant `prm` from district `district` in one transaction: the participant
    /// (and any row of that PRM that grants nothing), the participant logins of that PRM in
    /// that district with their sessions, and the meter's curve when no district holds the
    /// meter any more. `None` when the district has no such participant.
    pub async fn erase_participant(
        &self,
        district: i64,
        prm: &str,
    ) -> Result<Option<Erased>, StoreError> {
        let prm = prm.to_string();
        self.in_tx(move |c| queries::erase_participant(c, district, &prm))
            .await
    }

    /// Deletes district `id` in one transaction with everything that is only its own: its
    /// participants, jobs, runs, assets and maintenance logs, the logins of its organisers
    /// and participants, and the curves of the meters no other district holds. `None` when
    /// there is no such district.
    pub async fn delete_district(&self, id: i64) -> Result<Option<Erased>, StoreError> {
        self.in_tx(move |c| queries::delete_district(c, id)).await
    }

    /// True when setup step `step` was recorded as done.
    pub async fn setup_done(&self, step: &str) -> Result<bool, StoreError> {
        let step = step.to_string();
        self.with_conn(move |c| queries::setup_done(c, &step)).await
    }

    /// Records setup step `step` as done (again: no error).
    pub async fn mark_setup_done(&self, step: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let step = step.to_string();
        self.with_conn(move |c| queries::mark_setup_done(c, &step, now))
            .await
    }

    /// How many jobs run or wait before queued job `id` (0: it starts next); `None` when it is
    /// not queued.
    pub async fn queue_position(&self, id: i64) -> Result<Option<usize>, StoreError> {
        self.with_conn(move |c| queries::queue_position(c, id))
            .await
    }

    /// Every queued job, oldest first.
    pub async fn queued_jobs(&self) -> Result<Vec<JobRow>, StoreError> {
        self.with_conn(move |c| queries::queued_jobs(c)).await
    }

    /// One run (KPIs and time series).
    pub async fn run(&self, id: i64) -> Result<Option<RunRow>, StoreError> {
        self.with_conn(move |c| queries::run(c, id)).await
    }

    /// The most recent run of a district made by a job of `kind` (e.g. "simulation",
    /// "allocation").
    pub async fn latest_run(
        &self,
        district_id: i64,
        kind: &str,
    ) -> Result<Option<RunRow>, StoreError> {
        let kind = kind.to_string();
        self.with_conn(move |c| queries::latest_run(c, district_id, &kind))
            .await
    }

    /// Registers assets of a district in one transaction; returns their ids in order. A name
    /// already used in the district (or twice in `assets`) is a [`StoreError::Conflict`] and
    /// nothing is stored; a condition outside 1–5 or a zero lifetime is
    /// [`StoreError::Invalid`].
    pub async fn create_assets(
        &self,
        district_id: i64,
        assets: Vec<NewAsset>,
    ) -> Result<Vec<i64>, StoreError> {
        self.in_tx(move |c| queries::create_assets(c, district_id, &assets))
            .await
    }

    /// Replaces the whole registry of a district in one transaction: its assets and their
    /// maintenance logs are deleted, then `assets` are stored with their logs; returns the new
    /// ids in order. On any error (a duplicate name: [`StoreError::Conflict`]; a bad value:
    /// [`StoreError::Invalid`]) the previous registry is left as it was.
    pub async fn replace_assets(
        &self,
        district_id: i64,
        assets: Vec<(NewAsset, Vec<NewMaintenance>)>,
    ) -> Result<Vec<i64>, StoreError> {
        self.in_tx(move |c| queries::replace_assets(c, district_id, &assets))
            .await
    }

    /// The assets of a district, by name.
    pub async fn assets(&self, district_id: i64) -> Result<Vec<AssetRow>, StoreError> {
        self.with_conn(move |c| queries::assets(c, district_id))
            .await
    }

    /// One asset.
    pub async fn asset(&self, id: i64) -> Result<Option<AssetRow>, StoreError> {
        self.with_conn(move |c| queries::asset(c, id)).await
    }

    /// Sets an asset's condition (1–5) and decided replacement year; returns false when there
    /// is no such asset.
    pub async fn update_asset_condition(
        &self,
        id: i64,
        condition: u8,
        replacement_year: Option<i32>,
    ) -> Result<bool, StoreError> {
        self.with_conn(move |c| queries::update_asset_condition(c, id, condition, replacement_year))
            .await
    }

    /// Logs a maintenance intervention on an asset; returns its id.
    pub async fn add_maintenance(
        &self,
        asset_id: i64,
        entry: NewMaintenance,
    ) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::add_maintenance(c, asset_id, &entry))
            .await
    }

    /// The maintenance log of an asset, by date (then by entry order).
    pub async fn maintenance(&self, asset_id: i64) -> Result<Vec<MaintenanceRow>, StoreError> {
        self.with_conn(move |c| queries::maintenance(c, asset_id))
            .await
    }

    /// The maintenance logs of every asset of a district in one query, by asset, then by date
    /// (then by entry order).
    pub async fn district_maintenance(
        &self,
        district_id: i64,
    ) -> Result<Vec<MaintenanceRow>, StoreError> {
        self.with_conn(move |c| queries::district_maintenance(c, district_id))
            .await
    }

    /// Stores `source_toml` as the next version of district `district`'s community file
    /// (attached at `at` by `by`); returns its number (1 for the first).
    pub async fn add_community_version(
        &self,
        district: i64,
        source_toml: &str,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<i64, StoreError> {
        let (text, by) = (source_toml.to_string(), by.to_string());
        self.in_tx(move |c| queries::add_community_version(c, district, &text, at, &by))
            .await
    }

    /// Every version of district `district`'s community file, oldest first.
    pub async fn community_versions(
        &self,
        district: i64,
    ) -> Result<Vec<CommunityVersionRow>, StoreError> {
        self.with_conn(move |c| queries::community_versions(c, district))
            .await
    }

    /// Version `version` of district `district`'s community file, or its latest (`None`).
    pub async fn community_version(
        &self,
        district: i64,
        version: Option<i64>,
    ) -> Result<Option<CommunityVersionRow>, StoreError> {
        self.with_conn(move |c| queries::community_version(c, district, version))
            .await
    }

    /// Stores an upload of the grid operator's data; returns its id.
    pub async fn add_official_data(&self, data: NewOfficialData) -> Result<i64, StoreError> {
        self.with_conn(move |c| queries::add_official_data(c, &data))
            .await
    }

    /// The uploads of the grid operator's data of district `district`, oldest first.
    pub async fn official_data(&self, district: i64) -> Result<Vec<OfficialDataRow>, StoreError> {
        self.with_conn(move |c| queries::official_data(c, district))
            .await
    }

    /// The content (base64) of upload `id` of district `district`.
    pub async fn official_content(
        &self,
        district: i64,
        id: i64,
    ) -> Result<Option<String>, StoreError> {
        self.with_conn(move |c| queries::official_content(c, district, id))
            .await
    }

    /// Stores the invoices of one issue in one transaction: a number, or a member and month,
    /// already issued in the district is a [`StoreError::Conflict`] and nothing is stored.
    pub async fn add_invoices(
        &self,
        district: i64,
        invoices: Vec<NewInvoice>,
    ) -> Result<(), StoreError> {
        self.in_tx(move |c| queries::add_invoices(c, district, &invoices))
            .await
    }

    /// The invoices issued in district `district` (only those of meter `prm` when given), by
    /// month and number. Erasing a participant keeps its invoices: they are accounting
    /// documents the issuer must keep.
    pub async fn invoices(
        &self,
        district: i64,
        prm: Option<&str>,
    ) -> Result<Vec<InvoiceRow>, StoreError> {
        let prm = prm.map(str::to_owned);
        self.with_conn(move |c| queries::invoices(c, district, prm.as_deref()))
            .await
    }

    /// Invoice `number` of district `district` with its printable document in French or, when
    /// `english`, in English.
    pub async fn invoice_document(
        &self,
        district: i64,
        number: &str,
        english: bool,
    ) -> Result<Option<(InvoiceRow, String)>, StoreError> {
        let number = number.to_string();
        self.with_conn(move |c| queries::invoice_document(c, district, &number, english))
            .await
    }
}
