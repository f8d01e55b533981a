//! A loopback Go module proxy for integration tests: serves [`Module`]s over plain HTTP or TLS
//! with the GOPROXY protocol, logs every request, and can be switched at runtime into the ways
//! real proxies and networks fail (status codes, captive portals, garbage, slow or endless
//! bodies, redirect loops, resets).
//!
//! Hand-written HTTP/1.1 on `std::net` with one thread per connection: the server must be able
//! to misbehave at the byte level (garbage, resets, dripping bodies), which a well-behaved server
//! crate would not let us do, and it adds no dependency. Every response says
//! `Connection: close`, so one connection carries one request.
//!
//! ```ignore
//! let proxy = GoProxy::start(vec![Module::new("example.com/hello", "v1.0.0")]);
//! let user = GoUser::new().with_env("GOPROXY", proxy.url());
//! proxy.set_behaviour(Behaviour::Status(503));
//! assert!(proxy.paths().iter().any(|p| p.ends_with("/@v/v1.0.0.info")));
//! ```
//!
//! Dropping a [`GoProxy`] stops it and joins all its threads; every loop is bounded by short
//! socket timeouts and the stop flag, so a test never hangs on the server.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::modules::{Module, compare_versions};
use super::sumdb::{SumDb, base64};

/// How the proxy answers, switchable at runtime with [`GoProxy::set_behaviour`]. The behaviour
/// is read when a connection is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Serve the GOPROXY protocol for the configured modules.
    Healthy,
    /// Answer every request (including `/sumdb/…/supported`) with this status and a short
    /// text body, e.g. 403, 404, 410, 500, 502, 503.
    Status(u16),
    /// Answer with this status and this `text/plain` body (go quotes a short one under
    /// "server response:"), e.g. what proxy.golang.org says of a private repository.
    StatusWith(u16, String),
    /// `200 OK` with an HTML login page for every request: a captive portal or a corporate
    /// web filter.
    CaptivePortal,
    /// Read the request, then answer with bytes that are not HTTP and close. As the global
    /// behaviour of a TLS proxy the garbage is sent before the handshake (not TLS either); as a
    /// per-path rule, inside TLS.
    Garbage,
    /// Wait this long before sending anything, then serve as [`Behaviour::Healthy`].
    SlowHeaders(Duration),
    /// Serve as [`Behaviour::Healthy`] but send the body one byte per interval.
    Drip(Duration),
    /// `200 OK` without a length, then an endless body (until the client gives up, the proxy
    /// is dropped, or a 2-minute safety cap).
    Endless,
    /// `302 Found` pointing at the same URL, forever (go gives up after 10 redirects).
    RedirectLoop,
    /// `302 Found` to this base URL + the requested path below the proxy's prefix (so pointing
    /// it at another [`GoProxy::url`] makes that proxy serve the request).
    RedirectTo(String),
    /// Serve as [`Behaviour::Healthy`], but announce the whole body's length, send half of it
    /// and close: a proxy (or a box on the way) that drops the connection mid-answer.
    Truncated,
    /// Reset the connection (TCP RST) without answering: as the global behaviour right after
    /// the client has sent its first bytes (before any TLS handshake), as a per-path rule
    /// ([`GoProxy::set_behaviour_for`]) right after the request was read.
    Reset,
}

/// One request the proxy received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The request target percent-decoded (go sends `!` as `%21`), including the prefix and
    /// any query: `/prefix/example.com/!azure/sdk/@v/list`.
    pub path: String,
    /// The request target exactly as sent.
    pub raw_path: String,
    /// The request headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of header `name` (case-insensitive), e.g. `"authorization"`.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Configures a [`GoProxy`] before it starts. See [`GoProxy::builder`].
#[derive(Debug, Clone)]
pub struct ProxyBuilder {
    modules: Vec<Module>,
    prefix: String,
    not_found: u16,
    sumdb_supported: bool,
    tls: Option<TlsCert>,
    tls_names: Vec<String>,
    ipv6: bool,
    behaviour: Behaviour,
    checksum_db: Option<Arc<SumDb>>,
}

impl ProxyBuilder {
    /// Serve this module (several versions of one path make `@v/list` and `@latest` work).
    pub fn module(mut self, m: Module) -> Self {
        self.modules.push(m);
        self
    }

    /// Serve these modules.
    pub fn modules(mut self, ms: impl IntoIterator<Item = Module>) -> Self {
        self.modules.extend(ms);
        self
    }

