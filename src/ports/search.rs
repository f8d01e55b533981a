//! "Where did my proxy go?": when nothing listens on the configured port, look for a Go module
//! proxy on another loopback port: by process name (athens, goproxy, gomods) or by asking the
//! local listeners the protocol. Cheap, concurrent and bounded.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use super::fingerprint::{self, Kind};
use super::procnet::parse_proc_net;
use super::{PortOwner, ask, family};
use crate::net::http::Prober;

/// At most this many other listeners are asked (nearest port numbers first).
pub const MAX_ASKED: usize = 24;
/// Only ports this close to the configured one: a proxy that moved went to a neighbour (3001
/// for 3000), and unrelated local services (databases, other programs) are left alone.
pub const WINDOW: u16 = 100;

/// Process names of known Go module proxies.
const PROXY_NAMES: &[&str] = &["athens", "goproxy", "gomods", "proxy.golang"];

/// A Go module proxy found on another port.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub port: u16,
    pub url: String,
    /// `athens (pid 4242)` when the process is visible.
    pub who: Option<String>,
    /// Why we think it is one.
    pub because: String,
}

/// Ports with a loopback-reachable listener (127.x, ::1, 0.0.0.0, ::), other than `except`.
fn loopback_listeners(except: u16) -> Vec<(u16, Vec<IpAddr>)> {
    let mut by_port: std::collections::BTreeMap<u16, Vec<IpAddr>> = Default::default();
    for (file, v6) in [("net/tcp", false), ("net/tcp6", true)] {
        let Ok(text) = std::fs::read_to_string(Path::new("/proc").join(file)) else {
            continue;
        };
        for r in parse_proc_net(&text, v6) {
            if r.state == 0x0A
                && r.port != except
                && family::reach(&[r.address]) != family::Reach::default()
            {
                by_port.entry(r.port).or_default().push(r.address);
            }
        }
    }
    by_port.into_iter().collect()
}

fn named_proxy(owners: &[PortOwner]) -> Option<String> {
    owners.iter().flat_map(|o| &o.holders).find_map(|h| {
        let name = h.process.as_deref()?;
        let cmd = h.cmdline.as_deref().unwrap_or("");
        PROXY_NAMES
            .iter()
            .any(|p| {
                name.contains(p) || cmd.split_whitespace().next().is_some_and(|c| c.contains(p))
            })
            .then(|| format!("{name} (pid {})", h.pid))
    })
}

/// Look for Go module proxies on other loopback ports, asking each at most `timeout`.
pub fn find(
    prober: &Prober,
    near: u16,
    module: &str,
    version: &str,
    timeout: Duration,
) -> Vec<Found> {
    let mut candidates = loopback_listeners(near);
    candidates.retain(|(p, _)| p.abs_diff(near) <= WINDOW);
    candidates.sort_by_key(|(p, _)| p.abs_diff(near));
    candidates.truncate(MAX_ASKED);
    std::thread::scope(|s| {
        let handles: Vec<_> = candidates
            .into_iter()
            .filter_map(|(port, addrs)| {
                let url = family::working_url("http", port, family::reach(&addrs))?;
                Some(s.spawn(move || {
                    let owners = super::listeners(port);
                    let who = named_proxy(&owners)
                        .or_else(|| owners.first().filter(|o| o.pid.is_some()).map(|o| o.who()));
                    if timeout.is_zero() {
                        return named_proxy(&owners).map(|who| Found {
                            port,
                            url,
                            who: Some(who),
                            because: "its process name is a Go module proxy's".into(),
                        });
                    }
                    let base = Url::parse(&url).ok()?;
                    let fp = fingerprint::classify(
                        &ask::ask(prober, &base, module, version, timeout),
                        &format!("{module} {version}"),
                    );
                    let by_name = named_proxy(&owners).is_some();
                    (fp.kind == Kind::GoProxy || (by_name && fp.kind != Kind::NotGoProxy)).then(
                        || Found {
                            port,
                            url,
                            who,
                            because: if fp.kind == Kind::GoProxy {
                                fp.summary
                            } else {
                                "its process name is a Go module proxy's".into()
                            },
                        },
                    )
                }))
            })
            .collect();
        let mut found: Vec<Found> = handles
            .into_iter()
            .filter_map(|h| h.join().ok().flatten())
            .collect();
        found.sort_by_key(|f| f.port.abs_diff(near));
        found
    })
}
