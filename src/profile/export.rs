//! A profile's settings as text for places where `go env -w` is not the tool: POSIX shells,
//! fish, PowerShell, Dockerfiles and GitHub Actions workflows, each with its own quoting. Pure.
//!
//! OS variables override the go env file, and an empty OS variable counts as unset for go, so
//! "unset" becomes `unset NAME` in shells and an empty value where a file cannot unset
//! (Dockerfile `ENV`, workflow `env:`).

use serde::Serialize;

use crate::goenv::write::Change;

/// The output formats of `profile export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// POSIX sh, bash, zsh: `export NAME='value'`
    Shell,
    /// fish: `set -gx NAME 'value'`
    Fish,
    /// PowerShell: `$env:NAME = 'value'`
    Powershell,
    /// Dockerfile: `ENV NAME="value"`
    Dockerfile,
    /// GitHub Actions: an `env:` mapping for a workflow, job or step
    GithubActions,
}

/// The first variable whose value holds a credential (a URL password): such a value is never
/// printed, so it cannot be exported.
pub fn secret_in(changes: &[Change]) -> Option<&str> {
    changes.iter().find_map(|c| {
        let v = c.value.as_deref()?;
        (crate::redact::redact(v) != v).then_some(c.name.as_str())
    })
}

/// Render `changes` (from profile `name`) in `format`.
pub fn render(name: &str, changes: &[Change], format: Format) -> String {
    let mut out = String::new();
    let header = match format {
        Format::Shell => "source this file, or: eval \"$(godoctor profile export NAME)\"",
        Format::Fish => "source this file, or: godoctor profile export NAME --format fish | source",
        Format::Powershell => {
            "dot-source this file, or: godoctor profile export NAME --format powershell | Invoke-Expression"
        }
        Format::Dockerfile => "paste into a Dockerfile (after FROM)",
        Format::GithubActions => "paste into a workflow, a job or a step",
    };
    out.push_str(&format!(
        "# Go settings of godoctor profile {name}; {}\n",
        header.replace("NAME", name)
    ));
    if format == Format::GithubActions {
        out.push_str("env:\n");
    }
    for c in changes {
        let n = &c.name;
        let line = match (format, c.value.as_deref()) {
            (Format::Shell, Some(v)) => format!("export {n}={}", sh_quote(v)),
            (Format::Shell, None) => format!("unset {n}"),
            (Format::Fish, Some(v)) => format!("set -gx {n} {}", fish_quote(v)),
            (Format::Fish, None) => format!("set -e {n}"),
            (Format::Powershell, Some(v)) => format!("$env:{n} = {}", ps_quote(v)),
            (Format::Powershell, None) => {
                format!("Remove-Item -ErrorAction SilentlyContinue Env:{n}")
            }
            (Format::Dockerfile, Some(v)) => format!("ENV {n}={}", docker_quote(v)),
            (Format::Dockerfile, None) => {
                format!("# {n}: go's default (an empty variable counts as unset)\nENV {n}=\"\"")
            }
            (Format::GithubActions, Some(v)) => format!("  {n}: {}", actions_quote(v)),
            (Format::GithubActions, None) => {
                format!("  {n}: ''  # go's default (an empty variable counts as unset)")
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// POSIX shell single quotes: nothing inside is special except `'`, written as `'\''`.
pub fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// fish single quotes: `\\` and `\'` are the only escapes.
pub fn fish_quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// PowerShell verbatim strings: a quote is doubled. PowerShell also treats the typographic
/// single quotes (U+2018..U+201B) as quotes, so they are doubled too.
pub fn ps_quote(v: &str) -> String {
    let mut s = String::from("'");
    for c in v.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            s.push(c);
        }
        s.push(c);
    }
    s.push('\'');
    s
}

/// Dockerfile double quotes: `"`, `\` and `$` (variable substitution) are escaped with `\`.
pub fn docker_quote(v: &str) -> String {
    let mut s = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\' | '$') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

/// A YAML single-quoted scalar (`'` doubled) whose `${{` is not taken as an Actions expression:
/// it becomes the expression `${{ '${{' }}`, which evaluates to the text `${{`.
pub fn actions_quote(v: &str) -> String {
    let v = v.replace("${{", "${{ '${{' }}");
    format!("'{}'", v.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(pairs: &[(&str, Option<&str>)]) -> Vec<Change> {
        pairs
            .iter()
            .map(|(n, v)| Change {
                name: n.to_string(),
                value: v.map(str::to_string),
            })
            .collect()
    }

    #[test]
    fn quoting_rules() {
        assert_eq!(sh_quote("a'b $x"), r"'a'\''b $x'");
        assert_eq!(fish_quote(r"a'b\c"), r"'a\'b\\c'");
        assert_eq!(ps_quote("it's ‘x’"), "'it''s ‘‘x’’'");
        assert_eq!(docker_quote(r#"a"b\c$HOME"#), r#""a\"b\\c\$HOME""#);
        assert_eq!(
            actions_quote("it's ${{ x }}"),
            "'it''s ${{ ''${{'' }} x }}'"
        );
    }

    #[test]
    fn renders_every_format() {
        let c = ch(&[
            ("GOPROXY", Some("https://goproxy.cn,direct")),
            ("GOSUMDB", None),
        ]);
        let sh = render("cn", &c, Format::Shell);
        assert!(
            sh.contains("export GOPROXY='https://goproxy.cn,direct'\nunset GOSUMDB\n"),
            "{sh}"
        );
        let fish = render("cn", &c, Format::Fish);
        assert!(
            fish.contains("set -gx GOPROXY 'https://goproxy.cn,direct'\nset -e GOSUMDB\n"),
            "{fish}"
        );
        let ps = render("cn", &c, Format::Powershell);
        assert!(
            ps.contains("$env:GOPROXY = 'https://goproxy.cn,direct'\n"),
            "{ps}"
        );
        let d = render("cn", &c, Format::Dockerfile);
        assert!(
            d.contains("ENV GOPROXY=\"https://goproxy.cn,direct\"\n"),
            "{d}"
        );
        assert!(d.contains("ENV GOSUMDB=\"\"\n"), "{d}");
        let gh = render("cn", &c, Format::GithubActions);
        assert!(
            gh.contains("env:\n  GOPROXY: 'https://goproxy.cn,direct'\n  GOSUMDB: ''"),
            "{gh}"
        );
    }

    #[test]
    fn secrets_are_detected() {
        let c = ch(&[("GOPROXY", Some("https://u:pw@p.example,direct"))]);
        assert_eq!(secret_in(&c), Some("GOPROXY"));
        assert_eq!(
            secret_in(&ch(&[("GOPROXY", Some("https://p.example"))])),
            None
        );
    }
}
