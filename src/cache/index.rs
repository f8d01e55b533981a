//! The module cache index: per-version totals of extracted trees, keyed on what proves a tree
//! unchanged, so a re-run reads only new or changed versions.
//!
//! cmd/go extracts a version into a temporary directory, makes it read-only and renames it into
//! place; it never changes it afterwards. Anything that does change it (go clean, or a user who
//! makes the tree writable, edits it and restores the write bits) changes the status-change time
//! of the version's root directory, which nobody can set back. A tree whose root still has the
//! same device, inode, mtime and ctime (to the nanosecond), and whose downloaded `.zip` has too,
//! is the tree that was counted: its totals are taken from the index instead of reading its
//! files. An edit that never touches the root directory's inode (making only a nested file
//! writable) is not seen: `--exact` reads everything.
//!
//! The format is versioned JSON in godoctor's data directory (one file per cache root, 0600 in a
//! 0700 directory, written atomically); a file that cannot be read, is of another version or
//! names another root is ignored and rebuilt.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::dirread::Meta;
use super::layout::CATEGORIES;
use super::layout::VersionKey;
use super::walk::{self, Tally, Totals, VersionTally, Walk, WalkError, WalkOptions};
use crate::atomic;

/// The format written by this build; another number is ignored and rebuilt. 2: an entry's
/// totals are a nested object (1 flattened them, which made serde buffer every entry: parsing
/// was a third of a re-run's instructions).
/// 3: `@v` download directories are indexed too. 4: counts and bytes are one array of six
/// numbers ([`Totals`]), not six named fields. 5: so is what a download directory records of
/// each version (a [`VersionTally`]).
pub const FORMAT_VERSION: u32 = 5;
const FORMAT_NAME: &str = "godoctor module cache index";

/// What proves an entry unchanged: device, inode, mtime and ctime (seconds, nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp(pub u64, pub u64, pub i64, pub u32, pub i64, pub u32);

impl Stamp {
    pub fn of(md: &Meta) -> Self {
        Stamp(
            md.dev,
            md.ino,
            md.mtime,
            md.mtime_nsec,
            md.ctime,
            md.ctime_nsec,
        )
    }
}

/// A non-directory with several hard links inside a tree: counted once per walk, wherever it
/// is first seen, so kept apart from the tree's own bytes. `(dev, ino, apparent, disk)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link(pub u64, pub u64, pub u64, pub u64);

/// What an extracted tree holds below its root directory (the root itself is always stat-ed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeTotals {
    /// Entries by kind; the bytes of those with one link.
    pub counts: Totals,
    /// Entries with several links; their bytes are added once per walk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

impl TreeTotals {
    pub(crate) fn merge(&mut self, o: &TreeTotals) {
        self.counts.add(&o.counts);
        self.links.extend_from_slice(&o.links);
    }

    /// Entries below the root.
    pub fn entries(&self) -> u64 {
        self.counts.entries()
    }
}

/// One indexed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The module path and version as named on disk (case-encoded).
    pub module: String,
    pub version: String,
    /// The tree's root directory `module@version`.
    pub tree: Stamp,
    /// `cache/download/<module>/@v/<version>.zip`, when there is one.
    pub zip: Option<Stamp>,
    pub totals: TreeTotals,
}

/// What one `cache/download/<module>/@v` directory holds, as a walk of it adds to its tally.
/// Valid while the directory keeps its stamp: go adds, replaces and removes download files by
/// creating, renaming and deleting entries, each of which changes the directory's mtime.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadTotals {
    pub counts: Totals,
    /// On-disk bytes by [`super::layout::Category`] index.
    pub by_category: Vec<u64>,
    /// What each version's download files add (by case-encoded version).
    pub versions: Vec<(String, VersionTally)>,
}

impl DownloadTotals {
    /// The totals of a tally that holds exactly one `@v` directory's entries.
    pub fn of(t: &Tally) -> Self {
        let mut versions: Vec<(String, VersionTally)> = t
            .versions
            .iter()
            .map(|(k, v)| (k.version.clone(), v.clone()))
            .collect();
        versions.sort_by(|a, b| a.0.cmp(&b.0));
        DownloadTotals {
            counts: t.totals,
            by_category: t.by_category.to_vec(),
            versions,
        }
    }
}

/// One indexed `@v` directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadEntry {
    /// The module path as named on disk (case-encoded).
    pub module: String,
    pub dir: Stamp,
    pub totals: DownloadTotals,
}

