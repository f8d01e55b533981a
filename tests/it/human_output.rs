//! Snapshots of the human output of every command in its main states (`check`'s are in
//! tests/it/check.rs), each run in an isolated Go user against the real go, stdout not a terminal
//! (80 columns, no colour). A snapshot holds the words and the layout; paths, ports, pids and
//! measured figures are placeholders (common::snapshot::stable). Review a changed snapshot with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test it human_output::`), never blindly.

use crate::common;

use common::GoUser;
use common::modules::Module;
use common::proxy::GoProxy;
use common::snapshot::stable;

/// A user whose go env file decides the network settings (the harness's OS GOPROXY/GOSUMDB
/// would shadow them), with go's defaults pointed at loopback.
fn user() -> GoUser {
    let user = GoUser::new().without_env("GOPROXY").without_env("GOSUMDB");
    user.write_goenv("GOPROXY=http://127.0.0.1:9/,direct\nGOSUMDB=off\nGOPRIVATE=*.corp.example\n");
    user
}

fn out(user: &GoUser, args: &[&str], code: i32) -> String {
    let mut all = vec!["--color", "never"];
    all.extend_from_slice(args);
    let run = user.godoctor(&all);
    run.assert_code(code);
    stable(user, &run.stdout)
}

#[test]
fn env() {
    let user = user();
    insta::assert_snapshot!("env", out(&user, &["env"], 0));
}

#[test]
fn profile_list_show_diff_and_dry_run() {
    let user = user();
    insta::assert_snapshot!("profile_list", out(&user, &["profile", "list"], 0));
    insta::assert_snapshot!(
        "profile_show_corp",
        out(&user, &["profile", "show", "corp"], 0)
    );
    insta::assert_snapshot!("profile_diff_cn", out(&user, &["profile", "diff", "cn"], 0));
    insta::assert_snapshot!(
        "profile_apply_offline_dry_run",
        out(&user, &["profile", "apply", "offline", "--dry-run"], 0)
    );
    insta::assert_snapshot!(
        "profile_apply_offline",
        out(&user, &["profile", "apply", "offline", "--yes"], 0)
    );
    insta::assert_snapshot!("undo", out(&user, &["undo"], 0));
}

#[test]
fn route_public_and_private() {
    let user = user();
    insta::assert_snapshot!(
        "route_public",
        out(&user, &["route", "example.com/m@v1.0.0"], 0)
    );
    insta::assert_snapshot!(
        "route_private",
        out(&user, &["route", "git.corp.example/team/lib@v1.2.0"], 0)
    );
}

#[test]
fn cache_with_one_module_and_prune_dry_run() {
    let proxy = GoProxy::start(vec![
        Module::new("example.com/hello", "v1.0.0"),
        Module::new("example.com/hello", "v1.1.0"),
    ]);
    let user = GoUser::new()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", "off");
    for v in ["v1.0.0", "v1.1.0"] {
        user.go(&["mod", "download", &format!("example.com/hello@{v}")])
            .assert_success();
    }
    insta::assert_snapshot!("cache", out(&user, &["cache"], 0));
    insta::assert_snapshot!(
        "cache_prune_keep_1",
        out(&user, &["cache", "prune", "--keep", "1", "--dry-run"], 0)
    );
}

#[test]
fn port_free_and_explain() {
    let user = user();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let text = out(&user, &["port", &port.to_string()], 0).replace(&port.to_string(), "[PORT]");
    insta::assert_snapshot!("port_free", text);
    insta::assert_snapshot!(
        "explain_goproxy_off",
        out(
            &user,
            &[
                "explain",
                "go: example.com/m@v1.0.0: module lookup disabled by GOPROXY=off",
            ],
            0
        )
    );
}

/// Like [`out`] for a command that fails: its stderr (the `error:`/`help:` lines).
fn err(user: &GoUser, args: &[&str], code: i32) -> String {
    let mut all = vec!["--color", "never"];
    all.extend_from_slice(args);
    let run = user.godoctor(&all);
    run.assert_code(code);
    stable(user, &run.stderr)
}

const HELLO: &str = "example.com/hello@v1.0.0";

fn hello_proxy() -> GoProxy {
    GoProxy::start(vec![Module::new("example.com/hello", "v1.0.0")])
}

