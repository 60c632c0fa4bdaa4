//! The experiment file (TOML): one experiment of a commune in the innovation-district
//! programme — what was done, where, when, which meters measure it, which weather explains
//! its consumption, how its savings are evaluated, and the free KPIs of non-energy themes.
//!
//! Like the district file, every attribute is declared once in a table
//! ([`EXPERIMENT_ATTRIBUTES`], built from the same [`Attribute`] type as the district's
//! [`crate::ATTRIBUTES`]); the parser checks every field against it and reports every problem
//! at once as `FILE:LINE:COL: path.to.field: message (expected …)`, and
//! [`experiment_schema_markdown`] documents it. Meter curves are inline series tables
//! (`curve = { file = "…", … }`) checked against the district file's `series` attributes.
//!
//! The result is plain data ([`Experiment`]): this module knows nothing of baselines or
//! savings (the CLI maps [`EvaluationSpec`] onto `quartier-evaluate`).
//!
//! ```
//! use std::path::Path;
//! let text = "commune = \"Meudon\"\ntitle = \"x\"\ntheme = \"energie\"\nstart = 2025-01-01\nend = 2027-01-01\n";
//! let err = quartier_model::parse_experiment(text, Path::new("e.toml")).unwrap_err();
//! assert!(err.to_string().contains(
//!     "e.toml:3:9: theme: unknown value \"energie\"; did you mean \"energy\"?"
//! ));
//! ```

use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use toml::de::DeTable;

use crate::attributes::{self, Attribute, DefaultValue, Kind};
use crate::diagnostic::{Diagnostics, SourceMap};
use crate::district::{MissingPolicy, SeriesFile, SeriesFormat};
use crate::lifecycle::{
    ExperimentStatus, HOLDERS, MeterHolder, Milestone, PHASES, Phase, PhaseKind, STATUSES,
    default_phases,
};
use crate::walk::{Fields, Schema, Style, Walker, whole_file};

/// A calendar month `(year, month)` with the month in 1…12.
pub type YearMonth = (i32, u32);

/// The theme of an experiment in the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Energy (renovation, PV, self-consumption, smart charging…).
    Energy,
    /// Mobility (cargo bikes, car sharing…).
    Mobility,
    /// Climate adaptation (de-sealing, cool islands…).
    ClimateAdaptation,
    /// Public space.
    PublicSpace,
    /// Circular economy.
    CircularEconomy,
}

impl Theme {
    /// The name written in the file.
    pub fn name(self) -> &'static str {
        match self {
            Theme::Energy => "energy",
            Theme::Mobility => "mobility",
            Theme::ClimateAdaptation => "climate-adaptation",
            Theme::PublicSpace => "public-space",
            Theme::CircularEconomy => "circular-economy",
        }
    }
}

/// What a meter measures in the experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterRole {
    /// The consumption the experiment acts on (the evaluated meter by default).
    Treated,
    /// A comparable consumption left unchanged (a control building).
    Reference,
    /// Local production (PV): counts on the production side of the energy balance.
    Pv,
}

impl MeterRole {
    /// The name written in the file.
    pub fn name(self) -> &'static str {
        match self {
            MeterRole::Treated => "treated",
            MeterRole::Reference => "reference",
            MeterRole::Pv => "pv",
        }
    }
}

/// One meter of an experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentMeter {
    /// Unique name.
    pub name: String,
    /// Its role.
    pub role: MeterRole,
    /// Its data: a curve or invoices.
    pub data: MeterData,
    /// Who holds it (what of its data may be published).
    pub holder: MeterHolder,
}

/// What a meter's data are.
#[derive(Debug, Clone, PartialEq)]
pub enum MeterData {
    /// A curve: CSV values are kWh per interval (after scale), Enedis exports average W.
    Curve(SeriesFile),
    /// Invoices: energy per billing period (the CalTRACK billing method).
    Invoices(InvoiceFile),
}

impl MeterData {
    /// The file the data come from.
    pub fn path(&self) -> &Path {
        match self {
            MeterData::Curve(c) => &c.path,
            MeterData::Invoices(i) => &i.path,
        }
    }
}

/// A meter's invoices: a CSV of billing periods (first day, last day, kWh).
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceFile {
    /// The file (absolute path).
    pub path: PathBuf,
    /// Header of the first-day column.
    pub start_column: String,
    /// Header of the end column.
    pub end_column: String,
    /// Header of the energy column (kWh).
    pub column: String,
    /// True when the end date is the day after the period (the next one's first day); false
    /// when it is the period's last day, as invoices print it.
    pub end_exclusive: bool,
    /// Negative energy accepted (a credit note).
    pub allow_negative: bool,
}

/// Format of the temperature source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemperatureFormat {
    /// A generic CSV (timestamp, then value columns).
    Csv,
    /// EnergyPlus EPW (dry-bulb temperature).
    Epw,
    /// PVGIS hourly series, CSV (T2m).
    PvgisHourlyCsv,
    /// PVGIS hourly series, JSON (T2m).
    PvgisHourlyJson,
}

/// Where the outdoor air temperature comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct TemperatureSource {
    /// The file (absolute path).
    pub path: PathBuf,
    /// Its format.
    pub format: TemperatureFormat,
    /// Value column of a CSV; `None` = the second column.
    pub column: Option<String>,
    /// Time zone of naive timestamps of a CSV.
    pub timezone: Tz,
    /// True when the CSV values are in °F (converted to °C when read).
    pub fahrenheit: bool,
    /// How the CSV's missing steps are treated.
    pub missing: MissingPolicy,
}

/// The baseline method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// CalTRACK daily (degree-day regression).
    Daily,
    /// CalTRACK hourly (time-of-week and temperature).
    Hourly,
    /// CalTRACK billing (the daily model on invoices' use per day).
    Billing,
}

/// How the savings of the experiment are evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationSpec {
    /// Baseline method.
    pub method: Method,
    /// Name of the evaluated meter.
    pub meter: String,
    /// Baseline period `[start, end)`, UTC.
    pub baseline: (DateTime<Utc>, DateTime<Utc>),
    /// Reporting period `[start, end)`, UTC.
    pub reporting: (DateTime<Utc>, DateTime<Utc>),
    /// Two-sided confidence level of the savings uncertainty.
    pub confidence: f64,
    /// Non-routine adjustments of the baseline in the reporting period.
    pub adjustments: Vec<Adjustment>,
    /// A typical year's temperature for normalised savings, if given.
    pub normal_temperature: Option<TemperatureSource>,
}

/// A non-routine adjustment (IPMVP): energy the reporting period uses, or saves, for a reason
/// outside the measure evaluated (equipment added, a wing closed). It is added to the adjusted
/// baseline of each day of its period, so that avoided energy = adjusted baseline +
/// adjustments − metered.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    /// Why (shown in the report).
    pub reason: String,
    /// Its period `[start, end)`, UTC (local days), inside the reporting period.
    pub period: (DateTime<Utc>, DateTime<Utc>),
    /// Energy added to the baseline per local day of the period, kWh (negative: removed).
    pub kwh_per_day: f64,
}

/// Whether a KPI should reach its target from below or stay under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiDirection {
    /// Good when the value is at least the target (km ridden, m² de-sealed).
    AtLeast,
    /// Good when the value is at most the target (waste, temperature).
    AtMost,
}

/// How monthly values of a KPI combine into the value compared with the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KpiAggregate {
    /// Sum of the months (distances, areas, tonnes).
    Sum,
    /// Mean of the months (rates, temperatures).
    Mean,
    /// The last month's value (a stock, a cumulative counter).
    Last,
}

/// A free KPI of the experiment (non-energy themes).
#[derive(Debug, Clone, PartialEq)]
pub struct FreeKpi {
    /// Name.
    pub name: String,
    /// Unit (free text: `km`, `m²`, `t`).
    pub unit: String,
    /// Target of the aggregated value, if any.
    pub target: Option<f64>,
    /// Which side of the target is good.
    pub direction: KpiDirection,
    /// How months aggregate.
    pub aggregate: KpiAggregate,
    /// Monthly values in month order, one per month at most.
    pub monthly: Vec<(YearMonth, f64)>,
    /// What is counted and how, for the portfolio, the public page and the open data.
    pub definition: Option<String>,
    /// True when the values are made up (a demo): every page and export says so.
    pub illustrative: bool,
    /// How many private persons' meters the values aggregate, when they come from such
    /// meters (`None`: from none).
    pub private_meters: Option<u32>,
}

/// A validated experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// The experiment file.
    pub file: PathBuf,
    /// The commune.
    pub commune: String,
    /// Title.
    pub title: String,
    /// Theme.
    pub theme: Theme,
    /// District file whose positive-energy balance is reported, if any (absolute path).
    pub district: Option<PathBuf>,
    /// What the programme computes from the district's simulation (and the community's
    /// allocation).
    pub district_indicators: Vec<DistrictIndicator>,
    /// The collective self-consumption operation (its community file) whose allocation the
    /// programme reports.
    pub community: Option<PathBuf>,
    /// Where the community's curves come from.
    pub community_curves: CommunityCurves,
    /// Time zone of local dates.
    pub timezone: Tz,
    /// Start of the experiment, UTC.
    pub start: DateTime<Utc>,
    /// End of the experiment (exclusive), UTC.
    pub end: DateTime<Utc>,
    /// Meters.
    pub meters: Vec<ExperimentMeter>,
    /// Temperature source (required with an evaluation).
    pub temperature: Option<TemperatureSource>,
    /// Savings evaluation, if the experiment saves energy.
    pub evaluation: Option<EvaluationSpec>,
    /// Free KPIs.
    pub kpis: Vec<FreeKpi>,
    /// Where the experiment's data come from, as the file says it (shown with its results).
    pub data_source: Option<String>,
    /// What the experiment does, for its public page.
    pub summary: Option<String>,
    /// The laureate running it (a company or a public body).
    pub lead: Option<String>,
    /// What the programme team says of it.
    pub status: ExperimentStatus,
    /// When its results were published (public page, open data); `None`: not published.
    pub published: Option<DateTime<Utc>>,
    /// A month's report is due by this day of the next month (local).
    pub reports_due_day: u32,
    /// The four phases, in order.
    pub phases: Vec<Phase>,
    /// Milestones, in file order.
    pub milestones: Vec<Milestone>,
}

