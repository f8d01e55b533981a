//! Version queries as go's `modload.Query` answers them from a proxy's `@v/list`: the highest
//! release matching `latest`, a semver prefix or a comparison, else the highest pre-release;
//! and `proxyRepo.latestFromList` for lists of pseudo-versions; the `retract` directives of a
//! go.mod and the versions they take out of a query. Pure; one Go semver
//! ([`crate::syntax::semver`]).

use super::plan::Query;
use crate::syntax::{module, semver};

/// The version go picks from an `@v/list` body: the highest release matching the query, else
/// the highest pre-release (pseudo-versions are not listed candidates).
pub fn pick(list: &str, q: &Query) -> Option<String> {
    pick_allowed(list, q, &[])
}

/// [`pick`] without the versions `retracted` covers: go's `queryMatcher.filterVersions` with
/// `CheckAllowed`, which asks each candidate version of a query (`latest`, a prefix, a
/// comparison) whether the latest version's go.mod retracts it.
pub fn pick_allowed(list: &str, q: &Query, retracted: &[Retraction]) -> Option<String> {
    let prefix = match q {
        Query::List(v) if !v.starts_with(['<', '>']) => {
            let c = module::canonical_version(v).unwrap_or_default();
            // v1 → "v1.", v1.2 → "v1.2."
            let dots = v.matches('.').count();
            let keep: Vec<&str> = c.split('.').take(dots + 1).collect();
            format!("{}.", keep.join("."))
        }
        _ => String::new(),
    };
    let mut vs: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|v| module::is_valid_semver(v) && v.starts_with(&prefix) && !is_pseudo(v))
        .filter(|v| match q {
            Query::List(c) if c.starts_with(['<', '>']) => cmp_ok(v, c),
            _ => true,
        })
        .filter(|v| retracted_by(retracted, v).is_none())
        .collect();
    vs.sort_by(|a, b| semver::compare(a, b));
    let release = vs
        .iter()
        .rev()
        .find(|v| module::parse_semver(v).is_some_and(|p| p.prerelease.is_empty()));
    release.or(vs.last()).map(|v| v.to_string())
}

fn cmp_ok(v: &str, query: &str) -> bool {
    use std::cmp::Ordering::*;
    let (op, bound) = if let Some(b) = query.strip_prefix("<=") {
        ("<=", b)
    } else if let Some(b) = query.strip_prefix(">=") {
        (">=", b)
    } else if let Some(b) = query.strip_prefix('<') {
        ("<", b)
    } else {
        (">", query.trim_start_matches('>'))
    };
    let o = semver::compare(v, bound);
    match op {
        "<=" => o != Greater,
        ">=" => o != Less,
        "<" => o == Less,
        _ => o == Greater,
    }
}

/// proxyRepo.latestFromList: the valid version with the newest time, where the time is the
/// line's second field (RFC 3339) or a pseudo-version's timestamp; tagged versions without a
/// time are ignored.
pub fn latest_from_list(list: &str) -> Option<String> {
    let mut best: Option<(String, String)> = None;
    for line in list.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let Some(v) = f.first().filter(|v| module::is_valid_semver(v)) else {
            continue;
        };
        let time: String = if let Some(t) = f.get(1) {
            t.chars().take(19).filter(char::is_ascii_digit).collect()
        } else if is_pseudo(v) {
            let core = v.split('+').next().unwrap_or(v);
            core.rsplit(['-', '.']).nth(1).unwrap_or("").to_string()
        } else {
            continue;
        };
        if time.len() == 14 && best.as_ref().is_none_or(|(bt, _)| time > *bt) {
            best = Some((time, v.to_string()));
        }
    }
    best.map(|(_, v)| v)
}

/// One `retract` directive of a go.mod: the versions from `low` to `high` (both included; equal
/// for a single version) and the author's reason (the comment on or just above the line).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Retraction {
    pub low: String,
    pub high: String,
    pub rationale: String,
}

/// The `retract` directives of a go.mod text, as x/mod's modfile parser reads them: `retract
/// v1.0.0`, `retract [v1.0.0, v1.2.0]`, and the same inside a `retract ( … )` block; versions
/// may be quoted. Lines that do not parse are skipped (go refuses such a go.mod; the verdict of
/// that is go's `.mod` check, not this filter).
pub fn retractions(gomod: &str) -> Vec<Retraction> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut above = String::new();
    for raw in gomod.lines() {
        let (code, comment) = match raw.find("//") {
            Some(i) => (&raw[..i], raw[i + 2..].trim()),
            None => (raw, ""),
        };
        let code = code.trim();
        if code.is_empty() {
            // A comment line is the rationale of the directive right below it.
            above = if comment.is_empty() {
                String::new()
            } else {
                comment.to_string()
            };
            continue;
        }
        let rationale = if comment.is_empty() {
            std::mem::take(&mut above)
        } else {
            above.clear();
            comment.to_string()
        };
        let spec = if in_block {
            if code == ")" {
                in_block = false;
                continue;
            }
            code
        } else {
            let Some(rest) = code
                .strip_prefix("retract")
                .filter(|r| r.is_empty() || r.starts_with([' ', '\t', '(', '[', '"']))
            else {
                continue;
            };
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        };
        if let Some(r) = retraction(spec, rationale) {
            out.push(r);
        }
    }
    out
}

/// `v1.0.0`, `"v1.0.0"` or `[v1.0.0, v1.2.0]`.
fn retraction(spec: &str, rationale: String) -> Option<Retraction> {
    let unquote = |v: &str| v.trim().trim_matches('"').to_string();
    let (low, high) = match spec.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(inner) => {
            let (l, h) = inner.split_once(',')?;
            (unquote(l), unquote(h))
        }
        None => (unquote(spec), unquote(spec)),
    };
    (module::is_valid_semver(&low) && module::is_valid_semver(&high)).then_some(Retraction {
        low,
        high,
        rationale,
    })
}

