//! `godoctor env`, `env set`, `env unset`: show settings with their provenance; validated,
//! undoable writes through `go env -w/-u`.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::Outcome;
use crate::cli::{EnvAction, EnvArgs};
use crate::finding::{Finding, Severity};
use crate::goenv::assign;
use crate::goenv::diagnose::{self, SettingFinding};
use crate::goenv::write::{self, Change, WriteReport};
use crate::goenv::{self as goenv_mod, FileState, GoEnv, Source};
use crate::output;

pub fn run(ctx: &Context, args: &EnvArgs) -> Result<Outcome> {
    match &args.action {
        None => show(ctx),
        Some(EnvAction::Set { assignments, force }) => set(ctx, assignments, *force),
        Some(EnvAction::Unset { names }) => unset(ctx, names),
    }
}

/// One row of `godoctor env --json` (the DESIGN.md contract plus `line` and `problems`).
#[derive(Debug, Serialize)]
struct Row {
    value: Option<String>,
    source: &'static str,
    file: Option<String>,
    line: Option<usize>,
    problems: Vec<Finding>,
}

fn show(ctx: &Context) -> Result<Outcome> {
    let go = match ctx.locate_go() {
        Ok(go) => go,
        Err(err) => return show_without_go(ctx, err),
    };
    let go_env = GoEnv::load(&go, &ctx.env)
        .map_err(|e| crate::hinted(e.to_string(), "run `go env` yourself to see what go says"))?;
    let all = crate::goenv::locate::all_on_path(&ctx.env);
    let findings = all_findings(&go_env, &all);
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for s in &go_env.settings {
        rows.insert(
            s.name.clone(),
            Row {
                value: Some(crate::redact::value(&s.name, &s.value)),
                source: s.source.as_str(),
                file: s.file.as_ref().map(|f| f.display().to_string()),
                line: s.line,
                problems: findings
                    .iter()
                    .filter(|f| f.var.as_deref() == Some(s.name.as_str()))
                    .map(|f| f.finding.clone())
                    .collect(),
            },
        );
    }
    let problems = findings
        .iter()
        .any(|f| f.finding.severity == Severity::Error);
    if ctx.output.json {
        output::print_json(&rows)?;
        return Ok(Outcome::from_problems(problems));
    }
    let mut text = String::new();
    text.push_str(&format!(
        "{} {} ({}, found via {})\n",
        output::heading("go"),
        go_env.go.path.display(),
        go_env.version(),
        go_env.go.how
    ));
    text.push_str(&format!(
        "{} {}\n\n",
        output::heading("env file"),
        describe_file(&go_env.user_file)
    ));
    let mut table = vec![vec![
        output::heading("NAME"),
        output::heading("VALUE"),
        output::heading("SOURCE"),
        String::new(),
    ]];
    for s in &go_env.settings {
        let worst = findings
            .iter()
            .filter(|f| f.var.as_deref() == Some(s.name.as_str()))
            .map(|f| f.finding.severity)
            .max();
        let mark = match worst {
            Some(sev) => output::glyph(sev),
            None => " ".to_string(),
        };
        let source = match (&s.source, &s.file, s.derived_from) {
            (Source::File | Source::Goroot, Some(f), _) => {
                format!(
                    "{} {}",
                    s.source.as_str(),
                    output::dim(&f.display().to_string())
                )
            }
            (_, _, Some(from)) => format!("default {}", output::dim(&format!("(from {from})"))),
            _ => s.source.as_str().to_string(),
        };
        let value = if s.value.is_empty() {
            output::dim("(empty)")
        } else {
            crate::redact::value(&s.name, &s.value)
        };
        table.push(vec![format!("{mark} {}", s.name), value, source]);
    }
    text.push_str(&output::table(&table));
    super::write::append_findings(&mut text, &findings, ctx.output.detail);
    output::print_block(&text)?;
    Ok(Outcome::from_problems(problems))
}

