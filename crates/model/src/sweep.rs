//! The sweep file: a study of many scenarios made from one or more district files by changing
//! some of their values, each scenario a whole district file that can be rerun alone.
//!
//! ```toml
//! districts = ["../examples/meudon-la-foret.toml"]
//! run = ["rule", "optimal"]
//!
//! [grid]                        # every combination, in the order written
//! "pv[0].kwp" = [100, 200, 400]
//! "batteries[\"batterie-ecole\"].energy_kwh" = [0, 200]
//!
//! [[scenarios]]                 # explicit scenarios, after the grid's
//! "grid.import_limit_kw" = 300
//! ```
//!
//! A parameter is a district-file path: table names and attributes joined by dots, an array
//! of tables indexed from 0 (`pv[0]`) or by its component's name (`pv["pv-ecole"]`). Paths
//! are checked against the district attribute table (a path that does not exist is an error
//! at the sweep file's key, with a suggestion), values by the district parser itself: each
//! scenario's district text is read like any district file, and a problem with a value the
//! sweep set is reported at that value in the sweep file (`FILE:LINE:COL`).
//!
//! **Expansion** is deterministic: for each district file in order, the grid's combinations
//! (the first parameter varying slowest), then the explicit scenarios; scenarios are
//! numbered from 0 in that order. A sweep without grid nor scenarios has one scenario per
//! district, as written. The scenario's text is the district file edited on its text
//! (`toml_edit`: comments and order stay), with every file it references made absolute so that
//! it reads from anywhere.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml_edit::{DocumentMut, Item, Table, TableLike};

use crate::attributes::{self, Attribute, DefaultValue, Kind, N, a, inc};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceMap};
use crate::district::District;
use crate::walk::{Schema, Style, TomlFileKind, Walker, read_toml_text};

/// What runs for each scenario.
pub const RUNS: &[&str] = &["rule", "optimal", "size"];

/// Formats of a sweep's tables.
pub const FORMATS: &[&str] = &["parquet", "csv"];

/// The format of a sweep's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Apache Parquet.
    Parquet,
    /// CSV.
    Csv,
}

impl TableFormat {
    /// Its name in a sweep file, and its files' extension.
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Parquet => "parquet",
            TableFormat::Csv => "csv",
        }
    }
}

/// The sweep file's attributes (`quartier schema` lists them).
pub static SWEEP_ATTRIBUTES: &[Attribute] = &[
    a(
        "sweep",
        "name",
        Kind::String,
        "",
        DefaultValue::Rule("the file's name"),
        N,
        N,
        "Name of the study, in its results.",
    ),
    a(
        "sweep",
        "districts",
        Kind::EnumList(&[]),
        "",
        DefaultValue::Required,
        N,
        N,
        "District files the scenarios are made from (relative to the sweep file); every scenario of the grid runs on each.",
    ),
    a(
        "sweep",
        "run",
        Kind::EnumList(RUNS),
        "",
        DefaultValue::StrList(&["rule"]),
        N,
        N,
        "What runs for each scenario: `rule` (the rule controller's simulation), `optimal` (optimal dispatch over the horizon, clarabel), `size` (sizing at the district's own costs).",
    ),
    a(
        "sweep",
        "days",
        Kind::Integer,
        "d",
        DefaultValue::Optional,
        inc(1.0),
        inc(3660.0),
        "Keeps only the first days of each district's horizon (a quicker study).",
    ),
    a(
        "sweep",
        "timeseries",
        Kind::Bool,
        "",
        DefaultValue::Bool(false),
        N,
        N,
        "Also keeps each dispatch's time series (one row per step, the columns of `quartier simulate`) for every scenario: `timeseries-rule` and `timeseries-optimal`, in the sweep's `format`.",
    ),
    a(
        "sweep",
        "format",
        Kind::Enum(FORMATS),
        "",
        DefaultValue::Str("parquet"),
        N,
        N,
        "Format of each scenario's tables (`kpis`, time series): `parquet` (Apache Parquet) or `csv`. The collected table is written in both.",
    ),
    a(
        "sweep",
        "grid",
        Kind::Table("sweep.grid"),
        "",
        DefaultValue::Rule("none"),
        N,
        N,
        "Parameters to vary: each a district-file path (`pv[0].kwp`, `pv[\"pv-ecole\"].kwp`, `grid.import_limit_kw`) with its list of values; scenarios are every combination, the first parameter varying slowest.",
    ),
    a(
        "sweep",
        "scenarios",
        Kind::Tables("sweep.scenarios"),
        "",
        DefaultValue::Rule("none"),
        N,
        N,
        "Explicit scenarios after the grid's: each a table of district-file paths and their values.",
    ),
];

