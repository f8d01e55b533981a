//! The guard before any deletion in the module cache: GOMODCACHE comes from the user's
//! environment, so `cache clean` and `cache prune` first make sure it names a module cache and
//! not `/`, a home directory, a system directory or a tree holding the user's own work.

use std::path::{Component, Path, PathBuf};

/// Directories whose loss breaks the system (or another user's data). Refused even with
/// `--force`: no module cache is ever one of these.
const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/include",
    "/usr/lib",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/local",
    "/usr/local/bin",
    "/usr/local/lib",
    "/usr/local/share",
    "/usr/sbin",
    "/usr/share",
    "/usr/src",
    "/var",
    "/var/cache",
    "/var/lib",
    "/var/log",
    "/var/mail",
    "/var/spool",
    "/var/tmp",
    // macOS
    "/Applications",
    "/Library",
    "/System",
    "/Users",
    "/Volumes",
    "/private",
    "/private/etc",
    "/private/tmp",
    "/private/var",
];

/// Directories under which every child is a user's home.
const HOME_PARENTS: &[&str] = &["/home", "/Users"];

/// What the guard knows besides the directory itself.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `$HOME` (already canonical where it exists).
    pub home: Option<PathBuf>,
    /// GOROOT as go reports it.
    pub goroot: Option<PathBuf>,
    /// The directory of the go.mod found from the working directory.
    pub module_dir: Option<PathBuf>,
}

/// How the top level of the directory looks, read once by [`inspect`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    pub exists: bool,
    /// `cache/download` is a directory.
    pub has_download: bool,
    /// Top-level entries that no module cache holds (at most a few, for the message).
    pub strangers: Vec<String>,
    /// Whether the directory has any entry at all.
    pub empty: bool,
}

/// Why a directory is not removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("GOMODCACHE is {0}, a system directory")]
    System(PathBuf),
    #[error("GOMODCACHE is {0}, a home directory or a directory holding one")]
    Home(PathBuf),
    #[error("GOMODCACHE {dir} holds GOROOT {goroot}")]
    HoldsGoroot { dir: PathBuf, goroot: PathBuf },
    #[error("GOMODCACHE {dir} holds the current module {module}")]
    HoldsModule { dir: PathBuf, module: PathBuf },
    #[error("GOMODCACHE {dir} does not look like a module cache: {why}")]
    NotACache { dir: PathBuf, why: String },
}

impl Refusal {
    /// Only the shape refusal can be overridden: a module cache that go laid out unusually is
    /// conceivable, a module cache that is `/etc` or holds GOROOT is not.
    pub fn forceable(&self) -> bool {
        matches!(self, Refusal::NotACache { .. })
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Refusal::NotACache { .. } => {
                "point GOMODCACHE at the real module cache (godoctor env set GOMODCACHE=$HOME/go/pkg/mod), or pass --force if this really is one"
            }
            _ => {
                "point GOMODCACHE at a directory of its own (godoctor env set GOMODCACHE=$HOME/go/pkg/mod); --force does not override this"
            }
        }
    }
}

/// Decide whether `dir` (canonical where it exists) may have things deleted from it. Pure.
pub fn judge(dir: &Path, shape: &Shape, facts: &Facts, force: bool) -> Result<(), Refusal> {
    if SYSTEM_DIRS.iter().any(|s| dir == Path::new(s)) {
        return Err(Refusal::System(dir.to_path_buf()));
    }
    let is_home = facts.home.as_deref().is_some_and(|h| h.starts_with(dir))
        || dir
            .parent()
            .is_some_and(|p| HOME_PARENTS.iter().any(|h| p == Path::new(h)));
    if is_home {
        return Err(Refusal::Home(dir.to_path_buf()));
    }
    if let Some(goroot) = &facts.goroot {
        // A toolchain go switched to (GOTOOLCHAIN) runs from inside the cache: that GOROOT is
        // the cache's own content, not the user's installation.
        let own_toolchain = goroot
            .strip_prefix(dir)
            .is_ok_and(|rel| rel.starts_with("golang.org") && in_version_tree(rel));
        if goroot.starts_with(dir) && !own_toolchain {
            return Err(Refusal::HoldsGoroot {
                dir: dir.to_path_buf(),
                goroot: goroot.clone(),
            });
        }
    }
    if let Some(module) = &facts.module_dir {
        // Working inside an extracted module version (read-only files go put there) is fine.
        let extracted = module.strip_prefix(dir).is_ok_and(in_version_tree);
        if module.starts_with(dir) && !extracted {
            return Err(Refusal::HoldsModule {
                dir: dir.to_path_buf(),
                module: module.clone(),
            });
        }
    }
    if !shape.exists || shape.empty || force {
        return Ok(());
    }
    let why = if !shape.has_download {
        Some("it has no cache/download directory".to_string())
    } else if !shape.strangers.is_empty() {
        Some(format!(
            "it holds {}, which go never puts in a module cache",
            shape.strangers.join(", ")
        ))
    } else {
        None
    };
    match why {
        Some(why) => Err(Refusal::NotACache {
            dir: dir.to_path_buf(),
            why,
        }),
        None => Ok(()),
    }
}

