//! The district model: the component attribute table (declared once, as data), the district
//! file (TOML) parsed into a validated [`District`] with diagnostics that carry file, line and
//! column, schema rendering, and loading of referenced data onto the district's axis.
//!
//! The flow is: [`read_district`] (or [`parse_district`]) → `(District, SourceMap)` or every
//! problem at once as [`Diagnostics`]; then [`load`] → [`DistrictData`] on the district axis.
//! [`ATTRIBUTES`] drives both the parser's checks and [`schema_markdown`].
//!
//! **Architecture invariant:** this crate knows nothing of solvers, SQL or HTTP, and never
//! panics on input: every problem becomes a [`Diagnostic`] pointing at the field at fault.
#![deny(missing_docs)]

mod attributes;
pub use attributes::{
    ATTRIBUTES, Attribute, Bound, COMPONENTS, DefaultValue, Kind, attribute, attributes_of,
    float_default, suggest,
};
mod diagnostic;
pub use diagnostic::{Diagnostic, Diagnostics, LineIndex, Position, SourceMap};
mod district;
pub use district::*;
mod sizing;
pub use sizing::{
    CapacityKind, CapacityPlan, CapitalCost, CostOrigin, SizingOptions, capital_recovery_factor,
};
mod data;
pub use data::{DistrictData, EvSession, plugged_kw};
mod parse;
pub use parse::{
    DistrictOptions, MAX_AXIS_DAYS, MAX_FILE_BYTES, parse_district, parse_district_in,
    read_district,
};
mod schema;
mod walk;
pub use schema::{EXAMPLE_DISTRICT, schema_markdown};
pub use walk::{
    TomlFileKind, describe, one_of, read_toml_text, syntax_message, to_f64, to_i64, whole_file,
};
mod load;
pub use load::{LoadReport, SessionsReport, load, load_with_report};
mod community;
pub mod community_edit;
pub use community::{
    COMMUNITY_ATTRIBUTES, COMMUNITY_COMPONENTS, CommunityEdit, CommunityOptions, CurveProgress,
    Invoicing, LoadedCommunity, StoredCurves, check_community, community_schema_markdown,
    default_tariffs, parse_community, parse_community_in, parse_tariffs, read_community,
    read_community_progress, read_community_with,
};
mod sweep;
pub use sweep::{
    BaseKind, FORMATS, KEYS, MAX_SCENARIOS, RUNS, SWEEP_ATTRIBUTES, Scenario, ScenarioCheck,
    ScenarioError, Setting, Sweep, TableFormat, parse_sweep, parse_sweep_with, read_sweep,
    read_sweep_with, sweep_schema_markdown,
};
mod experiment;
mod lifecycle;
mod reports;
pub use experiment::{
    AGGREGATES, Adjustment, COMMUNITY_CURVES, CommunityCurves, DIRECTIONS, DISTRICT_INDICATORS,
    DistrictIndicator, EXAMPLE_EXPERIMENT, EXPERIMENT_ATTRIBUTES, EXPERIMENT_COMPONENTS,
    EvaluationSpec, Experiment, ExperimentMeter, ExperimentOptions, FreeKpi, InvoiceFile,
    KpiAggregate, KpiDirection, METER_ROLES, METHODS, MeterData, MeterRole, Method, PERIOD_ENDS,
    TEMPERATURE_FORMATS, TEMPERATURE_UNITS, THEMES, TemperatureFormat, TemperatureSource, Theme,
    YearMonth, experiment_schema_markdown, month_of, parse_experiment, parse_experiment_in,
    parse_month, read_experiment,
};
pub use lifecycle::{
    DEFAULT_PHASE_MONTHS, ExperimentStatus, HOLDERS, MeterHolder, Milestone, PHASES, Phase,
    PhaseKind, STATUSES, default_phases,
};
pub use reports::{MAX_REPORT_BYTES, MonthProblem, ReportRow, read_report, report_month};
