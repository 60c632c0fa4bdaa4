//! The programme officer's portfolio: where each experiment stands on a given day — its
//! current phase, its month out of its months, the last report received and the overdue ones,
//! and one standing (met, on track, late, at risk) with every reason behind it.
//!
//! The rule, written once here and shown on the portfolio page ([`RULE_EN`], [`RULE_FR`]):
//!
//! - **Targets.** An indicator summed over the months is projected to the experiment's end
//!   at its pace so far (total × months of the experiment / months elapsed, a month without a
//!   report counting as nothing). Reaching a target "at least" already is *met*; a projection
//!   that reaches it is *on track*; one within 20 % of it is *late*; further is *at risk*. A
//!   target "at most" already exceeded is *at risk*; projected above it, *late*. An indicator
//!   averaged or taken last is judged on its value so far: on the good side, *on track* (or
//!   *met* once the experiment is over); within 20 %, *late*; further, *at risk*. A target of
//!   0 has no 20 % band: the wrong side is *at risk*.
//! - **Reports.** A month's report is due by the experiment's `reports_due_day` of the next
//!   month; a month a laureate-reported indicator lacks after that day is overdue. One overdue
//!   month makes the experiment *late*, two or more *at risk*.
//! - **Schedule.** A milestone past its due date and not reached makes it *late* (*at risk*
//!   after 90 days); so does a phase started and still open after its planned end.
//! - The experiment's standing is the worst of these; *met* only when every target is met and
//!   nothing is overdue. Before its start an experiment is *not started*.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use quartier_evaluate::{Aggregate, Direction, Indicator, Month, next_month};
use quartier_model::{Experiment, PhaseKind};

use crate::experiment::{experiment_months, month_of};

/// Where an experiment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// Before its start.
    NotStarted,
    /// Every target is met and nothing is overdue.
    Met,
    /// On course for its targets, nothing overdue.
    OnTrack,
    /// Behind: a target projected short by less than 20 %, a report or a milestone overdue.
    Late,
    /// Far behind: a target projected short by 20 % or more, an exceeded ceiling, reports
    /// overdue for two months or more, a milestone overdue for more than 90 days.
    AtRisk,
}

impl Standing {
    /// Its name in files and URLs.
    pub fn name(self) -> &'static str {
        match self {
            Standing::NotStarted => "not-started",
            Standing::Met => "met",
            Standing::OnTrack => "on-track",
            Standing::Late => "late",
            Standing::AtRisk => "at-risk",
        }
    }

    /// Its words in `lang`.
    pub fn text(self, lang: crate::Language) -> &'static str {
        let fr = lang == crate::Language::French;
        match (self, fr) {
            (Standing::NotStarted, true) => "pas commencée",
            (Standing::NotStarted, false) => "not started",
            (Standing::Met, true) => "objectifs atteints",
            (Standing::Met, false) => "targets met",
            (Standing::OnTrack, true) => "en bonne voie",
            (Standing::OnTrack, false) => "on track",
            (Standing::Late, true) => "en retard",
            (Standing::Late, false) => "late",
            (Standing::AtRisk, true) => "à risque",
            (Standing::AtRisk, false) => "at risk",
        }
    }
}

/// The rule, in English, as the portfolio page shows it.
pub const RULE_EN: &str = "Targets: an indicator summed over the months is projected to the experiment's end at its pace so far (a month without a report counts as nothing); a target reached is met, a projection reaching it is on track, short by less than 20 % is late, further is at risk; a ceiling already exceeded is at risk. An averaged indicator is judged on its value so far. Reports: a month's report is due by the experiment's due day of the next month; one overdue month is late, two or more at risk. Schedule: a milestone past due, or a started phase still open after its planned end, is late (at risk after 90 days). The experiment's standing is the worst of these.";

/// The rule, in French.
pub const RULE_FR: &str = "Objectifs : un indicateur cumulé sur les mois est projeté à la fin de l'expérimentation à son rythme actuel (un mois sans rapport compte pour rien) ; un objectif atteint est « atteint », une projection qui l'atteint « en bonne voie », à moins de 20 % « en retard », au-delà « à risque » ; un plafond déjà dépassé est « à risque ». Un indicateur moyen est jugé sur sa valeur actuelle. Rapports : le rapport d'un mois est dû au jour d'échéance de l'expérimentation du mois suivant ; un mois en retard donne « en retard », deux ou plus « à risque ». Calendrier : un jalon dépassé, ou une phase commencée encore ouverte après sa fin prévue, donne « en retard » (« à risque » après 90 jours). L'expérimentation prend le pire de ces états.";

