//! The rule-based controller: the reference baseline every optimiser is compared with.
//!
//! It looks at one step at a time, with no forecast except the hydrogen demand of the next
//! hours (a known refuelling schedule), and applies fixed priorities. Its flows go through the
//! same accounting pass ([`crate::account`]) as the optimiser's, so KPIs are comparable.
//!
//! At every step `t`, in this order:
//!
//! 1. **Charging sessions** (EV sites and fleets) charge as soon as the vehicle is plugged
//!    in, at the session's maximum power, never more than the energy it still needs. Sessions
//!    are independent (no charger-count limit): this is the "dumb charging" baseline that
//!    smart charging is measured against. A vehicle that leaves before it is full leaves
//!    with what it got. A site with a `site_limit_kw` (load management) shares that power
//!    among its plugged sessions, the one leaving first served first (then the one plugged
//!    first), each at most at its own power.
//! 2. **Hydrogen demand** (refuelling) is served from the pooled tanks above their minimum
//!    level; what cannot be served is `h2_unserved_kg`. Tanks are pooled: capacities,
//!    minimum and initial levels add up.
//! 3. **Standing loss** of each battery: stored energy × (1 − loss per hour × step hours).
//! 4. **Surplus** (PV ≥ loads + EV + fleets): PV feeds the loads, then charges the
//!    batteries, then runs the electrolysers, then is exported up to the export limit; the
//!    rest is curtailed, shared among PV systems in proportion to their output.
//!    Electrolysers run in the district's order, each only if it can take at least its
//!    `min_kw` (and at most its `max_kw`) and only while the pooled tanks have room.
//! 5. **Deficit** (PV < loads + EV + fleets): the batteries discharge (down to `soc_min`),
//!    then the fuel cells run (in the district's order, up to `max_kw`), then the grid
//!    imports up to the import limit; what remains is `unserved_kwh`, reported and never
//!    hidden. A fuel cell runs only if it can deliver at least its `min_kw` (the deficit
//!    left and its hydrogen allow it); otherwise it stays off and the next fuel cell or the
//!    grid covers the deficit: it never runs at its minimum to export or curtail the
//!    excess. Fuel cells only burn hydrogen above the tanks' minimum level **plus the
//!    hydrogen demand of the next [`RuleConfig::h2_reserve_hours`] hours** (168 h by
//!    default, a week of refuelling autonomy): refuelling keeps priority over
//!    re-electrification.
//! 6. **Grid charging** of batteries, only if [`RuleConfig::battery_grid_charging`] allows
//!    it (default: never), and only in a step where no battery discharged, nothing was
//!    exported and nothing was unserved, within the import limit left.
//!
//! **Several batteries** share a surplus (or a deficit) in proportion to their charge (or
//! discharge) power ratings; a battery that is full (or empty, or at its power limit) passes
//! the rest of its share to the others, so the pool takes as much as the batteries together
//! can. Charge efficiency applies on the way in (stored = η_c × charge), discharge efficiency
//! on the way out (delivered = η_d × drawn), power limits are kW × step hours.
//!
//! The controller never imports and exports in the same step and never curtails while
//! importing.

use crate::{Flows, Inputs, Progress, SimError};
use quartier_model::EvSession;

/// Options of the rule controller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleConfig {
    /// Whether batteries may charge from the grid (default: never).
    pub battery_grid_charging: GridCharging,
    /// Hours of future hydrogen demand kept in the tanks for refuelling: fuel cells only use
    /// hydrogen above the tanks' minimum level plus this demand (default 168 h, a week).
    pub h2_reserve_hours: f64,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            battery_grid_charging: GridCharging::Never,
            h2_reserve_hours: 168.0,
        }
    }
}

/// When batteries may charge from the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GridCharging {
    /// Only from local surplus.
    Never,
    /// Also from the grid, at full available power, in steps whose import price is at most
    /// this (EUR/kWh).
    WhenPriceAtMost {
        /// Price threshold, EUR/kWh.
        eur_per_kwh: f64,
    },
}

