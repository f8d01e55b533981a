//! Is what answers on a port a Go module proxy? Decided from a few answers (pure): the Go proxy
//! protocol (a module's `.info` JSON, plain-text 404/410 for a module that cannot exist, as
//! Athens, goproxy and the public proxies send) against signs of other software (HTML or JSON
//! error pages, a `Server:` header, a directory listing or web page at `/`, Spring's Whitelabel
//! page). A 404 alone proves nothing: every web server sends one.

use serde::Serialize;

/// Which request an [`Answer`] is the reply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ask {
    /// `GET /`.
    Root,
    /// `GET /<module that cannot exist>/@v/list`.
    Missing,
    /// `GET /<known module>/@v/<version>.info`.
    KnownInfo,
}

/// How a request failed before an HTTP answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// Connection refused: nothing listens.
    Refused,
    /// Accepted, but no answer before the deadline.
    Silent,
    /// Accepted, then reset or closed without an answer.
    Closed,
    /// A TLS handshake failed (an `https://` URL on a plain port, or the reverse).
    Tls,
    /// The bytes that came back are not HTTP.
    NotHttp,
    /// Anything else (the message says what).
    Other,
}

/// One reply, reduced to what the fingerprint reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub ask: Option<Ask>,
    pub status: Option<u16>,
    pub server: Option<String>,
    pub powered_by: Option<String>,
    pub content_type: Option<String>,
    pub www_authenticate: Option<String>,
    /// The start of the body (a few KiB, lossy UTF-8).
    pub body: String,
    pub failure: Option<Failure>,
    /// The failure's message, for "cannot tell, because …".
    pub message: String,
}

/// The three verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    GoProxy,
    NotGoProxy,
    CannotTell,
}

/// A verdict with what it looks like (or why it cannot tell) and the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fingerprint {
    pub kind: Kind,
    /// `a Go module proxy (served rsc.io/quote v1.5.2)`, `nginx/1.22.1 serving an HTML page`,
    /// `cannot tell: accepts connections but never answers`.
    pub summary: String,
    pub evidence: Vec<String>,
}

impl Fingerprint {
    fn new(kind: Kind, summary: impl Into<String>, evidence: Vec<String>) -> Self {
        Fingerprint {
            kind,
            summary: summary.into(),
            evidence,
        }
    }
}

fn is_html(a: &Answer) -> bool {
    let ct = a.content_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let head = a.body.trim_start().get(..15).unwrap_or(a.body.trim_start());
    let head = head.to_ascii_lowercase();
    ct.contains("html") || head.starts_with("<!doctype") || head.starts_with("<html")
}

fn is_json(a: &Answer) -> bool {
    let ct = a.content_type.as_deref().unwrap_or("").to_ascii_lowercase();
    ct.contains("json") || a.body.trim_start().starts_with('{')
}

/// The software a header or page names, with its version when given (`nginx/1.22.1`).
fn software(a: &Answer) -> Option<String> {
    const KNOWN: &[(&str, &str)] = &[
        ("nginx", "nginx"),
        ("apache", "Apache"),
        ("simplehttp", "Python http.server"),
        ("werkzeug", "Werkzeug (Flask)"),
        ("kestrel", "Kestrel (ASP.NET)"),
        ("jetty", "Jetty"),
        ("microsoft-iis", "IIS"),
        ("lighttpd", "lighttpd"),
        ("caddy", "Caddy"),
        ("gunicorn", "gunicorn"),
        ("uvicorn", "uvicorn"),
        ("tornado", "Tornado"),
        ("openresty", "OpenResty"),
    ];
    if let Some(server) = &a.server {
        let lower = server.to_ascii_lowercase();
        if KNOWN.iter().any(|(k, _)| lower.contains(k)) {
            // Keep the header's own words (`nginx/1.22.1`, `SimpleHTTP/0.6 Python/3.11.2`).
            return Some(server.chars().take(60).collect());
        }
    }
    if let Some(p) = &a.powered_by {
        if p.to_ascii_lowercase().contains("express") {
            return Some("Express (Node.js)".into());
        }
        return Some(p.chars().take(40).collect());
    }
    let body = a.body.to_ascii_lowercase();
    if body.contains("whitelabel error page") {
        return Some("Spring Boot".into());
    }
    if a.body.contains("<pre>Cannot GET ") {
        return Some("Express (Node.js)".into());
    }
    KNOWN
        .iter()
        .find(|(k, _)| body.contains(&format!("<hr><center>{k}")))
        .map(|(_, name)| name.to_string())
}

