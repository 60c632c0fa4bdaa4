//! `quartier pv`: the AC energy of one PV system from a weather file.
//!
//! Flags → [`quartier_solar::PvSpec`] and [`quartier_solar::Location`] → weather read by
//! `quartier_timeseries` → [`quartier_solar::pv_chain`] → a `time_utc,ac_kwh` CSV (one row
//! per interval, labelled by its start in RFC 3339 UTC) and a summary on stdout (annual AC
//! kWh, kWh/kWp, and the sample offset at which the sun was evaluated). With `--step`, the
//! file is first placed on that finer step by the clear-sky-index method
//! ([`quartier_solar::refine_weather`]) and the CSV also gives the weather of each sub-step.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use quartier_solar::{
    CellTemperature, ChainOptions, Location, PvSpec, Transposition as SolarTransposition, pv_chain,
};
use quartier_timeseries::{Weather, WeatherMeta};

/// Weather file formats understood by `quartier pv`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeatherFormat {
    /// PVGIS typical meteorological year, CSV output.
    PvgisTmyCsv,
    /// PVGIS typical meteorological year, JSON output.
    PvgisTmyJson,
    /// PVGIS hourly radiation series (seriescalc), CSV output.
    PvgisHourlyCsv,
    /// PVGIS hourly radiation series (seriescalc), JSON output.
    PvgisHourlyJson,
    /// EnergyPlus weather file.
    Epw,
}

/// Sky-diffuse transposition model.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TranspositionArg {
    /// Perez 1990, all-sites composite coefficients.
    Perez,
    /// Hay–Davies.
    HayDavies,
}

/// Cell temperature model.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemperatureArg {
    /// Faiman, u0 = 25, u1 = 6.84 (pvlib defaults).
    Faiman,
    /// SAPM, open rack glass/glass.
    Sapm,
}

/// Flags of `quartier pv`.
#[derive(clap::Args, Debug)]
pub struct PvArgs {
    /// Weather file (irradiance, air temperature, wind).
    #[arg(long, value_name = "FILE")]
    pub weather: PathBuf,
    /// Format of the weather file.
    #[arg(long, value_enum, default_value = "pvgis-tmy-csv")]
    pub format: WeatherFormat,
    /// DC peak power, kWp.
    #[arg(long, value_name = "N")]
    pub kwp: f64,
    /// Tilt from horizontal, degrees.
    #[arg(long, value_name = "D")]
    pub tilt: f64,
    /// Azimuth clockwise from north, degrees (180 = south).
    #[arg(long, value_name = "D", default_value_t = 180.0)]
    pub azimuth: f64,
    /// System losses, percent of DC energy.
    #[arg(long, value_name = "PCT", default_value_t = 14.0)]
    pub losses: f64,
    /// DC/AC ratio: the inverter's AC rating is kWp / ratio.
    #[arg(long, default_value_t = 1.2)]
    pub dc_ac_ratio: f64,
    /// Nominal inverter efficiency (0–1].
    #[arg(long, default_value_t = 0.96)]
    pub inverter_efficiency: f64,
    /// Power temperature coefficient, 1/°C.
    #[arg(long, default_value_t = -0.004, allow_hyphen_values = true)]
    pub gamma: f64,
    /// Ground albedo (0–1).
    #[arg(long, default_value_t = 0.2)]
    pub albedo: f64,
    /// Sky-diffuse transposition model.
    #[arg(long, value_enum, default_value = "perez")]
    pub transposition: TranspositionArg,
    /// Cell temperature model.
    #[arg(long, value_enum, default_value = "faiman")]
    pub temperature: TemperatureArg,
    /// Latitude, degrees north (default: from the weather file).
    #[arg(long, allow_hyphen_values = true)]
    pub lat: Option<f64>,
    /// Longitude, degrees east (default: from the weather file).
    #[arg(long, allow_hyphen_values = true)]
    pub lon: Option<f64>,
    /// Altitude, metres (default: from the weather file).
    #[arg(long, allow_hyphen_values = true)]
    pub altitude: Option<f64>,
    /// Compute on this finer step, minutes (5, 10, 15, 20 or 30 for an hourly file): the
    /// irradiance is interpolated through the clear-sky index with each sub-step's sun, and
    /// the CSV also gives ghi_w_m2, dni_w_m2, dhi_w_m2, temp_air_c and wind_speed_m_s.
    #[arg(long, value_name = "MINUTES")]
    pub step: Option<u32>,
    /// Output CSV: `time_utc,ac_kwh` (and the weather columns with `--step`).
    #[arg(long, value_name = "OUT.csv")]
    pub out: PathBuf,
    /// Also print the in-process time of the PV chain.
    #[arg(long)]
    pub timing: bool,
}

