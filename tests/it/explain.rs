//! `godoctor explain`: each catalogue entry's error is produced by the real go against loopback
//! servers, go's actual output is piped into `godoctor explain --json`, the diagnosis is
//! asserted, and where a fix exists it is applied in the isolated user and go is shown to
//! succeed. Errors that name public hosts cannot be produced here; those tests run on recorded
//! text with `--offline` and say so.

use crate::common;

use common::modules::Module;
use common::proxy::{Behaviour, ForwardProxy, GoProxy, TlsCert, refused_url};
use common::sumdb::SumDb;
use common::{GoUser, Run};
use serde_json::Value;

fn hello(path: &str, version: &str) -> Module {
    Module::new(path, version).file(
        "hello.go",
        "package hello\n\n// Hello greets.\nfunc Hello() string { return \"hello\" }\n",
    )
}

/// A user whose settings live in the go env file (so `godoctor env set` can change them), with
/// no way off the machine.
fn user(goenv: &str) -> GoUser {
    let u = GoUser::new()
        .without_env("GOPROXY")
        .without_env("GOSUMDB")
        .with_env("GOFLAGS", "-modcacherw")
        .with_network_jail()
        .with_shared_build_cache();
    u.write_goenv(goenv);
    u
}

/// go's whole output (stderr first, as a terminal would mostly show it).
fn go_output(run: &Run) -> String {
    format!("{}{}", run.stderr, run.stdout)
}

/// Pipe `text` into `godoctor explain --json` and return the JSON (exit 0 or 1 asserted).
fn explain(user: &GoUser, text: &str, extra: &[&str]) -> (Value, Run) {
    let mut args = vec!["explain", "--json", "--timeout", "3s"];
    args.extend_from_slice(extra);
    let run = user.godoctor_stdin(&args, text);
    assert!(
        matches!(run.code(), Some(0 | 1)),
        "explain could not run\n{run}"
    );
    (run.json(), run)
}

/// The diagnosis with catalogue id `id` (panics with the whole answer otherwise); it must be the
/// only one, and nothing may be left unexplained.
fn only(json: &Value, id: &str) -> Value {
    let ds = json["diagnoses"].as_array().expect("diagnoses array");
    assert_eq!(ds.len(), 1, "expected one diagnosis {id}: {json:#}");
    assert_eq!(ds[0]["id"], id, "{json:#}");
    assert_eq!(json["unexplained"], serde_json::json!([]), "{json:#}");
    for key in ["error", "cause", "fix", "checks", "module"] {
        assert!(ds[0].get(key).is_some(), "missing {key}: {json:#}");
    }
    ds[0].clone()
}

/// Fail go, explain its output, and return the single diagnosis (asserting its id).
fn diagnose(user: &GoUser, go_args: &[&str], id: &str) -> Value {
    let run = user.go(go_args);
    run.assert_failure();
    let (json, explain_run) = explain(user, &go_output(&run), &[]);
    explain_run.assert_code(0);
    only(&json, id)
}

/// A string field of a diagnosis (panics with the diagnosis when it is not a string).
fn field<'a>(d: &'a Value, key: &str) -> &'a str {
    d[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string: {d:#}"))
}

/// Assert that a diagnosis's `key` contains `needle`.
fn assert_has(d: &Value, key: &str, needle: &str) {
    assert!(
        field(d, key).contains(needle),
        "{key} lacks {needle:?}: {d:#}"
    );
}

/// Split a shell command line (single quotes only, as godoctor prints them).
fn shell_split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => word.push(c),
        }
    }
    if any || !word.is_empty() {
        words.push(word);
    }
    words
}

/// Run the `godoctor env …` command of a fix in the user (the fix must hold exactly one).
fn apply_godoctor_fix(user: &GoUser, fix: &str) {
    let at = fix
        .find("godoctor env ")
        .unwrap_or_else(|| panic!("no godoctor command in fix {fix:?}"));
    let words = shell_split(&fix[at..]);
    // The command ends where the prose starts again (a word in parentheses, a comma).
    let args: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .take_while(|w| !w.starts_with('(') && *w != "or")
        .map(|w| w.trim_end_matches(','))
        .collect();
    user.godoctor(&args).assert_success();
}

#[test]
fn invalid_goproxy_entry_is_dropped_and_go_then_downloads() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    let user = user(&format!(
        "GOPROXY=ftp://mirror.invalid,{}\nGOSUMDB=off\n",
        proxy.url()
    ));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "goproxy.invalid");
    assert_has(&d, "cause", "ftp://mirror.invalid");
    assert_eq!(
        d["fix"],
        format!("godoctor env set GOPROXY={}", proxy.url())
    );
    assert_eq!(d["module"], "example.com/hello");
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "download", &m.spec()]).assert_success();

    let user = self::user("GOPROXY=,\nGOSUMDB=off\n");
    let d = diagnose(&user, &["mod", "download", &m.spec()], "goproxy.invalid");
    assert_has(&d, "cause", "contains no entries");
}

#[test]
fn goproxy_off_names_the_setting_and_where_it_is_set() {
    let m = hello("example.com/hello", "v1.0.0");
    let user = user("GOPROXY=off\nGOSUMDB=off\n");
    let d = diagnose(&user, &["mod", "download", &m.spec()], "goproxy.off");
    assert_has(&d, "cause", "from the go env file");
    assert!(
        field(&d, "fix").starts_with("godoctor env unset GOPROXY"),
        "{d:#}"
    );
    // Applied, go's default comes back. (go then asks the public proxy, which a test may not
    // reach, so success is shown only by the setting.)
    apply_godoctor_fix(&user, field(&d, "fix"));
    assert_eq!(user.go_env("GOPROXY"), "https://proxy.golang.org,direct");

    // Set in the OS environment, the fix is for the shell: go env -w cannot override it.
    let env_user = GoUser::new().with_network_jail();
    let d = diagnose(&env_user, &["mod", "download", &m.spec()], "goproxy.off");
    assert!(
        field(&d, "fix").contains("`go env -w` cannot override it"),
        "{d:#}"
    );
    // Exported by ~/.bashrc: the fix is the doctor's edit of that line.
    std::fs::write(env_user.home().join(".bashrc"), "export GOPROXY=off\n").expect("write .bashrc");
    let d = diagnose(&env_user, &["mod", "download", &m.spec()], "goproxy.off");
    assert_has(&d, "fix", "in ~/.bashrc:1 delete `export GOPROXY=off`");
}

