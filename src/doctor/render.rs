//! The human rendering of a [`Report`] (the JSON rendering is its `Serialize`): problems first
//! (the headline, failing sections expanded), healthy sections one line each, the fixes once
//! each with what they resolve, and a closing count. Nothing is decided here that the report
//! did not decide: this only lays out text at a width.

use super::{Check, Report, SectionSummary, Severity};
use crate::output;

/// How to lay the report out.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Every check of every section, with details and timings.
    pub verbose: bool,
    /// Problems only: no header, no healthy sections, no closing count.
    pub quiet: bool,
    /// Columns to wrap at.
    pub width: usize,
}

/// Render the report as text at the terminal's width (80 when stdout is not a terminal).
pub fn text(report: &Report, detail: output::Detail) -> String {
    text_at(
        report,
        Layout {
            verbose: detail.verbose(),
            quiet: detail.quiet(),
            width: output::term_width(),
        },
    )
}

/// Render the report as text with an explicit layout.
pub fn text_at(report: &Report, layout: Layout) -> String {
    let width = layout.width;
    let mut blocks: Vec<String> = Vec::new();
    if !layout.quiet {
        let go = match (&report.go.version, &report.go.path) {
            (Some(v), Some(p)) => format!("{v} ({p})"),
            // Found, but it refuses to say its version (a bad line in its env file).
            (None, Some(p)) => p.clone(),
            _ => "go not found".to_string(),
        };
        let head_line = format!("{} {go}", output::heading("godoctor check:"));
        let mut head = output::wrap(&head_line, width, "");
        if report.problems > 0 {
            let worst = report
                .checks
                .iter()
                .map(|c| c.status)
                .max()
                .unwrap_or(Severity::Ok);
            head.push_str(&hanging(
                &output::glyph(worst),
                &report.headline,
                width,
                "  ",
            ));
        }
        blocks.push(head);
    }
    // Failing sections first, expanded (every section when verbose).
    for s in &report.sections {
        if layout.verbose || s.problems > 0 {
            blocks.push(expanded(report, s, layout));
        }
    }
    if !layout.verbose && !layout.quiet {
        let healthy: Vec<&SectionSummary> =
            report.sections.iter().filter(|s| s.problems == 0).collect();
        if !healthy.is_empty() {
            blocks.push(collapsed(&healthy, width));
        }
    }
    if !report.fixes.is_empty() {
        blocks.push(fixes(report, width));
    }
    if !layout.quiet {
        blocks.push(format!("{}\n", summary_line(report)));
    }
    blocks.join("\n")
}

/// `mark text`, wrapped with continuation lines under the text.
fn hanging(mark: &str, text: &str, width: usize, indent: &str) -> String {
    let lead = format!("{indent}{mark} ");
    let cont = " ".repeat(output::visible_width(&lead));
    let body = output::wrap(text, width, &cont);
    format!("{lead}{}", body.trim_start())
}

/// A section with its checks: problems (told once per cause) and notes; every check when
/// verbose.
fn expanded(report: &Report, s: &SectionSummary, layout: Layout) -> String {
    let width = layout.width;
    let mut out = format!("{}\n", output::heading(s.title));
    for c in report.section_checks(s.section) {
        if !layout.verbose && !c.is_problem() && c.notes.is_empty() {
            continue;
        }
        // One cause, told once: a later finding of the same cause is a reference to the first
        // (its own words, which repeat the cause, are for -v and JSON).
        if let (Some(first), false) = (c.same_cause_as, layout.verbose) {
            let said = if first == c.id {
                format!("{}: same cause as above", c.id)
            } else {
                format!("{}: same cause as {first} above", c.id)
            };
            out.push_str(
                hanging(&output::glyph(c.status), &output::dim(&said), width, "  ").trim_end(),
            );
            out.push('\n');
            continue;
        }
        let timing = if layout.verbose && c.duration_ms > 0 {
            format!(" {}", output::dim(&format!("({} ms)", c.duration_ms)))
        } else {
            String::new()
        };
        out.push_str(hanging(&output::glyph(c.status), &c.title, width, "  ").trim_end());
        out.push_str(&timing);
        out.push('\n');
        out.push_str(&check_body(report, c, layout));
    }
    out
}

