//! Go's grammar for setting values, mirroring cmd/go: GOPROXY lists, module path patterns,
//! GOSUMDB, GOAUTH, GOFLAGS, GOTOOLCHAIN, GO111MODULE, variable names, module paths.
//!
//! Everything here is pure: text in, typed [`Finding`]s out, no I/O. Each submodule ports the
//! cmd/go (or golang.org/x/mod) code that interprets the value, so "what go does" is decided
//! by the same rules go uses; `tests/it/syntax_referee.rs` shows the real `go` agreeing.

pub mod decide;
pub mod goauth;
pub mod goflags;
pub mod goproxy;
pub mod gosumdb;
pub mod gourl;
pub mod govcs;
pub mod module;
pub mod names;
pub mod pathmatch;
pub mod patterns;
pub mod proxyurl;
pub mod quoted;
pub mod semver;
pub mod toolchain;

use crate::finding::Finding;
use crate::redact::redact;
use std::collections::BTreeMap;

/// go's built-in GOPROXY (from `$GOROOT/go.env` since Go 1.21, compiled in before).
pub const DEFAULT_GOPROXY: &str = "https://proxy.golang.org,direct";
/// go's built-in GOSUMDB.
pub const DEFAULT_GOSUMDB: &str = "sum.golang.org";

/// Check one value of variable `name` as `go env -w NAME=value` would store it, for the newest
/// go. Used to validate writes: any `Severity::Error` finding means "refuse unless --force".
pub fn check_value(name: &str, value: &str) -> Vec<Finding> {
    check_value_for(name, value, None)
}

/// [`check_value`] for go 1.`go_minor` (from GOVERSION; `None` = the newest go). Rules that
/// older releases do not have: GOAUTH (Go 1.24), GOTOOLCHAIN (Go 1.21), quoted GOFLAGS (Go 1.20).
pub fn check_value_for(name: &str, value: &str, go_minor: Option<u64>) -> Vec<Finding> {
    let older = |since: u64| go_minor.is_some_and(|m| m < since);
    match name {
        "GOAUTH" if older(24) && !value.is_empty() => {
            return vec![Finding::info(
                "goauth.unsupported",
                format!(
                    "GOAUTH needs Go 1.24 or later; this go (1.{}) ignores it and reads credentials from .netrc only.",
                    go_minor.unwrap_or(0)
                ),
            )];
        }
        "GOTOOLCHAIN" if older(21) && !value.is_empty() => {
            return vec![Finding::info(
                "gotoolchain.unsupported",
                format!(
                    "GOTOOLCHAIN needs Go 1.21 or later; this go (1.{}) ignores it.",
                    go_minor.unwrap_or(0)
                ),
            )];
        }
        _ => {}
    }
    let mut out = check_value_modern(name, value);
    if name == "GOFLAGS" && !value.contains(['\n', '\r', '\0']) {
        out.retain(|f| !f.code.starts_with("goflags."));
        out.extend(goflags::check_for(value, go_minor));
    }
    out
}

