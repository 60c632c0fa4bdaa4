//! The energy community's self-consumption from its allocation, as the programme computes it:
//! Meudon's community file allocated on each member's curve simulated from the Meudon district
//! (the curves handed over in memory) gives, month by month, what the same file gives when
//! those curves are written to disk and read as meter files, as `quartier demo` does; and the
//! shared energy never exceeds the consumption nor the production.

use std::path::{Path, PathBuf};

use quartier_report::community::{CommunityRun, member_curves, scenario, write_member_curves};
use quartier_report::programme::community_share;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[test]
fn simulated_curves_in_memory_allocate_as_the_same_curves_on_disk() {
    let district = examples().join("meudon-la-foret.toml");
    let (d, sources) = quartier_model::read_district(&district).unwrap();
    let data = quartier_model::load(&d, &sources).unwrap();
    let inputs = quartier_sim::assemble(&d, &data).unwrap();
    let flows = quartier_sim::simulate(
        &inputs,
        &quartier_sim::RuleConfig::default(),
        &mut |_, _| {},
    )
    .unwrap();
    let curves = member_curves(&inputs, &flows);

    let community = examples().join("meudon-community.toml");
    let share = community_share(&community, Some(&curves)).unwrap();
    assert_eq!(share.months.len(), 12, "{:?}", share.months);
    assert!(share.simulated);

    // The same curves as files beside a copy of the community file.
    let dir = tempfile::tempdir().unwrap();
    write_member_curves(&dir.path().join("community-curves"), &curves).unwrap();
    let copy = dir.path().join("meudon-community.toml");
    std::fs::copy(&community, &copy).unwrap();
    let loaded = quartier_model::read_community(&copy).unwrap();
    let s = scenario(&loaded, &loaded.key).unwrap();
    let run = CommunityRun::new(&loaded, &s);
    assert_eq!(run.monthly.len(), share.months.len());
    let mut total = 0.0;
    for (t, (month, allocated, production)) in run.monthly.iter().zip(&share.months) {
        assert_eq!(run.months[t.month], format!("{}-{:02}", month.0, month.1));
        // The files hold 6 decimals per step.
        assert!(
            (t.allocated_kwh - allocated).abs() <= 1e-5 * 17_520.0,
            "{month:?}: {} on disk, {allocated} in memory",
            t.allocated_kwh
        );
        assert!((t.production_kwh - production).abs() <= 1e-5 * 17_520.0);
        assert!(*allocated <= production + 1e-6, "{month:?}");
        assert!(*allocated <= t.consumption_kwh + 1e-6, "{month:?}");
        assert!(*allocated > 0.0, "{month:?}");
        total += allocated;
    }
    println!("Meudon community, simulated year: {total:.0} kWh shared");
}

#[test]
fn a_community_without_its_curves_says_which_file_is_missing() {
    let err = community_share(&examples().join("meudon-community.toml"), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("community-curves/30000000000001.csv"),
        "{err}"
    );
}
