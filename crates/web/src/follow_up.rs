//! The programme team's follow-up of an experiment: its status, its four phases' planned and
//! actual dates, and its milestones, changed from the dashboard or the API. The change is made
//! in the experiment file itself (comments and order kept, through `toml_edit`), checked by the
//! experiment parser as a whole (phases in order, an actual end after its start, …) and
//! written whole, or not at all.
//!
//! - `PUT /api/v1/experiments/{slug}/follow-up` (JSON, every part optional):
//!   - `status`: `active`, `suspended`, `stopped` or `completed`;
//!   - `phases`: for each phase named, its planned dates when given, and its actual dates as
//!     given (absent or `null`: not started, not ended);
//!   - `milestones`: each by its name; an existing one gets its `phase` and `due` when given
//!     and its `done` as given (absent or `null`: not reached), or is removed with
//!     `"remove": true`; a new one needs its `phase` and `due`.
//!   - Dates are local days (`YYYY-MM-DD`) in the experiment's time zone, as in its file.
//! - `GET /experiments/{slug}/follow-up`: the same as a form; `POST` sends it.
//!
//! Who: the programme team. Anyone else who sees the experiment gets 403; who does not, 404.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use quartier_model::{Experiment, PHASES, PhaseKind, STATUSES};
use quartier_report::portfolio::phase_text;
use quartier_store::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, InputProblem};
use crate::experiments::{Entry, toml_day, visible_entry};
use crate::html::esc;
use crate::i18n::{Lang, t};
use crate::page_support::{FormFields, LangQuery, PageContext, PageError, check_csrf, form_field};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/experiments/{slug}/follow-up",
            axum::routing::put(api_put),
        )
        .route("/experiments/{slug}/follow-up", get(page).post(page_submit))
}

/// A change of the follow-up, as the API takes it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FollowUp {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    phases: Vec<PhaseChange>,
    #[serde(default)]
    milestones: Vec<MilestoneChange>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhaseChange {
    name: String,
    #[serde(default)]
    planned_start: Option<String>,
    #[serde(default)]
    planned_end: Option<String>,
    #[serde(default)]
    actual_start: Option<String>,
    #[serde(default)]
    actual_end: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MilestoneChange {
    name: String,
    #[serde(default)]
    phase: Option<String>,
    #[serde(default)]
    due: Option<String>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    remove: bool,
}

/// The longest milestone name.
const MAX_MILESTONE_CHARS: usize = 200;

/// Milestones one change may name (an experiment has a handful).
const MAX_MILESTONES_PER_CHANGE: usize = 100;

/// A problem of `path`: what is wrong and what is expected, in English then in French.
fn problem(path: String, en: (String, &str), fr: (String, &str)) -> InputProblem {
    InputProblem::field(&path, en.0, Some(en.1.into())).fr(fr.0, Some(fr.1.into()))
}

/// A local day, or the problem of `path`.
fn day(path: String, s: &str, out: &mut Vec<InputProblem>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            out.push(problem(
                path,
                (
                    format!("\"{s}\" is not a date"),
                    "a local date YYYY-MM-DD, such as 2026-03-31",
                ),
                (
                    format!("« {s} » n'est pas une date"),
                    "une date locale AAAA-MM-JJ, comme 2026-03-31",
                ),
            ));
            None
        }
    }
}

/// An optional day: `None` for absent or empty.
fn maybe_day(path: String, s: &Option<String>, out: &mut Vec<InputProblem>) -> Option<NaiveDate> {
    s.as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| day(path, s, out))
}

