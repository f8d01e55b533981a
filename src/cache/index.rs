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
//! The format is a versioned binary file in godoctor's data directory (one file per cache
//! root, 0600 in a 0700 directory, written atomically; [`super::binfile`]'s layout); a file
//! that cannot be read, is of another version or names another root is ignored and rebuilt.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::binfile::{self, ReadError, Reader, Writer};
use super::dirread::Meta;
use super::layout::CATEGORIES;
use super::layout::VersionKey;
use super::walk::{self, Tally, Totals, VersionTally, Walk, WalkError, WalkOptions};
use crate::atomic;
use rustc_hash::FxHashMap;

/// The format written by this build; another number is ignored and rebuilt. 2: an entry's
/// totals are a nested object (1 flattened them, which made serde buffer every entry: parsing
/// was a third of a re-run's instructions).
/// 3: `@v` download directories are indexed too. 4: counts and bytes are one array of six
/// numbers ([`Totals`]), not six named fields. 5: so is what a download directory records of
/// each version (a [`VersionTally`]). 6: binary ([`super::binfile`]), not JSON: parsing the
/// JSON of a 100k-file cache (238 KB) took 8.9M instructions, a third of `check --offline`.
pub const FORMAT_VERSION: u32 = 6;
const FORMAT_NAME: &str = "godoctor module cache index";

/// What proves an entry unchanged: device, inode, mtime and ctime (seconds, nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// Bytes of a stored stamp.
    pub(crate) const SIZE: usize = 40;

    pub(crate) fn write(&self, w: &mut Writer) {
        w.u64(self.0);
        w.u64(self.1);
        w.i64(self.2);
        w.u32(self.3);
        w.i64(self.4);
        w.u32(self.5);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, ReadError> {
        Ok(Stamp(
            r.u64()?,
            r.u64()?,
            r.i64()?,
            r.u32()?,
            r.i64()?,
            r.u32()?,
        ))
    }

    fn write_opt(stamp: &Option<Stamp>, w: &mut Writer) {
        match stamp {
            Some(s) => {
                w.u8(1);
                s.write(w);
            }
            None => w.u8(0),
        }
    }

    fn read_opt(r: &mut Reader<'_>) -> Result<Option<Self>, ReadError> {
        Ok(match r.u8()? {
            0 => None,
            _ => Some(Stamp::read(r)?),
        })
    }
}

/// Bytes of stored [`Totals`].
pub(crate) const TOTALS_SIZE: usize = 48;

pub(crate) fn write_totals(t: &Totals, w: &mut Writer) {
    for n in <[u64; 6]>::from(*t) {
        w.u64(n);
    }
}

pub(crate) fn read_totals(r: &mut Reader<'_>) -> Result<Totals, ReadError> {
    Ok(Totals::from([
        r.u64()?,
        r.u64()?,
        r.u64()?,
        r.u64()?,
        r.u64()?,
        r.u64()?,
    ]))
}

/// A non-directory with several hard links inside a tree: counted once per walk, wherever it
/// is first seen, so kept apart from the tree's own bytes. `(dev, ino, apparent, disk)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link(pub u64, pub u64, pub u64, pub u64);

/// What an extracted tree holds below its root directory (the root itself is always stat-ed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeTotals {
    /// Entries by kind; the bytes of those with one link.
    pub counts: Totals,
    /// Entries with several links; their bytes are added once per walk.
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

/// One indexed version (its module path and version are its key in [`Index::entries`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The tree's root directory `module@version`.
    pub tree: Stamp,
    /// `cache/download/<module>/@v/<version>.zip`, when there is one.
    pub zip: Option<Stamp>,
    pub totals: TreeTotals,
}

/// What one `cache/download/<module>/@v` directory holds, as a walk of it adds to its tally.
/// Valid while the directory keeps its stamp: go adds, replaces and removes download files by
/// creating, renaming and deleting entries, each of which changes the directory's mtime.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// One indexed `@v` directory (its case-encoded module path is its key in
/// [`Index::downloads`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadEntry {
    pub dir: Stamp,
    pub totals: DownloadTotals,
}

/// Indexed versions of one module cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// The cache root the index describes.
    pub root: String,
    pub entries: FxHashMap<VersionKey, Entry>,
    /// Indexed `@v` directories by case-encoded module path.
    pub downloads: FxHashMap<String, DownloadEntry>,
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

