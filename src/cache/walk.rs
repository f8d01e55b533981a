//! A parallel walk of a directory tree that never follows symbolic links and stats each entry
//! exactly once, tallying counts and bytes the way `du` does, classified by the cache layout.
//!
//! Memory is bounded by the number of directories waiting to be read plus one small record per
//! module version (and per inode with more than one hard link); it does not grow with files.
//!
//! Threads share work through one stack of directories: each worker walks depth-first from its
//! own stack and hands the oldest half of it to the shared stack only while another worker is
//! idle, so the lock is touched rarely and the walk stays cache-friendly.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::dirread::{Kind, Meta, Reader};
use super::index::{DownloadTotals, Index, Link, Stamp, TreeTotals};
use super::layout::{self, CATEGORIES, Category, Node, Part, Placement, VersionKey};
use rustc_hash::{FxHashMap, FxHashSet};

/// How to walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Classify entries by the module cache layout (`false`: a plain tree such as GOCACHE).
    pub module_cache: bool,
    /// Take unchanged `@v` download directories from the index too (their files are then not
    /// stat-ed, so their last-use times are the indexed ones: not for `prune --older-than`).
    pub reuse_downloads: bool,
}

impl WalkOptions {
    /// Two workers per CPU (at least 2, at most 16). The walk spends its time in the kernel
    /// (`getdents`, `statx`): on a cold cache workers block on inode reads, and more of them
    /// keep the disk's queue full; on a busy machine they keep the walk's share of the CPUs.
    /// `cargo run --release --example bench_cache` compares thread counts against `du -s`.
    pub fn new(module_cache: bool) -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        WalkOptions {
            threads: (2 * cpus).clamp(2, 16),
            module_cache,
            reuse_downloads: false,
        }
    }
}

/// Entries and bytes of (part of) a tree: what a walk adds up and what the index keeps of a
/// version's tree or a download directory, added in one place. The index stores it as six
/// numbers (`[files, dirs, symlinks, special, apparent, disk]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Regular files (each hard link counted, like `find -type f`).
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    /// Sockets, fifos, devices.
    pub special: u64,
    /// Sum of `st_size`, as `du -sb` reports.
    pub apparent: u64,
    /// Sum of `st_blocks * 512`, as `du -s -B1` reports.
    pub disk: u64,
}

impl Totals {
    pub fn add(&mut self, o: &Totals) {
        self.files += o.files;
        self.dirs += o.dirs;
        self.symlinks += o.symlinks;
        self.special += o.special;
        self.apparent += o.apparent;
        self.disk += o.disk;
    }

    /// Count one entry of this kind (its bytes are added apart: a hard link counts once).
    pub fn count(&mut self, kind: Kind) {
        match kind {
            Kind::Dir => self.dirs += 1,
            Kind::File => self.files += 1,
            Kind::Symlink => self.symlinks += 1,
            Kind::Other => self.special += 1,
        }
    }

    /// Entries counted.
    pub fn entries(&self) -> u64 {
        self.files + self.dirs + self.symlinks + self.special
    }
}

impl From<[u64; 6]> for Totals {
    fn from([files, dirs, symlinks, special, apparent, disk]: [u64; 6]) -> Self {
        Totals {
            files,
            dirs,
            symlinks,
            special,
            apparent,
            disk,
        }
    }
}

impl From<Totals> for [u64; 6] {
    fn from(t: Totals) -> Self {
        [t.files, t.dirs, t.symlinks, t.special, t.apparent, t.disk]
    }
}

/// What the walk learnt about one module version (the index keeps what a download directory
/// adds to each of its versions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionTally {
    /// On-disk bytes of the extracted tree (directories included).
    pub tree_bytes: u64,
    /// Regular files in the extracted tree.
    pub tree_files: u64,
    /// On-disk bytes of `cache/download/<module>/@v/<version>.*`.
    pub download_bytes: u64,
    /// On-disk bytes of the `.mod` and `.info` files (part of `download_bytes`).
    pub meta_bytes: u64,
    pub has_tree: bool,
    pub has_zip: bool,
    pub has_mod: bool,
    pub has_info: bool,
    /// Newest access or modification time (Unix seconds) of the version's download files and
    /// tree root: every build that needs the version reads its `.mod` file.
    pub last_used: i64,
    /// The download `.zip`'s identity, for the index (see [`super::index`]).
    pub zip_stamp: Option<Stamp>,
}