#[test]
fn error_status_after_a_comma_is_fixed_with_a_pipe() {
    let m = hello("example.com/hello", "v1.0.0");
    let broken = GoProxy::start(vec![]);
    broken.set_behaviour(Behaviour::Status(500));
    let good = GoProxy::start(vec![m.clone()]);
    let user = user(&format!(
        "GOPROXY={},{}\nGOSUMDB=off\n",
        broken.url(),
        good.url()
    ));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "proxy.error-status");
    let cause = field(&d, "cause");
    assert!(
        cause.contains("answered 500") && cause.contains("','"),
        "{d:#}"
    );
    assert!(cause.contains("Checked just now: it answers 500"), "{d:#}");
    let checks = d["checks"].as_array().expect("an array");
    assert!(
        checks.contains(&Value::from("proxy.reach"))
            && checks.contains(&Value::from("private.patterns")),
        "{d:#}"
    );
    assert_eq!(
        d["fix"],
        format!("godoctor env set 'GOPROXY={}|{}'", broken.url(), good.url())
    );
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "download", &m.spec()]).assert_success();
}

/// go's message names a proxy that today's GOPROXY does not hold (it came from CI, another shell,
/// or before a change): explain says so instead of reasoning about today's list ("the last
/// entry of GOPROXY=off" was printed before).
#[test]
fn a_proxy_that_is_not_in_goproxy_here_is_named_as_other_settings() {
    let empty = GoProxy::builder().not_found_status(404).start();
    let broken = GoProxy::start(vec![]);
    broken.set_behaviour(Behaviour::Status(500));
    let dead = refused_url();
    let mut user = user("GOPROXY=off\nGOSUMDB=off\n");
    let spec = "example.com/nothere@v1.0.0";
    for (url, id, said) in [
        (empty.url(), "proxy.not-found", "404"),
        (broken.url(), "proxy.error-status", "500"),
        (dead, "net.refused", "connection refused"),
    ] {
        // go, run with the other settings, fails at that proxy.
        user.set_env("GOPROXY", &url);
        let elsewhere = user.go(&["mod", "download", spec]);
        user.unset_env("GOPROXY");
        elsewhere.assert_failure();
        let text = go_output(&elsewhere);
        assert!(text.contains(&url) && text.contains(said), "{text}");
        let (json, run) = explain(&user, &text, &[]);
        run.assert_code(0);
        let d = only(&json, id);
        let cause = field(&d, "cause");
        assert!(
            cause.contains("is not in GOPROXY=off here")
                && !cause.contains("last entry")
                && !cause.contains("in GOPROXY=off."),
            "{d:#}"
        );
        // The proxy is named with its port (a loopback host alone says nothing).
        let host_port = url.trim_start_matches("http://");
        assert!(cause.contains(host_port), "{d:#}");
    }
}

#[test]
fn not_found_on_every_proxy_and_private_modules() {
    let empty = GoProxy::builder().not_found_status(410).start();
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", empty.url()));
    let d = diagnose(
        &user,
        &["mod", "download", "example.com/nothere@v1.0.0"],
        "proxy.not-found",
    );
    assert_has(&d, "cause", "410");
    assert_eq!(
        d["fix"],
        "check the module path and version: go list -m -versions example.com/nothere"
    );

    // A private-looking path asked of a proxy: GOPRIVATE. Applied, go stops asking the proxy
    // (it goes to the repository directly, which a loopback test cannot serve).
    let d = diagnose(
        &user,
        &["mod", "download", "git.corp.example/lib@v1.0.0"],
        "proxy.private-module",
    );
    assert_eq!(d["fix"], "godoctor env set GOPRIVATE=git.corp.example");
    apply_godoctor_fix(&user, field(&d, "fix"));
    empty.clear_log();
    user.go(&["mod", "download", "git.corp.example/lib@v1.0.0"])
        .assert_failure();
    assert!(
        empty.paths().is_empty(),
        "go still asked the proxy: {:?}",
        empty.paths()
    );
}

#[test]
fn refused_proxy_is_removed_from_the_list() {
    let m = hello("example.com/hello", "v1.0.0");
    let dead = refused_url();
    let good = GoProxy::start(vec![m.clone()]);
    let user = user(&format!("GOPROXY={dead},{}\nGOSUMDB=off\n", good.url()));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "net.refused");
    let cause = field(&d, "cause");
    assert!(cause.contains("nothing accepts connections"), "{d:#}");
    assert!(cause.contains("Checked just now"), "{d:#}");
    assert!(
        field(&d, "fix").ends_with(&format!("godoctor env set GOPROXY={}", good.url())),
        "{d:#}"
    );
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "download", &m.spec()]).assert_success();
}

#[test]
fn unknown_certificate_authority_is_fixed_with_ssl_cert_file() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start_tls(vec![m.clone()]);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    let d = diagnose(
        &user,
        &["mod", "download", &m.spec()],
        "tls.unknown-authority",
    );
    assert_has(&d, "cause", "system trust store");
    assert!(
        field(&d, "fix").starts_with("export SSL_CERT_FILE="),
        "{d:#}"
    );
    let fixed = user.with_env("SSL_CERT_FILE", proxy.ca_file());
    fixed.go(&["mod", "download", &m.spec()]).assert_success();

    for (kind, id) in [
        (TlsCert::WrongHost, "tls.wrong-host"),
        (TlsCert::Expired, "tls.expired"),
    ] {
        let proxy = GoProxy::builder().module(m.clone()).tls_cert(kind).start();
        let user = self::user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()))
            .with_env("SSL_CERT_FILE", proxy.ca_file());
        diagnose(&user, &["mod", "download", &m.spec()], id);
    }
}

