//! The registry file (TOML): assets that complete or correct those derived from the district
//! model, with their maintenance logs. Its fields are declared once in [`ASSET_FIELDS`] and
//! [`MAINTENANCE_FIELDS`], which drive the parser and [`registry_schema_markdown`].
//!
//! ```toml
//! [[assets]]
//! name = "pv-ecole"                 # same name as a model-derived asset: overrides its fields
//! commissioned_on = 2012-06-15
//! condition = 3
//!
//! [[assets.maintenance]]
//! performed_on = 2024-05-10
//! kind = "inspection"
//! cost_eur = 450
//!
//! [[assets]]
//! name = "toiture-gymnase"          # a new asset: kind, commissioned_on and capex_eur needed
//! kind = "building"
//! commissioned_on = 1998-09-01
//! capex_eur = 250000
//! ```
//!
//! Records apply in file order. A record whose `name` matches an asset of the base registry
//! (usually the one derived from the district) overrides the fields it gives and appends its
//! maintenance entries; when it changes `kind` or `capex_eur` without giving
//! `lifetime_years` or `annual_om_eur`, those follow the (new) kind's defaults. A record
//! whose `name` matches no asset but the `component` of some (`bornes-mairie-annexe` for its
//! eight charge points) overrides each of them the same way, and may not carry maintenance
//! entries (log them on each asset); put it before records naming single members. Any other
//! record adds an asset.
//!
//! Like district files, **parsing never stops at the first problem**: every problem becomes
//! a [`Diagnostic`] with file, line, column, field path (`assets[2].condition`) and what was
//! expected.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use quartier_model::{
    Diagnostic, Diagnostics, LineIndex, Position, TomlFileKind, one_of, read_toml_text, suggest,
    syntax_message, to_i64,
};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::asset::{Asset, AssetError, MaintenanceEntry, MaintenanceKind};
use crate::kind::AssetKind;
use crate::plan::{PlanError, check_against_start};

/// Largest registry file read, bytes.
pub const MAX_REGISTRY_BYTES: u64 = 16 * 1024 * 1024;

/// The type of a registry field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// An asset kind (`pv_array`, …).
    AssetKind,
    /// A maintenance kind (`inspection`, …).
    MaintenanceKind,
    /// A local date, `2025-06-01` (a TOML date or a string).
    Date,
    /// A whole number within the bounds.
    Integer(i64, i64),
    /// A finite number within the bounds.
    Number(f64, f64),
    /// An array of maintenance tables.
    Maintenance,
}

/// One field of a registry record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// Name as written in the file.
    pub name: &'static str,
    /// Type.
    pub kind: FieldKind,
    /// Unit (empty for none).
    pub unit: &'static str,
    /// Required for a new asset, or for every maintenance entry.
    pub required: bool,
    /// What it means and its default.
    pub description: &'static str,
}

const fn f(
    name: &'static str,
    kind: FieldKind,
    unit: &'static str,
    required: bool,
    description: &'static str,
) -> Field {
    Field {
        name,
        kind,
        unit,
        required,
        description,
    }
}