impl Experiment {
    /// The meter called `name`.
    pub fn meter(&self, name: &str) -> Option<&ExperimentMeter> {
        self.meters.iter().find(|m| m.name == name)
    }
}

/// Indicators computed from the district's simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DistrictIndicator {
    /// Production − consumption (positive energy), kWh.
    EnergyBalance,
    /// PV production consumed within the district (not exported), kWh.
    PvSelfConsumed,
    /// Hydrogen produced by the electrolysers, kg.
    HydrogenProduced,
    /// Energy delivered to electric vehicles' charging sessions, kWh.
    EvCharging,
    /// Energy charged into the district's fleets (cargo bikes, municipal vehicles), kWh.
    FleetCharging,
    /// Energy the collective self-consumption operation (`community`) allocates to its
    /// consumers, kWh: its self-consumption, from its allocation.
    CommunityShared,
}

/// Where the curves of an experiment's community come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommunityCurves {
    /// The community file's own curves (the meters' data, or the grid operator's).
    #[default]
    Meters,
    /// Each member's meter curve derived from the simulation of the experiment's district.
    Simulated,
}

/// Community curve sources as written in the file.
pub const COMMUNITY_CURVES: &[&str] = &["meters", "simulated"];

/// District indicator names as written in the file.
pub const DISTRICT_INDICATORS: &[&str] = &[
    "energy-balance",
    "pv-self-consumed",
    "hydrogen-produced",
    "ev-charging",
    "fleet-charging",
    "community-shared",
];

impl DistrictIndicator {
    /// Every indicator, in the file's order of names.
    pub const ALL: [DistrictIndicator; 6] = [
        DistrictIndicator::EnergyBalance,
        DistrictIndicator::PvSelfConsumed,
        DistrictIndicator::HydrogenProduced,
        DistrictIndicator::EvCharging,
        DistrictIndicator::FleetCharging,
        DistrictIndicator::CommunityShared,
    ];

    /// The name written in the file.
    pub fn name(self) -> &'static str {
        DISTRICT_INDICATORS[self as usize]
    }
}

/// Themes.
pub const THEMES: &[&str] = &[
    "energy",
    "mobility",
    "climate-adaptation",
    "public-space",
    "circular-economy",
];
/// Meter roles.
pub const METER_ROLES: &[&str] = &["treated", "reference", "pv"];
/// Temperature file formats.
pub const TEMPERATURE_FORMATS: &[&str] = &[
    "csv",
    "epw",
    "pvgis-hourly-csv",
    "pvgis-hourly-json",
    "pvgis-tmy-csv",
    "pvgis-tmy-json",
];
/// Temperature units of a CSV.
pub const TEMPERATURE_UNITS: &[&str] = &["C", "F"];
/// Baseline methods.
pub const METHODS: &[&str] = &["daily", "hourly", "billing"];
/// Meanings of an invoice's end date.
pub const PERIOD_ENDS: &[&str] = &["inclusive", "exclusive"];
/// KPI directions.
pub const DIRECTIONS: &[&str] = &["at-least", "at-most"];
/// KPI aggregations.
pub const AGGREGATES: &[&str] = &["sum", "mean", "last"];

/// The components of the experiment file in file order, with a one-line description.
pub static EXPERIMENT_COMPONENTS: &[(&str, &str)] = &[
    ("experiment", "The top level of an experiment file."),
    (
        "experiment.meters",
        "Meters of the experiment and their roles; the curve is a series table (`curve = { file = \"…\", … }`, attributes of the district file's `series`), or the meter is known by its invoices (`invoices = { file = \"…\" }`).",
    ),
    (
        "experiment.meters.invoices",
        "A meter known by its invoices: a CSV with one billing period per line (first day, last day, kWh), dates `YYYY-MM-DD` or `DD/MM/YYYY`, `,` or `;` (decimal comma) as delimiter. Periods follow one another; a missing invoice is a gap. Evaluated with `method = \"billing\"`.",
    ),
    (
        "experiment.temperature",
        "Outdoor air temperature explaining the consumption (the weather of the periods, not a typical year).",
    ),
    (
        "experiment.evaluation",
        "Measurement and verification of avoided energy (CalTRACK baseline, ASHRAE Guideline 14 uncertainty).",
    ),
    (
        "experiment.evaluation.adjustments",
        "Non-routine adjustments (IPMVP): energy the reporting period uses or saves for a reason outside the measure, added to the baseline of each day of their period.",
    ),
    (
        "experiment.phases",
        "The experiment's four phases (deployment, monitoring, evaluation, promotion), in that order, with planned and actual dates. Without them, the programme's usual plan applies: 6 months of deployment, 12 of monitoring, 3 of evaluation and 3 of promotion, scaled to the experiment's months.",
    ),
    (
        "experiment.milestones",
        "Milestones of the phases: what is due when, and when it was reached.",
    ),
    (
        "experiment.kpis",
        "Free KPIs of the experiment (non-energy themes), compared with a target.",
    ),
    (
        "experiment.kpis.monthly",
        "Monthly values of a KPI, written inline: `monthly = [{ month = \"2025-01\", value = 120 }, …]`.",
    ),
];

use crate::attributes::{N, a, exc};

use DefaultValue::{Optional, Required, Rule, Str};

