//! The one credential loader, go's `cmd/go/internal/auth`: `.netrc` read once (`$NETRC`, else
//! `~/.netrc`) with go's parser, GOAUTH's `git DIR` (`git credential fill`) and command
//! entries run when go runs them (bounded by the request's deadline, never prompting), and
//! `loadCredential`'s longest-prefix match of `host[:port]/path`. The transport sends what
//! [`Credentials::headers_for`] returns; the route plan describes the same match without
//! values. No secret leaves this module except in a request header.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use url::Url;

use crate::redact::redact;
use crate::syntax::goauth::AuthMethod;
use crate::sys::ProcessEnv;

/// A `machine` entry of a `.netrc` file.
#[derive(Clone, PartialEq, Eq)]
pub struct NetrcEntry {
    pub machine: String,
    pub login: String,
    pub password: String,
}

// Hand-written so the password can never reach a log through `{:?}`.
impl std::fmt::Debug for NetrcEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetrcEntry")
            .field("machine", &self.machine)
            .field("login", &self.login)
            .finish()
    }
}

/// Parse `.netrc` text exactly as cmd/go's `parseNetrc` does: entries need machine, login and
/// password; `macdef` bodies are skipped up to a blank line; parsing stops at `default`.
pub fn parse_netrc(text: &str) -> Vec<NetrcEntry> {
    let mut out = Vec::new();
    let (mut machine, mut login, mut password) = (String::new(), String::new(), String::new());
    let mut in_macro = false;
    for line in text.split('\n') {
        if in_macro {
            if line.is_empty() {
                in_macro = false;
            }
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let mut i = 0;
        while i + 1 < f.len() {
            match f[i] {
                "machine" => {
                    machine = f[i + 1].to_string();
                    login.clear();
                    password.clear();
                }
                "login" => login = f[i + 1].to_string(),
                "password" => password = f[i + 1].to_string(),
                "macdef" => in_macro = true,
                _ => {}
            }
            if !machine.is_empty() && !login.is_empty() && !password.is_empty() {
                out.push(NetrcEntry {
                    machine: std::mem::take(&mut machine),
                    login: std::mem::take(&mut login),
                    password: std::mem::take(&mut password),
                });
            }
            i += 2;
        }
        if i < f.len() && f[i] == "default" {
            break;
        }
    }
    out
}

/// Where go looks for `.netrc`: `$NETRC`, else `$HOME/.netrc`.
pub fn netrc_path(env: &ProcessEnv) -> Option<PathBuf> {
    env.get("NETRC")
        .map(PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".netrc")))
}

/// Read and parse the `.netrc` go would use; a missing or unreadable file means no entries.
pub fn load_netrc(env: &ProcessEnv) -> Vec<NetrcEntry> {
    netrc_path(env)
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| parse_netrc(&t))
        .unwrap_or_default()
}

/// The longest time a GOAUTH helper (`git credential fill` or a command) may run. go waits
/// for it without a limit; godoctor stops it at the request's deadline or after this.
pub const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// One GOAUTH method, ready to run. `Debug` never shows a command's arguments (tokens).
#[derive(Clone)]
enum Method {
    Netrc,
    /// `git DIR`: `git credential fill` run in DIR.
    Git(PathBuf),
    /// Any other command, split into words like go's `quoted.Split`.
    Command(Vec<String>),
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Method::Netrc => f.write_str("netrc"),
            Method::Git(dir) => write!(f, "git {}", dir.display()),
            Method::Command(words) => write!(f, "command {}", words.first().map_or("", |w| w)),
        }
    }
}

/// Request headers for a URL prefix (`host[:port][/path]`, no scheme), go's `credentialCache`.
type Cache = Vec<(String, Vec<(String, String)>)>;

