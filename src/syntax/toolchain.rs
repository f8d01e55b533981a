//! GOTOOLCHAIN and GO111MODULE, interpreted like cmd/go's toolchain selection
//! (cmd/go/internal/toolchain/select.go, internal/gover) and module mode switch
//! (cmd/go/internal/modload).
//!
//! GOTOOLCHAIN forms: `local`, `auto` (= `local+auto`), `path` (= `local+path`), `<name>`,
//! `<name>+auto`, `<name>+path`, where a name is `go1.X[.Y][rcN]` optionally followed by a
//! custom suffix after `-`. Anything else stops every go command with `invalid GOTOOLCHAIN`.

use std::cmp::Ordering;

use crate::finding::Finding;
use serde::Serialize;

/// A Go version as `internal/gover` parses it (`1.21.0`, `1.21rc1`, `1.20`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoVersion {
    pub major: u64,
    pub minor: u64,
    /// None when absent (`1.21` is a language version, older than `1.21rc1` and `1.21.0`).
    pub patch: Option<u64>,
    /// `rc`, `beta`… with its number, empty for a release.
    pub pre: String,
}

/// `internal/gover.Parse` (without the leading "go"); None if invalid.
pub fn parse_gover(x: &str) -> Option<GoVersion> {
    let (major, rest) = cut_int(x)?;
    if rest.is_empty() {
        return Some(GoVersion {
            major,
            minor: 0,
            patch: Some(0),
            pre: String::new(),
        });
    }
    let (minor, rest) = cut_int(rest.strip_prefix('.')?)?;
    if rest.is_empty() {
        // Before 1.21 a missing patch means .0; from 1.21 on it is the language version.
        let patch = (minor < 21).then_some(0);
        return Some(GoVersion {
            major,
            minor,
            patch,
            pre: String::new(),
        });
    }
    if let Some(p) = rest.strip_prefix('.') {
        let (patch, rest) = cut_int(p)?;
        return rest.is_empty().then_some(GoVersion {
            major,
            minor,
            patch: Some(patch),
            pre: String::new(),
        });
    }
    let kind_len = rest.bytes().take_while(|c| !c.is_ascii_digit()).count();
    if kind_len == 0 || !rest[..kind_len].bytes().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let after = &rest[kind_len..];
    if !after.is_empty() {
        let (_, tail) = cut_int(after)?;
        if !tail.is_empty() {
            return None;
        }
    }
    Some(GoVersion {
        major,
        minor,
        patch: None,
        pre: rest.to_string(),
    })
}

fn cut_int(x: &str) -> Option<(u64, &str)> {
    let n = x.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (x.starts_with('0') && n != 1) {
        return None;
    }
    Some((x[..n].parse().ok()?, &x[n..]))
}

/// `gover.FromToolchain`: the version in a toolchain name (`go1.22.1`, `go1.22.1-custom`).
pub fn from_toolchain(name: &str) -> Option<GoVersion> {
    if name.contains(['/', '\\']) {
        return None;
    }
    let v = name.strip_prefix("go")?;
    let v = v.split([' ', '\t', '-']).next().unwrap_or(v);
    parse_gover(v)
}

/// `gover.Compare`: `1.21` < `1.21rc1` < `1.21.0` < `1.21.1`; prereleases by kind (`alpha` <
/// `beta` < `rc`, compared as strings like go) and then by number.
pub fn compare(a: &GoVersion, b: &GoVersion) -> Ordering {
    let pre = |v: &GoVersion| {
        let kind = v.pre.bytes().take_while(|c| !c.is_ascii_digit()).count();
        (v.pre[..kind].to_string(), v.pre[kind..].parse::<u64>().ok())
    };
    (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| pre(a).cmp(&pre(b)))
}

/// A Go version written either way go writes one: a toolchain name (`go1.22.1`, the
/// `toolchain` line, `go version`) or a bare version (`1.22`, go.mod's `go` line).
pub fn parse_either(x: &str) -> Option<GoVersion> {
    if x.starts_with("go") {
        from_toolchain(x)
    } else {
        parse_gover(x)
    }
}

/// Compare two Go versions written either way ([`parse_either`]); `None` if either is not one.
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    Some(compare(&parse_either(a)?, &parse_either(b)?))
}

/// A version of the module go downloads toolchains as (`golang.org/toolchain`,
/// `cache::layout::TOOLCHAIN_MODULE`): go publishes the toolchain `go1.22.0` for linux/amd64
/// as `v0.0.1-go1.22.0.linux-amd64` (`gotoolchainVersion` in toolchain.go).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolchainRelease {
    /// The toolchain name, `go1.22.0`.
    pub name: String,
    pub goos: String,
    pub goarch: String,
}