/// `t` as the local day a file writes.
fn local_day(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// Sets `key` of `table` to `day`, or removes it.
fn set_day(table: &mut toml_edit::Table, key: &str, day: Option<NaiveDate>) {
    match day {
        Some(d) => {
            table.insert(key, toml_day(d));
        }
        None => {
            table.remove(key);
        }
    }
}

/// `change` applied to the experiment file's `text` (read as `e`): the new text, or every
/// problem of the change itself (the file's own checks come after).
fn apply(text: &str, e: &Experiment, change: &FollowUp) -> Result<String, Vec<InputProblem>> {
    if change.phases.len() > PHASES.len() || change.milestones.len() > MAX_MILESTONES_PER_CHANGE {
        return Err(vec![problem(
            "milestones".into(),
            (
                format!(
                    "{} phases and {} milestones in one change",
                    change.phases.len(),
                    change.milestones.len()
                ),
                "at most 4 phases and 100 milestones",
            ),
            (
                format!(
                    "{} phases et {} jalons en une modification",
                    change.phases.len(),
                    change.milestones.len()
                ),
                "4 phases et 100 jalons au plus",
            ),
        )]);
    }
    let mut out = Vec::new();
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|err| {
        vec![problem(
            "experiment".into(),
            (
                format!("the experiment file does not read: {err}"),
                "an experiment file without syntax errors",
            ),
            (
                format!("le fichier de l'expérimentation ne se lit pas : {err}"),
                "un fichier d'expérimentation sans erreur de syntaxe",
            ),
        )]
    })?;
    if let Some(s) = &change.status {
        if STATUSES.contains(&s.as_str()) {
            doc["status"] = toml_edit::value(s.as_str());
        } else {
            out.push(problem(
                "status".into(),
                (
                    format!("unknown status \"{s}\""),
                    "active, suspended, stopped or completed",
                ),
                (
                    format!("statut inconnu « {s} »"),
                    "active, suspended, stopped ou completed",
                ),
            ));
        }
    }
    if !change.phases.is_empty() {
        // The four phases are written out when the file relies on the usual plan.
        if doc.get("phases").is_none() {
            let mut phases = toml_edit::ArrayOfTables::new();
            for p in &e.phases {
                let mut t = toml_edit::Table::new();
                t.insert("name", toml_edit::value(p.kind.name()));
                t.insert(
                    "planned_start",
                    toml_day(local_day(p.planned.0, e.timezone)),
                );
                t.insert("planned_end", toml_day(local_day(p.planned.1, e.timezone)));
                phases.push(t);
            }
            doc.insert("phases", toml_edit::Item::ArrayOfTables(phases));
        }
    }
    for (i, c) in change.phases.iter().enumerate() {
        let at = |f: &str| format!("phases[{i}].{f}");
        if PhaseKind::from_name(&c.name).is_none() {
            out.push(problem(
                at("name"),
                (format!("unknown phase \"{}\"", c.name), &PHASES.join(", ")),
                (format!("phase inconnue « {} »", c.name), &PHASES.join(", ")),
            ));
            continue;
        }
        let planned_start = maybe_day(at("planned_start"), &c.planned_start, &mut out);
        let planned_end = maybe_day(at("planned_end"), &c.planned_end, &mut out);
        let actual_start = maybe_day(at("actual_start"), &c.actual_start, &mut out);
        let actual_end = maybe_day(at("actual_end"), &c.actual_end, &mut out);
        let Some(table) = doc
            .get_mut("phases")
            .and_then(toml_edit::Item::as_array_of_tables_mut)
            .and_then(|a| {
                a.iter_mut()
                    .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(c.name.as_str()))
            })
        else {
            out.push(problem(
                at("name"),
                (
                    format!("the file has no phase \"{}\"", c.name),
                    "a phase the experiment file lists",
                ),
                (
                    format!("le fichier n'a pas de phase « {} »", c.name),
                    "une phase que liste le fichier de l'expérimentation",
                ),
            ));
            continue;
        };
        if let Some(d) = planned_start {
            table.insert("planned_start", toml_day(d));
        }
        if let Some(d) = planned_end {
            table.insert("planned_end", toml_day(d));
        }
        set_day(table, "actual_start", actual_start);
        set_day(table, "actual_end", actual_end);
    }
    for (i, c) in change.milestones.iter().enumerate() {
        let at = |f: &str| format!("milestones[{i}].{f}");
        let name = c.name.trim();
        if name.is_empty() || name.chars().count() > MAX_MILESTONE_CHARS {
            out.push(problem(
                at("name"),
                (
                    "a milestone needs a name".into(),
                    "a name of 1 to 200 characters",
                ),
                (
                    "un jalon a besoin d'un nom".into(),
                    "un nom de 1 à 200 caractères",
                ),
            ));
            continue;
        }
        if let Some(p) = &c.phase
            && PhaseKind::from_name(p).is_none()
        {
            out.push(problem(
                at("phase"),
                (format!("unknown phase \"{p}\""), &PHASES.join(", ")),
                (format!("phase inconnue « {p} »"), &PHASES.join(", ")),
            ));
        }
        let due = maybe_day(at("due"), &c.due, &mut out);
        let done = maybe_day(at("done"), &c.done, &mut out);
        if doc.get("milestones").is_none() {
            doc.insert(
                "milestones",
                toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()),
            );
        }
        let Some(all) = doc
            .get_mut("milestones")
            .and_then(toml_edit::Item::as_array_of_tables_mut)
        else {
            out.push(problem(
                "milestones".into(),
                (
                    "the file's milestones are not a list of tables".into(),
                    "[[milestones]] tables",
                ),
                (
                    "les jalons du fichier ne sont pas une liste de tables".into(),
                    "des tables [[milestones]]",
                ),
            ));
            continue;
        };
        let found = all
            .iter()
            .position(|t| t.get("name").and_then(|n| n.as_str()).map(str::trim) == Some(name));
        match (found, c.remove) {
            (Some(k), true) => {
                all.remove(k);
            }
            (None, true) => out.push(problem(
                at("name"),
                (
                    format!("no milestone \"{name}\" to remove"),
                    "the name of one of the experiment's milestones",
                ),
                (
                    format!("pas de jalon « {name} » à retirer"),
                    "le nom d'un des jalons de l'expérimentation",
                ),
            )),
            (Some(k), false) => {
                if let Some(t) = all.get_mut(k) {
                    if let Some(p) = &c.phase {
                        t.insert("phase", toml_edit::value(p.as_str()));
                    }
                    if let Some(d) = due {
                        t.insert("due", toml_day(d));
                    }
                    set_day(t, "done", done);
                }
            }
            (None, false) => match (&c.phase, due) {
                (Some(p), Some(d)) => {
                    let mut t = toml_edit::Table::new();
                    t.insert("name", toml_edit::value(name));
                    t.insert("phase", toml_edit::value(p.as_str()));
                    t.insert("due", toml_day(d));
                    set_day(&mut t, "done", done);
                    all.push(t);
                }
                _ => out.push(problem(
                    at("due"),
                    (
                        format!("the new milestone \"{name}\" needs its phase and its due date"),
                        "phase and due (YYYY-MM-DD) for a milestone the file does not have yet",
                    ),
                    (
                        format!(
                            "le nouveau jalon « {name} » a besoin de sa phase et de son échéance"
                        ),
                        "phase et due (AAAA-MM-JJ) pour un jalon que le fichier n'a pas encore",
                    ),
                )),
            },
        }
    }
    if out.is_empty() {
        Ok(doc.to_string())
    } else {
        Err(out)
    }
}

