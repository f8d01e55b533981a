//! The Go environment model: find and run `go`, read `go env -json` and the env files, attribute
//! every value to its source, and write through `go env -w/-u` with history and undo.

pub mod assign;
pub mod diagnose;
pub mod envfile;
pub mod history;
pub mod locate;
pub mod provenance;
pub mod write;
pub mod writecheck;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use envfile::EnvFile;
pub use locate::{GoBinary, LocateError};
pub use provenance::{Setting, Source};

use crate::redact::redact;
use crate::sys::{self, ProcessEnv, RunError};

/// The settings godoctor explains and manages, in display order.
pub const MANAGED: &[&str] = &[
    "GOPROXY",
    "GONOPROXY",
    "GOPRIVATE",
    "GONOSUMDB",
    "GOSUMDB",
    "GOINSECURE",
    "GOFLAGS",
    "GOAUTH",
    "GOTOOLCHAIN",
    "GO111MODULE",
    "GOPATH",
    "GOMODCACHE",
    "GOCACHE",
];

/// How long a `go` invocation may take before it is stopped: `GODOCTOR_GO_TIMEOUT` seconds,
/// default 30 (a cold `go env` on a slow disk takes a few seconds; a hung one never returns).
pub fn go_timeout(env: &ProcessEnv) -> Duration {
    let secs = env
        .get("GODOCTOR_GO_TIMEOUT")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(30);
    Duration::from_secs(secs.max(1))
}

/// What godoctor knows about one env file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum FileState {
    /// `GOENV=off`: go reads no user file.
    Off,
    /// No such file (normal before the first `go env -w`).
    Missing { path: PathBuf },
    /// Read and parsed.
    Read {
        path: PathBuf,
        #[serde(skip)]
        file: EnvFile,
    },
    /// Exists but could not be read; go silently ignores it too (and `go env -w` fails).
    Unreadable {
        path: PathBuf,
        error: String,
        /// It is a directory: no permission change makes go read it.
        directory: bool,
    },
}

impl FileState {
    /// Read `path` the way go does (a missing or unreadable file is no error for go), capped
    /// and never blocking on a FIFO or device.
    pub fn read(path: &Path) -> FileState {
        match sys::read_file_capped(path, write::GOENV_CAP) {
            Ok(Some(bytes)) => FileState::Read {
                path: path.to_path_buf(),
                file: envfile::parse(&String::from_utf8_lossy(&bytes)),
            },
            Ok(None) => FileState::Missing {
                path: path.to_path_buf(),
            },
            Err(e) => FileState::Unreadable {
                path: path.to_path_buf(),
                directory: matches!(
                    e,
                    sys::ReadError::NotRegular {
                        kind: "a directory",
                        ..
                    }
                ),
                error: e.to_string(),
            },
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            FileState::Off => None,
            FileState::Missing { path }
            | FileState::Read { path, .. }
            | FileState::Unreadable { path, .. } => Some(path),
        }
    }

    /// The parsed file, when it was read.
    pub fn parsed(&self) -> Option<(&Path, &EnvFile)> {
        match self {
            FileState::Read { path, file } => Some((path, file)),
            _ => None,
        }
    }
}

/// Why `go env -json` gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum GoEnvError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(
        "`{go} env -json` failed (exit {status}): {stderr}{}",
        bad_lines_note(bad_lines)
    )]
    Failed {
        go: String,
        status: String,
        stderr: String,
        /// Lines of the user's go env file that make go refuse every command, as godoctor
        /// read them itself.
        bad_lines: Vec<BadLine>,
    },
    #[error("`{go} env -json` printed something that is not the JSON object go prints: {detail}")]
    BadJson { go: String, detail: String },
    #[error(
        "GOENV={} is {kind}, not a file: go would block or read it forever, so godoctor does \
         not run go with it (unset GOENV, or point it at a regular file)",
        path.display()
    )]
    GoenvNotAFile { path: PathBuf, kind: &'static str },
}

