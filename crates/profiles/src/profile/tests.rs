//! Tests of profile lookup, DST handling, resampling consistency and annual scaling.

use chrono::{NaiveDate, TimeZone};
use quartier_timeseries::{Step, local_day_len};

use super::*;
use crate::{FrenchHolidays, NoHolidays};

const PARIS: Tz = chrono_tz::Europe::Paris;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn days(first: NaiveDate, last: NaiveDate, step: Step) -> Axis {
    Axis::local_days(first, last, PARIS, step).unwrap()
}

/// The table's 96 values of one (month, day type), times the day factor, in kWh/1e6 kWh.
fn table_day(p: StandardProfile, date: NaiveDate, t: DayType) -> Vec<f64> {
    let table = p.table().unwrap();
    (0..96)
        .map(|qh| table.get(date.month0() as usize, t, qh).unwrap() * p.day_factor(date))
        .collect()
}

/// Sums of consecutive local days of a series starting at local midnight.
fn daily_totals(s: &Series, first: NaiveDate, n: usize) -> Vec<f64> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut day = first;
    for _ in 0..n {
        let len = local_day_len(day, PARIS, s.axis().step()).unwrap();
        out.push(s.values()[i..i + len].iter().sum());
        i += len;
        day = day.succ_opt().unwrap();
    }
    assert_eq!(i, s.values().len());
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn names_parse_and_describe() {
    assert_eq!(StandardProfile::from_name("H25"), Ok(StandardProfile::H25));
    assert_eq!(
        StandardProfile::from_name(" g25 "),
        Ok(StandardProfile::G25)
    );
    assert_eq!("G25".parse::<StandardProfile>(), Ok(StandardProfile::G25));
    assert!(matches!(
        StandardProfile::from_name("H0"),
        Err(ProfileError::UnknownProfile { .. })
    ));
    for p in StandardProfile::ALL {
        assert_eq!(StandardProfile::from_name(&p.to_string()), Ok(p));
        assert!(p.description().contains(p.name()));
    }
}

#[test]
fn dynamisation_factor_matches_demandlib_polynomial() {
    assert!(close(dynamisation_factor(0), 1.24));
    // Hand-evaluated: t = 1 → 1.24 + 0.0021 - 7.02e-5 + 3.2e-7 - 3.92e-10.
    assert!(close(dynamisation_factor(1), 1.242_030_119_608));
    let july = dynamisation_factor(190);
    assert!((0.78..0.80).contains(&july), "{july}");
    assert!(dynamisation_factor(365) > 1.2);
    assert!(StandardProfile::H25.is_dynamised() && !StandardProfile::G25.is_dynamised());
}

#[test]
fn dst_days_have_92_and_100_quarter_hours_with_table_values() {
    for p in StandardProfile::ALL {
        // 2025-03-30 and 2025-10-26 are Sundays.
        let spring = d(2025, 3, 30);
        let s = profile_energy(
            p,
            &days(spring, spring, Step::MIN15),
            PARIS,
            1e6,
            &NoHolidays,
        )
        .unwrap();
        assert_eq!(s.values().len(), 92);
        let full = table_day(p, spring, DayType::SundayOrHoliday);
        // Local 00:00–02:00 then 03:00–24:00: the table's 02:00–03:00 values are skipped.
        let expected: Vec<f64> = full[..8].iter().chain(&full[12..]).copied().collect();
        assert!(
            s.values().iter().zip(&expected).all(|(a, b)| close(*a, *b)),
            "{p} spring"
        );

        let autumn = d(2025, 10, 26);
        let s = profile_energy(
            p,
            &days(autumn, autumn, Step::MIN15),
            PARIS,
            1e6,
            &NoHolidays,
        )
        .unwrap();
        assert_eq!(s.values().len(), 100);
        let full = table_day(p, autumn, DayType::SundayOrHoliday);
        // Local 00:00–03:00 (CEST), then 02:00–24:00 (CET): 02:00–03:00 taken twice.
        let expected: Vec<f64> = full[..12].iter().chain(&full[8..]).copied().collect();
        assert!(
            s.values().iter().zip(&expected).all(|(a, b)| close(*a, *b)),
            "{p} autumn"
        );
        assert_eq!(s.values()[8..12], s.values()[12..16]);

        // Sensible totals: each DST day is within a few percent of its 96-quarter-hour day.
        let spring_total: f64 = table_day(p, spring, DayType::SundayOrHoliday).iter().sum();
        let autumn_total: f64 = table_day(p, autumn, DayType::SundayOrHoliday).iter().sum();
        let spring_kwh = profile_energy(
            p,
            &days(spring, spring, Step::MIN15),
            PARIS,
            1e6,
            &NoHolidays,
        )
        .unwrap()
        .sum();
        assert!(
            spring_kwh < spring_total && spring_kwh > 0.95 * spring_total,
            "{p}"
        );
        assert!(
            s.sum() > autumn_total && s.sum() < 1.05 * autumn_total,
            "{p}"
        );
        println!(
            "{p}: 2025-03-30 {spring_kwh:.1} kWh (96-qh day {spring_total:.1}); \
             2025-10-26 {:.1} kWh (96-qh day {autumn_total:.1}), per 1e6 kWh/yr",
            s.sum()
        );
    }
}

