//! `quartier demo [--out DIR]`: writes the embedded demo districts (Meudon-la-Forêt's energy
//! community and the HydroSeine hydrogen district) and their data files to `DIR/inputs/`,
//! simulates each for a year, writes its results to `DIR/<district>/` and prints the KPIs side
//! by side. Meudon's energy community is then run as a collective self-consumption operation:
//! each member's meter curve is derived from the simulation into `DIR/inputs/community-curves/`,
//! and `DIR/inputs/meudon-community.toml` is allocated, settled and billed into
//! `DIR/meudon-la-foret/community/`; its June is reconciled with a stand-in for the grid
//! operator's data (written from the allocation, one meter corrected on purpose) into
//! `DIR/meudon-la-foret/community-reconciliation/`. Last, the demo experiments (`DIR/inputs/experiments/`) are
//! evaluated into `DIR/experiments/<experiment>/` and laid on the programme's 24-month table in
//! `DIR/experiments/programme/`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::Outcome;
use crate::run::{Loaded, Simulated, Ui, load_district, simulate, write_results};

/// Arguments of `quartier demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Output directory.
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
}

/// A file embedded in the binary: its path relative to `examples/` and its bytes.
struct Embedded {
    path: &'static str,
    bytes: &'static [u8],
}

macro_rules! embed {
    ($p:literal) => {
        Embedded {
            path: $p,
            bytes: include_bytes!(concat!("../../../examples/", $p)),
        }
    };
}

const FILES: &[Embedded] = &[
    embed!("meudon-la-foret.toml"),
    embed!("meudon-community.toml"),
    embed!("hydroseine.toml"),
    embed!("data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv"),
    embed!("data/LICENSE.pvlib.BSD3.txt"),
    embed!("data/meudon_ev_sessions_2025.csv"),
    embed!("data/hydroseine_ev_sessions_2025.csv"),
    embed!("data/README.md"),
    embed!("experiments/issy-hydroseine.toml"),
    embed!("experiments/meudon-asset-platform.toml"),
    embed!("experiments/meudon-cargo-bikes.toml"),
    embed!("experiments/meudon-energy-community.toml"),
    embed!("experiments/meudon-ev-charging.toml"),
    embed!("experiments/meudon-hybrid-vehicle.toml"),
    embed!("experiments/meudon-pv-self-consumption.toml"),
    embed!("experiments/meudon-renovation-mairie-annexe.toml"),
    embed!("experiments/data/meudon_mairie_annexe_2025-2027_hourly.csv"),
    embed!("experiments/data/meudon_temperature_tmy_2025-2027_hourly.csv"),
    embed!("experiments/data/programme/meudon-asset-platform_assets.csv"),
    embed!("experiments/data/programme/meudon-asset-platform_interventions.csv"),
    embed!("experiments/data/programme/meudon-cargo-bikes_km.csv"),
    embed!("experiments/data/programme/meudon-cargo-bikes_trips.csv"),
    embed!("experiments/data/programme/meudon-energy-community_members.csv"),
    embed!("experiments/data/programme/meudon-ev-charging_sessions.csv"),
    embed!("experiments/data/programme/meudon-hybrid-vehicle_km.csv"),
    embed!("experiments/data/programme/meudon-hybrid-vehicle_wh-per-km.csv"),
    embed!("experiments/data/programme/meudon-pv-self-consumption_kwp.csv"),
    embed!("experiments/data/README.md"),
];

/// The demo districts: output folder name and district file.
const DISTRICTS: &[(&str, &str)] = &[
    ("meudon-la-foret", "meudon-la-foret.toml"),
    ("hydroseine", "hydroseine.toml"),
];

