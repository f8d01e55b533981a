//! `godoctor check` against the real go: the JSON contract, exit codes, and the verdict on the
//! proxy chain compared with what `go mod download` really does, on loopback servers only.

use crate::common;

use common::modules::Module;
use common::proxy::{Behaviour, GoProxy, refused_url};
use common::snapshot::stable;
use common::{GoUser, Run};
use serde_json::Value;

/// The module `check` probes proxies with by default, and one for go to download.
fn modules() -> Vec<Module> {
    vec![
        Module::new("rsc.io/quote", "v1.5.2").file("quote.go", "package quote\n"),
        Module::new("example.com/hello", "v1.0.0").file("hello.go", "package hello\n"),
    ]
}

fn checks<'a>(json: &'a Value, id: &str) -> Vec<&'a Value> {
    json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["id"] == id)
        .collect()
}

fn statuses(json: &Value, prefix: &str) -> Vec<String> {
    json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|id| id.starts_with(prefix)))
        .map(|c| c["status"].as_str().unwrap_or("").to_string())
        .collect()
}

fn check_json(user: &GoUser, args: &[&str]) -> (Run, Value) {
    let mut all = vec!["check", "--json", "--timeout", "3"];
    all.extend_from_slice(args);
    let run = user.godoctor(&all);
    assert!(
        matches!(run.code(), Some(0 | 1)),
        "check could not run: {}",
        run.stderr
    );
    let json = run.json();
    (run, json)
}

fn go_download(user: &GoUser) -> Run {
    user.go(&["mod", "download", "-json", "example.com/hello@v1.0.0"])
}

