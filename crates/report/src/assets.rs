//! Wire formats of the asset registry and its lifecycle plan: `registry.csv` (one row per
//! asset, the store's `assets` columns plus the next replacement), `maintenance.csv` (the
//! store's `maintenance_log` rows), `plan.csv` (one row per year) and a self-contained
//! `plan.html` with a bar chart of the yearly costs ([`crate::svg`]), the replacement table
//! and the cited defaults the registry used.

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

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f6f6f3;color:#1d1d1d}\
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

/// `plan.html`: summary cards (assets, replacements, costs, NPV), a bar chart of the yearly
/// replacement capex and O&M, the yearly table, the replacement table of every asset
/// (`assets` gives commissioning, lifetime and condition; it is the registry the plan was
/// made from), the plan's rules, and the cited defaults. `notes` are shown as warnings.
pub fn plan_html(title: &str, plan: &Plan, assets: &[Asset], notes: &[String]) -> String {
    let c = &plan.config;
    let t = &plan.totals;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p class=\"sub\">Lifecycle costs and replacements, {}–{} ({} years) · discount rate {:.1} % · capex escalation {:.1} %/y · O&amp;M escalation {:.1} %/y · EUR of {}</p>",
        escape(title),
        c.start_year,
        c.end_year(),
        c.years,
        100.0 * c.discount_rate,
        100.0 * c.capex_escalation,
        100.0 * c.om_escalation,
        c.start_year,
    );
    if !notes.is_empty() {
        body.push_str("<div class=\"warn\"><ul>");
        for n in notes {
            let _ = write!(body, "<li>{}</li>", escape(n));
        }
        body.push_str("</ul></div>");
    }
    body.push_str("<div class=\"cards\">");
    body.push_str(&card(&plan.assets.len().to_string(), "assets"));
    body.push_str(&card(
        &t.replacements.to_string(),
        "replacements in the horizon",
    ));
    body.push_str(&card(
        &format!("{} €", money(t.replacement_capex_eur)),
        "replacement capex",
    ));
    body.push_str(&card(
        &format!("{} €", money(t.om_eur)),
        "operation and maintenance",
    ));
    body.push_str(&card(
        &format!("{} €", money(t.npv_eur)),
        "net present value of costs",
    ));
    body.push_str(&card(
        &format!("{} €", money(t.residual_value_pv_eur)),
        "residual value at the end (present value, not deducted)",
    ));
    body.push_str("</div>");

    let chart = svg::bar_chart(&BarChart {
        title: "Yearly costs".into(),
        categories: plan.years.iter().map(|y| y.year.to_string()).collect(),
        x: AxisSpec::new("year", ""),
        y: AxisSpec::new("cost", "EUR"),
        series: vec![
            BarSeries {
                label: "replacement capex".into(),
                values: plan.years.iter().map(|y| y.replacement_capex_eur).collect(),
                errors: None,
                color: None,
            },
            BarSeries {
                label: "O&M".into(),
                values: plan.years.iter().map(|y| y.om_eur).collect(),
                errors: None,
                color: None,
            },
        ],
        reference: None,
        width: 1040.0,
        ..BarChart::default()
    });
    let _ = write!(body, "<figure>{chart}</figure>");

    body.push_str("<h2>Year by year</h2><div class=\"scroll\"><table><tr><th>year</th><th>replacement capex [€]</th><th>O&amp;M [€]</th><th>total [€]</th><th>discounted [€]</th><th class=\"t\">assets replaced</th></tr>");
    for y in &plan.years {
        let replaced = if y.assets_replaced.len() > 6 {
            let head: Vec<&str> = y
                .assets_replaced
                .iter()
                .take(5)
                .map(String::as_str)
                .collect();
            format!(
                "{}, and {} more",
                head.join(", "),
                y.assets_replaced.len() - 5
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
        "<tr><th>total</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></table></div>",
        money(t.replacement_capex_eur),
        money(t.om_eur),
        money(t.total_eur),
        money(t.npv_eur)
    );

    body.push_str("<h2>Replacements by asset</h2><div class=\"scroll\"><table><tr><th>asset</th><th>kind</th><th>component</th><th>in service since</th><th>lifetime [y]</th><th>condition</th><th>end of life</th><th>replaced in</th><th class=\"t\">why first</th><th>replacement capex [€]</th><th>O&amp;M [€]</th></tr>");
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
            p.kind,
            escape(p.component.as_deref().unwrap_or("")),
            a.map(|a| a.in_service_since().to_string())
                .unwrap_or_default(),
            a.map(|a| a.lifetime_years.to_string()).unwrap_or_default(),
            a.map(|a| a.condition.to_string()).unwrap_or_default(),
            p.end_of_life_year,
            if years.is_empty() {
                "—".into()
            } else {
                years.join(", ")
            },
            p.first_reason.map_or("", |r| r.key()),
            money(p.replacement_capex_eur),
            money(p.om_eur),
        );
    }
    body.push_str("</table></div>");

    body.push_str("<h2>Rules</h2><p class=\"note\">An asset is replaced like for like at the end of its expected lifetime (from its commissioning or its last logged replacement), then every lifetime after. Its condition caps the life left: 3 (fair) at most half its lifetime, 2 (poor) at most 2 years, 1 (critical) replaced in the first year; a decided replacement year overrides both, and an overdue asset is replaced in the first year. Costs are those within the horizon: the initial investment is sunk; O&amp;M is counted every year. The residual value of units bought within the horizon is shown apart and not deducted from the net present value.</p>");
    body.push_str("<h2>Defaults and their sources</h2><p class=\"note\">Used for assets whose registry gives no lifetime or O&amp;M; orders of magnitude to be replaced by the project's own figures.</p><div class=\"scroll\"><table><tr><th>kind</th><th>lifetime [y]</th><th>source</th><th>O&amp;M [% of capex/y]</th><th>source</th></tr>");
    for k in KINDS {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"t\">{}</td><td>{:.2}</td><td class=\"t\">{}</td></tr>",
            k.kind,
            k.lifetime_years,
            escape(k.lifetime_source),
            100.0 * k.om_fraction_of_capex,
            escape(k.om_source)
        );
    }
    body.push_str("</table></div>");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n",
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
