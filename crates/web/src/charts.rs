//! Server-rendered SVG charts: grouped bars (monthly energy) and lines (a week of flows),
//! each with labelled axes, units and a legend. No JavaScript, no fonts to load.

use std::fmt::Write;

use crate::html::esc;

/// One data series of a chart.
pub(crate) struct Line<'a> {
    /// Legend label.
    pub(crate) label: &'a str,
    /// Stroke or fill colour.
    pub(crate) colour: &'a str,
    /// Values, one per x position.
    pub(crate) values: Vec<f64>,
}

const W: f64 = 1000.0;
const H: f64 = 280.0;
const L: f64 = 70.0;
const R: f64 = 20.0;
const T: f64 = 30.0;
const B: f64 = 40.0;

/// A "nice" tick step for a range up to `max` with about five ticks.
fn tick_step(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    let m = if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn fmt_tick(v: f64) -> String {
    if v.abs() >= 1000.0 || v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Frame: y grid with ticks from 0 to a nice maximum, y unit, legend. Returns the SVG start
/// and the y scale maximum.
fn frame(out: &mut String, title: &str, unit: &str, series: &[Line<'_>]) -> f64 {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let step = tick_step(max);
    let top = (max / step).ceil().max(1.0) * step;
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {W} {H}\" width=\"100%\" role=img aria-label=\"{t}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><text x={L} y=16 style=\"font-weight:600;font-size:13px\">{t}</text>\
         <text x=4 y={ty} transform=\"rotate(-90 12 {ty})\">{u}</text>",
        t = esc(title),
        ty = T + (H - T - B) / 2.0,
        u = esc(unit)
    );
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let y = H - B - v / top * (H - T - B);
        let _ = write!(
            out,
            "<line x1={L} x2={x2} y1={y:.1} y2={y:.1} stroke=\"#e3e6ea\"/>\
             <text x={tx} y={yy:.1} text-anchor=end>{lab}</text>",
            x2 = W - R,
            tx = L - 6.0,
            yy = y + 4.0,
            lab = fmt_tick(v)
        );
        v += step;
    }
    let mut lx = W - R;
    for s in series.iter().rev() {
        lx -= 14.0 + 7.0 * s.label.chars().count() as f64 + 16.0;
        let _ = write!(
            out,
            "<rect x={lx:.0} y=7 width=12 height=12 fill=\"{c}\"/><text x={tx:.0} y=17>{l}</text>",
            c = s.colour,
            tx = lx + 16.0,
            l = esc(s.label)
        );
    }
    top
}

/// Grouped bars, one group per label (e.g. months).
pub(crate) fn bars(title: &str, unit: &str, labels: &[String], series: &[Line<'_>]) -> String {
    let mut out = String::new();
    let top = frame(&mut out, title, unit, series);
    let n = labels.len().max(1) as f64;
    let gw = (W - L - R) / n;
    let bw = gw * 0.8 / series.len().max(1) as f64;
    for (i, lab) in labels.iter().enumerate() {
        let x0 = L + gw * i as f64 + gw * 0.1;
        for (k, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0).max(0.0);
            let h = v / top * (H - T - B);
            let _ = write!(
                out,
                "<rect x={x:.1} y={y:.1} width={bw:.1} height={h:.1} fill=\"{c}\"><title>{l}: {v:.0} {u}</title></rect>",
                x = x0 + bw * k as f64,
                y = H - B - h,
                c = s.colour,
                l = esc(s.label),
                u = esc(unit)
            );
        }
        let _ = write!(
            out,
            "<text x={x:.1} y={y} text-anchor=middle>{l}</text>",
            x = x0 + gw * 0.4,
            y = H - B + 16.0,
            l = esc(lab)
        );
    }
    out.push_str("</svg>");
    out
}

/// Lines over x positions; `ticks` are (index, label) marks on the x axis.
pub(crate) fn lines(
    title: &str,
    unit: &str,
    len: usize,
    ticks: &[(usize, String)],
    series: &[Line<'_>],
) -> String {
    let mut out = String::new();
    let top = frame(&mut out, title, unit, series);
    let dx = (W - L - R) / (len.max(2) - 1) as f64;
    for s in series {
        let mut d = String::new();
        for (i, v) in s.values.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let x = L + dx * i as f64;
            let y = H - B - v.max(0.0) / top * (H - T - B);
            let _ = write!(d, "{}{x:.1},{y:.1}", if d.is_empty() { "M" } else { " L" });
        }
        let _ = write!(
            out,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.6\"/>",
            c = s.colour
        );
    }
    for (i, lab) in ticks {
        let x = L + dx * *i as f64;
        let _ = write!(
            out,
            "<line x1={x:.1} x2={x:.1} y1={T} y2={yb} stroke=\"#e3e6ea\"/>\
             <text x={x:.1} y={ty} text-anchor=middle>{l}</text>",
            yb = H - B,
            ty = H - B + 16.0,
            l = esc(lab)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(97.0), 20.0);
        assert_eq!(tick_step(0.0), 1.0);
        assert_eq!(tick_step(f64::NAN), 1.0);
    }

    #[test]
    fn charts_escape_and_survive_empty_input() {
        let s = [Line {
            label: "<b>",
            colour: "#000",
            values: vec![],
        }];
        let svg = lines("t", "kW", 0, &[], &s);
        assert!(svg.contains("&lt;b&gt;") && svg.ends_with("</svg>"));
        let svg = bars("t", "kWh", &[], &s);
        assert!(svg.ends_with("</svg>"));
    }

    /// Regression: an unquoted attribute value before `/>` swallows the slash in an HTML
    /// page (`stroke-width=1.6/>` is `stroke-width="1.6/"`), so the element stays open and
    /// every later line of the chart became its invisible child.
    #[test]
    fn every_self_closing_tag_ends_with_a_quoted_attribute() {
        let s = [
            Line {
                label: "a",
                colour: "#000",
                values: vec![1.0, 2.0, 3.0],
            },
            Line {
                label: "b",
                colour: "#111",
                values: vec![3.0, 2.0, 1.0],
            },
        ];
        let ticks = [(1, "x".to_string())];
        for svg in [
            lines("t", "kW", 3, &ticks, &s),
            bars("t", "kWh", &["m".into()], &s),
        ] {
            for (i, _) in svg.match_indices("/>") {
                assert_eq!(svg.as_bytes().get(i.wrapping_sub(1)), Some(&b'"'), "{svg}");
            }
        }
    }
}
