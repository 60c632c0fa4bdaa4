//! Machinery shared by every reader: reading a file within limits, collecting diagnostics,
//! parsing timestamps and numbers, and placing timestamped rows on a regular [`Axis`].
//!
//! Conventions: every instant becomes UTC at the moment it is parsed. Naive local times are
//! interpreted in the caller's [`Tz`]; a wall-clock time repeated at the autumn change is
//! resolved in file order (first occurrence = summer offset, second = winter offset) and a time
//! skipped at the spring change is an error. Rows are then checked against the step: going
//! back in time, duplicates, instants off the grid and gaps are each reported with their line
//! and timestamp. At most [`MAX_REPORTED`] problems are listed, followed by "and N more".

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::{Axis, ReadError, ReadErrors, Said, Step, Weather, said};

/// Largest file a reader accepts, in bytes (512 MiB).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Number of problems listed in full before the rest are summarised as "and N more".
pub const MAX_REPORTED: usize = 50;

/// Longest axis a reader builds (steps); beyond it the file is rejected as implausible.
pub(crate) const MAX_AXIS_STEPS: i64 = 20_000_000;

/// How a reader treats missing steps (gaps in the timestamps, or empty values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FillPolicy {
    /// Missing steps are errors (the default).
    #[default]
    None,
    /// Missing steps are filled with zero.
    Zero,
    /// Missing steps are interpolated linearly between the neighbouring values.
    Linear,
    /// Missing steps repeat the previous value.
    Previous,
    /// Missing steps stay missing: NaN, for the reader of the series to exclude and count
    /// (measurement and verification: CalTRACK excludes gaps, it does not fill them).
    Missing,
    /// Runs of at most this many missing steps are interpolated linearly between their
    /// neighbours; longer runs, and runs at either end of the file, stay missing (NaN).
    LinearUpTo(u32),
}

/// Which end of its interval a file's timestamp marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntervalLabel {
    /// The timestamp is the start of the interval (Quartier's own convention).
    #[default]
    Start,
    /// The timestamp is the end of the interval (meters often label this way).
    End,
}

/// Reads a text file for a reader: rejects missing, empty and oversized (> 512 MiB) files
/// before reading them. Bytes that are not UTF-8 are decoded as Latin-1 (old exports).
pub fn read_text(path: &Path) -> Result<String, ReadErrors> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ReadError::new(format!("cannot read the file: {e}")).file(path))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::new(format!(
            "file is {} MiB, larger than the {} MiB limit of the readers",
            meta.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ))
        .file(path)
        .into());
    }
    if meta.len() == 0 {
        return Err(ReadError::new("the file is empty").file(path).into());
    }
    let bytes = std::fs::read(path)
        .map_err(|e| ReadError::new(format!("cannot read the file: {e}")).file(path))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    })
}

/// Collects the problems of one file, keeping the first [`MAX_REPORTED`].
#[derive(Debug)]
pub(crate) struct Diag {
    file: PathBuf,
    errors: Vec<ReadError>,
    more: usize,
}

impl Diag {
    pub(crate) fn new(source: &Path) -> Diag {
        Diag {
            file: source.to_path_buf(),
            errors: Vec::new(),
            more: 0,
        }
    }

    /// Records a problem (the file is filled in).
    pub(crate) fn push(&mut self, e: ReadError) {
        if self.errors.len() < MAX_REPORTED {
            self.errors.push(e.file(self.file.clone()));
        } else {
            self.more += 1;
        }
    }

    /// A problem at a line, with its field and timestamp when known.
    pub(crate) fn at(
        &mut self,
        line: u64,
        field: Option<&str>,
        ts: Option<&str>,
        message: impl Into<Said>,
    ) {
        let mut e = ReadError::said(message.into()).line(line);
        if let Some(f) = field {
            e = e.field(f);
        }
        if let Some(t) = ts {
            e = e.timestamp(t);
        }
        self.push(e);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems found, with the "and N more" summary when some were left off.
    /// Problems are listed by line (file-level ones, without a line, first).
    pub(crate) fn into_errors(mut self) -> ReadErrors {
        self.errors.sort_by_key(|e| e.line);
        if self.more > 0 {
            let e = ReadError::said(said(
                format!("and {} more problems", self.more),
                format!("et {} autres problèmes", self.more),
            ))
            .file(self.file);
            self.errors.push(e);
        }
        ReadErrors(self.errors)
    }

    /// `Ok(value)` when no problem was found, else every problem.
    pub(crate) fn result<T>(self, value: T) -> Result<T, ReadErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self.into_errors())
        }
    }

    /// Stops the read with the problems found so far.
    pub(crate) fn fail<T>(self) -> Result<T, ReadErrors> {
        Err(self.into_errors())
    }
}

