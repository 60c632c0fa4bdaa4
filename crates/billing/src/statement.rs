//! The comparison statement (*relevé comparatif*): one per participant and month, built from a
//! [`Settlement`], holding only that participant's figures. It is **not an invoice**: it
//! shows what the month costs with the operation (the local energy as invoiced, the supplier's
//! complement, the network tariff of the billed option, CTA, excise, VAT) and what the same
//! consumption would cost without it (everything from the supplier, standard TURPE), so that
//! the participant sees what the operation saves. Producers get the statement of what they
//! sold and what their surplus earned.
//!
//! Every line follows the rule of [`crate::money`]: quantity (kWh to the Wh, days, or a base
//! in euros for the CTA) × unit price, rounded half-up to the cent; VAT per line at the rate
//! of the grid in force (energy or fixed components); totals are sums of rounded lines.
//!
//! Lines of a consumer, with the operation:
//! - local energy, one line per producer and local price period, at the local price;
//! - complement at the consumer's supplier price (energy only);
//! - TURPE of the billed option, one line per time-of-use period with energy: standard,
//!   consumption × rate; ACC, self-consumed × *autoproduit* rate and complement ×
//!   *alloproduit* rate; then the management and metering components prorated by day
//!   (`EUR/year ÷ days of the year`, to 6 decimals, × days covered);
//! - CTA: its rate × the fixed components of the month;
//! - excise: `rate × (consumption − exempt self-consumed energy)`.
//!
//! Without the operation: consumption at the supplier price, standard TURPE, its fixed
//! components, CTA and excise on everything. The TURPE power component (€/kVA/year) is the
//! same in both and is not modelled; the statement says so.

use quartier_share::{MemberId, Role};
use rust_decimal::Decimal;

use crate::money::{cents, kwh, line_amount, percent_of};
use crate::tariff::{Period, PeriodRates, TariffTable};
use crate::{BillingConfig, ConsumerMonth, Month, Settlement, TurpeChoice};

/// The unit of a line's quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Energy, kWh.
    Kwh,
    /// Days of the month (fixed components prorated by day).
    Day,
    /// A base in euros (the CTA is a percentage of the fixed components).
    Eur,
}

/// One line of a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Label in French.
    pub label_fr: String,
    /// Label in English.
    pub label_en: String,
    /// Quantity, in `unit`.
    pub quantity: Decimal,
    /// Unit of the quantity.
    pub unit: Unit,
    /// Unit price, EUR per unit (`None` for a sum of lines, as a producer's sales).
    pub unit_price_eur: Option<Decimal>,
    /// Amount excluding VAT, EUR (negative: a credit to the participant).
    pub amount_eur: Decimal,
    /// VAT rate, percent (`None`: no VAT on this statement line).
    pub vat_percent: Option<Decimal>,
    /// VAT of the line, EUR.
    pub vat_eur: Decimal,
}

impl Line {
    /// A priced line: `quantity × unit_price` rounded half-up to the cent, and its VAT.
    pub fn priced(
        fr: impl Into<String>,
        en: impl Into<String>,
        quantity: Decimal,
        unit: Unit,
        unit_price_eur: Decimal,
        vat_percent: Option<Decimal>,
    ) -> Line {
        let amount_eur = line_amount(quantity, unit_price_eur);
        Line {
            label_fr: fr.into(),
            label_en: en.into(),
            quantity,
            unit,
            unit_price_eur: Some(unit_price_eur),
            amount_eur,
            vat_percent,
            vat_eur: vat_percent.map_or(Decimal::ZERO, |r| percent_of(amount_eur, r)),
        }
    }
}

/// Σ amounts of `lines`, EUR excluding VAT.
pub fn total_excl_vat(lines: &[Line]) -> Decimal {
    lines.iter().map(|l| l.amount_eur).sum()
}

/// Σ VAT of `lines`, EUR.
pub fn total_vat(lines: &[Line]) -> Decimal {
    lines.iter().map(|l| l.vat_eur).sum()
}

/// A remark printed on a statement or an invoice, in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// In French.
    pub fr: String,
    /// In English.
    pub en: String,
}