/// Without `go`, still show what the environment and the go env file say.
fn show_without_go(ctx: &Context, err: anyhow::Error) -> Result<Outcome> {
    let file_path = goenv_mod::default_user_file(&ctx.env);
    let file = file_path
        .as_deref()
        .map(FileState::read)
        .unwrap_or(FileState::Off);
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for name in goenv_mod::MANAGED {
        let (value, source, fpath, line) = if let Some(v) = ctx.env.get(name) {
            (Some(crate::redact::value(name, v)), "env", None, None)
        } else if let Some((p, e)) = file
            .parsed()
            .and_then(|(p, f)| f.last(name).map(|e| (p, e)))
        {
            (
                Some(crate::redact::value(name, &e.value)),
                "file",
                Some(p.display().to_string()),
                Some(e.line),
            )
        } else {
            (None, "unknown", None, None)
        };
        rows.insert(
            name.to_string(),
            Row {
                value,
                source,
                file: fpath,
                line,
                problems: vec![],
            },
        );
    }
    if ctx.output.json {
        output::print_json(&rows)?;
    } else {
        let mut table = vec![vec![
            output::heading("NAME"),
            output::heading("VALUE"),
            output::heading("SOURCE"),
        ]];
        for name in goenv_mod::MANAGED {
            let r = &rows[*name];
            table.push(vec![
                name.to_string(),
                r.value
                    .clone()
                    .unwrap_or_else(|| output::dim("? (needs go)")),
                r.source.to_string(),
            ]);
        }
        output::print_block(&format!(
            "{} go was not found: only the environment and the go env file can be read\n{} {}\n\n{}",
            output::glyph(Severity::Error),
            output::heading("env file"),
            describe_file(&file),
            output::table(&table)
        ))?;
    }
    output::print_error(&ctx.output, &err);
    Ok(Outcome::Problems)
}

fn describe_file(state: &FileState) -> String {
    match state {
        FileState::Off => "none (GOENV=off)".to_string(),
        FileState::Missing { path } => {
            format!("{} {}", path.display(), output::dim("(not created yet)"))
        }
        FileState::Read { path, .. } => path.display().to_string(),
        FileState::Unreadable { path, error, .. } => {
            format!("{} (unreadable: {error})", path.display())
        }
    }
}

/// Every finding `env` shows: provenance, PATH, and the value grammar.
fn all_findings(go_env: &GoEnv, all_on_path: &[std::path::PathBuf]) -> Vec<SettingFinding> {
    let mut findings = diagnose::provenance_findings(go_env);
    findings.extend(diagnose::path_findings(all_on_path, &go_env.go.path));
    findings
}

fn set(ctx: &Context, assignments: &[String], force: bool) -> Result<Outcome> {
    let changes = assign::parse_assignments(assignments).map_err(refused)?;
    let go_env = load_for_write(ctx)?;
    // A fix that only unsets what this command sets is no fix for the value given: refused, it
    // would remove the value go has now; written, it is the undo `godoctor undo` offers. The
    // finding stays (what the value means), without that fix.
    let set_now: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
    let findings: Vec<SettingFinding> = assign::check(&go_env, &changes)
        .into_iter()
        .map(|mut f| {
            let undoes = f
                .finding
                .hint
                .as_deref()
                .and_then(crate::doctor::envfix::leading_command)
                .is_some_and(|cs| crate::doctor::envfix::only_unsets(&cs, &set_now));
            if undoes {
                f.finding.hint = None;
            }
            f
        })
        .collect();
    if let Some(r) = assign::set_refusal(&findings, force) {
        let mut text = String::new();
        super::write::append_findings(&mut text, &findings, output::Detail::Verbose);
        output::note(text.trim());
        return Err(refused(r));
    }
    let action = format!("env set {}", assignments.join(" "));
    let report = do_write(ctx, &go_env, &changes, &action)?;
    super::write::render(ctx, &report, &findings, "wrote")
}

fn unset(ctx: &Context, names: &[String]) -> Result<Outcome> {
    let changes: Vec<Change> = names
        .iter()
        .map(|n| Change {
            name: n.clone(),
            value: None,
        })
        .collect();
    let go_env = load_for_write(ctx)?;
    let findings = assign::check(&go_env, &changes);
    if let Some(r) = assign::unset_refusal(&findings) {
        let mut text = String::new();
        super::write::append_findings(&mut text, &findings, output::Detail::Verbose);
        output::note(text.trim_end());
        return Err(refused(r));
    }
    let report = do_write(
        ctx,
        &go_env,
        &changes,
        &format!("env unset {}", names.join(" ")),
    )?;
    super::write::render(ctx, &report, &findings, "wrote")
}

fn refused(r: assign::Refusal) -> anyhow::Error {
    crate::hinted(r.message, r.hint)
}

/// The environment for a write: `go env -json`, or, when a bad line of the go env file makes
/// go refuse every command, godoctor's own reading of the file, so that `env unset` can still
/// remove that line (`go env -w/-u` keep working then).
fn load_for_write(ctx: &Context) -> Result<GoEnv> {
    let go = ctx.locate_go()?;
    GoEnv::load_or_degraded(&go, &ctx.env)
        .map(|(go_env, _)| go_env)
        .map_err(|e| {
            crate::hinted(
                e.to_string(),
                "run `go env` yourself to see the problem; a malformed GOFLAGS or a broken Go install is the usual cause",
            )
        })
}

fn do_write(
    ctx: &Context,
    go_env: &GoEnv,
    changes: &[Change],
    action: &str,
) -> Result<WriteReport> {
    let history = ctx.history()?;
    write::write(&go_env.go, &ctx.env, &history, changes, action).map_err(super::write::error)
}
