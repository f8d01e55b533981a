//! `godoctor setup` end to end: the real binary in a pseudo-terminal (rexpect), keys typed like
//! a person would (arrows, Enter, y/n, text, Esc, Ctrl-C), loopback mirrors from
//! `tests/it/common/`, and the real `go` reading the result. Nothing leaves the machine: the
//! candidates come from a file, the current GOPROXY is loopback, and a network jail catches
//! anything else.

use crate::common;

use std::path::PathBuf;
use std::time::Duration;

use common::modules::Module;
use common::proxy::{Behaviour, GoProxy, refused_url};
use common::sumdb::SumDb;
use common::{GoUser, godoctor_bin};
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const MODULE: &str = "example.com/hello@v1.0.0";

fn hello() -> Module {
    Module::new("example.com/hello", "v1.0.0")
}

/// A user whose settings come from the go env file only (no GOPROXY/GOSUMDB in the OS
/// environment, which would hide what the wizard writes), jailed to loopback.
fn user(goenv: &str) -> GoUser {
    let u = GoUser::new()
        .without_env("GOPROXY")
        .without_env("GOSUMDB")
        .with_network_jail();
    u.write_goenv(goenv);
    u
}

/// Start `godoctor --color never setup ARGS` in a pseudo-terminal as `user`.
fn spawn(user: &GoUser, args: &[&str]) -> PtySession {
    let mut cmd = common::pty::command(user, godoctor_bin());
    cmd.args(["--color", "never", "setup"]).args(args);
    common::pty::spawn(cmd, true)
}

fn candidates(user: &GoUser, lines: &[String]) -> PathBuf {
    user.write_file(
        "mirrors.txt",
        format!("# test mirrors\n{}\n", lines.join("\n")),
    )
}

/// Wait for `text`, returning everything printed before it (panics with the output on timeout).
#[track_caller]
fn expect(p: &mut PtySession, text: &str) -> String {
    match p.exp_string(text) {
        Ok(before) => before,
        Err(e) => panic!("waiting for {text:?}: {e}"),
    }
}

/// Send keys after the prompt has had time to switch the terminal to raw mode.
fn keys(p: &mut PtySession, k: &str) {
    std::thread::sleep(Duration::from_millis(150));
    p.send(k).expect("send keys");
    p.flush().expect("flush");
}

fn exit_code(p: &mut PtySession) -> i32 {
    let rest = p.exp_eof().unwrap_or_default();
    match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("godoctor did not exit normally: {other:?}\n{rest}"),
    }
}

