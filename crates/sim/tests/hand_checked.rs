//! Small cases computed by hand: battery efficiencies and standing loss, the hydrogen chain,
//! EV charging as soon as plugged in, corrupted flows caught at the right step, local months.

mod common;

use chrono::{TimeZone, Utc};
use common::{Case, assert_all_close, assert_close, battery};
use quartier_model::{Battery, Electrolyser, EvSession, FuelCell, HydrogenTank};
use quartier_sim::{
    BalanceError, GridCharging, NoProgress, RuleConfig, SimError, account, simulate,
};
use quartier_timeseries::{Quantity, Series};

/// Two hourly steps. Battery 10 kWh, 5 kW, η_c 0.9, η_d 0.8, soc_min 0.1, initial 0.5,
/// standing loss 1 %/h.
///
/// Step 0: PV 8, load 2 → surplus 6. SoC 5 → 4.95 after loss; room (10 − 4.95)/0.9 = 5.61 kWh
/// but 5 kW → charge 5, SoC 4.95 + 4.5 = 9.45; export 1.
/// Step 1: PV 0, load 7 → deficit 7. SoC 9.45 → 9.3555; available (9.3555 − 1)·0.8 = 6.68 but
/// 5 kW → discharge 5, SoC 9.3555 − 6.25 = 3.1055; import 2.
#[test]
fn battery_efficiencies_and_standing_loss_two_steps_by_hand() {
    let mut case = Case::new(60, 2, 100.0, 100.0);
    case.pv("roof", vec![8.0, 0.0])
        .load("school", vec![2.0, 7.0])
        .battery(Battery {
            charge_efficiency: 0.9,
            discharge_efficiency: 0.8,
            soc_min: 0.1,
            soc_initial: 0.5,
            standing_loss_per_h: 0.01,
            ..battery("b1", 10.0, 5.0)
        });
    let inputs = case.inputs();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    let b = &flows.batteries[0];
    assert_all_close(&b.charge_kwh, &[5.0, 0.0]);
    assert_all_close(&b.discharge_kwh, &[0.0, 5.0]);
    assert_all_close(&b.soc_kwh, &[9.45, 3.1055]);
    assert_all_close(&flows.export_kwh, &[1.0, 0.0]);
    assert_all_close(&flows.import_kwh, &[0.0, 2.0]);
    assert_all_close(&flows.curtailed_kwh, &[0.0, 0.0]);

    let k = account(&inputs, &flows).unwrap();
    assert_close(k.production_kwh, 8.0);
    assert_close(k.consumption_kwh, 9.0);
    assert_close(k.self_consumption_rate.unwrap(), 7.0 / 8.0);
    assert_close(k.self_sufficiency_rate.unwrap(), 7.0 / 9.0);
    assert_close(k.annual_balance_kwh, -1.0);
    assert!(!k.positive_energy);
    assert_close(k.battery_throughput_kwh, 5.0);
    // 5 in, 5 out, stored 5 → 3.1055.
    assert_close(k.battery_losses_kwh, 1.8945);
    assert_close(k.peak_import_kw, 2.0);
    assert_close(k.cost_eur, 2.0 * 0.2 - 1.0 * 0.1);
    assert_close(k.co2_kg, 2.0 * 50.0 / 1000.0);
}

