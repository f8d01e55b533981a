//! Statistics of a walked module cache: totals, the download-cache breakdown, modules and
//! versions, the largest modules, modules with many versions, toolchains. Pure: built from a
//! [`Tally`](super::walk::Tally) and file-system facts, never touching the disk.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::fsinfo::FsSpace;
use super::index::Usage;
use super::layout::{self, Category, TOOLCHAIN_MODULE};
use super::walk::{Issues, Walk};
use crate::syntax::semver;

/// One module version found in the cache, decoded for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    /// Module path as users write it (`github.com/Azure/foo`).
    pub module: String,
    pub version: String,
    /// The module path and version as named on disk (case-encoded).
    #[serde(skip)]
    pub disk_module: String,
    #[serde(skip)]
    pub disk_version: String,
    pub tree_bytes: u64,
    pub download_bytes: u64,
    /// `.mod` and `.info` bytes (kept when only the go.mod of a version is needed).
    #[serde(skip)]
    pub meta_bytes: u64,
    pub has_tree: bool,
    pub has_zip: bool,
    pub has_mod: bool,
    /// Unix seconds; 0 when the version has no download files.
    pub last_used: i64,
}

impl VersionInfo {
    pub fn bytes(&self) -> u64 {
        self.tree_bytes + self.download_bytes
    }
}

/// Every version in the tally, sorted by module path then Go's semver order (oldest first).
pub fn versions(walk: &Walk) -> Vec<VersionInfo> {
    let mut out: Vec<VersionInfo> = walk
        .tally
        .versions
        .iter()
        .map(|(k, v)| VersionInfo {
            module: layout::unescape(&k.module).unwrap_or_else(|| k.module.clone()),
            version: layout::unescape(&k.version).unwrap_or_else(|| k.version.clone()),
            disk_module: k.module.clone(),
            disk_version: k.version.clone(),
            tree_bytes: v.tree_bytes,
            download_bytes: v.download_bytes,
            meta_bytes: v.meta_bytes,
            has_tree: v.has_tree,
            has_zip: v.has_zip,
            has_mod: v.has_mod,
            last_used: v.last_used,
        })
        .collect();
    out.sort_by(|a, b| {
        a.module
            .cmp(&b.module)
            .then_with(|| semver::compare(&a.version, &b.version))
    });
    out
}

/// A module and what its versions take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleRow {
    pub module: String,
    pub versions: u64,
    pub bytes: u64,
    /// Newest version present.
    pub newest: String,
    /// Bytes that `cache prune --keep 1` would free for this module.
    pub reclaimable_keep_1: u64,
}

/// A downloaded Go toolchain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolchainRow {
    pub version: String,
    pub bytes: u64,
}

/// The download cache (`cache/download`) by kind of file; on-disk bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DownloadBreakdown {
    pub zip_bytes: u64,
    pub mod_bytes: u64,
    pub info_bytes: u64,
    /// Checksum database tiles (`cache/download/sumdb`); never pruned.
    pub sumdb_bytes: u64,
    /// `.ziphash`, locks, `list` files, directories.
    pub other_bytes: u64,
}

/// Everything `godoctor cache` reports about GOMODCACHE. Field names of the first block are the
/// `cache --json` contract in DESIGN.md.
#[derive(Debug, Clone, Serialize)]
pub struct ModCacheReport {
    pub path: PathBuf,
    pub exists: bool,
    pub files: u64,
    /// Sum of sizes of all entries, as `du -sb` counts (hard links once).
    pub apparent_bytes: u64,
    /// Blocks on disk, as `du -s -B1` counts (hard links once).
    pub disk_bytes: u64,
    pub modules: u64,
    pub versions: u64,
    pub download_bytes: u64,
    pub extracted_bytes: u64,
    pub vcs_bytes: u64,
    pub largest: Vec<ModuleRow>,
    /// Free space of the file system holding the cache; `null` when it cannot be read.
    pub free_bytes: Option<u64>,
    // Beyond the contract.
    pub writable: bool,
    pub read_only_fs: bool,
    pub dirs: u64,
    pub symlinks: u64,
    pub download: DownloadBreakdown,
    /// Versions with an extracted tree.
    pub extracted_trees: u64,
    pub vcs_repos: u64,
    /// Bytes outside the categories above (module path directories, locks, leftovers).
    pub other_bytes: u64,
    pub toolchains: Vec<ToolchainRow>,
    /// Modules with at least [`MANY_VERSIONS`] versions, most reclaimable first.
    pub many_versions: Vec<ModuleRow>,
    /// All modules with at least [`MANY_VERSIONS`] versions (the list above is cut at `--top`).
    pub many_versions_modules: u64,
    /// What `cache prune --keep 1` frees in those modules.
    pub many_versions_reclaimable: u64,
    /// Entries that could not be read; the totals above leave them out.
    pub issues: Issues,
    /// Which totals came from the index of unchanged versions (`null`: not used).
    pub index: Option<Usage>,
}

