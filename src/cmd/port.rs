//! `godoctor port PORT`: who holds a TCP port (every pid, like `ss -ltnp`), what answers there
//! (a Go module proxy or not), which address family listens, and what go will do; `--stop`,
//! `--wait`, `--wait-held`; and `godoctor port --free [--range A-B]`.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;
use url::Url;

use super::Context;
use crate::Outcome;
use crate::cli::PortArgs;
use crate::fetch::proxy;
use crate::finding::Severity;
use crate::net::http::Prober;
use crate::output;
use crate::ports::effect::{self, GoEffect};
use crate::ports::fingerprint::{self, Ask, Fingerprint};
use crate::ports::{self, PortOwner, ask, family, search, stop};

#[derive(Serialize)]
struct PortReport {
    port: u16,
    in_use: bool,
    /// False on systems where godoctor cannot read port owners (not Linux).
    owners_available: bool,
    sockets: Vec<PortOwner>,
    /// The URL asked, and what answered there.
    url: Option<String>,
    answer: Option<Fingerprint>,
    go: Option<GoEffect>,
    /// The URL's address family has no listener while the other has one.
    family: Option<String>,
    /// Go module proxies found on other loopback ports when nothing listens here.
    elsewhere: Vec<search::Found>,
    /// A free port to suggest when the holder is not a Go module proxy (text only: gathered
    /// here so the rendering does no I/O).
    #[serde(skip)]
    free_port: Option<u16>,
}

pub fn run(ctx: &Context, args: &PortArgs) -> Result<Outcome> {
    if args.free {
        return free(args, ctx);
    }
    let Some(port) = args.port else {
        return Err(crate::hinted(
            "no port given",
            "run `godoctor port PORT` or `godoctor port --free`",
        ));
    };
    let url = match &args.url {
        Some(u) => Some(check_url(u, port)?),
        None => None,
    };
    let (module, version) = module_arg(args.module.as_deref())?;
    if args.wait || args.wait_held {
        return wait(port, url.as_ref(), args, ctx);
    }
    let timeout = args.timeout.unwrap_or(Duration::from_secs(2));
    let sockets = ports::owner_of(port);
    let listening: Vec<IpAddr> = sockets
        .iter()
        .filter(|s| s.state == "listen")
        .filter_map(|s| s.address.parse().ok())
        .collect();
    let in_use = !sockets.is_empty() || !ports::is_free(port);
    let reach = family::reach(&listening);
    let scheme = url.as_ref().map_or("http", |u| u.scheme());
    let family_note = url.as_ref().and_then(|u| {
        let host = u.host_str().unwrap_or_default();
        family::mismatch(scheme, host, port, reach, &resolve_localhost(port))
    });
    // Ask the URL given, else http:// on the family that listens (or 127.0.0.1 when the port is
    // taken but its owners are not visible here).
    let ask_url = url.clone().or_else(|| {
        let u = family::working_url("http", port, reach)
            .or_else(|| in_use.then(|| format!("http://127.0.0.1:{port}")))?;
        Url::parse(&u).ok()
    });
    let prober = Prober::new(&ctx.env);
    let (answer, go) = match &ask_url {
        Some(u) if in_use => {
            let answers = ask::ask(&prober, u, &module, &version, timeout);
            let fp = fingerprint::classify(&answers, &format!("{module} {version}"));
            let module_answer = answers
                .iter()
                .find(|a| a.ask == Some(Ask::KnownInfo))
                .or_else(|| answers.first());
            let go = module_answer.map(|a| effect::what_go_does(a, &fp, u.scheme() == "https"));
            (Some(fp), go)
        }
        _ => (None, None),
    };
    let elsewhere = if listening.is_empty() && ports::OWNERS_AVAILABLE {
        search::find(&prober, port, &module, &version, Duration::from_secs(1))
    } else {
        Vec::new()
    };
    let holder_not_a_proxy = answer.as_ref().is_some_and(|fp: &Fingerprint| {
        fp.kind != fingerprint::Kind::GoProxy
            && sockets.iter().any(|s| s.state == "listen")
            && family_note.is_none()
    });
    let report = PortReport {
        free_port: holder_not_a_proxy.then(|| ports::free_port(None)).flatten(),
        port,
        in_use,
        owners_available: ports::OWNERS_AVAILABLE,
        sockets,
        url: ask_url
            .as_ref()
            .filter(|_| in_use)
            .map(|u| u.as_str().trim_end_matches('/').to_string()),
        answer,
        go,
        family: family_note,
        elsewhere,
    };
    if args.stop {
        return stop_holders(&report, args, ctx);
    }
    if ctx.output.json {
        output::print_json(&report)?;
        return Ok(Outcome::Clean);
    }
    output::print_block(&render(&report))?;
    Ok(Outcome::Clean)
}

