//! KPIs on the wire: `kpis.json` and the printed table. The list of KPIs, their units and how
//! they print is declared once in [`kpi_rows`]; both outputs read it.

use chrono::SecondsFormat;
use quartier_sim::{Kpis, MonthlyKpis};
use quartier_timeseries::Axis;
use serde_json::{Map, Value, json};

/// A KPI value: a number (possibly undefined, e.g. a rate with a zero denominator) or a flag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KpiValue {
    /// A number; `None` when undefined.
    Number(Option<f64>),
    /// A yes/no flag.
    Flag(bool),
}

/// One KPI: its key (the JSON field), its unit and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KpiRow {
    /// Key, with the unit in the name where there is one.
    pub key: &'static str,
    /// Unit for display ("kWh", "1" for rates, "" for flags).
    pub unit: &'static str,
    /// Value.
    pub value: KpiValue,
}

/// The KPIs of a run in a fixed order (the order of `kpis.json` and of the table).
pub fn kpi_rows(k: &Kpis) -> Vec<KpiRow> {
    let n = |key, unit, v: f64| KpiRow {
        key,
        unit,
        value: KpiValue::Number(Some(v)),
    };
    let o = |key, v: Option<f64>| KpiRow {
        key,
        unit: "1",
        value: KpiValue::Number(v),
    };
    vec![
        n("production_kwh", "kWh", k.production_kwh),
        n("consumption_kwh", "kWh", k.consumption_kwh),
        n("import_kwh", "kWh", k.import_kwh),
        n("export_kwh", "kWh", k.export_kwh),
        o("self_consumption_rate", k.self_consumption_rate),
        o("self_sufficiency_rate", k.self_sufficiency_rate),
        n("annual_balance_kwh", "kWh", k.annual_balance_kwh),
        KpiRow {
            key: "positive_energy",
            unit: "",
            value: KpiValue::Flag(k.positive_energy),
        },
        n("peak_import_kw", "kW", k.peak_import_kw),
        n("co2_kg", "kgCO2e", k.co2_kg),
        n("cost_eur", "EUR", k.cost_eur),
        n("h2_produced_kg", "kg", k.h2_produced_kg),
        n("h2_demand_kg", "kg", k.h2_demand_kg),
        n("h2_demand_served_kg", "kg", k.h2_demand_served_kg),
        n("h2_unserved_kg", "kg", k.h2_unserved_kg),
        n("curtailed_kwh", "kWh", k.curtailed_kwh),
        n("unserved_kwh", "kWh", k.unserved_kwh),
        n("battery_throughput_kwh", "kWh", k.battery_throughput_kwh),
        n("battery_losses_kwh", "kWh", k.battery_losses_kwh),
        n("ev_energy_kwh", "kWh", k.ev_energy_kwh),
        n("electrolyser_kwh", "kWh", k.electrolyser_kwh),
        n("fuel_cell_kwh", "kWh", k.fuel_cell_kwh),
    ]
}

fn json_value(v: KpiValue) -> Value {
    match v {
        KpiValue::Number(Some(x)) if x.is_finite() => json!(x),
        KpiValue::Number(_) => Value::Null,
        KpiValue::Flag(b) => Value::Bool(b),
    }
}

fn monthly_json(m: &MonthlyKpis) -> Value {
    json!({
        "month": format!("{:04}-{:02}", m.year, m.month),
        "steps": m.steps,
        "production_kwh": m.production_kwh,
        "consumption_kwh": m.consumption_kwh,
        "import_kwh": m.import_kwh,
        "export_kwh": m.export_kwh,
        "curtailed_kwh": m.curtailed_kwh,
        "unserved_kwh": m.unserved_kwh,
        "self_consumption_rate": m.self_consumption_rate,
        "self_sufficiency_rate": m.self_sufficiency_rate,
        "balance_kwh": m.balance_kwh,
        "positive_energy": m.positive_energy,
        "peak_import_kw": m.peak_import_kw,
        "co2_kg": m.co2_kg,
        "cost_eur": m.cost_eur,
    })
}

/// `kpis.json`: the district's name, the axis, every KPI, and the monthly breakdown (local
/// months of the site).
pub fn kpis_json(district_name: &str, axis: &Axis, k: &Kpis) -> String {
    let mut kpis = Map::new();
    for row in kpi_rows(k) {
        kpis.insert(row.key.to_string(), json_value(row.value));
    }
    let doc = json!({
        "district": district_name,
        "axis": {
            "start_utc": axis.start().to_rfc3339_opts(SecondsFormat::Secs, true),
            "end_utc": axis.end().to_rfc3339_opts(SecondsFormat::Secs, true),
            "step_minutes": axis.step().minutes(),
            "steps": axis.len(),
        },
        "kpis": Value::Object(kpis),
        "monthly": k.monthly.iter().map(monthly_json).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn cell(v: KpiValue, unit: &str) -> String {
    match v {
        KpiValue::Number(None) => "n/a".into(),
        KpiValue::Number(Some(x)) if unit == "1" => format!("{:.1} %", x * 100.0),
        KpiValue::Number(Some(x)) if x.abs() >= 100.0 => group_thousands(x.round()),
        KpiValue::Number(Some(x)) => format!("{x:.2}"),
        KpiValue::Flag(b) => (if b { "yes" } else { "no" }).into(),
    }
}

fn group_thousands(x: f64) -> String {
    let neg = x < 0.0;
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if neg { format!("-{out}") } else { out }
}

/// A text table of the KPIs of one or more runs side by side (one column per run).
pub fn kpi_table(runs: &[(&str, &Kpis)]) -> String {
    let rows: Vec<Vec<KpiRow>> = runs.iter().map(|(_, k)| kpi_rows(k)).collect();
    let Some(first) = rows.first() else {
        return String::new();
    };
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["KPI".to_string(), "unit".to_string()];
    header.extend(runs.iter().map(|(n, _)| n.to_string()));
    lines.push(header);
    for (i, row) in first.iter().enumerate() {
        let unit = if row.unit == "1" { "%" } else { row.unit };
        let mut line = vec![row.key.to_string(), unit.to_string()];
        line.extend(rows.iter().map(|r| cell(r[i].value, r[i].unit)));
        lines.push(line);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (li, l) in lines.iter().enumerate() {
        for (c, text) in l.iter().enumerate() {
            let pad = widths[c] - text.chars().count();
            if c < 2 {
                out.push_str(text);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(text);
            }
            out.push_str(if c + 1 < l.len() { "  " } else { "\n" });
        }
        if li == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"-".repeat(total));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(1234567.0), "1,234,567");
        assert_eq!(group_thousands(-1000.0), "-1,000");
        assert_eq!(group_thousands(999.0), "999");
    }
}
