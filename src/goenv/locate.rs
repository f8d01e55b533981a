//! Finding the `go` binary: `--go PATH`, else `$GODOCTOR_GO`, else the first `go` on PATH.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::sys::ProcessEnv;

/// Where the `go` binary was found, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoBinary {
    pub path: PathBuf,
    /// `flag`, `GODOCTOR_GO` or `PATH`.
    pub how: &'static str,
}

/// Why no usable `go` was found.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LocateError {
    #[error("the go binary given by {how} does not exist or is not executable: {path}")]
    NotExecutable { how: &'static str, path: PathBuf },
    #[error("no `go` command was found on PATH")]
    NotOnPath,
}

impl LocateError {
    pub fn hint(&self) -> &'static str {
        match self {
            LocateError::NotExecutable { .. } => {
                "pass the full path of an existing go binary, e.g. --go /usr/local/go/bin/go"
            }
            LocateError::NotOnPath => {
                "install Go (https://go.dev/doc/install) and add its bin directory to PATH, \
                 or pass --go /path/to/go (or set GODOCTOR_GO)"
            }
        }
    }
}

/// Find the `go` to run.
pub fn locate(flag: Option<&Path>, env: &ProcessEnv) -> Result<GoBinary, LocateError> {
    if let Some(path) = flag {
        return explicit(path, "--go", env);
    }
    if let Some(path) = env.get("GODOCTOR_GO") {
        return explicit(Path::new(path), "GODOCTOR_GO", env);
    }
    all_on_path(env)
        .into_iter()
        .next()
        .map(|path| GoBinary { path, how: "PATH" })
        .ok_or(LocateError::NotOnPath)
}

fn explicit(path: &Path, how: &'static str, env: &ProcessEnv) -> Result<GoBinary, LocateError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    // A bare name (`--go go1.22.0`) is looked up on PATH like a shell would.
    let found = which::which_in(path, env.raw("PATH"), &cwd).ok();
    match found {
        Some(p) => Ok(GoBinary { path: p, how }),
        None => Err(LocateError::NotExecutable {
            how,
            path: path.to_path_buf(),
        }),
    }
}

/// Every `go` on PATH, in PATH order; the first one shadows the others.
pub fn all_on_path(env: &ProcessEnv) -> Vec<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut seen: Vec<PathBuf> = Vec::new();
    if let Ok(iter) = which::which_in_all("go", env.raw("PATH"), cwd) {
        for p in iter {
            // The same binary reached through two PATH entries (symlinks) is one go.
            let canon = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
            if !seen
                .iter()
                .any(|s| std::fs::canonicalize(s).unwrap_or_else(|_| s.clone()) == canon)
            {
                seen.push(p);
            }
        }
    }
    seen
}
