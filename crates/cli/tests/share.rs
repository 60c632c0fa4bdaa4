//! `quartier share`: end to end through the binary (files written, exit codes, nothing written
//! on failure, statements that hold only their participant, invoices numbered after the
//! ledger with amounts computed by hand).

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

/// `quartier share allocate FILE --out OUT`.
fn allocate_into(file: &Path, out: &Path) -> std::process::Output {
    bin()
        .args(["share", "allocate"])
        .arg(file)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn allocate_writes_every_file_and_statements_hold_only_their_participant() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let out = tmp.path().join("out");
    let r = allocate_into(&file, &out);
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
    let files: Vec<_> = std::fs::read_dir(out.join("statements"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        16,
        "each statement in French and in English, HTML and PDF"
    );
    let pdfs = files
        .iter()
        .filter(|b| b.extension().is_some_and(|e| e == "pdf"))
        .count();
    assert_eq!(pdfs, 8);
    let html_files: Vec<_> = files
        .iter()
        .filter(|b| b.extension().is_some_and(|e| e == "html"))
        .collect();
    for b in html_files {
        let html = std::fs::read_to_string(b).unwrap();
        let own = ids
            .iter()
            .position(|id| b.file_name().unwrap().to_string_lossy().starts_with(id))
            .unwrap();
        for (k, id) in ids.iter().enumerate() {
            // A consumer's statement names the producer it bought from (the seller); nobody
            // else's name or meter appears.
            let seller = k == 3;
            if k != own && !seller {
                assert!(!html.contains(id), "{} mentions {id}", b.display());
                assert!(
                    !html.contains(names[k]),
                    "{} mentions {}",
                    b.display(),
                    names[k]
                );
            }
            if k != own && seller {
                assert!(!html.contains(id), "{} mentions {id}", b.display());
            }
        }
        // It says it is a statement, not an invoice; one language per page.
        let (currency, title, other) = if b.to_string_lossy().ends_with(".en.html") {
            ("EUR", "Comparison statement", "Relevé")
        } else {
            ("€", "Relevé comparatif", "Statement")
        };
        assert!(html.contains(title), "{}", b.display());
        assert!(
            html.contains("kWh") && html.contains(currency),
            "{}",
            b.display()
        );
        assert!(!html.contains(other), "{} mixes languages", b.display());
    }
}

/// The community of [`community`] with an `[invoicing]` table (VAT charged).
fn community_with_invoicing(dir: &Path) -> PathBuf {
    let file = community(dir);
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "[prices]",
        "[invoicing]\nissuer_name = \"Régie de quartier\"\nissuer_address = [\"1 place Centrale\", \"92360 Meudon-la-Forêt\"]\nissuer_siret = \"123 456 789 00011\"\nissuer_vat_number = \"FR00123456789\"\nnumber_prefix = \"RQ-\"\n[prices]",
    );
    std::fs::write(&file, text).unwrap();
    file
}

