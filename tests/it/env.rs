//! `godoctor env`, `env set/unset` and `undo` against the real go, each test an isolated user.

use crate::common;

use common::GoUser;
use serde_json::Value;

/// An older go without `$GOROOT/go.env` (Debian's golang-1.19-go, installed by
/// scripts/prereqs.sh), or `GODOCTOR_TEST_OLD_GO`; `None` (test skipped) outside CI.
fn old_go() -> Option<std::path::PathBuf> {
    let path = std::env::var("GODOCTOR_TEST_OLD_GO")
        .unwrap_or_else(|_| "/usr/lib/go-1.19/bin/go".to_string());
    common::prerequisite(
        &[path.as_str()],
        "golang-1.19-go",
        "a go older than 1.21, without $GOROOT/go.env",
    )
}

/// `go env -json` without GOGCCFLAGS, which names a fresh temp directory on every call.
fn stable_go_env(user: &GoUser) -> Value {
    let mut v = user.go_env_json();
    v.as_object_mut().expect("object").remove("GOGCCFLAGS");
    v
}

fn env_json(user: &GoUser) -> Value {
    let run = user.godoctor(&["env", "--json"]);
    assert!(
        run.code().is_some_and(|c| c <= 1),
        "env --json failed: {}",
        run.stderr
    );
    run.json()
}

/// The four provenance cases, each compared with what the real go reports.
#[test]
fn attributes_every_value_to_env_file_goroot_or_default() {
    let user = GoUser::bare()
        .without_env("GOPATH")
        .without_env("GOMODCACHE")
        .without_env("GOCACHE")
        .with_env("GOINSECURE", "insecure.example");
    user.write_goenv("# mine\nGOPRIVATE=corp.example\n");
    let json = env_json(&user);
    let go = user.go_env_json();
    for name in [
        "GOPROXY",
        "GOPRIVATE",
        "GONOPROXY",
        "GOINSECURE",
        "GOSUMDB",
        "GOFLAGS",
        "GOPATH",
        "GOMODCACHE",
    ] {
        assert_eq!(
            json[name]["value"], go[name],
            "{name} value differs from go env"
        );
    }
    assert_eq!(json["GOINSECURE"]["source"], "env");
    assert_eq!(json["GOPRIVATE"]["source"], "file");
    assert_eq!(
        json["GOPRIVATE"]["file"],
        user.goenv_path().display().to_string()
    );
    assert_eq!(json["GOPRIVATE"]["line"], 2);
    // GONOPROXY defaults to GOPRIVATE: go reports the same value.
    assert_eq!(json["GONOPROXY"]["source"], "default");
    assert_eq!(json["GONOPROXY"]["value"], "corp.example");
    // Go 1.21+ ships its proxy default in $GOROOT/go.env.
    let goroot = go["GOROOT"].as_str().expect("GOROOT");
    let go_env_file = std::path::Path::new(goroot).join("go.env");
    let goroot_text = std::fs::read_to_string(&go_env_file).expect("this go has $GOROOT/go.env");
    assert!(goroot_text.contains("GOPROXY="));
    assert_eq!(json["GOPROXY"]["source"], "goroot");
    assert_eq!(json["GOPROXY"]["file"], go_env_file.display().to_string());
    assert_eq!(json["GOPATH"]["source"], "default");
    assert_eq!(json["GO111MODULE"]["source"], "default");
}

