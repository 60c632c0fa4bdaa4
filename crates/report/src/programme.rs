//! The programme's month-by-month indicators across communes: every evaluated experiment's
//! indicators ([`crate::experiment`]), plus the positive-energy balance of the district an
//! experiment names, from a rule-controller simulation of that district.
//!
//! A district's positive-energy balance is `export − import` of its simulation (production
//! minus every use, storage and conversion losses included). When the district's year does
//! not cover the experiment's months and its weather is a typical year, each month takes the
//! simulated month of the same name, and the row's source says so.
//!
//! How a district is loaded and simulated is the caller's (the CLI prints diagnostics and a
//! progress bar, the server does not): [`programme_indicators`] asks a closure for each
//! district's [`DistrictBalance`]; [`simulate_district_balance`] is the plain way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use quartier_evaluate::{
    About, Aggregate, Cell, Indicator, Month, MonthlyBalance, monthly_balance,
};
use quartier_model::{Diagnostics, DistrictIndicator, LoadSource};
use quartier_sim::{Flows, RuleConfig, SimError};

use crate::experiment::{Evaluated, experiment_months};

/// Why a district's balance could not be simulated.
#[derive(Debug, thiserror::Error)]
pub enum ProgrammeError {
    /// The district file is invalid or its data files do not load.
    #[error("{0}")]
    District(Diagnostics),
    /// The simulation failed.
    #[error("simulating {name}: {source}")]
    Simulation {
        /// The district.
        name: String,
        /// The cause.
        source: SimError,
    },
}

/// A simulated district's monthly positive-energy balance.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictBalance {
    /// The district's name.
    pub name: String,
    /// The simulated months, `YYYY-MM…YYYY-MM`.
    pub year_label: String,
    /// True when its weather is a typical year (months may be projected by calendar month).
    pub typical: bool,
    /// Production and consumption per local month, kWh.
    pub months: Vec<MonthlyBalance>,
    /// The other monthly quantities of the simulation, per local month (same months).
    pub other: Vec<DistrictMonth>,
    /// How many loads are metered curves (each possibly a private person's meter).
    pub metered_loads: u32,
    /// Names and ids of the participants who are private persons (a household load), which
    /// published text must never show.
    pub private_names: Vec<String>,
}

/// A district's other monthly quantities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistrictMonth {
    /// The month.
    pub month: Month,
    /// PV production used within the district (production after curtailment, minus what is
    /// exported, at least 0), kWh.
    pub pv_self_consumed_kwh: f64,
    /// Hydrogen produced, kg.
    pub h2_produced_kg: f64,
    /// Energy delivered to electric vehicles' charging sessions, kWh.
    pub ev_kwh: f64,
    /// Energy charged into fleets, kWh.
    pub fleet_kwh: f64,
}

impl DistrictBalance {
    /// The balance of a simulation: production is PV after curtailment; consumption is every
    /// use, losses included (`production + import − export`).
    pub fn from_flows(name: &str, typical: bool, flows: &Flows, tz: chrono_tz::Tz) -> Self {
        let production: Vec<f64> = flows
            .pv_kwh
            .iter()
            .zip(&flows.curtailed_kwh)
            .map(|(p, c)| p - c)
            .collect();
        let consumption: Vec<f64> = production
            .iter()
            .zip(&flows.import_kwh)
            .zip(&flows.export_kwh)
            .map(|((p, i), e)| p + i - e)
            .collect();
        let months = monthly_balance(flows.axis.times(), &production, &consumption, tz);
        let mut other: Vec<DistrictMonth> = Vec::new();
        for (i, t) in flows.axis.times().enumerate() {
            let l = t.with_timezone(&tz);
            let month = (l.year(), l.month());
            if other.last().is_none_or(|m| m.month != month) {
                other.push(DistrictMonth {
                    month,
                    pv_self_consumed_kwh: 0.0,
                    h2_produced_kg: 0.0,
                    ev_kwh: 0.0,
                    fleet_kwh: 0.0,
                });
            }
            let m = other.last_mut().expect("pushed above");
            let at = |v: &Vec<f64>| v.get(i).copied().filter(|x| x.is_finite()).unwrap_or(0.0);
            m.pv_self_consumed_kwh += (at(&production) - at(&flows.export_kwh)).max(0.0);
            m.h2_produced_kg += at(&flows.h2_produced_kg);
            m.ev_kwh += at(&flows.ev_kwh);
            m.fleet_kwh += at(&flows.fleet_kwh);
        }
        let year_label = match (months.first(), months.last()) {
            (Some(a), Some(b)) => format!(
                "{}-{:02}…{}-{:02}",
                a.month.0, a.month.1, b.month.0, b.month.1
            ),
            _ => String::new(),
        };
        DistrictBalance {
            name: name.to_string(),
            year_label,
            typical,
            months,
            other,
            metered_loads: 0,
            private_names: Vec::new(),
        }
    }

