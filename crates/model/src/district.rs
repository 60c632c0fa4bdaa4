//! The validated district: typed components with units in their field names.
//!
//! A [`District`] is what a district file becomes once parsed and validated; referenced
//! data files are still paths here (resolved to absolute paths). Loading them onto the
//! district's axis is [`crate::load`]'s job. Power in kW, energy in kWh, hydrogen in kg,
//! money in EUR, angles in degrees (azimuth clockwise from north, 180 = south).

use std::path::PathBuf;

use chrono_tz::Tz;
use quartier_solar::PvSpec;
use quartier_timeseries::Axis;

/// A whole district.
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    /// Where it is.
    pub site: Site,
    /// The simulation axis (UTC, fixed step of 15, 30 or 60 minutes).
    pub axis: Axis,
    /// The weather file.
    pub weather: WeatherSource,
    /// Participants (consumers, producers), identified by PRM or another id.
    pub participants: Vec<Participant>,
    /// Electrical loads.
    pub loads: Vec<Load>,
    /// PV systems.
    pub pv_systems: Vec<PvSystem>,
    /// Stationary batteries.
    pub batteries: Vec<Battery>,
    /// Electrolysers (electricity → hydrogen).
    pub electrolysers: Vec<Electrolyser>,
    /// Hydrogen tanks (pooled into one store by the rule controller).
    pub hydrogen_tanks: Vec<HydrogenTank>,
    /// Fuel cells (hydrogen → electricity).
    pub fuel_cells: Vec<FuelCell>,
    /// Hydrogen demands (vehicle refuelling).
    pub hydrogen_demands: Vec<HydrogenDemand>,
    /// EV charging sites with their sessions.
    pub ev_chargers: Vec<EvCharging>,
    /// Light-vehicle fleets (cargo bikes, small utility EVs).
    pub fleets: Vec<Fleet>,
    /// The grid connection and its tariff.
    pub grid: Grid,
    /// Carbon intensity of grid electricity.
    pub carbon: CarbonSource,
    /// What `quartier size` may change, within which bounds, at which costs.
    pub sizing: crate::SizingOptions,
}

/// Site of the district.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Display name.
    pub name: String,
    /// Latitude, degrees north.
    pub latitude_deg: f64,
    /// Longitude, degrees east.
    pub longitude_deg: f64,
    /// Altitude, metres.
    pub altitude_m: f64,
    /// Local time zone (default Europe/Paris): used for local dates, profiles, ToU periods.
    pub timezone: Tz,
}

/// Format of a weather file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeatherFormat {
    /// PVGIS typical meteorological year, CSV.
    PvgisTmyCsv,
    /// PVGIS TMY, JSON.
    PvgisTmyJson,
    /// PVGIS hourly series (seriescalc), CSV.
    PvgisHourlyCsv,
    /// PVGIS hourly series, JSON.
    PvgisHourlyJson,
    /// EnergyPlus EPW.
    Epw,
    /// A generic CSV of irradiance, temperature and wind at any step (an on-site station's 10
    /// or 15 minutes).
    Csv,
}

/// A weather file.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherSource {
    /// Absolute path.
    pub path: PathBuf,
    /// Its format.
    pub format: WeatherFormat,
    /// True for a typical year (TMY, EPW): the data is mapped onto the axis by month, day
    /// and hour whatever its own year.
    pub typical_year: bool,
    /// How the file is placed on a finer axis.
    pub subhourly: SubHourly,
    /// How a CSV file's missing steps are treated (`Error` or `Interpolate`).
    pub missing: MissingPolicy,
}

/// How a weather file coarser than the axis is placed on it (`subhourly` in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubHourly {
    /// Irradiance interpolated through the clear-sky index with each sub-step's sun
    /// (`quartier_solar::refine_weather`); temperature and wind interpolated linearly.
    #[default]
    ClearSkyIndex,
    /// Each value held over its sub-steps.
    Hold,
}

/// Role of a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Consumes only.
    Consumer,
    /// Produces only.
    Producer,
    /// Both.
    Prosumer,
}

/// A participant: a meter point with an owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    /// Identifier: a 14-digit PRM for Enedis meters, or any unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// Standard load profile, embedded (see `quartier-profiles`).
pub use quartier_profiles::StandardProfile;

