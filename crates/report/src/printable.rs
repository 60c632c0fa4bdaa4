//! A printable document (an invoice, a comparison statement) built once and written two ways:
//! a standalone HTML page (with the bills' style sheet, [`crate::bills::CSS`]) and an A4 PDF
//! (PDF 1.7 with the standard Helvetica fonts in WinAnsi encoding: no font file to embed, so
//! the file stays small and every PDF reader shows it). Both show the same words and numbers:
//! a test reads the PDF's text back.
//!
//! The PDF layout is deliberately plain: title, boxes of parties side by side, facts, tables
//! with right-aligned numeric columns (widths measured with the Helvetica metrics below), notes;
//! a new page when the next element does not fit.

use std::fmt::Write as _;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Align {
    Left,
    Right,
}

/// One element of a document.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Block {
    /// Boxes side by side: (heading, lines).
    Parties(Vec<(String, Vec<String>)>),
    /// `label: value` pairs.
    Facts(Vec<(String, String)>),
    /// A section heading.
    Heading(String),
    /// A table: header cells with alignment, body rows, footer rows (bold).
    Table {
        head: Vec<(String, Align)>,
        rows: Vec<Vec<String>>,
        foot: Vec<Vec<String>>,
    },
    /// A paragraph.
    Text(String),
    /// A small note.
    Note(String),
}

/// A printable document. It is also kept as JSON ([`Doc::to_json`], [`Doc::from_json`]) where
/// an issued document must be shown again exactly as it was issued (the server's invoices).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Doc {
    /// Its language.
    #[serde(with = "language_code")]
    pub lang: crate::Language,
    /// Title (the page's `<title>` and its heading).
    pub title: String,
    /// The line under the heading.
    pub subtitle: String,
    /// Content.
    pub blocks: Vec<Block>,
}

/// A language kept as its code (`fr`, `en`).
mod language_code {
    use crate::Language;

    pub(crate) fn serialize<S: serde::Serializer>(l: &Language, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(l.pick("fr", "en"))
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Language, D::Error> {
        match <String as serde::Deserialize>::deserialize(d)?.as_str() {
            "fr" => Ok(Language::French),
            "en" => Ok(Language::English),
            other => Err(serde::de::Error::custom(format!(
                "unknown language {other:?} (expected fr or en)"
            ))),
        }
    }
}

impl Doc {
    /// The document as JSON.
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A document kept by [`Doc::to_json`].
    pub(crate) fn from_json(text: &str) -> Result<Doc, serde_json::Error> {
        serde_json::from_str(text)
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Doc {
    /// The standalone HTML page.
    pub(crate) fn html(&self) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>{}</style></head><body><h1>{}</h1><p>{}</p>",
            self.lang.pick("fr", "en"),
            esc(&self.title),
            crate::bills::CSS,
            esc(&self.title),
            esc(&self.subtitle)
        );
        for b in &self.blocks {
            match b {
                Block::Parties(boxes) => {
                    for (head, lines) in boxes {
                        let _ = write!(h, "<div class=\"box\"><p><strong>{}</strong>", esc(head));
                        for l in lines {
                            let _ = write!(h, "<br>{}", esc(l));
                        }
                        h.push_str("</p></div>");
                    }
                }
                Block::Facts(pairs) => {
                    h.push_str("<p>");
                    for (k, (label, value)) in pairs.iter().enumerate() {
                        if k > 0 {
                            h.push_str("<br>");
                        }
                        let _ = write!(h, "{}{}{}", esc(label), self.lang.colon(), esc(value));
                    }
                    h.push_str("</p>");
                }
                Block::Heading(t) => {
                    let _ = write!(h, "<h2>{}</h2>", esc(t));
                }
                Block::Table { head, rows, foot } => {
                    let class = |a: &Align| match a {
                        Align::Left => "",
                        Align::Right => " class=\"n\"",
                    };
                    h.push_str("<table><thead><tr>");
                    for (t, a) in head {
                        let _ = write!(h, "<th{}>{}</th>", class(a), esc(t));
                    }
                    h.push_str("</tr></thead>");
                    for (tag, body) in [("tbody", rows), ("tfoot", foot)] {
                        if tag == "tfoot" && body.is_empty() {
                            continue;
                        }
                        let _ = write!(h, "<{tag}>");
                        for r in body {
                            h.push_str("<tr>");
                            for (k, c) in r.iter().enumerate() {
                                let a = head.get(k).map_or(Align::Left, |x| x.1);
                                let _ = write!(h, "<td{}>{}</td>", class(&a), esc(c));
                            }
                            h.push_str("</tr>");
                        }
                        let _ = write!(h, "</{tag}>");
                    }
                    h.push_str("</table>");
                }
                Block::Text(t) => {
                    let _ = write!(h, "<p>{}</p>", esc(t));
                }
                Block::Note(t) => {
                    let _ = write!(h, "<p class=\"note\">{}</p>", esc(t));
                }
            }
        }
        h.push_str("</body></html>\n");
        h
    }