/// What go's `cmd/go/internal/auth` sends: `.netrc` read once, GOAUTH's methods, and the cache
/// of headers per URL prefix they fill. Clones share the cache (go's is process-wide). Never
/// printed: `Debug` shows machines and method names only.
#[derive(Clone, Default)]
pub struct Credentials {
    entries: Vec<NetrcEntry>,
    /// GOAUTH's methods in the order written (empty for `off`).
    methods: Vec<Method>,
    /// The environment helpers run in (go's own).
    env: ProcessEnv,
    cache: Arc<Mutex<Cache>>,
    /// go runs every method once, without a URL, before the first https request (`authOnce`).
    once: Arc<OnceLock<()>>,
    /// Why go stops (`base.Fatalf`) at its first https request: an unusable GOAUTH, or a
    /// `git DIR` that is not a directory.
    fatal: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("entries", &self.entries)
            .field("methods", &self.methods)
            .finish()
    }
}

impl Credentials {
    /// What go's default GOAUTH (`netrc`) loads.
    pub fn from_netrc(env: &ProcessEnv) -> Self {
        Self::from_entries(env, load_netrc(env))
    }

    fn from_entries(env: &ProcessEnv, entries: Vec<NetrcEntry>) -> Self {
        Credentials {
            entries,
            methods: vec![Method::Netrc],
            env: env.clone(),
            ..Credentials::default()
        }
    }

    /// No credentials at all.
    pub fn none() -> Self {
        Credentials::default()
    }

    /// What go's GOAUTH makes it send (`None`: a go before 1.24, `.netrc` only). `off` sends
    /// nothing, not even `.netrc` entries; `netrc` loads `.netrc`; `git DIR` and commands run
    /// when go runs them (see [`Credentials::headers_for`] and [`Credentials::refresh`]). An
    /// unusable GOAUTH loads nothing (go fails before sending anything).
    pub fn load(env: &ProcessEnv, goauth: Option<&str>) -> Self {
        Self::load_from(env, goauth, || load_netrc(env))
    }

    /// As [`Credentials::load`], with `.netrc` already read (`netrc`: its entries), for a
    /// caller that also reports on them and reads the file once.
    pub fn load_with_netrc(env: &ProcessEnv, goauth: Option<&str>, netrc: &[NetrcEntry]) -> Self {
        Self::load_from(env, goauth, || netrc.to_vec())
    }

    /// `.netrc` is read (`netrc()`) only when GOAUTH has go read it.
    fn load_from(
        env: &ProcessEnv,
        goauth: Option<&str>,
        netrc: impl FnOnce() -> Vec<NetrcEntry>,
    ) -> Self {
        let Some(value) = goauth else {
            return Credentials::from_entries(env, netrc());
        };
        // One reading of GOAUTH, go's `runGoAuth` grammar: its result is what runs.
        let parsed = match crate::syntax::goauth::parse(value) {
            Ok(parsed) => parsed,
            Err(f) => {
                return Credentials {
                    fatal: Some(f.message),
                    ..Credentials::default()
                };
            }
        };
        let mut fatal = None;
        let mut methods = Vec::new();
        for method in parsed {
            match method {
                AuthMethod::Off => return Credentials::none(),
                AuthMethod::Netrc => methods.push(Method::Netrc),
                AuthMethod::Git { dir } => {
                    let dir = PathBuf::from(dir);
                    // go stats DIR on its first https request, before any helper runs.
                    match std::fs::metadata(&dir) {
                        Ok(m) if m.is_dir() => {}
                        Ok(_) => fatal = fatal.or(Some(format!(
                            "GOAUTH's git method: {} is not a directory, so go stops at its first https request (\"dir is not a directory\")",
                            dir.display()
                        ))),
                        Err(e) => fatal = fatal.or(Some(format!(
                            "GOAUTH's git method: cannot stat {}: {e}; go stops at its first https request",
                            dir.display()
                        ))),
                    }
                    methods.push(Method::Git(dir));
                }
                AuthMethod::Command { program, args } => methods.push(Method::Command(
                    std::iter::once(program)
                        .chain(args.words().iter().cloned())
                        .collect(),
                )),
            }
        }
        let entries = if methods.iter().any(|m| matches!(m, Method::Netrc)) {
            netrc()
        } else {
            Vec::new()
        };
        Credentials {
            entries,
            methods,
            env: env.clone(),
            fatal: fatal.map(|f| redact(&f)),
            ..Credentials::default()
        }
    }

