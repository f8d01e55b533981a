//! `route --probe`: walk a planned [`Route`] over the network exactly as go's `TryProxies`
//! does, one walk per operation (resolve the version via `.info` or `@v/list`/`@latest`, then
//! `.mod`, then `.zip`): after `,` the next source is tried only on 404/410, after `|` on any
//! error, `off` stops, `direct` does the `?go-get=1` discovery (no clone). Then the checksum
//! database endpoint is located like go's `dbClient.initBase`, the module looked up there, and
//! the record checked like go's `sumdb.Client`: signed tree head, the record proven in it from
//! the hash tiles read over the same route ([`super::tlog`]), then the `h1:` hashes.
//!
//! The verdict logic for one answer (`judge`) is pure; the I/O goes through
//! [`crate::net::http::Prober`].

use std::time::Instant;

use serde::Serialize;
use url::Url;

use super::budget::Budget;
use super::modzip::check_zip;
use super::plan::{Query, Route, SourceKind};
use super::proxy::info_version;
use super::tlog::{self, Tile};
use super::vcs::{Vcs, go_import, static_vcs};
use super::versions::{
    Retraction, latest_from_list, pick, pick_allowed, retracted_by, retractions,
};
use super::walker::{Answer, Steps, set_next, try_sources};
use crate::net::http::{ErrorKind, FetchOptions, FetchResult, Prober, ms};
use crate::redact::redact;
use crate::syntax::module;

/// Cap on `.info`, `.mod`, `@v/list` and `?go-get=1` answers.
const SMALL_CAP: usize = 1024 * 1024;
/// Bytes of a `.zip` read before deciding it is being served (the rest is not needed).
const ZIP_CAP: usize = 8 * 1024 * 1024;

/// Which request a step made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    List,
    Latest,
    Info,
    Mod,
    Zip,
    GoGet,
    SumdbSupported,
    SumdbLookup,
    SumdbTile,
}

/// How one step ended, in go's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Served: the walk for this operation ends here.
    Ok,
    /// 404/410 (or go's "disabled" errors): go moves on after `,` and `|`.
    NotFound,
    /// Any other failure: go moves on only after `|`.
    Error,
    /// Go passes over this source for this module without a request.
    Skipped,
}

/// One request (or decision) of the walk.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub op: Op,
    /// The source: a proxy URL (redacted), `direct` or `off`.
    pub source: String,
    /// The URL requested (redacted), if any.
    pub url: Option<String>,
    pub status: Option<u16>,
    pub outcome: Outcome,
    pub detail: String,
    /// What go does next.
    pub next: String,
    pub ms: f64,
}

/// The checksum database as the probe found it.
#[derive(Debug, Clone, Serialize)]
pub struct SumdbProbe {
    /// Where go would send lookups (a proxy's `/sumdb/NAME` or the database itself).
    pub endpoint: Option<String>,
    /// Whether the database knows this module version (`null` when not asked).
    pub known: Option<bool>,
    /// go fails verifying the download (unknown module, unverifiable tree head, a record not
    /// in the signed tree, checksum mismatch, database unavailable).
    pub fails: bool,
    /// Whether the record was proven in the signed tree with the hash tiles, as go's client
    /// does before trusting it; `null` when not checked (the detail says why).
    pub proven: Option<bool>,
    pub detail: String,
}

impl SumdbProbe {
    /// The database answered, but what go concludes is not known (a tile godoctor could not
    /// fetch within its own limits): neither ok nor a failure.
    pub fn undecided(&self) -> bool {
        !self.fails && self.known == Some(true) && self.proven.is_none()
    }
}

/// A served zip, and whether only its start was read (the cap).
type ServedZip = (Vec<u8>, bool);
/// The `.mod` and `.zip` a walk was served.
type Served = (Option<Vec<u8>>, Option<ServedZip>);

/// The result of walking a route.
#[derive(Debug, Clone, Serialize)]
pub struct Walk {
    pub ok: bool,
    /// The source that served the module zip (or resolved it directly), else `null`.
    pub served_by: Option<String>,
    /// The version the query resolved to.
    pub resolved_version: Option<String>,
    pub steps: Vec<Step>,
    /// go's error, as close to its wording as the probe can tell.
    pub error: Option<String>,
    /// For `direct`: the version control system and repository go would use.
    pub vcs: Option<Vcs>,
    pub sumdb: Option<SumdbProbe>,
    /// Bodies of `.info`/`.mod` already fetched, by URL: go's in-memory caches (Stat, GoMod)
    /// answer a repeated request without the network.
    #[serde(skip)]
    memo: std::collections::HashMap<String, Vec<u8>>,
    /// The `.mod` and `.zip` bodies served (the zip with whether it was cut at the cap), for
    /// the checksum comparison.
    #[serde(skip)]
    served_files: Served,
}

/// Limits of the walk.
#[derive(Debug, Clone, Copy)]
pub struct WalkOptions {
    /// `--timeout` per request, the whole walk within the budget ([`super::budget`]).
    pub budget: Budget,
}

impl Walk {
    fn empty() -> Walk {
        Walk {
            ok: false,
            served_by: None,
            resolved_version: None,
            steps: Vec::new(),
            error: None,
            vcs: None,
            sumdb: None,
            memo: Default::default(),
            served_files: Default::default(),
        }
    }
}