impl VersionTally {
    pub(crate) fn merge(&mut self, o: &VersionTally) {
        self.tree_bytes += o.tree_bytes;
        self.tree_files += o.tree_files;
        self.download_bytes += o.download_bytes;
        self.meta_bytes += o.meta_bytes;
        self.has_tree |= o.has_tree;
        self.has_zip |= o.has_zip;
        self.has_mod |= o.has_mod;
        self.has_info |= o.has_info;
        self.last_used = self.last_used.max(o.last_used);
        self.zip_stamp = self.zip_stamp.or(o.zip_stamp);
    }
}

/// One extracted tree as this walk met it, for the index.
#[derive(Debug, Clone, Default)]
pub struct TreeWalk {
    /// Its root directory's identity (`None` if the root was never seen, e.g. it vanished).
    pub stamp: Option<Stamp>,
    /// What was read below the root (nothing when `reused`).
    pub totals: TreeTotals,
    /// Something below the root could not be read: the totals are incomplete.
    pub broken: bool,
    /// Its totals came from the index; the tree was not read.
    pub reused: bool,
}

impl TreeWalk {
    fn merge(&mut self, o: TreeWalk) {
        self.stamp = self.stamp.or(o.stamp);
        self.totals.merge(&o.totals);
        self.broken |= o.broken;
        self.reused |= o.reused;
    }
}

/// Why an entry could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueKind {
    /// Permission denied: the entry (or a directory's contents) was not counted.
    Unreadable,
    /// The entry disappeared or changed type while the walk ran (a concurrent `go` command).
    Vanished,
    /// Any other I/O error.
    Failed,
}

/// One entry the walk could not read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Issue {
    pub kind: IssueKind,
    pub path: PathBuf,
    pub error: String,
}

/// Entries the walk could not read: counted by kind, with the first few as samples.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Issues {
    pub unreadable: u64,
    pub vanished: u64,
    pub failed: u64,
    pub samples: Vec<Issue>,
}

const MAX_SAMPLES: usize = 10;

impl Issues {
    pub fn total(&self) -> u64 {
        self.unreadable + self.vanished + self.failed
    }

    pub(crate) fn record(&mut self, path: &Path, err: &io::Error) {
        let kind = match err.kind() {
            io::ErrorKind::PermissionDenied => IssueKind::Unreadable,
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => IssueKind::Vanished,
            _ => IssueKind::Failed,
        };
        match kind {
            IssueKind::Unreadable => self.unreadable += 1,
            IssueKind::Vanished => self.vanished += 1,
            IssueKind::Failed => self.failed += 1,
        }
        if self.samples.len() < MAX_SAMPLES {
            self.samples.push(Issue {
                kind,
                path: path.to_path_buf(),
                error: err.to_string(),
            });
        }
    }

    pub(crate) fn merge(&mut self, o: Issues) {
        self.unreadable += o.unreadable;
        self.vanished += o.vanished;
        self.failed += o.failed;
        for s in o.samples {
            if self.samples.len() < MAX_SAMPLES {
                self.samples.push(s);
            }
        }
    }
}

/// Counts and bytes of a walked tree. Bytes follow `du`: every entry (directories and symbolic
/// links included) counts, an inode with several hard links counts once.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Entries by kind, and their bytes (a hard link's once).
    pub totals: Totals,
    /// On-disk bytes per [`Category`].
    pub by_category: [u64; CATEGORIES],
    pub versions: FxHashMap<Arc<VersionKey>, VersionTally>,
    /// Directories directly under `cache/vcs` (one per cloned repository).
    pub vcs_repos: u64,
    pub issues: Issues,
    /// Every extracted tree met, read or taken from the index.
    pub trees: FxHashMap<Arc<VersionKey>, TreeWalk>,
    /// Every `cache/download/<module>/@v` directory met (by case-encoded module path).
    pub downloads: FxHashMap<Arc<str>, DownloadWalk>,
}

