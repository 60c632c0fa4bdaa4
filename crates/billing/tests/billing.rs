//! Settlement, bills and the optimised key on small hand-checked communities and random ones.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use quartier_billing::*;
use quartier_share::{Community, CommunityBuilder, Key, Member, MemberId, Role, allocate};
use quartier_timeseries::{Axis, Quantity, Series, Step};

fn id(s: &str) -> MemberId {
    MemberId::new(s).unwrap()
}

fn rates(a: f64, b: f64, c: f64, d: f64) -> PeriodRates {
    let c_ = |v| Cited::new(v, "hand-made test value");
    PeriodRates {
        hph: c_(a),
        hch: c_(b),
        hpb: c_(c),
        hcb: c_(d),
    }
}

fn table() -> TariffTable {
    TariffTable {
        name: "test".into(),
        name_fr: "essai".into(),
        effective_from: NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
        offpeak_start_hour: 22,
        offpeak_end_hour: 6,
        high_season_months: vec![11, 12, 1, 2, 3],
        standard_management_eur_per_year: Cited::new(12.0, "t"),
        metering_eur_per_year: Cited::new(24.0, "t"),
        standard_energy: rates(0.08, 0.04, 0.02, 0.01),
        acc_management_eur_per_year: Cited::new(36.0, "t"),
        acc_self_consumed: rates(0.02, 0.01, 0.01, 0.005),
        acc_complement: rates(0.09, 0.05, 0.03, 0.01),
        excise_eur_per_kwh: Cited::new(0.03, "t"),
        excise_exemption_max_kw: Cited::new(1000.0, "t"),
    }
}

/// pv (50 kWp) and three consumers a, b, c on `steps` half-hours from 2025-01-15 12:00 Paris.
fn community(steps: usize, p: f64, c: [f64; 3]) -> Community {
    let axis = Axis::new(
        Utc.with_ymd_and_hms(2025, 1, 15, 11, 0, 0).unwrap(),
        Step::MIN30,
        steps,
    )
    .unwrap();
    let kwh = |v: f64| Series::new(axis, Quantity::EnergyKwh, vec![v; steps]).unwrap();
    let mut b = CommunityBuilder::new(axis)
        .member(Member::new(id("pv"), Role::Producer).with_pv_kw(50.0))
        .curve(&id("pv"), kwh(p));
    for (name, v) in ["a", "b", "c"].iter().zip(c) {
        b = b
            .member(Member::new(id(name), Role::Consumer))
            .curve(&id(name), kwh(v));
    }
    b.build().unwrap()
}

fn config(turpe: TurpeChoice) -> BillingConfig {
    BillingConfig {
        tariff: table(),
        prices: Prices::flat(0.10, 0.20),
        turpe,
        excise_exemption: true,
    }
}

fn members(c: &Community) -> Vec<(MemberId, String, Role)> {
    c.members()
        .iter()
        .map(|m| (m.id.clone(), format!("Name of {}", m.id), m.role))
        .collect()
}

