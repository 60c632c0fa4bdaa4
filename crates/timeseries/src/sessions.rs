//! EV charging sessions: plug-in and plug-out instants, energy charged, charger power.
//!
//! Two layouts, detected from the header:
//! - generic: `plug_in,plug_out,energy_kwh[,charger_kw]` (`,` or `;`; with `;` a decimal comma
//!   is accepted), timestamps ISO 8601 with offset or naive local times in
//!   [`SessionOptions::timezone`];
//! - Trondheim (residential sessions dataset): `;`-separated, `Start_plugin`, `End_plugout`
//!   as naive local `dd.mm.yyyy HH:MM`, `El_kWh` with decimal commas, no charger power.
//!
//! A naive time repeated at the autumn change is read as its first occurrence for the
//! plug-in and as the first occurrence after the plug-in for the plug-out; a time skipped at
//! the spring change is an error. Rows whose plug-out is not after the plug-in, whose energy is
//! negative or whose fields do not parse are errors, with line and field; with
//! [`SessionOptions::skip_invalid_rows`] they are skipped and listed in
//! [`SessionsRead::skipped`] instead.

use std::path::Path;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::reader::{
    Diag, Stamped, TIMESTAMP_FORMS, csv_rows, empty_file, parse_number, parse_timestamp, read_text,
    sniff_delimiter, strip_bom,
};
use crate::{ReadError, ReadErrors};

/// One charging session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// When the vehicle was plugged in.
    pub plug_in: DateTime<Utc>,
    /// When the vehicle was unplugged (after `plug_in`).
    pub plug_out: DateTime<Utc>,
    /// Energy delivered during the session, kWh.
    pub energy_kwh: f64,
    /// Charger power, kW, when the file gives it.
    pub charger_kw: Option<f64>,
}

/// How to read a sessions file.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOptions {
    /// Time zone of naive timestamps (Europe/Oslo for the Trondheim data).
    pub timezone: Tz,
    /// Skip invalid rows (listing them in [`SessionsRead::skipped`]) instead of failing.
    pub skip_invalid_rows: bool,
}

impl Default for SessionOptions {
    /// Europe/Paris, invalid rows are errors.
    fn default() -> Self {
        SessionOptions {
            timezone: chrono_tz::Europe::Paris,
            skip_invalid_rows: false,
        }
    }
}

/// The sessions read, and the rows skipped (only with [`SessionOptions::skip_invalid_rows`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionsRead {
    /// Valid sessions in file order.
    pub sessions: Vec<SessionRecord>,
    /// Why each skipped row was skipped.
    pub skipped: Vec<ReadError>,
}

/// Reads a sessions file (at most 512 MiB).
pub fn read_sessions(path: &Path, options: &SessionOptions) -> Result<SessionsRead, ReadErrors> {
    let text = read_text(path)?;
    parse_sessions(&text, path, options)
}

struct Layout {
    plug_in: usize,
    plug_out: usize,
    energy: usize,
    charger: Option<usize>,
    names: [&'static str; 4],
}

fn find(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h.eq_ignore_ascii_case(name))
}

fn layout(header: &[String]) -> Option<Layout> {
    if let (Some(a), Some(b), Some(e)) = (
        find(header, "plug_in"),
        find(header, "plug_out"),
        find(header, "energy_kwh"),
    ) {
        return Some(Layout {
            plug_in: a,
            plug_out: b,
            energy: e,
            charger: find(header, "charger_kw"),
            names: ["plug_in", "plug_out", "energy_kwh", "charger_kw"],
        });
    }
    if let (Some(a), Some(b), Some(e)) = (
        find(header, "Start_plugin"),
        find(header, "End_plugout"),
        find(header, "El_kWh"),
    ) {
        return Some(Layout {
            plug_in: a,
            plug_out: b,
            energy: e,
            charger: None,
            names: ["Start_plugin", "End_plugout", "El_kWh", ""],
        });
    }
    None
}

/// A naive local time as an instant; the first occurrence after `after` when it is repeated.
fn local(tz: Tz, n: NaiveDateTime, after: Option<DateTime<Utc>>) -> Result<DateTime<Utc>, String> {
    match tz.from_local_datetime(&n) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            Ok(match after {
                Some(p) if early <= p => late,
                _ => early,
            })
        }
        LocalResult::None => Err(format!(
            "local time {n} does not exist in {tz} (skipped by the spring daylight-saving change)"
        )),
    }
}

