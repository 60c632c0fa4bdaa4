//! The community file: a collective self-consumption operation (ACC) described in its own TOML
//! file — operation, members with their curve files, allocation key, prices — parsed with the
//! same diagnostics as the district file (`FILE:LINE:COL: path: message (expected …)`, every
//! problem at once), its curves read and put on one axis, and turned into the share crate's
//! [`Community`], a [`Key`] and the billing crate's [`BillingConfig`]. Also the tariff file
//! ([`parse_tariff`], [`default_tariff`]).
//!
//! Every attribute is declared once in [`COMMUNITY_ATTRIBUTES`] (type, unit, default, bounds,
//! description), which drives the checks here and the schema.
//!
//! **Axis rule.** Curves may have different steps and ranges: each is summed to the coarsest
//! step (which every other step must divide), then all are cut to the range they share (the
//! latest start to the earliest end). Members whose curve was cut are listed in
//! [`LoadedCommunity::warnings`]; no shared range, or a step that does not divide the coarsest,
//! is an error naming the member and the file. Problems inside a curve file (gaps, negative or
//! unreadable values, …) are reported with the member, the file, its line and timestamp.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use quartier_billing::money::from_file_number as dec;
use quartier_billing::{
    BillingConfig, Cited, DataGap, InvoiceConfig, Party, PeriodRates, PriceBasis, PricePeriod,
    Prices, TariffHistory, TariffTable, TimeOfUse, TurpeChoice, VatRegime,
};
use quartier_share::{
    Category, Community, CommunityBuilder, CustomKey, Derogation, Group, Inside, Key, Leftover,
    Member, MemberId, Membership, PerimeterRules, Role,
};
use quartier_timeseries::{Axis, CsvOptions, FillPolicy, Quantity, ReadErrors, Series, Step};
use toml::de::DeTable;

use crate::attributes::{Attribute, DefaultValue, Kind};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::walk::{Fields, Schema, Style, Walker, whole_file};

use crate::attributes::{N, a as at, inc};

use DefaultValue::{Required, Rule};

/// The components of a community file, with a one-line description.
pub static COMMUNITY_COMPONENTS: &[(&str, &str)] = &[
    ("community", "The top level of a community file."),
    (
        "operation",
        "The operation: name, TURPE option, excise, perimeter.",
    ),
    (
        "members",
        "Members: consumers, producers and storage, each with its curve.",
    ),
    (
        "curve",
        "A curve file: `curve = { file = \"…\", format = \"enedis\" }`.",
    ),
    ("key", "The allocation key."),
    (
        "key.coefficients",
        "Static coefficients (static key) or weights (static priority groups), percent.",
    ),
    ("key.groups", "Priority groups, first served first."),
    (
        "key.periods",
        "A period of validity of static coefficients.",
    ),
    ("prices", "Local, supplier and surplus prices."),
    (
        "invoicing",
        "How the organiser invoices local energy (`quartier share invoice`).",
    ),
    ("prices.local", "A member's own local price."),
    (
        "prices.periods",
        "Time-of-use periods of a local price, local time; the first matching applies.",
    ),
];

/// Every attribute of the community file.
#[rustfmt::skip]
pub static COMMUNITY_ATTRIBUTES: &[Attribute] = &[
    at("community", "operation", Kind::Table("operation"), "", Required, N, N, "The operation."),
    at("community", "members", Kind::Tables("members"), "", Required, N, N, "Members."),
    at("community", "key", Kind::Table("key"), "", Rule("type = \"default\""), N, N, "The allocation key."),
    at("community", "prices", Kind::Table("prices"), "", Required, N, N, "Prices."),
    at("community", "invoicing", Kind::Table("invoicing"), "", Rule("required by `quartier share invoice`"), N, N, "How the organiser invoices local energy."),
    at("operation", "name", Kind::String, "", Required, N, N, "Display name."),
    at("operation", "turpe_option", Kind::Enum(&["standard", "acc"]), "", DefaultValue::Str("standard"), N, N, "TURPE option billed to consumers: standard, or the collective self-consumption option (self-consumed and complement energy at different rates); bills compare both."),
    at("operation", "accise_exemption", Kind::Bool, "", DefaultValue::Bool(false), N, N, "Exempt self-consumed energy from renewable producers under 1 MW from the excise on electricity."),
    at("operation", "derogation", Kind::Enum(&["none", "periurban", "rural", "public_epci"]), "", DefaultValue::Str("none"), N, N, "Perimeter: 2 km between the two most distant members, 10 km (periurban) or 20 km (rural) with a derogation of the arrêté of 19 September 2023, or public_epci (arrêté of 21 February 2025): no distance limit and a 10 MW cap when a commune or an EPCI with its own taxation takes part, every member is a public body, a public-service entity or a SEM (members.category), and every delivery point is in the EPCI (members.commune_insee in epci_communes)."),
    at("operation", "epci_communes", Kind::EnumList(&[]), "", Rule("required for public_epci"), N, N, "INSEE codes of the EPCI's communes (the public_epci derogation)."),
    at("operation", "pv_cap_kw", Kind::Float, "kW", DefaultValue::Float(5000.0), inc(0.0), N, "Cap on the total installed PV: 5 MW since the arrêté of 21 February 2025 (3 MW before); the public_epci derogation's is 10 MW."),
    at("operation", "first_day", Kind::DateTime, "", Rule("the first day of the earliest curve"), N, N, "First day settled (local date, Europe/Paris): curves are cut to it."),
    at("operation", "last_day", Kind::DateTime, "", Rule("the last day of the latest curve"), N, N, "Last day settled (local date, inclusive): curves are cut to it."),
    at("operation", "tariff", Kind::Path, "", Rule("the embedded grids, crates/billing/data/tariffs.toml"), N, N, "Tariff file (TOML, the layout of the embedded one: one [[grid]] per day the regulated values changed)."),
    at("members", "id", Kind::String, "", Required, N, N, "Unique id: the 14-digit PRM, or another id without spaces."),
    at("members", "name", Kind::String, "", Rule("= id"), N, N, "Display name (printed on the member's bills)."),
    at("members", "role", Kind::Enum(&["consumer", "producer", "storage"]), "", DefaultValue::Str("consumer"), N, N, "Consumer, producer, or storage (consumer while charging, producer while discharging)."),
    at("members", "latitude_deg", Kind::Float, "deg", Required, inc(-90.0), inc(90.0), "Latitude of the delivery point, for the distance check."),
    at("members", "longitude_deg", Kind::Float, "deg", Required, inc(-180.0), inc(180.0), "Longitude of the delivery point."),
    at("members", "curve", Kind::Table("curve"), "", Required, N, N, "Consumption (consumer), production (producer) or charge (storage) curve."),
    at("members", "discharge_curve", Kind::Table("curve"), "", Rule("required for storage"), N, N, "Discharge curve of a storage member."),
    at("members", "category", Kind::Enum(&["private", "commune", "epci", "public_body", "public_service", "sem"]), "", DefaultValue::Str("private"), N, N, "What body the member is: private (households, companies), a commune, an EPCI with its own taxation, another public body, a public-service entity or a SEM (the public_epci derogation)."),
    at("members", "commune_insee", Kind::String, "", Rule("required for public_epci"), N, N, "INSEE code of the commune of the delivery point (5 characters, e.g. 92048 for Meudon)."),
    at("members", "kwp", Kind::Float, "kWp", DefaultValue::Float(0.0), inc(0.0), N, "Installed PV peak power (producers), for the PV cap and the excise exemption."),
    at("members", "member_from", Kind::DateTime, "", Rule("the operation's first day"), N, N, "First day the member belongs to the operation (local date, Europe/Paris): before it, it takes no share and its energy is not the operation's."),
    at("members", "member_until", Kind::DateTime, "", Rule("the operation's last day"), N, N, "Last day the member belongs to the operation (local date, inclusive)."),
    at("members", "missing", Kind::Enum(&["error", "exclude", "zero"]), "", DefaultValue::Str("error"), N, N, "When the member's curve does not cover its membership within the operation: an error (no settlement data is lost silently), or the member is excluded for the missing span (it takes no share then), or the span counts as zero; statements say which."),
    at("members", "address", Kind::EnumList(&[]), "", Rule("none"), N, N, "Postal address printed on the member's invoices, one string per line."),
    at("members", "siret", Kind::String, "", Rule("none"), N, N, "SIRET of a professional member, printed on its invoices."),
    at("members", "supplier_eur_per_kwh", Kind::Float, "EUR/kWh", Rule("prices.supplier_eur_per_kwh"), inc(0.0), N, "The consumer's supplier price, energy only (excluding TURPE and taxes)."),
    at("curve", "file", Kind::Path, "", Rule("required unless `stored = true`"), N, N, "The file (relative to the community file)."),
    at("curve", "stored", Kind::Bool, "", DefaultValue::Bool(false), N, N, "The meter curve stored for this member's id (curves uploaded to the server, `quartier serve`) instead of a file."),
    at("curve", "format", Kind::Enum(&["enedis", "csv"]), "", DefaultValue::Str("csv"), N, N, "Enedis load-curve export (average W) or generic CSV (kWh per interval, Europe/Paris)."),
    at("curve", "column", Kind::String, "", Rule("the second column"), N, N, "Value column (CSV)."),
    at("curve", "scale", Kind::Float, "1", DefaultValue::Float(1.0), inc(0.0), N, "Multiplier applied after reading."),
    at("key", "type", Kind::Enum(&["default", "static", "priority", "custom"]), "", DefaultValue::Str("default"), N, N, "Default (prorata of consumption, D315-6), static coefficients, priority groups, or custom per-step coefficients."),
    at("key", "leftover", Kind::Enum(&["surplus", "redistribute"]), "", DefaultValue::Str("surplus"), N, N, "Static key: what satisfied consumers leave becomes surplus or is redistributed."),
    at("key", "coefficients", Kind::Tables("key.coefficients"), "", Rule("required for static, unless periods"), N, N, "Static coefficients, or weights of static priority groups."),
    at("key", "periods", Kind::Tables("key.periods"), "", Rule("none: one set of coefficients"), N, N, "Static key: coefficients per period of validity (the PMO sends new ones when members join or leave), each from its `from` day to the next period's."),
    at("key.periods", "from", Kind::DateTime, "", Required, N, N, "First day of the period (local date, Europe/Paris); the first period starts at or before the operation's first day."),
    at("key.periods", "coefficients", Kind::Tables("key.coefficients"), "", Required, N, N, "The coefficients of the members present in the period."),
    at("key", "groups", Kind::Tables("key.groups"), "", Rule("required for priority"), N, N, "Priority groups."),
    at("key", "file", Kind::Path, "", Rule("required for custom"), N, N, "Custom key CSV: `time_utc` (RFC 3339 step start) then one column per consumer id, percent of the step's production."),
    at("key.coefficients", "member", Kind::String, "", Required, N, N, "Consumer id."),
    at("key.coefficients", "percent", Kind::Float, "%", Required, inc(0.0), inc(100.0), "Share of production, percent."),
    at("key.groups", "members", Kind::EnumList(&[]), "", Required, N, N, "Consumer ids of the group (any ids)."),
    at("key.groups", "inside", Kind::Enum(&["prorata", "static"]), "", DefaultValue::Str("prorata"), N, N, "Inside the group: prorata of consumption, or the members' `key.coefficients` with redistribution."),
    at("prices", "basis", Kind::Enum(&["producer", "consumer"]), "", DefaultValue::Str("producer"), N, N, "Whose local price applies: the producer's or the consumer's."),
    at("prices", "local_eur_per_kwh", Kind::Float, "EUR/kWh", Required, inc(0.0), N, "Default local price of shared energy (base of its periods)."),
    at("prices", "periods", Kind::Tables("prices.periods"), "", Rule("none: flat"), N, N, "Time-of-use periods of the default local price."),
    at("prices", "supplier_eur_per_kwh", Kind::Float, "EUR/kWh", Required, inc(0.0), N, "Default supplier price of consumers, energy only (excluding TURPE and taxes)."),
    at("prices", "surplus_eur_per_kwh", Kind::Float, "EUR/kWh", DefaultValue::Float(0.0), inc(0.0), N, "Price paid for the surplus."),
    at("prices", "local", Kind::Tables("prices.local"), "", Rule("none"), N, N, "Members' own local prices."),
    at("prices.local", "member", Kind::String, "", Required, N, N, "Producer (basis producer) or consumer (basis consumer) id."),
    at("prices.local", "eur_per_kwh", Kind::Float, "EUR/kWh", Required, inc(0.0), N, "Base price."),
    at("prices.local", "periods", Kind::Tables("prices.periods"), "", Rule("none: flat"), N, N, "Time-of-use periods."),
    at("prices.periods", "name", Kind::String, "", Required, N, N, "Name (\"HC\")."),
    at("prices.periods", "start_hour", Kind::Integer, "h", Required, inc(0.0), inc(23.0), "Local start hour, inclusive."),
    at("prices.periods", "end_hour", Kind::Integer, "h", Required, inc(1.0), inc(24.0), "Local end hour, exclusive; wraps past midnight when ≤ start_hour."),
    at("prices.periods", "eur_per_kwh", Kind::Float, "EUR/kWh", Required, inc(0.0), N, "Price in the period."),
    at("invoicing", "issuer_name", Kind::String, "", Required, N, N, "Legal name of the issuer: the organiser (PMO), invoicing local energy on behalf of the producers."),
    at("invoicing", "issuer_address", Kind::EnumList(&[]), "", Required, N, N, "The issuer's postal address, one string per line."),
    at("invoicing", "issuer_siret", Kind::String, "", Required, N, N, "The issuer's SIRET (14 digits) or SIREN (9 digits)."),
    at("invoicing", "issuer_vat_number", Kind::String, "", Rule("required unless vat = \"franchise\""), N, N, "The issuer's intra-community VAT number (FR + 11 characters)."),
    at("invoicing", "issuer_legal_form", Kind::String, "", Rule("none"), N, N, "Legal form and share capital (\"SAS au capital de 10 000 €\", \"Association loi 1901\")."),
    at("invoicing", "number_prefix", Kind::String, "", Required, N, N, "Prefix of invoice numbers (\"MLF-2025-\"): numbers continue the prefix's sequence in the ledger, on 6 digits."),
    at("invoicing", "payment_days", Kind::Integer, "d", DefaultValue::Integer(30), inc(0.0), inc(60.0), "Days from issue to due date (at most 60, art. L441-10 of the code de commerce)."),
    at("invoicing", "vat", Kind::Enum(&["charged", "franchise"]), "", DefaultValue::Str("charged"), N, N, "VAT at the energy rate of the tariff grid, or the franchise of art. 293 B of the CGI (no VAT, said on the invoice)."),
    at("invoicing", "late_penalty_percent", Kind::Float, "%/year", Rule("three times the legal interest rate"), inc(0.0), N, "Late-payment penalty rate printed on invoices."),
    at("invoicing", "ledger", Kind::Path, "", Rule("invoice-ledger.csv beside the community file"), N, N, "The ledger of issued invoices (CSV): `quartier share invoice` reads it to number new invoices and appends them."),
];

