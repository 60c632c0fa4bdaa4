//! `quartier share …`: collective self-consumption. `allocate` shares production with the
//! community's key (or another) and writes allocation, coefficients, settlement and bills;
//! `whatif` compares the community and every participant before and after a member joins or
//! leaves or the key changes.

use std::path::{Path, PathBuf};

use anyhow::Context;
use quartier_billing::{Bill, Settlement};
use quartier_model::{CommunityEdit, LoadedCommunity};
use quartier_share::{Allocation, Key, Leftover, MemberId};

use crate::Outcome;
use crate::run::Ui;

/// Arguments of `quartier share`.
#[derive(clap::Args, Debug)]
pub struct ShareArgs {
    #[command(subcommand)]
    command: ShareCommand,
}

#[derive(clap::Subcommand, Debug)]
enum ShareCommand {
    /// Allocate production, write allocation.csv, coefficients.csv, settlement.csv and bills/.
    Allocate(AllocateArgs),
    /// Compare self-consumption and bills before and after a change.
    Whatif(WhatifArgs),
}

/// Arguments of `quartier share allocate`.
#[derive(clap::Args, Debug)]
struct AllocateArgs {
    /// The community file (TOML).
    file: PathBuf,
    /// Output directory (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    /// Key to use instead of the file's: file | default | equal | optimised.
    #[arg(long, default_value = "file")]
    key: String,
}

