//! One collective self-consumption scenario, end to end, shared by the CLI (`quartier share`,
//! `quartier demo`) and the server: a [`LoadedCommunity`] and a [`Key`] → allocation
//! (`quartier_share`) → monthly settlement and bills (`quartier_billing`) → [`Scenario`], its
//! [`Totals`], and its wire form [`CommunityRun`] (JSON, what the server stores as a run and
//! filters per participant). Also the meter curve of every participant of a simulated
//! district ([`member_curves`]), which the demo and the server's first start feed to a
//! community file.
//!
//! Why here: this is the one library crate that already depends on the model (the community
//! file), the share and billing crates and the simulation (the member curves), and it writes
//! the community's other wire formats (`settlement.csv`, bills). The model crate cannot see
//! the simulation (the simulation depends on it).
//!
//! **Architecture invariant:** nothing here knows of CLI flags, SQL or HTTP; errors are
//! [`ScenarioError`], never panics.
//!
//! ```
//! use quartier_report::community::KeyChoice;
//! assert_eq!("optimised".parse::<KeyChoice>().unwrap(), KeyChoice::Optimised);
//! assert!("best".parse::<KeyChoice>().is_err());
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use quartier_billing::money::Decimal;
use quartier_billing::{BillingError, Settlement, Statement};
use quartier_model::LoadedCommunity;
use quartier_share::{Allocation, Key, Leftover, MemberId, PerimeterError, Role, ShareError};
use quartier_sim::{Flows, Inputs};
use serde::{Deserialize, Serialize};

use crate::ReportError;

/// Why a scenario could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// A key name that is none of `file`, `default`, `equal`, `optimised`.
    #[error("unknown key \"{0}\" (expected file, default, equal or optimised)")]
    UnknownKey(String),
    /// The members are not within the perimeter the operation declares.
    #[error("perimeter: {0}")]
    Perimeter(#[from] PerimeterError),
    /// The allocation engine refused the community or the key.
    #[error("allocation: {0}")]
    Allocation(#[from] ShareError),
    /// Settlement failed (prices, tariff), or the optimised key could not be built.
    #[error("settlement: {0}")]
    Settlement(#[from] BillingError),
    /// The grid operator's data contradict themselves (a member's self-consumed energy above
    /// its consumption, more shared than produced at a step).
    #[error(
        "the grid operator's data are inconsistent: {0} (check the files sent; a corrected export replaces them)"
    )]
    Official(ShareError),
}

/// Which key to allocate with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChoice {
    /// The community file's own key.
    File,
    /// The default dynamic key (prorata of consumption, D315-6).
    Default,
    /// Equal static shares with redistribution.
    Equal,
    /// The per-step key that maximises the value of self-consumed energy.
    Optimised,
}

impl FromStr for KeyChoice {
    type Err = ScenarioError;

    fn from_str(s: &str) -> Result<KeyChoice, ScenarioError> {
        Ok(match s {
            "file" => KeyChoice::File,
            "default" => KeyChoice::Default,
            "equal" => KeyChoice::Equal,
            "optimised" | "optimized" => KeyChoice::Optimised,
            other => return Err(ScenarioError::UnknownKey(other.to_string())),
        })
    }
}

/// The key `choice` names for `loaded`.
pub fn key_of(loaded: &LoadedCommunity, choice: KeyChoice) -> Result<Key, ScenarioError> {
    Ok(match choice {
        KeyChoice::File => loaded.key.clone(),
        KeyChoice::Default => Key::Default,
        KeyChoice::Equal => {
            let consumers = loaded.community.consumers();
            let n = consumers.len().max(1) as f64;
            Key::Static {
                coefficients: consumers.iter().map(|c| (c.clone(), 1.0 / n)).collect(),
                leftover: Leftover::Redistribute,
            }
        }
        KeyChoice::Optimised => {
            quartier_billing::optimised_key(&loaded.community, &loaded.billing.prices)?
        }
    })
}

