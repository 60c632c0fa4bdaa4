//! Loading the files a [`District`] references onto its axis: weather (typical years
//! re-yeared, resampled to the step), loads (standard profiles or metered curves), import
//! price and carbon intensity (constants, time-of-use periods in local time, or series),
//! hydrogen demand, EV sessions and fleet days.
//!
//! Every problem becomes a [`Diagnostic`] located at the district field that referenced
//! the file (through the [`SourceMap`]), its message carrying the data file's own line, field
//! and timestamp. All components are loaded even when one fails, so that every problem is
//! reported at once. What is dropped or capped on the way (EV sessions outside the axis,
//! energy a session cannot take in its dwell) is counted in a [`LoadReport`], never silently.

use std::path::Path;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use quartier_profiles::{FrenchHolidays, profile_energy};
use quartier_timeseries::csv_generic::{CsvOptions, read_csv};
use quartier_timeseries::reader::{FillPolicy, IntervalLabel, read_text};
use quartier_timeseries::sessions::{SessionOptions, read_sessions};
use quartier_timeseries::{
    Axis, Quantity, ReadErrors, Series, Weather, WeatherMeta, enedis, epw, pvgis,
};

use crate::data::{DistrictData, EvSession};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceMap};
use crate::district::*;

/// What loading dropped or capped, per EV charging site and fleet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadReport {
    /// What the weather file is (from its header), e.g. "PVGIS TMY CSV …".
    pub weather_source: String,
    /// One per `District::ev_chargers`.
    pub ev_charging: Vec<SessionsReport>,
    /// One per `District::fleets`.
    pub fleets: Vec<SessionsReport>,
}

/// Counts of the sessions of one EV charging site or fleet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionsReport {
    /// Component name.
    pub name: String,
    /// Sessions read from the file (or vehicle-days generated for a fleet).
    pub read: usize,
    /// Sessions kept on the axis.
    pub kept: usize,
    /// Sessions dropped because their plug-in lies outside the axis.
    pub outside_axis: usize,
    /// Rows of the sessions file that could not be read (missing plug-out, plug-out before
    /// plug-in…), skipped; the first reasons are in `invalid_examples`.
    pub invalid_rows: usize,
    /// Up to three skipped rows, with file, line and reason.
    pub invalid_examples: Vec<String>,
    /// Sessions whose energy was capped at what `max_kw` delivers in the dwell (or before
    /// the end of the axis).
    pub capped: usize,
    /// Energy removed by capping, kWh.
    pub capped_kwh: f64,
    /// Energy of the kept sessions after capping, kWh.
    pub kept_kwh: f64,
}

impl std::fmt::Display for SessionsReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} of {} sessions on the axis ({} outside dropped, {} unreadable rows skipped), {} capped (−{:.1} kWh), {:.1} kWh to deliver",
            self.name,
            self.kept,
            self.read,
            self.outside_axis,
            self.invalid_rows,
            self.capped,
            self.capped_kwh,
            self.kept_kwh
        )
    }
}

/// Loads every file of `district` onto its axis; see [`load_with_report`] for what was
/// dropped or capped on the way (this function discards that report).
pub fn load(district: &District, sources: &SourceMap) -> Result<DistrictData, Diagnostics> {
    load_with_report(district, sources).map(|(data, _)| data)
}

