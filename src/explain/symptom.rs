//! go's error output read into typed symptoms: which of cmd/go's module-fetch errors each line
//! is, with the module, URL, host and HTTP status taken from the text. Pure: text in, items out.
//!
//! The patterns are cmd/go's own strings (modfetch/proxy.go, fetch.go, sumdb.go, web/api.go,
//! modload, toolchain, envcmd) and those of net/http and crypto/x509 that go passes through.
//! A line that matches none of them is kept as unexplained; nothing is guessed.

use serde::Serialize;

/// What kind of failure an error line is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "symptom", rename_all = "kebab-case")]
pub enum Symptom {
    /// `module lookup disabled by GOPROXY=off`
    ProxyOff,
    /// `GOPROXY list is not the empty string, but contains no entries`, `invalid proxy URL …`
    ProxyInvalid { detail: String },
    /// `reading URL: 404 Not Found` (go's web.HTTPError).
    HttpStatus { url: String, status: u16 },
    /// A connection that failed: `Get "URL": dial tcp …: connect: connection refused`.
    Network { url: Option<String>, kind: NetKind },
    /// `proxyconnect tcp: …`: the HTTPS_PROXY/HTTP_PROXY proxy failed.
    ProxyConnect { url: Option<String> },
    /// A certificate go does not accept.
    Tls { url: Option<String>, kind: TlsKind },
    /// `http: server gave HTTP response to HTTPS client` or `tls: first record does not look
    /// like a TLS handshake`: https:// to a plain-HTTP server.
    PlainHttp { url: Option<String> },
    /// `zip: not a valid zip file`
    NotZip,
    /// `checksum database disabled by GOSUMDB=off` (only toolchain downloads insist on it).
    SumdbOff,
    /// `note has no verifiable signatures`, `malformed verifier id`, `invalid GOSUMDB …`
    SumdbKey { detail: String },
    /// `downloaded inconsistent tile`, `cannot authenticate record data in server response`:
    /// the database's tiles or record do not prove against its signed tree head.
    SumdbInconsistent { detail: String },
    /// `verifying M@V: checksum mismatch`; `go_sum` when the other side is go.sum.
    ChecksumMismatch { go_sum: bool },
    /// `package P is not in std (GOROOT/src/P)`
    NotInStd { package: String },
    /// `updates to go.mod needed; to update it:` and go's suggested command.
    GoModUpdates { suggestion: Option<String> },
    /// `missing go.sum entry …`; go's own suggested command when it printed one.
    MissingGoSum { suggestion: Option<String> },
    /// `module declares its path as: X but was required as: Y`
    PathMismatch {
        declared: Option<String>,
        required: Option<String>,
    },
    /// `invalid version: … should be v0 or v1, not v2` and `+incompatible` errors.
    MajorVersion { detail: String },
    /// `unrecognized import path "P"` without a more specific reason on the line.
    UnrecognizedImportPath { path: String },
    /// `invalid version: unknown revision REV`: the repository (fetched directly) lacks it.
    UnknownRevision { rev: String },
    /// `module M: no matching versions for query "Q"`
    NoMatchingVersions { query: String },
    /// `module M@V found, but does not contain package P` and
    /// `module M@latest found (V), but does not contain package P`
    PackageNotInModule {
        module: String,
        version: String,
        package: String,
    },
    /// `malformed module path "P": REASON`
    MalformedPath { path: String, reason: String },
    /// `go.mod file not found in current directory or any parent directory`, and
    /// `cannot find main module, but found .git/config in DIR`
    NoGoMod,
    /// `no required module provides package P; to add it:` and go's suggested command.
    PackageNotRequired {
        package: String,
        suggestion: Option<String>,
    },
    /// `terminal prompts disabled`: git wanted credentials; the host git named
    /// (`could not read Username for 'https://HOST'`), when the line has it.
    TerminalPrompts { host: Option<String> },
    /// `go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)`
    GoTooNew { need: String },
    /// `download go1.99.0 for linux/amd64: toolchain not available`
    ToolchainUnavailable { toolchain: String },
    /// `modules disabled by GO111MODULE=off`
    ModulesOff,
    /// `parsing $GOFLAGS: unknown flag -x`, `-mod=x not supported …`
    Goflags { flag: String },
    /// `import lookup disabled by -mod=vendor`, `can't compute 'all' using the vendor directory`,
    /// `inconsistent vendoring`
    VendorMode,
    /// `reading go env config: …`, `writing go env config: …`, `cannot find go env config: …`
    EnvFile { detail: String },
    /// `listen tcp 127.0.0.1:3000: bind: address already in use` (a Go program: a local module
    /// proxy such as Athens) or `listen EADDRINUSE: address already in use 127.0.0.1:3000`
    /// (Node): another socket holds the port.
    PortInUse { address: String, port: u16 },
}

