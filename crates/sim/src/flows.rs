//! What a controller decides: per-step energy and hydrogen flows, per component where it
//! matters and as district totals, with units in the field names.
//!
//! Every controller (the rule controller here, the LP optimiser elsewhere) produces [`Flows`];
//! [`crate::account`] checks them and turns them into KPIs. [`Flows::columns`] lists every
//! per-step vector with a stable name so that writers (CSV, charts) need not know the struct.
//! Energies are per interval (kWh), hydrogen per interval (kg); levels (battery state of
//! charge, tank level) are at the *end* of each interval.

use quartier_timeseries::Axis;

use crate::Inputs;

/// Flows of one PV system.
#[derive(Debug, Clone, PartialEq)]
pub struct PvFlows {
    /// System name.
    pub name: String,
    /// AC energy the system can produce, kWh (before curtailment; equals the input).
    pub pv_kwh: Vec<f64>,
    /// Part of it curtailed, kWh.
    pub curtailed_kwh: Vec<f64>,
}

/// Flows of one battery (AC side).
#[derive(Debug, Clone, PartialEq)]
pub struct BatteryFlows {
    /// Battery name.
    pub name: String,
    /// Energy taken from the bus, kWh.
    pub charge_kwh: Vec<f64>,
    /// Energy delivered to the bus, kWh.
    pub discharge_kwh: Vec<f64>,
    /// Stored energy at the end of the interval, kWh.
    pub soc_kwh: Vec<f64>,
}

/// Charging energy of one EV charging site or one fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargingFlows {
    /// Site or fleet name.
    pub name: String,
    /// Energy delivered to vehicles, kWh.
    pub charge_kwh: Vec<f64>,
}

/// Flows of one electrolyser.
#[derive(Debug, Clone, PartialEq)]
pub struct ElectrolyserFlows {
    /// Electrolyser name.
    pub name: String,
    /// Electricity consumed, kWh.
    pub input_kwh: Vec<f64>,
    /// Hydrogen produced, kg (`input_kwh / kwh_per_kg`).
    pub h2_kg: Vec<f64>,
}

/// Flows of one fuel cell.
#[derive(Debug, Clone, PartialEq)]
pub struct FuelCellFlows {
    /// Fuel cell name.
    pub name: String,
    /// Electricity produced, kWh.
    pub output_kwh: Vec<f64>,
    /// Hydrogen consumed, kg (`output_kwh / kwh_per_kg`).
    pub h2_kg: Vec<f64>,
}

/// All flows of a run on one axis. Per-component vectors follow the district's order.
///
/// District totals are the sums of the per-component vectors ([`Flows::fill_totals`]
/// recomputes them); the accounting pass checks both.
#[derive(Debug, Clone, PartialEq)]
pub struct Flows {
    /// The axis.
    pub axis: Axis,
    /// Per PV system.
    pub pv: Vec<PvFlows>,
    /// Per battery.
    pub batteries: Vec<BatteryFlows>,
    /// Per EV charging site.
    pub ev_sites: Vec<ChargingFlows>,
    /// Per fleet.
    pub fleets: Vec<ChargingFlows>,
    /// Per electrolyser.
    pub electrolysers: Vec<ElectrolyserFlows>,
    /// Per fuel cell.
    pub fuel_cells: Vec<FuelCellFlows>,
    /// PV AC energy available (before curtailment), kWh.
    pub pv_kwh: Vec<f64>,
    /// PV energy curtailed, kWh.
    pub curtailed_kwh: Vec<f64>,
    /// Energy of the loads, kWh.
    pub load_kwh: Vec<f64>,
    /// EV charging (sites), kWh.
    pub ev_kwh: Vec<f64>,
    /// Fleet charging, kWh.
    pub fleet_kwh: Vec<f64>,
    /// Battery charging (AC side), kWh.
    pub battery_charge_kwh: Vec<f64>,
    /// Battery discharging (AC side), kWh.
    pub battery_discharge_kwh: Vec<f64>,
    /// Energy stored in all batteries at the end of the interval, kWh.
    pub battery_soc_kwh: Vec<f64>,
    /// Electricity consumed by electrolysers, kWh.
    pub electrolyser_kwh: Vec<f64>,
    /// Hydrogen produced, kg.
    pub h2_produced_kg: Vec<f64>,
    /// Electricity produced by fuel cells, kWh.
    pub fuel_cell_kwh: Vec<f64>,
    /// Hydrogen consumed by fuel cells, kg.
    pub fuel_cell_h2_kg: Vec<f64>,
    /// Hydrogen demand (refuelling), kg.
    pub h2_demand_kg: Vec<f64>,
    /// Hydrogen demand served from the tanks, kg.
    pub h2_served_kg: Vec<f64>,
    /// Hydrogen demand not served, kg.
    pub h2_unserved_kg: Vec<f64>,
    /// Hydrogen in the pooled tanks at the end of the interval, kg.
    pub tank_level_kg: Vec<f64>,
    /// Grid import, kWh.
    pub import_kwh: Vec<f64>,
    /// Grid export, kWh.
    pub export_kwh: Vec<f64>,
    /// Demand that could not be supplied (import limit reached), kWh. Reported, never hidden.
    pub unserved_kwh: Vec<f64>,
}