/// The community file format as Markdown, generated from [`COMMUNITY_ATTRIBUTES`] (the table
/// the parser uses), one section per component.
pub fn community_schema_markdown() -> String {
    let mut out = String::from("# The community file\n\n");
    out.push_str(
        "A collective self-consumption operation is described in one TOML file, read by \
         `quartier share` and attached to a district in the server. Local dates are in \
         Europe/Paris. Relative file paths start at the community file's folder. Every problem \
         is reported at once as `FILE:LINE:COL: path.to.field: message (expected …)`.\n\n",
    );
    for (comp, what) in COMMUNITY_COMPONENTS {
        let heading = match *comp {
            "community" => "Top level".to_owned(),
            "members" | "key.coefficients" | "key.groups" | "key.periods" | "prices.local"
            | "prices.periods" => format!("`[[{comp}]]`"),
            "curve" => "Curves (`curve`, `discharge_curve`)".to_owned(),
            c => format!("`[{c}]`"),
        };
        out.push_str(&format!("## {heading}\n\n{what}\n\n"));
        out.push_str(&crate::schema::attribute_table(
            COMMUNITY_ATTRIBUTES,
            comp,
            &|a| crate::schema::cell(&a.kind.to_string()),
        ));
    }
    out
}

/// A community read from its file, its curves loaded.
#[derive(Debug, Clone)]
pub struct LoadedCommunity {
    /// Operation name.
    pub name: String,
    /// Members and curves on one axis.
    pub community: Community,
    /// The key.
    pub key: Key,
    /// Tariff, prices, options.
    pub billing: BillingConfig,
    /// Every member: id, display name, role (declaration order).
    pub members: Vec<(MemberId, String, Role)>,
    /// Perimeter rules declared.
    pub perimeter: PerimeterRules,
    /// How the organiser invoices (the `[invoicing]` table), when the file has one.
    pub invoicing: Option<Invoicing>,
    /// What loading changed (curves cut to the shared range, resampled).
    pub warnings: Vec<String>,
}

/// The `[invoicing]` table of a community file.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoicing {
    /// Issuer, numbering, payment terms, VAT regime, and each member's invoicing identity.
    pub config: InvoiceConfig,
    /// The ledger of issued invoices (`invoicing.ledger`, or `invoice-ledger.csv` beside the
    /// community file).
    pub ledger: PathBuf,
}

/// One member as written.
#[derive(Debug, Clone)]
struct MemberSpec {
    path: String,
    id: MemberId,
    name: String,
    role: Role,
    lat: f64,
    lon: f64,
    curve: CurveSpec,
    discharge: Option<CurveSpec>,
    kwp: f64,
    supplier: Option<f64>,
    category: Category,
    commune: Option<String>,
    address: Vec<String>,
    siret: Option<String>,
    /// First instant of membership.
    from: Option<DateTime<Utc>>,
    /// First instant after membership.
    until: Option<DateTime<Utc>>,
    missing: Missing,
}

/// What a member's missing data within its membership become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    Error,
    Exclude,
    Zero,
}

#[derive(Debug, Clone)]
struct CurveSpec {
    path: String,
    source: CurveSource,
    scale: f64,
}

#[derive(Debug, Clone)]
enum CurveSource {
    File {
        file: PathBuf,
        enedis: bool,
        column: Option<String>,
    },
    Stored,
}