/// One `@v` download directory as this walk met it, for the index.
#[derive(Debug, Clone, Default)]
pub struct DownloadWalk {
    /// The directory's identity (an entry added, removed or renamed in it changes its mtime).
    pub stamp: Option<Stamp>,
    /// What it holds, when it was read whole and can be indexed (no subdirectory, no entry with
    /// several links, nothing unreadable).
    pub totals: Option<DownloadTotals>,
    /// Its totals came from the index; its files were not stat-ed.
    pub reused: bool,
}

impl Tally {
    fn merge(&mut self, mut o: Tally) {
        // Merge the smaller maps into the larger ones (workers' tallies differ in size a lot).
        if o.versions.len() > self.versions.len() {
            std::mem::swap(&mut self.versions, &mut o.versions);
        }
        if o.trees.len() > self.trees.len() {
            std::mem::swap(&mut self.trees, &mut o.trees);
        }
        if o.downloads.len() > self.downloads.len() {
            std::mem::swap(&mut self.downloads, &mut o.downloads);
        }
        self.totals.add(&o.totals);
        for (a, b) in self.by_category.iter_mut().zip(o.by_category) {
            *a += b;
        }
        for (k, v) in o.versions {
            self.versions.entry(k).or_default().merge(&v);
        }
        self.vcs_repos += o.vcs_repos;
        self.issues.merge(o.issues);
        for (k, v) in o.trees {
            self.trees.entry(k).or_default().merge(v);
        }
        self.downloads.extend(o.downloads);
    }

    /// On-disk bytes of one category.
    pub fn bytes(&self, c: Category) -> u64 {
        self.by_category[c.index()]
    }
}

/// The result of walking one root.
#[derive(Debug, Clone)]
pub struct Walk {
    pub root: PathBuf,
    /// The root existed (a missing cache is normal on a fresh machine).
    pub exists: bool,
    pub tally: Tally,
}

/// Why a walk could not start.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{path} is not a directory")]
    NotADirectory { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Root { path: PathBuf, source: io::Error },
}

struct Job {
    path: PathBuf,
    node: Node,
    /// Only the root the user named may be a symbolic link to follow.
    follow: bool,
    /// The directory's identity as its parent's listing saw it (`@v` directories only).
    stamp: Option<Stamp>,
}

/// State shared by the workers.
struct Shared<'a> {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Workers waiting for work; read without the lock to decide whether to share.
    idle: AtomicUsize,
    threads: usize,
    /// Inodes with more than one link seen so far (only those: a plain tree stores nothing).
    links: Mutex<FxHashSet<(u64, u64)>>,
    progress: Option<&'a AtomicU64>,
    /// Totals of trees known unchanged: such trees are not entered.
    index: Option<&'a Index>,
    /// Unchanged `@v` directories are taken from `index` too.
    reuse_downloads: bool,
}

struct Queue {
    jobs: Vec<Job>,
    idle: usize,
    done: bool,
}

/// Walk `root` (following it if it is itself a symbolic link, never below it).
/// `progress`, if given, is advanced by the number of entries read, for a progress display.
pub fn walk(
    root: &Path,
    opts: &WalkOptions,
    progress: Option<&AtomicU64>,
) -> Result<Walk, WalkError> {
    walk_indexed(root, opts, progress, None)
}