/// Loads every file of `district` onto its axis, and reports what was dropped or capped.
pub fn load_with_report(
    district: &District,
    sources: &SourceMap,
) -> Result<(DistrictData, LoadReport), Diagnostics> {
    let mut l = Loader {
        axis: district.axis,
        tz: district.site.timezone,
        site: quartier_solar::Location {
            latitude_deg: district.site.latitude_deg,
            longitude_deg: district.site.longitude_deg,
            altitude_m: district.site.altitude_m,
        },
        map: sources,
        diags: Vec::new(),
    };
    let mut report = LoadReport::default();
    let weather = l.weather(&district.weather, &mut report);
    let loads: Vec<Option<Series>> = district
        .loads
        .iter()
        .enumerate()
        .map(|(i, load)| l.load(i, load))
        .collect();
    let import_price = l.import_price(&district.grid.import_price);
    let carbon = match &district.carbon {
        CarbonSource::Constant(g) => Some(Series::constant(l.axis, Quantity::CarbonGPerKwh, *g)),
        CarbonSource::Series(sf) => l.series(sf, "carbon.series", Quantity::CarbonGPerKwh),
    };
    let hydrogen: Vec<Option<Series>> = district
        .hydrogen_demands
        .iter()
        .enumerate()
        .map(|(i, h)| l.hydrogen_demand(i, h))
        .collect();
    let ev: Vec<Option<Vec<EvSession>>> = district
        .ev_chargers
        .iter()
        .enumerate()
        .map(|(i, ev)| {
            let (s, r) = l.ev_sessions(i, ev)?;
            report.ev_charging.push(r);
            Some(s)
        })
        .collect();
    let fleets: Vec<Vec<EvSession>> = district
        .fleets
        .iter()
        .map(|f| {
            let (s, r) = fleet_sessions(f, &l.axis, l.tz);
            report.fleets.push(r);
            s
        })
        .collect();
    let pv: Vec<Option<Option<Series>>> = district
        .pv_systems
        .iter()
        .enumerate()
        .map(|(i, p)| l.pv_given(i, p))
        .collect();
    let Loader { mut diags, .. } = l;
    let data = (|| {
        Some(DistrictData {
            weather: weather?,
            loads_kwh: loads.into_iter().collect::<Option<_>>()?,
            import_price: import_price?,
            carbon: carbon?,
            hydrogen_demand_kg: hydrogen.into_iter().collect::<Option<_>>()?,
            ev_sessions: ev.into_iter().collect::<Option<_>>()?,
            fleet_sessions: fleets,
            pv_given_kwh: pv.into_iter().collect::<Option<_>>()?,
        })
    })();
    diags.sort_by_key(|d| d.position);
    match data {
        Some(d) if diags.is_empty() => Ok((d, report)),
        _ if diags.is_empty() => Err(Diagnostics(vec![sources.diagnostic(
            "",
            "the district data could not be loaded (internal error: no diagnostic)",
            None,
        )])),
        _ => Err(Diagnostics(diags)),
    }
}

struct Loader<'a> {
    axis: Axis,
    tz: Tz,
    /// The site, for the sun of a weather file refined onto a finer axis.
    site: quartier_solar::Location,
    map: &'a SourceMap,
    diags: Vec<Diagnostic>,
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// The intervals of the coarser axis `file` that cover `target`, with one more on each side
/// where `file` has it; `None` when `file` does not cover `target` or is out of phase.
fn covering(file: &Axis, target: &Axis) -> Option<Axis> {
    let step = file.step();
    let first = file.index_containing(target.start())?;
    let last = file.index_containing(target.end() - chrono::Duration::seconds(1))?;
    let (first, last) = (first.saturating_sub(1), (last + 1).min(file.len() - 1));
    Axis::new(file.time(first), step, last - first + 1).ok()
}

/// The part of `w` on `sub` (same step and phase), if `w` covers it.
fn slice_weather(w: &Weather, sub: &Axis) -> Option<Weather> {
    if !w.axis.contains_axis(sub) {
        return None;
    }
    let i0 = w.axis.index_of(sub.start())?;
    let cut = |v: &Vec<f64>| v.get(i0..i0 + sub.len()).map(<[f64]>::to_vec);
    Some(Weather {
        axis: *sub,
        ghi_w_m2: cut(&w.ghi_w_m2)?,
        dni_w_m2: cut(&w.dni_w_m2)?,
        dhi_w_m2: cut(&w.dhi_w_m2)?,
        temp_air_c: cut(&w.temp_air_c)?,
        wind_speed_m_s: cut(&w.wind_speed_m_s)?,
        sample_offset_minutes: w.sample_offset_minutes,
    })
}

