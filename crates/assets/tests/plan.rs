//! The lifecycle plan: the replacement rule on hand-checked cases, and properties that hold
//! for any registry (proptest): no asset outlives its lifetime, no replacement before
//! commissioning or outside the horizon, and every sum adds up.

use chrono::NaiveDate;
use proptest::prelude::*;
use quartier_assets::{
    Asset, AssetKind, MaintenanceEntry, MaintenanceKind, PlanConfig, PlanError, ReplacementReason,
    lifecycle_plan,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn asset(name: &str, commissioned: i32, lifetime: u32, capex: f64, om: f64) -> Asset {
    let mut a = Asset::new(name, AssetKind::Other, d(commissioned, 3, 1), capex);
    a.lifetime_years = lifetime;
    a.annual_om_eur = om;
    a
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn end_of_life_replacements_repeat_every_lifetime() {
    let a = asset("pv", 2020, 10, 1000.0, 10.0);
    let plan = lifecycle_plan(&[a], &PlanConfig::new(2025)).unwrap();
    let p = &plan.assets[0];
    assert_eq!(p.replacement_years, vec![2030, 2040, 2050]);
    assert_eq!(p.first_reason, Some(ReplacementReason::EndOfLife));
    assert_eq!(p.end_of_life_year, 2030);
    assert_eq!(plan.years.len(), 30);
    assert_eq!(plan.years[5].year, 2030);
    assert_eq!(plan.years[5].assets_replaced, vec!["pv".to_string()]);
    assert_eq!(plan.totals.replacement_capex_eur, 3000.0);
    assert!(close(plan.totals.om_eur, 300.0));
    // Discounting at 4 %: the 2030 replacement is worth 1000 / 1.04^5 today.
    assert!(close(
        plan.years[5].discounted_eur,
        1010.0 / 1.04f64.powi(5)
    ));
    // Horizon 2025–2054. Bought in 2050 with a 10-year life, it has served 5 years by the
    // end of 2054: half its value is left, valued at the start of 2055.
    assert!(close(plan.totals.residual_value_eur, 500.0));
    assert!(close(
        plan.totals.residual_value_pv_eur,
        500.0 / 1.04f64.powi(30)
    ));
}

#[test]
fn condition_brings_the_replacement_forward_as_documented() {
    let start = 2026;
    let mut cases = Vec::new();
    for (condition, expected, reason) in [
        (5, 2040, ReplacementReason::EndOfLife),
        (4, 2040, ReplacementReason::EndOfLife),
        (3, 2036, ReplacementReason::Condition), // start + ceil(20 / 2)
        (2, 2028, ReplacementReason::Condition),
        (1, 2026, ReplacementReason::Condition),
    ] {
        let mut a = asset(&format!("c{condition}"), 2020, 20, 1.0, 0.0);
        a.condition = condition;
        cases.push((a, expected, reason));
    }
    let assets: Vec<Asset> = cases.iter().map(|c| c.0.clone()).collect();
    let plan = lifecycle_plan(&assets, &PlanConfig::new(start)).unwrap();
    for ((_, expected, reason), p) in cases.iter().zip(&plan.assets) {
        assert_eq!(p.replacement_years.first(), Some(expected), "{}", p.name);
        assert_eq!(p.first_reason, Some(*reason), "{}", p.name);
    }
    // Condition 3 of an asset already close to its end: the end of life comes first.
    let mut a = asset("late", 2008, 20, 1.0, 0.0);
    a.condition = 3;
    let plan = lifecycle_plan(&[a], &PlanConfig::new(start)).unwrap();
    assert_eq!(plan.assets[0].replacement_years[0], 2028);
    assert_eq!(
        plan.assets[0].first_reason,
        Some(ReplacementReason::EndOfLife)
    );
}

#[test]
fn overdue_override_and_logged_replacement() {
    let overdue = asset("old", 1990, 15, 1.0, 0.0);
    let mut decided = asset("decided", 2020, 15, 1.0, 0.0);
    decided.replacement_year = Some(2031);
    decided.condition = 1; // the decision wins over the condition
    let mut renewed = asset("renewed", 2000, 12, 1.0, 0.0);
    renewed.maintenance.push(MaintenanceEntry {
        performed_on: d(2021, 4, 2),
        kind: MaintenanceKind::Replacement,
        cost_eur: 900.0,
        note: "onduleur remplacé".into(),
    });
    let plan = lifecycle_plan(&[overdue, decided, renewed], &PlanConfig::new(2026)).unwrap();
    assert_eq!(plan.assets[0].replacement_years, vec![2026, 2041]);
    assert_eq!(
        plan.assets[0].first_reason,
        Some(ReplacementReason::Overdue)
    );
    assert_eq!(plan.assets[1].replacement_years, vec![2031, 2046]);
    assert_eq!(
        plan.assets[1].first_reason,
        Some(ReplacementReason::Override)
    );
    assert_eq!(plan.assets[2].replacement_years, vec![2033, 2045]);
}

#[test]
fn escalation_applies_to_replacement_capex_and_om() {
    let a = asset("x", 2020, 7, 1000.0, 100.0);
    let mut cfg = PlanConfig::new(2025);
    cfg.years = 5;
    cfg.capex_escalation = 0.02;
    cfg.om_escalation = 0.01;
    cfg.discount_rate = 0.0;
    let plan = lifecycle_plan(&[a], &cfg).unwrap();
    assert_eq!(plan.assets[0].replacement_years, vec![2027]);
    assert!(close(
        plan.years[2].replacement_capex_eur,
        1000.0 * 1.02f64.powi(2)
    ));
    assert!(close(plan.years[4].om_eur, 100.0 * 1.01f64.powi(4)));
    assert!(close(plan.totals.npv_eur, plan.totals.total_eur));
}

#[test]
fn errors_are_typed() {
    let a = asset("x", 2030, 10, 1.0, 0.0);
    assert!(matches!(
        lifecycle_plan(&[a], &PlanConfig::new(2026)),
        Err(PlanError::CommissionedAfterStart {
            start_year: 2026,
            ..
        })
    ));
    let mut a = asset("x", 2020, 10, 1.0, 0.0);
    a.maintenance.push(MaintenanceEntry {
        performed_on: d(2027, 1, 1),
        kind: MaintenanceKind::Inspection,
        cost_eur: 0.0,
        note: String::new(),
    });
    assert!(matches!(
        lifecycle_plan(&[a], &PlanConfig::new(2026)),
        Err(PlanError::MaintenanceAfterStart { .. })
    ));
    let a = asset("x", 2020, 10, 1.0, 0.0);
    assert!(matches!(
        lifecycle_plan(&[a.clone(), a.clone()], &PlanConfig::new(2026)),
        Err(PlanError::DuplicateName(_))
    ));
    let mut cfg = PlanConfig::new(2026);
    cfg.years = 0;
    assert!(matches!(
        lifecycle_plan(std::slice::from_ref(&a), &cfg),
        Err(PlanError::Config { field: "years", .. })
    ));
    let mut cfg = PlanConfig::new(2026);
    cfg.discount_rate = f64::NAN;
    assert!(matches!(
        lifecycle_plan(std::slice::from_ref(&a), &cfg),
        Err(PlanError::Config {
            field: "discount_rate",
            ..
        })
    ));
    let mut bad = a;
    bad.capex_eur = f64::INFINITY;
    assert!(matches!(
        lifecycle_plan(&[bad], &PlanConfig::new(2026)),
        Err(PlanError::Asset(_))
    ));
    assert!(lifecycle_plan(&[], &PlanConfig::new(2026)).is_ok());
}

fn any_asset() -> impl Strategy<Value = Asset> {
    (
        1950i32..=2030,
        1u32..=100,
        0.0f64..1e6,
        0.0f64..1e4,
        1u8..=5,
        proptest::option::weighted(0.2, 0i32..60),
        proptest::option::weighted(0.3, 0i32..40),
    )
        .prop_map(
            |(year, life, capex, om, condition, replacement_after, renewed_after)| {
                let mut a = Asset::new("a", AssetKind::Other, d(year, 6, 15), capex);
                a.lifetime_years = life;
                a.annual_om_eur = om;
                a.condition = condition;
                a.replacement_year = replacement_after.map(|k| year + k);
                if let Some(k) = renewed_after {
                    let on = d((year + k).min(2030), 1, 10).max(a.commissioned_on);
                    a.maintenance.push(MaintenanceEntry {
                        performed_on: on,
                        kind: MaintenanceKind::Replacement,
                        cost_eur: capex,
                        note: String::new(),
                    });
                }
                a
            },
        )
}

proptest! {
    #[test]
    fn plans_are_consistent(
        mut assets in proptest::collection::vec(any_asset(), 0..12),
        start in 2030i32..2040,
        years in 1u32..60,
        rate in -0.05f64..0.15,
        escalation in -0.02f64..0.05,
    ) {
        for (i, a) in assets.iter_mut().enumerate() {
            a.name = format!("asset-{i}");
        }
        let cfg = PlanConfig { start_year: start, years, discount_rate: rate, capex_escalation: escalation, om_escalation: escalation };
        let plan = lifecycle_plan(&assets, &cfg).unwrap();
        let end = cfg.end_year();
        prop_assert_eq!(plan.years.len(), years as usize);
        for (a, p) in assets.iter().zip(&plan.assets) {
            let since = a.in_service_since().format("%Y").to_string().parse::<i32>().unwrap();
            let life = a.lifetime_years as i32;
            // Within the horizon, increasing, never before commissioning, spaced by the lifetime.
            for w in p.replacement_years.windows(2) {
                prop_assert_eq!(w[1] - w[0], life);
            }
            for &y in &p.replacement_years {
                prop_assert!(y >= start && y <= end);
                prop_assert!(y >= since);
            }
            // Without a decided year, no unit in service outlives its lifetime in any year.
            if a.replacement_year.is_none() {
                for year in start..=end {
                    let last = p.replacement_years.iter().copied().filter(|&y| y <= year).max().unwrap_or(since);
                    prop_assert!(year - last < life, "{} in {year}: in service since {last}, life {life}", p.name);
                }
                if a.condition == 1 {
                    prop_assert_eq!(p.replacement_years.first().copied(), Some(start));
                }
            }
            let capex: f64 = p.replacement_years.iter().map(|&y| a.capex_eur * (1.0 + escalation).powi(y - start)).sum();
            prop_assert!(close(p.replacement_capex_eur, capex));
            prop_assert!(p.residual_value_eur >= 0.0);
        }
        // Sums: per year, across years, across assets.
        for row in &plan.years {
            prop_assert!(close(row.total_eur, row.replacement_capex_eur + row.om_eur));
            prop_assert!(close(row.discounted_eur, row.total_eur * row.discount_factor));
        }
        let by_year: f64 = plan.years.iter().map(|r| r.replacement_capex_eur).sum();
        let by_asset: f64 = plan.assets.iter().map(|p| p.replacement_capex_eur).sum();
        prop_assert!(close(by_year, plan.totals.replacement_capex_eur));
        prop_assert!(close(by_asset, plan.totals.replacement_capex_eur));
        let om_by_asset: f64 = plan.assets.iter().map(|p| p.om_eur).sum();
        prop_assert!(close(om_by_asset, plan.totals.om_eur));
        prop_assert!(close(plan.totals.total_eur, plan.totals.replacement_capex_eur + plan.totals.om_eur));
        let npv: f64 = plan.years.iter().map(|r| r.discounted_eur).sum();
        prop_assert!(close(npv, plan.totals.npv_eur));
        let replaced: usize = plan.years.iter().map(|r| r.assets_replaced.len()).sum();
        prop_assert_eq!(replaced, plan.totals.replacements);
    }
}
