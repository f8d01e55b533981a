//! Which cause of a symptom holds on this machine: pure reasoning over facts gathered once (the
//! effective settings and where they come from, go's own decision for the module, the proxy
//! environment, .netrc, and a re-fetch of the URL named in the error). Causes and fix texts come
//! from the doctor's catalogue ([`crate::doctor::causes`]); go's rules from [`crate::syntax`].

use std::collections::BTreeMap;

use serde::Serialize;

use super::symptom::{Item, NetKind, Symptom, TlsKind};
use crate::doctor::causes::{self, Cause};
use crate::goenv::Source;
use crate::redact::redact;
use crate::syntax::decide::{self, Decision, Step};
use crate::syntax::goproxy::{self, Fallback, ProxyEntry};
use crate::syntax::gosumdb::{self, SumDb};

/// What a re-fetch of a URL named in the error found just now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refetch {
    /// A response arrived with this status; `html` when the body looks like a web page.
    Status { status: u16, html: bool },
    /// No response: why (already redacted).
    Failed(String),
}

/// Everything the diagnosis may consult, gathered by the command before any reasoning.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The effective settings (`go env -json`).
    pub values: BTreeMap<String, String>,
    /// Where each managed setting comes from; a setting from the OS environment cannot be
    /// changed with `godoctor env set`.
    pub sources: BTreeMap<String, Source>,
    /// The go env file, for display.
    pub env_file: Option<String>,
    /// HTTPS_PROXY/HTTP_PROXY/NO_PROXY/SSL_CERT_FILE/SSL_CERT_DIR as set (redacted).
    pub net_env: BTreeMap<String, String>,
    /// Machines of the .netrc go reads.
    pub netrc_machines: Vec<String>,
    /// Re-fetches of URLs named in the errors, by URL.
    pub refetch: BTreeMap<String, Refetch>,
    /// The shell start-up lines that set the settings coming from the OS environment.
    pub shell: crate::doctor::envfix::EnvOrigins,
    /// The doctor's `toolchain.switch` verdict here (title and hint), for toolchain errors.
    pub toolchain_check: Option<(String, Option<String>)>,
    /// What holds each port a program could not listen on, looked up just now.
    pub ports: BTreeMap<u16, PortNow>,
    /// The main module (go.mod where go runs), when there is one.
    pub main_module: Option<MainModule>,
}

/// The module go runs in, as far as `not in std` errors need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MainModule {
    /// The path its go.mod declares.
    pub path: String,
    /// The packages named by `not in std` errors that are directories of this module.
    pub dirs: Vec<String>,
}

/// A port named by `address already in use`, as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortNow {
    /// Held: who holds it, one description per listening socket ([`crate::ports::PortOwner::who`]).
    Held(Vec<String>),
    /// Something holds it, but this system does not say what (no /proc, or not our process).
    HeldUnknown,
    /// Nothing listens on it now.
    Free,
}

impl Facts {
    fn get(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }
}

/// One explained error: the catalogue entry, the cause as it holds here, the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The catalogue id ([`causes::Cause::id`]).
    pub id: &'static str,
    /// The error line(s) matched.
    pub error: String,
    /// Why it happened on this machine.
    pub cause: String,
    /// What to do: a command where one exists.
    pub fix: String,
    /// Ids of the doctor's checks consulted.
    pub checks: Vec<&'static str>,
    /// The module the error is about, when the text names one.
    pub module: Option<String>,
}

/// URLs worth re-fetching for these items (each once), so the command can gather them.
pub fn urls_to_check(items: &[Item]) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for item in items {
        let url = match &item.symptom {
            Some(Symptom::HttpStatus { url, .. }) => Some(url),
            Some(
                Symptom::Network { url, .. }
                | Symptom::ProxyConnect { url }
                | Symptom::Tls { url, .. }
                | Symptom::PlainHttp { url },
            ) => url.as_ref(),
            _ => None,
        };
        if let Some(u) = url
            && u.starts_with("http")
            && !urls.contains(u)
        {
            urls.push(u.clone());
        }
    }
    urls
}

/// The diagnosis of one recognised item, or `None` for an unrecognised one.
pub fn diagnose(item: &Item, facts: &Facts) -> Option<Diagnosis> {
    let symptom = item.symptom.as_ref()?;
    let module = item.module.as_deref();
    let mut d = Builder::new(item, facts);
    match symptom {
        Symptom::ProxyOff => d.proxy_off(),
        Symptom::ProxyInvalid { detail } => d.proxy_invalid(detail),
        Symptom::HttpStatus { url, status } => d.http_status(url, *status),
        Symptom::Network { url, kind } => d.network(url.as_deref(), *kind),
        Symptom::ProxyConnect { url } => d.proxyconnect(url.as_deref()),
        Symptom::Tls { url, kind } => d.tls(url.as_deref(), *kind),
        Symptom::PlainHttp { url } => d.plain_http(url.as_deref()),
        Symptom::NotZip => d.not_zip(),
        Symptom::SumdbOff => {
            let text = format!(
                "{}; GOSUMDB={} here{}",
                causes::SUMDB_OFF_TOOLCHAIN.cause,
                facts.get("GOSUMDB"),
                d.source_note("GOSUMDB")
            );
            let fix = d.setting_command("GOSUMDB", None);
            d.set(&causes::SUMDB_OFF_TOOLCHAIN, text, fix)
        }
        Symptom::SumdbKey { detail } => d.sumdb_key(detail),
        Symptom::SumdbInconsistent { detail } => d.sumdb_inconsistent(detail),
        Symptom::ChecksumMismatch { go_sum } => d.mismatch(*go_sum),
        Symptom::NotInStd { package } => d.not_in_std(package),
        Symptom::GoModUpdates { suggestion } => {
            // A GOFLAGS=-mod=mod would let go make them itself; say where -mod comes from.
            let goflags = facts.get("GOFLAGS");
            let text = if goflags.contains("-mod=readonly") {
                format!(
                    "{}; GOFLAGS={goflags}{} asks for that explicitly",
                    causes::GOMOD_UPDATES.cause,
                    d.source_note("GOFLAGS")
                )
            } else {
                causes::GOMOD_UPDATES.cause.to_string()
            };
            d.set(
                &causes::GOMOD_UPDATES,
                text,
                suggestion
                    .clone()
                    .unwrap_or_else(|| causes::GOMOD_UPDATES.fix.to_string()),
            )
        }
        Symptom::MissingGoSum { suggestion } => d.set(
            &causes::MISSING_GOSUM,
            causes::MISSING_GOSUM.cause.to_string(),
            suggestion
                .clone()
                .unwrap_or_else(|| causes::MISSING_GOSUM.fix.to_string()),
        ),
        Symptom::UnknownRevision { rev } => d.unknown_revision(rev),
        Symptom::NoMatchingVersions { query } => d.no_matching_versions(query),
        Symptom::PackageNotInModule {
            module,
            version,
            package,
        } => d.set(
            &causes::PACKAGE_NOT_IN_MODULE,
            format!(
                "go found {module} {version}, but it has no package {package}: a typo, a package moved or removed, or one that lives in a nested module or a /vN major version"
            ),
            format!(
                "correct the import path to a package {module} {version} has, or require a version that has {package} (go list -m -versions {module} lists them)"
            ),
        ),
        Symptom::MalformedPath { path, reason } => {
            let (text, fix) = if reason.contains("missing dot in first path element") {
                (
                    format!(
                        "\"{path}\" has no dot in its first element, so it names no server go could download it from; go accepts such a path only when go.mod replaces it with a directory"
                    ),
                    format!(
                        "use the module's full path (host/owner/name) if it lives on a server; if it is a local module: go mod edit -replace {path}=../DIR (its directory), then go get {path}"
                    ),
                )
            } else {
                (
                    format!("{} (\"{path}\": {reason})", causes::MALFORMED_PATH.cause),
                    causes::MALFORMED_PATH.fix.to_string(),
                )
            };
            d.set(&causes::MALFORMED_PATH, text, fix)
        }
        Symptom::NoGoMod => {
            let text = match facts.get("GO111MODULE") {
                "on" => format!(
                    "{}; GO111MODULE=on{}",
                    causes::GOMOD_NOT_FOUND.cause,
                    d.source_note("GO111MODULE")
                ),
                _ => causes::GOMOD_NOT_FOUND.cause.to_string(),
            };
            d.set(
                &causes::GOMOD_NOT_FOUND,
                text,
                causes::GOMOD_NOT_FOUND.fix.to_string(),
            )
        }
        Symptom::PackageNotRequired {
            package,
            suggestion,
        } => d.set(
            &causes::PACKAGE_NOT_REQUIRED,
            format!("the code imports {package}, but no module in go.mod's requirements provides it; go adds requirements only when asked (go get, go mod tidy)"),
            format!(
                "{} (or go mod tidy, which adds every missing requirement); if that download fails, `godoctor explain -- go get {package}` says why",
                suggestion
                    .clone()
                    .unwrap_or_else(|| format!("go get {package}"))
            ),
        ),
        Symptom::PathMismatch { declared, required } => d.path_mismatch(declared, required),
        Symptom::MajorVersion { detail } => d.major_version(detail),
        Symptom::UnrecognizedImportPath { path } => d.unrecognized(path),
        Symptom::TerminalPrompts { host } => d.terminal_prompts(host.as_deref()),
        Symptom::GoTooNew { need } => d.toolchain(&causes::GO_TOO_OLD, need),
        Symptom::ToolchainUnavailable { toolchain } => {
            d.toolchain(&causes::TOOLCHAIN_UNAVAILABLE, toolchain)
        }
        Symptom::ModulesOff => {
            let text = format!(
                "{}; GO111MODULE={}{}",
                causes::MODULES_OFF.cause,
                facts.get("GO111MODULE"),
                d.source_note("GO111MODULE")
            );
            let fix = d.setting_command("GO111MODULE", None);
            d.set(&causes::MODULES_OFF, text, fix)
        }
        Symptom::Goflags { flag } => d.goflags(flag),
        Symptom::VendorMode => d.vendor(),
        Symptom::PortInUse { address, port } => d.port_in_use(address, *port),
        Symptom::EnvFile { detail } => d.set(
            &causes::ENV_FILE,
            format!(
                "{}: {detail}{}",
                causes::ENV_FILE.cause,
                facts
                    .env_file
                    .as_ref()
                    .map(|f| format!(" (GOENV is {f})"))
                    .unwrap_or_default()
            ),
            causes::ENV_FILE.fix.to_string(),
        ),
    }
    let mut diagnosis = d.finish()?;
    diagnosis.module = module.map(str::to_string);
    Some(diagnosis)
}