#[test]
fn turpe_and_excise_arithmetic_matches_a_hand_computed_example() {
    let com = community(2, 6.0, [2.0, 3.0, 5.0]);
    let alloc = allocate(&com, &Key::Default).unwrap();
    let cfg = config(TurpeChoice::Acc);
    let s = settle(&com, &alloc, &cfg).unwrap();
    assert_eq!(
        s.months,
        vec![Month {
            year: 2025,
            month: 1
        }]
    );
    let all = bills(&s, &cfg, &members(&com));
    let a = all.iter().find(|b| b.member == id("a")).unwrap();
    // a: C = 2 + 2, allocated 1.2 + 1.2, complement 1.6; all HPH; 1 hour of the year.
    assert!((a.self_consumed_kwh - 2.4).abs() < 1e-12);
    assert!((a.complement_kwh - 1.6).abs() < 1e-12);
    let amounts: Vec<f64> = a.lines.iter().map(|l| l.amount_eur).collect();
    let expect = [
        2.4 * 0.10,             // local energy
        1.6 * 0.20,             // supplier complement
        2.4 * 0.02,             // ACC autoproduit HPH
        1.6 * 0.09,             // ACC alloproduit HPH
        (36.0 + 24.0) / 8760.0, // management (ACC) + metering for one hour
        1.6 * 0.03,             // excise on the complement only (self-consumption exempt)
        0.0,                    // exempt line
    ];
    assert_eq!(amounts.len(), expect.len());
    for (got, want) in amounts.iter().zip(expect) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
    let total = 0.24 + 0.32 + 0.048 + 0.144 + 60.0 / 8760.0 + 0.048;
    assert!((a.total_eur - total).abs() < 1e-12);
    let cmp = a.comparison.as_ref().unwrap();
    let without = 4.0 * 0.20 + 4.0 * 0.08 + 36.0 / 8760.0 + 4.0 * 0.03;
    assert!((cmp.without_operation_eur - without).abs() < 1e-12);
    assert!((cmp.turpe_standard_eur - (0.32 + 36.0 / 8760.0)).abs() < 1e-12);
    assert!((cmp.turpe_acc_eur - (0.192 + 60.0 / 8760.0)).abs() < 1e-12);
    // Producer statement: 12 kWh sold at 0.10 (a credit), no surplus.
    let pv = all.iter().find(|b| b.member == id("pv")).unwrap();
    assert!((pv.total_eur + 1.2).abs() < 1e-12);
    assert!(pv.comparison.is_none());
    // Without the exemption the whole consumption is taxed.
    let mut cfg2 = config(TurpeChoice::Standard);
    cfg2.excise_exemption = false;
    let s2 = settle(&com, &alloc, &cfg2).unwrap();
    let a2 = bills(&s2, &cfg2, &members(&com))
        .into_iter()
        .find(|b| b.member == id("a"))
        .unwrap();
    let excise = a2
        .lines
        .iter()
        .find(|l| l.label_en == "Excise on electricity")
        .unwrap();
    assert!((excise.amount_eur - 4.0 * 0.03).abs() < 1e-12);
}

#[test]
fn a_month_before_the_tariff_says_it_is_billed_with_the_later_grid() {
    // January 2025 with a grid in force from 2025-08-01: every bill says so.
    let com = community(3, 6.0, [2.0, 3.0, 5.0]);
    let alloc = allocate(&com, &Key::Default).unwrap();
    let cfg = config(TurpeChoice::Acc);
    let s = settle(&com, &alloc, &cfg).unwrap();
    let all = bills(&s, &cfg, &members(&com));
    assert!(!all.is_empty());
    for b in &all {
        assert!(
            b.notes.iter().any(|n| n
                .en
                .contains("Tariff in force from 2025-08-01, applied to this month")
                && n.fr.contains("Grille en vigueur à partir du 2025-08-01")),
            "{:?}",
            b.notes
        );
    }
    // The same month with the grid already in force: no such note.
    let mut cfg = cfg;
    cfg.tariff.effective_from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    for b in bills(&s, &cfg, &members(&com)) {
        assert!(
            !b.notes
                .iter()
                .any(|n| n.en.contains("Tariff in force from"))
        );
    }
}

#[test]
fn bills_hold_only_their_participant() {
    let com = community(3, 6.0, [2.0, 3.0, 5.0]);
    let alloc = allocate(&com, &Key::Default).unwrap();
    let cfg = config(TurpeChoice::Acc);
    let s = settle(&com, &alloc, &cfg).unwrap();
    for b in bills(&s, &cfg, &members(&com)) {
        let text = format!("{b:?}");
        for m in com.members() {
            if m.id != b.member {
                assert!(
                    !text.contains(&format!("Name of {}", m.id)),
                    "{} leaks {}",
                    b.member,
                    m.id
                );
            }
        }
    }
}

