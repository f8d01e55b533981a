//! Who holds a TCP port (process, pid, user), read from /proc on Linux like `lsof -i :PORT`
//! ([`procnet`] parses the tables), and how to find a free port ([`free`]).

pub mod free;
pub mod procnet;

use std::path::Path;

pub use free::{ephemeral_range, free_port, is_free, parse_range};
use procnet::{parse_passwd, parse_proc_net, pids_for_inodes, state_name};

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

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
}
