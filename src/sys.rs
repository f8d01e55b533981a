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
use std::sync::mpsc;
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

    /// A copy with `name` set to `value` (a child that must run with one setting pinned).
    pub fn with(&self, name: &str, value: &str) -> ProcessEnv {
        let mut vars = self.vars.clone();
        vars.insert(name.to_string(), value.to_string());
        ProcessEnv { vars }
    }

    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from).or_else(dirs::home_dir)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// The most of a child's stdout godoctor keeps: `go env -json` prints a few KiB and
/// `go list -m -json all` of a large module a few MiB; a runaway program must not fill memory.
pub const STDOUT_CAP: usize = 32 << 20;
/// The most of a child's stderr godoctor keeps (go's errors are a few lines).
pub const STDERR_CAP: usize = 1 << 20;

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
    #[error(
        "{program} exited, but a process it started kept its output open for more than {seconds} s \
         (the deadline), so it was stopped"
    )]
    OutputHeld { program: String, seconds: u64 },
    #[error("{program} printed more than {cap} bytes on {stream}, so it was stopped")]
    TooMuchOutput {
        program: String,
        stream: &'static str,
        cap: usize,
    },
    #[error("waiting for {program} failed: {source}")]
    Wait {
        program: String,
        source: std::io::Error,
    },
}

/// Run `program args…` with stdin closed, stdout/stderr captured (each capped), and a deadline.
///
/// The child runs in its own process group, so that on a timeout the whole group is killed:
/// a wrapper or shim that leaves a background child holding the pipes cannot outlive the
/// deadline. The deadline bounds the exit and the closing of both pipes together. (A
/// terminal's Ctrl-C therefore reaches godoctor, not the child: a `go env -w` under way
/// finishes its write instead of being cut off half-way.)
///
/// `env` is the complete environment of the child: the caller decides what it inherits.
pub fn run(
    program: &Path,
    args: &[OsString],
    env: &ProcessEnv,
    cwd: Option<&Path>,
    timeout: Duration,
) -> Result<RunOutput, RunError> {
    run_with_input(program, args, env, cwd, timeout, None)
}

/// [`run`], with `input` written to the child's stdin (then closed) instead of a closed stdin:
/// the credential helpers GOAUTH names read their question there.
pub fn run_with_input(
    program: &Path,
    args: &[OsString],
    env: &ProcessEnv,
    cwd: Option<&Path>,
    timeout: Duration,
    input: Option<&[u8]>,
) -> Result<RunOutput, RunError> {
    let name = program.display().to_string();
    let started = Instant::now();
    let deadline = started + timeout;
    let seconds = timeout.as_secs().max(1);
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(env.iter())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    own_process_group(&mut cmd);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
        program: name.clone(),
        source,
    })?;
    let group = child.id();
    if let (Some(mut pipe), Some(bytes)) = (child.stdin.take(), input) {
        // On a thread: a child that never reads must not block us past the deadline (its
        // kill closes the pipe and ends the write).
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            use std::io::Write as _;
            let _ = pipe.write_all(&bytes);
        });
    }
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let (tx, rx) = mpsc::channel();
    if let Some(pipe) = child.stdout.take() {
        drain(pipe, Stream::Stdout, STDOUT_CAP, group, tx.clone());
    }
    if let Some(pipe) = child.stderr.take() {
        drain(pipe, Stream::Stderr, STDERR_CAP, group, tx.clone());
    }
    drop(tx);
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            kill_group(group);
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::Timeout {
                program: name,
                seconds,
            });
        }
        Err(source) => {
            kill_group(group);
            let _ = child.kill();
            return Err(RunError::Wait {
                program: name,
                source,
            });
        }
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((stream, Ok(bytes))) => match stream {
                Stream::Stdout => stdout = bytes,
                Stream::Stderr => stderr = bytes,
            },
            Ok((stream, Err(cap))) => {
                return Err(RunError::TooMuchOutput {
                    program: name,
                    stream: stream.name(),
                    cap,
                });
            }
            // All senders gone: both pipes were read to the end.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                kill_group(group);
                return Err(RunError::OutputHeld {
                    program: name,
                    seconds,
                });
            }
        }
    }
    Ok(RunOutput {
        status: status.code(),
        success: status.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: started.elapsed(),
    })
}

