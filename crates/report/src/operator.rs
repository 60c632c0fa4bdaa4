//! What goes to and comes back from the grid operator (Enedis), as files: the month's
//! coefficient file of a dynamic key the PMO computes ([`operator_key_csv`]), the reconciliation
//! of Quartier's allocation with the operator's official data ([`reconciliation_csv`],
//! [`difference_steps_csv`]), and a month of an allocation written in the layout of the
//! operator's monthly export ([`official_export`]), the layout `quartier_timeseries`'s reader
//! documents: the stand-in for the operator's data in the demo and the tests.
//!
//! **The key file's layout is assumed** (no official template was found in public sources for
//! issue #11; the closest, a community script for Enedis dynamic keys, writes this): one line
//! per step, `;`-separated, `Horodate` in local time (Europe/Paris) as `DD/MM/YYYY HH:MM`
//! (the start of the step), then one column per consumer PRM, its coefficient in percent with a
//! decimal comma, floored to 0.1 % so that each line sums to at most 100 %. The full dynamic
//! key's file ([`operator_pair_key_csv`]) is assumed the same way, one line per step and
//! producer: `Horodate;Producteur;` then one column per consumer PRM, each producer's line
//! summing to at most 100 %. This module is the one place to change when the operator's layout
//! is confirmed.

use std::fmt::Write as _;

use quartier_billing::Month;
use quartier_billing::reconcile::{Reconciliation, TOLERANCE_KWH, TOLERANCE_RELATIVE};
use quartier_share::CoefficientFile;

/// One curve file of [`official_export`]: the member, the file's tag and the quantity per step.
type CurveOf<'a> = (&'a str, &'a str, Box<dyn Fn(usize) -> f64 + 'a>);

/// Month `month` of allocation `a` as the operator's monthly export would give it: one file per
/// PRM and quantity, `<PRM>_<DDMMYYYY>_<DDMMYYYY>_<Conso|Autoconso|Complement|Prod|Surplus>_CDC.csv`
/// (first and last local day), a header line, then one line per hour, `DD/MM/YYYY HH:MM` in
/// local time, and the average power of its four quarter-hours in W (a half-hour step gives two
/// equal quarter-hours). `extra_w(prm, tag, hour)` is added to an hour's four powers (hour 0
/// is the month's first): a correction seeded on purpose. Returns (file name, text), by name.
pub fn official_export(
    a: &quartier_share::Allocation,
    month: Month,
    extra_w: &dyn Fn(&str, &str, usize) -> f64,
) -> Vec<(String, String)> {
    let axis = a.axis();
    let steps: Vec<usize> = month_steps(axis, month).collect();
    let (Some(&first), Some(&last)) = (steps.first(), steps.last()) else {
        return Vec::new();
    };
    let paris = |t: usize| axis.time(t).with_timezone(&chrono_tz::Europe::Paris);
    let days = format!(
        "{}_{}",
        paris(first).format("%d%m%Y"),
        paris(last).format("%d%m%Y")
    );
    let per_hour = (60 / axis.step().minutes().max(1)).max(1) as usize;
    let quarters = (axis.step().minutes() / 15).max(1) as usize;
    let mut curves: Vec<CurveOf<'_>> = Vec::new();
    for (i, id) in a.consumers().iter().enumerate() {
        curves.push((
            id.as_str(),
            "Conso",
            Box::new(move |t| a.consumption_kwh(t, i)),
        ));
        curves.push((
            id.as_str(),
            "Autoconso",
            Box::new(move |t| a.allocated_kwh(t, i)),
        ));
        curves.push((
            id.as_str(),
            "Complement",
            Box::new(move |t| a.complement_kwh(t, i)),
        ));
    }
    for (p, id) in a.producers().iter().enumerate() {
        curves.push((
            id.as_str(),
            "Prod",
            Box::new(move |t| a.production_kwh(t, p)),
        ));
        curves.push((
            id.as_str(),
            "Surplus",
            Box::new(move |t| a.surplus_kwh(t, p)),
        ));
    }
    let mut files = Vec::with_capacity(curves.len());
    for (prm, tag, kwh) in &curves {
        let mut s = String::from("Horodate;Valeur 1;Valeur 2;Valeur 3;Valeur 4\n");
        for (hour, chunk) in steps.chunks(per_hour).enumerate() {
            let Some(&start) = chunk.first() else {
                continue;
            };
            s.push_str(&paris(start).format("%d/%m/%Y %H:%M").to_string());
            let extra = extra_w(prm, tag, hour);
            for &t in chunk {
                // kWh over the step, as the mean power of each of its quarter-hours.
                let w = kwh(t) * 60.0 / f64::from(axis.step().minutes()) * 1000.0 + extra;
                for _ in 0..quarters {
                    let _ = write!(s, ";{w:.3}");
                }
            }
            s.push('\n');
        }
        files.push((format!("{prm}_{days}_{tag}_CDC.csv"), s));
    }
    files.sort();
    files
}

