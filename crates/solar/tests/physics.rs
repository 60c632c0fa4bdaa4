//! Known values for each physical step (solar position, air mass, transposition, cell
//! temperature, PVWatts) and invariants of the whole chain (night, horizontal plane,
//! non-negative energy, clipping, validation).
//!
//! The pvlib constants were computed with pvlib 0.16.1 by
//! `tools/.venv/bin/python tools/pvlib_compare.py --print-test-constants`.

use chrono::{DateTime, TimeZone, Utc};
use quartier_solar::irradiance::{
    ground_diffuse, hay_davies_sky_diffuse, isotropic_sky_diffuse, perez_sky_diffuse, poa_beam,
};
use quartier_solar::power::{PVWATTS_ETA_INV_REF, pvwatts_dc_kw, pvwatts_inverter_ac_kw};
use quartier_solar::{
    CellTemperature, ChainOptions, Iam, Location, Plane, PositionAlgorithm, PvSpec, SolarError,
    SunCalculator, Transposition, extraterrestrial_dni_w_m2, pressure_from_altitude_pa,
    pv_ac_energy, pv_chain, relative_airmass_kasten_young, solar_positions,
};
use quartier_timeseries::{Axis, Quantity, Step, Weather};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

const PARIS: Location = Location {
    latitude_deg: 48.8566,
    longitude_deg: 2.3522,
    altitude_m: 35.0,
};

#[test]
fn spa_matches_nrel_paper_example() {
    // Reda & Andreas (2003), table A5.1: 2003-10-17 12:30:30 at UTC−7, 39.742476 N,
    // −105.1786 E, 1830.14 m → topocentric zenith 50.11162°, azimuth 194.34024° (with
    // 820 mbar / 11 °C refraction and ΔT = 67 s; we use the standard pressure at the
    // altitude, 12 °C and an estimated ΔT, which moves the result by < 0.001°).
    let golden = Location {
        latitude_deg: 39.742476,
        longitude_deg: -105.1786,
        altitude_m: 1830.14,
    };
    let t = Utc.with_ymd_and_hms(2003, 10, 17, 19, 30, 30).unwrap();
    let p = SunCalculator::new(&golden, PositionAlgorithm::Spa)
        .unwrap()
        .at(t)
        .unwrap();
    assert!(close(p.apparent_zenith_deg, 50.11162, 1e-3), "{p:?}");
    assert!(close(p.azimuth_deg, 194.34024, 1e-3), "{p:?}");
    // Geometric zenith from pvlib spa_python for the same instant: 50.127954.
    assert!(close(p.zenith_deg, 50.127954, 1e-3), "{p:?}");
}

#[test]
fn paris_summer_solstice_near_noon() {
    // pvlib get_solarposition: azimuth 178.692429°, apparent elevation 64.583637°.
    let t = Utc.with_ymd_and_hms(2025, 6, 21, 11, 50, 0).unwrap();
    let p = solar_positions(&[t], &PARIS, PositionAlgorithm::Spa).unwrap();
    assert!(close(p.azimuth_deg[0], 178.692429, 1e-3), "{p:?}");
    assert!(
        close(90.0 - p.apparent_zenith_deg[0], 64.583637, 1e-3),
        "{p:?}"
    );
}

#[test]
fn grena3_agrees_with_spa_within_a_hundredth_of_a_degree() {
    let sea = Location {
        altitude_m: 0.0,
        ..PARIS
    };
    let times: Vec<DateTime<Utc>> = (0..48)
        .map(|h| {
            Utc.with_ymd_and_hms(2025, 3, 20, 0, 0, 0).unwrap() + chrono::Duration::minutes(h * 97)
        })
        .collect();
    let spa = solar_positions(&times, &sea, PositionAlgorithm::Spa).unwrap();
    let grena = solar_positions(&times, &sea, PositionAlgorithm::Grena3).unwrap();
    for i in 0..times.len() {
        assert!(close(spa.zenith_deg[i], grena.zenith_deg[i], 0.01));
        if spa.zenith_deg[i] < 89.0 {
            assert!(close(spa.azimuth_deg[i], grena.azimuth_deg[i], 0.02));
        }
    }
    // Outside Grena3's 2010–2110 range: a typed error, not a panic.
    let old = Utc.with_ymd_and_hms(2005, 1, 1, 12, 0, 0).unwrap();
    assert!(matches!(
        solar_positions(&[old], &sea, PositionAlgorithm::Grena3),
        Err(SolarError::SolarPosition { .. })
    ));
}