/// A plain-HTTP front for a loopback proxy that answers a TLS handshake the way nginx and most
/// http-only servers do (`400 Bad Request`, in plain HTTP), and relays plain HTTP to the proxy.
/// (The harness proxy waits for a request line instead, so go only sees a handshake timeout.)
struct PlainFront {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl PlainFront {
    fn start(backend: std::net::SocketAddr) -> PlainFront {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let accept = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                let Ok((mut client, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    continue;
                };
                std::thread::spawn(move || {
                    let _ = client.set_nonblocking(false);
                    let _ = client.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                    let mut first = [0u8; 4096];
                    let Ok(n) = client.read(&mut first) else {
                        return;
                    };
                    if n > 0 && first[0] == 0x16 {
                        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    }
                    let Ok(mut server) = std::net::TcpStream::connect(backend) else {
                        return;
                    };
                    let _ = server.write_all(&first[..n]);
                    let (mut c2, mut s2) = match (client.try_clone(), server.try_clone()) {
                        (Ok(c), Ok(s)) => (c, s),
                        _ => return,
                    };
                    let up = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut c2, &mut s2);
                    });
                    let _ = std::io::copy(&mut server, &mut client);
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    let _ = up.join();
                });
            }
        });
        PlainFront {
            port,
            stop,
            accept: Some(accept),
        }
    }
}

impl Drop for PlainFront {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

#[test]
fn https_to_a_plain_http_proxy_is_fixed_with_http() {
    let m = hello("example.com/hello", "v1.0.0");
    let backend = GoProxy::start(vec![m.clone()]);
    let front = PlainFront::start(backend.addr());
    let https = format!("https://127.0.0.1:{}", front.port);
    let user = user(&format!("GOPROXY={https}\nGOSUMDB=off\n"));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "tls.plain-http");
    assert_has(&d, "error", "server gave HTTP response to HTTPS client");
    assert_eq!(
        d["fix"],
        format!("godoctor env set GOPROXY=http://127.0.0.1:{}", front.port)
    );
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "download", &m.spec()]).assert_success();
}

#[test]
fn captive_portal_html_instead_of_a_zip() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    proxy.set_behaviour_for(".zip", Behaviour::CaptivePortal);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "proxy.not-zip");
    assert_has(&d, "cause", "HTML page");
    // Once the portal lets the machine through, the same command works: nothing bad was cached.
    proxy.clear_rules();
    user.go(&["mod", "download", &m.spec()]).assert_success();
}

#[test]
fn private_module_unknown_to_the_checksum_database_gets_gonosumdb() {
    let m = hello("git.corp.example/lib", "v1.0.0");
    let db = SumDb::new("sum.test");
    let key = db.verifier_key();
    let proxy = GoProxy::builder().module(m.clone()).checksum_db(db).start();
    let user = user(&format!("GOPROXY={}\nGOSUMDB={key}\n", proxy.url()));
    let d = diagnose(
        &user,
        &["mod", "download", &m.spec()],
        "sumdb.private-module",
    );
    assert_has(&d, "cause", "matches no GOPRIVATE or GONOSUMDB pattern");
    assert_eq!(d["fix"], "godoctor env set GONOSUMDB=git.corp.example");
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "download", &m.spec()]).assert_success();
}

#[test]
fn checksum_database_unreachable_or_with_the_wrong_key() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    let db = SumDb::new("sum.test").add(&m);
    let user = user(&format!(
        "GOPROXY={}\nGOSUMDB={}\n",
        proxy.url(),
        db.gosumdb(&refused_url())
    ));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "sumdb.unreachable");
    assert_has(&d, "cause", "checksum database");

    let served = GoProxy::builder()
        .module(m.clone())
        .checksum_db(SumDb::new("sum.test").add(&m))
        .start();
    let impostor = SumDb::new("sum.test");
    let user = self::user(&format!(
        "GOPROXY={}\nGOSUMDB={}\n",
        served.url(),
        impostor.verifier_key()
    ));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "sumdb.key");
    assert_has(&d, "cause", "no verifiable signatures");

    // A key that is not a key at all.
    let user = self::user(&format!(
        "GOPROXY={}\nGOSUMDB=sum.test+zz+notakey\n",
        served.url()
    ));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "sumdb.key");
    assert_has(&d, "cause", "malformed verifier id");
}

// Recorded: DNS failures and timeouts need names and hosts off this machine.
#[test]
fn recorded_dns_and_timeout_errors() {
    let user = user("GOPROXY=https://goproxy.corp.example,direct\nGOSUMDB=off\n");
    let text = "go: example.com/hello@v1.0.0: Get \"https://goproxy.corp.example/example.com/hello/@v/v1.0.0.info\": dial tcp: lookup goproxy.corp.example on 10.0.0.53:53: no such host\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "net.dns");
    assert_has(&d, "cause", "the proxy https://goproxy.corp.example");
    assert_eq!(
        d["fix"],
        "check the name goproxy.corp.example in GOPROXY and your DNS/VPN, or remove it: godoctor env set GOPROXY=direct"
    );

    // A remote proxy that times out: a mirror is offered; a loopback one is only to be started.
    let text = "go: example.com/hello@v1.0.0: Get \"https://goproxy.corp.example/example.com/hello/@v/v1.0.0.info\": dial tcp 10.1.2.3:443: i/o timeout\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "net.timeout");
    assert_has(
        &d,
        "fix",
        "`godoctor proxy rank` finds a mirror that answers",
    );
    user.write_goenv("GOPROXY=http://127.0.0.1:3000,direct\nGOSUMDB=off\n");
    let text = "go: example.com/hello@v1.0.0: Get \"http://127.0.0.1:3000/example.com/hello/@v/v1.0.0.info\": read tcp 127.0.0.1:4711->127.0.0.1:3000: read: connection reset by peer\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "net.reset");
    assert!(!field(&d, "fix").contains("proxy rank"), "{d:#}");
    assert!(
        field(&d, "fix")
            .starts_with("see what holds the port and what it answers: godoctor port 3000,"),
        "{d:#}"
    );
    user.write_goenv("GOPROXY=https://goproxy.corp.example,direct\nGOSUMDB=off\n");

    let text = "go: golang.org/x/text@v0.14.0: unrecognized import path \"golang.org/x/text\": https fetch: Get \"https://golang.org/x/text?go-get=1\": dial tcp 142.250.0.1:443: i/o timeout\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "net.timeout");
    assert_has(&d, "cause", "directly from its host");
}