/// Hourly. Electrolyser 10 kW (min 2 kW), 50 kWh/kg; tank 1 kg (min 0.1, initial 0.1);
/// fuel cell 5 kW, 16 kWh/kg; no export allowed. Demand 0.05, 0.02, 0.01 kg at steps 3–5.
///
/// 0: surplus 11 → electrolyser 10 kWh = 0.2 kg (level 0.3), 1 kWh curtailed.
/// 1: surplus 1.5 < 2 kWh minimum → electrolyser off, 1.5 curtailed.
/// 2: deficit 4 → fuel cell may use 0.3 − 0.1 − 0.08 (next 24 h of demand) = 0.12 kg = 1.92
///    kWh; level 0.18; import 2.08.
/// 3–5: refuelling served: 0.18 → 0.13 → 0.11 → 0.10.
#[test]
fn electrolyser_tank_fuel_cell_chain_keeps_refuelling_reserve() {
    let mut case = Case::new(60, 6, 100.0, 0.0);
    case.pv("roof", vec![12.0, 1.5, 0.0, 0.0, 0.0, 0.0])
        .load("depot", vec![1.0, 0.0, 4.0, 0.0, 0.0, 0.0])
        .electrolyser(Electrolyser {
            name: "pem".into(),
            max_kw: 10.0,
            min_kw: 2.0,
            kwh_per_kg: 50.0,
        })
        .tank(HydrogenTank {
            name: "t1".into(),
            capacity_kg: 1.0,
            min_kg: 0.1,
            initial_kg: 0.1,
            cyclic: false,
        })
        .fuel_cell(FuelCell {
            name: "fc".into(),
            max_kw: 5.0,
            min_kw: 0.0,
            kwh_per_kg: 16.0,
        })
        .h2_demand("buses", vec![0.0, 0.0, 0.0, 0.05, 0.02, 0.01]);
    let inputs = case.inputs();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    assert_all_close(&flows.electrolyser_kwh, &[10.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_all_close(&flows.h2_produced_kg, &[0.2, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_all_close(&flows.curtailed_kwh, &[1.0, 1.5, 0.0, 0.0, 0.0, 0.0]);
    assert_all_close(&flows.fuel_cell_kwh, &[0.0, 0.0, 1.92, 0.0, 0.0, 0.0]);
    assert_all_close(&flows.fuel_cell_h2_kg, &[0.0, 0.0, 0.12, 0.0, 0.0, 0.0]);
    assert_all_close(&flows.import_kwh, &[0.0, 0.0, 2.08, 0.0, 0.0, 0.0]);
    assert_all_close(&flows.tank_level_kg, &[0.3, 0.3, 0.18, 0.13, 0.11, 0.10]);
    assert_all_close(&flows.h2_unserved_kg, &[0.0; 6]);

    let k = account(&inputs, &flows).unwrap();
    assert_close(k.h2_produced_kg, 0.2);
    assert_close(k.h2_demand_kg, 0.08);
    assert_close(k.h2_demand_served_kg, 0.08);
    assert_close(k.h2_unserved_kg, 0.0);
    assert_close(k.curtailed_kwh, 2.5);
    // Fuel-cell output is not production; the electrolyser's input is consumption.
    assert_close(k.production_kwh, 13.5 - 2.5);
    assert_close(k.consumption_kwh, 5.0 + 10.0);
    assert_close(k.fuel_cell_kwh, 1.92);
}

#[test]
fn hydrogen_demand_beyond_the_tank_is_reported_unserved() {
    let mut case = Case::new(60, 2, 100.0, 0.0);
    case.tank(HydrogenTank {
        name: "t1".into(),
        capacity_kg: 2.0,
        min_kg: 0.5,
        initial_kg: 1.0,
        cyclic: false,
    })
    .h2_demand("buses", vec![0.3, 0.4]);
    let inputs = case.inputs();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    assert_all_close(&flows.h2_served_kg, &[0.3, 0.2]);
    assert_all_close(&flows.h2_unserved_kg, &[0.0, 0.2]);
    assert_all_close(&flows.tank_level_kg, &[0.7, 0.5]);
    let k = account(&inputs, &flows).unwrap();
    assert_close(k.h2_unserved_kg, 0.2);
}

/// 15-minute steps, no PV before step 6: a session plugged at step 2 for 10 kWh at 11 kW
/// takes 2.75 kWh per step at once (from the grid), 1.75 in its fourth step, then nothing.
#[test]
fn ev_session_charges_as_soon_as_plugged_in() {
    let mut case = Case::new(15, 10, 100.0, 100.0);
    case.pv(
        "roof",
        vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 5.0, 5.0, 5.0],
    )
    .ev_site(
        "mairie",
        vec![EvSession {
            arrival: 2,
            departure: 8,
            energy_kwh: 10.0,
            max_kw: 11.0,
        }],
    )
    .fleet(
        "bikes",
        vec![EvSession {
            arrival: 0,
            departure: 2,
            energy_kwh: 5.0,
            max_kw: 2.0,
        }],
    );
    let inputs = case.inputs();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    let expected = [0.0, 0.0, 2.75, 2.75, 2.75, 1.75, 0.0, 0.0, 0.0, 0.0];
    assert_all_close(&flows.ev_sites[0].charge_kwh, &expected);
    assert_all_close(&flows.ev_kwh, &expected);
    // The bikes leave after two steps with 1 kWh of their 5.
    assert_all_close(&flows.fleet_kwh[..3], &[0.5, 0.5, 0.0]);
    assert_close(flows.import_kwh[2], 2.75);
    let k = account(&inputs, &flows).unwrap();
    assert_close(k.ev_energy_kwh, 11.0);
}

/// A site limited to 15 kW, hourly: A (3 h, 20 kWh) and B (1 h, 10 kWh) plug in together,
/// both at 22 kW. B leaves first, so it is served first: step 0 gives B 10 and A the 5 left,
/// step 1 gives A 15 (full). Without the limit both would take all at step 0 (30 kWh).
#[test]
fn a_site_limit_is_shared_the_first_to_leave_first() {
    let session = |departure, energy_kwh| EvSession {
        arrival: 0,
        departure,
        energy_kwh,
        max_kw: 22.0,
    };
    let mut case = Case::new(60, 3, 100.0, 100.0);
    case.ev_site("parking", vec![session(3, 20.0), session(1, 10.0)]);
    let free = simulate(&case.inputs(), &RuleConfig::default(), &mut NoProgress).unwrap();
    assert_all_close(&free.ev_sites[0].charge_kwh, &[30.0, 0.0, 0.0]);
    case.district.ev_chargers[0].site_limit_kw = Some(15.0);
    let inputs = case.inputs();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    assert_all_close(&flows.ev_sites[0].charge_kwh, &[15.0, 15.0, 0.0]);
    let k = account(&inputs, &flows).unwrap();
    assert_close(k.ev_energy_kwh, 30.0);
    // Too small a site: the vehicles leave with what they got (B 8 of its 10, A 16 of 20).
    case.district.ev_chargers[0].site_limit_kw = Some(8.0);
    let inputs = case.inputs();
    let short = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    assert_all_close(&short.ev_sites[0].charge_kwh, &[8.0, 8.0, 8.0]);
    account(&inputs, &short).unwrap();
    // The accounting pass refuses a site above its limit.
    let e = account(&inputs, &free).unwrap_err();
    assert!(e.to_string().contains("site_limit_kw"), "{e}");
}

#[test]
fn several_batteries_share_in_proportion_to_power() {
    let mut case = Case::new(60, 1, 100.0, 100.0);
    case.pv("roof", vec![6.0])
        .battery(battery("small", 100.0, 1.0))
        .battery(battery("big", 100.0, 3.0))
        .battery(battery("full", 1.0, 10.0));
    case.district.batteries[2].soc_initial = 1.0;
    let inputs = case.inputs();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    // 4 kWh fit (1 + 3 kW); the full battery takes nothing; 2 kWh exported.
    assert_close(flows.batteries[0].charge_kwh[0], 1.0);
    assert_close(flows.batteries[1].charge_kwh[0], 3.0);
    assert_close(flows.batteries[2].charge_kwh[0], 0.0);
    assert_close(flows.export_kwh[0], 2.0);
    account(&inputs, &flows).unwrap();
}

#[test]
fn grid_charging_only_when_configured_and_cheap() {
    let mut case = Case::new(60, 2, 3.0, 100.0);
    case.load("house", vec![1.0, 1.0])
        .battery(battery("b1", 10.0, 5.0));
    case.data.import_price =
        Series::new(case.axis(), Quantity::PriceEurPerKwh, vec![0.1, 0.3]).unwrap();
    let inputs = case.inputs();
    let never = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    assert_all_close(&never.battery_charge_kwh, &[0.0, 0.0]);
    let config = RuleConfig {
        battery_grid_charging: GridCharging::WhenPriceAtMost { eur_per_kwh: 0.15 },
        ..RuleConfig::default()
    };
    let cheap = simulate(&inputs, &config, &mut NoProgress).unwrap();
    // Step 0: 1 kWh load + 2 kWh charge fill the 3 kW import limit. Step 1: discharge 1.
    assert_all_close(&cheap.battery_charge_kwh, &[2.0, 0.0]);
    assert_all_close(&cheap.import_kwh, &[3.0, 0.0]);
    assert_all_close(&cheap.battery_discharge_kwh, &[0.0, 1.0]);
    account(&inputs, &cheap).unwrap();
}

#[test]
fn import_limit_leaves_unserved_energy_reported() {
    let mut case = Case::new(30, 2, 4.0, 0.0);
    case.load("hall", vec![3.0, 1.0]);
    let inputs = case.inputs();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    // 4 kW × 0.5 h = 2 kWh per step.
    assert_all_close(&flows.import_kwh, &[2.0, 1.0]);
    assert_all_close(&flows.unserved_kwh, &[1.0, 0.0]);
    let k = account(&inputs, &flows).unwrap();
    assert_close(k.unserved_kwh, 1.0);
    assert_close(k.peak_import_kw, 4.0);
}

fn import_heavy_case() -> Case {
    let mut case = Case::new(15, 8, 100.0, 100.0);
    case.pv("roof", vec![0.0, 0.0, 1.0, 3.0, 0.0, 0.0, 0.0, 0.0])
        .load("hall", vec![5.0; 8])
        .battery(Battery {
            charge_efficiency: 0.95,
            discharge_efficiency: 0.95,
            soc_initial: 0.5,
            ..battery("b1", 4.0, 2.0)
        });
    case
}

#[test]
fn one_kwh_moved_between_steps_is_caught_at_the_first_step_it_breaks() {
    let case = import_heavy_case();
    let inputs = case.inputs();
    let mut flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    account(&inputs, &flows).unwrap();
    flows.import_kwh[5] -= 1.0;
    flows.import_kwh[6] += 1.0;
    match account(&inputs, &flows) {
        Err(BalanceError::Step {
            step,
            time,
            quantity,
            left,
            right,
            ..
        }) => {
            assert_eq!(step, 5);
            assert_eq!(time, Utc.with_ymd_and_hms(2025, 1, 1, 1, 15, 0).unwrap());
            assert!(quantity.contains("electricity balance"), "{quantity}");
            assert_close(right - left, 1.0);
        }
        other => panic!("expected a balance failure at step 5, got {other:?}"),
    }
}

#[test]
fn corrupted_soc_and_tank_are_caught() {
    let case = import_heavy_case();
    let inputs = case.inputs();
    let mut flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    flows.batteries[0].soc_kwh[3] += 1.0;
    flows.battery_soc_kwh[3] += 1.0;
    let err = account(&inputs, &flows).unwrap_err();
    assert!(
        matches!(&err, BalanceError::Step { step: 3, quantity, .. } if quantity.contains("SoC recursion")),
        "{err}"
    );
    // The message names the step, instant, quantity and both sides.
    let text = err.to_string();
    assert!(
        text.starts_with("step 3 (2025-01-01 00:45:00 UTC): battery 'b1' SoC"),
        "{text}"
    );

    let mut flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    flows.import_kwh[1] += 1.0;
    flows.export_kwh[1] += 1.0;
    let err = account(&inputs, &flows).unwrap_err();
    assert!(
        matches!(&err, BalanceError::Step { step: 1, quantity, .. } if quantity.contains("simultaneous")),
        "{err}"
    );
}

#[test]
fn flows_of_another_district_are_rejected_by_shape() {
    let case = import_heavy_case();
    let inputs = case.inputs();
    let mut flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    flows.batteries.clear();
    assert!(matches!(
        account(&inputs, &flows),
        Err(BalanceError::Shape { .. })
    ));
}

#[test]
fn monthly_kpis_follow_local_months_in_paris() {
    // 2025-01-31 00:00 UTC is 01:00 in Paris; local February starts at 23:00 UTC (step 23).
    let start = Utc.with_ymd_and_hms(2025, 1, 31, 0, 0, 0).unwrap();
    let mut case = Case::starting(start, 60, 48, 100.0, 100.0);
    case.pv("roof", (0..48).map(|t| f64::from(t % 24)).collect())
        .load("hall", vec![4.0; 48]);
    let inputs = case.inputs();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    let k = account(&inputs, &flows).unwrap();
    assert_eq!(k.monthly.len(), 2);
    let (jan, feb) = (&k.monthly[0], &k.monthly[1]);
    assert_eq!((jan.year, jan.month, jan.steps), (2025, 1, 23));
    assert_eq!((feb.year, feb.month, feb.steps), (2025, 2, 25));
    assert_close(jan.consumption_kwh, 23.0 * 4.0);
    assert_close(jan.production_kwh + feb.production_kwh, k.production_kwh);
    assert_close(jan.import_kwh + feb.import_kwh, k.import_kwh);
    assert_close(jan.cost_eur + feb.cost_eur, k.cost_eur);
}

#[test]
fn progress_is_reported_up_to_the_total() {
    let case = import_heavy_case();
    let inputs = case.inputs();
    let mut reports = Vec::new();
    simulate(&inputs, &RuleConfig::default(), &mut |d, t| {
        reports.push((d, t))
    })
    .unwrap();
    assert_eq!(reports.last(), Some(&(8, 8)));
    assert!(reports.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn assembly_rejects_inconsistent_data() {
    let mut case = import_heavy_case();
    // A load series missing.
    case.data.loads_kwh.clear();
    assert!(matches!(
        quartier_sim::assemble_with_pv(&case.district, &case.data, case.pv.clone()),
        Err(SimError::Count { .. })
    ));
    // A negative load.
    let mut case = import_heavy_case();
    case.data.loads_kwh[0] = Series::new(
        case.axis(),
        Quantity::EnergyKwh,
        vec![1.0, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    )
    .unwrap();
    let err =
        quartier_sim::assemble_with_pv(&case.district, &case.data, case.pv.clone()).unwrap_err();
    assert!(matches!(err, SimError::Value { step: 2, .. }), "{err}");
    // A price series tagged as energy.
    let mut case = import_heavy_case();
    case.data.import_price = Series::constant(case.axis(), Quantity::EnergyKwh, 0.2);
    assert!(matches!(
        quartier_sim::assemble_with_pv(&case.district, &case.data, case.pv.clone()),
        Err(SimError::Quantity { .. })
    ));
    // A session past the end of the axis.
    let mut case = import_heavy_case();
    case.ev_site(
        "late",
        vec![EvSession {
            arrival: 5,
            departure: 9,
            energy_kwh: 1.0,
            max_kw: 1.0,
        }],
    );
    assert!(matches!(
        quartier_sim::assemble_with_pv(&case.district, &case.data, case.pv.clone()),
        Err(SimError::Session { .. })
    ));
}

#[test]
fn assemble_computes_pv_through_the_solar_crate() {
    let start = Utc.with_ymd_and_hms(2025, 6, 21, 0, 0, 0).unwrap();
    let mut case = Case::starting(start, 60, 24, 100.0, 100.0);
    let sunny = |t: usize, v: f64| if (8..=15).contains(&t) { v } else { 0.0 };
    let w = &mut case.data.weather;
    w.ghi_w_m2 = (0..24).map(|t| sunny(t, 700.0)).collect();
    w.dni_w_m2 = (0..24).map(|t| sunny(t, 750.0)).collect();
    w.dhi_w_m2 = (0..24).map(|t| sunny(t, 120.0)).collect();
    w.temp_air_c = vec![22.0; 24];
    w.wind_speed_m_s = vec![2.0; 24];
    w.sample_offset_minutes = 30.0;
    case.pv("roof", vec![0.0; 24]).load("hall", vec![3.0; 24]);
    let inputs = quartier_sim::assemble(&case.district, &case.data).unwrap();
    // 10 kWp facing south: a few kWh per hour around solar noon (11:00–12:00 UTC), nothing
    // at night, never above the 10 / 1.2 kW inverter rating.
    let pv = &inputs.pv_kwh[0];
    assert!(pv[11] > 2.0, "{pv:?}");
    assert_eq!(pv[0], 0.0);
    assert!(pv.iter().all(|&e| e <= 10.0 / 1.2 + 1e-9), "{pv:?}");
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    let k = account(&inputs, &flows).unwrap();
    assert!(k.production_kwh > 10.0);
}