/// Indexed versions of one module cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// The cache root the index describes.
    pub root: String,
    pub entries: HashMap<VersionKey, Entry>,
    /// Indexed `@v` directories by case-encoded module path.
    pub downloads: HashMap<String, DownloadEntry>,
}

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    root: String,
    versions: Vec<Entry>,
    downloads: Vec<DownloadEntry>,
}

/// Why a stored index was not used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IndexError {
    #[error("not a godoctor cache index ({0})")]
    Malformed(String),
    #[error("written in format {found}, this godoctor reads format {FORMAT_VERSION}")]
    OtherVersion { found: u32 },
    #[error("describes {found}, not this cache")]
    OtherRoot { found: String },
}

impl Index {
    pub fn new(root: &str) -> Self {
        Index {
            root: root.to_string(),
            entries: HashMap::new(),
            downloads: HashMap::new(),
        }
    }

    /// Parse a stored index of the cache at `root` (one pass over the text when it is of this
    /// format; only a file that fails is read again, for its header, to say why).
    pub fn parse(text: &str, root: &str) -> Result<Self, IndexError> {
        let file = match serde_json::from_str::<File>(text) {
            Ok(file) if file.format == FORMAT_NAME && file.version == FORMAT_VERSION => file,
            Ok(file) => return Err(Self::refusal(&file.format, file.version, None)),
            Err(e) => {
                #[derive(Deserialize)]
                struct Head {
                    format: String,
                    version: u32,
                }
                return Err(match serde_json::from_str::<Head>(text) {
                    Ok(head) => Self::refusal(&head.format, head.version, Some(e.to_string())),
                    Err(e) => IndexError::Malformed(e.to_string()),
                });
            }
        };
        if file.root != root {
            return Err(IndexError::OtherRoot { found: file.root });
        }
        let entries = file
            .versions
            .into_iter()
            .map(|e| {
                let key = VersionKey {
                    module: e.module.clone(),
                    version: e.version.clone(),
                };
                (key, e)
            })
            .collect();
        let downloads = file
            .downloads
            .into_iter()
            // A record of another shape of category table is of no use: read that directory.
            .filter(|d| d.totals.by_category.len() == CATEGORIES)
            .map(|d| (d.module.clone(), d))
            .collect();
        Ok(Index {
            root: file.root,
            entries,
            downloads,
        })
    }

    /// Why a file with this header is not used (`error`: why its body did not parse).
    fn refusal(format: &str, version: u32, error: Option<String>) -> IndexError {
        if format != FORMAT_NAME {
            IndexError::Malformed(format!("format {format:?}"))
        } else if version != FORMAT_VERSION {
            IndexError::OtherVersion { found: version }
        } else {
            IndexError::Malformed(error.unwrap_or_default())
        }
    }

    /// The stored form (entries sorted, so equal indexes are equal files).
    pub fn to_text(&self) -> String {
        let mut versions: Vec<Entry> = self.entries.values().cloned().collect();
        versions.sort_by(|a, b| (&a.module, &a.version).cmp(&(&b.module, &b.version)));
        let mut downloads: Vec<DownloadEntry> = self.downloads.values().cloned().collect();
        downloads.sort_by(|a, b| a.module.cmp(&b.module));
        let file = File {
            format: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
            root: self.root.clone(),
            versions,
            downloads,
        };
        // Serialising plain numbers and strings cannot fail.
        serde_json::to_string(&file).unwrap_or_default()
    }

    /// The entry of `key` if its tree root still carries `stamp`.
    pub fn lookup(&self, key: &VersionKey, stamp: &Stamp) -> Option<&Entry> {
        self.entries.get(key).filter(|e| e.tree == *stamp)
    }

    /// The entry of the `@v` directory of `module` if it still carries `stamp`.
    pub fn lookup_downloads(&self, module: &str, stamp: &Stamp) -> Option<&DownloadEntry> {
        self.downloads.get(module).filter(|d| d.dir == *stamp)
    }
}

/// Where the index of the cache at `root` lives under godoctor's data directory.
pub fn file_for(data_dir: &Path, root: &str) -> PathBuf {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, root.as_bytes());
    let hex: String = digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    data_dir.join("cache-index").join(format!("{hex}.json"))
}

