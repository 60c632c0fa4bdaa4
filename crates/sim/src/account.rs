//! The accounting pass: ONE function, [`account`], turns any controller's [`Flows`] into
//! [`Kpis`] after checking, at every step, that they obey the laws and limits of the
//! district.
//!
//! **Invariant**: every KPI of a run comes from this pass, whichever controller produced
//! the flows (rule controller, LP optimiser, rolling horizon), so their KPIs are comparable
//! and no controller can report a balance that does not hold.
//!
//! Checks, at every step, to 1e-9 (kWh or kg) × max(1, magnitude of the terms compared):
//!
//! * shapes: same axis, one entry per component in the district's order with its name, one
//!   value per step; district totals equal the sums of the per-component vectors; PV, loads
//!   and hydrogen demand equal the inputs;
//! * every flow finite and non-negative;
//! * electricity balance: `pv − curtailed + import + battery_discharge + fuel_cell +
//!   unserved = load + ev + fleet + battery_charge + electrolyser + export`;
//! * curtailment of each PV system ≤ its available energy;
//! * battery: `soc[t] = soc[t−1]·(1 − loss_per_h·h) + η_c·charge − discharge/η_d` (with
//!   `soc[−1] = soc_initial × energy_kwh`), charge ≤ `charge_kw·h`, discharge ≤
//!   `discharge_kw·h`, `soc ≤ energy_kwh`, and `soc ≥ min(soc_min·energy_kwh, soc[t−1]·(1 −
//!   loss·h) + η_c·charge)`: discharging never takes a battery below `soc_min`, but
//!   standing loss (which no controller can prevent) may;
//! * electrolysers: input ≤ `max_kw·h`, `h2_kg × kwh_per_kg = input_kwh`; their `min_kw` is an
//!   operating rule of the controller, not checked here (an LP relaxation may run below it);
//! * fuel cells: output ≤ `max_kw·h`, `h2_kg × kwh_per_kg = output_kwh`; their `min_kw`,
//!   like the electrolysers', is not checked here;
//! * hydrogen: `served + unserved = demand`, pooled tank level
//!   `level[t] = level[t−1] + produced − fuel_cell_h2 − served` (from the tanks' initial
//!   levels), `Σ min_kg ≤ level ≤ Σ capacity_kg`;
//! * grid: import ≤ `import_limit_kw·h`, export ≤ `export_limit_kw·h`, and not both import
//!   and export in the same step beyond the tolerance;
//! * charging: each EV site's (fleet's) energy ≤ Σ `max_kw·h` of its sessions plugged in
//!   at that step, and its total ≤ Σ session energies; a site with `site_limit_kw` charges at
//!   most `site_limit_kw·h` per step.
//!
//! A failure is a [`BalanceError::Step`] naming the step (index and UTC instant), the
//! quantity and both sides.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use quartier_model::EvSession;

use crate::{BalanceError, Flows, Inputs};

/// Relative tolerance of every check.
pub const TOLERANCE: f64 = 1e-9;

