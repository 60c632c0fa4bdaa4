//! The programme's calls for applications, as plain data and rules: what a call asks
//! ([`Call`]: themes, dates, eligibility rules, the questions of its form, the scoring grid
//! with weighted criteria), what an applicant proposes ([`Application`]: commune partner,
//! district, theme, KPIs with targets, budget, schedule, answers, documents), what a reviewer
//! gives ([`Review`]: a score per criterion with a comment, or a declared conflict of
//! interest), and what the programme team reads to decide ([`rank`]: each application's
//! weighted score, the number of reviews and the spread between reviewers).
//!
//! Every check returns every [`Problem`] at once, each naming the field and what was expected,
//! in English and in French, so that a form and the API say the same. A call is checked when
//! it is opened ([`check_call`]), an application when it is submitted ([`check_submission`]:
//! the deadline, then the call's rules), a review when it is sent ([`check_review`]).
//!
//! **Architecture invariant:** knows nothing of SQL, HTTP, JSON or files; money is
//! [`Decimal`], never `f64`.
//!
//! ```
//! use quartier_programme::*;
//! let call = Call::example();
//! assert!(check_call(&call).is_empty());
//! let mut app = Application::example();
//! assert!(check_submission(&call, &app, call.opens).is_empty());
//! app.budget_eur = "900000".parse().unwrap();
//! let p = check_submission(&call, &app, call.opens);
//! assert_eq!(p[0].field, "budget_eur");
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
pub use quartier_model::{KpiDirection, Theme};
pub use rust_decimal::Decimal;

/// Largest document attached to an application, bytes.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// Most documents attached to one application.
pub const MAX_DOCUMENTS: usize = 10;
/// The highest score of a criterion (scores run from 0 to this).
pub const MAX_SCORE: u8 = 5;

/// A question of a call's form.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Its key (letters, digits, `-`, `_`), the answer's name.
    pub key: String,
    /// The question as the applicant reads it.
    pub text: String,
    /// True when an answer is required to submit.
    pub required: bool,
    /// Longest answer, characters.
    pub max_chars: usize,
}

/// A criterion of the scoring grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// Its key.
    pub key: String,
    /// What is judged.
    pub text: String,
    /// Its weight, percent of the total (the weights add up to 100).
    pub weight_percent: u32,
}

/// What an application must satisfy to be submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Eligibility {
    /// The communes an experiment may take place in (empty: any).
    pub communes: Vec<String>,
    /// The largest budget asked, euros.
    pub max_budget_eur: Option<Decimal>,
    /// The longest experiment, months (the programme's 24).
    pub max_months: u32,
    /// The fewest KPIs with a target.
    pub min_kpis: usize,
    /// The fewest documents attached (a PDF presentation).
    pub min_documents: usize,
}

/// A call for applications.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Its title.
    pub title: String,
    /// The themes it is open to.
    pub themes: Vec<Theme>,
    /// When applications open.
    pub opens: DateTime<Utc>,
    /// The deadline: after it, nothing is submitted or changed.
    pub closes: DateTime<Utc>,
    /// The rules.
    pub eligibility: Eligibility,
    /// The form's questions.
    pub questions: Vec<Question>,
    /// The scoring grid.
    pub criteria: Vec<Criterion>,
}

/// A KPI an applicant proposes, with its target over the experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedKpi {
    /// Its name.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// The target.
    pub target: f64,
    /// Which side of the target is good.
    pub direction: KpiDirection,
}

/// A document attached to an application.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its file name.
    pub name: String,
    /// Its size, bytes.
    pub bytes: usize,
}

/// What an applicant proposes.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// The experiment's title.
    pub title: String,
    /// The commune partner.
    pub commune: String,
    /// The district it takes place in, if one.
    pub district: Option<String>,
    /// Its theme.
    pub theme: Theme,
    /// What it does.
    pub summary: String,
    /// Its KPIs and targets.
    pub kpis: Vec<ProposedKpi>,
    /// The budget asked, euros.
    pub budget_eur: Decimal,
    /// When it would start.
    pub start: NaiveDate,
    /// How many months it would run.
    pub months: u32,
    /// Answers to the call's questions, by key.
    pub answers: BTreeMap<String, String>,
    /// Documents attached.
    pub documents: Vec<Document>,
}

