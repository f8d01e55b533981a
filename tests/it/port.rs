//! `godoctor port PORT` against real holders started here on loopback: Debian's nginx (master
//! and two workers), `python3 -m http.server`, a Node server answering JSON 404, raw TCP
//! listeners (silent, accept-and-close, ::1 only, shared by forked processes), a process of
//! another user, and the harness's module proxy as the positive control. `ss -ltnp` is the
//! referee for holders; the real go for every claim about what go does.

use crate::common;

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::GoUser;
use common::modules::Module;
use common::proxy::GoProxy;
use serde_json::Value;

const MODULE: &str = "example.com/hello@v1.0.0";

fn hello() -> Module {
    Module::new("example.com/hello", "v1.0.0")
}

/// A port free right now (the OS picks it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind")
        .port()
}

/// A process group started by this test; dropped = SIGTERM then SIGKILL to that group only.
struct Holder {
    child: Child,
    _dir: Option<tempfile::TempDir>,
}

impl Holder {
    fn start(mut cmd: Command, port: u16, dir: Option<tempfile::TempDir>) -> Holder {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let child = cmd.spawn().expect("start holder");
        let h = Holder { child, _dir: dir };
        let until = Instant::now() + Duration::from_secs(15);
        while ss_listeners(port).is_empty() {
            assert!(Instant::now() < until, "holder never listened on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        h
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        // The group is ours: its leader is the child we spawned (nginx workers, forked children).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        std::thread::sleep(Duration::from_millis(200));
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// `ss -ltnpH` for `port`: (local address, every pid), as the referee sees them.
fn ss_listeners(port: u16) -> Vec<(String, BTreeSet<u32>)> {
    let out = Command::new("ss")
        .args(["-ltnpH", &format!("sport = :{port}")])
        .output()
        .expect("ss");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let local = f.get(3)?.to_string();
            let pids = line
                .split("pid=")
                .skip(1)
                .filter_map(|p| p.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
                .collect();
            Some((local, pids))
        })
        .collect()
}

/// `python3 -m http.server PORT` on 127.0.0.1, serving an empty temp directory (a directory
/// listing at `/`, 404 elsewhere).
fn python_http_server(port: u16) -> Holder {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = Command::new("python3");
    c.args([
        "-m",
        "http.server",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
    ])
    .current_dir(dir.path());
    Holder::start(c, port, Some(dir))
}

fn python(script: &str, port: u16) -> Holder {
    let mut c = Command::new("python3");
    c.args(["-c", script, &port.to_string()]);
    Holder::start(c, port, None)
}

const SILENT: &str = "import socket,sys,time\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.1',int(sys.argv[1])));s.listen(64)\nkeep=[]\nwhile True:\n  c,_=s.accept();keep.append(c)";
const CLOSE: &str = "import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.1',int(sys.argv[1])));s.listen(64)\nwhile True:\n  c,_=s.accept();c.close()";
const V6_ONLY: &str = "import socket,sys,time\ns=socket.socket(socket.AF_INET6);s.bind(('::1',int(sys.argv[1])));s.listen(8)\nwhile True: time.sleep(1)";
const FORKED: &str = "import os,socket,sys,time\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.1',int(sys.argv[1])));s.listen(8)\nos.fork()\nwhile True: time.sleep(1)";

fn user() -> GoUser {
    GoUser::new().with_network_jail()
}

/// `godoctor --json port PORT [extra]`.
fn port_json(u: &GoUser, port: u16, extra: &[&str]) -> Value {
    let p = port.to_string();
    let mut args = vec!["--json", "port", &p];
    if !extra.contains(&"--module") {
        args.extend(["--module", MODULE]);
    }
    args.extend_from_slice(extra);
    u.godoctor(&args).assert_code(0).json()
}

/// Every pid godoctor lists for the listeners, with their addresses.
fn our_listeners(j: &Value) -> Vec<(String, BTreeSet<u32>)> {
    j["sockets"]
        .as_array()
        .expect("sockets")
        .iter()
        .filter(|s| s["state"] == "listen")
        .map(|s| {
            let addr = s["address"].as_str().unwrap_or_default();
            let local = if addr.contains(':') {
                format!("[{addr}]:{}", s["port"])
            } else {
                format!("{addr}:{}", s["port"])
            };
            let pids = s["holders"]
                .as_array()
                .expect("holders")
                .iter()
                .filter_map(|h| h["pid"].as_u64().map(|p| p as u32))
                .collect();
            (local, pids)
        })
        .collect()
}

fn assert_same_as_ss(j: &Value, port: u16) {
    let mut ours = our_listeners(j);
    let mut theirs = ss_listeners(port);
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "godoctor vs ss -ltnp:\n{j:#}");
}

/// A user whose GOPROXY is `first` then (after `sep`) the harness proxy serving MODULE: does go
/// download it? Run under `timeout` so a hang is an answer (exit 124), not a stuck test.
fn go_with(first: &str, sep: char, fallback: &GoProxy) -> (Option<i32>, String) {
    let mut u = user();
    u.set_env("GOPROXY", format!("{first}{sep}{}", fallback.url()));
    let go = common::require_go();
    let go = go.to_string_lossy().into_owned();
    let r = u.run(
        "timeout",
        &["8", &go, "mod", "download", "-json", MODULE],
        None,
    );
    (r.code(), r.output())
}

fn kind(j: &Value) -> &str {
    j["answer"]["kind"].as_str().unwrap_or_default()
}

fn summary(j: &Value) -> String {
    j["answer"]["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn nginx_bin() -> Option<PathBuf> {
    common::prerequisite(
        &["/usr/sbin/nginx", "/usr/bin/nginx"],
        "nginx-light",
        "a real web server holding a port (master + workers)",
    )
}

/// Debian's nginx as a non-daemon with its own config and temp prefix: master + 2 workers.
fn nginx(port: u16) -> Option<Holder> {
    let bin = nginx_bin()?;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("www")).expect("www");
    std::fs::create_dir_all(d.join("logs")).expect("logs");
    std::fs::write(
        d.join("www/index.html"),
        "<!DOCTYPE html><html><title>Welcome</title></html>\n",
    )
    .expect("index");
    let p = d.display();
    std::fs::write(
        d.join("nginx.conf"),
        format!(
            "daemon off;\nmaster_process on;\nworker_processes 2;\npid {p}/nginx.pid;\nerror_log {p}/logs/error.log;\n\
             events {{ worker_connections 64; }}\nhttp {{\n access_log off;\n client_body_temp_path {p}/b; proxy_temp_path {p}/p; fastcgi_temp_path {p}/f; uwsgi_temp_path {p}/u; scgi_temp_path {p}/s;\n\
             server {{ listen 127.0.0.1:{port}; root {p}/www; location /forbidden/ {{ return 403; }} }}\n}}\n"
        ),
    )
    .expect("conf");
    let mut c = Command::new(bin);
    c.arg("-p").arg(d).arg("-c").arg(d.join("nginx.conf"));
    let h = Holder::start(c, port, Some(dir));
    // Wait for both workers to share the socket, as ss shows them.
    let until = Instant::now() + Duration::from_secs(10);
    while ss_listeners(port).first().map_or(0, |(_, p)| p.len()) < 3 {
        assert!(Instant::now() < until, "nginx workers did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(h)
}

#[test]
fn nginx_master_and_workers_named_like_ss_and_not_a_proxy() {
    let port = free_port();
    let Some(_n) = nginx(port) else { return };
    let fallback = GoProxy::start(vec![hello()]);
    let u = user();
    let j = port_json(&u, port, &[]);
    assert_same_as_ss(&j, port);
    assert_eq!(our_listeners(&j)[0].1.len(), 3, "master + 2 workers");
    let users: BTreeSet<&str> = j["sockets"][0]["holders"]
        .as_array()
        .expect("holders")
        .iter()
        .filter_map(|h| h["user"].as_str())
        .collect();
    assert!(users.contains("root"), "{users:?}");
    assert_eq!(kind(&j), "not-go-proxy", "{j:#}");
    assert!(
        summary(&j).contains("nginx/") && summary(&j).contains("HTML page"),
        "{j:#}"
    );

    // What go does: 404 moves on after ',' (and '|'): the download comes from the fallback.
    assert_eq!(j["go"]["comma_moves_on"], true);
    let url = format!("http://127.0.0.1:{port}");
    let (code, out) = go_with(&url, ',', &fallback);
    assert_eq!(code, Some(0), "go should fall through nginx's 404:\n{out}");

    // nginx's 403 is not a credentials problem; go stops after ',' and moves on after '|'.
    let forbidden = format!("{url}/forbidden");
    let j = port_json(&u, port, &["--url", &forbidden]);
    assert_eq!(kind(&j), "not-go-proxy", "{j:#}");
    let text = j.to_string();
    assert!(
        !text.contains("credential") && !text.contains("netrc"),
        "{j:#}"
    );
    assert_eq!(j["go"]["comma_moves_on"], false);
    assert_eq!(j["go"]["pipe_moves_on"], true);
    let (code, out) = go_with(&forbidden, ',', &fallback);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("403 Forbidden"), "{out}");
    let (code, out) = go_with(&forbidden, '|', &fallback);
    assert_eq!(code, Some(0), "{out}");

    // https:// on nginx's plain-HTTP port: what go prints is what godoctor quotes.
    let https = format!("https://127.0.0.1:{port}");
    let j = port_json(&u, port, &["--url", &https]);
    let said = j["go"]["text"].as_str().unwrap_or_default().to_string();
    let (code, out) = go_with(&https, ',', &fallback);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("http: server gave HTTP response to HTTPS client"),
        "{out}"
    );
    assert!(
        said.contains("http: server gave HTTP response to HTTPS client"),
        "{said}"
    );

    // The text names every pid.
    let text = u
        .godoctor(&["port", &port.to_string()])
        .assert_code(0)
        .stdout
        .clone();
    for pid in &our_listeners(&j)[0].1 {
        assert!(text.contains(&pid.to_string()), "{text}");
    }
    assert!(text.contains("nginx (pids "), "{text}");
}

#[test]
fn python_http_server_and_node_json_404_are_not_proxies() {
    let port = free_port();
    let py = python_http_server(port);
    let u = user();
    let j = port_json(&u, port, &[]);
    assert_same_as_ss(&j, port);
    assert_eq!(our_listeners(&j)[0].1, BTreeSet::from([py.pid()]));
    assert_eq!(kind(&j), "not-go-proxy", "{j:#}");
    assert!(summary(&j).contains("SimpleHTTP"), "{j:#}");
    assert!(summary(&j).contains("directory listing"), "{j:#}");
    // The text offers to stop it or names a port that is free now (and it is).
    let text = u.godoctor(&["port", &port.to_string()]).stdout;
    let free: u16 = text
        .split("finds one now: ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no free port offered: {text}"));
    assert!(
        text.contains(&format!("godoctor port {port} --stop")),
        "{text}"
    );
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", free)).is_ok(),
        "port {free} offered as free is not: {text}"
    );