/// go's own complaint about a go.mod it cannot parse (`go.mod:7: syntax error …`, one line per
/// error), or `None` when go reads it (or cannot be asked). `go env` succeeds beside a broken
/// go.mod, so this asks `go mod edit -json`, which parses the file and nothing else: no network,
/// and GOTOOLCHAIN=local for this one call so a `go` line cannot start a toolchain download.
/// It runs in go.mod's directory so go names the file the way a build there does.
pub fn gomod_error(go: &GoBinary, env: &ProcessEnv, gomod: &Path) -> Option<String> {
    let dir = gomod.parent()?;
    let name = gomod.file_name()?;
    let args: Vec<OsString> = vec!["mod".into(), "edit".into(), "-json".into(), name.into()];
    let env = env.with("GOTOOLCHAIN", "local");
    let out = sys::run(&go.path, &args, &env, Some(dir), go_timeout(&env)).ok()?;
    if out.success {
        return None;
    }
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("go: errors parsing"))
        .collect();
    (!lines.is_empty()).then(|| redact(&lines.join("\n")))
}

/// Everything about the Go environment, gathered with ONE `go env -json` call.
#[derive(Debug, Clone)]
pub struct GoEnv {
    pub go: GoBinary,
    /// Every variable `go env -json` printed (the effective values).
    pub values: BTreeMap<String, String>,
    /// The user's go env file (GOENV).
    pub user_file: FileState,
    /// `$GOROOT/go.env` (absent before Go 1.21).
    pub goroot_file: FileState,
    /// GOROOT holds a Go installation (`src/runtime` is a directory): `false` when a GOROOT
    /// from the environment points elsewhere, so go cannot find its standard library.
    pub goroot_has_std: bool,
    /// The managed settings with their provenance, in [`MANAGED`] order.
    pub settings: Vec<Setting>,
    /// How long `go env -json` took.
    pub elapsed: Duration,
    /// go refused to run in the current directory (typically "go.mod requires go >= …" under
    /// GOTOOLCHAIN=local), so the values were read from outside the module: go's message.
    pub module_error: Option<String>,
}

impl GoEnv {
    /// Run `go env -json` once and read the env files it names.
    pub fn load(go: &GoBinary, env: &ProcessEnv) -> Result<GoEnv, GoEnvError> {
        check_goenv_is_a_file(env)?;
        let args: Vec<OsString> = vec!["env".into(), "-json".into()];
        let mut out = sys::run(&go.path, &args, env, None, go_timeout(env))?;
        let go_name = go.path.display().to_string();
        let mut module_error = None;
        // A go.mod that needs another toolchain ("go.mod requires go >= …", or a toolchain
        // download that fails) makes every go command fail here, `go env` included; the
        // settings themselves can still be read from outside the module.
        if !out.success {
            let retry = sys::run(&go.path, &args, env, Some(Path::new("/")), go_timeout(env))?;
            if retry.success {
                module_error = Some(redact(out.stderr.trim()));
                out = retry;
            }
        }
        if !out.success {
            return Err(GoEnvError::Failed {
                go: go_name,
                status: out
                    .status
                    .map_or_else(|| "signal".to_string(), |c| c.to_string()),
                stderr: redact(out.stderr.trim()),
                bad_lines: default_user_file(env)
                    .map(|p| bad_lines(&FileState::read(&p)))
                    .unwrap_or_default(),
            });
        }
        let values = parse_env_json(&out.stdout).map_err(|detail| GoEnvError::BadJson {
            go: go_name,
            detail,
        })?;
        let mut go_env = Self::from_facts(go.clone(), values, env, out.elapsed);
        go_env.module_error = module_error;
        Ok(go_env)
    }

    /// Build the model from already-gathered facts: reads the two env files named by `values`.
    pub fn from_facts(
        go: GoBinary,
        values: BTreeMap<String, String>,
        env: &ProcessEnv,
        elapsed: Duration,
    ) -> GoEnv {
        let user_file = match values.get("GOENV").map(String::as_str) {
            None | Some("") | Some("off") => FileState::Off,
            Some(path) => FileState::read(Path::new(path)),
        };
        let goroot_file = match values.get("GOROOT").filter(|g| !g.is_empty()) {
            Some(root) => FileState::read(&Path::new(root).join("go.env")),
            None => FileState::Off,
        };
        let goroot_has_std = values
            .get("GOROOT")
            .filter(|g| !g.is_empty())
            .is_some_and(|root| Path::new(root).join("src").join("runtime").is_dir());
        let settings = MANAGED
            .iter()
            .map(|name| {
                let effective = values.get(*name).map(String::as_str).unwrap_or("");
                provenance::attribute(
                    name,
                    effective,
                    env,
                    user_file.parsed(),
                    goroot_file.parsed(),
                )
            })
            .collect();
        GoEnv {
            go,
            values,
            user_file,
            goroot_file,
            goroot_has_std,
            settings,
            elapsed,
            module_error: None,
        }
    }

