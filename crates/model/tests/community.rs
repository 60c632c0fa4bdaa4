//! The community file: diagnostics on bad input, loading real and generated curves, the tariff file.

use std::path::{Path, PathBuf};

use quartier_model::{default_tariffs, parse_community, parse_tariffs, read_community};

const HEADER: &str = "time,kwh\n";

/// A folder with two CSV curves (a producer and a consumer, 4 half-hours) and the returned path.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("quartier-community-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let rows = |v: &[f64]| {
        let mut s = HEADER.to_string();
        for (i, x) in v.iter().enumerate() {
            s += &format!("2025-06-01T{:02}:{:02}:00Z,{x}\n", 10 + i / 2, (i % 2) * 30);
        }
        s
    };
    std::fs::write(d.join("pv.csv"), rows(&[6.0, 6.0, 6.0, 6.0])).unwrap();
    std::fs::write(d.join("home.csv"), rows(&[2.0, 2.0, 2.0, 2.0])).unwrap();
    std::fs::write(d.join("neg.csv"), rows(&[2.0, -1.0, 2.0, 2.0])).unwrap();
    d
}

const GOOD: &str = r#"[operation]
name = "Test"
[[members]]
id = "pv"
role = "producer"
latitude_deg = 48.77
longitude_deg = 2.22
kwp = 36
curve = { file = "pv.csv" }
[[members]]
id = "30000000000001"
latitude_deg = 48.771
longitude_deg = 2.221
curve = { file = "home.csv" }
[prices]
local_eur_per_kwh = 0.1
supplier_eur_per_kwh = 0.2
"#;

#[test]
fn a_good_community_loads() {
    let d = dir("good");
    let c = parse_community(GOOD, &d.join("c.toml")).unwrap();
    assert_eq!(c.community.axis().len(), 4);
    assert_eq!(c.community.consumers().len(), 1);
    assert!(c.invoicing.is_none());
}

const INVOICING: &str = "[invoicing]\nissuer_name = \"PMO\"\nissuer_address = [\"1 place de la Mairie\", \"92190 Meudon\"]\nissuer_siret = \"12345678900011\"\nvat = \"franchise\"\nnumber_prefix = \"MLF-\"\n[prices]";

#[test]
fn the_invoicing_table_gives_the_issuer_numbering_and_ledger() {
    let d = dir("invoicing");
    let text = GOOD.replacen("[prices]", INVOICING, 1);
    let c = parse_community(&text, &d.join("c.toml")).unwrap();
    let inv = c.invoicing.unwrap();
    assert_eq!(inv.config.issuer.name, "PMO");
    assert_eq!(inv.config.issuer.address.len(), 2);
    assert_eq!(inv.config.number_prefix, "MLF-");
    assert_eq!(inv.config.payment_days, 30);
    assert_eq!(inv.config.vat, quartier_billing::VatRegime::Franchise);
    assert_eq!(inv.ledger, d.join("invoice-ledger.csv"));
    // Statements show the local energy as the invoices do: without VAT.
    assert_eq!(
        c.billing.local_energy_vat,
        quartier_billing::VatRegime::Franchise
    );
}

