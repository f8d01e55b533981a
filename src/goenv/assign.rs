//! `env set` and `env unset` before anything is touched: `NAME=VALUE` arguments read, every
//! change checked (a name this go knows, a value its grammar takes, what the write would break
//! on this machine), and the decision to refuse, so `cmd/env.rs` stays glue and a unit test
//! reaches every refusal.

use super::GoEnv;
use super::diagnose::SettingFinding;
use super::write::Change;
use super::writecheck;
use crate::finding::{Finding, Severity};

/// Why nothing is written: what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub hint: String,
}

/// Parse `NAME=VALUE` arguments; refuse malformed ones (and a name given twice) before
/// anything else happens.
pub fn parse_assignments(assignments: &[String]) -> Result<Vec<Change>, Refusal> {
    let mut changes: Vec<Change> = Vec::new();
    for a in assignments {
        let Some((name, value)) = a.split_once('=') else {
            return Err(Refusal {
                message: format!("`{}` is not an assignment", crate::redact::redact(a)),
                hint: format!(
                    "write NAME=VALUE, e.g. GOPROXY=https://proxy.golang.org,direct; to remove a setting use `godoctor env unset {a}`"
                ),
            });
        };
        if changes.iter().any(|c| c.name == name) {
            return Err(Refusal {
                message: format!("{name} is given twice"),
                hint: "give each variable once".to_string(),
            });
        }
        changes.push(Change {
            name: name.to_string(),
            value: Some(value.to_string()),
        });
    }
    Ok(changes)
}

/// Findings that refuse or qualify a write, before anything is touched.
pub fn check(go_env: &GoEnv, changes: &[Change]) -> Vec<SettingFinding> {
    let known = go_env.known_names();
    let facts = writecheck::Facts::gather(
        go_env.version(),
        go_env.get("GOMODCACHE"),
        go_env.get("GOPROXY"),
    );
    let mut out = Vec::new();
    for c in changes {
        let var = Some(c.name.clone());
        let push = |out: &mut Vec<SettingFinding>, f: Finding| {
            out.push(SettingFinding {
                var: var.clone(),
                finding: f,
            })
        };
        if c.name == "GOENV" {
            push(
                &mut out,
                Finding::error(
                    "env.goenv-not-settable",
                    "GOENV can only be set in the OS environment, not with go env -w",
                )
                .with_hint("export GOENV=/path/to/file in your shell profile"),
            );
            continue;
        }
        if !known.contains(&c.name) {
            push(
                &mut out,
                Finding::error("env.unknown-name", format!("{} is not a variable this go ({}) knows", c.name, go_env.version()))
                    .with_hint(match crate::syntax::names::closest(&c.name, known.iter().map(String::as_str)) {
                        Some(meant) => format!("did you mean {meant}? `godoctor env` lists the managed settings"),
                        None => "`godoctor env` lists the managed settings; `go help environment` lists them all".to_string(),
                    }),
            );
            continue;
        }
        let Some(value) = &c.value else { continue };
        if value.contains('\n') || value.contains('\r') || value.contains('\0') {
            push(
                &mut out,
                Finding::error(
                    "env.control-char",
                    format!(
                        "the value of {} contains a newline, carriage return or NUL",
                        c.name
                    ),
                )
                .with_hint("give the value on one line"),
            );
            continue;
        }
        for f in crate::syntax::check_value_for(&c.name, value, go_env.go_minor()) {
            push(&mut out, f);
        }
        // What the write would break on this machine (GOROOT not a Go tree, a toolchain
        // newer than any known release), said before anything is written.
        for f in writecheck::check(&c.name, value, &facts) {
            push(&mut out, f);
        }
        if value.is_empty() {
            push(
                &mut out,
                Finding::error(
                    "env.set-empty",
                    format!("{}= would write an empty value, which hides the default instead of restoring it", c.name),
                )
                .with_hint(format!("godoctor env unset {}", c.name)),
            );
        }
    }
    out
}

/// Whether `env set` writes: an invalid value refuses it unless `--force`, and `--force`
/// never writes a name go does not know, GOENV, or a value with a line break or NUL.
pub fn set_refusal(findings: &[SettingFinding], force: bool) -> Option<Refusal> {
    let errors = findings
        .iter()
        .filter(|f| f.finding.severity == Severity::Error)
        .count();
    let structural = findings.iter().any(|f| {
        f.finding.severity == Severity::Error
            && matches!(
                f.finding.code,
                "env.unknown-name" | "env.goenv-not-settable" | "env.control-char"
            )
    });
    if errors == 0 || (force && !structural) {
        return None;
    }
    Some(Refusal {
        message: format!(
            "refused to write: {}; nothing was changed",
            crate::output::plural(errors, "invalid value", "invalid values")
        ),
        hint: if structural {
            "correct the value and run the command again".to_string()
        } else {
            "correct the value, or pass --force to write it anyway".to_string()
        },
    })
}

/// Whether `env unset` writes: any error (a name go does not know, GOENV) refuses it.
pub fn unset_refusal(findings: &[SettingFinding]) -> Option<Refusal> {
    findings
        .iter()
        .any(|f| f.finding.severity == Severity::Error)
        .then(|| Refusal {
            message: "refused to unset: nothing was changed".to_string(),
            hint: "check the variable names".to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &'static str, severity: Severity) -> SettingFinding {
        let mut f = Finding::error(code, "x");
        f.severity = severity;
        SettingFinding {
            var: Some("GOPROXY".into()),
            finding: f,
        }
    }

    #[test]
    fn assignments_are_name_equals_value_each_name_once() {
        let ok = parse_assignments(&["GOPROXY=https://a.example,direct".into(), "GOFLAGS=".into()])
            .expect("two assignments");
        assert_eq!(ok[1].value.as_deref(), Some(""));
        let not = parse_assignments(&["GOPROXY".into()]).expect_err("no =");
        assert!(not.hint.contains("godoctor env unset GOPROXY"), "{not:?}");
        let twice = parse_assignments(&["A=1".into(), "A=2".into()]).expect_err("twice");
        assert_eq!(twice.message, "A is given twice");
    }

    #[test]
    fn force_writes_a_bad_value_but_never_a_structural_error() {
        let bad = [finding("goproxy.bad", Severity::Error)];
        assert!(set_refusal(&bad, false).is_some());
        assert_eq!(set_refusal(&bad, true), None);
        let unknown = [finding("env.unknown-name", Severity::Error)];
        let r = set_refusal(&unknown, true).expect("never forced");
        assert!(r.hint.contains("run the command again"), "{r:?}");
        let warn = [finding("goproxy.slow", Severity::Warn)];
        assert_eq!(set_refusal(&warn, false), None);
        assert!(unset_refusal(&unknown).is_some());
        assert_eq!(unset_refusal(&warn), None);
    }
}