impl RuleConfig {
    fn validate(&self) -> Result<(), SimError> {
        let bad = |attribute, value| SimError::Parameter {
            component: "rule controller".into(),
            attribute,
            value,
            expected: "a finite value ≥ 0",
        };
        if !(self.h2_reserve_hours.is_finite() && self.h2_reserve_hours >= 0.0) {
            return Err(bad("h2_reserve_hours", self.h2_reserve_hours));
        }
        if let GridCharging::WhenPriceAtMost { eur_per_kwh } = self.battery_grid_charging
            && eur_per_kwh.is_nan()
        {
            return Err(SimError::Parameter {
                component: "rule controller".into(),
                attribute: "battery_grid_charging.eur_per_kwh",
                value: eur_per_kwh,
                expected: "a price, EUR/kWh",
            });
        }
        Ok(())
    }
}

/// Runs the rule controller over the whole axis (see the module documentation), reporting
/// progress in steps.
pub fn simulate(
    inputs: &Inputs<'_>,
    config: &RuleConfig,
    progress: &mut dyn Progress,
) -> Result<Flows, SimError> {
    inputs.validate()?;
    config.validate()?;
    let n = inputs.len();
    let h = inputs.step_hours();
    let mut f = Flows::zeros(inputs);
    for ((site, sessions), e) in f
        .ev_sites
        .iter_mut()
        .zip(&inputs.ev_sessions)
        .zip(inputs.ev_chargers)
    {
        match e.site_limit_kw {
            Some(limit) => charge_shared(sessions, h, limit * h, &mut site.charge_kwh),
            None => charge_asap(sessions, h, &mut site.charge_kwh),
        }
    }
    for (fleet, sessions) in f.fleets.iter_mut().zip(&inputs.fleet_sessions) {
        charge_asap(sessions, h, &mut fleet.charge_kwh);
    }
    f.fill_totals();

    // Hydrogen demand over (t, t + reserve]: prefix sums.
    let reserve_steps = (config.h2_reserve_hours / h).round() as usize;
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0);
    let mut acc = 0.0;
    for d in &inputs.h2_demand_kg {
        acc += d;
        prefix.push(acc);
    }
    let prefix_at = |i: usize| prefix.get(i.min(n)).copied().unwrap_or(acc);

    let (h2_min, h2_cap, mut level) = inputs.tank_pool_kg();
    let bats = inputs.batteries;
    let nb = bats.len();
    let mut soc: Vec<f64> = bats.iter().map(|b| b.soc_initial * b.energy_kwh).collect();
    let decay: Vec<f64> = bats
        .iter()
        .map(|b| (1.0 - b.standing_loss_per_h * h).max(0.0))
        .collect();
    let charge_w: Vec<f64> = bats.iter().map(|b| b.charge_kw).collect();
    let discharge_w: Vec<f64> = bats.iter().map(|b| b.discharge_kw).collect();
    let mut cap = vec![0.0; nb];
    let mut alloc = vec![0.0; nb];
    let mut charged = vec![0.0; nb];
    let mut active = Vec::with_capacity(nb);
    let import_cap = inputs.grid.import_limit_kw * h;
    let export_cap = inputs.grid.export_limit_kw * h;
    let report_every = (n / 100).max(1);

    for t in 0..n {
        // 2. Hydrogen demand.
        let demand = inputs.h2_demand_kg[t];
        let served = demand.min((level - h2_min).max(0.0));
        level -= served;
        f.h2_served_kg[t] = served;
        f.h2_unserved_kg[t] = demand - served;

        // 3. Standing loss.
        for (s, d) in soc.iter_mut().zip(&decay) {
            *s *= d;
        }
        charged.fill(0.0);

        let need = f.load_kwh[t] + f.ev_kwh[t] + f.fleet_kwh[t];
        let pv = f.pv_kwh[t];
        let (mut import, mut export, mut unserved) = (0.0, 0.0, 0.0);
        let mut discharged_any = false;
        if pv >= need {
            // 4. Surplus.
            let mut surplus = pv - need;
            for ((c, b), s) in cap.iter_mut().zip(bats).zip(&soc) {
                *c = ((b.energy_kwh - s) / b.charge_efficiency)
                    .max(0.0)
                    .min(b.charge_kw * h);
            }
            let got = share(surplus, &charge_w, &cap, &mut alloc, &mut active);
            for (k, b) in bats.iter().enumerate() {
                charged[k] = alloc[k];
                soc[k] += alloc[k] * b.charge_efficiency;
            }
            surplus = (surplus - got).max(0.0);
            for (e, ef) in inputs.electrolysers.iter().zip(f.electrolysers.iter_mut()) {
                let room_kwh = (h2_cap - level).max(0.0) * e.kwh_per_kg;
                let x = surplus.min(e.max_kw * h).min(room_kwh);
                if runs(x, e.min_kw, h) {
                    let kg = x / e.kwh_per_kg;
                    level += kg;
                    surplus -= x;
                    ef.input_kwh[t] = x;
                    ef.h2_kg[t] = kg;
                }
            }
            export = surplus.min(export_cap);
            let curtailed = surplus - export;
            if curtailed > 0.0 && pv > 0.0 {
                let ratio = (curtailed / pv).min(1.0);
                for p in f.pv.iter_mut() {
                    p.curtailed_kwh[t] = p.pv_kwh[t] * ratio;
                }
            }
        } else {
            // 5. Deficit.
            let mut deficit = need - pv;
            for ((c, b), s) in cap.iter_mut().zip(bats).zip(&soc) {
                *c = ((s - b.soc_min * b.energy_kwh).max(0.0) * b.discharge_efficiency)
                    .min(b.discharge_kw * h);
            }
            let got = share(deficit, &discharge_w, &cap, &mut alloc, &mut active);
            for (k, b) in bats.iter().enumerate() {
                if alloc[k] > 0.0 {
                    discharged_any = true;
                    f.batteries[k].discharge_kwh[t] = alloc[k];
                    soc[k] -= alloc[k] / b.discharge_efficiency;
                }
            }
            deficit = (deficit - got).max(0.0);
            let reserve =
                prefix_at(t.saturating_add(1).saturating_add(reserve_steps)) - prefix_at(t + 1);
            let mut avail_kg = (level - h2_min - reserve).max(0.0);
            for (fc, ff) in inputs.fuel_cells.iter().zip(f.fuel_cells.iter_mut()) {
                let out = deficit.min(fc.max_kw * h).min(avail_kg * fc.kwh_per_kg);
                if runs(out, fc.min_kw, h) {
                    let kg = out / fc.kwh_per_kg;
                    avail_kg = (avail_kg - kg).max(0.0);
                    level -= kg;
                    deficit -= out;
                    ff.output_kwh[t] = out;
                    ff.h2_kg[t] = kg;
                }
            }
            import = deficit.min(import_cap);
            unserved = deficit - import;
        }

        // 6. Grid charging.
        if let GridCharging::WhenPriceAtMost { eur_per_kwh } = config.battery_grid_charging
            && inputs.import_price_eur_per_kwh[t] <= eur_per_kwh
            && !discharged_any
            && export == 0.0
            && unserved == 0.0
        {
            for (k, b) in bats.iter().enumerate() {
                cap[k] = ((b.energy_kwh - soc[k]) / b.charge_efficiency)
                    .max(0.0)
                    .min((b.charge_kw * h - charged[k]).max(0.0));
            }
            let margin = (import_cap - import).max(0.0);
            let got = share(margin, &charge_w, &cap, &mut alloc, &mut active);
            for (k, b) in bats.iter().enumerate() {
                charged[k] += alloc[k];
                soc[k] += alloc[k] * b.charge_efficiency;
            }
            import += got;
        }

        for (k, bf) in f.batteries.iter_mut().enumerate() {
            bf.charge_kwh[t] = charged[k];
            bf.soc_kwh[t] = soc[k];
        }
        f.tank_level_kg[t] = level;
        f.import_kwh[t] = import;
        f.export_kwh[t] = export;
        f.unserved_kwh[t] = unserved;
        if (t + 1) % report_every == 0 || t + 1 == n {
            progress.progress(t + 1, n);
        }
    }
    f.fill_totals();
    Ok(f)
}

