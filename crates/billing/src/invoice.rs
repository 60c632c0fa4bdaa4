//! Invoices for local energy: what the organiser (PMO) bills each consumer for the energy it
//! received from the operation's producers in one month.
//!
//! One invoice per consumer that received local energy in the month: one line per producer
//! and local price period (quantity to the Wh × unit price, half-up to the cent, see
//! [`crate::money`]), VAT per line at the energy rate of the grid in force (or none under the
//! franchise of art. 293 B of the CGI), totals as sums of rounded lines, and the mentions a
//! French invoice carries (Code de commerce L441-9, CGI art. 242 nonies A): a unique number in
//! a continuous sequence, issue and due dates, the period of the sale, issuer and customer,
//! payment terms, late-payment penalties and the 40 € recovery indemnity for professional
//! customers.
//!
//! **Numbers never repeat.** [`issue_invoices`] is given the [`LedgerEntry`]s of every invoice
//! already issued (the caller keeps that ledger: a file for the CLI, a table for the server).
//! A member and month already in the ledger keeps its number and issue date when its amounts
//! are unchanged (printing again gives the same invoice); when they changed, issuing is refused
//! (an issued invoice is never altered: cancel it with a credit note first). New invoices
//! continue the sequence of their prefix: `prefix` + the next number on 6 digits.

use chrono::NaiveDate;
use quartier_share::{MemberId, Role};
use rust_decimal::Decimal;

use crate::statement::{Line, Note, Unit, total_excl_vat, total_vat};
use crate::{BillingConfig, BillingError, Month, Settlement};

/// Someone who appears on an invoice: the issuer or the customer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Party {
    /// Name (a legal name for a company or a public body).
    pub name: String,
    /// Postal address, one line per element.
    pub address: Vec<String>,
    /// SIRET (or SIREN) number.
    pub siret: Option<String>,
    /// Intra-community VAT number.
    pub vat_number: Option<String>,
    /// Legal form and share capital ("SAS au capital de 10 000 €").
    pub legal_form: Option<String>,
}

/// Whether the issuer charges VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VatRegime {
    /// VAT at the energy rate of the grid in force.
    #[default]
    Charged,
    /// The franchise of art. 293 B of the CGI: no VAT, and the invoice says so.
    Franchise,
}

/// How the organiser invoices: who issues, how invoices are numbered and paid.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceConfig {
    /// The issuer (the PMO, who invoices on behalf of the producers).
    pub issuer: Party,
    /// Prefix of invoice numbers ("MLF-2025-").
    pub number_prefix: String,
    /// Days between issue and due date.
    pub payment_days: u32,
    /// VAT regime of the issuer.
    pub vat: VatRegime,
    /// Late-payment penalty rate, percent a year (`None`: three times the legal interest rate,
    /// the legal floor).
    pub late_penalty_percent: Option<Decimal>,
    /// Customers' invoicing identities (address, SIRET) by member; a member without one is
    /// invoiced under its display name and delivery point.
    pub customers: Vec<(MemberId, Party)>,
}

/// One invoice as the ledger remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The full number (`prefix` + sequence).
    pub number: String,
    /// The prefix.
    pub prefix: String,
    /// The sequence within the prefix.
    pub sequence: u64,
    /// The customer.
    pub member: MemberId,
    /// The month invoiced.
    pub month: Month,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Total excluding VAT, EUR.
    pub total_excl_vat_eur: Decimal,
    /// Total including VAT, EUR.
    pub total_incl_vat_eur: Decimal,
}

/// An invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    /// Its number.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// True when this invoice was issued before (same number, same amounts): a copy.
    pub reprint: bool,
    /// The issuer.
    pub issuer: Party,
    /// The customer.
    pub customer: Party,
    /// The customer's member id (its delivery point, PRM).
    pub member: MemberId,
    /// The operation's name.
    pub operation: String,
    /// The month invoiced.
    pub month: Month,
    /// First and last day of the sale.
    pub period: (NaiveDate, NaiveDate),
    /// Lines.
    pub lines: Vec<Line>,
    /// VAT regime.
    pub vat: VatRegime,
    /// The mentions printed at the foot.
    pub mentions: Vec<Note>,
}

impl Invoice {
    /// Total excluding VAT (Σ rounded lines), EUR.
    pub fn total_excl_vat_eur(&self) -> Decimal {
        total_excl_vat(&self.lines)
    }

    /// Total VAT (Σ the lines' rounded VAT), EUR.
    pub fn total_vat_eur(&self) -> Decimal {
        total_vat(&self.lines)
    }

