//! Writes and undo under fault injection (issue 13): a full disk, CRLF and non-UTF-8 env files,
//! a symlinked GOENV, godoctor stopped by a signal or kill -9 mid-write, a go that keeps its
//! output open or prints without end, GOENV naming a device or FIFO, and the modes of
//! godoctor's own files. Every test runs the built godoctor against the real go.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::GoUser;

fn bin() -> String {
    common::godoctor_bin().display().to_string()
}

fn read_bytes(path: &Path) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("read {}: {e}", path.display()),
    }
}

/// Issue 13 item 1: go rewrites the env file in place, so a full disk truncates it. godoctor
/// must notice that lines the write never touched are gone, put the whole file back, prove it,
/// and only then say so. Reproduced on a 64 KiB tmpfs in a private mount namespace.
#[test]
fn a_full_disk_during_a_write_restores_the_whole_file() {
    let user = GoUser::bare();
    let mnt = user.root().join("small");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    let user = user.with_env("GOENV", mnt.join("env"));
    let out = user.root().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    // Both lines sort after GOPRIVATE, so go's truncated rewrite holds only the new line.
    let original = "GOPROXY=off\nGOSUMDB=off\n";
    let long = format!("GOPRIVATE={}.example", "a".repeat(20_000));
    let script = format!(
        "mount -t tmpfs -o size=64k tmpfs '{mnt}' || exit 97\n\
         printf '{original}' > '{mnt}/env'\n\
         dd if=/dev/zero of='{mnt}/fill' bs=1024 count=1000 2>/dev/null\n\
         '{bin}' env set '{long}'; echo set=$?\n\
         cp '{mnt}/env' '{out}/after-set'\n\
         '{bin}' undo; echo undo=$?\n\
         cp '{mnt}/env' '{out}/after-undo'\n",
        mnt = mnt.display(),
        out = out.display(),
        original = original.replace('\n', "\\n"),
        bin = bin(),
    );
    let run = user.run("unshare", &["-rm", "sh", "-c", &script], None);
    run.assert_success();
    assert!(run.stdout.contains("set=2"), "the write must fail\n{run}");
    assert_eq!(
        std::fs::read_to_string(out.join("after-set")).expect("after-set"),
        original,
        "lines the write never touched were lost\n{run}"
    );
    assert!(
        run.stderr.contains("previous settings were restored"),
        "{run}"
    );
    // The restore was proven, so no undo step is left for a write that did not happen.
    assert!(run.stderr.contains("nothing to undo"), "{run}");
    assert_eq!(
        std::fs::read_to_string(out.join("after-undo")).expect("after-undo"),
        original
    );
}

/// Issue 13 item 6: a CRLF env file. The old undo ran `go env -w GOPRIVATE=old.example\r`,
/// which go refuses.
#[test]
fn undo_of_a_crlf_env_file_is_byte_exact() {
    let user = GoUser::bare();
    let original = "GOPRIVATE=old.example\r\nGOFLAGS=-mod=mod\r\n";
    user.write_goenv(original);
    user.godoctor(&["env", "set", "GOPRIVATE=new.example"])
        .assert_success();
    assert_eq!(user.go_env("GOPRIVATE"), "new.example");
    user.godoctor(&["undo"]).assert_success();
    assert_eq!(user.read_goenv().as_deref(), Some(original));
}

/// Issue 13 item 9: bytes that are not UTF-8 come back as they were, not as U+FFFD.
#[test]
fn undo_keeps_invalid_utf8_byte_exact() {
    let user = GoUser::bare();
    let original: &[u8] = b"GOPRIVATE=caf\xe9.example\nGOFLAGS=-mod=mod\n# \xff\xfe\n";
    let path = user.goenv_path();
    std::fs::write(&path, original).expect("write");
    user.godoctor(&["env", "set", "GOPRIVATE=new.example", "GONOSUMDB=x.example"])
        .assert_success();
    assert_eq!(user.go_env("GOPRIVATE"), "new.example");
    user.godoctor(&["undo"]).assert_success();
    assert_eq!(read_bytes(&path).as_deref(), Some(original));
}

/// Issue 13 item 7: a dotfiles-managed GOENV is a symlink; it must stay one, and its target
/// gets the old content back.
#[test]
fn a_symlinked_goenv_is_written_through() {
    let user = GoUser::bare();
    let dotfiles = user.root().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).expect("mkdir");
    let target = dotfiles.join("go-env");
    // Not in go's sorted order, so go's rewrite moves lines and undo must put the text back.
    let original = "GOPRIVATE=old.example\nGOFLAGS=-mod=mod\n";
    std::fs::write(&target, original).expect("write");
    let link = user.home().join(".config/go/env");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    user.godoctor(&["env", "set", "GOPRIVATE=new.example"])
        .assert_success();
    user.godoctor(&["undo"]).assert_success();
    let meta = std::fs::symlink_metadata(&link).expect("link");
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(std::fs::read_to_string(&target).expect("target"), original);
}

