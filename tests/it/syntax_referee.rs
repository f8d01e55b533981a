//! The real `go` as referee for `godoctor::syntax`: every rule the grammar module claims about
//! go ("go ignores entries after direct", "a space after a comma never matches", "GOINSECURE
//! does not disable checksum verification", …) is shown here with the real `go`, in an isolated
//! user, talking only to loopback servers.
//!
//! Trick used throughout: module paths start with `127.0.0.1/`, so even a direct (VCS/meta tag)
//! fetch goes to loopback port 443, where nothing listens. Whether go went "direct" or "to the
//! proxy" is then read from its error message (`?go-get=1` vs the proxy URL).

use crate::common;

use common::modules::Module;
use common::proxy::{Behaviour, ForwardProxy, GoProxy, closed_port, refused_url};
use common::{GoUser, Run};
use godoctor::finding::Severity;
use godoctor::syntax::{self, goflags, goproxy, gosumdb, module, patterns, toolchain};
use std::cmp::Ordering;

/// A user whose go can only reach loopback: GOSUMDB=off, no toolchain switch, and a network
/// jail for anything non-loopback.
fn user() -> GoUser {
    GoUser::new().with_network_jail().with_shared_build_cache()
}

fn download(user: &GoUser, spec: &str) -> Run {
    user.go(&["mod", "download", "-x", spec])
}

/// The minor version of the go under test (`GODOCTOR_TEST_GO` can point at an older one):
/// some rules are newer than Go 1.16, and on an older go the test shows the old behaviour.
fn go_minor() -> u64 {
    let v = GoUser::new().go_env("GOVERSION");
    v.strip_prefix("go1.")
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the go version from {v:?}"))
}

/// Run go with one more variable set for this user.
fn go_with(u: &mut GoUser, key: &str, value: &str, args: &[&str]) -> Run {
    u.set_env(key, value);
    u.go(args)
}

