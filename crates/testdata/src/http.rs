//! A tiny blocking HTTP/1.1 client over `std::net` for tests (no client library): one request
//! per connection (`Connection: close`), chunked bodies decoded, and a free loopback port to
//! start servers on. The server tests of `quartier-web` and `quartier-cli` share it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// A free TCP port on 127.0.0.1 (bound, then released: a server started right after gets it).
///
/// # Panics
/// When the system has no loopback port to give.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The body of a `Transfer-Encoding: chunked` response, unchunked. A truncated or malformed
/// stream ends the body where it breaks (never panics).
pub fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        let Some(chunk) = b.get(i + 2..i + 2 + n) else {
            break;
        };
        out.extend_from_slice(chunk);
        b = b.get(i + 2 + n + 2..).unwrap_or_default();
    }
    out
}

/// A response: status, the head (status line and headers) as raw text, body as text.
#[derive(Debug, Clone)]
pub struct Resp {
    /// The HTTP status code.
    pub status: u16,
    /// The status line and headers, as received.
    pub head: String,
    /// The body (unchunked), lossily decoded as UTF-8.
    pub body: String,
}

impl Resp {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    /// The session cookie the response sets, as `name=value` (what a `Cookie:` header sends).
    pub fn cookie(&self) -> Option<String> {
        let v = self.header("set-cookie")?;
        v.split(';').next().map(|c| c.trim().to_string())
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    /// When the body is not JSON (the message shows it).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// The request head: `Host: test`, `Connection: close`, `Content-Type: application/json`, the
/// given body length and cookie.
pub fn head(method: &str, path: &str, cookie: Option<&str>, len: usize) -> String {
    let mut h = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {len}\r\n"
    );
    if let Some(c) = cookie {
        h.push_str(&format!("Cookie: {c}\r\n"));
    }
    h.push_str("\r\n");
    h
}

/// One HTTP/1.1 request (see [`head`]) and its whole response; I/O errors (server not up
/// yet, connection reset) are returned, not panicked on.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.write_all(head(method, path, cookie, body.len()).as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    parse(&raw)
}

/// A whole raw HTTP/1.1 response (head, blank line, body, chunked or not) as a [`Resp`]; an
/// incomplete head or a missing status is an error.
pub fn parse(raw: &[u8]) -> std::io::Result<Resp> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("incomplete response"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let mut payload = raw[split + 4..].to_vec();
    if head.to_lowercase().contains("transfer-encoding: chunked") {
        payload = dechunk(&payload);
    }
    Ok(Resp {
        status,
        head,
        body: String::from_utf8_lossy(&payload).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dechunk_joins_chunks_and_survives_truncation() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), b"abcde");
        assert_eq!(dechunk(b"3\r\nabc\r\nff\r\nde"), b"abc");
        assert_eq!(dechunk(b""), b"");
    }

    #[test]
    fn headers_are_found_case_insensitively() {
        let r = Resp {
            status: 200,
            head: "HTTP/1.1 200 OK\r\nSet-Cookie: quartier_session=abc; HttpOnly; Path=/"
                .to_string(),
            body: String::new(),
        };
        assert_eq!(r.cookie().as_deref(), Some("quartier_session=abc"));
        assert!(
            r.header("SET-COOKIE")
                .is_some_and(|v| v.ends_with("Path=/"))
        );
    }
}
