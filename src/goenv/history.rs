//! godoctor's history of settings snapshots (for `undo`) and the lock that serialises writers.
//!
//! A snapshot records, for each variable a write touches, the line the user's go env file had
//! before (`None` when the variable was absent). Files are JSON, mode 0600, because they hold
//! the real values (which may include credentials) needed to restore them.

use std::fs::{self, File, OpenOptions};
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
///
/// Version 2 keeps the whole go env file as bytes (base64), so undo is byte-exact even for
/// values that are not UTF-8 or end in a carriage return; version 1 snapshots (the file as
/// text, or nothing) are still read.
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
    /// Version 1: the whole go env file before the write as text (`None`: there was none, or
    /// it was not UTF-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_before: Option<String>,
    /// Version 2: the whole go env file before the write, base64 (`None`: there was none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_before_b64: Option<String>,
    /// The write failed half-way and the file could not be put back: undo must restore the
    /// whole file from `file_before_b64`, whatever the file says now.
    #[serde(default)]
    pub restore_whole: bool,
}

/// The current snapshot format.
pub const VERSION: u32 = 2;

impl Snapshot {
    /// The go env file's bytes before the write: `Some(None)` = there was no file; `None` =
    /// not known exactly (a version 1 snapshot of a missing or non-UTF-8 file).
    pub fn bytes_before(&self) -> Option<Option<Vec<u8>>> {
        use base64::Engine as _;
        if self.version >= 2 {
            return match &self.file_before_b64 {
                None => Some(None),
                Some(b64) => base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .ok()
                    .map(Some),
            };
        }
        self.file_before
            .as_ref()
            .map(|text| Some(text.as_bytes().to_vec()))
    }
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
///
/// A snapshot is first saved as `<id>.pending` and becomes `<id>.json` (an undo step) only
/// once the write is verified; a pending snapshot left behind by a killed godoctor is settled
/// by the next writer ([`History::pending`]).
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

    /// Open (creating) the lock file, mode 0600 in a 0700 directory. Callers hold
    /// `fd_lock::RwLock::write()` on it for the whole snapshot-write-verify sequence.
    pub fn lock_file(&self) -> Result<File, HistoryError> {
        crate::home::private_dir(&self.root).map_err(Self::io(&self.root))?;
        let path = self.root.join("lock");
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(Self::io(&path))?;
        #[cfg(unix)]
        {
            // A lock file created by an older godoctor is 0644.
            use std::os::unix::fs::PermissionsExt;
            let meta = file.metadata().map_err(Self::io(&path))?;
            if meta.permissions().mode() & 0o077 != 0 {
                file.set_permissions(fs::Permissions::from_mode(0o600))
                    .map_err(Self::io(&path))?;
            }
        }
        Ok(file)
    }

    /// Check that snapshots can be written, before anything is changed.
    pub fn ensure_writable(&self) -> Result<(), HistoryError> {
        let dir = self.dir();
        crate::home::private_dir(&self.root).map_err(Self::io(&self.root))?;
        crate::home::private_dir(&dir).map_err(Self::io(&dir))?;
        // An unnamed file (O_TMPFILE where there is one): a kill -9 here leaves nothing behind
        // in the history (a named probe file was left as a "damaged snapshot").
        tempfile::tempfile_in(&dir).map_err(Self::io(&dir))?;
        Ok(())
    }

    /// Save a snapshot of `file_before` (the go env file's bytes, `None` = no file) as
    /// PENDING: it is not an undo step until [`History::commit`].
    pub fn save_pending(
        &self,
        action: &str,
        goenv: &Path,
        entries: Vec<Entry>,
        file_before: Option<&[u8]>,
    ) -> Result<(PathBuf, Snapshot), HistoryError> {
        use base64::Engine as _;
        let dir = self.dir();
        crate::home::private_dir(&dir).map_err(Self::io(&dir))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        // Zero-padded nanoseconds sort in time order; the pid separates same-instant writers.
        let id = format!("{:020}-{}", now.as_nanos(), std::process::id());
        let snapshot = Snapshot {
            version: VERSION,
            id: id.clone(),
            time_unix: now.as_secs(),
            action: crate::redact::redact(action),
            goenv: goenv.to_path_buf(),
            entries,
            file_before: None,
            file_before_b64: file_before
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
            restore_whole: false,
        };
        let path = dir.join(format!("{id}.pending"));
        self.store(&path, &snapshot)?;
        Ok((path, snapshot))
    }

    /// Make a pending snapshot an undo step (with `snapshot`'s current content).
    pub fn commit(&self, pending: &Path, snapshot: &Snapshot) -> Result<PathBuf, HistoryError> {
        let path = self.dir().join(format!("{}.json", snapshot.id));
        self.store(&path, snapshot)?;
        let _ = fs::remove_file(pending);
        Ok(path)
    }

    /// Write `snapshot` to `path` atomically (temp file + rename), mode 0600, flushed.
    fn store(&self, path: &Path, snapshot: &Snapshot) -> Result<(), HistoryError> {
        let dir = self.dir();
        let text = serde_json::to_string_pretty(snapshot).map_err(|e| HistoryError::Damaged {
            path: dir.clone(),
            detail: e.to_string(),
        })?;
        crate::atomic::write(path, text.as_bytes(), crate::atomic::Mode::Private)
            .map_err(Self::io(path))
    }

