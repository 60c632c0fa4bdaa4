//! The attribute table: every section and component of a district file and each of its
//! attributes (type, unit, default, bounds, description), declared once as data.
//!
//! Like PyPSA's component attribute tables, this one table drives the parser (unknown
//! fields, types, ranges, defaults) and the documentation ([`crate::schema_markdown`]).
//! A component is named by its place in the file: `pv` for `[[pv]]`, `grid.import_price`
//! for `[grid.import_price]`, `series` for the inline series tables that several
//! components share, and `district` for the top level.

use std::fmt;

/// The type of an attribute's value in the district file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A number (integers are accepted).
    Float,
    /// A whole number.
    Integer,
    /// A whole number among the listed ones.
    IntegerOf(&'static [i64]),
    /// Free text.
    String,
    /// `true` or `false`.
    Bool,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    /// A file path, relative to the district file's folder or absolute.
    Path,
    /// An IANA time zone name (`Europe/Paris`).
    Timezone,
    /// A local date (`2025-01-01`), local date-time, or date-time with offset.
    DateTime,
    /// A list of whole numbers (each within the bounds).
    IntegerList,
    /// A list of strings among the listed ones.
    EnumList(&'static [&'static str]),
    /// A table whose attributes are those of the named component.
    Table(&'static str),
    /// An array of tables (`[[name]]`) whose attributes are those of the named component.
    Tables(&'static str),
    /// Either a number, or a table whose attributes are those of the named component.
    FloatOrTable(&'static str),
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Float => f.write_str("float"),
            Kind::Integer => f.write_str("integer"),
            Kind::IntegerOf(v) => {
                let v: Vec<String> = v.iter().map(ToString::to_string).collect();
                write!(f, "integer: {}", v.join(" | "))
            }
            Kind::String => f.write_str("string"),
            Kind::Bool => f.write_str("bool"),
            Kind::Enum(v) => {
                let v: Vec<String> = v.iter().map(|s| format!("\"{s}\"")).collect();
                write!(f, "{}", v.join(" | "))
            }
            Kind::Path => f.write_str("path"),
            Kind::Timezone => f.write_str("time zone"),
            Kind::DateTime => f.write_str("date or datetime"),
            Kind::IntegerList => f.write_str("list of integers"),
            Kind::EnumList([]) => f.write_str("list of strings"),
            Kind::EnumList(v) => {
                let v: Vec<String> = v.iter().map(|s| format!("\"{s}\"")).collect();
                write!(f, "list of {}", v.join(" | "))
            }
            Kind::Table(c) => write!(f, "table ({c})"),
            Kind::Tables(c) => write!(f, "array of tables ({c})"),
            Kind::FloatOrTable(c) => write!(f, "float or table ({c})"),
        }
    }
}

/// The default of an attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// Must be given.
    Required,
    /// May be omitted; nothing is assumed.
    Optional,
    /// This number.
    Float(f64),
    /// This whole number.
    Integer(i64),
    /// This string.
    Str(&'static str),
    /// This boolean.
    Bool(bool),
    /// This list of whole numbers.
    IntegerList(&'static [i64]),
    /// This list of strings.
    StrList(&'static [&'static str]),
    /// Derived from other attributes or conditional, as described.
    Rule(&'static str),
}

impl fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefaultValue::Required => f.write_str("required"),
            DefaultValue::Optional => f.write_str("—"),
            DefaultValue::Float(x) => write!(f, "{x}"),
            DefaultValue::Integer(x) => write!(f, "{x}"),
            DefaultValue::Str(s) => write!(f, "\"{s}\""),
            DefaultValue::Bool(b) => write!(f, "{b}"),
            DefaultValue::IntegerList(v) => {
                let v: Vec<String> = v.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", v.join(", "))
            }
            DefaultValue::StrList(v) => {
                let v: Vec<String> = v.iter().map(|s| format!("\"{s}\"")).collect();
                write!(f, "[{}]", v.join(", "))
            }
            DefaultValue::Rule(r) => f.write_str(r),
        }
    }
}

/// One side of a numeric range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// No limit.
    None,
    /// The value may equal the limit.
    Inclusive(f64),
    /// The value must differ from the limit.
    Exclusive(f64),
}

/// One attribute of one component.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attribute {
    /// Component (section) name: `site`, `pv`, `grid.import_price`, `series`, …
    pub component: &'static str,
    /// Attribute name as written in the file.
    pub name: &'static str,
    /// Type of its value.
    pub kind: Kind,
    /// Unit (`kW`, `kWh`, `deg`, `1` for dimensionless, empty when it has none).
    pub unit: &'static str,
    /// Default, or whether it is required.
    pub default: DefaultValue,
    /// Lower bound (numbers and integer lists).
    pub min: Bound,
    /// Upper bound.
    pub max: Bound,
    /// What it means, with the source of its default where relevant.
    pub description: &'static str,
}

impl Attribute {
    /// True when `x` lies within the bounds.
    pub fn in_bounds(&self, x: f64) -> bool {
        let lo = match self.min {
            Bound::None => true,
            Bound::Inclusive(m) => x >= m,
            Bound::Exclusive(m) => x > m,
        };
        let hi = match self.max {
            Bound::None => true,
            Bound::Inclusive(m) => x <= m,
            Bound::Exclusive(m) => x < m,
        };
        lo && hi && x.is_finite()
    }

    /// The bounds as text (`0 ≤ tilt_deg ≤ 90`), empty when unbounded.
    pub fn bounds_text(&self) -> String {
        let lo = match self.min {
            Bound::None => String::new(),
            Bound::Inclusive(m) => format!("{m} ≤ "),
            Bound::Exclusive(m) => format!("{m} < "),
        };
        let hi = match self.max {
            Bound::None => String::new(),
            Bound::Inclusive(m) => format!(" ≤ {m}"),
            Bound::Exclusive(m) => format!(" < {m}"),
        };
        if lo.is_empty() && hi.is_empty() {
            String::new()
        } else {
            format!("{lo}{}{hi}", self.name)
        }
    }
}

