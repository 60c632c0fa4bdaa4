//! The store on every back end ([`quartier_store::testing::test_databases`]: SQLite always,
//! PostgreSQL when `QUARTIER_TEST_POSTGRES_URL` is set), each test on a fresh database:
//! migrations, users and sessions, all-or-nothing writes, idempotent curve uploads, the job
//! lifecycle, the asset registry.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use quartier_store::testing::{TestDb, test_databases};
use quartier_store::*;

fn databases() -> Vec<TestDb> {
    test_databases().unwrap_or_else(|e| panic!("{e}"))
}

async fn open(db: &TestDb) -> Store {
    let store = Store::open(db.url())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", db.backend()));
    assert_eq!(store.backend(), db.backend());
    store
}

fn district(name: &str, participants: &[&str]) -> NewDistrict {
    NewDistrict {
        name: name.into(),
        source_toml: "[site]".into(),
        created_at: Utc::now(),
        participants: participants
            .iter()
            .map(|p| (p.to_string(), format!("Foyer {p}"), "consumer".to_string()))
            .collect(),
        shared_at: None,
    }
}

#[tokio::test]
async fn migrations_apply_once_and_reopen_keeps_data() {
    for db in databases() {
        let store = open(&db).await;
        assert_eq!(
            store.applied_migrations().await.unwrap(),
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        );
        store.create_district(district("x", &[])).await.unwrap();
        drop(store);
        let again = open(&db).await;
        assert_eq!(
            again.applied_migrations().await.unwrap(),
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        );
        assert_eq!(
            again.districts().await.unwrap().len(),
            1,
            "{}",
            db.backend()
        );
    }
}

#[tokio::test]
async fn unknown_urls_are_refused_without_showing_the_password() {
    let e = Store::open("mysql://ana:s3cret@localhost/q")
        .await
        .err()
        .unwrap();
    assert!(matches!(e, StoreError::Unsupported(_)));
    let text = e.to_string();
    assert!(
        text.contains("postgres://") && !text.contains("s3cret"),
        "{text}"
    );
    // Nothing listens on port 1: the connection fails, and the message keeps the secret.
    let e = Store::open("postgres://ana:s3cret@127.0.0.1:1/q?connect_timeout=2")
        .await
        .err()
        .unwrap();
    assert!(matches!(e, StoreError::Postgres(_)), "{e}");
    assert!(!format!("{e} {e:?}").contains("s3cret"));
    assert_eq!(
        redact_url("postgresql://ana:s3cret@db:5432/q?password=x&sslmode=disable"),
        "postgresql://ana:***@db:5432/q?password=***&sslmode=disable"
    );
    assert_eq!(redact_url("sqlite:///tmp/q.db"), "sqlite:///tmp/q.db");
}

#[tokio::test]
async fn users_sessions_expire() {
    for db in databases() {
        let store = open(&db).await;
        let now = Utc::now();
        let user = |name: &str, role| NewUser {
            username: name.into(),
            password_hash: "h".into(),
            role,
            district_id: None,
            prm: Some("1".into()),
            created_at: now,
            experiment: None,
        };
        let id = store
            .create_user(user("ana", Role::Participant))
            .await
            .unwrap();
        let dup = store.create_user(user("ana", Role::Programme)).await;
        assert!(
            matches!(&dup, Err(StoreError::Conflict(w)) if w == "user `ana`"),
            "{}: {dup:?}",
            db.backend()
        );
        assert_eq!(store.user_count().await.unwrap(), 1);
        let u = store.user_by_name("ana").await.unwrap().unwrap();
        assert_eq!(
            (u.id, u.prm.as_deref(), u.district_id),
            (id, Some("1"), None)
        );
        store
            .create_session(NewSession {
                token: "t".into(),
                user_id: id,
                csrf_token: "c".into(),
                created_at: now,
                expires_at: now + Duration::hours(1),
            })
            .await
            .unwrap();
        let (s, u) = store.session("t", now).await.unwrap().unwrap();
        assert_eq!((s.csrf_token.as_str(), u.role), ("c", Role::Participant));
        assert_eq!(
            s.expires_at.timestamp(),
            (now + Duration::hours(1)).timestamp()
        );
        if let Some(path) = db.url().strip_prefix("sqlite://") {
            // Only the token's digest is on disk.
            let file = rusqlite::Connection::open(path).unwrap();
            let kept: Vec<String> = file
                .prepare("SELECT token_sha256 FROM sessions")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(kept, [quartier_store::token_digest("t")]);
            assert_eq!(
                quartier_store::token_digest("t"),
                "e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8"
            );
        }
        let later = now + Duration::hours(2);
        assert!(store.session("t", later).await.unwrap().is_none());
        assert_eq!(store.purge_sessions(later).await.unwrap(), 1);
        store.delete_session("gone").await.unwrap();
    }
}