static SWEEP: Schema = Schema {
    attrs: SWEEP_ATTRIBUTES,
    fallback: &[],
    file: "sweep",
    style: Style::Experiment,
};

/// Largest number of scenarios a sweep file may expand to.
pub const MAX_SCENARIOS: usize = 1_000_000;

/// One value a scenario sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The parameter as written in the sweep file (`pv["pv-ecole"].kwp`).
    pub parameter: String,
    /// The value as written in the sweep file (TOML: `200`, `"ecole"`, `true`).
    pub value: String,
    /// Where the value is in the sweep file (byte range).
    span: Range<usize>,
}

/// One scenario: a district file and the values it changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Its number, from 0.
    pub index: usize,
    /// Index of its district file in [`Sweep::districts`].
    pub district: usize,
    /// What it changes, in the sweep file's order.
    pub settings: Vec<Setting>,
}

/// A sweep file, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The sweep file.
    pub file: PathBuf,
    /// Its text (for identity checks of a results folder).
    pub text: String,
    /// The study's name.
    pub name: String,
    /// District files (absolute or relative to the working directory).
    pub districts: Vec<PathBuf>,
    /// What runs for each scenario (`rule`, `optimal`, `size`).
    pub run: Vec<String>,
    /// First days kept of each horizon.
    pub days: Option<u32>,
    /// Whether each dispatch's time series is kept.
    pub timeseries: bool,
    /// The format of the tables.
    pub format: TableFormat,
    /// Every parameter, in the order first written (the columns of a results table).
    pub parameters: Vec<String>,
    /// Every scenario, numbered.
    pub scenarios: Vec<Scenario>,
    /// The district files' texts.
    texts: Vec<String>,
    map: SourceMap,
}

/// One step of a parameter path.
#[derive(Debug, Clone, PartialEq)]
enum Selector {
    None,
    Index(usize),
    Name(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Segment {
    key: String,
    selector: Selector,
}

/// Parses `a.b[0].c` / `a["x"].c`; `None` when malformed.
fn parse_path(p: &str) -> Option<Vec<Segment>> {
    let mut out = Vec::new();
    let mut rest = p;
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let key = &rest[..end];
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        rest = &rest[end..];
        let selector = if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = &r[..close];
            rest = &r[close + 1..];
            if let Some(name) = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Selector::Name(name.to_owned())
            } else {
                Selector::Index(inner.parse().ok()?)
            }
        } else {
            Selector::None
        };
        out.push(Segment {
            key: key.to_owned(),
            selector,
        });
        if rest.is_empty() {
            return Some(out);
        }
        rest = rest.strip_prefix('.')?;
    }
}

