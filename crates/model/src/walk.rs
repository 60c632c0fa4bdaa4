//! The one walker of the crate's TOML files (district, community, experiment): every key of a
//! table checked against an attribute table (unknown fields with suggestions, missing required
//! fields, kinds, bounds, enumerations, paths, time zones), the checked values kept in
//! [`Fields`] with the attributes' defaults, and every problem collected as a located
//! [`Diagnostic`]. Each file brings its [`Schema`]: its attribute table and the few wordings
//! that differ between files; its own cross-field rules stay in its module.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml::value::{Datetime, Offset};

use crate::attributes::{self, Attribute, DefaultValue, Kind};
use crate::diagnostic::{Diagnostic, Diagnostics, SourceMap};

/// The wording and leniency of one file's checks (kept as each file had them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// The district file.
    District,
    /// The ACC community file.
    Community,
    /// The experiment file.
    Experiment,
}

/// The attributes of one file: its own table, then a fallback table for components it
/// borrows (the experiment borrows the district's `series`).
#[derive(Debug)]
pub(crate) struct Schema {
    pub(crate) attrs: &'static [Attribute],
    pub(crate) fallback: &'static [Attribute],
    /// The file's name in messages: "district", "community", "experiment".
    pub(crate) file: &'static str,
    pub(crate) style: Style,
}

impl Schema {
    /// The attribute `name` of `comp`: the file's own, then the fallback's.
    pub(crate) fn attribute(&self, comp: &str, name: &str) -> Option<&'static Attribute> {
        let find =
            |t: &'static [Attribute]| t.iter().find(|a| a.component == comp && a.name == name);
        find(self.attrs).or_else(|| find(self.fallback))
    }

    /// The attributes of `comp`: the file's own, or the fallback's when it has none.
    pub(crate) fn attributes_of(&self, comp: &str) -> Vec<&'static Attribute> {
        let of = |t: &'static [Attribute]| -> Vec<&'static Attribute> {
            t.iter().filter(|a| a.component == comp).collect()
        };
        let own = of(self.attrs);
        if own.is_empty() {
            of(self.fallback)
        } else {
            own
        }
    }
}

/// A checked value.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    F(f64),
    I(i64),
    S(String),
    B(bool),
    Dt(Datetime),
    Ints(Vec<i64>),
    Strs(Vec<String>),
    Path(PathBuf),
    Tz(Tz),
    Table(&'a DeTable<'a>, Range<usize>),
    Tables(Vec<(&'a DeTable<'a>, Range<usize>)>),
}

/// The checked fields of one table: present and valid, present and invalid (already
/// reported), or absent (then the attribute's default applies).
pub(crate) struct Fields<'a> {
    schema: &'static Schema,
    comp: &'static str,
    pub(crate) path: String,
    pub(crate) header: Range<usize>,
    vals: BTreeMap<&'static str, Option<(Val<'a>, Range<usize>)>>,
}

