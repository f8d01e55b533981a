//! Private-module checks: the GOPRIVATE/GONOPROXY/GONOSUMDB/GOINSECURE patterns, whether the
//! private hosts they name are reachable, and whether credentials exist for them (never shown).

use super::{Check, Severity, causes};
use crate::finding::Finding;
use crate::goenv::GoEnv;
use crate::net::credentials::NetrcEntry;
use crate::syntax::goauth::AuthMethod;
use crate::syntax::patterns::{self, PATTERN_VARS};

/// `private.patterns`: each pattern variable read as go reads it.
pub fn patterns_checks(go_env: &GoEnv) -> Vec<Check> {
    let mut checks = Vec::new();
    for name in PATTERN_VARS {
        let value = go_env.get(name);
        let derived = go_env
            .setting(name)
            .is_some_and(|s| s.derived_from.is_some());
        if value.is_empty() || derived {
            continue;
        }
        // Every pattern that never matches is mended into one value: one fix (one cause) for
        // all of them, the value `env set`, `--fix` and the wizard all accept.
        let mended = patterns::corrected(name, value).map(|fixed| match fixed.as_str() {
            "" => crate::shellrc::env_unset(&[name]),
            _ => crate::shellrc::env_set(&[(name, &fixed)]),
        });
        for f in patterns::check(name, value) {
            // Its value is the fix above; shown apart it read as a second, different fix.
            if mended.is_some() && f.code == "patterns.corrected" {
                continue;
            }
            let title = if f.message.starts_with(name) {
                f.message.clone()
            } else {
                format!("{name}: {}", f.message)
            };
            let title = title
                .split("; ")
                .next()
                .unwrap_or(&title)
                .trim_end_matches('.')
                .to_string();
            // The detail goes on where the title stops, not the title again.
            let detail = f
                .message
                .strip_prefix(title.as_str())
                .map(|rest| rest.trim_start_matches(['.', ';', ' ']))
                .unwrap_or(&f.message)
                .to_string();
            let mut check = Check::from_finding("private.patterns", title, &f).detail(detail);
            if let Some(command) = mended.as_ref().filter(|_| MENDED.contains(&f.code)) {
                check = check
                    .hint(command.clone())
                    .cause(format!("patterns:{name}"));
            }
            checks.push(check);
        }
    }
    if checks.is_empty() {
        let private = go_env.get("GOPRIVATE");
        let title = if private.is_empty() && go_env.get("GONOPROXY").is_empty() {
            "no private module patterns (GOPRIVATE is empty)".to_string()
        } else {
            format!("patterns read as intended (GOPRIVATE={private})")
        };
        checks.push(Check::ok("private.patterns", title));
    }
    checks
}

/// The findings whose fix is the whole mended value ([`patterns::corrected`]).
const MENDED: &[&str] = &[
    "patterns.space",
    "patterns.scheme",
    "patterns.version",
    "patterns.empty-element",
    "patterns.dots",
    "patterns.case",
];

/// Hosts named literally by the first element of GOPRIVATE/GONOPROXY patterns: those go fetches
/// directly (`corp.example.com/*` → `corp.example.com`; `*.corp.example` names no single host).
/// A pattern that never matches (`https://host/…`: its first element is `https:`) makes go
/// fetch nothing directly, so it names no host.
pub fn private_hosts(go_env: &GoEnv) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for name in ["GOPRIVATE", "GONOPROXY"] {
        for pattern in go_env.get(name).split(',') {
            let first = pattern.split('/').next().unwrap_or("");
            let never = first != first.trim()
                || first.contains([':', '@'])
                || first.chars().any(|c| c.is_ascii_uppercase());
            if never
                || first.is_empty()
                || first.contains(['*', '?', '[', '\\', ' '])
                || first == "none"
            {
                continue;
            }
            if !hosts.iter().any(|h| h == first) {
                hosts.push(first.to_string());
            }
        }
    }
    hosts
}

pub use crate::fetch::hosts::HostReach;

/// `private.hosts`.
pub fn hosts_checks(reaches: &[HostReach]) -> Vec<Check> {
    if reaches.is_empty() {
        return vec![Check::ok("private.hosts", "no private host to reach")];
    }
    reaches
        .iter()
        .map(|r| {
            let via = r
                .via_proxy
                .as_deref()
                .map_or_else(String::new, |p| format!(" through the proxy {p}"));
            match &r.result {
                Ok(status) => Check::ok(
                    "private.hosts",
                    format!("{} answers HTTPS{via} (HTTP {status})", r.host),
                )
                .took(r.ms),
                Err(why) => Check::new(
                    "private.hosts",
                    Severity::Warn,
                    format!("{} is not reachable over HTTPS{via}", r.host),
                )
                .detail(format!(
                    "https://{}/?go-get=1: {why}; go fetches these modules directly from their repositories, starting with this request, so they cannot be downloaded from here",
                    r.host
                ))
                .hint("connect to the network or VPN that reaches it, or check HTTPS_PROXY/NO_PROXY"),
            }
        })
        .collect()
}

