//! Who holds a TCP port (process, pid, user), read from /proc on Linux like `lsof -i :PORT`,
//! and how to find a free port. Parsing of the /proc tables is pure and unit-tested.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener};
use std::ops::RangeInclusive;
use std::path::Path;

use serde::Serialize;

/// One TCP socket bound to a local port, with its owner when /proc lets us see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortOwner {
    /// `tcp` (IPv4) or `tcp6`.
    pub proto: &'static str,
    pub address: String,
    pub port: u16,
    /// `listen`, `established`, `time-wait`, …
    pub state: &'static str,
    pub uid: u32,
    /// User name for `uid`, from /etc/passwd.
    pub user: Option<String>,
    /// `None` when the socket belongs to another user's process we may not inspect.
    pub pid: Option<u32>,
    pub process: Option<String>,
    pub cmdline: Option<String>,
}

/// A row of /proc/net/tcp or tcp6 (pure parse result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketRow {
    pub address: IpAddr,
    pub port: u16,
    pub state: u8,
    pub uid: u32,
    pub inode: u64,
}

/// Parse the text of /proc/net/tcp (v6 = false) or /proc/net/tcp6 (v6 = true).
pub fn parse_proc_net(text: &str, v6: bool) -> Vec<SocketRow> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (addr, port) = f.get(1)?.split_once(':')?;
            let address = if v6 {
                parse_ipv6(addr)?
            } else {
                IpAddr::V4(Ipv4Addr::from(
                    u32::from_str_radix(addr, 16).ok()?.swap_bytes(),
                ))
            };
            Some(SocketRow {
                address,
                port: u16::from_str_radix(port, 16).ok()?,
                state: u8::from_str_radix(f.get(3)?, 16).ok()?,
                uid: f.get(7)?.parse().ok()?,
                inode: f.get(9)?.parse().ok()?,
            })
        })
        .collect()
}

/// /proc/net/tcp6 prints the address as four host-order (little-endian) 32-bit words.
fn parse_ipv6(hex: &str) -> Option<IpAddr> {
    if hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for w in 0..4 {
        let word = u32::from_str_radix(&hex[w * 8..w * 8 + 8], 16)
            .ok()?
            .swap_bytes();
        bytes[w * 4..w * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    Some(IpAddr::V6(Ipv6Addr::from(bytes)))
}

fn state_name(state: u8) -> &'static str {
    match state {
        0x01 => "established",
        0x02 => "syn-sent",
        0x03 => "syn-recv",
        0x04 => "fin-wait1",
        0x05 => "fin-wait2",
        0x06 => "time-wait",
        0x07 => "close",
        0x08 => "close-wait",
        0x09 => "last-ack",
        0x0A => "listen",
        0x0B => "closing",
        _ => "unknown",
    }
}

/// Map `uid → user name` from /etc/passwd text.
pub fn parse_passwd(text: &str) -> BTreeMap<u32, String> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.get(2)?.parse().ok()?, f.first()?.to_string()))
        })
        .collect()
}

/// Every TCP socket (IPv4 and IPv6) whose local port is `port`, listeners first, with the
/// owning process where visible. Empty when nothing uses the port or /proc is unavailable.
pub fn owner_of(port: u16) -> Vec<PortOwner> {
    owner_of_in(Path::new("/proc"), Path::new("/etc/passwd"), port)
}

/// [`owner_of`] over another /proc root (tests).
pub fn owner_of_in(proc_root: &Path, passwd: &Path, port: u16) -> Vec<PortOwner> {
    let mut rows = Vec::new();
    for (file, v6, proto) in [("net/tcp", false, "tcp"), ("net/tcp6", true, "tcp6")] {
        if let Ok(text) = std::fs::read_to_string(proc_root.join(file)) {
            // TIME_WAIT leftovers belong to no process (lsof does not list them either).
            rows.extend(
                parse_proc_net(&text, v6)
                    .into_iter()
                    .filter(|r| r.port == port && r.state != 0x06)
                    .map(|r| (proto, r)),
            );
        }
    }
    if rows.is_empty() {
        return Vec::new();
    }
    let users = std::fs::read_to_string(passwd)
        .map(|t| parse_passwd(&t))
        .unwrap_or_default();
    let inodes: Vec<u64> = rows
        .iter()
        .map(|(_, r)| r.inode)
        .filter(|&i| i != 0)
        .collect();
    let pids = pids_for_inodes(proc_root, &inodes);
    let mut out: Vec<PortOwner> = rows
        .into_iter()
        .map(|(proto, r)| {
            let pid = pids.get(&r.inode).copied();
            let read = |name: &str| {
                pid.and_then(|p| {
                    std::fs::read_to_string(proc_root.join(p.to_string()).join(name)).ok()
                })
            };
            PortOwner {
                proto,
                address: r.address.to_string(),
                port: r.port,
                state: state_name(r.state),
                uid: r.uid,
                user: users.get(&r.uid).cloned(),
                pid,
                process: read("comm").map(|s| s.trim().to_string()),
                cmdline: read("cmdline").map(|s| {
                    s.split('\0')
                        .filter(|a| !a.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                }),
            }
        })
        .collect();
    out.sort_by_key(|o| (o.state != "listen", o.proto, o.address.clone()));
    out
}

/// Find which pid holds each socket inode by reading /proc/PID/fd links (only our own processes
/// unless we are root; others stay unknown).
fn pids_for_inodes(proc_root: &Path, inodes: &[u64]) -> BTreeMap<u64, u32> {
    let mut found = BTreeMap::new();
    let Ok(procs) = std::fs::read_dir(proc_root) else {
        return found;
    };
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let t = target.to_string_lossy();
            if let Some(inode) = t
                .strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .and_then(|s| s.parse::<u64>().ok())
            {
                if inodes.contains(&inode) {
                    found.entry(inode).or_insert(pid);
                }
            }
        }
        if found.len() == inodes.len() {
            break;
        }
    }
    found
}

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

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17 1 0\n";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0\n";

    #[test]
    fn parses_ipv4_rows() {
        let rows = parse_proc_net(TCP, false);
        assert_eq!(
            rows[0],
            SocketRow {
                address: "127.0.0.1".parse().expect("ip"),
                port: 3000,
                state: 0x0A,
                uid: 1000,
                inode: 4242
            }
        );
        assert_eq!(rows[1].port, 22);
    }

    #[test]
    fn parses_ipv6_rows() {
        let rows = parse_proc_net(TCP6, true);
        assert_eq!(rows[0].address, "::1".parse::<IpAddr>().expect("ip"));
        assert_eq!(rows[0].port, 3000);
    }

    #[test]
    fn finds_our_own_listener_with_pid() {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let owners = owner_of(port);
        let me = owners
            .iter()
            .find(|o| o.state == "listen")
            .expect("listener found");
        assert_eq!(me.pid, Some(std::process::id()));
        assert_eq!(me.address, "127.0.0.1");
        assert!(!is_free(port));
    }

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

    #[test]
    fn passwd() {
        let m = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n",
        );
        assert_eq!(m.get(&1000).map(String::as_str), Some("alice"));
    }
}