#[test]
fn airmass_extraterrestrial_and_pressure_match_pvlib() {
    assert!(close(
        relative_airmass_kasten_young(40.0).unwrap(),
        1.304223540913535,
        1e-12
    ));
    assert!(close(
        relative_airmass_kasten_young(86.0).unwrap(),
        12.30208325139153,
        1e-10
    ));
    assert_eq!(relative_airmass_kasten_young(90.5), None);
    assert_eq!(relative_airmass_kasten_young(f64::NAN), None);
    assert!(close(
        extraterrestrial_dni_w_m2(172),
        1321.6235925714136,
        1e-9
    ));
    assert!(close(
        pressure_from_altitude_pa(1830.14),
        81186.4656173044,
        1e-6
    ));
}

/// (dhi, dni, dni_extra, tilt, surface azimuth, apparent zenith, sun azimuth,
///  pvlib perez allsitescomposite1990, pvlib haydavies)
const TRANSPOSITION_CASES: [[f64; 9]; 4] = [
    [
        100.,
        600.,
        1400.,
        30.,
        180.,
        40.,
        170.,
        128.68394188628739,
        108.1379250345971,
    ],
    [
        300.,
        50.,
        1350.,
        35.,
        220.,
        65.,
        250.,
        362.3853129193237,
        283.7041480832671,
    ],
    [
        80.,
        850.,
        1410.,
        15.,
        90.,
        25.,
        120.,
        86.18921930004532,
        82.85606726659009,
    ],
    [
        150.,
        200.,
        1367.,
        60.,
        180.,
        86.,
        100.,
        238.23688157398308,
        154.2100419601717,
    ],
];

#[test]
fn perez_and_hay_davies_match_pvlib() {
    for [dhi, dni, dni_extra, tilt, saz, zen, az, perez, hay] in TRANSPOSITION_CASES {
        let plane = Plane::new(tilt, saz);
        let cos_aoi = plane.aoi_projection(zen, az);
        let am = relative_airmass_kasten_young(zen);
        let p = perez_sky_diffuse(dhi, dni, dni_extra, am, cos_aoi, zen, &plane);
        let h = hay_davies_sky_diffuse(dhi, dni, dni_extra, cos_aoi, zen, &plane);
        assert!(close(p, perez, 1e-9), "perez {p} vs pvlib {perez}");
        assert!(close(h, hay, 1e-9), "hay-davies {h} vs pvlib {hay}");
    }
}

#[test]
fn perez_is_zero_below_horizon_and_without_diffuse() {
    let plane = Plane::new(30.0, 180.0);
    assert_eq!(
        perez_sky_diffuse(50.0, 0.0, 1367.0, None, 0.0, 95.0, &plane),
        0.0
    );
    assert_eq!(
        perez_sky_diffuse(0.0, 0.0, 1367.0, Some(2.0), 0.5, 60.0, &plane),
        0.0
    );
}

#[test]
fn horizontal_plane_sees_ghi() {
    // GHI = DHI + DNI·cos Z: isotropic and Perez both give POA = GHI on a flat plane, and
    // nothing comes from the ground.
    let plane = Plane::new(0.0, 180.0);
    for (zen, az, dni, dhi) in [(30.0, 150.0, 800.0, 100.0), (70.0, 250.0, 300.0, 150.0)] {
        let ghi = dhi + dni * f64::cos(f64::to_radians(zen));
        let cos_aoi = plane.aoi_projection(zen, az);
        assert!(close(cos_aoi, f64::cos(f64::to_radians(zen)), 1e-12));
        let beam = poa_beam(dni, cos_aoi);
        let iso = beam + isotropic_sky_diffuse(dhi, &plane) + ground_diffuse(ghi, 0.2, &plane);
        assert!(close(iso, ghi, 1e-9), "{iso} vs {ghi}");
        let am = relative_airmass_kasten_young(zen);
        let perez = beam + perez_sky_diffuse(dhi, dni, 1367.0, am, cos_aoi, zen, &plane);
        assert!(close(perez, ghi, 1e-9), "{perez} vs {ghi}");
    }
}

#[test]
fn aoi_is_zero_facing_the_sun_and_beam_never_negative() {
    let plane = Plane::new(40.0, 200.0);
    assert!(close(plane.aoi_deg(40.0, 200.0), 0.0, 1e-6));
    // Sun behind the plane: AOI > 90°, no beam.
    let cos_aoi = plane.aoi_projection(80.0, 20.0);
    assert!(cos_aoi < 0.0);
    assert_eq!(poa_beam(900.0, cos_aoi), 0.0);
}

#[test]
fn ashrae_iam() {
    let iam = Iam::Ashrae { b0: 0.05 };
    assert_eq!(iam.modifier(0.0), 1.0);
    // pvlib iam.ashrae(60) = 0.95
    assert!(close(iam.modifier(60.0), 0.95, 1e-12));
    assert_eq!(iam.modifier(90.0), 0.0);
    assert_eq!(Iam::None.modifier(89.0), 1.0);
}

