//! Toolchain checks: which go, other go binaries on PATH, and whether go.mod makes go switch
//! toolchains (and whether that download can work with the current settings).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use super::{Check, Status, causes};
use crate::goenv::GoEnv;

/// `toolchain.go`: the go that runs.
pub fn go_check(go_env: &GoEnv) -> Check {
    Check::ok(
        "toolchain.go",
        format!("{} at {}", go_env.version(), go_env.go.path.display()),
    )
    .detail(format!(
        "found via {}; GOROOT {}",
        go_env.go.how,
        go_env.get("GOROOT")
    ))
}

/// `toolchain.path`: several go binaries on PATH.
pub fn path_check(all_on_path: &[PathBuf], used: &Path) -> Check {
    if all_on_path.len() < 2 {
        return Check::ok("toolchain.path", "one go on PATH");
    }
    let list = all_on_path
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Check::new(
        "toolchain.path",
        Status::Warn,
        format!("{} go binaries on PATH", all_on_path.len()),
    )
    .detail(format!(
        "{list}; a shell runs the first one, godoctor checks {}",
        used.display()
    ))
    .hint("remove the ones you do not use from PATH, or put the one you want first")
}

/// The `go` and `toolchain` lines of a go.mod (pure).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoModVersions {
    pub go: Option<String>,
    pub toolchain: Option<String>,
}

/// Read the `go` and `toolchain` directives of go.mod text.
pub fn parse_gomod_versions(text: &str) -> GoModVersions {
    let mut v = GoModVersions::default();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("go"), Some(ver)) => v.go = Some(ver.to_string()),
            (Some("toolchain"), Some(tc)) => v.toolchain = Some(tc.to_string()),
            _ => {}
        }
    }
    v
}

/// A parsed Go version, ordered the way go's `gover` package orders them:
/// `1.21` < `1.21rc1` < `1.21.0` < `1.21.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Gover {
    major: u64,
    minor: u64,
    /// `None` for a language version like `1.21` (older than any release of it).
    patch: Option<u64>,
    /// ("", 0) for a release; ("rc", 1) for 1.21rc1.
    pre: (String, u64),
}

fn parse_gover(v: &str) -> Option<Gover> {
    let v = v.strip_prefix("go").unwrap_or(v);
    let (major, rest) = v.split_once('.').map_or((v, ""), |(a, b)| (a, b));
    let major = major.parse().ok()?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let minor = if digits == 0 {
        0
    } else {
        rest[..digits].parse().ok()?
    };
    let rest = &rest[digits..];
    if let Some(p) = rest.strip_prefix('.') {
        return Some(Gover {
            major,
            minor,
            patch: Some(p.parse().ok()?),
            pre: (String::new(), 0),
        });
    }
    if rest.is_empty() {
        return Some(Gover {
            major,
            minor,
            patch: None,
            pre: (String::new(), 0),
        });
    }
    let kind_len = rest
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (kind, num) = rest.split_at(kind_len);
    if !matches!(kind, "rc" | "beta" | "alpha") {
        return None;
    }
    Some(Gover {
        major,
        minor,
        patch: Some(0),
        pre: (kind.to_string(), num.parse().unwrap_or(0)),
    })
}

fn compare(a: &Gover, b: &Gover) -> Ordering {
    let rank = |g: &Gover| -> (u64, u64, u8, u64, u64) {
        match (g.patch, g.pre.0.as_str()) {
            (None, _) => (g.major, g.minor, 0, 0, 0),
            (Some(_), "alpha") => (g.major, g.minor, 1, 0, g.pre.1),
            (Some(_), "beta") => (g.major, g.minor, 2, 0, g.pre.1),
            (Some(_), "rc") => (g.major, g.minor, 3, 0, g.pre.1),
            (Some(p), _) => (g.major, g.minor, 4, p, 0),
        }
    };
    rank(a).cmp(&rank(b))
}

/// Compare two Go versions (`go1.22.1`, `1.22`, `1.23rc1`); `None` if either is malformed.
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    Some(compare(&parse_gover(a)?, &parse_gover(b)?))
}

