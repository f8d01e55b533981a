//! `godoctor profile …` against the real `go`, each test in its own isolated Go user: applying
//! (and undoing) profiles, refusing what cannot be applied, concurrent applies, a go env file
//! go cannot write, broken profile files, save, and export checked by a real shell.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::GoUser;
use common::modules::Module;
use common::profiles;
use common::proxy::{Behaviour, GoProxy};

/// An isolated user whose go env file decides GOPROXY and GOSUMDB: the harness's safe OS
/// defaults for those two would shadow what a profile writes. Nothing here touches the network
/// (`go env` and `go env -w` never do); GOTOOLCHAIN=local stays.
fn user() -> GoUser {
    GoUser::new().without_env("GOPROXY").without_env("GOSUMDB")
}

/// The KEY=VALUE lines of the go env file, as a map (panics on a duplicate key: godoctor must
/// never leave one).
fn goenv_map(user: &GoUser) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in user.read_goenv().unwrap_or_default().lines() {
        if let Some((k, v)) = line.split_once('=') {
            assert!(
                map.insert(k.to_string(), v.to_string()).is_none(),
                "duplicate {k} in the go env file"
            );
        }
    }
    map
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn apply_writes_the_profile_go_sees_it_and_undo_reverts_it() {
    let user = user();
    user.write_goenv("GOFLAGS=-mod=mod\n");
    let run = user.godoctor(&["profile", "apply", "china-mirror", "--yes"]);
    run.assert_code(0)
        .assert_stdout_contains("applied profile china-mirror")
        .assert_stdout_contains("godoctor undo");
    assert_eq!(
        goenv_map(&user),
        map(&[
            ("GOFLAGS", "-mod=mod"),
            ("GOPROXY", "https://goproxy.cn,direct"),
            ("GOSUMDB", "sum.golang.google.cn"),
        ])
    );
    assert_eq!(user.go_env("GOPROXY"), "https://goproxy.cn,direct");
    assert_eq!(user.go_env("GOSUMDB"), "sum.golang.google.cn");

    // `list` marks it as the active one, and only it.
    assert_eq!(profiles::marked(&user, "active"), ["china-mirror"]);

    // Applying official removes both lines: unset is how go's defaults come back.
    user.godoctor(&["profile", "apply", "official", "--yes"])
        .assert_code(0);
    assert_eq!(goenv_map(&user), map(&[("GOFLAGS", "-mod=mod")]));
    let defaults = (user.go_env("GOPROXY"), user.go_env("GOSUMDB"));
    assert_eq!(profiles::marked(&user, "active"), ["official"]);

    // undo restores china-mirror, a second undo the start.
    user.godoctor(&["undo"]).assert_code(0);
    assert_eq!(user.go_env("GOPROXY"), "https://goproxy.cn,direct");
    user.godoctor(&["undo"]).assert_code(0);
    assert_eq!(goenv_map(&user), map(&[("GOFLAGS", "-mod=mod")]));
    assert_eq!((user.go_env("GOPROXY"), user.go_env("GOSUMDB")), defaults);
}

#[test]
fn apply_by_alias_and_prefix_and_candidates_for_the_rest() {
    let user = user();
    user.godoctor(&["profile", "apply", "cn", "--yes"])
        .assert_code(0);
    assert_eq!(user.go_env("GOPROXY"), "https://goproxy.cn,direct");
    user.godoctor(&["profile", "apply", "offl", "--yes"])
        .assert_code(0);
    assert_eq!(user.go_env("GOPROXY"), "off");
    let run = user.godoctor(&["profile", "show", "c"]);
    run.assert_code(2)
        .assert_stderr_contains("china-mirror, corporate");
    let run = user.godoctor(&["profile", "show", "nosuch"]);
    run.assert_code(2)
        .assert_stderr_contains("official, china-mirror, corporate, offline");
}