    /// What the district says of its meters' holders: how many loads are metered curves
    /// (`metered_loads`) and who are private persons (`private_names`: the participants with
    /// a household load, by name and id).
    pub fn with_district(mut self, district: &quartier_model::District) -> Self {
        self.metered_loads = district
            .loads
            .iter()
            .filter(|l| matches!(l.source, LoadSource::Curve(_)))
            .count() as u32;
        self.private_names = district
            .participants
            .iter()
            .filter(|p| {
                district.loads.iter().any(|l| {
                    l.participant.as_deref() == Some(p.id.as_str())
                        && matches!(
                            l.source,
                            LoadSource::Profile {
                                profile: quartier_model::StandardProfile::H25,
                                ..
                            }
                        )
                })
            })
            .flat_map(|p| [p.name.clone(), p.id.clone()])
            .collect();
        self
    }

    /// The monthly values of `which`.
    fn series(&self, which: DistrictIndicator) -> Vec<(Month, f64)> {
        match which {
            DistrictIndicator::EnergyBalance => self
                .months
                .iter()
                .map(|b| (b.month, b.production_kwh - b.consumption_kwh))
                .collect(),
            DistrictIndicator::PvSelfConsumed => self
                .other
                .iter()
                .map(|m| (m.month, m.pv_self_consumed_kwh))
                .collect(),
            DistrictIndicator::HydrogenProduced => self
                .other
                .iter()
                .map(|m| (m.month, m.h2_produced_kg))
                .collect(),
            DistrictIndicator::EvCharging => {
                self.other.iter().map(|m| (m.month, m.ev_kwh)).collect()
            }
            DistrictIndicator::FleetCharging => {
                self.other.iter().map(|m| (m.month, m.fleet_kwh)).collect()
            }
        }
    }
}