/// Fields of an `[[assets]]` record (the store's `assets` columns).
pub static ASSET_FIELDS: &[Field] = &[
    f(
        "name",
        FieldKind::Text,
        "",
        true,
        "Unique name; the name of a model-derived asset to override it.",
    ),
    f("kind", FieldKind::AssetKind, "", true, "What it is."),
    f(
        "component",
        FieldKind::Text,
        "",
        false,
        "District-model component it belongs to (a `[[pv]]` name, a PRM…).",
    ),
    f(
        "location",
        FieldKind::Text,
        "",
        false,
        "Where it is (address, building, roof).",
    ),
    f(
        "latitude_deg",
        FieldKind::Number(-90.0, 90.0),
        "deg",
        false,
        "Latitude (with longitude_deg).",
    ),
    f(
        "longitude_deg",
        FieldKind::Number(-180.0, 180.0),
        "deg",
        false,
        "Longitude (with latitude_deg).",
    ),
    f(
        "commissioned_on",
        FieldKind::Date,
        "",
        true,
        "Commissioning date (mise en service).",
    ),
    f(
        "lifetime_years",
        FieldKind::Integer(1, 100),
        "y",
        false,
        "Expected lifetime; default: the kind's.",
    ),
    f(
        "capex_eur",
        FieldKind::Number(0.0, f64::INFINITY),
        "EUR",
        true,
        "Investment, also the cost of a like-for-like replacement.",
    ),
    f(
        "annual_om_eur",
        FieldKind::Number(0.0, f64::INFINITY),
        "EUR/y",
        false,
        "Operation and maintenance; default: capex × the kind's O&M fraction.",
    ),
    f(
        "condition",
        FieldKind::Integer(1, 5),
        "",
        false,
        "1 critical, 2 poor, 3 fair, 4 good, 5 as new (default 5).",
    ),
    f(
        "replacement_year",
        FieldKind::Integer(1000, 9000),
        "",
        false,
        "Year of the next replacement when decided (overrides the computed one).",
    ),
    f("notes", FieldKind::Text, "", false, "Free notes."),
    f(
        "maintenance",
        FieldKind::Maintenance,
        "",
        false,
        "Maintenance log: `[[assets.maintenance]]` tables.",
    ),
];

/// Fields of an `[[assets.maintenance]]` entry (the store's `maintenance_log` columns).
pub static MAINTENANCE_FIELDS: &[Field] = &[
    f(
        "performed_on",
        FieldKind::Date,
        "",
        true,
        "When it was done.",
    ),
    f(
        "kind",
        FieldKind::MaintenanceKind,
        "",
        true,
        "inspection, preventive, corrective, replacement (the life starts again) or other.",
    ),
    f(
        "cost_eur",
        FieldKind::Number(0.0, f64::INFINITY),
        "EUR",
        false,
        "What it cost (default 0).",
    ),
    f("note", FieldKind::Text, "", false, "Free note."),
];

/// The registry fields as Markdown tables (for documentation).
pub fn registry_schema_markdown() -> String {
    let mut out = String::new();
    for (title, fields) in [
        ("[[assets]]", ASSET_FIELDS),
        ("[[assets.maintenance]]", MAINTENANCE_FIELDS),
    ] {
        out.push_str(&format!(
            "## `{title}`\n\n| field | type | unit | required | description |\n|---|---|---|---|---|\n"
        ));
        for fl in fields {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                fl.name,
                kind_text(fl.kind),
                fl.unit,
                if fl.required { "yes" } else { "" },
                fl.description
            ));
        }
        out.push('\n');
    }
    out
}

fn kind_text(k: FieldKind) -> String {
    match k {
        FieldKind::Text => "string".into(),
        FieldKind::AssetKind => one_of(&AssetKind::keys()),
        FieldKind::MaintenanceKind => one_of(&MaintenanceKind::keys()),
        FieldKind::Date => "date (YYYY-MM-DD)".into(),
        FieldKind::Integer(lo, hi) => format!("integer, {lo} to {hi}"),
        FieldKind::Number(lo, hi) if hi.is_infinite() => format!("number ≥ {lo}"),
        FieldKind::Number(lo, hi) => format!("number, {lo} to {hi}"),
        FieldKind::Maintenance => "array of tables".into(),
    }
}

/// A checked field value.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Text(String),
    Kind(AssetKind),
    MKind(MaintenanceKind),
    Date(NaiveDate),
    Int(i64),
    Num(f64),
}

/// One `[[assets]]` record as written: only the fields it gives.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetRecord {
    /// Its index among the records (`assets[i]`).
    pub index: usize,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: Option<AssetKind>,
    /// Component.
    pub component: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// Latitude, degrees.
    pub latitude_deg: Option<f64>,
    /// Longitude, degrees.
    pub longitude_deg: Option<f64>,
    /// Commissioning date.
    pub commissioned_on: Option<NaiveDate>,
    /// Lifetime, years.
    pub lifetime_years: Option<u32>,
    /// Capex, EUR.
    pub capex_eur: Option<f64>,
    /// O&M, EUR/y.
    pub annual_om_eur: Option<f64>,
    /// Condition, 1–5.
    pub condition: Option<u8>,
    /// Replacement year.
    pub replacement_year: Option<i32>,
    /// Notes.
    pub notes: Option<String>,
    /// Maintenance entries.
    pub maintenance: Vec<MaintenanceEntry>,
}