/// One reason behind a standing.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// An indicator's target.
    Target {
        /// The indicator's name.
        indicator: String,
        /// Its unit.
        unit: String,
        /// The target.
        target: f64,
        /// Its value so far (total, mean or last).
        so_far: f64,
        /// Projected to the end (sums only).
        projected: Option<f64>,
        /// What it gives.
        standing: Standing,
    },
    /// Reports overdue, in month order.
    ReportsOverdue {
        /// The months.
        months: Vec<Month>,
    },
    /// A milestone past due.
    Milestone {
        /// Its name.
        name: String,
        /// Due (local date).
        due: NaiveDate,
        /// Days past due.
        days: i64,
    },
    /// A phase open after its planned end.
    PhaseOverrun {
        /// The phase.
        phase: PhaseKind,
        /// Planned end (local date).
        planned_end: NaiveDate,
    },
}

impl Reason {
    /// What it gives.
    pub fn standing(&self) -> Standing {
        match self {
            Reason::Target { standing, .. } => *standing,
            Reason::ReportsOverdue { months } if months.len() >= 2 => Standing::AtRisk,
            Reason::ReportsOverdue { .. } => Standing::Late,
            Reason::Milestone { days, .. } if *days > 90 => Standing::AtRisk,
            Reason::Milestone { .. } | Reason::PhaseOverrun { .. } => Standing::Late,
        }
    }

    /// The reason in `lang`, numbers formatted for it.
    pub fn text(&self, lang: crate::Language) -> String {
        let fr = lang == crate::Language::French;
        let n = |x: f64| lang.num(x, 0);
        let month = |m: &Month| format!("{}-{:02}", m.0, m.1);
        match self {
            Reason::Target {
                indicator,
                unit,
                target,
                so_far,
                projected,
                standing,
            } => {
                let proj = projected.map_or(String::new(), |p| {
                    if fr {
                        format!(", projeté {} {unit}", n(p))
                    } else {
                        format!(", projected {} {unit}", n(p))
                    }
                });
                if fr {
                    format!(
                        "{indicator} : {} {unit} à ce jour{proj}, objectif {} {unit} — {}",
                        n(*so_far),
                        n(*target),
                        standing.text(lang)
                    )
                } else {
                    format!(
                        "{indicator}: {} {unit} so far{proj}, target {} {unit} — {}",
                        n(*so_far),
                        n(*target),
                        standing.text(lang)
                    )
                }
            }
            Reason::ReportsOverdue { months } => {
                let list: Vec<String> = months.iter().map(month).collect();
                if fr {
                    format!("rapports en retard : {}", list.join(", "))
                } else {
                    format!("reports overdue: {}", list.join(", "))
                }
            }
            Reason::Milestone { name, due, days } => {
                if fr {
                    format!("jalon « {name} » dû le {due}, en retard de {days} jours")
                } else {
                    format!("milestone \"{name}\" due {due}, {days} days overdue")
                }
            }
            Reason::PhaseOverrun { phase, planned_end } => {
                let p = phase_text(*phase, lang);
                if fr {
                    format!("phase {p} encore ouverte, fin prévue le {planned_end}")
                } else {
                    format!("{p} phase still open, planned to end {planned_end}")
                }
            }
        }
    }
}

/// A phase's name in `lang`.
pub fn phase_text(phase: PhaseKind, lang: crate::Language) -> &'static str {
    let fr = lang == crate::Language::French;
    match (phase, fr) {
        (PhaseKind::Deployment, true) => "déploiement",
        (PhaseKind::Deployment, false) => "deployment",
        (PhaseKind::Monitoring, true) => "suivi",
        (PhaseKind::Monitoring, false) => "monitoring",
        (PhaseKind::Evaluation, true) => "évaluation",
        (PhaseKind::Evaluation, false) => "evaluation",
        (PhaseKind::Promotion, true) => "valorisation",
        (PhaseKind::Promotion, false) => "promotion",
    }
}

/// Where one experiment stands on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// The current phase: the one started and not ended, else the one whose planned period
    /// holds the day; `None` before the start and after the end.
    pub phase: Option<PhaseKind>,
    /// The month of the experiment the day falls in (1-based) and the experiment's months.
    pub month: (usize, usize),
    /// The latest month a laureate-reported indicator has a value for.
    pub last_report: Option<Month>,
    /// Months whose report is overdue.
    pub overdue: Vec<Month>,
    /// The standing.
    pub standing: Standing,
    /// Why, the gravest first.
    pub reasons: Vec<Reason>,
}