/// Walk the route.
pub fn walk(route: &Route, prober: &Prober, opts: WalkOptions) -> Walk {
    let mut w = Walk::empty();
    if route.sources.is_empty() || route.stop.starts_with("go fails before") {
        w.error = Some(route.stop.clone());
        return w;
    }
    let esc = route.escaped_path.clone();
    // 1. Resolve the version (queryProxy / InfoFile).
    let mut resolved: Option<String> = None;
    let mut direct_hit = false;
    let first_op = match route.query {
        Query::Exact(_) | Query::Revision(_) => Op::Info,
        _ => Op::List,
    };
    let res = try_sources(&route.sources, first_op, &mut w, |_, src, w| {
        match src.kind {
            SourceKind::Direct => match direct_repo(route, src.insecure, prober, opts, w) {
                Err(a) => a,
                Ok(None) => {
                    direct_hit = true;
                    Answer::Ok
                }
                // A `mod` repository is a module proxy for this path: go walks it like one.
                Ok(Some(repo)) => {
                    resolve_on_proxy(route, &repo, &esc, prober, opts, w, &mut resolved)
                }
            },
            _ => resolve_on_proxy(route, src_url(src), &esc, prober, opts, w, &mut resolved),
        }
    });
    if let Err(e) = res {
        w.error = Some(format!(
            "{}@{}: {}",
            route.module,
            route.version,
            e.message()
        ));
        return w;
    }
    if direct_hit {
        // go would clone now; the probe stops at discovery.
        w.ok = true;
        w.served_by = Some("direct".into());
        w.resolved_version = route.query.fixed_version().map(str::to_string);
        return w;
    }
    let Some(version) = resolved else {
        w.error = Some("internal: no version resolved".into());
        return w;
    };
    w.resolved_version = Some(version.clone());
    let ev = module::escape_version(&version).unwrap_or_else(|_| version.clone());
    // 2. .mod, 3. .zip: each its own walk.
    for op in [Op::Mod, Op::Zip] {
        let mut served = None;
        let res = try_sources(&route.sources, op, &mut w, |_, src, w| {
            let repo;
            let base = match src.kind {
                SourceKind::Direct => match direct_repo(route, src.insecure, prober, opts, w) {
                    Err(a) => return a,
                    Ok(None) => {
                        served = Some("direct".to_string());
                        return Answer::Ok;
                    }
                    Ok(Some(r)) => {
                        repo = r;
                        repo.as_str()
                    }
                },
                _ => src_url(src),
            };
            {
                let a = fetch_file(route, base, &esc, &ev, &version, op, prober, opts, w);
                if matches!(a, Answer::Ok) {
                    served = Some(src.target.clone());
                }
                a
            }
        });
        if let Err(e) = res {
            w.error = Some(format!("{}@{version}: {}", route.module, e.message()));
            return w;
        }
        if op == Op::Zip {
            w.served_by = served;
        }
    }
    if w.error.is_some() {
        // A served file go then rejects: the download fails, so nothing "served" it.
        w.served_by = None;
        return w;
    }
    w.ok = true;
    let served = std::mem::take(&mut w.served_files);
    w.sumdb = probe_sumdb(route, &version, prober, opts, &mut w.steps, served);
    if w.sumdb.as_ref().is_some_and(|s| s.fails) {
        // go refuses the download ("verifying module"): nothing was served in the end.
        w.ok = false;
        w.served_by = None;
        w.error = w.sumdb.as_ref().map(|s| s.detail.clone());
    } else if w.sumdb.as_ref().is_some_and(SumdbProbe::undecided) {
        // Not known whether go accepts the record: not ok, and not said to fail either.
        w.ok = false;
        w.error = w.sumdb.as_ref().map(|s| s.detail.clone());
    }
    w
}

fn src_url(src: &crate::fetch::plan::Source) -> &str {
    src.url.as_deref().unwrap_or(&src.target)
}

