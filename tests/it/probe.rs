//! `godoctor proxy test`, `proxy rank` and `port` against loopback servers, with the real `go`
//! as the referee: for each behaviour, `go mod download` through the same server must agree
//! with godoctor's verdict (ok ⇔ go downloads).

use crate::common;

use std::time::{Duration, Instant};

use common::GoUser;
use common::gosumdb::GoSumDb;
use common::modules::Module;
use common::proxy::{Behaviour, GoProxy, refused_url};
use serde_json::Value;

const MODULE: &str = "example.com/hello@v1.0.0";

fn hello() -> Module {
    Module::new("example.com/hello", "v1.0.0")
}

/// An isolated user whose non-loopback traffic dies at a refused proxy (nothing can leak).
fn user() -> GoUser {
    GoUser::new().with_network_jail()
}

/// Does the real go download MODULE with this GOPROXY (and GOSUMDB, default off)?
fn go_downloads(user: &mut GoUser, goproxy: &str) -> bool {
    // From an empty module cache, so go really asks the proxy.
    user.go(&["clean", "-modcache"]).assert_success();
    user.set_env("GOPROXY", goproxy);
    user.go(&["mod", "download", "-json", MODULE]).success()
}

/// `godoctor --json proxy test URL… --module MODULE` → (exit code, array).
fn probe(user: &GoUser, urls: &[&str], extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args = vec![
        "--json",
        "proxy",
        "test",
        "--module",
        MODULE,
        "--samples",
        "2",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(urls);
    let run = user.godoctor(&args);
    let json = run.json();
    (
        run.code().unwrap_or(-1),
        json.as_array().cloned().unwrap_or_default(),
    )
}

#[test]
fn each_behaviour_gets_the_verdict_go_agrees_with() {
    let cases: Vec<(Behaviour, &str)> = vec![
        (Behaviour::Healthy, "ok"),
        (Behaviour::Status(404), "not-serving-module"),
        (Behaviour::Status(410), "not-serving-module"),
        (Behaviour::Status(403), "forbidden"),
        (Behaviour::Status(500), "server-error"),
        (Behaviour::Status(502), "server-error"),
        (Behaviour::CaptivePortal, "html"),
        (Behaviour::Garbage, "garbage"),
        (Behaviour::Reset, "reset"),
        (Behaviour::RedirectLoop, "redirect-loop"),
    ];
    for (behaviour, want) in cases {
        let proxy = GoProxy::builder()
            .module(hello())
            .behaviour(behaviour.clone())
            .start();
        let mut u = user();
        let (code, reports) = probe(&u, &[&proxy.url()], &["--timeout", "5"]);
        let r = &reports[0];
        assert_eq!(r["verdict"], want, "{behaviour:?}: {r:#}");
        assert_eq!(r["kind"], "proxy");
        let godoctor_ok = r["verdict"] == "ok";
        let go_ok = go_downloads(&mut u, &proxy.url());
        assert_eq!(
            godoctor_ok, go_ok,
            "{behaviour:?}: godoctor says {want}, go download ok = {go_ok}"
        );
        // Warnings (a private-only proxy) are not failures of godoctor's run.
        let want_code = if r["severity"] == "error" { 1 } else { 0 };
        assert_eq!(code, want_code, "{behaviour:?}");
        assert!(r["diagnosis"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

#[test]
fn healthy_proxy_reports_phases_and_protocol_facts() {
    let proxy = GoProxy::builder()
        .module(hello())
        .not_found_status(410)
        .sumdb_supported(true)
        .start();
    let (code, reports) = probe(&user(), &[&proxy.url()], &[]);
    assert_eq!(code, 0);
    let r = &reports[0];
    assert_eq!(r["ok"], true);
    assert_eq!(r["status"], 200);
    assert_eq!(r["samples"], 2);
    assert_eq!(r["not_found_status"], 410);
    assert_eq!(r["sumdb"]["supported"], true);
    for phase in ["dns_ms", "connect_ms", "ttfb_ms", "total_ms"] {
        assert!(r["phases"][phase].as_f64().is_some(), "{phase}: {r:#}");
    }
    assert!(r["phases"]["tls_ms"].is_null());
    assert!(r["median_ms"].as_f64().is_some());
}

#[test]
fn a_proxy_without_404_for_unknown_modules_breaks_comma_fallthrough() {
    // Serves the module, but answers 500 for modules it lacks: go does not fall through ','.
    let proxy = GoProxy::builder()
        .module(hello())
        .not_found_status(500)
        .start();
    let (_, reports) = probe(&user(), &[&proxy.url()], &[]);
    assert_eq!(reports[0]["verdict"], "bad-not-found");
    assert_eq!(reports[0]["not_found_status"], 500);

    // go agrees: a module this proxy lacks does not reach the healthy proxy after ','.
    let other = GoProxy::builder()
        .module(Module::new("example.com/other", "v1.0.0"))
        .start();
    let mut g = user();
    g.set_env("GOPROXY", format!("{},{}", proxy.url(), other.url()));
    g.go(&["mod", "download", "example.com/other@v1.0.0"])
        .assert_failure();
    g.set_env("GOPROXY", format!("{}|{}", proxy.url(), other.url()));
    g.go(&["mod", "download", "example.com/other@v1.0.0"])
        .assert_success();
}

#[test]
fn tls_unknown_authority_then_trusted_with_ssl_cert_file() {
    let proxy = GoProxy::builder().module(hello()).tls().start();
    let mut u = user();
    let (code, reports) = probe(&u, &[&proxy.url()], &[]);
    assert_eq!(code, 1);
    assert_eq!(reports[0]["verdict"], "tls-unknown-authority");
    assert!(
        reports[0]["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("SSL_CERT_FILE")
    );
    assert!(
        !go_downloads(&mut u, &proxy.url()),
        "go must reject the unknown CA too"
    );

    u.set_env("SSL_CERT_FILE", proxy.ca_file());
    let (code, reports) = probe(&u, &[&proxy.url()], &[]);
    assert_eq!(
        (code, &reports[0]["verdict"]),
        (0, &Value::from("ok")),
        "{:#}",
        reports[0]
    );
    assert!(reports[0]["phases"]["tls_ms"].as_f64().is_some());
    assert!(
        go_downloads(&mut u, &proxy.url()),
        "go trusts SSL_CERT_FILE"
    );
}

#[test]
fn refused_loopback_port_says_nothing_listens() {
    let url = refused_url();
    let mut u = user();
    let (code, reports) = probe(&u, &[&url], &[]);
    assert_eq!(code, 1);
    let r = &reports[0];
    assert_eq!(r["verdict"], "refused");
    let port = url.rsplit(':').next().unwrap_or_default();
    assert_eq!(
        r["diagnosis"],
        format!("nothing is listening on 127.0.0.1:{port}")
    );
    assert!(
        r["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("another port")
    );
    assert!(!go_downloads(&mut u, &url));
}

#[test]
fn something_else_on_the_port_is_named() {
    // The captive portal runs inside this test process: godoctor must name us as the owner.
    let proxy = GoProxy::builder()
        .behaviour(Behaviour::CaptivePortal)
        .start();
    let (_, reports) = probe(&user(), &[&proxy.url()], &[]);
    let owners = reports[0]["port_owners"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        owners.iter().any(|o| o["pid"] == std::process::id()),
        "port owner should be this test process: {:#}",
        reports[0]
    );
    assert!(
        reports[0]["diagnosis"]
            .as_str()
            .unwrap_or_default()
            .contains("is held by")
    );
}

#[test]
fn hostile_servers_cost_at_most_the_deadline() {
    let slow = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::SlowHeaders(Duration::from_secs(30)))
        .start();
    let drip = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::Drip(Duration::from_millis(300)))
        .start();
    let endless = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::Endless)
        .start();
    let garbage = GoProxy::builder().behaviour(Behaviour::Garbage).start();
    let lp = GoProxy::builder()
        .behaviour(Behaviour::RedirectLoop)
        .start();
    let started = Instant::now();
    let (code, reports) = probe(
        &user(),
        &[
            &slow.url(),
            &drip.url(),
            &endless.url(),
            &garbage.url(),
            &lp.url(),
        ],
        &["--timeout", "1.5s"],
    );
    let wall = started.elapsed();
    assert_eq!(code, 1);
    assert!(
        wall < Duration::from_millis(3000),
        "took {wall:?} for a 1.5 s deadline"
    );
    let verdicts: Vec<&str> = reports
        .iter()
        .map(|r| r["verdict"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        verdicts,
        [
            "timeout",
            "timeout",
            "too-large",
            "garbage",
            "redirect-loop"
        ]
    );
    assert!(
        reports[1]["diagnosis"]
            .as_str()
            .unwrap_or_default()
            .contains("dripping"),
        "{:#}",
        reports[1]
    );
}

#[test]
fn chain_comma_after_a_dead_proxy_fails_like_go() {
    let good = GoProxy::start(vec![hello()]);
    let dead = refused_url();
    let mut u = user().with_env("GOPROXY", format!("{dead},{}", good.url()));
    let run = u.godoctor(&[
        "--json",
        "proxy",
        "test",
        "--module",
        MODULE,
        "--samples",
        "1",
    ]);
    run.assert_code(1);
    let reports = run.json();
    assert_eq!(reports[0]["position"], 1);
    assert!(
        reports[0]["consequence"]
            .as_str()
            .unwrap_or_default()
            .contains("will NOT fall back")
    );
    assert_eq!(reports[1]["served"], false);
    assert!(
        !go_downloads(&mut u, &format!("{dead},{}", good.url())),
        "go does not fall back after ','"
    );

    // Text mode says it in words.
    u.godoctor(&["proxy", "test", "--module", MODULE, "--samples", "1"])
        .assert_code(1)
        .assert_stdout_contains("use '|' to fall back on errors");
}

#[test]
fn chain_pipe_falls_back_and_names_the_proxy_go_uses() {
    let good = GoProxy::start(vec![hello()]);
    let private = GoProxy::builder().behaviour(Behaviour::Status(404)).start();
    let dead = refused_url();
    let value = format!("{dead}|{},{},off", private.url(), good.url());
    let mut u = user().with_env("GOPROXY", &value);
    let reports = u
        .godoctor(&[
            "--json",
            "proxy",
            "test",
            "--module",
            MODULE,
            "--samples",
            "1",
        ])
        .json();
    let served: Vec<bool> = reports
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["served"] == true)
        .collect();
    assert_eq!(served, [false, false, true]);
    assert!(go_downloads(&mut u, &value));
    assert!(
        good.paths().iter().any(|p| p.ends_with("/@v/v1.0.0.zip")),
        "go got the zip from the proxy godoctor named"
    );
}

#[test]
fn checksum_database_verified_like_go() {
    let proxy = GoProxy::start(vec![hello()]);
    let db = GoSumDb::start(&proxy);
    let u = user()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", db.gosumdb());
    let reports = u
        .godoctor(&[
            "--json",
            "proxy",
            "test",
            "--module",
            MODULE,
            "--samples",
            "1",
        ])
        .json();
    let s = reports
        .as_array()
        .and_then(|a| a.iter().find(|r| r["kind"] == "sumdb"))
        .cloned()
        .expect("sumdb entry");
    assert_eq!(s["ok"], true, "{s:#}");
    assert_eq!(s["verified"], true);
    assert_eq!(s["route"]["via"], "explicit");
    u.go(&["mod", "download", MODULE]).assert_success();

    // A tampered /latest and a wrong key: godoctor rejects, and so does go.
    for (gosumdb, needle) in [
        (db.gosumdb_tampered(), "does not verify"),
        (db.gosumdb_wrong_key(), "no signature"),
    ] {
        let bad = user()
            .with_env("GOPROXY", proxy.url())
            .with_env("GOSUMDB", &gosumdb);
        let run = bad.godoctor(&[
            "--json",
            "proxy",
            "test",
            "--module",
            MODULE,
            "--samples",
            "1",
        ]);
        run.assert_code(1);
        let s = run
            .json()
            .as_array()
            .and_then(|a| a.iter().find(|r| r["kind"] == "sumdb"))
            .cloned()
            .expect("sumdb");
        assert_eq!(s["ok"], false);
        assert!(
            s["diagnosis"].as_str().unwrap_or_default().contains(needle),
            "{s:#}"
        );
        bad.go(&["mod", "download", MODULE]).assert_failure();
    }
}

#[test]
fn checksum_database_blocked_but_proxied_is_ok_blocked_and_not_proxied_is_an_error() {
    let proxy = GoProxy::start(vec![hello()]);
    let db = GoSumDb::start(&proxy);
    // No URL in GOSUMDB: go asks each proxy for /sumdb/NAME/supported; the sumdb server, as the
    // second entry, says 200. The direct URL (https://localhost/sumdb-test) is refused.
    let proxied = user()
        .with_env("GOPROXY", format!("{},{}", proxy.url(), db.url))
        .with_env("GOSUMDB", &db.vkey);
    let s = sumdb_entry(&proxied);
    assert_eq!(s["ok"], true, "{s:#}");
    assert_eq!(s["route"]["via"], "proxy");
    assert_eq!(s["direct_ok"], false);
    assert!(
        s["diagnosis"]
            .as_str()
            .unwrap_or_default()
            .contains("not reachable directly")
    );
    proxied.go(&["mod", "download", MODULE]).assert_success();

    let blocked = user()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", &db.vkey);
    let s = sumdb_entry(&blocked);
    assert_eq!(s["ok"], false, "{s:#}");
    assert_eq!(s["route"]["via"], "direct");
    assert!(
        s["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("sum.golang.google.cn")
    );
    blocked.go(&["mod", "download", MODULE]).assert_failure();
}

fn sumdb_entry(u: &GoUser) -> Value {
    let reports = u
        .godoctor(&[
            "--json",
            "proxy",
            "test",
            "--module",
            MODULE,
            "--samples",
            "1",
            "--timeout",
            "3",
        ])
        .json();
    reports
        .as_array()
        .and_then(|a| a.iter().find(|r| r["kind"] == "sumdb"))
        .cloned()
        .expect("sumdb entry")
}

#[test]
fn rank_orders_loopback_candidates_and_stars_the_current_one() {
    let fast = GoProxy::start(vec![hello()]);
    let slow = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::SlowHeaders(Duration::from_millis(150)))
        .start();
    let broken = GoProxy::builder()
        .behaviour(Behaviour::CaptivePortal)
        .start();
    let u = user().with_env("GOPROXY", format!("{},direct", slow.url()));
    let file = u.write_file(
        "mirrors.txt",
        format!(
            "# loopback only\n{} slow one\n{} broken\n{} fast one\n",
            slow.url(),
            broken.url(),
            fast.url()
        ),
    );
    let args = [
        "--json",
        "proxy",
        "rank",
        "--no-builtin",
        "--candidates",
        file.to_str().unwrap_or_default(),
        "--module",
        MODULE,
    ];
    let rows = u.godoctor(&args).assert_code(0).json();
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 3);
    // mirrors.txt in godoctor's config directory adds candidates too.
    let configured = GoProxy::builder().behaviour(Behaviour::Status(500)).start();
    u.write_file(
        u.godoctor_home().join("mirrors.txt"),
        format!("{} from config\n", configured.url()),
    );
    let with_config = u.godoctor(&args).assert_code(0).json();
    let rows4 = with_config.as_array().cloned().unwrap_or_default();
    assert_eq!(rows4.len(), 4);
    assert!(
        rows4
            .iter()
            .any(|r| r["url"] == configured.url() && r["verdict"] == "server-error"),
        "{with_config:#}"
    );
    assert_eq!(rows[0]["url"], fast.url());
    assert_eq!(
        (rows[0]["rank"].clone(), rows[0]["fastest"].clone()),
        (1.into(), true.into())
    );
    assert_eq!(rows[1]["url"], slow.url());
    assert_eq!(rows[1]["current"], true);
    assert_eq!(rows[2]["rank"], Value::Null);
    assert_eq!(rows[2]["verdict"], "html");
    // The portal answers 200 to /sumdb/NAME/supported like to everything: that is no proof it
    // proxies the checksum database, so the column cannot say so.
    assert_eq!(rows[2]["proxies_sumdb"], Value::Null, "{:#}", rows[2]);
    // A working proxy keeps its real answer (this one says 404: it does not proxy it).
    assert_eq!(rows[0]["proxies_sumdb"], false, "{:#}", rows[0]);
    assert!(rows[1]["median_ms"].as_f64().unwrap_or_default() >= 150.0);
}

/// On a terminal, `proxy test` and `proxy rank` draw each proxy's latency as a bar on one
/// shared scale (the slowest fills it); piped, the output stays plain text.
#[test]
fn latency_bars_on_a_terminal_share_one_scale_and_pipes_get_none() {
    if common::prerequisite(
        &["script"],
        "bsdutils",
        "a pseudo-terminal for latency bars",
    )
    .is_none()
    {
        return;
    }
    let fast = GoProxy::start(vec![hello()]);
    let slow = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::SlowHeaders(Duration::from_millis(200)))
        .start();
    let u = user();
    let bars = |text: &str| -> Vec<usize> {
        text.lines()
            .map(|l| l.chars().filter(|c| matches!(c, '█' | '▒')).count())
            .filter(|n| *n > 0)
            .collect()
    };
    let test_args = format!("proxy test {} {} --module {MODULE}", fast.url(), slow.url());
    let rank_file = u.write_file("mirrors.txt", format!("{}\n{}\n", fast.url(), slow.url()));
    let rank_args = format!(
        "proxy rank --no-builtin --candidates {} --module {MODULE}",
        rank_file.display()
    );
    for args in [&test_args, &rank_args] {
        let command = format!("{} {args} --color never", common::godoctor_bin().display());
        let tty = u.run("script", &["-qec", command.as_str(), "/dev/null"], None);
        let drawn = bars(&tty.stdout);
        assert_eq!(drawn.len(), 2, "{args}: {tty}");
        // The slow proxy fills the scale; the fast one (about 1 ms against 200) is shorter.
        assert_eq!(drawn.iter().max(), Some(&24), "{args}: {tty}");
        assert!(drawn.iter().min() < Some(&24), "{args}: {tty}");
        let words: Vec<&str> = args.split(' ').collect();
        let piped = u.godoctor(&words);
        assert!(bars(&piped.stdout).is_empty(), "{args}: {piped}");
    }
}

#[test]
fn port_names_the_owner_and_finds_free_ports() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let u = user();
    let j = u
        .godoctor(&["--json", "port", &port.to_string()])
        .assert_code(0)
        .json();
    assert_eq!(j["in_use"], true);
    assert_eq!(j["sockets"][0]["pid"], std::process::id());
    assert_eq!(j["sockets"][0]["state"], "listen");
    u.godoctor(&["port", &port.to_string()])
        .assert_stdout_contains("listen");

    // --free in a range whose only port is taken: none (exit 1); a wider range skips it.
    let range = format!("{port}-{port}");
    u.godoctor(&["port", "--free", "--range", &range])
        .assert_code(1);
    let wide = format!("{port}-{}", port.saturating_add(20));
    let free = u
        .godoctor(&["--json", "port", "--free", "--range", &wide])
        .assert_code(0)
        .json();
    let got = free["port"].as_u64().expect("a port");
    assert!(got > u64::from(port) && std::net::TcpListener::bind(("0.0.0.0", got as u16)).is_ok());
}

#[test]
fn bad_input_exits_2_with_a_reason() {
    let u = user();
    for args in [
        vec!["proxy", "test", "ftp://x.example"],
        vec!["proxy", "test", "--timeout", "0", "http://127.0.0.1:1"],
        vec!["proxy", "test", "--timeout", "soon", "http://127.0.0.1:1"],
        vec![
            "proxy",
            "test",
            "--module",
            "nonsense",
            "http://127.0.0.1:1",
        ],
        vec!["port", "70000"],
        vec!["port", "--free", "--range", "9-3"],
    ] {
        let run = u.godoctor(&args);
        run.assert_code(2);
        assert!(!run.stderr.trim().is_empty(), "{args:?} must say why");
    }
}

#[test]
fn netrc_credentials_are_sent_like_go_and_never_printed() {
    let proxy = GoProxy::builder().module(hello()).tls().start();
    proxy.set_basic_auth(Some(("alice", "s3cret")));
    let mut u = user().with_env("SSL_CERT_FILE", proxy.ca_file());
    let netrc = u.home().join(".netrc");
    // go matches `machine` against host:port exactly: a bare host does not cover the port.
    for (line, want) in [
        (String::new(), "forbidden"),
        (
            "machine 127.0.0.1 login alice password s3cret\n".to_string(),
            "forbidden",
        ),
        (
            format!(
                "machine 127.0.0.1:{} login alice password s3cret\n",
                proxy.port()
            ),
            "ok",
        ),
    ] {
        std::fs::write(&netrc, &line).expect("write .netrc");
        proxy.clear_log();
        let (_, reports) = probe(&u, &[&proxy.url()], &[]);
        assert_eq!(
            reports[0]["verdict"], want,
            ".netrc {line:?}: {:#}",
            reports[0]
        );
        assert_eq!(
            go_downloads(&mut u, &proxy.url()),
            want == "ok",
            "go with .netrc {line:?}"
        );
    }
    assert!(
        proxy
            .requests()
            .iter()
            .any(|r| r.header("authorization") == Some("Basic YWxpY2U6czNjcmV0"))
    );
    // Sent, never shown: neither in JSON nor in verbose text.
    let text = u.godoctor(&["-v", "proxy", "test", "--module", MODULE, &proxy.url()]);
    let json = u.godoctor(&["--json", "proxy", "test", "--module", MODULE, &proxy.url()]);
    for out in [text.output(), json.output()] {
        assert!(
            !out.contains("s3cret") && !out.contains("YWxpY2U6czNjcmV0"),
            "{out}"
        );
    }
    // NETRC moves the file, as for go.
    let moved = u.root().join("elsewhere.netrc");
    std::fs::rename(&netrc, &moved).expect("move .netrc");
    u.set_env("NETRC", &moved);
    let (_, reports) = probe(&u, &[&proxy.url()], &[]);
    assert_eq!(reports[0]["verdict"], "ok");
}

#[test]
fn https_proxy_from_the_environment_is_used_and_shown_like_go() {
    use common::proxy::ForwardProxy;
    // go never proxies loopback hosts, so the mirror gets a made-up name only the forward
    // proxy knows: nothing leaves the machine, and no DNS lookup happens (the proxy resolves).
    let mirror = GoProxy::builder()
        .module(hello())
        .tls()
        .tls_names(&["goproxy.test"])
        .start();
    let fwd = ForwardProxy::start();
    fwd.route("goproxy.test", mirror.addr());
    let mut u = user()
        .with_env("HTTPS_PROXY", fwd.url())
        .with_env("SSL_CERT_FILE", mirror.ca_file());
    let (code, reports) = probe(&u, &["https://goproxy.test"], &[]);
    assert_eq!(
        (code, &reports[0]["verdict"]),
        (0, &Value::from("ok")),
        "{:#}",
        reports[0]
    );
    let fwd_addr = fwd.addr().to_string();
    assert_eq!(reports[0]["via_proxy"], fwd_addr);
    assert!(
        fwd.requests()
            .iter()
            .any(|r| r.starts_with("CONNECT goproxy.test:443")),
        "{:?}",
        fwd.requests()
    );
    assert!(
        go_downloads(&mut u, "https://goproxy.test"),
        "go goes through HTTPS_PROXY too"
    );
    u.godoctor(&["proxy", "test", "--module", MODULE, "https://goproxy.test"])
        .assert_stdout_contains(&format!("via proxy {fwd_addr}"));

    // A proxy that wants credentials: without them 407 (go fails too); with them in the URL ok.
    fwd.require_auth("bob", "pr0xy");
    let (_, reports) = probe(&u, &["https://goproxy.test"], &[]);
    assert_eq!(reports[0]["verdict"], "http-proxy", "{:#}", reports[0]);
    assert!(!go_downloads(&mut u, "https://goproxy.test"));
    u.set_env("HTTPS_PROXY", fwd.url_with_auth("bob", "pr0xy"));
    let (_, reports) = probe(&u, &["https://goproxy.test"], &[]);
    assert_eq!(reports[0]["verdict"], "ok", "{:#}", reports[0]);
    assert!(go_downloads(&mut u, "https://goproxy.test"));

    // A dead HTTPS_PROXY is named as the culprit.
    u.set_env("HTTPS_PROXY", refused_url());
    let (_, reports) = probe(&u, &["https://goproxy.test"], &[]);
    assert_eq!(reports[0]["verdict"], "http-proxy", "{:#}", reports[0]);
    assert!(
        reports[0]["diagnosis"]
            .as_str()
            .unwrap_or_default()
            .contains("HTTPS_PROXY")
    );
    assert!(!go_downloads(&mut u, "https://goproxy.test"));
}

#[test]
fn file_proxy_checked_on_disk_like_go_uses_it() {
    // A module cache's download directory is a valid file:// GOPROXY.
    let proxy = GoProxy::start(vec![hello()]);
    let mut filler = user();
    assert!(go_downloads(&mut filler, &proxy.url()));
    let dir = filler.modcache().join("cache/download");
    let url = format!("file://{}", dir.display());
    let mut u = user();
    let (code, reports) = probe(&u, &[&url], &[]);
    assert_eq!(
        (code, &reports[0]["verdict"]),
        (0, &Value::from("ok")),
        "{:#}",
        reports[0]
    );
    assert!(
        go_downloads(&mut u, &url),
        "go downloads from the same directory"
    );

    let missing = format!("file://{}", u.root().join("no-such-dir").display());
    let (code, reports) = probe(&u, &[&missing], &[]);
    assert_eq!(
        (code, &reports[0]["verdict"]),
        (1, &Value::from("file-missing"))
    );
    assert!(!go_downloads(&mut u, &missing));
}

// ==== walk: causes and slow proxies (issue 11 item 4 of walk's brief) ====

/// A proxy that serves, but with a median of a second or more, is a warning with its cause,
/// not a ✓; go still downloads through it (the warning is about cost, not failure).
#[test]
fn slow_proxy_is_a_warning_not_a_check_mark() {
    let slow = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::SlowHeaders(Duration::from_millis(1100)))
        .start();
    let mut u = user();
    let (code, reports) = probe(&u, &[&slow.url()], &["--timeout", "10"]);
    let r = &reports[0];
    assert_eq!(code, 0, "a warning is not a failure: {r:#}");
    assert_eq!(r["verdict"], "ok", "{r:#}");
    assert_eq!(r["severity"], "warn", "{r:#}");
    assert!(
        r["median_ms"].as_f64().unwrap_or_default() >= 1000.0,
        "{r:#}"
    );
    assert!(
        r["diagnosis"]
            .as_str()
            .unwrap_or_default()
            .contains("slowly"),
        "{r:#}"
    );
    u.set_env("GOSUMDB", "off");
    assert!(go_downloads(&mut u, &slow.url()), "go downloads through it");

    // check: proxy.reach is a warning whose cause is the catalogue's proxy.slow.
    let run = u.godoctor(&[
        "--json",
        "check",
        "proxy",
        "--module",
        MODULE,
        "--timeout",
        "10",
    ]);
    let reach = check_of(&run, "proxy.reach");
    assert_eq!(reach["status"], "warn", "{run}");
    assert_eq!(
        reach["cause"],
        format!("proxy.slow {}", slow.url()),
        "{run}"
    );
}