#[test]
fn the_embedded_tariffs_hold_every_grid_by_date() {
    let h = default_tariffs().unwrap();
    let day = |y, m| chrono::NaiveDate::from_ymd_opt(y, m, 1).unwrap();
    let dec = |s: &str| s.parse::<quartier_billing::money::Decimal>().unwrap();
    // Excise (ménages): 21.00 EUR/MWh in January 2025, 33.70 from February, 29.98 from August,
    // 30.85 from February 2026; CTA 15 % from February 2026; VAT on fixed components 20 % from
    // August 2025.
    let at = |y, m| h.in_force(day(y, m)).0;
    assert_eq!(at(2025, 1).excise_eur_per_kwh.value, dec("0.021"));
    assert_eq!(at(2025, 7).excise_eur_per_kwh.value, dec("0.0337"));
    assert_eq!(at(2025, 8).excise_eur_per_kwh.value, dec("0.02998"));
    assert_eq!(at(2026, 2).excise_eur_per_kwh.value, dec("0.03085"));
    assert_eq!(at(2026, 1).cta_percent.value, dec("21.93"));
    assert_eq!(at(2026, 2).cta_percent.value, dec("15"));
    assert_eq!(at(2025, 7).vat_fixed_percent.value, dec("5.5"));
    assert_eq!(at(2025, 8).vat_fixed_percent.value, dec("20"));
    // TURPE 7 ACC values (a single source): carried, not verified.
    let t7 = at(2025, 8);
    assert_eq!(t7.acc_self_consumed.hph.value, dec("0.0286"));
    assert!(!t7.acc_self_consumed.hph.verified);
    assert!(t7.standard_energy.hph.verified);
    assert_eq!(h.grids().len(), 4);
    assert!(h.in_force(day(2024, 6)).1, "before the oldest grid");
    assert_eq!(at(2026, 9).next_change, Some(day(2026, 8)));
    // A file of one grid without [[grid]] (the older layout) still reads; a broken grid says
    // which one and what.
    let one = quartier_billing::TARIFFS_TOML;
    let first = one.split("\n[[grid]]\n").nth(1).unwrap();
    let older = first.replace("[grid.", "[");
    assert_eq!(
        parse_tariffs(&older, std::path::Path::new("t.toml"))
            .unwrap()
            .grids()
            .len(),
        1
    );
    let broken = one.replacen("percent = { value = 21.93", "percent = { valeur = 21.93", 1);
    let err = parse_tariffs(&broken, std::path::Path::new("t.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("grid[0].cta.percent: missing or invalid"),
        "{err}"
    );
}

#[test]
fn bad_input_is_reported_with_line_column_and_path() {
    let d = dir("bad");
    // (edit of GOOD, expected `LINE:COL: path: message` fragment)
    let cases: &[(&str, &str, &str)] = &[
        (
            "name = \"Test\"",
            "nam = \"Test\"",
            "2:1: operation.nam: unknown field `nam`; did you mean `name`?",
        ),
        (
            "latitude_deg = 48.77\n",
            "latitude_deg = 98.77\n",
            "6:16: members[0].latitude_deg: 98.77 deg is out of range (expected -90 ≤ latitude_deg ≤ 90)",
        ),
        (
            "role = \"producer\"",
            "role = \"producr\"",
            "5:8: members[0].role: unknown value \"producr\"; did you mean \"producer\"?",
        ),
        (
            "curve = { file = \"home.csv\" }",
            "curve = { file = \"missing.csv\" }",
            "14:18: members[1].curve.file: file",
        ),
        (
            "id = \"30000000000001\"",
            "id = \"pv\"",
            "11:6: members[1].id: duplicate member id \"pv\"",
        ),
        (
            "supplier_eur_per_kwh = 0.2\n",
            "",
            "15:1: prices.supplier_eur_per_kwh: missing required field `supplier_eur_per_kwh`",
        ),
        (
            "curve = { file = \"home.csv\" }",
            "curve = { file = \"neg.csv\" }",
            "14:18: members[1].curve.file: member 30000000000001:",
        ),
        (
            "[prices]",
            "[key]\ntype = \"static\"\n[[key.coefficients]]\nmember = \"nobody\"\npercent = 50\n[prices]",
            "18:10: key.coefficients[0].member: unknown consumer nobody",
        ),
        (
            "name = \"Test\"",
            "name = \"Test\"\nderogation = \"public_epci\"",
            "operation.epci_communes: the public_epci derogation needs the INSEE codes",
        ),
        (
            "longitude_deg = 2.221\n",
            "longitude_deg = 2.221\ncommune_insee = \"9204\"\n",
            "members[1].commune_insee: \"9204\" is not an INSEE commune code",
        ),
        (
            "longitude_deg = 2.221\n",
            "longitude_deg = 2.221\ncategory = \"communee\"\n",
            "members[1].category: unknown value \"communee\"; did you mean \"commune\"?",
        ),
        (
            "[prices]",
            &INVOICING.replace("12345678900011", "1234"),
            "invoicing.issuer_siret: \"1234\" is not a SIRET or SIREN number (expected 14 digits (SIRET) or 9 digits (SIREN))",
        ),
        (
            "[prices]",
            &INVOICING.replace("vat = \"franchise\"\n", ""),
            "invoicing: an issuer that charges VAT needs `issuer_vat_number`",
        ),
        (
            "[prices]",
            &INVOICING.replace("vat = \"franchise\"", "payment_days = 90"),
            "invoicing.payment_days: 90 d is out of range",
        ),
        (
            "[prices]",
            &INVOICING.replace("number_prefix = \"MLF-\"", "number_prefix = \"a,b\""),
            "invoicing.number_prefix: \"a,b\" cannot start invoice numbers",
        ),
    ];
    for (from, to, want) in cases {
        let text = GOOD.replacen(from, to, 1);
        assert_ne!(text, GOOD, "edit {from:?} did not apply");
        let err = parse_community(&text, &d.join("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(want),
            "for {to:?}: expected {want:?} in\n{err}"
        );
    }
}

/// The public-body derogation of 2025 reads each member's category and commune and the EPCI's
/// communes, and the check says which member breaks it.
#[test]
fn the_public_body_derogation_reads_categories_and_communes() {
    let d = dir("epci");
    let text = GOOD
        .replacen(
            "name = \"Test\"",
            "name = \"Test\"\nderogation = \"public_epci\"\nepci_communes = [\"92048\", \"92040\"]",
            1,
        )
        .replacen(
            "kwp = 36\n",
            "kwp = 36\ncategory = \"commune\"\ncommune_insee = \"92048\"\n",
            1,
        )
        .replacen(
            "longitude_deg = 2.221\n",
            "longitude_deg = 2.221\ncategory = \"sem\"\ncommune_insee = \"92040\"\n",
            1,
        );
    let c = parse_community(&text, &d.join("c.toml")).unwrap();
    assert!(quartier_share::check_perimeter(c.community.members(), &c.perimeter).is_ok());
    let outside = text.replacen("commune_insee = \"92040\"", "commune_insee = \"75056\"", 1);
    let c = parse_community(&outside, &d.join("c.toml")).unwrap();
    let err = quartier_share::check_perimeter(c.community.members(), &c.perimeter).unwrap_err();
    assert!(
        err.to_string()
            .contains("member 30000000000001 is in commune 75056, outside the EPCI"),
        "{err}"
    );
}

#[test]
fn the_real_enedis_curve_is_one_member() {
    let Some(path) =
        quartier_testdata::shared_file("linky_enedis_export_household_2022-07_2023-07_30min.csv")
    else {
        return;
    };
    let d = dir("enedis");
    // A producer curve covering the Enedis year at 30 minutes (constant 1 kWh per step).
    let mut pv = String::from(HEADER);
    let start = chrono::DateTime::parse_from_rfc3339("2022-07-01T00:00:00Z").unwrap();
    for i in 0..(400 * 48) {
        let t = start + chrono::Duration::minutes(30 * i);
        pv += &format!("{},1\n", t.format("%Y-%m-%dT%H:%M:%SZ"));
    }
    std::fs::write(d.join("pv_year.csv"), pv).unwrap();
    let text = GOOD.replacen("\"pv.csv\"", "\"pv_year.csv\"", 1).replacen(
        "{ file = \"home.csv\" }",
        &format!(
            "{{ file = {:?}, format = \"enedis\" }}",
            path.display().to_string()
        ),
        1,
    );
    // The PV curve runs 400 days, the household's 365: no settlement data is dropped
    // silently, so the household's missing spans are errors naming it and the spans.
    let err = parse_community(&text, &d.join("c.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("members[1].curve.file: member 30000000000001: no data from 2022-07-01 02:00 to 2022-07-29 00:00 (Europe/Paris)"),
        "{err}"
    );
    assert!(err.contains("missing = \"exclude\""), "{err}");
    // Settling the household's year (the operation's first and last days) cuts the PV curve.
    let text = text.replacen(
        "name = \"Test\"",
        "name = \"Test\"\nfirst_day = 2022-07-29\nlast_day = 2023-07-28",
        1,
    );
    let c = parse_community(&text, &d.join("c.toml")).unwrap();
    assert_eq!(c.community.axis().len(), 17_520);
    let total: f64 = c.community.consumption_kwh().iter().sum();
    assert!((6000.0..9000.0).contains(&total), "{total} kWh");
    let alloc = quartier_share::allocate(&c.community, &c.key).unwrap();
    alloc.check_invariants().unwrap();
}

/// Two days of half-hours from 1 June 2025 00:00 Paris: PV 6 kWh a step, a household 2 kWh a
/// step; a second household whose curve starts on 2 June.
fn two_days(name: &str) -> PathBuf {
    let d = dir(name);
    let rows = |from_step: usize, v: f64| {
        let start = chrono::DateTime::parse_from_rfc3339("2025-05-31T22:00:00Z").unwrap();
        let mut s = HEADER.to_string();
        for i in from_step..96 {
            let t = start + chrono::Duration::minutes(30 * i as i64);
            s += &format!("{},{v}\n", t.format("%Y-%m-%dT%H:%M:%SZ"));
        }
        s
    };
    std::fs::write(d.join("pv2.csv"), rows(0, 6.0)).unwrap();
    std::fs::write(d.join("home2.csv"), rows(0, 2.0)).unwrap();
    std::fs::write(d.join("late.csv"), rows(48, 2.0)).unwrap();
    d
}

const TWO_DAYS: &str = r#"[operation]
name = "Test"
[[members]]
id = "pv"
role = "producer"
latitude_deg = 48.77
longitude_deg = 2.22
curve = { file = "pv2.csv" }
[[members]]
id = "30000000000001"
latitude_deg = 48.771
longitude_deg = 2.221
curve = { file = "home2.csv" }
[[members]]
id = "30000000000002"
latitude_deg = 48.771
longitude_deg = 2.221
curve = { file = "late.csv" }
[prices]
local_eur_per_kwh = 0.1
supplier_eur_per_kwh = 0.2
"#;

#[test]
fn members_join_and_missing_data_are_said_or_treated() {
    let d = two_days("membership");
    let file = d.join("c.toml");
    // The late household's curve starts on 2 June: without a date it is a located error.
    let err = parse_community(TWO_DAYS, &file).unwrap_err().to_string();
    assert!(
        err.contains("members[2].curve.file: member 30000000000002: no data from 2025-06-01 00:00 to 2025-06-02 00:00 (Europe/Paris)"),
        "{err}"
    );
    // It joined on 2 June: nothing is missing, and it takes a share from then on only.
    let joined = TWO_DAYS.replacen(
        "curve = { file = \"late.csv\" }",
        "curve = { file = \"late.csv\" }\nmember_from = 2025-06-02",
        1,
    );
    let c = parse_community(&joined, &file).unwrap();
    assert_eq!(c.community.axis().len(), 96);
    assert!(!c.community.consumer_present(1, 47) && c.community.consumer_present(1, 48));
    let a = quartier_share::allocate(&c.community, &c.key).unwrap();
    assert_eq!((a.allocated_kwh(0, 0), a.allocated_kwh(0, 1)), (2.0, 0.0));
    assert_eq!((a.allocated_kwh(48, 0), a.allocated_kwh(48, 1)), (2.0, 2.0));
    // Or its missing day is excluded (same shares) or counted as zero, and the file says so.
    for (treatment, said) in [
        ("exclude", "excluded from the operation"),
        ("zero", "counted as zero"),
    ] {
        let text = TWO_DAYS.replacen(
            "curve = { file = \"late.csv\" }",
            &format!("curve = {{ file = \"late.csv\" }}\nmissing = \"{treatment}\""),
            1,
        );
        let c = parse_community(&text, &file).unwrap();
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains(said) && w.contains("30000000000002")),
            "{:?}",
            c.warnings
        );
        assert_eq!(c.billing.data_gaps.len(), 1);
        assert_eq!(c.billing.data_gaps[0].excluded, treatment == "exclude");
        assert_eq!(c.community.consumer_present(1, 0), treatment == "zero");
    }
    // A member who leaves before it joins.
    let text = joined.replacen(
        "member_from = 2025-06-02",
        "member_from = 2025-06-02\nmember_until = 2025-06-01",
        1,
    );
    let err = parse_community(&text, &file).unwrap_err().to_string();
    assert!(
        err.contains("members[2].member_until: the member leaves before it joins"),
        "{err}"
    );
}

#[test]
fn static_coefficients_per_period_follow_membership() {
    let d = two_days("periods");
    let file = d.join("c.toml");
    let base = TWO_DAYS.replacen(
        "curve = { file = \"late.csv\" }",
        "curve = { file = \"late.csv\" }\nmember_from = 2025-06-02",
        1,
    );
    let key = |second: &str| {
        format!(
            "[key]\ntype = \"static\"\n[[key.periods]]\nfrom = 2025-06-01\n[[key.periods.coefficients]]\nmember = \"30000000000001\"\npercent = 100\n[[key.periods]]\nfrom = 2025-06-02\n{second}\n[prices]"
        )
    };
    let both = "[[key.periods.coefficients]]\nmember = \"30000000000001\"\npercent = 50\n[[key.periods.coefficients]]\nmember = \"30000000000002\"\npercent = 50";
    let c = parse_community(&base.replacen("[prices]", &key(both), 1), &file).unwrap();
    assert!(matches!(&c.key, quartier_share::Key::Periods(p) if p.len() == 2));
    let a = quartier_share::allocate(&c.community, &c.key).unwrap();
    assert_eq!(
        (
            a.allocated_kwh(0, 0),
            a.allocated_kwh(48, 0),
            a.allocated_kwh(48, 1)
        ),
        (2.0, 2.0, 2.0)
    );
    // The second period forgets the member who joined: located, naming the period and member.
    let one = "[[key.periods.coefficients]]\nmember = \"30000000000001\"\npercent = 50";
    let err = parse_community(&base.replacen("[prices]", &key(one), 1), &file)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("key.periods[1].coefficients: members present in the period from 2025-06-02 without a coefficient: 30000000000002"),
        "{err}"
    );
}

