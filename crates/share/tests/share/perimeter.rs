//! Perimeter checks: distance between the two most distant members, installed PV cap.

use quartier_share::{
    Category, Derogation, GeoPoint, Member, PV_LIMIT_2025_KW, PV_LIMIT_BEFORE_2025_KW,
    PV_LIMIT_PUBLIC_EPCI_KW, PerimeterRules, PerimeterViolation, Role, check_perimeter,
    distance_km,
};

use crate::id;

fn site(name: &str, lat: f64, lon: f64, pv_kw: f64) -> Member {
    Member::new(id(name), Role::Consumer)
        .at(lat, lon)
        .with_pv_kw(pv_kw)
}

#[test]
fn haversine_paris_to_meudon_la_foret() {
    // Notre-Dame (48.8530, 2.3499) to Meudon-la-Forêt (48.7700, 2.2140): about 13.5 km.
    let d = distance_km(
        GeoPoint {
            lat_deg: 48.8530,
            lon_deg: 2.3499,
        },
        GeoPoint {
            lat_deg: 48.7700,
            lon_deg: 2.2140,
        },
    );
    assert!((d - 13.5).abs() < 0.3, "{d}");
    // One degree of latitude ≈ 111.2 km.
    let d = distance_km(
        GeoPoint {
            lat_deg: 0.0,
            lon_deg: 0.0,
        },
        GeoPoint {
            lat_deg: 1.0,
            lon_deg: 0.0,
        },
    );
    assert!((d - 111.195).abs() < 0.01, "{d}");
}

#[test]
fn farthest_pair_is_named_and_derogations_widen_the_limit() {
    let members = [
        site("school", 48.7700, 2.2140, 100.0),
        site("gym", 48.7720, 2.2160, 50.0),
        site("farm", 48.8000, 2.2140, 0.0), // ≈ 3.3 km north of the school
    ];
    let err = check_perimeter(&members, &PerimeterRules::default()).unwrap_err();
    match err.0.as_slice() {
        [
            PerimeterViolation::TooFar {
                a,
                b,
                distance_km,
                limit_km,
            },
        ] => {
            assert_eq!((a.as_str(), b.as_str()), ("school", "farm"));
            assert!((distance_km - 3.336).abs() < 0.01, "{distance_km}");
            assert_eq!(*limit_km, 2.0);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("members school and farm are 3.33"),
        "{err}"
    );
    let rules = PerimeterRules {
        derogation: Derogation::Periurban,
        ..Default::default()
    };
    let report = check_perimeter(&members, &rules).unwrap();
    assert_eq!(report.total_pv_kw, 150.0);
    assert_eq!(report.farthest.unwrap().1.as_str(), "farm");
    assert_eq!(Derogation::Rural.max_distance_km(), 20.0);
}

#[test]
fn pv_cap_5_mw_by_default_3_mw_before_2025() {
    let members = [
        site("a", 48.77, 2.21, 4500.0),
        site("b", 48.771, 2.211, 1000.0),
    ];
    let err = check_perimeter(&members, &PerimeterRules::default()).unwrap_err();
    assert!(matches!(
        err.0.as_slice(),
        [PerimeterViolation::TooMuchPv { limit_kw, .. }] if *limit_kw == PV_LIMIT_2025_KW
    ));
    let small = [
        site("a", 48.77, 2.21, 2500.0),
        site("b", 48.771, 2.211, 1000.0),
    ];
    assert!(check_perimeter(&small, &PerimeterRules::default()).is_ok());
    let before = PerimeterRules {
        max_pv_kw: PV_LIMIT_BEFORE_2025_KW,
        ..Default::default()
    };
    assert!(check_perimeter(&small, &before).is_err());
}

/// The public-body derogation of the arrêté of 21 February 2025: no distance limit and a
/// 10 MW cap when a commune or an EPCI takes part, every member is public and every delivery
/// point is in the EPCI; each condition broken is named with its member.
#[test]
fn the_public_body_derogation_of_2025() {
    let epci = vec![
        "92048".to_string(),
        "92040".to_string(),
        "92012".to_string(),
    ];
    let rules = PerimeterRules {
        derogation: Derogation::PublicEpci,
        epci_communes: epci.clone(),
        ..Default::default()
    };
    // Meudon's town hall and Boulogne's swimming pool, 6 km apart, 7 MW of PV between them.
    let ok = [
        site("meudon", 48.8129, 2.2380, 4000.0).public(Category::Commune, "92048"),
        site("piscine", 48.8397, 2.2399, 3000.0).public(Category::PublicService, "92012"),
        site("sem", 48.8244, 2.2700, 0.0).public(Category::Sem, "92040"),
    ];
    let report = check_perimeter(&ok, &rules).unwrap();
    assert!(report.rule.contains("21 February 2025"), "{}", report.rule);
    assert!(report.farthest.unwrap().2 > 2.0);
    // The same members under the general rules: too far, too much PV.
    assert_eq!(
        check_perimeter(&ok, &PerimeterRules::default())
            .unwrap_err()
            .0
            .len(),
        2
    );
    // Over 10 MW.
    let big = [site("meudon", 48.8129, 2.2380, 10_500.0).public(Category::Commune, "92048")];
    assert!(matches!(
        check_perimeter(&big, &rules).unwrap_err().0.as_slice(),
        [PerimeterViolation::TooMuchPv { limit_kw, .. }] if *limit_kw == PV_LIMIT_PUBLIC_EPCI_KW
    ));
    // A private member, one outside the EPCI, one without a commune, and no commune or EPCI.
    let bad = [
        site("boulangerie", 48.8129, 2.2380, 0.0),
        site("lycee", 48.81, 2.24, 0.0).public(Category::PublicBody, "75056"),
        Member {
            category: Category::Sem,
            ..site("sem", 48.82, 2.25, 0.0)
        },
    ];
    let err = check_perimeter(&bad, &rules).unwrap_err();
    let text = err.to_string();
    assert!(
        err.0.contains(&PerimeterViolation::NoCommuneOrEpci),
        "{text}"
    );
    assert!(
        err.0
            .contains(&PerimeterViolation::NotPublic(id("boulangerie"))),
        "{text}"
    );
    assert!(
        err.0.contains(&PerimeterViolation::OutsideEpci {
            member: id("lycee"),
            commune: Some("75056".into())
        }),
        "{text}"
    );
    assert!(text.contains("member sem has no commune"), "{text}");
}

#[test]
fn missing_and_bad_locations_are_reported_together() {
    let members = [
        Member::new(id("nowhere"), Role::Producer),
        site("mars", 123.0, 0.0, 0.0),
        site("a", 48.77, 2.21, f64::NAN),
    ];
    let err = check_perimeter(&members, &PerimeterRules::default()).unwrap_err();
    assert_eq!(err.0.len(), 3, "{err}");
}