/// A reviewer's review of one application.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The reviewer (a username).
    pub reviewer: String,
    /// A conflict of interest, declared: the review is not scored and does not count.
    pub conflict: Option<String>,
    /// A score from 0 to [`MAX_SCORE`] per criterion, by key.
    pub scores: BTreeMap<String, u8>,
    /// A comment per criterion, by key.
    pub comments: BTreeMap<String, String>,
}

/// A problem of a call, an application or a review: the field, what is wrong and what was
/// expected, in English and in French.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The field (`closes`, `kpis[0].target`, `answers.impact`, `scores.innovation`…).
    pub field: String,
    /// What is wrong, in English.
    pub message: String,
    /// What was expected, in English.
    pub expected: String,
    /// What is wrong, in French.
    pub message_fr: String,
    /// What was expected, in French.
    pub expected_fr: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} (expected {})",
            self.field, self.message, self.expected
        )
    }
}

fn problem(field: impl Into<String>, en: (String, &str), fr: (String, &str)) -> Problem {
    Problem {
        field: field.into(),
        message: en.0,
        expected: en.1.to_string(),
        message_fr: fr.0,
        expected_fr: fr.1.to_string(),
    }
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 40
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Every problem of a call the programme team opens.
pub fn check_call(call: &Call) -> Vec<Problem> {
    let mut out = Vec::new();
    if call.title.trim().is_empty() {
        out.push(problem(
            "title",
            ("the call has no title".into(), "a title"),
            ("l'appel n'a pas de titre".into(), "un titre"),
        ));
    }
    if call.themes.is_empty() {
        out.push(problem(
            "themes",
            ("the call is open to no theme".into(), "at least one theme"),
            (
                "l'appel n'est ouvert à aucun thème".into(),
                "au moins un thème",
            ),
        ));
    }
    if call.closes <= call.opens {
        out.push(problem(
            "closes",
            (
                format!(
                    "the call closes ({}) before it opens ({})",
                    call.closes, call.opens
                ),
                "closes after opens",
            ),
            (
                format!(
                    "l'appel se clôt ({}) avant de s'ouvrir ({})",
                    call.closes, call.opens
                ),
                "une clôture après l'ouverture",
            ),
        ));
    }
    let e = &call.eligibility;
    if e.max_months == 0 || e.max_months > 24 {
        out.push(problem(
            "eligibility.max_months",
            (
                format!("{} months", e.max_months),
                "1 to 24 months, the programme's follow-up",
            ),
            (
                format!("{} mois", e.max_months),
                "de 1 à 24 mois, le suivi du programme",
            ),
        ));
    }
    if e.max_budget_eur.is_some_and(|b| b <= Decimal::ZERO) {
        out.push(problem(
            "eligibility.max_budget_eur",
            (
                "the largest budget is not positive".into(),
                "an amount in euros above 0",
            ),
            (
                "le budget maximal n'est pas positif".into(),
                "un montant en euros supérieur à 0",
            ),
        ));
    }
    let mut keys = BTreeSet::new();
    for (i, q) in call.questions.iter().enumerate() {
        if !valid_key(&q.key) || !keys.insert(q.key.clone()) {
            out.push(problem(
                format!("questions[{i}].key"),
                (
                    format!("\"{}\" is not a new key", q.key),
                    "a unique key of letters, digits, - and _",
                ),
                (
                    format!("« {} » n'est pas une clé nouvelle", q.key),
                    "une clé unique de lettres, chiffres, - et _",
                ),
            ));
        }
        if q.text.trim().is_empty() || q.max_chars == 0 {
            out.push(problem(
                format!("questions[{i}]"),
                (
                    "the question has no text or no room for an answer".into(),
                    "a text and max_chars above 0",
                ),
                (
                    "la question n'a pas de texte ou pas de place pour la réponse".into(),
                    "un texte et max_chars supérieur à 0",
                ),
            ));
        }
    }
    let mut keys = BTreeSet::new();
    for (i, c) in call.criteria.iter().enumerate() {
        if !valid_key(&c.key) || !keys.insert(c.key.clone()) {
            out.push(problem(
                format!("criteria[{i}].key"),
                (
                    format!("\"{}\" is not a new key", c.key),
                    "a unique key of letters, digits, - and _",
                ),
                (
                    format!("« {} » n'est pas une clé nouvelle", c.key),
                    "une clé unique de lettres, chiffres, - et _",
                ),
            ));
        }
    }
    let total: u32 = call.criteria.iter().map(|c| c.weight_percent).sum();
    if call.criteria.is_empty() || total != 100 {
        out.push(problem(
            "criteria",
            (
                format!("the criteria's weights add up to {total} %"),
                "weights adding up to 100 %",
            ),
            (
                format!("les poids des critères font {total} %"),
                "des poids dont la somme fait 100 %",
            ),
        ));
    }
    out
}

/// Every problem of an application submitted at `now` to `call`. After the deadline (or
/// before the opening) only that is said: nothing else can change it.
pub fn check_submission(call: &Call, app: &Application, now: DateTime<Utc>) -> Vec<Problem> {
    if now >= call.closes || now < call.opens {
        let late = now >= call.closes;
        return vec![problem(
            "submitted_at",
            (
                if late {
                    format!(
                        "the call closed on {}",
                        call.closes.format("%Y-%m-%d %H:%M UTC")
                    )
                } else {
                    format!(
                        "the call opens on {}",
                        call.opens.format("%Y-%m-%d %H:%M UTC")
                    )
                },
                "a submission while the call is open",
            ),
            (
                if late {
                    format!(
                        "l'appel est clos depuis le {}",
                        call.closes.format("%d/%m/%Y %H:%M UTC")
                    )
                } else {
                    format!(
                        "l'appel ouvre le {}",
                        call.opens.format("%d/%m/%Y %H:%M UTC")
                    )
                },
                "un dépôt pendant que l'appel est ouvert",
            ),
        )];
    }
    let mut out = Vec::new();
    let e = &call.eligibility;
    for (field, value) in [
        ("title", &app.title),
        ("summary", &app.summary),
        ("commune", &app.commune),
    ] {
        if value.trim().is_empty() {
            out.push(problem(
                field,
                (format!("{field} is empty"), "a text"),
                (format!("{field} est vide"), "un texte"),
            ));
        }
    }
    if !app.commune.trim().is_empty()
        && !e.communes.is_empty()
        && !e
            .communes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(app.commune.trim()))
    {
        let list = e.communes.join(", ");
        out.push(problem(
            "commune",
            (
                format!("{} is not a commune of the call", app.commune),
                &format!("one of {list}"),
            ),
            (
                format!("{} n'est pas une commune de l'appel", app.commune),
                &format!("une de : {list}"),
            ),
        ));
    }
    if !call.themes.contains(&app.theme) {
        let list: Vec<&str> = call.themes.iter().map(|t| t.name()).collect();
        out.push(problem(
            "theme",
            (
                format!("the call is not open to {}", app.theme.name()),
                &format!("one of {}", list.join(", ")),
            ),
            (
                format!("l'appel n'est pas ouvert au thème {}", app.theme.name()),
                &format!("un de : {}", list.join(", ")),
            ),
        ));
    }
    if let Some(max) = e.max_budget_eur
        && app.budget_eur > max
    {
        out.push(problem(
            "budget_eur",
            (
                format!("{} EUR is more than the call funds", app.budget_eur),
                &format!("at most {max} EUR"),
            ),
            (
                format!("{} € dépasse ce que l'appel finance", app.budget_eur),
                &format!("au plus {max} €"),
            ),
        ));
    }
    if app.budget_eur < Decimal::ZERO {
        out.push(problem(
            "budget_eur",
            (
                "the budget is negative".into(),
                "an amount in euros, at least 0",
            ),
            (
                "le budget est négatif".into(),
                "un montant en euros, au moins 0",
            ),
        ));
    }
    if app.months == 0 || app.months > e.max_months {
        out.push(problem(
            "months",
            (
                format!("{} months", app.months),
                &format!("1 to {} months", e.max_months),
            ),
            (
                format!("{} mois", app.months),
                &format!("de 1 à {} mois", e.max_months),
            ),
        ));
    }
    let with_target = app
        .kpis
        .iter()
        .filter(|k| k.target.is_finite() && !k.name.trim().is_empty())
        .count();
    if with_target < e.min_kpis {
        out.push(problem(
            "kpis",
            (
                format!("{with_target} KPI(s) with a target"),
                &format!("at least {}", e.min_kpis),
            ),
            (
                format!("{with_target} indicateur(s) avec un objectif"),
                &format!("au moins {}", e.min_kpis),
            ),
        ));
    }
    for (i, k) in app.kpis.iter().enumerate() {
        if k.name.trim().is_empty() || k.unit.trim().is_empty() || !k.target.is_finite() {
            out.push(problem(
                format!("kpis[{i}]"),
                (
                    "a KPI needs a name, a unit and a target".into(),
                    "name, unit and a numeric target",
                ),
                (
                    "un indicateur a un nom, une unité et un objectif".into(),
                    "un nom, une unité et un objectif chiffré",
                ),
            ));
        }
    }
    for q in &call.questions {
        let answer = app.answers.get(&q.key).map(|a| a.trim()).unwrap_or("");
        if q.required && answer.is_empty() {
            out.push(problem(
                format!("answers.{}", q.key),
                (format!("\"{}\" is not answered", q.text), "an answer"),
                (format!("« {} » est sans réponse", q.text), "une réponse"),
            ));
        }
        if answer.chars().count() > q.max_chars {
            out.push(problem(
                format!("answers.{}", q.key),
                (
                    format!("the answer is {} characters long", answer.chars().count()),
                    &format!("at most {}", q.max_chars),
                ),
                (
                    format!("la réponse fait {} caractères", answer.chars().count()),
                    &format!("au plus {}", q.max_chars),
                ),
            ));
        }
    }
    for k in app.answers.keys() {
        if !call.questions.iter().any(|q| &q.key == k) {
            out.push(problem(
                format!("answers.{k}"),
                (
                    format!("the call asks no question \"{k}\""),
                    "answers to the call's questions only",
                ),
                (
                    format!("l'appel ne pose pas de question « {k} »"),
                    "des réponses aux seules questions de l'appel",
                ),
            ));
        }
    }
    if app.documents.len() < e.min_documents {
        out.push(problem(
            "documents",
            (
                format!("{} document(s) attached", app.documents.len()),
                &format!("at least {} PDF", e.min_documents),
            ),
            (
                format!("{} document(s) joint(s)", app.documents.len()),
                &format!("au moins {} PDF", e.min_documents),
            ),
        ));
    }
    out
}

