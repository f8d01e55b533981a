//! Writing settings through `go env -w` / `go env -u` as one transaction: lock, snapshot,
//! one call each, re-read and verify, roll back on any failure. Also `undo`.

use std::collections::BTreeMap;
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
    #[error("`go {command}` failed: {stderr}{}", rollback_note(*rolled_back))]
    GoRefused {
        command: String,
        stderr: String,
        rolled_back: bool,
    },
    #[error("after writing, {detail}{}", rollback_note(*rolled_back))]
    Verify { detail: String, rolled_back: bool },
    #[error("nothing to undo: godoctor has made no write that is still in its history")]
    NothingToUndo,
    #[error("the last snapshot belongs to {snapshot}, but go now uses {current}")]
    OtherFile { snapshot: PathBuf, current: PathBuf },
}

fn rollback_note(rolled_back: bool) -> &'static str {
    if rolled_back {
        " (the previous settings were restored)"
    } else {
        " (restoring the previous settings failed too: run `godoctor undo`)"
    }
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
            WriteError::NothingToUndo => "`godoctor env` shows the current settings".into(),
            WriteError::OtherFile { .. } => {
                "set GOENV back to the file the snapshot was taken for".into()
            }
            _ => return None,
        })
    }
}

/// Apply `changes` as one transaction. `action` is recorded in the history (redacted).
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

    // Re-read under the lock: another godoctor may have written since the caller looked.
    let before = GoEnv::load(go, env)?;
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
    let file_before = std::fs::read_to_string(&goenv).ok();
    let (snapshot_path, snapshot) = history.save(action, &goenv, entries.clone(), file_before)?;

    let forward: Vec<(String, Option<String>)> = entries
        .iter()
        .map(|e| (e.name.clone(), e.after.clone()))
        .collect();
    let backward: Vec<(String, Option<String>)> = entries
        .iter()
        .map(|e| (e.name.clone(), e.before.clone()))
        .collect();

    if let Err((command, stderr)) = apply(go, env, &forward) {
        let rolled_back = roll_back(go, env, &backward);
        if rolled_back {
            let _ = history.discard(&snapshot_path);
        }
        return Err(WriteError::GoRefused {
            command,
            stderr,
            rolled_back,
        });
    }
    let after = GoEnv::load(go, env)?;
    if let Err(detail) = verify(&after, &forward) {
        let rolled_back = roll_back(go, env, &backward);
        if rolled_back {
            let _ = history.discard(&snapshot_path);
        }
        return Err(WriteError::Verify {
            detail,
            rolled_back,
        });
    }
    let shadowed = shadows(env, entries.iter().map(|e| (&e.name, &e.after)));
    Ok(WriteReport {
        snapshot: Some(snapshot),
        changed: entries,
        goenv,
        shadowed,
        after,
    })
}

/// Restore the newest snapshot and remove it from the history.
pub fn undo(
    go: &GoBinary,
    env: &ProcessEnv,
    history: &History,
) -> Result<(Snapshot, WriteReport), WriteError> {
    let mut lock = fd_lock::RwLock::new(history.lock_file()?);
    let _guard = lock.write().map_err(WriteError::Lock)?;
    let (path, snapshot) = history.latest()?.ok_or(WriteError::NothingToUndo)?;
    let before = GoEnv::load(go, env)?;
    let (goenv, _) = user_file(&before)?;
    if goenv != snapshot.goenv {
        return Err(WriteError::OtherFile {
            snapshot: snapshot.goenv.clone(),
            current: goenv,
        });
    }
    let backward: Vec<(String, Option<String>)> = snapshot
        .entries
        .iter()
        .map(|e| (e.name.clone(), e.before.clone()))
        .collect();
    if let Err((command, stderr)) = apply(go, env, &backward) {
        return Err(WriteError::GoRefused {
            command,
            stderr,
            rolled_back: false,
        });
    }
    let after = GoEnv::load(go, env)?;
    verify(&after, &backward).map_err(|detail| WriteError::Verify {
        detail,
        rolled_back: false,
    })?;
    restore_exact_lines(&goenv, snapshot.file_before.as_deref());
    history.discard(&path)?;
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

/// Put the previous values back after a failed write. If the failed write changed nothing
/// (go refused before touching the file), there is nothing to restore.
fn roll_back(go: &GoBinary, env: &ProcessEnv, backward: &[(String, Option<String>)]) -> bool {
    let intact = GoEnv::load(go, env).is_ok_and(|now| verify(&now, backward).is_ok());
    intact || apply(go, env, backward).is_ok()
}

/// `go env -w` moves a rewritten line to the end of the file, so restoring values through go
/// can leave the lines in another order. When the file now means exactly what it meant before
/// (same names, same values), put the original text back so undo is exact. Best effort: if the
/// meaning differs (someone edited the file meanwhile) go's version stays.
fn restore_exact_lines(path: &Path, before: Option<&str>) {
    let Ok(now) = std::fs::read_to_string(path) else {
        return;
    };
    let meaning = |text: &str| -> BTreeMap<String, String> {
        envfile::parse(text)
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    };
    match before {
        Some(before) if before != now && meaning(before) == meaning(&now) => {
            let _ = replace_file(path, before);
        }
        // The file did not exist before; go left an empty one behind.
        None if now.trim().is_empty() => {
            let _ = std::fs::remove_file(path);
        }
        _ => {}
    }
}

/// Replace `path`'s content atomically (temp file in the same directory, then rename), keeping
/// its permissions.
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".godoctor-restore-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn user_file(env: &GoEnv) -> Result<(PathBuf, Option<super::EnvFile>), WriteError> {
    match &env.user_file {
        FileState::Off => Err(WriteError::GoenvOff),
        FileState::Missing { path } => Ok((path.clone(), None)),
        FileState::Read { path, file } => Ok((path.clone(), Some(file.clone()))),
        FileState::Unreadable { path, error } => Err(WriteError::Unreadable {
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