/// Key performance indicators of a run, over the whole axis and per local month.
///
/// Formulas (sums over every step of the axis; PRODUCT.md conventions):
///
/// * `production_kwh` = Σ (pv − curtailed): PV AC energy actually produced. **Fuel-cell
///   output is not production**: its hydrogen came from PV surplus (already counted when
///   produced) or from the initial tank, so counting it again would count stored local
///   energy twice.
/// * `consumption_kwh` = Σ (load + ev + fleet + electrolyser): electricity consumed at the
///   district's meters by end uses and by conversion to hydrogen (which leaves the
///   electricity system as fuel for vehicles or as storage). **Battery losses are not
///   consumption**: a battery is storage, not an end use; its losses show up as less
///   energy available (more import or less export) and are reported separately in
///   `battery_losses_kwh`, so that adding a battery never "increases consumption".
/// * `import_kwh` = Σ import; `export_kwh` = Σ export.
/// * `self_consumption_rate` = (production − export) / production, clamped to [0, 1];
///   `None` when production is 0. PV stored in a battery counts as self-consumed when stored
///   (even the part later lost); if an optimiser exports battery or fuel-cell energy, that
///   export reduces the rate, hence the clamp at 0.
/// * `self_sufficiency_rate` = (consumption − import) / consumption, clamped to [0, 1];
///   `None` when consumption is 0. Grid energy stored in batteries counts as import when
///   imported, so grid charging lowers the rate (as it should).
/// * `annual_balance_kwh` = production − consumption over the simulated period (a year
///   for a yearly axis); `positive_energy` = `annual_balance_kwh ≥ 0`.
/// * `peak_import_kw` = max over steps of import / step hours (mean power of the worst
///   interval).
/// * `co2_kg` = Σ import × carbon intensity (g/kWh) / 1000 (exports are not credited).
/// * `cost_eur` = Σ import × import price − Σ export × export price (energy only: no
///   subscription, grid fees or taxes).
/// * `h2_produced_kg` = Σ electrolyser hydrogen; `h2_demand_kg` = Σ demand;
///   `h2_demand_served_kg` = Σ served; `h2_unserved_kg` = Σ demand not served.
/// * `curtailed_kwh` = Σ curtailed PV; `unserved_kwh` = Σ electricity demand not supplied.
/// * `battery_throughput_kwh` = Σ battery discharge (AC side, energy delivered by the
///   batteries; divide by the capacity for equivalent full cycles).
/// * `battery_losses_kwh` = Σ charge − Σ discharge − (final − initial stored energy):
///   conversion and standing losses.
/// * `ev_energy_kwh` = Σ (ev + fleet): energy delivered to vehicles (sites and fleets).
/// * `electrolyser_kwh` = Σ electrolyser input; `fuel_cell_kwh` = Σ fuel-cell output.
///
/// `monthly` breaks the energy KPIs down by local calendar month in the site's time zone
/// (an interval belongs to the month of its local start).
#[derive(Debug, Clone, PartialEq)]
pub struct Kpis {
    /// PV AC energy produced (not curtailed), kWh.
    pub production_kwh: f64,
    /// Electricity consumed by end uses and electrolysers, kWh.
    pub consumption_kwh: f64,
    /// Grid import, kWh.
    pub import_kwh: f64,
    /// Grid export, kWh.
    pub export_kwh: f64,
    /// (production − export) / production in [0, 1]; `None` without production.
    pub self_consumption_rate: Option<f64>,
    /// (consumption − import) / consumption in [0, 1]; `None` without consumption.
    pub self_sufficiency_rate: Option<f64>,
    /// production − consumption over the period, kWh.
    pub annual_balance_kwh: f64,
    /// `annual_balance_kwh ≥ 0`.
    pub positive_energy: bool,
    /// Highest mean import power of an interval, kW.
    pub peak_import_kw: f64,
    /// Emissions of imports, kgCO2e.
    pub co2_kg: f64,
    /// Energy cost of imports minus export revenue, EUR.
    pub cost_eur: f64,
    /// Hydrogen produced, kg.
    pub h2_produced_kg: f64,
    /// Hydrogen demand, kg.
    pub h2_demand_kg: f64,
    /// Hydrogen demand served, kg.
    pub h2_demand_served_kg: f64,
    /// Hydrogen demand not served, kg.
    pub h2_unserved_kg: f64,
    /// PV curtailed, kWh.
    pub curtailed_kwh: f64,
    /// Electricity demand not supplied, kWh.
    pub unserved_kwh: f64,
    /// Energy delivered by batteries, kWh.
    pub battery_throughput_kwh: f64,
    /// Battery conversion and standing losses, kWh.
    pub battery_losses_kwh: f64,
    /// Energy delivered to EVs and fleets, kWh.
    pub ev_energy_kwh: f64,
    /// Electricity consumed by electrolysers, kWh.
    pub electrolyser_kwh: f64,
    /// Electricity produced by fuel cells, kWh.
    pub fuel_cell_kwh: f64,
    /// The energy KPIs per local month, in time order.
    pub monthly: Vec<MonthlyKpis>,
}

