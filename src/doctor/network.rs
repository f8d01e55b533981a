//! Proxy, checksum-database and local-port checks, from one probing run of the effective
//! settings (pure: the run is gathered by `cmd::check`).

use super::causes::{self, Cause};
use super::{Check, Severity};
use crate::fetch::plan::SourceKind;
use crate::fetch::proxy::{ProxyReport, Verdict};
use crate::fetch::run::SettingsRun;
use crate::fetch::sumdb::SumdbReport;
use crate::goenv::GoEnv;
use crate::output;
use crate::ports::fingerprint::Kind;

/// The cause of a proxy's verdict, from the one catalogue `explain` shares.
fn proxy_cause(r: &ProxyReport) -> Option<&'static Cause> {
    if r.hangs {
        return Some(&causes::PROXY_HANG);
    }
    if r.answers_as
        .as_ref()
        .is_some_and(|fp| fp.kind == Kind::NotGoProxy)
        && !r.ok
    {
        return Some(&causes::PORT_TAKEN);
    }
    Some(match r.verdict {
        Verdict::Ok if r.severity == Severity::Warn => &causes::PROXY_SLOW,
        Verdict::Refused => &causes::NET_REFUSED,
        Verdict::Dns => &causes::NET_DNS,
        Verdict::Timeout => &causes::NET_TIMEOUT,
        Verdict::Reset => &causes::NET_RESET,
        Verdict::TlsUnknownAuthority => &causes::TLS_UNKNOWN_CA,
        Verdict::TlsHostname => &causes::TLS_WRONG_HOST,
        Verdict::TlsExpired => &causes::TLS_EXPIRED,
        Verdict::HttpProxy => &causes::PROXYCONNECT,
        Verdict::Html => &causes::NOT_ZIP,
        // A 403 without WWW-Authenticate on a local port is the holder's access rule, not
        // credentials (the loopback story says which).
        Verdict::Forbidden if r.port_owners.is_empty() => &causes::PROXY_AUTH,
        Verdict::ServerError | Verdict::BadStatus | Verdict::BadNotFound => &causes::PROXY_STATUS,
        _ => return None,
    })
}

/// The cause key of a finding about one URL: the catalogue id, then what it is about, so two
/// proxies failing the same way stay two problems while the chain, reach and port findings
/// about one proxy are told once.
fn cause_key(cause: &Cause, url: &str) -> String {
    format!("{} {url}", cause.id)
}

/// The cause of the checksum database's verdict.
fn sumdb_cause(r: &SumdbReport) -> &'static Cause {
    if r.status == Some(200) && !r.verified {
        &causes::SUMDB_KEY
    } else if r.diagnosis.contains("certificate") && r.diagnosis.contains("authority") {
        &causes::TLS_UNKNOWN_CA
    } else {
        &causes::SUMDB_UNREACHABLE
    }
}

/// " in 12 ms" (the one formatter of measured times), or nothing when nothing was measured.
fn in_ms(v: Option<f64>) -> String {
    v.map_or_else(String::new, |m| format!(" in {}", output::millis(m)))
}