/// The name an index records its root under: the canonical path when it resolves.
pub fn root_name(root: &Path) -> String {
    fs::canonicalize(root)
        .unwrap_or_else(|_| root.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// Read the index at `path`. `Ok(None)`: there is none yet.
pub fn load(path: &Path, root: &str) -> Result<Option<Index>, String> {
    match fs::read_to_string(path) {
        Ok(text) => Index::parse(&text, root)
            .map(Some)
            .map_err(|e| e.to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Write `text` to `path` through [`crate::atomic`] (0600, a reader sees the old index or the
/// new one, never half of one), creating its directory 0700: the index names every module the
/// user has downloaded.
pub fn save(path: &Path, text: &str) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("the index path has no directory"))?;
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    atomic::write(path, text.as_bytes(), atomic::Mode::Private)
}

/// How a module cache walk used the index; part of `cache --json` as `index`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// The index file (`null` without a data directory).
    pub path: Option<PathBuf>,
    /// `--exact`: every tree was read, the index only rewritten.
    pub exact: bool,
    /// Versions whose tree totals came from the index (their trees were not read).
    pub versions_from_index: u64,
    /// Versions whose trees were read in this run (new, changed, or not indexable).
    pub versions_read: u64,
    /// `@v` download directories whose files were not stat-ed (taken from the index), and read.
    pub download_dirs_from_index: u64,
    pub download_dirs_read: u64,
    /// Of the report's totals, how much came from the index.
    pub files_from_index: u64,
    pub disk_bytes_from_index: u64,
    pub apparent_bytes_from_index: u64,
    /// The index was written (it changed).
    pub saved: bool,
    /// Why a stored index was ignored, or could not be written.
    pub note: Option<String>,
}

/// Walk the module cache at `root`, taking unchanged trees from `old`, and return the walk,
/// the index of what it found, and how much came from `old`.
pub fn walk_with_index(
    root: &Path,
    opts: &WalkOptions,
    progress: Option<&std::sync::atomic::AtomicU64>,
    old: Option<&Index>,
    root_name: &str,
) -> Result<(Walk, Index, Usage), WalkError> {
    let mut walked = walk::walk_indexed(root, opts, progress, old)?;
    if let Some(old) = old {
        // A reused tree whose download .zip changed since it was indexed: read it after all.
        let stale: Vec<VersionKey> = stale_zips(&walked, old);
        if !stale.is_empty() {
            let mut fresh = old.clone();
            for k in &stale {
                fresh.entries.remove(k);
            }
            walked = walk::walk_indexed(root, opts, progress, Some(&fresh))?;
        }
    }
    let mut index = Index::new(root_name);
    let mut usage = Usage::default();
    for (module, d) in &walked.tally.downloads {
        if d.reused {
            if let Some(e) = old.and_then(|o| o.downloads.get(&**module)) {
                usage.download_dirs_from_index += 1;
                usage.files_from_index += e.totals.counts.files;
                usage.disk_bytes_from_index += e.totals.counts.disk;
                usage.apparent_bytes_from_index += e.totals.counts.apparent;
                index.downloads.insert(module.to_string(), e.clone());
            }
            continue;
        }
        usage.download_dirs_read += 1;
        if let (Some(stamp), Some(totals)) = (d.stamp, &d.totals) {
            let entry = DownloadEntry {
                module: module.to_string(),
                dir: stamp,
                totals: totals.clone(),
            };
            index.downloads.insert(module.to_string(), entry);
        }
    }
    for (key, tree) in &walked.tally.trees {
        let zip = walked.tally.versions.get(key).and_then(|v| v.zip_stamp);
        if tree.reused {
            if let Some(e) = old.and_then(|o| o.entries.get(&**key)) {
                usage.versions_from_index += 1;
                usage.files_from_index += e.totals.counts.files;
                usage.disk_bytes_from_index += e.totals.counts.disk;
                usage.apparent_bytes_from_index += e.totals.counts.apparent;
                index.entries.insert((**key).clone(), e.clone());
            }
            continue;
        }
        usage.versions_read += 1;
        // A tree read with errors, or whose root was never seen, is read again next time.
        if let (false, Some(stamp)) = (tree.broken, tree.stamp) {
            let entry = Entry {
                module: key.module.clone(),
                version: key.version.clone(),
                tree: stamp,
                zip,
                totals: tree.totals.clone(),
            };
            index.entries.insert((**key).clone(), entry);
        }
    }
    Ok((walked, index, usage))
}

fn stale_zips(walked: &Walk, old: &Index) -> Vec<VersionKey> {
    walked
        .tally
        .trees
        .iter()
        .filter(|(_, t)| t.reused)
        .filter_map(|(k, _)| {
            let now = walked.tally.versions.get(k).and_then(|v| v.zip_stamp);
            let then = old.entries.get(&**k).and_then(|e| e.zip);
            (now != then).then(|| (**k).clone())
        })
        .collect()
}

/// Walk the module cache at `root` using the index kept under `data_dir` (none: a plain walk),
/// then store the index again if it changed. `exact` reads every tree and rewrites the index.
pub fn analyse(
    root: &Path,
    opts: &WalkOptions,
    progress: Option<&std::sync::atomic::AtomicU64>,
    data_dir: Option<&Path>,
    exact: bool,
) -> Result<(Walk, Usage), WalkError> {
    let Some(data_dir) = data_dir else {
        let (w, _, mut usage) = walk_with_index(root, opts, progress, None, "")?;
        usage.exact = exact;
        usage.note = Some("no data directory for godoctor: every tree was read".into());
        return Ok((w, usage));
    };
    let name = root_name(root);
    let path = file_for(data_dir, &name);
    let (old, mut note) = match load(&path, &name) {
        Ok(old) => (old, None),
        Err(e) => (
            None,
            Some(format!("the stored index was ignored and rebuilt: {e}")),
        ),
    };
    let used = if exact { None } else { old.as_ref() };
    let (walked, index, mut usage) = walk_with_index(root, opts, progress, used, &name)?;
    usage.exact = exact;
    usage.path = Some(path.clone());
    let changed = old.as_ref() != Some(&index) && !(old.is_none() && index.entries.is_empty());
    if changed && (walked.exists || old.is_some()) {
        match save(&path, &index.to_text()) {
            Ok(()) => usage.saved = true,
            Err(e) => {
                note = Some(format!(
                    "the index could not be written to {}: {e}",
                    path.display()
                ))
            }
        }
    }
    usage.note = note;
    Ok((walked, usage))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(module: &str, version: &str, files: u64) -> Entry {
        Entry {
            module: module.into(),
            version: version.into(),
            tree: Stamp(1, 2, 3, 4, 5, 6),
            zip: None,
            totals: TreeTotals {
                counts: Totals {
                    files,
                    disk: 4096 * files,
                    ..Totals::default()
                },
                links: vec![Link(1, 9, 10, 4096)],
            },
        }
    }

    #[test]
    fn round_trips_and_refuses_other_versions_and_roots() {
        let mut idx = Index::new("/c");
        for e in [
            entry("example.com/!a", "v1.0.0", 3),
            entry("x.org/b", "v0.1.0", 1),
        ] {
            let key = VersionKey {
                module: e.module.clone(),
                version: e.version.clone(),
            };
            idx.entries.insert(key, e);
        }
        let text = idx.to_text();
        assert_eq!(Index::parse(&text, "/c"), Ok(idx.clone()));
        assert!(matches!(
            Index::parse(&text, "/other"),
            Err(IndexError::OtherRoot { .. })
        ));
        let version = format!("\"version\":{FORMAT_VERSION},");
        assert!(text.contains(&version), "{text}");
        let newer = text.replace(&version, "\"version\":99,");
        assert_eq!(
            Index::parse(&newer, "/c"),
            Err(IndexError::OtherVersion { found: 99 })
        );
        // A newer format whose entries this build cannot read is still "another version".
        let reshaped = newer.replace("\"totals\":{", "\"totals\":7,\"was\":{");
        assert_eq!(
            Index::parse(&reshaped, "/c"),
            Err(IndexError::OtherVersion { found: 99 })
        );
        assert!(matches!(
            Index::parse(&text[..text.len() / 2], "/c"),
            Err(IndexError::Malformed(_))
        ));
        assert!(matches!(
            Index::parse("{\"format\":\"x\",\"version\":1}", "/c"),
            Err(IndexError::Malformed(_))
        ));
    }

    #[test]
    fn saved_atomically_with_private_modes() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().expect("tempdir");
        let path = file_for(t.path(), "/some/cache");
        save(&path, "one").expect("save");
        save(&path, "two").expect("save again");
        assert_eq!(fs::read_to_string(&path).expect("read"), "two");
        let mode = |p: &Path| fs::metadata(p).expect("md").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("dir")), 0o700);
        let names: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        assert_ne!(file_for(t.path(), "/a"), file_for(t.path(), "/b"));
    }
}