/// Where a URL in an error points.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    /// A module proxy: its index in today's parsed GOPROXY, or `None` for a proxy URL that list
    /// does not hold (the message came from other settings).
    Proxy(Option<usize>),
    /// The checksum database (directly or through a proxy).
    Sumdb,
    /// The module's origin host (a direct fetch).
    Direct,
}

struct Builder<'a> {
    item: &'a Item,
    facts: &'a Facts,
    checks: Vec<&'static str>,
    result: Option<(&'static str, String, String)>,
}

impl<'a> Builder<'a> {
    fn new(item: &'a Item, facts: &'a Facts) -> Self {
        Builder {
            item,
            facts,
            checks: Vec::new(),
            result: None,
        }
    }

    /// Cite the doctor's check `id` (one of the registry's: a typo is caught in debug builds).
    fn check(&mut self, id: &'static str) {
        debug_assert!(
            crate::doctor::registry::entry_of(id).is_some(),
            "explain cites {id}, which is not a check"
        );
        if !self.checks.contains(&id) {
            self.checks.push(id);
        }
    }

    fn set(&mut self, cause: &Cause, text: String, fix: String) {
        self.result = Some((cause.id, text, fix));
    }

    fn finish(self) -> Option<Diagnosis> {
        let (id, cause, fix) = self.result?;
        Some(Diagnosis {
            id,
            error: redact(&self.item.text),
            cause: redact(&cause),
            fix: redact(&fix),
            checks: self.checks,
            module: None,
        })
    }

    /// " (from the go env file)" / " (set in your environment)".
    fn source_note(&mut self, var: &str) -> String {
        self.check("settings.sources");
        match self.facts.sources.get(var) {
            Some(Source::Env) => " (set in your environment)".into(),
            Some(Source::File) => " (from the go env file)".into(),
            Some(Source::Goroot) => " (from $GOROOT/go.env)".into(),
            _ => " (go's default)".into(),
        }
    }

    /// The command that sets (or with `None` unsets) `var`: `godoctor env set` unless the OS
    /// environment sets it, which `go env -w` cannot override.
    fn setting_command(&self, var: &str, value: Option<&str>) -> String {
        if self.facts.sources.get(var) == Some(&Source::Env) {
            // The doctor's own shell fix: the start-up file line to edit, or where else to look.
            return crate::doctor::envfix::shell_fix(
                var,
                value,
                self.facts.get(var),
                &self.facts.shell,
            );
        }
        match value {
            Some(v) => crate::shellrc::env_set(&[(var, v)]),
            None => crate::shellrc::env_unset(&[var]),
        }
    }

    fn decision(&mut self) -> Option<Decision> {
        let module = self.item.module.as_deref()?;
        self.check("private.patterns");
        Some(decide::decide(&self.facts.values, module))
    }

    fn proxy_specs(&self) -> Vec<goproxy::ProxySpec> {
        goproxy::parse(self.facts.get("GOPROXY")).specs
    }

    fn role(&self, url: &str) -> Role {
        let specs = self.proxy_specs();
        let sumdb = gosumdb::parse(self.facts.get("GOSUMDB")).ok();
        if url.contains("/sumdb/") || url.contains("/lookup/") || url.contains("/tile/") {
            return Role::Sumdb;
        }
        if let Some(SumDb::Db { url: db, .. }) = &sumdb
            && url.starts_with(db.trim_end_matches('/'))
        {
            return Role::Sumdb;
        }
        for (i, spec) in specs.iter().enumerate() {
            if let ProxyEntry::Url { url: base, .. } = &spec.entry
                && url.starts_with(base.trim_end_matches('/'))
            {
                return Role::Proxy(Some(i));
            }
        }
        if url.contains("/@v/") || url.ends_with("/@latest") {
            // A proxy URL that is not in GOPROXY any more: the settings changed since.
            return Role::Proxy(None);
        }
        Role::Direct
    }

    /// "checked just now: …" for a URL, from the re-fetch.
    fn now(&mut self, url: &str, role: &Role) -> String {
        self.check(match role {
            Role::Proxy(_) => "proxy.reach",
            Role::Sumdb => "sumdb.reach",
            Role::Direct => "private.hosts",
        });
        match self.facts.refetch.get(url) {
            Some(Refetch::Status { status, html: true }) => {
                format!(" Checked just now: it answers {status} with an HTML page.")
            }
            Some(Refetch::Status { status, .. }) => {
                format!(" Checked just now: it answers {status}.")
            }
            Some(Refetch::Failed(why)) => format!(" Checked just now: {why}."),
            None => " (not re-checked: --offline)".into(),
        }
    }

