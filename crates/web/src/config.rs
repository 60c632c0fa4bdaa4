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

/// A reverse proxy the server believes: one address or a network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(pub ipnet::IpNet);

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| {
                format!("{s:?} is not an address or a network (expected 192.0.2.7 or 10.0.0.0/8)")
            })
    }
}

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl TrustedProxy {
    /// True when `ip` is this proxy (or in its network).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.0.contains(&ip)
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
    /// Failed logins for one username from one client address before each further attempt
    /// waits (1 s, then doubling up to `login_max_delay_seconds`); a client address trying
    /// many usernames waits after four times as many. The right password from another address
    /// is never held back.
    pub login_attempts: u32,
    /// How long a client address's failures are remembered after its last one, seconds.
    pub login_window_seconds: u64,
    /// The longest wait imposed between two login attempts, seconds.
    pub login_max_delay_seconds: u64,
    /// Accounts one client address may create per hour at `/signup` (or
    /// `POST /api/v1/applicants`) before each further sign-up waits (1 s, doubling up to an
    /// hour): each sign-up costs the server a slow password hash.
    pub signups_per_hour: u32,
    /// Mark the session cookie `Secure` always; it is also marked so on any request a trusted
    /// proxy forwarded as HTTPS (`X-Forwarded-Proto: https`).
    pub secure_cookies: bool,
    /// Addresses (`192.0.2.7`) or networks (`10.0.0.0/8`) of the reverse proxies in front of
    /// the server: only a request from one of them has its `X-Forwarded-For` and
    /// `X-Forwarded-Proto` believed. Empty: the peer address is the client.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// Jobs one user may have queued or running at once.
    pub max_jobs_per_user: usize,
    /// Jobs one district may have queued or running at once.
    pub max_jobs_per_district: usize,
    /// How long an entry of the audit log is kept, days (checked at start and every hour).
    /// The log holds who changed what: keep it as long as your data-protection register says
    /// (the CNIL recommends six months to a year for such logs).
    pub audit_retention_days: u32,
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
            login_max_delay_seconds: 15 * 60,
            signups_per_hour: 10,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            max_jobs_per_user: 4,
            max_jobs_per_district: 8,
            audit_retention_days: 365,
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
    /// `QUARTIER_MAX_BODY_BYTES`, `QUARTIER_SECURE_COOKIES`, `QUARTIER_ADMIN_PASSWORD`,
    /// `QUARTIER_AUDIT_RETENTION_DAYS`, `QUARTIER_TRUSTED_PROXIES` as a comma-separated list).
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
        if let Some(v) = get("QUARTIER_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| parse("QUARTIER_TRUSTED_PROXIES", p))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = get("QUARTIER_AUDIT_RETENTION_DAYS") {
            self.audit_retention_days = parse("QUARTIER_AUDIT_RETENTION_DAYS", &v)?;
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
    fn trusted_proxies_are_addresses_or_networks() {
        let c: Config = toml::from_str("trusted_proxies = [\"10.0.0.0/8\", \"::1\"]").unwrap();
        assert!(c.trusted_proxies[0].contains("10.1.2.3".parse().unwrap()));
        assert!(!c.trusted_proxies[0].contains("11.1.2.3".parse().unwrap()));
        assert!(c.trusted_proxies[1].contains("::1".parse().unwrap()));
        let err = toml::from_str::<Config>("trusted_proxies = [\"proxy\"]").unwrap_err();
        assert!(err.to_string().contains("not an address"), "{err}");
        let mut c = Config::default();
        c.apply_env(|k| (k == "QUARTIER_TRUSTED_PROXIES").then(|| "127.0.0.1, 10.0.0.0/8".into()))
            .unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
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