/// Every attribute of every component of the experiment file.
#[rustfmt::skip]
pub static EXPERIMENT_ATTRIBUTES: &[Attribute] = &[
    // ---- experiment (top level)
    a("experiment", "commune", Kind::String, "", Required, N, N, "The commune running the experiment."),
    a("experiment", "title", Kind::String, "", Required, N, N, "Title of the experiment."),
    a("experiment", "data_source", Kind::String, "", Optional, N, N, "Where the experiment's data come from (measured by whom, generated by which script, declared by whom), shown on its page, in its report and in the API."),
    a("experiment", "theme", Kind::Enum(THEMES), "", Required, N, N, "Theme of the programme the experiment belongs to."),
    a("experiment", "district", Kind::Path, "", Optional, N, N, "District file (relative to the experiment file) whose positive-energy balance the programme reports, simulated with the rule controller."),
    a("experiment", "district_indicators", Kind::EnumList(DISTRICT_INDICATORS), "", DefaultValue::StrList(&["energy-balance"]), N, N, "What the programme computes month by month from the district's simulation: `energy-balance` (production − consumption, kWh), `pv-self-consumed` (PV production used within the district, kWh), `hydrogen-produced` (kg), `ev-charging` (energy delivered to electric vehicles' charging sessions, kWh), `fleet-charging` (energy charged into the district's fleets, kWh), `community-shared` (energy the `community`'s allocation shares with its consumers, kWh: its collective self-consumption)."),
    a("experiment", "community", Kind::Path, "", Optional, N, N, "Community file (relative to the experiment file) of the collective self-consumption operation whose allocation gives `community-shared`, allocated with the file's own key."),
    a("experiment", "community_curves", Kind::Enum(COMMUNITY_CURVES), "", DefaultValue::Str("meters"), N, N, "Where the community's curves come from: `meters` (the community file's own curves) or `simulated` (each member's meter curve derived from the simulation of the experiment's `district`, for the months before the meters' data)."),
    a("experiment", "timezone", Kind::Timezone, "", Str("Europe/Paris"), N, N, "IANA time zone of the local dates of this file and of days and months."),
    a("experiment", "start", Kind::DateTime, "", Required, N, N, "Start of the experiment (deployment), local date, inclusive."),
    a("experiment", "end", Kind::DateTime, "", Required, N, N, "End of the experiment's follow-up, local date, exclusive (24 months in the programme)."),
    a("experiment", "meters", Kind::Tables("experiment.meters"), "", Rule("none"), N, N, "Meters."),
    a("experiment", "temperature", Kind::Table("experiment.temperature"), "", Rule("required with [evaluation]"), N, N, "Outdoor air temperature."),
    a("experiment", "normal_temperature", Kind::Table("experiment.temperature"), "", Rule("none: no normalised savings"), N, N, "A typical year's temperature (a PVGIS TMY, an EPW, or a year of your own), same attributes as [temperature]: with it, the normalised annual savings are the baseline model minus a model fitted on the reporting period, both on this year (CalTRACK's normalised metered energy savings), beside the avoided energy of the reporting period."),
    a("experiment", "evaluation", Kind::Table("experiment.evaluation"), "", Optional, N, N, "Savings evaluation (energy experiments)."),
    a("experiment", "kpis", Kind::Tables("experiment.kpis"), "", Rule("none"), N, N, "Free KPIs."),
    a("experiment", "summary", Kind::String, "", Optional, N, N, "What the experiment does, in a few sentences, for its public page."),
    a("experiment", "lead", Kind::String, "", Optional, N, N, "The laureate running the experiment: a company, an association or a public body (never a private person's name: it is published)."),
    a("experiment", "status", Kind::Enum(STATUSES), "", Str("active"), N, N, "What the programme team says of the experiment: `active`, `suspended`, `stopped` (before its end) or `completed`."),
    a("experiment", "published", Kind::DateTime, "", Rule("not published"), N, N, "Local date the programme team published the results: from then on, the experiment has a public page and its indicators are in the open data."),
    a("experiment", "reports_due_day", Kind::Integer, "day", DefaultValue::Integer(15), attributes::inc(1.0), attributes::inc(28.0), "A month's indicators are due by this day of the next month; later, the report is overdue."),
    a("experiment", "phases", Kind::Tables("experiment.phases"), "", Rule("the usual plan: 6, 12, 3 and 3 months"), N, N, "The four phases."),
    a("experiment", "milestones", Kind::Tables("experiment.milestones"), "", Rule("none"), N, N, "Milestones."),
    // ---- phases
    a("experiment.phases", "name", Kind::Enum(PHASES), "", Required, N, N, "The phase."),
    a("experiment.phases", "planned_start", Kind::DateTime, "", Required, N, N, "Planned start, local date, inclusive."),
    a("experiment.phases", "planned_end", Kind::DateTime, "", Required, N, N, "Planned end, local date, exclusive."),
    a("experiment.phases", "actual_start", Kind::DateTime, "", Rule("not started"), N, N, "When the phase actually started, local date."),
    a("experiment.phases", "actual_end", Kind::DateTime, "", Rule("not ended"), N, N, "When the phase actually ended, local date, exclusive (needs actual_start)."),
    // ---- milestones
    a("experiment.milestones", "name", Kind::String, "", Required, N, N, "What is to be reached."),
    a("experiment.milestones", "phase", Kind::Enum(PHASES), "", Required, N, N, "The phase it belongs to."),
    a("experiment.milestones", "due", Kind::DateTime, "", Required, N, N, "When it is due, local date."),
    a("experiment.milestones", "done", Kind::DateTime, "", Rule("not reached"), N, N, "When it was reached, local date."),
    // ---- meters
    a("experiment.meters", "name", Kind::String, "", Required, N, N, "Unique meter name."),
    a("experiment.meters", "role", Kind::Enum(METER_ROLES), "", Str("treated"), N, N, "`treated`: the consumption acted on; `reference`: a comparable consumption left unchanged; `pv`: local production."),
    a("experiment.meters", "curve", Kind::Table("series"), "", Rule("one of curve or invoices"), N, N, "The metered curve; CSV values are kWh per interval (after scale), Enedis exports are average W. Naive CSV timestamps are in the experiment's time zone unless `timezone` is given."),
    a("experiment.meters", "invoices", Kind::Table("experiment.meters.invoices"), "", Rule("one of curve or invoices"), N, N, "The meter's invoices (monthly or bimonthly kWh), for a building without a meter curve."),
    a("experiment.meters", "holder", Kind::Enum(HOLDERS), "", Str("private-person"), N, N, "Who holds the meter: a `private-person`'s consumption is personal data, published only in aggregates of at least 10 meters; a `public-body`'s (a school, a town hall) or a `company`'s is not."),
    a("experiment.meters.invoices", "file", Kind::Path, "", Required, N, N, "The CSV (relative to the experiment file)."),
    a("experiment.meters.invoices", "start_column", Kind::String, "", Str("start"), N, N, "Header of the column holding each period's first day."),
    a("experiment.meters.invoices", "end_column", Kind::String, "", Str("end"), N, N, "Header of the column holding each period's end."),
    a("experiment.meters.invoices", "column", Kind::String, "", Str("kwh"), N, N, "Header of the column holding each period's energy, kWh."),
    a("experiment.meters.invoices", "period_end", Kind::Enum(PERIOD_ENDS), "", Str("inclusive"), N, N, "`inclusive`: the end date is the period's last day, as invoices print it (`du 01/01 au 31/01`); `exclusive`: it is the next period's first day."),
    a("experiment.meters.invoices", "allow_negative", Kind::Bool, "", DefaultValue::Bool(false), N, N, "Accept a negative energy (a credit note)."),
    // ---- temperature
    a("experiment.temperature", "file", Kind::Path, "", Required, N, N, "The file (relative to the experiment file)."),
    a("experiment.temperature", "format", Kind::Enum(TEMPERATURE_FORMATS), "", Str("csv"), N, N, "Generic CSV, EnergyPlus EPW (dry bulb), or a PVGIS hourly series (T2m)."),
    a("experiment.temperature", "column", Kind::String, "", Rule("the second column"), N, N, "Column holding the temperatures (CSV)."),
    a("experiment.temperature", "timezone", Kind::Timezone, "", Rule("the experiment's"), N, N, "Time zone of naive local timestamps (CSV)."),
    a("experiment.temperature", "missing", Kind::Enum(attributes::MISSING_POLICIES), "", Str("exclude"), N, N, attributes::MISSING_DOC),
    a("experiment.temperature", "max_gap_steps", Kind::Integer, "steps", Rule("required with missing = \"interpolate\""), attributes::inc(1.0), attributes::inc(100_000.0), attributes::MAX_GAP_DOC),
    a("experiment.temperature", "unit", Kind::Enum(TEMPERATURE_UNITS), "", Str("C"), N, N, "Unit of the CSV values; °F is converted to °C. Values that look like °F declared as °C are refused, and so are values that look like °C declared as °F (a median below 20 °F, −6.7 °C)."),
    // ---- evaluation
    a("experiment.evaluation", "method", Kind::Enum(METHODS), "", Required, N, N, "CalTRACK `daily` (degree-day regression; daily or finer meters), `hourly` (time-of-week and temperature; hourly or finer meters) or `billing` (the daily model on each invoice's use per day, weighted by its days; a meter with `invoices`)."),
    a("experiment.evaluation", "meter", Kind::String, "", Rule("the only `treated` meter"), N, N, "Name of the evaluated meter."),
    a("experiment.evaluation", "baseline_start", Kind::DateTime, "", Required, N, N, "Start of the baseline period, local date, inclusive (CalTRACK: the 365 days before the works)."),
    a("experiment.evaluation", "baseline_end", Kind::DateTime, "", Required, N, N, "End of the baseline period, local date, exclusive."),
    a("experiment.evaluation", "reporting_start", Kind::DateTime, "", Required, N, N, "Start of the reporting period, local date, inclusive (not before baseline_end)."),
    a("experiment.evaluation", "reporting_end", Kind::DateTime, "", Required, N, N, "End of the reporting period, local date, exclusive."),
    a("experiment.evaluation", "adjustments", Kind::Tables("experiment.evaluation.adjustments"), "", Rule("none"), N, N, "Non-routine adjustments of the baseline in the reporting period."),
    a("experiment.evaluation.adjustments", "reason", Kind::String, "", Required, N, N, "Why the consumption changed outside the measure (shown in the report)."),
    a("experiment.evaluation.adjustments", "start", Kind::DateTime, "", Required, N, N, "First local date, inclusive, within the reporting period."),
    a("experiment.evaluation.adjustments", "end", Kind::DateTime, "", Required, N, N, "Local date, exclusive, within the reporting period."),
    a("experiment.evaluation.adjustments", "kwh", Kind::Float, "kWh", Rule("one of kwh or kwh_per_day"), N, N, "Energy added to the baseline over the whole period (spread evenly over its days); negative when the event saves energy."),
    a("experiment.evaluation.adjustments", "kwh_per_day", Kind::Float, "kWh/d", Rule("one of kwh or kwh_per_day"), N, N, "Energy added to the baseline per day of the period; negative when the event saves energy."),
    a("experiment.evaluation", "confidence", Kind::Float, "1", DefaultValue::Float(0.9), exc(0.0), exc(1.0), "Two-sided confidence level of the savings uncertainty (ASHRAE Guideline 14 commonly reports at 0.9; its 50 % criterion is checked at 0.68)."),
    // ---- kpis
    a("experiment.kpis", "name", Kind::String, "", Required, N, N, "Unique KPI name."),
    a("experiment.kpis", "unit", Kind::String, "", Required, N, N, "Unit (free text: `km`, `m²`, `t`)."),
    a("experiment.kpis", "target", Kind::Float, "", Optional, N, N, "Target of the aggregated value over the experiment, in the KPI's unit."),
    a("experiment.kpis", "direction", Kind::Enum(DIRECTIONS), "", Str("at-least"), N, N, "Whether the value should reach the target (`at-least`) or stay under it (`at-most`)."),
    a("experiment.kpis", "aggregate", Kind::Enum(AGGREGATES), "", Str("sum"), N, N, "How monthly values combine before comparison with the target."),
    a("experiment.kpis", "monthly", Kind::Tables("experiment.kpis.monthly"), "", Rule("one of monthly or file"), N, N, "Monthly values."),
    a("experiment.kpis", "file", Kind::Path, "", Rule("one of monthly or file"), N, N, "CSV with a header and two columns `month,value` (`2025-01,120`)."),
    a("experiment.kpis", "definition", Kind::String, "", Optional, N, N, "What is counted and how (shown on the portfolio, the public page and in the open data)."),
    a("experiment.kpis", "illustrative", Kind::Bool, "", DefaultValue::Bool(false), N, N, "True when the values are made up (a demonstration): every page and export labels them illustrative."),
    a("experiment.kpis", "private_meters", Kind::Integer, "meters", Rule("none: not from private persons' meters"), attributes::inc(1.0), N, "How many private persons' meters the values aggregate; the open data publish the KPI only from 10."),
    // ---- kpis.monthly
    a("experiment.kpis.monthly", "month", Kind::String, "", Required, N, N, "The month, `YYYY-MM`."),
    a("experiment.kpis.monthly", "value", Kind::Float, "", Required, N, N, "The value of the month, in the KPI's unit."),
];