    /// The host of a URL (no port, no credentials).
    fn host(url: &str) -> String {
        url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()))
            .unwrap_or_default()
    }

    /// The host as go matches it against .netrc `machine` names: with the port when the URL
    /// has one.
    fn netrc_host(url: &str) -> String {
        url::Url::parse(url)
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_string();
                Some(match u.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            })
            .unwrap_or_default()
    }

    /// `host:port` of a URL.
    fn host_port(url: &str) -> String {
        url::Url::parse(url)
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_string();
                Some(match u.port_or_known_default() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            })
            .unwrap_or_default()
    }

    /// The GOPROXY value with entry `index` changed by `edit` (`None` removes it), written
    /// back with the separators go read.
    fn goproxy_with(&self, index: usize, edit: impl Fn(&str) -> Option<String>) -> Option<String> {
        let specs = self.proxy_specs();
        let mut parts: Vec<(String, Fallback)> = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let text = match &spec.entry {
                ProxyEntry::Url { url, .. } => url.clone(),
                ProxyEntry::Direct => "direct".into(),
                ProxyEntry::Off => "off".into(),
                ProxyEntry::Noproxy => continue,
            };
            if i == index {
                if let Some(t) = edit(&text) {
                    parts.push((t, spec.fallback));
                }
            } else {
                parts.push((text, spec.fallback));
            }
        }
        if parts.is_empty() {
            return None;
        }
        let mut out = String::new();
        for (i, (text, fallback)) in parts.iter().enumerate() {
            out.push_str(text);
            if i + 1 < parts.len() {
                out.push(if *fallback == Fallback::OnAnyError {
                    '|'
                } else {
                    ','
                });
            }
        }
        Some(out)
    }

    fn proxy_off(&mut self) {
        let goproxy = self.facts.get("GOPROXY").to_string();
        let note = self.source_note("GOPROXY");
        let before: Vec<String> = self
            .proxy_specs()
            .iter()
            .filter_map(|s| match &s.entry {
                ProxyEntry::Url { url, .. } => Some(url.clone()),
                _ => None,
            })
            .collect();
        let has_off = self
            .proxy_specs()
            .iter()
            .any(|s| s.entry == ProxyEntry::Off);
        if !has_off && !self.proxy_specs().is_empty() {
            // These settings cannot have said `off`: the failing run had its own GOPROXY.
            self.set(
                &causes::GOPROXY_OFF,
                format!(
                    "GOPROXY here is {goproxy}{note}, which has no `off`: the command that failed ran with GOPROXY=off from somewhere else (its own environment: a CI job, a Makefile, a script, direnv, or another user)"
                ),
                "find where that run sets GOPROXY=off and remove it; `godoctor explain -- go …` runs the command with this environment and explains what it prints".to_string(),
            );
            return;
        }
        let text = if goproxy.trim() == "off" {
            format!(
                "GOPROXY=off{note}: go downloads nothing, so every module not already in the module cache fails"
            )
        } else if !before.is_empty() {
            format!(
                "GOPROXY={goproxy}{note}: {} answered not found (404/410), so go moved on to `off`, which ends the search",
                before.join(", ")
            )
        } else {
            format!("GOPROXY={goproxy}{note} ends in `off` for this module")
        };
        let fix = if goproxy.trim() == "off" {
            format!(
                "{} (go's default proxy.golang.org), or pick a mirror with godoctor setup",
                self.setting_command("GOPROXY", None)
            )
        } else {
            format!(
                "check that the module and version exist; to let go fetch what the proxies lack from its origin: {}",
                match self
                    .proxy_specs()
                    .iter()
                    .position(|s| s.entry == ProxyEntry::Off)
                    .and_then(|i| self.goproxy_with(i, |_| Some("direct".into())))
                {
                    Some(value) => self.setting_command("GOPROXY", Some(&value)),
                    None => causes::GOPROXY_OFF.fix.to_string(),
                }
            )
        };
        self.set(&causes::GOPROXY_OFF, text, fix);
    }

    fn proxy_invalid(&mut self, detail: &str) {
        let goproxy = self.facts.get("GOPROXY").to_string();
        let note = self.source_note("GOPROXY");
        self.check("settings.values");
        // Keep the entries go can use, in order, with their separators.
        let mut kept = String::new();
        let mut rest = goproxy.as_str();
        while !rest.is_empty() {
            let end = rest.find([',', '|']).unwrap_or(rest.len());
            let entry = rest[..end].trim();
            let sep = rest[end..].chars().next();
            if !entry.is_empty() && goproxy::parse(entry).is_usable() {
                if !kept.is_empty() {
                    kept.push(sep.unwrap_or(','));
                }
                kept.push_str(entry);
            }
            rest = rest.get(end + 1..).unwrap_or("");
        }
        let fix = if kept.is_empty() {
            format!("{} (go's default)", self.setting_command("GOPROXY", None))
        } else {
            self.setting_command("GOPROXY", Some(&kept))
        };
        self.set(
            &causes::GOPROXY_INVALID,
            format!(
                "GOPROXY={goproxy}{note}: go reads it as \"{detail}\", so every download fails before any request"
            ),
            fix,
        );
    }

    /// The module's first path element, the natural GOPRIVATE/GONOSUMDB pattern.
    fn private_pattern(&self) -> Option<String> {
        Some(crate::fetch::plan::private_pattern(
            self.item.module.as_deref()?,
        ))
    }

    /// `VAR=<existing>,<pattern>` command.
    fn add_pattern_command(&self, var: &str, pattern: &str) -> String {
        // The effective value, even when it is derived (GONOSUMDB defaults to GOPRIVATE):
        // setting the variable ends the derivation, so the patterns it had must be kept.
        let existing = self.facts.get(var);
        let value = if existing.is_empty() || existing == "none" {
            pattern.to_string()
        } else {
            format!("{existing},{pattern}")
        };
        self.setting_command(var, Some(&value))
    }

    fn http_status(&mut self, url: &str, status: u16) {
        let role = self.role(url);
        let now = self.now(url, &role);
        // With its port when the URL has one: "the proxy 127.0.0.1:3000", not "127.0.0.1".
        let host = Self::netrc_host(url);
        let decision = self.decision();
        let module = self
            .item
            .module
            .clone()
            .unwrap_or_else(|| "the module".into());
        match (&role, status) {
            (Role::Sumdb, 404 | 410) => {
                let pattern = self.private_pattern();
                if let Some(m) = decision.as_ref().and_then(|d| d.nosumdb_match.clone()) {
                    self.set(
                        &causes::SUMDB_PRIVATE,
                        format!("the checksum database does not know {module}; the settings now exempt it (GONOSUMDB/GOPRIVATE pattern {m}), so they changed since this error.{now}"),
                        "run the go command again".into(),
                    );
                    return;
                }
                // Through a private proxy the module was served by it, and GONOSUMDB keeps
                // that; after a public proxy it came from its origin, and GOPRIVATE also stops
                // its name from being sent to the public proxy.
                let via_private_proxy = decision
                    .as_ref()
                    .and_then(Decision::first_fetch)
                    .is_some_and(|s| {
                        matches!(s, Step::Proxy { url, .. } if !crate::fetch::plan::is_public_proxy(url))
                    });
                let (var, why) = if via_private_proxy {
                    (
                        "GONOSUMDB",
                        "it came through your proxy, so GONOSUMDB is enough (GOPRIVATE would also stop go from using the proxy for it)",
                    )
                } else {
                    (
                        "GOPRIVATE",
                        "GOPRIVATE exempts it from the checksum database and keeps its name away from public proxies",
                    )
                };
                let fix = match &pattern {
                    Some(p) => self.add_pattern_command(var, p),
                    None => causes::SUMDB_PRIVATE.fix.to_string(),
                };
                self.set(
                    &causes::SUMDB_PRIVATE,
                    format!(
                        "{module} matches no GOPRIVATE or GONOSUMDB pattern (GOPRIVATE={:?}, GONOSUMDB={:?}), so go asked the checksum database {host} about it, which answered {status}: it does not know private modules; {why}.{now}",
                        self.facts.get("GOPRIVATE"),
                        self.facts.get("GONOSUMDB")
                    ),
                    fix,
                );
            }
            (Role::Sumdb, _) => self.set(
                &causes::SUMDB_UNREACHABLE,
                format!("the checksum database at {host} answered {status}.{now}"),
                self.sumdb_alternative(),
            ),
            (_, 401 | 403) => {
                self.check("private.auth");
                let host = Self::netrc_host(url);
                // go's own .netrc lookup (machine prefixes of the URL).
                let has_netrc =
                    crate::net::credentials::machine_for(url, &self.facts.netrc_machines).is_some();
                let cred = if has_netrc {
                    format!(
                        "~/.netrc has credentials for {host}, and the server refused them (expired token or wrong user?)"
                    )
                } else {
                    format!("~/.netrc has no credentials for {host}")
                };
                // How GOAUTH supplies credentials, never its value (it may hold command
                // arguments with secrets).
                let goauth = match self.facts.get("GOAUTH").trim() {
                    "" | "netrc" => "GOAUTH reads only .netrc",
                    "off" => "GOAUTH=off sends no credentials at all",
                    _ => "GOAUTH also names git or a command (not checked)",
                };
                let fix = if url.starts_with("http://") {
                    format!(
                        "go sends credentials only over https: use https:// for {host}, with a `machine {host}` line in ~/.netrc"
                    )
                } else if has_netrc {
                    format!("renew the token in the `machine {host}` line of ~/.netrc")
                } else {
                    causes::PROXY_AUTH.fix.replace("HOST", &host)
                };
                let what = if role == Role::Direct {
                    "the module's host"
                } else {
                    "the proxy"
                };
                self.set(
                    &causes::PROXY_AUTH,
                    format!("{what} {host} answered {status}: {cred}; {goauth}.{now}"),
                    fix,
                );
            }
            (Role::Proxy(i), 404 | 410) => {
                let looks_private = self
                    .item
                    .module
                    .as_deref()
                    .is_some_and(crate::fetch::plan::looks_private);
                // The proxy's own answer says its git needed credentials: the repository is
                // private (or does not exist), whatever its host.
                let proxy_needed_login = server_needed_credentials(&self.item.text);
                let noproxy = decision.as_ref().and_then(|d| d.noproxy_match.clone());
                if (looks_private || proxy_needed_login) && noproxy.is_none() {
                    let pattern = self.private_pattern().unwrap_or_default();
                    let why = if proxy_needed_login {
                        format!(
                            "the proxy {host} answered {status}: its own git could not read {module} without credentials, so the repository is private (or does not exist), and {module} matches no GOPRIVATE/GONOPROXY pattern (GOPRIVATE={:?}) that would make go fetch it directly, with yours",
                            self.facts.get("GOPRIVATE")
                        )
                    } else {
                        format!(
                            "{module} looks private but matches no GOPRIVATE/GONOPROXY pattern (GOPRIVATE={:?}), so go asked the proxy {host}, which answered {status}",
                            self.facts.get("GOPRIVATE")
                        )
                    };
                    self.set(
                        &causes::PROXY_PRIVATE,
                        format!("{why}.{now}"),
                        self.add_pattern_command("GOPRIVATE", &pattern),
                    );
                    return;
                }
                let specs = self.proxy_specs();
                let later: Vec<String> = specs
                    .iter()
                    .skip(i.map_or(specs.len(), |i| i + 1))
                    .map(|s| match &s.entry {
                        ProxyEntry::Url { url, .. } => url.clone(),
                        ProxyEntry::Direct => "direct".into(),
                        ProxyEntry::Off => "off".into(),
                        ProxyEntry::Noproxy => "noproxy".into(),
                    })
                    .collect();
                let chain = if i.is_none() {
                    not_in_goproxy(&host, self.facts.get("GOPROXY"))
                } else if later.is_empty() {
                    format!(
                        "{host} is the last entry of GOPROXY={}",
                        self.facts.get("GOPROXY")
                    )
                } else {
                    format!(
                        "go also tried what follows it in GOPROXY ({}), and the last answer is the one printed",
                        later.join(", ")
                    )
                };
                let fix = match &self.item.module {
                    Some(m) => {
                        format!("check the module path and version: go list -m -versions {m}")
                    }
                    None => causes::PROXY_NOT_FOUND.fix.to_string(),
                };
                self.set(
                    &causes::PROXY_NOT_FOUND,
                    format!(
                        "the proxy {host} answered {status} (not found) for {module}; {chain}.{now}"
                    ),
                    fix,
                );
            }
            (Role::Proxy(i), _) => {
                let specs = self.proxy_specs();
                let entry = i.and_then(|i| specs.get(i));
                let next_exists = i.is_some_and(|i| i + 1 < specs.len());
                let comma = entry.is_some_and(|s| s.fallback == Fallback::OnNotFound);
                let fix = if next_exists && comma {
                    let mut value = self.facts.get("GOPROXY").to_string();
                    if let Some(ProxyEntry::Url { raw, .. }) = entry.map(|s| &s.entry)
                        && let Some(pos) = value.find(raw.as_str())
                    {
                        let after = pos + raw.len();
                        if value[after..].starts_with(',') {
                            value.replace_range(after..after + 1, "|");
                        }
                    }
                    self.setting_command("GOPROXY", Some(&value))
                } else {
                    causes::PROXY_STATUS.fix.to_string()
                };
                let sep = if i.is_none() {
                    not_in_goproxy(&host, self.facts.get("GOPROXY"))
                } else if comma && next_exists {
                    "it is followed by ',' in GOPROXY, so go stopped there instead of trying the next entry".to_string()
                } else if next_exists {
                    "go fell back past it ('|'), and the later entries failed too".to_string()
                } else {
                    "it is the last entry of GOPROXY".to_string()
                };
                self.set(
                    &causes::PROXY_STATUS,
                    format!("the proxy {host} answered {status}; {sep}.{now}"),
                    fix,
                );
            }
            (Role::Direct, _) => {
                let why = self.why_direct(decision.as_ref());
                self.set(
                    &causes::UNRECOGNIZED_IMPORT,
                    format!("go fetched {module} directly from {host} ({why}), which answered {status}.{now}"),
                    causes::UNRECOGNIZED_IMPORT.fix.to_string(),
                );
            }
        }
    }

    /// Why go fetched a module directly, from its decision.
    fn why_direct(&self, decision: Option<&Decision>) -> String {
        match decision {
            Some(d) => match (&d.noproxy_match, d.first_fetch()) {
                (Some(p), _) => format!("it matches the GONOPROXY/GOPRIVATE pattern {p}"),
                (None, Some(Step::Direct { .. })) => {
                    format!(
                        "GOPROXY={} sends it to its origin",
                        self.facts.get("GOPROXY")
                    )
                }
                _ => "the proxies before `direct` in GOPROXY did not have it".into(),
            },
            None => format!("GOPROXY={}", self.facts.get("GOPROXY")),
        }
    }

    fn port_in_use(&mut self, address: &str, port: u16) {
        let cause = &causes::PORT_IN_USE;
        let free = "godoctor port --free";
        let (text, fix) = match self.facts.ports.get(&port) {
            Some(PortNow::Held(holders)) => (
                format!(
                    "the program could not listen on {address}: port {port} is held by {}. If that is the same program, already running, use it instead of starting another",
                    holders.join(" and ")
                ),
                format!(
                    "stop it (godoctor port {port} --stop) or start the program on a free port ({free}); godoctor port {port} shows whether what holds it serves Go modules"
                ),
            ),
            Some(PortNow::HeldUnknown) => (
                format!(
                    "the program could not listen on {address}: port {port} is held now, by a process this system does not show (another user's: run as root to see it)"
                ),
                format!(
                    "see what holds it (godoctor port {port}, as root), or start the program on a free port ({free})"
                ),
            ),
            Some(PortNow::Free) => (
                format!(
                    "the program could not listen on {address}, but nothing holds port {port} now: what held it has exited since"
                ),
                format!(
                    "start the program again; if it fails the same way, godoctor port {port} shows what took the port"
                ),
            ),
            None => (
                format!("{} (port {port}, at {address})", cause.cause),
                cause.fix.replace("PORT", &port.to_string()),
            ),
        };
        self.set(cause, text, fix);
    }

    fn sumdb_alternative(&self) -> String {
        match gosumdb::parse(self.facts.get("GOSUMDB")) {
            Ok(SumDb::Db { name, .. }) if name == "sum.golang.org" => {
                self.setting_command("GOSUMDB", Some("sum.golang.google.cn"))
            }
            _ => causes::SUMDB_UNREACHABLE.fix.to_string(),
        }
    }

    fn network(&mut self, url: Option<&str>, kind: NetKind) {
        let cause = match kind {
            NetKind::Refused => &causes::NET_REFUSED,
            NetKind::Dns => &causes::NET_DNS,
            NetKind::Timeout => &causes::NET_TIMEOUT,
            NetKind::Reset => &causes::NET_RESET,
        };
        let Some(url) = url else {
            self.set(cause, cause.cause.to_string(), cause.fix.to_string());
            return;
        };
        let role = self.role(url);
        let now = self.now(url, &role);
        let at = Self::host_port(url);
        let what = match kind {
            NetKind::Refused => format!("nothing accepts connections at {at}"),
            NetKind::Dns => format!("the host name {} does not resolve", Self::host(url)),
            NetKind::Timeout => format!("{at} did not answer in time"),
            NetKind::Reset => format!("the connection to {at} was cut"),
        };
        match role {
            Role::Proxy(i) => {
                let others = i.and_then(|i| self.goproxy_with(i, |_| None));
                let first = match kind {
                    NetKind::Refused => format!("start the proxy at {at}"),
                    NetKind::Dns => format!(
                        "check the name {} in GOPROXY and your DNS/VPN",
                        Self::host(url)
                    ),
                    NetKind::Timeout | NetKind::Reset
                        if crate::syntax::goproxy::is_loopback(&Self::host(url)) =>
                    {
                        // Nothing between here and a local proxy: what answers on its port is
                        // broken or is not the proxy.
                        match url::Url::parse(url)
                            .ok()
                            .and_then(|u| u.port_or_known_default())
                        {
                            Some(port) => format!(
                                "see what holds the port and what it answers: godoctor port {port}"
                            ),
                            None => format!("restart the proxy at {at}"),
                        }
                    }
                    NetKind::Timeout | NetKind::Reset => {
                        format!("use the network or VPN that reaches {at}")
                    }
                };
                let mut fix = match &others {
                    Some(rest) => format!(
                        "{first}, or remove it: {}",
                        self.setting_command("GOPROXY", Some(rest))
                    ),
                    _ => format!("{first}, or point GOPROXY at a proxy you can reach"),
                };
                // A remote proxy that times out or is cut off is most often one this network
                // cannot reach at all (a firewall): a mirror that answers is the lasting fix.
                if matches!(kind, NetKind::Timeout | NetKind::Reset)
                    && !crate::syntax::goproxy::is_loopback(&Self::host(url))
                {
                    fix.push_str(
                        "; where this network cannot reach it, `godoctor proxy rank` finds a mirror that answers",
                    );
                }
                let goproxy = self.facts.get("GOPROXY");
                let which = match i.and_then(|i| self.proxy_specs().get(i).cloned()) {
                    Some(spec) => {
                        let entry = match spec.entry {
                            ProxyEntry::Url { url, .. } => url,
                            _ => at.clone(),
                        };
                        format!("{what}, which is the proxy {entry} in GOPROXY={goproxy}")
                    }
                    None => format!("{what}, a proxy: {}", not_in_goproxy(&at, goproxy)),
                };
                self.set(cause, format!("{which}.{now}"), fix);
            }
            Role::Sumdb => {
                let fix = self.sumdb_alternative();
                self.set(
                    &causes::SUMDB_UNREACHABLE,
                    format!(
                        "{what}, which is the checksum database (GOSUMDB={}).{now}",
                        self.facts.get("GOSUMDB")
                    ),
                    fix,
                );
            }
            Role::Direct => {
                let decision = self.decision();
                let why = self.why_direct(decision.as_ref());
                self.set(
                    cause,
                    format!(
                        "{what}; go fetched the module directly from its host because {why}.{now}"
                    ),
                    cause.fix.to_string(),
                );
            }
        }
    }

    fn proxyconnect(&mut self, url: Option<&str>) {
        let var = if url.is_some_and(|u| u.starts_with("http:")) {
            "HTTP_PROXY"
        } else {
            "HTTPS_PROXY"
        };
        let value = self
            .facts
            .net_env
            .get(var)
            .cloned()
            .unwrap_or_else(|| "(not set now)".into());
        let host = url.map(Self::host).unwrap_or_default();
        let now = match url {
            Some(u) => {
                let role = self.role(u);
                self.now(u, &role)
            }
            None => String::new(),
        };
        self.set(
            &causes::PROXYCONNECT,
            format!(
                "go sends requests for {host} through {var}={value}, and that proxy failed.{now}"
            ),
            format!("correct or unset {var} in your shell, or add {host} to NO_PROXY"),
        );
    }

    fn tls(&mut self, url: Option<&str>, kind: TlsKind) {
        let cause = match kind {
            TlsKind::UnknownAuthority => &causes::TLS_UNKNOWN_CA,
            TlsKind::WrongHost => &causes::TLS_WRONG_HOST,
            TlsKind::Expired => &causes::TLS_EXPIRED,
        };
        let host = url.map(Self::host).unwrap_or_default();
        let now = match url {
            Some(u) => {
                let role = self.role(u);
                self.now(u, &role)
            }
            None => String::new(),
        };
        let trust = match (
            self.facts.net_env.get("SSL_CERT_FILE"),
            self.facts.net_env.get("SSL_CERT_DIR"),
        ) {
            (Some(f), _) => {
                format!("SSL_CERT_FILE={f} is the trust store go uses, and it does not have the CA")
            }
            (None, Some(d)) => {
                format!("SSL_CERT_DIR={d} is where go looks for CAs, and none signs it")
            }
            (None, None) => "go uses the system trust store (SSL_CERT_FILE is not set)".into(),
        };
        let intercept = match self.facts.net_env.get("HTTPS_PROXY") {
            Some(p) => format!("; HTTPS_PROXY={p} may be intercepting TLS"),
            None => String::new(),
        };
        let text = match kind {
            TlsKind::UnknownAuthority => format!(
                "the certificate of {host} is signed by an authority this machine does not trust: {trust}{intercept}.{now}"
            ),
            TlsKind::WrongHost => {
                format!("the certificate {host} presents is for another name{intercept}.{now}")
            }
            TlsKind::Expired => format!(
                "the certificate of {host} has expired or is not yet valid (or this clock is wrong).{now}"
            ),
        };
        self.set(cause, text, cause.fix.to_string());
    }

    fn plain_http(&mut self, url: Option<&str>) {
        let Some(url) = url else {
            self.set(
                &causes::TLS_NOT_TLS,
                causes::TLS_NOT_TLS.cause.into(),
                causes::TLS_NOT_TLS.fix.into(),
            );
            return;
        };
        let role = self.role(url);
        let now = self.now(url, &role);
        let at = Self::host_port(url);
        match role {
            Role::Proxy(Some(i)) => {
                let value = self.goproxy_with(i, |u| Some(u.replacen("https://", "http://", 1)));
                let fix = match value {
                    Some(v) => self.setting_command("GOPROXY", Some(&v)),
                    None => causes::TLS_NOT_TLS.fix.to_string(),
                };
                self.set(
                    &causes::TLS_NOT_TLS,
                    format!(
                        "GOPROXY names https://{at}, but the server there speaks plain HTTP.{now}"
                    ),
                    fix,
                );
            }
            _ => {
                let host = Self::host(url);
                self.set(
                    &causes::INSECURE_HOST,
                    format!("go fetched from https://{at}, but {host} only speaks plain HTTP, which go allows for direct fetches only under GOINSECURE (GOINSECURE={:?}).{now}", self.facts.get("GOINSECURE")),
                    self.add_pattern_command("GOINSECURE", &host),
                );
            }
        }
    }

    fn not_zip(&mut self) {
        let mut seen = Vec::new();
        for (url, r) in &self.facts.refetch {
            if let Refetch::Status { status, html: true } = r {
                seen.push(format!(
                    "{} answers {status} with an HTML page",
                    redact(url)
                ));
            }
        }
        self.check("proxy.reach");
        let now = if seen.is_empty() {
            String::new()
        } else {
            format!(" Checked just now: {}.", seen.join("; "))
        };
        self.set(
            &causes::NOT_ZIP,
            format!(
                "{} (GOPROXY={}).{now}",
                causes::NOT_ZIP.cause,
                self.facts.get("GOPROXY")
            ),
            causes::NOT_ZIP.fix.to_string(),
        );
    }

    fn sumdb_key(&mut self, detail: &str) {
        let gosumdb = self.facts.get("GOSUMDB").to_string();
        let note = self.source_note("GOSUMDB");
        let fix = match gosumdb::parse(&gosumdb) {
            Ok(SumDb::Db { name, .. })
                if name == "sum.golang.org" || name == "sum.golang.google.cn" =>
            {
                self.setting_command("GOSUMDB", None)
            }
            _ => format!(
                "set GOSUMDB to the exact key the database's operator publishes ({})",
                self.setting_command("GOSUMDB", Some("NAME+HASH+KEY"))
            ),
        };
        self.set(
            &causes::SUMDB_KEY,
            format!("GOSUMDB={gosumdb}{note}: go says \"{detail}\", so the key does not verify the database's signed answers"),
            fix,
        );
    }

    fn not_in_std(&mut self, package: &str) {
        let cause = &causes::NOT_IN_STD;
        let go = format!(
            "{} at GOROOT={}",
            self.facts.get("GOVERSION"),
            self.facts.get("GOROOT")
        );
        let own = self
            .facts
            .main_module
            .as_ref()
            .filter(|m| m.dirs.iter().any(|d| d == package));
        match own {
            Some(m) => self.set(
                cause,
                format!(
                    "go looks up an import path whose first element has no dot in the standard library ({go}); {package} is a directory of your module {}, whose packages are imported by their full path",
                    m.path
                ),
                format!("import \"{}/{package}\" instead of \"{package}\"", m.path),
            ),
            None => self.set(
                cause,
                format!(
                    "{package} is not in the standard library of {go}, where go looks up an import path whose first element has no dot: a mistyped path, a package of a newer Go release, or a module path without a domain"
                ),
                cause.fix.to_string(),
            ),
        }
    }

    fn sumdb_inconsistent(&mut self, detail: &str) {
        let gosumdb = self.facts.get("GOSUMDB").to_string();
        let note = self.source_note("GOSUMDB");
        let cause = &causes::SUMDB_INCONSISTENT;
        let (who, fix) = match gosumdb::parse(&gosumdb) {
            // An explicit URL: go asked that server itself, no proxy in between.
            Ok(SumDb::Db {
                name,
                url,
                explicit_url: true,
                ..
            }) => (
                format!("the server at {url} that GOSUMDB names for {name}"),
                format!(
                    "do not turn GOSUMDB off: point GOSUMDB at a server that serves {name} faithfully (its operator's URL), or report it to whoever runs {url}"
                ),
            ),
            // The name alone: go asked the proxies' /sumdb/NAME/ first.
            Ok(SumDb::Db { name, url, .. }) => (
                format!(
                    "the database {name}, reached through the first GOPROXY entry that proxies it (GOPROXY={}) or at {url}",
                    self.facts.get("GOPROXY")
                ),
                format!(
                    "do not turn GOSUMDB off: ask the database at its own URL, bypassing the proxies: {}; or report it to whoever runs the proxy",
                    self.setting_command("GOSUMDB", Some(&format!("{gosumdb} {url}")))
                ),
            ),
            _ => ("the checksum database".to_string(), cause.fix.to_string()),
        };
        self.set(
            cause,
            format!(
                "go says \"{detail}\": the tiles or the record served by {who} (GOSUMDB={gosumdb}{note}) do not prove against the tree head the database signed, so go refuses to trust them"
            ),
            fix,
        );
    }

    fn mismatch(&mut self, go_sum: bool) {
        let m = match (&self.item.module, &self.item.version) {
            (Some(m), Some(v)) => format!("{m}@{v}"),
            (Some(m), None) => m.clone(),
            _ => "MODULE@VERSION".into(),
        };
        let against = if go_sum {
            "the checksum in go.sum, recorded by an earlier download"
        } else {
            "what the checksum database recorded for everyone"
        };
        self.set(
            &causes::CHECKSUM_MISMATCH,
            format!(
                "the code downloaded for {m} (GOPROXY={}) does not match {against}: the version was re-tagged or altered at its source, or a proxy or something on the network changed it",
                self.facts.get("GOPROXY")
            ),
            causes::CHECKSUM_MISMATCH.fix.replace("MODULE@VERSION", &m),
        );
    }

    fn path_mismatch(&mut self, declared: &Option<String>, required: &Option<String>) {
        let d = declared.clone().unwrap_or_else(|| "another path".into());
        let r = required
            .clone()
            .or_else(|| self.item.module.clone())
            .unwrap_or_else(|| "this path".into());
        let fix = match &self.item.version {
            Some(v) if declared.is_some() => {
                format!("require it as {d}: go get {d}@{v}, and change the imports from {r} to {d}")
            }
            _ => causes::PATH_MISMATCH.fix.to_string(),
        };
        self.set(
            &causes::PATH_MISMATCH,
            format!("the go.mod of {r} says `module {d}`; go refuses a module under another path than its own (renamed, forked, or different letter case)"),
            fix,
        );
    }

    fn no_matching_versions(&mut self, query: &str) {
        let decision = self.decision();
        let module = self.item.module.clone();
        let what = module.as_deref().unwrap_or("the module");
        // Where go read the list of versions: the proxies, or the repository's tags.
        let source = match decision.as_ref().and_then(|d| d.first_fetch()) {
            Some(Step::Direct { .. }) => "the repository's tags",
            Some(_) => "the version lists of GOPROXY's proxies",
            None => "the versions it could list",
        };
        let text = format!(
            "no version of {what} in {source} matches \"{query}\": no tagged release fits (all pre-releases or retracted, or none tagged)"
        );
        let fix = match &module {
            Some(m) => format!(
                "see which versions go can find: go list -m -versions {m}; ask for one of them (go get {m}@VERSION) or for a commit (go get {m}@COMMIT)"
            ),
            None => causes::NO_MATCHING_VERSIONS.fix.to_string(),
        };
        self.set(&causes::NO_MATCHING_VERSIONS, text, fix);
    }

    fn unknown_revision(&mut self, rev: &str) {
        let decision = self.decision();
        let why = self.why_direct(decision.as_ref());
        let module = self.item.module.clone();
        let what = module.as_deref().unwrap_or("the module");
        let text = format!(
            "go asked {what}'s repository itself (because {why}), and it has no tag, branch or commit named {rev}: a typo, a tag not pushed yet, or one deleted"
        );
        let fix = match &module {
            Some(m) => format!(
                "see which versions go can find: go list -m -versions {m}; require one of them, or push the missing tag (git push origin {rev})"
            ),
            None => causes::UNKNOWN_REVISION.fix.to_string(),
        };
        self.set(&causes::UNKNOWN_REVISION, text, fix);
    }

    fn major_version(&mut self, detail: &str) {
        // The major version of the version asked for (v2.0.0+incompatible → v2).
        let version = self
            .item
            .version
            .as_deref()
            .map(|v| v.trim_end_matches("+incompatible").to_string());
        let major = version
            .as_deref()
            .and_then(|v| v.split('.').next())
            .filter(|m| {
                m.len() > 1 && m.starts_with('v') && m[1..].chars().all(|c| c.is_ascii_digit())
            })
            .filter(|m| !matches!(*m, "v0" | "v1"))
            .map(str::to_string);
        let fix = match (&self.item.module, &version, &major) {
            (Some(m), Some(v), Some(major)) => {
                format!("go get {m}/{major}@{v} (and import {m}/{major}/…)")
            }
            _ => causes::MAJOR_VERSION.fix.to_string(),
        };
        self.set(
            &causes::MAJOR_VERSION,
            format!("{}: {detail}", causes::MAJOR_VERSION.cause),
            fix,
        );
    }

    fn unrecognized(&mut self, path: &str) {
        let decision = self.decision();
        let why = self.why_direct(decision.as_ref());
        self.set(
            &causes::UNRECOGNIZED_IMPORT,
            format!("go fetched {path} directly from its host because {why}, and could not find go-import information there"),
            causes::UNRECOGNIZED_IMPORT.fix.to_string(),
        );
    }

    fn terminal_prompts(&mut self, git_host: Option<&str>) {
        // git's own URL names the host it asked; the module path's first element is a guess
        // (a vanity path's repository can live elsewhere).
        let host = git_host
            .map(str::to_string)
            .or_else(|| self.private_pattern())
            .unwrap_or_else(|| "HOST".into());
        let decision = self.decision();
        let why = self.why_direct(decision.as_ref());
        self.check("private.auth");
        let has_netrc = self.facts.netrc_machines.contains(&host);
        let cred = if has_netrc {
            format!("~/.netrc has a `machine {host}` entry, but git did not accept it")
        } else {
            format!("~/.netrc has no `machine {host}` entry")
        };
        let mut fix = causes::TERMINAL_PROMPTS.fix.replace("HOST", &host);
        // A repository that needs credentials is private: the public checksum database cannot
        // know it, so with credentials alone go fails next at the database (404/410). Unless a
        // pattern exempts it, the fix adds the module to GOPRIVATE too.
        if let Some(d) = decision.as_ref()
            && d.private_match.is_none()
            && let Some(Ok(SumDb::Db { name, .. })) = &d.sumdb
            && let Some(pattern) = self.private_pattern()
        {
            fix.push_str(&format!(
                "; then add it to GOPRIVATE, or go asks the checksum database {name} about a repository it cannot know and fails with 404/410: {}",
                self.add_pattern_command("GOPRIVATE", &pattern)
            ));
        }
        self.set(
            &causes::TERMINAL_PROMPTS,
            format!("go ran git for {host} directly ({why}); git needed credentials and may not ask: {cred}"),
            fix,
        );
    }

    fn toolchain(&mut self, cause: &Cause, version: &str) {
        let gotoolchain = self.facts.get("GOTOOLCHAIN").to_string();
        let note = self.source_note("GOTOOLCHAIN");
        let goproxy = self.facts.get("GOPROXY").to_string();
        let gosumdb = self.facts.get("GOSUMDB").to_string();
        self.check("toolchain.switch");
        let doctor = self
            .facts
            .toolchain_check
            .clone()
            .map(|(title, _)| format!(" The doctor's toolchain check here: {title}."))
            .unwrap_or_default();
        if cause.id == causes::GO_TOO_OLD.id {
            let mode = gotoolchain.split('+').next().unwrap_or("");
            let fix = if mode == "local" || mode == "path" || gotoolchain.ends_with("+path") {
                causes::toolchain_fix(
                    &format!("go{}", version.trim_start_matches("go")),
                    &self.setting_command("GOTOOLCHAIN", Some("auto")),
                )
            } else {
                format!("install Go {version}")
            };
            self.set(
                cause,
                format!("go.mod requires go >= {version}, and GOTOOLCHAIN={gotoolchain}{note} keeps the running go.{doctor}"),
                fix,
            );
            return;
        }
        let off = crate::syntax::goproxy::first_entry(&goproxy)
            == Some(crate::syntax::goproxy::ProxyEntry::Off);
        let (text, fix) = if off {
            (
                format!(
                    "GOPROXY=off{}: toolchains are downloaded as the module golang.org/toolchain through GOPROXY, so none can be",
                    self.source_note("GOPROXY")
                ),
                causes::toolchain_fix(version, &self.setting_command("GOPROXY", None)),
            )
        } else if gosumdb == "off" {
            (
                format!(
                    "GOSUMDB=off{}: {}",
                    self.source_note("GOSUMDB"),
                    causes::SUMDB_OFF_TOOLCHAIN.cause
                ),
                causes::toolchain_fix(version, &self.setting_command("GOSUMDB", None)),
            )
        } else {
            (
                format!(
                    "no source in GOPROXY={goproxy} serves golang.org/toolchain for {version}: that release does not exist, or the proxy does not serve toolchains"
                ),
                format!(
                    "check the go and toolchain lines of go.mod against https://go.dev/dl; {}",
                    causes::TOOLCHAIN_UNAVAILABLE.fix
                ),
            )
        };
        self.set(cause, format!("{text}.{doctor}"), fix);
    }

    fn goflags(&mut self, flag: &str) {
        let goflags = self.facts.get("GOFLAGS").to_string();
        let note = self.source_note("GOFLAGS");
        self.check("settings.values");
        let kept: Vec<&str> = goflags
            .split_whitespace()
            .filter(|f| *f != flag && !f.starts_with(&format!("{flag}=")))
            .collect();
        let in_goflags = kept.len() < goflags.split_whitespace().count();
        let fix = if !in_goflags {
            format!("remove {flag} from the command line")
        } else if kept.is_empty() {
            self.setting_command("GOFLAGS", None)
        } else {
            self.setting_command("GOFLAGS", Some(&kept.join(" ")))
        };
        let text = if in_goflags {
            format!(
                "GOFLAGS={goflags}{note} holds {flag}, which this go does not accept, so every go command fails"
            )
        } else {
            format!("{flag} is not accepted by this go (GOFLAGS={goflags:?})")
        };
        self.set(&causes::GOFLAGS_BAD, text, fix);
    }

    fn vendor(&mut self) {
        let goflags = self.facts.get("GOFLAGS").to_string();
        let note = self.source_note("GOFLAGS");
        let kept: Vec<&str> = goflags
            .split_whitespace()
            .filter(|f| *f != "-mod=vendor")
            .collect();
        let in_goflags = kept.len() < goflags.split_whitespace().count();
        let (text, fix) = if in_goflags {
            let cmd = if kept.is_empty() {
                self.setting_command("GOFLAGS", None)
            } else {
                self.setting_command("GOFLAGS", Some(&kept.join(" ")))
            };
            (
                format!(
                    "GOFLAGS={goflags}{note} makes every go command use only vendor/, which lacks this"
                ),
                format!("go mod vendor (refresh vendor/), or stop forcing vendor mode: {cmd}"),
            )
        } else {
            (
                "go is in vendor mode (a vendor/ directory and go >= 1.14 in go.mod, or -mod=vendor on the command line) and vendor/ lacks this".to_string(),
                "go mod vendor".to_string(),
            )
        };
        self.set(&causes::VENDOR_MODE, text, fix);
    }
}