/// Meter curves kept by the caller (in the server: the curves uploaded for each meter), for
/// members whose curve is `stored = true`.
pub trait StoredCurves {
    /// The curve stored for member `id` (kWh per interval), or why there is none, in words
    /// for the user.
    fn stored_curve(&self, id: &MemberId) -> Result<Series, String>;
}

/// How a community file is read.
#[derive(Clone, Copy, Default)]
pub struct CommunityOptions<'a> {
    /// Every file the community names (curves, custom key, tariff) must be a relative path
    /// inside the community file's folder (no absolute path, no `..`), and messages show
    /// paths as written: for text from someone who may not read the rest of the disk.
    pub confine_files: bool,
    /// Where `stored = true` curves come from; without it such a curve is an error.
    pub stored_curves: Option<&'a dyn StoredCurves>,
    /// Every member's curve from the caller, in place of the files and stored curves the file
    /// names (the programme derives them from a simulation of the community's district, for
    /// the months before any meter data); discharge curves are then left out.
    pub simulated: Option<&'a dyn StoredCurves>,
}

/// Told `(curves read, curves to read)` as member curve files are read, for a progress bar
/// (from several threads: the files are read on every core).
pub type CurveProgress<'a> = &'a (dyn Fn(usize, usize) + Sync);

#[derive(Debug, Clone)]
enum KeySpec {
    Default,
    Static(Vec<(String, MemberId, f64)>, Leftover),
    Priority(
        Vec<(String, Vec<MemberId>, bool)>,
        Vec<(String, MemberId, f64)>,
    ),
    Custom(String, PathBuf),
    /// Static coefficients per period, leftover.
    StaticPeriods(Vec<PeriodSpec>, Leftover),
}

/// A parsed community file before its curves are read.
#[derive(Debug, Clone)]
struct Spec {
    name: String,
    turpe: TurpeChoice,
    exemption: bool,
    derogation: Derogation,
    epci_communes: Vec<String>,
    pv_cap_kw: f64,
    first_day: Option<DateTime<Utc>>,
    end_day: Option<DateTime<Utc>>,
    tariff: Option<PathBuf>,
    members: Vec<MemberSpec>,
    key: KeySpec,
    prices: Prices,
    price_paths: Vec<(MemberId, String)>,
    invoicing: Option<InvoicingSpec>,
}

/// One `[[key.periods]]`: its path, first instant and coefficients (path, member, share).
type PeriodSpec = (String, DateTime<Utc>, Vec<(String, MemberId, f64)>);

/// Spans `[start, end)` of an instant range.
type Spans = Vec<(DateTime<Utc>, DateTime<Utc>)>;

/// The `[invoicing]` table as written.
#[derive(Debug, Clone)]
struct InvoicingSpec {
    config: InvoiceConfig,
    ledger: Option<PathBuf>,
}

/// The community file's attributes and wording.
static COMMUNITY: Schema = Schema {
    attrs: COMMUNITY_ATTRIBUTES,
    fallback: &[],
    file: "community",
    style: Style::Community,
};

struct P {
    w: Walker,
    /// Every curve comes from the caller ([`CommunityOptions::simulated`]): the files the
    /// curves name are not looked for.
    simulated: bool,
}

crate::walk::deref_walker!(P);

impl P {
    fn periods(&mut self, f: &Fields<'_>) -> Vec<PricePeriod> {
        let mut out = Vec::new();
        for (i, (t, s)) in f.tables("periods").into_iter().enumerate() {
            let path = format!("{}[{i}]", f.field_path("periods"));
            let g = self.fields("prices.periods", &path, t, s);
            if let (Some(name), Some(a), Some(b), Some(x)) = (
                g.str("name"),
                g.int("start_hour"),
                g.int("end_hour"),
                g.num("eur_per_kwh"),
            ) {
                out.push(PricePeriod {
                    name,
                    start_hour: a as u32,
                    end_hour: b as u32,
                    eur_per_kwh: dec(x),
                });
            }
        }
        out
    }

    fn spec(&mut self, doc: &DeTable<'_>, span: Range<usize>) -> Option<Spec> {
        let top = self.fields("community", "", doc, span.start..span.start);
        let op = top
            .table("operation")
            .map(|(t, s)| self.fields("operation", "operation", t, s));
        let mut members = Vec::new();
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (i, (t, s)) in top.tables("members").into_iter().enumerate() {
            let path = format!("members[{i}]");
            let f = self.fields("members", &path, t, s);
            let id = f
                .str("id")
                .and_then(|raw| match MemberId::new(raw.clone()) {
                    Ok(id) => Some(id),
                    Err(e) => {
                        self.at_path(&f.field_path("id"), e.to_string(), None);
                        None
                    }
                });
            if let Some(id) = &id {
                if let Some(first) = ids.get(id.as_str()) {
                    let msg = format!("duplicate member id \"{id}\" (already used by {first})");
                    self.at_path(
                        &f.field_path("id"),
                        msg,
                        Some("ids unique within the community".into()),
                    );
                } else {
                    ids.insert(id.to_string(), path.clone());
                }
            }
            let role = match f.str("role").as_deref() {
                Some("producer") => Some(Role::Producer),
                Some("storage") => Some(Role::Storage),
                Some(_) => Some(Role::Consumer),
                None => None,
            };
            let category = f.str("category").and_then(|c| {
                Category::ALL
                    .iter()
                    .find(|(_, k)| *k == c)
                    .map(|(cat, _)| *cat)
            });
            let commune = f.opt_str("commune_insee").flatten();
            if let Some(c) = &commune
                && !is_insee_code(c)
            {
                self.at_path(
                    &f.field_path("commune_insee"),
                    format!("{c:?} is not an INSEE commune code"),
                    Some("5 characters: digits, or 2A/2B then 3 digits (92048)".into()),
                );
            }
            let from = self.day_start(&f, "member_from", false);
            let until = self.day_start(&f, "member_until", true);
            if let (Some(a), Some(b)) = (from, until)
                && b <= a
            {
                self.at_path(
                    &f.field_path("member_until"),
                    "the member leaves before it joins".into(),
                    Some("member_until on or after member_from".into()),
                );
            }
            let curve = f
                .table("curve")
                .and_then(|(t, s)| self.curve(&f.field_path("curve"), t, s));
            let discharge = f
                .table("discharge_curve")
                .and_then(|(t, s)| self.curve(&f.field_path("discharge_curve"), t, s));
            if role == Some(Role::Storage) && !f.present("discharge_curve") {
                self.at_path(
                    &path,
                    "a storage member needs `discharge_curve`".into(),
                    Some("discharge_curve = { file = \"…\" }".into()),
                );
            }
            if role.is_some() && role != Some(Role::Storage) && f.present("discharge_curve") {
                self.at_path(
                    &f.field_path("discharge_curve"),
                    "only a storage member has a discharge curve".into(),
                    None,
                );
            }
            if let (
                Some(id),
                Some(role),
                Some(lat),
                Some(lon),
                Some(curve),
                Some(kwp),
                Some(supplier),
            ) = (
                id,
                role,
                f.num("latitude_deg"),
                f.num("longitude_deg"),
                curve,
                f.num("kwp"),
                f.opt_num("supplier_eur_per_kwh"),
            ) {
                members.push(MemberSpec {
                    name: f.str("name").unwrap_or_else(|| id.to_string()),
                    path,
                    id,
                    role,
                    lat,
                    lon,
                    curve,
                    discharge,
                    kwp,
                    supplier,
                    category: category.unwrap_or_default(),
                    commune,
                    address: f.strs("address").unwrap_or_default(),
                    siret: f.opt_str("siret").flatten(),
                    from,
                    until,
                    missing: match f.str("missing").as_deref() {
                        Some("exclude") => Missing::Exclude,
                        Some("zero") => Missing::Zero,
                        _ => Missing::Error,
                    },
                });
            }
        }
        let key = match top.table("key") {
            None => Some(KeySpec::Default),
            Some((t, s)) => self.key(t, s),
        };
        let prices = top.table("prices").and_then(|(t, s)| self.prices(t, s));
        let invoicing = match top.table("invoicing") {
            None => Some(None),
            Some((t, s)) => self.invoicing(t, s).map(Some),
        };
        let op = op?;
        let first_day = self.day_start(&op, "first_day", false);
        let end_day = self.day_start(&op, "last_day", true);
        if op.str("derogation").as_deref() == Some("public_epci") {
            let communes = op.strs("epci_communes").unwrap_or_default();
            if communes.is_empty() {
                self.at_path(
                    "operation.epci_communes",
                    "the public_epci derogation needs the INSEE codes of the EPCI's communes"
                        .into(),
                    Some("epci_communes = [\"92048\", \"92040\", …]".into()),
                );
            }
            for c in communes.iter().filter(|c| !is_insee_code(c)) {
                self.at_path(
                    "operation.epci_communes",
                    format!("{c:?} is not an INSEE commune code"),
                    Some("5 characters: digits, or 2A/2B then 3 digits (92048)".into()),
                );
            }
        }
        let (prices, price_paths) = prices?;
        Some(Spec {
            name: op.str("name")?,
            turpe: if op.str("turpe_option")? == "acc" {
                TurpeChoice::Acc
            } else {
                TurpeChoice::Standard
            },
            exemption: op.bool("accise_exemption")?,
            derogation: match op.str("derogation")?.as_str() {
                "periurban" => Derogation::Periurban,
                "rural" => Derogation::Rural,
                "public_epci" => Derogation::PublicEpci,
                _ => Derogation::None,
            },
            epci_communes: op.strs("epci_communes").unwrap_or_default(),
            pv_cap_kw: op.num("pv_cap_kw")?,
            first_day,
            end_day,
            tariff: if op.present("tariff") {
                Some(op.path_val("tariff")?)
            } else {
                None
            },
            members,
            key: key?,
            prices,
            price_paths,
            invoicing: invoicing?,
        })
    }

