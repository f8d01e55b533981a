//! The environment go's HTTP client reads: HTTPS_PROXY/HTTP_PROXY/NO_PROXY and the trust
//! store (SSL_CERT_FILE/SSL_CERT_DIR). Pure parsing; all values come from a [`ProcessEnv`],
//! never from `std::env`. Credentials are [`super::credentials`].

use std::net::IpAddr;
use std::path::PathBuf;

use url::Url;

use crate::sys::ProcessEnv;

/// Proxy settings from the environment, with go's precedence (upper case first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    /// HTTPS_PROXY / https_proxy, for https:// targets.
    pub https: Option<String>,
    /// HTTP_PROXY / http_proxy, for http:// targets.
    pub http: Option<String>,
    /// NO_PROXY / no_proxy entries.
    pub no_proxy: Vec<String>,
    /// REQUEST_METHOD is set: a CGI environment, where HTTP_PROXY may come from a request
    /// header ("httpoxy"), so go refuses to use it.
    pub cgi: bool,
}

impl ProxyEnv {
    /// Read the proxy variables from `env` like golang.org/x/net/http/httpproxy.FromEnvironment.
    pub fn from_env(env: &ProcessEnv) -> Self {
        let pick = |upper: &str, lower: &str| {
            env.get(upper)
                .or_else(|| env.get(lower))
                .map(str::to_string)
        };
        let no_proxy = pick("NO_PROXY", "no_proxy")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        ProxyEnv {
            https: pick("HTTPS_PROXY", "https_proxy"),
            http: pick("HTTP_PROXY", "http_proxy"),
            no_proxy,
            cgi: env.get("REQUEST_METHOD").is_some_and(|m| !m.is_empty()),
        }
    }

    /// go's error for a request it refuses to make because of the proxy settings: an http://
    /// request while HTTP_PROXY is set in a CGI environment (checked before the loopback and
    /// NO_PROXY exceptions, like x/net's `httpproxy`).
    pub fn refusal(&self, target: &Url) -> Option<&'static str> {
        (self.cgi
            && target.scheme() == "http"
            && self.http.as_deref().is_some_and(|h| !h.is_empty()))
        .then_some(
            "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy",
        )
    }

    /// The proxy go would use for `target`, if any. Requests to localhost and loopback
    /// addresses are never proxied (go's rule), nor hosts matched by NO_PROXY.
    pub fn proxy_for(&self, target: &Url) -> Option<Url> {
        let raw = match target.scheme() {
            "https" => self.https.as_deref()?,
            "http" => self.http.as_deref()?,
            _ => return None,
        };
        let host = target
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
            return None;
        }
        let port = target.port_or_known_default().unwrap_or(0);
        if self
            .no_proxy
            .iter()
            .any(|e| no_proxy_matches(e, &host, port))
        {
            return None;
        }
        // go accepts a proxy without a scheme and assumes http://.
        Url::parse(raw)
            .ok()
            .filter(|u| u.has_host())
            .or_else(|| Url::parse(&format!("http://{raw}")).ok())
    }
}

