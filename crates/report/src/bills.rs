//! Wire formats of a collective self-consumption operation: `allocation.csv` (per step and
//! member), `coefficients.csv` (the PMO's coefficient file, percent per step and consumer),
//! `settlement.csv` (per member and local month, the whole community), one comparison
//! statement per participant and month (`statements/<id>_<YYYY-MM>.html` in French, `.en.html`
//! in English, and the same as PDF; only that participant's data), written atomically with
//! [`crate::OutputDir`]; and the month's invoices (`invoices/<number>.html` and `.pdf`,
//! `invoices.csv`, `invoice_lines.csv`) with the ledger of issued invoices
//! (`invoice-ledger.csv`: [`ledger_csv`], [`read_ledger`]).
//!
//! Money is printed from [`quartier_billing::money::Decimal`] as computed (never through a
//! float): CSV files write `1234.56`, documents `1 234,56 €` or `1 234.56 EUR`.

use crate::language::Language;
use crate::printable::{Align, Block, Doc};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use quartier_billing::money::Decimal;
use quartier_billing::{
    Invoice, LedgerEntry, Line, Month, Settlement, Statement, Unit, VatRegime, total_excl_vat,
    total_vat,
};
use quartier_share::{Allocation, CoefficientFile, MemberId, Role};

use crate::fixed::push_fixed;
use crate::{OutputDir, ReportError};