/// Whether a unit with a minimum power (electrolyser, fuel cell) runs at `x` kWh in a step of
/// `h` hours: it does only at `x > 0` and `x ≥ min_kw·h`; otherwise it stays off.
fn runs(x: f64, min_kw: f64, h: f64) -> bool {
    x > 0.0 && x >= min_kw * h
}

/// Charges each session as soon as it is plugged in: `max_kw × h` per step until its energy
/// is delivered or it leaves. Adds into `out` (one value per step).
fn charge_asap(sessions: &[EvSession], h: f64, out: &mut [f64]) {
    let n = out.len();
    for s in sessions {
        let per_step = s.max_kw * h;
        let mut remaining = s.energy_kwh;
        let Some(plugged) = out.get_mut(s.arrival.min(n)..s.departure.min(n)) else {
            continue;
        };
        for slot in plugged {
            if remaining <= 0.0 {
                break;
            }
            let x = per_step.min(remaining);
            *slot += x;
            remaining -= x;
        }
    }
}

/// Charges the sessions of a site whose plugged sessions share `limit_kwh` per step: at each
/// step the sessions still short of their energy are served in order of departure (the one
/// leaving first, then the one plugged first), each at most at its power, until the site's
/// power is used. Without a binding limit this is [`charge_asap`].
fn charge_shared(sessions: &[EvSession], h: f64, limit_kwh: f64, out: &mut [f64]) {
    let n = out.len();
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by_key(|&k| sessions.get(k).map(|s| (s.arrival, k)));
    let mut remaining: Vec<f64> = sessions.iter().map(|s| s.energy_kwh).collect();
    let mut active: Vec<usize> = Vec::new();
    let mut next = order.iter().peekable();
    for (t, slot) in out.iter_mut().enumerate().take(n) {
        while let Some(&&k) = next.peek() {
            if sessions.get(k).is_some_and(|s| s.arrival <= t) {
                active.push(k);
                next.next();
            } else {
                break;
            }
        }
        active.retain(|&k| {
            sessions.get(k).is_some_and(|s| s.departure > t)
                && remaining.get(k).is_some_and(|r| *r > 0.0)
        });
        active.sort_by_key(|&k| sessions.get(k).map(|s| (s.departure, s.arrival, k)));
        let mut left = limit_kwh;
        for &k in &active {
            let (Some(s), Some(r)) = (sessions.get(k), remaining.get_mut(k)) else {
                continue;
            };
            if left <= 0.0 {
                break;
            }
            let x = (s.max_kw * h).min(*r).min(left);
            *slot += x;
            *r -= x;
            left -= x;
        }
    }
}