/// A time series in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Format of the file.
    pub format: SeriesFormat,
    /// Column holding the values (generic CSV); `None` = the second column.
    pub column: Option<String>,
    /// Time zone for naive local timestamps (generic CSV); default the site's.
    pub timezone: Option<Tz>,
    /// Multiplier applied to the values after reading (unit conversion, scaling).
    pub scale: f64,
    /// How missing steps (gaps in the timestamps, empty values) are treated.
    pub missing: MissingPolicy,
    /// Negative energy values are accepted (a net meter, a producer's standby draw).
    pub allow_negative: bool,
}

/// How missing steps of a file (gaps in its timestamps, empty values) are treated: the
/// `missing` and `max_gap_steps` settings of its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingPolicy {
    /// Each missing step is an error naming its place (a district file's default: a
    /// simulation needs every step).
    Error,
    /// Missing steps are left out and counted (an experiment file's default: CalTRACK
    /// excludes gaps from the fit and the savings and reports them).
    Exclude,
    /// Runs of at most `max_steps` missing steps are interpolated linearly between their
    /// neighbours; longer runs are excluded (experiment) or errors (district).
    Interpolate {
        /// Longest run interpolated, steps of the file.
        max_steps: u32,
    },
}

/// Format of a series file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesFormat {
    /// Generic CSV: timestamp column then value columns.
    Csv,
    /// Enedis "Courbe de charge" export (average W per step, labelled by its end).
    Enedis,
}

/// Where a load's consumption comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadSource {
    /// A standard profile scaled to an annual energy.
    Profile {
        /// Which profile.
        profile: StandardProfile,
        /// Annual consumption, kWh/yr.
        annual_kwh: f64,
    },
    /// A metered curve (energy per interval in kWh after scaling).
    Curve(SeriesFile),
}

/// An electrical load.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// Unique name.
    pub name: String,
    /// Participant it belongs to, if any.
    pub participant: Option<String>,
    /// Its consumption.
    pub source: LoadSource,
}

/// A PV system.
#[derive(Debug, Clone, PartialEq)]
pub struct PvSystem {
    /// Unique name.
    pub name: String,
    /// Participant (producer) it belongs to, if any.
    pub participant: Option<String>,
    /// Electrical and geometric parameters.
    pub spec: PvSpec,
    /// Where its production comes from.
    pub source: PvSource,
}

/// Where a PV system's production comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PvSource {
    /// The physics chain (sun position, transposition, cell temperature, PVWatts) on the
    /// district's weather.
    Modelled,
    /// A measured AC production curve (kWh per interval, or an Enedis export).
    Measured(SeriesFile),
    /// A per-unit profile (mean AC power per kWp) times the system's kWp.
    Profile(SeriesFile),
}

/// A stationary battery.
#[derive(Debug, Clone, PartialEq)]
pub struct Battery {
    /// Unique name.
    pub name: String,
    /// Participant, if any.
    pub participant: Option<String>,
    /// Usable energy capacity, kWh.
    pub energy_kwh: f64,
    /// Maximum charge power, kW (AC side).
    pub charge_kw: f64,
    /// Maximum discharge power, kW (AC side).
    pub discharge_kw: f64,
    /// Charge efficiency (0–1].
    pub charge_efficiency: f64,
    /// Discharge efficiency (0–1].
    pub discharge_efficiency: f64,
    /// Minimum state of charge, fraction of capacity.
    pub soc_min: f64,
    /// Initial state of charge, fraction of capacity.
    pub soc_initial: f64,
    /// Standing loss, fraction of stored energy per hour.
    pub standing_loss_per_h: f64,
    /// The optimiser ends at the state of charge it starts from, the start free
    /// (`soc_initial` is then only the rule controller's start).
    pub cyclic: bool,
}

/// An electrolyser.
#[derive(Debug, Clone, PartialEq)]
pub struct Electrolyser {
    /// Unique name.
    pub name: String,
    /// Maximum electrical input, kW.
    pub max_kw: f64,
    /// Minimum electrical input when running, kW (the rule controller stays off below it).
    pub min_kw: f64,
    /// Specific consumption, kWh of electricity per kg of hydrogen.
    pub kwh_per_kg: f64,
}

/// A hydrogen tank.
#[derive(Debug, Clone, PartialEq)]
pub struct HydrogenTank {
    /// Unique name.
    pub name: String,
    /// Capacity, kg.
    pub capacity_kg: f64,
    /// Minimum level, kg.
    pub min_kg: f64,
    /// Initial level, kg.
    pub initial_kg: f64,
    /// The optimiser ends the pooled level where it starts, the start free (every tank of
    /// a district is cyclic or none is; `initial_kg` is then only the rule controller's).
    pub cyclic: bool,
}

