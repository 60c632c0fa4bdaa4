//! The PVWatts-style model chain from [`Weather`] to AC energy per interval:
//! sun position → AOI → POA (beam, sky diffuse, ground) → IAM (optional) → cell
//! temperature → DC power → system losses → PVWatts inverter with clipping.
//!
//! **Time convention.** Interval `i` of `weather.axis` covers `[t_i, t_i + step)`; the sun
//! is evaluated at `t_i + weather.sample_offset_minutes` (half a step for interval means;
//! the irradiance sampling instant for instantaneous data such as PVGIS), and the AC power
//! found there is held over the whole interval: energy = P_ac × step hours.
//!
//! **Equivalence.** With [`ChainOptions::default`] the chain is pvlib's
//! `ModelChain(..., aoi_model='no_loss', spectral_model='no_loss')` with PVWatts DC and
//! inverter, Perez or Hay–Davies transposition with `dni_extra` (Spencer) and Kasten–Young
//! relative air mass, and a flat loss applied to DC power.

use chrono::Duration;
use quartier_timeseries::{Axis, Quantity, Series, Weather};

use crate::irradiance::{
    Iam, Plane, ground_diffuse, hay_davies_sky_diffuse, perez_sky_diffuse, poa_beam,
};
use crate::position::{
    PositionAlgorithm, SunCalculator, extraterrestrial_dni_at, relative_airmass_kasten_young,
};
use crate::power::{PVWATTS_ETA_INV_REF, pvwatts_dc_kw, pvwatts_inverter_ac_kw};
use crate::{Location, PvSpec, SolarError, Transposition};

/// Options of the chain that are not part of the system's [`PvSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ChainOptions {
    /// Solar-position algorithm (default SPA).
    pub algorithm: PositionAlgorithm,
    /// Incidence-angle modifier on the beam component (default none, like pvlib's PVWatts
    /// chain with `aoi_model='no_loss'`).
    pub iam: Iam,
}

/// Every intermediate array of the chain, one value per interval of [`PvChain::axis`], for
/// diagnostics and comparison with other tools.
#[derive(Debug, Clone, PartialEq)]
pub struct PvChain {
    /// The weather's axis.
    pub axis: Axis,
    /// Minutes after each interval's start at which the sun was evaluated.
    pub sample_offset_minutes: f64,
    /// Apparent (refracted) solar zenith, degrees.
    pub apparent_zenith_deg: Vec<f64>,
    /// Solar azimuth clockwise from north, degrees.
    pub azimuth_deg: Vec<f64>,
    /// Angle of incidence on the plane, degrees.
    pub aoi_deg: Vec<f64>,
    /// POA beam irradiance, W/m².
    pub poa_beam_w_m2: Vec<f64>,
    /// POA sky diffuse irradiance, W/m².
    pub poa_sky_diffuse_w_m2: Vec<f64>,
    /// POA ground-reflected irradiance, W/m².
    pub poa_ground_diffuse_w_m2: Vec<f64>,
    /// Total POA irradiance, W/m².
    pub poa_global_w_m2: Vec<f64>,
    /// Cell temperature, °C.
    pub cell_temperature_c: Vec<f64>,
    /// DC power after system losses, kW.
    pub p_dc_kw: Vec<f64>,
    /// AC power, kW (≥ 0, ≤ the AC rating).
    pub p_ac_kw: Vec<f64>,
}

impl PvChain {
    /// AC energy per interval, kWh: `P_ac × step hours`.
    pub fn ac_energy(&self) -> Result<Series, SolarError> {
        let h = self.axis.step().hours();
        let values = self.p_ac_kw.iter().map(|p| p * h).collect();
        Ok(Series::new(self.axis, Quantity::EnergyKwh, values)?)
    }
}

/// AC energy per interval (kWh, [`Quantity::EnergyKwh`]) of the PV system `spec` at
/// `location` under `weather`, on `weather.axis`, with [`ChainOptions::default`].
///
/// See the module documentation for the time convention. Fails with a typed error on an
/// out-of-range spec or location, on weather fields of the wrong length or non-finite
/// values, and on instants the solar-position algorithm rejects.
pub fn pv_ac_energy(
    weather: &Weather,
    location: &Location,
    spec: &PvSpec,
) -> Result<Series, SolarError> {
    pv_chain(weather, location, spec, &ChainOptions::default())?.ac_energy()
}

