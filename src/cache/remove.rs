//! Carrying out a prune plan: remove each version's extracted tree and download files together,
//! making go's read-only directories writable first, the way cmd/go itself stays consistent:
//! a `.partial` marker goes down first (go treats a tree with one as incomplete and fetches it
//! again) and comes off last. The checksum database caches are never touched.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::prune::{Plan, Planned, Removal};
use crate::atomic;
use crate::syntax::semver;

/// Paths removal must never touch: `cache/download/sumdb` and each `$GOPATH/pkg/sumdb`.
#[derive(Debug, Clone)]
pub struct Guard {
    root: PathBuf,
    protected: Vec<PathBuf>,
}

impl Guard {
    pub fn new(root: &Path, gopath: &[PathBuf]) -> Self {
        let mut protected = vec![root.join("cache").join("download").join("sumdb")];
        protected.extend(gopath.iter().map(|g| g.join("pkg").join("sumdb")));
        Guard {
            root: root.to_path_buf(),
            protected,
        }
    }

    /// Refuse anything outside the cache, the cache itself, and anything inside (or above) a
    /// protected directory.
    pub fn check(&self, path: &Path) -> Result<(), RemoveError> {
        let inside = path.starts_with(&self.root) && path != self.root;
        let clean = path
            .components()
            .all(|c| !matches!(c, Component::ParentDir | Component::CurDir));
        let protected = self
            .protected
            .iter()
            .any(|p| path.starts_with(p) || p.starts_with(path));
        if inside && clean && !protected {
            Ok(())
        } else {
            Err(RemoveError::Refused {
                path: path.to_path_buf(),
            })
        }
    }
}

/// Why a version could not be removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("refusing to remove {path}: outside the module cache or a checksum database cache")]
    Refused { path: PathBuf },
    #[error("cannot remove {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// What a prune did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub removed: u64,
    pub freed_bytes: u64,
    /// `module@version: error` for versions that could not be (fully) removed.
    pub failed: Vec<String>,
}

/// Remove everything in `plan` under the module cache `root`.
pub fn execute(root: &Path, plan: &Plan, guard: &Guard) -> Outcome {
    let mut out = Outcome::default();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for p in &plan.remove {
        touched.insert(p.version.disk_module.clone());
        match remove_version(root, p, guard) {
            Ok(()) => {
                out.removed += 1;
                out.freed_bytes += p.frees;
            }
            Err(e) => out
                .failed
                .push(format!("{}@{}: {e}", p.version.module, p.version.version)),
        }
    }
    for module in touched {
        if let Err(e) = tidy_module(root, &module, guard) {
            out.failed.push(format!("{module}: {e}"));
        }
    }
    out
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> RemoveError + '_ {
    move |source| RemoveError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A case-encoded module path from the walk: relative, no `.`/`..`, no empty elements.
fn safe_rel(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|e| !e.is_empty() && e != "." && e != "..")
}

fn remove_version(root: &Path, p: &Planned, guard: &Guard) -> Result<(), RemoveError> {
    let v = &p.version;
    let tree = root.join(format!("{}@{}", v.disk_module, v.disk_version));
    let dl = root
        .join("cache")
        .join("download")
        .join(&v.disk_module)
        .join("@v");
    if !safe_rel(&v.disk_module) || v.disk_version.contains('/') || !semver::is_valid(&v.version) {
        return Err(RemoveError::Refused { path: tree });
    }
    guard.check(&tree)?;
    guard.check(&dl)?;
    let partial = dl.join(format!("{}.partial", v.disk_version));
    let tree_exists = tree.symlink_metadata().is_ok();
    if tree_exists && dl.is_dir() {
        fs::write(&partial, b"").map_err(io_err(&partial))?;
    }
    if tree_exists {
        make_writable(&tree)?;
        fs::remove_dir_all(&tree).map_err(io_err(&tree))?;
    }
    let exts: &[&str] = match p.removal {
        Removal::Whole => &["zip", "ziphash", "mod", "info", "lock"],
        Removal::KeepModFile => &["zip", "ziphash"],
    };
    for ext in exts {
        remove_file(&dl.join(format!("{}.{ext}", v.disk_version)))?;
    }
    remove_file(&partial)?;
    if let Some(parent) = tree.parent() {
        remove_empty_dirs(parent, root);
    }
    Ok(())
}