#[test]
fn json_follows_the_contract() {
    let user = GoUser::new();
    let (run, json) = check_json(&user, &["--offline"]);
    assert_eq!(json["version"], 1);
    assert!(
        json["go"]["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("go1."))
    );
    let all = json["checks"].as_array().expect("checks");
    assert!(all.len() >= 15, "{}", all.len());
    let (mut ok, mut warn, mut err) = (0, 0, 0);
    for c in all {
        let id = c["id"].as_str().expect("id");
        assert!(id.contains('.') && id == id.to_lowercase(), "{id}");
        match c["status"].as_str().expect("status") {
            "ok" => ok += 1,
            "warn" => warn += 1,
            "error" => err += 1,
            "skip" => {}
            other => panic!("status {other}"),
        }
        assert!(c["title"].is_string() && c["detail"].is_string());
        assert!(c["hint"].is_null() || c["hint"].is_string());
        assert!(c["duration_ms"].is_u64());
    }
    assert_eq!(json["summary"]["ok"], ok);
    assert_eq!(json["summary"]["warnings"], warn);
    assert_eq!(json["summary"]["errors"], err);
    assert_eq!(run.code(), Some(if err > 0 { 1 } else { 0 }));
    // --offline skips every network check.
    for id in ["proxy.reach", "sumdb.reach", "private.hosts", "ports.local"] {
        assert!(
            checks(&json, id).iter().all(|c| c["status"] == "skip"),
            "{id}"
        );
    }
}

#[test]
fn a_healthy_proxy_passes_and_go_agrees() {
    let proxy = GoProxy::start(modules());
    let user = GoUser::new()
        .with_env("GOPROXY", proxy.url())
        .with_network_jail();
    go_download(&user).assert_success();
    let (_, json) = check_json(&user, &["proxy", "ports"]);
    assert!(
        statuses(&json, "proxy.").iter().all(|s| s == "ok"),
        "{json:#}"
    );
    assert!(
        checks(&json, "proxy.chain")[0]["title"]
            .as_str()
            .expect("title")
            .contains(&proxy.url())
    );
    assert_eq!(checks(&json, "ports.local")[0]["status"], "ok");
}

#[test]
fn a_captive_portal_is_an_error_and_go_fails_too() {
    let proxy = GoProxy::builder()
        .modules(modules())
        .behaviour(Behaviour::CaptivePortal)
        .start();
    let user = GoUser::new()
        .with_env("GOPROXY", proxy.url())
        .with_network_jail();
    go_download(&user).assert_failure();
    let (run, json) = check_json(&user, &["proxy"]);
    run.assert_code(1);
    assert_eq!(checks(&json, "proxy.chain")[0]["status"], "error");
    let reach = checks(&json, "proxy.reach")[0];
    assert_eq!(reach["status"], "error");
    let text = format!("{} {}", reach["title"], reach["detail"]).to_lowercase();
    assert!(text.contains("html"), "the cause is not named: {text}");
}

#[test]
fn a_refused_proxy_before_a_comma_breaks_everything_like_go_says() {
    let good = GoProxy::start(modules());
    let dead = refused_url();
    let user = GoUser::new()
        .with_env("GOPROXY", format!("{dead},{}", good.url()))
        .with_network_jail();
    go_download(&user).assert_failure();
    assert_eq!(good.hits(), 0, "go must not fall back after ','");
    let (run, json) = check_json(&user, &["proxy", "ports"]);
    run.assert_code(1);
    let chain = checks(&json, "proxy.chain")[0];
    assert_eq!(chain["status"], "error");
    // The line of the failing entry names it (the detail holds one line per entry).
    let detail = chain["detail"].as_str().expect("detail");
    assert!(
        detail
            .lines()
            .any(|l| l.starts_with(&format!("{dead}: fails (")) && l.contains("NOT fall back")),
        "{chain}"
    );
    let port = checks(&json, "ports.local");
    assert!(port.iter().any(|c| {
        c["status"] == "error"
            && c["title"]
                .as_str()
                .expect("t")
                .contains("nothing is listening")
    }));
}

#[test]
fn a_refused_proxy_before_a_pipe_is_only_a_warning_and_go_works() {
    let good = GoProxy::start(modules());
    let dead = refused_url();
    let user = GoUser::new()
        .with_env("GOPROXY", format!("{dead}|{}", good.url()))
        .with_network_jail();
    go_download(&user).assert_success();
    let (_, json) = check_json(&user, &["proxy"]);
    assert!(
        !statuses(&json, "proxy.").iter().any(|s| s == "error"),
        "{json:#}"
    );
    assert_eq!(checks(&json, "proxy.chain")[0]["status"], "ok");
}

#[test]
fn goproxy_off_is_an_error_and_go_refuses_to_download() {
    let user = GoUser::new();
    let go = go_download(&user);
    assert!(
        format!("{}{}", go.stdout, go.stderr).contains("GOPROXY=off"),
        "{}",
        go.stdout
    );
    let (run, json) = check_json(&user, &["proxy"]);
    run.assert_code(1);
    let chain = checks(&json, "proxy.chain")[0];
    assert_eq!(chain["status"], "error");
    assert!(
        chain["title"]
            .as_str()
            .expect("title")
            .contains("GOPROXY=off")
    );
    // The fix is about the setting (here an OS variable), not "remove the failing entry".
    let hint = chain["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("unset GOPROXY"), "{json:#}");
}

#[test]
fn empty_goproxy_in_the_file_is_named_and_fix_repairs_it() {
    let user = GoUser::new().without_env("GOPROXY").with_network_jail();
    user.write_goenv("GOPROXY=\n");
    let (run, json) = check_json(&user, &["settings", "--offline"]);
    run.assert_code(1);
    let envfile = checks(&json, "settings.envfile");
    assert!(
        envfile
            .iter()
            .any(|c| c["status"] == "error" && c["hint"] == "godoctor env unset GOPROXY"),
        "{json:#}"
    );
    let fix = user.godoctor(&["check", "settings", "--offline", "--fix", "--yes"]);
    assert!(fix.stdout.contains("fixed"), "{}{}", fix.stdout, fix.stderr);
    assert_eq!(user.go_env("GOPROXY"), "https://proxy.golang.org,direct");
    user.godoctor(&["undo"]).assert_success();
    assert_eq!(user.read_goenv().as_deref(), Some("GOPROXY=\n"));
    // Without a terminal and without --yes, --fix refuses to act.
    let refuse = user.godoctor(&["check", "settings", "--offline", "--fix"]);
    refuse.assert_code(2);
    assert!(refuse.stderr.contains("--yes"), "{}", refuse.stderr);
}

#[test]
fn a_loopback_checksum_database_is_verified_like_go_verifies_it() {
    use common::sumdb::SumDb;
    let m = modules();
    let db = SumDb::new("sum.test").add(&m[0]).add(&m[1]);
    let key = db.verifier_key();
    // go consults the database through the proxy (`/sumdb/sum.test/supported` answers 200).
    let proxy = GoProxy::builder().modules(m).checksum_db(db).start();
    let user = GoUser::new()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", &key)
        .with_network_jail();
    go_download(&user).assert_success();
    let (_, json) = check_json(&user, &["sumdb"]);
    let reach = checks(&json, "sumdb.reach")[0];
    assert_eq!(reach["status"], "ok", "{reach}");
    assert!(
        reach["title"].as_str().expect("title").contains("verified"),
        "{reach}"
    );
    // A key of another database with the same name: go rejects the signature, so does godoctor.
    let wrong = SumDb::new("sum.test").verifier_key();
    let user = user.with_env("GOSUMDB", &wrong);
    let go = go_download(&user);
    assert!(
        go.stdout.contains("\"Error\"") || !go.success(),
        "go accepted a wrong key: {}",
        go.stdout
    );
    let (_, json) = check_json(&user, &["sumdb"]);
    assert_eq!(
        checks(&json, "sumdb.reach")[0]["status"],
        "error",
        "{json:#}"
    );
}

#[test]
fn go_mod_needing_a_newer_go_with_gotoolchain_local_fails_like_go() {
    let user = GoUser::new().with_shared_build_cache();
    let dir = user.work_dir().join("m");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("go.mod"), "module example.com/m\n\ngo 1.99.0\n").expect("go.mod");
    std::fs::write(dir.join("main.go"), "package main\n\nfunc main() {}\n").expect("main.go");
    let user = user.cwd(&dir);
    let build = user.go(&["build", "./..."]);
    build.assert_failure();
    assert!(build.stderr.contains("1.99"), "{}", build.stderr);
    let (_, json) = check_json(&user, &["toolchain", "--offline"]);
    let switch = checks(&json, "toolchain.switch")[0];
    assert_eq!(switch["status"], "error", "{switch}");
    assert!(
        switch["title"]
            .as_str()
            .expect("t")
            .contains("GOTOOLCHAIN=local")
    );
    // With auto but GOPROXY=off, go cannot fetch the toolchain either.
    let user = user.with_env("GOTOOLCHAIN", "auto");
    let go = user.go(&["version"]);
    assert!(
        go.stderr.contains("toolchain not available"),
        "{}",
        go.stderr
    );
    let (_, json) = check_json(&user, &["toolchain", "--offline"]);
    assert_eq!(checks(&json, "toolchain.switch")[0]["status"], "error");
}

/// A go.mod go cannot parse: the report says go's own error (file, line, what), never that
/// go.mod works; go itself refuses to build with the same words.
#[test]
fn a_broken_go_mod_reports_gos_own_error() {
    let user = GoUser::new();
    let dir = user.work_dir().join("m");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("go.mod"),
        "module example.com/m\n\ngo 1.22\n\nrequire (\n\texample.com/a v1.0.0\n",
    )
    .expect("go.mod");
    let user = user.cwd(&dir);
    let go = user.go(&["list", "-m"]);
    go.assert_failure();
    assert!(
        go.stderr
            .contains("go.mod:7: syntax error (unterminated block"),
        "{}",
        go.stderr
    );
    let (run, json) = check_json(&user, &["toolchain", "--offline"]);
    assert_eq!(run.code(), Some(1), "{run}");
    let switch = checks(&json, "toolchain.switch")[0];
    assert_eq!(switch["status"], "error", "{switch}");
    let title = switch["title"].as_str().expect("title");
    assert!(
        title.contains("go.mod:7: syntax error (unterminated block started at go.mod:5:1)"),
        "{title}"
    );
    assert!(!title.contains("works"), "{title}");
}

/// GOPRIVATE=https://git.corp.example/...: two mistakes in one pattern are one cause with one
/// fix (the mended value, which `env set` accepts), no host "https:" is asked credentials for,
/// and the Settings line does not claim every value parses.
#[test]
fn a_goprivate_url_is_one_problem_with_one_fix_that_env_set_accepts() {
    // --offline below: the checksum database is named, never asked.
    let user = GoUser::new().with_env("GOSUMDB", "sum.golang.org");
    user.write_goenv("GOPRIVATE=https://git.corp.example/...\n");
    let (_, json) = check_json(&user, &["--offline"]);
    let patterns = checks(&json, "private.patterns");
    assert_eq!(patterns.len(), 2, "{patterns:?}");
    assert!(patterns.iter().all(|c| c["status"] == "error"));
    let fixes: Vec<&Value> = json["fixes"]
        .as_array()
        .expect("fixes")
        .iter()
        .filter(|f| {
            f["resolves"]
                .as_array()
                .is_some_and(|r| r.iter().any(|id| id == "private.patterns"))
        })
        .collect();
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(
        fixes[0]["hint"],
        "godoctor env set GOPRIVATE=git.corp.example"
    );
    for c in checks(&json, "private.auth") {
        assert!(!c.to_string().contains("https:"), "{c}");
    }
    // Nor does the checksum database's ✓ claim the pattern exempts anything.
    let sumdb = checks(&json, "sumdb.config")[0]["title"].to_string();
    assert!(sumdb.contains("exempts nothing as written"), "{sumdb}");
    let values = checks(&json, "settings.values")[0]["title"]
        .as_str()
        .expect("title")
        .to_string();
    assert!(values.starts_with("every other value"), "{values}");
    // The old half-fix is refused by `env set`; the mended value is written and clears it.
    user.godoctor(&["env", "set", "GOPRIVATE=git.corp.example/..."])
        .assert_code(2);
    user.godoctor(&["env", "set", "GOPRIVATE=git.corp.example"])
        .assert_success();
    let (_, json) = check_json(&user, &["private", "--offline"]);
    assert_eq!(
        checks(&json, "private.patterns")[0]["status"],
        "ok",
        "{json}"
    );
}

/// go.mod asks for go 1.99. Offline, godoctor does not tell anyone to "install go1.99": it is
/// newer than every release it knows of. Online, the proxy's golang.org/toolchain list says it
/// is no release at all; go fails to switch to it, and the fix (lowering the go line) works.
#[test]
fn go_mod_needing_a_release_that_does_not_exist_says_so() {
    let user = GoUser::new();
    let dir = user.work_dir().join("m");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("go.mod"), "module example.com/m\n\ngo 1.99\n").expect("go.mod");
    let user = user.cwd(&dir);
    let (_, json) = check_json(&user, &["toolchain", "--offline"]);
    let switch = checks(&json, "toolchain.switch")[0].clone();
    assert!(!switch.to_string().contains("install go1.99"), "{switch}");
    assert!(
        switch["detail"]
            .as_str()
            .expect("detail")
            .contains("newer than every Go release godoctor knows of"),
        "{switch}"
    );

    let host = |k: &str| user.go_env(k);
    let (goos, goarch) = (host("GOHOSTOS"), host("GOHOSTARCH"));
    let running = host("GOVERSION");
    let toolchains = [running.as_str(), "go1.21.0"].map(|v| {
        Module::new(
            "golang.org/toolchain",
            &format!("v0.0.1-{v}.{goos}-{goarch}"),
        )
        .file("go/bin/go", "#!/bin/sh\necho fake\n")
    });
    let proxy = GoProxy::start(toolchains);
    let user = user
        .with_env("GOPROXY", proxy.url())
        .with_env("GOTOOLCHAIN", "auto")
        .with_network_jail();
    let go = user.go(&["list", "-m"]);
    go.assert_failure();
    go.assert_stderr_contains("toolchain not available");
    // Only toolchain.switch asks the proxy for the list (go itself, run for the facts, asks
    // for the toolchain's zip): a check of other sections does not ask for it.
    let lists = || {
        proxy
            .paths()
            .iter()
            .filter(|p| p.ends_with("/golang.org/toolchain/@v/list"))
            .count()
    };
    check_json(&user, &["settings", "cache"]);
    assert_eq!(lists(), 0, "{:?}", proxy.paths());
    let (_, json) = check_json(&user, &["toolchain"]);
    assert_eq!(lists(), 1, "{:?}", proxy.paths());
    let switch = checks(&json, "toolchain.switch")[0].clone();
    assert_eq!(switch["status"], "error", "{switch}");
    assert_eq!(
        switch["title"], "go.mod needs go1.99, which is not a Go release",
        "{switch}"
    );
    assert!(
        switch["detail"]
            .as_str()
            .expect("detail")
            .contains(&format!("up to {running}")),
        "{switch}"
    );
    let hint = switch["hint"].as_str().expect("hint");
    let edit = format!(
        "GOTOOLCHAIN=local go mod edit -go={}",
        running.trim_start_matches("go")
    );
    assert!(hint.contains(&edit), "{hint}");
    // The fix, done as said: go works and the finding is gone.
    let args: Vec<&str> = edit.split(' ').skip(2).collect();
    let user = user.with_env("GOTOOLCHAIN", "local");
    user.go(&args).assert_success();
    let user = user.with_env("GOTOOLCHAIN", "auto");
    user.go(&["list", "-m"]).assert_success();
    let (_, json) = check_json(&user, &["toolchain"]);
    assert_eq!(
        checks(&json, "toolchain.switch")[0]["status"],
        "ok",
        "{json}"
    );
}