/// The error for a file that holds nothing but blanks.
pub(crate) fn empty_file(source: &Path) -> ReadErrors {
    ReadError::said(said(
        "the file is empty (no header, no data)",
        "le fichier est vide (ni en-tête, ni données)",
    ))
    .file(source)
    .into()
}

/// Strips a UTF-8 byte-order mark.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// `;` when the first non-blank line holds one, else `,`.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.contains(';') { b';' } else { b',' }
}

/// One CSV record with its 1-based line number.
pub(crate) struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

/// Every record of `text` split on `delim` (quotes handled by the `csv` crate; blank lines
/// skipped; fields trimmed).
pub(crate) fn csv_rows(text: &str, delim: u8) -> Vec<Row> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // The input is valid UTF-8, so the csv reader cannot fail; it stops at the end.
    while let Ok(true) = rdr.read_record(&mut record) {
        let line = record.position().map_or(0, |p| p.line());
        rows.push(Row {
            line,
            fields: record.iter().map(str::to_string).collect(),
        });
    }
    rows
}

/// A timestamp as written: either an instant (with offset or `Z`) or a naive local time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Stamped {
    Instant(DateTime<Utc>),
    Naive(NaiveDateTime),
}

const OFFSET_FORMATS: [&str; 8] = [
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M%:z",
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M%:z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M%z",
];

const NAIVE_FORMATS: [&str; 8] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
];

/// Years a reader accepts (keeps axis arithmetic far from chrono's limits).
pub(crate) fn plausible_year(year: i32) -> bool {
    (1000..=9999).contains(&year)
}

/// What the accepted timestamp forms are, for error messages.
pub(crate) const TIMESTAMP_FORMS: &str = "ISO 8601 with offset or Z (2025-03-30T01:30:00+01:00), \
     or local YYYY-MM-DD HH:MM[:SS], YYYY-MM-DDTHH:MM, dd/mm/yyyy HH:MM";

/// The same, in French.
pub(crate) const TIMESTAMP_FORMS_FR: &str = "ISO 8601 avec décalage ou Z \
     (2025-03-30T01:30:00+01:00), ou heure locale AAAA-MM-JJ HH:MM[:SS], AAAA-MM-JJTHH:MM, \
     jj/mm/aaaa HH:MM";

/// Parses the timestamp forms the generic readers accept.
pub(crate) fn parse_timestamp(s: &str) -> Option<Stamped> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let normalised;
    let with_offset = match s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        Some(head) => {
            normalised = format!("{head}+00:00");
            normalised.as_str()
        }
        None => s,
    };
    let instant = DateTime::parse_from_rfc3339(with_offset).ok().or_else(|| {
        OFFSET_FORMATS
            .iter()
            .find_map(|f| DateTime::parse_from_str(with_offset, f).ok())
    });
    if let Some(t) = instant {
        let t = t.with_timezone(&Utc);
        return plausible_year(t.year()).then_some(Stamped::Instant(t));
    }
    let naive = NAIVE_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    plausible_year(naive.year()).then_some(Stamped::Naive(naive))
}

/// Turns naive local times into UTC instants in file order, resolving the autumn fold.
pub(crate) struct LocalResolver {
    tz: Tz,
    prev: Option<DateTime<Utc>>,
}

impl LocalResolver {
    pub(crate) fn new(tz: Tz) -> LocalResolver {
        LocalResolver { tz, prev: None }
    }

    /// Remembers an instant already known (rows written with an offset).
    pub(crate) fn note(&mut self, t: DateTime<Utc>) {
        self.prev = Some(t);
    }

