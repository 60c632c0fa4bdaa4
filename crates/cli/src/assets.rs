//! `quartier assets plan DISTRICT.toml --out DIR`: builds the district's asset registry from
//! its model (one asset per component, cited default costs), completes it with a registry
//! file when given, makes the lifecycle-cost and replacement plan, and writes `registry.csv`,
//! `maintenance.csv`, `plan.csv` and `plan.html` atomically.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use quartier_assets::{PlanConfig, lifecycle_plan, read_registry, registry_from_district};
use quartier_report::assets::{maintenance_csv, plan_csv, plan_html, registry_csv};

use crate::Outcome;
use crate::run::{Ui, reported, write_files};

/// Arguments of `quartier assets`.
#[derive(clap::Args, Debug)]
pub struct AssetsArgs {
    #[command(subcommand)]
    command: AssetsCommand,
}

#[derive(clap::Subcommand, Debug)]
enum AssetsCommand {
    /// Make the 30-year lifecycle-cost and replacement plan of a district's assets.
    Plan(PlanArgs),
}

#[derive(clap::Args, Debug)]
struct PlanArgs {
    /// The district file (TOML).
    file: PathBuf,
    /// An asset registry (TOML) that corrects and completes the assets derived from the model.
    #[arg(long)]
    registry: Option<PathBuf>,
    /// Output directory (replaced atomically when the run succeeds).
    #[arg(long)]
    out: PathBuf,
    /// Commissioning date of the assets derived from the model [default: start of the
    /// district's time axis].
    #[arg(long, value_name = "YYYY-MM-DD")]
    commissioned_on: Option<NaiveDate>,
    /// First year of the plan [default: the year of --commissioned-on].
    #[arg(long)]
    start_year: Option<i32>,
    /// Horizon, years.
    #[arg(long, default_value_t = PlanConfig::DEFAULT_YEARS)]
    years: u32,
    /// Real discount rate.
    #[arg(long, default_value_t = PlanConfig::DEFAULT_DISCOUNT_RATE)]
    discount_rate: f64,
    /// Yearly real escalation of replacement capex.
    #[arg(long, default_value_t = 0.0)]
    capex_escalation: f64,
    /// Yearly real escalation of O&M.
    #[arg(long, default_value_t = 0.0)]
    om_escalation: f64,
}

/// Runs `quartier assets …`.
pub fn run(args: &AssetsArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    match &args.command {
        AssetsCommand::Plan(a) => plan(a, ui),
    }
}

fn plan(args: &PlanArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some((district, _)) = reported(quartier_model::read_district(&args.file)) else {
        return Ok(Outcome::InvalidDistrict);
    };
    let tz = district.site.timezone;
    let commissioned_on = args
        .commissioned_on
        .unwrap_or_else(|| district.axis.start().with_timezone(&tz).date_naive());
    let start_year = args.start_year.unwrap_or(commissioned_on.year());
    let config = PlanConfig {
        start_year,
        years: args.years,
        discount_rate: args.discount_rate,
        capex_escalation: args.capex_escalation,
        om_escalation: args.om_escalation,
    };
    let mut assets = registry_from_district(&district, commissioned_on);
    let derived = assets.len();
    if let Some(path) = &args.registry {
        let Some(file) = reported(read_registry(path)) else {
            return Ok(Outcome::InvalidDistrict);
        };
        let Some(applied) = reported(file.apply(assets, start_year)) else {
            return Ok(Outcome::InvalidDistrict);
        };
        assets = applied;
    }
    let plan = lifecycle_plan(&assets, &config).context("making the lifecycle plan")?;

    let title = format!("{} — asset lifecycle plan", district.site.name);
    let mut notes = Vec::new();
    if args.registry.is_none() {
        notes.push(format!(
            "No registry file: every asset is taken as commissioned on {commissioned_on}, in good condition, at the default costs below."
        ));
    }
    let dir = write_files(
        &args.out,
        &[
            (
                "registry.csv",
                registry_csv(&assets, Some(&plan)).as_bytes(),
            ),
            ("maintenance.csv", maintenance_csv(&assets).as_bytes()),
            ("plan.csv", plan_csv(&plan).as_bytes()),
            (
                "plan.html",
                plan_html(&title, &plan, &assets, &notes).as_bytes(),
            ),
        ],
    )?;

    let t = &plan.totals;
    ui.say(&format!(
        "{}: {} assets ({} from the model, {} from the registry), plan {}–{}",
        args.file.display(),
        assets.len(),
        derived,
        assets.len() - derived,
        config.start_year,
        config.end_year()
    ));
    // The first years with replacements, each with the assets replaced then.
    for y in plan
        .years
        .iter()
        .filter(|y| !y.assets_replaced.is_empty())
        .take(3)
    {
        let names: Vec<&str> = y
            .assets_replaced
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        let more = y.assets_replaced.len().saturating_sub(names.len());
        ui.say(&format!(
            "  {}: {} replaced ({}{}), {:.0} EUR",
            y.year,
            y.assets_replaced.len(),
            names.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            },
            y.replacement_capex_eur
        ));
    }
    ui.say(&format!(
        "replacements {} · replacement capex {:.0} EUR · O&M {:.0} EUR · total {:.0} EUR",
        t.replacements, t.replacement_capex_eur, t.om_eur, t.total_eur
    ));
    ui.say(&format!(
        "NPV of costs at {:.1} %: {:.0} EUR (residual value at the end, present value: {:.0} EUR)",
        100.0 * config.discount_rate,
        t.npv_eur,
        t.residual_value_pv_eur
    ));
    ui.say(&format!("wrote {}", dir.display()));
    Ok(Outcome::Success)
}
