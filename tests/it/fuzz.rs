//! Fuzz entry points (issue 13): property tests over every parser of outside input: go env
//! files and `go env -json`, profiles, go.mod/go.sum, .netrc, GOPROXY/GOSUMDB/GOAUTH/GOFLAGS
//! values, HTTP response heads, plus the redactor and the terminal escaper that stand between
//! them and the screen. None may panic; where a writer exists, what it writes parses back.
//!
//! They run briefly in the normal suite (64 cases each). For a longer run:
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;

use godoctor::profile::{Origin, schema};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text that looks a little like configuration: printable ASCII, `=`, quotes, newlines,
/// control characters and some non-ASCII, so parsers get past their first check.
fn texty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            6 => prop::char::range(' ', '~'),
            2 => prop::sample::select(vec!['\n', '=', '\'', '"', '\\', '#', '@', ':', '/', ';', ',', '|']),
            1 => prop::sample::select(vec!['\r', '\t', '\0', '\u{1b}', '\u{7}', '\u{85}', '\u{202e}', 'é', '\u{fffd}']),
        ],
        0..200,
    )
    .prop_map(|v| v.into_iter().collect())
}

/// A go env value that cmd/go would write on one line (no newline).
fn one_line() -> impl Strategy<Value = String> {
    texty().prop_map(|s| s.replace(['\n', '\r'], ""))
}

