//! Settings checks: provenance, shadowed `go env -w` values, the go env file, each value's
//! grammar, combinations, unknown variables, and `$GOROOT/go.env`.

use std::cmp::Ordering;

use super::{Check, Fix};
use crate::finding::Finding;
use crate::goenv::diagnose::SettingFinding;
use crate::goenv::{FileState, GoEnv, Source};

/// `settings.sources`: one line per managed value with its source (always ok; the detail is
/// what `-v` shows).
pub fn sources_check(go_env: &GoEnv) -> Check {
    let counts = |src: Source| go_env.settings.iter().filter(|s| s.source == src).count();
    let detail = go_env
        .settings
        .iter()
        .map(|s| {
            let from = match (&s.file, s.derived_from) {
                (Some(f), _) => format!("{} ({})", s.source.as_str(), f.display()),
                (None, Some(d)) => format!("default (from {d})"),
                _ => s.source.as_str().to_string(),
            };
            format!("{}={} [{from}]", s.name, s.value)
        })
        .collect::<Vec<_>>()
        .join("\n");
    Check::ok(
        "settings.sources",
        format!(
            "{} from the environment, {} from the go env file, {} from $GOROOT/go.env, {} defaults",
            counts(Source::Env),
            counts(Source::File),
            counts(Source::Goroot),
            counts(Source::Default)
        ),
    )
    .detail(detail)
}

/// Turn a group of findings into checks under one id: one check per warning or error, or one
/// ok check. Info findings are caveats, not verdicts: they become notes (on the ok check, or on
/// the first problem), so a ✓ always reads as good news.
fn findings_to_checks(id: &'static str, ok_title: &str, findings: &[SettingFinding]) -> Vec<Check> {
    let (infos, problems): (Vec<&SettingFinding>, Vec<&SettingFinding>) = findings
        .iter()
        .partition(|f| f.finding.severity == crate::finding::Severity::Info);
    let mut checks: Vec<Check> = problems.iter().map(|f| finding_check(id, f)).collect();
    if checks.is_empty() {
        checks.push(Check::ok(id, ok_title));
    }
    for f in infos {
        let note = match &f.var {
            Some(v) if !f.finding.message.contains(v.as_str()) => {
                format!("{v}: {}", f.finding.message)
            }
            _ => f.finding.message.clone(),
        };
        checks[0].notes.push(note);
    }
    checks
}

fn finding_check(id: &'static str, f: &SettingFinding) -> Check {
    let (head, rest) = split_first_sentence(&f.finding.message);
    let title = match &f.var {
        Some(v) if !head.contains(v.as_str()) => format!("{v}: {head}"),
        _ => head.to_string(),
    };
    Check::from_finding(id, title, &f.finding).detail(rest.to_string())
}

/// Split a message after its first sentence ("…; " or ". "), for a title and a detail.
fn split_first_sentence(message: &str) -> (&str, &str) {
    for sep in ["; ", ". "] {
        if let Some(i) = message.find(sep).filter(|&i| i > 10) {
            return (
                message[..i].trim_end_matches('.'),
                message[i + sep.len()..].trim(),
            );
        }
    }
    (message.trim_end_matches('.'), "")
}

/// `settings.shadowed` and `settings.envfile` from the provenance findings.
pub fn provenance_checks(go_env: &GoEnv, findings: &[SettingFinding]) -> Vec<Check> {
    let mut checks = shadowed_checks(findings);
    checks.extend(envfile_checks(go_env, findings));
    checks
}

/// `settings.shadowed`: OS variables that hide a `go env -w` value.
pub fn shadowed_checks(findings: &[SettingFinding]) -> Vec<Check> {
    let shadowed: Vec<SettingFinding> = findings
        .iter()
        .filter(|f| f.finding.code == "env.shadowed")
        .cloned()
        .collect();
    findings_to_checks(
        "settings.shadowed",
        "no OS variable hides a go env -w value",
        &shadowed,
    )
}

/// `settings.envfile`: the go env file's empty values, ignored lines, line endings and
/// readability (an empty `NAME=` line gets its safe fix).
pub fn envfile_checks(go_env: &GoEnv, findings: &[SettingFinding]) -> Vec<Check> {
    let envfile: Vec<SettingFinding> = findings
        .iter()
        .filter(|f| f.finding.code.starts_with("env.") && f.finding.code != "env.shadowed")
        .cloned()
        .collect();
    let file_title = match &go_env.user_file {
        FileState::Off => "GOENV=off: go reads no env file".to_string(),
        FileState::Missing { .. } => {
            "no go env file yet (nothing written with go env -w)".to_string()
        }
        FileState::Read { path, .. } => format!("{} reads cleanly", path.display()),
        FileState::Unreadable { path, .. } => format!("{} is unreadable", path.display()),
    };
    let mut file_checks = findings_to_checks("settings.envfile", &file_title, &envfile);
    // An empty NAME= line is safe to fix: unsetting it restores the default.
    if !envfile.is_empty() {
        // Checks are made for warnings and errors only, in order (remarks became notes).
        let problems = envfile
            .iter()
            .filter(|f| f.finding.severity != crate::finding::Severity::Info);
        for (check, f) in file_checks
            .iter_mut()
            .filter(|c| c.is_problem())
            .zip(problems)
        {
            if let (Some(var), "env.empty-in-file") = (&f.var, f.finding.code) {
                check.fix = Some(Fix {
                    description: format!("unset the empty {var}= line"),
                    changes: vec![(var.clone(), None)],
                });
            }
        }
    }
    file_checks
}