/// The experiment `slug` if `user` may change its follow-up: seen (else 404) and the programme
/// team (else 403).
async fn followed(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
) -> Result<Arc<Entry>, ApiError> {
    let entry = visible_entry(state, user, slug).await?;
    if user.user.role != Role::Programme {
        return Err(ApiError::ForbiddenBecause(
            "only the programme team sets an experiment's status, phases and milestones".into(),
        ));
    }
    Ok(entry)
}

/// Applies `change` to the file of `entry` (one the user may follow, [`followed`]): checked
/// whole, written whole ([`crate::experiments::edit_experiment_file`]). The entry as it now
/// reads.
async fn change_follow_up(
    state: &AppState,
    entry: &Entry,
    change: FollowUp,
) -> Result<Arc<Entry>, ApiError> {
    let Some(e) = entry.experiment().cloned() else {
        return Err(ApiError::Conflict(
            "the experiment file has problems: fix them in the file first".into(),
        ));
    };
    crate::experiments::edit_experiment_file(state, &entry.slug, move |text| {
        apply(text, &e, &change).map_err(ApiError::Invalid)
    })
    .await
}

/// What the API answers: the follow-up as it now stands.
fn follow_up_json(e: &Experiment) -> Value {
    let d = |t: DateTime<Utc>| local_day(t, e.timezone).to_string();
    json!({
        "status": e.status.name(),
        "phases": e.phases.iter().map(|p| json!({
            "name": p.kind.name(),
            "planned_start": d(p.planned.0),
            "planned_end": d(p.planned.1),
            "actual_start": p.actual_start.map(d),
            "actual_end": p.actual_end.map(d),
        })).collect::<Vec<_>>(),
        "milestones": e.milestones.iter().map(|m| json!({
            "name": m.name,
            "phase": m.phase.name(),
            "due": d(m.due),
            "done": m.done.map(d),
        })).collect::<Vec<_>>(),
    })
}