/// The indicator `which` of a district's simulation over `months` (projected by calendar
/// month from a typical year when `project`), or `None` when no month is simulated.
fn district_indicator(
    e: &quartier_model::Experiment,
    b: &DistrictBalance,
    which: DistrictIndicator,
    months: &[Month],
    project: bool,
    source: &str,
) -> Option<Indicator> {
    let all = b.series(which);
    let values: Vec<(Month, f64)> = if project {
        quartier_evaluate::project_by_calendar_month(&all, months)
    } else {
        all.into_iter().filter(|x| months.contains(&x.0)).collect()
    };
    if values.is_empty() {
        return None;
    }
    let (name, unit, definition) = match which {
        DistrictIndicator::EnergyBalance => {
            let balance: Vec<MonthlyBalance> = values
                .iter()
                .map(|(m, v)| MonthlyBalance {
                    month: *m,
                    production_kwh: v.max(0.0),
                    consumption_kwh: (-v).max(0.0),
                })
                .collect();
            let mut ind = Indicator::energy_balance(&e.commune, &e.title, source, &balance);
            ind.about.private_meters = (b.metered_loads > 0).then_some(b.metered_loads);
            return Some(ind);
        }
        DistrictIndicator::PvSelfConsumed => (
            "PV production used in the district",
            "kWh",
            "PV production after curtailment minus what the district exports, per month (the self-consumed part of local PV).",
        ),
        DistrictIndicator::HydrogenProduced => (
            "hydrogen produced",
            "kg",
            "Hydrogen produced by the district's electrolysers, per month.",
        ),
        DistrictIndicator::EvCharging => (
            "energy delivered to electric vehicles",
            "kWh",
            "Energy delivered by the district's charge points to the vehicles of its charging sessions, per month.",
        ),
        DistrictIndicator::FleetCharging => (
            "energy charged into the fleets",
            "kWh",
            "Energy charged into the district's fleets (cargo bikes, municipal vehicles) at their depots, per month.",
        ),
    };
    Some(Indicator {
        commune: e.commune.clone(),
        experiment: e.title.clone(),
        name: name.into(),
        unit: unit.into(),
        source: source.into(),
        aggregate: Aggregate::Sum,
        target: None,
        monthly: values
            .into_iter()
            .map(|(m, v)| (m, Cell::exact(v)))
            .collect(),
        total_uncertainty: None,
        about: About {
            definition: definition.into(),
            private_meters: (b.metered_loads > 0).then_some(b.metered_loads),
            ..About::default()
        },
    })
}

/// Reads, loads and simulates the district file at `path` with the rule controller, and
/// returns its monthly balance.
pub fn simulate_district_balance(path: &Path) -> Result<DistrictBalance, ProgrammeError> {
    let (district, sources) =
        quartier_model::read_district(path).map_err(ProgrammeError::District)?;
    let data = quartier_model::load(&district, &sources).map_err(ProgrammeError::District)?;
    let name = district.site.name.clone();
    let sim = |source| ProgrammeError::Simulation {
        name: name.clone(),
        source,
    };
    let inputs = quartier_sim::assemble(&district, &data).map_err(sim)?;
    let flows =
        quartier_sim::simulate(&inputs, &RuleConfig::default(), &mut |_, _| {}).map_err(sim)?;
    Ok(DistrictBalance::from_flows(
        &name,
        district.weather.typical_year,
        &flows,
        district.site.timezone,
    )
    .with_district(&district))
}

/// A note for the reader of the programme table: why an experiment's figures are missing or
/// must be read with care. Worded in the reader's language by [`Note::text`] (`Display`:
/// English).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// The experiment's commune.
    pub commune: String,
    /// The experiment's title.
    pub title: String,
    /// What happened.
    pub what: NoteKind,
}

/// What a [`Note`] says.
#[derive(Debug, Clone, PartialEq)]
pub enum NoteKind {
    /// A warning of the experiment's evaluation.
    Warning(crate::Warning),
    /// The district the experiment names could not be simulated (`district`: as the file
    /// names it).
    NotSimulated {
        /// The district file.
        district: String,
    },
    /// The district is simulated over a period outside the experiment's months.
    OutsideMonths {
        /// The district's name.
        district: String,
        /// The period simulated (`2025`, `typical year`).
        period: String,
    },
    /// The experiment could not be evaluated; `detail` is the technical reason (English).
    Failed {
        /// Why.
        detail: String,
    },
}

