//! The probe's HTTP/1.1 client: one GET with every phase timed (DNS, TCP connect, TLS
//! handshake, time to first byte, total), a hard deadline and a byte cap, and go's client rules
//! (proxy variables, trust store, at most 10 redirects, no leaving https once a redirect chain started there, `.netrc` credentials).
//!
//! Why not reqwest here: it hides the phases of a request (one `send()` covers DNS, connect, TLS
//! and the wait), reads proxy variables from `std::env` rather than our [`ProcessEnv`] snapshot,
//! and cannot cap bytes per read against a deadline. A probe needs exactly those, and only a GET
//! over HTTP/1.1, so it speaks the protocol itself over std sockets and rustls (the TLS stack
//! reqwest already builds). Every blocking call gets the time left until the deadline, so a
//! slow, dripping or endless server costs at most the deadline.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use url::Url;

use super::credentials::Credentials;
use super::env::{ProxyEnv, trust_sources};
use crate::redact::redact;
use crate::sys::ProcessEnv;

/// Most requests go's client makes for one fetch: the first plus nine redirects
/// (net/http stops "after 10 redirects" when the 10th would be followed).
pub const MAX_REQUESTS: usize = 10;
/// Largest response head accepted; anything longer is not a sane HTTP server.
const MAX_HEAD: usize = 64 * 1024;

/// Limits of one fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchOptions {
    /// Moment by which the fetch gives up, whatever the server does.
    pub deadline: Instant,
    /// Most body bytes read; more is reported as [`ErrorKind::TooLarge`].
    pub max_bytes: usize,
}

impl FetchOptions {
    /// A fetch that must finish within `timeout` from now and read at most `max_bytes`.
    pub fn within(timeout: Duration, max_bytes: usize) -> Self {
        FetchOptions {
            deadline: Instant::now() + timeout,
            max_bytes,
        }
    }
}

/// Time spent in each phase of a fetch, in milliseconds. Phases are durations, not offsets:
/// `ttfb_ms` runs from the request being written to the first response byte, so on a loopback
/// server it is the server's own delay. Phases of redirect hops add up; `total_ms` is wall time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Phases {
    pub dns_ms: f64,
    pub connect_ms: f64,
    /// `null` for plain http.
    pub tls_ms: Option<f64>,
    /// `null` when no byte arrived.
    pub ttfb_ms: Option<f64>,
    pub total_ms: f64,
}

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
    /// Any other I/O error.
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
    fn new(kind: ErrorKind, phase: Phase, message: impl Into<String>) -> Self {
        FetchError {
            kind,
            phase,
            message: redact(&message.into()),
        }
    }
}

