//! Module path pattern lists (GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE): matching exactly as
//! golang.org/x/mod/module.MatchPrefixPatterns does, and the mistakes Go silently accepts.
//!
//! Go's rules: the list is split on `,` (no trimming of spaces), empty entries are skipped, one
//! trailing `/` is removed, and a glob with N slashes is matched with `path.Match` against the
//! first N+1 `/`-separated elements of the module path. A malformed glob is an error inside
//! `path.Match` that cmd/go ignores, so the glob just never matches.

use super::pathmatch::{is_bad_pattern, path_match};
use crate::finding::Finding;

/// The four variables holding pattern lists.
pub const PATTERN_VARS: [&str; 4] = ["GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE"];

/// Port of `module.MatchPrefixPatterns`: the first glob of the comma-separated `globs` that
/// matches a leading prefix of `target`, as go sees it (trailing `/` already removed), or
/// `None` when go would say "no match".
pub fn match_prefix_patterns<'a>(globs: &'a str, target: &str) -> Option<&'a str> {
    globs.split(',').find_map(|glob| {
        let glob = glob.strip_suffix('/').unwrap_or(glob);
        (!glob.is_empty() && glob_matches_prefix(glob, target)).then_some(glob)
    })
}

/// Whether one glob (already trimmed of its trailing `/`) matches a prefix of `target`.
fn glob_matches_prefix(glob: &str, target: &str) -> bool {
    // A glob with N+1 path elements (N slashes) is matched against the first N+1 elements
    // of the target, which end just before the N+1'th slash.
    let mut n = glob.bytes().filter(|&b| b == b'/').count();
    let mut prefix = target;
    for (i, b) in target.bytes().enumerate() {
        if b == b'/' {
            if n == 0 {
                prefix = &target[..i];
                break;
            }
            n -= 1;
        }
    }
    if n > 0 {
        // Not enough prefix elements.
        return false;
    }
    // Go discards the ErrBadPattern: a malformed glob matches nothing.
    path_match(glob, prefix).unwrap_or(false)
}

/// Check a pattern list value of `name` (one of [`PATTERN_VARS`]) for mistakes go accepts
/// silently.
pub fn check(name: &str, value: &str) -> Vec<Finding> {
    analyse(name, value).0
}

/// The value of `name` with every mistake [`check`] can mend mended (schemes, versions,
/// spaces, empty elements, `/...`, upper-case hosts), when some error made a pattern never
/// match: the one value every fix for those errors proposes. `Some("")` when nothing is left.
pub fn corrected(name: &str, value: &str) -> Option<String> {
    let (findings, fixed) = analyse(name, value);
    findings
        .iter()
        .any(|f| f.severity == crate::finding::Severity::Error)
        .then_some(fixed)
        .filter(|fixed| fixed != value)
}

/// The findings for `value`, and the value with the obvious corrections made.
fn analyse(name: &str, value: &str) -> (Vec<Finding>, String) {
    let mut out = Vec::new();
    let entries: Vec<&str> = value.split(',').collect();
    let mut corrected: Vec<String> = Vec::new();
    let mut empty = 0;
    for raw in &entries {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            if !raw.is_empty() {
                out.push(
                    Finding::warning(
                        "patterns.space",
                        format!("{name} has an entry made only of spaces; go keeps it as a pattern that matches nothing."),
                    )
                    .with_hint("remove the spaces between the commas"),
                );
            } else if !value.is_empty() {
                empty += 1;
            }
            continue;
        }
        let fixed = check_glob(name, raw, &mut out);
        corrected.push(fixed.unwrap_or_else(|| trimmed.to_string()));
    }
    if empty > 0 {
        out.push(
            Finding::info(
                "patterns.empty-entry",
                format!(
                    "{name} has {empty} empty entr{} (extra commas); go skips them.",
                    if empty == 1 { "y" } else { "ies" }
                ),
            )
            .with_hint(format!("{name}={}", corrected.join(","))),
        );
    }
    if entries.iter().any(|e| e.trim() == "none")
        && entries.iter().filter(|e| !e.trim().is_empty()).count() > 1
    {
        out.push(
            Finding::warning(
                "patterns.none-combined",
                format!("`none` in {name} is not a keyword that cancels the other patterns: go treats it as a glob matching a module named \"none\", and the other patterns still apply."),
            )
            .with_hint(format!("use `{name}=none` alone to match nothing, or drop `none`")),
        );
    }
    // Offer the whole corrected value once, when some fix changed a pattern.
    let fixed_value = corrected.join(",");
    if !fixed_value.is_empty() {
        for f in out.iter_mut().filter(|f| f.code == "patterns.space") {
            f.hint = Some(format!("remove the white space: {name}={fixed_value}"));
        }
    }
    if out
        .iter()
        .any(|f| f.severity == crate::finding::Severity::Error)
        && fixed_value != value
        && !fixed_value.is_empty()
    {
        out.push(
            Finding::info(
                "patterns.corrected",
                format!("{name} with the mistakes above fixed: {fixed_value}"),
            )
            .with_hint(crate::shellrc::env_set(&[(name, &fixed_value)])),
        );
    }
    (out, fixed_value)
}