/// The energy KPIs of one local calendar month (same formulas as [`Kpis`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyKpis {
    /// Local year.
    pub year: i32,
    /// Local month, 1–12.
    pub month: u32,
    /// Number of intervals of the axis in this month.
    pub steps: usize,
    /// PV produced, kWh.
    pub production_kwh: f64,
    /// Consumption, kWh.
    pub consumption_kwh: f64,
    /// Import, kWh.
    pub import_kwh: f64,
    /// Export, kWh.
    pub export_kwh: f64,
    /// PV curtailed, kWh.
    pub curtailed_kwh: f64,
    /// Unserved electricity, kWh.
    pub unserved_kwh: f64,
    /// Self-consumption rate in [0, 1].
    pub self_consumption_rate: Option<f64>,
    /// Self-sufficiency rate in [0, 1].
    pub self_sufficiency_rate: Option<f64>,
    /// production − consumption, kWh.
    pub balance_kwh: f64,
    /// `balance_kwh ≥ 0`.
    pub positive_energy: bool,
    /// Highest mean import power of an interval, kW.
    pub peak_import_kw: f64,
    /// Emissions of imports, kgCO2e.
    pub co2_kg: f64,
    /// Cost of imports minus export revenue, EUR.
    pub cost_eur: f64,
}

/// Checks `flows` against `inputs` at every step (see the module documentation) and
/// computes the KPIs.
pub fn account(inputs: &Inputs<'_>, flows: &Flows) -> Result<Kpis, BalanceError> {
    inputs.validate()?;
    check_shapes(inputs, flows)?;
    let c = Checker { inputs };
    c.check_non_negative(flows)?;
    c.check_inputs_and_totals(flows)?;
    c.check_steps(flows)?;
    c.check_sessions("EV site", &inputs.ev_sessions, &flows.ev_sites)?;
    c.check_site_limits(flows)?;
    c.check_sessions("fleet", &inputs.fleet_sessions, &flows.fleets)?;
    Ok(kpis(inputs, flows))
}

fn shape(what: String, expected: usize, found: usize) -> Result<(), BalanceError> {
    if expected == found {
        Ok(())
    } else {
        Err(BalanceError::Shape {
            what,
            expected,
            found,
        })
    }
}

fn check_shapes(inputs: &Inputs<'_>, flows: &Flows) -> Result<(), BalanceError> {
    if flows.axis != inputs.axis {
        return Err(BalanceError::Shape {
            what: format!(
                "axis {} + steps of {} differs from the inputs' {} + steps of {}; number of steps",
                flows.axis.start(),
                flows.axis.step(),
                inputs.axis.start(),
                inputs.axis.step()
            ),
            expected: inputs.axis.len(),
            found: flows.axis.len(),
        });
    }
    let names = |what: &'static str, expected: Vec<&str>, found: Vec<&str>| {
        shape(format!("number of {what}"), expected.len(), found.len())?;
        for (index, (e, f)) in expected.iter().zip(&found).enumerate() {
            if e != f {
                return Err(BalanceError::Name {
                    what,
                    index,
                    expected: e.to_string(),
                    found: f.to_string(),
                });
            }
        }
        Ok(())
    };
    names(
        "PV systems",
        inputs.pv_systems.iter().map(|p| p.name.as_str()).collect(),
        flows.pv.iter().map(|p| p.name.as_str()).collect(),
    )?;
    names(
        "batteries",
        inputs.batteries.iter().map(|p| p.name.as_str()).collect(),
        flows.batteries.iter().map(|p| p.name.as_str()).collect(),
    )?;
    names(
        "EV sites",
        inputs.ev_chargers.iter().map(|p| p.name.as_str()).collect(),
        flows.ev_sites.iter().map(|p| p.name.as_str()).collect(),
    )?;
    names(
        "fleets",
        inputs.fleets.iter().map(|p| p.name.as_str()).collect(),
        flows.fleets.iter().map(|p| p.name.as_str()).collect(),
    )?;
    names(
        "electrolysers",
        inputs
            .electrolysers
            .iter()
            .map(|p| p.name.as_str())
            .collect(),
        flows
            .electrolysers
            .iter()
            .map(|p| p.name.as_str())
            .collect(),
    )?;
    names(
        "fuel cells",
        inputs.fuel_cells.iter().map(|p| p.name.as_str()).collect(),
        flows.fuel_cells.iter().map(|p| p.name.as_str()).collect(),
    )?;
    for (name, col) in flows.columns() {
        shape(format!("length of {name}"), inputs.len(), col.len())?;
    }
    Ok(())
}

