//! What go decides for one module path under given settings, as pure data: the order in which
//! it tries proxies and direct fetches (cmd/go/internal/modfetch `TryProxies` + `lookup`),
//! whether it verifies with the checksum database (`useSumDB`), whether direct fetches may be
//! insecure (GOINSECURE) and whether the path counts as private (GOPRIVATE, used by GOVCS).
//!
//! No I/O: what the attempts return is for the route command to find out. The fallback rule
//! travels with each attempt: go moves to the next attempt after a "not found" answer
//! (404/410, or a skipped entry), and after any error only when the entry was followed by `|`.

use super::goproxy::{self, Fallback, ProxyEntry};
use super::gosumdb::{self, SumDb};
use super::patterns::match_prefix_patterns;
use super::{effective, module};
use serde::Serialize;
use std::collections::BTreeMap;

/// One step of go's walk over the proxy list for this module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// go asks this proxy (URL may hold credentials: redact before printing).
    Proxy { url: String, fallback: Fallback },
    /// go fetches from the origin (meta tags / version control), from the implicit noproxy
    /// entry (GONOPROXY match) or from a `direct` entry.
    Direct {
        via_noproxy: bool,
        fallback: Fallback,
    },
    /// go skips this entry with a "not found" error and moves on: a proxy entry for a module
    /// matching GONOPROXY ("disabled by GOPRIVATE/GONOPROXY"), or the implicit noproxy entry for
    /// a module that does not match ("path does not match GOPRIVATE/GONOPROXY").
    Skipped { entry: String, reason: String },
    /// `off`: go fails here ("module lookup disabled by GOPROXY=off").
    Off,
}

/// go's decisions for one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub module: String,
    /// go's `malformed module path` error, if the path is invalid (then nothing is fetched).
    pub path_error: Option<String>,
    /// The path as it appears in proxy URLs (case-encoded), when valid.
    pub escaped: Option<String>,
    /// The error go stops with for the whole GOPROXY list, if any.
    pub proxy_error: Option<String>,
    /// The steps in order.
    pub steps: Vec<Step>,
    /// The GONOPROXY glob that matched (GONOPROXY defaults to GOPRIVATE).
    pub noproxy_match: Option<String>,
    /// The GOPRIVATE glob that matched ("private" for GOVCS).
    pub private_match: Option<String>,
    /// The GOINSECURE glob that matched: direct fetches may use plain HTTP / skip TLS checks.
    pub insecure_match: Option<String>,
    /// The GONOSUMDB glob that matched (GONOSUMDB defaults to GOPRIVATE).
    pub nosumdb_match: Option<String>,
    /// The checksum database go verifies this module with, `None` when it does not (GOSUMDB=off
    /// or a GONOSUMDB match), or the GOSUMDB error go would stop with.
    pub sumdb: Option<Result<SumDb, String>>,
}

/// Decide like go for `module` under `values` (settings as configured; go's defaults are
/// applied, see [`super::effective`]).
pub fn decide(values: &BTreeMap<String, String>, module_path: &str) -> Decision {
    let eff = effective(values);
    let get = |k: &str| eff.get(k).map(String::as_str).unwrap_or("");
    let path_error = module::check_path(module_path).err();
    let escaped = module::escape_path(module_path).ok();
    let noproxy_match = match_prefix_patterns(get("GONOPROXY"), module_path).map(str::to_string);
    let list = goproxy::resolve(get("GOPROXY"), get("GONOPROXY"));
    let mut steps = Vec::new();
    for spec in &list.specs {
        let step = match (&spec.entry, noproxy_match.is_some()) {
            (ProxyEntry::Noproxy, true) => Step::Direct {
                via_noproxy: true,
                fallback: spec.fallback,
            },
            (ProxyEntry::Direct, _) => Step::Direct {
                via_noproxy: false,
                fallback: spec.fallback,
            },
            (ProxyEntry::Noproxy, false) => Step::Skipped {
                entry: "noproxy".into(),
                reason: "path does not match GOPRIVATE/GONOPROXY".into(),
            },
            (ProxyEntry::Url { url, .. }, true) => Step::Skipped {
                entry: crate::redact::redact(url),
                reason: "disabled by GOPRIVATE/GONOPROXY".into(),
            },
            (ProxyEntry::Off, true) => Step::Skipped {
                entry: "off".into(),
                reason: "disabled by GOPRIVATE/GONOPROXY".into(),
            },
            (ProxyEntry::Off, false) => Step::Off,
            (ProxyEntry::Url { url, .. }, false) => Step::Proxy {
                url: url.clone(),
                fallback: spec.fallback,
            },
        };
        steps.push(step);
    }
    let nosumdb_match = match_prefix_patterns(get("GONOSUMDB"), module_path).map(str::to_string);
    let sumdb = if get("GOSUMDB") == "off" || nosumdb_match.is_some() {
        None
    } else {
        Some(gosumdb::parse(get("GOSUMDB")).map_err(|f| f.message))
    };
    Decision {
        module: module_path.to_string(),
        path_error,
        escaped,
        proxy_error: list.go_error,
        steps,
        noproxy_match,
        private_match: match_prefix_patterns(get("GOPRIVATE"), module_path).map(str::to_string),
        insecure_match: match_prefix_patterns(get("GOINSECURE"), module_path).map(str::to_string),
        nosumdb_match,
        sumdb,
    }
}

