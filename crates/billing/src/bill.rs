//! Bill data: one [`Bill`] per participant and month, built from a [`Settlement`], holding
//! only that participant's figures (lines with quantity, unit price and amount, totals, and the
//! comparison with the same month without the operation).
//!
//! Amounts, EUR, excluding VAT:
//! - self-consumed energy at the local price(s);
//! - complement at the consumer's supplier price (energy only);
//! - TURPE of the billed option: standard, `Σ_period consumption × rate`, or ACC,
//!   `Σ_period (self-consumed × autoproduit rate + complement × alloproduit rate)`; plus the
//!   management and metering components prorated to the hours of the month covered
//!   (`EUR/year × hours / 8760`);
//! - excise: `rate × (consumption − exempt self-consumed energy)`.
//!
//! The comparison prices the same consumption without the operation: everything at the
//! supplier price, standard TURPE, excise on everything. Producers get a statement: revenue of
//! their self-consumed production and of their surplus.

use chrono::Datelike;
use quartier_share::{MemberId, Role};

use crate::{BillingConfig, Month, Settlement, TurpeChoice};

/// Hours in a (non-leap) year, to prorate yearly components.
const HOURS_PER_YEAR: f64 = 8760.0;

/// One line of a bill.
#[derive(Debug, Clone, PartialEq)]
pub struct BillLine {
    /// Label in French.
    pub label_fr: String,
    /// Label in English.
    pub label_en: String,
    /// Quantity.
    pub quantity: f64,
    /// Unit of the quantity ("kWh", "an").
    pub unit: &'static str,
    /// Unit price, EUR per unit (an average when the price varies within the month).
    pub unit_price_eur: f64,
    /// Amount, EUR (negative: a credit to the participant).
    pub amount_eur: f64,
}

impl BillLine {
    fn new(fr: &str, en: &str, quantity: f64, unit: &'static str, amount_eur: f64) -> BillLine {
        BillLine {
            label_fr: fr.into(),
            label_en: en.into(),
            quantity,
            unit,
            unit_price_eur: if quantity.abs() > 0.0 {
                amount_eur / quantity
            } else {
                0.0
            },
            amount_eur,
        }
    }
}

/// A remark printed on a bill, in both languages of the bills.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// In French.
    pub fr: String,
    /// In English.
    pub en: String,
}

impl Note {
    fn new(fr: impl Into<String>, en: impl Into<String>) -> Note {
        Note {
            fr: fr.into(),
            en: en.into(),
        }
    }
}

/// A consumer's month with and without the operation, EUR.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Total with the operation (the bill's total for a consumer).
    pub with_operation_eur: f64,
    /// Total of the same consumption without the operation.
    pub without_operation_eur: f64,
    /// TURPE of the month in the standard option (with its fixed components).
    pub turpe_standard_eur: f64,
    /// TURPE of the month in the ACC option (with its fixed components).
    pub turpe_acc_eur: f64,
}

/// One participant's bill for one month.
#[derive(Debug, Clone, PartialEq)]
pub struct Bill {
    /// The participant.
    pub member: MemberId,
    /// Its display name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The local month.
    pub month: Month,
    /// Consumption, self-consumed energy and complement, kWh (consumers and storage).
    pub consumption_kwh: f64,
    /// Self-consumed energy, kWh.
    pub self_consumed_kwh: f64,
    /// Complement, kWh.
    pub complement_kwh: f64,
    /// Production, kWh (producers and storage).
    pub production_kwh: f64,
    /// Production allocated to consumers, kWh.
    pub production_self_consumed_kwh: f64,
    /// Surplus, kWh.
    pub surplus_kwh: f64,
    /// Lines.
    pub lines: Vec<BillLine>,
    /// Σ amounts, EUR (negative: the participant is owed money).
    pub total_eur: f64,
    /// With/without the operation (consumers and storage).
    pub comparison: Option<Comparison>,
    /// Remarks printed on the bill (unverified tariff values, option in force).
    pub notes: Vec<Note>,
}

