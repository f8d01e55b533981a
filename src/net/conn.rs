//! One connection under a deadline: DNS on a helper thread, TCP connect address by address,
//! socket timeouts armed with the time left before every read and write, and the response
//! head and body read with a byte cap (an endless, dripping or silent server costs at most
//! the deadline). Also the transport's error vocabulary ([`ErrorKind`], [`Phase`]), which
//! verdicts are built on.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::wire::{Chunked, HeadParse, ResponseHead, decode_chunked, parse_head};
use crate::redact::redact;

/// The phase a fetch was in when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Dns,
    Connect,
    Proxy,
    Tls,
    FirstByte,
    Body,
    Redirect,
}

impl Phase {
    fn describe(self) -> &'static str {
        match self {
            Phase::Dns => "resolving the host name",
            Phase::Connect => "connecting",
            Phase::Proxy => "opening a tunnel through the HTTP proxy",
            Phase::Tls => "the TLS handshake",
            Phase::FirstByte => "waiting for the response",
            Phase::Body => "reading the response body",
            Phase::Redirect => "following redirects",
        }
    }
}

/// What went wrong, as a category a verdict can be built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The host name does not resolve.
    Dns,
    /// Nothing listens on the port (connection refused).
    Refused,
    /// No route, network down, or another connect error.
    Unreachable,
    /// The deadline passed.
    Timeout,
    /// The peer reset or closed the connection before a full response.
    Reset,
    /// The certificate is signed by an authority the trust store does not know.
    TlsUnknownAuthority,
    /// The certificate is not valid for this host name.
    TlsHostname,
    /// The certificate has expired or is not valid yet.
    TlsExpired,
    /// Another TLS failure (including a server that does not speak TLS).
    Tls,
    /// The bytes received are not HTTP.
    Garbage,
    /// The body is larger than the cap (an endless body).
    TooLarge,
    /// More redirects than go follows.
    RedirectLoop,
    /// A redirect from https to http, which go refuses.
    InsecureRedirect,
    /// A redirect without a usable Location.
    BadRedirect,
    /// The HTTP proxy from HTTPS_PROXY/HTTP_PROXY refused or failed the tunnel.
    Proxy,
    /// Any other I/O error (also: GOAUTH cannot be used, go stops before sending).
    Io,
}

/// Why a fetch failed: category, phase, and a human message (already redacted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchError {
    pub kind: ErrorKind,
    pub phase: Phase,
    pub message: String,
}

impl FetchError {
    pub fn new(kind: ErrorKind, phase: Phase, message: impl Into<String>) -> Self {
        FetchError {
            kind,
            phase,
            message: redact(&message.into()),
        }
    }
}

pub(super) fn remaining(deadline: Instant, phase: Phase) -> Result<Duration, FetchError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left < Duration::from_millis(1) {
        return Err(timeout(phase));
    }
    Ok(left)
}

pub(super) fn timeout(phase: Phase) -> FetchError {
    FetchError::new(
        ErrorKind::Timeout,
        phase,
        format!("timed out while {}", phase.describe()),
    )
}

pub(super) fn resolve(
    host: &url::Host<String>,
    port: u16,
    deadline: Instant,
) -> Result<Vec<SocketAddr>, FetchError> {
    let name = match host {
        url::Host::Ipv4(ip) => return Ok(vec![SocketAddr::new(IpAddr::V4(*ip), port)]),
        url::Host::Ipv6(ip) => return Ok(vec![SocketAddr::new(IpAddr::V6(*ip), port)]),
        url::Host::Domain(d) => d.clone(),
    };
    let left = remaining(deadline, Phase::Dns)?;
    // getaddrinfo has no timeout: run it on a detached thread and stop waiting at the deadline.
    let (tx, rx) = mpsc::channel();
    let lookup = name.clone();
    let spawned = std::thread::Builder::new()
        .name("godoctor-dns".into())
        .spawn(move || {
            let _ = tx.send(
                (lookup.as_str(), port)
                    .to_socket_addrs()
                    .map(Iterator::collect::<Vec<_>>),
            );
        });
    if let Err(e) = spawned {
        return Err(FetchError::new(
            ErrorKind::Io,
            Phase::Dns,
            format!("cannot start a DNS lookup: {e}"),
        ));
    }
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(FetchError::new(
            ErrorKind::Dns,
            Phase::Dns,
            format!("lookup {name}: no addresses"),
        )),
        Ok(Err(e)) => Err(FetchError::new(
            ErrorKind::Dns,
            Phase::Dns,
            format!("lookup {name}: {e}"),
        )),
        Err(_) => Err(timeout(Phase::Dns)),
    }
}

