//! One probing run of the effective settings, as `check` needs it: every GOPROXY entry and the
//! checksum database probed concurrently, plus what the chain means for go.

use url::Url;

use super::budget::Budget;
use super::chain::{self, ChainOutcome};
use super::plan::Source;
use super::proxy::{self, ProbeOptions, ProxyReport};
use super::sumdb::{self, SumDbTarget, SumdbReport};
use crate::net::http::Prober;

/// At most this many requirements are walked by `check` inside a module (a stated sample
/// beyond it): each is one `.info` request per proxy, all at once.
pub const MAX_WALKED: usize = 6;

/// The modules a `check` walks and how they were chosen, said beside every verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkSet {
    /// `(path, version)`, the first one also probed for latency and protocol facts.
    pub modules: Vec<(String, String)>,
    /// "the requirements of /w/go.mod (6 of 23, a sample)", "--module", "the canary module".
    pub chosen: String,
}

impl WalkSet {
    /// Requirements `public` (those go asks a proxy for) of the go.mod at `gomod`; `private`
    /// counts the ones GONOPROXY sends elsewhere (not walked here: `private.hosts` checks
    /// their hosts). Few are all walked; many give an evenly spread sample of [`MAX_WALKED`].
    pub fn requirements(public: &[(String, String)], private: usize, gomod: &str) -> Self {
        let modules = sample(public, MAX_WALKED);
        let mut chosen = if modules.len() < public.len() {
            format!(
                "the requirements of {gomod}: {} of {}, a sample spread over the list",
                modules.len(),
                public.len()
            )
        } else {
            format!("the requirements of {gomod}")
        };
        if private > 0 {
            chosen.push_str(&format!(
                "; {private} private (GONOPROXY) not walked through proxies"
            ));
        }
        WalkSet { modules, chosen }
    }
}

/// The canary modules of godoctor's config (`modules.txt`): one `PATH@VERSION` per line, `#`
/// starts a comment. An error names the line.
pub fn parse_modules_file(text: &str, source: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let m = proxy::parse_module_arg(line)
            .map_err(|e| format!("{source}:{}: {}", n + 1, e.replace("--module ", "")))?;
        out.push(m);
    }
    Ok(out)
}

/// `n` items spread evenly over `items` (all of them when there are no more than `n`).
pub fn sample<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    if items.len() <= n {
        return items.to_vec();
    }
    (0..n).map(|i| items[i * items.len() / n].clone()).collect()
}

/// Everything one run found.
#[derive(Debug, Clone)]
pub struct SettingsRun {
    /// The modules walked (path@version, in order).
    pub walked: Vec<String>,
    /// How they were chosen ("--module", "the requirements of …", "the canary module").
    pub chosen: String,
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
    let walked = std::iter::once(format!("{}@{}", opts.module, opts.version))
        .chain(opts.also.iter().map(|(m, v)| format!("{m}@{v}")))
        .collect();
    SettingsRun {
        walked,
        chosen: opts.chosen.clone(),
        sources: items,
        reports,
        outcome,
        goproxy_error: None,
        sumdb: sumdb_report,
        gosumdb_error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_file_lines() {
        let got = parse_modules_file(
            "# canaries\nexample.com/a@v1.0.0\n\n  example.com/b@v0.2.0 # second\n",
            "modules.txt",
        );
        assert_eq!(
            got,
            Ok(vec![
                ("example.com/a".to_string(), "v1.0.0".to_string()),
                ("example.com/b".to_string(), "v0.2.0".to_string()),
            ])
        );
        let bad = parse_modules_file("example.com/a@v1.0.0\nexample.com/b\n", "modules.txt");
        assert!(bad.is_err_and(|e| e.starts_with("modules.txt:2: invalid")));
    }

    #[test]
    fn a_sample_is_spread_and_stated() {
        let reqs: Vec<(String, String)> = (0..23)
            .map(|i| (format!("example.com/m{i:02}"), "v1.0.0".to_string()))
            .collect();
        let w = WalkSet::requirements(&reqs, 2, "/w/go.mod");
        assert_eq!(w.modules.len(), MAX_WALKED);
        assert_eq!(w.modules[0].0, "example.com/m00");
        assert!(
            w.modules
                .last()
                .is_some_and(|m| m.0.as_str() > "example.com/m15")
        );
        assert!(w.chosen.contains("6 of 23"), "{}", w.chosen);
        assert!(w.chosen.contains("2 private"), "{}", w.chosen);
        let few = WalkSet::requirements(&reqs[..2], 0, "/w/go.mod");
        assert_eq!(few.modules.len(), 2);
        assert_eq!(few.chosen, "the requirements of /w/go.mod");
    }
}