    /// The A4 PDF.
    pub(crate) fn pdf(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.text(&self.title, 16.0, true, MARGIN);
        w.y -= 20.0;
        w.wrapped(&self.subtitle, 10.0, false, MARGIN, WIDTH);
        w.y -= 8.0;
        for b in &self.blocks {
            match b {
                Block::Parties(boxes) => {
                    let n = boxes.len().max(1) as f32;
                    let gap = 12.0;
                    let bw = (WIDTH - gap * (n - 1.0)) / n;
                    let heads: Vec<Vec<String>> = boxes
                        .iter()
                        .map(|(head, _)| wrap_bold(head, 9.5, bw - 12.0))
                        .collect();
                    let tallest = boxes
                        .iter()
                        .zip(&heads)
                        .map(|((_, lines), h)| lines.len() + h.len())
                        .max()
                        .unwrap_or(1) as f32;
                    let height = tallest * 12.0 + 10.0;
                    w.room(height + 8.0);
                    let top = w.y;
                    for (k, ((_, lines), head)) in boxes.iter().zip(&heads).enumerate() {
                        let x = MARGIN + k as f32 * (bw + gap);
                        w.content
                            .set_fill_gray(0.95)
                            .rect(x, top - height, bw, height)
                            .fill_nonzero()
                            .set_fill_gray(0.0);
                        w.y = top + 12.0 - 14.0;
                        for h in head {
                            w.y -= 12.0;
                            w.text(h, 9.5, true, x + 6.0);
                        }
                        for l in lines {
                            w.y -= 12.0;
                            w.text(&fit(l, 9.0, bw - 12.0), 9.0, false, x + 6.0);
                        }
                    }
                    w.y = top - height - 12.0;
                }
                Block::Facts(pairs) => {
                    let tab = pairs
                        .iter()
                        .map(|(label, _)| bold_width(&format!("{label}{}", self.lang.colon()), 9.5))
                        .fold(0.0, f32::max)
                        + 8.0;
                    for (label, value) in pairs {
                        w.room(13.0);
                        w.text(
                            &format!("{label}{}", self.lang.colon().trim_end()),
                            9.5,
                            true,
                            MARGIN,
                        );
                        w.text(value, 9.5, false, MARGIN + tab);
                        w.y -= 13.0;
                    }
                    w.y -= 4.0;
                }
                Block::Heading(t) => {
                    w.room(30.0);
                    w.y -= 4.0;
                    w.text(t, 12.0, true, MARGIN);
                    w.y -= 16.0;
                }
                Block::Table { head, rows, foot } => w.table(head, rows, foot),
                Block::Text(t) => {
                    w.wrapped(t, 9.5, false, MARGIN, WIDTH);
                    w.y -= 4.0;
                }
                Block::Note(t) => {
                    w.wrapped(t, 8.0, false, MARGIN, WIDTH);
                    w.y -= 2.0;
                }
            }
        }
        w.finish(&self.title)
    }
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;

struct Writer {
    pages: Vec<Vec<u8>>,
    content: Content,
    y: f32,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            pages: Vec::new(),
            content: Content::new(),
            y: PAGE_H - MARGIN - 12.0,
        }
    }

