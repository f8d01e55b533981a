//! The build cache (GOCACHE) measured directory by directory, each top-level directory taken
//! from an index while it is unchanged, so `check` does not read every file of it every time.
//!
//! go keeps its build cache in 256 directories `00` … `ff` and changes one by creating,
//! renaming or removing files in it, each of which moves the directory's mtime and ctime. It
//! rewrites a file in place only with content of the same length (outputs are named by their
//! hash, action entries have a fixed size) and marks use through the files' own mtimes, which
//! leave the directory alone. A directory whose device, inode, mtime and ctime are the indexed
//! ones therefore holds what was counted: a re-run stats the top-level entries (about 260) and
//! reads only the directories that changed. Files at the top (README, trim.txt) are always
//! stat-ed. A directory holding a file with several hard links, or an entry that could not be
//! read, is not indexed (read again next time). Someone who edits a file in place without
//! creating or removing one is not seen; `godoctor cache` still walks the whole tree.
//!
//! The index is a versioned binary file ([`super::binfile`]'s layout) in godoctor's data
//! directory next to the module cache's (0600, written atomically); a file that cannot be read,
//! is of another version or names another root is ignored and rebuilt.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::binfile::{self, ReadError, Writer};
use super::dirread::{Kind, Meta, Reader, meta_of};
use super::index::{self, Stamp};
use super::layout::Category;
use super::walk::{self, Issues, Tally, Totals, Walk, WalkError};

/// The format written by this build; another number is ignored and rebuilt. 2: binary, not
/// JSON (parsing it was most of a warm build cache measurement's instructions).
pub const FORMAT_VERSION: u32 = 2;
const FORMAT_NAME: &str = "godoctor build cache index";

/// One indexed top-level directory: what is below it (itself not included).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dir {
    name: String,
    stamp: Stamp,
    totals: Totals,
}

/// How a build cache measurement used the index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// The index file (`null` without a data directory).
    pub path: Option<PathBuf>,
    /// Top-level directories whose totals came from the index (their files were not stat-ed).
    pub dirs_from_index: u64,
    /// Top-level directories read in this run (new, changed, or not indexable).
    pub dirs_read: u64,
    /// Of the totals, how much came from the index.
    pub files_from_index: u64,
    pub disk_bytes_from_index: u64,
    /// The index was written (it changed).
    pub saved: bool,
    /// Why a stored index was ignored, or could not be written.
    pub note: Option<String>,
}

/// Where the index of the build cache at `root` (its [`index::root_name`]) lives.
pub fn file_for(data_dir: &Path, root: &str) -> PathBuf {
    // Apart from a module cache index of the same directory.
    index::file_for(data_dir, &format!("build cache {root}"))
}

fn parse(bytes: &[u8], root: &str) -> Result<HashMap<String, Dir>, String> {
    let Some((format, version, mut r)) = binfile::open(bytes) else {
        return Err("not a godoctor build cache index (no header)".into());
    };
    if format != FORMAT_NAME {
        return Err(format!("not a godoctor build cache index ({format:?})"));
    }
    if version != FORMAT_VERSION {
        return Err(format!(
            "written in format {version}, this godoctor reads format {FORMAT_VERSION}"
        ));
    }
    let mut body = || -> Result<Result<HashMap<String, Dir>, String>, ReadError> {
        let stored = r.str()?;
        if stored != root {
            return Ok(Err(format!("describes {stored}, not this cache")));
        }
        let n = r.len(4 + index::Stamp::SIZE + index::TOTALS_SIZE)?;
        let mut dirs = HashMap::with_capacity(n);
        for _ in 0..n {
            let name = r.str()?.to_string();
            let stamp = index::Stamp::read(&mut r)?;
            let totals = index::read_totals(&mut r)?;
            dirs.insert(
                name.clone(),
                Dir {
                    name,
                    stamp,
                    totals,
                },
            );
        }
        r.end()?;
        Ok(Ok(dirs))
    };
    body().map_err(|e| format!("not a godoctor build cache index ({e})"))?
}

fn to_bytes(root: &str, dirs: &HashMap<String, Dir>) -> Vec<u8> {
    let mut dirs: Vec<&Dir> = dirs.values().collect();
    dirs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut w = Writer::new(FORMAT_NAME, FORMAT_VERSION, 100 * dirs.len());
    w.str(root);
    w.len(dirs.len());
    for d in dirs {
        w.str(&d.name);
        d.stamp.write(&mut w);
        index::write_totals(&d.totals, &mut w);
    }
    w.finish()
}

/// What reading below one top-level directory found.
#[derive(Default)]
struct Below {
    totals: Totals,
    issues: Issues,
    /// A non-directory with several links was met: not indexable.
    linked: bool,
}

