//! A port of the parts of Go's `net/url.Parse` that decide whether cmd/go accepts a GOPROXY or
//! GOSUMDB URL, with Go's error wording.
//!
//! The WHATWG `url` crate accepts and rejects different strings than Go (and lower-cases,
//! normalises and percent-encodes differently), so agreeing with `go` needs Go's own rules:
//! scheme detection, the query/fragment cut, opaque URLs, the authority split on the LAST `@`,
//! host characters, ports, and `%` escapes.

/// The fields of a parsed URL that godoctor needs (Go's `url.URL`, unescaped like Go).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoUrl {
    /// Lower-cased scheme, empty when none.
    pub scheme: String,
    /// Rootless data after `scheme:` (e.g. `mailto:x`, or `proxy.example.com:8080` misread).
    pub opaque: String,
    /// User name, when there is userinfo.
    pub username: Option<String>,
    /// Whether the userinfo carries a password (`user:pass@`).
    pub has_password: bool,
    /// Host with port, unescaped, brackets kept for IPv6.
    pub host: String,
    /// Unescaped path.
    pub path: String,
    pub raw_query: String,
    pub force_query: bool,
    pub fragment: String,
    /// `scheme:/path` with no `//` authority at all.
    pub omit_host: bool,
}

impl GoUrl {
    /// Host without the port and without IPv6 brackets (Go's `URL.Hostname`).
    pub fn hostname(&self) -> &str {
        let host = &self.host;
        if let Some(rest) = host.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        match host.find(':') {
            Some(i) => &host[..i],
            None => host,
        }
    }

    /// The port, if any (Go's `URL.Port`).
    pub fn port(&self) -> Option<&str> {
        let host = &self.host;
        let after = match host.rfind(']') {
            Some(i) => &host[i + 1..],
            None => host.as_str(),
        };
        after
            .rfind(':')
            .map(|i| &after[i + 1..])
            .filter(|p| !p.is_empty())
    }
}

/// Parse like Go's `url.Parse`. The error is Go's message without the `parse "…": ` prefix
/// (callers add it with the URL redacted).
pub fn parse(raw: &str) -> Result<GoUrl, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let mut url = parse_no_frag(u)?;
    if !frag.is_empty() {
        url.fragment = unescape(frag, Mode::Fragment)?;
    }
    Ok(url)
}

/// The message Go prints for a failed `url.Parse`: `parse "<url>": <err>`, URL redacted.
pub fn parse_error_message(raw: &str, err: &str) -> String {
    format!("parse {:?}: {err}", crate::redact::redact(raw))
}