/// A proxy the message names that is no entry of today's GOPROXY: the message came from other
/// settings (another shell, CI, an IDE, or before a change), so what follows it in GOPROXY here
/// says nothing about that run.
fn not_in_goproxy(host: &str, goproxy: &str) -> String {
    format!(
        "{host} is not in GOPROXY={goproxy} here, so the message came from other settings (another shell, CI, an IDE, or before a change): run godoctor where go failed, or compare GOPROXY there"
    )
}

/// Whether a proxy's answer (the lines go quotes under "server response:") says its own git
/// needed credentials: what proxy.golang.org and other public proxies answer for a private
/// repository.
fn server_needed_credentials(text: &str) -> bool {
    text.lines()
        .skip(1)
        .any(|l| l.contains("terminal prompts disabled") || l.contains("could not read Username"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::symptom::parse;

    fn facts(pairs: &[(&str, &str)]) -> Facts {
        let mut f = Facts::default();
        for (k, v) in pairs {
            f.values.insert(k.to_string(), v.to_string());
            f.sources.insert(k.to_string(), Source::File);
        }
        f
    }

    fn one(text: &str, f: &Facts) -> Diagnosis {
        let items = parse(text);
        diagnose(&items[0], f).expect("diagnosed")
    }

    #[test]
    fn private_module_in_public_sumdb() {
        let f = facts(&[
            ("GOPROXY", "http://127.0.0.1:9"),
            ("GOSUMDB", "sum.golang.org"),
        ]);
        let d = one(
            "go: verifying git.corp.example/lib@v1.2.0: reading https://sum.golang.org/lookup/git.corp.example/lib@v1.2.0: 410 Gone",
            &f,
        );
        assert_eq!(d.id, "sumdb.private-module");
        assert_eq!(d.fix, "godoctor env set GONOSUMDB=git.corp.example");
        assert_eq!(d.module.as_deref(), Some("git.corp.example/lib"));
        let f = facts(&[("GOPROXY", "direct"), ("GOSUMDB", "sum.golang.org")]);
        let d = one(
            "go: verifying git.corp.example/lib@v1.2.0: reading https://sum.golang.org/lookup/git.corp.example/lib@v1.2.0: 410 Gone",
            &f,
        );
        assert_eq!(d.fix, "godoctor env set GOPRIVATE=git.corp.example");
    }

    #[test]
    fn comma_after_a_failing_proxy_becomes_a_pipe() {
        let f = facts(&[("GOPROXY", "http://127.0.0.1:1,http://127.0.0.1:2")]);
        let d = one(
            "go: example.com/a@v1.0.0: reading http://127.0.0.1:1/example.com/a/@v/v1.0.0.info: 500 Internal Server Error",
            &f,
        );
        assert_eq!(d.id, "proxy.error-status");
        assert_eq!(
            d.fix,
            "godoctor env set 'GOPROXY=http://127.0.0.1:1|http://127.0.0.1:2'"
        );
    }

    #[test]
    fn settings_from_the_environment_are_fixed_in_the_shell() {
        let mut f = facts(&[("GOPROXY", "off")]);
        f.sources.insert("GOPROXY".into(), Source::Env);
        let d = one(
            "go: example.com/a@v1.0.0: module lookup disabled by GOPROXY=off",
            &f,
        );
        assert!(
            d.fix.contains("`go env -w` cannot override it"),
            "{}",
            d.fix
        );
        assert!(d.cause.contains("set in your environment"));
    }

    #[test]
    fn invalid_goproxy_keeps_usable_entries() {
        let f = facts(&[("GOPROXY", "ftp://x,http://127.0.0.1:5")]);
        let d = one(
            "go: example.com/a@v1.0.0: invalid proxy URL scheme (must be https, http, file): ftp://x",
            &f,
        );
        assert_eq!(d.fix, "godoctor env set GOPROXY=http://127.0.0.1:5");
    }

    #[test]
    fn goflags_fix_drops_only_the_bad_flag() {
        let f = facts(&[("GOFLAGS", "-modcacherw -bogus")]);
        let d = one("go: parsing $GOFLAGS: unknown flag -bogus", &f);
        assert_eq!(d.fix, "godoctor env set GOFLAGS=-modcacherw");
    }

    #[test]
    fn derived_patterns_are_kept_when_a_pattern_is_added() {
        // GONOSUMDB derived from GOPRIVATE: setting it must keep GOPRIVATE's patterns.
        let mut f = facts(&[
            ("GOPROXY", "http://127.0.0.1:9"),
            ("GOSUMDB", "sum.golang.org"),
            ("GOPRIVATE", "a.example"),
            ("GONOSUMDB", "a.example"),
        ]);
        f.sources.insert("GONOSUMDB".into(), Source::Default);
        let d = one(
            "go: verifying git.corp.example/lib@v1.2.0: reading http://127.0.0.1:9/sumdb/sum.golang.org/lookup/git.corp.example/lib@v1.2.0: 404 Not Found",
            &f,
        );
        assert_eq!(
            d.fix,
            "godoctor env set GONOSUMDB=a.example,git.corp.example"
        );
    }

    #[test]
    fn off_after_a_proxy_becomes_direct_without_touching_urls() {
        let f = facts(&[("GOPROXY", "https://offline.example,off")]);
        let d = one(
            "go: example.com/a@v1.0.0: module lookup disabled by GOPROXY=off",
            &f,
        );
        assert!(
            d.fix
                .ends_with("godoctor env set GOPROXY=https://offline.example,direct"),
            "{}",
            d.fix
        );
    }

    #[test]
    fn off_that_these_settings_do_not_hold_is_not_blamed_on_them() {
        let f = facts(&[("GOPROXY", "http://127.0.0.1:9/,direct")]);
        let d = one(
            "go: example.com/a@v1.0.0: module lookup disabled by GOPROXY=off",
            &f,
        );
        assert!(d.cause.contains("which has no `off`"), "{}", d.cause);
        assert!(!d.cause.contains("answered not found"), "{}", d.cause);
        assert!(!d.fix.contains("godoctor env"), "{}", d.fix);
    }

    #[test]
    fn unrecognised_lines_get_no_diagnosis() {
        let items = parse("go: something else entirely");
        assert!(diagnose(&items[0], &Facts::default()).is_none());
    }
}
