//! `godoctor route MODULE[@VERSION] [--probe]`: glue between the CLI, the Go environment, the
//! route planner ([`crate::fetch::plan`]), the walk ([`crate::fetch::walk`]) and the output.

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::Outcome;
use crate::cli::RouteArgs;
use crate::fetch::plan::{self as route, PatternCheck, Query, Route, SourceKind, SumdbPlan};
use crate::fetch::proxy::PortStory;
use crate::fetch::vcs::Vcs;
use crate::fetch::walk::{
    self as route_probe, Outcome as StepOutcome, Step, SumdbProbe, Walk, WalkOptions,
};
use crate::finding::{Finding, Severity};
use crate::goenv::GoEnv;
use crate::net::http::Prober;
use crate::output;

/// The `route --json` document (DESIGN.md: `ok` and `served_by` at the top, `steps` in order).
#[derive(Debug, Serialize)]
struct Report<'a> {
    module: &'a str,
    /// The version resolved by the probe, else the version asked for.
    version: String,
    query: &'a Query,
    ok: bool,
    /// The source that served the module (`direct` for a direct fetch); `null` without
    /// `--probe` or when it failed.
    served_by: Option<String>,
    /// The probe's requests in order (empty without `--probe`).
    steps: &'a [Step],
    error: Option<String>,
    sumdb: SumdbOut<'a>,
    escaped_path: &'a str,
    escaped_version: Option<&'a str>,
    requests: &'a [String],
    patterns: &'a [PatternCheck],
    sources: &'a [route::Source],
    stop: &'a str,
    vcs: Option<&'a Vcs>,
    findings: &'a [Finding],
    /// For a failing proxy on this machine: what listens (or not) on its port.
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<&'a PortStory>,
}

#[derive(Debug, Serialize)]
struct SumdbOut<'a> {
    #[serde(flatten)]
    plan: &'a SumdbPlan,
    probe: Option<&'a SumdbProbe>,
}

pub fn run(ctx: &Context, args: &RouteArgs) -> Result<Outcome> {
    // Refuse a bad module before anything else, with go's reason.
    let (path, version) = route::check_input(&args.module).map_err(|e| {
        crate::hinted(
            e.to_string(),
            "module paths look like example.com/org/repo (lower-case host with a dot, no spaces, no '..'); versions like v1.2.3 or latest",
        )
    })?;
    let go_env = ctx.load_go_env()?;
    let settings = ctx.fetch_settings(&go_env);
    let mut plan = route::plan(&path, &version, &settings);
    shell_fix_for_env_values(ctx, &go_env, &mut plan.findings);
    // GOAUTH decides what go sends: `off` sends nothing, not even .netrc entries.
    let prober = args
        .probe
        .then(|| Prober::with_goauth(&ctx.env, settings.goauth.as_deref()));
    let walk = prober.as_ref().map(|prober| {
        ctx.output.spin("walking the route as go would…", || {
            route_probe::walk(
                &plan,
                prober,
                WalkOptions {
                    budget: crate::fetch::budget::Budget::start(args.timeout),
                },
            )
        })
    });
    // A failing local proxy: what listens on its port (issue 12's story, as check tells it).
    let port = walk
        .as_ref()
        .filter(|w| !w.ok)
        .and_then(failing_source)
        .and_then(|u| {
            let prober = prober.as_ref()?;
            crate::fetch::proxy::port_story(prober, &u, &plan.module, &plan.version)
        });
    let plan_ok = plan.findings.iter().all(|f| f.severity != Severity::Error);
    let ok = plan_ok && walk.as_ref().is_none_or(|w| w.ok);
    if ctx.output.json {
        let report = Report {
            module: &plan.module,
            version: walk
                .as_ref()
                .and_then(|w| w.resolved_version.clone())
                .unwrap_or_else(|| plan.version.clone()),
            query: &plan.query,
            ok,
            served_by: walk.as_ref().and_then(|w| w.served_by.clone()),
            steps: walk.as_ref().map_or(&[], |w| w.steps.as_slice()),
            error: walk.as_ref().and_then(|w| w.error.clone()),
            sumdb: SumdbOut {
                plan: &plan.sumdb,
                probe: walk.as_ref().and_then(|w| w.sumdb.as_ref()),
            },
            escaped_path: &plan.escaped_path,
            escaped_version: plan.escaped_version.as_deref(),
            requests: &plan.requests,
            patterns: &plan.patterns,
            sources: &plan.sources,
            stop: &plan.stop,
            vcs: walk.as_ref().and_then(|w| w.vcs.as_ref()),
            findings: &plan.findings,
            port: port.as_ref(),
        };
        output::print_json(&report)?;
    } else {
        let mut text = render(&plan, walk.as_ref(), ctx);
        if let Some(p) = &port {
            text.push_str(&format!("  {}\n", p.note));
            if let Some(h) = &p.hint {
                text.push_str(&format!("  help: {h}\n"));
            }
        }
        output::print_block(&text)?;
    }
    Ok(Outcome::from_problems(!ok))
}