impl Note {
    /// The note in `lang`.
    pub fn text(&self, lang: crate::Language) -> String {
        let fr = lang == crate::Language::French;
        let what = match (&self.what, fr) {
            (NoteKind::Warning(w), _) => w.text(lang),
            (NoteKind::NotSimulated { district }, true) => {
                format!("le quartier {district} n'a pas pu être simulé ; aucun bilan n'est montré.")
            }
            (NoteKind::NotSimulated { district }, false) => {
                format!("the district {district} could not be simulated; no balance is shown.")
            }
            (NoteKind::OutsideMonths { district, period }, true) => format!(
                "le quartier {district} est simulé sur {period}, hors des mois de l'expérimentation ; aucun bilan n'est montré."
            ),
            (NoteKind::OutsideMonths { district, period }, false) => format!(
                "the district {district} is simulated over {period}, outside the experiment's months; no balance is shown."
            ),
            (NoteKind::Failed { detail }, true) => {
                format!("l'évaluation a échoué (détail technique, en anglais : « {detail} »).")
            }
            (NoteKind::Failed { detail }, false) => format!("the evaluation failed: {detail}"),
        };
        let sep = if fr { " : " } else { ": " };
        format!("{} — {}{sep}{what}", self.commune, self.title)
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(crate::Language::English))
    }
}

/// The programme's indicators and notes for the reader, from evaluated experiments. For each
/// district an experiment names, `balance_of` is asked once (results are cached by path);
/// `Ok(None)` from it means "no balance for this district" and adds a note.
pub fn programme_indicators<E>(
    evaluated: &[Evaluated],
    balance_of: impl FnMut(&Path) -> Result<Option<DistrictBalance>, E>,
) -> Result<(Vec<Indicator>, Vec<Note>), E> {
    let (each, notes) = indicators_by_experiment(evaluated, balance_of)?;
    Ok((each.into_iter().flatten().collect(), notes))
}

/// Like [`programme_indicators`], each experiment's indicators apart (in the order of
/// `evaluated`).
pub fn indicators_by_experiment<E>(
    evaluated: &[Evaluated],
    mut balance_of: impl FnMut(&Path) -> Result<Option<DistrictBalance>, E>,
) -> Result<(Vec<Vec<Indicator>>, Vec<Note>), E> {
    let mut cache: BTreeMap<PathBuf, Option<DistrictBalance>> = BTreeMap::new();
    let mut each = Vec::new();
    let mut notes = Vec::new();
    for ev in evaluated {
        let e = &ev.experiment;
        each.push(ev.indicators.clone());
        let out = each.last_mut().expect("pushed above");
        let note = |what: NoteKind| Note {
            commune: e.commune.clone(),
            title: e.title.clone(),
            what,
        };
        notes.extend(ev.warnings.iter().cloned().map(NoteKind::Warning).map(note));
        let Some(path) = &e.district else { continue };
        if !cache.contains_key(path) {
            let b = balance_of(path)?;
            cache.insert(path.clone(), b);
        }
        let Some(Some(b)) = cache.get(path) else {
            notes.push(note(NoteKind::NotSimulated {
                district: path.display().to_string(),
            }));
            continue;
        };
        let months = experiment_months(e);
        let covered = months
            .iter()
            .all(|m| b.months.iter().any(|x| x.month == *m));
        let project = !covered && b.typical;
        let source = if project {
            format!(
                "simulated typical year of {} ({}), projected by calendar month",
                b.name, b.year_label
            )
        } else {
            format!("simulated: {} (rule controller)", b.name)
        };
        let mut any = false;
        for &which in &e.district_indicators {
            let source = match which {
                DistrictIndicator::EnergyBalance => format!("{source}; export − import"),
                _ => source.clone(),
            };
            if let Some(ind) = district_indicator(e, b, which, &months, project, &source) {
                out.push(ind);
                any = true;
            }
        }
        if !any && !e.district_indicators.is_empty() {
            notes.push(note(NoteKind::OutsideMonths {
                district: b.name.clone(),
                period: b.year_label.clone(),
            }));
        }
    }
    Ok((each, notes))
}

/// The programme's first month by default: the earliest experiment start.
pub fn first_month(evaluated: &[Evaluated]) -> Option<Month> {
    evaluated
        .iter()
        .filter_map(|ev| experiment_months(&ev.experiment).first().copied())
        .min()
}

/// Experiment files (`*.toml`) of a folder, sorted by name.
pub fn experiment_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}
