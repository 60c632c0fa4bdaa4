//! Regressions of the dashboard's polish: error pages drawn in the normal frame of the
//! signed-in user and the request's language; the community link only for a district with a
//! community; a way back from a bill that does not print; the asset plan chart inline.

mod common;

use common::*;
use serde_json::json;

const A: &str = COMMUNITY_A;
const B: &str = COMMUNITY_B;
const P: &str = COMMUNITY_P;

/// The page's `<header>…</header>` (the navigation).
fn header(body: &str) -> &str {
    let start = body.find("<header>").expect("a header");
    let end = body[start..].find("</header>").expect("a closed header") + start;
    &body[start..end]
}

/// A page in the normal frame of `user` in `lang` (`fr` or `en`), with the way back to the
/// district list, not in the other language.
fn assert_framed(r: &Resp, user: &str, lang: &str) {
    let (other, logout) = match lang {
        "en" => ("Page introuvable", "Log out"),
        _ => ("Not found", "Déconnexion"),
    };
    assert!(
        r.body.contains(&format!("<html lang={lang}>")),
        "{}",
        r.body
    );
    let nav = header(&r.body);
    assert!(nav.contains(&format!(">{user}</a>")), "{nav}");
    assert!(nav.contains(logout), "{nav}");
    assert!(
        nav.contains(&format!("href=\"/districts?lang={lang}\"")),
        "{nav}"
    );
    assert!(
        r.body.contains(&format!(
            "id=back-to-districts href=\"/districts?lang={lang}\""
        )),
        "{}",
        r.body
    );
    assert!(!r.body.contains(other), "one language only: {}", r.body);
    assert!(!r.body.contains(" / "), "one language only: {}", r.body);
}

/// `GET path` with the client's session and an `Accept-Language` header (the common client
/// sends none).
fn get_accepting(c: &Client, path: &str, accept_language: &str) -> Resp {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(c.addr).unwrap();
    let cookie = c.cookie.as_deref().unwrap_or("");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Accept-Language: {accept_language}\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse(&raw)
}

/// Two districts (organiser olga in the first, zoe in the second) and participant alice (A)
/// in the first: (first id, second id, admin, olga, alice, zoe).
fn two_districts(app: &TestApp) -> (i64, i64, Client, Client, Client, Client) {
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[A, B]));
    let other = admin.create_district(&small_district("HydroSeine", &["30000000000050"]));
    admin.create_user("olga", "organiser", id, None);
    admin.create_user("alice", "participant", id, Some(A));
    admin.create_user("zoe", "organiser", other, None);
    (
        id,
        other,
        admin,
        app.login("olga", USER_PASSWORD),
        app.login("alice", USER_PASSWORD),
        app.login("zoe", USER_PASSWORD),
    )
}

/// [`two_districts`] with the first district's asset registry derived from its model (an
/// empty registry file): (first id, olga).
fn district_with_registry(app: &TestApp) -> (i64, Client) {
    let (id, _, _, olga, ..) = two_districts(app);
    let r = olga.request(
        "POST",
        &format!("/api/v1/districts/{id}/assets"),
        Some("application/toml"),
        b"",
    );
    assert_eq!(r.status, 201, "{}", r.body);
    (id, olga)
}

