//! Wire formats of a collective self-consumption operation: `allocation.csv` (per step and
//! member), `coefficients.csv` (the PMO's coefficient file, percent per step and consumer),
//! `settlement.csv` (per member and local month, the whole community) and one printable HTML
//! bill per participant and month (`bills/<id>_<YYYY-MM>.html`, bilingual French/English, only
//! that participant's data), written atomically with [`crate::OutputDir`].

use crate::language::Language;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use quartier_billing::{Bill, Settlement};
use quartier_share::{Allocation, CoefficientFile, Role};

use crate::{OutputDir, ReportError};

fn ts(a: &Allocation, t: usize) -> String {
    a.axis().time(t).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `allocation.csv`: `time_utc,member,role,consumption_kwh,allocated_kwh,complement_kwh,
/// production_kwh,surplus_kwh`, one row per step and member side (a storage member has a
/// consumer row and a producer row; the other side's columns are empty).
pub fn allocation_csv(a: &Allocation) -> String {
    let mut s = String::from(
        "time_utc,member,role,consumption_kwh,allocated_kwh,complement_kwh,production_kwh,surplus_kwh\n",
    );
    for t in 0..a.axis().len() {
        let time = ts(a, t);
        for (i, id) in a.consumers().iter().enumerate() {
            let _ = writeln!(
                s,
                "{time},{id},consumer,{:.6},{:.6},{:.6},,",
                a.consumption_kwh(t, i),
                a.allocated_kwh(t, i),
                a.complement_kwh(t, i)
            );
        }
        for (p, id) in a.producers().iter().enumerate() {
            let _ = writeln!(
                s,
                "{time},{id},producer,,,,{:.6},{:.6}",
                a.production_kwh(t, p),
                a.surplus_kwh(t, p)
            );
        }
    }
    s
}

/// `coefficients.csv`: `time_utc`, one column per consumer (percent, floored to 0.1 %), then
/// `lost_kwh` (energy lost to the rounding at that step).
pub fn coefficients_csv(c: &CoefficientFile) -> String {
    let mut s = String::from("time_utc");
    for id in c.consumers() {
        let _ = write!(s, ",{id}");
    }
    s.push_str(",lost_kwh\n");
    for t in 0..c.axis().len() {
        s.push_str(&c.axis().time(t).format("%Y-%m-%dT%H:%M:%SZ").to_string());
        for i in 0..c.consumers().len() {
            let _ = write!(s, ",{:.1}", c.percent(t, i));
        }
        let _ = writeln!(s, ",{:.6}", c.lost_kwh(t));
    }
    s
}

/// `settlement.csv`: one row per member side and local month.
pub fn settlement_csv(s: &Settlement) -> String {
    let mut out = String::from(
        "month,member,role,consumption_kwh,self_consumed_kwh,complement_kwh,excise_exempt_kwh,local_cost_eur,production_kwh,production_self_consumed_kwh,surplus_kwh,revenue_eur\n",
    );
    for (m, month) in s.months.iter().enumerate() {
        for (i, id) in s.consumers.iter().enumerate() {
            if let Some(c) = s.consumer_months.get(i).and_then(|v| v.get(m)) {
                let _ = writeln!(
                    out,
                    "{month},{id},consumer,{:.3},{:.3},{:.3},{:.3},{:.2},,,,",
                    c.consumption_kwh,
                    c.self_consumed_kwh,
                    c.complement_kwh,
                    c.excise_exempt_kwh,
                    c.local_cost_eur
                );
            }
        }
        for (p, id) in s.producers.iter().enumerate() {
            if let Some(x) = s.producer_months.get(p).and_then(|v| v.get(m)) {
                let _ = writeln!(
                    out,
                    "{month},{id},producer,,,,,,{:.3},{:.3},{:.3},{:.2}",
                    x.production_kwh, x.self_consumed_kwh, x.surplus_kwh, x.revenue_eur
                );
            }
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:48rem;margin:2rem auto;color:#1d2733}\
h1{font-size:1.4rem;margin-bottom:.2rem}\
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{padding:.35rem .5rem;border-bottom:1px solid #d9e0e7;text-align:left}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:600;border-top:2px solid #1d2733}\
.box{background:#f3f6f9;padding:.6rem 1rem;border-radius:.4rem}.note{font-size:.8rem;color:#5b6b7c}\
@media print{body{margin:0}.box{background:none;border:1px solid #999}}";

/// One participant's bill in French, as a standalone printable HTML page (the English one:
/// [`bill_html_in`]).
pub fn bill_html(operation: &str, b: &Bill) -> String {
    bill_html_in(operation, b, Language::French)
}

/// One participant's bill in `lang`, as a standalone printable HTML page: every word and
/// number in that language.
pub fn bill_html_in(operation: &str, b: &Bill, lang: Language) -> String {
    let w = |fr: &'static str, en: &'static str| lang.pick(fr, en);
    let mut h = String::new();
    let role = match b.role {
        Role::Consumer => w("consommateur", "consumer"),
        Role::Producer => w("producteur", "producer"),
        Role::Storage => w("stockage", "storage"),
    };
    let _ = write!(
        h,
        "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\"><title>{bill} {month} — {name}</title><style>{CSS}</style></head><body>\
<h1>{heading}</h1>\
<p>{op} — <strong>{month}</strong></p>\
<div class=\"box\"><p><strong>{name}</strong><br>PRM : {id}<br>{role_l} : {role}</p></div>",
        code = w("fr", "en"),
        bill = w("Facture", "Bill"),
        heading = w(
            "Facture d'autoconsommation collective",
            "Collective self-consumption bill"
        ),
        role_l = w("Rôle", "Role"),
        month = b.month,
        name = esc(&b.name),
        op = esc(operation),
        id = esc(b.member.as_str()),
    );
    let _ = write!(
        h,
        "<table><thead><tr><th>{}</th><th class=\"n\">kWh</th></tr></thead><tbody>",
        w("Énergie", "Energy")
    );
    let mut row = |label: &str, v: f64| {
        let _ = write!(
            h,
            "<tr><td>{label}</td><td class=\"n\">{}</td></tr>",
            lang.num(v, 1)
        );
    };
    if matches!(b.role, Role::Consumer | Role::Storage) {
        row(w("Consommation", "Consumption"), b.consumption_kwh);
        row(
            w("Autoconsommée (part locale)", "Self-consumed (local share)"),
            b.self_consumed_kwh,
        );
        row(
            w("Complément fournisseur", "Supplier complement"),
            b.complement_kwh,
        );
    }
    if matches!(b.role, Role::Producer | Role::Storage) {
        row(w("Production", "Production"), b.production_kwh);
        row(
            w("Production autoconsommée", "Production self-consumed"),
            b.production_self_consumed_kwh,
        );
        row(w("Surplus injecté", "Surplus"), b.surplus_kwh);
    }
    h.push_str("</tbody></table>");
    let _ = write!(
        h,
        "<table><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        w("Ligne", "Line"),
        w("Quantité", "Quantity"),
        w("Prix unitaire", "Unit price"),
        w("Montant", "Amount"),
    );
    let currency = w("€", "EUR");
    for l in &b.lines {
        let unit = lang.unit(l.unit);
        let price = if l.unit == "kWh" {
            format!("{}\u{a0}{currency}/kWh", lang.num(l.unit_price_eur, 4))
        } else {
            format!("{}\u{a0}{currency}/{unit}", lang.num(l.unit_price_eur, 2))
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}\u{a0}{unit}</td><td class=\"n\">{price}</td><td class=\"n\">{}</td></tr>",
            esc(lang.pick(&l.label_fr, &l.label_en)),
            lang.num(l.quantity, if l.unit == "kWh" { 1 } else { 4 }),
            lang.eur(l.amount_eur)
        );
    }
    let _ = write!(
        h,
        "</tbody><tfoot><tr><td colspan=\"3\">{}</td><td class=\"n\">{}</td></tr></tfoot></table>",
        w("Total HT", "Total excl. VAT"),
        lang.eur(b.total_eur)
    );
    if let Some(c) = &b.comparison {
        let _ = write!(
            h,
            "<div class=\"box\"><p><strong>{}</strong></p>\
<p>{} : {}<br>{} : {}<br>{} : <strong>{}</strong></p>\
<p>{} : {} — {} : {}</p></div>",
            w("Comparaison", "Comparison"),
            w("Avec l'opération", "With the operation"),
            lang.eur(c.with_operation_eur),
            w("Sans l'opération", "Without it"),
            lang.eur(c.without_operation_eur),
            w("Économie", "Saving"),
            lang.eur(c.without_operation_eur - c.with_operation_eur),
            w("TURPE option standard", "TURPE standard option"),
            lang.eur(c.turpe_standard_eur),
            w(
                "option autoconsommation collective",
                "collective self-consumption option"
            ),
            lang.eur(c.turpe_acc_eur)
        );
    }
    for n in &b.notes {
        let _ = write!(h, "<p class=\"note\">{}</p>", esc(lang.pick(&n.fr, &n.en)));
    }
    h.push_str("</body></html>\n");
    h
}

/// File name of a bill: `<id>_<YYYY-MM>.html` (characters other than letters, digits, `-`
/// and `_` become `_`).
pub fn bill_file_name(b: &Bill) -> String {
    let id: String = b
        .member
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{id}_{}.html", b.month)
}

/// The English bill's file name beside the French one `french` (`<id>_<YYYY-MM>.en.html`).
pub fn english_bill_file_name(french: &str) -> String {
    match french.strip_suffix(".html") {
        Some(stem) => format!("{stem}.en.html"),
        None => format!("{french}.en.html"),
    }
}

/// Writes `allocation.csv`, `coefficients.csv`, `settlement.csv` and `bills/` (each bill in
/// French, and in English beside it) into `dir`
/// atomically (nothing is left half-written on failure).
pub fn write_share_outputs(
    dir: &Path,
    operation: &str,
    allocation: &Allocation,
    coefficients: &CoefficientFile,
    settlement: &Settlement,
    bills: &[Bill],
) -> Result<PathBuf, ReportError> {
    let out = OutputDir::create(dir)?;
    out.write("allocation.csv", allocation_csv(allocation).as_bytes())?;
    out.write(
        "coefficients.csv",
        coefficients_csv(coefficients).as_bytes(),
    )?;
    out.write("settlement.csv", settlement_csv(settlement).as_bytes())?;
    for b in bills {
        let name = bill_file_name(b);
        out.write(
            &format!("bills/{name}"),
            bill_html_in(operation, b, Language::French).as_bytes(),
        )?;
        out.write(
            &format!("bills/{}", english_bill_file_name(&name)),
            bill_html_in(operation, b, Language::English).as_bytes(),
        )?;
    }
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
        assert_eq!(Language::French.eur(1269.93), "1\u{202f}269,93\u{a0}€");
        assert_eq!(Language::English.eur(1269.93), "1\u{202f}269.93\u{a0}EUR");
        assert_eq!(Language::English.unit("an"), "year");
        assert_eq!(
            english_bill_file_name("300_2025-06.html"),
            "300_2025-06.en.html"
        );
    }
}
