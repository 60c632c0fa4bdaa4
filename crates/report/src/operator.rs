//! What goes to and comes back from the grid operator (Enedis), as files: the month's
//! coefficient file of a dynamic key the PMO computes ([`operator_key_csv`]), and the
//! reconciliation of Quartier's allocation with the operator's official data
//! ([`reconciliation_csv`], [`difference_steps_csv`]).
//!
//! **The key file's layout is assumed** (no official template was found in public sources for
//! issue #11; the closest, a community script for Enedis dynamic keys, writes this): one line
//! per step, `;`-separated, `Horodate` in local time (Europe/Paris) as `DD/MM/YYYY HH:MM`
//! (the start of the step), then one column per consumer PRM, its coefficient in percent with a
//! decimal comma, floored to 0.1 % so that each line sums to at most 100 %. This module is the
//! one place to change when the operator's layout is confirmed.

use std::fmt::Write as _;

use quartier_billing::Month;
use quartier_billing::reconcile::{Reconciliation, TOLERANCE_KWH, TOLERANCE_RELATIVE};
use quartier_share::CoefficientFile;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

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
