//! District file parsing: a table of bad snippets with the diagnostics they must produce
//! (exact line:col), a good district read back field by field, defaults, and the schema.

use std::path::{Path, PathBuf};

use quartier_model::*;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Ten lines of valid sections; snippets appended start at line 11.
const HEADER: &str = r#"weather = { file = "weather_hourly_2025-03-29_31.csv", format = "pvgis-hourly-csv" }
grid = { import_limit_kw = 10, export_limit_kw = 5, import_price = 0.2 }
[site]
name = "t"
latitude_deg = 45
longitude_deg = 8
[time]
start = 2025-03-30
end = 2025-03-31
step_minutes = 15
"#;

fn parse(text: &str) -> Result<(District, SourceMap), Diagnostics> {
    parse_district(text, &data_dir().join("inline.toml"))
}

fn errors(text: &str) -> Vec<String> {
    match parse(text) {
        Ok(_) => Vec::new(),
        Err(d) => d
            .iter()
            .map(|d| {
                // Drop the file name: tests match from ":LINE:COL:" on.
                let s = d.to_string();
                let file = d.file.display().to_string();
                s.strip_prefix(&file).map(str::to_owned).unwrap_or(s)
            })
            .collect(),
    }
}

struct Case {
    name: &'static str,
    /// Appended to HEADER, or (when `whole`) the whole text with HEADER's time lines replaced.
    text: &'static str,
    whole: Option<(&'static str, &'static str)>,
    expect: &'static [&'static str],
}

const fn case(name: &'static str, text: &'static str, expect: &'static [&'static str]) -> Case {
    Case {
        name,
        text,
        whole: None,
        expect,
    }
}

const fn header_edit(
    name: &'static str,
    from: &'static str,
    to: &'static str,
    expect: &'static [&'static str],
) -> Case {
    Case {
        name,
        text: "",
        whole: Some((from, to)),
        expect,
    }
}

