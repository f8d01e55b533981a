//! GOPROXY lists, parsed exactly as cmd/go's `proxyList` (cmd/go/internal/modfetch/proxy.go)
//! and `newProxyRepo` do, plus the mistakes go accepts without a word.
//!
//! Go's rules: entries are separated by `,` or `|`; each is trimmed of white space; blank
//! entries are skipped; `off` and `direct` end the list (later entries are ignored); an entry
//! that contains `.`, `:` or `/` but no `:/` and is not an absolute path gets `https://`; the
//! URL must then parse with a scheme of http, https or file. After an entry followed by `,`
//! go tries the next one only when the proxy answered 404 or 410; after `|` on any error.

use super::gourl;
use crate::finding::Finding;
use crate::redact::redact;
use serde::Serialize;

/// One entry of the list, as go understands it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ProxyEntry {
    /// A proxy URL. `raw` is the trimmed text; `url` is what go uses (`https://` added when
    /// the entry had no scheme). Both may contain credentials: redact before printing.
    Url { raw: String, url: String },
    /// `direct`: fetch from the origin (version control or `go-get=1` meta tags).
    Direct,
    /// `off`: fail.
    Off,
    /// The implicit first entry go adds when GONOPROXY is set and GOPROXY is not `direct`:
    /// modules matching GONOPROXY are fetched directly, the rest fall through.
    Noproxy,
}

/// When go moves on from an entry to the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// `,`: only when the proxy answered "not found" (HTTP 404 or 410).
    OnNotFound,
    /// `|`: on any error, including timeouts, connection refused and 5xx.
    OnAnyError,
}

/// An entry and how go falls back after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxySpec {
    pub entry: ProxyEntry,
    pub fallback: Fallback,
}

/// The outcome of parsing a GOPROXY value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyList {
    /// The entries go will try, in order (entries after `direct`/`off` are not included).
    pub specs: Vec<ProxySpec>,
    /// The error go itself reports for this value, if any (every download then fails with
    /// it); redacted.
    pub go_error: Option<String>,
    /// Everything worth saying about the value, errors first as go meets them.
    pub findings: Vec<Finding>,
}

impl ProxyList {
    /// Whether go can use this list at all.
    pub fn is_usable(&self) -> bool {
        self.go_error.is_none()
    }
}

/// Parse a GOPROXY value alone (no GONOPROXY).
pub fn parse(value: &str) -> ProxyList {
    resolve(value, "")
}

/// The first entry go tries (blank entries skipped, each trimmed, as [`parse`] reads them):
/// where go downloads a toolchain, and whether `off` stops every download. `None` for a value
/// without entries.
pub fn first_entry(value: &str) -> Option<ProxyEntry> {
    parse(value).specs.into_iter().next().map(|s| s.entry)
}