/// `proxy.chain`: what the GOPROXY list means for go, for the walked modules (the run says
/// which and how they were chosen).
pub fn chain_check(run: &SettingsRun, go_env: &GoEnv) -> Check {
    let id = "proxy.chain";
    let goproxy = go_env.get("GOPROXY");
    if let Some(e) = &run.goproxy_error {
        return Check::new(
            id,
            Severity::Error,
            format!("GOPROXY={goproxy} cannot work"),
        )
        .detail(format!("go fails every download: {e}"))
        .hint(causes::GOPROXY_INVALID.fix);
    }
    // GOPROXY=off has one finding and one fix (the setting), online or not: the generic
    // "fix or remove the failing entry" of a broken chain fixes nothing here.
    if goproxy.trim() == "off" {
        return goproxy_off_check();
    }
    let Some(outcome) = &run.outcome else {
        return Check::skip(id, "GOPROXY not probed", "");
    };
    // Each line names its entry: `direct` and `off` lines start with their keyword, a proxy's
    // with its URL (without it, "fails (…) and is the last entry" has no subject).
    let mut detail = outcome
        .consequences
        .iter()
        .enumerate()
        .map(|(i, c)| match run.sources.get(i) {
            Some(s) if s.kind == SourceKind::Proxy => format!("{}: {c}", s.target),
            _ => c.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    // Only what was asked of a proxy was walked (direct is not probed: no clone).
    if !outcome.modules.is_empty() {
        let walked: Vec<&str> = outcome.modules.iter().map(|m| m.module.as_str()).collect();
        detail.push_str(&format!(
            "\nwalked: {} ({})",
            walked.join(", "),
            run.walk.chosen()
        ));
    }
    let failing: Vec<String> = outcome
        .modules
        .iter()
        .filter_map(|m| Some(format!("{}: {}", m.module, m.error.as_deref()?)))
        .collect();
    if !outcome.broken && !failing.is_empty() {
        // Some walked modules come through, others not: go fails for those.
        return Check::new(
            id,
            Severity::Error,
            format!(
                "with GOPROXY={goproxy}, go cannot download {} of {} walked modules",
                failing.len(),
                outcome.modules.len()
            ),
        )
        .detail(format!("{}\n{detail}", failing.join("\n")))
        .hint("a module no entry serves needs a proxy that has it, `direct` at the end of GOPROXY, or GOPRIVATE for a private one");
    }
    if outcome.broken {
        let worst = run.reports.iter().find(|r| !r.ok);
        let hint = worst.and_then(|r| r.hint.clone()).unwrap_or_else(|| {
            "fix or remove the failing entry; use '|' after a proxy to fall back on any error"
                .into()
        });
        let check = Check::new(
            id,
            Severity::Error,
            format!("with GOPROXY={goproxy}, downloads of public modules fail"),
        )
        .detail(detail)
        .hint(hint);
        return match worst.and_then(|r| Some(cause_key(proxy_cause(r)?, &r.url))) {
            Some(key) => check.cause(key),
            None => check,
        };
    }
    match &outcome.served_by {
        Some(by) => {
            let mut from: Vec<&str> = outcome
                .modules
                .iter()
                .filter_map(|m| m.served_by.as_deref())
                .collect();
            from.dedup();
            let title = match from.len() {
                0 | 1 => format!("public modules come from {by}"),
                _ => format!("public modules come from {}", from.join(" and ")),
            };
            // `direct` is a clone from version control, which godoctor does not attempt: a
            // claim of "works" would be bigger than the evidence.
            if by == "direct" && from.iter().all(|f| *f == "direct") {
                return Check::skip(
                    id,
                    format!("{title} (version control): not checked"),
                    format!(
                        "godoctor does not clone, so whether that works is not known\n{detail}"
                    ),
                );
            }
            Check::ok(id, title).detail(detail)
        }
        None if goproxy.trim() == "off" => goproxy_off_check(),
        None => Check::new(
            id,
            Severity::Error,
            format!("GOPROXY={goproxy} serves no public module"),
        )
        .detail(detail)
        .hint("end GOPROXY with a working proxy or `direct`"),
    }
}

/// `proxy.reach`: one check per proxy in the chain.
pub fn reach_checks(run: &SettingsRun) -> Vec<Check> {
    if run.reports.is_empty() {
        let why = if run.goproxy_error.is_some() {
            "GOPROXY is invalid"
        } else {
            "GOPROXY has no proxy URL (direct/off)"
        };
        return vec![Check::skip("proxy.reach", "no proxy to probe", why)];
    }
    // A failing entry that go falls back from (after '|') slows downloads but breaks nothing.
    let chain_works = run
        .outcome
        .as_ref()
        .is_some_and(|o| !o.broken && o.served_by.is_some());
    run.reports
        .iter()
        .map(|r| {
            let mut c = reach_check(r);
            if chain_works && c.status == Severity::Error {
                c.status = Severity::Warn;
                c.detail.push_str("\ngo falls back past this entry, so downloads still work, but each one first pays for the failed attempt");
            }
            c
        })
        .collect()
}

fn reach_check(r: &ProxyReport) -> Check {
    let title = if r.ok && r.severity == Severity::Warn && r.verdict == Verdict::Ok {
        format!(
            "{} serves modules, but slowly (median {})",
            r.url,
            r.median_ms.map_or_else(String::new, output::millis)
        )
    } else if r.ok {
        format!(
            "{} answers like a Go module proxy{}",
            r.url,
            in_ms(r.median_ms)
        )
    } else {
        format!("{}: {}", r.url, super::first_clause(&r.diagnosis))
    };
    let mut detail = r.diagnosis.clone();
    if !r.walked.is_empty() {
        // Every verdict says which modules it rests on.
        let walked: Vec<String> = r
            .walked
            .iter()
            .map(|w| {
                let how = match w.served {
                    Some(true) => "served".to_string(),
                    Some(false) => "not found".to_string(),
                    None => super::first_clause(&w.detail),
                };
                format!("{} ({how})", w.module)
            })
            .collect();
        detail.push_str(&format!("\nwalked: {}", walked.join(", ")));
    }
    if let Some(via) = &r.via_proxy {
        detail.push_str(&format!("\n(via proxy {via})"));
    }
    if let Some(c) = &r.consequence {
        detail.push('\n');
        detail.push_str(c);
    }
    let check = Check::new("proxy.reach", r.severity, title)
        .detail(detail)
        .hint_opt(r.hint.clone())
        .took(r.phases.total_ms as u64);
    match proxy_cause(r) {
        Some(c) if check.is_problem() => check.cause(cause_key(c, &r.url)),
        _ => check,
    }
}

/// `sumdb.reach`: the checksum database as go reaches it, signature verified.
pub fn sumdb_reach_check(run: &SettingsRun, go_env: &GoEnv) -> Check {
    let id = "sumdb.reach";
    let gosumdb = go_env.get("GOSUMDB");
    if gosumdb == "off" {
        return Check::skip(id, "GOSUMDB=off: no checksum database to reach", "");
    }
    if let Some(e) = &run.gosumdb_error {
        return Check::new(
            id,
            Severity::Error,
            format!("GOSUMDB={gosumdb} cannot be used"),
        )
        .detail(e.clone())
        .hint(causes::SUMDB_KEY.fix);
    }
    let Some(r) = &run.sumdb else {
        return Check::skip(id, "checksum database not probed", "");
    };
    let title = if r.ok {
        let how = match &r.route {
            Some(crate::fetch::sumdb::Route::Proxy(p)) => format!(" through {p}"),
            Some(crate::fetch::sumdb::Route::Direct(u))
            | Some(crate::fetch::sumdb::Route::Explicit(u)) => format!(" at {u}"),
            None => String::new(),
        };
        format!(
            "{} reachable{how}, signed tree head verified{}",
            r.name,
            in_ms(r.median_ms)
        )
    } else {
        format!("{}: {}", r.name, super::first_clause(&r.diagnosis))
    };
    let check = Check::new(id, r.severity, title)
        .detail(r.diagnosis.clone())
        .hint_opt(r.hint.clone())
        .took(r.phases.total_ms as u64);
    if check.is_problem() {
        check.cause(cause_key(sumdb_cause(r), &r.name))
    } else {
        check
    }
}

/// `sumdb.config`: is verification on?
pub fn sumdb_config_check(go_env: &GoEnv) -> Check {
    let id = "sumdb.config";
    let gosumdb = go_env.get("GOSUMDB");
    let gonosumdb = go_env.get("GONOSUMDB");
    if gosumdb == "off" {
        return Check::new(id, Severity::Warn, "GOSUMDB=off: downloaded modules are not verified")
            .detail("go will accept any content a proxy or repository serves for modules not yet in go.sum; a compromised or intercepting proxy goes unnoticed")
            .hint("godoctor env unset GOSUMDB (or GOSUMDB=sum.golang.google.cn where sum.golang.org is blocked); exempt private modules with GONOSUMDB or GOPRIVATE instead");
    }
    // Only patterns that can match exempt anything (`https://host/…` never does; the Private
    // modules section says why).
    let matching: Vec<&str> = gonosumdb
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .filter(|p| {
            crate::syntax::patterns::check("GONOSUMDB", p)
                .iter()
                .all(|f| f.severity != crate::finding::Severity::Error)
        })
        .collect();
    let exempt = match (gonosumdb.is_empty(), matching.is_empty()) {
        (true, _) => String::new(),
        (false, true) => "; GONOSUMDB exempts nothing as written".to_string(),
        (false, false) => format!("; GONOSUMDB exempts {}", matching.join(",")),
    };
    Check::ok(
        id,
        format!("GOSUMDB={gosumdb} verifies public modules{exempt}"),
    )
}

fn is_loopback_host(url: &str) -> bool {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `ports.local`: loopback proxies listening, or who holds their port.
pub fn ports_checks(run: &SettingsRun) -> Vec<Check> {
    let local: Vec<&ProxyReport> = run
        .reports
        .iter()
        .filter(|r| is_loopback_host(&r.url))
        .collect();
    if local.is_empty() {
        return vec![Check::ok("ports.local", "no local proxy in GOPROXY")];
    }
    local
        .into_iter()
        .map(|r| {
            let owners = r
                .port_owners
                .iter()
                .filter(|o| o.state == "listen")
                .map(|o| o.who())
                .collect::<Vec<_>>()
                .join(", ");
            let check = match (r.ok, r.verdict, owners.is_empty()) {
                // "Serves modules" only when it served one.
                (true, Verdict::Ok | Verdict::BadNotFound, _) => Check::ok("ports.local", format!("{} is listening and serves modules", r.url)),
                (true, _, _) => {
                    let like = match &r.answers_as {
                        Some(fp) if fp.kind == Kind::GoProxy => "answers like a Go module proxy".to_string(),
                        Some(fp) => format!("cannot be told from other servers ({})", fp.summary),
                        None => "answers".to_string(),
                    };
                    Check::new("ports.local", Severity::Warn, format!("{} is listening but served none of the walked modules", r.url))
                        .detail(format!("it {like}; for {} it answered: {}", r.module, r.diagnosis))
                        .hint_opt(r.hint.clone())
                }
                (false, Verdict::Refused, _) => Check::new("ports.local", Severity::Error, format!("nothing is listening at {}", r.url))
                    .detail(r.diagnosis.clone())
                    .hint_opt(r.hint.clone()),
                (false, _, false) => Check::new("ports.local", Severity::Error, format!("the port of {} is held by {owners}", r.url))
                    .detail(format!("{}\nthat process does not answer like a Go module proxy", r.diagnosis))
                    .hint("stop that process or move your proxy to a free port (`godoctor port --free`), then update GOPROXY"),
                (false, _, true) => Check::new("ports.local", r.severity, format!("{}: {}", r.url, super::first_clause(&r.diagnosis)))
                    .detail(r.diagnosis.clone())
                    .hint_opt(r.hint.clone()),
            };
            match proxy_cause(r) {
                Some(c) if check.is_problem() => check.cause(cause_key(c, &r.url)),
                _ => check,
            }
        })
        .collect()
}

/// `proxy.chain` without the probes (`--offline`): what the GOPROXY value alone says (`off`,
/// unparsable, the order go tries its entries in).
pub fn offline_chain_check(go_env: &GoEnv) -> Check {
    let goproxy = go_env.get("GOPROXY");
    match crate::fetch::chain::sources(goproxy, crate::fetch::proxy::DEFAULT_MODULE) {
        Ok(items) if items.len() == 1 && items[0].kind == crate::fetch::plan::SourceKind::Off => {
            goproxy_off_check()
        }
        Err(e) => Check::new(
            "proxy.chain",
            Severity::Error,
            format!("GOPROXY={goproxy} cannot work"),
        )
        .detail(format!("go fails every download: {e}"))
        .hint(causes::GOPROXY_INVALID.fix),
        Ok(items) => offline_chain(goproxy, &items),
    }
}

/// `proxy.chain` without the network: what the list means for go (its grammar needs no probe),
/// in order, with when go moves on; whether the proxies answer is for the online check.
fn offline_chain(goproxy: &str, items: &[crate::fetch::plan::Source]) -> Check {
    use crate::fetch::plan::SourceKind;
    use crate::syntax::goproxy::Fallback;
    let mut said = String::new();
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            said.push_str(", then ");
        }
        said.push_str(&s.target);
        if i > 0 {
            said.push_str(match items[i - 1].fallback {
                Some(Fallback::OnAnyError) => " on any error",
                _ => " on 404/410",
            });
        }
    }
    let last = items.last().map(|s| s.kind);
    let check = Check::ok("proxy.chain", format!("go tries {said}")).detail(format!(
        "GOPROXY={goproxy}; reachability not checked (--offline)"
    ));
    match last {
        Some(SourceKind::Direct) => check,
        Some(SourceKind::Off) => check.note("the list ends in `off`: a module no proxy has fails with \"disabled by GOPROXY=off\""),
        _ => check.note("the list does not end in `direct`: a module its proxies do not have cannot be downloaded (GONOPROXY/GOPRIVATE modules are still fetched directly)"),
    }
}

fn goproxy_off_check() -> Check {
    Check::new(
        "proxy.chain",
        Severity::Error,
        "GOPROXY=off: go downloads nothing",
    )
    .detail("every module not already in the module cache fails with \"module lookup disabled by GOPROXY=off\"; that is only right for air-gapped builds")
    .hint(causes::GOPROXY_OFF.fix)
}

#[cfg(test)]
mod tests {
    use super::in_ms;

    #[test]
    fn measured_times_read_as_everywhere_else() {
        assert_eq!(in_ms(Some(12.4)), " in 12 ms");
        assert_eq!(in_ms(Some(2.74)), " in 2.7 ms");
        assert_eq!(in_ms(None), "");
    }
}