/// Check one raw glob (non-blank); push findings, return a corrected glob if one is obvious.
fn check_glob(name: &str, raw: &str, out: &mut Vec<Finding>) -> Option<String> {
    let mut fixed = raw.trim().to_string();
    let mut changed = false;
    if raw.chars().any(char::is_whitespace) {
        let shown = raw.replace(' ', "␠");
        out.push(
            Finding::error(
                "patterns.space",
                format!("{name} pattern {shown:?} contains white space; go does not trim it, and module paths never contain spaces, so it never matches."),
            )
            .with_hint("write the list without spaces: GOPRIVATE=a.example.com,b.example.com"),
        );
        fixed = fixed.split_whitespace().collect::<Vec<_>>().join("");
        changed = true;
    }
    if let Some(pos) = fixed.find("://") {
        out.push(
            Finding::error(
                "patterns.scheme",
                format!("{name} pattern {:?} has a URL scheme; patterns match module paths like github.com/corp, which never contain one, so it never matches.", crate::redact::redact(raw.trim())),
            )
            .with_hint(format!("use {}", crate::redact::redact(&fixed[pos + 3..]))),
        );
        fixed = fixed[pos + 3..].to_string();
        changed = true;
    }
    if let Some(at) = fixed.find('@') {
        out.push(
            Finding::error(
                "patterns.version",
                format!("{name} pattern {:?} contains '@'; patterns match module paths without versions, so it never matches.", crate::redact::redact(raw.trim())),
            )
            .with_hint(format!("use {}", &fixed[..at])),
        );
        fixed.truncate(at);
        changed = true;
    }
    let glob = fixed.strip_suffix('/').unwrap_or(&fixed).to_string();
    if fixed.ends_with('/') && !glob.ends_with('/') && !glob.is_empty() {
        out.push(Finding::info(
            "patterns.trailing-slash",
            format!("{name} pattern {fixed:?} ends in '/'; go removes one trailing slash, so this is the same as {glob:?}."),
        ));
    }
    if glob.split('/').any(str::is_empty) && !glob.is_empty() {
        out.push(
            Finding::error(
                "patterns.empty-element",
                format!("{name} pattern {fixed:?} has an empty path element (a leading '/' or '//'); module paths have none, so it never matches."),
            )
            .with_hint(format!("use {}", glob.split('/').filter(|e| !e.is_empty()).collect::<Vec<_>>().join("/"))),
        );
        fixed = glob
            .split('/')
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        changed = true;
    }
    if let Some(base) = glob.strip_suffix("/...") {
        out.push(
            Finding::error(
                "patterns.dots",
                format!("{name} pattern {glob:?} uses the package wildcard '...', which path.Match does not know; it only matches a path element literally named \"...\"."),
            )
            .with_hint(format!("use {base}: a pattern already matches every module path below it")),
        );
        fixed = base.to_string();
        changed = true;
    } else if glob.contains("...") {
        out.push(Finding::warning(
            "patterns.dots",
            format!("{name} pattern {glob:?} contains '...', which path.Match treats literally (use '*' for one path element)."),
        ));
    }
    let host = glob.split('/').next().unwrap_or("");
    if host.chars().any(|c| c.is_ascii_uppercase()) {
        out.push(
            Finding::error(
                "patterns.case",
                format!("{name} pattern {glob:?} has upper-case letters in the host; module paths start with a lower-case host (go rejects others as malformed), and matching is case-sensitive, so it never matches."),
            )
            .with_hint(format!("use {}", glob.replacen(host, &host.to_ascii_lowercase(), 1))),
        );
        fixed = fixed.replacen(host, &host.to_ascii_lowercase(), 1);
        changed = true;
    }
    if is_bad_pattern(&glob) {
        out.push(
            Finding::error(
                "patterns.bad-glob",
                format!("{name} pattern {glob:?} is a malformed glob (path.Match: syntax error in pattern); go silently ignores it, so it never matches."),
            )
            .with_hint("check the brackets and backslashes: `[` needs a closing `]`, ranges are like [a-z], and `\\` must escape a character"),
        );
    } else if is_broad(&glob) {
        out.push(
            Finding::warning(
                "patterns.broad",
                format!("{name} pattern {glob:?} matches every module path{}", broad_consequence(name)),
            )
            .with_hint("list only your own hosts or organisations, e.g. *.corp.example.com,github.com/your-org"),
        );
    }
    if glob == "none" && (name == "GOPRIVATE" || name == "GOINSECURE") {
        out.push(Finding::info(
            "patterns.none",
            format!("`none` has no special meaning in {name}; it is a glob that matches no real module, so it has the same effect as an empty {name}."),
        ));
    }
    changed.then_some(fixed)
}