#[test]
fn steps_of_15_30_60_minutes_give_the_same_daily_totals() {
    // Four weeks around the spring change plus the autumn change week, French holidays.
    for (first, last) in [
        (d(2025, 3, 20), d(2025, 4, 25)),
        (d(2025, 10, 20), d(2025, 11, 12)),
    ] {
        let n = (last - first).num_days() as usize + 1;
        for p in StandardProfile::ALL {
            let per_step: Vec<(Series, Vec<f64>)> = [Step::MIN15, Step::MIN30, Step::MIN60]
                .into_iter()
                .map(|step| {
                    let s = profile_energy(
                        p,
                        &days(first, last, step),
                        PARIS,
                        4_200.0,
                        &FrenchHolidays,
                    )
                    .unwrap();
                    let totals = daily_totals(&s, first, n);
                    (s, totals)
                })
                .collect();
            let (s15, t15) = &per_step[0];
            for (s, totals) in &per_step[1..] {
                assert!(t15.iter().zip(totals).all(|(a, b)| close(*a, *b)), "{p}");
                // Each coarse interval is the sum of the quarter-hours it covers.
                let k = s.axis().step().minutes() as usize / 15;
                for (i, v) in s.values().iter().enumerate() {
                    let fine: f64 = s15.values()[i * k..(i + 1) * k].iter().sum();
                    assert!(close(*v, fine));
                }
            }
        }
    }
}

#[test]
fn calendar_year_sums_to_annual_energy() {
    let axis = days(d(2025, 1, 1), d(2025, 12, 31), Step::MIN15);
    assert_eq!(axis.len(), 365 * 96);
    for p in StandardProfile::ALL {
        let s = profile_energy(p, &axis, PARIS, 3_500.0, &FrenchHolidays).unwrap();
        assert_eq!(s.quantity(), Quantity::EnergyKwh);
        let total = s.sum();
        println!(
            "{p}: 2025, French holidays, 3,500 kWh/yr -> {total:.3} kWh ({:.5})",
            total / 3_500.0
        );
        assert!((total / 3_500.0 - 1.0).abs() < 0.01, "{p}: {total}");
        // Hourly axis, same year: same total.
        let hourly = profile_energy(
            p,
            &axis.with_step(Step::MIN60).unwrap(),
            PARIS,
            3_500.0,
            &FrenchHolidays,
        )
        .unwrap();
        assert!(close(hourly.sum(), total));
    }
}

#[test]
fn weekday_and_sunday_shapes_differ() {
    // H25, Wednesday 5 and Sunday 9 March 2025: people get up later on Sundays.
    let shape = |p, day| {
        let s =
            profile_energy(p, &days(day, day, Step::MIN60), PARIS, 1.0, &FrenchHolidays).unwrap();
        let total = s.sum();
        s.into_values()
            .into_iter()
            .map(|v| v / total)
            .collect::<Vec<f64>>()
    };
    let wed = shape(StandardProfile::H25, d(2025, 3, 5));
    let sun = shape(StandardProfile::H25, d(2025, 3, 9));
    assert!(
        wed[6] > 1.3 * sun[6],
        "06:00–07:00 share: weekday {} Sunday {}",
        wed[6],
        sun[6]
    );
    let diff: f64 = wed.iter().zip(&sun).map(|(a, b)| (a - b).abs()).sum();
    assert!(diff > 0.1, "shapes too similar: L1 distance {diff}");
}

#[test]
fn g25_weekday_afternoons_exceed_sundays() {
    let energy = |day| {
        profile_energy(
            StandardProfile::G25,
            &days(day, day, Step::MIN60),
            PARIS,
            50_000.0,
            &FrenchHolidays,
        )
        .unwrap()
        .into_values()
    };
    let tue = energy(d(2025, 6, 3));
    let sun = energy(d(2025, 6, 8));
    let holiday = energy(d(2025, 5, 8)); // Thursday, Victoire 1945
    for h in 13..18 {
        assert!(
            tue[h] > 1.5 * sun[h],
            "{h}h: weekday {} Sunday {}",
            tue[h],
            sun[h]
        );
        assert!(
            tue[h] > 1.5 * holiday[h],
            "{h}h: weekday {} holiday {}",
            tue[h],
            holiday[h]
        );
    }
}

