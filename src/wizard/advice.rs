//! Texts the wizard shows, built purely from values: an example module path each private
//! pattern matches (checked with go's own matching rules), the `.netrc` lines to add (never a
//! password), the risk of turning checksum verification off, and the equivalent
//! non-interactive command.

use crate::goenv::write::Change;
use crate::redact::redact;
use crate::syntax::patterns::match_prefix_patterns;

/// A public module path used to show that the patterns leave public modules alone.
const PUBLIC_EXAMPLE: &str = "golang.org/x/text";

/// Turn one glob element into literal text that it matches: `*` → `example`, `?` → `x`,
/// `[abc]` → `a`, `\c` → `c`. `None` when the element cannot be turned into an example
/// (a negated class, a malformed glob).
fn example_element(glob: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str("example"),
            '?' => out.push('x'),
            '\\' => out.push(chars.next()?),
            '[' => {
                let first = chars.next()?;
                if first == '^' || first == ']' {
                    return None;
                }
                let first = if first == '\\' { chars.next()? } else { first };
                out.push(first);
                // Skip the rest of the class.
                loop {
                    match chars.next()? {
                        ']' => break,
                        '\\' => {
                            chars.next()?;
                        }
                        _ => {}
                    }
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// For each pattern of a GOPRIVATE value: an example module path and the pattern go matches
/// it with (verified with go's matching rules, so the line cannot lie), plus a line saying
/// whether a well-known public module stays public.
pub fn pattern_examples(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for glob in value.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        let glob = glob.trim_end_matches('/');
        let example = glob
            .split('/')
            .map(example_element)
            .collect::<Option<Vec<String>>>()
            .map(|parts| format!("{}/tools", parts.join("/")));
        match example.as_deref() {
            Some(e) => match match_prefix_patterns(value, e) {
                Some(m) => out.push(format!("✓ {e} is private (matches {m})")),
                None => out.push(format!(
                    "! {glob}: go matches no module path with it (is it malformed?)"
                )),
            },
            None => out.push(format!(
                "• {glob}: no example shown; test a path with `godoctor route PATH`"
            )),
        }
    }
    match match_prefix_patterns(value, PUBLIC_EXAMPLE) {
        Some(m) => out.push(format!(
            "! {PUBLIC_EXAMPLE} would be private too (matches {m}): public modules would skip the proxy and checksum database"
        )),
        None => out.push(format!("✓ {PUBLIC_EXAMPLE} stays public")),
    }
    out
}

/// The literal hosts of a GOPRIVATE value (first element without glob characters and with a
/// dot): where go or git will need credentials when fetching directly.
pub fn pattern_hosts(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for glob in value.split(',').map(str::trim) {
        let host = glob.split('/').next().unwrap_or("");
        if host.contains('.')
            && !host.contains(['*', '?', '[', '\\'])
            && !out.iter().any(|h| h == host)
        {
            out.push(host.to_string());
        }
    }
    out
}

/// What to put in `~/.netrc` for `hosts`: hosts that already have an entry are confirmed (with
/// the login, never the password); the others get a line with placeholders.
pub fn netrc_lines(
    hosts: &[String],
    existing: &[(String, String)],
    logins: &[(String, String)],
) -> Vec<String> {
    if hosts.is_empty() {
        return vec![
            "no host to log in to was found in your answers: add `machine HOST login USER password TOKEN` lines to ~/.netrc for your private hosts"
                .into(),
        ];
    }
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for h in hosts {
        match existing.iter().find(|(m, _)| m == h) {
            Some((_, login)) => out.push(format!(
                "✓ ~/.netrc already has an entry for {h} (login {login})"
            )),
            None => missing.push(h),
        }
    }
    if !missing.is_empty() {
        out.push(
            "add to ~/.netrc (then `chmod 600 ~/.netrc`); use an access token as the password:"
                .into(),
        );
        for h in missing {
            let user = logins
                .iter()
                .find(|(lh, _)| lh == h)
                .map_or("YOUR_USER", |(_, u)| u.as_str());
            out.push(format!("    machine {h} login {user} password YOUR_TOKEN"));
        }
        out.push("go reads ~/.netrc for proxies and for direct https fetches; git needs the same login for direct fetches (a credential helper or ~/.netrc)".into());
    }
    out
}

/// Why `GOSUMDB=off` is risky, worded for the situation.
pub fn sumdb_off_risk(private: bool) -> Vec<String> {
    let mut out = vec![
        "With GOSUMDB=off go accepts whatever a proxy or a version control host serves for a new module version: a compromised or tampering mirror can give you different code than everyone else gets, and nothing notices.".to_string(),
        "go.sum still protects versions already recorded in it, but every new dependency and every upgrade is unverified.".to_string(),
    ];
    if private {
        out.push("Private modules do not need it: GOPRIVATE already keeps them away from the checksum database.".into());
    } else {
        out.push("If the checksum database is only blocked, sum.golang.google.cn or a proxy that proxies it keeps verification on.".into());
    }
    out
}

/// The `godoctor env set … / env unset …` commands that make the same changes without
/// questions (redacted).
pub fn equivalent_command(changes: &[Change]) -> Option<String> {
    let sets: Vec<String> = changes
        .iter()
        .filter_map(|c| {
            c.value
                .as_ref()
                .map(|v| format!("{}={}", c.name, crate::shellrc::shell_quote(v)))
        })
        .collect();
    let unsets: Vec<&str> = changes
        .iter()
        .filter(|c| c.value.is_none())
        .map(|c| c.name.as_str())
        .collect();
    let mut parts = Vec::new();
    if !sets.is_empty() {
        parts.push(format!("godoctor env set {}", sets.join(" ")));
    }
    if !unsets.is_empty() {
        parts.push(format!("godoctor env unset {}", unsets.join(" ")));
    }
    (!parts.is_empty()).then(|| redact(&parts.join(" && ")))
}

/// What to run instead of the wizard where nothing can be asked (CI, pipes).
pub fn non_interactive_equivalents() -> Vec<(String, String)> {
    [
        (
            "godoctor profile apply official --yes",
            "Go's defaults (proxy.golang.org, sum.golang.org)",
        ),
        (
            "godoctor profile apply china-mirror --yes",
            "goproxy.cn and sum.golang.google.cn",
        ),
        (
            "godoctor profile apply corporate --set proxy=URL --set private=PATTERNS --yes",
            "a company proxy and private modules",
        ),
        (
            "godoctor profile apply NAME --yes",
            "a profile saved at the end of an earlier `godoctor setup`",
        ),
        (
            "godoctor env set GOPROXY=URL,direct GOSUMDB=sum.golang.org",
            "any values, validated",
        ),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

/// How a URL being typed is echoed, so a password never appears on the screen, not even while
/// it is typed: once an `@` ends the user info the password shows as `***`; before that, the
/// text after a `:` in the host part is masked unless it is a port (digits only).
pub fn mask_url_input(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return text.to_string();
    };
    let rest = &text[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return redact(text);
    }
    match authority.rfind(':') {
        Some(colon) if !authority[colon + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            let hidden = authority.len() - colon - 1;
            format!(
                "{}{}{}",
                &text[..start + colon + 1],
                "*".repeat(hidden),
                &rest[end..]
            )
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_urls_never_show_a_password() {
        let typed = "http://bob:hunter2@127.0.0.1:8080/go";
        for n in 0..=typed.len() {
            let shown = mask_url_input(&typed[..n]);
            for k in 2..=7 {
                assert!(!shown.contains(&"hunter2"[..k]), "{n}: {shown}");
            }
        }
        assert_eq!(mask_url_input(typed), "http://bob:***@127.0.0.1:8080/go");
        assert_eq!(
            mask_url_input("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(mask_url_input("proxy.example:x"), "proxy.example:x");
        assert_eq!(mask_url_input("https://u:pw"), "https://u:**");
    }

    #[test]
    fn examples_match_with_gos_rules() {
        let lines = pattern_examples("git.corp.example,github.com/acme-*/[a-c]x?");
        assert_eq!(
            lines[0],
            "✓ git.corp.example/tools is private (matches git.corp.example)"
        );
        assert_eq!(
            lines[1],
            "✓ github.com/acme-example/axx/tools is private (matches github.com/acme-*/[a-c]x?)"
        );
        assert_eq!(lines[2], "✓ golang.org/x/text stays public");
    }

    #[test]
    fn broad_patterns_are_called_out() {
        let lines = pattern_examples("*.org");
        assert!(
            lines
                .last()
                .is_some_and(|l| l.starts_with("! golang.org/x/text would be private")),
            "{lines:?}"
        );
    }

    #[test]
    fn malformed_and_negated_globs() {
        let lines = pattern_examples("corp.example/[^x]");
        assert!(
            lines[0].starts_with("• corp.example/[^x]: no example"),
            "{lines:?}"
        );
        let lines = pattern_examples("corp.example/[");
        assert!(lines[0].starts_with("• "), "{lines:?}");
    }

    #[test]
    fn hosts_from_patterns() {
        assert_eq!(
            pattern_hosts("git.corp.example/team,*.corp.example,github.com/acme/*,nodot"),
            vec!["git.corp.example", "github.com"]
        );
    }

    #[test]
    fn netrc_guidance_never_has_a_password() {
        let lines = netrc_lines(
            &["proxy.corp.example".into(), "git.corp.example".into()],
            &[("git.corp.example".into(), "bob".into())],
            &[("proxy.corp.example".into(), "alice".into())],
        );
        assert!(
            lines
                .iter()
                .any(|l| l == "✓ ~/.netrc already has an entry for git.corp.example (login bob)")
        );
        assert!(
            lines
                .iter()
                .any(|l| l == "    machine proxy.corp.example login alice password YOUR_TOKEN")
        );
    }

    #[test]
    fn equivalent_commands_quote_and_redact() {
        let c = equivalent_command(&[
            Change {
                name: "GOPROXY".into(),
                value: Some("http://127.0.0.1:1,direct".into()),
            },
            Change {
                name: "GOPRIVATE".into(),
                value: Some("*.corp.example".into()),
            },
            Change {
                name: "GONOSUMDB".into(),
                value: None,
            },
        ]);
        assert_eq!(
            c.as_deref(),
            Some(
                "godoctor env set GOPROXY=http://127.0.0.1:1,direct GOPRIVATE='*.corp.example' && godoctor env unset GONOSUMDB"
            )
        );
        assert_eq!(equivalent_command(&[]), None);
        let c = equivalent_command(&[Change {
            name: "GOPROXY".into(),
            value: Some("https://u:pw@h".into()),
        }]);
        assert!(!c.unwrap_or_default().contains("pw"));
    }
}