const CASES: &[Case] = &[
    case(
        "unknown field with suggestion",
        "[[pv]]\nname = \"roof\"\nkwp = 3\ntilt_dg = 30\n",
        &[
            ":11:1: pv[0].tilt_deg: missing required field `tilt_deg` (expected tilt_deg = <float in deg>, or a measured production = { … } or profile = { … })",
            ":14:1: pv[0].tilt_dg: unknown field `tilt_dg`; did you mean `tilt_deg`?",
        ],
    ),
    case(
        "measured and profile at once",
        "[[pv]]\nname = \"roof\"\nkwp = 3\nproduction = { file = \"load_dst_15min.csv\" }\nprofile = { file = \"load_dst_15min.csv\" }\n",
        &[
            ":15:11: pv[0].profile: a PV system's production is measured or a profile, not both (expected either production = { … } or profile = { … })",
        ],
    ),
    case(
        "a profile from the grid operator's export",
        "[[pv]]\nname = \"roof\"\nkwp = 3\nprofile = { file = \"load_dst_15min.csv\", format = \"enedis\" }\n",
        &["pv[0].profile.format: the Enedis format holds load curves only"],
    ),
    case(
        "wrong type",
        "[[pv]]\nname = \"roof\"\nkwp = \"3\"\ntilt_deg = 30\n",
        &[":13:7: pv[0].kwp: wrong type: found string \"3\" (expected float)"],
    ),
    case(
        "out of range",
        "[[pv]]\nname = \"roof\"\nkwp = 3\ntilt_deg = 95\n",
        &[":14:12: pv[0].tilt_deg: 95 deg is out of range (expected 0 ≤ tilt_deg ≤ 90)"],
    ),
    case(
        "enum typo",
        "[[pv]]\nname = \"roof\"\nkwp = 3\ntilt_deg = 30\ntransposition = \"Perez\"\n",
        &[
            ":15:17: pv[0].transposition: unknown value \"Perez\"; did you mean \"perez\"? (expected one of \"perez\", \"hay-davies\")",
        ],
    ),
    case(
        "unknown participant",
        "[[participants]]\nid = \"school\"\n[[loads]]\nname = \"l\"\nparticipant = \"scool\"\nprofile = \"H25\"\nannual_kwh = 4000\n",
        &[
            ":15:15: loads[0].participant: unknown participant \"scool\"; did you mean \"school\"? (expected one of the participant ids: school)",
        ],
    ),
    case(
        "duplicate names across components",
        "[[pv]]\nname = \"a\"\nkwp = 3\ntilt_deg = 30\n[[batteries]]\nname = \"a\"\nenergy_kwh = 10\ncharge_kw = 5\n",
        &[":16:8: batteries[0].name: duplicate name \"a\" (already used by pv[0] at line 11)"],
    ),
    case(
        "missing file",
        "[[loads]]\nname = \"l\"\ncurve = { file = \"nope.csv\" }\n",
        &[
            ":13:18: loads[0].curve.file: file ",
            "nope.csv not found (expected an existing file",
        ],
    ),
    case(
        "profile and curve",
        "[[loads]]\nname = \"l\"\nprofile = \"H25\"\nannual_kwh = 1000\ncurve = { file = \"load_dst_15min.csv\" }\n",
        &[":15:9: loads[0].curve: `profile` and `curve` are alternatives"],
    ),
    case(
        "profile without annual energy",
        "[[loads]]\nname = \"l\"\nprofile = \"H25\"\n",
        &[":13:11: loads[0].annual_kwh: missing `annual_kwh` for the standard profile"],
    ),
    case(
        "electrolyser without tank",
        "[[electrolysers]]\nname = \"e\"\nmax_kw = 10\n",
        &[
            ":11:1: electrolysers[0]: `electrolysers` need a hydrogen tank (expected at least one [[hydrogen_tanks]])",
        ],
    ),
    case(
        "tank levels",
        "[[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 10\ninitial_kg = 12\n",
        &[":14:14: hydrogen_tanks[0].initial_kg: initial_kg 12 is outside [0, 10]"],
    ),
    case(
        "electrolyser min above max",
        "[[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 10\n[[electrolysers]]\nname = \"e\"\nmax_kw = 10\nmin_kw = 20\n",
        &[
            ":17:10: electrolysers[0].min_kw: min_kw 20 is above max_kw 10 (expected min_kw ≤ max_kw)",
        ],
    ),
    case(
        "PRM with 13 digits",
        "[[participants]]\nid = \"3000123456789\"\n",
        &[":12:6: participants[0].id: \"3000123456789\" looks like a PRM but has 13 digits"],
    ),
    case(
        "unknown section",
        "[carbn]\nconstant_g_per_kwh = 40\n",
        &[":11:2: carbn: unknown field `carbn`; did you mean `carbon`?"],
    ),
    case(
        "single table instead of array of tables",
        "[pv]\nname = \"a\"\n",
        &[":11:1: pv: `pv` is a single table (expected an array of tables: [[pv]])"],
    ),
    case(
        "parameters of the other temperature model",
        "[[pv]]\nname = \"roof\"\nkwp = 3\ntilt_deg = 30\ntemperature_model = \"sapm\"\nfaiman_u0 = 20\n",
        &[":16:13: pv[0].faiman_u0: `faiman_u0` does not apply to temperature_model = \"sapm\""],
    ),
    case(
        "syntax error, and the rest still checked",
        "[[pv]]\nname = \"roof\"\nkwp = 3x\ntilt_deg = 300\n",
        &[
            ":13:7: pv[0].kwp: TOML syntax: string values must be quoted",
            ":14:12: pv[0].tilt_deg: 300 deg is out of range",
        ],
    ),
    header_edit(
        "import price series and base together",
        "import_price = 0.2",
        "import_price = { base_eur_per_kwh = 0.2, series = { file = \"load_dst_15min.csv\" } }",
        &[
            ":2:89: grid.import_price.base_eur_per_kwh: `base_eur_per_kwh` does not apply with a price `series`",
        ],
    ),
    case(
        "carbon with neither",
        "[carbon]\n",
        &[":11:1: carbon: neither `constant_g_per_kwh` nor `series` is given"],
    ),
    case(
        "fleet day typo and hour out of range",
        "[[fleets]]\nname = \"f\"\nvehicles = 2\nkm_per_day = 20\nkwh_per_km = 0.2\nplug_in_hour = 24\ndays = [\"mon\", \"tues\"]\n",
        &[
            ":16:16: fleets[0].plug_in_hour: 24 h is out of range (expected 0 ≤ plug_in_hour ≤ 23)",
            ":17:16: fleets[0].days[1]: unknown value \"tues\"; did you mean \"tue\"?",
        ],
    ),
    case(
        "hydrogen demand series must not be enedis",
        "[[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 10\n[[hydrogen_demands]]\nname = \"d\"\nseries = { file = \"load_dst_15min.csv\", format = \"enedis\" }\n",
        &[":16:50: hydrogen_demands[0].series.format: the Enedis format holds load curves only"],
    ),
    header_edit(
        "reversed axis",
        "end = 2025-03-31",
        "end = 2025-03-29",
        &[
            ":9:7: time.end: the time axis is empty: end 2025-03-29 00:00 CET is not after start 2025-03-30 00:00 CET",
        ],
    ),
    header_edit(
        "step of 7 minutes",
        "step_minutes = 15",
        "step_minutes = 7",
        &[":10:16: time.step_minutes: 7 is not allowed (expected one of 15, 30, 60)"],
    ),
    header_edit(
        "misaligned start",
        "start = 2025-03-30",
        "start = 2025-03-30T00:07:00",
        &[":8:9: time.start: start 2025-03-30 00:07 CET is not on the 15 min grid"],
    ),
    header_edit(
        "local time skipped by DST",
        "start = 2025-03-30",
        "start = 2025-03-30T02:30:00",
        &[":8:9: time.start: local time 2025-03-30 02:30:00 does not exist in Europe/Paris"],
    ),
    header_edit(
        "unknown time zone",
        "longitude_deg = 8",
        "longitude_deg = 8\ntimezone = \"Europe/Pars\"",
        &[
            ":7:12: site.timezone: unknown time zone \"Europe/Pars\"; did you mean \"Europe/Paris\"?",
        ],
    ),
    case(
        "negative lifetime in a sizing table",
        "[[pv]]\nname = \"roof\"\nkwp = 3\ntilt_deg = 30\n[pv.sizing]\nlifetime_years = -5\n",
        &[
            ":16:18: pv[0].sizing.lifetime_years: -5 y is out of range (expected 0 < lifetime_years ≤ 100)",
        ],
    ),
    case(
        "discount rate over 100 %",
        "[sizing]\ndiscount_rate = 1.5\n",
        &[":12:17: sizing.discount_rate: 1.5 is out of range (expected 0 ≤ discount_rate ≤ 1)"],
    ),
    case(
        "a cost for a capacity that is not sized",
        "[[fuel_cells]]\nname = \"fc\"\nmax_kw = 10\n[fuel_cells.sizing]\nsized = false\ncapex_eur_per_kw = 900\n[[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 10\n",
        &[
            ":16:20: fuel_cells[0].sizing.capex_eur_per_kw: `capex_eur_per_kw` has no use with sized = false: this capacity keeps its declared size and no cost is counted for it (expected remove it, or sized = true)",
        ],
    ),
    case(
        "a cost on a component that is never sized",
        "[[hydrogen_demands]]\nname = \"bus\"\nkg_per_day = 5\ncapex_eur_per_kg = 10\n[[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 10\n",
        &[":14:1: hydrogen_demands[0].capex_eur_per_kg: unknown field `capex_eur_per_kg`"],
    ),
    case(
        "a cyclic tank with a fixed initial level",
        "[[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 10\ninitial_kg = 5\ncyclic = true\n",
        &[
            ":14:14: hydrogen_tanks[0].initial_kg: a cyclic tank ends where it starts and the optimiser chooses the start: initial_kg would fix it (expected remove initial_kg, or cyclic = false)",
        ],
    ),
    case(
        "a cyclic battery with a fixed initial charge",
        "[[batteries]]\nname = \"b\"\nenergy_kwh = 10\ncharge_kw = 5\nsoc_initial = 0.2\ncyclic = true\n",
        &[":15:15: batteries[0].soc_initial: a cyclic battery ends where it starts"],
    ),
    case(
        "cyclic and non-cyclic tanks in one pool",
        "[[hydrogen_tanks]]\nname = \"t1\"\ncapacity_kg = 10\ncyclic = true\n[[hydrogen_tanks]]\nname = \"t2\"\ncapacity_kg = 10\n",
        &[":15:1: hydrogen_tanks[1].cyclic: the optimiser pools every tank into one level"],
    ),
    case(
        "a duration for something that is not a battery",
        "[[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 10\n[hydrogen_tanks.sizing]\nduration_h = 2\n",
        &[":15:1: hydrogen_tanks[0].sizing.duration_h: unknown field `duration_h`"],
    ),
    case(
        "minimum above maximum",
        "[[batteries]]\nname = \"b\"\nenergy_kwh = 10\ncharge_kw = 5\n[batteries.sizing]\nmin_kwh = 50\nmax_kwh = 20\n",
        &[
            ":16:11: batteries[0].sizing.min_kwh: min_kwh 50 is above max_kwh 20 (expected min_kwh ≤ max_kwh)",
        ],
    ),
    header_edit(
        "missing section",
        "[site]\nname = \"t\"\nlatitude_deg = 45\nlongitude_deg = 8\n",
        "",
        &[":1:1: site: missing required field `site`"],
    ),
];

