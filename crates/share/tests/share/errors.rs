//! Bad input: typed errors naming member and step.

use chrono::{Duration, TimeZone, Utc};
use quartier_share::{
    CommunityBuilder, CustomKey, Group, Inside, Key, Leftover, Member, MemberId, Role, ShareError,
    allocate,
};
use quartier_timeseries::{Axis, Quantity, Series, Step};

use crate::{axis, community, id, kwh, one_step};

fn consumer_with(values: Vec<f64>) -> Result<quartier_share::Community, ShareError> {
    let ax = axis(values.len());
    CommunityBuilder::new(ax)
        .member(Member::new(id("30001234567890"), Role::Consumer))
        .curve(&id("30001234567890"), kwh(ax, values))
        .build()
}

#[test]
fn negative_consumption_names_member_and_step() {
    let err = consumer_with(vec![1.0, -0.5, 1.0]).unwrap_err();
    match &err {
        ShareError::Negative {
            id: m,
            at,
            value_kwh,
            ..
        } => {
            assert_eq!(m.as_str(), "30001234567890");
            assert_eq!(at.index, 1);
            assert_eq!(*value_kwh, -0.5);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("consumption of 30001234567890 is negative at step 1")
    );
}

#[test]
fn nan_is_rejected() {
    let err = consumer_with(vec![1.0, 1.0, f64::NAN]).unwrap_err();
    assert!(matches!(err, ShareError::NotFinite { at, .. } if at.index == 2));
}

#[test]
fn curves_on_different_axes() {
    let ax = axis(4);
    let other = Axis::new(ax.start() + Duration::minutes(15), Step::MIN15, 4).unwrap();
    let err = CommunityBuilder::new(ax)
        .member(Member::new(id("a"), Role::Consumer))
        .curve(&id("a"), kwh(other, vec![1.0; 4]))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ShareError::AxisMismatch { ref id, .. } if id == "a"),
        "{err}"
    );
    let half = Axis::new(ax.start(), Step::MIN30, 4).unwrap();
    let err = CommunityBuilder::new(ax)
        .member(Member::new(id("a"), Role::Consumer))
        .curve(&id("a"), kwh(half, vec![1.0; 4]))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("every 30 min"), "{err}");
}

#[test]
fn power_curve_is_not_energy() {
    let ax = axis(2);
    let err = CommunityBuilder::new(ax)
        .member(Member::new(id("a"), Role::Consumer))
        .curve(
            &id("a"),
            Series::new(ax, Quantity::PowerKw, vec![1.0; 2]).unwrap(),
        )
        .build()
        .unwrap_err();
    assert!(matches!(err, ShareError::NotEnergy { .. }));
}

#[test]
fn member_without_curve_and_curve_without_member() {
    let ax = axis(1);
    let err = CommunityBuilder::new(ax)
        .member(Member::new(id("a"), Role::Consumer))
        .member(Member::new(id("b"), Role::Producer))
        .curve(&id("a"), kwh(ax, vec![1.0]))
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "member b (producer) has no curve");
    let err = CommunityBuilder::new(ax)
        .curve(&id("ghost"), kwh(ax, vec![1.0]))
        .build()
        .unwrap_err();
    assert!(matches!(err, ShareError::UnknownMember { .. }));
}

#[test]
fn storage_needs_two_curves() {
    let ax = axis(1);
    let err = CommunityBuilder::new(ax)
        .member(Member::new(id("bat"), Role::Storage))
        .curve(&id("bat"), kwh(ax, vec![1.0]))
        .build()
        .unwrap_err();
    assert!(matches!(err, ShareError::WrongCurve { .. }));
}

#[test]
fn duplicated_ids() {
    let ax = axis(1);
    let err = CommunityBuilder::new(ax)
        .member(Member::new(id("a"), Role::Consumer))
        .member(Member::new(id("a"), Role::Producer))
        .build()
        .unwrap_err();
    assert_eq!(err, ShareError::DuplicateId { id: id("a") });
    assert!(MemberId::new("").is_err());
    assert!(MemberId::new("3000 1234").is_err());
}