    /// Serve under a path prefix: `prefix("corp/go")` → [`GoProxy::url`] is
    /// `http://127.0.0.1:PORT/corp/go`; requests outside it get the not-found status.
    pub fn prefix(mut self, prefix: &str) -> Self {
        let p = prefix.trim_matches('/');
        self.prefix = if p.is_empty() {
            String::new()
        } else {
            format!("/{p}")
        };
        self
    }

    /// Status for unknown modules and versions: 404 (default) or 410 (what proxy.golang.org
    /// says). Both make go fall through to the next entry after `,`.
    pub fn not_found_status(mut self, status: u16) -> Self {
        self.not_found = status;
        self
    }

    /// Whether `/sumdb/<name>/supported` answers 200 (the proxy proxies checksum databases) or
    /// the not-found status (default: not supported).
    pub fn sumdb_supported(mut self, yes: bool) -> Self {
        self.sumdb_supported = yes;
        self
    }

    /// Serve HTTPS with a fresh certificate for 127.0.0.1, ::1 and localhost, signed by a fresh CA
    /// whose PEM is in [`GoProxy::ca_file`] (give it to go as `SSL_CERT_FILE`).
    pub fn tls(mut self) -> Self {
        self.tls = Some(TlsCert::Trusted);
        self
    }

    /// Serve HTTPS with a certificate of this kind (expired, wrong host, unknown CA) to
    /// provoke certificate errors.
    pub fn tls_cert(mut self, kind: TlsCert) -> Self {
        self.tls = Some(kind);
        self
    }

    /// Extra DNS names for the certificate (e.g. `goproxy.test` when a test reaches this proxy
    /// under another name through a [`ForwardProxy`]).
    pub fn tls_names(mut self, names: &[&str]) -> Self {
        self.tls_names = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// Serve a checksum database: at the root (`/latest`, `/lookup/…`, `/tile/…`, for
    /// `GOSUMDB="<key> <url>"`, see [`SumDb::gosumdb`]) and under `/sumdb/<name>/` (a proxy that
    /// proxies it; `/sumdb/<name>/supported` then answers 200).
    pub fn checksum_db(mut self, db: SumDb) -> Self {
        self.checksum_db = Some(Arc::new(db));
        self
    }

    /// Listen on `[::1]` instead of 127.0.0.1 (URLs become `http://[::1]:PORT`).
    pub fn ipv6(mut self) -> Self {
        self.ipv6 = true;
        self
    }

    /// Start misbehaving from the first connection.
    pub fn behaviour(mut self, b: Behaviour) -> Self {
        self.behaviour = b;
        self
    }

    /// Bind 127.0.0.1 on a free port and start serving.
    pub fn start(self) -> GoProxy {
        let bind = if self.ipv6 { "[::1]:0" } else { "127.0.0.1:0" };
        let listener = TcpListener::bind(bind)
            .unwrap_or_else(|e| panic!("bind loopback proxy on {bind}: {e}"));
        let addr = listener.local_addr().expect("proxy address");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let tls = self
            .tls
            .as_ref()
            .map(|kind| TlsMaterial::generate(kind, &self.tls_names));
        let shared = Arc::new(Shared {
            modules: Mutex::new(self.modules),
            behaviour: Mutex::new(self.behaviour),
            rules: Mutex::new(Vec::new()),
            not_found: AtomicU16::new(self.not_found),
            sumdb_supported: AtomicBool::new(self.sumdb_supported),
            log: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            prefix: self.prefix,
            tls_config: tls.as_ref().map(|t| t.config.clone()),
            checksum_db: self.checksum_db,
            basic_auth: Mutex::new(None),
        });
        let accept_shared = shared.clone();
        let accept = std::thread::Builder::new()
            .name(format!("goproxy-{}", addr.port()))
            .spawn(move || accept_loop(listener, accept_shared))
            .expect("spawn proxy thread");
        GoProxy {
            addr,
            shared,
            accept: Some(accept),
            tls,
        }
    }
}

/// A running loopback Go module proxy. Stops (and joins its threads) when dropped.
pub struct GoProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
    tls: Option<TlsMaterial>,
}