/// An experiment file exercising every section, shown at the end of the schema.
pub const EXAMPLE_EXPERIMENT: &str = r#"commune = "Meudon-la-Forêt"
title = "Rénovation énergétique du groupe scolaire"
theme = "energy"
district = "../meudon-la-foret.toml"     # optional: its positive-energy balance
timezone = "Europe/Paris"
start = 2024-04-01                       # local date, inclusive
end = 2026-04-01                         # local date, exclusive

[[meters]]
name = "school"
role = "treated"
curve = { file = "data/school.csv", column = "energy_kwh" }

[[meters]]
name = "roof-pv"
role = "pv"
curve = { file = "data/roof_pv_enedis.csv", format = "enedis" }

[temperature]
file = "data/temperature.csv"
column = "temp_air_c"
unit = "C"

[evaluation]
method = "hourly"
meter = "school"
baseline_start = 2023-04-01
baseline_end = 2024-04-01
reporting_start = 2024-04-01
reporting_end = 2025-04-01
confidence = 0.9

[[kpis]]
name = "Surface désimperméabilisée"
unit = "m²"
target = 1200
monthly = [
  { month = "2024-06", value = 400 },
  { month = "2024-09", value = 650 },
]
"#;

/// Largest experiment file read, bytes.
const MAX_EXPERIMENT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads and parses an experiment file; relative paths are resolved against its folder.
pub fn read_experiment(path: &Path) -> Result<(Experiment, SourceMap), Diagnostics> {
    let whole = |message: String| whole_file(path, message, None);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => whole("experiment file not found".into()),
        _ => whole(format!("cannot read the experiment file: {e}")),
    })?;
    if !meta.is_file() {
        return Err(whole("not a file".into()));
    }
    if meta.len() > MAX_EXPERIMENT_BYTES {
        return Err(whole(format!(
            "the file is {} bytes, too large for an experiment file (at most 4 MiB)",
            meta.len()
        )));
    }
    let bytes =
        std::fs::read(path).map_err(|e| whole(format!("cannot read the experiment file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        whole(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(whole("the experiment file is empty".into()));
    }
    parse_experiment(&text, path)
}

/// Parses experiment text read from `path` (used for messages and to resolve relative paths).
pub fn parse_experiment(text: &str, path: &Path) -> Result<(Experiment, SourceMap), Diagnostics> {
    parse_experiment_in(text, path, &ExperimentOptions::default())
}

/// How [`parse_experiment_in`] reads an experiment file.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExperimentOptions<'a> {
    /// When set, every file the experiment names (meter curves, temperatures, KPI files, the
    /// district) must lie inside this folder once resolved; any other is "not found", its path
    /// as written: for text from someone who may not read the rest of the disk.
    pub files_within: Option<&'a Path>,
}

/// Like [`parse_experiment`], read as `options` say.
pub fn parse_experiment_in(
    text: &str,
    path: &Path,
    options: &ExperimentOptions<'_>,
) -> Result<(Experiment, SourceMap), Diagnostics> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let mut p = P {
        w: Walker::new(&EXPERIMENT, path, text),
        tz: chrono_tz::Europe::Paris,
    };
    p.w.within = options.files_within.map(Path::to_path_buf);
    let syntax_lines = p.w.syntax_errors(&errors);
    let span = doc.span();
    let experiment = p.experiment(doc.get_ref(), span.start..span.start);
    let P { w, .. } = p;
    w.finish(experiment, &syntax_lines, "experiment")
}

/// The experiment file's attributes and wording: its own table, then the district's
/// (`series`, shared by meter curves).
static EXPERIMENT: Schema = Schema {
    attrs: EXPERIMENT_ATTRIBUTES,
    fallback: attributes::ATTRIBUTES,
    file: "experiment",
    style: Style::Experiment,
};

struct P {
    w: Walker,
    tz: Tz,
}

crate::walk::deref_walker!(P);

/// Parses a calendar month written `YYYY-MM` (blanks around it ignored): the one reading of a
/// month of the experiment file, a KPI file and a laureate's report.
pub fn parse_month(s: &str) -> Option<YearMonth> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (1..=12).contains(&m).then_some((y, m))
}

impl P {
    /// A date or date-time as a UTC instant (local ones in the experiment's zone).
    fn instant(&mut self, f: &Fields<'_>, name: &str) -> Option<DateTime<Utc>> {
        let tz = self.tz;
        self.w.instant_in(f, name, tz)
    }

    /// Two instants `start < end`, or a diagnostic at `end`.
    fn range(
        &mut self,
        f: &Fields<'_>,
        start: &str,
        end: &str,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (a, b) = (self.instant(f, start), self.instant(f, end));
        let (a, b) = (a?, b?);
        if b <= a {
            let tz = self.tz;
            let local =
                |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
            self.err(
                f.span(end),
                &f.field_path(end),
                format!(
                    "the period is empty: {end} {} is not after {start} {}",
                    local(b),
                    local(a)
                ),
                Some(format!("{end} > {start} ({end} is exclusive)")),
            );
            return None;
        }
        Some((a, b))
    }

