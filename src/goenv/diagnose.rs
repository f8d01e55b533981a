//! Findings about where settings come from: OS variables that hide `go env -w` values, empty
//! values in the go env file, lines go ignores, several `go` binaries on PATH. Pure: facts in,
//! findings out.

use std::path::PathBuf;

use serde::Serialize;

use super::{FileState, GoEnv};
use crate::finding::Finding;

/// A finding, tied to the variable it is about (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingFinding {
    pub var: Option<String>,
    #[serde(flatten)]
    pub finding: Finding,
}

/// Provenance findings for the managed settings and the env file.
pub fn provenance_findings(go_env: &GoEnv) -> Vec<SettingFinding> {
    let mut out = Vec::new();
    let file_name = go_env
        .user_file_path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    for s in &go_env.settings {
        let var = Some(s.name.clone());
        if let Some(hidden) = &s.shadowed_file_value {
            out.push(SettingFinding {
                var: var.clone(),
                finding: Finding::warning(
                    "env.shadowed",
                    format!(
                        "{name} is set in your environment to {value}, which overrides {name}={hidden} \
                         in {file_name}: `go env -w {name}=…` will not take effect while the variable is set",
                        name = s.name,
                        value = s.value,
                    ),
                )
                .with_hint(format!(
                    "run `unset {0}` and remove the line that exports {0} from your shell profile (or CI settings)",
                    s.name
                )),
            });
        }
        if let Some(line) = s.empty_in_file {
            let (finding, consequence) = match s.name.as_str() {
                "GOPROXY" => (
                    Finding::error as fn(&'static str, String) -> Finding,
                    "go then has an empty GOPROXY and every download fails with \"GOPROXY list is not \
                     the empty string, but contains no entries\"",
                ),
                "GOSUMDB" | "GOTOOLCHAIN" => (
                    Finding::warning as fn(&'static str, String) -> Finding,
                    "go then ignores the value in $GOROOT/go.env and uses its built-in default",
                ),
                _ => (
                    Finding::info as fn(&'static str, String) -> Finding,
                    "go then uses its built-in default",
                ),
            };
            out.push(SettingFinding {
                var: var.clone(),
                finding: finding(
                    "env.empty-in-file",
                    format!("{file_name}:{line} sets {}= (empty); {consequence}", s.name),
                )
                .with_hint(format!("godoctor env unset {}", s.name)),
            });
        }
    }
    if let FileState::Read { path, file } = &go_env.user_file {
        for (line, text) in &file.ignored {
            out.push(SettingFinding {
                var: None,
                finding: Finding::warning(
                    "env.file-line-ignored",
                    format!(
                        "{}:{line}: go ignores this line ({}): lines must look like NAME=VALUE",
                        path.display(),
                        text.trim()
                    ),
                )
                .with_hint("write settings with `godoctor env set NAME=VALUE` (or `go env -w`) instead of editing the file"),
            });
        }
        for e in &file.entries {
            if e.key.contains(' ') || e.key.contains('\t') {
                out.push(SettingFinding {
                    var: None,
                    finding: Finding::warning(
                        "env.file-key-space",
                        format!(
                            "{}:{}: the name {:?} has a space; go reads it as a different variable and ignores it",
                            path.display(),
                            e.line,
                            e.key
                        ),
                    )
                    .with_hint("remove the spaces around '='"),
                });
            }
            if e.value.ends_with('\r') {
                out.push(SettingFinding {
                    var: Some(e.key.clone()),
                    finding: Finding::error(
                        "env.file-crlf",
                        format!(
                            "{}:{}: the value of {} ends with a carriage return (Windows line ending); \
                             go keeps it as part of the value",
                            path.display(),
                            e.line,
                            e.key
                        ),
                    )
                    .with_hint(format!("godoctor env set {}=<value> rewrites the line", e.key)),
                });
            }
        }
        for dup in file.duplicates() {
            out.push(SettingFinding {
                var: Some(dup.to_string()),
                finding: Finding::info(
                    "env.file-duplicate",
                    format!(
                        "{} appears more than once in {}; go uses the last one",
                        dup,
                        path.display()
                    ),
                ),
            });
        }
    }
    if let FileState::Unreadable {
        path,
        error,
        directory,
    } = &go_env.user_file
    {
        let shown = path.display();
        // A directory: no chmod helps. Moved aside, the next `go env -w` creates the file.
        // (When GOENV names it, `check` turns this into the edit of the line setting GOENV.)
        let (message, hint) = if *directory {
            (
                format!(
                    "go's env file {shown} is a directory: go reads no settings from it and `go env -w` fails"
                ),
                format!(
                    "move it aside (mv {shown} {shown}.old) so `go env -w` can create the file"
                ),
            )
        } else {
            (
                format!("go cannot read its env file {shown} ({error}) and silently ignores it"),
                format!("fix the file's permissions: chmod u+rw {shown}"),
            )
        };
        out.push(SettingFinding {
            var: None,
            finding: Finding::error("env.file-unreadable", message).with_hint(hint),
        });
    }
    out
}

/// A warning when more than one `go` is on PATH: the first one shadows the rest.
pub fn path_findings(all_on_path: &[PathBuf], used: &std::path::Path) -> Vec<SettingFinding> {
    if all_on_path.len() < 2 {
        return vec![];
    }
    let list = all_on_path
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    vec![SettingFinding {
        var: None,
        finding: Finding::info(
            "go.several-on-path",
            format!(
                "{} go binaries are on PATH ({list}); a shell runs the first one, godoctor uses {}",
                all_on_path.len(),
                used.display()
            ),
        )
        .with_hint("remove the ones you do not use from PATH, or put the one you want first"),
    }]
}
