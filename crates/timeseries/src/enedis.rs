//! Enedis "Courbe de charge" (load curve) exports of Linky meters.
//!
//! Layout: `;`-separated; a metadata block (a row of names starting `Identifiant PRM`, then a
//! row of values: PRM, data type, dates, quantity, unit, step), then `Horodate;Valeur` and one
//! row per step. `Horodate` is ISO 8601 with an offset and marks the END of the interval;
//! `Valeur` is the average power over that interval, in W (or kW when the unit says so).
//!
//! Output: a [`Series`] of [`Quantity::EnergyKwh`] per interval labelled by its START
//! (kWh = W / 1000 × step in hours), with the step inferred from the timestamps (10, 15, 30
//! or 60 minutes in practice), and the header metadata as [`EnedisMeta`]. Empty values are
//! missing readings; they and gaps are errors unless a [`FillPolicy`] fills them (the fill
//! is applied to the power, before conversion to energy). Negative values are errors.

use std::path::Path;

use chrono::NaiveDate;

use crate::reader::{
    Diag, FillPolicy, Stamp, Stamped, build_grid, csv_rows, empty_file, fill_column, infer_step,
    parse_number, parse_timestamp, read_text, strip_bom,
};
use crate::{Quantity, ReadError, ReadErrors, Series, Step, said};

/// What the header block of an Enedis export says (fields absent from the file are `None`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnedisMeta {
    /// The delivery point identifier (PRM, 14 digits; anonymised in shared data).
    pub prm: Option<String>,
    /// Data type, e.g. "Courbe de charge".
    pub data_type: Option<String>,
    /// First day of the requested period.
    pub start_date: Option<NaiveDate>,
    /// Last day of the requested period.
    pub end_date: Option<NaiveDate>,
    /// Physical quantity, e.g. "Energie active".
    pub physical_quantity: Option<String>,
    /// Business quantity, e.g. "Consommation" or "Production".
    pub business_quantity: Option<String>,
    /// Unit of `Valeur` as written ("W" or "kW").
    pub unit: Option<String>,
    /// Step in minutes as written in the header (often empty).
    pub step_minutes: Option<u32>,
    /// The step inferred from the timestamps.
    pub step: Option<Step>,
}

/// Reads an Enedis load-curve export (at most 512 MiB).
pub fn read_enedis(path: &Path, fill: FillPolicy) -> Result<(Series, EnedisMeta), ReadErrors> {
    let text = read_text(path)?;
    parse_enedis(&text, path, fill)
}

fn header_index(names: &[String], prefix: &str) -> Option<usize> {
    names
        .iter()
        .position(|n| n.to_lowercase().starts_with(prefix))
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.filter(|s| !s.is_empty()).cloned()
}