    /// When `go env -json` fails because of a line of the user's go env file (go then refuses
    /// every command, but `go env -w/-u` still work), the settings as godoctor reads them
    /// itself: the OS environment over the file. Enough to repair the file; `None` when the
    /// failure has another cause.
    pub fn degraded(go: &GoBinary, env: &ProcessEnv, error: &GoEnvError) -> Option<GoEnv> {
        let GoEnvError::Failed { bad_lines, .. } = error else {
            return None;
        };
        if bad_lines.is_empty() {
            return None;
        }
        let path = default_user_file(env)?;
        let state = FileState::read(&path);
        let (_, file) = state.parsed()?;
        let mut values: BTreeMap<String, String> = file
            .entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect();
        for name in MANAGED {
            if let Some(v) = env.get(name) {
                values.insert(name.to_string(), v.to_string());
            }
        }
        for name in MANAGED {
            values.entry(name.to_string()).or_default();
        }
        values.insert("GOENV".into(), path.display().to_string());
        Some(Self::from_facts(go.clone(), values, env, Duration::ZERO))
    }

    /// [`GoEnv::load`], falling back to [`GoEnv::degraded`]; `true` when it fell back.
    pub fn load_or_degraded(go: &GoBinary, env: &ProcessEnv) -> Result<(GoEnv, bool), GoEnvError> {
        match GoEnv::load(go, env) {
            Ok(e) => Ok((e, false)),
            Err(e) => GoEnv::degraded(go, env, &e).map(|d| (d, true)).ok_or(e),
        }
    }

    /// The effective value of `name` ("" when go printed none).
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// The managed settings the process environment sets (`go env -w` cannot change them).
    pub fn from_env(&self) -> Vec<&str> {
        self.settings
            .iter()
            .filter(|s| s.source == Source::Env)
            .map(|s| s.name.as_str())
            .collect()
    }

    /// The managed setting `name`, if it is one.
    pub fn setting(&self, name: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.name == name)
    }

    /// The Go version string, e.g. `go1.26.8`.
    pub fn version(&self) -> &str {
        self.get("GOVERSION")
    }

    /// The minor version of this go (`go1.26.8` → 26), for rules that depend on it.
    pub fn go_minor(&self) -> Option<u64> {
        let rest = self.version().strip_prefix("go1.")?;
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..end].parse().ok()
    }

    /// Variable names this go knows (the keys of `go env -json`).
    pub fn known_names(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.values.keys().cloned().collect();
        // Read by go but not printed by `go env -json`.
        for extra in ["GOENV", "GOROOT_FINAL", "GOCOVERDIR"] {
            names.insert(extra.to_string());
        }
        names
    }

    /// The user's go env file path, unless GOENV=off.
    pub fn user_file_path(&self) -> Option<&Path> {
        self.user_file.path()
    }
}

/// A line of the user's go env file that stops every go command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub path: PathBuf,
    pub line: usize,
    pub key: String,
    /// go's complaint, e.g. `unknown environment setting GO111MODULE=of`.
    pub reason: String,
}

/// The lines of a go env file whose value makes go refuse to run (the effective, last line
/// of GO111MODULE or GOTOOLCHAIN with a value go rejects).
pub fn bad_lines(state: &FileState) -> Vec<BadLine> {
    let Some((path, file)) = state.parsed() else {
        return vec![];
    };
    let mut out = Vec::new();
    for key in ["GO111MODULE", "GOTOOLCHAIN"] {
        let Some(e) = file.last(key) else { continue };
        let reason = match key {
            "GO111MODULE" => (!matches!(e.value.as_str(), "" | "on" | "off" | "auto"))
                .then(|| format!("unknown environment setting GO111MODULE={}", e.value)),
            _ => crate::syntax::toolchain::parse(&e.value).err(),
        };
        if let Some(reason) = reason {
            out.push(BadLine {
                path: path.to_path_buf(),
                line: e.line,
                key: key.to_string(),
                reason: redact(&reason),
            });
        }
    }
    out
}