/// The problem of `field` when file `name` is larger than [`MAX_DOCUMENT_BYTES`]; `what` is
/// the kind of file expected (English, French).
fn too_large(field: &str, name: &str, bytes: &[u8], what: (&str, &str)) -> Option<Problem> {
    (bytes.len() > MAX_DOCUMENT_BYTES).then(|| {
        problem(
            field,
            (
                format!("{name} is {} bytes", bytes.len()),
                &format!("{} of at most 10 MiB", what.0),
            ),
            (
                format!("{name} fait {} octets", bytes.len()),
                &format!("{} de 10 Mio au plus", what.1),
            ),
        )
    })
}

/// True when `bytes` are a PDF (its header), within [`MAX_DOCUMENT_BYTES`].
pub fn check_document(name: &str, bytes: &[u8]) -> Option<Problem> {
    if let Some(p) = too_large("document", name, bytes, ("a PDF", "un PDF")) {
        return Some(p);
    }
    if !bytes.starts_with(b"%PDF-") {
        return Some(problem(
            "document",
            (
                format!("{name} is not a PDF"),
                "a PDF file (it starts with %PDF-)",
            ),
            (
                format!("{name} n'est pas un PDF"),
                "un fichier PDF (il commence par %PDF-)",
            ),
        ));
    }
    None
}