/// `queryProxy` on one proxy: `.info` of a fixed version, or `@v/list` (then `@latest` when
/// it has no usable version) and the `.info` of the chosen one.
fn resolve_on_proxy(
    route: &Route,
    base: &str,
    esc: &str,
    prober: &Prober,
    opts: WalkOptions,
    w: &mut Walk,
    resolved: &mut Option<String>,
) -> Answer {
    let candidate = match &route.query {
        Query::Exact(v) | Query::Revision(v) => v.clone(),
        q => {
            let list = get(
                prober,
                base,
                &format!("{esc}/@v/list"),
                Op::List,
                SMALL_CAP,
                opts,
                w,
            );
            let body = match list {
                Ok(b) => b,
                Err(a) => return a,
            };
            let text = String::from_utf8_lossy(&body).to_string();
            let idx = w.steps.len() - 1;
            // proxyRepo.Versions also works out the newest pseudo-version (or timestamped
            // line) of the list right away and Stats it: go asks its .info here.
            let list_latest = latest_from_list(&text).map(|v| {
                let ev = module::escape_version(&v).unwrap_or_else(|_| v.clone());
                let r = get(
                    prober,
                    base,
                    &format!("{esc}/@v/{ev}.info"),
                    Op::Info,
                    SMALL_CAP,
                    opts,
                    w,
                );
                r.ok().and_then(|b| info_version(&b).ok())
            });
            // go's filterVersions asks CheckRetractions about the first candidate, which loads
            // the latest version's go.mod: only when the query matches a listed version.
            let retracted = match pick(&text, q) {
                Some(_) => check_retractions(route, base, &text, esc, prober, opts, w),
                None => Vec::new(),
            };
            match pick_allowed(&text, q, &retracted) {
                Some(v) => {
                    w.steps[idx].detail = format!("lists {v} as the best match");
                    if !retracted.is_empty() {
                        w.steps[idx]
                            .detail
                            .push_str(&skipped_note(&text, q, &retracted));
                    }
                    v
                }
                None if *q == Query::Latest => {
                    w.steps[idx].detail = if retracted.is_empty() {
                        "no tagged version listed: go asks @latest".into()
                    } else {
                        format!(
                            "every listed version is retracted{}: go asks @latest",
                            skipped_note(&text, q, &retracted)
                        )
                    };
                    let lat = get(
                        prober,
                        base,
                        &format!("{esc}/@latest"),
                        Op::Latest,
                        SMALL_CAP,
                        opts,
                        w,
                    );
                    let found = match lat.map(|b| info_version(&b)) {
                        Ok(Ok(v)) => v,
                        // proxyRepo.Latest: @latest not found → the list's newest pseudo-version.
                        Err(Answer::NotFound(m)) => match list_latest.flatten() {
                            Some(v) => v,
                            None => return Answer::NotFound(m),
                        },
                        Ok(Err(e)) => {
                            let m = format!("invalid response from proxy {:?}: {e}", redact(base));
                            mark(w, Outcome::Error, &m);
                            return Answer::Error(m);
                        }
                        Err(a) => return a,
                    };
                    // go takes @latest only if it is allowed (not retracted).
                    if let Some(r) = retracted_by(&retracted, &found) {
                        let m = "no matching versions for query \"latest\"".to_string();
                        mark(
                            w,
                            Outcome::NotFound,
                            &format!("{m}: @latest is {found}, {}", retraction_words(r)),
                        );
                        return Answer::NotFound(m);
                    }
                    *resolved = Some(found);
                    return Answer::Ok;
                }
                None => {
                    let m = format!("no matching versions for query {:?}", route.version);
                    w.steps[idx].outcome = Outcome::NotFound;
                    w.steps[idx].detail = m.clone();
                    return Answer::NotFound(m);
                }
            }
        }
    };
    let ev = module::escape_version(&candidate).unwrap_or_else(|_| candidate.clone());
    let info = get(
        prober,
        base,
        &format!("{esc}/@v/{ev}.info"),
        Op::Info,
        SMALL_CAP,
        opts,
        w,
    );
    match info {
        Ok(body) => match info_version(&body) {
            Ok(v)
                if v != candidate
                    && module::canonical_version(&candidate).as_deref()
                        == Some(candidate.as_str()) =>
            {
                let m = format!("proxy returned info for version {v} instead of requested version");
                mark(w, Outcome::Error, &m);
                Answer::Error(m)
            }
            Ok(v) => {
                if let Some(s) = w.steps.last_mut() {
                    s.detail = format!("Version {v}");
                }
                *resolved = Some(v);
                Answer::Ok
            }
            Err(e) => {
                let m = format!("invalid response from proxy {:?}: {e}", redact(base));
                mark(w, Outcome::Error, &m);
                Answer::Error(m)
            }
        },
        Err(a) => a,
    }
}