    /// Starts a new page when less than `height` points are left.
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            let done = std::mem::replace(&mut self.content, Content::new());
            self.pages.push(done.finish().to_vec());
            self.y = PAGE_H - MARGIN - 12.0;
        }
    }

    /// `text` at (`x`, current baseline).
    fn text(&mut self, text: &str, size: f32, bold: bool, x: f32) {
        let font = if bold { Name(b"F2") } else { Name(b"F1") };
        let bytes = win_ansi(text);
        self.content
            .begin_text()
            .set_font(font, size)
            .next_line(x, self.y)
            .show(Str(&bytes))
            .end_text();
    }

    /// `text` wrapped to `width` points from `x`, advancing the baseline.
    fn wrapped(&mut self, text: &str, size: f32, bold: bool, x: f32, width_pt: f32) {
        for line in wrap(text, size, width_pt) {
            self.room(size + 3.0);
            self.text(&line, size, bold, x);
            self.y -= size + 3.0;
        }
    }

    fn rule(&mut self, y: f32, thick: f32) {
        self.content
            .set_line_width(thick)
            .move_to(MARGIN, y)
            .line_to(MARGIN + WIDTH, y)
            .stroke();
    }

    fn table(&mut self, head: &[(String, Align)], rows: &[Vec<String>], foot: &[Vec<String>]) {
        const SIZE: f32 = 8.5;
        const PAD: f32 = 8.0;
        let n = head.len().max(1);
        // Right-aligned columns take the width of their widest cell; the first column the rest.
        let mut widths: Vec<f32> = (0..n)
            .map(|k| {
                std::iter::once(head.get(k).map_or("", |h| h.0.as_str()))
                    .chain(
                        rows.iter()
                            .chain(foot)
                            .filter_map(|r| r.get(k).map(String::as_str)),
                    )
                    .map(|c| bold_width(c, SIZE) + PAD)
                    .fold(0.0, f32::max)
            })
            .collect();
        let others: f32 = widths.iter().skip(1).sum();
        if let Some(first) = widths.first_mut() {
            *first = (WIDTH - others).max(80.0);
        }
        let xs: Vec<f32> = widths
            .iter()
            .scan(MARGIN, |x, w| {
                let left = *x;
                *x += w;
                Some(left)
            })
            .collect();
        let draw_row = |wr: &mut Writer, cells: &[String], bold: bool| {
            let first_lines = wrap(
                cells.first().map_or("", String::as_str),
                SIZE,
                widths.first().copied().unwrap_or(WIDTH) - PAD,
            );
            let height = first_lines.len().max(1) as f32 * (SIZE + 3.0) + 4.0;
            wr.room(height + 2.0);
            let top = wr.y;
            for (k, cell) in cells.iter().enumerate() {
                let (Some(&x), Some(&wd)) = (xs.get(k), widths.get(k)) else {
                    continue;
                };
                let align = head.get(k).map_or(Align::Left, |h| h.1);
                if k == 0 {
                    for (j, line) in first_lines.iter().enumerate() {
                        wr.y = top - j as f32 * (SIZE + 3.0);
                        wr.text(line, SIZE, bold, x);
                    }
                } else {
                    wr.y = top;
                    let tx = match align {
                        Align::Left => x + PAD / 2.0,
                        Align::Right => {
                            x + wd
                                - if bold {
                                    bold_width(cell, SIZE)
                                } else {
                                    width(cell, SIZE)
                                }
                        }
                    };
                    wr.text(cell, SIZE, bold, tx);
                }
            }
            wr.y = top - height;
            wr.content.set_stroke_gray(0.8);
            wr.rule(wr.y + SIZE - 1.0, 0.4);
            wr.content.set_stroke_gray(0.0);
        };
        self.room(40.0);
        let heads: Vec<String> = head.iter().map(|h| h.0.clone()).collect();
        draw_row(self, &heads, true);
        for r in rows {
            draw_row(self, r, false);
        }
        if !foot.is_empty() {
            let y = self.y + SIZE + 1.0;
            self.rule(y, 1.0);
            for r in foot {
                draw_row(self, r, true);
            }
        }
        self.y -= 8.0;
    }

    fn finish(mut self, title: &str) -> Vec<u8> {
        let last = std::mem::replace(&mut self.content, Content::new());
        self.pages.push(last.finish().to_vec());
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let n = self.pages.len();
        let page_ids: Vec<Ref> = (0..n).map(|k| Ref::new(6 + 2 * k as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(n as i32);
        for (k, content) in self.pages.iter().enumerate() {
            let id = Ref::new(6 + 2 * k as i32);
            let content_id = Ref::new(7 + 2 * k as i32);
            let mut page = pdf.page(id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            page.parent(tree);
            page.contents(content_id);
            page.resources()
                .fonts()
                .pair(Name(b"F1"), regular)
                .pair(Name(b"F2"), bold);
            page.finish();
            pdf.stream(content_id, content);
        }
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info)
            .title(TextStr(title))
            .producer(TextStr("Quartier"));
        pdf.finish()
    }
}

/// `text` in WinAnsi (Windows-1252) bytes: Latin-1 as is, the euro sign and typographic
/// punctuation at their code points, narrow spaces as no-break spaces, anything else `?`.
pub(crate) fn win_ansi(text: &str) -> Vec<u8> {
    let text = text.replace('≤', "<=").replace('≥', ">=");
    text.chars()
        .map(|c| match c {
            '\u{20ac}' => 0x80,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{2026}' => 0x85,
            '\u{202f}' | '\u{2009}' => 0xa0,
            '\u{2212}' => b'-',
            c if (c as u32) < 0x80 => c as u8,
            c if (0xa0..=0xff).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// Width of `c` in Helvetica, thousandths of the font size (the Adobe AFM metrics; accented
/// letters as their base letter).
fn glyph_width(c: char) -> u16 {
    const ASCII: [u16; 95] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
        278, // ' '..'/'
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // digits
        278, 278, 584, 584, 584, 556, 1015, // ':'..'@'
        667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722,
        667, 611, 722, 667, 944, 667, 667, 611, // 'A'..'Z'
        278, 278, 278, 469, 556, 333, // '['..'`'
        556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333,
        500, 278, 556, 500, 722, 500, 500, 500, // 'a'..'z'
        334, 260, 334, 584, // '{'..'~'
    ];
    let base = base_letter(c);
    match base {
        c if (' '..='~').contains(&c) => ASCII.get(c as usize - 32).copied().unwrap_or(556),
        '€' | '«' | '»' | '–' => 556,
        '—' => 1000,
        '’' | '‘' => 222,
        '°' => 400,
        '×' => 584,
        _ => 556,
    }
}

/// `c` as the letter whose width it has: accented letters as their base letter, narrow and
/// no-break spaces as a space, the minus sign as a hyphen.
fn base_letter(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'á' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' | 'í' => 'i',
        'ô' | 'ö' | 'ó' => 'o',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'ç' => 'c',
        'À' | 'Â' => 'A',
        'É' | 'È' | 'Ê' => 'E',
        'Î' => 'I',
        'Ô' => 'O',
        'Ç' => 'C',
        '\u{a0}' | '\u{202f}' | '\u{2009}' => ' ',
        '\u{2212}' => '-',
        other => other,
    }
}

/// Width of `c` in Helvetica-Bold where it differs from Helvetica (letters, the colon).
fn bold_glyph_width(c: char) -> u16 {
    const LOWER: [u16; 26] = [
        556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389,
        556, 333, 611, 556, 778, 556, 556, 500,
    ];
    const UPPER: [u16; 26] = [
        722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722,
        667, 611, 722, 667, 944, 667, 667, 611,
    ];
    let regular = glyph_width(c);
    let base = base_letter(c);
    match base {
        'a'..='z' => LOWER
            .get(base as usize - 'a' as usize)
            .copied()
            .unwrap_or(regular),
        'A'..='Z' => UPPER
            .get(base as usize - 'A' as usize)
            .copied()
            .unwrap_or(regular),
        ':' | ';' => 333,
        _ => regular,
    }
}

/// Width of `text` at `size` points, in points.
pub(crate) fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| f32::from(glyph_width(c))).sum::<f32>() * size / 1000.0
}