impl PvArgs {
    fn spec(&self) -> PvSpec {
        PvSpec {
            kwp: self.kwp,
            tilt_deg: self.tilt,
            azimuth_deg: self.azimuth,
            losses_pct: self.losses,
            dc_ac_ratio: self.dc_ac_ratio,
            inverter_efficiency: self.inverter_efficiency,
            gamma_pdc_per_c: self.gamma,
            albedo: self.albedo,
            transposition: match self.transposition {
                TranspositionArg::Perez => SolarTransposition::Perez,
                TranspositionArg::HayDavies => SolarTransposition::HayDavies,
            },
            cell_temperature: match self.temperature {
                TemperatureArg::Faiman => CellTemperature::FAIMAN_PVLIB_DEFAULT,
                TemperatureArg::Sapm => CellTemperature::SAPM_OPEN_RACK_GLASS_GLASS,
            },
        }
    }

    fn location(&self, meta: &WeatherMeta) -> Location {
        Location {
            latitude_deg: self.lat.unwrap_or(meta.latitude_deg),
            longitude_deg: self.lon.unwrap_or(meta.longitude_deg),
            altitude_m: self.altitude.unwrap_or(meta.elevation_m),
        }
    }
}

/// Reads the weather, runs the PV chain, writes the CSV and prints the summary.
pub fn run(args: &PvArgs) -> anyhow::Result<()> {
    let (weather, meta) = read_weather(&args.weather, args.format)
        .with_context(|| format!("reading {}", args.weather.display()))?;
    let spec = args.spec();
    let location = args.location(&meta);
    let started = Instant::now();
    let weather = match args.step {
        None => weather,
        Some(minutes) => {
            let step = quartier_timeseries::Step::from_minutes(minutes)
                .with_context(|| format!("--step {minutes}"))?;
            // The clear-sky index is the sky's where the data were taken: the file's own
            // coordinates (PVGIS, EPW), whatever --lat and --lon say of the system.
            let taken_at = quartier_solar::taken_at(&meta, &location);
            quartier_solar::refine_weather(
                &weather,
                step,
                &taken_at,
                quartier_solar::PositionAlgorithm::default(),
            )
            .with_context(|| {
                format!(
                    "--step {minutes}: placing the {} weather on {minutes}-minute steps",
                    weather.axis.step()
                )
            })?
        }
    };
    let chain = pv_chain(&weather, &location, &spec, &ChainOptions::default())?;
    let energy = chain.ac_energy()?;
    let chain_time = started.elapsed();
    write_csv(&args.out, &energy, args.step.map(|_| &weather))?;

    let total_kwh = energy.sum();
    let years = weather.axis.hours() / 8760.0;
    println!(
        "site {:.4} N {:.4} E {:.0} m; {} steps of {} from {}; sample offset: {:.3} min after each interval start",
        location.latitude_deg,
        location.longitude_deg,
        location.altitude_m,
        weather.axis.len(),
        weather.axis.step(),
        weather.axis.start().to_rfc3339(),
        weather.sample_offset_minutes,
    );
    println!(
        "AC energy: {total_kwh:.1} kWh over {years:.3} year(s); {:.1} kWh/kWp per year",
        if years > 0.0 {
            total_kwh / spec.kwp / years
        } else {
            0.0
        }
    );
    println!("wrote {}", args.out.display());
    if args.timing {
        println!("chain time: {:.3} ms", chain_time.as_secs_f64() * 1000.0);
    }
    Ok(())
}

