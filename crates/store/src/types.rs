//! The rows the store reads and writes: plain data, no behaviour beyond parsing the few
//! enumerations stored as text.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

/// What a user may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The programme team: reads everything, manages everything.
    Programme,
    /// The organiser of one district or community: manages it.
    Organiser,
    /// A participant: reads only their own curves.
    Participant,
    /// A laureate: runs one experiment (`User::experiment`), reads it and reports its
    /// indicators each month.
    Laureate,
    /// An applicant: answers the open calls for applications.
    Applicant,
    /// A reviewer: scores the applications assigned to them.
    Reviewer,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Programme => "programme",
            Role::Organiser => "organiser",
            Role::Participant => "participant",
            Role::Laureate => "laureate",
            Role::Applicant => "applicant",
            Role::Reviewer => "reviewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "programme" => Ok(Role::Programme),
            "organiser" => Ok(Role::Organiser),
            "participant" => Ok(Role::Participant),
            "laureate" => Ok(Role::Laureate),
            "applicant" => Ok(Role::Applicant),
            "reviewer" => Ok(Role::Reviewer),
            other => Err(format!(
                "unknown role `{other}` (expected programme, organiser, participant, laureate, applicant or reviewer)"
            )),
        }
    }
}

/// A user to create. The password hash is made by the caller (argon2 PHC string).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name, unique.
    pub username: String,
    /// PHC string of the password hash.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// The district an organiser or participant belongs to.
    pub district_id: Option<i64>,
    /// A participant's delivery point (PRM).
    pub prm: Option<String>,
    /// A laureate's experiment (its slug).
    pub experiment: Option<String>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// A stored user.
#[derive(Debug, Clone)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// PHC string of the password hash.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// The district an organiser or participant belongs to.
    pub district_id: Option<i64>,
    /// A participant's delivery point (PRM).
    pub prm: Option<String>,
    /// A laureate's experiment (its slug).
    pub experiment: Option<String>,
}

/// A session to record.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The secret the client holds in its cookie.
    pub token: String,
    /// Whose session.
    pub user_id: i64,
    /// The CSRF token of the session's HTML forms.
    pub csrf_token: String,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Expiry instant.
    pub expires_at: DateTime<Utc>,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The CSRF token of the session's HTML forms.
    pub csrf_token: String,
    /// Expiry instant.
    pub expires_at: DateTime<Utc>,
}

/// A district to create, with the participants its file declares.
#[derive(Debug, Clone)]
pub struct NewDistrict {
    /// Display name.
    pub name: String,
    /// The district file as uploaded.
    pub source_toml: String,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Participants: (PRM, name, role).
    pub participants: Vec<(String, String, String)>,
    /// When set, a meter of `participants` that another district already holds is shared with
    /// this one from this instant (the programme team's decision); when `None`, such a meter is
    /// refused with [`crate::StoreError::MeterTaken`].
    pub shared_at: Option<DateTime<Utc>>,
}

/// A stored district.
#[derive(Debug, Clone)]
pub struct DistrictRow {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// The district file.
    pub source_toml: String,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// A participant of a district.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantRow {
    /// The district.
    pub district_id: i64,
    /// Delivery point (PRM).
    pub prm: String,
    /// Display name.
    pub name: String,
    /// Role in the community (`producer`, `consumer`, `prosumer`).
    pub role: String,
    /// When the programme team shared this meter, already held by another district, with this
    /// one; `None` for a meter the district holds alone (or registered first).
    pub shared_at: Option<DateTime<Utc>>,
}

/// One point of a meter curve: energy in kWh over the interval starting at `instant`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Interval start, UTC.
    pub instant: DateTime<Utc>,
    /// Energy over the interval, kWh.
    pub kwh: f64,
}

/// A first and a last instant, UTC.
pub type TimeRange = (DateTime<Utc>, DateTime<Utc>);