#[test]
fn reading_a_missing_file_says_so() {
    let err = read_community(Path::new("/nonexistent/c.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read the community file"));
}

/// Curves "stored" by the caller: the consumer's four half-hours at 2 kWh.
struct Stored;

impl quartier_model::StoredCurves for Stored {
    fn stored_curve(
        &self,
        id: &quartier_share::MemberId,
    ) -> Result<quartier_timeseries::Series, String> {
        if id.as_str() != "30000000000001" {
            return Err("no meter curve uploaded for it".into());
        }
        let text = "time,kwh\n2025-06-01T10:00:00Z,2\n2025-06-01T10:30:00Z,2\n\
                    2025-06-01T11:00:00Z,2\n2025-06-01T11:30:00Z,2\n";
        quartier_timeseries::parse_csv(text, Path::new("stored"), &Default::default())
            .map_err(|e| e.to_string())
    }
}

#[test]
fn a_member_curve_may_be_the_meters_stored_curve() {
    use quartier_model::{CommunityOptions, parse_community_in};
    let d = dir("stored");
    let path = d.join("c.toml");
    let text = GOOD.replace(
        "curve = { file = \"home.csv\" }",
        "curve = { stored = true }",
    );
    let with = CommunityOptions {
        stored_curves: Some(&Stored),
        ..CommunityOptions::default()
    };
    let c = parse_community_in(&text, &path, &with).unwrap();
    assert_eq!(c.community.axis().len(), 4);
    let file = parse_community(GOOD, &path).unwrap();
    assert_eq!(
        c.community.consumption_kwh(),
        file.community.consumption_kwh()
    );
    // Each refusal names the member's field and says why.
    let refused = |text: &str, options: &CommunityOptions<'_>| {
        parse_community_in(text, &path, options)
            .unwrap_err()
            .to_string()
    };
    let all = refused(&text, &CommunityOptions::default());
    assert!(
        all.contains(
            "members[1].curve.stored: member 30000000000001: stored curves exist only in the server"
        ),
        "{all}"
    );
    let all = refused(&text.replace("30000000000001", "30000000000002"), &with);
    assert!(
        all.contains("member 30000000000002: no meter curve uploaded for it"),
        "{all}"
    );
    let both = GOOD.replace(
        "curve = { file = \"home.csv\" }",
        "curve = { stored = true, file = \"home.csv\" }",
    );
    let all = refused(&both, &with);
    assert!(
        all.contains("members[1].curve.file: a stored curve has no file"),
        "{all}"
    );
    let neither = GOOD.replace("curve = { file = \"home.csv\" }", "curve = { scale = 2 }");
    let all = refused(&neither, &with);
    assert!(
        all.contains("members[1].curve.file: missing required field `file`"),
        "{all}"
    );
}

