//! What a write of GOROOT or GOTOOLCHAIN would break, decided before anything is written:
//! GOROOT must name a Go tree, and GOTOOLCHAIN must name a toolchain that can exist.
//!
//! The facts (does the directory hold `src/runtime`, which toolchains are in the module cache)
//! are gathered by [`Facts::gather`]; the decisions are pure functions of them.

use std::path::{Path, PathBuf};

use crate::finding::Finding;
use crate::syntax::goproxy::ProxyEntry;
use crate::syntax::toolchain::{self, GoVersion};

/// What the checks need to know about this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The running go's version (`go1.26.8`).
    pub go_version: String,
    /// Toolchain names found in the module cache (`go1.22.0`), already downloaded once.
    pub cached_toolchains: Vec<String>,
    /// GOPROXY as go would use it (`off` makes a toolchain download impossible).
    pub goproxy: String,
}

impl Facts {
    /// Read the toolchains go downloaded before from `$GOMODCACHE/cache/download/
    /// golang.org/toolchain/@v` (file names like `v0.0.1-go1.22.0.linux-amd64.zip`).
    pub fn gather(go_version: &str, gomodcache: &str, goproxy: &str) -> Facts {
        let dir = Path::new(gomodcache).join("cache/download/golang.org/toolchain/@v");
        let mut cached_toolchains: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| cached_toolchain_name(&e.file_name().to_string_lossy()))
            .collect();
        cached_toolchains.sort();
        cached_toolchains.dedup();
        Facts {
            go_version: go_version.to_string(),
            cached_toolchains,
            goproxy: goproxy.to_string(),
        }
    }
}

/// `v0.0.1-go1.22.0.linux-amd64.zip` → `go1.22.0`.
fn cached_toolchain_name(file: &str) -> Option<String> {
    let version = file.rsplit_once('.')?.0;
    toolchain::parse_toolchain_release(version).map(|r| r.name)
}

/// Whether `dir` looks like a Go tree: go needs `src/runtime` (the standard library) and
/// `bin/go`; without them every build fails with "package fmt is not in std".
pub fn goroot_findings(dir: &Path) -> Vec<Finding> {
    let missing: Vec<&str> = ["src/runtime", "bin/go"]
        .into_iter()
        .filter(|p| !dir.join(p).exists())
        .collect();
    if missing.is_empty() {
        return vec![];
    }
    let relative = if dir.is_absolute() {
        ""
    } else {
        " (and it is not an absolute path)"
    };
    vec![
        Finding::error(
            "env.goroot-not-a-go-tree",
            format!(
                "GOROOT={} is not a Go installation: it has no {}{relative}. With it, every build \
                 fails (\"package fmt is not in std\").",
                dir.display(),
                missing.join(" and ")
            ),
        )
        .with_hint(
            "leave GOROOT unset (go finds its own tree), or name a Go tree such as /usr/local/go",
        ),
    ]
}

/// Whether the toolchain GOTOOLCHAIN names can exist: a version newer than every release
/// godoctor knows of (this go, the toolchains in the module cache) is refused with the reason,
/// because go then fails every command, `go env -u GOTOOLCHAIN` included.
pub fn gotoolchain_findings(value: &str, facts: &Facts) -> Vec<Finding> {
    let Ok(tc) = toolchain::parse(value) else {
        // The grammar check (syntax::toolchain) already refuses it.
        return vec![];
    };
    let Some(wanted) = toolchain::from_toolchain(&tc.min) else {
        return vec![];
    };
    let known: Vec<(String, GoVersion)> = std::iter::once(facts.go_version.clone())
        .chain(facts.cached_toolchains.iter().cloned())
        .filter_map(|n| toolchain::from_toolchain(&n).map(|v| (n, v)))
        .collect();
    let Some((newest_name, newest)) = known.iter().max_by(|a, b| toolchain::compare(&a.1, &b.1))
    else {
        return vec![];
    };
    if toolchain::compare(&wanted, newest) != std::cmp::Ordering::Greater {
        return vec![];
    }
    let off = crate::syntax::goproxy::first_entry(&facts.goproxy) == Some(ProxyEntry::Off);
    let download = if off {
        "GOPROXY=off, so go cannot even try to download it".to_string()
    } else {
        "go would have to download it from GOPROXY".to_string()
    };
    vec![
        Finding::error(
            "gotoolchain.unknown-release",
            format!(
                "GOTOOLCHAIN={value} names {}, newer than any Go release godoctor knows of \
                 (newest: {newest_name}); {download}. If no such release exists, every go command \
                 stops with \"toolchain not available\", `go env -u GOTOOLCHAIN` included.",
                tc.min
            ),
        )
        .with_hint(format!(
            "name an existing release (this go is {}), or pass --force if {} really exists",
            facts.go_version, tc.min
        )),
    ]
}

