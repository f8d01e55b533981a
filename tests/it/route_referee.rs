//! The referee for `godoctor route --probe`: under the same settings, godoctor's verdict must
//! match the real `go mod download -json MODULE@VERSION` (same success or failure, same proxy
//! serving the zip, and the same requests reaching each loopback proxy). Also: bad module
//! paths and versions get exit 2 with the reason go gives, and go rejects the same inputs.

use crate::common;

use common::gosumdb::GoSumDb;
use common::modules::Module;
use common::proxy::{Behaviour, ForwardProxy, GoProxy, TlsCert, refused_url};
use common::sumdb::SumDb;
use common::{GoUser, Run};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn hello(path: &str, version: &str) -> Module {
    Module::new(path, version).file(
        "hello.go",
        "package hello\n\n// Hello greets.\nfunc Hello() string { return \"hello\" }\n",
    )
}

/// A user whose go and godoctor see only `goproxy`, no checksum database, and no way off the
/// machine (HTTP(S)_PROXY point at a closed loopback port).
fn user(goproxy: &str) -> GoUser {
    GoUser::new()
        .with_env("GOPROXY", goproxy)
        .with_env("GOSUMDB", "off")
        .with_env("GOFLAGS", "-modcacherw")
        .with_network_jail()
}

/// What one side concluded.
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    ok: bool,
    /// The proxy URL that served the zip, `direct`, or None.
    served_by: Option<String>,
    /// Request paths each proxy received, in the order of `proxies`.
    requests: Vec<Vec<String>>,
}

/// Run godoctor first (it leaves no cache behind), then go, each against fresh request logs,
/// and return both verdicts.
fn referee(user: &GoUser, spec: &str, proxies: &[&GoProxy]) -> (Verdict, Verdict, Run, Run) {
    referee_with(user, spec, proxies, None)
}

/// [`referee`], where a zip served by `direct_repo` (a `mod` repository found by `?go-get=1`)
/// counts as served by `direct`.
fn referee_with(
    user: &GoUser,
    spec: &str,
    proxies: &[&GoProxy],
    direct_repo: Option<&GoProxy>,
) -> (Verdict, Verdict, Run, Run) {
    let logs = |ps: &[&GoProxy]| -> Vec<Vec<String>> { ps.iter().map(|p| p.paths()).collect() };
    for p in proxies {
        p.clear_log();
    }
    let doc = user.godoctor(&["route", spec, "--probe", "--json", "--timeout", "10s"]);
    let j = doc.json();
    assert!(
        matches!(doc.code(), Some(0 | 1)),
        "godoctor could not run\n{doc}"
    );
    assert_eq!(
        j["ok"].as_bool(),
        Some(doc.code() == Some(0)),
        "exit code disagrees with ok\n{doc}"
    );
    let godoctor = Verdict {
        ok: j["ok"].as_bool().unwrap_or(false),
        served_by: j["served_by"].as_str().map(str::to_string),
        requests: logs(proxies),
    };
    for p in proxies {
        p.clear_log();
    }
    let run = user.go(&["mod", "download", "-json", spec]);
    let go_json: serde_json::Value = if run.stdout.trim().is_empty() {
        serde_json::Value::Null
    } else {
        run.json()
    };
    let go_ok = run.success() && go_json.get("Error").is_none();
    let requests = logs(proxies);
    // The proxy that served the zip: the last one in list order that was asked for it.
    let served_by = go_ok
        .then(|| {
            proxies
                .iter()
                .zip(&requests)
                .filter(|(_, paths)| paths.iter().any(|p| p.ends_with(".zip")))
                .map(|(p, _)| {
                    if direct_repo.is_some_and(|d| d.url() == p.url()) {
                        "direct".to_string()
                    } else {
                        p.url()
                    }
                })
                .next_back()
        })
        .flatten();
    let go = Verdict {
        ok: go_ok,
        served_by,
        requests,
    };
    (godoctor, go, doc, run)
}

#[track_caller]
fn assert_agree(user: &GoUser, spec: &str, proxies: &[&GoProxy], want_ok: bool) -> Run {
    let (godoctor, go, doc, run) = referee(user, spec, proxies);
    assert_eq!(godoctor, go, "godoctor and go disagree\n{doc}\n{run}");
    assert_eq!(go.ok, want_ok, "unexpected outcome of go itself\n{run}");
    doc
}

#[test]
fn healthy_proxy() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    let u = user(&a.url());
    let doc = assert_agree(&u, &m.spec(), &[&a], true);
    let j = doc.json();
    assert_eq!(j["served_by"], a.url().as_str());
    let ops: Vec<&str> = j["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["op"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ops, ["info", "mod", "zip"]);
}

/// A zip cut off mid-answer (the length announced, half the bytes sent, the connection
/// closed): after `,` go stops there, after `|` it fetches the zip from the next proxy.
#[test]
fn a_zip_cut_off_mid_answer_stops_comma_but_not_pipe_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let cutting = GoProxy::start(vec![m.clone()]);
    cutting.set_behaviour_for(".zip", Behaviour::Truncated);
    let good = GoProxy::start(vec![m.clone()]);
    let u = user(&format!("{},{}", cutting.url(), good.url()));
    assert_agree(&u, &m.spec(), &[&cutting, &good], false);
    let u = user(&format!("{}|{}", cutting.url(), good.url()));
    let doc = assert_agree(&u, &m.spec(), &[&cutting, &good], true);
    assert_eq!(doc.json()["served_by"], good.url().as_str());
}

#[test]
fn latest_resolves_like_go() {
    let a = GoProxy::start(vec![
        hello("example.com/hello", "v1.0.0"),
        hello("example.com/hello", "v1.2.0"),
        hello("example.com/hello", "v1.3.0-rc.1"),
    ]);
    let u = user(&a.url());
    let doc = assert_agree(&u, "example.com/hello@latest", &[&a], true);
    assert_eq!(doc.json()["version"], "v1.2.0");
    // No version given means latest.
    let d = u.godoctor(&["route", "example.com/hello", "--probe", "--json"]);
    d.assert_code(0);
    assert_eq!(d.json()["version"], "v1.2.0");
}

#[test]
fn html_answering_proxy() {
    let m = hello("example.com/hello", "v1.0.0");
    let portal = GoProxy::builder()
        .behaviour(Behaviour::CaptivePortal)
        .start();
    let b = GoProxy::start(vec![m.clone()]);
    assert_agree(&user(&portal.url()), &m.spec(), &[&portal], false);
    assert_agree(
        &user(&format!("{},{}", portal.url(), b.url())),
        &m.spec(),
        &[&portal, &b],
        false,
    );
    // With '|' the .info falls through to B (HTML is not JSON), but .mod and .zip are their
    // own walks: the portal's 200 HTML is taken as the go.mod and as the zip, which go then
    // rejects after the walk. go fails, and so must the probe.
    let doc = assert_agree(
        &user(&format!("{}|{}", portal.url(), b.url())),
        &m.spec(),
        &[&portal, &b],
        false,
    );
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("zip: not a valid zip file"), "{err}");
}

#[test]
fn comma_after_404_500_refused() {
    let m = hello("example.com/hello", "v1.0.0");
    let b = GoProxy::start(vec![m.clone()]);
    for status in [404, 410] {
        let a = GoProxy::builder().not_found_status(status).start();
        assert_agree(
            &user(&format!("{},{}", a.url(), b.url())),
            &m.spec(),
            &[&a, &b],
            true,
        );
    }
    let a = GoProxy::builder().behaviour(Behaviour::Status(500)).start();
    assert_agree(
        &user(&format!("{},{}", a.url(), b.url())),
        &m.spec(),
        &[&a, &b],
        false,
    );
    let doc = assert_agree(
        &user(&format!("{},{}", refused_url(), b.url())),
        &m.spec(),
        &[&b],
        false,
    );
    assert!(
        doc.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("refused"),
        "{doc}"
    );
}