fn invoice(file: &Path, out: &Path, date: &str) -> std::process::Output {
    bin()
        .args(["share", "invoice"])
        .arg(file)
        .args(["--month", "2025-06", "--issue-date", date, "--out"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn invoices_are_exact_to_the_cent_and_numbers_never_repeat() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community_with_invoicing(tmp.path());
    let out = tmp.path().join("inv");
    let r = invoice(&file, &out, "2025-07-03");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    // By hand: PV gives 20 kWh a step for 20 steps, more than the 3 consumers use, so each
    // takes all it consumes then: Σ (1 + k + i mod 3) over i = 14..33 = 40 + 20 k kWh, at
    // 0.10 €/kWh, VAT 20 % (June 2025: the grid of 1 February 2025).
    let csv = std::fs::read_to_string(out.join("invoices.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "number,issue_date,due_date,member,customer,period_start,period_end,total_excl_vat_eur,vat_eur,total_incl_vat_eur,copy"
    );
    assert_eq!(
        rows[1],
        "RQ-000001,2025-07-03,2025-08-02,30000000000001,Foyer Nom0,2025-06-01,2025-06-02,4.00,0.80,4.80,false"
    );
    assert_eq!(
        rows[2],
        "RQ-000002,2025-07-03,2025-08-02,30000000000002,Foyer Nom1,2025-06-01,2025-06-02,6.00,1.20,7.20,false"
    );
    assert_eq!(
        rows[3],
        "RQ-000003,2025-07-03,2025-08-02,30000000000003,Foyer Nom2,2025-06-01,2025-06-02,8.00,1.60,9.60,false"
    );
    assert_eq!(rows.len(), 4, "the producer gets no invoice");
    let lines = std::fs::read_to_string(out.join("invoice_lines.csv")).unwrap();
    assert!(
        lines.contains("RQ-000001,1,Électricité produite par Toit de l'école,40,0.1,4.00,20,0.80"),
        "{lines}"
    );
    for n in 1..=3 {
        let pdf = std::fs::read(out.join(format!("invoices/RQ-00000{n}.pdf"))).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let html = std::fs::read_to_string(out.join(format!("invoices/RQ-00000{n}.html"))).unwrap();
        assert!(html.contains("Facture n° RQ-00000") && html.contains("Net à payer"));
        assert!(html.contains("SIRET\u{a0}: 123 456 789 00011") && html.contains("FR00123456789"));
    }
    let ledger_path = tmp.path().join("invoice-ledger.csv");
    let ledger = std::fs::read_to_string(&ledger_path).unwrap();
    assert_eq!(ledger.lines().count(), 4);
    // Again a week later: the same numbers and issue dates, printed as copies.
    let out2 = tmp.path().join("inv2");
    let r = invoice(&file, &out2, "2025-07-10");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let csv2 = std::fs::read_to_string(out2.join("invoices.csv")).unwrap();
    assert!(csv2.contains("RQ-000001,2025-07-03,"), "{csv2}");
    assert!(csv2.lines().skip(1).all(|l| l.ends_with(",true")), "{csv2}");
    assert_eq!(std::fs::read_to_string(&ledger_path).unwrap(), ledger);
    // Changed prices would change issued invoices: refused, naming the invoice, nothing
    // written, the ledger unchanged.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("local_eur_per_kwh = 0.1", "local_eur_per_kwh = 0.11");
    std::fs::write(&file, text).unwrap();
    let out3 = tmp.path().join("inv3");
    let r = invoice(&file, &out3, "2025-07-10");
    assert_eq!(r.status.code(), Some(3));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("RQ-000001") && err.contains("credit note"),
        "{err}"
    );
    assert!(!out3.exists());
    assert_eq!(std::fs::read_to_string(&ledger_path).unwrap(), ledger);
    // A damaged ledger is located, not guessed around.
    std::fs::write(
        &ledger_path,
        ledger.replace("RQ-000002,RQ-,2,", "RQ-000002,RQ-,x,"),
    )
    .unwrap();
    let r = invoice(&file, &out3, "2025-07-10");
    assert_eq!(r.status.code(), Some(3));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("invoice-ledger.csv:3: sequence: \"x\" (expected a whole number)"),
        "{err}"
    );
}

#[test]
fn invoice_needs_the_invoicing_table_and_a_real_month() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let r = invoice(&file, &tmp.path().join("o"), "2025-07-03");
    assert_eq!(r.status.code(), Some(3));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("no [invoicing] table"), "{err}");
    let r = bin()
        .args(["share", "invoice"])
        .arg(&file)
        .args(["--month", "2025-13", "--out", "o"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("expected YYYY-MM"));
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

/// The operator's monthly files for the community of [`community`], made from Quartier's own
/// allocation in the layout the reader documents: per PRM and quantity,
/// `<PRM>_01062025_30062025_<tag>_CDC.csv`, hourly lines of four quarter-hour powers in W,
/// local time. `tweak(prm, tag, hour)` may change a line's watts.
fn official_folder(allocation_csv: &str, dir: &Path, tweak: &dyn Fn(&str, &str, usize) -> f64) {
    std::fs::create_dir_all(dir).unwrap();
    // (prm, tag) → half-hour kWh in order.
    let mut curves: std::collections::BTreeMap<(String, &str), Vec<f64>> = Default::default();
    for line in allocation_csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let v = |k: usize| c[k].parse::<f64>().unwrap();
        if c[2] == "consumer" {
            for (tag, k) in [("Conso", 3), ("Autoconso", 4), ("Complement", 5)] {
                curves
                    .entry((c[1].to_string(), tag))
                    .or_default()
                    .push(v(k));
            }
        } else {
            for (tag, k) in [("Prod", 6), ("Surplus", 7)] {
                curves
                    .entry((c[1].to_string(), tag))
                    .or_default()
                    .push(v(k));
            }
        }
    }
    for ((prm, tag), halves) in curves {
        let mut s = String::from("Horodate;Valeur 1;Valeur 2;Valeur 3;Valeur 4\n");
        for (h, pair) in halves.chunks(2).enumerate() {
            // 2025-06-01T00:00Z is 02:00 in Paris; a half-hour's kWh is two quarter-hours of
            // kWh / 2 each, that is kWh × 2000 W.
            let w: Vec<f64> = pair.iter().flat_map(|x| [x * 2000.0, x * 2000.0]).collect();
            let extra = tweak(&prm, tag, h);
            let cells: Vec<String> = w.iter().map(|x| format!("{}", x + extra)).collect();
            s += &format!("01/06/2025 {:02}:00;{}\n", (h + 2) % 24, cells.join(";"))
                .replace("01/06/2025 00:00", "02/06/2025 00:00")
                .replace("01/06/2025 01:00", "02/06/2025 01:00");
        }
        std::fs::write(
            dir.join(format!("{prm}_01062025_30062025_{tag}_CDC.csv")),
            s,
        )
        .unwrap();
    }
    std::fs::write(dir.join("Perimetre_Participants.csv"), "PRM\n").unwrap();
}

