//! Toolchain checks: which go, other go binaries on PATH, and whether go.mod makes go switch
//! toolchains (and whether that download can work with the current settings).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use super::{Check, Severity, causes};
use crate::goenv::GoEnv;
use crate::syntax::toolchain;

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
        Severity::Warn,
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

/// Compare two Go versions (`go1.22.1`, `1.22`, `1.23rc1`) as go's `gover` does; `None` if
/// either is malformed.
pub use crate::syntax::toolchain::compare_versions;

/// `toolchain.switch`: does the go.mod in the current module need a newer go, and can go get it?
/// `parse_error` is go's own complaint about the go.mod ([`crate::goenv::gomod_error`]): then
/// nothing else about it can be said, and every go command in the module fails with it.
/// `releases` is what godoctor knows of the toolchains that exist (see [`Releases`]).
pub fn switch_check(
    go_env: &GoEnv,
    gomod: Option<&(PathBuf, String)>,
    parse_error: Option<&str>,
    releases: &Releases,
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
        return Check::new("toolchain.switch", Severity::Error, title)
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
    let mut check = switch_verdict(go_env, gomod, releases);
    if let Some(said) = &go_env.module_error {
        check.detail = format!("{}\ngo says: {said}", check.detail)
            .trim_start()
            .to_string();
    }
    check
}

/// What godoctor knows of which Go toolchains exist, to tell a go.mod that asks for a release
/// that does not (`go 1.99`) from one go can download.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Releases {
    /// Toolchains known without the network: the ones in the module cache (`go1.22.0`).
    pub cached: Vec<String>,
    /// The proxy asked (display URL) and the releases it lists for golang.org/toolchain on
    /// this platform, when it answered with such a list.
    pub proxy: Option<(String, Vec<String>)>,
}

impl Releases {
    /// None known (go.mod needs no other toolchain, or none was looked for).
    pub const EMPTY: Releases = Releases {
        cached: Vec::new(),
        proxy: None,
    };
}