/// A module with this many versions or more is listed under `many_versions`.
pub const MANY_VERSIONS: u64 = 4;

/// Size of a plain tree such as GOCACHE.
#[derive(Debug, Clone, Serialize)]
pub struct TreeReport {
    pub path: PathBuf,
    pub exists: bool,
    pub files: u64,
    pub apparent_bytes: u64,
    pub disk_bytes: u64,
    pub issues: Issues,
    /// Which totals came from the build cache's index (absent: every file was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<super::dirindex::Usage>,
}

impl TreeReport {
    pub fn from_walk(walk: &Walk) -> Self {
        let t = &walk.tally;
        TreeReport {
            path: walk.root.clone(),
            exists: walk.exists,
            files: t.totals.files,
            apparent_bytes: t.totals.apparent,
            disk_bytes: t.totals.disk,
            issues: t.issues.clone(),
            index: None,
        }
    }
}

/// Build the report of a walked module cache. `top` bounds the module lists.
pub fn report(walk: &Walk, space: Option<FsSpace>, writable: bool, top: usize) -> ModCacheReport {
    let t = &walk.tally;
    let all = versions(walk);
    let mut modules: BTreeMap<&str, Vec<&VersionInfo>> = BTreeMap::new();
    for v in &all {
        modules.entry(&v.module).or_default().push(v);
    }
    let rows: Vec<ModuleRow> = modules
        .iter()
        .map(|(m, vs)| {
            let bytes: u64 = vs.iter().map(|v| v.bytes()).sum();
            // `vs` is oldest first: everything but the last goes with --keep 1.
            let newest = vs.last().map_or_else(String::new, |v| v.version.clone());
            let reclaimable_keep_1 = vs.iter().rev().skip(1).map(|v| v.bytes()).sum();
            ModuleRow {
                module: (*m).to_string(),
                versions: vs.len() as u64,
                bytes,
                newest,
                reclaimable_keep_1,
            }
        })
        .collect();
    let mut largest: Vec<ModuleRow> = rows
        .iter()
        .filter(|r| r.module != TOOLCHAIN_MODULE)
        .cloned()
        .collect();
    largest.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.module.cmp(&b.module)));
    largest.truncate(top);
    let mut many: Vec<ModuleRow> = rows
        .into_iter()
        .filter(|r| r.versions >= MANY_VERSIONS)
        .collect();
    many.sort_by(|a, b| {
        b.reclaimable_keep_1
            .cmp(&a.reclaimable_keep_1)
            .then_with(|| b.versions.cmp(&a.versions))
    });
    let many_versions_modules = many.len() as u64;
    let many_versions_reclaimable = many.iter().map(|m| m.reclaimable_keep_1).sum();
    many.truncate(top);
    let toolchains = all
        .iter()
        .filter(|v| v.module == TOOLCHAIN_MODULE)
        .map(|v| ToolchainRow {
            version: v.version.clone(),
            bytes: v.bytes(),
        })
        .collect();
    let download = DownloadBreakdown {
        zip_bytes: t.bytes(Category::Zip),
        mod_bytes: t.bytes(Category::Mod),
        info_bytes: t.bytes(Category::Info),
        sumdb_bytes: t.bytes(Category::Sumdb),
        other_bytes: t.bytes(Category::DownloadOther),
    };
    let download_bytes = download.zip_bytes
        + download.mod_bytes
        + download.info_bytes
        + download.sumdb_bytes
        + download.other_bytes;
    ModCacheReport {
        path: walk.root.clone(),
        exists: walk.exists,
        files: t.totals.files,
        apparent_bytes: t.totals.apparent,
        disk_bytes: t.totals.disk,
        modules: modules.len() as u64,
        versions: all.len() as u64,
        download_bytes,
        extracted_bytes: t.bytes(Category::Extracted),
        vcs_bytes: t.bytes(Category::Vcs),
        largest,
        free_bytes: space.map(|s| s.free_bytes),
        writable,
        read_only_fs: space.is_some_and(|s| s.read_only),
        dirs: t.totals.dirs,
        symlinks: t.totals.symlinks,
        download,
        extracted_trees: all.iter().filter(|v| v.has_tree).count() as u64,
        vcs_repos: t.vcs_repos,
        other_bytes: t.bytes(Category::Other),
        toolchains,
        many_versions: many,
        many_versions_modules,
        many_versions_reclaimable,
        issues: t.issues.clone(),
        index: None,
    }
}