#[test]
fn confined_files_stay_in_the_community_folder() {
    use quartier_model::{CommunityOptions, parse_community_in};
    let d = dir("confined");
    std::fs::create_dir_all(d.join("inner")).unwrap();
    std::fs::copy(d.join("home.csv"), d.join("inner/home.csv")).unwrap();
    let path = d.join("inner/c.toml");
    let confined = CommunityOptions {
        confine_files: true,
        ..CommunityOptions::default()
    };
    let inside = GOOD.replace("\"pv.csv\"", "\"./home.csv\"");
    parse_community_in(&inside, &path, &confined).unwrap();
    let outside = |file: &str| {
        GOOD.replace("\"home.csv\" }", &format!("\"{file}\" }}"))
            .replace("\"pv.csv\"", "\"home.csv\"")
    };
    let absolute = d.join("home.csv").display().to_string();
    for file in ["../home.csv", "inner/../../home.csv", absolute.as_str()] {
        let all = parse_community_in(&outside(file), &path, &confined)
            .unwrap_err()
            .to_string();
        assert!(
            all.contains(&format!(
                "members[1].curve.file: file \"{file}\" is outside the folder this file may read"
            )),
            "{file}: {all}"
        );
        // Unconfined (the CLI), the same text reads the file.
        if file != "inner/../../home.csv" {
            parse_community_in(&outside(file), &path, &CommunityOptions::default()).unwrap();
        }
    }
    let all = parse_community_in(&outside("missing.csv"), &path, &confined)
        .unwrap_err()
        .to_string();
    // The message shows the path as written, not where the server keeps its files.
    assert!(
        all.contains(": members[1].curve.file: file \"missing.csv\" not found"),
        "{all}"
    );
}
