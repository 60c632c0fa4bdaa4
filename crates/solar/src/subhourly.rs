//! Hourly (or any coarse) weather on a finer step, with the irradiance interpolated through
//! the clear-sky index and the sun position of each sub-step instead of held flat.
//!
//! Holding an hour's irradiance over its four quarter-hours gives a PV curve in stairs: the
//! first quarter-hour after sunrise gets the hour's mean, the sun's rise within the hour is
//! lost. Irradiance varies through the hour mostly because the sun moves, and the clear-sky
//! index (measured over clear-sky irradiance) varies slowly; so the method, for each coarse
//! interval `h` of the file (start `t_h`, sampled at `a_h = t_h + sample offset`):
//!
//! 1. Clear-sky GHI at the middle of every sub-step, by Haurwitz (1945), from the apparent
//!    zenith (pvlib `clearsky.haurwitz`: `1098 · cos z · exp(−0.059 / cos z)`, 0 with the sun
//!    down), with the sun where the data were taken (the `location` given: a district gives
//!    the weather file's own coordinates when it has them, as PVGIS and EPW files do, so that
//!    a file from elsewhere keeps the shape of its own days).
//! 2. The interval's clear-sky index `k_h = GHI_h / GHI_cs,h`. When the file's values are
//!    interval means (sampled at the middle: [`Weather::sample_offset_minutes`] = half the
//!    step, as the generic CSV), `GHI_cs,h` is the mean of the interval's sub-step clear-sky
//!    values; when they are instantaneous samples (PVGIS: at `HH:10`), it is the clear-sky
//!    GHI at the sampling instant. `k_h` is defined when `GHI_h > 0` and `GHI_cs,h ≥ 1 W/m²`,
//!    and clipped to `[0, 2]`.
//! 3. The index at each sub-step middle is interpolated linearly in time between the sampling
//!    instants of neighbouring intervals whose index is defined (the interval's own index
//!    beyond a neighbour without one: night, the file's ends); `GHI = k · GHI_cs`.
//! 4. Interval means are kept: the sub-steps of an interval whose file value is a mean are
//!    scaled so that their mean is the file's value exactly. An interval with sunlight in the
//!    file but no clear-sky reference (the sun at the horizon) is held flat.
//! 5. The interval's diffuse fraction `DHI_h / GHI_h` is held over its sub-steps;
//!    `DNI = (GHI − DHI) / cos z` (apparent zenith) with the sun more than 1° above the
//!    horizon, else 0, capped at the extraterrestrial irradiance.
//! 6. Air temperature and wind speed are interpolated linearly between sampling instants
//!    (held beyond the file's first and last).
//!
//! The result is sampled at the middle of each sub-step. `tools/pvlib_subhourly.py` checks it
//! against the same method written with pvlib, and pvlib's PV chain on it.

use chrono::{DateTime, Duration, Utc};
use quartier_timeseries::{Axis, Step, Weather, WeatherMeta};

use crate::position::{PositionAlgorithm, SunCalculator, extraterrestrial_dni_at};
use crate::{Location, SolarError};

/// Where a weather file's data were taken, for its clear-sky index: the file's own
/// coordinates when it has valid ones (PVGIS, EPW; its elevation, else `site`'s altitude), else
/// `site` (a CSV has none).
pub fn taken_at(meta: &WeatherMeta, site: &Location) -> Location {
    let own = Location {
        latitude_deg: meta.latitude_deg,
        longitude_deg: meta.longitude_deg,
        altitude_m: if meta.elevation_m.is_finite() {
            meta.elevation_m
        } else {
            site.altitude_m
        },
    };
    if own.validate().is_ok() { own } else { *site }
}

/// Haurwitz clear-sky global horizontal irradiance (W/m²) for an apparent zenith in degrees
/// (pvlib `clearsky.haurwitz`): 0 when the sun is at or below the horizon.
pub fn haurwitz_ghi_w_m2(apparent_zenith_deg: f64) -> f64 {
    let cos_z = apparent_zenith_deg.to_radians().cos();
    if cos_z > 0.0 {
        1098.0 * cos_z * (-0.059 / cos_z).exp()
    } else {
        0.0
    }
}

