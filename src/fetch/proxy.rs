//! Is this URL really a Go module proxy? Protocol checks (`.info` of a known version, a module
//! that cannot exist, `/sumdb/NAME/supported`), latency samples, and a verdict with a reason
//! and a fix hint. The verdict logic ([`classify`]) is pure; [`test_proxy`] does the I/O.

use std::time::{Duration, Instant};

use serde::Serialize;
use url::Url;

use super::budget::Budget;
use super::walkset::WalkSet;
use crate::finding::Severity;
use crate::net::http::{ErrorKind, FetchOptions, FetchResult, Phases, Prober};
use crate::ports::ask::MISSING_MODULE;
use crate::ports::{self, PortOwner};
use crate::redact::redact;
use crate::syntax::proxyurl::{escape, info_url, join, list_url};

/// The module version probed by default: small, old, and on every public proxy.
pub const DEFAULT_MODULE: &str = "rsc.io/quote@v1.5.2";
/// A median at or above this (ms) makes a serving proxy a warning: go pays it per download.
pub const SLOW_MS: f64 = 1000.0;
/// Cap on the bytes read per response: `.info` files are tiny.
pub const MAX_BYTES: usize = 256 * 1024;

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Deadline of each request (`--timeout`).
    pub timeout: Duration,
    /// The overall end shared by everything probed together; `None`: [`Budget::start`] of
    /// `timeout` when probing starts.
    pub budget: Option<Budget>,
    /// Latency samples of the `.info` request (at least 1).
    pub samples: usize,
    /// The walked modules and why: the first one's `.info` must be served (and is sampled for
    /// latency); the others are asked of every proxy that answers HTTP, and a verdict says
    /// which of them it served.
    pub walk: WalkSet,
    /// Checksum database name for the `/sumdb/NAME/supported` check, if any.
    pub sumdb: Option<String>,
    /// Cap on bytes read per response.
    pub max_bytes: usize,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(5),
            budget: None,
            samples: 3,
            walk: WalkSet::default(),
            sumdb: Some("sum.golang.org".into()),
            max_bytes: MAX_BYTES,
        }
    }
}

/// What godoctor concluded about one proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Serves the probe module as a Go module proxy should.
    Ok,
    /// Answers like a proxy but 404/410 for the probe module (a private-only proxy?).
    NotServingModule,
    /// A module that cannot exist is not answered with 404/410: `,` fall-through breaks.
    BadNotFound,
    /// HTML where JSON was expected: captive portal, login page, wrong base path.
    Html,
    /// The `.info` answer is not the JSON go expects (or the wrong version).
    Garbage,
    /// 401/403.
    Forbidden,
    /// 5xx.
    ServerError,
    /// Another unexpected HTTP status.
    BadStatus,
    TlsUnknownAuthority,
    TlsHostname,
    TlsExpired,
    Tls,
    Dns,
    Refused,
    Unreachable,
    Timeout,
    Reset,
    TooLarge,
    RedirectLoop,
    InsecureRedirect,
    /// The HTTPS_PROXY/HTTP_PROXY in between failed.
    HttpProxy,
    /// A `file://` proxy directory that does not exist.
    FileMissing,
    /// Not a URL a proxy can have.
    BadUrl,
}

impl Verdict {
    /// How bad the verdict is for `go`.
    pub fn status(self) -> Severity {
        match self {
            Verdict::Ok => Severity::Ok,
            Verdict::NotServingModule | Verdict::BadNotFound => Severity::Warn,
            _ => Severity::Error,
        }
    }
}

/// Whether the proxy says it proxies a checksum database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SumdbSupport {
    pub name: String,
    /// `true` = 200, `false` = 404/410, `null` = anything else (go then stops: see `status`).
    pub supported: Option<bool>,
    pub status: Option<u16>,
}

/// How one proxy answered for one walked module's `.info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WalkedModule {
    /// `path@version`.
    pub module: String,
    /// `true`: served (200 with that version); `false`: 404/410 (go moves on, after `,` too);
    /// `null`: anything else (an error, or not asked because the proxy did not answer HTTP).
    pub served: Option<bool>,
    pub status: Option<u16>,
    /// What the answer was, in words.
    pub detail: String,
}

