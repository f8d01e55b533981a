//! Fixes for values that come from the process environment. `go env -w`/`-u` (and so every
//! `godoctor env set/unset`) cannot change a value an OS variable sets: the fix is the shell
//! line that exports it, named by file and line, with the edit to make. This rewrites the
//! hints of checks whose fix would otherwise do nothing.

use std::path::PathBuf;

use super::Check;
use crate::goenv::{GoEnv, Source};
use crate::shellrc::{Dialect, ShellLine};

/// Facts about the user's shell files: which lines set which variables.
#[derive(Debug, Clone, Default)]
pub struct EnvOrigins {
    pub home: Option<PathBuf>,
    /// (variable, a line that sets it), in the order shells read the files.
    pub lines: Vec<(String, ShellLine)>,
}

/// What a fix wants done to one variable: set to a value, or unset.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    name: String,
    value: Option<String>,
}

/// Whether `changes` (a fix's, see [`fix_changes`] and [`leading_command`]) only unset
/// variables among `names`: the fix is the undo of those values, not a repair.
pub fn only_unsets<S: AsRef<str>>(changes: &[(String, Option<String>)], names: &[S]) -> bool {
    !changes.is_empty()
        && changes
            .iter()
            .all(|(v, value)| value.is_none() && names.iter().any(|n| n.as_ref() == v))
}

/// What a check's fix would do to each variable (`None`: unset it): its safe fix's changes,
/// else those the `godoctor env set/unset` and `unset NAME` commands of its hint name.
pub fn fix_changes(c: &Check) -> Vec<(String, Option<String>)> {
    wanted(c).into_iter().map(|w| (w.name, w.value)).collect()
}

/// The variables a check's fix would change: its safe fix's changes, else the
/// `godoctor env set NAME=V` / `env unset NAME` / `unset NAME` commands its hint names.
fn wanted(c: &Check) -> Vec<Wanted> {
    if let Some(fix) = &c.fix {
        return fix
            .changes
            .iter()
            .map(|(name, value)| Wanted {
                name: name.clone(),
                value: value.clone(),
            })
            .collect();
    }
    let Some(hint) = &c.hint else {
        return vec![];
    };
    // The leading `godoctor env set` is read as the shell reads it (a quoted value may hold
    // spaces); commands later in the prose by words.
    let mut out: Vec<Wanted> = leading_command(hint)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| Wanted { name, value })
        .collect();
    let words: Vec<&str> = hint
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, '`' | ',' | ';' | '(' | ')')))
        .collect();
    let is_name = |w: &str| {
        w.starts_with("GO")
            && w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let want = match *w {
            "unset" if is_name(next) => Wanted {
                name: next.to_string(),
                value: None,
            },
            "set" if i > 0 && words[i - 1] == "env" => match next.split_once('=') {
                Some((name, value)) if is_name(name) => Wanted {
                    name: name.to_string(),
                    value: Some(value.to_string()),
                },
                _ => continue,
            },
            _ => continue,
        };
        // The first command for a variable is the fix; later ones are alternatives.
        if !out.iter().any(|o| o.name == want.name) {
            out.push(want);
        }
    }
    out
}

/// The `godoctor env set/unset` command a hint starts with, as the changes it makes: the
/// words up to the first `(`, `,`, `;` or "or". `None` when the hint starts otherwise or names
/// a placeholder (`<value>`), which only a person can fill in.
pub fn leading_command(hint: &str) -> Option<Vec<(String, Option<String>)>> {
    let hint = hint.trim().trim_start_matches('`');
    let (unset, rest) = if let Some(r) = hint.strip_prefix("godoctor env unset ") {
        (true, r)
    } else if let Some(r) = hint.strip_prefix("godoctor env set ") {
        (false, r)
    } else {
        return None;
    };
    let mut changes = Vec::new();
    // Only the command itself is split as the shell would (a quoted value may hold spaces);
    // the prose after it ends at the first word that is not an assignment.
    for raw in crate::shellrc::shell_words(rest) {
        let word = raw.as_str();
        if word.starts_with('(') || word == "or" || word == "then" {
            break;
        }
        let end = word.ends_with([',', ';', '`']);
        let word = word.trim_end_matches([',', ';', '`', '.']);
        if word.contains('<') {
            return None;
        }
        match (unset, word.split_once('=')) {
            (true, None) if !word.is_empty() => changes.push((word.to_string(), None)),
            (false, Some((name, value))) => {
                changes.push((name.to_string(), Some(value.to_string())))
            }
            _ => return None,
        }
        if end {
            break;
        }
    }
    (!changes.is_empty()).then_some(changes)
}