/// The first retraction covering `version` (`low <= version <= high`, Go semver order).
pub fn retracted_by<'a>(retracted: &'a [Retraction], version: &str) -> Option<&'a Retraction> {
    use std::cmp::Ordering::Greater;
    retracted.iter().find(|r| {
        semver::compare(&r.low, version) != Greater && semver::compare(version, &r.high) != Greater
    })
}

/// x/mod's `module.CheckPathMajor` for a module path without a `gopkg.in` suffix: a path
/// without `/vN` takes only v0 and v1 (or `+incompatible`), `/vN` only vN. go's words.
pub fn path_major_error(path: &str, version: &str) -> Option<String> {
    if version.ends_with("+incompatible") || path.starts_with("gopkg.in/") {
        return None;
    }
    let major = semver::parse(version)?.major;
    let (_, suffix) = module::split_path_version(path)?;
    let want = suffix.trim_start_matches("/v");
    let ok = if want.is_empty() {
        major == "0" || major == "1"
    } else {
        major == want
    };
    (!ok).then(|| {
        let should = if want.is_empty() {
            "v0 or v1".to_string()
        } else {
            format!("v{want}")
        };
        format!("invalid version: should be {should}, not v{major}")
    })
}

/// x/mod's `IsPseudoVersion`, close enough for list filtering: `…-yyyymmddhhmmss-abcdefabcdef`.
pub fn is_pseudo(v: &str) -> bool {
    let core = v.split('+').next().unwrap_or(v);
    let parts: Vec<&str> = core.rsplitn(3, ['-', '.']).collect();
    parts.len() == 3
        && parts[0].len() == 12
        && parts[0].bytes().all(|b| b.is_ascii_hexdigit())
        && parts[1].len() == 14
        && parts[1].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_version_must_match_the_path() {
        assert_eq!(
            path_major_error("example.com/m", "v2.0.0").as_deref(),
            Some("invalid version: should be v0 or v1, not v2")
        );
        assert_eq!(path_major_error("example.com/m", "v1.9.0"), None);
        assert_eq!(
            path_major_error("example.com/m", "v2.0.0+incompatible"),
            None
        );
        assert_eq!(path_major_error("example.com/m/v2", "v2.1.0"), None);
        assert_eq!(
            path_major_error("example.com/m/v3", "v2.1.0").as_deref(),
            Some("invalid version: should be v3, not v2")
        );
    }

    #[test]
    fn retract_directives_like_modfile() {
        let gomod = "module example.com/m\n\ngo 1.16\n\n// oops\nretract v1.0.1\nretract [v1.2.0, v1.2.9] // broken\nretract (\n\tv1.3.0 // mistake\n\t\"v1.4.0\"\n\t[v1.5.0,v1.5.3]\n)\nretracted v9.0.0\n";
        let r = retractions(gomod);
        let spans: Vec<(&str, &str, &str)> = r
            .iter()
            .map(|r| (r.low.as_str(), r.high.as_str(), r.rationale.as_str()))
            .collect();
        assert_eq!(
            spans,
            [
                ("v1.0.1", "v1.0.1", "oops"),
                ("v1.2.0", "v1.2.9", "broken"),
                ("v1.3.0", "v1.3.0", "mistake"),
                ("v1.4.0", "v1.4.0", ""),
                ("v1.5.0", "v1.5.3", ""),
            ]
        );
        assert!(retracted_by(&r, "v1.2.5").is_some());
        assert!(retracted_by(&r, "v1.2.10").is_none());
        assert!(retracted_by(&r, "v1.1.0").is_none());
        let list = "v1.0.0\nv1.1.0\nv1.2.0\nv1.3.0\n";
        let self_retracting = retractions("retract v1.3.0\nretract v1.2.0\n");
        assert_eq!(
            pick_allowed(list, &Query::Latest, &self_retracting).as_deref(),
            Some("v1.1.0")
        );
        assert_eq!(
            pick_allowed("v1.0.0\n", &Query::Latest, &retractions("retract v1.0.0")),
            None
        );
    }

    #[test]
    fn picks_like_query_latest() {
        let list = "v1.0.0\nv1.2.0\nv1.10.0-rc.1\nv1.9.1\nv0.0.0-20200101000000-abcdefabcdef\nnot-a-version\n";
        assert_eq!(pick(list, &Query::Latest).as_deref(), Some("v1.9.1"));
        assert_eq!(
            pick("v1.0.0-pre\n", &Query::Latest).as_deref(),
            Some("v1.0.0-pre")
        );
        assert_eq!(pick("", &Query::Latest), None);
        assert_eq!(
            pick(list, &Query::List("v1.2".into())).as_deref(),
            Some("v1.2.0")
        );
        assert_eq!(
            pick(list, &Query::List("v1".into())).as_deref(),
            Some("v1.9.1")
        );
        assert_eq!(
            pick(list, &Query::List("<v1.2.0".into())).as_deref(),
            Some("v1.0.0")
        );
        assert!(is_pseudo("v0.0.0-20200101000000-abcdefabcdef"));
        assert_eq!(
            latest_from_list(list).as_deref(),
            Some("v0.0.0-20200101000000-abcdefabcdef")
        );
        assert_eq!(
            latest_from_list("v1.0.0 2024-01-02T03:04:05Z\nv1.1.0 2023-01-01T00:00:00Z\n")
                .as_deref(),
            Some("v1.0.0")
        );
        assert_eq!(latest_from_list("v1.0.0\n"), None);
        assert!(!is_pseudo("v1.0.0"));
    }
}