#[test]
fn checksum_mismatches_are_explained_without_turning_verification_off() {
    let m = hello("example.com/hello", "v1.0.0");
    let db = SumDb::new("sum.test").with_wrong_hash_for(&m);
    let key = db.verifier_key();
    let proxy = GoProxy::builder().module(m.clone()).checksum_db(db).start();
    let user = user(&format!("GOPROXY={}\nGOSUMDB={key}\n", proxy.url()));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "sumdb.mismatch");
    let fix = field(&d, "fix");
    assert!(
        fix.contains("example.com/hello@v1.0.0") && !fix.contains("GOSUMDB=off"),
        "{d:#}"
    );
    assert_has(&d, "error", "SECURITY ERROR");

    // go.sum disagrees with the download.
    let proxy = GoProxy::start(vec![m.clone()]);
    let user = self::user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    user.write_file(
        "go.mod",
        "module example.com/app\n\ngo 1.21\n\nrequire example.com/hello v1.0.0\n",
    );
    user.write_file(
        "go.sum",
        "example.com/hello v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    );
    let d = diagnose(&user, &["mod", "download"], "sumdb.mismatch");
    assert_has(&d, "cause", "go.sum");
}

#[test]
fn missing_go_sum_entry_uses_gos_own_command() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    user.write_file(
        "go.mod",
        "module example.com/app\n\ngo 1.21\n\nrequire example.com/hello v1.0.0\n",
    );
    user.write_file(
        "main.go",
        "package main\n\nimport \"example.com/hello\"\n\nfunc main() { _ = hello.Hello() }\n",
    );
    let d = diagnose(&user, &["build", "./..."], "gosum.missing");
    let fix = field(&d, "fix");
    assert!(fix.starts_with("go "), "{d:#}");
    let args: Vec<&str> = fix.split_whitespace().skip(1).collect();
    user.go(&args).assert_success();
    user.go(&["build", "./..."]).assert_success();
}

/// A go.mod a build must not edit (a requirement listed twice): go stops with "updates to
/// go.mod needed" and its command; explain gives that command, which run lets the build pass.
#[test]
fn go_mod_updates_needed_uses_gos_own_command() {
    let old = hello("example.com/hello", "v1.0.0");
    let new = hello("example.com/hello", "v1.1.0");
    let proxy = GoProxy::start(vec![old, new]);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    user.write_file(
        "go.mod",
        "module example.com/app\n\ngo 1.21\n\nrequire example.com/hello v1.1.0\n",
    );
    user.write_file(
        "main.go",
        "package main\n\nimport \"example.com/hello\"\n\nfunc main() { _ = hello.Hello() }\n",
    );
    // go.sum complete, then a second, older requirement of the same module.
    user.go(&["mod", "tidy"]).assert_success();
    user.write_file(
        "go.mod",
        "module example.com/app\n\ngo 1.21\n\nrequire example.com/hello v1.1.0\n\nrequire example.com/hello v1.0.0\n",
    );
    let d = diagnose(&user, &["build", "./..."], "gomod.updates");
    assert_eq!(field(&d, "fix"), "go mod tidy", "{d:#}");
    user.go(&["mod", "tidy"]).assert_success();
    user.go(&["build", "./..."]).assert_success();
}

/// A package of one's own module imported without the module path: go looks for it in the
/// standard library. explain names the import to write, and with it the build passes; an
/// import that is nobody's gets the general cause.
#[test]
fn a_package_not_in_std_that_is_a_directory_of_the_module_gets_its_full_path() {
    let user = user("GOPROXY=off\nGOSUMDB=off\n");
    user.write_file("go.mod", "module example.com/app\n\ngo 1.21\n");
    user.write_file(
        "util/util.go",
        "package util\n\nfunc Hi() string { return \"hi\" }\n",
    );
    let main = "package main\n\nimport \"util\"\n\nfunc main() { _ = util.Hi() }\n";
    user.write_file("main.go", main);
    let d = diagnose(&user, &["build", "./..."], "gomod.not-in-std");
    assert_eq!(
        field(&d, "fix"),
        "import \"example.com/app/util\" instead of \"util\"",
        "{d:#}"
    );
    user.write_file(
        "main.go",
        main.replace("\"util\"", "\"example.com/app/util\""),
    );
    user.go(&["build", "./..."]).assert_success();

    user.write_file(
        "main.go",
        "package main\n\nimport _ \"slicez\"\n\nfunc main() {}\n",
    );
    let d = diagnose(&user, &["build", "./..."], "gomod.not-in-std");
    assert_has(&d, "cause", "slicez is not in the standard library of go1.");
}

#[test]
fn module_path_mismatch_and_major_versions() {
    let renamed = hello("example.com/old", "v1.0.0").with_go_mod("module example.com/new\n");
    let v2 = hello("example.com/hello/v2", "v2.0.0").with_go_mod("module example.com/hello/v2\n");
    // A v2 tag of a module whose path lacks /v2.
    let bad_v2 = hello("example.com/hello", "v2.0.0");
    let proxy = GoProxy::start(vec![renamed.clone(), v2.clone(), bad_v2]);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    user.write_file("go.mod", "module example.com/app\n\ngo 1.21\n");
    let d = diagnose(&user, &["get", &renamed.spec()], "module.path-mismatch");
    assert_has(&d, "fix", "example.com/new@v1.0.0");

    let d = diagnose(
        &user,
        &["get", "example.com/hello@v2.0.0"],
        "module.major-version",
    );
    assert_eq!(
        d["fix"],
        "go get example.com/hello/v2@v2.0.0 (and import example.com/hello/v2/…)"
    );
    user.go(&["get", "example.com/hello/v2@v2.0.0"])
        .assert_success();
}

#[test]
fn settings_errors_go111module_goflags_vendor() {
    let user = user("GOPROXY=off\nGOSUMDB=off\nGO111MODULE=off\n").without_env("GOFLAGS");
    user.write_file("go.mod", "module example.com/app\n\ngo 1.21\n");
    let d = diagnose(&user, &["mod", "tidy"], "settings.go111module-off");
    assert_eq!(d["fix"], "godoctor env unset GO111MODULE");
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "tidy"]).assert_success();

    user.write_goenv("GOPROXY=off\nGOSUMDB=off\nGOFLAGS=-modcacherw -bogus\n");
    let d = diagnose(&user, &["mod", "tidy"], "settings.goflags");
    assert_eq!(d["fix"], "godoctor env set GOFLAGS=-modcacherw");
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "tidy"]).assert_success();

    user.write_goenv("GOPROXY=off\nGOSUMDB=off\nGOFLAGS=-mod=vendor\n");
    user.write_file(
        "main.go",
        "package main\n\nimport _ \"example.com/hello\"\n\nfunc main() {}\n",
    );
    let d = diagnose(&user, &["build", "./..."], "settings.goflags-vendor");
    assert_has(&d, "fix", "godoctor env unset GOFLAGS");
}