    fn experiment<'a>(&mut self, doc: &'a DeTable<'a>, span: Range<usize>) -> Option<Experiment> {
        let top = self.fields("experiment", "", doc, span);
        if let Some(Some(tz)) = top.tz("timezone") {
            self.tz = tz;
        }
        let period = self.range(&top, "start", "end");
        let theme = top.str("theme").map(|t| match t.as_str() {
            "mobility" => Theme::Mobility,
            "climate-adaptation" => Theme::ClimateAdaptation,
            "public-space" => Theme::PublicSpace,
            "circular-economy" => Theme::CircularEconomy,
            _ => Theme::Energy,
        });
        let meters: Vec<Option<ExperimentMeter>> = top
            .tables("meters")
            .into_iter()
            .enumerate()
            .map(|(i, (t, s))| {
                let f = self.fields("experiment.meters", &format!("meters[{i}]"), t, s);
                self.meter(&f)
            })
            .collect();
        self.unique_names(&top, "meters");
        let temperature = top.table("temperature").and_then(|(t, s)| {
            let f = self.fields("experiment.temperature", "temperature", t, s);
            self.temperature(&f)
        });
        let evaluation = match top.table("evaluation") {
            Some((t, s)) => {
                let f = self.fields("experiment.evaluation", "evaluation", t, s);
                let ev = self.evaluation(&f, &top);
                if top.present("evaluation") && !top.present("temperature") {
                    self.err(
                        f.header.clone(),
                        "temperature",
                        "an evaluation needs the outdoor temperature".into(),
                        Some("a [temperature] section".into()),
                    );
                }
                Some(ev)
            }
            None if top.present("evaluation") => Some(None),
            None => None,
        };
        let normal = top.table("normal_temperature").map(|(t, s)| {
            let f = self.fields("experiment.temperature", "normal_temperature", t, s);
            if !top.present("evaluation") {
                self.err(
                    f.header.clone(),
                    "normal_temperature",
                    "normalised savings need an [evaluation]".into(),
                    Some("an [evaluation] section, or no [normal_temperature]".into()),
                );
            }
            self.temperature(&f)
        });
        let evaluation = match (evaluation, normal) {
            (Some(Some(mut ev)), Some(Some(n))) => {
                ev.normal_temperature = Some(n);
                Some(Some(ev))
            }
            (Some(_), Some(None)) => Some(None),
            (ev, _) => ev,
        };
        let kpis: Vec<Option<FreeKpi>> = top
            .tables("kpis")
            .into_iter()
            .enumerate()
            .map(|(i, (t, s))| {
                let f = self.fields("experiment.kpis", &format!("kpis[{i}]"), t, s);
                self.kpi(&f)
            })
            .collect();
        self.unique_names(&top, "kpis");
        let district = top.opt_path("district");
        let community = top.opt_path("community");
        let community_curves = top.str("community_curves").map(|c| match c.as_str() {
            "simulated" => CommunityCurves::Simulated,
            _ => CommunityCurves::Meters,
        });
        let indicators: Option<Vec<DistrictIndicator>> =
            top.strs("district_indicators").map(|names| {
                names
                    .iter()
                    .filter_map(|n| DISTRICT_INDICATORS.iter().position(|x| x == n))
                    .map(|i| DistrictIndicator::ALL[i])
                    .collect()
            });
        if let Some(list) = &indicators
            && list.contains(&DistrictIndicator::CommunityShared)
            && matches!(community, Some(None))
        {
            self.err(
                top.span("district_indicators"),
                &top.field_path("district_indicators"),
                "community-shared needs the community whose allocation it reports".into(),
                Some("community = \"<community file>.toml\"".into()),
            );
        }
        if community_curves == Some(CommunityCurves::Simulated) && matches!(district, Some(None)) {
            self.err(
                top.span("community_curves"),
                &top.field_path("community_curves"),
                "simulated community curves need the district they are simulated from".into(),
                Some("district = \"<district file>.toml\"".into()),
            );
        }
        let status = top.str("status").map(|x| match x.as_str() {
            "suspended" => ExperimentStatus::Suspended,
            "stopped" => ExperimentStatus::Stopped,
            "completed" => ExperimentStatus::Completed,
            _ => ExperimentStatus::Active,
        });
        let published = if top.present("published") {
            self.instant(&top, "published").map(Some)
        } else {
            Some(None)
        };
        let phases = self.phases(&top, period);
        let milestones: Vec<Option<Milestone>> = top
            .tables("milestones")
            .into_iter()
            .enumerate()
            .map(|(i, (t, s))| {
                let f = self.fields("experiment.milestones", &format!("milestones[{i}]"), t, s);
                self.milestone(&f)
            })
            .collect();
        let (start, end) = period?;
        Some(Experiment {
            file: self.map.file().to_path_buf(),
            commune: top.str("commune")?,
            title: top.str("title")?,
            theme: theme?,
            district: district?,
            district_indicators: indicators?,
            community: community?,
            community_curves: community_curves?,
            timezone: self.tz,
            start,
            end,
            meters: meters.into_iter().collect::<Option<_>>()?,
            temperature: if top.present("temperature") {
                Some(temperature?)
            } else {
                None
            },
            evaluation: evaluation.map_or(Some(None), |e| e.map(Some))?,
            kpis: kpis.into_iter().collect::<Option<_>>()?,
            data_source: top.opt_str("data_source")?,
            summary: top.opt_str("summary")?,
            lead: top.opt_str("lead")?,
            status: status?,
            published: published?,
            reports_due_day: top.u32("reports_due_day")?,
            phases: phases?,
            milestones: milestones.into_iter().collect::<Option<_>>()?,
        })
    }

    /// The `[[phases]]`: all four in order, or none (the usual plan over `period`).
    fn phases(
        &mut self,
        top: &Fields<'_>,
        period: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Option<Vec<Phase>> {
        let tables = top.tables("phases");
        if !top.present("phases") {
            let (start, end) = period?;
            return Some(default_phases(start, end, self.tz));
        }
        let mut out: Vec<Option<(Phase, Range<usize>, String)>> = Vec::new();
        for (i, (t, s)) in tables.into_iter().enumerate() {
            let f = self.fields("experiment.phases", &format!("phases[{i}]"), t, s);
            let kind = f.str("name").and_then(|n| PhaseKind::from_name(&n));
            let planned = self.range(&f, "planned_start", "planned_end");
            let actual_start = if f.present("actual_start") {
                self.instant(&f, "actual_start").map(Some)
            } else {
                Some(None)
            };
            let actual_end = if f.present("actual_end") {
                if !f.present("actual_start") {
                    self.err(
                        f.span("actual_end"),
                        &f.field_path("actual_end"),
                        "the phase ended but never started".into(),
                        Some("actual_start with actual_end".into()),
                    );
                    None
                } else {
                    self.range(&f, "actual_start", "actual_end")
                        .map(|(_, b)| Some(b))
                }
            } else {
                Some(None)
            };
            let phase = (|| {
                Some(Phase {
                    kind: kind?,
                    planned: planned?,
                    actual_start: actual_start?,
                    actual_end: actual_end?,
                })
            })();
            out.push(phase.map(|p| (p, f.span("name"), f.field_path("name"))));
        }
        let out: Vec<(Phase, Range<usize>, String)> = out.into_iter().collect::<Option<_>>()?;
        let mut ok = true;
        for (i, (p, span, path)) in out.iter().enumerate() {
            let want = PhaseKind::ALL.get(i).copied();
            if want != Some(p.kind) {
                self.err(
                    span.clone(),
                    path,
                    match want {
                        Some(w) => format!(
                            "phase {} should be \"{}\", not \"{}\"",
                            i + 1,
                            w.name(),
                            p.kind.name()
                        ),
                        None => format!("a fifth phase \"{}\"", p.kind.name()),
                    }
                    .to_string(),
                    Some(
                        "the four phases in order: deployment, monitoring, evaluation, promotion"
                            .into(),
                    ),
                );
                ok = false;
                break;
            }
        }
        if ok && out.len() < 4 {
            let missing: Vec<&str> = PHASES[out.len()..].to_vec();
            self.err(
                top.span("phases"),
                "phases",
                format!(
                    "{} of the four phases given; missing: {}",
                    out.len(),
                    missing.join(", ")
                ),
                Some(
                    "the four phases in order: deployment, monitoring, evaluation, promotion"
                        .into(),
                ),
            );
            ok = false;
        }
        if ok {
            for w in out.windows(2) {
                if w[1].0.planned.0 < w[0].0.planned.1 {
                    let tz = self.tz;
                    let local =
                        |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
                    self.err(
                        w[1].1.clone(),
                        &w[1].2.replace(".name", ".planned_start"),
                        format!(
                            "{} is planned to start ({}) before {} ends ({})",
                            w[1].0.kind.name(),
                            local(w[1].0.planned.0),
                            w[0].0.kind.name(),
                            local(w[0].0.planned.1)
                        ),
                        Some(format!(
                            "planned_start ≥ the planned_end of {}",
                            w[0].0.kind.name()
                        )),
                    );
                    ok = false;
                }
            }
        }
        ok.then(|| out.into_iter().map(|(p, _, _)| p).collect())
    }

    fn milestone(&mut self, f: &Fields<'_>) -> Option<Milestone> {
        let phase = f.str("phase").and_then(|n| PhaseKind::from_name(&n));
        let due = self.instant(f, "due");
        let done = if f.present("done") {
            self.instant(f, "done").map(Some)
        } else {
            Some(None)
        };
        Some(Milestone {
            name: f.str("name")?,
            phase: phase?,
            due: due?,
            done: done?,
        })
    }

    /// Reports duplicate `name`s among the tables of `key`.
    fn unique_names(&mut self, top: &Fields<'_>, key: &str) {
        let mut seen: Vec<String> = Vec::new();
        for (i, (t, _)) in top.tables(key).iter().enumerate() {
            let Some(v) = t.get("name") else { continue };
            let Some(name) = v.get_ref().as_str() else {
                continue;
            };
            if seen.iter().any(|s| s == name) {
                self.err(
                    v.span(),
                    &format!("{key}[{i}].name"),
                    format!("duplicate name \"{name}\""),
                    Some(format!("names unique among the {key}")),
                );
            }
            seen.push(name.to_owned());
        }
    }

    fn meter(&mut self, f: &Fields<'_>) -> Option<ExperimentMeter> {
        let role = f.str("role").map(|r| match r.as_str() {
            "reference" => MeterRole::Reference,
            "pv" => MeterRole::Pv,
            _ => MeterRole::Treated,
        });
        let data = match (f.present("curve"), f.present("invoices")) {
            (true, false) => self.curve(f).map(MeterData::Curve),
            (false, true) => f.table("invoices").and_then(|(t, s)| {
                let i = self.fields(
                    "experiment.meters.invoices",
                    &f.field_path("invoices"),
                    t,
                    s,
                );
                Some(MeterData::Invoices(InvoiceFile {
                    path: i.path_val("file")?,
                    start_column: i.str("start_column")?,
                    end_column: i.str("end_column")?,
                    column: i.str("column")?,
                    end_exclusive: i.str("period_end")? == "exclusive",
                    allow_negative: i.bool("allow_negative")?,
                }))
            }),
            (both, _) => {
                self.err(
                    if both {
                        f.span("invoices")
                    } else {
                        f.header.clone()
                    },
                    &f.field_path(if both { "invoices" } else { "curve" }),
                    if both {
                        "`curve` and `invoices` are alternatives".into()
                    } else {
                        "where are the meter's data?".into()
                    },
                    Some("either curve = { file = \"…\" } or invoices = { file = \"…\" }".into()),
                );
                None
            }
        };
        let holder = f.str("holder").map(|h| match h.as_str() {
            "public-body" => MeterHolder::PublicBody,
            "company" => MeterHolder::Company,
            _ => MeterHolder::PrivatePerson,
        });
        Some(ExperimentMeter {
            name: f.str("name")?,
            role: role?,
            data: data?,
            holder: holder?,
        })
    }

    /// A meter's `curve` table.
    fn curve(&mut self, f: &Fields<'_>) -> Option<SeriesFile> {
        f.table("curve").and_then(|(t, s)| {
            let sf = self.fields("series", &f.field_path("curve"), t, s);
            let format = match sf.str("format")?.as_str() {
                "enedis" => SeriesFormat::Enedis,
                _ => SeriesFormat::Csv,
            };
            Some(SeriesFile {
                path: sf.path_val("file")?,
                format,
                column: sf.opt_str("column")?,
                timezone: Some(sf.tz("timezone")?.unwrap_or(self.tz)),
                scale: sf.num("scale")?,
                missing: self.missing_policy(&sf, MissingPolicy::Exclude)?,
                allow_negative: sf.bool("allow_negative")?,
            })
        })
    }

    fn temperature(&mut self, f: &Fields<'_>) -> Option<TemperatureSource> {
        let format = match f.str("format")?.as_str() {
            "epw" => TemperatureFormat::Epw,
            "pvgis-hourly-csv" | "pvgis-tmy-csv" => TemperatureFormat::PvgisHourlyCsv,
            "pvgis-tmy-json" => TemperatureFormat::PvgisHourlyJson,
            "pvgis-hourly-json" => TemperatureFormat::PvgisHourlyJson,
            _ => TemperatureFormat::Csv,
        };
        if format != TemperatureFormat::Csv {
            for k in ["column", "timezone", "unit", "missing", "max_gap_steps"] {
                if f.present(k) {
                    self.err(
                        f.span(k),
                        &f.field_path(k),
                        format!("`{k}` only applies to a CSV temperature file"),
                        Some("format = \"csv\"".into()),
                    );
                }
            }
        }
        Some(TemperatureSource {
            path: f.path_val("file")?,
            format,
            column: f.opt_str("column")?,
            timezone: f.tz("timezone")?.unwrap_or(self.tz),
            fahrenheit: f.str("unit")? == "F",
            missing: self.missing_policy(f, MissingPolicy::Exclude)?,
        })
    }

    fn evaluation(&mut self, f: &Fields<'_>, top: &Fields<'_>) -> Option<EvaluationSpec> {
        let method = f.str("method").map(|m| match m.as_str() {
            "daily" => Method::Daily,
            "billing" => Method::Billing,
            _ => Method::Hourly,
        });
        let baseline = self.range(f, "baseline_start", "baseline_end");
        let reporting = self.range(f, "reporting_start", "reporting_end");
        if let (Some(b), Some(r)) = (baseline, reporting)
            && r.0 < b.1
        {
            let tz = self.tz;
            let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
            self.err(
                f.span("reporting_start"),
                &f.field_path("reporting_start"),
                format!(
                    "the reporting period starts ({}) before the baseline period ends ({})",
                    local(r.0),
                    local(b.1)
                ),
                Some("reporting_start ≥ baseline_end".into()),
            );
            return None;
        }
        // The evaluated meter: named, or the only treated one.
        let declared: Vec<(String, String)> = top
            .tables("meters")
            .iter()
            .filter_map(|(t, _)| {
                let name = t.get("name")?.get_ref().as_str()?.to_owned();
                let role = t
                    .get("role")
                    .and_then(|r| r.get_ref().as_str().map(str::to_owned))
                    .unwrap_or_else(|| "treated".into());
                Some((name, role))
            })
            .collect();
        let invoiced: Vec<String> = top
            .tables("meters")
            .iter()
            .filter(|(t, _)| t.get("invoices").is_some())
            .filter_map(|(t, _)| Some(t.get("name")?.get_ref().as_str()?.to_owned()))
            .collect();
        let meter = match f.opt_str("meter")? {
            Some(m) => {
                if !declared.iter().any(|(n, _)| *n == m) {
                    let hint = attributes::suggest(&m, declared.iter().map(|(n, _)| n.as_str()))
                        .map(|h| format!("; did you mean \"{h}\"?"))
                        .unwrap_or_default();
                    let names: Vec<&str> = declared.iter().map(|(n, _)| n.as_str()).collect();
                    self.err(
                        f.span("meter"),
                        &f.field_path("meter"),
                        format!("unknown meter \"{m}\"{hint}"),
                        Some(if names.is_empty() {
                            "a [[meters]] entry with this name".into()
                        } else {
                            format!("one of the meters: {}", names.join(", "))
                        }),
                    );
                    return None;
                }
                m
            }
            // A meter with an invalid role is already reported: do not guess.
            None if declared
                .iter()
                .any(|(_, r)| !METER_ROLES.contains(&r.as_str())) =>
            {
                return None;
            }
            None => {
                let treated: Vec<&String> = declared
                    .iter()
                    .filter(|(_, r)| r == "treated")
                    .map(|(n, _)| n)
                    .collect();
                match treated.as_slice() {
                    [one] => (*one).clone(),
                    _ => {
                        self.err(
                            f.header.clone(),
                            &f.field_path("meter"),
                            format!(
                                "which meter is evaluated? {} meters have role \"treated\"",
                                treated.len()
                            ),
                            Some("meter = \"<name of a [[meters]] entry>\"".into()),
                        );
                        return None;
                    }
                }
            }
        };
        // Invoices are evaluated by the billing method, and only they are.
        if let Some(m) = method {
            let has_invoices = invoiced.contains(&meter);
            if has_invoices != (m == Method::Billing) {
                self.err(
                    f.span("method"),
                    &f.field_path("method"),
                    if has_invoices {
                        format!("meter \"{meter}\" is known by its invoices: only the billing method reads them")
                    } else {
                        format!("the billing method reads invoices, and meter \"{meter}\" has a curve")
                    },
                    Some(if has_invoices {
                        "method = \"billing\"".into()
                    } else {
                        "method = \"daily\" or \"hourly\", or invoices = { file = \"…\" } on the meter".into()
                    }),
                );
                return None;
            }
        }
        let adjustments: Vec<Option<Adjustment>> = f
            .tables("adjustments")
            .into_iter()
            .enumerate()
            .map(|(i, (t, s))| {
                let a = self.fields(
                    "experiment.evaluation.adjustments",
                    &format!("evaluation.adjustments[{i}]"),
                    t,
                    s,
                );
                self.adjustment(&a, reporting)
            })
            .collect();
        Some(EvaluationSpec {
            method: method?,
            meter,
            baseline: baseline?,
            reporting: reporting?,
            confidence: f.num("confidence")?,
            adjustments: adjustments.into_iter().collect::<Option<_>>()?,
            normal_temperature: None,
        })
    }

    /// One `[[evaluation.adjustments]]`, checked against the reporting period.
    fn adjustment(
        &mut self,
        f: &Fields<'_>,
        reporting: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Option<Adjustment> {
        let period = self.range(f, "start", "end");
        let reason = f.str("reason");
        let days = period.map(|(a, b)| {
            let tz = self.tz;
            let (a, b) = (
                a.with_timezone(&tz).date_naive(),
                b.with_timezone(&tz).date_naive(),
            );
            (b - a).num_days().max(1) as f64
        });
        let per_day = match (f.present("kwh"), f.present("kwh_per_day")) {
            (true, false) => Some(f.num("kwh")? / days?),
            (false, true) => f.num("kwh_per_day"),
            (both, _) => {
                self.err(
                    if both {
                        f.span("kwh_per_day")
                    } else {
                        f.header.clone()
                    },
                    &f.field_path("kwh"),
                    if both {
                        "`kwh` and `kwh_per_day` are alternatives".into()
                    } else {
                        "how much energy does the event add?".into()
                    },
                    Some("either kwh = <total> or kwh_per_day = <per day>".into()),
                );
                None
            }
        };
        if let (Some((a, b)), Some((ra, rb))) = (period, reporting)
            && (a < ra || b > rb)
        {
            let tz = self.tz;
            let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
            self.err(
                f.span(if a < ra { "start" } else { "end" }),
                &f.field_path(if a < ra { "start" } else { "end" }),
                format!(
                    "the adjustment ({} to {}) is not within the reporting period ({} to {})",
                    local(a),
                    local(b),
                    local(ra),
                    local(rb)
                ),
                Some("start and end within reporting_start and reporting_end".into()),
            );
            return None;
        }
        Some(Adjustment {
            reason: reason?,
            period: period?,
            kwh_per_day: per_day?,
        })
    }

    fn kpi(&mut self, f: &Fields<'_>) -> Option<FreeKpi> {
        let direction = f.str("direction").map(|d| match d.as_str() {
            "at-most" => KpiDirection::AtMost,
            _ => KpiDirection::AtLeast,
        });
        let aggregate = f.str("aggregate").map(|d| match d.as_str() {
            "mean" => KpiAggregate::Mean,
            "last" => KpiAggregate::Last,
            _ => KpiAggregate::Sum,
        });
        let monthly = match (f.present("monthly"), f.present("file")) {
            (true, true) => {
                self.err(
                    f.span("file"),
                    &f.field_path("file"),
                    "`monthly` and `file` are alternatives".into(),
                    Some("either `monthly` or `file`, not both".into()),
                );
                None
            }
            (false, false) => {
                self.err(
                    f.header.clone(),
                    &f.path,
                    "neither `monthly` nor `file` is given".into(),
                    Some("either `monthly` or `file`".into()),
                );
                None
            }
            (true, false) => self.monthly_values(f),
            (false, true) => f.path_val("file").and_then(|p| self.kpi_file(f, &p)),
        };
        Some(FreeKpi {
            name: f.str("name")?,
            unit: f.str("unit")?,
            target: f.opt_num("target")?,
            direction: direction?,
            aggregate: aggregate?,
            monthly: monthly?,
            definition: f.opt_str("definition")?,
            illustrative: f.bool("illustrative")?,
            private_meters: if f.present("private_meters") {
                Some(Some(f.u32("private_meters")?))
            } else {
                Some(None)
            }?,
        })
    }

    fn monthly_values(&mut self, f: &Fields<'_>) -> Option<Vec<(YearMonth, f64)>> {
        f.get("monthly")?;
        let mut out = Vec::new();
        let mut ok = true;
        for (i, (t, s)) in f.tables("monthly").into_iter().enumerate() {
            let mf = self.fields(
                "experiment.kpis.monthly",
                &format!("{}[{i}]", f.field_path("monthly")),
                t,
                s,
            );
            let month = mf.str("month").and_then(|m| match parse_month(&m) {
                Some(ym) => Some(ym),
                None => {
                    self.err(
                        mf.span("month"),
                        &mf.field_path("month"),
                        format!("\"{m}\" is not a month"),
                        Some("\"YYYY-MM\", e.g. \"2025-01\"".into()),
                    );
                    None
                }
            });
            match (month, mf.num("value")) {
                (Some(m), Some(v)) => out.push((m, v, mf.span("month"), mf.field_path("month"))),
                _ => ok = false,
            }
        }
        if !ok {
            return None;
        }
        self.sorted_months(out)
    }

    /// Sorts monthly values; reports repeated months.
    fn sorted_months(
        &mut self,
        mut v: Vec<(YearMonth, f64, Range<usize>, String)>,
    ) -> Option<Vec<(YearMonth, f64)>> {
        v.sort_by_key(|x| x.0);
        let mut ok = true;
        for w in v.windows(2) {
            if let [x, y] = w
                && x.0 == y.0
            {
                self.err(
                    y.2.clone(),
                    &y.3,
                    format!("month {}-{:02} is given twice", y.0.0, y.0.1),
                    Some("one value per month".into()),
                );
                ok = false;
            }
        }
        ok.then(|| v.into_iter().map(|(m, x, _, _)| (m, x)).collect())
    }

    /// Reads a `month,value` CSV.
    fn kpi_file(&mut self, f: &Fields<'_>, path: &Path) -> Option<Vec<(YearMonth, f64)>> {
        let span = f.span("file");
        let fpath = f.field_path("file");
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                self.err(span, &fpath, format!("{}: {e}", path.display()), None);
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let parsed = line
                .split_once([',', ';'])
                .and_then(|(m, v)| Some((parse_month(m)?, v.trim().parse::<f64>().ok()?)))
                .filter(|(_, v)| v.is_finite());
            match parsed {
                Some((m, v)) => out.push((m, v, span.clone(), fpath.clone())),
                None => {
                    self.err(
                        span.clone(),
                        &fpath,
                        format!("{}:{}: cannot read {line:?}", path.display(), i + 1),
                        Some("`YYYY-MM,value` rows after a header".into()),
                    );
                    ok = false;
                }
            }
        }
        if ok && out.is_empty() {
            self.err(
                span,
                &fpath,
                format!("{} has no value", path.display()),
                Some("`month,value` header then `YYYY-MM,value` rows".into()),
            );
            return None;
        }
        if !ok {
            return None;
        }
        self.sorted_months(out)
    }
}

