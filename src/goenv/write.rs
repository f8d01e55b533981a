//! Writing settings through `go env -w` / `go env -u` as one transaction: lock, snapshot,
//! one call each, re-read and verify, roll back on any failure. Also `undo`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::history::{Entry, History, HistoryError, Snapshot};
use super::{FileState, GoBinary, GoEnv, GoEnvError, envfile, go_timeout};
use crate::redact::redact;
use crate::sys::{self, ProcessEnv};

/// One requested change: set `name` to `value`, or unset it (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub name: String,
    pub value: Option<String>,
}

/// An OS variable that keeps overriding what was written to the go env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadow {
    pub name: String,
    pub os_value: String,
}

/// What a successful write (or undo) did.
#[derive(Debug, Clone)]
pub struct WriteReport {
    /// The snapshot saved before the write (`None` when nothing needed changing, and for undo).
    pub snapshot: Option<Snapshot>,
    /// The entries actually changed (before → after in the go env file).
    pub changed: Vec<Entry>,
    /// The go env file written.
    pub goenv: PathBuf,
    /// OS variables that hide the new values from go.
    pub shadowed: Vec<Shadow>,
    /// The environment as re-read after the write.
    pub after: GoEnv,
}

/// What became of the go env file after a write failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollback {
    /// The failed write had not changed a byte: nothing needed restoring.
    Untouched,
    /// The whole file was put back from the snapshot and read back byte-identical.
    Restored,
    /// Putting the file back failed: the snapshot is kept as an undo step that restores the
    /// whole file.
    Failed { reason: String, snapshot: PathBuf },
}

impl std::fmt::Display for Rollback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rollback::Untouched => write!(f, " (the go env file was not changed)"),
            Rollback::Restored => write!(
                f,
                " (the previous settings were restored: the whole go env file was put back from \
                 the snapshot and checked)"
            ),
            Rollback::Failed { reason, snapshot } => write!(
                f,
                " (putting the previous file back failed too: {reason}; the snapshot is kept in \
                 {}: run `godoctor undo` once the cause is fixed)",
                snapshot.display()
            ),
        }
    }
}

/// Why a write did not happen (or was rolled back).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("GOENV=off: go has no env file to write to")]
    GoenvOff,
    #[error("the go env file {path} cannot be read ({error}), so godoctor cannot snapshot it")]
    Unreadable { path: PathBuf, error: String },
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("cannot take godoctor's write lock: {0}")]
    Lock(std::io::Error),
    #[error(transparent)]
    GoEnv(#[from] GoEnvError),
    #[error("`go {command}` failed: {stderr}{rollback}")]
    GoRefused {
        command: String,
        stderr: String,
        rollback: Rollback,
    },
    #[error("after writing, {detail}{rollback}")]
    Verify { detail: String, rollback: Rollback },
    #[error("after writing, go no longer runs: {error}{rollback}")]
    GoBroken { error: String, rollback: Rollback },
    #[error(
        "cannot restore {name} through `go env -w`: {reason}; the go env file {} was changed \
         since godoctor's write, so godoctor will not put the old file back over those changes",
        goenv.display()
    )]
    CannotRestore {
        name: String,
        reason: String,
        goenv: PathBuf,
    },
    #[error("putting back {} failed: {detail}", goenv.display())]
    RestoreFailed { goenv: PathBuf, detail: String },
    #[error("nothing to undo: godoctor has made no write that is still in its history")]
    NothingToUndo,
    #[error("the last snapshot belongs to {snapshot}, but go now uses {current}")]
    OtherFile { snapshot: PathBuf, current: PathBuf },
}