    /// Snapshots left pending by a godoctor that was stopped mid-write (unreadable ones are
    /// removed: they never became undo steps). Also removes temp files such a godoctor left.
    /// Call with the write lock held.
    pub fn pending(&self) -> Result<Vec<(PathBuf, Snapshot)>, HistoryError> {
        let dir = self.dir();
        let names: Vec<PathBuf> = match fs::read_dir(&dir) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(Self::io(&dir)(e)),
        };
        let mut out = Vec::new();
        for path in names {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            // Temp files of a killed godoctor (this module's own old names, and the atomic
            // write's).
            if name.starts_with('.') && name.ends_with(".tmp") || crate::atomic::is_temp(&name) {
                let _ = fs::remove_file(&path);
            } else if name.ends_with(".pending") {
                match read_snapshot(&path) {
                    Ok(s) => out.push((path, s)),
                    Err(_) => {
                        let _ = fs::remove_file(&path);
                    }
                }
            }
        }
        out.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        Ok(out)
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
        let snapshot = read_snapshot(&path)?;
        Ok(Some((path, snapshot)))
    }

    /// Remove a snapshot once it has been restored (or a pending one that is not needed).
    pub fn discard(&self, path: &Path) -> Result<(), HistoryError> {
        fs::remove_file(path).map_err(Self::io(path))
    }
}

/// The most a snapshot file may hold: a go env file is capped well below this.
const SNAPSHOT_CAP: u64 = 16 << 20;

fn read_snapshot(path: &Path) -> Result<Snapshot, HistoryError> {
    let bytes = crate::sys::read_file_capped(path, SNAPSHOT_CAP)
        .map_err(|e| HistoryError::Damaged {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?
        .ok_or_else(|| HistoryError::Damaged {
            path: path.to_path_buf(),
            detail: "it disappeared".into(),
        })?;
    serde_json::from_slice(&bytes).map_err(|e| HistoryError::Damaged {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
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
        let save = |action: &str, before: Option<&[u8]>| {
            let (pending, s) = h
                .save_pending(action, Path::new("/g/env"), entries.clone(), before)
                .expect("save");
            assert!(h.latest().expect("read").is_none_or(|(_, l)| l.id != s.id));
            h.commit(&pending, &s).expect("commit");
            assert!(!pending.exists());
            s
        };
        let s1 = save("env set GOPROXY=x", None);
        let s2 = save("env set GOPROXY=y", Some(b"A=b\xff\r\n"));
        assert_eq!(s1.bytes_before(), Some(None));
        assert_eq!(s2.bytes_before(), Some(Some(b"A=b\xff\r\n".to_vec())));
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

    #[test]
    fn version_1_snapshots_still_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(dir.path().join("history")).expect("mkdir");
        let v1 = r#"{"version":1,"id":"1-1","time_unix":1,"action":"env set A=b",
            "goenv":"/g/env","entries":[],"file_before":"A=c\n"}"#;
        fs::write(dir.path().join("history/1-1.json"), v1).expect("write");
        let h = History::new(Some(dir.path().to_path_buf())).expect("history");
        let (_, s) = h.latest().expect("read").expect("some");
        assert_eq!(s.bytes_before(), Some(Some(b"A=c\n".to_vec())));
        let v1_none = v1.replace(r#","file_before":"A=c\n""#, "");
        fs::write(dir.path().join("history/1-1.json"), v1_none).expect("write");
        let (_, s) = h.latest().expect("read").expect("some");
        assert_eq!(s.bytes_before(), None, "v1 without text: not known exactly");
    }

    #[test]
    fn pending_snapshots_are_listed_and_stale_temps_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let h = History::new(Some(dir.path().to_path_buf())).expect("history");
        let (pending, s) = h
            .save_pending("env set A=b", Path::new("/g/env"), vec![], None)
            .expect("save");
        fs::write(dir.path().join("history/.x.tmp"), "half").expect("write");
        fs::write(dir.path().join("history/2.pending"), "{half").expect("write");
        let listed = h.pending().expect("pending");
        assert_eq!(listed, vec![(pending, s)]);
        assert!(!dir.path().join("history/.x.tmp").exists());
        assert!(!dir.path().join("history/2.pending").exists());
        assert!(h.latest().expect("read").is_none());
    }

    #[test]
    fn directories_are_0700_and_the_lock_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("gd");
        fs::create_dir(&root).expect("mkdir");
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).expect("chmod");
        fs::write(root.join("lock"), "").expect("old lock");
        fs::set_permissions(root.join("lock"), fs::Permissions::from_mode(0o644)).expect("chmod");
        let h = History::new(Some(root.clone())).expect("history");
        h.ensure_writable().expect("writable");
        drop(h.lock_file().expect("lock"));
        let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&root.join("history")), 0o700);
        assert_eq!(mode(&root.join("lock")), 0o600);
    }
}