/// The month of a UTC instant in `tz`.
pub fn month_of(t: DateTime<Utc>, tz: Tz) -> YearMonth {
    let l = t.with_timezone(&tz);
    (l.year(), l.month())
}

/// The experiment file format as Markdown, generated from [`EXPERIMENT_ATTRIBUTES`].
pub fn experiment_schema_markdown() -> String {
    let mut out = String::new();
    out.push_str("# The experiment file\n\n");
    out.push_str(
        "An experiment of the programme is described in one TOML file, read by `quartier \
         evaluate` and `quartier programme`. Local dates are in the experiment's time zone, \
         ends are exclusive. Relative file paths start at the experiment file's folder. Every \
         problem is reported at once as `FILE:LINE:COL: path.to.field: message (expected …)`.\n\n",
    );
    for (comp, what) in EXPERIMENT_COMPONENTS {
        let short = comp.strip_prefix("experiment.").unwrap_or(comp);
        let heading = match *comp {
            "experiment" => "Top level".to_owned(),
            "experiment.temperature" | "experiment.evaluation" => format!("`[{short}]`"),
            "experiment.kpis.monthly" => format!("`{short}` (inline tables)"),
            _ => format!("`[[{short}]]`"),
        };
        out.push_str(&format!("## {heading}\n\n{what}\n\n"));
        out.push_str(&crate::schema::attribute_table(
            EXPERIMENT_ATTRIBUTES,
            comp,
            &|a| crate::schema::cell(&a.kind.to_string()),
        ));
    }
    out.push_str("## Example\n\n```toml\n");
    out.push_str(EXAMPLE_EXPERIMENT);
    out.push_str("```\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny temporary folder without the tempfile crate (not a dependency of model).
    mod tempfile_free {
        use std::path::{Path, PathBuf};
        use std::sync::atomic::{AtomicUsize, Ordering};

        static N: AtomicUsize = AtomicUsize::new(0);

        pub struct Dir(PathBuf);

        impl Dir {
            pub fn new() -> Dir {
                let p = std::env::temp_dir().join(format!(
                    "quartier-experiment-test-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::SeqCst)
                ));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &Path {
                &self.0
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    const GOOD: &str = r#"commune = "Meudon-la-Forêt"
title = "Rénovation"
theme = "energy"
start = 2021-04-01
end = 2023-04-01

[[meters]]
name = "school"
curve = { file = "m.csv", column = "energy_kwh" }

[temperature]
file = "t.csv"

[evaluation]
method = "hourly"
baseline_start = 2020-04-01
baseline_end = 2021-04-01
reporting_start = 2021-04-01
reporting_end = 2022-04-01

[[kpis]]
name = "km"
unit = "km"
target = 100
monthly = [{ month = "2021-05", value = 40 }, { month = "2021-04", value = 30 }]
"#;

    fn setup() -> tempfile_free::Dir {
        let d = tempfile_free::Dir::new();
        for f in ["m.csv", "t.csv"] {
            std::fs::write(d.path().join(f), "time_utc,x\n").unwrap();
        }
        std::fs::write(
            d.path().join("k.csv"),
            "month,value\n2021-04,3\n2021-05,4.5\n",
        )
        .unwrap();
        d
    }

    #[test]
    fn a_good_file_parses() {
        let d = setup();
        let (e, _) = parse_experiment(GOOD, &d.path().join("e.toml")).unwrap();
        assert_eq!(e.theme, Theme::Energy);
        assert_eq!(e.meters[0].role, MeterRole::Treated);
        let ev = e.evaluation.unwrap();
        assert_eq!(ev.meter, "school");
        assert_eq!(ev.method, Method::Hourly);
        assert_eq!(ev.confidence, 0.9);
        // Local midnight in Paris (CEST) is 22:00 UTC the day before.
        assert_eq!(ev.baseline.0.to_rfc3339(), "2020-03-31T22:00:00+00:00");
        assert_eq!(
            e.kpis[0].monthly,
            vec![((2021, 4), 30.0), ((2021, 5), 40.0)]
        );
        assert_eq!(e.kpis[0].direction, KpiDirection::AtLeast);
        assert_eq!(e.temperature.unwrap().timezone, chrono_tz::Europe::Paris);
    }

    /// Each bad snippet (replacing one line of the good file) → the expected diagnostic.
    #[test]
    fn bad_snippets_give_located_diagnostics() {
        let d = setup();
        let file = d.path().join("e.toml");
        let cases: &[(&str, &str, &str)] = &[
            (
                "theme = \"energy\"",
                "theme = \"energie\"",
                "3:9: theme: unknown value \"energie\"; did you mean \"energy\"?",
            ),
            (
                "theme = \"energy\"",
                "theme = 3",
                "3:9: theme: wrong type: found integer 3",
            ),
            (
                "title = \"Rénovation\"",
                "titl = \"Rénovation\"",
                "2:1: titl: unknown field `titl`; did you mean `title`?",
            ),
            (
                "end = 2023-04-01",
                "end = 2020-04-01",
                "5:7: end: the period is empty",
            ),
            (
                "reporting_start = 2021-04-01",
                "reporting_start = 2021-01-01",
                "18:19: evaluation.reporting_start: the reporting period starts (2021-01-01) before the baseline period ends (2021-04-01)",
            ),
            (
                "method = \"hourly\"",
                "method = \"weekly\"",
                "15:10: evaluation.method: unknown value \"weekly\"",
            ),
            (
                "curve = { file = \"m.csv\", column = \"energy_kwh\" }",
                "curve = { file = \"missing.csv\" }",
                "9:18: meters[0].curve.file: file",
            ),
            (
                "curve = { file = \"m.csv\", column = \"energy_kwh\" }",
                "curve = { file = \"m.csv\", scale = \"x\" }",
                "9:35: meters[0].curve.scale: wrong type: found string \"x\"",
            ),
            (
                "method = \"hourly\"",
                "method = \"billing\"",
                "15:10: evaluation.method: the billing method reads invoices, and meter \"school\" has a curve",
            ),
            (
                "curve = { file = \"m.csv\", column = \"energy_kwh\" }",
                "invoices = { file = \"m.csv\" }",
                "15:10: evaluation.method: meter \"school\" is known by its invoices: only the billing method reads them",
            ),
            (
                "curve = { file = \"m.csv\", column = \"energy_kwh\" }",
                "curve = { file = \"m.csv\" }\ninvoices = { file = \"m.csv\", period_end = \"last\" }",
                "10:12: meters[0].invoices: `curve` and `invoices` are alternatives",
            ),
            (
                "curve = { file = \"m.csv\", column = \"energy_kwh\" }",
                "invoices = { file = \"m.csv\", period_end = \"last\" }",
                "9:43: meters[0].invoices.period_end: unknown value \"last\"",
            ),
            (
                "name = \"school\"",
                "name = \"school\"\nrole = \"control\"",
                "9:8: meters[0].role: unknown value \"control\"",
            ),
            (
                "method = \"hourly\"",
                "method = \"hourly\"\nmeter = \"scool\"",
                "16:9: evaluation.meter: unknown meter \"scool\"; did you mean \"school\"?",
            ),
            (
                "method = \"hourly\"",
                "method = \"hourly\"\nconfidence = 1.5",
                "16:14: evaluation.confidence: 1.5 is out of range (expected 0 < confidence < 1)",
            ),
            (
                "file = \"t.csv\"",
                "file = \"t.csv\"\nunit = \"K\"",
                "13:8: temperature.unit: unknown value \"K\"",
            ),
            (
                "file = \"t.csv\"",
                "file = \"t.csv\"\nformat = \"epw\"\nunit = \"F\"",
                "14:8: temperature.unit: `unit` only applies to a CSV temperature file",
            ),
            (
                "start = 2021-04-01",
                "start = \"April\"",
                "4:9: start: wrong type: found string \"April\"",
            ),
            (
                "{ month = \"2021-04\", value = 30 }",
                "{ month = \"April\", value = 30 }",
                "25:57: kpis[0].monthly[1].month: \"April\" is not a month",
            ),
            (
                "{ month = \"2021-04\", value = 30 }",
                "{ month = \"2021-05\", value = 30 }",
                "kpis[0].monthly[1].month: month 2021-05 is given twice",
            ),
            (
                "target = 100",
                "target = 100\nfile = \"k.csv\"",
                "25:8: kpis[0].file: `monthly` and `file` are alternatives",
            ),
            (
                "commune = \"Meudon-la-Forêt\"",
                "",
                "1:1: commune: missing required field `commune`",
            ),
        ];
        let mut failures = Vec::new();
        for (from, to, expected) in cases {
            let text = GOOD.replacen(from, to, 1);
            let got = parse_experiment(&text, &file);
            let err = got
                .expect_err(&format!("{from} -> {to} should fail"))
                .to_string();
            let want = format!("{}:{expected}", file.display());
            let want_loose = expected.to_string();
            let located = expected.chars().next().is_some_and(|c| c.is_ascii_digit());
            let found = if located {
                err.lines().any(|l| l.starts_with(&want))
            } else {
                err.contains(&want_loose)
            };
            if !found {
                failures.push(format!("{from} -> {to}:\n got: {err}\nwant: {want}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    const LIFE: &str = r#"commune = "Meudon-la-Forêt"
title = "Bornes de recharge mains libres"
theme = "mobility"
lead = "Société de recharge"
summary = "Recharge automatique."
status = "active"
published = 2026-10-01
reports_due_day = 10
start = 2025-04-01
end = 2027-04-01

[[meters]]
name = "bornes"
role = "treated"
holder = "company"
curve = { file = "m.csv" }

[[phases]]
name = "deployment"
planned_start = 2025-04-01
planned_end = 2025-10-01
actual_start = 2025-04-15
actual_end = 2025-11-01

[[phases]]
name = "monitoring"
planned_start = 2025-10-01
planned_end = 2026-10-01
actual_start = 2025-11-01

[[phases]]
name = "evaluation"
planned_start = 2026-10-01
planned_end = 2027-01-01

[[phases]]
name = "promotion"
planned_start = 2027-01-01
planned_end = 2027-04-01

[[milestones]]
name = "Bornes installées"
phase = "deployment"
due = 2025-09-30
done = 2025-10-20

[[kpis]]
name = "sessions"
unit = "sessions"
definition = "Charging sessions started without a card."
illustrative = true
private_meters = 12
monthly = [{ month = "2025-05", value = 40 }]
"#;

    #[test]
    fn phases_milestones_status_and_publication_are_read() {
        let d = setup();
        let (e, _) = parse_experiment(LIFE, &d.path().join("e.toml")).unwrap();
        assert_eq!(e.status, ExperimentStatus::Active);
        assert_eq!(e.lead.as_deref(), Some("Société de recharge"));
        assert_eq!(e.reports_due_day, 10);
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2026-09-30T22:00:00+00:00"
        );
        assert_eq!(e.phases.len(), 4);
        assert_eq!(e.phases[1].kind, PhaseKind::Monitoring);
        assert!(e.phases[1].actual_start.is_some() && e.phases[1].actual_end.is_none());
        assert_eq!(e.milestones[0].phase, PhaseKind::Deployment);
        assert!(e.milestones[0].done.is_some());
        assert_eq!(e.meters[0].holder, MeterHolder::Company);
        let k = &e.kpis[0];
        assert!(k.illustrative);
        assert_eq!(k.private_meters, Some(12));
        assert_eq!(
            k.definition.as_deref(),
            Some("Charging sessions started without a card.")
        );
        assert_eq!(
            e.district_indicators,
            vec![DistrictIndicator::EnergyBalance]
        );
        // Without [[phases]]: the usual plan; without holder: a private person.
        let (g, _) = parse_experiment(GOOD, &d.path().join("e.toml")).unwrap();
        assert_eq!(g.phases.len(), 4);
        assert_eq!(g.phases[0].planned.0, g.start);
        assert_eq!(g.phases[3].planned.1, g.end);
        assert_eq!(g.meters[0].holder, MeterHolder::PrivatePerson);
        assert_eq!(g.status, ExperimentStatus::Active);
        assert_eq!(g.published, None);
    }

    /// Each bad snippet of the lifecycle file → its located diagnostic.
    #[test]
    fn bad_lifecycle_snippets_give_located_diagnostics() {
        let d = setup();
        let file = d.path().join("e.toml");
        let cases: &[(&str, &str, &str)] = &[
            (
                "status = \"active\"",
                "status = \"paused\"",
                "6:10: status: unknown value \"paused\" (expected one of \"active\"",
            ),
            (
                "reports_due_day = 10",
                "reports_due_day = 31",
                "8:19: reports_due_day: 31 is out of range (expected 1 ≤ reports_due_day ≤ 28)",
            ),
            (
                "holder = \"company\"",
                "holder = \"person\"",
                "15:10: meters[0].holder: unknown value \"person\"",
            ),
            (
                "name = \"monitoring\"",
                "name = \"evaluation\"",
                "26:8: phases[1].name: phase 2 should be \"monitoring\", not \"evaluation\"",
            ),
            (
                "planned_end = 2025-10-01\nactual_start = 2025-04-15",
                "planned_end = 2025-03-01\nactual_start = 2025-04-15",
                "21:15: phases[0].planned_end: the period is empty",
            ),
            (
                "actual_start = 2025-04-15\nactual_end = 2025-11-01",
                "actual_end = 2025-11-01",
                "phases[0].actual_end: the phase ended but never started",
            ),
            (
                "planned_start = 2026-10-01",
                "planned_start = 2026-09-01",
                "phases[2].planned_start: evaluation is planned to start (2026-09-01) before monitoring ends (2026-10-01)",
            ),
            (
                "[[phases]]\nname = \"promotion\"\nplanned_start = 2027-01-01\nplanned_end = 2027-04-01\n",
                "",
                "phases: 3 of the four phases given; missing: promotion",
            ),
            (
                "phase = \"deployment\"",
                "phase = \"deploy\"",
                "43:9: milestones[0].phase: unknown value \"deploy\"",
            ),
            (
                "due = 2025-09-30",
                "due = \"soon\"",
                "milestones[0].due: wrong type",
            ),
            (
                "private_meters = 12",
                "private_meters = 0",
                "52:18: kpis[0].private_meters: 0 is out of range",
            ),
            (
                "illustrative = true",
                "illustrative = \"yes\"",
                "kpis[0].illustrative: wrong type",
            ),
            (
                "theme = \"mobility\"",
                "theme = \"mobility\"\ndistrict_indicators = [\"h2\"]",
                "district_indicators",
            ),
            (
                "theme = \"mobility\"",
                "theme = \"mobility\"\ndistrict_indicators = [\"community-shared\"]",
                "district_indicators: community-shared needs the community whose allocation it reports (expected community = \"<community file>.toml\")",
            ),
            (
                "theme = \"mobility\"",
                "theme = \"mobility\"\ncommunity_curves = \"simulated\"",
                "community_curves: simulated community curves need the district they are simulated from",
            ),
            (
                "theme = \"mobility\"",
                "theme = \"mobility\"\ncommunity_curves = \"measured\"",
                "community_curves",
            ),
        ];
        let mut failures = Vec::new();
        for (from, to, expected) in cases {
            assert!(LIFE.contains(from), "{from}");
            let text = LIFE.replacen(from, to, 1);
            match parse_experiment(&text, &file) {
                Ok(_) => failures.push(format!("{to:?}: accepted")),
                Err(e) => {
                    let got = e.to_string();
                    if !got.contains(expected) {
                        failures.push(format!("{to:?}: expected {expected:?}, got\n{got}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    #[test]
    fn kpi_values_from_a_file_and_evaluation_needs_temperature() {
        let d = setup();
        let file = d.path().join("e.toml");
        let text = GOOD.replacen(
            "monthly = [{ month = \"2021-05\", value = 40 }, { month = \"2021-04\", value = 30 }]",
            "file = \"k.csv\"",
            1,
        );
        let (e, _) = parse_experiment(&text, &file).unwrap();
        assert_eq!(e.kpis[0].monthly, vec![((2021, 4), 3.0), ((2021, 5), 4.5)]);
        let text = GOOD.replacen("[temperature]\nfile = \"t.csv\"\n", "", 1);
        let err = parse_experiment(&text, &file).unwrap_err().to_string();
        assert!(
            err.contains("temperature: an evaluation needs the outdoor temperature"),
            "{err}"
        );
    }

    #[test]
    fn schema_documents_every_attribute() {
        let md = experiment_schema_markdown();
        for a in EXPERIMENT_ATTRIBUTES {
            assert!(md.contains(&format!("| `{}` |", a.name)), "{}", a.name);
            assert!(!a.description.is_empty());
        }
        assert!(
            EXPERIMENT_ATTRIBUTES
                .iter()
                .all(|a| EXPERIMENT_COMPONENTS.iter().any(|(c, _)| *c == a.component))
        );
    }

    #[test]
    fn garbage_never_panics() {
        let d = setup();
        let file = d.path().join("e.toml");
        for text in [
            "",
            "[[[",
            "kpis = 3",
            "meters = [1, 2]",
            "evaluation = {}",
            "start = 2025-13-01",
        ] {
            let _ = parse_experiment(text, &file);
        }
    }
}