/// The metadata of a cache's root (following a symbolic link), `None` when it does not exist:
/// a cache go has not created yet is empty, not an error; anything but a directory is.
pub(crate) fn root_metadata(root: &Path) -> Result<Option<fs::Metadata>, WalkError> {
    match fs::metadata(root) {
        Ok(md) if md.is_dir() => Ok(Some(md)),
        Ok(_) => Err(WalkError::NotADirectory {
            path: root.to_path_buf(),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(WalkError::Root {
            path: root.to_path_buf(),
            source,
        }),
    }
}

impl Walk {
    /// The walk of a root that does not exist (yet).
    pub(crate) fn missing(root: &Path) -> Walk {
        Walk {
            root: root.to_path_buf(),
            exists: false,
            tally: Tally::default(),
        }
    }
}

/// [`walk`], taking the totals of extracted trees whose root is unchanged from `index` instead
/// of reading them (module caches only).
pub fn walk_indexed(
    root: &Path,
    opts: &WalkOptions,
    progress: Option<&AtomicU64>,
    index: Option<&Index>,
) -> Result<Walk, WalkError> {
    let Some(md) = root_metadata(root)? else {
        return Ok(Walk::missing(root));
    };
    let root_node = if opts.module_cache {
        Node::Root
    } else {
        Node::Plain
    };
    let root_meta = super::dirread::meta_of(&md);
    let mut tally = Tally {
        totals: Totals {
            dirs: 1,
            apparent: root_meta.size,
            disk: root_meta.blocks * 512,
            ..Totals::default()
        },
        ..Tally::default()
    };
    tally.by_category[Category::Other.index()] += root_meta.blocks * 512;

    let threads = opts.threads.max(1);
    let shared = Shared {
        queue: Mutex::new(Queue {
            jobs: vec![Job {
                path: root.to_path_buf(),
                node: root_node,
                follow: true,
                stamp: None,
            }],
            idle: 0,
            done: false,
        }),
        wake: Condvar::new(),
        idle: AtomicUsize::new(0),
        threads,
        links: Mutex::new(FxHashSet::default()),
        progress,
        index: index.filter(|_| opts.module_cache),
        reuse_downloads: opts.reuse_downloads,
    };
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| worker(&shared))).collect();
        // A worker that panicked lost its tally; the walk still reports the rest.
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    for t in tallies {
        tally.merge(t);
    }
    Ok(Walk {
        root: root.to_path_buf(),
        exists: true,
        tally,
    })
}