fn check_url(raw: &str, port: u16) -> Result<Url> {
    let u = Url::parse(raw).map_err(|e| {
        crate::hinted(
            format!("invalid --url {:?}: {e}", crate::redact::redact(raw)),
            "give the GOPROXY entry meant for this port, e.g. --url http://127.0.0.1:3000",
        )
    })?;
    if !matches!(u.scheme(), "http" | "https") || u.port_or_known_default() != Some(port) {
        return Err(crate::hinted(
            format!(
                "--url {} is not an http(s) URL on port {port}",
                crate::redact::redact(raw)
            ),
            format!(
                "give the GOPROXY entry meant for this port, e.g. --url http://127.0.0.1:{port}"
            ),
        ));
    }
    Ok(u)
}

fn module_arg(arg: Option<&str>) -> Result<(String, String)> {
    // The same rule as every --module: a module path and a version go accepts.
    proxy::parse_module_arg(arg.unwrap_or(proxy::DEFAULT_MODULE))
        .map_err(|e| crate::hinted(e, "e.g. --module golang.org/x/text@v0.14.0"))
}

/// The addresses `localhost` resolves to here (go dials them in turn).
fn resolve_localhost(port: u16) -> Vec<IpAddr> {
    ("localhost", port)
        .to_socket_addrs()
        .map(|it| it.map(|a| a.ip()).collect())
        .unwrap_or_default()
}

/// One table row per process holding a socket (several for a forked server), like `ss -ltnp`.
fn holder_rows(sockets: &[PortOwner]) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "PROTO", "ADDRESS", "STATE", "PID", "PROCESS", "USER", "UP", "COMMAND",
        ]
        .map(output::heading)
        .to_vec(),
    ];
    for s in sockets.iter().filter(|s| s.state == "listen") {
        if s.holders.is_empty() {
            rows.push(vec![
                s.proto.into(),
                s.endpoint(),
                s.state.into(),
                "?".into(),
                "?".into(),
                s.user.clone().unwrap_or_else(|| s.uid.to_string()),
                String::new(),
                String::new(),
            ]);
        }
        for (i, h) in s.holders.iter().enumerate() {
            let first = i == 0;
            let cmd = output::truncate(h.cmdline.as_deref().unwrap_or_default(), 60);
            rows.push(vec![
                if first { s.proto.into() } else { String::new() },
                if first { s.endpoint() } else { String::new() },
                if first { s.state.into() } else { String::new() },
                h.pid.to_string(),
                h.process.clone().unwrap_or_else(|| "?".into()),
                h.user
                    .clone()
                    .or_else(|| h.uid.map(|u| u.to_string()))
                    .unwrap_or_else(|| "?".into()),
                h.running_secs.map(output::span).unwrap_or_default(),
                crate::redact::redact(&cmd),
            ]);
        }
    }
    rows
}

