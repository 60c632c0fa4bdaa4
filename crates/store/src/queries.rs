//! Every query of the store, written once over [`Conn`] in the SQL both back ends accept.
//! Functions that must be all-or-nothing are called inside a transaction by [`crate::Store`].

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{Conn, Row, Value, params};
use crate::*;

/// Rows per multi-row insert of a curve upload (3 parameters a row, well under both limits).
const CURVE_ROWS_PER_STATEMENT: usize = 1000;

pub(crate) fn applied_migrations(c: &mut dyn Conn) -> Result<Vec<i64>, StoreError> {
    c.query(
        "SELECT version FROM schema_migrations ORDER BY version",
        &[],
    )?
    .iter()
    .map(|r| r.int(0))
    .collect()
}

pub(crate) fn create_user(c: &mut dyn Conn, u: &NewUser) -> Result<i64, StoreError> {
    c.query_one(
        "INSERT INTO users (username, password_hash, role, district_id, prm, created_at, experiment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        &params![
            &u.username,
            &u.password_hash,
            u.role.as_str(),
            u.district_id,
            u.prm.as_ref(),
            u.created_at,
            u.experiment.as_ref()
        ],
    )
    .map_err(|e| e.conflict_on(|| format!("user `{}`", u.username)))?
    .int(0)
}

/// The columns of a user, in the order [`user`] reads them (`u.` when joined).
const USER_COLUMNS: &str = "id, username, password_hash, role, district_id, prm, experiment";

/// Columns 0–6 of a user: [`USER_COLUMNS`].
fn user(r: &mut Row) -> Result<User, StoreError> {
    Ok(User {
        id: r.int(0)?,
        username: r.text(1)?,
        password_hash: r.text(2)?,
        role: r.text(3)?.parse().map_err(StoreError::Corrupt)?,
        district_id: r.opt_int(4)?,
        prm: r.opt_text(5)?,
        experiment: r.opt_text(6)?,
    })
}

pub(crate) fn user_by_name(c: &mut dyn Conn, name: &str) -> Result<Option<User>, StoreError> {
    c.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower(?1)"),
        &params![name],
    )?
    .map(|mut r| user(&mut r))
    .transpose()
}

pub(crate) fn user_count(c: &mut dyn Conn) -> Result<i64, StoreError> {
    c.query_one("SELECT COUNT(*) FROM users", &[])?.int(0)
}

/// What the `sessions` table keeps of a session token: its SHA-256 digest in lower-case hex.
/// Tokens are 256-bit random secrets, so a plain (unsalted, fast) digest is enough: nobody
/// can search that space, and a stolen table gives no live session.
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    Sha256::digest(token.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

pub(crate) fn create_session(c: &mut dyn Conn, s: &NewSession) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO sessions (token_sha256, user_id, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &params![
            &token_digest(&s.token),
            s.user_id,
            &s.csrf_token,
            s.created_at,
            s.expires_at
        ],
    )?;
    Ok(())
}

pub(crate) fn session(
    c: &mut dyn Conn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Session, User)>, StoreError> {
    let Some(mut r) = c.query_opt(
        "SELECT u.id, u.username, u.password_hash, u.role, u.district_id, u.prm, u.experiment,
                s.csrf_token, s.expires_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_sha256 = ?1 AND s.expires_at > ?2",
        &params![&token_digest(token), now],
    )?
    else {
        return Ok(None);
    };
    let session = Session {
        csrf_token: r.text(7)?,
        expires_at: r.instant(8)?,
    };
    Ok(Some((session, user(&mut r)?)))
}

pub(crate) fn delete_session(c: &mut dyn Conn, token: &str) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM sessions WHERE token_sha256 = ?1",
        &params![&token_digest(token)],
    )?;
    Ok(())
}

pub(crate) fn purge_sessions(c: &mut dyn Conn, now: DateTime<Utc>) -> Result<usize, StoreError> {
    c.execute("DELETE FROM sessions WHERE expires_at <= ?1", &params![now])
}

pub(crate) fn create_district(c: &mut dyn Conn, d: &NewDistrict) -> Result<i64, StoreError> {
    let id = c
        .query_one(
            "INSERT INTO districts (name, source_toml, created_at) VALUES (?1, ?2, ?3)
             RETURNING id",
            &params![&d.name, &d.source_toml, d.created_at],
        )?
        .int(0)?;
    let mut seen = HashSet::new();
    for (prm, name, role) in &d.participants {
        // The district is new: the only possible duplicate is within the file itself.
        if !seen.insert(prm) {
            return Err(StoreError::Conflict(format!("participant {prm}")));
        }
        add_participant(
            c,
            &ParticipantRow {
                district_id: id,
                prm: prm.clone(),
                name: name.clone(),
                role: role.clone(),
                shared_at: d.shared_at,
            },
        )?;
    }
    Ok(id)
}

fn district_row(mut r: Row) -> Result<DistrictRow, StoreError> {
    Ok(DistrictRow {
        id: r.int(0)?,
        name: r.text(1)?,
        source_toml: r.text(2)?,
        created_at: r.instant(3)?,
    })
}

pub(crate) fn districts(c: &mut dyn Conn) -> Result<Vec<DistrictRow>, StoreError> {
    c.query(
        "SELECT id, name, source_toml, created_at FROM districts WHERE deleted_at IS NULL
         ORDER BY id",
        &[],
    )?
    .into_iter()
    .map(district_row)
    .collect()
}

pub(crate) fn district(c: &mut dyn Conn, id: i64) -> Result<Option<DistrictRow>, StoreError> {
    c.query_opt(
        "SELECT id, name, source_toml, created_at FROM districts
         WHERE id = ?1 AND deleted_at IS NULL",
        &params![id],
    )?
    .map(district_row)
    .transpose()
}

/// The condition under which participant row `p` gives its district the meter: the row that
/// registered the PRM first, or a row the programme team shared (migration 4).
const HOLDS_METER: &str = "(p.shared_at IS NOT NULL
     OR p.id = (SELECT MIN(q.id) FROM participants q WHERE q.prm = p.prm))";

