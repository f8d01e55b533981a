//! One probing run of the effective settings, as `check` needs it: every GOPROXY entry and the
//! checksum database probed concurrently, plus what the chain means for go.

use url::Url;

use super::budget::Budget;
use super::chain::{self, ChainOutcome};
use super::plan::Source;
use super::proxy::{self, ProbeOptions, ProxyReport};
use super::sumdb::{self, SumDbTarget, SumdbReport};
use super::walkset::WalkSet;
use crate::net::http::Prober;

/// Everything one run found.
#[derive(Debug, Clone)]
pub struct SettingsRun {
    /// The modules walked and how they were chosen (each proxy's answer for each is in its
    /// report's `walked`, what go makes of them in `outcome.modules`).
    pub walk: WalkSet,
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

/// Probe the proxies of `goproxy` and the database of `gosumdb` concurrently: each request
/// within `opts.timeout`, everything within the budget ([`super::budget`]).
pub fn probe_settings(
    prober: &Prober,
    goproxy: &str,
    gosumdb: &str,
    mut opts: ProbeOptions,
) -> SettingsRun {
    let (path, version) = opts.walk.first();
    let (items, goproxy_error) = match chain::sources(goproxy, &format!("{path}@{version}")) {
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

/// Probe the proxies of `items` (concurrently) and, if given, the checksum database along them,
/// each request within `opts.timeout` and all within one budget. With `as_chain`, walk them as go walks GOPROXY: `outcome` is set and
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
    // One budget for everything probed together: each request gets --timeout, all of them
    // end within the budget.
    let budget = opts.budget.unwrap_or_else(|| Budget::start(opts.timeout));
    let opts = ProbeOptions {
        budget: Some(budget),
        ..opts
    };
    let (mut reports, sumdb_report) = std::thread::scope(|s| {
        let sumdb = target.map(|t| s.spawn(|| sumdb::check_within(prober, t, &items, &budget)));
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
            report.served = Some(if o.modules.is_empty() {
                !o.broken && o.served_by.as_deref() == Some(report.url.as_str())
            } else {
                o.modules
                    .iter()
                    .any(|m| m.served_by.as_deref() == Some(report.url.as_str()))
            });
        }
    }
    SettingsRun {
        walk: opts.walk,
        sources: items,
        reports,
        outcome,
        goproxy_error: None,
        sumdb: sumdb_report,
        gosumdb_error: None,
    }
}