/// How a connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetKind {
    Refused,
    Dns,
    Timeout,
    Reset,
}

/// Which certificate problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsKind {
    UnknownAuthority,
    WrongHost,
    Expired,
}

/// One error of go's output: the line(s) it spans, what it is (if known) and the module named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The error line as go printed it (continuation lines joined with `\n`).
    pub text: String,
    /// `None`: not recognised (reported as unexplained).
    pub symptom: Option<Symptom>,
    /// The module path the error is about, when the text names one.
    pub module: Option<String>,
    /// The version, when the text names one.
    pub version: Option<String>,
}

/// Read go's output into error items. Progress lines (`go: downloading …`), `-x` traces and the
/// import-stack context lines are dropped; indented continuation lines and go's boilerplate
/// paragraphs are attached to the error they belong to.
pub fn parse(output: &str) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    // After an import-stack line (`go: example.com/app imports`) the indented line is an error
    // of its own, not a continuation.
    let mut after_context = false;
    // Inside a signed note go quotes after "note:" (checksum database errors), up to its
    // signature line ("— name sig").
    let mut in_note = false;
    // Inside a proxy's answer go quotes under "server response:" (web.HTTPError): its indented
    // lines are the proxy's words (its own git's "terminal prompts disabled"), not go's errors.
    let mut in_response = false;
    for raw in output.lines() {
        // Control characters stay as they are here: output::sanitize escapes them on the way
        // to a terminal, like every other text godoctor prints.
        let line = raw.trim_end();
        if in_note || line == "note:" {
            in_note = !line.starts_with('\u{2014}');
            if let Some(prev) = items.last_mut() {
                prev.text.push('\n');
                prev.text.push_str(line);
            }
            continue;
        }
        if is_noise(line) {
            after_context = is_context(line);
            continue;
        }
        let indented = line.starts_with([' ', '\t']) && !std::mem::take(&mut after_context);
        let symptom = classify(line);
        // A proxy's own words under its status ("server response: not found: … unknown
        // revision v1.9.9", or the lines after "server response:") belong to that status even
        // when they name another symptom.
        let opens_response = indented && line.trim_start().starts_with("server response:");
        let server_says = opens_response || (indented && in_response);
        in_response = if indented {
            in_response || opens_response
        } else {
            false
        };
        if let Some(prev) = items.last_mut()
            && (indented || is_boilerplate(line))
            && (server_says || !(symptom.is_some() && prev.symptom.is_some()))
        {
            // A continuation names the cause more precisely than the line it continues (git's
            // "terminal prompts disabled" under "git ls-remote … exit status 128:"), or adds
            // detail (go.sum hashes, go's suggested command).
            prev.text.push('\n');
            prev.text.push_str(line);
            if prev.symptom.is_none() {
                prev.symptom = symptom;
            }
            if prev.module.is_none() {
                (prev.module, prev.version) = module_of(line);
            }
            refine(prev, line.trim());
            continue;
        }
        let (module, version) = match &symptom {
            // go names the package first and the module it looked in second.
            Some(Symptom::PackageNotInModule {
                module, version, ..
            }) => (Some(module.clone()), Some(version.clone())),
            _ => module_of(line),
        };
        items.push(Item {
            text: line.to_string(),
            symptom,
            module,
            version,
        });
    }
    items
}

/// An import-stack line: the next (indented) line is the error for that package.
fn is_context(line: &str) -> bool {
    let t = line.trim();
    t.ends_with(" imports") || t.ends_with(" requires") || t.ends_with(" tests")
}