/// go's CheckRetractions for a non-exact query: before taking a candidate version it loads the
/// latest version's go.mod (a `latest` query ignoring retractions, then that `.mod`, each
/// walking the sources) and skips what its `retract` lines cover, the latest version itself
/// included. Retractions of a module found only through `direct` are not known here (go reads
/// them from the clone): none are applied, and the step says so.
fn check_retractions(
    route: &Route,
    query_base: &str,
    query_list: &str,
    esc: &str,
    prober: &Prober,
    opts: WalkOptions,
    w: &mut Walk,
) -> Vec<Retraction> {
    // go's cachingRepo caches @v/list per query prefix: `latest` and a comparison query use
    // prefix "" like the latest query here, so that list is not asked again; a semver prefix
    // ("v1.2.") was a different key.
    let same_prefix = match &route.query {
        Query::Latest => true,
        Query::List(v) => v.starts_with(['<', '>']),
        _ => false,
    };
    let mut latest: Option<String> = None;
    let _ = try_sources(&route.sources, Op::List, w, |_, src, w| {
        if src.kind != SourceKind::Proxy {
            return Answer::NotFound("retractions are loaded from proxies only here".into());
        }
        let base = src_url(src);
        let text = if same_prefix && base == query_base {
            query_list.to_string()
        } else {
            match get(
                prober,
                base,
                &format!("{esc}/@v/list"),
                Op::List,
                SMALL_CAP,
                opts,
                w,
            ) {
                Ok(b) => String::from_utf8_lossy(&b).to_string(),
                Err(a) => return a,
            }
        };
        let Some(v) = pick(&text, &Query::Latest) else {
            return Answer::NotFound("no tagged version".into());
        };
        let ev = module::escape_version(&v).unwrap_or_else(|_| v.clone());
        match get(
            prober,
            base,
            &format!("{esc}/@v/{ev}.info"),
            Op::Info,
            SMALL_CAP,
            opts,
            w,
        ) {
            Ok(_) => {
                latest = Some(v);
                Answer::Ok
            }
            Err(a) => a,
        }
    });
    let Some(v) = latest else {
        return Vec::new();
    };
    let ev = module::escape_version(&v).unwrap_or_else(|_| v.clone());
    let mut gomod = None;
    let _ = try_sources(&route.sources, Op::Mod, w, |_, src, w| {
        if src.kind != SourceKind::Proxy {
            return Answer::NotFound("retractions are loaded from proxies only here".into());
        }
        match get(
            prober,
            src_url(src),
            &format!("{esc}/@v/{ev}.mod"),
            Op::Mod,
            SMALL_CAP,
            opts,
            w,
        ) {
            Ok(body) => {
                gomod = Some(String::from_utf8_lossy(&body).into_owned());
                Answer::Ok
            }
            Err(a) => a,
        }
    });
    let retracted = gomod.as_deref().map(retractions).unwrap_or_default();
    if let Some(s) = w.steps.last_mut() {
        if s.detail.is_empty() {
            s.detail = match (&gomod, retracted.is_empty()) {
                (None, _) => format!(
                    "retraction check: go reads the go.mod of the latest version {v}; not read here, so no retraction is applied"
                ),
                (Some(_), true) => format!(
                    "retraction check: the go.mod of the latest version {v} retracts nothing"
                ),
                (Some(_), false) => format!(
                    "retraction check: the go.mod of the latest version {v} retracts {}",
                    retracted
                        .iter()
                        .map(span_words)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
        }
    }
    retracted
}

/// `v1.2.0` or `[v1.2.0, v1.2.9]`, with the author's reason.
fn span_words(r: &Retraction) -> String {
    let span = if r.low == r.high {
        r.low.clone()
    } else {
        format!("[{}, {}]", r.low, r.high)
    };
    if r.rationale.is_empty() {
        span
    } else {
        format!("{span} ({})", r.rationale)
    }
}

/// "retracted by the module author: REASON", go's words for a retracted version.
fn retraction_words(r: &Retraction) -> String {
    if r.rationale.is_empty() {
        "retracted by the module author".into()
    } else {
        format!("retracted by the module author: {}", r.rationale)
    }
}

/// "; go skips v1.3.0, v1.2.0 (retracted)": the listed versions the query matched but go
/// passes over.
fn skipped_note(list: &str, q: &Query, retracted: &[Retraction]) -> String {
    let mut skipped: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|v| retracted_by(retracted, v).is_some())
        .filter(|v| pick(v, q).is_some())
        .collect();
    skipped.sort_by(|a, b| crate::syntax::semver::compare(b, a));
    skipped.dedup();
    if skipped.is_empty() {
        String::new()
    } else {
        format!("; go skips {} (retracted)", skipped.join(", "))
    }
}

fn mark(w: &mut Walk, outcome: Outcome, detail: &str) {
    if let Some(s) = w.steps.last_mut() {
        s.outcome = outcome;
        s.detail = detail.to_string();
    }
}

/// `.mod` or `.zip` from one proxy.
#[allow(clippy::too_many_arguments)]
fn fetch_file(
    route: &Route,
    base: &str,
    esc: &str,
    ev: &str,
    version: &str,
    op: Op,
    prober: &Prober,
    opts: WalkOptions,
    w: &mut Walk,
) -> Answer {
    let (ext, cap) = if op == Op::Zip {
        ("zip", ZIP_CAP)
    } else {
        ("mod", SMALL_CAP)
    };
    match get(
        prober,
        base,
        &format!("{esc}/@v/{ev}.{ext}"),
        op,
        cap,
        opts,
        w,
    ) {
        Ok(body) if op == Op::Zip => {
            let truncated = w
                .steps
                .last()
                .is_some_and(|s| s.detail.starts_with("first"));
            // go checks the zip after the walk: a bad one is "served" (no fallback) and then
            // fails the download.
            let checked = check_zip(&body, &route.module, version, truncated).and_then(|d| {
                match super::versions::path_major_error(&route.module, version) {
                    Some(e) => Err(e),
                    None => Ok(d),
                }
            });
            let d = match checked {
                Ok(d) => d,
                Err(e) => {
                    w.error
                        .get_or_insert(format!("{}@{version}: {e}", route.module));
                    format!("served, but go rejects it: {e}")
                }
            };
            if let Some(s) = w.steps.last_mut() {
                s.detail = d;
            }
            w.served_files.1 = Some((body, truncated));
            Answer::Ok
        }
        Ok(body) => {
            w.served_files.0 = Some(body);
            Answer::Ok
        }
        Err(a) => a,
    }
}

/// GET `base/rel` (or read it from a `file://` proxy) and record the step. `Ok(body)` for a
/// 200; otherwise the step is recorded and the answer returned.
fn get(
    prober: &Prober,
    base: &str,
    rel: &str,
    op: Op,
    cap: usize,
    opts: WalkOptions,
    w: &mut Walk,
) -> Result<Vec<u8>, Answer> {
    fetch_step(prober, base, rel, op, cap, opts, w).map_err(|(a, _)| a)
}

/// [`get`], telling apart (`Err((_, false))`) the answers godoctor's own budget made (a
/// request not sent, or cut): what go gets there is not known.
fn fetch_step(
    prober: &Prober,
    base: &str,
    rel: &str,
    op: Op,
    cap: usize,
    opts: WalkOptions,
    w: &mut Walk,
) -> Result<Vec<u8>, (Answer, bool)> {
    let full = format!("{}/{rel}", base.trim_end_matches('/'));
    let memo = matches!(op, Op::Info | Op::Mod);
    if let Some(body) = w.memo.get(&full).filter(|_| memo) {
        return Ok(body.clone());
    }
    if opts.budget.spent() {
        // godoctor's limit, not go's: what go gets here is not known.
        let m = format!(
            "not sent: {} is spent, so what go gets from {} is not known (go has no such limit)",
            opts.budget.words(),
            redact(&full)
        );
        w.steps.push(Step {
            op,
            source: redact(base),
            url: Some(redact(&full)),
            status: None,
            outcome: Outcome::Error,
            detail: m.clone(),
            next: String::new(),
            ms: 0.0,
        });
        return Err((Answer::Error(m), false));
    }
    let cut = opts.budget.cuts();
    let result = request(prober, base, rel, op, opts.budget.fetch(cap), w);
    if cut && opts.budget.spent() && matches!(result, Err(Answer::Hang(_) | Answer::Error(_))) {
        // The budget ended the wait, not the server: go would wait longer.
        let m = format!(
            "no answer from {} before {} ran out, so what go gets there is not known (go has no such limit)",
            redact(&full),
            opts.budget.words()
        );
        mark(w, Outcome::Error, &m);
        return Err((Answer::Error(m), false));
    }
    if let (true, Ok(body)) = (memo, &result) {
        w.memo.insert(full, body.clone());
    }
    result.map_err(|a| (a, true))
}

/// One request of a walk, as go's `web.Get` makes it: GET `base/rel` (or read it from a
/// `file://` proxy) within `fetch`, recorded as a step; `Ok(body)` for a 200.
pub fn request<W: Steps>(
    prober: &Prober,
    base: &str,
    rel: &str,
    op: Op,
    fetch: FetchOptions,
    w: &mut W,
) -> Result<Vec<u8>, Answer> {
    let full = format!("{}/{rel}", base.trim_end_matches('/'));
    let shown = redact(&full);
    let source = redact(base);
    let started = Instant::now();
    if let Some(dir) = base.strip_prefix("file://") {
        let path = std::path::Path::new(dir).join(rel);
        let (outcome, detail, result) = match std::fs::read(&path) {
            Ok(b) => (Outcome::Ok, String::new(), Ok(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let m = format!("reading {shown}: no such file or directory");
                (Outcome::NotFound, m.clone(), Err(Answer::NotFound(m)))
            }
            Err(e) => {
                let m = format!("reading {shown}: {e}");
                (Outcome::Error, m.clone(), Err(Answer::Error(m)))
            }
        };
        w.steps().push(Step {
            op,
            source,
            url: Some(shown),
            status: None,
            outcome,
            detail,
            next: String::new(),
            ms: ms(started.elapsed()),
        });
        return result;
    }
    // A request go refuses before sending anything: one error step, no timing.
    let refuse = |w: &mut W, m: String| {
        w.steps().push(Step {
            op,
            source: source.clone(),
            url: Some(shown.clone()),
            status: None,
            outcome: Outcome::Error,
            detail: m.clone(),
            next: String::new(),
            ms: 0.0,
        });
        Err(Answer::Error(m))
    };
    let Ok(url) = Url::parse(&full) else {
        return refuse(w, format!("invalid proxy URL {shown}"));
    };
    // web.Get with DefaultSecurity: credentials never travel over plain http.
    if url.scheme() == "http" && !url.username().is_empty() {
        return refuse(
            w,
            format!("refusing to pass credentials to insecure URL: {shown}"),
        );
    }
    let r = prober.fetch(&url, &fetch);
    if let Some(first) = &r.resent_after {
        // go hands an https 4xx to GOAUTH (auth.AddCredentials with the URL and the response)
        // and sends the request once more, whatever GOAUTH says (measured with GOAUTH=off);
        // the transport did the same.
        let mut detail = format!(
            "{}: go runs GOAUTH again for this URL and sends the request once more",
            first.status
        );
        for p in &first.problems {
            detail.push_str(&format!("; {p}"));
        }
        w.steps().push(Step {
            op,
            source: source.clone(),
            url: Some(shown.clone()),
            status: Some(first.status),
            outcome: Outcome::Error,
            detail,
            next: "go sends the same request again".into(),
            ms: first.ms,
        });
    }
    let (outcome, detail, result) = judge(&r, &shown, op == Op::Zip);
    w.steps().push(Step {
        op,
        source,
        url: Some(shown),
        status: r.status,
        outcome,
        detail,
        next: String::new(),
        ms: r.phases.total_ms,
    });
    result.map(|()| r.body)
}

/// How go treats one HTTP answer: 200 serves, 404/410 is "not found", anything else an
/// error. A zip larger than the cap still counts as served (its start was checked).
fn judge(r: &FetchResult, shown: &str, partial_ok: bool) -> (Outcome, String, Result<(), Answer>) {
    if let Some(e) = &r.error {
        if partial_ok && e.kind == ErrorKind::TooLarge && r.status == Some(200) {
            return (Outcome::Ok, format!("first {} bytes read", r.bytes), Ok(()));
        }
        if e.kind == ErrorKind::Timeout && e.phase == crate::net::http::Phase::FirstByte {
            let m = format!(
                "go will hang: {shown} accepted the connection but sent no response within the probe's deadline, and go's module client has no response deadline (no fall-back, even after '|')"
            );
            return (Outcome::Error, m.clone(), Err(Answer::Hang(m)));
        }
        let m = format!("reading {shown}: {}", e.message);
        return (Outcome::Error, m.clone(), Err(Answer::Error(m)));
    }
    match r.status {
        Some(200) => (Outcome::Ok, String::new(), Ok(())),
        Some(s @ (404 | 410)) => {
            let m = format!("reading {shown}: {s} {}", reason(s));
            (Outcome::NotFound, m.clone(), Err(Answer::NotFound(m)))
        }
        Some(s) => {
            let m = format!("reading {shown}: {s} {}", reason(s));
            (Outcome::Error, m.clone(), Err(Answer::Error(m)))
        }
        None => {
            let m = format!("reading {shown}: no response");
            (Outcome::Error, m.clone(), Err(Answer::Error(m)))
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// `direct`: the repository go found (discovery runs once per walk, like go's cached
/// lookup). `Ok(None)`: a version control repository (the probe does not clone);
/// `Ok(Some(url))`: a `mod` repository, i.e. a module proxy to walk.
fn direct_repo(
    route: &Route,
    insecure: bool,
    prober: &Prober,
    opts: WalkOptions,
    w: &mut Walk,
) -> Result<Option<String>, Answer> {
    if w.vcs.is_none() {
        match discover(&route.module, insecure, prober, opts, w) {
            Answer::Ok => {}
            a => return Err(a),
        }
    }
    Ok(w.vcs
        .as_ref()
        .filter(|v| v.vcs == "mod")
        .map(|v| v.repo_url.clone()))
}

/// `direct`: find the repository like `vcs.RepoRootForImportPath` (known hosts statically,
/// else `https://PATH?go-get=1`, with an http retry when GOINSECURE matches).
fn discover(
    path: &str,
    insecure: bool,
    prober: &Prober,
    opts: WalkOptions,
    w: &mut Walk,
) -> Answer {
    if let Some(v) = static_vcs(path) {
        w.steps.push(Step {
            op: Op::GoGet,
            source: "direct".into(),
            url: None,
            status: None,
            outcome: Outcome::Ok,
            detail: format!(
                "known host: go would clone {} with {} (not cloned by the probe)",
                v.repo, v.vcs
            ),
            next: String::new(),
            ms: 0.0,
        });
        w.vcs = Some(v);
        return Answer::Ok;
    }
    let mut schemes = vec!["https"];
    if insecure {
        schemes.push("http");
    }
    let mut last = Answer::Error(String::new());
    for scheme in schemes {
        let full = format!("{scheme}://{path}?go-get=1");
        let shown = redact(&full);
        let Ok(url) = Url::parse(&full) else {
            return Answer::Error(format!("unrecognized import path {path:?}: bad URL"));
        };
        let r = prober.fetch(&url, &opts.budget.fetch(SMALL_CAP));
        let (outcome, detail, answer) = match (&r.error, r.status) {
            (Some(e), _) => {
                let m = format!(
                    "unrecognized import path {path:?}: {scheme} fetch: {}",
                    e.message
                );
                (Outcome::Error, m.clone(), Answer::Error(m))
            }
            (None, status) => match go_import(&String::from_utf8_lossy(&r.body), path) {
                Some(v) => {
                    let d = if v.vcs == "mod" {
                        format!(
                            "go-import: {} mod {}: a module proxy for this path, walked like one",
                            v.root, v.repo
                        )
                    } else {
                        format!(
                            "go-import: {} {} {} (not cloned by the probe)",
                            v.root, v.vcs, v.repo
                        )
                    };
                    w.vcs = Some(v);
                    (Outcome::Ok, d, Answer::Ok)
                }
                None if status != Some(200) => {
                    let s = status.unwrap_or(0);
                    let m = format!(
                        "unrecognized import path {path:?}: reading {shown}: {s} {}",
                        reason(s)
                    );
                    (Outcome::Error, m.clone(), Answer::Error(m))
                }
                None => {
                    let m = format!(
                        "unrecognized import path {path:?}: parse {shown}: no go-import meta tags"
                    );
                    (Outcome::Error, m.clone(), Answer::Error(m))
                }
            },
        };
        w.steps.push(Step {
            op: Op::GoGet,
            source: "direct".into(),
            url: Some(shown),
            status: r.status,
            outcome,
            detail,
            next: String::new(),
            ms: r.phases.total_ms,
        });
        if matches!(answer, Answer::Ok) {
            return answer;
        }
        if scheme == "https" && insecure {
            set_next(
                w,
                w.steps.len() - 1,
                "GOINSECURE matches: go retries over plain http",
            );
        }
        last = answer;
    }
    last
}

/// Locate the checksum database like `dbClient.initBase` and ask it about the version.
fn probe_sumdb(
    route: &Route,
    version: &str,
    prober: &Prober,
    opts: WalkOptions,
    steps: &mut Vec<Step>,
    served: Served,
) -> Option<SumdbProbe> {
    let plan = &route.sumdb;
    if !plan.consulted {
        return None;
    }
    let name = plan.name.clone()?;
    let direct = format!("https://{name}");
    let (base, mut asked) = super::sumdb::init_base(
        prober,
        &name,
        plan.explicit_url.as_deref(),
        &direct,
        &route.sources,
        || opts.budget.fetch(SMALL_CAP),
    );
    steps.append(&mut asked);
    let endpoint = match base {
        super::sumdb::Base::Explicit(u) | super::sumdb::Base::Direct(u) => u,
        super::sumdb::Base::Proxy { url, .. } => url,
        super::sumdb::Base::Unavailable(m) => {
            return Some(SumdbProbe {
                endpoint: None,
                known: None,
                fails: true,
                proven: None,
                detail: format!(
                    "verifying {}@{version}: go stops looking for the checksum database: {m}",
                    route.module
                ),
            });
        }
    };
    let ev = module::escape_version(version).unwrap_or_else(|_| version.to_string());
    let mut w = Walk::empty();
    let r = get(
        prober,
        &endpoint,
        &format!("lookup/{}@{ev}", route.escaped_path),
        Op::SumdbLookup,
        SMALL_CAP,
        opts,
        &mut w,
    );
    steps.append(&mut w.steps);
    let shown = redact(&endpoint);
    let probe = |known, fails, proven, detail| SumdbProbe {
        endpoint: Some(shown.clone()),
        known,
        fails,
        proven,
        detail,
    };
    Some(match r {
        Ok(body) => {
            let files = (served.0.as_deref(), served.1.as_ref());
            let tiles = |t: &[Tile]| fetch_tiles(prober, &endpoint, t, opts, steps);
            match verify_lookup(
                route,
                version,
                &name,
                plan.key.as_deref(),
                &body,
                files,
                tiles,
            ) {
                Ok(d) => probe(Some(true), false, Some(true), d),
                Err(Refusal::Fails { proven, why }) => probe(Some(true), true, proven, why),
                Err(Refusal::Unknown(why)) => probe(Some(true), false, None, why),
            }
        }
        Err(Answer::NotFound(m)) => probe(
            Some(false),
            true,
            None,
            format!(
                "verifying {}@{version}: {m}: the checksum database does not know it (a private module? add it to GOPRIVATE or GONOSUMDB)",
                route.module
            ),
        ),
        Err(Answer::Error(m) | Answer::Hang(m)) => probe(
            None,
            true,
            None,
            format!("verifying {}@{version}: {m}", route.module),
        ),
        Err(Answer::Ok) => probe(None, false, None, String::new()),
    })
}

/// Cap on a hash tile: a complete one is 256 × 32 bytes.
const TILE_CAP: usize = 64 * 1024;

/// Why a tile read did not give every tile: go fails too, or godoctor's budget ended it.
enum TileFail {
    /// go's error (an HTTP error, a refused connection, a server that never answers).
    Fails(String),
    /// Not sent or cut by godoctor's budget: what go gets is not known.
    Unknown(String),
}

/// go's `tileReader.ReadTiles` over the lookup's route: every tile at once, each its partial
/// path first and, when that fails, the complete tile (whose first W hashes it keeps); the
/// error is the first failing tile's, in order. Each request is a step.
fn fetch_tiles(
    prober: &Prober,
    endpoint: &str,
    tiles: &[Tile],
    opts: WalkOptions,
    steps: &mut Vec<Step>,
) -> Result<Vec<Vec<u8>>, TileFail> {
    let one = |t: &Tile| {
        let mut w = Walk::empty();
        let mut r = fetch_step(
            prober,
            endpoint,
            &t.path(),
            Op::SumdbTile,
            TILE_CAP,
            opts,
            &mut w,
        );
        if r.is_err() && t.full() != *t {
            if let Some(s) = w.steps.last_mut() {
                s.next = "go asks for the complete tile and keeps its first hashes".into();
            }
            let full = t.full();
            let f = fetch_step(
                prober,
                endpoint,
                &full.path(),
                Op::SumdbTile,
                TILE_CAP,
                opts,
                &mut w,
            );
            if let Ok(body) = f {
                r = Ok(tlog::prefix_of_full(t, &body));
            }
        }
        (w.steps, r)
    };
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = tiles.iter().map(|t| s.spawn(move || one(t))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    (
                        Vec::new(),
                        Err((Answer::Error("tile read failed".into()), false)),
                    )
                })
            })
            .collect()
    });
    let mut data = Vec::new();
    let mut unknown = None;
    let mut fails = None;
    for (mut st, r) in results {
        steps.append(&mut st);
        match r {
            Ok(body) => data.push(body),
            Err((a, true)) => {
                fails.get_or_insert_with(|| a.message().to_string());
            }
            Err((a, false)) => {
                unknown.get_or_insert_with(|| a.message().to_string());
            }
        }
    }
    match (fails, unknown) {
        (Some(m), _) => Err(TileFail::Fails(m)),
        (None, Some(m)) => Err(TileFail::Unknown(m)),
        (None, None) => Ok(data),
    }
}

