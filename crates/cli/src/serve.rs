//! `quartier serve [--db URL] [--addr HOST:PORT] [--config FILE] [--data-dir DIR]`: starts the
//! web dashboard and API. On first start the database is created, the demo districts are
//! loaded (their data files written to the data folder) and the programme user `admin` is
//! created; its password is printed once, unless `QUARTIER_ADMIN_PASSWORD` gives it. Meudon's
//! energy community is attached too: Meudon is simulated once (stored as its first run) to
//! derive its members' curves (as `quartier demo` does): the participants' meter curves go to
//! the store and the community reads them (`stored = true`), the producers' curves go to the
//! district's community folder; the community file is attached and allocated once, so a fresh server shows the
//! community and its bills. Each demo district gets its asset registry (Meudon's completed by
//! `examples/meudon-assets.toml`); the other demo districts get a first simulation job, so
//! the dashboard opens on KPIs. Each of these steps runs only when its result is missing, and
//! the whole is recorded as done at the end: a first start interrupted anywhere resumes where it
//! stopped at the next start, and a finished one never runs again.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use crate::Outcome;
use crate::demo;
use crate::run::Ui;

/// Arguments of `quartier serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Database URL [default: sqlite://quartier.db, in the current folder].
    #[arg(long)]
    pub db: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    pub addr: Option<SocketAddr>,
    /// Configuration file (TOML); `QUARTIER_…` variables override it, flags override both.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Folder of the data files district files reference [default: quartier-data].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// Runs the server until Ctrl-C.
pub fn run(args: &ServeArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let mut config = quartier_web::Config::load(args.config.as_deref())?;
    if let Some(db) = &args.db {
        config.database_url = db.clone();
    }
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    if let Some(dir) = &args.data_dir {
        config.data_dir = dir.clone();
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let data_dir = config.data_dir.clone();
        let app = quartier_web::Application::build(config).await?;
        if let Some(password) = app.ensure_admin().await? {
            println!("first start: user `admin` (programme) created with password: {password}");
            println!("(printed once; set QUARTIER_ADMIN_PASSWORD to choose it)");
        }
        demo::write_inputs(&data_dir)?;
        load_demo(&app, &data_dir, ui).await?;
        ui.say(&format!("Quartier is serving on http://{}/", app.address()));
        app.run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")?;
        anyhow::Ok(())
    })?;
    Ok(Outcome::Success)
}

/// The setup step of the demo (districts, assets, community, first runs).
const DEMO_STEP: &str = "demo";

/// Loads the demo districts at first start, each step only when not done yet, so that a first
/// start interrupted anywhere (a kill, a power cut) resumes where it stopped at the next start;
/// once every step is done the setup is recorded and never runs again (a demo district deleted
/// later stays deleted).
async fn load_demo(
    app: &quartier_web::Application,
    data_dir: &Path,
    ui: &Ui,
) -> anyhow::Result<()> {
    let state = app.state();
    let store = &state.store;
    if store.setup_done(DEMO_STEP).await? {
        return Ok(());
    }
    let existing = store.districts().await?;
    if !existing.is_empty() {
        ui.say("the first start was interrupted: loading what the demo still lacks");
    }
    for (slug, text) in demo::district_files() {
        let name = quartier_model::parse_district(&text, &data_dir.join(format!("{slug}.toml")))
            .map(|(d, _)| d.site.name)
            .map_err(|e| anyhow::anyhow!("the embedded demo district {slug} is invalid: {e}"))?;
        let id = match existing.iter().find(|d| d.name == name) {
            Some(d) => d.id,
            None => {
                let upload = quartier_web::DistrictUpload::default();
                let created = quartier_web::create_district(store, data_dir, text, upload)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo district {slug}: {e}"))?;
                ui.say(&format!(
                    "loaded demo district {} (id {})",
                    created.name, created.id
                ));
                created.id
            }
        };
        if store.assets(id).await?.is_empty() {
            // Meudon's registry adds what the model does not know (real commissioning
            // dates, conditions, maintenance); HydroSeine's assets come from its model.
            let registry = (slug == demo::COMMUNITY_DISTRICT)
                .then_some(include_str!("../../../examples/meudon-assets.toml"));
            let n = quartier_web::seed_assets(store, data_dir, id, registry)
                .await
                .map_err(|e| anyhow::anyhow!("demo assets of {slug}: {e}"))?;
            ui.say(&format!("registered {n} assets of {name}"));
        }
        // The dashboard opens on KPIs: each demo district is simulated once. Meudon's
        // simulation is the one its community's curves come from (stored as its first
        // run); the others run as background jobs (their pages show the progress).
        if slug == demo::COMMUNITY_DISTRICT {
            if store.latest_run(id, "allocation").await?.is_none() {
                demo_community(state, data_dir, id, ui).await?;
            }
        } else if store.latest_run(id, "simulation").await?.is_none()
            && store.active_jobs(None, id).await?.district == 0
        {
            let job = quartier_web::simulate_district(state, id)
                .await
                .map_err(|e| anyhow::anyhow!("simulating demo district {slug}: {e}"))?;
            ui.say(&format!("simulating {name} (job {job})"));
        }
    }
    if let Some(call) = quartier_web::seed_demo_call(state)
        .await
        .map_err(|e| anyhow::anyhow!("the demo's call for applications: {e}"))?
    {
        ui.say(&format!(
            "loaded the demo's call for applications (id {call}): three applications, two reviewers, the selection"
        ));
    }
    store.mark_setup_done(DEMO_STEP, chrono::Utc::now()).await?;
    Ok(())
}