pub(crate) fn participants(
    c: &mut dyn Conn,
    district_id: i64,
) -> Result<Vec<ParticipantRow>, StoreError> {
    let mut v = c
        .query(
            &format!(
                "SELECT p.district_id, p.prm, p.name, p.role, p.shared_at FROM participants p
                 WHERE p.district_id = ?1 AND {HOLDS_METER}"
            ),
            &params![district_id],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(ParticipantRow {
                district_id: r.int(0)?,
                prm: r.text(1)?,
                name: r.text(2)?,
                role: r.text(3)?,
                shared_at: r.opt_instant(4)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // Sorted here, not in SQL: PostgreSQL's collation may differ from SQLite's byte order.
    v.sort_by(|a, b| a.prm.cmp(&b.prm));
    Ok(v)
}

/// Adds a participant (call it inside a transaction: the check of who holds the meter and the
/// insert must see the same rows).
pub(crate) fn add_participant(c: &mut dyn Conn, p: &ParticipantRow) -> Result<(), StoreError> {
    let holders = c
        .query(
            "SELECT district_id FROM participants WHERE prm = ?1",
            &params![&p.prm],
        )?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<Vec<i64>, StoreError>>()?;
    if holders.contains(&p.district_id) {
        return Err(StoreError::Conflict(format!("participant {}", p.prm)));
    }
    if !holders.is_empty() && p.shared_at.is_none() {
        return Err(StoreError::MeterTaken { prm: p.prm.clone() });
    }
    c.execute(
        "INSERT INTO participants (district_id, prm, name, role, shared_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &params![p.district_id, &p.prm, &p.name, &p.role, p.shared_at],
    )
    .map_err(|e| e.conflict_on(|| format!("participant {}", p.prm)))?;
    Ok(())
}

pub(crate) fn districts_of_prm(c: &mut dyn Conn, prm: &str) -> Result<Vec<i64>, StoreError> {
    c.query(
        &format!(
            "SELECT DISTINCT p.district_id FROM participants p WHERE p.prm = ?1 AND {HOLDS_METER}
             ORDER BY p.district_id"
        ),
        &params![prm],
    )?
    .iter()
    .map(|r| r.int(0))
    .collect()
}

/// The upsert of `rows` curve points in one statement: `?1` is the PRM, then (instant, kWh)
/// pairs. A value already stored unchanged is not rewritten (and not counted).
fn curve_upsert_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO meter_curves (prm, instant, kwh) VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(?1, ?{}, ?{})", 2 * i + 2, 2 * i + 3));
    }
    sql.push_str(
        " ON CONFLICT (prm, instant) DO UPDATE SET kwh = excluded.kwh
         WHERE meter_curves.kwh <> excluded.kwh",
    );
    sql
}

pub(crate) fn upsert_curve(
    c: &mut dyn Conn,
    prm: &str,
    points: &[CurvePoint],
) -> Result<UpsertSummary, StoreError> {
    // One statement may not touch a row twice (PostgreSQL refuses): the last value of an
    // instant given twice wins, as it would row by row.
    let mut unique: Vec<(i64, f64)> = points
        .iter()
        .map(|p| (p.instant.timestamp(), p.kwh))
        .collect();
    unique.reverse();
    unique.sort_by_key(|&(t, _)| t); // stable: the last given comes first
    unique.dedup_by_key(|&mut (t, _)| t);
    let per_statement = CURVE_ROWS_PER_STATEMENT
        .min((c.max_params() - 1) / 2)
        .max(1);
    let mut written = 0;
    for chunk in unique.chunks(per_statement) {
        let mut args = Vec::with_capacity(1 + 2 * chunk.len());
        args.push(Value::from(prm));
        for &(t, kwh) in chunk {
            args.push(Value::Int(t));
            args.push(Value::Real(kwh));
        }
        written += c.execute(&curve_upsert_sql(chunk.len()), &args)?;
    }
    Ok(UpsertSummary {
        written,
        unchanged: points.len().saturating_sub(written),
    })
}

pub(crate) fn curve(
    c: &mut dyn Conn,
    prm: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<CurvePoint>, StoreError> {
    c.query(
        "SELECT instant, kwh FROM meter_curves WHERE prm = ?1 AND instant >= ?2
         AND instant < ?3 ORDER BY instant",
        &params![prm, from, to],
    )?
    .iter()
    .map(|r| {
        Ok(CurvePoint {
            instant: r.instant(0)?,
            kwh: r.real(1)?,
        })
    })
    .collect()
}

pub(crate) fn curve_bounds(c: &mut dyn Conn, prm: &str) -> Result<Option<TimeRange>, StoreError> {
    let r = c.query_one(
        "SELECT MIN(instant), MAX(instant) FROM meter_curves WHERE prm = ?1",
        &params![prm],
    )?;
    match (r.opt_instant(0)?, r.opt_instant(1)?) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        _ => Ok(None),
    }
}

pub(crate) fn curve_point_count(c: &mut dyn Conn) -> Result<i64, StoreError> {
    c.query_one("SELECT COUNT(*) FROM meter_curves", &[])?
        .int(0)
}

pub(crate) fn create_job(c: &mut dyn Conn, j: &NewJob) -> Result<i64, StoreError> {
    c.query_one(
        "INSERT INTO jobs (kind, district_id, status, progress, created_at, user_id, options_json)
         VALUES (?1, ?2, 'queued', 0, ?3, ?4, ?5) RETURNING id",
        &params![
            &j.kind,
            j.district_id,
            j.created_at,
            j.user_id,
            &j.options_json
        ],
    )?
    .int(0)
}

pub(crate) fn queued_job_like(
    c: &mut dyn Conn,
    kind: &str,
    district: i64,
    options_json: &str,
) -> Result<Option<i64>, StoreError> {
    c.query_opt(
        "SELECT MIN(id) FROM jobs WHERE status = 'queued' AND kind = ?1 AND district_id = ?2
         AND options_json = ?3",
        &params![kind, district, options_json],
    )?
    .map(|r| r.opt_int(0))
    .transpose()
    .map(Option::flatten)
}

pub(crate) fn active_jobs(
    c: &mut dyn Conn,
    user: Option<i64>,
    district: i64,
) -> Result<ActiveJobs, StoreError> {
    let r = c.query_one(
        "SELECT COUNT(CASE WHEN user_id = ?1 THEN 1 END),
                COUNT(CASE WHEN district_id = ?2 THEN 1 END)
         FROM jobs WHERE status IN ('queued', 'running')",
        &params![user, district],
    )?;
    let count = |i| r.int(i).map(|n| usize::try_from(n).unwrap_or(0));
    Ok(ActiveJobs {
        user: count(0)?,
        district: count(1)?,
    })
}

pub(crate) fn job(c: &mut dyn Conn, id: i64) -> Result<Option<JobRow>, StoreError> {
    let Some(mut r) = c.query_opt(
        "SELECT j.id, j.kind, j.district_id, j.status, j.progress, j.result_json,
                j.error, j.created_at, j.finished_at, r.id, j.user_id, j.options_json
         FROM jobs j LEFT JOIN runs r ON r.job_id = j.id WHERE j.id = ?1",
        &params![id],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(JobRow {
        id: r.int(0)?,
        kind: r.text(1)?,
        district_id: r.opt_int(2)?,
        status: r.text(3)?.parse().map_err(StoreError::Corrupt)?,
        progress: u8::try_from(r.int(4)?.clamp(0, 100)).unwrap_or(0),
        result_json: r.opt_text(5)?,
        error: r.opt_text(6)?,
        created_at: r.instant(7)?,
        finished_at: r.opt_instant(8)?,
        run_id: r.opt_int(9)?,
        user_id: r.opt_int(10)?,
        options_json: r.text(11)?,
    }))
}

pub(crate) fn set_job_progress(
    c: &mut dyn Conn,
    id: i64,
    progress: u8,
) -> Result<bool, StoreError> {
    let n = c.execute(
        "UPDATE jobs SET status = 'running', progress = ?2
         WHERE id = ?1 AND status IN ('queued', 'running')",
        &params![id, i64::from(progress.min(100))],
    )?;
    Ok(n == 1)
}

pub(crate) fn finish_job(
    c: &mut dyn Conn,
    id: i64,
    outcome: &JobOutcome,
) -> Result<bool, StoreError> {
    let n = match outcome {
        JobOutcome::Succeeded {
            result_json,
            run,
            finished_at,
        } => {
            let n = c.execute(
                "UPDATE jobs SET status = 'succeeded', progress = 100, result_json = ?2,
                 finished_at = ?3 WHERE id = ?1 AND status IN ('queued', 'running')",
                &params![id, result_json, *finished_at],
            )?;
            if let (1, Some(run)) = (n, run) {
                c.execute(
                    "INSERT INTO runs (job_id, district_id, kpis_json, timeseries_csv,
                     created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    &params![
                        id,
                        run.district_id,
                        &run.kpis_json,
                        &run.timeseries_csv,
                        *finished_at
                    ],
                )?;
            }
            n
        }
        JobOutcome::Failed { error, finished_at } => c.execute(
            "UPDATE jobs SET status = 'failed', error = ?2, finished_at = ?3
             WHERE id = ?1 AND status IN ('queued', 'running')",
            &params![id, error, *finished_at],
        )?,
    };
    Ok(n == 1)
}

pub(crate) fn cancel_job(
    c: &mut dyn Conn,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = c.execute(
        "UPDATE jobs SET status = 'cancelled', finished_at = ?2
         WHERE id = ?1 AND status IN ('queued', 'running')",
        &params![id, now],
    )?;
    Ok(n == 1)
}

pub(crate) fn fail_interrupted_jobs(
    c: &mut dyn Conn,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    c.execute(
        "UPDATE jobs SET status = 'failed',
         error = 'interrupted: the server stopped while this job ran; retry it',
         finished_at = ?1 WHERE status = 'running'",
        &params![now],
    )
}

pub(crate) fn setup_done(c: &mut dyn Conn, step: &str) -> Result<bool, StoreError> {
    Ok(
        c.query_opt("SELECT 1 FROM server_setup WHERE step = ?1", &params![step])?
            .is_some(),
    )
}

pub(crate) fn mark_setup_done(
    c: &mut dyn Conn,
    step: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO server_setup (step, done_at) VALUES (?1, ?2) ON CONFLICT (step) DO NOTHING",
        &params![step, now],
    )?;
    Ok(())
}