/// The detail, notes and fix under a check's title.
fn check_body(report: &Report, c: &Check, layout: Layout) -> String {
    let width = layout.width;
    let mut out = String::new();
    let detail = |out: &mut String| {
        if !c.detail.is_empty() && c.detail != c.title {
            out.push_str(&output::dim(
                output::wrap(&c.detail, width, "    ").trim_end(),
            ));
            out.push('\n');
        }
    };
    if c.is_problem() {
        match c.same_cause_as {
            Some(first) => {
                if layout.verbose {
                    detail(&mut out);
                }
                let said = if first == c.id {
                    "same cause as above".to_string()
                } else {
                    format!("same cause as {first} above")
                };
                out.push_str(&output::dim(output::wrap(&said, width, "    ").trim_end()));
                out.push('\n');
            }
            None => {
                detail(&mut out);
                // The fix itself is told once, in "Fix first"; point at it by number.
                let numbered = report.fix_of(c).map(|(i, _)| i);
                match (numbered, &c.hint) {
                    (Some(i), _) => {
                        out.push_str(&format!("    fix: {} below\n", i + 1));
                    }
                    (None, Some(h)) => {
                        out.push_str(&output::wrap(&format!("fix: {h}"), width, "    "));
                    }
                    (None, None) => {}
                }
            }
        }
    } else if layout.verbose {
        detail(&mut out);
    }
    for n in &c.notes {
        out.push_str(&hanging(&output::glyph(Severity::Info), n, width, "    "));
    }
    out
}

/// Healthy sections, one line each: mark, name, the figures that matter (and how many notes
/// `-v` shows).
fn collapsed(healthy: &[&SectionSummary], width: usize) -> String {
    let name_width = healthy
        .iter()
        .map(|s| output::visible_width(s.title))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for s in healthy {
        let lead = format!(
            "{} {}{}  ",
            output::glyph(s.status),
            output::heading(s.title),
            " ".repeat(name_width - output::visible_width(s.title))
        );
        let lead_width = output::visible_width(&lead);
        // A narrow terminal gets the figures on their own lines rather than a thin column.
        let cont = if width >= lead_width + 30 {
            " ".repeat(lead_width)
        } else {
            "    ".to_string()
        };
        let body = output::wrap(&s.line, width, &cont);
        if cont.len() == lead_width {
            out.push_str(&lead);
            out.push_str(body.trim_start());
        } else {
            out.push_str(lead.trim_end());
            out.push('\n');
            out.push_str(&body);
        }
    }
    out
}

/// "Fix first": each fix once, what it resolves, worst first.
fn fixes(report: &Report, width: usize) -> String {
    let mut out = format!("{}\n", output::heading("Fix first"));
    for (i, fix) in report.fixes.iter().enumerate() {
        let lead = format!("  {} {}. ", output::glyph(fix.status), i + 1);
        let cont = " ".repeat(output::visible_width(&lead));
        out.push_str(&lead);
        out.push_str(output::wrap(&fix.hint, width, &cont).trim_start());
        let mut resolves = format!("resolves {}", fix.resolves.join(", "));
        if fix.applies_with_fix {
            resolves.push_str(" (check --fix applies it)");
        }
        out.push_str(&output::dim(
            output::wrap(&resolves, width, &cont).trim_end(),
        ));
        out.push('\n');
    }
    out
}

