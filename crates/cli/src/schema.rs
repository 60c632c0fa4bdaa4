//! `quartier schema`: prints the attribute table of the district file as Markdown.

use crate::Outcome;

/// Prints the schema.
pub fn run() -> anyhow::Result<Outcome> {
    print!("{}", quartier_model::schema_markdown());
    Ok(Outcome::Success)
}
