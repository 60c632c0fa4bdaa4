//! Small, dependency-free SVG charts for reports and dashboards: a line chart with several
//! series and uncertainty bands, and a grouped bar chart with optional error whiskers and a
//! target line. Axes carry their label and unit, ticks are "nice" numbers (or calendar
//! months, days or hours on a time axis, in UTC), and a legend names every series.
//!
//! The API is generic: points are `(X, f64)` with [`X`] a UTC instant or a plain number,
//! each series has a label; NaN values are gaps (never written into the SVG). The output is a
//! standalone `<svg>` element with a `viewBox`, scalable in HTML; [`check_well_formed`] is the
//! parse-free check the tests use (balanced tags, a viewBox, no NaN or infinity).
//!
//! ```
//! use quartier_report::svg::{AxisSpec, LineChart, LineSeries, X, line_chart, check_well_formed};
//! let chart = LineChart {
//!     title: "Metered energy".into(),
//!     x: AxisSpec::new("day", ""),
//!     y: AxisSpec::new("energy", "kWh"),
//!     series: vec![LineSeries::new("metered", (0..10).map(|i| (X::Index(i as f64), i as f64 * 1.5)).collect())],
//!     bands: vec![],
//!     ..LineChart::default()
//! };
//! let svg = line_chart(&chart);
//! assert!(svg.starts_with("<svg"));
//! check_well_formed(&svg).unwrap();
//! ```

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// Colour-blind-safe palette (Okabe–Ito).
pub const PALETTE: &[&str] = &[
    "#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000",
];

/// An abscissa: a UTC instant (time axis) or a plain number (index axis).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum X {
    /// A UTC instant.
    Instant(DateTime<Utc>),
    /// A number (an index, a temperature…).
    Index(f64),
}

impl X {
    fn value(self) -> f64 {
        match self {
            X::Instant(t) => t.timestamp() as f64,
            X::Index(x) => x,
        }
    }
}

/// An axis' label and unit (the unit is shown in brackets).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AxisSpec {
    /// What the axis shows.
    pub label: String,
    /// Its unit (empty for none).
    pub unit: String,
}

impl AxisSpec {
    /// An axis spec.
    pub fn new(label: &str, unit: &str) -> AxisSpec {
        AxisSpec {
            label: label.to_owned(),
            unit: unit.to_owned(),
        }
    }

    fn title(&self) -> String {
        if self.unit.is_empty() {
            self.label.clone()
        } else {
            format!("{} [{}]", self.label, self.unit)
        }
    }
}

/// One line of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSeries {
    /// Legend label.
    pub label: String,
    /// Points in x order (NaN y = gap).
    pub points: Vec<(X, f64)>,
    /// Draw dashed.
    pub dashed: bool,
    /// Colour (CSS); `None` = the palette's next.
    pub color: Option<String>,
}

impl LineSeries {
    /// A solid line with the palette's colour.
    pub fn new(label: &str, points: Vec<(X, f64)>) -> LineSeries {
        LineSeries {
            label: label.to_owned(),
            points,
            dashed: false,
            color: None,
        }
    }
}

/// A shaded band between a lower and an upper value (an uncertainty interval).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Legend label.
    pub label: String,
    /// `(x, low, high)` in x order (NaN = gap).
    pub points: Vec<(X, f64, f64)>,
    /// Colour (CSS); `None` = the palette's first.
    pub color: Option<String>,
}

/// How a chart writes numbers and months: the reader's language. English by default (the
/// CLI's reports); the dashboard passes the page's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    /// The decimal separator of tick labels and values (`.` or `,`).
    pub decimal: char,
    /// Short month names, January first.
    pub months: [&'static str; 12],
}

impl Locale {
    /// English: `0.5`, `Jun 2025`.
    pub const ENGLISH: Locale = Locale {
        decimal: '.',
        months: [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
    };
    /// French: `0,5`, `juin 2025`.
    pub const FRENCH: Locale = Locale {
        decimal: ',',
        months: [
            "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
            "nov.", "déc.",
        ],
    };

    /// The short name of month `m0` (0 = January).
    fn month(&self, m0: u32) -> &'static str {
        self.months[(m0 as usize).min(11)]
    }
}

impl Default for Locale {
    fn default() -> Self {
        Locale::ENGLISH
    }
}