/// Where `e` stands on `day` (an instant; its local date counts), from its indicators.
pub fn position(e: &Experiment, indicators: &[Indicator], day: DateTime<Utc>) -> Position {
    let tz = e.timezone;
    let months = experiment_months(e);
    let today = month_of(day, tz);
    let elapsed = months.iter().filter(|m| **m <= today).count();
    let phase = e
        .phases
        .iter()
        .find(|p| p.actual_start.is_some_and(|s| s <= day) && p.actual_end.is_none_or(|x| day < x))
        .or_else(|| {
            e.phases
                .iter()
                .find(|p| p.planned.0 <= day && day < p.planned.1)
        })
        .map(|p| p.kind);
    let reported: Vec<&Indicator> = indicators.iter().filter(|i| i.about.reported).collect();
    let last_report = reported
        .iter()
        .filter_map(|i| {
            i.monthly
                .iter()
                .map(|(m, _)| *m)
                .filter(|m| *m <= today)
                .max()
        })
        .max();
    let local_day = day.with_timezone(&tz).date_naive();
    let overdue: Vec<Month> = if reported.is_empty() {
        Vec::new()
    } else {
        months
            .iter()
            .filter(|m| {
                let next = next_month(**m);
                let due = NaiveDate::from_ymd_opt(next.0, next.1, e.reports_due_day)
                    .unwrap_or(NaiveDate::MAX);
                local_day > due
                    && reported
                        .iter()
                        .any(|i| !i.monthly.iter().any(|(k, _)| k == *m))
            })
            .copied()
            .collect()
    };
    if day < e.start {
        return Position {
            phase: None,
            month: (0, months.len()),
            last_report,
            overdue: Vec::new(),
            standing: Standing::NotStarted,
            reasons: Vec::new(),
        };
    }
    let over = day >= e.end;
    let mut reasons: Vec<Reason> = indicators
        .iter()
        .filter_map(|i| target_reason(i, today, elapsed.max(1), months.len(), over))
        .collect();
    if !overdue.is_empty() {
        reasons.push(Reason::ReportsOverdue {
            months: overdue.clone(),
        });
    }
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    for m in &e.milestones {
        if m.done.is_none() && m.due < day {
            reasons.push(Reason::Milestone {
                name: m.name.clone(),
                due: local(m.due),
                days: (local_day - local(m.due)).num_days(),
            });
        }
    }
    for p in &e.phases {
        if p.actual_start.is_some() && p.actual_end.is_none() && p.planned.1 < day {
            reasons.push(Reason::PhaseOverrun {
                phase: p.kind,
                planned_end: local(p.planned.1),
            });
        }
    }
    reasons.sort_by_key(|r| std::cmp::Reverse(r.standing()));
    // Ordered NotStarted < Met < OnTrack < Late < AtRisk: the worst reason decides; only
    // reasons that are all "met" give Met.
    let standing = reasons
        .iter()
        .map(Reason::standing)
        .max()
        .unwrap_or(Standing::OnTrack);
    Position {
        phase: if over { None } else { phase },
        month: (elapsed.min(months.len()), months.len()),
        last_report,
        overdue,
        standing,
        reasons,
    }
}