#[test]
fn arrows_and_answers_write_what_go_then_uses() {
    let fast = GoProxy::builder()
        .module(hello())
        .sumdb_supported(true)
        .start();
    let slow = GoProxy::builder()
        .module(hello())
        .sumdb_supported(true)
        .behaviour(Behaviour::SlowHeaders(Duration::from_millis(300)))
        .start();
    // The company proxy serves only private modules and does not proxy the checksum database.
    let corp = GoProxy::builder()
        .module(Module::new("git.corp.example/lib", "v1.0.0"))
        .sumdb_supported(false)
        .start();
    let broken = refused_url();
    let u = user("GOPROXY=off\nGOSUMDB=off\n");
    let file = candidates(
        &u,
        &[
            format!("{} slow mirror", slow.url()),
            format!("{} fast mirror", fast.url()),
            broken.clone(),
        ],
    );
    let mut p = spawn(
        &u,
        &[
            "--candidates",
            file.to_str().expect("utf-8"),
            "--no-builtin",
            "--module",
            MODULE,
            "--samples",
            "1",
            "--timeout",
            "3s",
        ],
    );
    let mut seen = String::new();
    seen += &expect(&mut p, "Current settings");
    seen += &expect(&mut p, "Where should go download public modules from?");
    // Fastest first and preselected, the slow one next, the broken one marked.
    let listing = expect(&mut p, "another proxy: type its URL");
    assert!(listing.contains("fast mirror"), "{listing}");
    let fast_at = listing.find("fast mirror").expect("fast listed");
    let slow_at = listing.find("slow mirror").expect("slow listed");
    assert!(fast_at < slow_at, "fastest first:\n{listing}");
    // (rexpect reads bytes as Latin-1, so only ASCII is matched: the ✗ is not.)
    assert!(
        listing.contains(&format!("{broken}  ")) && listing.contains(" refused"),
        "{listing}"
    );
    seen += &listing;
    // Arrow down to the slow mirror.
    keys(&mut p, &format!("{DOWN}{ENTER}"));
    seen += &expect(&mut p, "Do you use private modules");
    keys(&mut p, "y");
    seen += &expect(&mut p, "Private module patterns (GOPRIVATE)");
    keys(&mut p, "git.corp.example,github.com/acme/*\r");
    seen += &expect(
        &mut p,
        "git.corp.example/tools is private (matches git.corp.example)",
    );
    seen += &expect(&mut p, "private module proxy");
    keys(&mut p, &format!("{DOWN}{ENTER}"));
    seen += &expect(&mut p, "Private proxy URL");
    let with_password = corp.url().replace("http://", "http://bob:hunter2@");
    keys(&mut p, &format!("{with_password}\r"));
    seen += &expect(&mut p, "How do you log in to your private hosts?");
    // The login taken out of the URL preselects .netrc.
    keys(&mut p, ENTER);
    seen += &expect(&mut p, "machine 127.0.0.1 login bob password YOUR_TOKEN");
    seen += &expect(&mut p, "How should go verify downloaded modules (GOSUMDB)?");
    let sumdb = expect(&mut p, "off: do not verify");
    // The mirrors claim to proxy sum.golang.org but cannot serve it, and the jail keeps the
    // real one out of reach: nothing verifies, and the wizard says so.
    assert!(
        sumdb.contains("sum.golang.org: verify (recommended)"),
        "{sumdb}"
    );
    assert!(sumdb.contains("not usable"), "{sumdb}");
    seen += &sumdb;
    keys(&mut p, &format!("{DOWN}{DOWN}{ENTER}"));
    seen += &expect(&mut p, "Turn checksum verification off anyway?");
    keys(&mut p, "y");
    seen += &expect(&mut p, "Plan");
    seen += &expect(&mut p, "Apply these");
    keys(&mut p, "y");
    seen += &expect(&mut p, "Checks for the new settings");
    seen += &expect(&mut p, "Save these settings as a named profile");
    keys(&mut p, "y");
    seen += &expect(&mut p, "Profile name");
    keys(&mut p, "Not Valid\r");
    seen += &expect(&mut p, "is not a valid profile name");
    seen += &expect(&mut p, "Profile name");
    keys(&mut p, "office\r");
    seen += &expect(&mut p, "godoctor profile apply office --yes");
    seen += &p.exp_eof().unwrap_or_default();
    assert!(!seen.contains("hunter2"), "a password was echoed:\n{seen}");
    let code = match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(code, 0, "{seen}");

    let goproxy = format!("{},{},direct", corp.url(), slow.url());
    assert_eq!(u.go_env("GOPROXY"), goproxy);
    assert_eq!(u.go_env("GOSUMDB"), "off");
    assert_eq!(u.go_env("GOPRIVATE"), "git.corp.example,github.com/acme/*");
    assert_eq!(u.go_env("GONOPROXY"), "none");
    let file = u.read_goenv().expect("go env file");
    assert!(!file.contains("hunter2"), "{file}");
    // go really uses the result: the public module falls through the company proxy's 404 to
    // the chosen mirror.
    u.go(&["mod", "download", "-json", MODULE]).assert_success();
    assert!(
        slow.paths()
            .iter()
            .any(|p| p.ends_with("/example.com/hello/@v/v1.0.0.zip"))
    );
    assert!(
        corp.paths()
            .iter()
            .any(|p| p.contains("/example.com/hello/@v/"))
    );
    // The saved profile holds the result: applying it elsewhere gives the same settings.
    let profile = std::fs::read_to_string(u.godoctor_home().join("profiles/office.toml"))
        .expect("profile saved");
    assert!(
        profile.contains(&goproxy) && !profile.contains("hunter2"),
        "{profile}"
    );
    let other = user("GOPROXY=off\n");
    std::fs::create_dir_all(other.godoctor_home().join("profiles")).expect("dir");
    std::fs::write(other.godoctor_home().join("profiles/office.toml"), &profile).expect("copy");
    other
        .godoctor(&["profile", "apply", "office", "--yes"])
        .assert_success();
    assert_eq!(other.go_env("GOPROXY"), goproxy);
    assert_eq!(other.go_env("GONOPROXY"), "none");
}