#[test]
fn a_404_page_keeps_the_users_navigation_and_language_and_says_nothing_of_the_id() {
    let app = spawn_app();
    let (_id, other, _, olga, alice, _) = two_districts(&app);
    let missing = other + 1000;
    for (path, lang) in [
        ("/districts/{}?lang=en", "en"),
        ("/districts/{}?lang=fr", "fr"),
        ("/districts/{}", "fr"),
        ("/districts/{}/community?lang=en", "en"),
        ("/districts/{}/assets?lang=en", "en"),
        ("/districts/{}/assets/plan.html?lang=fr", "fr"),
        ("/districts/{}/upload?lang=en", "en"),
        (
            "/districts/{}/community/bills/30000000000050/2025-06?lang=en",
            "en",
        ),
    ] {
        let forbidden = olga.get(&path.replace("{}", &other.to_string()));
        let absent = olga.get(&path.replace("{}", &missing.to_string()));
        assert_eq!(forbidden.status, 404, "{path}");
        assert_eq!(absent.status, 404, "{path}");
        assert_framed(&forbidden, "olga", lang);
        assert_eq!(forbidden.body, absent.body, "{path}: same page for both");
        let title = if lang == "en" {
            "Page not found"
        } else {
            "Page introuvable"
        };
        assert!(forbidden.body.contains(title), "{}", forbidden.body);
    }
    // A participant's error page has the participant's navigation (no experiments link),
    // exactly the one of the participant's other pages.
    let list = alice.get("/districts?lang=en");
    let r = alice.get(&format!("/districts/{other}?lang=en"));
    assert_eq!(r.status, 404);
    assert_framed(&r, "alice", "en");
    assert_eq!(header(&r.body), header(&list.body));
    assert!(!header(&r.body).contains("/experiments"));
    let r = alice.get(&format!("/participants/{B}?lang=en"));
    assert_eq!(r.status, 404);
    assert_framed(&r, "alice", "en");
    let r = olga.get("/jobs/424242?lang=en");
    assert_eq!(r.status, 404);
    assert_framed(&r, "olga", "en");
    let r = olga.get("/experiments/no-such-experiment?lang=en");
    assert_eq!(r.status, 404);
    assert_framed(&r, "olga", "en");
    // The organiser's error page has the organiser's navigation.
    let r = olga.get(&format!("/districts/{other}?lang=en"));
    assert_eq!(
        header(&r.body),
        header(&olga.get("/districts?lang=en").body)
    );
    // Accept-Language decides when there is no ?lang=.
    let r = get_accepting(&olga, &format!("/districts/{other}"), "en-GB,en;q=0.8");
    assert_eq!(r.status, 404);
    assert_framed(&r, "olga", "en");
}

#[test]
fn without_a_session_an_error_page_is_still_the_login_form() {
    let app = spawn_app();
    let (id, ..) = two_districts(&app);
    for path in [
        format!("/districts/{id}?lang=en"),
        format!("/districts/{}?lang=en", id + 1000),
        format!("/districts/{id}/community?lang=en"),
        format!("/districts/{id}/assets?lang=en"),
        format!("/districts/{id}/community/bills/{A}/2025-06?lang=en"),
    ] {
        let r = app.client().get(&path);
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(r.header("location"), Some("/login"), "{path}");
    }
}

#[test]
fn a_403_and_a_409_page_are_in_the_users_frame_with_the_reason() {
    let app = spawn_app();
    let (id, _, _, olga, ..) = two_districts(&app);
    let csrf = olga.csrf.clone().unwrap();
    // No community attached: the allocation is refused (409) with its reason.
    let r = olga.post_form(
        &format!("/districts/{id}/community/allocate?lang=en"),
        &format!("csrf={csrf}"),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert_framed(&r, "olga", "en");
    assert!(r.body.contains("Request refused") && r.body.contains("attach one first"));
    // A form without the session's token: 403.
    let r = olga.post_form(&format!("/districts/{id}/simulate?lang=fr"), "csrf=wrong");
    assert_eq!(r.status, 403, "{}", r.body);
    assert_framed(&r, "olga", "fr");
    assert!(r.body.contains("Accès refusé"));
}

#[test]
fn a_500_page_is_in_the_users_frame_and_hides_the_internal_error() {
    let app = spawn_app();
    let (id, _, _, olga, ..) = two_districts(&app);
    // An asset whose kind the server does not know: reading the registry is an internal error.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = quartier_store::Store::open(&format!("sqlite://{}", app.db_path.display()))
            .await
            .unwrap();
        store
            .replace_assets(
                id,
                vec![(
                    quartier_store::NewAsset {
                        component: None,
                        kind: "toaster".into(),
                        name: "grille-pain".into(),
                        location: None,
                        latitude_deg: None,
                        longitude_deg: None,
                        commissioned_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                        lifetime_years: 10,
                        capex_eur: 100.0,
                        annual_om_eur: 1.0,
                        condition: 5,
                        replacement_year: None,
                        notes: String::new(),
                    },
                    Vec::new(),
                )],
            )
            .await
            .unwrap();
    });
    let r = olga.get(&format!("/districts/{id}/assets?lang=en"));
    assert_eq!(r.status, 500, "{}", r.body);
    assert_framed(&r, "olga", "en");
    assert!(r.body.contains("Internal error"));
    assert!(!r.body.contains("toaster") && !r.body.contains("grille-pain"));
}