/// A `go` that runs the real go, but for `env -w` first waits `delay` seconds and then either
/// writes (`write`) or gives up without touching anything.
fn slow_writing_go(user: &GoUser, delay: &str, write: bool) -> String {
    let real = common::require_go();
    let tail = if write {
        format!("exec '{}' \"$@\"", real.display())
    } else {
        "exit 1".to_string()
    };
    let script = format!(
        "#!/bin/sh\nif [ \"$1 $2\" = 'env -w' ]; then sleep {delay}; {tail}; fi\nexec '{}' \"$@\"\n",
        real.display()
    );
    user.fake_program("go", &script).display().to_string()
}

/// Issue 13 item 8: godoctor stopped (SIGINT/SIGTERM) while `go env -w` runs. A change that
/// never happened leaves no undo step; one that did happen can be undone byte-exact.
#[test]
fn a_signal_during_go_env_w_leaves_no_snapshot_for_a_change_that_never_happened() {
    let original = "GOPRIVATE=old.example\n";
    for (signal, writes) in [("INT", false), ("TERM", false), ("INT", true)] {
        let user = GoUser::bare();
        user.write_goenv(original);
        let go = slow_writing_go(&user, "2", writes);
        // timeout(1) signals godoctor after 1 s and then its own process group, as a terminal's
        // Ctrl-C would (a background job of `sh -c` would ignore SIGINT).
        let script = format!(
            "timeout -s {signal} 1 '{bin}' --go '{go}' env set GOPRIVATE=new.example; echo set=$?\n\
             sleep 3\n\
             '{bin}' undo; echo undo=$?\n",
            bin = bin(),
        );
        let run = user.run("sh", &["-c", &script], None);
        assert!(!run.stdout.contains("set=0"), "not stopped: {run}");
        if writes {
            // The write went through after godoctor stopped: its snapshot undoes it.
            assert!(run.stdout.contains("undo=0"), "{signal}: {run}");
        } else {
            assert!(run.stderr.contains("nothing to undo"), "{signal}: {run}");
        }
        assert_eq!(user.read_goenv().as_deref(), Some(original), "{run}");
    }
}

/// The done-when test of issue 13: kill -9 godoctor at random points of a write. Every trial
/// must find the env file byte-identical to before or fully written, every history file whole,
/// and after `godoctor undo` the original file and an empty history.
#[test]
fn kill_9_at_random_points_of_a_write_loses_nothing() {
    let original = "# dotfiles\nGOPRIVATE=old.example\nGOFLAGS=-mod=mod\n";
    let args = "env set GOPRIVATE=new.example GONOSUMDB=sum.example";
    // What a complete write leaves, by the real go's own hand.
    let reference = GoUser::bare();
    reference.write_goenv(original);
    let started = Instant::now();
    reference
        .godoctor(&args.split(' ').collect::<Vec<_>>())
        .assert_success();
    // Spread the kills over the whole write and a little beyond.
    let span_ms = (started.elapsed().as_millis() as u64 * 5 / 4).clamp(50, 3000);
    let written = reference.read_goenv().expect("written");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut state = seed;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut untouched, mut complete) = (0, 0);
    for trial in 0..12 {
        let delay_ms = next() % span_ms;
        let user = GoUser::bare();
        user.write_goenv(original);
        let script = format!(
            "'{bin}' {args} >/dev/null 2>&1 & pid=$!\n\
             sleep {secs}; kill -9 $pid 2>/dev/null; wait $pid\n\
             sleep 1\n",
            bin = bin(),
            secs = delay_ms as f64 / 1000.0,
        );
        user.run("sh", &["-c", &script], None);
        let now = user.read_goenv().expect("env file");
        let what = format!("trial {trial} (seed {seed}, kill after {delay_ms} ms)");
        if now == original {
            untouched += 1;
        } else {
            assert_eq!(now, written, "{what}: half-written env file");
            complete += 1;
        }
        let history = user.godoctor_home().join("history");
        for entry in std::fs::read_dir(&history).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).expect("history file");
            if !entry.file_name().to_string_lossy().ends_with(".tmp") {
                serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or_else(|e| panic!("{what}: damaged {:?}: {e}", entry.path()));
            }
        }
        let undo = user.godoctor(&["undo"]);
        assert!(
            undo.success() || undo.stderr.contains("nothing to undo"),
            "{what}: {undo}"
        );
        assert_eq!(
            user.read_goenv().as_deref(),
            Some(original),
            "{what}: {undo}"
        );
        let again = user.godoctor(&["undo"]);
        assert!(again.stderr.contains("nothing to undo"), "{what}: {again}");
        let litter: Vec<_> = std::fs::read_dir(user.home().join(".config/go"))
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "env" && n != "telemetry")
            .collect();
        assert!(litter.is_empty(), "{what}: left behind {litter:?}");
        let left: Vec<_> = std::fs::read_dir(&history)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "{what}: history left {left:?}");
    }
    #[allow(clippy::print_stderr)] // the trial mix, for --nocapture
    {
        eprintln!("kill -9 trials: {untouched} untouched, {complete} complete (seed {seed})");
    }
}

