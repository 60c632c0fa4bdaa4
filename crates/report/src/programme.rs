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
use quartier_model::{CommunityCurves, Diagnostics, DistrictIndicator, LoadSource};

use crate::community::MemberCurves;
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
    /// Each member's meter curve in the simulation (a community's simulated curves), when the
    /// caller derived them ([`DistrictBalance::with_members`]).
    pub members: Option<MemberCurves>,
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
            members: None,
        }
    }

    /// With each member's meter curve derived from the simulation (see
    /// [`crate::community::member_curves`]), for communities whose curves are simulated.
    pub fn with_members(mut self, inputs: &quartier_sim::Inputs<'_>, flows: &Flows) -> Self {
        self.members = Some(crate::community::member_curves(inputs, flows));
        self
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
            // From the community's allocation ([`community_share`]), not the district's.
            DistrictIndicator::CommunityShared => Vec::new(),
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
    let values = lay_on(b.series(which), months, project)?;
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
        DistrictIndicator::CommunityShared => return None,
    };
    Some(sum_indicator(
        e,
        values,
        (name, unit, definition),
        source,
        b.metered_loads,
    ))
}

/// The monthly values `all` on the experiment's `months`: projected by calendar month from a
/// typical year when `project`, else the months simulated or allocated; `None` when none is.
fn lay_on(all: Vec<(Month, f64)>, months: &[Month], project: bool) -> Option<Vec<(Month, f64)>> {
    let values: Vec<(Month, f64)> = if project {
        quartier_evaluate::project_by_calendar_month(&all, months)
    } else {
        all.into_iter().filter(|x| months.contains(&x.0)).collect()
    };
    (!values.is_empty()).then_some(values)
}

/// An indicator Quartier computes, summed over months: `what` is its name, unit and
/// definition; `private_meters` the private persons' meters it aggregates.
fn sum_indicator(
    e: &quartier_model::Experiment,
    values: Vec<(Month, f64)>,
    what: (&str, &str, &str),
    source: &str,
    private_meters: u32,
) -> Indicator {
    Indicator {
        commune: e.commune.clone(),
        experiment: e.title.clone(),
        name: what.0.into(),
        unit: what.1.into(),
        source: source.into(),
        aggregate: Aggregate::Sum,
        target: None,
        monthly: values
            .into_iter()
            .map(|(m, v)| (m, Cell::exact(v)))
            .collect(),
        total_uncertainty: None,
        about: About {
            definition: what.2.into(),
            private_meters: (private_meters > 0).then_some(private_meters),
            ..About::default()
        },
    }
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
    .with_district(&district)
    .with_members(&inputs, &flows))
}

/// A collective self-consumption operation's allocation, per local month.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityShare {
    /// The operation's name.
    pub name: String,
    /// Per local month: (month, energy allocated to consumers kWh, production kWh).
    pub months: Vec<(Month, f64, f64)>,
    /// Consumers that may be private persons (category `private`: a household or a private
    /// company): the meters the shared energy aggregates.
    pub private_meters: u32,
    /// The curves were simulated from the district (its typical year, when `typical`).
    pub simulated: bool,
}

/// Each member's simulated meter curve as the community reader asks for it.
struct SimulatedCurves<'a>(&'a MemberCurves);

impl quartier_model::StoredCurves for SimulatedCurves<'_> {
    fn stored_curve(
        &self,
        id: &quartier_share::MemberId,
    ) -> Result<quartier_timeseries::Series, String> {
        let c = self.0;
        let Some((_, kwh)) = c.curves.iter().find(|(k, _)| k == id.as_str()) else {
            return Err("the district's simulation has no participant or PV system by this id \
                        (a consumer is known by its participant id, a producer by its PV system's name)"
                .into());
        };
        let start = *c
            .times
            .first()
            .ok_or("the district's simulation is empty")?;
        let minutes = c.times.get(1).map_or(60, |t| (*t - start).num_minutes());
        let step = u32::try_from(minutes)
            .ok()
            .and_then(|m| quartier_timeseries::Step::from_minutes(m).ok())
            .ok_or("the district's simulation step is not a whole number of minutes")?;
        let axis =
            quartier_timeseries::Axis::new(start, step, kwh.len()).map_err(|e| e.to_string())?;
        quartier_timeseries::Series::new(
            axis,
            quartier_timeseries::Quantity::EnergyKwh,
            kwh.clone(),
        )
        .map_err(|e| e.to_string())
    }
}

/// Why a community's allocation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CommunityShareError {
    /// The community file is invalid, or its curves do not load.
    #[error("{0}")]
    Community(Diagnostics),
    /// Allocating or settling failed.
    #[error("{0}")]
    Allocation(Box<crate::community::ScenarioError>),
}

/// Allocates the community file at `path` with its own key and sums the allocation per local
/// month. Its curves are its own, or `simulated` (each member's curve from a district's
/// simulation) when given. Every file the community names must lie in its folder.
pub fn community_share(
    path: &Path,
    simulated: Option<&MemberCurves>,
) -> Result<CommunityShare, CommunityShareError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CommunityShareError::Community(quartier_model::whole_file(
            path,
            format!("cannot read the community file: {e}"),
            None,
        ))
    })?;
    let sim = simulated.map(SimulatedCurves);
    let options = quartier_model::CommunityOptions {
        confine_files: true,
        simulated: sim.as_ref().map(|s| s as &dyn quartier_model::StoredCurves),
        ..quartier_model::CommunityOptions::default()
    };
    let loaded = quartier_model::parse_community_in(&text, path, &options)
        .map_err(CommunityShareError::Community)?;
    let s = crate::community::scenario(&loaded, &loaded.key)
        .map_err(|e| CommunityShareError::Allocation(Box::new(e)))?;
    let run = crate::community::CommunityRun::new(&loaded, &s);
    let months = run
        .monthly
        .iter()
        .filter_map(|t| {
            let m = quartier_model::parse_month(run.months.get(t.month)?)?;
            Some((m, t.allocated_kwh, t.production_kwh))
        })
        .collect();
    let private_meters = loaded
        .community
        .members()
        .iter()
        .filter(|m| {
            m.role != quartier_share::Role::Producer
                && m.category == quartier_share::Category::Private
        })
        .count() as u32;
    Ok(CommunityShare {
        name: loaded.name,
        months,
        private_meters,
        simulated: simulated.is_some(),
    })
}