fn has_error(findings: &[godoctor::finding::Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

// ---------------------------------------------------------------------------------------------
// GOPROXY
// ---------------------------------------------------------------------------------------------

/// Values go refuses as a whole: godoctor predicts go's exact message.
#[test]
fn goproxy_errors_are_exactly_gos() {
    let values = [
        ",",
        " ",
        "|,|",
        "not a url",
        "proxy",
        "Direct",
        "/srv/goproxy",
        "socks5://127.0.0.1:1080",
        "file://host/srv/goproxy",
        "file:/srv/goproxy",
        "https://exa mple.com",
        "http://127.0.0.1:80x/",
        "http://[::1",
        "http://127.0.0.1:1/%zz",
        // The first bad entry spoils the whole list, even after a good one.
        "http://127.0.0.1:1,not a url",
    ];
    // Go 1.26 made net/url reject a second colon in an http(s) host (GODEBUG urlstrictcolons);
    // older go takes the last one as the port separator.
    let strict_colons = go_minor() >= 26;
    for v in values
        .into_iter()
        .chain(strict_colons.then_some("http://127.0.0.1:1:2/"))
    {
        let list = goproxy::parse(v);
        let want = list
            .go_error
            .clone()
            .unwrap_or_else(|| panic!("{v:?}: godoctor thinks go accepts it"));
        assert!(has_error(&list.findings), "{v:?}: no error finding");
        let u = user().with_env("GOPROXY", v);
        let out = download(&u, "127.0.0.1/x@v1.0.0").assert_failure().output();
        assert!(
            out.contains(&want),
            "GOPROXY={v:?}: go said:\n{out}\ngodoctor predicted: {want}"
        );
    }
}

/// `direct` and `off` end the list: go never even parses what follows. `direct/` is not
/// `direct`: go parses it as a URL (and so meets the bad entry after it).
#[test]
fn goproxy_keywords_end_the_list() {
    let bad = "not a url";
    let u = user().with_env("GOPROXY", format!("direct,{bad}"));
    let out = download(&u, "127.0.0.1/x@v1.0.0").assert_failure().output();
    assert!(
        out.contains("https://127.0.0.1/x?go-get=1") && !out.contains("invalid proxy URL"),
        "{out}"
    );
    let list = goproxy::parse(&format!("direct,{bad}"));
    assert_eq!(list.specs.len(), 1);
    assert!(list.is_usable());
    assert_eq!(list.findings[0].code, "goproxy.after-direct");

    let u = user().with_env("GOPROXY", format!("off|{bad}"));
    let out = download(&u, "127.0.0.1/x@v1.0.0").assert_failure().output();
    assert!(
        out.contains("module lookup disabled by GOPROXY=off"),
        "{out}"
    );
    assert!(goproxy::parse(&format!("off|{bad}")).is_usable());

    let u = user().with_env("GOPROXY", format!("direct/,{bad}"));
    let out = download(&u, "127.0.0.1/x@v1.0.0").assert_failure().output();
    assert!(out.contains("invalid proxy URL missing scheme"), "{out}");
    let list = goproxy::parse(&format!("direct/,{bad}"));
    assert!(
        list.findings
            .iter()
            .any(|f| f.code == "goproxy.keyword-typo")
    );
    assert!(!list.is_usable());
}

/// An entry without a scheme gets `https://` (and single words do not).
#[test]
fn goproxy_scheme_less_entry_gets_https() {
    let port = closed_port();
    let entry = format!("127.0.0.1:{port}/corp");
    let list = goproxy::parse(&entry);
    let url = match &list.specs[0].entry {
        goproxy::ProxyEntry::Url { url, .. } => url.clone(),
        e => panic!("{e:?}"),
    };
    assert_eq!(url, format!("https://127.0.0.1:{port}/corp"));
    let u = user().with_env("GOPROXY", &entry);
    let out = download(&u, "127.0.0.1/x@v1.0.0").assert_failure().output();
    assert!(
        out.contains(&format!("{url}/127.0.0.1/x/@v/v1.0.0.info")),
        "{out}"
    );
}

/// After `,` go moves on only when the proxy says not found (404/410); after `|` on any error.
/// Blank entries and spaces around entries are ignored.
#[test]
fn goproxy_comma_and_pipe_fall_back_like_go() {
    let m = Module::new("example.com/hello", "v1.0.0");
    let good = GoProxy::start(vec![m.clone()]);
    let broken = GoProxy::start(vec![]);
    let cases = [
        (Behaviour::Status(503), ',', false),
        (Behaviour::Status(503), '|', true),
        (Behaviour::Status(404), ',', true),
        (Behaviour::Status(410), ',', true),
        (Behaviour::Reset, ',', false),
        (Behaviour::Reset, '|', true),
    ];
    for (behaviour, sep, reaches_second) in cases {
        broken.set_behaviour(behaviour.clone());
        good.clear_log();
        let value = format!(" , {} {sep}  {} ,", broken.url(), good.url());
        let list = goproxy::parse(&value);
        assert_eq!(list.specs.len(), 2, "{value}");
        let predicted = match list.specs[0].fallback {
            goproxy::Fallback::OnAnyError => true,
            goproxy::Fallback::OnNotFound => matches!(behaviour, Behaviour::Status(404 | 410)),
        };
        assert_eq!(predicted, reaches_second, "{behaviour:?} {sep}");
        let u = user().with_env("GOPROXY", &value);
        let run = download(&u, "example.com/hello@v1.0.0");
        assert_eq!(run.success(), reaches_second, "{behaviour:?} {sep}: {run}");
        assert_eq!(good.hits() > 0, reaches_second, "{behaviour:?} {sep}");
    }
}

/// Credentials in a GOPROXY URL: go sends them, godoctor never prints the password.
#[test]
fn goproxy_credentials_are_redacted() {
    let value = "https://alice:s3cret@exa mple.com,direct";
    let list = goproxy::parse(value);
    let text = format!("{:?}", list.findings) + list.go_error.as_deref().unwrap_or("");
    assert!(!text.contains("s3cret"), "{text}");
    // go itself echoes it (which is why godoctor must not).
    let out = download(&user().with_env("GOPROXY", value), "127.0.0.1/x@v1.0.0").output();
    assert!(out.contains("s3cret"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Patterns (GOPRIVATE / GONOPROXY / GONOSUMDB / GOINSECURE)
// ---------------------------------------------------------------------------------------------

/// Where go sent the request for `module@v1.0.0`: "direct" (meta tag fetch) or "proxy".
fn route_of(u: &GoUser, module: &str) -> &'static str {
    let out = download(u, &format!("{module}@v1.0.0"))
        .assert_failure()
        .output();
    if out.contains("?go-get=1") {
        "direct"
    } else if out.contains("/@v/v1.0.0.info") {
        "proxy"
    } else {
        panic!("cannot tell the route of {module}:\n{out}")
    }
}

/// `match_prefix_patterns` against cmd/go's own routing decision (GONOPROXY), pattern by
/// pattern, including the mistakes godoctor warns about.
#[test]
fn patterns_route_like_go() {
    let cases: &[(&str, &str)] = &[
        ("127.0.0.1", "127.0.0.1/corp/x"),
        ("127.0.0.1/corp", "127.0.0.1/corp/x"),
        ("127.0.0.1/corp", "127.0.0.1/corp-tools/x"),
        ("127.0.0.1/corp*", "127.0.0.1/corp-tools/x"),
        ("127.0.0.1/corp/", "127.0.0.1/corp/x"),
        ("127.0.0.1/corp//", "127.0.0.1/corp/x"),
        (" 127.0.0.1/corp", "127.0.0.1/corp/x"),
        ("a.example, 127.0.0.1/corp", "127.0.0.1/corp/x"),
        ("a.example,127.0.0.1/corp", "127.0.0.1/corp/x"),
        ("https://127.0.0.1/corp", "127.0.0.1/corp/x"),
        ("127.0.0.1/corp/...", "127.0.0.1/corp/x"),
        ("127.0.0.1/[c]orp", "127.0.0.1/corp/x"),
        ("127.0.0.1/[^c]orp", "127.0.0.1/corp/x"),
        ("127.0.0.1/c?rp", "127.0.0.1/corp/x"),
        ("127.0.0.1/Corp", "127.0.0.1/corp/x"),
        ("127.0.0.*", "127.0.0.1/corp/x"),
        ("*", "127.0.0.1/corp/x"),
        ("*/corp", "127.0.0.1/corp/x"),
        ("*/*/x", "127.0.0.1/corp/x"),
        ("*/*/x/y", "127.0.0.1/corp/x"),
        ("127.0.0.1/corp/x/y", "127.0.0.1/corp/x"),
        ("127.0.0.1/c*p", "127.0.0.1/corp/x"),
        ("127.0.0.1/c\\orp", "127.0.0.1/corp/x"),
        ("127.0.0.1/corp\\", "127.0.0.1/corp/x"),
        ("none", "127.0.0.1/corp/x"),
        (",,127.0.0.1/corp,,", "127.0.0.1/corp/x"),
    ];
    let proxy = refused_url();
    for (pattern, module) in cases {
        let u = user()
            .with_env("GOPROXY", &proxy)
            .with_env("GONOPROXY", pattern);
        let want = if patterns::match_prefix_patterns(pattern, module).is_some() {
            "direct"
        } else {
            "proxy"
        };
        assert_eq!(
            route_of(&u, module),
            want,
            "GONOPROXY={pattern:?} module {module}"
        );
    }
    // GONOPROXY defaults to GOPRIVATE, with the same matching.
    for (private, want) in [
        ("127.0.0.1/corp", "direct"),
        ("a.example, 127.0.0.1/corp", "proxy"),
    ] {
        let u = user()
            .with_env("GOPROXY", &proxy)
            .with_env("GOPRIVATE", private);
        assert_eq!(
            route_of(&u, "127.0.0.1/corp/x"),
            want,
            "GOPRIVATE={private:?}"
        );
    }
}

/// The findings that say "never matches" agree with go never matching.
#[test]
fn pattern_findings_agree_with_go() {
    let proxy = refused_url();
    for (value, code) in [
        ("a.example, 127.0.0.1/corp", "patterns.space"),
        ("https://127.0.0.1/corp", "patterns.scheme"),
        ("127.0.0.1/corp/...", "patterns.dots"),
        ("127.0.0.1/[corp", "patterns.bad-glob"),
    ] {
        let f = patterns::check("GONOPROXY", value);
        assert!(
            f.iter()
                .any(|f| f.code == code && f.severity == Severity::Error),
            "{value}: {f:?}"
        );
        let u = user()
            .with_env("GOPROXY", &proxy)
            .with_env("GONOPROXY", value);
        assert_eq!(route_of(&u, "127.0.0.1/corp/x"), "proxy", "{value}");
        assert!(
            patterns::near_miss(
                value.split(',').next_back().unwrap_or(value),
                "127.0.0.1/corp/x"
            )
            .is_some()
                || code == "patterns.bad-glob"
        );
    }
    // The near miss `route` explains: matches as text, not as path elements.
    let u = user()
        .with_env("GOPROXY", &proxy)
        .with_env("GONOPROXY", "127.0.0.1/corp");
    assert_eq!(route_of(&u, "127.0.0.1/corp-tools/x"), "proxy");
    assert!(patterns::near_miss("127.0.0.1/corp", "127.0.0.1/corp-tools/x").is_some());
}

/// Go's own `path.Match` on a few thousand generated (pattern, name) pairs, compared with the
/// port: matches, non-matches and ErrBadPattern alike.
#[test]
fn path_match_agrees_with_go_stdlib() {
    let alphabet_p = [
        'a', 'b', '.', '/', '*', '?', '[', ']', '\\', '^', '-', 'é', '☺',
    ];
    let alphabet_n = ['a', 'b', '.', '/', '-', 'é', '☺', '*', '[', ']', '\\', '^'];
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for _ in 0..4000 {
        let lp = next(7);
        let ln = next(7);
        let p: String = (0..lp)
            .map(|_| alphabet_p[next(alphabet_p.len())])
            .collect();
        let n: String = (0..ln)
            .map(|_| alphabet_n[next(alphabet_n.len())])
            .collect();
        pairs.push((p, n));
    }
    // Hand-picked corners as well.
    for (p, n) in [
        ("[a-ζ]*", "α"),
        ("a[", "a"),
        ("[]a]", "]"),
        ("[\\]a]", "]"),
        ("*x", "xxx"),
        ("a*b*c", "axxbxxc"),
        ("[^", "a"),
        ("\\", ""),
        ("[☺-☺]", "☺"),
        ("?", "é"),
    ] {
        pairs.push((p.into(), n.into()));
    }
    // A cold build of the referee program on a busy 2-core machine can take a while.
    let u = user().timeout(std::time::Duration::from_secs(300));
    u.write_file("go.mod", "module example.com/referee\n\ngo 1.16\n");
    u.write_file(
        "main.go",
        r#"package main

import (
	"bufio"
	"os"
	"path"
	"strings"
)

// One "pattern<TAB>name" per line in pairs.txt; prints true, false or err per line.
// Only small std packages, so the cold build stays short.
func main() {
	f, err := os.Open("pairs.txt")
	if err != nil {
		panic(err)
	}
	sc := bufio.NewScanner(f)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		line := sc.Text()
		i := strings.IndexByte(line, '\t')
		p, n := line[:i], line[i+1:]
		m, err := path.Match(p, n)
		switch {
		case err != nil:
			w.WriteString("err\n")
		case m:
			w.WriteString("true\n")
		default:
			w.WriteString("false\n")
		}
	}
}
"#,
    );
    let lines: Vec<String> = pairs.iter().map(|(p, n)| format!("{p}\t{n}")).collect();
    u.write_file("pairs.txt", lines.join("\n") + "\n");
    let run = u.go(&["run", "."]);
    run.assert_success();
    let go_answers: Vec<String> = run
        .output()
        .lines()
        .map(str::to_string)
        .filter(|l| matches!(l.as_str(), "true" | "false" | "err"))
        .collect();
    assert_eq!(go_answers.len(), pairs.len(), "{run}");
    let mut differences = Vec::new();
    for ((p, n), go) in pairs.iter().zip(&go_answers) {
        let ours = match syntax::pathmatch::path_match(p, n) {
            Ok(true) => "true",
            Ok(false) => "false",
            Err(_) => "err",
        };
        if ours != go {
            differences.push(format!("Match({p:?}, {n:?}): go {go}, godoctor {ours}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Module paths and versions
// ---------------------------------------------------------------------------------------------

/// `check_path` gives go's reason, word for word.
#[test]
fn module_path_errors_are_gos() {
    for path in [
        "127.0.0.1/a b",
        "127.0.0.1/x/../y",
        "127.0.0.1/.x",
        "127.0.0.1/x.",
        "127.0.0.1/x/v1",
        "127.0.0.1/x/v0",
        "127.0.0.1/con",
        "127.0.0.1/x~1",
        "github/x",
        "Example.com/x",
        "127.0.0.1/x+y",
    ] {
        let want = module::check_path(path)
            .err()
            .unwrap_or_else(|| panic!("{path}: accepted"));
        let out = download(
            &user().with_env("GOPROXY", refused_url()),
            &format!("{path}@v1.0.0"),
        )
        .assert_failure()
        .output();
        assert!(
            out.contains(&want),
            "{path}: go said\n{out}\ngodoctor: {want}"
        );
    }
}

/// Case-encoding: what go puts in proxy URLs.
#[test]
fn module_paths_and_versions_are_case_encoded_like_go() {
    let proxy = GoProxy::start(vec![]);
    let u = user().with_env("GOPROXY", proxy.url());
    for (path, version) in [
        ("127.0.0.1/Azure/Sdk", "v1.0.0"),
        ("127.0.0.1/x", "v1.0.0-RC1"),
        ("127.0.0.1/BurntSushi/toml", "v0.3.1"),
    ] {
        proxy.clear_log();
        download(&u, &format!("{path}@{version}")).assert_failure();
        let want = format!(
            "/{}/@v/{}.info",
            module::escape_path(path).unwrap_or_default(),
            module::escape_version(version).unwrap_or_default()
        );
        assert!(
            proxy.paths().contains(&want),
            "{path}@{version}: want {want}, go asked {:?}",
            proxy.paths()
        );
    }
    // A version go refuses to encode.
    let out = download(&u, "127.0.0.1/x@v1.0.0!")
        .assert_failure()
        .output();
    assert!(out.contains("disallowed version string"), "{out}");
    assert!(module::escape_version("v1.0.0!").is_err());
}

// ---------------------------------------------------------------------------------------------
// GOSUMDB and GOINSECURE
// ---------------------------------------------------------------------------------------------

/// A valid note verifier key for a made-up database (go checks name, hash and key length).
fn test_key(name: &str) -> String {
    gosumdb::format_verifier_key(name, &[7u8; 32])
}

/// A module proxy that also claims to proxy checksum databases, and a user using it.
fn sumdb_setup(gosumdb: &str) -> (GoProxy, GoUser) {
    let proxy = GoProxy::builder()
        .module(Module::new("example.com/hello", "v1.0.0"))
        .sumdb_supported(true)
        .start();
    let u = user()
        .with_env("GOPROXY", proxy.url())
        .with_env("GOSUMDB", gosumdb);
    (proxy, u)
}

/// Malformed GOSUMDB values fail in go with the message godoctor predicts.
#[test]
fn gosumdb_errors_are_gos() {
    let good = test_key("sum.corp.example");
    let wrong_hash = good.replace("sum.corp.example", "sum.corp.exampl");
    for value in [
        "sum.corp.example".to_string(),
        "a b c".to_string(),
        wrong_hash,
        gosumdb::format_verifier_key("sum.corp.example?x", &[7u8; 32]),
        format!("{good} http://[::1"),
    ] {
        let want = match gosumdb::parse(&value) {
            Err(f) => f
                .message
                .rsplit(" with: ")
                .next()
                .unwrap_or_default()
                .to_string(),
            Ok(db) => panic!("{value}: accepted as {db:?}"),
        };
        let (_proxy, u) = sumdb_setup(&value);
        let out = download(&u, "example.com/hello@v1.0.0")
            .assert_failure()
            .output();
        assert!(
            out.contains(&want),
            "GOSUMDB={value}: go said\n{out}\ngodoctor: {want}"
        );
    }
}

/// Names resolve like go: the proxy is asked about `<proxy>/sumdb/<name>/…`; `key URL` and the
/// `sum.golang.google.cn` alias (= `sum.golang.org https://sum.golang.google.cn`) go straight to
/// the URL, never asking the proxy.
#[test]
fn gosumdb_names_and_urls_resolve_like_go() {
    let custom = test_key("sum.corp.example");
    for (value, name) in [
        ("sum.golang.org", "sum.golang.org"),
        (custom.as_str(), "sum.corp.example"),
    ] {
        let Ok(gosumdb::SumDb::Db {
            name: ours,
            explicit_url: false,
            ..
        }) = gosumdb::parse(value)
        else {
            panic!("{value}")
        };
        assert_eq!(ours, name);
        let (proxy, u) = sumdb_setup(value);
        download(&u, "example.com/hello@v1.0.0");
        let want = format!("/sumdb/{name}/supported");
        assert!(
            proxy.paths().contains(&want),
            "GOSUMDB={value}: go asked {:?}",
            proxy.paths()
        );
    }
    // `key URL`: go goes straight to the URL, never asking the proxy.
    let direct_db = GoProxy::start(vec![]);
    let value = format!("{custom} {}/db", direct_db.url());
    let Ok(gosumdb::SumDb::Db {
        url,
        explicit_url: true,
        ..
    }) = gosumdb::parse(&value)
    else {
        panic!("{value}")
    };
    let (proxy, u) = sumdb_setup(&value);
    download(&u, "example.com/hello@v1.0.0").assert_failure();
    assert!(
        !proxy.paths().iter().any(|p| p.contains("/sumdb/")),
        "{:?}",
        proxy.paths()
    );
    assert!(
        direct_db.paths().iter().any(|p| p.starts_with("/db/")),
        "{url}: {:?}",
        direct_db.paths()
    );

    // The alias: database sum.golang.org, contacted at sum.golang.google.cn. The request is
    // caught by a loopback forward proxy that answers 502 for every host it does not know, so
    // nothing leaves the machine.
    let Ok(gosumdb::SumDb::Db {
        name,
        url,
        explicit_url: true,
        ..
    }) = gosumdb::parse("sum.golang.google.cn")
    else {
        panic!("alias")
    };
    assert_eq!(
        (name.as_str(), url.as_str()),
        ("sum.golang.org", "https://sum.golang.google.cn")
    );
    let fwd = ForwardProxy::start();
    let (proxy, u) = sumdb_setup("sum.golang.google.cn");
    let u = u
        .with_env("HTTPS_PROXY", fwd.url())
        .with_env("HTTP_PROXY", fwd.url());
    download(&u, "example.com/hello@v1.0.0").assert_failure();
    assert!(
        !proxy.paths().iter().any(|p| p.contains("/sumdb/")),
        "{:?}",
        proxy.paths()
    );
    assert!(
        fwd.requests()
            .iter()
            .any(|r| r == "CONNECT sum.golang.google.cn:443"),
        "{:?}",
        fwd.requests()
    );
}

/// GOINSECURE does not disable checksum verification; GONOSUMDB does.
#[test]
fn goinsecure_does_not_disable_checksum_verification() {
    let key = test_key("sum.corp.example");
    let (proxy, u) = sumdb_setup(&key);
    let u = u.with_env("GOINSECURE", "example.com");
    let run = download(&u, "example.com/hello@v1.0.0");
    run.assert_failure();
    assert!(
        proxy
            .paths()
            .iter()
            .any(|p| p.starts_with("/sumdb/sum.corp.example/")),
        "{:?}",
        proxy.paths()
    );
    let values = [("GOINSECURE", "example.com"), ("GOSUMDB", key.as_str())]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into_iter()
        .collect();
    assert!(
        syntax::check_settings(&values)
            .iter()
            .any(|f| f.code == "settings.goinsecure-sumdb")
    );

    let (proxy, u) = sumdb_setup(&key);
    let u = u.with_env("GONOSUMDB", "example.com");
    download(&u, "example.com/hello@v1.0.0").assert_success();
    assert!(
        !proxy.paths().iter().any(|p| p.contains("/sumdb/")),
        "{:?}",
        proxy.paths()
    );
}

// ---------------------------------------------------------------------------------------------
// GOAUTH, GOFLAGS, GOTOOLCHAIN, GO111MODULE, names, values go env -w refuses
// ---------------------------------------------------------------------------------------------

/// GOAUTH errors stop go on its first https request; plain-http requests never run GOAUTH
/// (go adds credentials only to https requests).
#[test]
fn goauth_errors_are_gos() {
    // GOAUTH arrived in Go 1.24; older go ignores the variable.
    let has_goauth = go_minor() >= 24;
    let m = Module::new("example.com/hello", "v1.0.0");
    let tls = GoProxy::start_tls(vec![m.clone()]);
    let plain = GoProxy::start(vec![m]);
    for (value, go_says) in [
        (
            "off;netrc",
            "GOAUTH=off cannot be combined with other authentication commands",
        ),
        (
            "netrc;off",
            "GOAUTH=off cannot be combined with other authentication commands",
        ),
        ("netrc;", "GOAUTH encountered an empty command"),
        ("git relative/dir", "dir is not absolute"),
        (
            "git",
            "requires an absolute path to the git working directory",
        ),
    ] {
        assert!(syntax::goauth::parse(value).is_err(), "{value}");
        let u = user()
            .with_env("GOPROXY", tls.url())
            .with_env("SSL_CERT_FILE", tls.ca_file())
            .with_env("GOAUTH", value);
        let run = download(&u, "example.com/hello@v1.0.0");
        if !has_goauth {
            run.assert_success();
            continue;
        }
        let out = run.assert_failure().output();
        assert!(out.contains(go_says), "GOAUTH={value}: {out}");
        let u = user()
            .with_env("GOPROXY", plain.url())
            .with_env("GOAUTH", value);
        download(&u, "example.com/hello@v1.0.0").assert_success();
    }
    for value in ["off", "netrc", "netrc;netrc"] {
        assert!(syntax::goauth::parse(value).is_ok(), "{value}");
        let u = user()
            .with_env("GOPROXY", tls.url())
            .with_env("SSL_CERT_FILE", tls.ca_file())
            .with_env("GOAUTH", value);
        download(&u, "example.com/hello@v1.0.0").assert_success();
    }
    let values = [("GOPROXY", plain.url()), ("GOAUTH", "netrc".to_string())]
        .map(|(k, v)| (k.to_string(), v))
        .into_iter()
        .collect();
    assert!(
        syntax::check_settings(&values)
            .iter()
            .any(|f| f.code == "settings.auth-https-only")
    );
}

#[test]
fn goflags_like_go() {
    // Quoted flags arrived after Go 1.19 (cmd/internal/quoted); 1.19 splits on every space.
    let quoting = go_minor() >= 20;
    let mut u = user();
    u.write_file("go.mod", "module example.com/m\n\ngo 1.16\n");
    for value in [
        "-bogus",
        "insecure",
        "'-tags=a",
        "-",
        "-ldflags=-s -bogus",
        "-mod=bogus",
    ] {
        let f = goflags::check(value);
        let msg = f
            .iter()
            .find(|f| f.severity == Severity::Error)
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("{value}: {f:?}"));
        let go_msg = msg.rsplit("with: ").next().unwrap_or_default().to_string();
        let out = go_with(&mut u, "GOFLAGS", value, &["list", "-m"])
            .assert_failure()
            .output();
        if !quoting && value.contains('\'') {
            continue;
        }
        assert!(
            out.contains(&go_msg),
            "GOFLAGS={value}: go said\n{out}\ngodoctor: {go_msg}"
        );
    }
    for value in [
        "-modcacherw",
        "-mod=mod -modcacherw",
        "-ldflags=-s",
        "-count=1 -test.v",
        "--mod=mod",
    ]
    .into_iter()
    .chain(quoting.then_some("'-ldflags=-s -w'"))
    {
        assert!(!has_error(&goflags::check(value)), "{value}");
        go_with(&mut u, "GOFLAGS", value, &["list", "-m"]).assert_success();
    }
    // Accepted by the parser, refused by the commands.
    assert!(
        goflags::check("-insecure")
            .iter()
            .any(|f| f.code == "goflags.insecure")
    );
    let out = go_with(
        &mut u,
        "GOFLAGS",
        "-insecure",
        &["get", "127.0.0.1/x@v1.0.0"],
    )
    .assert_failure()
    .output();
    assert!(
        out.contains("-insecure flag is no longer supported"),
        "{out}"
    );
    assert!(
        goflags::check("-mod=vendor")
            .iter()
            .any(|f| f.code == "goflags.mod-vendor")
    );
    let out = go_with(
        &mut u,
        "GOFLAGS",
        "-mod=vendor",
        &["list", "-m", "127.0.0.1/x@v1.0.0"],
    )
    .assert_failure()
    .output();
    assert!(out.contains("-mod=vendor"), "{out}");
}

#[test]
fn gotoolchain_and_go111module_like_go() {
    // GOTOOLCHAIN arrived in Go 1.21; older go ignores it.
    let has_toolchain = go_minor() >= 21;
    let mut u = user();
    for value in [
        "bash",
        "1.22.0",
        "go1.22+latest",
        "gox+auto",
        "go2.0.0",
        "go1.22/x",
    ] {
        let want = toolchain::parse(value)
            .err()
            .unwrap_or_else(|| panic!("{value}: accepted"));
        let run = go_with(&mut u, "GOTOOLCHAIN", value, &["version"]);
        if !has_toolchain {
            run.assert_success();
            continue;
        }
        let out = run.assert_failure().output();
        assert!(
            out.contains(&want),
            "GOTOOLCHAIN={value}: go said\n{out}\ngodoctor: {want}"
        );
    }
    for value in ["local", "auto", "path", "local+auto"] {
        assert!(toolchain::parse(value).is_ok());
        go_with(&mut u, "GOTOOLCHAIN", value, &["version"]).assert_success();
    }
    // `go1.22` is a language version: go asks for a toolchain literally named go1.22.
    let proxy = GoProxy::start(vec![]);
    let mut u2 = user().with_env("GOPROXY", proxy.url());
    let run = go_with(&mut u2, "GOTOOLCHAIN", "go1.22", &["version"]);
    if has_toolchain {
        run.assert_failure();
    } else {
        run.assert_success();
    }
    assert_eq!(
        proxy
            .paths()
            .iter()
            .any(|p| p.contains("/golang.org/toolchain/@v/v0.0.1-go1.22.")),
        has_toolchain,
        "{:?}",
        proxy.paths()
    );
    assert!(
        toolchain::check("go1.22")
            .iter()
            .any(|f| f.code == "gotoolchain.language-version")
    );

    let out = go_with(
        &mut u,
        "GO111MODULE",
        "bogus",
        &["mod", "download", "127.0.0.1/x@v1.0.0"],
    )
    .assert_failure()
    .output();
    let f = toolchain::check_go111module("bogus");
    assert!(
        out.contains(f[0].message.rsplit("stops with: ").next().unwrap_or("?")),
        "{out}"
    );
    let out = go_with(
        &mut u,
        "GO111MODULE",
        "off",
        &["mod", "download", "127.0.0.1/x@v1.0.0"],
    )
    .assert_failure()
    .output();
    assert!(out.contains("modules disabled by GO111MODULE=off"), "{out}");
}

/// Go's version order (`gover.Compare`), which `toolchain.switch` and the GOTOOLCHAIN write
/// check use: with GOTOOLCHAIN=local go refuses a go.mod whose `go` line is newer than itself,
/// and accepts one that is not. Lines around the running version (language versions,
/// release candidates, a patch that sorts wrong as text).
#[test]
fn go_version_order_like_go() {
    if go_minor() < 21 {
        return; // before 1.21 go only warned about a newer go line
    }
    let user = user().with_env("GOTOOLCHAIN", "local");
    let running = user.go_env("GOVERSION");
    let v = toolchain::from_toolchain(&running).expect("a release go");
    let (m, p) = (v.minor, v.patch.unwrap_or(0));
    let lines = [
        format!("1.{m}"),
        format!("1.{m}rc1"),
        format!("1.{m}.{p}"),
        format!("1.{m}.{}", p + 1),
        format!("1.{m}.{}", p + 10),
        format!("1.{}.99", m - 1),
        format!("1.{}rc1", m + 1),
        format!("1.{}", m + 1),
    ];
    let dir = user.work_dir().join("m");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let user = user.cwd(&dir);
    for line in lines {
        std::fs::write(
            dir.join("go.mod"),
            format!("module example.com/m\n\ngo {line}\n"),
        )
        .expect("go.mod");
        let go = user.go(&["list", "-m"]);
        let newer = toolchain::compare_versions(&line, &running) == Some(Ordering::Greater);
        assert_eq!(
            !go.status.success() && go.stderr.contains("requires go >="),
            newer,
            "go {line} with {running}: go said {}",
            go.stderr
        );
    }
}

/// `go env -w` refuses unknown names and some values, and accepts the rest (the reason
/// godoctor validates): check_value agrees on both sides.
#[test]
fn go_env_w_refuses_what_check_value_refuses() {
    let u = user();
    let known = u
        .go_env_json()
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let f = syntax::names::unknown_name("GONOSUMCHECK", &known)
        .unwrap_or_else(|| panic!("GONOSUMCHECK"));
    assert_eq!(f.hint.as_deref(), Some("did you mean GONOSUMDB?"));
    // GODEBUG became a go env variable in Go 1.21 (older go calls it unknown).
    let godebug = (go_minor() >= 21).then_some("GODEBUG");
    for name in ["GOMOD", "GOVERSION", "GOENV", "GONOSUMCHECK", "GOPROXI"]
        .into_iter()
        .chain(godebug)
    {
        let f = syntax::write_error(name, &known).unwrap_or_else(|| panic!("{name}"));
        let go_says = f
            .message
            .trim_start_matches("go env -w refuses it: ")
            .to_string();
        u.go(&["env", "-w", &format!("{name}=x")])
            .assert_failure()
            .assert_output_contains(&go_says);
    }
    for name in ["GOPROXY", "GOFLAGS", "GOAUTH", "GOVCS", "GOTOOLCHAIN"] {
        assert!(syntax::write_error(name, &known).is_none(), "{name}");
    }
    u.go(&["env", "-w", "GONOSUMCHECK=x"])
        .assert_failure()
        .assert_output_contains("unknown go command variable GONOSUMCHECK");
    for name in known.iter() {
        assert!(
            syntax::names::unknown_name(name, &Default::default()).is_none(),
            "{name} flagged"
        );
    }

    for (name, value, go_says) in [
        ("GO111MODULE", "yes", "invalid GO111MODULE value"),
        ("GOPATH", "~/go", "cannot start with shell metacharacter"),
        ("GOPATH", "rel/go", "GOPATH entry is relative"),
        ("GOMODCACHE", "cache", "GOMODCACHE entry is relative"),
        ("GOPROXY", "a\nb", "invalid newline"),
    ] {
        assert!(
            has_error(&syntax::check_value(name, value)),
            "{name}={value:?}"
        );
        u.go(&["env", "-w", &format!("{name}={value}")])
            .assert_failure()
            .assert_output_contains(go_says);
    }
    // go env -w takes these, and every later download fails: godoctor refuses them up front.
    for (name, value) in [
        ("GOPROXY", "not a url"),
        ("GOPRIVATE", "a.example, b.example"),
        ("GOSUMDB", "sum.corp.example"),
        ("GOFLAGS", "-bogus"),
    ] {
        assert!(
            has_error(&syntax::check_value(name, value)),
            "{name}={value:?}"
        );
        u.go(&["env", "-w", &format!("{name}={value}")])
            .assert_success();
        u.go(&["env", "-u", name]).assert_success();
    }
}

// ---------------------------------------------------------------------------------------------
// Cross-variable claims (check_settings)
// ---------------------------------------------------------------------------------------------

fn settings(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn claims(pairs: &[(&str, &str)], code: &str) -> bool {
    syntax::check_settings(&settings(pairs))
        .iter()
        .any(|f| f.code == code)
}

/// GONOPROXY overrides GOPRIVATE for the proxy decision; GOPROXY=direct makes GONOPROXY moot;
/// GOPROXY=off still fetches GONOPROXY matches directly.
#[test]
fn proxy_decision_claims_like_go() {
    let proxy = refused_url();
    let private = "127.0.0.1/a,127.0.0.1/b";
    let u = user()
        .with_env("GOPROXY", &proxy)
        .with_env("GOPRIVATE", private)
        .with_env("GONOPROXY", "127.0.0.1/a");
    assert_eq!(route_of(&u, "127.0.0.1/a/x"), "direct");
    assert_eq!(route_of(&u, "127.0.0.1/b/x"), "proxy");
    assert!(claims(
        &[
            ("GOPROXY", &proxy),
            ("GOPRIVATE", private),
            ("GONOPROXY", "127.0.0.1/a")
        ],
        "settings.private-via-proxy"
    ));

    let u = user()
        .with_env("GOPROXY", "direct")
        .with_env("GONOPROXY", "127.0.0.1/a");
    assert_eq!(route_of(&u, "127.0.0.1/b/x"), "direct");
    assert!(claims(
        &[("GOPROXY", "direct"), ("GONOPROXY", "127.0.0.1/a")],
        "settings.noproxy-pointless"
    ));

    let u = user()
        .with_env("GOPROXY", "off")
        .with_env("GONOPROXY", "127.0.0.1/a");
    assert_eq!(route_of(&u, "127.0.0.1/a/x"), "direct");
    download(&u, "127.0.0.1/b/x@v1.0.0")
        .assert_failure()
        .assert_output_contains("module lookup disabled by GOPROXY=off");
    assert!(claims(
        &[("GOPROXY", "off"), ("GONOPROXY", "127.0.0.1/a")],
        "settings.offline-private"
    ));
}

/// A GONOSUMDB glob matching every path turns checksum verification off for everything.
#[test]
fn broad_gonosumdb_disables_verification_like_go() {
    let key = test_key("sum.corp.example");
    let (proxy, u) = sumdb_setup(&key);
    let u = u.with_env("GONOSUMDB", "*.*");
    download(&u, "example.com/hello@v1.0.0").assert_success();
    assert!(
        !proxy.paths().iter().any(|p| p.contains("/sumdb/")),
        "{:?}",
        proxy.paths()
    );
    assert!(claims(
        &[("GONOSUMDB", "*.*"), ("GOSUMDB", &key)],
        "settings.nosumdb-broad"
    ));
    // The same setup without the glob does consult the database.
    let (proxy, u) = sumdb_setup(&key);
    download(&u, "example.com/hello@v1.0.0").assert_failure();
    assert!(proxy.paths().iter().any(|p| p.contains("/sumdb/")));
}

/// For the go under test (whatever its version), `check_for` with its version predicts whether
/// `go list -m` accepts GOFLAGS.
#[test]
fn goflags_verdict_matches_this_go_version() {
    let minor = go_minor();
    let mut u = user();
    u.write_file("go.mod", "module example.com/m\n\ngo 1.16\n");
    for value in [
        "'-ldflags=-s -w'",
        "\"-tags=a b\" -trimpath",
        "-ldflags=-s -w",
        "-ldflags=-s -bogus",
        "'-tags=a",
        "-mod=mod -modcacherw",
        "--mod=readonly",
        "-e",
        "---x",
        "-=x",
        "-",
        "x",
    ] {
        let predicted_ok = !has_error(&goflags::check_for(value, Some(minor)));
        let run = go_with(&mut u, "GOFLAGS", value, &["list", "-m"]);
        assert_eq!(
            run.success(),
            predicted_ok,
            "go1.{minor} GOFLAGS={value:?}: {run}"
        );
    }
}

/// GOVCS, with paths whose `.git`/`.svn`/`.hg` element makes go pick the tool without any
/// network lookup; allowed tools then only ever reach 127.0.0.1.
#[test]
fn govcs_like_go() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("a.com", "", "127.0.0.1/x.git", "git"),
        ("a.com:git,", "", "127.0.0.1/x.git", "git"),
        ("a.com:git,a.com:hg", "", "127.0.0.1/x.git", "git"),
        ("127.0.0.1:off", "", "127.0.0.1/x.git", "git"),
        ("127.0.0.1:hg", "", "127.0.0.1/x.git", "git"),
        ("", "", "127.0.0.1/x.svn", "svn"),
        ("", "127.0.0.1", "127.0.0.1/x.svn", "svn"),
        ("public:git", "", "127.0.0.1/x.hg", "hg"),
        (
            " private : all , public : hg ",
            "",
            "127.0.0.1/x.git",
            "git",
        ),
        ("", "", "127.0.0.1/x.git", "git"),
    ];
    for (govcs, private, module, vcs) in cases {
        let u = user()
            .with_env("GOPROXY", "direct")
            .with_env("GOVCS", govcs)
            .with_env("GOPRIVATE", private)
            .with_env("GIT_TERMINAL_PROMPT", "0");
        let out = download(&u, &format!("{module}@v1.0.0"))
            .assert_failure()
            .output();
        match syntax::govcs::check_allowed(govcs, private, module, vcs) {
            Err(want) => assert!(
                out.contains(&want),
                "GOVCS={govcs:?} GOPRIVATE={private:?} {module}: go said\n{out}\ngodoctor: {want}"
            ),
            Ok(()) => assert!(
                !out.contains("GOVCS"),
                "GOVCS={govcs:?} GOPRIVATE={private:?} {module}: go said\n{out}"
            ),
        }
    }
}

/// `decide`'s first fetch is where go's first request for the module goes, across GOPROXY,
/// GONOPROXY and GOPRIVATE combinations.
#[test]
fn decide_first_fetch_like_go() {
    use syntax::decide::{Step, decide};
    let p1 = refused_url();
    let p2 = refused_url();
    let combos: Vec<Vec<(&str, String)>> = vec![
        vec![("GOPROXY", format!("{p1},direct"))],
        vec![
            ("GOPROXY", format!("{p1},direct")),
            ("GOPRIVATE", "127.0.0.1/a".into()),
        ],
        vec![
            ("GOPROXY", format!("{p1}|{p2}")),
            ("GONOPROXY", "127.0.0.1/b".into()),
        ],
        vec![
            ("GOPROXY", "direct".into()),
            ("GONOPROXY", "127.0.0.1/b".into()),
        ],
        vec![
            ("GOPROXY", "off".into()),
            ("GOPRIVATE", "127.0.0.1/a".into()),
        ],
        vec![
            ("GOPROXY", p1.clone()),
            ("GOPRIVATE", "127.0.0.1/a, 127.0.0.1/b".into()),
        ],
        vec![
            ("GOPROXY", p1.clone()),
            ("GOPRIVATE", "127.0.0.1/a".into()),
            ("GONOPROXY", "none".into()),
        ],
    ];
    for combo in combos {
        let values = combo
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        for module in ["127.0.0.1/a/x", "127.0.0.1/b/x"] {
            let d = decide(&values, module);
            let mut u = user();
            for (k, v) in &combo {
                u.set_env(k, v);
            }
            let out = download(&u, &format!("{module}@v1.0.0"))
                .assert_failure()
                .output();
            let go_first = if out.contains("?go-get=1") {
                "direct".to_string()
            } else if out.contains("module lookup disabled by GOPROXY=off") {
                "off".to_string()
            } else {
                // The proxy go asked first is the one whose URL appears in the first request line.
                let first = out.lines().find(|l| l.starts_with("# get ")).unwrap_or("");
                if first.contains(&p1) {
                    p1.clone()
                } else if first.contains(&p2) {
                    p2.clone()
                } else {
                    format!("? {out}")
                }
            };
            let ours = match d.first_fetch() {
                Some(Step::Direct { .. }) => "direct".to_string(),
                Some(Step::Proxy { url, .. }) => url.clone(),
                _ if d.steps.contains(&Step::Off) => "off".to_string(),
                other => format!("{other:?}"),
            };
            assert_eq!(ours, go_first, "{combo:?} {module}\n{out}");
        }
    }
}