/// Bytes in binary units for people: `1.5 GiB`, `312 KiB`, `17 B`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Below this much free space on the cache's file system, downloads start failing soon.
pub const LOW_SPACE: u64 = 1 << 30;

/// Diagnoses of a module cache (and build cache) report: pure, for both renderers.
pub fn findings(r: &ModCacheReport, build: Option<&TreeReport>) -> Vec<crate::finding::Finding> {
    use crate::finding::Finding;
    let mut out = Vec::new();
    if !r.exists {
        out.push(Finding::info(
            "cache.missing",
            format!(
                "the module cache {} does not exist yet: normal before the first download",
                r.path.display()
            ),
        ));
    }
    for (what, issues) in [
        ("module cache", Some(&r.issues)),
        ("build cache", build.map(|b| &b.issues)),
    ] {
        let Some(issues) = issues.filter(|i| i.total() > 0) else {
            continue;
        };
        let sample = issues
            .samples
            .first()
            .map(|s| format!(" (first: {}: {})", s.path.display(), s.error));
        let sample = sample.unwrap_or_default();
        let hard = issues.unreadable + issues.failed;
        if hard > 0 {
            let msg = format!(
                "{hard} entries of the {what} could not be read ({} permission denied, {} other errors); the totals leave them out{sample}",
                issues.unreadable, issues.failed
            );
            out.push(Finding::error("cache.unreadable", msg).with_hint(
                "run godoctor as the user who owns the cache, or fix the permissions of the entries named",
            ));
        }
        if issues.vanished > 0 {
            // A go command downloading or cleaning at the same time: normal, the numbers are
            // only slightly off. The clause before "; " is the check's title; the sample path
            // stays in the detail.
            let msg = format!(
                "{} entries of the {what} changed or vanished during the walk; a go command was busy with it{}",
                issues.vanished,
                if hard > 0 { String::new() } else { sample }
            );
            out.push(
                Finding::warning("cache.changed", msg)
                    .with_hint("run the command again once concurrent go commands have finished"),
            );
        }
    }
    if r.exists && r.read_only_fs {
        out.push(
            Finding::warning("cache.read-only-fs", "the module cache is on a read-only file system: go cannot download into it and nothing can be pruned")
                .with_hint("point GOMODCACHE at a writable directory: godoctor env set GOMODCACHE=/path"),
        );
    } else if r.exists && !r.writable {
        out.push(
            Finding::warning(
                "cache.not-writable",
                "this user cannot write to the module cache: go cannot download into it",
            )
            .with_hint(
                "fix the owner of the directory, or point GOMODCACHE at a directory you own",
            ),
        );
    }
    if let Some(free) = r.free_bytes.filter(|f| *f < LOW_SPACE) {
        out.push(
            Finding::warning("cache.low-space", format!("only {} free on the module cache's file system", human(free)))
                .with_hint("godoctor cache prune --keep 1 removes old versions; godoctor cache clean removes everything"),
        );
    }
    let reclaimable = r.many_versions_reclaimable;
    if reclaimable > 0 {
        out.push(
            Finding::info(
                "cache.many-versions",
                format!(
                    "{} {} {MANY_VERSIONS} or more versions; keeping only the newest of each of them frees about {}",
                    r.many_versions_modules,
                    if r.many_versions_modules == 1 { "module keeps" } else { "modules keep" },
                    human(reclaimable)
                ),
            )
            .with_hint("godoctor cache prune --keep 1 shows exactly what would go (add --yes to remove)"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::layout::VersionKey;
    use crate::cache::walk::VersionTally;
    use std::sync::Arc;

    fn walk_with(versions: &[(&str, &str, u64)]) -> Walk {
        let mut w = Walk {
            root: PathBuf::from("/c"),
            exists: true,
            tally: Default::default(),
        };
        for (m, v, bytes) in versions {
            let key = Arc::new(VersionKey {
                module: (*m).into(),
                version: (*v).into(),
            });
            let vt = VersionTally {
                tree_bytes: *bytes,
                has_tree: true,
                ..Default::default()
            };
            w.tally.versions.insert(key, vt);
        }
        w
    }

    #[test]
    fn modules_are_grouped_sorted_and_ranked() {
        let w = walk_with(&[
            ("example.com/!a", "v1.10.0", 10),
            ("example.com/!a", "v1.9.0", 20),
            ("example.com/!a", "v1.2.0", 30),
            ("example.com/!a", "v1.0.0", 40),
            ("example.com/b", "v0.1.0", 500),
            (TOOLCHAIN_MODULE, "v0.0.1-go1.22.0.linux-amd64", 9000),
        ]);
        let r = report(&w, None, true, 10);
        assert_eq!(r.modules, 3);
        assert_eq!(r.versions, 6);
        assert_eq!(r.largest[0].module, "example.com/b");
        assert_eq!(r.largest[1].module, "example.com/A");
        assert_eq!(r.largest[1].newest, "v1.10.0");
        assert_eq!(r.largest[1].reclaimable_keep_1, 90);
        assert_eq!(r.largest.len(), 2, "toolchains are listed apart");
        assert_eq!(r.many_versions.len(), 1);
        assert_eq!(r.many_versions_reclaimable, 90);
        let cut = report(&w, None, true, 0);
        assert!(cut.many_versions.is_empty() && cut.largest.is_empty());
        assert_eq!(
            (cut.many_versions_modules, cut.many_versions_reclaimable),
            (1, 90)
        );
        assert_eq!(r.toolchains[0].bytes, 9000);
        assert_eq!(r.free_bytes, None);
    }

    #[test]
    fn vanished_entries_warn_and_unreadable_ones_are_errors() {
        use crate::cache::walk::{Issue, IssueKind};
        use crate::finding::Severity;
        let mut w = walk_with(&[]);
        w.tally.issues.vanished = 2;
        w.tally.issues.samples.push(Issue {
            kind: IssueKind::Vanished,
            path: PathBuf::from("/c/x.tmp"),
            error: "No such file or directory".into(),
        });
        let r = report(&w, None, true, 10);
        let f = findings(&r, None);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].code, f[0].severity),
            ("cache.changed", Severity::Warn)
        );
        assert!(f[0].message.contains("/c/x.tmp"));
        w.tally.issues.unreadable = 1;
        let f = findings(&report(&w, None, true, 10), None);
        assert_eq!(
            f.iter().map(|f| f.code).collect::<Vec<_>>(),
            ["cache.unreadable", "cache.changed"]
        );
        let missing = Walk {
            exists: false,
            ..walk_with(&[])
        };
        let f = findings(&report(&missing, None, false, 10), None);
        assert_eq!(
            f.iter().map(|f| f.code).collect::<Vec<_>>(),
            ["cache.missing"]
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(17), "17 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(300 * 1024 * 1024), "300 MiB");
    }
}