/// What an upload changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpsertSummary {
    /// Points written (new, or with a new value).
    pub written: usize,
    /// Points already stored with the same value.
    pub unchanged: usize,
}

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What it does (`simulation`, …).
    pub kind: String,
    /// The district it works on.
    pub district_id: Option<i64>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Who asked for it (`None`: the server itself, e.g. at first start).
    pub user_id: Option<i64>,
    /// Its options as canonical JSON (`{}` when it has none).
    pub options_json: String,
}

/// Jobs queued or running, counted for admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActiveJobs {
    /// Of the user who asks.
    pub user: usize,
    /// On the district.
    pub district: usize,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting to start.
    Queued,
    /// Working.
    Running,
    /// Done, with a result.
    Succeeded,
    /// Done, with an error.
    Failed,
    /// Stopped by a user.
    Cancelled,
}

impl JobStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// True once the job will not change any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

impl FromStr for JobStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<JobStatus, String> {
        Ok(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "succeeded" => JobStatus::Succeeded,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            other => return Err(format!("unknown job status `{other}`")),
        })
    }
}

/// A stored job.
#[derive(Debug, Clone)]
pub struct JobRow {
    /// Id.
    pub id: i64,
    /// What it does.
    pub kind: String,
    /// The district it works on.
    pub district_id: Option<i64>,
    /// Where it stands.
    pub status: JobStatus,
    /// Progress, 0–100 %.
    pub progress: u8,
    /// Result (JSON text) when succeeded.
    pub result_json: Option<String>,
    /// Error message when failed.
    pub error: Option<String>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// The run it produced, if any.
    pub run_id: Option<i64>,
    /// Who asked for it.
    pub user_id: Option<i64>,
    /// Its options as canonical JSON.
    pub options_json: String,
}

/// How a job ended.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    /// Succeeded: the result JSON and, for simulations, the run to store with it.
    Succeeded {
        /// Result (JSON text).
        result_json: String,
        /// The run (KPIs and time series) to store in the same transaction.
        run: Option<NewRun>,
        /// Finish instant.
        finished_at: DateTime<Utc>,
    },
    /// Failed with a message safe to show.
    Failed {
        /// What went wrong.
        error: String,
        /// Finish instant.
        finished_at: DateTime<Utc>,
    },
}

/// A simulation run to store.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The district simulated.
    pub district_id: i64,
    /// `kpis.json` text.
    pub kpis_json: String,
    /// `timeseries.csv` text.
    pub timeseries_csv: String,
}

/// A stored run.
#[derive(Debug, Clone)]
pub struct RunRow {
    /// Id.
    pub id: i64,
    /// The job that produced it.
    pub job_id: i64,
    /// The district simulated.
    pub district_id: i64,
    /// `kpis.json` text.
    pub kpis_json: String,
    /// `timeseries.csv` text.
    pub timeseries_csv: String,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// An infrastructure asset to register (PV array, inverter, battery, electrolyser, charge
/// point…). The store keeps the kind as text: its vocabulary belongs to the asset crate.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAsset {
    /// The district-model component it is linked to, if any.
    pub component: Option<String>,
    /// What it is (`pv`, `inverter`, `battery`…).
    pub kind: String,
    /// Display name, unique within the district.
    pub name: String,
    /// Where it is (address, building, roof).
    pub location: Option<String>,
    /// Latitude, degrees north.
    pub latitude_deg: Option<f64>,
    /// Longitude, degrees east.
    pub longitude_deg: Option<f64>,
    /// Date of commissioning.
    pub commissioned_on: NaiveDate,
    /// Expected lifetime, years (at least 1).
    pub lifetime_years: u32,
    /// Investment, EUR.
    pub capex_eur: f64,
    /// Operation and maintenance, EUR per year.
    pub annual_om_eur: f64,
    /// Condition rating, 1 (very poor) to 5 (as new).
    pub condition: u8,
    /// Year of the next replacement when decided (overrides the computed one).
    pub replacement_year: Option<i32>,
    /// Free notes.
    pub notes: String,
}

/// A stored asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetRow {
    /// Id.
    pub id: i64,
    /// The district it belongs to.
    pub district_id: i64,
    /// Its fields.
    pub asset: NewAsset,
}