    let Some(node) = common::prerequisite(&["node"], "nodejs", "a Node server answering JSON 404s")
    else {
        return;
    };
    let port = free_port();
    let mut c = Command::new(node);
    c.args([
        "-e",
        "require('http').createServer((q,s)=>{s.writeHead(404,{'Content-Type':'application/json'});s.end(JSON.stringify({error:'not found',path:q.url}))}).listen(+process.argv[1],'127.0.0.1')",
        &port.to_string(),
    ]);
    let _node = Holder::start(c, port, None);
    let j = port_json(&u, port, &[]);
    assert_same_as_ss(&j, port);
    assert_eq!(kind(&j), "not-go-proxy", "{j:#}");
    assert!(summary(&j).contains("JSON"), "{j:#}");
    // JSON 404 is still "not found" to go: ',' moves on.
    let fallback = GoProxy::start(vec![hello()]);
    let (code, out) = go_with(&format!("http://127.0.0.1:{port}"), ',', &fallback);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(j["go"]["comma_moves_on"], true);
}

#[test]
fn silent_listener_makes_go_hang() {
    let port = free_port();
    let _h = python(SILENT, port);
    let u = user();
    let j = port_json(&u, port, &["--timeout", "1s"]);
    assert_same_as_ss(&j, port);
    assert_eq!(kind(&j), "cannot-tell");
    assert_eq!(j["go"]["hangs"], true, "{j:#}");
    assert!(
        j["go"]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("go will hang")
    );
    // Referee: even with '|' go does not move on; `timeout` ends it (exit 124).
    let fallback = GoProxy::start(vec![hello()]);
    let (code, out) = go_with(&format!("http://127.0.0.1:{port}"), '|', &fallback);
    assert_eq!(code, Some(124), "go should hang:\n{out}");
}