/// A line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// X axis.
    pub x: AxisSpec,
    /// Y axis.
    pub y: AxisSpec,
    /// Lines, drawn above the bands.
    pub series: Vec<LineSeries>,
    /// Bands.
    pub bands: Vec<Band>,
    /// Width in SVG units.
    pub width: f64,
    /// Height in SVG units.
    pub height: f64,
    /// Draw a horizontal line at y = 0 when it is in range.
    pub zero_line: bool,
    /// Time zone of a time axis' ticks and labels (UTC by default; Europe/Paris on the
    /// dashboard, the edge where instants meet people).
    pub time_zone: Tz,
    /// Numbers and month names.
    pub locale: Locale,
}

impl Default for LineChart {
    fn default() -> Self {
        LineChart {
            title: String::new(),
            x: AxisSpec::default(),
            y: AxisSpec::default(),
            series: Vec::new(),
            bands: Vec::new(),
            width: 900.0,
            height: 360.0,
            zero_line: true,
            time_zone: chrono_tz::UTC,
            locale: Locale::ENGLISH,
        }
    }
}

/// One series of a bar chart: a value per category (NaN = none).
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    /// Legend label.
    pub label: String,
    /// One value per category.
    pub values: Vec<f64>,
    /// Half-width of an error whisker per category (NaN = none), if any.
    pub errors: Option<Vec<f64>>,
    /// Colour (CSS); `None` = the palette's next.
    pub color: Option<String>,
}

/// A grouped bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Title.
    pub title: String,
    /// Category labels (x axis).
    pub categories: Vec<String>,
    /// X axis label (categories).
    pub x: AxisSpec,
    /// Y axis.
    pub y: AxisSpec,
    /// Series, grouped side by side in each category.
    pub series: Vec<BarSeries>,
    /// A horizontal reference line (label, value), e.g. a target.
    pub reference: Option<(String, f64)>,
    /// Width in SVG units.
    pub width: f64,
    /// Height in SVG units.
    pub height: f64,
    /// Numbers.
    pub locale: Locale,
}

impl Default for BarChart {
    fn default() -> Self {
        BarChart {
            title: String::new(),
            categories: Vec::new(),
            x: AxisSpec::default(),
            y: AxisSpec::default(),
            series: Vec::new(),
            reference: None,
            width: 900.0,
            height: 360.0,
            locale: Locale::ENGLISH,
        }
    }
}

/// A bar of a timeline row: from `from` to `to` in column units (a column is a month).
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Start, in columns from the first (fractions inside a column).
    pub from: f64,
    /// End (exclusive), in columns.
    pub to: f64,
    /// Index into [`Timeline::legend`] (its colour and meaning).
    pub kind: usize,
    /// A thin bar (what actually happened) over the thick planned ones.
    pub thin: bool,
}

/// One row of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    /// Its label (cut to fit).
    pub label: String,
    /// Its bars.
    pub spans: Vec<Span>,
    /// Diamonds at a column position, with their tooltip (milestones).
    pub marks: Vec<(f64, String)>,
}

/// A timeline (a Gantt chart over calendar columns).
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Title.
    pub title: String,
    /// Column labels (months), every one drawn as a grid line, every `label_every` labelled.
    pub columns: Vec<String>,
    /// How often a column is labelled.
    pub label_every: usize,
    /// Rows, top to bottom.
    pub rows: Vec<TimelineRow>,
    /// A vertical "today" line, in columns, with its label.
    pub now: Option<(f64, String)>,
    /// What each kind of bar means (colour from the palette by index), and what a thin bar
    /// and a diamond mean.
    pub legend: Vec<String>,
    /// Width in SVG units.
    pub width: f64,
}