#[test]
fn go_env_file_errors() {
    let user = user("GOPROXY=off\n");
    // GOENV naming a directory: go cannot read its env file.
    let dir = user.root().join("envdir");
    std::fs::create_dir_all(&dir).expect("test setup");
    let user = user.with_env("GOENV", &dir);
    let run = user.go(&["env", "-w", "GOPRIVATE=x.example"]);
    run.assert_failure();
    let (json, _) = explain(&user, &go_output(&run), &[]);
    let d = only(&json, "settings.envfile");
    assert_has(&d, "cause", "go env config");
}

#[test]
fn toolchain_errors() {
    let user = user("GOPROXY=off\nGOSUMDB=off\n");
    user.write_file("go.mod", "module example.com/app\n\ngo 1.999\n");
    let d = diagnose(&user, &["build", "./..."], "toolchain.too-old");
    let fix = field(&d, "fix");
    // GOTOOLCHAIN=local comes from the test's environment: the fix is for the shell.
    assert!(
        fix.contains("GOTOOLCHAIN=auto") && fix.contains("cannot override it"),
        "{d:#}"
    );
    assert!(
        d["checks"]
            .as_array()
            .expect("test setup")
            .contains(&Value::from("toolchain.switch")),
        "{d:#}"
    );

    let user = user.with_env("GOTOOLCHAIN", "go1.999.1");
    let d = diagnose(&user, &["version"], "toolchain.unavailable");
    assert!(field(&d, "cause").starts_with("GOPROXY=off"), "{d:#}");
}

#[test]
fn proxyconnect_names_the_http_proxy_variable() {
    let m = hello("example.com/hello", "v1.0.0");
    let mirror = GoProxy::builder()
        .module(m.clone())
        .tls()
        .tls_names(&["goproxy.test"])
        .start();
    let user = user("GOPROXY=https://goproxy.test\nGOSUMDB=off\n")
        .with_env("SSL_CERT_FILE", mirror.ca_file());
    let d = diagnose(&user, &["mod", "download", &m.spec()], "net.proxyconnect");
    assert_has(&d, "cause", "HTTPS_PROXY=http://127.0.0.1:");
    // Corrected (pointing at a proxy that works), go succeeds.
    let fwd = ForwardProxy::start();
    fwd.route("goproxy.test", mirror.addr());
    let fixed = user.with_env("HTTPS_PROXY", fwd.url());
    fixed.go(&["mod", "download", &m.spec()]).assert_success();
}

#[test]
fn proxy_credentials_are_fixed_with_netrc() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start_tls(vec![m.clone()]);
    proxy.set_basic_auth(Some(("alice", "s3cret")));
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()))
        .with_env("SSL_CERT_FILE", proxy.ca_file());
    let d = diagnose(&user, &["mod", "download", &m.spec()], "proxy.auth");
    let host = format!("127.0.0.1:{}", proxy.port());
    assert_has(&d, "cause", &format!("no credentials for {host}"));
    let fix = field(&d, "fix");
    assert!(
        fix.contains(&format!(
            "machine {host} login YOUR_USER password YOUR_TOKEN"
        )),
        "{d:#}"
    );
    std::fs::write(
        user.home().join(".netrc"),
        format!("machine {host} login alice password s3cret\n"),
    )
    .expect("test setup");
    user.go(&["mod", "download", &m.spec()]).assert_success();
}

// The errors below name public hosts (sum.golang.org, a company's git server), which a test may
// not contact: they are recorded go output, explained with --offline.

#[test]
fn recorded_public_checksum_database_errors() {
    let user = user("GOPROXY=direct\nGOSUMDB=sum.golang.org\n");
    let text = "go: downloading git.corp.example/lib v1.2.0\ngo: git.corp.example/lib@v1.2.0: verifying module: git.corp.example/lib@v1.2.0: reading https://sum.golang.org/lookup/git.corp.example/lib@v1.2.0: 410 Gone\n\tserver response: not found: git.corp.example/lib@v1.2.0: invalid version: unknown revision v1.2.0\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "sumdb.private-module");
    assert_eq!(d["fix"], "godoctor env set GOPRIVATE=git.corp.example");
    assert_eq!(d["module"], "git.corp.example/lib");

    let text = "go: example.com/hello@v1.0.0: verifying module: example.com/hello@v1.0.0: Get \"https://sum.golang.org/lookup/example.com/hello@v1.0.0\": dial tcp 142.250.0.1:443: i/o timeout\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "sumdb.unreachable");
    assert_eq!(d["fix"], "godoctor env set GOSUMDB=sum.golang.google.cn");
}