/// An empty value in the user's file hides $GOROOT/go.env; go then fails every download.
#[test]
fn empty_goproxy_in_file_is_an_error_and_go_agrees() {
    let user = GoUser::bare();
    user.write_goenv("GOPROXY=\n");
    let run = user.godoctor(&["env", "--json"]);
    assert_eq!(
        run.code(),
        Some(1),
        "an error finding exits 1: {}",
        run.stderr
    );
    let json = run.json();
    assert_eq!(json["GOPROXY"]["value"], "");
    assert_eq!(json["GOPROXY"]["source"], "default");
    let problems = json["GOPROXY"]["problems"].as_array().expect("problems");
    assert!(
        problems
            .iter()
            .any(|p| p["code"] == "env.empty-in-file" && p["severity"] == "error"),
        "{problems:?}"
    );
    // The referee: go itself fails, offline, with the message godoctor quotes.
    let go = user.go(&["mod", "download", "-json", "example.com/never@v1.0.0"]);
    assert!(
        go.stdout
            .contains("GOPROXY list is not the empty string, but contains no entries"),
        "go said: {} {}",
        go.stdout,
        go.stderr
    );
    let text = user.godoctor(&["env"]);
    assert!(
        text.stdout.contains("GOPROXY list is not the empty string"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("godoctor env unset GOPROXY"),
        "{}",
        text.stdout
    );
}

/// An OS variable hides a go env -w value; go agrees that the OS value wins.
#[test]
fn os_variable_shadowing_the_file_is_flagged() {
    let user = GoUser::bare().with_env("GOPROXY", "off");
    user.write_goenv("GOPROXY=http://127.0.0.1:9/\n");
    assert_eq!(user.go_env("GOPROXY"), "off");
    let json = env_json(&user);
    assert_eq!(json["GOPROXY"]["source"], "env");
    let problems = json["GOPROXY"]["problems"].as_array().expect("problems");
    assert!(
        problems.iter().any(|p| p["code"] == "env.shadowed"),
        "{problems:?}"
    );
}

#[test]
fn set_then_undo_restores_go_env_and_the_file_lines_exactly() {
    let user = GoUser::bare();
    let original = "# comment kept by go\nGOPRIVATE=old.example\nGOFLAGS=-mod=mod\n";
    user.write_goenv(original);
    let before = stable_go_env(&user);
    let run = user.godoctor(&[
        "env",
        "set",
        "GOPRIVATE=new.example/*",
        "GONOSUMDB=sum.example",
        "GOPROXY=http://127.0.0.1:3000,direct",
    ]);
    run.assert_success();
    assert_eq!(user.go_env("GOPRIVATE"), "new.example/*");
    assert_eq!(user.go_env("GOPROXY"), "http://127.0.0.1:3000,direct");
    assert!(run.stdout.contains("godoctor undo"), "{}", run.stdout);
    user.godoctor(&["undo"]).assert_success();
    assert_eq!(user.read_goenv().as_deref(), Some(original));
    assert_eq!(stable_go_env(&user), before);
    let again = user.godoctor(&["undo"]);
    again.assert_code(2);
    assert!(again.stderr.contains("nothing to undo"), "{}", again.stderr);
}

/// `go env -w` accepts a GOPROXY that can never work; godoctor refuses it and changes nothing.
#[test]
fn invalid_values_are_refused_before_anything_is_written() {
    let user = GoUser::bare();
    user.write_goenv("GOPRIVATE=keep.example\n");
    let run = user.godoctor(&["env", "set", "GOPROXY=not a url"]);
    run.assert_code(2);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert!(run.stderr.contains("GOPROXY"), "{}", run.stderr);
    assert_eq!(
        user.read_goenv().as_deref(),
        Some("GOPRIVATE=keep.example\n")
    );
    assert!(
        !user.godoctor_home().join("history").exists()
            || std::fs::read_dir(user.godoctor_home().join("history"))
                .expect("dir")
                .count()
                == 0
    );
    // The real go would have written it.
    user.go(&["env", "-w", "GOPROXY=not a url"])
        .assert_success();
    assert_eq!(user.go_env("GOPROXY"), "not a url");
}

/// A misspelt variable is refused with the name meant; go would write it and then ignore it.
#[test]
fn a_misspelt_variable_gets_did_you_mean() {
    let user = GoUser::bare();
    let run = user.godoctor(&["env", "set", "GOPORXY=https://proxy.example"]);
    run.assert_code(2);
    run.assert_output_contains("did you mean GOPROXY?");
    assert_eq!(user.read_goenv(), None);
    // A name far from every variable gets no guess.
    let run = user.godoctor(&["env", "set", "XYZZY=1"]);
    run.assert_code(2);
    assert!(!run.output().contains("did you mean"), "{run}");
}

#[test]
fn structural_errors_are_refused_even_with_force() {
    let user = GoUser::bare();
    for args in [
        vec!["env", "set", "GONOSUMCHECK=corp.example", "--force"],
        vec!["env", "set", "GOPROXY=a\nb", "--force"],
        vec!["env", "set", "GOENV=/tmp/x"],
        vec!["env", "set", "GOPROXY"],
        vec!["env", "set", "GOPROXY=off", "GOPROXY=direct"],
        vec!["env", "unset", "NOT_A_GO_VAR"],
    ] {
        let run = user.godoctor(&args);
        run.assert_code(2);
        assert!(!run.stderr.is_empty(), "{args:?} printed no reason");
        assert!(
            run.stderr.contains("help:"),
            "{args:?} printed no fix: {}",
            run.stderr
        );
    }
    assert_eq!(user.read_goenv(), None, "nothing may be written");
}

/// Undoing an unset restores the value (go appends the restored line at the end of the file).
#[test]
fn unset_then_undo_restores_the_value() {
    let user = GoUser::bare();
    user.write_goenv("GOFLAGS=-mod=mod\nGOPRIVATE=corp.example\n");
    let before = stable_go_env(&user);
    user.godoctor(&["env", "unset", "GOFLAGS", "GOPRIVATE"])
        .assert_success();
    assert_eq!(user.go_env("GOFLAGS"), "");
    assert_eq!(user.go_env("GOPRIVATE"), "");
    user.godoctor(&["undo"]).assert_success();
    assert_eq!(stable_go_env(&user), before);
}

#[test]
fn secrets_in_values_are_never_printed() {
    let user = GoUser::bare();
    let run = user.godoctor(&[
        "env",
        "set",
        "GOPROXY=https://alice:hunter2@127.0.0.1:1/,direct",
    ]);
    run.assert_success();
    let show = user.godoctor(&["env"]);
    let json = user.godoctor(&["env", "--json"]);
    let undo = user.godoctor(&["undo"]);
    for r in [&run, &show, &json, &undo] {
        assert!(
            !r.stdout.contains("hunter2") && !r.stderr.contains("hunter2"),
            "leaked: {}{}",
            r.stdout,
            r.stderr
        );
    }
    assert!(
        show.stdout.contains("alice:***@127.0.0.1"),
        "{}",
        show.stdout
    );
}

#[test]
fn history_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let user = GoUser::bare();
    user.godoctor(&["env", "set", "GOPRIVATE=corp.example"])
        .assert_success();
    let dir = user.godoctor_home().join("history");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("history dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1);
    let mode = std::fs::metadata(&files[0])
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

/// A go env file go cannot write (its directory is not a directory): the write fails, the
/// snapshot is dropped, and the old settings stay.
#[test]
fn unwritable_go_env_file_loses_nothing() {
    let user = GoUser::bare();
    let blocker = user.root().join("not-a-dir");
    std::fs::write(&blocker, "x").expect("write");
    let user = user.with_env("GOENV", blocker.join("env"));
    let run = user.godoctor(&["env", "set", "GOPRIVATE=corp.example"]);
    run.assert_code(2);
    assert!(run.stderr.contains("go env -w"), "{}", run.stderr);
    assert_eq!(user.go_env("GOPRIVATE"), "");
    let undo = user.godoctor(&["undo"]);
    assert!(
        undo.stderr.contains("nothing to undo"),
        "the failed write left a snapshot: {}",
        undo.stderr
    );
}

#[test]
fn unwritable_history_refuses_before_writing() {
    let user = GoUser::bare().with_env("GODOCTOR_HOME", "/dev/null/godoctor");
    let run = user.godoctor(&["env", "set", "GOPRIVATE=corp.example"]);
    run.assert_code(2);
    assert!(run.stderr.contains("history"), "{}", run.stderr);
    assert!(run.stderr.contains("GODOCTOR_HOME"), "{}", run.stderr);
    assert_eq!(user.read_goenv(), None);
}

/// Writers run concurrently; the lock serialises them so no update is lost.
#[test]
fn concurrent_writers_lose_no_update() {
    let user = GoUser::bare();
    let vars = ["GOPRIVATE", "GONOSUMDB", "GONOPROXY", "GOINSECURE"];
    std::thread::scope(|s| {
        for (i, name) in vars.iter().enumerate() {
            let user = &user;
            s.spawn(move || {
                let arg = format!("{name}=host{i}.example");
                user.godoctor(&["env", "set", arg.as_str()])
                    .assert_success();
            });
        }
    });
    for (i, name) in vars.iter().enumerate() {
        assert_eq!(user.go_env(name), format!("host{i}.example"), "{name} lost");
    }
    for _ in vars {
        user.godoctor(&["undo"]).assert_success();
    }
    assert_eq!(
        user.read_goenv(),
        None,
        "the file did not exist before the first write"
    );
}

#[test]
fn without_go_reads_what_it_can_and_writes_refuse() {
    let user = GoUser::bare()
        .without_go_on_path()
        .with_env("GOPROXY", "http://127.0.0.1:9");
    user.write_goenv("GOPRIVATE=corp.example\n");
    let run = user.godoctor(&["env", "--json"]);
    run.assert_code(1);
    let json = run.json();
    assert_eq!(json["GOPROXY"]["source"], "env");
    assert_eq!(json["GOPRIVATE"]["source"], "file");
    assert_eq!(json["GOPRIVATE"]["value"], "corp.example");
    assert_eq!(json["GOSUMDB"]["source"], "unknown");
    assert!(
        run.stderr.contains("no `go` command was found"),
        "{}",
        run.stderr
    );
    let set = user.godoctor(&["env", "set", "GOPRIVATE=x.example"]);
    set.assert_code(2);
    assert!(set.stderr.contains("help: install Go"), "{}", set.stderr);
}

#[test]
fn a_hanging_go_is_stopped_with_a_clear_error() {
    let user = GoUser::bare().with_env("GODOCTOR_GO_TIMEOUT", "2");
    let fake = user.fake_program("go", "#!/bin/sh\nsleep 30\n");
    let started = std::time::Instant::now();
    let run = user.godoctor(&["env", "--go", fake.to_str().expect("utf8")]);
    assert!(
        started.elapsed().as_secs() < 15,
        "took {:?}",
        started.elapsed()
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("did not finish within 2 s"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_go_printing_garbage_is_an_error_not_a_panic() {
    let user = GoUser::bare();
    let fake = user.fake_program("go", "#!/bin/sh\necho 'this is not json'\n");
    let run = user.godoctor(&["env", "--go", fake.to_str().expect("utf8")]);
    run.assert_code(2);
    assert!(run.stderr.contains("not the JSON object"), "{}", run.stderr);
}

/// Go 1.19 has no $GOROOT/go.env: its defaults are built in, and godoctor says so.
#[test]
fn old_go_without_go_env_attributes_defaults() {
    let Some(old) = old_go() else { return };
    let user = GoUser::bare().without_env("GOPATH");
    let json = {
        let run = user.godoctor(&["env", "--json", "--go", old.to_str().expect("utf8")]);
        assert!(run.code().is_some_and(|c| c <= 1), "{}", run.stderr);
        run.json()
    };
    let go = user.go_binary(old).go_env_json();
    assert_eq!(json["GOPROXY"]["value"], go["GOPROXY"]);
    assert_eq!(json["GOPROXY"]["source"], "default");
    assert_eq!(json["GOSUMDB"]["source"], "default");
    assert_eq!(json["GOPATH"]["source"], "default");
}

#[test]
fn text_output_names_sources_and_fits_a_table() {
    let user = GoUser::bare();
    user.write_goenv("GOPRIVATE=corp.example\n");
    let run = user.godoctor(&["env", "--color", "never"]);
    run.assert_success();
    assert!(run.stdout.contains("GOPRIVATE"));
    assert!(
        run.stdout
            .contains(&format!("file {}", user.goenv_path().display())),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("default (from GOPRIVATE)"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour when asked for none"
    );
}

/// The bash script completes check ids, variable names and profile names (the user's own
/// included), run by a real bash the way its completion calls it.
#[test]
fn completions_offer_ids_variables_and_profiles() {
    let user = GoUser::new();
    user.godoctor(&["profile", "save", "mywork"])
        .assert_success();
    let script = user.godoctor(&["completions", "bash"]);
    script.assert_success();
    let path = user.write_file("godoctor.bash", &script.stdout);
    let complete = |words: &str| -> Vec<String> {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _godoctor godoctor \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let run = user.run("bash", &["-c", &program], None);
        run.assert_success();
        run.stdout.lines().map(str::to_string).collect()
    };
    assert_eq!(complete("godoctor check proxy.re"), vec!["proxy.reach"]);
    assert_eq!(
        complete("godoctor env unset GOPR"),
        vec!["GOPROXY", "GOPRIVATE"]
    );
    assert_eq!(complete("godoctor profile apply myw"), vec!["mywork"]);
    assert_eq!(complete("godoctor profile show chin"), vec!["china-mirror"]);
    for shell in ["zsh", "fish"] {
        let run = user.godoctor(&["completions", shell]);
        run.assert_success();
        for word in ["proxy.reach", "GOPRIVATE", "mywork"] {
            assert!(run.stdout.contains(word), "{shell}: {word}");
        }
    }
}

#[test]
fn completions_version_and_help() {
    let user = GoUser::bare();
    for shell in ["bash", "zsh", "fish"] {
        let run = user.godoctor(&["completions", shell]);
        run.assert_success();
        assert!(run.stdout.contains("godoctor"), "{shell}");
    }
    let v = user.godoctor(&["--version"]);
    assert!(v.stdout.starts_with("godoctor "), "{}", v.stdout);
    let h = user.godoctor(&["--help"]);
    assert!(
        h.stdout.contains("env") && h.stdout.contains("undo"),
        "{}",
        h.stdout
    );
    user.godoctor(&["no-such-command"]).assert_code(2);
}

/// A warning about a value `env set` just wrote says what it means, without a fix that only
/// unsets it again (that is `godoctor undo`, printed above); a warning whose fix is another
/// value keeps it, and that fix, run, ends the warning.
#[test]
fn env_set_warns_without_offering_its_own_undo_as_a_fix() {
    let user = GoUser::bare();
    let run = user.godoctor(&["env", "set", "GOPROXY=off"]);
    run.assert_code(0)
        .assert_stdout_contains("undo with: godoctor undo")
        .assert_stdout_contains("GOPROXY=off: go may not download any module");
    assert!(!run.output().contains("env unset GOPROXY"), "{run}");
    assert_eq!(user.go_env("GOPROXY"), "off");

    let run = user.godoctor(&[
        "env",
        "set",
        "GOPROXY=http://127.0.0.1:9,direct,http://127.0.0.1:8",
    ]);
    run.assert_code(0).assert_stdout_contains(
        "fix: put `direct` last: GOPROXY=http://127.0.0.1:9,http://127.0.0.1:8,direct",
    );
    let run = user.godoctor(&[
        "env",
        "set",
        "GOPROXY=http://127.0.0.1:9,http://127.0.0.1:8,direct",
    ]);
    run.assert_code(0);
    assert!(!run.output().contains("after `direct`"), "{run}");

    // Refused, the value given is not written: a fix that unsets the variable would remove the
    // value go has now, so none is offered; the one that keeps the other flags is.
    user.godoctor(&["env", "set", "GOFLAGS=-trimpath"])
        .assert_code(0);
    let run = user.godoctor(&["env", "set", "GOFLAGS=-insecure"]);
    run.assert_code(2).assert_stderr_contains("GOINSECURE");
    assert!(!run.output().contains("env unset GOFLAGS"), "{run}");
    let run = user.godoctor(&["env", "set", "GOFLAGS=-insecure -mod=mod"]);
    run.assert_code(2)
        .assert_stderr_contains("fix: godoctor env set GOFLAGS=-mod=mod");
    assert_eq!(user.go_env("GOFLAGS"), "-trimpath");
}