/// The sun seen from one location at the sampling instants of one weather axis: computed once
/// and shared by every PV system of a site (the solar position is most of the chain's cost).
#[derive(Debug, Clone, PartialEq)]
pub struct SunTrack {
    /// The weather axis it was computed for.
    pub axis: Axis,
    /// The weather's sampling offset it was computed with, minutes.
    pub sample_offset_minutes: f64,
    /// Apparent (refracted) solar zenith, degrees.
    pub apparent_zenith_deg: Vec<f64>,
    /// Solar azimuth clockwise from north, degrees.
    pub azimuth_deg: Vec<f64>,
    /// Extraterrestrial normal irradiance, W/m².
    pub dni_extra_w_m2: Vec<f64>,
    /// Kasten–Young relative air mass (`None` with the sun below the horizon).
    pub relative_airmass: Vec<Option<f64>>,
}

impl SunTrack {
    /// Computes the sun at `time(i) + weather.sample_offset_minutes` for every interval.
    pub fn compute(
        weather: &Weather,
        location: &Location,
        algorithm: PositionAlgorithm,
    ) -> Result<SunTrack, SolarError> {
        let offset = weather.sample_offset_minutes;
        if !offset.is_finite() || offset.abs() > 1440.0 {
            return Err(SolarError::InvalidSpec {
                field: "sample_offset_minutes",
                value: offset,
                expected: "a finite offset within a day",
            });
        }
        let sun = SunCalculator::new(location, algorithm)?;
        let shift = Duration::milliseconds((offset * 60_000.0).round() as i64);
        let n = weather.axis.len();
        let mut track = SunTrack {
            axis: weather.axis,
            sample_offset_minutes: offset,
            apparent_zenith_deg: Vec::with_capacity(n),
            azimuth_deg: Vec::with_capacity(n),
            dni_extra_w_m2: Vec::with_capacity(n),
            relative_airmass: Vec::with_capacity(n),
        };
        for i in 0..n {
            let t = weather.axis.time(i) + shift;
            let (zen, azimuth) = sun.apparent_at(t)?;
            track.apparent_zenith_deg.push(zen);
            track.azimuth_deg.push(azimuth);
            track.dni_extra_w_m2.push(extraterrestrial_dni_at(t));
            track
                .relative_airmass
                .push(relative_airmass_kasten_young(zen));
        }
        Ok(track)
    }
}

/// The whole chain with its intermediate arrays (see [`PvChain`]).
pub fn pv_chain(
    weather: &Weather,
    location: &Location,
    spec: &PvSpec,
    options: &ChainOptions,
) -> Result<PvChain, SolarError> {
    spec.validate()?;
    weather.validate()?;
    check_weather(weather)?;
    let sun = SunTrack::compute(weather, location, options.algorithm)?;
    pv_chain_with_sun(weather, &sun, spec, options)
}

/// AC energy per interval (kWh) of `spec` under `weather`, with the sun already computed for
/// this weather axis and location (see [`SunTrack`]); [`ChainOptions::default`] otherwise.
pub fn pv_ac_energy_with_sun(
    weather: &Weather,
    sun: &SunTrack,
    spec: &PvSpec,
) -> Result<Series, SolarError> {
    spec.validate()?;
    weather.validate()?;
    check_weather(weather)?;
    pv_chain_with_sun(weather, sun, spec, &ChainOptions::default())?.ac_energy()
}