#[test]
fn enter_everywhere_takes_the_fastest_mirror_and_keeps_verification() {
    // The user's own checksum database (loopback, real signatures) is what verifies here; the
    // public ones are out of reach (network jail).
    let db = SumDb::new("sum.godoctor.test").add(&hello());
    let key = db.verifier_key();
    let dbhost = GoProxy::builder().checksum_db(db).start();
    let gosumdb = format!("{key} {}", dbhost.url());
    let fast = GoProxy::builder().module(hello()).start();
    let slow = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::SlowHeaders(Duration::from_millis(300)))
        .start();
    let u = user(&format!("GOPROXY=off\nGOSUMDB={gosumdb}\n"));
    let file = candidates(&u, &[slow.url(), fast.url()]);
    let before = u.read_goenv();
    let mut p = spawn(
        &u,
        &[
            "--candidates",
            file.to_str().expect("utf-8"),
            "--no-builtin",
            "--module",
            MODULE,
            "--samples",
            "1",
        ],
    );
    expect(&mut p, "Where should go download public modules from?");
    expect(&mut p, "another proxy");
    keys(&mut p, ENTER);
    expect(&mut p, "Do you use private modules");
    keys(&mut p, ENTER);
    expect(&mut p, "How should go verify downloaded modules (GOSUMDB)?");
    let options = expect(&mut p, "off: do not verify");
    assert!(
        options.contains("verified, at the URL in GOSUMDB"),
        "the current database verifies: {options}"
    );
    keys(&mut p, ENTER);
    let plan = expect(&mut p, "Apply these 1 change(s)");
    assert!(plan.contains(&format!("{},direct", fast.url())), "{plan}");
    keys(&mut p, ENTER);
    let checks = expect(&mut p, "the same without questions");
    assert!(checks.contains("Checks for the new settings"), "{checks}");
    assert!(checks.contains("sum.godoctor.test"), "{checks}");
    let cmd = expect(&mut p, "Save these settings as a named profile");
    keys(&mut p, ENTER);
    let rest = p.exp_eof().unwrap_or_default();
    let code = match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(code, 0, "{checks}{cmd}{rest}");
    assert!(
        cmd.contains(&format!("godoctor env set GOPROXY={},direct", fast.url())),
        "{cmd:?}"
    );
    assert_eq!(u.go_env("GOPROXY"), format!("{},direct", fast.url()));
    assert_eq!(u.go_env("GOSUMDB"), gosumdb);
    // go downloads through the new proxy and verifies against the database the wizard kept.
    u.go(&["mod", "download", "-json", MODULE]).assert_success();
    assert!(
        dbhost
            .paths()
            .iter()
            .any(|p| p.contains("/lookup/example.com/hello@v1.0.0"))
    );
    // The write went through the undoable path.
    u.godoctor(&["undo"]).assert_success();
    assert_eq!(u.read_goenv(), before);
}

#[test]
fn a_typed_proxy_is_validated_and_probed_before_it_is_accepted() {
    let listed = GoProxy::builder()
        .module(hello())
        .sumdb_supported(true)
        .start();
    let typed = GoProxy::builder()
        .module(hello())
        .sumdb_supported(true)
        .start();
    let u = user("GOPROXY=off\nGOSUMDB=off\n");
    let file = candidates(&u, &[listed.url()]);
    let mut p = spawn(
        &u,
        &[
            "--candidates",
            file.to_str().expect("utf-8"),
            "--no-builtin",
            "--module",
            MODULE,
            "--samples",
            "1",
        ],
    );
    expect(&mut p, "another proxy: type its URL");
    // listed, keep current (off), direct, another proxy.
    keys(&mut p, &format!("{DOWN}{DOWN}{DOWN}{ENTER}"));
    expect(&mut p, "Proxy URL:");
    keys(&mut p, "ftp://mirror.invalid\r");
    expect(&mut p, "scheme");
    expect(&mut p, "Proxy URL:");
    // A proxy that refuses connections: probed, refused, not taken without a yes.
    keys(&mut p, &format!("{}\r", refused_url()));
    expect(&mut p, "Use it anyway?");
    keys(&mut p, "n");
    expect(&mut p, "Where should go download public modules from?");
    expect(&mut p, "another proxy: type its URL");
    keys(&mut p, &format!("{DOWN}{DOWN}{DOWN}{ENTER}"));
    expect(&mut p, "Proxy URL:");
    keys(&mut p, &format!("{}\r", typed.url()));
    expect(&mut p, "Do you use private modules");
    keys(&mut p, "n");
    expect(&mut p, "GOSUMDB");
    // Nothing verifies from here (jail): verification is still preselected.
    expect(&mut p, "off: do not verify");
    keys(&mut p, ENTER);
    expect(&mut p, "Apply these");
    keys(&mut p, "y");
    let checks = expect(&mut p, "Save these settings as a named profile");
    assert!(checks.contains("Checks for the new settings"), "{checks}");
    keys(&mut p, "n");
    // The checks report the unreachable checksum database: exit 1.
    assert_eq!(exit_code(&mut p), 1, "{checks}");
    assert_eq!(u.go_env("GOSUMDB"), "sum.golang.org");
    assert_eq!(u.go_env("GOPROXY"), format!("{},direct", typed.url()));
    assert!(
        typed
            .paths()
            .iter()
            .any(|p| p.ends_with("/example.com/hello/@v/v1.0.0.info"))
    );
}