/// The write-time findings for one assignment (empty for other variables).
pub fn check(name: &str, value: &str, facts: &Facts) -> Vec<Finding> {
    match name {
        "GOROOT" if !value.is_empty() => goroot_findings(&PathBuf::from(value)),
        "GOTOOLCHAIN" if !value.is_empty() => gotoolchain_findings(value, facts),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(version: &str, cached: &[&str], goproxy: &str) -> Facts {
        Facts {
            go_version: version.into(),
            cached_toolchains: cached.iter().map(|s| s.to_string()).collect(),
            goproxy: goproxy.into(),
        }
    }

    #[test]
    fn cached_toolchain_file_names() {
        assert_eq!(
            cached_toolchain_name("v0.0.1-go1.22.0.linux-amd64.zip").as_deref(),
            Some("go1.22.0")
        );
        assert_eq!(
            cached_toolchain_name("v0.0.1-go1.23rc1.darwin-arm64.info").as_deref(),
            Some("go1.23rc1")
        );
        assert_eq!(cached_toolchain_name("list"), None);
    }

    #[test]
    fn a_toolchain_newer_than_every_known_release_is_refused() {
        let f = facts("go1.26.8", &["go1.27.0"], "off");
        for v in ["go1.99.0", "go1.99", "go1.27.1+auto"] {
            let out = gotoolchain_findings(v, &f);
            assert_eq!(out.len(), 1, "{v}");
            assert_eq!(out[0].code, "gotoolchain.unknown-release");
            assert!(out[0].message.contains("GOPROXY=off"), "{}", out[0].message);
        }
        for v in [
            "local",
            "auto",
            "path",
            "go1.26.8",
            "go1.27.0",
            "go1.21.0+auto",
            "local+path",
        ] {
            assert!(gotoolchain_findings(v, &f).is_empty(), "{v}");
        }
        let online = gotoolchain_findings("go1.99.0", &facts("go1.26.8", &[], "https://p"));
        assert!(online[0].message.contains("download it from GOPROXY"));
        // GOPROXY read as go reads it: blank entries skipped, entries trimmed.
        for goproxy in [" off", ",off", " , off|direct"] {
            let out = gotoolchain_findings("go1.99.0", &facts("go1.26.8", &[], goproxy));
            assert!(out[0].message.contains("GOPROXY=off"), "{goproxy:?}");
        }
    }

    #[test]
    fn goroot_must_be_a_go_tree() {
        let t = tempfile::tempdir().expect("tempdir");
        let out = goroot_findings(t.path());
        assert_eq!(out.len(), 1);
        assert!(out[0].message.contains("src/runtime and bin/go"));
        std::fs::create_dir_all(t.path().join("src/runtime")).expect("mkdir");
        std::fs::create_dir_all(t.path().join("bin")).expect("mkdir");
        std::fs::write(t.path().join("bin/go"), "").expect("write");
        assert!(goroot_findings(t.path()).is_empty());
    }
}