    /// Total including VAT, EUR.
    pub fn total_incl_vat_eur(&self) -> Decimal {
        self.total_excl_vat_eur() + self.total_vat_eur()
    }

    /// VAT by rate: (rate percent, base excluding VAT, VAT), in increasing rate.
    pub fn vat_by_rate(&self) -> Vec<(Decimal, Decimal, Decimal)> {
        let mut out: Vec<(Decimal, Decimal, Decimal)> = Vec::new();
        for l in &self.lines {
            let rate = l.vat_percent.unwrap_or(Decimal::ZERO);
            match out.iter_mut().find(|(r, _, _)| *r == rate) {
                Some(x) => {
                    x.1 += l.amount_eur;
                    x.2 += l.vat_eur;
                }
                None => out.push((rate, l.amount_eur, l.vat_eur)),
            }
        }
        out.sort_by_key(|x| x.0);
        out
    }
}

/// What issuing one month gives: the invoices (new ones and copies) and the ledger entries to
/// append (the new ones only).
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    /// Every invoice of the month, in the order of the members.
    pub invoices: Vec<Invoice>,
    /// The entries of the invoices issued now, to append to the ledger.
    pub new_entries: Vec<LedgerEntry>,
}

/// Which month to invoice, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceRequest {
    /// The operation's name (printed in the mentions).
    pub operation: String,
    /// The month to invoice.
    pub month: Month,
    /// The issue date of new invoices.
    pub issue_date: NaiveDate,
}

/// The invoices of `request.month` for every consumer in `members` (id, display name, role)
/// that received local energy, numbered after `ledger`.
///
/// Errors: a month the settlement does not cover, an invoice of the ledger whose amounts
/// changed, a prefix whose sequence is exhausted.
pub fn issue_invoices(
    request: &InvoiceRequest,
    settlement: &Settlement,
    config: &BillingConfig,
    invoicing: &InvoiceConfig,
    members: &[(MemberId, String, Role)],
    ledger: &[LedgerEntry],
) -> Result<Issued, BillingError> {
    let (operation, month, issue_date) = (&request.operation, request.month, request.issue_date);
    let Some(m) = settlement.months.iter().position(|x| *x == month) else {
        return Err(BillingError::Invoice(format!(
            "the curves do not cover {month} (they cover {})",
            match (settlement.months.first(), settlement.months.last()) {
                (Some(a), Some(b)) => format!("{a} to {b}"),
                _ => "no month".into(),
            }
        )));
    };
    let (t, _) = config.tariffs.in_force(month.first_day());
    let vat_rate = match invoicing.vat {
        VatRegime::Charged => Some(t.vat_energy_percent.value),
        VatRegime::Franchise => None,
    };
    let prefix = &invoicing.number_prefix;
    let mut next = ledger
        .iter()
        .filter(|e| &e.prefix == prefix)
        .map(|e| e.sequence)
        .max()
        .unwrap_or(0);
    let name_of = |id: &MemberId| {
        members
            .iter()
            .find(|(x, _, _)| x == id)
            .map_or_else(|| id.to_string(), |(_, n, _)| n.clone())
    };
    let mut invoices = Vec::new();
    let mut new_entries = Vec::new();
    for (id, name, _) in members {
        let Some(c) = settlement.consumer(id, m) else {
            continue;
        };
        if c.local_energy.iter().all(|e| e.quantity_kwh().is_zero()) {
            continue;
        }
        let lines: Vec<Line> = c
            .local_energy
            .iter()
            .filter(|e| !e.quantity_kwh().is_zero())
            .map(|e| {
                let producer = name_of(&e.producer);
                let (pfr, pen) = match &e.period {
                    Some(p) => (format!(", période {p}"), format!(", period {p}")),
                    None => (String::new(), String::new()),
                };
                Line::priced(
                    format!("Électricité produite par {producer}{pfr}"),
                    format!("Electricity produced by {producer}{pen}"),
                    e.quantity_kwh(),
                    Unit::Kwh,
                    e.eur_per_kwh,
                    vat_rate,
                )
            })
            .collect();
        let customer = invoicing
            .customers
            .iter()
            .find(|(x, _)| x == id)
            .map_or_else(
                || Party {
                    name: name.clone(),
                    ..Party::default()
                },
                |(_, p)| p.clone(),
            );
        let mut invoice = Invoice {
            number: String::new(),
            issue_date,
            due_date: issue_date,
            reprint: false,
            issuer: invoicing.issuer.clone(),
            customer,
            member: id.clone(),
            operation: operation.clone(),
            month,
            period: c
                .member_days
                .unwrap_or((month.first_day(), month.last_day())),
            lines,
            vat: invoicing.vat,
            mentions: Vec::new(),
        };
        let (excl, incl) = (invoice.total_excl_vat_eur(), invoice.total_incl_vat_eur());
        match ledger.iter().find(|e| &e.member == id && e.month == month) {
            Some(e) if e.total_excl_vat_eur == excl && e.total_incl_vat_eur == incl => {
                invoice.number = e.number.clone();
                invoice.issue_date = e.issue_date;
                invoice.reprint = true;
            }
            Some(e) => {
                return Err(BillingError::Invoice(format!(
                    "invoice {n} for {id} for {month}, issued on {d}, totals {a} EUR excl. VAT; \
                     the data now give {excl} EUR: an issued invoice is never altered (cancel it \
                     with a credit note, then remove its line from the invoice ledger)",
                    n = e.number,
                    d = e.issue_date,
                    a = e.total_excl_vat_eur,
                )));
            }
            None => {
                next = next
                    .checked_add(1)
                    .filter(|n| *n <= 999_999)
                    .ok_or_else(|| {
                        BillingError::Invoice(format!(
                            "invoice numbers with prefix \"{prefix}\" reached 999999: choose a new \
                         prefix (invoicing.number_prefix)"
                        ))
                    })?;
                invoice.number = format!("{prefix}{next:06}");
                new_entries.push(LedgerEntry {
                    number: invoice.number.clone(),
                    prefix: prefix.clone(),
                    sequence: next,
                    member: id.clone(),
                    month,
                    issue_date,
                    total_excl_vat_eur: excl,
                    total_incl_vat_eur: incl,
                });
            }
        }
        invoice.due_date = invoice
            .issue_date
            .checked_add_days(chrono::Days::new(u64::from(invoicing.payment_days)))
            .unwrap_or(invoice.issue_date);
        invoice.mentions = mentions(&invoice, invoicing);
        if config.official_months.contains(&month) {
            invoice.mentions.insert(
                1,
                Note::new(crate::statement::OFFICIAL_FR, crate::statement::OFFICIAL_EN),
            );
        }
        invoices.push(invoice);
    }
    Ok(Issued {
        invoices,
        new_entries,
    })
}