pub(crate) fn queued_jobs(c: &mut dyn Conn) -> Result<Vec<JobRow>, StoreError> {
    let ids = c
        .query(
            "SELECT id FROM jobs WHERE status = 'queued' ORDER BY id",
            &[],
        )?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<Vec<i64>, StoreError>>()?;
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(j) = job(c, id)? {
            jobs.push(j);
        }
    }
    Ok(jobs)
}

const RUN_COLUMNS: &str =
    "SELECT r.id, r.job_id, r.district_id, r.kpis_json, r.timeseries_csv, r.created_at FROM runs r";

fn run_row(mut r: Row) -> Result<RunRow, StoreError> {
    Ok(RunRow {
        id: r.int(0)?,
        job_id: r.int(1)?,
        district_id: r.int(2)?,
        kpis_json: r.text(3)?,
        timeseries_csv: r.text(4)?,
        created_at: r.instant(5)?,
    })
}

pub(crate) fn run(c: &mut dyn Conn, id: i64) -> Result<Option<RunRow>, StoreError> {
    c.query_opt(&format!("{RUN_COLUMNS} WHERE r.id = ?1"), &params![id])?
        .map(run_row)
        .transpose()
}

pub(crate) fn latest_run(
    c: &mut dyn Conn,
    district_id: i64,
    kind: &str,
) -> Result<Option<RunRow>, StoreError> {
    c.query_opt(
        &format!(
            "{RUN_COLUMNS} JOIN jobs j ON j.id = r.job_id \
             WHERE r.district_id = ?1 AND j.kind = ?2 ORDER BY r.id DESC LIMIT 1"
        ),
        &params![district_id, kind],
    )?
    .map(run_row)
    .transpose()
}

// --- The asset registry ---------------------------------------------------------------------

const DATE: &str = "%Y-%m-%d";

fn date(r: &mut Row, i: usize) -> Result<NaiveDate, StoreError> {
    let s = r.text(i)?;
    NaiveDate::parse_from_str(&s, DATE)
        .map_err(|_| StoreError::Corrupt(format!("column {i}: `{s}` is not a YYYY-MM-DD date")))
}

fn int_as<T: TryFrom<i64>>(r: &Row, i: usize) -> Result<T, StoreError> {
    let v = r.int(i)?;
    T::try_from(v).map_err(|_| StoreError::Corrupt(format!("column {i}: {v} out of range")))
}

/// Replaces the registry of a district: its assets (and, by cascade, their logs) are deleted,
/// then `assets` are inserted with their logs. Run inside one transaction by the caller.
pub(crate) fn replace_assets(
    c: &mut dyn Conn,
    district_id: i64,
    assets: &[(NewAsset, Vec<NewMaintenance>)],
) -> Result<Vec<i64>, StoreError> {
    c.execute(
        "DELETE FROM assets WHERE district_id = ?1",
        &params![district_id],
    )?;
    let mut ids = Vec::with_capacity(assets.len());
    for (a, log) in assets {
        let id = create_assets(c, district_id, std::slice::from_ref(a))?[0];
        for m in log {
            add_maintenance(c, id, m)?;
        }
        ids.push(id);
    }
    Ok(ids)
}

pub(crate) fn create_assets(
    c: &mut dyn Conn,
    district_id: i64,
    assets: &[NewAsset],
) -> Result<Vec<i64>, StoreError> {
    assets
        .iter()
        .map(|a| {
            c.query_one(
                "INSERT INTO assets (district_id, component, kind, name, location, latitude_deg,
                 longitude_deg, commissioned_on, lifetime_years, capex_eur, annual_om_eur,
                 condition, replacement_year, notes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 RETURNING id",
                &params![
                    district_id,
                    a.component.as_ref(),
                    &a.kind,
                    &a.name,
                    a.location.as_ref(),
                    a.latitude_deg,
                    a.longitude_deg,
                    a.commissioned_on.format(DATE).to_string().as_str(),
                    i64::from(a.lifetime_years),
                    a.capex_eur,
                    a.annual_om_eur,
                    i64::from(a.condition),
                    a.replacement_year.map(i64::from),
                    &a.notes
                ],
            )
            .map_err(|e| e.conflict_on(|| format!("asset `{}`", a.name)))?
            .int(0)
        })
        .collect()
}