fn remove_file(path: &Path) -> Result<(), RemoveError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(RemoveError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Add owner write (and search) permission to every directory of a tree, without following
/// symbolic links: go extracts module trees read-only, and entries can only be unlinked from
/// a writable directory.
pub fn make_writable(top: &Path) -> Result<(), RemoveError> {
    let mut stack = vec![top.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let md = fs::symlink_metadata(&dir).map_err(io_err(&dir))?;
        if !md.is_dir() {
            continue;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = md.permissions().mode();
            if mode & 0o700 != 0o700 {
                fs::set_permissions(&dir, fs::Permissions::from_mode(mode | 0o700))
                    .map_err(io_err(&dir))?;
            }
        }
        #[cfg(not(unix))]
        {
            let mut permissions = md.permissions();
            if permissions.readonly() {
                permissions.set_readonly(false);
                fs::set_permissions(&dir, permissions).map_err(io_err(&dir))?;
            }
        }
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            if entry.file_type().map_err(io_err(&dir))?.is_dir() {
                stack.push(entry.path());
            }
        }
    }
    Ok(())
}

/// Remove `dir` and its parents while they are empty, stopping at `stop` (kept).
fn remove_empty_dirs(dir: &Path, stop: &Path) {
    let mut cur = dir.to_path_buf();
    while cur.starts_with(stop) && cur != stop {
        if fs::remove_dir(&cur).is_err() {
            break;
        }
        match cur.parent() {
            Some(p) => cur = p.to_path_buf(),
            None => break,
        }
    }
}

