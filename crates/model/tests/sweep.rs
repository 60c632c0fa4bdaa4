//! The sweep file: expansion order, scenario texts read as district files, and every bad input
//! reported at its place in the sweep file.

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
    assert_eq!(s.scenarios[1].district, 1);
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