fn worker(shared: &Shared<'_>) -> Tally {
    let mut tally = Tally::default();
    let mut reader = Reader::new();
    let mut local: Vec<Job> = Vec::new();
    while let Some(job) = next_job(shared, &mut local) {
        read_dir(shared, &mut reader, job, &mut tally, &mut local);
        if local.len() > 1 && shared.idle.load(Ordering::Relaxed) > 0 {
            // Give away the oldest half: those are the shallowest, largest subtrees.
            let half = local.len() / 2;
            let mut q = lock(&shared.queue);
            q.jobs.extend(local.drain(..half));
            drop(q);
            shared.wake.notify_all();
        }
    }
    tally
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another worker panicked; the data is still consistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn next_job(shared: &Shared<'_>, local: &mut Vec<Job>) -> Option<Job> {
    if let Some(job) = local.pop() {
        return Some(job);
    }
    let mut q = lock(&shared.queue);
    loop {
        if let Some(job) = q.jobs.pop() {
            return Some(job);
        }
        if q.done {
            return None;
        }
        q.idle += 1;
        shared.idle.store(q.idle, Ordering::Relaxed);
        if q.idle == shared.threads {
            // Nobody holds work and the stack is empty: the walk is over.
            q.done = true;
            shared.wake.notify_all();
            return None;
        }
        q = shared
            .wake
            .wait(q)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        q.idle -= 1;
        shared.idle.store(q.idle, Ordering::Relaxed);
    }
}

/// Read one directory: stat each entry once (relative to the open directory, without following
/// links), tally it, and queue subdirectories. An `@v` directory is tallied apart first, so
/// what it adds can be kept in the index.
fn read_dir(
    shared: &Shared<'_>,
    reader: &mut Reader,
    job: Job,
    tally: &mut Tally,
    local: &mut Vec<Job>,
) {
    let Node::DownloadV(module) = &job.node else {
        read_entries(shared, reader, job, tally, local);
        return;
    };
    let (module, stamp) = (module.clone(), job.stamp);
    let mut sub = Tally::default();
    let queued = local.len();
    let linked = read_entries(shared, reader, job, &mut sub, local);
    let whole = local.len() == queued && !linked && sub.issues.total() == 0;
    let totals = whole.then(|| DownloadTotals::of(&sub));
    tally.downloads.insert(
        module,
        DownloadWalk {
            stamp,
            totals,
            reused: false,
        },
    );
    tally.merge(sub);
}

/// [`read_dir`] of any directory; returns whether it held a non-directory with several links.
fn read_entries(
    shared: &Shared<'_>,
    reader: &mut Reader,
    job: Job,
    tally: &mut Tally,
    local: &mut Vec<Job>,
) -> bool {
    let mut linked = false;
    // Inside extracted trees, clones and plain trees every child is placed alike: classify
    // once and add the directory's bytes to its version with one map update.
    let uniform = layout::uniform(&job.node).then(|| layout::classify(&job.node, "", true));
    let mut uniform_bytes = 0u64;
    let mut uniform_files = 0u64;
    let mut seen = 0u64;
    // Inside an extracted tree: what this directory adds to the tree's index entry.
    let mut tree = matches!(job.node, Node::Tree(_)).then(TreeWalk::default);
    let result = reader.read(&job.path, job.follow, |name, meta| {
        seen += 1;
        let md = match meta {
            Ok(md) => md,
            Err(e) => {
                tally.issues.record(&job.path.join(name), &e);
                if let Some(t) = &mut tree {
                    t.broken = true;
                }
                return;
            }
        };
        let is_dir = md.kind == Kind::Dir;
        let is_file = md.kind == Kind::File;
        tally.totals.count(md.kind);
        linked |= !is_dir && md.nlink >= 2;
        // Like du: a non-directory with several links is counted at its first sighting only.
        let counted = is_dir || md.nlink < 2 || lock(&shared.links).insert((md.dev, md.ino));
        let (apparent, disk) = if counted {
            (md.size, md.blocks * 512)
        } else {
            (0, 0)
        };
        tally.totals.apparent += apparent;
        tally.totals.disk += disk;
        if let Some(t) = &mut tree {
            add_to_tree(&mut t.totals, &md);
        }

        let owned;
        let placement = match &uniform {
            Some(p) => {
                uniform_bytes += disk;
                uniform_files += u64::from(is_file);
                p
            }
            None => {
                owned = layout::classify(&job.node, &name.to_string_lossy(), is_dir);
                place(tally, &owned, disk, is_file, &md);
                if is_dir
                    && let Some((key, None)) = &owned.version
                    && !enter_tree(shared, tally, key, &md)
                {
                    // Unchanged since indexed: its totals were added, its files are not read.
                    return;
                }
                if is_dir
                    && let Node::DownloadV(module) = &owned.node
                    && !enter_downloads(shared, tally, module, &md)
                {
                    return;
                }
                &owned
            }
        };
        if is_dir {
            local.push(Job {
                path: job.path.join(name),
                node: placement.node.clone(),
                follow: false,
                stamp: matches!(placement.node, Node::DownloadV(_)).then(|| Stamp::of(&md)),
            });
        }
    });
    if let Err(e) = result {
        tally.issues.record(&job.path, &e);
        if let Some(t) = &mut tree {
            t.broken = true;
        }
    }
    if let (Some(t), Node::Tree(key)) = (tree, &job.node) {
        tally.trees.entry(key.clone()).or_default().merge(t);
    }
    if let Some(p) = &uniform {
        tally.by_category[p.category.index()] += uniform_bytes;
        if let Some((key, _)) = &p.version {
            let v = tally.versions.entry(key.clone()).or_default();
            v.tree_bytes += uniform_bytes;
            v.tree_files += uniform_files;
        }
    }
    if let Some(progress) = shared.progress {
        progress.fetch_add(seen, Ordering::Relaxed);
    }
    linked
}

/// At an `@v` download directory: when the index knows it unchanged (and may be used for
/// downloads), add what it holds and return `false`: its files are not stat-ed.
fn enter_downloads(shared: &Shared<'_>, tally: &mut Tally, module: &Arc<str>, md: &Meta) -> bool {
    let stamp = Stamp::of(md);
    let Some(known) = shared
        .index
        .filter(|_| shared.reuse_downloads)
        .and_then(|i| i.lookup_downloads(module, &stamp))
    else {
        return true;
    };
    let t = &known.totals;
    tally.totals.add(&t.counts);
    for (a, b) in tally.by_category.iter_mut().zip(&t.by_category) {
        *a += b;
    }
    for (version, v) in &t.versions {
        let key = Arc::new(VersionKey {
            module: module.to_string(),
            version: version.clone(),
        });
        tally.versions.entry(key).or_default().merge(v);
    }
    tally.downloads.insert(
        module.clone(),
        DownloadWalk {
            stamp: Some(stamp),
            totals: None,
            reused: true,
        },
    );
    if let Some(progress) = shared.progress {
        progress.fetch_add(t.counts.entries(), Ordering::Relaxed);
    }
    false
}

/// Count one entry below a tree's root into the tree's index totals.
fn add_to_tree(t: &mut TreeTotals, md: &Meta) {
    t.counts.count(md.kind);
    if md.kind != Kind::Dir && md.nlink >= 2 {
        t.links.push(Link(md.dev, md.ino, md.size, md.blocks * 512));
    } else {
        t.counts.apparent += md.size;
        t.counts.disk += md.blocks * 512;
    }
}

/// At the root directory of an extracted tree: record its identity and decide whether to read
/// it. When the index knows it unchanged, add its totals (hard links once, as a walk would) and
/// return `false`.
fn enter_tree(shared: &Shared<'_>, tally: &mut Tally, key: &Arc<VersionKey>, md: &Meta) -> bool {
    let stamp = Stamp::of(md);
    let entry = tally.trees.entry(key.clone()).or_default();
    entry.stamp = Some(stamp);
    let Some(known) = shared.index.and_then(|i| i.lookup(key, &stamp)) else {
        return true;
    };
    entry.reused = true;
    let t = &known.totals;
    let (mut apparent, mut disk) = (t.counts.apparent, t.counts.disk);
    if !t.links.is_empty() {
        let mut links = lock(&shared.links);
        for l in &t.links {
            if links.insert((l.0, l.1)) {
                apparent += l.2;
                disk += l.3;
            }
        }
    }
    tally.totals.add(&Totals {
        apparent,
        disk,
        ..t.counts
    });
    tally.by_category[Category::Extracted.index()] += disk;
    let v = tally.versions.entry(key.clone()).or_default();
    v.tree_bytes += disk;
    v.tree_files += t.counts.files;
    if let Some(progress) = shared.progress {
        progress.fetch_add(t.entries(), Ordering::Relaxed);
    }
    false
}

/// Add one classified entry to the tally.
fn place(tally: &mut Tally, p: &Placement, disk: u64, is_file: bool, md: &Meta) {
    let (atime, mtime) = (md.atime, md.mtime);
    tally.by_category[p.category.index()] += disk;
    if p.vcs_repo {
        tally.vcs_repos += 1;
    }
    let Some((key, part)) = &p.version else {
        return;
    };
    let v = tally.versions.entry(key.clone()).or_default();
    match part {
        None => {
            // The root directory of an extracted tree.
            v.has_tree = true;
            v.tree_bytes += disk;
            v.tree_files += u64::from(is_file);
            v.last_used = v.last_used.max(atime).max(mtime);
        }
        Some(part) => {
            v.download_bytes += disk;
            match part {
                Part::Zip => {
                    v.has_zip = true;
                    v.zip_stamp = Some(Stamp::of(md));
                }
                Part::Mod => {
                    v.has_mod = true;
                    v.meta_bytes += disk;
                }
                Part::Info => {
                    v.has_info = true;
                    v.meta_bytes += disk;
                }
                // Locks are written once at download and never read: no sign of use.
                Part::Other => return,
            }
            v.last_used = v.last_used.max(atime).max(mtime);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn write(root: &Path, rel: &str, bytes: usize) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, vec![b'x'; bytes]).expect("write");
    }

    fn cache_tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        write(r, "example.com/a@v1.0.0/go.mod", 20);
        write(r, "example.com/a@v1.0.0/pkg/x.go", 5000);
        write(r, "example.com/a@v1.1.0/go.mod", 20);
        write(r, "example.com/!big@v0.1.0/go.mod", 10);
        write(r, "cache/download/example.com/a/@v/v1.0.0.zip", 3000);
        write(r, "cache/download/example.com/a/@v/v1.0.0.mod", 20);
        write(r, "cache/download/example.com/a/@v/v1.0.0.info", 50);
        write(r, "cache/download/example.com/a/@v/v1.1.0.mod", 20);
        write(r, "cache/download/example.com/a/@v/list", 14);
        write(r, "cache/download/sumdb/sum.example/lookup/x", 100);
        write(r, "cache/vcs/abc123/HEAD", 30);
        write(r, "cache/lock", 0);
        t
    }

    #[test]
    fn tallies_a_cache_by_layout() {
        let t = cache_tree();
        for threads in [1, 3] {
            let w = walk(
                t.path(),
                &WalkOptions {
                    threads,
                    module_cache: true,
                    reuse_downloads: false,
                },
                None,
            )
            .expect("walk");
            let tl = &w.tally;
            assert!(w.exists);
            assert_eq!(tl.totals.files, 12);
            assert_eq!(tl.versions.len(), 3);
            let a = &tl.versions[&VersionKey {
                module: "example.com/a".into(),
                version: "v1.0.0".into(),
            }];
            assert!(a.has_tree && a.has_zip && a.has_mod && a.has_info);
            assert_eq!(a.tree_files, 2);
            assert!(a.tree_bytes >= 8192, "{a:?}");
            let b = &tl.versions[&VersionKey {
                module: "example.com/!big".into(),
                version: "v0.1.0".into(),
            }];
            assert!(b.has_tree && !b.has_zip && !b.has_mod);
            assert_eq!(tl.vcs_repos, 1);
            assert!(tl.bytes(Category::Sumdb) > 0 && tl.bytes(Category::Zip) > 0);
            let sum: u64 = tl.by_category.iter().sum();
            assert_eq!(sum, tl.totals.disk, "categories partition the total");
        }
    }

    #[test]
    fn missing_root_is_not_an_error() {
        let t = tempfile::tempdir().expect("tempdir");
        let w = walk(&t.path().join("nope"), &WalkOptions::new(true), None).expect("walk");
        assert!(!w.exists);
        assert_eq!(w.tally.totals.files, 0);
    }

    #[test]
    fn symlinks_are_counted_not_followed_and_hard_links_once() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        write(r, "d/f", 10_000);
        std::os::unix::fs::symlink("..", r.join("d/loop")).expect("symlink");
        std::os::unix::fs::symlink(r, r.join("d/abs")).expect("symlink");
        fs::hard_link(r.join("d/f"), r.join("d/g")).expect("link");
        let w = walk(
            r,
            &WalkOptions {
                threads: 2,
                module_cache: false,
                reuse_downloads: false,
            },
            None,
        )
        .expect("walk");
        assert_eq!(w.tally.totals.files, 2);
        assert_eq!(w.tally.totals.symlinks, 2);
        assert_eq!(w.tally.totals.dirs, 2);
        let f = fs::metadata(r.join("d/f")).expect("md");
        let d = fs::metadata(r.join("d")).expect("md");
        let root = fs::metadata(r).expect("md");
        let l1 = fs::symlink_metadata(r.join("d/loop")).expect("md");
        let l2 = fs::symlink_metadata(r.join("d/abs")).expect("md");
        assert_eq!(
            w.tally.totals.apparent,
            f.size() + d.size() + root.size() + l1.size() + l2.size()
        );
        assert_eq!(
            w.tally.totals.disk,
            (f.blocks() + d.blocks() + root.blocks() + l1.blocks() + l2.blocks()) * 512
        );
    }

    #[test]
    fn a_file_root_is_refused() {
        let t = tempfile::tempdir().expect("tempdir");
        write(t.path(), "f", 1);
        let err = walk(&t.path().join("f"), &WalkOptions::new(true), None).expect_err("file");
        assert!(matches!(err, WalkError::NotADirectory { .. }));
    }
}