/// A maintenance intervention to log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMaintenance {
    /// When it was done.
    pub performed_on: NaiveDate,
    /// What it was (`inspection`, `repair`, `replacement`…; text owned by the asset crate).
    pub kind: String,
    /// What it cost, EUR.
    pub cost_eur: f64,
    /// Free note.
    pub note: String,
    /// When it was logged.
    pub created_at: DateTime<Utc>,
}

/// A logged maintenance intervention.
#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceRow {
    /// Id.
    pub id: i64,
    /// The asset.
    pub asset_id: i64,
    /// Its fields.
    pub entry: NewMaintenance,
}

/// One change of data made by a person, to record.
#[derive(Debug, Clone)]
pub struct NewAudit {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (their id).
    pub user_id: i64,
    /// Who (their name, kept after the user is deleted).
    pub username: String,
    /// What: the request's method and path (`DELETE /api/v1/users/ana`).
    pub action: String,
    /// The answer's status code.
    pub status: u16,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// Id (entries are numbered in order).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (their id; the user may have been deleted since).
    pub user_id: Option<i64>,
    /// Who (their name at the time).
    pub username: String,
    /// What.
    pub action: String,
    /// The answer's status code.
    pub status: u16,
}

/// What an erasure removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Erased {
    /// Participant rows.
    pub participants: usize,
    /// Logins.
    pub users: usize,
    /// Meter-curve points.
    pub curve_points: usize,
    /// The identifiers that are gone (the PRMs no district holds any more, the usernames
    /// deleted), replaced by [`ERASED`] in the audit log: the entry recording the erasure
    /// itself must hide them too ([`forget_segments`]).
    pub forgotten: Vec<String>,
}

/// What the audit log shows in place of an erased meter or login.
pub const ERASED: &str = "(erased)";

/// The path segments after which the server's routes put a PRM or a username.
const IDENTIFIER_AFTER: [&str; 4] = ["users", "logins", "participants", "people"];

/// `action` (`METHOD /path/segments`) with every identifier segment (one after `users`,
/// `logins`, `participants` or `people`) equal to one of `words`, as written or with `@`
/// percent-encoded, replaced by [`ERASED`]. Only those segments: a username such as `api`
/// never blanks the `/api/` of a path.
pub fn forget_segments(action: &str, words: &[String]) -> String {
    let (method, path) = action.split_once(' ').unwrap_or(("", action));
    let segments: Vec<&str> = path.split('/').collect();
    let path = segments
        .iter()
        .enumerate()
        .map(|(i, seg)| {
            let decoded = seg.replace("%40", "@");
            let identifier = i > 0 && IDENTIFIER_AFTER.contains(&segments[i - 1]);
            if identifier && words.iter().any(|w| w == seg || *w == decoded) {
                ERASED
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    if method.is_empty() {
        path
    } else {
        format!("{method} {path}")
    }
}

/// One version of a district's community file.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityVersionRow {
    /// Its number within the district: 1, 2, …
    pub version: i64,
    /// The file's text.
    pub source_toml: String,
    /// When it was attached.
    pub attached_at: DateTime<Utc>,
    /// Who attached it (their username at the time; empty for the server's first start).
    pub attached_by: String,
}

/// The grid operator's data as uploaded for a district's community.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOfficialData {
    /// The district.
    pub district_id: i64,
    /// The local months (`YYYY-MM`) whose self-consumed energy it gives.
    pub months: Vec<String>,
    /// The uploaded file's name.
    pub file_name: String,
    /// The uploaded bytes, base64.
    pub content_base64: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
    /// Who (username at the time).
    pub uploaded_by: String,
}

/// One upload of the grid operator's data (its content read apart, [`crate::Store::official_content`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialDataRow {
    /// Id.
    pub id: i64,
    /// The local months (`YYYY-MM`) it covers.
    pub months: Vec<String>,
    /// The uploaded file's name.
    pub file_name: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
    /// Who.
    pub uploaded_by: String,
}

