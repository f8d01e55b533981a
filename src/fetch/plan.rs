//! The route `go` takes to fetch one module, planned without the network: which
//! GOPRIVATE/GONOPROXY/GONOSUMDB/GOINSECURE pattern matched (or nearly did), the ordered sources
//! with their separators, where the walk stops, the checksum database and the proxy it is
//! reached through, the credentials that would be sent (never their values), the escaped
//! request paths, and a warning before a private-looking path leaks to a public service.
//!
//! Pure: settings in, [`Route`] out. The grammar comes from [`crate::syntax`]; walking the
//! route over HTTP is [`super::walk`].

use serde::Serialize;

use crate::finding::Finding;
use crate::redact::redact;
use crate::syntax::goauth::{self, AuthMethod};
use crate::syntax::goproxy::{self, Fallback, ProxyEntry};
use crate::syntax::gosumdb::SumDb;
use crate::syntax::{decide, module, patterns};

/// The effective settings the route depends on (as `go env -json` prints them).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub goproxy: String,
    pub goprivate: String,
    /// Effective GONOPROXY (go already defaulted it to GOPRIVATE).
    pub gonoproxy: String,
    /// Effective GONOSUMDB (go already defaulted it to GOPRIVATE).
    pub gonosumdb: String,
    pub goinsecure: String,
    pub gosumdb: String,
    /// `None` for a go older than 1.24 (no GOAUTH: .netrc only).
    pub goauth: Option<String>,
    /// Whether GONOPROXY / GONOSUMDB were set themselves (else they come from GOPRIVATE).
    pub gonoproxy_set: bool,
    pub gonosumdb_set: bool,
    /// `machine` names of the .netrc go reads (logins and passwords are not needed here).
    pub netrc_machines: Vec<String>,
    /// Where that .netrc is, for display.
    pub netrc_path: Option<String>,
}

impl Settings {
    /// The settings as the name → value map [`decide::decide`] takes.
    pub fn values(&self) -> std::collections::BTreeMap<String, String> {
        [
            ("GOPROXY", &self.goproxy),
            ("GOPRIVATE", &self.goprivate),
            ("GONOPROXY", &self.gonoproxy),
            ("GONOSUMDB", &self.gonosumdb),
            ("GOINSECURE", &self.goinsecure),
            ("GOSUMDB", &self.gosumdb),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
    }
}

/// What version was asked for, and so which requests go makes to find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Query {
    /// `latest`: `@v/list`, then
    /// the `.info` of the highest release (or `@latest` when the list is empty).
    Latest,
    /// A semver prefix like `v1.2` or a comparison like `<v1.3.0`: `@v/list`, then `.info`.
    List(String),
    /// A canonical semantic version: its `.info`.
    Exact(String),
    /// A branch, tag or commit: the proxy is asked for its `.info`.
    Revision(String),
}

impl Query {
    /// Classify a version as typed after `@` (already checked by [`check_input`]).
    pub fn classify(version: &str) -> Query {
        match version {
            "latest" => Query::Latest,
            v if module::canonical_version(v).as_deref() == Some(v) => Query::Exact(v.into()),
            // `+incompatible` is the one build suffix go keeps: still a canonical version.
            v if v.strip_suffix("+incompatible").is_some_and(|c| {
                module::canonical_version(c).as_deref() == Some(c) && !c.contains('+')
            }) =>
            {
                Query::Exact(v.into())
            }
            v if module::is_valid_semver(v) || v.starts_with(['<', '>']) => Query::List(v.into()),
            v => Query::Revision(v.into()),
        }
    }

    /// The version whose files are requested directly, if known before any request.
    pub fn fixed_version(&self) -> Option<&str> {
        match self {
            Query::Exact(v) | Query::Revision(v) => Some(v),
            _ => None,
        }
    }
}

/// Why a module argument is refused, with go's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Split `MODULE[@VERSION]` and check both the way go does. The default version is `latest`.
pub fn check_input(arg: &str) -> Result<(String, String), InputError> {
    let (path, version) = match arg.rsplit_once('@') {
        Some((p, v)) => (p, v),
        None => (arg, "latest"),
    };
    module::check_path(path).map_err(|e| InputError(format!("{arg}: {e}")))?;
    if version.is_empty() {
        return Err(InputError(format!(
            "{arg}: invalid version: disallowed version string"
        )));
    }
    if version == "upgrade" || version == "patch" {
        // Relative to a current version in a go.mod; go mod download outside a module says
        // `cannot match "M@upgrade": go.mod file not found…`, and route plans outside a module.
        return Err(InputError(format!(
            "cannot match {arg:?}: {version:?} is relative to the version a go.mod requires; use latest or a version"
        )));
    }
    if version.starts_with(['<', '>']) {
        let v = version.trim_start_matches(['<', '>', '=']);
        if !module::is_valid_semver(v) {
            return Err(InputError(format!(
                "{arg}: invalid version: {v:?} in query {version:?} is not a semantic version"
            )));
        }
        return Ok((path.into(), version.into()));
    }
    if module::escape_version(version).is_err() {
        return Err(InputError(format!(
            "{arg}: invalid version: version {version:?} invalid: disallowed version string"
        )));
    }
    module::check_version(version).map_err(|e| {
        let e = e.strip_prefix(&format!("{version}: ")).unwrap_or(&e);
        InputError(format!("{arg}: invalid version: {e}"))
    })?;
    Ok((path.into(), version.into()))
}

