//! The fix-verification matrix: every fix `check` prints, applied as printed in an isolated
//! user (the `godoctor …` command run as is, or the shell-file edit made and a new shell
//! started), removes its finding and brings no new error. Fixes that only a person can carry
//! out are said in words; the matrix lists which those are and asserts they are not commands.

use crate::common;

use common::{GoUser, Run, godoctor_bin};
use serde_json::Value;

/// How a scenario runs godoctor: directly, or from a bash that sourced `~/.bashrc` (so values
/// the shell files set reach it the way they reach a user's terminal).
#[derive(Clone, Copy, PartialEq)]
enum Shell {
    Direct,
    Bashrc,
}

fn check(user: &GoUser, shell: Shell, extra: &[&str]) -> Value {
    let mut args = vec!["check", "--json", "--offline"];
    args.extend_from_slice(extra);
    let run: Run = match shell {
        Shell::Direct => user.godoctor(&args),
        Shell::Bashrc => {
            let mut all = vec![
                "-c".to_string(),
                ". \"$HOME/.bashrc\"; exec \"$0\" \"$@\"".to_string(),
                godoctor_bin().display().to_string(),
            ];
            all.extend(args.iter().map(|s| s.to_string()));
            user.run("bash", &all, None)
        }
    };
    assert!(matches!(run.code(), Some(0 | 1)), "check failed: {run}");
    run.json()
}

/// (id, title) of every warning and error.
fn problems(json: &Value) -> Vec<(String, String, String)> {
    json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "warn" || c["status"] == "error")
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_string(),
                c["status"].as_str().unwrap_or("").to_string(),
                c["title"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// What a printed fix is.
#[derive(Debug, PartialEq)]
enum Kind {
    /// A `godoctor …` command, run as printed.
    Command(Vec<String>),
    /// Shell-file edits: (file, line, old text, replacement or None to delete).
    ShellEdit(Vec<(String, usize, String, Option<String>)>),
    /// Words for a person; not a command.
    Words,
}

/// Split a printed command into words by a real POSIX shell (`sh` parses the quoting, as it
/// would when the user pastes the command).
fn shell_words(text: &str) -> Vec<String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("set -- {text}; printf '%s\\0' \"$@\""))
        .env_clear()
        .output()
        .expect("run sh");
    assert!(out.status.success(), "sh could not parse {text:?}");
    String::from_utf8_lossy(&out.stdout)
        .split_terminator('\0')
        .map(str::to_string)
        .collect()
}

fn classify(hint: &str) -> Kind {
    let hint = hint.trim().trim_start_matches('`');
    if hint.starts_with("godoctor ") {
        // The command ends where the prose starts: " (", ", or", "; ", ", then".
        let mut end = hint.len();
        for sep in [" (", ", ", "; ", "`"] {
            if let Some(i) = hint.find(sep) {
                end = end.min(i);
            }
        }
        return Kind::Command(shell_words(&hint[..end]));
    }
    if hint.contains(" comes from your shell") {
        let mut edits = Vec::new();
        for part in hint.split("in ").skip(1) {
            let Some((place, rest)) = part.split_once(' ') else {
                continue;
            };
            let Some((file, line)) = place.rsplit_once(':') else {
                continue;
            };
            let Ok(line) = line.parse::<usize>() else {
                continue;
            };
            let ticks: Vec<&str> = rest.split('`').collect();
            if rest.starts_with("delete `") {
                edits.push((file.to_string(), line, ticks[1].to_string(), None));
            } else if rest.starts_with("replace `") {
                edits.push((
                    file.to_string(),
                    line,
                    ticks[1].to_string(),
                    Some(ticks[3].to_string()),
                ));
            }
        }
        assert!(!edits.is_empty(), "a shell fix without an edit: {hint}");
        return Kind::ShellEdit(edits);
    }
    Kind::Words
}

fn apply(user: &GoUser, kind: &Kind) {
    match kind {
        Kind::Command(words) => {
            assert_eq!(words[0], "godoctor");
            let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            assert_ne!(
                args.first(),
                Some(&"setup"),
                "setup is interactive, not a fix"
            );
            let run = user.godoctor(&args);
            run.assert_success();
        }
        Kind::ShellEdit(edits) => {
            for (file, line, old, new) in edits {
                let path = match file.strip_prefix("~/") {
                    Some(rest) => user.home().join(rest),
                    None => file.into(),
                };
                let text = std::fs::read_to_string(&path).expect("shell file");
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                assert_eq!(lines[line - 1].trim(), old, "{file}:{line}");
                match new {
                    Some(n) => lines[line - 1] = n.clone(),
                    None => {
                        lines.remove(line - 1);
                    }
                }
                std::fs::write(&path, lines.join("\n") + "\n").expect("write shell file");
            }
        }
        Kind::Words => unreachable!(),
    }
}