/// Issue 13 item 11: a go (a wrapper, a shim) that leaves a background child holding its
/// stdout. The deadline bounds the exit and the pipes together.
#[test]
fn the_go_timeout_bounds_a_child_that_keeps_stdout_open() {
    let user = GoUser::bare().with_env("GODOCTOR_GO_TIMEOUT", "3");
    let real = common::require_go();
    let go = user.fake_program(
        "go",
        &format!("#!/bin/sh\nsleep 20 &\nexec '{}' \"$@\"\n", real.display()),
    );
    let run = user.godoctor(&["env", "--go", go.to_str().expect("utf8")]);
    assert!(run.elapsed < Duration::from_secs(10), "{run}");
    run.assert_code(2);
    run.assert_stderr_contains("kept its output open");
}

/// Issue 13 item 12: a go printing without end is stopped at the cap, not read into memory.
#[test]
fn a_go_printing_without_end_is_capped() {
    let user = GoUser::bare();
    let go = user.fake_program("go", "#!/bin/sh\nexec cat /dev/zero\n");
    let run = user.godoctor(&["env", "--go", go.to_str().expect("utf8")]);
    run.assert_code(2);
    run.assert_stderr_contains("printed more than");
}

/// Issue 13 item 12: GOENV naming a device or a FIFO fails fast with a clear error (go itself
/// would read /dev/zero forever and block on a FIFO), for reads and writes.
#[test]
fn goenv_naming_a_device_or_fifo_fails_fast() {
    let user = GoUser::bare();
    let fifo = user.root().join("fifo");
    let made = user.run("mkfifo", &[fifo.to_str().expect("utf8")], None);
    made.assert_success();
    for goenv in [Path::new("/dev/zero"), fifo.as_path()] {
        let user = GoUser::bare()
            .with_env("GOENV", goenv)
            .with_env("GODOCTOR_GO_TIMEOUT", "20");
        for args in [vec!["env"], vec!["env", "set", "GOPRIVATE=x.example"]] {
            let run = user.godoctor(&args);
            assert!(run.elapsed < Duration::from_secs(10), "{args:?}: {run}");
            run.assert_code(2);
            assert!(run.stderr.contains("not a file"), "{args:?}: {run}");
        }
    }
}

/// Issue 13 item 14: godoctor's own directories are 0700 and the lock file 0600, and an
/// existing directory that others could read is tightened.
#[test]
fn godoctors_own_directories_are_private() {
    let user = GoUser::bare();
    let home = user.godoctor_home();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    user.godoctor(&["env", "set", "GOPRIVATE=corp.example"])
        .assert_success();
    user.godoctor(&["profile", "save", "mine"]).assert_success();
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&home), 0o700);
    assert_eq!(mode(&home.join("history")), 0o700);
    assert_eq!(mode(&home.join("profiles")), 0o700);
    assert_eq!(mode(&home.join("lock")), 0o600);
}

/// Issue 13 "Also": `env set GOROOT=/tmp` used to be written silently and broke every build.
/// It is refused with what it would break; the real go agrees it breaks; a real Go tree is
/// accepted.
#[test]
fn a_goroot_that_is_not_a_go_tree_is_refused_before_writing() {
    let user = GoUser::new();
    let not_go = user.root().join("not-go");
    std::fs::create_dir_all(&not_go).expect("mkdir");
    let arg = format!("GOROOT={}", not_go.display());
    let run = user.godoctor(&["env", "set", arg.as_str()]);
    run.assert_code(2);
    assert!(run.stderr.contains("not a Go installation"), "{run}");
    assert!(run.stderr.contains("package fmt is not in std"), "{run}");
    assert_eq!(user.read_goenv(), None, "nothing may be written");
    // The referee: go with that GOROOT cannot build a program that imports fmt.
    user.write_file("go.mod", "module example.com/app\n\ngo 1.21\n");
    user.write_file(
        "main.go",
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println() }\n",
    );
    let build = GoUser::new()
        .cwd(user.work_dir())
        .with_env("GOROOT", &not_go)
        .go(&["build", "-o", "/dev/null", "."]);
    build.assert_failure();
    assert!(build.output().contains("is not in std"), "{build}");
    // The real tree is accepted.
    let goroot = user.go_env("GOROOT");
    let real = format!("GOROOT={goroot}");
    user.godoctor(&["env", "set", real.as_str()])
        .assert_success();
    user.godoctor(&["undo"]).assert_success();
    assert_eq!(user.read_goenv(), None);
}