impl Note {
    /// A remark.
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Note {
        Note {
            fr: fr.into(),
            en: en.into(),
        }
    }
}

/// A consumer's month with and without the operation, EUR.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Total with the operation, excluding VAT.
    pub with_operation_eur: Decimal,
    /// Total with the operation, including VAT.
    pub with_operation_incl_vat_eur: Decimal,
    /// The same consumption without the operation, excluding VAT.
    pub without_operation_eur: Decimal,
    /// The same consumption without the operation, including VAT.
    pub without_operation_incl_vat_eur: Decimal,
    /// TURPE of the month in the standard option (energy and fixed components), excl. VAT.
    pub turpe_standard_eur: Decimal,
    /// TURPE of the month in the ACC option (energy and fixed components), excl. VAT.
    pub turpe_acc_eur: Decimal,
}

impl Comparison {
    /// What the operation saves this month, including VAT (negative: it costs more).
    pub fn saving_incl_vat_eur(&self) -> Decimal {
        self.without_operation_incl_vat_eur - self.with_operation_incl_vat_eur
    }
}

/// One participant's comparison statement for one month.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The participant.
    pub member: MemberId,
    /// Its display name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The local month.
    pub month: Month,
    /// The tariff grid applied (its name in French and English).
    pub grid: (String, String),
    /// Consumption, kWh (consumers and storage).
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
    /// The month with the operation: consumer lines, then a producer's credits.
    pub lines: Vec<Line>,
    /// The same consumption without the operation (consumers and storage; empty otherwise).
    pub without_lines: Vec<Line>,
    /// With/without the operation (consumers and storage).
    pub comparison: Option<Comparison>,
    /// Remarks (grid applied, unverified tariff values, what is not modelled).
    pub notes: Vec<Note>,
}

impl Statement {
    /// Σ amounts with the operation, EUR excluding VAT (negative: the participant is owed).
    pub fn total_eur(&self) -> Decimal {
        total_excl_vat(&self.lines)
    }

    /// Σ amounts and VAT with the operation, EUR.
    pub fn total_incl_vat_eur(&self) -> Decimal {
        total_excl_vat(&self.lines) + total_vat(&self.lines)
    }
}

/// The remark on a month settled on the grid operator's data, in French.
pub(crate) const OFFICIAL_FR: &str = "Énergies établies d'après les données de répartition \
    transmises par le gestionnaire de réseau (Enedis), et non d'après le calcul de Quartier.";
/// The same, in English.
pub(crate) const OFFICIAL_EN: &str = "Energies taken from the allocation data sent by the grid \
    operator (Enedis), not from Quartier's own computation.";

/// The fixed components of one month: (French label, English label, EUR/year).
fn fixed_lines(
    components: &[(&str, &str, Decimal)],
    days: u32,
    month: Month,
    vat: Decimal,
) -> Vec<Line> {
    let days_q = Decimal::from(days);
    let per_year = Decimal::from(month.days_in_year());
    components
        .iter()
        .map(|(fr, en, eur_per_year)| {
            let per_day = (*eur_per_year / per_year).round_dp(6);
            Line::priced(*fr, *en, days_q, Unit::Day, per_day, Some(vat))
        })
        .collect()
}

/// One line per TURPE period with energy.
fn period_lines(
    fr: &str,
    en: &str,
    rates: &PeriodRates,
    kwh_by_period: &[f64; 4],
    vat: Decimal,
) -> Vec<Line> {
    Period::ALL
        .iter()
        .zip(kwh_by_period)
        .filter(|(_, e)| !kwh(**e).is_zero())
        .map(|(p, e)| {
            Line::priced(
                format!("{fr}, {}", p.code()),
                format!("{en}, {}", p.code()),
                kwh(*e),
                Unit::Kwh,
                rates.rate(*p),
                Some(vat),
            )
        })
        .collect()
}

/// The CTA line on the fixed components `fixed`.
fn cta_line(t: &TariffTable, fixed: &[Line]) -> Line {
    let base = total_excl_vat(fixed);
    Line::priced(
        "Contribution tarifaire d'acheminement (CTA)",
        "Transmission tariff contribution (CTA)",
        base,
        Unit::Eur,
        t.cta_percent.value / Decimal::ONE_HUNDRED,
        Some(t.vat_fixed_percent.value),
    )
}