impl GoProxy {
    /// A builder: healthy, plain HTTP, no prefix, 404 for unknowns, sumdb not supported.
    pub fn builder() -> ProxyBuilder {
        ProxyBuilder {
            modules: Vec::new(),
            prefix: String::new(),
            not_found: 404,
            sumdb_supported: false,
            tls: None,
            tls_names: Vec::new(),
            ipv6: false,
            behaviour: Behaviour::Healthy,
            checksum_db: None,
        }
    }

    /// A healthy plain-HTTP proxy serving `modules`.
    pub fn start(modules: impl IntoIterator<Item = Module>) -> GoProxy {
        Self::builder().modules(modules).start()
    }

    /// A healthy HTTPS proxy serving `modules` (see [`ProxyBuilder::tls`]).
    pub fn start_tls(modules: impl IntoIterator<Item = Module>) -> GoProxy {
        Self::builder().modules(modules).tls().start()
    }

    /// The GOPROXY entry for this proxy: `http(s)://127.0.0.1:PORT[/prefix]`, no trailing slash.
    pub fn url(&self) -> String {
        format!("{}{}", self.origin(), self.shared.prefix)
    }

    /// `http(s)://127.0.0.1:PORT` without the prefix.
    pub fn origin(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Same as [`GoProxy::url`] but with `localhost` as the host (also in the certificate).
    pub fn localhost_url(&self) -> String {
        self.url()
            .replace("127.0.0.1", "localhost")
            .replace("[::1]", "localhost")
    }

    /// The bound address (127.0.0.1:PORT, or [::1]:PORT).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// A PEM file holding the process-wide test CA (TLS proxies only): set `SSL_CERT_FILE` to
    /// it on the child so go trusts this and every other [`TlsCert::Trusted`] proxy.
    pub fn ca_file(&self) -> &Path {
        &self
            .tls
            .as_ref()
            .expect("ca_file: this proxy was not started with TLS")
            .ca_file
    }

    /// The test CA certificate in PEM (TLS proxies only; same as [`test_ca_pem`]).
    pub fn ca_pem(&self) -> &str {
        &self
            .tls
            .as_ref()
            .expect("ca_pem: this proxy was not started with TLS")
            .ca_pem
    }

    /// Switch behaviour for connections accepted from now on.
    pub fn set_behaviour(&self, b: Behaviour) {
        *lock(&self.shared.behaviour) = b;
    }

    /// Misbehave only for requests whose percent-decoded path contains `path_part` (e.g.
    /// `".zip"`, `"/@v/list"`, `"/sumdb/"`); other requests follow the global behaviour. Rules
    /// are checked in the order they were added; the first match wins.
    pub fn set_behaviour_for(&self, path_part: &str, b: Behaviour) {
        lock(&self.shared.rules).push((path_part.to_string(), b));
    }

    /// Remove all per-path rules.
    pub fn clear_rules(&self) {
        lock(&self.shared.rules).clear();
    }

    /// Demand HTTP Basic credentials (`Authorization: Basic base64(user:password)`) on every
    /// request of the healthy behaviour; others get `401` with `WWW-Authenticate`. `None` lifts
    /// it. What go sent is in [`Request::header`].
    pub fn set_basic_auth(&self, credentials: Option<(&str, &str)>) {
        *lock(&self.shared.basic_auth) =
            credentials.map(|(u, p)| format!("Basic {}", base64(format!("{u}:{p}").as_bytes())));
    }

    /// Change whether `/sumdb/<name>/supported` answers 200.
    pub fn set_sumdb_supported(&self, yes: bool) {
        self.shared.sumdb_supported.store(yes, Ordering::SeqCst);
    }

    /// Every request received so far, in order (TLS connections that never completed the
    /// handshake and [`Behaviour::Reset`] connections are not requests; see
    /// [`GoProxy::connections`]).
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    /// The paths of [`GoProxy::requests`].
    pub fn paths(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.path).collect()
    }

    /// Number of requests received so far.
    pub fn hits(&self) -> usize {
        lock(&self.shared.log).len()
    }

    /// Number of TCP connections accepted so far (counts resets and failed handshakes too).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Forget the request log (not the connection count).
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }
}

impl Drop for GoProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// A URL on 127.0.0.1 where nothing listens (bind a free port, then release it): connecting
/// is refused. Another process could grab the port in between, which is unlikely enough.
pub fn refused_url() -> String {
    format!("http://127.0.0.1:{}", closed_port())
}

/// A free port with nothing listening on it (see [`refused_url`]).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

