//! The two languages of the reports a person reads in their own words: French, the language
//! of a French operation's bills and of the programme's pages, and English. Numbers follow the
//! language (`1 269,93 €`, `1 269.93 EUR`).

/// The language of a report's words and numbers: bills, the evaluation's warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// French: the bill a French PMO sends (`1 269,93 €`).
    French,
    /// English (`1 269.93 EUR`).
    English,
}

impl Language {
    /// `fr` or `en`, as the language is.
    pub(crate) fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::French => fr,
            Language::English => en,
        }
    }

    /// What separates a label from its value: a no-break space and a colon in French
    /// (`Total\u{a0}: `), a colon in English (`Total: `).
    pub(crate) fn colon(self) -> &'static str {
        self.pick("\u{a0}: ", ": ")
    }

    /// A number with `decimals` decimals in this language (`1 269,93`, `1 269.93`).
    pub(crate) fn num(self, x: f64, decimals: usize) -> String {
        number(
            x,
            decimals,
            self.pick(",", ".").chars().next().unwrap_or('.'),
        )
    }

    /// A decimal (money, a unit price) with `decimals` decimals, rounded half-up, in this
    /// language; never through a float.
    pub fn dec(self, x: rust_decimal::Decimal, decimals: usize) -> String {
        let r = x.round_dp_with_strategy(
            u32::try_from(decimals).unwrap_or(28),
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        );
        let text = format!("{:.*}", decimals, r.abs());
        grouped(
            &text,
            r.is_sign_negative() && !r.is_zero(),
            self.pick(",", ".").chars().next().unwrap_or('.'),
        )
    }

    /// An amount in euros from a decimal (`1 269,93 €`, `−0,13 €`).
    pub(crate) fn eur_dec(self, x: rust_decimal::Decimal) -> String {
        format!("{}\u{a0}{}", self.dec(x, 2), self.pick("€", "EUR"))
    }

    /// A rate given in percent, as written (`20 %`, `5,5 %`).
    pub(crate) fn pct_dec(self, percent: rust_decimal::Decimal) -> String {
        let p = percent.normalize();
        format!("{}\u{a0}%", self.dec(p, p.scale() as usize))
    }

    /// A share as a percentage with one decimal (`72,7 %`); `—` when not finite.
    pub(crate) fn pct(self, x: f64) -> String {
        if x.is_finite() {
            format!("{}\u{a0}%", self.num(100.0 * x, 1))
        } else {
            "—".into()
        }
    }

    /// A day as people write it: `2 juin 2025`, `2 Jun 2025`.
    pub fn day(self, d: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let months = self.chart_locale().months;
        format!("{} {} {}", d.day(), months[d.month0() as usize], d.year())
    }

    /// How charts write numbers and months in this language.
    pub fn chart_locale(self) -> crate::svg::Locale {
        match self {
            Language::French => crate::svg::Locale::FRENCH,
            Language::English => crate::svg::Locale::ENGLISH,
        }
    }
}

/// A number with a narrow no-break space between thousands and the decimal separator `point`.
pub(crate) fn number(x: f64, decimals: usize, point: char) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    grouped(&s, x < 0.0, point)
}

/// `s` (digits, `.` and decimals, no sign) grouped by thousands with `point`, with a minus
/// sign when `negative` and some digit is not zero.
fn grouped(s: &str, negative: bool, point: char) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut grouped = String::new();
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(ch);
    }
    let sign = if negative && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "−"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}{point}{frac}")
    }
}