impl WriteError {
    /// The fix to print as `help:`.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            WriteError::GoenvOff => {
                "unset GOENV (or point it at a file) so `go env -w` can write".into()
            }
            WriteError::Unreadable { path, .. } => {
                format!("check the permissions of {}", path.display())
            }
            WriteError::History(_) => {
                "make that directory writable, or set GODOCTOR_HOME to a writable directory".into()
            }
            WriteError::GoRefused { .. } => {
                "check that the go env file and its directory are writable".into()
            }
            WriteError::Verify {
                rollback: Rollback::Failed { .. },
                ..
            }
            | WriteError::GoBroken {
                rollback: Rollback::Failed { .. },
                ..
            } => "free space on (or make writable) the go env file's disk, then `godoctor undo`"
                .into(),
            WriteError::GoBroken { .. } => {
                "correct the value: `godoctor env` explains each setting".into()
            }
            WriteError::CannotRestore { goenv, .. } => {
                format!("edit {} by hand", goenv.display())
            }
            WriteError::RestoreFailed { .. } => {
                "free space on (or make writable) the go env file's disk, then `godoctor undo` again"
                    .into()
            }
            WriteError::NothingToUndo => "`godoctor env` shows the current settings".into(),
            WriteError::OtherFile { .. } => {
                "set GOENV back to the file the snapshot was taken for".into()
            }
            _ => return None,
        })
    }
}

/// The most godoctor reads of a go env file (go's are a few lines; GOPRIVATE lists of some
/// thousand characters are the largest seen).
pub const GOENV_CAP: u64 = 1 << 20;

/// The go env file's bytes (`None`: no file), capped, never blocking on a FIFO or device.
fn read_goenv(path: &Path) -> Result<Option<Vec<u8>>, WriteError> {
    sys::read_file_capped(path, GOENV_CAP).map_err(|e| WriteError::Unreadable {
        path: path.to_path_buf(),
        error: e.to_string(),
    })
}

/// Apply `changes` as one transaction. `action` is recorded in the history (redacted).
///
/// The snapshot of the whole file is saved as pending first; after `go env -w/-u` the WHOLE
/// file is checked (every other line must mean what it meant) and go must still run. Only then
/// does the snapshot become an undo step. On any failure the whole file is put back byte-exact
/// and read back; the snapshot is dropped only once that is proven.
pub fn write(
    go: &GoBinary,
    env: &ProcessEnv,
    history: &History,
    changes: &[Change],
    action: &str,
) -> Result<WriteReport, WriteError> {
    history.ensure_writable()?;
    let mut lock = fd_lock::RwLock::new(history.lock_file()?);
    let _guard = lock.write().map_err(WriteError::Lock)?;
    settle_pending(history)?;

    // Re-read under the lock: another godoctor may have written since the caller looked.
    // A bad line that stops go must not stop its own repair: then godoctor reads the file.
    let (before, broken_before) = GoEnv::load_or_degraded(go, env)?;
    let (goenv, file) = user_file(&before)?;
    let entries: Vec<Entry> = changes
        .iter()
        .map(|c| Entry {
            name: c.name.clone(),
            before: file
                .as_ref()
                .and_then(|f| f.last(&c.name))
                .map(|e| e.value.clone()),
            after: c.value.clone(),
        })
        .filter(|e| e.before != e.after)
        .collect();
    if entries.is_empty() {
        let shadowed = shadows(env, changes.iter().map(|c| (&c.name, &c.value)));
        return Ok(WriteReport {
            snapshot: None,
            changed: vec![],
            goenv,
            shadowed,
            after: before,
        });
    }
    remove_stale_temps(&goenv);
    let bytes_before = read_goenv(&goenv)?;
    let (pending, snapshot) =
        history.save_pending(action, &goenv, entries.clone(), bytes_before.as_deref())?;

    let forward: Vec<(String, Option<String>)> = entries
        .iter()
        .map(|e| (e.name.clone(), e.after.clone()))
        .collect();
    let want = expected_after(&snapshot, bytes_before.as_deref());

    let failed = match apply(go, env, &forward) {
        Err((command, stderr)) => Err(Failed::Go { command, stderr }),
        Ok(()) => match check_whole_file(&goenv, &want) {
            Err(detail) => Err(Failed::Verify(detail)),
            Ok(()) => match GoEnv::load(go, env) {
                // go refused to run before the write too: the file check above is the proof.
                Err(e) if broken_before => {
                    GoEnv::degraded(go, env, &e).ok_or_else(|| Failed::GoBroken(e.to_string()))
                }
                Err(e) => Err(Failed::GoBroken(e.to_string())),
                Ok(after) => match verify(&after, &forward) {
                    Err(detail) => Err(Failed::Verify(detail)),
                    Ok(()) => Ok(after),
                },
            },
        },
    };
    let after = match failed {
        Ok(after) => after,
        Err(failure) => {
            let rollback = roll_back(history, &pending, &snapshot, bytes_before.as_deref());
            return Err(failure.into_error(rollback));
        }
    };
    history.commit(&pending, &snapshot)?;
    let shadowed = shadows(env, entries.iter().map(|e| (&e.name, &e.after)));
    Ok(WriteReport {
        snapshot: Some(snapshot),
        changed: entries,
        goenv,
        shadowed,
        after,
    })
}