fn mentions(inv: &Invoice, cfg: &InvoiceConfig) -> Vec<Note> {
    let mut out = vec![Note::new(
        format!(
            "Électricité partagée dans le cadre de l'opération d'autoconsommation collective \
             « {op} » (art. L315-2 du code de l'énergie), livrée au point {prm} du {a} au {b}.",
            op = inv.operation,
            prm = inv.member,
            a = inv.period.0.format("%d/%m/%Y"),
            b = inv.period.1.format("%d/%m/%Y"),
        ),
        format!(
            "Electricity shared in the collective self-consumption operation \"{op}\" (art. \
             L315-2 of the French energy code), delivered to point {prm} from {a} to {b}.",
            op = inv.operation,
            prm = inv.member,
            a = inv.period.0,
            b = inv.period.1,
        ),
    )];
    if inv.vat == VatRegime::Franchise {
        out.push(Note::new(
            "TVA non applicable, art. 293 B du CGI.",
            "VAT not applicable, art. 293 B of the French tax code (CGI).",
        ));
    }
    out.push(Note::new(
        format!(
            "Paiement à {d} jours, au plus tard le {due}. Pas d'escompte pour paiement anticipé.",
            d = cfg.payment_days,
            due = inv.due_date.format("%d/%m/%Y"),
        ),
        format!(
            "Payment within {d} days, by {due} at the latest. No discount for early payment.",
            d = cfg.payment_days,
            due = inv.due_date,
        ),
    ));
    let (pfr, pen) = match cfg.late_penalty_percent {
        Some(r) => (
            format!("{} % par an", r.to_string().replace('.', ",")),
            format!("{r} % a year"),
        ),
        None => (
            "trois fois le taux d'intérêt légal".to_string(),
            "three times the French legal interest rate".to_string(),
        ),
    };
    out.push(Note::new(
        format!(
            "Pénalités de retard : {pfr}. Indemnité forfaitaire pour frais de recouvrement due \
             par les clients professionnels : 40 € (art. L441-10 et D441-5 du code de commerce)."
        ),
        format!(
            "Late-payment penalties: {pen}. Fixed recovery indemnity owed by professional \
             customers: 40 EUR (art. L441-10 and D441-5 of the French commercial code)."
        ),
    ));
    out
}