    /// Why go would stop at its first https request instead of sending it, if it would.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    /// The loaded `.netrc` entries (for the checks that say which hosts have credentials).
    pub fn entries(&self) -> &[NetrcEntry] {
        &self.entries
    }

    /// The headers go adds to the first request for `url` (`auth.AddCredentials` without a
    /// URL): https only; every method runs once per process first (`.netrc` stored, commands
    /// run without arguments, `git` skipped as it needs a URL), then go's `loadCredential`
    /// takes the longest stored prefix of `url`.
    pub fn headers_for(&self, url: &Url, deadline: Instant) -> Vec<(String, String)> {
        if url.scheme() != "https" || self.methods.is_empty() {
            return Vec::new();
        }
        self.once.get_or_init(|| {
            let _ = self.run_methods(None, None, deadline);
        });
        self.lookup(url)
    }

    /// go's second chance after an https answer 4xx: every method runs again with the URL
    /// (`git credential fill` asked for it, commands given it as last argument and the
    /// response head on stdin), what they print is stored, and the request is sent once more
    /// with [`Credentials::headers_for`]. Returns what went wrong, secrets left out.
    pub fn refresh(&self, url: &Url, response_head: &str, deadline: Instant) -> Vec<String> {
        if url.scheme() != "https" || self.methods.is_empty() {
            return Vec::new();
        }
        self.once.get_or_init(|| {
            let _ = self.run_methods(None, None, deadline);
        });
        self.run_methods(Some(url), Some(response_head), deadline)
    }

    /// go's `runGoAuth`: the methods in reverse order, so the first one written wins a prefix.
    fn run_methods(
        &self,
        url: Option<&Url>,
        response: Option<&str>,
        deadline: Instant,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for method in self.methods.iter().rev() {
            match method {
                Method::Netrc => {
                    for e in &self.entries {
                        let basic = basic(&e.login, &e.password);
                        self.store(&e.machine, vec![("Authorization".into(), basic)]);
                    }
                }
                Method::Git(dir) => {
                    let Some(url) = url else { continue };
                    match self.git_fill(dir, url, deadline) {
                        Ok((prefix, header)) => self.store(&prefix, vec![header]),
                        Err(e) => problems.push(format!("GOAUTH git {}: {e}", dir.display())),
                    }
                }
                Method::Command(words) => match self.command(words, url, response, deadline) {
                    Ok(found) => {
                        for (prefix, headers) in found {
                            self.store(&prefix, headers);
                        }
                    }
                    Err(e) => problems.push(format!("GOAUTH command {}: {e}", words[0])),
                },
            }
        }
        problems.into_iter().map(|p| redact(&p)).collect()
    }

    /// `git credential fill` in `dir` for `url`, like go's `runGitAuth`: the answer's
    /// protocol/host/path (or url) must be a prefix of the URL asked for.
    fn git_fill(
        &self,
        dir: &std::path::Path,
        url: &Url,
        deadline: Instant,
    ) -> Result<(String, (String, String)), String> {
        // Never a prompt: a helper without the credential fails instead of asking a terminal
        // (go would ask; a doctor must not hang on it).
        let env = self
            .env
            .with("GIT_TERMINAL_PROMPT", "0")
            .with("GIT_ASKPASS", "");
        let out = crate::sys::run_with_input(
            std::path::Path::new("git"),
            &["credential".into(), "fill".into()],
            &env,
            Some(dir),
            helper_time(deadline),
            Some(format!("url={}\n", url.as_str()).as_bytes()),
        )
        .map_err(|e| e.to_string())?;
        if !out.success {
            // Its output may hold the credential: only the exit status is told.
            return Err(format!(
                "'git credential fill' failed (exit status {})",
                out.status.map_or("killed".to_string(), |c| c.to_string())
            ));
        }
        let (prefix, user, password) = parse_git_credential(&out.stdout);
        if prefix.is_empty() {
            return Err("'git credential fill' gave no URL the credential is for".into());
        }
        if !url.as_str().starts_with(&prefix) {
            return Err(format!(
                "'git credential fill' gave a credential for {prefix}, not for this URL"
            ));
        }
        Ok((prefix, ("Authorization".into(), basic(&user, &password))))
    }