/// Pieces of evidence a laureate may attach to one month of their report.
pub const MAX_EVIDENCE_PER_MONTH: usize = 10;

/// The media types evidence may have, told by their first bytes: a PDF, a PNG or a JPEG image
/// (a scanned invoice, a meter's photo, an installation report).
const EVIDENCE_KINDS: [(&[u8], &str); 3] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
];

/// The media type of evidence `name` (`application/pdf`, `image/png` or `image/jpeg`, told
/// by its first bytes, whatever its name says), or why it is refused: empty, larger than
/// [`MAX_DOCUMENT_BYTES`], or another kind of file.
pub fn check_evidence(name: &str, bytes: &[u8]) -> Result<&'static str, Problem> {
    if let Some(p) = too_large("file", name, bytes, ("a file", "un fichier")) {
        return Err(p);
    }
    EVIDENCE_KINDS
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, media)| *media)
        .ok_or_else(|| {
            problem(
                "file",
                (
                    format!("{name} is not a PDF, PNG or JPEG file"),
                    "a PDF, a PNG or a JPEG image",
                ),
                (
                    format!("{name} n'est ni un PDF, ni une image PNG ou JPEG"),
                    "un PDF, une image PNG ou JPEG",
                ),
            )
        })
}

/// Every problem of a review of an application to `call`: a declared conflict needs a reason
/// and no score; otherwise every criterion is scored from 0 to [`MAX_SCORE`], none unknown.
pub fn check_review(call: &Call, r: &Review) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(why) = &r.conflict {
        if why.trim().is_empty() {
            out.push(problem(
                "conflict",
                (
                    "a conflict of interest without a reason".into(),
                    "what links you to the applicant",
                ),
                (
                    "un conflit d'intérêts sans motif".into(),
                    "ce qui vous lie au candidat",
                ),
            ));
        }
        if !r.scores.is_empty() {
            out.push(problem(
                "scores",
                (
                    "a reviewer in conflict does not score".into(),
                    "no score with a declared conflict",
                ),
                (
                    "un évaluateur en conflit ne note pas".into(),
                    "aucune note avec un conflit déclaré",
                ),
            ));
        }
        return out;
    }
    for c in &call.criteria {
        match r.scores.get(&c.key) {
            None => out.push(problem(
                format!("scores.{}", c.key),
                (
                    format!("\"{}\" is not scored", c.text),
                    &format!("a score from 0 to {MAX_SCORE}"),
                ),
                (
                    format!("« {} » n'est pas noté", c.text),
                    &format!("une note de 0 à {MAX_SCORE}"),
                ),
            )),
            Some(s) if *s > MAX_SCORE => out.push(problem(
                format!("scores.{}", c.key),
                (
                    format!("{s} is above the scale"),
                    &format!("a score from 0 to {MAX_SCORE}"),
                ),
                (
                    format!("{s} dépasse l'échelle"),
                    &format!("une note de 0 à {MAX_SCORE}"),
                ),
            )),
            Some(_) => {}
        }
    }
    for k in r.scores.keys() {
        if !call.criteria.iter().any(|c| &c.key == k) {
            out.push(problem(
                format!("scores.{k}"),
                (
                    format!("the grid has no criterion \"{k}\""),
                    "scores of the call's criteria only",
                ),
                (
                    format!("la grille n'a pas de critère « {k} »"),
                    "des notes des seuls critères de l'appel",
                ),
            ));
        }
    }
    out
}