struct Checker<'i, 'a> {
    inputs: &'i Inputs<'a>,
}

fn tol(scale: f64) -> f64 {
    TOLERANCE * scale.abs().max(1.0)
}

impl Checker<'_, '_> {
    fn fail(
        &self,
        step: usize,
        quantity: String,
        left: f64,
        relation: &'static str,
        right: f64,
        unit: &'static str,
    ) -> BalanceError {
        BalanceError::Step {
            step,
            time: self.inputs.axis.time(step),
            quantity,
            left,
            relation,
            right,
            unit,
        }
    }

    /// `left = right` within tolerance scaled by `scale`.
    fn eq(
        &self,
        step: usize,
        quantity: impl FnOnce() -> String,
        left: f64,
        right: f64,
        scale: f64,
        unit: &'static str,
    ) -> Result<(), BalanceError> {
        if (left - right).abs() <= tol(scale) {
            Ok(())
        } else {
            Err(self.fail(step, quantity(), left, "=", right, unit))
        }
    }

    /// `left ≤ right` within tolerance.
    fn le(
        &self,
        step: usize,
        quantity: impl FnOnce() -> String,
        left: f64,
        right: f64,
        unit: &'static str,
    ) -> Result<(), BalanceError> {
        if left <= right + tol(left.abs().max(right.abs())) {
            Ok(())
        } else {
            Err(self.fail(step, quantity(), left, "≤", right, unit))
        }
    }

    fn check_non_negative(&self, flows: &Flows) -> Result<(), BalanceError> {
        for (name, col) in flows.columns() {
            let unit = if name.ends_with("_kg") { "kg" } else { "kWh" };
            for (t, &v) in col.iter().enumerate() {
                if !(v.is_finite() && v >= -TOLERANCE) {
                    return Err(self.fail(t, format!("{name} (finite, ≥ 0)"), v, "≥", 0.0, unit));
                }
            }
        }
        Ok(())
    }

    fn same(
        &self,
        what: &str,
        unit: &'static str,
        found: &[f64],
        expected: impl Iterator<Item = f64>,
    ) -> Result<(), BalanceError> {
        for (t, (&f, e)) in found.iter().zip(expected).enumerate() {
            self.eq(t, || what.to_string(), f, e, f.max(e), unit)?;
        }
        Ok(())
    }