pub(super) fn connect(addrs: &[SocketAddr], deadline: Instant) -> Result<TcpStream, FetchError> {
    let mut first_err = None;
    for addr in addrs {
        let left = remaining(deadline, Phase::Connect)?;
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => return Ok(s),
            Err(e) => {
                let err = match e.kind() {
                    io::ErrorKind::ConnectionRefused => FetchError::new(
                        ErrorKind::Refused,
                        Phase::Connect,
                        format!("dial tcp {addr}: connection refused"),
                    ),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => timeout(Phase::Connect),
                    _ => FetchError::new(
                        ErrorKind::Unreachable,
                        Phase::Connect,
                        format!("dial tcp {addr}: {e}"),
                    ),
                };
                first_err.get_or_insert(err);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| {
        FetchError::new(ErrorKind::Dns, Phase::Dns, "no addresses to connect to")
    }))
}

/// A connection, plain or TLS.
pub(super) enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Conn {
    pub(super) fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }
    /// Arm socket timeouts with the time left (at least 1 ms: zero means "no timeout").
    pub(super) fn set_timeout(&self, deadline: Instant) {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let _ = self.tcp().set_read_timeout(Some(left));
        let _ = self.tcp().set_write_timeout(Some(left));
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

pub(super) fn io_error(e: io::Error, phase: Phase) -> FetchError {
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return tls_error(tls);
    }
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => timeout(phase),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => FetchError::new(
            ErrorKind::Reset,
            phase,
            format!("connection reset by peer while {}", phase.describe()),
        ),
        io::ErrorKind::UnexpectedEof => FetchError::new(
            ErrorKind::Reset,
            phase,
            format!("connection closed while {}", phase.describe()),
        ),
        _ => FetchError::new(
            ErrorKind::Io,
            phase,
            format!("{e} while {}", phase.describe()),
        ),
    }
}

pub(super) fn read_head(
    conn: &mut Conn,
    deadline: Instant,
    phase: Phase,
) -> Result<(ResponseHead, Instant), FetchError> {
    let mut buf = Vec::new();
    let mut first = None;
    let mut chunk = [0u8; 8192];
    loop {
        match parse_head(&buf) {
            Ok(head) if (100..200).contains(&head.status) && head.status != 101 => {
                // An interim response (100 Continue, 103 Early Hints): the real one follows.
                buf = head.rest;
                continue;
            }
            Ok(head) => return Ok((head, first.unwrap_or_else(Instant::now))),
            Err(HeadParse::Garbage(m)) if !buf.is_empty() => {
                return Err(FetchError::new(ErrorKind::Garbage, phase, m));
            }
            Err(_) => {}
        }
        remaining(deadline, phase)?;
        conn.set_timeout(deadline);
        let n = conn.read(&mut chunk).map_err(|e| io_error(e, phase))?;
        if n == 0 {
            return Err(if buf.is_empty() {
                FetchError::new(
                    ErrorKind::Reset,
                    phase,
                    "the server closed the connection without answering",
                )
            } else {
                FetchError::new(
                    ErrorKind::Garbage,
                    phase,
                    "the server closed the connection in the middle of the response head",
                )
            });
        }
        first.get_or_insert_with(Instant::now);
        buf.extend_from_slice(&chunk[..n]);
    }
}

type BodyError = (Vec<u8>, FetchError);

