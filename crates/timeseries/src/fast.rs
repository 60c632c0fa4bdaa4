//! The fast path of the generic CSV reader: one pass over the bytes, no `String` per field,
//! timestamps of the common forms parsed digit by digit.
//!
//! It reads only what it is sure of: a file without quotes, with `\n` or `\r\n` line ends,
//! whose rows are clean (every timestamp and value readable, no negative energy, a regular
//! step, no gap, no hole). On the first thing it is not sure of, it gives up (`None`) and the
//! caller reads the file again on the full path ([`crate::csv_generic`]), which finds and words
//! every problem exactly as it always has. So the fast path never reports anything itself:
//! whatever it returns, the full path would have returned the same [`Series`].
//!
//! Timestamps: [`fast_timestamp`] reads `YYYY-MM-DD[T ]HH:MM[:SS]` followed by `Z`, `z`,
//! `±HH:MM` or `±HHMM` (an instant) or by nothing (a naive local time); any other form goes
//! through the full [`parse_timestamp`], field by field.

use chrono::{DateTime, NaiveDate, Utc};

use crate::csv_generic::CsvOptions;
use crate::reader::{
    LocalResolver, MAX_AXIS_STEPS, Stamped, parse_number, parse_timestamp, plausible_year,
};
use crate::{Axis, IntervalLabel, Series, Step};

/// Two ASCII digits as a number.
fn two(b: &[u8], at: usize) -> Option<u32> {
    let (h, l) = (*b.get(at)?, *b.get(at + 1)?);
    (h.is_ascii_digit() && l.is_ascii_digit())
        .then(|| u32::from(h - b'0') * 10 + u32::from(l - b'0'))
}

/// Four ASCII digits as a number.
fn four(b: &[u8], at: usize) -> Option<u32> {
    Some(two(b, at)? * 100 + two(b, at + 2)?)
}

/// Reads the common timestamp forms without allocating; `None` when `s` is not one of them
/// (the caller then tries [`parse_timestamp`], which knows every accepted form). What it
/// returns is what [`parse_timestamp`] returns for the same text.
pub(crate) fn fast_timestamp(s: &str) -> Option<Stamped> {
    let b = s.as_bytes();
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' {
        return None;
    }
    if b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let year = four(b, 0)?;
    let (month, day) = (two(b, 5)?, two(b, 8)?);
    let (hour, minute) = (two(b, 11)?, two(b, 14)?);
    let mut rest = &b[16..];
    let mut second = 0;
    if let [b':', ..] = rest {
        second = two(rest, 1)?;
        rest = &rest[3..];
    }
    // Years at the edges of the accepted range could leave it once moved to UTC: full path.
    let year = i32::try_from(year)
        .ok()
        .filter(|y| (1001..=9998).contains(y))?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    let offset_s: i64 = match rest {
        [] => return Some(Stamped::Naive(naive)),
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let oh = two(&[*h1, *h2], 0)?;
            let om = two(&[*m1, *m2], 0)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = i64::from(oh * 3600 + om * 60);
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let t = naive.and_utc() - chrono::Duration::seconds(offset_s);
    debug_assert!(plausible_year(chrono::Datelike::year(&t)));
    Some(Stamped::Instant(t))
}

