//! The GOPROXY chain as go walks it: after `,` go tries the next entry only on 404/410, after
//! `|` on any error; `direct` and `off` end the list. [`explain`] turns per-proxy verdicts into
//! the consequence for go (pure).

use serde::Serialize;
use url::Url;

use super::proxy::{ProxyReport, Verdict, display_url, parse_proxy_url};
use super::sumdb::RouteEntry;
use crate::output::Status;

/// One GOPROXY entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Proxy(Url),
    Direct,
    Off,
}

/// An entry and the separator after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub entry: Entry,
    /// Followed by `|`: go falls back to the next entry on any error (not only 404/410).
    pub fall_on_error: bool,
}

/// Split a GOPROXY value like cmd/go's `proxyList` (with [`crate::syntax::goproxy`]).
pub fn parse_goproxy(value: &str) -> Result<Vec<Item>, String> {
    use crate::syntax::goproxy::{Fallback, ProxyEntry, parse};
    let list = parse(value);
    if let Some(e) = list.go_error {
        return Err(e);
    }
    let mut items = Vec::new();
    for spec in list.specs {
        let fall_on_error = spec.fallback == Fallback::OnAnyError;
        let entry = match spec.entry {
            ProxyEntry::Url { url, .. } => Entry::Proxy(parse_proxy_url(&url)?),
            ProxyEntry::Direct => Entry::Direct,
            ProxyEntry::Off => Entry::Off,
            // Only for modules matching GONOPROXY; the probe module falls through it.
            ProxyEntry::Noproxy => continue,
        };
        items.push(Item {
            entry,
            fall_on_error,
        });
    }
    if items.is_empty() {
        return Err("GOPROXY list is not the empty string, but contains no entries".into());
    }
    Ok(items)
}

/// The chain as the checksum-database route sees it.
pub fn route_entries(items: &[Item]) -> Vec<RouteEntry> {
    items
        .iter()
        .map(|i| match &i.entry {
            Entry::Proxy(url) => RouteEntry::Proxy {
                url: url.clone(),
                fall_on_error: i.fall_on_error,
            },
            Entry::Direct | Entry::Off => RouteEntry::Direct,
        })
        .collect()
}

/// What the chain means for go fetching the probe module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainOutcome {
    /// One sentence per entry, in order.
    pub consequences: Vec<String>,
    /// Who would serve the probe module: a proxy URL, `direct`, or `None` (every download fails).
    pub served_by: Option<String>,
    /// The chain as a whole fails for public modules.
    pub broken: bool,
}