/// An indicator's target judged on the months up to `today` (`elapsed` of `total` months).
fn target_reason(
    i: &Indicator,
    today: Month,
    elapsed: usize,
    total: usize,
    over: bool,
) -> Option<Reason> {
    let target = i.target?;
    let values: Vec<f64> = i
        .monthly
        .iter()
        .filter(|(m, _)| *m <= today)
        .map(|(_, c)| c.value)
        .filter(|v| v.is_finite())
        .collect();
    let last = *values.last()?;
    let t = target.value;
    // Distance of `v` on the wrong side of the target, as a share of the target.
    let short = |v: f64| -> f64 {
        let gap = match target.direction {
            Direction::AtLeast => t - v,
            Direction::AtMost => v - t,
        };
        if gap <= 0.0 {
            0.0
        } else if t != 0.0 {
            gap / t.abs()
        } else {
            f64::INFINITY
        }
    };
    let band = |s: f64, good: Standing| -> Standing {
        if s <= 0.0 {
            good
        } else if s < 0.2 {
            Standing::Late
        } else {
            Standing::AtRisk
        }
    };
    let (so_far, projected, standing) = match i.aggregate {
        Aggregate::Sum => {
            let sum: f64 = values.iter().sum();
            let proj = if over {
                sum
            } else {
                sum * total as f64 / elapsed as f64
            };
            let standing = match target.direction {
                Direction::AtLeast if sum >= t => Standing::Met,
                Direction::AtMost if sum > t => Standing::AtRisk,
                Direction::AtMost if over => Standing::Met,
                _ => band(short(proj), Standing::OnTrack),
            };
            (sum, Some(proj), standing)
        }
        Aggregate::Mean | Aggregate::Last => {
            let v = if i.aggregate == Aggregate::Mean {
                values.iter().sum::<f64>() / values.len() as f64
            } else {
                last
            };
            let good = if over {
                Standing::Met
            } else {
                Standing::OnTrack
            };
            (v, None, band(short(v), good))
        }
    };
    Some(Reason::Target {
        indicator: i.name.clone(),
        unit: i.unit.clone(),
        target: t,
        so_far,
        projected,
        standing,
    })
}

