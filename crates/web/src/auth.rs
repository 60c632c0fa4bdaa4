//! Authentication and authorisation: argon2 password hashes, random session and CSRF
//! tokens, the session cookie (HttpOnly, SameSite=Strict), the login rate limiter (per
//! username and per client address, in memory), and the [`CurrentUser`] extractor with the
//! visibility rules of each role.
//!
//! Visibility: the programme sees everything; an organiser sees their district and the
//! curves of its participants; a participant sees only their own PRM. Anything not visible
//! answers 404, exactly like something absent, so ids cannot be probed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use quartier_store::{Role, User};

use crate::AppState;
use crate::error::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "quartier_session";

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ApiError::Internal(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// True when `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random token: 32 bytes as lowercase hex.
pub fn random_token() -> Result<String, ApiError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The value of cookie `name` in the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value of a session cookie (`max_age` seconds; 0 deletes it).
pub fn session_cookie(token: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Failed login attempts per key (username or address) within a sliding window.
pub struct RateLimiter {
    max: u32,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    /// At most `max` failures per key within `window`.
    pub fn new(max: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(username: &str, ip: Option<IpAddr>) -> Vec<String> {
        let mut k = vec![format!("user:{}", username.to_lowercase())];
        if let Some(ip) = ip {
            k.push(format!("ip:{ip}"));
        }
        k
    }

    /// True when another attempt is allowed for this username and address.
    pub fn allowed(&self, username: &str, ip: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        Self::keys(username, ip).iter().all(|k| {
            let v = map.entry(k.clone()).or_default();
            v.retain(|t| now.duration_since(*t) < self.window);
            v.len() < self.max as usize
        })
    }

    /// Records a failed attempt.
    pub fn failed(&self, username: &str, ip: Option<IpAddr>) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Bound the memory an attacker can make us use.
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < self.window));
        }
        for k in Self::keys(username, ip) {
            map.entry(k).or_default().push(now);
        }
    }

    /// Forgets the failures of a username after a successful login.
    pub fn succeeded(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("user:{}", username.to_lowercase()));
    }
}

/// The logged-in user of a request, with the session's CSRF token and cookie token.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The user.
    pub user: User,
    /// The CSRF token HTML forms of this session must carry.
    pub csrf_token: String,
    /// The session token (for logout).
    pub token: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(ApiError::Unauthenticated)?;
        let (session, user) = state
            .store
            .session(&token, chrono::Utc::now())
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(CurrentUser {
            user,
            csrf_token: session.csrf_token,
            token,
        })
    }
}

/// The optional variant: `None` when not logged in (pages redirect to the login form).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(u) => Ok(MaybeUser(Some(u))),
            Err(ApiError::Unauthenticated) => Ok(MaybeUser(None)),
            Err(e) => Err(e),
        }
    }
}

impl CurrentUser {
    /// True when the user may see district `id` (its name and KPIs).
    pub fn sees_district(&self, id: i64) -> bool {
        match self.user.role {
            Role::Programme => true,
            Role::Organiser | Role::Participant => self.user.district_id == Some(id),
        }
    }

    /// True when the user manages district `id` (participants, uploads, simulations).
    pub fn manages_district(&self, id: i64) -> bool {
        match self.user.role {
            Role::Programme => true,
            Role::Organiser => self.user.district_id == Some(id),
            Role::Participant => false,
        }
    }

    /// True when the user may read the curve of `prm`, which belongs to `districts`.
    pub fn reads_prm(&self, prm: &str, districts: &[i64]) -> bool {
        match self.user.role {
            Role::Programme => !districts.is_empty(),
            Role::Organiser => self
                .user
                .district_id
                .is_some_and(|d| districts.contains(&d)),
            Role::Participant => self.user.prm.as_deref() == Some(prm),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn limiter_blocks_after_max_failures_per_user_and_per_address() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(l.allowed("ana", Some(ip)));
        l.failed("ana", Some(ip));
        l.failed("ANA", None);
        assert!(!l.allowed("ana", None));
        // The address has one failure only: another username from it still may try.
        assert!(l.allowed("bob", Some(ip)));
        l.failed("bob", Some(ip));
        assert!(!l.allowed("carl", Some(ip)));
    }
}