/// Whether a path relative to the cache goes through a `path@version` element.
fn in_version_tree(rel: &Path) -> bool {
    rel.components().any(|c| match c {
        Component::Normal(s) => s.to_string_lossy().contains('@'),
        _ => false,
    })
}

/// Whether a top-level name is one go puts in a module cache: `cache`, the first element of a
/// downloaded module path (it has a dot: `github.com`, `golang.org`, possibly case-encoded) or a
/// one-element `path@version` tree.
fn module_cache_name(name: &str, is_dir: bool) -> bool {
    if name == "cache" {
        return is_dir;
    }
    is_dir
        && !name.starts_with('.')
        && (name.contains('.') || name.contains('@'))
        && !name.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// How many strangers to name in the message.
const MAX_STRANGERS: usize = 3;

/// Read the top level of `dir`. Stops after a bounded number of entries: a module cache has a
/// handful of top-level hosts, a hostile directory may have millions of files.
pub fn inspect(dir: &Path) -> std::io::Result<Shape> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Shape::default()),
        Err(e) => return Err(e),
    };
    let mut shape = Shape {
        exists: true,
        empty: true,
        has_download: dir.join("cache").join("download").is_dir(),
        strangers: Vec::new(),
    };
    for entry in entries.take(10_000) {
        let entry = entry?;
        shape.empty = false;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !module_cache_name(&name, is_dir) && shape.strangers.len() < MAX_STRANGERS {
            shape
                .strangers
                .push(if is_dir { format!("{name}/") } else { name });
        }
    }
    shape.strangers.sort();
    Ok(shape)
}