impl<'a> Fields<'a> {
    pub(crate) fn attr(&self, name: &str) -> Option<&'static Attribute> {
        self.schema.attribute(self.comp, name)
    }

    pub(crate) fn present(&self, name: &str) -> bool {
        self.vals.contains_key(name)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Val<'a>> {
        self.vals.get(name)?.as_ref().map(|(v, _)| v)
    }

    /// The value's span, or the table's header when absent or invalid.
    pub(crate) fn span(&self, name: &str) -> Range<usize> {
        match self.vals.get(name) {
            Some(Some((_, s))) => s.clone(),
            _ => self.header.clone(),
        }
    }

    pub(crate) fn field_path(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// The field if present, else its attribute's default (`None` when invalid).
    fn or_default<T>(
        &self,
        name: &str,
        val: impl Fn(&Val<'a>) -> Option<T>,
        default: impl Fn(&DefaultValue) -> Option<T>,
    ) -> Option<T> {
        match self.vals.get(name) {
            Some(Some((v, _))) => val(v),
            Some(None) => None,
            None => default(&self.attr(name)?.default),
        }
    }

    /// `Some(None)` when absent, `Some(Some(_))` when valid, `None` when invalid.
    fn opt<T>(&self, name: &str, get: impl Fn(&Self, &str) -> Option<T>) -> Option<Option<T>> {
        if self.present(name) {
            get(self, name).map(Some)
        } else {
            Some(None)
        }
    }

    pub(crate) fn num(&self, name: &str) -> Option<f64> {
        self.or_default(
            name,
            |v| match v {
                Val::F(x) => Some(*x),
                _ => None,
            },
            |d| match d {
                DefaultValue::Float(x) => Some(*x),
                _ => None,
            },
        )
    }

    pub(crate) fn opt_num(&self, name: &str) -> Option<Option<f64>> {
        self.opt(name, Self::num)
    }

    pub(crate) fn int(&self, name: &str) -> Option<i64> {
        self.or_default(
            name,
            |v| match v {
                Val::I(x) => Some(*x),
                _ => None,
            },
            |d| match d {
                DefaultValue::Integer(x) => Some(*x),
                _ => None,
            },
        )
    }

    pub(crate) fn u32(&self, name: &str) -> Option<u32> {
        self.int(name).and_then(|x| u32::try_from(x).ok())
    }

    pub(crate) fn str(&self, name: &str) -> Option<String> {
        self.or_default(
            name,
            |v| match v {
                Val::S(x) => Some(x.clone()),
                _ => None,
            },
            |d| match d {
                DefaultValue::Str(x) => Some((*x).to_owned()),
                _ => None,
            },
        )
    }

    pub(crate) fn opt_str(&self, name: &str) -> Option<Option<String>> {
        self.opt(name, Self::str)
    }

    pub(crate) fn bool(&self, name: &str) -> Option<bool> {
        self.or_default(
            name,
            |v| match v {
                Val::B(x) => Some(*x),
                _ => None,
            },
            |d| match d {
                DefaultValue::Bool(x) => Some(*x),
                _ => None,
            },
        )
    }

    pub(crate) fn path_val(&self, name: &str) -> Option<PathBuf> {
        match self.get(name)? {
            Val::Path(p) => Some(p.clone()),
            _ => None,
        }
    }

    pub(crate) fn opt_path(&self, name: &str) -> Option<Option<PathBuf>> {
        self.opt(name, Self::path_val)
    }

    pub(crate) fn tz(&self, name: &str) -> Option<Option<Tz>> {
        match self.vals.get(name) {
            Some(Some((Val::Tz(t), _))) => Some(Some(*t)),
            Some(_) => None,
            None => Some(None),
        }
    }

    pub(crate) fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.or_default(
            name,
            |v| match v {
                Val::Ints(x) => Some(x.clone()),
                _ => None,
            },
            |d| match d {
                DefaultValue::IntegerList(x) => Some(x.to_vec()),
                _ => None,
            },
        )
    }

    pub(crate) fn strs(&self, name: &str) -> Option<Vec<String>> {
        self.or_default(
            name,
            |v| match v {
                Val::Strs(x) => Some(x.clone()),
                _ => None,
            },
            |d| match d {
                DefaultValue::StrList(x) => Some(x.iter().map(|s| (*s).to_owned()).collect()),
                _ => None,
            },
        )
    }

    pub(crate) fn table(&self, name: &str) -> Option<(&'a DeTable<'a>, Range<usize>)> {
        match self.get(name)? {
            Val::Table(t, s) => Some((t, s.clone())),
            _ => None,
        }
    }

    pub(crate) fn tables(&self, name: &str) -> Vec<(&'a DeTable<'a>, Range<usize>)> {
        match self.get(name) {
            Some(Val::Tables(t)) => t.clone(),
            _ => Vec::new(),
        }
    }
}

/// Walks one file: its schema, its folder (relative paths), its source map and the
/// diagnostics collected so far.
pub(crate) struct Walker {
    pub(crate) schema: &'static Schema,
    pub(crate) dir: PathBuf,
    pub(crate) map: SourceMap,
    pub(crate) diags: Vec<Diagnostic>,
    /// When set, every file the text names must be a relative path that stays inside the
    /// file's own folder (no absolute path, no `..`), and messages show paths as written.
    pub(crate) confined: bool,
    /// When set, every file the text names must lie inside this folder once resolved (`..`
    /// allowed, links followed), and messages show paths as written: for a server whose users
    /// may name files of its data folder only.
    pub(crate) within: Option<PathBuf>,
}

/// Lets a file's parser, a struct holding its [`Walker`] as `w`, use the walker's methods.
macro_rules! deref_walker {
    ($t:ty) => {
        impl std::ops::Deref for $t {
            type Target = $crate::walk::Walker;
            fn deref(&self) -> &$crate::walk::Walker {
                &self.w
            }
        }

        impl std::ops::DerefMut for $t {
            fn deref_mut(&mut self) -> &mut $crate::walk::Walker {
                &mut self.w
            }
        }
    };
}
pub(crate) use deref_walker;