/// The components in file order, with a one-line description, for documentation.
pub static COMPONENTS: &[(&str, &str)] = &[
    (
        "district",
        "The top level of a district file: its sections.",
    ),
    ("site", "Where the district is."),
    (
        "time",
        "The simulation axis: local dates or date-times in the site's time zone, end exclusive.",
    ),
    ("weather", "The weather file used for PV production."),
    (
        "participants",
        "Participants of the collective self-consumption operation (meter points).",
    ),
    (
        "loads",
        "Electrical loads: a standard profile scaled to an annual energy, or a metered curve.",
    ),
    ("pv", "PV systems (PVWatts-style model)."),
    ("batteries", "Stationary batteries."),
    (
        "electrolysers",
        "Electrolysers (electricity → hydrogen); need a hydrogen tank.",
    ),
    (
        "hydrogen_tanks",
        "Hydrogen tanks, pooled into one store by the rule controller.",
    ),
    (
        "fuel_cells",
        "Fuel cells (hydrogen → electricity); need a hydrogen tank.",
    ),
    (
        "hydrogen_demands",
        "Hydrogen demands (vehicle refuelling): a daily amount at fixed local hours, or a series.",
    ),
    (
        "ev_charging",
        "EV charging sites replaying a sessions file.",
    ),
    (
        "fleets",
        "Light-vehicle fleets (cargo bikes, small utility EVs), one aggregated session per day of use.",
    ),
    ("grid", "The grid connection and its tariff."),
    (
        "grid.import_price",
        "A time-of-use import price (`[grid.import_price]` with periods) or a price series.",
    ),
    (
        "grid.import_price.periods",
        "Time-of-use periods in local time; the first matching period applies.",
    ),
    (
        "carbon",
        "Carbon intensity of grid imports: a constant or a series.",
    ),
    (
        "sizing",
        "Options of `quartier size`: the discount rate and the default bound of storage and conversion capacities.",
    ),
    (
        "pv.sizing",
        "A PV system's sizing: bounds in kWp and costs (written `[pv.sizing]` after its `[[pv]]`).",
    ),
    (
        "batteries.sizing",
        "A battery's sizing: energy and power bounds, an optional fixed duration, and costs.",
    ),
    (
        "electrolysers.sizing",
        "An electrolyser's sizing: bounds in kW and costs.",
    ),
    (
        "hydrogen_tanks.sizing",
        "A hydrogen tank's sizing: bounds in kg and costs.",
    ),
    (
        "fuel_cells.sizing",
        "A fuel cell's sizing: bounds in kW and costs.",
    ),
    (
        "ev_charging.sizing",
        "An EV charging site's sizing: bounds of the power its charge points deliver at once (kW) and its costs.",
    ),
    (
        "grid.sizing",
        "The grid connection's sizing: bounds of the import limit in kW and its costs (the yearly cost per kW subscribed is required).",
    ),
    (
        "series",
        "A time series in a file, written inline: `curve = { file = \"…\", … }` for loads, `series = { … }` elsewhere.",
    ),
];

/// No bound (shorthand of the attribute tables, shared by the community and experiment ones).
pub(crate) const N: Bound = Bound::None;
/// An inclusive bound.
pub(crate) const fn inc(x: f64) -> Bound {
    Bound::Inclusive(x)
}
/// An exclusive bound.
pub(crate) const fn exc(x: f64) -> Bound {
    Bound::Exclusive(x)
}

/// One row of an attribute table.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn a(
    component: &'static str,
    name: &'static str,
    kind: Kind,
    unit: &'static str,
    default: DefaultValue,
    min: Bound,
    max: Bound,
    description: &'static str,
) -> Attribute {
    Attribute {
        component,
        name,
        kind,
        unit,
        default,
        min,
        max,
        description,
    }
}

use DefaultValue::{Optional, Required, Rule};