/// One NO_PROXY entry against a host (lower case, no brackets) and port, per httpproxy's rules:
/// `*` matches all; CIDR and IP entries match IP hosts; `foo.com` matches it and subdomains;
/// `.foo.com` matches subdomains only; an entry may carry a `:port`.
fn no_proxy_matches(entry: &str, host: &str, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    if let Some((net, bits)) = entry.split_once('/') {
        let (Ok(net), Ok(bits), Ok(ip)) = (
            net.parse::<IpAddr>(),
            bits.parse::<u32>(),
            host.parse::<IpAddr>(),
        ) else {
            return false;
        };
        return in_cidr(ip, net, bits);
    }
    if let Ok(ip) = entry
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return host.parse::<IpAddr>().is_ok_and(|h| h == ip);
    }
    let (name, entry_port) = match entry.rsplit_once(':') {
        Some((n, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
            (n, p.parse::<u16>().ok())
        }
        _ => (entry, None),
    };
    if let Some(p) = entry_port {
        if p != port {
            return false;
        }
    }
    if let Ok(ip) = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return host.parse::<IpAddr>().is_ok_and(|h| h == ip);
    }
    let name = name.trim_start_matches("*.");
    if let Some(suffix) = name.strip_prefix('.') {
        return host.ends_with(&format!(".{suffix}"));
    }
    host == name || host.ends_with(&format!(".{name}"))
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// The files and directories go's crypto/x509 reads for the system trust store on Linux:
/// SSL_CERT_FILE replaces the file list, SSL_CERT_DIR (colon-separated) the directory list.
pub fn trust_sources(env: &ProcessEnv) -> (Vec<PathBuf>, Vec<PathBuf>) {
    const FILES: &[&str] = &[
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/pki/tls/cacert.pem",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ];
    const DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];
    let files = match env.get("SSL_CERT_FILE") {
        Some(f) => vec![PathBuf::from(f)],
        None => FILES.iter().map(PathBuf::from).collect(),
    };
    let dirs = match env.get("SSL_CERT_DIR") {
        Some(d) => d
            .split(':')
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect(),
        None => DIRS.iter().map(PathBuf::from).collect(),
    };
    (files, dirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    #[test]
    fn proxy_chosen_by_scheme_upper_case_first() {
        let env = ProcessEnv::from_pairs([
            ("HTTPS_PROXY", "http://corp:3128"),
            ("https_proxy", "http://lower:1"),
            ("http_proxy", "plain:8080"),
        ]);
        let p = ProxyEnv::from_env(&env);
        assert_eq!(
            p.proxy_for(&url("https://proxy.example/x"))
                .map(|u| u.to_string()),
            Some("http://corp:3128/".into())
        );
        assert_eq!(
            p.proxy_for(&url("http://proxy.example/x"))
                .map(|u| u.to_string()),
            Some("http://plain:8080/".into())
        );
    }

    #[test]
    fn loopback_and_no_proxy_bypass() {
        let env = ProcessEnv::from_pairs([
            ("HTTPS_PROXY", "http://corp:3128"),
            (
                "NO_PROXY",
                "corp.example,.internal,10.0.0.0/8,192.168.1.1,other.example:8443",
            ),
        ]);
        let p = ProxyEnv::from_env(&env);
        for target in [
            "https://127.0.0.1:8080/",
            "https://[::1]:8080/",
            "https://localhost/",
            "https://corp.example/",
            "https://a.corp.example/",
            "https://x.internal/",
            "https://10.1.2.3/",
            "https://192.168.1.1/",
            "https://other.example:8443/",
        ] {
            assert_eq!(p.proxy_for(&url(target)), None, "{target}");
        }
        for target in [
            "https://internal/",
            "https://other.example/",
            "https://notcorp.example/",
            "https://11.0.0.1/",
        ] {
            assert!(p.proxy_for(&url(target)).is_some(), "{target}");
        }
    }

    #[test]
    fn cgi_refuses_http_proxy_even_for_loopback() {
        let env = ProcessEnv::from_pairs([
            ("HTTP_PROXY", "http://127.0.0.1:9"),
            ("REQUEST_METHOD", "GET"),
        ]);
        let p = ProxyEnv::from_env(&env);
        assert!(p.refusal(&url("http://127.0.0.1:8080/x")).is_some());
        assert!(p.refusal(&url("https://127.0.0.1:8080/x")).is_none());
        let env = ProcessEnv::from_pairs([("HTTP_PROXY", "http://127.0.0.1:9")]);
        assert!(
            ProxyEnv::from_env(&env)
                .refusal(&url("http://x.example/"))
                .is_none()
        );
    }

    #[test]
    fn no_proxy_star() {
        let env = ProcessEnv::from_pairs([("HTTPS_PROXY", "http://corp:3128"), ("no_proxy", "*")]);
        assert_eq!(
            ProxyEnv::from_env(&env).proxy_for(&url("https://proxy.example/")),
            None
        );
    }

    #[test]
    fn ssl_cert_env_replaces_defaults() {
        let env =
            ProcessEnv::from_pairs([("SSL_CERT_FILE", "/tmp/ca.pem"), ("SSL_CERT_DIR", "/a:/b")]);
        let (files, dirs) = trust_sources(&env);
        assert_eq!(files, vec![PathBuf::from("/tmp/ca.pem")]);
        assert_eq!(dirs, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
    }
}