/// A problem with the whole file at `path` (missing, unreadable, too large…): no position.
pub fn whole_file(path: &Path, message: String, expected: Option<&str>) -> Diagnostics {
    Diagnostics::from(Diagnostic {
        file: path.to_path_buf(),
        position: None,
        path: String::new(),
        message,
        expected: expected.map(str::to_owned),
    })
}

/// How a TOML file kind is named in the messages of [`read_toml_text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TomlFileKind {
    /// The file's name in messages: "district file" gives "district file not found" and
    /// "cannot read the district file: …".
    pub name: &'static str,
    /// What is expected when the path is not a file: "a district file (TOML)".
    pub expected: &'static str,
    /// What a too large file is too large for: "a district file".
    pub too_large_for: &'static str,
    /// Largest file read, bytes.
    pub max_bytes: u64,
}

/// Reads the text of a TOML file of `kind`: every problem with the file as a whole (missing,
/// not a file, unreadable, larger than `kind.max_bytes`, not UTF-8) as one diagnostic
/// without a position.
pub fn read_toml_text(path: &Path, kind: &TomlFileKind) -> Result<String, Diagnostics> {
    let whole = |message: String, expected: Option<&str>| whole_file(path, message, expected);
    let cannot_read =
        |e: std::io::Error| whole(format!("cannot read the {}: {e}", kind.name), None);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => whole(format!("{} not found", kind.name), None),
        _ => cannot_read(e),
    })?;
    if !meta.is_file() {
        return Err(whole("not a file".into(), Some(kind.expected)));
    }
    if meta.len() > kind.max_bytes {
        let at_most = format!("at most {} MiB", kind.max_bytes / (1024 * 1024));
        return Err(whole(
            format!(
                "the file is {} bytes, too large for {}",
                meta.len(),
                kind.too_large_for
            ),
            Some(&at_most),
        ));
    }
    let bytes = std::fs::read(path).map_err(cannot_read)?;
    String::from_utf8(bytes).map_err(|e| {
        whole(
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            Some("a UTF-8 TOML file"),
        )
    })
}

/// The message and expectation of a TOML syntax error: `TOML syntax: …`, with what the
/// parser expected split off.
pub fn syntax_message(e: &toml::de::Error) -> (String, Option<String>) {
    let (message, expected) = match e.message().split_once(", expected ") {
        Some((m, x)) => (m, Some(x.to_owned())),
        None => (e.message(), None),
    };
    (format!("TOML syntax: {message}"), expected)
}

/// A TOML value as found, for "wrong type" messages: `string "x"`, `integer 0x1f`,
/// `float 1.5`, `an array`…
pub fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("string \"{s}\""),
        DeValue::Integer(i) => format!("integer {i}"),
        DeValue::Float(f) => format!("float {f}"),
        DeValue::Boolean(b) => format!("boolean {b}"),
        DeValue::Datetime(d) => format!("datetime {d}"),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

/// A TOML number (float or integer) as `f64`; integers beyond `i64` too when `wide`.
/// `None` for any other value or an unparsable number.
pub fn to_f64(v: &DeValue<'_>, wide: bool) -> Option<f64> {
    match v {
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        DeValue::Integer(i) => to_i64(v).map(|x| x as f64).or_else(|| {
            // Beyond i64: still a number.
            if wide {
                i.as_str().replace('_', "").parse().ok()
            } else {
                None
            }
        }),
        _ => None,
    }
}

/// A TOML integer (any radix, `_` separators allowed) as `i64`; `None` for any other value
/// or one beyond `i64`.
pub fn to_i64(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok(),
        _ => None,
    }
}

/// `one of "a", "b"`: the expectation of an enumerated value.
pub fn one_of(values: &[&str]) -> String {
    let v: Vec<String> = values.iter().map(|s| format!("\"{s}\"")).collect();
    format!("one of {}", v.join(", "))
}

impl Walker {
    /// A walker of the file at `file` (relative paths start at its folder).
    pub(crate) fn new(schema: &'static Schema, file: &Path, text: &str) -> Walker {
        Walker {
            schema,
            dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
            map: SourceMap::new(file, text),
            diags: Vec::new(),
            confined: false,
            within: None,
        }
    }