/// Read a `golang.org/toolchain` version (`v0.0.1-go1.22.0.linux-amd64`); `None` when it is not
/// one (go's list filter: the `v0.0.1-go` prefix, a `.GOOS-GOARCH` suffix).
pub fn parse_toolchain_release(version: &str) -> Option<ToolchainRelease> {
    let rest = version.strip_prefix("v0.0.1-")?;
    let (name, platform) = rest.rsplit_once('.')?;
    let (goos, goarch) = platform.split_once('-')?;
    let plain = |w: &str| !w.is_empty() && w.bytes().all(|c| c.is_ascii_alphanumeric());
    if !plain(goos) || !plain(goarch) {
        return None;
    }
    from_toolchain(name)?;
    Some(ToolchainRelease {
        name: name.to_string(),
        goos: goos.to_string(),
        goarch: goarch.to_string(),
    })
}

/// What GOTOOLCHAIN asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toolchain {
    /// `local` or a toolchain name: the minimum (default) toolchain.
    pub min: String,
    /// `None` (use exactly `min`), `auto` (may download newer ones) or `path` (may use newer
    /// ones found in PATH).
    pub mode: Option<String>,
}

/// Parse GOTOOLCHAIN like `toolchain.Select`. Err is go's fatal message.
pub fn parse(value: &str) -> Result<Toolchain, String> {
    match value {
        "auto" | "path" => {
            return Ok(Toolchain {
                min: "local".into(),
                mode: Some(value.into()),
            });
        }
        _ => {}
    }
    let (min, suffix) = match value.split_once('+') {
        Some((m, s)) => (m, Some(s)),
        None => (value, None),
    };
    if min != "local" && from_toolchain(min).is_none() {
        return Err(match suffix {
            Some(_) => format!("invalid GOTOOLCHAIN {value:?}: invalid minimum toolchain {min:?}"),
            None => format!("invalid GOTOOLCHAIN {value:?}"),
        });
    }
    if let Some(s) = suffix {
        if s != "auto" && s != "path" {
            return Err(format!(
                "invalid GOTOOLCHAIN {value:?}: only version suffixes are +auto and +path"
            ));
        }
    }
    if min != "local" && !min.starts_with("go1") && !min.contains("-go1") {
        return Err(format!("invalid GOTOOLCHAIN {value:?}"));
    }
    Ok(Toolchain {
        min: min.into(),
        mode: suffix.map(str::to_string),
    })
}

/// Check a GOTOOLCHAIN value.
pub fn check(value: &str) -> Vec<Finding> {
    if value.is_empty() {
        return vec![];
    }
    let tc = match parse(value) {
        Ok(t) => t,
        Err(e) => {
            return vec![
                Finding::error("gotoolchain.invalid", format!("every go command stops with: go: {e}"))
                    .with_hint("use local, auto, path, or a release name such as go1.22.3 (optionally +auto or +path)"),
            ];
        }
    };
    let mut out = Vec::new();
    if let Some(v) = from_toolchain(&tc.min) {
        if v.patch.is_none() && v.pre.is_empty() {
            out.push(
                Finding::warning(
                    "gotoolchain.language-version",
                    format!("GOTOOLCHAIN names {}, a language version: since Go 1.21 releases are named go1.X.0, and no toolchain {} exists to download.", tc.min, tc.min),
                )
                .with_hint(format!("use {}.0", tc.min.split('-').next().unwrap_or(&tc.min))),
            );
        } else if v.major == 1 && v.minor < 21 {
            out.push(Finding::warning(
                "gotoolchain.too-old",
                format!("GOTOOLCHAIN names {}: toolchain downloads exist only for go1.21.0 and later, and go before 1.21 does not read GOTOOLCHAIN.", tc.min),
            ));
        }
        if tc.mode.is_none() {
            out.push(Finding::info(
                "gotoolchain.pinned",
                format!("GOTOOLCHAIN={value} runs exactly {} for every command, even where go.mod asks for a newer Go (add +auto to allow upgrades).", tc.min),
            ));
        }
    }
    if tc.mode.as_deref() == Some("auto") {
        out.push(Finding::info(
            "gotoolchain.auto",
            "GOTOOLCHAIN allows automatic toolchain downloads (golang.org/toolchain via GOPROXY) when a go.mod needs a newer Go.",
        ));
    }
    out
}