fn json_body(body: &[u8]) -> Result<FollowUp, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::Invalid(vec![problem(
            "body".into(),
            (
                format!("the follow-up does not read: {e}"),
                "a JSON object with status, phases and milestones (each optional)",
            ),
            (
                format!("le suivi ne se lit pas : {e}"),
                "un objet JSON avec status, phases et milestones (chacun facultatif)",
            ),
        )])
    })
}

/// `PUT /api/v1/experiments/{slug}/follow-up`.
async fn api_put(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(slug): UrlPath<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let change = json_body(&body)?;
    let entry = followed(&state, &user, &slug).await?;
    let entry = change_follow_up(&state, &entry, change).await?;
    let e = entry.experiment().ok_or(ApiError::NotFound)?;
    Ok(Json(
        json!({ "experiment": slug, "follow_up": follow_up_json(e) }),
    ))
}

fn date_input(name: &str, value: Option<NaiveDate>) -> String {
    format!(
        "<input type=date name={name} value=\"{}\">",
        value.map(|d| d.to_string()).unwrap_or_default()
    )
}

/// The form.
fn draw(p: &PageContext, entry: &Entry, problems: Option<&[InputProblem]>) -> Response {
    let l = p.lang;
    let lc = l.code();
    let slug = esc(&entry.slug);
    let Some(e) = entry.experiment() else {
        return p.render(&entry.slug, "");
    };
    let d = |t: DateTime<Utc>| local_day(t, e.timezone);
    let mut body = format!(
        "<p><a href=\"/experiments/{slug}?lang={lc}\">{}</a></p>",
        esc(&e.title)
    );
    if let Some(ps) = problems {
        body.push_str(&crate::upload_page::problems_html(l, ps));
    }
    let _ = write!(
        body,
        "<form id=follow-up method=post action=\"/experiments/{slug}/follow-up?lang={lc}\">\
         <input type=hidden name=csrf value=\"{}\"><section><h2>{}</h2><label>{} <select name=status>",
        esc(&p.user.csrf_token),
        t(l, "fu_status"),
        t(l, "fu_status"),
    );
    for s in STATUSES {
        let _ = write!(
            body,
            "<option value={s}{}>{}</option>",
            if *s == e.status.name() {
                " selected"
            } else {
                ""
            },
            esc(&crate::i18n::value_label(l, "exp_status", s))
        );
    }
    let _ = write!(
        body,
        "</select></label></section><section><h2>{}</h2><table id=phases><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "fu_phases"),
        t(l, "pf_phase"),
        t(l, "fu_planned_start"),
        t(l, "fu_planned_end"),
        t(l, "fu_actual_start"),
        t(l, "fu_actual_end"),
    );
    for ph in &e.phases {
        let k = ph.kind.name();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(phase_text(ph.kind, l.report())),
            date_input(&format!("{k}_planned_start"), Some(d(ph.planned.0))),
            date_input(&format!("{k}_planned_end"), Some(d(ph.planned.1))),
            date_input(&format!("{k}_actual_start"), ph.actual_start.map(d)),
            date_input(&format!("{k}_actual_end"), ph.actual_end.map(d)),
        );
    }
    let _ = write!(
        body,
        "</table></section><section><h2>{}</h2><table id=milestones><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "fu_milestones"),
        t(l, "fu_milestone"),
        t(l, "pf_phase"),
        t(l, "fu_due"),
        t(l, "fu_done"),
    );
    for (i, m) in e.milestones.iter().enumerate() {
        let _ = write!(
            body,
            "<tr><td>{}<input type=hidden name=m{i}_name value=\"{}\"></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.name),
            esc(&m.name),
            esc(phase_text(m.phase, l.report())),
            date_input(&format!("m{i}_due"), Some(d(m.due))),
            date_input(&format!("m{i}_done"), m.done.map(d)),
        );
    }
    let _ = write!(
        body,
        "<tr><td><label>{new} <input name=new_name maxlength={MAX_MILESTONE_CHARS}></label></td><td><select name=new_phase>{opts}</select></td><td>{due}</td><td>{done}</td></tr></table></section>\
         <p><button>{save}</button></p></form>",
        new = t(l, "fu_new_milestone"),
        opts = PhaseKind::ALL
            .iter()
            .map(|k| format!(
                "<option value={}>{}</option>",
                k.name(),
                esc(phase_text(*k, l.report()))
            ))
            .collect::<String>(),
        due = date_input("new_due", None),
        done = date_input("new_done", None),
        save = t(l, "fu_save"),
    );
    p.render(&format!("{} — {}", t(l, "fu_title"), e.title), &body)
}

