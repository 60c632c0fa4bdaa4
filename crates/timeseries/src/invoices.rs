//! Energy invoices as a CSV: one billing period per line (first day, last day, energy), the
//! data a commune has for a building before it has a smart meter.
//!
//! The header names the columns (by default `start`, `end` and `kwh`, case-insensitive; `,` or
//! `;` as delimiter, decimal comma with `;`). Dates are `YYYY-MM-DD` or `DD/MM/YYYY`. An
//! invoice prints its last day (`du 01/01/2025 au 31/01/2025`): the end date is inclusive by
//! default, and exclusive with [`PeriodEnd::Exclusive`] (a file where each period ends on the
//! next one's first day). Periods must follow one another without overlapping; gaps between
//! them are allowed (missing invoices). Every problem is reported with its line, field and
//! what was expected; an overlap of exactly one day names the `period_end` setting that
//! explains it.

use std::path::Path;

use chrono::{Duration, NaiveDate};

use crate::reader::{
    Diag, csv_rows, empty_file, parse_number, read_text, sniff_delimiter, strip_bom,
};
use crate::{ReadErrors, said};

/// Whether an invoice's end date is its last day or the day after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodEnd {
    /// The end date is the period's last day (as invoices print it).
    #[default]
    Inclusive,
    /// The end date is the day after the last (the next period's first day).
    Exclusive,
}

/// How to read an invoice CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceOptions {
    /// Header of the first-day column.
    pub start_column: String,
    /// Header of the end column.
    pub end_column: String,
    /// Header of the energy column (kWh).
    pub energy_column: String,
    /// What the end date means.
    pub period_end: PeriodEnd,
    /// Accept negative energy (a credit note).
    pub allow_negative: bool,
}

impl Default for InvoiceOptions {
    fn default() -> Self {
        InvoiceOptions {
            start_column: "start".into(),
            end_column: "end".into(),
            energy_column: "kwh".into(),
            period_end: PeriodEnd::Inclusive,
            allow_negative: false,
        }
    }
}

/// One invoice: energy over local days `[start, end)` (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Invoice {
    /// First local day, inclusive.
    pub start: NaiveDate,
    /// Local day after the last one (exclusive).
    pub end: NaiveDate,
    /// Energy over the period, kWh.
    pub kwh: f64,
}

impl Invoice {
    /// Calendar days of the invoice.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }
}

/// One billing period as read, with its line in the file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InvoiceRecord {
    /// Line in the file (1-based).
    pub line: u64,
    /// The period and its energy.
    pub invoice: Invoice,
}

/// Longest billing period accepted, days (a yearly invoice and a little more).
const MAX_PERIOD_DAYS: i64 = 400;

fn parse_date(s: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s.trim(), f).ok())
        .filter(|d| crate::reader::plausible_year(chrono::Datelike::year(d)))
}

/// Reads an invoice CSV from a file.
pub fn read_invoices(
    path: &Path,
    options: &InvoiceOptions,
) -> Result<Vec<InvoiceRecord>, ReadErrors> {
    let text = read_text(path)?;
    parse_invoices(&text, path, options)
}

