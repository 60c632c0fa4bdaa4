//! Districts enter the server as district-file text: validated by the model crate (parsed,
//! then loaded so referenced files are checked too) before anything is stored. Every file the
//! district names must be a relative path inside the configured data folder (no absolute path,
//! no `..`): a district is text from a user who may not read the server's disk. Problems become
//! [`InputProblem`]s with line and column, and never show the data folder's own path.

use std::path::{Path, PathBuf};

use quartier_model::{Diagnostics, District, DistrictData, DistrictOptions, SourceMap};
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

/// `msg` with every mention of `folder/` removed: a file named as its user wrote it, relative
/// to that folder, and the server's own path never shown.
pub(crate) fn without_folder(msg: &str, folder: &Path) -> String {
    msg.replace(
        &format!("{}{}", folder.display(), std::path::MAIN_SEPARATOR),
        "",
    )
}

/// The problems of a file read in `folder`, with `folder`'s own path removed from messages (a
/// file is named as the district names it, relative to the data folder).
pub(crate) fn problems(diags: &Diagnostics, folder: &Path) -> Vec<InputProblem> {
    let hide = |s: &str| without_folder(s, folder);
    diags
        .iter()
        .map(|d| InputProblem {
            line: d.position.map(|p| p.line as u64),
            column: d.position.map(|p| p.column as u64),
            path: d.path.clone(),
            message: hide(&d.message),
            expected: d.expected.as_deref().map(hide),
            timestamp: None,
            french: None,
        })
        .collect()
}

fn district_path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// Parses a district file stored on the server: its files confined to the data folder.
pub(crate) fn parse(data_dir: &Path, text: &str) -> Result<(District, SourceMap), Diagnostics> {
    let options = DistrictOptions {
        confine_files: true,
    };
    quartier_model::parse_district_in(text, &district_path(data_dir), &options)
}

/// Parses and loads a district file (blocking: reads the referenced files).
pub(crate) fn parse_and_load(
    data_dir: &Path,
    text: &str,
) -> Result<(District, DistrictData), Vec<InputProblem>> {
    let (district, sources) = parse(data_dir, text).map_err(|d| problems(&d, data_dir))?;
    let data = quartier_model::load(&district, &sources).map_err(|d| problems(&d, data_dir))?;
    Ok((district, data))
}

/// How a district enters the server.
#[derive(Debug, Clone, Copy, Default)]
pub struct DistrictUpload {
    /// Share with the new district the meters another district already holds (a decision of
    /// the programme team); otherwise such a meter is refused with a conflict.
    pub share_meters: bool,
}

/// Validates `text` as a district file (parse, then load its files from `data_dir`) and
/// stores it with its participants. Every problem is returned at once as
/// [`ApiError::Invalid`].
pub async fn create_district(
    store: &Store,
    data_dir: &Path,
    text: String,
    upload: DistrictUpload,
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
            shared_at: upload.share_meters.then(chrono::Utc::now),
        })
        .await?;
    Ok(CreatedDistrict {
        id,
        name,
        participants: n,
    })
}