/// How one pattern variable treats the module.
#[derive(Debug, Clone, Serialize)]
pub struct PatternCheck {
    pub var: &'static str,
    /// The effective value (redacted).
    pub value: String,
    /// Where the value comes from when the variable is not set itself (`GOPRIVATE`).
    pub inherited_from: Option<&'static str>,
    /// The glob that matched, as go compares it (trailing `/` removed).
    pub matched: Option<String>,
    /// What the match (or its absence) does to the route.
    pub effect: String,
    /// Globs that look meant for this module but do not match, and why.
    pub near_misses: Vec<String>,
}

/// What kind of source a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Proxy,
    Direct,
    Off,
}

/// One source go tries, in order.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub kind: SourceKind,
    /// The proxy URL go uses (redacted; `https://` added like go), or `direct` / `off`.
    pub target: String,
    /// The separator written after this entry (`,` or `|`), if any.
    pub separator: Option<char>,
    /// When go moves on from this source to the next one.
    pub fallback: Option<Fallback>,
    /// Go passes over this entry for this module without a request (GONOPROXY rules).
    pub skipped: bool,
    /// Why go tries or skips it.
    pub note: String,
    /// For `direct`: the host go contacts (`?go-get=1` or the version control server).
    pub vcs_host: Option<String>,
    /// For `direct`: GOINSECURE allows plain HTTP and unverified certificates.
    pub insecure: bool,
    /// The credentials go would send, described without their values.
    pub credentials: Option<String>,
    /// Request URLs for the route's fixed version (proxies only; redacted).
    pub requests: Vec<String>,
    /// The unredacted URL go uses (proxies only), for the probe; never serialised.
    #[serde(skip)]
    pub url: Option<String>,
    /// This is go's implicit first entry for a GONOPROXY match (not a `direct` of GOPROXY).
    #[serde(skip)]
    pub via_gonoproxy: bool,
}

/// Whether and how the checksum database is consulted.
#[derive(Debug, Clone, Serialize)]
pub struct SumdbPlan {
    pub consulted: bool,
    pub reason: String,
    /// Database name (`sum.golang.org`), when consulted.
    pub name: Option<String>,
    /// Where go contacts it when no proxy offers it (redacted).
    pub url: Option<String>,
    /// Proxies go asks for `<proxy>/sumdb/<name>/supported`, in order, before using `url`.
    pub via: Vec<String>,
    /// The lookup path for the fixed version, e.g. `lookup/github.com/!azure/x@v1.0.0`.
    pub lookup: Option<String>,
    /// The URL GOSUMDB gave explicitly (unredacted, for requests; never serialised): go then
    /// asks no proxy.
    #[serde(skip)]
    pub explicit_url: Option<String>,
    /// The verifier key (public; not serialised: the name says which database).
    #[serde(skip)]
    pub key: Option<String>,
}

/// The planned route.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub module: String,
    pub version: String,
    pub query: Query,
    /// The module path as it appears in URLs (`Azure` → `!azure`).
    pub escaped_path: String,
    /// The fixed version as it appears in URLs, when there is one.
    pub escaped_version: Option<String>,
    /// Request paths relative to a proxy base, in go's order.
    pub requests: Vec<String>,
    pub patterns: Vec<PatternCheck>,
    pub sources: Vec<Source>,
    /// Where and why the walk ends.
    pub stop: String,
    pub sumdb: SumdbPlan,
    /// Problems and warnings (the leak warning, unusable settings).
    pub findings: Vec<Finding>,
}