/// TURPE lines (energy and fixed components) of one option for consumer month `c`.
fn turpe_lines(t: &TariffTable, c: &ConsumerMonth, month: Month, option: TurpeChoice) -> Vec<Line> {
    let vat_e = t.vat_energy_percent.value;
    let vat_f = t.vat_fixed_percent.value;
    let metering = (
        "TURPE, composante de comptage",
        "Network tariff, metering component",
        t.metering_eur_per_year.value,
    );
    match option {
        TurpeChoice::Standard => {
            let consumption: [f64; 4] = std::array::from_fn(|k| {
                c.self_consumed_by_period_kwh.get(k).copied().unwrap_or(0.0)
                    + c.complement_by_period_kwh.get(k).copied().unwrap_or(0.0)
            });
            let mut l = period_lines(
                "TURPE, soutirage",
                "Network tariff, withdrawal",
                &t.standard_energy,
                &consumption,
                vat_e,
            );
            l.extend(fixed_lines(
                &[
                    (
                        "TURPE, composante de gestion",
                        "Network tariff, management component",
                        t.standard_management_eur_per_year.value,
                    ),
                    metering,
                ],
                c.days,
                month,
                vat_f,
            ));
            l
        }
        TurpeChoice::Acc => {
            let mut l = period_lines(
                "TURPE option ACC, part autoproduite",
                "Network tariff, ACC option, self-consumed energy",
                &t.acc_self_consumed,
                &c.self_consumed_by_period_kwh,
                vat_e,
            );
            l.extend(period_lines(
                "TURPE option ACC, part alloproduite",
                "Network tariff, ACC option, complement energy",
                &t.acc_complement,
                &c.complement_by_period_kwh,
                vat_e,
            ));
            l.extend(fixed_lines(
                &[
                    (
                        "TURPE option ACC, composante de gestion",
                        "Network tariff, ACC option, management component",
                        t.acc_management_eur_per_year.value,
                    ),
                    metering,
                ],
                c.days,
                month,
                vat_f,
            ));
            l
        }
    }
}

/// The fixed lines among TURPE lines (those counted in days).
fn fixed_of(lines: &[Line]) -> Vec<Line> {
    lines
        .iter()
        .filter(|l| l.unit == Unit::Day)
        .cloned()
        .collect()
}

