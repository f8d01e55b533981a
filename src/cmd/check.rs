//! `godoctor check`: gather the facts once (one `go env -json`, concurrent probes, one cache
//! walk), run the pure checks, render one report as text or JSON, optionally apply safe fixes.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use super::Context;
use crate::Outcome;
use crate::cli::CheckArgs;
use crate::doctor::{self, Check, GoInfo, Report, Status, render, settings, toolchain};
use crate::goenv::{GoEnv, diagnose, write};
use crate::output;

pub fn run(ctx: &Context, args: &CheckArgs) -> Result<Outcome> {
    if args.list {
        return list(ctx);
    }
    let unknown = doctor::unknown_ids(&args.ids);
    if !unknown.is_empty() {
        return Err(crate::hinted(
            format!(
                "unknown check id: {}",
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "`godoctor check --list` lists every id; a section name like `proxy` selects its checks",
        ));
    }
    let report = gather_and_check(ctx, args);
    if ctx.output.json {
        output::print_json(&report)?;
    } else {
        output::print_block(&render::text(
            &report,
            ctx.output.verbose > 0,
            ctx.output.quiet,
        ))?;
    }
    if args.fix {
        apply_fixes(ctx, &report, args.yes)?;
    }
    Ok(Outcome::from_problems(report.has_problems(args.strict)))
}

fn list(ctx: &Context) -> Result<Outcome> {
    if ctx.output.json {
        let rows: Vec<serde_json::Value> = doctor::CATALOGUE
            .iter()
            .map(|(id, about)| serde_json::json!({"id": id, "about": about}))
            .collect();
        output::print_json(&rows)?;
    } else {
        let rows: Vec<Vec<String>> = doctor::CATALOGUE
            .iter()
            .map(|(id, about)| vec![id.to_string(), about.to_string()])
            .collect();
        output::print_block(&output::table(&rows))?;
    }
    Ok(Outcome::Clean)
}

/// Gather facts and run every check; a missing or broken go is itself a finding.
fn gather_and_check(ctx: &Context, args: &CheckArgs) -> Report {
    let started = Instant::now();
    let go = match ctx.locate_go() {
        Ok(go) => go,
        Err(e) => {
            return no_go_report(
                &format!("{e:#}"),
                "install Go from https://go.dev/dl, or pass --go /path/to/go",
            );
        }
    };
    let go_env = match GoEnv::load(&go, &ctx.env) {
        Ok(g) => g,
        Err(e) => return no_go_report(&e.to_string(), "run `go env` yourself to see what go says"),
    };
    let all_on_path = crate::goenv::locate::all_on_path(&ctx.env);
    let gomod = read_gomod(&go_env);

    let mut checks = vec![
        toolchain::go_check(&go_env).took(go_env.elapsed.as_millis() as u64),
        toolchain::path_check(&all_on_path, &go_env.go.path),
        toolchain::switch_check(&go_env, gomod.as_ref()),
        settings::sources_check(&go_env),
        settings::goroot_env_check(&go_env),
    ];
    let provenance = diagnose::provenance_findings(&go_env);
    checks.extend(settings::provenance_checks(&go_env, &provenance));
    checks.extend(settings::values_checks(&go_env));
    checks.extend(settings::combination_checks(&go_env));
    checks.extend(settings::unknown_checks(&go_env, &ctx.env));
    let _ = (args.offline, started);

    let checks = doctor::select(checks, &args.ids);
    Report::new(
        GoInfo {
            path: Some(go_env.go.path.display().to_string()),
            version: Some(go_env.version().to_string()),
            goroot: Some(go_env.get("GOROOT").to_string()),
        },
        checks,
    )
}

fn no_go_report(why: &str, hint: &str) -> Report {
    Report::new(
        GoInfo::default(),
        vec![
            Check::new("toolchain.go", Status::Error, "no usable go")
                .detail(why.to_string())
                .hint(hint.to_string()),
        ],
    )
}

/// The go.mod of the module in the current directory, as go itself located it (GOMOD).
fn read_gomod(go_env: &GoEnv) -> Option<(PathBuf, String)> {
    let path = go_env.get("GOMOD");
    if path.is_empty() || path == "/dev/null" || path == "NUL" {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    Some((PathBuf::from(path), text))
}

/// Apply the report's safe fixes through the same validated, undoable write path as `env set`.
fn apply_fixes(ctx: &Context, report: &Report, yes: bool) -> Result<()> {
    let fixes: Vec<&doctor::Fix> = report
        .checks
        .iter()
        .filter_map(|c| c.fix.as_ref())
        .collect();
    if fixes.is_empty() {
        output::note("--fix: nothing godoctor can fix safely by itself");
        return Ok(());
    }
    if !yes && !ctx.output.interactive {
        return Err(crate::hinted(
            format!(
                "--fix would apply {} fix(es) but cannot ask on a non-terminal",
                fixes.len()
            ),
            "run again with --fix --yes to apply them without asking",
        ));
    }
    let mut changes = Vec::new();
    for fix in fixes {
        let accepted = yes
            || dialoguer::Confirm::new()
                .with_prompt(format!("Fix: {}?", fix.description))
                .default(true)
                .interact()
                .unwrap_or(false);
        if accepted {
            changes.extend(fix.changes.iter().map(|(name, value)| write::Change {
                name: name.clone(),
                value: value.clone(),
            }));
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let go = ctx.locate_go()?;
    let history = ctx.history()?;
    let report = write::write(&go, &ctx.env, &history, &changes, "check --fix")
        .map_err(super::env::write_error)?;
    if !ctx.output.json {
        super::env::render_write(ctx, &report, &[], "fixed")?;
    }
    Ok(())
}