#[test]
fn accept_and_close_stops_comma_but_not_pipe() {
    let port = free_port();
    let _h = python(CLOSE, port);
    let u = user();
    let j = port_json(&u, port, &[]);
    assert_same_as_ss(&j, port);
    assert_eq!(kind(&j), "cannot-tell");
    assert_eq!(j["go"]["comma_moves_on"], false);
    assert_eq!(j["go"]["pipe_moves_on"], true);
    let said = j["go"]["text"].as_str().unwrap_or_default().to_string();
    let fallback = GoProxy::start(vec![hello()]);
    let url = format!("http://127.0.0.1:{port}");
    let (code, out) = go_with(&url, ',', &fallback);
    assert_eq!(code, Some(1), "{out}");
    // Which of these go prints depends on timing (the close can come before or after go writes
    // its request); godoctor must name the one go printed.
    let printed = [
        ": EOF",
        "connection reset by peer",
        "broken pipe",
        "server closed idle connection",
    ]
    .into_iter()
    .find(|m| out.contains(m))
    .unwrap_or_else(|| panic!("go printed something else:\n{out}"));
    assert!(
        said.contains(printed.trim_start_matches(": ")),
        "go said {out}\ngodoctor said {said}"
    );
    let (code, out) = go_with(&url, '|', &fallback);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn ipv6_only_listener_gives_the_url_that_works() {
    let port = free_port();
    let _h = python(V6_ONLY, port);
    let u = user();
    let url = format!("http://127.0.0.1:{port}");
    let j = port_json(&u, port, &["--url", &url, "--timeout", "1s"]);
    assert_same_as_ss(&j, port);
    assert_eq!(ss_listeners(port)[0].0, format!("[::1]:{port}"));
    let note = j["family"].as_str().unwrap_or_default();
    assert!(note.contains(&format!("http://[::1]:{port}")), "{j:#}");
    // go agrees: nothing at 127.0.0.1.
    let fallback = GoProxy::start(vec![hello()]);
    let (code, out) = go_with(&url, ',', &fallback);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("connection refused"), "{out}");
}

