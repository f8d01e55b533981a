//! The one credential loader, go's `cmd/go/internal/auth`: `.netrc` read once (`$NETRC`, else
//! `~/.netrc`) with go's parser, and `loadCredential`'s longest-prefix match of
//! `host[:port]/path`. The transport sends what [`Credentials::basic_for`] returns; the route
//! plan describes the same match without values.

use std::path::PathBuf;

use base64::Engine as _;
use url::Url;

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

/// The credentials go would send, loaded once. Never printed: `Debug` shows machines only.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    entries: Vec<NetrcEntry>,
}

impl Credentials {
    /// What go's default GOAUTH (`netrc`) loads.
    pub fn from_netrc(env: &ProcessEnv) -> Self {
        Credentials {
            entries: load_netrc(env),
        }
    }

    /// No credentials at all.
    pub fn none() -> Self {
        Credentials::default()
    }

    /// What go's GOAUTH makes it send (`None`: a go before 1.24, `.netrc` only). `off` sends
    /// nothing, not even `.netrc` entries; `netrc` loads `.netrc`. `git DIR` and command
    /// entries are run by go itself per request and are not loaded here. An unusable GOAUTH
    /// loads nothing (go fails before sending anything).
    pub fn load(env: &ProcessEnv, goauth: Option<&str>) -> Self {
        use crate::syntax::goauth::{self, AuthMethod};
        let methods = match goauth {
            None => vec![AuthMethod::Netrc],
            Some(v) => goauth::parse(v).unwrap_or_default(),
        };
        let mut c = Credentials::none();
        for m in methods {
            match m {
                AuthMethod::Off => return Credentials::none(),
                AuthMethod::Netrc => c.entries = load_netrc(env),
                AuthMethod::Git { .. } | AuthMethod::Command { .. } => {}
            }
        }
        c
    }

    /// The loaded entries (for the checks that say which hosts have credentials).
    pub fn entries(&self) -> &[NetrcEntry] {
        &self.entries
    }

    /// The Basic credentials go adds to a request for `url`: https only, like
    /// `auth.AddCredentials`.
    pub fn basic_for(&self, url: &Url) -> Option<String> {
        if url.scheme() != "https" {
            return None;
        }
        let e = netrc_match(&self.entries, url)?;
        Some(
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", e.login, e.password)),
        )
    }
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
}
