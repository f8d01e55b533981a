//! The human rendering of a [`Report`] (the JSON rendering is its `Serialize`): sections with
//! ✓ ! ✗ marks, details wrapped to 80 columns, the top fixes, and a closing summary.

use super::{Report, Section, Status};
use crate::output::{self, Status as Mark};

const WIDTH: usize = 80;

fn mark(status: Status) -> String {
    output::glyph(match status {
        Status::Ok => Mark::Ok,
        Status::Skip => Mark::Skip,
        Status::Warn => Mark::Warn,
        Status::Error => Mark::Error,
    })
}

/// Render the report as text. `verbose` shows details of passing checks; `quiet` shows only
/// warnings and errors.
pub fn text(report: &Report, verbose: bool, quiet: bool) -> String {
    let mut out = String::new();
    if !quiet {
        let go = match (&report.go.version, &report.go.path) {
            (Some(v), Some(p)) => format!("{v} ({p})"),
            _ => "go not found".to_string(),
        };
        out.push_str(&format!("{} {}\n", output::heading("godoctor check:"), go));
    }
    let mut current: Option<Section> = None;
    for c in &report.checks {
        let interesting = matches!(c.status, Status::Warn | Status::Error);
        if quiet && !interesting {
            continue;
        }
        if current != Some(c.section) {
            out.push('\n');
            out.push_str(&output::heading(c.section.title()));
            out.push('\n');
            current = Some(c.section);
        }
        let timing = if verbose && c.duration_ms > 0 {
            format!(" {}", output::dim(&format!("({} ms)", c.duration_ms)))
        } else {
            String::new()
        };
        let title = output::wrap(&c.title, WIDTH, "    ");
        out.push_str(&format!(
            "  {} {}{timing}\n",
            mark(c.status),
            title.trim_start().trim_end()
        ));
        if (interesting || verbose) && !c.detail.is_empty() {
            out.push_str(&output::dim(
                output::wrap(&c.detail, WIDTH, "    ").trim_end(),
            ));
            out.push('\n');
        }
        if interesting && let Some(h) = &c.hint {
            out.push_str(&output::wrap(&format!("fix: {h}"), WIDTH, "    "));
        }
    }
    let fixes: Vec<(&Status, &str)> = {
        let mut v: Vec<(&Status, &str)> = report
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Warn | Status::Error))
            .filter_map(|c| c.hint.as_deref().map(|h| (&c.status, h)))
            .collect();
        v.sort_by(|a, b| b.0.cmp(a.0));
        let mut seen = std::collections::BTreeSet::new();
        v.retain(|(_, h)| seen.insert(*h));
        v
    };
    if !fixes.is_empty() {
        out.push('\n');
        out.push_str(&output::heading("Fix first"));
        out.push('\n');
        for (i, (status, hint)) in fixes.iter().take(5).enumerate() {
            let line = output::wrap(&format!("{}. {hint}", i + 1), WIDTH, "    ");
            out.push_str(&format!(
                "  {} {}\n",
                mark(**status),
                line.trim_start().trim_end()
            ));
        }
    }
    out.push('\n');
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

/// "2 warnings, 1 error (14 ok, 3 skipped)".
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let head = if s.errors == 0 && s.warnings == 0 {
        output::paint("no problems found", Mark::Ok)
    } else {
        let w = plural(s.warnings, "warning", "warnings");
        let e = plural(s.errors, "error", "errors");
        let w = if s.warnings > 0 {
            output::paint(&w, Mark::Warn)
        } else {
            w
        };
        let e = if s.errors > 0 {
            output::paint(&e, Mark::Error)
        } else {
            e
        };
        format!("{w}, {e}")
    };
    let tail = if s.skipped > 0 {
        format!(" ({} ok, {} skipped)", s.ok, s.skipped)
    } else {
        format!(" ({} ok)", s.ok)
    };
    format!("{head}{}", output::dim(&tail))
}
