//! The SQLite back end: a small pool of connections to one file in WAL mode (readers do not
//! block the writer), foreign keys on, a busy timeout so concurrent writers wait instead of
//! failing. Methods are blocking; [`crate::Store`] runs them on tokio's blocking pool.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::*;

const POOL: usize = 4;

pub(crate) struct Sqlite {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(s: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(s, 0).ok_or_else(|| StoreError::Corrupt(format!("instant {s}")))
}

fn conflict(e: rusqlite::Error, what: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict(what.to_string()),
        _ => StoreError::Database(e),
    }
}

fn configure(c: &Connection) -> Result<(), StoreError> {
    c.busy_timeout(Duration::from_secs(10))?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    c.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

impl Sqlite {
    pub(crate) fn open(url: &str) -> Result<Sqlite, StoreError> {
        let conns = if url == "sqlite::memory:" {
            // One shared in-memory database needs one connection.
            vec![Connection::open_in_memory()?]
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .filter(|p| !p.is_empty())
                .ok_or_else(|| StoreError::Unsupported(url.to_string()))?;
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
        let db = Sqlite {
            conns: conns.into_iter().map(Mutex::new).collect(),
            next: AtomicUsize::new(0),
        };
        db.migrate()?;
        Ok(db)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        for c in &self.conns {
            if let Ok(g) = c.try_lock() {
                return g;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len();
        // A poisoned lock only means another query panicked; the connection is still usable.
        self.conns[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        )?;
        for (version, name, sql) in MIGRATIONS {
            let done: Option<i64> = tx
                .query_row(
                    "SELECT version FROM schema_migrations WHERE version = ?1",
                    [version],
                    |r| r.get(0),
                )
                .optional()?;
            if done.is_none() {
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    params![version, name, ts(Utc::now())],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        let c = self.conn();
        let mut st = c.prepare("SELECT version FROM schema_migrations ORDER BY version")?;
        let v = st
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(v)
    }

    pub(crate) fn create_user(&self, u: &NewUser) -> Result<i64, StoreError> {
        let c = self.conn();
        c.execute(
            "INSERT INTO users (username, password_hash, role, district_id, prm, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                u.username,
                u.password_hash,
                u.role.as_str(),
                u.district_id,
                u.prm,
                ts(u.created_at)
            ],
        )
        .map_err(|e| conflict(e, &format!("user `{}`", u.username)))?;
        Ok(c.last_insert_rowid())
    }

    pub(crate) fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        let c = self.conn();
        let row = c
            .query_row(
                "SELECT id, username, password_hash, role, district_id, prm FROM users
                 WHERE username = ?1",
                [name],
                user_row,
            )
            .optional()?;
        row.map(finish_user).transpose()
    }

    pub(crate) fn user_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
    }

    pub(crate) fn create_session(&self, s: &NewSession) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO sessions (token, user_id, csrf_token, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                s.token,
                s.user_id,
                s.csrf_token,
                ts(s.created_at),
                ts(s.expires_at)
            ],
        )?;
        Ok(())
    }

    pub(crate) fn session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let c = self.conn();
        let row = c
            .query_row(
                "SELECT u.id, u.username, u.password_hash, u.role, u.district_id, u.prm,
                        s.csrf_token, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token = ?1 AND s.expires_at > ?2",
                params![token, ts(now)],
                |r| Ok((user_row(r)?, r.get::<_, String>(6)?, r.get::<_, i64>(7)?)),
            )
            .optional()?;
        match row {
            None => Ok(None),
            Some((u, csrf_token, exp)) => Ok(Some((
                Session {
                    csrf_token,
                    expires_at: from_ts(exp)?,
                },
                finish_user(u)?,
            ))),
        }
    }

    pub(crate) fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token = ?1", [token])?;
        Ok(())
    }

    pub(crate) fn purge_sessions(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM sessions WHERE expires_at <= ?1", [ts(now)])?)
    }

    pub(crate) fn create_district(&self, d: &NewDistrict) -> Result<i64, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        tx.execute(
            "INSERT INTO districts (name, source_toml, created_at) VALUES (?1, ?2, ?3)",
            params![d.name, d.source_toml, ts(d.created_at)],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx.prepare(
                "INSERT INTO participants (district_id, prm, name, role) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (prm, name, role) in &d.participants {
                st.execute(params![id, prm, name, role])
                    .map_err(|e| conflict(e, &format!("participant {prm}")))?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    pub(crate) fn districts(&self) -> Result<Vec<DistrictRow>, StoreError> {
        let c = self.conn();
        let mut st =
            c.prepare("SELECT id, name, source_toml, created_at FROM districts ORDER BY id")?;
        let rows = st
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)?))
            })?
            .collect::<Result<Vec<(i64, String, String, i64)>, _>>()?;
        rows.into_iter()
            .map(|(id, name, source_toml, t)| {
                Ok(DistrictRow {
                    id,
                    name,
                    source_toml,
                    created_at: from_ts(t)?,
                })
            })
            .collect()
    }

    pub(crate) fn district(&self, id: i64) -> Result<Option<DistrictRow>, StoreError> {
        let c = self.conn();
        let row = c
            .query_row(
                "SELECT id, name, source_toml, created_at FROM districts WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(id, name, source_toml, t)| {
            Ok(DistrictRow {
                id,
                name,
                source_toml,
                created_at: from_ts(t)?,
            })
        })
        .transpose()
    }

    pub(crate) fn participants(&self, district_id: i64) -> Result<Vec<ParticipantRow>, StoreError> {
        let c = self.conn();
        let mut st = c.prepare(
            "SELECT district_id, prm, name, role FROM participants WHERE district_id = ?1
             ORDER BY prm",
        )?;
        let v = st
            .query_map([district_id], |r| {
                Ok(ParticipantRow {
                    district_id: r.get(0)?,
                    prm: r.get(1)?,
                    name: r.get(2)?,
                    role: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(v)
    }

    pub(crate) fn add_participant(&self, p: &ParticipantRow) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO participants (district_id, prm, name, role) VALUES (?1, ?2, ?3, ?4)",
                params![p.district_id, p.prm, p.name, p.role],
            )
            .map_err(|e| conflict(e, &format!("participant {}", p.prm)))?;
        Ok(())
    }

    pub(crate) fn districts_of_prm(&self, prm: &str) -> Result<Vec<i64>, StoreError> {
        let c = self.conn();
        let mut st = c.prepare(
            "SELECT DISTINCT district_id FROM participants WHERE prm = ?1 ORDER BY district_id",
        )?;
        let v = st
            .query_map([prm], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(v)
    }

    pub(crate) fn upsert_curve(
        &self,
        prm: &str,
        points: &[CurvePoint],
    ) -> Result<UpsertSummary, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut written = 0;
        {
            let mut st = tx.prepare(
                "INSERT INTO meter_curves (prm, instant, kwh) VALUES (?1, ?2, ?3)
                 ON CONFLICT (prm, instant) DO UPDATE SET kwh = excluded.kwh
                 WHERE meter_curves.kwh <> excluded.kwh",
            )?;
            for p in points {
                written += st.execute(params![prm, ts(p.instant), p.kwh])?;
            }
        }
        tx.commit()?;
        Ok(UpsertSummary {
            written,
            unchanged: points.len() - written,
        })
    }

    pub(crate) fn curve(
        &self,
        prm: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CurvePoint>, StoreError> {
        let c = self.conn();
        let mut st = c.prepare_cached(
            "SELECT instant, kwh FROM meter_curves WHERE prm = ?1 AND instant >= ?2
             AND instant < ?3 ORDER BY instant",
        )?;
        let rows = st
            .query_map(params![prm, ts(from), ts(to)], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, f64>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(t, kwh)| {
                Ok(CurvePoint {
                    instant: from_ts(t)?,
                    kwh,
                })
            })
            .collect()
    }

    pub(crate) fn curve_bounds(&self, prm: &str) -> Result<Option<TimeRange>, StoreError> {
        let (a, b): (Option<i64>, Option<i64>) = self.conn().query_row(
            "SELECT MIN(instant), MAX(instant) FROM meter_curves WHERE prm = ?1",
            [prm],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        match (a, b) {
            (Some(a), Some(b)) => Ok(Some((from_ts(a)?, from_ts(b)?))),
            _ => Ok(None),
        }
    }

    pub(crate) fn curve_point_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM meter_curves", [], |r| r.get(0))?)
    }

    pub(crate) fn create_job(&self, j: &NewJob) -> Result<i64, StoreError> {
        let c = self.conn();
        c.execute(
            "INSERT INTO jobs (kind, district_id, status, progress, created_at)
             VALUES (?1, ?2, 'queued', 0, ?3)",
            params![j.kind, j.district_id, ts(j.created_at)],
        )?;
        Ok(c.last_insert_rowid())
    }

    pub(crate) fn job(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
        let c = self.conn();
        type Raw = (
            i64,
            String,
            Option<i64>,
            String,
            i64,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
            Option<i64>,
        );
        let row: Option<Raw> = c
            .query_row(
                "SELECT j.id, j.kind, j.district_id, j.status, j.progress, j.result_json,
                        j.error, j.created_at, j.finished_at, r.id
                 FROM jobs j LEFT JOIN runs r ON r.job_id = j.id WHERE j.id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, kind, district_id, status, progress, result_json, error, c_at, f_at, run)) =
            row
        else {
            return Ok(None);
        };
        Ok(Some(JobRow {
            id,
            kind,
            district_id,
            status: status.parse().map_err(StoreError::Corrupt)?,
            progress: u8::try_from(progress.clamp(0, 100)).unwrap_or(0),
            result_json,
            error,
            created_at: from_ts(c_at)?,
            finished_at: f_at.map(from_ts).transpose()?,
            run_id: run,
        }))
    }

    pub(crate) fn set_job_progress(&self, id: i64, progress: u8) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE jobs SET status = 'running', progress = ?2
             WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id, i64::from(progress.min(100))],
        )?;
        Ok(n == 1)
    }

    pub(crate) fn finish_job(&self, id: i64, outcome: &JobOutcome) -> Result<bool, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let n = match outcome {
            JobOutcome::Succeeded {
                result_json,
                run,
                finished_at,
            } => {
                let n = tx.execute(
                    "UPDATE jobs SET status = 'succeeded', progress = 100, result_json = ?2,
                     finished_at = ?3 WHERE id = ?1 AND status IN ('queued', 'running')",
                    params![id, result_json, ts(*finished_at)],
                )?;
                if let (1, Some(run)) = (n, run) {
                    tx.execute(
                        "INSERT INTO runs (job_id, district_id, kpis_json, timeseries_csv,
                         created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![
                            id,
                            run.district_id,
                            run.kpis_json,
                            run.timeseries_csv,
                            ts(*finished_at)
                        ],
                    )?;
                }
                n
            }
            JobOutcome::Failed { error, finished_at } => tx.execute(
                "UPDATE jobs SET status = 'failed', error = ?2, finished_at = ?3
                 WHERE id = ?1 AND status IN ('queued', 'running')",
                params![id, error, ts(*finished_at)],
            )?,
        };
        tx.commit()?;
        Ok(n == 1)
    }

    pub(crate) fn cancel_job(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE jobs SET status = 'cancelled', finished_at = ?2
             WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id, ts(now)],
        )?;
        Ok(n == 1)
    }

    pub(crate) fn fail_interrupted_jobs(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE jobs SET status = 'failed', error = 'interrupted: the server stopped',
             finished_at = ?1 WHERE status IN ('queued', 'running')",
            [ts(now)],
        )?)
    }

    pub(crate) fn run(&self, id: i64) -> Result<Option<RunRow>, StoreError> {
        self.run_where("r.id = ?1", id)
    }

    pub(crate) fn latest_run(&self, district_id: i64) -> Result<Option<RunRow>, StoreError> {
        self.run_where(
            "r.id = (SELECT MAX(id) FROM runs WHERE district_id = ?1)",
            district_id,
        )
    }

    fn run_where(&self, cond: &str, arg: i64) -> Result<Option<RunRow>, StoreError> {
        let c = self.conn();
        let sql = format!(
            "SELECT r.id, r.job_id, r.district_id, r.kpis_json, r.timeseries_csv, r.created_at
             FROM runs r WHERE {cond}"
        );
        let row = c
            .query_row(&sql, [arg], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .optional()?;
        row.map(|(id, job_id, district_id, kpis_json, timeseries_csv, t)| {
            Ok(RunRow {
                id,
                job_id,
                district_id,
                kpis_json,
                timeseries_csv,
                created_at: from_ts(t)?,
            })
        })
        .transpose()
    }
}

type RawUser = (i64, String, String, String, Option<i64>, Option<String>);

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawUser> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn finish_user(
    (id, username, password_hash, role, district_id, prm): RawUser,
) -> Result<User, StoreError> {
    Ok(User {
        id,
        username,
        password_hash,
        role: role.parse().map_err(StoreError::Corrupt)?,
        district_id,
        prm,
    })
}