/// Plan the route of `path@version` (both checked by [`check_input`]).
pub fn plan(path: &str, version: &str, s: &Settings) -> Route {
    let query = Query::classify(version);
    let escaped_path = module::escape_path(path).unwrap_or_else(|_| path.to_string());
    let escaped_version = query
        .fixed_version()
        .map(|v| module::escape_version(v).unwrap_or_else(|_| v.to_string()));
    let requests = request_paths(&escaped_path, &query, escaped_version.as_deref());
    let mut findings = Vec::new();

    // go's per-module decisions (lookup + TryProxies order, useSumDB, GOINSECURE) come from
    // the grammar module; this module adds explanation, credentials and request paths.
    let decision = decide::decide(&s.values(), path);
    let noproxy = decision.noproxy_match.clone();
    let nosumdb = decision.nosumdb_match.clone();
    let insecure = decision.insecure_match.is_some();
    let pattern_checks = pattern_checks(path, s, &decision);

    // The same list decide walked, for the raw (unredacted) proxy URLs the probe needs.
    let list = goproxy::resolve(&s.goproxy, &s.gonoproxy);
    if let Some(err) = &decision.proxy_error {
        findings.push(
            Finding::error(
                "route.goproxy-invalid",
                format!("GOPROXY is unusable, so go fails every download with: {err}"),
            )
            .with_hint("godoctor env shows the value and where it comes from; fix it with godoctor env set GOPROXY=…"),
        );
    }
    let host = path.split('/').next().unwrap_or(path).to_string();
    let mut sources = Vec::new();
    let n = decision.steps.len();
    for (i, (step, spec)) in decision.steps.iter().zip(&list.specs).enumerate() {
        let has_next = i + 1 < n;
        let (separator, fallback) = if has_next && spec.entry != ProxyEntry::Noproxy {
            let sep = match spec.fallback {
                Fallback::OnNotFound => ',',
                Fallback::OnAnyError => '|',
            };
            (Some(sep), Some(spec.fallback))
        } else {
            (None, None)
        };
        let raw_url = match &spec.entry {
            ProxyEntry::Url { url, .. } => Some(url.trim_end_matches('/').to_string()),
            _ => None,
        };
        match step {
            decide::Step::Direct {
                via_noproxy: true, ..
            } => {
                let glob = noproxy.as_deref().unwrap_or_default();
                let mut src = direct_source(
                    &host,
                    insecure,
                    s,
                    format!(
                        "GONOPROXY matches {glob:?}: fetched directly from the origin, never through a proxy"
                    ),
                    None,
                    None,
                );
                src.via_gonoproxy = true;
                sources.push(src);
            }
            decide::Step::Direct {
                via_noproxy: false, ..
            } => {
                let note = if noproxy.is_some() {
                    "direct again: go retries the origin only if the first direct attempt said not found"
                } else {
                    "fetch from the origin: ?go-get=1 discovery (or a known code host), then version control"
                };
                sources.push(direct_source(&host, insecure, s, note.into(), None, None))
            }
            // The implicit entry for a module GONOPROXY does not match: nothing to show.
            decide::Step::Skipped { entry, .. } if entry == "noproxy" => {}
            decide::Step::Skipped { entry, reason } => {
                let kind = if raw_url.is_some() {
                    SourceKind::Proxy
                } else {
                    SourceKind::Off
                };
                sources.push(Source {
                    kind,
                    target: entry.trim_end_matches('/').to_string(),
                    separator,
                    fallback,
                    skipped: true,
                    note: format!(
                        "skipped: {reason} (go never sends this module's path to a proxy)"
                    ),
                    vcs_host: None,
                    insecure: false,
                    credentials: None,
                    requests: vec![],
                    url: raw_url,
                    via_gonoproxy: false,
                });
            }
            decide::Step::Proxy { url, .. } => {
                let base = url.trim_end_matches('/');
                let shown = redact(base);
                if base.starts_with("http://") && crate::redact::has_credentials(base) {
                    findings.push(
                        Finding::error(
                            "route.credentials-over-http",
                            format!("GOPROXY entry {shown} has credentials but plain http: go refuses every request to it (\"refusing to pass credentials to insecure URL\")."),
                        )
                        .with_hint("use https:// for this proxy, and keep the credentials in ~/.netrc (machine HOST login USER password …) rather than in GOPROXY"),
                    );
                }
                sources.push(Source {
                    kind: SourceKind::Proxy,
                    target: shown.clone(),
                    separator,
                    fallback,
                    skipped: false,
                    note: match fallback {
                        Some(Fallback::OnNotFound) => "if it answers 404 or 410, go tries the next source; any other error stops the walk".into(),
                        Some(Fallback::OnAnyError) => "on any error (not found, 5xx, timeout, refused), go tries the next source".into(),
                        None => "the last source: if it fails, the download fails".into(),
                    },
                    vcs_host: None,
                    insecure: false,
                    credentials: proxy_credentials(base, s),
                    requests: requests.iter().map(|r| format!("{shown}/{r}")).collect(),
                    url: Some(base.to_string()),
                    via_gonoproxy: false,
                });
            }
            decide::Step::Off => sources.push(Source {
                kind: SourceKind::Off,
                target: "off".into(),
                separator: None,
                fallback: None,
                skipped: false,
                note: "go stops here: \"module lookup disabled by GOPROXY=off\"".into(),
                vcs_host: None,
                insecure: false,
                credentials: None,
                requests: vec![],
                url: None,
                via_gonoproxy: false,
            }),
        }
    }
    let stop = stop_text(&sources, decision.proxy_error.as_deref());
    let sumdb = sumdb_plan(
        path,
        &escaped_path,
        escaped_version.as_deref(),
        s,
        (&nosumdb, &decision.sumdb),
        &sources,
        &mut findings,
    );
    if let Some(f) = leak_warning(path, s, &noproxy, &sources, &sumdb) {
        findings.push(f);
    }
    Route {
        module: path.into(),
        version: version.into(),
        query,
        escaped_path,
        escaped_version,
        requests,
        patterns: pattern_checks,
        sources,
        stop,
        sumdb,
        findings,
    }
}