impl Flows {
    /// All-zero flows shaped like `inputs`: one entry per component, named after it, with
    /// `pv_kwh` (per system and total), `load_kwh` and `h2_demand_kg` copied from the
    /// inputs, battery SoC at its initial value and the tank level at the pooled initial
    /// level. A controller then fills in its decisions and calls [`Flows::fill_totals`].
    pub fn zeros(inputs: &Inputs<'_>) -> Flows {
        let n = inputs.len();
        let z = || vec![0.0; n];
        let mut load_kwh = z();
        for l in &inputs.loads_kwh {
            for (total, v) in load_kwh.iter_mut().zip(l) {
                *total += v;
            }
        }
        let mut flows = Flows {
            axis: inputs.axis,
            pv: inputs
                .pv_systems
                .iter()
                .zip(&inputs.pv_kwh)
                .map(|(p, v)| PvFlows {
                    name: p.name.clone(),
                    pv_kwh: v.clone(),
                    curtailed_kwh: z(),
                })
                .collect(),
            batteries: inputs
                .batteries
                .iter()
                .map(|b| BatteryFlows {
                    name: b.name.clone(),
                    charge_kwh: z(),
                    discharge_kwh: z(),
                    soc_kwh: vec![b.soc_initial * b.energy_kwh; n],
                })
                .collect(),
            ev_sites: inputs
                .ev_chargers
                .iter()
                .map(|e| ChargingFlows {
                    name: e.name.clone(),
                    charge_kwh: z(),
                })
                .collect(),
            fleets: inputs
                .fleets
                .iter()
                .map(|f| ChargingFlows {
                    name: f.name.clone(),
                    charge_kwh: z(),
                })
                .collect(),
            electrolysers: inputs
                .electrolysers
                .iter()
                .map(|e| ElectrolyserFlows {
                    name: e.name.clone(),
                    input_kwh: z(),
                    h2_kg: z(),
                })
                .collect(),
            fuel_cells: inputs
                .fuel_cells
                .iter()
                .map(|f| FuelCellFlows {
                    name: f.name.clone(),
                    output_kwh: z(),
                    h2_kg: z(),
                })
                .collect(),
            pv_kwh: z(),
            curtailed_kwh: z(),
            load_kwh,
            ev_kwh: z(),
            fleet_kwh: z(),
            battery_charge_kwh: z(),
            battery_discharge_kwh: z(),
            battery_soc_kwh: z(),
            electrolyser_kwh: z(),
            h2_produced_kg: z(),
            fuel_cell_kwh: z(),
            fuel_cell_h2_kg: z(),
            h2_demand_kg: inputs.h2_demand_kg.clone(),
            h2_served_kg: z(),
            h2_unserved_kg: z(),
            tank_level_kg: vec![inputs.tank_pool_kg().2; n],
            import_kwh: z(),
            export_kwh: z(),
            unserved_kwh: z(),
        };
        flows.fill_totals();
        flows
    }