    fn sum_of<'v>(
        &self,
        what: &str,
        unit: &'static str,
        total: &[f64],
        parts: impl Iterator<Item = &'v Vec<f64>>,
    ) -> Result<(), BalanceError> {
        let mut sum = vec![0.0; total.len()];
        let mut scale = vec![0.0_f64; total.len()];
        for p in parts {
            for ((s, m), v) in sum.iter_mut().zip(scale.iter_mut()).zip(p) {
                *s += v;
                *m = m.max(v.abs());
            }
        }
        for (t, ((&tot, &s), &m)) in total.iter().zip(&sum).zip(&scale).enumerate() {
            self.eq(
                t,
                || format!("{what} (total = Σ components)"),
                tot,
                s,
                m.max(tot.abs()),
                unit,
            )?;
        }
        Ok(())
    }

    fn check_inputs_and_totals(&self, f: &Flows) -> Result<(), BalanceError> {
        let i = self.inputs;
        for (p, input) in f.pv.iter().zip(&i.pv_kwh) {
            self.same(
                &format!("PV '{}' available energy (flows = inputs)", p.name),
                "kWh",
                &p.pv_kwh,
                input.iter().copied(),
            )?;
        }
        self.sum_of("load_kwh", "kWh", &f.load_kwh, i.loads_kwh.iter())?;
        self.same(
            "h2_demand_kg (flows = inputs)",
            "kg",
            &f.h2_demand_kg,
            i.h2_demand_kg.iter().copied(),
        )?;
        self.sum_of("pv_kwh", "kWh", &f.pv_kwh, f.pv.iter().map(|p| &p.pv_kwh))?;
        self.sum_of(
            "curtailed_kwh",
            "kWh",
            &f.curtailed_kwh,
            f.pv.iter().map(|p| &p.curtailed_kwh),
        )?;
        self.sum_of(
            "ev_kwh",
            "kWh",
            &f.ev_kwh,
            f.ev_sites.iter().map(|p| &p.charge_kwh),
        )?;
        self.sum_of(
            "fleet_kwh",
            "kWh",
            &f.fleet_kwh,
            f.fleets.iter().map(|p| &p.charge_kwh),
        )?;
        let b = &f.batteries;
        self.sum_of(
            "battery_charge_kwh",
            "kWh",
            &f.battery_charge_kwh,
            b.iter().map(|p| &p.charge_kwh),
        )?;
        self.sum_of(
            "battery_discharge_kwh",
            "kWh",
            &f.battery_discharge_kwh,
            b.iter().map(|p| &p.discharge_kwh),
        )?;
        self.sum_of(
            "battery_soc_kwh",
            "kWh",
            &f.battery_soc_kwh,
            b.iter().map(|p| &p.soc_kwh),
        )?;
        let e = &f.electrolysers;
        self.sum_of(
            "electrolyser_kwh",
            "kWh",
            &f.electrolyser_kwh,
            e.iter().map(|p| &p.input_kwh),
        )?;
        self.sum_of(
            "h2_produced_kg",
            "kg",
            &f.h2_produced_kg,
            e.iter().map(|p| &p.h2_kg),
        )?;
        let fc = &f.fuel_cells;
        self.sum_of(
            "fuel_cell_kwh",
            "kWh",
            &f.fuel_cell_kwh,
            fc.iter().map(|p| &p.output_kwh),
        )?;
        self.sum_of(
            "fuel_cell_h2_kg",
            "kg",
            &f.fuel_cell_h2_kg,
            fc.iter().map(|p| &p.h2_kg),
        )?;
        Ok(())
    }

    fn check_steps(&self, f: &Flows) -> Result<(), BalanceError> {
        let i = self.inputs;
        let h = i.step_hours();
        let import_cap = i.grid.import_limit_kw * h;
        let export_cap = i.grid.export_limit_kw * h;
        let (h2_min, h2_cap, h2_initial) = i.tank_pool_kg();
        let mut level_prev = h2_initial;
        let mut soc_prev: Vec<f64> = i
            .batteries
            .iter()
            .map(|b| b.soc_initial * b.energy_kwh)
            .collect();
        for t in 0..i.len() {
            let supply = [
                f.pv_kwh[t],
                -f.curtailed_kwh[t],
                f.import_kwh[t],
                f.battery_discharge_kwh[t],
                f.fuel_cell_kwh[t],
                f.unserved_kwh[t],
            ];
            let demand = [
                f.load_kwh[t],
                f.ev_kwh[t],
                f.fleet_kwh[t],
                f.battery_charge_kwh[t],
                f.electrolyser_kwh[t],
                f.export_kwh[t],
            ];
            let scale = supply
                .iter()
                .chain(&demand)
                .fold(0.0_f64, |m, v| m.max(v.abs()));
            self.eq(
                t,
                || {
                    "electricity balance (pv − curtailed + import + battery discharge + fuel cell \
                     + unserved = load + ev + fleet + battery charge + electrolyser + export)"
                        .into()
                },
                supply.iter().sum(),
                demand.iter().sum(),
                scale,
                "kWh",
            )?;
            for p in &f.pv {
                self.le(
                    t,
                    || format!("PV '{}' curtailed ≤ available", p.name),
                    p.curtailed_kwh[t],
                    p.pv_kwh[t],
                    "kWh",
                )?;
            }
            self.le(
                t,
                || "import ≤ import limit × step hours".into(),
                f.import_kwh[t],
                import_cap,
                "kWh",
            )?;
            self.le(
                t,
                || "export ≤ export limit × step hours".into(),
                f.export_kwh[t],
                export_cap,
                "kWh",
            )?;
            let both = f.import_kwh[t].min(f.export_kwh[t]);
            if both > tol(f.import_kwh[t].max(f.export_kwh[t])) {
                return Err(self.fail(
                    t,
                    "simultaneous import and export (min(import, export) = 0)".into(),
                    both,
                    "=",
                    0.0,
                    "kWh",
                ));
            }
            for ((b, bf), prev) in i
                .batteries
                .iter()
                .zip(&f.batteries)
                .zip(soc_prev.iter_mut())
            {
                let c = bf.charge_kwh[t];
                let d = bf.discharge_kwh[t];
                let soc = bf.soc_kwh[t];
                let kept = *prev * (1.0 - b.standing_loss_per_h * h).max(0.0);
                let stored_in = c * b.charge_efficiency;
                let drawn = d / b.discharge_efficiency;
                let expected = kept + stored_in - drawn;
                let scale = kept
                    .max(stored_in)
                    .max(drawn)
                    .max(soc.abs())
                    .max(b.energy_kwh);
                let name = &bf.name;
                self.eq(
                    t,
                    || {
                        format!(
                            "battery '{name}' SoC recursion (soc = soc_prev·(1 − loss·h) + η_c·charge − discharge/η_d)"
                        )
                    },
                    soc,
                    expected,
                    scale,
                    "kWh",
                )?;
                self.le(
                    t,
                    || format!("battery '{name}' charge ≤ charge_kw × h"),
                    c,
                    b.charge_kw * h,
                    "kWh",
                )?;
                self.le(
                    t,
                    || format!("battery '{name}' discharge ≤ discharge_kw × h"),
                    d,
                    b.discharge_kw * h,
                    "kWh",
                )?;
                self.le(
                    t,
                    || format!("battery '{name}' SoC ≤ capacity"),
                    soc,
                    b.energy_kwh,
                    "kWh",
                )?;
                let floor = (b.soc_min * b.energy_kwh).min(kept + stored_in);
                if soc < floor - tol(scale) {
                    return Err(self.fail(
                        t,
                        format!(
                            "battery '{name}' SoC ≥ min(soc_min × capacity, soc before discharge) \
                             (discharge below soc_min)"
                        ),
                        soc,
                        "≥",
                        floor,
                        "kWh",
                    ));
                }
                *prev = soc;
            }
            for (e, ef) in i.electrolysers.iter().zip(&f.electrolysers) {
                let x = ef.input_kwh[t];
                self.le(
                    t,
                    || format!("electrolyser '{}' input ≤ max_kw × h", e.name),
                    x,
                    e.max_kw * h,
                    "kWh",
                )?;
                self.eq(
                    t,
                    || {
                        format!(
                            "electrolyser '{}' conversion (h2_kg × kwh_per_kg = input_kwh)",
                            e.name
                        )
                    },
                    ef.h2_kg[t] * e.kwh_per_kg,
                    x,
                    x,
                    "kWh",
                )?;
            }
            for (fc, ff) in i.fuel_cells.iter().zip(&f.fuel_cells) {
                let x = ff.output_kwh[t];
                self.le(
                    t,
                    || format!("fuel cell '{}' output ≤ max_kw × h", fc.name),
                    x,
                    fc.max_kw * h,
                    "kWh",
                )?;
                self.eq(
                    t,
                    || {
                        format!(
                            "fuel cell '{}' conversion (h2_kg × kwh_per_kg = output_kwh)",
                            fc.name
                        )
                    },
                    ff.h2_kg[t] * fc.kwh_per_kg,
                    x,
                    x,
                    "kWh",
                )?;
            }
            let demand = f.h2_demand_kg[t];
            self.eq(
                t,
                || "hydrogen demand (served + unserved = demand)".into(),
                f.h2_served_kg[t] + f.h2_unserved_kg[t],
                demand,
                demand,
                "kg",
            )?;
            let level = f.tank_level_kg[t];
            let expected =
                level_prev + f.h2_produced_kg[t] - f.fuel_cell_h2_kg[t] - f.h2_served_kg[t];
            self.eq(
                t,
                || {
                    "tank level recursion (level = level_prev + produced − fuel cell − served)"
                        .into()
                },
                level,
                expected,
                level_prev
                    .max(h2_cap)
                    .max(f.h2_produced_kg[t])
                    .max(f.fuel_cell_h2_kg[t]),
                "kg",
            )?;
            self.le(
                t,
                || "tank level ≤ Σ capacity_kg".into(),
                level,
                h2_cap,
                "kg",
            )?;
            if level < h2_min - tol(h2_cap) {
                return Err(self.fail(t, "tank level ≥ Σ min_kg".into(), level, "≥", h2_min, "kg"));
            }
            level_prev = level;
        }
        Ok(())
    }

    /// A site with `site_limit_kw` delivers at most `limit × h` per step.
    fn check_site_limits(&self, flows: &Flows) -> Result<(), BalanceError> {
        let h = self.inputs.step_hours();
        for (e, site) in self.inputs.ev_chargers.iter().zip(&flows.ev_sites) {
            let Some(limit) = e.site_limit_kw else {
                continue;
            };
            for (t, &x) in site.charge_kwh.iter().enumerate() {
                self.le(
                    t,
                    || format!("EV site '{}' charging ≤ site_limit_kw × h", e.name),
                    x,
                    limit * h,
                    "kWh",
                )?;
            }
        }
        Ok(())
    }

    fn check_sessions(
        &self,
        what: &str,
        sessions: &[Vec<EvSession>],
        sites: &[crate::ChargingFlows],
    ) -> Result<(), BalanceError> {
        let n = self.inputs.len();
        let h = self.inputs.step_hours();
        for (list, site) in sessions.iter().zip(sites) {
            let wanted: f64 = list.iter().map(|s| s.energy_kwh).sum();
            let plugged_kw = quartier_model::plugged_kw(list, n);
            let mut delivered = 0.0;
            for (t, (&x, &kw)) in site.charge_kwh.iter().zip(&plugged_kw).enumerate() {
                let plugged = kw * h;
                delivered += x;
                self.le(
                    t,
                    || {
                        format!(
                            "{what} '{}' charging ≤ Σ max_kw × h of plugged sessions",
                            site.name
                        )
                    },
                    x,
                    plugged.max(0.0),
                    "kWh",
                )?;
            }
            if delivered > wanted + tol(wanted) {
                return Err(self.fail(
                    n.saturating_sub(1),
                    format!("{what} '{}' total charging ≤ Σ session energies", site.name),
                    delivered,
                    "≤",
                    wanted,
                    "kWh",
                ));
            }
        }
        Ok(())
    }
}