/// Weather file formats.
pub const WEATHER_FORMATS: &[&str] = &[
    "pvgis-tmy-csv",
    "pvgis-tmy-json",
    "pvgis-hourly-csv",
    "pvgis-hourly-json",
    "epw",
    "csv",
];
/// How a weather file coarser than the axis is placed on it.
pub const SUBHOURLY_METHODS: &[&str] = &["clear-sky-index", "hold"];
/// Participant roles.
pub const ROLES: &[&str] = &["consumer", "producer", "prosumer"];
/// Standard load profiles.
pub const PROFILES: &[&str] = &["H25", "G25"];
/// Series file formats.
pub const SERIES_FORMATS: &[&str] = &["csv", "enedis"];
/// Transposition models.
pub const TRANSPOSITIONS: &[&str] = &["perez", "hay-davies"];
/// Cell temperature models.
pub const TEMPERATURE_MODELS: &[&str] = &["faiman", "sapm"];
/// Day names, Monday first.
pub const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Every attribute of every component.
#[rustfmt::skip]
pub static ATTRIBUTES: &[Attribute] = &[
    // ---- district (top level)
    a("district", "site", Kind::Table("site"), "", Required, N, N, "Where the district is."),
    a("district", "time", Kind::Table("time"), "", Required, N, N, "The simulation axis."),
    a("district", "weather", Kind::Table("weather"), "", Required, N, N, "The weather file."),
    a("district", "participants", Kind::Tables("participants"), "", Rule("none"), N, N, "Participants (meter points)."),
    a("district", "loads", Kind::Tables("loads"), "", Rule("none"), N, N, "Electrical loads."),
    a("district", "pv", Kind::Tables("pv"), "", Rule("none"), N, N, "PV systems."),
    a("district", "batteries", Kind::Tables("batteries"), "", Rule("none"), N, N, "Stationary batteries."),
    a("district", "electrolysers", Kind::Tables("electrolysers"), "", Rule("none"), N, N, "Electrolysers."),
    a("district", "hydrogen_tanks", Kind::Tables("hydrogen_tanks"), "", Rule("none"), N, N, "Hydrogen tanks."),
    a("district", "fuel_cells", Kind::Tables("fuel_cells"), "", Rule("none"), N, N, "Fuel cells."),
    a("district", "hydrogen_demands", Kind::Tables("hydrogen_demands"), "", Rule("none"), N, N, "Hydrogen demands."),
    a("district", "ev_charging", Kind::Tables("ev_charging"), "", Rule("none"), N, N, "EV charging sites."),
    a("district", "fleets", Kind::Tables("fleets"), "", Rule("none"), N, N, "Light-vehicle fleets."),
    a("district", "grid", Kind::Table("grid"), "", Required, N, N, "The grid connection and tariff."),
    a("district", "carbon", Kind::Table("carbon"), "", Rule("constant_g_per_kwh = 50"), N, N, "Carbon intensity of grid imports."),
    a("district", "sizing", Kind::Table("sizing"), "", Rule("discount rate 5 %, max_factor 4"), N, N, "Options of `quartier size`; each component's own bounds and costs are in its `sizing` table."),
    // ---- site
    a("site", "name", Kind::String, "", Required, N, N, "Display name."),
    a("site", "latitude_deg", Kind::Float, "deg", Required, inc(-90.0), inc(90.0), "Latitude, degrees north."),
    a("site", "longitude_deg", Kind::Float, "deg", Required, inc(-180.0), inc(180.0), "Longitude, degrees east."),
    a("site", "altitude_m", Kind::Float, "m", DefaultValue::Float(0.0), inc(-500.0), inc(9000.0), "Altitude above sea level."),
    a("site", "timezone", Kind::Timezone, "", DefaultValue::Str("Europe/Paris"), N, N, "IANA time zone of local dates, standard profiles and time-of-use periods."),
    // ---- time
    a("time", "start", Kind::DateTime, "", Required, N, N, "First local date (from its midnight) or local date-time, inclusive."),
    a("time", "end", Kind::DateTime, "", Required, N, N, "Local date (its midnight) or date-time, exclusive: `2026-01-01` ends a 2025 simulation."),
    a("time", "step_minutes", Kind::IntegerOf(&[15, 30, 60]), "min", DefaultValue::Integer(30), N, N, "Step of the axis; 30 min is the step of Enedis load curves and of collective self-consumption allocation."),
    // ---- weather
    a("weather", "file", Kind::Path, "", Required, N, N, "Weather file (relative to the district file)."),
    a("weather", "format", Kind::Enum(WEATHER_FORMATS), "", Required, N, N, "Format of the file: PVGIS (TMY or hourly series, CSV or JSON), EnergyPlus EPW, or `csv`: a timestamp then ghi_w_m2, dni_w_m2, dhi_w_m2 (W/m²), temp_air_c and wind_speed_m_s (pvlib's ghi, dni, dhi, temp_air, wind_speed also read) at any step that divides a day, each value the mean over the interval its timestamp starts; naive timestamps are in the site's time zone."),
    a("weather", "subhourly", Kind::Enum(SUBHOURLY_METHODS), "", DefaultValue::Str("clear-sky-index"), N, N, "How a file coarser than the axis (hourly weather on a 15-minute district) is placed on it: `clear-sky-index` interpolates the irradiance through the clear-sky index with the sun position of each sub-step, keeping the file's interval means (README, \"Sub-hourly weather\"); `hold` holds each value over its sub-steps, as before."),
    a("weather", "missing", Kind::Enum(MISSING_POLICIES), "", DefaultValue::Str("error"), N, N, "Missing steps of a `csv` weather file: `error` (each one an error naming its line) or `interpolate` with `max_gap_steps` (runs of at most that many steps interpolated linearly, every column; longer runs stay errors). `exclude` is refused: a simulation needs every step. PVGIS and EPW files are complete by construction."),
    a("weather", "max_gap_steps", Kind::Integer, "steps", Rule("required with missing = \"interpolate\""), inc(1.0), inc(100_000.0), MAX_GAP_DOC),
    a("weather", "typical_year", Kind::Bool, "", Rule("true for TMY and EPW, false otherwise"), N, N, "Map the file onto the axis by month, day and hour whatever its year."),
    // ---- participants
    a("participants", "id", Kind::String, "", Required, N, N, "Unique id: a 14-digit Enedis PRM, or any text that is not all digits."),
    a("participants", "name", Kind::String, "", Rule("= id"), N, N, "Display name."),
    a("participants", "role", Kind::Enum(ROLES), "", DefaultValue::Str("consumer"), N, N, "What the participant does in the operation."),
    // ---- loads
    a("loads", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("loads", "participant", Kind::String, "", Optional, N, N, "Id of the participant it belongs to."),
    a("loads", "profile", Kind::Enum(PROFILES), "", Rule("one of profile or curve"), N, N, "BDEW 2025 standard profile: H25 households, G25 commerce."),
    a("loads", "annual_kwh", Kind::Float, "kWh", Rule("required with profile"), exc(0.0), N, "Annual consumption the profile is scaled to (a French household: 4,000–5,000 kWh/yr)."),
    a("loads", "curve", Kind::Table("series"), "", Rule("one of profile or curve"), N, N, "Metered curve; CSV values are kWh per interval of the file (after scale), Enedis exports are average W."),
    // ---- pv
    a("pv", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("pv", "participant", Kind::String, "", Optional, N, N, "Id of the participant it belongs to."),
    a("pv", "kwp", Kind::Float, "kWp", Required, exc(0.0), N, "DC peak power at STC."),
    a("pv", "tilt_deg", Kind::Float, "deg", Rule("required unless production or profile"), inc(0.0), inc(90.0), "Tilt from horizontal."),
    a("pv", "production", Kind::Table("series"), "", Rule("none: computed from the weather"), N, N, "Measured AC production instead of the physics chain: kWh per interval of the file (after scale), or the grid operator's export of the producer's injection (format = \"enedis\", average W); it must cover the district's horizon. `kwp` stays the system's size (sizing scales the curve by it); curtailment still applies."),
    a("pv", "profile", Kind::Table("series"), "", Rule("none: computed from the weather"), N, N, "A per-unit production profile instead of the physics chain: mean AC power per kWp over each interval of the file (a capacity factor, 0–1 after scale, as SimBench's or renewables.ninja's), times `kwp`."),
    a("pv", "azimuth_deg", Kind::Float, "deg", DefaultValue::Float(180.0), inc(0.0), exc(360.0), "Azimuth clockwise from north (180 = south)."),
    a("pv", "losses_pct", Kind::Float, "%", DefaultValue::Float(14.0), inc(0.0), exc(100.0), "System losses (soiling, wiring, mismatch…); 14 % is the PVWatts default."),
    a("pv", "dc_ac_ratio", Kind::Float, "1", DefaultValue::Float(1.2), exc(0.0), inc(3.0), "DC/AC ratio: inverter AC rating = kwp / dc_ac_ratio (PVWatts default 1.2)."),
    a("pv", "inverter_efficiency", Kind::Float, "1", DefaultValue::Float(0.96), exc(0.0), inc(1.0), "Nominal inverter efficiency (PVWatts default 0.96)."),
    a("pv", "gamma_pdc_per_c", Kind::Float, "1/°C", DefaultValue::Float(-0.004), inc(-0.02), inc(0.0), "Power temperature coefficient (crystalline silicon ≈ -0.004, PVWatts standard module -0.0037)."),
    a("pv", "albedo", Kind::Float, "1", DefaultValue::Float(0.2), inc(0.0), inc(1.0), "Ground albedo (0.2: grass, the usual default of pvlib and PVGIS)."),
    a("pv", "transposition", Kind::Enum(TRANSPOSITIONS), "", DefaultValue::Str("perez"), N, N, "Plane-of-array transposition model (Perez 1990 or Hay–Davies)."),
    a("pv", "temperature_model", Kind::Enum(TEMPERATURE_MODELS), "", DefaultValue::Str("faiman"), N, N, "Cell temperature model."),
    a("pv", "faiman_u0", Kind::Float, "W/(m²·K)", DefaultValue::Float(25.0), exc(0.0), N, "Faiman constant heat transfer (pvlib default 25.0); only with temperature_model = \"faiman\"."),
    a("pv", "faiman_u1", Kind::Float, "W·s/(m³·K)", DefaultValue::Float(6.84), inc(0.0), N, "Faiman wind heat transfer (pvlib default 6.84); only with temperature_model = \"faiman\"."),
    a("pv", "sapm_a", Kind::Float, "1", DefaultValue::Float(-3.47), N, N, "SAPM a (open rack glass/glass, King et al. 2004); only with temperature_model = \"sapm\"."),
    a("pv", "sapm_b", Kind::Float, "s/m", DefaultValue::Float(-0.0594), N, N, "SAPM b (open rack glass/glass); only with temperature_model = \"sapm\"."),
    a("pv", "sapm_delta_t_c", Kind::Float, "°C", DefaultValue::Float(3.0), inc(0.0), N, "SAPM cell–module difference at 1000 W/m² (open rack: 3); only with temperature_model = \"sapm\"."),
    a("pv", "sizing", Kind::Table("pv.sizing"), "", Rule("sized in [0, kwp] at the built-in costs"), N, N, "How `quartier size` treats this system: bounds and costs."),
    // ---- batteries
    a("batteries", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("batteries", "participant", Kind::String, "", Optional, N, N, "Id of the participant it belongs to."),
    a("batteries", "energy_kwh", Kind::Float, "kWh", Required, exc(0.0), N, "Usable energy capacity (as datasheets state it)."),
    a("batteries", "charge_kw", Kind::Float, "kW", Required, exc(0.0), N, "Maximum charge power (AC side)."),
    a("batteries", "discharge_kw", Kind::Float, "kW", Rule("= charge_kw"), exc(0.0), N, "Maximum discharge power (AC side)."),
    a("batteries", "charge_efficiency", Kind::Float, "1", DefaultValue::Float(0.95), exc(0.0), inc(1.0), "Charge efficiency (0.95 each way ≈ 90 % round trip, Li-ion with inverter)."),
    a("batteries", "discharge_efficiency", Kind::Float, "1", DefaultValue::Float(0.95), exc(0.0), inc(1.0), "Discharge efficiency."),
    a("batteries", "soc_min", Kind::Float, "1", DefaultValue::Float(0.0), inc(0.0), exc(1.0), "Minimum state of charge, fraction of energy_kwh (0: the capacity is already the usable one)."),
    a("batteries", "soc_initial", Kind::Float, "1", DefaultValue::Float(0.5), inc(0.0), inc(1.0), "Initial state of charge, fraction of energy_kwh (≥ soc_min)."),
    a("batteries", "standing_loss_per_h", Kind::Float, "1/h", DefaultValue::Float(0.00004), inc(0.0), exc(1.0), "Self-discharge, fraction of stored energy per hour (Li-ion ≈ 3 %/month)."),
    a("batteries", "cyclic", Kind::Bool, "", DefaultValue::Bool(false), N, N, "Optimiser (dispatch and sizing): the state of charge ends where it starts, the start chosen by the optimiser (then soc_initial may not be given; the rule controller starts at 0.5)."),
    a("batteries", "sizing", Kind::Table("batteries.sizing"), "", Rule("energy and power sized apart in [0, max_factor × declared] at the built-in costs"), N, N, "How `quartier size` treats this battery: bounds, duration and costs."),
    // ---- electrolysers
    a("electrolysers", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("electrolysers", "max_kw", Kind::Float, "kW", Required, exc(0.0), N, "Maximum electrical input."),
    a("electrolysers", "min_kw", Kind::Float, "kW", DefaultValue::Float(0.0), inc(0.0), N, "Minimum input when running (≤ max_kw); the rule controller stays off below it."),
    a("electrolysers", "sizing", Kind::Table("electrolysers.sizing"), "", Rule("sized in [0, max_factor × max_kw] at the built-in costs"), N, N, "How `quartier size` treats this electrolyser: bounds and costs."),
    a("electrolysers", "kwh_per_kg", Kind::Float, "kWh/kg", DefaultValue::Float(55.0), inc(39.4), N, "Specific consumption of the system (55 kWh/kg ≈ 60 % of the 33.3 kWh/kg LHV; cannot be below the 39.4 kWh/kg HHV)."),
    // ---- hydrogen tanks
    a("hydrogen_tanks", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("hydrogen_tanks", "capacity_kg", Kind::Float, "kg", Required, exc(0.0), N, "Usable capacity."),
    a("hydrogen_tanks", "min_kg", Kind::Float, "kg", DefaultValue::Float(0.0), inc(0.0), N, "Minimum level (≤ capacity_kg)."),
    a("hydrogen_tanks", "initial_kg", Kind::Float, "kg", Rule("= min_kg"), inc(0.0), N, "Initial level (min_kg ≤ initial_kg ≤ capacity_kg)."),
    a("hydrogen_tanks", "cyclic", Kind::Bool, "", DefaultValue::Bool(false), N, N, "Optimiser (dispatch and sizing): the pooled level ends where it starts, the start chosen by the optimiser; tanks are pooled, so every tank or none (then initial_kg may not be given)."),
    a("hydrogen_tanks", "sizing", Kind::Table("hydrogen_tanks.sizing"), "", Rule("sized in [min_kg, max_factor × capacity_kg] at the built-in costs"), N, N, "How `quartier size` treats this tank: bounds and costs."),
    // ---- fuel cells
    a("fuel_cells", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("fuel_cells", "max_kw", Kind::Float, "kW", Required, exc(0.0), N, "Maximum electrical output."),
    a("fuel_cells", "min_kw", Kind::Float, "kW", DefaultValue::Float(0.0), inc(0.0), N, "Minimum output when running (≤ max_kw); the rule controller stays off rather than run below it."),
    a("fuel_cells", "sizing", Kind::Table("fuel_cells.sizing"), "", Rule("sized in [0, max_factor × max_kw] at the built-in costs"), N, N, "How `quartier size` treats this fuel cell: bounds and costs."),
    a("fuel_cells", "kwh_per_kg", Kind::Float, "kWh/kg", DefaultValue::Float(16.5), exc(0.0), exc(33.33), "Electricity per kg of hydrogen (16.5 kWh/kg ≈ 50 % of the 33.33 kWh/kg LHV)."),
    // ---- hydrogen demands
    a("hydrogen_demands", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("hydrogen_demands", "kg_per_day", Kind::Float, "kg", Rule("one of kg_per_day or series"), inc(0.0), N, "Hydrogen taken every day (a fuel-cell bus takes 15–30 kg/day)."),
    a("hydrogen_demands", "hours", Kind::IntegerList, "h", DefaultValue::IntegerList(&[6, 12, 18]), inc(0.0), inc(23.0), "Local hours of refuelling (with kg_per_day), sharing the day's amount equally."),
    a("hydrogen_demands", "series", Kind::Table("series"), "", Rule("one of kg_per_day or series"), N, N, "Hydrogen per interval of the file, kg (after scale)."),
    // ---- EV charging
    a("ev_charging", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("ev_charging", "participant", Kind::String, "", Optional, N, N, "Id of the participant it belongs to."),
    a("ev_charging", "chargers", Kind::Integer, "1", DefaultValue::Integer(1), inc(1.0), inc(10000.0), "Number of charge points."),
    a("ev_charging", "charger_kw", Kind::Float, "kW", DefaultValue::Float(7.4), exc(0.0), inc(400.0), "Power of each charge point (7.4 kW: single-phase 32 A wallbox)."),
    a("ev_charging", "sessions", Kind::Path, "", Required, N, N, "Sessions file: plug-in, plug-out, energy (kWh), optional charger_kw; unreadable rows are skipped and counted in the load report."),
    a("ev_charging", "timezone", Kind::Timezone, "", Rule("the site's"), N, N, "Time zone of the naive timestamps in the sessions file."),
    a("ev_charging", "shift_days", Kind::Integer, "d", DefaultValue::Integer(0), inc(-36600.0), inc(36600.0), "Days added to every session (to replay past sessions on the axis year)."),
    a("ev_charging", "site_limit_kw", Kind::Float, "kW", Rule("none: each session at its charge point's power"), exc(0.0), N, "Power the site delivers at once (load management): the plugged sessions share it, the earliest to leave first under the rule controller, at least cost under the optimiser."),
    a("ev_charging", "sizing", Kind::Table("ev_charging.sizing"), "", Rule("none: the site's power is kept"), N, N, "Sizes the site's power (site_limit_kw) with `quartier size`, at the costs given here or the defaults."),
    // ---- fleets
    a("fleets", "name", Kind::String, "", Required, N, N, "Unique component name."),
    a("fleets", "participant", Kind::String, "", Optional, N, N, "Id of the participant it belongs to."),
    a("fleets", "vehicles", Kind::Integer, "1", Required, inc(1.0), inc(100000.0), "Number of vehicles."),
    a("fleets", "km_per_day", Kind::Float, "km", Required, inc(0.0), inc(2000.0), "Distance per vehicle per day of use."),
    a("fleets", "kwh_per_km", Kind::Float, "kWh/km", Required, exc(0.0), inc(2.0), "Consumption at the plug (electric cargo bike ≈ 0.02, small utility EV ≈ 0.18)."),
    a("fleets", "charger_kw", Kind::Float, "kW", DefaultValue::Float(3.7), exc(0.0), inc(400.0), "Charger power per vehicle (3.7 kW: single-phase 16 A)."),
    a("fleets", "plug_in_hour", Kind::Integer, "h", DefaultValue::Integer(18), inc(0.0), inc(23.0), "Local hour at which vehicles come back and plug in."),
    a("fleets", "plug_out_hour", Kind::Integer, "h", DefaultValue::Integer(7), inc(0.0), inc(23.0), "Local hour at which they leave (the next day when ≤ plug_in_hour)."),
    a("fleets", "days", Kind::EnumList(DAYS), "", DefaultValue::StrList(&["mon", "tue", "wed", "thu", "fri"]), N, N, "Days of use (the day vehicles come back and plug in)."),
    // ---- grid
    a("grid", "import_limit_kw", Kind::Float, "kW", Required, exc(0.0), N, "Import limit (subscribed power)."),
    a("grid", "export_limit_kw", Kind::Float, "kW", Required, inc(0.0), N, "Export limit; PV is curtailed above it."),
    a("grid", "import_price", Kind::FloatOrTable("grid.import_price"), "EUR/kWh", Required, inc(0.0), N, "Flat price, or `[grid.import_price]` with time-of-use periods or a series."),
    a("grid", "sizing", Kind::Table("grid.sizing"), "", Rule("none: the import limit is kept"), N, N, "Sizes the connection's import limit (subscribed power) with `quartier size`, at the costs given here."),
    a("grid", "export_price_eur_per_kwh", Kind::Float, "EUR/kWh", DefaultValue::Float(0.0), N, N, "Feed-in price of exported surplus (0: surplus given to the grid; set e.g. the EDF OA surplus tariff)."),
    // ---- grid.import_price
    a("grid.import_price", "base_eur_per_kwh", Kind::Float, "EUR/kWh", Rule("required without series"), inc(0.0), N, "Price outside every period."),
    a("grid.import_price", "periods", Kind::Tables("grid.import_price.periods"), "", Rule("none"), N, N, "Time-of-use periods (e.g. heures creuses)."),
    a("grid.import_price", "series", Kind::Table("series"), "", Rule("instead of base and periods"), N, N, "A price series, EUR/kWh (after scale)."),
    // ---- grid.import_price.periods
    a("grid.import_price.periods", "name", Kind::String, "", Required, N, N, "Name (e.g. \"HC\")."),
    a("grid.import_price.periods", "start_hour", Kind::Integer, "h", Required, inc(0.0), inc(23.0), "Local start hour, inclusive."),
    a("grid.import_price.periods", "end_hour", Kind::Integer, "h", Required, inc(1.0), inc(24.0), "Local end hour, exclusive; wraps past midnight when ≤ start_hour."),
    a("grid.import_price.periods", "eur_per_kwh", Kind::Float, "EUR/kWh", Required, inc(0.0), N, "Price in the period."),
    // ---- carbon
    a("carbon", "constant_g_per_kwh", Kind::Float, "gCO2e/kWh", Rule("one of constant_g_per_kwh or series"), inc(0.0), inc(2000.0), "Constant intensity (French consumption mix, life cycle: ≈ 50–60, ADEME Base Empreinte)."),
    a("carbon", "series", Kind::Table("series"), "", Rule("one of constant_g_per_kwh or series"), N, N, "An intensity series, gCO2e/kWh (after scale)."),
    // ---- sizing (quartier size)
    a("sizing", "discount_rate", Kind::Float, "1", DefaultValue::Float(0.05), inc(0.0), inc(1.0), "Real discount rate of annualised costs (0.05; France Stratégie recommends 4.5 % for public investment)."),
    a("sizing", "max_factor", Kind::Float, "1", DefaultValue::Float(4.0), inc(1.0), inc(1000.0), "Largest size of a storage or conversion capacity without its own `max_…`, as a multiple of its declared size (PV: its declared kwp, the roof)."),
    // ---- pv.sizing
    a("pv.sizing", "sized", Kind::Bool, "", DefaultValue::Bool(true), N, N, "false keeps the declared kwp (no cost may then be given)."),
    a("pv.sizing", "min_kwp", Kind::Float, "kWp", DefaultValue::Float(0.0), inc(0.0), N, "Smallest size."),
    a("pv.sizing", "max_kwp", Kind::Float, "kWp", Rule("= kwp (the roof's room)"), inc(0.0), N, "Largest size."),
    a("pv.sizing", "capex_eur_per_kwp", Kind::Float, "EUR/kWp", DefaultValue::Float(1000.0), inc(0.0), N, "Investment per kWp (default: IRENA, Renewable Power Generation Costs in 2023, commercial rooftop in Europe; ADEME PV cost observatory)."),
    a("pv.sizing", "subsidy_eur_per_kwp", Kind::Float, "EUR/kWp", DefaultValue::Float(0.0), inc(0.0), N, "Investment subsidy per kWp, counted as a negative capex."),
    a("pv.sizing", "fixed_om_eur_per_kwp_year", Kind::Float, "EUR/(kWp·y)", DefaultValue::Float(15.0), inc(0.0), N, "Fixed operation and maintenance per kWp and year (default: IRENA 2023)."),
    a("pv.sizing", "lifetime_years", Kind::Float, "y", DefaultValue::Float(25.0), exc(0.0), inc(100.0), "Economic lifetime."),
    a("pv.sizing", "capex_eur_when_built", Kind::Float, "EUR", DefaultValue::Float(0.0), inc(0.0), N, "Investment paid once if the system is built at all (studies, connection); a yes/no decision: needs `--solver highs`."),
    // ---- batteries.sizing
    a("batteries.sizing", "sized", Kind::Bool, "", DefaultValue::Bool(true), N, N, "false keeps the declared energy and power (no cost may then be given)."),
    a("batteries.sizing", "min_kwh", Kind::Float, "kWh", DefaultValue::Float(0.0), inc(0.0), N, "Smallest energy."),
    a("batteries.sizing", "max_kwh", Kind::Float, "kWh", Rule("max_factor × energy_kwh"), inc(0.0), N, "Largest energy."),
    a("batteries.sizing", "min_kw", Kind::Float, "kW", DefaultValue::Float(0.0), inc(0.0), N, "Smallest power (charge and discharge)."),
    a("batteries.sizing", "max_kw", Kind::Float, "kW", Rule("max_factor × the larger of charge_kw and discharge_kw"), inc(0.0), N, "Largest power."),
    a("batteries.sizing", "duration_h", Kind::Float, "h", Rule("none: energy and power sized apart"), exc(0.0), inc(1000.0), "Fixed energy-to-power ratio: energy = duration_h × power (a 2-hour battery: 2)."),
    a("batteries.sizing", "capex_eur_per_kwh", Kind::Float, "EUR/kWh", DefaultValue::Float(400.0), inc(0.0), N, "Investment per kWh (default: IEA, Batteries and Secure Energy Transitions, 2024, turnkey stationary systems)."),
    a("batteries.sizing", "capex_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(150.0), inc(0.0), N, "Investment per kW of converter (default: NREL ATB 2024, commercial battery storage, power-related share)."),
    a("batteries.sizing", "subsidy_eur_per_kwh", Kind::Float, "EUR/kWh", DefaultValue::Float(0.0), inc(0.0), N, "Investment subsidy per kWh, counted as a negative capex."),
    a("batteries.sizing", "subsidy_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(0.0), inc(0.0), N, "Investment subsidy per kW, counted as a negative capex."),
    a("batteries.sizing", "fixed_om_eur_per_kwh_year", Kind::Float, "EUR/(kWh·y)", DefaultValue::Float(5.0), inc(0.0), N, "Fixed operation and maintenance per kWh and year."),
    a("batteries.sizing", "fixed_om_eur_per_kw_year", Kind::Float, "EUR/(kW·y)", DefaultValue::Float(0.0), inc(0.0), N, "Fixed operation and maintenance per kW and year."),
    a("batteries.sizing", "lifetime_years", Kind::Float, "y", DefaultValue::Float(15.0), exc(0.0), inc(100.0), "Economic lifetime (energy and power)."),
    a("batteries.sizing", "capex_eur_when_built", Kind::Float, "EUR", DefaultValue::Float(0.0), inc(0.0), N, "Investment paid once if the battery is built at all; a yes/no decision: needs `--solver highs`."),
    // ---- electrolysers.sizing
    a("electrolysers.sizing", "sized", Kind::Bool, "", DefaultValue::Bool(true), N, N, "false keeps the declared max_kw (no cost may then be given)."),
    a("electrolysers.sizing", "min_kw", Kind::Float, "kW", DefaultValue::Float(0.0), inc(0.0), N, "Smallest electrical input."),
    a("electrolysers.sizing", "max_kw", Kind::Float, "kW", Rule("max_factor × max_kw"), inc(0.0), N, "Largest electrical input."),
    a("electrolysers.sizing", "capex_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(1800.0), inc(0.0), N, "Investment per kW of input (default: IEA, Global Hydrogen Review 2024, installed PEM, small scale)."),
    a("electrolysers.sizing", "subsidy_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(0.0), inc(0.0), N, "Investment subsidy per kW, counted as a negative capex."),
    a("electrolysers.sizing", "fixed_om_eur_per_kw_year", Kind::Float, "EUR/(kW·y)", DefaultValue::Float(54.0), inc(0.0), N, "Fixed operation and maintenance per kW and year (default: 3 % of capex)."),
    a("electrolysers.sizing", "lifetime_years", Kind::Float, "y", DefaultValue::Float(20.0), exc(0.0), inc(100.0), "Economic lifetime."),
    a("electrolysers.sizing", "capex_eur_when_built", Kind::Float, "EUR", DefaultValue::Float(0.0), inc(0.0), N, "Investment paid once if the electrolyser is built at all; a yes/no decision: needs `--solver highs`."),
    // ---- hydrogen_tanks.sizing
    a("hydrogen_tanks.sizing", "sized", Kind::Bool, "", DefaultValue::Bool(true), N, N, "false keeps the declared capacity_kg (no cost may then be given)."),
    a("hydrogen_tanks.sizing", "min_kg", Kind::Float, "kg", DefaultValue::Float(0.0), inc(0.0), N, "Smallest capacity (raised to the tank's min_kg and initial_kg)."),
    a("hydrogen_tanks.sizing", "max_kg", Kind::Float, "kg", Rule("max_factor × capacity_kg"), inc(0.0), N, "Largest capacity."),
    a("hydrogen_tanks.sizing", "capex_eur_per_kg", Kind::Float, "EUR/kg", DefaultValue::Float(600.0), inc(0.0), N, "Investment per kg of capacity (default: ADEME and US DOE Hydrogen Program, compressed storage, types I–III)."),
    a("hydrogen_tanks.sizing", "subsidy_eur_per_kg", Kind::Float, "EUR/kg", DefaultValue::Float(0.0), inc(0.0), N, "Investment subsidy per kg, counted as a negative capex."),
    a("hydrogen_tanks.sizing", "fixed_om_eur_per_kg_year", Kind::Float, "EUR/(kg·y)", DefaultValue::Float(6.0), inc(0.0), N, "Fixed operation and maintenance per kg and year (default: 1 % of capex)."),
    a("hydrogen_tanks.sizing", "lifetime_years", Kind::Float, "y", DefaultValue::Float(20.0), exc(0.0), inc(100.0), "Economic lifetime."),
    a("hydrogen_tanks.sizing", "capex_eur_when_built", Kind::Float, "EUR", DefaultValue::Float(0.0), inc(0.0), N, "Investment paid once if the tank is built at all; a yes/no decision: needs `--solver highs`."),
    // ---- fuel_cells.sizing
    a("fuel_cells.sizing", "sized", Kind::Bool, "", DefaultValue::Bool(true), N, N, "false keeps the declared max_kw (no cost may then be given)."),
    a("fuel_cells.sizing", "min_kw", Kind::Float, "kW", DefaultValue::Float(0.0), inc(0.0), N, "Smallest electrical output."),
    a("fuel_cells.sizing", "max_kw", Kind::Float, "kW", Rule("max_factor × max_kw"), inc(0.0), N, "Largest electrical output."),
    a("fuel_cells.sizing", "capex_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(2000.0), inc(0.0), N, "Investment per kW of output (default: IEA, Global Hydrogen Review 2024, stationary fuel cells)."),
    a("fuel_cells.sizing", "subsidy_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(0.0), inc(0.0), N, "Investment subsidy per kW, counted as a negative capex."),
    a("fuel_cells.sizing", "fixed_om_eur_per_kw_year", Kind::Float, "EUR/(kW·y)", DefaultValue::Float(50.0), inc(0.0), N, "Fixed operation and maintenance per kW and year (default: 2.5 % of capex)."),
    a("fuel_cells.sizing", "lifetime_years", Kind::Float, "y", DefaultValue::Float(10.0), exc(0.0), inc(100.0), "Economic lifetime."),
    a("fuel_cells.sizing", "capex_eur_when_built", Kind::Float, "EUR", DefaultValue::Float(0.0), inc(0.0), N, "Investment paid once if the fuel cell is built at all; a yes/no decision: needs `--solver highs`."),
    // ---- ev_charging.sizing
    a("ev_charging.sizing", "sized", Kind::Bool, "", DefaultValue::Bool(true), N, N, "false keeps the declared site_limit_kw (no cost may then be given)."),
    a("ev_charging.sizing", "min_kw", Kind::Float, "kW", DefaultValue::Float(0.0), inc(0.0), N, "Smallest site power."),
    a("ev_charging.sizing", "max_kw", Kind::Float, "kW", Rule("the most the plugged sessions can draw at once"), inc(0.0), N, "Largest site power."),
    a("ev_charging.sizing", "capex_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(180.0), inc(0.0), N, "Investment per kW of charge points, installed (default: a double-outlet 22 kW AC post at GBP 6,700 in 2021–22, VAT included, EV Infrastructure Guide (Energy Saving Trust), at 1.17 EUR/GBP, over its 44 kW; grid reinforcement not included). ADVENIR grants: `subsidy_eur_per_kw`."),
    a("ev_charging.sizing", "subsidy_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(0.0), inc(0.0), N, "Investment subsidy per kW (e.g. an ADVENIR grant per charge point divided by its power), counted as a negative capex."),
    a("ev_charging.sizing", "fixed_om_eur_per_kw_year", Kind::Float, "EUR/(kW·y)", DefaultValue::Float(9.0), inc(0.0), N, "Fixed operation and maintenance per kW and year (default: 5 % of capex, an assumption: supervision, maintenance contract)."),
    a("ev_charging.sizing", "lifetime_years", Kind::Float, "y", DefaultValue::Float(10.0), exc(0.0), inc(100.0), "Economic lifetime."),
    a("ev_charging.sizing", "capex_eur_when_built", Kind::Float, "EUR", DefaultValue::Float(0.0), inc(0.0), N, "Investment paid once if the site is built at all; a yes/no decision: needs `--solver highs`."),
    // ---- grid.sizing
    a("grid.sizing", "sized", Kind::Bool, "", DefaultValue::Bool(true), N, N, "false keeps the declared import_limit_kw (no cost may then be given)."),
    a("grid.sizing", "min_kw", Kind::Float, "kW", DefaultValue::Float(0.0), inc(0.0), N, "Smallest import limit."),
    a("grid.sizing", "max_kw", Kind::Float, "kW", Rule("max_factor × import_limit_kw"), inc(0.0), N, "Largest import limit."),
    a("grid.sizing", "capex_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(0.0), inc(0.0), N, "Connection works per kW (the grid operator's quote; 0 when none)."),
    a("grid.sizing", "subsidy_eur_per_kw", Kind::Float, "EUR/kW", DefaultValue::Float(0.0), inc(0.0), N, "Subsidy per kW, counted as a negative capex."),
    a("grid.sizing", "fixed_om_eur_per_kw_year", Kind::Float, "EUR/(kW·y)", Required, inc(0.0), N, "Yearly cost of each kW subscribed: the power component of the delivery tariff (TURPE: its `b` coefficient per kVA and year, e.g. 10.11 EUR/kVA/year for a ≤ 36 kVA CU4 contract, CRE TURPE 7); no built-in default."),
    a("grid.sizing", "lifetime_years", Kind::Float, "y", Rule("required with capex_eur_per_kw > 0"), exc(0.0), inc(100.0), "Economic lifetime of the connection works."),
    a("grid.sizing", "capex_eur_when_built", Kind::Float, "EUR", DefaultValue::Float(0.0), inc(0.0), N, "Must stay 0: the district is always connected."),
    // ---- series
    a("series", "file", Kind::Path, "", Required, N, N, "The file (relative to the district file)."),
    a("series", "format", Kind::Enum(SERIES_FORMATS), "", DefaultValue::Str("csv"), N, N, "Generic CSV (timestamp then value columns) or Enedis \"Courbe de charge\" export."),
    a("series", "column", Kind::String, "", Rule("the second column"), N, N, "Column holding the values (CSV)."),
    a("series", "timezone", Kind::Timezone, "", Rule("the site's"), N, N, "Time zone of naive local timestamps (CSV)."),
    a("series", "scale", Kind::Float, "1", DefaultValue::Float(1.0), N, N, "Multiplier applied after reading (unit conversion, scaling)."),
    a("series", "missing", Kind::Enum(MISSING_POLICIES), "", Rule("`error` in a district file, `exclude` in an experiment file"), N, N, MISSING_DOC),
    a("series", "max_gap_steps", Kind::Integer, "steps", Rule("required with missing = \"interpolate\""), inc(1.0), inc(100_000.0), MAX_GAP_DOC),
    a("series", "allow_negative", Kind::Bool, "", DefaultValue::Bool(false), N, N, "Accept negative values of an energy curve: a net meter (consumption minus production), a producer's standby draw. Without it a negative kWh value is an error naming its line."),
];

/// How a file's missing steps may be treated (`missing`).
pub const MISSING_POLICIES: &[&str] = &["error", "exclude", "interpolate"];

/// The description of `missing`, shared by every table that names a file of steps.
pub const MISSING_DOC: &str = "Missing steps (gaps in the timestamps, empty values): `error` (each one an error naming its line), `exclude` (left out and counted: an evaluation fits and computes savings on the valid steps only and lists every gap; not in a district file, whose simulation needs every step), or `interpolate` (runs of at most `max_gap_steps` steps interpolated linearly between their neighbours; longer runs, and runs at either end, excluded in an experiment and errors in a district file).";

/// The description of `max_gap_steps`.
pub const MAX_GAP_DOC: &str = "With missing = \"interpolate\": the longest run of missing steps interpolated, in steps of the file.";

/// The attributes of `component`, in declaration order.
pub fn attributes_of(component: &str) -> impl Iterator<Item = &'static Attribute> + '_ {
    ATTRIBUTES.iter().filter(move |a| a.component == component)
}

/// The attribute `name` of `component`.
pub fn attribute(component: &str, name: &str) -> Option<&'static Attribute> {
    ATTRIBUTES
        .iter()
        .find(|a| a.component == component && a.name == name)
}

/// The literal number an attribute defaults to (`None` for a required one, a rule or a
/// default of another kind).
pub fn float_default(component: &str, name: &str) -> Option<f64> {
    match attribute(component, name).map(|a| &a.default) {
        Some(DefaultValue::Float(x)) => Some(*x),
        _ => None,
    }
}

/// Levenshtein distance between two strings (in characters).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo
/// (at most a third of the word's length, and at least 1 edit allowed; case is ignored).
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w = word.to_lowercase();
    let limit = (w.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&w, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_component_is_documented_and_every_table_kind_names_one() {
        for attr in ATTRIBUTES {
            assert!(
                COMPONENTS.iter().any(|(c, _)| *c == attr.component),
                "{} has no COMPONENTS entry",
                attr.component
            );
            if let Kind::Table(c) | Kind::Tables(c) | Kind::FloatOrTable(c) = attr.kind {
                assert!(attributes_of(c).next().is_some(), "{c} has no attributes");
            }
            assert!(!attr.description.is_empty());
        }
    }

    #[test]
    fn literal_defaults_are_within_bounds() {
        for attr in ATTRIBUTES {
            match attr.default {
                DefaultValue::Float(x) => {
                    assert!(attr.in_bounds(x), "{}.{}", attr.component, attr.name)
                }
                DefaultValue::Integer(x) => {
                    assert!(attr.in_bounds(x as f64), "{}.{}", attr.component, attr.name);
                    if let Kind::IntegerOf(allowed) = attr.kind {
                        assert!(allowed.contains(&x));
                    }
                }
                DefaultValue::Str(s) => {
                    if let Kind::Enum(v) = attr.kind {
                        assert!(v.contains(&s), "{}.{}", attr.component, attr.name);
                    }
                }
                _ => {}
            }
        }
    }

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(suggest("tilt_dg", ["tilt_deg", "kwp"]), Some("tilt_deg"));
        assert_eq!(suggest("Perez", ["perez", "hay-davies"]), Some("perez"));
        assert_eq!(suggest("colour", ["kwp", "name"]), None);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
