//! GOAUTH (Go 1.24+), parsed like cmd/go/internal/auth's `runGoAuth`: `;`-separated commands,
//! each trimmed and split into words; `off`, `netrc`, `git DIR` and any other command (run with
//! the URL as last argument, output parsed as credentials).
//!
//! Command arguments can be secrets (tokens passed to a helper), so findings name only the
//! method or the program, never the arguments.

use super::quoted;
use crate::finding::Finding;
use serde::Serialize;

/// One GOAUTH method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AuthMethod {
    /// `off`: no authentication at all (not even .netrc).
    Off,
    /// `netrc`: credentials from $NETRC or ~/.netrc (the default).
    Netrc,
    /// `git DIR`: `git credential fill` run in DIR.
    Git { dir: String },
    /// Any other command, split like go's `quoted.Split`. Arguments may hold secrets: they
    /// are shown and serialized only as a count (see [`Args`]).
    Command { program: String, args: Args },
}

/// A GOAUTH command's arguments. Tokens are often passed this way, so `Debug` and
/// `Serialize` give only how many there are; [`Args::words`] is for running the command.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Args(Vec<String>);

impl Args {
    /// How many arguments follow the program.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The arguments themselves, to pass to the program (never to print).
    pub fn words(&self) -> &[String] {
        &self.0
    }
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} args", self.0.len())
    }
}

impl Serialize for Args {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0.len() as u64)
    }
}

/// Parse GOAUTH into its methods in the order written (go runs them in reverse and lets the
/// earliest one win). Err is the finding for the error go stops with. An empty value means
/// go's default, `netrc`.
pub fn parse(value: &str) -> Result<Vec<AuthMethod>, Finding> {
    if value.is_empty() {
        return Ok(vec![AuthMethod::Netrc]);
    }
    let commands: Vec<&str> = value.split(';').collect();
    let mut out = Vec::new();
    // go walks the commands in reverse order and stops at the first fatal one.
    for command in commands.iter().rev() {
        let words: Vec<&str> = command.split_whitespace().collect();
        let Some(first) = words.first() else {
            return Err(Finding::error(
                "goauth.empty-command",
                "GOAUTH has an empty command (a stray ';'): go stops with \"GOAUTH encountered an empty command\" on the first authenticated request.",
            )
            .with_hint("remove the extra ';' (commands are separated by ';' with no empty ones)"));
        };
        let method = match *first {
            "off" => {
                if commands.len() != 1 {
                    return Err(Finding::error(
                        "goauth.off-combined",
                        "GOAUTH combines `off` with other methods: go stops with \"GOAUTH=off cannot be combined with other authentication commands\".",
                    )
                    .with_hint("use GOAUTH=off alone, or drop `off`"));
                }
                AuthMethod::Off
            }
            "netrc" => AuthMethod::Netrc,
            "git" => {
                if words.len() != 2 {
                    return Err(Finding::error(
                        "goauth.git-dir",
                        "GOAUTH `git` needs exactly one argument: go stops with \"GOAUTH=git dir method requires an absolute path to the git working directory\".",
                    )
                    .with_hint("GOAUTH='git /absolute/path/to/a/checkout'"));
                }
                let dir = words[1];
                if !dir.starts_with('/') && !is_windows_abs(dir) {
                    return Err(Finding::error(
                        "goauth.git-dir",
                        format!("GOAUTH `git {dir}`: the directory is not absolute; go stops with \"GOAUTH=git dir method requires an absolute path to the git working directory, dir is not absolute\"."),
                    )
                    .with_hint("give an absolute path: GOAUTH='git /home/me/src'"));
                }
                AuthMethod::Git {
                    dir: dir.to_string(),
                }
            }
            _ => match quoted::split(command.trim()) {
                Ok(mut w) if !w.is_empty() => {
                    let program = w.remove(0);
                    AuthMethod::Command {
                        program,
                        args: Args(w),
                    }
                }
                Ok(_) => AuthMethod::Command {
                    program: first.to_string(),
                    args: Args::default(),
                },
                Err(e) => {
                    return Err(Finding::error(
                        "goauth.command-quote",
                        format!("GOAUTH command starting with {first:?} cannot be parsed ({e}); go reports \"cannot parse GOAUTH command\" and never runs it."),
                    )
                    .with_hint("close the quote"));
                }
            },
        };
        out.push(method);
    }
    out.reverse();
    Ok(out)
}

fn is_windows_abs(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// Check a GOAUTH value: the parse error, or remarks on a value go accepts.
pub fn check(value: &str) -> Vec<Finding> {
    let methods = match parse(value) {
        Ok(m) => m,
        Err(f) => return vec![f],
    };
    let mut out = Vec::new();
    if methods == [AuthMethod::Off] {
        out.push(Finding::info(
            "goauth.off",
            "GOAUTH=off: go sends no credentials at all, not even from .netrc; private proxies and repositories that need a login will answer 401/403/404.",
        ));
    }
    if value.split(';').any(|c| {
        let w: Vec<&str> = c.split_whitespace().collect();
        matches!(w.first(), Some(&"off") | Some(&"netrc")) && w.len() > 1
    }) {
        out.push(Finding::warning(
            "goauth.extra-words",
            "GOAUTH `off`/`netrc` take no arguments; go ignores the extra words (NETRC chooses the .netrc file).",
        ));
    }
    for m in &methods {
        if let AuthMethod::Command { program, .. } = m {
            if !program.contains('/') {
                out.push(Finding::info(
                    "goauth.command",
                    format!("GOAUTH runs {program:?} from PATH for every authenticated host; it must print credentials in the format of `go help goauth`."),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_methods() {
        assert_eq!(parse(""), Ok(vec![AuthMethod::Netrc]));
        assert_eq!(parse("netrc"), Ok(vec![AuthMethod::Netrc]));
        assert_eq!(parse("off"), Ok(vec![AuthMethod::Off]));
        assert_eq!(
            parse("netrc; git /home/me/src ;my-helper --token s3cret"),
            Ok(vec![
                AuthMethod::Netrc,
                AuthMethod::Git {
                    dir: "/home/me/src".into()
                },
                AuthMethod::Command {
                    program: "my-helper".into(),
                    args: Args(vec!["--token".into(), "s3cret".into()])
                }
            ])
        );
    }

    #[test]
    fn arguments_are_counted_never_shown() {
        let m = parse("my-helper --token s3cret").expect("parses");
        let shown = format!("{m:?} {}", serde_json::to_string(&m).expect("json"));
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains(r#""args":2"#), "{shown}");
    }

    fn code(v: &str) -> &'static str {
        parse(v).err().map(|f| f.code).unwrap_or("ok")
    }

    #[test]
    fn go_errors() {
        assert_eq!(code("off;netrc"), "goauth.off-combined");
        assert_eq!(code("netrc;off"), "goauth.off-combined");
        assert_eq!(code("off;"), "goauth.empty-command");
        assert_eq!(code("netrc;;git /x"), "goauth.empty-command");
        assert_eq!(code("git"), "goauth.git-dir");
        assert_eq!(code("git src"), "goauth.git-dir");
        assert_eq!(code("git /a /b"), "goauth.git-dir");
        assert_eq!(code("helper 'unterminated"), "goauth.command-quote");
    }

    #[test]
    fn never_echoes_arguments() {
        for f in check("my-helper --token s3cret")
            .into_iter()
            .chain(parse("my-helper 's3cret").err())
        {
            assert!(!f.message.contains("s3cret"), "{}", f.message);
        }
    }
}