/// Splits `amount` among units in proportion to `weights`, each capped at `cap[i]`; a unit
/// that reaches its cap passes the rest of its share to the others (water filling). Writes
/// each unit's part into `alloc` and returns their sum (≤ `amount`, ≤ Σ caps).
fn share(
    amount: f64,
    weights: &[f64],
    cap: &[f64],
    alloc: &mut [f64],
    active: &mut Vec<usize>,
) -> f64 {
    alloc.fill(0.0);
    active.clear();
    active.extend((0..alloc.len()).filter(|&i| {
        cap.get(i).is_some_and(|&c| c > 0.0) && weights.get(i).is_some_and(|&w| w > 0.0)
    }));
    let mut remaining = amount;
    while remaining > 0.0 && !active.is_empty() {
        let wsum: f64 = active.iter().map(|&i| weights[i]).sum();
        let before = active.len();
        let mut given = 0.0;
        active.retain(|&i| {
            if remaining * weights[i] / wsum >= cap[i] {
                alloc[i] = cap[i];
                given += cap[i];
                false
            } else {
                true
            }
        });
        if active.len() == before {
            for &i in active.iter() {
                alloc[i] = remaining * weights[i] / wsum;
            }
            break;
        }
        remaining -= given;
    }
    alloc.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_is_proportional_and_passes_on_what_a_full_unit_cannot_take() {
        let mut alloc = vec![0.0; 3];
        let mut active = Vec::new();
        // Proportional to 1:3 when nobody is capped.
        let got = share(
            4.0,
            &[1.0, 3.0],
            &[10.0, 10.0],
            &mut alloc[..2],
            &mut active,
        );
        assert!((got - 4.0).abs() < 1e-12);
        assert!((alloc[0] - 1.0).abs() < 1e-12 && (alloc[1] - 3.0).abs() < 1e-12);
        // The second unit can take 1 only: the first takes the rest.
        let got = share(
            4.0,
            &[1.0, 3.0, 0.0],
            &[10.0, 1.0, 5.0],
            &mut alloc,
            &mut active,
        );
        assert!((got - 4.0).abs() < 1e-12);
        assert_eq!(alloc, vec![3.0, 1.0, 0.0]);
        // More than all caps: everybody full.
        let got = share(
            100.0,
            &[1.0, 1.0],
            &[2.0, 3.0],
            &mut alloc[..2],
            &mut active,
        );
        assert_eq!(got, 5.0);
    }

    #[test]
    fn sessions_charge_at_full_power_until_full() {
        let mut out = vec![0.0; 6];
        let s = EvSession {
            arrival: 1,
            departure: 5,
            energy_kwh: 5.0,
            max_kw: 7.0,
        };
        charge_asap(&[s], 0.5, &mut out);
        assert_eq!(out, vec![0.0, 3.5, 1.5, 0.0, 0.0, 0.0]);
    }
}