/// Checks a parameter path against the district attribute table: `Err((message,
/// expected))`.
fn check_path(segments: &[Segment]) -> Result<(), (String, Option<String>)> {
    let mut comp = "district";
    for (i, s) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let Some(attr) = attributes::attribute(comp, &s.key) else {
            let known: Vec<&str> = attributes::attributes_of(comp).map(|a| a.name).collect();
            let hint = attributes::suggest(&s.key, known.iter().copied())
                .map(|h| format!("; did you mean `{h}`?"))
                .unwrap_or_default();
            let within = if comp == "district" {
                "the district file".to_owned()
            } else {
                format!("`{comp}`")
            };
            return Err((
                format!("`{}` is not an attribute of {within}{hint}", s.key),
                Some(format!("one of {}", known.join(", "))),
            ));
        };
        match (attr.kind, last, &s.selector) {
            (Kind::Tables(c), false, Selector::Index(_) | Selector::Name(_)) => comp = c,
            (Kind::Tables(_), _, _) => {
                return Err((
                    format!(
                        "`{}` is a list of tables: say which one and which field",
                        s.key
                    ),
                    Some(format!("{0}[0].<field> or {0}[\"<name>\"].<field>", s.key)),
                ));
            }
            (_, _, Selector::Index(_) | Selector::Name(_)) => {
                return Err((
                    format!("`{}` is not a list of tables: it takes no [ ]", s.key),
                    None,
                ));
            }
            (Kind::Table(c) | Kind::FloatOrTable(c), false, Selector::None) => comp = c,
            (Kind::Table(_), true, _) => {
                return Err((
                    format!("`{}` is a table: name one of its fields", s.key),
                    Some(format!("{}.<field>", s.key)),
                ));
            }
            (_, false, _) => {
                return Err((format!("`{}` is a value, not a table", s.key), None));
            }
            (_, true, _) => {}
        }
    }
    Ok(())
}

/// Which scenarios [`read_sweep_with`] reads as district files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScenarioCheck {
    /// Every scenario (before a sweep starts).
    #[default]
    Every,
    /// None: the sweep file alone (an array task, which checks its own scenarios with
    /// [`Sweep::check_scenario`] instead of the whole study's, already checked).
    SweepFileOnly,
}

/// Reads and checks a sweep file and every scenario it makes (see the module
/// documentation): every problem at once, each at its place.
pub fn read_sweep(path: &Path) -> Result<Sweep, Diagnostics> {
    read_sweep_with(path, ScenarioCheck::Every)
}

/// [`read_sweep`], its scenarios checked as `check` says.
pub fn read_sweep_with(path: &Path, check: ScenarioCheck) -> Result<Sweep, Diagnostics> {
    let text = read_toml_text(
        path,
        &TomlFileKind {
            name: "sweep file",
            expected: "a sweep file (TOML)",
            max_bytes: 4 << 20,
            too_large_for: "a sweep file",
        },
    )?;
    parse_sweep_with(&text, path, check)
}

/// [`read_sweep`] on a text (relative paths start at `path`'s folder).
pub fn parse_sweep(text: &str, path: &Path) -> Result<Sweep, Diagnostics> {
    parse_sweep_with(text, path, ScenarioCheck::Every)
}

/// [`parse_sweep`], its scenarios checked as `check` says.
pub fn parse_sweep_with(
    text: &str,
    path: &Path,
    check: ScenarioCheck,
) -> Result<Sweep, Diagnostics> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let mut w = Walker::new(&SWEEP, path, text);
    let syntax_lines = w.syntax_errors(&errors);
    let span = doc.span();
    let built = build(&mut w, text, path, doc.get_ref(), span.start..span.start);
    let sweep = w.finish(built, &syntax_lines, "sweep")?.0;
    if check == ScenarioCheck::SweepFileOnly {
        return Ok(sweep);
    }
    // Every scenario read as a district file: values the sweep set are reported in it, a
    // problem shared by several scenarios once, with their number.
    let mut diags: Vec<(Diagnostic, String, usize)> = Vec::new();
    for s in &sweep.scenarios {
        let Err(found) = sweep.check_scenario(s) else {
            continue;
        };
        for d in (found.0).0 {
            let prefix = format!("scenario {}: ", s.index);
            let bare = d
                .message
                .strip_prefix(&prefix)
                .unwrap_or(&d.message)
                .to_owned();
            match diags.iter_mut().find(|(o, b, _)| {
                o.position == d.position && o.path == d.path && o.file == d.file && *b == bare
            }) {
                Some((_, _, more)) => *more += 1,
                None => diags.push((d, bare, 0)),
            }
        }
    }
    if diags.is_empty() {
        return Ok(sweep);
    }
    Err(Diagnostics(
        diags
            .into_iter()
            .map(|(mut d, _, more)| {
                if more > 0 {
                    d.message = format!(
                        "{} (and in {more} other scenario{})",
                        d.message,
                        if more == 1 { "" } else { "s" }
                    );
                }
                d
            })
            .collect(),
    ))
}