/// Signs that the answer is some other software's, each as evidence text.
fn other_software(a: &Answer) -> Vec<String> {
    let mut signs = Vec::new();
    let status = a.status.map_or(String::new(), |s| format!("{s} "));
    let body = a.body.to_ascii_lowercase();
    if body.contains("whitelabel error page")
        || (is_json(a)
            && body.contains("\"timestamp\"")
            && body.contains("\"error\"")
            && body.contains("\"path\""))
    {
        signs.push(format!("{status}Spring Boot error (Whitelabel)"));
    } else if body.contains("<title>directory listing for") || body.contains("<title>index of /") {
        signs.push("a directory listing".into());
    } else if is_html(a) {
        signs.push(format!("{status}HTML page"));
    } else if is_json(a) {
        signs.push(format!("{status}JSON error"));
    }
    if let Some(s) = &a.server {
        if software(&Answer {
            powered_by: None,
            body: String::new(),
            ..a.clone()
        })
        .is_some()
        {
            signs.push(format!("Server: {s}"));
        }
    }
    if let Some(p) = &a.powered_by {
        signs.push(format!("X-Powered-By: {p}"));
    }
    signs
}

/// What the server does, in a few words, from its answers.
fn looks_like(answers: &[&Answer]) -> String {
    let name = answers.iter().find_map(|a| software(a));
    let root = answers.iter().find(|a| a.ask == Some(Ask::Root));
    let body = |a: &&&Answer| a.body.to_ascii_lowercase();
    let doing = if answers.iter().any(|a| {
        body(&a).contains("<title>directory listing for") || body(&a).contains("<title>index of /")
    }) {
        "serving a directory listing"
    } else if answers
        .iter()
        .any(|a| body(&a).contains("whitelabel error page") || body(&a).contains("\"timestamp\""))
    {
        "answering Spring Boot error pages"
    } else if root.is_some_and(|r| r.status.is_some_and(|s| (200..300).contains(&s)) && is_html(r))
    {
        "serving an HTML page"
    } else if answers.iter().any(|a| is_json(a) && !is_html(a)) {
        "answering JSON errors"
    } else if answers.iter().any(|a| a.status == Some(403)) {
        "answering 403 Forbidden"
    } else if answers.iter().any(|a| is_html(a)) {
        "answering HTML error pages"
    } else {
        "answering like a web server"
    };
    match name {
        Some(n) => format!("{n} {doing}"),
        None => format!("a web server {doing}"),
    }
}