/// The `community-shared` indicator of `e` from its community's allocation `c` over `months`
/// (projected by calendar month when `project`), or `None` when no month is allocated.
fn community_indicator(
    e: &quartier_model::Experiment,
    c: &CommunityShare,
    months: &[Month],
    project: bool,
    source: &str,
) -> Option<Indicator> {
    let all: Vec<(Month, f64)> = c.months.iter().map(|(m, a, _)| (*m, *a)).collect();
    Some(sum_indicator(
        e,
        lay_on(all, months, project)?,
        (
            "energy shared in the community",
            "kWh",
            "Energy the operation's allocation key shares with its consumers, per month: their collective self-consumption, allocated step by step as the grid operator does (never more than a consumer's consumption, never more than the production).",
        ),
        source,
        c.private_meters,
    ))
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
    /// The community the experiment names could not be allocated (`community`: as the file
    /// names it; `detail`: why, in English).
    NotAllocated {
        /// The community file.
        community: String,
        /// Why.
        detail: String,
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
            (NoteKind::NotAllocated { community, detail }, true) => format!(
                "la communauté {community} n'a pas pu être répartie ({detail}) ; son autoconsommation collective n'est pas montrée."
            ),
            (NoteKind::NotAllocated { community, detail }, false) => format!(
                "the community {community} could not be allocated ({detail}); its collective self-consumption is not shown."
            ),
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
    let mut shares: BTreeMap<(PathBuf, Option<PathBuf>), Result<CommunityShare, String>> =
        BTreeMap::new();
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
        let months = experiment_months(e);
        let balance = match &e.district {
            Some(path) => {
                if !cache.contains_key(path) {
                    let b = balance_of(path)?;
                    cache.insert(path.clone(), b);
                }
                match cache.get(path) {
                    Some(Some(b)) => Some(b),
                    _ => {
                        notes.push(note(NoteKind::NotSimulated {
                            district: path.display().to_string(),
                        }));
                        None
                    }
                }
            }
            None => None,
        };
        if let Some(b) = balance {
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
            let wanted: Vec<DistrictIndicator> = e
                .district_indicators
                .iter()
                .copied()
                .filter(|w| *w != DistrictIndicator::CommunityShared)
                .collect();
            for &which in &wanted {
                let source = match which {
                    DistrictIndicator::EnergyBalance => format!("{source}; export − import"),
                    _ => source.clone(),
                };
                if let Some(ind) = district_indicator(e, b, which, &months, project, &source) {
                    out.push(ind);
                    any = true;
                }
            }
            if !any && !wanted.is_empty() {
                notes.push(note(NoteKind::OutsideMonths {
                    district: b.name.clone(),
                    period: b.year_label.clone(),
                }));
            }
        }
        // The community's self-consumption, from its allocation.
        let (Some(community), true) = (
            &e.community,
            e.district_indicators
                .contains(&DistrictIndicator::CommunityShared),
        ) else {
            continue;
        };
        let simulated = e.community_curves == CommunityCurves::Simulated;
        if simulated && balance.is_none() {
            continue; // the district's note says why
        }
        let key = (community.clone(), e.district.clone().filter(|_| simulated));
        let share = shares.entry(key).or_insert_with(|| {
            let curves = balance
                .filter(|_| simulated)
                .and_then(|b| b.members.as_ref());
            if simulated && curves.is_none() {
                return Err("the district's members' curves were not derived".into());
            }
            community_share(community, curves).map_err(|err| err.to_string())
        });
        let share = match share {
            Ok(c) => c,
            Err(detail) => {
                notes.push(note(NoteKind::NotAllocated {
                    community: community.display().to_string(),
                    detail: detail.clone(),
                }));
                continue;
            }
        };
        let typical = simulated && balance.is_some_and(|b| b.typical);
        let covered = months
            .iter()
            .all(|m| share.months.iter().any(|x| x.0 == *m));
        let project = !covered && typical;
        let source = match (simulated, project) {
            (true, true) => format!(
                "allocation of {} on its members' curves simulated from {} (typical year), projected by calendar month",
                share.name,
                balance.map_or("", |b| b.name.as_str())
            ),
            (true, false) => format!(
                "allocation of {} on its members' curves simulated from {}",
                share.name,
                balance.map_or("", |b| b.name.as_str())
            ),
            (false, _) => format!("allocation of {} on its members' meter curves", share.name),
        };
        match community_indicator(e, share, &months, project, &source) {
            Some(ind) => out.push(ind),
            None => {
                let period = match (share.months.first(), share.months.last()) {
                    (Some(a), Some(b)) => format!("{}-{:02}…{}-{:02}", a.0.0, a.0.1, b.0.0, b.0.1),
                    _ => String::new(),
                };
                notes.push(note(NoteKind::NotAllocated {
                    community: community.display().to_string(),
                    detail: format!("its curves cover {period}, outside the experiment's months"),
                }));
            }
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