/// After removing versions of `module`: rewrite `@v/list` from the `.mod` files left, as
/// cmd/go's `rewriteVersionList` does, and drop the module's download directories once empty.
fn tidy_module(root: &Path, module: &str, guard: &Guard) -> Result<(), RemoveError> {
    let downloads = root.join("cache").join("download");
    let dl = downloads.join(module).join("@v");
    guard.check(&dl)?;
    let entries = match fs::read_dir(&dl) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(RemoveError::Io {
                path: dl,
                source: e,
            });
        }
    };
    let mut versions: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".mod"))
                .map(str::to_string)
        })
        .filter(|v| semver::is_valid(v))
        .collect();
    versions.sort_by(|a, b| semver::compare(a, b));
    let list = dl.join("list");
    if versions.is_empty() {
        remove_file(&list)?;
        remove_file(&dl.join("list.lock"))?;
        remove_empty_dirs(&dl, &downloads);
    } else if list.exists() {
        // go's file: keep its mode; a reader (a concurrent go) sees the old list or the new one.
        let mut body = versions.join("\n");
        body.push('\n');
        atomic::write(&list, body.as_bytes(), atomic::Mode::Keep).map_err(io_err(&list))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::prune::{self, Rules};
    use crate::cache::required::Required;
    use crate::cache::{stats, walk};
    use std::os::unix::fs::PermissionsExt;

    fn write(root: &Path, rel: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, b"x").expect("write");
    }

    fn read_only(dir: &Path) {
        for e in fs::read_dir(dir).expect("read") {
            let e = e.expect("entry");
            if e.file_type().expect("type").is_dir() {
                read_only(&e.path());
            }
        }
        fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).expect("chmod");
    }

    #[test]
    fn prunes_read_only_trees_and_download_files_together() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        for v in ["v1.0.0", "v1.1.0", "v1.10.0"] {
            write(r, &format!("example.com/!m@{v}/sub/x.go"));
            for ext in ["zip", "ziphash", "mod", "info", "lock"] {
                write(r, &format!("cache/download/example.com/!m/@v/{v}.{ext}"));
            }
            read_only(&r.join(format!("example.com/!m@{v}")));
        }
        write(r, "cache/download/example.com/!m/@v/list");
        write(
            r,
            "cache/download/sumdb/sum.example/lookup/example.com/!m@v1.0.0",
        );
        write(r, "solo.org/x@v0.1.0/a.go");
        write(r, "cache/download/solo.org/x/@v/v0.1.0.mod");
        write(r, "cache/download/solo.org/x/@v/list");
        let w = walk::walk(r, &walk::WalkOptions::new(true), None).expect("walk");
        let versions = stats::versions(&w);
        let mut plan = prune::plan(
            &versions,
            &Rules {
                keep: Some(1),
                older_than: None,
                now: 0,
            },
            &Required::default(),
        );
        assert_eq!(plan.remove.len(), 2);
        // Also remove solo.org/x entirely to see its directories go.
        let solo = versions
            .iter()
            .find(|v| v.module == "solo.org/x")
            .expect("solo")
            .clone();
        plan.remove.push(prune::Planned {
            frees: solo.bytes(),
            version: solo,
            removal: Removal::Whole,
            reason: String::new(),
        });
        let out = execute(r, &plan, &Guard::new(r, &[]));
        assert!(out.failed.is_empty(), "{:?}", out.failed);
        assert_eq!(out.removed, 3);
        assert!(!r.join("example.com/!m@v1.0.0").exists());
        assert!(!r.join("example.com/!m@v1.1.0").exists());
        assert!(r.join("example.com/!m@v1.10.0/sub/x.go").exists());
        let left: BTreeSet<String> = fs::read_dir(r.join("cache/download/example.com/!m/@v"))
            .expect("read")
            .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
            .collect();
        let want: BTreeSet<String> = [
            "list",
            "v1.10.0.info",
            "v1.10.0.lock",
            "v1.10.0.mod",
            "v1.10.0.zip",
            "v1.10.0.ziphash",
        ]
        .map(String::from)
        .into();
        assert_eq!(left, want);
        assert_eq!(
            fs::read_to_string(r.join("cache/download/example.com/!m/@v/list")).expect("list"),
            "v1.10.0\n"
        );
        assert!(
            r.join("cache/download/sumdb/sum.example/lookup/example.com/!m@v1.0.0")
                .exists()
        );
        assert!(!r.join("solo.org").exists(), "empty module directories go");
        assert!(!r.join("cache/download/solo.org").exists());
    }

    #[test]
    fn the_guard_protects_sumdb_and_stays_inside() {
        let g = Guard::new(Path::new("/c/pkg/mod"), &[PathBuf::from("/c")]);
        assert!(
            g.check(Path::new("/c/pkg/mod/example.com/a@v1.0.0"))
                .is_ok()
        );
        assert!(
            g.check(Path::new("/c/pkg/mod/cache/download/sumdb/x"))
                .is_err()
        );
        assert!(
            g.check(Path::new("/c/pkg/mod/cache/download")).is_err(),
            "an ancestor of sumdb"
        );
        assert!(g.check(Path::new("/c/pkg/mod")).is_err());
        assert!(g.check(Path::new("/c/pkg/sumdb/x")).is_err());
        assert!(g.check(Path::new("/c/pkg/mod/../sumdb")).is_err());
        assert!(g.check(Path::new("/elsewhere")).is_err());
        // GOMODCACHE set to $GOPATH/pkg: $GOPATH/pkg/sumdb is inside it and still protected.
        let g = Guard::new(Path::new("/c/pkg"), &[PathBuf::from("/c")]);
        assert!(g.check(Path::new("/c/pkg/sumdb/lookup")).is_err());
    }
}