/// Running sums of the energy KPIs over a set of steps.
#[derive(Debug, Clone, Copy, Default)]
struct EnergySums {
    steps: usize,
    production: f64,
    consumption: f64,
    import: f64,
    export: f64,
    curtailed: f64,
    unserved: f64,
    peak_import: f64,
    co2_g: f64,
    cost: f64,
}

impl EnergySums {
    fn add(&mut self, i: &Inputs<'_>, f: &Flows, t: usize) {
        self.steps += 1;
        self.production += f.pv_kwh[t] - f.curtailed_kwh[t];
        self.consumption += f.load_kwh[t] + f.ev_kwh[t] + f.fleet_kwh[t] + f.electrolyser_kwh[t];
        self.import += f.import_kwh[t];
        self.export += f.export_kwh[t];
        self.curtailed += f.curtailed_kwh[t];
        self.unserved += f.unserved_kwh[t];
        self.peak_import = self.peak_import.max(f.import_kwh[t]);
        self.co2_g += f.import_kwh[t] * i.carbon_g_per_kwh[t];
        self.cost += f.import_kwh[t] * i.import_price_eur_per_kwh[t]
            - f.export_kwh[t] * i.export_price_eur_per_kwh[t];
    }

    fn self_consumption(&self) -> Option<f64> {
        (self.production > 0.0)
            .then(|| ((self.production - self.export) / self.production).clamp(0.0, 1.0))
    }

