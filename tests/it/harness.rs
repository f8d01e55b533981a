//! Proves the shared test harness is real: the real `go` accepts modules from the loopback
//! proxy (HTTP, TLS, path prefix, upper-case paths), and referee tests pin down Go's GOPROXY
//! fall-through rules (DESIGN.md, "Rules of Go") that godoctor relies on.

use crate::common;

use common::modules::{Module, escape, unescape};
use common::proxy::{Behaviour, ForwardProxy, GoProxy, TlsCert, refused_url};
use common::sumdb::SumDb;
use common::{GoUser, Run};
use std::time::{Duration, Instant};

/// A user whose go downloads only from `goproxy`, without a checksum database.
fn downloader(goproxy: &str) -> GoUser {
    GoUser::new()
        .with_env("GOPROXY", goproxy)
        .with_env("GOSUMDB", "off")
        .with_env("GOFLAGS", "-modcacherw")
}

fn hello(version: &str) -> Module {
    Module::new("example.com/hello", version).file(
        "hello.go",
        "package hello\n\n// Hello greets.\nfunc Hello() string { return \"hello\" }\n",
    )
}

/// `go mod download -json SPEC`, returning the run and its single JSON object.
fn download(user: &GoUser, spec: &str) -> (Run, serde_json::Value) {
    let run = user.go(&["mod", "download", "-json", spec]);
    let json = if run.stdout.trim().is_empty() {
        serde_json::Value::Null
    } else {
        run.json()
    };
    (run, json)
}

#[track_caller]
fn assert_downloaded(user: &GoUser, run: &Run, json: &serde_json::Value, m: &Module) {
    run.assert_success();
    assert!(
        json.get("Error").is_none(),
        "go reported an error: {json}\n{run}"
    );
    assert_eq!(json["Path"], m.path.as_str(), "{run}");
    assert_eq!(json["Version"], m.version.as_str(), "{run}");
    let zip = json["Zip"].as_str().expect("Zip path");
    assert!(
        zip.starts_with(user.modcache().to_str().expect("utf-8 path")),
        "zip outside the isolated GOMODCACHE: {zip}"
    );
    assert!(std::path::Path::new(zip).is_file(), "{zip} missing");
    let dir = std::path::Path::new(json["Dir"].as_str().expect("Dir"));
    assert!(
        dir.join("go.mod").is_file(),
        "extracted module lacks go.mod in {}",
        dir.display()
    );
    assert!(
        json["Sum"].as_str().unwrap_or_default().starts_with("h1:"),
        "{json}"
    );
}

#[test]
fn isolated_user_has_its_own_go_environment() {
    let user = GoUser::new();
    let env = user.go_env_json();
    let root = user.root().to_str().expect("utf-8").to_string();
    for key in ["GOENV", "GOMODCACHE", "GOCACHE", "GOPATH"] {
        let v = env[key].as_str().unwrap_or_default();
        assert!(v.starts_with(&root), "{key}={v} is not inside {root}");
    }
    assert_eq!(env["GOENV"].as_str(), user.goenv_path().to_str());
    assert_eq!(env["GOPROXY"], "off");
    assert_eq!(env["GOSUMDB"], "off");

    // The GOENV file the harness writes is the one go reads.
    let user = GoUser::new().without_env("GOPROXY");
    user.write_goenv("GOPROXY=http://127.0.0.1:1/from-file\n");
    assert_eq!(user.go_env("GOPROXY"), "http://127.0.0.1:1/from-file");
    user.go(&["env", "-w", "GOPRIVATE=example.com/private"])
        .assert_success();
    assert!(
        user.read_goenv()
            .expect("GOENV file")
            .contains("GOPRIVATE=example.com/private")
    );
}