    /// The local date `name` of `f` as the UTC instant its day starts in Europe/Paris (or the
    /// next day's start, when `next`: the end of an inclusive last day).
    fn day_start(&mut self, f: &Fields<'_>, name: &str, next: bool) -> Option<DateTime<Utc>> {
        let t = self.instant_in(f, name, chrono_tz::Europe::Paris)?;
        if !next {
            return Some(t);
        }
        let day = t.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        let after = day.succ_opt()?.and_hms_opt(0, 0, 0)?;
        use chrono::TimeZone as _;
        chrono_tz::Europe::Paris
            .from_local_datetime(&after)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    fn invoicing(&mut self, t: &DeTable<'_>, s: Range<usize>) -> Option<InvoicingSpec> {
        let f = self.fields("invoicing", "invoicing", t, s);
        let vat = if f.str("vat")? == "franchise" {
            VatRegime::Franchise
        } else {
            VatRegime::Charged
        };
        let vat_number = f.opt_str("issuer_vat_number")?;
        if vat == VatRegime::Charged && vat_number.is_none() {
            self.at_path(
                "invoicing",
                "an issuer that charges VAT needs `issuer_vat_number`".into(),
                Some("issuer_vat_number = \"FR…\", or vat = \"franchise\"".into()),
            );
            return None;
        }
        let siret = f.str("issuer_siret")?;
        let digits = siret
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>();
        if !(digits.len() == 9 || digits.len() == 14) || !digits.chars().all(|c| c.is_ascii_digit())
        {
            self.at_path(
                &f.field_path("issuer_siret"),
                format!("{siret:?} is not a SIRET or SIREN number"),
                Some("14 digits (SIRET) or 9 digits (SIREN)".into()),
            );
            return None;
        }
        let prefix = f.str("number_prefix")?;
        if prefix.is_empty() || prefix.len() > 20 || prefix.contains([',', '"', '\n', '/']) {
            self.at_path(
                &f.field_path("number_prefix"),
                format!("{prefix:?} cannot start invoice numbers"),
                Some("1 to 20 characters without commas, quotes or slashes (\"MLF-2025-\")".into()),
            );
            return None;
        }
        Some(InvoicingSpec {
            config: InvoiceConfig {
                issuer: Party {
                    name: f.str("issuer_name")?,
                    address: f.strs("issuer_address")?,
                    siret: Some(siret),
                    vat_number,
                    legal_form: f.opt_str("issuer_legal_form")?,
                },
                number_prefix: prefix,
                payment_days: f.u32("payment_days")?,
                vat,
                late_penalty_percent: f.opt_num("late_penalty_percent")?.map(dec),
                customers: Vec::new(),
            },
            ledger: f.opt_path("ledger")?,
        })
    }

    fn curve(&mut self, path: &str, t: &DeTable<'_>, s: Range<usize>) -> Option<CurveSpec> {
        if self.simulated {
            return Some(CurveSpec {
                path: path.to_owned(),
                source: CurveSource::Stored,
                scale: 1.0,
            });
        }
        let f = self.fields("curve", path, t, s);
        let stored = f.bool("stored")?;
        let scale = f.num("scale")?;
        if stored {
            if let Some(other) = ["file", "format", "column"]
                .into_iter()
                .find(|n| f.present(n))
            {
                self.at_path(
                    &f.field_path(other),
                    "a stored curve has no file: `stored = true` takes the meter's uploaded curve"
                        .into(),
                    Some("either `stored = true` or `file = \"…\"`".into()),
                );
                return None;
            }
            return Some(CurveSpec {
                path: path.to_owned(),
                source: CurveSource::Stored,
                scale,
            });
        }
        if !f.present("file") {
            self.at_path(
                &f.field_path("file"),
                "missing required field `file`".into(),
                Some("`file = \"…\"`, or `stored = true` for the meter's uploaded curve".into()),
            );
            return None;
        }
        Some(CurveSpec {
            path: path.to_owned(),
            source: CurveSource::File {
                file: f.path_val("file")?,
                enedis: f.str("format")? == "enedis",
                column: if f.present("column") {
                    Some(f.str("column")?)
                } else {
                    None
                },
            },
            scale,
        })
    }

    fn coefficients(&mut self, f: &Fields<'_>) -> Option<Vec<(String, MemberId, f64)>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (i, (t, s)) in f.tables("coefficients").into_iter().enumerate() {
            let path = format!("key.coefficients[{i}]");
            let g = self.fields("key.coefficients", &path, t, s);
            match (g.str("member").map(MemberId::new), g.num("percent")) {
                (Some(Ok(id)), Some(pct)) => out.push((g.field_path("member"), id, pct / 100.0)),
                (Some(Err(e)), _) => {
                    self.at_path(&g.field_path("member"), e.to_string(), None);
                    ok = false;
                }
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn key(&mut self, t: &DeTable<'_>, s: Range<usize>) -> Option<KeySpec> {
        let f = self.fields("key", "key", t, s);
        let kind = f.str("type")?;
        let coefficients = self.coefficients(&f)?;
        match kind.as_str() {
            "static" if f.present("periods") => {
                if f.present("coefficients") {
                    self.at_path(
                        "key.coefficients",
                        "a static key has either coefficients or periods of coefficients".into(),
                        Some("[[key.periods]] with their [[key.periods.coefficients]]".into()),
                    );
                    return None;
                }
                let leftover = if f.str("leftover")? == "redistribute" {
                    Leftover::Redistribute
                } else {
                    Leftover::Surplus
                };
                let mut periods = Vec::new();
                let mut ok = true;
                for (i, (t, s)) in f.tables("periods").into_iter().enumerate() {
                    let path = format!("key.periods[{i}]");
                    let g = self.fields("key.periods", &path, t, s);
                    let from = self.day_start(&g, "from", false);
                    let mut coefficients = Vec::new();
                    for (j, (t, s)) in g.tables("coefficients").into_iter().enumerate() {
                        let cpath = format!("{path}.coefficients[{j}]");
                        let h = self.fields("key.coefficients", &cpath, t, s);
                        match (h.str("member").map(MemberId::new), h.num("percent")) {
                            (Some(Ok(id)), Some(pct)) => {
                                coefficients.push((h.field_path("member"), id, pct / 100.0))
                            }
                            (Some(Err(e)), _) => {
                                self.at_path(&h.field_path("member"), e.to_string(), None);
                                ok = false;
                            }
                            _ => ok = false,
                        }
                    }
                    match from {
                        Some(from) => periods.push((path, from, coefficients)),
                        None => ok = false,
                    }
                }
                if let Some(w) = periods.windows(2).find(|w| match w {
                    [a, b] => b.1 <= a.1,
                    _ => false,
                }) && let [_, b] = w
                {
                    self.at_path(
                        &format!("{}.from", b.0),
                        "periods out of order".into(),
                        Some("each period's `from` after the previous one's".into()),
                    );
                    return None;
                }
                ok.then_some(KeySpec::StaticPeriods(periods, leftover))
            }
            "static" => {
                if !f.present("coefficients") {
                    self.at_path(
                        "key",
                        "a static key needs `[[key.coefficients]]`".into(),
                        Some("[[key.coefficients]] member = \"…\", percent = …".into()),
                    );
                    return None;
                }
                let leftover = if f.str("leftover")? == "redistribute" {
                    Leftover::Redistribute
                } else {
                    Leftover::Surplus
                };
                Some(KeySpec::Static(coefficients, leftover))
            }
            "priority" => {
                let mut groups = Vec::new();
                for (i, (t, s)) in f.tables("groups").into_iter().enumerate() {
                    let path = format!("key.groups[{i}]");
                    let g = self.fields("key.groups", &path, t, s);
                    let mut ids = Vec::new();
                    for (j, m) in g
                        .strs("members")
                        .unwrap_or_default()
                        .into_iter()
                        .enumerate()
                    {
                        match MemberId::new(m) {
                            Ok(id) => ids.push(id),
                            Err(e) => {
                                self.at_path(&format!("{path}.members[{j}]"), e.to_string(), None)
                            }
                        }
                    }
                    groups.push((g.field_path("members"), ids, g.str("inside")? == "static"));
                }
                if groups.is_empty() {
                    self.at_path(
                        "key",
                        "a priority key needs `[[key.groups]]`".into(),
                        Some("[[key.groups]] members = [\"…\"]".into()),
                    );
                    return None;
                }
                Some(KeySpec::Priority(groups, coefficients))
            }
            "custom" => {
                if !f.present("file") {
                    self.at_path(
                        "key",
                        "a custom key needs `file`".into(),
                        Some("file = \"coefficients.csv\"".into()),
                    );
                    return None;
                }
                Some(KeySpec::Custom("key.file".into(), f.path_val("file")?))
            }
            _ => Some(KeySpec::Default),
        }
    }

    fn prices(
        &mut self,
        t: &DeTable<'_>,
        s: Range<usize>,
    ) -> Option<(Prices, Vec<(MemberId, String)>)> {
        let f = self.fields("prices", "prices", t, s);
        let periods = self.periods(&f);
        let mut local = Vec::new();
        let mut paths = Vec::new();
        for (i, (t, s)) in f.tables("local").into_iter().enumerate() {
            let path = format!("prices.local[{i}]");
            let g = self.fields("prices.local", &path, t, s);
            let periods = self.periods(&g);
            match (g.str("member").map(MemberId::new), g.num("eur_per_kwh")) {
                (Some(Ok(id)), Some(x)) => {
                    paths.push((id.clone(), g.field_path("member")));
                    local.push((
                        id,
                        TimeOfUse {
                            base_eur_per_kwh: dec(x),
                            periods,
                        },
                    ));
                }
                (Some(Err(e)), _) => self.at_path(&g.field_path("member"), e.to_string(), None),
                _ => {}
            }
        }
        Some((
            Prices {
                basis: if f.str("basis")? == "consumer" {
                    PriceBasis::Consumer
                } else {
                    PriceBasis::Producer
                },
                default_local: TimeOfUse {
                    base_eur_per_kwh: dec(f.num("local_eur_per_kwh")?),
                    periods,
                },
                local,
                default_supplier_eur_per_kwh: dec(f.num("supplier_eur_per_kwh")?),
                supplier: Vec::new(),
                surplus_eur_per_kwh: dec(f.num("surplus_eur_per_kwh")?),
            },
            paths,
        ))
    }
}

/// The edits `quartier share whatif` makes to a community before loading it.
#[derive(Debug, Clone, Default)]
pub struct CommunityEdit {
    /// TOML text of `[[members]]` tables to add (paths relative to the community file).
    pub join: Option<String>,
    /// A member to remove (also from the key).
    pub leave: Option<MemberId>,
    /// With `leave`: the member's last day (local date) instead of leaving before the first:
    /// it stays a member until then, keeping its coefficients.
    pub leave_last_day: Option<chrono::NaiveDate>,
}

/// Reads, checks and loads a community file and its curves.
pub fn read_community(path: &Path) -> Result<LoadedCommunity, Diagnostics> {
    read_community_with(path, &CommunityEdit::default())
}

/// Like [`read_community`], with members added or removed first.
pub fn read_community_with(
    path: &Path,
    edit: &CommunityEdit,
) -> Result<LoadedCommunity, Diagnostics> {
    read_community_progress(path, edit, None)
}

/// Like [`read_community_with`], telling `progress` as the curve files are read.
pub fn read_community_progress(
    path: &Path,
    edit: &CommunityEdit,
    progress: Option<CurveProgress<'_>>,
) -> Result<LoadedCommunity, Diagnostics> {
    let whole = |message: String| whole_file(path, message, None);
    let meta = std::fs::metadata(path)
        .map_err(|e| whole(format!("cannot read the community file: {e}")))?;
    if meta.len() > crate::MAX_FILE_BYTES {
        return Err(whole(
            "the file is too large for a community file (at most 16 MiB)".into(),
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| whole(format!("cannot read the community file: {e}")))?;
    let text = match &edit.join {
        Some(extra) => format!("{text}\n{extra}\n"),
        None => text,
    };
    parse_community_with(
        &text,
        path,
        (edit.leave.as_ref(), edit.leave_last_day),
        &CommunityOptions::default(),
        progress,
    )
}

/// Parses community text read from `path` (for messages and relative paths) and loads it.
///
/// ```
/// use std::path::Path;
/// let err = quartier_model::parse_community("[operation]\nnam = 1\n", Path::new("c.toml")).unwrap_err();
/// let all = err.to_string();
/// assert!(all.contains("c.toml:2:1: operation.nam: unknown field `nam`; did you mean `name`?"), "{all}");
/// ```
pub fn parse_community(text: &str, path: &Path) -> Result<LoadedCommunity, Diagnostics> {
    parse_community_with(text, path, (None, None), &CommunityOptions::default(), None)
}

/// Like [`parse_community`], read as `options` say (files confined to the community file's
/// folder, stored meter curves).
pub fn parse_community_in(
    text: &str,
    path: &Path,
    options: &CommunityOptions<'_>,
) -> Result<LoadedCommunity, Diagnostics> {
    parse_community_with(text, path, (None, None), options, None)
}

fn parse_community_with(
    text: &str,
    path: &Path,
    (leave, leave_last_day): (Option<&MemberId>, Option<chrono::NaiveDate>),
    options: &CommunityOptions<'_>,
    progress: Option<CurveProgress<'_>>,
) -> Result<LoadedCommunity, Diagnostics> {
    let (mut p, spec) = read_spec(
        text,
        path,
        options.confine_files,
        options.simulated.is_some(),
    );
    let Some(mut spec) = spec else {
        return Err(fail(p));
    };
    if !p.diags.is_empty() {
        return Err(fail(p));
    }
    if let (Some(id), Some(last)) = (leave, leave_last_day) {
        let until = last
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| {
                use chrono::TimeZone as _;
                chrono_tz::Europe::Paris.from_local_datetime(&d).earliest()
            })
            .map(|t| t.with_timezone(&Utc));
        match spec.members.iter_mut().find(|m| &m.id == id) {
            Some(m) => m.until = until.or(m.until),
            None => {
                p.at_path("members", format!("--leave {id}: no such member"), None);
                return Err(fail(p));
            }
        }
    } else if let Some(id) = leave {
        if !spec.members.iter().any(|m| &m.id == id) {
            p.at_path("members", format!("--leave {id}: no such member"), None);
            return Err(fail(p));
        }
        spec.members.retain(|m| &m.id != id);
        match &mut spec.key {
            KeySpec::Static(c, _) => c.retain(|(_, m, _)| m != id),
            KeySpec::Priority(g, c) => {
                c.retain(|(_, m, _)| m != id);
                g.iter_mut().for_each(|(_, ms, _)| ms.retain(|m| m != id));
            }
            KeySpec::StaticPeriods(periods, _) => {
                for (_, _, c) in periods.iter_mut() {
                    c.retain(|(_, m, _)| m != id);
                }
            }
            _ => {}
        }
        spec.prices.local.retain(|(m, _)| m != id);
    }
    let ledger_default = path
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join("invoice-ledger.csv");
    let mut dropped = Vec::new();
    let stored = match options.simulated {
        Some(sim) => {
            for m in &mut spec.members {
                m.curve.source = CurveSource::Stored;
                m.curve.scale = 1.0;
                if m.discharge.take().is_some() {
                    dropped.push(m.id.clone());
                }
            }
            Some(sim)
        }
        None => options.stored_curves,
    };
    let built = build(&mut p, spec, stored, progress).map(|mut loaded| {
        loaded.warnings.extend(dropped.iter().map(|id| {
            format!("member {id}: its discharge curve is left out of the simulated curves")
        }));
        loaded
    });
    match built {
        Some(mut loaded) if p.diags.is_empty() => {
            if let Some(inv) = &mut loaded.invoicing
                && inv.ledger.as_os_str().is_empty()
            {
                inv.ledger = ledger_default;
            }
            Ok(loaded)
        }
        _ => Err(fail(p)),
    }
}

/// The community file's text walked against its attribute table (files confined to its
/// folder when `confined`): the parser with what it found, and the spec when the text is TOML.
fn read_spec(text: &str, path: &Path, confined: bool, simulated: bool) -> (P, Option<Spec>) {
    let (doc, errors) = DeTable::parse_recoverable(text);
    let mut p = P {
        w: Walker::new(&COMMUNITY, path, text),
        simulated,
    };
    p.w.confined = confined;
    p.w.syntax_errors(&errors);
    let span = doc.span();
    let spec = if errors.is_empty() {
        p.spec(doc.get_ref(), span)
    } else {
        None
    };
    (p, spec)
}

/// Every diagnostic of a failed read, in file order (one saying so when there is none).
fn fail(mut p: P) -> Diagnostics {
    p.diags.sort_by_key(|d| d.position);
    if p.diags.is_empty() {
        p.at_path(
            "",
            "the community could not be built (internal error: no diagnostic)".into(),
            None,
        );
    }
    Diagnostics(p.w.diags)
}

/// Checks community text read from `path` without reading its curves: every field, kind,
/// bound, key and price rule of the file itself (a sweep checks each of its scenarios so
/// before any runs; the curves are read when one runs).
pub fn check_community(text: &str, path: &Path) -> Result<(), Diagnostics> {
    let (p, spec) = read_spec(text, path, false, false);
    match spec {
        Some(_) if p.diags.is_empty() => Ok(()),
        _ => Err(fail(p)),
    }
}

/// A curve file as read (or why not); stored curves are not files (`None`).
type FileRead = Option<Result<Series, ReadErrors>>;

/// Reads every member's curve files at once, on every core (each file is independent; the
/// results are reported in the members' order afterwards, so messages do not depend on
/// which thread finished first). `progress` is told each file read.
fn read_curve_files(
    members: &[MemberSpec],
    progress: Option<CurveProgress<'_>>,
) -> Vec<(FileRead, FileRead)> {
    use rayon::prelude::*;
    let total: usize = members
        .iter()
        .map(|m| {
            usize::from(m.curve.is_file())
                + m.discharge.as_ref().map_or(0, |d| usize::from(d.is_file()))
        })
        .sum();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let read = |c: &CurveSpec| -> FileRead {
        let CurveSource::File {
            file,
            enedis,
            column,
        } = &c.source
        else {
            return None;
        };
        let r = if *enedis {
            quartier_timeseries::read_enedis(file, FillPolicy::None).map(|(s, _)| s)
        } else {
            let options = CsvOptions {
                column: column.clone(),
                ..CsvOptions::default()
            };
            quartier_timeseries::read_csv(file, &options)
        };
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(f) = progress {
            f(n, total);
        }
        Some(r)
    };
    members
        .par_iter()
        .map(|m| (read(&m.curve), m.discharge.as_ref().and_then(read)))
        .collect()
}

impl CurveSpec {
    fn is_file(&self) -> bool {
        matches!(self.source, CurveSource::File { .. })
    }
}

fn read_curve(
    p: &mut P,
    member: &MemberSpec,
    c: &CurveSpec,
    stored: Option<&dyn StoredCurves>,
    file_read: FileRead,
) -> Option<Series> {
    match &c.source {
        CurveSource::File { .. } => {}
        CurveSource::Stored => {
            let got = match stored {
                Some(s) => s.stored_curve(&member.id),
                None => Err(
                    "stored curves exist only in the server (`quartier serve`); \
                             here give the member a curve file"
                        .into(),
                ),
            };
            return match got {
                Ok(s) => Some(s.scaled(c.scale)),
                Err(why) => {
                    p.at_path(
                        &format!("{}.stored", c.path),
                        format!("member {}: {why}", member.id),
                        None,
                    );
                    None
                }
            };
        }
    };
    match file_read? {
        Ok(s) => Some(s.scaled(c.scale)),
        Err(errors) => {
            for e in errors.0.iter().take(5) {
                p.at_path(
                    &format!("{}.file", c.path),
                    format!("member {}: {e}", member.id),
                    None,
                );
            }
            None
        }
    }
}

/// The start of the period after the one starting at `from`.
fn out_next(periods: &[PeriodSpec], from: &DateTime<Utc>) -> Option<DateTime<Utc>> {
    periods.iter().map(|x| x.1).filter(|t| t > from).min()
}

/// True for an INSEE commune code: five digits, or `2A`/`2B` (Corsica) and three digits.
fn is_insee_code(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() == 5
        && (b[..2].iter().all(u8::is_ascii_digit) || matches!(&b[..2], b"2A" | b"2B"))
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// Reports a member named twice in `[[key.coefficients]]`, at the second occurrence (the
/// engine would otherwise refuse the key without saying where).
fn twice_in_coefficients(p: &mut P, c: &[(String, MemberId, f64)]) {
    for (k, (path, id, _)) in c.iter().enumerate() {
        if let Some(first) = c[..k].iter().position(|x| &x.1 == id) {
            p.at_path(
                path,
                format!("member {id} already has a coefficient in key.coefficients[{first}]"),
                Some("one coefficient per member".into()),
            );
        }
    }
}

fn build(
    p: &mut P,
    spec: Spec,
    stored: Option<&dyn StoredCurves>,
    progress: Option<CurveProgress<'_>>,
) -> Option<LoadedCommunity> {
    // Curves, then the common step and range.
    let mut curves: Vec<(usize, bool, Series)> = Vec::new();
    let files = read_curve_files(&spec.members, progress);
    for ((i, m), (curve_read, discharge_read)) in spec.members.iter().enumerate().zip(files) {
        if let Some(s) = read_curve(p, m, &m.curve, stored, curve_read) {
            curves.push((i, false, s));
        }
        if let Some(d) = &m.discharge {
            if matches!(d.source, CurveSource::Stored) {
                p.at_path(
                    &format!("{}.stored", d.path),
                    format!(
                        "member {}: a meter has one stored curve, its charge; the discharge curve needs a file",
                        m.id
                    ),
                    Some("discharge_curve = { file = \"…\" }".into()),
                );
            } else if let Some(s) = read_curve(p, m, d, stored, discharge_read) {
                curves.push((i, true, s));
            }
        }
    }
    if !p.diags.is_empty() || curves.is_empty() {
        if curves.is_empty() && p.diags.is_empty() {
            p.at_path(
                "members",
                "no member".into(),
                Some("at least one [[members]] with a curve".into()),
            );
        }
        return None;
    }
    let step_min = curves
        .iter()
        .map(|(_, _, s)| s.axis().step().minutes())
        .max()?;
    let step = Step::from_minutes(step_min).ok()?;
    let mut warnings = Vec::new();
    for (i, d, s) in curves.iter_mut() {
        let m = spec.members.get(*i)?;
        let cpath = if *d {
            m.discharge.as_ref()?.path.clone()
        } else {
            m.curve.path.clone()
        };
        if s.axis().step() != step {
            let from = s.axis().step().minutes();
            match s.resample(step) {
                Ok(r) if step_min % from == 0 => {
                    warnings.push(format!(
                        "member {}: curve summed from {from} to {step_min} min steps",
                        m.id
                    ));
                    *s = r;
                }
                _ => {
                    p.at_path(&format!("{cpath}.file"), format!("member {}: its {from}-minute step does not divide the community's {step_min}-minute step", m.id), Some("curves whose steps divide each other (15, 30, 60 min)".into()));
                }
            }
        }
        if s.quantity() != Quantity::EnergyKwh {
            p.at_path(
                &format!("{cpath}.file"),
                format!("member {}: the curve is not energy per interval", m.id),
                Some("kWh per interval".into()),
            );
        }
    }
    if !p.diags.is_empty() {
        return None;
    }
    // The settled period: the operation's first and last days, or from the earliest curve to
    // the latest. Every member's curve must cover its membership within it: a missing span is
    // an error, unless the member says how to treat it (`missing`).
    let start = spec
        .first_day
        .or_else(|| curves.iter().map(|(_, _, s)| s.axis().start()).min())?;
    let end = spec
        .end_day
        .or_else(|| curves.iter().map(|(_, _, s)| s.axis().end()).max())?;
    let step_minutes = i64::from(step_min);
    let len = if end > start {
        usize::try_from((end - start).num_minutes() / step_minutes).ok()?
    } else {
        0
    };
    if len == 0 {
        p.at_path(
            "operation",
            format!("the settled period is empty (from {start} to {end})"),
            Some("operation.first_day before operation.last_day, within the curves".into()),
        );
        return None;
    }
    let axis = Axis::new(start, step, len).ok()?;
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&chrono_tz::Europe::Paris)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let mut builder = CommunityBuilder::new(axis);
    let mut storage: BTreeMap<usize, (Option<Series>, Option<Series>)> = BTreeMap::new();
    let mut members = Vec::new();
    let mut excluded: BTreeMap<usize, Spans> = BTreeMap::new();
    let mut gaps = Vec::new();
    // Each curve is taken (not copied) so that it is dropped once placed: the curves are in
    // memory once, then once more in the community's matrices, never three times.
    for (i, d, s) in curves {
        let m = spec.members.get(i)?;
        let cpath = if d {
            m.discharge.as_ref()?.path.clone()
        } else {
            m.curve.path.clone()
        };
        // What the member must cover: its membership within the settled period.
        let need_from = m.from.map_or(axis.start(), |f| f.max(axis.start()));
        let need_until = m.until.map_or(axis.end(), |u| u.min(axis.end()));
        let mut missing = Vec::new();
        if need_from < need_until {
            let (have_from, have_until) = (s.axis().start(), s.axis().end());
            if have_from >= need_until || have_until <= need_from {
                missing.push((need_from, need_until));
            } else {
                if have_from > need_from {
                    missing.push((need_from, have_from));
                }
                if have_until < need_until {
                    missing.push((have_until, need_until));
                }
            }
        }
        for &(a, b) in &missing {
            let span = format!("{} to {} (Europe/Paris)", local(a), local(b));
            match m.missing {
                Missing::Error => {
                    let field = match m.curve.source {
                        CurveSource::Stored if !d => "stored",
                        _ => "file",
                    };
                    p.at_path(
                        &format!("{cpath}.{field}"),
                        format!(
                            "member {}: no data from {span}, while it belongs to the operation",
                            m.id
                        ),
                        Some(format!(
                            "a curve covering its membership, or `missing = \"exclude\"` or \"zero\" for {}, or operation.first_day / last_day",
                            m.path
                        )),
                    );
                }
                Missing::Exclude => {
                    excluded.entry(i).or_default().push((a, b));
                    gaps.push(DataGap {
                        member: m.id.clone(),
                        from: a,
                        until: b,
                        excluded: true,
                    });
                }
                Missing::Zero => gaps.push(DataGap {
                    member: m.id.clone(),
                    from: a,
                    until: b,
                    excluded: false,
                }),
            }
        }
        // The curve on the settled axis: its values where it has them, zero elsewhere (the
        // curve itself when it already is on that axis).
        let c = if *s.axis() == axis {
            s
        } else {
            let mut values = vec![0.0; axis.len()];
            let offset_steps = (s.axis().start() - axis.start()).num_minutes() / step_minutes;
            for (k, v) in s.values().iter().enumerate() {
                let t = offset_steps + k as i64;
                if let Some(slot) = usize::try_from(t).ok().and_then(|t| values.get_mut(t)) {
                    *slot = *v;
                }
            }
            Series::new(axis, s.quantity(), values).ok()?
        };
        if m.role == Role::Storage {
            let e = storage.entry(i).or_default();
            if d { e.1 = Some(c) } else { e.0 = Some(c) }
        } else {
            builder = builder.curve(&m.id, c);
        }
    }
    if !p.diags.is_empty() {
        return None;
    }
    for (k, m) in spec.members.iter().enumerate() {
        builder = builder.member(Member {
            category: m.category,
            commune: m.commune.clone(),
            membership: Membership {
                from: m.from,
                until: m.until,
                excluded: excluded.remove(&k).unwrap_or_default(),
            },
            ..Member::new(m.id.clone(), m.role)
                .at(m.lat, m.lon)
                .with_pv_kw(m.kwp)
        });
        members.push((m.id.clone(), m.name.clone(), m.role));
    }
    warnings.extend(gaps.iter().map(|g| {
        format!(
            "member {}: no data from {} to {} (Europe/Paris): {}",
            g.member,
            local(g.from),
            local(g.until),
            if g.excluded {
                "excluded from the operation for that span"
            } else {
                "counted as zero"
            }
        )
    }));
    for (i, (c, d)) in storage {
        let m = spec.members.get(i)?;
        if let (Some(c), Some(d)) = (c, d) {
            builder = builder.storage_curves(&m.id, c, d);
        }
    }
    let community = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            let path = spec
                .members
                .iter()
                .find(|m| e.to_string().contains(m.id.as_str()))
                .map_or("members".to_owned(), |m| format!("{}.curve", m.path));
            p.at_path(&path, e.to_string(), None);
            return None;
        }
    };
    // Key.
    let key = match &spec.key {
        KeySpec::Default => Key::Default,
        KeySpec::Static(c, leftover) => {
            twice_in_coefficients(p, c);
            for (path, id, _) in c {
                if !community.consumers().contains(id) {
                    p.at_path(
                        path,
                        format!("unknown consumer {id}"),
                        Some("the id of a consumer or storage member".into()),
                    );
                }
            }
            let sum: f64 = c.iter().map(|x| x.2).sum();
            if sum > 1.0 + 1e-9 {
                p.at_path(
                    "key.coefficients",
                    format!("coefficients sum to {:.3} %", sum * 100.0),
                    Some("at most 100 %".into()),
                );
            }
            Key::Static {
                coefficients: c.iter().map(|(_, id, v)| (id.clone(), *v)).collect(),
                leftover: *leftover,
            }
        }
        KeySpec::StaticPeriods(periods, leftover) => {
            let mut out = Vec::new();
            for (path, from, c) in periods {
                twice_in_coefficients(p, c);
                for (cpath, id, _) in c {
                    if !community.consumers().contains(id) {
                        p.at_path(
                            cpath,
                            format!("unknown consumer {id}"),
                            Some("the id of a consumer or storage member".into()),
                        );
                    }
                }
                let sum: f64 = c.iter().map(|x| x.2).sum();
                if sum > 1.0 + 1e-9 {
                    p.at_path(
                        &format!("{path}.coefficients"),
                        format!("coefficients sum to {:.3} %", sum * 100.0),
                        Some("at most 100 %".into()),
                    );
                }
                // Every consumer present in the period needs a coefficient.
                let until = out_next(periods, from).unwrap_or(community.axis().end());
                let missing: Vec<&str> = community
                    .consumers()
                    .iter()
                    .enumerate()
                    .filter(|(i, id)| {
                        !c.iter().any(|x| &x.1 == *id)
                            && (0..community.axis().len()).any(|t| {
                                let at = community.axis().time(t);
                                at >= *from && at < until && community.consumer_present(*i, t)
                            })
                    })
                    .map(|(_, id)| id.as_str())
                    .collect();
                if !missing.is_empty() {
                    p.at_path(
                        &format!("{path}.coefficients"),
                        format!(
                            "members present in the period from {} without a coefficient: {}",
                            from.with_timezone(&chrono_tz::Europe::Paris).date_naive(),
                            missing.join(", ")
                        ),
                        Some("a coefficient for every consumer present in the period".into()),
                    );
                }
                out.push(quartier_share::KeyPeriod {
                    from: *from,
                    key: Key::Static {
                        coefficients: c.iter().map(|(_, id, v)| (id.clone(), *v)).collect(),
                        leftover: *leftover,
                    },
                });
            }
            if let Some((path, from, _)) = periods.first()
                && *from > community.axis().start()
            {
                p.at_path(
                    &format!("{path}.from"),
                    format!(
                        "the first period starts on {}, after the operation's first day {}",
                        from.with_timezone(&chrono_tz::Europe::Paris).date_naive(),
                        community
                            .axis()
                            .start()
                            .with_timezone(&chrono_tz::Europe::Paris)
                            .date_naive()
                    ),
                    Some("a first period from the operation's first day or earlier".into()),
                );
            }
            Key::Periods(out)
        }
        KeySpec::Priority(groups, c) => {
            twice_in_coefficients(p, c);
            // A member is served by one group: the first that names it.
            let mut first_group: Vec<(&MemberId, usize)> = Vec::new();
            for (g, (path, ids, _)) in groups.iter().enumerate() {
                for id in ids {
                    match first_group.iter().find(|(x, _)| *x == id) {
                        Some((_, first)) if *first == g => p.at_path(
                            path,
                            format!("member {id} appears twice in this group"),
                            Some("each member once".into()),
                        ),
                        Some((_, first)) => p.at_path(
                            path,
                            format!("member {id} is already in key.groups[{first}]"),
                            Some("each member in one group only".into()),
                        ),
                        None => first_group.push((id, g)),
                    }
                }
            }
            let mut out = Vec::new();
            for (path, ids, is_static) in groups {
                for id in ids {
                    if !community.consumers().contains(id) {
                        p.at_path(
                            path,
                            format!("unknown consumer {id}"),
                            Some("ids of consumer or storage members".into()),
                        );
                    }
                }
                let inside = if *is_static {
                    Inside::Static(
                        ids.iter()
                            .map(|id| c.iter().find(|x| &x.1 == id).map_or(0.0, |x| x.2))
                            .collect(),
                    )
                } else {
                    Inside::Prorata
                };
                out.push(Group {
                    members: ids.clone(),
                    inside,
                });
            }
            Key::Priority { groups: out }
        }
        KeySpec::Custom(path, file) => custom_key(p, path, file, &community)?,
    };
    // Prices.
    let mut prices = spec.prices.clone();
    prices.supplier = spec
        .members
        .iter()
        .filter_map(|m| m.supplier.map(|s| (m.id.clone(), dec(s))))
        .collect();
    let side = match prices.basis {
        PriceBasis::Producer => community.producers(),
        PriceBasis::Consumer => community.consumers(),
    };
    for (id, path) in &spec.price_paths {
        if !side.contains(id) {
            let what = if prices.basis == PriceBasis::Producer {
                "producer"
            } else {
                "consumer"
            };
            p.at_path(
                path,
                format!("unknown {what} {id}"),
                Some(format!("the id of a {what} (prices.basis)")),
            );
        }
    }
    let tariffs = match &spec.tariff {
        None => match default_tariffs() {
            Ok(t) => t,
            Err(e) => {
                p.at_path(
                    "operation.tariff",
                    format!("the embedded tariff table is invalid: {e}"),
                    None,
                );
                return None;
            }
        },
        Some(f) => match std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|t| parse_tariffs(&t, f).map_err(|d| d.to_string()))
        {
            Ok(t) => t,
            Err(e) => {
                p.at_path("operation.tariff", e, None);
                return None;
            }
        },
    };
    if !p.diags.is_empty() {
        return None;
    }
    let invoicing = spec.invoicing.map(|inv| {
        let mut config = inv.config;
        config.customers = spec
            .members
            .iter()
            .filter(|m| !m.address.is_empty() || m.siret.is_some())
            .map(|m| {
                (
                    m.id.clone(),
                    Party {
                        name: m.name.clone(),
                        address: m.address.clone(),
                        siret: m.siret.clone(),
                        ..Party::default()
                    },
                )
            })
            .collect();
        Invoicing {
            config,
            ledger: inv.ledger.unwrap_or_default(),
        }
    });
    Some(LoadedCommunity {
        name: spec.name,
        community,
        key,
        billing: BillingConfig {
            tariffs,
            prices,
            turpe: spec.turpe,
            excise_exemption: spec.exemption,
            local_energy_vat: invoicing
                .as_ref()
                .map_or(VatRegime::Charged, |i| i.config.vat),
            data_gaps: gaps,
            official_months: Vec::new(),
        },
        members,
        perimeter: PerimeterRules {
            derogation: spec.derogation,
            max_pv_kw: spec.pv_cap_kw,
            epci_communes: spec.epci_communes,
        },
        invoicing,
        warnings,
    })
}

fn custom_key(p: &mut P, path: &str, file: &Path, community: &Community) -> Option<Key> {
    let axis = *community.axis();
    let err = |p: &mut P, line: usize, msg: String| {
        p.at_path(path, format!("{}:{line}: {msg}", file.display()), None);
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            err(p, 0, format!("cannot read: {e}"));
            return None;
        }
    };
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        err(p, 1, "empty file".into());
        return None;
    };
    let mut consumers = Vec::new();
    for name in header.split(',').skip(1) {
        match MemberId::new(name.trim()) {
            Ok(id) if community.consumers().contains(&id) => consumers.push(id),
            _ => {
                err(
                    p,
                    1,
                    format!(
                        "column \"{}\" is not a consumer of the community",
                        name.trim()
                    ),
                );
                return None;
            }
        }
    }
    let nc = consumers.len();
    let mut coefficients = vec![0.0; axis.len() * nc];
    let mut rows = 0;
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let mut cells = line.split(',');
        let ts = cells.next().unwrap_or("").trim();
        let Ok(time) = DateTime::parse_from_rfc3339(ts).map(|t| t.with_timezone(&Utc)) else {
            err(
                p,
                n + 1,
                format!("bad timestamp \"{ts}\" (expected RFC 3339, e.g. 2025-06-01T10:00:00Z)"),
            );
            return None;
        };
        let Some(t) = axis.index_of(time) else {
            err(
                p,
                n + 1,
                format!(
                    "step {time} is not on the community's axis ({}..{} every {} min)",
                    axis.start(),
                    axis.end(),
                    axis.step().minutes()
                ),
            );
            return None;
        };
        for (j, cell) in cells.enumerate() {
            let Ok(v) = cell.trim().parse::<f64>() else {
                err(
                    p,
                    n + 1,
                    format!("bad value \"{}\" at step {time}", cell.trim()),
                );
                return None;
            };
            if let Some(slot) = coefficients.get_mut(t * nc + j) {
                *slot = v / 100.0;
            }
        }
        let sum: f64 = coefficients
            .get(t * nc..(t + 1) * nc)
            .map_or(0.0, |r| r.iter().sum());
        if sum > 1.0 + 1e-9 {
            err(
                p,
                n + 1,
                format!(
                    "coefficients sum to {:.3} % at step {time}, above 100 %",
                    sum * 100.0
                ),
            );
            return None;
        }
        rows += 1;
    }
    if rows != axis.len() {
        err(
            p,
            0,
            format!(
                "{rows} steps, expected {} (one per step of the community's axis)",
                axis.len()
            ),
        );
        return None;
    }
    Some(Key::Custom(CustomKey::PerConsumer {
        axis,
        consumers,
        coefficients,
    }))
}