impl Loader<'_> {
    fn push(&mut self, path: &str, message: String, expected: Option<String>) {
        self.diags
            .push(self.map.diagnostic(path, message, expected));
    }

    fn read_errors(&mut self, path: &str, errors: ReadErrors) {
        for e in errors.0 {
            self.push(path, e.to_string(), None);
        }
    }

    fn not_covered(&mut self, path: &str, file: &Path, have: &Axis, hint: &str) {
        let (tz, axis) = (self.tz, self.axis);
        self.push(
            path,
            format!(
                "{} covers {} .. {}, which does not cover the axis {} .. {}{hint}",
                file.display(),
                local(have.start(), tz),
                local(have.end(), tz),
                local(axis.start(), tz),
                local(axis.end(), tz),
            ),
            Some("a file covering the whole axis".into()),
        );
    }

    fn weather(&mut self, src: &WeatherSource, report: &mut LoadReport) -> Option<Weather> {
        let path = "weather.file";
        let read: Result<(Weather, WeatherMeta), ReadErrors> = match src.format {
            WeatherFormat::Epw => epw::read_epw(&src.path),
            WeatherFormat::Csv => quartier_timeseries::weather_csv::read_weather_csv(
                &src.path,
                &quartier_timeseries::weather_csv::WeatherCsvOptions {
                    timezone: self.tz,
                    fill: match src.missing {
                        MissingPolicy::Interpolate { max_steps } => {
                            FillPolicy::LinearUpTo(max_steps)
                        }
                        MissingPolicy::Error | MissingPolicy::Exclude => FillPolicy::None,
                    },
                },
            ),
            f => read_text(&src.path).and_then(|text| match f {
                WeatherFormat::PvgisTmyCsv => pvgis::parse_pvgis_tmy_csv(&text, &src.path),
                WeatherFormat::PvgisTmyJson => pvgis::parse_pvgis_tmy_json(&text, &src.path),
                WeatherFormat::PvgisHourlyCsv => pvgis::parse_pvgis_hourly_csv(&text, &src.path),
                _ => pvgis::parse_pvgis_hourly_json(&text, &src.path),
            }),
        };
        let (w, meta) = match read {
            Ok(x) => x,
            Err(e) => {
                self.read_errors(path, e);
                return None;
            }
        };
        // Runs longer than max_gap_steps stay missing: a simulation cannot run on them.
        if let MissingPolicy::Interpolate { max_steps } = src.missing {
            let fields = [
                &w.ghi_w_m2,
                &w.dni_w_m2,
                &w.dhi_w_m2,
                &w.temp_air_c,
                &w.wind_speed_m_s,
            ];
            let first = (0..w.axis.len()).find(|&i| fields.iter().any(|f| f[i].is_nan()));
            if let Some(first) = first {
                let len = (first..w.axis.len())
                    .take_while(|&i| fields.iter().any(|f| f[i].is_nan()))
                    .count();
                self.push(
                    path,
                    format!(
                        "{}: {len} missing step(s) from {}, longer than max_gap_steps = {max_steps}",
                        src.path.display(),
                        local(w.axis.time(first), self.tz)
                    ),
                    Some(format!(
                        "a file without such gaps, or max_gap_steps = {len} or more"
                    )),
                );
                return None;
            }
        }
        report.weather_source = meta.source.clone();
        // The clear-sky index describes the sky where the data were taken: the file's own
        // coordinates when it has them (PVGIS, EPW), else the site's.
        let taken_at = quartier_solar::taken_at(&meta, &self.site);
        if src.typical_year {
            // A typical year coarser than the axis is refined on its own year first.
            let refined = match src.subhourly {
                SubHourly::ClearSkyIndex if w.axis.step() > self.axis.step() => {
                    self.refine(path, &src.path, &w, &taken_at)?
                }
                _ => w,
            };
            return match refined.onto_axis_typical(&self.axis) {
                Ok(w) => Some(w),
                Err(e) => {
                    self.push(
                        path,
                        format!("{}: {e}", src.path.display()),
                        Some(
                            "a whole typical year whose step is a multiple of the axis step".into(),
                        ),
                    );
                    None
                }
            };
        }
        let hint = if meta.typical_year {
            " (the file is a typical year placed on a reference year: set `typical_year = true`)"
        } else {
            ""
        };
        let w = match self.onto_axis_weather(&w, src.subhourly, &taken_at) {
            Ok(Some(x)) => return Some(x),
            Ok(None) => w,
            Err(e) => {
                self.push(path, format!("{}: {e}", src.path.display()), None);
                return None;
            }
        };
        self.not_covered(path, &src.path, &w.axis, hint);
        None
    }

    /// `w` (coarser than the axis) on the axis step by the clear-sky-index method; a located
    /// error when it cannot be.
    fn refine(
        &mut self,
        path: &str,
        file: &Path,
        w: &Weather,
        taken_at: &quartier_solar::Location,
    ) -> Option<Weather> {
        match quartier_solar::refine_weather(
            w,
            self.axis.step(),
            taken_at,
            quartier_solar::PositionAlgorithm::default(),
        ) {
            Ok(fine) => Some(fine),
            Err(e) => {
                self.push(
                    path,
                    format!("{}: placing it on the axis step: {e}", file.display()),
                    Some("subhourly = \"hold\", or a file whose step divides evenly".into()),
                );
                None
            }
        }
    }

    /// Weather of a real period on the axis: `Ok(None)` when it does not cover it.
    fn onto_axis_weather(
        &self,
        w: &Weather,
        method: SubHourly,
        taken_at: &quartier_solar::Location,
    ) -> Result<Option<Weather>, String> {
        let (from, to) = (w.axis.step(), self.axis.step());
        if from == to {
            return Ok(slice_weather(w, &self.axis));
        }
        if from > to {
            if method == SubHourly::ClearSkyIndex {
                // The file's intervals over the axis, with one more on each side when the
                // file has it (the interpolation at the ends uses its neighbours).
                let Some(cover) = covering(&w.axis, &self.axis) else {
                    return Ok(None);
                };
                let Some(part) = slice_weather(w, &cover) else {
                    return Ok(None);
                };
                let fine = quartier_solar::refine_weather(
                    &part,
                    to,
                    taken_at,
                    quartier_solar::PositionAlgorithm::default(),
                )
                .map_err(|e| e.to_string())?;
                return Ok(slice_weather(&fine, &self.axis));
            }
            let fine = w.resample(to).map_err(|e| e.to_string())?;
            return Ok(slice_weather(&fine, &self.axis));
        }
        let Ok(sub) = Axis::from_range(self.axis.start(), self.axis.end(), from) else {
            return Ok(None);
        };
        match slice_weather(w, &sub) {
            Some(part) => part.resample(to).map(Some).map_err(|e| e.to_string()),
            None => Ok(None),
        }
    }

    /// A series of a real period on the axis: `Ok(None)` when it does not cover it.
    fn onto_axis(&self, s: &Series) -> Result<Option<Series>, String> {
        let (from, to) = (s.axis().step(), self.axis.step());
        if from == to {
            return Ok(s.slice(&self.axis).ok());
        }
        if from > to {
            let fine = s.resample(to).map_err(|e| e.to_string())?;
            return Ok(fine.slice(&self.axis).ok());
        }
        let Ok(sub) = Axis::from_range(self.axis.start(), self.axis.end(), from) else {
            return Ok(None);
        };
        match s.slice(&sub) {
            Ok(part) => part.resample(to).map(Some).map_err(|e| e.to_string()),
            Err(_) => Ok(None),
        }
    }

    /// Reads a series file, scales it and places it on the axis.
    fn series(&mut self, sf: &SeriesFile, field: &str, quantity: Quantity) -> Option<Series> {
        let path = format!("{field}.file");
        let (fill, max_steps) = match sf.missing {
            MissingPolicy::Interpolate { max_steps } => {
                (FillPolicy::LinearUpTo(max_steps), max_steps)
            }
            // A district file refuses `exclude` when it is read.
            MissingPolicy::Error | MissingPolicy::Exclude => (FillPolicy::None, 0),
        };
        let read = match sf.format {
            SeriesFormat::Enedis => enedis::read_enedis(&sf.path, fill).map(|(s, _)| s),
            SeriesFormat::Csv => read_csv(
                &sf.path,
                &CsvOptions {
                    column: sf.column.clone(),
                    timezone: sf.timezone.unwrap_or(self.tz),
                    quantity,
                    label: IntervalLabel::Start,
                    fill,
                    allow_negative: sf.allow_negative || !quantity.is_extensive(),
                    negative_setting: Some("allow_negative = true"),
                },
            ),
        };
        let s = match read {
            Ok(s) => s.scaled(sf.scale),
            Err(e) => {
                self.read_errors(&path, e);
                return None;
            }
        };
        // Runs longer than max_gap_steps stay missing: a simulation cannot run on them.
        if let Some(first) = s.values().iter().position(|v| v.is_nan()) {
            let len = s.values()[first..]
                .iter()
                .take_while(|v| v.is_nan())
                .count();
            let missing = s.values().iter().filter(|v| v.is_nan()).count();
            self.push(
                &path,
                format!(
                    "{}: a gap of {len} steps from {} UTC is longer than max_gap_steps = {max_steps} ({missing} steps missing in all)",
                    sf.path.display(),
                    s.axis().time(first).format("%Y-%m-%d %H:%M"),
                ),
                Some("a larger max_gap_steps, or the missing readings in the file".into()),
            );
            return None;
        }
        match self.onto_axis(&s) {
            Ok(Some(x)) => Some(x),
            Ok(None) => {
                self.not_covered(&path, &sf.path, s.axis(), "");
                None
            }
            Err(e) => {
                self.push(&path, format!("{}: {e}", sf.path.display()), None);
                None
            }
        }
    }

    /// The production of PV system `i` when it is given (measured, or a profile times its
    /// kWp), kWh per interval on the axis; `Some(None)` when it is computed from the weather.
    fn pv_given(&mut self, i: usize, pv: &PvSystem) -> Option<Option<Series>> {
        let (field, power) = match &pv.source {
            PvSource::Modelled => return Some(None),
            // kWh per interval, or the operator's export in kW.
            PvSource::Measured(sf) => {
                let field = format!("pv[{i}].production");
                let s = self.series(sf, &field, Quantity::EnergyKwh)?;
                (field, Ok(s))
            }
            // Mean kW per kWp, times the kWp: mean kW.
            PvSource::Profile(sf) => {
                let field = format!("pv[{i}].profile");
                let s = self.series(sf, &field, Quantity::Dimensionless)?;
                let kw = s.values().iter().map(|p| p * pv.spec.kwp).collect();
                (field, Series::new(*s.axis(), Quantity::PowerKw, kw))
            }
        };
        match power.and_then(|s| s.to_quantity(Quantity::EnergyKwh)) {
            Ok(kwh) => Some(Some(kwh)),
            Err(e) => {
                self.push(&field, e.to_string(), None);
                None
            }
        }
    }

    fn load(&mut self, i: usize, load: &Load) -> Option<Series> {
        match &load.source {
            LoadSource::Profile {
                profile,
                annual_kwh,
            } => {
                match profile_energy(*profile, &self.axis, self.tz, *annual_kwh, &FrenchHolidays) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        self.push(&format!("loads[{i}].profile"), e.to_string(), None);
                        None
                    }
                }
            }
            LoadSource::Curve(sf) => {
                self.series(sf, &format!("loads[{i}].curve"), Quantity::EnergyKwh)
            }
        }
    }

    fn import_price(&mut self, price: &ImportPrice) -> Option<Series> {
        let q = Quantity::PriceEurPerKwh;
        match price {
            ImportPrice::Flat(x) => Some(Series::constant(self.axis, q, *x)),
            ImportPrice::Series(sf) => self.series(sf, "grid.import_price.series", q),
            ImportPrice::TimeOfUse {
                base_eur_per_kwh,
                periods,
            } => {
                let values = self
                    .axis
                    .times()
                    .map(|t| {
                        let h = t.with_timezone(&self.tz).hour();
                        periods
                            .iter()
                            .find(|p| in_period(h, p.start_hour, p.end_hour))
                            .map_or(*base_eur_per_kwh, |p| p.eur_per_kwh)
                    })
                    .collect();
                Series::new(self.axis, q, values).ok()
            }
        }
    }

    fn hydrogen_demand(&mut self, i: usize, h: &HydrogenDemand) -> Option<Series> {
        match &h.source {
            HydrogenDemandSource::Series(sf) => self.series(
                sf,
                &format!("hydrogen_demands[{i}].series"),
                Quantity::HydrogenKg,
            ),
            HydrogenDemandSource::Daily { kg_per_day, hours } => {
                match daily_profile(&self.axis, self.tz, *kg_per_day, hours) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        self.push(&format!("hydrogen_demands[{i}]"), e, None);
                        None
                    }
                }
            }
        }
    }

    fn ev_sessions(
        &mut self,
        i: usize,
        ev: &EvCharging,
    ) -> Option<(Vec<EvSession>, SessionsReport)> {
        // Replayed datasets often hold incomplete rows: they are skipped and counted, but a
        // file with no readable session at all is an error.
        let path = format!("ev_charging[{i}].sessions");
        let options = SessionOptions {
            timezone: ev.timezone,
            skip_invalid_rows: true,
        };
        let read = match read_sessions(&ev.sessions, &options) {
            Ok(r) => r,
            Err(e) => {
                self.read_errors(&path, e);
                return None;
            }
        };
        if read.sessions.is_empty() && !read.skipped.is_empty() {
            self.read_errors(&path, ReadErrors(read.skipped));
            return None;
        }
        let mut report = SessionsReport {
            name: ev.name.clone(),
            read: read.sessions.len(),
            invalid_rows: read.skipped.len(),
            invalid_examples: read
                .skipped
                .iter()
                .take(3)
                .map(ToString::to_string)
                .collect(),
            ..SessionsReport::default()
        };
        let shift = Duration::days(ev.shift_days);
        let mut out = Vec::new();
        for r in &read.sessions {
            let max_kw = r.charger_kw.map_or(ev.charger_kw, |k| k.min(ev.charger_kw));
            match place(
                &self.axis,
                r.plug_in + shift,
                r.plug_out + shift,
                r.energy_kwh,
                max_kw,
            ) {
                Some(s) => {
                    tally(&mut report, &s, r.energy_kwh);
                    out.push(s);
                }
                None => report.outside_axis += 1,
            }
        }
        Some((out, report))
    }
}