struct Shared {
    modules: Mutex<Vec<Module>>,
    behaviour: Mutex<Behaviour>,
    rules: Mutex<Vec<(String, Behaviour)>>,
    not_found: AtomicU16,
    sumdb_supported: AtomicBool,
    log: Mutex<Vec<Request>>,
    connections: AtomicUsize,
    stop: AtomicBool,
    prefix: String,
    tls_config: Option<Arc<rustls::ServerConfig>>,
    checksum_db: Option<Arc<SumDb>>,
    basic_auth: Mutex<Option<String>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleep up to `d`, waking early when the proxy stops. Returns false if stopped.
    fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        while Instant::now() < end {
            if self.stopped() {
                return false;
            }
            std::thread::sleep((end - Instant::now()).min(Duration::from_millis(20)));
        }
        !self.stopped()
    }
}

/// A poisoned lock only means another test thread panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, _)) => {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let s = shared.clone();
                if let Ok(h) = std::thread::Builder::new().spawn(move || handle(stream, &s)) {
                    workers.push(h);
                }
                workers.retain(|h| !h.is_finished());
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    drop(listener);
    for w in workers {
        let _ = w.join();
    }
}

fn handle(tcp: TcpStream, shared: &Shared) {
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(2)));
    let _ = tcp.set_nodelay(true);
    let behaviour = lock(&shared.behaviour).clone();
    if behaviour == Behaviour::Reset {
        wait_readable(&tcp, shared);
        reset(tcp);
        return;
    }
    match &shared.tls_config {
        Some(_) if behaviour == Behaviour::Garbage => {
            wait_readable(&tcp, shared);
            let mut tcp = tcp;
            let _ = tcp.write_all(GARBAGE);
            let _ = tcp.flush();
        }
        Some(config) => {
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                return;
            };
            let mut stream = rustls::StreamOwned::new(conn, tcp);
            match serve(&mut stream, shared, behaviour) {
                Ending::Close => {
                    stream.conn.send_close_notify();
                    let _ = stream.flush();
                }
                Ending::Reset => reset(stream.sock),
            }
        }
        None => {
            let mut tcp = tcp;
            match serve(&mut tcp, shared, behaviour) {
                Ending::Close => {
                    let _ = tcp.flush();
                }
                Ending::Reset => reset(tcp),
            }
        }
    }
}

/// Close with SO_LINGER 0: the kernel sends RST instead of FIN.
fn reset(tcp: TcpStream) {
    let _ = socket2::SockRef::from(&tcp).set_linger(Some(Duration::ZERO));
    drop(tcp);
}

/// How a connection ends after [`serve`].
enum Ending {
    Close,
    Reset,
}