#[test]
fn missing_variables_without_a_terminal_list_the_sets_and_change_nothing() {
    let user = user();
    let run = user.godoctor(&["profile", "apply", "corp", "--yes"]);
    run.assert_code(2)
        .assert_stderr_contains("needs values for: proxy, private")
        .assert_stderr_contains("--set proxy=")
        .assert_stderr_contains("--set 'private=");
    assert_eq!(user.read_goenv(), None);

    let run = user.godoctor(&["profile", "apply", "corp", "--yes", "--set", "prxy=x"]);
    run.assert_code(2)
        .assert_stderr_contains("no variable `prxy`")
        .assert_stderr_contains("proxy, fallback, private");
    assert_eq!(user.read_goenv(), None);

    let run = user.godoctor(&[
        "profile",
        "apply",
        "corp",
        "--yes",
        "--set",
        "proxy=https://p.corp.example\nGOSUMDB=off",
        "--set",
        "private=*.corp.example",
    ]);
    run.assert_code(2)
        .assert_stderr_contains("nothing was changed");
    assert_eq!(user.read_goenv(), None);

    // go's grammar: a scheme go refuses, a glob go silently ignores; each said once.
    let run = user.godoctor(&[
        "profile",
        "apply",
        "corp",
        "--yes",
        "--set",
        "proxy=ftp://p.corp.example",
        "--set",
        "private=corp.example/[",
    ]);
    run.assert_code(2)
        .assert_stderr_contains("invalid proxy URL scheme")
        .assert_stderr_contains("malformed glob")
        .assert_stderr_contains("2 invalid value(s)");
    assert_eq!(user.read_goenv(), None);

    user.godoctor(&[
        "profile",
        "apply",
        "corp",
        "--yes",
        "--set",
        "proxy=https://p.corp.example",
        "--set",
        "private=*.corp.example",
    ])
    .assert_code(0);
    assert_eq!(
        goenv_map(&user),
        map(&[
            ("GONOPROXY", "*.corp.example"),
            ("GONOSUMDB", "*.corp.example"),
            ("GOPRIVATE", "*.corp.example"),
            (
                "GOPROXY",
                "https://p.corp.example,https://proxy.golang.org,direct"
            ),
        ])
    );
}

#[test]
fn without_a_terminal_apply_needs_yes_and_dry_run_writes_nothing() {
    let user = user();
    let run = user.godoctor(&["profile", "apply", "offline"]);
    run.assert_code(2).assert_stderr_contains("--yes");
    assert_eq!(user.read_goenv(), None);

    let run = user.godoctor(&["profile", "apply", "offline", "--dry-run", "--json"]);
    run.assert_code(0);
    let json = run.json();
    let rows = json["rows"].as_array().expect("rows");
    let proxy = rows
        .iter()
        .find(|r| r["name"] == "GOPROXY")
        .expect("GOPROXY row");
    assert_eq!(proxy["after"], "off");
    assert_eq!(proxy["writes"], true);
    assert_eq!(proxy["source"], "goroot");
    assert_eq!(user.read_goenv(), None);

    let run = user.godoctor(&["profile", "diff", "offline"]);
    run.assert_code(0)
        .assert_stdout_contains("GOFLAGS")
        .assert_stdout_contains("-mod=mod");
    assert_eq!(user.read_goenv(), None);
}

/// A warning about a value the profile writes on purpose (offline's GOPROXY=off and
/// GOSUMDB=off) is a note of what the apply means, never a fix that would undo the profile;
/// a value built from the user's answer keeps its warning and fix.
#[test]
fn the_profiles_own_values_get_notes_not_fixes_that_undo_it() {
    let user = user();
    let run = user.godoctor(&["profile", "apply", "offline", "--yes"]);
    run.assert_code(0)
        .assert_stdout_contains("GOPROXY=off: go may not download any module")
        .assert_stdout_contains("(profile offline sets it on purpose)");
    let out = run.output();
    assert!(
        !out.contains("fix:"),
        "a fix that undoes the profile:\n{out}"
    );
    assert_eq!(user.go_env("GOPROXY"), "off");

    // A fallback with an entry after `direct`, given as the answer to corporate's question, is
    // the user's value: its warning keeps its fix, and the fix, applied, removes it.
    let run = user.godoctor(&[
        "profile",
        "apply",
        "corporate",
        "--set",
        "proxy=https://127.0.0.1:9",
        "--set",
        "private=corp.example.com",
        "--set",
        "fallback=direct,https://127.0.0.1:8",
        "--yes",
    ]);
    run.assert_code(0)
        .assert_stdout_contains("after `direct`, but go stops at `direct`")
        .assert_stdout_contains(
            "fix: put `direct` last: GOPROXY=https://127.0.0.1:9,https://127.0.0.1:8,direct",
        );
    let run = user.godoctor(&[
        "env",
        "set",
        "GOPROXY=https://127.0.0.1:9,https://127.0.0.1:8,direct",
    ]);
    run.assert_code(0);
    assert!(!run.output().contains("after `direct`"), "{run}");
}