/// A fuel cell.
#[derive(Debug, Clone, PartialEq)]
pub struct FuelCell {
    /// Unique name.
    pub name: String,
    /// Maximum electrical output, kW.
    pub max_kw: f64,
    /// Minimum electrical output when running, kW (the rule controller stays off rather
    /// than run below it; the optimiser respects it only with on/off part-load).
    pub min_kw: f64,
    /// Electricity produced per kg of hydrogen, kWh/kg.
    pub kwh_per_kg: f64,
}

/// Where a hydrogen demand comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum HydrogenDemandSource {
    /// kg per interval from a series file.
    Series(SeriesFile),
    /// A daily profile: the same kg at each listed local hour (refuelling slots).
    Daily {
        /// Hydrogen per day, kg.
        kg_per_day: f64,
        /// Local hours (0–23) at which refuelling happens, shared equally.
        hours: Vec<u32>,
    },
}

/// A hydrogen demand (refuelling of vehicles).
#[derive(Debug, Clone, PartialEq)]
pub struct HydrogenDemand {
    /// Unique name.
    pub name: String,
    /// Its source.
    pub source: HydrogenDemandSource,
}

/// A set of EV chargers and the sessions they serve.
#[derive(Debug, Clone, PartialEq)]
pub struct EvCharging {
    /// Unique name.
    pub name: String,
    /// Participant, if any.
    pub participant: Option<String>,
    /// Number of charge points.
    pub chargers: u32,
    /// Power of each charge point, kW.
    pub charger_kw: f64,
    /// Sessions file (plug-in, plug-out, energy, optional charger power).
    pub sessions: PathBuf,
    /// Time zone of naive timestamps in the sessions file.
    pub timezone: Tz,
    /// Shift applied to session times in whole days (to replay past sessions on the axis year).
    pub shift_days: i64,
    /// Power the site delivers at once, kW, shared by the plugged sessions (`None`: each
    /// session at its charge point's power, no site limit).
    pub site_limit_kw: Option<f64>,
}

/// A light-vehicle fleet (cargo bikes, small EVs) as an aggregated daily flexible load.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    /// Unique name.
    pub name: String,
    /// Participant, if any.
    pub participant: Option<String>,
    /// Number of vehicles.
    pub vehicles: u32,
    /// Distance per vehicle per working day, km.
    pub km_per_day: f64,
    /// Consumption, kWh per km (at the plug).
    pub kwh_per_km: f64,
    /// Charger power per vehicle, kW.
    pub charger_kw: f64,
    /// Local hour (0–23) at which the vehicles come back and plug in.
    pub plug_in_hour: u32,
    /// Local hour (0–23) at which they leave (next day if ≤ plug_in_hour).
    pub plug_out_hour: u32,
    /// Days of use: true for Monday … Sunday.
    pub weekdays: [bool; 7],
}

/// Energy price of grid imports.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportPrice {
    /// One price, EUR/kWh.
    Flat(f64),
    /// Time-of-use periods (local time); the first matching period applies, else `base`.
    TimeOfUse {
        /// Price outside every period, EUR/kWh.
        base_eur_per_kwh: f64,
        /// Periods.
        periods: Vec<TouPeriod>,
    },
    /// A price series in EUR/kWh.
    Series(SeriesFile),
}

/// A time-of-use period.
#[derive(Debug, Clone, PartialEq)]
pub struct TouPeriod {
    /// Name (e.g. "HC" for heures creuses).
    pub name: String,
    /// Local start hour (inclusive, 0–23).
    pub start_hour: u32,
    /// Local end hour (exclusive, 1–24); may wrap past midnight when ≤ start.
    pub end_hour: u32,
    /// Price, EUR/kWh.
    pub eur_per_kwh: f64,
}

/// The grid connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Import limit, kW.
    pub import_limit_kw: f64,
    /// Export limit, kW (PV is curtailed above it).
    pub export_limit_kw: f64,
    /// Import price.
    pub import_price: ImportPrice,
    /// Export (feed-in) price, EUR/kWh.
    pub export_price_eur_per_kwh: f64,
}

/// Carbon intensity of imported electricity.
#[derive(Debug, Clone, PartialEq)]
pub enum CarbonSource {
    /// A constant, gCO2e/kWh.
    Constant(f64),
    /// A series file in gCO2e/kWh.
    Series(SeriesFile),
}