/// Checks the members against the perimeter rules the operation declares (distance, PV cap,
/// the public-body derogation's categories and communes); says which rule applied.
pub fn check_perimeter(
    loaded: &LoadedCommunity,
) -> Result<quartier_share::PerimeterReport, ScenarioError> {
    Ok(quartier_share::check_perimeter(
        loaded.community.members(),
        &loaded.perimeter,
    )?)
}

/// One allocation, settled, with every member's comparison statements.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The allocation.
    pub allocation: Allocation,
    /// Its monthly settlement.
    pub settlement: Settlement,
    /// Every member's comparison statement for every month.
    pub statements: Vec<Statement>,
}

/// Allocates and settles `loaded` with `key`, and builds the statements.
pub fn scenario(loaded: &LoadedCommunity, key: &Key) -> Result<Scenario, ScenarioError> {
    let allocation = quartier_share::allocate(&loaded.community, key)?;
    let settlement = quartier_billing::settle(&loaded.community, &allocation, &loaded.billing)?;
    let statements = quartier_billing::statements(&settlement, &loaded.billing, &loaded.members);
    Ok(Scenario {
        allocation,
        settlement,
        statements,
    })
}

/// Like [`scenario`], except that where the grid operator sent curves (its official data), the
/// settlement uses them, not Quartier's own allocation: each member's consumption, production
/// and self-consumed energy at the steps the operator covers. Returns the scenario and the
/// months that were settled on the operator's self-consumed energy (statements and invoices of
/// those months say so). The API's monthly totals cannot be settled step by step: they serve
/// `quartier share reconcile` only.
pub fn official_scenario(
    loaded: &LoadedCommunity,
    key: &Key,
    official: &quartier_timeseries::AccOfficial,
) -> Result<(Scenario, Vec<quartier_billing::Month>), ScenarioError> {
    use quartier_timeseries::AccQuantity;
    let base = quartier_share::allocate(&loaded.community, key)?;
    let community = &loaded.community;
    let axis = *community.axis();
    let (nc, np) = (community.consumers().len(), community.producers().len());
    let mut consumption = community.consumption_kwh().to_vec();
    let mut production = community.production_kwh().to_vec();
    let mut allocated = base.allocated_matrix_kwh().to_vec();
    let mut months: Vec<quartier_billing::Month> = Vec::new();
    for c in &official.curves {
        let values = quartier_billing::reconcile::curve_on_axis(&c.series, &axis);
        let ci = community
            .consumers()
            .iter()
            .position(|m| m.as_str() == c.prm);
        let pi = community
            .producers()
            .iter()
            .position(|m| m.as_str() == c.prm);
        let (target, width, col) = match (c.quantity, ci, pi) {
            (AccQuantity::Consumption, Some(i), _) => (&mut consumption, nc, i),
            (AccQuantity::SelfConsumed, Some(i), _) => (&mut allocated, nc, i),
            (AccQuantity::Production, _, Some(p)) => (&mut production, np, p),
            _ => continue,
        };
        for (t, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            if let Some(slot) = target.get_mut(t * width + col) {
                *slot = *v;
            }
            if c.quantity == AccQuantity::SelfConsumed {
                let m = quartier_billing::Month::of(axis.time(t));
                if !months.contains(&m) {
                    months.push(m);
                }
            }
        }
    }
    months.sort();
    let measured = community
        .with_curves(consumption, production)
        .map_err(ScenarioError::Official)?;
    // The operator's values are whole watt-hours: 1 Wh of slack.
    let allocation = quartier_share::allocation_from(&measured, allocated, 0.001)
        .map_err(ScenarioError::Official)?;
    let mut billing = loaded.billing.clone();
    billing.official_months = months.clone();
    let settlement = quartier_billing::settle(&measured, &allocation, &billing)?;
    let statements = quartier_billing::statements(&settlement, &billing, &loaded.members);
    Ok((
        Scenario {
            allocation,
            settlement,
            statements,
        },
        months,
    ))
}

/// Writes `allocation.csv`, `coefficients.csv`, `settlement.csv` and `statements/` of scenario
/// `s` of operation `operation` into `dir` atomically (see [`crate::write_share_outputs`]).
pub fn write_outputs(dir: &Path, operation: &str, s: &Scenario) -> Result<PathBuf, ReportError> {
    write_outputs_with(dir, operation, s, &crate::ShareOutputs::default())
}

