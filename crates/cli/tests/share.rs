//! `quartier share`: end to end through the binary (files written, exit codes, nothing written
//! on failure, bills that hold only their participant).

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_quartier"))
}

/// A community of one producer and three consumers over one day of half-hours.
fn community(dir: &Path) -> PathBuf {
    let curve = |f: &dyn Fn(usize) -> f64| {
        let mut s = String::from("time_utc,kwh\n");
        for i in 0..48 {
            s += &format!("2025-06-01T{:02}:{:02}:00Z,{}\n", i / 2, (i % 2) * 30, f(i));
        }
        s
    };
    std::fs::write(
        dir.join("pv.csv"),
        curve(&|i| if (14..34).contains(&i) { 20.0 } else { 0.0 }),
    )
    .unwrap();
    for (k, id) in ["30000000000001", "30000000000002", "30000000000003"]
        .iter()
        .enumerate()
    {
        std::fs::write(
            dir.join(format!("{id}.csv")),
            curve(&|i| 1.0 + k as f64 + (i % 3) as f64),
        )
        .unwrap();
    }
    let mut toml = String::from(
        "[operation]\nname = \"Test\"\nturpe_option = \"acc\"\naccise_exemption = true\n[prices]\nlocal_eur_per_kwh = 0.1\nsupplier_eur_per_kwh = 0.2\n\
         [[members]]\nid = \"pv-roof\"\nname = \"Toit de l'école\"\nrole = \"producer\"\nkwp = 100\nlatitude_deg = 48.77\nlongitude_deg = 2.22\ncurve = { file = \"pv.csv\" }\n",
    );
    for (k, id) in ["30000000000001", "30000000000002", "30000000000003"]
        .iter()
        .enumerate()
    {
        toml += &format!(
            "[[members]]\nid = \"{id}\"\nname = \"Foyer Nom{k}\"\nlatitude_deg = 48.771\nlongitude_deg = 2.221\ncurve = {{ file = \"{id}.csv\" }}\n"
        );
    }
    let p = dir.join("community.toml");
    std::fs::write(&p, toml).unwrap();
    p
}

#[test]
fn allocate_writes_every_file_and_bills_hold_only_their_participant() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let out = tmp.path().join("out");
    let r = bin()
        .args(["share", "allocate"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    for f in ["allocation.csv", "coefficients.csv", "settlement.csv"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let alloc = std::fs::read_to_string(out.join("allocation.csv")).unwrap();
    assert!(alloc.starts_with("time_utc,member,role,consumption_kwh,allocated_kwh,complement_kwh,production_kwh,surplus_kwh"));
    assert_eq!(alloc.lines().count(), 1 + 48 * 4);
    let ids = [
        "30000000000001",
        "30000000000002",
        "30000000000003",
        "pv-roof",
    ];
    let names = [
        "Foyer Nom0",
        "Foyer Nom1",
        "Foyer Nom2",
        "Toit de l&#x27;école",
        "Toit de l'école",
    ];
    let bills: Vec<_> = std::fs::read_dir(out.join("bills"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(bills.len(), 8, "each bill in French and in English");
    let english = bills
        .iter()
        .filter(|b| b.to_string_lossy().ends_with(".en.html"))
        .count();
    assert_eq!(english, 4);
    for b in &bills {
        let html = std::fs::read_to_string(b).unwrap();
        let own = ids
            .iter()
            .position(|id| b.file_name().unwrap().to_string_lossy().starts_with(id))
            .unwrap();
        for (k, id) in ids.iter().enumerate() {
            if k != own {
                assert!(!html.contains(id), "{} mentions {id}", b.display());
                assert!(
                    !html.contains(names[k.min(3)]),
                    "{} mentions {}",
                    b.display(),
                    names[k.min(3)]
                );
            }
        }
        // One language per bill: euros as the language writes them.
        let (currency, other) = if b.to_string_lossy().ends_with(".en.html") {
            ("EUR", "Facture")
        } else {
            ("€", "Bill")
        };
        assert!(
            html.contains("kWh") && html.contains(currency),
            "{}",
            b.display()
        );
        assert!(!html.contains(other), "{} mixes languages", b.display());
    }
}

#[test]
fn an_invalid_community_exits_3_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("latitude_deg = 48.77\n", "latitude_deg = 98.77\n");
    std::fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let r = bin()
        .args(["share", "allocate"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(3));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("members[0].latitude_deg: 98.77 deg is out of range"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.'))
            .count(),
        0
    );
}

#[test]
fn whatif_compares_before_and_after() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let out = tmp.path().join("w");
    let r = bin()
        .args(["share", "whatif"])
        .arg(&file)
        .args(["--leave", "30000000000002", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(
        text.contains("before:") && text.contains("after :"),
        "{text}"
    );
    let csv = std::fs::read_to_string(out.join("whatif.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5);
    let r = bin()
        .args(["share", "whatif"])
        .arg(&file)
        .args(["--key", "optimised"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = bin()
        .args(["share", "whatif"])
        .arg(&file)
        .args(["--leave", "nobody"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(3));
}

/// A member named twice in the key is a located problem of the file (exit 3, FILE:LINE:COL),
/// and an unknown `--key` a command-line error (exit 2).
#[test]
fn a_member_twice_in_the_key_is_located_and_an_unknown_key_is_a_command_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let base = std::fs::read_to_string(&file).unwrap();
    let out = tmp.path().join("out");
    let run = |extra: &str, key: &str| {
        std::fs::write(&file, format!("{base}{extra}")).unwrap();
        bin()
            .args(["share", "allocate"])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .args(["--key", key])
            .output()
            .unwrap()
    };
    let twice = "[key]\ntype = \"static\"\n\
         [[key.coefficients]]\nmember = \"30000000000001\"\npercent = 30\n\
         [[key.coefficients]]\nmember = \"30000000000002\"\npercent = 30\n\
         [[key.coefficients]]\nmember = \"30000000000001\"\npercent = 20\n";
    let r = run(twice, "file");
    assert_eq!(
        r.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let err = String::from_utf8_lossy(&r.stderr);
    let file_name = file.display().to_string();
    let line = err
        .lines()
        .find(|l| l.contains("key.coefficients[2].member"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.starts_with(&file_name), "{line}");
    assert!(
        line.contains("already has a coefficient in key.coefficients[0]"),
        "{line}"
    );
    let groups = "[key]\ntype = \"priority\"\n\
         [[key.groups]]\nmembers = [\"30000000000001\", \"30000000000002\"]\n\
         [[key.groups]]\nmembers = [\"30000000000003\", \"30000000000001\"]\n";
    let r = run(groups, "file");
    assert_eq!(r.status.code(), Some(3));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("key.groups[1].members") && err.contains("already in key.groups[0]"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");

    let r = run("", "fastest");
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("fastest") && err.contains("optimised"),
        "{err}"
    );
}