#[test]
fn recorded_direct_fetch_errors() {
    let user =
        user("GOPROXY=https://proxy.golang.org,direct\nGOPRIVATE=git.corp.example\nGOSUMDB=off\n");
    let text = "go: git.corp.example/lib@v1.0.0: invalid version: git ls-remote -q origin in /home/u/go/pkg/mod/cache/vcs/abc: exit status 128:\n\tfatal: could not read Username for 'https://git.corp.example': terminal prompts disabled\nConfirm the import path was entered correctly.\nIf this is a private repository, see https://golang.org/doc/faq#git_https for additional information.\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "direct.credentials");
    assert_has(&d, "cause", "GONOPROXY/GOPRIVATE pattern git.corp.example");
    assert_has(&d, "fix", "machine git.corp.example");
    assert!(!field(&d, "fix").contains("GOPRIVATE"), "{d:#}");

    // A private GitHub repository under go's defaults: credentials alone would take go to
    // sum.golang.org next, which cannot know it. The fix adds the owner to GOPRIVATE too, and
    // that command, run, makes go exempt the module from the database (GONOSUMDB follows it).
    let public = self::user("GOPROXY=https://proxy.golang.org,direct\nGOSUMDB=sum.golang.org\n");
    let text = "go: github.com/corp/private@v1.0.0: invalid version: git ls-remote -q origin in /home/u/go/pkg/mod/cache/vcs/abc: exit status 128:\n\tfatal: could not read Username for 'https://github.com': terminal prompts disabled\nConfirm the import path was entered correctly.\n";
    let (json, _) = explain(&public, text, &["--offline"]);
    let d = only(&json, "direct.credentials");
    assert_has(&d, "fix", "machine github.com");
    let fix = field(&d, "fix");
    let command = fix
        .split(": ")
        .last()
        .expect("the GOPRIVATE command ends the fix");
    assert_eq!(
        command, "godoctor env set GOPRIVATE=github.com/corp",
        "{d:#}"
    );
    let words: Vec<&str> = command.split_whitespace().skip(1).collect();
    public.godoctor(&words).assert_code(0);
    assert_eq!(public.go_env("GONOSUMDB"), "github.com/corp");

    let text = "go: git.corp.example/lib@v1.0.0: unrecognized import path \"git.corp.example/lib\": https fetch: Get \"https://git.corp.example/lib?go-get=1\": http: server gave HTTP response to HTTPS client\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "direct.insecure");
    assert_eq!(d["fix"], "godoctor env set GOINSECURE=git.corp.example");

    let text = "go: git.corp.example/lib@v1.0.0: unrecognized import path \"git.corp.example/lib\": parse https://git.corp.example/lib?go-get=1: no go-import meta tags ()\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    only(&json, "direct.unrecognized");
}

#[test]
fn unrecognised_lines_are_listed_and_exit_1() {
    let user = user("GOPROXY=off\n");
    let (json, run) = explain(
        &user,
        "go: example.com/x@v1.0.0: module lookup disabled by GOPROXY=off\nmain.go:3:2: undefined: foo\n",
        &[],
    );
    run.assert_code(1);
    assert_eq!(
        json["unexplained"],
        serde_json::json!(["main.go:3:2: undefined: foo"])
    );
    assert_eq!(json["diagnoses"][0]["id"], "goproxy.off");
    // Text mode says what it did not recognise, and never guesses.
    let text = user.godoctor_stdin(&["explain"], "main.go:3:2: undefined: foo\n");
    text.assert_code(1)
        .assert_stdout_contains("not recognised: main.go:3:2: undefined: foo");
}

#[test]
fn explain_runs_the_command_and_passes_its_output_and_success_through() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    // Success: go's output passed through, go's exit code.
    let run = user.godoctor(&["explain", "--", "go", "mod", "download", "-json", &m.spec()]);
    run.assert_code(0)
        .assert_stdout_contains("\"Version\": \"v1.0.0\"");
    // Failure: go's stderr passed through, then the explanation.
    let run = user.godoctor(&[
        "explain",
        "--",
        "go",
        "mod",
        "download",
        "example.com/nothere@v1.0.0",
    ]);
    run.assert_code(0)
        .assert_stderr_contains("404 Not Found")
        .assert_stdout_contains("[proxy.not-found]");
    // With --json, go's stdout goes to stderr so stdout stays JSON.
    let run = user.godoctor(&[
        "explain",
        "--json",
        "--",
        "go",
        "mod",
        "download",
        "-json",
        "example.com/nothere@v1.0.0",
    ]);
    assert_eq!(run.json()["diagnoses"][0]["id"], "proxy.not-found", "{run}");
    // Text and a command at once is a usage error.
    user.godoctor(&["explain", "some text", "--", "go", "version"])
        .assert_code(2);
}

#[test]
fn reset_connection_and_forbidden_proxy() {
    let m = hello("example.com/hello", "v1.0.0");
    let resetting = GoProxy::start(vec![]);
    resetting.set_behaviour(Behaviour::Reset);
    let good = GoProxy::start(vec![m.clone()]);
    let user = user(&format!(
        "GOPROXY={},{}\nGOSUMDB=off\n",
        resetting.url(),
        good.url()
    ));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "net.reset");
    assert!(
        field(&d, "fix").ends_with(&format!("godoctor env set GOPROXY={}", good.url())),
        "{d:#}"
    );
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "download", &m.spec()]).assert_success();

    resetting.set_behaviour(Behaviour::Status(403));
    let user = self::user(&format!("GOPROXY={}\nGOSUMDB=off\n", resetting.url()));
    let d = diagnose(&user, &["mod", "download", &m.spec()], "proxy.auth");
    // Over plain http go never sends credentials, so .netrc alone cannot help.
    assert!(
        field(&d, "fix").starts_with("go sends credentials only over https"),
        "{d:#}"
    );
}

/// A proxy that drops the connection mid-answer: go says `read "URL": unexpected EOF`. explain
/// names the proxy that cut it, and its fix (the other proxy alone) makes go succeed.
#[test]
fn a_zip_cut_off_mid_answer_names_the_proxy_and_the_fix_works() {
    let m = hello("example.com/hello", "v1.0.0");
    let cutting = GoProxy::start(vec![m.clone()]);
    cutting.set_behaviour_for(".zip", Behaviour::Truncated);
    let good = GoProxy::start(vec![m.clone()]);
    let user = user(&format!(
        "GOPROXY={},{}\nGOSUMDB=off\n",
        cutting.url(),
        good.url()
    ));
    // After `,` go moves on only after 404/410, so the cut answer stops it (after `|` go
    // fetches the zip from the next proxy and succeeds).
    let go = user.go(&["mod", "download", &m.spec()]);
    go.assert_failure();
    assert!(go.output().contains("unexpected EOF"), "{go}");
    let d = diagnose(&user, &["mod", "download", &m.spec()], "net.reset");
    assert_has(&d, "cause", "was cut");
    assert_has(&d, "cause", &cutting.url().replace("http://", ""));
    apply_godoctor_fix(&user, field(&d, "fix"));
    user.go(&["mod", "download", &m.spec()]).assert_success();
}