/// A negative deadline is refused with what a deadline looks like, in every command that
/// takes one (clap alone read `-5s` as an unknown flag).
#[test]
fn a_negative_timeout_says_what_a_timeout_is() {
    let user = GoUser::new();
    for args in [
        &["check", "--timeout", "-5s"][..],
        &["proxy", "test", "--timeout", "-5s"],
        &["route", "example.com/m", "--timeout", "-5s"],
        &["explain", "--timeout", "-5s"],
    ] {
        let run = user.godoctor(args);
        run.assert_code(2);
        run.assert_stderr_contains("invalid timeout \"-5s\": use seconds like 3");
    }
}

/// `proxy test not-a-url` says what go says of that GOPROXY entry, before any lookup.
#[test]
fn proxy_test_of_a_word_says_what_go_says() {
    let user = GoUser::new().with_network_jail();
    let dir = user.work_dir().join("m");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("go.mod"), "module example.com/m\n\ngo 1.22\n").expect("go.mod");
    let go = user.with_env("GOPROXY", "not-a-url").cwd(&dir).go(&[
        "mod",
        "download",
        "example.com/x@v1.0.0",
    ]);
    go.assert_failure();
    go.assert_stderr_contains("invalid proxy URL missing scheme: not-a-url");
    let user = GoUser::new().with_network_jail();
    let run = user.godoctor(&["proxy", "test", "not-a-url"]);
    run.assert_code(2);
    run.assert_stderr_contains("invalid proxy URL missing scheme: not-a-url");
    assert!(!run.output().contains("lookup"), "{run}");
    let run = user.godoctor(&["proxy", "test", "direct"]);
    run.assert_code(2);
    run.assert_stderr_contains("keyword");
}

