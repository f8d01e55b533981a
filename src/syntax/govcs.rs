//! GOVCS: which version control tools go may run for direct fetches, parsed and applied like
//! cmd/go/internal/vcs (`parseGOVCS`, `govcsConfig.allow`, `checkGOVCS`).
//!
//! Go's rules: comma-separated `pattern:vcs|vcs…` rules (spaces around parts trimmed); the
//! pattern is `private`, `public` or a module path glob (MatchPrefixPatterns); the first rule
//! whose pattern matches decides; `all` allows every tool; go's defaults
//! `private:all,public:git|hg` are appended; "private" means matching GOPRIVATE. Errors appear
//! only when go is about to run a VCS tool.

use super::patterns::match_prefix_patterns;
use crate::finding::Finding;
use serde::Serialize;

/// One `pattern:vcs|vcs` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GovcsRule {
    pub pattern: String,
    pub allowed: Vec<String>,
}

/// The tools go knows (`all` allows every one; `off` is documented as matching none).
const KNOWN_VCS: [&str; 7] = ["git", "hg", "svn", "bzr", "fossil", "all", "off"];

/// Parse like `parseGOVCS`; Err is go's message.
pub fn parse(value: &str) -> Result<Vec<GovcsRule>, String> {
    let s = value.trim();
    if s.is_empty() {
        return Ok(vec![]);
    }
    let mut rules: Vec<GovcsRule> = Vec::new();
    let mut have: Vec<(String, String)> = Vec::new();
    for item in s.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err("empty entry in GOVCS".into());
        }
        let Some((pattern, list)) = item.split_once(':') else {
            return Err(format!(
                "malformed entry in GOVCS (missing colon): {item:?}"
            ));
        };
        let (pattern, list) = (pattern.trim(), list.trim());
        if pattern.is_empty() {
            return Err(format!("empty pattern in GOVCS: {item:?}"));
        }
        if list.is_empty() {
            return Err(format!("empty VCS list in GOVCS: {item:?}"));
        }
        if pattern.starts_with("./")
            || pattern.starts_with("../")
            || pattern == "."
            || pattern == ".."
        {
            return Err(format!(
                "relative pattern not allowed in GOVCS: {pattern:?}"
            ));
        }
        if let Some((_, old)) = have.iter().find(|(p, _)| p == pattern) {
            return Err(format!(
                "unreachable pattern in GOVCS: {item:?} after {old:?}"
            ));
        }
        have.push((pattern.to_string(), item.to_string()));
        let mut allowed = Vec::new();
        for a in list.split('|') {
            let a = a.trim();
            if a.is_empty() {
                return Err(format!("empty VCS name in GOVCS: {item:?}"));
            }
            allowed.push(a.to_string());
        }
        rules.push(GovcsRule {
            pattern: pattern.to_string(),
            allowed,
        });
    }
    Ok(rules)
}

/// Whether go may run `vcs` (git, hg, svn, bzr, fossil) for repository root `root` under the
/// rules of `govcs` plus go's defaults; `goprivate` decides private vs public.
/// Err is go's message (a malformed GOVCS, or "GOVCS disallows using …").
pub fn check_allowed(govcs: &str, goprivate: &str, root: &str, vcs: &str) -> Result<(), String> {
    let mut rules = parse(govcs)?;
    rules.push(GovcsRule {
        pattern: "private".into(),
        allowed: vec!["all".into()],
    });
    rules.push(GovcsRule {
        pattern: "public".into(),
        allowed: vec!["git".into(), "hg".into()],
    });
    let private = match_prefix_patterns(goprivate, root).is_some();
    let allowed = rules
        .iter()
        .find(|r| match r.pattern.as_str() {
            "private" => private,
            "public" => !private,
            p => match_prefix_patterns(p, root).is_some(),
        })
        .is_some_and(|r| r.allowed.iter().any(|a| a == vcs || a == "all"));
    if allowed {
        Ok(())
    } else {
        let what = if private { "private" } else { "public" };
        Err(format!(
            "GOVCS disallows using {vcs} for {what} {root}; see 'go help vcs'"
        ))
    }
}

/// Check a GOVCS value.
pub fn check(value: &str) -> Vec<Finding> {
    let rules = match parse(value) {
        Ok(r) => r,
        Err(e) => {
            return vec![
                Finding::error("govcs.invalid", format!("every direct fetch through a version control tool fails with: go: {e}"))
                    .with_hint("write rules as pattern:vcs|vcs, separated by commas: GOVCS=private:all,public:git|hg"),
            ];
        }
    };
    let mut out = Vec::new();
    for r in &rules {
        for a in &r.allowed {
            if !KNOWN_VCS.contains(&a.as_str()) {
                out.push(
                    Finding::warning(
                        "govcs.unknown-vcs",
                        format!("GOVCS rule {}: {a:?} is not a tool go knows (git, hg, svn, bzr, fossil, all, off), so it allows nothing.", r.pattern),
                    )
                    .with_hint("use git, hg, svn, bzr, fossil, all or off"),
                );
            }
        }
        if r.pattern == "public"
            && r.allowed
                .iter()
                .any(|a| a == "all" || a == "svn" || a == "bzr" || a == "fossil")
        {
            out.push(Finding::warning(
                "govcs.public-all",
                "GOVCS allows more than git and hg for public modules; go restricts them by default because the other tools have a history of remote code execution bugs.",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_like_go() {
        let cases = [
            ("a.com:git,", "empty entry in GOVCS"),
            (
                "a.com",
                "malformed entry in GOVCS (missing colon): \"a.com\"",
            ),
            (":git", "empty pattern in GOVCS: \":git\""),
            ("a.com:", "empty VCS list in GOVCS: \"a.com:\""),
            ("./x:git", "relative pattern not allowed in GOVCS: \"./x\""),
            (
                "a.com:git,a.com:hg",
                "unreachable pattern in GOVCS: \"a.com:hg\" after \"a.com:git\"",
            ),
            (
                "a.com:git||hg",
                "empty VCS name in GOVCS: \"a.com:git||hg\"",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(parse(v).err().as_deref(), Some(want), "{v}");
        }
        assert_eq!(
            parse(" private:all , public : git|hg "),
            Ok(vec![
                GovcsRule {
                    pattern: "private".into(),
                    allowed: vec!["all".into()]
                },
                GovcsRule {
                    pattern: "public".into(),
                    allowed: vec!["git".into(), "hg".into()]
                },
            ])
        );
    }

    #[test]
    fn allow_like_go() {
        assert!(check_allowed("", "", "github.com/x/y", "git").is_ok());
        assert_eq!(
            check_allowed("", "", "example.com/x", "svn")
                .err()
                .as_deref(),
            Some("GOVCS disallows using svn for public example.com/x; see 'go help vcs'")
        );
        assert!(check_allowed("", "example.com", "example.com/x", "svn").is_ok());
        assert!(check_allowed("example.com:svn", "", "example.com/x", "svn").is_ok());
        assert!(check_allowed("example.com:off", "", "example.com/x", "git").is_err());
        assert!(check_allowed("*:all", "", "example.com/x", "fossil").is_ok());
    }

    #[test]
    fn findings() {
        assert_eq!(check("a.com")[0].code, "govcs.invalid");
        assert_eq!(check("a.com:gti")[0].code, "govcs.unknown-vcs");
        assert_eq!(check("public:all")[0].code, "govcs.public-all");
        assert!(check("private:all,public:git|hg").is_empty());
        assert!(check("").is_empty());
    }
}
