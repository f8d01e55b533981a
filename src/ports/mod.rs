//! Who holds a TCP port (process, pid, user), read from /proc on Linux like `lsof -i :PORT`
//! ([`procnet`] parses the tables), and how to find a free port ([`free`]).

pub mod ask;
pub mod effect;
pub mod family;
pub mod fingerprint;
pub mod free;
pub mod procnet;
pub mod search;
pub mod stop;

use std::path::Path;

pub use free::{ephemeral_range, free_port, is_free, parse_range};
use procnet::{
    parse_cmdline, parse_passwd, parse_proc_net, parse_stat_start, parse_status_uid, parse_uptime,
    pids_for_inodes, state_name, visible,
};

use serde::Serialize;

/// Whether this build can name a port's processes: only Linux's /proc is read today. Elsewhere
/// commands say that owners are not available instead of printing an empty list.
pub const OWNERS_AVAILABLE: bool = cfg!(target_os = "linux");

/// Process names of container runtimes that hold a published port on the host's behalf.
const CONTAINER_RUNTIMES: &[&str] = &[
    "docker-proxy",
    "rootlesskit",
    "rootlessport",
    "conmon",
    "slirp4netns",
    "pasta",
    "pasta.avx2",
    "vpnkit",
    "containerd-shim",
    "containerd-shim-runc-v2",
    "com.docker.backend",
];

/// Whether a process name is a container runtime's port forwarder (the real server runs inside
/// a container, so its name is not visible here).
pub fn is_container_runtime(process: &str) -> bool {
    CONTAINER_RUNTIMES.contains(&process)
}

/// One process holding a socket (several share a socket after a fork: nginx master and workers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub pid: u32,
    /// The kernel's short name (`comm`), as `ss -p` shows it.
    pub process: Option<String>,
    pub uid: Option<u32>,
    pub user: Option<String>,
    pub cmdline: Option<String>,
    /// How long the process has been running.
    pub running_secs: Option<u64>,
    /// A container runtime publishing the port ([`is_container_runtime`]).
    pub container: bool,
}

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
    /// The lowest pid holding the socket (the master of a forked server); `None` when the socket
    /// belongs to another user's process we may not inspect.
    pub pid: Option<u32>,
    pub process: Option<String>,
    pub cmdline: Option<String>,
    /// Every process holding the socket, lowest pid first.
    pub holders: Vec<Holder>,
}

impl PortOwner {
    /// `[::1]:3000` / `127.0.0.1:3000`.
    pub fn endpoint(&self) -> String {
        if self.address.contains(':') {
            format!("[{}]:{}", self.address, self.port)
        } else {
            format!("{}:{}", self.address, self.port)
        }
    }

    /// Whether a container runtime holds the socket.
    pub fn container(&self) -> bool {
        self.holders.iter().any(|h| h.container)
    }

    /// One phrase naming the holder(s): `nginx (pids 10, 11, 12; user www-data)`,
    /// `a container publishes this port (docker-proxy, pid 42)`, or the socket's user when its
    /// processes are not visible to us.
    pub fn who(&self) -> String {
        let user = self.user.clone().unwrap_or_else(|| self.uid.to_string());
        let Some(first) = self.holders.first() else {
            return format!(
                "a process of user {user} (pid not visible to us: run as root to see it)"
            );
        };
        let mut names: Vec<&str> = Vec::new();
        for h in &self.holders {
            let n = h.process.as_deref().unwrap_or("?");
            if !names.contains(&n) {
                names.push(n);
            }
        }
        let pids = self
            .holders
            .iter()
            .map(|h| h.pid.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let pid_word = if self.holders.len() == 1 {
            "pid"
        } else {
            "pids"
        };
        let users: Vec<String> = {
            let mut u: Vec<String> = Vec::new();
            for h in &self.holders {
                let name = h.user.clone().unwrap_or_else(|| user.clone());
                if !u.contains(&name) {
                    u.push(name);
                }
            }
            u
        };
        let base = format!(
            "{} ({pid_word} {pids}; user {})",
            names.join("/"),
            users.join(", ")
        );
        if first.container || self.container() {
            format!("a container publishes this port: {base}")
        } else {
            base
        }
    }
}

/// Every TCP socket (IPv4 and IPv6) whose local port is `port`, listeners first, with every
/// process holding it where visible. Empty when nothing uses the port, or on systems without
/// /proc ([`OWNERS_AVAILABLE`]).
pub fn owner_of(port: u16) -> Vec<PortOwner> {
    if !OWNERS_AVAILABLE {
        return Vec::new();
    }
    owner_of_in(Path::new("/proc"), Path::new("/etc/passwd"), port)
}

/// The listening sockets of `port` (what `ss -ltnp sport = :PORT` lists).
pub fn listeners(port: u16) -> Vec<PortOwner> {
    owner_of(port)
        .into_iter()
        .filter(|o| o.state == "listen")
        .collect()
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
    let uptime = std::fs::read_to_string(proc_root.join("uptime"))
        .ok()
        .and_then(|t| parse_uptime(&t));
    let holder = |pid: u32| {
        let read =
            |name: &str| std::fs::read_to_string(proc_root.join(pid.to_string()).join(name)).ok();
        let process = read("comm").map(|s| visible(s.trim_end_matches('\n')));
        let uid = read("status").and_then(|s| parse_status_uid(&s));
        // /proc/PID/stat counts in USER_HZ, which Linux fixes at 100 for user space.
        let running_secs = read("stat")
            .and_then(|s| parse_stat_start(&s))
            .zip(uptime)
            .map(|(start, up)| (up - start as f64 / 100.0).max(0.0) as u64);
        Holder {
            pid,
            container: process.as_deref().is_some_and(is_container_runtime),
            process,
            uid,
            user: uid.and_then(|u| users.get(&u).cloned()),
            cmdline: read("cmdline").map(|s| parse_cmdline(&s)),
            running_secs,
        }
    };
    let mut out: Vec<PortOwner> = rows
        .into_iter()
        .map(|(proto, r)| {
            let holders: Vec<Holder> = pids
                .get(&r.inode)
                .map(|ps| ps.iter().map(|&p| holder(p)).collect())
                .unwrap_or_default();
            let first = holders.first();
            PortOwner {
                proto,
                address: r.address.to_string(),
                port: r.port,
                state: state_name(r.state),
                uid: r.uid,
                user: users.get(&r.uid).cloned(),
                pid: first.map(|h| h.pid),
                process: first.and_then(|h| h.process.clone()),
                cmdline: first.and_then(|h| h.cmdline.clone()),
                holders,
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
        assert_eq!(me.holders.len(), 1);
        assert!(me.holders[0].running_secs.is_some());
        assert!(!me.container());
    }

    #[test]
    fn container_runtimes() {
        assert!(is_container_runtime("docker-proxy"));
        assert!(is_container_runtime("rootlesskit"));
        assert!(!is_container_runtime("nginx"));
    }
}