#[test]
fn pipe_after_404_500_refused() {
    let m = hello("example.com/hello", "v1.0.0");
    let b = GoProxy::start(vec![m.clone()]);
    let a404 = GoProxy::builder().start();
    let a500 = GoProxy::builder().behaviour(Behaviour::Status(500)).start();
    for a in [&a404, &a500] {
        let doc = assert_agree(
            &user(&format!("{}|{}", a.url(), b.url())),
            &m.spec(),
            &[a, &b],
            true,
        );
        assert_eq!(doc.json()["served_by"], b.url().as_str());
    }
    assert_agree(
        &user(&format!("{}|{}", refused_url(), b.url())),
        &m.spec(),
        &[&b],
        true,
    );
}

#[test]
fn off_stops() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::builder().start();
    let b = GoProxy::start(vec![m.clone()]);
    let doc = assert_agree(&user("off"), &m.spec(), &[&b], false);
    assert!(
        doc.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("module lookup disabled by GOPROXY=off"),
        "{doc}"
    );
    // A 404 falls through to off, which stops before B (listed after it, ignored by go).
    assert_agree(
        &user(&format!("{},off,{}", a.url(), b.url())),
        &m.spec(),
        &[&a, &b],
        false,
    );
}

#[test]
fn upper_case_module_path() {
    let m = hello("example.com/Azure/SDK", "v1.0.0-RC1");
    let a = GoProxy::start(vec![m.clone()]);
    let doc = assert_agree(&user(&a.url()), &m.spec(), &[&a], true);
    let j = doc.json();
    assert_eq!(j["escaped_path"], "example.com/!azure/!s!d!k");
    assert_eq!(j["escaped_version"], "v1.0.0-!r!c1");
    assert!(a.paths().iter().all(|p| p.contains("/!azure/!s!d!k/")));
}

#[test]
fn proxy_under_a_path_prefix() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::builder()
        .prefix("corp/go")
        .module(m.clone())
        .start();
    let doc = assert_agree(&user(&a.url()), &m.spec(), &[&a], true);
    assert!(a.url().ends_with("/corp/go"));
    assert_eq!(doc.json()["served_by"], a.url().as_str());
}

#[test]
fn each_file_is_its_own_walk() {
    // A has the .info and .mod but not the zip: go asks B for the zip only.
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    a.set_behaviour_for(".zip", Behaviour::Status(404));
    let b = GoProxy::start(vec![m.clone()]);
    let doc = assert_agree(
        &user(&format!("{},{}", a.url(), b.url())),
        &m.spec(),
        &[&a, &b],
        true,
    );
    assert_eq!(doc.json()["served_by"], b.url().as_str());
}

#[test]
fn corrupt_zip_fails_without_fallback() {
    let m = hello("example.com/hello", "v1.0.0").with_zip_bytes(b"PK\x03\x04 not really".to_vec());
    let good = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    let b = GoProxy::start(vec![good]);
    assert_agree(
        &user(&format!("{}|{}", a.url(), b.url())),
        &m.spec(),
        &[&a, &b],
        false,
    );
}

/// GONOPROXY sends the module direct: neither go nor godoctor asks the proxy. Direct then
/// fails here (the network jail refuses the ?go-get=1 request) for both.
#[test]
fn gonoproxy_module_goes_direct() {
    let m = hello("git.corp.example/team/hello", "v1.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    let u = user(&format!("{},direct", a.url())).with_env("GOPRIVATE", "*.corp.example");
    let doc = assert_agree(&u, &m.spec(), &[&a], false);
    assert_eq!(a.hits(), 0);
    let j = doc.json();
    assert_eq!(j["sources"][0]["kind"], "direct");
    assert_eq!(j["sources"][0]["vcs_host"], "git.corp.example");
    assert_eq!(j["sources"][1]["skipped"], true);
    assert_eq!(j["patterns"][1]["inherited_from"], "GOPRIVATE");
    assert_eq!(j["patterns"][1]["matched"], "*.corp.example");
    assert_eq!(j["sumdb"]["consulted"], false);
    assert_eq!(j["steps"][0]["op"], "go-get");
    // Without the pattern the proxy serves it.
    let u = user(&format!("{},direct", a.url()));
    assert_agree(&u, &m.spec(), &[&a], true);
}

#[test]
fn plan_without_network_explains_route_and_leak() {
    let u = GoUser::new()
        .with_env("GOPROXY", "https://proxy.golang.org,direct")
        .with_env("GOSUMDB", "sum.golang.org")
        .with_env("GOPRIVATE", "github.com/corp, git.corp.example")
        .with_network_jail();
    let d = u.godoctor(&["route", "git.corp.example/team/lib@v1.2.3", "--json"]);
    d.assert_code(0);
    let j = d.json();
    assert_eq!(j["served_by"], serde_json::Value::Null);
    assert_eq!(j["steps"].as_array().map(Vec::len), Some(0));
    assert_eq!(j["sources"][0]["target"], "https://proxy.golang.org");
    assert_eq!(j["sources"][0]["separator"], ",");
    assert_eq!(
        j["sources"][0]["requests"][0],
        "https://proxy.golang.org/git.corp.example/team/lib/@v/v1.2.3.info"
    );
    assert_eq!(j["sumdb"]["consulted"], true);
    assert_eq!(j["sumdb"]["via"][0], "https://proxy.golang.org");
    let near = j["patterns"][0]["near_misses"][0]
        .as_str()
        .unwrap_or_default();
    assert!(near.contains("white space"), "{j}");
    let leak = j["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "route.private-leak"))
        .cloned()
        .unwrap_or_default();
    // GOPRIVATE comes from the process environment here: `go env -w` cannot change it, so the
    // fix is the edit where it is set, with the value that covers the module.
    let hint = leak["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("`go env -w` cannot override it")
            && hint.contains("GOPRIVATE=github.com/corp,git.corp.example"),
        "{hint}"
    );
    // Text mode says the same.
    let t = u.godoctor(&["route", "git.corp.example/team/lib@v1.2.3"]);
    t.assert_code(0)
        .assert_stdout_contains("near miss")
        .assert_stdout_contains("GOPRIVATE=");
}

/// The private-leak fix route prints, run as printed, removes the leak: go then fetches the
/// module directly and does not ask the checksum database (go's own GONOPROXY/GONOSUMDB).
#[test]
fn the_private_leak_fix_applied_removes_the_leak() {
    let u = GoUser::new()
        .without_env("GOPROXY")
        .without_env("GOSUMDB")
        .with_network_jail();
    u.godoctor(&[
        "env",
        "set",
        "GOPROXY=https://proxy.golang.org,direct",
        "GOSUMDB=sum.golang.org",
        "GOPRIVATE=github.com/me",
    ])
    .assert_code(0);
    let module = "git.corp.example/team/lib@v1.2.3";
    let j = u.godoctor(&["route", module, "--json"]).json();
    let hint = j["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "route.private-leak"))
        .and_then(|f| f["hint"].as_str())
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        hint,
        "godoctor env set GOPRIVATE=github.com/me,git.corp.example"
    );
    // Before: go asks the public proxy (the jail's dead loopback HTTPS proxy stops it there).
    let download = ["mod", "download", "-json", module];
    let go = u.go(&download);
    assert!(
        go.output()
            .contains("https://proxy.golang.org/git.corp.example/"),
        "{go}"
    );
    let args: Vec<&str> = hint.split_whitespace().skip(1).collect();
    u.godoctor(&args).assert_code(0);
    // After: go goes direct, to the host itself, and never to the public proxy.
    let go = u.go(&download);
    assert!(
        go.output().contains("git.corp.example/team/lib?go-get=1"),
        "{go}"
    );
    assert!(!go.output().contains("proxy.golang.org"), "{go}");
    let j = u.godoctor(&["route", module, "--json"]).json();
    assert!(
        j["findings"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["code"] != "route.private-leak")),
        "{j}"
    );
    assert_eq!(j["sumdb"]["consulted"], false, "{j}");
}

/// Bad input: exit 2 with go's reason, and the real go rejects the same input.
#[test]
fn bad_input_is_refused_like_go() {
    let a = GoProxy::start(vec![hello("example.com/x", "v1.0.0")]);
    let u = user(&a.url());
    let cases: &[(&str, &str)] = &[
        (
            "example.com/a b@v1.0.0",
            "malformed module path \"example.com/a b\": invalid char ' '",
        ),
        (
            "example.com/../x@v1.0.0",
            "malformed module path \"example.com/../x\": invalid path element \"..\"",
        ),
        (
            ".example.com/x@v1.0.0",
            "malformed module path \".example.com/x\": leading dot in path element",
        ),
        (
            "example.com/.x@v1.0.0",
            "malformed module path \"example.com/.x\": leading dot in path element",
        ),
        (
            "-example.com/x@v1.0.0",
            "malformed module path \"-example.com/x\": leading dash",
        ),
        (
            "Example.com/x@v1.0.0",
            "malformed module path \"Example.com/x\": invalid char 'E' in first path element",
        ),
        (
            "example.com/x@v1.0.0!",
            "invalid version: version \"v1.0.0!\" invalid: disallowed version string",
        ),
        ("example.com/x@v1.2.3.4", "invalid version"),
        ("example.com/x@v01.2.3", "invalid version"),
    ];
    // upgrade/patch need a go.mod: go refuses them outside a module, and so does route.
    for arg in ["example.com/x@upgrade", "example.com/x@patch"] {
        u.godoctor(&["route", arg])
            .assert_code(2)
            .assert_stderr_contains(&format!("cannot match {arg:?}"));
        u.go(&["mod", "download", "-json", arg])
            .assert_failure()
            .assert_stderr_contains(&format!("cannot match {arg:?}"));
    }
    for (arg, reason) in cases {
        a.clear_log();
        let d = u.godoctor(&["route", "--probe", "--", arg]);
        d.assert_code(2).assert_stderr_contains(reason);
        assert_eq!(a.hits(), 0, "godoctor asked the proxy about {arg}");
        let run = u.go(&["mod", "download", "-json", "--", arg]);
        run.assert_failure();
        let err = run.json()["Error"].as_str().unwrap_or_default().to_string();
        assert!(
            err.contains(reason),
            "go's error {err:?} lacks {reason:?}\n{run}"
        );
    }
}

/// A loopback web server answering `?go-get=1` with one go-import meta tag (and closing any
/// connection that does not start with a GET, such as a TLS handshake).
struct MetaServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    hits: Arc<Mutex<Vec<String>>>,
}

