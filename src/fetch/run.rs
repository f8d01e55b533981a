//! One probing run of the effective settings, as `check` needs it: every GOPROXY entry and the
//! checksum database probed concurrently, plus what the chain means for go.

use url::Url;

use super::chain::{self, ChainOutcome};
use super::plan::Source;
use super::proxy::{self, ProbeOptions, ProxyReport};
use super::sumdb::{self, SumDbTarget, SumdbReport};
use crate::net::http::{FetchOptions, Prober};

/// Everything one run found.
#[derive(Debug, Clone)]
pub struct SettingsRun {
    /// The GOPROXY entries in order, as planned for the probe module (empty when GOPROXY
    /// could not be parsed).
    pub sources: Vec<Source>,
    /// One report per proxy entry, in chain order, with `position` and `consequence` filled in.
    pub reports: Vec<ProxyReport>,
    /// What the chain means for go fetching a public module (`None` if GOPROXY is invalid).
    pub outcome: Option<ChainOutcome>,
    /// Why GOPROXY could not be parsed, if it could not.
    pub goproxy_error: Option<String>,
    /// The checksum database check (`None` for GOSUMDB=off or an invalid GOSUMDB).
    pub sumdb: Option<SumdbReport>,
    /// Why GOSUMDB could not be resolved, if it could not.
    pub gosumdb_error: Option<String>,
}

/// Probe the proxies of `goproxy` and the database of `gosumdb` concurrently; finishes within
/// `opts.timeout` per probe (probes run in parallel).
pub fn probe_settings(
    prober: &Prober,
    goproxy: &str,
    gosumdb: &str,
    mut opts: ProbeOptions,
) -> SettingsRun {
    let module = format!("{}@{}", opts.module, opts.version);
    let (items, goproxy_error) = match chain::sources(goproxy, &module) {
        Ok(items) => (items, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let (target, gosumdb_error) = match sumdb::resolve(gosumdb) {
        Ok(t) => (t, None),
        Err(e) => (None, Some(e)),
    };
    opts.sumdb = target.as_ref().map(|t| t.name.clone());
    let mut run = probe_chain(
        prober,
        items,
        target.as_ref(),
        opts,
        goproxy_error.is_none(),
    );
    run.goproxy_error = goproxy_error;
    run.gosumdb_error = gosumdb_error;
    run
}

/// Probe the proxies of `items` (concurrently) and, if given, the checksum database along them, all
/// within `opts.timeout`. With `as_chain`, walk them as go walks GOPROXY: `outcome` is set and
/// each report gets `position`, `consequence` and `served`.
pub fn probe_chain(
    prober: &Prober,
    items: Vec<Source>,
    target: Option<&SumDbTarget>,
    opts: ProbeOptions,
    as_chain: bool,
) -> SettingsRun {
    let proxy_urls: Vec<Url> = chain::proxies(&items)
        .filter_map(|s| proxy::parse_proxy_url(s.url.as_deref().unwrap_or(&s.target)).ok())
        .collect();
    let deadline = FetchOptions::within(opts.timeout, 64 * 1024);
    let (mut reports, sumdb_report) = std::thread::scope(|s| {
        let sumdb = target.map(|t| s.spawn(|| sumdb::check(prober, t, &items, &deadline)));
        let reports = proxy::test_all(prober, &proxy_urls, &opts);
        (reports, sumdb.and_then(|h| h.join().ok()))
    });
    let outcome = as_chain.then(|| chain::explain(&items, &reports));
    if let Some(o) = &outcome {
        let proxies = items
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == super::plan::SourceKind::Proxy && !s.skipped);
        for ((position, _), report) in proxies.zip(reports.iter_mut()) {
            report.position = Some(position + 1);
            report.consequence = o.consequences.get(position).cloned();
            report.served = Some(!o.broken && o.served_by.as_deref() == Some(report.url.as_str()));
        }
    }
    SettingsRun {
        sources: items,
        reports,
        outcome,
        goproxy_error: None,
        sumdb: sumdb_report,
        gosumdb_error: None,
    }
}
