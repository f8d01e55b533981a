//! The HTTP client go's module fetches are replayed with: one GET with every phase timed
//! (DNS, TCP connect, TLS handshake, time to first byte, total), a hard deadline and a byte
//! cap, and go's client rules (proxy variables and the CGI refusal, its trust store, at most
//! 10 redirects, no leaving https once a chain started there, credentials only over https).
//! The bytes on the wire are [`super::wire`]'s, the connection under a deadline
//! [`super::conn`]'s, TLS [`super::tls`]'s; this module is the policy.
//!
//! Hand-written rather than reqwest (see the README's design notes): a probe must time each
//! phase (one `send()` hides them), read proxy variables from our [`ProcessEnv`] snapshot
//! rather than `std::env`, and cap bytes per read against a deadline. Every blocking call gets
//! the time left until the deadline, so a slow, dripping or endless server costs at most the
//! deadline.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use serde::Serialize;
use url::Url;

use super::conn::{Conn, connect, io_error, read_body, read_head, resolve};
pub use super::conn::{ErrorKind, FetchError, Phase};
use super::credentials::Credentials;
use super::env::ProxyEnv;
use super::tls::{Trust, handshake};
use super::wire::{absolute_form, host_header, origin_form, userinfo_basic};
use crate::redact::redact;
use crate::sys::ProcessEnv;

/// Most requests go's client makes for one fetch: the first plus nine redirects
/// (net/http stops "after 10 redirects" when the 10th would be followed).
pub const MAX_REQUESTS: usize = 10;

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
    /// Set when go would have sent the request twice: the first answer was 4xx over https,
    /// so go ran GOAUTH again with the URL and re-sent it (this result is the second answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resent_after: Option<Resent>,
    /// The last response head as text, for a GOAUTH command's stdin.
    #[serde(skip)]
    pub head_text: String,
    #[serde(skip)]
    pub body: Vec<u8>,
}