const ASSET_COLUMNS: &str = "SELECT id, district_id, component, kind, name, location, latitude_deg,
    longitude_deg, commissioned_on, lifetime_years, capex_eur, annual_om_eur, condition,
    replacement_year, notes FROM assets";

fn asset_row(mut r: Row) -> Result<AssetRow, StoreError> {
    Ok(AssetRow {
        id: r.int(0)?,
        district_id: r.int(1)?,
        asset: NewAsset {
            component: r.opt_text(2)?,
            kind: r.text(3)?,
            name: r.text(4)?,
            location: r.opt_text(5)?,
            latitude_deg: r.opt_real(6)?,
            longitude_deg: r.opt_real(7)?,
            commissioned_on: date(&mut r, 8)?,
            lifetime_years: int_as(&r, 9)?,
            capex_eur: r.real(10)?,
            annual_om_eur: r.real(11)?,
            condition: int_as(&r, 12)?,
            replacement_year: r
                .opt_int(13)?
                .map(|y| {
                    i32::try_from(y)
                        .map_err(|_| StoreError::Corrupt(format!("replacement year {y}")))
                })
                .transpose()?,
            notes: r.text(14)?,
        },
    })
}

pub(crate) fn assets(c: &mut dyn Conn, district_id: i64) -> Result<Vec<AssetRow>, StoreError> {
    let mut v = c
        .query(
            &format!("{ASSET_COLUMNS} WHERE district_id = ?1"),
            &params![district_id],
        )?
        .into_iter()
        .map(asset_row)
        .collect::<Result<Vec<_>, _>>()?;
    // Sorted here, not in SQL: PostgreSQL's collation may differ from SQLite's byte order.
    v.sort_by(|a, b| a.asset.name.cmp(&b.asset.name));
    Ok(v)
}

pub(crate) fn asset(c: &mut dyn Conn, id: i64) -> Result<Option<AssetRow>, StoreError> {
    c.query_opt(&format!("{ASSET_COLUMNS} WHERE id = ?1"), &params![id])?
        .map(asset_row)
        .transpose()
}

pub(crate) fn update_asset_condition(
    c: &mut dyn Conn,
    id: i64,
    condition: u8,
    replacement_year: Option<i32>,
) -> Result<bool, StoreError> {
    let n = c.execute(
        "UPDATE assets SET condition = ?2, replacement_year = ?3 WHERE id = ?1",
        &params![id, i64::from(condition), replacement_year.map(i64::from)],
    )?;
    Ok(n == 1)
}

pub(crate) fn add_maintenance(
    c: &mut dyn Conn,
    asset_id: i64,
    m: &NewMaintenance,
) -> Result<i64, StoreError> {
    c.query_one(
        "INSERT INTO maintenance_log (asset_id, performed_on, kind, cost_eur, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        &params![
            asset_id,
            m.performed_on.format(DATE).to_string().as_str(),
            &m.kind,
            m.cost_eur,
            &m.note,
            m.created_at
        ],
    )?
    .int(0)
}

pub(crate) fn maintenance(
    c: &mut dyn Conn,
    asset_id: i64,
) -> Result<Vec<MaintenanceRow>, StoreError> {
    maintenance_where(c, "m.asset_id = ?1", asset_id)
}

/// Every maintenance entry of every asset of a district (one query for a whole registry).
pub(crate) fn district_maintenance(
    c: &mut dyn Conn,
    district_id: i64,
) -> Result<Vec<MaintenanceRow>, StoreError> {
    maintenance_where(c, "a.district_id = ?1", district_id)
}

fn maintenance_where(
    c: &mut dyn Conn,
    condition: &str,
    id: i64,
) -> Result<Vec<MaintenanceRow>, StoreError> {
    let mut v = c
        .query(
            &format!(
                "SELECT m.id, m.asset_id, m.performed_on, m.kind, m.cost_eur, m.note, m.created_at
                 FROM maintenance_log m JOIN assets a ON a.id = m.asset_id WHERE {condition}"
            ),
            &params![id],
        )?
        .into_iter()
        .map(|mut r| {
            Ok(MaintenanceRow {
                id: r.int(0)?,
                asset_id: r.int(1)?,
                entry: NewMaintenance {
                    performed_on: date(&mut r, 2)?,
                    kind: r.text(3)?,
                    cost_eur: r.real(4)?,
                    note: r.text(5)?,
                    created_at: r.instant(6)?,
                },
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    v.sort_by_key(|m| (m.asset_id, m.entry.performed_on, m.id));
    Ok(v)
}

pub(crate) fn record_audit(c: &mut dyn Conn, e: &NewAudit) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO audit_log (at, user_id, username, action, status) VALUES (?1, ?2, ?3, ?4, ?5)",
        &params![e.at, e.user_id, &e.username, &e.action, i64::from(e.status)],
    )?;
    Ok(())
}

pub(crate) fn audit_log(
    c: &mut dyn Conn,
    limit: usize,
    before: Option<i64>,
) -> Result<Vec<AuditRow>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    c.query(
        "SELECT id, at, user_id, username, action, status FROM audit_log
         WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
        &params![before.unwrap_or(i64::MAX), limit],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(AuditRow {
            id: r.int(0)?,
            at: r.instant(1)?,
            user_id: r.opt_int(2)?,
            username: r.text(3)?,
            action: r.text(4)?,
            status: u16::try_from(r.int(5)?).unwrap_or(0),
        })
    })
    .collect()
}

pub(crate) fn users(c: &mut dyn Conn) -> Result<Vec<User>, StoreError> {
    users_where(c, "", &[])
}

pub(crate) fn district_users(c: &mut dyn Conn, id: i64) -> Result<Vec<User>, StoreError> {
    users_where(c, "WHERE district_id = ?1", &params![id])
}

/// The users matching `filter` (a `WHERE` clause or nothing), by name.
fn users_where(c: &mut dyn Conn, filter: &str, args: &[Value]) -> Result<Vec<User>, StoreError> {
    let mut v = c
        .query(&format!("SELECT {USER_COLUMNS} FROM users {filter}"), args)?
        .into_iter()
        .map(|mut r| user(&mut r))
        .collect::<Result<Vec<User>, StoreError>>()?;
    v.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(v)
}

pub(crate) fn delete_user(c: &mut dyn Conn, id: i64) -> Result<bool, StoreError> {
    let names: Vec<String> = logins_where(c, "id = ?1", &params![id])?
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    c.execute("DELETE FROM sessions WHERE user_id = ?1", &params![id])?;
    let deleted = c.execute("DELETE FROM users WHERE id = ?1", &params![id])? == 1;
    forget_in_audit(c, &names, &[id])?;
    Ok(deleted)
}

