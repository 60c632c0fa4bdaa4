//! A small HTML toolkit: escaping, the page frame, key-figure cards and number formatting
//! (thousands separated by a narrow no-break space). Every text that comes from data goes
//! through [`esc`]; there is no template engine.

use quartier_store::Role;

use crate::auth::CurrentUser;
use crate::i18n::{Lang, t};

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// `|x|` rounded to `decimals` places, with a narrow no-break space (U+202F) between
/// thousands and `point` before the decimals. The sign is left to the caller.
pub(crate) fn group_thousands(x: f64, decimals: usize, point: char) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let mut out = String::with_capacity(s.len() + int.len());
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// `x` rounded to `decimals` places with thousands grouped ([`group_thousands`]), a minus
/// sign (U+2212) in front of a negative number that does not round to 0, and "—" for a value
/// that is not finite. The one number format of the dashboard.
pub(crate) fn signed(x: f64, decimals: usize, point: char) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let o = group_thousands(x, decimals, point);
    if x < 0.0 && o.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("\u{2212}{o}")
    } else {
        o
    }
}

/// A whole number: [`signed`] with no decimals.
pub(crate) fn whole(x: f64) -> String {
    signed(x, 0, '.')
}

/// A key-figure card: label `k` above value `v`, both escaped.
pub(crate) fn card(k: &str, v: &str) -> String {
    format!(
        "<div class=card><div class=k>{}</div><div class=v>{}</div></div>",
        esc(k),
        esc(v)
    )
}

/// A key-figure card with its definition `d`, shown on hover (and to screen readers).
pub(crate) fn defined_card(k: &str, v: &str, d: &str) -> String {
    format!(
        "<div class=card title=\"{d}\"><div class=k>{}<abbr title=\"{d}\">?</abbr></div><div class=v>{}</div></div>",
        esc(k),
        esc(v),
        d = esc(d)
    )
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}\
header{background:#1d3b5a;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}\
header a{color:#fff;text-decoration:none}header .sp{flex:1}main{padding:16px 24px;max-width:1200px}\
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}\
.card{background:#fff;border-radius:6px;padding:10px 12px;box-shadow:0 1px 2px #0002}\
.card abbr{text-decoration:none;color:#667;cursor:help;display:inline-block;margin-left:4px;width:1.1em;height:1.1em;line-height:1.1em;text-align:center;border:1px solid #99a;border-radius:50%;font-size:.85em}.note{color:#556;font-size:.9em}\
.card .v{font-size:1.35em;font-weight:600;white-space:nowrap}.card .k{font-size:.8em;color:#556}\
section{background:#fff;border-radius:6px;padding:10px 14px;margin:14px 0;box-shadow:0 1px 2px #0002}\
table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #e3e6ea;text-align:left}\
.err{color:#a40000}progress{width:400px;height:18px;accent-color:#2b7a3d}\
button{padding:5px 12px}form.inline{margin:0}.scroll{overflow-x:auto}\
svg text{font-size:11px;fill:#333}\
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0}\
table.portfolio{width:100%}table.portfolio td{vertical-align:top;overflow-wrap:break-word}.nw{white-space:nowrap}\
.badge{display:inline-block;padding:2px 8px;border-radius:10px;white-space:nowrap;font-weight:600}\
.st-met{background:#d7efdc}.st-ok{background:#e3f0fa}.st-late{background:#fdecc8}.st-risk{background:#f9d3d0}.st-ns{background:#eceef1}\
.tag{display:inline-block;font-size:.8em;padding:0 6px;border:1px solid #99a;border-radius:8px;margin-left:4px;color:#445}\
ul.reasons{margin:4px 0 0 0;padding-left:18px;font-size:.85em;color:#445}\
.chart svg{width:100%;height:auto}";

/// The page frame: header with navigation (only the sections the user may open: participants
/// have no experiments link) and logout form, then `body`.
pub(crate) fn page(lang: Lang, title: &str, user: Option<&CurrentUser>, body: &str) -> String {
    let nav = match user {
        Some(u) => format!(
            "{districts}{x}{calls}{audit}\
             <span class=sp></span><a id=account href=\"/account?lang={l}\">{n}</a>\
             <form method=post action=\"/logout\" class=inline><input type=hidden name=csrf \
             value=\"{c}\"><button>{o}</button></form>",
            l = lang.code(),
            districts = if matches!(
                u.user.role,
                Role::Laureate | Role::Applicant | Role::Reviewer
            ) {
                String::new()
            } else {
                format!(
                    "<a href=\"/districts?lang={}\">{}</a>",
                    lang.code(),
                    t(lang, "districts")
                )
            },
            x = if matches!(
                u.user.role,
                Role::Participant | Role::Applicant | Role::Reviewer
            ) {
                String::new()
            } else {
                format!(
                    "<a href=\"/experiments?lang={l}\">{}</a><a href=\"/programme?lang={l}\">{}</a>",
                    t(lang, "exp_experiments"),
                    t(lang, "pf_title"),
                    l = lang.code(),
                )
            },
            calls = if matches!(
                u.user.role,
                Role::Programme | Role::Applicant | Role::Reviewer
            ) {
                format!(
                    "<a href=\"/calls?lang={}\">{}</a>",
                    lang.code(),
                    t(lang, "calls")
                )
            } else {
                String::new()
            },
            audit = if u.user.role == Role::Programme {
                format!(
                    "<a href=\"/audit?lang={}\">{}</a>",
                    lang.code(),
                    t(lang, "audit")
                )
            } else {
                String::new()
            },
            n = esc(&u.user.username),
            c = esc(&u.csrf_token),
            o = t(lang, "logout"),
        ),
        None => "<span class=sp></span>".into(),
    };
    format!(
        "<!doctype html><html lang={l}><head><meta charset=utf-8><meta name=viewport \
         content=\"width=device-width\"><title>{ti} — Quartier</title><style>{STYLE}</style>\
         </head><body><header><strong>Quartier</strong>{nav}<a href=\"?lang=fr\">FR</a>\
         <a href=\"?lang=en\">EN</a></header><main><h1>{ti}</h1>{body}</main></body></html>",
        l = lang.code(),
        ti = esc(title),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::esc("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(
            super::group_thousands(1234567.891, 1, ','),
            "1\u{202F}234\u{202F}567,9"
        );
        assert_eq!(super::group_thousands(-999.4, 0, '.'), "999");
        assert_eq!(super::whole(-1234.0), "\u{2212}1\u{202F}234");
        assert_eq!(super::whole(-0.2), "0");
        assert_eq!(super::whole(100.0), "100");
        assert_eq!(super::signed(-0.004, 2, '.'), "0.00");
        assert_eq!(super::signed(-1234.5, 2, ','), "\u{2212}1\u{202F}234,50");
        assert_eq!(super::signed(f64::NAN, 1, '.'), "—");
    }
}