/// The outcome of one fetch. `status` is set whenever a response head arrived, even if the
/// body then failed (`error` says how).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FetchResult {
    /// The URL finally answered (after redirects), redacted.
    pub url: String,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// `Server`, `X-Powered-By` and `WWW-Authenticate` headers: what software answers and
    /// whether it asks for credentials (the port fingerprint reads them).
    #[serde(skip)]
    pub server: Option<String>,
    #[serde(skip)]
    pub powered_by: Option<String>,
    #[serde(skip)]
    pub www_authenticate: Option<String>,
    /// Body bytes read (up to the cap).
    pub bytes: usize,
    pub phases: Phases,
    /// Each redirect target followed, redacted.
    pub redirects: Vec<String>,
    /// `host:port` of the HTTP proxy used (from HTTPS_PROXY/HTTP_PROXY), if any.
    pub via_proxy: Option<String>,
    /// Whether credentials (URL or .netrc) were sent; the credentials themselves never are kept.
    pub authenticated: bool,
    pub error: Option<FetchError>,
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl FetchResult {
    /// A 2xx status with the full body read.
    pub fn is_success(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// An HTTP prober configured like go's client. Build once (it loads the trust store), share
/// across threads.
#[derive(Debug, Clone)]
pub struct Prober {
    tls: Arc<rustls::ClientConfig>,
    proxies: ProxyEnv,
    credentials: Credentials,
    /// Trust sources that contributed certificates, for display.
    pub trust: Vec<PathBuf>,
    /// Number of trusted certificates loaded.
    pub trust_count: usize,
}

impl Prober {
    /// Configure from the environment: proxies, `.netrc`, trust store (SSL_CERT_FILE/DIR).
    pub fn new(env: &ProcessEnv) -> Self {
        let (files, dirs) = trust_sources(env);
        let mut roots = rustls::RootCertStore::empty();
        let mut trust = Vec::new();
        // go uses the first readable file of the list, then every file in every directory.
        for file in files {
            if let Ok(data) = std::fs::read(&file) {
                if add_pem(&mut roots, &data) > 0 {
                    trust.push(file);
                }
                break;
            }
        }
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut added = 0;
            for entry in entries.flatten() {
                if let Ok(data) = std::fs::read(entry.path()) {
                    added += add_pem(&mut roots, &data);
                }
            }
            if added > 0 {
                trust.push(dir);
            }
        }
        let trust_count = roots.len();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| {
                b.with_root_certificates(roots.clone())
                    .with_no_client_auth()
            })
            .unwrap_or_else(|_| {
                rustls::ClientConfig::builder()
                    .with_root_certificates(roots)
                    .with_no_client_auth()
            });
        Prober {
            tls: Arc::new(tls),
            proxies: ProxyEnv::from_env(env),
            credentials: Credentials::from_netrc(env),
            trust,
            trust_count,
        }
    }

    /// The HTTP proxy go would use for `url`, as `host:port`.
    pub fn proxy_for(&self, url: &Url) -> Option<String> {
        self.proxies.proxy_for(url).map(|p| host_port(&p))
    }

    /// GET `url`, following redirects like go, within `opts`. Never panics, never blocks past
    /// the deadline (DNS lookups that hang are abandoned on a helper thread).
    pub fn fetch(&self, url: &Url, opts: &FetchOptions) -> FetchResult {
        let started = Instant::now();
        let mut result = FetchResult {
            url: redact(url.as_str()),
            ..Default::default()
        };
        let mut current = url.clone();
        loop {
            let hop = self.request(&current, opts, &mut result);
            result.phases.total_ms = ms(started.elapsed());
            let Some(location) = hop else { return result };
            if result.redirects.len() + 1 >= MAX_REQUESTS {
                result.error = Some(FetchError::new(
                    ErrorKind::RedirectLoop,
                    Phase::Redirect,
                    format!("stopped after {MAX_REQUESTS} redirects (last: {})", current),
                ));
                return result;
            }
            let next = match current.join(&location) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => u,
                _ => {
                    result.error = Some(FetchError::new(
                        ErrorKind::BadRedirect,
                        Phase::Redirect,
                        format!("redirect to an unusable location {location:?}"),
                    ));
                    return result;
                }
            };
            // go's CheckRedirect (cmd/go/internal/web) looks at the first request of the chain
            // only: a chain that started at https may not leave it, but http→https→http is
            // followed to the end.
            if url.scheme() == "https" && next.scheme() != "https" {
                result.error = Some(FetchError::new(
                    ErrorKind::InsecureRedirect,
                    Phase::Redirect,
                    format!("redirected from secure URL {current} to insecure URL {next}"),
                ));
                return result;
            }
            result.redirects.push(redact(next.as_str()));
            result.url = redact(next.as_str());
            current = next;
        }
    }

    /// One request. Fills `result`; returns the Location to follow for a redirect.
    fn request(&self, url: &Url, opts: &FetchOptions, result: &mut FetchResult) -> Option<String> {
        match self.request_inner(url, opts, result) {
            Ok(location) => location,
            Err(e) => {
                result.error = Some(e);
                None
            }
        }
    }

    fn request_inner(
        &self,
        url: &Url,
        opts: &FetchOptions,
        result: &mut FetchResult,
    ) -> Result<Option<String>, FetchError> {
        let deadline = opts.deadline;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(FetchError::new(
                    ErrorKind::Io,
                    Phase::Connect,
                    format!("unsupported scheme {other}"),
                ));
            }
        };
        let host = url
            .host()
            .ok_or_else(|| FetchError::new(ErrorKind::Io, Phase::Connect, "URL has no host"))?;
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        if let Some(refused) = self.proxies.refusal(url) {
            return Err(FetchError::new(ErrorKind::Proxy, Phase::Proxy, refused));
        }
        let proxy = self.proxies.proxy_for(url);
        result.via_proxy = proxy.as_ref().map(host_port);

        // DNS (of the proxy when there is one: the proxy resolves the target).
        let t = Instant::now();
        let (conn_host, conn_port) = match &proxy {
            Some(p) => (
                p.host().map(|h| h.to_owned()),
                p.port_or_known_default().unwrap_or(80),
            ),
            None => (Some(host.to_owned()), port),
        };
        let conn_host = conn_host.ok_or_else(|| {
            FetchError::new(ErrorKind::Proxy, Phase::Proxy, "proxy URL has no host")
        })?;
        // A failure to reach the proxy itself is the proxy's fault, in go's words.
        let via = |e: FetchError| match &proxy {
            Some(p) if e.kind != ErrorKind::Timeout => FetchError::new(
                ErrorKind::Proxy,
                Phase::Proxy,
                format!(
                    "proxyconnect tcp (the {} proxy {}): {}",
                    if https { "HTTPS_PROXY" } else { "HTTP_PROXY" },
                    host_port(p),
                    e.message
                ),
            ),
            _ => e,
        };
        let addrs = resolve(&conn_host, conn_port, deadline).map_err(via)?;
        result.phases.dns_ms += ms(t.elapsed());

        // TCP connect: every address in turn, like go's dialer (without the happy-eyeballs race).
        let t = Instant::now();
        let tcp = connect(&addrs, deadline).map_err(via)?;
        result.phases.connect_ms += ms(t.elapsed());
        let _ = tcp.set_nodelay(true);

        let mut plain = Conn::Plain(tcp);
        if let (Some(p), true) = (&proxy, https) {
            tunnel(&mut plain, p, &host_port(url), deadline)?;
        }
        let Conn::Plain(tcp) = plain else {
            return Err(FetchError::new(
                ErrorKind::Io,
                Phase::Connect,
                "internal: connection already encrypted",
            ));
        };
        let mut conn = if https {
            let t = Instant::now();
            let name = match url.host() {
                Some(url::Host::Ipv4(ip)) => ServerName::IpAddress(IpAddr::V4(ip).into()),
                Some(url::Host::Ipv6(ip)) => ServerName::IpAddress(IpAddr::V6(ip).into()),
                _ => ServerName::try_from(url.host_str().unwrap_or_default().to_string()).map_err(
                    |e| {
                        FetchError::new(
                            ErrorKind::Tls,
                            Phase::Tls,
                            format!("bad TLS server name: {e}"),
                        )
                    },
                )?,
            };
            let c = handshake(tcp, self.tls.clone(), name, deadline)?;
            result.phases.tls_ms = Some(result.phases.tls_ms.unwrap_or(0.0) + ms(t.elapsed()));
            c
        } else {
            Conn::Plain(tcp)
        };

        // The request.
        let target = if proxy.is_some() && !https {
            absolute(url)
        } else {
            origin_form(url)
        };
        let mut head = format!(
            "GET {target} HTTP/1.1\r\nHost: {}\r\nUser-Agent: godoctor/{} (probe)\r\nAccept: */*\r\n\
             Accept-Encoding: identity\r\nConnection: close\r\n",
            host_port_header(url),
            env!("CARGO_PKG_VERSION")
        );
        if let Some(auth) = self.credentials(url) {
            head.push_str(&format!("Authorization: Basic {auth}\r\n"));
            result.authenticated = true;
        }
        if let (Some(p), false) = (&proxy, https) {
            if let Some(auth) = userinfo_basic(p) {
                head.push_str(&format!("Proxy-Authorization: Basic {auth}\r\n"));
            }
        }
        head.push_str("\r\n");
        conn.set_timeout(deadline);
        conn.write_all(head.as_bytes())
            .and_then(|_| conn.flush())
            .map_err(|e| io_error(e, Phase::FirstByte))?;
        let sent = Instant::now();

        let (response, first) = read_head(&mut conn, deadline, Phase::FirstByte)?;
        result.phases.ttfb_ms = Some(ms(first.duration_since(sent)));
        result.status = Some(response.status);
        result.content_type = response.header("content-type").map(str::to_string);
        result.server = response.header("server").map(str::to_string);
        result.powered_by = response.header("x-powered-by").map(str::to_string);
        result.www_authenticate = response.header("www-authenticate").map(str::to_string);
        if (300..400).contains(&response.status) && response.status != 304 {
            if let Some(loc) = response.header("location") {
                return Ok(Some(loc.to_string()));
            }
        }
        let body = read_body(&mut conn, &response, deadline, opts.max_bytes);
        match body {
            Ok(b) => {
                result.bytes = b.len();
                result.body = b;
            }
            Err((partial, e)) => {
                result.bytes = partial.len();
                result.body = partial;
                return Err(e);
            }
        }
        Ok(None)
    }

    /// Basic credentials for `url`: its own userinfo, else what the credential loader has.
    fn credentials(&self, url: &Url) -> Option<String> {
        userinfo_basic(url).or_else(|| self.credentials.basic_for(url))
    }

    /// The same prober sending `credentials` instead of the `.netrc` ones (GOAUTH decides).
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
}

