//! Generic CSV series: a timestamp column, then value columns.
//!
//! - First column: the timestamp, ISO 8601 with an offset or `Z`, or a naive local time
//!   (`YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM`, `dd/mm/yyyy HH:MM`) read in
//!   [`CsvOptions::timezone`] (autumn-fold repeats resolved in file order, see
//!   [`crate::reader`]).
//! - Value column: chosen by header name ([`CsvOptions::column`]) or the second column.
//! - Delimiter `,` or `;`, sniffed from the first line; with `;`, a decimal comma is accepted.
//! - The step is the most common difference between timestamps and must divide a day.
//! - [`CsvOptions::label`] says whether a timestamp starts or ends its interval; the
//!   [`Series`] is always labelled by interval start. Values are taken as they are, in the unit
//!   of [`CsvOptions::quantity`] (kWh per interval for energy, kW for power…).
//!
//! Clean files are read on a fast path (`fast`: bytes, no string per field, common timestamp
//! forms parsed digit by digit); anything it is not sure of is read again on the full path,
//! which reports every problem.
//!
//! Every problem is reported with its line and timestamp: unparsable timestamps or values,
//! non-finite values, time going backwards, duplicates, gaps, local times that do not exist,
//! and negative values of an extensive quantity unless [`CsvOptions::allow_negative`].

use std::path::Path;

use chrono_tz::Tz;

use crate::fast;
use crate::reader::{
    Diag, FillPolicy, IntervalLabel, LocalResolver, Stamp, Stamped, TIMESTAMP_FORMS,
    TIMESTAMP_FORMS_FR, build_grid, csv_rows, empty_file, fill_column, infer_step, parse_number,
    parse_timestamp, read_text, sniff_delimiter, strip_bom,
};
use crate::{Quantity, ReadError, ReadErrors, Series, said};

/// How to read a generic CSV series.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    /// Header name of the value column (case-insensitive); `None`: the second column.
    pub column: Option<String>,
    /// Time zone of naive timestamps.
    pub timezone: Tz,
    /// What the values measure (and so their unit).
    pub quantity: Quantity,
    /// Whether a timestamp starts or ends its interval.
    pub label: IntervalLabel,
    /// What to do with missing steps.
    pub fill: FillPolicy,
    /// Accept negative values of an extensive quantity (a net export, for example).
    pub allow_negative: bool,
    /// The setting of the user's file that accepts negative values, named in the error
    /// (`allow_negative = true` on a curve of a district or experiment file); `None` where
    /// the reader has no such setting (an uploaded curve).
    pub negative_setting: Option<&'static str>,
}

impl Default for CsvOptions {
    /// Second column, Europe/Paris, energy in kWh per interval, labelled by start, gaps are
    /// errors, negative energy is an error.
    fn default() -> Self {
        CsvOptions {
            column: None,
            timezone: chrono_tz::Europe::Paris,
            quantity: Quantity::EnergyKwh,
            label: IntervalLabel::Start,
            fill: FillPolicy::None,
            allow_negative: false,
            negative_setting: None,
        }
    }
}

/// Reads a generic CSV series from a file (at most 512 MiB).
pub fn read_csv(path: &Path, options: &CsvOptions) -> Result<Series, ReadErrors> {
    let text = read_text(path)?;
    parse_csv(&text, path, options)
}

/// Parses a generic CSV series; `source` names the input in diagnostics.
pub fn parse_csv(text: &str, source: &Path, options: &CsvOptions) -> Result<Series, ReadErrors> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let delim = sniff_delimiter(text);
    if let Some(series) =
        fast_layout(text, delim, options).and_then(|l| fast::parse_fast(text, delim, &l, options))
    {
        return Ok(series);
    }
    parse_full(text, source, options, delim)
}

