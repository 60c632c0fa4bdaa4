//! The Quartier server: a JSON API under `/api/v1` (described by the OpenAPI document at
//! `/api/v1/openapi.json`) and a server-rendered dashboard, over a [`quartier_store::Store`].
//!
//! [`Application::build`] opens the database, binds its own listener (port 0 in tests) and
//! returns; [`Application::run_until_stopped`] serves. Roles (programme, organiser,
//! participant) decide what each request may see; anything not visible answers 404.
//! Simulations, optimisations, sizings and community allocations run as jobs on the blocking
//! pool, one at a time, with progress stored in the database.
//!
//! **Architecture invariant:** this crate knows nothing of argv; the domain crates know
//! nothing of HTTP or JSON: wire types (serde) live here and convert at the edge.
#![deny(missing_docs)]

mod api;
mod assets;
pub mod auth;
mod calls;
mod calls_pages;
mod community;
mod community_cycle;
pub mod config;
mod districts;
pub mod error;
mod experiments;
mod follow_up;
mod hardening;
mod html;
mod i18n;
mod input;
mod job_options;
mod jobs;
mod openapi;
mod optimise;
mod page_support;
mod pages;
mod people;
mod people_pages;
mod portfolio;
mod reports;
mod sizing;
mod upload_page;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use quartier_store::{NewUser, Role, Store};
use tokio::net::TcpListener;

pub use assets::seed_assets;
pub use calls::seed_demo_call;
pub use community::{AttachedCommunity, allocate_community, attach_community, community_folder};
pub use config::{Config, ConfigError, Secret};
pub use districts::{CreatedDistrict, DistrictUpload, create_district};
pub use error::{ApiError, InputProblem};
pub use i18n::labels as ui_labels;
pub use jobs::{record_simulation, simulate_district};
pub use openapi::{API_ROUTES, OPENAPI_JSON};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The configuration.
    pub config: Arc<Config>,
    /// Failed-login delays.
    pub throttle: Arc<auth::LoginThrottle>,
    /// Sign-up delays per client address (`Config::signups_per_hour`).
    pub signups: Arc<auth::LoginThrottle>,
    /// One simulation at a time (the machine is small).
    pub job_slots: Arc<tokio::sync::Semaphore>,
    /// Job admissions one at a time (the queue's bounds are counted, then a job created).
    pub admission: Arc<tokio::sync::Mutex<()>>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] quartier_store::StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The data folder could not be created.
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Setting up the first user failed.
    #[error("{0}")]
    Setup(String),
}

/// A server bound to its address, ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    addr: SocketAddr,
}

impl Application {
    /// Opens and migrates the database, marks jobs a previous process left running as failed
    /// (each can be retried), starts again the jobs it left queued, drops the audit entries
    /// older than the retention, creates the data folder and binds the listener.
    pub async fn build(config: Config) -> Result<Application, StartError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let store = Store::open(&config.database_url).await?;
        store.fail_interrupted_jobs(chrono::Utc::now()).await?;
        store.prune_audit(audit_horizon(&config)).await?;
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
        let state = AppState {
            store,
            throttle: Arc::new(auth::LoginThrottle::new(
                config.login_attempts,
                Duration::from_secs(config.login_window_seconds),
                Duration::from_secs(config.login_max_delay_seconds),
            )),
            signups: Arc::new(auth::LoginThrottle::new(
                config.signups_per_hour,
                Duration::from_secs(3600),
                Duration::from_secs(3600),
            )),
            config: Arc::new(config),
            job_slots: Arc::new(tokio::sync::Semaphore::new(1)),
            admission: Arc::new(tokio::sync::Mutex::new(())),
        };
        community::import_community_files(&state)
            .await
            .map_err(|e| StartError::Setup(e.to_string()))?;
        resume_queued_jobs(&state).await?;
        Ok(Application {
            listener,
            state,
            addr,
        })
    }

    /// The bound address (with the real port when 0 was asked).
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (store and configuration), for setting up a fresh server.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// When the database has no user, creates the programme user `admin` with the
    /// configured password or a random one; returns the password when it was generated
    /// (to print once), `None` otherwise.
    pub async fn ensure_admin(&self) -> Result<Option<String>, StartError> {
        let store = &self.state.store;
        if store.user_count().await? > 0 {
            return Ok(None);
        }
        let (password, generated) = match &self.state.config.admin_password {
            Some(p) => {
                input::password(p.expose(), "admin").map_err(|problem| {
                    StartError::Setup(format!(
                        "the administrator's password (QUARTIER_ADMIN_PASSWORD or admin_password \
                         in the configuration file) is refused: {} (expected {})",
                        problem.message,
                        problem.expected.unwrap_or_default()
                    ))
                })?;
                (p.expose().to_string(), false)
            }
            None => (
                auth::random_token()
                    .map_err(|e| StartError::Setup(e.to_string()))?
                    .chars()
                    .take(20)
                    .collect(),
                true,
            ),
        };
        let hash = auth::hash_password(&password).map_err(|e| StartError::Setup(e.to_string()))?;
        store
            .create_user(NewUser {
                username: "admin".into(),
                password_hash: hash,
                role: Role::Programme,
                district_id: None,
                prm: None,
                experiment: None,
                created_at: chrono::Utc::now(),
            })
            .await?;
        Ok(generated.then_some(password))
    }

    /// Serves until the process stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let pruning = tokio::spawn(prune_audit_hourly(self.state.clone()));
        let app = router(self.state);
        let served = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        pruning.abort();
        served
    }
}

