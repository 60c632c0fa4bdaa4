//! `quartier demo [--out DIR]`: writes the embedded demo districts (Meudon-la-Forêt's energy
//! community and the HydroSeine hydrogen district) and their data files to `DIR/inputs/`,
//! simulates each for a year, writes its results to `DIR/<district>/` and prints the KPIs side
//! by side. Meudon's energy community is then run as a collective self-consumption operation:
//! each member's meter curve is derived from the simulation into `DIR/inputs/community-curves/`,
//! and `DIR/inputs/meudon-community.toml` is allocated, settled and billed into
//! `DIR/meudon-la-foret/community/`. Last, the demo experiments (`DIR/inputs/experiments/`) are
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
    embed!("experiments/meudon-renovation-mairie-annexe.toml"),
    embed!("experiments/issy-cargo-bikes.toml"),
    embed!("experiments/data/eemeter_uk_electricity_sample0_hourly.csv"),
    embed!("experiments/data/eemeter_uk_temperature_sample0_hourly.csv"),
    embed!("experiments/data/LICENSE.eemeter.Apache-2.0.txt"),
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
        if *slug == "meudon-la-foret" {
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

/// Evaluates the demo experiments (the renovation of Meudon's mairie annexe on eemeter's UK
/// sample, Issy's cargo bikes) into `out/<experiment>/` and builds their 24-month programme
/// table into `out/programme/`.
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
    crate::programme::write(&out.join("programme"), &built.table, &built.notes)?;
    ui.say(&crate::programme::summary(&built.table));
    ui.say(&format!(
        "experiments: report.html, kpis.json, savings.csv in {0}/<experiment>/, programme table in {0}/programme/",
        out.display()
    ));
    Ok(())
}

/// Writes one meter curve per member of Meudon's community (kWh per step, CSV) from the
/// simulation: a consumer withdraws its loads, EV charging and fleets minus its own PV used
/// behind the meter; a PV system injects what its owner does not use (split between the
/// owner's systems in proportion to their output). Then allocates, settles and bills the
/// community file into `out`.
fn community(
    inputs: &Path,
    out: &Path,
    loaded: &Loaded,
    sim: &Simulated,
    ui: &Ui,
) -> anyhow::Result<()> {
    let district = &loaded.district;
    let inp =
        quartier_sim::assemble(district, &loaded.data).context("meudon: assembling inputs")?;
    let n = inp.axis.len();
    let mut load: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    let mut add = |who: &Option<String>, v: &[f64]| {
        if let Some(p) = who {
            let e = load.entry(p.clone()).or_insert_with(|| vec![0.0; n]);
            e.iter_mut().zip(v).for_each(|(a, b)| *a += b);
        }
    };
    for (l, v) in inp.loads.iter().zip(&inp.loads_kwh) {
        add(&l.participant, v);
    }
    for (e, f) in district.ev_chargers.iter().zip(&sim.flows.ev_sites) {
        add(&e.participant, &f.charge_kwh);
    }
    for (e, f) in district.fleets.iter().zip(&sim.flows.fleets) {
        add(&e.participant, &f.charge_kwh);
    }
    // PV available after curtailment, per system.
    let pv: Vec<(String, Option<String>, Vec<f64>)> = district
        .pv_systems
        .iter()
        .zip(&sim.flows.pv)
        .map(|(s, f)| {
            let v = f
                .pv_kwh
                .iter()
                .zip(&f.curtailed_kwh)
                .map(|(a, c)| (a - c).max(0.0))
                .collect();
            (s.name.clone(), s.participant.clone(), v)
        })
        .collect();
    let mut injected: Vec<Vec<f64>> = pv.iter().map(|_| vec![0.0; n]).collect();
    for t in 0..n {
        let mut own: std::collections::BTreeMap<&str, f64> = Default::default();
        for (_, who, v) in &pv {
            if let Some(w) = who {
                *own.entry(w.as_str()).or_default() += v.get(t).copied().unwrap_or(0.0);
            }
        }
        for (k, (_, who, v)) in pv.iter().enumerate() {
            let p = v.get(t).copied().unwrap_or(0.0);
            let Some(w) = who else { continue };
            let total = own.get(w.as_str()).copied().unwrap_or(0.0);
            let l = load.get(w).and_then(|x| x.get(t)).copied().unwrap_or(0.0);
            let export = (total - l).max(0.0);
            if let Some(slot) = injected.get_mut(k).and_then(|x| x.get_mut(t)) {
                *slot = if total > 0.0 { export * p / total } else { 0.0 };
            }
        }
        for (w, total) in own {
            if let Some(x) = load.get_mut(w).and_then(|x| x.get_mut(t)) {
                *x = (*x - total).max(0.0);
            }
        }
    }
    let dir = inputs.join("community-curves");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let times: Vec<String> = inp
        .axis
        .times()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .collect();
    let write = |name: &str, v: &[f64]| -> anyhow::Result<()> {
        let mut s = String::with_capacity(n * 32);
        s.push_str("time_utc,kwh\n");
        for (t, x) in times.iter().zip(v) {
            s.push_str(t);
            s.push(',');
            s.push_str(&format!("{x:.6}"));
            s.push('\n');
        }
        let p = dir.join(format!("{name}.csv"));
        std::fs::write(&p, s).with_context(|| format!("writing {}", p.display()))
    };
    for (who, v) in &load {
        write(who, v)?;
    }
    for ((name, _, _), v) in pv.iter().zip(&injected) {
        write(name, v)?;
    }
    let file = inputs.join("meudon-community.toml");
    let community = match quartier_model::read_community(&file) {
        Ok(c) => c,
        Err(d) => anyhow::bail!("the embedded demo community is invalid:\n{d}"),
    };
    let s = crate::share::scenario(&community, &community.key)?;
    crate::share::write(out, &community, &s)?;
    ui.say(&crate::share::summary("Meudon community, default key", &s));
    let opt = crate::share::key_of(&community, "optimised")?;
    let s_opt = crate::share::scenario(&community, &opt)?;
    ui.say(&crate::share::summary(
        "Meudon community, optimised key",
        &s_opt,
    ));
    let (.., bills0) = crate::share::totals(&s);
    let (.., bills1) = crate::share::totals(&s_opt);
    ui.say(&format!(
        "optimised key: consumers' bills {:.2} EUR lower than with the default key; bills in {}",
        bills0 - bills1,
        out.join("bills").display()
    ));
    Ok(())
}