/// `dir` with symlinks resolved where it exists, else with `.`/`..` and trailing slashes removed
/// lexically, so `/etc/`, `/usr/../etc` and a link to `/etc` all compare equal to `/etc`.
pub fn normalize(dir: &Path) -> PathBuf {
    if let Ok(c) = dir.canonicalize() {
        return c;
    }
    let mut out = PathBuf::new();
    for c in dir.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The whole guard: normalise, inspect, judge.
pub fn check(dir: &Path, facts: &Facts, force: bool) -> Result<(), GuardError> {
    let norm = normalize(dir);
    let facts = Facts {
        home: facts.home.as_deref().map(normalize),
        goroot: facts.goroot.as_deref().map(normalize),
        module_dir: facts.module_dir.as_deref().map(normalize),
    };
    // System directories and homes are refused before reading them at all.
    judge(&norm, &Shape::default(), &facts, force)?;
    let shape = inspect(&norm).map_err(|source| GuardError::Unreadable {
        dir: norm.clone(),
        source,
    })?;
    judge(&norm, &shape, &facts, force)?;
    Ok(())
}

/// A refusal, or a directory the guard could not read.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("refusing to remove anything: {0}")]
    Refused(#[from] Refusal),
    #[error("refusing to remove anything: cannot read GOMODCACHE {dir}: {source}")]
    Unreadable {
        dir: PathBuf,
        source: std::io::Error,
    },
}

impl GuardError {
    pub fn hint(&self) -> &'static str {
        match self {
            GuardError::Refused(r) => r.hint(),
            GuardError::Unreadable { .. } => {
                "run godoctor as the user who owns the cache, or fix its permissions"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_shape() -> Shape {
        Shape {
            exists: true,
            has_download: true,
            strangers: vec![],
            empty: false,
        }
    }

    fn facts() -> Facts {
        Facts {
            home: Some("/home/u".into()),
            goroot: Some("/usr/local/go".into()),
            module_dir: Some("/home/u/src/app".into()),
        }
    }

    #[test]
    fn system_directories_are_refused_even_with_force() {
        for d in ["/", "/etc", "/usr", "/var", "/proc", "/home"] {
            let r = judge(Path::new(d), &cache_shape(), &facts(), true);
            assert!(matches!(r, Err(Refusal::System(_))), "{d}: {r:?}");
            assert!(!r.expect_err("refused").forceable());
        }
    }

    #[test]
    fn homes_and_their_parents_are_refused() {
        for d in ["/home/u", "/home/other", "/Users/x"] {
            let r = judge(Path::new(d), &cache_shape(), &facts(), true);
            assert!(matches!(r, Err(Refusal::Home(_))), "{d}: {r:?}");
        }
        let f = Facts {
            home: Some("/data/people/u".into()),
            ..facts()
        };
        assert!(matches!(
            judge(Path::new("/data/people"), &cache_shape(), &f, true),
            Err(Refusal::Home(_))
        ));
    }

    #[test]
    fn a_tree_holding_goroot_or_the_module_is_refused() {
        let r = judge(Path::new("/usr/local/go"), &cache_shape(), &facts(), true);
        assert!(matches!(r, Err(Refusal::HoldsGoroot { .. })), "{r:?}");
        let r = judge(Path::new("/home/u/src"), &cache_shape(), &facts(), true);
        assert!(matches!(r, Err(Refusal::HoldsModule { .. })), "{r:?}");
    }

    #[test]
    fn a_switched_toolchain_and_an_extracted_module_inside_the_cache_are_fine() {
        let f = Facts {
            home: Some("/home/u".into()),
            goroot: Some(
                "/home/u/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64".into(),
            ),
            module_dir: Some("/home/u/go/pkg/mod/example.com/m@v1.0.0".into()),
        };
        assert_eq!(
            judge(Path::new("/home/u/go/pkg/mod"), &cache_shape(), &f, false),
            Ok(())
        );
    }

    #[test]
    fn the_shape_refusal_names_what_is_wrong_and_force_lifts_it() {
        let mut s = cache_shape();
        s.has_download = false;
        let r = judge(Path::new("/srv/x"), &s, &facts(), false).expect_err("refused");
        assert!(r.to_string().contains("no cache/download"), "{r}");
        assert!(r.forceable());
        assert_eq!(judge(Path::new("/srv/x"), &s, &facts(), true), Ok(()));
        let mut s = cache_shape();
        s.strangers = vec!["src/".into()];
        let r = judge(Path::new("/srv/x"), &s, &facts(), false).expect_err("refused");
        assert!(r.to_string().contains("src/"), "{r}");
    }

    #[test]
    fn missing_and_empty_directories_are_fine() {
        assert_eq!(
            judge(Path::new("/srv/x"), &Shape::default(), &facts(), false),
            Ok(())
        );
        let s = Shape {
            exists: true,
            empty: true,
            ..Shape::default()
        };
        assert_eq!(judge(Path::new("/srv/x"), &s, &facts(), false), Ok(()));
    }

    #[test]
    fn names_go_puts_at_the_top() {
        assert!(module_cache_name("cache", true));
        assert!(module_cache_name("github.com", true));
        assert!(module_cache_name("!azure.com", true));
        assert!(module_cache_name("example@v1.0.0", true));
        assert!(!module_cache_name("src", true));
        assert!(!module_cache_name(".ssh", true));
        assert!(!module_cache_name("notes.txt", false));
    }

    #[test]
    fn normalize_is_lexical_for_missing_paths() {
        assert_eq!(
            normalize(Path::new("/no/such/../such/dir/./")),
            PathBuf::from("/no/such/dir")
        );
    }
}
