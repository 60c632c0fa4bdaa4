//! `quartier share …`: collective self-consumption. `allocate` shares production with the
//! community's key (or another) and writes allocation, coefficients, settlement and each
//! participant's comparison statements; `invoice` issues one month's invoices of local energy,
//! numbered after the ledger of invoices already issued; `whatif` compares the community and
//! every participant before and after a member joins or leaves or the key changes.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use quartier_billing::{InvoiceRequest, Month};
use quartier_model::{CommunityEdit, LoadedCommunity};
use quartier_share::{Key, MemberId};

use crate::Outcome;
use crate::run::{Ui, reported, write_files};

/// Arguments of `quartier share`.
#[derive(clap::Args, Debug)]
pub struct ShareArgs {
    #[command(subcommand)]
    command: ShareCommand,
}

#[derive(clap::Subcommand, Debug)]
enum ShareCommand {
    /// Allocate production, write allocation.csv, coefficients.csv, settlement.csv and
    /// statements/ (each participant's monthly comparison statement, HTML and PDF).
    Allocate(AllocateArgs),
    /// Issue one month's invoices of local energy (HTML, PDF, invoices.csv), numbered after the
    /// ledger of issued invoices (invoicing.ledger), which it extends.
    Invoice(InvoiceArgs),
    /// Compare Quartier's allocation with the grid operator's official data (a folder, zip or
    /// API JSON); exit 4 when they differ beyond the tolerance.
    Reconcile(ReconcileArgs),
    /// Write one month's coefficient file of a dynamic key, in the grid operator's layout.
    Keys(KeysArgs),
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
    #[arg(long, default_value = "file", value_parser = key_spelling)]
    key: String,
    /// The grid operator's official data (folder, zip): where it sent curves, settle on them.
    #[arg(long)]
    official: Option<PathBuf>,
    /// Which comparison statements to write into statements/: all, none, or the ids (PRM) of
    /// some members separated by commas.
    #[arg(long, default_value = "all", value_name = "all|none|ID,…")]
    statements: String,
}

/// Arguments of `quartier share invoice`.
#[derive(clap::Args, Debug)]
struct InvoiceArgs {
    /// The community file (TOML), with an [invoicing] table.
    file: PathBuf,
    /// The month to invoice, YYYY-MM (local time, Europe/Paris).
    #[arg(long, value_parser = month_arg)]
    month: Month,
    /// Output directory (replaced atomically): invoices/, invoices.csv, invoice_lines.csv.
    #[arg(long)]
    out: PathBuf,
    /// Issue date of new invoices, YYYY-MM-DD (default: today in Europe/Paris).
    #[arg(long, value_parser = day_arg)]
    issue_date: Option<NaiveDate>,
    /// Language of the invoices: fr | en.
    #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
    lang: String,
    /// The grid operator's official data (folder, zip): where it sent curves, invoice on them.
    #[arg(long)]
    official: Option<PathBuf>,
}

fn month_arg(s: &str) -> Result<Month, String> {
    Month::parse(s)
        .filter(|m| m.year >= 1900)
        .ok_or_else(|| format!("\"{s}\" is not a month (expected YYYY-MM, e.g. 2025-06)"))
}

fn day_arg(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\" is not a day (expected YYYY-MM-DD, e.g. 2025-07-05)"))
}