    /// Reports each TOML syntax error of the file (`path "toml"`), and gives their lines (a
    /// recovered syntax error leaves odd values behind: [`Walker::finish`] drops the other
    /// problems on those lines).
    pub(crate) fn syntax_errors(&mut self, errors: &[toml::de::Error]) -> Vec<usize> {
        let mut lines = Vec::new();
        for e in errors {
            let position = self.map.position_of(e.span().map_or(0, |s| s.start));
            lines.push(position.line);
            self.diags.push(Diagnostic {
                file: self.map.file().to_path_buf(),
                position: Some(position),
                path: "toml".into(),
                message: format!("TOML syntax: {}", e.message()),
                expected: None,
            });
        }
        lines
    }

    /// Reports a problem at `span`.
    pub(crate) fn err(
        &mut self,
        span: Range<usize>,
        path: &str,
        message: String,
        expected: Option<String>,
    ) {
        self.diags.push(Diagnostic {
            file: self.map.file().to_path_buf(),
            position: Some(self.map.position_of(span.start)),
            path: path.to_owned(),
            message,
            expected,
        });
    }

    /// Ends the walk of a file: what was `built` with the source map when nothing was
    /// reported, else every problem sorted by position. Problems on the line of a syntax
    /// error are dropped: a recovered syntax error leaves odd values behind.
    pub(crate) fn finish<T>(
        self,
        built: Option<T>,
        syntax_lines: &[usize],
        what: &str,
    ) -> Result<(T, SourceMap), Diagnostics> {
        let Walker { mut diags, map, .. } = self;
        diags.retain(|d| {
            d.message.starts_with("TOML syntax")
                || d.position
                    .is_none_or(|pos| !syntax_lines.contains(&pos.line))
        });
        diags.sort_by_key(|d| d.position);
        match built {
            Some(b) if diags.is_empty() => Ok((b, map)),
            _ if diags.is_empty() => Err(Diagnostics(vec![Diagnostic {
                file: map.file().to_path_buf(),
                position: None,
                path: String::new(),
                message: format!("the {what} could not be built (internal error: no diagnostic)"),
                expected: None,
            }])),
            _ => Err(Diagnostics(diags)),
        }
    }

