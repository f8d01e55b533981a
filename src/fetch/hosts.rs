//! Whether this machine reaches a private module host the way go first talks to one for a
//! direct fetch: an HTTPS GET of `https://HOST/?go-get=1` (the discovery request of
//! `vcs.RepoRootForImportPath`) through the one network layer, so HTTPS_PROXY/NO_PROXY, the
//! trust roots (SSL_CERT_FILE) and go's redirect rules apply as they do for go. Any HTTP answer
//! proves the path (its status is kept: a login page or 404 at the root says nothing against
//! it); DNS, connection, proxy and TLS failures are what go would meet too. Hosts are asked
//! concurrently, each within the deadline.

use std::time::{Duration, Instant};

use url::Url;

use crate::net::http::{FetchOptions, Prober};

/// What go's first request to a private host for a direct fetch (`https://HOST/?go-get=1`)
/// met, gathered by [`reach`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostReach {
    pub host: String,
    /// `Ok(status)`: an HTTP answer (any status proves the way there works); `Err(why)` not.
    pub result: Result<u16, String>,
    /// How long it took.
    pub ms: u64,
    /// `host:port` of the HTTP proxy (HTTPS_PROXY) the request went through, if any.
    pub via_proxy: Option<String>,
}

/// Most bytes read of a discovery page: enough for its head, where go-import tags live.
const MAX_BYTES: usize = 64 * 1024;

/// Ask every host, concurrently, within `timeout` each.
pub fn reach(prober: &Prober, hosts: &[String], timeout: Duration) -> Vec<HostReach> {
    std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .iter()
            .map(|host| s.spawn(move || reach_one(prober, host, timeout)))
            .collect();
        handles
            .into_iter()
            .zip(hosts)
            .map(|(h, host)| {
                h.join().unwrap_or_else(|_| HostReach {
                    host: host.clone(),
                    result: Err("the check failed unexpectedly".into()),
                    ms: 0,
                    via_proxy: None,
                })
            })
            .collect()
    })
}

fn reach_one(prober: &Prober, host: &str, timeout: Duration) -> HostReach {
    let url = match Url::parse(&format!("https://{host}/?go-get=1")) {
        Ok(u) => u,
        Err(e) => {
            return HostReach {
                host: host.to_string(),
                result: Err(format!("not a host name: {e}")),
                ms: 0,
                via_proxy: None,
            };
        }
    };
    let started = Instant::now();
    let r = prober.fetch(&url, &FetchOptions::within(timeout, MAX_BYTES));
    let result = match (&r.error, r.status) {
        (None, Some(status)) => Ok(status),
        (Some(e), _) => Err(e.message.clone()),
        (None, None) => Err("no answer".into()),
    };
    HostReach {
        host: host.to_string(),
        result,
        ms: started.elapsed().as_millis() as u64,
        via_proxy: r.via_proxy.clone(),
    }
}