/// Request paths (relative to a proxy base) for the query, in go's order.
fn request_paths(esc_path: &str, query: &Query, esc_version: Option<&str>) -> Vec<String> {
    match (query, esc_version) {
        (Query::Exact(_) | Query::Revision(_), Some(v)) => ["info", "mod", "zip"]
            .iter()
            .map(|ext| format!("{esc_path}/@v/{v}.{ext}"))
            .collect(),
        _ => vec![
            format!("{esc_path}/@v/list"),
            format!("{esc_path}/@latest"),
            format!("{esc_path}/@v/VERSION.info"),
            format!("{esc_path}/@v/VERSION.mod"),
            format!("{esc_path}/@v/VERSION.zip"),
        ],
    }
}

fn direct_source(
    host: &str,
    insecure: bool,
    s: &Settings,
    note: String,
    fallback: Option<Fallback>,
    separator: Option<char>,
) -> Source {
    let mut note = note;
    if insecure {
        note.push_str("; GOINSECURE allows plain HTTP and unverified certificates here");
    }
    Source {
        kind: SourceKind::Direct,
        target: "direct".into(),
        separator,
        fallback,
        skipped: false,
        note,
        vcs_host: Some(host.to_string()),
        insecure,
        credentials: credentials_for(&format!("https://{host}"), s).map(|c| {
            format!("{c} (for the ?go-get=1 request; git uses its own credential helpers)")
        }),
        requests: vec![],
        url: None,
        via_gonoproxy: false,
    }
}

/// Credentials go sends to a proxy: userinfo in the URL, else GOAUTH (default .netrc).
fn proxy_credentials(url: &str, s: &Settings) -> Option<String> {
    if crate::redact::has_credentials(url) && url.starts_with("http://") {
        return Some("none: go refuses to send the credentials in this URL over plain http".into());
    }
    if crate::redact::has_credentials(url) {
        let user = url
            .split("://")
            .nth(1)
            .and_then(|r| r.split('@').next())
            .and_then(|u| u.split(':').next())
            .unwrap_or("");
        return Some(format!(
            "user {user:?} with the password written in GOPROXY (not shown)"
        ));
    }
    if !url.starts_with("https://") {
        return credentials_for(url, s)
            .map(|_| "none: go sends .netrc/GOAUTH credentials only over https".to_string());
    }
    credentials_for(url, s)
}

/// Credentials GOAUTH would supply for `url`, described without values.
fn credentials_for(url: &str, s: &Settings) -> Option<String> {
    let methods = match s.goauth.as_deref() {
        None => vec![AuthMethod::Netrc],
        Some(v) => goauth::parse(v).ok()?,
    };
    let mut out = Vec::new();
    for m in methods {
        match m {
            AuthMethod::Off => return None,
            AuthMethod::Netrc => {
                if let Some(machine) = crate::net::credentials::machine_for(url, &s.netrc_machines)
                {
                    let file = s.netrc_path.as_deref().unwrap_or(".netrc");
                    out.push(format!(
                        "{file} entry for machine {machine} (login and password not shown)"
                    ));
                }
            }
            AuthMethod::Git { dir } => out.push(format!("GOAUTH: git credential fill in {dir}")),
            AuthMethod::Command { program, .. } => out.push(format!(
                "GOAUTH: the output of {program} (arguments not shown)"
            )),
        }
    }
    (!out.is_empty()).then(|| out.join("; "))
}