fn read_weather(path: &Path, format: WeatherFormat) -> anyhow::Result<(Weather, WeatherMeta)> {
    use quartier_timeseries as ts;
    let text = ts::reader::read_text(path)?;
    Ok(match format {
        WeatherFormat::PvgisTmyCsv => ts::parse_pvgis_tmy_csv(&text, path)?,
        WeatherFormat::PvgisTmyJson => ts::parse_pvgis_tmy_json(&text, path)?,
        WeatherFormat::PvgisHourlyCsv => ts::parse_pvgis_hourly_csv(&text, path)?,
        WeatherFormat::PvgisHourlyJson => ts::parse_pvgis_hourly_json(&text, path)?,
        WeatherFormat::Epw => ts::parse_epw(&text, path)?,
    })
}

/// Writes `time_utc,ac_kwh`, and the weather's columns when `weather` is given.
fn write_csv(
    path: &Path,
    energy: &quartier_timeseries::Series,
    weather: Option<&Weather>,
) -> anyhow::Result<()> {
    if energy.values().iter().any(|v| !v.is_finite()) {
        bail!("the PV chain produced a non-finite value");
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    match weather {
        None => writeln!(w, "time_utc,ac_kwh")?,
        Some(_) => writeln!(
            w,
            "time_utc,ac_kwh,ghi_w_m2,dni_w_m2,dhi_w_m2,temp_air_c,wind_speed_m_s"
        )?,
    }
    for (i, (t, v)) in energy.axis().times().zip(energy.values()).enumerate() {
        write!(
            w,
            "{},{v}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )?;
        if let Some(x) = weather {
            write!(
                w,
                ",{},{},{},{},{}",
                x.ghi_w_m2[i], x.dni_w_m2[i], x.dhi_w_m2[i], x.temp_air_c[i], x.wind_speed_m_s[i]
            )?;
        }
        writeln!(w)?;
    }
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        pv: PvArgs,
    }

    #[test]
    fn defaults_follow_the_pvwatts_spec() {
        let w = Wrapper::parse_from([
            "x",
            "--weather",
            "w.csv",
            "--kwp",
            "9",
            "--tilt",
            "30",
            "--out",
            "o.csv",
        ]);
        assert_eq!(w.pv.format, WeatherFormat::PvgisTmyCsv);
        assert_eq!(w.pv.spec(), PvSpec::pvwatts(9.0, 30.0, 180.0));
    }

    #[test]
    fn writes_one_row_per_hour_of_the_pvgis_tmy() {
        let Some(path) =
            quartier_testdata::shared_file("pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv")
        else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pv.csv");
        let w = Wrapper::parse_from([
            "x",
            "--weather",
            path.to_str().unwrap(),
            "--kwp",
            "100",
            "--tilt",
            "30",
            "--transposition",
            "hay-davies",
            "--temperature",
            "sapm",
            "--gamma",
            "-0.0035",
            "--out",
            out.to_str().unwrap(),
        ]);
        run(&w.pv).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("time_utc,ac_kwh"));
        let rows: Vec<(&str, f64)> = lines
            .map(|l| {
                let (t, v) = l.split_once(',').unwrap();
                (t, v.parse().unwrap())
            })
            .collect();
        assert_eq!(rows.len(), 8760);
        assert!(rows[0].0.ends_with('Z'));
        let total: f64 = rows.iter().map(|r| r.1).sum();
        assert!((110_000.0..160_000.0).contains(&total), "{total}");
        assert!(rows.iter().all(|r| (0.0..=100.0 / 1.2).contains(&r.1)));
    }
}
