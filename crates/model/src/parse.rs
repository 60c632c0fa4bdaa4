//! Parsing a district file (TOML) into a validated [`District`], driven by the attribute
//! table ([`crate::ATTRIBUTES`]).
//!
//! **Parsing never stops at the first problem**: syntax errors (recovered by the TOML
//! parser where possible), unknown fields, wrong types, out-of-range values, missing fields,
//! unknown participants, duplicate names, missing files and a bad time axis are all
//! collected and returned together as [`Diagnostics`], sorted by position. A field's value
//! is checked once, generically, from its attribute; the component builders below only
//! assemble checked values and check what relates several fields.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use quartier_solar::{CellTemperature, PvSpec, Transposition};
use quartier_timeseries::{Axis, Step};
use toml::de::DeTable;

use crate::attributes::{self, Kind};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceMap};
use crate::district::*;
use crate::sizing::{CapacityKind, CapacityPlan, CapitalCost, CostOrigin, SizingOptions};
use crate::walk::{
    Fields, Schema, Style, TomlFileKind, Val, Walker, read_toml_text, syntax_message, whole_file,
};

/// Largest district file read, bytes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Longest axis accepted, days (guards memory against a mistyped year).
pub const MAX_AXIS_DAYS: i64 = 3660;

/// Reads and parses a district file; relative paths in it are resolved against its folder.
pub fn read_district(path: &Path) -> Result<(District, SourceMap), Diagnostics> {
    let text = read_toml_text(
        path,
        &TomlFileKind {
            name: "district file",
            expected: "a district file (TOML)",
            too_large_for: "a district file",
            max_bytes: MAX_FILE_BYTES,
        },
    )?;
    if text.trim().is_empty() {
        return Err(whole_file(
            path,
            "the district file is empty".into(),
            Some("[site], [time], [weather] and [grid] sections"),
        ));
    }
    parse_district(&text, path)
}

/// Parses district text read from `path` (used for messages and to resolve relative paths).
///
/// ```
/// use std::path::Path;
/// let text = "[site]\nname = \"x\"\nlatitude_deg = 95\nlongitud_deg = 8\n";
/// let err = quartier_model::parse_district(text, Path::new("d.toml")).unwrap_err();
/// let all = err.to_string();
/// assert!(all.contains(
///     "d.toml:3:16: site.latitude_deg: 95 deg is out of range (expected -90 ≤ latitude_deg ≤ 90)"
/// ));
/// assert!(all.contains("d.toml:4:1: site.longitud_deg: unknown field `longitud_deg`; did you mean `longitude_deg`?"));
/// assert!(all.contains("d.toml:1:1: time: missing required field `time`"));
/// ```
pub fn parse_district(text: &str, path: &Path) -> Result<(District, SourceMap), Diagnostics> {
    parse_district_in(text, path, &DistrictOptions::default())
}

/// How a district file is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct DistrictOptions {
    /// Every file the district names (weather, meter curves, EV sessions, prices…) must be a
    /// relative path inside the district file's folder (no absolute path, no `..`), and
    /// messages show paths as written: for text from someone who may not read the rest of the
    /// disk (a district uploaded to the server).
    pub confine_files: bool,
}

/// Like [`parse_district`], read as `options` say.
pub fn parse_district_in(
    text: &str,
    path: &Path,
    options: &DistrictOptions,
) -> Result<(District, SourceMap), Diagnostics> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let mut p = Parser {
        w: Walker::new(&DISTRICT, path, text),
        syntax_lines: Vec::new(),
        tz: chrono_tz::Europe::Paris,
        names: BTreeMap::new(),
        plans: Vec::new(),
        durations: Vec::new(),
    };
    p.w.confined = options.confine_files;
    for e in &errors {
        let at = e.span().map_or(0, |s| s.start);
        let pos = p.map.position_of(at);
        p.syntax_lines.push(pos.line);
        let (message, expected) = syntax_message(e);
        p.diags.push(Diagnostic {
            file: path.to_path_buf(),
            position: Some(pos),
            path: syntax_path(text, pos.line),
            message,
            expected,
        });
    }
    let span = doc.span();
    let district = p.district(doc.get_ref(), span);
    let Parser {
        w, syntax_lines, ..
    } = p;
    w.finish(district, &syntax_lines, "district")
}

/// The number an attribute defaults to (0 for one without a literal number default: the
/// attribute table's own test keeps every `sizing` default a literal).
fn attribute_default(component: &str, name: &str) -> f64 {
    attributes::float_default(component, name).unwrap_or(0.0)
}

/// Best-effort dotted path of the line of a syntax error: its table header and key.
fn syntax_path(text: &str, line: usize) -> String {
    let mut header = String::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut key = String::new();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if i + 1 == line {
            if let Some((k, _)) = t.split_once('=') {
                let k = k.trim();
                if !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
                {
                    key = k.to_owned();
                }
            }
            break;
        }
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split_once("]]")) {
            let name = name.0.trim().to_owned();
            let n = counts.entry(name.clone()).or_insert(0);
            header = format!("{name}[{n}]");
            *n += 1;
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split_once(']')) {
            header = name.0.trim().to_owned();
        }
    }
    match (header.is_empty(), key.is_empty()) {
        (true, true) => "toml".into(),
        (true, false) => key,
        (false, true) => header,
        (false, false) => format!("{header}.{key}"),
    }
}

/// The district file's attributes and wording.
static DISTRICT: Schema = Schema {
    attrs: attributes::ATTRIBUTES,
    fallback: &[],
    file: "district",
    style: Style::District,
};