pub(super) fn read_body(
    conn: &mut Conn,
    head: &ResponseHead,
    deadline: Instant,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if head.status == 204 || head.status == 304 {
        return Ok(Vec::new());
    }
    let chunked = head
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = if chunked {
        None
    } else {
        head.header("content-length")
            .and_then(|v| v.trim().parse::<usize>().ok())
    };
    let mut raw = head.rest.clone();
    let mut chunk = [0u8; 16384];
    let too_large = |n: usize| {
        FetchError::new(
            ErrorKind::TooLarge,
            Phase::Body,
            format!("the body is larger than the {n}-byte cap (endless body?)"),
        )
    };
    loop {
        if chunked {
            match decode_chunked(&raw) {
                Chunked::Complete(body) if body.len() <= cap => return Ok(body),
                Chunked::Complete(mut body) => {
                    body.truncate(cap);
                    return Err((body, too_large(cap)));
                }
                Chunked::Incomplete(n) if n > cap => return Err((raw, too_large(cap))),
                Chunked::Invalid => {
                    return Err((
                        Vec::new(),
                        FetchError::new(ErrorKind::Garbage, Phase::Body, "malformed chunked body"),
                    ));
                }
                Chunked::Incomplete(_) => {}
            }
        } else if let Some(len) = length {
            if len > cap && raw.len() > cap {
                raw.truncate(cap);
                return Err((raw, too_large(cap)));
            }
            if raw.len() >= len {
                raw.truncate(len);
                return Ok(raw);
            }
        } else if raw.len() > cap {
            raw.truncate(cap);
            return Err((raw, too_large(cap)));
        }
        if let Err(e) = remaining(deadline, Phase::Body) {
            let e = drip(e, &raw);
            return Err((raw, e));
        }
        conn.set_timeout(deadline);
        match conn.read(&mut chunk) {
            Ok(0) => {
                if chunked || length.is_some_and(|l| raw.len() < l) {
                    return Err((
                        raw,
                        FetchError::new(
                            ErrorKind::Reset,
                            Phase::Body,
                            "the connection closed before the body was complete",
                        ),
                    ));
                }
                return Ok(raw);
            }
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            // A TLS peer that closes without close_notify: treat as end of body when unframed.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !chunked && length.is_none() => {
                return Ok(raw);
            }
            Err(e) => {
                let err = drip(io_error(e, Phase::Body), &raw);
                return Err((raw, err));
            }
        }
    }
}

/// A body timeout after some bytes arrived is a server dripping its answer.
fn drip(e: FetchError, raw: &[u8]) -> FetchError {
    if e.kind == ErrorKind::Timeout && !raw.is_empty() {
        FetchError::new(
            ErrorKind::Timeout,
            Phase::Body,
            format!(
                "timed out reading the body: only {} bytes arrived (a server dripping bytes?)",
                raw.len()
            ),
        )
    } else {
        e
    }
}

/// A TLS failure in go's words, categorised.
pub(super) fn tls_error(e: &rustls::Error) -> FetchError {
    use rustls::CertificateError as C;
    let (kind, msg) = match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => (
            ErrorKind::TlsUnknownAuthority,
            "x509: certificate signed by unknown authority".to_string(),
        ),
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => (
            ErrorKind::TlsHostname,
            format!("x509: certificate is not valid for this host ({e})"),
        ),
        rustls::Error::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. },
        ) => (
            ErrorKind::TlsExpired,
            format!("x509: certificate has expired or is not yet valid ({e})"),
        ),
        rustls::Error::InvalidMessage(_) => (
            ErrorKind::Tls,
            format!("the server does not speak TLS (plain HTTP on an https:// URL?): {e}"),
        ),
        rustls::Error::InvalidCertificate(C::Other(o))
            if matches!(
                o.0.downcast_ref::<webpki::Error>(),
                Some(webpki::Error::CaUsedAsEndEntity)
            ) =>
        {
            // What is left after net::tls's chain of one and direct issuance: a CA:TRUE
            // server certificate reached through intermediates, which crypto/x509 may accept.
            (
                ErrorKind::Tls,
                "the server's certificate says CA:TRUE and is not itself trusted nor issued directly by a trusted root: godoctor cannot check such a chain (go accepts a CA:TRUE server certificate whose chain is valid)".to_string(),
            )
        }
        other => (ErrorKind::Tls, format!("TLS handshake failed: {other}")),
    };
    FetchError::new(kind, Phase::Tls, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_leaf_godoctor_cannot_check_is_said_so() {
        let e = rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
            rustls::OtherError(std::sync::Arc::new(webpki::Error::CaUsedAsEndEntity)),
        ));
        let f = tls_error(&e);
        assert_eq!((f.kind, f.phase), (ErrorKind::Tls, Phase::Tls));
        assert!(f.message.contains("cannot check"), "{}", f.message);
        assert!(!f.message.contains("OtherError"), "{}", f.message);
    }
}