/// Width of `text` in Helvetica-Bold at `size` points, in points.
fn bold_width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| f32::from(bold_glyph_width(c)))
        .sum::<f32>()
        * size
        / 1000.0
}

/// `text` in bold broken into lines of at most `max` points, at spaces.
fn wrap_bold(text: &str, size: f32, max: f32) -> Vec<String> {
    // Bold is at most ~10 % wider than regular for these letters: wrap on a narrower width.
    let scale = if text.is_empty() {
        1.0
    } else {
        bold_width(text, size) / width(text, size).max(0.001)
    };
    wrap(text, size, max / scale.max(1.0))
}

/// `text` cut with an ellipsis to fit `max` points.
fn fit(text: &str, size: f32, max: f32) -> String {
    if width(text, size) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out, size) + width(&format!("{c}…"), size) > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` broken into lines of at most `max` points, at spaces.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size) > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_keeps_french_letters_and_the_euro_sign() {
        assert_eq!(win_ansi("é€\u{202f}–x"), vec![0xe9, 0x80, 0xa0, 0x96, b'x']);
        assert_eq!(win_ansi("日"), vec![b'?']);
    }

    #[test]
    fn widths_follow_helvetica_and_lines_wrap() {
        assert!((width("0", 10.0) - 5.56).abs() < 1e-4);
        assert!((width("1 234,56 €", 10.0) - width("9 999,99 €", 10.0)).abs() < 1e-4);
        let lines = wrap("un deux trois quatre cinq six sept", 10.0, 60.0);
        assert!(
            lines.len() > 1 && lines.iter().all(|l| width(l, 10.0) <= 60.0),
            "{lines:?}"
        );
    }

    #[test]
    fn a_document_becomes_a_pdf_with_its_words() {
        let doc = Doc {
            lang: crate::Language::French,
            title: "Facture n° A-000001".into(),
            subtitle: "Opération — juin 2025".into(),
            blocks: vec![
                Block::Parties(vec![("Émetteur".into(), vec!["Mairie".into()])]),
                Block::Table {
                    head: vec![
                        ("Ligne".into(), Align::Left),
                        ("Montant".into(), Align::Right),
                    ],
                    rows: (0..80)
                        .map(|k| vec![format!("ligne {k}"), "8,75 €".into()])
                        .collect(),
                    foot: vec![vec!["Total".into(), "700,00 €".into()]],
                },
            ],
        };
        // Kept as JSON, it comes back the same, and so do its page and its PDF.
        let kept = Doc::from_json(&doc.to_json()).unwrap();
        assert_eq!(kept, doc);
        assert_eq!(kept.html(), doc.html());
        assert!(Doc::from_json("{\"lang\":\"de\"}").is_err());
        let pdf = doc.pdf();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 2"), "80 rows need a second page");
        // Text with bytes beyond ASCII is written as a hex string.
        let hex: String = win_ansi("Facture n° A-000001")
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert!(
            text.to_uppercase().contains(&hex),
            "the title is shown as text"
        );
        assert!(doc.html().contains("<td class=\"n\">8,75 €</td>"));
    }
}