impl WalkedModule {
    /// From the `.info` fetch of `path@version` (`None`: not asked).
    fn from_fetch(path: &str, version: &str, r: Option<&FetchResult>) -> Self {
        let module = format!("{path}@{version}");
        let Some(r) = r else {
            return WalkedModule {
                module,
                served: None,
                status: None,
                detail: "not asked: the proxy did not answer HTTP".into(),
            };
        };
        let (served, detail) = match (&r.error, r.status) {
            (Some(e), _) => (None, e.message.clone()),
            (None, Some(200)) => match info_version(&r.body) {
                Ok(v) if v == version => (Some(true), "served".to_string()),
                Ok(v) => (None, format!(".info answered Version {v:?}")),
                Err(e) => (None, format!(".info is not the JSON go expects ({e})")),
            },
            (None, Some(s @ (404 | 410))) => (Some(false), format!("{s}: not served here")),
            (None, Some(s)) => (None, format!("HTTP {s}")),
            (None, None) => (None, "no answer".to_string()),
        };
        WalkedModule {
            module,
            served,
            status: r.status,
            detail,
        }
    }
}

/// `PATH@VERSION` as a walked module (a `--module` argument): go's path and version rules.
pub fn parse_module_arg(text: &str) -> Result<(String, String), String> {
    let (path, version) = text
        .rsplit_once('@')
        .filter(|(p, v)| !p.is_empty() && v.starts_with('v'))
        .ok_or_else(|| format!("invalid --module {text:?}: expected PATH@VERSION"))?;
    crate::syntax::module::escape_path(path)
        .and_then(|_| crate::syntax::module::escape_version(version))
        .map_err(|e| format!("invalid --module {text:?}: {e}"))?;
    Ok((path.to_string(), version.to_string()))
}

/// The report for one proxy URL; serialises to the `proxy test --json` contract.
#[derive(Debug, Clone, Serialize)]
pub struct ProxyReport {
    /// Always `proxy` (a `proxy test` array may also hold the `sumdb` check).
    pub kind: &'static str,
    /// The proxy URL, redacted.
    pub url: String,
    /// Usable by go (no error verdict; warnings are still ok).
    pub ok: bool,
    /// Status of the `.info` request.
    pub status: Option<u16>,
    /// Phases of the median sample.
    pub phases: Phases,
    /// Median and minimum total time of the `.info` samples.
    pub median_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub samples: usize,
    pub verdict: Verdict,
    pub severity: Severity,
    pub diagnosis: String,
    pub hint: Option<String>,
    /// `host:port` of the HTTP proxy in between (HTTPS_PROXY/HTTP_PROXY), if any.
    pub via_proxy: Option<String>,
    /// `path@version` probed.
    pub module: String,
    /// Every walked module and how this proxy answered for it (the first is `module`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub walked: Vec<WalkedModule>,
    /// Status for a module that cannot exist (should be 404 or 410).
    pub not_found_status: Option<u16>,
    pub sumdb: Option<SumdbSupport>,
    /// Who holds the port of a loopback proxy that does not behave like one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub port_owners: Vec<PortOwner>,
    /// For a loopback proxy that is not clearly serving: what answers on its port
    /// ([`ports::fingerprint`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers_as: Option<ports::fingerprint::Fingerprint>,
    /// The port accepted the connection and never answered over plain http: go, which has no
    /// response deadline, hangs there (neither ',' nor '|' moves on).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hangs: bool,
    /// 1-based position in GOPROXY (chain mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// What this entry means for go, given the entries around it (chain mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consequence: Option<String>,
    /// This entry is the one go would get the probe module from (chain mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served: Option<bool>,
}

/// The parts of [`classify`]'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub verdict: Verdict,
    pub reason: String,
    pub hint: Option<String>,
}

fn diag(verdict: Verdict, reason: impl Into<String>, hint: Option<&str>) -> Diagnosis {
    Diagnosis {
        verdict,
        reason: reason.into(),
        hint: hint.map(str::to_string),
    }
}