#[test]
fn forked_processes_sharing_a_socket_are_all_named() {
    let port = free_port();
    let _h = python(FORKED, port);
    let until = Instant::now() + Duration::from_secs(10);
    while ss_listeners(port).first().map_or(0, |(_, p)| p.len()) < 2 {
        assert!(Instant::now() < until, "fork did not happen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let j = port_json(&GoUser::new(), port, &["--timeout", "500ms"]);
    assert_same_as_ss(&j, port);
    assert_eq!(our_listeners(&j)[0].1.len(), 2);
}

#[test]
fn another_users_process_is_named_and_stopped_only_with_yes() {
    let port = free_port();
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        // Debian's python: the test user's own (pyenv under /root) is not readable by nobody.
        "/usr/bin/python3",
        "-c",
        SILENT,
        &port.to_string(),
    ]);
    let _h = Holder::start(c, port, None);
    let u = user();
    let j = port_json(&u, port, &["--timeout", "500ms"]);
    assert_same_as_ss(&j, port);
    assert_eq!(j["sockets"][0]["holders"][0]["user"], "nobody", "{j:#}");
    assert_eq!(j["sockets"][0]["user"], "nobody");
    // Never without a terminal unless --yes; never in --json.
    let p = port.to_string();
    u.godoctor(&["port", &p, "--stop"])
        .assert_code(2)
        .assert_stderr_contains("--yes");
    u.godoctor(&["--json", "port", &p, "--stop", "--yes"])
        .assert_code(2);
    assert!(!ss_listeners(port).is_empty());
    let am_root = std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:\t0\t")))
        .unwrap_or(false);
    let r = u.godoctor(&["port", &p, "--stop", "--yes"]);
    if am_root {
        r.assert_code(0).assert_stdout_contains("stopped");
        assert!(ss_listeners(port).is_empty(), "still listening");
    } else {
        r.assert_code(2).assert_stderr_contains("another user");
    }
}

