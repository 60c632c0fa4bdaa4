//! An experiment's life in the programme: its four phases (deployment, monitoring, evaluation,
//! promotion) with planned and actual dates, its milestones, the status the programme team
//! sets, when its results were published, and who holds its meters (what may be published).
//!
//! The experiment file declares them (`[[phases]]`, `[[milestones]]`, `status`,
//! `published`); a file without `[[phases]]` gets [`default_phases`], the programme's usual
//! plan over the experiment's months. This module holds plain data and that plan only: the
//! portfolio's judgement (late, at risk…) is `quartier-evaluate`'s.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The four phases of an experiment, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PhaseKind {
    /// Installing what the experiment tests.
    Deployment,
    /// Running it and measuring.
    Monitoring,
    /// Evaluating it against its baseline and targets.
    Evaluation,
    /// Promoting its results.
    Promotion,
}

/// Phase names as written in the file, in order.
pub const PHASES: &[&str] = &["deployment", "monitoring", "evaluation", "promotion"];

impl PhaseKind {
    /// Every phase, in order.
    pub const ALL: [PhaseKind; 4] = [
        PhaseKind::Deployment,
        PhaseKind::Monitoring,
        PhaseKind::Evaluation,
        PhaseKind::Promotion,
    ];

    /// The name written in the file.
    pub fn name(self) -> &'static str {
        PHASES[self as usize]
    }

    /// The phase written `name`.
    pub fn from_name(name: &str) -> Option<PhaseKind> {
        PHASES
            .iter()
            .position(|p| *p == name)
            .map(|i| PhaseKind::ALL[i])
    }
}

/// One phase with its planned period and what actually happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    /// Which phase.
    pub kind: PhaseKind,
    /// Planned `[start, end)`, UTC.
    pub planned: (DateTime<Utc>, DateTime<Utc>),
    /// When it actually started, if it has.
    pub actual_start: Option<DateTime<Utc>>,
    /// When it actually ended (exclusive), if it has.
    pub actual_end: Option<DateTime<Utc>>,
}

/// A milestone of a phase (equipment delivered, first monthly report, final report…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    /// What is to be reached.
    pub name: String,
    /// The phase it belongs to.
    pub phase: PhaseKind,
    /// When it is due, UTC.
    pub due: DateTime<Utc>,
    /// When it was reached, if it was.
    pub done: Option<DateTime<Utc>>,
}

/// What the programme team says of the experiment as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExperimentStatus {
    /// Running as planned or not, but running.
    Active,
    /// Paused by the programme team or the laureate.
    Suspended,
    /// Stopped before its end.
    Stopped,
    /// Its 24 months are over and its results are in.
    Completed,
}

/// Status names as written in the file.
pub const STATUSES: &[&str] = &["active", "suspended", "stopped", "completed"];

impl ExperimentStatus {
    /// The name written in the file.
    pub fn name(self) -> &'static str {
        match self {
            ExperimentStatus::Active => "active",
            ExperimentStatus::Suspended => "suspended",
            ExperimentStatus::Stopped => "stopped",
            ExperimentStatus::Completed => "completed",
        }
    }
}

/// Who holds a meter: only a private person's consumption is personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeterHolder {
    /// A household: its data are published only in aggregates of at least 10 meters.
    PrivatePerson,
    /// A commune, a school, a public service.
    PublicBody,
    /// A company or an association.
    Company,
}

/// Holder names as written in the file.
pub const HOLDERS: &[&str] = &["private-person", "public-body", "company"];

impl MeterHolder {
    /// The name written in the file.
    pub fn name(self) -> &'static str {
        match self {
            MeterHolder::PrivatePerson => "private-person",
            MeterHolder::PublicBody => "public-body",
            MeterHolder::Company => "company",
        }
    }
}

/// Months of each phase in the programme's usual plan: 6 of deployment, 12 of monitoring,
/// 3 of evaluation, 3 of promotion (24 in all).
pub const DEFAULT_PHASE_MONTHS: [u32; 4] = [6, 12, 3, 3];

/// The programme's usual plan over `[start, end)`: the phases of [`DEFAULT_PHASE_MONTHS`]
/// scaled to the experiment's length in whole local months (at least one month each when the
/// experiment is long enough), the last ending at `end`. No phase has actual dates.
pub fn default_phases(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> Vec<Phase> {
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    let (a, b) = (local(start), local(end));
    let months = ((b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32).max(0) as u32;
    let total: u32 = DEFAULT_PHASE_MONTHS.iter().sum();
    // Cumulative boundaries, scaled and rounded, kept increasing where possible.
    let mut bounds = [0u32; 5];
    let mut acc = 0;
    for (i, m) in DEFAULT_PHASE_MONTHS.iter().enumerate() {
        acc += m;
        bounds[i + 1] = ((acc * months) as f64 / total as f64).round() as u32;
    }
    for i in 1..5 {
        let room = months.saturating_sub(4 - i as u32);
        bounds[i] = bounds[i]
            .max(bounds[i - 1] + 1)
            .min(room.max(bounds[i - 1]));
    }
    bounds[4] = months;
    let at = |k: u32| -> DateTime<Utc> {
        if k >= months {
            return end;
        }
        if k == 0 {
            return start;
        }
        let day = NaiveDate::from_ymd_opt(a.year(), a.month(), 1)
            .and_then(|d| d.checked_add_months(Months::new(k)))
            .unwrap_or(b);
        tz.from_local_datetime(&day.and_time(NaiveTime::MIN))
            .earliest()
            .map_or(end, |t| t.with_timezone(&Utc))
    };
    PhaseKind::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| Phase {
            kind,
            planned: (at(bounds[i]), at(bounds[i + 1])),
            actual_start: None,
            actual_end: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        chrono_tz::Europe::Paris
            .with_ymd_and_hms(y, m, d, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_usual_plan_over_24_months() {
        let p = default_phases(
            paris(2025, 4, 1),
            paris(2027, 4, 1),
            chrono_tz::Europe::Paris,
        );
        let want = [
            (paris(2025, 4, 1), paris(2025, 10, 1)),
            (paris(2025, 10, 1), paris(2026, 10, 1)),
            (paris(2026, 10, 1), paris(2027, 1, 1)),
            (paris(2027, 1, 1), paris(2027, 4, 1)),
        ];
        assert_eq!(p.iter().map(|p| p.planned).collect::<Vec<_>>(), want);
        assert_eq!(p[0].kind, PhaseKind::Deployment);
        assert_eq!(p[3].kind, PhaseKind::Promotion);
    }

    #[test]
    fn a_short_experiment_still_has_four_ordered_phases() {
        for months in [1u32, 2, 4, 5, 12, 36] {
            let start = paris(2025, 1, 1);
            let end = paris(2025 + (months / 12) as i32, 1 + months % 12, 1);
            let p = default_phases(start, end, chrono_tz::Europe::Paris);
            assert_eq!(p.len(), 4);
            assert_eq!(p[0].planned.0, start);
            assert_eq!(p[3].planned.1, end);
            for w in p.windows(2) {
                assert_eq!(w[0].planned.1, w[1].planned.0, "{months} months");
            }
            for x in &p {
                assert!(x.planned.0 <= x.planned.1, "{months} months: {x:?}");
            }
        }
    }
}