    /// The instant of a naive local time, or why it has none.
    pub(crate) fn resolve(&mut self, naive: NaiveDateTime) -> Result<DateTime<Utc>, Said> {
        let tz = self.tz;
        let t = match self.tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::None => {
                return Err(said(
                    format!(
                        "local time {naive} does not exist in {tz} (skipped by the spring daylight-saving change)"
                    ),
                    format!(
                        "l'heure locale {naive} n'existe pas en {tz} (sautée au passage à l'heure d'été)"
                    ),
                ));
            }
            LocalResult::Ambiguous(a, b) => {
                let (early, late) = {
                    let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
                    if a <= b { (a, b) } else { (b, a) }
                };
                match self.prev {
                    Some(p) if p < early => early,
                    Some(p) if p < late => late,
                    Some(_) => {
                        return Err(said(
                            format!(
                                "local time {naive} occurs twice in {tz} (autumn daylight-saving change) \
                                 and appears here a third time or out of order: cannot tell which one is meant"
                            ),
                            format!(
                                "l'heure locale {naive} existe deux fois en {tz} (passage à l'heure \
                                 d'hiver) et revient ici une troisième fois ou dans le désordre : impossible \
                                 de savoir laquelle est visée"
                            ),
                        ));
                    }
                    None => {
                        return Err(said(
                            format!(
                                "local time {naive} occurs twice in {tz} (autumn daylight-saving change) \
                                 and starts the data: cannot tell summer from winter time"
                            ),
                            format!(
                                "l'heure locale {naive} existe deux fois en {tz} (passage à l'heure \
                                 d'hiver) et ouvre les données : impossible de distinguer l'heure d'été de \
                                 l'heure d'hiver"
                            ),
                        ));
                    }
                }
            }
        };
        self.prev = Some(t);
        Ok(t)
    }
}

/// Parses a number; with `decimal_comma`, `1,5` reads as 1.5. Non-finite values are returned
/// as such (callers report them).
pub(crate) fn parse_number(s: &str, decimal_comma: bool) -> Option<f64> {
    let s = s.trim();
    if decimal_comma && s.contains(',') {
        s.replace(',', ".").parse().ok()
    } else {
        s.parse().ok()
    }
}

/// A row's instant, with where it came from and whether it carries a value.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    pub line: u64,
    pub text: String,
    pub t: DateTime<Utc>,
    /// False when the row's value is missing (empty): a hole to fill, not a gap.
    pub present: bool,
}

/// The most common positive difference between consecutive stamps, as a [`Step`].
pub(crate) fn infer_step(stamps: &[Stamp]) -> Result<Step, Box<ReadError>> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for w in stamps.windows(2) {
        let d = (w[1].t - w[0].t).num_seconds();
        if d > 0 {
            *counts.entry(d).or_default() += 1;
        }
    }
    let Some((&secs, _)) = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else {
        return Err(Box::new(ReadError::said(said(
            "cannot infer the time step: fewer than two increasing timestamps",
            "impossible de déduire le pas de temps : moins de deux horodatages croissants",
        ))));
    };
    let bad = || {
        Box::new(
            ReadError::said(said(
                format!(
                    "the most common interval between timestamps is {secs} s, which is not a step that divides a day"
                ),
                format!(
                    "l'écart le plus fréquent entre horodatages est de {secs} s, qui ne divise pas une journée"
                ),
            ))
            .expected_said(said(
                "a step of whole minutes dividing 1440, such as 10, 15, 30 or 60 minutes",
                "un pas en minutes entières divisant 1440, comme 10, 15, 30 ou 60 minutes",
            )),
        )
    };
    if secs % 60 != 0 || secs / 60 > 1440 {
        return Err(bad());
    }
    u32::try_from(secs / 60)
        .ok()
        .and_then(|m| Step::from_minutes(m).ok())
        .ok_or_else(bad)
}

/// Where each axis interval's value comes from.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub axis: Axis,
    /// For each interval, the index of the stamp that holds its value (None: to fill).
    pub src: Vec<Option<usize>>,
}