impl MetaServer {
    fn start(content: String) -> MetaServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let (st, h) = (stop.clone(), hits.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = vec![0u8; 8192];
                let n = conn.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                if !head.starts_with("GET ") {
                    continue;
                }
                let line = head.lines().next().unwrap_or("").to_string();
                if let Ok(mut l) = h.lock() {
                    l.push(line.clone());
                }
                let body = format!(
                    "<!DOCTYPE html><html><head><meta name=\"go-import\" content=\"{content}\"></head><body>go get</body></html>"
                );
                let (status, body) = if line.contains("go-get=1") {
                    ("200 OK", body)
                } else {
                    ("404 Not Found", "not found".to_string())
                };
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        MetaServer { addr, stop, hits }
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().map(|h| h.clone()).unwrap_or_default()
    }
}

impl Drop for MetaServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// A GONOPROXY module fetched `direct`: go and the probe both ask `?go-get=1` (https first,
/// then http because GOINSECURE matches; through HTTP(S)_PROXY = a loopback forward proxy that
/// maps the made-up host to a loopback page), find a `mod` repository and download from it;
/// the public proxy in GOPROXY never hears of the module.
#[test]
fn gonoproxy_module_direct_via_go_get() {
    let m = hello("goget.test/team/hello", "v1.0.0");
    let repo = GoProxy::start(vec![m.clone()]);
    let public = GoProxy::start(vec![m.clone()]);
    let page = MetaServer::start(format!("goget.test/team/hello mod {}", repo.url()));
    let fwd = ForwardProxy::start();
    fwd.route("goget.test", page.addr);
    let u = GoUser::new()
        .with_env("GOPROXY", format!("{},direct", public.url()))
        .with_env("GOSUMDB", "off")
        .with_env("GOFLAGS", "-modcacherw")
        .with_env("GOPRIVATE", "goget.test")
        .with_env("GOINSECURE", "goget.test")
        .with_env("HTTP_PROXY", fwd.url())
        .with_env("HTTPS_PROXY", fwd.url())
        .with_env("NO_PROXY", "127.0.0.1,localhost,::1");
    let (godoctor, go, doc, run) = referee_with(&u, &m.spec(), &[&public, &repo], Some(&repo));
    assert_eq!(godoctor, go, "godoctor and go disagree\n{doc}\n{run}");
    assert!(go.ok, "{run}");
    assert_eq!(go.served_by.as_deref(), Some("direct"));
    assert_eq!(public.hits(), 0);
    let j = doc.json();
    assert_eq!(j["vcs"]["vcs"], "mod");
    assert_eq!(j["vcs"]["root"], "goget.test/team/hello");
    // Both asked the page (godoctor once, go at least once).
    assert!(
        page.hits()
            .iter()
            .filter(|l| l.contains("go-get=1"))
            .count()
            >= 2,
        "{:?}",
        page.hits()
    );
}

/// With a checksum database, go first asks the proxy for /sumdb/NAME/supported and then looks
/// the module up there; a proxy that says "supported" but cannot answer the lookup makes go
/// fail ("verifying module"), and the probe must fail too.
#[test]
fn sumdb_through_the_proxy() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::builder()
        .module(m.clone())
        .sumdb_supported(true)
        .start();
    let u = user(&a.url()).with_env("GOSUMDB", "sum.golang.org");
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert!(!go.ok, "{run}");
    assert!(run.output().contains("verifying"), "{run}");
    assert_eq!((godoctor.ok, godoctor.served_by), (false, None), "{doc}");
    let supported = "/sumdb/sum.golang.org/supported".to_string();
    assert!(
        godoctor.requests[0].contains(&supported),
        "{:?}",
        godoctor.requests
    );
    assert!(go.requests[0].contains(&supported), "{:?}", go.requests);
    let j = doc.json();
    assert_eq!(j["sumdb"]["consulted"], true);
    assert_eq!(j["sumdb"]["probe"]["known"], false);
    assert_eq!(
        j["sumdb"]["probe"]["endpoint"],
        format!("{}/sumdb/sum.golang.org", a.url()).as_str()
    );
    // GONOSUMDB keeps the module away from the database: both succeed (fresh module cache).
    let u = user(&a.url())
        .with_env("GOSUMDB", "sum.golang.org")
        .with_env("GONOSUMDB", "example.com");
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert_eq!(godoctor, go, "{doc}\n{run}");
    assert!(go.ok);
}

/// Write `m` as a `file://` module proxy directory under `root` and return its GOPROXY URL.
fn file_proxy(root: &std::path::Path, ms: &[&Module]) -> String {
    for m in ms {
        let dir = root.join(m.escaped_path()).join("@v");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let v = m.escaped_version();
        std::fs::write(dir.join(format!("{v}.info")), m.info()).expect("info");
        std::fs::write(dir.join(format!("{v}.mod")), m.mod_file()).expect("mod");
        std::fs::write(dir.join(format!("{v}.zip")), m.zip()).expect("zip");
        std::fs::write(dir.join("list"), format!("{}\n", m.version)).expect("list");
    }
    format!("file://{}", root.display())
}

/// `file://` proxies: served from disk, and a missing file counts as "not found" for ','.
#[test]
fn file_proxies() {
    let m = hello("example.com/Files/hello", "v1.0.0");
    let b = GoProxy::start(vec![m.clone()]);
    let tmp = tempfile::tempdir().expect("tempdir");
    let full = file_proxy(&tmp.path().join("full"), &[&m]);
    let empty = file_proxy(&tmp.path().join("empty"), &[]);
    std::fs::create_dir_all(tmp.path().join("empty")).expect("mkdir");

    let u = user(&full);
    let d = u.godoctor(&["route", &m.spec(), "--probe", "--json"]);
    d.assert_code(0);
    assert_eq!(d.json()["served_by"], full.as_str());
    let run = u.go(&["mod", "download", "-json", &m.spec()]);
    run.assert_success();
    assert!(run.json().get("Error").is_none(), "{run}");

    let u = user(&format!("{empty},{}", b.url()));
    assert_agree(&u, &m.spec(), &[&b], true);
}