/// Decide from the answers to [`Ask::Root`], [`Ask::Missing`] and (when a module was asked)
/// [`Ask::KnownInfo`]. `known` is `module version` for the evidence text.
pub fn classify(answers: &[Answer], known: &str) -> Fingerprint {
    let by = |ask: Ask| answers.iter().find(|a| a.ask == Some(ask));
    let replied: Vec<&Answer> = answers.iter().filter(|a| a.status.is_some()).collect();

    // No HTTP answer at all: say why.
    if replied.is_empty() {
        let Some(first) = answers.iter().find(|a| a.failure.is_some()) else {
            return Fingerprint::new(Kind::CannotTell, "cannot tell: nothing was asked", vec![]);
        };
        let ev = vec![first.message.clone()];
        return match first.failure {
            Some(Failure::Refused) => Fingerprint::new(
                Kind::CannotTell,
                "cannot tell: nothing listens (connection refused)",
                ev,
            ),
            Some(Failure::Silent) => Fingerprint::new(
                Kind::CannotTell,
                "cannot tell: accepts connections but never answers",
                ev,
            ),
            Some(Failure::Closed) => Fingerprint::new(
                Kind::CannotTell,
                "cannot tell: closes the connection without answering",
                ev,
            ),
            Some(Failure::Tls) => Fingerprint::new(
                Kind::CannotTell,
                "cannot tell: the TLS handshake fails (https:// on a plain-HTTP port, or the reverse?)",
                ev,
            ),
            Some(Failure::NotHttp) => Fingerprint::new(
                Kind::NotGoProxy,
                "not a Go module proxy: something that does not speak HTTP",
                ev,
            ),
            _ => Fingerprint::new(Kind::CannotTell, "cannot tell: no HTTP answer", ev),
        };
    }

    // The protocol itself: the known module's .info is JSON naming its version.
    if let Some(info) = by(Ask::KnownInfo) {
        if info.status == Some(200) && !is_html(info) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(info.body.trim()) {
                if v.get("Version").and_then(|x| x.as_str()).is_some() {
                    return Fingerprint::new(
                        Kind::GoProxy,
                        format!("a Go module proxy (served {known})"),
                        vec![format!("{known}: .info JSON {}", info.body.trim())],
                    );
                }
            }
        }
    }

    // Credentials asked for explicitly: a protected server, proxy or not.
    if let Some(a) = replied
        .iter()
        .find(|a| a.status == Some(401) || a.www_authenticate.is_some())
    {
        let mut ev = vec![format!("{} for every request", a.status.unwrap_or(0))];
        if let Some(w) = &a.www_authenticate {
            ev.push(format!("WWW-Authenticate: {w}"));
        }
        return Fingerprint::new(
            Kind::CannotTell,
            "cannot tell: it asks for credentials (401)",
            ev,
        );
    }

    let signs: Vec<String> = replied.iter().flat_map(|a| other_software(a)).collect();
    let missing = by(Ask::Missing);
    let plain_not_found =
        missing.is_some_and(|m| matches!(m.status, Some(404 | 410)) && !is_html(m) && !is_json(m));
    if !signs.is_empty() {
        let mut ev: Vec<String> = Vec::new();
        for sign in signs {
            if !ev.contains(&sign) {
                ev.push(sign);
            }
        }
        return Fingerprint::new(
            Kind::NotGoProxy,
            format!("not a Go module proxy: {}", looks_like(&replied)),
            ev,
        );
    }
    if let Some(m) = missing.filter(|_| plain_not_found) {
        let body = m.body.trim();
        let line = body
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect::<String>();
        // Go's net/http default ("404 page not found") is any Go program, not a proxy.
        let protocol_words = body.starts_with("not found:")
            || body.starts_with("gone:")
            || body.contains("godoctor.invalid")
            || body.contains("module")
            || body.contains("@v/");
        if protocol_words {
            return Fingerprint::new(
                Kind::GoProxy,
                "a Go module proxy (answers the protocol's plain-text not-found)",
                vec![format!(
                    "{} text for a module that cannot exist: {line:?}",
                    m.status.unwrap_or(0)
                )],
            );
        }
        return Fingerprint::new(
            Kind::CannotTell,
            format!(
                "cannot tell: it answers {} in plain text ({line:?}) but no module, so it may be any HTTP server",
                m.status.unwrap_or(0)
            ),
            vec![],
        );
    }
    let statuses: Vec<String> = replied
        .iter()
        .filter_map(|a| a.status.map(|s| s.to_string()))
        .collect();
    Fingerprint::new(
        Kind::CannotTell,
        format!(
            "cannot tell: it answers HTTP ({}) but neither the Go proxy protocol nor another server's signs",
            statuses.join(", ")
        ),
        vec![],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ans(ask: Ask, status: u16, ct: &str, body: &str) -> Answer {
        Answer {
            ask: Some(ask),
            status: Some(status),
            content_type: Some(ct.into()).filter(|c: &String| !c.is_empty()),
            body: body.into(),
            ..Default::default()
        }
    }

    const Q: &str = "rsc.io/quote v1.5.2";

    #[test]
    fn a_real_proxy_is_recognised_by_the_protocol() {
        let a = [
            ans(Ask::Root, 404, "text/plain", "not found: /\n"),
            ans(
                Ask::Missing,
                404,
                "text/plain",
                "not found: godoctor.invalid/no-such-module\n",
            ),
            ans(
                Ask::KnownInfo,
                200,
                "application/json",
                r#"{"Version":"v1.5.2","Time":"2018-02-14T15:44:20Z"}"#,
            ),
        ];
        let f = classify(&a, Q);
        assert_eq!(f.kind, Kind::GoProxy, "{f:?}");
        assert!(f.summary.contains("served rsc.io/quote"));
        // Behind nginx it is still a proxy: the protocol wins over the Server header.
        let mut behind = a.clone();
        behind[2].server = Some("nginx/1.22.1".into());
        assert_eq!(classify(&behind, Q).kind, Kind::GoProxy);
    }

    #[test]
    fn a_private_proxy_answers_plain_text_not_found() {
        let a = [
            ans(Ask::Root, 404, "text/plain; charset=utf-8", "not found\n"),
            ans(
                Ask::Missing,
                410,
                "text/plain",
                "not found: module godoctor.invalid/no-such-module: 410 Gone",
            ),
            ans(
                Ask::KnownInfo,
                404,
                "text/plain",
                "not found: rsc.io/quote@v1.5.2",
            ),
        ];
        assert_eq!(classify(&a, Q).kind, Kind::GoProxy);
    }

    #[test]
    fn nginx_serving_a_page_is_not_a_proxy() {
        let mut root = ans(
            Ask::Root,
            200,
            "text/html",
            "<!DOCTYPE html><html><title>Welcome to nginx!</title>",
        );
        root.server = Some("nginx/1.22.1".into());
        let mut missing = ans(
            Ask::Missing,
            404,
            "text/html",
            "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>",
        );
        missing.server = root.server.clone();
        let f = classify(&[root, missing], Q);
        assert_eq!(f.kind, Kind::NotGoProxy);
        assert_eq!(
            f.summary,
            "not a Go module proxy: nginx/1.22.1 serving an HTML page"
        );
    }

    #[test]
    fn nginx_403_is_not_a_credentials_problem() {
        let mut a = ans(
            Ask::Missing,
            403,
            "text/html",
            "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center>",
        );
        a.server = Some("nginx".into());
        let f = classify(&[a.clone()], Q);
        assert_eq!(f.kind, Kind::NotGoProxy);
        assert!(!f.summary.contains("credentials"), "{f:?}");
        // With WWW-Authenticate it is one.
        a.status = Some(401);
        a.www_authenticate = Some("Basic realm=\"x\"".into());
        assert!(classify(&[a], Q).summary.contains("credentials"));
    }

    #[test]
    fn other_servers() {
        let mut py = ans(
            Ask::Root,
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<title>Directory listing for /</title>",
        );
        py.server = Some("SimpleHTTP/0.6 Python/3.11.2".into());
        let f = classify(&[py], Q);
        assert_eq!(
            f.summary,
            "not a Go module proxy: SimpleHTTP/0.6 Python/3.11.2 serving a directory listing"
        );

        let node = ans(
            Ask::Missing,
            404,
            "application/json",
            r#"{"error":"not found"}"#,
        );
        let f = classify(&[node], Q);
        assert_eq!(f.kind, Kind::NotGoProxy);
        assert_eq!(
            f.summary,
            "not a Go module proxy: a web server answering JSON errors"
        );

        let spring = ans(
            Ask::Missing,
            404,
            "application/json",
            r#"{"timestamp":"2026-01-01T00:00:00.000+00:00","status":404,"error":"Not Found","path":"/x"}"#,
        );
        assert!(classify(&[spring], Q).summary.contains("Spring Boot"));

        let mut express = ans(
            Ask::Missing,
            404,
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html lang=\"en\">\n<body>\n<pre>Cannot GET /x</pre>",
        );
        express.powered_by = Some("Express".into());
        assert!(
            classify(&[express], Q)
                .summary
                .contains("Express (Node.js)")
        );

        let mut kestrel = ans(Ask::Missing, 404, "", "");
        kestrel.server = Some("Kestrel".into());
        assert_eq!(classify(&[kestrel], Q).kind, Kind::NotGoProxy);
    }

    #[test]
    fn a_plain_404_alone_cannot_tell() {
        let go_default = ans(
            Ask::Missing,
            404,
            "text/plain; charset=utf-8",
            "404 page not found\n",
        );
        let f = classify(&[go_default], Q);
        assert_eq!(f.kind, Kind::CannotTell, "{f:?}");
    }

    #[test]
    fn failures_say_why() {
        let silent = Answer {
            ask: Some(Ask::Missing),
            failure: Some(Failure::Silent),
            message: "timed out".into(),
            ..Default::default()
        };
        let f = classify(&[silent], Q);
        assert_eq!(f.kind, Kind::CannotTell);
        assert!(f.summary.contains("never answers"));
        let garbage = Answer {
            failure: Some(Failure::NotHttp),
            ..Default::default()
        };
        assert_eq!(classify(&[garbage], Q).kind, Kind::NotGoProxy);
    }
}