/// Writes the embedded inputs (district files and their data) under `dir`.
pub(crate) fn write_inputs(dir: &Path) -> anyhow::Result<()> {
    for f in FILES {
        let p = dir.join(f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&p, f.bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

/// The demo district files: (folder name, TOML text), for `quartier serve`.
pub(crate) fn district_files() -> Vec<(&'static str, String)> {
    DISTRICTS
        .iter()
        .filter_map(|(slug, file)| {
            let f = FILES.iter().find(|f| f.path == *file)?;
            Some((*slug, String::from_utf8_lossy(f.bytes).into_owned()))
        })
        .collect()
}

/// Runs the demo.
pub fn run(args: &DemoArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let inputs = args.out.join("inputs");
    write_inputs(&inputs)?;
    let mut results = Vec::new();
    for (slug, file) in DISTRICTS {
        let path = inputs.join(file);
        let Some(loaded) = load_district(&path, ui)? else {
            anyhow::bail!("the embedded demo district {} is invalid", path.display());
        };
        let sim = simulate(&loaded, ui, slug)?;
        write_results(&args.out.join(slug), &loaded, &sim, &[])?;
        if *slug == COMMUNITY_DISTRICT {
            community(
                &inputs,
                &args.out.join(slug).join("community"),
                &loaded,
                &sim,
                ui,
            )?;
        }
        results.push((slug, sim.kpis));
    }
    let runs: Vec<(&str, &quartier_sim::Kpis)> = results.iter().map(|(s, k)| (**s, k)).collect();
    ui.say(&quartier_report::kpi_table(&runs));
    experiments(
        &inputs.join("experiments"),
        &args.out.join("experiments"),
        ui,
    )?;
    ui.say(&format!(
        "inputs in {}, results (timeseries.csv, kpis.json) in {}/<district>/",
        inputs.display(),
        args.out.display()
    ));
    Ok(Outcome::Success)
}

/// Evaluates the demo programme's experiments (Meudon's seven and HydroSeine: the mairie
/// annexe's renovation on data generated from the district's model, indicators computed from
/// the districts' simulations, the laureates' illustrative ones) into `out/<experiment>/`, and
/// builds their 24-month programme table and today's portfolio into `out/programme/` and the
/// open data of the published ones into `out/open-data/`.
fn experiments(dir: &Path, out: &Path, ui: &Ui) -> anyhow::Result<()> {
    let Some(built) = crate::programme::build(dir, None, 24, ui)? else {
        anyhow::bail!(
            "the embedded demo experiments in {} are invalid",
            dir.display()
        );
    };
    for (file, ev) in &built.evaluated {
        let slug = file
            .file_stem()
            .map_or("experiment".into(), |s| s.to_string_lossy().into_owned());
        crate::evaluate::write(&out.join(&slug), ev)?;
        ui.say(&crate::evaluate::summary(ev));
    }
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    crate::programme::finish(
        &built,
        &out.join("programme"),
        Some(&out.join("open-data")),
        today,
        ui,
    )?;
    ui.say(&format!(
        "experiments: report.html, kpis.json, savings.csv in {0}/<experiment>/, programme table and portfolio in {0}/programme/, open data in {0}/open-data/",
        out.display()
    ));
    Ok(())
}

/// The demo district whose members form an energy community: its folder name, and the
/// community file (relative to the inputs folder, its curves in `community-curves/`).
pub(crate) const COMMUNITY_DISTRICT: &str = "meudon-la-foret";
/// The community file of [`COMMUNITY_DISTRICT`], relative to the inputs folder.
pub(crate) const COMMUNITY_FILE: &str = "meudon-community.toml";

/// The embedded community file's text.
pub(crate) fn community_file() -> Option<String> {
    let f = FILES.iter().find(|f| f.path == COMMUNITY_FILE)?;
    Some(String::from_utf8_lossy(f.bytes).into_owned())
}

/// The member whose meter the demo's stand-in for the operator's data corrects (Foyer 02).
const CORRECTED_METER: &str = "30000000000016";

/// The grid operator's data of June 2025 for Meudon's community, written from the allocation
/// in the layout of the operator's monthly export into `inputs/operator-2025-06/` (the demo's
/// stand-in: the real files come from the operator), with one correction seeded on purpose
/// (Foyer 02's meter, 400 W more from 12:00 to 14:00 on 12 June: consumption and complement),
/// then reconciled with the allocation into `out`'s sibling `community-reconciliation/`: the
/// correction is the only difference listed, explained as a meter curve that differs.
fn reconcile_june(
    inputs: &Path,
    out: &Path,
    community: &quartier_model::LoadedCommunity,
    s: &quartier_report::community::Scenario,
    ui: &Ui,
) -> anyhow::Result<()> {
    let june = quartier_billing::Month {
        year: 2025,
        month: 6,
    };
    // Hour 0 is 1 June 00:00 in Paris: 12 June 12:00 is hour 11 × 24 + 12.
    let seeded = |prm: &str, tag: &str, hour: usize| {
        let corrected = prm == CORRECTED_METER && (tag == "Conso" || tag == "Complement");
        if corrected && (11 * 24 + 12..11 * 24 + 14).contains(&hour) {
            400.0
        } else {
            0.0
        }
    };
    let files = quartier_report::operator::official_export(&s.allocation, june, &seeded);
    let folder = inputs.join("operator-2025-06");
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_bytes()))
        .collect();
    crate::run::write_files(&folder, &named)?;
    let official = quartier_timeseries::read_acc_official(&folder)
        .map_err(|e| anyhow::anyhow!("the demo's operator data do not read back: {e}"))?;
    let r = quartier_billing::reconcile(&community.community, &s.allocation, &official);
    let dir =
        crate::share::write_reconciliation(&out.with_file_name("community-reconciliation"), &r)?;
    let listed: Vec<_> = r.differences().collect();
    let mut members: Vec<&str> = listed.iter().map(|d| d.prm.as_str()).collect();
    members.dedup();
    ui.say(&format!(
        "Meudon community, June 2025 against the operator's data ({}: written from the allocation, \
         Foyer 02's meter corrected on purpose): {} rows compared, {} listed ({}: {}); in {}",
        folder.display(),
        r.rows.len(),
        listed.len(),
        members.join(", "),
        listed
            .first()
            .and_then(|d| d.cause)
            .map_or("no cause", |c| c.text()),
        dir.display()
    ));
    Ok(())
}

/// Writes one meter curve per member of Meudon's community (kWh per step, CSV) derived from
/// the simulation (see [`quartier_report::community::member_curves`]) into
/// `inputs/community-curves/`, where the community file looks for them.
pub(crate) fn write_community_curves(
    inputs: &Path,
    loaded: &Loaded,
    sim: &Simulated,
) -> anyhow::Result<quartier_report::community::MemberCurves> {
    let inp = quartier_sim::assemble(&loaded.district, &loaded.data)
        .context("meudon: assembling inputs")?;
    let curves = quartier_report::community::member_curves(&inp, &sim.flows);
    quartier_report::community::write_member_curves(&inputs.join("community-curves"), &curves)?;
    Ok(curves)
}

/// Writes Meudon's member curves from the simulation, then allocates, settles and bills the
/// community file into `out`, with its own key and with the optimised key.
fn community(
    inputs: &Path,
    out: &Path,
    loaded: &Loaded,
    sim: &Simulated,
    ui: &Ui,
) -> anyhow::Result<()> {
    write_community_curves(inputs, loaded, sim)?;
    let file = inputs.join(COMMUNITY_FILE);
    let community = match quartier_model::read_community(&file) {
        Ok(c) => c,
        Err(d) => anyhow::bail!("the embedded demo community is invalid:\n{d}"),
    };
    let s = crate::share::scenario(&community, &community.key)?;
    crate::share::write(
        out,
        &community,
        &s,
        quartier_report::StatementChoice::All,
        ui,
    )?;
    ui.say(&crate::share::summary("Meudon community, default key", &s));
    reconcile_june(inputs, out, &community, &s, ui)?;
    let opt = crate::share::key_of(&community, "optimised")?;
    let s_opt = crate::share::scenario(&community, &opt)?;
    ui.say(&crate::share::summary(
        "Meudon community, optimised key",
        &s_opt,
    ));
    let bills0 = quartier_report::community::totals(&s).consumer_bills_eur;
    let bills1 = quartier_report::community::totals(&s_opt).consumer_bills_eur;
    ui.say(&format!(
        "optimised key: consumers' bills {:.2} EUR lower than with the default key; statements in {}",
        bills0 - bills1,
        out.join("statements").display()
    ));
    Ok(())
}
