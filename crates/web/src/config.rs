//! Typed configuration, layered: defaults, then an optional TOML file, then `QUARTIER_…`
//! environment variables. Secrets are wrapped in [`Secret`], whose `Debug` and `Display`
//! print `[redacted]`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A value that must never be printed (a password).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The server's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// Database URL: `sqlite://PATH` or `sqlite::memory:`.
    pub database_url: String,
    /// Folder where the data files that district files reference live (weather, sessions…);
    /// a district's relative paths resolve against it.
    pub data_dir: PathBuf,
    /// Session lifetime, minutes.
    pub session_minutes: i64,
    /// Largest request body accepted, bytes.
    pub max_body_bytes: usize,
    /// Failed logins allowed per username, and per client address, within the window.
    pub login_attempts: u32,
    /// The rate-limit window, seconds.
    pub login_window_seconds: u64,
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Password of the first programme user (`admin`) when the database has no user.
    pub admin_password: Option<Secret>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://quartier.db".into(),
            data_dir: PathBuf::from("quartier-data"),
            session_minutes: 12 * 60,
            max_body_bytes: 16 * 1024 * 1024,
            login_attempts: 5,
            login_window_seconds: 15 * 60,
            secure_cookies: false,
            admin_password: None,
        }
    }
}

/// A configuration that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An environment variable is not valid.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Defaults, then `file` if given, then the environment (`QUARTIER_ADDR`,
    /// `QUARTIER_DATABASE_URL`, `QUARTIER_DATA_DIR`, `QUARTIER_SESSION_MINUTES`,
    /// `QUARTIER_MAX_BODY_BYTES`, `QUARTIER_SECURE_COOKIES`, `QUARTIER_ADMIN_PASSWORD`).
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut c = match file {
            None => Config::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?
            }
        };
        c.apply_env(|k| std::env::var(k).ok())?;
        Ok(c)
    }

    /// Applies `QUARTIER_…` variables read through `get` (testable without the process
    /// environment).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ConfigError>
        where
            T::Err: fmt::Display,
        {
            v.parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.into(),
                message: e.to_string(),
            })
        }
        if let Some(v) = get("QUARTIER_ADDR") {
            self.addr = parse("QUARTIER_ADDR", &v)?;
        }
        if let Some(v) = get("QUARTIER_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = get("QUARTIER_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("QUARTIER_SESSION_MINUTES") {
            self.session_minutes = parse("QUARTIER_SESSION_MINUTES", &v)?;
        }
        if let Some(v) = get("QUARTIER_MAX_BODY_BYTES") {
            self.max_body_bytes = parse("QUARTIER_MAX_BODY_BYTES", &v)?;
        }
        if let Some(v) = get("QUARTIER_SECURE_COOKIES") {
            self.secure_cookies = parse("QUARTIER_SECURE_COOKIES", &v)?;
        }
        if let Some(v) = get("QUARTIER_ADMIN_PASSWORD") {
            self.admin_password = Some(Secret::new(v));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let mut c = Config::default();
        c.apply_env(|k| (k == "QUARTIER_ADMIN_PASSWORD").then(|| "hunter2".to_string()))
            .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn env_overrides_file_values_and_bad_values_are_named() {
        let mut c: Config = toml::from_str("addr = \"127.0.0.1:9000\"").unwrap();
        assert_eq!(c.addr.port(), 9000);
        c.apply_env(|k| (k == "QUARTIER_ADDR").then(|| "127.0.0.1:0".to_string()))
            .unwrap();
        assert_eq!(c.addr.port(), 0);
        let err = c
            .apply_env(|k| (k == "QUARTIER_SESSION_MINUTES").then(|| "ten".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("QUARTIER_SESSION_MINUTES"));
    }
}