/// The go env file and godoctor's history, byte for byte.
fn state(u: &GoUser) -> (Option<Vec<u8>>, Vec<PathBuf>) {
    let file = std::fs::read(u.goenv_path()).ok();
    let mut history: Vec<PathBuf> = walk(&u.godoctor_home());
    history.sort();
    (file, history)
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.file_name().is_some_and(|n| n != "lock") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn ctrl_c_midway_changes_nothing() {
    let fast = GoProxy::builder()
        .module(hello())
        .sumdb_supported(true)
        .start();
    let u = user("GOPROXY=off\nGOSUMDB=off\n# a comment go keeps\n");
    let file = candidates(&u, &[fast.url()]);
    let before = state(&u);
    let mut p = spawn(
        &u,
        &[
            "--candidates",
            file.to_str().expect("utf-8"),
            "--no-builtin",
            "--module",
            MODULE,
            "--samples",
            "1",
        ],
    );
    expect(&mut p, "another proxy");
    keys(&mut p, ENTER);
    expect(&mut p, "Do you use private modules");
    keys(&mut p, "y");
    expect(&mut p, "Private module patterns (GOPRIVATE)");
    keys(&mut p, "git.corp.ex");
    keys(&mut p, "\x03");
    let out = p.exp_eof().unwrap_or_default();
    assert!(out.contains("nothing was changed"), "{out}");
    match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => assert_ne!(code, 0, "{out}"),
        WaitStatus::Signaled(..) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(state(&u), before, "the go env file or the history changed");
    assert_eq!(u.go_env("GOPROXY"), "off");
}

#[test]
fn esc_at_the_final_question_changes_nothing() {
    let fast = GoProxy::builder()
        .module(hello())
        .sumdb_supported(true)
        .start();
    let u = user("GOPROXY=off\nGOSUMDB=off\n");
    let file = candidates(&u, &[fast.url()]);
    let before = state(&u);
    let mut p = spawn(
        &u,
        &[
            "--candidates",
            file.to_str().expect("utf-8"),
            "--no-builtin",
            "--module",
            MODULE,
            "--samples",
            "1",
        ],
    );
    expect(&mut p, "another proxy");
    keys(&mut p, ENTER);
    expect(&mut p, "Do you use private modules");
    keys(&mut p, "n");
    expect(&mut p, "off: do not verify");
    keys(&mut p, ENTER);
    expect(&mut p, "Apply these");
    keys(&mut p, ESC);
    let out = p.exp_eof().unwrap_or_default();
    assert!(
        out.contains("setup cancelled (Esc): nothing was changed"),
        "{out}"
    );
    assert_eq!(exit_code(&mut p), 2);
    assert_eq!(state(&u), before);
}

#[test]
fn without_a_terminal_it_exits_2_with_the_equivalent_commands() {
    let u = user("GOPROXY=off\n");
    let before = state(&u);
    let run = u.godoctor(&["setup"]);
    run.assert_code(2);
    run.assert_stderr_contains("not a terminal");
    run.assert_stderr_contains(
        "godoctor profile apply corporate --set proxy=URL --set private=PATTERNS --yes",
    );
    run.assert_stderr_contains("godoctor env set GOPROXY=URL,direct");
    assert_eq!(run.stdout, "");
    assert_eq!(state(&u), before);
}

#[test]
fn without_go_it_says_how_to_install_it() {
    let u = user("GOPROXY=off\n").without_go_on_path();
    let before = state(&u);
    let mut p = spawn(&u, &[]);
    let out = p.exp_eof().unwrap_or_default();
    assert!(out.contains("no `go` command was found on PATH"), "{out}");
    assert!(out.contains("install Go from https://go.dev/dl/"), "{out}");
    assert!(out.contains("--go /path/to/go"), "{out}");
    match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => assert_eq!(code, 2, "{out}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(state(&u), before);
}