/// A field with ASCII blanks trimmed (the `csv` reader trims every field).
fn trim(field: &str) -> &str {
    field.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// A value as [`parse_number`] reads it, without allocating for a decimal comma.
fn number(field: &str, decimal_comma: bool) -> Option<f64> {
    if decimal_comma && field.contains(',') {
        let mut buf = [0u8; 64];
        let bytes = field.as_bytes();
        if bytes.len() > buf.len() {
            return parse_number(field, decimal_comma);
        }
        for (d, &c) in buf.iter_mut().zip(bytes) {
            *d = if c == b',' { b'.' } else { c };
        }
        let text = std::str::from_utf8(buf.get(..bytes.len())?).ok()?;
        text.parse().ok()
    } else {
        field.parse().ok()
    }
}

/// Where the values are: the column index, and whether the first line is a header.
pub(crate) struct Layout {
    pub col: usize,
    pub has_header: bool,
}

/// Reads `text` (BOM stripped, not blank) on the fast path; `None`: read it on the full path.
pub(crate) fn parse_fast(
    text: &str,
    delim: u8,
    layout: &Layout,
    options: &CsvOptions,
) -> Option<Series> {
    if text.as_bytes().contains(&b'"') {
        return None;
    }
    let decimal_comma = delim == b';';
    let extensive = options.quantity.is_extensive() && !options.allow_negative;
    let mut resolver = LocalResolver::new(options.timezone);
    let mut times: Vec<DateTime<Utc>> = Vec::with_capacity(text.len() / 24);
    let mut values: Vec<f64> = Vec::with_capacity(text.len() / 24);
    let mut header_pending = layout.has_header;
    let delim = char::from(delim);
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if line.contains('\r') {
            return None;
        }
        if header_pending {
            header_pending = false;
            continue;
        }
        let mut fields = line.split(delim);
        let ts = trim(fields.next()?);
        let t = match fast_timestamp(ts).or_else(|| parse_timestamp(ts))? {
            Stamped::Instant(t) => {
                resolver.note(t);
                t
            }
            Stamped::Naive(n) => resolver.resolve(n).ok()?,
        };
        let raw = trim(fields.nth(layout.col.checked_sub(1)?)?);
        let v = number(raw, decimal_comma).filter(|v| v.is_finite())?;
        if v < 0.0 && extensive {
            return None;
        }
        times.push(t);
        values.push(v);
    }
    regular_series(&times, values, options)
}

