//! Secret redaction: passwords in URLs, GOAUTH command arguments and credential-looking flags
//! never reach the terminal, JSON, error messages or saved files.
//!
//! Two entry points: [`value`] for one go env value whose name is known (the precise one: every
//! print of a go env value goes through it), and [`redact`] for free text (messages, go's own
//! errors, whole output blocks), which the output module applies to everything it writes as a
//! safety net. Both are idempotent: redacting twice changes nothing more.

use std::borrow::Cow;

/// What replaces a secret.
pub const MASK: &str = "***";

/// Redact one go env value, knowing its name: GOAUTH keeps its methods and command names but
/// not their arguments; every value (GOFLAGS, GOPROXY, GOSUMDB, ...) loses URL passwords and the
/// values of credential-looking flags.
pub fn value(name: &str, value: &str) -> String {
    if name == "GOAUTH" {
        return goauth(value);
    }
    redact(value)
}

/// GOAUTH with every command's arguments masked: `netrc`, `off` and `git DIR` stay (they name no
/// secret), `/usr/bin/helper --token=x` becomes `/usr/bin/helper ***`.
pub fn goauth(value: &str) -> String {
    value
        .split(';')
        .map(|command| {
            let trimmed = command.trim_start();
            let lead = &command[..command.len() - trimmed.len()];
            let mut words = trimmed.split_whitespace();
            match words.next() {
                None => command.to_string(),
                Some("off" | "netrc" | "git") => redact(command),
                Some(program) => {
                    // A quoted program name keeps only its quoted part: the rest is arguments.
                    let program = program_word(trimmed).unwrap_or(program);
                    let has_args = !trimmed[program.len()..].trim().is_empty();
                    let program = redact(program);
                    if has_args {
                        format!("{lead}{program} {MASK}")
                    } else {
                        format!("{lead}{program}")
                    }
                }
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The first word of a GOAUTH command including its quotes (`'/opt/my helper'`), if quoted.
fn program_word(command: &str) -> Option<&str> {
    let q = command.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let end = command[1..].find(q)?;
    Some(&command[..end + 2])
}

/// Redact every secret that free text can be seen to hold: URL passwords (by URL structure: the
/// userinfo is everything between `://` and the last `@` of the authority, whatever characters
/// it holds), the values of credential-looking `key=value` words (`--token=`, `-password=`,
/// `main.apiSecret=`), and GOAUTH command arguments after `GOAUTH=`.
pub fn redact(text: &str) -> String {
    let text = redact_urls(text);
    let text = redact_goauth_assignments(&text);
    redact_credential_words(&text).into_owned()
}

/// Whether `text` contains a secret [`redact`] would mask.
pub fn has_credentials(text: &str) -> bool {
    redact(text) != text
}

/// Characters that end a URL authority in free text. `/ ? #` end it in every URL (Go's
/// url.Parse); whitespace, control characters, `|` (GOPROXY's separator) and `< >` cannot be in a
/// valid authority; an unescaped `"` closes the quoted string (JSON, `%q`) the URL sits in.
/// Everything else, `'` `,` `;` `@` `!` `$` `&` `(` `)` `*` `+` `=` `%` `~` `\` included, can be
/// part of a userinfo and does not end it.
fn ends_authority(c: char, prev: Option<char>) -> bool {
    matches!(c, '/' | '?' | '#' | '|' | '<' | '>')
        || c.is_whitespace()
        || c.is_control()
        || (c == '"' && prev != Some('\\'))
}

fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0; // bytes of `text` already copied to `out`
    let mut search = 0;
    while let Some(p) = text[search..].find("://") {
        let start = search + p + 3;
        let mut end = text.len();
        let mut prev = None;
        for (i, c) in text[start..].char_indices() {
            if ends_authority(c, prev) {
                end = start + i;
                break;
            }
            prev = Some(c);
        }
        let authority = &text[start..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(&text[done..start]);
                out.push_str(&mask_userinfo(&authority[..at]));
                done = start + at;
                search = done;
            }
            None => search = start,
        }
    }
    out.push_str(&text[done..]);
    out
}

/// `user:password` → `user:***`; a lone user that looks like an access token → `***`.
fn mask_userinfo(userinfo: &str) -> Cow<'_, str> {
    match userinfo.find(':') {
        Some(colon) => Cow::Owned(format!("{}:{MASK}", &userinfo[..colon])),
        None if looks_like_token(userinfo) => Cow::Borrowed(MASK),
        None => Cow::Borrowed(userinfo),
    }
}

/// A user name of 20+ characters of token alphabet is almost certainly an access token
/// (GitHub `ghp_…`, GitLab `glpat-…`), not a login.
fn looks_like_token(user: &str) -> bool {
    user.len() >= 20
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Parts of a key that mark its value as a credential.
const CREDENTIAL_KEYS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "apikey",
    "api_key",
    "api-key",
    "credential",
    "private_key",
    "private-key",
];

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// `KEY=VALUE` where KEY names a credential: VALUE (up to whitespace or a closing `"`) becomes
/// `***`. A word that was opened with `'` keeps its closing `'`.
fn redact_credential_words(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut done = 0;
    let mut search = 0;
    while let Some(p) = text[search..].find('=') {
        let eq = search + p;
        let key_start = text[..eq]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_key_char(*c))
            .last()
            .map_or(eq, |(i, _)| i);
        let key = text[key_start..eq].to_ascii_lowercase();
        search = eq + 1;
        if !CREDENTIAL_KEYS.iter().any(|k| key.contains(k)) {
            continue;
        }
        let quoted = text[..key_start].ends_with('\'');
        let mut end = text.len();
        let mut prev = None;
        for (i, c) in text[eq + 1..].char_indices() {
            if c.is_whitespace() || c.is_control() || (c == '"' && prev != Some('\\')) {
                end = eq + 1 + i;
                break;
            }
            prev = Some(c);
        }
        let mut value_end = end;
        if quoted && text[eq + 1..end].ends_with('\'') {
            value_end -= 1;
        }
        if text[eq + 1..value_end] == *MASK || eq + 1 == value_end {
            continue;
        }
        out.push_str(&text[done..=eq]);
        out.push_str(MASK);
        done = value_end;
        search = end.max(eq + 1);
    }
    if done == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// `GOAUTH=VALUE`, `GOAUTH='VALUE'`, `GOAUTH="VALUE"` and JSON's `"GOAUTH": "VALUE"` in free text:
/// the value (to the closing quote, else to the end of the line) goes through [`goauth`].
fn redact_goauth_assignments(text: &str) -> String {
    const KEY: &str = "GOAUTH";
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut search = 0;
    while let Some(p) = text[search..].find(KEY) {
        let after = search + p + KEY.len();
        search = after;
        let rest = &text[after..];
        let (sep, quote) = if rest.starts_with("=\"") {
            (2, Some('"'))
        } else if rest.starts_with("='") {
            (2, Some('\''))
        } else if rest.starts_with("\": \"") {
            (4, Some('"'))
        } else if rest.starts_with('=') {
            (1, None)
        } else {
            continue;
        };
        let start = after + sep;
        // Quoted from outside (`"GOAUTH=off cannot be combined…"`, or `\"` inside a JSON
        // string): the value ends at the matching quote, not at the end of the line.
        let outer = text[..after - KEY.len()]
            .chars()
            .next_back()
            .filter(|c| quote.is_none() && (*c == '"' || *c == '\''));
        let quote = quote.or(outer);
        let end = match quote {
            Some(q) => text[start..].find(q).map_or_else(
                || line_end(text, start),
                // An escaped quote (`\"` in JSON text) ends before its backslash.
                |i| start + i - usize::from(text[..start + i].ends_with('\\')),
            ),
            None => line_end(text, start),
        };
        out.push_str(&text[done..start]);
        out.push_str(&goauth(&text[start..end]));
        done = end;
        search = end;
    }
    out.push_str(&text[done..]);
    out
}

/// Fields of a GOAUTH row that describe the value rather than hold it.
const NOT_VALUES: &[&str] = &["source", "file", "path", "kind", "code", "goenv"];

/// Redact pretty or compact JSON text: every string as free text ([`redact`]), plus GOAUTH
/// wherever the JSON says a value is one: under a `"GOAUTH"` key (a string, or every string of
/// the object there) and in every string field of an object with `"name": "GOAUTH"` (rows of
/// `env set`, `undo`, `profile diff`). Keeps the key order and the layout of `text`.
pub fn json(text: &str) -> String {
    /// One open object: the byte spans of its string values, and whether they are GOAUTH's.
    struct Obj {
        spans: Vec<(usize, usize)>,
        goauth: bool,
        inherited: bool,
    }
    let b = text.as_bytes();
    let mut stack: Vec<Obj> = Vec::new();
    let mut goauth_spans: Vec<(usize, usize)> = Vec::new();
    // Every string's content: free-text redaction runs inside each one, so a rule that reads
    // to the end of a line (an unquoted `GOAUTH=…`) cannot run past a closing quote.
    let mut strings: Vec<(usize, usize)> = Vec::new();
    let mut last_key: Option<(usize, usize)> = None;
    let mut expect_key = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => {
                let inherited = stack.last().is_some_and(|o| o.goauth && o.inherited)
                    || last_key.is_some_and(|(s, e)| &text[s..e] == "GOAUTH");
                stack.push(Obj {
                    spans: Vec::new(),
                    goauth: inherited,
                    inherited,
                });
                expect_key = true;
                last_key = None;
            }
            b'}' => {
                if let Some(o) = stack.pop() {
                    if o.goauth {
                        goauth_spans.extend(o.spans);
                    }
                }
                expect_key = false;
            }
            b',' => expect_key = !stack.is_empty(),
            b'[' => last_key = None,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                strings.push((start, end));
                if expect_key {
                    last_key = Some((start, end));
                    expect_key = false;
                } else {
                    let key = last_key.map(|(s, e)| &text[s..e]);
                    if key == Some("GOAUTH") {
                        goauth_spans.push((start, end));
                    } else if let Some(o) = stack.last_mut() {
                        if key == Some("name") && &text[start..end] == "GOAUTH" {
                            o.goauth = true;
                        } else if !key.is_some_and(|k| NOT_VALUES.contains(&k)) {
                            o.spans.push((start, end));
                        }
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    goauth_spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (s, e) in strings {
        if s < done || e > text.len() {
            continue;
        }
        out.push_str(&text[done..s]);
        let inner = &text[s..e];
        if goauth_spans.binary_search(&(s, e)).is_ok() {
            out.push_str(&redact(&goauth(inner)));
        } else {
            out.push_str(&redact(inner));
        }
        done = e;
    }
    out.push_str(&text[done..]);
    out
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_stays_json_when_a_message_quotes_an_unquoted_goauth() {
        let text = r#"{"headline": "GOAUTH=off cannot be combined; GOPROXY=off", "n": 1, "list": ["GOAUTH=git /d", "https://u:pw@h/x"]}"#;
        let out = json(text);
        let v: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(v["n"], 1);
        assert!(
            v["headline"]
                .as_str()
                .is_some_and(|h| h.starts_with("GOAUTH=")),
            "{out}"
        );
        // Quoted from outside, the value ends at the quote: what follows is kept.
        let quoted = json(
            r#"{"m": "go stops with \"GOAUTH=off cannot be combined\"; GOPROXY=off: go downloads nothing"}"#,
        );
        let v: serde_json::Value = serde_json::from_str(&quoted).expect("still JSON");
        assert!(
            v["m"]
                .as_str()
                .is_some_and(|m| m.ends_with("GOPROXY=off: go downloads nothing")),
            "{quoted}"
        );
        assert!(redact("say \"GOAUTH=off cannot\"; then more").ends_with("; then more"));
        assert!(!out.contains("pw@"), "{out}");
    }

    #[test]
    fn redacts_password_keeps_user() {
        assert_eq!(
            redact("https://alice:s3cret@proxy.corp/x"),
            "https://alice:***@proxy.corp/x"
        );
    }

    #[test]
    fn redacts_each_entry_of_a_list() {
        assert_eq!(
            redact("https://a:b@p1.example,http://c:d@p2.example|direct"),
            "https://a:***@p1.example,http://c:***@p2.example|direct"
        );
    }

    #[test]
    fn leaves_plain_urls_and_text_alone() {
        for s in [
            "https://proxy.golang.org,direct",
            "off",
            "no url here",
            "git@github.com:x/y",
            "",
            "https://proxy.example/github.com/x/y/@v/list",
            "https://[::1]:8080/x",
            "GOAUTH=netrc",
            "GOAUTH='git /home/me/src'",
            "go env -w GOFLAGS=-mod=mod",
        ] {
            assert_eq!(redact(s), s);
        }
    }

    #[test]
    fn redacts_token_as_user() {
        assert_eq!(
            redact("https://ghp_abcdefghijklmnopqrstuvwxyz012345@github.com/x"),
            "https://***@github.com/x"
        );
    }

    #[test]
    fn password_with_at_sign() {
        assert_eq!(redact("https://u:p@ss@host/"), "https://u:***@host/");
    }

    #[test]
    fn inside_error_text() {
        assert_eq!(
            redact("Get \"https://u:pw@h/x\": dial tcp"),
            "Get \"https://u:***@h/x\": dial tcp"
        );
    }

    /// Issue 13 item 3: `'` ended the authority, so this password was printed whole.
    #[test]
    fn every_character_a_userinfo_allows() {
        let secret = "x'y-s3cr3t!$&()*+,;=%41~.:_@";
        for shape in [
            "https://u:{}@127.0.0.1:1",
            "GOPROXY=\"https://u:{}@127.0.0.1:1\"",
            "'https://u:{}@127.0.0.1:1/x'",
            "{\"GOPROXY\": \"https://u:{}@127.0.0.1:1\"}",
            "parse \"https://u:{}@h\": invalid port",
        ] {
            let text = shape.replace("{}", secret);
            let r = redact(&text);
            assert!(!r.contains("s3cr3t"), "{text} -> {r}");
            assert!(r.contains("u:***@"), "{text} -> {r}");
            assert_eq!(redact(&r), r, "idempotent");
        }
    }

    #[test]
    fn shell_quoted_password_with_a_quote() {
        let text = "go env -w GOPROXY='https://u:x'\\''y-s3cr3t@127.0.0.1:1'";
        let r = redact(text);
        assert!(!r.contains("s3cr3t"), "{r}");
    }

    #[test]
    fn json_stays_valid() {
        let v = serde_json::json!({"a": "https://h", "b": "x@y", "c": "https://u:p'q@h"});
        let text = serde_json::to_string(&v).expect("json");
        let r = redact(&text);
        let back: serde_json::Value = serde_json::from_str(&r).expect("still JSON");
        assert_eq!(back["a"], "https://h");
        assert_eq!(back["b"], "x@y");
        assert_eq!(back["c"], "https://u:***@h");
    }

    /// Issue 13 item 4: GOAUTH arguments and credential flags were printed verbatim.
    #[test]
    fn goauth_keeps_methods_and_masks_arguments() {
        assert_eq!(goauth("netrc"), "netrc");
        assert_eq!(goauth("off"), "off");
        assert_eq!(goauth("git /home/me/src"), "git /home/me/src");
        assert_eq!(goauth("/bin/echo --token=s3cr3t"), "/bin/echo ***");
        assert_eq!(
            goauth("netrc; /bin/helper s3cr3t ;git /x"),
            "netrc; /bin/helper ***;git /x"
        );
        assert_eq!(goauth("'/opt/my helper' s3cr3t"), "'/opt/my helper' ***");
        assert_eq!(goauth("/bin/helper"), "/bin/helper");
        assert_eq!(goauth(&goauth("/bin/echo a b")), "/bin/echo ***");
        assert_eq!(value("GOAUTH", "/bin/echo s3cr3t"), "/bin/echo ***");
    }

    #[test]
    fn goauth_in_free_text() {
        for (text, want) in [
            (
                "undoing: go env -w GOAUTH=/bin/echo s3cr3t",
                "undoing: go env -w GOAUTH=/bin/echo ***",
            ),
            (
                "godoctor env set GOAUTH='/bin/echo s3cr3t' next",
                "godoctor env set GOAUTH='/bin/echo ***' next",
            ),
            (
                "{\"GOAUTH\": \"/bin/echo s3cr3t\", \"X\": \"y\"}",
                "{\"GOAUTH\": \"/bin/echo ***\", \"X\": \"y\"}",
            ),
        ] {
            assert_eq!(redact(text), want);
        }
    }

    #[test]
    fn credential_flags() {
        for (text, want) in [
            ("-token=abc", "-token=***"),
            (
                "GOFLAGS=--auth-token=abc -mod=mod",
                "GOFLAGS=--auth-token=*** -mod=mod",
            ),
            (
                "-ldflags=-X=main.apiSecret=abc",
                "-ldflags=-X=main.apiSecret=***",
            ),
            ("'-password=a'b'", "'-password=***'"),
            (
                "\"GOFLAGS\": \"-db-password=x\"",
                "\"GOFLAGS\": \"-db-password=***\"",
            ),
            ("-token=", "-token="),
        ] {
            assert_eq!(redact(text), want, "{text}");
            assert_eq!(redact(want), want, "idempotent");
        }
    }

    #[test]
    fn json_goauth_by_key_and_by_name() {
        let v = serde_json::json!({
            "GOAUTH": {"value": "/bin/echo s1", "source": "file"},
            "changed": [{"name": "GOAUTH", "before": "netrc", "after": "/bin/echo s2"},
                        {"name": "GOPRIVATE", "before": null, "after": "a b"}],
            "set": {"GOAUTH": "/bin/echo s3", "X": "/bin/echo keep"},
            "nested": {"GOAUTH": {"deep": {"v": "/bin/echo s4"}}},
        });
        for text in [
            serde_json::to_string(&v).expect("json"),
            serde_json::to_string_pretty(&v).expect("json"),
        ] {
            let r = json(&text);
            let back: serde_json::Value = serde_json::from_str(&r).expect("still JSON");
            assert!(
                !r.contains("s1") && !r.contains("s2") && !r.contains("s3"),
                "{r}"
            );
            assert!(!r.contains("s4"), "{r}");
            assert_eq!(back["GOAUTH"]["source"], "file");
            assert_eq!(back["changed"][0]["before"], "netrc");
            assert_eq!(back["changed"][1]["after"], "a b");
            assert_eq!(back["set"]["X"], "/bin/echo keep");
            assert_eq!(json(&r), r, "idempotent");
        }
    }

    #[test]
    fn value_redacts_urls_in_any_variable() {
        assert_eq!(
            value("HTTPS_PROXY", "http://u:x'y@127.0.0.1:3128"),
            "http://u:***@127.0.0.1:3128"
        );
    }
}
