//! The energy community's monthly cycle in the server: the community file's versions, the
//! grid operator's data (all-or-nothing upload, reconciliation with a seeded difference), and
//! invoices (issued once, numbered in sequence, kept as issued, each participant only their
//! own), tried as the organiser, as participants and as another district's organiser.

mod common;

use std::io::Write as _;

use common::*;
use serde_json::json;

const A: &str = COMMUNITY_A;
const B: &str = COMMUNITY_B;
const P: &str = COMMUNITY_P;

/// The producer's curve of these tests, kWh per half-hour (a bell from 6 to 18 h UTC).
fn producer_kwh(i: usize) -> f64 {
    let h = (i % 48) as f64 / 2.0;
    if (6.0..18.0).contains(&h) {
        6.0 * (std::f64::consts::PI * (h - 6.0) / 12.0).sin()
    } else {
        0.0
    }
}

/// The community file with an `[invoicing]` table (an association under the VAT franchise).
fn community_with_invoicing() -> String {
    format!(
        "{}\n[invoicing]\nissuer_name = \"ACC des Tilleuls\"\nissuer_address = [\"1 place de la Mairie\", \"92190 Meudon\"]\n\
         issuer_siret = \"00000000000000\"\nvat = \"franchise\"\nnumber_prefix = \"TIL-\"\npayment_days = 30\n",
        community_toml()
    )
}

/// The default key by hand: consumers A (1 kWh a step) and B (0.5 kWh) share the producer's
/// energy in proportion to their consumption; (consumption, self-consumed, complement) of a
/// consumer and (production, surplus) of the producer at step `i`.
fn by_hand(prm: &str, i: usize) -> Vec<(&'static str, f64)> {
    let p = producer_kwh(i);
    let share = (p / 1.5).min(1.0);
    match prm {
        A => vec![
            ("Conso", 1.0),
            ("Autoconso", share),
            ("Complement", 1.0 - share),
        ],
        B => vec![
            ("Conso", 0.5),
            ("Autoconso", 0.5 * share),
            ("Complement", 0.5 * (1.0 - share)),
        ],
        _ => vec![("Prod", p), ("Surplus", (p - 1.5).max(0.0))],
    }
}

