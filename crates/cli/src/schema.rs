//! `quartier schema`: prints the attribute tables of the district file, the community file,
//! the experiment file and the sweep file as Markdown.

use crate::Outcome;

/// Prints the schema.
pub fn run() -> anyhow::Result<Outcome> {
    print!("{}", quartier_model::schema_markdown());
    print!("\n{}", quartier_model::community_schema_markdown());
    print!("\n{}", quartier_model::experiment_schema_markdown());
    print!("\n{}", quartier_model::sweep_schema_markdown());
    Ok(Outcome::Success)
}
