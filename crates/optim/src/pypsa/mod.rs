//! Export of a district as a PyPSA network in its CSV-folder format
//! (`pypsa.Network().import_from_csv_folder(dir)`), with the same optimum as Quartier's
//! dispatch LP (and, given a [`SizingConfig`], the same sizing LP).
//!
//! **Units.** PyPSA calls its units MW and MWh; the export keeps **kW, kWh and kg** as they
//! are and sets every snapshot weighting to the step in hours, so PyPSA's
//! `energy = power × weighting` and `cost = marginal_cost × power × weighting` read as
//! kWh = kW × h and EUR = EUR/kWh × kWh. The hydrogen bus counts kg (power in kg/h).
//!
//! **Mapping** (one `AC` bus, an `H2` bus when there is a hydrogen chain):
//!
//! | Quartier | PyPSA |
//! |---|---|
//! | PV system | Generator, `p_nom` = kWp, `p_max_pu` = AC kW per kWp (curtailment free) |
//! | loads | one Load `load` on AC, `p_set` = Σ loads / h |
//! | grid import | Generator `grid_import`, `p_nom` = import limit (extendable when the connection is sized), `marginal_cost` = import weight per kWh (the price for the cost objective) |
//! | grid export | Generator `grid_export`, `p_min_pu = −1`, `p_max_pu = 0`, `marginal_cost` = export price |
//! | unserved electricity | Generator `unserved` at the value of lost load, `p_nom` above any possible shortfall |
//! | battery | Store on its own bus (`e_min_pu` = soc_min, `e_initial` = initial level after one step of standing loss (PyPSA applies none at the first snapshot), `standing_loss` = 1 − (1 − loss·h)^(1/h) so PyPSA's `(1 − l)^h` equals Quartier's `1 − loss·h`) + Links `{b}-charger` (efficiency η_c, `p_nom` = charge kW) and `{b}-discharger` (η_d, `p_nom` = discharge kW / η_d) |
//! | electrolyser | Link AC → H2, efficiency 1/kWh-per-kg, `p_nom` = kW |
//! | fuel cell | Link H2 → AC, efficiency kWh-per-kg, `p_nom` = kW / kWh-per-kg (kg/h) |
//! | tanks | one Store `h2_tank` (pooled, as in Quartier): `e_nom` = Σ capacity, `e_min_pu` = Σ min / Σ capacity |
//! | hydrogen demand | Load `h2_demand` on H2, plus Generator `h2_unserved` (≤ demand, at the value of lost hydrogen) |
//! | EV charging site with `site_limit_kw` (or sized) | its own bus `{site}-site` fed by a Link from AC (`p_nom` = the site's kW, extendable when sized); its sessions' Links start there |
//! | EV session / fleet vehicle-day | its own bus with a Store (`e_nom` = the energy it can take, `e_min_pu` = 1 from its last plugged step) fed by a Link (`p_nom` = max kW, `p_max_pu` = 1 only while plugged): exact, one column of each series per session |
//! | end of horizon at least initial | `e_min_pu` of the last snapshot = initial level / capacity |
//! | cyclic battery or tanks | `e_cyclic = True` (PyPSA starts from the last snapshot's level after one step of loss, as Quartier) |
//!
//! **Minimum power** (`min_kw` of electrolysers and fuel cells) is not exported: the network
//! is the LP relaxation ([`crate::PartLoad::Relaxed`], the default), whatever
//! `config.part_load` says (PyPSA's `committable` Links with `p_min_pu` would be its MILP).
//!
//! The objective constants differ: Quartier's objective counts the value of lost hydrogen
//! as `value × (demand − served)` and PyPSA as `value × h2_unserved`: the same number.
//!
//! **Sizing** (extendable capacities, `capital_cost` = each candidate's own annualised cost
//! × horizon years, from the district file's costs or the defaults):
//! PV, electrolyser and battery energy as they are; fuel-cell `p_nom` counts kg/h, so its
//! bounds and cost are converted; battery power is the `{b}-charger` capacity, and
//! `{b}-discharger` must equal it times η_d, a constraint the CSV format cannot hold:
//! `bench/pypsa/crosscheck.py` adds it by name. What PyPSA cannot express exactly is
//! refused with [`ExportError::NotExact`]: a sized battery with `soc_initial > 0` (PyPSA's
//! `e_initial` is in kWh, not a share of a variable capacity), a sized tank pool with a
//! minimum level, mixing declared and sized tanks or tanks of different costs, and a cost
//! when built (a yes/no decision). A battery of fixed duration is written to
//! `quartier-durations.csv` (battery, hours), which the cross-check turns into
//! `e_nom = hours × charger p_nom`.