use crate::csv_out::csv_field;

/// The coefficient file of `month` (local) in the operator's layout, and the energy lost to
/// flooring the coefficients that month, kWh.
pub fn operator_key_csv(c: &CoefficientFile, month: Month) -> (String, f64) {
    let mut s = String::from("Horodate");
    for id in c.consumers() {
        let _ = write!(s, ";{}", id.as_str().replace(';', "_"));
    }
    s.push('\n');
    let mut lost = 0.0;
    for t in 0..c.axis().len() {
        let local = c.axis().time(t).with_timezone(&chrono_tz::Europe::Paris);
        if Month::of(c.axis().time(t)) != month {
            continue;
        }
        s.push_str(&local.format("%d/%m/%Y %H:%M").to_string());
        for i in 0..c.consumers().len() {
            let _ = write!(
                s,
                ";{}",
                format!("{:.1}", c.percent(t, i)).replace('.', ",")
            );
        }
        s.push('\n');
        lost += c.lost_kwh(t);
    }
    (s, lost)
}

/// The full dynamic key's coefficient file of `month` (local) in the operator's layout (see the
/// module documentation), and the energy lost to flooring the coefficients that month, kWh.
/// `f` should cover the month's steps ([`month_steps`]).
pub fn operator_pair_key_csv(
    f: &quartier_share::PairCoefficientFile,
    month: Month,
) -> (String, f64) {
    let mut s = String::from("Horodate;Producteur");
    for id in f.consumers() {
        let _ = write!(s, ";{}", id.as_str().replace(';', "_"));
    }
    s.push('\n');
    let mut lost = 0.0;
    for t in f.steps() {
        if Month::of(f.axis().time(t)) != month {
            continue;
        }
        let local = f
            .axis()
            .time(t)
            .with_timezone(&chrono_tz::Europe::Paris)
            .format("%d/%m/%Y %H:%M")
            .to_string();
        for (p, producer) in f.producers().iter().enumerate() {
            let _ = write!(s, "{local};{}", producer.as_str().replace(';', "_"));
            for &k in f.row(t, p) {
                let _ = write!(s, ";{},{}", k / 10, k % 10);
            }
            s.push('\n');
        }
        lost += f.lost_kwh(t);
    }
    (s, lost)
}

/// The steps of `axis` in local month `month`, as a range (empty when it has none).
pub fn month_steps(axis: &quartier_timeseries::Axis, month: Month) -> std::ops::Range<usize> {
    let inside: Vec<usize> = (0..axis.len())
        .filter(|&t| Month::of(axis.time(t)) == month)
        .collect();
    match (inside.first(), inside.last()) {
        (Some(&a), Some(&b)) => a..b + 1,
        _ => 0..0,
    }
}