/// A review's total: the weighted mean of its scores on a 0–100 scale; `None` for a
/// declared conflict or an incomplete review.
pub fn review_total(call: &Call, r: &Review) -> Option<f64> {
    if r.conflict.is_some() {
        return None;
    }
    let mut sum = 0.0;
    for c in &call.criteria {
        let s = *r.scores.get(&c.key)?;
        sum += f64::from(c.weight_percent) * f64::from(s) / f64::from(MAX_SCORE);
    }
    Some(sum)
}

/// An application's place in the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The application's id (the caller's).
    pub id: i64,
    /// The mean of its reviews' totals, 0–100 (`None`: no review counts).
    pub score: Option<f64>,
    /// Reviews that count (complete, without conflict).
    pub reviews: usize,
    /// Reviews set aside for a declared conflict.
    pub conflicts: usize,
    /// The largest total minus the smallest (`None` with fewer than two reviews): a wide
    /// spread says the reviewers disagree.
    pub spread: Option<f64>,
}

/// The applications ranked by their mean score (best first; unscored last, by id).
pub fn rank(call: &Call, applications: &[(i64, Vec<Review>)]) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = applications
        .iter()
        .map(|(id, reviews)| {
            let totals: Vec<f64> = reviews
                .iter()
                .filter_map(|r| review_total(call, r))
                .collect();
            let n = totals.len();
            let max = totals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let min = totals.iter().copied().fold(f64::INFINITY, f64::min);
            Ranked {
                id: *id,
                score: (n > 0).then(|| totals.iter().sum::<f64>() / n as f64),
                reviews: n,
                conflicts: reviews.iter().filter(|r| r.conflict.is_some()).count(),
                spread: (n >= 2).then_some(max - min),
            }
        })
        .collect();
    out.sort_by(|a, b| match (a.score, b.score) {
        (Some(x), Some(y)) => y.total_cmp(&x).then(a.id.cmp(&b.id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.id.cmp(&b.id),
    });
    out
}

/// What the programme team decides of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Selected: it becomes an experiment.
    Selected,
    /// On the waiting list.
    WaitingList,
    /// Rejected.
    Rejected,
}