/// A timeline as a standalone `<svg>`: row labels on the left, month columns, bars, diamonds,
/// the "today" line and a legend below.
pub fn timeline(t: &Timeline) -> String {
    let label_w = 300.0;
    let (top, row_h) = (40.0, 24.0);
    let n = t.columns.len().max(1) as f64;
    let plot_w = (t.width - label_w - 10.0).max(100.0);
    let x = |c: f64| label_w + plot_w * (c.clamp(0.0, n) / n);
    let legend_rows = t.legend.len().div_ceil(3).max(1) as f64;
    let height = top + row_h * t.rows.len() as f64 + 26.0 + 18.0 * legend_rows;
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {height:.0}\" role=\"img\" aria-label=\"{ti}\">\
         <title>{ti}</title><text x=\"0\" y=\"14\" font-weight=\"600\">{ti}</text>",
        w = t.width,
        ti = escape(&t.title)
    );
    let bottom = top + row_h * t.rows.len() as f64;
    for (i, c) in t.columns.iter().enumerate() {
        let cx = x(i as f64);
        let _ = write!(
            o,
            "<line x1=\"{cx:.1}\" y1=\"{:.1}\" x2=\"{cx:.1}\" y2=\"{bottom:.1}\" stroke=\"#e3e6ea\"/>",
            top - 6.0
        );
        if t.label_every > 0 && i % t.label_every == 0 {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                cx + 2.0,
                top - 10.0,
                escape(c)
            );
        }
    }
    for (r, row) in t.rows.iter().enumerate() {
        let y = top + row_h * r as f64;
        let label: String = if row.label.chars().count() > 46 {
            row.label.chars().take(45).collect::<String>() + "…"
        } else {
            row.label.clone()
        };
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{:.1}\"><title>{}</title>{}</text>",
            y + row_h * 0.65,
            escape(&row.label),
            escape(&label)
        );
        for s in row.spans.iter().filter(|s| s.to > s.from) {
            let (h, dy) = if s.thin {
                (4.0, row_h * 0.5 - 2.0)
            } else {
                (row_h * 0.6, row_h * 0.2)
            };
            let colour = if s.thin {
                "#1d2433"
            } else {
                PALETTE[s.kind % PALETTE.len()]
            };
            let _ = write!(
                o,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{colour}\"{}/>",
                x(s.from),
                y + dy,
                (x(s.to) - x(s.from)).max(1.0),
                if s.thin { "" } else { " fill-opacity=\"0.55\"" }
            );
        }
        for (c, tip) in &row.marks {
            let (mx, my) = (x(*c), y + row_h * 0.5);
            let _ = write!(
                o,
                "<path d=\"M{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z\" fill=\"#1d2433\"><title>{}</title></path>",
                mx,
                my - 5.0,
                mx + 5.0,
                my,
                mx,
                my + 5.0,
                mx - 5.0,
                my,
                escape(tip)
            );
        }
    }
    if let Some((c, label)) = &t.now {
        let nx = x(*c);
        let _ = write!(
            o,
            "<line x1=\"{nx:.1}\" y1=\"{:.1}\" x2=\"{nx:.1}\" y2=\"{bottom:.1}\" stroke=\"#a40000\" stroke-width=\"2\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#a40000\">{}</text>",
            top - 6.0,
            nx + 3.0,
            bottom + 14.0,
            escape(label)
        );
    }
    for (i, item) in t.legend.iter().enumerate() {
        let lx = (i % 3) as f64 * (t.width / 3.0);
        let ly = bottom + 30.0 + 18.0 * (i / 3) as f64;
        let _ = write!(
            o,
            "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"14\" height=\"10\" fill=\"{}\" fill-opacity=\"0.55\"/>\
             <text x=\"{:.1}\" y=\"{ly:.1}\">{}</text>",
            ly - 9.0,
            PALETTE[i % PALETTE.len()],
            lx + 18.0,
            escape(item)
        );
    }
    o.push_str("</svg>");
    o
}

/// Escapes text for SVG/HTML content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const LEFT: f64 = 78.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 58.0;
const BOTTOM: f64 = 56.0;

/// "Nice" ticks covering `[lo, hi]`, about `n` of them.
fn nice_ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, f64) {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|k| k * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut t = first;
    while t <= hi + step * 1e-9 && ticks.len() < 50 {
        ticks.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    (ticks, step)
}

/// A tick label with as many decimals as the step needs, `decimal` as separator, and
/// thin-space thousands.
fn fmt_tick(v: f64, step: f64, decimal: char) -> String {
    let decimals = (0..=6)
        .find(|d| {
            let x = step * 10f64.powi(*d);
            (x - x.round()).abs() < 1e-6 * x.abs().max(1.0)
        })
        .unwrap_or(6);
    let s = format!("{:.*}", decimals.clamp(0, 6) as usize, v);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_owned(), format!("{decimal}{f}")),
        None => (s.clone(), String::new()),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("−", d.to_owned()),
        None => ("", int),
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{202F}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{frac}")
}

