//! The sweep file: expansion order, scenario texts read as district (or community) files, and
//! every bad input reported at its place in the sweep file.

use std::path::{Path, PathBuf};

use quartier_model::{parse_district, parse_sweep};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A sweep file written beside the examples (its relative paths start there).
fn sweep(body: &str) -> Result<quartier_model::Sweep, Vec<String>> {
    let path = examples().join("study.toml");
    parse_sweep(body, &path).map_err(|d| {
        d.iter()
            .map(|d| {
                let s = d.to_string();
                let file = d.file.display().to_string();
                s.strip_prefix(&file).map(str::to_owned).unwrap_or(s)
            })
            .collect()
    })
}

const HEAD: &str = "districts = [\"meudon-la-foret.toml\"]\nrun = [\"rule\", \"optimal\"]\n";

#[test]
fn the_grid_expands_first_parameter_slowest_then_explicit_scenarios() {
    let s = sweep(&format!(
        "{HEAD}[grid]\n\"pv[0].kwp\" = [100, 200]\n\"batteries[\\\"batterie-ecole\\\"].energy_kwh\" = [20, 50, 80]\n\
         [[scenarios]]\n\"grid.import_limit_kw\" = 300\n"
    ))
    .unwrap();
    assert_eq!(s.scenarios.len(), 7);
    assert_eq!(s.run, ["rule", "optimal"]);
    let values = |i: usize| -> Vec<String> {
        s.scenarios[i]
            .settings
            .iter()
            .map(|x| x.value.clone())
            .collect()
    };
    assert_eq!(values(0), ["100", "20"]);
    assert_eq!(values(1), ["100", "50"]);
    assert_eq!(values(3), ["200", "20"]);
    assert_eq!(values(6), ["300"]);
    assert_eq!(
        s.parameters,
        [
            "pv[0].kwp",
            "batteries[\"batterie-ecole\"].energy_kwh",
            "grid.import_limit_kw"
        ]
    );
    // Scenario 4's text is a district file with its values, its files absolute.
    let text = s.scenario_text(&s.scenarios[4]).unwrap();
    let (d, _) = parse_district(&text, Path::new("/elsewhere/scenario.toml")).unwrap();
    assert_eq!(d.pv_systems[0].spec.kwp, 200.0);
    assert_eq!(d.batteries[0].energy_kwh, 50.0);
    assert!(d.weather.path.is_absolute(), "{:?}", d.weather.path);
    // Comments stay.
    assert!(text.contains("# "));
}

#[test]
fn without_grid_each_district_is_one_scenario_as_written() {
    let s = sweep("districts = [\"meudon-la-foret.toml\", \"hydroseine.toml\"]\n").unwrap();
    assert_eq!(s.scenarios.len(), 2);
    assert_eq!(s.scenarios[1].base, 1);
    assert_eq!(s.run, ["rule"]);
}

#[test]
fn bad_input_is_reported_at_its_place_in_the_sweep_file() {
    for (body, expected) in [
        // A path that does not exist, with a suggestion.
        (
            "[grid]\n\"pv[0].kwpp\" = [1, 2]\n",
            "4:1: grid.pv[0].kwpp: `kwpp` is not an attribute of `pv`; did you mean `kwp`?",
        ),
        (
            "[grid]\n\"pvs[0].kwp\" = [1]\n",
            "4:1: grid.pvs[0].kwp: `pvs` is not an attribute of the district file; did you mean `pv`?",
        ),
        (
            "[grid]\n\"pv.kwp\" = [1]\n",
            "`pv` is a list of tables: say which one and which field",
        ),
        // An index out of range, a name that is not there.
        (
            "[grid]\n\"pv[9].kwp\" = [1]\n",
            "4:16: pv[9].kwp: scenario 0: pv[9]: the district file has 4 [[pv]]",
        ),
        (
            "[grid]\n\"pv[\\\"pv-ecol\\\"].kwp\" = [1]\n",
            "no [[pv]] named \"pv-ecol\"; did you mean \"pv-ecole\"?",
        ),
        // A value out of bounds or of the wrong type: at the value, with the scenario.
        (
            "[grid]\n\"pv[0].kwp\" = [100, -5]\n",
            "4:21: pv[0].kwp: scenario 1: -5 kWp is out of range",
        ),
        (
            "[grid]\n\"pv[0].tilt_deg\" = [\"steep\", 90, \"flat\"]\n",
            "4:21: pv[0].tilt_deg: scenario 0: wrong type: found string \"steep\" (expected float)",
        ),
        // One problem shared by several scenarios is said once.
        (
            "[grid]\n\"pv[0].kwp\" = [-1]\n\"pv[1].kwp\" = [1, 2, 3]\n",
            "(and in 2 other scenarios)",
        ),
        // An empty grid, a value that is not a list, an unknown top-level key.
        (
            "[grid]\n\"pv[0].kwp\" = []\n",
            "an empty list of values makes no scenario",
        ),
        (
            "[grid]\n\"pv[0].kwp\" = 100\n",
            "a grid parameter takes a list of values",
        ),
        (
            "rn = [\"rule\"]\n",
            "unknown field `rn`; did you mean `run`?",
        ),
        ("[[scenarios]]\n", "an empty scenario changes nothing"),
    ] {
        let text = format!("{HEAD}{body}");
        let e = sweep(&text).unwrap_err();
        assert!(
            e.iter().any(|m| m.contains(expected)),
            "{body}\nexpected: {expected}\n{e:#?}"
        );
    }
    let e = sweep("districts = [\"nowhere.toml\"]\n").unwrap_err();
    assert!(
        e.iter()
            .any(|m| m.contains("cannot read the district file")),
        "{e:#?}"
    );
    let e = sweep("districts = [\"meudon-la-foret.toml\"]\nrun = [\"fast\"]\n").unwrap_err();
    assert!(e.iter().any(|m| m.starts_with(":2:")), "{e:#?}");
}