/// One row of the matrix: a broken setup, the check id whose finding must go, and what kind of
/// fix the report prints for it.
struct Case {
    name: &'static str,
    user: fn() -> GoUser,
    shell: Shell,
    target: &'static str,
    expect: &'static str,
}

fn bashrc(user: &GoUser, text: &str) {
    std::fs::write(user.home().join(".bashrc"), text).expect("write ~/.bashrc");
}

fn without_defaults() -> GoUser {
    GoUser::new()
        .without_env("GOPROXY")
        .without_env("GOSUMDB")
        .with_network_jail()
}

/// Every fix the report can print for these findings (the list the issue asks for).
///
/// Run as printed and verified here (a `godoctor env` command, or the shell-file edit):
/// `godoctor env unset GOPROXY` (GOPROXY=off, an empty `GOPROXY=` line, an unsupported scheme),
/// `godoctor env unset GOSUMDB` (GOSUMDB=off, alone or beside GOPRIVATE), `godoctor env unset
/// GO111MODULE` (off, or a value that makes go refuse every command), `godoctor env set
/// GOPRIVATE=…` (patterns that never match, mended into one value), `godoctor env unset GOAUTH`
/// (GOAUTH=off keeping go from sending a .netrc login), and for each of these when
/// the shell sets the variable: the edit of its line in ~/.bashrc (also GOENV naming a
/// directory, and an OS variable hiding the go env file's value).
///
/// Verified by their own tests: the toolchain fixes (`tests/it/check.rs`: `GOTOOLCHAIN=local go mod
/// edit -go=…` for a release that does not exist, go's parse error for a broken go.mod), moving a
/// go env file that is a directory aside (below), `--fix` (below).
///
/// Said in words, because only a person can do them (asserted not to look like commands where
/// they are printed): a value set outside every shell file godoctor reads (below), credentials
/// for a private host (~/.netrc or GOAUTH), several go binaries on PATH, a file go cannot read
/// (chmod), a proxy that is down or whose port another program holds (`godoctor port`),
/// unreachable private hosts, and values that need a choice (`<value>` placeholders).
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "GOPROXY=off written with go env -w",
            user: || {
                let u = without_defaults();
                u.write_goenv("GOPROXY=off\nGOSUMDB=sum.golang.org\n");
                u
            },
            shell: Shell::Direct,
            target: "proxy.chain",
            expect: "godoctor env unset GOPROXY",
        },
        Case {
            name: "GOSUMDB=off written with go env -w",
            user: || {
                let u = without_defaults();
                u.write_goenv("GOSUMDB=off\n");
                u
            },
            shell: Shell::Direct,
            target: "sumdb.config",
            expect: "godoctor env unset GOSUMDB",
        },
        Case {
            name: "an empty GOPROXY= line in the go env file",
            user: || {
                let u = without_defaults();
                u.write_goenv("GOPROXY=\nGOSUMDB=sum.golang.org\n");
                u
            },
            shell: Shell::Direct,
            target: "settings.envfile",
            expect: "godoctor env unset GOPROXY",
        },
        Case {
            name: "GOPROXY with an unsupported scheme in the go env file",
            user: || {
                let u = without_defaults();
                u.write_goenv("GOPROXY=ftp://mirror.invalid\nGOSUMDB=sum.golang.org\n");
                u
            },
            shell: Shell::Direct,
            target: "proxy.chain",
            expect: "godoctor env unset GOPROXY",
        },
        Case {
            name: "GOFLAGS with -insecure and -mod=vendor beside good flags in the go env file",
            user: || {
                let u = without_defaults();
                u.write_goenv(
                    "GOFLAGS=-mod=vendor -insecure -trimpath '-ldflags=-s -w'\nGOSUMDB=sum.golang.org\n",
                );
                u
            },
            shell: Shell::Direct,
            target: "settings.values",
            // One command removes both flags (one per flag would put the other back) and keeps
            // the quoted flag whole.
            expect: "godoctor env set GOFLAGS=-trimpath '-ldflags=-s -w'",
        },
        Case {
            name: "GOFLAGS with -insecure exported by ~/.bashrc",
            user: || {
                let u = without_defaults();
                bashrc(&u, "export GOFLAGS='-insecure -trimpath'\n");
                u
            },
            shell: Shell::Bashrc,
            target: "settings.values",
            expect: "shell",
        },
        Case {
            name: "GOSUMDB=off exported by ~/.bashrc",
            user: || {
                let u = without_defaults();
                bashrc(&u, "alias ll='ls -l'\nexport GOSUMDB=off\n");
                u
            },
            shell: Shell::Bashrc,
            target: "sumdb.config",
            expect: "shell",
        },
        Case {
            name: "GOPROXY=off exported by ~/.bashrc with GOSUMDB=off too",
            user: || {
                let u = without_defaults();
                bashrc(&u, "export GOPROXY=off\nexport GOSUMDB=sum.golang.org\n");
                u
            },
            shell: Shell::Bashrc,
            target: "proxy.chain",
            expect: "shell",
        },
        Case {
            name: "GOPRIVATE with a URL scheme and /... written with go env -w",
            user: || {
                let u = without_defaults();
                u.write_goenv("GOPRIVATE=https://git.corp.example/...\n");
                u
            },
            shell: Shell::Direct,
            target: "private.patterns",
            expect: "godoctor env set GOPRIVATE=git.corp.example",
        },
        Case {
            name: "GOPRIVATE with a URL scheme exported by ~/.bashrc",
            user: || {
                let u = without_defaults();
                bashrc(&u, "export GOPRIVATE=https://git.corp.example/team\n");
                u
            },
            shell: Shell::Bashrc,
            target: "private.patterns",
            expect: "shell",
        },
        Case {
            name: "GOAUTH=off written with go env -w beside a .netrc login for the private host",
            user: || {
                let u = without_defaults();
                u.write_goenv("GOAUTH=off\nGOPRIVATE=git.corp.example\n");
                std::fs::write(
                    u.home().join(".netrc"),
                    "machine git.corp.example login alice password s3cret\n",
                )
                .expect("write ~/.netrc");
                u
            },
            shell: Shell::Direct,
            target: "private.auth",
            expect: "godoctor env unset GOAUTH",
        },
        Case {
            name: "GO111MODULE=off written with go env -w",
            user: || {
                let u = without_defaults();
                u.write_goenv("GO111MODULE=off\n");
                u
            },
            shell: Shell::Direct,
            target: "settings.values",
            expect: "godoctor env unset GO111MODULE",
        },
        Case {
            name: "GO111MODULE=of in the go env file: go refuses every command",
            user: || {
                let u = without_defaults();
                u.write_goenv("GO111MODULE=of\n");
                u
            },
            shell: Shell::Direct,
            target: "toolchain.go",
            expect: "godoctor env unset GO111MODULE",
        },
        Case {
            name: "GOSUMDB=off beside GOPRIVATE, written with go env -w",
            user: || {
                let u = without_defaults();
                u.write_goenv("GOSUMDB=off\nGOPRIVATE=git.corp.example\n");
                u
            },
            shell: Shell::Direct,
            target: "settings.combination",
            expect: "godoctor env unset GOSUMDB",
        },
        Case {
            name: "GOSUMDB=off beside GOPRIVATE, exported by ~/.bashrc",
            user: || {
                let u = without_defaults();
                bashrc(
                    &u,
                    "export GOSUMDB=off\nexport GOPRIVATE=git.corp.example\n",
                );
                u
            },
            shell: Shell::Bashrc,
            target: "settings.combination",
            expect: "shell",
        },
        Case {
            name: "GOFLAGS exported by ~/.bashrc hides the go env file's GOFLAGS",
            user: || {
                let u = without_defaults();
                u.write_goenv("GOFLAGS=-mod=mod\n");
                bashrc(&u, "export GOFLAGS=-mod=readonly\n");
                u
            },
            shell: Shell::Bashrc,
            target: "settings.shadowed",
            expect: "shell",
        },
        Case {
            name: "GOENV exported by ~/.bashrc names a directory",
            user: || {
                let u = without_defaults();
                let dir = u.home().join("goenv.d");
                std::fs::create_dir_all(&dir).expect("mkdir");
                bashrc(&u, &format!("export GOENV={}\n", dir.display()));
                u
            },
            shell: Shell::Bashrc,
            target: "settings.envfile",
            expect: "shell",
        },
    ]
}

