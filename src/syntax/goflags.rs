//! GOFLAGS, split and checked as cmd/go's `base.InitGOFLAGS` does, plus flags that parse but
//! surprise (`-insecure`, `-mod=vendor`, `-ldflags=-s -w` split in two).
//!
//! Go's rules: the value is split with `quoted.Split` (spaces separate flags; a whole flag may
//! be quoted); every word must look like `-x`, `--x`, `-x=v` or `--x=v`; the name must be a flag
//! of some go command, else every command fails with `go: parsing $GOFLAGS: unknown flag -x`.

use super::quoted;
use crate::finding::Finding;

/// Flag names defined by some go subcommand (cmd/go/internal/**), the set `hasFlag` searches.
const GO_FLAGS: &[&str] = &[
    "C",
    "a",
    "artifacts",
    "asan",
    "asmflags",
    "bench",
    "benchmem",
    "benchtime",
    "blockprofile",
    "blockprofilerate",
    "broken",
    "buildmode",
    "buildvcs",
    "c",
    "cache",
    "changed",
    "compat",
    "compiled",
    "compiler",
    "count",
    "cover",
    "covermode",
    "coverpkg",
    "coverprofile",
    "cpu",
    "cpuprofile",
    "d",
    "debug-actiongraph",
    "debug-runtime-trace",
    "debug-trace",
    "deps",
    "diff",
    "dropexclude",
    "dropgodebug",
    "dropignore",
    "dropreplace",
    "droprequire",
    "dropretract",
    "droptool",
    "dropuse",
    "e",
    "exclude",
    "exec",
    "export",
    "f",
    "failfast",
    "find",
    "fix",
    "fmt",
    "fullpath",
    "fuzz",
    "fuzzcache",
    "fuzzminimizetime",
    "fuzztime",
    "gccgoflags",
    "gcflags",
    "go",
    "godebug",
    "i",
    "ignore",
    "insecure",
    "installsuffix",
    "json",
    "ldflags",
    "linkshared",
    "list",
    "m",
    "memprofile",
    "memprofilerate",
    "mod",
    "modcache",
    "modcacherw",
    "modfile",
    "module",
    "msan",
    "mutexprofile",
    "mutexprofilefraction",
    "n",
    "o",
    "outputdir",
    "overlay",
    "p",
    "parallel",
    "pgo",
    "pkgdir",
    "print",
    "r",
    "race",
    "replace",
    "require",
    "retract",
    "retracted",
    "reuse",
    "run",
    "short",
    "shuffle",
    "skip",
    "t",
    "tags",
    "test",
    "testcache",
    "timeout",
    "tool",
    "toolchain",
    "toolexec",
    "trace",
    "trimpath",
    "u",
    "use",
    "v",
    "vendor",
    "versions",
    "vet",
    "w",
    "work",
    "x",
];

/// Flags that take a value and are often written `-ldflags=-s -w`, which splits in two.
const VALUE_FLAGS: &[&str] = &[
    "ldflags",
    "gcflags",
    "asmflags",
    "gccgoflags",
    "tags",
    "toolexec",
    "overlay",
];

/// Split GOFLAGS like go. Err is go's message after `go: parsing $GOFLAGS: `.
pub fn split(value: &str) -> Result<Vec<String>, String> {
    quoted::split(value)
}

/// Whether a go of this minor version understands quoted GOFLAGS entries (`quoted.Split`);
/// Go 1.19 and older split on every space (verified against Go 1.19).
pub fn supports_quoting(go_minor: Option<u64>) -> bool {
    go_minor.is_none_or(|m| m >= 20)
}

/// Check a GOFLAGS value as the newest go reads it.
pub fn check(value: &str) -> Vec<Finding> {
    check_for(value, None)
}