/// A GOPROXY go cannot use: both fail before any request, with go's own message.
#[test]
fn unusable_goproxy() {
    let m = hello("example.com/hello", "v1.0.0");
    let b = GoProxy::start(vec![m.clone()]);
    let u = user(&format!("ftp://mirror.example,{}", b.url()));
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&b]);
    assert_eq!(godoctor, go, "{doc}\n{run}");
    assert!(!go.ok);
    let want = "invalid proxy URL scheme (must be https, http, file): ftp://mirror.example";
    assert!(run.output().contains(want), "{run}");
    assert!(
        doc.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains(want),
        "{doc}"
    );
}

/// A password in an http GOPROXY URL is refused like go refuses it, and neither it nor a
/// .netrc password is ever printed.
#[test]
fn credentials_are_never_printed() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    let with_pw = a.url().replacen("http://", "http://alice:s3cret-pw@", 1);
    let u = user(&with_pw);
    std::fs::write(
        u.home().join(".netrc"),
        "machine 127.0.0.1 login bob password n3trc-pw\n",
    )
    .expect("netrc");
    // go refuses to send URL credentials over plain http; so must the probe.
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert_eq!(godoctor, go, "{doc}\n{run}");
    assert!(
        !go.ok
            && run
                .output()
                .contains("refusing to pass credentials to insecure URL")
    );
    assert!(doc.stdout.contains("route.credentials-over-http"), "{doc}");
    let text = u.godoctor(&["route", &m.spec(), "--probe"]);
    for out in [&doc, &text] {
        let all = out.output();
        assert!(
            !all.contains("s3cret-pw") && !all.contains("n3trc-pw"),
            "{out}"
        );
    }
    assert!(
        doc.stdout.contains("alice"),
        "the user name may be shown\n{doc}"
    );

    // Over https go sends them, and the probe does too.
    let t = GoProxy::start_tls(vec![m.clone()]);
    let u = user(&t.url().replacen("https://", "https://alice:s3cret-pw@", 1))
        .with_env("SSL_CERT_FILE", t.ca_file());
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&t]);
    assert!(godoctor.ok && go.ok, "{doc}\n{run}");
    assert!(!doc.output().contains("s3cret-pw"), "{doc}");
}

/// Queries resolved from `@v/list`: a semver prefix and a comparison, with go's retraction
/// check (the latest version's `.info` and `.mod`) in between; `@latest` when the list has only
/// a pseudo-version. Same version, verdict and requests as go.
#[test]
fn list_queries_and_at_latest() {
    let a = GoProxy::start(vec![
        hello("example.com/hello", "v1.0.0"),
        hello("example.com/hello", "v1.2.0"),
        hello("example.com/hello", "v1.2.5"),
        hello("example.com/hello", "v1.3.0"),
    ]);
    for (query, want) in [("v1.2", "v1.2.5"), ("<v1.2.0", "v1.0.0")] {
        let spec = format!("example.com/hello@{query}");
        let (godoctor, go, doc, run) = referee(&user(&a.url()), &spec, &[&a]);
        assert_eq!(godoctor, go, "{doc}\n{run}");
        assert!(go.ok, "{run}");
        assert_eq!(doc.json()["version"], want, "{spec}");
        assert_eq!(run.json()["Version"], want, "{run}");
    }
    let p = GoProxy::start(vec![hello(
        "example.com/pseudo",
        "v0.0.0-20240102030405-abcdefabcdef",
    )]);
    let doc = assert_agree(&user(&p.url()), "example.com/pseudo@latest", &[&p], true);
    assert_eq!(doc.json()["version"], "v0.0.0-20240102030405-abcdefabcdef");
}

/// Raw request targets (as sent, not decoded) a proxy received.
fn raw_paths(p: &GoProxy) -> Vec<String> {
    p.requests().into_iter().map(|r| r.raw_path).collect()
}

#[test]
fn bang_is_sent_as_percent_21_like_go() {
    let m = hello("example.com/Azure/SDK", "v1.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    let u = user(&a.url());
    a.clear_log();
    u.godoctor(&["route", &m.spec(), "--probe", "--json"])
        .assert_code(0);
    let ours = raw_paths(&a);
    a.clear_log();
    u.go(&["mod", "download", "-json", &m.spec()])
        .assert_success();
    let go = raw_paths(&a);
    assert!(
        go.iter().all(|p| p.contains("%21azure/%21s%21d%21k")),
        "{go:?}"
    );
    assert_eq!(ours, go, "godoctor's request targets differ from go's");
}

#[test]
fn incompatible_version_is_fetched_by_its_info() {
    let m = hello("example.com/inc", "v2.0.0+incompatible");
    let a = GoProxy::start(vec![m.clone()]);
    let u = user(&a.url());
    let doc = assert_agree(&u, &m.spec(), &[&a], true);
    let first = doc.json()["steps"][0]["op"].clone();
    assert_eq!(first, "info", "{doc}");
}

#[test]
fn major_version_two_on_a_path_without_v2_fails_like_go() {
    let m = hello("example.com/nov", "v2.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    let u = user(&a.url());
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert_eq!(godoctor, go, "godoctor and go disagree\n{doc}\n{run}");
    assert!(!go.ok, "go itself succeeded\n{run}");
    assert!(
        run.stderr.contains("should be v0 or v1, not v2")
            || run.stdout.contains("should be v0 or v1, not v2"),
        "{run}"
    );
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("should be v0 or v1, not v2"), "{err}");
}

#[test]
fn goauth_off_sends_no_netrc_credentials_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::builder().module(m.clone()).tls().start();
    a.set_basic_auth(Some(("alice", "s3cret")));
    let mut u = user(&a.url()).with_env("SSL_CERT_FILE", a.ca_file());
    std::fs::write(
        u.home().join(".netrc"),
        format!(
            "machine 127.0.0.1:{} login alice password s3cret\n",
            a.port()
        ),
    )
    .expect("write .netrc");
    // With .netrc (GOAUTH's default), both succeed; with GOAUTH=off neither sends it.
    assert_agree(&u, &m.spec(), &[&a], true);
    u.set_env("GOAUTH", "off");
    // From an empty module cache, so go really asks the proxy again.
    u.go(&["clean", "-modcache"]).assert_success();
    a.clear_log();
    assert_agree(&u, &m.spec(), &[&a], false);
    assert!(
        a.requests()
            .iter()
            .all(|r| r.header("authorization").is_none()),
        "credentials were sent with GOAUTH=off"
    );
}

#[test]
fn http_proxy_in_a_cgi_environment_is_refused_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    // The network jail sets HTTP_PROXY; REQUEST_METHOD makes this a CGI environment, where go
    // refuses every http:// request, even to loopback.
    let u = user(&a.url()).with_env("REQUEST_METHOD", "GET");
    let doc = assert_agree(&u, &m.spec(), &[&a], false);
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("CGI"), "{err}");
    assert!(a.requests().is_empty());
}

#[test]
fn a_server_that_never_answers_makes_go_hang_even_after_a_pipe() {
    let m = hello("example.com/hello", "v1.0.0");
    let good = GoProxy::start(vec![m.clone()]);
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_url = format!("http://{}", silent.local_addr().expect("addr"));
    let u = user(&format!("{silent_url}|{}", good.url()));
    let doc = u.godoctor(&["route", &m.spec(), "--probe", "--json", "--timeout", "1s"]);
    doc.assert_code(1);
    let j = doc.json();
    assert_eq!(j["ok"], false);
    let err = j["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("go will hang"), "{doc}");
    assert!(!doc.output().contains("falls back"), "{doc}");
    assert!(
        good.paths().is_empty(),
        "the probe must not claim the next source"
    );
    // go: still waiting when the harness kills it after 6 s, and it never reached `good`.
    let go_user = user(&format!("{silent_url}|{}", good.url())).timeout(Duration::from_secs(6));
    let spec = m.spec();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        go_user.go(&["mod", "download", "-json", &spec])
    }));
    let msg = match outcome {
        Ok(run) => panic!("go finished instead of hanging\n{run}"),
        Err(e) => e.downcast_ref::<String>().cloned().unwrap_or_default(),
    };
    assert!(msg.contains("did not finish"), "{msg}");
    assert!(good.paths().is_empty(), "go fell back: {:?}", good.paths());
    drop(silent);
}