    /// A GOAUTH command, like go's `runAuthCommand`.
    fn command(
        &self,
        words: &[String],
        url: Option<&Url>,
        response: Option<&str>,
        deadline: Instant,
    ) -> Result<Cache, String> {
        let mut args: Vec<std::ffi::OsString> = words[1..].iter().map(Into::into).collect();
        if let Some(u) = url {
            args.push(u.as_str().into());
        }
        let out = crate::sys::run_with_input(
            std::path::Path::new(&words[0]),
            &args,
            &self.env,
            None,
            helper_time(deadline),
            response.map(str::as_bytes),
        )
        .map_err(|e| e.to_string())?;
        if !out.success {
            return Err(format!(
                "exited with status {}",
                out.status.map_or("killed".to_string(), |c| c.to_string())
            ));
        }
        parse_goauth_output(&out.stdout).map_err(|e| format!("cannot parse its output: {e}"))
    }

    fn store(&self, prefix: &str, headers: Vec<(String, String)>) {
        let prefix = prefix.trim_start_matches("https://").to_string();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(p, _)| *p != prefix);
        if !headers.is_empty() {
            cache.push((prefix, headers));
        }
    }

    /// go's `loadCredential`: `url` without `https://`, then ever shorter `/` prefixes.
    fn lookup(&self, url: &Url) -> Vec<(String, String)> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let full = strip_for_match(url);
        let mut prefix = full.as_str();
        loop {
            if let Some((_, h)) = cache
                .iter()
                .find(|(p, _)| p.trim_end_matches('/') == prefix)
            {
                return h.clone();
            }
            match prefix.rfind('/') {
                Some(i) => prefix = &prefix[..i],
                None => return Vec::new(),
            }
        }
    }
}

fn helper_time(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .clamp(Duration::from_millis(1), HELPER_TIMEOUT)
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// The output of `git credential fill`, like go's `parseGitAuth`: the URL prefix (from
/// `url=`, else protocol://host/path), the user name and the password.
pub fn parse_git_credential(out: &str) -> (String, String, String) {
    let (mut scheme, mut host, mut path) = (String::new(), String::new(), String::new());
    let (mut user, mut password, mut whole) = (String::new(), String::new(), None);
    for line in out.split('\n') {
        let Some((key, value)) = line.trim().split_once('=') else {
            continue;
        };
        match key {
            "protocol" => scheme = value.to_string(),
            "host" => host = value.to_string(),
            "path" => path = value.to_string(),
            "username" => user = value.to_string(),
            "password" => password = value.to_string(),
            // A malformed url= is ignored; the other fields still give the prefix.
            "url" if Url::parse(value).is_ok() => whole = Some(value.to_string()),
            _ => {}
        }
    }
    let prefix = whole.unwrap_or_else(|| {
        if scheme.is_empty() && host.is_empty() {
            return path;
        }
        let slash = if !path.is_empty() && !path.starts_with('/') {
            "/"
        } else {
            ""
        };
        format!("{scheme}://{host}{slash}{path}")
    });
    (prefix, user, password)
}

/// A GOAUTH command's output, like go's `parseUserAuth` (`go help goauth`): blocks of
/// `https://` URL lines, a blank line, header lines, a blank line. Prefixes are stored
/// without `https://`.
pub fn parse_goauth_output(out: &str) -> Result<Cache, String> {
    let mut found: Cache = Vec::new();
    let mut rest = out;
    // One line without its line break; None at the end of the output.
    let mut next_line = || -> Option<&str> {
        if rest.is_empty() {
            return None;
        }
        let (line, tail) = rest.split_once('\n').unwrap_or((rest, ""));
        rest = tail;
        Some(line.strip_suffix('\r').unwrap_or(line))
    };
    loop {
        let mut urls = Vec::new();
        loop {
            let Some(line) = next_line() else {
                if urls.is_empty() {
                    return Ok(found);
                }
                return Err("the output ended inside a list of URLs".into());
            };
            if line.trim() != line {
                return Err("leading or trailing white space".into());
            }
            if line.is_empty() {
                break;
            }
            if !line.starts_with("https://") {
                return Err("expected a https:// URL prefix or an empty line".into());
            }
            urls.push(line.trim_start_matches("https://").to_string());
        }
        if urls.is_empty() {
            return Err("expected a URL prefix".into());
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let Some(line) = next_line() else {
                return Err("the output ended before the blank line after the headers".into());
            };
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                match headers.last_mut() {
                    Some((_, v)) => {
                        v.push(' ');
                        v.push_str(line.trim());
                        continue;
                    }
                    None => return Err("a header continues nothing".into()),
                }
            }
            match line.split_once(':') {
                Some((k, v)) if !k.is_empty() && k.bytes().all(is_token) => {
                    headers.push((k.to_string(), v.trim().to_string()))
                }
                _ => return Err("malformed header line".into()),
            }
        }
        for u in urls {
            found.retain(|(p, _)| *p != u);
            found.push((u, headers.clone()));
        }
    }
}