/// Parse GOPROXY the way go does when GONOPROXY (already defaulted from GOPRIVATE) is
/// `gonoproxy`: go prepends the implicit [`ProxyEntry::Noproxy`] entry when GONOPROXY is
/// non-empty and GOPROXY is not exactly `direct`.
pub fn resolve(value: &str, gonoproxy: &str) -> ProxyList {
    let mut specs = Vec::new();
    let mut findings = Vec::new();
    let mut go_error = None;
    if !gonoproxy.is_empty() && value != "direct" {
        specs.push(ProxySpec {
            entry: ProxyEntry::Noproxy,
            fallback: Fallback::OnNotFound,
        });
    }

    let mut rest = value;
    let mut blanks = 0;
    let mut seen: Vec<String> = Vec::new();
    while !rest.is_empty() {
        let (raw, fallback, next) = match rest.find([',', '|']) {
            Some(i) => {
                let fb = if rest.as_bytes()[i] == b'|' {
                    Fallback::OnAnyError
                } else {
                    Fallback::OnNotFound
                };
                (&rest[..i], fb, &rest[i + 1..])
            }
            None => (rest, Fallback::OnNotFound, ""),
        };
        rest = next;
        let entry = raw.trim();
        if entry.is_empty() {
            blanks += 1;
            continue;
        }
        if entry == "off" || entry == "direct" {
            let (e, code) = if entry == "off" {
                (ProxyEntry::Off, "goproxy.after-off")
            } else {
                (ProxyEntry::Direct, "goproxy.after-direct")
            };
            specs.push(ProxySpec {
                entry: e,
                fallback: Fallback::OnNotFound,
            });
            let ignored: Vec<&str> = rest
                .split([',', '|'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if !ignored.is_empty() {
                findings.push(
                    Finding::warning(
                        code,
                        format!(
                            "GOPROXY lists {} after `{entry}`, but go stops at `{entry}` and never tries {}.",
                            redact(&ignored.join(", ")),
                            if ignored.len() == 1 { "it" } else { "them" }
                        ),
                    )
                    .with_hint(format!("put `{entry}` last: GOPROXY={}", redact(&reorder(value, entry)))),
                );
            }
            if entry == "off"
                && specs
                    .iter()
                    .all(|s| matches!(s.entry, ProxyEntry::Off | ProxyEntry::Noproxy))
            {
                findings.push(
                    Finding::warning("goproxy.off", "GOPROXY=off: go may not download any module (only GONOPROXY matches are fetched directly).")
                        .with_hint("godoctor env unset GOPROXY (default: https://proxy.golang.org,direct)"),
                );
            }
            break;
        }
        let typo = keyword_typo(entry);
        let is_typo = typo.is_some();
        findings.extend(typo);
        let url = if entry.contains(['.', ':', '/'])
            && !entry.contains(":/")
            && !entry.starts_with('/')
        {
            format!("https://{entry}")
        } else {
            entry.to_string()
        };
        if let Err((code, msg, hint)) = check_proxy_url(&url) {
            // go reports the first bad entry and refuses the whole list.
            go_error.get_or_insert_with(|| msg.clone());
            findings.push(
                Finding::error(
                    code,
                    format!(
                        "GOPROXY entry {:?}: go fails every download with: {msg}",
                        redact(entry)
                    ),
                )
                .with_hint(hint),
            );
            // go stops at the first bad entry: nothing after it is used either.
            break;
        }
        // A keyword typo already says which URL go makes of it.
        findings.extend(
            url_warnings(entry, &url)
                .into_iter()
                .filter(|f| !(is_typo && f.code == "goproxy.implicit-https")),
        );
        if seen.contains(&url) {
            findings.push(Finding::info(
                "goproxy.duplicate",
                format!(
                    "GOPROXY lists {} twice; the second one only adds a retry.",
                    redact(&url)
                ),
            ));
        }
        seen.push(url.clone());
        specs.push(ProxySpec {
            entry: ProxyEntry::Url {
                raw: entry.to_string(),
                url,
            },
            fallback,
        });
    }

    if go_error.is_none() && specs.iter().all(|s| s.entry == ProxyEntry::Noproxy) {
        let msg = "GOPROXY list is not the empty string, but contains no entries".to_string();
        let why = if value.is_empty() {
            "GOPROXY is set to the empty string".to_string()
        } else {
            format!("GOPROXY={value:?} has only separators and blanks")
        };
        findings.insert(
            0,
            Finding::error("goproxy.empty", format!("{why}; go fails every download with: {msg}."))
                .with_hint("godoctor env unset GOPROXY (restores the default https://proxy.golang.org,direct), or set a list such as https://proxy.golang.org,direct"),
        );
        go_error = Some(msg);
    } else if blanks > 0 {
        findings.push(Finding::info(
            "goproxy.blank-entry",
            format!(
                "GOPROXY has {blanks} blank entr{}; go skips them.",
                if blanks == 1 { "y" } else { "ies" }
            ),
        ));
    }
    if go_error.is_none()
        && !specs
            .iter()
            .any(|s| matches!(s.entry, ProxyEntry::Direct | ProxyEntry::Off))
        && specs
            .iter()
            .any(|s| matches!(s.entry, ProxyEntry::Url { .. }))
    {
        findings.push(Finding::info(
            "goproxy.no-direct",
            "GOPROXY does not end in `direct`: modules the proxies do not have can only be fetched when they match GONOPROXY/GOPRIVATE.",
        ));
    }
    ProxyList {
        specs,
        go_error,
        findings,
    }
}

/// The value with every `keyword` entry moved to the end.
fn reorder(value: &str, keyword: &str) -> String {
    let mut entries: Vec<&str> = value
        .split([',', '|'])
        .map(str::trim)
        .filter(|e| !e.is_empty() && *e != keyword)
        .collect();
    entries.push(keyword);
    entries.join(",")
}

/// `direct/`, `Direct`, `"direct"`, `offline`…: near-keywords go takes for proxy URLs.
fn keyword_typo(entry: &str) -> Option<Finding> {
    let bare: String = entry
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let keyword = ["direct", "off"]
        .into_iter()
        .find(|k| bare == *k || (k.len() > 3 && super::names::edit_distance(&bare, k) == 1))?;
    let becomes =
        if entry.contains(['.', ':', '/']) && !entry.contains(":/") && !entry.starts_with('/') {
            format!("the proxy https://{entry}")
        } else {
            "an invalid proxy URL".to_string()
        };
    Some(
        Finding::error(
            "goproxy.keyword-typo",
            format!("GOPROXY entry {entry:?} is not the keyword `{keyword}` (keywords are exact and lower case); go treats it as {becomes}."),
        )
        .with_hint(format!("write `{keyword}`")),
    )
}

/// `newProxyRepo`'s checks, with Go's messages: Err((code, go message, hint)).
fn check_proxy_url(url: &str) -> Result<(), (&'static str, String, String)> {
    let parsed = gourl::parse(url).map_err(|e| {
        (
            "goproxy.bad-url",
            gourl::parse_error_message(url, &e),
            "fix the URL: https://host[:port][/path]".to_string(),
        )
    })?;
    let shown = redact(url);
    match parsed.scheme.as_str() {
        "http" | "https" => Ok(()),
        "file" => {
            let plain = gourl::GoUrl { scheme: parsed.scheme.clone(), path: parsed.path.clone(), ..Default::default() };
            if parsed != plain {
                Err((
                    "goproxy.bad-file-url",
                    format!("invalid file:// proxy URL with non-path elements: {shown}"),
                    "use three slashes and an absolute path: file:///path/to/proxy".into(),
                ))
            } else {
                Ok(())
            }
        }
        "" => {
            let shown = go_display(&parsed);
            let hint = if url.starts_with('/') {
                format!("a directory proxy needs file://: file://{shown}")
            } else {
                "write a full URL such as https://goproxy.example.com, or the keywords direct / off".into()
            };
            Err(("goproxy.missing-scheme", format!("invalid proxy URL missing scheme: {shown}"), hint))
        }
        _ => Err((
            "goproxy.scheme",
            format!("invalid proxy URL scheme (must be https, http, file): {shown}"),
            "GOPROXY takes http://, https:// or file:// URLs; SOCKS or other proxies belong in HTTPS_PROXY".into(),
        )),
    }
}

/// How Go's `URL.String` shows a scheme-less URL: the path escaped (space → `%20`).
fn go_display(u: &gourl::GoUrl) -> String {
    let mut s = String::new();
    for b in u.path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    if u.force_query || !u.raw_query.is_empty() {
        s.push('?');
        s.push_str(&u.raw_query);
    }
    s
}

/// Warnings for a URL go accepts.
fn url_warnings(entry: &str, url: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let Ok(parsed) = gourl::parse(url) else {
        return out;
    };
    if parsed.scheme == "http" && !is_loopback(parsed.hostname()) {
        out.push(
            Finding::warning(
                "goproxy.plain-http",
                format!("GOPROXY entry {} uses plain http to a non-loopback host: module downloads (and any credentials) travel unencrypted and can be tampered with on the way.", redact(url)),
            )
            .with_hint("use https:// if the proxy supports it"),
        );
    }
    if parsed.has_password || crate::redact::has_credentials(url) {
        out.push(
            Finding::warning(
                "goproxy.credentials",
                format!("GOPROXY entry {} has credentials in the URL: they are stored in plain text and shown by `go env`.", redact(url)),
            )
            .with_hint("put them in ~/.netrc (machine HOST login USER password TOKEN) or use GOAUTH, and drop them from GOPROXY"),
        );
    }
    if url != entry {
        out.push(Finding::info(
            "goproxy.implicit-https",
            format!(
                "GOPROXY entry {} has no scheme; go uses {}.",
                redact(entry),
                redact(url)
            ),
        ));
    }
    if !parsed.raw_query.is_empty() || !parsed.fragment.is_empty() {
        out.push(Finding::warning(
            "goproxy.query",
            format!("GOPROXY entry {} has a query or fragment; go appends the module path to the URL path and keeps the query, which proxies rarely expect.", redact(url)),
        ));
    }
    out
}

/// localhost, 127.0.0.0/8, ::1: where plain http is fine.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(l: &ProxyList) -> Vec<&'static str> {
        l.findings.iter().map(|f| f.code).collect()
    }
    fn urls(l: &ProxyList) -> Vec<String> {
        l.specs
            .iter()
            .map(|s| match &s.entry {
                ProxyEntry::Url { url, .. } => url.clone(),
                ProxyEntry::Direct => "direct".into(),
                ProxyEntry::Off => "off".into(),
                ProxyEntry::Noproxy => "noproxy".into(),
            })
            .collect()
    }

    #[test]
    fn default_list() {
        let l = parse("https://proxy.golang.org,direct");
        assert_eq!(urls(&l), ["https://proxy.golang.org", "direct"]);
        assert_eq!(l.specs[0].fallback, Fallback::OnNotFound);
        assert!(l.findings.is_empty(), "{:?}", l.findings);
        assert!(l.is_usable());
    }

    #[test]
    fn pipe_falls_back_on_any_error() {
        let l = parse("https://a.example|https://b.example,direct");
        assert_eq!(l.specs[0].fallback, Fallback::OnAnyError);
        assert_eq!(l.specs[1].fallback, Fallback::OnNotFound);
    }

    #[test]
    fn direct_and_off_end_the_list() {
        let l = parse("direct,https://proxy.golang.org");
        assert_eq!(urls(&l), ["direct"]);
        assert_eq!(codes(&l), ["goproxy.after-direct"]);
        assert_eq!(
            l.findings[0].hint.as_deref(),
            Some("put `direct` last: GOPROXY=https://proxy.golang.org,direct")
        );
        let l = parse("off|https://a.example");
        assert_eq!(urls(&l), ["off"]);
        assert!(codes(&l).contains(&"goproxy.after-off"));
        assert!(codes(&l).contains(&"goproxy.off"));
    }

    #[test]
    fn blanks_and_spaces() {
        let l = parse(" https://a.example , ,|direct,");
        assert_eq!(urls(&l), ["https://a.example", "direct"]);
        assert!(codes(&l).contains(&"goproxy.blank-entry"));
        for v in ["", ",", " ", "|,|"] {
            let l = parse(v);
            assert_eq!(
                l.go_error.as_deref(),
                Some("GOPROXY list is not the empty string, but contains no entries"),
                "{v:?}"
            );
            assert_eq!(codes(&l)[0], "goproxy.empty");
        }
    }

    #[test]
    fn implicit_https() {
        let l = parse("goproxy.cn,direct");
        assert_eq!(urls(&l), ["https://goproxy.cn", "direct"]);
        assert!(codes(&l).contains(&"goproxy.implicit-https"));
        assert_eq!(urls(&parse("localhost:3000")), ["https://localhost:3000"]);
    }

    #[test]
    fn keyword_typos() {
        let l = parse("https://proxy.golang.org,direct/");
        assert_eq!(urls(&l), ["https://proxy.golang.org", "https://direct/"]);
        assert!(codes(&l).contains(&"goproxy.keyword-typo"));
        let l = parse("Direct");
        assert!(codes(&l).contains(&"goproxy.keyword-typo"));
        assert_eq!(
            l.go_error.as_deref(),
            Some("invalid proxy URL missing scheme: Direct")
        );
        assert!(codes(&parse("https://p.example,dirct")).contains(&"goproxy.keyword-typo"));
    }

    #[test]
    fn bad_urls_fail_like_go() {
        let cases = [
            (
                "not a url",
                "invalid proxy URL missing scheme: not%20a%20url",
            ),
            ("proxy", "invalid proxy URL missing scheme: proxy"),
            (
                "/srv/goproxy",
                "invalid proxy URL missing scheme: /srv/goproxy",
            ),
            (
                "socks5://127.0.0.1:1080",
                "invalid proxy URL scheme (must be https, http, file): socks5://127.0.0.1:1080",
            ),
            (
                "file://host/srv",
                "invalid file:// proxy URL with non-path elements: file://host/srv",
            ),
            (
                "file:/srv",
                "invalid file:// proxy URL with non-path elements: file:/srv",
            ),
            (
                "https://exa mple.com",
                "parse \"https://exa mple.com\": invalid character \" \" in host name",
            ),
        ];
        for (v, want) in cases {
            let l = parse(v);
            assert_eq!(l.go_error.as_deref(), Some(want), "{v}");
            assert!(
                l.findings
                    .iter()
                    .any(|f| f.severity == crate::finding::Severity::Error)
            );
        }
        assert!(parse("file:///srv/goproxy").is_usable());
    }

    #[test]
    fn plain_http_and_credentials() {
        assert!(codes(&parse("http://proxy.corp.example,direct")).contains(&"goproxy.plain-http"));
        assert!(!codes(&parse("http://127.0.0.1:3000,direct")).contains(&"goproxy.plain-http"));
        assert!(!codes(&parse("http://[::1]:3000,direct")).contains(&"goproxy.plain-http"));
        let l = parse("https://alice:s3cret@proxy.corp.example,direct");
        assert!(codes(&l).contains(&"goproxy.credentials"));
        for f in &l.findings {
            assert!(!f.message.contains("s3cret"), "{}", f.message);
        }
        let l = parse("https://alice:s3cret@exa mple.com");
        assert!(!l.go_error.unwrap_or_default().contains("s3cret"));
    }

    #[test]
    fn noproxy_is_prepended_like_go() {
        let l = resolve("https://proxy.golang.org,direct", "github.com/corp");
        assert_eq!(urls(&l), ["noproxy", "https://proxy.golang.org", "direct"]);
        assert_eq!(urls(&resolve("direct", "github.com/corp")), ["direct"]);
        // Only the implicit entry: go still says the list has no entries.
        assert!(!resolve(",", "github.com/corp").is_usable());
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(v in any::<String>(), np in any::<String>()) {
            let _ = resolve(&v, &np);
        }

        #[test]
        fn never_panics_on_url_alphabet(v in "[a-z:/@%\\[\\]., |?#0-9]{0,40}") {
            let l = parse(&v);
            // Every URL entry go keeps has a scheme go accepts.
            for s in &l.specs {
                if let ProxyEntry::Url { url, .. } = &s.entry {
                    prop_assert!(url.starts_with("http") || url.starts_with("file") || url.starts_with("HTTP"), "{url}");
                }
            }
            // go either has entries or an error.
            prop_assert!(l.go_error.is_some() || !l.specs.is_empty());
        }

        /// direct and off end the list: nothing after them is kept.
        #[test]
        fn keywords_end_the_list(before in "([a-z]{1,5}\\.com[,|]){0,3}", kw in "direct|off", after in "([,|][a-z]{1,5}\\.org){0,3}") {
            let l = parse(&format!("{before}{kw}{after}"));
            let last = l.specs.last().map(|s| s.entry.clone());
            prop_assert!(matches!(last, Some(ProxyEntry::Direct) | Some(ProxyEntry::Off)));
            prop_assert_eq!(l.specs.len(), before.matches(".com").count() + 1);
        }
    }
}
