//! godoctor's history of settings snapshots (for `undo`) and the lock that serialises writers.
//!
//! A snapshot records, for each variable a write touches, the line the user's go env file had
//! before (`None` when the variable was absent). Files are JSON, mode 0600, because they hold
//! the real values (which may include credentials) needed to restore them.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// One variable's state in the go env file before and after a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    /// The file's value before the write; `None` = the variable was not in the file.
    pub before: Option<String>,
    /// What the write put there; `None` = unset.
    pub after: Option<String>,
}

/// A snapshot taken before one write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub id: String,
    pub time_unix: u64,
    /// What was done, e.g. `env set GOPROXY=…` (redacted).
    pub action: String,
    /// The go env file the values belong to.
    pub goenv: PathBuf,
    pub entries: Vec<Entry>,
    /// The whole go env file before the write (`None`: there was none), so that undo can put
    /// back the exact lines when `go env -w` has only moved them around.
    #[serde(default)]
    pub file_before: Option<String>,
}

/// Why the history could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("godoctor has no directory for its history (HOME is not set)")]
    NoHome,
    #[error("cannot write godoctor's history in {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("history file {path} is damaged: {detail}")]
    Damaged { path: PathBuf, detail: String },
}

/// The history directory (`<data dir>/history`) and the lock file beside it.
#[derive(Debug, Clone)]
pub struct History {
    root: PathBuf,
}

impl History {
    pub fn new(data_dir: Option<PathBuf>) -> Result<History, HistoryError> {
        data_dir
            .map(|root| History { root })
            .ok_or(HistoryError::NoHome)
    }

    fn dir(&self) -> PathBuf {
        self.root.join("history")
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HistoryError + '_ {
        move |source| HistoryError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Open (creating) the lock file. Callers hold `fd_lock::RwLock::write()` on it for the
    /// whole snapshot-write-verify sequence.
    pub fn lock_file(&self) -> Result<File, HistoryError> {
        fs::create_dir_all(&self.root).map_err(Self::io(&self.root))?;
        let path = self.root.join("lock");
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(Self::io(&path))
    }

    /// Check that snapshots can be written, before anything is changed.
    pub fn ensure_writable(&self) -> Result<(), HistoryError> {
        let dir = self.dir();
        fs::create_dir_all(&dir).map_err(Self::io(&dir))?;
        let probe = dir.join(".probe");
        File::create(&probe).map_err(Self::io(&dir))?;
        let _ = fs::remove_file(probe);
        Ok(())
    }

    /// Save a snapshot atomically (temp file + rename) with mode 0600.
    pub fn save(
        &self,
        action: &str,
        goenv: &Path,
        entries: Vec<Entry>,
        file_before: Option<String>,
    ) -> Result<(PathBuf, Snapshot), HistoryError> {
        let dir = self.dir();
        fs::create_dir_all(&dir).map_err(Self::io(&dir))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        // Zero-padded nanoseconds sort in time order; the pid separates same-instant writers.
        let id = format!("{:020}-{}", now.as_nanos(), std::process::id());
        let snapshot = Snapshot {
            version: 1,
            id: id.clone(),
            time_unix: now.as_secs(),
            action: crate::redact::redact(action),
            goenv: goenv.to_path_buf(),
            entries,
            file_before,
        };
        let text = serde_json::to_string_pretty(&snapshot).map_err(|e| HistoryError::Damaged {
            path: dir.clone(),
            detail: e.to_string(),
        })?;
        let path = dir.join(format!("{id}.json"));
        let tmp = dir.join(format!(".{id}.tmp"));
        write_private(&tmp, text.as_bytes()).map_err(Self::io(&tmp))?;
        fs::rename(&tmp, &path).map_err(Self::io(&path))?;
        Ok((path, snapshot))
    }

    /// The newest snapshot, if any.
    pub fn latest(&self) -> Result<Option<(PathBuf, Snapshot)>, HistoryError> {
        let dir = self.dir();
        let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(HistoryError::Io {
                    path: dir,
                    source: e,
                });
            }
        };
        files.sort();
        let Some(path) = files.pop() else {
            return Ok(None);
        };
        let text = fs::read_to_string(&path).map_err(Self::io(&path))?;
        let snapshot: Snapshot =
            serde_json::from_str(&text).map_err(|e| HistoryError::Damaged {
                path: path.clone(),
                detail: e.to_string(),
            })?;
        Ok(Some((path, snapshot)))
    }

    /// Remove a snapshot once it has been restored.
    pub fn discard(&self, path: &Path) -> Result<(), HistoryError> {
        fs::remove_file(path).map_err(Self::io(path))
    }
}

/// Create `path` with mode 0600 (on Unix) and write `bytes` to it, flushed to disk.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_latest_round_trips_with_private_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let h = History::new(Some(dir.path().to_path_buf())).expect("history");
        assert!(h.latest().expect("empty").is_none());
        let entries = vec![Entry {
            name: "GOPROXY".into(),
            before: None,
            after: Some("x".into()),
        }];
        let (_, s1) = h
            .save(
                "env set GOPROXY=x",
                Path::new("/g/env"),
                entries.clone(),
                None,
            )
            .expect("save");
        let (_, s2) = h
            .save(
                "env set GOPROXY=y",
                Path::new("/g/env"),
                entries,
                Some("A=b\n".into()),
            )
            .expect("save");
        let (path, latest) = h.latest().expect("read").expect("some");
        assert_eq!(latest, s2);
        assert_ne!(s1.id, s2.id);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        h.discard(&path).expect("discard");
        assert_eq!(h.latest().expect("read").map(|(_, s)| s), Some(s1));
    }

    #[test]
    fn damaged_snapshot_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(dir.path().join("history")).expect("mkdir");
        fs::write(dir.path().join("history/1.json"), "{not json").expect("write");
        let h = History::new(Some(dir.path().to_path_buf())).expect("history");
        assert!(matches!(h.latest(), Err(HistoryError::Damaged { .. })));
    }
}