pub(crate) fn set_password(
    c: &mut dyn Conn,
    user: i64,
    hash: &str,
    keep: &str,
) -> Result<(), StoreError> {
    c.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        &params![user, hash],
    )?;
    c.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_sha256 <> ?2",
        &params![user, &token_digest(keep)],
    )?;
    Ok(())
}

/// The ids of the rows of `prm` that grant nothing (a second registration never shared).
/// Taken before rows of that PRM are deleted: once the first registration is gone, such a row
/// would become the first and take the meter, so it goes with it ([`settle_meter`]).
fn inert_rows(c: &mut dyn Conn, prm: &str) -> Result<Vec<i64>, StoreError> {
    c.query(
        &format!("SELECT p.id FROM participants p WHERE p.prm = ?1 AND NOT {HOLDS_METER}"),
        &params![prm],
    )?
    .iter()
    .map(|r| r.int(0))
    .collect()
}

/// After rows of `prm` were deleted: deletes the rows that granted nothing before (`inert`),
/// then the meter's curve when no district holds the meter any more; returns the points
/// deleted then, `None` while a district still holds the meter.
fn settle_meter(c: &mut dyn Conn, prm: &str, inert: &[i64]) -> Result<Option<usize>, StoreError> {
    for id in inert {
        c.execute("DELETE FROM participants WHERE id = ?1", &params![*id])?;
    }
    let held = c
        .query_opt(
            &format!("SELECT 1 FROM participants p WHERE p.prm = ?1 AND {HOLDS_METER}"),
            &params![prm],
        )?
        .is_some();
    if held {
        return Ok(None);
    }
    c.execute("DELETE FROM meter_curves WHERE prm = ?1", &params![prm])
        .map(Some)
}

/// The logins matching `filter` (a `WHERE` clause over `users`): (id, username).
fn logins_where(
    c: &mut dyn Conn,
    filter: &str,
    args: &[Value],
) -> Result<Vec<(i64, String)>, StoreError> {
    c.query(
        &format!("SELECT id, username FROM users WHERE {filter}"),
        args,
    )?
    .into_iter()
    .map(|mut r| Ok((r.int(0)?, r.text(1)?)))
    .collect()
}

/// Removes from the audit log what identified erased people: `words` (PRMs, usernames) as
/// path segments of actions, and the name of the deleted `users` as actors (their entries
/// stay, with [`ERASED`] as the name and no id).
fn forget_in_audit(c: &mut dyn Conn, words: &[String], users: &[i64]) -> Result<(), StoreError> {
    for id in users {
        c.execute(
            "UPDATE audit_log SET username = ?2, user_id = NULL WHERE user_id = ?1",
            &params![*id, ERASED],
        )?;
    }
    for w in words {
        let escaped = w
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let encoded = escaped.replace('@', "%40");
        let rows = c.query(
            "SELECT id, action FROM audit_log
             WHERE action LIKE ?1 ESCAPE '\\' OR action LIKE ?2 ESCAPE '\\'",
            &params![&format!("%/{escaped}%"), &format!("%/{encoded}%")],
        )?;
        for mut r in rows {
            let (id, action) = (r.int(0)?, r.text(1)?);
            let kept = forget_segments(&action, std::slice::from_ref(w));
            if kept != action {
                c.execute(
                    "UPDATE audit_log SET action = ?2 WHERE id = ?1",
                    &params![id, &kept],
                )?;
            }
        }
    }
    Ok(())
}

/// Deletes the audit entries older than `before`; returns how many.
pub(crate) fn prune_audit(c: &mut dyn Conn, before: DateTime<Utc>) -> Result<usize, StoreError> {
    c.execute("DELETE FROM audit_log WHERE at < ?1", &params![before])
}

pub(crate) fn erase_participant(
    c: &mut dyn Conn,
    district: i64,
    prm: &str,
) -> Result<Option<Erased>, StoreError> {
    let holds = c
        .query_opt(
            &format!(
                "SELECT 1 FROM participants p WHERE p.district_id = ?1 AND p.prm = ?2
                 AND {HOLDS_METER}"
            ),
            &params![district, prm],
        )?
        .is_some();
    if !holds {
        return Ok(None);
    }
    let inert = inert_rows(c, prm)?;
    let logins = logins_where(
        c,
        "role = 'participant' AND district_id = ?1 AND prm = ?2",
        &params![district, prm],
    )?;
    let participants = c.execute(
        "DELETE FROM participants WHERE district_id = ?1 AND prm = ?2",
        &params![district, prm],
    )?;
    c.execute(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users
         WHERE role = 'participant' AND district_id = ?1 AND prm = ?2)",
        &params![district, prm],
    )?;
    let users = c.execute(
        "DELETE FROM users WHERE role = 'participant' AND district_id = ?1 AND prm = ?2",
        &params![district, prm],
    )?;
    let gone = settle_meter(c, prm, &inert)?;
    let (ids, mut forgotten): (Vec<i64>, Vec<String>) = logins.into_iter().unzip();
    if gone.is_some() {
        forgotten.push(prm.to_string());
    }
    forget_in_audit(c, &forgotten, &ids)?;
    Ok(Some(Erased {
        participants,
        users,
        curve_points: gone.unwrap_or(0),
        forgotten,
    }))
}

pub(crate) fn delete_district(c: &mut dyn Conn, id: i64) -> Result<Option<Erased>, StoreError> {
    if district(c, id)?.is_none() {
        return Ok(None);
    }
    let prms = c
        .query(
            "SELECT DISTINCT prm FROM participants WHERE district_id = ?1",
            &params![id],
        )?
        .into_iter()
        .map(|mut r| r.text(0))
        .collect::<Result<Vec<String>, StoreError>>()?;
    let mut inert = Vec::with_capacity(prms.len());
    for prm in &prms {
        inert.push(inert_rows(c, prm)?);
    }
    let logins = logins_where(c, "district_id = ?1", &params![id])?;
    c.execute(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE district_id = ?1)",
        &params![id],
    )?;
    let users = c.execute("DELETE FROM users WHERE district_id = ?1", &params![id])?;
    let participants = c.execute(
        "DELETE FROM participants WHERE district_id = ?1",
        &params![id],
    )?;
    // Runs, jobs, assets and their logs go with the district (ON DELETE CASCADE).
    c.execute("DELETE FROM runs WHERE district_id = ?1", &params![id])?;
    c.execute("DELETE FROM jobs WHERE district_id = ?1", &params![id])?;
    c.execute(
        "DELETE FROM maintenance_log WHERE asset_id IN (SELECT id FROM assets WHERE district_id = ?1)",
        &params![id],
    )?;
    c.execute("DELETE FROM assets WHERE district_id = ?1", &params![id])?;
    // Its community: every version of the file, the operator's data, the invoices issued.
    for table in ["community_versions", "official_data", "invoices"] {
        c.execute(
            &format!("DELETE FROM {table} WHERE district_id = ?1"),
            &params![id],
        )?;
    }
    // The row stays, emptied, so that the id is never reused.
    c.execute(
        "UPDATE districts SET name = '', source_toml = '', deleted_at = ?2 WHERE id = ?1",
        &params![id, Utc::now()],
    )?;
    let (ids, mut forgotten): (Vec<i64>, Vec<String>) = logins.into_iter().unzip();
    let mut curve_points = 0;
    for (prm, inert) in prms.iter().zip(&inert) {
        if let Some(points) = settle_meter(c, prm, inert)? {
            curve_points += points;
            forgotten.push(prm.clone());
        }
    }
    forget_in_audit(c, &forgotten, &ids)?;
    Ok(Some(Erased {
        participants,
        users,
        curve_points,
        forgotten,
    }))
}