fn check_value_modern(name: &str, value: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    // go env -w itself refuses these (checkEnvWrite): "invalid newline/NUL in NAME=... value".
    if value.contains(['\n', '\r', '\u{b}']) {
        out.push(
            Finding::error(
                "value.newline",
                format!("{name} contains a line break; go refuses it (\"invalid newline in {name}=... value\") and a go env file holds one NAME=VALUE per line."),
            )
            .with_hint("write the value on one line"),
        );
        return out;
    }
    if value.contains('\0') {
        out.push(Finding::error(
            "value.nul",
            format!("{name} contains a NUL byte, which go refuses (\"invalid NUL in {name}=... value\") and no environment variable can hold."),
        ));
        return out;
    }
    if let Some(rest) = value.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
        out.push(
            Finding::error(
                "value.assignment",
                format!("the value of {name} starts with \"{name}=\"; go would store the name as part of the value."),
            )
            .with_hint(format!("give only the value: {name}={}", redact(rest))),
        );
    }
    let quoted = value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')));
    if quoted && name != "GOFLAGS" {
        out.push(
            Finding::error(
                "value.quoted",
                format!("{name} is wrapped in quotes; go takes the quotes as part of the value."),
            )
            .with_hint(format!(
                "drop the quotes: {name}={}",
                redact(&value[1..value.len() - 1])
            )),
        );
    }
    match name {
        "GOPROXY" => out.extend(goproxy::parse(value).findings),
        n if patterns::PATTERN_VARS.contains(&n) => out.extend(patterns::check(n, value)),
        // An empty GOSUMDB means "unset" for `go env -w`; go then uses its default.
        "GOSUMDB" if !value.is_empty() => out.extend(gosumdb::check(value)),
        "GOAUTH" => out.extend(goauth::check(value)),
        "GOFLAGS" => out.extend(goflags::check(value)),
        "GOTOOLCHAIN" => out.extend(toolchain::check(value)),
        "GO111MODULE" => out.extend(toolchain::check_go111module(value)),
        "GOVCS" => out.extend(govcs::check(value)),
        "GOPATH" | "GOMODCACHE" | "GOCACHE" | "GOENV" | "GOBIN" => {
            out.extend(check_dir_value(name, value))
        }
        _ => {}
    }
    out
}

/// Why `go env -w NAME=…` refuses the variable itself (whatever the value), in go's words
/// (`checkEnvWrite`), or `None` when go lets it be written. `known` is the key set of
/// `go env -json`; go also refuses names it does not know.
pub fn write_error(name: &str, known: &std::collections::BTreeSet<String>) -> Option<Finding> {
    let msg = match name {
        "GOEXE" | "GOGCCFLAGS" | "GOHOSTARCH" | "GOHOSTOS" | "GOMOD" | "GOWORK" | "GOTOOLDIR"
        | "GOVERSION" | "GOTELEMETRY" | "GOTELEMETRYDIR" => format!("{name} cannot be modified"),
        "GOENV" | "GODEBUG" => format!("{name} can only be set using the OS environment"),
        _ if !known.contains(name) && !names::BUILTIN_KNOWN.contains(&name) => {
            format!("unknown go command variable {name}")
        }
        _ => return None,
    };
    let hint = match name {
        "GOTELEMETRY" | "GOTELEMETRYDIR" => "use `go telemetry on|off|local`".to_string(),
        "GOENV" | "GODEBUG" => format!("export {name} in your shell profile instead"),
        _ => names::unknown_name(name, known)
            .and_then(|f| f.hint)
            .unwrap_or_else(|| "go derives this value itself".into()),
    };
    Some(
        Finding::error("value.not-writable", format!("go env -w refuses it: {msg}"))
            .with_hint(hint),
    )
}

/// `go env -w` refuses relative GOPATH/GOMODCACHE and a GOPATH starting with `~`.
fn check_dir_value(name: &str, value: &str) -> Vec<Finding> {
    if value.is_empty() {
        return vec![];
    }
    let first = if name == "GOPATH" {
        value.split(':').next().unwrap_or(value)
    } else {
        value
    };
    if name == "GOPATH" && value.starts_with('~') {
        return vec![
            Finding::error("value.tilde", format!("go refuses it: GOPATH entry cannot start with shell metacharacter '~': {value:?}"))
                .with_hint("let the shell expand it: godoctor env set GOPATH=$HOME/go"),
        ];
    }
    if !first.starts_with('/') {
        let msg = match name {
            "GOPATH" | "GOMODCACHE" => {
                format!("go refuses it: {name} entry is relative; must be absolute path: {value:?}")
            }
            _ => format!(
                "{name} must be an absolute path; go rejects or misplaces a relative one: {value:?}"
            ),
        };
        return vec![
            Finding::error("value.relative", msg)
                .with_hint(format!("give an absolute path, e.g. {name}=$HOME/…")),
        ];
    }
    vec![]
}

