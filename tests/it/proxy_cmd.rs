//! `godoctor proxy test` as a command: its flags (several `--module`s, as `check` takes), with
//! the real go as the referee of what a proxy serves. The verdicts themselves are held by
//! tests/it/probe.rs.

use crate::common;

use common::GoUser;
use common::modules::Module;
use common::proxy::GoProxy;

/// `proxy test --module A --module B URL` asks the proxy for both: the one it serves and the
/// one it does not are told apart, and go agrees module by module.
#[test]
fn several_modules_are_walked_and_go_agrees_with_each() {
    let proxy = GoProxy::start(vec![Module::new("example.com/hello", "v1.0.0")]);
    let served = "example.com/hello@v1.0.0";
    let missing = "example.com/absent@v1.0.0";
    let user = GoUser::new()
        .with_network_jail()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", "off");
    let run = user.godoctor(&[
        "--json",
        "proxy",
        "test",
        "--samples",
        "1",
        "--module",
        served,
        "--module",
        missing,
        &proxy.url(),
    ]);
    run.assert_code(0);
    let report = &run.json()[0];
    let walked: Vec<(String, serde_json::Value)> = report["walked"]
        .as_array()
        .expect("walked modules")
        .iter()
        .map(|w| {
            (
                w["module"].as_str().unwrap_or("").to_string(),
                w["served"].clone(),
            )
        })
        .collect();
    assert_eq!(
        walked,
        [
            (served.to_string(), serde_json::Value::Bool(true)),
            (missing.to_string(), serde_json::Value::Bool(false)),
        ],
        "{report:#}"
    );
    assert_eq!(report["verdict"], "ok", "{report:#}");
    assert!(
        proxy
            .paths()
            .iter()
            .any(|p| p.contains("example.com/absent/@v/v1.0.0.info")),
        "the second module was asked of the proxy: {:?}",
        proxy.paths()
    );
    // The referee: go downloads the first through this proxy and not the second.
    user.go(&["mod", "download", served]).assert_success();
    user.go(&["mod", "download", missing]).assert_failure();

    // Text mode says which was served and which was not.
    user.godoctor(&[
        "proxy",
        "test",
        "--samples",
        "1",
        "--module",
        served,
        "--module",
        missing,
        &proxy.url(),
    ])
    .assert_code(0)
    .assert_stdout_contains("served 1 of 2 walked modules")
    .assert_stdout_contains(&format!("not found (404/410) for {missing}"));
}

/// A malformed `--module` among several is refused before anything is sent, naming it.
#[test]
fn a_bad_module_among_several_is_refused_by_name() {
    let user = GoUser::new().with_network_jail();
    user.godoctor(&[
        "proxy",
        "test",
        "--module",
        "example.com/hello@v1.0.0",
        "--module",
        "example.com/hello",
        "http://127.0.0.1:9/",
    ])
    .assert_code(2)
    .assert_stderr_contains("invalid --module \"example.com/hello\"");
}