#[test]
fn list_and_unknown_ids() {
    let user = GoUser::new();
    let list = user.godoctor(&["check", "--list"]);
    list.assert_success();
    for id in [
        "toolchain.go",
        "proxy.reach",
        "sumdb.reach",
        "private.leak",
        "ports.local",
        "cache.modcache",
    ] {
        assert!(list.stdout.contains(id), "{id} missing from --list");
    }
    let bad = user.godoctor(&["check", "proxy.nope"]);
    bad.assert_code(2);
    assert!(bad.stderr.contains("--list"), "{}", bad.stderr);
    assert!(!bad.stderr.contains("did you mean"), "{}", bad.stderr);
    // A typo of an id or a section gets the id meant.
    let typo = user.godoctor(&["check", "proxy.rech"]);
    typo.assert_code(2);
    typo.assert_stderr_contains("did you mean proxy.reach?");
    let typo = user.godoctor(&["check", "sumbd"]);
    typo.assert_code(2);
    typo.assert_stderr_contains("did you mean sumdb?");
}

#[test]
fn without_go_the_report_says_so() {
    let user = GoUser::new().without_go_on_path();
    let (run, json) = check_json(&user, &["--offline"]);
    run.assert_code(1);
    let go = checks(&json, "toolchain.go")[0];
    assert_eq!(go["status"], "error");
    assert!(go["hint"].as_str().expect("hint").contains("go.dev"));
}

