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