fn add_pem(roots: &mut rustls::RootCertStore, data: &[u8]) -> usize {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(data)
        .filter_map(Result::ok)
        .collect();
    roots.add_parsable_certificates(certs).0
}

fn userinfo_basic(url: &Url) -> Option<String> {
    if url.username().is_empty() {
        return None;
    }
    let user = percent_decode(url.username());
    let pass = url.password().map(percent_decode).unwrap_or_default();
    Some(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `host:port` of a URL (IPv6 in brackets), port always present.
pub fn host_port(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}

fn host_port_header(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    }
}

/// The request target as go's `url.URL.EscapedPath` writes it: `!` (the case-encoding mark
/// of module paths) goes out as `%21`, which the url crate leaves bare.
fn origin_form(url: &Url) -> String {
    let path = url.path().replace('!', "%21");
    match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    }
}

fn absolute(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);
    u.to_string()
        .replacen(u.path(), &u.path().replace('!', "%21"), 1)
}

/// Milliseconds with microsecond resolution.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn remaining(deadline: Instant, phase: Phase) -> Result<Duration, FetchError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left < Duration::from_millis(1) {
        return Err(timeout(phase));
    }
    Ok(left)
}

fn timeout(phase: Phase) -> FetchError {
    FetchError::new(
        ErrorKind::Timeout,
        phase,
        format!("timed out while {}", phase.describe()),
    )
}