/// The series of rows that are on one regular step, without gap or disorder; `None`
/// otherwise (the full path then says what is wrong, or fills what its policy fills).
fn regular_series(
    times: &[DateTime<Utc>],
    values: Vec<f64>,
    options: &CsvOptions,
) -> Option<Series> {
    let (first, second) = (*times.first()?, *times.get(1)?);
    let secs = (second - first).num_seconds();
    if secs <= 0 || secs % 60 != 0 || times.len() >= usize::try_from(MAX_AXIS_STEPS).ok()? {
        return None;
    }
    let step = Step::from_minutes(u32::try_from(secs / 60).ok()?).ok()?;
    if times
        .windows(2)
        .any(|w| (w[1] - w[0]).num_seconds() != secs)
    {
        return None;
    }
    let start = match options.label {
        IntervalLabel::Start => first,
        IntervalLabel::End => first - step.duration(),
    };
    let axis = Axis::new(start, step, times.len()).ok()?;
    // The capacity was a guess from the file's size: keep only what the values need.
    let mut values = values;
    values.shrink_to_fit();
    Series::new(axis, options.quantity, values).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, TimeZone};

    fn naive(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, s))
            .unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    /// What the fast parser must read, and what it reads it as (always the full parser's
    /// reading too).
    #[test]
    fn fast_timestamps_read_as_the_full_parser_does() {
        let cases: &[(&str, Stamped)] = &[
            (
                "2025-03-30T01:30:00+01:00",
                Stamped::Instant(utc(2025, 3, 30, 0, 30, 0)),
            ),
            (
                "2025-03-30T03:30:00+02:00",
                Stamped::Instant(utc(2025, 3, 30, 1, 30, 0)),
            ),
            (
                "2025-10-26T02:30:00+02:00",
                Stamped::Instant(utc(2025, 10, 26, 0, 30, 0)),
            ),
            (
                "2025-10-26T02:30:00+01:00",
                Stamped::Instant(utc(2025, 10, 26, 1, 30, 0)),
            ),
            (
                "2025-01-01T00:00:00Z",
                Stamped::Instant(utc(2025, 1, 1, 0, 0, 0)),
            ),
            (
                "2025-01-01T00:00Z",
                Stamped::Instant(utc(2025, 1, 1, 0, 0, 0)),
            ),
            (
                "2025-01-01T00:00:00z",
                Stamped::Instant(utc(2025, 1, 1, 0, 0, 0)),
            ),
            (
                "2025-01-01 00:00:00+0100",
                Stamped::Instant(utc(2024, 12, 31, 23, 0, 0)),
            ),
            (
                "2025-01-01T00:00-05:30",
                Stamped::Instant(utc(2025, 1, 1, 5, 30, 0)),
            ),
            (
                "2024-02-29T23:45:59+00:00",
                Stamped::Instant(utc(2024, 2, 29, 23, 45, 59)),
            ),
            (
                "2025-03-30 02:30",
                Stamped::Naive(naive(2025, 3, 30, 2, 30, 0)),
            ),
            (
                "2025-10-26 02:30:00",
                Stamped::Naive(naive(2025, 10, 26, 2, 30, 0)),
            ),
            (
                "2025-10-26T02:30",
                Stamped::Naive(naive(2025, 10, 26, 2, 30, 0)),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(fast_timestamp(text), Some(*want), "fast {text}");
            assert_eq!(parse_timestamp(text), Some(*want), "full {text}");
        }
    }

    /// Forms the fast parser leaves to the full one: unusual but accepted, or wrong. Either
    /// way the full parser decides, so nothing read or reported changes.
    #[test]
    fn unusual_or_malformed_timestamps_fall_back() {
        for text in [
            "30/03/2025 01:30",
            "30.03.2025 01:30",
            "2025-03-30T01:30:00.000+01:00",
            "2025-03-30T01:30:00+01",
            "0999-12-31T23:00:00Z",
            "9999-01-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T00:60:00Z",
            "2025-06-30T23:59:60Z",
            "2025-01-01T00:00:00+24:00",
            "2025-01-01T00:00:00+01:60",
            "2025-1-01T00:00:00Z",
            "2025-01-01X00:00:00Z",
            "2025-01-01T00:00:00 Z",
            "2025-01-01T00:00:00+01:00x",
            "2025-01-01",
            "yesterday",
            "",
            "２０２５-01-01T00:00Z",
        ] {
            assert_eq!(fast_timestamp(text), None, "{text:?}");
        }
        // Of those, the full parser reads some and refuses the others: unchanged.
        assert!(parse_timestamp("30/03/2025 01:30").is_some());
        assert!(parse_timestamp("2025-03-30T01:30:00.000+01:00").is_some());
        assert!(parse_timestamp("2025-02-29T00:00:00Z").is_none());
        assert!(parse_timestamp("0999-12-31T23:00:00Z").is_none());
    }

    /// The fast path reads clean files, and leaves every file with a problem, a fold, a
    /// quote or a lone carriage return to the full path.
    #[test]
    fn fast_path_takes_clean_files_only() {
        let o = CsvOptions::default();
        let layout = Layout {
            col: 1,
            has_header: true,
        };
        let read = |t: &str| parse_fast(t, b',', &layout, &o);
        let clean = "t,v\n2025-01-01T00:00Z,1\n2025-01-01T00:30Z,2.5\r\n\n2025-01-01T01:00Z,0\n";
        assert_eq!(read(clean).unwrap().values(), [1.0, 2.5, 0.0]);
        let fold = "t,v\n2025-10-26 01:30,1\n2025-10-26 02:00,1\n2025-10-26 02:30,1\n\
                    2025-10-26 02:00,1\n2025-10-26 02:30,1\n2025-10-26 03:00,1\n";
        assert_eq!(read(fold).unwrap().values().len(), 6);
        for bad in [
            "t,v\n2025-01-01T00:00Z,1\n2025-01-01T01:00Z,2\n2025-01-01T03:00Z,2\n",
            "t,v\n2025-01-01T00:00Z,1\n2025-01-01T00:00Z,2\n",
            "t,v\n2025-01-01T00:00Z,1\n2025-01-01T01:00Z,\n2025-01-01T02:00Z,1\n",
            "t,v\n2025-01-01T00:00Z,1\n2025-01-01T01:00Z,-1\n",
            "t,v\n2025-01-01T00:00Z,1\n2025-01-01T01:00Z,NaN\n",
            "t,v\n2025-01-01T00:00Z,\"1\"\n2025-01-01T01:00Z,1\n",
            "t,v\r2025-01-01T00:00Z,1\r2025-01-01T01:00Z,1\r",
            "t,v\n2025-01-01T00:00Z,1\n2025-01-01T00:07Z,1\n",
            "t,v\n2025-03-30 01:30,1\n2025-03-30 02:00,1\n",
            "t,v\n2025-01-01T00:00Z,1\n",
            "t,v\n2025-01-01T00:00Z\n2025-01-01T01:00Z,1\n",
            "t,v\n2025-01-01T00:10Z,1\n2025-01-01T01:10Z,1\n",
        ] {
            assert!(read(bad).is_none(), "{bad:?}");
        }
    }
}