/// Places stamps on a regular axis of `step`, reporting rows that go back in time,
/// duplicates, rows off the grid and (when `fill` is [`FillPolicy::None`]) gaps and empty
/// values. Returns `None` when no axis can be built.
pub(crate) fn build_grid(
    stamps: &[Stamp],
    step: Step,
    fill: FillPolicy,
    diag: &mut Diag,
) -> Option<Grid> {
    let first = stamps.first().or_else(|| {
        diag.push(ReadError::said(said(
            "no data rows",
            "aucune ligne de données",
        )));
        None
    })?;
    let s = i64::from(step.minutes()) * 60;
    if Axis::new(first.t, step, 0).is_err() {
        diag.at(
            first.line,
            None,
            Some(&first.text),
            said(
                format!(
                    "first timestamp ({} UTC) is not on the {step} grid (a whole number of steps after midnight UTC)",
                    first.t.format("%Y-%m-%d %H:%M:%S")
                ),
                format!(
                    "le premier horodatage ({} UTC) n'est pas sur la grille de {step} (un nombre entier de pas après minuit UTC)",
                    first.t.format("%Y-%m-%d %H:%M:%S")
                ),
            ),
        );
        return None;
    }
    let empty_value = |st: &Stamp, diag: &mut Diag| {
        if !st.present && fill == FillPolicy::None {
            diag.at(
                st.line,
                None,
                Some(&st.text),
                said(
                    "empty value (missing reading)",
                    "valeur vide (relevé manquant)",
                ),
            );
        }
    };
    empty_value(first, diag);
    let mut last = first;
    let mut gapped = false;
    let mut placed: Vec<(i64, usize)> = vec![(0, 0)];
    for (k, st) in stamps.iter().enumerate().skip(1) {
        let d = (st.t - last.t).num_seconds();
        if d < 0 {
            diag.at(
                st.line,
                None,
                Some(&st.text),
                said(
                    format!(
                        "timestamps go back in time: {} UTC is before {} UTC on line {}",
                        st.t.format("%Y-%m-%d %H:%M:%S"),
                        last.t.format("%Y-%m-%d %H:%M:%S"),
                        last.line
                    ),
                    format!(
                        "les horodatages reculent : {} UTC est avant {} UTC, ligne {}",
                        st.t.format("%Y-%m-%d %H:%M:%S"),
                        last.t.format("%Y-%m-%d %H:%M:%S"),
                        last.line
                    ),
                ),
            );
            continue;
        }
        if d == 0 {
            diag.at(
                st.line,
                None,
                Some(&st.text),
                said(
                    format!("duplicate timestamp (same instant as line {})", last.line),
                    format!(
                        "horodatage en double (même instant que la ligne {})",
                        last.line
                    ),
                ),
            );
            continue;
        }
        if d % s != 0 {
            diag.at(
                st.line,
                None,
                Some(&st.text),
                said(
                    format!(
                        "timestamp is off the {step} grid ({d} s after the row on line {})",
                        last.line
                    ),
                    format!(
                        "horodatage hors de la grille de {step} ({d} s après la ligne {})",
                        last.line
                    ),
                ),
            );
            continue;
        }
        let missing = d / s - 1;
        if missing > 0 && fill == FillPolicy::None {
            gapped = true;
            diag.at(
                st.line,
                None,
                Some(&st.text),
                said(
                    format!(
                        "gap: {missing} missing step(s) of {step} after {} (line {})",
                        last.text, last.line
                    ),
                    format!(
                        "trou : {missing} pas de {step} manquant(s) après {} (ligne {})",
                        last.text, last.line
                    ),
                ),
            );
        }
        let idx = (st.t - first.t).num_seconds() / s;
        if idx >= MAX_AXIS_STEPS {
            diag.at(
                st.line,
                None,
                Some(&st.text),
                said(
                    format!("the data spans more than {MAX_AXIS_STEPS} steps of {step}"),
                    format!("les données s'étendent sur plus de {MAX_AXIS_STEPS} pas de {step}"),
                ),
            );
            return None;
        }
        empty_value(st, diag);
        placed.push((idx, k));
        last = st;
    }
    if gapped {
        // Gaps are errors (already reported): no axis to build.
        return None;
    }
    let len = placed.last().map_or(0, |p| p.0) + 1;
    let len = usize::try_from(len).ok()?;
    let axis = Axis::new(first.t, step, len).ok()?;
    let mut src = vec![None; len];
    for (idx, k) in placed {
        let present = stamps.get(k).is_some_and(|st| st.present);
        if let Some(slot) = usize::try_from(idx).ok().and_then(|i| src.get_mut(i)) {
            *slot = present.then_some(k);
        }
    }
    Some(Grid { axis, src })
}