/// Parses an invoice CSV (`source` names it in errors).
pub fn parse_invoices(
    text: &str,
    source: &Path,
    options: &InvoiceOptions,
) -> Result<Vec<InvoiceRecord>, ReadErrors> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let delim = sniff_delimiter(text);
    let rows = csv_rows(text, delim);
    let mut diag = Diag::new(source);
    let Some((header, data)) = rows.split_first() else {
        return Err(empty_file(source));
    };
    let find = |name: &str| {
        header
            .fields
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    };
    let columns = [
        (&options.start_column, "start_column"),
        (&options.end_column, "end_column"),
        (&options.energy_column, "column"),
    ];
    let mut idx = Vec::new();
    for (name, setting) in columns {
        match find(name) {
            Some(i) => idx.push(i),
            None => diag.push(
                crate::ReadError::said(said(
                    format!(
                        "no column \"{name}\" in the header ({}); name it with `{setting}` on \
                         this meter's invoices",
                        header.fields.join(", ")
                    ),
                    format!(
                        "pas de colonne « {name} » dans l'en-tête ({}) ; nommez-la avec \
                         `{setting}` sur les factures de ce compteur",
                        header.fields.join(", ")
                    ),
                ))
                .line(header.line),
            ),
        }
    }
    let [i_start, i_end, i_kwh] = idx[..] else {
        return diag.fail();
    };
    let decimal_comma = delim == b';';
    let mut out: Vec<InvoiceRecord> = Vec::with_capacity(data.len());
    for row in data {
        let get = |i: usize| row.fields.get(i).map(String::as_str).unwrap_or("");
        let date_at = |i: usize, name: &str, diag: &mut Diag| {
            let v = get(i);
            let d = parse_date(v);
            if d.is_none() {
                diag.push(
                    crate::ReadError::said(said(
                        format!("unreadable date \"{v}\""),
                        format!("date illisible « {v} »"),
                    ))
                    .line(row.line)
                    .field(name)
                    .expected_said(said(
                        "a date such as 2025-01-31 or 31/01/2025",
                        "une date comme 31/01/2025 ou 2025-01-31",
                    )),
                );
            }
            d
        };
        let start = date_at(i_start, &options.start_column, &mut diag);
        let end = date_at(i_end, &options.end_column, &mut diag);
        let v = get(i_kwh);
        let kwh = match parse_number(v, decimal_comma) {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                diag.push(
                    crate::ReadError::said(said(
                        format!("unreadable energy \"{v}\""),
                        format!("énergie illisible « {v} »"),
                    ))
                    .line(row.line)
                    .field(&options.energy_column)
                    .expected_said(said(
                        "kWh, a number such as 1250.5",
                        "des kWh, un nombre comme 1250,5",
                    )),
                );
                None
            }
        };
        if let Some(k) = kwh
            && k < 0.0
            && !options.allow_negative
        {
            diag.push(
                crate::ReadError::said(said(
                    format!(
                        "negative energy {k} kWh: an invoice's energy cannot be negative unless \
                         the meter says so (`allow_negative = true` on its invoices, for a credit \
                         note)"
                    ),
                    format!(
                        "énergie négative {k} kWh : l'énergie d'une facture ne peut être négative \
                         que si le compteur le dit (`allow_negative = true` sur ses factures, pour \
                         un avoir)"
                    ),
                ))
                .line(row.line)
                .field(&options.energy_column),
            );
        }
        let (Some(start), Some(end), Some(kwh)) = (start, end, kwh) else {
            continue;
        };
        let end = match options.period_end {
            PeriodEnd::Inclusive => end + Duration::days(1),
            PeriodEnd::Exclusive => end,
        };
        let days = (end - start).num_days();
        if !(1..=MAX_PERIOD_DAYS).contains(&days) {
            diag.push(
                crate::ReadError::said(said(
                    format!(
                        "the period from {start} to {} lasts {days} day(s)",
                        get(i_end)
                    ),
                    format!(
                        "la période du {start} au {} dure {days} jour(s)",
                        get(i_end)
                    ),
                ))
                .line(row.line)
                .field(&options.end_column)
                .expected_said(said(
                    format!("an end after the start, at most {MAX_PERIOD_DAYS} days later"),
                    format!("une fin après le début, au plus {MAX_PERIOD_DAYS} jours plus tard"),
                )),
            );
            continue;
        }
        if let Some(prev) = out.last()
            && start < prev.invoice.end
        {
            let one_day = (prev.invoice.end - start).num_days() == 1
                && options.period_end == PeriodEnd::Inclusive;
            let hint = if one_day {
                said(
                    " (each period ends on the next one's first day: set `period_end = \"exclusive\"` on this meter's invoices)",
                    " (chaque période finit le premier jour de la suivante : mettez `period_end = \"exclusive\"` sur les factures de ce compteur)",
                )
            } else {
                said("", "")
            };
            diag.push(
                crate::ReadError::said(said(
                    format!(
                        "the period starting {start} overlaps the one on line {} (which runs to {}){}",
                        prev.line,
                        prev.invoice.end - Duration::days(1),
                        hint.en
                    ),
                    format!(
                        "la période commençant le {start} chevauche celle de la ligne {} (jusqu'au {}){}",
                        prev.line,
                        prev.invoice.end - Duration::days(1),
                        hint.fr.unwrap_or_default()
                    ),
                ))
                .line(row.line)
                .field(&options.start_column)
                .expected_said(said(
                    "periods in order, each starting after the previous one ends",
                    "des périodes dans l'ordre, chacune commençant après la fin de la précédente",
                )),
            );
            continue;
        }
        out.push(InvoiceRecord {
            line: row.line,
            invoice: Invoice { start, end, kwh },
        });
    }
    if out.is_empty() && diag.is_empty() {
        return Err(empty_file(source));
    }
    diag.result(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, options: &InvoiceOptions) -> Result<Vec<InvoiceRecord>, String> {
        parse_invoices(text, Path::new("factures.csv"), options).map_err(|e| e.to_string())
    }

    #[test]
    fn inclusive_and_exclusive_ends_french_dates_and_decimal_commas() {
        let text = "Début;Fin;kWh\n01/01/2025;31/01/2025;1250,5\n01/02/2025;28/02/2025;1100\n";
        let options = InvoiceOptions {
            start_column: "début".into(),
            end_column: "fin".into(),
            ..InvoiceOptions::default()
        };
        let r = read(text, &options).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0].invoice.end,
            NaiveDate::from_ymd_opt(2025, 2, 1).unwrap()
        );
        assert_eq!(r[0].invoice.kwh, 1250.5);
        assert_eq!(r[1].line, 3);
        let text = "start,end,kwh\n2025-01-01,2025-02-01,10\n2025-02-01,2025-03-01,9\n";
        let exclusive = InvoiceOptions {
            period_end: PeriodEnd::Exclusive,
            ..InvoiceOptions::default()
        };
        assert_eq!(
            read(text, &exclusive).unwrap()[1].invoice.start.to_string(),
            "2025-02-01"
        );
        // Read as inclusive, the second period overlaps the first by a day: the message names
        // the setting.
        let e = read(text, &InvoiceOptions::default()).unwrap_err();
        assert!(e.contains("factures.csv:3"), "{e}");
        assert!(e.contains("set `period_end = \"exclusive\"`"), "{e}");
    }

    #[test]
    fn every_bad_line_is_located() {
        let text = "start,end,kwh\n2025-01-01,2025-01-31,abc\n2025-02-30,2025-03-01,5\n\
                    2025-03-10,2025-03-01,5\n2025-04-01,2025-04-30,-3\n";
        let e = read(text, &InvoiceOptions::default()).unwrap_err();
        for want in [
            "factures.csv:2",
            "unreadable energy \"abc\"",
            "factures.csv:3",
            "unreadable date \"2025-02-30\"",
            "factures.csv:4",
            "lasts -8 day(s)",
            "factures.csv:5",
            "`allow_negative = true` on its invoices",
        ] {
            assert!(e.contains(want), "missing {want:?} in\n{e}");
        }
        let e = read("from,to,energy\n", &InvoiceOptions::default()).unwrap_err();
        assert!(e.contains("no column \"start\""), "{e}");
        assert!(read("", &InvoiceOptions::default()).is_err());
    }
}