/// [`write_outputs`], as `how` says (which statements, progress).
pub fn write_outputs_with(
    dir: &Path,
    operation: &str,
    s: &Scenario,
    how: &crate::ShareOutputs<'_>,
) -> Result<PathBuf, ReportError> {
    let coefficients = quartier_share::coefficient_file(&s.allocation);
    crate::write_share_outputs_with(
        dir,
        operation,
        &s.allocation,
        &coefficients,
        &s.settlement,
        &s.statements,
        how,
    )
}

/// Community totals over the whole period.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Consumers' consumption, kWh.
    pub consumption_kwh: f64,
    /// Energy allocated to consumers (self-consumed collectively), kWh.
    pub self_consumed_kwh: f64,
    /// Consumers' complement, bought from their suppliers, kWh.
    pub complement_kwh: f64,
    /// Producers' production, kWh.
    pub production_kwh: f64,
    /// Producers' surplus (not allocated), kWh.
    pub surplus_kwh: f64,
    /// Self-consumed energy over production (0 when nothing was produced).
    pub self_consumption_rate: f64,
    /// Self-consumed energy over consumption (0 when nothing was consumed).
    pub self_sufficiency_rate: f64,
    /// Consumers' months with the operation (their statements), EUR excluding VAT.
    pub consumer_bills_eur: Decimal,
    /// The same consumption billed without the operation, EUR excluding VAT.
    pub consumer_bills_without_operation_eur: Decimal,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// The community totals of a scenario.
pub fn totals(s: &Scenario) -> Totals {
    let mut t = Totals::default();
    for m in s.settlement.consumer_months.iter().flatten() {
        t.consumption_kwh += m.consumption_kwh;
        t.self_consumed_kwh += m.self_consumed_kwh;
        t.complement_kwh += m.complement_kwh;
    }
    for m in s.settlement.producer_months.iter().flatten() {
        t.production_kwh += m.production_kwh;
        t.surplus_kwh += m.surplus_kwh;
    }
    for c in s.statements.iter().filter_map(|b| b.comparison.as_ref()) {
        t.consumer_bills_eur += c.with_operation_eur;
        t.consumer_bills_without_operation_eur += c.without_operation_eur;
    }
    t.self_consumption_rate = ratio(t.self_consumed_kwh, t.production_kwh);
    t.self_sufficiency_rate = ratio(t.self_consumed_kwh, t.consumption_kwh);
    t
}

/// One member over the whole period.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MemberTotals {
    /// Energy allocated to the member, kWh.
    pub self_consumed_kwh: f64,
    /// Sum of the member's statements with the operation, EUR excluding VAT.
    pub bills_eur: Decimal,
    /// What the operation saves the member (without minus with), EUR excluding VAT.
    pub saving_eur: Decimal,
}