/// Decide the verdict from the `.info` fetch and (when it got that far) the missing-module
/// fetch. Pure: unit tests feed it fetch results.
pub fn classify(
    info: &FetchResult,
    want_version: &str,
    missing: Option<&FetchResult>,
) -> Diagnosis {
    if let Some(e) = &info.error {
        // A status with a broken body still says something, but the transport failure is
        // what go will hit.
        let (v, hint) = match e.kind {
            ErrorKind::Dns => (
                Verdict::Dns,
                "check the host name; behind a firewall or without DNS, use a proxy you can resolve",
            ),
            ErrorKind::Refused => (Verdict::Refused, "is the proxy running on that port?"),
            ErrorKind::Unreachable => (
                Verdict::Unreachable,
                "check the network route or firewall to this host",
            ),
            ErrorKind::Timeout => (
                Verdict::Timeout,
                "the proxy is too slow or blocked; try another mirror (godoctor proxy rank) or raise --timeout",
            ),
            ErrorKind::Reset => (
                Verdict::Reset,
                "a firewall or middlebox may be cutting the connection; try another mirror or https",
            ),
            ErrorKind::TlsUnknownAuthority => (
                Verdict::TlsUnknownAuthority,
                "a TLS-intercepting corporate proxy? set SSL_CERT_FILE to its CA bundle (go reads it too)",
            ),
            ErrorKind::TlsHostname => (
                Verdict::TlsHostname,
                "the certificate is for another host: check the URL or the interception proxy",
            ),
            ErrorKind::TlsExpired => (
                Verdict::TlsExpired,
                "the certificate has expired (or the clock is wrong): check `date`",
            ),
            ErrorKind::Tls => (
                Verdict::Tls,
                "check that the URL scheme matches the server (https:// vs http://)",
            ),
            ErrorKind::Garbage => (
                Verdict::Garbage,
                "this port does not speak HTTP: is the URL's port right?",
            ),
            ErrorKind::TooLarge => (
                Verdict::TooLarge,
                "the server sends an endless or huge body: not a Go module proxy",
            ),
            ErrorKind::RedirectLoop => (
                Verdict::RedirectLoop,
                "the server redirects in a loop: check the proxy's base URL",
            ),
            ErrorKind::InsecureRedirect => (
                Verdict::InsecureRedirect,
                "go refuses https→http redirects: fix the server or use its https URL",
            ),
            ErrorKind::BadRedirect => (Verdict::BadStatus, "the server sends a broken redirect"),
            ErrorKind::Proxy => (
                Verdict::HttpProxy,
                "check HTTPS_PROXY/HTTP_PROXY, or add the host to NO_PROXY",
            ),
            ErrorKind::Io => (Verdict::Unreachable, "check the network"),
        };
        return diag(v, e.message.clone(), Some(hint));
    }
    let status = info.status.unwrap_or(0);
    let html = info
        .content_type
        .as_deref()
        .is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        || looks_like_html(&info.body);
    let verdict = match status {
        200 if html => diag(
            Verdict::Html,
            "HTML with 200 where the proxy protocol requires JSON: a captive portal, login page or wrong base path",
            Some("log in to the network (captive portal) or fix the base path of the proxy URL"),
        ),
        200 => match info_version(&info.body) {
            Ok(v) if v == want_version => diag(Verdict::Ok, "serves Go modules", None),
            Ok(v) => diag(
                Verdict::Garbage,
                format!(
                    ".info answered Version {v:?} for {want_version}: not a correct Go module proxy"
                ),
                Some("check the proxy URL and its software"),
            ),
            Err(e) => diag(
                Verdict::Garbage,
                format!(".info is not the JSON go expects ({e})"),
                Some("the URL does not point at a Go module proxy: check its base path"),
            ),
        },
        404 | 410 => diag(
            Verdict::NotServingModule,
            format!(
                "reachable, but {status} for the probe module: it does not serve public modules (a private-only proxy?)"
            ),
            Some(
                "fine for a private proxy followed by another entry; else probe one of its modules with --module PATH@VERSION",
            ),
        ),
        407 => diag(
            Verdict::HttpProxy,
            "407: the HTTP proxy from HTTP_PROXY wants credentials",
            Some("put them in the proxy URL: HTTP_PROXY=http://user:password@host:port"),
        ),
        401 | 403 => diag(
            Verdict::Forbidden,
            format!("{status}: the proxy refuses the request"),
            Some(
                "credentials missing or wrong: put them in ~/.netrc (or NETRC) or GOAUTH, not in the URL",
            ),
        ),
        500..=599 => diag(
            Verdict::ServerError,
            format!("{status}: the proxy is failing"),
            Some("retry later, or put another proxy after it with '|' so go falls back on errors"),
        ),
        _ => diag(
            Verdict::BadStatus,
            format!("unexpected HTTP {status} for .info"),
            Some("check the proxy URL"),
        ),
    };
    if verdict.verdict != Verdict::Ok && verdict.verdict != Verdict::NotServingModule {
        return verdict;
    }
    // A check the deadline cut short says nothing about the proxy's 404 behaviour.
    if let Some(m) = missing.filter(|m| {
        !m.error
            .as_ref()
            .is_some_and(|e| e.kind == ErrorKind::Timeout)
    }) {
        match (m.status, &m.error) {
            (Some(404 | 410), None) | (Some(404 | 410), Some(_)) => {}
            (Some(s), _) => {
                return diag(
                    Verdict::BadNotFound,
                    format!(
                        "serves modules, but answers {s} (not 404/410) for a module that cannot exist, so go will not fall through ',' to the next entry"
                    ),
                    Some(
                        "fix the proxy to send 404/410 for unknown modules, or separate entries with '|'",
                    ),
                );
            }
            (None, Some(e)) => {
                return diag(
                    Verdict::BadNotFound,
                    format!(
                        "serves modules, but fails for a module that cannot exist ({}), so go will not fall through ',' to the next entry",
                        e.message
                    ),
                    Some("separate entries with '|' so go falls back on errors"),
                );
            }
            (None, None) => {}
        }
    }
    verdict
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&body[..body.len().min(512)])
        .trim_start()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html")
        || start.starts_with("<html")
        || start.starts_with("<head")
        || start.starts_with("<body")
}