use std::fmt::Write as _;

use quartier_sim::Inputs;

use crate::dispatch::{DispatchConfig, EndOfHorizon, define};
use crate::sizing::{Candidate, CapacityKind, SizingConfig};

/// One file of the network folder.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvFile {
    /// File name, e.g. `generators.csv`.
    pub name: String,
    /// Its contents.
    pub contents: String,
}

/// What the export cannot write.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// A part of the model that PyPSA's components cannot express exactly.
    #[error("{what} cannot be expressed exactly in PyPSA: {why}")]
    NotExact {
        /// The component.
        what: String,
        /// Why.
        why: String,
    },
    /// The inputs are inconsistent.
    #[error("inputs: {0}")]
    Inputs(#[from] quartier_sim::SimError),
}

/// A table under construction: static columns and rows, written as CSV.
struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&'static str]) -> Table {
        Table {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    fn csv(&self) -> String {
        let mut s = self.header.join(",");
        s.push('\n');
        for r in &self.rows {
            let cells: Vec<String> = r.iter().map(|c| quote(c)).collect();
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        s
    }
}

/// Per-snapshot columns of one attribute (`generators-p_max_pu.csv`, …).
struct Series {
    name: String,
    columns: Vec<(String, Vec<f64>)>,
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Shortest exact decimal of a float (Rust's `{}` round-trips), `inf` as PyPSA reads it.
fn num(x: f64) -> String {
    if x == f64::INFINITY {
        "inf".into()
    } else {
        format!("{x}")
    }
}

/// The network of `inputs` for the dispatch (`sizing: None`) or the sizing LP.
pub fn export(
    inputs: &Inputs<'_>,
    config: &DispatchConfig,
    sizing: Option<&SizingConfig>,
) -> Result<Vec<CsvFile>, ExportError> {
    inputs.validate()?;
    let n = inputs.len();
    let h = inputs.step_hours();
    let horizon_years = n as f64 * h / 8760.0;
    let name = "quartier district";
    let cand = |component: &str, kind: CapacityKind| -> Option<&Candidate> {
        sizing.and_then(|s| {
            s.candidates
                .iter()
                .find(|c| c.component == component && c.kind == kind)
        })
    };
    let capital =
        |c: &Candidate| -> f64 { sizing.map_or(0.0, |s| s.annualised(c) * horizon_years) };
    if let Some(c) = sizing.and_then(|s| s.candidates.iter().find(|c| c.capex_eur_when_built > 0.0))
    {
        return Err(ExportError::NotExact {
            what: format!("the cost when built of '{}'", c.component),
            why: "it is a yes/no decision (a MILP), which PyPSA's extendable capacities do \
                  not make"
                .into(),
        });
    }
    let end_at_least_initial = config.end_of_horizon == EndOfHorizon::AtLeastInitial;
    let has_h2 = !(inputs.electrolysers.is_empty()
        && inputs.fuel_cells.is_empty()
        && inputs.hydrogen_tanks.is_empty()
        && !inputs.h2_demand_kg.iter().any(|&d| d > 0.0));

    let mut buses = Table::new(&["name", "carrier"]);
    buses.push(vec!["AC".into(), "AC".into()]);
    if has_h2 {
        buses.push(vec!["H2".into(), "H2".into()]);
    }
    let gen_header = [
        "name",
        "bus",
        "carrier",
        "p_nom",
        "p_min_pu",
        "p_max_pu",
        "marginal_cost",
        "p_nom_extendable",
        "p_nom_min",
        "p_nom_max",
        "capital_cost",
    ];
    let mut generators = Table::new(&gen_header);
    let mut gen_p_max_pu = Series {
        name: "generators-p_max_pu.csv".into(),
        columns: vec![],
    };
    let mut gen_cost = Series {
        name: "generators-marginal_cost.csv".into(),
        columns: vec![],
    };
    let generator =
        |name: &str, bus: &str, carrier: &str, p_nom: f64, lo: f64, hi: f64, mc: f64| {
            vec![
                name.to_string(),
                bus.to_string(),
                carrier.to_string(),
                num(p_nom),
                num(lo),
                num(hi),
                num(mc),
                "False".into(),
                "0.0".into(),
                "inf".into(),
                "0.0".into(),
            ]
        };
    // PV.
    for (p, kwh) in inputs.pv_systems.iter().zip(&inputs.pv_kwh) {
        if p.spec.kwp <= 0.0 {
            continue;
        }
        let per_kwp: Vec<f64> = kwh.iter().map(|v| v / h / p.spec.kwp).collect();
        let mut row = generator(&p.name, "AC", "solar", p.spec.kwp, 0.0, 1.0, 0.0);
        if let Some(c) = cand(&p.name, CapacityKind::PvKwp) {
            row[7] = "True".into();
            row[8] = num(c.min);
            row[9] = num(c.max);
            row[10] = num(capital(c));
        }
        generators.push(row);
        gen_p_max_pu.columns.push((p.name.clone(), per_kwp));
    }
    // Grid.
    let mut imp_w = Vec::with_capacity(n);
    let mut exp_w = Vec::with_capacity(n);
    for t in 0..n {
        let (wi, we) = define::grid_weights(inputs, config.objective, t);
        imp_w.push(wi);
        // PyPSA's export generator runs at p ≤ 0: cost = mc × p = −weight × export.
        exp_w.push(-we);
    }
    let mut row = generator(
        "grid_import",
        "AC",
        "grid",
        inputs.grid.import_limit_kw,
        0.0,
        1.0,
        0.0,
    );
    if let Some(c) = cand("grid", CapacityKind::GridImportKw) {
        row[7] = "True".into();
        row[8] = num(c.min);
        row[9] = num(c.max);
        row[10] = num(capital(c));
    }
    generators.push(row);
    gen_cost.columns.push(("grid_import".into(), imp_w));
    generators.push(generator(
        "grid_export",
        "AC",
        "grid",
        inputs.grid.export_limit_kw,
        -1.0,
        0.0,
        0.0,
    ));
    gen_cost.columns.push(("grid_export".into(), exp_w));
    // Unserved: above any shortfall (every consumption at its largest, plus export).
    let at_max = |kind: CapacityKind, name: &str, declared: f64| {
        cand(name, kind).map_or(declared, |c| c.max.max(declared))
    };
    let load_total = define::load_total(inputs);
    let max_load = load_total.iter().fold(0.0_f64, |m, v| m.max(*v)) / h;
    let mut shortfall = max_load + inputs.grid.export_limit_kw;
    for b in inputs.batteries {
        shortfall += at_max(CapacityKind::BatteryKw, &b.name, b.charge_kw);
    }
    for e in inputs.electrolysers {
        shortfall += at_max(CapacityKind::ElectrolyserKw, &e.name, e.max_kw);
    }
    for s in inputs
        .ev_sessions
        .iter()
        .chain(&inputs.fleet_sessions)
        .flatten()
    {
        shortfall += s.max_kw;
    }
    generators.push(generator(
        "unserved",
        "AC",
        "unserved",
        shortfall.max(1.0),
        0.0,
        1.0,
        config.value_of_lost_load_eur_per_kwh,
    ));

    let mut loads = Table::new(&["name", "bus", "carrier"]);
    let mut load_p = Series {
        name: "loads-p_set.csv".into(),
        columns: vec![],
    };
    loads.push(vec!["load".into(), "AC".into(), "AC".into()]);
    load_p
        .columns
        .push(("load".into(), load_total.iter().map(|v| v / h).collect()));

    let link_header = [
        "name",
        "bus0",
        "bus1",
        "carrier",
        "efficiency",
        "p_nom",
        "p_min_pu",
        "p_max_pu",
        "p_nom_extendable",
        "p_nom_min",
        "p_nom_max",
        "capital_cost",
    ];
    let mut links = Table::new(&link_header);
    let mut link_p_max_pu = Series {
        name: "links-p_max_pu.csv".into(),
        columns: vec![],
    };
    let link = |name: &str, b0: &str, b1: &str, carrier: &str, eff: f64, p_nom: f64| {
        vec![
            name.to_string(),
            b0.to_string(),
            b1.to_string(),
            carrier.to_string(),
            num(eff),
            num(p_nom),
            "0.0".into(),
            "1.0".into(),
            "False".into(),
            "0.0".into(),
            "inf".into(),
            "0.0".into(),
        ]
    };
    let store_header = [
        "name",
        "bus",
        "carrier",
        "e_nom",
        "e_min_pu",
        "e_max_pu",
        "e_initial",
        "e_cyclic",
        "standing_loss",
        "e_nom_extendable",
        "e_nom_min",
        "e_nom_max",
        "capital_cost",
    ];
    let mut stores = Table::new(&store_header);
    let mut store_e_min = Series {
        name: "stores-e_min_pu.csv".into(),
        columns: vec![],
    };
    let store = |name: &str, bus: &str, carrier: &str, e_nom: f64, e_min: f64, e0: f64| {
        vec![
            name.to_string(),
            bus.to_string(),
            carrier.to_string(),
            num(e_nom),
            num(e_min),
            "1.0".into(),
            num(e0),
            "False".into(),
            "0.0".into(),
            "False".into(),
            "0.0".into(),
            "inf".into(),
            "0.0".into(),
        ]
    };

    // Batteries.
    for b in inputs.batteries {
        buses.push(vec![b.name.clone(), "battery".into()]);
        let e_c = cand(&b.name, CapacityKind::BatteryKwh);
        let p_c = cand(&b.name, CapacityKind::BatteryKw);
        let decay = (1.0 - b.standing_loss_per_h * h).max(0.0);
        let loss = 1.0 - decay.powf(1.0 / h);
        let mut row = store(
            &b.name,
            &b.name,
            "battery",
            b.energy_kwh,
            b.soc_min,
            // PyPSA applies no standing loss to e_initial at the first snapshot; Quartier
            // starts from the initial level after one step of loss.
            decay * b.soc_initial * b.energy_kwh,
        );
        row[8] = num(loss);
        if b.cyclic {
            // PyPSA's cyclic store starts from its level at the last snapshot, after one
            // step of loss: Quartier's `soc[0] = decay·soc[n−1] + …`.
            row[7] = "True".into();
        }
        if let Some(c) = e_c {
            if b.soc_initial > 0.0 && !b.cyclic {
                return Err(ExportError::NotExact {
                    what: format!("battery '{}' with sized energy", b.name),
                    why: "its initial state of charge is a share of a variable capacity \
                          (set soc_initial = 0 to export it)"
                        .into(),
                });
            }
            row[9] = "True".into();
            row[10] = num(c.min);
            row[11] = num(c.max);
            row[12] = num(capital(c));
        }
        if end_at_least_initial && !b.cyclic && b.soc_initial > b.soc_min && n > 0 {
            let mut col = vec![b.soc_min; n];
            col[n - 1] = b.soc_initial;
            store_e_min.columns.push((b.name.clone(), col));
        }
        stores.push(row);
        let mut ch = link(
            &format!("{}-charger", b.name),
            "AC",
            &b.name,
            "battery charger",
            b.charge_efficiency,
            b.charge_kw,
        );
        let mut dis = link(
            &format!("{}-discharger", b.name),
            &b.name,
            "AC",
            "battery discharger",
            b.discharge_efficiency,
            b.discharge_kw / b.discharge_efficiency,
        );
        if let Some(c) = p_c {
            ch[8] = "True".into();
            ch[9] = num(c.min);
            ch[10] = num(c.max);
            ch[11] = num(capital(c));
            dis[8] = "True".into();
            dis[9] = num(c.min / b.discharge_efficiency);
            dis[10] = num(c.max / b.discharge_efficiency);
        }
        links.push(ch);
        links.push(dis);
    }

    // Hydrogen.
    if has_h2 {
        for e in inputs.electrolysers {
            let mut row = link(
                &e.name,
                "AC",
                "H2",
                "electrolysis",
                1.0 / e.kwh_per_kg,
                e.max_kw,
            );
            if let Some(c) = cand(&e.name, CapacityKind::ElectrolyserKw) {
                row[8] = "True".into();
                row[9] = num(c.min);
                row[10] = num(c.max);
                row[11] = num(capital(c));
            }
            links.push(row);
        }
        for f in inputs.fuel_cells {
            let k = f.kwh_per_kg;
            let mut row = link(&f.name, "H2", "AC", "fuel cell", k, f.max_kw / k);
            if let Some(c) = cand(&f.name, CapacityKind::FuelCellKw) {
                row[8] = "True".into();
                row[9] = num(c.min / k);
                row[10] = num(c.max / k);
                row[11] = num(capital(c) * k);
            }
            links.push(row);
        }
        let (min_kg, cap_kg, init_kg) = inputs.tank_pool_kg();
        let sized: Vec<&Candidate> = inputs
            .hydrogen_tanks
            .iter()
            .filter_map(|t| cand(&t.name, CapacityKind::TankKg))
            .collect();
        if !sized.is_empty() {
            if sized.len() != inputs.hydrogen_tanks.len() {
                return Err(ExportError::NotExact {
                    what: "the hydrogen tank pool".into(),
                    why: "it mixes declared and sized tanks (PyPSA would price the declared \
                          capacity too)"
                        .into(),
                });
            }
            let cyclic = inputs.tanks_cyclic();
            if min_kg > 0.0 || (end_at_least_initial && !cyclic && init_kg > 0.0) {
                return Err(ExportError::NotExact {
                    what: "the sized hydrogen tank pool".into(),
                    why: "its minimum (or final) level is in kg, PyPSA's is a share of the \
                          variable capacity"
                        .into(),
                });
            }
            let lo: f64 = inputs
                .hydrogen_tanks
                .iter()
                .zip(&sized)
                .map(|(t, c)| c.min.max(t.initial_kg))
                .sum();
            let hi: f64 = sized.iter().map(|c| c.max).sum();
            let mut row = store("h2_tank", "H2", "H2", cap_kg, 0.0, init_kg);
            if cyclic {
                row[7] = "True".into();
            }
            row[9] = "True".into();
            row[10] = num(lo);
            row[11] = num(hi);
            let first = capital(sized[0]);
            if sized
                .iter()
                .any(|c| (capital(c) - first).abs() > 1e-12 * first.abs().max(1.0))
            {
                return Err(ExportError::NotExact {
                    what: "the sized hydrogen tank pool".into(),
                    why: "its tanks have different costs, and PyPSA pools them into one store \
                          of one cost"
                        .into(),
                });
            }
            row[12] = num(first);
            stores.push(row);
        } else if cap_kg > 0.0 {
            let mut row = store("h2_tank", "H2", "H2", cap_kg, min_kg / cap_kg, init_kg);
            if inputs.tanks_cyclic() {
                row[7] = "True".into();
            }
            stores.push(row);
            if end_at_least_initial && !inputs.tanks_cyclic() && init_kg > min_kg && n > 0 {
                let mut col = vec![min_kg / cap_kg; n];
                col[n - 1] = init_kg / cap_kg;
                store_e_min.columns.push(("h2_tank".into(), col));
            }
        }
        let demand_kgh: Vec<f64> = inputs.h2_demand_kg.iter().map(|d| d / h).collect();
        let peak = demand_kgh.iter().fold(0.0_f64, |m, v| m.max(*v));
        loads.push(vec!["h2_demand".into(), "H2".into(), "H2".into()]);
        load_p
            .columns
            .push(("h2_demand".into(), demand_kgh.clone()));
        if peak > 0.0 {
            generators.push(generator(
                "h2_unserved",
                "H2",
                "unserved",
                peak,
                0.0,
                1.0,
                config.value_of_lost_hydrogen_eur_per_kg,
            ));
            gen_p_max_pu.columns.push((
                "h2_unserved".into(),
                demand_kgh.iter().map(|d| d / peak).collect(),
            ));
        }
    }

    // Charging sessions; a site with a power limit (or sized) feeds them through its own bus.
    let mut sites: Vec<(&String, &Vec<quartier_model::EvSession>, &str)> = Vec::new();
    for (e, sessions) in inputs.ev_chargers.iter().zip(&inputs.ev_sessions) {
        let sized = cand(&e.name, CapacityKind::ChargingKw);
        if e.site_limit_kw.is_none() && sized.is_none() {
            sites.push((&e.name, sessions, "AC"));
            continue;
        }
        let bus = format!("{}-site", e.name);
        buses.push(vec![bus.clone(), "AC".into()]);
        let mut row = link(
            &bus,
            "AC",
            &bus,
            "EV charging site",
            1.0,
            e.site_limit_kw.unwrap_or(0.0),
        );
        if let Some(c) = sized {
            row[8] = "True".into();
            row[9] = num(c.min);
            row[10] = num(c.max);
            row[11] = num(capital(c));
        }
        links.push(row);
        sites.push((&e.name, sessions, ""));
    }
    for (f, sessions) in inputs.fleets.iter().zip(&inputs.fleet_sessions) {
        sites.push((&f.name, sessions, "AC"));
    }
    for (site, sessions, from) in sites {
        let from = if from.is_empty() {
            format!("{site}-site")
        } else {
            from.to_string()
        };
        for (k, s) in sessions.iter().enumerate() {
            let target = define::session_target(s, h);
            if s.departure <= s.arrival || target <= 0.0 {
                continue;
            }
            let bus = format!("{site}-session{k}");
            buses.push(vec![bus.clone(), "EV".into()]);
            let mut row = link(
                &format!("{bus}-charge"),
                &from,
                &bus,
                "EV charging",
                1.0,
                s.max_kw,
            );
            row[7] = "0.0".into();
            links.push(row);
            let avail: Vec<f64> = (0..n)
                .map(|t| f64::from(u8::from(t >= s.arrival && t < s.departure)))
                .collect();
            link_p_max_pu.columns.push((format!("{bus}-charge"), avail));
            stores.push(store(&bus, &bus, "EV", target, 0.0, 0.0));
            let full: Vec<f64> = (0..n)
                .map(|t| f64::from(u8::from(t + 1 >= s.departure)))
                .collect();
            store_e_min.columns.push((bus, full));
        }
    }

    // Files.
    let times: Vec<String> = (0..n)
        .map(|t| inputs.axis.time(t).format("%Y-%m-%d %H:%M:%S").to_string())
        .collect();
    let mut files = Vec::new();
    let mut network = String::from("name,_multi_invest,pypsa_version,srid\n");
    let _ = writeln!(network, "{},0,1.4.0,4326", quote(name));
    files.push(CsvFile {
        name: "network.csv".into(),
        contents: network,
    });
    let mut snaps = String::from(",snapshot,objective,stores,generators\n");
    let w = num(h);
    for (t, time) in times.iter().enumerate() {
        let _ = writeln!(snaps, "{t},{time},{w},{w},{w}");
    }
    files.push(CsvFile {
        name: "snapshots.csv".into(),
        contents: snaps,
    });
    let mut carriers = Table::new(&["name"]);
    for c in [
        "AC",
        "H2",
        "battery",
        "EV",
        "solar",
        "grid",
        "unserved",
        "battery charger",
        "battery discharger",
        "electrolysis",
        "fuel cell",
        "EV charging",
        "EV charging site",
    ] {
        carriers.push(vec![c.into()]);
    }
    for (file, table) in [
        ("carriers.csv", &carriers),
        ("buses.csv", &buses),
        ("generators.csv", &generators),
        ("loads.csv", &loads),
        ("links.csv", &links),
        ("stores.csv", &stores),
    ] {
        if !table.rows.is_empty() {
            files.push(CsvFile {
                name: file.into(),
                contents: table.csv(),
            });
        }
    }
    if let Some(d) = sizing.filter(|d| !d.durations.is_empty()) {
        // Not a PyPSA component: the cross-check adds `e_nom = hours × charger p_nom` by
        // name, as it ties each sized battery's discharger to its charger.
        let mut out = String::from("battery,hours\n");
        for (b, hours) in &d.durations {
            let _ = writeln!(out, "{},{}", quote(b), num(*hours));
        }
        files.push(CsvFile {
            name: "quartier-durations.csv".into(),
            contents: out,
        });
    }
    for s in [gen_p_max_pu, gen_cost, load_p, link_p_max_pu, store_e_min] {
        if s.columns.is_empty() {
            continue;
        }
        let mut out = String::with_capacity((s.columns.len() * 8 + 20) * n);
        for (c, _) in &s.columns {
            out.push(',');
            out.push_str(&quote(c));
        }
        out.push('\n');
        for (t, time) in times.iter().enumerate() {
            out.push_str(time);
            for (_, v) in &s.columns {
                out.push(',');
                out.push_str(&num(v.get(t).copied().unwrap_or(0.0)));
            }
            out.push('\n');
        }
        files.push(CsvFile {
            name: s.name,
            contents: out,
        });
    }
    Ok(files)
}