/// A parsed registry file: its records and where each field was written.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryFile {
    /// The file.
    pub path: PathBuf,
    /// Records in file order.
    pub records: Vec<AssetRecord>,
    positions: BTreeMap<String, Position>,
}

/// Reads and parses a registry file.
pub fn read_registry(path: &Path) -> Result<RegistryFile, Diagnostics> {
    let text = read_toml_text(
        path,
        &TomlFileKind {
            name: "registry file",
            expected: "an asset registry (TOML)",
            too_large_for: "a registry",
            max_bytes: MAX_REGISTRY_BYTES,
        },
    )?;
    parse_registry(&text, path)
}

/// Parses registry text read from `path` (used in messages).
///
/// ```
/// use std::path::Path;
/// let text = "[[assets]]\nname = \"x\"\nkind = \"pv_aray\"\ncondition = 7\n";
/// let err = quartier_assets::parse_registry(text, Path::new("r.toml")).unwrap_err().to_string();
/// assert!(err.contains("r.toml:3:8: assets[0].kind: unknown asset kind \"pv_aray\"; did you mean \"pv_array\"?"), "{err}");
/// assert!(err.contains("r.toml:4:13: assets[0].condition: 7 is out of range (expected 1 ≤ condition ≤ 5)"), "{err}");
/// ```
pub fn parse_registry(text: &str, path: &Path) -> Result<RegistryFile, Diagnostics> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let mut p = Parser {
        file: path.to_path_buf(),
        lines: LineIndex::new(text),
        diags: Vec::new(),
        positions: BTreeMap::new(),
    };
    for e in &errors {
        let at = e.span().map_or(0, |s| s.start);
        let (message, expected) = syntax_message(e);
        p.diag(at, String::new(), message, expected);
    }
    let mut records = Vec::new();
    for (key, value) in doc.get_ref().iter() {
        let k: &str = key.get_ref();
        if k != "assets" {
            let hint = suggest(k, ["assets"]).map(|s| format!("; did you mean `{s}`?"));
            p.diag(
                key.span().start,
                k.to_owned(),
                format!("unknown section `{k}`{}", hint.unwrap_or_default()),
                Some("only [[assets]] tables".into()),
            );
            continue;
        }
        match value.get_ref() {
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item.get_ref() {
                        DeValue::Table(t) => {
                            if let Some(r) = p.record(i, t, item.span()) {
                                records.push(r);
                            }
                        }
                        other => p.diag(
                            item.span().start,
                            format!("assets[{i}]"),
                            format!("wrong type: found {}", describe(other)),
                            Some("a table".into()),
                        ),
                    }
                }
            }
            other => p.diag(
                value.span().start,
                "assets".into(),
                format!("wrong type: found {}", describe(other)),
                Some("[[assets]] tables".into()),
            ),
        }
    }
    // Names must be unique within the file.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut dups = Vec::new();
    for r in &records {
        if let Some(first) = seen.insert(&r.name, r.index) {
            dups.push((r.index, first, r.name.clone()));
        }
    }
    for (i, first, name) in dups {
        let path = format!("assets[{i}].name");
        let pos = p.positions.get(&path).copied();
        p.diags.push(Diagnostic {
            file: p.file.clone(),
            position: pos,
            path,
            message: format!("duplicate name \"{name}\" (first given in assets[{first}])"),
            expected: Some("a unique name per record".into()),
        });
    }
    // A syntax error inside a value (`2025-13-01`) is also seen as a wrong value: keep the
    // syntax message, named after the field written there.
    let syntax: Vec<Position> = p
        .diags
        .iter()
        .filter(|d| d.path.is_empty())
        .filter_map(|d| d.position)
        .collect();
    p.diags
        .retain(|d| d.path.is_empty() || !d.position.is_some_and(|at| syntax.contains(&at)));
    for d in p.diags.iter_mut().filter(|d| d.path.is_empty()) {
        if let Some((path, _)) = p.positions.iter().find(|(_, at)| Some(**at) == d.position) {
            d.path = path.clone();
        }
    }
    if p.diags.is_empty() {
        Ok(RegistryFile {
            path: p.file,
            records,
            positions: p.positions,
        })
    } else {
        p.diags.sort_by_key(|d| d.position);
        Err(Diagnostics(p.diags))
    }
}