fn reconcile(file: &Path, official: &Path, out: &Path) -> std::process::Output {
    bin()
        .args(["share", "reconcile"])
        .arg(file)
        .arg("--official")
        .arg(official)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn reconcile_finds_only_the_seeded_difference_and_explains_it() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let out = tmp.path().join("alloc");
    let r = allocate_into(&file, &out);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let allocation = std::fs::read_to_string(out.join("allocation.csv")).unwrap();

    // The operator's data as Quartier computed them: nothing listed, exit 0.
    let same = tmp.path().join("official-same");
    official_folder(&allocation, &same, &|_, _, _| 0.0);
    let r = reconcile(&file, &same, &tmp.path().join("rec-same"));
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let csv = std::fs::read_to_string(tmp.path().join("rec-same/reconciliation.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 3 * 3 + 2,
        "3 consumers × 3 quantities, 1 producer × 2"
    );
    assert!(csv.lines().skip(1).all(|l| l.contains(",false,")), "{csv}");

    // Seeded on purpose: the operator corrected consumer 2's meter curve for two hours
    // (+400 W on each quarter-hour: +0.4 kWh an hour, 0.8 kWh in all).
    let seeded = tmp.path().join("official-seeded");
    official_folder(&allocation, &seeded, &|prm, tag, h| {
        if prm == "30000000000002" && tag == "Conso" && (h == 10 || h == 11) {
            400.0
        } else {
            0.0
        }
    });
    let rec = tmp.path().join("rec-seeded");
    let r = reconcile(&file, &seeded, &rec);
    assert_eq!(
        r.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let csv = std::fs::read_to_string(rec.join("reconciliation.csv")).unwrap();
    let listed: Vec<&str> = csv.lines().filter(|l| l.contains(",true,")).collect();
    assert_eq!(listed.len(), 1, "{csv}");
    assert!(
        listed[0].starts_with("30000000000002,2025-06,consumption,")
            && listed[0].contains("-0.800,")
            && listed[0].contains("the meter curve differs"),
        "{}",
        listed[0]
    );
    let steps = std::fs::read_to_string(rec.join("difference_steps.csv")).unwrap();
    assert_eq!(
        steps.lines().count(),
        1 + 4,
        "the four half-hours of the two hours: {steps}"
    );
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("difference: 30000000000002 2025-06 consumption"),
        "{err}"
    );

    // The same folder as a zip reads the same.
    let zip_path = tmp.path().join("official.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        for e in std::fs::read_dir(&seeded).unwrap() {
            let p = e.unwrap().path();
            let name = format!("ACC00000001/{}", p.file_name().unwrap().to_string_lossy());
            z.start_file(name, options).unwrap();
            std::io::Write::write_all(&mut z, &std::fs::read(&p).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
    let rec_zip = tmp.path().join("rec-zip");
    let r = reconcile(&file, &zip_path, &rec_zip);
    assert_eq!(r.status.code(), Some(4));
    assert_eq!(
        std::fs::read_to_string(rec_zip.join("reconciliation.csv")).unwrap(),
        csv
    );

    // The API's monthly totals of every member: a key the operator applied otherwise for
    // consumer 3 (5 kWh less self-consumed).
    let total = |prm: &str, role: &str, k: usize| -> f64 {
        allocation
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(1) == Some(prm) && l.split(',').nth(2) == Some(role))
            .map(|l| l.split(',').nth(k).unwrap().parse::<f64>().unwrap())
            .sum()
    };
    let item = |id: &str, prm: &str, types: &[(&str, f64)]| {
        let q: Vec<String> = types
            .iter()
            .map(|(t, kwh)| {
                format!(
                    r#"{{"type": "{t}", "calendar_type": "DISTRIB", "quantities": [{{"name": "HPB", "value": {}}}]}}"#,
                    kwh * 1000.0
                )
            })
            .collect();
        format!(
            r#"{{"{id}": "{prm}", "start": "2025-06-01", "end": "2025-07-01", "unit": "Wh", "quantities": [{}]}}"#,
            q.join(",")
        )
    };
    let mut items = Vec::new();
    for prm in ["30000000000001", "30000000000002", "30000000000003"] {
        let seeded = if prm == "30000000000003" { 5.0 } else { 0.0 };
        items.push(item(
            "cons_id",
            prm,
            &[
                ("cons", total(prm, "consumer", 3)),
                ("autocons", total(prm, "consumer", 4) - seeded),
            ],
        ));
    }
    items.push(item(
        "prod_id",
        "pv-roof",
        &[
            ("prod", total("pv-roof", "producer", 6)),
            ("surplus", total("pv-roof", "producer", 7)),
        ],
    ));
    let json = format!("[{}]", items.join(","));
    let api = tmp.path().join("api.json");
    std::fs::write(&api, json).unwrap();
    let rec_api = tmp.path().join("rec-api");
    let r = reconcile(&file, &api, &rec_api);
    assert_eq!(r.status.code(), Some(4));
    let csv = std::fs::read_to_string(rec_api.join("reconciliation.csv")).unwrap();
    let listed: Vec<&str> = csv.lines().filter(|l| l.contains(",true,")).collect();
    assert_eq!(listed.len(), 1, "{csv}");
    assert!(
        listed[0].starts_with("30000000000003,2025-06,self_consumed,")
            && listed[0].contains("5.000,")
            && listed[0].contains("the key differs"),
        "{}",
        listed[0]
    );
    // A damaged file is located.
    std::fs::write(
        seeded.join("30000000000001_01062025_30062025_Conso_CDC.csv"),
        "Horodate;W\n01/06/2025 02:00;1;zz\n",
    )
    .unwrap();
    let r = reconcile(&file, &seeded, &tmp.path().join("rec-bad"));
    assert_eq!(r.status.code(), Some(3));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains(
            "30000000000001_01062025_30062025_Conso_CDC.csv:2: value 2: \"zz\" is not a power"
        ),
        "{err}"
    );
    assert!(!tmp.path().join("rec-bad").exists());
}

/// `quartier share keys FILE --month 2025-06 EXTRA… --out OUT`.
fn keys(file: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .args(["share", "keys"])
        .arg(file)
        .args(["--month", "2025-06"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn the_months_key_file_for_the_operator() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let out = tmp.path().join("keys");
    let r = keys(&file, &out, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(out.join("keys_2025-06.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Horodate;30000000000001;30000000000002;30000000000003"
    );
    assert_eq!(lines.len(), 1 + 48);
    // 02:00 Paris, no production: zeros; with PV, shares floored to 0.1 % with a decimal comma.
    assert_eq!(lines[1], "01/06/2025 02:00;0,0;0,0;0,0");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(',') && !l.ends_with(";0,0;0,0;0,0"))
    );
    let said = String::from_utf8_lossy(&r.stdout);
    assert!(said.contains("kWh lost to flooring"), "{said}");
}

#[test]
fn the_full_dynamic_key_file_has_a_line_per_step_and_producer() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let out = tmp.path().join("keys");
    let r = keys(&file, &out, &["--dynamic", "full"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(out.join("keys_full_2025-06.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Horodate;Producteur;30000000000001;30000000000002;30000000000003"
    );
    // One producer: a line per step.
    assert_eq!(lines.len(), 1 + 48);
    assert_eq!(lines[1], "01/06/2025 02:00;pv-roof;0,0;0,0;0,0");
    // With one producer, its shares are the simple key's.
    let simple = keys(&file, &tmp.path().join("simple"), &[]);
    assert!(simple.status.success());
    let simple = std::fs::read_to_string(tmp.path().join("simple/keys_2025-06.csv")).unwrap();
    for (full, simple) in lines.iter().skip(1).zip(simple.lines().skip(1)) {
        assert_eq!(full.replace(";pv-roof", ""), simple);
    }
    let r = keys(&file, &out, &["--dynamic", "complete"]);
    assert_eq!(r.status.code(), Some(2), "an unknown kind is a usage error");
}

#[test]
fn invoices_follow_the_operators_data_where_it_sent_curves_and_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community_with_invoicing(tmp.path());
    let r = allocate_into(&file, &tmp.path().join("alloc"));
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let allocation = std::fs::read_to_string(tmp.path().join("alloc/allocation.csv")).unwrap();
    // The operator allocated 0.4 kWh less to consumer 1 at 14:00 (400 W less each
    // quarter-hour).
    let official = tmp.path().join("official");
    official_folder(&allocation, &official, &|prm, tag, h| {
        if prm == "30000000000001" && tag == "Autoconso" && h == 12 {
            -400.0
        } else {
            0.0
        }
    });
    let out = tmp.path().join("inv");
    let r = bin()
        .args(["share", "invoice"])
        .arg(&file)
        .args([
            "--month",
            "2025-06",
            "--issue-date",
            "2025-07-03",
            "--official",
        ])
        .arg(&official)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        String::from_utf8_lossy(&r.stdout)
            .contains("settled on the grid operator's data for 2025-06")
    );
    let csv = std::fs::read_to_string(out.join("invoices.csv")).unwrap();
    // 40 − 0.4 = 39.6 kWh at 0.10 €: 3.96 € + 20 % VAT 0.79 € = 4.75 €.
    assert!(csv.contains("RQ-000001,2025-07-03,2025-08-02,30000000000001,Foyer Nom0,2025-06-01,2025-06-02,3.96,0.79,4.75,false"), "{csv}");
    assert!(
        csv.contains(",30000000000002,Foyer Nom1,2025-06-01,2025-06-02,6.00,1.20,7.20,"),
        "{csv}"
    );
    let html = std::fs::read_to_string(out.join("invoices/RQ-000001.html")).unwrap();
    assert!(
        html.contains("données de répartition transmises par le gestionnaire de réseau"),
        "{html}"
    );
    // The statements too.
    let st = tmp.path().join("st");
    let r = bin()
        .args(["share", "allocate"])
        .arg(&file)
        .arg("--official")
        .arg(&official)
        .arg("--out")
        .arg(&st)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let s = std::fs::read_to_string(st.join("statements/30000000000001_2025-06.en.html")).unwrap();
    assert!(
        s.contains("taken from the allocation data sent by the grid operator"),
        "{s}"
    );
}

/// `--statements` writes every participant's statements (the default), none, or only the
/// listed members'; an id that is no member is refused and nothing is written.
#[test]
fn allocate_writes_the_statements_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let file = community(tmp.path());
    let run = |spec: &str, out: &str| {
        bin()
            .args(["share", "allocate"])
            .arg(&file)
            .arg("--out")
            .arg(tmp.path().join(out))
            .args(["--statements", spec])
            .output()
            .unwrap()
    };
    let listed = |out: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(tmp.path().join(out).join("statements"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let r = run("none", "none");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(tmp.path().join("none/allocation.csv").is_file());
    assert!(listed("none").is_empty());
    assert!(String::from_utf8_lossy(&r.stdout).contains("and 0 comparison statements"));
    let r = run("30000000000002, pv-roof", "two");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(
        listed("two"),
        [
            "30000000000002_2025-06.en.html",
            "30000000000002_2025-06.en.pdf",
            "30000000000002_2025-06.html",
            "30000000000002_2025-06.pdf",
            "pv-roof_2025-06.en.html",
            "pv-roof_2025-06.en.pdf",
            "pv-roof_2025-06.html",
            "pv-roof_2025-06.pdf",
        ]
    );
    let r = run("30000000000009", "bad");
    assert!(!r.status.success());
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("--statements: no member \"30000000000009\""),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(!tmp.path().join("bad").exists());
    assert_eq!(
        std::fs::read(tmp.path().join("none/allocation.csv")).unwrap(),
        std::fs::read(tmp.path().join("two/allocation.csv")).unwrap()
    );
}