/// Arguments of `quartier share reconcile`.
#[derive(clap::Args, Debug)]
struct ReconcileArgs {
    /// The community file (TOML).
    file: PathBuf,
    /// The operator's data: the extracted monthly folder, its zip (unencrypted), or a .json of
    /// the ACC API.
    #[arg(long)]
    official: PathBuf,
    /// Output directory (replaced atomically): reconciliation.csv, difference_steps.csv.
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `quartier share keys`.
#[derive(clap::Args, Debug)]
struct KeysArgs {
    /// The community file (TOML).
    file: PathBuf,
    /// The month, YYYY-MM (local time).
    #[arg(long, value_parser = month_arg)]
    month: Month,
    /// Output directory (replaced atomically): keys_<YYYY-MM>.csv (simple) or
    /// keys_full_<YYYY-MM>.csv (full).
    #[arg(long)]
    out: PathBuf,
    /// Key: file | default | equal | optimised.
    #[arg(long, default_value = "file", value_parser = key_spelling)]
    key: String,
    /// Which dynamic key the file sends: simple (one coefficient per consumer of the step's
    /// total production) or full (one per producer and consumer, of that producer's production).
    #[arg(long, value_enum, default_value_t = Dynamic::Simple)]
    dynamic: Dynamic,
}

/// The two dynamic keys a PMO sends the grid operator.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Dynamic {
    /// One coefficient per step and consumer.
    Simple,
    /// One coefficient per step, producer and consumer.
    Full,
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
    /// With --leave: its last day in the operation (YYYY-MM-DD, local); without it the member
    /// leaves before the first day. Members in --join take `member_from` in their table.
    #[arg(long, value_parser = day_arg, requires = "leave")]
    last_day: Option<NaiveDate>,
    /// Another key: default | equal | optimised.
    #[arg(long, value_parser = key_spelling)]
    key: Option<String>,
    /// Also write whatif.csv (per participant, before and after) into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

use quartier_report::StatementChoice;
pub use quartier_report::community::Scenario;
use quartier_report::community::{KeyChoice, member_totals};

/// Checks a `--key` value when the command line is read, so that a wrong one is a command-line
/// error (exit 2, with the accepted values), not a failed run.
fn key_spelling(s: &str) -> Result<String, String> {
    s.parse::<KeyChoice>()
        .map(|_| s.to_string())
        .map_err(|e| e.to_string())
}

/// The key named by `spec` for `loaded` (`file`: the community's own).
pub fn key_of(loaded: &LoadedCommunity, spec: &str) -> anyhow::Result<Key> {
    let choice: KeyChoice = spec.parse()?;
    Ok(quartier_report::community::key_of(loaded, choice)?)
}

/// Allocates, settles and bills `loaded` with `key`.
pub fn scenario(loaded: &LoadedCommunity, key: &Key) -> anyhow::Result<Scenario> {
    Ok(quartier_report::community::scenario(loaded, key)?)
}

/// Writes the outputs of a scenario into `dir` atomically, the statements `statements` asks
/// for, with a progress bar.
pub fn write(
    dir: &Path,
    loaded: &LoadedCommunity,
    s: &Scenario,
    statements: StatementChoice<'_>,
    ui: &Ui,
) -> anyhow::Result<PathBuf> {
    let pb = ui.progress(0, "writing outputs");
    let progress = |done: usize, total: usize| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    };
    let how = quartier_report::ShareOutputs {
        statements,
        progress: Some(&progress),
    };
    let dir = quartier_report::community::write_outputs_with(dir, &loaded.name, s, &how)?;
    pb.finish_and_clear();
    Ok(dir)
}

/// The members named by `--statements` (`all`, `none` or ids separated by commas); an id that
/// is no member of `loaded` is an error.
fn statement_ids(loaded: &LoadedCommunity, spec: &str) -> anyhow::Result<Option<Vec<MemberId>>> {
    match spec.trim() {
        "all" => Ok(None),
        "none" => Ok(Some(Vec::new())),
        list => list
            .split(',')
            .map(|id| {
                let id = id.trim();
                loaded
                    .members
                    .iter()
                    .find(|m| m.0.as_str() == id)
                    .map(|m| m.0.clone())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "--statements: no member \"{id}\" in the community (expected all, none or member ids separated by commas)"
                        )
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Some),
    }
}

/// Per member over the whole period: (self-consumed kWh, statements' total EUR, saving EUR).
fn per_member(
    s: &Scenario,
    id: &MemberId,
) -> (
    f64,
    quartier_billing::money::Decimal,
    quartier_billing::money::Decimal,
) {
    let t = member_totals(s, id);
    (t.self_consumed_kwh, t.bills_eur, t.saving_eur)
}

/// A one-paragraph summary of a scenario.
pub fn summary(label: &str, s: &Scenario) -> String {
    let t = quartier_report::community::totals(s);
    format!(
        "{label}: consumption {:.0} kWh, self-consumed {:.0} kWh ({:.1} % of consumption, {:.1} % of production {:.0} kWh), consumers' bills {:.2} EUR",
        t.consumption_kwh,
        t.self_consumed_kwh,
        100.0 * t.self_sufficiency_rate,
        100.0 * t.self_consumption_rate,
        t.production_kwh,
        t.consumer_bills_eur
    )
}

fn load(path: &Path, edit: &CommunityEdit, ui: &Ui) -> Option<LoadedCommunity> {
    let pb = ui.progress(0, "reading curves");
    let progress = |done: usize, total: usize| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    };
    let read = quartier_model::read_community_progress(path, edit, Some(&progress));
    pb.finish_and_clear();
    let l = reported(read)?;
    match quartier_report::community::check_perimeter(&l) {
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return None;
        }
        Ok(r) => ui.say(&format!(
            "perimeter: {}; installed PV {:.1} kW{}",
            r.rule,
            r.total_pv_kw,
            r.farthest
                .map(|(a, b, d)| format!("; farthest members {a} and {b}, {d:.3} km apart"))
                .unwrap_or_default()
        )),
    }
    if !ui.quiet {
        for w in &l.warnings {
            eprintln!("warning: {}: {w}", path.display());
        }
    }
    Some(l)
}