#[test]
fn cell_temperature_matches_pvlib() {
    // pvlib temperature.faiman(800, 25, 3) and sapm_cell(800, 25, 3, -3.47, -0.0594, 3).
    let f = CellTemperature::FAIMAN_PVLIB_DEFAULT.cell_temperature_c(800.0, 25.0, 3.0);
    let s = CellTemperature::SAPM_OPEN_RACK_GLASS_GLASS.cell_temperature_c(800.0, 25.0, 3.0);
    assert!(close(f, 42.57469244288225, 1e-10));
    assert!(close(s, 48.23036395316837, 1e-10));
}

#[test]
fn pvwatts_dc_and_inverter_match_pvlib() {
    assert!(close(
        pvwatts_dc_kw(900.0, 45.0, 100.0, -0.004),
        82.8,
        1e-10
    ));
    let pdc0_inv = 100.0 / 1.2 / 0.96;
    for (pdc, pac) in [
        (0.5, 0.0),
        (40.0, 38.472967592957694),
        (83.0, 79.71635437041957),
        (120.0, 83.33333333333334),
    ] {
        let got = pvwatts_inverter_ac_kw(pdc, pdc0_inv, 0.96, PVWATTS_ETA_INV_REF);
        assert!(close(got, pac, 1e-9), "pdc {pdc}: {got} vs {pac}");
    }
    assert_eq!(
        pvwatts_inverter_ac_kw(0.0, pdc0_inv, 0.96, PVWATTS_ETA_INV_REF),
        0.0
    );
}

/// A small deterministic pseudo-random generator, so the invariants see varied weather.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn weather_days(days: usize, step: Step, make: &mut dyn FnMut(usize) -> [f64; 5]) -> Weather {
    let axis = Axis::new(
        Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap(),
        step,
        days * step.per_day(),
    )
    .unwrap();
    let mut w = Weather {
        axis,
        ghi_w_m2: vec![],
        dni_w_m2: vec![],
        dhi_w_m2: vec![],
        temp_air_c: vec![],
        wind_speed_m_s: vec![],
        sample_offset_minutes: step.minutes() as f64 / 2.0,
    };
    for i in 0..axis.len() {
        let [g, b, d, t, ws] = make(i);
        w.ghi_w_m2.push(g);
        w.dni_w_m2.push(b);
        w.dhi_w_m2.push(d);
        w.temp_air_c.push(t);
        w.wind_speed_m_s.push(ws);
    }
    w
}

#[test]
fn night_gives_zero_and_energy_is_never_negative() {
    let mut rng = Lcg(42);
    // Arbitrary, even inconsistent, irradiance (DNI at night, DHI > GHI, −0.0 values).
    let w = weather_days(20, Step::MIN15, &mut |_| {
        [
            rng.next() * 1100.0 - 0.0,
            rng.next() * 1000.0 - if rng.next() < 0.1 { 1.0 } else { 0.0 },
            rng.next() * 500.0,
            rng.next() * 70.0 - 30.0,
            rng.next() * 20.0,
        ]
    });
    for transposition in [Transposition::Perez, Transposition::HayDavies] {
        for cell_temperature in [
            CellTemperature::FAIMAN_PVLIB_DEFAULT,
            CellTemperature::SAPM_OPEN_RACK_GLASS_GLASS,
        ] {
            let spec = PvSpec {
                transposition,
                cell_temperature,
                ..PvSpec::pvwatts(12.0, 35.0, 160.0)
            };
            let e = pv_ac_energy(&w, &PARIS, &spec).unwrap();
            assert_eq!(e.quantity(), Quantity::EnergyKwh);
            assert_eq!(e.axis(), &w.axis);
            assert!(e.values().iter().all(|&v| v >= 0.0 && v.is_finite()));
            assert!(
                e.values()
                    .iter()
                    .all(|&v| v <= spec.ac_rating_kw() * 0.25 + 1e-12)
            );
        }
    }
    // Zero irradiance at night gives zero output, whatever the temperature.
    let dark = weather_days(2, Step::MIN60, &mut |_| [0.0, 0.0, 0.0, 10.0, 3.0]);
    let chain = pv_chain(
        &dark,
        &PARIS,
        &PvSpec::pvwatts(10.0, 30.0, 180.0),
        &ChainOptions::default(),
    )
    .unwrap();
    assert!(chain.p_ac_kw.iter().all(|&p| p == 0.0));
    let night = chain
        .apparent_zenith_deg
        .iter()
        .filter(|&&z| z > 90.0)
        .count();
    assert!(night > 20, "{night} night hours in two March days in Paris");
}