    /// Recomputes the district totals that are sums of per-component vectors: `pv_kwh`,
    /// `curtailed_kwh`, `ev_kwh`, `fleet_kwh`, `battery_charge_kwh`, `battery_discharge_kwh`,
    /// `battery_soc_kwh`, `electrolyser_kwh`, `h2_produced_kg`, `fuel_cell_kwh`,
    /// `fuel_cell_h2_kg`. Other totals (loads, grid, hydrogen demand and tank) are set by
    /// the controller.
    pub fn fill_totals(&mut self) {
        fn sum<'v>(out: &mut [f64], parts: impl Iterator<Item = &'v Vec<f64>>) {
            out.iter_mut().for_each(|v| *v = 0.0);
            for p in parts {
                for (o, v) in out.iter_mut().zip(p) {
                    *o += v;
                }
            }
        }
        sum(&mut self.pv_kwh, self.pv.iter().map(|p| &p.pv_kwh));
        sum(
            &mut self.curtailed_kwh,
            self.pv.iter().map(|p| &p.curtailed_kwh),
        );
        sum(
            &mut self.ev_kwh,
            self.ev_sites.iter().map(|e| &e.charge_kwh),
        );
        sum(
            &mut self.fleet_kwh,
            self.fleets.iter().map(|e| &e.charge_kwh),
        );
        sum(
            &mut self.battery_charge_kwh,
            self.batteries.iter().map(|b| &b.charge_kwh),
        );
        sum(
            &mut self.battery_discharge_kwh,
            self.batteries.iter().map(|b| &b.discharge_kwh),
        );
        sum(
            &mut self.battery_soc_kwh,
            self.batteries.iter().map(|b| &b.soc_kwh),
        );
        sum(
            &mut self.electrolyser_kwh,
            self.electrolysers.iter().map(|e| &e.input_kwh),
        );
        sum(
            &mut self.h2_produced_kg,
            self.electrolysers.iter().map(|e| &e.h2_kg),
        );
        sum(
            &mut self.fuel_cell_kwh,
            self.fuel_cells.iter().map(|f| &f.output_kwh),
        );
        sum(
            &mut self.fuel_cell_h2_kg,
            self.fuel_cells.iter().map(|f| &f.h2_kg),
        );
    }

    /// [`Flows::fill_totals`] at one step only (same sums, same order of addition).
    pub fn fill_totals_at(&mut self, t: usize) {
        fn sum<'v>(parts: impl Iterator<Item = &'v Vec<f64>>, t: usize) -> f64 {
            parts.fold(0.0, |acc, p| acc + p.get(t).copied().unwrap_or(0.0))
        }
        if t >= self.pv_kwh.len() {
            return;
        }
        self.pv_kwh[t] = sum(self.pv.iter().map(|p| &p.pv_kwh), t);
        self.curtailed_kwh[t] = sum(self.pv.iter().map(|p| &p.curtailed_kwh), t);
        self.ev_kwh[t] = sum(self.ev_sites.iter().map(|e| &e.charge_kwh), t);
        self.fleet_kwh[t] = sum(self.fleets.iter().map(|e| &e.charge_kwh), t);
        self.battery_charge_kwh[t] = sum(self.batteries.iter().map(|b| &b.charge_kwh), t);
        self.battery_discharge_kwh[t] = sum(self.batteries.iter().map(|b| &b.discharge_kwh), t);
        self.battery_soc_kwh[t] = sum(self.batteries.iter().map(|b| &b.soc_kwh), t);
        self.electrolyser_kwh[t] = sum(self.electrolysers.iter().map(|e| &e.input_kwh), t);
        self.h2_produced_kg[t] = sum(self.electrolysers.iter().map(|e| &e.h2_kg), t);
        self.fuel_cell_kwh[t] = sum(self.fuel_cells.iter().map(|f| &f.output_kwh), t);
        self.fuel_cell_h2_kg[t] = sum(self.fuel_cells.iter().map(|f| &f.h2_kg), t);
    }

    /// Every per-step vector with its column name, in a stable order: district totals first
    /// (named `name_unit`, e.g. `import_kwh`), then per component in the district's order,
    /// named `{component}-{attribute}` (e.g. `roof-a-curtailed_kwh`, `b1-soc_kwh`,
    /// `depot-fleet_kwh`, `pem-h2_produced_kg`).
    pub fn columns(&self) -> Vec<(String, &[f64])> {
        let mut cols: Vec<(String, &[f64])> = vec![
            ("pv_kwh".into(), &self.pv_kwh),
            ("curtailed_kwh".into(), &self.curtailed_kwh),
            ("load_kwh".into(), &self.load_kwh),
            ("ev_kwh".into(), &self.ev_kwh),
            ("fleet_kwh".into(), &self.fleet_kwh),
            ("battery_charge_kwh".into(), &self.battery_charge_kwh),
            ("battery_discharge_kwh".into(), &self.battery_discharge_kwh),
            ("battery_soc_kwh".into(), &self.battery_soc_kwh),
            ("electrolyser_kwh".into(), &self.electrolyser_kwh),
            ("h2_produced_kg".into(), &self.h2_produced_kg),
            ("fuel_cell_kwh".into(), &self.fuel_cell_kwh),
            ("fuel_cell_h2_kg".into(), &self.fuel_cell_h2_kg),
            ("h2_demand_kg".into(), &self.h2_demand_kg),
            ("h2_served_kg".into(), &self.h2_served_kg),
            ("h2_unserved_kg".into(), &self.h2_unserved_kg),
            ("tank_level_kg".into(), &self.tank_level_kg),
            ("import_kwh".into(), &self.import_kwh),
            ("export_kwh".into(), &self.export_kwh),
            ("unserved_kwh".into(), &self.unserved_kwh),
        ];
        for p in &self.pv {
            cols.push((format!("{}-pv_kwh", p.name), &p.pv_kwh));
            cols.push((format!("{}-curtailed_kwh", p.name), &p.curtailed_kwh));
        }
        for b in &self.batteries {
            cols.push((format!("{}-charge_kwh", b.name), &b.charge_kwh));
            cols.push((format!("{}-discharge_kwh", b.name), &b.discharge_kwh));
            cols.push((format!("{}-soc_kwh", b.name), &b.soc_kwh));
        }
        for e in &self.ev_sites {
            cols.push((format!("{}-ev_kwh", e.name), &e.charge_kwh));
        }
        for f in &self.fleets {
            cols.push((format!("{}-fleet_kwh", f.name), &f.charge_kwh));
        }
        for e in &self.electrolysers {
            cols.push((format!("{}-electrolyser_kwh", e.name), &e.input_kwh));
            cols.push((format!("{}-h2_produced_kg", e.name), &e.h2_kg));
        }
        for f in &self.fuel_cells {
            cols.push((format!("{}-fuel_cell_kwh", f.name), &f.output_kwh));
            cols.push((format!("{}-fuel_cell_h2_kg", f.name), &f.h2_kg));
        }
        cols
    }
}