/// The chain from a precomputed [`SunTrack`] (validated spec and weather assumed).
fn pv_chain_with_sun(
    weather: &Weather,
    sun: &SunTrack,
    spec: &PvSpec,
    options: &ChainOptions,
) -> Result<PvChain, SolarError> {
    if sun.axis != weather.axis || sun.sample_offset_minutes != weather.sample_offset_minutes {
        return Err(SolarError::LengthMismatch {
            name: "sun track (computed for another weather axis or sampling offset)",
            len: sun.axis.len(),
            expected: weather.axis.len(),
        });
    }
    if let Some(b0) = match options.iam {
        Iam::Ashrae { b0 } if !(0.0..=1.0).contains(&b0) => Some(b0),
        _ => None,
    } {
        return Err(SolarError::InvalidSpec {
            field: "iam.b0",
            value: b0,
            expected: "0..=1",
        });
    }
    let plane = Plane::new(spec.tilt_deg, spec.azimuth_deg);
    let loss_factor = 1.0 - spec.losses_pct / 100.0;
    let pac0_kw = spec.ac_rating_kw();
    let pdc0_inverter_kw = pac0_kw / spec.inverter_efficiency;

    let n = weather.axis.len();
    let mut out = PvChain {
        axis: weather.axis,
        sample_offset_minutes: weather.sample_offset_minutes,
        apparent_zenith_deg: sun.apparent_zenith_deg.clone(),
        azimuth_deg: sun.azimuth_deg.clone(),
        aoi_deg: Vec::with_capacity(n),
        poa_beam_w_m2: Vec::with_capacity(n),
        poa_sky_diffuse_w_m2: Vec::with_capacity(n),
        poa_ground_diffuse_w_m2: Vec::with_capacity(n),
        poa_global_w_m2: Vec::with_capacity(n),
        cell_temperature_c: Vec::with_capacity(n),
        p_dc_kw: Vec::with_capacity(n),
        p_ac_kw: Vec::with_capacity(n),
    };
    let fields = weather
        .ghi_w_m2
        .iter()
        .zip(&weather.dni_w_m2)
        .zip(&weather.dhi_w_m2)
        .zip(&weather.temp_air_c)
        .zip(&weather.wind_speed_m_s);
    for (i, ((((&ghi, &dni), &dhi), &t_air), &wind)) in fields.enumerate() {
        let zen = sun.apparent_zenith_deg[i];
        let sun_azimuth = sun.azimuth_deg[i];
        let dni_extra = sun.dni_extra_w_m2[i];
        let cos_aoi = plane.aoi_projection(zen, sun_azimuth);
        let aoi = cos_aoi.acos().to_degrees();
        let beam = poa_beam(dni, cos_aoi);
        let sky = match spec.transposition {
            Transposition::Perez => perez_sky_diffuse(
                dhi,
                dni,
                dni_extra,
                sun.relative_airmass[i],
                cos_aoi,
                zen,
                &plane,
            ),
            Transposition::HayDavies => {
                hay_davies_sky_diffuse(dhi, dni, dni_extra, cos_aoi, zen, &plane)
            }
        };
        let ground = ground_diffuse(ghi, spec.albedo, &plane);
        let poa_global = beam + sky + ground;
        let poa_effective = beam * options.iam.modifier(aoi) + sky + ground;
        let t_cell = spec
            .cell_temperature
            .cell_temperature_c(poa_global, t_air, wind);
        let p_dc =
            pvwatts_dc_kw(poa_effective, t_cell, spec.kwp, spec.gamma_pdc_per_c) * loss_factor;
        let p_ac = pvwatts_inverter_ac_kw(
            p_dc,
            pdc0_inverter_kw,
            spec.inverter_efficiency,
            PVWATTS_ETA_INV_REF,
        );
        out.aoi_deg.push(aoi);
        out.poa_beam_w_m2.push(beam);
        out.poa_sky_diffuse_w_m2.push(sky);
        out.poa_ground_diffuse_w_m2.push(ground);
        out.poa_global_w_m2.push(poa_global);
        out.cell_temperature_c.push(t_cell);
        out.p_dc_kw.push(p_dc);
        out.p_ac_kw.push(p_ac);
    }
    Ok(out)
}

fn check_weather(weather: &Weather) -> Result<(), SolarError> {
    let fields: [(&'static str, &[f64]); 5] = [
        ("ghi_w_m2", &weather.ghi_w_m2),
        ("dni_w_m2", &weather.dni_w_m2),
        ("dhi_w_m2", &weather.dhi_w_m2),
        ("temp_air_c", &weather.temp_air_c),
        ("wind_speed_m_s", &weather.wind_speed_m_s),
    ];
    for (field, values) in fields {
        if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SolarError::NonFiniteWeather {
                field,
                index,
                at: weather.axis.time(index),
                value,
            });
        }
    }
    Ok(())
}