/// `toolchain.switch`: does the go.mod in the current module need a newer go, and can go get it?
/// `parse_error` is go's own complaint about the go.mod ([`crate::goenv::gomod_error`]): then
/// nothing else about it can be said, and every go command in the module fails with it.
pub fn switch_check(
    go_env: &GoEnv,
    gomod: Option<&(PathBuf, String)>,
    parse_error: Option<&str>,
) -> Check {
    if let (Some((path, _)), Some(said)) = (gomod, parse_error) {
        let first = said.lines().next().unwrap_or(said);
        let more = said.lines().count() - 1;
        let title = match more {
            0 => format!("go cannot parse go.mod: {first}"),
            n => format!(
                "go cannot parse go.mod: {first} (and {})",
                crate::output::plural(n, "more error", "more errors")
            ),
        };
        return Check::new("toolchain.switch", Status::Error, title)
            .detail(match more {
                0 => format!(
                    "every go command in the module of {} fails with this error",
                    path.display()
                ),
                _ => format!(
                    "every go command in the module of {} fails with what go says:\n{said}",
                    path.display()
                ),
            })
            .hint(format!(
                "edit {} at the line go names (go says what it expected there)",
                path.display()
            ));
    }
    let mut check = switch_verdict(go_env, gomod);
    if let Some(said) = &go_env.module_error {
        check.detail = format!("{}\ngo says: {said}", check.detail)
            .trim_start()
            .to_string();
    }
    check
}

fn switch_verdict(go_env: &GoEnv, gomod: Option<&(PathBuf, String)>) -> Check {
    let id = "toolchain.switch";
    let gotoolchain = go_env.get("GOTOOLCHAIN");
    let Some((path, text)) = gomod else {
        return Check::ok(id, format!("GOTOOLCHAIN={gotoolchain}; no go.mod here")).detail(
            "run godoctor inside a module to check whether its go.mod makes go switch toolchains",
        );
    };
    let versions = parse_gomod_versions(text);
    let running = go_env.version();
    let needed = match (&versions.go, &versions.toolchain) {
        (_, Some(tc)) if compare_versions(tc, running) == Some(Ordering::Greater) => tc.clone(),
        (Some(g), _) if compare_versions(g, running) == Some(Ordering::Greater) => format!("go{g}"),
        _ => {
            return Check::ok(id, format!("{} works with {running}", path.display())).detail(
                format!(
                    "GOTOOLCHAIN={gotoolchain}; go.mod asks for go {}",
                    versions.go.as_deref().unwrap_or("(none)")
                ),
            );
        }
    };
    let mode = gotoolchain.split('+').next().unwrap_or("");
    if mode == "local" || gotoolchain.ends_with("+path") || mode == "path" {
        return Check::new(id, Status::Error, format!("go.mod needs {needed}, but GOTOOLCHAIN={gotoolchain} forbids downloading it"))
            .detail(format!(
                "{} requires a newer go than {running}; with GOTOOLCHAIN={gotoolchain} every build fails with \"go.mod requires go >= …\"",
                path.display()
            ))
            .hint(causes::toolchain_fix(&needed, "godoctor env set GOTOOLCHAIN=auto"));
    }
    let goproxy = go_env.get("GOPROXY");
    let gosumdb = go_env.get("GOSUMDB");
    let first = goproxy
        .split([',', '|'])
        .map(str::trim)
        .find(|e| !e.is_empty())
        .unwrap_or("");
    if first == "off" || first.is_empty() {
        return Check::new(id, Status::Error, format!("go.mod needs {needed}, which go cannot download with GOPROXY={goproxy}"))
            .detail("toolchains are downloaded as the module golang.org/toolchain through GOPROXY, which allows no download")
            .hint(causes::toolchain_fix(&needed, "godoctor env unset GOPROXY"));
    }
    if gosumdb == "off" {
        return Check::new(id, Status::Error, format!("go.mod needs {needed}, but GOSUMDB=off stops go from downloading it"))
            .detail("go refuses to run a downloaded toolchain it cannot verify against the checksum database")
            .hint(causes::toolchain_fix(&needed, "godoctor env unset GOSUMDB"));
    }
    Check::new(id, Status::Warn, format!("go.mod needs {needed}: go will download it on first use"))
        .detail(format!("{} requires a newer go than {running}; GOTOOLCHAIN={gotoolchain} lets go fetch it through GOPROXY", path.display()))
        .hint(format!("install {needed} to avoid the download, or update go.mod"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_gover() {
        use Ordering::*;
        assert_eq!(compare_versions("1.21", "1.21rc1"), Some(Less));
        assert_eq!(compare_versions("1.21rc1", "1.21.0"), Some(Less));
        assert_eq!(compare_versions("go1.21.0", "1.21.0"), Some(Equal));
        assert_eq!(compare_versions("go1.26.8", "1.27"), Some(Less));
        assert_eq!(compare_versions("1.9", "1.10"), Some(Less));
        assert_eq!(compare_versions("1.22beta1", "1.22rc1"), Some(Less));
        assert_eq!(compare_versions("banana", "1.2"), None);
    }

    #[test]
    fn reads_go_and_toolchain_lines() {
        let v = parse_gomod_versions("module x\n\ngo 1.22.1 // comment\n\ntoolchain go1.23.4\n");
        assert_eq!(v.go.as_deref(), Some("1.22.1"));
        assert_eq!(v.toolchain.as_deref(), Some("go1.23.4"));
    }
}