/// Why a lookup answer is not accepted.
enum Refusal {
    /// go refuses it; `proven` is `Some(false)` when the record is not in the signed tree.
    Fails { proven: Option<bool>, why: String },
    /// Whether go accepts it is not known.
    Unknown(String),
}

impl From<String> for Refusal {
    fn from(why: String) -> Self {
        Refusal::Fails { proven: None, why }
    }
}

/// What go's checksum-database client checks in a `/lookup` answer (`Client.Lookup`): the
/// record must parse ("malformed record data"); the signed tree head at its end must verify
/// with GOSUMDB's key ("note has no verifiable signatures" otherwise); the record must be in
/// that tree (`checkRecord`: the hash tiles read through `tiles`, authenticated against the
/// signed root, must hold the record's hash at its id: "downloaded inconsistent tile",
/// "cannot authenticate record data in server response" otherwise); and the recorded `h1:`
/// hashes must equal those of the `.mod` and `.zip` served ("SECURITY ERROR … checksum
/// mismatch" otherwise; GOINSECURE and `-insecure` change neither). `Ok` is the verdict text;
/// a hash godoctor cannot compute is said, never claimed equal.
fn verify_lookup(
    route: &Route,
    version: &str,
    name: &str,
    key: Option<&str>,
    body: &[u8],
    (go_mod, zip): (Option<&[u8]>, Option<&ServedZip>),
    tiles: impl FnOnce(&[Tile]) -> Result<Vec<Vec<u8>>, TileFail>,
) -> Result<String, Refusal> {
    let m = format!("{}@{version}", route.module);
    // go looks the go.mod up first (its .mod is downloaded first): its errors name it.
    let gm = format!("{m}/go.mod");
    let (id, record_text, note) = tlog::parse_record(body)
        .map_err(|e| format!("verifying go.mod: {gm}: {e} (in the lookup answer from {name})"))?;
    let key = key
        .map(super::sumdb::parse_verifier_key)
        .transpose()
        .map_err(|e| format!("verifying {m}: invalid GOSUMDB key: {e}"))?
        .ok_or_else(|| format!("verifying {m}: GOSUMDB names no key"))?;
    let tree_text = match super::sumdb::verify_note(note, &key) {
        Ok(t) => t,
        Err(e) => {
            let why = match e {
                super::sumdb::NoteError::NoSignature(_) => {
                    "note has no verifiable signatures (the tree head is not signed with GOSUMDB's key)"
                        .to_string()
                }
                other => other.to_string(),
            };
            return Err(format!("verifying {m}: {name}: {why}").into());
        }
    };
    let tree = tlog::parse_tree(&tree_text)
        .map_err(|e| format!("verifying go.mod: {gm}: reading tree: {e}"))?;
    let proof = match tlog::check_record_in_tiles(tree, id, record_text, tiles) {
        Err(TileFail::Fails(why)) => {
            return Err(format!(
                "verifying go.mod: {gm}: {why} (go reads the hash tiles to prove the record is in the signed tree, and fails when it cannot)"
            )
            .into());
        }
        Err(TileFail::Unknown(why)) => {
            return Err(Refusal::Unknown(format!(
                "cannot tell whether {name}'s record of {m} is in the signed tree, because a hash tile was not read: {why}"
            )));
        }
        Ok(Err(e)) => {
            let what = match e {
                tlog::TlogError::InconsistentTile => format!(
                    "the hash tiles served do not hash to the signed tree (size {}), so go cannot prove the record is in it",
                    tree.n
                ),
                tlog::TlogError::RecordMismatch | tlog::TlogError::NotInTree { .. } => format!(
                    "record #{id} as served is not the one the signed tree (size {}) holds",
                    tree.n
                ),
                _ => "the record could not be proven in the signed tree".to_string(),
            };
            return Err(Refusal::Fails {
                proven: Some(false),
                why: format!("verifying go.mod: {gm}: {e}: {what}"),
            });
        }
        Ok(Ok(proof)) => proof,
    };
    let records = String::from_utf8_lossy(record_text);
    let record = |suffix: &str| {
        records.lines().find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[0] == route.module && f[1] == format!("{version}{suffix}"))
                .then(|| f[2].to_string())
        })
    };
    let mismatch = |what: &str, got: &str, want: &str| {
        format!(
            "verifying {m}{what}: checksum mismatch\n\tdownloaded: {got}\n\tsumdb:      {want}\n\nSECURITY ERROR\nThis download does NOT match the one reported by the checksum server."
        )
    };
    let path = proof.map_or(String::new(), |p| {
        format!(", its audit path of {} hashes checked", p.len())
    });
    let mut notes = vec![format!(
        "record #{id} proven in the signed tree of size {} (hash tiles authenticated against the signed root{path})",
        tree.n
    )];
    if let (Some(want), Some(body)) = (record("/go.mod"), go_mod) {
        let got = super::modzip::go_mod_h1(body);
        if got != want {
            return Err(mismatch("/go.mod", &got, &want).into());
        }
        notes.push("go.mod hash matches".into());
    }
    match (record(""), zip) {
        (Some(want), Some((body, false))) => match super::modzip::zip_h1(body) {
            Ok(got) if got != want => return Err(mismatch("", &got, &want).into()),
            Ok(_) => notes.push("zip hash matches".into()),
            Err(why) => notes.push(format!("zip hash not compared ({why}): unknown")),
        },
        (Some(_), _) => {
            notes.push("zip hash not compared (only the start of the zip was read): unknown".into())
        }
        (None, _) => notes.push("no zip record in the answer".into()),
    }
    Ok(format!(
        "{name} knows {m}; signed tree head verified with GOSUMDB's key; {}",
        notes.join("; ")
    ))
}

impl Steps for Walk {
    fn steps(&mut self) -> &mut Vec<Step> {
        &mut self.steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judging_answers() {
        let r = FetchResult {
            status: Some(410),
            ..Default::default()
        };
        assert_eq!(judge(&r, "u", false).0, Outcome::NotFound);
        let r = FetchResult {
            status: Some(500),
            ..Default::default()
        };
        assert_eq!(judge(&r, "u", false).0, Outcome::Error);
        let r = FetchResult {
            status: Some(200),
            ..Default::default()
        };
        assert_eq!(judge(&r, "u", false).0, Outcome::Ok);
    }
}