/// An invoice as issued (the numbers are decimal text, kept exactly as printed).
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceRow {
    /// Its full number.
    pub number: String,
    /// The prefix of its number.
    pub prefix: String,
    /// Its sequence within the prefix.
    pub sequence: i64,
    /// The customer's delivery point (PRM, the member id).
    pub prm: String,
    /// The month invoiced, `YYYY-MM`.
    pub month: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Total excluding VAT, EUR (decimal text).
    pub total_excl_vat_eur: String,
    /// Total including VAT, EUR (decimal text).
    pub total_incl_vat_eur: String,
    /// The version of the community file it was computed with.
    pub community_version: i64,
    /// True when it was computed on the grid operator's official data.
    pub official: bool,
    /// When it was stored.
    pub issued_at: DateTime<Utc>,
    /// Who issued it (username at the time).
    pub issued_by: String,
}

/// An invoice to store, with its printable documents.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInvoice {
    /// What the list shows.
    pub row: InvoiceRow,
    /// The printable document in French (the caller's own serialisation).
    pub document_fr: String,
    /// The printable document in English.
    pub document_en: String,
}

/// One value of a laureate's monthly report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportValue {
    /// The indicator's name, as the experiment file gives it.
    pub indicator: String,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The value, in the indicator's unit.
    pub value: f64,
    /// Who uploaded it (a username).
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A call for applications to record.
#[derive(Debug, Clone)]
pub struct NewCall {
    /// Its title.
    pub title: String,
    /// When applications open.
    pub opens_at: DateTime<Utc>,
    /// Its deadline.
    pub closes_at: DateTime<Utc>,
    /// The call as the server writes it (read back by the server).
    pub definition: String,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
}

/// A stored call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRow {
    /// Id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// When applications open.
    pub opens_at: DateTime<Utc>,
    /// Its deadline.
    pub closes_at: DateTime<Utc>,
    /// The call as the server wrote it.
    pub definition: String,
}

/// A stored application.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationRow {
    /// Id.
    pub id: i64,
    /// Its call.
    pub call_id: i64,
    /// Its applicant (`None` once their login is erased).
    pub applicant_id: Option<i64>,
    /// The form as the server wrote it.
    pub form: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was submitted (then it never changes).
    pub submitted_at: Option<DateTime<Utc>>,
    /// The programme team's decision (`selected`, `waiting-list`, `rejected`).
    pub decision: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The experiment a selected application became (its slug).
    pub experiment: Option<String>,
}

/// Evidence to attach to a month of an experiment's reports.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvidence {
    /// The experiment (its slug).
    pub experiment: String,
    /// The month it backs, `YYYY-MM`.
    pub month: String,
    /// File name.
    pub name: String,
    /// Media type (`application/pdf`, `image/png`, `image/jpeg`).
    pub media_type: String,
    /// The bytes, base64.
    pub content_base64: String,
    /// Size, bytes.
    pub size_bytes: i64,
    /// Who attached it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// Evidence attached to a month of an experiment's reports (without its bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRow {
    /// Id.
    pub id: i64,
    /// The month it backs, `YYYY-MM`.
    pub month: String,
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size, bytes.
    pub size_bytes: i64,
    /// Who attached it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A document attached to an application (without its bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    /// Id.
    pub id: i64,
    /// Its application.
    pub application_id: i64,
    /// File name.
    pub name: String,
    /// Size, bytes.
    pub size_bytes: i64,
    /// When it was attached.
    pub uploaded_at: DateTime<Utc>,
}

/// A reviewer's review of an application: assigned, then a conflict or scores.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    /// The application.
    pub application_id: i64,
    /// The reviewer's user id.
    pub reviewer_id: i64,
    /// The reviewer's username.
    pub reviewer: String,
    /// When they were assigned.
    pub assigned_at: DateTime<Utc>,
    /// A declared conflict of interest, with its reason.
    pub conflict: Option<String>,
    /// Scores and comments as the server wrote them.
    pub scores: Option<String>,
    /// When the review was sent.
    pub submitted_at: Option<DateTime<Utc>>,
}