impl RegistryFile {
    /// Position of a field path (`assets[2].condition`), or of its record.
    pub fn position(&self, path: &str) -> Option<Position> {
        self.positions.get(path).copied().or_else(|| {
            let record = path.split('.').next()?;
            self.positions.get(record).copied()
        })
    }

    fn diagnostic(&self, path: String, message: String, expected: Option<String>) -> Diagnostic {
        Diagnostic {
            file: self.path.clone(),
            position: self.position(&path),
            path,
            message,
            expected,
        }
    }

    /// Applies the records to `base` (usually [`crate::registry_from_district`]): overrides
    /// assets of the same name, adds the others, then validates every resulting asset that a
    /// record touched, including against the plan's first year `plan_start_year`. Every
    /// problem is reported at once, at its field in the file.
    pub fn apply(&self, base: Vec<Asset>, plan_start_year: i32) -> Result<Vec<Asset>, Diagnostics> {
        let mut assets = base;
        let mut diags = Vec::new();
        let mut touched = Vec::new();
        for r in &self.records {
            if let Some(i) = assets.iter().position(|a| a.name == r.name) {
                if let Some(a) = assets.get_mut(i) {
                    r.override_asset(a);
                }
                touched.push((i, r));
                continue;
            }
            let members: Vec<usize> = (0..assets.len())
                .filter(|&i| assets.get(i).and_then(|a| a.component.as_deref()) == Some(&r.name))
                .collect();
            if !members.is_empty() {
                if !r.maintenance.is_empty() {
                    diags.push(self.diagnostic(
                        format!("assets[{}].maintenance", r.index),
                        format!(
                            "\"{}\" names the {} assets of a component: log maintenance on each asset",
                            r.name,
                            members.len()
                        ),
                        Some("maintenance entries in a record naming one asset".into()),
                    ));
                    continue;
                }
                for i in members {
                    if let Some(a) = assets.get_mut(i) {
                        r.override_asset(a);
                    }
                    touched.push((i, r));
                }
                continue;
            }
            let missing: Vec<&str> = [
                ("kind", r.kind.is_none()),
                ("commissioned_on", r.commissioned_on.is_none()),
                ("capex_eur", r.capex_eur.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            match (r.kind, r.commissioned_on, r.capex_eur) {
                (Some(kind), Some(date), Some(capex)) => {
                    let mut a = Asset::new(&r.name, kind, date, capex);
                    r.override_asset(&mut a);
                    assets.push(a);
                    touched.push((assets.len() - 1, r));
                }
                _ => diags.push(self.diagnostic(
                    format!("assets[{}]", r.index),
                    format!(
                        "\"{}\" is not an asset of the district model, so it needs {}",
                        r.name,
                        missing.join(", ")
                    ),
                    Some(format!(
                        "the missing field{}",
                        if missing.len() > 1 { "s" } else { "" }
                    )),
                )),
            }
        }
        for (i, r) in touched {
            let Some(a) = assets.get(i) else { continue };
            let result = a
                .validate()
                .map_err(PlanError::from)
                .and_then(|()| check_against_start(a, plan_start_year));
            if let Err(e) = result {
                let (field, expected) = field_of(&e, r);
                diags.push(self.diagnostic(
                    format!("assets[{}]{}", r.index, field),
                    e.to_string(),
                    expected,
                ));
            }
        }
        if diags.is_empty() {
            Ok(assets)
        } else {
            diags.sort_by_key(|d| d.position);
            Err(Diagnostics(diags))
        }
    }
}

/// The field path suffix and expectation of a validation error, to place it in the file.
fn field_of(e: &PlanError, r: &AssetRecord) -> (String, Option<String>) {
    let maintenance_at = |date: &NaiveDate, field: &str| {
        r.maintenance
            .iter()
            .position(|m| m.performed_on == *date)
            .map_or_else(String::new, |i| format!(".maintenance[{i}].{field}"))
    };
    match e {
        PlanError::Asset(a) => match a {
            AssetError::EmptyName => (".name".into(), Some("a non-empty name".into())),
            AssetError::Lifetime { .. } => (".lifetime_years".into(), None),
            AssetError::Amount { field, .. } => (format!(".{field}"), None),
            AssetError::Condition { .. } => (".condition".into(), None),
            AssetError::Coordinate { field, .. } => (format!(".{field}"), None),
            AssetError::ReplacementBeforeCommissioning { .. } => (
                ".replacement_year".into(),
                Some("a year in or after commissioning".into()),
            ),
            AssetError::MaintenanceBeforeCommissioning { performed_on, .. } => (
                maintenance_at(performed_on, "performed_on"),
                Some("a date on or after commissioning".into()),
            ),
        },
        PlanError::CommissionedAfterStart { .. } => (".commissioned_on".into(), None),
        PlanError::MaintenanceAfterStart { performed_on, .. } => {
            (maintenance_at(performed_on, "performed_on"), None)
        }
        PlanError::Config { .. } | PlanError::DuplicateName(_) => (String::new(), None),
    }
}

impl AssetRecord {
    /// Overrides the fields this record gives; re-derives lifetime and O&M from the kind's
    /// defaults when the kind or capex changes and they are not given.
    fn override_asset(&self, a: &mut Asset) {
        let kind_changed = self.kind.is_some_and(|k| k != a.kind);
        let capex_changed = self.capex_eur.is_some_and(|c| c != a.capex_eur);
        if let Some(k) = self.kind {
            a.kind = k;
        }
        if let Some(c) = &self.component {
            a.component = Some(c.clone());
        }
        if let Some(l) = &self.location {
            a.location = l.clone();
        }
        if self.latitude_deg.is_some() || self.longitude_deg.is_some() {
            a.latitude_deg = self.latitude_deg;
            a.longitude_deg = self.longitude_deg;
        }
        if let Some(d) = self.commissioned_on {
            a.commissioned_on = d;
        }
        if let Some(c) = self.capex_eur {
            a.capex_eur = c;
        }
        let d = a.kind.defaults();
        match self.lifetime_years {
            Some(l) => a.lifetime_years = l,
            None if kind_changed => a.lifetime_years = d.lifetime_years,
            None => {}
        }
        match self.annual_om_eur {
            Some(o) => a.annual_om_eur = o,
            None if kind_changed || capex_changed => {
                a.annual_om_eur = a.capex_eur * d.om_fraction_of_capex;
            }
            None => {}
        }
        if let Some(c) = self.condition {
            a.condition = c;
        }
        if let Some(y) = self.replacement_year {
            a.replacement_year = Some(y);
        }
        if let Some(n) = &self.notes {
            a.notes = n.clone();
        }
        a.maintenance.extend(self.maintenance.iter().cloned());
    }
}

struct Parser {
    file: PathBuf,
    lines: LineIndex,
    diags: Vec<Diagnostic>,
    positions: BTreeMap<String, Position>,
}

type Table<'a> = DeTable<'a>;
/// Checked values of a table, by field name.
type Checked = BTreeMap<&'static str, Val>;
/// A nested maintenance item and its index.
type Nested<'t> = (&'t Spanned<DeValue<'t>>, usize);

impl Parser {
    fn diag(&mut self, at: usize, path: String, message: String, expected: Option<String>) {
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            position: Some(self.lines.position(at)),
            path,
            message,
            expected,
        });
    }