#[test]
fn unknown_and_duplicated_ids_in_keys() {
    let c = one_step(1.0, &[1.0, 1.0]);
    let key = Key::Static {
        coefficients: vec![(id("c0"), 0.5), (id("nobody"), 0.5)],
        leftover: Leftover::Surplus,
    };
    let err = allocate(&c, &key).unwrap_err();
    assert_eq!(
        err.to_string(),
        "static key: unknown member nobody (not a consumer of the community)"
    );
    // A producer id is not a consumer.
    let key = Key::Static {
        coefficients: vec![(id("p0"), 0.5)],
        leftover: Leftover::Surplus,
    };
    assert!(matches!(
        allocate(&c, &key),
        Err(ShareError::UnknownMember { .. })
    ));
    let key = Key::Priority {
        groups: vec![
            Group {
                members: vec![id("c0")],
                inside: Inside::Prorata,
            },
            Group {
                members: vec![id("c0"), id("c1")],
                inside: Inside::Prorata,
            },
        ],
    };
    assert!(matches!(
        allocate(&c, &key),
        Err(ShareError::DuplicateInKey { .. })
    ));
    let key = Key::Priority {
        groups: vec![Group {
            members: vec![id("c0")],
            inside: Inside::Static(vec![1.0, 2.0]),
        }],
    };
    assert!(matches!(allocate(&c, &key), Err(ShareError::BadKey { .. })));
}

#[test]
fn static_coefficients_above_100_percent() {
    let c = one_step(1.0, &[1.0, 1.0]);
    let key = Key::Static {
        coefficients: vec![(id("c0"), 0.6), (id("c1"), 0.5)],
        leftover: Leftover::Redistribute,
    };
    let err = allocate(&c, &key).unwrap_err();
    assert!(err.to_string().contains("110.000000 %"), "{err}");
    let key = Key::Static {
        coefficients: vec![(id("c0"), -0.1)],
        leftover: Leftover::Surplus,
    };
    assert!(matches!(
        allocate(&c, &key),
        Err(ShareError::BadCoefficient { .. })
    ));
}

#[test]
fn custom_key_above_100_percent_names_the_step_in_utc_and_local_time() {
    let ax = Axis::new(
        Utc.with_ymd_and_hms(2025, 1, 15, 11, 0, 0).unwrap(),
        Step::MIN15,
        3,
    )
    .unwrap();
    let c = community(ax, &[vec![1.0; 3]], &[vec![1.0; 3], vec![1.0; 3]]);
    let key = Key::Custom(CustomKey::PerConsumer {
        axis: ax,
        consumers: vec![id("c0"), id("c1")],
        coefficients: vec![0.5, 0.5, 0.6, 0.5, 0.1, 0.1],
    });
    let err = allocate(&c, &key).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("110.000000 %"), "{msg}");
    assert!(
        msg.contains("step 1 (2025-01-15T11:15:00Z UTC, 2025-01-15 12:15 +01:00 Europe/Paris)"),
        "{msg}"
    );
    // A sum of 100 % up to rounding in a file is accepted.
    let key = Key::Custom(CustomKey::PerConsumer {
        axis: ax,
        consumers: vec![id("c0"), id("c1")],
        coefficients: vec![0.3333333333, 0.6666666667, 0.5, 0.5, 0.0, 0.0],
    });
    assert!(allocate(&c, &key).is_ok());
}

#[test]
fn custom_key_per_pair_names_the_producer() {
    let ax = axis(1);
    let c = community(ax, &[vec![1.0], vec![1.0]], &[vec![1.0]]);
    let key = Key::Custom(CustomKey::PerPair {
        axis: ax,
        producers: vec![id("p0"), id("p1")],
        consumers: vec![id("c0")],
        coefficients: vec![1.0, 1.5],
    });
    assert!(matches!(
        allocate(&c, &key),
        Err(ShareError::BadCoefficient { .. })
    ));
    let key = Key::Custom(CustomKey::PerPair {
        axis: ax,
        producers: vec![id("p0"), id("unknown")],
        consumers: vec![id("c0")],
        coefficients: vec![1.0, 1.0],
    });
    let err = allocate(&c, &key).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown member unknown (not a producer"),
        "{err}"
    );
}

#[test]
fn custom_key_on_another_axis_or_of_wrong_size() {
    let ax = axis(2);
    let c = community(ax, &[vec![1.0; 2]], &[vec![1.0; 2]]);
    let key = Key::Custom(CustomKey::PerConsumer {
        axis: axis(3),
        consumers: vec![id("c0")],
        coefficients: vec![0.5; 3],
    });
    assert!(matches!(
        allocate(&c, &key),
        Err(ShareError::AxisMismatch { .. })
    ));
    let key = Key::Custom(CustomKey::PerConsumer {
        axis: ax,
        consumers: vec![id("c0")],
        coefficients: vec![0.5; 3],
    });
    assert!(matches!(allocate(&c, &key), Err(ShareError::BadKey { .. })));
}