    fn self_sufficiency(&self) -> Option<f64> {
        (self.consumption > 0.0)
            .then(|| ((self.consumption - self.import) / self.consumption).clamp(0.0, 1.0))
    }

    fn monthly(&self, year: i32, month: u32, h: f64) -> MonthlyKpis {
        MonthlyKpis {
            year,
            month,
            steps: self.steps,
            production_kwh: self.production,
            consumption_kwh: self.consumption,
            import_kwh: self.import,
            export_kwh: self.export,
            curtailed_kwh: self.curtailed,
            unserved_kwh: self.unserved,
            self_consumption_rate: self.self_consumption(),
            self_sufficiency_rate: self.self_sufficiency(),
            balance_kwh: self.production - self.consumption,
            positive_energy: self.production - self.consumption >= 0.0,
            peak_import_kw: self.peak_import / h,
            co2_kg: self.co2_g / 1000.0,
            cost_eur: self.cost,
        }
    }
}

/// The local month of `time` and the UTC instant at which the next local month starts
/// (`None` when that local midnight does not exist; the caller then re-checks every step).
fn local_month(time: DateTime<Utc>, tz: Tz) -> ((i32, u32), Option<DateTime<Utc>>) {
    let local = time.with_timezone(&tz);
    let (y, m) = (local.year(), local.month());
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let next = NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| quartier_timeseries::local_midnight(d, tz).ok());
    ((y, m), next)
}

