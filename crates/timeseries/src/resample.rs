//! Resampling between steps that are multiples of each other.
//!
//! - Coarsening (15 min → 1 h): extensive quantities ([`Quantity::is_extensive`]: kWh, kg)
//!   are summed; intensive ones (kW, °C, W/m², prices…) are averaged. The source axis must start
//!   on the coarse grid and hold a whole number of coarse steps.
//! - Refining (1 h → 15 min): extensive quantities are split evenly; intensive ones are held.
//!
//! Totals of extensive quantities are conserved both ways. For [`Weather`], coarsening
//! averages every field and moves [`Weather::sample_offset_minutes`] to the mean of the
//! averaged sampling instants (an interval mean stays centred); refining holds every field and
//! treats the held values as means over each finer interval (offset = half the new step).

use crate::{Axis, Quantity, Series, Step, TimeError, Weather};

enum Plan {
    Same,
    Coarsen(usize),
    Refine(usize),
}

fn plan(axis: &Axis, to: Step) -> Result<(Axis, Plan), TimeError> {
    let from = axis.step();
    let (f, t) = (from.minutes(), to.minutes());
    if f == t {
        return Ok((*axis, Plan::Same));
    }
    if t > f && t % f == 0 {
        let k = (t / f) as usize;
        if !axis.len().is_multiple_of(k) {
            return Err(TimeError::Misaligned {
                at: axis.end(),
                step: to,
            });
        }
        return Ok((
            Axis::new(axis.start(), to, axis.len() / k)?,
            Plan::Coarsen(k),
        ));
    }
    if f > t && f % t == 0 {
        let k = (f / t) as usize;
        return Ok((
            Axis::new(axis.start(), to, axis.len() * k)?,
            Plan::Refine(k),
        ));
    }
    Err(TimeError::Resample { from, to })
}

fn apply(values: &[f64], plan: &Plan, extensive: bool) -> Vec<f64> {
    match *plan {
        Plan::Same => values.to_vec(),
        Plan::Coarsen(k) => values
            .chunks(k)
            .map(|c| {
                let s: f64 = c.iter().sum();
                if extensive { s } else { s / k as f64 }
            })
            .collect(),
        Plan::Refine(k) => values
            .iter()
            .flat_map(|&v| std::iter::repeat_n(if extensive { v / k as f64 } else { v }, k))
            .collect(),
    }
}

/// Resamples `series` to step `to` (see the module documentation for the rules).
pub fn resample(series: &Series, to: Step) -> Result<Series, TimeError> {
    let (axis, plan) = plan(series.axis(), to)?;
    let q: Quantity = series.quantity();
    Series::new(axis, q, apply(series.values(), &plan, q.is_extensive()))
}

impl Series {
    /// Resamples to step `to`: see [`resample`].
    pub fn resample(&self, to: Step) -> Result<Series, TimeError> {
        resample(self, to)
    }
}