impl Decision {
    /// Its name in files and the API.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Selected => "selected",
            Decision::WaitingList => "waiting-list",
            Decision::Rejected => "rejected",
        }
    }

    /// The decision written `name`.
    pub fn from_name(name: &str) -> Option<Decision> {
        [
            Decision::Selected,
            Decision::WaitingList,
            Decision::Rejected,
        ]
        .into_iter()
        .find(|d| d.name() == name)
    }
}

impl Call {
    /// The demo's call: the Métropole's call for 2025 experiments in Meudon-la-Forêt and
    /// Issy-les-Moulineaux (dates, rules and grid of the kind such calls publish).
    pub fn example() -> Call {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default()
        };
        Call {
            title: "Quartiers Métropolitains d'Innovation — appel à expérimentations 2025".into(),
            themes: vec![Theme::Energy, Theme::Mobility, Theme::PublicSpace],
            opens: at("2024-10-01T00:00:00+02:00"),
            closes: at("2025-01-31T23:59:59+01:00"),
            eligibility: Eligibility {
                communes: vec!["Meudon-la-Forêt".into(), "Issy-les-Moulineaux".into()],
                max_budget_eur: Some(Decimal::new(300_000, 0)),
                max_months: 24,
                min_kpis: 1,
                min_documents: 1,
            },
            questions: vec![
                Question {
                    key: "innovation".into(),
                    text: "En quoi la solution est-elle innovante ?".into(),
                    required: true,
                    max_chars: 2000,
                },
                Question {
                    key: "replication".into(),
                    text: "Comment la solution se déploierait-elle dans d'autres communes ?".into(),
                    required: false,
                    max_chars: 2000,
                },
            ],
            criteria: vec![
                Criterion {
                    key: "innovation".into(),
                    text: "Caractère innovant".into(),
                    weight_percent: 30,
                },
                Criterion {
                    key: "impact".into(),
                    text: "Impact énergétique et climatique mesurable".into(),
                    weight_percent: 40,
                },
                Criterion {
                    key: "feasibility".into(),
                    text: "Faisabilité en 24 mois".into(),
                    weight_percent: 30,
                },
            ],
        }
    }
}