/// Calendar ticks on a time axis (seconds since the epoch): months, days or hours, in UTC.
/// Ticks of a time axis from `lo` to `hi` (Unix seconds), placed and labelled in `tz`'s
/// local time (month starts, midnights or whole hours of that time zone).
fn time_ticks(lo: f64, hi: f64, tz: Tz, locale: &Locale) -> Vec<(f64, String)> {
    let (Some(a), Some(b)) = (
        Utc.timestamp_opt(lo as i64, 0).single(),
        Utc.timestamp_opt(hi as i64, 0).single(),
    ) else {
        return Vec::new();
    };
    let (la, lb) = (
        a.with_timezone(&tz).naive_local(),
        b.with_timezone(&tz).naive_local(),
    );
    // A local tick as a UTC abscissa (a tick in a DST gap is skipped).
    let at = |n: NaiveDateTime| {
        tz.from_local_datetime(&n)
            .earliest()
            .map(|t| t.timestamp() as f64)
    };
    let days = (hi - lo) / 86_400.0;
    let mut out = Vec::new();
    if days > 75.0 {
        let months = days / 30.44;
        let k = [1u32, 2, 3, 4, 6, 12]
            .into_iter()
            .find(|k| months / f64::from(*k) <= 13.0)
            .unwrap_or(24);
        let mut y = la.year();
        let mut m = la.month0();
        // First month start at or after `a`, aligned on k.
        if la.day() != 1 || la.hour() != 0 || la.minute() != 0 {
            m += 1;
        }
        while m % k != 0 {
            m += 1;
        }
        loop {
            y += (m / 12) as i32;
            m %= 12;
            let Some(d) = NaiveDate::from_ymd_opt(y, m + 1, 1) else {
                break;
            };
            let Some(t) = d.and_hms_opt(0, 0, 0) else {
                break;
            };
            if t > lb || out.len() > 40 {
                break;
            }
            let label = if m == 0 || out.is_empty() {
                format!("{} {y}", locale.month(m))
            } else {
                locale.month(m).to_string()
            };
            if let Some(x) = at(t) {
                out.push((x, label));
            }
            m += k;
        }
    } else if days > 2.0 {
        let k = [1i64, 2, 7, 14, 28]
            .into_iter()
            .find(|k| days / *k as f64 <= 12.0)
            .unwrap_or(28);
        let mut t = la.date().and_hms_opt(0, 0, 0).unwrap_or(la);
        if t < la {
            t += Duration::days(1);
        }
        while t <= lb && out.len() <= 40 {
            if let Some(x) = at(t) {
                out.push((x, format!("{} {}", t.day(), locale.month(t.month0()))));
            }
            t += Duration::days(k);
        }
    } else {
        let hours = days * 24.0;
        let k = [1i64, 2, 3, 6, 12]
            .into_iter()
            .find(|k| hours / *k as f64 <= 12.0)
            .unwrap_or(12);
        let mut t = la
            .with_minute(0)
            .and_then(|x| x.with_second(0))
            .unwrap_or(la);
        if t < la {
            t += Duration::hours(1);
        }
        while t <= lb && out.len() <= 40 {
            if let Some(x) = at(t) {
                out.push((x, t.format("%H:%M").to_string()));
            }
            t += Duration::hours(k);
        }
    }
    out
}

/// The frame shared by both charts: title, legend, y grid and ticks, axis titles.
struct Frame {
    locale: Locale,
    w: f64,
    h: f64,
    y_lo: f64,
    y_hi: f64,
}

impl Frame {
    fn plot_w(&self) -> f64 {
        (self.w - LEFT - RIGHT).max(1.0)
    }
    fn plot_h(&self) -> f64 {
        (self.h - TOP - BOTTOM).max(1.0)
    }
    fn y(&self, v: f64) -> f64 {
        TOP + self.plot_h() * (1.0 - (v - self.y_lo) / (self.y_hi - self.y_lo))
    }