/// Builds the statement of every member listed in `members` (id, display name, role) for
/// every month of the settlement; each holds only that member's figures (and the names of the
/// producers it bought from).
pub fn statements(
    settlement: &Settlement,
    config: &BillingConfig,
    members: &[(MemberId, String, Role)],
) -> Vec<Statement> {
    let mut out = Vec::new();
    let name_of = |id: &MemberId| {
        members
            .iter()
            .find(|(m, _, _)| m == id)
            .map_or_else(|| id.to_string(), |(_, n, _)| n.clone())
    };
    for (id, name, role) in members {
        for (m, month) in settlement.months.iter().enumerate() {
            // Not a member this month: no statement.
            let consumer_days = settlement.consumer(id, m).and_then(|c| c.member_days);
            let producer_days = settlement.producer(id, m).and_then(|p| p.member_days);
            let Some(days) = consumer_days.or(producer_days) else {
                continue;
            };
            let (t, before_first) = config.tariffs.in_force(month.first_day());
            let mut notes = vec![Note::new(
                format!("Grille tarifaire appliquée : {}.", t.name_fr),
                format!("Tariff grid applied: {}.", t.name),
            )];
            if before_first {
                notes.push(Note::new(
                    format!(
                        "Ce mois précède la plus ancienne grille du fichier de tarifs (en vigueur \
                         à partir du {d}) : elle lui est appliquée faute de grille antérieure.",
                        d = t.effective_from
                    ),
                    format!(
                        "This month comes before the oldest grid of the tariff file (in force \
                         from {d}): it is applied for lack of an earlier grid.",
                        d = t.effective_from
                    ),
                ));
            }
            if let Some(change) = t.next_change.filter(|d| *d <= month.first_day()) {
                notes.push(Note::new(
                    format!(
                        "La grille en vigueur depuis le {change} manque au fichier de tarifs : \
                         ce mois est calculé avec la précédente."
                    ),
                    format!(
                        "The grid in force since {change} is missing from the tariff file: this \
                         month is computed with the previous one."
                    ),
                ));
            }
            if days != (month.first_day(), month.last_day()) {
                notes.push(Note::new(
                    format!(
                        "Ce relevé couvre du {} au {} : les jours du mois où le point de \
                         livraison appartient à l'opération.",
                        days.0.format("%d/%m/%Y"),
                        days.1.format("%d/%m/%Y")
                    ),
                    format!(
                        "This statement covers {} to {}: the days of the month when the delivery \
                         point belongs to the operation.",
                        days.0, days.1
                    ),
                ));
            }
            let paris = |x: chrono::DateTime<chrono::Utc>| {
                x.with_timezone(&chrono_tz::Europe::Paris)
                    .format("%d/%m/%Y %H:%M")
                    .to_string()
            };
            for g in config.data_gaps.iter().filter(|g| {
                &g.member == id
                    && g.from.with_timezone(&chrono_tz::Europe::Paris).date_naive()
                        <= month.last_day()
                    && g.until
                        .with_timezone(&chrono_tz::Europe::Paris)
                        .date_naive()
                        >= month.first_day()
            }) {
                let (fr, en) = if g.excluded {
                    (
                        "exclues : le point ne participe pas à l'opération sur cette période",
                        "excluded: the delivery point takes no part in the operation then",
                    )
                } else {
                    ("comptées à zéro", "counted as zero")
                };
                notes.push(Note::new(
                    format!(
                        "Données de comptage manquantes du {} au {} : {fr}.",
                        paris(g.from),
                        paris(g.until)
                    ),
                    format!(
                        "Meter data missing from {} to {} (Europe/Paris): {en}.",
                        g.from
                            .with_timezone(&chrono_tz::Europe::Paris)
                            .format("%Y-%m-%d %H:%M"),
                        g.until
                            .with_timezone(&chrono_tz::Europe::Paris)
                            .format("%Y-%m-%d %H:%M")
                    ),
                ));
            }
            if config.official_months.contains(month) {
                notes.push(Note::new(OFFICIAL_FR, OFFICIAL_EN));
            }
            if t.has_unverified() {
                notes.push(Note::new(
                    "Certaines valeurs de cette grille n'ont qu'une source (non vérifiées, voir le \
                     fichier de tarifs).",
                    "Some values of this grid have a single source (not verified, see the \
                     tariff file).",
                ));
            }
            let mut s = Statement {
                member: id.clone(),
                name: name.clone(),
                role: *role,
                month: *month,
                grid: (t.name_fr.clone(), t.name.clone()),
                consumption_kwh: 0.0,
                self_consumed_kwh: 0.0,
                complement_kwh: 0.0,
                production_kwh: 0.0,
                production_self_consumed_kwh: 0.0,
                surplus_kwh: 0.0,
                lines: Vec::new(),
                without_lines: Vec::new(),
                comparison: None,
                notes,
            };
            if let Some(c) = settlement.consumer(id, m) {
                let vat_e = t.vat_energy_percent.value;
                let supplier = config.prices.supplier_of(id);
                s.consumption_kwh = c.consumption_kwh;
                s.self_consumed_kwh = c.self_consumed_kwh;
                s.complement_kwh = c.complement_kwh;
                let local_vat = match config.local_energy_vat {
                    crate::VatRegime::Charged => Some(vat_e),
                    crate::VatRegime::Franchise => Some(Decimal::ZERO),
                };
                let l = &mut s.lines;
                for e in &c.local_energy {
                    let (pfr, pen) = match &e.period {
                        Some(p) => (format!(", {p}"), format!(", {p}")),
                        None => (String::new(), String::new()),
                    };
                    let producer = name_of(&e.producer);
                    l.push(Line::priced(
                        format!("Énergie locale de {producer}{pfr}"),
                        format!("Local energy from {producer}{pen}"),
                        e.quantity_kwh(),
                        Unit::Kwh,
                        e.eur_per_kwh,
                        local_vat,
                    ));
                }
                l.push(Line::priced(
                    "Complément fournisseur (énergie)",
                    "Supplier complement (energy)",
                    kwh(c.complement_kwh),
                    Unit::Kwh,
                    supplier,
                    Some(vat_e),
                ));
                let standard = turpe_lines(t, c, *month, TurpeChoice::Standard);
                let acc = turpe_lines(t, c, *month, TurpeChoice::Acc);
                let billed = match config.turpe {
                    TurpeChoice::Standard => &standard,
                    TurpeChoice::Acc => &acc,
                };
                l.extend(billed.iter().cloned());
                l.push(cta_line(t, &fixed_of(billed)));
                let excise = t.excise_eur_per_kwh.value;
                let taxable = (c.consumption_kwh - c.excise_exempt_kwh).max(0.0);
                l.push(Line::priced(
                    "Accise sur l'électricité",
                    "Excise on electricity",
                    kwh(taxable),
                    Unit::Kwh,
                    excise,
                    Some(vat_e),
                ));
                if !kwh(c.excise_exempt_kwh).is_zero() {
                    l.push(Line::priced(
                        "Accise, autoconsommation exonérée",
                        "Excise, exempt self-consumption",
                        kwh(c.excise_exempt_kwh),
                        Unit::Kwh,
                        Decimal::ZERO,
                        Some(vat_e),
                    ));
                }
                let w = &mut s.without_lines;
                w.push(Line::priced(
                    "Énergie du fournisseur",
                    "Supplier energy",
                    kwh(c.consumption_kwh),
                    Unit::Kwh,
                    supplier,
                    Some(vat_e),
                ));
                w.extend(standard.iter().cloned());
                w.push(cta_line(t, &fixed_of(&standard)));
                w.push(Line::priced(
                    "Accise sur l'électricité",
                    "Excise on electricity",
                    kwh(c.consumption_kwh),
                    Unit::Kwh,
                    excise,
                    Some(vat_e),
                ));
                s.comparison = Some(Comparison {
                    with_operation_eur: total_excl_vat(&s.lines),
                    with_operation_incl_vat_eur: total_excl_vat(&s.lines) + total_vat(&s.lines),
                    without_operation_eur: total_excl_vat(&s.without_lines),
                    without_operation_incl_vat_eur: total_excl_vat(&s.without_lines)
                        + total_vat(&s.without_lines),
                    turpe_standard_eur: total_excl_vat(&standard),
                    turpe_acc_eur: total_excl_vat(&acc),
                });
                s.notes.push(Note::new(
                    "La composante de puissance du TURPE (€/kVA/an), identique avec et sans \
                     l'opération, n'est pas comptée ; la CTA est calculée sur les composantes \
                     de gestion et de comptage.",
                    "The TURPE power component (EUR/kVA/year), the same with and without the \
                     operation, is not counted; the CTA is computed on the management and \
                     metering components.",
                ));
            }
            if let Some(p) = settlement.producer(id, m) {
                s.production_kwh = p.production_kwh;
                s.production_self_consumed_kwh = p.self_consumed_kwh;
                s.surplus_kwh = p.surplus_kwh;
                s.lines.push(Line {
                    label_fr: "Énergie vendue aux participants (somme des lignes facturées)".into(),
                    label_en: "Energy sold to participants (sum of the invoiced lines)".into(),
                    quantity: kwh(p.self_consumed_kwh),
                    unit: Unit::Kwh,
                    unit_price_eur: None,
                    amount_eur: -p.revenue_eur,
                    vat_percent: None,
                    vat_eur: Decimal::ZERO,
                });
                let mut surplus = Line::priced(
                    "Surplus injecté",
                    "Surplus fed into the grid",
                    kwh(p.surplus_kwh),
                    Unit::Kwh,
                    config.prices.surplus_eur_per_kwh,
                    None,
                );
                surplus.amount_eur = -cents(p.surplus_revenue_eur);
                s.lines.push(surplus);
            }
            out.push(s);
        }
    }
    out
}
