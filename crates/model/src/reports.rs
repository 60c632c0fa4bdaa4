//! A laureate's monthly report: a CSV of `month,indicator,value` rows (`,` or `;` with a
//! decimal comma, a header naming the three columns in any order), checked against the
//! experiment it reports on. The whole file is read before anything is kept, and every problem
//! is reported at once, located (line, column, the month) and said in English and in French,
//! like every reader of the project ([`ReadError`]): a month outside the experiment or not yet
//! begun, an indicator the experiment does not report (with the nearest name), a value that is
//! not a finite number, the same month and indicator twice. Nothing is returned unless the
//! file is right: an upload is all-or-nothing.
//!
//! ```
//! use quartier_model::{parse_experiment, read_report};
//! let text = "commune = \"Meudon\"\ntitle = \"Bikes\"\ntheme = \"mobility\"\nstart = 2025-04-01\nend = 2027-04-01\n\
//!             [[kpis]]\nname = \"km\"\nunit = \"km\"\nmonthly = [{ month = \"2025-04\", value = 1 }]\n";
//! let (e, _) = parse_experiment(text, std::path::Path::new("e.toml")).unwrap();
//! let today = (2026, 12);
//! let rows = read_report(b"month,indicator,value\n2026-11,km,2480\n", &e, today).unwrap();
//! assert_eq!(rows[0].value, 2480.0);
//! let err = read_report(b"month;indicator;value\n2026-11;kms;2480,5\n", &e, today).unwrap_err();
//! assert!(err.to_string().contains("line 2: indicator: the experiment reports no indicator \"kms\"; did you mean \"km\"?"));
//! ```

use quartier_timeseries::{ReadError, ReadErrors, said};

use crate::experiment::{Experiment, YearMonth, month_of, parse_month};

/// One value of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// The line it was read on.
    pub line: u64,
    /// The month.
    pub month: YearMonth,
    /// The indicator (a KPI of the experiment file, as named there).
    pub indicator: String,
    /// The value, in the indicator's unit.
    pub value: f64,
}

/// Largest report read, bytes (24 months × a few dozen indicators fit in far less).
pub const MAX_REPORT_BYTES: usize = 1024 * 1024;

/// Why a month cannot be reported on an experiment, in English and French, with what is
/// expected when it does not read as a month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthProblem {
    /// What is wrong, in English.
    pub en: String,
    /// The same in French.
    pub fr: String,
    /// What is expected (English, French), when `YYYY-MM` was not written.
    pub expected: Option<(&'static str, &'static str)>,
}

/// Month `m` (`YYYY-MM`) as one a laureate may report on `e` in month `today`: within the
/// experiment, and begun.
pub fn report_month(m: &str, e: &Experiment, today: YearMonth) -> Result<YearMonth, MonthProblem> {
    let first = month_of(e.start, e.timezone);
    let last = month_of(e.end - chrono::Duration::seconds(1), e.timezone);
    match parse_month(m) {
        None => Err(MonthProblem {
            en: format!("{m:?} is not a month"),
            fr: format!("« {m} » n'est pas un mois"),
            expected: Some(("YYYY-MM, e.g. 2026-11", "AAAA-MM, par exemple 2026-11")),
        }),
        Some(x) if x < first || x > last => Err(MonthProblem {
            en: format!(
                "{m} is outside the experiment ({}-{:02} to {}-{:02})",
                first.0, first.1, last.0, last.1
            ),
            fr: format!(
                "{m} est hors de l'expérimentation ({}-{:02} à {}-{:02})",
                first.0, first.1, last.0, last.1
            ),
            expected: None,
        }),
        Some(x) if x > today => Err(MonthProblem {
            en: format!("{m} has not begun: a month is reported once it has"),
            fr: format!("{m} n'a pas commencé : un mois se déclare une fois commencé"),
            expected: None,
        }),
        Some(x) => Ok(x),
    }
}