fn ts(a: &Allocation, t: usize) -> String {
    a.axis().time(t).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `allocation.csv`: `time_utc,member,role,consumption_kwh,allocated_kwh,complement_kwh,
/// production_kwh,surplus_kwh`, one row per step and member side (a storage member has a
/// consumer row and a producer row; the other side's columns are empty).
pub fn allocation_csv(a: &Allocation) -> String {
    let mut out = Vec::new();
    let _ = write_allocation_csv(a, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`allocation_csv`], streamed into `w` (a year of half-hours for 1,000 members is over a
/// gigabyte: never built in memory).
pub fn write_allocation_csv(a: &Allocation, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    allocation_rows(a, w, &mut |_| {})
}

/// [`write_allocation_csv`], telling `step_done` each step written.
fn allocation_rows(
    a: &Allocation,
    w: &mut dyn std::io::Write,
    step_done: &mut dyn FnMut(usize),
) -> std::io::Result<()> {
    w.write_all(
        b"time_utc,member,role,consumption_kwh,allocated_kwh,complement_kwh,production_kwh,surplus_kwh\n",
    )?;
    // One step's rows at a time (about 80 kB for 1,000 members).
    let mut block = String::with_capacity(128 * (a.consumers().len() + a.producers().len()));
    for t in 0..a.axis().len() {
        block.clear();
        let time = ts(a, t);
        for (i, id) in a.consumers().iter().enumerate() {
            let values = [
                a.consumption_kwh(t, i),
                a.allocated_kwh(t, i),
                a.complement_kwh(t, i),
            ];
            push_row(
                &mut block,
                [&time, id.as_str(), "consumer"],
                &values,
                ",,\n",
            );
        }
        for (p, id) in a.producers().iter().enumerate() {
            let values = [a.production_kwh(t, p), a.surplus_kwh(t, p)];
            push_row(
                &mut block,
                [&time, id.as_str(), "producer,,,"],
                &values,
                "\n",
            );
        }
        w.write_all(block.as_bytes())?;
        step_done(t);
    }
    Ok(())
}

/// One row of `allocation.csv`: the leading fields, each value to 6 decimals, then `tail`.
fn push_row(block: &mut String, head: [&str; 3], values: &[f64], tail: &str) {
    for (k, h) in head.iter().enumerate() {
        if k > 0 {
            block.push(',');
        }
        block.push_str(h);
    }
    for &v in values {
        block.push(',');
        push_fixed(block, v, 6);
    }
    block.push_str(tail);
}

/// `coefficients.csv`: `time_utc`, one column per consumer (percent, floored to 0.1 %), then
/// `lost_kwh` (energy lost to the rounding at that step).
pub fn coefficients_csv(c: &CoefficientFile) -> String {
    let mut out = Vec::new();
    let _ = write_coefficients_csv(c, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`coefficients_csv`], streamed into `w`.
pub fn write_coefficients_csv(
    c: &CoefficientFile,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut s = String::from("time_utc");
    for id in c.consumers() {
        let _ = write!(s, ",{id}");
    }
    s.push_str(",lost_kwh\n");
    w.write_all(s.as_bytes())?;
    for t in 0..c.axis().len() {
        s.clear();
        s.push_str(&c.axis().time(t).format("%Y-%m-%dT%H:%M:%SZ").to_string());
        for i in 0..c.consumers().len() {
            s.push(',');
            push_fixed(&mut s, c.percent(t, i), 1);
        }
        s.push(',');
        push_fixed(&mut s, c.lost_kwh(t), 6);
        s.push('\n');
        w.write_all(s.as_bytes())?;
    }
    Ok(())
}

/// `settlement.csv`: one row per member side and local month; money as the sum of the rounded
/// invoice lines (EUR, excluding VAT).
pub fn settlement_csv(s: &Settlement) -> String {
    let mut out = String::from(
        "month,member,role,consumption_kwh,self_consumed_kwh,complement_kwh,excise_exempt_kwh,local_cost_eur,production_kwh,production_self_consumed_kwh,surplus_kwh,revenue_eur,surplus_revenue_eur\n",
    );
    for (m, month) in s.months.iter().enumerate() {
        for (i, id) in s.consumers.iter().enumerate() {
            if let Some(c) = s.consumer_months.get(i).and_then(|v| v.get(m)) {
                let _ = writeln!(
                    out,
                    "{month},{id},consumer,{:.3},{:.3},{:.3},{:.3},{:.2},,,,,",
                    c.consumption_kwh,
                    c.self_consumed_kwh,
                    c.complement_kwh,
                    c.excise_exempt_kwh,
                    c.local_cost_eur()
                );
            }
        }
        for (p, id) in s.producers.iter().enumerate() {
            if let Some(x) = s.producer_months.get(p).and_then(|v| v.get(m)) {
                let _ = writeln!(
                    out,
                    "{month},{id},producer,,,,,,{:.3},{:.3},{:.3},{:.2},{:.2}",
                    x.production_kwh,
                    x.self_consumed_kwh,
                    x.surplus_kwh,
                    x.revenue_eur,
                    x.surplus_revenue_eur
                );
            }
        }
    }
    out
}

pub(crate) const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:48rem;margin:2rem auto;color:#1d2733}\
h1{font-size:1.4rem;margin-bottom:.2rem}\
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{padding:.35rem .5rem;border-bottom:1px solid #d9e0e7;text-align:left}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:600;border-top:2px solid #1d2733}\
.box{background:#f3f6f9;padding:.6rem 1rem;border-radius:.4rem}.note{font-size:.8rem;color:#5b6b7c}\
@media print{body{margin:0}.box{background:none;border:1px solid #999}}";

/// A month as people write it (`juin 2025`, `June 2025`).
fn month_words(m: Month, lang: Language) -> String {
    let names = match lang {
        Language::French => [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
        Language::English => [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
    };
    let k = (m.month as usize).clamp(1, 12) - 1;
    format!("{} {}", names.get(k).copied().unwrap_or(""), m.year)
}

fn unit_words(u: Unit, lang: Language, quantity: Decimal) -> &'static str {
    match u {
        Unit::Kwh => "kWh",
        Unit::Day if quantity > Decimal::ONE => lang.pick("jours", "days"),
        Unit::Day => lang.pick("jour", "day"),
        Unit::Eur => lang.pick("€", "EUR"),
    }
}

/// The table rows of `lines`, and the footer of totals (excl. VAT, VAT, incl. VAT when `vat`).
fn line_table(lines: &[Line], lang: Language, vat: bool) -> Block {
    let w = |fr: &'static str, en: &'static str| lang.pick(fr, en).to_string();
    let mut head = vec![
        (w("Désignation", "Description"), Align::Left),
        (w("Quantité", "Quantity"), Align::Right),
        (w("Prix unitaire HT", "Unit price excl. VAT"), Align::Right),
        (w("Montant HT", "Amount excl. VAT"), Align::Right),
    ];
    if vat {
        head.push((w("TVA", "VAT"), Align::Right));
    }
    let rows = lines
        .iter()
        .map(|l| {
            let unit = unit_words(l.unit, lang, l.quantity);
            let per = unit_words(l.unit, lang, Decimal::ONE);
            let decimals = match l.unit {
                Unit::Kwh => 3,
                Unit::Day => 0,
                Unit::Eur => 2,
            };
            let quantity = format!("{}\u{a0}{unit}", lang.dec(l.quantity, decimals));
            let price = match (l.unit_price_eur, l.unit) {
                (None, _) => "—".to_string(),
                (Some(p), Unit::Eur) => lang.pct_dec(p * Decimal::ONE_HUNDRED),
                (Some(p), _) => format!(
                    "{}\u{a0}{}/{per}",
                    lang.dec(p, p.scale().max(2) as usize),
                    lang.pick("€", "EUR")
                ),
            };
            let mut row = vec![
                lang.pick(&l.label_fr, &l.label_en).to_string(),
                quantity,
                price,
                lang.eur_dec(l.amount_eur),
            ];
            if vat {
                row.push(match l.vat_percent {
                    Some(r) => format!("{} ({})", lang.eur_dec(l.vat_eur), lang.pct_dec(r)),
                    None => "—".into(),
                });
            }
            row
        })
        .collect();
    let excl = total_excl_vat(lines);
    let mut foot = vec![{
        let mut r = vec![
            w("Total HT", "Total excl. VAT"),
            String::new(),
            String::new(),
        ];
        r.push(lang.eur_dec(excl));
        if vat {
            r.push(String::new());
        }
        r
    }];
    if vat {
        let tax = total_vat(lines);
        foot.push(vec![
            w("TVA", "VAT"),
            String::new(),
            String::new(),
            String::new(),
            lang.eur_dec(tax),
        ]);
        foot.push(vec![
            w("Total TTC", "Total incl. VAT"),
            String::new(),
            String::new(),
            lang.eur_dec(excl + tax),
            String::new(),
        ]);
    }
    Block::Table { head, rows, foot }
}

/// One participant's comparison statement as a printable document in `lang`.
fn statement_doc(operation: &str, s: &Statement, lang: Language) -> Doc {
    let w = |fr: &'static str, en: &'static str| lang.pick(fr, en).to_string();
    let role = match s.role {
        Role::Consumer => w("consommateur", "consumer"),
        Role::Producer => w("producteur", "producer"),
        Role::Storage => w("stockage", "storage"),
    };
    let mut blocks = vec![
        Block::Text(w(
            "Ce relevé n'est pas une facture : il compare ce que le mois coûte avec l'opération \
             (l'énergie locale facturée par l'organisateur, le complément et l'acheminement \
             facturés par le fournisseur, les taxes) et ce que la même consommation coûterait \
             sans elle.",
            "This statement is not an invoice: it compares what the month costs with the \
             operation (the local energy invoiced by the organiser, the complement and network \
             charges billed by the supplier, taxes) with what the same consumption would cost \
             without it.",
        )),
        Block::Parties(vec![(
            s.name.clone(),
            vec![
                format!("PRM{}{}", lang.colon(), s.member),
                format!("{}{}{role}", w("Rôle", "Role"), lang.colon()),
            ],
        )]),
    ];
    let mut energy = Vec::new();
    let kwh = |x: f64| format!("{}\u{a0}kWh", lang.num(x, 1));
    if matches!(s.role, Role::Consumer | Role::Storage) {
        energy.push((w("Consommation", "Consumption"), kwh(s.consumption_kwh)));
        energy.push((
            w("Autoconsommée (part locale)", "Self-consumed (local share)"),
            kwh(s.self_consumed_kwh),
        ));
        energy.push((
            w("Complément fournisseur", "Supplier complement"),
            kwh(s.complement_kwh),
        ));
    }
    if matches!(s.role, Role::Producer | Role::Storage) {
        energy.push((w("Production", "Production"), kwh(s.production_kwh)));
        energy.push((
            w("Production autoconsommée", "Production self-consumed"),
            kwh(s.production_self_consumed_kwh),
        ));
        energy.push((w("Surplus injecté", "Surplus"), kwh(s.surplus_kwh)));
    }
    blocks.push(Block::Facts(energy));
    let has_vat = s.lines.iter().any(|l| l.vat_percent.is_some());
    blocks.push(Block::Heading(if s.comparison.is_some() {
        w("Avec l'opération", "With the operation")
    } else {
        w("Ventes du mois", "Sales of the month")
    }));
    blocks.push(line_table(&s.lines, lang, has_vat));
    if let Some(c) = &s.comparison {
        blocks.push(Block::Heading(w(
            "Sans l'opération",
            "Without the operation",
        )));
        blocks.push(line_table(&s.without_lines, lang, true));
        blocks.push(Block::Facts(vec![
            (
                w("Avec l'opération, TTC", "With the operation, incl. VAT"),
                lang.eur_dec(c.with_operation_incl_vat_eur),
            ),
            (
                w("Sans l'opération, TTC", "Without it, incl. VAT"),
                lang.eur_dec(c.without_operation_incl_vat_eur),
            ),
            (
                w("Économie, TTC", "Saving, incl. VAT"),
                lang.eur_dec(c.saving_incl_vat_eur()),
            ),
            (
                w(
                    "TURPE option standard, HT",
                    "TURPE standard option, excl. VAT",
                ),
                lang.eur_dec(c.turpe_standard_eur),
            ),
            (
                w(
                    "TURPE option autoconsommation collective, HT",
                    "TURPE collective self-consumption option, excl. VAT",
                ),
                lang.eur_dec(c.turpe_acc_eur),
            ),
        ]));
    }
    for n in &s.notes {
        blocks.push(Block::Note(lang.pick(&n.fr, &n.en).to_string()));
    }
    Doc {
        lang,
        title: format!(
            "{} — {}",
            w("Relevé comparatif", "Comparison statement"),
            month_words(s.month, lang)
        ),
        subtitle: format!("{operation} — {}", s.name),
        blocks,
    }
}

/// One participant's comparison statement in `lang`, as a standalone printable HTML page.
pub fn statement_html_in(operation: &str, s: &Statement, lang: Language) -> String {
    statement_doc(operation, s, lang).html()
}

/// One participant's comparison statement in `lang`, as an A4 PDF.
pub fn statement_pdf_in(operation: &str, s: &Statement, lang: Language) -> Vec<u8> {
    statement_doc(operation, s, lang).pdf()
}

fn day(d: NaiveDate, lang: Language) -> String {
    match lang {
        Language::French => d.format("%d/%m/%Y").to_string(),
        Language::English => d.format("%Y-%m-%d").to_string(),
    }
}

fn party_lines(p: &quartier_billing::Party, lang: Language) -> Vec<String> {
    let mut out = p.address.clone();
    if let Some(f) = &p.legal_form {
        out.push(f.clone());
    }
    if let Some(s) = &p.siret {
        out.push(format!("SIRET{}{s}", lang.colon()));
    }
    if let Some(v) = &p.vat_number {
        out.push(format!(
            "{}{}{v}",
            lang.pick("N° TVA", "VAT no."),
            lang.colon()
        ));
    }
    out
}

/// An invoice as a printable document in `lang`.
fn invoice_doc(inv: &Invoice, lang: Language) -> Doc {
    let w = |fr: &'static str, en: &'static str| lang.pick(fr, en).to_string();
    let mut customer = vec![format!(
        "{}{}{}",
        w("Point de livraison (PRM)", "Delivery point (PRM)"),
        lang.colon(),
        inv.member
    )];
    customer.extend(party_lines(&inv.customer, lang));
    let mut blocks = vec![
        Block::Parties(vec![
            (
                format!("{} — {}", w("Émetteur", "Issuer"), inv.issuer.name),
                party_lines(&inv.issuer, lang),
            ),
            (
                format!("{} — {}", w("Client", "Customer"), inv.customer.name),
                customer,
            ),
        ]),
        Block::Facts(vec![
            (w("Numéro", "Number"), inv.number.clone()),
            (
                w("Date d'émission", "Issue date"),
                day(inv.issue_date, lang),
            ),
            (
                w("Période de la vente", "Period of the sale"),
                format!(
                    "{} {} {} {}",
                    w("du", "from"),
                    day(inv.period.0, lang),
                    w("au", "to"),
                    day(inv.period.1, lang)
                ),
            ),
            (w("Échéance", "Due date"), day(inv.due_date, lang)),
        ]),
    ];
    let vat = inv.vat == VatRegime::Charged;
    blocks.push(line_table(&inv.lines, lang, vat));
    if vat {
        let rows = inv
            .vat_by_rate()
            .into_iter()
            .map(|(rate, base, tax)| {
                vec![lang.pct_dec(rate), lang.eur_dec(base), lang.eur_dec(tax)]
            })
            .collect();
        blocks.push(Block::Table {
            head: vec![
                (w("Taux de TVA", "VAT rate"), Align::Left),
                (w("Base HT", "Base excl. VAT"), Align::Right),
                (w("Montant de TVA", "VAT amount"), Align::Right),
            ],
            rows,
            foot: Vec::new(),
        });
    }
    blocks.push(Block::Facts(vec![(
        w("Net à payer", "Amount due"),
        lang.eur_dec(inv.total_incl_vat_eur()),
    )]));
    for m in &inv.mentions {
        blocks.push(Block::Note(lang.pick(&m.fr, &m.en).to_string()));
    }
    if inv.reprint {
        blocks.push(Block::Note(w(
            "Duplicata d'une facture déjà émise (même numéro, mêmes montants).",
            "Copy of an invoice already issued (same number, same amounts).",
        )));
    }
    Doc {
        lang,
        title: format!("{} {}", w("Facture n°", "Invoice no."), inv.number),
        subtitle: format!("{} — {}", inv.operation, month_words(inv.month, lang)),
        blocks,
    }
}

/// An invoice in `lang`, as a standalone printable HTML page.
pub fn invoice_html_in(inv: &Invoice, lang: Language) -> String {
    invoice_doc(inv, lang).html()
}

/// An invoice in `lang`, as an A4 PDF.
pub fn invoice_pdf_in(inv: &Invoice, lang: Language) -> Vec<u8> {
    invoice_doc(inv, lang).pdf()
}

/// An invoice in `lang` as a kept document: JSON that [`kept_document_html`] and
/// [`kept_document_pdf`] turn into the same HTML page and PDF as [`invoice_html_in`] and
/// [`invoice_pdf_in`], whatever changes later in the code that builds invoices (the server
/// stores it when it issues an invoice, and shows that).
pub fn invoice_kept_in(inv: &Invoice, lang: Language) -> String {
    invoice_doc(inv, lang).to_json()
}

/// The HTML page of a document kept by [`invoice_kept_in`].
pub fn kept_document_html(kept: &str) -> Result<String, serde_json::Error> {
    Ok(crate::printable::Doc::from_json(kept)?.html())
}

/// The PDF of a document kept by [`invoice_kept_in`].
pub fn kept_document_pdf(kept: &str) -> Result<Vec<u8>, serde_json::Error> {
    Ok(crate::printable::Doc::from_json(kept)?.pdf())
}

use crate::csv_out::csv_field;

/// `invoices.csv`: one row per invoice (number, dates, customer, period, totals).
pub fn invoices_csv(invoices: &[Invoice]) -> String {
    let mut out = String::from(
        "number,issue_date,due_date,member,customer,period_start,period_end,total_excl_vat_eur,vat_eur,total_incl_vat_eur,copy\n",
    );
    for i in invoices {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{:.2},{:.2},{:.2},{}",
            csv_field(&i.number),
            i.issue_date,
            i.due_date,
            csv_field(i.member.as_str()),
            csv_field(&i.customer.name),
            i.period.0,
            i.period.1,
            i.total_excl_vat_eur(),
            i.total_vat_eur(),
            i.total_incl_vat_eur(),
            i.reprint
        );
    }
    out
}

/// `invoice_lines.csv`: one row per invoice line (for the accounts).
pub fn invoice_lines_csv(invoices: &[Invoice]) -> String {
    let mut out = String::from(
        "number,line,label,quantity_kwh,unit_price_eur_per_kwh,amount_excl_vat_eur,vat_percent,vat_eur\n",
    );
    for i in invoices {
        for (k, l) in i.lines.iter().enumerate() {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{:.2},{},{:.2}",
                csv_field(&i.number),
                k + 1,
                csv_field(&l.label_fr),
                l.quantity,
                l.unit_price_eur.map(|p| p.to_string()).unwrap_or_default(),
                l.amount_eur,
                l.vat_percent.map(|p| p.to_string()).unwrap_or_default(),
                l.vat_eur
            );
        }
    }
    out
}

/// The header of the ledger of issued invoices.
const LEDGER_HEADER: &str =
    "number,prefix,sequence,member,month,issue_date,total_excl_vat_eur,total_incl_vat_eur";

/// The ledger of issued invoices as CSV (`invoice-ledger.csv`).
pub fn ledger_csv(entries: &[LedgerEntry]) -> String {
    let mut out = format!("{LEDGER_HEADER}\n");
    for e in entries {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{:.2},{:.2}",
            csv_field(&e.number),
            csv_field(&e.prefix),
            e.sequence,
            csv_field(e.member.as_str()),
            e.month,
            e.issue_date,
            e.total_excl_vat_eur,
            e.total_incl_vat_eur
        );
    }
    out
}

/// A problem in the ledger file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}:{line}: {field}: {message} (expected {expected})")]
pub struct LedgerError {
    /// The ledger file.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// The column.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// What was expected.
    pub expected: String,
}

/// Reads the ledger of issued invoices (`text` from `path`); an empty text is an empty
/// ledger. Every problem names its line and column; a number used twice is refused.
pub fn read_ledger(text: &str, path: &Path) -> Result<Vec<LedgerEntry>, LedgerError> {
    let err = |line: usize, field: &str, message: String, expected: &str| LedgerError {
        path: path.display().to_string(),
        line,
        field: field.into(),
        message,
        expected: expected.into(),
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| err(1, "header", e.to_string(), LEDGER_HEADER))?
        .iter()
        .collect::<Vec<_>>()
        .join(",");
    if header != LEDGER_HEADER {
        return Err(err(1, "header", format!("\"{header}\""), LEDGER_HEADER));
    }
    let mut out: Vec<LedgerEntry> = Vec::new();
    for (k, rec) in reader.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| err(line, "row", e.to_string(), "8 columns"))?;
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let money = |i: usize, name: &str| {
            get(i)
                .parse::<Decimal>()
                .map_err(|_| err(line, name, format!("\"{}\"", get(i)), "an amount (12.34)"))
        };
        let member =
            MemberId::new(get(3)).map_err(|e| err(line, "member", e.to_string(), "a member id"))?;
        let month = Month::parse(get(4))
            .ok_or_else(|| err(line, "month", format!("\"{}\"", get(4)), "YYYY-MM"))?;
        let issue_date = NaiveDate::parse_from_str(get(5), "%Y-%m-%d")
            .map_err(|_| err(line, "issue_date", format!("\"{}\"", get(5)), "YYYY-MM-DD"))?;
        let sequence = get(2).parse::<u64>().map_err(|_| {
            err(
                line,
                "sequence",
                format!("\"{}\"", get(2)),
                "a whole number",
            )
        })?;
        let entry = LedgerEntry {
            number: get(0).to_string(),
            prefix: get(1).to_string(),
            sequence,
            member,
            month,
            issue_date,
            total_excl_vat_eur: money(6, "total_excl_vat_eur")?,
            total_incl_vat_eur: money(7, "total_incl_vat_eur")?,
        };
        if entry.number != format!("{}{:06}", entry.prefix, entry.sequence) {
            return Err(err(
                line,
                "number",
                format!("\"{}\"", entry.number),
                "the prefix followed by the sequence on 6 digits",
            ));
        }
        if out.iter().any(|e| e.number == entry.number) {
            return Err(err(
                line,
                "number",
                format!("{} is in the ledger twice", entry.number),
                "each number once",
            ));
        }
        out.push(entry);
    }
    Ok(out)
}

/// `text` as a file name: characters other than ASCII letters, digits, `-` and `_` become `_`.
fn file_stem(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// File name of a statement: `<id>_<YYYY-MM>.html` (characters other than letters, digits,
/// `-` and `_` become `_`).
pub fn statement_file_name(s: &Statement) -> String {
    format!("{}_{}.html", file_stem(s.member.as_str()), s.month)
}

/// The English statement's file name beside the French one `french` (`<id>_<YYYY-MM>.en.html`).
pub fn english_statement_file_name(french: &str) -> String {
    match french.strip_suffix(".html") {
        Some(stem) => format!("{stem}.en.html"),
        None => format!("{french}.en.html"),
    }
}

/// The PDF beside an HTML document (`x.html` → `x.pdf`, `x.en.html` → `x.en.pdf`).
pub fn pdf_file_name(html: &str) -> String {
    match html.strip_suffix(".html") {
        Some(stem) => format!("{stem}.pdf"),
        None => format!("{html}.pdf"),
    }
}

/// Writes `allocation.csv`, `coefficients.csv`, `settlement.csv` and `statements/` (each
/// statement in French and in English, HTML and PDF) into `dir` atomically (nothing is left
/// half-written on failure).
pub fn write_share_outputs(
    dir: &Path,
    operation: &str,
    allocation: &Allocation,
    coefficients: &CoefficientFile,
    settlement: &Settlement,
    statements: &[Statement],
) -> Result<PathBuf, ReportError> {
    write_share_outputs_with(
        dir,
        operation,
        allocation,
        coefficients,
        settlement,
        statements,
        &ShareOutputs::default(),
    )
}

/// Which participants' comparison statements are written with an allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatementChoice<'a> {
    /// Every participant's (the default).
    #[default]
    All,
    /// None: `statements/` is not written.
    None,
    /// Only these participants'.
    Members(&'a [MemberId]),
}

impl StatementChoice<'_> {
    fn wants(&self, id: &MemberId) -> bool {
        match self {
            StatementChoice::All => true,
            StatementChoice::None => false,
            StatementChoice::Members(ids) => ids.contains(id),
        }
    }
}

/// How the outputs of an allocation are written: which statements, and whom to tell of the
/// progress.
#[derive(Clone, Copy, Default)]
pub struct ShareOutputs<'a> {
    /// Which comparison statements to write.
    pub statements: StatementChoice<'a>,
    /// Told `(parts written, parts to write)` as the files are written (a part is a step of
    /// `allocation.csv` or of `coefficients.csv`, `settlement.csv`, or one statement in both
    /// languages and both formats); may be called from several threads.
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

/// [`write_share_outputs`], as `how` says.
pub fn write_share_outputs_with(
    dir: &Path,
    operation: &str,
    allocation: &Allocation,
    coefficients: &CoefficientFile,
    settlement: &Settlement,
    statements: &[Statement],
    how: &ShareOutputs<'_>,
) -> Result<PathBuf, ReportError> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let chosen: Vec<&Statement> = statements
        .iter()
        .filter(|s| how.statements.wants(&s.member))
        .collect();
    let steps = allocation.axis().len();
    let total = 2 * steps + 1 + chosen.len();
    let done = AtomicUsize::new(0);
    let tell = |n: usize| {
        let d = done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(f) = how.progress {
            f(d, total);
        }
    };
    // Told every 64 steps, then the rest at the end.
    let mut every = |t: usize| {
        if t % 64 == 63 {
            tell(64);
        }
    };
    let out = OutputDir::create(dir)?;
    out.write_with("allocation.csv", |w| {
        allocation_rows(allocation, w, &mut every)
    })?;
    tell(steps % 64);
    out.write_with("coefficients.csv", |w| {
        write_coefficients_csv(coefficients, w)
    })?;
    tell(steps);
    out.write("settlement.csv", settlement_csv(settlement).as_bytes())?;
    tell(1);
    // Statements are rendered on every core, a few at a time so that only a few documents are
    // in memory at once, and written in order.
    for batch in chosen.chunks(64) {
        let docs: Vec<[(String, String, Vec<u8>); 2]> = batch
            .par_iter()
            .map(|s| {
                let fr = statement_file_name(s);
                let en = english_statement_file_name(&fr);
                [(fr, Language::French), (en, Language::English)].map(|(name, lang)| {
                    let doc = statement_doc(operation, s, lang);
                    (name, doc.html(), doc.pdf())
                })
            })
            .collect();
        for pair in docs {
            for (name, html, pdf) in pair {
                out.write(&format!("statements/{name}"), html.as_bytes())?;
                out.write(&format!("statements/{}", pdf_file_name(&name)), &pdf)?;
            }
            tell(1);
        }
    }
    out.commit()
}

/// Writes the invoices of one month into `dir` atomically: `invoices/<number>.html` and `.pdf`
/// in `lang`, `invoices.csv` and `invoice_lines.csv`.
pub fn write_invoices(
    dir: &Path,
    invoices: &[Invoice],
    lang: Language,
) -> Result<PathBuf, ReportError> {
    let out = OutputDir::create(dir)?;
    for inv in invoices {
        let doc = invoice_doc(inv, lang);
        let stem = file_stem(&inv.number);
        out.write(&format!("invoices/{stem}.html"), doc.html().as_bytes())?;
        out.write(&format!("invoices/{stem}.pdf"), &doc.pdf())?;
    }
    out.write("invoices.csv", invoices_csv(invoices).as_bytes())?;
    out.write("invoice_lines.csv", invoice_lines_csv(invoices).as_bytes())?;
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::number;

    #[test]
    fn numbers_in_each_language() {
        assert_eq!(number(1234567.891, 2, ','), "1\u{202f}234\u{202f}567,89");
        assert_eq!(number(-0.5, 1, ','), "−0,5");
        assert_eq!(number(-0.0001, 2, ','), "0,00");
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            Language::French.eur_dec(d("1269.93")),
            "1\u{202f}269,93\u{a0}€"
        );
        assert_eq!(
            Language::English.eur_dec(d("1269.93")),
            "1\u{202f}269.93\u{a0}EUR"
        );
        assert_eq!(Language::French.eur_dec(d("-0.125")), "−0,13\u{a0}€");
        assert_eq!(Language::French.pct_dec(d("5.50")), "5,5\u{a0}%");
        assert_eq!(Language::French.pct_dec(d("20")), "20\u{a0}%");
        assert_eq!(
            english_statement_file_name("300_2025-06.html"),
            "300_2025-06.en.html"
        );
        assert_eq!(pdf_file_name("300_2025-06.en.html"), "300_2025-06.en.pdf");
    }
}