/// `GET /experiments/{slug}/follow-up`.
async fn page(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        let entry = followed(&state, &p.user, &slug).await?;
        Ok(draw(&p, &entry, None))
    };
    p.respond(work.await)
}

/// The change a submitted form asks for: every field of the form, as the API takes it.
fn form_change(f: &[(String, String)]) -> (String, FollowUp) {
    let opt = |k: &str| Some(form_field(f, k).to_string()).filter(|v| !v.trim().is_empty());
    let phases = PHASES
        .iter()
        .filter(|k| f.iter().any(|(n, _)| n.starts_with(&format!("{k}_"))))
        .map(|k| PhaseChange {
            name: (*k).to_string(),
            planned_start: opt(&format!("{k}_planned_start")),
            planned_end: opt(&format!("{k}_planned_end")),
            actual_start: opt(&format!("{k}_actual_start")),
            actual_end: opt(&format!("{k}_actual_end")),
        })
        .collect();
    let mut milestones: Vec<MilestoneChange> = (0..)
        .map_while(|i| {
            f.iter()
                .find(|(n, _)| *n == format!("m{i}_name"))
                .map(|(_, name)| MilestoneChange {
                    name: name.clone(),
                    due: opt(&format!("m{i}_due")),
                    done: opt(&format!("m{i}_done")),
                    ..MilestoneChange::default()
                })
        })
        .collect();
    if let Some(name) = opt("new_name") {
        milestones.push(MilestoneChange {
            name,
            phase: opt("new_phase"),
            due: opt("new_due"),
            done: opt("new_done"),
            remove: false,
        });
    }
    (
        form_field(f, "csrf").to_string(),
        FollowUp {
            status: opt("status"),
            phases,
            milestones,
        },
    )
}