/// A public proxy cannot fetch a private repository: its 404 quotes its own git asking for
/// credentials. That is the proxy's answer, not go running git here: explain says the module
/// is private to the proxy, and its GOPRIVATE fix, run, makes go fetch it directly.
#[test]
fn a_proxy_whose_git_needed_credentials_is_a_private_module_not_a_local_git_error() {
    let proxy = GoProxy::start(vec![]);
    proxy.set_behaviour(Behaviour::StatusWith(
        404,
        "not found: github.com/corp/private@v1.0.0: invalid version: git ls-remote -q origin in /tmp/gopath/pkg/mod/cache/vcs/0a1b: exit status 128:\n\tfatal: could not read Username for 'https://github.com': terminal prompts disabled\nConfirm the import path was entered correctly.\nIf this is a private repository, see https://golang.org/doc/faq#git_https for additional information.\n".into(),
    ));
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url())).with_network_jail();
    let spec = "github.com/corp/private@v1.0.0";
    let go = user.go(&["mod", "download", spec]);
    go.assert_failure();
    assert!(go.output().contains("server response:"), "{go}");
    assert!(go.output().contains("terminal prompts disabled"), "{go}");
    let (json, run) = explain(&user, &go_output(&go), &[]);
    run.assert_code(0);
    let d = only(&json, "proxy.private-module");
    assert_has(
        &d,
        "cause",
        "its own git could not read github.com/corp/private",
    );
    assert_eq!(d["fix"], "godoctor env set GOPRIVATE=github.com/corp");
    apply_godoctor_fix(&user, field(&d, "fix"));
    // Now go runs git on the repository itself (the jail's dead loopback HTTPS proxy stops
    // git's connection).
    let hits = proxy.hits();
    let go = user.go(&["mod", "download", spec]);
    assert!(
        go.output().contains("git ls-remote")
            && go.output().contains("https://github.com/corp/private"),
        "{go}"
    );
    assert_eq!(proxy.hits(), hits, "go must not ask the proxy again");
}

/// A checksum database whose tiles or record do not prove against its signed tree head (the
/// reference x/mod server's altered views): go refuses in its words, and explain names the
/// server and never offers GOSUMDB=off. With the honest database go succeeds.
#[test]
fn a_checksum_database_that_does_not_prove_its_records_is_named() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    let db = common::gosumdb::GoSumDb::start(&proxy);
    for (view, go_says) in [
        ("badtile", "downloaded inconsistent tile"),
        (
            "forged",
            "cannot authenticate record data in server response",
        ),
    ] {
        let user = user(&format!(
            "GOPROXY={}\nGOSUMDB={}\n",
            proxy.url(),
            db.gosumdb_view(view)
        ));
        let d = diagnose(&user, &["mod", "download", &m.spec()], "sumdb.inconsistent");
        assert_has(&d, "cause", go_says);
        assert_has(&d, "cause", &format!("{}/{view}", db.url));
        assert_has(&d, "fix", "do not turn GOSUMDB off");
        assert!(!field(&d, "fix").contains("GOSUMDB=off"), "{d:#}");
    }
    let user = user(&format!(
        "GOPROXY={}\nGOSUMDB={}\n",
        proxy.url(),
        db.gosumdb()
    ));
    user.go(&["mod", "download", &m.spec()]).assert_success();
}

#[test]
fn not_found_then_off_names_the_proxies_before_off() {
    let empty = GoProxy::start(vec![]);
    let user = user(&format!("GOPROXY={},off\nGOSUMDB=off\n", empty.url()));
    let d = diagnose(
        &user,
        &["mod", "download", "example.com/nothere@v1.0.0"],
        "goproxy.off",
    );
    assert_has(
        &d,
        "cause",
        "answered not found (404/410), so go moved on to `off`",
    );
}

#[test]
fn toolchain_downloads_under_gosumdb_off_or_without_the_release() {
    let tc = Module::new("golang.org/toolchain", "v0.0.1-go1.999.1.linux-amd64")
        .file("go/bin/go", "#!/bin/sh\necho fake\n");
    let proxy = GoProxy::start(vec![tc]);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()))
        .with_env("GOTOOLCHAIN", "go1.999.1");
    let d = diagnose(&user, &["version"], "sumdb.off-toolchain");
    assert_eq!(d["fix"], "godoctor env unset GOSUMDB", "{d:#}");
    assert_eq!(d["module"], "golang.org/toolchain");

    let user = self::user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()))
        .with_env("GOTOOLCHAIN", "go1.999.2");
    let d = diagnose(&user, &["version"], "toolchain.unavailable");
    assert_has(&d, "cause", "GOSUMDB=off");
}

// Recorded: proxy.golang.org's answer for a +incompatible version of a module with a go.mod
// (the loopback proxy only says 404).
#[test]
fn recorded_incompatible_version() {
    let user = user("GOPROXY=https://proxy.golang.org,direct\n");
    let text = "go: example.com/hello@v2.0.0+incompatible: invalid version: module contains a go.mod file, so module path must match major version (\"example.com/hello/v2\")\n";
    let (json, _) = explain(&user, text, &["--offline"]);
    let d = only(&json, "module.major-version");
    assert_eq!(
        d["fix"],
        "go get example.com/hello/v2@v2.0.0 (and import example.com/hello/v2/…)"
    );
}

#[test]
// The skip must be visible in the test output.
#[allow(clippy::print_stderr)]
fn refused_direct_host_says_why_go_went_direct() {
    // A module path on 127.0.0.1 makes go's direct fetch (https://127.0.0.1/x?go-get=1) stay on
    // this machine; it is refused as long as nothing serves port 443 here.
    if std::net::TcpStream::connect("127.0.0.1:443").is_ok() {
        eprintln!(
            "skipped: something listens on 127.0.0.1:443, so go's direct fetch is not refused"
        );
        return;
    }
    let proxy = GoProxy::start(vec![]);
    let user = user(&format!(
        "GOPROXY={}\nGOPRIVATE=127.0.0.1\nGOSUMDB=off\n",
        proxy.url()
    ));
    let d = diagnose(
        &user,
        &["mod", "download", "127.0.0.1/x@v1.0.0"],
        "net.refused",
    );
    assert_has(&d, "cause", "nothing accepts connections at 127.0.0.1:443");
    assert_has(
        &d,
        "cause",
        "it matches the GONOPROXY/GOPRIVATE pattern 127.0.0.1",
    );
    assert_eq!(d["module"], "127.0.0.1/x");
    assert!(
        proxy.paths().is_empty(),
        "GOPRIVATE kept go away from the proxy"
    );
}