#[test]
fn the_example_sweep_reads_into_its_ten_scenarios() {
    let s = quartier_model::read_sweep(&examples().join("sweeps/meudon-pv-battery.toml")).unwrap();
    assert_eq!(s.name, "meudon-pv-battery");
    assert_eq!(s.scenarios.len(), 10);
    assert_eq!(s.days, Some(28));
    assert_eq!(s.parameters.len(), 3);
}

/// A community of one PV roof and two homes over one day of half-hours, in a new folder.
fn community_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let curve = |f: &dyn Fn(usize) -> f64| {
        let mut s = String::from("time_utc,kwh\n");
        for i in 0..48 {
            s += &format!("2025-06-01T{:02}:{:02}:00Z,{}\n", i / 2, (i % 2) * 30, f(i));
        }
        s
    };
    std::fs::write(
        dir.path().join("pv.csv"),
        curve(&|i| if (14..34).contains(&i) { 4.0 } else { 0.0 }),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("home1.csv"),
        curve(&|i| 1.0 + (i % 3) as f64),
    )
    .unwrap();
    std::fs::write(dir.path().join("home2.csv"), curve(&|_| 2.0)).unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "[operation]\nname = \"Test\"\n[prices]\nlocal_eur_per_kwh = 0.1\nsupplier_eur_per_kwh = 0.2\n\
         [[members]]\nid = \"pv-roof\"\nrole = \"producer\"\nkwp = 9\nlatitude_deg = 48.77\nlongitude_deg = 2.22\ncurve = { file = \"pv.csv\" }\n\
         [[members]]\nid = \"30000000000001\"\nname = \"Foyer 1\"\nlatitude_deg = 48.771\nlongitude_deg = 2.221\ncurve = { file = \"home1.csv\" }\n\
         [[members]]\nid = \"30000000000002\"\nname = \"Foyer 2\"\nlatitude_deg = 48.771\nlongitude_deg = 2.221\ncurve = { file = \"home2.csv\" }\n",
    )
    .unwrap();
    dir
}

fn community_sweep(dir: &Path, body: &str) -> Result<quartier_model::Sweep, Vec<String>> {
    parse_sweep(body, &dir.join("study.toml")).map_err(|d| {
        d.iter()
            .map(|d| {
                let s = d.to_string();
                let file = dir.join("study.toml").display().to_string();
                s.strip_prefix(&file).map(str::to_owned).unwrap_or(s)
            })
            .collect()
    })
}

#[test]
fn a_community_sweep_sets_community_paths_and_members_by_id_or_name() {
    let dir = community_folder();
    let s = community_sweep(
        dir.path(),
        "communities = [\"c.toml\"]\nkeys = [\"file\", \"equal\"]\n[grid]\n\
         \"prices.local_eur_per_kwh\" = [0.08, 0.12]\n\
         \"members[\\\"30000000000002\\\"].supplier_eur_per_kwh\" = [0.25]\n\
         [[scenarios]]\n\"members[\\\"Foyer 1\\\"].curve.scale\" = 2\n",
    )
    .unwrap();
    assert_eq!(s.kind, quartier_model::BaseKind::Community);
    assert_eq!(
        s.run,
        ["allocate"],
        "a community sweep allocates by default"
    );
    assert_eq!(s.keys, ["file", "equal"]);
    assert_eq!(s.scenarios.len(), 3);
    let text = s.scenario_text(&s.scenarios[1]).unwrap();
    assert!(text.contains("local_eur_per_kwh = 0.12"), "{text}");
    assert!(text.contains("supplier_eur_per_kwh = 0.25"), "{text}");
    let pv = dir.path().join("pv.csv").display().to_string();
    assert!(text.contains(&pv), "the curve files are absolute: {text}");
    let (_, loaded) = s.scenario_community(&s.scenarios[2]).unwrap();
    assert_eq!(loaded.community.consumers().len(), 2);
    // Foyer 1's curve doubled: 2 + 2 × (1 + 2 + 3) per three half-hours.
    let home1: f64 = loaded.community.consumption_kwh().iter().step_by(2).sum();
    assert!((home1 - 2.0 * 96.0).abs() < 1e-9, "{home1}");
}