/// A fix that changes a value the process environment sets cannot work through `godoctor env
/// set` (go env -w): it becomes the edit of the shell line that sets it, as `check` says.
fn shell_fix_for_env_values(ctx: &Context, go_env: &GoEnv, findings: &mut [Finding]) {
    let from_env = go_env.from_env();
    if from_env.is_empty() {
        return;
    }
    let origins = ctx.shell_origins(&from_env);
    for f in findings.iter_mut() {
        if let Some(shell) = f
            .hint
            .as_deref()
            .and_then(|h| crate::doctor::envfix::shell_fix_of_hint(h, go_env, &origins))
        {
            f.hint = Some(shell);
        }
    }
}

/// The proxy of the step the walk failed at (the last error), if it is a URL.
fn failing_source(w: &Walk) -> Option<url::Url> {
    let step = w
        .steps
        .iter()
        .rev()
        .find(|s| s.outcome == StepOutcome::Error)?;
    url::Url::parse(&step.source).ok()
}

/// Text rendering: patterns, sources in order, the stop, the checksum database, findings,
/// and the probe's steps with the verdict.
fn render(plan: &Route, walk: Option<&Walk>, ctx: &Context) -> String {
    let mut out = String::new();
    let ev = plan
        .escaped_version
        .as_deref()
        .map_or(String::new(), |v| format!("@{v}"));
    out.push_str(&format!(
        "{}  {}\n",
        output::heading(&format!("{}@{}", plan.module, plan.version)),
        output::dim(&format!("(in URLs: {}{ev})", plan.escaped_path))
    ));

    out.push_str(&format!("\n{}\n", output::heading("Patterns")));
    for p in &plan.patterns {
        if ctx.output.detail.quiet() && p.matched.is_none() && p.near_misses.is_empty() {
            continue;
        }
        let status = if p.matched.is_some() {
            Severity::Ok
        } else {
            Severity::Skip
        };
        let value = if p.value.is_empty() {
            "(empty)".to_string()
        } else {
            p.value.clone()
        };
        let from = p
            .inherited_from
            .map_or(String::new(), |f| format!(" (from {f})"));
        let what = match &p.matched {
            Some(g) => format!("matches {g:?}: {}", p.effect),
            None => format!("no match: {}", p.effect),
        };
        out.push_str(&format!(
            "  {} {:<10} {}{}  {}\n",
            output::glyph(status),
            p.var,
            value,
            output::dim(&from),
            what
        ));
        for m in &p.near_misses {
            out.push_str(&format!(
                "      {} near miss: {m}\n",
                output::glyph(Severity::Warn)
            ));
        }
    }

    out.push_str(&format!("\n{}\n", output::heading("Sources, in order")));
    for (i, s) in plan.sources.iter().enumerate() {
        let sep = s.separator.map_or(String::new(), |c| format!(" {c}"));
        let status = if s.skipped {
            Severity::Skip
        } else {
            Severity::Info
        };
        let extra = match (&s.vcs_host, s.insecure) {
            (Some(h), true) => format!("  host {h}, insecure allowed"),
            (Some(h), false) => format!("  host {h}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {} {}. {}{}{}\n      {}\n",
            output::glyph(status),
            i + 1,
            output::heading(&s.target),
            sep,
            extra,
            s.note
        ));
        if let Some(c) = &s.credentials {
            out.push_str(&format!(
                "      {}\n",
                output::dim(&format!("credentials: {c}"))
            ));
        }
    }
    out.push_str(&format!(
        "  {}\n",
        output::dim(&format!("stop: {}", plan.stop))
    ));

    out.push_str(&format!("\n{}\n", output::heading("Checksum database")));
    let sd = &plan.sumdb;
    let status = if sd.consulted {
        Severity::Info
    } else {
        Severity::Skip
    };
    out.push_str(&format!("  {} {}\n", output::glyph(status), sd.reason));
    if sd.consulted {
        if !sd.via.is_empty() {
            out.push_str(&format!(
                "      asks first: {}\n",
                sd.via
                    .iter()
                    .map(|v| format!("{v}/sumdb/{}/supported", sd.name.as_deref().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(u) = &sd.url {
            out.push_str(&format!("      database: {u}\n"));
        }
    }

    if !plan.findings.is_empty() {
        out.push('\n');
        for f in &plan.findings {
            out.push_str(&format!(
                "{} {}\n",
                output::glyph(f.severity),
                output::paint(&f.message, f.severity)
            ));
            if let Some(h) = &f.hint {
                out.push_str(&format!("  help: {h}\n"));
            }
        }
    }

    if let Some(w) = walk {
        out.push_str(&format!("\n{}\n", output::heading("Probe")));
        for s in &w.steps {
            let status = match s.outcome {
                StepOutcome::Ok => Severity::Ok,
                StepOutcome::NotFound => Severity::Warn,
                StepOutcome::Error => Severity::Error,
                StepOutcome::Skipped => Severity::Skip,
            };
            let code = s.status.map_or(String::new(), |c| format!(" {c}"));
            out.push_str(&format!(
                "  {} {:<15} {}{}  {}\n",
                output::glyph(status),
                format!("{:?}", s.op).to_lowercase(),
                s.url.as_deref().unwrap_or(&s.source),
                code,
                output::dim(&output::millis(s.ms))
            ));
            if !s.detail.is_empty() {
                out.push_str(&format!("      {}\n", s.detail));
            }
            if !s.next.is_empty() {
                out.push_str(&format!(
                    "      {}\n",
                    output::dim(&format!("→ {}", s.next))
                ));
            }
        }
        if let Some(sd) = &w.sumdb {
            let status = if sd.fails {
                Severity::Error
            } else if sd.undecided() || sd.known.is_none() {
                Severity::Warn
            } else {
                Severity::Ok
            };
            out.push_str(&format!(
                "  {} checksum database: {}\n",
                output::glyph(status),
                sd.detail
            ));
        }
        let verdict = if w.ok {
            let by = w.served_by.as_deref().unwrap_or("?");
            let v = w.resolved_version.as_deref().unwrap_or(&plan.version);
            let direct = if by == "direct" {
                match &w.vcs {
                    Some(v) => format!(
                        " ({} repository {}; the probe does not clone)",
                        v.vcs, v.repo
                    ),
                    None => String::new(),
                }
            } else {
                String::new()
            };
            format!(
                "{} {}@{v} is served by {by}{direct}",
                output::glyph(Severity::Ok),
                plan.module
            )
        } else if w.sumdb.as_ref().is_some_and(|s| s.undecided()) {
            format!(
                "{} cannot tell whether go succeeds: {}",
                output::glyph(Severity::Warn),
                w.error.as_deref().unwrap_or("unknown")
            )
        } else {
            format!(
                "{} go fails: {}",
                output::glyph(Severity::Error),
                output::paint(
                    w.error.as_deref().unwrap_or("unknown error"),
                    Severity::Error
                )
            )
        };
        out.push_str(&format!("\n{verdict}\n"));
    } else if plan.sources.iter().any(|s| s.kind != SourceKind::Off) {
        out.push_str(&format!(
            "\n{}\n",
            output::dim("add --probe to walk this route over the network")
        ));
    }
    out
}
