//! What a GOPROXY list means for go fetching one canary module, from each proxy's verdict:
//! the list is planned by [`super::plan`] (the one GOPROXY reading) and walked by
//! [`super::walker::try_sources`] (the one `,`/`|`/`direct`/`off` rule), with each proxy's
//! answer taken from its [`ProxyReport`]. [`explain`] is pure.

use serde::Serialize;

use super::plan::{self, Settings, Source, SourceKind};
use super::proxy::{ProxyReport, Verdict};
use super::walk::{Op, Step};
use super::walker::{Answer, try_sources};
use crate::finding::Severity;
use crate::syntax::goproxy::Fallback;

/// The GOPROXY list as go walks it for `module` (`path@version`), or go's error for an unusable
/// value. Without GONOPROXY settings every entry is tried; `direct` and `off` end the list.
pub fn sources(goproxy: &str, module: &str) -> Result<Vec<Source>, String> {
    let (path, version) = module.split_once('@').unwrap_or((module, "latest"));
    let settings = Settings {
        goproxy: goproxy.to_string(),
        gosumdb: "off".into(),
        ..Default::default()
    };
    let route = plan::plan(path, version, &settings);
    match crate::syntax::goproxy::parse(goproxy).go_error {
        Some(e) => Err(e),
        None => Ok(route.sources),
    }
}

/// The proxy sources of a list, in order (the ones a report is made for).
pub fn proxies(sources: &[Source]) -> impl Iterator<Item = &Source> {
    sources
        .iter()
        .filter(|s| s.kind == SourceKind::Proxy && !s.skipped)
}

/// What the chain means for go fetching the probe module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainOutcome {
    /// One sentence per entry, in order.
    pub consequences: Vec<String>,
    /// Who would serve the probe module: a proxy URL, `direct`, or `None` (every download fails).
    pub served_by: Option<String>,
    /// The chain fails for every walked module.
    pub broken: bool,
    /// Each walked module as go would fetch it through the list: who serves it, or go's error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<ModuleOutcome>,
}

/// One walked module through the GOPROXY list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleOutcome {
    /// `path@version`.
    pub module: String,
    /// A proxy URL, `direct`, or `None` when go fails.
    pub served_by: Option<String>,
    pub error: Option<String>,
}

/// The proxy accepted the connection and sent nothing back: go, without a response deadline,
/// would wait forever.
fn hangs(r: &ProxyReport) -> bool {
    r.hangs || (r.verdict == Verdict::Timeout && r.diagnosis.contains("waiting for the response"))
}

/// How go treats a proxy that got this verdict for the probe module.
fn answer(r: &ProxyReport) -> Answer {
    match r.verdict {
        // A proxy that serves the module but answers non-404 for missing ones still serves.
        Verdict::Ok | Verdict::BadNotFound => Answer::Ok,
        Verdict::NotServingModule => Answer::NotFound(r.diagnosis.clone()),
        _ if hangs(r) => Answer::Hang(r.diagnosis.clone()),
        _ if r.severity == Severity::Error => Answer::Error(r.diagnosis.clone()),
        _ => Answer::Ok,
    }
}

/// How go treats a proxy for walked module `i`: its own answer for that module when the proxy
/// answered HTTP, else the proxy's verdict (a refused port fails every module alike).
fn answer_for(r: &ProxyReport, i: usize) -> Answer {
    let Some(w) = r.walked.get(i) else {
        return answer(r);
    };
    match w.served {
        Some(true) => Answer::Ok,
        Some(false) => Answer::NotFound(format!("{}: {}", r.url, w.detail)),
        None => match answer(r) {
            Answer::Ok | Answer::NotFound(_) => Answer::Error(format!("{}: {}", r.url, w.detail)),
            a => a,
        },
    }
}