/// How a write went wrong, before the rollback is known.
enum Failed {
    Go { command: String, stderr: String },
    Verify(String),
    GoBroken(String),
}

impl Failed {
    fn into_error(self, rollback: Rollback) -> WriteError {
        match self {
            Failed::Go { command, stderr } => WriteError::GoRefused {
                command,
                stderr,
                rollback,
            },
            Failed::Verify(detail) => WriteError::Verify { detail, rollback },
            Failed::GoBroken(error) => WriteError::GoBroken { error, rollback },
        }
    }
}

/// The shape the go env file must have once a snapshot's write is done.
fn expected_after(snapshot: &Snapshot, before: Option<&[u8]>) -> envfile::Shape {
    envfile::shape(before).with_changes(
        snapshot
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.after.as_deref())),
    )
}

/// Read the whole file back and compare its meaning and kept lines with `want`.
fn check_whole_file(goenv: &Path, want: &envfile::Shape) -> Result<(), String> {
    let now = read_goenv(goenv).map_err(|e| e.to_string())?;
    let got = envfile::shape(now.as_deref());
    if &got == want {
        Ok(())
    } else {
        Err(format!(
            "the go env file {} is not what the write should have left ({})",
            goenv.display(),
            envfile::describe_difference(want, &got)
        ))
    }
}

/// After a failed write: if the file is byte-identical to the snapshot, drop the snapshot;
/// otherwise put the whole file back and drop the snapshot only once the read-back proves it.
/// If that fails, keep the snapshot as an undo step that restores the whole file.
fn roll_back(
    history: &History,
    pending: &Path,
    snapshot: &Snapshot,
    before: Option<&[u8]>,
) -> Rollback {
    let goenv = &snapshot.goenv;
    if read_goenv(goenv).is_ok_and(|now| now.as_deref() == before) {
        let _ = history.discard(pending);
        return Rollback::Untouched;
    }
    let restored = restore_bytes(goenv, before)
        .map_err(|e| e.to_string())
        .and_then(|()| match read_goenv(goenv) {
            Ok(now) if now.as_deref() == before => Ok(()),
            Ok(_) => Err("the file read back differs from the snapshot".to_string()),
            Err(e) => Err(e.to_string()),
        });
    match restored {
        Ok(()) => {
            let _ = history.discard(pending);
            Rollback::Restored
        }
        Err(reason) => {
            let mut kept = snapshot.clone();
            kept.restore_whole = true;
            let snapshot = history
                .commit(pending, &kept)
                .unwrap_or_else(|_| pending.to_path_buf());
            Rollback::Failed { reason, snapshot }
        }
    }
}

/// Settle snapshots left pending by a godoctor that was killed mid-write: a file still
/// byte-identical to the snapshot means the change never happened (drop it); otherwise the
/// change (or part of it) happened and the snapshot becomes an undo step, restoring the whole
/// file if the write was cut off half-way.
fn settle_pending(history: &History) -> Result<(), WriteError> {
    for (path, mut snapshot) in history.pending()? {
        remove_stale_temps(&snapshot.goenv);
        let before = snapshot.bytes_before();
        let now = sys::read_file_capped(&snapshot.goenv, GOENV_CAP);
        match (&before, &now) {
            (Some(before), Ok(now)) if now == before => {
                history.discard(&path)?;
            }
            _ => {
                snapshot.restore_whole = match (&before, &now) {
                    (Some(before), Ok(now)) => {
                        envfile::shape(now.as_deref())
                            != expected_after(&snapshot, before.as_deref())
                    }
                    _ => true,
                };
                history.commit(&path, &snapshot)?;
            }
        }
    }
    Ok(())
}