fn parse_no_frag(raw: &str) -> Result<GoUrl, String> {
    if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = GoUrl::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest;
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        rest = r;
        url.raw_query = q.into();
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // Rootless paths are opaque (RFC 3986).
            url.opaque = rest.into();
            return Ok(url);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let authority_and_path = &rest[2..];
        let (authority, path) = match authority_and_path.find('/') {
            Some(i) => (&authority_and_path[..i], &authority_and_path[i..]),
            None => (authority_and_path, ""),
        };
        parse_authority(&url.scheme.clone(), authority, &mut url)?;
        rest = path;
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_authority(scheme: &str, authority: &str, url: &mut GoUrl) -> Result<(), String> {
    let at = authority.rfind('@');
    let host_part = match at {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    url.host = parse_host(scheme, host_part)?;
    if let Some(i) = at {
        let userinfo = &authority[..i];
        if !valid_userinfo(userinfo) {
            return Err("net/url: invalid userinfo".into());
        }
        match userinfo.split_once(':') {
            None => url.username = Some(unescape(userinfo, Mode::UserPassword)?),
            Some((user, pass)) => {
                url.username = Some(unescape(user, Mode::UserPassword)?);
                unescape(pass, Mode::UserPassword)?;
                url.has_password = true;
            }
        }
    }
    Ok(())
}

fn parse_host(scheme: &str, host: &str) -> Result<String, String> {
    match host.rfind('[') {
        Some(i) if i > 0 => return Err("invalid IP-literal".into()),
        Some(_) => {
            let close = host
                .rfind(']')
                .ok_or_else(|| "missing ']' in host".to_string())?;
            let colon_port = &host[close + 1..];
            if !valid_optional_port(colon_port) {
                return Err(format!("invalid port {colon_port:?} after host"));
            }
            let hostname = &host[1..close];
            let (addr_part, zone) = match hostname.find("%25") {
                Some(z) => (&hostname[..z], Some(&hostname[z..])),
                None => (hostname, None),
            };
            let addr = unescape(addr_part, Mode::Host)?;
            if let Some(z) = zone {
                unescape(z, Mode::Zone)?;
            }
            match addr.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V6(_)) => {}
                Ok(std::net::IpAddr::V4(_)) => return Err("invalid IP-literal".into()),
                Err(_) => {
                    return Err(format!(
                        "invalid host: ParseAddr({addr:?}): unable to parse IP"
                    ));
                }
            }
            return Ok(format!("{}{}", &host[..close + 1], colon_port));
        }
        None => {}
    }
    if let Some(i) = host.find(':') {
        // Go 1.26 requires a single colon (host:port) in http and https hosts; other schemes
        // take the last colon as the port separator.
        let i = if scheme == "http" || scheme == "https" {
            i
        } else {
            host.rfind(':').unwrap_or(i)
        };
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {colon_port:?} after host"));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|r| {
        r.is_ascii_alphanumeric()
            || matches!(
                r,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape` for the host and zone modes: which ASCII bytes may appear unescaped.
fn host_byte_ok(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
                | b'-'
                | b'_'
                | b'.'
                | b'~'
        )
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Go's `unescape`: validate `%XX` escapes (and host characters) and decode.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len()
                    || !b[i + 1].is_ascii_hexdigit()
                    || !b[i + 2].is_ascii_hexdigit()
                {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape {:?}",
                        String::from_utf8_lossy(&b[i..end])
                    ));
                }
                let v = unhex(b[i + 1]) << 4 | unhex(b[i + 2]);
                let esc = &s[i..i + 3];
                if mode == Mode::Host && unhex(b[i + 1]) < 8 && esc != "%25" {
                    return Err(format!("invalid URL escape {esc:?}"));
                }
                if mode == Mode::Zone && esc != "%25" && v != b' ' && !host_byte_ok(v) {
                    return Err(format!("invalid URL escape {esc:?}"));
                }
                out.push(v);
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && !host_byte_ok(c) {
                    return Err(format!(
                        "invalid character {:?} in host name",
                        (c as char).to_string()
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_urls() {
        let u = parse("https://proxy.golang.org").unwrap_or_default();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.path.as_str()),
            ("https", "proxy.golang.org", "")
        );
        let u = parse("HTTP://u:p@127.0.0.1:8080/a%20b?x#f").unwrap_or_default();
        assert_eq!(u.scheme, "http");
        assert_eq!(u.username.as_deref(), Some("u"));
        assert!(u.has_password);
        assert_eq!(u.hostname(), "127.0.0.1");
        assert_eq!(u.port(), Some("8080"));
        assert_eq!(u.path, "/a b");
        let u = parse("http://[::1]:3000/").unwrap_or_default();
        assert_eq!((u.hostname(), u.port()), ("::1", Some("3000")));
        let u = parse("file:///srv/goproxy").unwrap_or_default();
        assert_eq!(
            (u.host.as_str(), u.path.as_str(), u.omit_host),
            ("", "/srv/goproxy", false)
        );
        assert!(parse("file:/srv/goproxy").unwrap_or_default().omit_host);
        assert_eq!(parse("localhost:8080").unwrap_or_default().opaque, "8080");
        assert_eq!(parse("not a url").unwrap_or_default().path, "not a url");
    }

    #[test]
    fn go_errors() {
        let cases = [
            (
                "https://exa mple.com",
                "invalid character \" \" in host name",
            ),
            ("http://[::1", "missing ']' in host"),
            ("http://h:80x/", "invalid port \":80x\" after host"),
            ("http://h:1:2/", "invalid port \":1:2\" after host"),
            ("http://x/%zz", "invalid URL escape \"%zz\""),
            (":foo", "missing protocol scheme"),
            ("a:b/c", ""),
            ("/x:y", ""),
            ("x:y/z", ""),
            ("1a:b", "first path segment in URL cannot contain colon"),
            ("http://a\nb", "net/url: invalid control character in URL"),
            ("http://u{x}@h/", "net/url: invalid userinfo"),
            ("http://[127.0.0.1]/", "invalid IP-literal"),
            ("http://a[::1]/", "invalid IP-literal"),
        ];
        for (raw, want) in cases {
            match parse(raw) {
                Ok(_) => assert!(want.is_empty(), "{raw} parsed, want {want}"),
                Err(e) => assert_eq!(e, want, "{raw}"),
            }
        }
    }
}