/// Lines that are not errors: progress, `-x` traces, import-stack context, JSON punctuation.
fn is_noise(line: &str) -> bool {
    let t = line.trim();
    const PROGRESS: &[&str] = &[
        "go: downloading ",
        "go: finding ",
        "go: found ",
        "go: added ",
        "go: upgraded ",
        "go: downgraded ",
        "go: removed ",
        "go: extracting ",
        "go: switching to ",
    ];
    t.is_empty()
        || t.starts_with('#')
        || PROGRESS.iter().any(|p| t.starts_with(p))
        || t.ends_with(" imports")
        || t.ends_with(" requires")
        || t.ends_with(" tests")
        || matches!(t, "{" | "}" | "[" | "]")
        // `go run`'s own last line when the program it ran failed (the program's error is above).
        || t.strip_prefix("exit status ").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// go's fixed explanatory paragraphs, which belong to the error above them.
fn is_boilerplate(line: &str) -> bool {
    const LINES: &[&str] = &[
        "SECURITY ERROR",
        "This download does NOT match",
        "The bits may have been replaced",
        "have intercepted the download",
        "The checksum server has provided",
        "not contain an entry for the download",
        "The checksum server may be malfunctioning",
        "intercepted the checksum request",
        "The download cannot be verified",
        "For more information, see 'go help module-auth'",
        "Confirm the import path was entered correctly",
        "If this is a private repository, see",
        "If this is a private repository",
        "go: to add module requirements and sums:",
        "(Use -mod=mod or -mod=readonly to bypass.)",
    ];
    LINES.iter().any(|l| line.starts_with(l))
}

/// The address and port of a failed listen: Go's net package prints
/// `listen tcp[46] ADDRESS: bind: address already in use` (ADDRESS may be `:3000`,
/// `[::1]:3000`, `localhost:3000`), Node `… address already in use ADDRESS` (`:::3000`).
fn listen_address(line: &str) -> Option<(String, u16)> {
    let address = ["listen tcp ", "listen tcp4 ", "listen tcp6 "]
        .iter()
        .find_map(|p| after(line, p))
        .and_then(|rest| rest.split(": bind:").next())
        .or_else(|| {
            after(line, "address already in use ").and_then(|rest| rest.split_whitespace().next())
        })?
        .trim();
    let port = address.rsplit(':').next()?.parse().ok()?;
    Some((address.to_string(), port))
}

/// Fill in what continuation lines add to an item's symptom.
fn refine(item: &mut Item, line: &str) {
    match &mut item.symptom {
        Some(Symptom::ChecksumMismatch { go_sum }) if line.starts_with("go.sum:") => {
            *go_sum = true;
        }
        Some(Symptom::MissingGoSum { suggestion })
            if suggestion.is_none()
                && (line.starts_with("go get ") || line.starts_with("go mod download")) =>
        {
            *suggestion = Some(line.to_string());
        }
        Some(Symptom::GoModUpdates { suggestion })
            if suggestion.is_none() && line.starts_with("go ") =>
        {
            *suggestion = Some(line.to_string());
        }
        Some(Symptom::PackageNotRequired { suggestion, .. })
            if suggestion.is_none() && line.starts_with("go get ") =>
        {
            *suggestion = Some(line.to_string());
        }
        Some(Symptom::PathMismatch { required, .. }) if required.is_none() => {
            if let Some(r) = line.strip_prefix("but was required as:") {
                *required = Some(r.trim().to_string());
            }
        }
        _ => {}
    }
}

/// Recognise one line. Specific causes are tried before the general ones they are wrapped in
/// (`unrecognized import path "P": https fetch: … proxyconnect tcp: …` is a proxyconnect).
pub fn classify(line: &str) -> Option<Symptom> {
    let has = |s: &str| line.contains(s);
    if has("module lookup disabled by GOPROXY=off") {
        return Some(Symptom::ProxyOff);
    }
    for needle in [
        "GOPROXY list is not the empty string, but contains no entries",
        "invalid proxy URL scheme",
        "invalid proxy URL missing scheme",
        "invalid file:// proxy URL",
    ] {
        if let Some(i) = line.find(needle) {
            return Some(Symptom::ProxyInvalid {
                detail: line[i..].to_string(),
            });
        }
    }
    if has("checksum database disabled by GOSUMDB=off") {
        return Some(Symptom::SumdbOff);
    }
    for needle in [
        "note has no verifiable signatures",
        "malformed verifier id",
        "invalid GOSUMDB",
        "verifier key",
    ] {
        if let Some(i) = line.find(needle) {
            return Some(Symptom::SumdbKey {
                detail: line[i..].to_string(),
            });
        }
    }
    for needle in [
        "downloaded inconsistent tile",
        "cannot authenticate record data in server response",
    ] {
        if let Some(i) = line.find(needle) {
            return Some(Symptom::SumdbInconsistent {
                detail: line[i..].to_string(),
            });
        }
    }
    if has(": checksum mismatch") || has("checksum missing from sumdb response") {
        return Some(Symptom::ChecksumMismatch { go_sum: false });
    }
    if let Some(rest) = after(line, "invalid version: unknown revision ") {
        let rev = rest.split_whitespace().next().unwrap_or("").to_string();
        return Some(Symptom::UnknownRevision { rev });
    }
    if let Some(rest) = after(line, "no matching versions for query \"") {
        let query = rest.split('"').next().unwrap_or("").to_string();
        return Some(Symptom::NoMatchingVersions { query });
    }
    if let Some(package) = after(line, "but does not contain package ")
        && let Some(found) = line.rfind("module ").map(|i| &line[i + "module ".len()..])
    {
        // `M@V found, but` or `M@QUERY found (V), but`
        let (spec, rest) = found.split_once(" found").unwrap_or((found, ""));
        let (module, asked) = spec.split_once('@').unwrap_or((spec, ""));
        let version = rest
            .strip_prefix(" (")
            .and_then(|r| r.split(')').next())
            .unwrap_or(asked);
        return Some(Symptom::PackageNotInModule {
            module: module.to_string(),
            version: version.to_string(),
            package: package.trim().to_string(),
        });
    }
    if let Some(rest) = after(line, "malformed module path \"") {
        let (path, reason) = rest.split_once("\": ").unwrap_or((rest, ""));
        return Some(Symptom::MalformedPath {
            path: path.trim_end_matches('"').to_string(),
            reason: reason.trim().to_string(),
        });
    }
    if has("go.mod file not found in current directory or any parent directory")
        || has("cannot find main module, but found")
    {
        return Some(Symptom::NoGoMod);
    }
    if let Some(rest) = after(line, "no required module provides package ") {
        let package = rest
            .split([';', ' '])
            .next()
            .unwrap_or("")
            .trim_end_matches(':')
            .to_string();
        return Some(Symptom::PackageNotRequired {
            package,
            suggestion: None,
        });
    }
    if let Some(rest) = after(line, "package ")
        && let Some((package, _)) = rest.split_once(" is not in std")
        && !package.contains(' ')
    {
        return Some(Symptom::NotInStd {
            package: package.to_string(),
        });
    }
    if has("updates to go.mod needed") {
        return Some(Symptom::GoModUpdates { suggestion: None });
    }
    if has("missing go.sum entry") {
        return Some(Symptom::MissingGoSum { suggestion: None });
    }
    if let Some(i) = line.find("module declares its path as:") {
        let declared = line[i + "module declares its path as:".len()..].trim();
        return Some(Symptom::PathMismatch {
            declared: (!declared.is_empty()).then(|| declared.to_string()),
            required: None,
        });
    }
    if has("should be v0 or v1, not v")
        || has("so module path must match major version")
        || (has("+incompatible") && has("invalid version"))
    {
        let detail = line
            .find("invalid version: ")
            .map_or(line, |i| &line[i + "invalid version: ".len()..]);
        return Some(Symptom::MajorVersion {
            detail: detail.trim().to_string(),
        });
    }
    if has("address already in use")
        && let Some((address, port)) = listen_address(line)
    {
        return Some(Symptom::PortInUse { address, port });
    }
    if has("terminal prompts disabled") {
        return Some(Symptom::TerminalPrompts {
            host: git_prompt_host(line),
        });
    }
    let url = quoted_url(line).or_else(|| reading_url(line));
    if has("proxyconnect tcp") {
        return Some(Symptom::ProxyConnect { url });
    }
    if has("server gave HTTP response to HTTPS client")
        || has("first record does not look like a TLS handshake")
    {
        return Some(Symptom::PlainHttp { url });
    }
    let tls = if has("x509: certificate signed by unknown authority") {
        Some(TlsKind::UnknownAuthority)
    } else if has("x509: certificate is valid for")
        || has("x509: certificate is not valid for")
        || has("x509: cannot validate certificate for")
    {
        Some(TlsKind::WrongHost)
    } else if has("x509: certificate has expired or is not yet valid") {
        Some(TlsKind::Expired)
    } else {
        None
    };
    if let Some(kind) = tls {
        return Some(Symptom::Tls { url, kind });
    }
    if let Some((url, status)) = http_status(line) {
        return Some(Symptom::HttpStatus { url, status });
    }
    let net = if has("connect: connection refused") {
        Some(NetKind::Refused)
    } else if has(": no such host") || has("server misbehaving") {
        Some(NetKind::Dns)
    } else if has("i/o timeout")
        || has("context deadline exceeded")
        || has("TLS handshake timeout")
        || has("connection timed out")
    {
        Some(NetKind::Timeout)
    } else if has("connection reset by peer")
        || has("server closed idle connection")
        // The answer ended before the length it announced: the connection was cut mid-answer
        // (`read "URL": unexpected EOF`).
        || (has(": EOF") || has(": unexpected EOF")) && url.is_some()
    {
        Some(NetKind::Reset)
    } else {
        None
    };
    if let Some(kind) = net {
        return Some(Symptom::Network { url, kind });
    }
    if has("zip: not a valid zip file") {
        return Some(Symptom::NotZip);
    }
    if let Some(rest) = after(line, "unrecognized import path \"") {
        let path = rest.split('"').next().unwrap_or("").to_string();
        return Some(Symptom::UnrecognizedImportPath { path });
    }
    if let Some(rest) = after(line, "requires go >= ") {
        let need = rest.split([' ', ';', ')']).next().unwrap_or("").to_string();
        return Some(Symptom::GoTooNew { need });
    }
    if has(": toolchain not available") {
        let toolchain = after(line, "download ")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("")
            .trim_end_matches(':')
            .to_string();
        return Some(Symptom::ToolchainUnavailable { toolchain });
    }
    if has("modules disabled by GO111MODULE=off") {
        return Some(Symptom::ModulesOff);
    }
    if let Some(rest) = after(line, "parsing $GOFLAGS: ") {
        let flag = rest.rsplit(' ').next().unwrap_or(rest).trim().to_string();
        return Some(Symptom::Goflags { flag });
    }
    if let Some(rest) = line.trim().strip_prefix("-mod=")
        && rest.contains(" not supported")
    {
        let value = rest.split(' ').next().unwrap_or("");
        return Some(Symptom::Goflags {
            flag: format!("-mod={value}"),
        });
    }
    if has("import lookup disabled by -mod=vendor")
        || has("can't compute 'all' using the vendor directory")
        || has("inconsistent vendoring")
    {
        return Some(Symptom::VendorMode);
    }
    for needle in [
        "reading go env config",
        "writing go env config",
        "cannot find go env config",
    ] {
        if let Some(i) = line.find(needle) {
            return Some(Symptom::EnvFile {
                detail: line[i..].to_string(),
            });
        }
    }
    None
}

fn after<'a>(line: &'a str, needle: &str) -> Option<&'a str> {
    line.find(needle).map(|i| &line[i + needle.len()..])
}