/// Wait (bounded) until the client has sent something.
fn wait_readable(tcp: &TcpStream, shared: &Shared) {
    let end = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 1];
    while Instant::now() < end && !shared.stopped() {
        match tcp.peek(&mut buf) {
            Ok(_) => return,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

const GARBAGE: &[u8] = b"\x00\x13\x37SSH-2.0-not-a-proxy\r\n\xff\xfe\x00garbage\x01\x02\x03";

const PORTAL: &str = "<!DOCTYPE html>\n<html><head><title>Network login</title></head>\
<body><h1>Welcome to the guest network</h1><form action=\"/login\"><input name=\"user\">\
</form></body></html>\n";

/// Read one request head (bounded in size and time), log it, answer per the first matching
/// per-path rule or else `behaviour`.
fn serve<S: Read + Write>(s: &mut S, shared: &Shared, behaviour: Behaviour) -> Ending {
    let Some((method, raw_target, headers)) = read_head(s, shared) else {
        return Ending::Close;
    };
    let target = percent_decode(&raw_target);
    let authorized = match &*lock(&shared.basic_auth) {
        None => true,
        Some(want) => headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == want),
    };
    lock(&shared.log).push(Request {
        method: method.clone(),
        path: target.clone(),
        raw_path: raw_target.clone(),
        headers,
    });
    let rule = lock(&shared.rules)
        .iter()
        .find(|(part, _)| target.contains(part.as_str()))
        .map(|(_, b)| b.clone());
    let behaviour = rule.unwrap_or(behaviour);
    let head_only = method == "HEAD";
    match &behaviour {
        Behaviour::Reset => return Ending::Reset,
        Behaviour::Healthy if !authorized => {
            let mut r = Response::text(401, "401 Unauthorized\n");
            r.extra_header = Some("WWW-Authenticate: Basic realm=\"test proxy\"".to_string());
            respond(s, &r, head_only);
        }
        Behaviour::Healthy => {
            let r = route(shared, &target);
            respond(s, &r, head_only);
        }
        Behaviour::Status(code) => {
            let r = Response::text(*code, &format!("{} {}\n", code, reason(*code)));
            respond(s, &r, head_only);
        }
        Behaviour::StatusWith(code, body) => {
            respond(s, &Response::text(*code, body), head_only);
        }
        Behaviour::CaptivePortal => {
            let r = Response {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: PORTAL.into(),
                location: None,
                extra_header: None,
            };
            respond(s, &r, head_only);
        }
        Behaviour::Garbage => {
            let _ = s.write_all(GARBAGE);
        }
        Behaviour::SlowHeaders(d) => {
            if shared.sleep(*d) {
                respond(s, &route(shared, &target), head_only);
            }
        }
        Behaviour::Drip(interval) => {
            let r = route(shared, &target);
            if s.write_all(&r.head(Some(r.body.len()))).is_err() || s.flush().is_err() || head_only
            {
                return Ending::Close;
            }
            for b in &r.body {
                if !shared.sleep(*interval) || s.write_all(&[*b]).is_err() || s.flush().is_err() {
                    return Ending::Close;
                }
            }
        }
        Behaviour::Truncated => {
            let r = route(shared, &target);
            let mut out = r.head(Some(r.body.len()));
            if !head_only {
                out.extend_from_slice(&r.body[..r.body.len() / 2]);
            }
            let _ = s.write_all(&out);
            let _ = s.flush();
            return Ending::Close;
        }
        Behaviour::Endless => {
            let r = Response {
                status: 200,
                content_type: "application/octet-stream",
                body: Vec::new(),
                location: None,
                extra_header: None,
            };
            if s.write_all(&r.head(None)).is_err() || head_only {
                return Ending::Close;
            }
            let chunk = [b'x'; 16 * 1024];
            let end = Instant::now() + Duration::from_secs(120);
            while Instant::now() < end && !shared.stopped() {
                if s.write_all(&chunk).is_err() {
                    return Ending::Close;
                }
            }
        }
        Behaviour::RedirectLoop => {
            respond(s, &Response::redirect(raw_target), head_only);
        }
        Behaviour::RedirectTo(base) => {
            let rest = raw_target
                .strip_prefix(&shared.prefix)
                .unwrap_or(&raw_target);
            let location = format!("{}{}", base.trim_end_matches('/'), rest);
            respond(s, &Response::redirect(location), head_only);
        }
    }
    let _ = s.flush();
    Ending::Close
}

/// Method, target and headers (names lower-cased) of one request head.
type Head = (String, String, Vec<(String, String)>);

fn read_head<S: Read>(s: &mut S, shared: &Shared) -> Option<Head> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.truncate(pos);
            break;
        }
        if buf.len() > 64 * 1024 || Instant::now() > end || shared.stopped() {
            return None;
        }
        match s.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some((method, target, headers))
}

/// Decode `%XX` escapes (invalid ones are kept as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
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

struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    location: Option<String>,
    extra_header: Option<String>,
}

impl Response {
    fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status: 200,
            content_type,
            body: body.into(),
            location: None,
            extra_header: None,
        }
    }

    fn text(status: u16, body: &str) -> Self {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
            location: None,
            extra_header: None,
        }
    }

    fn redirect(location: String) -> Self {
        Response {
            status: 302,
            content_type: "text/plain; charset=utf-8",
            body: b"redirect\n".to_vec(),
            location: Some(location),
            extra_header: None,
        }
    }

    /// The status line and headers; `len: None` means no Content-Length (body until close).
    fn head(&self, len: Option<usize>) -> Vec<u8> {
        let mut h = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nConnection: close\r\n",
            self.status,
            reason(self.status),
            self.content_type
        );
        if let Some(n) = len {
            h.push_str(&format!("Content-Length: {n}\r\n"));
        }
        if let Some(l) = &self.location {
            h.push_str(&format!("Location: {l}\r\n"));
        }
        if let Some(x) = &self.extra_header {
            h.push_str(x);
            h.push_str("\r\n");
        }
        h.push_str("\r\n");
        h.into_bytes()
    }
}