/// The minimum power of fuel cells (and electrolysers) in the rule controller: a fuel cell
/// either delivers at least `min_kw·h` or stays off.
#[cfg(test)]
mod part_load {
    use proptest::prelude::*;
    use quartier_model::{FuelCell, HydrogenTank};

    use super::*;
    use crate::NoProgress;
    use crate::testkit::random::{StandingLoss, build, config, shapes};
    use crate::testkit::{Case, assert_all_close};

    /// A full 10 kg tank with no minimum: hydrogen to spare.
    fn full_tank() -> HydrogenTank {
        HydrogenTank {
            name: "t1".into(),
            capacity_kg: 10.0,
            min_kg: 0.0,
            initial_kg: 10.0,
            cyclic: false,
        }
    }

    /// Deficits of 3, 6 and 12 kWh (hours) with a 10 kW fuel cell whose minimum is 4 kW and
    /// hydrogen to spare: off at 3 (the grid imports it), 6 at 6, 10 at 12 (import 2).
    #[test]
    fn a_fuel_cell_stays_off_below_its_minimum_and_runs_above_it() {
        let mut case = Case::new(60, 3, 100.0, 0.0);
        case.load("hall", vec![3.0, 6.0, 12.0])
            .tank(full_tank())
            .fuel_cell(FuelCell {
                name: "fc".into(),
                max_kw: 10.0,
                min_kw: 4.0,
                kwh_per_kg: 16.0,
            });
        let inputs = case.inputs();
        let config = RuleConfig {
            h2_reserve_hours: 0.0,
            ..RuleConfig::default()
        };
        let f = simulate(&inputs, &config, &mut NoProgress).unwrap();
        assert_all_close(&f.fuel_cell_kwh, &[0.0, 6.0, 10.0]);
        assert_all_close(&f.import_kwh, &[3.0, 0.0, 2.0]);
        crate::account(&inputs, &f).unwrap();
    }

    /// Two fuel cells, the first with a minimum the deficit does not reach: the second,
    /// with none, covers it.
    #[test]
    fn the_next_fuel_cell_covers_a_deficit_below_the_first_ones_minimum() {
        let mut case = Case::new(30, 1, 100.0, 0.0);
        case.load("hall", vec![1.5])
            .tank(full_tank())
            .fuel_cell(FuelCell {
                name: "big".into(),
                max_kw: 20.0,
                min_kw: 5.0,
                kwh_per_kg: 16.0,
            })
            .fuel_cell(FuelCell {
                name: "small".into(),
                max_kw: 4.0,
                min_kw: 0.0,
                kwh_per_kg: 16.0,
            });
        let inputs = case.inputs();
        let f = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
        // 30-minute step: the first one's minimum is 2.5 kWh > 1.5.
        assert_all_close(&f.fuel_cells[0].output_kwh, &[0.0]);
        assert_all_close(&f.fuel_cells[1].output_kwh, &[1.5]);
        assert_all_close(&f.import_kwh, &[0.0]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Never `0 < output < min_kw·h` (fuel cells) nor `0 < input < min_kw·h`
        /// (electrolysers), on random small districts.
        #[test]
        fn no_unit_ever_runs_between_zero_and_its_minimum(s in shapes()) {
            let case = build(&s, StandingLoss::Random);
            let inputs = case.inputs();
            let f = simulate(&inputs, &config(&s), &mut NoProgress).unwrap();
            let h = inputs.step_hours();
            for (fc, ff) in inputs.fuel_cells.iter().zip(&f.fuel_cells) {
                for (t, &x) in ff.output_kwh.iter().enumerate() {
                    prop_assert!(
                        x == 0.0 || x >= fc.min_kw * h,
                        "fuel cell {} at {t}: {x} kWh, minimum {} kWh", fc.name, fc.min_kw * h
                    );
                }
            }
            for (e, ef) in inputs.electrolysers.iter().zip(&f.electrolysers) {
                for (t, &x) in ef.input_kwh.iter().enumerate() {
                    prop_assert!(
                        x == 0.0 || x >= e.min_kw * h,
                        "electrolyser {} at {t}: {x} kWh, minimum {} kWh", e.name, e.min_kw * h
                    );
                }
            }
        }
    }
}