/// A local proxy that cannot start because its port is taken: a real Go program's listen error
/// is explained as `port.in-use` with the holder named; the printed fix, applied (`port --stop`
/// of the holder this test started), lets the same program listen.
#[test]
fn a_program_that_cannot_listen_is_explained_with_the_holder_and_the_fix_works() {
    let port = free_port();
    let holder = python_http_server(port);
    let u = user().with_shared_build_cache();
    u.write_file("srv/go.mod", "module example.com/srv\n\ngo 1.21\n");
    u.write_file(
        "srv/main.go",
        "package main\n\nimport (\n\t\"log\"\n\t\"net\"\n\t\"os\"\n)\n\nfunc main() {\n\tl, err := net.Listen(\"tcp\", \"127.0.0.1:\"+os.Args[1])\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\tl.Close()\n\tlog.Print(\"listening\")\n}\n",
    );
    let dir = u.work_dir().join("srv");
    let srv = u.cwd(dir);
    let p = port.to_string();
    let failed = srv.go(&["run", ".", &p]);
    failed.assert_failure();
    assert!(
        failed.stderr.contains("bind: address already in use"),
        "{failed}"
    );
    let run = srv.godoctor_stdin(&["explain", "--json", "--offline"], &failed.stderr);
    run.assert_code(0);
    let d = &run.json()["diagnoses"][0];
    assert_eq!(d["id"], "port.in-use", "{run}");
    let cause = d["cause"].as_str().unwrap_or_default();
    assert!(
        cause.contains(&format!(
            "port {port} is held by python3 (pid {};",
            holder.pid()
        )),
        "{d:#}"
    );
    let fix = d["fix"].as_str().unwrap_or_default();
    let stop = format!("godoctor port {port} --stop");
    assert!(fix.contains(&stop), "{d:#}");
    // The fix, applied (--yes: no terminal here), frees the port and the program listens.
    srv.godoctor(&["port", &p, "--stop", "--yes"])
        .assert_code(0)
        .assert_stdout_contains("stopped");
    assert!(ss_listeners(port).is_empty(), "still held");
    let started = srv.go(&["run", ".", &p]);
    started.assert_success();
    assert!(started.stderr.contains("listening"), "{started}");
    // Explained again now that nothing holds the port: the holder has gone.
    let run = srv.godoctor_stdin(&["explain", "--json", "--offline"], &failed.stderr);
    let d = &run.json()["diagnoses"][0];
    assert!(
        d["cause"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("nothing holds port {port} now")),
        "{d:#}"
    );
    drop(holder);
}