fn render(r: &PortReport) -> String {
    let port = r.port;
    let mut out = String::new();
    let listeners: Vec<&PortOwner> = r.sockets.iter().filter(|s| s.state == "listen").collect();
    if !r.in_use {
        out.push_str(&format!(
            "{} port {port} is free (nothing bound on IPv4 or IPv6)\n",
            output::glyph(Severity::Ok)
        ));
    } else if !r.owners_available {
        out.push_str(&format!(
            "{} port {port} is in use; its owners are not available on this system (godoctor reads them from Linux's /proc): try `lsof -nP -iTCP:{port} -sTCP:LISTEN`\n",
            output::glyph(Severity::Warn)
        ));
    } else if listeners.is_empty() {
        out.push_str(&format!(
            "{} port {port} is in use, but no listener is visible here (another network namespace or container?)\n",
            output::glyph(Severity::Warn)
        ));
    } else {
        let who: Vec<String> = listeners.iter().map(|s| s.who()).collect();
        let mut uniq: Vec<String> = Vec::new();
        for w in who {
            if !uniq.contains(&w) {
                uniq.push(w);
            }
        }
        out.push_str(&format!("port {port} is held by {}\n", uniq.join("; ")));
        out.push_str(&output::table(&holder_rows(&r.sockets)));
        if listeners.iter().any(|s| s.holders.is_empty()) {
            out.push_str(&output::dim(
                "? = a process of another user: run as that user or root to see it\n",
            ));
        }
        if listeners.iter().any(|s| s.container()) {
            out.push_str(
                "a container publishes this port: the server runs inside a container (`docker ps` / `podman ps` name it)\n",
            );
        }
        let reach = family::reach(
            &listeners
                .iter()
                .filter_map(|s| s.address.parse().ok())
                .collect::<Vec<_>>(),
        );
        match (reach.v4, reach.v6) {
            (true, false) => out.push_str(&format!(
                "listens on IPv4 only: http://127.0.0.1:{port} reaches it, http://[::1]:{port} does not\n"
            )),
            (false, true) => out.push_str(&format!(
                "listens on IPv6 only: http://[::1]:{port} reaches it, http://127.0.0.1:{port} does not\n"
            )),
            _ => {}
        }
    }
    if let Some(f) = &r.family {
        out.push_str(&format!("{} {f}\n", output::glyph(Severity::Warn)));
    }
    if let (Some(url), Some(fp)) = (&r.url, &r.answer) {
        let status = match fp.kind {
            fingerprint::Kind::GoProxy => Severity::Ok,
            fingerprint::Kind::NotGoProxy => Severity::Error,
            fingerprint::Kind::CannotTell => Severity::Warn,
        };
        out.push_str(&format!(
            "{} {url} answers as {}\n",
            output::glyph(status),
            fp.summary
        ));
        if !fp.evidence.is_empty() {
            out.push_str(&output::dim(&format!(
                "  seen: {}\n",
                crate::redact::redact(&fp.evidence.join("; "))
            )));
        }
    }
    if let Some(go) = &r.go {
        out.push_str(&format!(
            "with GOPROXY={}: {}\n",
            r.url.as_deref().unwrap_or(""),
            go.text
        ));
    }
    if let Some(fp) = &r.answer {
        // A refused URL on a port that listens elsewhere is the family mismatch above, not a
        // holder to stop.
        let refused = r.family.is_some();
        if fp.kind != fingerprint::Kind::GoProxy && !listeners.is_empty() && !refused {
            let free = r
                .free_port
                .map(|p| format!(" (`godoctor port --free` finds one now: {p})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  → stop it (`godoctor port {port} --stop`) or start your proxy on a free port{free}\n"
            ));
        }
    }
    if !r.in_use || r.sockets.iter().all(|s| s.state != "listen") {
        for f in &r.elsewhere {
            out.push_str(&format!(
                "nothing listens on {port}; {} listens on {} ({}) — `godoctor env set GOPROXY={},direct`\n",
                f.who.as_deref().unwrap_or("a Go module proxy"),
                f.port,
                f.because,
                f.url
            ));
        }
    }
    out
}

fn stop_holders(r: &PortReport, args: &PortArgs, ctx: &Context) -> Result<Outcome> {
    let port = r.port;
    if ctx.output.json {
        return Err(crate::hinted(
            "--stop is not done with --json",
            format!("run `godoctor port {port} --stop` without --json"),
        ));
    }
    let holders: Vec<&ports::Holder> = r
        .sockets
        .iter()
        .filter(|s| s.state == "listen")
        .flat_map(|s| &s.holders)
        .collect();
    if holders.is_empty() {
        output::println(&render(r))?;
        return Ok(Outcome::from_problems(r.in_use));
    }
    let me = stop::my_uid();
    for h in &holders {
        if let Err(why) = stop::may_stop(h.uid, me) {
            return Err(crate::hinted(
                format!(
                    "not stopping {} (pid {}): {why}",
                    h.process.as_deref().unwrap_or("?"),
                    h.pid
                ),
                format!("`godoctor port {port}` shows who holds it"),
            ));
        }
    }
    let mut pids: Vec<u32> = holders.iter().map(|h| h.pid).collect();
    pids.sort_unstable();
    pids.dedup();
    let who = r
        .sockets
        .iter()
        .find(|s| s.state == "listen" && !s.holders.is_empty())
        .map(|s| s.who())
        .unwrap_or_default();
    if !args.yes {
        if !ctx.output.interactive {
            return Err(crate::hinted(
                format!("not stopping {who}: no terminal to confirm on"),
                format!("add --yes to stop it without asking: `godoctor port {port} --stop --yes`"),
            ));
        }
        let ok = ctx
            .output
            .confirm(
                &format!("Stop {who} holding port {port}? (SIGTERM, then SIGKILL after 5s)"),
                false,
            )
            .ok()
            .flatten()
            .unwrap_or(false);
        if !ok {
            output::println("not stopped")?;
            return Ok(Outcome::Problems);
        }
    }
    let how = stop::stop(&pids, Duration::from_secs(5));
    let text = match how {
        stop::Stopped::Term => format!("{} stopped {who} (SIGTERM)", output::glyph(Severity::Ok)),
        stop::Stopped::Killed => format!(
            "{} stopped {who} (SIGKILL after it ignored SIGTERM for 5s)",
            output::glyph(Severity::Ok)
        ),
        stop::Stopped::Survived => format!(
            "{} {who} is still running after SIGKILL",
            output::glyph(Severity::Error)
        ),
    };
    output::println(&text)?;
    Ok(Outcome::from_problems(how == stop::Stopped::Survived))
}