/// The values go effectively uses, with go's defaulting applied to `values` (missing or empty
/// keys): GOPROXY and GOSUMDB get go's defaults, GONOPROXY and GONOSUMDB default to GOPRIVATE.
pub fn effective(values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let get = |k: &str| values.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let mut out = values.clone();
    let private = get("GOPRIVATE").unwrap_or("").to_string();
    out.insert(
        "GOPROXY".into(),
        get("GOPROXY").unwrap_or(DEFAULT_GOPROXY).into(),
    );
    out.insert(
        "GOSUMDB".into(),
        get("GOSUMDB").unwrap_or(DEFAULT_GOSUMDB).into(),
    );
    out.insert(
        "GONOPROXY".into(),
        get("GONOPROXY").map_or(private.clone(), str::to_string),
    );
    out.insert(
        "GONOSUMDB".into(),
        get("GONOSUMDB").map_or(private.clone(), str::to_string),
    );
    out.insert("GOPRIVATE".into(), private);
    out
}

/// Cross-variable findings. `values` are the settings as configured (missing or empty = unset);
/// go's defaulting is applied first (see [`effective`]).
pub fn check_settings(values: &BTreeMap<String, String>) -> Vec<Finding> {
    let eff = effective(values);
    let get = |k: &str| eff.get(k).map(String::as_str).unwrap_or("");
    let set = |k: &str| values.get(k).is_some_and(|v| !v.is_empty());
    let mut out = Vec::new();
    let gosumdb = get("GOSUMDB");
    let sumdb_off = gosumdb == "off";
    let nosumdb = get("GONOSUMDB");
    let noproxy = get("GONOPROXY");
    let goproxy = get("GOPROXY");
    let insecure = get("GOINSECURE");

    // Broad GONOSUMDB (own or inherited from GOPRIVATE): verification is off for everything.
    if !sumdb_off {
        if let Some(g) = nosumdb
            .split(',')
            .map(|g| g.trim_end_matches('/'))
            .find(|g| matches_everything(g))
        {
            let from = if set("GONOSUMDB") {
                "GONOSUMDB"
            } else {
                "GOPRIVATE"
            };
            out.push(
                Finding::warning(
                    "settings.nosumdb-broad",
                    format!("{from} pattern {g:?} exempts every module from checksum verification: a security downgrade equal to GOSUMDB=off."),
                )
                .with_hint(format!("list only your private hosts in {from}, e.g. {from}=git.corp.example,github.com/your-org")),
            );
        }
    }
    if sumdb_off && (!nosumdb.is_empty()) {
        out.push(
            Finding::warning(
                "settings.sumdb-off-with-patterns",
                "GOSUMDB=off disables checksum verification for every module, although GONOSUMDB/GOPRIVATE already exempt the private ones.",
            )
            .with_hint("godoctor env unset GOSUMDB (keep verification for public modules; the patterns keep private ones out)"),
        );
    }
    // GOINSECURE globs whose modules still get verified against the checksum database.
    if !insecure.is_empty() && !sumdb_off {
        let unverifiable: Vec<&str> = insecure
            .split(',')
            .map(|g| g.trim_end_matches('/'))
            .filter(|g| !g.is_empty() && patterns::match_prefix_patterns(nosumdb, g).is_none())
            .collect();
        if !unverifiable.is_empty() {
            out.push(
                Finding::warning(
                    "settings.goinsecure-sumdb",
                    format!(
                        "GOINSECURE does not disable checksum verification: modules under {} are still looked up in {gosumdb}, which cannot know private modules (\"verifying module: … not found\").",
                        unverifiable.join(", ")
                    ),
                )
                .with_hint(format!("if they are private, put them in GOPRIVATE (or GONOSUMDB) too: GOPRIVATE={}", unverifiable.join(","))),
            );
        }
    }
    // GOINSECURE only affects direct fetches.
    let list = goproxy::resolve(goproxy, noproxy);
    let first_is_proxy = list
        .specs
        .iter()
        .find(|s| s.entry != goproxy::ProxyEntry::Noproxy)
        .is_some_and(|s| matches!(s.entry, goproxy::ProxyEntry::Url { .. }));
    if !insecure.is_empty() && first_is_proxy {
        let through_proxy: Vec<&str> = insecure
            .split(',')
            .map(|g| g.trim_end_matches('/'))
            .filter(|g| !g.is_empty() && patterns::match_prefix_patterns(noproxy, g).is_none())
            .collect();
        if !through_proxy.is_empty() {
            out.push(
                Finding::info(
                    "settings.goinsecure-proxy",
                    format!("GOINSECURE only applies when go fetches directly; {} do not match GONOPROXY/GOPRIVATE, so go fetches them through GOPROXY and GOINSECURE has no effect on them.", through_proxy.join(", ")),
                )
                .with_hint(format!("add them to GOPRIVATE (or GONOPROXY): GOPRIVATE={}", through_proxy.join(","))),
            );
        }
    }
    // `go env` reports GONOPROXY as GOPRIVATE when unset: only a different value is a choice.
    if set("GONOPROXY") && goproxy == "direct" && noproxy != get("GOPRIVATE") {
        out.push(Finding::info(
            "settings.noproxy-pointless",
            "GONOPROXY is set while GOPROXY=direct: every module is fetched directly anyway, so GONOPROXY changes nothing.",
        ));
    }
    // GOPRIVATE modules that GONOPROXY sends to a proxy anyway.
    let private = get("GOPRIVATE");
    if set("GONOPROXY") && !private.is_empty() && first_is_proxy {
        let leaked: Vec<&str> = private
            .split(',')
            .map(|g| g.trim_end_matches('/'))
            .filter(|g| !g.is_empty() && patterns::match_prefix_patterns(noproxy, g).is_none())
            .collect();
        if !leaked.is_empty() && noproxy != "none" {
            out.push(Finding::warning(
                "settings.private-via-proxy",
                format!("GONOPROXY overrides GOPRIVATE for the proxy decision: modules under {} are requested from {} (their paths reach the proxy).", leaked.join(", "), redact(goproxy)),
            ).with_hint("add them to GONOPROXY too, or unset GONOPROXY so it defaults to GOPRIVATE"));
        }
    }
    // go adds .netrc/GOAUTH credentials to https requests only (cmd/go/internal/web).
    let http_proxies: Vec<String> = list
        .specs
        .iter()
        .filter_map(|s| match &s.entry {
            goproxy::ProxyEntry::Url { url, .. }
                if url.starts_with("http://") && !crate::redact::has_credentials(url) =>
            {
                Some(redact(url))
            }
            _ => None,
        })
        .collect();
    if !http_proxies.is_empty() && get("GOAUTH") != "off" {
        out.push(Finding::info(
            "settings.auth-https-only",
            format!("go sends .netrc/GOAUTH credentials only over https; {} is plain http, so it never gets them.", http_proxies.join(", ")),
        ));
    }
    if list
        .specs
        .iter()
        .any(|s| s.entry == goproxy::ProxyEntry::Off)
        && !noproxy.is_empty()
        && !list
            .specs
            .iter()
            .any(|s| matches!(s.entry, goproxy::ProxyEntry::Url { .. }))
    {
        out.push(Finding::info(
            "settings.offline-private",
            "GOPROXY=off with GONOPROXY/GOPRIVATE: only modules matching the patterns can be downloaded (directly); everything else must already be in the module cache.",
        ));
    }
    out
}