/// Builds the bill of every member listed in `members` (id, display name, role) for every
/// month of the settlement; each bill holds only that member's figures.
pub fn bills(
    settlement: &Settlement,
    config: &BillingConfig,
    members: &[(MemberId, String, Role)],
) -> Vec<Bill> {
    let t = &config.tariff;
    let mut out = Vec::new();
    let mut notes = vec![Note::new(format!("{}.", t.name_fr), format!("{}.", t.name))];
    if t.has_unverified() {
        notes.push(Note::new(
            "Certaines valeurs du TURPE option ACC n'ont pas pu être vérifiées (voir le fichier de tarifs).",
            "Some ACC-option TURPE values could not be verified (see the tariff file).",
        ));
    }
    for (id, name, role) in members {
        for (m, month) in settlement.months.iter().enumerate() {
            let mut bill = Bill {
                member: id.clone(),
                name: name.clone(),
                role: *role,
                month: *month,
                consumption_kwh: 0.0,
                self_consumed_kwh: 0.0,
                complement_kwh: 0.0,
                production_kwh: 0.0,
                production_self_consumed_kwh: 0.0,
                surplus_kwh: 0.0,
                lines: Vec::new(),
                total_eur: 0.0,
                comparison: None,
                notes: notes.clone(),
            };
            // A month that ends before the tariff's first day is billed with it all the same
            // (the tariff file holds one grid): say so on the bill.
            let (y, mo) = (month.year, month.month);
            let next = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
            if (next.0, next.1, 1) <= (t.effective_from.year(), t.effective_from.month(), 1) {
                bill.notes.push(Note::new(
                    format!(
                        "Grille en vigueur à partir du {d}, appliquée à ce mois faute de grille \
                         antérieure dans le fichier de tarifs.",
                        d = t.effective_from
                    ),
                    format!(
                        "Tariff in force from {d}, applied to this month for lack of an earlier \
                         grid in the tariff file.",
                        d = t.effective_from
                    ),
                ));
            }
            if let Some(c) = settlement.consumer(id, m) {
                let supplier = config.prices.supplier_of(id);
                bill.consumption_kwh = c.consumption_kwh;
                bill.self_consumed_kwh = c.self_consumed_kwh;
                bill.complement_kwh = c.complement_kwh;
                let year_share = c.hours / HOURS_PER_YEAR;
                let consumption_by_period: [f64; 4] = std::array::from_fn(|k| {
                    c.self_consumed_by_period_kwh.get(k).copied().unwrap_or(0.0)
                        + c.complement_by_period_kwh.get(k).copied().unwrap_or(0.0)
                });
                let metering = t.metering_eur_per_year.value * year_share;
                let std_fixed = t.standard_management_eur_per_year.value * year_share + metering;
                let acc_fixed = t.acc_management_eur_per_year.value * year_share + metering;
                let std_energy = t.standard_energy.cost_eur(&consumption_by_period);
                let acc_self = t.acc_self_consumed.cost_eur(&c.self_consumed_by_period_kwh);
                let acc_comp = t.acc_complement.cost_eur(&c.complement_by_period_kwh);
                let excise_rate = t.excise_eur_per_kwh.value;
                let taxable = (c.consumption_kwh - c.excise_exempt_kwh).max(0.0);
                let l = &mut bill.lines;
                l.push(BillLine::new(
                    "Énergie autoconsommée (prix local)",
                    "Self-consumed energy (local price)",
                    c.self_consumed_kwh,
                    "kWh",
                    c.local_cost_eur,
                ));
                l.push(BillLine::new(
                    "Complément fournisseur (énergie)",
                    "Supplier complement (energy)",
                    c.complement_kwh,
                    "kWh",
                    c.complement_kwh * supplier,
                ));
                match config.turpe {
                    TurpeChoice::Acc => {
                        l.push(BillLine::new(
                            "TURPE option ACC, énergie autoproduite",
                            "Network tariff, ACC option, self-consumed energy",
                            c.self_consumed_kwh,
                            "kWh",
                            acc_self,
                        ));
                        l.push(BillLine::new(
                            "TURPE option ACC, énergie alloproduite",
                            "Network tariff, ACC option, complement energy",
                            c.complement_kwh,
                            "kWh",
                            acc_comp,
                        ));
                        l.push(BillLine::new(
                            "TURPE, gestion (option ACC) et comptage",
                            "Network tariff, management (ACC option) and metering",
                            year_share,
                            "an",
                            acc_fixed,
                        ));
                    }
                    TurpeChoice::Standard => {
                        l.push(BillLine::new(
                            "TURPE, soutirage (option standard)",
                            "Network tariff, withdrawal (standard option)",
                            c.consumption_kwh,
                            "kWh",
                            std_energy,
                        ));
                        l.push(BillLine::new(
                            "TURPE, gestion et comptage",
                            "Network tariff, management and metering",
                            year_share,
                            "an",
                            std_fixed,
                        ));
                    }
                }
                l.push(BillLine::new(
                    "Accise sur l'électricité",
                    "Excise on electricity",
                    taxable,
                    "kWh",
                    taxable * excise_rate,
                ));
                if c.excise_exempt_kwh > 0.0 {
                    let mut line = BillLine::new(
                        "Accise, autoconsommation exonérée (< 1 MW)",
                        "Excise, exempt self-consumption (< 1 MW)",
                        c.excise_exempt_kwh,
                        "kWh",
                        0.0,
                    );
                    line.unit_price_eur = 0.0;
                    l.push(line);
                }
                let with_operation: f64 = l.iter().map(|x| x.amount_eur).sum();
                let without = c.consumption_kwh * supplier
                    + std_energy
                    + std_fixed
                    + c.consumption_kwh * excise_rate;
                bill.comparison = Some(Comparison {
                    with_operation_eur: with_operation,
                    without_operation_eur: without,
                    turpe_standard_eur: std_energy + std_fixed,
                    turpe_acc_eur: acc_self + acc_comp + acc_fixed,
                });
            }
            if let Some(p) = settlement.producer(id, m) {
                bill.production_kwh = p.production_kwh;
                bill.production_self_consumed_kwh = p.self_consumed_kwh;
                bill.surplus_kwh = p.surplus_kwh;
                bill.lines.push(BillLine::new(
                    "Énergie vendue aux participants (crédit)",
                    "Energy sold to participants (credit)",
                    p.self_consumed_kwh,
                    "kWh",
                    -p.revenue_eur,
                ));
                bill.lines.push(BillLine::new(
                    "Surplus injecté (crédit)",
                    "Surplus fed into the grid (credit)",
                    p.surplus_kwh,
                    "kWh",
                    -p.surplus_kwh * config.prices.surplus_eur_per_kwh,
                ));
            }
            bill.total_eur = bill.lines.iter().map(|x| x.amount_eur).sum();
            out.push(bill);
        }
    }
    out
}