impl Application {
    /// An application to [`Call::example`] that meets its rules.
    pub fn example() -> Application {
        Application {
            title: "Vélos-cargos des services municipaux".into(),
            commune: "Meudon-la-Forêt".into(),
            district: None,
            theme: Theme::Mobility,
            summary: "Douze vélos-cargos remplacent des trajets en camionnette.".into(),
            kpis: vec![ProposedKpi {
                name: "cargo-bike distance".into(),
                unit: "km".into(),
                target: 50_000.0,
                direction: KpiDirection::AtLeast,
            }],
            budget_eur: Decimal::new(120_000, 0),
            start: NaiveDate::from_ymd_opt(2025, 4, 1).unwrap_or_default(),
            months: 24,
            answers: [(
                "innovation".to_string(),
                "Une flotte partagée entre services.".to_string(),
            )]
            .into_iter()
            .collect(),
            documents: vec![Document {
                name: "presentation.pdf".into(),
                bytes: 48_000,
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_bad_call_says_every_problem() {
        let mut c = Call::example();
        c.title = " ".into();
        c.closes = c.opens - Duration::days(1);
        c.criteria[0].weight_percent = 20;
        c.questions[1].key = "innovation".into();
        c.eligibility.max_months = 36;
        let fields: Vec<String> = check_call(&c).into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            vec![
                "title",
                "closes",
                "eligibility.max_months",
                "questions[1].key",
                "criteria"
            ]
        );
    }

    /// Each change of the good application → the fields it breaks.
    #[test]
    fn an_application_is_checked_against_the_calls_rules() {
        let call = Call::example();
        let now = call.opens + Duration::days(10);
        type Change = Box<dyn Fn(&mut Application)>;
        let cases: Vec<(&str, Change, Vec<&str>)> = vec![
            ("good", Box::new(|_| {}), vec![]),
            (
                "commune",
                Box::new(|a| a.commune = "Sèvres".into()),
                vec!["commune"],
            ),
            (
                "theme",
                Box::new(|a| a.theme = Theme::CircularEconomy),
                vec!["theme"],
            ),
            (
                "budget",
                Box::new(|a| a.budget_eur = Decimal::new(300_001, 0)),
                vec!["budget_eur"],
            ),
            ("months", Box::new(|a| a.months = 30), vec!["months"]),
            ("no kpi", Box::new(|a| a.kpis.clear()), vec!["kpis"]),
            (
                "bad kpi",
                Box::new(|a| a.kpis[0].target = f64::NAN),
                vec!["kpis", "kpis[0]"],
            ),
            (
                "answer",
                Box::new(|a| {
                    a.answers.clear();
                }),
                vec!["answers.innovation"],
            ),
            (
                "long",
                Box::new(|a| {
                    a.answers.insert("replication".into(), "x".repeat(2001));
                }),
                vec!["answers.replication"],
            ),
            (
                "unknown",
                Box::new(|a| {
                    a.answers.insert("price".into(), "1".into());
                }),
                vec!["answers.price"],
            ),
            ("pdf", Box::new(|a| a.documents.clear()), vec!["documents"]),
        ];
        for (what, change, fields) in cases {
            let mut a = Application::example();
            change(&mut a);
            let got: Vec<String> = check_submission(&call, &a, now)
                .into_iter()
                .map(|p| p.field)
                .collect();
            assert_eq!(got, fields, "{what}");
        }
        // After the deadline, only that.
        let mut a = Application::example();
        a.commune = "Sèvres".into();
        let late = check_submission(&call, &a, call.closes);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].field, "submitted_at");
        assert!(
            late[0]
                .message
                .starts_with("the call closed on 2025-01-31 22:59 UTC"),
            "{}",
            late[0]
        );
        assert!(
            late[0]
                .message_fr
                .starts_with("l'appel est clos depuis le 31/01/2025")
        );
    }

    #[test]
    fn documents_are_bounded_pdfs() {
        assert_eq!(
            check_evidence("a.pdf", b"%PDF-1.7\n"),
            Ok("application/pdf")
        );
        assert_eq!(
            check_evidence("meter.jpg", b"\xff\xd8\xff\xe0..."),
            Ok("image/jpeg")
        );
        assert_eq!(
            check_evidence("meter.png", b"\x89PNG\r\n\x1a\n..."),
            Ok("image/png")
        );
        assert_eq!(check_evidence("x.pdf", b"").unwrap_err().field, "file");
        assert!(
            check_evidence("a.exe", b"MZ")
                .unwrap_err()
                .message
                .contains("not a PDF, PNG or JPEG")
        );
        assert_eq!(check_document("a.pdf", b"%PDF-1.7\n..."), None);
        assert_eq!(
            check_document("a.pdf", b"<html>").unwrap().field,
            "document"
        );
        let big = vec![b'%'; MAX_DOCUMENT_BYTES + 1];
        assert!(
            check_document("big.pdf", &big)
                .unwrap()
                .message
                .contains("bytes")
        );
    }

    fn review(who: &str, scores: [u8; 3]) -> Review {
        Review {
            reviewer: who.into(),
            conflict: None,
            scores: ["innovation", "impact", "feasibility"]
                .iter()
                .map(|k| k.to_string())
                .zip(scores)
                .collect(),
            comments: BTreeMap::new(),
        }
    }

    #[test]
    fn reviews_are_checked_and_ranked_with_their_spread() {
        let call = Call::example();
        assert!(check_review(&call, &review("ana", [5, 4, 3])).is_empty());
        let mut r = review("ana", [5, 9, 3]);
        r.scores.insert("price".into(), 1);
        r.scores.remove("innovation");
        let fields: Vec<String> = check_review(&call, &r)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(
            fields,
            vec!["scores.innovation", "scores.impact", "scores.price"]
        );
        let conflict = Review {
            conflict: Some(" ".into()),
            ..review("bob", [1, 1, 1])
        };
        let fields: Vec<String> = check_review(&call, &conflict)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, vec!["conflict", "scores"]);
        // 30 %·5/5 + 40 %·4/5 + 30 %·3/5 = 30 + 32 + 18 = 80.
        assert_eq!(review_total(&call, &review("ana", [5, 4, 3])), Some(80.0));
        let declared = Review {
            conflict: Some("my former employer".into()),
            scores: BTreeMap::new(),
            ..review("eve", [0, 0, 0])
        };
        let ranked = rank(
            &call,
            &[
                (1, vec![review("ana", [2, 2, 2]), review("bob", [3, 3, 3])]),
                (
                    2,
                    vec![review("ana", [5, 4, 3]), review("bob", [1, 2, 1]), declared],
                ),
                (3, vec![]),
            ],
        );
        let ids: Vec<i64> = ranked.iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![2, 1, 3]);
        // Application 2: 80 and 30·1/5 + 40·2/5 + 30·1/5 = 28, mean 54, spread 52, one
        // conflict set aside; application 1: 40 and 60, mean 50.
        let two = &ranked[0];
        assert_eq!(
            (two.score, two.reviews, two.conflicts, two.spread),
            (Some(54.0), 2, 1, Some(52.0))
        );
        assert_eq!(ranked[1].score, Some(50.0));
        assert_eq!((ranked[2].score, ranked[2].spread), (None, None));
        assert_eq!(
            Decision::from_name("waiting-list"),
            Some(Decision::WaitingList)
        );
    }
}