/// The URL of `Get "URL": …` (net/http's url.Error), the form go's client errors take.
fn quoted_url(line: &str) -> Option<String> {
    // net/url's Error: `Op "URL": err`; go's body reads fail as `read "URL": unexpected EOF`.
    for verb in ["Get \"", "Head \"", "Post \"", "read \""] {
        if let Some(rest) = after(line, verb) {
            return rest.split('"').next().map(str::to_string);
        }
    }
    None
}

/// The URL of `reading URL: …` (web.HTTPError).
fn reading_url(line: &str) -> Option<String> {
    let rest = after(line, "reading http").map(|r| format!("http{r}"))?;
    let end = rest.find(": ").unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// `reading URL: 404 Not Found` → (URL, 404).
fn http_status(line: &str) -> Option<(String, u16)> {
    let url = reading_url(line)?;
    let rest = after(line, &format!("{url}: "))?;
    let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if code.len() != 3 || !rest[3..].starts_with(' ') {
        return None;
    }
    Some((url, code.parse().ok()?))
}

/// The module (and version) an error line is about: `verifying M@V`, `go: M@V: …`,
/// `go: module M: …`, an indented `M: …`, or the path in a proxy or checksum-database URL.
pub fn module_of(line: &str) -> (Option<String>, Option<String>) {
    // go names the module as the last word of one of the `: `-separated segments:
    // `go: M@V: …`, `verifying go.mod: M@V/go.mod: …`, `unzip /path: M@V: …`, `go: module M: …`.
    // A segment with a version wins over one without.
    let words: Vec<&str> = line
        .trim()
        .split(": ")
        .filter_map(|seg| seg.split_whitespace().last())
        .collect();
    for with_version in [true, false] {
        for word in &words {
            let word = word.trim_end_matches("/go.mod");
            let (path, version) = match word.split_once('@') {
                Some((p, v)) => (p, Some(v.to_string())),
                None => (word, None),
            };
            if version.is_some() == with_version && looks_like_module(path) {
                return (Some(path.to_string()), version);
            }
        }
    }
    if let Some(url) = quoted_url(line).or_else(|| reading_url(line))
        && let Some((path, version)) = module_in_url(&url)
    {
        return (Some(path), version);
    }
    (None, None)
}

/// `…/lookup/M@V` (checksum database) or `…/<escaped M>/@v/<V>.info` (proxy).
fn module_in_url(url: &str) -> Option<(String, Option<String>)> {
    if let Some(rest) = after(url, "/lookup/") {
        let (p, v) = rest.split_once('@')?;
        let path = crate::syntax::module::unescape_string(p)?;
        return Some((path, Some(v.to_string())));
    }
    let (base, rest) = url
        .split_once("/@v/")
        .or_else(|| url.strip_suffix("/@latest").map(|b| (b, "")))?;
    // The module path is the tail of `base` after the proxy's own prefix, which is unknown
    // here: take the longest tail that is a valid module path starting at a host-like element.
    let after_scheme = base.split_once("://").map_or(base, |(_, r)| r);
    let elems: Vec<&str> = after_scheme.split('/').collect();
    for start in 1..elems.len() {
        let candidate = elems[start..].join("/");
        if elems[start].contains('.')
            && let Some(path) = crate::syntax::module::unescape_string(&candidate)
            && crate::syntax::module::check_path(&path).is_ok()
        {
            let version = rest
                .rsplit_once('.')
                .map(|(v, _)| v)
                .filter(|v| !v.is_empty() && *v != "list")
                .and_then(crate::syntax::module::unescape_string);
            return Some((path, version));
        }
    }
    None
}

fn looks_like_module(path: &str) -> bool {
    let first = path.split('/').next().unwrap_or("");
    !path.is_empty()
        && !matches!(path, "go.mod" | "go.sum" | "go.work")
        && first.contains('.')
        && !path.contains(['"', ' ', '$', '='])
        && !path.starts_with("http")
        && !path.starts_with('-')
        && crate::syntax::module::check_path(path).is_ok()
}

/// The host in git's `could not read Username for 'https://HOST/…'` (or `Password for`).
fn git_prompt_host(line: &str) -> Option<String> {
    let rest = after(line, " for '")?;
    let url = rest.split('\'').next()?;
    let host = url::Url::parse(url).ok()?.host_str()?.to_string();
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Item {
        let items = parse(text);
        assert_eq!(items.len(), 1, "{items:#?}");
        items.into_iter().next().expect("one item")
    }

    // Lines below were printed by go 1.26 against loopback servers (tests/it/explain.rs produces
    // each again with the real go).
    #[test]
    fn proxy_status_with_module_and_url() {
        let i = one(
            "go: downloading example.com/hello v1.0.0\ngo: example.com/hello@v1.0.0: reading http://127.0.0.1:18404/example.com/hello/@v/v1.0.0.zip: 404 Not Found\n",
        );
        assert_eq!(
            i.symptom,
            Some(Symptom::HttpStatus {
                url: "http://127.0.0.1:18404/example.com/hello/@v/v1.0.0.zip".into(),
                status: 404
            })
        );
        assert_eq!(i.module.as_deref(), Some("example.com/hello"));
        assert_eq!(i.version.as_deref(), Some("v1.0.0"));
        let i = one(
            "go: module example.com/hello: reading http://127.0.0.1:1/example.com/hello/@v/list: 410 Gone",
        );
        assert_eq!(i.module.as_deref(), Some("example.com/hello"));
        assert!(matches!(
            i.symptom,
            Some(Symptom::HttpStatus { status: 410, .. })
        ));
    }

    #[test]
    fn server_response_detail_is_attached() {
        let i = one(
            "go: example.com/hello@v1.0.0: reading http://127.0.0.1:1/example.com/hello/@v/v1.0.0.info: 500 Internal Server Error\n\tserver response: boom",
        );
        assert!(matches!(
            i.symptom,
            Some(Symptom::HttpStatus { status: 500, .. })
        ));
        assert!(i.text.ends_with("server response: boom"));
    }

    #[test]
    fn connection_failures() {
        let i = one(
            r#"go: example.com/hello@v1.0.0: Get "http://127.0.0.1:1/example.com/hello/@v/v1.0.0.info": dial tcp 127.0.0.1:1: connect: connection refused"#,
        );
        assert_eq!(
            i.symptom,
            Some(Symptom::Network {
                url: Some("http://127.0.0.1:1/example.com/hello/@v/v1.0.0.info".into()),
                kind: NetKind::Refused
            })
        );
        let i = one(
            r#"go: example.com/hello@v1.0.0: Get "https://nonexistent.invalid/example.com/hello/@v/v1.0.0.zip": dial tcp: lookup nonexistent.invalid on 10.0.0.53:53: no such host"#,
        );
        assert!(matches!(
            i.symptom,
            Some(Symptom::Network {
                kind: NetKind::Dns,
                ..
            })
        ));
        let i = one(
            r#"go: example.com/hello@v1.0.0: unrecognized import path "example.com/hello": https fetch: Get "https://example.com/hello?go-get=1": proxyconnect tcp: dial tcp 127.0.0.1:2: connect: connection refused"#,
        );
        assert!(matches!(i.symptom, Some(Symptom::ProxyConnect { .. })));
        assert_eq!(i.module.as_deref(), Some("example.com/hello"));
        // A holder that closes before go has written its request (printed by go 1.26 in CI,
        // tests/it/port.rs accept_and_close_stops_comma_but_not_pipe).
        let i = one(
            r#"go: example.com/hello@v1.0.0: Get "http://127.0.0.1:38445/example.com/hello/@v/v1.0.0.info": http: server closed idle connection"#,
        );
        assert!(matches!(
            i.symptom,
            Some(Symptom::Network {
                kind: NetKind::Reset,
                ..
            })
        ));
        // A zip cut off mid-answer (tests/it/explain.rs a_zip_cut_off_mid_answer…).
        let i = one(
            r#"go: example.com/hello@v1.0.0: read "http://127.0.0.1:34743/example.com/hello/@v/v1.0.0.zip": unexpected EOF"#,
        );
        assert_eq!(
            i.symptom,
            Some(Symptom::Network {
                url: Some("http://127.0.0.1:34743/example.com/hello/@v/v1.0.0.zip".into()),
                kind: NetKind::Reset,
            })
        );
    }

    /// The lines after "server response:" are the proxy's words: its git's "terminal prompts
    /// disabled" stays with the 404, not an error of its own (tests/it/explain.rs
    /// a_proxy_whose_git_needed_credentials…).
    #[test]
    fn a_multi_line_server_response_belongs_to_its_status() {
        let items = parse(
            "go: github.com/corp/private@v1.0.0: reading https://proxy.example/github.com/corp/private/@v/v1.0.0.info: 404 Not Found\n\tserver response:\n\tnot found: github.com/corp/private@v1.0.0: invalid version: git ls-remote -q origin in /tmp/x: exit status 128:\n\t\tfatal: could not read Username for 'https://github.com': terminal prompts disabled\n\tConfirm the import path was entered correctly.\ngo: example.com/other@v1.0.0: module lookup disabled by GOPROXY=off\n",
        );
        assert_eq!(items.len(), 2, "{items:#?}");
        assert!(matches!(
            items[0].symptom,
            Some(Symptom::HttpStatus { status: 404, .. })
        ));
        assert!(items[0].text.contains("terminal prompts disabled"));
        assert_eq!(items[1].symptom, Some(Symptom::ProxyOff));
    }

    // Printed by go 1.26 (tests/it/explain.rs runs go again for each).
    #[test]
    fn module_layout_errors() {
        assert_eq!(
            one("go: module example.com/hello: no matching versions for query \">v1.5.0\"").symptom,
            Some(Symptom::NoMatchingVersions {
                query: ">v1.5.0".into()
            })
        );
        assert_eq!(
            one("go: module example.com/hello@latest found (v1.0.0), but does not contain package example.com/hello/sub").symptom,
            Some(Symptom::PackageNotInModule {
                module: "example.com/hello".into(),
                version: "v1.0.0".into(),
                package: "example.com/hello/sub".into()
            })
        );
        let i = one(
            "go: example.com/hello/sub@v1.0.0: module example.com/hello@v1.0.0 found, but does not contain package example.com/hello/sub",
        );
        assert_eq!(i.module.as_deref(), Some("example.com/hello"));
        assert_eq!(
            i.symptom,
            Some(Symptom::PackageNotInModule {
                module: "example.com/hello".into(),
                version: "v1.0.0".into(),
                package: "example.com/hello/sub".into()
            })
        );
        assert_eq!(
            one("go: cannot find main module, but found .git/config in /src/app\n\tto create a module there, run:\n\tgo mod init").symptom,
            Some(Symptom::NoGoMod)
        );
        assert_eq!(
            one("go: malformed module path \"foo/bar\": missing dot in first path element").symptom,
            Some(Symptom::MalformedPath {
                path: "foo/bar".into(),
                reason: "missing dot in first path element".into()
            })
        );
        let i =
            one("go: git.corp.example/lib.git@v1.9.9: invalid version: unknown revision v1.9.9");
        assert_eq!(
            i.symptom,
            Some(Symptom::UnknownRevision {
                rev: "v1.9.9".into()
            })
        );
        assert_eq!(i.module.as_deref(), Some("git.corp.example/lib.git"));
        // Through a proxy the same words come back as its 404 body: a proxy status, as go says.
        assert!(matches!(
            one("go: example.com/hello@v1.9.9: reading http://127.0.0.1:9/example.com/hello/@v/v1.9.9.info: 404 Not Found\n\tserver response: not found: example.com/hello@v1.9.9: invalid version: unknown revision v1.9.9").symptom,
            Some(Symptom::HttpStatus { status: 404, .. })
        ));
        assert_eq!(
            one("go: go.mod file not found in current directory or any parent directory; see 'go help modules'").symptom,
            Some(Symptom::NoGoMod)
        );
        assert_eq!(
            one("main.go:2:8: no required module provides package example.com/x/sub; to add it:\n\tgo get example.com/x/sub\n").symptom,
            Some(Symptom::PackageNotRequired {
                package: "example.com/x/sub".into(),
                suggestion: Some("go get example.com/x/sub".into())
            })
        );
    }

    #[test]
    fn settings_errors() {
        assert_eq!(
            one("go: example.com/hello@v1.0.0: module lookup disabled by GOPROXY=off").symptom,
            Some(Symptom::ProxyOff)
        );
        assert!(matches!(
            one("go: example.com/hello@v1.0.0: GOPROXY list is not the empty string, but contains no entries").symptom,
            Some(Symptom::ProxyInvalid { .. })
        ));
        assert_eq!(
            one("go: parsing $GOFLAGS: unknown flag -bogus").symptom,
            Some(Symptom::Goflags {
                flag: "-bogus".into()
            })
        );
        assert_eq!(
            one("-mod=bogus not supported (can be '', 'mod', 'readonly', or 'vendor')").symptom,
            Some(Symptom::Goflags {
                flag: "-mod=bogus".into()
            })
        );
        assert_eq!(
            one("go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)").symptom,
            Some(Symptom::GoTooNew {
                need: "1.99".into()
            })
        );
        assert_eq!(
            one("go: download go1.99.0 for linux/amd64: toolchain not available").symptom,
            Some(Symptom::ToolchainUnavailable {
                toolchain: "go1.99.0".into()
            })
        );
    }

    #[test]
    fn multi_line_errors_stay_one_item() {
        let i = one(
            "verifying example.com/hello@v1.0.0: checksum mismatch\n\tdownloaded: h1:aaa=\n\tgo.sum:     h1:bbb=\n\nSECURITY ERROR\nThis download does NOT match an earlier download recorded in go.sum.\nThe bits may have been replaced on the origin server, or an attacker may\nhave intercepted the download attempt.\n\nFor more information, see 'go help module-auth'.\n",
        );
        assert_eq!(i.symptom, Some(Symptom::ChecksumMismatch { go_sum: true }));
        assert_eq!(i.module.as_deref(), Some("example.com/hello"));
        let i = one(
            "main.go:2:8: missing go.sum entry for module providing package example.com/hello (imported by example.com/app); to add:\n\tgo get example.com/app\n",
        );
        assert_eq!(
            i.symptom,
            Some(Symptom::MissingGoSum {
                suggestion: Some("go get example.com/app".into())
            })
        );
        let i = one(
            "go: git.corp.example/lib@v1.0.0: invalid version: git ls-remote -q origin in /x: exit status 128:\n\tfatal: could not read Username for 'https://git.corp.example': terminal prompts disabled\nConfirm the import path was entered correctly.\nIf this is a private repository, see https://golang.org/doc/faq#git_https for additional information.",
        );
        assert_eq!(
            i.symptom,
            Some(Symptom::TerminalPrompts {
                host: Some("git.corp.example".into())
            })
        );
        // git's line alone, as people paste it: the host comes from git's URL.
        assert_eq!(
            one("fatal: could not read Password for 'https://u@git.corp.example:8443/team/lib': terminal prompts disabled").symptom,
            Some(Symptom::TerminalPrompts {
                host: Some("git.corp.example".into())
            })
        );
        assert_eq!(i.module.as_deref(), Some("git.corp.example/lib"));
    }

    #[test]
    fn module_from_urls() {
        assert_eq!(
            module_in_url("https://sum.golang.org/lookup/git.corp.example/!lib@v1.2.0"),
            Some(("git.corp.example/Lib".into(), Some("v1.2.0".into())))
        );
        assert_eq!(
            module_in_url("http://127.0.0.1:9/corp/go/example.com/!azure/x/@v/v1.0.0.zip"),
            Some(("example.com/Azure/x".into(), Some("v1.0.0".into())))
        );
    }

    #[test]
    fn a_port_held_by_another_socket() {
        for (line, address, port) in [
            (
                "listen tcp 127.0.0.1:3000: bind: address already in use",
                "127.0.0.1:3000",
                3000,
            ),
            (
                "2026/12/03 12:00:00 listen tcp :3000: bind: address already in use",
                ":3000",
                3000,
            ),
            (
                "listen tcp6 [::1]:8081: bind: address already in use",
                "[::1]:8081",
                8081,
            ),
            (
                "Error: listen EADDRINUSE: address already in use :::3000",
                ":::3000",
                3000,
            ),
        ] {
            assert_eq!(
                classify(line),
                Some(Symptom::PortInUse {
                    address: address.into(),
                    port
                }),
                "{line}"
            );
        }
        // `go run` of a program that failed this way.
        let items = parse(
            "2026/12/03 12:00:00 listen tcp 127.0.0.1:3000: bind: address already in use\nexit status 1\n",
        );
        assert_eq!(items.len(), 1, "{items:?}");
        // Python names no address: nothing to look up, so nothing is guessed.
        assert_eq!(classify("OSError: [Errno 98] Address already in use"), None);
    }

    #[test]
    fn unknown_lines_stay_unexplained() {
        let items = parse("go: something nobody has seen before\n");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].symptom, None);
        assert!(parse("go: downloading a v1\n# get https://x\n\n").is_empty());
    }
}