/// Derives the members' curves of the demo community from a simulation of its district
/// (already written to `data_dir`), attaches the community file to district `id` and
/// allocates it once.
async fn demo_community(
    state: &quartier_web::AppState,
    data_dir: &Path,
    id: i64,
    ui: &Ui,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = data_dir.join(format!("{}.toml", demo::COMMUNITY_DISTRICT));
    // Blocking work (a year at 30 min), before the server accepts requests.
    let Some(loaded) = crate::run::load_district(&file, ui)? else {
        anyhow::bail!("the embedded demo district {} is invalid", file.display());
    };
    let sim = crate::run::simulate(&loaded, ui, demo::COMMUNITY_DISTRICT)?;
    // A first start stopped after this point recorded it already: keep one first run.
    if state.store.latest_run(id, "simulation").await?.is_none() {
        let run_job = quartier_web::record_simulation(state, id, &sim.flows, &sim.kpis)
            .await
            .map_err(|e| anyhow::anyhow!("recording the demo simulation: {e}"))?;
        ui.say(&format!(
            "simulated {} (job {run_job})",
            loaded.district.site.name
        ));
    }
    // Every member's curve goes to the district's community folder (the producers' injection
    // curves are read from there); the participants' meters are also stored, as the PMO would
    // upload the grid operator's curves, and the community reads those (`stored = true`):
    // each participant then sees their own load curve on their page.
    let folder = quartier_web::community_folder(data_dir, id);
    let curves = demo::write_community_curves(&folder, &loaded, &sim)?;
    let participants = state.store.participants(id).await?;
    let mut text = demo::community_file().context("the demo community file is not embedded")?;
    for (member, kwh) in &curves.curves {
        if participants.iter().any(|p| &p.prm == member) {
            text = text.replace(
                &format!("curve = {{ file = \"community-curves/{member}.csv\" }}"),
                "curve = { stored = true }",
            );
            let points = curves
                .times
                .iter()
                .zip(kwh)
                .map(|(&instant, &kwh)| quartier_store::CurvePoint { instant, kwh })
                .collect();
            state.store.upsert_curve(member, points).await?;
        }
    }
    let attached = quartier_web::attach_community(state, id, text, "")
        .await
        .map_err(|e| anyhow::anyhow!("demo community: {e}"))?;
    let job = quartier_web::allocate_community(state, id)
        .await
        .map_err(|e| anyhow::anyhow!("demo community allocation: {e}"))?;
    ui.say(&format!(
        "attached the demo community {} ({} members) and allocated it (job {job}) in {:.1} s",
        attached.name,
        attached.members,
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