/// The operator's files for the three days of the test curves, zipped, in the layout the
/// reader documents (`<PRM>_02062025_04062025_<tag>_CDC.csv`, hourly lines of four
/// quarter-hour powers in W, local time); `extra_w(prm, tag, hour)` is added to a line.
fn official_zip(extra_w: &dyn Fn(&str, &str, usize) -> f64) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for prm in [A, B, P] {
        let tags: Vec<&str> = by_hand(prm, 0).iter().map(|(t, _)| *t).collect();
        for (k, tag) in tags.iter().enumerate() {
            let mut s = String::from("Horodate;Valeur 1;Valeur 2;Valeur 3;Valeur 4\n");
            let start = chrono::NaiveDate::from_ymd_opt(2025, 6, 2)
                .unwrap()
                .and_hms_opt(2, 0, 0)
                .unwrap();
            for h in 0..72 {
                // Two half-hours, each two quarter-hours of kWh / 2: kWh × 2000 W.
                let w: Vec<String> = [2 * h, 2 * h + 1]
                    .iter()
                    .flat_map(|&i| {
                        let x = by_hand(prm, i)[k].1 * 2000.0 + extra_w(prm, tag, h);
                        [format!("{x}"), format!("{x}")]
                    })
                    .collect();
                let local = start + chrono::Duration::hours(h as i64);
                s.push_str(&format!(
                    "{};{}\n",
                    local.format("%d/%m/%Y %H:%M"),
                    w.join(";")
                ));
            }
            zip.start_file(
                format!("{prm}_02062025_04062025_{tag}_CDC.csv"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(s.as_bytes()).unwrap();
        }
    }
    zip.finish().unwrap().into_inner()
}

/// Posts bytes with a session (the CSRF token in its header, as the API asks of a session).
fn post_bytes(c: &Client, path: &str, bytes: &[u8]) -> Resp {
    let mut c = c.clone();
    c.headers
        .push(format!("X-CSRF-Token: {}", c.csrf.clone().unwrap()));
    c.request("POST", path, Some("application/zip"), bytes)
}

/// A's and B's self-consumed energy over the three days, kWh to the Wh, times 0.10 €,
/// half-up to the cent.
fn expected_eur(prm: &str) -> String {
    let kwh: f64 = (0..3 * 48).map(|i| by_hand(prm, i)[1].1).sum();
    let wh = (kwh * 1000.0).round();
    let cents = (wh * 0.10 / 10.0).round();
    format!("{:.2}", cents / 100.0)
}

/// District "Les Tilleuls" with consumers A and B and producer P, and its community folder's
/// curves: (district id, the programme's client).
fn district_with_producer(app: &TestApp) -> (i64, Client) {
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[A, B]));
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/participants"),
        &json!({"prm": P, "name": "Toiture de l'école", "role": "producer"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    write_community_curves(app, id, producer_kwh);
    (id, admin)
}

#[test]
fn organiser_keeps_versions_uploads_the_operator_data_reconciles_and_issues_invoices() {
    let app = spawn_app();
    let (id, admin) = district_with_producer(&app);
    admin.create_user("olga", "organiser", id, None);
    admin.create_user("alice", "participant", id, Some(A));
    admin.create_user("bruno", "participant", id, Some(B));
    let other = admin.create_district(&small_district("Autre", &["30000000000050"]));
    admin.create_user("oscar", "organiser", other, None);
    let (olga, alice, oscar) = (
        app.login("olga", USER_PASSWORD),
        app.login("alice", USER_PASSWORD),
        app.login("oscar", USER_PASSWORD),
    );
    let base = format!("/api/v1/districts/{id}");

    // Versions: every attach is kept, with who attached it.
    let r = olga.put_text(&format!("{base}/community"), &community_toml());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["version"], 1);
    let r = olga.put_text(&format!("{base}/community"), &community_with_invoicing());
    assert_eq!(r.json()["version"], 2, "{}", r.body);
    // A refused file adds no version.
    let r = olga.put_text(&format!("{base}/community"), "[operation]\nname = 3\n");
    assert_eq!(r.status, 422, "{}", r.body);
    let v = olga.get(&format!("{base}/community/versions")).json();
    let versions = v["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{v}");
    assert_eq!(versions[1]["attached_by"], "olga");
    let first = olga.get(&format!("{base}/community/versions/1"));
    assert_eq!(
        (first.status, first.body.as_str()),
        (200, community_toml().as_str())
    );

    // Invoices of June: one per consumer, numbered in sequence, amounts by hand.
    let r = olga.post_json(
        &format!("{base}/invoices"),
        &json!({"month": "2025-06", "issue_date": "2025-07-03"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let issued = r.json();
    assert_eq!(issued["community_version"], 2);
    assert_eq!(issued["official_data"], false);
    let inv = issued["issued"].as_array().unwrap();
    let numbers: Vec<&str> = inv.iter().map(|i| i["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["TIL-000001", "TIL-000002"], "{issued}");
    for i in inv {
        let prm = i["member"].as_str().unwrap();
        assert_eq!(i["total_excl_vat_eur"], expected_eur(prm), "{i}");
        assert_eq!(
            i["total_incl_vat_eur"],
            expected_eur(prm),
            "franchise: no VAT"
        );
        assert_eq!(i["issue_date"], "2025-07-03");
    }
    // Issuing again issues nothing new.
    let r = olga.post_json(&format!("{base}/invoices"), &json!({"month": "2025-06"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["issued"].as_array().unwrap().len(), 0);
    assert_eq!(r.json()["copies"], 2);
    // Bad month and date: both said at once, nothing issued.
    let r = olga.post_json(
        &format!("{base}/invoices"),
        &json!({"month": "juin", "issue_date": "3 juillet"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.json()["errors"].as_array().unwrap().len(),
        2,
        "{}",
        r.body
    );
    // A month the curves do not cover.
    let r = olga.post_json(&format!("{base}/invoices"), &json!({"month": "2025-01"}));
    assert_eq!(r.status, 409, "{}", r.body);

    // Each participant sees and downloads only their own invoice.
    let mine = alice.get(&format!("{base}/invoices")).json();
    let mine = mine["invoices"].as_array().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["member"], A);
    let own = mine[0]["number"].as_str().unwrap().to_string();
    let not_own = numbers.iter().find(|n| **n != own).unwrap();
    let pdf = alice.get(&format!("{base}/invoices/{own}/pdf"));
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with("%PDF"), "a PDF");
    assert_eq!(
        alice.get(&format!("{base}/invoices/{not_own}/pdf")).status,
        404
    );
    let page = alice.get(&format!("/districts/{id}/community/invoices/{own}?lang=en"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("Invoice no. {own}")),
        "{}",
        page.body
    );
    let page = alice.get(&format!("/districts/{id}/community/invoices?lang=fr"));
    assert!(
        page.body.contains(&own) && !page.body.contains(not_own),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("issue-form"),
        "a participant issues nothing"
    );
    let csv = olga.get(&format!(
        "/districts/{id}/community/invoices.csv?month=2025-06"
    ));
    assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);

    // The operator's data: a broken file refuses the whole upload, and says where.
    let mut broken = official_zip(&|_, _, _| 0.0);
    let mut z =
        zip::ZipWriter::new_append(std::io::Cursor::new(std::mem::take(&mut broken))).unwrap();
    z.start_file(
        format!("{B}_02062025_04062025_Prod_CDC.csv"),
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    z.write_all(b"Horodate;Valeur 1;Valeur 2;Valeur 3;Valeur 4\n02/06/2025 02:00;zz;1;1;1\n")
        .unwrap();
    let broken = z.finish().unwrap().into_inner();
    let r = post_bytes(
        &olga,
        &format!("{base}/community/official?file_name=juin.zip"),
        &broken,
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body
            .contains(&format!("juin.zip!{B}_02062025_04062025_Prod_CDC.csv"))
            && !r.body.contains("/tmp"),
        "the entry is named, no server path: {}",
        r.body
    );
    let uploads = olga.get(&format!("{base}/community/official")).json();
    assert_eq!(
        uploads["uploads"].as_array().unwrap().len(),
        0,
        "nothing stored"
    );
    let r = post_bytes(
        &olga,
        &format!("{base}/community/official?file_name=vide.zip"),
        b"PK\x05\x06 not a zip",
    );
    assert_eq!(r.status, 422, "{}", r.body);

    // The operator's data must hold together: a member receiving more than it consumed is
    // refused when billing on them, and said so.
    let inconsistent = official_zip(&|prm, tag, h| {
        if prm == A && tag == "Autoconso" && h == 10 {
            400.0
        } else {
            0.0
        }
    });
    let r = post_bytes(
        &olga,
        &format!("{base}/community/official?file_name=faux.zip"),
        &inconsistent,
    );
    assert_eq!(r.status, 201, "it reads: {}", r.body);
    let r = olga.post_json(&format!("{base}/invoices"), &json!({"month": "2025-06"}));
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains("grid operator's data are inconsistent"),
        "{}",
        r.body
    );

    // The month as the operator sent it again, with one difference seeded on purpose: A's
    // meter curve corrected, 400 W more from 12:00 to 13:00 local on 2 June (10 h after
    // 02:00), and that energy received from the operation.
    let seeded = official_zip(&|prm, tag, h| {
        if prm == A && (tag == "Autoconso" || tag == "Conso") && h == 10 {
            400.0
        } else {
            0.0
        }
    });
    let r = post_bytes(
        &olga,
        &format!("{base}/community/official?file_name=juin.zip"),
        &seeded,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["months"], json!(["2025-06"]));
    assert_eq!(r.json()["curves"], 8);
    let reco = olga.get(&format!("{base}/community/reconciliation")).json();
    let months = reco["months"].as_array().unwrap();
    assert_eq!(months.len(), 1, "{reco}");
    assert_eq!(
        months[0]["community_version"], 2,
        "June was invoiced with version 2"
    );
    let diffs = months[0]["differences"].as_array().unwrap();
    assert!(!diffs.is_empty(), "{reco}");
    for d in diffs {
        assert_eq!(d["prm"], A, "only the seeded member differs: {d}");
        assert!(d["cause"].is_string(), "{d}");
    }
    assert!(
        diffs
            .iter()
            .any(|d| d["quantity"] == "consumption" && d["cause"] == "curve_differs"),
        "{reco}"
    );
    let sc = diffs
        .iter()
        .find(|d| d["quantity"] == "self_consumed")
        .expect("A's self-consumed");
    // 400 W over one hour: 0.4 kWh more at the operator (Quartier's side counts whole Wh).
    assert!(
        (sc["difference_kwh"].as_f64().unwrap() + 0.4).abs() < 1e-3,
        "{sc}"
    );
    let page = olga.get(&format!("/districts/{id}/community/reconciliation?lang=fr"));
    assert!(
        page.body.contains("Rapprochement") && page.body.contains(A),
        "{}",
        page.body
    );

    // June is invoiced already: on the operator's data its amounts differ, and an issued
    // invoice is never altered.
    let r = olga.post_json(&format!("{base}/invoices"), &json!({"month": "2025-06"}));
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("credit note"), "{}", r.body);
    assert_eq!(
        olga.get(&format!("{base}/invoices")).json()["invoices"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The history page shows both versions and the upload.
    let page = olga.get(&format!("/districts/{id}/community/history?lang=en"));
    assert!(
        page.body.contains("juin.zip") && page.body.contains("olga"),
        "{}",
        page.body
    );

    // Another district's organiser and a participant see none of it.
    for c in [&oscar, &alice] {
        for path in [
            format!("{base}/community/versions"),
            format!("{base}/community/versions/1"),
            format!("{base}/community/official"),
            format!("{base}/community/reconciliation"),
            format!("/districts/{id}/community/history"),
            format!("/districts/{id}/community/reconciliation"),
            format!("/districts/{id}/community/invoices.csv"),
        ] {
            assert_eq!(c.get(&path).status, 404, "{path}");
        }
    }
    assert_eq!(oscar.get(&format!("{base}/invoices/{own}/pdf")).status, 404);
    assert_eq!(oscar.get(&format!("{base}/invoices")).status, 404);
    let r = oscar.post_json(&format!("{base}/invoices"), &json!({"month": "2025-06"}));
    assert_eq!(r.status, 404);
    let r = post_bytes(&oscar, &format!("{base}/community/official"), &seeded);
    assert_eq!(r.status, 404);
    for (path, body) in [
        (
            format!("{base}/community/members"),
            json!({"prm": "30000000000050", "latitude_deg": 48.77, "longitude_deg": 2.22}),
        ),
        (
            format!("{base}/community/members/{A}/leave"),
            json!({"last_day": "2025-06-02"}),
        ),
    ] {
        assert_eq!(oscar.post_json(&path, &body).status, 404, "{path}");
        assert_eq!(alice.post_json(&path, &body).status, 404, "{path}");
    }
    assert_eq!(
        olga.get(&format!("{base}/community/versions")).json()["versions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        olga.get(&format!("{base}/community/official")).json()["uploads"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// The organiser's page shows the rules in force and each member's dates, category and
/// commune, as the community file gives them; the API says the same.
#[test]
fn the_community_page_shows_the_rules_in_force_and_members_dates() {
    let app = spawn_app();
    let (id, admin) = district_with_producer(&app);
    let file = community_toml()
        .replace(
            &format!("id = \"{A}\"\n"),
            &format!("id = \"{A}\"\ncategory = \"commune\"\ncommune_insee = \"92048\"\n"),
        )
        .replace(
            &format!("id = \"{B}\"\n"),
            &format!("id = \"{B}\"\nmember_until = 2025-06-03\n"),
        );
    let r = admin.put_text(&format!("/api/v1/districts/{id}/community"), &file);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = admin.post_json(&format!("/api/v1/districts/{id}/allocations"), &json!({}));
    assert_eq!(r.status, 202, "{}", r.body);
    wait_job(&admin, r.json()["status_url"].as_str().unwrap());
    let c = admin
        .get(&format!("/api/v1/districts/{id}/community"))
        .json();
    let members = c["allocation"]["members"].as_array().unwrap();
    let a = members.iter().find(|m| m["id"] == A).unwrap();
    let b = members.iter().find(|m| m["id"] == B).unwrap();
    assert_eq!(
        (a["category"].as_str(), a["commune"].as_str()),
        (Some("commune"), Some("92048"))
    );
    assert_eq!(b["member_until"], "2025-06-03");
    assert_eq!(c["allocation"]["rules"]["key"], "default", "{c}");
    let page = admin.get(&format!("/districts/{id}/community?lang=fr"));
    for text in [
        "Règles en vigueur",
        "par défaut",
        "92048",
        "3 juin 2025",
        "0,1000\u{a0}€/kWh",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
}

/// Members join and leave through the API (and the page's forms, which call the same code):
/// each change is a new version checked like any file, a bad one stores nothing, and the next
/// allocation follows the dates.
#[test]
fn members_join_and_leave_as_new_versions_of_the_community_file() {
    const C: &str = "30000000000003";
    let app = spawn_app();
    let (id, admin) = district_with_producer(&app);
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/participants"),
        &json!({"prm": C, "name": "Boulangerie", "role": "consumer"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = admin.put_text(
        &format!("/api/v1/participants/{C}/curve?format=csv"),
        &community_curve(|_| 0.8),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let base = format!("/api/v1/districts/{id}/community");
    assert_eq!(admin.put_text(&base, &community_toml()).status, 200);
    let versions = || {
        admin.get(&format!("{base}/versions")).json()["versions"]
            .as_array()
            .unwrap()
            .len()
    };

    // Refused, nothing stored: not a participant; no coordinates and a bad date; a commune
    // code the community file's rules refuse; a member that is not there.
    let r = admin.post_json(
        &format!("{base}/members"),
        &json!({"prm": "30000000000077", "latitude_deg": 48.77, "longitude_deg": 2.22}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let r = admin.post_json(
        &format!("{base}/members"),
        &json!({"prm": C, "member_from": "3 juin"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.json()["errors"].as_array().unwrap().len(),
        3,
        "{}",
        r.body
    );
    let r = admin.post_json(
        &format!("{base}/members"),
        &json!({"prm": C, "latitude_deg": 48.77, "longitude_deg": 2.22, "category": "castle"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("category"), "{}", r.body);
    let r = admin.post_json(
        &format!("{base}/members/30000000000077/leave"),
        &json!({"last_day": "2025-06-02"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(versions(), 1);

    // C joins on 3 June, B leaves after 2 June.
    let r = admin.post_json(
        &format!("{base}/members"),
        &json!({"prm": C, "latitude_deg": "48,7705", "longitude_deg": 2.2205, "category": "private", "member_from": "2025-06-03"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    let r = admin.post_json(
        &format!("{base}/members/{B}/leave"),
        &json!({"last_day": "2025-06-02"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["version"], 3);
    let text = admin.get(&format!("{base}/versions/3")).body;
    assert!(
        text.contains("member_until = 2025-06-02") && text.contains("member_from = 2025-06-03"),
        "{text}"
    );
    assert!(
        text.starts_with(&community_toml()[..40]),
        "the rest stays as written"
    );

    let r = admin.post_json(&format!("/api/v1/districts/{id}/allocations"), &json!({}));
    assert_eq!(r.status, 202, "{}", r.body);
    wait_job(&admin, r.json()["status_url"].as_str().unwrap());
    let c = admin.get(&base).json();
    let members = c["allocation"]["members"].as_array().unwrap();
    let month = |prm: &str| {
        members.iter().find(|m| m["id"] == prm).unwrap()["months"][0]["consumer"]["consumption_kwh"]
            .as_f64()
            .unwrap()
    };
    // The curves start on 2 June at 00:00 UTC (02:00 in Paris) for three days. Dates are local:
    // C belongs from 3 June 00:00 Paris (2 June 22:00 UTC), 100 half-hours at 0.8 kWh; B until
    // the end of 2 June in Paris (22:00 UTC), 44 half-hours at 0.5 kWh.
    assert!((month(C) - 100.0 * 0.8).abs() < 1e-6, "{}", month(C));
    assert!((month(B) - 44.0 * 0.5).abs() < 1e-6, "{}", month(B));
    let page = admin.get(&format!("/districts/{id}/community?lang=fr"));
    // The history page says which members have a stored curve, for which days.
    let history = admin.get(&format!("/districts/{id}/community/history?lang=fr"));
    assert!(
        history
            .body
            .contains(&format!("/participants/{C}/coverage"))
            && history.body.contains("2 juin 2025 → 5 juin 2025"),
        "{}",
        history.body
    );
    // Every participant is a member now: only the departure form is offered.
    assert!(
        page.body.contains("leave-form") && !page.body.contains("join-form"),
        "{}",
        page.body
    );
}
