//! Districts enter the server as district-file text: validated by the model crate (parsed,
//! then loaded so referenced files are checked too) before anything is stored. Relative
//! paths in the file resolve against the configured data folder. Problems become
//! [`InputProblem`]s with line and column.

use std::path::{Path, PathBuf};

use quartier_model::{Diagnostics, District, DistrictData};
use quartier_store::{NewDistrict, Store};

use crate::error::{ApiError, InputProblem};

/// The name the district file has in diagnostics, inside the data folder.
pub(crate) const FILE_NAME: &str = "district.toml";

/// A district that was created.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedDistrict {
    /// Its id.
    pub id: i64,
    /// Its name (from `[site] name`).
    pub name: String,
    /// Number of participants it declares.
    pub participants: usize,
}

pub(crate) fn problems(diags: &Diagnostics) -> Vec<InputProblem> {
    diags
        .iter()
        .map(|d| InputProblem {
            line: d.position.map(|p| p.line as u64),
            column: d.position.map(|p| p.column as u64),
            path: d.path.clone(),
            message: d.message.clone(),
            expected: d.expected.clone(),
            timestamp: None,
        })
        .collect()
}

pub(crate) fn district_path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// Parses and loads a district file (blocking: reads the referenced files).
pub(crate) fn parse_and_load(
    data_dir: &Path,
    text: &str,
) -> Result<(District, DistrictData), Vec<InputProblem>> {
    let path = district_path(data_dir);
    let (district, sources) =
        quartier_model::parse_district(text, &path).map_err(|d| problems(&d))?;
    let data = quartier_model::load(&district, &sources).map_err(|d| problems(&d))?;
    Ok((district, data))
}

/// Validates `text` as a district file (parse, then load its files from `data_dir`) and
/// stores it with its participants. Every problem is returned at once as
/// [`ApiError::Invalid`].
pub async fn create_district(
    store: &Store,
    data_dir: &Path,
    text: String,
) -> Result<CreatedDistrict, ApiError> {
    let dir = data_dir.to_path_buf();
    let checked = {
        let text = text.clone();
        tokio::task::spawn_blocking(move || {
            parse_and_load(&dir, &text).map(|(district, _data)| district)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let district = checked.map_err(ApiError::Invalid)?;
    let participants: Vec<(String, String, String)> = district
        .participants
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                p.name.clone(),
                match p.role {
                    quartier_model::Role::Consumer => "consumer",
                    quartier_model::Role::Producer => "producer",
                    quartier_model::Role::Prosumer => "prosumer",
                }
                .to_string(),
            )
        })
        .collect();
    let n = participants.len();
    let name = district.site.name.clone();
    let id = store
        .create_district(NewDistrict {
            name: name.clone(),
            source_toml: text,
            created_at: chrono::Utc::now(),
            participants,
        })
        .await?;
    Ok(CreatedDistrict {
        id,
        name,
        participants: n,
    })
}