/// Largest clear-sky index kept; beyond it (cloud enhancement at a grazing sun) it is clipped.
const MAX_CLEAR_SKY_INDEX: f64 = 2.0;
/// Smallest clear-sky reference (W/m²) for which an index is computed.
const MIN_CLEAR_SKY_W_M2: f64 = 1.0;
/// Lowest sun (cosine of the apparent zenith, 1° above the horizon) for which DNI is derived.
const MIN_COS_ZENITH: f64 = 0.017_452_406;

fn shifted(t: DateTime<Utc>, minutes: f64) -> DateTime<Utc> {
    t + Duration::milliseconds((minutes * 60_000.0).round() as i64)
}

/// Linear interpolation at `x` between `(x0, y0)` and `(x1, y1)` (`x0 < x1`).
fn lerp(x: f64, x0: f64, y0: f64, x1: f64, y1: f64) -> f64 {
    y0 + (y1 - y0) * (x - x0) / (x1 - x0)
}

/// The value at `x` of values known at increasing positions `xs` (NaN = unknown), interpolated
/// between the known neighbours of `own` (the interval `x` belongs to), or `own`'s value alone
/// when the neighbour on `x`'s side is unknown or missing.
fn between(x: f64, own: usize, xs: &[f64], ys: &[f64]) -> f64 {
    let y = ys[own];
    let other = if x < xs[own] {
        own.checked_sub(1)
    } else {
        Some(own + 1).filter(|&i| i < ys.len())
    };
    match other {
        Some(o) if ys[o].is_finite() && y.is_finite() => lerp(x, xs[own], y, xs[o], ys[o]),
        _ => y,
    }
}

