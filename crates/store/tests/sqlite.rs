//! The SQLite back end against a fresh temporary file: migrations, users and sessions,
//! all-or-nothing districts, idempotent curve uploads, the job lifecycle.

use chrono::{Duration, TimeZone, Utc};
use quartier_store::*;

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("q.db").display());
    let store = Store::open(&url).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn migrations_apply_once_and_reopen_keeps_data() {
    let (dir, store) = fresh().await;
    assert_eq!(store.applied_migrations().await.unwrap(), vec![1]);
    let d = NewDistrict {
        name: "x".into(),
        source_toml: "[site]".into(),
        created_at: Utc::now(),
        participants: vec![],
    };
    store.create_district(d).await.unwrap();
    drop(store);
    let url = format!("sqlite://{}", dir.path().join("q.db").display());
    let again = Store::open(&url).await.unwrap();
    assert_eq!(again.applied_migrations().await.unwrap(), vec![1]);
    assert_eq!(again.districts().await.unwrap().len(), 1);
}

#[tokio::test]
async fn postgres_is_refused_for_now() {
    assert!(matches!(
        Store::open("postgres://localhost/q").await,
        Err(StoreError::Unsupported(_))
    ));
}

#[tokio::test]
async fn users_sessions_expire() {
    let (_d, store) = fresh().await;
    let now = Utc::now();
    let id = store
        .create_user(NewUser {
            username: "ana".into(),
            password_hash: "h".into(),
            role: Role::Participant,
            district_id: None,
            prm: Some("1".into()),
            created_at: now,
        })
        .await
        .unwrap();
    let dup = store
        .create_user(NewUser {
            username: "ana".into(),
            password_hash: "h".into(),
            role: Role::Programme,
            district_id: None,
            prm: None,
            created_at: now,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))));
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
    assert!(
        store
            .session("t", now + Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .purge_sessions(now + Duration::hours(2))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn district_with_duplicate_participants_is_not_created() {
    let (_d, store) = fresh().await;
    let p = ("1".to_string(), "a".to_string(), "consumer".to_string());
    let r = store
        .create_district(NewDistrict {
            name: "x".into(),
            source_toml: String::new(),
            created_at: Utc::now(),
            participants: vec![p.clone(), p],
        })
        .await;
    assert!(matches!(r, Err(StoreError::Conflict(_))));
    assert!(store.districts().await.unwrap().is_empty());
}

#[tokio::test]
async fn curve_upload_is_idempotent_and_range_read() {
    let (_d, store) = fresh().await;
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
}

#[tokio::test]
async fn job_lifecycle_and_cancel_wins() {
    let (_d, store) = fresh().await;
    let did = store
        .create_district(NewDistrict {
            name: "x".into(),
            source_toml: String::new(),
            created_at: Utc::now(),
            participants: vec![],
        })
        .await
        .unwrap();
    let new = || NewJob {
        kind: "simulation".into(),
        district_id: Some(did),
        created_at: Utc::now(),
    };
    let a = store.create_job(new()).await.unwrap();
    assert!(store.set_job_progress(a, 40).await.unwrap());
    let run = NewRun {
        district_id: did,
        kpis_json: "{}".into(),
        timeseries_csv: "time_utc\n".into(),
    };
    let ok = JobOutcome::Succeeded {
        result_json: "{}".into(),
        run: Some(run.clone()),
        finished_at: Utc::now(),
    };
    assert!(store.finish_job(a, ok.clone()).await.unwrap());
    let j = store.job(a).await.unwrap().unwrap();
    assert_eq!((j.status, j.progress), (JobStatus::Succeeded, 100));
    let run_id = j.run_id.unwrap();
    assert_eq!(store.latest_run(did).await.unwrap().unwrap().id, run_id);

    let b = store.create_job(new()).await.unwrap();
    assert!(store.cancel_job(b, Utc::now()).await.unwrap());
    assert!(!store.set_job_progress(b, 50).await.unwrap());
    assert!(!store.finish_job(b, ok).await.unwrap());
    let j = store.job(b).await.unwrap().unwrap();
    assert_eq!((j.status, j.run_id), (JobStatus::Cancelled, None));

    let c = store.create_job(new()).await.unwrap();
    assert_eq!(store.fail_interrupted_jobs(Utc::now()).await.unwrap(), 1);
    assert_eq!(
        store.job(c).await.unwrap().unwrap().status,
        JobStatus::Failed
    );
}