    /// Checks every field of a table against `fields`: unknown fields, types, bounds and
    /// missing required ones (when `require`). Gives the checked values by name.
    fn fields<'t>(
        &mut self,
        prefix: &str,
        table: &'t Table<'t>,
        span: Range<usize>,
        fields: &'static [Field],
        require: bool,
    ) -> (Checked, Vec<Nested<'t>>) {
        self.positions
            .insert(prefix.to_owned(), self.lines.position(span.start));
        let mut vals = BTreeMap::new();
        let mut nested = Vec::new();
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let path = format!("{prefix}.{name}");
            let Some(field) = fields.iter().find(|fl| fl.name == name) else {
                let hint = suggest(name, fields.iter().map(|fl| fl.name))
                    .map(|s| format!("; did you mean `{s}`?"));
                self.diag(
                    key.span().start,
                    path,
                    format!("unknown field `{name}`{}", hint.unwrap_or_default()),
                    Some(one_of(&fields.iter().map(|fl| fl.name).collect::<Vec<_>>())),
                );
                continue;
            };
            self.positions
                .insert(path.clone(), self.lines.position(value.span().start));
            if field.kind == FieldKind::Maintenance {
                match value.get_ref() {
                    DeValue::Array(items) => {
                        nested.extend(items.iter().enumerate().map(|(i, it)| (it, i)));
                    }
                    other => self.diag(
                        value.span().start,
                        path,
                        format!("wrong type: found {}", describe(other)),
                        Some("[[assets.maintenance]] tables".into()),
                    ),
                }
                continue;
            }
            match check(field, value.get_ref()) {
                Ok(v) => {
                    vals.insert(field.name, v);
                }
                Err((message, expected)) => self.diag(value.span().start, path, message, expected),
            }
        }
        if require {
            for fl in fields.iter().filter(|fl| fl.required) {
                if !table.iter().any(|(k, _)| {
                    let k: &str = k.get_ref();
                    k == fl.name
                }) {
                    self.diag(
                        span.start,
                        format!("{prefix}.{}", fl.name),
                        format!("missing required field `{}`", fl.name),
                        Some(kind_text(fl.kind)),
                    );
                }
            }
        }
        (vals, nested)
    }

    fn record<'t>(
        &mut self,
        index: usize,
        t: &'t Table<'t>,
        span: Range<usize>,
    ) -> Option<AssetRecord> {
        let prefix = format!("assets[{index}]");
        // Only `name` is always required: the rest is required for assets not in the model,
        // which `RegistryFile::apply` knows.
        let (vals, nested) = self.fields(&prefix, t, span.clone(), ASSET_FIELDS, false);
        let mut maintenance = Vec::new();
        for (item, i) in nested {
            let mprefix = format!("{prefix}.maintenance[{i}]");
            match item.get_ref() {
                DeValue::Table(mt) => {
                    let (mv, _) = self.fields(&mprefix, mt, item.span(), MAINTENANCE_FIELDS, true);
                    if let (Some(Val::Date(performed_on)), Some(Val::MKind(kind))) =
                        (mv.get("performed_on"), mv.get("kind"))
                    {
                        maintenance.push(MaintenanceEntry {
                            performed_on: *performed_on,
                            kind: *kind,
                            cost_eur: num(&mv, "cost_eur").unwrap_or(0.0),
                            note: text(&mv, "note").unwrap_or_default(),
                        });
                    }
                }
                other => self.diag(
                    item.span().start,
                    mprefix,
                    format!("wrong type: found {}", describe(other)),
                    Some("a table".into()),
                ),
            }
        }
        let Some(name) = text(&vals, "name") else {
            if !t.iter().any(|(k, _)| {
                let k: &str = k.get_ref();
                k == "name"
            }) {
                self.diag(
                    span.start,
                    format!("{prefix}.name"),
                    "missing required field `name`".into(),
                    Some("string".into()),
                );
            }
            return None;
        };
        let int = |n: &str| match vals.get(n) {
            Some(Val::Int(i)) => Some(*i),
            _ => None,
        };
        Some(AssetRecord {
            index,
            name,
            kind: match vals.get("kind") {
                Some(Val::Kind(k)) => Some(*k),
                _ => None,
            },
            component: text(&vals, "component"),
            location: text(&vals, "location"),
            latitude_deg: num(&vals, "latitude_deg"),
            longitude_deg: num(&vals, "longitude_deg"),
            commissioned_on: match vals.get("commissioned_on") {
                Some(Val::Date(d)) => Some(*d),
                _ => None,
            },
            lifetime_years: int("lifetime_years").and_then(|i| u32::try_from(i).ok()),
            capex_eur: num(&vals, "capex_eur"),
            annual_om_eur: num(&vals, "annual_om_eur"),
            condition: int("condition").and_then(|i| u8::try_from(i).ok()),
            replacement_year: int("replacement_year").and_then(|i| i32::try_from(i).ok()),
            notes: text(&vals, "notes"),
            maintenance,
        })
    }
}