/// Smallest stored sizes, so a count is checked against the bytes left before anything is
/// reserved: an entry (two empty strings, a stamp, no zip, totals, no links), a download
/// directory, a version of one.
const MIN_ENTRY: usize = 4 + 4 + Stamp::SIZE + 1 + TOTALS_SIZE + 4;
const MIN_DOWNLOAD: usize = 4 + Stamp::SIZE + TOTALS_SIZE + 4 + 4;
const MIN_VERSION: usize = 4 + 4 * 8 + 1 + 8 + 1;

fn write_version(v: &VersionTally, w: &mut Writer) {
    w.u64(v.tree_bytes);
    w.u64(v.tree_files);
    w.u64(v.download_bytes);
    w.u64(v.meta_bytes);
    w.u8(u8::from(v.has_tree)
        | u8::from(v.has_zip) << 1
        | u8::from(v.has_mod) << 2
        | u8::from(v.has_info) << 3);
    w.i64(v.last_used);
    Stamp::write_opt(&v.zip_stamp, w);
}

fn read_version(r: &mut Reader<'_>) -> Result<VersionTally, ReadError> {
    let (tree_bytes, tree_files, download_bytes, meta_bytes) =
        (r.u64()?, r.u64()?, r.u64()?, r.u64()?);
    let flags = r.u8()?;
    Ok(VersionTally {
        tree_bytes,
        tree_files,
        download_bytes,
        meta_bytes,
        has_tree: flags & 1 != 0,
        has_zip: flags & 2 != 0,
        has_mod: flags & 4 != 0,
        has_info: flags & 8 != 0,
        last_used: r.i64()?,
        zip_stamp: Stamp::read_opt(r)?,
    })
}

impl Index {
    pub fn new(root: &str) -> Self {
        Index {
            root: root.to_string(),
            entries: FxHashMap::default(),
            downloads: FxHashMap::default(),
        }
    }

    /// Parse a stored index of the cache at `root`.
    pub fn parse(bytes: &[u8], root: &str) -> Result<Self, IndexError> {
        let Some((name, version, mut r)) = binfile::open(bytes) else {
            return Err(Self::not_binary(bytes));
        };
        if name != FORMAT_NAME {
            return Err(IndexError::Malformed(format!("format {name:?}")));
        }
        if version != FORMAT_VERSION {
            return Err(IndexError::OtherVersion { found: version });
        }
        let stored_root = r.str().map_err(malformed)?;
        if stored_root != root {
            return Err(IndexError::OtherRoot {
                found: stored_root.to_string(),
            });
        }
        Self::read_body(&mut r, root).map_err(malformed)
    }

    fn read_body(r: &mut Reader<'_>, root: &str) -> Result<Self, ReadError> {
        let n = r.len(MIN_ENTRY)?;
        let mut entries = FxHashMap::with_capacity_and_hasher(n, Default::default());
        for _ in 0..n {
            let key = VersionKey {
                module: r.str()?.to_string(),
                version: r.str()?.to_string(),
            };
            let tree = Stamp::read(r)?;
            let zip = Stamp::read_opt(r)?;
            let counts = read_totals(r)?;
            let links = (0..r.len(32)?)
                .map(|_| Ok(Link(r.u64()?, r.u64()?, r.u64()?, r.u64()?)))
                .collect::<Result<Vec<_>, ReadError>>()?;
            let totals = TreeTotals { counts, links };
            entries.insert(key, Entry { tree, zip, totals });
        }
        let n = r.len(MIN_DOWNLOAD)?;
        let mut downloads = FxHashMap::with_capacity_and_hasher(n, Default::default());
        for _ in 0..n {
            let module = r.str()?.to_string();
            let dir = Stamp::read(r)?;
            let counts = read_totals(r)?;
            let by_category = (0..r.len(8)?)
                .map(|_| r.u64())
                .collect::<Result<Vec<_>, _>>()?;
            let versions = (0..r.len(MIN_VERSION)?)
                .map(|_| Ok((r.str()?.to_string(), read_version(r)?)))
                .collect::<Result<Vec<_>, ReadError>>()?;
            // A record of another shape of category table is of no use: read that directory.
            if by_category.len() == CATEGORIES {
                let totals = DownloadTotals {
                    counts,
                    by_category,
                    versions,
                };
                downloads.insert(module, DownloadEntry { dir, totals });
            }
        }
        r.end()?;
        Ok(Index {
            root: root.to_string(),
            entries,
            downloads,
        })
    }