/// The embedded default tariff history (every grid from 1 November 2024 on).
pub fn default_tariffs() -> Result<TariffHistory, Diagnostics> {
    parse_tariffs(quartier_billing::TARIFFS_TOML, Path::new("tariffs.toml"))
}

/// Parses a tariff file: `[[grid]]` tables (the layout of `crates/billing/data/tariffs.toml`),
/// or one grid at the top level (the layout before grids were kept by date).
pub fn parse_tariffs(text: &str, path: &Path) -> Result<TariffHistory, Diagnostics> {
    let d = |path_: &str, message: String| Diagnostic {
        file: path.to_path_buf(),
        position: None,
        path: path_.into(),
        message,
        expected: None,
    };
    let doc: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => return Err(Diagnostics(vec![d("toml", format!("TOML syntax: {e}"))])),
    };
    let mut diags = Vec::new();
    let mut grids = Vec::new();
    match doc.get("grid") {
        Some(toml::Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item.as_table() {
                    Some(t) => {
                        if let Some(g) =
                            parse_grid(t, &format!("grid[{i}]."), &mut |f, m| diags.push(d(f, m)))
                        {
                            grids.push(g);
                        }
                    }
                    None => diags.push(d(&format!("grid[{i}]"), "not a table".into())),
                }
            }
        }
        Some(_) => diags.push(d("grid", "expected [[grid]] tables".into())),
        None => {
            if let Some(g) = parse_grid(&doc, "", &mut |f, m| diags.push(d(f, m))) {
                grids.push(g);
            }
        }
    }
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    TariffHistory::new(grids).map_err(|e| Diagnostics(vec![d("grid", e.to_string())]))
}

