//! `godoctor proxy test [URL…]` and `godoctor proxy rank`: glue between the CLI, the probe
//! engine and the output.

use anyhow::Result;
use url::Url;

use super::Context;
use crate::Outcome;
use crate::cli::{ProxyAction, ProxyArgs};
use crate::fetch::plan::SourceKind;
use crate::fetch::proxy::{self, ProbeOptions, ProxyReport};
use crate::fetch::run::{SettingsRun, probe_chain, probe_settings};
use crate::fetch::sumdb;
use crate::fetch::{catalogue, chain};
use crate::finding::Severity;
use crate::net::http::Prober;
use crate::output;

pub fn run(ctx: &Context, args: &ProxyArgs) -> Result<Outcome> {
    match &args.action {
        ProxyAction::Test {
            urls,
            sumdb,
            modules,
            probe,
        } => test(
            urls,
            sumdb.as_deref(),
            &super::probe_options(probe, modules)?,
            ctx,
        ),
        ProxyAction::Rank {
            candidates,
            no_builtin,
            module,
            probe,
        } => rank(
            candidates.as_deref(),
            *no_builtin,
            &super::probe_options(probe, module.module.as_slice())?,
            ctx,
        ),
    }
}

/// Read each argument as go reads a GOPROXY entry (go's own message for one it refuses, such
/// as "invalid proxy URL missing scheme: not-a-url", before any DNS lookup).
fn parse_urls(urls: &[String]) -> Result<Vec<Url>> {
    use crate::syntax::goproxy::{self, ProxyEntry};
    let hint = "pass proxy URLs like https://proxy.golang.org or http://127.0.0.1:3000";
    urls.iter()
        .map(|u| {
            let list = goproxy::parse(u);
            if let Some(said) = list.go_error {
                return Err(crate::hinted(format!("go would refuse it: {said}"), hint));
            }
            let url = match list.specs.as_slice() {
                [spec] => match &spec.entry {
                    ProxyEntry::Url { url, .. } => url.clone(),
                    _ => {
                        return Err(crate::hinted(
                            format!(
                                "{} is a GOPROXY keyword, not a proxy URL",
                                crate::redact::redact(u)
                            ),
                            hint,
                        ));
                    }
                },
                _ => {
                    return Err(crate::hinted(
                        format!("{} is not one proxy URL", crate::redact::redact(u)),
                        "pass each proxy as its own argument",
                    ));
                }
            };
            proxy::parse_proxy_url(&url).map_err(|e| crate::hinted(e, hint))
        })
        .collect()
}

fn test(
    urls: &[String],
    sumdb_flag: Option<&str>,
    opts: &ProbeOptions,
    ctx: &Context,
) -> Result<Outcome> {
    let opts = opts.clone();
    let go_env = if urls.is_empty() {
        Some(ctx.load_go_env()?)
    } else {
        None
    };
    // GOAUTH as go sees it (its env file included) when go's settings are read anyway.
    let goauth = match &go_env {
        Some(g) => g.values.get("GOAUTH").map(String::as_str),
        None => ctx.env.get("GOAUTH"),
    };
    let prober = Prober::with_goauth(&ctx.env, goauth);
    // No URL = the effective GOPROXY and GOSUMDB from go, walked as go walks them; explicit
    // URLs are probed side by side (and the database only with --sumdb).
    let (goproxy, sumdb_value, run) = if let Some(go_env) = &go_env {
        let goproxy = go_env.get("GOPROXY").to_string();
        let gosumdb = sumdb_flag.map_or_else(|| go_env.get("GOSUMDB").to_string(), str::to_string);
        let run = ctx
            .output
            .spin("probing the proxies of GOPROXY and GOSUMDB…", || {
                probe_settings(&prober, &goproxy, &gosumdb, opts)
            });
        if let Some(e) = &run.goproxy_error {
            return Err(crate::hinted(
                format!("GOPROXY={goproxy:?} is invalid: {e}"),
                "fix it with `godoctor env set GOPROXY=https://proxy.golang.org,direct`",
            ));
        }
        if let Some(e) = &run.gosumdb_error {
            return Err(gosumdb_hint(&gosumdb, e));
        }
        (Some(goproxy), Some(gosumdb), run)
    } else {
        let parsed = parse_urls(urls)?;
        let list: Vec<&str> = parsed.iter().map(Url::as_str).collect();
        let (path, version) = opts.walk.first();
        let module = format!("{path}@{version}");
        let items = chain::sources(&list.join(","), &module).map_err(|e| {
            crate::hinted(
                format!("these URLs cannot be used as proxies: {e}"),
                "give http://, https:// or file:// URLs",
            )
        })?;
        let target = match sumdb_flag {
            Some(v) => sumdb::resolve(v).map_err(|e| gosumdb_hint(v, &e))?,
            None => None,
        };
        let mut opts = opts;
        if let Some(t) = &target {
            opts.sumdb = Some(t.name.clone());
        } else if sumdb_flag == Some("off") {
            opts.sumdb = None;
        }
        let run = ctx
            .output
            .spin(&format!("probing {} proxies…", parsed.len()), || {
                probe_chain(&prober, items, target.as_ref(), opts, false)
            });
        (None, sumdb_flag.map(str::to_string), run)
    };
    let sumdb_off = sumdb_value.as_deref() == Some("off");
    let problems = run.reports.iter().any(|r| !r.ok)
        || run.outcome.as_ref().is_some_and(|o| o.broken)
        || run.sumdb.as_ref().is_some_and(|s| !s.ok);
    if ctx.output.json {
        let mut all: Vec<serde_json::Value> = run
            .reports
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?;
        if let Some(s) = &run.sumdb {
            all.push(serde_json::to_value(s)?);
        }
        output::print_json(&all)?;
    } else {
        output::print_block(&render_run(goproxy.as_deref(), &run, sumdb_off, ctx))?;
    }
    Ok(Outcome::from_problems(problems))
}

