//! Authentication and authorisation: argon2 password hashes, random session and CSRF
//! tokens, the session cookie (HttpOnly, SameSite=Strict), the login throttle (growing delays
//! per username and client address, in memory: never a lock-out of an account), the
//! [`Client`] extractor (the client's address and HTTPS, believing `X-Forwarded-…` headers from
//! trusted proxies only), and the [`CurrentUser`] extractor with the visibility rules of each
//! role.
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

use crate::error::ApiError;
use crate::{AppState, Config};

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

/// The login throttle. Failures are counted per (username, client address) and per client
/// address alone; past `free` failures (four times as many for an address alone), each further
/// attempt waits for a delay that starts at one second and doubles with each failure, up to
/// `max_delay`. Nothing is counted per username alone, so nobody can lock an account from
/// elsewhere: the right password from another address always gets in. A key is forgotten
/// `window` after its last failure, and a success clears its (username, address) pair.
pub struct LoginThrottle {
    free: u32,
    window: Duration,
    max_delay: Duration,
    keys: Mutex<HashMap<String, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    /// No attempt before this instant.
    until: Instant,
}

/// Keys an attacker could make us keep (each a few dozen bytes).
const MAX_THROTTLE_KEYS: usize = 100_000;

impl LoginThrottle {
    /// A throttle that lets `free` failures through per (username, address) before delays,
    /// forgets a key `window` after its last failure and never waits more than `max_delay`.
    pub fn new(free: u32, window: Duration, max_delay: Duration) -> LoginThrottle {
        LoginThrottle {
            free,
            window,
            max_delay,
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// The keys of an attempt: (key, factor of `free`). The username is cut to the longest a
    /// username may be (64 characters, `input::USERNAME_CHARS`), so that an attacker's
    /// megabyte-long names cost no more memory than real ones.
    fn keys(username: &str, ip: IpAddr) -> [(String, u32); 2] {
        let name: String = username
            .trim()
            .chars()
            .take(crate::input::USERNAME_CHARS.1)
            .collect::<String>()
            .to_lowercase();
        [(format!("{ip} {name}"), 1), (format!("{ip}"), 4)]
    }

    /// `Ok` when this username may be tried from `ip` now; otherwise how long to wait.
    pub fn check(&self, username: &str, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let map = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let wait = Self::keys(username, ip)
            .iter()
            .filter_map(|(k, _)| map.get(k))
            .filter(|f| now.duration_since(f.last) < self.window)
            .map(|f| f.until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Records a failed attempt for this username from `ip`.
    pub fn failed(&self, username: &str, ip: IpAddr) {
        let now = Instant::now();
        let mut map = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_THROTTLE_KEYS {
            map.retain(|_, f| now.duration_since(f.last) < self.window);
        }
        for (k, factor) in Self::keys(username, ip) {
            let free = self.free.saturating_mul(factor);
            let f = map.entry(k).or_insert(Failures {
                count: 0,
                last: now,
                until: now,
            });
            if now.duration_since(f.last) >= self.window {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
            f.until = now + self.delay_after(f.count, free);
        }
    }

    /// The wait after `count` failures when `free` are let through.
    fn delay_after(&self, count: u32, free: u32) -> Duration {
        if count < free {
            return Duration::ZERO;
        }
        let doublings = (count - free).min(30);
        Duration::from_secs(1u64 << doublings).min(self.max_delay)
    }

    /// Forgets the failures of this username from `ip` after a successful login.
    pub fn succeeded(&self, username: &str, ip: IpAddr) {
        let mut map = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let [(pair, _), _] = Self::keys(username, ip);
        map.remove(&pair);
    }
}

/// Where a request comes from: the client's address and whether it reached us over HTTPS.
/// Behind a trusted proxy (`trusted_proxies` in the configuration) the address is the
/// right-most entry of `X-Forwarded-For` that is not itself a trusted proxy, and HTTPS is
/// `X-Forwarded-Proto: https`; from anyone else those headers are ignored.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    /// The client's address.
    pub ip: IpAddr,
    /// The request reached the first proxy (or us) over HTTPS.
    pub https: bool,
}

impl Client {
    /// The client of a request from `peer` with `headers`, under `config`.
    pub fn of(peer: IpAddr, headers: &HeaderMap, config: &Config) -> Client {
        let trusted = |ip: IpAddr| config.trusted_proxies.iter().any(|p| p.contains(ip));
        if !trusted(peer) {
            return Client {
                ip: peer,
                https: false,
            };
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map_while(|s| s.trim().parse::<IpAddr>().ok())
            .collect();
        let ip = forwarded
            .iter()
            .rev()
            .copied()
            .find(|ip| !trusted(*ip))
            .or_else(|| forwarded.first().copied())
            .unwrap_or(peer);
        let https = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
        Client { ip, https }
    }

    /// Whether the session cookie must be `Secure` for this client.
    pub fn secure_cookie(&self, config: &Config) -> bool {
        config.secure_cookies || self.https
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED));
        Ok(Client::of(peer, &parts.headers, &state.config))
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

/// The session of a request as the hardening middleware already read it (requests that change
/// data): `None` when the request has no live session. `CurrentUser` takes it from the
/// request's extensions instead of reading the store a second time.
#[derive(Debug, Clone)]
pub(crate) struct SeenSession(pub(crate) Option<CurrentUser>);

impl SeenSession {
    /// Reads the session named by the request's cookie; `Err` when the store failed.
    pub(crate) async fn read(state: &AppState, headers: &HeaderMap) -> Result<SeenSession, ()> {
        let Some(token) = cookie(headers, SESSION_COOKIE) else {
            return Ok(SeenSession(None));
        };
        let found = state
            .store
            .session(&token, chrono::Utc::now())
            .await
            .map_err(|_| ())?;
        Ok(SeenSession(found.map(|(session, user)| CurrentUser {
            user,
            csrf_token: session.csrf_token,
            token,
        })))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(SeenSession(seen)) = parts.extensions.get::<SeenSession>() {
            return seen.clone().ok_or(ApiError::Unauthenticated);
        }
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
            Role::Laureate | Role::Applicant | Role::Reviewer => false,
        }
    }

    /// True when the user manages district `id` (participants, uploads, simulations).
    pub fn manages_district(&self, id: i64) -> bool {
        match self.user.role {
            Role::Programme => true,
            Role::Organiser => self.user.district_id == Some(id),
            Role::Participant | Role::Laureate | Role::Applicant | Role::Reviewer => false,
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
            Role::Laureate | Role::Applicant | Role::Reviewer => false,
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

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(2, Duration::from_secs(600), Duration::from_secs(60))
    }

    #[test]
    fn delays_grow_per_username_and_address_and_never_lock_out_another_address() {
        let t = throttle();
        let attacker: IpAddr = "198.51.100.9".parse().unwrap();
        let owner: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(t.check("admin", attacker).is_ok());
        t.failed("admin", attacker);
        assert!(t.check("admin", attacker).is_ok(), "one failure is free");
        t.failed("Admin ", attacker);
        let first = t.check("admin", attacker).unwrap_err();
        assert!(
            first <= Duration::from_secs(1) && !first.is_zero(),
            "{first:?}"
        );
        for _ in 0..20 {
            t.failed("admin", attacker);
        }
        let wait = t.check("admin", attacker).unwrap_err();
        assert!(
            wait > Duration::from_secs(30) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        // The owner, elsewhere, is never held back by the attacker's failures.
        assert!(t.check("admin", owner).is_ok());
        // The attacker's address trying many usernames waits too (after 4 × 2 failures).
        assert!(t.check("bob", attacker).is_err());
    }

    #[test]
    fn keys_stay_small_whatever_the_username() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let huge = "a".repeat(1 << 20);
        let [(pair, _), _] = LoginThrottle::keys(&huge, ip);
        assert!(pair.len() < 100, "{}", pair.len());
        // Cut names still count as one another's failures (same first 64 characters).
        let t = throttle();
        t.failed(&huge, ip);
        t.failed(&format!("{huge}b"), ip);
        assert!(t.check(&huge, ip).is_err());
    }

    #[test]
    fn a_success_clears_its_own_pair_only() {
        let t = throttle();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        t.failed("ana", ip);
        t.failed("ana", ip);
        assert!(t.check("ana", ip).is_err());
        t.succeeded("ana", ip);
        assert!(t.check("ana", ip).is_ok());
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let mut config = Config::default();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.5, 10.0.0.2".parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let c = Client::of(proxy, &h, &config);
        assert_eq!(
            c.ip, proxy,
            "no trusted proxy configured: the peer is the client"
        );
        assert!(!c.https);
        config.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
        let c = Client::of(proxy, &h, &config);
        assert_eq!(c.ip, "203.0.113.5".parse::<IpAddr>().unwrap());
        assert!(c.https && c.secure_cookie(&config));
        // A client cannot choose its address by sending the header itself.
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(Client::of(stranger, &h, &config).ip, stranger);
    }
}