#[test]
fn every_printed_fix_removes_its_finding() {
    let mut failures = Vec::new();
    for case in cases() {
        let user = (case.user)();
        let before = check(&user, case.shell, &[]);
        let found = problems(&before);
        // A raw `go env -w/-u` is neither undoable nor applied by --fix, and does nothing for a
        // value the shell sets: every value fix goes through godoctor.
        for fix in before["fixes"].as_array().into_iter().flatten() {
            let hint = fix["hint"].as_str().unwrap_or("");
            if hint.trim_start_matches('`').starts_with("go env -") {
                failures.push(format!("{}: a raw go command as fix: {hint}", case.name));
            }
        }
        let Some(target) = found.iter().find(|(id, _, _)| id == case.target).cloned() else {
            failures.push(format!(
                "{}: no {} finding: {found:?}",
                case.name, case.target
            ));
            continue;
        };
        let fix = before["fixes"]
            .as_array()
            .expect("fixes")
            .iter()
            .find(|f| {
                f["resolves"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|id| id == case.target))
            })
            .cloned();
        let Some(fix) = fix else {
            failures.push(format!("{}: no fix resolves {}", case.name, case.target));
            continue;
        };
        let hint = fix["hint"].as_str().expect("hint");
        let kind = classify(hint);
        match (&kind, case.expect) {
            (Kind::ShellEdit(_), "shell") => {}
            (Kind::Command(words), want) if words.join(" ") == want => {}
            _ => {
                failures.push(format!(
                    "{}: expected {}, got {kind:?} from {hint}",
                    case.name, case.expect
                ));
                continue;
            }
        }
        apply(&user, &kind);
        let after = check(&user, case.shell, &[]);
        let left = problems(&after);
        if left.contains(&target) {
            failures.push(format!(
                "{}: {target:?} still there after `{hint}`",
                case.name
            ));
        }
        for p in &left {
            if p.1 == "error" && !found.contains(p) {
                failures.push(format!("{}: new error {p:?} after `{hint}`", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A value set outside every shell file godoctor reads: the fix says so in words and names
/// no `godoctor env` command that would change nothing.
#[test]
fn a_value_set_outside_the_shell_files_is_said_in_words() {
    let user = GoUser::new();
    let json = check(&user, Shell::Direct, &[]);
    let fixes = json["fixes"].as_array().expect("fixes");
    let sumdb = fixes
        .iter()
        .find(|f| {
            f["resolves"]
                .as_array()
                .is_some_and(|r| r.iter().any(|id| id == "sumdb.config"))
        })
        .expect("a fix for GOSUMDB=off");
    let hint = sumdb["hint"].as_str().expect("hint");
    assert!(hint.contains("set outside your shell files"), "{hint}");
    assert_eq!(classify(hint), Kind::Words, "{hint}");
    assert_eq!(sumdb["applies_with_fix"], false);
}

/// go's env file at its default place is a directory: no chmod helps, and `go env -w` fails.
/// The fix (in words: godoctor moves no directory) is to move it aside; done as said, the
/// finding goes and go writes again.
#[test]
fn a_go_env_file_that_is_a_directory_is_moved_aside_not_chmodded() {
    let user = without_defaults();
    let dir = user.goenv_path();
    std::fs::create_dir_all(&dir).expect("mkdir");
    user.go(&["env", "-w", "GOFLAGS=-mod=mod"])
        .assert_failure()
        .assert_stderr_contains("is a directory");
    let json = check(&user, Shell::Direct, &[]);
    let envfile = problems(&json)
        .into_iter()
        .find(|p| p.0 == "settings.envfile")
        .expect("an env file finding");
    assert_eq!(envfile.1, "error", "{envfile:?}");
    let hint = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "settings.envfile" && c["status"] == "error")
        .and_then(|c| c["hint"].as_str())
        .expect("hint")
        .to_string();
    assert!(!hint.contains("chmod"), "{hint}");
    assert_eq!(classify(&hint), Kind::Words, "{hint}");
    let moved = format!("mv {} {}.old", dir.display(), dir.display());
    assert!(hint.contains(&moved), "{hint}");
    std::fs::rename(&dir, dir.with_extension("old")).expect("mv");
    let after = check(&user, Shell::Direct, &[]);
    assert!(
        !problems(&after).iter().any(|p| p.0 == "settings.envfile"),
        "{:?}",
        problems(&after)
    );
    user.go(&["env", "-w", "GOFLAGS=-mod=mod"]).assert_success();
}

/// `check --fix --yes` applies every safe fix, then shows the report again.
#[test]
fn fix_applies_every_safe_fix_and_reports_again() {
    let user = without_defaults();
    user.write_goenv("GOPROXY=off\nGOSUMDB=off\nGOFLAGS=\n");
    let run = user.godoctor(&["check", "--offline", "--fix", "--yes", "--color", "never"]);
    run.assert_success();
    assert_eq!(
        run.stdout.matches("godoctor check:").count(),
        2,
        "the report again after fixing: {}",
        run.stdout
    );
    assert!(
        run.stdout.trim_end().ends_with("skipped)"),
        "{}",
        run.stdout
    );
    let after = check(&user, Shell::Direct, &[]);
    assert!(problems(&after).is_empty(), "{:?}", problems(&after));
    // --json --fix prints one document: the report after the fixes.
    user.write_goenv("GOSUMDB=off\n");
    let run = user.godoctor(&["check", "--json", "--offline", "--fix", "--yes"]);
    assert_eq!(run.json()["summary"]["warnings"], 0, "{run}");
}