/// One grid of a tariff file; problems go to `bad(field, message)` with `prefix` before the
/// field's path.
fn parse_grid(
    doc: &toml::Table,
    prefix: &str,
    bad: &mut dyn FnMut(&str, String),
) -> Option<TariffTable> {
    let mut ok = true;
    let section = |name: &str| doc.get(name).and_then(toml::Value::as_table);
    let mut cited = |sec: &str, key: &str| -> Cited {
        let v = section(sec)
            .and_then(|s| s.get(key))
            .and_then(toml::Value::as_table);
        let value = v
            .and_then(|t| t.get("value"))
            .and_then(|x| x.as_float().or_else(|| x.as_integer().map(|i| i as f64)));
        let source = v
            .and_then(|t| t.get("source"))
            .and_then(toml::Value::as_str);
        match (value, source) {
            (Some(value), Some(source)) if value.is_finite() && value >= 0.0 => Cited {
                value: quartier_billing::money::from_file_number(value),
                source: source.to_owned(),
                verified: v
                    .and_then(|t| t.get("verified"))
                    .and_then(toml::Value::as_bool)
                    .unwrap_or(false),
            },
            _ => {
                ok = false;
                bad(
                    &format!("{prefix}{sec}.{key}"),
                    "missing or invalid (expected { value = a non-negative number, source = \"…\", verified = true|false })".into(),
                );
                Cited::new(0.0, "")
            }
        }
    };
    let mut rates = |sec: &str, pre: &str| PeriodRates {
        hph: cited(sec, &format!("{pre}hph_eur_per_kwh")),
        hch: cited(sec, &format!("{pre}hch_eur_per_kwh")),
        hpb: cited(sec, &format!("{pre}hpb_eur_per_kwh")),
        hcb: cited(sec, &format!("{pre}hcb_eur_per_kwh")),
    };
    let standard_energy = rates("standard", "");
    let acc_self_consumed = rates("acc", "self_");
    let acc_complement = rates("acc", "complement_");
    let standard_management_eur_per_year = cited("standard", "management_eur_per_year");
    let metering_eur_per_year = cited("standard", "metering_eur_per_year");
    let acc_management_eur_per_year = cited("acc", "management_eur_per_year");
    let excise_eur_per_kwh = cited("excise", "eur_per_kwh");
    let excise_exemption_max_kw = cited("excise", "exemption_max_kw");
    let cta_percent = cited("cta", "percent");
    let vat_energy_percent = cited("vat", "energy_percent");
    let vat_fixed_percent = cited("vat", "fixed_percent");
    let periods = section("periods");
    let hour = |k: &str| {
        periods
            .and_then(|p| p.get(k))
            .and_then(toml::Value::as_integer)
            .and_then(|h| u32::try_from(h).ok())
    };
    let months: Option<Vec<u32>> = periods
        .and_then(|p| p.get("high_season_months"))
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.as_integer().and_then(|m| u32::try_from(m).ok()))
                .collect()
        });
    let date = |k: &str| {
        doc.get(k)
            .and_then(toml::Value::as_datetime)
            .and_then(|d| d.date)
            .and_then(|d| {
                chrono::NaiveDate::from_ymd_opt(
                    i32::from(d.year),
                    u32::from(d.month),
                    u32::from(d.day),
                )
            })
    };
    let name = doc.get("name").and_then(toml::Value::as_str);
    let from = date("effective_from");
    let next_change = date("next_change");
    if doc.contains_key("next_change") && next_change.is_none() {
        ok = false;
        bad(
            &format!("{prefix}next_change"),
            "expected a date (2026-08-01)".into(),
        );
    }
    let (Some(name), Some(from), Some(s), Some(e), Some(months)) = (
        name,
        from,
        hour("offpeak_start_hour"),
        hour("offpeak_end_hour"),
        months,
    ) else {
        bad(prefix.trim_end_matches('.'), "missing name, effective_from or [periods] (offpeak_start_hour, offpeak_end_hour, high_season_months)".into());
        return None;
    };
    if !ok {
        return None;
    }
    let name_fr = doc
        .get("name_fr")
        .and_then(toml::Value::as_str)
        .unwrap_or(name);
    let table = TariffTable {
        name: name.to_owned(),
        name_fr: name_fr.to_owned(),
        effective_from: from,
        next_change,
        offpeak_start_hour: s,
        offpeak_end_hour: e,
        high_season_months: months,
        standard_management_eur_per_year,
        metering_eur_per_year,
        standard_energy,
        acc_management_eur_per_year,
        acc_self_consumed,
        acc_complement,
        excise_eur_per_kwh,
        excise_exemption_max_kw,
        cta_percent,
        vat_energy_percent,
        vat_fixed_percent,
    };
    if let Err(e) = table.validate() {
        bad(prefix.trim_end_matches('.'), e.to_string());
        return None;
    }
    Some(table)
}
