//! Address families on loopback (pure): `127.0.0.1`, `[::1]` and `localhost` are different
//! sockets. Says when a URL's address has no listener while the same port listens on the other
//! family, and which URL works.

use std::net::IpAddr;

/// Which loopback families reach a port's listeners.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    pub v4: bool,
    pub v6: bool,
}

/// From the listening addresses: `127.x`/`0.0.0.0` reach IPv4 loopback, `::1` IPv6, and `::`
/// both (Linux's default `bindv6only=0` makes it dual-stack).
pub fn reach(listening: &[IpAddr]) -> Reach {
    let mut r = Reach::default();
    for a in listening {
        match a {
            IpAddr::V4(v4) => r.v4 |= v4.is_loopback() || v4.is_unspecified(),
            IpAddr::V6(v6) => {
                if v6.is_unspecified() {
                    r.v4 = true;
                    r.v6 = true;
                } else if v6.is_loopback() {
                    r.v6 = true;
                } else if let Some(m) = v6.to_ipv4_mapped() {
                    r.v4 |= m.is_loopback();
                }
            }
        }
    }
    r
}

/// The URL that reaches the listener: IPv4 loopback first, as go's users usually write it.
pub fn working_url(scheme: &str, port: u16, r: Reach) -> Option<String> {
    if r.v4 {
        Some(format!("{scheme}://127.0.0.1:{port}"))
    } else if r.v6 {
        Some(format!("{scheme}://[::1]:{port}"))
    } else {
        None
    }
}

/// When `host` (as in the URL) misses the listener but the other family has it: what to say.
/// `localhost` is the list `localhost` resolves to here (go dials each address in turn, so
/// one family with a listener is enough).
pub fn mismatch(
    scheme: &str,
    host: &str,
    port: u16,
    r: Reach,
    localhost: &[IpAddr],
) -> Option<String> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let fix = working_url(scheme, port, r)?;
    let (hits, what) = match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => (r.v4, "IPv4"),
        Ok(IpAddr::V6(_)) => (r.v6, "IPv6"),
        Err(_) if host.eq_ignore_ascii_case("localhost") => {
            let hits = localhost.iter().any(|a| match a {
                IpAddr::V4(_) => r.v4,
                IpAddr::V6(_) => r.v6,
            });
            let names = localhost
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            if !hits {
                return Some(format!(
                    "localhost resolves to {} here, where nothing listens on port {port}; the listener is on the other address family: use {fix}",
                    if names.is_empty() { "nothing" } else { &names }
                ));
            }
            return None;
        }
        Err(_) => return None,
    };
    (!hits).then(|| {
        let other = if what == "IPv4" { "IPv6 ([::1])" } else { "IPv4 (127.0.0.1)" };
        format!(
            "nothing listens on {host} ({what}) port {port}, but the same port listens on {other}: they are different sockets; use {fix}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn families() {
        assert_eq!(
            reach(&[ip("::1")]),
            Reach {
                v4: false,
                v6: true
            }
        );
        assert_eq!(reach(&[ip("::")]), Reach { v4: true, v6: true });
        assert_eq!(
            reach(&[ip("0.0.0.0")]),
            Reach {
                v4: true,
                v6: false
            }
        );
        let v6only = reach(&[ip("::1")]);
        let m = mismatch("http", "127.0.0.1", 3000, v6only, &[]).expect("mismatch");
        assert!(m.ends_with("use http://[::1]:3000"), "{m}");
        assert_eq!(mismatch("http", "[::1]", 3000, v6only, &[]), None);
        let v4only = reach(&[ip("127.0.0.1")]);
        assert!(mismatch("http", "localhost", 3000, v4only, &[ip("::1")]).is_some());
        assert_eq!(
            mismatch(
                "http",
                "localhost",
                3000,
                v4only,
                &[ip("::1"), ip("127.0.0.1")]
            ),
            None
        );
        assert_eq!(
            mismatch("http", "127.0.0.1", 3000, Reach::default(), &[]),
            None
        );
    }
}