/// True when local hour `h` lies in `[start, end)`, wrapping past midnight when end ≤ start.
fn in_period(h: u32, start: u32, end: u32) -> bool {
    if start < end {
        (start..end).contains(&h)
    } else {
        h >= start || h < end
    }
}

/// A session on the axis: arrival = the interval containing plug-in, departure = the first
/// interval starting at or after plug-out (clamped to the axis end), energy capped at what
/// `max_kw` delivers in between. `None` when plug-in lies outside the axis.
fn place(
    axis: &Axis,
    plug_in: DateTime<Utc>,
    plug_out: DateTime<Utc>,
    energy_kwh: f64,
    max_kw: f64,
) -> Option<EvSession> {
    let arrival = axis.index_containing(plug_in)?;
    let step_s = i64::from(axis.step().minutes()) * 60;
    let after = (plug_out - axis.start()).num_seconds();
    let ceil = if after <= 0 {
        0
    } else {
        usize::try_from((after + step_s - 1) / step_s).unwrap_or(usize::MAX)
    };
    let departure = ceil.clamp(arrival + 1, axis.len());
    let deliverable = max_kw * (departure - arrival) as f64 * axis.step().hours();
    Some(EvSession {
        arrival,
        departure,
        energy_kwh: energy_kwh.min(deliverable).max(0.0),
        max_kw,
    })
}