impl Decision {
    /// The first step that really fetches something (not skipped): where go's first request
    /// for this module goes. `None` when nothing is fetched (bad path, bad list, only skips/off).
    pub fn first_fetch(&self) -> Option<&Step> {
        if self.path_error.is_some() || self.proxy_error.is_some() {
            return None;
        }
        self.steps
            .iter()
            .find(|s| matches!(s, Step::Proxy { .. } | Step::Direct { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn default_settings() {
        let d = decide(&map(&[]), "github.com/Azure/sdk");
        assert_eq!(d.escaped.as_deref(), Some("github.com/!azure/sdk"));
        assert_eq!(
            d.steps,
            vec![
                Step::Proxy {
                    url: "https://proxy.golang.org".into(),
                    fallback: Fallback::OnNotFound
                },
                Step::Direct {
                    via_noproxy: false,
                    fallback: Fallback::OnNotFound
                },
            ]
        );
        assert!(matches!(d.sumdb, Some(Ok(SumDb::Db { .. }))));
    }

    #[test]
    fn private_module() {
        let v = map(&[
            ("GOPRIVATE", "git.corp.example"),
            ("GOPROXY", "https://goproxy.cn,direct"),
        ]);
        let d = decide(&v, "git.corp.example/team/lib");
        assert_eq!(
            d.first_fetch(),
            Some(&Step::Direct {
                via_noproxy: true,
                fallback: Fallback::OnNotFound
            })
        );
        assert!(
            matches!(&d.steps[1], Step::Skipped { reason, .. } if reason == "disabled by GOPRIVATE/GONOPROXY")
        );
        assert_eq!(d.sumdb, None);
        assert_eq!(d.private_match.as_deref(), Some("git.corp.example"));
        let d = decide(&v, "github.com/x/y");
        assert!(matches!(&d.steps[0], Step::Skipped { entry, .. } if entry == "noproxy"));
        assert!(
            matches!(d.first_fetch(), Some(Step::Proxy { url, .. }) if url == "https://goproxy.cn")
        );
    }

    #[test]
    fn errors_and_off() {
        let d = decide(&map(&[("GOPROXY", "off")]), "github.com/x/y");
        assert_eq!(d.steps, vec![Step::Off]);
        assert_eq!(d.first_fetch(), None);
        let d = decide(&map(&[("GOPROXY", "not a url")]), "github.com/x/y");
        assert!(d.proxy_error.is_some());
        assert_eq!(d.first_fetch(), None);
        let d = decide(&map(&[]), "github.com/x y");
        assert!(d.path_error.is_some());
        let d = decide(&map(&[("GOSUMDB", "nope")]), "github.com/x/y");
        assert!(matches!(d.sumdb, Some(Err(_))));
        let d = decide(&map(&[("GOINSECURE", "github.com/x")]), "github.com/x/y");
        assert_eq!(d.insecure_match.as_deref(), Some("github.com/x"));
    }
}