    fn open(&self, out: &mut String, title: &str, y: &AxisSpec, legend: &[(String, String, &str)]) {
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
             role=\"img\" aria-label=\"{t}\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\
             <title>{t}</title>\
             <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\
             <text x=\"{LEFT}\" y=\"20\" font-size=\"15\" font-weight=\"600\" fill=\"#222\">{t}</text>",
            w = self.w,
            h = self.h,
            t = escape(title)
        );
        // Legend: one row under the title.
        let mut x = LEFT;
        for (label, color, kind) in legend {
            let sw = match *kind {
                "band" => format!(
                    "<rect x=\"{x:.1}\" y=\"31\" width=\"18\" height=\"10\" fill=\"{color}\" fill-opacity=\"0.25\"/>"
                ),
                "dash" => format!(
                    "<line x1=\"{x:.1}\" y1=\"36\" x2=\"{:.1}\" y2=\"36\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>",
                    x + 18.0
                ),
                "bar" => format!(
                    "<rect x=\"{x:.1}\" y=\"31\" width=\"18\" height=\"10\" fill=\"{color}\"/>"
                ),
                _ => format!(
                    "<line x1=\"{x:.1}\" y1=\"36\" x2=\"{:.1}\" y2=\"36\" stroke=\"{color}\" stroke-width=\"2.5\"/>",
                    x + 18.0
                ),
            };
            out.push_str(&sw);
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"40\" fill=\"#333\">{}</text>",
                x + 23.0,
                escape(label)
            );
            x += 23.0 + 6.5 * label.chars().count() as f64 + 18.0;
        }
        // Y grid, ticks and title.
        let (ticks, step) = nice_ticks(self.y_lo, self.y_hi, 6);
        for t in ticks {
            let y = self.y(t);
            let _ = write!(
                out,
                "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#444\">{}</text>",
                LEFT + self.plot_w(),
                LEFT - 6.0,
                y + 4.0,
                fmt_tick(t, step, self.locale.decimal)
            );
        }
        let _ = write!(
            out,
            "<text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            TOP + self.plot_h() / 2.0,
            escape(&y.title())
        );
    }

    fn close(&self, out: &mut String, x: &AxisSpec) {
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\" stroke=\"#888\"/>\
             <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{b:.1}\" stroke=\"#888\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{}</text></svg>",
            LEFT + self.plot_w() / 2.0,
            self.h - 10.0,
            escape(&x.title()),
            b = TOP + self.plot_h(),
            r = LEFT + self.plot_w(),
        );
    }
}

/// Range of finite values, padded; `(0, 1)` when there is none.
fn y_range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi - lo < 1e-12 {
        let d = if hi.abs() > 0.0 { hi.abs() * 0.1 } else { 1.0 };
        return (lo - d, hi + d);
    }
    let pad = (hi - lo) * 0.05;
    let (ticks, step) = nice_ticks(lo - pad, hi + pad, 6);
    let first = ticks.first().copied().unwrap_or(lo);
    let last = ticks.last().copied().unwrap_or(hi);
    let (data_lo, data_hi) = (lo, hi);
    let mut lo = if first > lo - pad {
        first - step
    } else {
        first
    };
    let mut hi = if last < hi + pad { last + step } else { last };
    // Never pad across zero: non-negative data start at 0, non-positive data end at 0.
    if data_lo >= 0.0 && lo < 0.0 {
        lo = 0.0;
    }
    if data_hi <= 0.0 && hi > 0.0 {
        hi = 0.0;
    }
    (lo, hi)
}

/// Renders a line chart as a standalone SVG element.
pub fn line_chart(c: &LineChart) -> String {
    let xs = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0.value()))
        .chain(
            c.bands
                .iter()
                .flat_map(|b| b.points.iter().map(|p| p.0.value())),
        )
        .filter(|v| v.is_finite());
    let (mut x_lo, mut x_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs {
        x_lo = x_lo.min(x);
        x_hi = x_hi.max(x);
    }
    if !x_lo.is_finite() {
        (x_lo, x_hi) = (0.0, 1.0);
    }
    if x_hi - x_lo <= 0.0 {
        x_hi = x_lo + 1.0;
    }
    let is_time = c
        .series
        .iter()
        .flat_map(|s| s.points.first())
        .map(|p| p.0)
        .chain(c.bands.iter().flat_map(|b| b.points.first()).map(|p| p.0))
        .next()
        .is_some_and(|x| matches!(x, X::Instant(_)));
    let ys = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(
            c.bands
                .iter()
                .flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])),
        );
    let (y_lo, y_hi) = y_range(ys, false);
    let f = Frame {
        locale: c.locale,
        w: c.width,
        h: c.height,
        y_lo,
        y_hi,
    };
    let px = |x: f64| LEFT + f.plot_w() * (x - x_lo) / (x_hi - x_lo);
    let mut legend = Vec::new();
    for (i, b) in c.bands.iter().enumerate() {
        let col = b
            .color
            .clone()
            .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_owned());
        legend.push((b.label.clone(), col, "band"));
    }
    let colors: Vec<String> = c
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.color
                .clone()
                .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_owned())
        })
        .collect();
    for (s, col) in c.series.iter().zip(&colors) {
        legend.push((
            s.label.clone(),
            col.clone(),
            if s.dashed { "dash" } else { "line" },
        ));
    }
    let mut out = String::new();
    f.open(&mut out, &c.title, &c.y, &legend);
    // X ticks.
    let bottom = TOP + f.plot_h();
    let xticks: Vec<(f64, String)> = if is_time {
        time_ticks(x_lo, x_hi, c.time_zone, &c.locale)
    } else {
        let (t, step) = nice_ticks(x_lo, x_hi, 8);
        t.into_iter()
            .map(|v| (v, fmt_tick(v, step, c.locale.decimal)))
            .collect()
    };
    for (v, label) in xticks {
        let x = px(v);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{bottom:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
            bottom + 5.0,
            bottom + 19.0,
            escape(&label)
        );
    }
    if c.zero_line && y_lo < 0.0 && y_hi > 0.0 {
        let y = f.y(0.0);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#777\" stroke-width=\"1\"/>",
            LEFT + f.plot_w()
        );
    }
    for (i, b) in c.bands.iter().enumerate() {
        let col = b
            .color
            .clone()
            .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_owned());
        // One polygon per run of finite points.
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        let flush = |run: &mut Vec<(f64, f64, f64)>, out: &mut String| {
            if run.len() >= 2 {
                let mut pts = String::new();
                for (x, _, hi) in run.iter() {
                    let _ = write!(pts, "{:.1},{:.1} ", px(*x), f.y(*hi));
                }
                for (x, lo, _) in run.iter().rev() {
                    let _ = write!(pts, "{:.1},{:.1} ", px(*x), f.y(*lo));
                }
                let _ = write!(
                    out,
                    "<polygon points=\"{}\" fill=\"{col}\" fill-opacity=\"0.22\" stroke=\"none\"/>",
                    pts.trim_end()
                );
            }
            run.clear();
        };
        for (x, lo, hi) in &b.points {
            let x = x.value();
            if x.is_finite() && lo.is_finite() && hi.is_finite() {
                run.push((x, *lo, *hi));
            } else {
                flush(&mut run, &mut out);
            }
        }
        flush(&mut run, &mut out);
    }
    for (s, col) in c.series.iter().zip(&colors) {
        let mut d = String::new();
        let mut pen_down = false;
        for (x, y) in &s.points {
            let x = x.value();
            if x.is_finite() && y.is_finite() {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    px(x),
                    f.y(*y)
                );
                pen_down = true;
            } else {
                pen_down = false;
            }
        }
        if d.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<path d=\"{}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"1.6\" stroke-linejoin=\"round\"{}/>",
            d.trim_end(),
            if s.dashed {
                " stroke-dasharray=\"5 3\""
            } else {
                ""
            }
        );
    }
    f.close(&mut out, &c.x);
    out
}

