//! Changes an organiser makes to a community file from the dashboard, made on the file's text
//! so that everything else in it (comments, order, the other members) stays as written: a
//! member joins (a new `[[members]]` entry whose curve is its uploaded meter curve) or leaves
//! (its `member_until`, the last day it belongs). The result is a whole community file, to be
//! read by the same parser as any other before it is kept: these functions only check what
//! they change.

use chrono::{Datelike, NaiveDate};
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, value};

/// A member joining, as the dashboard's form gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    /// Its id (the PRM).
    pub id: String,
    /// Display name.
    pub name: String,
    /// `consumer`, `producer` or `storage`.
    pub role: String,
    /// Latitude of the delivery point, degrees.
    pub latitude_deg: f64,
    /// Longitude of the delivery point, degrees.
    pub longitude_deg: f64,
    /// Category for the perimeter rules (`private` when absent).
    pub category: Option<String>,
    /// INSEE code of its commune.
    pub commune_insee: Option<String>,
    /// First day it belongs (local date); absent: from the operation's first day.
    pub member_from: Option<NaiveDate>,
    /// Installed PV peak power of a producer, kWp.
    pub kwp: Option<f64>,
}

/// Why a change could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The file does not read as TOML.
    #[error("the community file is not valid TOML: {0}")]
    NotToml(String),
    /// `members` is not a list of `[[members]]` tables.
    #[error("`members` is not a list of [[members]] tables")]
    NotMembers,
    /// The member is there already.
    #[error("member {0} is already in the community file")]
    Exists(String),
    /// No such member.
    #[error("no member {0} in the community file")]
    Unknown(String),
}

fn toml_date(d: NaiveDate) -> toml_edit::Datetime {
    toml_edit::Datetime {
        date: Some(toml_edit::Date {
            year: u16::try_from(d.year()).unwrap_or(0),
            month: u8::try_from(d.month()).unwrap_or(0),
            day: u8::try_from(d.day()).unwrap_or(0),
        }),
        time: None,
        offset: None,
    }
}

fn parse(text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::NotToml(e.to_string()))
}

fn members(doc: &mut DocumentMut) -> Result<&mut ArrayOfTables, EditError> {
    doc.entry("members")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or(EditError::NotMembers)
}

fn id_of(t: &Table) -> Option<&str> {
    t.get("id").and_then(Item::as_str)
}

/// The members of `text` as (id, display name), in file order (the name is the id when the
/// file gives none).
pub fn member_names(text: &str) -> Result<Vec<(String, String)>, EditError> {
    let mut doc = parse(text)?;
    Ok(members(&mut doc)?
        .iter()
        .filter_map(|t| {
            let id = id_of(t)?.to_string();
            let name = t
                .get("name")
                .and_then(Item::as_str)
                .unwrap_or(&id)
                .to_string();
            Some((id, name))
        })
        .collect())
}

/// `text` with member `m` added at the end of the members, its curve its uploaded meter curve
/// (`curve = { stored = true }`).
pub fn add_member(text: &str, m: &NewMember) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    let list = members(&mut doc)?;
    if list.iter().any(|t| id_of(t) == Some(m.id.as_str())) {
        return Err(EditError::Exists(m.id.clone()));
    }
    let mut t = Table::new();
    t["id"] = value(m.id.as_str());
    t["name"] = value(m.name.as_str());
    t["role"] = value(m.role.as_str());
    t["latitude_deg"] = value(m.latitude_deg);
    t["longitude_deg"] = value(m.longitude_deg);
    if let Some(c) = &m.category {
        t["category"] = value(c.as_str());
    }
    if let Some(c) = &m.commune_insee {
        t["commune_insee"] = value(c.as_str());
    }
    if let Some(k) = m.kwp {
        t["kwp"] = value(k);
    }
    if let Some(d) = m.member_from {
        t["member_from"] = value(toml_date(d));
    }
    let mut curve = InlineTable::new();
    curve.insert("stored", true.into());
    t["curve"] = value(curve);
    list.push(t);
    Ok(doc.to_string())
}

/// `text` with member `id`'s last day set to `last_day` (replacing any it had).
pub fn end_membership(text: &str, id: &str, last_day: NaiveDate) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    let list = members(&mut doc)?;
    let t = list
        .iter_mut()
        .find(|t| id_of(t) == Some(id))
        .ok_or_else(|| EditError::Unknown(id.to_string()))?;
    t["member_until"] = value(toml_date(last_day));
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Our operation\n[operation]\nname = \"ACC\"\n\n[[members]]\nid = \"1\" # the school\nrole = \"consumer\"\n\n[prices]\nlocal_eur_per_kwh = 0.1\n";

    fn new(id: &str) -> NewMember {
        NewMember {
            id: id.into(),
            name: "Boulangerie \"Au pain\"".into(),
            role: "consumer".into(),
            latitude_deg: 48.77,
            longitude_deg: 2.22,
            category: Some("private".into()),
            commune_insee: Some("92048".into()),
            member_from: NaiveDate::from_ymd_opt(2025, 4, 1),
            kwp: None,
        }
    }

    #[test]
    fn a_member_joins_and_the_rest_of_the_file_stays_as_written() {
        let out = add_member(FILE, &new("2")).unwrap();
        assert!(
            out.starts_with("# Our operation\n[operation]\nname = \"ACC\"\n"),
            "{out}"
        );
        assert!(out.contains("id = \"1\" # the school"), "{out}");
        let doc: toml::Table = out.parse().unwrap();
        let m = doc["members"].as_array().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(
            member_names(&out).unwrap(),
            [
                ("1".to_string(), "1".to_string()),
                ("2".to_string(), "Boulangerie \"Au pain\"".to_string())
            ]
        );
        assert_eq!(m[1]["name"].as_str(), Some("Boulangerie \"Au pain\""));
        assert_eq!(m[1]["member_from"].to_string(), "2025-04-01");
        assert_eq!(m[1]["curve"]["stored"].as_bool(), Some(true));
        assert_eq!(doc["prices"]["local_eur_per_kwh"].as_float(), Some(0.1));
        assert_eq!(
            add_member(&out, &new("2")),
            Err(EditError::Exists("2".into()))
        );
        // A file without members gets its first.
        let first = add_member("[operation]\nname = \"x\"\n", &new("9")).unwrap();
        assert!(first.contains("[[members]]"), "{first}");
    }

    #[test]
    fn a_member_leaves_on_its_last_day() {
        let day = NaiveDate::from_ymd_opt(2025, 9, 15).unwrap();
        let out = end_membership(FILE, "1", day).unwrap();
        let doc: toml::Table = out.parse().unwrap();
        assert_eq!(doc["members"][0]["member_until"].to_string(), "2025-09-15");
        let again =
            end_membership(&out, "1", NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()).unwrap();
        assert_eq!(again.matches("member_until").count(), 1, "{again}");
        assert_eq!(
            end_membership(FILE, "7", day),
            Err(EditError::Unknown("7".into()))
        );
        assert!(matches!(
            end_membership("[[x", "1", day),
            Err(EditError::NotToml(_))
        ));
        assert_eq!(
            end_membership("members = 3\n", "1", day),
            Err(EditError::NotMembers)
        );
    }
}