/// Parses a sessions file; `source` names the input in diagnostics.
pub fn parse_sessions(
    text: &str,
    source: &Path,
    options: &SessionOptions,
) -> Result<SessionsRead, ReadErrors> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let delim = sniff_delimiter(text);
    let rows = csv_rows(text, delim);
    let Some(header) = rows.first() else {
        return Err(empty_file(source));
    };
    let Some(lay) = layout(&header.fields) else {
        return Err(ReadError::new(format!("wrong header {:?}", header.fields))
            .file(source)
            .line(header.line)
            .expected("plug_in,plug_out,energy_kwh[,charger_kw] or the Trondheim layout (Start_plugin;End_plugout;El_kWh)")
            .into());
    };
    let mut diag = Diag::new(source);
    let mut skipped = Vec::new();
    let mut sessions = Vec::new();
    for row in rows.get(1..).unwrap_or(&[]) {
        let mut problems: Vec<ReadError> = Vec::new();
        let mut bad = |field: &str, ts: Option<&str>, msg: String| {
            let mut e = ReadError::new(msg).file(source).line(row.line).field(field);
            if let Some(t) = ts {
                e = e.timestamp(t);
            }
            problems.push(e);
        };
        let get = |i: usize| row.fields.get(i).map(String::as_str).unwrap_or("");
        let mut instant = |i: usize, name: &str, after: Option<DateTime<Utc>>| {
            let raw = get(i);
            match parse_timestamp(raw) {
                Some(Stamped::Instant(t)) => Some(t),
                Some(Stamped::Naive(n)) => match local(options.timezone, n, after) {
                    Ok(t) => Some(t),
                    Err(m) => {
                        bad(name, Some(raw), m);
                        None
                    }
                },
                None => {
                    bad(
                        name,
                        None,
                        format!(
                            "unparsable timestamp {raw:?} (expected {TIMESTAMP_FORMS}, or dd.mm.yyyy HH:MM)"
                        ),
                    );
                    None
                }
            }
        };
        let plug_in = instant(lay.plug_in, lay.names[0], None);
        let plug_out = instant(lay.plug_out, lay.names[1], plug_in);
        let decimal_comma = delim == b';';
        let mut number = |i: usize, name: &str| {
            let raw = get(i);
            match parse_number(raw, decimal_comma) {
                Some(v) if v.is_finite() && v >= 0.0 => Some(v),
                Some(v) if v.is_finite() => {
                    bad(name, None, format!("negative value {v}"));
                    None
                }
                _ => {
                    bad(name, None, format!("unparsable number {raw:?}"));
                    None
                }
            }
        };
        let energy = number(lay.energy, lay.names[2]);
        let charger = match lay.charger {
            Some(c) if !get(c).is_empty() => number(c, lay.names[3]).map(Some),
            _ => Some(None),
        };
        if let (Some(a), Some(b)) = (plug_in, plug_out)
            && b <= a
        {
            bad(
                lay.names[1],
                Some(get(lay.plug_out)),
                format!("plug-out is not after plug-in ({})", get(lay.plug_in)),
            );
        }
        match (plug_in, plug_out, energy, charger, problems.is_empty()) {
            (Some(plug_in), Some(plug_out), Some(energy_kwh), Some(charger_kw), true) => sessions
                .push(SessionRecord {
                    plug_in,
                    plug_out,
                    energy_kwh,
                    charger_kw,
                }),
            _ if options.skip_invalid_rows => skipped.extend(problems),
            _ => problems.into_iter().for_each(|p| diag.push(p)),
        }
    }
    diag.result(SessionsRead { sessions, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SessionsRead, ReadErrors> {
        parse_sessions(text, Path::new("s.csv"), &SessionOptions::default())
    }

    #[test]
    fn generic_layout() {
        let r = parse("plug_in,plug_out,energy_kwh,charger_kw\n2025-01-01T18:00:00Z,2025-01-02T07:00:00Z,12.5,7.4\n2025-01-02 18:00,2025-01-02 20:00,3,\n").unwrap();
        assert_eq!(r.sessions.len(), 2);
        assert_eq!(r.sessions[0].charger_kw, Some(7.4));
        assert_eq!(r.sessions[1].charger_kw, None);
        assert_eq!(
            r.sessions[1].plug_in.to_rfc3339(),
            "2025-01-02T17:00:00+00:00"
        );
    }

    #[test]
    fn trondheim_layout_and_fold() {
        let text = "session_ID;Garage_ID;User_ID;User_type;Shared_ID;Start_plugin;Start_plugin_hour;End_plugout;End_plugout_hour;El_kWh\r\n\
            1;A;A-1;Private;NA;26.10.2025 02:30;2;26.10.2025 02:15;2;0,87\r\n";
        let o = SessionOptions {
            timezone: chrono_tz::Europe::Oslo,
            ..SessionOptions::default()
        };
        let r = parse_sessions(text, Path::new("t"), &o).unwrap();
        let s = &r.sessions[0];
        assert_eq!(s.energy_kwh, 0.87);
        // 02:30 summer time, then 02:15 winter time: 45 minutes.
        assert_eq!((s.plug_out - s.plug_in).num_minutes(), 45);
    }

    #[test]
    fn errors_with_line_and_field() {
        let e = parse(
            "plug_in;plug_out;energy_kwh\n\
             2025-01-01 18:00;2025-01-01 17:00;1\n\
             2025-01-01 18:00;2025-01-01 19:00;-1\n\
             2025-03-30 02:30;2025-03-30 05:00;1\n\
             soon;NA;x\n",
        )
        .unwrap_err();
        let m = e.to_string();
        for want in [
            "s.csv:2: plug_out: plug-out is not after plug-in",
            "s.csv:3: energy_kwh: negative value -1",
            "s.csv:4: plug_in: local time 2025-03-30 02:30:00 does not exist",
            "s.csv:5: plug_in: unparsable timestamp \"soon\"",
            "s.csv:5: plug_out: unparsable timestamp \"NA\"",
            "s.csv:5: energy_kwh: unparsable number \"x\"",
        ] {
            assert!(m.contains(want), "missing {want:?} in\n{m}");
        }
        let e = parse("start,end,kwh\n").unwrap_err();
        assert!(e.to_string().contains("wrong header"), "{e}");
        assert!(parse("").unwrap_err().to_string().contains("empty"));
    }

    #[test]
    fn skip_invalid_rows() {
        let o = SessionOptions {
            skip_invalid_rows: true,
            ..SessionOptions::default()
        };
        let r = parse_sessions(
            "plug_in,plug_out,energy_kwh\n2025-01-01T18:00Z,2025-01-01T18:00Z,1\n2025-01-01T18:00Z,2025-01-01T19:00Z,1\n",
            Path::new("s"),
            &o,
        )
        .unwrap();
        assert_eq!(r.sessions.len(), 1);
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].line, Some(2));
    }
}