/// A proxy serving `m` that also proxies `db` (its `/sumdb/NAME/supported` says 200).
fn proxy_with_db(m: &Module, db: SumDb) -> GoProxy {
    GoProxy::builder().module(m.clone()).checksum_db(db).start()
}

/// Both fail, godoctor names nothing as serving, and both say `needle`.
#[track_caller]
fn both_fail_verifying(u: &GoUser, m: &Module, proxies: &[&GoProxy], needle: &str) {
    let (godoctor, go, doc, run) = referee(u, &m.spec(), proxies);
    assert!(!go.ok, "go succeeded\n{run}");
    assert!(
        run.output().contains(needle),
        "go did not say {needle:?}\n{run}"
    );
    assert_eq!((godoctor.ok, godoctor.served_by), (false, None), "{doc}");
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(
        err.contains(needle),
        "godoctor did not say {needle:?}: {err}\n{doc}"
    );
}

#[test]
fn checksum_database_verified_through_the_proxy_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let db = SumDb::new("sum.test").add(&m);
    let key = db.verifier_key();
    let a = proxy_with_db(&m, db);
    let u = user(&a.url()).with_env("GOSUMDB", &key);
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert!(go.ok, "{run}");
    assert_eq!(
        (godoctor.ok, godoctor.served_by.clone()),
        (true, go.served_by.clone()),
        "{doc}"
    );
    let detail = doc.json()["sumdb"]["probe"]["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        detail.contains("signed tree head verified")
            && detail.contains("record #0 proven in the signed tree of size 1")
            && detail.contains("zip hash matches"),
        "{detail}"
    );
    // The same checksum-database requests as go, in go's order: the tile through the proxy.
    let sumdb = |v: &Verdict| -> Vec<String> {
        v.requests[0]
            .iter()
            .filter(|p| p.contains("/sumdb/"))
            .cloned()
            .collect()
    };
    assert_eq!(sumdb(&godoctor), sumdb(&go), "{doc}\n{run}");
    assert!(
        sumdb(&go).contains(&"/sumdb/sum.test/tile/8/0/000.p/1".to_string()),
        "{:?}",
        go.requests
    );
    // Tiles the proxy cannot serve: go asks for the partial tile, then the complete one, and
    // fails; godoctor asks the same and fails with go's words.
    a.set_behaviour_for("/tile/", Behaviour::Status(404));
    let u = user(&a.url()).with_env("GOSUMDB", &key);
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert!(!go.ok, "{run}");
    assert_eq!(
        (godoctor.ok, godoctor.served_by.clone()),
        (false, None),
        "{doc}"
    );
    assert_eq!(sumdb(&godoctor), sumdb(&go), "{doc}\n{run}");
    assert_eq!(
        sumdb(&go)
            .iter()
            .filter(|p| p.contains("/tile/"))
            .collect::<Vec<_>>(),
        [
            "/sumdb/sum.test/tile/8/0/000.p/1",
            "/sumdb/sum.test/tile/8/0/000"
        ],
    );
    let said = format!(
        "verifying go.mod: {}/go.mod: reading {}/sumdb/sum.test/tile/8/0/000.p/1: 404 Not Found",
        m.spec(),
        a.url()
    );
    assert!(run.output().contains(&said), "{run}");
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains(&said), "{err}");
}

#[test]
fn checksum_database_signed_with_another_key_fails_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = proxy_with_db(&m, SumDb::new("sum.test").add(&m));
    let other = SumDb::new("sum.test");
    let u = user(&a.url()).with_env("GOSUMDB", other.verifier_key());
    both_fail_verifying(&u, &m, &[&a], "verifiable signatures");
}

#[test]
fn checksum_mismatch_fails_like_go_even_with_goinsecure_or_insecure_flag() {
    let m = hello("example.com/hello", "v1.0.0");
    let db = SumDb::new("sum.test").with_wrong_hash_for(&m);
    let key = db.verifier_key();
    let a = proxy_with_db(&m, db);
    for (k, v) in [
        ("GOINSECURE", ""),
        ("GOINSECURE", "example.com"),
        ("GOFLAGS", "-modcacherw -insecure"),
    ] {
        let u = user(&a.url()).with_env("GOSUMDB", &key).with_env(k, v);
        both_fail_verifying(&u, &m, &[&a], "SECURITY ERROR");
    }
}

/// go's client proves each record is in the signed tree before it trusts it (x/mod's
/// `checkRecord`: hash tiles authenticated against the signed root): with go's own database
/// both go and godoctor succeed and godoctor says the record was proven; a database whose tiles
/// do not hash to the signed tree, or whose record is not the one in it (its hashes still those
/// of the served module), makes go fail, and godoctor fails the same way and names the cause;
/// tiles it cannot read make go fail too.
#[test]
fn a_record_not_proven_in_the_signed_tree_fails_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    let db = GoSumDb::start(&proxy);
    let u = user(&proxy.url()).with_env("GOSUMDB", db.gosumdb());
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&proxy]);
    assert!(go.ok, "{run}");
    assert_eq!(
        (godoctor.ok, godoctor.served_by),
        (true, go.served_by),
        "{doc}"
    );
    let probe = &doc.json()["sumdb"]["probe"];
    assert_eq!(probe["proven"], true, "{doc}");
    let detail = probe["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("proven in the signed tree") && detail.contains("zip hash matches"),
        "{detail}"
    );
    // go's words with a fresh GOPATH (with a tree head already saved, go checks the tiles while
    // merging it and says "initializing sumdb.Client: checking tree#1: …" instead).
    let notile = format!("reading {}/notile/tile/8/0/000.p/1: 404 Not Found", db.url);
    for (view, go_says, cause) in [
        (
            "badtile",
            "downloaded inconsistent tile",
            "do not hash to the signed tree",
        ),
        (
            "forged",
            "cannot authenticate record data in server response",
            "is not the one the signed tree",
        ),
        ("notile", notile.as_str(), "go reads the hash tiles"),
    ] {
        let u = user(&proxy.url()).with_env("GOSUMDB", db.gosumdb_view(view));
        let go_says = format!("verifying go.mod: {}/go.mod: {go_says}", m.spec());
        both_fail_verifying(&u, &m, &[&proxy], &go_says);
        let doc = u.godoctor(&["route", &m.spec(), "--probe", "--json"]);
        doc.assert_code(1);
        let j = doc.json();
        let err = j["error"].as_str().unwrap_or_default();
        assert!(
            err.contains(cause),
            "{view}: godoctor did not say {cause:?}: {err}"
        );
        assert_eq!(j["sumdb"]["probe"]["fails"], true, "{view}\n{doc}");
        assert_ne!(j["sumdb"]["probe"]["proven"], true, "{view}\n{doc}");
    }
}