/// The first answer of a request go sent twice (see [`FetchResult::resent_after`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Resent {
    pub status: u16,
    pub ms: f64,
    /// What went wrong running GOAUTH's helpers, secrets left out.
    pub problems: Vec<String>,
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
        // GOAUTH as the process environment sets it; see [`Prober::with_goauth`].
        Prober::build(env, Credentials::load(env, env.get("GOAUTH")))
    }

    fn build(env: &ProcessEnv, credentials: Credentials) -> Self {
        let trust = Trust::load(env);
        Prober {
            tls: trust.config.clone(),
            proxies: ProxyEnv::from_env(env),
            credentials,
            trust_count: trust.count,
            trust: trust.sources,
        }
    }

    /// The HTTP proxy go would use for `url`, as `host:port`.
    pub fn proxy_for(&self, url: &Url) -> Option<String> {
        self.proxies.proxy_for(url).map(|p| host_port(&p))
    }

    /// Configure from the environment with credentials already loaded (see
    /// [`Credentials::load_with_netrc`]).
    pub fn from_credentials(env: &ProcessEnv, credentials: Credentials) -> Self {
        Prober::build(env, credentials)
    }

    /// Configure from the environment with go's effective GOAUTH (`go env GOAUTH`, which may
    /// come from the go env file; `None` for a go before 1.24, which reads `.netrc` only).
    pub fn with_goauth(env: &ProcessEnv, goauth: Option<&str>) -> Self {
        // The credentials are loaded once (`.netrc` read, GOAUTH parsed), for this GOAUTH.
        Prober::build(env, Credentials::load(env, goauth))
    }

    /// GET `url` like go's `web.Get`, within `opts`: redirects followed like go's client and,
    /// when an https answer is 4xx, GOAUTH run again with the URL and the request sent once
    /// more (go does this whatever GOAUTH says, `off` included). Never panics, never blocks
    /// past the deadline (DNS lookups that hang are abandoned on a helper thread).
    pub fn fetch(&self, url: &Url, opts: &FetchOptions) -> FetchResult {
        let started = Instant::now();
        let first = self.fetch_once(url, opts);
        let Some(status) = first.status.filter(|s| (400..500).contains(s)) else {
            return first;
        };
        if url.scheme() != "https" {
            return first;
        }
        let problems = self
            .credentials
            .refresh(url, &first.head_text, opts.deadline);
        let mut second = self.fetch_once(url, opts);
        second.resent_after = Some(Resent {
            status,
            ms: first.phases.total_ms,
            problems,
        });
        second.phases.total_ms = ms(started.elapsed());
        second
    }

    /// One GET of `url` and its redirects.
    fn fetch_once(&self, url: &Url, opts: &FetchOptions) -> FetchResult {
        let started = Instant::now();
        let mut result = FetchResult {
            url: redact(url.as_str()),
            ..Default::default()
        };
        if let (Some(fatal), "https") = (self.credentials.fatal(), url.scheme()) {
            // go's auth.AddCredentials exits before the request is sent.
            result.error = Some(FetchError::new(ErrorKind::Io, Phase::Connect, fatal));
            return result;
        }
        // go adds GOAUTH's headers to the first request only (auth.AddCredentials); net/http
        // carries them along redirects while the host stays the first one's host name or a
        // subdomain of it, and drops them for good at the first hop elsewhere.
        let credentials = self.credentials.headers_for(url, opts.deadline);
        let mut carry = true;
        let mut current = url.clone();
        loop {
            carry = carry && is_domain_or_subdomain(current.host_str(), url.host_str());
            let sent: &[(String, String)] = if carry { &credentials } else { &[] };
            let hop = self.request(&current, opts, sent, &mut result);
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
    fn request(
        &self,
        url: &Url,
        opts: &FetchOptions,
        credentials: &[(String, String)],
        result: &mut FetchResult,
    ) -> Option<String> {
        match self.request_inner(url, opts, credentials, result) {
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
        headers: &[(String, String)],
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
            absolute_form(url)
        } else {
            origin_form(url)
        };
        let mut head = format!(
            "GET {target} HTTP/1.1\r\nHost: {}\r\nUser-Agent: godoctor/{} (probe)\r\nAccept: */*\r\n\
             Accept-Encoding: identity\r\nConnection: close\r\n",
            host_header(url),
            env!("CARGO_PKG_VERSION")
        );
        // go's order: GOAUTH's headers first; the URL's own user:password only when they set
        // no Authorization (net/http adds it last).
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        result.authenticated = !headers.is_empty();
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        {
            if let Some(auth) = userinfo_basic(url) {
                head.push_str(&format!("Authorization: Basic {auth}\r\n"));
                result.authenticated = true;
            }
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
        result.head_text = response.to_text();
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

    /// The same prober sending `credentials` instead of the `.netrc` ones (GOAUTH decides).
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
}

/// `host:port` of a URL (IPv6 in brackets), port always present.
pub fn host_port(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}
/// Milliseconds with microsecond resolution.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// net/http's `isDomainOrSubdomain` on host names (ports do not count): `sub` is `parent` or
/// ends with `.parent`; IPv6 literals only equal.
fn is_domain_or_subdomain(sub: Option<&str>, parent: Option<&str>) -> bool {
    let (Some(sub), Some(parent)) = (sub, parent) else {
        return false;
    };
    let (sub, parent) = (sub.to_ascii_lowercase(), parent.to_ascii_lowercase());
    if sub == parent {
        return true;
    }
    if sub.contains(':') || sub.contains('[') {
        return false;
    }
    sub.strip_suffix(&parent)
        .is_some_and(|rest| rest.ends_with('.'))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_follow_redirects_to_the_same_host_or_a_subdomain_like_net_http() {
        let yes = [
            ("a.example", "a.example"),
            ("x.a.example", "a.example"),
            ("A.Example", "a.example"),
        ];
        for (sub, parent) in yes {
            assert!(
                is_domain_or_subdomain(Some(sub), Some(parent)),
                "{sub} {parent}"
            );
        }
        let no = [
            ("b.example", "a.example"),
            ("xa.example", "a.example"),
            ("localhost", "127.0.0.1"),
            ("[::1]", "::1"),
        ];
        for (sub, parent) in no {
            assert!(
                !is_domain_or_subdomain(Some(sub), Some(parent)),
                "{sub} {parent}"
            );
        }
        assert!(!is_domain_or_subdomain(None, Some("a")));
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