    /// The date or date-time field `name` as a UTC instant, local ones in `tz`; `None`
    /// when absent, invalid (already reported) or not a valid local time (reported).
    pub(crate) fn instant_in(
        &mut self,
        f: &Fields<'_>,
        name: &str,
        tz: Tz,
    ) -> Option<DateTime<Utc>> {
        let Some(Val::Dt(dt)) = f.get(name) else {
            return None;
        };
        let d = dt.date?;
        let span = f.span(name);
        let path = f.field_path(name);
        let Some(date) =
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        else {
            self.err(span, &path, format!("{dt} is not a valid date"), None);
            return None;
        };
        let time = dt
            .time
            .and_then(|t| {
                NaiveTime::from_hms_nano_opt(
                    u32::from(t.hour),
                    u32::from(t.minute),
                    u32::from(t.second.unwrap_or(0)),
                    t.nanosecond.unwrap_or(0),
                )
            })
            .unwrap_or(NaiveTime::MIN);
        let naive = NaiveDateTime::new(date, time);
        match dt.offset {
            Some(Offset::Z) => Some(naive.and_utc()),
            Some(Offset::Custom { minutes }) => {
                Some(naive.and_utc() - chrono::Duration::minutes(i64::from(minutes)))
            }
            None => match tz.from_local_datetime(&naive) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    Some(t.with_timezone(&Utc))
                }
                LocalResult::None => {
                    let why = if self.schema.style == Style::District {
                        " (skipped by a daylight-saving change)"
                    } else {
                        ""
                    };
                    self.err(
                        span,
                        &path,
                        format!("local time {naive} does not exist in {tz}{why}"),
                        Some("an existing local time".into()),
                    );
                    None
                }
            },
        }
    }

    /// Reports a problem at the recorded position of `path`.
    /// The `missing` and `max_gap_steps` settings of a table that names a file of steps
    /// (`default` when `missing` is absent); `None` when they do not agree (reported).
    pub(crate) fn missing_policy(
        &mut self,
        f: &Fields<'_>,
        default: crate::district::MissingPolicy,
    ) -> Option<crate::district::MissingPolicy> {
        use crate::district::MissingPolicy;
        let policy = if f.present("missing") {
            match f.str("missing")?.as_str() {
                "error" => MissingPolicy::Error,
                "exclude" => MissingPolicy::Exclude,
                _ => {
                    if !f.present("max_gap_steps") {
                        self.err(
                            f.span("missing"),
                            &f.field_path("missing"),
                            "missing = \"interpolate\" needs the longest gap it may fill".into(),
                            Some("max_gap_steps = <steps> beside it".into()),
                        );
                        return None;
                    }
                    MissingPolicy::Interpolate {
                        max_steps: f.u32("max_gap_steps")?,
                    }
                }
            }
        } else {
            default
        };
        if f.present("max_gap_steps") && !matches!(policy, MissingPolicy::Interpolate { .. }) {
            self.err(
                f.span("max_gap_steps"),
                &f.field_path("max_gap_steps"),
                "max_gap_steps only applies to missing = \"interpolate\"".into(),
                Some("missing = \"interpolate\", or no max_gap_steps".into()),
            );
            return None;
        }
        Some(policy)
    }

    pub(crate) fn at_path(&mut self, path: &str, message: String, expected: Option<String>) {
        let d = self.map.diagnostic(path, message, expected);
        self.diags.push(d);
    }

    /// Checks every key of `table` against the attributes of `comp`.
    pub(crate) fn fields<'a>(
        &mut self,
        comp: &'static str,
        path: &str,
        table: &'a DeTable<'a>,
        header: Range<usize>,
    ) -> Fields<'a> {
        let schema = self.schema;
        self.map.insert(path.to_owned(), header.clone());
        let join = |name: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        let mut vals = BTreeMap::new();
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let fpath = join(name);
            let Some(attr) = schema.attribute(comp, name) else {
                let known: Vec<&str> = schema.attributes_of(comp).iter().map(|a| a.name).collect();
                let hint = attributes::suggest(name, known.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                self.err(
                    key.span(),
                    &fpath,
                    format!("unknown field `{name}`{hint}"),
                    Some(format!("one of {}", known.join(", "))),
                );
                continue;
            };
            self.map.insert(fpath.clone(), value.span());
            let checked = self.value(attr, &fpath, value);
            vals.insert(attr.name, checked.map(|v| (v, value.span())));
        }
        for attr in schema.attributes_of(comp) {
            if attr.default == DefaultValue::Required && !vals.contains_key(attr.name) {
                let no_unit =
                    attr.unit.is_empty() || (schema.style == Style::Experiment && attr.unit == "1");
                let unit = if no_unit {
                    String::new()
                } else {
                    format!(" in {}", attr.unit)
                };
                self.err(
                    header.clone(),
                    &join(attr.name),
                    format!("missing required field `{}`", attr.name),
                    Some(format!("{} = <{}{unit}>", attr.name, attr.kind)),
                );
            }
        }
        Fields {
            schema,
            comp,
            path: path.to_owned(),
            header,
            vals,
        }
    }

    /// Reports `x` out of the attribute's bounds; true when within.
    fn bounded(&mut self, attr: &Attribute, span: &Range<usize>, path: &str, x: f64) -> bool {
        if attr.in_bounds(x) {
            return true;
        }
        let unit = match attr.unit {
            _ if self.schema.style == Style::Experiment => String::new(),
            "" | "1" => String::new(),
            u => format!(" {u}"),
        };
        self.err(
            span.clone(),
            path,
            format!("{x}{unit} is out of range"),
            Some(attr.bounds_text()),
        );
        false
    }

    /// Checks one value against its attribute's kind and bounds.
    fn value<'a>(
        &mut self,
        attr: &Attribute,
        path: &str,
        value: &'a Spanned<DeValue<'a>>,
    ) -> Option<Val<'a>> {
        let style = self.schema.style;
        let community = style == Style::Community;
        let span = value.span();
        let v = value.get_ref();
        let wrong = |p: &mut Walker, expected: String| {
            p.err(
                span.clone(),
                path,
                format!("wrong type: found {}", describe(v)),
                Some(expected),
            );
            None
        };
        let kind = attr.kind.to_string();
        match attr.kind {
            Kind::Float => {
                let Some(x) = to_f64(v, !community) else {
                    return wrong(self, kind);
                };
                let finite_first = style == Style::District;
                if finite_first && !x.is_finite() {
                    self.err(span, path, format!("{x} is not a finite number"), None);
                    return None;
                }
                if style == Style::Experiment && !attr.in_bounds(x) && !x.is_finite() {
                    self.err(span, path, format!("{x} is not a finite number"), None);
                    return None;
                }
                self.bounded(attr, &span, path, x).then_some(Val::F(x))
            }
            Kind::Integer => {
                let Some(x) = to_i64(v) else {
                    return wrong(self, kind);
                };
                // The community file checked integers as floats.
                let kept = if community { x as f64 as i64 } else { x };
                self.bounded(attr, &span, path, x as f64)
                    .then_some(Val::I(kept))
            }
            Kind::IntegerOf(allowed) => {
                let Some(x) = to_i64(v) else {
                    return wrong(self, kind);
                };
                if allowed.contains(&x) {
                    Some(Val::I(x))
                } else {
                    let a: Vec<String> = allowed.iter().map(ToString::to_string).collect();
                    self.err(
                        span,
                        path,
                        format!("{x} is not allowed"),
                        Some(format!("one of {}", a.join(", "))),
                    );
                    None
                }
            }
            Kind::String => match v.as_str() {
                Some(s) if s.trim().is_empty() => {
                    self.err(span, path, "empty string".into(), Some("some text".into()));
                    None
                }
                Some(s) => Some(Val::S(s.to_owned())),
                None => wrong(self, kind),
            },
            Kind::Bool => match v.as_bool() {
                Some(b) => Some(Val::B(b)),
                None => wrong(self, kind),
            },
            Kind::Enum(allowed) => {
                let Some(s) = v.as_str() else {
                    return wrong(self, kind);
                };
                if allowed.contains(&s) {
                    return Some(Val::S(s.to_owned()));
                }
                let hint = attributes::suggest(s, allowed.iter().copied())
                    .map(|h| format!("; did you mean \"{h}\"?"))
                    .unwrap_or_default();
                self.err(
                    span,
                    path,
                    format!("unknown value \"{s}\"{hint}"),
                    Some(one_of(allowed)),
                );
                None
            }
            Kind::Path => {
                let Some(s) = v.as_str() else {
                    return wrong(self, kind);
                };
                let expected = format!(
                    "an existing file (relative paths start at the {} file's folder)",
                    self.schema.file
                );
                let p = self.dir.join(s);
                if let Some(root) = &self.within {
                    let inside = Path::new(s).is_relative()
                        && std::fs::canonicalize(&p)
                            .ok()
                            .zip(std::fs::canonicalize(root).ok())
                            .is_some_and(|(f, r)| f.starts_with(r) && f.is_file());
                    if !inside {
                        // One answer whether it exists elsewhere or nowhere: no oracle.
                        self.err(
                            span,
                            path,
                            format!("file \"{s}\" not found in the folder this file may read"),
                            Some("a relative path to a file of the server's data folder".into()),
                        );
                        return None;
                    }
                    return Some(Val::Path(p));
                }
                if self.confined {
                    let inside = !s.trim().is_empty()
                        && Path::new(s).components().all(|c| {
                            matches!(
                                c,
                                std::path::Component::Normal(_) | std::path::Component::CurDir
                            )
                        });
                    if !inside {
                        self.err(
                            span,
                            path,
                            format!("file \"{s}\" is outside the folder this file may read"),
                            Some("a relative path without `..`".into()),
                        );
                        return None;
                    }
                    if !p.is_file() {
                        self.err(
                            span,
                            path,
                            format!("file \"{s}\" not found"),
                            Some(expected),
                        );
                        return None;
                    }
                    return Some(Val::Path(p));
                }
                if community {
                    if s.trim().is_empty() || !p.is_file() {
                        let message = format!("file {} not found", p.display());
                        self.err(span, path, message, Some(expected));
                        return None;
                    }
                    return Some(Val::Path(p));
                }
                if s.trim().is_empty() {
                    self.err(span, path, "empty path".into(), Some("a file path".into()));
                    return None;
                }
                if p.is_file() {
                    Some(Val::Path(p))
                } else {
                    let what = if p.exists() {
                        "is not a file"
                    } else {
                        "not found"
                    };
                    self.err(
                        span,
                        path,
                        format!("file {} {what}", p.display()),
                        Some(expected),
                    );
                    None
                }
            }
            Kind::Timezone => {
                let Some(s) = v.as_str() else {
                    return wrong(self, kind);
                };
                match s.parse::<Tz>() {
                    Ok(tz) => Some(Val::Tz(tz)),
                    Err(_) => {
                        let hint =
                            attributes::suggest(s, chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()))
                                .map(|h| format!("; did you mean \"{h}\"?"))
                                .unwrap_or_default();
                        self.err(
                            span,
                            path,
                            format!("unknown time zone \"{s}\"{hint}"),
                            Some("an IANA time zone name such as \"Europe/Paris\"".into()),
                        );
                        None
                    }
                }
            }
            Kind::DateTime => match v.as_datetime() {
                Some(d) if d.date.is_some() => Some(Val::Dt(*d)),
                Some(_) => {
                    let expected = if style == Style::Experiment {
                        "a date such as 2025-01-01"
                    } else {
                        "a date such as 2025-01-01 or a date-time 2025-01-01T06:00:00"
                    };
                    self.err(
                        span,
                        path,
                        "a time without a date".into(),
                        Some(expected.into()),
                    );
                    None
                }
                None => wrong(self, kind),
            },
            Kind::IntegerList => {
                let Some(arr) = v.as_array() else {
                    return wrong(self, kind);
                };
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in arr.iter().enumerate() {
                    let ipath = format!("{path}[{i}]");
                    match to_i64(item.get_ref()) {
                        Some(x) if attr.in_bounds(x as f64) => out.push(x),
                        Some(x) => {
                            self.err(
                                item.span(),
                                &ipath,
                                format!("{x} is out of range"),
                                Some(attr.bounds_text()),
                            );
                            ok = false;
                        }
                        None => {
                            self.err(
                                item.span(),
                                &ipath,
                                format!("wrong type: found {}", describe(item.get_ref())),
                                Some("integer".into()),
                            );
                            ok = false;
                        }
                    }
                }
                ok.then_some(Val::Ints(out))
            }
            Kind::EnumList(allowed) => {
                let Some(arr) = v.as_array() else {
                    return wrong(
                        self,
                        if community {
                            "list of strings".into()
                        } else {
                            kind
                        },
                    );
                };
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in arr.iter().enumerate() {
                    let ipath = format!("{path}[{i}]");
                    match item.get_ref().as_str() {
                        // An empty list of allowed values (the community's ids, the sweep's
                        // files) takes any string.
                        Some(s) if community || allowed.is_empty() || allowed.contains(&s) => {
                            out.push(s.to_owned())
                        }
                        Some(s) => {
                            let hint = attributes::suggest(s, allowed.iter().copied())
                                .map(|h| format!("; did you mean \"{h}\"?"))
                                .unwrap_or_default();
                            self.err(
                                item.span(),
                                &ipath,
                                format!("unknown value \"{s}\"{hint}"),
                                Some(one_of(allowed)),
                            );
                            ok = false;
                        }
                        None => {
                            let expected = if community {
                                "string".into()
                            } else {
                                one_of(allowed)
                            };
                            self.err(
                                item.span(),
                                &ipath,
                                format!("wrong type: found {}", describe(item.get_ref())),
                                Some(expected),
                            );
                            if community {
                                return None;
                            }
                            ok = false;
                        }
                    }
                }
                ok.then_some(Val::Strs(out))
            }
            Kind::Table(_) => match v.as_table() {
                Some(t) => Some(Val::Table(t, span)),
                None => wrong(self, kind),
            },
            Kind::Tables(_) => {
                let Some(arr) = v.as_array() else {
                    let expected = format!("an array of tables: [[{}]]", attr.name);
                    if community {
                        return wrong(self, expected);
                    }
                    if v.is_table() {
                        let message = format!("`{}` is a single table", attr.name);
                        self.err(span, path, message, Some(expected));
                        return None;
                    }
                    return wrong(self, kind);
                };
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in arr.iter().enumerate() {
                    match item.get_ref().as_table() {
                        Some(t) => out.push((t, item.span())),
                        None => {
                            self.err(
                                item.span(),
                                &format!("{path}[{i}]"),
                                format!("wrong type: found {}", describe(item.get_ref())),
                                Some("a table".into()),
                            );
                            if community {
                                return None;
                            }
                            ok = false;
                        }
                    }
                }
                ok.then_some(Val::Tables(out))
            }
            Kind::FloatOrTable(_) => {
                if let Some(t) = v.as_table() {
                    return Some(Val::Table(t, span));
                }
                let Some(x) = to_f64(v, !community) else {
                    return wrong(self, kind);
                };
                self.bounded(attr, &span, path, x).then_some(Val::F(x))
            }
        }
    }
}