/// Walk the chain with each proxy's report (same order as the proxy entries of `items`).
pub fn explain(items: &[Item], reports: &[ProxyReport]) -> ChainOutcome {
    let mut reports = reports.iter();
    let mut consequences = Vec::new();
    let mut served_by: Option<String> = None;
    // Still walking: no earlier entry served the module or stopped the walk.
    let mut walking = true;
    let mut broken = false;
    let label = |i: usize| -> String {
        match items.get(i).map(|it| &it.entry) {
            Some(Entry::Proxy(u)) => format!("entry {} ({})", i + 1, display_url(u)),
            Some(Entry::Direct) => format!("entry {} (direct)", i + 1),
            Some(Entry::Off) => format!("entry {} (off)", i + 1),
            None => "nothing".into(),
        }
    };
    for (i, item) in items.iter().enumerate() {
        let has_next = i + 1 < items.len();
        let text = match &item.entry {
            Entry::Direct => {
                if walking {
                    served_by.get_or_insert_with(|| "direct".into());
                    walking = false;
                }
                "direct: go fetches what earlier entries do not serve from the origin (version control), which needs git/hg and access to the module hosts".to_string()
            }
            Entry::Off => {
                if walking {
                    broken = true;
                    walking = false;
                }
                "off: go stops here; anything not served by an earlier entry fails with \"module lookup disabled by GOPROXY=off\"".to_string()
            }
            Entry::Proxy(_) => {
                let Some(r) = reports.next() else { continue };
                let reached = walking;
                let s = match r.verdict {
                    Verdict::Ok => {
                        if walking {
                            served_by = Some(r.url.clone());
                            walking = false;
                        }
                        match (has_next, item.fall_on_error) {
                            (false, _) => "serves public modules; it is the last entry".to_string(),
                            (true, false) => format!(
                                "serves public modules; go moves on to {} only for modules it answers 404/410 for",
                                label(i + 1)
                            ),
                            (true, true) => format!(
                                "serves public modules; go moves on to {} for modules it lacks or when it fails",
                                label(i + 1)
                            ),
                        }
                    }
                    Verdict::NotServingModule => {
                        if has_next {
                            format!(
                                "answers 404/410 for the probe module, so go falls through to {}",
                                label(i + 1)
                            )
                        } else {
                            if walking {
                                broken = true;
                                walking = false;
                            }
                            "answers 404/410 for the probe module and is the last entry: go cannot download it".to_string()
                        }
                    }
                    Verdict::BadNotFound if has_next && !item.fall_on_error => {
                        if walking {
                            served_by = Some(r.url.clone());
                            walking = false;
                        }
                        format!(
                            "serves public modules, but modules it lacks get a non-404 answer and go will NOT fall through ',' to {}; use '|' if it must",
                            label(i + 1)
                        )
                    }
                    Verdict::BadNotFound => {
                        if walking {
                            served_by = Some(r.url.clone());
                            walking = false;
                        }
                        "serves public modules".to_string()
                    }
                    _ if r.severity == Status::Error => {
                        let why = format!("fails ({})", r.diagnosis);
                        match (has_next, item.fall_on_error) {
                            (true, true) => format!(
                                "{why}; '|' follows, so go falls back to {} on errors",
                                label(i + 1)
                            ),
                            (true, false) => {
                                if walking {
                                    broken = true;
                                    walking = false;
                                }
                                format!(
                                    "{why} and is followed by ',' so go will NOT fall back to {}: every download fails; use '|' to fall back on errors",
                                    label(i + 1)
                                )
                            }
                            (false, _) => {
                                if walking {
                                    broken = true;
                                    walking = false;
                                }
                                format!("{why} and is the last entry: every download fails")
                            }
                        }
                    }
                    _ => r.diagnosis.clone(),
                };
                if reached {
                    s
                } else {
                    format!("{s} (not reached for the probe module)")
                }
            }
        };
        consequences.push(text);
    }
    if walking {
        broken = served_by.is_none();
    }
    ChainOutcome {
        consequences,
        served_by,
        broken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::http::Phases;

    fn report(url: &str, verdict: Verdict) -> ProxyReport {
        ProxyReport {
            kind: "proxy",
            url: url.into(),
            ok: verdict.status() != Status::Error,
            status: None,
            phases: Phases::default(),
            median_ms: None,
            min_ms: None,
            samples: 0,
            verdict,
            severity: verdict.status(),
            diagnosis: "x".into(),
            hint: None,
            via_proxy: None,
            module: String::new(),
            not_found_status: None,
            sumdb: None,
            port_owners: Vec::new(),
            position: None,
            consequence: None,
            served: None,
        }
    }

    #[test]
    fn parses_like_go() {
        let items = parse_goproxy(" a.example ,, http://b|direct,ignored").expect("ok");
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[0].entry,
            Entry::Proxy(Url::parse("https://a.example").expect("url"))
        );
        assert!(!items[0].fall_on_error);
        assert!(items[1].fall_on_error);
        assert_eq!(items[2].entry, Entry::Direct);
        assert!(parse_goproxy(",").is_err());
        assert!(parse_goproxy("ftp://x").is_err());
    }

    #[test]
    fn comma_after_a_failure_breaks_the_chain() {
        let items = parse_goproxy("http://a,http://b").expect("ok");
        let out = explain(
            &items,
            &[
                report("http://a", Verdict::Refused),
                report("http://b", Verdict::Ok),
            ],
        );
        assert!(out.broken);
        assert_eq!(out.served_by, None);
        assert!(out.consequences[0].contains("will NOT fall back"));
        assert!(out.consequences[1].contains("not reached"));
    }

    #[test]
    fn pipe_after_a_failure_falls_back() {
        let items = parse_goproxy("http://a|http://b").expect("ok");
        let out = explain(
            &items,
            &[
                report("http://a", Verdict::Refused),
                report("http://b", Verdict::Ok),
            ],
        );
        assert!(!out.broken);
        assert_eq!(out.served_by.as_deref(), Some("http://b"));
    }

    #[test]
    fn not_found_falls_through_to_direct() {
        let items = parse_goproxy("http://a,direct").expect("ok");
        let out = explain(&items, &[report("http://a", Verdict::NotServingModule)]);
        assert_eq!(out.served_by.as_deref(), Some("direct"));
        assert!(!out.broken);
    }
}