/// `private.auth`: credentials for each private host, from .netrc or GOAUTH. Never prints them.
pub fn auth_checks(hosts: &[String], netrc: &[NetrcEntry], goauth: &str) -> Vec<Check> {
    if hosts.is_empty() {
        return vec![Check::ok(
            "private.auth",
            "no private host needs credentials",
        )];
    }
    // What go's GOAUTH runs (empty: a go before 1.24, which reads .netrc). An unusable value
    // runs nothing (go stops at its first https request; settings.values tells why).
    let methods = crate::syntax::goauth::parse(goauth).unwrap_or_default();
    let reads_netrc = methods.iter().any(|m| matches!(m, AuthMethod::Netrc));
    let goauth_provides = methods
        .iter()
        .any(|m| matches!(m, AuthMethod::Git { .. } | AuthMethod::Command { .. }));
    hosts
        .iter()
        .map(|host| {
            let entry = netrc.iter().find(|e| &e.machine == host);
            match entry {
                Some(e) if reads_netrc => Check::ok("private.auth", format!("{host}: credentials in .netrc (login {})", e.login)),
                _ if goauth_provides => Check::ok("private.auth", format!("{host}: GOAUTH provides credentials")),
                // go reads .netrc only when GOAUTH lists `netrc`, its default.
                Some(_) => Check::new("private.auth", Severity::Warn, format!("{host}: .netrc has a login, but GOAUTH={goauth} keeps go from sending it"))
                    .detail("go reads .netrc only when GOAUTH lists `netrc` (its default); if the host's repositories are private, go fails with \"terminal prompts disabled\" or 401/404 errors")
                    .hint(crate::shellrc::env_unset(&["GOAUTH"]))
                    .cause("goauth:no-netrc"),
                None => Check::new("private.auth", Severity::Warn, format!("{host}: no credentials in .netrc or GOAUTH"))
                    .detail("if its repositories are private, go fails with \"terminal prompts disabled\" or 401/404 errors")
                    .hint(causes::PROXY_AUTH.fix.replace("HOST", host)),
            }
        })
        .collect()
}

/// `private.leak`: requirements of the current module whose paths look private but would be
/// requested from a public proxy or checked against the public checksum database.
/// `routes` are the planned routes of those requirements (`None` outside a module).
pub fn leak_checks(routes: Option<&[crate::fetch::plan::Route]>, goprivate: &str) -> Vec<Check> {
    let Some(routes) = routes else {
        return vec![Check::ok(
            "private.leak",
            "no go.mod here: no requirements to check for leaks",
        )];
    };
    let leaking: Vec<(&crate::fetch::plan::Route, &Finding)> = routes
        .iter()
        .filter_map(|r| {
            Some((
                r,
                r.findings.iter().find(|f| f.code == "route.private-leak")?,
            ))
        })
        .collect();
    // One GOPRIVATE for every leak: a command per module, each built from today's value, would
    // undo the one before it when both are applied.
    let mut globs: Vec<String> = goprivate
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    for (r, _) in &leaking {
        let pattern = crate::fetch::plan::private_pattern(&r.module);
        if !globs.contains(&pattern) {
            globs.push(pattern);
        }
    }
    let hint = crate::shellrc::env_set(&[("GOPRIVATE", &globs.join(","))]);
    let leaks: Vec<Check> = leaking
        .iter()
        .map(|(r, f)| {
            Check::new(
                "private.leak",
                Severity::Warn,
                format!("{} looks private but is not in GOPRIVATE", r.module),
            )
            .detail(f.message.clone())
            .hint(hint.clone())
        })
        .collect();
    if leaks.is_empty() {
        vec![Check::ok(
            "private.leak",
            format!(
                "none of the {} required modules looks private and public-bound",
                routes.len()
            ),
        )]
    } else {
        leaks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn auth(netrc: &[(&str, &str)], goauth: &str) -> Check {
        let entries: Vec<NetrcEntry> = netrc
            .iter()
            .map(|(m, l)| NetrcEntry {
                machine: m.to_string(),
                login: l.to_string(),
                password: "s3cret".to_string(),
            })
            .collect();
        let mut checks = auth_checks(&["git.corp.example".to_string()], &entries, goauth);
        assert_eq!(checks.len(), 1);
        checks.remove(0)
    }

    #[test]
    fn netrc_counts_only_when_goauth_reads_it() {
        let login = [("git.corp.example", "alice")];
        // Before go 1.24 (no GOAUTH) and with GOAUTH's default, go sends the .netrc login.
        for goauth in ["", "netrc", "netrc; git /tmp"] {
            let c = auth(&login, goauth);
            assert_eq!(c.status, Severity::Ok, "{goauth}: {c:?}");
            assert!(c.title.contains("login alice"), "{}", c.title);
        }
        // GOAUTH=off sends nothing, .netrc included: the login there is not used.
        let c = auth(&login, "off");
        assert_eq!(c.status, Severity::Warn);
        assert!(c.title.contains("GOAUTH=off"), "{}", c.title);
        assert_eq!(c.hint.as_deref(), Some("godoctor env unset GOAUTH"));
        assert!(!c.title.contains("s3cret") && !c.detail.contains("s3cret"));
        // A git or command method provides them instead.
        for goauth in ["git /tmp", "/usr/local/bin/token-helper --scope read"] {
            let c = auth(&login, goauth);
            assert_eq!(c.status, Severity::Ok, "{goauth}: {c:?}");
            assert!(c.title.contains("GOAUTH provides"), "{}", c.title);
        }
        // Nothing for this host anywhere.
        let c = auth(&[("other.example", "bob")], "netrc");
        assert_eq!(c.status, Severity::Warn);
        assert!(c.title.contains("no credentials"), "{}", c.title);
    }
}
