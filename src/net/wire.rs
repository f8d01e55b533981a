//! HTTP/1.1 on the wire, without I/O: response heads and chunked bodies parsed with
//! `httparse` (the parser hyper uses, so hostile bytes meet a well-fuzzed tokenizer), and
//! requests written the way go's client writes them (`!` sent as `%21`, Basic credentials
//! from URL userinfo). [`super::conn`] feeds these functions the bytes a server sent, under
//! a deadline and a byte cap.

use base64::Engine as _;
use url::Url;

/// Largest response head accepted; anything longer is not a sane HTTP server.
pub const MAX_HEAD: usize = 64 * 1024;
/// Most header lines accepted in one response head (real proxies send a dozen or two).
const MAX_HEADERS: usize = 128;

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    /// The reason phrase (`Unauthorized`), possibly empty.
    pub reason: String,
    pub headers: Vec<(String, String)>,
    /// Body bytes that arrived with the head.
    pub rest: Vec<u8>,
}

impl ResponseHead {
    /// The head as go hands it to a GOAUTH command on stdin: status line, headers, blank line.
    pub fn to_text(&self) -> String {
        let mut out = format!("HTTP/1.1 {} {}\n", self.status, self.reason);
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push('\n');
        out
    }

    /// First header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why bytes are not an HTTP response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadParse {
    /// More bytes are needed.
    Incomplete,
    /// Not HTTP; the message says what was seen.
    Garbage(String),
}

/// Parse a response head from the bytes received so far (pure; unit-tested and fuzzed).
pub fn parse_head(buf: &[u8]) -> Result<ResponseHead, HeadParse> {
    // Checked before httparse so that an SSH banner or a TLS alert is named as such.
    let prefix = &buf[..buf.len().min(5)];
    if !b"HTTP/"[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return Err(HeadParse::Garbage(format!(
            "the server answered with non-HTTP bytes {}",
            preview(buf)
        )));
    }
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut slots);
    let end = match response.parse(buf) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(HeadParse::Garbage(
                "the response head is larger than 64 KiB".into(),
            ));
        }
        Ok(httparse::Status::Partial) => return Err(HeadParse::Incomplete),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HeadParse::Garbage(format!(
                "the response head has more than {MAX_HEADERS} header lines"
            )));
        }
        Err(e) => {
            return Err(HeadParse::Garbage(format!(
                "malformed response head ({e}) starting {:?}",
                truncate(&String::from_utf8_lossy(first_line(buf)), 60)
            )));
        }
    };
    if end > MAX_HEAD {
        return Err(HeadParse::Garbage(
            "the response head is larger than 64 KiB".into(),
        ));
    }
    let status = response.code.unwrap_or_default();
    if !(100..600).contains(&status) {
        return Err(HeadParse::Garbage(format!(
            "malformed status line {:?}",
            truncate(&String::from_utf8_lossy(first_line(buf)), 60)
        )));
    }
    let headers = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).trim().to_string(),
            )
        })
        .collect();
    Ok(ResponseHead {
        status,
        reason: response.reason.unwrap_or_default().to_string(),
        headers,
        rest: buf[end..].to_vec(),
    })
}

fn first_line(buf: &[u8]) -> &[u8] {
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    &buf[..end]
}

fn preview(buf: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(&buf[..buf.len().min(24)])
        .chars()
        .map(|c| if c.is_control() { '.' } else { c })
        .collect();
    format!("{s:?}")
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Chunked transfer decoding of what arrived so far (pure).
#[derive(Debug, PartialEq, Eq)]
pub enum Chunked {
    Complete(Vec<u8>),
    Incomplete(usize),
    Invalid,
}

/// Decode a chunked body; `Incomplete(n)` says how many payload bytes are decodable so far.
/// Chunk-size lines (with extensions) are read by `httparse::parse_chunk_size`; the body ends
/// at the zero-size chunk (the connection is closed after it, so trailers do not matter).
pub fn decode_chunked(raw: &[u8]) -> Chunked {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let (consumed, size) = match httparse::parse_chunk_size(&raw[i..]) {
            Ok(httparse::Status::Complete(found)) => found,
            Ok(httparse::Status::Partial) => return Chunked::Incomplete(out.len()),
            Err(_) => return Chunked::Invalid,
        };
        i += consumed;
        if size == 0 {
            return Chunked::Complete(out);
        }
        let Ok(size) = usize::try_from(size) else {
            return Chunked::Invalid;
        };
        let Some(end) = i.checked_add(size) else {
            return Chunked::Invalid;
        };
        if raw.len() < end {
            out.extend_from_slice(&raw[i..]);
            return Chunked::Incomplete(out.len());
        }
        out.extend_from_slice(&raw[i..end]);
        i = end;
        // The line break after the chunk data (CRLF, or a bare LF like go's reader allows).
        match raw.get(i..(i + 2).min(raw.len())) {
            Some(b"\r\n") => i += 2,
            Some([b'\n', ..]) => i += 1,
            Some(b"\r") | Some(b"") => return Chunked::Incomplete(out.len()),
            _ => return Chunked::Invalid,
        }
    }
}