#[test]
fn strict_counts_warnings() {
    // GOSUMDB=off is a warning (a security downgrade), not an error.
    let user = GoUser::new();
    let (run, json) = check_json(&user, &["sumdb", "--offline"]);
    assert_eq!(checks(&json, "sumdb.config")[0]["status"], "warn");
    run.assert_code(0);
    let strict = user.godoctor(&["check", "sumdb", "--offline", "--strict"]);
    strict.assert_code(1);
}

#[test]
fn secrets_never_appear_in_the_report() {
    let proxy = GoProxy::start(modules());
    let url = proxy.url().replace("http://", "http://alice:hunter2@");
    let user = GoUser::new().with_env("GOPROXY", &url).with_network_jail();
    for args in [
        vec!["check", "--timeout", "3"],
        vec!["check", "--json", "--timeout", "3"],
        vec!["check", "-v", "--timeout", "3"],
    ] {
        let run = user.godoctor(&args);
        assert!(
            !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
            "{}{}",
            run.stdout,
            run.stderr
        );
    }
}

fn assert_fits(run: &Run, width: usize) {
    for line in run.stdout.lines() {
        let long_word = line.split(' ').any(|w| w.chars().count() > 40);
        assert!(
            line.chars().count() <= width || long_word,
            "too wide: {line}"
        );
    }
}

/// Healthy (loopback proxy ending in `direct`, a checksum database named): one line per
/// section, at most 15 lines, wrapped at 80 columns when stdout is not a terminal.
#[test]
fn a_healthy_check_is_one_line_per_section() {
    let user = GoUser::new()
        .with_env("GOPROXY", "http://127.0.0.1:9/,direct")
        .with_env("GOSUMDB", "sum.golang.org");
    let run = user.godoctor(&["check", "--offline", "--color", "never"]);
    run.assert_success();
    assert!(run.stdout.lines().count() <= 15, "{}", run.stdout);
    assert_fits(&run, 80);
    insta::assert_snapshot!(stable(&user, &run.stdout));
    // -v shows every check; -q shows nothing when nothing is wrong.
    let verbose = user.godoctor(&["check", "--offline", "--color", "never", "-v"]);
    assert!(
        verbose.stdout.contains("one go on PATH"),
        "{}",
        verbose.stdout
    );
    let quiet = user.godoctor(&["check", "--offline", "--color", "never", "-q"]);
    assert_eq!(quiet.stdout, "", "{}", quiet.stdout);
}

/// Networked and healthy against a loopback proxy and checksum database: still at most 15
/// lines, and the section lines carry the figures (which proxy, verified database).
#[test]
fn a_healthy_networked_check_names_proxy_and_verified_database() {
    use common::sumdb::SumDb;
    let m = modules();
    let db = SumDb::new("sum.test").add(&m[0]).add(&m[1]);
    let key = db.verifier_key();
    let proxy = GoProxy::builder().modules(m).checksum_db(db).start();
    let user = GoUser::new()
        .with_env("GOPROXY", format!("{},direct", proxy.url()))
        .with_env("GOSUMDB", &key)
        .with_network_jail();
    let run = user.godoctor(&["check", "--color", "never", "--timeout", "3"]);
    assert!(run.stdout.lines().count() <= 15, "{}", run.stdout);
    let proxy_line = run
        .stdout
        .lines()
        .find(|l| l.contains("Module proxy"))
        .expect("proxy line");
    assert!(proxy_line.starts_with('✓'), "{}", run.stdout);
    assert!(proxy_line.contains("127.0.0.1"), "{}", run.stdout);
    let sumdb = run
        .stdout
        .split("Checksum database")
        .nth(1)
        .and_then(|rest| rest.split("Private modules").next())
        .expect("sumdb line");
    assert!(sumdb.contains("verified"), "{}", run.stdout);
    // Unwrapped first: where a line wraps depends on how many digits a latency has.
    let unwrapped = run.stdout.replace(&format!("\n{}", " ".repeat(21)), " ");
    insta::assert_snapshot!(stable(&user, &unwrapped));
}