/// Member `id`'s totals in a scenario (zeros for a member it does not have).
pub fn member_totals(s: &Scenario, id: &MemberId) -> MemberTotals {
    let mut out = MemberTotals::default();
    for b in s.statements.iter().filter(|b| &b.member == id) {
        out.self_consumed_kwh += b.self_consumed_kwh;
        out.bills_eur += b.total_eur();
        if let Some(c) = &b.comparison {
            out.saving_eur += c.without_operation_eur - c.with_operation_eur;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The wire form of a scenario.

/// What `kind` says in a [`CommunityRun`].
pub const RUN_KIND: &str = "allocation";

/// A scenario as stored and served (JSON): community totals and monthly sums, and every
/// member's months with a link to each bill. [`CommunityRun::for_member`] keeps one member's
/// rows only, without anything about the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityRun {
    /// Always [`RUN_KIND`], to tell these runs from simulation runs.
    pub kind: String,
    /// Operation name.
    pub operation: String,
    /// Local months (Europe/Paris), `YYYY-MM`, in order.
    pub months: Vec<String>,
    /// Community totals (absent in one member's view).
    pub totals: Option<Totals>,
    /// Community sums per month (empty in one member's view).
    pub monthly: Vec<MonthTotals>,
    /// Members in the community file's order.
    pub members: Vec<MemberRun>,
    /// The rules in force: key, prices, TURPE option, tariff grid (absent from runs stored
    /// before it was recorded, and in one member's view).
    #[serde(default)]
    pub rules: Option<Rules>,
}

/// The rules an allocation was made with, as the organiser reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// The key's kind: `default`, `static`, `priority`, `custom` or `periods`.
    pub key: String,
    /// Periods of validity of the key (1 unless `periods`).
    pub key_periods: usize,
    /// The default local price, EUR/kWh outside every time-of-use period.
    pub local_eur_per_kwh: Decimal,
    /// The default supplier price, EUR/kWh (energy only).
    pub supplier_eur_per_kwh: Decimal,
    /// The surplus price, EUR/kWh.
    pub surplus_eur_per_kwh: Decimal,
    /// `acc` (the TURPE option for collective self-consumption) or `standard`.
    pub turpe_option: String,
    /// The regulated tariff grid in force on the first day of the last month (its English
    /// name).
    pub tariff_grid: String,
    /// Its French name.
    #[serde(default)]
    pub tariff_grid_fr: String,
    /// That day, `YYYY-MM-DD`.
    pub tariff_grid_from: String,
    /// Members excluded for spans of missing data, or counted as zero: (member, from, until,
    /// excluded), instants in RFC 3339.
    pub data_gaps: Vec<(String, String, String, bool)>,
}

/// The community's sums in one month.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct MonthTotals {
    /// Index into [`CommunityRun::months`].
    pub month: usize,
    /// Consumers' consumption, kWh.
    pub consumption_kwh: f64,
    /// Energy allocated to consumers, kWh.
    pub allocated_kwh: f64,
    /// Consumers' complement, kWh.
    pub complement_kwh: f64,
    /// Production, kWh.
    pub production_kwh: f64,
    /// Surplus, kWh.
    pub surplus_kwh: f64,
}

/// One member and its months.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MemberRun {
    /// Member id (the PRM for a delivery point).
    pub id: String,
    /// Display name.
    pub name: String,
    /// `consumer`, `producer` or `storage`.
    pub role: String,
    /// One entry per month of [`CommunityRun::months`].
    pub months: Vec<MemberMonth>,
    /// First day of membership (local), `YYYY-MM-DD`; absent: from the start.
    #[serde(default)]
    pub member_from: Option<String>,
    /// Last day of membership (local), `YYYY-MM-DD`; absent: still a member.
    #[serde(default)]
    pub member_until: Option<String>,
    /// Category for the perimeter rules (`private`, `commune`, `epci`, …).
    #[serde(default)]
    pub category: String,
    /// INSEE code of the delivery point's commune.
    #[serde(default)]
    pub commune: Option<String>,
    /// Its own local price (a producer's), EUR/kWh outside every period.
    #[serde(default)]
    pub local_eur_per_kwh: Option<Decimal>,
    /// Its own supplier price (a consumer's), EUR/kWh.
    #[serde(default)]
    pub supplier_eur_per_kwh: Option<Decimal>,
}

/// One member's month: the consumer side, the producer side (storage has both), the bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// As a consumer.
    pub consumer: Option<ConsumerFigures>,
    /// As a producer.
    pub producer: Option<ProducerFigures>,
    /// The statement's total with the operation, EUR excluding VAT (negative: a producer's
    /// credit). Money is written as a decimal string in JSON ("12.34"); runs stored when it
    /// was a number read as well.
    pub bill_eur: Decimal,
    /// The same consumption without the operation, EUR excluding VAT (consumers).
    pub bill_without_operation_eur: Option<Decimal>,
    /// The statement's file name (`<id>_<YYYY-MM>.html`, see
    /// [`crate::statement_file_name`]).
    pub bill_file: String,
}