/// Not fetch errors, but where people meet them first: outside a module, and an import that
/// no requirement provides. Each fix, applied, lets the same go command succeed.
#[test]
fn no_go_mod_and_an_import_no_requirement_provides() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    user.write_file("main.go", "package main\n\nfunc main() {}\n");
    let d = diagnose(&user, &["build", "."], "gomod.not-found");
    let fix = field(&d, "fix");
    let init = &fix[fix.find("go mod init ").expect("go mod init in the fix")..];
    let words: Vec<&str> = init.split_whitespace().collect();
    user.go(&words[1..4]).assert_success();
    user.go(&["build", "."]).assert_success();

    user.write_file(
        "main.go",
        "package main\n\nimport _ \"example.com/hello\"\n\nfunc main() {}\n",
    );
    let d = diagnose(&user, &["build", "."], "gomod.package-not-required");
    assert_has(&d, "cause", "imports example.com/hello");
    let fix = field(&d, "fix");
    assert!(fix.starts_with("go get example.com/hello "), "{d:#}");
    user.go(&["get", "example.com/hello"]).assert_success();
    user.go(&["build", "."]).assert_success();
}

/// A version the repository does not have, fetched directly (GOPRIVATE): go's "unknown
/// revision". The repository is a local bare git repository that git reaches through an
/// `insteadOf` rule in the test user's ~/.gitconfig (a `.git`-suffixed module path makes go run
/// git without go-get discovery), so nothing leaves the machine.
#[test]
fn unknown_revision_of_a_private_repository() {
    let git = |dir: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    let user = user("GOPROXY=direct\nGOSUMDB=off\nGOPRIVATE=git.corp.example\n");
    let src = user.root().join("lib-src");
    std::fs::create_dir_all(&src).expect("test setup");
    std::fs::write(
        src.join("go.mod"),
        "module git.corp.example/lib.git\n\ngo 1.21\n",
    )
    .expect("test setup");
    std::fs::write(src.join("lib.go"), "package lib\n").expect("test setup");
    git(&src, &["init", "-q"]);
    git(&src, &["add", "."]);
    git(&src, &["commit", "-qm", "first"]);
    git(&src, &["tag", "v1.0.0"]);
    let bare = user.root().join("lib.git");
    git(
        user.root(),
        &[
            "clone",
            "-q",
            "--bare",
            src.to_str().expect("utf-8"),
            "lib.git",
        ],
    );
    std::fs::write(
        user.home().join(".gitconfig"),
        format!(
            "[url \"file://{}\"]\n\tinsteadOf = https://git.corp.example/lib\n",
            bare.display()
        ),
    )
    .expect("test setup");
    user.write_file("go.mod", "module example.com/app\n\ngo 1.21\n");

    let d = diagnose(
        &user,
        &["get", "git.corp.example/lib.git@v1.9.9"],
        "version.unknown-revision",
    );
    assert_has(&d, "cause", "no tag, branch or commit named v1.9.9");
    assert_has(&d, "cause", "git.corp.example");
    assert_eq!(d["module"], "git.corp.example/lib.git", "{d:#}");
    // The fix's command lists what exists; requiring that version works.
    assert_has(&d, "fix", "go list -m -versions git.corp.example/lib.git");
    let listed = user.go(&["list", "-m", "-versions", "git.corp.example/lib.git"]);
    listed.assert_success();
    assert!(listed.stdout.contains("v1.0.0"), "{listed}");
    user.go(&["get", "git.corp.example/lib.git@v1.0.0"])
        .assert_success();
}

/// A module path with no domain, and a repository without go.mod: the fixes applied let go on.
#[test]
fn malformed_local_path_and_a_repository_without_go_mod() {
    let user = user("GOPROXY=off\nGOSUMDB=off\n");
    user.write_file(".git/config", "");
    user.write_file("main.go", "package main\n\nfunc main() {}\n");
    let d = diagnose(&user, &["build", "."], "gomod.not-found");
    assert_has(&d, "fix", "go mod init example.com/yourmodule");
    user.go(&["mod", "init", "example.com/yourmodule"])
        .assert_success();
    // (not `go build`: the empty .git/config would fail its VCS stamping, another story)
    user.go(&["list", "-m"])
        .assert_stdout_contains("example.com/yourmodule");

    user.write_file("bar/go.mod", "module foo/bar\n\ngo 1.21\n");
    user.write_file("bar/bar.go", "package bar\n");
    let d = diagnose(&user, &["get", "foo/bar"], "module.path-malformed");
    assert_has(&d, "cause", "\"foo/bar\" has no dot in its first element");
    let fix = field(&d, "fix");
    assert!(
        fix.contains("go mod edit -replace foo/bar=../DIR") && fix.ends_with("go get foo/bar"),
        "{d:#}"
    );
    // The fix with the directory filled in.
    user.go(&["mod", "edit", "-replace", "foo/bar=./bar"])
        .assert_success();
    user.go(&["get", "foo/bar"]).assert_success();
}

/// A query no version satisfies, and a package the module does not have: go's words, the cause,
/// and the version list the fix points to, which go then takes.
#[test]
fn no_matching_version_and_a_package_the_module_lacks() {
    let m = hello("example.com/hello", "v1.0.0");
    let proxy = GoProxy::start(vec![m.clone()]);
    let user = user(&format!("GOPROXY={}\nGOSUMDB=off\n", proxy.url()));
    user.write_file("go.mod", "module example.com/app\n\ngo 1.21\n");
    let d = diagnose(
        &user,
        &["get", "example.com/hello@>v1.5.0"],
        "version.no-match",
    );
    assert_has(&d, "cause", "\">v1.5.0\"");
    assert_has(&d, "cause", "the version lists of GOPROXY's proxies");
    assert_has(&d, "fix", "go list -m -versions example.com/hello");
    let listed = user.go(&["list", "-m", "-versions", "example.com/hello"]);
    listed.assert_success();
    assert!(listed.stdout.contains("v1.0.0"), "{listed}");
    user.go(&["get", "example.com/hello@v1.0.0"])
        .assert_success();

    let d = diagnose(
        &user,
        &["get", "example.com/hello/sub@v1.0.0"],
        "module.package-missing",
    );
    assert_eq!(d["module"], "example.com/hello", "{d:#}");
    assert_has(&d, "cause", "no package example.com/hello/sub");
}