/// `settings.values`: every managed value read with go's grammar. Values already explained by
/// an empty line in the go env file are not reported twice.
pub fn values_checks(go_env: &GoEnv) -> Vec<Check> {
    let mut findings = Vec::new();
    // Pattern variables are read under private.patterns.
    // GOPROXY=off and GOSUMDB=off are explained by proxy.chain and sumdb.config.
    let patterns = crate::syntax::patterns::PATTERN_VARS;
    let owned_elsewhere =
        |name: &str, value: &str| matches!((name, value), ("GOPROXY" | "GOSUMDB", "off"));
    for s in go_env.settings.iter().filter(|s| {
        s.empty_in_file.is_none()
            && !patterns.contains(&s.name.as_str())
            && !owned_elsewhere(&s.name, &s.value)
    }) {
        // An empty value of GONOPROXY etc. is go's default, not a choice the user made.
        if s.value.is_empty() && s.source == Source::Default && s.name != "GOPROXY" {
            continue;
        }
        for f in crate::syntax::check_value_for(&s.name, &s.value, go_env.go_minor()) {
            findings.push(SettingFinding {
                var: Some(s.name.clone()),
                finding: f,
            });
        }
    }
    // The pattern variables are read under Private modules: a ✓ here must not claim them
    // when a pattern there never matches.
    let broken: Vec<&str> = go_env
        .settings
        .iter()
        .filter(|s| patterns.contains(&s.name.as_str()) && s.derived_from.is_none())
        .filter(|s| {
            crate::syntax::patterns::check(&s.name, &s.value)
                .iter()
                .any(|f| f.severity == crate::finding::Severity::Error)
        })
        .map(|s| s.name.as_str())
        .collect();
    let ok_title = match broken.as_slice() {
        [] => "every value parses the way you wrote it".to_string(),
        names => format!(
            "every other value parses the way you wrote it ({}: see Private modules)",
            names.join(", ")
        ),
    };
    findings_to_checks("settings.values", &ok_title, &findings)
}

/// `settings.combination`: findings across variables.
pub fn combination_checks(go_env: &GoEnv) -> Vec<Check> {
    let findings: Vec<SettingFinding> = crate::syntax::check_settings(&go_env.values)
        .into_iter()
        .map(|finding| SettingFinding { var: None, finding })
        .collect();
    findings_to_checks(
        "settings.combination",
        "no conflicting or weakening combinations",
        &findings,
    )
}

/// `settings.unknown`: GO* variables go does not know, in the environment or the go env file.
pub fn unknown_checks(go_env: &GoEnv, env: &crate::sys::ProcessEnv) -> Vec<Check> {
    let known = go_env.known_names();
    let mut findings: Vec<SettingFinding> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let file_keys: Vec<String> = match &go_env.user_file {
        FileState::Read { file, .. } => file.entries.iter().map(|e| e.key.clone()).collect(),
        _ => vec![],
    };
    for (name, place) in env
        .iter()
        .map(|(k, _)| (k.to_string(), "your environment"))
        .chain(file_keys.into_iter().map(|k| (k, "the go env file")))
    {
        // Names with blanks come from a malformed go env line, reported by settings.envfile.
        if !name.starts_with("GO")
            || name.contains(char::is_whitespace)
            || known.contains(&name)
            || !seen.insert(name.clone())
        {
            continue;
        }
        if let Some(mut f) = crate::syntax::names::unknown_name(&name, &known) {
            f.message = match f.message.split_once("; ") {
                Some((head, tail)) => format!("{head} (set in {place}); {tail}"),
                None => format!("{} (set in {place})", f.message),
            };
            findings.push(SettingFinding {
                var: Some(name),
                finding: f,
            });
        }
    }
    findings_to_checks(
        "settings.unknown",
        "no misspelt or unknown GO* variables",
        &findings,
    )
}

/// `settings.goroot-env`: Go 1.21+ keeps its defaults in `$GOROOT/go.env`.
pub fn goroot_env_check(go_env: &GoEnv) -> Check {
    let id = "settings.goroot-env";
    let modern = super::toolchain::compare_versions(go_env.version(), "1.21")
        .is_some_and(|o| o != Ordering::Less);
    let goroot = go_env.get("GOROOT");
    // A GOROOT that is not a Go installation (set in the environment, typically left over
    // from another Go) is the cause of go.env missing too, and of far worse: every build.
    if !goroot.is_empty() && !go_env.goroot_has_std {
        return Check::from_finding(
            id,
            format!("GOROOT={goroot} is not a Go installation"),
            &Finding::error(
                "settings.goroot",
                format!(
                    "{goroot} has no src/runtime: go cannot find its standard library, so every build fails (\"package fmt is not in std ({goroot}/src/fmt)\")"
                ),
            )
            .with_hint(
                "unset GOROOT: go finds its own installation from the go binary; remove the line that sets it",
            ),
        );
    }
    match (&go_env.goroot_file, modern) {
        (FileState::Read { path, .. }, _) => Check::ok(id, format!("{} present", path.display())),
        (state, true) => Check::from_finding(
            id,
            "$GOROOT/go.env is missing",
            &Finding::warning(
                "settings.goroot-env",
                format!(
                    "{} has no go.env ({}): go then runs with empty GOPROXY and GOSUMDB defaults, so downloads fail",
                    go_env.get("GOROOT"),
                    state.path().map(|p| p.display().to_string()).unwrap_or_default()
                ),
            )
            .with_hint("reinstall Go from an official archive, or set GOPROXY and GOSUMDB with `godoctor env set`"),
        ),
        (_, false) => Check::ok(id, format!("{} predates $GOROOT/go.env; defaults are built in", go_env.version())),
    }
}