/// Measure the build cache at `root` (following it if it is a symbolic link, never below it)
/// with up to `threads` threads, using and then updating the index under `data_dir` (none:
/// every directory is read).
pub fn analyse(
    root: &Path,
    threads: usize,
    data_dir: Option<&Path>,
) -> Result<(Walk, Usage), WalkError> {
    let Some(md) = walk::root_metadata(root)? else {
        return Ok((Walk::missing(root), Usage::default()));
    };
    let name = index::root_name(root);
    let path = data_dir.map(|d| file_for(d, &name));
    let mut usage = Usage {
        path: path.clone(),
        ..Usage::default()
    };
    let old = match path.as_deref().map(fs::read) {
        Some(Ok(bytes)) => match parse(&bytes, &name) {
            Ok(old) => Some(old),
            Err(e) => {
                usage.note = Some(format!("the stored index was ignored and rebuilt: {e}"));
                None
            }
        },
        Some(Err(e)) if e.kind() != io::ErrorKind::NotFound => {
            usage.note = Some(format!("the stored index was ignored and rebuilt: {e}"));
            None
        }
        _ => None,
    };

    let mut m = measure(root, &md, threads, old.as_ref());
    if m.linked && m.usage.dirs_from_index > 0 {
        // A file linked from a directory that was read may also be in one taken from the
        // index: read everything, so each link is counted once, like du.
        m = measure(root, &md, threads, None);
    }
    let Measured {
        totals,
        issues,
        fresh,
        usage: counts,
        ..
    } = m;
    let mut usage = Usage {
        path: usage.path,
        note: usage.note,
        ..counts
    };

    if let Some(path) = &path {
        let changed = old.as_ref() != Some(&fresh) && !(old.is_none() && fresh.is_empty());
        if changed {
            match index::save(path, &to_bytes(&name, &fresh)) {
                Ok(()) => usage.saved = true,
                Err(e) => {
                    usage.note = Some(format!(
                        "the index could not be written to {}: {e}",
                        path.display()
                    ))
                }
            }
        }
    }
    let mut tally = Tally {
        totals,
        issues,
        ..Tally::default()
    };
    tally.by_category[Category::Other.index()] = totals.disk;
    let walk = Walk {
        root: root.to_path_buf(),
        exists: true,
        tally,
    };
    Ok((walk, usage))
}

/// What one measurement found.
struct Measured {
    totals: Totals,
    issues: Issues,
    /// The index's records of what was measured.
    fresh: HashMap<String, Dir>,
    /// Counts of what came from the index and what was read (no path, note or save).
    usage: Usage,
    /// A directory that was read held a file with several links.
    linked: bool,
}

/// Stat the top of `root` and read below each directory `old` does not know unchanged.
fn measure(
    root: &Path,
    md: &fs::Metadata,
    threads: usize,
    old: Option<&HashMap<String, Dir>>,
) -> Measured {
    let mut counts = Usage::default();
    let root_meta = meta_of(md);
    let mut totals = Totals {
        dirs: 1,
        apparent: root_meta.size,
        disk: root_meta.blocks * 512,
        ..Totals::default()
    };
    let mut issues = Issues::default();
    let links = Mutex::new(HashSet::new());
    let mut fresh: HashMap<String, Dir> = HashMap::new();
    let mut to_read: Vec<(String, Stamp)> = Vec::new();
    let result = Reader::new().read(root, true, |entry, meta| {
        let md = match meta {
            Ok(md) => md,
            Err(e) => return issues.record(&root.join(entry), &e),
        };
        add_entry(&mut totals, &md, &links);
        if md.kind != Kind::Dir {
            return;
        }
        let entry = entry.to_string_lossy().into_owned();
        let stamp = Stamp::of(&md);
        match old.and_then(|o| o.get(&entry)) {
            Some(known) if known.stamp == stamp => {
                totals.add(&known.totals);
                counts.dirs_from_index += 1;
                counts.files_from_index += known.totals.files;
                counts.disk_bytes_from_index += known.totals.disk;
                fresh.insert(entry, known.clone());
            }
            _ => to_read.push((entry, stamp)),
        }
    });
    if let Err(e) = result {
        issues.record(root, &e);
    }

    counts.dirs_read = to_read.len() as u64;
    let mut linked = false;
    let next = AtomicUsize::new(0);
    let read: Vec<(usize, Below)> = std::thread::scope(|s| {
        // No thread at all when every directory came from the index (the usual check).
        let workers: Vec<_> = (0..threads.max(1).min(to_read.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut reader = Reader::new();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((dir, _)) = to_read.get(i) else {
                            return out;
                        };
                        out.push((i, read_below(&mut reader, &root.join(dir), &links)));
                    }
                })
            })
            .collect();
        // A worker that panicked lost its directories; the rest is still reported.
        workers
            .into_iter()
            .filter_map(|w| w.join().ok())
            .flatten()
            .collect()
    });
    for (i, below) in read {
        totals.add(&below.totals);
        linked |= below.linked;
        let indexable = !below.linked && below.issues.total() == 0;
        issues.merge(below.issues);
        if indexable {
            let (dir, stamp) = &to_read[i];
            let entry = Dir {
                name: dir.clone(),
                stamp: *stamp,
                totals: below.totals,
            };
            fresh.insert(dir.clone(), entry);
        }
    }

    Measured {
        totals,
        issues,
        fresh,
        usage: counts,
        linked,
    }
}