/// `--wait` (until the port is free) and `--wait-held` (until an HTTP answer arrives), with
/// exponential backoff from 50 ms to 2 s, a progress line on a terminal only.
fn wait(port: u16, url: Option<&Url>, args: &PortArgs, ctx: &Context) -> Result<Outcome> {
    let timeout = args.timeout.unwrap_or(Duration::from_secs(60));
    let started = Instant::now();
    let deadline = started + timeout;
    let prober = Prober::new(&ctx.env);
    let target = url
        .cloned()
        .or_else(|| Url::parse(&format!("http://127.0.0.1:{port}/")).ok());
    // A progress line on a terminal only: build scripts read the final line, not a spinner.
    let bar = ctx.output.spinner_stepped();
    let what = if args.wait { "to be free" } else { "to answer" };
    let mut delay = Duration::from_millis(50);
    loop {
        let reached = if args.wait {
            ports::listeners(port).is_empty() && ports::is_free(port)
        } else {
            target.as_ref().is_some_and(|u| {
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_secs(2));
                let r = prober.fetch(
                    u,
                    &crate::net::http::FetchOptions::within(
                        left.max(Duration::from_millis(100)),
                        4096,
                    ),
                );
                r.status.is_some()
            })
        };
        if reached {
            bar.finish();
            let text = format!(
                "{} port {port} {} after {:.1}s",
                output::glyph(Severity::Ok),
                if args.wait { "is free" } else { "answers" },
                started.elapsed().as_secs_f64()
            );
            if ctx.output.json {
                output::print_json(
                    &serde_json::json!({"port": port, "reached": true, "seconds": started.elapsed().as_secs_f64()}),
                )?;
            } else {
                output::println(&text)?;
            }
            return Ok(Outcome::Clean);
        }
        let now = Instant::now();
        if now >= deadline {
            bar.finish();
            if ctx.output.json {
                output::print_json(
                    &serde_json::json!({"port": port, "reached": false, "seconds": started.elapsed().as_secs_f64()}),
                )?;
            }
            output::note(&format!(
                "{} port {port} did not get {} within {:.1}s",
                output::glyph(Severity::Error),
                if args.wait { "free" } else { "an answer" },
                timeout.as_secs_f64()
            ));
            return Ok(Outcome::Problems);
        }
        bar.set_message(&format!(
            "waiting for port {port} {what}… {:.0}s of {:.0}s",
            started.elapsed().as_secs_f64(),
            timeout.as_secs_f64()
        ));
        bar.tick();
        std::thread::sleep(delay.min(deadline - now));
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

fn free(args: &PortArgs, ctx: &Context) -> Result<Outcome> {
    let range = match &args.range {
        Some(r) => Some(
            ports::parse_range(r)
                .map_err(|e| crate::hinted(e, "write the range as A-B, e.g. --range 3000-3999"))?,
        ),
        None => None,
    };
    let shown = range.clone().unwrap_or_else(ports::ephemeral_range);
    match ports::free_port(range) {
        Some(port) => {
            if ctx.output.json {
                output::print_json(&serde_json::json!({ "port": port }))?;
            } else {
                output::println(&port.to_string())?;
            }
            Ok(Outcome::Clean)
        }
        None => {
            if ctx.output.json {
                output::print_json(&serde_json::json!({ "port": null }))?;
            }
            output::note(&format!(
                "{} no free port in {}-{}: every port there is bound",
                output::glyph(Severity::Error),
                shown.start(),
                shown.end()
            ));
            Ok(Outcome::Problems)
        }
    }
}