/// The oldest instant an audit entry may have under the configured retention.
fn audit_horizon(config: &Config) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(i64::from(config.audit_retention_days))
}

/// Drops the audit entries past the retention every hour while the server runs.
async fn prune_audit_hourly(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    every.tick().await; // The first tick is immediate: `build` has just pruned.
    loop {
        every.tick().await;
        if let Err(e) = state.store.prune_audit(audit_horizon(&state.config)).await {
            eprintln!("audit log: cannot drop the entries past the retention: {e}");
        }
    }
}

/// Starts the work of stored job `job` (queued) from its kind, district and options: a job
/// queued before a restart, or a retry. `Err` says why it cannot start.
pub(crate) fn start_stored_job(
    state: &AppState,
    job: &quartier_store::JobRow,
    district: quartier_store::DistrictRow,
) -> Result<(), String> {
    match job.kind.as_str() {
        jobs::SIMULATION => jobs::start_simulation(state, job.id, district),
        optimise::OPTIMISATION => {
            optimise::start_stored(state, job.id, district, &job.options_json)?;
        }
        sizing::SIZING => sizing::start_stored(state, job.id, district, &job.options_json)?,
        community::KIND => community::start_stored(state, job.id, district.id),
        other => return Err(format!("a job of unknown kind '{other}'")),
    }
    Ok(())
}

/// The kind of a stored job that can be started again (`None` for an unknown kind).
pub(crate) fn restartable_kind(kind: &str) -> Option<&'static str> {
    [
        jobs::SIMULATION,
        optimise::OPTIMISATION,
        sizing::SIZING,
        community::KIND,
    ]
    .into_iter()
    .find(|k| *k == kind)
}

/// Starts the work of stored job `job` on `district` (`None`: it no longer exists), or records
/// the job as failed with `prefix` and the reason it cannot start.
pub(crate) async fn start_or_fail(
    state: &AppState,
    job: &quartier_store::JobRow,
    district: Option<quartier_store::DistrictRow>,
    prefix: &str,
) -> Result<(), quartier_store::StoreError> {
    let started = match district {
        Some(d) => start_stored_job(state, job, d),
        None => Err("its district no longer exists".into()),
    };
    if let Err(why) = started {
        let outcome = quartier_store::JobOutcome::Failed {
            error: format!("{prefix}: {why}"),
            finished_at: chrono::Utc::now(),
        };
        state.store.finish_job(job.id, outcome).await?;
    }
    Ok(())
}

/// Starts again, oldest first, the jobs a previous process left queued; one that cannot start
/// (its district is gone, its options no longer read) is failed with the reason.
async fn resume_queued_jobs(state: &AppState) -> Result<(), StartError> {
    for job in state.store.queued_jobs().await? {
        let district = match job.district_id {
            Some(d) => state.store.district(d).await?,
            None => None,
        };
        start_or_fail(
            state,
            &job,
            district,
            "not restarted after the server stopped",
        )
        .await?;
    }
    Ok(())
}

async fn no_route() -> impl IntoResponse {
    (
        [("x-quartier-route", "none")],
        error::problem_response(StatusCode::NOT_FOUND, "not found", None),
    )
}

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let max = state.config.max_body_bytes;
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(community::routes())
        .merge(community_cycle::routes())
        .merge(assets::routes())
        .merge(experiments::routes())
        .merge(reports::routes())
        .merge(follow_up::routes())
        .merge(calls::routes())
        .merge(calls_pages::routes())
        .merge(upload_page::routes())
        .merge(optimise::routes())
        .merge(sizing::routes())
        .merge(people::routes())
        .merge(people_pages::routes())
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(max))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            hardening::harden,
        ))
        .with_state(state)
}
