//! Pure parsing of Linux's /proc socket tables (/proc/net/tcp, tcp6) and /etc/passwd, and the
//! /proc/PID/fd walk that maps socket inodes to pids.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

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

/// The name `ss` and `lsof` use for a /proc/net/tcp state number.
pub fn state_name(state: u8) -> &'static str {
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

/// Every pid holding each socket inode, by reading /proc/PID/fd links (ascending pids: a forked
/// server's master first). Only our own processes unless we are root, as with `ss -p`.
pub fn pids_for_inodes(proc_root: &Path, inodes: &[u64]) -> BTreeMap<u64, Vec<u32>> {
    let mut found: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
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
            if let Some(inode) = socket_inode(&target.to_string_lossy()) {
                if inodes.contains(&inode) {
                    let pids = found.entry(inode).or_default();
                    // One process may hold the socket on several descriptors.
                    if !pids.contains(&pid) {
                        pids.push(pid);
                    }
                }
            }
        }
    }
    for pids in found.values_mut() {
        pids.sort_unstable();
    }
    found
}

/// The inode of an fd link target `socket:[N]`.
pub fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Start time of a process in clock ticks after boot: field 22 of /proc/PID/stat. The command
/// name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
pub fn parse_stat_start(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The real uid from /proc/PID/status (`Uid:\treal\teffective\t…`).
pub fn parse_status_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Seconds since boot from /proc/uptime.
pub fn parse_uptime(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// A NUL-separated /proc/PID/cmdline as one line (arguments joined by spaces), control
/// characters escaped (`\n`): any process may put anything in its arguments or name.
pub fn parse_cmdline(raw: &str) -> String {
    visible(
        &raw.split('\0')
            .filter(|a| !a.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// `text` with control characters escaped, for a process name or command line.
pub fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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
    fn stat_start_counts_after_the_command_name() {
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 987654 1000 10";
        assert_eq!(parse_stat_start(stat), Some(987654));
        assert_eq!(parse_stat_start("garbage"), None);
    }

    #[test]
    fn status_uid_and_cmdline() {
        assert_eq!(
            parse_status_uid("Name:\tnginx\nUid:\t33\t33\t33\t33\n"),
            Some(33)
        );
        assert_eq!(
            parse_cmdline("nginx: worker process\0\0"),
            "nginx: worker process"
        );
        assert_eq!(
            parse_cmdline("python3\0-m\0http.server\0"),
            "python3 -m http.server"
        );
        assert_eq!(
            parse_cmdline("python3\0-c\0a\nb\x1b[2J"),
            "python3 -c a\\nb\\u{1b}[2J"
        );
        assert_eq!(socket_inode("socket:[4242]"), Some(4242));
        assert_eq!(socket_inode("pipe:[4242]"), None);
        assert_eq!(parse_uptime("123.45 678.9\n"), Some(123.45));
    }

    #[test]
    fn passwd() {
        let m = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n",
        );
        assert_eq!(m.get(&1000).map(String::as_str), Some("alice"));
    }
}