fn tally(report: &mut SessionsReport, s: &EvSession, wanted_kwh: f64) {
    report.kept += 1;
    report.kept_kwh += s.energy_kwh;
    if s.energy_kwh < wanted_kwh {
        report.capped += 1;
        report.capped_kwh += wanted_kwh - s.energy_kwh;
    }
}

/// UTC instant of local `date` at `hour`:00 (a time skipped by DST moves to the next hour).
fn local_hour(date: NaiveDate, hour: u32, tz: Tz) -> Option<DateTime<Utc>> {
    let mut t = date.and_time(NaiveTime::from_hms_opt(hour.min(23), 0, 0)?);
    for _ in 0..3 {
        if let Some(x) = tz.from_local_datetime(&t).earliest() {
            return Some(x.with_timezone(&Utc));
        }
        t += Duration::hours(1);
    }
    None
}

/// One aggregated session per day of use of a fleet: plug-in at `plug_in_hour` of the day,
/// plug-out at `plug_out_hour` (the next day when ≤ plug_in_hour), energy = vehicles ×
/// km_per_day × kwh_per_km, max_kw = vehicles × charger_kw.
fn fleet_sessions(f: &Fleet, axis: &Axis, tz: Tz) -> (Vec<EvSession>, SessionsReport) {
    let mut report = SessionsReport {
        name: f.name.clone(),
        ..SessionsReport::default()
    };
    let mut out = Vec::new();
    if axis.is_empty() {
        return (out, report);
    }
    let first = axis.start().with_timezone(&tz).date_naive();
    let last = (axis.end() - Duration::seconds(1))
        .with_timezone(&tz)
        .date_naive();
    let energy = f64::from(f.vehicles) * f.km_per_day * f.kwh_per_km;
    let max_kw = f64::from(f.vehicles) * f.charger_kw;
    for day in first.iter_days().take_while(|d| *d <= last) {
        let wd = day.weekday().num_days_from_monday() as usize;
        if !f.weekdays.get(wd).copied().unwrap_or(false) {
            continue;
        }
        let out_day = if f.plug_out_hour <= f.plug_in_hour {
            day.succ_opt().unwrap_or(day)
        } else {
            day
        };
        let (Some(plug_in), Some(plug_out)) = (
            local_hour(day, f.plug_in_hour, tz),
            local_hour(out_day, f.plug_out_hour, tz),
        ) else {
            continue;
        };
        report.read += 1;
        match place(axis, plug_in, plug_out, energy, max_kw) {
            Some(s) => {
                tally(&mut report, &s, energy);
                out.push(s);
            }
            None => report.outside_axis += 1,
        }
    }
    (out, report)
}