/// Check a GOFLAGS value as go 1.`go_minor` reads it (`None`: the newest go).
pub fn check_for(value: &str, go_minor: Option<u64>) -> Vec<Finding> {
    let mut out = Vec::new();
    let split_result = if supports_quoting(go_minor) {
        split(value)
    } else {
        Ok(value.split_whitespace().map(str::to_string).collect())
    };
    let words = match split_result {
        Ok(w) => w,
        Err(e) => {
            return vec![
                Finding::error("goflags.quote", format!("go fails every command with: go: parsing $GOFLAGS: {e}"))
                    .with_hint("close the quote; quote a whole flag: GOFLAGS='-tags=a,b' or GOFLAGS=\"'-ldflags=-s -w'\""),
            ];
        }
    };
    // Flags to remove, each with the finding (its index in `out`) whose fix removes it and
    // the words after the command: every such finding gets one command that removes all of
    // them (a command per flag, each from today's value, would put the others back).
    let mut drops: Vec<(usize, usize, String)> = Vec::new();
    for (i, f) in words.iter().enumerate() {
        let bad_shape = !f.starts_with('-')
            || f == "-"
            || f == "--"
            || f.starts_with("---")
            || f.starts_with("-=")
            || f.starts_with("--=");
        if bad_shape {
            let prev_value_flag = i > 0 && value_flag_name(&words[i - 1]).is_some();
            let hint = if prev_value_flag {
                format!(
                    "quote the whole flag so the space stays inside it: GOFLAGS=\"'{} {f}'\"",
                    words[i - 1]
                )
            } else {
                "every word of GOFLAGS must be a flag; write values with '=': -mod=mod, not -mod mod".into()
            };
            out.push(
                Finding::error(
                    "goflags.non-flag",
                    format!("go fails every command with: go: parsing $GOFLAGS: non-flag {f:?}"),
                )
                .with_hint(hint),
            );
            continue;
        }
        let name = f.trim_start_matches('-');
        let name = name.split('=').next().unwrap_or(name);
        let flag_value = f.split_once('=').map(|(_, v)| v);
        if !GO_FLAGS.contains(&name) && !name.starts_with("test.") {
            out.push(Finding::error(
                "goflags.unknown",
                format!("go fails every command with: go: parsing $GOFLAGS: unknown flag -{name}"),
            ));
            drops.push((
                i,
                out.len() - 1,
                " (GOFLAGS may only hold flags that some go command defines)".into(),
            ));
            continue;
        }
        match (name, flag_value) {
            ("insecure", _) => {
                out.push(Finding::error(
                    "goflags.insecure",
                    "GOFLAGS has -insecure: modern go rejects it (\"-insecure flag is no longer supported\"), so `go get` fails; GOINSECURE lists the hosts that may skip HTTPS instead (e.g. godoctor env set GOINSECURE=git.corp.example).",
                ));
                drops.push((i, out.len() - 1, String::new()));
            }
            ("mod", Some("vendor")) => {
                out.push(Finding::warning(
                    "goflags.mod-vendor",
                    "GOFLAGS has -mod=vendor: every command then uses only vendor/ and refuses to download (\"cannot query module due to -mod=vendor\"), in every module on this machine.",
                ));
                drops.push((i, out.len() - 1, " (go uses vendor/ by itself where it exists and go.mod says go 1.14 or later)".into()));
            }
            ("mod", Some(m)) if !m.is_empty() && m != "mod" && m != "readonly" => {
                out.push(Finding::error(
                    "goflags.mod",
                    format!("module commands fail with: -mod={m} not supported (can be '', 'mod', 'readonly', or 'vendor')"),
                ));
                drops.push((i, out.len() - 1, " (or write -mod=mod or -mod=readonly)".into()));
            }
            ("C", _) => {
                out.push(Finding::error(
                    "goflags.chdir",
                    "GOFLAGS has -C: go refuses it there (\"-C flag must be first flag on command line\").",
                ));
                drops.push((i, out.len() - 1, " (pass -C on the command line)".into()));
            }
            ("n", _) => out.push(Finding::warning(
                "goflags.dry-run",
                "GOFLAGS has -n: builds and tests only print the commands they would run and do nothing.",
            )),
            ("json", _) => out.push(Finding::warning(
                "goflags.json",
                "GOFLAGS has -json: commands that know the flag (go list, go test, go build, go mod download…) print JSON, which surprises scripts and people.",
            )),
            _ => {}
        }
        // `-ldflags=-s -w` unquoted: the value ends at the space and -w becomes a flag.
        if let (Some(n), Some(next)) = (value_flag_name(f), words.get(i + 1)) {
            if next.starts_with('-')
                && !f.contains(' ')
                && GO_FLAGS.contains(&next.trim_start_matches('-').split('=').next().unwrap_or(""))
            {
                out.push(
                    Finding::warning(
                        "goflags.split-value",
                        format!("GOFLAGS has {f} {next}: go splits on spaces, so -{n} gets only {:?} and {next} is read as a separate go flag.", flag_value.unwrap_or("")),
                    )
                    .with_hint(format!("quote the whole flag if {next} belongs to -{n}: GOFLAGS=\"'{f} {next}'\"")),
                );
            }
        }
    }
    if !drops.is_empty() {
        // GOFLAGS without the flags found wrong, quoted as go's quoted.Join writes fields (1.20+
        // reads quotes; an older go never has such words; a field with both quotes, which
        // nothing can quote, is left as it was).
        let kept: Vec<&String> = words
            .iter()
            .enumerate()
            .filter(|(j, _)| !drops.iter().any(|(d, _, _)| d == j))
            .map(|(_, w)| w)
            .collect();
        let rest = super::quoted::join(&kept).unwrap_or_else(|_| {
            kept.iter()
                .map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        });
        let command = if rest.is_empty() {
            crate::shellrc::env_unset(&["GOFLAGS"])
        } else {
            crate::shellrc::env_set(&[("GOFLAGS", &rest)])
        };
        for (_, k, after) in drops {
            out[k].hint = Some(format!("{command}{after}"));
        }
    }
    out
}