/// `portfolio.csv`: one row per experiment (id, commune, theme, title, the programme team's
/// status, phase, month of months, standing, last report, overdue months, reasons in English).
pub fn portfolio_csv(rows: &[(&str, &Experiment, &Position)]) -> String {
    let field = crate::csv_out::csv_field;
    let month = |m: &Month| format!("{}-{:02}", m.0, m.1);
    let mut out = String::from(
        "experiment_id,commune,theme,experiment,status,phase,month,months,standing,last_report,overdue_reports,reasons\n",
    );
    for (id, e, p) in rows {
        let reasons: Vec<String> = p
            .reasons
            .iter()
            .map(|r| r.text(crate::Language::English))
            .collect();
        let overdue: Vec<String> = p.overdue.iter().map(month).collect();
        let row = [
            field(id),
            field(&e.commune),
            e.theme.name().to_string(),
            field(&e.title),
            e.status.name().to_string(),
            p.phase.map_or(String::new(), |k| k.name().to_string()),
            p.month.0.to_string(),
            p.month.1.to_string(),
            p.standing.name().to_string(),
            p.last_report.as_ref().map_or(String::new(), month),
            field(&overdue.join(" ")),
            field(&reasons.join("; ")),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The instant of local midnight starting `date` in `e`'s zone (for `--as-of`).
pub fn local_midnight(date: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&date.and_time(NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || date.and_time(NaiveTime::MIN).and_utc() - Duration::hours(1),
            |t| t.with_timezone(&Utc),
        )
}

/// The timeline of `experiments` on `day`: one row per experiment over the months from the
/// earliest start to the latest end, each phase's planned period as a coloured bar, what
/// actually happened as a thin dark bar over it (an open phase runs to the day), milestones as
/// diamonds, and the day as a red line. `None` without experiments.
pub fn timeline_chart(
    experiments: &[&Experiment],
    day: DateTime<Utc>,
    lang: crate::Language,
) -> Option<String> {
    let first = experiments
        .iter()
        .map(|e| month_of(e.start, e.timezone))
        .min()?;
    let last = experiments
        .iter()
        .map(|e| month_of(e.end - Duration::seconds(1), e.timezone))
        .max()?;
    let columns = quartier_evaluate::months_from(
        first,
        ((last.0 - first.0) * 12 + last.1 as i32 - first.1 as i32 + 1).clamp(1, 240) as usize,
    );
    // Columns from the first month's start to the local date of `t`, fractions inside a month.
    let at = |t: DateTime<Utc>, tz: chrono_tz::Tz| -> f64 {
        let d = t.with_timezone(&tz).date_naive();
        let whole = (d.year() - first.0) * 12 + d.month() as i32 - first.1 as i32;
        let days = NaiveDate::from_ymd_opt(
            next_month((d.year(), d.month())).0,
            next_month((d.year(), d.month())).1,
            1,
        )
        .and_then(|n| n.pred_opt())
        .map_or(30, |l| l.day());
        f64::from(whole) + f64::from(d.day() - 1) / f64::from(days)
    };
    let rows = experiments
        .iter()
        .map(|e| {
            let tz = e.timezone;
            let mut spans = Vec::new();
            for p in &e.phases {
                spans.push(crate::svg::Span {
                    from: at(p.planned.0, tz),
                    to: at(p.planned.1, tz),
                    kind: p.kind as usize,
                    thin: false,
                });
            }
            for p in &e.phases {
                if let Some(s) = p.actual_start.filter(|s| *s <= day) {
                    let end = p.actual_end.unwrap_or(day).min(day);
                    spans.push(crate::svg::Span {
                        from: at(s, tz),
                        to: at(end, tz),
                        kind: p.kind as usize,
                        thin: true,
                    });
                }
            }
            let marks = e
                .milestones
                .iter()
                .map(|m| {
                    let d = m.due.with_timezone(&tz).date_naive();
                    (at(m.due, tz), format!("{} ({d})", m.name))
                })
                .collect();
            crate::svg::TimelineRow {
                label: format!("{} — {}", e.commune, e.title),
                spans,
                marks,
            }
        })
        .collect();
    let tz = experiments[0].timezone;
    let fr = lang == crate::Language::French;
    let locale = lang.chart_locale();
    Some(crate::svg::timeline(&crate::svg::Timeline {
        title: (if fr {
            "Les 24 mois des expérimentations"
        } else {
            "The experiments' 24 months"
        })
        .into(),
        columns: columns
            .iter()
            .map(|m| format!("{} {}", locale.months[(m.1 - 1) as usize], m.0 % 100))
            .collect(),
        label_every: 3,
        rows,
        now: Some((
            at(day, tz),
            crate::Language::day(lang, day.with_timezone(&tz).date_naive()),
        )),
        legend: PhaseKind::ALL
            .iter()
            .map(|k| phase_text(*k, lang).to_string())
            .collect(),
        width: 1000.0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quartier_evaluate::{About, Cell, Target};

    fn experiment(extra: &str) -> Experiment {
        let text = format!(
            "commune = \"Meudon-la-Forêt\"\ntitle = \"Vélos-cargos\"\ntheme = \"mobility\"\nstart = 2025-04-01\nend = 2027-04-01\n{extra}"
        );
        quartier_model::parse_experiment(&text, std::path::Path::new("e.toml"))
            .unwrap()
            .0
    }

    fn km(
        monthly: &[(Month, f64)],
        target: f64,
        direction: Direction,
        how: Aggregate,
    ) -> Indicator {
        Indicator {
            commune: "Meudon-la-Forêt".into(),
            experiment: "Vélos-cargos".into(),
            name: "km".into(),
            unit: "km".into(),
            source: "reported".into(),
            aggregate: how,
            target: Some(Target {
                value: target,
                direction,
            }),
            monthly: monthly.iter().map(|(m, v)| (*m, Cell::exact(*v))).collect(),
            total_uncertainty: None,
            about: About {
                reported: true,
                ..About::default()
            },
        }
    }

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        local_midnight(
            NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            chrono_tz::Europe::Paris,
        )
    }

    /// Twelve months reported, 2025-04 … 2026-03, each `v`.
    fn year_of(v: f64) -> Vec<(Month, f64)> {
        quartier_evaluate::months_from((2025, 4), 12)
            .into_iter()
            .map(|m| (m, v))
            .collect()
    }

    /// Each case: monthly value over a year, target over 24 months → standing on 2026-04-10
    /// (March's report is not due before the 15th).
    #[test]
    fn a_sum_is_judged_on_its_projection() {
        let e = experiment("");
        let at = day(2026, 4, 10);
        let cases = [
            // 12 × 100 = 1,200 so far; 13 months elapsed → projected 1,200 × 24/13 ≈ 2,215.
            (100.0, 2_000.0, Standing::OnTrack),
            (100.0, 2_400.0, Standing::Late), // 2,215 is 7.7 % short
            (100.0, 3_000.0, Standing::AtRisk), // 26 % short
            (100.0, 1_000.0, Standing::Met),  // already reached
        ];
        for (v, target, want) in cases {
            let p = position(
                &e,
                &[km(&year_of(v), target, Direction::AtLeast, Aggregate::Sum)],
                at,
            );
            assert_eq!(p.standing, want, "target {target}: {:?}", p.reasons);
            assert_eq!(p.phase, Some(PhaseKind::Monitoring));
            assert_eq!(p.month, (13, 24));
            assert_eq!(p.last_report, Some((2026, 3)));
            assert!(p.overdue.is_empty());
        }
        // A ceiling already exceeded is at risk; under it and projected under, on track.
        let ceiling = |t| {
            position(
                &e,
                &[km(&year_of(100.0), t, Direction::AtMost, Aggregate::Sum)],
                at,
            )
            .standing
        };
        assert_eq!(ceiling(1_000.0), Standing::AtRisk);
        assert_eq!(ceiling(2_300.0), Standing::OnTrack);
        assert_eq!(ceiling(2_100.0), Standing::Late);
    }

    #[test]
    fn a_mean_is_judged_on_its_value_so_far() {
        let e = experiment("");
        let at = day(2026, 4, 10);
        let s = |t, d| position(&e, &[km(&year_of(100.0), t, d, Aggregate::Mean)], at).standing;
        assert_eq!(s(90.0, Direction::AtLeast), Standing::OnTrack);
        assert_eq!(s(110.0, Direction::AtLeast), Standing::Late);
        assert_eq!(s(200.0, Direction::AtLeast), Standing::AtRisk);
        assert_eq!(s(90.0, Direction::AtMost), Standing::Late);
        // After the end, a mean on the good side is met.
        let all: Vec<(Month, f64)> = quartier_evaluate::months_from((2025, 4), 24)
            .into_iter()
            .map(|m| (m, 100.0))
            .collect();
        let after = position(
            &e,
            &[km(&all, 90.0, Direction::AtLeast, Aggregate::Mean)],
            day(2027, 5, 1),
        );
        assert_eq!(after.standing, Standing::Met);
        assert_eq!(after.phase, None);
    }

    #[test]
    fn overdue_reports_make_it_late_then_at_risk() {
        let e = experiment("reports_due_day = 15");
        // Reported up to February 2026.
        let mut eleven = year_of(100.0);
        eleven.pop();
        let ind = [km(&eleven, 1_000.0, Direction::AtLeast, Aggregate::Sum)];
        // March 2026 is due on 15 April: on the 15th it is not overdue yet, on the 16th it is.
        assert!(position(&e, &ind, day(2026, 4, 15)).overdue.is_empty());
        let p = position(&e, &ind, day(2026, 4, 16));
        assert_eq!(p.overdue, vec![(2026, 3)]);
        assert_eq!(p.standing, Standing::Late);
        let p = position(&e, &ind, day(2026, 5, 16));
        assert_eq!(p.overdue, vec![(2026, 3), (2026, 4)]);
        assert_eq!(p.standing, Standing::AtRisk);
        assert!(
            p.reasons[0]
                .text(crate::Language::French)
                .contains("2026-03, 2026-04")
        );
        // A computed indicator is never overdue.
        let mut computed = ind[0].clone();
        computed.about.reported = false;
        assert!(
            position(&e, &[computed], day(2026, 5, 16))
                .overdue
                .is_empty()
        );
    }

    #[test]
    fn milestones_and_phases_past_due_are_late() {
        let e = experiment(
            "[[milestones]]\nname = \"Vélos livrés\"\nphase = \"deployment\"\ndue = 2025-06-01\n",
        );
        let p = position(&e, &[], day(2025, 7, 1));
        assert_eq!(p.standing, Standing::Late);
        assert_eq!(
            p.reasons[0].text(crate::Language::English),
            "milestone \"Vélos livrés\" due 2025-06-01, 30 days overdue"
        );
        assert_eq!(
            position(&e, &[], day(2025, 10, 1)).standing,
            Standing::AtRisk
        );
        assert_eq!(
            position(&e, &[], day(2025, 3, 1)).standing,
            Standing::NotStarted
        );
        let open = experiment(
            "[[phases]]\nname = \"deployment\"\nplanned_start = 2025-04-01\nplanned_end = 2025-10-01\nactual_start = 2025-04-01\n\
             [[phases]]\nname = \"monitoring\"\nplanned_start = 2025-10-01\nplanned_end = 2026-10-01\n\
             [[phases]]\nname = \"evaluation\"\nplanned_start = 2026-10-01\nplanned_end = 2027-01-01\n\
             [[phases]]\nname = \"promotion\"\nplanned_start = 2027-01-01\nplanned_end = 2027-04-01\n",
        );
        let p = position(&open, &[], day(2025, 11, 1));
        // Still deploying after the planned end: the current phase is the open one.
        assert_eq!(p.phase, Some(PhaseKind::Deployment));
        assert_eq!(p.standing, Standing::Late);
        assert!(matches!(p.reasons[0], Reason::PhaseOverrun { .. }));
    }
}
