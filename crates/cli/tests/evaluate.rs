//! End-to-end tests of `quartier evaluate` and `quartier programme`, run as a user would, on
//! the CalTRACK example (eemeter's UK sample, whose figures `bench/eemeter/` checks), the demo
//! programme's experiments (generated 2025-2027 data, cargo-bike KPIs) and broken copies of
//! them: files written, what the report shows, exit codes for bad input.

use std::path::{Path, PathBuf};

mod common;

use common::{quartier, stderr, stdout};

fn experiments() -> PathBuf {
    quartier_testdata::repo_root()
        .join("examples")
        .join("experiments")
}

/// The CalTRACK example on eemeter's UK household sample (not part of the programme).
fn sample() -> PathBuf {
    quartier_testdata::repo_root()
        .join("examples")
        .join("caltrack-sample")
}

/// The renovation experiment with its data paths made absolute, edited by `edit`.
fn renovation(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(sample().join("uk-household-renovation.toml")).unwrap();
    let data = sample().join("data");
    let text = edit(text.replace("\"data/", &format!("\"{}/", data.display())));
    let path = dir.join("experiment.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn evaluate_writes_savings_kpis_and_a_report_with_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let file = sample().join("uk-household-renovation.toml");
    let o = quartier(&[
        "evaluate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("avoided energy"), "{}", stdout(&o));

    // savings.csv: one row per hour of the reporting year (8,760 h), avoided = baseline − metered.
    let csv = std::fs::read_to_string(out.join("savings.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time_utc,metered_kwh,baseline_kwh,avoided_kwh")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 8760);
    let mut sum_avoided = 0.0;
    for r in &rows {
        let f: Vec<&str> = r.split(',').collect();
        let (m, b, a): (f64, f64, f64) = (
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
        );
        assert!((b - m - a).abs() < 1e-5, "{r}");
        sum_avoided += a;
    }

    // kpis.json: model, metrics, verdict, avoided energy with uncertainty, sufficiency.
    let json = std::fs::read_to_string(out.join("kpis.json")).unwrap();
    for key in [
        "\"model\"",
        "\"segments\"",
        "\"cv_rmse\"",
        "\"nmbe\"",
        "\"guideline14\"",
        "\"verdict\"",
        "\"sufficiency\"",
        "\"uncertainty_kwh\"",
        "\"monthly\"",
    ] {
        assert!(json.contains(key), "kpis.json lacks {key}");
    }
    let total = json
        .split("\"total\": {")
        .nth(1)
        .and_then(|s| s.split("\"avoided_kwh\": ").nth(1))
        .and_then(|s| s.split([',', '\n']).next())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .expect("total avoided energy in kpis.json");
    assert!((total - sum_avoided).abs() < 1e-3 * total.abs().max(1.0));
    assert!(total > 0.0);

    // report.html: charts (well-formed SVG), the numbers and the warnings in plain words.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let svgs: Vec<&str> = html
        .split("<svg")
        .skip(1)
        .map(|s| s.split("</svg>").next().unwrap())
        .collect();
    assert!(svgs.len() >= 3, "{} charts", svgs.len());
    for s in &svgs {
        let svg = format!("<svg{s}</svg>");
        quartier_report::svg::check_well_formed(&svg).unwrap();
    }
    for text in [
        "Baseline prediction and metered energy",
        "Cumulative avoided energy",
        "uncertainty band",
        "Guideline 14",
        "CV(RMSE)",
        "Read this first",
    ] {
        assert!(html.contains(text), "report lacks {text:?}");
    }
    assert!(!html.contains("NaN"));
}

#[test]
fn bad_experiments_give_exit_code_3_with_located_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases: &[(&str, &str, &str)] = &[
        (
            "reporting_start = 2021-04-01",
            "reporting_start = 2021-01-01",
            "evaluation.reporting_start: the reporting period starts (2021-01-01) before the baseline period ends (2021-04-01)",
        ),
        (
            "method = \"hourly\"",
            "method = \"monthly\"",
            "evaluation.method: unknown value \"monthly\"",
        ),
        (
            "theme = \"energy\"",
            "theme = \"enrgy\"",
            "did you mean \"energy\"?",
        ),
    ];
    for (from, to, expected) in cases {
        let file = renovation(tmp.path(), |t| t.replacen(from, to, 1));
        let o = quartier(&[
            "evaluate",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(3), "{from} -> {to}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("{}:", file.display())) && err.contains(expected),
            "{from} -> {to}:\n{err}"
        );
        assert!(!out.exists());
    }
}

#[test]
fn bad_data_fails_with_a_clear_error_and_exit_code_1() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // °F given as °C.
    let temps = std::fs::read_to_string(
        sample()
            .join("data")
            .join("eemeter_uk_temperature_sample0_hourly.csv"),
    )
    .unwrap();
    let mut f_text = String::from("time_utc,temp_air_c\n");
    for line in temps.lines().skip(1) {
        let (t, v) = line.split_once(',').unwrap();
        let c: f64 = v.parse().unwrap();
        f_text.push_str(&format!("{t},{:.3}\n", c * 1.8 + 32.0 + 40.0));
    }
    std::fs::write(tmp.path().join("fahrenheit.csv"), f_text).unwrap();
    let fahrenheit = tmp.path().join("fahrenheit.csv");
    type Edit = Box<dyn Fn(String) -> String>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(move |t: String| {
                let data = sample().join("data");
                t.replace(
                    &format!(
                        "{}/eemeter_uk_temperature_sample0_hourly.csv",
                        data.display()
                    ),
                    &fahrenheit.display().to_string(),
                )
            }),
            "°F given as °C",
        ),
        // °C declared as °F: refused, naming the setting to change.
        (
            Box::new(|t: String| t.replace("unit = \"C\"", "unit = \"F\"")),
            "declared as °F look like °C (median 9.7 °F, which is -12.4 °C): if they are °C, set \
             unit = \"C\" in the experiment file's [temperature]",
        ),
        // Too little baseline: half a year.
        (
            Box::new(|t: String| {
                t.replace("baseline_start = 2020-04-01", "baseline_start = 2020-10-01")
            }),
            "baseline data are insufficient",
        ),
        // Meter and weather with no overlap: periods after the data.
        (
            Box::new(|t: String| {
                t.replace("baseline_start = 2020-04-01", "baseline_start = 2023-04-01")
                    .replace("baseline_end = 2021-04-01", "baseline_end = 2024-04-01")
                    .replace(
                        "reporting_start = 2021-04-01",
                        "reporting_start = 2024-04-01",
                    )
                    .replace("reporting_end = 2022-04-01", "reporting_end = 2025-04-01")
            }),
            "has no value in the period",
        ),
    ];
    for (edit, expected) in cases {
        let file = renovation(tmp.path(), edit);
        let o = quartier(&[
            "evaluate",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{expected}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{expected}:\n{}", stderr(&o));
        assert!(!out.exists(), "nothing is written on a failed run");
    }
}

#[test]
fn programme_table_has_24_months_totals_and_the_district_balance() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("programme");
    let o = quartier(&[
        "programme",
        experiments().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !out.join("../open-data").exists(),
        "no open data unless asked"
    );
    let csv = std::fs::read_to_string(out.join("programme.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    // Sixteen indicators of the eight experiments (one avoided energy, eleven laureates' KPIs,
    // four computed from the districts' simulations) × (24 months + total).
    assert_eq!(rows.len(), 16 * 25);
    let months: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "cargo-bike distance")
        .map(|r| r[4].as_str())
        .collect();
    assert_eq!(months.first(), Some(&"2025-04"));
    assert_eq!(months.get(23), Some(&"2027-03"));
    assert_eq!(months.get(24), Some(&"total"));
    let total = |name: &str| {
        rows.iter()
            .find(|r| r[2] == name && r[4] == "total")
            .unwrap_or_else(|| panic!("no total for {name}"))
            .clone()
    };
    // The illustrative values of tools/gen_demo_programme.py, reported up to November 2026.
    let km = total("cargo-bike distance");
    assert_eq!(km[5], "45262.000");
    assert_eq!((km[7].as_str(), km[8].as_str()), ("50000.000", "false"));
    let members = total("members of the operation");
    assert_eq!(
        (members[5].as_str(), members[8].as_str()),
        ("41.000", "true")
    );
    // Computed from the districts' simulations.
    for name in [
        "hydrogen produced",
        "energy charged into the fleets",
        "energy delivered to electric vehicles",
        "PV production used in the district",
    ] {
        let t: f64 = total(name)[5].parse().unwrap();
        assert!(t > 0.0, "{name}: {t}");
    }
    // Avoided energy of the renovation: a total with its uncertainty, equal to the sum of the
    // months.
    let titles: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r[2] == "avoided energy")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(titles.len(), 1, "{titles:?}");
    for title in titles {
        let energy: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r[2] == "avoided energy" && r[1] == title)
            .collect();
        let monthly_sum: f64 = energy
            .iter()
            .filter(|r| r[4] != "total")
            .filter_map(|r| r[5].parse::<f64>().ok())
            .sum();
        let energy_total = energy.iter().find(|r| r[4] == "total").unwrap();
        let t: f64 = energy_total[5].parse().unwrap();
        assert!(
            (t - monthly_sum).abs() < 0.01,
            "{title}: {t} vs {monthly_sum}"
        );
        assert!(energy_total[6].parse::<f64>().unwrap() > 0.0);
    }
    assert!(
        rows.iter()
            .any(|r| r[2].starts_with("positive-energy balance"))
    );
    let html = std::fs::read_to_string(out.join("programme.html")).unwrap();
    assert!(html.contains("Issy-les-Moulineaux") && html.contains("Meudon-la-Forêt"));
    assert!(!html.contains("NaN"));
}

#[test]
fn the_portfolio_on_a_day_and_the_open_data_of_the_published_experiments() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, open) = (tmp.path().join("programme"), tmp.path().join("open"));
    let o = quartier(&[
        "programme",
        experiments().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-12-07",
        "--open-data",
        open.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stdout(&o);
    assert!(said.contains("portfolio on 2026-12-07"), "{said}");
    assert!(
        said.contains("open data of 3 published experiment(s)"),
        "{said}"
    );
    let portfolio = std::fs::read_to_string(out.join("portfolio.csv")).unwrap();
    let standing = |id: &str| -> Vec<String> {
        let line = portfolio
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("{id} not in\n{portfolio}"));
        let r: Vec<String> =
            csv::Reader::from_reader(format!("a,b,c,d,e,f,g,h,i,j,k,l\n{line}\n").as_bytes())
                .records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(String::from)
                .collect();
        r
    };
    assert_eq!(portfolio.lines().count(), 9, "{portfolio}");
    // The EV laureate's October report is overdue (due on 15 November), and its monitoring
    // phase, started late, is still open after its planned end.
    let ev = standing("meudon-ev-charging");
    assert_eq!((ev[5].as_str(), ev[8].as_str()), ("monitoring", "late"));
    assert_eq!((ev[9].as_str(), ev[10].as_str()), ("2026-09", "2026-10"));
    assert!(ev[11].contains("reports overdue: 2026-10"), "{}", ev[11]);
    // The prototype's type approval is 160 days overdue and its distance far short.
    let proto = standing("meudon-hybrid-vehicle");
    assert_eq!(proto[8], "at-risk");
    assert!(
        proto[11]
            .contains("milestone \"Homologation du prototype\" due 2026-06-30, 160 days overdue"),
        "{}",
        proto[11]
    );
    assert_eq!(standing("meudon-cargo-bikes")[8], "on-track");
    assert_eq!(standing("issy-hydroseine")[8], "at-risk");
    let csv = std::fs::read_to_string(open.join("indicators.csv")).unwrap();
    assert!(csv.starts_with("experiment_id,commune,theme,experiment,indicator,unit,month,value,"));
    let ids: std::collections::BTreeSet<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        vec![
            "issy-hydroseine",
            "meudon-cargo-bikes",
            "meudon-renovation-mairie-annexe"
        ]
    );
    for f in ["indicators.json", "dataset.jsonld"] {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(open.join(f)).unwrap()).unwrap();
        assert!(v.is_object(), "{f}");
    }
    // A bad day is refused by the flag's parser, nothing written.
    let o = quartier(&[
        "programme",
        experiments().to_str().unwrap(),
        "--out",
        tmp.path().join("x").to_str().unwrap(),
        "--as-of",
        "07/12/2026",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is not a date (expected YYYY-MM-DD)"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn schema_documents_the_experiment_file() {
    let o = quartier(&["schema"]);
    assert!(o.status.success());
    let md = stdout(&o);
    assert!(md.contains("# The experiment file"));
    assert!(md.contains("| `baseline_start` |"));
}

#[test]
fn demo_evaluates_the_experiments_and_builds_the_programme() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = quartier(&["demo", "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let exp = out.join("experiments");
    for f in [
        "meudon-renovation-mairie-annexe/savings.csv",
        "meudon-renovation-mairie-annexe/kpis.json",
        "meudon-renovation-mairie-annexe/report.html",
        "meudon-cargo-bikes/kpis.json",
        "meudon-cargo-bikes/report.html",
        "issy-hydroseine/kpis.json",
        "meudon-asset-platform/kpis.json",
        "meudon-energy-community/kpis.json",
        "meudon-ev-charging/kpis.json",
        "meudon-hybrid-vehicle/kpis.json",
        "meudon-pv-self-consumption/kpis.json",
        "programme/programme.csv",
        "programme/programme.html",
        "programme/portfolio.csv",
        "open-data/indicators.csv",
        "open-data/indicators.json",
        "open-data/dataset.jsonld",
    ] {
        assert!(exp.join(f).is_file(), "{f} missing");
    }
    // Each report says where its data come from, and the generated data come with the page
    // that says how they were made.
    let report =
        std::fs::read_to_string(exp.join("meudon-renovation-mairie-annexe/report.html")).unwrap();
    assert!(report.contains("<b>Data:</b> Générées par tools/gen_demo_mairie_annexe.py"));
    let readme = std::fs::read_to_string(out.join("inputs/experiments/data/README.md")).unwrap();
    assert!(readme.contains("tools/gen_demo_mairie_annexe.py"));
    // Meudon's June against the operator's data the demo writes from its allocation, with one
    // correction seeded on purpose (Foyer 02's meter): the only rows listed are that meter's
    // consumption and complement, explained as a meter curve that differs.
    let rec = std::fs::read_to_string(
        out.join("meudon-la-foret/community-reconciliation/reconciliation.csv"),
    )
    .unwrap();
    let listed: Vec<&str> = rec.lines().filter(|l| l.contains(",true,")).collect();
    assert_eq!(listed.len(), 2, "{rec}");
    assert!(
        listed
            .iter()
            .all(|l| l.starts_with("30000000000016,2025-06,") && l.contains("meter curve differs")),
        "{rec}"
    );
    assert!(out.join("inputs/operator-2025-06").is_dir());
}

/// The renovation experiment on a copy of its meter file without the rows `drop` picks
/// (by row number from 0 and timestamp), its curve table given `extra` settings.
fn holed_renovation(dir: &Path, drop: &dyn Fn(usize, &str) -> bool, extra: &str) -> PathBuf {
    let data = sample().join("data/eemeter_uk_electricity_sample0_hourly.csv");
    let text = std::fs::read_to_string(data).unwrap();
    let mut lines = text.lines();
    let mut kept = format!("{}\n", lines.next().unwrap());
    for (i, l) in lines.enumerate() {
        if !drop(i, l) {
            kept.push_str(l);
            kept.push('\n');
        }
    }
    let meter = dir.join("meter.csv");
    std::fs::write(&meter, kept).unwrap();
    renovation(dir, |t| {
        t.replace(
            &format!(
                "{}/eemeter_uk_electricity_sample0_hourly.csv\", column = \"energy_kwh\"",
                sample().join("data").display()
            ),
            &format!("{}\", column = \"energy_kwh\"{extra}", meter.display()),
        )
    })
}

fn kpis(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("kpis.json")).unwrap()).unwrap()
}