/// Runs `quartier share …`.
pub fn run(args: &ShareArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    match &args.command {
        ShareCommand::Allocate(a) => {
            let Some(loaded) = load(&a.file, &CommunityEdit::default(), ui) else {
                return Ok(Outcome::InvalidDistrict);
            };
            let key = key_of(&loaded, &a.key)?;
            let pb = ui.progress(1, "allocating and settling");
            let done = settled(&loaded, &key, a.official.as_deref(), ui)?;
            pb.finish_and_clear();
            let Some((s, _)) = done else {
                return Ok(Outcome::InvalidDistrict);
            };
            let ids = statement_ids(&loaded, &a.statements)?;
            let choice = match &ids {
                None => StatementChoice::All,
                Some(ids) if ids.is_empty() => StatementChoice::None,
                Some(ids) => StatementChoice::Members(ids),
            };
            let written = match &ids {
                None => s.statements.len(),
                Some(ids) => s
                    .statements
                    .iter()
                    .filter(|b| ids.contains(&b.member))
                    .count(),
            };
            let dir = write(&a.out, &loaded, &s, choice, ui)?;
            ui.say(&summary(&loaded.name, &s));
            ui.say(&format!(
                "allocation.csv, coefficients.csv, settlement.csv and {written} comparison statements in {}",
                dir.display()
            ));
            Ok(Outcome::Success)
        }
        ShareCommand::Invoice(a) => invoice(a, ui),
        ShareCommand::Reconcile(a) => reconcile(a, ui),
        ShareCommand::Keys(a) => keys(a, ui),
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
            let edit = CommunityEdit {
                join,
                leave,
                leave_last_day: w.last_day,
            };
            // Only the key changes: the same members and curves, read once.
            let edited;
            let after = if edit.join.is_none() && edit.leave.is_none() {
                &before
            } else {
                let Some(l) = load(&w.file, &edit, ui) else {
                    return Ok(Outcome::InvalidDistrict);
                };
                edited = l;
                &edited
            };
            let pb = ui.progress(2, "allocating and settling");
            let s0 = scenario(&before, &before.key)?;
            pb.inc(1);
            let key1 = match &w.key {
                Some(k) => key_of(after, k)?,
                None => after.key.clone(),
            };
            let s1 = scenario(after, &key1)?;
            pb.finish_and_clear();
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
                write_files(dir, &[("whatif.csv", csv.as_bytes())])?;
            }
            Ok(Outcome::Success)
        }
    }
}

/// The scenario of `key`, settled on the operator's data at `official` when given (saying
/// which months), and the billing settings it was settled with; `None` when the official
/// data could not be read (already said).
fn settled(
    loaded: &LoadedCommunity,
    key: &Key,
    official: Option<&Path>,
    ui: &Ui,
) -> anyhow::Result<Option<(Scenario, quartier_billing::BillingConfig)>> {
    let Some(path) = official else {
        return Ok(Some((scenario(loaded, key)?, loaded.billing.clone())));
    };
    let data = match quartier_timeseries::read_acc_official(path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return Ok(None);
        }
    };
    let (s, months) = quartier_report::community::official_scenario(loaded, key, &data)?;
    ui.say(&format!(
        "settled on the grid operator's data for {}",
        if months.is_empty() {
            "no month (it sent no self-consumed curve within the period)".to_string()
        } else {
            months
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    let mut billing = loaded.billing.clone();
    billing.official_months = months;
    Ok(Some((s, billing)))
}

/// `quartier share invoice`: the month's invoices, the ledger extended first (an interrupted
/// run leaves a ledger whose new numbers a second run prints again as the same invoices).
fn invoice(a: &InvoiceArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = load(&a.file, &CommunityEdit::default(), ui) else {
        return Ok(Outcome::InvalidDistrict);
    };
    let Some(invoicing) = &loaded.invoicing else {
        eprintln!(
            "{}: the community file has no [invoicing] table: add one with issuer_name, \
             issuer_address, issuer_siret, issuer_vat_number (or vat = \"franchise\") and \
             number_prefix (see `quartier schema`)",
            a.file.display()
        );
        return Ok(Outcome::InvalidDistrict);
    };
    let ledger_path = &invoicing.ledger;
    let ledger_text = match std::fs::read_to_string(ledger_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(e).with_context(|| format!("reading {}", ledger_path.display()));
        }
    };
    let ledger = match quartier_report::read_ledger(&ledger_text, ledger_path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return Ok(Outcome::InvalidDistrict);
        }
    };
    let Some((s, billing)) = settled(&loaded, &loaded.key, a.official.as_deref(), ui)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let issue_date = a.issue_date.unwrap_or_else(|| {
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive()
    });
    let request = InvoiceRequest {
        operation: loaded.name.clone(),
        month: a.month,
        issue_date,
    };
    let issued = match quartier_billing::issue_invoices(
        &request,
        &s.settlement,
        &billing,
        &invoicing.config,
        &loaded.members,
        &ledger,
    ) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{}: {e}", a.file.display());
            return Ok(Outcome::InvalidDistrict);
        }
    };
    if !issued.new_entries.is_empty() {
        let mut all = ledger.clone();
        all.extend(issued.new_entries.iter().cloned());
        let tmp = ledger_path.with_extension("csv.tmp");
        std::fs::write(&tmp, quartier_report::ledger_csv(&all))
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, ledger_path)
            .with_context(|| format!("replacing {}", ledger_path.display()))?;
    }
    let lang = if a.lang == "en" {
        quartier_report::Language::English
    } else {
        quartier_report::Language::French
    };
    let dir = quartier_report::write_invoices(&a.out, &issued.invoices, lang)?;
    let total: quartier_billing::money::Decimal = issued
        .invoices
        .iter()
        .map(quartier_billing::Invoice::total_incl_vat_eur)
        .sum();
    ui.say(&format!(
        "{}: {} invoices ({} new, {} copies), {:.2} EUR including VAT, in {}; ledger {}",
        a.month,
        issued.invoices.len(),
        issued.new_entries.len(),
        issued.invoices.len() - issued.new_entries.len(),
        total,
        dir.display(),
        ledger_path.display()
    ));
    Ok(Outcome::Success)
}