/// A single-element glob whose element matches any host name: every module path matches.
fn is_broad(glob: &str) -> bool {
    !glob.contains('/')
        && [
            "github.com",
            "golang.org",
            "example.com",
            "gopkg.in",
            "go.uber.org",
            "k8s.io",
        ]
        .iter()
        .all(|h| path_match(glob, h).unwrap_or(false))
}

fn broad_consequence(name: &str) -> &'static str {
    match name {
        "GOPRIVATE" => {
            ": go then bypasses the proxy and skips checksum verification for all modules."
        }
        "GONOSUMDB" => ": go then skips checksum database verification for all modules.",
        "GONOPROXY" => {
            ": go then fetches every module directly from its origin, never through GOPROXY."
        }
        "GOINSECURE" => {
            ": go then allows plain HTTP and unverified certificates for every direct fetch."
        }
        _ => ".",
    }
}

/// Every glob of the list `globs` that nearly matches `target`, with the reason it does not
/// (see [`near_miss`]). Empty when one glob matches or none is close.
pub fn near_misses<'a>(globs: &'a str, target: &str) -> Vec<(&'a str, String)> {
    if match_prefix_patterns(globs, target).is_some() {
        return vec![];
    }
    globs
        .split(',')
        .filter_map(|g| near_miss(g, target).map(|why| (g, why)))
        .collect()
}