/// Reads a laureate's report on `e`, uploaded in the month `today` (a month after it is
/// refused: it has not begun).
pub fn read_report(
    bytes: &[u8],
    e: &Experiment,
    today: YearMonth,
) -> Result<Vec<ReportRow>, ReadErrors> {
    let err = |line: u64, field: &str, en: String, fr: String| {
        ReadError::said(said(en, fr)).line(line).field(field)
    };
    if bytes.len() > MAX_REPORT_BYTES {
        return Err(ReadErrors(vec![ReadError::said(said(
            format!(
                "the file is {} bytes, more than a report holds (at most 1 MiB)",
                bytes.len()
            ),
            format!(
                "le fichier fait {} octets, plus qu'un rapport (1 Mio au plus)",
                bytes.len()
            ),
        ))]));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(ReadErrors(vec![
            ReadError::said(said(
                "the file is not UTF-8 text",
                "le fichier n'est pas du texte UTF-8",
            ))
            .expected_said(said("a CSV saved as UTF-8", "un CSV enregistré en UTF-8")),
        ]));
    };
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let semicolon = first.contains(';');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if semicolon { b';' } else { b',' })
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|x| x.to_ascii_lowercase()).collect(),
        Err(_) => Vec::new(),
    };
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let (Some(mc), Some(ic), Some(vc)) = (
        col(&["month", "mois"]),
        col(&["indicator", "indicateur", "kpi"]),
        col(&["value", "valeur"]),
    ) else {
        return Err(ReadErrors(vec![
            ReadError::said(said(
                format!(
                    "the header is {:?}",
                    header.join(if semicolon { ";" } else { "," })
                ),
                format!(
                    "l'en-tête est « {} »",
                    header.join(if semicolon { ";" } else { "," })
                ),
            ))
            .line(1)
            .expected_said(said(
                "a header month,indicator,value (or mois;indicateur;valeur)",
                "un en-tête month,indicator,value (ou mois;indicateur;valeur)",
            )),
        ]));
    };
    let reported: Vec<&str> = e.kpis.iter().map(|k| k.name.as_str()).collect();
    let mut problems = Vec::new();
    let mut rows: Vec<ReportRow> = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(err(
                    line,
                    "",
                    format!("unreadable row: {e}"),
                    format!("ligne illisible : {e}"),
                ));
                continue;
            }
        };
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        let get = |c: usize| rec.get(c).unwrap_or("").to_string();
        let (m, ind, v) = (get(mc), get(ic), get(vc));
        let parsed_month = match report_month(&m, e, today) {
            Ok(x) => Some(x),
            Err(p) => {
                let mut r = err(line, "month", p.en, p.fr);
                r = match p.expected {
                    Some((en, fr)) => r.expected_said(said(en, fr)),
                    None => r.timestamp(m.clone()),
                };
                problems.push(r);
                None
            }
        };
        let indicator = if reported.contains(&ind.as_str()) {
            Some(ind.clone())
        } else {
            let hint = crate::attributes::suggest(&ind, reported.iter().copied())
                .map(|h| {
                    (
                        format!("; did you mean \"{h}\"?"),
                        format!(" ; vouliez-vous dire « {h} » ?"),
                    )
                })
                .unwrap_or_default();
            let names = reported.join(", ");
            problems.push(
                err(
                    line,
                    "indicator",
                    format!("the experiment reports no indicator \"{ind}\"{}", hint.0),
                    format!(
                        "l'expérimentation ne déclare pas d'indicateur « {ind} »{}",
                        hint.1
                    ),
                )
                .expected_said(said(
                    format!("one of the experiment's indicators: {names}"),
                    format!("un des indicateurs de l'expérimentation : {names}"),
                )),
            );
            None
        };
        let normalised = if semicolon {
            v.replace(',', ".")
        } else {
            v.clone()
        };
        let value = match normalised.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                problems.push(
                    err(
                        line,
                        "value",
                        format!("{v:?} is not a number"),
                        format!("« {v} » n'est pas un nombre"),
                    )
                    .expected_said(said(
                        "a number in the indicator's unit, e.g. 2480.5",
                        "un nombre dans l'unité de l'indicateur, par exemple 2480,5",
                    ))
                    .timestamp(m.clone()),
                );
                None
            }
        };
        if let (Some(month), Some(indicator), Some(value)) = (parsed_month, indicator, value) {
            if let Some(first) = rows
                .iter()
                .find(|r| r.month == month && r.indicator == indicator)
            {
                problems.push(
                    err(
                        line,
                        "month",
                        format!("{m} of \"{indicator}\" is already on line {}", first.line),
                        format!("{m} de « {indicator} » figure déjà ligne {}", first.line),
                    )
                    .expected_said(said(
                        "one value per month and indicator",
                        "une valeur par mois et par indicateur",
                    ))
                    .timestamp(m.clone()),
                );
                continue;
            }
            rows.push(ReportRow {
                line,
                month,
                indicator,
                value,
            });
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(
            ReadError::said(said(
                "the report holds no value",
                "le rapport ne contient aucune valeur",
            ))
            .expected_said(said(
                "a row month,indicator,value after the header",
                "une ligne mois,indicateur,valeur après l'en-tête",
            )),
        );
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(ReadErrors(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn experiment() -> Experiment {
        let text = "commune = \"Meudon\"\ntitle = \"Bikes\"\ntheme = \"mobility\"\nstart = 2025-04-01\nend = 2027-04-01\n\
                    [[kpis]]\nname = \"cargo-bike distance\"\nunit = \"km\"\nmonthly = [{ month = \"2025-04\", value = 1 }]\n\
                    [[kpis]]\nname = \"van trips avoided\"\nunit = \"trips\"\nmonthly = [{ month = \"2025-04\", value = 1 }]\n";
        crate::parse_experiment(text, std::path::Path::new("e.toml"))
            .unwrap()
            .0
    }

    #[test]
    fn a_good_report_in_either_layout() {
        let e = experiment();
        let comma = b"month,indicator,value\n2026-10,cargo-bike distance,2900\n2026-11,van trips avoided,410\n\n";
        let rows = read_report(comma, &e, (2026, 12)).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[1].month, rows[1].value, rows[1].line),
            ((2026, 11), 410.0, 3)
        );
        let french = "\u{feff}Mois;Indicateur;Valeur\n2026-11;cargo-bike distance;2 480,5\n"
            .replace("2 480", "2480");
        let rows = read_report(french.as_bytes(), &e, (2026, 12)).unwrap();
        assert_eq!(rows[0].value, 2480.5);
    }

    /// Each bad report → every problem it holds, located; nothing is returned.
    #[test]
    fn bad_reports_say_every_problem_at_once() {
        let e = experiment();
        let cases: &[(&str, &[&str])] = &[
            (
                "month,indicator,value\n2026-13,cargo-bike distance,1\n2027-05,cargo-bike distance,1\n2027-01,cargo-bike distance,1\n",
                &[
                    "line 2: month: \"2026-13\" is not a month (expected YYYY-MM, e.g. 2026-11)",
                    "line 3: month: 2027-05 is outside the experiment (2025-04 to 2027-03)",
                    "line 4: month: 2027-01 has not begun",
                ],
            ),
            (
                "month,indicator,value\n2026-11,van trip avoided,x\n",
                &[
                    "line 2: indicator: the experiment reports no indicator \"van trip avoided\"; did you mean \"van trips avoided\"?",
                    "line 2: value: \"x\" is not a number",
                ],
            ),
            (
                "month,indicator,value\n2026-11,van trips avoided,1\n2026-11,van trips avoided,2\n",
                &["line 3: month: 2026-11 of \"van trips avoided\" is already on line 2"],
            ),
            (
                "date,kpi,amount\n2026-11,km,1\n",
                &["line 1: the header is \"date,kpi,amount\""],
            ),
            ("month,indicator,value\n", &["the report holds no value"]),
            (
                "month,indicator,value\n2026-11,van trips avoided,NaN\n",
                &["line 2: value: \"NaN\" is not a number"],
            ),
        ];
        for (text, expected) in cases {
            let got = read_report(text.as_bytes(), &e, (2026, 12)).unwrap_err();
            assert_eq!(got.0.len(), expected.len(), "{text:?}: {got}");
            for (g, x) in got.0.iter().zip(expected.iter()) {
                assert!(
                    g.to_string().starts_with(x),
                    "{text:?}: {g} does not start with {x}"
                );
                assert!(g.message_fr.is_some(), "{g}: said in French too");
            }
        }
        assert!(read_report(&[0xff, 0xfe, 0x00], &e, (2026, 12)).is_err());
    }

    proptest::proptest! {
        /// No input panics: any bytes are a report or located problems.
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = read_report(&bytes, &experiment(), (2026, 12));
        }

        /// Any rows of plausible fields: read, or refused with every problem said in French.
        #[test]
        fn plausible_rows_are_read_or_refused_in_both_languages(
            rows in proptest::collection::vec(("20[0-9]{2}-[0-1][0-9]", "(cargo-bike distance|van trips avoided|km)", "-?[0-9]{1,5}(\\.[0-9])?"), 0..20)
        ) {
            let text: String = std::iter::once("month,indicator,value".to_string())
                .chain(rows.iter().map(|(m, i, v)| format!("{m},{i},{v}")))
                .collect::<Vec<_>>()
                .join("\n");
            match read_report(text.as_bytes(), &experiment(), (2026, 12)) {
                Ok(got) => proptest::prop_assert!(got.len() <= rows.len()),
                Err(e) => proptest::prop_assert!(e.0.iter().all(|p| p.message_fr.is_some())),
            }
        }
    }
}