/// `proxy test` of the effective GOPROXY: a refused first entry with `|` (go falls through),
/// a serving proxy, and GOSUMDB=off; then one URL given on the command line.
#[test]
fn proxy_test_chain_and_one_url() {
    let good = hello_proxy();
    let dead = common::proxy::refused_url();
    let user = GoUser::new()
        .with_network_jail()
        .without_env("GOPROXY")
        .without_env("GOSUMDB");
    user.write_goenv(&format!("GOPROXY={dead}|{},off\nGOSUMDB=off\n", good.url()));
    let probe = ["--samples", "1", "--timeout", "5s", "--module", HELLO];
    let mut args = vec!["proxy", "test"];
    args.extend(probe);
    // The hint names the refused port bare (`godoctor port N`).
    let dead_port = dead.rsplit(':').next().expect("a port").to_string();
    insta::assert_snapshot!(
        "proxy_test_chain",
        out(&user, &args, 1).replace(&dead_port, "[PORT]")
    );
    let url = good.url();
    args.push(&url);
    insta::assert_snapshot!("proxy_test_url", out(&user, &args, 0));
}

/// `proxy rank` over a candidates file: a serving proxy (slowed to a steady 3-digit latency,
/// so the table's columns keep their width) ranked first, a refused one unranked.
#[test]
fn proxy_rank_candidates() {
    let slow = GoProxy::builder()
        .module(Module::new("example.com/hello", "v1.0.0"))
        .behaviour(common::proxy::Behaviour::SlowHeaders(
            std::time::Duration::from_millis(200),
        ))
        .start();
    let user = user().with_network_jail();
    let file = user.write_file(
        "mirrors.txt",
        format!(
            "# loopback mirrors\n{} Slow mirror\n{}\n",
            slow.url(),
            common::proxy::refused_url()
        ),
    );
    insta::assert_snapshot!(
        "proxy_rank",
        out(
            &user,
            &[
                "proxy",
                "rank",
                "--no-builtin",
                "--candidates",
                &file.display().to_string(),
                "--samples",
                "1",
                "--timeout",
                "5s",
                "--module",
                HELLO,
            ],
            0
        )
    );
}

/// `explain` of a line godoctor does not recognise (an explained one: `port_free_and_explain`).
#[test]
fn explain_unexplained() {
    let user = user();
    insta::assert_snapshot!(
        "explain_unexplained",
        out(
            &user,
            &["explain", "go: something nobody has seen before"],
            1
        )
    );
}

/// `undo` with nothing written yet.
#[test]
fn undo_with_nothing_to_undo() {
    let user = user();
    insta::assert_snapshot!("undo_nothing", err(&user, &["undo"], 2));
}

/// `setup` where nothing can be asked: without a terminal it names the commands that make the
/// same choices; with `--json` it says it has no JSON. Nothing is written either way.
#[test]
fn setup_without_a_terminal() {
    let user = user();
    let before = user.read_goenv();
    insta::assert_snapshot!("setup_no_terminal", err(&user, &["setup"], 2));
    insta::assert_snapshot!("setup_json", err(&user, &["--json", "setup"], 2));
    assert_eq!(user.read_goenv(), before, "nothing is written");
}

/// `env set` writing, `env set` refusing a value go would refuse (its findings on stderr),
/// and `env unset`.
#[test]
fn env_set_refused_and_unset() {
    let user = user();
    insta::assert_snapshot!(
        "env_set",
        out(
            &user,
            &["env", "set", "GOFLAGS=-mod=mod", "GONOSUMDB=*.corp.example"],
            0
        )
    );
    insta::assert_snapshot!(
        "env_set_refused",
        err(&user, &["env", "set", "GOPROXY=not a url", "GOPORXY=x"], 2)
    );
    insta::assert_snapshot!("env_unset", out(&user, &["env", "unset", "GOFLAGS"], 0));
}

/// `profile save` of the current settings and `profile export` of a built-in for a shell.
#[test]
fn profile_save_and_export() {
    let user = user();
    insta::assert_snapshot!("profile_save", out(&user, &["profile", "save", "home"], 0));
    insta::assert_snapshot!(
        "profile_export_shell",
        out(&user, &["profile", "export", "cn", "--format", "shell"], 0)
    );
    insta::assert_snapshot!(
        "profile_export_github_actions",
        out(
            &user,
            &["profile", "export", "offline", "--format", "github-actions"],
            0
        )
    );
}

/// `cache clean --dry-run` on a cache with one module version.
#[test]
fn cache_clean_dry_run() {
    let proxy = hello_proxy();
    let user = GoUser::new()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", "off");
    user.go(&["mod", "download", HELLO]).assert_success();
    insta::assert_snapshot!(
        "cache_clean_dry_run",
        out(&user, &["cache", "clean", "--dry-run"], 0)
    );
}

/// `route --probe` walking a module through a loopback proxy as go would.
#[test]
fn route_probe_through_a_loopback_proxy() {
    let proxy = hello_proxy();
    let user = GoUser::new()
        .with_network_jail()
        .without_env("GOPROXY")
        .without_env("GOSUMDB");
    user.write_goenv(&format!("GOPROXY={},direct\nGOSUMDB=off\n", proxy.url()));
    insta::assert_snapshot!("route_probe", out(&user, &["route", HELLO, "--probe"], 0));
}