fn bad_lines_note(lines: &[BadLine]) -> String {
    lines
        .iter()
        .map(|b| {
            format!(
                "\n  {} line {}: {} ({}); `godoctor env unset {}` removes it",
                b.path.display(),
                b.line,
                b.key,
                b.reason,
                b.key
            )
        })
        .collect()
}

/// Refuse a GOENV that names a device, FIFO or socket before go is run with it: go reads
/// its env file with no limit and would hang (GOENV=/dev/zero) or block (a FIFO).
fn check_goenv_is_a_file(env: &ProcessEnv) -> Result<(), GoEnvError> {
    let Some(path) = env.get("GOENV").filter(|p| *p != "off") else {
        return Ok(());
    };
    match sys::read_file_capped(Path::new(path), 0) {
        // go reads a directory as an unreadable file and goes on: only what blocks is refused.
        Err(sys::ReadError::NotRegular { path, kind }) if kind != "a directory" => {
            Err(GoEnvError::GoenvNotAFile { path, kind })
        }
        _ => Ok(()),
    }
}

/// Parse `go env -json` output: a flat JSON object of strings.
pub fn parse_env_json(text: &str) -> Result<BTreeMap<String, String>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let object = value.as_object().ok_or("expected a JSON object")?;
    let mut map = BTreeMap::new();
    for (k, v) in object {
        match v {
            serde_json::Value::String(s) => {
                map.insert(k.clone(), s.clone());
            }
            other => return Err(format!("{k} is {other}, expected a string")),
        }
    }
    if !map.contains_key("GOROOT") {
        return Err("GOROOT is missing".to_string());
    }
    Ok(map)
}

/// Where go would look for the user's env file without asking go: `$GOENV`, else
/// `$XDG_CONFIG_HOME/go/env`, else `$HOME/.config/go/env` (used when `go` is missing).
pub fn default_user_file(env: &ProcessEnv) -> Option<PathBuf> {
    if let Some(goenv) = env.get("GOENV") {
        return (goenv != "off").then(|| PathBuf::from(goenv));
    }
    let config = env
        .get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".config")))?;
    Some(config.join("go").join("env"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_env_json() {
        let m = parse_env_json(r#"{"GOROOT": "/usr/local/go", "GOPROXY": "https://p,direct"}"#);
        assert_eq!(
            m.as_ref().map(|m| m.get("GOPROXY").cloned()),
            Ok(Some("https://p,direct".into()))
        );
    }

    #[test]
    fn rejects_non_json_and_wrong_shapes() {
        assert!(parse_env_json("go: warning").is_err());
        assert!(parse_env_json("[]").is_err());
        assert!(parse_env_json(r#"{"GOROOT": 1}"#).is_err());
        assert!(parse_env_json(r#"{"GOPROXY": "x"}"#).is_err());
    }

    #[test]
    fn default_user_file_follows_goenv_then_xdg_then_home() {
        let e = ProcessEnv::from_pairs([("GOENV", "off"), ("HOME", "/h")]);
        assert_eq!(default_user_file(&e), None);
        let e = ProcessEnv::from_pairs([("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(default_user_file(&e), Some(PathBuf::from("/x/go/env")));
        let e = ProcessEnv::from_pairs([("HOME", "/h")]);
        assert_eq!(
            default_user_file(&e),
            Some(PathBuf::from("/h/.config/go/env"))
        );
    }

    #[test]
    fn bad_lines_are_the_effective_values_go_refuses() {
        let state = |text: &str| FileState::Read {
            path: PathBuf::from("/g/env"),
            file: envfile::parse(text),
        };
        let bad = bad_lines(&state("GO111MODULE=on\nGOPRIVATE=x\nGO111MODULE=of\n"));
        assert_eq!(bad.len(), 1);
        assert_eq!((bad[0].line, bad[0].key.as_str()), (3, "GO111MODULE"));
        assert!(bad[0].reason.contains("GO111MODULE=of"));
        let bad = bad_lines(&state("GOTOOLCHAIN=bash\n"));
        assert_eq!(bad.len(), 1);
        assert!(
            bad_lines(&state(
                "GO111MODULE=of\nGO111MODULE=auto\nGOTOOLCHAIN=go1.22.0+auto\n"
            ))
            .is_empty()
        );
        assert!(bad_lines(&FileState::Off).is_empty());
    }
}