#[test]
fn bad_snippets_produce_located_diagnostics() {
    let mut failures = Vec::new();
    for c in CASES {
        let text = match c.whole {
            None => format!("{HEADER}{}", c.text),
            Some((from, to)) => HEADER.replacen(from, to, 1),
        };
        let got = errors(&text);
        for e in c.expect {
            if !got.iter().any(|g| g.contains(e)) {
                failures.push(format!("{}: expected {e:?}\n  got {got:#?}", c.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn many_problems_are_reported_in_one_pass_in_file_order() {
    let text = format!(
        "{HEADER}[[pv]]\nname = \"a\"\nkwp = -1\ntilt_deg = 30\nazimut_deg = 180\n\
         [[batteries]]\nname = \"a\"\nenergy_kwh = 10\ncharge_kw = 5\nsoc_initial = 2\n"
    );
    let got = errors(&text);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(got[0].starts_with(":13:7: pv[0].kwp"));
    assert!(got[1].starts_with(":15:1: pv[0].azimut_deg"));
    assert!(got[2].starts_with(":17:8: batteries[0].name: duplicate"));
    assert!(got[3].starts_with(":20:15: batteries[0].soc_initial"));
}

#[test]
fn the_minimal_district_reads_back_field_by_field() {
    let (d, map) = read_district(&data_dir().join("minimal.toml")).expect("valid district");
    assert_eq!(d.site.name, "Test district");
    assert_eq!(d.site.timezone, chrono_tz::Europe::Paris);
    assert_eq!(d.axis.len(), 92, "2025-03-30 in Paris has 23 hours");
    assert_eq!(d.weather.format, WeatherFormat::PvgisHourlyCsv);
    assert!(!d.weather.typical_year);
    assert!(d.weather.path.is_absolute() || d.weather.path.starts_with(data_dir()));
    assert_eq!(d.participants.len(), 2);
    assert_eq!(d.participants[1].name, "Flats");
    assert_eq!(d.participants[1].role, Role::Consumer);
    assert_eq!(
        d.loads[0].source,
        LoadSource::Profile {
            profile: StandardProfile::G25,
            annual_kwh: 36500.0
        }
    );
    let LoadSource::Curve(curve) = &d.loads[1].source else {
        panic!("curve expected")
    };
    assert_eq!(curve.column.as_deref(), Some("kwh"));
    assert_eq!(curve.format, SeriesFormat::Csv);
    assert_eq!(curve.scale, 1.0);
    assert_eq!(d.pv_systems[0].spec.kwp, 36.0);
    assert_eq!(d.batteries[0].discharge_kw, 25.0, "defaults to charge_kw");
    assert_eq!(d.hydrogen_tanks[0].initial_kg, 5.0);
    assert_eq!(
        d.hydrogen_demands[0].source,
        HydrogenDemandSource::Daily {
            kg_per_day: 4.0,
            hours: vec![7, 17]
        }
    );
    assert_eq!(d.ev_chargers[0].chargers, 2);
    assert_eq!(d.ev_chargers[0].timezone, chrono_tz::Europe::Paris);
    assert_eq!(
        d.fleets[0].weekdays,
        [false, false, false, false, false, false, true]
    );
    assert_eq!(
        d.grid.import_price,
        ImportPrice::TimeOfUse {
            base_eur_per_kwh: 0.2,
            periods: vec![TouPeriod {
                name: "HC".into(),
                start_hour: 22,
                end_hour: 6,
                eur_per_kwh: 0.15
            }]
        }
    );
    assert_eq!(d.carbon, CarbonSource::Constant(50.0));
    // The source map points at fields for later diagnostics.
    let pos = map.position("loads[1].curve.file").expect("span");
    assert_eq!(pos.line, 36);
    // A defaulted field points at its component.
    assert_eq!(map.position("pv[0].albedo"), map.position("pv[0]"));
}

#[test]
fn every_literal_default_of_the_table_is_applied() {
    let text = format!(
        "{HEADER}[[pv]]\nname = \"p\"\nkwp = 1\ntilt_deg = 10\n\
         [[batteries]]\nname = \"b\"\nenergy_kwh = 1\ncharge_kw = 1\n\
         [[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 1\n\
         [[electrolysers]]\nname = \"e\"\nmax_kw = 1\n\
         [[fuel_cells]]\nname = \"f\"\nmax_kw = 1\n\
         [[hydrogen_demands]]\nname = \"h\"\nkg_per_day = 1\n\
         [[ev_charging]]\nname = \"ev\"\nsessions = \"sessions.csv\"\n\
         [[fleets]]\nname = \"fl\"\nvehicles = 1\nkm_per_day = 1\nkwh_per_km = 0.1\n\
         [[participants]]\nid = \"p1\"\n\
         [[loads]]\nname = \"l\"\ncurve = {{ file = \"load_dst_15min.csv\" }}\n"
    )
    .replace("step_minutes = 15\n", "");
    let (d, _) = parse(&text).expect("valid");
    let f = |c: &str, n: &str| match attribute(c, n).map(|a| a.default) {
        Some(DefaultValue::Float(x)) => x,
        Some(DefaultValue::Integer(x)) => x as f64,
        other => panic!("{c}.{n}: {other:?}"),
    };
    let s = |c: &str, n: &str| match attribute(c, n).map(|a| a.default) {
        Some(DefaultValue::Str(x)) => x,
        other => panic!("{c}.{n}: {other:?}"),
    };
    assert_eq!(d.axis.step().minutes() as f64, f("time", "step_minutes"));
    assert_eq!(d.site.altitude_m, f("site", "altitude_m"));
    assert_eq!(d.site.timezone.name(), s("site", "timezone"));
    let pv = &d.pv_systems[0].spec;
    assert_eq!(pv.azimuth_deg, f("pv", "azimuth_deg"));
    assert_eq!(pv.losses_pct, f("pv", "losses_pct"));
    assert_eq!(pv.dc_ac_ratio, f("pv", "dc_ac_ratio"));
    assert_eq!(pv.inverter_efficiency, f("pv", "inverter_efficiency"));
    assert_eq!(pv.gamma_pdc_per_c, f("pv", "gamma_pdc_per_c"));
    assert_eq!(pv.albedo, f("pv", "albedo"));
    assert_eq!(s("pv", "transposition"), "perez");
    assert_eq!(pv.transposition, quartier_solar::Transposition::Perez);
    assert_eq!(s("pv", "temperature_model"), "faiman");
    assert_eq!(
        pv.cell_temperature,
        quartier_solar::CellTemperature::Faiman {
            u0: f("pv", "faiman_u0"),
            u1: f("pv", "faiman_u1")
        }
    );
    let b = &d.batteries[0];
    assert_eq!(b.charge_efficiency, f("batteries", "charge_efficiency"));
    assert_eq!(
        b.discharge_efficiency,
        f("batteries", "discharge_efficiency")
    );
    assert_eq!(b.soc_min, f("batteries", "soc_min"));
    assert_eq!(b.soc_initial, f("batteries", "soc_initial"));
    assert_eq!(b.standing_loss_per_h, f("batteries", "standing_loss_per_h"));
    assert_eq!(b.discharge_kw, b.charge_kw);
    assert_eq!(d.hydrogen_tanks[0].min_kg, f("hydrogen_tanks", "min_kg"));
    assert_eq!(d.hydrogen_tanks[0].initial_kg, d.hydrogen_tanks[0].min_kg);
    assert_eq!(d.electrolysers[0].min_kw, f("electrolysers", "min_kw"));
    assert_eq!(
        d.electrolysers[0].kwh_per_kg,
        f("electrolysers", "kwh_per_kg")
    );
    assert_eq!(d.fuel_cells[0].kwh_per_kg, f("fuel_cells", "kwh_per_kg"));
    assert_eq!(
        d.hydrogen_demands[0].source,
        HydrogenDemandSource::Daily {
            kg_per_day: 1.0,
            hours: vec![6, 12, 18]
        }
    );
    let ev = &d.ev_chargers[0];
    assert_eq!(f64::from(ev.chargers), f("ev_charging", "chargers"));
    assert_eq!(ev.charger_kw, f("ev_charging", "charger_kw"));
    assert_eq!(ev.shift_days as f64, f("ev_charging", "shift_days"));
    let fl = &d.fleets[0];
    assert_eq!(fl.charger_kw, f("fleets", "charger_kw"));
    assert_eq!(f64::from(fl.plug_in_hour), f("fleets", "plug_in_hour"));
    assert_eq!(f64::from(fl.plug_out_hour), f("fleets", "plug_out_hour"));
    assert_eq!(fl.weekdays, [true, true, true, true, true, false, false]);
    assert_eq!(d.participants[0].name, "p1");
    assert_eq!(d.participants[0].role, Role::Consumer);
    assert_eq!(s("participants", "role"), "consumer");
    let LoadSource::Curve(c) = &d.loads[0].source else {
        panic!()
    };
    assert_eq!(c.scale, f("series", "scale"));
    assert_eq!(c.format, SeriesFormat::Csv);
    assert_eq!(c.column, None);
    assert_eq!(c.timezone, None);
    assert_eq!(
        d.grid.export_price_eur_per_kwh,
        f("grid", "export_price_eur_per_kwh")
    );
    assert_eq!(d.carbon, CarbonSource::Constant(50.0));
    assert!(!d.weather.typical_year);
}

#[test]
fn the_schema_documents_every_attribute() {
    let md = schema_markdown();
    for a in ATTRIBUTES {
        assert!(
            md.contains(&format!("| `{}` |", a.name)),
            "{}.{} missing",
            a.component,
            a.name
        );
    }
    for (c, _) in COMPONENTS {
        assert!(
            md.contains(&format!("id=\"{}\"", c.replace('.', ""))),
            "{c}"
        );
    }
    assert!(md.contains("| attribute | type | unit | default | bounds | description |"));
    assert!(md.contains("| `losses_pct` | float | % | 14 | 0 ≤ losses_pct < 100 |"));
    assert!(md.contains("```toml\n[site]"));
}

#[test]
fn the_schema_example_is_a_valid_district_but_for_its_data_files() {
    let errs = match parse_district(EXAMPLE_DISTRICT, Path::new("/nonexistent/district.toml")) {
        Ok(_) => Vec::new(),
        Err(d) => d.0,
    };
    let not_files: Vec<_> = errs
        .iter()
        .filter(|d| !d.message.contains("not found"))
        .collect();
    assert!(not_files.is_empty(), "{not_files:#?}");
    assert_eq!(errs.len(), 3, "weather, curve, sessions: {errs:#?}");
}

#[test]
fn file_level_problems_are_clear() {
    let missing = read_district(Path::new("/nonexistent/district.toml")).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "/nonexistent/district.toml: district file not found"
    );
    let empty = read_district(&data_dir().join("empty.toml")).unwrap_err();
    assert!(empty.to_string().ends_with(
        ": the district file is empty (expected [site], [time], [weather] and [grid] sections)"
    ));
    let dir = read_district(&data_dir()).unwrap_err();
    assert!(
        dir.to_string()
            .ends_with(": not a file (expected a district file (TOML))")
    );
}

#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "[",
        "[[",
        "a = ",
        "[site]\nname = 1e999",
        "\u{0}",
        "[[pv]]\n[[pv]]\nname = []",
        "time = 3",
        "[time]\nstart = 12:00:00",
        "[time]\nstart = 9999-12-31\nend = 0001-01-01",
        "[time]\nstart = 2025-01-01\nend = 2999-01-01",
        "[grid]\nimport_price = { periods = 3 }",
        "participants = [1, 2]",
        "[[hydrogen_demands]]\nhours = [-1, 99999999999999999999]",
    ] {
        let text = format!("{text}\n");
        let r = parse(&text);
        assert!(r.is_err(), "{text:?}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    #[test]
    fn any_text_never_panics(text in "\\PC{0,300}") {
        let _ = parse(&text);
    }

    #[test]
    fn a_mutated_district_never_panics(at in 0usize..2000, cut in 0usize..40, insert in "[\\[\\]={}\",.0-9a-z_ \n-]{0,8}") {
        let text = std::fs::read_to_string(data_dir().join("minimal.toml")).unwrap();
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) { at -= 1; }
        let mut end = (at + cut).min(text.len());
        while !text.is_char_boundary(end) { end -= 1; }
        let mutated = format!("{}{insert}{}", &text[..at], &text[end..]);
        if let Err(d) = parse(&mutated) {
            for x in d.iter() {
                let pos = x.position.expect("district problems have a position");
                proptest::prop_assert!(pos.line >= 1 && pos.column >= 1);
            }
        }
    }
}

#[test]
fn sizing_tables_read_back_with_defaults_and_their_origin() {
    let text = format!(
        "{HEADER}[sizing]\ndiscount_rate = 0.03\n\
         [[pv]]\nname = \"roof\"\nkwp = 100\ntilt_deg = 30\n\
         [pv.sizing]\ncapex_eur_per_kwp = 900\nsubsidy_eur_per_kwp = 100\nmax_kwp = 150\n\
         [[batteries]]\nname = \"b\"\nenergy_kwh = 10\ncharge_kw = 5\ncyclic = true\n\
         [batteries.sizing]\nduration_h = 2\ncapex_eur_when_built = 5000\n\
         [[hydrogen_tanks]]\nname = \"t\"\ncapacity_kg = 10\ncyclic = true\n\
         [hydrogen_tanks.sizing]\nsized = false\n"
    );
    let (d, _) = parse(&text).expect("valid");
    let s = &d.sizing;
    assert_eq!(s.discount_rate, 0.03);
    assert!(s.discount_rate_from_file);
    assert_eq!(s.max_factor, 4.0);
    let pv = s.plan("roof", CapacityKind::PvKwp).unwrap();
    assert!(pv.sized);
    assert_eq!((pv.min, pv.max), (0.0, Some(150.0)));
    assert_eq!(pv.cost.capex_eur_per_unit, 900.0);
    assert_eq!(pv.cost.subsidy_eur_per_unit, 100.0);
    assert_eq!(pv.cost.lifetime_years, 25.0); // the default
    assert!(pv.origin.capex && pv.origin.subsidy && !pv.origin.lifetime && !pv.origin.fixed_om);
    let e = s.plan("b", CapacityKind::BatteryKwh).unwrap();
    let p = s.plan("b", CapacityKind::BatteryKw).unwrap();
    assert_eq!(e.cost.capex_eur_per_unit, 400.0);
    assert_eq!(p.cost.capex_eur_per_unit, 150.0);
    assert_eq!((e.max, p.max), (None, None));
    // The fixed cost is paid once, on the energy.
    assert_eq!(
        (e.capex_eur_when_built, p.capex_eur_when_built),
        (5000.0, 0.0)
    );
    assert_eq!(s.duration_h("b"), Some(2.0));
    assert!(d.batteries[0].cyclic && d.hydrogen_tanks[0].cyclic);
    assert!(!s.plan("t", CapacityKind::TankKg).unwrap().sized);
    // Nothing said: every capacity is planned at the defaults.
    let (d, _) = parse(&format!(
        "{HEADER}[[pv]]\nname = \"roof\"\nkwp = 100\ntilt_deg = 30\n"
    ))
    .unwrap();
    let pv = d.sizing.plan("roof", CapacityKind::PvKwp).unwrap();
    assert!(pv.sized && pv.max.is_none() && pv.origin == CostOrigin::default());
    assert_eq!(d.sizing.discount_rate, 0.05);
}

#[test]
fn the_grid_connection_is_sized_only_when_asked_and_with_its_own_costs() {
    let plain = parse(HEADER).unwrap().0;
    assert!(
        plain
            .sizing
            .plan("grid", CapacityKind::GridImportKw)
            .is_none()
    );
    let with = |sizing: &str| {
        HEADER.replace(
            "import_price = 0.2 }",
            &format!("import_price = 0.2, sizing = {{ {sizing} }} }}"),
        )
    };
    let d = parse(&with("fixed_om_eur_per_kw_year = 30, max_kw = 20"))
        .unwrap()
        .0;
    let g = d.sizing.plan("grid", CapacityKind::GridImportKw).unwrap();
    assert_eq!(g.cost.fixed_om_eur_per_unit_year, 30.0);
    assert_eq!(g.max, Some(20.0));
    let missing = errors(&with("max_kw = 20"));
    assert!(
        missing
            .iter()
            .any(|e| e.contains("grid.sizing.fixed_om_eur_per_kw_year: missing required field")),
        "{missing:#?}"
    );
    let no_life = errors(&with(
        "fixed_om_eur_per_kw_year = 30, capex_eur_per_kw = 100",
    ));
    assert!(
        no_life
            .iter()
            .any(|e| e.contains("missing `lifetime_years`")),
        "{no_life:#?}"
    );
}

#[test]
fn a_charging_site_has_an_optional_power_and_is_sized_only_when_asked() {
    let site = |extra: &str| {
        format!(
            "{HEADER}[[ev_charging]]\nname = \"parking\"\nchargers = 6\ncharger_kw = 22\n\
             sessions = \"sessions.csv\"\n{extra}"
        )
    };
    let plain = parse(&site("")).unwrap().0;
    assert_eq!(plain.ev_chargers[0].site_limit_kw, None);
    assert!(
        plain
            .sizing
            .plan("parking", CapacityKind::ChargingKw)
            .is_none()
    );
    let limited = parse(&site("site_limit_kw = 60\n")).unwrap().0;
    assert_eq!(limited.ev_chargers[0].site_limit_kw, Some(60.0));
    // Sized at the defaults, or at its own costs.
    let d = parse(&site("[ev_charging.sizing]\nmax_kw = 100\n"))
        .unwrap()
        .0;
    let p = d.sizing.plan("parking", CapacityKind::ChargingKw).unwrap();
    assert!(p.sized && p.max == Some(100.0) && p.origin == CostOrigin::default());
    assert_eq!(p.cost.capex_eur_per_unit, 180.0);
    let own = parse(&site(
        "[ev_charging.sizing]\ncapex_eur_per_kw = 250\nsubsidy_eur_per_kw = 40\n",
    ))
    .unwrap()
    .0;
    let p = own
        .sizing
        .plan("parking", CapacityKind::ChargingKw)
        .unwrap();
    assert!(p.origin.capex && p.origin.subsidy && !p.origin.lifetime);
    assert_eq!(p.cost.subsidy_eur_per_unit, 40.0);
    // Bad input: a zero power, a field of another capacity, a negative lifetime.
    for (extra, expected) in [
        ("site_limit_kw = 0\n", "ev_charging[0].site_limit_kw"),
        (
            "[ev_charging.sizing]\ncapex_eur_per_kwh = 1\n",
            "ev_charging[0].sizing.capex_eur_per_kwh",
        ),
        (
            "[ev_charging.sizing]\nlifetime_years = -3\n",
            "ev_charging[0].sizing.lifetime_years",
        ),
    ] {
        let e = errors(&site(extra));
        assert!(
            e.iter().any(|m| m.contains(expected) && m.starts_with(':')),
            "{extra}: {e:#?}"
        );
    }
}