fn respond<S: Write>(s: &mut S, r: &Response, head_only: bool) {
    let mut out = r.head(Some(r.body.len()));
    if !head_only {
        out.extend_from_slice(&r.body);
    }
    let _ = s.write_all(&out);
    let _ = s.flush();
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// The GOPROXY protocol for the configured modules.
fn route(shared: &Shared, target: &str) -> Response {
    let not_found = shared.not_found.load(Ordering::SeqCst);
    let path = target.split('?').next().unwrap_or(target);
    let gone = |what: &str| Response::text(not_found, &format!("not found: {what}\n"));
    let Some(path) = path.strip_prefix(shared.prefix.as_str()) else {
        return gone(path);
    };
    let db_response = |(status, body): (u16, Vec<u8>)| Response {
        status,
        content_type: "text/plain; charset=utf-8",
        body,
        location: None,
        extra_header: None,
    };
    if let Some(rest) = path.strip_prefix("/sumdb/") {
        let (name, db_path) = rest.split_once('/').unwrap_or((rest, ""));
        let db = shared.checksum_db.as_ref().filter(|db| db.name() == name);
        return match (db_path, db) {
            ("supported", Some(_)) => Response::ok("text/plain; charset=utf-8", ""),
            ("supported", None) if shared.sumdb_supported.load(Ordering::SeqCst) => {
                Response::ok("text/plain; charset=utf-8", "")
            }
            (p, Some(db)) => db_response(db.serve(&format!("/{p}"))),
            _ => gone(path),
        };
    }
    if let Some(db) = &shared.checksum_db {
        if path == "/latest" || path.starts_with("/lookup/") || path.starts_with("/tile/") {
            return db_response(db.serve(path));
        }
    }
    let path = path.trim_start_matches('/');
    let modules = lock(&shared.modules);
    if let Some(module) = path.strip_suffix("/@latest") {
        let latest = modules
            .iter()
            .filter(|m| m.escaped_path() == module)
            .max_by(|a, b| compare_versions(&a.version, &b.version));
        return match latest {
            Some(m) => Response::ok("application/json", m.info()),
            None => gone(path),
        };
    }
    let Some((module, file)) = path.split_once("/@v/") else {
        return gone(path);
    };
    let versions: Vec<&Module> = modules
        .iter()
        .filter(|m| m.escaped_path() == module)
        .collect();
    if file == "list" {
        if versions.is_empty() {
            return gone(path);
        }
        let mut vs: Vec<&str> = versions.iter().map(|m| m.version.as_str()).collect();
        vs.sort_by(|a, b| compare_versions(a, b));
        let body: String = vs.iter().map(|v| format!("{v}\n")).collect();
        return Response::ok("text/plain; charset=utf-8", body);
    }
    let Some((version, ext)) = file.rsplit_once('.') else {
        return gone(path);
    };
    let Some(m) = versions.iter().find(|m| m.escaped_version() == version) else {
        return gone(path);
    };
    match ext {
        "info" => Response::ok("application/json", m.info()),
        "mod" => Response::ok("text/plain; charset=utf-8", m.mod_file()),
        "zip" => Response::ok("application/zip", m.zip()),
        _ => gone(path),
    }
}

/// Which certificate a TLS proxy presents (see [`ProxyBuilder::tls_cert`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsCert {
    /// Signed by the process-wide test CA ([`test_ca_pem`], in every [`GoProxy::ca_file`]) for
    /// 127.0.0.1, ::1, localhost and any [`ProxyBuilder::tls_names`].
    Trusted,
    /// Same names, signed by a fresh CA that no file contains: "certificate signed by unknown
    /// authority" even with `SSL_CERT_FILE` set.
    UnknownCa,
    /// Signed by the test CA but only for `wrong-host.test`: a host name mismatch.
    WrongHost,
    /// Signed by the test CA for the right names, but it expired in 2021.
    Expired,
    /// Self-signed with CA:TRUE for the right names, and itself the certificate in
    /// [`GoProxy::ca_file`]: go accepts it as a chain of one, webpki calls it a CA used as an
    /// end entity.
    SelfSignedCa,
    /// Signed by the test CA for the right names, but itself CA:TRUE: go serves with it,
    /// webpki calls it a CA used as an end entity.
    CaLeaf,
}

/// The test CA shared by every TLS proxy of this test process, so one `SSL_CERT_FILE` trusts
/// them all.
struct TestCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pem: String,
}