/// Settings that are a profile's (offline, applied or exported into the environment as a CI
/// job does) are what the user chose: check keeps what GOPROXY=off means but as a pass naming
/// the profile, with no fix that undoes it. GOPROXY=off on its own is still an error.
#[test]
fn check_does_not_fight_a_profile_in_use() {
    let check_of = |user: &GoUser| {
        let run = user.godoctor(&["check", "--offline", "--json", "proxy", "sumdb"]);
        let json = run.json();
        let chain = json["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == "proxy.chain"))
            .cloned()
            .unwrap_or_default();
        (run, json, chain)
    };
    let user = user();
    user.godoctor(&["profile", "apply", "offline", "--yes"])
        .assert_code(0);
    let (run, json, chain) = check_of(&user);
    run.assert_code(0);
    assert_eq!(chain["status"], "ok", "{json:#}");
    assert!(
        chain["title"].as_str().is_some_and(
            |t| t.contains("GOPROXY=off") && t.contains("profile offline sets it on purpose")
        ),
        "{json:#}"
    );
    assert_eq!(json["fixes"].as_array().map(Vec::len), Some(0), "{json:#}");
    // The way out it names, run, leaves the profile: go's defaults for all three settings.
    let leave = chain["notes"][0]
        .as_str()
        .and_then(|n| n.strip_prefix("to leave profile offline: "))
        .expect("a note on how to leave the profile");
    assert_eq!(
        leave,
        "godoctor profile apply official, then godoctor env unset GOFLAGS"
    );
    user.godoctor(&["profile", "apply", "official", "--yes"])
        .assert_code(0);
    user.godoctor(&["env", "unset", "GOFLAGS"]).assert_code(0);
    assert_eq!(user.read_goenv().unwrap_or_default().trim(), "");
    assert_eq!(user.go_env("GOFLAGS"), "");

    // The same settings exported into the environment (`profile export offline`).
    let exported = GoUser::new()
        .with_env("GOPROXY", "off")
        .with_env("GOSUMDB", "off")
        .with_env("GOFLAGS", "-mod=mod");
    let (run, json, chain) = check_of(&exported);
    run.assert_code(0);
    assert_eq!(chain["status"], "ok", "{json:#}");

    // Without the profile's GOFLAGS they are no profile's: GOPROXY=off is an error again.
    let alone = GoUser::new()
        .with_env("GOPROXY", "off")
        .with_env("GOSUMDB", "off");
    let (run, json, chain) = check_of(&alone);
    run.assert_code(1);
    assert_eq!(chain["status"], "error", "{json:#}");
}

#[test]
fn an_os_variable_that_shadows_the_profile_is_reported_with_the_fix() {
    // The harness's own GOPROXY=off stays in the OS environment.
    let user = GoUser::new().without_env("GOSUMDB");
    let run = user.godoctor(&["profile", "apply", "china-mirror", "--yes"]);
    run.assert_code(0)
        .assert_stdout_contains("GOPROXY is set in your environment")
        .assert_stdout_contains("unset GOPROXY");
    assert_eq!(
        goenv_map(&user).get("GOPROXY").map(String::as_str),
        Some("https://goproxy.cn,direct")
    );
    assert_eq!(
        user.go_env("GOPROXY"),
        "off",
        "go keeps using the OS variable"
    );
}

/// A shadowed row says both halves of the truth: go keeps the OS value, and the file is still
/// written (what go reads once the variable is gone).
#[test]
fn a_shadowed_row_says_what_go_keeps_and_what_the_file_gets() {
    let user = GoUser::new().without_env("GOSUMDB");
    let run = user.godoctor(&["profile", "apply", "china-mirror", "--dry-run"]);
    run.assert_code(0)
        .assert_stdout_contains(
            "(an OS variable GOPROXY overrides the file; the file gets https://goproxy.cn,direct)",
        )
        .assert_stdout_contains("dry run: nothing was written");
    assert_eq!(
        goenv_map(&user).get("GOPROXY"),
        None,
        "a dry run writes nothing"
    );
    // The JSON of a write has the same shape as a dry run's, with the write filled in.
    let run = user.godoctor(&["--json", "profile", "apply", "china-mirror", "--yes"]);
    run.assert_code(0);
    let j = run.json();
    assert_eq!(j["applied"], true, "{j:#}");
    assert_eq!(j["dry_run"], false, "{j:#}");
    assert!(j["rows"].is_array() && j["snapshot"].is_string(), "{j:#}");
    assert_eq!(j["shadowed"][0][0], "GOPROXY", "{j:#}");
    assert!(
        j["changed"]
            .as_array()
            .is_some_and(|c| c.iter().any(|e| e["name"] == "GOPROXY")),
        "{j:#}"
    );
    assert_eq!(
        goenv_map(&user).get("GOPROXY").map(String::as_str),
        Some("https://goproxy.cn,direct"),
        "the file got what the row said"
    );
    // Once written, the row says the file already holds it.
    user.godoctor(&["profile", "apply", "china-mirror", "--dry-run"])
        .assert_code(0)
        .assert_stdout_contains(
            "(an OS variable GOPROXY overrides the file; the file already says so)",
        );
}

/// A profile saved from a built-in one's settings is not a second "active" profile: one is
/// marked in use (the one applied last), the other as giving the same settings.
#[test]
fn list_marks_one_profile_in_use_and_others_with_the_same_settings_apart() {
    let user = user();
    user.godoctor(&["profile", "apply", "cn", "--yes"])
        .assert_code(0);
    user.godoctor(&["profile", "save", "mine"]).assert_code(0);
    let marks = |user: &GoUser| {
        (
            profiles::marked(user, "active"),
            profiles::marked(user, "same_settings"),
        )
    };
    assert_eq!(
        marks(&user),
        (vec!["china-mirror".to_string()], vec!["mine".to_string()])
    );
    user.godoctor(&["profile", "list"])
        .assert_code(0)
        .assert_stdout_contains("= gives the same settings as the profile marked *");
    // Applying the saved one makes it the one in use.
    user.godoctor(&["profile", "apply", "mine", "--yes"])
        .assert_code(0);
    assert_eq!(
        marks(&user),
        (vec!["mine".to_string()], vec!["china-mirror".to_string()])
    );
}

/// `profile save` keeps a URL password as go uses it, says so, and names it in the JSON, while
/// printing it nowhere.
#[test]
fn save_says_when_the_profile_keeps_a_credential() {
    let user = user();
    user.godoctor(&[
        "env",
        "set",
        "GOPROXY=https://alice:s3cr3t-pw@127.0.0.1:9,direct",
        "GOSUMDB=off",
    ])
    .assert_code(0);
    let run = user.godoctor(&["profile", "save", "withpw"]);
    run.assert_code(0)
        .assert_stdout_contains("GOPROXY holds a credential")
        .assert_stdout_contains("~/.netrc");
    assert!(!run.stdout.contains("s3cr3t-pw"), "{}", run.stdout);
    let file = user.godoctor_home().join("profiles/withpw.toml");
    let text = std::fs::read_to_string(&file).expect("saved profile");
    assert!(
        text.contains("alice:s3cr3t-pw@"),
        "applying must reproduce it: {text}"
    );
    let json = user.godoctor(&["--json", "profile", "save", "withpw2"]);
    json.assert_code(0);
    assert!(!json.stdout.contains("s3cr3t-pw"), "{}", json.stdout);
    assert_eq!(json.json()["secrets"], serde_json::json!(["GOPROXY"]));
    // Without a credential there is no warning.
    user.godoctor(&["env", "set", "GOPROXY=https://127.0.0.1:9,direct"])
        .assert_code(0);
    let plain = user.godoctor(&["profile", "save", "plain"]);
    plain.assert_code(0);
    assert!(!plain.stdout.contains("credential"), "{}", plain.stdout);
}

/// Many applies of two profiles at once against one go env file: the result is exactly one of
/// the two, never a mix, and every apply succeeds.
#[test]
fn concurrent_applies_never_mix_two_profiles() {
    let user = user();
    user.write_goenv("GOTOOLCHAIN=local\n");
    profiles::write(
        &user,
        "alpha",
        r#"version = 1
description = "test profile alpha"
unset = ["GOINSECURE"]
[set]
GOPROXY = "https://alpha.example,direct"
GOSUMDB = "off"
GOPRIVATE = "alpha.example"
GOFLAGS = "-mod=mod"
"#,
    );
    profiles::write(
        &user,
        "beta",
        r#"version = 1
description = "test profile beta"
unset = ["GOSUMDB", "GOFLAGS"]
[set]
GOPROXY = "https://beta.example|https://beta2.example,off"
GOPRIVATE = "beta.example,*.beta.example"
GOINSECURE = "beta.example"
"#,
    );
    let alpha = map(&[
        ("GOTOOLCHAIN", "local"),
        ("GOPROXY", "https://alpha.example,direct"),
        ("GOSUMDB", "off"),
        ("GOPRIVATE", "alpha.example"),
        ("GOFLAGS", "-mod=mod"),
    ]);
    let beta = map(&[
        ("GOTOOLCHAIN", "local"),
        ("GOPROXY", "https://beta.example|https://beta2.example,off"),
        ("GOPRIVATE", "beta.example,*.beta.example"),
        ("GOINSECURE", "beta.example"),
    ]);
    for round in 0..3 {
        let runs: Vec<common::Run> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..12)
                .map(|i| {
                    let name = if i % 2 == 0 { "alpha" } else { "beta" };
                    let user = &user;
                    s.spawn(move || user.godoctor(&["profile", "apply", name, "--yes"]))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        for r in &runs {
            r.assert_code(0);
        }
        let got = goenv_map(&user);
        assert!(
            got == alpha || got == beta,
            "round {round}: the go env file is a mix of two profiles: {got:?}"
        );
        let want = if got == alpha { "alpha" } else { "beta" };
        assert_eq!(profiles::marked(&user, "active"), [want]);
    }
}

/// Makes a file unwritable even for root (`chattr +i`) or, for other users, read-only; undoes
/// it on drop so the temp dir can be removed.
struct ReadOnly(PathBuf, bool);

impl ReadOnly {
    fn new(path: &Path) -> ReadOnly {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if root {
            let ok = std::process::Command::new("chattr")
                .arg("+i")
                .arg(path)
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "running as root, `chattr +i` is needed to make {} unwritable",
                path.display()
            );
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        }
        ReadOnly(path.to_path_buf(), root)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.1 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.0)
                .status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o644));
        }
    }
}