#[test]
fn bare_user_sees_go_defaults_and_nothing_inherited() {
    let user = GoUser::bare()
        .without_env("GOMODCACHE")
        .without_env("GOCACHE")
        .without_env("GOPATH");
    let run = user.run("env", &[] as &[&str], None);
    run.assert_success();
    for line in run.stdout.lines() {
        let key = line.split('=').next().unwrap_or_default();
        assert!(
            !key.starts_with("GO") || key == "GODOCTOR_HOME",
            "inherited {line}"
        );
        assert!(
            !key.to_ascii_uppercase().ends_with("_PROXY"),
            "inherited {line}"
        );
    }
    // go's defaults still land inside the temp HOME.
    let env = user.go_env_json();
    assert!(
        env["GOMODCACHE"]
            .as_str()
            .unwrap_or_default()
            .starts_with(user.home().to_str().expect("utf-8"))
    );
    assert_eq!(env["GOMODCACHE"].as_str(), user.modcache().to_str());
}

#[test]
fn without_go_on_path_hides_go_from_children() {
    let user = GoUser::new().without_go_on_path();
    let run = user.run("sh", &["-c", "command -v go || echo none"], None);
    assert_eq!(run.stdout.trim(), "none", "{run}");
    // The real go is still reachable through the harness.
    user.go(&["version"]).assert_success();
}

#[test]
fn hung_child_is_killed_and_fails_the_test() {
    let user = GoUser::new().timeout(std::time::Duration::from_secs(1));
    let fake = user.fake_program("go", "#!/bin/sh\nsleep 30 &\nsleep 30\n");
    let started = std::time::Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        user.run(&fake, &["env"], None);
    }));
    assert!(result.is_err(), "a hung child must fail the test");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn case_encoding_round_trips() {
    assert_eq!(escape("example.com/Azure/SDK"), "example.com/!azure/!s!d!k");
    assert_eq!(
        unescape("example.com/!azure/x").as_deref(),
        Some("example.com/Azure/x")
    );
    assert_eq!(unescape("example.com/Azure"), None);
    assert_eq!(unescape("bad!"), None);
}

#[test]
fn go_downloads_from_the_loopback_proxy_over_http() {
    let m = hello("v1.0.0");
    let proxy = GoProxy::start(vec![m.clone(), hello("v1.1.0")]);
    let user = downloader(&proxy.url());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    let paths = proxy.paths();
    for ext in ["info", "mod", "zip"] {
        assert!(
            paths.contains(&m.url_path(ext)),
            "no request for .{ext}: {paths:?}"
        );
    }

    // @latest resolution goes through @v/list and picks the highest version.
    let (run, json) = download(&user, "example.com/hello@latest");
    run.assert_success();
    assert_eq!(json["Version"], "v1.1.0", "{run}");
}

#[test]
fn go_downloads_an_upper_case_module_path() {
    let m = Module::new("example.com/Azure/SDK", "v0.1.0").file("sdk.go", "package sdk\n");
    let proxy = GoProxy::start(vec![m.clone()]);
    let user = downloader(&proxy.url());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(
        proxy
            .paths()
            .contains(&"/example.com/!azure/!s!d!k/@v/v0.1.0.zip".to_string()),
        "{:?}",
        proxy.paths()
    );
    assert!(
        user.modcache()
            .join("example.com/!azure/!s!d!k@v0.1.0/sdk.go")
            .is_file()
    );
}

#[test]
fn go_downloads_over_tls_under_a_path_prefix() {
    let m = hello("v1.2.3");
    let proxy = GoProxy::builder()
        .tls()
        .prefix("corp/go/")
        .module(m.clone())
        .start();
    assert!(proxy.url().starts_with("https://127.0.0.1:") && proxy.url().ends_with("/corp/go"));

    // Without the CA, go must refuse the certificate: the TLS is real.
    let untrusting = downloader(&proxy.url());
    let (run, _) = download(&untrusting, &m.spec());
    run.assert_failure();
    assert!(
        run.stdout.contains("certificate") || run.stderr.contains("certificate"),
        "{run}"
    );

    let user = downloader(&proxy.url()).with_env("SSL_CERT_FILE", proxy.ca_file());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(
        proxy
            .paths()
            .contains(&format!("/corp/go{}", m.url_path("zip"))),
        "{:?}",
        proxy.paths()
    );

    // SSL_CERT_DIR works as well (go reads every file in it).
    let certs = user.root().join("certs");
    std::fs::create_dir_all(&certs).expect("mkdir");
    std::fs::write(certs.join("test-ca.pem"), proxy.ca_pem()).expect("write CA");
    let dir_user = downloader(&proxy.url()).with_env("SSL_CERT_DIR", &certs);
    let (run, json) = download(&dir_user, &m.spec());
    assert_downloaded(&dir_user, &run, &json, &m);

    // localhost is in the certificate too.
    let user = downloader(&proxy.localhost_url()).with_env("SSL_CERT_FILE", proxy.ca_file());
    let m2 = hello("v1.2.3");
    let (run, _) = download(&user, &m2.spec());
    run.assert_success();
}

