//! Free ports: the OS's ephemeral range, whether a port can be bound, and `A-B` range parsing.

use std::net::{Ipv4Addr, Ipv6Addr, TcpListener};
use std::ops::RangeInclusive;

/// The OS's ephemeral port range (Linux: /proc/sys/net/ipv4/ip_local_port_range), or the IANA
/// dynamic range elsewhere.
pub fn ephemeral_range() -> RangeInclusive<u16> {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| {
            let mut it = t.split_whitespace().map(|n| n.parse::<u16>().ok());
            Some(it.next()??..=it.next()??)
        })
        .unwrap_or(49152..=65535)
}

/// Whether `port` can be bound for listening on all IPv4 and IPv6 addresses right now.
pub fn is_free(port: u16) -> bool {
    let v4 = TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)).is_ok();
    // A host without IPv6 cannot have the port taken there.
    let v6 = match TcpListener::bind((Ipv6Addr::UNSPECIFIED, port)) {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::AddrNotAvailable || e.raw_os_error() == Some(97),
    };
    v4 && v6
}

/// A port that is free now: the first free one in `range`, or (no range) one the OS picks from
/// its ephemeral range. Another program may of course take it a moment later.
pub fn free_port(range: Option<RangeInclusive<u16>>) -> Option<u16> {
    match range {
        Some(r) => r.filter(|&p| p != 0).find(|&p| is_free(p)),
        None => (0..20).find_map(|_| {
            let port = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0))
                .ok()?
                .local_addr()
                .ok()?
                .port();
            is_free(port).then_some(port)
        }),
    }
}

/// Parse `A-B` (inclusive, A ≤ B, both 1..=65535).
pub fn parse_range(text: &str) -> Result<RangeInclusive<u16>, String> {
    let (a, b) = text
        .split_once('-')
        .ok_or_else(|| format!("invalid port range {text:?}: expected A-B, e.g. 3000-3999"))?;
    let parse = |s: &str| s.trim().parse::<u16>().ok().filter(|&p| p > 0);
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) if a <= b => Ok(a..=b),
        _ => Err(format!(
            "invalid port range {text:?}: both ends must be ports 1-65535 with A <= B"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_port_in_range_skips_taken() {
        let l = TcpListener::bind("0.0.0.0:0").expect("bind");
        let taken = l.local_addr().expect("addr").port();
        let got = free_port(Some(taken..=taken.saturating_add(50))).expect("a free port");
        assert_ne!(got, taken);
        assert!(free_port(None).is_some());
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("3000-3999"), Ok(3000..=3999));
        for bad in ["3000", "0-10", "10-5", "a-b", "1-70000"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }
}