/// The `Version` of a `.info` body, the way go decodes it (JSON object with a string Version).
pub fn info_version(body: &[u8]) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(rename = "Version")]
        version: Option<String>,
    }
    let info: Info = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    info.version.ok_or_else(|| "no Version field".to_string())
}

/// Parse a proxy URL like go does for a GOPROXY entry (a missing scheme means https://).
pub fn parse_proxy_url(raw: &str) -> Result<Url, String> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| format!("invalid proxy URL {:?}: {e}", redact(raw)))?;
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(url),
        "file" => Ok(url),
        s => Err(format!(
            "invalid proxy URL {:?}: scheme {s}:// is not one go accepts (https, http, file)",
            redact(raw)
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A URL as the user wrote it: without the `/` the URL parser adds to a bare host. Redacted.
pub fn display_url(url: &Url) -> String {
    let s = url.as_str();
    let s = if url.path() == "/" && url.query().is_none() && url.fragment().is_none() {
        s.trim_end_matches('/')
    } else {
        s
    };
    redact(s)
}

/// Probe one proxy: protocol checks, latency samples and a verdict, each request within
/// `opts.timeout` and all of them within the budget ([`super::budget`]). `file://` URLs are
/// checked on disk.
pub fn test_proxy(prober: &Prober, url: &Url, opts: &ProbeOptions) -> ProxyReport {
    let (path, version) = opts.walk.first();
    let module = format!("{path}@{version}");
    if url.scheme() == "file" {
        return test_file(url, opts, module);
    }
    let budget = opts.budget.unwrap_or_else(|| Budget::start(opts.timeout));
    let opts = &ProbeOptions {
        budget: Some(budget),
        ..opts.clone()
    };
    let cap = opts.max_bytes;
    let mut report = ProxyReport {
        kind: "proxy",
        url: display_url(url),
        ok: false,
        status: None,
        phases: Phases::default(),
        median_ms: None,
        min_ms: None,
        samples: 0,
        verdict: Verdict::BadUrl,
        severity: Severity::Error,
        diagnosis: String::new(),
        hint: None,
        via_proxy: prober.proxy_for(url),
        module,
        walked: Vec::new(),
        not_found_status: None,
        sumdb: None,
        port_owners: Vec::new(),
        answers_as: None,
        hangs: false,
        position: None,
        consequence: None,
        served: None,
    };
    let Some(info) = info_url(url, path, version) else {
        report.diagnosis = "cannot build a request URL from this proxy URL".into();
        return report;
    };
    let first = prober.fetch(&info, &budget.fetch(cap));
    let mut samples: Vec<FetchResult> = vec![first.clone()];
    let mut missing = None;
    let also = opts.walk.others();
    let mut others: Vec<Option<FetchResult>> = vec![None; also.len()];
    // Only a server that answered HTTP is worth asking again; a failing one would eat the
    // deadline again for nothing.
    if first.error.is_none() {
        // Protocol checks first, latency samples after: a slow server spends the deadline on
        // samples, not on the facts the verdict needs.
        // The other walked modules first, at once, so the budget never cuts them: which of
        // them this proxy serves.
        others = std::thread::scope(|s| {
            let handles: Vec<_> = also
                .iter()
                .map(|(m, v)| {
                    s.spawn(move || {
                        info_url(url, m, v).map(|u| prober.fetch(&u, &budget.fetch(cap)))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        if let Some(m) = list_url(url, MISSING_MODULE) {
            let r = prober.fetch(&m, &budget.fetch(cap));
            report.not_found_status = r.status;
            missing = Some(r);
        }
        if let Some(name) = &opts.sumdb {
            if let Some(s) = join(url, &format!("sumdb/{name}/supported")) {
                let r = prober.fetch(&s, &budget.fetch(cap));
                let supported = match (r.status, &r.error) {
                    (Some(200), None) => Some(true),
                    (Some(404 | 410), _) => Some(false),
                    _ => None,
                };
                report.sumdb = Some(SumdbSupport {
                    name: name.clone(),
                    supported,
                    status: r.status,
                });
            }
        }
        for _ in 1..opts.samples.max(1) {
            if budget.spent() {
                break;
            }
            let s = prober.fetch(&info, &budget.fetch(cap));
            if s.error.is_some() {
                break;
            }
            samples.push(s);
        }
    }
    report.walked = std::iter::once(WalkedModule::from_fetch(path, version, Some(&first)))
        .chain(
            also.iter()
                .zip(&others)
                .map(|((m, v), r)| WalkedModule::from_fetch(m, v, r.as_ref())),
        )
        .collect();
    // The verdict is the first walked module's, unless it was not served and another was:
    // a proxy that served one of the walked modules serves modules.
    let mut d = classify(&first, version, missing.as_ref());
    if d.verdict == Verdict::NotServingModule {
        let other = report.walked[1..]
            .iter()
            .position(|w| w.served == Some(true))
            .and_then(|i| Some((others[i].as_ref()?, &also[i].1)));
        if let Some((r, version)) = other {
            d = classify(r, version, missing.as_ref());
        }
    }
    if report.walked.len() > 1 {
        d.reason = walked_words(&report.walked, d.verdict, d.reason);
    }
    report.status = first.status;
    report.via_proxy = first.via_proxy.clone();
    let mut ok_samples: Vec<&FetchResult> = samples.iter().filter(|s| s.error.is_none()).collect();
    ok_samples.sort_by(|a, b| a.phases.total_ms.total_cmp(&b.phases.total_ms));
    report.samples = ok_samples.len();
    if let Some(mid) = ok_samples.get(ok_samples.len().saturating_sub(1) / 2) {
        report.phases = mid.phases;
        report.median_ms = Some(median(
            &ok_samples
                .iter()
                .map(|s| s.phases.total_ms)
                .collect::<Vec<_>>(),
        ));
        report.min_ms = ok_samples.first().map(|s| s.phases.total_ms);
    } else {
        report.phases = first.phases;
    }
    report.verdict = d.verdict;
    report.severity = d.verdict.status();
    report.ok = report.severity != Severity::Error;
    report.diagnosis = d.reason;
    report.hint = d.hint;
    if let Some(m) = report
        .median_ms
        .filter(|m| d.verdict == Verdict::Ok && *m >= SLOW_MS)
    {
        // Usable, but not a ✓: go pays this on every module it downloads.
        report.severity = Severity::Warn;
        report.diagnosis = format!(
            "serves Go modules, but slowly: a median of {} over {} requests",
            crate::output::millis(m),
            report.samples
        );
        report.hint = Some(
            "go pays this on every module download: put a nearer mirror first (`godoctor proxy rank` measures the known ones)".into(),
        );
    }
    if is_loopback(url) {
        loopback_story(prober, url, opts, &first, missing.as_ref(), &mut report);
    }
    report
}

/// A verdict's reason with the walked modules it rests on: which were served, which not.
fn walked_words(walked: &[WalkedModule], verdict: Verdict, reason: String) -> String {
    let served: Vec<&str> = walked
        .iter()
        .filter(|w| w.served == Some(true))
        .map(|w| w.module.as_str())
        .collect();
    let missing: Vec<&str> = walked
        .iter()
        .filter(|w| w.served == Some(false))
        .map(|w| w.module.as_str())
        .collect();
    let failed: Vec<String> = walked
        .iter()
        .filter(|w| w.served.is_none())
        .map(|w| format!("{} ({})", w.module, w.detail))
        .collect();
    match verdict {
        Verdict::NotServingModule if served.is_empty() && failed.is_empty() => format!(
            "reachable, but 404/410 for every walked module ({}): it serves none of them (a private-only proxy?)",
            missing.join(", ")
        ),
        Verdict::Ok | Verdict::BadNotFound => {
            let mut s = format!(
                "{reason}: served {} of {} walked modules",
                served.len(),
                walked.len()
            );
            if !missing.is_empty() {
                s.push_str(&format!("; not found (404/410) for {}", missing.join(", ")));
            }
            if !failed.is_empty() {
                s.push_str(&format!("; failed for {}", failed.join(", ")));
            }
            s
        }
        _ => reason,
    }
}

/// What listens (or not) at the address of a proxy on this machine.
#[derive(Debug, Clone, Serialize)]
pub struct PortStory {
    /// "nothing is listening on 127.0.0.1:3000", "… listens on `[::1]:3000` only (held by …)",
    /// "port 3000 is held by nginx (pids 10, 11; www-data; up 2 h; nginx -g …)".
    pub note: String,
    pub hint: Option<String>,
    /// Every holder of the port.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<PortOwner>,
    /// The URL's address family has no listener, the other one has.
    pub other_family: bool,
}

/// The port story of a loopback proxy URL (`None` for any other URL), the one `check`,
/// `proxy test` and `route --probe` tell: the other address family when only it listens (with
/// the URL that works), nothing listening (with a Go module proxy found on a nearby port by
/// its process name), or every holder of the port. Sends no request.
pub fn port_story(prober: &Prober, url: &Url, module: &str, version: &str) -> Option<PortStory> {
    use ports::{family, search};
    if !is_loopback(url) {
        return None;
    }
    let port = url.port_or_known_default().unwrap_or(0);
    let host = url.host_str().unwrap_or_default();
    let listeners = ports::listeners(port);
    let reach = family::reach(
        &listeners
            .iter()
            .filter_map(|o| o.address.parse().ok())
            .collect::<Vec<_>>(),
    );
    let localhost: Vec<std::net::IpAddr> =
        std::net::ToSocketAddrs::to_socket_addrs(&("localhost", port))
            .map(|it| it.map(|a| a.ip()).collect())
            .unwrap_or_default();
    if let Some(note) = family::mismatch(url.scheme(), host, port, reach, &localhost) {
        let who = listeners.first().map(|o| o.who()).unwrap_or_default();
        return Some(PortStory {
            note: format!("{note} (held by {who})"),
            hint: family::working_url(url.scheme(), port, reach).map(|u| {
                format!("point GOPROXY at {u} (`godoctor port {port} --url {u}` shows what answers there)")
            }),
            owners: listeners,
            other_family: true,
        });
    }
    if let Some(first) = listeners.first() {
        return Some(PortStory {
            note: format!("port {port} is held by {}", first.who()),
            hint: Some(format!(
                "`godoctor port {port}` lists every holder and what answers there"
            )),
            owners: listeners,
            other_family: false,
        });
    }
    let elsewhere = if ports::OWNERS_AVAILABLE {
        // By process name only: a probe must not send requests to unrelated local servers
        // (`godoctor port` also asks them the protocol).
        search::find(prober, port, module, version, Duration::ZERO)
    } else {
        Vec::new()
    };
    Some(PortStory {
        note: format!("nothing is listening on {host}:{port}"),
        hint: Some(match elsewhere.first() {
            Some(f) => format!(
                "{} listens on {} ({}): `godoctor env set GOPROXY={},direct` if that is your proxy",
                f.who.as_deref().unwrap_or("a Go module proxy"),
                f.port,
                f.because,
                f.url
            ),
            None => format!(
                "is your proxy running, or did it start on another port? (`godoctor port {port}` shows who holds a port)"
            ),
        }),
        owners: Vec::new(),
        other_family: false,
    })
}

/// For a proxy on this machine: say what is (not) listening on its port, who holds it (every
/// pid), what answers there ([`ports::fingerprint`]: a web server's 404 or 403 is not a proxy's),
/// the other address family when only that one listens, a proxy that moved to a nearby port,
/// and a silent holder that makes go hang.
fn loopback_story(
    prober: &Prober,
    url: &Url,
    opts: &ProbeOptions,
    info: &FetchResult,
    missing: Option<&FetchResult>,
    report: &mut ProxyReport,
) {
    use ports::fingerprint::{Ask, Kind};
    use ports::{ask, fingerprint};
    let port = url.port_or_known_default().unwrap_or(0);
    if report.verdict == Verdict::Refused {
        let (path, version) = opts.walk.first();
        if let Some(story) = port_story(prober, url, path, version) {
            if story.other_family {
                report.port_owners = story.owners;
            }
            report.diagnosis = story.note;
            report.hint = story.hint;
        }
        return;
    }
    if report.verdict == Verdict::Ok {
        return;
    }
    let listeners = ports::listeners(port);
    // What answers here, from the answers already in hand plus `/` (cheap on loopback).
    let mut answers = vec![ask::to_answer(Ask::KnownInfo, info)];
    if let Some(m) = missing {
        answers.push(ask::to_answer(Ask::Missing, m));
    }
    if info.error.is_none() {
        if let Some(root) = join(url, "") {
            let mut fetch = FetchOptions::within(Duration::from_secs(1), 16 * 1024);
            if let Some(b) = opts.budget {
                fetch.deadline = fetch.deadline.min(b.deadline());
            }
            let r = prober.fetch(&root, &fetch);
            answers.push(ask::to_answer(Ask::Root, &r));
        }
    }
    let (path, version) = opts.walk.first();
    let fp = fingerprint::classify(&answers, &format!("{path} {version}"));
    let who = listeners.first().map(|o| o.who());
    let held = who
        .as_deref()
        .map(|w| format!("; port {port} is held by {w}"))
        .unwrap_or_default();
    let silent = info.error.as_ref().is_some_and(|e| {
        e.kind == ErrorKind::Timeout && e.phase == crate::net::http::Phase::FirstByte
    }) && url.scheme() == "http";
    if silent {
        report.hangs = true;
        report.diagnosis = format!(
            "{}{held}; it accepts connections and sent no answer: if it never answers, go will hang (go has no response deadline for module downloads)",
            report.diagnosis
        );
        report.hint = Some(format!(
            "stop what holds port {port} (`godoctor port {port} --stop`) or start your proxy on a free port (`godoctor port --free`)"
        ));
    } else if fp.kind == Kind::NotGoProxy && info.error.is_none() {
        // Only a complete answer names the software: a body cut by the deadline (a dripping
        // server) keeps its own verdict.
        // A web server's 404 is not a private proxy's, and its 403 is not a credentials
        // problem (fingerprint: only 401 / WWW-Authenticate is).
        report.diagnosis = format!("{}{held}", fp.summary);
        report.severity = Severity::Error;
        report.ok = false;
        report.hint = Some(format!(
            "something other than a Go module proxy holds port {port}: stop it (`godoctor port {port} --stop`) or start your proxy on a free port (`godoctor port --free`)"
        ));
    } else if report.verdict == Verdict::Forbidden
        && info.status == Some(403)
        && info.www_authenticate.is_none()
    {
        report.diagnosis = format!(
            "answers 403 Forbidden without asking for credentials (no WWW-Authenticate): the access rules of what holds the port, not missing credentials{held}"
        );
        report.hint = Some(format!(
            "check that the server on port {port} is your Go module proxy and allows this machine (`godoctor port {port}`)"
        ));
    } else if !held.is_empty() && !report.ok {
        report.diagnosis = format!("{}{held}", report.diagnosis);
    }
    if !report.ok || report.verdict != Verdict::Ok {
        report.port_owners = listeners;
    }
    report.answers_as = Some(fp);
}

fn test_file(url: &Url, opts: &ProbeOptions, module: String) -> ProxyReport {
    let started = Instant::now();
    let mut report = ProxyReport {
        kind: "proxy",
        url: display_url(url),
        ok: false,
        status: None,
        phases: Phases::default(),
        median_ms: None,
        min_ms: None,
        samples: 0,
        verdict: Verdict::FileMissing,
        severity: Severity::Error,
        diagnosis: String::new(),
        hint: None,
        via_proxy: None,
        module,
        walked: Vec::new(),
        not_found_status: None,
        sumdb: None,
        port_owners: Vec::new(),
        answers_as: None,
        hangs: false,
        position: None,
        consequence: None,
        served: None,
    };
    let Ok(dir) = url.to_file_path() else {
        report.verdict = Verdict::BadUrl;
        report.diagnosis = "not a usable file:// path (it must be absolute)".into();
        report.hint = Some("write it as file:///absolute/path".into());
        return report;
    };
    let d = if !dir.is_dir() {
        diag(
            Verdict::FileMissing,
            format!("{} is not a directory", dir.display()),
            Some("create the directory or fix the path"),
        )
    } else {
        // Every walked module's .info on disk, as go reads a file:// proxy.
        let on_disk = |module: &str, version: &str| -> (WalkedModule, Diagnosis) {
            let info = dir
                .join(escape(module))
                .join("@v")
                .join(format!("{}.info", escape(version)));
            let (served, d) = match crate::sys::read_file_capped(&info, MAX_BYTES as u64) {
                Ok(Some(body)) => match info_version(&body) {
                    Ok(v) if v == version => (
                        Some(true),
                        diag(Verdict::Ok, "serves Go modules from disk", None),
                    ),
                    Ok(v) => (
                        None,
                        diag(
                            Verdict::Garbage,
                            format!("{} says Version {v:?}", info.display()),
                            None,
                        ),
                    ),
                    Err(e) => (
                        None,
                        diag(
                            Verdict::Garbage,
                            format!("{} is not valid: {e}", info.display()),
                            None,
                        ),
                    ),
                },
                Ok(None) => (
                    Some(false),
                    diag(
                        Verdict::NotServingModule,
                        format!("the directory exists but has no {}", info.display()),
                        Some(
                            "fine for a partial file proxy; probe a module it holds with --module PATH@VERSION",
                        ),
                    ),
                ),
                Err(e) => (None, diag(Verdict::Garbage, e.to_string(), None)),
            };
            let walked = WalkedModule {
                module: format!("{module}@{version}"),
                served,
                status: None,
                detail: if served == Some(true) {
                    "served".into()
                } else {
                    d.reason.clone()
                },
            };
            (walked, d)
        };
        let (path, version) = opts.walk.first();
        let (first, mut d) = on_disk(path, version);
        report.walked.push(first);
        for (m, v) in opts.walk.others() {
            let (w, other) = on_disk(m, v);
            if d.verdict == Verdict::NotServingModule && other.verdict == Verdict::Ok {
                d = other;
            }
            report.walked.push(w);
        }
        if report.walked.len() > 1 {
            d.reason = walked_words(&report.walked, d.verdict, d.reason);
        }
        d
    };
    report.phases.total_ms = crate::net::http::ms(started.elapsed());
    report.verdict = d.verdict;
    report.severity = d.verdict.status();
    report.ok = report.severity != Severity::Error;
    report.diagnosis = d.reason;
    report.hint = d.hint;
    report
}

/// Median of a slice (mean of the middle two for even lengths); 0 for empty.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Probe many proxies at once, one thread each: the wall time is that of the slowest.
pub fn test_all(prober: &Prober, urls: &[Url], opts: &ProbeOptions) -> Vec<ProxyReport> {
    std::thread::scope(|s| {
        let handles: Vec<_> = urls
            .iter()
            .map(|u| s.spawn(move || test_proxy(prober, u, opts)))
            .collect();
        handles
            .into_iter()
            .zip(urls)
            .map(|(h, u)| {
                h.join().unwrap_or_else(|_| {
                    let mut r = test_file(u, opts, String::new());
                    r.verdict = Verdict::BadUrl;
                    r.diagnosis = "internal error while probing".into();
                    r
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::http::{FetchError, Phase};

    fn ok(status: u16, ctype: &str, body: &str) -> FetchResult {
        FetchResult {
            status: Some(status),
            content_type: Some(ctype.into()),
            body: body.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn verdicts_from_answers() {
        let info = ok(
            200,
            "application/json",
            r#"{"Version":"v1.5.2","Time":"2018-02-14T00:54:53Z"}"#,
        );
        let missing = ok(404, "text/plain", "not found");
        assert_eq!(
            classify(&info, "v1.5.2", Some(&missing)).verdict,
            Verdict::Ok
        );
        assert_eq!(
            classify(&info, "v1.0.0", Some(&missing)).verdict,
            Verdict::Garbage
        );
        assert_eq!(
            classify(&ok(200, "text/html", "<html>login</html>"), "v1.5.2", None).verdict,
            Verdict::Html
        );
        assert_eq!(
            classify(&ok(200, "text/plain", "<!DOCTYPE html>"), "v1.5.2", None).verdict,
            Verdict::Html
        );
        assert_eq!(
            classify(&ok(200, "application/json", "{"), "v1.5.2", None).verdict,
            Verdict::Garbage
        );
        assert_eq!(
            classify(&ok(404, "text/plain", ""), "v1.5.2", Some(&missing)).verdict,
            Verdict::NotServingModule
        );
        assert_eq!(
            classify(&ok(403, "text/plain", ""), "v1.5.2", None).verdict,
            Verdict::Forbidden
        );
        assert_eq!(
            classify(&ok(502, "text/plain", ""), "v1.5.2", None).verdict,
            Verdict::ServerError
        );
        assert_eq!(
            classify(&info, "v1.5.2", Some(&ok(500, "text/plain", ""))).verdict,
            Verdict::BadNotFound
        );
        // The deadline cutting the check short is not the proxy's 404 behaviour.
        let cut = FetchResult {
            error: Some(FetchError {
                kind: ErrorKind::Timeout,
                phase: Phase::FirstByte,
                message: "t".into(),
            }),
            ..Default::default()
        };
        assert_eq!(classify(&info, "v1.5.2", Some(&cut)).verdict, Verdict::Ok);
    }

    #[test]
    fn transport_errors_become_verdicts() {
        let r = FetchResult {
            error: Some(FetchError {
                kind: ErrorKind::TlsUnknownAuthority,
                phase: Phase::Tls,
                message: "x".into(),
            }),
            ..Default::default()
        };
        let d = classify(&r, "v1", None);
        assert_eq!(d.verdict, Verdict::TlsUnknownAuthority);
        assert!(d.hint.unwrap_or_default().contains("SSL_CERT_FILE"));
        assert_eq!(Verdict::TlsUnknownAuthority.status(), Severity::Error);
        assert_eq!(Verdict::NotServingModule.status(), Severity::Warn);
    }

    #[test]
    fn urls_like_go() {
        let base = parse_proxy_url("proxy.example/go").expect("url");
        assert_eq!(base.as_str(), "https://proxy.example/go");
        assert!(parse_proxy_url("ftp://x").is_err());
        assert!(parse_proxy_url("https://").is_err());
    }

    #[test]
    fn median_of_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0]), 2.5);
    }
}