/// A consumer's month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConsumerFigures {
    /// Consumption, kWh.
    pub consumption_kwh: f64,
    /// Allocated (self-consumed) energy, kWh.
    pub allocated_kwh: f64,
    /// Complement bought from the supplier, kWh.
    pub complement_kwh: f64,
    /// Allocated over consumption.
    pub coverage_rate: f64,
    /// Cost of the allocated energy at the local price(s), EUR excluding VAT.
    pub local_cost_eur: Decimal,
}

/// A producer's month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProducerFigures {
    /// Production, kWh.
    pub production_kwh: f64,
    /// Part allocated to consumers, kWh.
    pub self_consumed_kwh: f64,
    /// Surplus, kWh.
    pub surplus_kwh: f64,
    /// Allocated over production.
    pub self_consumption_rate: f64,
    /// Revenue of the allocated part at the local price(s), EUR excluding VAT.
    pub revenue_eur: Decimal,
    /// Revenue of the surplus at the surplus price, EUR (absent from runs stored before it
    /// was recorded: read as 0).
    #[serde(default)]
    pub surplus_revenue_eur: Decimal,
}

impl ProducerFigures {
    /// What the producer earns this month: the energy sold to the participants and the surplus
    /// (the credits of its statement), EUR excluding VAT.
    pub fn earnings_eur(&self) -> Decimal {
        self.revenue_eur + self.surplus_revenue_eur
    }
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Consumer => "consumer",
        Role::Producer => "producer",
        Role::Storage => "storage",
    }
}

/// The rules `loaded` was settled with (`st`: its settlement, for the last month).
fn rules(loaded: &LoadedCommunity, st: &Settlement) -> Rules {
    let b = &loaded.billing;
    let day = st
        .months
        .last()
        .map_or_else(|| chrono::Utc::now().date_naive(), |m| m.first_day());
    let (grid, _) = b.tariffs.in_force(day);
    let periods = match &loaded.key {
        Key::Periods(p) => p.len(),
        _ => 1,
    };
    Rules {
        key: match &loaded.key {
            Key::Default => "default",
            Key::Static { .. } => "static",
            Key::Priority { .. } => "priority",
            Key::Custom(_) => "custom",
            Key::Periods(_) => "periods",
        }
        .to_string(),
        key_periods: periods,
        local_eur_per_kwh: b.prices.default_local.base_eur_per_kwh,
        supplier_eur_per_kwh: b.prices.default_supplier_eur_per_kwh,
        surplus_eur_per_kwh: b.prices.surplus_eur_per_kwh,
        turpe_option: match b.turpe {
            quartier_billing::TurpeChoice::Acc => "acc",
            quartier_billing::TurpeChoice::Standard => "standard",
        }
        .to_string(),
        tariff_grid: grid.name.clone(),
        tariff_grid_fr: grid.name_fr.clone(),
        tariff_grid_from: grid.effective_from.to_string(),
        data_gaps: b
            .data_gaps
            .iter()
            .map(|g| {
                (
                    g.member.as_str().to_string(),
                    g.from.to_rfc3339(),
                    g.until.to_rfc3339(),
                    g.excluded,
                )
            })
            .collect(),
    }
}

