//! The district file's documentation, rendered from the attribute table
//! ([`crate::ATTRIBUTES`]) so that it never drifts from what the parser accepts.

use crate::attributes::{ATTRIBUTES, Attribute, COMPONENTS, Kind, attributes_of};

/// A complete district file exercising every section, shown at the end of the schema.
/// Its data paths are examples (relative to the district file's folder).
pub const EXAMPLE_DISTRICT: &str = r#"[site]
name = "Écoquartier des Tanneries"
latitude_deg = 45.76
longitude_deg = 4.84
altitude_m = 170
timezone = "Europe/Paris"

[time]
start = 2025-01-01          # local midnight, inclusive
end = 2026-01-01            # local midnight, exclusive
step_minutes = 15

[weather]
file = "weather/pvgis_tmy.csv"
format = "pvgis-tmy-csv"

[[participants]]
id = "30001234567890"       # 14-digit PRM
name = "École Jules Ferry"
role = "prosumer"

[[participants]]
id = "residence-a"
name = "Résidence A"

[[loads]]
name = "school"
participant = "30001234567890"
profile = "G25"
annual_kwh = 85000

[[loads]]
name = "residence-a"
participant = "residence-a"
curve = { file = "meters/residence_a.csv", format = "enedis" }

[[pv]]
name = "school-roof"
participant = "30001234567890"
kwp = 120
tilt_deg = 15
azimuth_deg = 180

[[batteries]]
name = "school-battery"
participant = "30001234567890"
energy_kwh = 200
charge_kw = 100

[[electrolysers]]
name = "electrolyser"
max_kw = 250
min_kw = 25

[[hydrogen_tanks]]
name = "tank"
capacity_kg = 300
initial_kg = 50

[[fuel_cells]]
name = "fuel-cell"
max_kw = 50

[[hydrogen_demands]]
name = "buses"
kg_per_day = 60
hours = [6, 18]

[[ev_charging]]
name = "car-park"
chargers = 10
charger_kw = 11
sessions = "ev/sessions.csv"

[[fleets]]
name = "cargo-bikes"
vehicles = 12
km_per_day = 40
kwh_per_km = 0.02
charger_kw = 0.5
plug_in_hour = 18
plug_out_hour = 7
days = ["mon", "tue", "wed", "thu", "fri", "sat"]

[grid]
import_limit_kw = 400
export_limit_kw = 250
export_price_eur_per_kwh = 0.04

[grid.import_price]
base_eur_per_kwh = 0.22

[[grid.import_price.periods]]
name = "HC"
start_hour = 22
end_hour = 6
eur_per_kwh = 0.16

[carbon]
constant_g_per_kwh = 50
"#;

pub(crate) fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The attribute table of one component: `| attribute | type | unit | default | bounds |
/// description |`, one row per attribute of `attrs` in `component`, types written by `kind`.
pub(crate) fn attribute_table(
    attrs: &[Attribute],
    component: &str,
    kind: &dyn Fn(&Attribute) -> String,
) -> String {
    let mut out = String::from("| attribute | type | unit | default | bounds | description |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for a in attrs.iter().filter(|a| a.component == component) {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            a.name,
            kind(a),
            cell(a.unit),
            cell(&a.default.to_string()),
            cell(&a.bounds_text()),
            cell(a.description),
        ));
    }
    out.push('\n');
    out
}

fn kind_cell(a: &Attribute) -> String {
    match a.kind {
        Kind::Table(c) | Kind::Tables(c) | Kind::FloatOrTable(c) => {
            let what = match a.kind {
                Kind::Table(_) => "table",
                Kind::Tables(_) => "array of tables",
                _ => "float or table",
            };
            format!("{what} ([`{c}`](#{}))", anchor(c))
        }
        k => cell(&k.to_string()),
    }
}

fn anchor(component: &str) -> String {
    component.replace('.', "")
}

/// The district file format as Markdown: an introduction, one section per component with a
/// table `| attribute | type | unit | default | bounds | description |`, and a complete
/// example.
pub fn schema_markdown() -> String {
    let mut out = String::new();
    out.push_str("# The district file\n\n");
    out.push_str(
        "A district is described in one TOML file. Sections (`[site]`, `[time]`, …) hold \
         single settings; arrays of tables (`[[pv]]`, `[[batteries]]`, …) hold components, \
         each with a `name` unique within the district. Units are part of attribute names \
         (`charge_kw`, `energy_kwh`, `tilt_deg`). Relative file paths start at the district \
         file's folder. Local dates and hours are in the site's time zone. Every problem is \
         reported at once as `FILE:LINE:COL: path.to.field: message (expected …)`, where \
         arrays of tables are indexed from 0 (`pv[1].tilt_deg`).\n\n",
    );
    out.push_str(
        "This page is generated from the attribute table that the parser itself uses \
         (`quartier_model::ATTRIBUTES`).\n\n",
    );
    for (comp, what) in COMPONENTS {
        let heading = match *comp {
            "district" => "Top level".to_owned(),
            "series" => "Series files (`curve`, `series`)".to_owned(),
            c if attributes_of("district")
                .any(|a| a.name == c && matches!(a.kind, Kind::Tables(_))) =>
            {
                format!("`[[{c}]]`")
            }
            "grid.import_price.periods" => format!("`[[{comp}]]`"),
            c => format!("`[{c}]`"),
        };
        out.push_str(&format!(
            "## {heading} <a id=\"{}\"></a>\n\n{what}\n\n",
            anchor(comp)
        ));
        out.push_str(&attribute_table(ATTRIBUTES, comp, &kind_cell));
    }
    out.push_str("## Example\n\n```toml\n");
    out.push_str(EXAMPLE_DISTRICT);
    out.push_str("```\n");
    out
}