#[test]
fn a_go_env_file_go_cannot_write_leaves_the_old_settings_and_says_why() {
    let user = user();
    let old = "GOPROXY=https://old.example,direct\nGOSUMDB=off\n";
    user.write_goenv(old);
    let path = user.goenv_path();
    let _guard = ReadOnly::new(&path);
    let run = user.godoctor(&["profile", "apply", "china-mirror", "--yes"]);
    run.assert_code(2)
        .assert_stderr_contains("go env -w")
        .assert_stderr_contains(&path.display().to_string())
        .assert_stderr_contains("the go env file was not changed");
    assert_eq!(user.read_goenv().as_deref(), Some(old));
    assert_eq!(user.go_env("GOPROXY"), "https://old.example,direct");
    // Nothing happened, so there is nothing to undo.
    user.godoctor(&["undo"])
        .assert_code(2)
        .assert_stderr_contains("nothing to undo");
    assert_eq!(user.read_goenv().as_deref(), Some(old));
}

#[test]
fn broken_profile_files_are_reported_by_file_line_and_column() {
    let user = user();
    let bad = profiles::write(&user, "bad", "version = 1\ndescription = \"x\n");
    let unknown = profiles::write(
        &user,
        "unknown",
        "version = 1\ndescription = \"x\"\nunsett = [\"GOPROXY\"]\n",
    );
    let notallowed = profiles::write(
        &user,
        "notallowed",
        "version = 1\ndescription = \"x\"\n[set]\nGOPATH = \"/tmp\"\n",
    );
    let empty = profiles::write(&user, "empty", "");
    let binary = profiles::write(
        &user,
        "binary",
        [0x7f, b'E', b'L', b'F', 0, 0xff, 0xfe, 1, 2],
    );
    let huge = profiles::write(&user, "huge", "#".repeat(2 * 1024 * 1024));

    let show = |name: &str| user.godoctor(&["profile", "show", name]);
    show("bad")
        .assert_code(2)
        .assert_stderr_contains(&format!("{}:2:", bad.display()));
    show("unknown")
        .assert_code(2)
        .assert_stderr_contains(&format!("{}:3:1:", unknown.display()))
        .assert_stderr_contains("unsett")
        .assert_stderr_contains("`variables`");
    show("notallowed")
        .assert_code(2)
        .assert_stderr_contains(&format!("{}:4:1:", notallowed.display()))
        .assert_stderr_contains("GOPROXY, GOSUMDB");
    show("empty")
        .assert_code(2)
        .assert_stderr_contains(&format!("{}: is empty", empty.display()));
    show("binary")
        .assert_code(2)
        .assert_stderr_contains(&binary.display().to_string())
        .assert_stderr_contains("not UTF-8");
    show("huge")
        .assert_code(2)
        .assert_stderr_contains(&huge.display().to_string())
        .assert_stderr_contains("2097152 bytes");

    // list shows every broken file and exits 1; the good profiles still work.
    let list = user.godoctor(&["profile", "list"]);
    list.assert_code(1);
    for p in [&bad, &unknown, &notallowed, &empty, &binary, &huge] {
        list.assert_stdout_contains(&p.display().to_string());
    }
    let run = user.godoctor(&["profile", "apply", "official", "--yes"]);
    run.assert_code(0)
        .assert_stderr_contains("skipped a profile file");
}