/// `check --list`: every check of the registry, in report order, with one line about it.
#[test]
fn the_list_of_checks() {
    let user = GoUser::new();
    let run = user.godoctor(&["check", "--list", "--color", "never"]);
    run.assert_success();
    insta::assert_snapshot!(run.stdout);
}

/// `--format markdown` (CI job summaries) with problems: the headline, a row per section, the
/// problems and their fixes.
#[test]
fn problems_in_markdown() {
    let user = GoUser::new();
    let run = user.godoctor(&["check", "--offline", "--format", "markdown"]);
    run.assert_code(1);
    insta::assert_snapshot!(stable(&user, &run.stdout));
}

/// With problems: the headline first, failing sections expanded, one cause told once, every
/// fix once with what it resolves; `-q` starts with the first failing section.
#[test]
fn problems_come_first_and_each_cause_is_told_once() {
    let user = GoUser::new();
    let run = user.godoctor(&["check", "--offline", "--color", "never"]);
    assert_fits(&run, 80);
    insta::assert_snapshot!(stable(&user, &run.stdout));
    let second = run.stdout.lines().nth(1).unwrap_or("");
    assert!(second.contains("2 problems: "), "{}", run.stdout);
    let quiet = user.godoctor(&["check", "--offline", "--color", "never", "-q"]);
    assert!(
        quiet.stdout.starts_with("Module proxy\n"),
        "{:?}",
        quiet.stdout
    );
}

/// A dead local proxy is one problem, not five: its message once, one fix resolving the
/// proxy and port checks together.
#[test]
fn a_dead_local_proxy_is_one_problem_with_one_fix() {
    let url = refused_url();
    let user = GoUser::new().with_env("GOPROXY", &url).with_network_jail();
    let run = user.godoctor(&["check", "--color", "never", "--timeout", "3"]);
    run.assert_code(1);
    let port = url.rsplit(':').next().unwrap_or("").trim_end_matches('/');
    let listening = format!("nothing is listening on 127.0.0.1:{port}");
    // Once, in proxy.chain's detail: proxy.reach and ports.local, of the same cause, refer to
    // it (-v and JSON keep their own words).
    assert_eq!(run.stdout.matches(&listening).count(), 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("ports.local: same cause as proxy.chain above"),
        "{}",
        run.stdout
    );
    let verbose = user.godoctor(&["check", "-v", "--color", "never", "--timeout", "3"]);
    assert!(verbose.stdout.matches(&listening).count() >= 2, "{verbose}");
    let json = user.godoctor(&["check", "--json", "--timeout", "3"]).json();
    let fixes = json["fixes"].as_array().expect("fixes");
    let dead: Vec<&Value> = fixes
        .iter()
        .filter(|f| {
            f["resolves"]
                .as_array()
                .is_some_and(|r| r.iter().any(|id| id == "ports.local"))
        })
        .collect();
    assert_eq!(dead.len(), 1, "{json:#}");
    let resolves = dead[0]["resolves"].as_array().expect("resolves");
    assert!(resolves.iter().any(|id| id == "proxy.reach"), "{json:#}");
    let hints: Vec<&str> = fixes.iter().filter_map(|f| f["hint"].as_str()).collect();
    let mut unique = hints.clone();
    unique.dedup();
    assert_eq!(hints.len(), unique.len(), "{hints:?}");
    // The dead proxy and GOSUMDB=off (the test user's safe default): two problems.
    assert_eq!(json["problems"], 2, "{json:#}");
}

/// A user under go's default proxy and checksum database (never contacted: these tests run
/// --offline), working in a module that requires `requirements` ("PATH VERSION" each).
fn in_module_requiring(requirements: &[&str]) -> GoUser {
    let user = GoUser::new()
        .without_env("GOSUMDB")
        .with_env("GOPROXY", "https://proxy.golang.org,direct");
    let dir = user.work_dir().join("app");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let lines: String = requirements.iter().map(|r| format!("\t{r}\n")).collect();
    std::fs::write(
        dir.join("go.mod"),
        format!("module example.com/app\n\ngo 1.21\n\nrequire (\n{lines})\n"),
    )
    .expect("go.mod");
    user.cwd(&dir)
}

