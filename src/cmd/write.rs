//! How a write of go's settings is reported, the same for every command that writes
//! (`env set`/`unset`, `undo`, `profile apply`, `setup`): one JSON shape, one text (what changed,
//! how to undo it, which OS variable keeps hiding a value), and write errors with their
//! `help:` line. Commands share this module instead of calling into each other.

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::Outcome;
use crate::finding::{Finding, Severity};
use crate::goenv::diagnose::SettingFinding;
use crate::goenv::write::{WriteError, WriteReport};
use crate::output;

/// Turn a write error into an error with a `help:` line.
pub fn error(e: WriteError) -> anyhow::Error {
    match e.hint() {
        Some(h) => crate::hinted(e.to_string(), h),
        None => anyhow::Error::new(e),
    }
}

#[derive(Serialize)]
struct WriteJson<'a> {
    goenv: String,
    snapshot: Option<&'a str>,
    changed: &'a [crate::goenv::history::Entry],
    shadowed: Vec<ShadowJson<'a>>,
    warnings: Vec<&'a Finding>,
}

#[derive(Serialize)]
struct ShadowJson<'a> {
    name: &'a str,
    os_value: &'a str,
}

/// Show what a write or undo changed, and what keeps it from taking effect.
pub fn render(
    ctx: &Context,
    report: &WriteReport,
    findings: &[SettingFinding],
    verb: &str,
) -> Result<Outcome> {
    if ctx.output.json {
        output::print_json(&WriteJson {
            goenv: report.goenv.display().to_string(),
            snapshot: report.snapshot.as_ref().map(|s| s.id.as_str()),
            changed: &report.changed,
            shadowed: report
                .shadowed
                .iter()
                .map(|s| ShadowJson {
                    name: &s.name,
                    os_value: &s.os_value,
                })
                .collect(),
            warnings: findings.iter().map(|f| &f.finding).collect(),
        })?;
        return Ok(Outcome::Clean);
    }
    let mut text = String::new();
    if report.changed.is_empty() {
        text.push_str(&format!(
            "{} nothing to change: {} already says so\n",
            output::glyph(Severity::Ok),
            report.goenv.display()
        ));
    } else {
        text.push_str(&format!(
            "{} {verb} {}\n",
            output::glyph(Severity::Ok),
            report.goenv.display()
        ));
        for e in &report.changed {
            text.push_str(&format!(
                "  {}: {} → {}\n",
                e.name,
                e.before.as_deref().map_or_else(
                    || output::dim("(unset)"),
                    |v| crate::redact::value(&e.name, v)
                ),
                e.after.as_deref().map_or_else(
                    || output::dim("(unset)"),
                    |v| crate::redact::value(&e.name, v)
                ),
            ));
        }
    }
    if report.snapshot.is_some() {
        text.push_str(&format!("  {}\n", output::dim("undo with: godoctor undo")));
    }
    for s in &report.shadowed {
        let effective = report.after.get(&s.name);
        text.push_str(&format!(
            "{} {name} is set in your environment ({name}={os}), so go keeps using {effective}\n  {} unset {name}, and remove the line that exports it from your shell profile\n",
            output::glyph(Severity::Warn),
            output::dim("fix:"),
            name = s.name,
            os = crate::redact::value(&s.name, &s.os_value),
        ));
    }
    // Notes too (what the values written mean, e.g. what a profile sets GOPROXY=off for),
    // unless -q: they are what the user just chose.
    let detail = if ctx.output.detail.quiet() {
        output::Detail::Normal
    } else {
        output::Detail::Verbose
    };
    append_findings(&mut text, findings, detail);
    output::print_block(&text)?;
    Ok(Outcome::Clean)
}

/// Findings as `glyph message` lines with their `fix:`, after a blank line (infos only when
/// `verbose`).
pub fn append_findings(text: &mut String, findings: &[SettingFinding], detail: output::Detail) {
    let lines = output::findings(findings.iter().map(|f| &f.finding), detail);
    if !lines.is_empty() {
        text.push('\n');
        text.push_str(&lines);
    }
}