/// Count one entry; a non-directory with several links only at its first sighting (like du).
fn add_entry(totals: &mut Totals, md: &Meta, links: &Mutex<HashSet<(u64, u64)>>) {
    totals.count(md.kind);
    let counted = md.kind == Kind::Dir
        || md.nlink < 2
        || links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((md.dev, md.ino));
    if counted {
        totals.apparent += md.size;
        totals.disk += md.blocks * 512;
    }
}

/// Everything below `dir` (depth first, never following links).
fn read_below(reader: &mut Reader, dir: &Path, links: &Mutex<HashSet<(u64, u64)>>) -> Below {
    let mut below = Below::default();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let result = reader.read(&dir, false, |name, meta| match meta {
            Ok(md) => {
                add_entry(&mut below.totals, &md, links);
                below.linked |= md.kind != Kind::Dir && md.nlink >= 2;
                if md.kind == Kind::Dir {
                    stack.push(dir.join(name));
                }
            }
            Err(e) => below.issues.record(&dir.join(name), &e),
        });
        if let Err(e) = result {
            below.issues.record(&dir, &e);
        }
    }
    below
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::walk::{self, WalkOptions};

    fn write(root: &Path, rel: &str, bytes: usize) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, vec![b'x'; bytes]).expect("write");
    }

    /// The totals a full walk finds (what `du` and `find` would say).
    fn full(root: &Path) -> Totals {
        let opts = WalkOptions {
            threads: 2,
            ..WalkOptions::new(false)
        };
        walk::walk(root, &opts, None).expect("walk").tally.totals
    }

    #[test]
    fn totals_equal_a_full_walk_as_go_adds_and_trims() {
        let data = tempfile::tempdir().expect("tempdir");
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        write(r, "README", 218);
        write(r, "trim.txt", 11);
        for d in ["00", "0a", "ff"] {
            write(r, &format!("{d}/{d}11-a"), 175);
            write(r, &format!("{d}/{d}22-d"), 9000);
        }
        fs::create_dir(r.join("7f")).expect("empty dir");
        let run = || {
            let (w, usage) = analyse(r, 3, Some(data.path())).expect("analyse");
            assert_eq!(w.tally.totals, full(r));
            usage
        };
        let first = run();
        assert_eq!((first.dirs_read, first.dirs_from_index), (4, 0));
        assert!(first.saved);
        let again = run();
        assert_eq!((again.dirs_read, again.dirs_from_index), (0, 4));
        assert!(!again.saved, "an unchanged cache leaves the index alone");
        assert_eq!(again.files_from_index, 6);

        // go adds an entry, trims another, and a new directory appears.
        write(r, "0a/0a33-d", 20_000);
        fs::remove_file(r.join("ff/ff11-a")).expect("rm");
        write(r, "12/1244-d", 5);
        let changed = run();
        assert_eq!((changed.dirs_read, changed.dirs_from_index), (3, 2));
        // A hard link across directories counts once: while there is one, everything is read
        // (go makes none).
        fs::hard_link(r.join("00/0022-d"), r.join("7f/7f55-d")).expect("link");
        assert_eq!(run().dirs_read, 5);
        assert_eq!(
            run().dirs_read,
            5,
            "linked directories are never taken from the index"
        );
        fs::remove_file(r.join("7f/7f55-d")).expect("unlink");
        run();
        assert_eq!(run().dirs_from_index, 5);
        // go clean -cache: everything goes.
        for d in ["00", "0a", "ff", "7f", "12"] {
            fs::remove_dir_all(r.join(d)).expect("rm");
        }
        let cleaned = run();
        assert_eq!(cleaned.dirs_from_index, 0);
    }

    #[test]
    fn a_broken_or_foreign_index_is_rebuilt_and_a_missing_cache_is_not_an_error() {
        let data = tempfile::tempdir().expect("tempdir");
        let t = tempfile::tempdir().expect("tempdir");
        write(t.path(), "00/x-d", 10);
        let name = index::root_name(t.path());
        let path = file_for(data.path(), &name);
        index::save(&path, b"{not json").expect("save");
        let (w, usage) = analyse(t.path(), 1, Some(data.path())).expect("analyse");
        assert_eq!(w.tally.totals, full(t.path()));
        assert!(
            usage.note.as_deref().unwrap_or("").contains("ignored"),
            "{usage:?}"
        );
        assert!(usage.saved);
        let dirs = parse(&fs::read(&path).expect("read"), &name).expect("parses");
        index::save(&path, &to_bytes("/elsewhere", &dirs)).expect("save");
        let (_, usage) = analyse(t.path(), 1, Some(data.path())).expect("analyse");
        assert!(
            usage
                .note
                .as_deref()
                .unwrap_or("")
                .contains("not this cache")
        );
        assert_eq!(usage.dirs_from_index, 0);

        let (w, _) = analyse(&t.path().join("nope"), 1, Some(data.path())).expect("missing");
        assert!(!w.exists);
        assert!(
            analyse(&t.path().join("00/x-d"), 1, None).is_err(),
            "a file is refused"
        );
    }
}