fn user_origin() -> Origin {
    Origin::User {
        path: PathBuf::from("/fuzz/p.toml"),
        overrides_builtin: false,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn go_env_file_never_panics(text in texty()) {
        let _ = godoctor::goenv::envfile::parse(&text);
        let _ = godoctor::goenv::envfile::shape(Some(text.as_bytes()));
    }

    /// `KEY=VALUE` lines as go writes them read back with the same values (the last one wins).
    #[test]
    fn go_env_file_round_trip(pairs in prop::collection::btree_map("[A-Z][A-Z0-9_]{0,12}", one_line(), 0..8)) {
        let text: String = pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        let file = godoctor::goenv::envfile::parse(&text);
        for (k, v) in &pairs {
            prop_assert_eq!(&file.last(k).expect("key read back").value, v);
        }
    }

    #[test]
    fn go_env_json_never_panics(text in texty()) {
        let _ = godoctor::goenv::parse_env_json(&text);
    }

    #[test]
    fn go_env_json_round_trip(
        mut pairs in prop::collection::btree_map("[A-Z][A-Z0-9_]{0,12}", one_line(), 0..8),
        goroot in one_line(),
    ) {
        pairs.insert("GOROOT".to_string(), goroot);
        let text = serde_json::to_string_pretty(&pairs).expect("json");
        let back = godoctor::goenv::parse_env_json(&text).expect("parses");
        prop_assert_eq!(back, pairs);
    }

    #[test]
    fn profile_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300), text in texty()) {
        let _ = schema::parse_bytes("/fuzz/p.toml", "p", &bytes, user_origin());
        let _ = schema::parse("/fuzz/p.toml", "p", &text, user_origin());
        let toml_like = format!("version = 1\ndescription = \"d\"\n[set]\nGOPROXY = {text:?}\n");
        let _ = schema::parse("/fuzz/p.toml", "p", &toml_like, user_origin());
    }

    /// A profile godoctor writes (profile save) reads back equal, whatever the values hold.
    #[test]
    fn profile_round_trip(
        proxy in one_line(),
        private in one_line(),
        description in "[ -~]{1,60}",
    ) {
        let values: BTreeMap<&str, String> =
            [("GOPROXY", proxy), ("GOPRIVATE", private)].into_iter().collect();
        let mut text = format!(
            "version = 1\ndescription = {}\n[set]\n",
            toml::Value::String(description)
        );
        for (k, v) in &values {
            text.push_str(&format!("{k} = {}\n", toml::Value::String(v.clone())));
        }
        // Not every value is a valid profile (templates use `{{`); those must fail cleanly.
        if let Ok(profile) = schema::parse("/fuzz/p.toml", "p", &text, user_origin()) {
            let written = schema::stringify(&profile, "fuzz");
            let back = schema::parse("/fuzz/p.toml", "p", &written, user_origin());
            prop_assert_eq!(back.as_ref().ok(), Some(&profile), "{}", written);
        }
    }

    #[test]
    fn go_mod_and_go_sum_never_panic(gomod in texty(), gosum in texty()) {
        let _ = godoctor::cache::required::parse(&gomod, &gosum);
        let _ = godoctor::doctor::toolchain::parse_gomod_versions(&gomod);
    }

    #[test]
    fn netrc_never_panics(text in texty()) {
        let _ = godoctor::net::credentials::parse_netrc(&text);
    }

    /// Entries written one per line read back as written.
    #[test]
    fn netrc_round_trip(entries in prop::collection::vec(("[a-z0-9.:-]{1,20}", "[!-~]{1,20}", "[!-~]{1,20}"), 0..5)) {
        let entries: Vec<_> = entries
            .into_iter()
            .filter(|(m, l, p)| ![m, l, p].iter().any(|w| {
                matches!(w.as_str(), "machine" | "login" | "password" | "default" | "macdef" | "account")
            }))
            .collect();
        let text: String = entries
            .iter()
            .map(|(m, l, p)| format!("machine {m} login {l} password {p}\n"))
            .collect();
        let parsed = godoctor::net::credentials::parse_netrc(&text);
        let got: Vec<(String, String, String)> = parsed
            .into_iter()
            .map(|e| (e.machine, e.login, e.password))
            .collect();
        prop_assert_eq!(got, entries);
    }

    #[test]
    fn go_variable_values_never_panic(value in texty(), minor in proptest::option::of(0u64..30)) {
        use godoctor::syntax;
        let _ = syntax::goproxy::parse(&value);
        let _ = syntax::gosumdb::parse(&value);
        let _ = syntax::gosumdb::check(&value);
        let _ = syntax::gosumdb::parse_verifier_key(&value);
        let _ = syntax::goauth::parse(&value);
        let _ = syntax::goauth::check(&value);
        let _ = syntax::goflags::split(&value);
        let _ = syntax::goflags::check(&value);
        let _ = syntax::gourl::parse(&value);
        let _ = syntax::quoted::split(&value);
        let _ = godoctor::fetch::chain::sources(&value, "example.com/m");
        for name in ["GOPROXY", "GOSUMDB", "GOAUTH", "GOFLAGS", "GOPRIVATE", "GONOPROXY",
                     "GONOSUMDB", "GOINSECURE", "GOVCS", "GOTOOLCHAIN", "GOMODCACHE"] {
            let _ = syntax::check_value_for(name, &value, minor);
        }
    }

    /// GOFLAGS words joined by spaces split back into the same words.
    #[test]
    fn goflags_split_round_trip(words in prop::collection::vec("-[a-z][a-z0-9=._-]{0,12}", 0..6)) {
        let value = words.join(" ");
        prop_assert_eq!(godoctor::syntax::goflags::split(&value).expect("splits"), words);
    }

    #[test]
    fn http_head_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400), text in texty()) {
        let _ = godoctor::net::wire::parse_head(&bytes);
        let _ = godoctor::net::wire::parse_head(format!("HTTP/1.1 200 OK\r\n{text}").as_bytes());
    }

    /// A well-formed head parses to its status, headers and the body bytes after it.
    #[test]
    fn http_head_round_trip(
        status in 100u16..600,
        headers in prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,15}", "[!-~]([ -~]{0,30}[!-~])?"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..50),
    ) {
        let mut raw = format!("HTTP/1.1 {status} Whatever\r\n").into_bytes();
        for (k, v) in &headers {
            raw.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        raw.extend_from_slice(&body);
        let head = godoctor::net::wire::parse_head(&raw).expect("parses");
        prop_assert_eq!(head.status, status);
        prop_assert_eq!(head.headers, headers);
        prop_assert_eq!(head.rest, body);
    }

    /// Redaction never panics, is idempotent, and a password (any userinfo character) in a URL
    /// anywhere in the text is gone.
    #[test]
    fn redaction_hides_every_password(
        before in texty(),
        after in texty(),
        password in "[A-Za-z0-9._~!$&'()*+,;=%-]{0,12}",
    ) {
        let secret = format!("Zq{password}Zq");
        let text = format!("{before} https://user:{secret}@127.0.0.1:1/x {after}");
        let r = godoctor::redact::redact(&text);
        prop_assert!(!r.contains(&secret), "{}", r);
        prop_assert_eq!(godoctor::redact::redact(&r), r.clone());
        let _ = godoctor::redact::json(&before);
        let _ = godoctor::redact::value("GOAUTH", &before);
    }

    /// Output escaping leaves no control or bidi character but newline and tab.
    #[test]
    fn sanitized_text_has_no_raw_controls(text in texty()) {
        let s = godoctor::output::sanitize(&text);
        prop_assert!(
            !s.chars().any(|c| (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "{:?}", s
        );
    }
}