/// Restore the newest snapshot and remove it from the history.
///
/// When the go env file is as the write left it (or the write was cut off), the whole file
/// is put back byte-exact from the snapshot, without asking go (which may refuse to run with
/// a bad value in that file). When the file was changed since, only the variables the write
/// touched are restored, through `go env -w/-u`, so the later changes stay.
pub fn undo(
    go: &GoBinary,
    env: &ProcessEnv,
    history: &History,
) -> Result<(Snapshot, WriteReport), WriteError> {
    let mut lock = fd_lock::RwLock::new(history.lock_file()?);
    let _guard = lock.write().map_err(WriteError::Lock)?;
    settle_pending(history)?;
    let (path, snapshot) = history.latest()?.ok_or(WriteError::NothingToUndo)?;
    // go may refuse to run because of the very value being undone: then GOENV is where go
    // would look without being asked.
    let loaded = GoEnv::load(go, env);
    let goenv = match &loaded {
        Ok(before) => user_file(before)?.0,
        Err(_) => super::default_user_file(env).ok_or(WriteError::GoenvOff)?,
    };
    if goenv != snapshot.goenv {
        return Err(WriteError::OtherFile {
            snapshot: snapshot.goenv.clone(),
            current: goenv,
        });
    }
    remove_stale_temps(&goenv);
    let now = read_goenv(&goenv)?;
    let backward: Vec<(String, Option<String>)> = snapshot
        .entries
        .iter()
        .map(|e| (e.name.clone(), e.before.clone()))
        .collect();
    let whole = snapshot.bytes_before().filter(|before| {
        snapshot.restore_whole
            || envfile::shape(now.as_deref()) == expected_after(&snapshot, before.as_deref())
    });
    let after = match whole {
        Some(before) => {
            restore_bytes(&goenv, before.as_deref()).map_err(|e| WriteError::RestoreFailed {
                goenv: goenv.clone(),
                detail: e.to_string(),
            })?;
            if read_goenv(&goenv)? != before {
                return Err(WriteError::RestoreFailed {
                    goenv,
                    detail: "the file read back differs from the snapshot".into(),
                });
            }
            history.discard(&path)?;
            GoEnv::load_or_degraded(go, env)?.0
        }
        None => {
            if let Err(e) = loaded {
                if GoEnv::degraded(go, env, &e).is_none() {
                    return Err(e.into());
                }
            }
            for (name, value) in &backward {
                if let Some(reason) = value.as_deref().and_then(unwritable_by_go) {
                    return Err(WriteError::CannotRestore {
                        name: name.clone(),
                        reason: reason.to_string(),
                        goenv,
                    });
                }
            }
            if let Err((command, stderr)) = apply(go, env, &backward) {
                return Err(WriteError::GoRefused {
                    command,
                    stderr,
                    rollback: Rollback::Untouched,
                });
            }
            let after = GoEnv::load_or_degraded(go, env)?.0;
            verify(&after, &backward).map_err(|detail| WriteError::Verify {
                detail,
                rollback: Rollback::Failed {
                    reason: "undo does not roll itself back".into(),
                    snapshot: path.clone(),
                },
            })?;
            history.discard(&path)?;
            after
        }
    };
    let changed = snapshot
        .entries
        .iter()
        .map(|e| Entry {
            name: e.name.clone(),
            before: e.after.clone(),
            after: e.before.clone(),
        })
        .collect();
    let shadowed = shadows(env, backward.iter().map(|(n, v)| (n, v)));
    Ok((
        snapshot,
        WriteReport {
            snapshot: None,
            changed,
            goenv,
            shadowed,
            after,
        },
    ))
}

/// Why `go env -w NAME=value` would refuse `value` (go rejects newlines, carriage returns
/// included, and NUL cannot be an argument).
fn unwritable_by_go(value: &str) -> Option<&'static str> {
    if value.contains('\r') {
        Some(
            "its old value ends in a carriage return (a file with CRLF line ends), which go env -w refuses",
        )
    } else if value.contains('\n') || value.contains('\0') {
        Some("its old value holds a newline or NUL, which go env -w refuses")
    } else if value.contains('\u{FFFD}') {
        Some("its old value is not valid UTF-8, and go env -w would not write the same bytes")
    } else {
        None
    }
}