/// A grid parameter: its path, and its values with their spans.
struct Param {
    path: String,
    values: Vec<(String, Range<usize>)>,
}

fn build(
    w: &mut Walker,
    text: &str,
    path: &Path,
    doc: &DeTable<'_>,
    span: Range<usize>,
) -> Option<Sweep> {
    let top = w.fields("sweep", "", doc, span);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let names = top.strs("districts");
    let run = top.strs("run");
    let days = if top.present("days") {
        top.int("days").map(|d| u32::try_from(d).ok())
    } else {
        Some(None)
    };
    let name = top.opt_str("name");
    let timeseries = top.bool("timeseries");
    let format = top.str("format").map(|f| {
        if f == "csv" {
            TableFormat::Csv
        } else {
            TableFormat::Parquet
        }
    });
    let mut ok = true;
    let slice = |r: &Range<usize>| text.get(r.clone()).unwrap_or("").trim().to_owned();
    // The grid.
    let mut grid: Vec<Param> = Vec::new();
    if let Some((t, _)) = top.table("grid") {
        // In the order written (the table's own order is by key).
        let mut entries: Vec<_> = t.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (key, value) in entries {
            let p: &str = key.get_ref();
            let fpath = format!("grid.{p}");
            if !check_parameter(w, p, key.span(), &fpath) {
                ok = false;
                continue;
            }
            let values: Vec<(String, Range<usize>)> = match value.get_ref() {
                DeValue::Array(items) => {
                    items.iter().map(|v| (slice(&v.span()), v.span())).collect()
                }
                _ => {
                    w.err(
                        value.span(),
                        &fpath,
                        "a grid parameter takes a list of values".into(),
                        Some(format!("\"{p}\" = [<value>, <value>, …]")),
                    );
                    ok = false;
                    continue;
                }
            };
            if values.is_empty() {
                w.err(
                    value.span(),
                    &fpath,
                    "an empty list of values makes no scenario".into(),
                    Some("at least one value".into()),
                );
                ok = false;
                continue;
            }
            grid.push(Param {
                path: p.to_owned(),
                values,
            });
        }
    }
    // Explicit scenarios.
    let mut explicit: Vec<Vec<Setting>> = Vec::new();
    for (k, (t, header)) in top.tables("scenarios").into_iter().enumerate() {
        let mut settings = Vec::new();
        let mut entries: Vec<_> = t.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (key, value) in entries {
            let p: &str = key.get_ref();
            let fpath = format!("scenarios[{k}].{p}");
            if !check_parameter(w, p, key.span(), &fpath) {
                ok = false;
                continue;
            }
            settings.push(Setting {
                parameter: p.to_owned(),
                value: slice(&value.span()),
                span: value.span(),
            });
        }
        if settings.is_empty() && t.is_empty() {
            w.err(
                header,
                &format!("scenarios[{k}]"),
                "an empty scenario changes nothing".into(),
                Some("at least one \"<path>\" = <value>".into()),
            );
            ok = false;
        }
        explicit.push(settings);
    }
    let names = names?;
    let run = run?;
    let days = days?;
    let name = name?;
    let timeseries = timeseries?;
    let format = format?;
    if names.is_empty() {
        w.err(
            top.span("districts"),
            "districts",
            "no district file".into(),
            Some("districts = [\"<district file>\", …]".into()),
        );
        ok = false;
    }
    if run.is_empty() {
        w.err(
            top.span("run"),
            "run",
            "nothing to run".into(),
            Some(format!("one or more of {}", RUNS.join(", "))),
        );
        ok = false;
    }
    // The district files, read once.
    let mut districts = Vec::new();
    let mut texts = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let p = dir.join(n);
        match std::fs::read_to_string(&p) {
            Ok(t) => {
                districts.push(p);
                texts.push(t);
            }
            Err(e) => {
                w.err(
                    top.span("districts"),
                    &format!("districts[{i}]"),
                    format!("cannot read the district file {}: {e}", p.display()),
                    Some("a district file, relative to the sweep file".into()),
                );
                ok = false;
            }
        }
    }
    let combos: usize = grid.iter().map(|p| p.values.len()).product();
    let per_district = if grid.is_empty() && explicit.is_empty() {
        1
    } else {
        (if grid.is_empty() { 0 } else { combos }) + explicit.len()
    };
    let total = per_district.saturating_mul(districts.len().max(1));
    if total > MAX_SCENARIOS {
        w.err(
            top.header.clone(),
            "grid",
            format!("the sweep makes {total} scenarios"),
            Some(format!(
                "at most {MAX_SCENARIOS}: split it into several sweep files"
            )),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    let mut parameters: Vec<String> = Vec::new();
    for p in grid
        .iter()
        .map(|p| p.path.clone())
        .chain(explicit.iter().flatten().map(|s| s.parameter.clone()))
    {
        if !parameters.contains(&p) {
            parameters.push(p);
        }
    }
    let mut scenarios = Vec::new();
    for d in 0..districts.len() {
        if !grid.is_empty() {
            for c in 0..combos {
                // The first parameter varies slowest.
                let mut rest = c;
                let mut settings = vec![None; grid.len()];
                for (g, p) in grid.iter().enumerate().rev() {
                    let (v, s) = &p.values[rest % p.values.len()];
                    rest /= p.values.len();
                    settings[g] = Some(Setting {
                        parameter: p.path.clone(),
                        value: v.clone(),
                        span: s.clone(),
                    });
                }
                scenarios.push(Scenario {
                    index: scenarios.len(),
                    district: d,
                    settings: settings.into_iter().flatten().collect(),
                });
            }
        }
        for settings in &explicit {
            scenarios.push(Scenario {
                index: scenarios.len(),
                district: d,
                settings: settings.clone(),
            });
        }
        if grid.is_empty() && explicit.is_empty() {
            scenarios.push(Scenario {
                index: scenarios.len(),
                district: d,
                settings: Vec::new(),
            });
        }
    }
    let name = name.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Some(Sweep {
        file: path.to_path_buf(),
        text: text.to_owned(),
        name,
        districts,
        run,
        days,
        timeseries,
        format,
        parameters,
        scenarios,
        texts,
        map: SourceMap::new(path, text),
    })
}

/// Reports a malformed or unknown parameter path; true when it is good.
fn check_parameter(w: &mut Walker, p: &str, span: Range<usize>, fpath: &str) -> bool {
    let Some(segments) = parse_path(p) else {
        w.err(
            span,
            fpath,
            format!("`{p}` is not a district-file path"),
            Some("table.field, list[0].field or list[\"name\"].field".into()),
        );
        return false;
    };
    match check_path(&segments) {
        Ok(()) => true,
        Err((message, expected)) => {
            w.err(span, fpath, message, expected);
            false
        }
    }
}

/// Why a scenario's text could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ScenarioError(pub Diagnostics);

impl Sweep {
    /// The district text of scenario `s`: its district file with the scenario's values set and
    /// every referenced file made absolute; with, for each setting, the path it set in the
    /// district file (`pv[0].kwp` for `pv["name"].kwp`).
    pub fn scenario_text(&self, s: &Scenario) -> Result<String, ScenarioError> {
        self.apply(s).map(|(t, _)| t)
    }

    fn apply(&self, s: &Scenario) -> Result<(String, Vec<String>), ScenarioError> {
        let file = self.districts.get(s.district).cloned().unwrap_or_default();
        let text = self.texts.get(s.district).map_or("", String::as_str);
        let err = |set: &Setting, message: String, expected: Option<String>| {
            ScenarioError(Diagnostics(vec![Diagnostic {
                file: self.file.clone(),
                position: Some(self.map.position_of(set.span.start)),
                path: set.parameter.clone(),
                message: format!("scenario {}: {message}", s.index),
                expected,
            }]))
        };
        let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            ScenarioError(Diagnostics(vec![Diagnostic {
                file: file.clone(),
                position: None,
                path: String::new(),
                message: format!("not TOML: {}", e.message()),
                expected: None,
            }]))
        })?;
        let mut set_paths = Vec::new();
        for set in &s.settings {
            let segments = parse_path(&set.parameter).unwrap_or_default();
            let value: toml_edit::Value = set
                .value
                .parse()
                .map_err(|_| err(set, format!("`{}` is not a TOML value", set.value), None))?;
            let canonical =
                set_in(doc.as_table_mut(), &segments, value).map_err(|(m, e)| err(set, m, e))?;
            set_paths.push(canonical);
        }
        let dir = std::path::absolute(&file)
            .ok()
            .and_then(|f| f.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        absolutise(doc.as_table_mut(), &dir);
        Ok((doc.to_string(), set_paths))
    }

    /// Scenario `s` read as a district file: its problems, those with a value it set
    /// reported at that value in the sweep file.
    pub fn check_scenario(&self, s: &Scenario) -> Result<(), ScenarioError> {
        self.scenario_district(s).map(|_| ())
    }

    /// Scenario `s`'s district: its text (what [`Sweep::scenario_text`] gives) read by the
    /// district parser, problems reported as [`Sweep::check_scenario`] does.
    pub fn scenario_district(
        &self,
        s: &Scenario,
    ) -> Result<(String, District, SourceMap), ScenarioError> {
        let (text, set_paths) = self.apply(s)?;
        let file = self.districts.get(s.district).cloned().unwrap_or_default();
        match crate::parse::parse_district(&text, &file) {
            Ok((district, sources)) => Ok((text, district, sources)),
            Err(found) => Err(ScenarioError(Diagnostics(
                found
                    .0
                    .into_iter()
                    .map(|d| match set_paths.iter().position(|p| *p == d.path) {
                        Some(k) => {
                            let set = &s.settings[k];
                            Diagnostic {
                                file: self.file.clone(),
                                position: Some(self.map.position_of(set.span.start)),
                                path: set.parameter.clone(),
                                message: format!("scenario {}: {}", s.index, d.message),
                                expected: d.expected,
                            }
                        }
                        None => Diagnostic {
                            message: format!(
                                "{} (scenario {} of {})",
                                d.message,
                                s.index,
                                self.file.display()
                            ),
                            ..d
                        },
                    })
                    .collect(),
            ))),
        }
    }
}