/// A character allowed in a header name (RFC 7230 token).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn strip_for_match(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.as_str()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_string()
}

/// go's `loadCredential`: strip `https://` and a trailing `/`, then try ever shorter `/`
/// prefixes; the earliest `.netrc` entry for a machine wins.
pub fn netrc_match<'a>(entries: &'a [NetrcEntry], url: &Url) -> Option<&'a NetrcEntry> {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    let full = u
        .as_str()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_string();
    let mut prefix = full.as_str();
    loop {
        if let Some(e) = entries.iter().find(|e| {
            e.machine
                .trim_start_matches("https://")
                .trim_end_matches('/')
                == prefix
        }) {
            return Some(e);
        }
        prefix = &prefix[..prefix.rfind('/')?];
    }
}

/// [`netrc_match`] over bare machine names, for a plan that describes credentials without
/// holding them: the machine whose entry go would use for `url`.
pub fn machine_for<'a>(url: &str, machines: &'a [String]) -> Option<&'a str> {
    let url = Url::parse(url).ok()?;
    let entries: Vec<NetrcEntry> = machines
        .iter()
        .map(|m| NetrcEntry {
            machine: m.clone(),
            login: String::new(),
            password: String::new(),
        })
        .collect();
    let found = netrc_match(&entries, &url)?;
    machines
        .iter()
        .find(|m| **m == found.machine)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One GOAUTH reading: what `syntax::goauth::parse` says is what the loader runs. An
    /// empty GOAUTH is go's default, `netrc` (it used to load nothing).
    #[test]
    fn load_runs_what_the_grammar_parses() {
        let dir = tempfile::tempdir().expect("dir");
        let netrc = dir.path().join("netrc");
        std::fs::write(&netrc, "machine h.example login u password p\n").expect("netrc");
        let netrc = netrc.display().to_string();
        let env = ProcessEnv::from_pairs([("NETRC", netrc.as_str())]);
        let git = dir.path().display().to_string();
        let values = [
            "".to_string(),
            "netrc".into(),
            " netrc ".into(),
            "off".into(),
            "netrc;off".into(),
            ";netrc".into(),
            format!("git {git}"),
            format!("netrc; git {git} ; helper --token 's3 cret'"),
            "helper 'unterminated".into(),
        ];
        for value in values {
            let c = Credentials::load(&env, Some(&value));
            let kinds: Vec<String> = c
                .methods
                .iter()
                .map(|m| format!("{m:?}").split(' ').next().unwrap_or("").to_string())
                .collect();
            match crate::syntax::goauth::parse(&value) {
                Ok(parsed) => {
                    assert!(c.fatal().is_none(), "{value:?}: {:?}", c.fatal());
                    let want: Vec<&str> = parsed
                        .iter()
                        .filter_map(|m| match m {
                            AuthMethod::Off => None,
                            AuthMethod::Netrc => Some("netrc"),
                            AuthMethod::Git { .. } => Some("git"),
                            AuthMethod::Command { .. } => Some("command"),
                        })
                        .collect();
                    assert_eq!(kinds, want, "{value:?}");
                    let netrc = parsed.contains(&AuthMethod::Netrc);
                    assert_eq!(c.entries().len(), usize::from(netrc), "{value:?}");
                }
                Err(f) => {
                    assert_eq!(c.fatal(), Some(f.message.as_str()), "{value:?}");
                    assert!(kinds.is_empty() && c.entries().is_empty(), "{value:?}");
                }
            }
        }
        // The command keeps its quoted argument whole (go's quoted.Split).
        let c = Credentials::load(&env, Some("helper --token 's3 cret'"));
        assert!(
            matches!(&c.methods[..], [Method::Command(w)] if w == &["helper", "--token", "s3 cret"]),
            "{:?}",
            c.methods
        );
        assert_eq!(
            Credentials::load(&env, Some("")).entries(),
            Credentials::load(&env, None).entries()
        );
    }

    #[test]
    fn netrc_like_go() {
        let text = "machine a.example login alice password s3cret\n\
                    machine b.example\n  login bob\n  password pw\n\
                    macdef init\nmachine evil login x password y\n\n\
                    machine c.example login carol password c\n\
                    default login anon password anon\nmachine d.example login d password d\n";
        let got: Vec<_> = parse_netrc(text)
            .into_iter()
            .map(|e| (e.machine, e.login, e.password))
            .collect();
        // Like go: `default` with its own tokens on the line does not stop parsing; the
        // macdef body is skipped.
        let want = [
            ("a.example", "alice", "s3cret"),
            ("b.example", "bob", "pw"),
            ("c.example", "carol", "c"),
            ("d.example", "d", "d"),
        ];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1.as_str(), g.2.as_str()), w);
        }
    }

    #[test]
    fn netrc_stops_at_a_lone_default() {
        assert_eq!(
            parse_netrc("machine a login b password c\ndefault\nmachine d login e password f\n")
                .len(),
            1
        );
    }

    #[test]
    fn netrc_debug_hides_password() {
        let e = &parse_netrc("machine h login u password topsecret")[0];
        assert!(!format!("{e:?}").contains("topsecret"));
    }

    #[test]
    fn netrc_matching_like_go() {
        let entries = parse_netrc(
            "machine proxy.example login a password 1\nmachine 127.0.0.1:8443 login b password 2\n\
             machine proxy.example login dup password 3\nmachine corp.example/private login c password 4\n",
        );
        let m =
            |u: &str| netrc_match(&entries, &Url::parse(u).expect("url")).map(|e| e.login.clone());
        assert_eq!(m("https://proxy.example/a/b"), Some("a".into()));
        assert_eq!(m("https://127.0.0.1:8443/x"), Some("b".into()));
        assert_eq!(m("https://127.0.0.1/x"), None);
        assert_eq!(
            m("https://corp.example/private/mod/@v/list"),
            Some("c".into())
        );
        assert_eq!(m("https://corp.example/public"), None);
    }

    #[test]
    fn git_credential_output_like_go() {
        let (p, u, pw) = parse_git_credential(
            "protocol=https\nhost=127.0.0.1:8443\nusername=alice\npassword=s3cret\n",
        );
        assert_eq!(
            (p.as_str(), u.as_str(), pw.as_str()),
            ("https://127.0.0.1:8443", "alice", "s3cret")
        );
        let (p, _, _) = parse_git_credential("protocol=https\nhost=h.example\npath=org/repo\n");
        assert_eq!(p, "https://h.example/org/repo");
        // A well-formed url= line wins over the pieces; a malformed one is ignored.
        let (p, _, _) =
            parse_git_credential("protocol=https\nhost=a.example\nurl=https://b.example/x\n");
        assert_eq!(p, "https://b.example/x");
        let (p, _, _) = parse_git_credential("protocol=https\nhost=a.example\nurl=::\n");
        assert_eq!(p, "https://a.example");
        assert_eq!(parse_git_credential("nothing\n").0, "");
    }

    #[test]
    fn goauth_command_output_like_go() {
        let got = parse_goauth_output(
            "https://a.example\nhttps://b.example/private\n\nAuthorization: Bearer t\nX-Extra: 1\n\n\
             https://c.example\n\nAuthorization: Basic Yzpk\n\n",
        )
        .expect("parses");
        let prefixes: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(prefixes, ["a.example", "b.example/private", "c.example"]);
        assert_eq!(
            got[1].1,
            [
                ("Authorization".to_string(), "Bearer t".to_string()),
                ("X-Extra".to_string(), "1".to_string())
            ]
        );
        assert_eq!(parse_goauth_output("").expect("empty"), Vec::new());
        for bad in [
            "a.example\n\nAuthorization: x\n\n",          // no https://
            "https://a.example\n\nAuthorization: x\n",    // no closing blank line
            " https://a.example\n\nAuthorization: x\n\n", // white space
            "\nAuthorization: x\n\n",                     // no URL
            "https://a.example\n\nno colon\n\n",          // bad header
            "https://a.example\n",                        // ends in the URL list
        ] {
            assert!(parse_goauth_output(bad).is_err(), "{bad:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn goauth_methods_fill_one_cache_first_written_wins() {
        let dir = tempfile::tempdir().expect("dir");
        let script = |name: &str, user: &str| {
            let p = dir.path().join(name);
            std::fs::write(
                &p,
                format!(
                    "#!/bin/sh\nprintf 'https://h.example\\n\\nAuthorization: Basic {user}\\n\\n'\n"
                ),
            )
            .expect("script");
            let mut perm = std::fs::metadata(&p).expect("meta").permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
            std::fs::set_permissions(&p, perm).expect("chmod");
            p.display().to_string()
        };
        let (one, two) = (script("one", "first"), script("two", "second"));
        let path = std::env::var("PATH").unwrap_or_default();
        let env = ProcessEnv::from_pairs([("PATH", path.as_str())]);
        let c = Credentials::load(&env, Some(&format!("{one};{two}")));
        let deadline = Instant::now() + Duration::from_secs(10);
        let url = Url::parse("https://h.example/mod/@v/list").expect("url");
        assert_eq!(
            c.headers_for(&url, deadline),
            [("Authorization".to_string(), "Basic first".to_string())]
        );
        // Plain http never gets them; `off` sends nothing; the Debug form shows no argument.
        let http = Url::parse("http://h.example/mod/@v/list").expect("url");
        assert!(c.headers_for(&http, deadline).is_empty());
        assert!(
            Credentials::load(&env, Some("off"))
                .headers_for(&url, deadline)
                .is_empty()
        );
        let secret = Credentials::load(&env, Some(&format!("{one} --token=hunter2")));
        assert!(!format!("{secret:?}").contains("hunter2"));
        // A command that hangs is stopped at the deadline and named without its arguments.
        let slow = dir.path().join("slow");
        std::fs::write(&slow, "#!/bin/sh\nsleep 30\n").expect("script");
        let mut perm = std::fs::metadata(&slow).expect("meta").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&slow, perm).expect("chmod");
        let c = Credentials::load(&env, Some(&format!("{} --token=hunter2", slow.display())));
        let started = Instant::now();
        let problems = c.refresh(
            &url,
            "HTTP/1.1 401 Unauthorized\n\n",
            Instant::now() + Duration::from_millis(300),
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(
            !problems.is_empty() && problems.iter().all(|p| !p.contains("hunter2")),
            "{problems:?}"
        );
    }
}