type Drop<'a> = &'a dyn Fn(usize, &str) -> bool;

/// `quartier evaluate` on [`holed_renovation`] in `dir/name`: its output and results folder.
fn evaluate_holed(
    dir: &Path,
    name: &str,
    drop: Drop,
    extra: &str,
) -> (std::process::Output, PathBuf) {
    evaluate_in(dir, name, &|d| holed_renovation(d, drop, extra))
}

/// `quartier evaluate` on the experiment `write` writes in the new folder `dir/name`: its
/// output and results folder.
fn evaluate_in(
    dir: &Path,
    name: &str,
    write: &dyn Fn(&Path) -> PathBuf,
) -> (std::process::Output, PathBuf) {
    let dir = dir.join(name);
    std::fs::create_dir(&dir).unwrap();
    let file = write(&dir);
    let out = dir.join("out");
    let o = quartier(&[
        "evaluate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (o, out)
}

#[test]
fn three_weeks_missing_are_excluded_and_listed_wherever_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    // Three weeks of July 2020 (inside the baseline), or the file's first three weeks.
    let july = |_: usize, l: &str| {
        ["2020-07-0", "2020-07-1", "2020-07-20", "2020-07-21"]
            .iter()
            .any(|p| l.starts_with(p))
    };
    let first = |i: usize, _: &str| i < 21 * 24;
    let mut missing = Vec::new();
    for (name, drop) in [("july", &july as Drop), ("first", &first)] {
        let (o, out) = evaluate_holed(tmp.path(), name, drop, "");
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let k = kpis(&out);
        let c = &k["energy"]["coverage"]["baseline"]["meter"];
        let longest = c["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["steps"].as_u64().unwrap())
            .max()
            .unwrap();
        // The sample starts 3 hours after the baseline (local midnight, 22:00 UTC).
        assert!(longest >= 21 * 24, "{name}: {c}");
        missing.push(c["missing_steps"].as_u64().unwrap());
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            all.contains("The meter has no value for") && all.contains("of the baseline"),
            "{name}: {all}"
        );
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(html.contains("<h2>Missing data</h2>"), "{name}");
        // July (or April) has its valid share among the months.
        let months = c["months"].as_array().unwrap();
        assert_eq!(months.len(), 12);
        assert!(
            months
                .iter()
                .any(|m| m["fraction_valid"].as_f64().unwrap() < 0.35),
            "{name}: {c}"
        );
    }
    assert_eq!(
        missing[0], missing[1],
        "the same hole counts the same wherever it is"
    );
    assert_eq!(missing[0], 21 * 24 + 3);

    // Told that gaps are errors, the reader names the line after the hole.
    let (o, _) = evaluate_holed(tmp.path(), "strict", &july, ", missing = \"error\"");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("gap: 504 missing step(s)"),
        "{}",
        stderr(&o)
    );
    // Interpolated up to four weeks: only the hours before the file's first row stay missing.
    let (o, out) = evaluate_holed(
        tmp.path(),
        "filled",
        &july,
        ", missing = \"interpolate\", max_gap_steps = 672",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        kpis(&out)["energy"]["coverage"]["baseline"]["meter"]["missing_steps"],
        3
    );
    // max_gap_steps without interpolate is refused at its place.
    let (o, _) = evaluate_holed(tmp.path(), "refused", &july, ", max_gap_steps = 4");
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("max_gap_steps only applies to missing = \"interpolate\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_non_routine_adjustment_is_added_to_the_baseline_day_by_day() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &str| {
        evaluate_in(tmp.path(), name, &|d| {
            renovation(d, |t| format!("{t}\n{extra}"))
        })
    };
    let (o, out) = run("plain", "");
    assert!(o.status.success(), "{}", stderr(&o));
    let plain = kpis(&out)["energy"]["savings"]["total"]["avoided_kwh"]
        .as_f64()
        .unwrap();
    // A server room from 1 to 31 October 2021: 2 kWh a day, 31 days (the clocks change on
    // the 31st: its 25 hours share the day's 2 kWh).
    for (name, adjustment) in [("per-day", "kwh_per_day = 2"), ("total", "kwh = 62")] {
        let (o, out) = run(
            name,
            &format!(
                "[[evaluation.adjustments]]\nreason = \"Server room added in the basement\"\n\
                 start = 2021-10-01\nend = 2021-11-01\n{adjustment}\n"
            ),
        );
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let k = kpis(&out);
        let avoided = k["energy"]["savings"]["total"]["avoided_kwh"]
            .as_f64()
            .unwrap();
        assert!(
            (avoided - plain - 62.0).abs() < 1e-6,
            "{name}: {avoided} against {plain}"
        );
        let a = &k["energy"]["adjustments"];
        assert!(
            (a["total_kwh"].as_f64().unwrap() - 62.0).abs() < 1e-9,
            "{a}"
        );
        assert!((a["avoided_without_adjustments_kwh"].as_f64().unwrap() - plain).abs() < 1e-6);
        assert_eq!(
            a["events"][0]["reason"],
            "Server room added in the basement"
        );
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(html.contains("<h2>Non-routine adjustments</h2>"));
        // savings.csv's baseline is the adjusted one: avoided = baseline − metered still.
        let csv = std::fs::read_to_string(out.join("savings.csv")).unwrap();
        let sum: f64 = csv
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(3)?.parse::<f64>().ok())
            .sum();
        assert!((sum - avoided).abs() < 1e-3, "{sum} {avoided}");
    }
    // Outside the reporting period, or both amounts: refused at their place.
    for (extra, expected) in [
        (
            "start = 2021-03-01\nend = 2021-05-01\nkwh = 10",
            "evaluation.adjustments[0].start: the adjustment (2021-03-01 to 2021-05-01) is not within the reporting period (2021-04-01 to 2022-04-01)",
        ),
        (
            "start = 2021-05-01\nend = 2021-06-01\nkwh = 10\nkwh_per_day = 1",
            "evaluation.adjustments[0].kwh: `kwh` and `kwh_per_day` are alternatives",
        ),
    ] {
        let (o, _) = run(
            "bad",
            &format!("[[evaluation.adjustments]]\nreason = \"x\"\n{extra}\n"),
        );
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{}", stderr(&o));
        std::fs::remove_dir_all(tmp.path().join("bad")).unwrap();
    }
}