#[test]
fn save_captures_the_current_settings_and_applies_back() {
    let user = user();
    user.godoctor(&[
        "profile",
        "apply",
        "corp",
        "--yes",
        "--set",
        "proxy=https://p.corp.example",
        "--set",
        "private=*.corp.example",
    ])
    .assert_code(0);
    let before = goenv_map(&user);
    let run = user.godoctor(&[
        "profile",
        "save",
        "work-vpn",
        "--description",
        "at the office",
    ]);
    // GOTOOLCHAIN=local comes from the harness's OS environment: captured too, and said so.
    run.assert_code(0)
        .assert_stdout_contains("saved profile work-vpn")
        .assert_stdout_contains("GOTOOLCHAIN came from OS environment variables");
    let mut before = before;
    before.insert("GOTOOLCHAIN".into(), "local".into());
    let file = user.godoctor_home().join("profiles/work-vpn.toml");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("saved file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "profiles can hold credentials");
    }
    // Refuses to overwrite without --force, and leaves the file as it was.
    let text = std::fs::read_to_string(&file).expect("read");
    user.godoctor(&["profile", "save", "work-vpn"])
        .assert_code(2)
        .assert_stderr_contains("--force");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);

    user.godoctor(&["profile", "apply", "official", "--yes"])
        .assert_code(0);
    assert_ne!(goenv_map(&user), before);
    // `work` is an alias of corporate (exact alias before prefix), which needs its variables.
    user.godoctor(&["profile", "apply", "work", "--yes"])
        .assert_code(2)
        .assert_stderr_contains("profile corporate needs values");
    user.godoctor(&["profile", "apply", "work-", "--yes"])
        .assert_code(0);
    assert_eq!(goenv_map(&user), before);
    user.godoctor(&["profile", "save", "work-vpn", "--force"])
        .assert_code(0);
    user.godoctor(&["profile", "save", "Bad/Name"])
        .assert_code(2);
}