#[test]
fn a_community_sweep_s_bad_input_is_reported_at_its_place() {
    let dir = community_folder();
    for (body, expected) in [
        (
            "communities = [\"c.toml\"]\n[grid]\n\"prices.local_eur_per_kwh\" = [0.1, -1]\n",
            ":3:36: prices.local_eur_per_kwh: scenario 1: -1 EUR/kWh is out of range",
        ),
        (
            "communities = [\"c.toml\"]\n[grid]\n\"pv[0].kwp\" = [1]\n",
            ":3:1: grid.pv[0].kwp: `pv` is not an attribute of the community file",
        ),
        (
            "communities = [\"c.toml\"]\n[grid]\n\"members[\\\"30000000000003\\\"].kwp\" = [1]\n",
            "no [[members]] named \"30000000000003\"; did you mean \"30000000000001\"?",
        ),
        (
            "communities = [\"c.toml\"]\nrun = [\"allocate\", \"optimal\"]\n",
            ":2:7: run: a sweep of community files runs `allocate` only",
        ),
        (
            "communities = [\"c.toml\"]\ndays = 7\n",
            ":2:8: days: `days` cuts a district's horizon",
        ),
        (
            "districts = [\"c.toml\"]\ncommunities = [\"c.toml\"]\n",
            ":2:15: communities: a sweep is made from district files or from community files, not both",
        ),
        (
            "communities = []\n",
            ":1:15: communities: no community file",
        ),
        (
            "communities = [\"c.toml\"]\nkeys = [\"best\"]\n",
            ":2:9: keys[0]: unknown value \"best\"",
        ),
    ] {
        let e = community_sweep(dir.path(), body).unwrap_err();
        assert!(e.iter().any(|m| m.contains(expected)), "{body}\n{e:#?}");
    }
}

#[test]
fn a_district_sweep_allocates_only_with_its_community_file() {
    for (body, expected) in [
        (
            "run = [\"rule\", \"allocate\"]\n",
            ":2:7: run: `allocate` needs the community file",
        ),
        (
            "community = \"meudon-community.toml\"\n",
            ":2:13: community: a community file is only allocated by `allocate`",
        ),
        (
            "keys = [\"optimised\"]\n",
            ":2:8: keys: `keys` are the keys of `allocate`",
        ),
    ] {
        let e = sweep(&format!("districts = [\"meudon-la-foret.toml\"]\n{body}")).unwrap_err();
        assert!(e.iter().any(|m| m.contains(expected)), "{body}\n{e:#?}");
    }
    let s = quartier_model::read_sweep(&examples().join("sweeps/meudon-community.toml")).unwrap();
    assert_eq!(s.kind, quartier_model::BaseKind::District);
    assert_eq!(s.run, ["rule", "allocate"]);
    assert_eq!(s.scenarios.len(), 3);
    let text = s
        .community_with_curves(&[(
            "30000000000001".into(),
            "community-curves/30000000000001.csv".into(),
        )])
        .unwrap();
    assert!(
        text.contains("curve = { file = \"community-curves/30000000000001.csv\" }"),
        "{text}"
    );
    assert!(
        text.contains(
            &std::fs::canonicalize(examples())
                .unwrap()
                .join("community-curves/30000000000002.csv")
                .display()
                .to_string()
        ),
        "the other members' curves are absolute: {text}"
    );
}

#[test]
fn a_file_the_sweep_sets_is_relative_to_the_sweep_file() {
    // A sweep file in examples/sweeps/: its weather file is ../data/…, not the district's data/….
    let path = examples().join("sweeps/weather.toml");
    let s = parse_sweep(
        "districts = [\"../meudon-la-foret.toml\"]\n[grid]\n\
         \"weather.file\" = [\"../data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv\"]\n",
        &path,
    )
    .unwrap();
    let text = s.scenario_text(&s.scenarios[0]).unwrap();
    let (d, _) = parse_district(&text, Path::new("/elsewhere/scenario.toml")).unwrap();
    assert!(d.weather.path.is_file(), "{:?}", d.weather.path);
    assert!(
        d.weather
            .path
            .starts_with(std::fs::canonicalize(examples()).unwrap())
    );
}