#[test]
fn normalised_savings_on_the_reporting_year_itself_give_back_the_models_sums() {
    // The reporting year's own temperatures as the "typical" year: the baseline model then
    // predicts what it predicted for the avoided energy, and the model fitted on the reporting
    // year (daily: least squares with an intercept) sums to the metered energy.
    let tmp = tempfile::tempdir().unwrap();
    let temps =
        std::fs::read_to_string(sample().join("data/eemeter_uk_temperature_sample0_hourly.csv"))
            .unwrap();
    let mut own = String::from("time_utc,temp_air_c\n");
    for l in temps.lines().skip(1) {
        if ("2021-03-31T22".."2022-03-31T22").contains(&&l[..13]) {
            own.push_str(l);
            own.push('\n');
        }
    }
    let normal = tmp.path().join("normal.csv");
    std::fs::write(&normal, own).unwrap();
    let (o, out) = evaluate_in(tmp.path(), "daily", &|d| {
        renovation(d, |t| {
            format!(
                "{}\n[normal_temperature]\nfile = \"{}\"\ncolumn = \"temp_air_c\"\n",
                t.replace("method = \"hourly\"", "method = \"daily\""),
                normal.display()
            )
        })
    });
    assert!(o.status.success(), "{}", stderr(&o));
    let k = kpis(&out);
    let n = &k["energy"]["normalised"];
    let total = &k["energy"]["savings"]["total"];
    let close = |a: &serde_json::Value, b: &serde_json::Value| {
        let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
        assert!((a - b).abs() < 1e-6 * b.abs().max(1.0), "{a} against {b}");
    };
    assert_eq!(n["skipped_observations"], 0, "{n}");
    close(&n["baseline_kwh"], &total["baseline_kwh"]);
    close(&n["reporting_kwh"], &total["metered_kwh"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Normalised annual savings</h2>"));
    // Without an evaluation, a normal year is refused at its place.
    let (o, _) = evaluate_in(tmp.path(), "lonely", &|d| {
        let text = std::fs::read_to_string(experiments().join("issy-hydroseine.toml")).unwrap();
        let p = d.join("e.toml");
        std::fs::write(
            &p,
            format!(
                "{}\n[normal_temperature]\nfile = \"{}\"\n",
                text.replace(
                    "\"../hydroseine.toml\"",
                    &format!("\"{}\"", experiments().join("../hydroseine.toml").display())
                ),
                normal.display()
            ),
        )
        .unwrap();
        p
    });
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("normal_temperature: normalised savings need an [evaluation]"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_negative_reading_is_refused_unless_the_curve_allows_it() {
    let tmp = tempfile::tempdir().unwrap();
    // One reading of the reporting year turned negative, as a net meter's would be.
    let net = |extra: &'static str| {
        move |d: &Path| {
            let file = holed_renovation(d, &|_, _| false, extra);
            let meter = d.join("meter.csv");
            let text = std::fs::read_to_string(&meter).unwrap();
            let edited: Vec<String> = text
                .lines()
                .enumerate()
                .map(|(i, l)| match (i, l.split_once(',')) {
                    (12_000, Some((t, _))) => format!("{t},-0.25"),
                    _ => l.to_string(),
                })
                .collect();
            std::fs::write(&meter, edited.join("\n") + "\n").unwrap();
            file
        }
    };
    let (o, _) = evaluate_in(tmp.path(), "refused", &net(""));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("meter.csv:12001"), "{err}");
    assert!(err.contains("negative kWh value -0.25"), "{err}");
    assert!(
        err.contains("`allow_negative = true` on this curve"),
        "{err}"
    );

    let (o, out) = evaluate_in(tmp.path(), "allowed", &net(", allow_negative = true"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(kpis(&out)["energy"]["savings"]["total"]["avoided_kwh"].is_number());
}

/// The demo sample's hourly meter as the invoices a commune would have: periods of 28 to 33
/// local days from 1 April 2020, written as French invoices (`;`, decimal comma, `DD/MM/YYYY`)
/// ending on their last day, or (`ends_on_next_start`) on the next period's first day.
fn invoices_of_the_sample(dir: &Path, ends_on_next_start: bool) -> PathBuf {
    use chrono::{DateTime, Duration, NaiveDate};
    let text =
        std::fs::read_to_string(sample().join("data/eemeter_uk_electricity_sample0_hourly.csv"))
            .unwrap();
    let mut per_day: std::collections::BTreeMap<NaiveDate, f64> = Default::default();
    for l in text.lines().skip(1) {
        let (t, v) = l.split_once(',').unwrap();
        let t = DateTime::parse_from_rfc3339(t).unwrap();
        let day = t.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        *per_day.entry(day).or_default() += v.parse::<f64>().unwrap();
    }
    let mut csv = String::from("Début;Fin;Consommation (kWh)\n");
    let mut start = NaiveDate::from_ymd_opt(2020, 4, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2022, 4, 1).unwrap();
    for len in [30, 31, 29, 33, 28, 32].iter().cycle() {
        let end = (start + Duration::days(*len)).min(last);
        if end <= start {
            break;
        }
        let kwh: f64 = per_day.range(start..end).map(|(_, v)| v).sum();
        csv.push_str(&format!(
            "{};{};{}\n",
            start.format("%d/%m/%Y"),
            (end - Duration::days(i64::from(!ends_on_next_start))).format("%d/%m/%Y"),
            format!("{kwh:.3}").replace('.', ",")
        ));
        start = end;
    }
    let p = dir.join("factures.csv");
    std::fs::write(&p, csv).unwrap();
    p
}

#[test]
fn invoices_are_evaluated_by_the_billing_method_and_agree_with_the_daily_one() {
    let tmp = tempfile::tempdir().unwrap();
    let billing = |name: &str, method: &str, extra: &str| {
        evaluate_in(tmp.path(), name, &|d| {
            let invoices = invoices_of_the_sample(d, name.starts_with("next-start"));
            renovation(d, |t| {
                let curve = t
                    .lines()
                    .find(|l| l.starts_with("curve = "))
                    .unwrap()
                    .to_string();
                t.replace(
                    &curve,
                    &format!(
                        "invoices = {{ file = \"{}\", start_column = \"Début\", end_column = \"Fin\", column = \"Consommation (kWh)\"{extra} }}",
                        invoices.display()
                    ),
                )
                .replace("method = \"hourly\"", &format!("method = \"{method}\""))
            })
        })
    };
    let (o, out) = billing("billing", "billing", "");
    assert!(o.status.success(), "{}", stderr(&o));
    let k = kpis(&out);
    let model = &k["energy"]["model"];
    assert_eq!(model["method"], "billing", "{model}");
    assert_eq!(model["cycle"], "monthly");
    let invoices = model["baseline_invoices"].as_array().unwrap();
    assert!(invoices.len() >= 11, "{model}");
    assert!(invoices.iter().all(|i| i["used"] == true), "{model}");
    let total = &k["energy"]["savings"]["total"];
    let (avoided, uncertainty) = (
        total["avoided_kwh"].as_f64().unwrap(),
        total["uncertainty_kwh"].as_f64().unwrap(),
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("CalTRACK 2.0 billing"));
    assert!(html.contains("weighted by its days"));

    // The same building metered daily: the two avoided energies agree within their
    // uncertainties.
    let (o, out) = evaluate_in(tmp.path(), "daily", &|d| {
        renovation(d, |t| {
            t.replace("method = \"hourly\"", "method = \"daily\"")
        })
    });
    assert!(o.status.success(), "{}", stderr(&o));
    let daily = &kpis(&out)["energy"]["savings"]["total"];
    let (d_avoided, d_uncertainty) = (
        daily["avoided_kwh"].as_f64().unwrap(),
        daily["uncertainty_kwh"].as_f64().unwrap(),
    );
    println!(
        "avoided energy: invoices {avoided:.1} ± {uncertainty:.1} kWh, daily {d_avoided:.1} ± {d_uncertainty:.1} kWh"
    );
    assert!(
        (avoided - d_avoided).abs() < uncertainty + d_uncertainty,
        "{avoided} ± {uncertainty} against {d_avoided} ± {d_uncertainty}"
    );

    // Invoices read by the hourly method, or ending on the next one's first day but read as
    // ending on their last: errors at their place, naming the setting; told so, they are read.
    let (o, _) = billing("hourly", "hourly", "");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("evaluation.method: meter \"uk-household\" is known by its invoices"),
        "{err}"
    );
    assert!(err.contains("method = \"billing\""), "{err}");
    let (o, _) = billing("next-start", "billing", "");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("factures.csv:3"), "{err}");
    assert!(err.contains("set `period_end = \"exclusive\"`"), "{err}");
    let (o, out) = billing("next-start-told", "billing", ", period_end = \"exclusive\"");
    assert!(o.status.success(), "{}", stderr(&o));
    let again = kpis(&out)["energy"]["savings"]["total"]["avoided_kwh"]
        .as_f64()
        .unwrap();
    assert!((again - avoided).abs() < 1e-6, "{again} against {avoided}");
}
