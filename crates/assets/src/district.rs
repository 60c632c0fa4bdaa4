//! The registry derived from a district model: one asset per physical component, linked to
//! it by name, with the default capex of [`crate::CAPEX`] for its capacity.
//!
//! | model component | assets |
//! |---|---|
//! | `[[pv]]` | a `pv_array` named after it and an `inverter` named `NAME-inverter` (AC rating `kwp / dc_ac_ratio`) |
//! | `[[batteries]]` | a `battery` (energy and power terms) |
//! | `[[electrolysers]]`, `[[hydrogen_tanks]]`, `[[fuel_cells]]` | one asset each |
//! | `[[ev_charging]]` | one `charger` per charge point, `NAME-01`, `NAME-02`, … |
//! | `[[fleets]]` | one asset per vehicle, `NAME-01`, …: `cargo_bike` when the fleet uses at most [`CARGO_BIKE_MAX_KWH_PER_KM`], else `other` (no default capex) |
//! | `[[participants]]` | one `meter` per participant, `meter-ID`, linked to its PRM |
//!
//! Loads and hydrogen demands are uses, not assets, and get none. Every asset is placed at
//! the site's coordinates and, when it belongs to a participant, at that participant's name.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use quartier_model::District;

use crate::asset::Asset;
use crate::kind::{AssetKind, Quantity, default_capex_eur};

/// A fleet whose consumption at the plug is at most this, kWh/km, is taken as cargo bikes
/// (electric cargo bikes use ~0.01–0.03 kWh/km; the smallest electric cars ~0.12).
pub const CARGO_BIKE_MAX_KWH_PER_KM: f64 = 0.05;

/// One asset per component of `district`, all commissioned on `commissioned_on`, in good
/// condition (5), with their kind's default lifetime and O&M and the default capex of their
/// capacity. Names are unique (a clash gets a `#2`, `#3`… suffix).
pub fn registry_from_district(district: &District, commissioned_on: NaiveDate) -> Vec<Asset> {
    let mut b = Builder {
        district,
        commissioned_on,
        names: BTreeSet::new(),
        out: Vec::new(),
    };
    for pv in &district.pv_systems {
        let kwp = pv.spec.kwp;
        let inverter_kw = if pv.spec.dc_ac_ratio > 0.0 {
            kwp / pv.spec.dc_ac_ratio
        } else {
            kwp
        };
        let p = pv.participant.as_deref();
        b.push(
            &pv.name,
            AssetKind::PvArray,
            &pv.name,
            p,
            &[(Quantity::PvKwp, kwp)],
        );
        b.push(
            &format!("{}-inverter", pv.name),
            AssetKind::Inverter,
            &pv.name,
            p,
            &[(Quantity::InverterKw, inverter_kw)],
        );
    }
    for bat in &district.batteries {
        let kw = bat.charge_kw.max(bat.discharge_kw);
        b.push(
            &bat.name,
            AssetKind::Battery,
            &bat.name,
            bat.participant.as_deref(),
            &[
                (Quantity::BatteryKwh, bat.energy_kwh),
                (Quantity::BatteryKw, kw),
            ],
        );
    }
    // Single-quantity components not tied to a participant, in this order.
    let electrolysers = district.electrolysers.iter().map(|e| {
        let q = (Quantity::ElectrolyserKw, e.max_kw);
        (&e.name, AssetKind::Electrolyser, q)
    });
    let tanks = district.hydrogen_tanks.iter().map(|t| {
        let q = (Quantity::TankKg, t.capacity_kg);
        (&t.name, AssetKind::HydrogenTank, q)
    });
    let fuel_cells = district.fuel_cells.iter().map(|f| {
        let q = (Quantity::FuelCellKw, f.max_kw);
        (&f.name, AssetKind::FuelCell, q)
    });
    for (name, kind, quantity) in electrolysers.chain(tanks).chain(fuel_cells) {
        b.push(name, kind, name, None, &[quantity]);
    }
    for ev in &district.ev_chargers {
        let width = digits(ev.chargers);
        for i in 1..=ev.chargers {
            b.push(
                &format!("{}-{i:0width$}", ev.name),
                AssetKind::Charger,
                &ev.name,
                ev.participant.as_deref(),
                &[(Quantity::ChargePoint, 1.0)],
            );
        }
    }
    for fleet in &district.fleets {
        let kind = if fleet.kwh_per_km <= CARGO_BIKE_MAX_KWH_PER_KM {
            AssetKind::CargoBike
        } else {
            AssetKind::Other
        };
        let width = digits(fleet.vehicles);
        for i in 1..=fleet.vehicles {
            b.push(
                &format!("{}-{i:0width$}", fleet.name),
                kind,
                &fleet.name,
                fleet.participant.as_deref(),
                &[(Quantity::Vehicle, 1.0)],
            );
        }
    }
    for p in &district.participants {
        b.push(
            &format!("meter-{}", p.id),
            AssetKind::Meter,
            &p.id,
            Some(&p.id),
            &[(Quantity::Meter, 1.0)],
        );
    }
    b.out
}

/// Digits of `n` (at least 2), for zero-padded numbering.
fn digits(n: u32) -> usize {
    n.to_string().len().max(2)
}

struct Builder<'a> {
    district: &'a District,
    commissioned_on: NaiveDate,
    names: BTreeSet<String>,
    out: Vec<Asset>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        name: &str,
        kind: AssetKind,
        component: &str,
        participant: Option<&str>,
        amounts: &[(Quantity, f64)],
    ) {
        let mut unique = name.to_owned();
        let mut n = 1;
        while self.names.contains(&unique) {
            n += 1;
            unique = format!("{name}#{n}");
        }
        self.names.insert(unique.clone());
        let capex = default_capex_eur(kind, amounts);
        let capex = if capex.is_finite() && capex >= 0.0 {
            capex
        } else {
            0.0
        };
        let mut a = Asset::new(&unique, kind, self.commissioned_on, capex);
        a.component = Some(component.to_owned());
        let site = &self.district.site;
        a.location = participant
            .and_then(|id| self.district.participants.iter().find(|p| p.id == id))
            .map_or_else(|| site.name.clone(), |p| p.name.clone());
        a.latitude_deg = Some(site.latitude_deg);
        a.longitude_deg = Some(site.longitude_deg);
        self.out.push(a);
    }
}
