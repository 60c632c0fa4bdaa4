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
//! A sweep of a collective self-consumption operation names community files instead
//! (`communities = [...]`): its parameters are community-file paths (`prices.local_eur_per_kwh`,
//! `members["30000000000012"].supplier_eur_per_kwh`) and each scenario is allocated, settled
//! and billed with the keys it names (`keys = ["file", "optimised"]`). A district sweep may
//! also name one community file whose members are the district's participants (`community =
//! "..."`): `allocate` then allocates it on the meter curves of each scenario's simulation.
//!
//! A parameter is a district-file path: table names and attributes joined by dots, an array
//! of tables indexed from 0 (`pv[0]`) or by its component's name (`pv["pv-ecole"]`; a
//! community member also by its id). Paths are checked against the district (or community)
//! attribute table (a path that does not exist is an error
//! at the sweep file's key, with a suggestion), values by the district parser itself: each
//! scenario's district text is read like any district file, and a problem with a value the
//! sweep set is reported at that value in the sweep file (`FILE:LINE:COL`).
//!
//! **Expansion** is deterministic: for each district file in order, the grid's combinations
//! (the first parameter varying slowest), then the explicit scenarios; scenarios are
//! numbered from 0 in that order. A sweep without grid nor scenarios has one scenario per
//! district, as written. The scenario's text is the district file edited on its text
//! (`toml_edit`: comments and order stay), with every file it references made absolute so that
//! it reads from anywhere. A file the sweep itself sets (`"weather.file" = ["weather-2019.csv",
//! …]`) is relative to the sweep file, as its `districts` are.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml_edit::{DocumentMut, Item, Table, TableLike};

use crate::attributes::{self, Attribute, DefaultValue, Kind, N, a, inc};
use crate::community::{COMMUNITY_ATTRIBUTES, LoadedCommunity};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceMap};
use crate::district::District;
use crate::walk::{Schema, Style, TomlFileKind, Walker, read_toml_text};

/// What runs for each scenario.
pub const RUNS: &[&str] = &["rule", "optimal", "size", "allocate"];

/// The allocation keys `allocate` can use.
pub const KEYS: &[&str] = &["file", "default", "equal", "optimised"];

/// What the scenarios are made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseKind {
    /// District files (`districts`).
    District,
    /// Community files (`communities`).
    Community,
}