/// Arguments of `quartier share whatif`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("change").required(true).args(["join", "leave", "key"])))]
struct WhatifArgs {
    /// The community file (TOML).
    file: PathBuf,
    /// A TOML file with `[[members]]` tables to add (paths relative to the community file).
    #[arg(long)]
    join: Option<PathBuf>,
    /// The id (PRM) of a member who leaves.
    #[arg(long)]
    leave: Option<String>,
    /// Another key: default | equal | optimised.
    #[arg(long)]
    key: Option<String>,
    /// Also write whatif.csv (per participant, before and after) into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// One allocation, settled and billed.
pub struct Scenario {
    /// The allocation.
    pub allocation: Allocation,
    /// Its settlement.
    pub settlement: Settlement,
    /// Every member's bills.
    pub bills: Vec<Bill>,
}

/// The key named by `spec` for `loaded` (`file`: the community's own).
pub fn key_of(loaded: &LoadedCommunity, spec: &str) -> anyhow::Result<Key> {
    Ok(match spec {
        "file" => loaded.key.clone(),
        "default" => Key::Default,
        "equal" => {
            let n = loaded.community.consumers().len().max(1) as f64;
            Key::Static {
                coefficients: loaded
                    .community
                    .consumers()
                    .iter()
                    .map(|c| (c.clone(), 1.0 / n))
                    .collect(),
                leftover: Leftover::Redistribute,
            }
        }
        "optimised" | "optimized" => {
            quartier_billing::optimised_key(&loaded.community, &loaded.billing.prices)?
        }
        other => {
            anyhow::bail!("unknown key \"{other}\" (expected file, default, equal or optimised)")
        }
    })
}

/// Allocates, settles and bills `loaded` with `key`.
pub fn scenario(loaded: &LoadedCommunity, key: &Key) -> anyhow::Result<Scenario> {
    let allocation = quartier_share::allocate(&loaded.community, key).context("allocation")?;
    let settlement = quartier_billing::settle(&loaded.community, &allocation, &loaded.billing)
        .context("settlement")?;
    let bills = quartier_billing::bills(&settlement, &loaded.billing, &loaded.members);
    Ok(Scenario {
        allocation,
        settlement,
        bills,
    })
}

/// Writes the outputs of a scenario into `dir` atomically.
pub fn write(dir: &Path, loaded: &LoadedCommunity, s: &Scenario) -> anyhow::Result<PathBuf> {
    let coefficients = quartier_share::coefficient_file(&s.allocation);
    Ok(quartier_report::write_share_outputs(
        dir,
        &loaded.name,
        &s.allocation,
        &coefficients,
        &s.settlement,
        &s.bills,
    )?)
}

/// Community totals: (consumption, self-consumed, production) kWh, bills EUR.
pub fn totals(s: &Scenario) -> (f64, f64, f64, f64) {
    let c = s.settlement.consumer_months.iter().flatten();
    let (mut cons, mut selfc) = (0.0, 0.0);
    for m in c {
        cons += m.consumption_kwh;
        selfc += m.self_consumed_kwh;
    }
    let prod: f64 = s
        .settlement
        .producer_months
        .iter()
        .flatten()
        .map(|m| m.production_kwh)
        .sum();
    let bills: f64 = s
        .bills
        .iter()
        .filter_map(|b| b.comparison.as_ref())
        .map(|c| c.with_operation_eur)
        .sum();
    (cons, selfc, prod, bills)
}

/// Per member over the whole period: (self-consumed kWh, bill total EUR, saving EUR).
fn per_member(s: &Scenario, id: &MemberId) -> (f64, f64, f64) {
    let mut out = (0.0, 0.0, 0.0);
    for b in s.bills.iter().filter(|b| &b.member == id) {
        out.0 += b.self_consumed_kwh;
        out.1 += b.total_eur;
        if let Some(c) = &b.comparison {
            out.2 += c.without_operation_eur - c.with_operation_eur;
        }
    }
    out
}

/// A one-paragraph summary of a scenario.
pub fn summary(label: &str, s: &Scenario) -> String {
    let (cons, selfc, prod, bills) = totals(s);
    let pct = |a: f64, b: f64| if b > 0.0 { 100.0 * a / b } else { 0.0 };
    format!(
        "{label}: consumption {cons:.0} kWh, self-consumed {selfc:.0} kWh ({:.1} % of consumption, {:.1} % of production {prod:.0} kWh), consumers' bills {bills:.2} EUR",
        pct(selfc, cons),
        pct(selfc, prod)
    )
}

fn load(path: &Path, edit: &CommunityEdit, ui: &Ui) -> Option<LoadedCommunity> {
    match quartier_model::read_community_with(path, edit) {
        Ok(l) => {
            if let Err(e) = quartier_share::check_perimeter(l.community.members(), &l.perimeter) {
                eprintln!("{}: {e}", path.display());
                return None;
            }
            if !ui.quiet {
                for w in &l.warnings {
                    eprintln!("warning: {}: {w}", path.display());
                }
            }
            Some(l)
        }
        Err(diags) => {
            for d in diags.iter() {
                eprintln!("{d}");
            }
            eprintln!(
                "{} problem{} found",
                diags.len(),
                if diags.len() == 1 { "" } else { "s" }
            );
            None
        }
    }
}

/// Runs `quartier share …`.
pub fn run(args: &ShareArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    match &args.command {
        ShareCommand::Allocate(a) => {
            let Some(loaded) = load(&a.file, &CommunityEdit::default(), ui) else {
                return Ok(Outcome::InvalidDistrict);
            };
            let key = key_of(&loaded, &a.key)?;
            let s = scenario(&loaded, &key)?;
            let dir = write(&a.out, &loaded, &s)?;
            ui.say(&summary(&loaded.name, &s));
            ui.say(&format!(
                "allocation.csv, coefficients.csv, settlement.csv and {} bills in {}",
                s.bills.len(),
                dir.display()
            ));
            Ok(Outcome::Success)
        }
        ShareCommand::Whatif(w) => {
            let Some(before) = load(&w.file, &CommunityEdit::default(), ui) else {
                return Ok(Outcome::InvalidDistrict);
            };
            let join = match &w.join {
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .with_context(|| format!("reading {}", p.display()))?,
                ),
                None => None,
            };
            let leave = match &w.leave {
                Some(id) => Some(MemberId::new(id.clone())?),
                None => None,
            };
            let edit = CommunityEdit { join, leave };
            let Some(after) = load(&w.file, &edit, ui) else {
                return Ok(Outcome::InvalidDistrict);
            };
            let s0 = scenario(&before, &before.key)?;
            let key1 = match &w.key {
                Some(k) => key_of(&after, k)?,
                None => after.key.clone(),
            };
            let s1 = scenario(&after, &key1)?;
            ui.say(&summary("before", &s0));
            ui.say(&summary("after ", &s1));
            let mut ids: Vec<(MemberId, String)> = before
                .members
                .iter()
                .map(|m| (m.0.clone(), m.1.clone()))
                .collect();
            for m in &after.members {
                if !ids.iter().any(|x| x.0 == m.0) {
                    ids.push((m.0.clone(), m.1.clone()));
                }
            }
            let mut csv = String::from(
                "member,name,self_consumed_before_kwh,self_consumed_after_kwh,bill_before_eur,bill_after_eur,saving_before_eur,saving_after_eur\n",
            );
            let mut table = format!(
                "{:<16} {:<28} {:>12} {:>12} {:>11} {:>11}\n",
                "member", "name", "self before", "self after", "bill before", "bill after"
            );
            for (id, name) in &ids {
                let b = per_member(&s0, id);
                let a = per_member(&s1, id);
                csv += &format!(
                    "{id},\"{}\",{:.3},{:.3},{:.2},{:.2},{:.2},{:.2}\n",
                    name.replace('"', "'"),
                    b.0,
                    a.0,
                    b.1,
                    a.1,
                    b.2,
                    a.2
                );
                let short: String = name.chars().take(28).collect();
                table += &format!(
                    "{:<16} {:<28} {:>12.1} {:>12.1} {:>11.2} {:>11.2}\n",
                    id.as_str(),
                    short,
                    b.0,
                    a.0,
                    b.1,
                    a.1
                );
            }
            ui.say(&table);
            if let Some(dir) = &w.out {
                let out = quartier_report::OutputDir::create(dir)?;
                out.write("whatif.csv", csv.as_bytes())?;
                out.commit()?;
            }
            Ok(Outcome::Success)
        }
    }
}
