//! A small community around the real Enedis Linky curve (30-min, July 2022 – July 2023).

use quartier_share::{
    CommunityBuilder, Group, Inside, Key, Leftover, Member, Role, allocate, coefficient_file,
};
use quartier_timeseries::{FillPolicy, Quantity, Series, read_enedis};

use crate::id;

#[test]
fn community_around_a_real_linky_curve() {
    let Some(path) =
        quartier_testdata::shared_file("linky_enedis_export_household_2022-07_2023-07_30min.csv")
    else {
        return;
    };
    let (home, _meta) = read_enedis(&path, FillPolicy::None).unwrap();
    let ax = *home.axis();
    assert_eq!(ax.step().minutes(), 30);
    let n = ax.len();
    // Two neighbours: the same household shifted by 3 h and scaled; a school by day.
    let v = home.values();
    let shifted: Vec<f64> = (0..n).map(|t| 1.3 * v[(t + 6) % n]).collect();
    let school: Vec<f64> = ax
        .times()
        .map(|t| {
            let h = chrono::Timelike::hour(&t.with_timezone(&chrono_tz::Europe::Paris));
            if (8..18).contains(&h) { 4.0 } else { 0.5 }
        })
        .collect();
    // 36 kWc of PV: a clipped sine over the UTC day (enough for a realistic shape).
    let pv: Vec<f64> = ax
        .times()
        .map(|t| {
            let h = chrono::Timelike::hour(&t) as f64 + chrono::Timelike::minute(&t) as f64 / 60.0;
            let s = ((h - 5.0) / 14.0 * std::f64::consts::PI).sin().max(0.0);
            36.0 * 0.5 * s * 0.7
        })
        .collect();
    let kwh = |v: Vec<f64>| Series::new(ax, Quantity::EnergyKwh, v).unwrap();
    let (linky, neighbour, school_id, roof) = (
        id("09999999999999"),
        id("09999999999998"),
        id("school"),
        id("roof"),
    );
    let c = CommunityBuilder::new(ax)
        .member(Member::new(roof.clone(), Role::Producer))
        .member(Member::new(linky.clone(), Role::Consumer))
        .member(Member::new(neighbour.clone(), Role::Consumer))
        .member(Member::new(school_id.clone(), Role::Consumer))
        .curve(&roof, kwh(pv.clone()))
        .curve(&linky, home.clone())
        .curve(&neighbour, kwh(shifted))
        .curve(&school_id, kwh(school))
        .build()
        .unwrap();
    let keys = [
        Key::Default,
        Key::Static {
            coefficients: vec![
                (linky.clone(), 0.3),
                (neighbour.clone(), 0.3),
                (school_id.clone(), 0.4),
            ],
            leftover: Leftover::Redistribute,
        },
        Key::Priority {
            groups: vec![
                Group {
                    members: vec![school_id.clone()],
                    inside: Inside::Prorata,
                },
                Group {
                    members: vec![linky.clone(), neighbour.clone()],
                    inside: Inside::Prorata,
                },
            ],
        },
    ];
    let production: f64 = pv.iter().sum();
    let mut self_consumed = Vec::new();
    for key in &keys {
        let a = allocate(&c, key).unwrap();
        let allocated: f64 = (0..n).map(|t| a.total_allocated_kwh(t)).sum();
        let surplus: f64 = (0..n).map(|t| a.total_surplus_kwh(t)).sum();
        assert!((allocated + surplus - production).abs() < 1e-6);
        let home_total: f64 = a.allocated_series(0).sum() + a.complement_series(0).sum();
        assert!((home_total - home.sum()).abs() < 1e-6);
        let f = coefficient_file(&a);
        assert!((0..n).all(|t| f.step_sum_tenths(t) <= 1000));
        assert!(f.total_lost_kwh() < production * 0.003);
        self_consumed.push(allocated);
    }
    // Every key that hands out all it can reaches the same community total.
    assert!(
        (self_consumed[0] - self_consumed[1]).abs() < 1e-6,
        "{self_consumed:?}"
    );
    assert!(
        (self_consumed[0] - self_consumed[2]).abs() < 1e-6,
        "{self_consumed:?}"
    );
    assert!(self_consumed[0] > 0.2 * production);
    // The export spans both DST changes: 46 and 50 half-hours on those local days.
    let tz = chrono_tz::Europe::Paris;
    for (day, len) in [("2023-03-26", 46), ("2022-10-30", 50)] {
        let d: chrono::NaiveDate = day.parse().unwrap();
        let day_axis = quartier_timeseries::Axis::local_days(d, d, tz, ax.step()).unwrap();
        assert_eq!(day_axis.len(), len);
        assert!(ax.contains_axis(&day_axis));
    }
}