/// A hash tile godoctor's own budget cut (go has no such limit and waits for it): whether the
/// record is in the signed tree is not known, so godoctor says it cannot tell, neither that the
/// checksum was verified nor that go fails; go, waiting, succeeds.
#[test]
fn a_tile_cut_by_the_budget_is_not_known_and_go_waits_for_it() {
    let m = hello("example.com/hello", "v1.0.0");
    let db = SumDb::new("sum.test").add(&m);
    let key = db.verifier_key();
    let a = proxy_with_db(&m, db);
    // With --timeout 1s (3 s in all), three answers of 0.7 s bring the tile request past 2 s
    // (so its own 1 s would end after the budget): the budget ends it. 0.7 s, not more, leaves
    // 0.9 s for a loaded machine's overhead before the budget is spent with the tile unsent.
    for part in [".mod", ".zip", "/lookup/"] {
        a.set_behaviour_for(part, Behaviour::SlowHeaders(Duration::from_millis(700)));
    }
    a.set_behaviour_for("/tile/", Behaviour::SlowHeaders(Duration::from_secs(3)));
    let u = user(&a.url()).with_env("GOSUMDB", key);
    let doc = u.godoctor(&["route", &m.spec(), "--probe", "--json", "--timeout", "1s"]);
    let j = doc.json();
    assert_eq!(j["ok"], false, "{doc}");
    let probe = &j["sumdb"]["probe"];
    assert_eq!(
        (&probe["fails"], &probe["proven"]),
        (&serde_json::json!(false), &serde_json::Value::Null),
        "{doc}"
    );
    let err = j["error"].as_str().unwrap_or_default();
    assert!(err.starts_with("cannot tell whether"), "{err}");
    assert!(err.contains("/tile/8/0/000.p/1"), "{err}");
    let text = u.godoctor(&["route", &m.spec(), "--probe", "--timeout", "1s"]);
    assert!(
        text.stdout.contains("cannot tell whether go succeeds"),
        "{text}"
    );
    assert!(!text.stdout.contains("go fails"), "{text}");
    u.go(&["mod", "download", &m.spec()]).assert_success();
}

#[test]
fn supported_404_sends_go_straight_to_a_database_that_is_down() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::start(vec![m.clone()]);
    // The database's own address is a closed loopback port: go reaches it only directly.
    let db = SumDb::new(&format!("127.0.0.1:{}", common::proxy::closed_port())).add(&m);
    let u = user(&a.url()).with_env("GOSUMDB", db.verifier_key());
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert!(!go.ok, "{run}");
    assert!(run.output().contains("verifying"), "{run}");
    assert_eq!((godoctor.ok, godoctor.served_by), (false, None), "{doc}");
    assert_eq!(doc.json()["sumdb"]["probe"]["fails"], true, "{doc}");
}

#[test]
fn supported_500_before_a_comma_stops_the_search_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let db = SumDb::new("sum.test").add(&m);
    let key = db.verifier_key();
    let a = GoProxy::start(vec![m.clone()]);
    a.set_behaviour_for("/sumdb/", Behaviour::Status(500));
    let b = proxy_with_db(&m, db);
    let u = user(&format!("{},{}", a.url(), b.url())).with_env("GOSUMDB", key);
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a, &b]);
    assert!(!go.ok, "{run}");
    assert_eq!((godoctor.ok, godoctor.served_by), (false, None), "{doc}");
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("500"), "{err}");
    assert!(
        b.paths().iter().all(|p| !p.contains("/sumdb/")),
        "{:?}",
        b.paths()
    );
}

// ==== walk: version queries and retractions, issue 11 (owner: walk) ====

/// A version of `example.com/ret` whose go.mod carries `retract` lines.
fn retracting(version: &str, retract: &str) -> Module {
    hello("example.com/ret", version)
        .with_go_mod(&format!("module example.com/ret\n\ngo 1.16\n\n{retract}\n"))
}

/// go's `@latest` skips the versions the latest version's own go.mod retracts, including the
/// latest version retracting itself; a prefix query skips them too. godoctor picks the same
/// version with the same requests (no version given means `@latest`), and says which
/// versions it passed over.
#[test]
fn latest_skips_retracted_versions_like_go() {
    // v1.3.0 retracts itself and v1.2.0 (a range): go takes v1.1.0.
    let a = GoProxy::start(vec![
        hello("example.com/ret", "v1.0.0"),
        hello("example.com/ret", "v1.1.0"),
        hello("example.com/ret", "v1.2.0"),
        retracting(
            "v1.3.0",
            "retract (\n\tv1.3.0 // published by mistake\n\t[v1.2.0, v1.2.9]\n)",
        ),
    ]);
    let u = user(&a.url());
    for spec in ["example.com/ret@latest", "example.com/ret@v1"] {
        let (godoctor, go, doc, run) = referee(&u, spec, &[&a]);
        assert_eq!(
            godoctor, go,
            "godoctor and go disagree on {spec}\n{doc}\n{run}"
        );
        assert!(go.ok, "{run}");
        assert_eq!(run.json()["Version"], "v1.1.0", "{run}");
        assert_eq!(doc.json()["version"], "v1.1.0", "{doc}");
        u.go(&["clean", "-modcache"]).assert_success();
    }
    let d = u.godoctor(&["route", "example.com/ret", "--probe", "--json"]);
    d.assert_code(0);
    assert_eq!(d.json()["version"], "v1.1.0", "{d}");
    let text = u.godoctor(&["route", "example.com/ret", "--probe"]);
    assert!(
        text.stdout.contains("retracted") && text.stdout.contains("v1.3.0"),
        "the walk should say which versions go skips\n{text}"
    );

    // Only the latest retracts itself: go takes the one before.
    let b = GoProxy::start(vec![
        hello("example.com/ret", "v1.0.0"),
        retracting("v1.1.0", "retract v1.1.0"),
    ]);
    let u = user(&b.url());
    let (godoctor, go, doc, run) = referee(&u, "example.com/ret@latest", &[&b]);
    assert_eq!(godoctor, go, "godoctor and go disagree\n{doc}\n{run}");
    assert_eq!(run.json()["Version"], "v1.0.0", "{run}");
    assert_eq!(doc.json()["version"], "v1.0.0", "{doc}");
    u.go(&["clean", "-modcache"]).assert_success();

    // Every version retracted: go finds no version for the query, and neither does godoctor.
    let c = GoProxy::start(vec![retracting("v1.0.0", "retract v1.0.0")]);
    let u = user(&c.url());
    let (godoctor, go, doc, run) = referee(&u, "example.com/ret@latest", &[&c]);
    assert_eq!(godoctor, go, "godoctor and go disagree\n{doc}\n{run}");
    assert!(!go.ok, "{run}");
    assert!(run.output().contains("no matching versions"), "{run}");
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("no matching versions"), "{err}\n{doc}");
}

/// `route --probe` tells the local port's story like check: nothing listening, the other
/// address family (with the URL that works, go as referee both ways), and the holder of a
/// port that accepts and never answers (go will hang there).
#[test]
fn route_probe_tells_what_holds_a_local_proxys_port() {
    let m = hello("example.com/hello", "v1.0.0");
    // Nothing listening.
    let dead = refused_url();
    let u = user(&dead);
    let doc = u.godoctor(&["route", &m.spec(), "--probe"]);
    doc.assert_code(1);
    let port = dead.rsplit(':').next().unwrap_or_default();
    assert!(
        doc.stdout
            .contains(&format!("nothing is listening on 127.0.0.1:{port}")),
        "{doc}"
    );
    u.go(&["mod", "download", "-json", &m.spec()])
        .assert_failure();

    // Listening on [::1] only, GOPROXY at 127.0.0.1: go fails, the [::1] URL works.
    let v6 = GoProxy::builder().module(m.clone()).ipv6().start();
    let v4_url = format!("http://127.0.0.1:{}", v6.port());
    let u = user(&v4_url);
    let doc = u.godoctor(&["route", &m.spec(), "--probe", "--json"]);
    doc.assert_code(1);
    let story = doc.json()["port"].clone();
    assert_eq!(story["other_family"], true, "{doc}");
    let hint = story["hint"].as_str().unwrap_or_default().to_string();
    let works = format!("http://[::1]:{}", v6.port());
    assert!(hint.contains(&works), "{hint}");
    u.go(&["mod", "download", "-json", &m.spec()])
        .assert_failure();
    user(&works)
        .go(&["mod", "download", "-json", &m.spec()])
        .assert_success();

    // A holder that accepts and never answers: go will hang; the holder (this test) is named.
    let silent = GoProxy::builder()
        .module(m.clone())
        .behaviour(Behaviour::SlowHeaders(Duration::from_secs(60)))
        .start();
    let u = user(&silent.url());
    let doc = u.godoctor(&["route", &m.spec(), "--probe", "--json", "--timeout", "1s"]);
    doc.assert_code(1);
    let j = doc.json();
    assert!(
        j["error"]
            .as_str()
            .unwrap_or_default()
            .contains("go will hang"),
        "{doc}"
    );
    let owners = j["port"]["owners"].as_array().cloned().unwrap_or_default();
    assert!(
        owners.iter().any(|o| o["pid"] == std::process::id()),
        "the holder is this test process: {doc}"
    );
    assert!(
        j["port"]["note"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("port {} is held by", silent.port())),
        "{doc}"
    );
}