/// What a POSIX shell makes of `profile export --format shell`: `go env` in that shell must
/// report exactly the profile's values, and go's defaults for what it unsets.
#[test]
fn shell_export_sourced_by_sh_gives_the_same_values_in_go_env() {
    let user = GoUser::new(); // GOPROXY=off and GOSUMDB=off in the OS environment
    profiles::write(
        &user,
        "tricky",
        r#"version = 1
description = "values that need quoting"
unset = ["GOSUMDB", "GOFLAGS"]
[set]
GOPROXY = "https://proxy.example/it's/$$HOME/a\\b c,direct"
GOINSECURE = "it's.example.com/\"q\"/$$(x)/`y`"
GONOSUMDB = "*.example.com,!x.example.com"
"#,
    );
    let defaults = GoUser::new().without_env("GOSUMDB").go_env("GOSUMDB");
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, Option<&'a str>)>);
    let cases: Vec<Case> = vec![
        (
            "tricky",
            vec![],
            vec![
                (
                    "GOPROXY",
                    Some("https://proxy.example/it's/$HOME/a\\b c,direct"),
                ),
                ("GOINSECURE", Some("it's.example.com/\"q\"/$(x)/`y`")),
                ("GONOSUMDB", Some("*.example.com,!x.example.com")),
                ("GOSUMDB", None),
                ("GOFLAGS", None),
            ],
        ),
        (
            "china-mirror",
            vec![],
            vec![
                ("GOPROXY", Some("https://goproxy.cn,direct")),
                ("GOSUMDB", Some("sum.golang.google.cn")),
            ],
        ),
        (
            "corporate",
            vec![
                "--set",
                "proxy=https://p.corp.example",
                "--set",
                "private=*.corp.example",
            ],
            vec![
                (
                    "GOPROXY",
                    Some("https://p.corp.example,https://proxy.golang.org,direct"),
                ),
                ("GOPRIVATE", Some("*.corp.example")),
                ("GONOPROXY", Some("*.corp.example")),
                ("GONOSUMDB", Some("*.corp.example")),
            ],
        ),
        (
            "offline",
            vec![],
            vec![
                ("GOPROXY", Some("off")),
                ("GOFLAGS", Some("-mod=mod")),
                ("GOSUMDB", Some("off")),
            ],
        ),
    ];
    for (name, sets, want) in cases {
        let mut args = vec!["profile", "export", name, "--format", "shell"];
        args.extend(sets);
        let run = user.godoctor(&args);
        run.assert_code(0);
        let script = user.root().join(format!("{name}.sh"));
        std::fs::write(&script, &run.stdout).expect("write script");
        let go = common::require_go();
        // sh is dash on Debian, bash elsewhere: both, when present.
        for shell in ["sh", "bash"]
            .into_iter()
            .filter(|s| which::which(s).is_ok())
        {
            let out = user.run(
                shell,
                &[
                    "-c".to_string(),
                    format!(". \"$1\" && exec \"{}\" env -json", go.display()),
                    shell.to_string(),
                    script.display().to_string(),
                ],
                None,
            );
            out.assert_code(0);
            let env = out.json();
            for (var, value) in &want {
                let expected = value.map_or_else(|| defaults_for(var, &defaults), str::to_string);
                assert_eq!(
                    env[var],
                    expected.as_str(),
                    "{shell}, {name}: {var} after sourcing:\n{}",
                    run.stdout
                );
            }
        }
    }
}