/// `-ldflags=...` → Some("ldflags") for flags whose values often contain spaces.
fn value_flag_name(f: &str) -> Option<&'static str> {
    let name = f.trim_start_matches('-').split('=').next()?;
    f.contains('=').then_some(())?;
    VALUE_FLAGS.iter().copied().find(|v| *v == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(v: &str) -> Vec<&'static str> {
        check(v).iter().map(|f| f.code).collect()
    }

    #[test]
    fn go_parse_errors() {
        assert_eq!(codes("insecure"), ["goflags.non-flag"]);
        assert_eq!(codes("-"), ["goflags.non-flag"]);
        assert_eq!(codes("---x"), ["goflags.non-flag"]);
        assert_eq!(codes("-=x"), ["goflags.non-flag"]);
        assert_eq!(codes("-bogus"), ["goflags.unknown"]);
        assert_eq!(codes("'-tags=a"), ["goflags.quote"]);
        assert_eq!(
            check("-bogus")[0].message,
            "go fails every command with: go: parsing $GOFLAGS: unknown flag -bogus"
        );
    }

    #[test]
    fn accepted_but_surprising() {
        assert_eq!(codes("-insecure"), ["goflags.insecure"]);
        assert_eq!(codes("-mod=vendor"), ["goflags.mod-vendor"]);
        assert_eq!(codes("-C=/tmp"), ["goflags.chdir"]);
        assert_eq!(codes("-mod=bogus"), ["goflags.mod"]);
        assert!(codes("-mod=").is_empty());
        assert_eq!(codes("-ldflags=-s -w"), ["goflags.split-value"]);
        assert!(codes("'-ldflags=-s -w'").is_empty());
    }

    #[test]
    fn old_go_splits_on_every_space() {
        let f = check_for("'-ldflags=-s -w'", Some(19));
        assert_eq!(
            f[0].message,
            "go fails every command with: go: parsing $GOFLAGS: non-flag \"'-ldflags=-s\""
        );
        assert!(check_for("'-ldflags=-s -w'", Some(20)).is_empty());
    }

    #[test]
    fn fine_values() {
        for v in [
            "",
            "-modcacherw",
            "-mod=mod -modcacherw",
            "--mod=readonly",
            "-count=1 -test.v",
            "-tags=integration,netgo",
            "-trimpath -buildvcs=false",
        ] {
            assert!(codes(v).is_empty(), "{v}: {:?}", codes(v));
        }
    }
}