/// One value per axis interval: `values[k]` for interval sources, holes filled per `fill`.
pub(crate) fn fill_column(grid: &Grid, values: &[f64], fill: FillPolicy) -> Vec<f64> {
    let known: Vec<Option<f64>> = grid
        .src
        .iter()
        .map(|s| s.and_then(|k| values.get(k).copied()))
        .collect();
    let mut out = vec![0.0; known.len()];
    let mut prev: Option<(usize, f64)> = None;
    let mut i = 0;
    while i < known.len() {
        if let Some(v) = known[i] {
            out[i] = v;
            prev = Some((i, v));
            i += 1;
            continue;
        }
        // A run of holes from i to j (exclusive).
        let mut j = i;
        while j < known.len() && known[j].is_none() {
            j += 1;
        }
        let next = known.get(j).copied().flatten();
        let short = |n: u32| (j - i) <= n as usize;
        for (h, slot) in out.iter_mut().enumerate().take(j).skip(i) {
            *slot = match (fill, prev, next) {
                (FillPolicy::LinearUpTo(n), Some((pi, p)), Some(v)) if short(n) => {
                    p + (v - p) * (h - pi) as f64 / (j - pi) as f64
                }
                (FillPolicy::Missing | FillPolicy::LinearUpTo(_), _, _) => f64::NAN,
                (FillPolicy::Previous, Some((_, p)), _) => p,
                (FillPolicy::Previous, None, Some(n)) => n,
                (FillPolicy::Linear, Some((pi, p)), Some(n)) => {
                    p + (n - p) * (h - pi) as f64 / (j - pi) as f64
                }
                (FillPolicy::Linear, Some((_, p)), None) => p,
                (FillPolicy::Linear, None, Some(n)) => n,
                _ => 0.0,
            };
        }
        i = j;
    }
    out
}

/// One weather row: where it is, and GHI, DNI, DHI (W/m²), temperature (°C), wind (m/s).
pub(crate) struct WeatherRow {
    pub stamp: Stamp,
    pub values: [f64; 5],
}

/// Builds a [`Weather`] from rows on a known step; gaps and disorder are reported in `diag`.
pub(crate) fn assemble_weather(
    rows: &[WeatherRow],
    step: Step,
    sample_offset_minutes: f64,
    diag: &mut Diag,
) -> Option<Weather> {
    let stamps: Vec<Stamp> = rows.iter().map(|r| r.stamp.clone()).collect();
    let grid = build_grid(&stamps, step, FillPolicy::None, diag)?;
    let col = |k: usize| {
        let v: Vec<f64> = rows
            .iter()
            .map(|r| r.values.get(k).copied().unwrap_or(0.0))
            .collect();
        fill_column(&grid, &v, FillPolicy::None)
    };
    let w = Weather {
        axis: grid.axis,
        ghi_w_m2: col(0),
        dni_w_m2: col(1),
        dhi_w_m2: col(2),
        temp_air_c: col(3),
        wind_speed_m_s: col(4),
        sample_offset_minutes,
    };
    w.validate().ok()?;
    Some(w)
}