/// `kg_per_day` shared equally among the intervals of each local day whose local hour is
/// listed; a day only partly on the axis gets the share of its intervals on the axis.
fn daily_profile(axis: &Axis, tz: Tz, kg_per_day: f64, hours: &[u32]) -> Result<Series, String> {
    let mut values = vec![0.0; axis.len()];
    let mut i = 0;
    while i < axis.len() {
        let day = axis.time(i).with_timezone(&tz).date_naive();
        let whole = Axis::local_days(day, day, tz, axis.step()).map_err(|e| e.to_string())?;
        let listed = |t: DateTime<Utc>| hours.contains(&t.with_timezone(&tz).hour());
        let per_day = whole.times().filter(|t| listed(*t)).count();
        let mut j = i;
        while j < axis.len() && axis.time(j).with_timezone(&tz).date_naive() == day {
            match values.get_mut(j) {
                Some(v) if per_day > 0 && listed(axis.time(j)) => *v = kg_per_day / per_day as f64,
                _ => {}
            }
            j += 1;
        }
        i = j.max(i + 1);
    }
    Series::new(*axis, Quantity::HydrogenKg, values).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dst_axis() -> Axis {
        let day = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
        Axis::local_days(
            day,
            day,
            chrono_tz::Europe::Paris,
            quartier_timeseries::Step::MIN15,
        )
        .unwrap()
    }

    #[test]
    fn sessions_are_placed_by_interval_and_capped() {
        let axis = dst_axis();
        let t = |h: i64, m: i64| axis.start() + Duration::hours(h) + Duration::minutes(m);
        // 08:05 → 12:40 after the axis start: arrival 32, departure 51 (first start ≥ 12:40).
        let s = place(&axis, t(8, 5), t(12, 40), 9.5, 7.4).unwrap();
        assert_eq!((s.arrival, s.departure, s.energy_kwh), (32, 51, 9.5));
        // Exactly on the grid: 13:00 → 14:00 is 4 intervals; 30 kWh capped at 7.4 kW × 1 h.
        let s = place(&axis, t(13, 0), t(14, 0), 30.0, 7.4).unwrap();
        assert_eq!((s.arrival, s.departure), (52, 56));
        assert!((s.energy_kwh - 7.4).abs() < 1e-12);
        // Past the axis end: departure clamped.
        let s = place(&axis, t(20, 0), t(30, 0), 1.0, 7.4).unwrap();
        assert_eq!(s.departure, 92);
        // Plug-in before the axis: dropped.
        assert!(place(&axis, t(-1, 0), t(2, 0), 1.0, 7.4).is_none());
        // Within one interval: one interval long.
        let s = place(&axis, t(3, 1), t(3, 2), 0.1, 7.4).unwrap();
        assert_eq!(s.departure - s.arrival, 1);
    }

    #[test]
    fn tou_periods_wrap_past_midnight() {
        assert!(in_period(23, 22, 6) && in_period(0, 22, 6) && in_period(5, 22, 6));
        assert!(!in_period(6, 22, 6) && !in_period(21, 22, 6));
        assert!(in_period(12, 12, 14) && !in_period(14, 12, 14));
        assert!(in_period(0, 0, 24) && in_period(23, 0, 24));
    }

    #[test]
    fn daily_hydrogen_is_exact_per_day_even_on_a_dst_day() {
        let axis = dst_axis();
        let tz = chrono_tz::Europe::Paris;
        // Hour 2 does not exist on 2025-03-30: the day's 10 kg go to hours 6 and 18.
        let s = daily_profile(&axis, tz, 10.0, &[2, 6, 18]).unwrap();
        assert!((s.sum() - 10.0).abs() < 1e-9);
        assert_eq!(s.values().iter().filter(|v| **v > 0.0).count(), 8);
    }

    #[test]
    fn fleet_days_follow_the_weekdays() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 24).unwrap(); // a Monday
        let tz = chrono_tz::Europe::Paris;
        let axis = Axis::local_days(
            day,
            day + Duration::days(6),
            tz,
            quartier_timeseries::Step::MIN60,
        )
        .unwrap();
        let fleet = Fleet {
            name: "bikes".into(),
            participant: None,
            vehicles: 10,
            km_per_day: 40.0,
            kwh_per_km: 0.02,
            charger_kw: 0.5,
            plug_in_hour: 18,
            plug_out_hour: 7,
            weekdays: [true, true, true, true, true, false, false],
        };
        let (s, r) = fleet_sessions(&fleet, &axis, tz);
        assert_eq!(s.len(), 5);
        assert_eq!(r.read, 5);
        assert_eq!(s[0].arrival, 18);
        assert_eq!(s[0].departure, 24 + 7);
        assert!((s[0].energy_kwh - 8.0).abs() < 1e-12);
        assert_eq!(s[0].max_kw, 5.0);
        assert_eq!(r.capped, 0);
    }
}