impl CommunityRun {
    /// The wire form of scenario `s` of `loaded`.
    pub fn new(loaded: &LoadedCommunity, s: &Scenario) -> CommunityRun {
        let st = &s.settlement;
        let months: Vec<String> = st.months.iter().map(|m| m.to_string()).collect();
        let mut monthly: Vec<MonthTotals> = (0..months.len())
            .map(|month| MonthTotals {
                month,
                ..MonthTotals::default()
            })
            .collect();
        let bills: BTreeMap<(&str, usize), &Statement> = s
            .statements
            .iter()
            .filter_map(|b| {
                let m = st.months.iter().position(|x| *x == b.month)?;
                Some(((b.member.as_str(), m), b))
            })
            .collect();
        let mut members = Vec::with_capacity(loaded.members.len());
        for (id, name, role) in &loaded.members {
            let mut rows = Vec::with_capacity(months.len());
            for (m, month) in months.iter().enumerate() {
                let consumer = st.consumer(id, m).map(|c| ConsumerFigures {
                    consumption_kwh: c.consumption_kwh,
                    allocated_kwh: c.self_consumed_kwh,
                    complement_kwh: c.complement_kwh,
                    coverage_rate: ratio(c.self_consumed_kwh, c.consumption_kwh),
                    local_cost_eur: c.local_cost_eur(),
                });
                let producer = st.producer(id, m).map(|p| ProducerFigures {
                    production_kwh: p.production_kwh,
                    self_consumed_kwh: p.self_consumed_kwh,
                    surplus_kwh: p.surplus_kwh,
                    self_consumption_rate: ratio(p.self_consumed_kwh, p.production_kwh),
                    revenue_eur: p.revenue_eur,
                    surplus_revenue_eur: p.surplus_revenue_eur,
                });
                if let Some(sum) = monthly.get_mut(m) {
                    if let Some(c) = &consumer {
                        sum.consumption_kwh += c.consumption_kwh;
                        sum.allocated_kwh += c.allocated_kwh;
                        sum.complement_kwh += c.complement_kwh;
                    }
                    if let Some(p) = &producer {
                        sum.production_kwh += p.production_kwh;
                        sum.surplus_kwh += p.surplus_kwh;
                    }
                }
                let bill = bills.get(&(id.as_str(), m));
                rows.push(MemberMonth {
                    month: month.clone(),
                    consumer,
                    producer,
                    bill_eur: bill.map_or(Decimal::ZERO, |b| b.total_eur()),
                    bill_without_operation_eur: bill
                        .and_then(|b| b.comparison.as_ref())
                        .map(|c| c.without_operation_eur),
                    bill_file: bill
                        .map(|b| crate::statement_file_name(b))
                        .unwrap_or_default(),
                });
            }
            let member = loaded.community.member(id);
            let local_day = |t: DateTime<Utc>| {
                t.with_timezone(&chrono_tz::Europe::Paris)
                    .date_naive()
                    .to_string()
            };
            let prices = &loaded.billing.prices;
            members.push(MemberRun {
                id: id.as_str().to_string(),
                name: name.clone(),
                role: role_name(*role).to_string(),
                months: rows,
                member_from: member.and_then(|m| m.membership.from).map(local_day),
                // The membership ends at the first instant after its last day.
                member_until: member
                    .and_then(|m| m.membership.until)
                    .map(|t| local_day(t - chrono::Duration::seconds(1))),
                category: member.map_or_else(String::new, |m| {
                    quartier_share::Category::ALL
                        .iter()
                        .find(|(c, _)| *c == m.category)
                        .map_or("", |(_, n)| *n)
                        .to_string()
                }),
                commune: member.and_then(|m| m.commune.clone()),
                local_eur_per_kwh: prices
                    .local
                    .iter()
                    .find(|(m, _)| m == id)
                    .map(|(_, p)| p.base_eur_per_kwh),
                supplier_eur_per_kwh: prices
                    .supplier
                    .iter()
                    .find(|(m, _)| m == id)
                    .map(|(_, p)| *p),
            });
        }
        CommunityRun {
            kind: RUN_KIND.to_string(),
            operation: loaded.name.clone(),
            rules: Some(rules(loaded, st)),
            months,
            totals: Some(totals(s)),
            monthly,
            members,
        }
    }

    /// The JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Reads the JSON text back.
    pub fn from_json(text: &str) -> Result<CommunityRun, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Member `id`'s view: its own rows only (none when it is not a member), no community
    /// totals or monthly sums (with few members they would reveal the others' figures).
    pub fn for_member(&self, id: &str) -> CommunityRun {
        CommunityRun {
            kind: self.kind.clone(),
            operation: self.operation.clone(),
            months: self.months.clone(),
            totals: None,
            monthly: Vec::new(),
            rules: None,
            members: self
                .members
                .iter()
                .filter(|m| m.id == id)
                .cloned()
                .collect(),
        }
    }

    /// Member `id`'s month `month` (`YYYY-MM`), if the run has it.
    pub fn member_month(&self, id: &str, month: &str) -> Option<&MemberMonth> {
        self.members
            .iter()
            .find(|m| m.id == id)?
            .months
            .iter()
            .find(|m| m.month == month)
    }
}