// ==== net: go's HTTP client rules (redirects, TLS, GOAUTH), issue 11 (owner: net) ====

/// go and godoctor agree on success and on the requests each server saw.
#[track_caller]
fn agree_on_outcome_and_requests(u: &GoUser, m: &Module, proxies: &[&GoProxy], want_ok: bool) {
    let (godoctor, go, doc, run) = referee(u, &m.spec(), proxies);
    assert_eq!(go.ok, want_ok, "unexpected outcome of go itself\n{run}");
    assert_eq!(godoctor.ok, go.ok, "godoctor and go disagree\n{doc}\n{run}");
    assert_eq!(
        godoctor.requests, go.requests,
        "different requests\n{doc}\n{run}"
    );
}

#[test]
fn https_to_http_redirect_is_refused_only_when_the_chain_started_at_https() {
    let m = hello("example.com/hello", "v1.0.0");
    let plain = GoProxy::start(vec![m.clone()]);
    let secure = GoProxy::builder()
        .tls()
        .behaviour(Behaviour::RedirectTo(plain.url()))
        .start();
    let entry = GoProxy::builder()
        .behaviour(Behaviour::RedirectTo(secure.url()))
        .start();
    // http → https → http: go follows it to the end and downloads.
    let u = user(&entry.url()).with_env("SSL_CERT_FILE", secure.ca_file());
    agree_on_outcome_and_requests(&u, &m, &[&entry, &secure, &plain], true);
    assert!(
        plain.paths().iter().any(|p| p.ends_with(".zip")),
        "{:?}",
        plain.paths()
    );
    // https → http: go refuses the hop and never reaches the plain server.
    let u = user(&secure.url()).with_env("SSL_CERT_FILE", secure.ca_file());
    u.go(&["clean", "-modcache"]).assert_success();
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&secure, &plain]);
    assert!(!go.ok, "{run}");
    assert!(run.output().contains("insecure URL"), "{run}");
    assert_eq!(
        (godoctor.ok, &godoctor.requests),
        (false, &go.requests),
        "{doc}\n{run}"
    );
    assert!(plain.paths().is_empty(), "{:?}", plain.paths());
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("insecure URL"), "{err}\n{doc}");
}

#[test]
fn self_signed_ca_certificate_trusted_through_ssl_cert_file_works_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::builder()
        .module(m.clone())
        .tls_cert(TlsCert::SelfSignedCa)
        .start();
    // The certificate (CA:TRUE, self-signed) is the trust store: go accepts it as a chain of one.
    let u = user(&a.url()).with_env("SSL_CERT_FILE", a.ca_file());
    assert_agree(&u, &m.spec(), &[&a], true);
    // Another store (a different CA): both refuse the certificate, before any request.
    let other = GoProxy::start_tls(Vec::<Module>::new());
    let u = user(&a.url()).with_env("SSL_CERT_FILE", other.ca_file());
    u.go(&["clean", "-modcache"]).assert_success();
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert!(!go.ok, "{run}");
    assert!(run.output().contains("certificate"), "{run}");
    assert_eq!(godoctor, go, "{doc}\n{run}");
    assert!(a.requests().is_empty());
}

#[test]
fn a_ca_certificate_issued_by_a_trusted_root_serves_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::builder()
        .module(m.clone())
        .tls_cert(TlsCert::CaLeaf)
        .start();
    let u = user(&a.url()).with_env("SSL_CERT_FILE", a.ca_file());
    assert_agree(&u, &m.spec(), &[&a], true);
}

/// Run godoctor, then go, and return (godoctor ok, go ok, GET paths each saw, outputs). HEAD
/// requests are left out: after `git credential fill` go checks the credential with a HEAD
/// in the background (and tells git to approve or reject it), which godoctor never does.
fn auth_referee(
    u: &GoUser,
    m: &Module,
    a: &GoProxy,
) -> (bool, bool, Vec<String>, Vec<String>, Run, Run) {
    let gets = |p: &GoProxy| -> Vec<String> {
        p.requests()
            .into_iter()
            .filter(|r| r.method == "GET")
            .map(|r| r.path)
            .collect()
    };
    a.clear_log();
    let doc = u.godoctor(&["route", &m.spec(), "--probe", "--json", "--timeout", "10s"]);
    let doc_gets = gets(a);
    a.clear_log();
    u.go(&["clean", "-modcache"]).assert_success();
    a.clear_log();
    let run = u.go(&["mod", "download", "-json", &m.spec()]);
    let go_ok = run.success() && !run.stdout.contains("\"Error\"");
    let doc_ok = doc.json()["ok"].as_bool().unwrap_or(false);
    (doc_ok, go_ok, doc_gets, gets(a), doc, run)
}

/// A TLS proxy serving `m` only with `alice:s3cret`, and a user trusting it.
fn basic_auth_proxy(m: &Module) -> (GoProxy, GoUser) {
    let a = GoProxy::builder().module(m.clone()).tls().start();
    a.set_basic_auth(Some(("alice", "s3cret")));
    let u = user(&a.url())
        .with_env("SSL_CERT_FILE", a.ca_file())
        // Neither may ask a terminal when the helper has nothing.
        .with_env("GIT_TERMINAL_PROMPT", "0");
    (a, u)
}

#[test]
fn goauth_git_dir_sends_what_git_credential_fill_gives_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let (a, u) = basic_auth_proxy(&m);
    let store = u.root().join("git-credentials");
    std::fs::write(
        u.home().join(".gitconfig"),
        format!(
            "[credential]\n\thelper = store --file={}\n",
            store.display()
        ),
    )
    .expect("write .gitconfig");
    let dir = u.work_dir();
    let u = u.with_env("GOAUTH", format!("git {}", dir.display()));
    for (password, want_ok) in [("s3cret", true), ("wrong", false)] {
        std::fs::write(
            &store,
            format!("https://alice:{password}@127.0.0.1:{}\n", a.port()),
        )
        .expect("write credential store");
        let (doc_ok, go_ok, doc_gets, go_gets, doc, run) = auth_referee(&u, &m, &a);
        assert_eq!(go_ok, want_ok, "go itself, password {password}\n{run}");
        assert_eq!(doc_ok, go_ok, "password {password}\n{doc}\n{run}");
        assert_eq!(doc_gets, go_gets, "password {password}\n{doc}\n{run}");
        assert!(
            !doc.output().contains(password) && !doc.output().contains("YWxpY2U6"),
            "a secret was printed\n{doc}"
        );
    }
}

#[test]
fn goauth_command_sends_the_headers_it_prints_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let (a, mut u) = basic_auth_proxy(&m);
    for (credential, want_ok) in [("alice:s3cret", true), ("alice:wrong", false)] {
        let header = format!("Basic {}", common::sumdb::base64(credential.as_bytes()));
        // go's protocol: run once without arguments (nothing to say), then after a 4xx with the
        // URL as argument and the response head on stdin.
        let script = u.fake_program(
            &format!("goauth-{}", credential.len()),
            &format!(
                "#!/bin/sh\n\
                 [ $# -ge 1 ] || exit 0\n\
                 head -n 1 | grep -q '^HTTP/1.1 401' || exit 0\n\
                 printf 'https://127.0.0.1:{}\\n\\nAuthorization: {header}\\n\\n'\n",
                a.port()
            ),
        );
        u.set_env("GOAUTH", script.display().to_string());
        let (doc_ok, go_ok, doc_gets, go_gets, doc, run) = auth_referee(&u, &m, &a);
        assert_eq!(go_ok, want_ok, "go itself, {credential}\n{run}");
        assert_eq!(doc_ok, go_ok, "{credential}\n{doc}\n{run}");
        assert_eq!(doc_gets, go_gets, "{credential}\n{doc}\n{run}");
        assert!(
            !doc.output().contains(&header),
            "a secret was printed\n{doc}"
        );
        // proxy test and check walk go's GOPROXY with the same credentials.
        let test = u.godoctor(&[
            "proxy",
            "test",
            "--json",
            "--timeout",
            "10s",
            "--samples",
            "1",
            "--module",
            &m.spec(),
        ]);
        assert_eq!(
            test.json()[0]["ok"].as_bool(),
            Some(want_ok),
            "{credential}\n{test}"
        );
        let check = u.godoctor(&["check", "proxy", "--json", "--timeout", "10s"]);
        let reach = check.json()["checks"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["id"] == "proxy.reach").cloned())
            .unwrap_or_default();
        // Authenticated, it answers like a proxy (404 for check's canary); without, 401.
        let refused = reach["detail"].as_str().unwrap_or_default().contains("401");
        assert_eq!(refused, !want_ok, "{credential}\n{check}");
        assert!(!check.output().contains(&header) && !test.output().contains(&header));
    }
}