struct Parser {
    w: Walker,
    syntax_lines: Vec<usize>,
    /// The site's time zone once known (Europe/Paris until then).
    tz: Tz,
    /// Component names seen so far → path of their first use.
    names: BTreeMap<String, String>,
    /// Every sized capacity's plan, in district order (`sizing` tables and their defaults).
    plans: Vec<CapacityPlan>,
    /// Batteries with a fixed duration, hours.
    durations: Vec<(String, f64)>,
}

crate::walk::deref_walker!(Parser);

impl Parser {
    /// Registers a component name; reports a duplicate.
    fn name(&mut self, f: &Fields<'_>) -> Option<String> {
        let name = f.str("name")?;
        if let Some(first) = self.names.get(&name) {
            let first_pos = self.map.position(first);
            let at = first_pos.map_or(String::new(), |p| format!(" at line {}", p.line));
            let msg = format!("duplicate name \"{name}\" (already used by {first}{at})");
            self.err(
                f.span("name"),
                &f.field_path("name"),
                msg,
                Some("names unique within the district".into()),
            );
        } else {
            self.names.insert(name.clone(), f.path.clone());
        }
        Some(name)
    }

    fn district<'a>(&mut self, doc: &'a DeTable<'a>, span: Range<usize>) -> Option<District> {
        let top = self.fields("district", "", doc, span.start..span.start);
        let site = top.table("site").and_then(|(t, s)| self.site(t, s));
        if let Some(site) = &site {
            self.tz = site.timezone;
        }
        let axis = top.table("time").and_then(|(t, s)| self.time(t, s));
        let weather = top.table("weather").and_then(|(t, s)| self.weather(t, s));
        let participants = self.each(&top, "participants", Parser::participant);
        let loads = self.each(&top, "loads", Parser::load);
        let pv_systems = self.each(&top, "pv", Parser::pv);
        let batteries = self.each(&top, "batteries", Parser::battery);
        let electrolysers = self.each(&top, "electrolysers", Parser::electrolyser);
        let hydrogen_tanks = self.each(&top, "hydrogen_tanks", Parser::tank);
        let fuel_cells = self.each(&top, "fuel_cells", Parser::fuel_cell);
        let hydrogen_demands = self.each(&top, "hydrogen_demands", Parser::hydrogen_demand);
        let ev_chargers = self.each(&top, "ev_charging", Parser::ev_charging);
        let fleets = self.each(&top, "fleets", Parser::fleet);
        let grid = top.table("grid").and_then(|(t, s)| self.grid(t, s));
        let carbon = match top.table("carbon") {
            Some((t, s)) => self.carbon(t, s),
            None if top.present("carbon") => None,
            None => Some(CarbonSource::Constant(50.0)),
        };

        let sizing = self.sizing(&top);

        self.check_participants(&top, &participants);
        self.check_hydrogen(&top, &hydrogen_tanks);