// ---------------------------------------------------------------------------------------------
// Member curves of a simulated district.

/// Meter curves of the members of a simulated district, on the simulation's axis.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberCurves {
    /// Step starts (UTC).
    pub times: Vec<DateTime<Utc>>,
    /// `(member id, kWh per step)`: consumers under their participant id, then PV systems
    /// under their name.
    pub curves: Vec<(String, Vec<f64>)>,
}

/// What each participant's meter would record in a simulation: a consumer withdraws its
/// loads, EV charging and fleets minus its own PV used behind the meter; a PV system with an
/// owner injects what its owner does not use (split between the owner's systems in proportion
/// to their output, after curtailment). Components without a participant are left out, and
/// so are batteries (their dispatch serves the whole district, not one meter).
pub fn member_curves(inputs: &Inputs<'_>, flows: &Flows) -> MemberCurves {
    let n = inputs.axis.len();
    let mut load: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut add = |who: &Option<String>, v: &[f64]| {
        if let Some(p) = who {
            let e = load.entry(p.clone()).or_insert_with(|| vec![0.0; n]);
            e.iter_mut().zip(v).for_each(|(a, b)| *a += b);
        }
    };
    for (l, v) in inputs.loads.iter().zip(&inputs.loads_kwh) {
        add(&l.participant, v);
    }
    for (e, f) in inputs.ev_chargers.iter().zip(&flows.ev_sites) {
        add(&e.participant, &f.charge_kwh);
    }
    for (e, f) in inputs.fleets.iter().zip(&flows.fleets) {
        add(&e.participant, &f.charge_kwh);
    }
    // PV available after curtailment, per system.
    let pv: Vec<(String, Option<String>, Vec<f64>)> = inputs
        .pv_systems
        .iter()
        .zip(&flows.pv)
        .map(|(s, f)| {
            let v = f
                .pv_kwh
                .iter()
                .zip(&f.curtailed_kwh)
                .map(|(a, c)| (a - c).max(0.0))
                .collect();
            (s.name.clone(), s.participant.clone(), v)
        })
        .collect();
    let mut injected: Vec<Vec<f64>> = pv.iter().map(|_| vec![0.0; n]).collect();
    for t in 0..n {
        let mut own: BTreeMap<&str, f64> = BTreeMap::new();
        for (_, who, v) in &pv {
            if let Some(w) = who {
                *own.entry(w.as_str()).or_default() += v.get(t).copied().unwrap_or(0.0);
            }
        }
        for (k, (_, who, v)) in pv.iter().enumerate() {
            let p = v.get(t).copied().unwrap_or(0.0);
            let Some(w) = who else { continue };
            let total = own.get(w.as_str()).copied().unwrap_or(0.0);
            let l = load.get(w).and_then(|x| x.get(t)).copied().unwrap_or(0.0);
            let export = (total - l).max(0.0);
            if let Some(slot) = injected.get_mut(k).and_then(|x| x.get_mut(t)) {
                *slot = if total > 0.0 { export * p / total } else { 0.0 };
            }
        }
        for (w, total) in own {
            if let Some(x) = load.get_mut(w).and_then(|x| x.get_mut(t)) {
                *x = (*x - total).max(0.0);
            }
        }
    }
    let mut curves: Vec<(String, Vec<f64>)> = load.into_iter().collect();
    curves.extend(pv.into_iter().map(|(name, _, _)| name).zip(injected));
    MemberCurves {
        times: inputs.axis.times().collect(),
        curves,
    }
}