/// Sets `value` at `segments` in `t` (intermediate plain tables are created); gives the
/// canonical path (indices for names), or `(message, expected)`.
fn set_in(
    t: &mut dyn TableLike,
    segments: &[Segment],
    value: toml_edit::Value,
) -> Result<String, (String, Option<String>)> {
    let Some((s, rest)) = segments.split_first() else {
        return Err(("an empty path".into(), None));
    };
    if rest.is_empty() {
        t.insert(&s.key, Item::Value(value));
        return Ok(s.key.clone());
    }
    match &s.selector {
        Selector::None => {
            if t.get(&s.key).is_none() {
                let mut table = Table::new();
                table.set_implicit(true);
                t.insert(&s.key, Item::Table(table));
            }
            let Some(inner) = t.get_mut(&s.key).and_then(Item::as_table_like_mut) else {
                return Err((
                    format!("`{}` is not a table in the district file", s.key),
                    None,
                ));
            };
            let tail = set_in(inner, rest, value)?;
            Ok(format!("{}.{tail}", s.key))
        }
        Selector::Index(_) | Selector::Name(_) => {
            let Some(list) = t.get_mut(&s.key).and_then(Item::as_array_of_tables_mut) else {
                return Err((
                    format!("the district file has no [[{}]]", s.key),
                    Some(format!("a path to one of its [[{}]] tables", s.key)),
                ));
            };
            let n = list.len();
            let index = match &s.selector {
                Selector::Index(i) if *i < n => *i,
                Selector::Index(i) => {
                    return Err((
                        format!("{}[{i}]: the district file has {n} [[{}]]", s.key, s.key),
                        Some(format!("an index from 0 to {}", n.saturating_sub(1))),
                    ));
                }
                Selector::Name(name) => {
                    let names: Vec<String> = list
                        .iter()
                        .map(|t| {
                            t.get("name")
                                .and_then(Item::as_str)
                                .unwrap_or("")
                                .to_owned()
                        })
                        .collect();
                    match names.iter().position(|x| x == name) {
                        Some(i) => i,
                        None => {
                            let hint = attributes::suggest(name, names.iter().map(String::as_str))
                                .map(|h| format!("; did you mean \"{h}\"?"))
                                .unwrap_or_default();
                            return Err((
                                format!("no [[{}]] named \"{name}\"{hint}", s.key),
                                Some(format!("one of {}", names.join(", "))),
                            ));
                        }
                    }
                }
                Selector::None => 0,
            };
            let Some(inner) = list.get_mut(index) else {
                return Err((format!("{}[{index}] is missing", s.key), None));
            };
            let tail = set_in(inner, rest, value)?;
            Ok(format!("{}[{index}].{tail}", s.key))
        }
    }
}