pub(crate) fn update_participant(
    c: &mut dyn Conn,
    district: i64,
    prm: &str,
    name: &str,
    role: &str,
) -> Result<bool, StoreError> {
    let n = c.execute(
        &format!(
            "UPDATE participants SET name = ?3, role = ?4 WHERE district_id = ?1 AND prm = ?2
             AND id IN (SELECT p.id FROM participants p WHERE p.district_id = ?1
                        AND p.prm = ?2 AND {HOLDS_METER})"
        ),
        &params![district, prm, name, role],
    )?;
    Ok(n == 1)
}

pub(crate) fn curve_coverage(
    c: &mut dyn Conn,
    district: i64,
) -> Result<Vec<(String, TimeRange, i64)>, StoreError> {
    let mut v = c
        .query(
            &format!(
                "SELECT m.prm, MIN(m.instant), MAX(m.instant), COUNT(*) FROM meter_curves m
                 WHERE m.prm IN (SELECT p.prm FROM participants p WHERE p.district_id = ?1
                                 AND {HOLDS_METER})
                 GROUP BY m.prm"
            ),
            &params![district],
        )?
        .into_iter()
        .map(|mut r| Ok((r.text(0)?, (r.instant(1)?, r.instant(2)?), r.int(3)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

pub(crate) fn queue_position(c: &mut dyn Conn, id: i64) -> Result<Option<usize>, StoreError> {
    let queued = c
        .query_opt(
            "SELECT 1 FROM jobs WHERE id = ?1 AND status = 'queued'",
            &params![id],
        )?
        .is_some();
    if !queued {
        return Ok(None);
    }
    let ahead = c
        .query_one(
            "SELECT COUNT(*) FROM jobs WHERE (status = 'queued' AND id < ?1) OR status = 'running'",
            &params![id],
        )?
        .int(0)?;
    Ok(Some(usize::try_from(ahead).unwrap_or(0)))
}

// --- The energy community: file versions, the operator's data, invoices ---------------------

pub(crate) fn add_community_version(
    c: &mut dyn Conn,
    district: i64,
    source_toml: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64, StoreError> {
    let next = c
        .query_one(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM community_versions WHERE district_id = ?1",
            &params![district],
        )?
        .int(0)?;
    c.execute(
        "INSERT INTO community_versions (district_id, version, source_toml, attached_at, attached_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &params![district, next, source_toml, at, by],
    )?;
    Ok(next)
}

const VERSION_COLUMNS: &str =
    "SELECT version, source_toml, attached_at, attached_by FROM community_versions";

fn version_row(mut r: Row) -> Result<CommunityVersionRow, StoreError> {
    Ok(CommunityVersionRow {
        version: r.int(0)?,
        source_toml: r.text(1)?,
        attached_at: r.instant(2)?,
        attached_by: r.text(3)?,
    })
}

pub(crate) fn community_versions(
    c: &mut dyn Conn,
    district: i64,
) -> Result<Vec<CommunityVersionRow>, StoreError> {
    c.query(
        &format!("{VERSION_COLUMNS} WHERE district_id = ?1 ORDER BY version"),
        &params![district],
    )?
    .into_iter()
    .map(version_row)
    .collect()
}

pub(crate) fn community_version(
    c: &mut dyn Conn,
    district: i64,
    version: Option<i64>,
) -> Result<Option<CommunityVersionRow>, StoreError> {
    let row = match version {
        Some(v) => c.query_opt(
            &format!("{VERSION_COLUMNS} WHERE district_id = ?1 AND version = ?2"),
            &params![district, v],
        )?,
        None => c.query_opt(
            &format!("{VERSION_COLUMNS} WHERE district_id = ?1 ORDER BY version DESC LIMIT 1"),
            &params![district],
        )?,
    };
    row.map(version_row).transpose()
}

pub(crate) fn add_official_data(c: &mut dyn Conn, o: &NewOfficialData) -> Result<i64, StoreError> {
    c.query_one(
        "INSERT INTO official_data (district_id, months, file_name, content_base64, uploaded_at, uploaded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        &params![
            o.district_id,
            &o.months.join(","),
            &o.file_name,
            &o.content_base64,
            o.uploaded_at,
            &o.uploaded_by
        ],
    )?
    .int(0)
}

pub(crate) fn official_data(
    c: &mut dyn Conn,
    district: i64,
) -> Result<Vec<OfficialDataRow>, StoreError> {
    c.query(
        "SELECT id, months, file_name, uploaded_at, uploaded_by FROM official_data
         WHERE district_id = ?1 ORDER BY id",
        &params![district],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(OfficialDataRow {
            id: r.int(0)?,
            months: r
                .text(1)?
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            file_name: r.text(2)?,
            uploaded_at: r.instant(3)?,
            uploaded_by: r.text(4)?,
        })
    })
    .collect()
}

pub(crate) fn official_content(
    c: &mut dyn Conn,
    district: i64,
    id: i64,
) -> Result<Option<String>, StoreError> {
    c.query_opt(
        "SELECT content_base64 FROM official_data WHERE district_id = ?1 AND id = ?2",
        &params![district, id],
    )?
    .map(|mut r| r.text(0))
    .transpose()
}

pub(crate) fn add_invoices(
    c: &mut dyn Conn,
    district: i64,
    invoices: &[NewInvoice],
) -> Result<(), StoreError> {
    for i in invoices {
        let r = &i.row;
        c.execute(
            "INSERT INTO invoices (district_id, number, prefix, sequence, prm, month, issue_date,
                 total_excl_vat_eur, total_incl_vat_eur, community_version, official,
                 document_fr, document_en, issued_at, issued_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            &params![
                district,
                &r.number,
                &r.prefix,
                r.sequence,
                &r.prm,
                &r.month,
                &r.issue_date,
                &r.total_excl_vat_eur,
                &r.total_incl_vat_eur,
                r.community_version,
                i64::from(r.official),
                &i.document_fr,
                &i.document_en,
                r.issued_at,
                &r.issued_by
            ],
        )
        .map_err(|e| {
            e.conflict_on(|| {
                format!(
                    "invoice {} (or an invoice of {} for {}) was already issued",
                    r.number, r.prm, r.month
                )
            })
        })?;
    }
    Ok(())
}

const INVOICE_COLUMNS: &str = "SELECT number, prefix, sequence, prm, month, issue_date,
    total_excl_vat_eur, total_incl_vat_eur, community_version, official, issued_at, issued_by";

fn invoice_row(r: &mut Row) -> Result<InvoiceRow, StoreError> {
    Ok(InvoiceRow {
        number: r.text(0)?,
        prefix: r.text(1)?,
        sequence: r.int(2)?,
        prm: r.text(3)?,
        month: r.text(4)?,
        issue_date: r.text(5)?,
        total_excl_vat_eur: r.text(6)?,
        total_incl_vat_eur: r.text(7)?,
        community_version: r.int(8)?,
        official: r.int(9)? != 0,
        issued_at: r.instant(10)?,
        issued_by: r.text(11)?,
    })
}

pub(crate) fn invoices(
    c: &mut dyn Conn,
    district: i64,
    prm: Option<&str>,
) -> Result<Vec<InvoiceRow>, StoreError> {
    let rows = match prm {
        Some(p) => c.query(
            &format!(
                "{INVOICE_COLUMNS} FROM invoices WHERE district_id = ?1 AND prm = ?2 ORDER BY month, prefix, sequence"
            ),
            &params![district, p],
        )?,
        None => c.query(
            &format!(
                "{INVOICE_COLUMNS} FROM invoices WHERE district_id = ?1 ORDER BY month, prefix, sequence"
            ),
            &params![district],
        )?,
    };
    rows.into_iter().map(|mut r| invoice_row(&mut r)).collect()
}

pub(crate) fn invoice_document(
    c: &mut dyn Conn,
    district: i64,
    number: &str,
    english: bool,
) -> Result<Option<(InvoiceRow, String)>, StoreError> {
    let column = if english {
        "document_en"
    } else {
        "document_fr"
    };
    c.query_opt(
        &format!(
            "{INVOICE_COLUMNS}, {column} FROM invoices WHERE district_id = ?1 AND number = ?2"
        ),
        &params![district, number],
    )?
    .map(|mut r| Ok((invoice_row(&mut r)?, r.text(12)?)))
    .transpose()
}

/// Stores a laureate's report: every value or none (one transaction, the caller's); a month
/// already reported is replaced.
pub(crate) fn put_reports(
    c: &mut dyn Conn,
    experiment: &str,
    values: &[ReportValue],
) -> Result<(), StoreError> {
    for v in values {
        c.execute(
            "INSERT INTO experiment_reports (experiment, indicator, month, value, uploaded_by, uploaded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (experiment, indicator, month) DO UPDATE SET
                 value = excluded.value, uploaded_by = excluded.uploaded_by,
                 uploaded_at = excluded.uploaded_at",
            &params![
                experiment,
                &v.indicator,
                &v.month,
                v.value,
                &v.uploaded_by,
                v.uploaded_at
            ],
        )?;
    }
    Ok(())
}

/// Every reported value of `experiment`, by indicator and month.
pub(crate) fn reports(c: &mut dyn Conn, experiment: &str) -> Result<Vec<ReportValue>, StoreError> {
    c.query(
        "SELECT indicator, month, value, uploaded_by, uploaded_at FROM experiment_reports
         WHERE experiment = ?1 ORDER BY indicator, month",
        &params![experiment],
    )?
    .into_iter()
    .map(|mut r| report_value(&mut r, 0))
    .collect()
}

/// The columns `at`…`at + 4` of a report row: indicator, month, value, uploaded_by,
/// uploaded_at.
fn report_value(r: &mut Row, at: usize) -> Result<ReportValue, StoreError> {
    Ok(ReportValue {
        indicator: r.text(at)?,
        month: r.text(at + 1)?,
        value: r.real(at + 2)?,
        uploaded_by: r.text(at + 3)?,
        uploaded_at: r.instant(at + 4)?,
    })
}

/// Every reported value, by experiment: (experiment, value).
pub(crate) fn all_reports(c: &mut dyn Conn) -> Result<Vec<(String, ReportValue)>, StoreError> {
    c.query(
        "SELECT experiment, indicator, month, value, uploaded_by, uploaded_at
         FROM experiment_reports ORDER BY experiment, indicator, month",
        &[],
    )?
    .into_iter()
    .map(|mut r| Ok((r.text(0)?, report_value(&mut r, 1)?)))
    .collect()
}

pub(crate) fn create_call(c: &mut dyn Conn, call: &NewCall) -> Result<i64, StoreError> {
    c.query_one(
        "INSERT INTO calls (title, opens_at, closes_at, definition, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        &params![
            &call.title,
            call.opens_at,
            call.closes_at,
            &call.definition,
            call.created_at
        ],
    )?
    .int(0)
}

/// The calls matching `filter` (a `WHERE` clause or nothing), newest first.
pub(crate) fn calls_where(
    c: &mut dyn Conn,
    filter: &str,
    args: &[Value],
) -> Result<Vec<CallRow>, StoreError> {
    c.query(
        &format!(
            "SELECT id, title, opens_at, closes_at, definition FROM calls {filter} ORDER BY id DESC"
        ),
        args,
    )?
    .into_iter()
    .map(|mut r| {
        Ok(CallRow {
            id: r.int(0)?,
            title: r.text(1)?,
            opens_at: r.instant(2)?,
            closes_at: r.instant(3)?,
            definition: r.text(4)?,
        })
    })
    .collect()
}

const APPLICATION_COLUMNS: &str =
    "id, call_id, applicant_id, form, updated_at, submitted_at, decision, decided_at, experiment";

/// The applications matching `filter`, by id.
pub(crate) fn applications_where(
    c: &mut dyn Conn,
    filter: &str,
    args: &[Value],
) -> Result<Vec<ApplicationRow>, StoreError> {
    c.query(
        &format!("SELECT {APPLICATION_COLUMNS} FROM applications {filter} ORDER BY id"),
        args,
    )?
    .into_iter()
    .map(|mut r| {
        Ok(ApplicationRow {
            id: r.int(0)?,
            call_id: r.int(1)?,
            applicant_id: r.opt_int(2)?,
            form: r.text(3)?,
            updated_at: r.instant(4)?,
            submitted_at: r.opt_instant(5)?,
            decision: r.opt_text(6)?,
            decided_at: r.opt_instant(7)?,
            experiment: r.opt_text(8)?,
        })
    })
    .collect()
}

pub(crate) fn create_application(
    c: &mut dyn Conn,
    call_id: i64,
    applicant_id: i64,
    form: &str,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    c.query_one(
        "INSERT INTO applications (call_id, applicant_id, form, updated_at)
         VALUES (?1, ?2, ?3, ?4) RETURNING id",
        &params![call_id, applicant_id, form, at],
    )?
    .int(0)
}

/// Replaces a draft's form; `false` when the application is submitted (it never changes).
pub(crate) fn update_draft(
    c: &mut dyn Conn,
    id: i64,
    form: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(c.execute(
        "UPDATE applications SET form = ?2, updated_at = ?3 WHERE id = ?1 AND submitted_at IS NULL",
        &params![id, form, at],
    )? == 1)
}

/// Marks a draft submitted; `false` when it already was.
pub(crate) fn submit_application(
    c: &mut dyn Conn,
    id: i64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(c.execute(
        "UPDATE applications SET submitted_at = ?2, updated_at = ?2 WHERE id = ?1 AND submitted_at IS NULL",
        &params![id, at],
    )? == 1)
}

/// Records the programme team's decision on a submitted application; `false` when it is a
/// draft.
pub(crate) fn decide_application(
    c: &mut dyn Conn,
    id: i64,
    decision: &str,
    experiment: Option<&str>,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(c.execute(
        "UPDATE applications SET decision = ?2, experiment = ?3, decided_at = ?4
         WHERE id = ?1 AND submitted_at IS NOT NULL",
        &params![id, decision, experiment, at],
    )? == 1)
}

pub(crate) fn add_document(
    c: &mut dyn Conn,
    application_id: i64,
    name: &str,
    bytes_base64: &str,
    size: i64,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    c.query_one(
        "INSERT INTO application_documents (application_id, name, size_bytes, content_base64, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        &params![application_id, name, size, bytes_base64, at],
    )?
    .int(0)
}

pub(crate) fn documents(
    c: &mut dyn Conn,
    application_id: i64,
) -> Result<Vec<DocumentRow>, StoreError> {
    c.query(
        "SELECT id, application_id, name, size_bytes, uploaded_at FROM application_documents
         WHERE application_id = ?1 ORDER BY id",
        &params![application_id],
    )?
    .into_iter()
    .map(|mut r| {
        Ok(DocumentRow {
            id: r.int(0)?,
            application_id: r.int(1)?,
            name: r.text(2)?,
            size_bytes: r.int(3)?,
            uploaded_at: r.instant(4)?,
        })
    })
    .collect()
}

pub(crate) fn add_evidence(c: &mut dyn Conn, e: &NewEvidence) -> Result<i64, StoreError> {
    c.query_one(
        "INSERT INTO report_evidence (experiment, month, name, media_type, size_bytes, content_base64, uploaded_by, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        &params![
            e.experiment.as_str(),
            e.month.as_str(),
            e.name.as_str(),
            e.media_type.as_str(),
            e.size_bytes,
            e.content_base64.as_str(),
            e.uploaded_by.as_str(),
            e.uploaded_at
        ],
    )?
    .int(0)
}

const EVIDENCE_COLUMNS: &str = "id, month, name, media_type, size_bytes, uploaded_by, uploaded_at";

fn evidence_row(r: &mut Row) -> Result<EvidenceRow, StoreError> {
    Ok(EvidenceRow {
        id: r.int(0)?,
        month: r.text(1)?,
        name: r.text(2)?,
        media_type: r.text(3)?,
        size_bytes: r.int(4)?,
        uploaded_by: r.text(5)?,
        uploaded_at: r.instant(6)?,
    })
}

pub(crate) fn evidence(c: &mut dyn Conn, experiment: &str) -> Result<Vec<EvidenceRow>, StoreError> {
    c.query(
        &format!(
            "SELECT {EVIDENCE_COLUMNS} FROM report_evidence WHERE experiment = ?1 ORDER BY month, id"
        ),
        &params![experiment],
    )?
    .into_iter()
    .map(|mut r| evidence_row(&mut r))
    .collect()
}

pub(crate) fn evidence_content(
    c: &mut dyn Conn,
    experiment: &str,
    id: i64,
) -> Result<Option<(EvidenceRow, String)>, StoreError> {
    c.query(
        &format!(
            "SELECT {EVIDENCE_COLUMNS}, content_base64 FROM report_evidence WHERE experiment = ?1 AND id = ?2"
        ),
        &params![experiment, id],
    )?
    .into_iter()
    .next()
    .map(|mut r| Ok((evidence_row(&mut r)?, r.text(7)?)))
    .transpose()
}

/// A document's bytes (base64) when it belongs to `application_id`.
pub(crate) fn document_content(
    c: &mut dyn Conn,
    application_id: i64,
    id: i64,
) -> Result<Option<String>, StoreError> {
    c.query_opt(
        "SELECT content_base64 FROM application_documents WHERE application_id = ?1 AND id = ?2",
        &params![application_id, id],
    )?
    .map(|mut r| r.text(0))
    .transpose()
}

/// Assigns a reviewer; assigning twice keeps the first assignment.
pub(crate) fn assign_reviewer(
    c: &mut dyn Conn,
    application_id: i64,
    reviewer_id: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO reviews (application_id, reviewer_id, assigned_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (application_id, reviewer_id) DO NOTHING",
        &params![application_id, reviewer_id, at],
    )?;
    Ok(())
}

/// Sends a review (a conflict or scores); `false` when the reviewer is not assigned.
pub(crate) fn put_review(
    c: &mut dyn Conn,
    application_id: i64,
    reviewer_id: i64,
    conflict: Option<&str>,
    scores: Option<&str>,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(c.execute(
        "UPDATE reviews SET conflict = ?3, scores = ?4, submitted_at = ?5
         WHERE application_id = ?1 AND reviewer_id = ?2",
        &params![application_id, reviewer_id, conflict, scores, at],
    )? == 1)
}

/// The reviews matching `filter` (over `reviews r`), with the reviewer's name.
pub(crate) fn reviews_where(
    c: &mut dyn Conn,
    filter: &str,
    args: &[Value],
) -> Result<Vec<ReviewRow>, StoreError> {
    c.query(
        &format!(
            "SELECT r.application_id, r.reviewer_id, u.username, r.assigned_at, r.conflict, r.scores,
                    r.submitted_at
             FROM reviews r JOIN users u ON u.id = r.reviewer_id {filter}
             ORDER BY r.application_id, u.username"
        ),
        args,
    )?
    .into_iter()
    .map(|mut r| {
        Ok(ReviewRow {
            application_id: r.int(0)?,
            reviewer_id: r.int(1)?,
            reviewer: r.text(2)?,
            assigned_at: r.instant(3)?,
            conflict: r.opt_text(4)?,
            scores: r.opt_text(5)?,
            submitted_at: r.opt_instant(6)?,
        })
    })
    .collect()
}