/// `weather`, taken at `location`, on the finer step `to` by the clear-sky-index method of
/// this module's documentation. `to` must divide the weather's step; the same step returns the weather as
/// it is. NaN values stay NaN in their sub-steps.
pub fn refine_weather(
    weather: &Weather,
    to: Step,
    location: &Location,
    algorithm: PositionAlgorithm,
) -> Result<Weather, SolarError> {
    weather.validate()?;
    let from = weather.axis.step();
    if from == to {
        return Ok(weather.clone());
    }
    let (from_min, to_min) = (from.minutes(), to.minutes());
    if to_min > from_min || from_min % to_min != 0 {
        return Err(SolarError::InvalidSpec {
            field: "step",
            value: f64::from(to_min),
            expected: "a step that divides the weather file's step",
        });
    }
    let k = (from_min / to_min) as usize;
    let n = weather.axis.len();
    let offset = weather.sample_offset_minutes;
    if !offset.is_finite() || !(0.0..=f64::from(from_min)).contains(&offset) {
        return Err(SolarError::InvalidSpec {
            field: "sample_offset_minutes",
            value: offset,
            expected: "an offset within the weather's step",
        });
    }
    let interval_means = (offset - f64::from(from_min) / 2.0).abs() < 1e-6;
    let axis = Axis::new(weather.axis.start(), to, n * k)?;
    let sun = SunCalculator::new(location, algorithm)?;
    let half = f64::from(to_min) / 2.0;
    // Minutes since the axis start: the file's sampling instants and the sub-step middles.
    let anchors: Vec<f64> = (0..n)
        .map(|h| (h as f64) * f64::from(from_min) + offset)
        .collect();
    let mut zenith = Vec::with_capacity(n * k);
    let mut clear = Vec::with_capacity(n * k);
    let mut extra = Vec::with_capacity(n * k);
    for i in 0..n * k {
        let t = shifted(axis.time(i), half);
        let (z, _) = sun.apparent_at(t)?;
        zenith.push(z);
        clear.push(haurwitz_ghi_w_m2(z));
        extra.push(extraterrestrial_dni_at(t));
    }
    let mut index = Vec::with_capacity(n);
    for h in 0..n {
        let reference = if interval_means {
            clear[h * k..(h + 1) * k].iter().sum::<f64>() / k as f64
        } else {
            let (z, _) = sun.apparent_at(shifted(weather.axis.time(h), offset))?;
            haurwitz_ghi_w_m2(z)
        };
        let ghi = weather.ghi_w_m2[h];
        index.push(if ghi > 0.0 && reference >= MIN_CLEAR_SKY_W_M2 {
            (ghi / reference).clamp(0.0, MAX_CLEAR_SKY_INDEX)
        } else {
            f64::NAN
        });
    }
    let mut out = Weather {
        axis,
        ghi_w_m2: vec![0.0; n * k],
        dni_w_m2: vec![0.0; n * k],
        dhi_w_m2: vec![0.0; n * k],
        temp_air_c: vec![0.0; n * k],
        wind_speed_m_s: vec![0.0; n * k],
        sample_offset_minutes: half,
    };
    for h in 0..n {
        let ghi_h = weather.ghi_w_m2[h];
        let subs = h * k..(h + 1) * k;
        let middle = |i: usize| (i as f64) * f64::from(to_min) + half;
        for i in subs.clone() {
            out.temp_air_c[i] = between(middle(i), h, &anchors, &weather.temp_air_c);
            out.wind_speed_m_s[i] = between(middle(i), h, &anchors, &weather.wind_speed_m_s);
        }
        if !ghi_h.is_finite() || !weather.dhi_w_m2[h].is_finite() {
            for i in subs {
                out.ghi_w_m2[i] = f64::NAN;
                out.dhi_w_m2[i] = f64::NAN;
                out.dni_w_m2[i] = f64::NAN;
            }
            continue;
        }
        if ghi_h <= 0.0 {
            continue;
        }
        if index[h].is_nan() {
            // Sunlight in the file but no clear-sky reference: hold the interval flat.
            for i in subs.clone() {
                out.ghi_w_m2[i] = ghi_h;
            }
        } else {
            for i in subs.clone() {
                let kt = between(middle(i), h, &anchors, &index).clamp(0.0, MAX_CLEAR_SKY_INDEX);
                out.ghi_w_m2[i] = kt * clear[i];
            }
            let sum: f64 = out.ghi_w_m2[subs.clone()].iter().sum();
            if interval_means && sum > 0.0 {
                let scale = ghi_h * k as f64 / sum;
                for i in subs.clone() {
                    out.ghi_w_m2[i] *= scale;
                }
            }
        }
        let diffuse_fraction = (weather.dhi_w_m2[h] / ghi_h).clamp(0.0, 1.0);
        for i in subs {
            let ghi = out.ghi_w_m2[i];
            let dhi = diffuse_fraction * ghi;
            let cos_z = zenith[i].to_radians().cos();
            out.dhi_w_m2[i] = dhi;
            out.dni_w_m2[i] = if cos_z > MIN_COS_ZENITH {
                ((ghi - dhi) / cos_z).clamp(0.0, extra[i])
            } else {
                0.0
            };
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn paris() -> Location {
        Location {
            latitude_deg: 48.85,
            longitude_deg: 2.35,
            altitude_m: 35.0,
        }
    }

    /// A clear June day, hourly means of Haurwitz itself (30 % diffuse), sampled mid-hour.
    fn clear_day(offset: f64) -> Weather {
        let start = Utc.with_ymd_and_hms(2025, 6, 21, 0, 0, 0).unwrap();
        let axis = Axis::new(start, Step::MIN60, 24).unwrap();
        let sun = SunCalculator::new(&paris(), PositionAlgorithm::Spa).unwrap();
        let ghi: Vec<f64> = (0..24)
            .map(|h| {
                (0..60)
                    .map(|m| {
                        let t = axis.time(h) + Duration::seconds(m * 60 + 30);
                        0.8 * haurwitz_ghi_w_m2(sun.apparent_at(t).unwrap().0)
                    })
                    .sum::<f64>()
                    / 60.0
            })
            .collect();
        Weather {
            axis,
            dhi_w_m2: ghi.iter().map(|g| 0.3 * g).collect(),
            dni_w_m2: vec![0.0; 24],
            ghi_w_m2: ghi,
            temp_air_c: (0..24).map(|h| 15.0 + f64::from(h)).collect(),
            wind_speed_m_s: vec![2.0; 24],
            sample_offset_minutes: offset,
        }
    }

    #[test]
    fn interval_means_are_kept_and_the_clear_sky_shape_recovered() {
        let w = clear_day(30.0);
        let q = refine_weather(&w, Step::MIN15, &paris(), PositionAlgorithm::Spa).unwrap();
        assert_eq!(q.axis.len(), 96);
        assert_eq!(q.sample_offset_minutes, 7.5);
        for h in 0..24 {
            let mean = q.ghi_w_m2[4 * h..4 * h + 4].iter().sum::<f64>() / 4.0;
            assert!((mean - w.ghi_w_m2[h]).abs() < 1e-9, "hour {h}");
        }
        // The file is 0.8 × clear sky: each quarter-hour is within 2 % of 0.8 × its own
        // clear sky once the sun is up; held flat, some are off by more than 10 %.
        let sun = SunCalculator::new(&paris(), PositionAlgorithm::Spa).unwrap();
        let mut held_worst = 0.0_f64;
        for i in 4 * 5..4 * 19 {
            let t = q.axis.time(i) + Duration::seconds(450);
            let truth = 0.8 * haurwitz_ghi_w_m2(sun.apparent_at(t).unwrap().0);
            assert!(
                (q.ghi_w_m2[i] - truth).abs() <= 0.02 * truth + 1.0,
                "{i}: {} vs {truth}",
                q.ghi_w_m2[i]
            );
            assert!((q.dhi_w_m2[i] - 0.3 * q.ghi_w_m2[i]).abs() < 1e-9);
            held_worst = held_worst.max((w.ghi_w_m2[i / 4] - truth).abs() / truth);
            assert!(q.dni_w_m2[i] >= 0.0);
        }
        assert!(held_worst > 0.10, "held flat: worst {held_worst}");
        // Temperatures are interpolated between hour middles, held before the first.
        assert_eq!(q.temp_air_c[0], 15.0);
        assert!((q.temp_air_c[3] - 15.375).abs() < 1e-9);
        assert!((q.temp_air_c[4] - 15.625).abs() < 1e-9);
    }

    #[test]
    fn instantaneous_samples_are_anchored_at_their_instant() {
        let w = clear_day(10.0);
        let q = refine_weather(
            &w,
            Step::from_minutes(10).unwrap(),
            &paris(),
            PositionAlgorithm::Spa,
        )
        .unwrap();
        assert_eq!(q.axis.len(), 144);
        assert!(q.ghi_w_m2.iter().all(|g| g.is_finite() && *g >= 0.0));
        // Night stays dark, noon stays bright.
        assert_eq!(q.ghi_w_m2[0], 0.0);
        assert!(q.ghi_w_m2[72] > 500.0);
    }

    #[test]
    fn a_step_that_does_not_divide_is_refused_and_nan_stays_nan() {
        let mut w = clear_day(30.0);
        let e = refine_weather(
            &w,
            Step::from_minutes(40).unwrap(),
            &paris(),
            PositionAlgorithm::Spa,
        );
        assert!(e.is_err());
        w.ghi_w_m2[12] = f64::NAN;
        let q = refine_weather(&w, Step::MIN15, &paris(), PositionAlgorithm::Spa).unwrap();
        assert!(q.ghi_w_m2[48..52].iter().all(|g| g.is_nan()));
        assert!(q.ghi_w_m2[44..48].iter().all(|g| g.is_finite()));
    }
}