fn pattern_checks(path: &str, s: &Settings, d: &decide::Decision) -> Vec<PatternCheck> {
    let (noproxy, nosumdb) = (&d.noproxy_match, &d.nosumdb_match);
    let insecure = d.insecure_match.is_some();
    let near = |value: &str| -> Vec<String> {
        value
            .split(',')
            .filter_map(|g| patterns::near_miss(g, path))
            .map(|m| redact(&m))
            .collect()
    };
    let private = d.private_match.clone();
    let mut out = vec![PatternCheck {
        var: "GOPRIVATE",
        value: redact(&s.goprivate),
        inherited_from: None,
        effect: match (&private, s.gonoproxy_set || s.gonosumdb_set) {
            (Some(_), false) => {
                "private: go bypasses proxies and the checksum database for it".into()
            }
            (Some(_), true) => {
                "private, but GONOPROXY/GONOSUMDB are set themselves and decide instead".into()
            }
            (None, _) => "not private".into(),
        },
        matched: private,
        near_misses: near(&s.goprivate),
    }];
    out.push(PatternCheck {
        var: "GONOPROXY",
        value: redact(&s.gonoproxy),
        inherited_from: (!s.gonoproxy_set && !s.goprivate.is_empty()).then_some("GOPRIVATE"),
        matched: noproxy.clone(),
        effect: if noproxy.is_some() {
            "fetched directly, never through GOPROXY".into()
        } else {
            "fetched through GOPROXY".into()
        },
        near_misses: if s.gonoproxy_set {
            near(&s.gonoproxy)
        } else {
            vec![]
        },
    });
    out.push(PatternCheck {
        var: "GONOSUMDB",
        value: redact(&s.gonosumdb),
        inherited_from: (!s.gonosumdb_set && !s.goprivate.is_empty()).then_some("GOPRIVATE"),
        matched: nosumdb.clone(),
        effect: if nosumdb.is_some() {
            "not checked against the checksum database".into()
        } else {
            "checked against the checksum database (unless GOSUMDB=off or go.sum has it)".into()
        },
        near_misses: if s.gonosumdb_set {
            near(&s.gonosumdb)
        } else {
            vec![]
        },
    });
    out.push(PatternCheck {
        var: "GOINSECURE",
        value: redact(&s.goinsecure),
        inherited_from: None,
        matched: d.insecure_match.clone(),
        effect: if insecure {
            "direct fetches may use plain HTTP and skip certificate checks (checksums are still verified)".into()
        } else {
            "direct fetches require HTTPS with a valid certificate".into()
        },
        near_misses: near(&s.goinsecure),
    });
    out
}

fn stop_text(sources: &[Source], go_error: Option<&str>) -> String {
    if let Some(e) = go_error {
        return format!("go fails before any request: {e}");
    }
    let tried: Vec<&Source> = sources.iter().filter(|s| !s.skipped).collect();
    match tried.last() {
        None => "no source is left for this module: go fails with \"module lookup disabled by GOPRIVATE/GONOPROXY\"".into(),
        Some(last) => match last.kind {
            SourceKind::Off => {
                if tried.len() == 1 {
                    "GOPROXY=off: go makes no request and fails with \"module lookup disabled by GOPROXY=off\"".into()
                } else {
                    "the list ends with off: when every source before it falls through, go fails with \"module lookup disabled by GOPROXY=off\"".into()
                }
            }
            SourceKind::Direct => {
                "the list ends with direct: when the proxies fall through, go fetches from the origin, and a failure there is final".into()
            }
            SourceKind::Proxy => format!(
                "the list ends with {}: if it fails or does not have the module, the download fails (no direct fallback)",
                last.target
            ),
        },
    }
}

fn sumdb_plan(
    path: &str,
    esc_path: &str,
    esc_version: Option<&str>,
    s: &Settings,
    (nosumdb, decided): (&Option<String>, &Option<Result<SumDb, String>>),
    sources: &[Source],
    findings: &mut Vec<Finding>,
) -> SumdbPlan {
    let off = |reason: String| SumdbPlan {
        consulted: false,
        reason,
        name: None,
        url: None,
        via: vec![],
        lookup: None,
        explicit_url: None,
        key: None,
    };
    if let Some(glob) = nosumdb {
        let from = if s.gonosumdb_set {
            "GONOSUMDB"
        } else {
            "GOPRIVATE (GONOSUMDB's default)"
        };
        return off(format!(
            "{from} matches {glob:?}: {path} is not looked up; go.sum alone protects it"
        ));
    }
    let db = match decided {
        None => SumDb::Off,
        Some(Ok(db)) => db.clone(),
        Some(Err(message)) => {
            findings.push(
                Finding::error(
                    "route.gosumdb-invalid",
                    format!("GOSUMDB is unusable; go fails verifying {path}: {message}"),
                )
                .with_hint(
                    "godoctor env set GOSUMDB=sum.golang.org (or put the module in GONOSUMDB)",
                ),
            );
            return SumdbPlan {
                consulted: true,
                reason: "GOSUMDB cannot be used, so verification fails".into(),
                name: None,
                url: None,
                via: vec![],
                lookup: None,
                explicit_url: None,
                key: None,
            };
        }
    };
    match db {
        SumDb::Off => {
            off("GOSUMDB=off: no checksum database; only go.sum protects downloads".into())
        }
        SumDb::Db {
            name,
            url,
            explicit_url,
            key,
        } => {
            // dbClient.initBase: an explicit URL bypasses proxies; otherwise each proxy of
            // GOPROXY is asked for /sumdb/NAME/supported until direct/off.
            let mut via = Vec::new();
            if !explicit_url {
                for src in sources {
                    match src.kind {
                        SourceKind::Proxy => via.push(src.target.clone()),
                        SourceKind::Direct | SourceKind::Off if !src.via_gonoproxy => break,
                        _ => {}
                    }
                }
            }
            let reason = if explicit_url {
                format!(
                    "verified against {name} at its explicit URL (GOSUMDB bypasses GOPROXY for it), unless go.sum already has {path}"
                )
            } else if via.is_empty() {
                format!(
                    "verified against {name}, contacted directly, unless go.sum already has {path}"
                )
            } else {
                format!(
                    "verified against {name}: go first asks each proxy for /sumdb/{name}/supported and uses the first that says yes, else contacts it directly; skipped when go.sum already has {path}"
                )
            };
            SumdbPlan {
                consulted: true,
                reason,
                lookup: esc_version.map(|v| format!("lookup/{esc_path}@{v}")),
                name: Some(name),
                explicit_url: explicit_url.then(|| url.clone()),
                key,
                url: Some(redact(&url)),
                via,
            }
        }
    }
}