#[derive(Debug, Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

type Drained = (Stream, Result<Vec<u8>, usize>);

/// Read `pipe` to its end, at most `cap` bytes; past the cap, stop the child's group (it
/// would otherwise block on a full pipe forever) and report `Err(cap)`.
fn drain(
    pipe: impl Read + Send + 'static,
    stream: Stream,
    cap: usize,
    group: u32,
    tx: mpsc::Sender<Drained>,
) {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
        let _ = pipe.take(limit).read_to_end(&mut buf);
        let result = if buf.len() > cap {
            kill_group(group);
            Err(cap)
        } else {
            Ok(buf)
        };
        let _ = tx.send((stream, result));
    });
}

/// Start the child as the leader of its own process group, so [`kill_group`] reaches its
/// grandchildren too.
#[cfg(unix)]
fn own_process_group(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
}

/// Elsewhere there are no process groups to start: the child itself is killed on a timeout.
#[cfg(not(unix))]
fn own_process_group(_cmd: &mut Command) {}

/// Kill the process group led by `leader` (a child started by [`run`]), grandchildren included.
#[cfg(unix)]
fn kill_group(leader: u32) {
    if let Some(pid) = i32::try_from(leader)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// Without process groups only the child is killed (by its handle, by the caller).
#[cfg(not(unix))]
fn kill_group(_leader: u32) {}

/// Open `path` for reading without blocking on a FIFO with no writer (O_NONBLOCK).
#[cfg(unix)]
pub fn open_read_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = rustix::fs::OFlags::NONBLOCK.bits();
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(i32::try_from(flags).unwrap_or(0))
        .open(path)
}

/// Elsewhere a plain open: the file type was checked before (no FIFOs to block on).
#[cfg(not(unix))]
pub fn open_read_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// What a file that is neither a regular file nor a directory is, for messages: a FIFO, a
/// device, a socket (`None` for a regular file, a directory or a symlink).
#[cfg(unix)]
pub fn special_file_kind(t: std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if t.is_file() || t.is_dir() || t.is_symlink() {
        None
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("a special file")
    }
}

/// Elsewhere: whatever is neither a file, a directory nor a symlink.
#[cfg(not(unix))]
pub fn special_file_kind(t: std::fs::FileType) -> Option<&'static str> {
    (!(t.is_file() || t.is_dir() || t.is_symlink())).then_some("a special file")
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

/// Why a file could not be read within godoctor's limits.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{} is {kind}, not a regular file", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{} is larger than {cap} bytes", path.display())]
    TooLarge { path: PathBuf, cap: u64 },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Read a whole regular file of at most `cap` bytes; `Ok(None)` when it does not exist (or a
/// path component is not a directory). Never blocks on a FIFO or device: the file type is
/// checked before opening, the open is non-blocking, and the type is checked again on the
/// opened file (it may have been swapped in between).
pub fn read_file_capped(path: &Path, cap: u64) -> Result<Option<Vec<u8>>, ReadError> {
    let io = |source: std::io::Error| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(io(e)),
    };
    check_regular(path, &meta)?;
    let file = open_read_nonblocking(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    check_regular(path, &meta)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            cap,
        });
    }
    Ok(Some(bytes))
}

fn check_regular(path: &Path, meta: &std::fs::Metadata) -> Result<(), ReadError> {
    let t = meta.file_type();
    let kind = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a directory"
    } else {
        special_file_kind(t).unwrap_or("a special file")
    };
    Err(ReadError::NotRegular {
        path: path.to_path_buf(),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_read_refuses_devices_fifos_and_oversized_files() {
        assert!(matches!(
            read_file_capped(Path::new("/dev/zero"), 1024),
            Err(ReadError::NotRegular { .. })
        ));
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        let made = Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(
                read_file_capped(&fifo, 1024),
                Err(ReadError::NotRegular { .. })
            ));
        }
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 2048]).expect("write");
        assert!(matches!(
            read_file_capped(&big, 1024),
            Err(ReadError::TooLarge { .. })
        ));
        assert_eq!(
            read_file_capped(&big, 4096).expect("read").map(|b| b.len()),
            Some(2048)
        );
        assert!(
            read_file_capped(&dir.path().join("none"), 10)
                .expect("missing is fine")
                .is_none()
        );
    }
}