/// Parses an Enedis load-curve export; `source` names the input in diagnostics.
pub fn parse_enedis(
    text: &str,
    source: &Path,
    fill: FillPolicy,
) -> Result<(Series, EnedisMeta), ReadErrors> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let rows = csv_rows(text, b';');
    let mut diag = Diag::new(source);
    let mut meta = EnedisMeta::default();

    let Some(data_header) = rows.iter().position(|r| {
        r.fields
            .first()
            .is_some_and(|f| f.eq_ignore_ascii_case("Horodate"))
    }) else {
        diag.push(
            ReadError::said(said(
                "wrong header: no `Horodate;Valeur` row",
                "en-tête incorrect : pas de ligne « Horodate;Valeur »",
            ))
            .expected_said(said(
                "an Enedis load-curve export (Horodate;Valeur after the metadata block)",
                "un export de courbe de charge Enedis (Horodate;Valeur après le bloc de métadonnées)",
            )),
        );
        return diag.fail();
    };
    if let Some(pos) = rows.get(..data_header).and_then(|h| {
        h.iter().position(|r| {
            r.fields
                .first()
                .is_some_and(|f| f.starts_with("Identifiant"))
        })
    }) && let (Some(names), Some(vals)) = (
        rows.get(pos),
        rows.get(pos + 1).filter(|_| pos + 1 < data_header),
    ) {
        let get = |prefix: &str| {
            header_index(&names.fields, prefix).and_then(|i| non_empty(vals.fields.get(i)))
        };
        meta.prm = get("identifiant");
        meta.data_type = get("type");
        meta.start_date =
            get("date de d").and_then(|d| NaiveDate::parse_from_str(&d, "%d/%m/%Y").ok());
        meta.end_date =
            get("date de fin").and_then(|d| NaiveDate::parse_from_str(&d, "%d/%m/%Y").ok());
        meta.physical_quantity = get("grandeur physique");
        meta.business_quantity = get("grandeur m");
        meta.unit = get("unit");
        if let Some(p) = get("pas") {
            match p.parse::<u32>() {
                Ok(m) => meta.step_minutes = Some(m),
                Err(_) => diag.at(
                    vals.line,
                    Some("Pas en minutes"),
                    None,
                    said(
                        format!("unparsable step {p:?}"),
                        format!("pas illisible {p:?}"),
                    ),
                ),
            }
        }
    }
    let header_line = rows.get(data_header).map_or(0, |r| r.line);
    let value_col = rows.get(data_header).and_then(|r| {
        r.fields
            .iter()
            .position(|f| f.eq_ignore_ascii_case("Valeur"))
    });
    let Some(value_col) = value_col else {
        diag.push(
            ReadError::said(said(
                "wrong header: no `Valeur` column",
                "en-tête incorrect : pas de colonne « Valeur »",
            ))
            .line(header_line)
            .expected("Horodate;Valeur"),
        );
        return diag.fail();
    };
    let kw_per_unit = match meta.unit.as_deref() {
        None | Some("W") => 0.001,
        Some("kW") => 1.0,
        Some(u) => {
            diag.push(
                ReadError::said(said(
                    format!("unsupported unit {u:?}"),
                    format!("unité non prise en charge {u:?}"),
                ))
                .field("Unite")
                .expected_said(said(
                    "W or kW (average power of a load curve)",
                    "W ou kW (puissance moyenne d'une courbe de charge)",
                )),
            );
            return diag.fail();
        }
    };

    let mut stamps = Vec::new();
    let mut power_kw = Vec::new();
    for row in rows.get(data_header + 1..).unwrap_or(&[]) {
        let ts = row.fields.first().map(String::as_str).unwrap_or("");
        let t = match parse_timestamp(ts) {
            Some(Stamped::Instant(t)) => t,
            Some(Stamped::Naive(_)) => {
                diag.push(
                    ReadError::said(said(
                        format!("timestamp {ts:?} has no UTC offset"),
                        format!("l'horodatage {ts:?} n'a pas de décalage UTC"),
                    ))
                    .line(row.line)
                    .field("Horodate")
                    .expected_said(said(
                        "ISO 8601 with offset, like 2022-07-29T00:30:00+02:00",
                        "ISO 8601 avec décalage, comme 2022-07-29T00:30:00+02:00",
                    )),
                );
                continue;
            }
            None => {
                diag.push(
                    ReadError::said(said(
                        format!("unparsable timestamp {ts:?}"),
                        format!("horodatage illisible {ts:?}"),
                    ))
                    .line(row.line)
                    .field("Horodate")
                    .expected_said(said(
                        "ISO 8601 with offset, like 2022-07-29T00:30:00+02:00",
                        "ISO 8601 avec décalage, comme 2022-07-29T00:30:00+02:00",
                    )),
                );
                continue;
            }
        };
        let raw = row.fields.get(value_col).map(String::as_str).unwrap_or("");
        let present = !raw.is_empty();
        let mut v = 0.0;
        if present {
            match parse_number(raw, true) {
                Some(x) if !x.is_finite() => {
                    diag.at(
                        row.line,
                        Some("Valeur"),
                        Some(ts),
                        said(
                            format!("value {raw:?} is not a finite number"),
                            format!("la valeur {raw:?} n'est pas un nombre fini"),
                        ),
                    )
                }
                Some(x) if x < 0.0 => diag.at(
                    row.line,
                    Some("Valeur"),
                    Some(ts),
                    said(
                        format!("negative power {raw:?}: a load curve holds consumption or production, never negative"),
                        format!("puissance négative {raw:?} : une courbe de charge donne une consommation ou une production, jamais négative"),
                    ),
                ),
                Some(x) => v = x * kw_per_unit,
                None => diag.push(
                    ReadError::said(said(
                        format!("unparsable value {raw:?}"),
                        format!("valeur illisible {raw:?}"),
                    ))
                    .line(row.line)
                    .field("Valeur")
                    .timestamp(ts)
                    .expected_said(said("an average power in W", "une puissance moyenne en W")),
                ),
            }
        }
        stamps.push(Stamp {
            line: row.line,
            text: ts.to_string(),
            t,
            present,
        });
        power_kw.push(v);
    }
    if stamps.is_empty() {
        diag.push(
            ReadError::said(said(
                "no data rows after `Horodate;Valeur`",
                "aucune ligne de données après « Horodate;Valeur »",
            ))
            .line(header_line),
        );
        return diag.fail();
    }
    let step = match infer_step(&stamps) {
        Ok(s) => s,
        Err(e) => {
            diag.push(*e);
            return diag.fail();
        }
    };
    if let Some(m) = meta.step_minutes.filter(|&m| m != step.minutes()) {
        diag.push(
            ReadError::said(said(
                format!("the header says a step of {m} min but the timestamps are {step} apart"),
                format!(
                    "l'en-tête annonce un pas de {m} min mais les horodatages sont espacés de {step}"
                ),
            ))
            .field("Pas en minutes"),
        );
    }
    meta.step = Some(step);
    // Each timestamp ends its interval: label by start.
    for st in &mut stamps {
        st.t -= step.duration();
    }
    let Some(grid) = build_grid(&stamps, step, fill, &mut diag) else {
        return diag.fail();
    };
    let kwh: Vec<f64> = fill_column(&grid, &power_kw, fill)
        .into_iter()
        .map(|p| p * step.hours())
        .collect();
    match Series::new(grid.axis, Quantity::EnergyKwh, kwh) {
        Ok(s) => diag.result((s, meta)),
        Err(e) => {
            diag.push(ReadError::new(e.to_string()));
            diag.fail()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    const HEAD: &str = "\u{feff}Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes\n\
        01234567890123;Courbe de charge;29/06/2022;29/07/2023;Energie active;Consommation;Comptage Brut;W;\n\
        Horodate;Valeur\n";

    fn parse(body: &str) -> Result<(Series, EnedisMeta), ReadErrors> {
        parse_enedis(
            &format!("{HEAD}{body}"),
            Path::new("e.csv"),
            FillPolicy::None,
        )
    }

    #[test]
    fn reads_values_labelled_by_start() {
        let (s, m) =
            parse("2022-07-29T00:30:00+02:00;1000\n2022-07-29T01:00:00+02:00;2000\n").unwrap();
        assert_eq!(s.values(), [0.5, 1.0]);
        assert_eq!(
            s.axis().start(),
            Utc.with_ymd_and_hms(2022, 7, 28, 22, 0, 0).unwrap()
        );
        assert_eq!(m.prm.as_deref(), Some("01234567890123"));
        assert_eq!(m.unit.as_deref(), Some("W"));
        assert_eq!(m.step, Some(Step::MIN30));
        assert_eq!(m.step_minutes, None);
        assert_eq!(m.start_date, NaiveDate::from_ymd_opt(2022, 6, 29));
        assert_eq!(m.business_quantity.as_deref(), Some("Consommation"));
    }

    #[test]
    fn autumn_change_with_offsets_is_continuous() {
        let (s, _) = parse(
            "2022-10-30T02:00:00+02:00;100\n2022-10-30T02:30:00+02:00;100\n\
             2022-10-30T02:00:00+01:00;100\n2022-10-30T02:30:00+01:00;100\n",
        )
        .unwrap();
        assert_eq!(s.values().len(), 4);
    }

    #[test]
    fn duplicates_gaps_negative_and_bad_rows_reported() {
        let e = parse(
            "2022-07-29T00:30:00+02:00;100\n\
             2022-07-29T00:30:00+02:00;100\n\
             2022-07-29T02:00:00+02:00;100\n\
             2022-07-29T02:30:00+02:00;-5\n\
             2022-07-29T03:00:00+02:00;abc\n\
             2022-07-29 03:30;100\n\
             2022-07-29T04:00:00+02:00;\n\
             2022-07-29T03:00:00+02:00;1\n",
        )
        .unwrap_err();
        let m = e.to_string();
        for want in [
            "e.csv:5: duplicate timestamp (same instant as line 4)",
            "e.csv:6: gap: 2 missing step(s) of 30 min",
            "e.csv:7: Valeur: negative power",
            "e.csv:8: Valeur: unparsable value \"abc\"",
            "e.csv:9: Horodate: timestamp \"2022-07-29 03:30\" has no UTC offset",
            "e.csv:11: timestamps go back in time",
            "e.csv:10: empty value (missing reading)",
        ] {
            assert!(m.contains(want), "missing {want:?} in\n{m}");
        }
    }

    #[test]
    fn fill_policy_fills_gaps() {
        let text = format!(
            "{HEAD}2022-07-29T00:30:00+02:00;1000\n2022-07-29T01:00:00+02:00;\n2022-07-29T02:00:00+02:00;4000\n"
        );
        let (s, _) = parse_enedis(&text, Path::new("e.csv"), FillPolicy::Linear).unwrap();
        assert_eq!(s.values(), [0.5, 1.0, 1.5, 2.0]);
    }

    #[test]
    fn wrong_header_empty_and_unit() {
        assert!(
            parse_enedis("", Path::new("e"), FillPolicy::None)
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        let e = parse_enedis(
            "Date;Value\n2022-01-01T00:00:00Z;1\n",
            Path::new("e"),
            FillPolicy::None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no `Horodate;Valeur` row"), "{e}");
        let e = parse_enedis("Horodate;Power\n", Path::new("e"), FillPolicy::None).unwrap_err();
        assert!(e.to_string().contains("no `Valeur` column"), "{e}");
        let e = parse("").unwrap_err();
        assert!(e.to_string().contains("no data rows"), "{e}");
        let t = HEAD.replace(";W;", ";Wh;");
        let e = parse_enedis(
            &format!("{t}2022-07-29T00:30:00+02:00;1\n"),
            Path::new("e"),
            FillPolicy::None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("unsupported unit \"Wh\""), "{e}");
        let t = HEAD.replace(";W;", ";kW;15");
        let e = parse_enedis(
            &format!("{t}2022-07-29T00:30:00+02:00;1\n2022-07-29T01:00:00+02:00;1\n"),
            Path::new("e"),
            FillPolicy::None,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("header says a step of 15 min"),
            "{e}"
        );
    }
}