/// Code hosts and domains whose modules are public.
const PUBLIC_HOSTS: &[&str] = &[
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "golang.org",
    "google.golang.org",
    "cloud.google.com",
    "gopkg.in",
    "go.uber.org",
    "k8s.io",
    "sigs.k8s.io",
    "go.opentelemetry.io",
    "go.etcd.io",
    "honnef.co",
    "rsc.io",
    "launchpad.net",
    "codeberg.org",
    "git.sr.ht",
    "go.googlesource.com",
];

/// The GOPRIVATE pattern to suggest for a private module: its owner on a public code host
/// (`github.com/corp` for `github.com/corp/x`: the whole host would make every public module
/// there private too), else its host (`git.corp.example`). go matches a pattern against a
/// leading run of path elements, so either matches the module and its siblings.
pub fn private_pattern(path: &str) -> String {
    let mut elems = path.split('/');
    let host = elems.next().unwrap_or(path);
    match elems.next() {
        Some(owner) if PUBLIC_HOSTS.contains(&host) && !owner.is_empty() => {
            format!("{host}/{owner}")
        }
        _ => host.to_string(),
    }
}

/// Public module proxies (their logs see every path requested).
const PUBLIC_PROXIES: &[&str] = &[
    "proxy.golang.org",
    "goproxy.io",
    "goproxy.cn",
    "proxy.golang.com.cn",
    "mirrors.aliyun.com",
    "mirrors.cloud.tencent.com",
    "goproxy.baidu.com",
    "gocenter.io",
];