/// Check a GO111MODULE value like modload (and `go env -w`) does.
pub fn check_go111module(value: &str) -> Vec<Finding> {
    match value {
        "" | "on" | "auto" => vec![],
        "off" => vec![
            Finding::warning(
                "go111module.off",
                "GO111MODULE=off turns module mode off: go uses GOPATH mode, ignores go.mod, and module commands fail with \"modules disabled by GO111MODULE=off\".",
            )
            .with_hint("godoctor env unset GO111MODULE (modules are the default since Go 1.16)"),
        ],
        other => vec![
            Finding::error(
                "go111module.invalid",
                format!("every go command stops with: go: unknown environment setting GO111MODULE={other}"),
            )
            .with_hint("godoctor env unset GO111MODULE (or set it to on, off or auto)"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gover() {
        assert_eq!(parse_gover("1.21.0").map(|v| v.patch), Some(Some(0)));
        assert_eq!(parse_gover("1.21").map(|v| v.patch), Some(None));
        assert_eq!(parse_gover("1.20").map(|v| v.patch), Some(Some(0)));
        assert_eq!(
            parse_gover("1.21rc1").map(|v| v.pre),
            Some("rc1".to_string())
        );
        for bad in ["", "1.", "1.02", "1.21.0rc1", "1.21.0.1", "x", "1.21RC1"] {
            assert_eq!(parse_gover(bad), None, "{bad}");
        }
    }

    #[test]
    fn orders_like_gover() {
        use Ordering::*;
        let cases = [
            ("1.21", "1.21rc1", Less),
            ("1.21rc1", "1.21.0", Less),
            ("go1.21.0", "1.21.0", Equal),
            ("go1.26.8", "1.27", Less),
            ("1.9", "1.10", Less),
            ("1.22beta1", "1.22rc1", Less),
            ("1.22rc9", "1.22rc10", Less),
            // Before 1.21 a missing patch is .0 (gover.parse): go1.20 is go1.20.0.
            ("go1.20", "1.20.0", Equal),
            ("go1.22.1-custom", "1.22.1", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), Some(want), "{a} vs {b}");
            assert_eq!(compare_versions(b, a), Some(want.reverse()), "{b} vs {a}");
        }
        assert_eq!(compare_versions("banana", "1.2"), None);
    }

    #[test]
    fn toolchain_module_versions() {
        assert_eq!(
            parse_toolchain_release("v0.0.1-go1.22.0.linux-amd64"),
            Some(ToolchainRelease {
                name: "go1.22.0".into(),
                goos: "linux".into(),
                goarch: "amd64".into()
            })
        );
        assert_eq!(
            parse_toolchain_release("v0.0.1-go1.23rc1.darwin-arm64").map(|r| r.name),
            Some("go1.23rc1".into())
        );
        for bad in [
            "v0.0.1-go1.22.0",
            "v0.0.1-go1.22.0.linux",
            "v0.0.2-go1.22.0.linux-amd64",
            "v0.0.1-banana.linux-amd64",
            "list",
        ] {
            assert_eq!(parse_toolchain_release(bad), None, "{bad}");
        }
    }

    #[test]
    fn forms() {
        assert_eq!(
            parse("local"),
            Ok(Toolchain {
                min: "local".into(),
                mode: None
            })
        );
        assert_eq!(
            parse("auto"),
            Ok(Toolchain {
                min: "local".into(),
                mode: Some("auto".into())
            })
        );
        assert_eq!(
            parse("go1.22.3+path"),
            Ok(Toolchain {
                min: "go1.22.3".into(),
                mode: Some("path".into())
            })
        );
        assert!(parse("go1.22.1-custom").is_ok());
        assert_eq!(
            parse("banana"),
            Err("invalid GOTOOLCHAIN \"banana\"".into())
        );
        assert_eq!(
            parse("1.22.0"),
            Err("invalid GOTOOLCHAIN \"1.22.0\"".into())
        );
        assert_eq!(
            parse("go1.22+latest"),
            Err(
                "invalid GOTOOLCHAIN \"go1.22+latest\": only version suffixes are +auto and +path"
                    .into()
            )
        );
        assert_eq!(
            parse("gox+auto"),
            Err("invalid GOTOOLCHAIN \"gox+auto\": invalid minimum toolchain \"gox\"".into())
        );
        assert_eq!(
            parse("go2.0.0"),
            Err("invalid GOTOOLCHAIN \"go2.0.0\"".into())
        );
        assert!(parse("local+auto").is_ok());
    }

    #[test]
    fn findings() {
        let codes = |v: &str| check(v).into_iter().map(|f| f.code).collect::<Vec<_>>();
        assert!(codes("local").is_empty());
        assert_eq!(
            codes("go1.22"),
            ["gotoolchain.language-version", "gotoolchain.pinned"]
        );
        assert_eq!(codes("go1.22.0+auto"), ["gotoolchain.auto"]);
        assert_eq!(
            codes("go1.20.5+auto"),
            ["gotoolchain.too-old", "gotoolchain.auto"]
        );
        assert_eq!(codes("bash"), ["gotoolchain.invalid"]);
        assert_eq!(check_go111module("off")[0].code, "go111module.off");
        assert_eq!(check_go111module("yes")[0].code, "go111module.invalid");
        assert!(check_go111module("auto").is_empty());
    }
}