#[test]
fn output_clips_at_the_ac_rating() {
    // Extreme clear sky on a DC/AC 2 system: the inverter limits to kwp / 2.
    let w = weather_days(1, Step::MIN60, &mut |_| [1100.0, 1000.0, 100.0, 0.0, 5.0]);
    let spec = PvSpec {
        dc_ac_ratio: 2.0,
        losses_pct: 0.0,
        ..PvSpec::pvwatts(100.0, 30.0, 180.0)
    };
    let chain = pv_chain(&w, &PARIS, &spec, &ChainOptions::default()).unwrap();
    let max = chain.p_ac_kw.iter().cloned().fold(0.0, f64::max);
    assert!(close(max, 50.0, 1e-9), "max AC {max} kW");
    assert!(chain.p_dc_kw.iter().any(|&p| p > 55.0));
    let e = chain.ac_energy().unwrap();
    assert!(close(
        e.values().iter().cloned().fold(0.0, f64::max),
        50.0,
        1e-9
    ));
}

#[test]
fn energy_is_power_times_step_hours() {
    let w = weather_days(1, Step::MIN15, &mut |_| [600.0, 500.0, 150.0, 15.0, 2.0]);
    let spec = PvSpec::pvwatts(10.0, 30.0, 180.0);
    let chain = pv_chain(&w, &PARIS, &spec, &ChainOptions::default()).unwrap();
    let e = pv_ac_energy(&w, &PARIS, &spec).unwrap();
    for (p, e) in chain.p_ac_kw.iter().zip(e.values()) {
        assert!(close(p * 0.25, *e, 1e-12));
    }
    // IAM only removes beam.
    let with_iam = pv_chain(
        &w,
        &PARIS,
        &spec,
        &ChainOptions {
            iam: Iam::Ashrae { b0: 0.05 },
            ..ChainOptions::default()
        },
    )
    .unwrap();
    let (a, b): (f64, f64) = (chain.p_ac_kw.iter().sum(), with_iam.p_ac_kw.iter().sum());
    assert!(b < a && b > 0.9 * a, "{b} vs {a}");
}

#[test]
fn invalid_spec_location_and_weather_are_typed_errors() {
    let w = weather_days(1, Step::MIN60, &mut |_| [100.0, 50.0, 50.0, 10.0, 1.0]);
    let ok = PvSpec::pvwatts(10.0, 30.0, 180.0);
    let bad: [(&str, PvSpec); 9] = [
        ("kwp", PvSpec { kwp: 0.0, ..ok }),
        (
            "tilt_deg",
            PvSpec {
                tilt_deg: 91.0,
                ..ok
            },
        ),
        (
            "azimuth_deg",
            PvSpec {
                azimuth_deg: -1.0,
                ..ok
            },
        ),
        (
            "losses_pct",
            PvSpec {
                losses_pct: 101.0,
                ..ok
            },
        ),
        (
            "inverter_efficiency",
            PvSpec {
                inverter_efficiency: 0.0,
                ..ok
            },
        ),
        (
            "inverter_efficiency",
            PvSpec {
                inverter_efficiency: 1.01,
                ..ok
            },
        ),
        (
            "albedo",
            PvSpec {
                albedo: f64::NAN,
                ..ok
            },
        ),
        (
            "dc_ac_ratio",
            PvSpec {
                dc_ac_ratio: 0.0,
                ..ok
            },
        ),
        (
            "cell_temperature",
            PvSpec {
                cell_temperature: CellTemperature::Faiman { u0: 0.0, u1: 1.0 },
                ..ok
            },
        ),
    ];
    for (name, spec) in bad {
        match pv_ac_energy(&w, &PARIS, &spec) {
            Err(SolarError::InvalidSpec { field, .. }) => assert_eq!(field, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let far = Location {
        latitude_deg: 91.0,
        ..PARIS
    };
    assert!(matches!(
        pv_ac_energy(&w, &far, &ok),
        Err(SolarError::InvalidLocation {
            field: "latitude_deg",
            ..
        })
    ));
    let mut nan = w.clone();
    nan.dni_w_m2[5] = f64::NAN;
    assert!(matches!(
        pv_ac_energy(&nan, &PARIS, &ok),
        Err(SolarError::NonFiniteWeather {
            field: "dni_w_m2",
            index: 5,
            ..
        })
    ));
    let mut short = w.clone();
    short.wind_speed_m_s.pop();
    assert!(matches!(
        pv_ac_energy(&short, &PARIS, &ok),
        Err(SolarError::Weather(_))
    ));
}