impl Weather {
    /// Resamples every field to step `to`: averaged when coarsening, held when refining.
    pub fn resample(&self, to: Step) -> Result<Weather, TimeError> {
        self.validate()?;
        let from = f64::from(self.axis.step().minutes());
        let (axis, plan) = plan(&self.axis, to)?;
        let sample_offset_minutes = match plan {
            Plan::Same => self.sample_offset_minutes,
            Plan::Coarsen(k) => self.sample_offset_minutes + from * (k as f64 - 1.0) / 2.0,
            Plan::Refine(_) => f64::from(to.minutes()) / 2.0,
        };
        Ok(Weather {
            axis,
            ghi_w_m2: apply(&self.ghi_w_m2, &plan, false),
            dni_w_m2: apply(&self.dni_w_m2, &plan, false),
            dhi_w_m2: apply(&self.dhi_w_m2, &plan, false),
            temp_air_c: apply(&self.temp_air_c, &plan, false),
            wind_speed_m_s: apply(&self.wind_speed_m_s, &plan, false),
            sample_offset_minutes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn axis(step: Step, len: usize) -> Axis {
        Axis::new(
            Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            step,
            len,
        )
        .unwrap()
    }

    #[test]
    fn energy_summed_power_averaged() {
        let e = Series::new(
            axis(Step::MIN15, 4),
            Quantity::EnergyKwh,
            vec![1.0, 2.0, 3.0, 4.0],
        )
        .unwrap();
        assert_eq!(resample(&e, Step::MIN60).unwrap().values(), [10.0]);
        let p = Series::new(
            axis(Step::MIN15, 4),
            Quantity::PowerKw,
            vec![1.0, 2.0, 3.0, 4.0],
        )
        .unwrap();
        assert_eq!(resample(&p, Step::MIN60).unwrap().values(), [2.5]);
        let e = Series::new(axis(Step::MIN60, 1), Quantity::HydrogenKg, vec![4.0]).unwrap();
        assert_eq!(e.resample(Step::MIN15).unwrap().values(), [1.0; 4]);
        let t = Series::new(axis(Step::MIN60, 1), Quantity::TemperatureC, vec![4.0]).unwrap();
        assert_eq!(t.resample(Step::MIN15).unwrap().values(), [4.0; 4]);
    }

    #[test]
    fn incompatible_steps_and_partial_blocks_fail() {
        let s = Series::constant(axis(Step::MIN15, 6), Quantity::EnergyKwh, 1.0);
        assert!(matches!(
            resample(&s, Step::MIN60),
            Err(TimeError::Misaligned { .. })
        ));
        let s = Series::constant(axis(Step::MIN30, 4), Quantity::EnergyKwh, 1.0);
        let s45 = Step::from_minutes(45).unwrap();
        assert!(matches!(resample(&s, s45), Err(TimeError::Resample { .. })));
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 15, 0).unwrap();
        let s = Series::constant(
            Axis::new(start, Step::MIN15, 4).unwrap(),
            Quantity::EnergyKwh,
            1.0,
        );
        assert!(resample(&s, Step::MIN60).is_err());
    }

    #[test]
    fn weather_offsets() {
        let w = Weather {
            axis: axis(Step::MIN15, 4),
            ghi_w_m2: vec![0.0, 100.0, 200.0, 300.0],
            dni_w_m2: vec![0.0; 4],
            dhi_w_m2: vec![0.0; 4],
            temp_air_c: vec![1.0; 4],
            wind_speed_m_s: vec![2.0; 4],
            sample_offset_minutes: 7.5,
        };
        let h = w.resample(Step::MIN60).unwrap();
        assert_eq!(h.ghi_w_m2, [150.0]);
        assert_eq!(h.sample_offset_minutes, 30.0);
        let back = h.resample(Step::MIN15).unwrap();
        assert_eq!(back.ghi_w_m2, [150.0; 4]);
        assert_eq!(back.sample_offset_minutes, 7.5);
    }

    proptest! {
        #[test]
        fn resampling_conserves_energy(
            values in prop::collection::vec(0.0f64..1000.0, 1..50),
            k in prop::sample::select(vec![2u32, 4]),
        ) {
            let n = values.len();
            let s = Series::new(axis(Step::MIN60, n), Quantity::EnergyKwh, values).unwrap();
            let fine = resample(&s, Step::from_minutes(60 / k).unwrap()).unwrap();
            prop_assert_eq!(fine.values().len(), n * k as usize);
            prop_assert!((fine.sum() - s.sum()).abs() <= 1e-9 * s.sum().max(1.0));
            let back = resample(&fine, Step::MIN60).unwrap();
            prop_assert!((back.sum() - s.sum()).abs() <= 1e-9 * s.sum().max(1.0));
            for (a, b) in back.values().iter().zip(s.values()) {
                prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0));
            }
            let day = resample(&s, Step::from_minutes(1440).unwrap());
            if n % 24 == 0 {
                let day = day.unwrap();
                prop_assert!((day.sum() - s.sum()).abs() <= 1e-9 * s.sum().max(1.0));
            } else {
                prop_assert!(day.is_err());
            }
        }
    }
}