impl BaseKind {
    /// `district` or `community`: the column naming a scenario's file.
    pub fn name(self) -> &'static str {
        match self {
            BaseKind::District => "district",
            BaseKind::Community => "community",
        }
    }

    /// The attribute table of its files, and the component of their top level.
    fn attributes(self) -> (&'static [Attribute], &'static str) {
        match self {
            BaseKind::District => (attributes::ATTRIBUTES, "district"),
            BaseKind::Community => (COMMUNITY_ATTRIBUTES, "community"),
        }
    }
}

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
        DefaultValue::Rule("required unless `communities`"),
        N,
        N,
        "District files the scenarios are made from (relative to the sweep file); every scenario of the grid runs on each.",
    ),
    a(
        "sweep",
        "communities",
        Kind::EnumList(&[]),
        "",
        DefaultValue::Rule("none"),
        N,
        N,
        "Community files (collective self-consumption) the scenarios are made from instead of district files: the grid's paths are then community-file paths (`prices.local_eur_per_kwh`, `members[\"<id>\"].supplier_eur_per_kwh`, `key.type`) and each scenario runs `allocate`.",
    ),
    a(
        "sweep",
        "community",
        Kind::Path,
        "",
        DefaultValue::Rule("none"),
        N,
        N,
        "With `districts`: a community file whose members are the district's participants and PV systems. `allocate` allocates it on each scenario's meter curves from the rule controller's simulation (members the simulation knows take its curves, the others keep their own files); the scenario's `community.toml` and `community-curves/` rerun it alone with `quartier share allocate`.",
    ),
    a(
        "sweep",
        "run",
        Kind::EnumList(RUNS),
        "",
        DefaultValue::Rule("[\"rule\"] for districts, [\"allocate\"] for communities"),
        N,
        N,
        "What runs for each scenario: `rule` (the rule controller's simulation), `optimal` (optimal dispatch over the horizon, clarabel), `size` (sizing at the district's own costs), `allocate` (the community's allocation, settlement and bills with each of `keys`).",
    ),
    a(
        "sweep",
        "keys",
        Kind::EnumList(KEYS),
        "",
        DefaultValue::StrList(&["file"]),
        N,
        N,
        "Keys `allocate` allocates with, each its own columns (`allocate.optimised.self_consumption_rate`): `file` (the community file's own key), `default` (prorata of consumption, D315-6), `equal` (equal static shares, redistributed), `optimised` (the per-step key that maximises the value of self-consumed energy).",
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
    /// Index of its district (or community) file in [`Sweep::bases`].
    pub base: usize,
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
    /// What the scenarios are made from.
    pub kind: BaseKind,
    /// District (or community) files (absolute or relative to the working directory).
    pub bases: Vec<PathBuf>,
    /// With districts: the community file `allocate` allocates on each scenario's curves.
    pub community: Option<PathBuf>,
    /// What runs for each scenario (`rule`, `optimal`, `size`, `allocate`).
    pub run: Vec<String>,
    /// The keys `allocate` uses (`file`, `default`, `equal`, `optimised`).
    pub keys: Vec<String>,
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
    /// The base files' texts.
    texts: Vec<String>,
    /// The community file's text (with districts).
    community_text: String,
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

/// Checks a parameter path against the attribute table of `kind`'s files: the kind of the
/// value it ends at, or `Err((message, expected))`.
fn check_path(kind: BaseKind, segments: &[Segment]) -> Result<Kind, (String, Option<String>)> {
    let (attrs, root) = kind.attributes();
    let mut comp = root;
    let mut leaf = Err(("an empty path".to_owned(), None));
    for (i, s) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let of = || attrs.iter().filter(|a| a.component == comp);
        let Some(attr) = of().find(|a| a.name == s.key) else {
            let known: Vec<&str> = of().map(|a| a.name).collect();
            let hint = attributes::suggest(&s.key, known.iter().copied())
                .map(|h| format!("; did you mean `{h}`?"))
                .unwrap_or_default();
            let within = if comp == root {
                format!("the {root} file")
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
            (k, true, _) => leaf = Ok(k),
        }
    }
    leaf
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
    let kind = if top.present("communities") {
        BaseKind::Community
    } else {
        BaseKind::District
    };
    let list = |key: &str| {
        if top.present(key) {
            top.strs(key)
        } else {
            Some(Vec::new())
        }
    };
    let (district_names, community_names) = (list("districts"), list("communities"));
    let run = if top.present("run") {
        top.strs("run")
    } else {
        Some(vec![
            match kind {
                BaseKind::District => "rule",
                BaseKind::Community => "allocate",
            }
            .to_owned(),
        ])
    };
    let keys = top.strs("keys");
    let community = top.opt_path("community");
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
            if !check_parameter(w, kind, p, key.span(), &fpath) {
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
            if !check_parameter(w, kind, p, key.span(), &fpath) {
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
    let (district_names, community_names) = (district_names?, community_names?);
    let run = run?;
    let keys = keys?;
    let community = community?;
    let days = days?;
    let name = name?;
    let timeseries = timeseries?;
    let format = format?;
    let (key, names) = match kind {
        BaseKind::District => ("districts", district_names),
        BaseKind::Community => ("communities", community_names),
    };
    if kind == BaseKind::Community && top.present("districts") {
        w.err(
            top.span("communities"),
            "communities",
            "a sweep is made from district files or from community files, not both".into(),
            Some("either districts = [...] or communities = [...] (a district sweep allocates its `community` file with run = [\"allocate\"])".into()),
        );
        ok = false;
    }
    if names.is_empty() {
        w.err(
            top.span(key),
            key,
            format!("no {} file", kind.name()),
            Some(format!(
                "{key} = [\"<{} file>\", …]{}",
                kind.name(),
                if kind == BaseKind::District {
                    ", or communities = [\"<community file>\", …]"
                } else {
                    ""
                }
            )),
        );
        ok = false;
    }
    ok &= check_runs(w, &top, kind, &run);
    // The district (or community) files, read once.
    let mut bases = Vec::new();
    let mut texts = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let p = dir.join(n);
        match std::fs::read_to_string(&p) {
            Ok(t) => {
                bases.push(p);
                texts.push(t);
            }
            Err(e) => {
                w.err(
                    top.span(key),
                    &format!("{key}[{i}]"),
                    format!("cannot read the {} file {}: {e}", kind.name(), p.display()),
                    Some(format!(
                        "a {} file, relative to the sweep file",
                        kind.name()
                    )),
                );
                ok = false;
            }
        }
    }
    let community_text = match &community {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => t,
            Err(e) => {
                w.err(
                    top.span("community"),
                    "community",
                    format!("cannot read the community file {}: {e}", p.display()),
                    Some("a community file, relative to the sweep file".into()),
                );
                ok = false;
                String::new()
            }
        },
        None => String::new(),
    };
    let combos: usize = grid.iter().map(|p| p.values.len()).product();
    let per_district = if grid.is_empty() && explicit.is_empty() {
        1
    } else {
        (if grid.is_empty() { 0 } else { combos }) + explicit.len()
    };
    let total = per_district.saturating_mul(bases.len().max(1));
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
    for d in 0..bases.len() {
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
                    base: d,
                    settings: settings.into_iter().flatten().collect(),
                });
            }
        }
        for settings in &explicit {
            scenarios.push(Scenario {
                index: scenarios.len(),
                base: d,
                settings: settings.clone(),
            });
        }
        if grid.is_empty() && explicit.is_empty() {
            scenarios.push(Scenario {
                index: scenarios.len(),
                base: d,
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
        kind,
        bases,
        community,
        run,
        keys,
        days,
        timeseries,
        format,
        parameters,
        scenarios,
        texts,
        community_text,
        map: SourceMap::new(path, text),
    })
}

