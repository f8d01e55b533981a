//! The report where CI shows it: markdown for `$GITHUB_STEP_SUMMARY` and GitLab job summaries,
//! and GitHub Actions workflow commands (`::error title=…::…`) that annotate the run. Both
//! lay out what [`Report`] decided (problems per cause, section lines, fixes); nothing is
//! computed here.

use super::{Check, Report, Severity};

fn mark(status: Severity) -> &'static str {
    match status {
        // A check's remark is a pass (`Check::new`); the arm is here for the type's sake.
        Severity::Ok | Severity::Info => "✓",
        Severity::Skip => "–",
        Severity::Warn => "⚠️",
        Severity::Error => "❌",
    }
}

/// Text made inert for markdown: no HTML (`<value>` would vanish), no table breaks, one line.
fn md(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// The report as GitHub-flavoured markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.problems == 0 {
        "✓ no problems found".to_string()
    } else {
        let worst = report
            .checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Severity::Ok);
        format!("{} {}", mark(worst), md(&report.headline))
    };
    out.push_str(&format!("## godoctor check: {verdict}\n\n"));
    if let (Some(v), Some(p)) = (&report.go.version, &report.go.path) {
        out.push_str(&format!("{} (`{}`)\n\n", md(v), p.replace('`', "'")));
    }
    out.push_str("| | Section | Verdict |\n|---|---|---|\n");
    for s in &report.sections {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            mark(s.status),
            s.title,
            md(&s.line)
        ));
    }
    for s in report.sections.iter().filter(|s| s.problems > 0) {
        out.push_str(&format!("\n### {}\n\n", s.title));
        for c in report.section_checks(s.section).filter(|c| c.is_problem()) {
            out.push_str(&format!(
                "- {} **{}** (`{}`)",
                mark(c.status),
                md(&c.title),
                c.id
            ));
            match c.same_cause_as {
                Some(first) => out.push_str(&format!(": same cause as `{first}`")),
                None if !c.detail.is_empty() && c.detail != c.title => {
                    out.push_str(&format!(": {}", md(&c.detail)))
                }
                None => {}
            }
            out.push('\n');
        }
    }
    if !report.fixes.is_empty() {
        out.push_str("\n### Fix first\n\n");
        for (i, f) in report.fixes.iter().enumerate() {
            let ids: Vec<String> = f.resolves.iter().map(|id| format!("`{id}`")).collect();
            out.push_str(&format!(
                "{}. {} {} (resolves {})\n",
                i + 1,
                mark(f.status),
                md(&f.hint),
                ids.join(", ")
            ));
        }
    }
    let s = &report.summary;
    out.push_str(&format!(
        "\n{} ok, {}, {}, {} skipped\n",
        s.ok,
        crate::output::plural(s.warnings, "warning", "warnings"),
        crate::output::plural(s.errors, "error", "errors"),
        s.skipped
    ));
    out
}

/// Escape the message part of a workflow command (GitHub's `escapeData`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value of a workflow command (GitHub's `escapeProperty`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(c: &Check, fix: Option<&str>) -> String {
    let level = if c.status == Severity::Error {
        "error"
    } else {
        "warning"
    };
    let mut message = c.title.clone();
    if !c.detail.is_empty() && c.detail != c.title {
        message.push_str(&format!("\n{}", c.detail));
    }
    if let Some(fix) = fix {
        message.push_str(&format!("\nfix: {fix}"));
    }
    format!(
        "::{level} title={}::{}\n",
        escape_property(&format!("godoctor {}", c.id)),
        escape_data(&message)
    )
}

/// One GitHub Actions annotation per problem (one per cause), with its fix.
pub fn github_annotations(report: &Report) -> String {
    report
        .checks
        .iter()
        .filter(|c| c.is_problem() && c.same_cause_as.is_none())
        .map(|c| {
            let fix = report.fix_of(c).map(|(_, f)| f.hint.as_str());
            annotation(c, fix)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::GoInfo;

    fn report() -> Report {
        Report::new(
            GoInfo {
                path: Some("/go/bin/go".into()),
                version: Some("go1.26.0".into()),
                goroot: None,
            },
            vec![
                Check::ok("toolchain.go", "go1.26.0 at /go/bin/go"),
                Check::new(
                    "proxy.chain",
                    Severity::Error,
                    "GOPROXY=a|b: 50% fail, badly",
                )
                .detail("line one\nline two")
                .hint("godoctor env set GOPRIVATE=<host>"),
                Check::new("proxy.reach", Severity::Error, "again")
                    .hint("godoctor env set GOPRIVATE=<host>"),
            ],
        )
    }

    #[test]
    fn markdown_has_a_verdict_table_problems_and_fixes_with_html_escaped() {
        let m = markdown(&report());
        assert!(m.starts_with("## godoctor check: ❌ 1 problem: "), "{m}");
        assert!(
            m.contains("| ✓ | Toolchain | go1.26.0 at /go/bin/go |"),
            "{m}"
        );
        assert!(m.contains("GOPROXY=a\\|b"), "{m}");
        assert!(m.contains("GOPRIVATE=&lt;host&gt;"), "{m}");
        assert!(m.contains("same cause as `proxy.chain`"), "{m}");
        assert!(m.contains("(resolves `proxy.chain`, `proxy.reach`)"), "{m}");
    }

    #[test]
    fn annotations_are_one_per_cause_and_escaped() {
        let a = github_annotations(&report());
        assert_eq!(a.lines().count(), 1, "{a}");
        assert!(
            a.starts_with("::error title=godoctor proxy.chain::GOPROXY=a|b: 50%25 fail, badly%0Aline one%0Aline two%0Afix: godoctor env set GOPRIVATE=<host>"),
            "{a}"
        );
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