/// `Basic …` credentials from a URL's userinfo (percent-decoded, like go's `url.User`).
pub fn userinfo_basic(url: &Url) -> Option<String> {
    if url.username().is_empty() {
        return None;
    }
    let user = percent_decode(url.username());
    let pass = url.password().map(percent_decode).unwrap_or_default();
    Some(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `Host` header: the port only when the URL names one.
pub fn host_header(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    }
}

/// The request target as go's `url.URL.EscapedPath` writes it: `!` (the case-encoding mark
/// of module paths) goes out as `%21`, which the url crate leaves bare.
pub fn origin_form(url: &Url) -> String {
    let path = url.path().replace('!', "%21");
    match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    }
}

/// The absolute-form target sent to an HTTP proxy for an http URL (no userinfo, no fragment).
pub fn absolute_form(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);
    u.to_string()
        .replacen(u.path(), &u.path().replace('!', "%21"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head() {
        let h = parse_head(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        )
        .expect("head");
        assert_eq!(h.status, 200);
        assert_eq!(h.header("content-type"), Some("application/json"));
        assert_eq!(h.rest, b"{}");
        // No reason phrase, bare LF line ends: still HTTP.
        let h = parse_head(b"HTTP/1.0 404\nServer: x\n\nbody").expect("head");
        assert_eq!((h.status, h.header("server")), (404, Some("x")));
        assert_eq!(h.rest, b"body");
    }

    #[test]
    fn incomplete_and_garbage_heads() {
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\n"),
            Err(HeadParse::Incomplete)
        );
        assert_eq!(parse_head(b"HT"), Err(HeadParse::Incomplete));
        assert_eq!(parse_head(b""), Err(HeadParse::Incomplete));
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n"[..],
            b"HTTP/1.1 2x0 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            b"HTTP/1.1 099 Low\r\n\r\n",
            b"HTTP/2.0 200 OK\r\n\r\n",
        ] {
            assert!(
                matches!(parse_head(bad), Err(HeadParse::Garbage(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut huge = b"HTTP/1.1 200 OK\r\n".to_vec();
        huge.extend(std::iter::repeat_n(b'a', MAX_HEAD + 1));
        assert!(matches!(parse_head(&huge), Err(HeadParse::Garbage(m)) if m.contains("64 KiB")));
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend(format!("X-{i}: y\r\n").bytes());
        }
        many.extend(b"\r\n");
        assert!(
            matches!(parse_head(&many), Err(HeadParse::Garbage(m)) if m.contains("header lines"))
        );
    }

    #[test]
    fn chunked_decoding() {
        assert_eq!(
            decode_chunked(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"),
            Chunked::Complete(b"abcde".to_vec())
        );
        assert_eq!(decode_chunked(b"3\r\nab"), Chunked::Incomplete(2));
        assert_eq!(decode_chunked(b"3\r\nabc\r"), Chunked::Incomplete(3));
        assert_eq!(
            decode_chunked(b"3\r\nabc\n1\r\nd\r\n0\r\n"),
            Chunked::Complete(b"abcd".to_vec())
        );
        assert_eq!(decode_chunked(b"zz\r\n"), Chunked::Invalid);
        assert_eq!(decode_chunked(b"3\r\nabcX"), Chunked::Invalid);
        assert_eq!(decode_chunked(b"ffffffffffffffffff\r\n"), Chunked::Invalid);
    }

    #[test]
    fn bang_is_percent_encoded_like_go() {
        let u = Url::parse("https://p.example/github.com/!azure/x/@v/list?go-get=1").expect("url");
        assert_eq!(origin_form(&u), "/github.com/%21azure/x/@v/list?go-get=1");
        assert_eq!(
            absolute_form(&Url::parse("http://p.example/!a").expect("url")),
            "http://p.example/%21a"
        );
    }

    #[test]
    fn percent_decoding_of_userinfo() {
        assert_eq!(percent_decode("p%40ss%3A"), "p@ss:");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