/// Where the values are, decided from the first line as the full path decides it; `None`
/// when the full path would refuse the header (or the file has quotes): the full path then
/// says why.
fn fast_layout(text: &str, delim: u8, options: &CsvOptions) -> Option<fast::Layout> {
    if text.as_bytes().contains(&b'"') {
        return None;
    }
    let first = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .find(|l| !l.is_empty())?;
    let fields: Vec<&str> = first.split(char::from(delim)).map(str::trim).collect();
    let has_header = fields.first().is_none_or(|f| parse_timestamp(f).is_none());
    let col = match (has_header, &options.column) {
        (true, Some(name)) => fields
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.trim()))
            .filter(|&i| i > 0)?,
        (true, None) => (fields.len() >= 2).then_some(1)?,
        (false, Some(_)) => return None,
        (false, None) => 1,
    };
    Some(fast::Layout { col, has_header })
}

/// The full path: every row through the `csv` reader, every problem found and worded.
fn parse_full(
    text: &str,
    source: &Path,
    options: &CsvOptions,
    delim: u8,
) -> Result<Series, ReadErrors> {
    let decimal_comma = delim == b';';
    let rows = csv_rows(text, delim);
    let mut diag = Diag::new(source);
    let Some(first) = rows.first() else {
        return Err(empty_file(source));
    };
    let has_header = first
        .fields
        .first()
        .is_none_or(|f| parse_timestamp(f).is_none());
    let (col, col_name) = if has_header {
        match &options.column {
            Some(name) => match first
                .fields
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name.trim()))
            {
                Some(i) if i > 0 => (i, name.clone()),
                _ => {
                    diag.push(
                        ReadError::said(said(
                            format!("wrong header: no value column named {name:?}"),
                            format!(
                                "en-tête incorrect : aucune colonne de valeurs nommée {name:?}"
                            ),
                        ))
                        .line(first.line)
                        .expected_said(said(
                            format!("one of {:?}", first.fields.get(1..).unwrap_or(&[])),
                            format!("l'une de {:?}", first.fields.get(1..).unwrap_or(&[])),
                        )),
                    );
                    return diag.fail();
                }
            },
            None => {
                if first.fields.len() < 2 {
                    diag.push(
                        ReadError::said(said(
                            format!(
                                "wrong header: {} column(s), {:?}",
                                first.fields.len(),
                                first.fields
                            ),
                            format!(
                                "en-tête incorrect : {} colonne(s), {:?}",
                                first.fields.len(),
                                first.fields
                            ),
                        ))
                        .line(first.line)
                        .expected_said(said(
                            "a timestamp column and at least one value column",
                            "une colonne d'horodatage et au moins une colonne de valeurs",
                        )),
                    );
                    return diag.fail();
                }
                let name = first.fields.get(1).cloned().unwrap_or_default();
                (1, name)
            }
        }
    } else if let Some(name) = &options.column {
        diag.push(
            ReadError::said(said(
                format!("the file has no header row to find column {name:?} in"),
                format!("le fichier n'a pas de ligne d'en-tête où trouver la colonne {name:?}"),
            ))
            .line(first.line),
        );
        return diag.fail();
    } else {
        (1, "column 2".to_string())
    };
    let ts_name = if has_header {
        first.fields.first().cloned().unwrap_or_default()
    } else {
        "column 1".to_string()
    };

    let mut resolver = LocalResolver::new(options.timezone);
    let mut stamps = Vec::new();
    let mut values = Vec::new();
    let data = if has_header {
        rows.get(1..).unwrap_or(&[])
    } else {
        &rows[..]
    };
    for row in data {
        let ts_text = row.fields.first().map(String::as_str).unwrap_or("");
        let t = match parse_timestamp(ts_text) {
            Some(Stamped::Instant(t)) => {
                resolver.note(t);
                t
            }
            Some(Stamped::Naive(n)) => match resolver.resolve(n) {
                Ok(t) => t,
                Err(msg) => {
                    diag.at(row.line, Some(&ts_name), Some(ts_text), msg);
                    continue;
                }
            },
            None => {
                diag.push(
                    ReadError::said(said(
                        format!("unparsable timestamp {ts_text:?}"),
                        format!("horodatage illisible {ts_text:?}"),
                    ))
                    .line(row.line)
                    .field(ts_name.as_str())
                    .expected_said(said(TIMESTAMP_FORMS, TIMESTAMP_FORMS_FR)),
                );
                continue;
            }
        };
        let Some(raw) = row.fields.get(col) else {
            diag.at(
                row.line,
                Some(&col_name),
                Some(ts_text),
                said(
                    format!(
                        "row has {} field(s), the value column is number {}",
                        row.fields.len(),
                        col + 1
                    ),
                    format!(
                        "la ligne a {} champ(s), la colonne des valeurs est la n° {}",
                        row.fields.len(),
                        col + 1
                    ),
                ),
            );
            continue;
        };
        let present = !raw.is_empty();
        let v = if present {
            match parse_number(raw, decimal_comma) {
                Some(v) if v.is_finite() => v,
                Some(_) => {
                    diag.at(
                        row.line,
                        Some(&col_name),
                        Some(ts_text),
                        said(
                            format!("value {raw:?} is not a finite number"),
                            format!("la valeur {raw:?} n'est pas un nombre fini"),
                        ),
                    );
                    0.0
                }
                None => {
                    diag.push(
                        ReadError::said(said(
                            format!("unparsable value {raw:?}"),
                            format!("valeur illisible {raw:?}"),
                        ))
                        .line(row.line)
                        .field(col_name.as_str())
                        .timestamp(ts_text)
                        .expected_said(if decimal_comma {
                            said("a number such as 1.5 or 1,5", "un nombre comme 1,5 ou 1.5")
                        } else {
                            said("a number such as 1.5", "un nombre comme 1.5")
                        }),
                    );
                    0.0
                }
            }
        } else {
            0.0
        };
        if v < 0.0 && options.quantity.is_extensive() && !options.allow_negative {
            diag.at(
                row.line,
                Some(&col_name),
                Some(ts_text),
                match options.negative_setting {
                    Some(setting) => said(
                        format!(
                            "negative {} value {v}: an amount per interval cannot be negative \
                             unless the curve says so (`{setting}` on this curve, for a net \
                             meter or a producer's standby draw)",
                            options.quantity.unit()
                        ),
                        format!(
                            "valeur négative ({}) {v} : une quantité par intervalle ne peut être \
                             négative que si la courbe le dit (`{setting}` sur cette courbe, \
                             pour un compteur net ou la veille d'un producteur)",
                            options.quantity.unit()
                        ),
                    ),
                    None => said(
                        format!(
                            "negative {} value {v}: an amount per interval cannot be negative in \
                             this file",
                            options.quantity.unit()
                        ),
                        format!(
                            "valeur négative ({}) {v} : une quantité par intervalle ne peut pas \
                             être négative dans ce fichier",
                            options.quantity.unit()
                        ),
                    ),
                },
            );
        }
        stamps.push(Stamp {
            line: row.line,
            text: ts_text.to_string(),
            t,
            present,
        });
        values.push(v);
    }
    if stamps.is_empty() {
        diag.push(ReadError::said(said(
            "no data rows after the header",
            "aucune ligne de données après l'en-tête",
        )));
        return diag.fail();
    }
    let step = match infer_step(&stamps) {
        Ok(s) => s,
        Err(e) => {
            diag.push(*e);
            return diag.fail();
        }
    };
    if options.label == IntervalLabel::End {
        for st in &mut stamps {
            st.t -= step.duration();
        }
    }
    let Some(grid) = build_grid(&stamps, step, options.fill, &mut diag) else {
        return diag.fail();
    };
    let filled = fill_column(&grid, &values, options.fill);
    match Series::new(grid.axis, options.quantity, filled) {
        Ok(s) => diag.result(s),
        Err(e) => {
            diag.push(ReadError::new(e.to_string()));
            diag.fail()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Step;
    use chrono::{TimeZone, Utc};

    fn parse(text: &str, o: &CsvOptions) -> Result<Series, ReadErrors> {
        parse_csv(text, Path::new("t.csv"), o)
    }

    fn messages(e: &ReadErrors) -> String {
        e.to_string()
    }

    #[test]
    fn reads_iso_with_offset_comma() {
        let s = parse(
            "time,kwh\n2025-01-01T00:00:00Z,1\n2025-01-01T00:15:00Z,2\n2025-01-01T00:30:00Z,3.5\n",
            &CsvOptions::default(),
        )
        .unwrap();
        assert_eq!(s.axis().step(), Step::MIN15);
        assert_eq!(s.values(), [1.0, 2.0, 3.5]);
        assert_eq!(
            s.axis().start(),
            Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn semicolon_decimal_comma_named_column_end_label() {
        let o = CsvOptions {
            column: Some("B".into()),
            label: IntervalLabel::End,
            ..CsvOptions::default()
        };
        let s = parse(
            "date;a;b\n01/01/2025 01:00;9;1,5\n01/01/2025 02:00;9;2,5\n",
            &o,
        )
        .unwrap();
        assert_eq!(s.values(), [1.5, 2.5]);
        // 01:00 Paris = 00:00 UTC, labelled end → interval starts 23:00 UTC.
        assert_eq!(
            s.axis().start(),
            Utc.with_ymd_and_hms(2024, 12, 31, 23, 0, 0).unwrap()
        );
    }

    #[test]
    fn paris_autumn_fold_resolved_in_order() {
        let text = "t,v\n2025-10-26 01:30,1\n2025-10-26 02:00,1\n2025-10-26 02:30,1\n\
                    2025-10-26 02:00,1\n2025-10-26 02:30,1\n2025-10-26 03:00,1\n";
        let s = parse(text, &CsvOptions::default()).unwrap();
        assert_eq!(s.values().len(), 6);
        assert_eq!(s.axis().step(), Step::MIN30);
        assert_eq!(
            s.axis().start(),
            Utc.with_ymd_and_hms(2025, 10, 25, 23, 30, 0).unwrap()
        );
    }

    #[test]
    fn paris_fold_third_repeat_is_reported() {
        let text = "t,v\n2025-10-26 01:30,1\n2025-10-26 02:30,1\n2025-10-26 02:30,1\n\
                    2025-10-26 02:30,1\n2025-10-26 03:30,1\n";
        let e = parse(text, &CsvOptions::default()).unwrap_err();
        assert!(
            messages(&e).contains("t.csv:5: t: local time 2025-10-26 02:30:00 occurs twice"),
            "{e}"
        );
    }

    #[test]
    fn paris_spring_missing_hour_is_reported() {
        let text =
            "t,v\n2025-03-30 01:30,1\n2025-03-30 02:00,1\n2025-03-30 02:30,1\n2025-03-30 03:00,1\n";
        let e = parse(text, &CsvOptions::default()).unwrap_err();
        assert_eq!(e.0.len(), 2, "{e}");
        assert!(messages(&e).contains("t.csv:3: t: local time 2025-03-30 02:00:00 does not exist"));
        assert!(messages(&e).contains("[at 2025-03-30 02:30]"));
    }

    #[test]
    fn paris_spring_day_without_missing_hour_is_fine() {
        let text =
            "t,v\n2025-03-30 01:00,1\n2025-03-30 01:30,1\n2025-03-30 03:00,1\n2025-03-30 03:30,1\n";
        let s = parse(text, &CsvOptions::default()).unwrap();
        assert_eq!(s.values().len(), 4);
    }

    #[test]
    fn every_problem_reported_with_line() {
        let text = "t,v\n\
            2025-01-01T00:00Z,1\n\
            2025-01-01T01:00Z,x\n\
            2025-01-01T02:00Z,NaN\n\
            2025-01-01T02:00Z,1\n\
            2025-01-01T01:00Z,1\n\
            2025-01-01T05:00Z,-2\n\
            notatime,1\n\
            2025-01-01T06:00Z\n";
        let e = parse(text, &CsvOptions::default()).unwrap_err();
        let m = messages(&e);
        for want in [
            "t.csv:3: v: unparsable value \"x\"",
            "t.csv:4: v: value \"NaN\" is not a finite number",
            "t.csv:5: duplicate timestamp (same instant as line 4)",
            "t.csv:6: timestamps go back in time",
            "t.csv:7: v: negative kWh value -2",
            "t.csv:7: gap: 2 missing step(s) of 60 min after 2025-01-01T02:00Z (line 4)",
            "t.csv:8: t: unparsable timestamp \"notatime\"",
            "t.csv:9: v: row has 1 field(s)",
        ] {
            assert!(m.contains(want), "missing {want:?} in\n{m}");
        }
    }

    #[test]
    fn negative_allowed_and_power_not_checked() {
        let text = "t,v\n2025-01-01T00:00Z,-1\n2025-01-01T01:00Z,-2\n";
        let o = CsvOptions {
            allow_negative: true,
            ..CsvOptions::default()
        };
        assert_eq!(parse(text, &o).unwrap().sum(), -3.0);
        let o = CsvOptions {
            quantity: Quantity::PowerKw,
            ..CsvOptions::default()
        };
        assert!(parse(text, &o).is_ok());
    }

    #[test]
    fn gaps_filled_by_policy() {
        let text = "t,v\n2025-01-01T00:00Z,1\n2025-01-01T01:00Z,\n2025-01-01T02:00Z,3\n2025-01-01T04:00Z,5\n";
        assert!(parse(text, &CsvOptions::default()).is_err());
        let o = CsvOptions {
            fill: FillPolicy::Linear,
            ..CsvOptions::default()
        };
        assert_eq!(parse(text, &o).unwrap().values(), [1.0, 2.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn wrong_header_and_empty_and_headerless() {
        assert!(
            parse("", &CsvOptions::default())
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(parse(" \n\n", &CsvOptions::default()).is_err());
        let e = parse("time\n", &CsvOptions::default()).unwrap_err();
        assert!(e.to_string().contains("wrong header"), "{e}");
        let o = CsvOptions {
            column: Some("power".into()),
            ..CsvOptions::default()
        };
        let e = parse("time,kwh\n2025-01-01T00:00Z,1\n", &o).unwrap_err();
        assert!(
            e.to_string().contains("no value column named \"power\""),
            "{e}"
        );
        let s = parse(
            "2025-01-01T00:00Z,1\n2025-01-01T00:30Z,2\n",
            &CsvOptions::default(),
        )
        .unwrap();
        assert_eq!(s.values(), [1.0, 2.0]);
        let e = parse("t,v\n2025-01-01T00:00Z,1\n", &CsvOptions::default()).unwrap_err();
        assert!(e.to_string().contains("cannot infer the time step"), "{e}");
        let e = parse(
            "t,v\n2025-01-01T00:00Z,1\n2025-01-01T00:07Z,1\n",
            &CsvOptions::default(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("not a step that divides a day"),
            "{e}"
        );
    }

    #[test]
    fn many_problems_are_capped() {
        let mut text = String::from("t,v\n");
        for h in 0..80 {
            text.push_str(&format!("2025-01-01T00:{:02}Z,bad\n", h % 60));
        }
        let e = parse(&text, &CsvOptions::default()).unwrap_err();
        assert_eq!(e.0.len(), 51);
        assert!(e.to_string().contains("more problems"));
    }

    /// The full path alone, after the same prelude as [`parse_csv`].
    fn full_only(text: &str, o: &CsvOptions) -> Result<Series, ReadErrors> {
        let text = strip_bom(text);
        if text.trim().is_empty() {
            return Err(empty_file(Path::new("t.csv")));
        }
        parse_full(text, Path::new("t.csv"), o, sniff_delimiter(text))
    }

    /// One generated row: its instant, how it is written, and what goes wrong with it.
    fn row_text(t: chrono::DateTime<Utc>, form: u8, flaw: u8, k: usize, semicolon: bool) -> String {
        let local = t.with_timezone(&chrono_tz::Europe::Paris);
        let ts = match form {
            0 => local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            1 => t.format("%Y-%m-%dT%H:%MZ").to_string(),
            2 => local.format("%Y-%m-%d %H:%M").to_string(),
            3 => local.format("%Y-%m-%dT%H:%M:%S").to_string(),
            4 => local.format("%d/%m/%Y %H:%M").to_string(),
            _ => local.format("%Y-%m-%d %H:%M:%S%z").to_string(),
        };
        let v = format!("{}.{}", k % 7, k % 10);
        let v = if semicolon { v.replace('.', ",") } else { v };
        let d = if semicolon { ';' } else { ',' };
        match flaw {
            0 => format!("{ts}{d}{v}"),
            1 => format!("{ts}{d}"),
            2 => format!("{ts}{d}x"),
            3 => format!("{ts}{d}-1"),
            4 => format!("{ts}{d}NaN"),
            5 => format!("{ts}{d}\"{v}\""),
            6 => format!("  {ts} {d} {v} "),
            7 => format!("{ts}.000{d}{v}"),
            8 => format!("{ts}{d}{v}\r"),
            9 => ts.clone(),
            10 => format!("not a time{d}{v}"),
            _ => format!("{ts}{d}{v}{d}extra"),
        }
    }

    proptest::proptest! {
        /// Whatever the file (forms of timestamps, DST days, gaps, repeats, bad values,
        /// quotes, line ends, headers, options), the fast path and the full path give the same
        /// series or the same problems, in English and in French.
        #[test]
        fn fast_and_full_paths_agree(
            start in 0usize..4,
            step in proptest::sample::select(vec![15i64, 30, 60]),
            rows in proptest::collection::vec((0u8..6, proptest::prop_oneof![
                8 => proptest::strategy::Just(0u8), 1 => 1u8..12]), 0..40),
            same_form in proptest::bool::ANY,
            skips in proptest::collection::vec(0usize..40, 0..2),
            repeats in proptest::collection::vec(0usize..40, 0..2),
            semicolon in proptest::bool::ANY,
            header in 0u8..3,
            fill in 0u8..4,
            end_label in proptest::bool::ANY,
            column in 0u8..3,
            crlf in proptest::bool::ANY,
        ) {
            let starts = [
                Utc.with_ymd_and_hms(2025, 3, 29, 23, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2025, 10, 25, 22, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2025, 10, 26, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2024, 12, 31, 23, 0, 0).unwrap(),
            ];
            let d = if semicolon { ';' } else { ',' };
            let mut text = match header {
                0 => String::new(),
                1 => format!("time{d}kwh"),
                _ => format!("time{d}a{d}V"),
            };
            let first_form = rows.first().map_or(0, |r| r.0);
            for (k, &(form, flaw)) in rows.iter().enumerate() {
                if skips.contains(&k) {
                    continue;
                }
                let t = starts[start] + chrono::Duration::minutes(step * k as i64);
                let form = if same_form { first_form } else { form };
                let line = row_text(t, form, flaw, k, semicolon);
                let line = if header == 2 {
                    line.replacen(d, &format!("{d}9{d}"), 1)
                } else {
                    line
                };
                for _ in 0..=usize::from(repeats.contains(&k)) {
                    if !text.is_empty() {
                        text.push_str(if crlf { "\r\n" } else { "\n" });
                    }
                    text.push_str(&line);
                }
            }
            text.push('\n');
            let o = CsvOptions {
                column: match column {
                    0 => None,
                    1 => Some("kwh".into()),
                    _ => Some("V".into()),
                },
                fill: [FillPolicy::None, FillPolicy::Zero, FillPolicy::Linear, FillPolicy::Previous]
                    [usize::from(fill)],
                label: if end_label { IntervalLabel::End } else { IntervalLabel::Start },
                ..CsvOptions::default()
            };
            let fast = parse(&text, &o);
            let full = full_only(&text, &o);
            // `ReadError` compares every part: line, field, timestamp, English and French.
            proptest::prop_assert_eq!(fast, full, "{}", text);
        }
    }
}