#[test]
fn the_harness_module_proxy_is_recognised() {
    let proxy = GoProxy::start(vec![hello()]);
    let port = proxy.port();
    let j = port_json(&user(), port, &[]);
    assert_eq!(kind(&j), "go-proxy", "{j:#}");
    assert!(summary(&j).contains("example.com/hello"), "{j:#}");
    // The same without a module it serves: the plain-text not-found answers are the protocol's.
    let j = port_json(&user(), port, &["--module", "example.com/other@v1.0.0"]);
    assert_eq!(kind(&j), "go-proxy", "{j:#}");
    // And go does get the module there.
    let (code, out) = go_with(&proxy.url(), ',', &proxy);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn where_did_my_proxy_go() {
    let proxy = GoProxy::start(vec![hello()]);
    // The proxy "moved" to a neighbouring port: the configured one is just next to it.
    let port = (proxy.port().saturating_sub(20)..proxy.port())
        .rev()
        .find(|&p| {
            p > 1024
                && std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()
                && ss_listeners(p).is_empty()
        })
        .expect("a free neighbouring port");
    let j = port_json(&user(), port, &[]);
    assert_eq!(j["in_use"], false);
    let found: Vec<u64> = j["elsewhere"]
        .as_array()
        .expect("elsewhere")
        .iter()
        .filter_map(|f| f["port"].as_u64())
        .collect();
    assert!(found.contains(&u64::from(proxy.port())), "{j:#}");
    let text = user()
        .godoctor(&["port", &port.to_string(), "--module", MODULE])
        .assert_code(0)
        .stdout
        .clone();
    assert!(
        text.contains(&format!(
            "godoctor env set GOPROXY=http://127.0.0.1:{},direct",
            proxy.port()
        )),
        "{text}"
    );
}

#[test]
fn wait_until_free_and_until_held() {
    let port = free_port();
    let u = user();
    let p = port.to_string();
    // Nothing answers: --wait-held times out with exit 1.
    let r = u.godoctor(&["port", &p, "--wait-held", "--timeout", "600ms"]);
    r.assert_code(1);
    // A listener that goes away after a second: --wait returns 0.
    let h = python(SILENT, port);
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(800));
        drop(h);
    });
    let started = Instant::now();
    u.godoctor(&["port", &p, "--wait", "--timeout", "20s"])
        .assert_code(0)
        .assert_stdout_contains("is free");
    assert!(started.elapsed() >= Duration::from_millis(700));
    releaser.join().expect("releaser");
    // A server that starts late: --wait-held returns 0 once it answers.
    let dir = tempfile::tempdir().expect("tempdir");
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        let mut c = Command::new("python3");
        c.args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(dir.path());
        Holder::start(c, port, Some(dir))
    });
    u.godoctor(&["port", &p, "--wait-held", "--timeout", "20s"])
        .assert_code(0)
        .assert_stdout_contains("answers");
    drop(starter.join().expect("starter"));
}

// ---- The same facts where the port is diagnosed: `proxy test` and `check`. ----

/// `godoctor --json proxy test URL…` → the reports (GOSUMDB checks off).
fn proxy_test(u: &GoUser, urls: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "--json",
        "proxy",
        "test",
        "--module",
        MODULE,
        "--timeout",
        "2s",
    ];
    args.extend_from_slice(urls);
    let j = u.godoctor(&args).json();
    j.as_array()
        .expect("array")
        .iter()
        .filter(|r| r["kind"] == "proxy")
        .cloned()
        .collect()
}