fn text(vals: &BTreeMap<&'static str, Val>, name: &str) -> Option<String> {
    match vals.get(name) {
        Some(Val::Text(s)) => Some(s.clone()),
        _ => None,
    }
}

fn num(vals: &BTreeMap<&'static str, Val>, name: &str) -> Option<f64> {
    match vals.get(name) {
        Some(Val::Num(x)) => Some(*x),
        _ => None,
    }
}

/// A TOML value as found, for "wrong type" messages: the model's wording, but integers
/// without their radix prefix (`integer ff` for `0xff`), as this file always wrote them.
fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::Integer(i) => format!("integer {}", i.as_str()),
        other => quartier_model::describe(other),
    }
}

/// A TOML number as `f64` (integers within `i64` only).
fn to_f64(v: &DeValue<'_>) -> Option<f64> {
    quartier_model::to_f64(v, false)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Checks one value against its field: the value, or `(message, expected)`.
fn check(field: &Field, v: &DeValue<'_>) -> Result<Val, (String, Option<String>)> {
    let wrong = || {
        (
            format!("wrong type: found {}", describe(v)),
            Some(kind_text(field.kind)),
        )
    };
    let bounds = || Some(bounds_text(field));
    match field.kind {
        FieldKind::Text => match v {
            DeValue::String(s) => Ok(Val::Text(s.to_string())),
            _ => Err(wrong()),
        },
        FieldKind::AssetKind => match v {
            DeValue::String(s) => keyed(s, &AssetKind::keys(), Val::Kind),
            _ => Err(wrong()),
        },
        FieldKind::MaintenanceKind => match v {
            DeValue::String(s) => keyed(s, &MaintenanceKind::keys(), Val::MKind),
            _ => Err(wrong()),
        },
        FieldKind::Date => {
            let date = match v {
                DeValue::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
                    d.date.and_then(|d| {
                        NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                    })
                }
                DeValue::String(s) => parse_date(s),
                _ => None,
            };
            date.map(Val::Date).ok_or_else(|| {
                (
                    format!("not a date: found {}", describe(v)),
                    Some("a date, YYYY-MM-DD".into()),
                )
            })
        }
        FieldKind::Integer(lo, hi) => {
            let i = to_i64(v).ok_or_else(wrong)?;
            if (lo..=hi).contains(&i) {
                Ok(Val::Int(i))
            } else {
                Err((format!("{i} is out of range"), bounds()))
            }
        }
        FieldKind::Number(lo, hi) => {
            let x = to_f64(v).ok_or_else(wrong)?;
            if x.is_finite() && x >= lo && x <= hi {
                Ok(Val::Num(x))
            } else {
                Err((format!("{x} is out of range"), bounds()))
            }
        }
        FieldKind::Maintenance => Err(wrong()),
    }
}

/// A keyed enumeration (asset or maintenance kind) parsed from `s`, or its error with a
/// "did you mean" hint among `keys`.
fn keyed<T>(
    s: &str,
    keys: &[&'static str],
    val: fn(T) -> Val,
) -> Result<Val, (String, Option<String>)>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map(val).map_err(|e| {
        let hint = suggest(s, keys.iter().copied()).map(|k| format!("; did you mean \"{k}\"?"));
        (
            format!("{e}{}", hint.unwrap_or_default()),
            Some(one_of(keys)),
        )
    })
}

fn bounds_text(field: &Field) -> String {
    match field.kind {
        FieldKind::Integer(lo, hi) => format!("{lo} ≤ {} ≤ {hi}", field.name),
        FieldKind::Number(lo, hi) if hi.is_infinite() => format!("a finite {} ≥ {lo}", field.name),
        FieldKind::Number(lo, hi) => format!("{lo} ≤ {} ≤ {hi}", field.name),
        _ => kind_text(field.kind),
    }
}
