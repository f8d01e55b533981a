//! The seam to the outside world: the process environment snapshot and running programs.
//!
//! Everything below the commands receives a [`ProcessEnv`] instead of reading `std::env`, so
//! tests (and `go` children) see exactly the environment we decide, and every child program runs
//! with stdin closed and a deadline.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// A snapshot of the process environment, taken once at start-up.
#[derive(Debug, Clone, Default)]
pub struct ProcessEnv {
    vars: BTreeMap<String, String>,
}

impl ProcessEnv {
    /// Capture the current process environment (variables that are not UTF-8 are skipped:
    /// none of the ones godoctor reads can meaningfully be non-UTF-8).
    pub fn capture() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        ProcessEnv { vars }
    }

    /// Build an environment from explicit pairs (unit tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        ProcessEnv {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The value of `name` if it is set, even when empty.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The value of `name` if it is set and non-empty: the way `go` reads its own variables
    /// (an empty OS variable does not override the go env file).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.is_empty())
    }

    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from).or_else(dirs::home_dir)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// What a finished child program produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub status: Option<i32>,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Why a child program could not be run to completion.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{program} was not found or could not be started: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{program} did not finish within {seconds} s and was stopped")]
    Timeout { program: String, seconds: u64 },
    #[error("waiting for {program} failed: {source}")]
    Wait {
        program: String,
        source: std::io::Error,
    },
}

/// Run `program args…` with stdin closed, stdout/stderr captured, and a deadline.
///
/// `env` is the complete environment of the child: the caller decides what it inherits.
pub fn run(
    program: &Path,
    args: &[OsString],
    env: &ProcessEnv,
    cwd: Option<&Path>,
    timeout: Duration,
) -> Result<RunOutput, RunError> {
    let name = program.display().to_string();
    let started = Instant::now();
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(env.iter())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
        program: name.clone(),
        source,
    })?;
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let out = child.stdout.take().map(drain);
    let err = child.stderr.take().map(drain);
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::Timeout {
                program: name,
                seconds: timeout.as_secs().max(1),
            });
        }
        Err(source) => {
            let _ = child.kill();
            return Err(RunError::Wait {
                program: name,
                source,
            });
        }
    };
    let stdout = out
        .map(|h| h.join().unwrap_or_default())
        .unwrap_or_default();
    let stderr = err
        .map(|h| h.join().unwrap_or_default())
        .unwrap_or_default();
    Ok(RunOutput {
        status: status.code(),
        success: status.success(),
        stdout,
        stderr,
        elapsed: started.elapsed(),
    })
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Most bytes of each stream [`run_passthrough`] keeps for the caller (the output itself is
/// passed through whole).
pub const PASSTHROUGH_KEEP: usize = 4 * 1024 * 1024;

/// Run `program args…` (the user's own command, so no deadline) with stdin closed; every chunk
/// of its stdout and stderr is handed to `tee(bytes, is_stderr)` as it arrives, and the first
/// [`PASSTHROUGH_KEEP`] bytes of each are returned.
pub fn run_passthrough(
    program: &Path,
    args: &[OsString],
    env: &ProcessEnv,
    tee: fn(&[u8], bool),
) -> Result<RunOutput, RunError> {
    let name = program.display().to_string();
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(env.iter())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| RunError::Spawn {
            program: name.clone(),
            source,
        })?;
    let out = child.stdout.take().map(|p| tee_pipe(p, tee, false));
    let err = child.stderr.take().map(|p| tee_pipe(p, tee, true));
    let status = child.wait().map_err(|source| RunError::Wait {
        program: name,
        source,
    })?;
    let join = |h: Option<std::thread::JoinHandle<String>>| {
        h.map(|h| h.join().unwrap_or_default()).unwrap_or_default()
    };
    Ok(RunOutput {
        status: status.code(),
        success: status.success(),
        stdout: join(out),
        stderr: join(err),
        elapsed: started.elapsed(),
    })
}

fn tee_pipe(
    mut pipe: impl Read + Send + 'static,
    tee: fn(&[u8], bool),
    is_stderr: bool,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    tee(&chunk[..n], is_stderr);
                    let room = PASSTHROUGH_KEEP.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
            }
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}