/// Give every problem whose hint starts with a `godoctor env` command that `--fix` can apply
/// (no placeholder, no variable the process environment sets) that command as its safe fix,
/// so `--fix` applies exactly what the report prints.
pub fn attach_fixes(checks: &mut [Check], go_env: &GoEnv) {
    for c in checks
        .iter_mut()
        .filter(|c| c.is_problem() && c.fix.is_none())
    {
        let Some(changes) = c.hint.as_deref().and_then(leading_command) else {
            continue;
        };
        let from_env = changes.iter().any(|(name, _)| {
            go_env
                .setting(name)
                .is_some_and(|s| s.source == Source::Env)
        });
        if from_env {
            continue;
        }
        let description = c.hint.clone().unwrap_or_default();
        let description = description
            .split(" (")
            .next()
            .unwrap_or(&description)
            .split(", or ")
            .next()
            .unwrap_or("")
            .to_string();
        c.fix = Some(super::Fix {
            description,
            changes,
        });
    }
}

/// The line to write instead of `line` to give `name` the value, in the file's own syntax.
fn replacement(line: &ShellLine, name: &str, value: &str) -> String {
    let quoted = crate::shellrc::shell_quote(value);
    match line.dialect {
        Dialect::Fish => format!("set -gx {name} {quoted}"),
        Dialect::PamEnv => format!("{name}={value}"),
        Dialect::Posix => format!("export {name}={quoted}"),
    }
}

/// The shell fix that gives `name` the value `value` (`None`: unsets it) when the process
/// environment sets it, in the same words `check` uses (`explain` prints it too).
pub fn shell_fix(name: &str, value: Option<&str>, current: &str, origins: &EnvOrigins) -> String {
    let want = Wanted {
        name: name.to_string(),
        value: value.map(str::to_string),
    };
    let lines: Vec<&ShellLine> = origins
        .lines
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, l)| l)
        .collect();
    shell_hint(&want, current, &lines, origins)
}

/// The words of a shell fix for `want`, given the lines that set it.
fn shell_hint(want: &Wanted, current: &str, lines: &[&ShellLine], origins: &EnvOrigins) -> String {
    let name = &want.name;
    let home = origins.home.as_deref();
    if lines.is_empty() {
        let what = match &want.value {
            Some(v) => format!("change it there to {name}={v}"),
            None => "remove it there".to_string(),
        };
        return format!(
            "{name}={current} is set outside your shell files (none of ~/.bashrc, ~/.profile, ~/.bash_profile, ~/.zshrc, fish's config.fish, /etc/environment, /etc/profile.d sets it) and `go env -w` cannot override it: {what} (a CI setting, an IDE or terminal profile?); `unset {name}` fixes only this shell"
        );
    }
    let edits: Vec<String> = lines
        .iter()
        .map(|l| match &want.value {
            Some(v) => format!(
                "in {} replace `{}` with `{}`",
                l.place(home),
                l.text,
                replacement(l, name, v)
            ),
            None => format!("in {} delete `{}`", l.place(home), l.text),
        })
        .collect();
    let after = match &want.value {
        Some(_) => "then open a new shell",
        None => "then open a new shell (or run `unset NAME` in this one)",
    }
    .replace("NAME", name);
    format!(
        "{name}={current} comes from your shell, so `go env -w` cannot change it: {}; {after}",
        edits.join("; ")
    )
}

/// The shell edits for `wanted`, variables the process environment sets, joined.
fn shell_hints(wanted: &[Wanted], go_env: &GoEnv, origins: &EnvOrigins) -> String {
    let hints: Vec<String> = wanted
        .iter()
        .map(|w| {
            let lines: Vec<&ShellLine> = origins
                .lines
                .iter()
                .filter(|(n, _)| *n == w.name)
                .map(|(_, l)| l)
                .collect();
            shell_hint(w, go_env.get(&w.name), &lines, origins)
        })
        .collect();
    hints.join("; and ")
}

/// For a hint outside a check (route's findings): when the `godoctor env set/unset` command it
/// starts with changes a variable the process environment sets, the shell edit that does it
/// instead ([`rewrite`]'s words); `None` when the command works as printed.
pub fn shell_fix_of_hint(hint: &str, go_env: &GoEnv, origins: &EnvOrigins) -> Option<String> {
    let from_env: Vec<Wanted> = leading_command(hint)?
        .into_iter()
        .map(|(name, value)| Wanted { name, value })
        .filter(|w| {
            go_env
                .setting(&w.name)
                .is_some_and(|s| s.source == Source::Env)
        })
        .collect();
    (!from_env.is_empty()).then(|| shell_hints(&from_env, go_env, origins))
}

/// Rewrite the hints of checks whose fix changes a variable set in the process environment:
/// the shell edit replaces the `godoctor env` command (which would change nothing), the safe
/// fix is dropped (`--fix` cannot edit shell files), and findings with the same shell cause
/// are grouped.
pub fn rewrite(checks: &mut [Check], go_env: &GoEnv, origins: &EnvOrigins) {
    for c in checks.iter_mut().filter(|c| c.is_problem()) {
        let from_env: Vec<Wanted> = wanted(c)
            .into_iter()
            .filter(|w| {
                go_env
                    .setting(&w.name)
                    .is_some_and(|s| s.source == Source::Env)
            })
            .collect();
        if from_env.is_empty() {
            continue;
        }
        c.hint = Some(shell_hints(&from_env, go_env, origins));
        c.fix = None;
        if c.cause.is_none() {
            let names: Vec<&str> = from_env.iter().map(|w| w.name.as_str()).collect();
            c.cause = Some(format!("shell:{}", names.join(",")));
        }
    }
}

