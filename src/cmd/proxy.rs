//! `godoctor proxy test [URL…]` and `godoctor proxy rank`: glue between the CLI, the probe
//! engine and the output.

use anyhow::Result;
use url::Url;

use super::Context;
use crate::Outcome;
use crate::cli::{ProbeArgs, ProxyAction, ProxyArgs};
use crate::output::{self, Status};
use crate::probe::http::Prober;
use crate::probe::proxy::{self, ProbeOptions, ProxyReport};

pub fn run(args: &ProxyArgs, ctx: &Context) -> Result<Outcome> {
    match &args.action {
        ProxyAction::Test { urls, sumdb, probe } => test(urls, sumdb.as_deref(), probe, ctx),
        ProxyAction::Rank { .. } => anyhow::bail!("`proxy rank` is not implemented yet"),
    }
}

/// Resolve the probe flags into options.
fn options(probe: &ProbeArgs) -> Result<ProbeOptions> {
    let mut opts = ProbeOptions {
        timeout: probe.timeout,
        samples: probe.samples as usize,
        ..Default::default()
    };
    if let Some(m) = &probe.module {
        let (path, version) = m
            .rsplit_once('@')
            .filter(|(p, v)| !p.is_empty() && v.starts_with('v'))
            .ok_or_else(|| {
                crate::hinted(
                    format!("invalid --module {m:?}"),
                    "write it as PATH@VERSION, e.g. golang.org/x/text@v0.14.0",
                )
            })?;
        opts.module = path.to_string();
        opts.version = version.to_string();
    }
    Ok(opts)
}

fn parse_urls(urls: &[String]) -> Result<Vec<Url>> {
    urls.iter()
        .map(|u| {
            proxy::parse_proxy_url(u).map_err(|e| {
                crate::hinted(
                    e,
                    "pass proxy URLs like https://proxy.golang.org or http://127.0.0.1:3000",
                )
            })
        })
        .collect()
}

fn test(urls: &[String], sumdb: Option<&str>, probe: &ProbeArgs, ctx: &Context) -> Result<Outcome> {
    let mut opts = options(probe)?;
    if let Some(s) = sumdb {
        // The database name is the first word of a GOSUMDB value, minus any +key.
        opts.sumdb = s
            .split_whitespace()
            .next()
            .map(|n| n.split('+').next().unwrap_or(n).to_string())
            .filter(|n| n != "off");
    }
    if urls.is_empty() {
        return Err(crate::hinted(
            "walking the effective GOPROXY is not available yet",
            "pass the proxy URLs to test, e.g. godoctor proxy test https://proxy.golang.org",
        ));
    }
    let urls = parse_urls(urls)?;
    let prober = Prober::new(&ctx.env);
    let reports = proxy::test_all(&prober, &urls, &opts);
    let problems = reports.iter().any(|r| !r.ok);
    if ctx.output.json {
        output::print_json(&reports)?;
    } else {
        output::print_block(&render(&reports, ctx))?;
    }
    Ok(Outcome::from_problems(problems))
}

/// Text rendering of proxy reports: one block per proxy.
pub fn render(reports: &[ProxyReport], ctx: &Context) -> String {
    let mut out = String::new();
    for r in reports {
        if ctx.output.quiet && r.severity == Status::Ok {
            continue;
        }
        let timing = match r.median_ms {
            Some(m) => format!(
                "median {} (min {}, {} samples)",
                fmt_ms(m),
                fmt_ms(r.min_ms.unwrap_or(m)),
                r.samples
            ),
            None => format!("after {}", fmt_ms(r.phases.total_ms)),
        };
        out.push_str(&format!(
            "{} {}  {}  {}\n",
            output::glyph(r.severity),
            output::heading(&r.url),
            output::paint(&verdict_label(r), r.severity),
            output::dim(&timing)
        ));
        out.push_str(&format!("    {}\n", r.diagnosis));
        if let Some(v) = &r.via_proxy {
            out.push_str(&format!("    {}\n", output::dim(&format!("via proxy {v}"))));
        }
        if let Some(s) = &r.sumdb {
            let what = match s.supported {
                Some(true) => "proxies the checksum database".to_string(),
                Some(false) => {
                    "does not proxy the checksum database (go contacts it directly)".to_string()
                }
                None => format!(
                    "answers {} to /sumdb/{}/supported: go stops looking for a checksum database proxy here",
                    s.status
                        .map_or_else(|| "an error".to_string(), |c| c.to_string()),
                    s.name
                ),
            };
            out.push_str(&format!(
                "    {}\n",
                output::dim(&format!("{}: {what}", s.name))
            ));
        }
        if ctx.output.verbose > 0 {
            let p = &r.phases;
            out.push_str(&format!(
                "    {}\n",
                output::dim(&format!(
                    "dns {}  connect {}  tls {}  ttfb {}  total {}",
                    fmt_ms(p.dns_ms),
                    fmt_ms(p.connect_ms),
                    p.tls_ms.map_or_else(|| "-".into(), fmt_ms),
                    p.ttfb_ms.map_or_else(|| "-".into(), fmt_ms),
                    fmt_ms(p.total_ms)
                ))
            ));
        }
        if let Some(h) = &r.hint {
            out.push_str(&format!(
                "    {} {h}\n",
                output::paint("help:", Status::Info)
            ));
        }
    }
    out
}

fn verdict_label(r: &ProxyReport) -> String {
    serde_json::to_value(r.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Milliseconds for humans: one decimal under 10 ms, whole numbers above.
pub fn fmt_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}