use crate::atomic::resolve_links;

const RESTORE_TEMP_PREFIX: &str = ".godoctor-restore-";

/// Put the go env file back to exactly `bytes` (`None`: remove it), through symlinks.
///
/// Atomic (temp file beside the target, then rename) when there is room; on a full disk the
/// temp file cannot be written, so the target is rewritten in place, the way `go env -w`
/// itself writes (truncating it frees the space the old content needs).
fn restore_bytes(path: &Path, bytes: Option<&[u8]>) -> std::io::Result<()> {
    use std::io::Write as _;
    let target = resolve_links(path);
    let Some(bytes) = bytes else {
        return match std::fs::remove_file(&target) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    };
    if crate::atomic::write(&target, bytes, crate::atomic::Mode::Keep).is_ok() {
        return Ok(());
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&target)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Remove restore temp files a killed godoctor left beside the go env file (called with the
/// write lock held, so none of them is in use).
fn remove_stale_temps(goenv: &Path) {
    let target = resolve_links(goenv);
    let Some(dir) = target.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // This module's former temp names, and the atomic write's.
        if name.starts_with(RESTORE_TEMP_PREFIX) || crate::atomic::is_temp(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn user_file(env: &GoEnv) -> Result<(PathBuf, Option<super::EnvFile>), WriteError> {
    match &env.user_file {
        FileState::Off => Err(WriteError::GoenvOff),
        FileState::Missing { path } => Ok((path.clone(), None)),
        FileState::Read { path, file } => Ok((path.clone(), Some(file.clone()))),
        FileState::Unreadable { path, error, .. } => Err(WriteError::Unreadable {
            path: path.clone(),
            error: error.clone(),
        }),
    }
}

/// Run one `go env -w` for the sets and one `go env -u` for the unsets.
/// On failure returns the command (redacted) and go's stderr.
fn apply(
    go: &GoBinary,
    env: &ProcessEnv,
    target: &[(String, Option<String>)],
) -> Result<(), (String, String)> {
    let sets: Vec<OsString> = target
        .iter()
        .filter_map(|(n, v)| v.as_ref().map(|v| OsString::from(format!("{n}={v}"))))
        .collect();
    let unsets: Vec<OsString> = target
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| OsString::from(n))
        .collect();
    for (flag, args) in [("-w", sets), ("-u", unsets)] {
        if args.is_empty() {
            continue;
        }
        let mut argv: Vec<OsString> = vec!["env".into(), flag.into()];
        argv.extend(args.iter().cloned());
        let shown = redact(&format!(
            "env {flag} {}",
            args.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        match sys::run(&go.path, &argv, env, None, go_timeout(env)) {
            Ok(out) if out.success => {}
            Ok(out) => return Err((shown, redact(out.stderr.trim()))),
            Err(e) => return Err((shown, redact(&e.to_string()))),
        }
    }
    Ok(())
}

/// Check that the go env file now holds exactly `target`.
fn verify(after: &GoEnv, target: &[(String, Option<String>)]) -> Result<(), String> {
    let file = match &after.user_file {
        FileState::Read { file, .. } => Some(file),
        FileState::Missing { .. } => None,
        other => return Err(format!("the go env file cannot be read back ({other:?})")),
    };
    for (name, want) in target {
        let got = file.and_then(|f| f.last(name)).map(|e| e.value.clone());
        if &got != want {
            return Err(redact(&format!(
                "the go env file has {name}={} but {} was written",
                got.as_deref().unwrap_or("(absent)"),
                want.as_deref().unwrap_or("(absent)")
            )));
        }
    }
    Ok(())
}

fn shadows<'a>(
    env: &ProcessEnv,
    written: impl Iterator<Item = (&'a String, &'a Option<String>)>,
) -> Vec<Shadow> {
    written
        .filter_map(|(name, value)| {
            let os = env.get(name)?;
            (value.as_deref() != Some(os)).then(|| Shadow {
                name: name.clone(),
                os_value: os.to_string(),
            })
        })
        .collect()
}