/// Checks what runs against what the sweep is made of and the keys it sets; true when it is
/// good.
fn check_runs(
    w: &mut Walker,
    top: &crate::walk::Fields<'_>,
    kind: BaseKind,
    run: &[String],
) -> bool {
    let community = top.present("community");
    let days = top.present("days");
    let timeseries = top.bool("timeseries") == Some(true);
    let mut bad = |key: &str, message: &str, expected: &str| {
        w.err(top.span(key), key, message.into(), Some(expected.into()));
        false
    };
    if run.is_empty() {
        return bad(
            "run",
            "nothing to run",
            &format!("one or more of {}", RUNS.join(", ")),
        );
    }
    let allocates = run.iter().any(|r| r == "allocate");
    match kind {
        BaseKind::Community => {
            let mut ok = true;
            if run.iter().any(|r| r != "allocate") {
                ok &= bad(
                    "run",
                    "a sweep of community files runs `allocate` only (rule, optimal and size run on district files)",
                    "run = [\"allocate\"]",
                );
            }
            if days {
                ok &= bad(
                    "days",
                    "`days` cuts a district's horizon; a community's period is its own",
                    "\"operation.last_day\" = <date> in the grid, or no `days`",
                );
            }
            if timeseries {
                ok &= bad(
                    "timeseries",
                    "`timeseries` keeps a dispatch's time series; a community sweep has none (rerun a scenario's community.toml with `quartier share allocate` for its allocation per step)",
                    "timeseries = false",
                );
            }
            if community {
                ok &= bad(
                    "community",
                    "`community` goes with district files; here the communities are the scenarios",
                    "no `community`",
                );
            }
            ok
        }
        BaseKind::District if allocates && !community => bad(
            "run",
            "`allocate` needs the community file whose members are the district's participants",
            "community = \"<community file>\"",
        ),
        BaseKind::District if community && !allocates => bad(
            "community",
            "a community file is only allocated by `allocate`",
            "\"allocate\" in run, or no `community`",
        ),
        BaseKind::District if !allocates && top.present("keys") => bad(
            "keys",
            "`keys` are the keys of `allocate`, which this sweep does not run",
            "\"allocate\" in run, or no `keys`",
        ),
        BaseKind::District => true,
    }
}