fn new_ca(name: &str) -> TestCa {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let key = KeyPair::generate().expect("CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).expect("CA cert");
    TestCa {
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

fn test_ca() -> &'static TestCa {
    static CA: std::sync::OnceLock<TestCa> = std::sync::OnceLock::new();
    CA.get_or_init(|| new_ca("godoctor test CA"))
}

/// PEM of the process-wide test CA that signs [`TlsCert::Trusted`] certificates.
pub fn test_ca_pem() -> &'static str {
    &test_ca().pem
}

/// The rustls config serving a leaf certificate of the requested kind, and the test CA written
/// to a PEM file for `SSL_CERT_FILE`.
struct TlsMaterial {
    config: Arc<rustls::ServerConfig>,
    ca_pem: String,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl TlsMaterial {
    fn generate(kind: &TlsCert, extra_names: &[String]) -> Self {
        use rcgen::{CertificateParams, DnType, KeyPair, date_time_ymd};
        let mut names = vec![
            "127.0.0.1".to_string(),
            "::1".to_string(),
            "localhost".to_string(),
        ];
        names.extend(extra_names.iter().cloned());
        if *kind == TlsCert::WrongHost {
            names = vec!["wrong-host.test".to_string()];
        }
        let leaf_key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(names.clone()).expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, names[0].as_str());
        if *kind == TlsCert::Expired {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        }
        let unknown;
        let ca = if *kind == TlsCert::UnknownCa {
            unknown = new_ca("unknown test CA");
            &unknown
        } else {
            test_ca()
        };
        let self_signed = *kind == TlsCert::SelfSignedCa;
        if self_signed || *kind == TlsCert::CaLeaf {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        let leaf = if self_signed {
            params.self_signed(&leaf_key).expect("self-signed cert")
        } else {
            params.signed_by(&leaf_key, &ca.issuer).expect("leaf cert")
        };

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], key)
            .expect("TLS config");

        let dir = tempfile::Builder::new()
            .prefix("godoctor-ca-")
            .tempdir()
            .expect("temp dir");
        let ca_pem = if self_signed {
            leaf.pem()
        } else {
            test_ca_pem().to_string()
        };
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, &ca_pem).expect("write CA file");
        TlsMaterial {
            config: Arc::new(config),
            ca_pem,
            ca_file,
            _dir: dir,
        }
    }
}

/// A loopback HTTP forward proxy (what `HTTP_PROXY`/`HTTPS_PROXY` point at) that maps made-up
/// host names to loopback servers, so the real go can be shown using a proxy without any
/// traffic leaving the machine (go never proxies loopback hosts itself, hence the names):
///
/// ```ignore
/// let mirror = GoProxy::builder().tls().tls_names(&["goproxy.test"]).module(m).start();
/// let fwd = ForwardProxy::start();
/// fwd.route("goproxy.test", mirror.addr());
/// let user = GoUser::new()
///     .with_env("GOPROXY", "https://goproxy.test")
///     .with_env("HTTPS_PROXY", fwd.url())
///     .with_env("SSL_CERT_FILE", mirror.ca_file());
/// ```
///
/// `CONNECT host:port` is tunnelled to the mapped address; absolute-form requests
/// (`GET http://host/path`) are forwarded in origin form. Unmapped hosts get `502`, and with
/// [`ForwardProxy::require_auth`] a request without the right `Proxy-Authorization` gets `407`.
/// Stops and joins its threads when dropped.
pub struct ForwardProxy {
    addr: SocketAddr,
    shared: Arc<FwdShared>,
    accept: Option<JoinHandle<()>>,
}

struct FwdShared {
    routes: Mutex<Vec<(String, SocketAddr)>>,
    log: Mutex<Vec<String>>,
    auth: Mutex<Option<String>>,
    stop: AtomicBool,
}