/// Why a glob that looks like it should match `target` does not (a "near miss"), or `None`
/// when it matches or is not close. Used by `route` to explain a surprising route.
pub fn near_miss(glob: &str, target: &str) -> Option<String> {
    let trimmed_glob = glob.strip_suffix('/').unwrap_or(glob);
    if trimmed_glob.is_empty() || glob_matches_prefix(trimmed_glob, target) {
        return None;
    }
    let clean = trimmed_glob.trim();
    if clean != trimmed_glob && !clean.is_empty() && glob_matches_prefix(clean, target) {
        return Some(format!(
            "pattern {glob:?} has white space around it; go compares it with the spaces, so it never matches {target}"
        ));
    }
    if let Some(pos) = clean.find("://") {
        let rest = clean[pos + 3..].trim_end_matches('/');
        if !rest.is_empty() && glob_matches_prefix(rest, target) {
            return Some(format!(
                "pattern {:?} has a URL scheme; module paths have none, so it never matches {target} (use {rest})",
                crate::redact::redact(clean)
            ));
        }
    }
    if let Some(base) = clean.strip_suffix("/...") {
        if glob_matches_prefix(base, target) {
            return Some(format!(
                "pattern {clean:?} ends in '/...', which is literal in a path.Match glob; use {base} to match {target}"
            ));
        }
    }
    if is_bad_pattern(clean) {
        let looks = clean.replace(['[', ']', '\\'], "");
        if target.starts_with(&looks)
            || looks
                .split('/')
                .next()
                .is_some_and(|h| target.starts_with(h))
        {
            return Some(format!(
                "pattern {clean:?} is a malformed glob; go ignores it, so it matches nothing (not even {target})"
            ));
        }
    }
    if clean.to_lowercase() != clean || target.to_lowercase() != target {
        let (g, t) = (clean.to_lowercase(), target.to_lowercase());
        if glob_matches_prefix(&g, &t) {
            return Some(format!(
                "pattern {clean:?} differs from {target} only in upper/lower case; path.Match is case-sensitive"
            ));
        }
    }
    let glob_elems = clean.split('/').count();
    let target_elems = target.split('/').count();
    if glob_elems > target_elems {
        let cut: Vec<&str> = clean.split('/').take(target_elems).collect();
        if path_match(&cut.join("/"), target).unwrap_or(false) {
            return Some(format!(
                "pattern {clean:?} has {glob_elems} path elements but {target} has only {target_elems}; a pattern matches only paths at least as long as itself"
            ));
        }
    }
    // Matches as a string prefix but not on element boundaries: github.com/corp vs
    // github.com/corp-tools/x.
    if target.starts_with(clean) && target.as_bytes().get(clean.len()) != Some(&b'/') {
        let n = clean.split('/').count();
        let elem: Vec<&str> = target.split('/').take(n).collect();
        return Some(format!(
            "pattern {clean:?} is a prefix of {target} as text, but patterns match whole path elements: it matches {clean}/… but not {}; add {clean}* or {} if that module is meant",
            elem.join("/"),
            elem.join("/")
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.code).collect()
    }

    // Cases from x/mod's module_test.go TestMatchPrefixPatterns.
    #[test]
    fn corrected_mends_every_pattern_that_never_matches_into_one_value() {
        let fixed = |v: &str| corrected("GOPRIVATE", v);
        assert_eq!(
            fixed("https://git.corp.example/...").as_deref(),
            Some("git.corp.example")
        );
        assert_eq!(
            fixed("https://Git.Corp.example/team,github.com/me").as_deref(),
            Some("git.corp.example/team,github.com/me")
        );
        assert_eq!(
            fixed("git.corp.example/m@v1").as_deref(),
            Some("git.corp.example/m")
        );
        // Nothing to mend, or only warnings: no corrected value.
        assert_eq!(fixed("git.corp.example"), None);
        assert_eq!(fixed("*"), None);
        // Every correction passes the checks it came from.
        for v in [
            "https://git.corp.example/...",
            "https://Git.Corp.example/team",
        ] {
            let c = fixed(v).expect("corrected");
            assert!(
                check("GOPRIVATE", &c)
                    .iter()
                    .all(|f| f.severity != crate::finding::Severity::Error),
                "{c}"
            );
        }
    }

    #[test]
    fn x_mod_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*/quote", "rsc.io/quote", true),
            ("*/quo", "rsc.io/quote", false),
            ("*/quo??", "rsc.io/quote", true),
            ("*/quo*", "rsc.io/quote", true),
            ("*quo*", "rsc.io/quote", false),
            ("rsc.io", "rsc.io/quote", true),
            ("*.io", "rsc.io/quote", true),
            ("rsc.io/", "rsc.io/quote", true),
            ("rsc", "rsc.io/quote", false),
            ("rsc*", "rsc.io/quote", true),
            ("rsc.io", "rsc.io/quote/v3", true),
            ("*/quote", "rsc.io/quote/v3", true),
            ("*/quote/", "rsc.io/quote/v3", true),
            ("*/quote/*", "rsc.io/quote/v3", true),
            ("*/quote/*/", "rsc.io/quote/v3", true),
            ("*/v3", "rsc.io/quote/v3", false),
            ("*/*/v3", "rsc.io/quote/v3", true),
            ("*/*/*", "rsc.io/quote/v3", true),
            ("*/*/*/", "rsc.io/quote/v3", true),
            ("*/*/*", "rsc.io/quote", false),
            ("*/*/*/", "rsc.io/quote", false),
            ("*/*/*,,", "rsc.io/quote", false),
            ("*/*/*,,*/quote", "rsc.io/quote", true),
            (",,*/quote", "rsc.io/quote", true),
        ];
        for (globs, target, want) in cases {
            assert_eq!(
                match_prefix_patterns(globs, target).is_some(),
                *want,
                "{globs} {target}"
            );
        }
    }

    #[test]
    fn returns_the_glob_that_matched() {
        assert_eq!(
            match_prefix_patterns("x.io,github.com/corp/", "github.com/corp/a"),
            Some("github.com/corp")
        );
        assert_eq!(
            match_prefix_patterns("github.com/corp", "github.com/corp-tools/x"),
            None
        );
        assert_eq!(
            match_prefix_patterns("a.com, github.com/corp", "github.com/corp/x"),
            None
        );
        assert_eq!(
            match_prefix_patterns("github.com/[corp", "github.com/[corp"),
            None
        );
    }

    #[test]
    fn space_after_comma() {
        let f = check("GOPRIVATE", "git.corp.com, github.com/corp");
        assert!(codes(&f).contains(&"patterns.space"));
        assert_eq!(
            f[0].hint.as_deref(),
            Some("remove the white space: GOPRIVATE=git.corp.com,github.com/corp")
        );
        assert!(f.iter().any(|f| f.hint.as_deref()
            == Some("godoctor env set GOPRIVATE=git.corp.com,github.com/corp")));
    }

    #[test]
    fn scheme_and_version() {
        assert!(codes(&check("GONOPROXY", "https://git.corp.com")).contains(&"patterns.scheme"));
        assert!(
            codes(&check("GONOPROXY", "github.com/corp/x@v1.0.0")).contains(&"patterns.version")
        );
    }

    #[test]
    fn trailing_slash_is_only_info() {
        let f = check("GOPRIVATE", "github.com/corp/");
        assert_eq!(codes(&f), vec!["patterns.trailing-slash"]);
        assert!(
            codes(&check("GOPRIVATE", "github.com/corp//")).contains(&"patterns.empty-element")
        );
        assert!(codes(&check("GOPRIVATE", "/github.com/corp")).contains(&"patterns.empty-element"));
    }

    #[test]
    fn bad_glob_broad_none_dots() {
        assert!(codes(&check("GOPRIVATE", "github.com/[corp")).contains(&"patterns.bad-glob"));
        assert!(codes(&check("GONOSUMDB", "*")).contains(&"patterns.broad"));
        assert!(codes(&check("GONOSUMDB", "*.*")).contains(&"patterns.broad"));
        assert!(!codes(&check("GONOSUMDB", "*.corp.com")).contains(&"patterns.broad"));
        assert!(
            codes(&check("GOPRIVATE", "none,github.com/x")).contains(&"patterns.none-combined")
        );
        assert!(codes(&check("GONOPROXY", "none")).is_empty());
        assert!(codes(&check("GOPRIVATE", "github.com/corp/...")).contains(&"patterns.dots"));
        assert!(codes(&check("GOPRIVATE", "GitHub.com/corp")).contains(&"patterns.case"));
        assert!(!codes(&check("GOPRIVATE", "github.com/Corp")).contains(&"patterns.case"));
    }

    #[test]
    fn clean_values_have_no_findings() {
        for v in [
            "",
            "github.com/corp",
            "*.corp.example.com,rsc.io/private",
            "git.corp.com/*/internal",
        ] {
            assert!(
                check("GOPRIVATE", v).is_empty(),
                "{v}: {:?}",
                check("GOPRIVATE", v)
            );
        }
    }

    #[test]
    fn empty_entries_are_info() {
        let f = check("GOPRIVATE", "a.com,,b.com,");
        assert_eq!(codes(&f), vec!["patterns.empty-entry"]);
    }

    #[test]
    fn near_miss_reasons() {
        let m = near_miss("github.com/corp", "github.com/corp-tools/x").unwrap_or_default();
        assert!(m.contains("whole path elements"), "{m}");
        assert!(
            near_miss(" github.com/corp", "github.com/corp/x")
                .unwrap_or_default()
                .contains("white space")
        );
        assert!(
            near_miss("https://github.com/corp", "github.com/corp/x")
                .unwrap_or_default()
                .contains("scheme")
        );
        assert!(
            near_miss("github.com/corp/...", "github.com/corp/x")
                .unwrap_or_default()
                .contains("/...")
        );
        assert!(
            near_miss("github.com/Corp", "github.com/corp/x")
                .unwrap_or_default()
                .contains("case")
        );
        assert!(
            near_miss("github.com/corp/x/y", "github.com/corp/x")
                .unwrap_or_default()
                .contains("path elements")
        );
        assert!(
            near_miss("github.com/[corp", "github.com/corp/x")
                .unwrap_or_default()
                .contains("malformed")
        );
        assert_eq!(near_miss("github.com/corp", "github.com/corp/x"), None);
        let all = near_misses("a.com, github.com/corp,gitlab.com", "github.com/corp/x");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].0, " github.com/corp");
        assert!(near_misses("a.com, github.com/corp,github.com", "github.com/corp/x").is_empty());
        assert_eq!(near_miss("gitlab.com", "github.com/corp/x"), None);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Globs and paths drawn from the characters that matter to path.Match.
    fn glob_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec![
                'a', 'b', 'c', '.', '/', '*', '?', '[', ']', '\\', '^', ',', ' ', '-', 'é',
            ]),
            0..12,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn never_panics(globs in any::<String>(), target in any::<String>()) {
            let _ = match_prefix_patterns(&globs, &target);
            let _ = check("GOPRIVATE", &globs);
            let _ = near_miss(&globs, &target);
        }

        #[test]
        fn never_panics_on_glob_alphabet(globs in glob_text(), target in "[a-c./]{0,10}") {
            let _ = match_prefix_patterns(&globs, &target);
            let _ = check("GONOSUMDB", &globs);
            let _ = near_miss(&globs, &target);
        }

        /// A literal module path (no glob characters) matches itself and every path below it,
        /// and nothing that merely starts with it as text.
        #[test]
        fn literal_prefix_semantics(p in "[a-z]{1,5}(\\.[a-z]{1,3})?(/[a-z0-9]{1,4}){0,3}", tail in "[a-z0-9]{1,4}") {
            prop_assert_eq!(match_prefix_patterns(&p, &p), Some(p.as_str()));
            let below = format!("{p}/{tail}");
            prop_assert_eq!(match_prefix_patterns(&p, &below), Some(p.as_str()));
            let longer = format!("{p}{tail}");
            prop_assert_eq!(match_prefix_patterns(&p, &longer), None);
        }

        /// A list matches iff one of its globs matches alone, and the answer is that glob.
        #[test]
        fn list_is_union_of_globs(globs in proptest::collection::vec(glob_text(), 0..4), target in "[a-c./]{0,10}") {
            let joined = globs.join(",");
            let any_single = joined.split(',').find(|g| match_prefix_patterns(g, &target).is_some());
            let first = match_prefix_patterns(&joined, &target);
            prop_assert_eq!(first.is_some(), any_single.is_some());
        }

        /// A malformed glob never matches, whatever the target.
        #[test]
        fn bad_globs_never_match(g in glob_text(), target in "[a-c./*?\\[\\]]{0,10}") {
            if !g.contains(',') && is_bad_pattern(g.strip_suffix('/').unwrap_or(&g)) {
                prop_assert_eq!(match_prefix_patterns(&g, &target), None);
            }
        }

        /// path.Match's error does not depend on the name (go validates the whole pattern).
        #[test]
        fn bad_pattern_is_name_independent(g in glob_text(), name in "[a-c./]{0,8}") {
            prop_assert_eq!(path_match(&g, &name).is_err(), is_bad_pattern(&g));
        }
    }
}