        Some(District {
            site: site?,
            axis: axis?,
            weather: weather?,
            participants: participants.into_iter().collect::<Option<_>>()?,
            loads: loads.into_iter().collect::<Option<_>>()?,
            pv_systems: pv_systems.into_iter().collect::<Option<_>>()?,
            batteries: batteries.into_iter().collect::<Option<_>>()?,
            electrolysers: electrolysers.into_iter().collect::<Option<_>>()?,
            hydrogen_tanks: hydrogen_tanks.into_iter().collect::<Option<_>>()?,
            fuel_cells: fuel_cells.into_iter().collect::<Option<_>>()?,
            hydrogen_demands: hydrogen_demands.into_iter().collect::<Option<_>>()?,
            ev_chargers: ev_chargers.into_iter().collect::<Option<_>>()?,
            fleets: fleets.into_iter().collect::<Option<_>>()?,
            grid: grid?,
            carbon: carbon?,
            sizing: sizing?,
        })
    }

    /// The `[sizing]` table with every component's plan gathered so far.
    fn sizing(&mut self, top: &Fields<'_>) -> Option<SizingOptions> {
        let (discount_rate, from_file, max_factor) = match top.table("sizing") {
            Some((t, s)) => {
                let f = self.fields("sizing", "sizing", t, s);
                (
                    f.num("discount_rate")?,
                    f.present("discount_rate"),
                    f.num("max_factor")?,
                )
            }
            None if top.present("sizing") => return None,
            None => (
                attribute_default("sizing", "discount_rate"),
                false,
                attribute_default("sizing", "max_factor"),
            ),
        };
        Some(SizingOptions {
            discount_rate,
            discount_rate_from_file: from_file,
            max_factor,
            capacities: std::mem::take(&mut self.plans),
            durations: std::mem::take(&mut self.durations),
        })
    }

    /// The `sizing` table of component `f` (named `name`) for its capacities `kinds` (a
    /// battery's energy, then power) into `self.plans`, defaults filled in from the
    /// attribute table; a battery's `duration_h` into `self.durations`. False when a field
    /// is wrong (reported).
    fn capacity_plans(
        &mut self,
        f: &Fields<'_>,
        name: Option<&str>,
        kinds: &[CapacityKind],
    ) -> bool {
        let Some(&first) = kinds.first() else {
            return true;
        };
        let comp = first.sizing_table();
        let sf = match f.table("sizing") {
            Some((t, s)) => Some(self.fields(comp, &f.field_path("sizing"), t, s)),
            None if f.present("sizing") => return false,
            None => None,
        };
        let present = |k: &str| sf.as_ref().is_some_and(|sf| sf.present(k));
        let num = |k: &str| match &sf {
            Some(sf) if sf.present(k) => sf.num(k),
            _ => Some(attribute_default(comp, k)),
        };
        let sized = match &sf {
            Some(sf) => match sf.bool("sized") {
                Some(b) => b,
                None => return false,
            },
            None => true,
        };
        let mut ok = true;
        if let (false, Some(sf)) = (sized, &sf) {
            for a in attributes::attributes_of(comp).filter(|a| a.name != "sized") {
                if sf.present(a.name) {
                    self.err(
                        sf.span(a.name),
                        &sf.field_path(a.name),
                        format!(
                            "`{}` has no use with sized = false: this capacity keeps its \
                             declared size and no cost is counted for it",
                            a.name
                        ),
                        Some("remove it, or sized = true".into()),
                    );
                    ok = false;
                }
            }
        }
        let lifetime = num("lifetime_years");
        let when_built = num("capex_eur_when_built");
        for (i, &kind) in kinds.iter().enumerate() {
            let u = kind.file_names().1;
            let (min_k, max_k) = (format!("min_{u}"), format!("max_{u}"));
            let min = num(&min_k);
            let max = if present(&max_k) {
                num(&max_k).map(Some)
            } else {
                Some(None)
            };
            let capex_k = format!("capex_eur_per_{u}");
            let subsidy_k = format!("subsidy_eur_per_{u}");
            let om_k = format!("fixed_om_eur_per_{u}_year");
            let cost = (|| {
                Some(CapitalCost {
                    capex_eur_per_unit: num(&capex_k)?,
                    subsidy_eur_per_unit: num(&subsidy_k)?,
                    lifetime_years: lifetime?,
                    fixed_om_eur_per_unit_year: num(&om_k)?,
                })
            })();
            let (Some(min), Some(max), Some(cost), Some(when_built), Some(name)) =
                (min, max, cost, when_built, name)
            else {
                ok = false;
                continue;
            };
            if let (Some(max), Some(sf)) = (max, &sf)
                && min > max
            {
                self.err(
                    sf.span(&min_k),
                    &sf.field_path(&min_k),
                    format!("{min_k} {min} is above {max_k} {max}"),
                    Some(format!("{min_k} ≤ {max_k}")),
                );
                ok = false;
                continue;
            }
            self.plans.push(CapacityPlan {
                component: name.to_owned(),
                kind,
                sized,
                min,
                max,
                cost,
                // A battery's fixed cost is paid once, counted on its energy.
                capex_eur_when_built: if i == 0 { when_built } else { 0.0 },
                origin: CostOrigin {
                    capex: present(&capex_k),
                    subsidy: present(&subsidy_k),
                    lifetime: present("lifetime_years"),
                    fixed_om: present(&om_k),
                    when_built: i == 0 && present("capex_eur_when_built"),
                },
            });
        }
        if first == CapacityKind::BatteryKwh
            && present("duration_h")
            && let (Some(h), Some(name)) = (num("duration_h"), name)
        {
            self.durations.push((name.to_owned(), h));
        }
        ok
    }

    /// Builds every table of an array of tables (each checked even if another fails).
    fn each<'a, T>(
        &mut self,
        top: &Fields<'a>,
        key: &'static str,
        build: impl Fn(&mut Parser, Fields<'a>) -> Option<T>,
    ) -> Vec<Option<T>> {
        let comp = match top.attr(key).map(|a| a.kind) {
            Some(Kind::Tables(c)) => c,
            _ => return Vec::new(),
        };
        top.tables(key)
            .into_iter()
            .enumerate()
            .map(|(i, (t, s))| {
                let f = self.fields(comp, &format!("{key}[{i}]"), t, s);
                build(self, f)
            })
            .collect()
    }

    fn site<'a>(&mut self, t: &'a DeTable<'a>, s: Range<usize>) -> Option<Site> {
        let f = self.fields("site", "site", t, s);
        Some(Site {
            name: f.str("name")?,
            latitude_deg: f.num("latitude_deg")?,
            longitude_deg: f.num("longitude_deg")?,
            altitude_m: f.num("altitude_m")?,
            timezone: f.tz("timezone")?.unwrap_or(chrono_tz::Europe::Paris),
        })
    }

    /// A date or date-time of the file as a UTC instant (local ones in the site's zone).
    fn instant(&mut self, f: &Fields<'_>, name: &str) -> Option<DateTime<Utc>> {
        let tz = self.tz;
        self.w.instant_in(f, name, tz)
    }

    fn time<'a>(&mut self, t: &'a DeTable<'a>, s: Range<usize>) -> Option<Axis> {
        let f = self.fields("time", "time", t, s);
        let start = self.instant(&f, "start");
        let end = self.instant(&f, "end");
        let step = Step::from_minutes(u32::try_from(f.int("step_minutes")?).ok()?).ok()?;
        let (start, end) = (start?, end?);
        let tz = self.tz;
        let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string();
        if end <= start {
            self.err(
                f.span("end"),
                &f.field_path("end"),
                format!(
                    "the time axis is empty: end {} is not after start {}",
                    local(end),
                    local(start)
                ),
                Some("end > start (end is exclusive)".into()),
            );
            return None;
        }
        let step_s = i64::from(step.minutes()) * 60;
        if start.timestamp().rem_euclid(step_s) != 0 || start.timestamp_subsec_nanos() != 0 {
            self.err(
                f.span("start"),
                &f.field_path("start"),
                format!("start {} is not on the {step} grid", local(start)),
                Some(format!("a start on a whole multiple of {step}")),
            );
            return None;
        }
        let span_s = (end - start).num_seconds();
        if span_s % step_s != 0 || end.timestamp_subsec_nanos() != 0 {
            self.err(
                f.span("end"),
                &f.field_path("end"),
                format!(
                    "end {} is not a whole number of {step} steps after start",
                    local(end)
                ),
                Some(format!("a whole multiple of {step}")),
            );
            return None;
        }
        if span_s > MAX_AXIS_DAYS * 86_400 {
            self.err(
                f.span("end"),
                &f.field_path("end"),
                format!("the axis spans {} days", span_s / 86_400),
                Some(format!("at most {MAX_AXIS_DAYS} days")),
            );
            return None;
        }
        match Axis::from_range(start, end, step) {
            Ok(a) => Some(a),
            Err(e) => {
                self.err(f.header.clone(), &f.path, e.to_string(), None);
                None
            }
        }
    }

    fn weather<'a>(&mut self, t: &'a DeTable<'a>, s: Range<usize>) -> Option<WeatherSource> {
        let f = self.fields("weather", "weather", t, s);
        let format = match f.str("format")?.as_str() {
            "pvgis-tmy-csv" => WeatherFormat::PvgisTmyCsv,
            "pvgis-tmy-json" => WeatherFormat::PvgisTmyJson,
            "pvgis-hourly-csv" => WeatherFormat::PvgisHourlyCsv,
            "pvgis-hourly-json" => WeatherFormat::PvgisHourlyJson,
            "csv" => WeatherFormat::Csv,
            _ => WeatherFormat::Epw,
        };
        let typical_default = matches!(
            format,
            WeatherFormat::PvgisTmyCsv | WeatherFormat::PvgisTmyJson | WeatherFormat::Epw
        );
        let typical_year = if f.present("typical_year") {
            f.bool("typical_year")?
        } else {
            typical_default
        };
        let subhourly = match f.str("subhourly")?.as_str() {
            "hold" => SubHourly::Hold,
            _ => SubHourly::ClearSkyIndex,
        };
        let missing = match self.missing_policy(&f, MissingPolicy::Error)? {
            MissingPolicy::Exclude => {
                self.err(
                    f.span("missing"),
                    &f.field_path("missing"),
                    "a simulation needs weather at every step: it cannot leave steps out".into(),
                    Some(
                        "missing = \"error\", or \"interpolate\" with max_gap_steps = <steps>"
                            .into(),
                    ),
                );
                return None;
            }
            MissingPolicy::Interpolate { .. } if format != WeatherFormat::Csv => {
                self.err(
                    f.span("missing"),
                    &f.field_path("missing"),
                    "`missing` only applies to a CSV weather file (PVGIS and EPW files have every hour)".into(),
                    Some("format = \"csv\", or no missing".into()),
                );
                return None;
            }
            other => other,
        };
        Some(WeatherSource {
            path: f.path_val("file")?,
            format,
            typical_year,
            subhourly,
            missing,
        })
    }

    fn participant(&mut self, f: Fields<'_>) -> Option<Participant> {
        let id = f.str("id")?;
        if id.chars().all(|c| c.is_ascii_digit()) && id.len() != 14 {
            self.err(
                f.span("id"),
                &f.field_path("id"),
                format!("\"{id}\" looks like a PRM but has {} digits", id.len()),
                Some("a 14-digit PRM, or an id that is not all digits".into()),
            );
            return None;
        }
        let role = match f.str("role")?.as_str() {
            "producer" => Role::Producer,
            "prosumer" => Role::Prosumer,
            _ => Role::Consumer,
        };
        Some(Participant {
            name: f.opt_str("name")?.unwrap_or_else(|| id.clone()),
            id,
            role,
        })
    }

    /// An inline series table (`curve = { … }`, `series = { … }`).
    fn series_file(&mut self, f: &Fields<'_>, key: &str, allow_enedis: bool) -> Option<SeriesFile> {
        let (t, s) = f.table(key)?;
        let sf = self.fields("series", &f.field_path(key), t, s);
        let format = match sf.str("format")?.as_str() {
            "enedis" if allow_enedis => SeriesFormat::Enedis,
            "enedis" => {
                self.err(
                    sf.span("format"),
                    &sf.field_path("format"),
                    "the Enedis format holds load curves only".into(),
                    Some("\"csv\"".into()),
                );
                return None;
            }
            _ => SeriesFormat::Csv,
        };
        Some(SeriesFile {
            path: sf.path_val("file")?,
            format,
            column: sf.opt_str("column")?,
            timezone: sf.tz("timezone")?,
            scale: sf.num("scale")?,
            missing: match self.missing_policy(&sf, MissingPolicy::Error)? {
                MissingPolicy::Exclude => {
                    self.err(
                        sf.span("missing"),
                        &sf.field_path("missing"),
                        "a simulation needs a value at every step: it cannot leave steps out"
                            .into(),
                        Some(
                            "missing = \"error\", or \"interpolate\" with max_gap_steps = <steps>"
                                .into(),
                        ),
                    );
                    return None;
                }
                other => other,
            },
            allow_negative: sf.bool("allow_negative")?,
        })
    }

    /// Reports that exactly one of two alternatives must be given.
    fn exactly_one(&mut self, f: &Fields<'_>, a: &str, b: &str) -> bool {
        match (f.present(a), f.present(b)) {
            (true, false) | (false, true) => true,
            (true, true) => {
                self.err(
                    f.span(b),
                    &f.field_path(b),
                    format!("`{a}` and `{b}` are alternatives"),
                    Some(format!("either `{a}` or `{b}`, not both")),
                );
                false
            }
            (false, false) => {
                self.err(
                    f.header.clone(),
                    &f.path,
                    format!("neither `{a}` nor `{b}` is given"),
                    Some(format!("either `{a}` or `{b}`")),
                );
                false
            }
        }
    }

    fn load(&mut self, f: Fields<'_>) -> Option<Load> {
        let name = self.name(&f);
        let participant = f.opt_str("participant");
        let source = if !self.exactly_one(&f, "profile", "curve") {
            None
        } else if f.present("profile") {
            if !f.present("annual_kwh") {
                self.err(
                    f.span("profile"),
                    &f.field_path("annual_kwh"),
                    "missing `annual_kwh` for the standard profile".into(),
                    Some("annual_kwh = <float in kWh>".into()),
                );
            }
            // The attribute table restricts `profile` to the known names.
            let profile = StandardProfile::from_name(&f.str("profile")?).ok()?;
            Some(LoadSource::Profile {
                profile,
                annual_kwh: f.num("annual_kwh")?,
            })
        } else {
            if f.present("annual_kwh") {
                self.err(
                    f.span("annual_kwh"),
                    &f.field_path("annual_kwh"),
                    "`annual_kwh` only applies with `profile`".into(),
                    Some("a curve alone (scale it with `scale`)".into()),
                );
            }
            self.series_file(&f, "curve", true).map(LoadSource::Curve)
        };
        Some(Load {
            name: name?,
            participant: participant?,
            source: source?,
        })
    }

    fn pv(&mut self, f: Fields<'_>) -> Option<PvSystem> {
        let name = self.name(&f);
        let participant = f.opt_str("participant");
        let model = f.str("temperature_model")?;
        let (own, other): (&[&str], &[&str]) = if model == "sapm" {
            (
                &["sapm_a", "sapm_b", "sapm_delta_t_c"],
                &["faiman_u0", "faiman_u1"],
            )
        } else {
            (
                &["faiman_u0", "faiman_u1"],
                &["sapm_a", "sapm_b", "sapm_delta_t_c"],
            )
        };
        let _ = own;
        for k in other {
            if f.present(k) {
                self.err(
                    f.span(k),
                    &f.field_path(k),
                    format!("`{k}` does not apply to temperature_model = \"{model}\""),
                    Some(format!(
                        "temperature_model = \"{}\"",
                        if model == "sapm" { "faiman" } else { "sapm" }
                    )),
                );
            }
        }
        let cell_temperature = if model == "sapm" {
            CellTemperature::Sapm {
                a: f.num("sapm_a")?,
                b: f.num("sapm_b")?,
                delta_t_c: f.num("sapm_delta_t_c")?,
            }
        } else {
            CellTemperature::Faiman {
                u0: f.num("faiman_u0")?,
                u1: f.num("faiman_u1")?,
            }
        };
        let transposition = match f.str("transposition")?.as_str() {
            "hay-davies" => Transposition::HayDavies,
            _ => Transposition::Perez,
        };
        if f.present("production") && f.present("profile") {
            self.err(
                f.span("profile"),
                &f.field_path("profile"),
                "a PV system's production is measured or a profile, not both".into(),
                Some("either production = { … } or profile = { … }".into()),
            );
            return None;
        }
        let source = if f.present("production") {
            PvSource::Measured(self.series_file(&f, "production", true)?)
        } else if f.present("profile") {
            PvSource::Profile(self.series_file(&f, "profile", false)?)
        } else {
            PvSource::Modelled
        };
        let tilt_deg = match (f.present("tilt_deg"), &source) {
            (true, _) => f.num("tilt_deg")?,
            // Unused: the production is given.
            (false, PvSource::Measured(_) | PvSource::Profile(_)) => 0.0,
            (false, PvSource::Modelled) => {
                self.err(
                    f.header.clone(),
                    &f.field_path("tilt_deg"),
                    "missing required field `tilt_deg`".into(),
                    Some(
                        "tilt_deg = <float in deg>, or a measured production = { … } or profile = { … }"
                            .into(),
                    ),
                );
                return None;
            }
        };
        let spec = PvSpec {
            kwp: f.num("kwp")?,
            tilt_deg,
            azimuth_deg: f.num("azimuth_deg")?,
            losses_pct: f.num("losses_pct")?,
            dc_ac_ratio: f.num("dc_ac_ratio")?,
            inverter_efficiency: f.num("inverter_efficiency")?,
            gamma_pdc_per_c: f.num("gamma_pdc_per_c")?,
            albedo: f.num("albedo")?,
            transposition,
            cell_temperature,
        };
        let planned = self.capacity_plans(&f, name.as_deref(), &[CapacityKind::PvKwp]);
        if !planned {
            return None;
        }
        Some(PvSystem {
            name: name?,
            participant: participant?,
            spec,
            source,
        })
    }

    fn battery(&mut self, f: Fields<'_>) -> Option<Battery> {
        let name = self.name(&f);
        let charge_kw = f.num("charge_kw")?;
        let discharge_kw = if f.present("discharge_kw") {
            f.num("discharge_kw")?
        } else {
            charge_kw
        };
        let soc_min = f.num("soc_min")?;
        let soc_initial = f.num("soc_initial")?;
        let cyclic = f.bool("cyclic")?;
        let kinds = [CapacityKind::BatteryKwh, CapacityKind::BatteryKw];
        if !self.capacity_plans(&f, name.as_deref(), &kinds) {
            return None;
        }
        if !self.cyclic_start_free(&f, cyclic, "battery", "soc_initial") {
            return None;
        }
        if !cyclic && soc_initial < soc_min {
            self.err(
                f.span("soc_initial"),
                &f.field_path("soc_initial"),
                format!("soc_initial {soc_initial} is below soc_min {soc_min}"),
                Some("soc_min ≤ soc_initial ≤ 1".into()),
            );
            return None;
        }
        Some(Battery {
            name: name?,
            participant: f.opt_str("participant")?,
            energy_kwh: f.num("energy_kwh")?,
            charge_kw,
            discharge_kw,
            charge_efficiency: f.num("charge_efficiency")?,
            discharge_efficiency: f.num("discharge_efficiency")?,
            soc_min,
            soc_initial: if cyclic {
                soc_initial.max(soc_min)
            } else {
                soc_initial
            },
            standing_loss_per_h: f.num("standing_loss_per_h")?,
            cyclic,
        })
    }

    /// The `[grid.sizing]` plan: a lifetime is needed once the connection has a capex, and
    /// the district is always connected (no cost when built).
    fn grid_plan(&mut self, f: &Fields<'_>) -> bool {
        let before = self.plans.len();
        if !self.capacity_plans(f, Some("grid"), &[CapacityKind::GridImportKw]) {
            return false;
        }
        let Some(plan) = self.plans.get(before).cloned() else {
            return true;
        };
        let o = plan.origin;
        let mut ok = true;
        if plan.cost.capex_eur_per_unit > 0.0 && !o.lifetime {
            self.at_path(
                &f.field_path("sizing"),
                "missing `lifetime_years`: the connection's capex is annualised over it".into(),
                Some("lifetime_years = <float in y>".into()),
            );
            ok = false;
        }
        if plan.capex_eur_when_built > 0.0 {
            self.at_path(
                &format!("{}.capex_eur_when_built", f.field_path("sizing")),
                "the district is always connected: a cost when built does not apply".into(),
                Some("capex_eur_per_kw for the works, or remove it".into()),
            );
            ok = false;
        }
        if !o.lifetime
            && let Some(p) = self.plans.get_mut(before)
        {
            // Without capex the lifetime only annualises nothing.
            p.cost.lifetime_years = 1.0;
        }
        ok
    }

    /// False (reported) when a cyclic store (`what`: battery or tank) also gives its start
    /// (`field`), which the optimiser chooses.
    fn cyclic_start_free(&mut self, f: &Fields<'_>, cyclic: bool, what: &str, field: &str) -> bool {
        if !(cyclic && f.present(field)) {
            return true;
        }
        self.err(
            f.span(field),
            &f.field_path(field),
            format!(
                "a cyclic {what} ends where it starts and the optimiser chooses the start: \
                 {field} would fix it"
            ),
            Some(format!("remove {field}, or cyclic = false")),
        );
        false
    }

    /// `(max_kw, min_kw)` of a unit with a minimum power when running (electrolysers, fuel
    /// cells); reports `min_kw > max_kw`.
    fn power_range(&mut self, f: &Fields<'_>) -> Option<(f64, f64)> {
        let (max_kw, min_kw) = (f.num("max_kw")?, f.num("min_kw")?);
        if min_kw > max_kw {
            self.err(
                f.span("min_kw"),
                &f.field_path("min_kw"),
                format!("min_kw {min_kw} is above max_kw {max_kw}"),
                Some("min_kw ≤ max_kw".into()),
            );
            return None;
        }
        Some((max_kw, min_kw))
    }

    fn electrolyser(&mut self, f: Fields<'_>) -> Option<Electrolyser> {
        let name = self.name(&f);
        let (max_kw, min_kw) = self.power_range(&f)?;
        if !self.capacity_plans(&f, name.as_deref(), &[CapacityKind::ElectrolyserKw]) {
            return None;
        }
        Some(Electrolyser {
            name: name?,
            max_kw,
            min_kw,
            kwh_per_kg: f.num("kwh_per_kg")?,
        })
    }

    fn tank(&mut self, f: Fields<'_>) -> Option<HydrogenTank> {
        let name = self.name(&f);
        let (capacity_kg, min_kg) = (f.num("capacity_kg")?, f.num("min_kg")?);
        let initial_kg = if f.present("initial_kg") {
            f.num("initial_kg")?
        } else {
            min_kg
        };
        let cyclic = f.bool("cyclic")?;
        if !self.capacity_plans(&f, name.as_deref(), &[CapacityKind::TankKg]) {
            return None;
        }
        if !self.cyclic_start_free(&f, cyclic, "tank", "initial_kg") {
            return None;
        }
        if min_kg > capacity_kg {
            self.err(
                f.span("min_kg"),
                &f.field_path("min_kg"),
                format!("min_kg {min_kg} is above capacity_kg {capacity_kg}"),
                Some("min_kg ≤ capacity_kg".into()),
            );
            return None;
        }
        if initial_kg < min_kg || initial_kg > capacity_kg {
            self.err(
                f.span("initial_kg"),
                &f.field_path("initial_kg"),
                format!("initial_kg {initial_kg} is outside [{min_kg}, {capacity_kg}]"),
                Some("min_kg ≤ initial_kg ≤ capacity_kg".into()),
            );
            return None;
        }
        Some(HydrogenTank {
            name: name?,
            capacity_kg,
            min_kg,
            initial_kg,
            cyclic,
        })
    }

    fn fuel_cell(&mut self, f: Fields<'_>) -> Option<FuelCell> {
        let name = self.name(&f);
        let (max_kw, min_kw) = self.power_range(&f)?;
        if !self.capacity_plans(&f, name.as_deref(), &[CapacityKind::FuelCellKw]) {
            return None;
        }
        Some(FuelCell {
            name: name?,
            max_kw,
            min_kw,
            kwh_per_kg: f.num("kwh_per_kg")?,
        })
    }

    fn hydrogen_demand(&mut self, f: Fields<'_>) -> Option<HydrogenDemand> {
        let name = self.name(&f);
        let source = if !self.exactly_one(&f, "kg_per_day", "series") {
            None
        } else if f.present("kg_per_day") {
            let hours = f.ints("hours")?;
            let mut sorted = hours.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if hours.is_empty() || sorted.len() != hours.len() {
                self.err(
                    f.span("hours"),
                    &f.field_path("hours"),
                    "the refuelling hours are empty or repeated".into(),
                    Some("distinct local hours, e.g. [6, 12, 18]".into()),
                );
                return None;
            }
            Some(HydrogenDemandSource::Daily {
                kg_per_day: f.num("kg_per_day")?,
                hours: sorted
                    .iter()
                    .filter_map(|h| u32::try_from(*h).ok())
                    .collect(),
            })
        } else {
            if f.present("hours") {
                self.err(
                    f.span("hours"),
                    &f.field_path("hours"),
                    "`hours` only applies with `kg_per_day`".into(),
                    Some("a series alone".into()),
                );
            }
            self.series_file(&f, "series", false)
                .map(HydrogenDemandSource::Series)
        };
        Some(HydrogenDemand {
            name: name?,
            source: source?,
        })
    }

    fn ev_charging(&mut self, f: Fields<'_>) -> Option<EvCharging> {
        let name = self.name(&f);
        // The site's power is sized only when its table asks for it.
        if f.present("sizing")
            && !self.capacity_plans(&f, name.as_deref(), &[CapacityKind::ChargingKw])
        {
            return None;
        }
        Some(EvCharging {
            name: name?,
            participant: f.opt_str("participant")?,
            chargers: f.u32("chargers")?,
            charger_kw: f.num("charger_kw")?,
            sessions: f.path_val("sessions")?,
            timezone: f.tz("timezone")?.unwrap_or(self.tz),
            shift_days: f.int("shift_days")?,
            site_limit_kw: f.opt_num("site_limit_kw")?,
        })
    }

    fn fleet(&mut self, f: Fields<'_>) -> Option<Fleet> {
        let name = self.name(&f);
        let days = f.strs("days")?;
        if days.is_empty() {
            self.err(
                f.span("days"),
                &f.field_path("days"),
                "no day of use".into(),
                Some("at least one of \"mon\" … \"sun\"".into()),
            );
            return None;
        }
        let mut weekdays = [false; 7];
        for (i, d) in attributes::DAYS.iter().enumerate() {
            if let Some(w) = weekdays.get_mut(i) {
                *w = days.iter().any(|x| x == d);
            }
        }
        Some(Fleet {
            name: name?,
            participant: f.opt_str("participant")?,
            vehicles: f.u32("vehicles")?,
            km_per_day: f.num("km_per_day")?,
            kwh_per_km: f.num("kwh_per_km")?,
            charger_kw: f.num("charger_kw")?,
            plug_in_hour: f.u32("plug_in_hour")?,
            plug_out_hour: f.u32("plug_out_hour")?,
            weekdays,
        })
    }

    fn grid<'a>(&mut self, t: &'a DeTable<'a>, s: Range<usize>) -> Option<Grid> {
        let f = self.fields("grid", "grid", t, s);
        let import_price = match f.get("import_price") {
            Some(Val::F(x)) => Some(ImportPrice::Flat(*x)),
            Some(Val::Table(t, s)) => self.import_price(t, s.clone()),
            _ => None,
        };
        // The connection is sized only when its table asks for it.
        if f.present("sizing") && !self.grid_plan(&f) {
            return None;
        }
        Some(Grid {
            import_limit_kw: f.num("import_limit_kw")?,
            export_limit_kw: f.num("export_limit_kw")?,
            import_price: import_price?,
            export_price_eur_per_kwh: f.num("export_price_eur_per_kwh")?,
        })
    }

    fn import_price<'a>(&mut self, t: &'a DeTable<'a>, s: Range<usize>) -> Option<ImportPrice> {
        let f = self.fields("grid.import_price", "grid.import_price", t, s);
        if f.present("series") {
            for k in ["base_eur_per_kwh", "periods"] {
                if f.present(k) {
                    self.err(
                        f.span(k),
                        &f.field_path(k),
                        format!("`{k}` does not apply with a price `series`"),
                        Some("either a series, or base_eur_per_kwh with periods".into()),
                    );
                }
            }
            return self
                .series_file(&f, "series", false)
                .map(ImportPrice::Series);
        }
        if !f.present("base_eur_per_kwh") {
            self.err(
                f.header.clone(),
                &f.field_path("base_eur_per_kwh"),
                "missing `base_eur_per_kwh` (or a `series`)".into(),
                Some("base_eur_per_kwh = <float in EUR/kWh>".into()),
            );
        }
        let periods: Vec<Option<TouPeriod>> = f
            .tables("periods")
            .into_iter()
            .enumerate()
            .map(|(i, (t, s))| {
                let pf = self.fields(
                    "grid.import_price.periods",
                    &format!("grid.import_price.periods[{i}]"),
                    t,
                    s,
                );
                let (start_hour, end_hour) = (pf.u32("start_hour")?, pf.u32("end_hour")?);
                if start_hour == end_hour {
                    self.err(
                        pf.span("end_hour"),
                        &pf.field_path("end_hour"),
                        format!("the period {start_hour}h–{end_hour}h is empty"),
                        Some("end_hour ≠ start_hour (0 to 24 for a whole day)".into()),
                    );
                    return None;
                }
                Some(TouPeriod {
                    name: pf.str("name")?,
                    start_hour,
                    end_hour,
                    eur_per_kwh: pf.num("eur_per_kwh")?,
                })
            })
            .collect();
        Some(ImportPrice::TimeOfUse {
            base_eur_per_kwh: f.num("base_eur_per_kwh")?,
            periods: periods.into_iter().collect::<Option<_>>()?,
        })
    }

    fn carbon<'a>(&mut self, t: &'a DeTable<'a>, s: Range<usize>) -> Option<CarbonSource> {
        let f = self.fields("carbon", "carbon", t, s);
        if !self.exactly_one(&f, "constant_g_per_kwh", "series") {
            return None;
        }
        if f.present("series") {
            self.series_file(&f, "series", false)
                .map(CarbonSource::Series)
        } else {
            f.num("constant_g_per_kwh").map(CarbonSource::Constant)
        }
    }

    /// Unique participant ids, and references to existing ones.
    fn check_participants(&mut self, top: &Fields<'_>, participants: &[Option<Participant>]) {
        let mut ids: Vec<String> = Vec::new();
        for (i, p) in participants.iter().enumerate() {
            let Some(p) = p else { continue };
            if ids.contains(&p.id) {
                let path = format!("participants[{i}].id");
                let span = self.map.span(&path).unwrap_or(0..0);
                self.err(
                    span,
                    &path,
                    format!("duplicate participant id \"{}\"", p.id),
                    Some("ids unique within the district".into()),
                );
            }
            ids.push(p.id.clone());
        }
        // Participants whose table failed still count as declared (no cascade).
        let declared: Vec<String> = top
            .tables("participants")
            .iter()
            .filter_map(|(t, _)| {
                t.get("id")
                    .and_then(|v| v.get_ref().as_str().map(str::to_owned))
            })
            .collect();
        for key in ["loads", "pv", "batteries", "ev_charging", "fleets"] {
            for (i, (t, _)) in top.tables(key).iter().enumerate() {
                let Some(v) = t.get("participant") else {
                    continue;
                };
                let Some(id) = v.get_ref().as_str() else {
                    continue;
                };
                if declared.iter().any(|d| d == id) {
                    continue;
                }
                let hint = attributes::suggest(id, declared.iter().map(String::as_str))
                    .map(|h| format!("; did you mean \"{h}\"?"))
                    .unwrap_or_default();
                let expected = if declared.is_empty() {
                    "a [[participants]] entry with this id".to_owned()
                } else {
                    format!("one of the participant ids: {}", declared.join(", "))
                };
                self.err(
                    v.span(),
                    &format!("{key}[{i}].participant"),
                    format!("unknown participant \"{id}\"{hint}"),
                    Some(expected),
                );
            }
        }
    }

    /// Electrolysers, fuel cells and hydrogen demands need a tank; tanks are pooled, so
    /// every tank is cyclic or none is.
    fn check_hydrogen(&mut self, top: &Fields<'_>, tanks: &[Option<HydrogenTank>]) {
        let cyclic: Vec<(usize, bool)> = tanks
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.as_ref().map(|t| (i, t.cyclic)))
            .collect();
        if cyclic.iter().any(|(_, c)| *c)
            && let Some((i, _)) = cyclic.iter().find(|(_, c)| !*c)
        {
            let (_, s) = &top.tables("hydrogen_tanks")[*i];
            self.err(
                s.clone(),
                &format!("hydrogen_tanks[{i}].cyclic"),
                "the optimiser pools every tank into one level, which is cyclic or not: \
                 another tank is cyclic and this one is not"
                    .into(),
                Some("cyclic = true on every tank, or on none".into()),
            );
        }
        if !tanks.is_empty() {
            return;
        }
        for key in ["electrolysers", "fuel_cells", "hydrogen_demands"] {
            for (i, (_, s)) in top.tables(key).iter().enumerate() {
                self.err(
                    s.clone(),
                    &format!("{key}[{i}]"),
                    format!("`{key}` need a hydrogen tank"),
                    Some("at least one [[hydrogen_tanks]]".into()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid district with a tank and a fuel cell whose other lines start at line 15.
    fn with_fuel_cell(lines: &str) -> Result<(District, SourceMap), Diagnostics> {
        let text = format!(
            "weather = {{ file = \"weather_hourly_2025-03-29_31.csv\", format = \"pvgis-hourly-csv\" }}\n\
             grid = {{ import_limit_kw = 10, export_limit_kw = 5, import_price = 0.2 }}\n\
             [site]\nname = \"t\"\nlatitude_deg = 45\nlongitude_deg = 8\n\
             [time]\nstart = 2025-03-30\nend = 2025-03-31\n\
             [[hydrogen_tanks]]\nname = \"t1\"\ncapacity_kg = 10\n\
             [[fuel_cells]]\nname = \"fc\"\n{lines}"
        );
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        parse_district(&text, &dir.join("inline.toml"))
    }

    #[test]
    fn fuel_cell_min_kw_above_max_kw_is_one_diagnostic_at_min_kw() {
        let Err(d) = with_fuel_cell("max_kw = 10\nmin_kw = 20\n") else {
            panic!("min_kw 20 > max_kw 10 was accepted");
        };
        let got: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 1, "{got:#?}");
        assert!(
            got[0].ends_with(
                ":16:10: fuel_cells[0].min_kw: min_kw 20 is above max_kw 10 (expected min_kw ≤ max_kw)"
            ),
            "{got:#?}"
        );
    }

    #[test]
    fn fuel_cell_min_kw_defaults_to_zero_and_reads_back() {
        let (d, _) = with_fuel_cell("max_kw = 10\n").unwrap();
        assert_eq!(d.fuel_cells[0].min_kw, 0.0);
        let (d, _) = with_fuel_cell("max_kw = 10\nmin_kw = 10\n").unwrap();
        assert_eq!(d.fuel_cells[0].min_kw, 10.0);
        assert!(with_fuel_cell("max_kw = 10\nmin_kw = -1\n").is_err());
    }
}
