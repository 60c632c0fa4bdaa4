//! The embedded BDEW 2025 tables (`data/bdew2025_*.csv`) and their one-time parsing.
//!
//! Each table holds, for 12 months × 3 day types × 96 local quarter-hours, the energy in kWh
//! of a consumer of 1,000,000 kWh/yr. The CSV text is compiled into the binary with
//! `include_str!` and parsed once, on first use, into a [`Table`] kept in a `OnceLock`.
//! Parsing checks the whole layout (month and day-type headers, quarter-hour labels, 36
//! finite non-negative values per row); the unit test `embedded_tables_parse` proves the
//! embedded files pass, so the parse error path is unreachable in a released binary.

use std::sync::OnceLock;

use crate::{DayType, ProfileError};

/// Quarter-hours in a (non-DST) day.
pub(crate) const QUARTER_HOURS: usize = 96;

const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// One parsed profile: `kwh[month0][day_type][quarter_hour]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    kwh: [[[f64; QUARTER_HOURS]; 3]; 12],
}

impl Table {
    /// Energy (kWh per 1,000,000 kWh/yr) of quarter-hour `qh` (0..96) of a `day_type` day in
    /// month `month0` (0 = January). `None` when an index is out of range.
    pub(crate) fn get(&self, month0: usize, day_type: DayType, qh: usize) -> Option<f64> {
        self.kwh
            .get(month0)?
            .get(day_type.index())?
            .get(qh)
            .copied()
    }
}

/// The raw embedded text of H25.
pub(crate) const H25_CSV: &str = include_str!("../data/bdew2025_h25.csv");
/// The raw embedded text of G25.
pub(crate) const G25_CSV: &str = include_str!("../data/bdew2025_g25.csv");

static H25: OnceLock<Result<Table, ProfileError>> = OnceLock::new();
static G25: OnceLock<Result<Table, ProfileError>> = OnceLock::new();

/// The parsed H25 table.
pub(crate) fn h25() -> Result<&'static Table, ProfileError> {
    H25.get_or_init(|| parse("bdew2025_h25.csv", H25_CSV))
        .as_ref()
        .map_err(Clone::clone)
}

/// The parsed G25 table.
pub(crate) fn g25() -> Result<&'static Table, ProfileError> {
    G25.get_or_init(|| parse("bdew2025_g25.csv", G25_CSV))
        .as_ref()
        .map_err(Clone::clone)
}

/// Parses a BDEW 2025 table in demandlib's layout (see `data/README.md`).
pub(crate) fn parse(file: &'static str, text: &str) -> Result<Table, ProfileError> {
    let err = |line: usize, message: String| ProfileError::EmbeddedTable {
        file,
        line,
        message,
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));

    // Line 1: month of each column.
    let (n, header) = lines.next().ok_or_else(|| err(1, "empty file".into()))?;
    let mut months = Vec::with_capacity(36);
    for (c, cell) in header.split(',').enumerate().skip(1) {
        let m = MONTHS_DE
            .iter()
            .position(|name| *name == cell.trim())
            .ok_or_else(|| err(n, format!("column {}: unknown month {cell:?}", c + 1)))?;
        months.push(m);
    }
    // Line 2: day type of each column.
    let (n, header) = lines
        .next()
        .ok_or_else(|| err(2, "missing day-type header".into()))?;
    let mut types = Vec::with_capacity(36);
    for (c, cell) in header.split(',').enumerate().skip(1) {
        let t = match cell.trim() {
            "SA" => DayType::Saturday,
            "FT" => DayType::SundayOrHoliday,
            "WT" => DayType::Weekday,
            other => {
                return Err(err(
                    n,
                    format!("column {}: unknown day type {other:?}", c + 1),
                ));
            }
        };
        types.push(t);
    }
    if months.len() != 36 || types.len() != 36 {
        return Err(err(
            n,
            format!(
                "{} month and {} day-type columns, expected 36 (12 months x SA/FT/WT)",
                months.len(),
                types.len()
            ),
        ));
    }
    let mut seen = [[false; 3]; 12];
    for (&m, &t) in months.iter().zip(&types) {
        let slot = &mut seen[m][t.index()];
        if *slot {
            return Err(err(n, format!("duplicate column {} {t:?}", MONTHS_DE[m])));
        }
        *slot = true;
    }

    let mut kwh = [[[f64::NAN; QUARTER_HOURS]; 3]; 12];
    let mut rows = 0;
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        if rows >= QUARTER_HOURS {
            return Err(err(n, "more than 96 quarter-hour rows".into()));
        }
        let mut cells = line.split(',');
        let label = cells.next().unwrap_or_default();
        let want = format!("{:02}:{:02}-", rows / 4, (rows % 4) * 15);
        if !label.starts_with(&want) {
            return Err(err(n, format!("row label {label:?}, expected {want}…")));
        }
        let mut count = 0;
        for (c, cell) in cells.enumerate() {
            let v: f64 = cell
                .trim()
                .parse()
                .map_err(|_| err(n, format!("column {}: not a number: {cell:?}", c + 2)))?;
            if !v.is_finite() || v < 0.0 {
                return Err(err(n, format!("column {}: value {v} out of range", c + 2)));
            }
            let (Some(&m), Some(&t)) = (months.get(c), types.get(c)) else {
                return Err(err(n, format!("more than {} values", months.len())));
            };
            kwh[m][t.index()][rows] = v;
            count += 1;
        }
        if count != months.len() {
            return Err(err(n, format!("{count} values, expected {}", months.len())));
        }
        rows += 1;
    }
    if rows != QUARTER_HOURS {
        return Err(err(0, format!("{rows} quarter-hour rows, expected 96")));
    }
    Ok(Table { kwh })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tables_parse() {
        let h = h25().expect("embedded H25 parses");
        let g = g25().expect("embedded G25 parses");
        // Spot values straight from the CSV (January, first quarter-hour; December, last).
        assert_eq!(h.get(0, DayType::Saturday, 0), Some(22.152));
        assert_eq!(h.get(0, DayType::SundayOrHoliday, 0), Some(23.148));
        assert_eq!(h.get(0, DayType::Weekday, 0), Some(20.126));
        assert_eq!(g.get(0, DayType::Saturday, 0), Some(15.045));
        assert_eq!(g.get(11, DayType::Weekday, 95), Some(15.908));
        assert_eq!(h.get(11, DayType::Weekday, 95), Some(21.911));
        assert_eq!(h.get(12, DayType::Weekday, 0), None);
        assert_eq!(h.get(0, DayType::Weekday, 96), None);
        for t in [h, g] {
            assert!(
                t.kwh
                    .iter()
                    .flatten()
                    .flatten()
                    .all(|v| v.is_finite() && *v >= 0.0)
            );
        }
    }

    #[test]
    fn malformed_tables_are_reported_with_line() {
        let e = parse("x.csv", "").unwrap_err();
        assert!(e.to_string().contains("x.csv"), "{e}");
        let bad_month = H25_CSV.replacen("Januar", "Janvier", 1);
        let e = parse("x.csv", &bad_month).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        let bad_value = H25_CSV.replacen("22.152", "abc", 1);
        let e = parse("x.csv", &bad_value).unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
        let truncated: String = H25_CSV.lines().take(50).collect::<Vec<_>>().join("\n");
        assert!(parse("x.csv", &truncated).is_err());
        let short_row = H25_CSV.replacen(",20.126,", ",", 1);
        assert!(parse("x.csv", &short_row).is_err());
    }
}