/// Moves naive times of a typical year (months of different years) onto one reference year.
/// Returns whether the rows were typical (their years differed) and were moved.
pub(crate) fn coerce_typical_year(times: &mut [NaiveDateTime]) -> bool {
    let Some(first) = times.first().map(|t| t.year()) else {
        return false;
    };
    if times.iter().all(|t| t.year() == first) {
        return false;
    }
    let leap = times.iter().any(|t| t.month() == 2 && t.day() == 29);
    let year = if leap {
        crate::weather::TYPICAL_REFERENCE_LEAP_YEAR
    } else {
        crate::weather::TYPICAL_REFERENCE_YEAR
    };
    for t in times.iter_mut() {
        if let Some(moved) = t.with_year(year) {
            *t = moved;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn naive(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    #[test]
    fn timestamp_forms() {
        let utc = Utc.with_ymd_and_hms(2025, 3, 30, 0, 30, 0).unwrap();
        for s in [
            "2025-03-30T01:30:00+01:00",
            "2025-03-30T00:30:00Z",
            "2025-03-30T01:30+01:00",
            "2025-03-30 01:30:00+01:00",
            "2025-03-30T01:30:00+0100",
        ] {
            assert_eq!(parse_timestamp(s), Some(Stamped::Instant(utc)), "{s}");
        }
        let n = naive(2025, 3, 30, 1, 30);
        for s in [
            "2025-03-30 01:30",
            "2025-03-30 01:30:00",
            "2025-03-30T01:30",
            "30/03/2025 01:30",
            "30.03.2025 01:30",
        ] {
            assert_eq!(parse_timestamp(s), Some(Stamped::Naive(n)), "{s}");
        }
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("0001-01-01T00:00:00Z"), None);
    }

    #[test]
    fn fold_resolved_in_order_and_gap_reported() {
        let tz = chrono_tz::Europe::Paris;
        let mut r = LocalResolver::new(tz);
        let a = r.resolve(naive(2025, 10, 26, 1, 30)).unwrap();
        let b = r.resolve(naive(2025, 10, 26, 2, 30)).unwrap();
        let c = r.resolve(naive(2025, 10, 26, 2, 30)).unwrap();
        assert_eq!((b - a).num_minutes(), 60);
        assert_eq!((c - b).num_minutes(), 60);
        assert!(r.resolve(naive(2025, 10, 26, 2, 30)).is_err());
        assert!(
            LocalResolver::new(tz)
                .resolve(naive(2025, 3, 30, 2, 30))
                .is_err()
        );
    }

    #[test]
    fn fill_policies() {
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let stamps: Vec<Stamp> = [0, 3]
            .iter()
            .enumerate()
            .map(|(k, &h)| Stamp {
                line: k as u64 + 2,
                text: String::new(),
                t: t0 + chrono::Duration::hours(h),
                present: true,
            })
            .collect();
        let mut d = Diag::new(Path::new("x"));
        let g = build_grid(&stamps, Step::MIN60, FillPolicy::Linear, &mut d).unwrap();
        assert!(d.is_empty());
        assert_eq!(g.src.iter().filter(|s| s.is_none()).count(), 2);
        let v = [1.0, 4.0];
        assert_eq!(
            fill_column(&g, &v, FillPolicy::Linear),
            [1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(
            fill_column(&g, &v, FillPolicy::Previous),
            [1.0, 1.0, 1.0, 4.0]
        );
        assert_eq!(fill_column(&g, &v, FillPolicy::Zero), [1.0, 0.0, 0.0, 4.0]);
        let kept = fill_column(&g, &v, FillPolicy::Missing);
        assert!(kept[0] == 1.0 && kept[1].is_nan() && kept[2].is_nan() && kept[3] == 4.0);
        assert_eq!(
            fill_column(&g, &v, FillPolicy::LinearUpTo(2)),
            [1.0, 2.0, 3.0, 4.0]
        );
        let long = fill_column(&g, &v, FillPolicy::LinearUpTo(1));
        assert!(
            long[1].is_nan() && long[2].is_nan(),
            "a run longer than allowed stays missing"
        );
        let mut d = Diag::new(Path::new("x"));
        assert!(build_grid(&stamps, Step::MIN60, FillPolicy::None, &mut d).is_none());
        assert_eq!(d.into_errors().0.len(), 1);
    }

    #[test]
    fn diag_caps_at_fifty() {
        let mut d = Diag::new(Path::new("f.csv"));
        for i in 0..60 {
            d.at(i, None, None, "bad");
        }
        let e = d.into_errors();
        assert_eq!(e.0.len(), MAX_REPORTED + 1);
        assert!(e.to_string().ends_with("and 10 more problems"));
    }
}