fn gosumdb_hint(value: &str, e: &str) -> anyhow::Error {
    crate::hinted(
        format!("GOSUMDB {value:?}: {e}"),
        "use off, a known name (sum.golang.org), name+hash+key, or \"key URL\"",
    )
}

fn render_run(goproxy: Option<&str>, run: &SettingsRun, sumdb_off: bool, ctx: &Context) -> String {
    let mut out = String::new();
    if let Some(v) = goproxy {
        out.push_str(&format!("{} {}\n", output::heading("GOPROXY"), v));
    }
    // One scale for every proxy's latency bar, though each is rendered on its own.
    let scale = bar_scale(run.reports.iter().map(|r| r.median_ms));
    let mut proxies = run.reports.iter();
    for (i, item) in run.sources.iter().enumerate() {
        match item.kind {
            SourceKind::Proxy => {
                if let Some(r) = proxies.next() {
                    out.push_str(&render(std::slice::from_ref(r), scale, ctx));
                    if let Some(c) = &r.consequence {
                        out.push_str(&format!("    {} {c}\n", output::paint("→", Severity::Info)));
                    }
                }
            }
            SourceKind::Direct | SourceKind::Off => {
                let c = run
                    .outcome
                    .as_ref()
                    .and_then(|o| o.consequences.get(i))
                    .cloned()
                    .unwrap_or_default();
                out.push_str(&format!("{} {c}\n", output::glyph(Severity::Info)));
            }
        }
    }
    if let Some(o) = &run.outcome {
        let line = match (&o.served_by, o.broken) {
            (Some(by), false) => format!(
                "{} the probe module would come from {by}",
                output::glyph(Severity::Ok)
            ),
            _ => format!(
                "{} with this GOPROXY, go cannot download the probe module",
                output::glyph(Severity::Error)
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if sumdb_off {
        out.push_str(&format!(
            "{} GOSUMDB=off: downloads are not verified against a checksum database\n",
            output::glyph(Severity::Warn)
        ));
    }
    if let Some(s) = &run.sumdb {
        out.push_str(&format!(
            "{} {} {}  {}\n    {}\n",
            output::glyph(s.severity),
            output::heading("checksum database"),
            s.name,
            output::dim(&s.url),
            s.diagnosis
        ));
        if let Some(h) = &s.hint {
            out.push_str(&format!(
                "    {} {h}\n",
                output::paint("help:", Severity::Info)
            ));
        }
    }
    out
}

fn rank(
    candidates: Option<&std::path::Path>,
    no_builtin: bool,
    opts: &ProbeOptions,
    ctx: &Context,
) -> Result<Outcome> {
    let mut mirrors = if no_builtin {
        Vec::new()
    } else {
        catalogue::builtin()
    };
    // godoctor's config: mirrors.txt in its config directory (GODOCTOR_HOME when set), same format.
    let configured = crate::home::config_dir(&ctx.env)
        .map(|d| d.join("mirrors.txt"))
        .filter(|p| p.is_file());
    for path in configured.iter().map(|p| p.as_path()).chain(candidates) {
        let text = std::fs::read_to_string(path).map_err(|e| {
            crate::hinted(
                format!("cannot read {}: {e}", path.display()),
                "pass a file with one proxy URL per line",
            )
        })?;
        let extra =
            catalogue::parse_candidates(&text, &path.display().to_string()).map_err(|e| {
                crate::hinted(
                    e,
                    "one proxy URL per line, optionally followed by a name; # starts a comment",
                )
            })?;
        mirrors.extend(extra);
    }
    // The current GOPROXY is only for the star: without go, rank anyway.
    let current: Vec<Url> = ctx
        .load_go_env()
        .ok()
        .and_then(|g| chain::sources(g.get("GOPROXY"), proxy::DEFAULT_MODULE).ok())
        .map(|sources| {
            chain::proxies(&sources)
                .filter_map(|s| proxy::parse_proxy_url(s.url.as_deref().unwrap_or(&s.target)).ok())
                .collect()
        })
        .unwrap_or_default();
    let urls = parse_urls(&mirrors.iter().map(|m| m.url.clone()).collect::<Vec<_>>())?;
    let prober = Prober::new(&ctx.env);
    let reports = ctx
        .output
        .spin(&format!("measuring {} mirrors…", urls.len()), || {
            proxy::test_all(&prober, &urls, opts)
        });
    let rows = catalogue::rank(&mirrors, &reports, &current);
    let any_ok = rows.iter().any(|r| r.ok);
    if ctx.output.json {
        output::print_json(&rows)?;
    } else {
        // On a terminal, each mirror's latency as a bar on one scale; plain text otherwise.
        let scale = bar_scale(rows.iter().map(|r| r.median_ms)).filter(|_| ctx.output.stdout_tty);
        let mut header = ["", "#", "MIRROR", "MEDIAN", "MIN", "SUMDB", "VERDICT"]
            .map(output::heading)
            .to_vec();
        if scale.is_some() {
            header.insert(5, output::heading("LATENCY"));
        }
        let mut table = vec![header];
        for r in &rows {
            let mark = format!(
                "{}{}",
                if r.current { "*" } else { " " },
                if r.fastest { "⚡" } else { "" }
            );
            table.push(vec![
                mark,
                r.rank.map_or_else(|| "-".into(), |n| n.to_string()),
                format!(
                    "{} {}",
                    r.url,
                    if r.name != r.url {
                        output::dim(&format!("({})", r.name))
                    } else {
                        String::new()
                    }
                ),
                r.median_ms.map_or_else(|| "-".into(), output::millis),
                r.min_ms.map_or_else(|| "-".into(), output::millis),
                match r.proxies_sumdb {
                    Some(true) => "proxied".into(),
                    Some(false) => "direct".into(),
                    None => "?".into(),
                },
                output::paint(
                    &serde_json::to_value(r.verdict)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    if r.ok { Severity::Ok } else { Severity::Error },
                ),
            ]);
            if let Some(scale) = scale {
                let bar = r.median_ms.map_or_else(String::new, |m| {
                    output::latency_bar(r.min_ms.unwrap_or(m), m, scale)
                });
                let row = table.last_mut().expect("row just pushed");
                row.insert(5, bar);
            }
        }
        let mut text = output::table(&table);
        text.push_str(&output::dim(
            "* = in your current GOPROXY   ⚡ = fastest passing mirror\n",
        ));
        if let Some(best) = rows.iter().find(|r| r.fastest) {
            if !best.current {
                text.push_str(&format!(
                    "help: godoctor env set GOPROXY={},direct\n",
                    best.url
                ));
            }
        } else {
            text.push_str(&format!(
                "{} no mirror passed the protocol check\n",
                output::glyph(Severity::Error)
            ));
        }
        output::print_block(&text)?;
    }
    Ok(Outcome::from_problems(!any_ok))
}

/// Text rendering of proxy reports: one block per proxy.
/// `scale`: the latency (ms) that fills a bar, shared by every proxy shown (see `bar_scale`).
pub fn render(reports: &[ProxyReport], scale: Option<f64>, ctx: &Context) -> String {
    let mut out = String::new();
    for r in reports {
        if ctx.output.detail.quiet() && r.severity == Severity::Ok {
            continue;
        }
        let timing = match r.median_ms {
            Some(m) => format!(
                "median {} (min {}, {} sample{})",
                output::millis(m),
                output::millis(r.min_ms.unwrap_or(m)),
                r.samples,
                if r.samples == 1 { "" } else { "s" }
            ),
            None => format!("after {}", output::millis(r.phases.total_ms)),
        };
        out.push_str(&format!(
            "{} {}  {}  {}\n",
            output::glyph(r.severity),
            output::heading(&r.url),
            output::paint(&verdict_label(r), r.severity),
            output::dim(&timing)
        ));
        if let (Some(scale), Some(median)) = (scale.filter(|_| ctx.output.stdout_tty), r.median_ms)
        {
            let bar = output::latency_bar(r.min_ms.unwrap_or(median), median, scale);
            out.push_str(&format!("    {}\n", output::paint(&bar, r.severity)));
        }
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
        if ctx.output.detail.verbose() {
            let p = &r.phases;
            out.push_str(&format!(
                "    {}\n",
                output::dim(&format!(
                    "dns {}  connect {}  tls {}  ttfb {}  total {}",
                    output::millis(p.dns_ms),
                    output::millis(p.connect_ms),
                    p.tls_ms.map_or_else(|| "-".into(), output::millis),
                    p.ttfb_ms.map_or_else(|| "-".into(), output::millis),
                    output::millis(p.total_ms)
                ))
            ));
        }
        if let Some(h) = &r.hint {
            out.push_str(&format!(
                "    {} {h}\n",
                output::paint("help:", Severity::Info)
            ));
        }
    }
    out
}

/// The shared scale of latency bars: the slowest median shown; `None` with nothing to draw.
fn bar_scale(medians: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    medians
        .flatten()
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
}

fn verdict_label(r: &ProxyReport) -> String {
    serde_json::to_value(r.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