/// `POST /experiments/{slug}/follow-up`: the form, through the API's own change.
async fn page_submit(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
    axum::extract::Form(f): axum::extract::Form<FormFields>,
) -> Result<Response, PageError> {
    let l: Lang = q.pick(&headers);
    let p = PageContext::signed_in(u.0, l)?;
    let work = async {
        let (csrf, change) = form_change(&f);
        check_csrf(&p.user, &csrf)?;
        let entry = followed(&state, &p.user, &slug).await?;
        match change_follow_up(&state, &entry, change).await {
            Ok(_) => Ok(axum::response::Redirect::to(&format!(
                "/experiments/{slug}?lang={}",
                l.code()
            ))
            .into_response()),
            Err(ApiError::Invalid(problems)) => Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                draw(&p, &entry, Some(&problems)),
            )
                .into_response()),
            Err(e) => Err(e),
        }
    };
    p.respond(work.await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const FILE: &str = "# the programme's own comment\ncommune = \"Meudon-la-Forêt\"\ntitle = \"Vélos\"\ntheme = \"mobility\"\ntimezone = \"Europe/Paris\"\nstart = 2025-04-01\nend = 2027-04-01\n";

    fn read(text: &str) -> Experiment {
        quartier_model::parse_experiment(text, Path::new("x.toml"))
            .unwrap()
            .0
    }

    #[test]
    fn a_change_is_written_in_the_file_and_reads_back() {
        let e = read(FILE);
        let change: FollowUp = serde_json::from_value(json!({
            "status": "suspended",
            "phases": [{"name": "deployment", "actual_start": "2025-04-15", "actual_end": "2025-11-01"},
                       {"name": "monitoring", "actual_start": "2025-11-01"}],
            "milestones": [{"name": "Vélos livrés", "phase": "deployment", "due": "2025-06-30", "done": "2025-07-04"}]
        }))
        .unwrap();
        let new = apply(FILE, &e, &change).unwrap();
        assert!(new.starts_with("# the programme's own comment\n"), "{new}");
        let e = read(&new);
        assert_eq!(e.status.name(), "suspended");
        assert_eq!(e.phases.len(), 4);
        let paris = |s: &str| {
            local_day(e.phases[1].actual_start.unwrap(), chrono_tz::Europe::Paris)
                == NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
        };
        assert!(paris("2025-11-01"));
        assert_eq!(e.phases[1].actual_end, None);
        assert_eq!(e.milestones.len(), 1);
        assert!(e.milestones[0].done.is_some());
        // Then the milestone is removed and the monitoring phase ended.
        let change: FollowUp = serde_json::from_value(json!({
            "phases": [{"name": "monitoring", "actual_start": "2025-11-01", "actual_end": "2026-11-01"}],
            "milestones": [{"name": "Vélos livrés", "remove": true}]
        }))
        .unwrap();
        let again = apply(&new, &e, &change).unwrap();
        let e = read(&again);
        assert!(e.milestones.is_empty());
        assert!(e.phases[1].actual_end.is_some());
        assert!(e.phases[0].actual_start.is_some());
    }

    #[test]
    fn a_change_is_bounded() {
        let e = read(FILE);
        let many: Vec<Value> = (0..101)
            .map(|i| json!({"name": format!("m{i}"), "phase": "deployment", "due": "2025-05-01"}))
            .collect();
        let change: FollowUp = serde_json::from_value(json!({ "milestones": many })).unwrap();
        let ps = apply(FILE, &e, &change).unwrap_err();
        assert_eq!(ps.len(), 1);
        assert!(
            ps[0].message.contains("101 milestones"),
            "{}",
            ps[0].message
        );
    }

    #[test]
    fn every_problem_of_a_change_names_its_field() {
        let e = read(FILE);
        let change: FollowUp = serde_json::from_value(json!({
            "status": "paused",
            "phases": [{"name": "rollout"}, {"name": "monitoring", "actual_start": "1 Nov"}],
            "milestones": [{"name": "  "}, {"name": "Nouveau"}, {"name": "Absent", "remove": true}]
        }))
        .unwrap();
        let ps = apply(FILE, &e, &change).unwrap_err();
        let paths: Vec<&str> = ps.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "status",
                "phases[0].name",
                "phases[1].actual_start",
                "milestones[0].name",
                "milestones[1].due",
                "milestones[2].name"
            ]
        );
    }
}