/// `reconciliation.csv`: one row per PRM, month and quantity, both sides, whether the
/// difference is listed, and its likely cause.
pub fn reconciliation_csv(r: &Reconciliation) -> String {
    let mut s = String::from(
        "prm,month,quantity,quartier_kwh,official_kwh,difference_kwh,difference_percent,listed,likely_cause,steps_differing\n",
    );
    for row in &r.rows {
        let pct = if row.official_kwh.abs() > 0.0 {
            format!(
                "{:.3}",
                100.0 * row.difference_kwh() / row.official_kwh.abs()
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "{},{},{},{:.3},{:.3},{:.3},{},{},{},{}",
            csv_field(&row.prm),
            row.month,
            row.quantity.name(),
            row.quartier_kwh,
            row.official_kwh,
            row.difference_kwh(),
            pct,
            row.listed,
            csv_field(row.cause.map_or("", |c| c.text())),
            row.steps.len()
        );
    }
    s
}

/// `difference_steps.csv`: for each listed difference where the operator sent curves, the
/// steps where the two sides differ.
pub fn difference_steps_csv(r: &Reconciliation) -> String {
    let mut s = String::from("prm,quantity,time_utc,quartier_kwh,official_kwh\n");
    for row in r.differences() {
        for (t, q, o) in &row.steps {
            let _ = writeln!(
                s,
                "{},{},{},{:.6},{:.6}",
                csv_field(&row.prm),
                row.quantity.name(),
                t.format("%Y-%m-%dT%H:%M:%SZ"),
                q,
                o
            );
        }
    }
    s
}

/// The tolerance in words, for the summary a person reads.
pub fn tolerance_words() -> String {
    format!(
        "a difference is listed when above {TOLERANCE_KWH} kWh and above {} % of the official value",
        TOLERANCE_RELATIVE * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use quartier_share::{CommunityBuilder, Key, Member, MemberId, Role};
    use quartier_timeseries::enedis_acc::parse_curve;
    use quartier_timeseries::{AccCurve, AccOfficial, AccQuantity, Axis, Quantity, Series, Step};

    /// October 2025 in Paris at 30 min (the autumn change gives 26 October 50 half-hours):
    /// producer `pv` and consumers `a`, `b`, allocated with the default key.
    fn october() -> (quartier_share::Community, quartier_share::Allocation) {
        let start = Utc.with_ymd_and_hms(2025, 9, 30, 22, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2025, 10, 31, 23, 0, 0).unwrap();
        let n = usize::try_from((end - start).num_minutes() / 30).unwrap();
        let axis = Axis::new(start, Step::MIN30, n).unwrap();
        let series = |f: &dyn Fn(usize) -> f64| {
            Series::new(axis, Quantity::EnergyKwh, (0..n).map(f).collect()).unwrap()
        };
        let id = |s: &str| MemberId::new(s).unwrap();
        let community = CommunityBuilder::new(axis)
            .member(Member::new(id("pv"), Role::Producer))
            .member(Member::new(id("a"), Role::Consumer))
            .member(Member::new(id("b"), Role::Consumer))
            .curve(
                &id("pv"),
                series(&|t| {
                    if (14..36).contains(&(t % 48)) {
                        3.0
                    } else {
                        0.0
                    }
                }),
            )
            .curve(&id("a"), series(&|t| 1.0 + (t % 5) as f64 * 0.1))
            .curve(&id("b"), series(&|_| 0.7))
            .build()
            .unwrap();
        let a = quartier_share::allocate(&community, &Key::Default).unwrap();
        (community, a)
    }

    /// The export read back by the operator data's reader.
    fn read_back(files: &[(String, String)]) -> AccOfficial {
        let mut o = AccOfficial::default();
        for (name, text) in files {
            let (prm, rest) = name.split_once('_').unwrap();
            let tag = rest
                .trim_end_matches("_CDC.csv")
                .rsplit('_')
                .next()
                .unwrap();
            let quantity = match tag {
                "Conso" => AccQuantity::Consumption,
                "Autoconso" => AccQuantity::SelfConsumed,
                "Complement" => AccQuantity::Complement,
                "Prod" => AccQuantity::Production,
                _ => AccQuantity::Surplus,
            };
            o.curves.push(AccCurve {
                prm: prm.to_string(),
                quantity,
                series: parse_curve(name, text).unwrap(),
                source: name.clone(),
            });
        }
        o
    }

    #[test]
    fn an_export_reads_back_as_the_allocation_through_the_autumn_change() {
        let (c, a) = october();
        let month = Month {
            year: 2025,
            month: 10,
        };
        let files = official_export(&a, month, &|_, _, _| 0.0);
        assert_eq!(
            files.len(),
            3 * 2 + 2,
            "three quantities per consumer, two per producer"
        );
        assert_eq!(files[0].0, "a_01102025_31102025_Autoconso_CDC.csv");
        // 31 days of 24 hours, and the repeated hour of 26 October.
        assert_eq!(files[0].1.lines().count(), 1 + 31 * 24 + 1);
        let r = quartier_billing::reconcile(&c, &a, &read_back(&files));
        assert_eq!(
            r.differences().count(),
            0,
            "{:?}",
            r.differences().collect::<Vec<_>>()
        );
        // A correction seeded on purpose: b's meter 4 kW higher for one hour (above 0.1 % of
        // its month, the tolerance with 0.1 kWh).
        let seeded = official_export(&a, month, &|prm, tag, hour| {
            if prm == "b" && tag == "Conso" && hour == 300 {
                4000.0
            } else {
                0.0
            }
        });
        let r = quartier_billing::reconcile(&c, &a, &read_back(&seeded));
        let listed: Vec<_> = r.differences().collect();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(
            (listed[0].prm.as_str(), listed[0].quantity),
            ("b", AccQuantity::Consumption)
        );
        assert!(
            (listed[0].difference_kwh() + 4.0).abs() < 1e-6,
            "{:?}",
            listed[0]
        );
    }
}