/// Renders a grouped bar chart as a standalone SVG element.
pub fn bar_chart(c: &BarChart) -> String {
    let ys = c
        .series
        .iter()
        .flat_map(|s| {
            let errs = s.errors.clone().unwrap_or_default();
            s.values
                .iter()
                .enumerate()
                .flat_map(move |(i, v)| {
                    let e = errs
                        .get(i)
                        .copied()
                        .filter(|e| e.is_finite())
                        .unwrap_or(0.0);
                    [v - e, v + e]
                })
                .collect::<Vec<_>>()
        })
        .chain(c.reference.iter().map(|r| r.1));
    let (y_lo, y_hi) = y_range(ys, true);
    let f = Frame {
        locale: c.locale,
        w: c.width,
        h: c.height,
        y_lo,
        y_hi,
    };
    let colors: Vec<String> = c
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.color
                .clone()
                .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_owned())
        })
        .collect();
    let mut legend: Vec<(String, String, &str)> = c
        .series
        .iter()
        .zip(&colors)
        .map(|(s, col)| (s.label.clone(), col.clone(), "bar"))
        .collect();
    if let Some((label, _)) = &c.reference {
        legend.push((label.clone(), "#222222".into(), "dash"));
    }
    let mut out = String::new();
    f.open(&mut out, &c.title, &c.y, &legend);
    let n = c.categories.len().max(1);
    let slot = f.plot_w() / n as f64;
    let k = c.series.len().max(1);
    let bar_w = (slot * 0.8 / k as f64).max(0.5);
    let zero = f.y(0.0_f64.clamp(y_lo, y_hi));
    let bottom = TOP + f.plot_h();
    let every = (n as f64 / 14.0).ceil().max(1.0) as usize;
    for (i, cat) in c.categories.iter().enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        if i % every == 0 {
            let _ = write!(
                out,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
                bottom + 18.0,
                escape(cat)
            );
        }
        for (j, (s, col)) in c.series.iter().zip(&colors).enumerate() {
            let Some(v) = s.values.get(i).copied().filter(|v| v.is_finite()) else {
                continue;
            };
            let x = LEFT + slot * i as f64 + slot * 0.1 + bar_w * j as f64;
            let y = f.y(v);
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\" fill=\"{col}\"><title>{}: {}</title></rect>",
                y.min(zero),
                (y - zero).abs().max(0.5),
                escape(cat),
                escape(&format!("{v:.1}").replace('.', &c.locale.decimal.to_string()))
            );
            let e = s
                .errors
                .as_ref()
                .and_then(|e| e.get(i).copied())
                .filter(|e| e.is_finite() && *e > 0.0);
            if let Some(e) = e {
                let xm = x + bar_w / 2.0;
                let _ = write!(
                    out,
                    "<line x1=\"{xm:.1}\" y1=\"{:.1}\" x2=\"{xm:.1}\" y2=\"{:.1}\" stroke=\"#222\" stroke-width=\"1.2\"/>",
                    f.y(v - e),
                    f.y(v + e)
                );
            }
        }
    }
    if y_lo < 0.0 {
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{zero:.1}\" x2=\"{:.1}\" y2=\"{zero:.1}\" stroke=\"#777\"/>",
            LEFT + f.plot_w()
        );
    }
    if let Some((_, v)) = c.reference.as_ref().filter(|r| r.1.is_finite()) {
        let y = f.y(*v);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#222\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>",
            LEFT + f.plot_w()
        );
    }
    f.close(&mut out, &c.x);
    out
}