impl ForwardProxy {
    /// Start on 127.0.0.1 with no routes.
    pub fn start() -> ForwardProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind forward proxy");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let shared = Arc::new(FwdShared {
            routes: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            auth: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let accept = std::thread::spawn(move || {
            let mut workers: Vec<JoinHandle<()>> = Vec::new();
            while !s.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let s2 = s.clone();
                        workers.push(std::thread::spawn(move || forward(stream, &s2)));
                        workers.retain(|h| !h.is_finished());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            for w in workers {
                let _ = w.join();
            }
        });
        ForwardProxy {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// Send requests for `host` (any port) or `host:port` (that port only) to `to`.
    pub fn route(&self, host: &str, to: SocketAddr) {
        lock(&self.shared.routes).push((host.to_ascii_lowercase(), to));
    }

    /// Demand `Proxy-Authorization: Basic base64(user:password)`; otherwise answer 407.
    pub fn require_auth(&self, user: &str, password: &str) {
        *lock(&self.shared.auth) = Some(format!(
            "Basic {}",
            base64(format!("{user}:{password}").as_bytes())
        ));
    }

    /// `http://127.0.0.1:PORT`, the value for HTTP_PROXY / HTTPS_PROXY.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The same URL with credentials: `http://user:password@127.0.0.1:PORT`.
    pub fn url_with_auth(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Request lines received, in order: `CONNECT goproxy.test:443`, `GET http://h/p`.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn forward(mut client: TcpStream, shared: &FwdShared) {
    let _ = client.set_nonblocking(false);
    let _ = client.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = client.set_write_timeout(Some(Duration::from_secs(2)));
    let stop = || shared.stop.load(Ordering::SeqCst);
    // Read the head (bounded), keeping any bytes after it.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = Instant::now() + Duration::from_secs(10);
    let head_len = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > 64 * 1024 || Instant::now() > end || stop() {
            return;
        }
        match client.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return,
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
    let rest = buf[head_len..].to_vec();
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default().to_string();
    let mut parts = first.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    lock(&shared.log).push(format!("{method} {target}"));
    let reply = |c: &mut TcpStream, status: u16| {
        let extra = if status == 407 {
            "Proxy-Authenticate: Basic realm=\"test\"\r\n"
        } else {
            ""
        };
        let _ = write!(
            c,
            "HTTP/1.1 {status} {}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n",
            reason(status)
        );
    };
    if let Some(want) = lock(&shared.auth).clone() {
        let given = head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("proxy-authorization")
                .then(|| v.trim().to_string())
        });
        if given.as_deref() != Some(want.as_str()) {
            reply(&mut client, 407);
            return;
        }
    }
    // host:port of the target, and the request to send upstream (None for CONNECT).
    let (authority, upstream_head) = if method == "CONNECT" {
        (target.to_string(), None)
    } else if let Some(after) = target.strip_prefix("http://") {
        let (authority, path) = after
            .split_once('/')
            .map(|(a, p)| (a, format!("/{p}")))
            .unwrap_or((after, "/".into()));
        let mut h = format!("{method} {path} HTTP/1.1\r\n");
        for l in lines.filter(|l| !l.is_empty()) {
            if !l.to_ascii_lowercase().starts_with("proxy-") {
                h.push_str(l);
                h.push_str("\r\n");
            }
        }
        h.push_str("\r\n");
        (authority.to_string(), Some(h))
    } else {
        reply(&mut client, 400);
        return;
    };
    let authority = authority.to_ascii_lowercase();
    let host = authority
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(&authority)
        .to_string();
    let to = lock(&shared.routes)
        .iter()
        .find(|(h, _)| *h == authority || *h == host)
        .map(|(_, a)| *a);
    let Some(to) = to else {
        reply(&mut client, 502);
        return;
    };
    let Ok(mut upstream) = TcpStream::connect_timeout(&to, Duration::from_secs(2)) else {
        reply(&mut client, 502);
        return;
    };
    match upstream_head {
        None => {
            let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        }
        Some(h) => {
            let _ = upstream.write_all(h.as_bytes());
        }
    }
    let _ = upstream.write_all(&rest);
    splice(client, upstream, shared);
}

/// Copy bytes both ways until either side closes, the proxy stops, or a minute passes.
fn splice(a: TcpStream, b: TcpStream, shared: &FwdShared) {
    let end = Instant::now() + Duration::from_secs(60);
    let pump = |mut from: TcpStream, mut to: TcpStream| {
        let _ = from.set_read_timeout(Some(Duration::from_millis(100)));
        let mut buf = [0u8; 16 * 1024];
        while Instant::now() < end && !shared.stop.load(Ordering::SeqCst) {
            match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                    ) => {}
                Err(_) => break,
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    };
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    std::thread::scope(|scope| {
        scope.spawn(|| pump(a, b2));
        pump(b, a2);
    });
}