/// Reports a malformed or unknown parameter path; true when it is good.
fn check_parameter(
    w: &mut Walker,
    kind: BaseKind,
    p: &str,
    span: Range<usize>,
    fpath: &str,
) -> bool {
    let Some(segments) = parse_path(p) else {
        w.err(
            span,
            fpath,
            format!("`{p}` is not a {}-file path", kind.name()),
            Some("table.field, list[0].field or list[\"name\"].field".into()),
        );
        return false;
    };
    match check_path(kind, &segments) {
        Ok(_) => true,
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
    /// The text of scenario `s`: its district (or community) file with the scenario's values
    /// set and every referenced file made absolute.
    pub fn scenario_text(&self, s: &Scenario) -> Result<String, ScenarioError> {
        self.apply(s).map(|(t, _)| t)
    }

    /// The text of scenario `s` (see [`Sweep::scenario_text`]), with, for each setting, the
    /// path it set in the file (`pv[0].kwp` for `pv["name"].kwp`).
    fn apply(&self, s: &Scenario) -> Result<(String, Vec<String>), ScenarioError> {
        let file = self.bases.get(s.base).cloned().unwrap_or_default();
        let text = self.texts.get(s.base).map_or("", String::as_str);
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
            let mut value: toml_edit::Value = set
                .value
                .parse()
                .map_err(|_| err(set, format!("`{}` is not a TOML value", set.value), None))?;
            // A file the sweep names is relative to the sweep file, as its `districts` are.
            if check_path(self.kind, &segments) == Ok(Kind::Path)
                && let Some(p) = value.as_str()
                && Path::new(p).is_relative()
            {
                let joined = folder_of(&self.file).join(p);
                let file = std::fs::canonicalize(&joined).unwrap_or(joined);
                value = file.to_string_lossy().as_ref().into();
            }
            let canonical =
                set_in(doc.as_table_mut(), &segments, value).map_err(|(m, e)| err(set, m, e))?;
            set_paths.push(canonical);
        }
        absolutise(
            doc.as_table_mut(),
            &folder_of(&file),
            self.kind.attributes().0,
        );
        Ok((doc.to_string(), set_paths))
    }

    /// Scenario `s` read as a district (or community) file: its problems, those with a value
    /// it set reported at that value in the sweep file. A community's curves are not read
    /// (they are when it runs).
    pub fn check_scenario(&self, s: &Scenario) -> Result<(), ScenarioError> {
        match self.kind {
            BaseKind::District => self.scenario_district(s).map(|_| ()),
            BaseKind::Community => {
                let (text, set_paths) = self.apply(s)?;
                let file = self.bases.get(s.base).cloned().unwrap_or_default();
                crate::community::check_community(&text, &file)
                    .map_err(|found| self.locate(s, &set_paths, found))
            }
        }
    }

    /// Scenario `s`'s community (a sweep of community files): its text (what
    /// [`Sweep::scenario_text`] gives) read by the community parser with its curves, problems
    /// reported as [`Sweep::check_scenario`] does.
    pub fn scenario_community(
        &self,
        s: &Scenario,
    ) -> Result<(String, LoadedCommunity), ScenarioError> {
        let (text, set_paths) = self.apply(s)?;
        let file = self.bases.get(s.base).cloned().unwrap_or_default();
        crate::community::parse_community(&text, &file)
            .map(|c| (text, c))
            .map_err(|found| self.locate(s, &set_paths, found))
    }

    /// The text of the sweep's `community` file (a district sweep that allocates) with the
    /// curve of each member in `curves` (its id, and its file as the text should name it)
    /// replaced by that file, and every other file it references made absolute.
    pub fn community_with_curves(
        &self,
        curves: &[(String, String)],
    ) -> Result<String, ScenarioError> {
        let file = self.community.clone().unwrap_or_default();
        let whole = |message: String| {
            ScenarioError(Diagnostics(vec![Diagnostic {
                file: file.clone(),
                position: None,
                path: String::new(),
                message,
                expected: None,
            }]))
        };
        let mut doc: DocumentMut = self
            .community_text
            .parse()
            .map_err(|e: toml_edit::TomlError| whole(format!("not TOML: {}", e.message())))?;
        absolutise(doc.as_table_mut(), &folder_of(&file), COMMUNITY_ATTRIBUTES);
        if let Some(members) = doc
            .get_mut("members")
            .and_then(Item::as_array_of_tables_mut)
        {
            for m in members.iter_mut() {
                let id = m.get("id").and_then(Item::as_str).unwrap_or("").to_owned();
                if let Some((_, path)) = curves.iter().find(|(c, _)| *c == id) {
                    let mut curve = toml_edit::InlineTable::new();
                    curve.insert("file", path.as_str().into());
                    m.insert("curve", toml_edit::value(curve));
                }
            }
        }
        Ok(doc.to_string())
    }

    /// `found`, the problems of scenario `s`'s file, with those of a value the scenario set
    /// (`set_paths`, as [`Sweep::apply`] gives them) placed at that value in the sweep file.
    fn locate(&self, s: &Scenario, set_paths: &[String], found: Diagnostics) -> ScenarioError {
        ScenarioError(Diagnostics(
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
        ))
    }

    /// Scenario `s`'s district: its text (what [`Sweep::scenario_text`] gives) read by the
    /// district parser, problems reported as [`Sweep::check_scenario`] does.
    pub fn scenario_district(
        &self,
        s: &Scenario,
    ) -> Result<(String, District, SourceMap), ScenarioError> {
        let (text, set_paths) = self.apply(s)?;
        let file = self.bases.get(s.base).cloned().unwrap_or_default();
        crate::parse::parse_district(&text, &file)
            .map(|(district, sources)| (text, district, sources))
            .map_err(|found| self.locate(s, &set_paths, found))
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
                    let field = |t: &Table, key: &str| {
                        t.get(key).and_then(Item::as_str).unwrap_or("").to_owned()
                    };
                    let names: Vec<String> = list.iter().map(|t| field(t, "name")).collect();
                    // A community member also by its id.
                    let ids: Vec<String> = list.iter().map(|t| field(t, "id")).collect();
                    let found = names
                        .iter()
                        .position(|x| x == name)
                        .or_else(|| ids.iter().position(|x| x == name));
                    match found {
                        Some(i) => i,
                        None => {
                            // Members are listed by id (their names may hold commas).
                            let by_id = ids.iter().any(|x| !x.is_empty());
                            let listed = if by_id { &ids } else { &names };
                            let hint = attributes::suggest(
                                name,
                                names.iter().chain(&ids).map(String::as_str),
                            )
                            .map(|h| format!("; did you mean \"{h}\"?"))
                            .unwrap_or_default();
                            return Err((
                                format!("no [[{}]] named \"{name}\"{hint}", s.key),
                                Some(format!(
                                    "{}one of {}",
                                    if by_id { "an id, " } else { "" },
                                    listed.join(", ")
                                )),
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

/// The absolute folder of `file`, without `..` when the file exists.
fn folder_of(file: &Path) -> PathBuf {
    std::fs::canonicalize(file)
        .or_else(|_| std::path::absolute(file))
        .ok()
        .and_then(|f| f.parent().map(Path::to_path_buf))
        .unwrap_or_default()
}

/// Makes every relative file path of a file (the keys of its path attributes in `attrs`)
/// absolute from `dir`.
fn absolutise(t: &mut dyn TableLike, dir: &Path, attrs: &[Attribute]) {
    let keys: Vec<String> = t.iter().map(|(k, _)| k.to_owned()).collect();
    for k in keys {
        let is_path = attrs.iter().any(|a| a.name == k && a.kind == Kind::Path);
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
            absolutise(inner, dir, attrs);
        } else if let Some(list) = item.as_array_of_tables_mut() {
            for inner in list.iter_mut() {
                absolutise(inner, dir, attrs);
            }
        }
    }
}

/// The sweep file format as Markdown, generated from [`SWEEP_ATTRIBUTES`].
pub fn sweep_schema_markdown() -> String {
    let mut out = String::from(
        "# The sweep file\n\nA study of many scenarios made from district (or community) files, run by \
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