#[test]
fn a_rejected_form_lists_its_problems_in_the_users_frame() {
    let app = spawn_app();
    let (id, olga) = district_with_registry(&app);
    let assets = olga.get(&format!("/api/v1/districts/{id}/assets")).json();
    let asset = assets["assets"][0]["id"].as_i64().unwrap();
    let csrf = olga.csrf.clone().unwrap();
    let r = olga.post_form(
        &format!("/assets/{asset}/condition?lang=en"),
        &format!("csrf={csrf}&condition=9&replacement_year="),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_framed(&r, "olga", "en");
    assert!(r.body.contains("The input has problems") && r.body.contains("condition"));
    assert!(
        r.body
            .contains(&format!("href=\"/assets/{asset}?lang=en\""))
    );
}

// ---------------------------------------------------------------------------------------------
// Community: the link on the district page, the way back from a bill.

/// Attaches a community (consumers A and B, producer P) to district `id` and allocates it;
/// returns the allocation's job id.
fn attach_and_allocate(app: &TestApp, admin: &Client, olga: &Client, id: i64) -> i64 {
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/participants"),
        &json!({"prm": P, "name": "Toiture de l'école", "role": "producer"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    write_community_curves(app, id, |i| {
        if (12..36).contains(&(i % 48)) {
            5.0
        } else {
            0.0
        }
    });
    let toml = community_toml();
    let r = olga.put_text(&format!("/api/v1/districts/{id}/community"), &toml);
    assert_eq!(r.status, 200, "{}", r.body);
    let r = olga.post_json(&format!("/api/v1/districts/{id}/allocations"), &json!({}));
    assert_eq!(r.status, 202, "{}", r.body);
    let job = r.json()["job_id"].as_i64().unwrap();
    for _ in 0..1200 {
        let j = olga.get(&format!("/api/v1/jobs/{job}")).json();
        match j["status"].as_str() {
            Some("queued" | "running") => std::thread::sleep(std::time::Duration::from_millis(50)),
            _ => {
                assert_eq!(j["status"], "succeeded", "{j}");
                return job;
            }
        }
    }
    panic!("allocation job {job} did not finish");
}

#[test]
fn the_district_page_links_the_community_only_when_one_is_attached() {
    let app = spawn_app();
    let (id, other, admin, olga, alice, zoe) = two_districts(&app);
    let page = olga.get(&format!("/districts/{id}?lang=en"));
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("community-link"), "no community yet");
    assert!(!page.body.contains("Energy community"));
    let home = alice.get(&format!("/districts/{id}?lang=en"));
    assert!(!home.body.contains("/community"), "{}", home.body);

    attach_and_allocate(&app, &admin, &olga, id);
    let page = olga.get(&format!("/districts/{id}?lang=en"));
    assert!(page.body.contains(&format!(
        "id=community-link href=\"/districts/{id}/community?lang=en\""
    )));
    let home = alice.get(&format!("/districts/{id}?lang=fr"));
    assert!(
        home.body
            .contains(&format!("/districts/{id}/community?lang=fr"))
    );
    // The other district still has none.
    let page = zoe.get(&format!("/districts/{other}?lang=en"));
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("community-link"));
}

#[test]
fn a_bill_has_a_way_back_to_the_community_that_does_not_print() {
    let app = spawn_app();
    let (id, other, admin, olga, alice, zoe) = two_districts(&app);
    let job = attach_and_allocate(&app, &admin, &olga, id);
    // The stored bills: one file per language.
    let stored = |suffix: &str| {
        std::fs::read_to_string(app.dir.path().join(format!(
            "data/communities/{id}/job-{job}/statements/{A}_2025-06{suffix}"
        )))
        .unwrap()
    };

    // The community page's bill links carry its language.
    let community = alice.get(&format!("/districts/{id}/community?lang=en"));
    let link = format!("/districts/{id}/community/bills/{A}/2025-06?lang=en");
    assert!(community.body.contains(&link), "{}", community.body);

    for (lang, label, pdf_label) in [
        ("en", "Back to the energy community", "Download the PDF"),
        (
            "fr",
            "Retour à la communauté d'énergie",
            "Télécharger le PDF",
        ),
    ] {
        let r = alice.get(&format!(
            "/districts/{id}/community/bills/{A}/2025-06?lang={lang}"
        ));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        let style =
            "<style>#bill-nav{margin:0 0 1rem}@media print{#bill-nav{display:none}}</style>";
        let pdf = format!("/districts/{id}/community/bills/{A}/2025-06/pdf?lang={lang}");
        let nav = format!(
            "<nav id=bill-nav><a href=\"/districts/{id}/community?lang={lang}\">← {}</a> · <a href=\"{pdf}\" download>{pdf_label}</a></nav>",
            label.replace('\'', "&#39;")
        );
        // The style in the head, the link first in the body, the bill otherwise unchanged.
        assert!(
            r.body.contains(&format!("{style}</head><body>{nav}")),
            "{}",
            r.body
        );
        let file = if lang == "en" { ".en.html" } else { ".html" };
        assert_eq!(r.body.replace(style, "").replace(&nav, ""), stored(file));
        // The PDF in the same language, to download.
        let r = alice.get(&pdf);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/pdf"));
        let suffix = if lang == "en" { ".en.pdf" } else { ".pdf" };
        assert_eq!(
            r.header("content-disposition"),
            Some(format!("attachment; filename=\"{A}_2025-06{suffix}\"").as_str())
        );
        assert!(r.body.starts_with("%PDF-"));
    }
    assert_eq!(
        alice
            .get(&format!("/districts/{id}/community/bills/{B}/2025-06/pdf"))
            .status,
        404,
        "nor another participant's PDF"
    );
    // As an attacker: another district's organiser, the right PRM under the wrong district,
    // no session, a path that climbs out.
    let pdf = format!("/districts/{id}/community/bills/{A}/2025-06/pdf");
    assert_eq!(zoe.get(&pdf).status, 404, "another district's organiser");
    assert_eq!(
        alice
            .get(&format!(
                "/districts/{other}/community/bills/{A}/2025-06/pdf"
            ))
            .status,
        404
    );
    let anonymous = app.client().get(&pdf);
    assert!(
        !anonymous.body.starts_with("%PDF"),
        "no PDF without a session"
    );
    assert_eq!(
        olga.get(&format!(
            "/districts/{id}/community/bills/{A}/..%2F..%2Fcommunity.toml/pdf"
        ))
        .status,
        404
    );
    assert!(
        olga.get(&pdf).body.starts_with("%PDF-"),
        "the organiser may"
    );
    // Still nothing of the others' bills.
    assert_eq!(
        alice
            .get(&format!(
                "/districts/{id}/community/bills/{B}/2025-06?lang=en"
            ))
            .status,
        404
    );
}

// ---------------------------------------------------------------------------------------------
// Assets: the plan chart inline.

#[test]
fn the_asset_plan_chart_is_inline_svg_in_the_pages_language() {
    let app = spawn_app();
    let (id, olga) = district_with_registry(&app);
    for (lang, title, capex) in [
        ("en", "Yearly costs", "Replacement capex"),
        ("fr", "Coûts annuels", "Investissements de renouvellement"),
    ] {
        let page = olga.get(&format!("/districts/{id}/assets?lang={lang}"));
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(!page.body.contains("<iframe"), "no fixed-height frame");
        let start = page
            .body
            .find("<section id=plan>")
            .expect("the plan section");
        let section = &page.body[start..];
        let svg_start = section.find("<svg").expect("an inline chart");
        let svg_end = section[svg_start..].find("</svg>").unwrap() + svg_start + 6;
        let svg = &section[svg_start..svg_end];
        quartier_report::svg::check_well_formed(svg).unwrap();
        assert!(
            svg.contains("viewBox=") && svg.contains("width=\"100%\""),
            "{svg}"
        );
        assert!(svg.contains(title) && svg.contains(capex), "{svg}");
        assert!(section.contains(&format!(
            "href=\"/districts/{id}/assets/plan.html?lang={lang}\""
        )));
    }
}