/// Issue 13 "Also": a GOTOOLCHAIN newer than any known release is refused with the reason; a
/// forced write that leaves go unable to run is rolled back byte-exact, because the real go
/// then fails every command, `go env -u GOTOOLCHAIN` included.
#[test]
fn a_toolchain_newer_than_any_release_is_refused_and_a_forced_one_rolled_back() {
    let user = GoUser::bare()
        .with_env("GOPROXY", "off")
        .with_env("GOSUMDB", "off");
    let original = "GOPRIVATE=keep.example\n";
    user.write_goenv(original);
    let run = user.godoctor(&["env", "set", "GOTOOLCHAIN=go1.99.0"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("newer than any Go release godoctor knows"),
        "{run}"
    );
    assert!(run.stderr.contains("--force"), "{run}");
    assert_eq!(user.read_goenv().as_deref(), Some(original));
    let forced = user.godoctor(&["env", "set", "GOTOOLCHAIN=go1.99.0", "--force"]);
    forced.assert_code(2);
    assert!(forced.stderr.contains("go no longer runs"), "{forced}");
    assert!(
        forced.stderr.contains("previous settings were restored"),
        "{forced}"
    );
    assert_eq!(user.read_goenv().as_deref(), Some(original));
    user.godoctor(&["undo"])
        .assert_code(2)
        .assert_stderr_contains("nothing to undo");
    // The referee: the same write by go itself leaves a go that refuses everything.
    user.go(&["env", "-w", "GOTOOLCHAIN=go1.99.0"])
        .assert_success();
    let version = user.go(&["env", "GOPRIVATE"]);
    version.assert_failure();
    assert!(
        version.output().contains("toolchain not available"),
        "{version}"
    );
    user.go(&["env", "-u", "GOTOOLCHAIN"]).assert_failure();
}

/// Issue 14 "survival": one bad line (GO111MODULE=of) makes go refuse its commands (`go env`
/// included), while `go env -w/-u` still work. godoctor names the line, `env unset` repairs it,
/// and `undo` works with go refusing to run.
#[test]
fn a_bad_line_that_stops_go_can_still_be_repaired_and_undone() {
    let user = GoUser::new();
    let original = "GO111MODULE=of\nGOPRIVATE=keep.example\n";
    user.write_goenv(original);
    let version = user.go(&["env", "GOPRIVATE"]);
    version.assert_failure();
    assert!(
        version
            .output()
            .contains("unknown environment setting GO111MODULE=of"),
        "{version}"
    );
    let env = user.godoctor(&["env"]);
    env.assert_code(2);
    assert!(
        env.stderr.contains(&format!(
            "{} line 1: GO111MODULE",
            user.goenv_path().display()
        )),
        "{env}"
    );
    assert!(
        env.stderr.contains("godoctor env unset GO111MODULE"),
        "{env}"
    );
    user.godoctor(&["env", "unset", "GO111MODULE"])
        .assert_success();
    assert_eq!(
        user.read_goenv().as_deref(),
        Some("GOPRIVATE=keep.example\n")
    );
    user.go(&["env", "GOPRIVATE"]).assert_success();
    // Undo puts the bad line back byte-exact, without needing go.
    user.godoctor(&["undo"]).assert_success();
    assert_eq!(user.read_goenv().as_deref(), Some(original));
    // A value changed while go refuses to run, and undone after an edit: go env -w still works.
    user.godoctor(&["env", "set", "GOPRIVATE=new.example"])
        .assert_success();
    let mut edited = user.read_goenv().expect("file");
    edited.push_str("# edited by hand\n");
    user.write_goenv(&edited);
    user.godoctor(&["undo"]).assert_success();
    let now = user.read_goenv().expect("file");
    assert!(now.contains("GOPRIVATE=keep.example\n"), "{now}");
    assert!(now.contains("GO111MODULE=of\n"), "{now}");
    assert!(now.contains("# edited by hand\n"), "{now}");
}