#[test]
fn holidays_take_the_sunday_column() {
    let day = d(2025, 5, 1); // Thursday, Fête du Travail
    let axis = days(day, day, Step::MIN15);
    for p in StandardProfile::ALL {
        let with = profile_energy(p, &axis, PARIS, 1e6, &FrenchHolidays).unwrap();
        let without = profile_energy(p, &axis, PARIS, 1e6, &NoHolidays).unwrap();
        let sunday = table_day(p, day, DayType::SundayOrHoliday);
        let weekday = table_day(p, day, DayType::Weekday);
        assert!(
            with.values()
                .iter()
                .zip(&sunday)
                .all(|(a, b)| close(*a, *b))
        );
        assert!(
            without
                .values()
                .iter()
                .zip(&weekday)
                .all(|(a, b)| close(*a, *b))
        );
    }
    assert_eq!(day_type(d(2025, 5, 3), &FrenchHolidays), DayType::Saturday);
    assert_eq!(
        day_type(d(2025, 11, 1), &FrenchHolidays),
        DayType::SundayOrHoliday
    ); // a Saturday
    assert_eq!(day_type(d(2025, 11, 1), &NoHolidays), DayType::Saturday);
}

#[test]
fn scales_linearly_and_starts_anywhere() {
    // An axis starting mid-day UTC, 30-min step, 3 days.
    let start = Utc.with_ymd_and_hms(2025, 2, 10, 13, 30, 0).unwrap();
    let axis = Axis::new(start, Step::MIN30, 144).unwrap();
    let one = profile_energy(StandardProfile::H25, &axis, PARIS, 1_000.0, &FrenchHolidays).unwrap();
    let two = profile_energy(StandardProfile::H25, &axis, PARIS, 2_000.0, &FrenchHolidays).unwrap();
    assert!(
        one.values()
            .iter()
            .zip(two.values())
            .all(|(a, b)| close(2.0 * a, *b))
    );
    let zero = profile_energy(StandardProfile::H25, &axis, PARIS, 0.0, &FrenchHolidays).unwrap();
    assert_eq!(zero.sum(), 0.0);
    // First interval is local 14:30–15:00 (CET) on Monday 10 February: quarter-hours 58, 59.
    let t = table_day(StandardProfile::H25, d(2025, 2, 10), DayType::Weekday);
    assert!(close(one.values()[0], (t[58] + t[59]) * 1e-3));
    // Empty axis: empty series.
    let empty = Axis::new(start, Step::MIN15, 0).unwrap();
    assert!(
        profile_energy(StandardProfile::G25, &empty, PARIS, 1.0, &NoHolidays)
            .unwrap()
            .values()
            .is_empty()
    );
}

#[test]
fn bad_requests_are_typed_errors() {
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let axis = Axis::new(start, Step::MIN15, 4).unwrap();
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            profile_energy(StandardProfile::H25, &axis, PARIS, bad, &NoHolidays),
            Err(ProfileError::BadAnnualEnergy { .. })
        ));
    }
    let five = Axis::new(start, Step::from_minutes(5).unwrap(), 12).unwrap();
    let e = profile_energy(StandardProfile::H25, &five, PARIS, 1.0, &NoHolidays).unwrap_err();
    assert!(matches!(e, ProfileError::UnsupportedStep { .. }), "{e}");
    // Paris mean time (UTC+0:09:21) before 1911: no local quarter-hour grid.
    let old = Axis::new(
        Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap(),
        Step::MIN15,
        4,
    )
    .unwrap();
    let e = profile_energy(StandardProfile::G25, &old, PARIS, 1.0, &NoHolidays).unwrap_err();
    assert!(matches!(e, ProfileError::LocalTimeOffGrid { .. }), "{e}");
    // A zone with a quarter-hour offset (UTC+5:45) works.
    let kathmandu = profile_energy(
        StandardProfile::G25,
        &axis,
        chrono_tz::Asia::Kathmandu,
        1.0,
        &NoHolidays,
    );
    assert!(kathmandu.is_ok());
}

#[test]
fn embedded_tables_equal_the_shared_originals() {
    for (name, embedded) in [
        ("bdew2025_h25.csv", table::H25_CSV),
        ("bdew2025_g25.csv", table::G25_CSV),
    ] {
        let Some(path) = quartier_testdata::shared_file(name) else {
            return;
        };
        let original = std::fs::read_to_string(&path).unwrap();
        assert_eq!(original, embedded, "{name} differs from {}", path.display());
    }
}