/// One walk of the list with the one walker, each proxy answering as `answer_of` says: who
/// serves (a proxy URL or `direct`), or go's error. Marks every entry go asks in `reached`.
fn walk_list(
    sources: &[Source],
    report_of: &[Option<&ProxyReport>],
    reached: &mut [bool],
    answer_of: impl Fn(&ProxyReport) -> Answer,
) -> Result<String, String> {
    let mut served_by = String::new();
    let mut steps: Vec<Step> = Vec::new();
    try_sources(sources, Op::Info, &mut steps, |i, src, _| {
        reached[i] = true;
        let a = match (src.kind, report_of[i]) {
            (SourceKind::Direct, _) => Answer::Ok,
            (_, Some(r)) => answer_of(r),
            _ => Answer::NotFound("no report".into()),
        };
        if a == Answer::Ok {
            served_by = match report_of[i] {
                Some(r) if src.kind == SourceKind::Proxy => r.url.clone(),
                _ => src.target.clone(),
            };
        }
        a
    })
    .map_err(|a| a.message().to_string())?;
    Ok(served_by)
}

/// Walk the chain with each proxy's report (same order as [`proxies`] of `sources`): once per
/// walked module, with each proxy's answer for that module; only when no proxy walked any
/// (a list of `direct`/`off`, an unusable proxy URL) once with each proxy's verdict.
pub fn explain(sources: &[Source], reports: &[ProxyReport]) -> ChainOutcome {
    // Which report belongs to which source.
    let mut report_of: Vec<Option<&ProxyReport>> = Vec::with_capacity(sources.len());
    let mut it = reports.iter();
    for s in sources {
        report_of.push(if s.kind == SourceKind::Proxy && !s.skipped {
            it.next()
        } else {
            None
        });
    }
    // An entry is "reached" when go asks it for at least one walked module.
    let mut reached = vec![false; sources.len()];
    let walked = report_of
        .iter()
        .flatten()
        .find(|r| !r.walked.is_empty())
        .map_or(&[][..], |r| &r.walked[..]);
    let modules: Vec<ModuleOutcome> = walked
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let walk = walk_list(sources, &report_of, &mut reached, |r| answer_for(r, i));
            ModuleOutcome {
                module: w.module.clone(),
                served_by: walk.as_ref().ok().cloned(),
                error: walk.err(),
            }
        })
        .collect();
    let (served_by, broken) = if modules.is_empty() {
        match walk_list(sources, &report_of, &mut reached, answer) {
            Ok(by) => (Some(by), false),
            Err(_) => (None, true),
        }
    } else {
        // The list is broken when no walked module can be downloaded.
        let served_by = modules.iter().find_map(|m| m.served_by.clone());
        (served_by.clone(), served_by.is_none())
    };
    let label = |i: usize| -> String {
        sources.get(i).map_or("nothing".into(), |s| {
            format!("entry {} ({})", i + 1, s.target)
        })
    };
    let mut consequences = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let has_next = i + 1 < sources.len();
        let pipe = src.fallback == Some(Fallback::OnAnyError);
        let text = match src.kind {
            SourceKind::Direct => "direct: go fetches what earlier entries do not serve from the origin (version control), which needs git/hg and access to the module hosts; whether that works is not known until go clones".to_string(),
            SourceKind::Off => "off: go stops here; anything not served by an earlier entry fails with \"module lookup disabled by GOPROXY=off\"".to_string(),
            SourceKind::Proxy => {
                let Some(r) = report_of[i] else {
                    consequences.push("skipped for this module (GONOPROXY)".to_string());
                    continue;
                };
                let s = match r.verdict {
                    Verdict::Ok => match (has_next, pipe) {
                        (false, _) => "serves public modules; it is the last entry".to_string(),
                        (true, false) => format!(
                            "serves public modules; go moves on to {} only for modules it answers 404/410 for",
                            label(i + 1)
                        ),
                        (true, true) => format!(
                            "serves public modules; go moves on to {} for modules it lacks or when it fails",
                            label(i + 1)
                        ),
                    },
                    Verdict::NotServingModule if has_next => format!(
                        "answers 404/410 for the probe module, so go falls through to {}",
                        label(i + 1)
                    ),
                    Verdict::NotServingModule => "answers 404/410 for the probe module and is the last entry: go cannot download it".to_string(),
                    Verdict::BadNotFound if has_next && !pipe => format!(
                        "serves public modules, but modules it lacks get a non-404 answer and go will NOT fall through ',' to {}; use '|' if it must",
                        label(i + 1)
                    ),
                    Verdict::BadNotFound => "serves public modules".to_string(),
                    _ if hangs(r) => "accepts connections but sends no response: go's module client has no response deadline, so go will hang here (no fall-back, even after '|')".to_string(),
                    _ if r.severity == Severity::Error => {
                        let why = format!("fails ({})", r.diagnosis);
                        match (has_next, pipe) {
                            (true, true) => format!(
                                "{why}; '|' follows, so go falls back to {} on errors",
                                label(i + 1)
                            ),
                            (true, false) => format!(
                                "{why} and is followed by ',' so go will NOT fall back to {}: every download fails; use '|' to fall back on errors",
                                label(i + 1)
                            ),
                            (false, _) => format!("{why} and is the last entry: every download fails"),
                        }
                    }
                    _ => r.diagnosis.clone(),
                };
                if reached[i] {
                    s
                } else {
                    format!("{s} (not reached for any walked module)")
                }
            }
        };
        consequences.push(text);
    }
    ChainOutcome {
        consequences,
        served_by,
        broken,
        modules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::http::Phases;

    const M: &str = "example.com/hello@v1.0.0";

    fn report(url: &str, verdict: Verdict) -> ProxyReport {
        ProxyReport {
            kind: "proxy",
            url: url.into(),
            ok: verdict.status() != Severity::Error,
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
            walked: Vec::new(),
            not_found_status: None,
            sumdb: None,
            port_owners: Vec::new(),
            answers_as: None,
            hangs: false,
            position: None,
            consequence: None,
            served: None,
        }
    }

    #[test]
    fn parses_like_go() {
        let items = sources(" a.example ,, http://b|direct,ignored", M).expect("ok");
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].target, "https://a.example");
        assert_eq!(items[0].fallback, Some(Fallback::OnNotFound));
        assert_eq!(items[1].fallback, Some(Fallback::OnAnyError));
        assert_eq!(items[2].kind, SourceKind::Direct);
        assert!(sources(",", M).is_err());
        assert!(sources("ftp://x", M).is_err());
    }

    #[test]
    fn comma_after_a_failure_breaks_the_chain() {
        let items = sources("http://a,http://b", M).expect("ok");
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
        let items = sources("http://a|http://b", M).expect("ok");
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

    fn walking(mut r: ProxyReport, served: &[Option<bool>]) -> ProxyReport {
        r.walked = served
            .iter()
            .enumerate()
            .map(|(i, s)| super::super::proxy::WalkedModule {
                module: format!("example.com/m{i}@v1.0.0"),
                served: *s,
                status: None,
                detail: "d".into(),
            })
            .collect();
        r
    }

    /// Each walked module is walked once, and an entry go asks for any of them is reached:
    /// here b serves the module a lacks, so b's verdict matters (it used to be "not reached",
    /// from a second walk with a's overall verdict).
    #[test]
    fn an_entry_reached_by_any_walked_module_is_reached() {
        let items = sources("http://a,http://b,off", M).expect("ok");
        let out = explain(
            &items,
            &[
                walking(report("http://a", Verdict::Ok), &[Some(true), Some(false)]),
                walking(report("http://b", Verdict::Ok), &[Some(true), Some(true)]),
            ],
        );
        let by: Vec<Option<&str>> = out.modules.iter().map(|m| m.served_by.as_deref()).collect();
        assert_eq!(by, [Some("http://a"), Some("http://b")]);
        assert!(!out.broken);
        assert_eq!(out.served_by.as_deref(), Some("http://a"));
        assert!(
            !out.consequences[1].contains("not reached"),
            "{:?}",
            out.consequences
        );
        // Neither module reaches `off`; a module nobody serves reports go's error.
        let out = explain(
            &items,
            &[
                walking(report("http://a", Verdict::Ok), &[Some(true), Some(false)]),
                walking(report("http://b", Verdict::Ok), &[Some(true), Some(false)]),
            ],
        );
        assert_eq!(out.modules[1].served_by, None);
        assert_eq!(
            out.modules[1].error.as_deref(),
            Some("module lookup disabled by GOPROXY=off")
        );
        assert!(!out.broken);
    }

    #[test]
    fn not_found_falls_through_to_direct() {
        let items = sources("http://a,direct", M).expect("ok");
        let out = explain(&items, &[report("http://a", Verdict::NotServingModule)]);
        assert_eq!(out.served_by.as_deref(), Some("direct"));
        assert!(!out.broken);
    }
}