/// GOPROXY="A,B": go asks B only when A answered 404 or 410.
#[test]
fn comma_falls_through_only_on_404_and_410() {
    let m = hello("v1.0.0");
    for status in [404, 410] {
        let a = GoProxy::builder().not_found_status(status).start();
        let b = GoProxy::start(vec![m.clone()]);
        let user = downloader(&format!("{},{}", a.url(), b.url()));
        let (run, json) = download(&user, &m.spec());
        assert_downloaded(&user, &run, &json, &m);
        assert!(a.hits() > 0, "A was never asked ({status})");
        assert!(
            b.paths().contains(&m.url_path("zip")),
            "B did not serve after {status}: {:?}",
            b.paths()
        );
    }
}

#[test]
fn comma_stops_on_500_and_on_a_refused_connection() {
    let m = hello("v1.0.0");
    let b = GoProxy::start(vec![m.clone()]);

    let a = GoProxy::builder().behaviour(Behaviour::Status(500)).start();
    let user = downloader(&format!("{},{}", a.url(), b.url()));
    let (run, _) = download(&user, &m.spec());
    run.assert_failure();
    assert!(a.hits() > 0, "A was never asked");
    assert_eq!(
        b.hits(),
        0,
        "go fell through after a 500 with ',': {:?}",
        b.paths()
    );
    assert!(
        run.stdout.contains("500") || run.stderr.contains("500"),
        "{run}"
    );

    let user = downloader(&format!("{},{}", refused_url(), b.url()));
    let (run, _) = download(&user, &m.spec());
    run.assert_failure();
    assert_eq!(
        b.hits(),
        0,
        "go fell through after a refused connection with ',': {:?}",
        b.paths()
    );
    assert!(
        run.stdout.contains("refused") || run.stderr.contains("refused"),
        "{run}"
    );
}

/// GOPROXY="A|B": go asks B after any error of A.
#[test]
fn pipe_falls_through_on_refused_and_on_500() {
    let m = hello("v1.0.0");
    let b = GoProxy::start(vec![m.clone()]);
    let user = downloader(&format!("{}|{}", refused_url(), b.url()));
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(b.paths().contains(&m.url_path("zip")), "{:?}", b.paths());

    let a = GoProxy::builder().behaviour(Behaviour::Status(500)).start();
    let b = GoProxy::start(vec![m.clone()]);
    let user = downloader(&format!("{}|{}", a.url(), b.url()));
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(a.hits() > 0, "A was never asked");
    assert!(b.paths().contains(&m.url_path("zip")), "{:?}", b.paths());
}