/// Makes every relative file path of the district (the keys of its path attributes) absolute
/// from `dir`.
fn absolutise(t: &mut dyn TableLike, dir: &Path) {
    let keys: Vec<String> = t.iter().map(|(k, _)| k.to_owned()).collect();
    for k in keys {
        let is_path = attributes::ATTRIBUTES
            .iter()
            .any(|a| a.name == k && a.kind == Kind::Path);
        let Some(item) = t.get_mut(&k) else { continue };
        if is_path {
            if let Some(s) = item.as_str() {
                let p = Path::new(s);
                if p.is_relative() {
                    let abs = dir.join(p).to_string_lossy().into_owned();
                    *item = toml_edit::value(abs);
                }
            }
            continue;
        }
        if let Some(inner) = item.as_table_like_mut() {
            absolutise(inner, dir);
        } else if let Some(list) = item.as_array_of_tables_mut() {
            for inner in list.iter_mut() {
                absolutise(inner, dir);
            }
        }
    }
}

/// The sweep file format as Markdown, generated from [`SWEEP_ATTRIBUTES`].
pub fn sweep_schema_markdown() -> String {
    let mut out = String::from(
        "# The sweep file\n\nA study of many scenarios made from district files, run by \
         `quartier sweep`. Relative paths start at the sweep file's folder. Every problem is \
         reported at once as `FILE:LINE:COL: path: message (expected …)`, a value the sweep \
         sets at its place in the sweep file.\n\n## Top level\n\n",
    );
    out.push_str(&crate::schema::attribute_table(
        SWEEP_ATTRIBUTES,
        "sweep",
        &|a| crate::schema::cell(&a.kind.to_string()),
    ));
    out
}