/// The first check of `id` in a `check --json` run.
fn check_of(run: &common::Run, id: &str) -> Value {
    run.json()["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == id).cloned())
        .unwrap_or_default()
}

/// Every network finding about a local proxy that is not running names the catalogue's cause
/// (`net.refused`), scoped to the URL, so the chain, reach and port findings are told once.
#[test]
fn findings_about_a_dead_local_proxy_carry_one_cause() {
    let url = refused_url();
    let u = user()
        .with_env("GOPROXY", format!("{url},direct"))
        .with_env("GOSUMDB", "off");
    let run = u.godoctor(&["--json", "check", "proxy", "ports"]);
    run.assert_code(1);
    let checks = run.json()["checks"].as_array().cloned().unwrap_or_default();
    let want = format!("net.refused {url}");
    for id in ["proxy.chain", "proxy.reach", "ports.local"] {
        let c = checks
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or_default();
        assert_eq!(c["status"], "error", "{id}\n{run}");
        assert_eq!(c["cause"], want.as_str(), "{id}\n{run}");
    }
    let told_once = checks
        .iter()
        .filter(|c| c["cause"] == want.as_str() && c.get("same_cause_as").is_none())
        .count();
    assert_eq!(told_once, 1, "{run}");
}

// ==== walk: what a walk is run on (issue 11 item 2) ====

/// Inside a module, check walks the requirements of its go.mod through the proxies: the
/// verdict names them, a proxy that serves some says which, and a requirement no entry serves
/// is an error, exactly the module go fails to download.
#[test]
fn check_walks_the_requirements_of_the_go_mod_here() {
    let proxy = GoProxy::start(vec![
        Module::new("example.com/a", "v1.0.0"),
        Module::new("example.com/b", "v1.2.0"),
    ]);
    let mut u = user()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", "off")
        .cwd("work/app");
    u.write_file(
        "go.mod",
        "module example.com/app\n\ngo 1.21\n\nrequire (\n\texample.com/a v1.0.0\n\texample.com/b v1.2.0\n\texample.com/c v1.0.0\n)\n",
    );
    proxy.clear_log();
    let run = u.godoctor(&["--json", "check", "proxy", "ports"]);
    run.assert_code(1);
    let asked = proxy.paths();
    for m in [
        "example.com/a/@v/v1.0.0.info",
        "example.com/b/@v/v1.2.0.info",
        "example.com/c/@v/v1.0.0.info",
    ] {
        assert!(
            asked.iter().any(|p| p.ends_with(m)),
            "{m} not walked: {asked:?}"
        );
    }
    assert!(
        !asked.iter().any(|p| p.contains("rsc.io")),
        "the canary is not walked here: {asked:?}"
    );
    let chain = check_of(&run, "proxy.chain");
    assert_eq!(chain["status"], "error", "{run}");
    let title = chain["title"].as_str().unwrap_or_default();
    assert!(title.contains("1 of 3 walked modules"), "{title}");
    let detail = chain["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("example.com/c@v1.0.0: "), "{detail}");
    assert!(
        detail.contains("walked: example.com/a@v1.0.0, example.com/b@v1.2.0, example.com/c@v1.0.0 (the requirements of "),
        "{detail}"
    );
    let reach = check_of(&run, "proxy.reach");
    assert!(
        reach["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("served 2 of 3 walked modules"),
        "{reach}"
    );
    assert!(
        reach["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("walked: example.com/a@v1.0.0 (served), example.com/b@v1.2.0 (served), example.com/c@v1.0.0 (not found)"),
        "{reach}"
    );
    assert_eq!(
        check_of(&run, "ports.local")["title"],
        format!("{} is listening and serves modules", proxy.url())
    );
    // go agrees: the two it serves download, the third does not.
    u.set_env("GOFLAGS", "-modcacherw");
    u.go(&[
        "mod",
        "download",
        "-json",
        "example.com/a@v1.0.0",
        "example.com/b@v1.2.0",
    ])
    .assert_success();
    let c = u.go(&["mod", "download", "-json", "example.com/c@v1.0.0"]);
    assert!(!c.success() || c.stdout.contains("\"Error\""), "{c}");
}

/// Outside a module, `--module` (repeatable) replaces the canary; a proxy that served none of
/// the walked modules is never said to serve modules.
#[test]
fn check_module_flag_replaces_the_canary_and_serving_is_shown_not_assumed() {
    let proxy = GoProxy::start(vec![hello(), Module::new("example.com/two", "v0.1.0")]);
    let u = user()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", "off");
    let run = u.godoctor(&[
        "--json",
        "check",
        "proxy",
        "ports",
        "--module",
        MODULE,
        "--module",
        "example.com/two@v0.1.0",
    ]);
    run.assert_code(0);
    let chain = check_of(&run, "proxy.chain");
    assert_eq!(chain["status"], "ok", "{run}");
    assert!(
        chain["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!(
                "walked: {MODULE}, example.com/two@v0.1.0 (--module)"
            )),
        "{chain}"
    );
    // The canary (rsc.io/quote) is not on this proxy: not "serves modules".
    let run = u.godoctor(&["--json", "check", "proxy", "ports"]);
    run.assert_code(1);
    let port = check_of(&run, "ports.local");
    assert_eq!(port["status"], "warn", "{run}");
    assert!(
        port["title"]
            .as_str()
            .unwrap_or_default()
            .contains("served none of the walked modules"),
        "{port}"
    );
    assert!(
        check_of(&run, "proxy.chain")["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("(the canary module"),
        "{run}"
    );
    // A bad --module is refused with the reason.
    u.godoctor(&["check", "--module", "example.com/x"])
        .assert_code(2);
    // godoctor's config replaces the canary outside a module.
    let config = u.godoctor_home().join("modules.txt");
    std::fs::create_dir_all(u.godoctor_home()).expect("mkdir");
    std::fs::write(&config, format!("# ours\n{MODULE}\n")).expect("modules.txt");
    let run = u.godoctor(&["--json", "check", "proxy", "ports"]);
    run.assert_code(0);
    let detail = check_of(&run, "proxy.chain")["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        detail.contains(&format!(
            "walked: {MODULE} (the canary modules of {}",
            config.display()
        )),
        "{detail}"
    );
    std::fs::write(&config, "example.com/broken\n").expect("modules.txt");
    let bad = u.godoctor(&["check", "proxy"]);
    bad.assert_code(2);
    assert!(bad.stderr.contains("modules.txt:1:"), "{bad}");
}

// ==== walk: one --timeout meaning (issue 11 item 4) ====

/// `--timeout` is the deadline of each request and everything a command sends ends within
/// 3 × it. A server that accepts and never answers, and one that answers every request just
/// under the deadline, cost check, proxy test, proxy rank and route --probe at most that
/// budget + 1 s each, and each says what timed out.
#[test]
fn every_network_command_ends_within_three_timeouts() {
    let silent = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::SlowHeaders(Duration::from_secs(60)))
        .start();
    let slow = GoProxy::builder()
        .module(hello())
        .behaviour(Behaviour::SlowHeaders(Duration::from_millis(800)))
        .start();
    let limit = Duration::from_secs(3 + 1);
    for (server, says) in [(&silent, "hang"), (&slow, "")] {
        let u = user()
            .with_env("GOPROXY", server.url())
            .with_env("GOSUMDB", "off");
        let mirrors = u.write_file("mirrors.txt", format!("{}\n", server.url()));
        let mirrors = mirrors.display().to_string();
        let commands: Vec<(Vec<&str>, &str)> = vec![
            (vec!["check", "proxy", "--module", MODULE], says),
            (vec!["proxy", "test", "--module", MODULE], says),
            (
                vec![
                    "proxy",
                    "rank",
                    "--no-builtin",
                    "--candidates",
                    &mirrors,
                    "--module",
                    MODULE,
                ],
                if says.is_empty() { "" } else { "timeout" },
            ),
            (
                vec!["route", "example.com/hello", "--probe"],
                if says.is_empty() {
                    "overall budget (3 × --timeout = 3 s)"
                } else {
                    "go will hang"
                },
            ),
        ];
        for (mut args, needle) in commands {
            args.extend(["--timeout", "1s"]);
            let started = Instant::now();
            let run = u.godoctor(&args);
            let took = started.elapsed();
            assert!(
                took < limit,
                "{args:?} took {took:?}, over 3 × 1 s + 1 s\n{run}"
            );
            assert!(matches!(run.code(), Some(0 | 1)), "{args:?}\n{run}");
            assert!(
                run.stdout.contains(needle),
                "{args:?} should say {needle:?}\n{run}"
            );
        }
    }
}

/// A file:// proxy is walked like an http one: every walked module is looked up on disk, the
/// verdict says which it holds, and a module it lacks (with nothing after it) is one go cannot
/// download — go agrees.
#[test]
fn file_proxy_is_walked_for_every_module() {
    let proxy = GoProxy::start(vec![hello(), Module::new("example.com/two", "v0.1.0")]);
    let mut filler = user().with_env("GOSUMDB", "off");
    filler.set_env("GOPROXY", proxy.url());
    filler
        .go(&["mod", "download", "-json", MODULE, "example.com/two@v0.1.0"])
        .assert_success();
    let url = format!(
        "file://{}",
        filler.modcache().join("cache/download").display()
    );
    let mut u = user().with_env("GOPROXY", &url).with_env("GOSUMDB", "off");
    let run = u.godoctor(&[
        "--json",
        "check",
        "proxy",
        "--module",
        MODULE,
        "--module",
        "example.com/two@v0.1.0",
        "--module",
        "example.com/three@v1.0.0",
    ]);
    run.assert_code(1);
    let chain = check_of(&run, "proxy.chain");
    assert!(
        chain["title"]
            .as_str()
            .unwrap_or_default()
            .contains("1 of 3 walked modules"),
        "{run}"
    );
    assert!(
        chain["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("example.com/three@v1.0.0: "),
        "{run}"
    );
    let reach = check_of(&run, "proxy.reach");
    assert!(
        reach["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("served 2 of 3 walked modules"),
        "{run}"
    );
    u.set_env("GOFLAGS", "-modcacherw");
    u.go(&["mod", "download", "-json", MODULE, "example.com/two@v0.1.0"])
        .assert_success();
    let three = u.go(&["mod", "download", "-json", "example.com/three@v1.0.0"]);
    assert!(
        !three.success() || three.stdout.contains("\"Error\""),
        "{three}"
    );
}

/// With no proxy in GOPROXY nothing is asked of a proxy, so no verdict claims a walk.
#[test]
fn direct_only_claims_no_walk() {
    let u = user()
        .with_env("GOPROXY", "direct")
        .with_env("GOSUMDB", "off");
    let run = u.godoctor(&["--json", "check", "proxy", "--module", MODULE]);
    let chain = check_of(&run, "proxy.chain");
    let detail = chain["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("not known until go clones"), "{run}");
    assert!(!detail.contains("walked:"), "{run}");
}