/// `quartier share reconcile`: the community file's allocation next to the operator's data.
fn reconcile(a: &ReconcileArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = load(&a.file, &CommunityEdit::default(), ui) else {
        return Ok(Outcome::InvalidDistrict);
    };
    let official = match quartier_timeseries::read_acc_official(&a.official) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return Ok(Outcome::InvalidDistrict);
        }
    };
    let s = scenario(&loaded, &loaded.key)?;
    let r = quartier_billing::reconcile(&loaded.community, &s.allocation, &official);
    let dir = write_reconciliation(&a.out, &r)?;
    let listed: Vec<_> = r.differences().collect();
    ui.say(&format!(
        "{} rows compared ({} curves, {} API totals read); {}",
        r.rows.len(),
        official.curves.len(),
        official.totals.len(),
        quartier_report::operator::tolerance_words()
    ));
    for d in &listed {
        eprintln!(
            "difference: {} {} {}: Quartier {:.3} kWh, operator {:.3} kWh ({:+.3}): {}",
            d.prm,
            d.month,
            d.quantity.name(),
            d.quartier_kwh,
            d.official_kwh,
            d.difference_kwh(),
            d.cause.map_or("", |c| c.text())
        );
    }
    ui.say(&format!(
        "{} differences listed; reconciliation.csv and difference_steps.csv in {}",
        listed.len(),
        dir.display()
    ));
    Ok(if listed.is_empty() {
        Outcome::Success
    } else {
        Outcome::Differences
    })
}

/// Writes `reconciliation.csv` and `difference_steps.csv` of `r` into `dir` (replaced
/// atomically); returns the folder.
pub(crate) fn write_reconciliation(
    dir: &Path,
    r: &quartier_billing::reconcile::Reconciliation,
) -> anyhow::Result<PathBuf> {
    write_files(
        dir,
        &[
            (
                "reconciliation.csv",
                quartier_report::operator::reconciliation_csv(r).as_bytes(),
            ),
            (
                "difference_steps.csv",
                quartier_report::operator::difference_steps_csv(r).as_bytes(),
            ),
        ],
    )
}

/// `quartier share keys`: the month's coefficient file for the operator.
fn keys(a: &KeysArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = load(&a.file, &CommunityEdit::default(), ui) else {
        return Ok(Outcome::InvalidDistrict);
    };
    let key = key_of(&loaded, &a.key)?;
    let s = scenario(&loaded, &key)?;
    let (name, (text, lost)) = match a.dynamic {
        Dynamic::Simple => {
            let c = quartier_share::coefficient_file(&s.allocation);
            (
                format!("keys_{}.csv", a.month),
                quartier_report::operator::operator_key_csv(&c, a.month),
            )
        }
        Dynamic::Full => {
            let steps = quartier_report::operator::month_steps(s.allocation.axis(), a.month);
            let f = quartier_share::pair_coefficient_file(&s.allocation, steps);
            (
                format!("keys_full_{}.csv", a.month),
                quartier_report::operator::operator_pair_key_csv(&f, a.month),
            )
        }
    };
    if text.lines().count() <= 1 {
        eprintln!(
            "{}: the curves do not cover {} (choose a month within them with --month)",
            a.file.display(),
            a.month
        );
        return Ok(Outcome::InvalidDistrict);
    }
    let dir = write_files(&a.out, &[(name.as_str(), text.as_bytes())])?;
    ui.say(&format!(
        "{name} in {}: {} lines; {lost:.3} kWh lost to flooring the coefficients to 0.1 %",
        dir.display(),
        text.lines().count() - 1
    ));
    Ok(Outcome::Success)
}
