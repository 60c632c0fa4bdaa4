//! Wire formats of the asset registry and its lifecycle plan: `registry.csv` (one row per
//! asset, the store's `assets` columns plus the next replacement), `maintenance.csv` (the
//! store's `maintenance_log` rows), `plan.csv` (one row per year) and a self-contained
//! `plan.html` with a bar chart of the yearly costs ([`crate::svg`]), the replacement table
//! and the cited defaults the registry used.

use crate::language::Language;
use std::fmt::Write as _;

use quartier_assets::{Asset, KINDS, Plan};

use crate::svg::{self, AxisSpec, BarChart, BarSeries, escape};

/// Amounts in CSV: cents, no exponent; `-0` written as `0`.
fn eur(x: f64) -> String {
    let s = format!("{x:.2}");
    if s == "-0.00" { "0.00".into() } else { s }
}

fn opt<T: ToString>(x: Option<T>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

fn to_csv(rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // Writing into memory cannot fail.
        let _ = w.write_record(&r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `plan.csv`: `year, replacement_capex_eur, om_eur, total_eur, discounted_eur,
/// assets_replaced` (names separated by `;`), one row per year of the plan.
pub fn plan_csv(plan: &Plan) -> String {
    let mut rows = vec![
        [
            "year",
            "replacement_capex_eur",
            "om_eur",
            "total_eur",
            "discounted_eur",
            "assets_replaced",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for y in &plan.years {
        rows.push(vec![
            y.year.to_string(),
            eur(y.replacement_capex_eur),
            eur(y.om_eur),
            eur(y.total_eur),
            eur(y.discounted_eur),
            y.assets_replaced.join(";"),
        ]);
    }
    to_csv(rows)
}

/// `registry.csv`: one row per asset with the store's `assets` columns (`component, kind,
/// name, location, latitude_deg, longitude_deg, commissioned_on, lifetime_years, capex_eur,
/// annual_om_eur, condition, replacement_year, notes`), then `maintenance_entries`,
/// `maintenance_cost_eur` and, when a plan is given, `next_replacement_year` and
/// `replacement_years` (`;`-separated) within its horizon.
pub fn registry_csv(assets: &[Asset], plan: Option<&Plan>) -> String {
    let mut header: Vec<String> = [
        "component",
        "kind",
        "name",
        "location",
        "latitude_deg",
        "longitude_deg",
        "commissioned_on",
        "lifetime_years",
        "capex_eur",
        "annual_om_eur",
        "condition",
        "replacement_year",
        "notes",
        "maintenance_entries",
        "maintenance_cost_eur",
    ]
    .map(String::from)
    .to_vec();
    if plan.is_some() {
        header.push("next_replacement_year".into());
        header.push("replacement_years".into());
    }
    let mut rows = vec![header];
    for a in assets {
        let mut row = vec![
            a.component.clone().unwrap_or_default(),
            a.kind.to_string(),
            a.name.clone(),
            a.location.clone(),
            opt(a.latitude_deg),
            opt(a.longitude_deg),
            a.commissioned_on.to_string(),
            a.lifetime_years.to_string(),
            eur(a.capex_eur),
            eur(a.annual_om_eur),
            a.condition.to_string(),
            opt(a.replacement_year),
            a.notes.clone(),
            a.maintenance.len().to_string(),
            eur(a.maintenance_cost_eur()),
        ];
        if let Some(plan) = plan {
            let years = plan
                .assets
                .iter()
                .find(|p| p.name == a.name)
                .map(|p| p.replacement_years.clone())
                .unwrap_or_default();
            row.push(opt(years.first()));
            row.push(
                years
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(";"),
            );
        }
        rows.push(row);
    }
    to_csv(rows)
}

/// `maintenance.csv`: the store's `maintenance_log` rows (`asset, performed_on, kind,
/// cost_eur, note`), by asset then date.
pub fn maintenance_csv(assets: &[Asset]) -> String {
    let mut rows = vec![
        ["asset", "performed_on", "kind", "cost_eur", "note"]
            .map(String::from)
            .to_vec(),
    ];
    for a in assets {
        let mut log: Vec<_> = a.maintenance.iter().collect();
        log.sort_by_key(|m| m.performed_on);
        for m in log {
            rows.push(vec![
                a.name.clone(),
                m.performed_on.to_string(),
                m.kind.to_string(),
                eur(m.cost_eur),
                m.note.clone(),
            ]);
        }
    }
    to_csv(rows)
}

/// Thousands separated by a narrow no-break space, no decimals; "—" when not finite.
fn money(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let grouped = crate::evaluation::group_thousands(&format!("{:.0}", x.abs()));
    let sign = if x < -0.5 { "−" } else { "" };
    format!("{sign}{grouped}")
}

pub(crate) const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f6f6f3;color:#1d1d1d}\
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px;background:#fff}\
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
.sub{color:#555;margin:0 0 16px}\
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}\
.card{flex:1 1 170px;border:1px solid #ddd;border-radius:6px;padding:10px 12px}\
.card .v{font-size:22px;font-weight:600}.card .l{color:#555;font-size:13px}\
.warn{background:#fff8e1;border:1px solid #f0cf75;border-radius:6px;padding:8px 16px}\
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border-bottom:1px solid #e6e6e6;padding:4px 8px;text-align:right;vertical-align:top}\
th:first-child,td:first-child,td.t,th.t{text-align:left}th{background:#f3f3f0}\
.scroll{overflow-x:auto}figure{margin:12px 0}.note{color:#555;font-size:13px}";

fn card(value: &str, label: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"v\">{value}</div><div class=\"l\">{}</div></div>",
        escape(label)
    )
}

/// `plan.html` in English, kinds and reasons as their keys (the CLI's report; the server's
/// page in the reader's language is [`plan_html_in`]).
pub fn plan_html(title: &str, plan: &Plan, assets: &[Asset], notes: &[String]) -> String {
    plan_html_in(title, plan, assets, notes, Language::English, &|_, key| {
        key.to_string()
    })
}

/// `plan.html`: summary cards (assets, replacements, costs, NPV), a bar chart of the yearly
/// replacement capex and O&M, the yearly table, the replacement table of every asset
/// (`assets` gives commissioning, lifetime and condition; it is the registry the plan was
/// made from), the plan's rules, and the cited defaults. `notes` are shown as warnings. Every
/// word and number is in `lang`; `label(family, key)` names an asset kind (`asset_kind`,
/// `pv_array`) or a replacement reason (`reason`, `end_of_life`).
pub fn plan_html_in(
    title: &str,
    plan: &Plan,
    assets: &[Asset],
    notes: &[String],
    lang: Language,
    label: &dyn Fn(&str, &str) -> String,
) -> String {
    let w = |fr: &'static str, en: &'static str| lang.pick(fr, en);
    let c = &plan.config;
    let t = &plan.totals;
    let eur = w("€", "EUR");
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p class=\"sub\">{} {}–{} ({} {}) · {} {} · {} {}{} · {} {}{} · {} {}</p>",
        escape(title),
        w(
            "Coûts et remplacements sur la durée de vie,",
            "Lifecycle costs and replacements,"
        ),
        c.start_year,
        c.end_year(),
        c.years,
        w("ans", "years"),
        w("taux d'actualisation", "discount rate"),
        lang.pct(c.discount_rate),
        w("hausse des investissements", "capex escalation"),
        lang.pct(c.capex_escalation),
        w("/an", "/y"),
        w("hausse de l'exploitation-maintenance", "O&amp;M escalation"),
        lang.pct(c.om_escalation),
        w("/an", "/y"),
        w("euros de", "EUR of"),
        c.start_year,
    );
    if !notes.is_empty() {
        body.push_str("<div class=\"warn\"><ul>");
        for n in notes {
            let _ = write!(body, "<li>{}</li>", escape(n));
        }
        body.push_str("</ul></div>");
    }
    let money_card = |x: f64| format!("{}\u{a0}{eur}", money(x));
    body.push_str("<div class=\"cards\">");
    body.push_str(&card(
        &plan.assets.len().to_string(),
        w("équipements", "assets"),
    ));
    body.push_str(&card(
        &t.replacements.to_string(),
        w("remplacements sur l'horizon", "replacements in the horizon"),
    ));
    body.push_str(&card(
        &money_card(t.replacement_capex_eur),
        w("investissements de remplacement", "replacement capex"),
    ));
    body.push_str(&card(
        &money_card(t.om_eur),
        w("exploitation et maintenance", "operation and maintenance"),
    ));
    body.push_str(&card(
        &money_card(t.npv_eur),
        w(
            "valeur actuelle nette des coûts",
            "net present value of costs",
        ),
    ));
    body.push_str(&card(
        &money_card(t.residual_value_pv_eur),
        w(
            "valeur résiduelle à la fin (valeur actuelle, non déduite)",
            "residual value at the end (present value, not deducted)",
        ),
    ));
    body.push_str("</div>");

    let chart = svg::bar_chart(&BarChart {
        title: w("Coûts annuels", "Yearly costs").into(),
        categories: plan.years.iter().map(|y| y.year.to_string()).collect(),
        x: AxisSpec::new(w("année", "year"), ""),
        y: AxisSpec::new(w("coût", "cost"), "EUR"),
        series: vec![
            BarSeries {
                label: w("investissements de remplacement", "replacement capex").into(),
                values: plan.years.iter().map(|y| y.replacement_capex_eur).collect(),
                errors: None,
                color: None,
            },
            BarSeries {
                label: w("exploitation-maintenance", "O&M").into(),
                values: plan.years.iter().map(|y| y.om_eur).collect(),
                errors: None,
                color: None,
            },
        ],
        reference: None,
        width: 1040.0,
        locale: lang.chart_locale(),
        ..BarChart::default()
    });
    let _ = write!(body, "<figure>{chart}</figure>");

    let _ = write!(
        body,
        "<h2>{}</h2><div class=\"scroll\"><table><tr><th>{}</th><th>{} [€]</th><th>{} [€]</th><th>{} [€]</th><th>{} [€]</th><th class=\"t\">{}</th></tr>",
        w("Année par année", "Year by year"),
        w("année", "year"),
        w("investissements de remplacement", "replacement capex"),
        w("exploitation-maintenance", "O&amp;M"),
        w("total", "total"),
        w("actualisé", "discounted"),
        w("équipements remplacés", "assets replaced"),
    );
    for y in &plan.years {
        let replaced = if y.assets_replaced.len() > 6 {
            let head: Vec<&str> = y
                .assets_replaced
                .iter()
                .take(5)
                .map(String::as_str)
                .collect();
            format!(
                "{}, {} {} {}",
                head.join(", "),
                w("et", "and"),
                y.assets_replaced.len() - 5,
                w("autres", "more")
            )
        } else {
            y.assets_replaced.join(", ")
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"t\">{}</td></tr>",
            y.year,
            money(y.replacement_capex_eur),
            money(y.om_eur),
            money(y.total_eur),
            money(y.discounted_eur),
            escape(&replaced)
        );
    }
    let _ = write!(
        body,
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></table></div>",
        w("total", "total"),
        money(t.replacement_capex_eur),
        money(t.om_eur),
        money(t.total_eur),
        money(t.npv_eur)
    );

    let _ = write!(
        body,
        "<h2>{}</h2><div class=\"scroll\"><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"t\">{}</th><th>{} [€]</th><th>{} [€]</th></tr>",
        w("Remplacements par équipement", "Replacements by asset"),
        w("équipement", "asset"),
        w("type", "kind"),
        w("composant", "component"),
        w("en service depuis", "in service since"),
        w("durée de vie [ans]", "lifetime [y]"),
        w("état", "condition"),
        w("fin de vie", "end of life"),
        w("remplacé en", "replaced in"),
        w("première raison", "why first"),
        w("investissements de remplacement", "replacement capex"),
        w("exploitation-maintenance", "O&amp;M"),
    );
    for p in &plan.assets {
        let a = assets.iter().find(|a| a.name == p.name);
        let years: Vec<String> = p
            .replacement_years
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = write!(
            body,
            "<tr><td>{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"t\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.name),
            escape(&label("asset_kind", p.kind.key())),
            escape(p.component.as_deref().unwrap_or("")),
            a.map(|a| lang.day(a.in_service_since()))
                .unwrap_or_default(),
            a.map(|a| a.lifetime_years.to_string()).unwrap_or_default(),
            a.map(|a| a.condition.to_string()).unwrap_or_default(),
            p.end_of_life_year,
            if years.is_empty() {
                "—".into()
            } else {
                years.join(", ")
            },
            p.first_reason
                .map_or(String::new(), |r| escape(&label("reason", r.key()))),
            money(p.replacement_capex_eur),
            money(p.om_eur),
        );
    }
    body.push_str("</table></div>");

    let _ = write!(
        body,
        "<h2>{}</h2><p class=\"note\">{}</p>",
        w("Règles", "Rules"),
        w(
            "Un équipement est remplacé à l'identique à la fin de sa durée de vie attendue (depuis sa mise en service ou son dernier remplacement consigné), puis à chaque durée de vie. Son état plafonne la vie restante : 3 (moyen) au plus la moitié de sa durée de vie, 2 (mauvais) au plus 2 ans, 1 (critique) remplacé la première année ; une année de remplacement décidée l'emporte sur les deux, et un équipement en retard est remplacé la première année. Les coûts sont ceux de l'horizon : l'investissement initial est passé ; l'exploitation-maintenance est comptée chaque année. La valeur résiduelle des unités achetées dans l'horizon est montrée à part et n'est pas déduite de la valeur actuelle nette.",
            "An asset is replaced like for like at the end of its expected lifetime (from its commissioning or its last logged replacement), then every lifetime after. Its condition caps the life left: 3 (fair) at most half its lifetime, 2 (poor) at most 2 years, 1 (critical) replaced in the first year; a decided replacement year overrides both, and an overdue asset is replaced in the first year. Costs are those within the horizon: the initial investment is sunk; O&amp;M is counted every year. The residual value of units bought within the horizon is shown apart and not deducted from the net present value.",
        )
    );
    let _ = write!(
        body,
        "<h2>{}</h2><p class=\"note\">{}</p><div class=\"scroll\"><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        w(
            "Valeurs par défaut et leurs sources",
            "Defaults and their sources"
        ),
        w(
            "Utilisées pour les équipements dont le registre ne donne ni durée de vie ni exploitation-maintenance ; des ordres de grandeur à remplacer par les chiffres du projet.",
            "Used for assets whose registry gives no lifetime or O&amp;M; orders of magnitude to be replaced by the project's own figures.",
        ),
        w("type", "kind"),
        w("durée de vie [ans]", "lifetime [y]"),
        w("source", "source"),
        w(
            "exploitation-maintenance [% de l'investissement/an]",
            "O&amp;M [% of capex/y]"
        ),
        w("source", "source"),
    );
    for k in KINDS {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"t\">{}</td><td>{}</td><td class=\"t\">{}</td></tr>",
            escape(&label("asset_kind", k.kind.key())),
            k.lifetime_years,
            escape(lang.pick(k.lifetime_source_fr, k.lifetime_source)),
            lang.num(100.0 * k.om_fraction_of_capex, 2),
            escape(lang.pick(k.om_source_fr, k.om_source))
        );
    }
    body.push_str("</table></div>");
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n",
        w("fr", "en"),
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use quartier_assets::{
        AssetKind, MaintenanceEntry, MaintenanceKind, PlanConfig, lifecycle_plan,
    };

    use super::*;

    fn registry() -> Vec<Asset> {
        let on = NaiveDate::from_ymd_opt(2020, 6, 1).unwrap();
        let mut inv = Asset::new("inv, \"école\"", AssetKind::Inverter, on, 12_000.0);
        inv.maintenance.push(MaintenanceEntry {
            performed_on: NaiveDate::from_ymd_opt(2024, 1, 2).unwrap(),
            kind: MaintenanceKind::Corrective,
            cost_eur: 300.0,
            note: "fan <replaced>".into(),
        });
        let pv = Asset::new("pv", AssetKind::PvArray, on, 100_000.0);
        vec![inv, pv]
    }

    #[test]
    fn plan_csv_has_one_row_per_year_that_sums_to_the_totals() {
        let assets = registry();
        let plan = lifecycle_plan(&assets, &PlanConfig::new(2026)).unwrap();
        let csv = plan_csv(&plan);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("year,replacement_capex_eur,om_eur,total_eur,discounted_eur,assets_replaced")
        );
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 30);
        assert!(
            rows[6].starts_with("2032,12000.00,1620.00,13620.00,"),
            "{}",
            rows[6]
        );
        assert!(rows[6].ends_with(",\"inv, \"\"école\"\"\""), "{}", rows[6]);
        let capex: f64 = rows
            .iter()
            .map(|r| r.split(',').nth(1).unwrap().parse::<f64>().unwrap())
            .sum();
        assert!((capex - plan.totals.replacement_capex_eur).abs() < 0.01);
    }

    #[test]
    fn registry_and_maintenance_csv_have_the_store_columns() {
        let assets = registry();
        let plan = lifecycle_plan(&assets, &PlanConfig::new(2026)).unwrap();
        let csv = registry_csv(&assets, Some(&plan));
        let header = csv.lines().next().unwrap();
        assert_eq!(
            header,
            "component,kind,name,location,latitude_deg,longitude_deg,commissioned_on,lifetime_years,capex_eur,annual_om_eur,condition,replacement_year,notes,maintenance_entries,maintenance_cost_eur,next_replacement_year,replacement_years"
        );
        assert!(csv.contains(",inverter,\"inv, \"\"école\"\"\",,,,2020-06-01,12,12000.00,120.00,5,,,1,300.00,2032,2032;2044\n"), "{csv}");
        assert!(!registry_csv(&assets, None).contains("next_replacement_year"));
        let m = maintenance_csv(&assets);
        assert_eq!(m.lines().count(), 2);
        assert!(
            m.contains("2024-01-02,corrective,300.00,fan <replaced>"),
            "{m}"
        );
    }

    #[test]
    fn plan_html_has_a_well_formed_chart_and_escapes_names() {
        let assets = registry();
        let plan = lifecycle_plan(&assets, &PlanConfig::new(2026)).unwrap();
        let html = plan_html("Meudon <test>", &plan, &assets, &["a note".into()]);
        assert!(html.contains("<h1>Meudon &lt;test&gt;</h1>"));
        assert!(html.contains("inv, &quot;école&quot;"));
        assert!(html.contains("Replacements by asset"));
        assert!(html.contains("NREL"));
        let start = html.find("<svg").unwrap();
        let end = html.find("</svg>").unwrap() + "</svg>".len();
        svg::check_well_formed(&html[start..end]).unwrap();
    }
}
