//! The whole chain on a real PVGIS typical meteorological year (45 N, 8 E, 250 m), against
//! annual totals from pvlib 0.16.1's chain at the same instants.
//!
//! The file is read by a deliberately minimal parser private to this test (the product
//! reads PVGIS files with `quartier_timeseries`). Rows are placed on 2019-01-01 .. +8760 h
//! (TMY months come from different years) and the sun is evaluated 0.1761 h after each
//! label (the file's "Irradiance Time Offset"). The pvlib totals come from `pvlib_chain` in
//! `tools/pvlib_compare.py` with the same instants.

use chrono::{TimeZone, Utc};
use quartier_solar::{
    CellTemperature, ChainOptions, Location, PvSpec, Transposition, pv_ac_energy, pv_chain,
};
use quartier_timeseries::{Axis, Step, Weather};

fn read_tmy() -> Option<Weather> {
    let path = quartier_testdata::shared_file("pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv")?;
    let text = std::fs::read_to_string(path).unwrap();
    let mut w = Weather {
        axis: Axis::new(
            Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).unwrap(),
            Step::MIN60,
            8760,
        )
        .unwrap(),
        ghi_w_m2: vec![],
        dni_w_m2: vec![],
        dhi_w_m2: vec![],
        temp_air_c: vec![],
        wind_speed_m_s: vec![],
        sample_offset_minutes: 0.1761 * 60.0,
    };
    // time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP
    for line in text
        .lines()
        .filter(|l| l.len() > 14 && l.as_bytes()[8] == b':')
    {
        let f: Vec<f64> = line
            .split(',')
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        w.temp_air_c.push(f[0]);
        w.ghi_w_m2.push(f[2]);
        w.dni_w_m2.push(f[3]);
        w.dhi_w_m2.push(f[4]);
        w.wind_speed_m_s.push(f[6]);
    }
    assert_eq!(w.ghi_w_m2.len(), 8760);
    Some(w)
}

const SITE: Location = Location {
    latitude_deg: 45.0,
    longitude_deg: 8.0,
    altitude_m: 250.0,
};

#[test]
fn annual_energy_matches_pvlib_within_ten_ppm() {
    let Some(w) = read_tmy() else { return };
    let south = PvSpec::pvwatts(100.0, 30.0, 180.0);
    let east = PvSpec::pvwatts(10.0, 15.0, 90.0);
    let sw = PvSpec {
        transposition: Transposition::HayDavies,
        cell_temperature: CellTemperature::SAPM_OPEN_RACK_GLASS_GLASS,
        ..PvSpec::pvwatts(50.0, 35.0, 220.0)
    };
    let steep = PvSpec {
        dc_ac_ratio: 1.5,
        cell_temperature: CellTemperature::SAPM_OPEN_RACK_GLASS_GLASS,
        ..PvSpec::pvwatts(20.0, 60.0, 180.0)
    };
    // pvlib 0.16.1 annual AC kWh for the same systems and instants.
    for (spec, pvlib_kwh) in [
        (south, 134785.7363554818),
        (east, 11032.019971243415),
        (sw, 63487.72661550179),
        (steep, 25468.729668026273),
    ] {
        let e = pv_ac_energy(&w, &SITE, &spec).unwrap();
        let rel = (e.sum() - pvlib_kwh) / pvlib_kwh;
        eprintln!("{:.1} kWh vs pvlib {pvlib_kwh:.1}: {rel:+.2e}", e.sum());
        assert!(
            rel.abs() < 1e-5,
            "{spec:?}: {} kWh vs pvlib {pvlib_kwh} ({rel:+e})",
            e.sum()
        );
    }
    // Plausible specific yield for north-west Italy at 30° south.
    let chain = pv_chain(&w, &SITE, &south, &ChainOptions::default()).unwrap();
    let kwh_per_kwp: f64 = chain.p_ac_kw.iter().sum::<f64>() / 100.0;
    assert!((1100.0..1600.0).contains(&kwh_per_kwp), "{kwh_per_kwp}");
    assert!(
        chain
            .p_ac_kw
            .iter()
            .all(|&p| (0.0..=100.0 / 1.2 + 1e-9).contains(&p))
    );
}