#[test]
fn an_https_404_is_sent_twice_like_go() {
    // go's web.Get hands every https 4xx to GOAUTH and sends the request once more, even with
    // nothing to add; after `,` it then falls through to the next proxy.
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::builder().tls().start();
    let b = GoProxy::builder().module(m.clone()).tls().start();
    let u = user(&format!("{},{}", a.url(), b.url())).with_env("SSL_CERT_FILE", a.ca_file());
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a, &b]);
    assert!(go.ok, "{run}");
    assert_eq!(godoctor, go, "{doc}\n{run}");
    let asked = go.requests[0]
        .iter()
        .filter(|p| p.ends_with(".info"))
        .count();
    assert_eq!(asked, 2, "{:?}", go.requests[0]);
}

#[test]
fn credentials_follow_a_redirect_only_to_the_same_host_name_like_go() {
    let m = hello("example.com/hello", "v1.0.0");
    let b = GoProxy::builder().module(m.clone()).tls().start();
    b.set_basic_auth(Some(("alice", "s3cret")));
    // .netrc has the first host's credentials only; b demands the same ones.
    for (target, want_ok) in [(b.url(), true), (b.localhost_url(), false)] {
        let a = GoProxy::builder()
            .tls()
            .behaviour(Behaviour::RedirectTo(target.clone()))
            .start();
        let u = user(&a.url()).with_env("SSL_CERT_FILE", a.ca_file());
        std::fs::write(
            u.home().join(".netrc"),
            format!(
                "machine 127.0.0.1:{} login alice password s3cret\n",
                a.port()
            ),
        )
        .expect("write .netrc");
        // 127.0.0.1:A → 127.0.0.1:B keeps Authorization (same host name, ports do not
        // count); → localhost:B drops it.
        let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a, &b]);
        assert_eq!(go.ok, want_ok, "go itself, {target}\n{run}");
        assert_eq!(
            (godoctor.ok, &godoctor.requests),
            (go.ok, &go.requests),
            "{target}\n{doc}\n{run}"
        );
    }
}

#[test]
fn goauth_git_dir_that_does_not_exist_stops_go_before_any_https_request() {
    let m = hello("example.com/hello", "v1.0.0");
    let a = GoProxy::builder().module(m.clone()).tls().start();
    let missing = "/nonexistent-godoctor-goauth-dir";
    let u = user(&a.url())
        .with_env("SSL_CERT_FILE", a.ca_file())
        .with_env("GOAUTH", format!("git {missing}"));
    let (godoctor, go, doc, run) = referee(&u, &m.spec(), &[&a]);
    assert!(!go.ok, "{run}");
    assert!(run.output().contains("cannot stat"), "{run}");
    assert_eq!(godoctor, go, "{doc}\n{run}");
    let err = doc.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("cannot stat"), "{err}\n{doc}");
    assert!(a.requests().is_empty(), "{:?}", a.paths());
}

// ==== the checksum database's log: godoctor's port against golang.org/x/mod/sumdb/tlog ====

/// Every vector comes from the real x/mod package (tests/sumdbserver -tlog): record and node
/// hashes, stored-hash indexes, tile paths, and for trees of 1 to 70000 records the tiles go's
/// client reads to check a record (in its order), the hash it gets, the record proof, and the
/// error when any one of those tiles has a byte flipped.
#[test]
fn tlog_port_matches_x_mod_sumdb_tlog() {
    use godoctor::fetch::tlog::{self, Tile, TileRead, Tree};
    let out = std::process::Command::new(common::gosumdb::server_binary())
        .arg("-tlog")
        .env_clear()
        .output()
        .expect("run sumdbserver -tlog");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("vectors");
    let hash = |s: &serde_json::Value| tlog::parse_hash(s.as_str().expect("hash")).expect("base64");
    let b64 = |s: &serde_json::Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(s.as_str().expect("tile"))
            .expect("base64")
    };
    for r in v["record_hash"].as_array().expect("record_hash") {
        let data = r[0].as_str().expect("data");
        assert_eq!(
            tlog::hash_string(&tlog::record_hash(data.as_bytes())),
            r[1],
            "{data:?}"
        );
    }
    for r in v["node_hash"].as_array().expect("node_hash") {
        assert_eq!(tlog::node_hash(&hash(&r[0]), &hash(&r[1])), hash(&r[2]));
    }
    for r in v["stored_hash_index"]
        .as_array()
        .expect("stored_hash_index")
    {
        let (l, n, x) = (
            r[0].as_i64().expect("l"),
            r[1].as_i64().expect("n"),
            r[2].as_i64(),
        );
        assert_eq!(Some(tlog::stored_hash_index(l as u32, n)), x, "({l}, {n})");
        assert_eq!(
            tlog::split_stored_hash_index(x.expect("x")),
            Ok((l as u32, n))
        );
    }
    for p in v["paths"].as_array().expect("paths") {
        let t = Tile {
            h: 8,
            l: p["l"].as_i64().expect("l") as i32,
            n: p["n"].as_i64().expect("n"),
            w: p["w"].as_u64().expect("w") as u32,
        };
        assert_eq!(t.path(), p["path"].as_str().expect("path"));
    }
    let tiles = v["tiles"].as_object().expect("tiles");
    let mut checked = 0;
    for t in v["trees"].as_array().expect("trees") {
        let tree = Tree {
            n: t["n"].as_i64().expect("n"),
            hash: hash(&t["hash"]),
        };
        for c in t["checks"].as_array().expect("checks") {
            let id = c["id"].as_i64().expect("id");
            let at = format!("tree {} record {id}", tree.n);
            let plan = TileRead::plan(tree, tlog::TILE_HEIGHT, &[tlog::stored_hash_index(0, id)])
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            let paths: Vec<String> = plan.tiles().iter().map(Tile::path).collect();
            assert_eq!(
                serde_json::json!(paths),
                c["tiles"],
                "{at}: the tiles go reads"
            );
            let data: Vec<Vec<u8>> = paths.iter().map(|p| b64(&tiles[p])).collect();
            assert_eq!(plan.verify(&data), Ok(vec![hash(&c["leaf"])]), "{at}");
            let record = c["record"].as_str().expect("record").as_bytes();
            let proof =
                tlog::check_record_in_tiles(tree, id, record, |_| Ok::<_, ()>(data.clone()))
                    .expect("read")
                    .unwrap_or_else(|e| panic!("{at}: {e}"))
                    .unwrap_or_else(|| panic!("{at}: no audit path from the tiles go reads"));
            let want: Vec<_> = c["proof"]
                .as_array()
                .expect("proof")
                .iter()
                .map(hash)
                .collect();
            assert_eq!(proof, want, "{at}: the record proof");
            for (k, go_err) in c["flip_errors"]
                .as_array()
                .expect("flips")
                .iter()
                .enumerate()
            {
                let mut bad = data.clone();
                let mid = bad[k].len() / 2;
                bad[k][mid] ^= 1;
                let got = plan
                    .verify(&bad)
                    .err()
                    .map_or("ok".to_string(), |e| e.to_string());
                assert_eq!(
                    got,
                    go_err.as_str().expect("err"),
                    "{at}: tile {} altered",
                    paths[k]
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} records checked");
}