/// The releases an `@v/list` of golang.org/toolchain names for one platform (`go1.22.0`, …);
/// `None` when the body is not such a list (an HTML page, a portal), so nothing is concluded.
pub fn parse_toolchain_list(body: &str, goos: &str, goarch: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // Every line of the module's list is one of its versions, whatever the platform.
        let release = toolchain::parse_toolchain_release(line)?;
        if release.goos == goos && release.goarch == goarch {
            out.push(release.name);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The toolchain go downloads for a requirement: a language version (`go1.99`) from Go 1.21
/// on means its first release, `go1.99.0`.
pub fn download_name(needed: &str) -> String {
    match toolchain::parse_either(needed) {
        Some(g) if g.patch.is_none() && g.pre.is_empty() && (g.major, g.minor) >= (1, 21) => {
            format!("{needed}.0")
        }
        _ => needed.to_string(),
    }
}

/// The toolchain a go.mod makes go switch to, when it needs one newer than the running go.
pub fn needed_toolchain(go_env: &GoEnv, gomod: Option<&(PathBuf, String)>) -> Option<String> {
    let versions = parse_gomod_versions(&gomod?.1);
    let running = go_env.version();
    match (&versions.go, &versions.toolchain) {
        (_, Some(tc)) if compare_versions(tc, running) == Some(Ordering::Greater) => {
            Some(tc.clone())
        }
        (Some(g), _) if compare_versions(g, running) == Some(Ordering::Greater) => {
            Some(format!("go{g}"))
        }
        _ => None,
    }
}

/// Whether `needed` exists: listed by the proxy (or not), or only newer than every release
/// godoctor knows of without asking.
enum Existence {
    Exists,
    /// The proxy's list does not have it: (proxy, newest it lists).
    NotARelease(String, String),
    /// Newer than the running go and every cached toolchain; nobody was asked.
    Unknown(String),
}

fn existence(needed: &str, running: &str, releases: &Releases) -> Existence {
    let wanted = download_name(needed);
    let newest = |names: &mut dyn Iterator<Item = &String>| {
        names
            .filter_map(|n| toolchain::parse_either(n).map(|g| (n.clone(), g)))
            .max_by(|a, b| toolchain::compare(&a.1, &b.1))
            .map(|(n, _)| n)
    };
    if let Some((proxy, listed)) = &releases.proxy {
        if listed.contains(&wanted) {
            return Existence::Exists;
        }
        let top = newest(&mut listed.iter()).unwrap_or_default();
        return Existence::NotARelease(proxy.clone(), top);
    }
    let running = running.to_string();
    let local: Vec<&String> = releases
        .cached
        .iter()
        .chain(std::iter::once(&running))
        .collect();
    let top = newest(&mut local.iter().copied()).unwrap_or_else(|| running.clone());
    match compare_versions(&wanted, &top) {
        Some(Ordering::Greater) => Existence::Unknown(top),
        _ => Existence::Exists,
    }
}

fn switch_verdict(go_env: &GoEnv, gomod: Option<&(PathBuf, String)>, releases: &Releases) -> Check {
    let id = "toolchain.switch";
    let gotoolchain = go_env.get("GOTOOLCHAIN");
    let Some((path, text)) = gomod else {
        return Check::ok(id, format!("GOTOOLCHAIN={gotoolchain}; no go.mod here")).detail(
            "run godoctor inside a module to check whether its go.mod makes go switch toolchains",
        );
    };
    let running = go_env.version();
    let Some(needed) = needed_toolchain(go_env, gomod) else {
        return Check::ok(id, format!("{} works with {running}", path.display())).detail(format!(
            "GOTOOLCHAIN={gotoolchain}; go.mod asks for go {}",
            parse_gomod_versions(text).go.as_deref().unwrap_or("(none)")
        ));
    };
    // A release that does not exist: no setting helps, only go.mod can change. (go would try
    // to switch before editing, so the edit runs with GOTOOLCHAIN=local.)
    let lower = format!(
        "set the go line of {} (and its toolchain line, if any) to a Go release, e.g. `GOTOOLCHAIN=local go mod edit -go={}` in the module",
        path.display(),
        running.trim_start_matches("go")
    );
    let exists = existence(&needed, running, releases);
    if let Existence::NotARelease(proxy, newest) = &exists {
        return Check::new(id, Severity::Error, format!("go.mod needs {needed}, which is not a Go release"))
            .detail(format!(
                "{proxy} lists golang.org/toolchain releases up to {newest} for this platform and not {}; go cannot get it anywhere, so every go command in this module fails",
                download_name(&needed)
            ))
            .hint(lower);
    }
    // Newer than anything known: say so instead of "install go1.99", which may not exist.
    let unknown = match &exists {
        Existence::Unknown(newest) => Some(format!(
            "{needed} is newer than every Go release godoctor knows of (newest: {newest}); if it is not a release, no setting helps: {lower} (run without --offline to ask the proxy which releases exist)"
        )),
        _ => None,
    };
    let fix = |needed: &str, command: &str| match &unknown {
        Some(_) => format!("if {needed} exists, let go download it: {command}"),
        None => causes::toolchain_fix(needed, command),
    };
    let with_unknown = |check: Check| match &unknown {
        Some(note) => {
            let detail = format!("{}\n{note}", check.detail);
            check.detail(detail)
        }
        None => check,
    };
    let mode = gotoolchain.split('+').next().unwrap_or("");
    if mode == "local" || gotoolchain.ends_with("+path") || mode == "path" {
        return with_unknown(Check::new(id, Severity::Error, format!("go.mod needs {needed}, but GOTOOLCHAIN={gotoolchain} forbids downloading it"))
            .detail(format!(
                "{} requires a newer go than {running}; with GOTOOLCHAIN={gotoolchain} every build fails with \"go.mod requires go >= …\"",
                path.display()
            ))
            .hint(fix(&needed, "godoctor env set GOTOOLCHAIN=auto")));
    }
    let goproxy = go_env.get("GOPROXY");
    let gosumdb = go_env.get("GOSUMDB");
    // The first entry go tries, read by go's own GOPROXY grammar.
    let first = crate::syntax::goproxy::first_entry(goproxy);
    if matches!(first, None | Some(crate::syntax::goproxy::ProxyEntry::Off)) {
        return with_unknown(Check::new(id, Severity::Error, format!("go.mod needs {needed}, which go cannot download with GOPROXY={goproxy}"))
            .detail("toolchains are downloaded as the module golang.org/toolchain through GOPROXY, which allows no download")
            .hint(fix(&needed, "godoctor env unset GOPROXY")));
    }
    if gosumdb == "off" {
        return with_unknown(Check::new(id, Severity::Error, format!("go.mod needs {needed}, but GOSUMDB=off stops go from downloading it"))
            .detail("go refuses to run a downloaded toolchain it cannot verify against the checksum database")
            .hint(fix(&needed, "godoctor env unset GOSUMDB")));
    }
    let hint = match &unknown {
        Some(_) => lower.clone(),
        None => format!("install {needed} to avoid the download, or update go.mod"),
    };
    with_unknown(Check::new(id, Severity::Warn, format!("go.mod needs {needed}: go will download it on first use"))
        .detail(format!("{} requires a newer go than {running}; GOTOOLCHAIN={gotoolchain} lets go fetch it through GOPROXY", path.display()))
        .hint(hint))
}

/// `toolchain.go` when no usable go was found or go could not be asked (`why`), with what
/// to do (`hint`).
pub fn no_go_check(why: &str, hint: &str) -> Check {
    Check::new("toolchain.go", Severity::Error, "no usable go")
        .detail(why.to_string())
        .hint(hint.to_string())
}

/// `toolchain.go` when go refuses every command because of lines in its env file
/// (`bad_lines`; `stderr`: what go said): the fix unsets those variables.
pub fn refused_check(stderr: &str, bad_lines: &[crate::goenv::BadLine]) -> Check {
    let keys: Vec<&str> = bad_lines.iter().map(|b| b.key.as_str()).collect();
    let lines: Vec<String> = bad_lines
        .iter()
        .map(|b| {
            format!(
                "{} line {}: {} ({})",
                b.path.display(),
                b.line,
                b.key,
                b.reason
            )
        })
        .collect();
    let said = stderr.lines().next().unwrap_or(stderr);
    Check::new(
        "toolchain.go",
        Severity::Error,
        format!("go refuses every command: {said}"),
    )
    .detail(format!(
        "{}\nuntil it is removed, every go command fails, builds included; the checks that need go did not run",
        lines.join("\n")
    ))
    .hint(crate::shellrc::env_unset(&keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_refusing_every_command_names_the_lines_and_unsets_them() {
        let bad = [crate::goenv::BadLine {
            path: PathBuf::from("/h/.config/go/env"),
            line: 3,
            key: "GO111MODULE".into(),
            reason: "unknown environment setting GO111MODULE=of".into(),
        }];
        let said = "go: unknown environment setting GO111MODULE=of\nmore";
        let c = refused_check(said, &bad);
        assert_eq!(c.status, Severity::Error);
        assert_eq!(
            c.title,
            "go refuses every command: go: unknown environment setting GO111MODULE=of"
        );
        assert!(
            c.detail
                .starts_with("/h/.config/go/env line 3: GO111MODULE ("),
            "{}",
            c.detail
        );
        assert_eq!(c.hint.as_deref(), Some("godoctor env unset GO111MODULE"));
        let c = no_go_check("go: not found", "install Go");
        assert_eq!((c.id, c.status), ("toolchain.go", Severity::Error));
        assert_eq!(c.hint.as_deref(), Some("install Go"));
    }

    #[test]
    fn toolchain_lists_and_release_names() {
        let list = "v0.0.1-go1.21.0.linux-amd64\nv0.0.1-go1.26.8.linux-amd64\nv0.0.1-go1.26.8.darwin-arm64\n";
        assert_eq!(
            parse_toolchain_list(list, "linux", "amd64"),
            Some(vec!["go1.21.0".to_string(), "go1.26.8".to_string()])
        );
        // A portal's page or an empty list concludes nothing.
        assert_eq!(
            parse_toolchain_list("<html>sign in</html>", "linux", "amd64"),
            None
        );
        assert_eq!(parse_toolchain_list("", "linux", "amd64"), None);
        assert_eq!(download_name("go1.99"), "go1.99.0");
        assert_eq!(download_name("go1.99.1"), "go1.99.1");
        assert_eq!(download_name("go1.20"), "go1.20");
        assert_eq!(download_name("go1.99rc1"), "go1.99rc1");
    }

    #[test]
    fn a_release_exists_when_listed_and_is_unknown_when_newer_than_all_known() {
        let listed = Releases {
            cached: vec![],
            proxy: Some((
                "http://p".into(),
                vec!["go1.26.8".into(), "go1.27.0".into()],
            )),
        };
        assert!(matches!(
            existence("go1.27", "go1.26.8", &listed),
            Existence::Exists
        ));
        match existence("go1.99", "go1.26.8", &listed) {
            Existence::NotARelease(p, newest) => {
                assert_eq!((p.as_str(), newest.as_str()), ("http://p", "go1.27.0"))
            }
            _ => panic!("go1.99 is not listed"),
        }
        let offline = Releases {
            cached: vec!["go1.27.1".into()],
            proxy: None,
        };
        assert!(matches!(
            existence("go1.27.1", "go1.26.8", &offline),
            Existence::Exists
        ));
        match existence("go1.99", "go1.26.8", &offline) {
            Existence::Unknown(newest) => assert_eq!(newest, "go1.27.1"),
            _ => panic!("go1.99 is unknown offline"),
        }
    }

    #[test]
    fn reads_go_and_toolchain_lines() {
        let v = parse_gomod_versions("module x\n\ngo 1.22.1 // comment\n\ntoolchain go1.23.4\n");
        assert_eq!(v.go.as_deref(), Some("1.22.1"));
        assert_eq!(v.toolchain.as_deref(), Some("go1.23.4"));
    }
}
