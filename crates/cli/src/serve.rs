//! `quartier serve [--db URL] [--addr HOST:PORT] [--config FILE] [--data-dir DIR]`: starts the
//! web dashboard and API. On first start the database is created, the demo districts are
//! loaded (their data files written to the data folder) and the programme user `admin` is
//! created; its password is printed once, unless `QUARTIER_ADMIN_PASSWORD` gives it.

use std::net::SocketAddr;
use std::path::PathBuf;

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
        let store = app.state().store.clone();
        demo::write_inputs(&data_dir)?;
        if store.districts().await?.is_empty() {
            for (slug, text) in demo::district_files() {
                let created = quartier_web::create_district(&store, &data_dir, text)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo district {slug}: {e}"))?;
                ui.say(&format!(
                    "loaded demo district {} (id {})",
                    created.name, created.id
                ));
            }
        }
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