/// GOROOT set in the process environment to a directory that is not a Go installation: the
/// fix is the shell line that sets it, removed (go derives GOROOT from its own binary).
/// `goroot` is GOROOT as the process environment has it.
pub fn goroot_override(
    checks: &mut [Check],
    go_env: &GoEnv,
    goroot: Option<&str>,
    origins: &EnvOrigins,
) {
    let Some(current) = goroot.filter(|_| !go_env.goroot_has_std) else {
        return;
    };
    let hint = shell_fix("GOROOT", None, current, origins);
    point_at_shell(checks, "settings.goroot-env", "GOROOT", hint);
}

/// GOENV naming a directory, set in the process environment: the fix is the line that sets
/// GOENV, pointed at a file inside that directory (`go env -w` cannot set GOENV, and moving a
/// directory the user chose is not the fix). `goenv` is GOENV as the process environment has it.
pub fn goenv_directory(
    checks: &mut [Check],
    go_env: &GoEnv,
    goenv: Option<&str>,
    origins: &EnvOrigins,
) {
    let (
        Some(current),
        crate::goenv::FileState::Unreadable {
            path,
            directory: true,
            ..
        },
    ) = (goenv, &go_env.user_file)
    else {
        return;
    };
    let file = path.join("env").display().to_string();
    let hint = shell_fix("GOENV", Some(&file), current, origins);
    point_at_shell(checks, "settings.envfile", "GOENV", hint);
}

/// The problems of check `id` are caused by the shell line setting `var`: `hint` (that line's
/// edit) is their fix, with no safe fix (`--fix` does not edit shell files), and they share
/// one cause.
fn point_at_shell(checks: &mut [Check], id: &str, var: &str, hint: String) {
    for c in checks.iter_mut().filter(|c| c.id == id && c.is_problem()) {
        c.hint = Some(hint.clone());
        c.fix = None;
        c.cause = Some(format!("shell:{var}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Fix;
    use crate::finding::Severity;

    #[test]
    fn hint_commands_name_the_variables_they_change() {
        let c = Check::new("sumdb.config", Severity::Warn, "x")
            .hint("godoctor env unset GOSUMDB (or GOSUMDB=sum.golang.google.cn where blocked)");
        assert_eq!(
            wanted(&c),
            vec![Wanted {
                name: "GOSUMDB".into(),
                value: None
            }]
        );
        let c = Check::new("private.patterns", Severity::Error, "x")
            .hint("godoctor env set GOPRIVATE=git.corp.example, then `unset GOFLAGS`");
        assert_eq!(
            wanted(&c),
            vec![
                Wanted {
                    name: "GOPRIVATE".into(),
                    value: Some("git.corp.example".into())
                },
                Wanted {
                    name: "GOFLAGS".into(),
                    value: None
                }
            ]
        );
        let c = Check::new("settings.envfile", Severity::Warn, "x").with_fix(Fix {
            description: "d".into(),
            changes: vec![("GOPROXY".into(), None)],
        });
        assert_eq!(wanted(&c)[0].name, "GOPROXY");
    }

    #[test]
    fn a_leading_command_is_a_fix_and_a_placeholder_is_not() {
        assert_eq!(
            leading_command("godoctor env unset GOPROXY (go's default), or pick a mirror"),
            Some(vec![("GOPROXY".into(), None)])
        );
        assert_eq!(
            leading_command("godoctor env set 'GOPROXY=http://a|http://b', then retry"),
            Some(vec![("GOPROXY".into(), Some("http://a|http://b".into()))])
        );
        assert_eq!(
            leading_command("godoctor env set GOPRIVATE=<the module's host>"),
            None
        );
        assert_eq!(
            leading_command("install go1.30, or godoctor env unset X"),
            None
        );
        assert_eq!(
            leading_command("godoctor env unset GOSUMDB GOPROXY"),
            Some(vec![("GOSUMDB".into(), None), ("GOPROXY".into(), None)])
        );
    }

    #[test]
    fn the_shell_edit_names_file_and_line() {
        let line = ShellLine {
            file: "/h/.bashrc".into(),
            line: 3,
            text: "export GOSUMDB=off".into(),
            dialect: Dialect::Posix,
        };
        let origins = EnvOrigins {
            home: Some("/h".into()),
            lines: vec![],
        };
        let unset = Wanted {
            name: "GOSUMDB".into(),
            value: None,
        };
        let h = shell_hint(&unset, "off", &[&line], &origins);
        assert!(
            h.contains("in ~/.bashrc:3 delete `export GOSUMDB=off`"),
            "{h}"
        );
        let set = Wanted {
            name: "GOSUMDB".into(),
            value: Some("sum.golang.org".into()),
        };
        let h = shell_hint(&set, "off", &[&line], &origins);
        assert!(h.contains("with `export GOSUMDB=sum.golang.org`"), "{h}");
        let h = shell_hint(&unset, "off", &[], &origins);
        assert!(h.contains("set outside your shell files"), "{h}");
    }
}