#[test]
fn optimised_key_serves_the_highest_savings_first_and_beats_the_default_key() {
    let com = community(1, 6.0, [2.0, 3.0, 5.0]);
    let mut prices = Prices::flat(0.10, 0.15);
    prices.supplier = vec![(id("c"), 0.25), (id("a"), 0.20)];
    let alloc = optimised_allocation(&com, &prices).unwrap();
    alloc.check_invariants().unwrap();
    // c (0.15 saved per kWh) takes 5, then a (0.10) takes the last 1, b (0.05) nothing.
    let got: Vec<f64> = (0..3).map(|i| alloc.allocated_kwh(0, i)).collect();
    for (g, w) in got.iter().zip([1.0, 0.0, 5.0]) {
        assert!((g - w).abs() < 1e-9, "{got:?}");
    }
    let value = |a: &quartier_share::Allocation| -> f64 {
        [0.10, 0.05, 0.15]
            .iter()
            .enumerate()
            .map(|(i, v)| v * a.allocated_kwh(0, i))
            .sum()
    };
    let default = allocate(&com, &Key::Default).unwrap();
    assert!(value(&alloc) > value(&default));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn settlement_sums_equal_allocation_sums(
        steps in 1usize..200,
        p in 0.0f64..20.0,
        c in prop::array::uniform3(0.0f64..10.0),
        supplier in prop::array::uniform3(0.0f64..0.4),
    ) {
        let com = community(steps, p, c);
        let mut prices = Prices::flat(0.12, 0.2);
        prices.supplier = vec![(id("a"), supplier[0]), (id("b"), supplier[1]), (id("c"), supplier[2])];
        for key in [Key::Default, optimised_key(&com, &prices).unwrap()] {
            let alloc = allocate(&com, &key).unwrap();
            alloc.check_invariants().unwrap();
            let cfg = BillingConfig { tariff: table(), prices: prices.clone(), turpe: TurpeChoice::Acc, excise_exemption: true };
            let s = settle(&com, &alloc, &cfg).unwrap();
            for i in 0..3 {
                let (mut c_sum, mut a_sum, mut k_sum) = (0.0, 0.0, 0.0);
                for t in 0..steps {
                    c_sum += alloc.consumption_kwh(t, i);
                    a_sum += alloc.allocated_kwh(t, i);
                    k_sum += alloc.complement_kwh(t, i);
                }
                let months = &s.consumer_months[i];
                let sc: f64 = months.iter().map(|m| m.consumption_kwh).sum();
                let sa: f64 = months.iter().map(|m| m.self_consumed_kwh).sum();
                let sk: f64 = months.iter().map(|m| m.complement_kwh).sum();
                let sp: f64 = months.iter().map(|m| m.self_consumed_by_period_kwh.iter().sum::<f64>()).sum();
                prop_assert!((sc - c_sum).abs() < 1e-9 && (sa - a_sum).abs() < 1e-9 && (sk - k_sum).abs() < 1e-9);
                prop_assert!((sp - sa).abs() < 1e-9);
            }
            let pm = &s.producer_months[0];
            let prod: f64 = pm.iter().map(|m| m.production_kwh).sum();
            let sold: f64 = pm.iter().map(|m| m.self_consumed_kwh).sum();
            let surplus: f64 = pm.iter().map(|m| m.surplus_kwh).sum();
            prop_assert!((prod - p * steps as f64).abs() < 1e-9);
            prop_assert!((sold + surplus - prod).abs() < 1e-9);
            let consumed: f64 = s.consumer_months.iter().flatten().map(|m| m.self_consumed_kwh).sum();
            prop_assert!((consumed - sold).abs() < 1e-9);
            // Revenue of producers equals what consumers pay locally.
            let paid: f64 = s.consumer_months.iter().flatten().map(|m| m.local_cost_eur).sum();
            let earned: f64 = pm.iter().map(|m| m.revenue_eur).sum();
            prop_assert!((paid - earned).abs() < 1e-9);
        }
    }

    #[test]
    fn optimised_key_is_at_least_as_valuable_as_the_default_key(
        p in 0.0f64..20.0,
        c in prop::array::uniform3(0.0f64..10.0),
        supplier in prop::array::uniform3(0.0f64..0.4),
    ) {
        let com = community(1, p, c);
        let mut prices = Prices::flat(0.12, 0.2);
        prices.supplier = vec![(id("a"), supplier[0]), (id("b"), supplier[1]), (id("c"), supplier[2])];
        let value = |a: &quartier_share::Allocation| -> f64 {
            (0..3).map(|i| (supplier[i] - 0.12) * a.allocated_kwh(0, i)).sum()
        };
        let opt = optimised_allocation(&com, &prices).unwrap();
        opt.check_invariants().unwrap();
        let def = allocate(&com, &Key::Default).unwrap();
        prop_assert!(value(&opt) >= value(&def) - 1e-9);
    }
}
