//! The PyPSA export: units, signs and the components that carry Quartier's constraints.
//! (The optimum itself is compared with PyPSA's by bench/pypsa/crosscheck.py.)

mod common;

use common::{Case, battery};
use quartier_model::EvSession;
use quartier_optim::DispatchConfig;
use quartier_optim::pypsa::{ExportError, export};
use quartier_optim::sizing::{Candidate, CapacityKind, CostTable, SizingConfig, Target};

fn file<'f>(files: &'f [quartier_optim::pypsa::CsvFile], name: &str) -> &'f str {
    &files.iter().find(|f| f.name == name).unwrap().contents
}

#[test]
fn quarter_hours_keep_kw_and_weight_snapshots_in_hours() {
    let mut case = Case::new(15, 4, 100.0, 50.0);
    case.load("hall", vec![1.0, 2.0, 3.0, 4.0]);
    let mut b = battery("b1", 10.0, 4.0);
    b.standing_loss_per_h = 0.01;
    b.soc_initial = 0.5;
    b.discharge_efficiency = 0.9;
    case.battery(b);
    case.ev_site(
        "ev",
        vec![EvSession {
            arrival: 1,
            departure: 3,
            energy_kwh: 1.0,
            max_kw: 7.0,
        }],
    );
    let inputs = case.inputs();
    let files = export(&inputs, &DispatchConfig::default(), None).unwrap();
    let snaps = file(&files, "snapshots.csv");
    assert_eq!(
        snaps.lines().nth(1).unwrap(),
        "0,2025-01-01 00:00:00,0.25,0.25,0.25"
    );
    // Load in kW: 1 kWh per quarter-hour = 4 kW.
    assert!(
        file(&files, "loads-p_set.csv")
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(",4")
    );
    // Export priced with the sign of PyPSA's negative dispatch.
    let mc = file(&files, "generators-marginal_cost.csv");
    assert_eq!(mc.lines().nth(1).unwrap(), "2025-01-01 00:00:00,0.2,0.1");
    // Standing loss: (1 − l)^0.25 = 1 − 0.01 × 0.25; e_initial after one step of loss.
    let stores = file(&files, "stores.csv");
    let row = stores.lines().find(|l| l.starts_with("b1,")).unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    let loss: f64 = cells[8].parse().unwrap();
    assert!(((1.0 - loss).powf(0.25) - 0.9975).abs() < 1e-15);
    let e0: f64 = cells[6].parse().unwrap();
    assert!((e0 - 5.0 * 0.9975).abs() < 1e-12);
    // Discharger p_nom in stored kW: 4 / 0.9.
    assert!(
        file(&files, "links.csv")
            .contains("b1-discharger,b1,AC,battery discharger,0.9,4.444444444444445")
    );
    // The session: plugged at steps 1 and 2, full from its last plugged step.
    let avail = file(&files, "links-p_max_pu.csv");
    let col: Vec<&str> = avail
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(col, ["0", "1", "1", "0"]);
    let full = file(&files, "stores-e_min_pu.csv");
    let col: Vec<&str> = full
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(col, ["0", "0", "1", "1"]);
}

#[test]
fn a_sized_battery_starting_charged_is_refused_as_not_exact() {
    let mut case = Case::new(60, 2, 100.0, 0.0);
    case.load("hall", vec![1.0, 1.0]);
    let mut b = battery("b1", 10.0, 4.0);
    b.soc_initial = 0.5;
    case.battery(b);
    let inputs = case.inputs();
    let sizing = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![Candidate::new("b1", CapacityKind::BatteryKwh, 0.0, 20.0)],
        costs: CostTable::default(),
        target: Target::None,
        durations: Vec::new(),
    };
    let e = export(&inputs, &DispatchConfig::default(), Some(&sizing)).unwrap_err();
    assert!(matches!(e, ExportError::NotExact { .. }), "{e}");
}

#[test]
fn cyclic_storage_own_costs_and_durations_reach_the_network() {
    use quartier_model::{CapitalCost, HydrogenTank};
    let mut case = Case::new(60, 3, 100.0, 50.0);
    case.load("hall", vec![1.0, 2.0, 3.0]);
    let mut b = battery("b1", 10.0, 4.0);
    b.cyclic = true;
    b.soc_initial = 0.5;
    case.battery(b);
    case.tank(HydrogenTank {
        name: "t".into(),
        capacity_kg: 10.0,
        min_kg: 0.0,
        initial_kg: 0.0,
        cyclic: true,
    });
    let inputs = case.inputs();
    let own = CapitalCost {
        capex_eur_per_unit: 0.0,
        subsidy_eur_per_unit: 0.0,
        lifetime_years: 10.0,
        fixed_om_eur_per_unit_year: 8760.0, // 1 EUR per unit per hour of horizon
    };
    let sizing = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![
            Candidate {
                cost: Some(own),
                ..Candidate::new("b1", CapacityKind::BatteryKwh, 0.0, 20.0)
            },
            Candidate::new("b1", CapacityKind::BatteryKw, 0.0, 8.0),
        ],
        costs: CostTable::default(),
        target: Target::None,
        durations: vec![("b1".into(), 2.0)],
    };
    let files = export(&inputs, &DispatchConfig::default(), Some(&sizing)).unwrap();
    let stores = file(&files, "stores.csv");
    let cells = |name: &str| -> Vec<String> {
        let row = stores.lines().find(|l| l.starts_with(name)).unwrap();
        row.split(',').map(str::to_owned).collect()
    };
    // e_cyclic (column 7) on the battery and the pooled tank; the battery's own cost: 3 h.
    assert_eq!(cells("b1,")[7], "True");
    assert_eq!(cells("h2_tank,")[7], "True");
    assert_eq!(cells("b1,")[12], "3");
    assert_eq!(
        file(&files, "quartier-durations.csv"),
        "battery,hours\nb1,2\n"
    );
    // A cost when built is a yes/no decision PyPSA's extendable capacities do not make.
    let mut fixed = sizing.clone();
    fixed.candidates[0].capex_eur_when_built = 1000.0;
    let e = export(&inputs, &DispatchConfig::default(), Some(&fixed)).unwrap_err();
    assert!(matches!(e, ExportError::NotExact { .. }), "{e}");
}

#[test]
fn a_charging_site_feeds_its_sessions_through_its_own_bus_and_link() {
    let car = EvSession {
        arrival: 0,
        departure: 2,
        energy_kwh: 5.0,
        max_kw: 7.0,
    };
    let mut case = Case::new(60, 2, 100.0, 0.0);
    case.ev_site("parking", vec![car, car]);
    case.district.ev_chargers[0].site_limit_kw = Some(10.0);
    let inputs = case.inputs();
    let files = export(&inputs, &DispatchConfig::default(), None).unwrap();
    let links = file(&files, "links.csv");
    assert!(
        links.contains("parking-site,AC,parking-site,EV charging site,1,10,0.0,1.0,False"),
        "{links}"
    );
    assert!(links.contains("parking-session0-charge,parking-site,parking-session0,"));
    // Sized: the site's link is extendable within the candidate's bounds.
    let config = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![Candidate::new(
            "parking",
            CapacityKind::ChargingKw,
            2.0,
            14.0,
        )],
        costs: CostTable::default(),
        target: Target::None,
        durations: Vec::new(),
    };
    let files = export(&inputs, &DispatchConfig::default(), Some(&config)).unwrap();
    let row = file(&files, "links.csv")
        .lines()
        .find(|l| l.starts_with("parking-site,"))
        .unwrap()
        .to_string();
    assert!(row.contains(",True,2,14,"), "{row}");
}