/// A minimal HTTP/1.1 GET over a raw socket (bounded by timeouts): status code and body.
fn raw_get(proxy: &GoProxy, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(proxy.addr()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", proxy.addr()).expect("send");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

#[test]
fn proxy_protocol_endpoints() {
    let proxy = GoProxy::builder()
        .modules([
            hello("v1.10.0"),
            hello("v1.2.0"),
            hello("v1.9.0-rc.1"),
            hello("v1.9.0"),
        ])
        .not_found_status(410)
        .start();
    assert_eq!(
        raw_get(&proxy, "/example.com/hello/@v/list"),
        (200, "v1.2.0\nv1.9.0-rc.1\nv1.9.0\nv1.10.0\n".into())
    );
    let (code, body) = raw_get(&proxy, "/example.com/hello/@latest");
    assert_eq!(code, 200);
    let info: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(info["Version"], "v1.10.0");
    assert!(info["Time"].is_string());
    assert_eq!(
        raw_get(&proxy, "/example.com/hello/@v/v1.2.0.mod"),
        (200, "module example.com/hello\n\ngo 1.16\n".into())
    );
    assert_eq!(raw_get(&proxy, "/example.com/other/@v/list").0, 410);
    assert_eq!(raw_get(&proxy, "/example.com/hello/@v/v9.9.9.info").0, 410);
    assert_eq!(raw_get(&proxy, "/sumdb/sum.golang.org/supported").0, 410);
    proxy.set_sumdb_supported(true);
    assert_eq!(raw_get(&proxy, "/sumdb/sum.golang.org/supported").0, 200);
    proxy.set_behaviour(Behaviour::Status(503));
    assert_eq!(raw_get(&proxy, "/example.com/hello/@v/list").0, 503);
    assert_eq!(proxy.hits(), 8);
    assert_eq!(proxy.requests()[0].method, "GET");
}

/// Each misbehaviour makes the real go fail, with the error a user would see.
#[test]
fn go_fails_on_each_misbehaviour() {
    let m = hello("v1.0.0");
    let cases: [(Behaviour, &str); 8] = [
        (Behaviour::Reset, "connection reset"),
        (Behaviour::Garbage, "malformed HTTP"),
        (Behaviour::CaptivePortal, "invalid"),
        (Behaviour::Status(403), "403 Forbidden"),
        (Behaviour::Status(502), "502 Bad Gateway"),
        (Behaviour::Status(503), "503 Service Unavailable"),
        (Behaviour::Status(404), "404 Not Found"),
        (Behaviour::RedirectLoop, "stopped after 10 redirects"),
    ];
    for (behaviour, expect) in cases {
        let proxy = GoProxy::builder()
            .module(m.clone())
            .behaviour(behaviour.clone())
            .start();
        let user = downloader(&proxy.url());
        let (run, _) = download(&user, &m.spec());
        run.assert_failure().assert_output_contains(expect);
        assert!(proxy.connections() > 0, "{behaviour:?}: go never connected");
        assert!(
            !user.modcache().join("example.com/hello@v1.0.0").exists(),
            "{behaviour:?}"
        );
        if behaviour == Behaviour::RedirectLoop {
            assert_eq!(proxy.hits(), 10, "go follows at most 10 redirects");
        }
    }
}

#[test]
fn go_fails_on_misbehaviour_of_a_tls_proxy() {
    let m = hello("v1.0.0");
    for (behaviour, expect) in [
        (Behaviour::Reset, "connection reset"),
        (Behaviour::Garbage, "tls:"),
    ] {
        let proxy = GoProxy::builder()
            .tls()
            .module(m.clone())
            .behaviour(behaviour.clone())
            .start();
        let user = downloader(&proxy.url()).with_env("SSL_CERT_FILE", proxy.ca_file());
        let (run, _) = download(&user, &m.spec());
        run.assert_failure().assert_output_contains(expect);
        assert_eq!(
            proxy.hits(),
            0,
            "{behaviour:?} happens before any request is read"
        );
    }
}

#[test]
fn per_path_rules_break_only_matching_requests() {
    let m = hello("v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    proxy.set_behaviour_for(".zip", Behaviour::Status(500));
    let user = downloader(&proxy.url());
    let (run, _) = download(&user, &m.spec());
    run.assert_failure()
        .assert_output_contains("500 Internal Server Error");
    assert!(
        user.modcache()
            .join("cache/download/example.com/hello/@v/v1.0.0.mod")
            .is_file(),
        "the .mod was served"
    );

    proxy.clear_rules();
    proxy.set_behaviour_for(".zip", Behaviour::Reset);
    let (run, _) = download(&user, &m.spec());
    run.assert_failure()
        .assert_output_contains("connection reset");

    proxy.clear_rules();
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
}

#[test]
fn go_follows_a_redirect_to_another_proxy() {
    let m = hello("v1.0.0");
    let b = GoProxy::start(vec![m.clone()]);
    let a = GoProxy::builder()
        .prefix("old")
        .behaviour(Behaviour::RedirectTo(b.url()))
        .start();
    let user = downloader(&a.url());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(
        a.paths().contains(&format!("/old{}", m.url_path("zip"))),
        "{:?}",
        a.paths()
    );
    assert!(b.paths().contains(&m.url_path("zip")), "{:?}", b.paths());
}

#[test]
fn slow_and_dripping_proxies_still_serve_go() {
    let m = hello("v1.0.0");
    let proxy = GoProxy::builder()
        .module(m.clone())
        .behaviour(Behaviour::SlowHeaders(Duration::from_millis(300)))
        .start();
    let user = downloader(&proxy.url());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(
        run.elapsed >= Duration::from_millis(300),
        "slow requests took only {:?}",
        run.elapsed
    );

    let proxy = GoProxy::builder()
        .module(m.clone())
        .behaviour(Behaviour::Drip(Duration::from_millis(1)))
        .start();
    let user = downloader(&proxy.url());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
}

#[test]
fn hostile_proxies_stop_promptly_when_dropped() {
    use std::io::{Read, Write};
    for behaviour in [
        Behaviour::Endless,
        Behaviour::SlowHeaders(Duration::from_secs(300)),
        Behaviour::Drip(Duration::from_secs(300)),
    ] {
        let proxy = GoProxy::builder()
            .module(hello("v1.0.0"))
            .behaviour(behaviour.clone())
            .start();
        let mut s = std::net::TcpStream::connect(proxy.addr()).expect("connect");
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        s.write_all(b"GET /example.com/hello/@v/v1.0.0.zip HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("send");
        let mut buf = vec![0u8; 64 * 1024];
        let _ = s.read(&mut buf);
        if behaviour == Behaviour::Endless {
            let mut total = 0;
            while total < 4 << 20 {
                total += s.read(&mut buf).expect("endless body keeps coming");
            }
        }
        // The client stays connected and stops reading; dropping the proxy must not wait for it.
        let started = Instant::now();
        drop(proxy);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{behaviour:?}: drop took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn go_rejects_a_corrupt_zip() {
    let m = hello("v1.0.0").with_zip_bytes(b"PK\x03\x04 this is not a zip".to_vec());
    let proxy = GoProxy::start(vec![m.clone()]);
    let user = downloader(&proxy.url());
    let (run, _) = download(&user, &m.spec());
    run.assert_failure().assert_output_contains("zip");
    assert!(!user.modcache().join("example.com/hello@v1.0.0").exists());
}

/// Before using a checksum database go asks the proxy `<proxy>/sumdb/<name>/supported`; when the
/// proxy says yes, lookups go through the proxy, otherwise go contacts the database directly
/// (caught here by the network jail, so nothing leaves the machine).
#[test]
fn go_asks_the_proxy_whether_it_proxies_the_checksum_database() {
    let m = hello("v1.0.0");
    let proxy = GoProxy::builder()
        .module(m.clone())
        .sumdb_supported(true)
        .start();
    let user = GoUser::new()
        .with_network_jail()
        .with_env("GOPROXY", proxy.url())
        .without_env("GOSUMDB")
        .with_env("GOFLAGS", "-modcacherw");
    let (run, _) = download(&user, &m.spec());
    run.assert_failure();
    let paths = proxy.paths();
    assert!(
        paths.contains(&"/sumdb/sum.golang.org/supported".to_string()),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/sumdb/sum.golang.org/lookup/")),
        "{paths:?}"
    );

    proxy.set_sumdb_supported(false);
    proxy.clear_log();
    let (run, _) = download(&user, &m.spec());
    run.assert_failure().assert_output_contains("proxyconnect");
    let paths = proxy.paths();
    assert!(
        paths.contains(&"/sumdb/sum.golang.org/supported".to_string()),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.contains("/lookup/")), "{paths:?}");
}

#[test]
fn go_downloads_from_an_ipv6_loopback_proxy() {
    let m = hello("v1.0.0");
    let proxy = GoProxy::builder().ipv6().tls().module(m.clone()).start();
    assert!(proxy.url().starts_with("https://[::1]:"), "{}", proxy.url());
    let user = downloader(&proxy.url()).with_env("SSL_CERT_FILE", proxy.ca_file());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
}

#[test]
fn go_rejects_bad_certificates_and_trusts_the_shared_test_ca() {
    let m = hello("v1.0.0");
    let good = GoProxy::builder().tls().module(m.clone()).start();
    let cases = [
        (TlsCert::UnknownCa, "unknown authority"),
        (
            TlsCert::WrongHost,
            "valid for wrong-host.test, not localhost",
        ),
        (TlsCert::Expired, "expired"),
    ];
    for (kind, expect) in cases {
        let bad = GoProxy::builder()
            .tls_cert(kind.clone())
            .module(m.clone())
            .start();
        // One SSL_CERT_FILE (from another proxy) trusts every Trusted proxy, but not these.
        let user = downloader(&bad.localhost_url()).with_env("SSL_CERT_FILE", good.ca_file());
        let (run, _) = download(&user, &m.spec());
        run.assert_failure().assert_output_contains(expect);
        assert_eq!(
            bad.hits(),
            0,
            "{kind:?}: no request may pass a failed handshake"
        );
    }
    let other = GoProxy::builder().tls().module(m.clone()).start();
    let user = downloader(&other.url()).with_env("SSL_CERT_FILE", good.ca_file());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
}

/// go sends requests for non-loopback hosts through HTTPS_PROXY (CONNECT) and HTTP_PROXY
/// (absolute-form GET), with credentials from the proxy URL; made-up `.test` names mapped by
/// the forward proxy keep all of it on the loopback interface.
#[test]
fn go_uses_https_proxy_and_http_proxy() {
    let m = hello("v1.0.0");
    let tls = GoProxy::builder()
        .tls()
        .tls_names(&["goproxy.test"])
        .module(m.clone())
        .start();
    let fwd = ForwardProxy::start();
    fwd.route("goproxy.test", tls.addr());
    let user = downloader("https://goproxy.test")
        .with_env("HTTPS_PROXY", fwd.url())
        .with_env("SSL_CERT_FILE", tls.ca_file());
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(
        fwd.requests()
            .contains(&"CONNECT goproxy.test:443".to_string()),
        "{:?}",
        fwd.requests()
    );
    assert!(tls.paths().contains(&m.url_path("zip")));

    let plain = GoProxy::start(vec![m.clone()]);
    let fwd = ForwardProxy::start();
    fwd.route("goproxy.test", plain.addr());
    fwd.require_auth("alice", "s3cret");
    let user = downloader("http://goproxy.test").with_env("HTTP_PROXY", fwd.url());
    let (run, _) = download(&user, &m.spec());
    run.assert_failure().assert_output_contains("407");
    assert_eq!(plain.hits(), 0);

    let user = downloader("http://goproxy.test")
        .with_env("HTTP_PROXY", fwd.url_with_auth("alice", "s3cret"));
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(
        fwd.requests()
            .iter()
            .any(|r| r.starts_with("GET http://goproxy.test/example.com/hello/@v/")),
        "{:?}",
        fwd.requests()
    );
    assert!(
        plain.paths().contains(&m.url_path("zip")),
        "{:?}",
        plain.paths()
    );
}

/// The loopback checksum database is real: go verifies modules against it directly
/// (GOSUMDB="<key> <url>", without asking the proxy) and, with GOSUMDB="<key>" only, through a
/// proxy that says it proxies it; go refuses a module whose recorded hash differs and a
/// database signed with another key.
#[test]
fn go_verifies_modules_against_the_loopback_checksum_database() {
    let m = hello("v1.0.0");
    let other = Module::new("example.com/Other", "v0.2.0");
    let db = SumDb::new("sum.test").add(&other).add(&m);
    let key = db.verifier_key();
    let sumdb = GoProxy::builder().checksum_db(db).start();
    let proxy = GoProxy::start(vec![m.clone(), other.clone()]);
    let user = GoUser::new()
        .with_network_jail()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", format!("{key} {}", sumdb.url()))
        .with_env("GOFLAGS", "-modcacherw");
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    let paths = sumdb.paths();
    assert!(
        paths.contains(&"/lookup/example.com/hello@v1.0.0".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.starts_with("/tile/8/0/000.p/")),
        "{paths:?}"
    );
    // With an explicit database URL go goes straight there: it does not ask the proxy.
    assert!(
        !proxy.paths().iter().any(|p| p.starts_with("/sumdb/")),
        "{:?}",
        proxy.paths()
    );
    let (run, json) = download(&user, &other.spec());
    assert_downloaded(&user, &run, &json, &other);

    // Through a proxy that proxies the database: the proxy answers everything.
    let db = SumDb::new("sum.test").add(&m);
    let key = db.verifier_key();
    let proxy = GoProxy::builder().module(m.clone()).checksum_db(db).start();
    let user = GoUser::new()
        .with_network_jail()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", &key)
        .with_env("GOFLAGS", "-modcacherw");
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    assert!(
        proxy
            .paths()
            .iter()
            .any(|p| p.starts_with("/sumdb/sum.test/lookup/")),
        "{:?}",
        proxy.paths()
    );

    // A wrong recorded hash is a security error.
    let db = SumDb::new("sum.test").with_wrong_hash_for(&m);
    let key = db.verifier_key();
    let proxy = GoProxy::builder().module(m.clone()).checksum_db(db).start();
    let user = GoUser::new()
        .with_network_jail()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", &key)
        .with_env("GOFLAGS", "-modcacherw");
    let (run, _) = download(&user, &m.spec());
    run.assert_failure()
        .assert_output_contains("SECURITY ERROR");

    // A key that does not match the database's signature is refused.
    let impostor = SumDb::new("sum.test").add(&m);
    let proxy = GoProxy::builder()
        .module(m.clone())
        .checksum_db(SumDb::new("sum.test").add(&m))
        .start();
    let user = GoUser::new()
        .with_network_jail()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", impostor.verifier_key())
        .with_env("GOFLAGS", "-modcacherw");
    let (run, _) = download(&user, &m.spec());
    run.assert_failure()
        .assert_output_contains("no verifiable signatures");
}

/// go authenticates to a proxy with credentials from $HOME/.netrc, but only over HTTPS (over
/// plain http it never sends them), and the `machine` must match the URL's host:port exactly
/// (`machine 127.0.0.1` does not cover `https://127.0.0.1:PORT`).
#[test]
fn go_sends_netrc_credentials_to_the_proxy_over_https_only() {
    let m = hello("v1.0.0");
    let proxy = GoProxy::start_tls(vec![m.clone()]);
    proxy.set_basic_auth(Some(("alice", "s3cret")));
    let user = downloader(&proxy.url()).with_env("SSL_CERT_FILE", proxy.ca_file());
    let (run, _) = download(&user, &m.spec());
    run.assert_failure()
        .assert_output_contains("401 Unauthorized");
    assert_eq!(proxy.requests()[0].header("Authorization"), None);

    let netrc = user.home().join(".netrc");
    std::fs::write(&netrc, "machine 127.0.0.1 login alice password s3cret\n").expect("netrc");
    let (run, _) = download(&user, &m.spec());
    run.assert_failure()
        .assert_output_contains("401 Unauthorized");

    let line = format!(
        "machine 127.0.0.1:{} login alice password s3cret\n",
        proxy.port()
    );
    std::fs::write(&netrc, line).expect("netrc");
    let (run, json) = download(&user, &m.spec());
    assert_downloaded(&user, &run, &json, &m);
    let last = proxy.requests().pop().expect("a request");
    assert_eq!(last.header("authorization"), Some("Basic YWxpY2U6czNjcmV0"));

    let plain = GoProxy::start(vec![m.clone()]);
    plain.set_basic_auth(Some(("alice", "s3cret")));
    let user = downloader(&plain.url());
    let line = format!(
        "machine 127.0.0.1:{} login alice password s3cret\n",
        plain.port()
    );
    std::fs::write(user.home().join(".netrc"), line).expect("netrc");
    let (run, _) = download(&user, &m.spec());
    run.assert_failure()
        .assert_output_contains("401 Unauthorized");
    assert!(
        plain
            .requests()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
}