/// Whether a module path's first element looks like a private host: an IP address, an
/// internal top-level domain, or a host name made of intranet words.
pub fn looks_private(path: &str) -> bool {
    let host = path.split('/').next().unwrap_or(path);
    if PUBLIC_HOSTS.contains(&host) {
        return false;
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let tld = labels.last().copied().unwrap_or("");
    const TLDS: &[&str] = &[
        "corp",
        "internal",
        "local",
        "lan",
        "intranet",
        "intra",
        "home",
        "private",
        "localdomain",
        "test",
        "example",
        "invalid",
        "localhost",
    ];
    const WORDS: &[&str] = &[
        "git", "gitlab", "gitea", "gogs", "gerrit", "scm", "vcs", "svn", "code", "repo", "repos",
        "source", "src", "dev", "corp", "internal", "intranet", "intra", "private",
    ];
    TLDS.contains(&tld)
        || labels[..labels.len().saturating_sub(1)]
            .iter()
            .any(|l| WORDS.contains(l) || l.contains("corp") || l.contains("internal"))
}

/// Whether a proxy URL is one of the well-known public proxies (which cannot see private
/// modules).
pub fn is_public_proxy(url: &str) -> bool {
    let host = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    PUBLIC_PROXIES
        .iter()
        .any(|p| host == *p || host.ends_with(&format!(".{p}")))
}

fn leak_warning(
    path: &str,
    s: &Settings,
    noproxy: &Option<String>,
    sources: &[Source],
    sumdb: &SumdbPlan,
) -> Option<Finding> {
    if !looks_private(path) {
        return None;
    }
    let mut leaks = Vec::new();
    if noproxy.is_none() {
        // Only proxies go actually reaches: up to the first one that does not fall through
        // on not-found... any proxy may be reached when earlier ones answer 404/410.
        let public: Vec<&str> = sources
            .iter()
            .filter(|src| {
                src.kind == SourceKind::Proxy && !src.skipped && is_public_proxy(&src.target)
            })
            .map(|src| src.target.as_str())
            .collect();
        if !public.is_empty() {
            leaks.push(format!(
                "its path would be requested from the public proxy {}",
                public.join(" and ")
            ));
        }
    }
    if sumdb.consulted && sumdb.name.as_deref() == Some("sum.golang.org") {
        leaks.push(
            "it would be looked up in the public checksum database sum.golang.org, which cannot know it (go then fails with \"verifying module: … 404 Not Found\" or \"410 Gone\")".to_string(),
        );
    }
    if leaks.is_empty() {
        return None;
    }
    let host = path.split('/').next().unwrap_or(path);
    // The current list cleaned the way go needs it (no spaces, no empty entries), plus the host.
    let mut globs: Vec<&str> = s
        .goprivate
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .collect();
    if !globs.contains(&host) {
        globs.push(host);
    }
    let value = globs.join(",");
    Some(
        Finding::warning(
            "route.private-leak",
            format!(
                "{path} looks private ({host} is not a public code host), but {}.",
                leaks.join(", and ")
            ),
        )
        .with_hint(crate::shellrc::env_set(&[("GOPRIVATE", &redact(&value))])),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(goproxy: &str) -> Settings {
        Settings {
            goproxy: goproxy.into(),
            gosumdb: "sum.golang.org".into(),
            goauth: Some("netrc".into()),
            ..Default::default()
        }
    }

    #[test]
    fn input_checks_use_gos_words() {
        assert_eq!(
            check_input("github.com/x/y"),
            Ok(("github.com/x/y".into(), "latest".into()))
        );
        let e = |a: &str| check_input(a).err().map(|e| e.0).unwrap_or_default();
        assert_eq!(
            e("example.com/a b@v1.0.0"),
            "example.com/a b@v1.0.0: malformed module path \"example.com/a b\": invalid char ' '"
        );
        assert!(e("example.com/../x").ends_with("invalid path element \"..\""));
        assert!(e(".example.com/x").ends_with("leading dot in path element"));
        assert!(e("-example.com/x").ends_with("leading dash"));
        assert!(e("example.com/x@v1.2.3.4").contains("invalid version"));
        assert_eq!(
            e("example.com/x@"),
            "example.com/x@: invalid version: disallowed version string"
        );
        assert!(e("example.com/x@v1.0.0!").contains("disallowed version string"));
        assert!(check_input("example.com/x@v1.2").is_ok());
        assert!(check_input("example.com/x@master").is_ok());
    }

    #[test]
    fn queries() {
        assert_eq!(Query::classify("latest"), Query::Latest);
        assert_eq!(Query::classify("v1.2.3"), Query::Exact("v1.2.3".into()));
        assert_eq!(Query::classify("v1.2"), Query::List("v1.2".into()));
        assert_eq!(Query::classify("master"), Query::Revision("master".into()));
        assert_eq!(
            Query::classify("v2.0.0+incompatible"),
            Query::Exact("v2.0.0+incompatible".into())
        );
        assert_eq!(
            Query::classify("v2.0.0+meta"),
            Query::List("v2.0.0+meta".into())
        );
    }

    #[test]
    fn escaped_requests() {
        let r = plan(
            "github.com/Azure/x",
            "v1.0.0-RC1",
            &settings("https://proxy.golang.org,direct"),
        );
        assert_eq!(r.escaped_path, "github.com/!azure/x");
        assert_eq!(r.escaped_version.as_deref(), Some("v1.0.0-!r!c1"));
        assert_eq!(
            r.sources[0].requests[0],
            "https://proxy.golang.org/github.com/!azure/x/@v/v1.0.0-!r!c1.info"
        );
        assert_eq!(
            r.sumdb.lookup.as_deref(),
            Some("lookup/github.com/!azure/x@v1.0.0-!r!c1")
        );
    }

    #[test]
    fn sources_and_separators() {
        let r = plan(
            "example.com/m",
            "v1.0.0",
            &settings("a.example|b.example,direct,c.example"),
        );
        let kinds: Vec<_> = r.sources.iter().map(|s| (s.kind, s.separator)).collect();
        assert_eq!(
            kinds,
            vec![
                (SourceKind::Proxy, Some('|')),
                (SourceKind::Proxy, Some(',')),
                (SourceKind::Direct, None)
            ]
        );
        assert_eq!(r.sources[0].target, "https://a.example");
        assert!(r.stop.contains("direct"));
        assert_eq!(r.sumdb.via, vec!["https://a.example", "https://b.example"]);
        let off = plan("example.com/m", "v1.0.0", &settings("off"));
        assert_eq!(off.sources.len(), 1);
        assert!(off.stop.contains("GOPROXY=off"));
    }

    #[test]
    fn gonoproxy_goes_direct_and_skips_proxies() {
        let mut s = settings("https://proxy.golang.org,direct");
        s.goprivate = "git.corp.example".into();
        s.gonoproxy = "git.corp.example".into();
        s.gonosumdb = "git.corp.example".into();
        let r = plan("git.corp.example/team/lib", "v1.0.0", &s);
        assert_eq!(r.sources[0].kind, SourceKind::Direct);
        assert!(r.sources[1].skipped);
        assert_eq!(r.sources[0].vcs_host.as_deref(), Some("git.corp.example"));
        assert!(!r.sumdb.consulted);
        assert_eq!(r.patterns[1].inherited_from, Some("GOPRIVATE"));
        assert!(r.findings.iter().all(|f| f.code != "route.private-leak"));
        // Not matched: the implicit noproxy entry adds no source.
        let r = plan("github.com/x/y", "v1.0.0", &s);
        assert_eq!(r.sources[0].kind, SourceKind::Proxy);
    }

    #[test]
    fn gonoproxy_module_skips_off_too() {
        let mut s = settings("https://p.example,off");
        s.goprivate = "*.corp.example".into();
        s.gonoproxy = s.goprivate.clone();
        s.gonosumdb = s.goprivate.clone();
        let r = plan("git.corp.example/x", "v1.0.0", &s);
        let shape: Vec<_> = r.sources.iter().map(|s| (s.kind, s.skipped)).collect();
        assert_eq!(
            shape,
            vec![
                (SourceKind::Direct, false),
                (SourceKind::Proxy, true),
                (SourceKind::Off, true)
            ]
        );
    }

    #[test]
    fn leak_warning_with_goprivate_line() {
        let mut s = settings("https://proxy.golang.org,direct");
        s.goprivate = "github.com/me".into();
        let r = plan("git.corp.example/team/lib", "latest", &s);
        let f = r.findings.iter().find(|f| f.code == "route.private-leak");
        let f = f.map(|f| (f.message.clone(), f.hint.clone()));
        let (msg, hint) = f.unwrap_or_default();
        assert!(
            msg.contains("proxy.golang.org") && msg.contains("sum.golang.org"),
            "{msg}"
        );
        assert_eq!(
            hint.as_deref(),
            Some("godoctor env set GOPRIVATE=github.com/me,git.corp.example")
        );
        assert!(
            plan("github.com/corp/lib", "latest", &s)
                .findings
                .iter()
                .all(|f| f.code != "route.private-leak")
        );
    }

    #[test]
    fn near_miss_is_reported() {
        let mut s = settings("https://proxy.golang.org,direct");
        s.goprivate = "github.com/corp, git.corp.example".into();
        s.gonoproxy = s.goprivate.clone();
        s.gonosumdb = s.goprivate.clone();
        let r = plan("git.corp.example/x", "v1.0.0", &s);
        assert!(r.patterns[0].matched.is_none());
        assert!(
            r.patterns[0].near_misses[0].contains("white space"),
            "{:?}",
            r.patterns[0]
        );
    }

    #[test]
    fn credentials_are_described_not_shown() {
        let mut s = settings(
            "https://bob:s3cret@proxy.corp.example,https://goproxy.corp.example/go,direct",
        );
        s.netrc_machines = vec!["goproxy.corp.example".into()];
        let r = plan("example.com/m", "v1.0.0", &s);
        let c0 = r.sources[0].credentials.clone().unwrap_or_default();
        assert!(c0.contains("bob") && !c0.contains("s3cret"), "{c0}");
        assert!(!r.sources[0].target.contains("s3cret"));
        let c1 = r.sources[1].credentials.clone().unwrap_or_default();
        assert!(c1.contains("machine goproxy.corp.example"), "{c1}");
        s.goauth = Some("off".into());
        assert!(
            plan("example.com/m", "v1.0.0", &s).sources[1]
                .credentials
                .is_none()
        );
    }

    #[test]
    fn explicit_sumdb_url_bypasses_proxies() {
        let mut s = settings("https://proxy.golang.org,direct");
        s.gosumdb = "sum.golang.google.cn".into();
        let r = plan("example.com/m", "v1.0.0", &s);
        assert!(r.sumdb.via.is_empty());
        assert_eq!(r.sumdb.url.as_deref(), Some("https://sum.golang.google.cn"));
        s.gosumdb = "off".into();
        assert!(!plan("example.com/m", "v1.0.0", &s).sumdb.consulted);
    }

    #[test]
    fn private_heuristic() {
        assert!(looks_private("git.corp.example/x"));
        assert!(looks_private("10.0.0.1/x"));
        assert!(looks_private("gitlab.mycompany.com/x"));
        assert!(!looks_private("github.com/x"));
        assert!(!looks_private("golang.org/x/text"));
        assert!(!looks_private("example.com/x"));
    }

    #[test]
    fn private_pattern_is_the_owner_on_a_public_host_else_the_host() {
        assert_eq!(private_pattern("github.com/corp/x"), "github.com/corp");
        assert_eq!(
            private_pattern("gitlab.com/team/sub/x/v2"),
            "gitlab.com/team"
        );
        assert_eq!(private_pattern("git.corp.example/lib"), "git.corp.example");
        assert_eq!(private_pattern("corp.example"), "corp.example");
        assert_eq!(private_pattern("github.com"), "github.com");
    }
}