/// A glob that matches the first element of every ordinary module path.
fn matches_everything(glob: &str) -> bool {
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
        .all(|h| pathmatch::path_match(glob, h).unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
    fn codes(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.code).collect()
    }

    #[test]
    fn check_value_dispatches_and_refuses() {
        let errs = |n: &str, v: &str| {
            check_value(n, v)
                .iter()
                .any(|f| f.severity == Severity::Error)
        };
        assert!(errs("GOPROXY", "not a url"));
        assert!(!errs("GOPROXY", "https://goproxy.io,direct"));
        assert!(errs("GOPROXY", "https://a\nb"));
        assert!(errs("GOPRIVATE", "x\0y"));
        assert!(errs("GOPRIVATE", "a.com, b.com"));
        assert!(errs("GOSUMDB", "sum.corp.example"));
        assert!(!errs("GOSUMDB", "sum.golang.google.cn"));
        assert!(errs("GOAUTH", "off;netrc"));
        assert!(errs("GOFLAGS", "-bogus"));
        assert!(errs("GOTOOLCHAIN", "bash"));
        assert!(errs("GO111MODULE", "true"));
        assert!(errs("GOPATH", "~/go"));
        assert!(errs("GOVCS", "github.com"));
        assert!(errs("GOMODCACHE", "cache"));
        assert!(errs("GOPROXY", "GOPROXY=https://goproxy.cn"));
        assert!(errs("GOPROXY", "\"https://goproxy.cn,direct\""));
        assert!(!errs("GOFLAGS", "'-ldflags=-s -w'"));
    }

    #[test]
    fn older_go_releases() {
        let codes_for = |n: &str, v: &str, m: u64| {
            check_value_for(n, v, Some(m))
                .into_iter()
                .map(|f| f.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(codes_for("GOAUTH", "off;netrc", 23), ["goauth.unsupported"]);
        assert_eq!(
            codes_for("GOAUTH", "off;netrc", 24),
            ["goauth.off-combined"]
        );
        assert_eq!(
            codes_for("GOTOOLCHAIN", "bash", 20),
            ["gotoolchain.unsupported"]
        );
        assert_eq!(
            codes_for("GOFLAGS", "'-ldflags=-s -w'", 19),
            ["goflags.non-flag", "goflags.unknown"]
        );
        assert!(codes_for("GOFLAGS", "'-ldflags=-s -w'", 26).is_empty());
        assert!(codes_for("GOFLAGS", "a\nb", 19).contains(&"value.newline"));
    }

    #[test]
    fn not_writable_names() {
        let known: std::collections::BTreeSet<String> = ["GOPROXY", "GOMOD", "GOENV"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(write_error("GOPROXY", &known), None);
        assert_eq!(
            write_error("GOMOD", &known).map(|f| f.message),
            Some("go env -w refuses it: GOMOD cannot be modified".into())
        );
        assert!(write_error("GOENV", &known).is_some_and(|f| {
            f.message
                .ends_with("can only be set using the OS environment")
        }));
        let f = write_error("GONOSUMCHECK", &known);
        assert_eq!(
            f.as_ref().map(|f| f.message.as_str()),
            Some("go env -w refuses it: unknown go command variable GONOSUMCHECK")
        );
        assert_eq!(
            f.and_then(|f| f.hint).as_deref(),
            Some("did you mean GONOSUMDB?")
        );
    }

    #[test]
    fn defaults_applied() {
        let e = effective(&map(&[("GOPRIVATE", "git.corp.example"), ("GOPROXY", "")]));
        assert_eq!(e["GOPROXY"], DEFAULT_GOPROXY);
        assert_eq!(e["GONOPROXY"], "git.corp.example");
        assert_eq!(e["GONOSUMDB"], "git.corp.example");
        assert_eq!(e["GOSUMDB"], "sum.golang.org");
    }

    #[test]
    fn cross_findings() {
        assert!(
            codes(&check_settings(&map(&[("GOPRIVATE", "*")]))).contains(&"settings.nosumdb-broad")
        );
        assert!(
            codes(&check_settings(&map(&[("GONOSUMDB", "*.*")])))
                .contains(&"settings.nosumdb-broad")
        );
        assert!(
            !codes(&check_settings(&map(&[
                ("GONOSUMDB", "*.*"),
                ("GOSUMDB", "off")
            ])))
            .contains(&"settings.nosumdb-broad")
        );
        assert!(
            codes(&check_settings(&map(&[
                ("GOPRIVATE", "git.corp.example"),
                ("GOSUMDB", "off")
            ])))
            .contains(&"settings.sumdb-off-with-patterns")
        );
        let f = check_settings(&map(&[("GOINSECURE", "git.corp.example")]));
        assert!(codes(&f).contains(&"settings.goinsecure-sumdb"));
        assert!(codes(&f).contains(&"settings.goinsecure-proxy"));
        let f = check_settings(&map(&[
            ("GOINSECURE", "git.corp.example"),
            ("GOPRIVATE", "*.corp.example"),
        ]));
        assert!(codes(&f).is_empty(), "{f:?}");
        assert!(
            codes(&check_settings(&map(&[
                ("GONOPROXY", "x.com"),
                ("GOPROXY", "direct")
            ])))
            .contains(&"settings.noproxy-pointless")
        );
        assert!(
            codes(&check_settings(&map(&[
                ("GONOPROXY", "a.corp"),
                ("GOPRIVATE", "a.corp,b.corp")
            ])))
            .contains(&"settings.private-via-proxy")
        );
        assert!(check_settings(&map(&[])).is_empty());
        assert!(
            codes(&check_settings(&map(&[(
                "GOPROXY",
                "http://proxy.corp.example,direct"
            )])))
            .contains(&"settings.auth-https-only")
        );
        assert!(
            !codes(&check_settings(&map(&[
                ("GOPROXY", "http://proxy.corp.example"),
                ("GOAUTH", "off")
            ])))
            .contains(&"settings.auth-https-only")
        );
        // As `go env -json` reports it: GONOPROXY shows GOPRIVATE's value.
        let f = check_settings(&map(&[
            ("GOPRIVATE", "x.com"),
            ("GONOPROXY", "x.com"),
            ("GOPROXY", "direct"),
        ]));
        assert!(!codes(&f).contains(&"settings.noproxy-pointless"), "{f:?}");
        assert!(
            check_settings(&map(&[
                ("GOPRIVATE", "github.com/me"),
                ("GOPROXY", "https://goproxy.cn,direct")
            ]))
            .is_empty()
        );
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    const NAMES: &[&str] = &[
        "GOPROXY",
        "GOPRIVATE",
        "GONOPROXY",
        "GONOSUMDB",
        "GOINSECURE",
        "GOSUMDB",
        "GOAUTH",
        "GOFLAGS",
        "GOTOOLCHAIN",
        "GO111MODULE",
        "GOPATH",
        "GOMODCACHE",
        "GOVCS",
    ];

    proptest! {
        /// No value of any managed variable makes the checks panic, for any go version.
        #[test]
        fn check_value_never_panics(i in 0..NAMES.len(), v in any::<String>(), minor in proptest::option::of(10u64..30)) {
            let _ = check_value_for(NAMES[i], &v, minor);
        }

        /// Values built from the characters the grammars care about.
        #[test]
        fn check_value_never_panics_on_grammar_alphabet(i in 0..NAMES.len(), v in "[a-z0-9+/=:;,|.@\\[\\]*?\\\\' \"-]{0,40}") {
            let _ = check_value(NAMES[i], &v);
            let _ = gosumdb::parse(&v);
            let _ = goauth::parse(&v);
            let _ = toolchain::parse(&v);
            let _ = module::check_path(&v);
            let _ = module::parse_semver(&v);
        }

        #[test]
        fn check_settings_never_panics(vals in proptest::collection::vec((0..NAMES.len(), "[a-z0-9.*/, |:]{0,20}"), 0..8)) {
            let map: BTreeMap<String, String> = vals.into_iter().map(|(i, v)| (NAMES[i].to_string(), v)).collect();
            let _ = check_settings(&map);
        }

        /// A valid verifier key for any host-like name parses back to the same name and key.
        #[test]
        fn verifier_keys_round_trip(name in "[a-z]{1,8}(\\.[a-z]{1,5}){1,2}", key in proptest::array::uniform32(any::<u8>())) {
            let k = gosumdb::format_verifier_key(&name, &key);
            let v = gosumdb::parse_verifier_key(&k);
            prop_assert_eq!(v.map(|v| (v.name, v.public_key)), Ok((name, key.to_vec())));
        }
    }
}