/// A requirement on a private-looking host, with GOPRIVATE unset, would be sent to the public
/// checksum database: check warns before go does it. With GOPRIVATE covering it, no warning.
#[test]
fn private_looking_requirements_headed_for_public_services_are_flagged() {
    let user = in_module_requiring(&[
        "git.corp.example/team/lib v1.2.0",
        "github.com/pkg/errors v0.9.1",
    ]);
    let (_, json) = check_json(&user, &["private.leak", "--offline"]);
    let leak = checks(&json, "private.leak");
    assert_eq!(leak.len(), 1, "{json:#}");
    assert_eq!(leak[0]["status"], "warn");
    assert!(
        leak[0]["title"]
            .as_str()
            .expect("t")
            .contains("git.corp.example/team/lib")
    );
    assert!(
        leak[0]["hint"]
            .as_str()
            .expect("hint")
            .contains("GOPRIVATE"),
        "{}",
        leak[0]
    );
    let user = user.with_env("GOPRIVATE", "git.corp.example");
    let (_, json) = check_json(&user, &["private.leak", "--offline"]);
    assert_eq!(checks(&json, "private.leak")[0]["status"], "ok", "{json:#}");
}

/// Two private-looking requirements on different hosts: one fix names both hosts (a command per
/// module, each built from today's GOPRIVATE, undid the other when both were applied), and it
/// is a `godoctor env set` that --fix applies; applied, no leak is left and go has both patterns.
#[test]
fn two_leaking_requirements_get_one_fix_that_covers_both() {
    let user = in_module_requiring(&[
        "git.corp.example/team/lib v1.2.0",
        "gitlab.internal/x/y v1.0.0",
    ]);
    let (_, json) = check_json(&user, &["private.leak", "--offline"]);
    let leak = checks(&json, "private.leak");
    assert_eq!(leak.len(), 2, "{json:#}");
    let fix = "godoctor env set GOPRIVATE=git.corp.example,gitlab.internal";
    assert!(leak.iter().all(|c| c["hint"] == fix), "{json:#}");
    let words: Vec<&str> = fix.split(' ').skip(1).collect();
    user.godoctor(&words).assert_code(0);
    let (_, json) = check_json(&user, &["private.leak", "--offline"]);
    assert_eq!(checks(&json, "private.leak")[0]["status"], "ok", "{json:#}");
    assert_eq!(user.go_env("GOPRIVATE"), "git.corp.example,gitlab.internal");
}

/// CI: `--format markdown` renders the same report (verdict table, problems, fixes) for a job
/// summary; on GitHub Actions the text output also annotates each problem once.
#[test]
fn markdown_and_github_annotations_come_from_the_same_report() {
    let user = GoUser::new();
    let (_, json) = check_json(&user, &["--offline"]);
    let md = user.godoctor(&["check", "--offline", "--format", "markdown"]);
    md.assert_code(1);
    assert!(
        md.stdout.starts_with("## godoctor check: ❌ 2 problems: "),
        "{}",
        md.stdout
    );
    assert!(!md.stdout.contains('\u{1b}'), "no colour codes in markdown");
    for s in json["sections"].as_array().expect("sections") {
        let title = s["title"].as_str().expect("title");
        assert!(
            md.stdout.contains(&format!("| {title} |")),
            "{title}: {}",
            md.stdout
        );
    }
    assert!(md.stdout.contains("### Fix first"), "{}", md.stdout);
    let plain = user.godoctor(&["check", "--offline", "--color", "never"]);
    assert!(!plain.stdout.contains("::error"), "{}", plain.stdout);
    let user = user.with_env("GITHUB_ACTIONS", "true");
    let gh = user.godoctor(&["check", "--offline", "--color", "never"]);
    let errors = gh
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error title=godoctor proxy.chain::"))
        .count();
    let warnings = gh
        .stdout
        .lines()
        .filter(|l| l.starts_with("::warning title=godoctor sumdb.config::"))
        .count();
    assert_eq!((errors, warnings), (1, 1), "{}", gh.stdout);
}

/// GOROOT exported by a shell file to a directory that is not a Go installation: go cannot
/// build anything; check names GOROOT (not "reinstall Go"), and its fix (delete the line, open
/// a new shell) makes both the finding and go's failure go away.
#[test]
fn a_goroot_that_is_not_an_installation_is_named_with_the_shell_line() {
    let bogus = tempfile::tempdir().expect("tempdir");
    let user = GoUser::new()
        .with_env("GOROOT", bogus.path())
        .with_shared_build_cache();
    let bogus = bogus.path().display().to_string();
    std::fs::write(
        user.home().join(".bashrc"),
        format!("export GOROOT={bogus}\n"),
    )
    .expect("write .bashrc");
    user.write_file("m/go.mod", "module example.com/m\n\ngo 1.21\n");
    user.write_file(
        "m/main.go",
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n",
    );
    let dir = user.work_dir().join("m");
    let user = user.cwd(&dir);
    let build = user.go(&["build", "./..."]);
    assert!(!build.success(), "go builds with a bogus GOROOT?");
    assert!(build.stderr.contains("is not in std"), "{}", build.stderr);

    let (_, json) = check_json(&user, &["--offline"]);
    let c = checks(&json, "settings.goroot-env");
    assert_eq!(c.len(), 1, "{json:#}");
    assert_eq!(c[0]["status"], "error", "{json:#}");
    let hint = c[0]["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("~/.bashrc:1") && hint.contains(&format!("export GOROOT={bogus}")),
        "{hint}"
    );

    // The fix, applied: the line deleted, a new shell without GOROOT.
    std::fs::write(user.home().join(".bashrc"), "").expect("empty .bashrc");
    let user = user.without_env("GOROOT");
    let (_, json) = check_json(&user, &["--offline"]);
    assert_ne!(
        checks(&json, "settings.goroot-env")[0]["status"],
        "error",
        "{json:#}"
    );
    let build = user.go(&["build", "./..."]);
    assert!(build.success(), "{}", build.stderr);
}