#[tokio::test]
async fn district_with_duplicate_participants_is_not_created() {
    for db in databases() {
        let store = open(&db).await;
        let r = store.create_district(district("x", &["1", "2", "1"])).await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
        assert!(
            store.districts().await.unwrap().is_empty(),
            "{}",
            db.backend()
        );

        let id = store
            .create_district(district("y", &["2", "1"]))
            .await
            .unwrap();
        let p = store.participants(id).await.unwrap();
        let prms: Vec<&str> = p.iter().map(|p| p.prm.as_str()).collect();
        assert_eq!(prms, ["1", "2"]);
        let again = ParticipantRow {
            district_id: id,
            prm: "2".into(),
            name: "n".into(),
            role: "consumer".into(),
            shared_at: None,
        };
        let r = store.add_participant(again).await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
        assert_eq!(store.districts_of_prm("1").await.unwrap(), vec![id]);
        assert_eq!(store.district(id).await.unwrap().unwrap().name, "y");
        assert!(store.district(id + 100).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn curve_upload_is_idempotent_and_range_read() {
    for db in databases() {
        let store = open(&db).await;
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let pts: Vec<CurvePoint> = (0..48)
            .map(|i| CurvePoint {
                instant: t0 + Duration::minutes(30 * i),
                kwh: i as f64 * 0.1,
            })
            .collect();
        let s = store.upsert_curve("p1", pts.clone()).await.unwrap();
        assert_eq!(
            s,
            UpsertSummary {
                written: 48,
                unchanged: 0
            }
        );
        let s = store.upsert_curve("p1", pts.clone()).await.unwrap();
        assert_eq!(
            s,
            UpsertSummary {
                written: 0,
                unchanged: 48
            }
        );
        assert_eq!(store.curve_point_count().await.unwrap(), 48);
        let part = store
            .curve("p1", t0 + Duration::hours(1), t0 + Duration::hours(2))
            .await
            .unwrap();
        assert_eq!(part, pts[2..4].to_vec());
        assert!(
            store
                .curve("p2", t0, t0 + Duration::days(1))
                .await
                .unwrap()
                .is_empty()
        );
        let last = t0 + Duration::minutes(30 * 47);
        assert_eq!(store.curve_bounds("p1").await.unwrap(), Some((t0, last)));
        assert_eq!(store.curve_bounds("p2").await.unwrap(), None);

        // One changed value is written; an instant given twice keeps its last value.
        let mut changed = pts[..2].to_vec();
        changed[1].kwh = 7.5;
        changed.push(CurvePoint {
            instant: t0,
            kwh: 9.0,
        });
        let s = store.upsert_curve("p1", changed).await.unwrap();
        assert_eq!(
            s,
            UpsertSummary {
                written: 2,
                unchanged: 1
            },
            "{}",
            db.backend()
        );
        let head = store
            .curve("p1", t0, t0 + Duration::hours(1))
            .await
            .unwrap();
        assert_eq!((head[0].kwh, head[1].kwh), (9.0, 7.5));
    }
}

#[tokio::test]
async fn a_year_upload_spans_several_statements() {
    for db in databases() {
        let store = open(&db).await;
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let pts = year(t0, 2500);
        let s = store.upsert_curve("p", pts.clone()).await.unwrap();
        assert_eq!(s.written, 2500);
        let back = store
            .curve("p", t0, t0 + Duration::days(400))
            .await
            .unwrap();
        assert_eq!(back, pts, "{}", db.backend());
    }
}

fn year(t0: chrono::DateTime<Utc>, n: i64) -> Vec<CurvePoint> {
    (0..n)
        .map(|i| CurvePoint {
            instant: t0 + Duration::minutes(15 * i),
            kwh: (i % 96) as f64 * 0.01,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_all_land() {
    for db in databases() {
        let store = open(&db).await;
        let t0 = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|k| {
                let store = store.clone();
                tokio::spawn(
                    async move { store.upsert_curve(&format!("prm{k}"), year(t0, 300)).await },
                )
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().written, 300);
        }
        assert_eq!(
            store.curve_point_count().await.unwrap(),
            8 * 300,
            "{}",
            db.backend()
        );
    }
}

#[tokio::test]
async fn job_lifecycle_and_cancel_wins() {
    for db in databases() {
        let store = open(&db).await;
        let did = store.create_district(district("x", &[])).await.unwrap();
        let new = || NewJob {
            kind: "simulation".into(),
            district_id: Some(did),
            created_at: Utc::now(),
            user_id: None,
            options_json: "{}".into(),
        };
        let a = store.create_job(new()).await.unwrap();
        assert_eq!(
            store.job(a).await.unwrap().unwrap().status,
            JobStatus::Queued
        );
        assert!(store.set_job_progress(a, 40).await.unwrap());
        let j = store.job(a).await.unwrap().unwrap();
        assert_eq!((j.status, j.progress), (JobStatus::Running, 40));
        let run = NewRun {
            district_id: did,
            kpis_json: "{}".into(),
            timeseries_csv: "time_utc\n".into(),
        };
        let ok = JobOutcome::Succeeded {
            result_json: "{\"k\":1}".into(),
            run: Some(run.clone()),
            finished_at: Utc::now(),
        };
        assert!(store.finish_job(a, ok.clone()).await.unwrap());
        let j = store.job(a).await.unwrap().unwrap();
        assert_eq!((j.status, j.progress), (JobStatus::Succeeded, 100));
        assert_eq!(j.result_json.as_deref(), Some("{\"k\":1}"));
        assert!(j.finished_at.is_some());
        let run_id = j.run_id.unwrap();
        let latest = store.latest_run(did, "simulation").await.unwrap().unwrap();
        assert_eq!((latest.id, latest.job_id), (run_id, a));
        assert!(
            store.latest_run(did, "allocation").await.unwrap().is_none(),
            "runs are told apart by their job's kind"
        );
        assert_eq!(
            store.run(run_id).await.unwrap().unwrap().timeseries_csv,
            "time_utc\n"
        );

        let b = store.create_job(new()).await.unwrap();
        assert!(store.cancel_job(b, Utc::now()).await.unwrap());
        assert!(!store.set_job_progress(b, 50).await.unwrap());
        assert!(!store.finish_job(b, ok).await.unwrap());
        let j = store.job(b).await.unwrap().unwrap();
        assert_eq!((j.status, j.run_id), (JobStatus::Cancelled, None));

        let c = store.create_job(new()).await.unwrap();
        let failed = JobOutcome::Failed {
            error: "boom".into(),
            finished_at: Utc::now(),
        };
        let d = store.create_job(new()).await.unwrap();
        assert!(store.finish_job(d, failed).await.unwrap());
        assert_eq!(
            store.job(d).await.unwrap().unwrap().error.as_deref(),
            Some("boom")
        );
        // A restart fails what was running and keeps what was queued, to start it again.
        let e = store.create_job(new()).await.unwrap();
        assert!(store.set_job_progress(e, 10).await.unwrap());
        assert_eq!(store.fail_interrupted_jobs(Utc::now()).await.unwrap(), 1);
        let j = store.job(e).await.unwrap().unwrap();
        assert_eq!(j.status, JobStatus::Failed, "{}", db.backend());
        assert!(j.error.unwrap().contains("retry"));
        let queued: Vec<i64> = store
            .queued_jobs()
            .await
            .unwrap()
            .iter()
            .map(|j| j.id)
            .collect();
        assert_eq!(queued, vec![c], "{}", db.backend());
        assert!(store.job(c + 100).await.unwrap().is_none());
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn asset(name: &str) -> NewAsset {
    NewAsset {
        component: Some("pv-ecole".into()),
        kind: "pv".into(),
        name: name.into(),
        location: Some("École Jules Ferry, toit".into()),
        latitude_deg: Some(48.77),
        longitude_deg: Some(2.22),
        commissioned_on: day(2021, 6, 15),
        lifetime_years: 30,
        capex_eur: 45_000.0,
        annual_om_eur: 450.5,
        condition: 4,
        replacement_year: None,
        notes: String::new(),
    }
}

#[tokio::test]
async fn assets_are_stored_all_or_nothing_and_read_by_name() {
    for db in databases() {
        let store = open(&db).await;
        let did = store.create_district(district("x", &[])).await.unwrap();
        let other = store.create_district(district("y", &[])).await.unwrap();

        // A name used twice: nothing stored.
        let r = store
            .create_assets(did, vec![asset("onduleur"), asset("b"), asset("onduleur")])
            .await;
        assert!(
            matches!(&r, Err(StoreError::Conflict(w)) if w == "asset `onduleur`"),
            "{}: {r:?}",
            db.backend()
        );
        assert!(store.assets(did).await.unwrap().is_empty());
        // A condition outside 1–5 is refused by the schema.
        let mut bad = asset("bad");
        bad.condition = 6;
        let r = store.create_assets(did, vec![bad]).await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");

        let mut bare = asset("Batterie");
        (
            bare.component,
            bare.location,
            bare.latitude_deg,
            bare.longitude_deg,
        ) = (None, None, None, None);
        bare.replacement_year = Some(2035);
        bare.notes = "note".into();
        let ids = store
            .create_assets(did, vec![asset("pv-toit"), bare.clone()])
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        // The same name in another district is fine.
        store
            .create_assets(other, vec![asset("pv-toit")])
            .await
            .unwrap();

        let list = store.assets(did).await.unwrap();
        let names: Vec<&str> = list.iter().map(|a| a.asset.name.as_str()).collect();
        assert_eq!(names, ["Batterie", "pv-toit"]);
        assert_eq!(list[0].asset, bare);
        assert_eq!((list[0].id, list[0].district_id), (ids[1], did));
        let one = store.asset(ids[0]).await.unwrap().unwrap();
        assert_eq!(one.asset, asset("pv-toit"), "{}", db.backend());
        assert!(store.asset(ids[0] + 100).await.unwrap().is_none());

        assert!(
            store
                .update_asset_condition(ids[0], 2, Some(2030))
                .await
                .unwrap()
        );
        let one = store.asset(ids[0]).await.unwrap().unwrap().asset;
        assert_eq!((one.condition, one.replacement_year), (2, Some(2030)));
        assert!(store.update_asset_condition(ids[0], 3, None).await.unwrap());
        assert_eq!(
            store
                .asset(ids[0])
                .await
                .unwrap()
                .unwrap()
                .asset
                .replacement_year,
            None
        );
        assert!(
            !store
                .update_asset_condition(ids[0] + 100, 3, None)
                .await
                .unwrap()
        );
        let r = store.update_asset_condition(ids[0], 0, None).await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    }
}

#[tokio::test]
async fn maintenance_log_is_read_by_date() {
    for db in databases() {
        let store = open(&db).await;
        let did = store.create_district(district("x", &[])).await.unwrap();
        let ids = store
            .create_assets(did, vec![asset("a"), asset("b")])
            .await
            .unwrap();
        let entry = |on, kind: &str, cost| NewMaintenance {
            performed_on: on,
            kind: kind.into(),
            cost_eur: cost,
            note: format!("{kind} note"),
            created_at: Utc.with_ymd_and_hms(2025, 5, 1, 8, 0, 0).unwrap(),
        };
        let late = entry(day(2024, 11, 3), "repair", 320.0);
        let early = entry(day(2023, 2, 10), "inspection", 0.0);
        let l = store.add_maintenance(ids[0], late.clone()).await.unwrap();
        let e = store.add_maintenance(ids[0], early.clone()).await.unwrap();
        store
            .add_maintenance(ids[1], entry(day(2022, 1, 1), "cleaning", 50.0))
            .await
            .unwrap();
        let log = store.maintenance(ids[0]).await.unwrap();
        let got: Vec<(i64, i64, &NewMaintenance)> =
            log.iter().map(|m| (m.id, m.asset_id, &m.entry)).collect();
        assert_eq!(
            got,
            vec![(e, ids[0], &early), (l, ids[0], &late)],
            "{}",
            db.backend()
        );
        assert!(store.maintenance(ids[1] + 100).await.unwrap().is_empty());
        // The whole district's logs in one query: by asset, then by date; another district's
        // log is not in it.
        let other = store.create_district(district("y", &[])).await.unwrap();
        let o = store.create_assets(other, vec![asset("a")]).await.unwrap();
        store
            .add_maintenance(o[0], entry(day(2021, 1, 1), "repair", 10.0))
            .await
            .unwrap();
        let all = store.district_maintenance(did).await.unwrap();
        let by_asset: Vec<(i64, i64)> = all.iter().map(|m| (m.asset_id, m.id)).collect();
        let mut want = vec![(ids[0], e), (ids[0], l)];
        want.extend(
            all.iter()
                .filter(|m| m.asset_id == ids[1])
                .map(|m| (ids[1], m.id)),
        );
        assert_eq!(by_asset, want, "{}", db.backend());
        assert_eq!(all.len(), 3, "{}", db.backend());
        // An entry for an asset that does not exist is refused.
        assert!(store.add_maintenance(ids[1] + 100, early).await.is_err());
    }
}

/// Upload of a year of 15-minute points (35,040) on each back end, timed. Run with
/// `cargo test -p quartier-store --test store -- --ignored --nocapture upload_timing`.
#[tokio::test]
#[ignore = "a measurement: prints timings"]
async fn upload_timing() {
    for db in databases() {
        let store = open(&db).await;
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let pts = year(t0, 35_040);
        let start = std::time::Instant::now();
        let s = store.upsert_curve("p", pts.clone()).await.unwrap();
        let first = start.elapsed();
        let start = std::time::Instant::now();
        let again = store.upsert_curve("p", pts.clone()).await.unwrap();
        let second = start.elapsed();
        let start = std::time::Instant::now();
        let back = store
            .curve("p", t0, t0 + Duration::days(400))
            .await
            .unwrap();
        let read = start.elapsed();
        assert_eq!(
            (s.written, again.unchanged, back.len()),
            (35_040, 35_040, 35_040)
        );
        println!(
            "{}: upsert 35040 points {first:.2?}, re-upload {second:.2?}, read back {read:.2?}",
            db.backend()
        );
    }
}

/// A meter belongs to the district that registered it first; a second district gets it only
/// when the row says the programme team shared it, on every back end, through both ways in.
#[tokio::test]
async fn a_meter_belongs_to_one_district_unless_shared() {
    for db in databases() {
        let store = open(&db).await;
        let one = store
            .create_district(district("one", &["11"]))
            .await
            .unwrap();
        let two = store.create_district(district("two", &[])).await.unwrap();
        let row = |district_id, shared_at| ParticipantRow {
            district_id,
            prm: "11".into(),
            name: "n".into(),
            role: "consumer".into(),
            shared_at,
        };
        let r = store.add_participant(row(two, None)).await;
        assert!(
            matches!(&r, Err(StoreError::MeterTaken { prm }) if prm == "11"),
            "{r:?}"
        );
        let r = store.create_district(district("three", &["11"])).await;
        assert!(matches!(r, Err(StoreError::MeterTaken { .. })), "{r:?}");
        assert_eq!(
            store.districts().await.unwrap().len(),
            2,
            "nothing half-created"
        );
        assert_eq!(store.districts_of_prm("11").await.unwrap(), vec![one]);
        assert!(store.participants(two).await.unwrap().is_empty());

        let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        store.add_participant(row(two, Some(now))).await.unwrap();
        assert_eq!(store.districts_of_prm("11").await.unwrap(), vec![one, two]);
        let shared = store.participants(two).await.unwrap();
        assert_eq!(shared[0].shared_at, Some(now), "{}", db.backend());
        let mut shared_district = district("four", &["11"]);
        shared_district.shared_at = Some(now);
        let four = store.create_district(shared_district).await.unwrap();
        assert_eq!(
            store.districts_of_prm("11").await.unwrap(),
            vec![one, two, four]
        );
    }
}

/// A PRM put into a second district before meters had owners (migration 4) stays stored but
/// grants that district nothing.
#[tokio::test]
async fn an_unshared_second_registration_from_before_grants_nothing() {
    let db = quartier_store::testing::sqlite_test_db().unwrap();
    let store = open(&db).await;
    let one = store
        .create_district(district("one", &["11"]))
        .await
        .unwrap();
    let two = store.create_district(district("two", &[])).await.unwrap();
    let path = db.url().trim_start_matches("sqlite://").to_string();
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute(
        "INSERT INTO participants (district_id, prm, name, role) VALUES (?1, '11', 'x', 'consumer')",
        [two],
    )
    .unwrap();
    drop(c);
    assert_eq!(store.districts_of_prm("11").await.unwrap(), vec![one]);
    assert!(store.participants(two).await.unwrap().is_empty());
    assert_eq!(store.participants(one).await.unwrap().len(), 1);
}

/// Usernames are one user whatever their case.
#[tokio::test]
async fn usernames_ignore_case() {
    for db in databases() {
        let store = open(&db).await;
        let user = |name: &str| NewUser {
            username: name.into(),
            password_hash: "h".into(),
            role: Role::Programme,
            district_id: None,
            prm: None,
            created_at: Utc::now(),
            experiment: None,
        };
        store.create_user(user("ana")).await.unwrap();
        let r = store.create_user(user("Ana")).await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
        assert_eq!(
            store.user_by_name("ANA").await.unwrap().unwrap().username,
            "ana"
        );
    }
}

/// Admission counts: queued and running jobs per user and per district; an identical queued
/// job is found to merge into.
#[tokio::test]
async fn active_jobs_are_counted_and_identical_queued_jobs_found() {
    for db in databases() {
        let store = open(&db).await;
        let d = store.create_district(district("d", &[])).await.unwrap();
        let e = store.create_district(district("e", &[])).await.unwrap();
        let user = store
            .create_user(NewUser {
                username: "olivia".into(),
                password_hash: "h".into(),
                role: Role::Organiser,
                district_id: Some(d),
                prm: None,
                created_at: Utc::now(),
                experiment: None,
            })
            .await
            .unwrap();
        let job = |district, options: &str, user_id| NewJob {
            kind: "sizing".into(),
            district_id: Some(district),
            created_at: Utc::now(),
            user_id,
            options_json: options.into(),
        };
        let a = store
            .create_job(job(d, r#"{"target":"positive-energy"}"#, Some(user)))
            .await
            .unwrap();
        store.create_job(job(d, "{}", None)).await.unwrap();
        store.create_job(job(e, "{}", Some(user))).await.unwrap();
        let n = store.active_jobs(Some(user), d).await.unwrap();
        assert_eq!(
            n,
            ActiveJobs {
                user: 2,
                district: 2
            },
            "{}",
            db.backend()
        );
        assert_eq!(
            store
                .queued_job_like("sizing", d, r#"{"target":"positive-energy"}"#)
                .await
                .unwrap(),
            Some(a)
        );
        assert_eq!(
            store
                .queued_job_like("sizing", e, r#"{"x":1}"#)
                .await
                .unwrap(),
            None
        );
        assert!(store.cancel_job(a, Utc::now()).await.unwrap());
        let n = store.active_jobs(Some(user), d).await.unwrap();
        assert_eq!(
            n,
            ActiveJobs {
                user: 1,
                district: 1
            }
        );
        let j = store.job(a).await.unwrap().unwrap();
        assert_eq!(
            (j.user_id, j.options_json.as_str()),
            (Some(user), r#"{"target":"positive-energy"}"#)
        );
    }
}

#[tokio::test]
async fn setup_steps_are_recorded_once() {
    for db in databases() {
        let store = open(&db).await;
        assert!(!store.setup_done("demo").await.unwrap());
        store.mark_setup_done("demo", Utc::now()).await.unwrap();
        store.mark_setup_done("demo", Utc::now()).await.unwrap();
        assert!(store.setup_done("demo").await.unwrap(), "{}", db.backend());
    }
}

/// Erasing a participant removes their row, their login and sessions, and the meter's curve
/// once no district holds it; a second registration that granted nothing never takes the meter.
#[tokio::test]
async fn erasing_a_participant_leaves_nothing_of_them() {
    for db in databases() {
        let store = open(&db).await;
        let one = store
            .create_district(district("one", &["11", "12"]))
            .await
            .unwrap();
        let two = store.create_district(district("two", &[])).await.unwrap();
        let login = |prm: &str, district| NewUser {
            username: format!("p{prm}"),
            password_hash: "h".into(),
            role: Role::Participant,
            district_id: Some(district),
            prm: Some(prm.into()),
            created_at: Utc::now(),
            experiment: None,
        };
        let uid = store.create_user(login("11", one)).await.unwrap();
        store
            .create_session(NewSession {
                token: "t".into(),
                user_id: uid,
                csrf_token: "c".into(),
                created_at: Utc::now(),
                expires_at: Utc::now() + Duration::hours(1),
            })
            .await
            .unwrap();
        let t0 = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
        let points: Vec<CurvePoint> = (0..4)
            .map(|i| CurvePoint {
                instant: t0 + Duration::minutes(30 * i),
                kwh: 1.0,
            })
            .collect();
        store.upsert_curve("11", points.clone()).await.unwrap();
        store.upsert_curve("12", points).await.unwrap();
        // 12 is shared with district two: erasing it from one keeps its curve for two.
        store
            .add_participant(ParticipantRow {
                district_id: two,
                prm: "12".into(),
                name: "n".into(),
                role: "consumer".into(),
                shared_at: Some(Utc::now()),
            })
            .await
            .unwrap();

        let names: Vec<String> = store
            .district_users(one)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["p11"], "{}", db.backend());
        assert!(store.district_users(two).await.unwrap().is_empty());
        let e = store.erase_participant(one, "11").await.unwrap().unwrap();
        assert_eq!(
            e,
            Erased {
                participants: 1,
                users: 1,
                curve_points: 4,
                forgotten: vec!["p11".into(), "11".into()],
            },
            "{}",
            db.backend()
        );
        assert!(store.user_by_name("p11").await.unwrap().is_none());
        assert!(store.session("t", Utc::now()).await.unwrap().is_none());
        assert!(store.districts_of_prm("11").await.unwrap().is_empty());
        assert_eq!(store.curve_bounds("11").await.unwrap(), None);
        assert_eq!(store.erase_participant(one, "11").await.unwrap(), None);

        let e = store.erase_participant(one, "12").await.unwrap().unwrap();
        assert_eq!(e.curve_points, 0, "district two still holds 12");
        assert_eq!(store.districts_of_prm("12").await.unwrap(), vec![two]);

        let e = store.delete_district(two).await.unwrap().unwrap();
        assert_eq!((e.participants, e.curve_points), (1, 4));
        assert!(store.district(two).await.unwrap().is_none());
        assert_eq!(store.delete_district(two).await.unwrap(), None);
    }
}

#[tokio::test]
async fn the_audit_log_reads_newest_first_and_keeps_names() {
    for db in databases() {
        let store = open(&db).await;
        for (i, action) in ["POST /a", "PUT /b", "DELETE /c"].iter().enumerate() {
            store
                .record_audit(NewAudit {
                    at: Utc::now(),
                    user_id: 7,
                    username: "olivia".into(),
                    action: action.to_string(),
                    status: 200 + i as u16,
                })
                .await
                .unwrap();
        }
        let log = store.audit_log(2, None).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["DELETE /c", "PUT /b"], "{}", db.backend());
        let older = store.audit_log(10, Some(log[1].id)).await.unwrap();
        assert_eq!(older.len(), 1);
        assert_eq!(
            (older[0].username.as_str(), older[0].status),
            ("olivia", 200)
        );
    }
}

/// A database of version 3 may hold logins that differ only by case (`Admin`, `admin`):
/// migration 4 keeps the oldest as it is and renames the others, so the upgrade goes through
/// with every login kept.
#[tokio::test]
async fn upgrading_keeps_logins_that_differ_only_by_case() {
    let db = quartier_store::testing::sqlite_test_db().unwrap();
    let path = db.url().trim_start_matches("sqlite://").to_string();
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .unwrap();
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 <= 3) {
        c.execute_batch(sql).unwrap();
        c.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, 0)",
            rusqlite::params![version, name],
        )
        .unwrap();
    }
    for name in ["Admin", "admin", "ana", "ADMIN "] {
        c.execute(
            "INSERT INTO users (username, password_hash, role, created_at)
             VALUES (?1, 'h', 'programme', 0)",
            [name],
        )
        .unwrap();
    }
    drop(c);
    let store = open(&db).await;
    assert_eq!(
        store.applied_migrations().await.unwrap(),
        MIGRATIONS.iter().map(|m| m.0).collect::<Vec<_>>()
    );
    let mut names: Vec<String> = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    names.sort();
    // "ADMIN " differs by a space as well: it is another login and keeps its name.
    assert_eq!(names, ["ADMIN ", "Admin", "admin-renamed-2", "ana"]);
    assert_eq!(
        store.user_by_name("admin").await.unwrap().unwrap().username,
        "Admin"
    );
}

/// An erasure hides the meter and the login in every audit entry, as whole path segments.
#[test]
fn forgetting_replaces_whole_segments_only() {
    let words = vec!["api".to_string(), "ana@x.fr".to_string()];
    assert_eq!(
        forget_segments("DELETE /api/v1/users/api", &words),
        "DELETE /api/v1/users/(erased)"
    );
    assert_eq!(
        forget_segments("POST /districts/1/logins/ana%40x.fr/reset", &words),
        "POST /districts/1/logins/(erased)/reset"
    );
    assert_eq!(
        forget_segments("PUT /apis/v1/anna", &words),
        "PUT /apis/v1/anna"
    );
}

/// Entries past the retention go; the others stay.
#[tokio::test]
async fn audit_entries_past_the_retention_are_dropped() {
    for db in databases() {
        let store = open(&db).await;
        let now = Utc::now();
        for days in [400, 10] {
            store
                .record_audit(NewAudit {
                    at: now - Duration::days(days),
                    user_id: 1,
                    username: "admin".into(),
                    action: format!("POST /api/v1/districts/{days}"),
                    status: 201,
                })
                .await
                .unwrap();
        }
        let dropped = store.prune_audit(now - Duration::days(365)).await.unwrap();
        assert_eq!(dropped, 1, "{}", db.backend());
        let left = store.audit_log(10, None).await.unwrap();
        assert_eq!(left.len(), 1, "{}", db.backend());
        assert_eq!(left[0].action, "POST /api/v1/districts/10");
    }
}

fn invoice(number: &str, seq: i64, prm: &str, month: &str) -> NewInvoice {
    NewInvoice {
        row: InvoiceRow {
            number: number.into(),
            prefix: "MLF-".into(),
            sequence: seq,
            prm: prm.into(),
            month: month.into(),
            issue_date: "2025-02-03".into(),
            total_excl_vat_eur: "8.75".into(),
            total_incl_vat_eur: "8.75".into(),
            community_version: 1,
            official: false,
            issued_at: Utc::now(),
            issued_by: "pmo".into(),
        },
        document_fr: format!("{{\"fr\":\"{number}\"}}"),
        document_en: format!("{{\"en\":\"{number}\"}}"),
    }
}

#[tokio::test]
async fn community_versions_official_data_and_invoices_are_kept_per_district() {
    for db in databases() {
        let store = open(&db).await;
        let one = store
            .create_district(district("one", &["1"]))
            .await
            .unwrap();
        let two = store
            .create_district(district("two", &["2"]))
            .await
            .unwrap();
        assert_eq!(store.community_version(one, None).await.unwrap(), None);
        let at = Utc::now();
        assert_eq!(
            store
                .add_community_version(one, "v1", at, "")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .add_community_version(one, "v2", at, "pmo")
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .add_community_version(two, "other", at, "x")
                .await
                .unwrap(),
            1
        );
        let versions = store.community_versions(one).await.unwrap();
        assert_eq!(
            versions
                .iter()
                .map(|v| v.source_toml.as_str())
                .collect::<Vec<_>>(),
            ["v1", "v2"]
        );
        let latest = store.community_version(one, None).await.unwrap().unwrap();
        assert_eq!((latest.version, latest.attached_by.as_str()), (2, "pmo"));
        let first = store
            .community_version(one, Some(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.source_toml, "v1");

        let id = store
            .add_official_data(NewOfficialData {
                district_id: one,
                months: vec!["2025-01".into(), "2025-02".into()],
                file_name: "acc.zip".into(),
                content_base64: "UEsFBg==".into(),
                uploaded_at: at,
                uploaded_by: "pmo".into(),
            })
            .await
            .unwrap();
        let uploads = store.official_data(one).await.unwrap();
        assert_eq!(uploads.len(), 1);
        assert_eq!(uploads[0].months, ["2025-01", "2025-02"]);
        assert_eq!(
            store.official_content(one, id).await.unwrap().as_deref(),
            Some("UEsFBg==")
        );
        // Another district's id reads nothing.
        assert_eq!(store.official_content(two, id).await.unwrap(), None);

        store
            .add_invoices(
                one,
                vec![
                    invoice("MLF-000001", 1, "1", "2025-01"),
                    invoice("MLF-000002", 1, "3", "2025-01"),
                ],
            )
            .await
            .unwrap();
        // All or nothing: one number already issued refuses the whole batch.
        let err = store
            .add_invoices(
                one,
                vec![
                    invoice("MLF-000003", 3, "1", "2025-02"),
                    invoice("MLF-000001", 1, "4", "2025-02"),
                ],
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(store.invoices(one, None).await.unwrap().len(), 2);
        assert_eq!(store.invoices(one, Some("3")).await.unwrap().len(), 1);
        let (row, doc) = store
            .invoice_document(one, "MLF-000002", true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.prm.as_str(), doc.as_str()),
            ("3", "{\"en\":\"MLF-000002\"}")
        );
        assert_eq!(
            store
                .invoice_document(two, "MLF-000002", false)
                .await
                .unwrap(),
            None
        );
        // The same number in another district is another invoice.
        store
            .add_invoices(two, vec![invoice("MLF-000001", 1, "2", "2025-01")])
            .await
            .unwrap();

        store.delete_district(one).await.unwrap().unwrap();
        assert!(store.community_versions(one).await.unwrap().is_empty());
        assert!(store.official_data(one).await.unwrap().is_empty());
        assert!(store.invoices(one, None).await.unwrap().is_empty());
        assert_eq!(store.invoices(two, None).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_laureates_report_replaces_the_months_it_repeats() {
    for db in databases() {
        let store = open(&db).await;
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        let v = |indicator: &str, month: &str, value, by: &str| ReportValue {
            indicator: indicator.into(),
            month: month.into(),
            value,
            uploaded_by: by.into(),
            uploaded_at: at,
        };
        store
            .put_reports(
                "cargo",
                vec![
                    v("km", "2026-10", 2900.0, "lea"),
                    v("km", "2026-11", 2500.0, "lea"),
                ],
            )
            .await
            .unwrap();
        store
            .put_reports("cargo", vec![v("km", "2026-11", 2600.0, "admin")])
            .await
            .unwrap();
        store
            .put_reports("other", vec![v("km", "2026-11", 1.0, "x")])
            .await
            .unwrap();
        let got = store.reports("cargo").await.unwrap();
        assert_eq!(
            got,
            vec![
                v("km", "2026-10", 2900.0, "lea"),
                v("km", "2026-11", 2600.0, "admin")
            ],
            "{}",
            db.backend()
        );
        assert_eq!(store.all_reports().await.unwrap().len(), 3);
        let laureate = store
            .create_user(NewUser {
                username: "lea".into(),
                password_hash: "h".into(),
                role: Role::Laureate,
                district_id: None,
                prm: None,
                created_at: at,
                experiment: Some("cargo".into()),
            })
            .await
            .unwrap();
        let u = store.user_by_name("lea").await.unwrap().unwrap();
        assert_eq!(
            (u.id, u.role, u.experiment.as_deref()),
            (laureate, Role::Laureate, Some("cargo"))
        );
    }
}

#[tokio::test]
async fn a_call_its_applications_documents_reviews_and_decisions() {
    for db in databases() {
        let store = open(&db).await;
        let b = db.backend();
        let t = |d: u32| Utc.with_ymd_and_hms(2025, 1, d, 12, 0, 0).unwrap();
        let login = |name: &str| NewUser {
            username: name.into(),
            password_hash: "h".into(),
            role: Role::Programme,
            district_id: None,
            prm: None,
            experiment: None,
            created_at: t(1),
        };
        let (applicant, ana, bob) = (
            store.create_user(login("startup")).await.unwrap(),
            store.create_user(login("ana")).await.unwrap(),
            store.create_user(login("bob")).await.unwrap(),
        );
        let call = store
            .create_call(NewCall {
                title: "Appel 2025".into(),
                opens_at: t(1),
                closes_at: t(31),
                definition: "{\"title\":\"Appel 2025\"}".into(),
                created_at: t(1),
            })
            .await
            .unwrap();
        assert_eq!(store.calls().await.unwrap().len(), 1);
        assert_eq!(
            store.call(call).await.unwrap().unwrap().closes_at,
            t(31),
            "{b}"
        );
        let app = store
            .create_application(call, applicant, "{\"title\":\"draft\"}".into(), t(2))
            .await
            .unwrap();
        assert!(
            store
                .update_draft(app, "{\"title\":\"v2\"}".into(), t(3))
                .await
                .unwrap()
        );
        // A draft is not decided; once submitted it never changes.
        assert!(
            !store
                .decide_application(app, "selected", None, t(4))
                .await
                .unwrap()
        );
        assert!(store.submit_application(app, t(5)).await.unwrap());
        assert!(!store.submit_application(app, t(6)).await.unwrap());
        assert!(
            !store
                .update_draft(app, "{\"title\":\"late\"}".into(), t(7))
                .await
                .unwrap()
        );
        let row = store.application(app).await.unwrap().unwrap();
        assert_eq!(
            (row.form.as_str(), row.submitted_at),
            ("{\"title\":\"v2\"}", Some(t(5))),
            "{b}"
        );
        assert_eq!(store.applications_of(applicant).await.unwrap().len(), 1);
        assert_eq!(store.applications_of_call(call).await.unwrap()[0].id, app);
        // A document: its bytes read back only through its own application.
        let doc = store
            .add_document(app, "presentation.pdf".into(), "JVBERi0=".into(), 5, t(3))
            .await
            .unwrap();
        assert_eq!(
            store.documents(app).await.unwrap()[0].name,
            "presentation.pdf"
        );
        assert_eq!(
            store.document_content(app, doc).await.unwrap().as_deref(),
            Some("JVBERi0=")
        );
        assert_eq!(store.document_content(app + 1, doc).await.unwrap(), None);
        // Two reviewers: one scores, one declares a conflict; an unassigned one sends nothing.
        store.assign_reviewer(app, ana, t(8)).await.unwrap();
        store.assign_reviewer(app, bob, t(8)).await.unwrap();
        store.assign_reviewer(app, bob, t(9)).await.unwrap();
        assert!(
            store
                .put_review(app, ana, None, Some("{\"impact\":4}".into()), t(10))
                .await
                .unwrap()
        );
        assert!(
            store
                .put_review(app, bob, Some("my former employer".into()), None, t(10))
                .await
                .unwrap()
        );
        assert!(
            !store
                .put_review(app, applicant, None, Some("{}".into()), t(10))
                .await
                .unwrap()
        );
        let reviews = store.reviews_of_application(app).await.unwrap();
        assert_eq!(reviews.len(), 2, "{b}");
        assert_eq!(
            (reviews[0].reviewer.as_str(), reviews[0].scores.as_deref()),
            ("ana", Some("{\"impact\":4}"))
        );
        assert_eq!(
            (reviews[1].reviewer.as_str(), reviews[1].assigned_at),
            ("bob", t(8))
        );
        assert_eq!(
            store.reviews_of_reviewer(bob).await.unwrap()[0]
                .conflict
                .as_deref(),
            Some("my former employer")
        );
        // The decision, and the experiment a selected application became.
        assert!(
            store
                .decide_application(app, "selected", Some("meudon-cargo-bikes".into()), t(20))
                .await
                .unwrap()
        );
        let row = store.application(app).await.unwrap().unwrap();
        assert_eq!(
            (row.decision.as_deref(), row.experiment.as_deref()),
            (Some("selected"), Some("meudon-cargo-bikes"))
        );
        let bad = store.decide_application(app, "maybe", None, t(21)).await;
        assert!(bad.is_err(), "{b}: the decision is checked");
    }
}

#[tokio::test]
async fn evidence_is_kept_per_experiment_and_month() {
    for db in databases() {
        let store = open(&db).await;
        let b = db.backend();
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let ev = |experiment: &str, month: &str, name: &str| NewEvidence {
            experiment: experiment.into(),
            month: month.into(),
            name: name.into(),
            media_type: "application/pdf".into(),
            content_base64: "JVBERi0xLjQK".into(),
            size_bytes: 9,
            uploaded_by: "lea".into(),
            uploaded_at: at,
        };
        let late = store
            .add_evidence(ev("cargo", "2026-11", "releve.pdf"))
            .await
            .unwrap();
        let early = store
            .add_evidence(ev("cargo", "2026-10", "facture.pdf"))
            .await
            .unwrap();
        let other = store
            .add_evidence(ev("other", "2026-11", "x.pdf"))
            .await
            .unwrap();
        let got = store.evidence("cargo").await.unwrap();
        assert_eq!(
            got.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![early, late],
            "{b}"
        );
        assert_eq!(got[0].uploaded_at, at, "{b}");
        let (row, bytes) = store
            .evidence_content("cargo", late)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.name.as_str(), bytes.as_str()),
            ("releve.pdf", "JVBERi0xLjQK")
        );
        // Another experiment's evidence is not found through this one.
        assert!(
            store
                .evidence_content("cargo", other)
                .await
                .unwrap()
                .is_none(),
            "{b}"
        );
    }
}