fn resolve(
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

fn connect(addrs: &[SocketAddr], deadline: Instant) -> Result<TcpStream, FetchError> {
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
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }
    /// Arm socket timeouts with the time left (at least 1 ms: zero means "no timeout").
    fn set_timeout(&self, deadline: Instant) {
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

fn io_error(e: io::Error, phase: Phase) -> FetchError {
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

fn tls_error(e: &rustls::Error) -> FetchError {
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
        other => (ErrorKind::Tls, format!("TLS handshake failed: {other}")),
    };
    FetchError::new(kind, Phase::Tls, msg)
}

fn handshake(
    tcp: TcpStream,
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
    deadline: Instant,
) -> Result<Conn, FetchError> {
    let client = rustls::ClientConnection::new(config, name).map_err(|e| tls_error(&e))?;
    let mut stream = rustls::StreamOwned::new(client, tcp);
    while stream.conn.is_handshaking() {
        remaining(deadline, Phase::Tls)?;
        let conn = Conn::Plain(
            stream
                .sock
                .try_clone()
                .map_err(|e| io_error(e, Phase::Tls))?,
        );
        conn.set_timeout(deadline);
        match stream.conn.complete_io(&mut stream.sock) {
            Ok((0, 0)) if stream.conn.is_handshaking() => {
                return Err(FetchError::new(
                    ErrorKind::Reset,
                    Phase::Tls,
                    "connection closed during the TLS handshake",
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(io_error(e, Phase::Tls)),
        }
    }
    Ok(Conn::Tls(Box::new(stream)))
}

/// CONNECT through an HTTP proxy for an https target.
fn tunnel(conn: &mut Conn, proxy: &Url, target: &str, deadline: Instant) -> Result<(), FetchError> {
    if proxy.scheme() != "http" {
        return Err(FetchError::new(
            ErrorKind::Proxy,
            Phase::Proxy,
            format!(
                "proxy scheme {}:// is not supported by the probe (only http://)",
                proxy.scheme()
            ),
        ));
    }
    let mut req = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = userinfo_basic(proxy) {
        req.push_str(&format!("Proxy-Authorization: Basic {auth}\r\n"));
    }
    req.push_str("\r\n");
    conn.set_timeout(deadline);
    conn.write_all(req.as_bytes())
        .map_err(|e| io_error(e, Phase::Proxy))?;
    let (head, _) = read_head(conn, deadline, Phase::Proxy)?;
    if !(200..300).contains(&head.status) {
        return Err(FetchError::new(
            ErrorKind::Proxy,
            Phase::Proxy,
            format!(
                "the HTTP proxy {} answered {} to CONNECT {target}",
                host_port(proxy),
                head.status
            ),
        ));
    }
    Ok(())
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Body bytes that arrived with the head.
    pub rest: Vec<u8>,
}

impl ResponseHead {
    /// First header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why bytes are not an HTTP response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadParse {
    /// More bytes are needed.
    Incomplete,
    /// Not HTTP; the message says what was seen.
    Garbage(String),
}

/// Parse a response head from the bytes received so far (pure; unit-tested).
pub fn parse_head(buf: &[u8]) -> Result<ResponseHead, HeadParse> {
    let prefix = &buf[..buf.len().min(5)];
    if !b"HTTP/"[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return Err(HeadParse::Garbage(format!(
            "the server answered with non-HTTP bytes {}",
            preview(buf)
        )));
    }
    let Some((end, skip)) = find_head_end(buf) else {
        if buf.len() > MAX_HEAD {
            return Err(HeadParse::Garbage(
                "the response head is larger than 64 KiB".into(),
            ));
        }
        return Err(HeadParse::Incomplete);
    };
    let text = String::from_utf8_lossy(&buf[..end]);
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    let status = match (
        version.starts_with("HTTP/1."),
        code.len() == 3,
        code.parse::<u16>(),
    ) {
        (true, true, Ok(c)) if (100..600).contains(&c) => c,
        _ => {
            return Err(HeadParse::Garbage(format!(
                "malformed status line {:?}",
                truncate(status_line, 60)
            )));
        }
    };
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(' ') => {
                headers.push((k.to_string(), v.trim().to_string()))
            }
            _ => {
                return Err(HeadParse::Garbage(format!(
                    "malformed header line {:?}",
                    truncate(line, 60)
                )));
            }
        }
    }
    Ok(ResponseHead {
        status,
        headers,
        rest: buf[end + skip..].to_vec(),
    })
}

fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, 4));
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|p| (p, 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn preview(buf: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(&buf[..buf.len().min(24)])
        .chars()
        .map(|c| if c.is_control() { '.' } else { c })
        .collect();
    format!("{s:?}")
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn read_head(
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

/// Chunked transfer decoding of what arrived so far (pure).
#[derive(Debug, PartialEq, Eq)]
pub enum Chunked {
    Complete(Vec<u8>),
    Incomplete(usize),
    Invalid,
}

/// Decode a chunked body; `Incomplete(n)` says how many payload bytes are decodable so far.
pub fn decode_chunked(raw: &[u8]) -> Chunked {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let Some(nl) = raw[i..].iter().position(|&b| b == b'\n') else {
            return Chunked::Incomplete(out.len());
        };
        let line = String::from_utf8_lossy(&raw[i..i + nl]);
        let size_text = line
            .trim_end_matches('\r')
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let Ok(size) = usize::from_str_radix(&size_text, 16) else {
            return Chunked::Invalid;
        };
        i += nl + 1;
        if size == 0 {
            return Chunked::Complete(out);
        }
        if raw.len() < i + size {
            out.extend_from_slice(&raw[i..]);
            return Chunked::Incomplete(out.len());
        }
        out.extend_from_slice(&raw[i..i + size]);
        i += size;
        // CRLF after the chunk data.
        if raw.len() < i + 1 {
            return Chunked::Incomplete(out.len());
        }
        if raw[i] == b'\r' {
            i += 1;
        }
        if raw.len() < i + 1 {
            return Chunked::Incomplete(out.len());
        }
        if raw[i] != b'\n' {
            return Chunked::Invalid;
        }
        i += 1;
    }
}

type BodyError = (Vec<u8>, FetchError);

fn read_body(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head() {
        let h = parse_head(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        )
        .expect("head");
        assert_eq!(h.status, 200);
        assert_eq!(h.header("content-type"), Some("application/json"));
        assert_eq!(h.rest, b"{}");
    }

    #[test]
    fn incomplete_and_garbage_heads() {
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\n"),
            Err(HeadParse::Incomplete)
        );
        assert_eq!(parse_head(b"HT"), Err(HeadParse::Incomplete));
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n"),
            Err(HeadParse::Garbage(_))
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 2x0 OK\r\n\r\n"),
            Err(HeadParse::Garbage(_))
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"),
            Err(HeadParse::Garbage(_))
        ));
    }

    #[test]
    fn chunked_decoding() {
        assert_eq!(
            decode_chunked(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"),
            Chunked::Complete(b"abcde".to_vec())
        );
        assert_eq!(decode_chunked(b"3\r\nab"), Chunked::Incomplete(2));
        assert_eq!(decode_chunked(b"zz\r\n"), Chunked::Invalid);
    }

    #[test]
    fn bang_is_percent_encoded_like_go() {
        let u = Url::parse("https://p.example/github.com/!azure/x/@v/list?go-get=1").expect("url");
        assert_eq!(origin_form(&u), "/github.com/%21azure/x/@v/list?go-get=1");
        assert_eq!(
            absolute(&Url::parse("http://p.example/!a").expect("url")),
            "http://p.example/%21a"
        );
    }

    #[test]
    fn percent_decoding_of_userinfo() {
        assert_eq!(percent_decode("p%40ss%3A"), "p@ss:");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn refused_and_deadline_on_loopback() {
        // A port we just closed: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let prober = Prober::new(&ProcessEnv::default());
        let url = Url::parse(&format!("http://127.0.0.1:{port}/x")).expect("url");
        let r = prober.fetch(&url, &FetchOptions::within(Duration::from_secs(2), 1024));
        assert_eq!(r.error.map(|e| e.kind), Some(ErrorKind::Refused));

        // A listener that never answers: the fetch ends at the deadline.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url =
            Url::parse(&format!("http://{}/x", silent.local_addr().expect("addr"))).expect("url");
        let t = Instant::now();
        let r = prober.fetch(
            &url,
            &FetchOptions::within(Duration::from_millis(300), 1024),
        );
        assert!(t.elapsed() < Duration::from_millis(800));
        let e = r.error.expect("error");
        assert_eq!((e.kind, e.phase), (ErrorKind::Timeout, Phase::FirstByte));
    }
}