#[test]
fn proxy_test_and_check_name_nginx_and_its_403_is_not_credentials() {
    let port = free_port();
    let Some(_n) = nginx(port) else { return };
    let pids = ss_listeners(port)[0].1.clone();
    let url = format!("http://127.0.0.1:{port}");
    let forbidden = format!("{url}/forbidden");
    let u = user();
    let reports = proxy_test(&u, &[&url, &forbidden]);
    let diag = reports[0]["diagnosis"].as_str().unwrap_or_default();
    assert_eq!(reports[0]["ok"], false, "{:#}", reports[0]);
    assert!(diag.contains("not a Go module proxy: nginx/"), "{diag}");
    for pid in &pids {
        assert!(diag.contains(&pid.to_string()), "pid {pid} missing: {diag}");
    }
    let text = reports[1].to_string();
    assert!(
        !text.contains("credential") && !text.contains("netrc"),
        "{text}"
    );

    // check: ports.local names the holder with every pid.
    let u = user().with_env("GOPROXY", format!("{url},off"));
    let run = u.godoctor(&["check", "--json", "--timeout", "3", "proxy", "ports"]);
    let j = run.json();
    let local: Vec<&Value> = j["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["id"] == "ports.local")
        .collect();
    assert!(
        local.iter().any(|c| c["status"] == "error"
            && c["title"]
                .as_str()
                .unwrap_or_default()
                .contains("nginx (pids ")),
        "{local:#?}"
    );
}

#[test]
fn proxy_test_says_go_hangs_on_a_silent_holder() {
    let port = free_port();
    let _h = python(SILENT, port);
    let fallback = GoProxy::start(vec![hello()]);
    let goproxy = format!("http://127.0.0.1:{port}|{}", fallback.url());
    let u = user().with_env("GOPROXY", &goproxy);
    let reports = proxy_test(&u, &[]);
    assert_eq!(reports[0]["hangs"], true, "{:#}", reports[0]);
    assert!(
        reports[0]["consequence"]
            .as_str()
            .unwrap_or_default()
            .contains("go will hang"),
        "{:#}",
        reports[0]
    );
    // The referee: go with this very GOPROXY hangs (killed by `timeout`).
    let (code, out) = go_with(&format!("http://127.0.0.1:{port}"), '|', &fallback);
    assert_eq!(code, Some(124), "{out}");
}

#[test]
fn proxy_test_gives_the_other_family_and_a_moved_proxy() {
    let port = free_port();
    let _h = python(V6_ONLY, port);
    let reports = proxy_test(&user(), &[&format!("http://127.0.0.1:{port}")]);
    let diag = reports[0]["diagnosis"].as_str().unwrap_or_default();
    assert!(diag.contains(&format!("http://[::1]:{port}")), "{diag}");

    // A proxy process named goproxy moved to a neighbouring port.
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("goproxy");
    std::fs::write(&script, format!("#!/usr/bin/python3\n{SILENT}\n")).expect("script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let moved = free_port();
    let mut c = Command::new(&script);
    c.arg(moved.to_string());
    let _p = Holder::start(c, moved, Some(dir));
    let configured = (moved.saturating_sub(20)..moved)
        .rev()
        .find(|&p| {
            p > 1024
                && std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()
                && ss_listeners(p).is_empty()
        })
        .expect("a free neighbouring port");
    let reports = proxy_test(&user(), &[&format!("http://127.0.0.1:{configured}")]);
    let hint = reports[0]["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains(&format!(
            "godoctor env set GOPROXY=http://127.0.0.1:{moved},direct"
        )) && hint.contains("goproxy (pid"),
        "{:#}",
        reports[0]
    );
}

/// `profile apply --check` meets the same story as `proxy test`: the profile's proxy port is
/// held by python's http.server, so the apply is refused, the holder is named by the pid this
/// test holds, and nothing is written.
#[test]
fn profile_apply_check_names_the_holder_and_writes_nothing() {
    let port = free_port();
    let py = python_http_server(port);
    let u = user().without_env("GOPROXY");
    local_proxy_profile(&u, port);
    let before = u.read_goenv();
    let run = u.godoctor(&["--json", "profile", "apply", "local", "--check", "--yes"]);
    run.assert_code(1);
    let j = run.json();
    assert_eq!(j["applied"], false, "{j:#}");
    let problems = j["check"]["problems"].to_string();
    assert!(
        problems.contains("not a Go module proxy")
            && problems.contains("SimpleHTTP")
            && problems.contains(&format!("python3 (pid {}", py.pid())),
        "{j:#}"
    );
    assert_eq!(u.read_goenv(), before, "a refused apply writes nothing");
}

/// `profile apply --check --timeout` bounds the check like every network command (3 × the
/// timeout at most): a silent holder of the new proxy's port is named, said to make go hang,
/// and nothing is written.
#[test]
fn profile_apply_check_is_bounded_by_its_timeout() {
    let port = free_port();
    let _silent = python(SILENT, port);
    let u = user().without_env("GOPROXY");
    local_proxy_profile(&u, port);
    let started = std::time::Instant::now();
    let run = u.godoctor(&[
        "--json",
        "profile",
        "apply",
        "local",
        "--check",
        "--yes",
        "--timeout",
        "1s",
    ]);
    let took = started.elapsed();
    run.assert_code(1);
    assert!(took < std::time::Duration::from_secs(4), "took {took:?}");
    let problems = run.json()["check"]["problems"].to_string();
    assert!(problems.contains("hang"), "{problems}");
    assert_eq!(u.read_goenv(), None, "a refused apply writes nothing");
}

/// The user profile `local` whose GOPROXY is a proxy on 127.0.0.1:`port`.
fn local_proxy_profile(user: &GoUser, port: u16) {
    common::profiles::with_set(
        user,
        "local",
        "a local proxy",
        &[("GOPROXY", &format!("http://127.0.0.1:{port},direct"))],
    );
}