/// A private host reached only through HTTPS_PROXY (a corporate network): the check asks it
/// the way go does (https://HOST/?go-get=1 through the proxy, with SSL_CERT_FILE's roots), so it
/// agrees with go both ways: reachable where go downloads, not reachable where go fails.
#[test]
fn private_hosts_are_reached_through_https_proxy_like_go_reaches_them() {
    use common::proxy::ForwardProxy;
    let server = GoProxy::builder()
        .modules([Module::new("git.corp.example/lib", "v1.0.0")])
        .tls()
        .tls_names(&["git.corp.example"])
        .start();
    let fwd = ForwardProxy::start();
    fwd.route("git.corp.example", server.addr());
    let mut user = GoUser::new()
        .with_env("GOPRIVATE", "git.corp.example,gone.corp.example")
        .with_env("GONOPROXY", "none")
        .with_env("GOSUMDB", "off")
        .with_env("HTTPS_PROXY", fwd.url())
        .with_env("SSL_CERT_FILE", server.ca_file());

    // go reaches git.corp.example through the proxy (here as a module proxy on that host) …
    user.set_env("GOPROXY", "https://git.corp.example");
    let go = user.go(&["mod", "download", "-json", "git.corp.example/lib@v1.0.0"]);
    assert!(go.success(), "{}", go.output());
    // … and not gone.corp.example, which the proxy cannot route.
    user.set_env("GOPROXY", "https://gone.corp.example");
    let go = user.go(&["mod", "download", "-json", "gone.corp.example/lib@v1.0.0"]);
    assert!(!go.success(), "{}", go.output());

    let (_, json) = check_json(&user, &["private"]);
    let hosts = checks(&json, "private.hosts");
    let title = |host: &str| {
        hosts
            .iter()
            .find(|c| c["title"].as_str().is_some_and(|t| t.starts_with(host)))
            .unwrap_or_else(|| panic!("no private.hosts check for {host}: {json:#}"))
    };
    let ok = title("git.corp.example");
    assert_eq!(ok["status"], "ok", "{json:#}");
    assert!(
        ok["title"]
            .as_str()
            .is_some_and(|t| t.contains("through the proxy")),
        "{json:#}"
    );
    assert_eq!(title("gone.corp.example")["status"], "warn", "{json:#}");
}

/// GOPROXY=direct: godoctor does not clone, so `proxy.chain` cannot say downloads work; it says
/// where modules would come from and that it was not checked (never a ✓).
#[test]
fn direct_only_is_not_checked_rather_than_ok() {
    let user = GoUser::new().with_env("GOPROXY", "direct");
    let (_, json) = check_json(&user, &["proxy"]);
    let chain = checks(&json, "proxy.chain");
    assert_eq!(chain.len(), 1, "{json:#}");
    assert_eq!(chain[0]["status"], "skip", "{json:#}");
    assert!(
        chain[0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("not checked")),
        "{json:#}"
    );
}

/// When go refuses every command, asking for one section still says so (as a missing go
/// does): the other checks cannot be right, and "no problems found" would be wrong.
#[test]
fn go_refusing_every_command_is_told_whatever_was_asked() {
    let user = GoUser::new();
    user.write_goenv("GO111MODULE=of\n");
    // The referee: go itself refuses.
    let go = user.go(&["env", "GOPROXY"]);
    assert!(!go.success(), "go accepted GO111MODULE=of: {go}");
    for ids in [&["proxy"][..], &["private.patterns"], &[]] {
        let mut args = vec!["check", "--offline", "--color", "never"];
        args.extend(ids);
        let run = user.godoctor(&args);
        run.assert_code(1);
        assert!(
            run.stdout.contains("go refuses every command"),
            "{ids:?}: {run}"
        );
    }
    let run = user.godoctor(&["check", "--offline", "--json", "private.patterns"]);
    let json = run.json();
    let ids: Vec<&str> = json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        ids.iter()
            .all(|id| ["toolchain.go", "private.patterns"].contains(id)),
        "{ids:?}"
    );
}
