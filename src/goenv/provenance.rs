//! Where each setting's value comes from: the process environment, the user's go env file,
//! `$GOROOT/go.env`, or go's built-in default. A pure function of the facts, mirroring cmd/go's
//! `cfg.Getenv` and `readEnvFile`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::envfile::EnvFile;
use crate::sys::ProcessEnv;

/// The origin of a value, as named in the `env --json` contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A non-empty variable in the process environment.
    Env,
    /// The user's go env file (GOENV), written by `go env -w`.
    File,
    /// `$GOROOT/go.env` (Go 1.21+).
    Goroot,
    /// Built into go (or derived from another variable, e.g. GONOPROXY from GOPRIVATE).
    Default,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Env => "env",
            Source::File => "file",
            Source::Goroot => "goroot",
            Source::Default => "default",
        }
    }
}

/// One managed setting: its effective value and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub name: String,
    pub value: String,
    pub source: Source,
    /// The file the value was read from (for `file` and `goroot`).
    pub file: Option<PathBuf>,
    /// 1-based line in that file.
    #[serde(skip)]
    pub line: Option<usize>,
    /// A different, non-empty value in the go env file that the OS variable hides:
    /// `go env -w` cannot take effect while the OS variable is set.
    #[serde(skip)]
    pub shadowed_file_value: Option<String>,
    /// The go env file has `NAME=` with an empty value at this line; it hides `$GOROOT/go.env`.
    #[serde(skip)]
    pub empty_in_file: Option<usize>,
    /// Derived default: GONOPROXY and GONOSUMDB default to GOPRIVATE.
    #[serde(skip)]
    pub derived_from: Option<&'static str>,
}

/// Attribute `name`'s effective value (from `go env -json`) to its source.
pub fn attribute(
    name: &str,
    effective: &str,
    env: &ProcessEnv,
    user: Option<(&Path, &EnvFile)>,
    goroot: Option<(&Path, &EnvFile)>,
) -> Setting {
    let mut setting = Setting {
        name: name.to_string(),
        value: effective.to_string(),
        source: Source::Default,
        file: None,
        line: None,
        shadowed_file_value: None,
        empty_in_file: None,
        derived_from: None,
    };
    let user_entry = user.and_then(|(path, f)| f.last(name).map(|e| (path, e)));
    if let Some(os_value) = env.get(name) {
        setting.source = Source::Env;
        if let Some((_, e)) = user_entry
            && !e.value.is_empty()
            && e.value != os_value
        {
            setting.shadowed_file_value = Some(e.value.clone());
        }
        return setting;
    }
    if let Some((path, entry)) = user_entry {
        if entry.value.is_empty() {
            // cmd/go stores the empty value, which keeps go.env from filling it in, and then
            // falls back to the built-in default ("" for GOPROXY and GOSUMDB since Go 1.21).
            setting.empty_in_file = Some(entry.line);
        } else {
            setting.source = Source::File;
            setting.file = Some(path.to_path_buf());
            setting.line = Some(entry.line);
            return setting;
        }
    } else if let Some((path, entry)) = goroot.and_then(|(p, f)| f.first(name).map(|e| (p, e)))
        && !entry.value.is_empty()
    {
        setting.source = Source::Goroot;
        setting.file = Some(path.to_path_buf());
        setting.line = Some(entry.line);
        return setting;
    }
    if matches!(name, "GONOPROXY" | "GONOSUMDB") && !effective.is_empty() {
        setting.derived_from = Some("GOPRIVATE");
    }
    setting
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goenv::envfile::parse;

    fn p(s: &str) -> &Path {
        Path::new(s)
    }

    #[test]
    fn env_wins_and_reports_shadowed_file_value() {
        let env = ProcessEnv::from_pairs([("GOPROXY", "https://env.example")]);
        let user = parse("GOPROXY=https://file.example\n");
        let s = attribute(
            "GOPROXY",
            "https://env.example",
            &env,
            Some((p("/u"), &user)),
            None,
        );
        assert_eq!(s.source, Source::Env);
        assert_eq!(
            s.shadowed_file_value.as_deref(),
            Some("https://file.example")
        );
    }

    #[test]
    fn empty_env_var_does_not_count() {
        let env = ProcessEnv::from_pairs([("GOPROXY", "")]);
        let user = parse("GOPROXY=https://file.example\n");
        let s = attribute(
            "GOPROXY",
            "https://file.example",
            &env,
            Some((p("/u"), &user)),
            None,
        );
        assert_eq!(s.source, Source::File);
        assert_eq!(s.line, Some(1));
    }

    #[test]
    fn goroot_when_user_file_lacks_key() {
        let env = ProcessEnv::default();
        let user = parse("GOSUMDB=off\n");
        let goroot = parse("GOPROXY=https://a,direct\nGOPROXY=https://b\n");
        let s = attribute(
            "GOPROXY",
            "https://a,direct",
            &env,
            Some((p("/u"), &user)),
            Some((p("/g"), &goroot)),
        );
        assert_eq!(s.source, Source::Goroot);
        assert_eq!(s.line, Some(1), "first occurrence wins in go.env");
    }

    #[test]
    fn empty_user_value_hides_goroot_and_falls_to_default() {
        let env = ProcessEnv::default();
        let user = parse("GOPROXY=\n");
        let goroot = parse("GOPROXY=https://a,direct\n");
        let s = attribute(
            "GOPROXY",
            "",
            &env,
            Some((p("/u"), &user)),
            Some((p("/g"), &goroot)),
        );
        assert_eq!(s.source, Source::Default);
        assert_eq!(s.empty_in_file, Some(1));
    }

    #[test]
    fn derived_default_from_goprivate() {
        let s = attribute(
            "GONOPROXY",
            "corp.example",
            &ProcessEnv::default(),
            None,
            None,
        );
        assert_eq!(s.source, Source::Default);
        assert_eq!(s.derived_from, Some("GOPRIVATE"));
    }
}