/// The month being summed: its local (year, month), the UTC start of the next local month
/// (when it exists) and the sums so far.
struct OpenMonth {
    key: (i32, u32),
    next: Option<DateTime<Utc>>,
    sums: EnergySums,
}

fn kpis(i: &Inputs<'_>, f: &Flows) -> Kpis {
    let h = i.step_hours();
    let mut total = EnergySums::default();
    let mut monthly = Vec::new();
    let mut open: Option<OpenMonth> = None;
    for t in 0..i.len() {
        let time = i.axis.time(t);
        let same_month = open.as_ref().is_some_and(|m| {
            m.next.is_some_and(|next| time < next) || local_month(time, i.timezone).0 == m.key
        });
        if !same_month {
            if let Some(m) = open.take() {
                monthly.push(m.sums.monthly(m.key.0, m.key.1, h));
            }
            let (key, next) = local_month(time, i.timezone);
            open = Some(OpenMonth {
                key,
                next,
                sums: EnergySums::default(),
            });
        }
        if let Some(m) = open.as_mut() {
            m.sums.add(i, f, t);
        }
        total.add(i, f, t);
    }
    if let Some(m) = open {
        monthly.push(m.sums.monthly(m.key.0, m.key.1, h));
    }
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let soc_initial: f64 = i
        .batteries
        .iter()
        .map(|b| b.soc_initial * b.energy_kwh)
        .sum();
    let soc_final = f.battery_soc_kwh.last().copied().unwrap_or(soc_initial);
    let charge = sum(&f.battery_charge_kwh);
    let discharge = sum(&f.battery_discharge_kwh);
    Kpis {
        production_kwh: total.production,
        consumption_kwh: total.consumption,
        import_kwh: total.import,
        export_kwh: total.export,
        self_consumption_rate: total.self_consumption(),
        self_sufficiency_rate: total.self_sufficiency(),
        annual_balance_kwh: total.production - total.consumption,
        positive_energy: total.production - total.consumption >= 0.0,
        peak_import_kw: total.peak_import / h,
        co2_kg: total.co2_g / 1000.0,
        cost_eur: total.cost,
        h2_produced_kg: sum(&f.h2_produced_kg),
        h2_demand_kg: sum(&f.h2_demand_kg),
        h2_demand_served_kg: sum(&f.h2_served_kg),
        h2_unserved_kg: sum(&f.h2_unserved_kg),
        curtailed_kwh: total.curtailed,
        unserved_kwh: total.unserved,
        battery_throughput_kwh: discharge,
        battery_losses_kwh: charge - discharge - (soc_final - soc_initial),
        ev_energy_kwh: sum(&f.ev_kwh) + sum(&f.fleet_kwh),
        electrolyser_kwh: sum(&f.electrolyser_kwh),
        fuel_cell_kwh: sum(&f.fuel_cell_kwh),
        monthly,
    }
}