fn defaults_for(var: &str, gosumdb_default: &str) -> String {
    match var {
        "GOSUMDB" => gosumdb_default.to_string(),
        _ => String::new(),
    }
}

#[test]
fn export_formats_and_secrets() {
    let user = user();
    let run = user.godoctor(&["profile", "export", "offline", "--format", "dockerfile"]);
    run.assert_code(0)
        .assert_stdout_contains("ENV GOPROXY=\"off\"")
        .assert_stdout_contains("ENV GOFLAGS=\"-mod=mod\"");
    let run = user.godoctor(&[
        "profile",
        "export",
        "official",
        "--format",
        "github-actions",
    ]);
    run.assert_code(0)
        .assert_stdout_contains("env:\n  GOPROXY: ''");
    let run = user.godoctor(&[
        "profile",
        "export",
        "corp",
        "--set",
        "proxy=https://me:hunter2@p.corp.example",
        "--set",
        "private=*.corp.example",
    ]);
    run.assert_code(2).assert_stderr_contains("password");
    assert!(!run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"));
}

/// The offline profile does what it says with the real go: a module already in the cache builds
/// without go.sum lines and without any network; without its GOSUMDB=off, go would have to ask
/// a checksum database and fails.
#[test]
fn offline_profile_builds_from_the_module_cache_without_network() {
    let proxy = GoProxy::start(vec![Module::new("example.com/hello", "v1.0.0").file(
        "hello.go",
        "package hello\n\nfunc Hi() string { return \"hi from the cache\" }\n",
    )]);
    let mut user = user().with_network_jail();
    user.set_env("GOPROXY", proxy.url())
        .set_env("GOSUMDB", "off");
    user.go(&["mod", "download", "example.com/hello@v1.0.0"])
        .assert_success();
    user.unset_env("GOPROXY").unset_env("GOSUMDB");
    user.godoctor(&["profile", "apply", "offline", "--yes"])
        .assert_code(0);
    user.write_file(
        "go.mod",
        "module example.com/app\n\ngo 1.21\n\nrequire example.com/hello v1.0.0\n",
    );
    user.write_file(
        "main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/hello\"\n)\n\nfunc main() { fmt.Println(hello.Hi()) }\n",
    );
    let hits = proxy.hits();

    // With a checksum database (an OS variable overrides the profile's GOSUMDB=off), go asks
    // it even with GOPROXY=off (the network jail catches the request): fails.
    user.set_env("GOSUMDB", "sum.golang.org");
    // `go list -deps` resolves and loads every package like a build does (without compiling
    // the standard library into an empty GOCACHE, which takes half a minute).
    let list = ["list", "-deps", "-f", "{{.ImportPath}} {{.Dir}}", "."];
    let run = user.go(&list);
    run.assert_failure()
        .assert_stderr_contains("verifying module");
    user.unset_env("GOSUMDB");

    let run = user.go(&list);
    run.assert_success()
        .assert_stdout_contains("example.com/hello ")
        .assert_stdout_contains("example.com/hello@v1.0.0");
    assert_eq!(proxy.hits(), hits, "offline: go must not ask the proxy");
    let sum = std::fs::read_to_string(user.work_dir().join("go.sum")).expect("go.sum written");
    assert!(sum.contains("example.com/hello v1.0.0 h1:"), "{sum}");
}

/// A user profile pointing at a loopback proxy (checksum database off, so nothing else is
/// probed).
fn loopback_profile(user: &GoUser, name: &str, goproxy: &str) {
    profiles::with_set(
        user,
        name,
        "loopback",
        &[("GOPROXY", goproxy), ("GOSUMDB", "off")],
    );
}

#[test]
fn check_probes_the_new_proxy_before_writing() {
    let user = user().with_network_jail();
    let good = GoProxy::start(vec![Module::new("rsc.io/quote", "v1.5.2")]);
    loopback_profile(&user, "good", &format!("{},direct", good.url()));
    let run = user.godoctor(&["profile", "apply", "good", "--yes", "--check"]);
    run.assert_code(0)
        .assert_stderr_contains("the new proxy answers");
    assert!(good.hits() > 0, "--check must probe the new proxy");
    assert_eq!(
        goenv_map(&user).get("GOPROXY").map(String::as_str),
        Some(format!("{},direct", good.url()).as_str())
    );

    let before = user.read_goenv();
    loopback_profile(
        &user,
        "dead",
        &format!("{},direct", common::proxy::refused_url()),
    );
    let run = user.godoctor(&["profile", "apply", "dead", "--yes", "--check"]);
    run.assert_code(1)
        .assert_stdout_contains("the new proxy is not usable")
        .assert_stdout_contains("nothing was changed");
    assert_eq!(user.read_goenv(), before);

    let portal = GoProxy::start(vec![]);
    portal.set_behaviour(Behaviour::CaptivePortal);
    loopback_profile(&user, "portal", &format!("{},direct", portal.url()));
    let run = user.godoctor(&["profile", "apply", "portal", "--yes", "--check", "--json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["applied"], false);
    assert_eq!(json["check"]["proxies"][0]["verdict"], "html");
    assert_eq!(user.read_goenv(), before);

    // --dry-run --check: the probe's verdict without writing anything.
    let run = user.godoctor(&["profile", "apply", "dead", "--dry-run", "--check", "--json"]);
    run.assert_code(1);
    let json = run.json();
    assert!(json["rows"].is_array());
    assert!(
        json["check"]["problems"][0]
            .as_str()
            .is_some_and(|p| p.contains("not usable")),
        "{json}"
    );
    assert_eq!(user.read_goenv(), before);

    // offline has no proxy to probe (GOPROXY=off) and no checksum database: nothing to refuse.
    let run = user.godoctor(&["profile", "apply", "offline", "--yes", "--check"]);
    run.assert_code(0)
        .assert_stderr_contains("no proxy to probe");
    assert_eq!(user.go_env("GOPROXY"), "off");
}

/// Run godoctor on a pseudo-terminal (util-linux `script`), typing `input`, so the prompts and
/// the confirmation run as they do for a person.
fn on_terminal(user: &GoUser, args: &str, input: &str) -> common::Run {
    let command = format!("{} {args} --color never", common::godoctor_bin().display());
    user.run(
        "script",
        &["-qec", command.as_str(), "/dev/null"],
        Some(input),
    )
}

#[test]
fn on_a_terminal_missing_variables_are_asked_for_validated_and_confirmed() {
    let user = user();
    // An invalid proxy is refused at the prompt and asked again; then the confirmation.
    let run = on_terminal(
        &user,
        "profile apply corp",
        "ftp://bad.example\rhttps://p.corp.example\r*.corp.example\ry\r",
    );
    run.assert_code(0)
        .assert_stdout_contains("URL of your company's Go module proxy")
        .assert_stdout_contains("invalid proxy URL scheme")
        .assert_stdout_contains("Apply profile corporate?")
        .assert_stdout_contains("applied profile corporate");
    assert_eq!(
        goenv_map(&user),
        map(&[
            ("GONOPROXY", "*.corp.example"),
            ("GONOSUMDB", "*.corp.example"),
            ("GOPRIVATE", "*.corp.example"),
            (
                "GOPROXY",
                "https://p.corp.example,https://proxy.golang.org,direct"
            ),
        ])
    );

    // Answering no changes nothing.
    let before = user.read_goenv();
    let run = on_terminal(&user, "profile apply offline", "n\r");
    run.assert_code(0)
        .assert_stdout_contains("nothing was changed");
    assert_eq!(user.read_goenv(), before);
}

/// On a terminal, `apply` asks for the variables nobody gave: an answer go would refuse is
/// refused at the prompt (with go's reason) and asked again, the diff is confirmed, and go then
/// uses exactly what was typed.
#[test]
fn a_terminal_is_asked_for_missing_values_and_a_bad_answer_is_asked_again() {
    let user = user();
    let mut cmd = common::pty::command(&user, common::godoctor_bin());
    cmd.args(["--color", "never", "profile", "apply", "corp"]);
    let mut p = common::pty::spawn(cmd, true);
    let send = |p: &mut rexpect::session::PtySession, keys: &str| {
        // Give the prompt time to put the terminal in raw mode.
        std::thread::sleep(std::time::Duration::from_millis(150));
        p.send(keys).expect("send");
        p.flush().expect("flush");
    };
    p.exp_string("URL of your company's Go module proxy")
        .expect("the proxy prompt");
    send(&mut p, "not a url\r");
    p.exp_string("missing scheme")
        .expect("go's reason for refusing the answer");
    send(&mut p, "https://goproxy.corp.example\r");
    p.exp_string("Module path patterns")
        .expect("the private prompt");
    send(&mut p, "git.corp.example\r");
    p.exp_string("Apply profile corporate?")
        .expect("the confirmation");
    send(&mut p, "y");
    p.exp_string("applied profile corporate").expect("applied");
    let _ = p.exp_eof();
    assert_eq!(
        user.go_env("GOPROXY"),
        "https://goproxy.corp.example,https://proxy.golang.org,direct"
    );
    assert_eq!(user.go_env("GOPRIVATE"), "git.corp.example");
    assert_eq!(user.go_env("GONOSUMDB"), "git.corp.example");
}