/// Parse-free well-formedness check of an SVG (or XHTML-like) fragment: every tag closed in
/// order, an `<svg>` with a `viewBox`, and no `NaN` or `inf` anywhere in the markup.
pub fn check_well_formed(svg: &str) -> Result<(), String> {
    if !svg.contains("<svg") || !svg.contains("viewBox=\"") {
        return Err("no <svg> element with a viewBox".into());
    }
    for bad in ["NaN", "inf\"", "inf,", "inf ", "-inf"] {
        if svg.contains(bad) {
            return Err(format!("the markup contains {bad:?}"));
        }
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        rest = rest.get(i + 1..).unwrap_or("");
        let Some(end) = rest.find('>') else {
            return Err("unterminated tag".into());
        };
        let tag = rest.get(..end).unwrap_or("");
        rest = rest.get(end + 1..).unwrap_or("");
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or("");
            if name.is_empty() {
                return Err("empty tag".into());
            }
            stack.push(name);
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed tags: {stack:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: i64) -> X {
        X::Instant(Utc.with_ymd_and_hms(2021, 4, 1, 0, 0, 0).unwrap() + Duration::days(d))
    }

    #[test]
    fn line_chart_with_band_and_gaps_is_well_formed() {
        let pts: Vec<(X, f64)> = (0..365)
            .map(|d| {
                (
                    day(d),
                    if d == 100 {
                        f64::NAN
                    } else {
                        (d as f64 * 0.1).sin() * 5.0
                    },
                )
            })
            .collect();
        let band: Vec<(X, f64, f64)> = (0..365)
            .map(|d| (day(d), d as f64 - 10.0, d as f64 + 10.0))
            .collect();
        let svg = line_chart(&LineChart {
            title: "Cumulative <savings> & co".into(),
            x: AxisSpec::new("date", "UTC"),
            y: AxisSpec::new("energy", "kWh"),
            series: vec![
                LineSeries::new("metered", pts.clone()),
                LineSeries {
                    dashed: true,
                    ..LineSeries::new("baseline", pts)
                },
            ],
            bands: vec![Band {
                label: "90 % interval".into(),
                points: band,
                color: None,
            }],
            ..LineChart::default()
        });
        check_well_formed(&svg).unwrap();
        assert!(svg.contains("viewBox=\"0 0 900 360\""));
        assert!(svg.contains("energy [kWh]"));
        assert!(svg.contains("&lt;savings&gt; &amp; co"));
        assert!(svg.contains("<polygon"));
        // The NaN splits the line into two subpaths.
        let path = svg.split("<path d=\"").nth(1).unwrap();
        assert_eq!(path.split('"').next().unwrap().matches('M').count(), 2);
        // Month ticks on a year-long time axis.
        assert!(svg.contains(">Jun<") || svg.contains(">May<"), "{svg}");
    }

    #[test]
    fn bar_chart_and_empty_charts_are_well_formed() {
        let svg = bar_chart(&BarChart {
            title: "km".into(),
            categories: (1..=24).map(|m| format!("M{m}")).collect(),
            y: AxisSpec::new("distance", "km"),
            series: vec![BarSeries {
                label: "ridden".into(),
                values: (0..24)
                    .map(|i| {
                        if i == 3 {
                            f64::NAN
                        } else {
                            i as f64 * 100.0 - 300.0
                        }
                    })
                    .collect(),
                errors: Some(vec![50.0; 24]),
                color: None,
            }],
            reference: Some(("target".into(), 1500.0)),
            ..BarChart::default()
        });
        check_well_formed(&svg).unwrap();
        // Background, one legend swatch, 23 bars (one value is NaN).
        assert_eq!(svg.matches("<rect").count(), 1 + 1 + 23);
        for svg in [
            line_chart(&LineChart::default()),
            bar_chart(&BarChart::default()),
        ] {
            check_well_formed(&svg).unwrap();
        }
        let flat = line_chart(&LineChart {
            series: vec![LineSeries::new(
                "x",
                vec![(X::Index(0.0), 3.0), (X::Index(0.0), 3.0)],
            )],
            ..LineChart::default()
        });
        check_well_formed(&flat).unwrap();
    }

    #[test]
    fn the_checker_catches_problems() {
        assert!(check_well_formed("<svg viewBox=\"0 0 1 1\"><g></svg>").is_err());
        assert!(check_well_formed("<svg viewBox=\"0 0 1 1\"><path d=\"MNaN\"/></svg>").is_err());
        assert!(check_well_formed("<svg><g/></svg>").is_err());
        assert!(check_well_formed("<svg viewBox=\"0 0 1 1\"><g/></svg>").is_ok());
    }

    #[test]
    fn positive_data_do_not_get_a_negative_axis() {
        let (lo, hi) = y_range([850.0, 3300.0].into_iter(), true);
        assert_eq!(lo, 0.0);
        assert!(hi >= 3300.0);
        let (lo, hi) = y_range([-5.0, -1.0].into_iter(), false);
        assert!(lo <= -5.0 && hi <= 0.0);
    }

    #[test]
    fn time_ticks_fall_on_local_midnights_and_hours() {
        let utc = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp() as f64;
        let paris = chrono_tz::Europe::Paris;
        // A winter week: Paris midnight is 23:00 UTC the day before.
        let t = time_ticks(
            utc(2025, 1, 6, 0),
            utc(2025, 1, 13, 0),
            paris,
            &Locale::ENGLISH,
        );
        assert_eq!(t.first(), Some(&(utc(2025, 1, 6, 23), "7 Jan".to_string())));
        let t = time_ticks(
            utc(2025, 1, 6, 0),
            utc(2025, 1, 13, 0),
            chrono_tz::UTC,
            &Locale::ENGLISH,
        );
        assert_eq!(t.first(), Some(&(utc(2025, 1, 6, 0), "6 Jan".to_string())));
        let t = time_ticks(
            utc(2025, 1, 6, 0),
            utc(2025, 1, 13, 0),
            paris,
            &Locale::FRENCH,
        );
        assert_eq!(t[0].1, "7 janv.");
        // The spring-forward night, hourly: 02:00 does not exist in Paris and gets no tick;
        // 03:00 local is 01:00 UTC.
        let t = time_ticks(
            utc(2025, 3, 29, 23),
            utc(2025, 3, 30, 5),
            paris,
            &Locale::ENGLISH,
        );
        let labels: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert!(!labels.contains(&"02:00"), "{labels:?}");
        assert!(
            t.contains(&(utc(2025, 3, 30, 1), "03:00".to_string())),
            "{t:?}"
        );
        // Months: the first of each local month.
        let t = time_ticks(
            utc(2025, 1, 1, 0),
            utc(2025, 12, 31, 0),
            paris,
            &Locale::ENGLISH,
        );
        assert_eq!(
            t.first(),
            Some(&(utc(2025, 1, 31, 23), "Feb 2025".to_string()))
        );
        let t = time_ticks(
            utc(2025, 1, 1, 0),
            utc(2025, 12, 31, 0),
            paris,
            &Locale::FRENCH,
        );
        assert_eq!(t[0].1, "févr. 2025");
        assert_eq!(t[1].1, "mars");
    }

    #[test]
    fn ticks_are_nice() {
        let (t, step) = nice_ticks(0.0, 97.0, 5);
        assert_eq!(step, 20.0);
        assert_eq!(t, vec![0.0, 20.0, 40.0, 60.0, 80.0]);
        assert_eq!(fmt_tick(12000.0, 1000.0, '.'), "12\u{202F}000");
        assert_eq!(fmt_tick(-0.25, 0.25, '.'), "−0.25");
        assert_eq!(fmt_tick(0.5, 0.5, '.'), "0.5");
        assert_eq!(fmt_tick(-0.25, 0.25, ','), "−0,25");
    }
}