    /// Why a file without this layout's header is not used: an index of a JSON format (5 and
    /// older) says which, anything else is malformed.
    fn not_binary(bytes: &[u8]) -> IndexError {
        #[derive(Deserialize)]
        struct Head {
            format: String,
            version: u32,
        }
        match serde_json::from_slice::<Head>(bytes) {
            Ok(head) if head.format == FORMAT_NAME => IndexError::OtherVersion {
                found: head.version,
            },
            Ok(head) => IndexError::Malformed(format!("format {:?}", head.format)),
            Err(_) => IndexError::Malformed("no header".into()),
        }
    }

    /// The stored form (entries sorted, so equal indexes are equal files).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut entries: Vec<(&VersionKey, &Entry)> = self.entries.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut downloads: Vec<(&String, &DownloadEntry)> = self.downloads.iter().collect();
        downloads.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut w = Writer::new(FORMAT_NAME, FORMAT_VERSION, 200 * entries.len());
        w.str(&self.root);
        w.len(entries.len());
        for (key, e) in entries {
            w.str(&key.module);
            w.str(&key.version);
            e.tree.write(&mut w);
            Stamp::write_opt(&e.zip, &mut w);
            write_totals(&e.totals.counts, &mut w);
            w.len(e.totals.links.len());
            for l in &e.totals.links {
                for n in [l.0, l.1, l.2, l.3] {
                    w.u64(n);
                }
            }
        }
        w.len(downloads.len());
        for (module, d) in downloads {
            w.str(module);
            d.dir.write(&mut w);
            write_totals(&d.totals.counts, &mut w);
            w.len(d.totals.by_category.len());
            for n in &d.totals.by_category {
                w.u64(*n);
            }
            w.len(d.totals.versions.len());
            for (version, v) in &d.totals.versions {
                w.str(version);
                write_version(v, &mut w);
            }
        }
        w.finish()
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

fn malformed(e: ReadError) -> IndexError {
    IndexError::Malformed(e.to_string())
}

/// Where the index of the cache at `root` lives under godoctor's data directory.
pub fn file_for(data_dir: &Path, root: &str) -> PathBuf {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, root.as_bytes());
    let hex: String = digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    data_dir.join("cache-index").join(format!("{hex}.idx"))
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
    match fs::read(path) {
        Ok(bytes) => Index::parse(&bytes, root)
            .map(Some)
            .map_err(|e| e.to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Write `bytes` to `path` through [`crate::atomic`] (0600, a reader sees the old index or the
/// new one, never half of one), creating its directory 0700: the index names every module the
/// user has downloaded. The JSON index of formats up to 5 (same name, `.json`) is removed.
pub fn save(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("the index path has no directory"))?;
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    atomic::write(path, bytes, atomic::Mode::Private)?;
    if path.extension().is_some_and(|e| e != "json") {
        let _ = fs::remove_file(path.with_extension("json"));
    }
    Ok(())
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
/// the index of what it found (`old`'s unchanged entries moved into it, not copied), how much
/// came from `old`, and whether the index differs from `old`.
pub fn walk_with_index(
    root: &Path,
    opts: &WalkOptions,
    progress: Option<&std::sync::atomic::AtomicU64>,
    old: Option<Index>,
    root_name: &str,
) -> Result<(Walk, Index, Usage, bool), WalkError> {
    let mut walked = walk::walk_indexed(root, opts, progress, old.as_ref())?;
    let had_old = old.is_some();
    let mut old = old.unwrap_or_default();
    // A reused tree whose download .zip changed since it was indexed: read it after all.
    let stale: Vec<VersionKey> = stale_zips(&walked, &old);
    if !stale.is_empty() {
        for k in &stale {
            old.entries.remove(k);
        }
        walked = walk::walk_indexed(root, opts, progress, Some(&old))?;
    }
    let mut changed = !stale.is_empty();
    let mut index = Index::new(root_name);
    index.entries.reserve(walked.tally.trees.len());
    index.downloads.reserve(walked.tally.downloads.len());
    let mut usage = Usage::default();
    for (module, d) in &walked.tally.downloads {
        let before = old.downloads.remove(&**module);
        if d.reused {
            if let Some(e) = before {
                usage.download_dirs_from_index += 1;
                usage.files_from_index += e.totals.counts.files;
                usage.disk_bytes_from_index += e.totals.counts.disk;
                usage.apparent_bytes_from_index += e.totals.counts.apparent;
                index.downloads.insert(module.to_string(), e);
            }
            continue;
        }
        usage.download_dirs_read += 1;
        if let (Some(stamp), Some(totals)) = (d.stamp, &d.totals) {
            let entry = DownloadEntry {
                dir: stamp,
                totals: totals.clone(),
            };
            changed |= before.as_ref() != Some(&entry);
            index.downloads.insert(module.to_string(), entry);
        } else {
            changed |= before.is_some();
        }
    }
    for (key, tree) in &walked.tally.trees {
        let zip = walked.tally.versions.get(key).and_then(|v| v.zip_stamp);
        let before = old.entries.remove(&**key);
        if tree.reused {
            if let Some(e) = before {
                usage.versions_from_index += 1;
                usage.files_from_index += e.totals.counts.files;
                usage.disk_bytes_from_index += e.totals.counts.disk;
                usage.apparent_bytes_from_index += e.totals.counts.apparent;
                index.entries.insert((**key).clone(), e);
            }
            continue;
        }
        usage.versions_read += 1;
        // A tree read with errors, or whose root was never seen, is read again next time.
        if let (false, Some(stamp)) = (tree.broken, tree.stamp) {
            let mut totals = tree.totals.clone();
            // In the order of no thread's schedule, so an unchanged tree is an equal entry.
            totals.links.sort_unstable_by_key(|l| (l.0, l.1));
            let entry = Entry {
                tree: stamp,
                zip,
                totals,
            };
            changed |= before.as_ref() != Some(&entry);
            index.entries.insert((**key).clone(), entry);
        } else {
            changed |= before.is_some();
        }
    }
    // What is left of `old` is gone from the cache.
    changed |= !old.entries.is_empty() || !old.downloads.is_empty();
    if !had_old {
        // No index yet: one is worth writing once there is a version to keep.
        changed = !index.entries.is_empty();
    }
    Ok((walked, index, usage, changed))
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
/// then store the index again if it changed. `exact` reads every tree and rewrites the index
/// (the stored one is not even read).
pub fn analyse(
    root: &Path,
    opts: &WalkOptions,
    progress: Option<&std::sync::atomic::AtomicU64>,
    data_dir: Option<&Path>,
    exact: bool,
) -> Result<(Walk, Usage), WalkError> {
    let Some(data_dir) = data_dir else {
        let (w, _, mut usage, _) = walk_with_index(root, opts, progress, None, "")?;
        usage.exact = exact;
        usage.note = Some("no data directory for godoctor: every tree was read".into());
        return Ok((w, usage));
    };
    let name = root_name(root);
    let path = file_for(data_dir, &name);
    let (old, mut note) = match exact {
        true => (None, None),
        false => match load(&path, &name) {
            Ok(old) => (old, None),
            Err(e) => (
                None,
                Some(format!("the stored index was ignored and rebuilt: {e}")),
            ),
        },
    };
    let had_old = old.is_some();
    let (walked, index, mut usage, changed) = walk_with_index(root, opts, progress, old, &name)?;
    usage.exact = exact;
    usage.path = Some(path.clone());
    let save_it = match exact {
        // Whatever was stored is replaced by what the full walk found.
        true => walked.exists || path.exists(),
        false => changed && (walked.exists || had_old),
    };
    if save_it {
        match save(&path, &index.to_bytes()) {
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

    fn entry(files: u64) -> Entry {
        Entry {
            tree: Stamp(1, 2, 3, 4, 5, 6),
            zip: Some(Stamp(7, 8, -9, 10, 11, 12)),
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

    fn key(module: &str, version: &str) -> VersionKey {
        VersionKey {
            module: module.into(),
            version: version.into(),
        }
    }

    #[test]
    fn round_trips_and_refuses_other_versions_and_roots() {
        let mut idx = Index::new("/c");
        idx.entries
            .insert(key("example.com/!a", "v1.0.0"), entry(3));
        idx.entries.insert(key("x.org/b", "v0.1.0"), entry(1));
        let version = VersionTally {
            tree_bytes: 1,
            tree_files: 2,
            download_bytes: 3,
            meta_bytes: 4,
            has_zip: true,
            has_info: true,
            last_used: -7,
            zip_stamp: Some(Stamp(1, 1, 1, 1, 1, 1)),
            ..VersionTally::default()
        };
        let download = DownloadEntry {
            dir: Stamp(9, 9, 9, 9, 9, 9),
            totals: DownloadTotals {
                counts: Totals::from([1, 2, 3, 4, 5, 6]),
                by_category: (0..CATEGORIES as u64).collect(),
                versions: vec![
                    ("v1.0.0".into(), version.clone()),
                    ("v2".into(), VersionTally::default()),
                ],
            },
        };
        idx.downloads
            .insert("example.com/!a".into(), download.clone());
        let bytes = idx.to_bytes();
        assert_eq!(Index::parse(&bytes, "/c"), Ok(idx.clone()));
        // Equal indexes are equal files, whatever the maps' order.
        let mut again = Index::new("/c");
        let mut all: Vec<_> = idx.entries.iter().collect();
        all.sort_by(|a, b| b.0.cmp(a.0));
        for (k, e) in all {
            again.entries.insert(k.clone(), e.clone());
        }
        again.downloads = idx.downloads.clone();
        assert_eq!(again.to_bytes(), bytes);
        assert!(matches!(
            Index::parse(&bytes, "/other"),
            Err(IndexError::OtherRoot { .. })
        ));
        let at = FORMAT_NAME.len() + 1;
        assert_eq!(bytes[at..at + 4], FORMAT_VERSION.to_le_bytes());
        let mut newer = bytes.clone();
        newer[at..at + 4].copy_from_slice(&99u32.to_le_bytes());
        assert_eq!(
            Index::parse(&newer, "/c"),
            Err(IndexError::OtherVersion { found: 99 })
        );
        // The JSON of format 5 and older is another version, read for its header only.
        let json = format!(
            "{{\"format\":\"{FORMAT_NAME}\",\"version\":5,\"root\":\"/c\",\"versions\":[]}}"
        );
        assert_eq!(
            Index::parse(json.as_bytes(), "/c"),
            Err(IndexError::OtherVersion { found: 5 })
        );
        // Every cut of the file, and trailing bytes, are malformed; none panics.
        for cut in 0..bytes.len() {
            assert!(
                matches!(
                    Index::parse(&bytes[..cut], "/c"),
                    Err(IndexError::Malformed(_)) | Err(IndexError::OtherRoot { .. })
                ),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            Index::parse(&longer, "/c"),
            Err(IndexError::Malformed(_))
        ));
        assert!(matches!(
            Index::parse(b"{\"format\":\"x\",\"version\":1}", "/c"),
            Err(IndexError::Malformed(_))
        ));
        // A download record of another shape of category table is dropped, not trusted.
        let mut odd = idx.clone();
        odd.downloads
            .get_mut("example.com/!a")
            .expect("dl")
            .totals
            .by_category
            .push(1);
        let parsed = Index::parse(&odd.to_bytes(), "/c").expect("parses");
        assert!(parsed.downloads.is_empty() && parsed.entries == idx.entries);
    }

    #[test]
    fn saved_atomically_with_private_modes() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().expect("tempdir");
        let path = file_for(t.path(), "/some/cache");
        fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        // The JSON index of an older format, under the same name, goes with the first save.
        fs::write(path.with_extension("json"), "{}").expect("old json");
        save(&path, b"one").expect("save");
        save(&path, b"two").expect("save again");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        let mode = |p: &Path| fs::metadata(p).expect("md").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        let names: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary or old file left: {names:?}");
        assert_ne!(file_for(t.path(), "/a"), file_for(t.path(), "/b"));
        let fresh = tempfile::tempdir().expect("tempdir");
        let path = file_for(fresh.path(), "/x");
        save(&path, b"x").expect("save");
        assert_eq!(mode(path.parent().expect("dir")), 0o700);
    }
}