/// "2 warnings, 1 error (14 ok, 3 skipped)".
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let head = if s.errors == 0 && s.warnings == 0 {
        output::paint("no problems found", Severity::Ok)
    } else {
        let w = plural(s.warnings, "warning", "warnings");
        let e = plural(s.errors, "error", "errors");
        let w = if s.warnings > 0 {
            output::paint(&w, Severity::Warn)
        } else {
            w
        };
        let e = if s.errors > 0 {
            output::paint(&e, Severity::Error)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::{Fix, GoInfo, Section};

    fn go() -> GoInfo {
        GoInfo {
            path: Some("/usr/local/go/bin/go".into()),
            version: Some("go1.26.0".into()),
            goroot: Some("/usr/local/go".into()),
        }
    }

    fn layout() -> Layout {
        Layout {
            verbose: false,
            quiet: false,
            width: 80,
        }
    }

    fn healthy() -> Vec<Check> {
        vec![
            Check::ok("toolchain.go", "go1.26.0 at /usr/local/go/bin/go"),
            Check::ok("toolchain.path", "one go on PATH"),
            Check::ok("settings.values", "every value parses the way you wrote it"),
            Check::ok("settings.sources", "4 from the environment"),
            Check::ok("proxy.chain", "public modules come from http://127.0.0.1:1"),
            Check::ok("proxy.reach", "http://127.0.0.1:1 answers in 3 ms"),
            Check::ok("sumdb.reach", "sum.test verified"),
            Check::ok(
                "cache.modcache",
                "/c: 1.0 MiB on disk, 2 modules, 3 versions",
            ),
        ]
    }

    #[test]
    fn healthy_sections_are_one_line_each_with_their_figures() {
        let r = Report::new(go(), healthy());
        let t = text_at(&r, layout());
        assert_eq!(t.lines().count(), 1 + 1 + 5 + 1 + 1, "{t}");
        assert!(
            t.contains("Toolchain          go1.26.0 at /usr/local/go/bin/go"),
            "{t}"
        );
        assert!(
            t.contains("Module proxy       http://127.0.0.1:1 answers in 3 ms"),
            "{t}"
        );
        assert!(t.contains("Checksum database  sum.test verified"), "{t}");
        assert!(!t.contains("one go on PATH"), "{t}");
        let v = text_at(
            &r,
            Layout {
                verbose: true,
                ..layout()
            },
        );
        assert!(v.contains("one go on PATH"), "{v}");
    }

    #[test]
    fn one_cause_is_told_once_and_its_fix_lists_what_it_resolves() {
        let hint = "is your proxy running? (`godoctor port 9` shows who holds a port)";
        let mut checks = healthy();
        checks.retain(|c| c.section != Section::Proxy);
        checks.push(
            Check::new("proxy.chain", Severity::Error, "downloads fail")
                .detail("nothing is listening on 127.0.0.1:9")
                .hint(hint),
        );
        checks.push(
            Check::new(
                "proxy.reach",
                Severity::Error,
                "http://127.0.0.1:9: nothing listens",
            )
            .detail("nothing is listening on 127.0.0.1:9")
            .hint(hint),
        );
        checks.push(
            Check::new("ports.local", Severity::Error, "nothing is listening at :9")
                .detail("nothing is listening on 127.0.0.1:9")
                .hint(hint),
        );
        checks.push(
            Check::new("sumdb.config", Severity::Warn, "GOSUMDB=off")
                .hint("godoctor env unset GOSUMDB (or GOSUMDB=sum.golang.google.cn)")
                .with_fix(Fix {
                    description: "unset GOSUMDB".into(),
                    changes: vec![("GOSUMDB".into(), None)],
                }),
        );
        checks.push(
            Check::new("settings.envfile", Severity::Warn, "empty GOSUMDB= line")
                .hint("godoctor env unset GOSUMDB"),
        );
        let r = Report::new(go(), checks);
        assert_eq!(r.problems, 3, "{:#?}", r.fixes);
        assert_eq!(r.fixes.len(), 2, "{:#?}", r.fixes);
        assert_eq!(
            r.fixes[0].resolves,
            vec!["proxy.chain", "proxy.reach", "ports.local"]
        );
        assert_eq!(
            r.fixes[1].resolves,
            vec!["settings.envfile", "sumdb.config"]
        );
        let t = text_at(&r, layout());
        assert_eq!(
            t.matches("nothing is listening on 127.0.0.1:9").count(),
            1,
            "{t}"
        );
        assert_eq!(
            t.matches("godoctor port 9").count(),
            1,
            "told once, in Fix first: {t}"
        );
        assert!(t.contains("fix: 1 below"), "{t}");
        assert!(
            t.lines().nth(1).is_some_and(|l| l.contains("3 problems: ")),
            "{t}"
        );
        // Problems first: the failing section comes before the collapsed healthy ones.
        let proxy = t.find("Module proxy\n").expect("proxy section");
        let toolchain = t.find("Toolchain ").expect("toolchain line");
        assert!(proxy < toolchain, "{t}");
    }

    #[test]
    fn each_check_points_at_its_own_fix_when_one_id_has_several() {
        let checks = ["git.corp.example", "gitlab.internal"]
            .iter()
            .map(|h| {
                Check::new(
                    "private.auth",
                    Severity::Warn,
                    format!("{h} needs credentials"),
                )
                .hint(format!(
                    "add a line `machine {h} login U password T` to ~/.netrc"
                ))
            })
            .collect();
        let r = Report::new(go(), checks);
        assert_eq!(r.fixes.len(), 2, "{:#?}", r.fixes);
        let t = text_at(&r, layout());
        let first = t.find("fix: 1 below").expect("fix 1");
        let second = t.find("fix: 2 below").expect("fix 2 was pointed at as 1");
        assert!(first < second, "{t}");
    }

    #[test]
    fn quiet_is_problems_only_without_a_leading_blank_line() {
        let mut checks = healthy();
        checks
            .push(Check::new("cache.space", Severity::Warn, "1 GiB free").hint("free some space"));
        let r = Report::new(go(), checks);
        let q = text_at(
            &r,
            Layout {
                quiet: true,
                ..layout()
            },
        );
        assert!(q.starts_with("Module cache\n"), "{q:?}");
        assert!(!q.contains("Toolchain"), "{q}");
        let none = Report::new(go(), healthy());
        assert_eq!(
            text_at(
                &none,
                Layout {
                    quiet: true,
                    ..layout()
                }
            ),
            ""
        );
    }

    #[test]
    fn lines_fit_the_width_in_display_columns() {
        let mut checks = healthy();
        checks.push(
            Check::new(
                "proxy.chain",
                Severity::Error,
                "代理不可用：没有任何程序在这个端口上监听，请先启动代理或者更换镜像地址再试一次",
            )
            .hint("godoctor setup 可以帮助你选择一个在中国大陆可以访问的模块代理并且写入设置"),
        );
        let r = Report::new(go(), checks);
        for width in [40, 60, 100] {
            let t = text_at(&r, Layout { width, ..layout() });
            for line in t.lines() {
                assert!(output::visible_width(line) <= width, "{width}: {line:?}");
            }
        }
    }
}