/// One curve as CSV: `time_utc,kwh` (RFC 3339 step start, kWh per step).
pub fn member_curve_csv(times: &[DateTime<Utc>], kwh: &[f64]) -> String {
    let mut s = String::with_capacity(times.len() * 32);
    s.push_str("time_utc,kwh\n");
    for (t, x) in times.iter().zip(kwh) {
        s.push_str(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        s.push(',');
        s.push_str(&format!("{x:.6}"));
        s.push('\n');
    }
    s
}

/// Writes every curve as `dir/<id>.csv` (see [`member_curve_csv`]); returns the paths.
pub fn write_member_curves(dir: &Path, c: &MemberCurves) -> Result<Vec<PathBuf>, ReportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut out = Vec::with_capacity(c.curves.len());
    for (id, v) in &c.curves {
        let p = dir.join(format!("{id}.csv"));
        std::fs::write(&p, member_curve_csv(&c.times, v)).map_err(io(&p))?;
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> CommunityRun {
        let month = |m: &str, c: Option<f64>, p: Option<f64>| MemberMonth {
            month: m.into(),
            consumer: c.map(|x| ConsumerFigures {
                consumption_kwh: x,
                allocated_kwh: x / 2.0,
                complement_kwh: x / 2.0,
                coverage_rate: 0.5,
                local_cost_eur: Decimal::ONE,
            }),
            producer: p.map(|x| ProducerFigures {
                production_kwh: x,
                self_consumed_kwh: x,
                surplus_kwh: 0.0,
                self_consumption_rate: 1.0,
                revenue_eur: Decimal::TWO,
                surplus_revenue_eur: Decimal::ZERO,
            }),
            bill_eur: Decimal::new(312, 2),
            bill_without_operation_eur: None,
            bill_file: String::new(),
        };
        CommunityRun {
            kind: RUN_KIND.into(),
            operation: "op".into(),
            months: vec!["2025-06".into()],
            totals: Some(Totals::default()),
            monthly: vec![MonthTotals::default()],
            rules: None,
            members: vec![
                MemberRun {
                    id: "a".into(),
                    name: "A".into(),
                    role: "consumer".into(),
                    months: vec![month("2025-06", Some(10.0), None)],
                    ..MemberRun::default()
                },
                MemberRun {
                    id: "b".into(),
                    name: "B".into(),
                    role: "consumer".into(),
                    months: vec![month("2025-06", Some(20.0), None)],
                    ..MemberRun::default()
                },
                MemberRun {
                    id: "pv".into(),
                    name: "PV".into(),
                    role: "producer".into(),
                    months: vec![month("2025-06", None, Some(15.0))],
                    ..MemberRun::default()
                },
            ],
        }
    }

    #[test]
    fn a_member_view_holds_only_that_member() {
        let r = run();
        let a = r.for_member("a");
        assert_eq!(a.members.len(), 1);
        assert_eq!(a.members[0].id, "a");
        assert!(a.totals.is_none() && a.monthly.is_empty());
        assert!(r.for_member("nobody").members.is_empty());
        assert!(a.member_month("a", "2025-06").is_some());
        assert!(a.member_month("b", "2025-06").is_none());
    }

    #[test]
    fn json_round_trips() {
        let r = run();
        let json = r.to_json();
        // Money travels as decimal text, never through a float.
        assert!(json.contains("\"bill_eur\":\"3.12\""), "{json}");
        assert_eq!(CommunityRun::from_json(&json).unwrap(), r);
    }

    #[test]
    fn runs_stored_with_numbers_still_read() {
        let json = run()
            .to_json()
            .replace("\"3.12\"", "3.12")
            .replace("\"local_cost_eur\":\"1\"", "\"local_cost_eur\":1.0");
        let back = CommunityRun::from_json(&json).unwrap();
        let m = &back.members[0].months[0];
        assert_eq!(m.bill_eur, Decimal::new(312, 2));
        assert_eq!(m.consumer.unwrap().local_cost_eur, Decimal::ONE);
    }

    #[test]
    fn curve_csv_is_utc_kwh() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2025, 6, 1, 22, 0, 0).unwrap();
        assert_eq!(
            member_curve_csv(&[t], &[1.5]),
            "time_utc,kwh\n2025-06-01T22:00:00Z,1.500000\n"
        );
    }

    #[test]
    fn rates_are_zero_without_energy() {
        assert_eq!(ratio(1.0, 0.0), 0.0);
        assert_eq!(ratio(1.0, 4.0), 0.25);
    }
}
