//! The shape of GOMODCACHE as cmd/go lays it out, as pure functions over names: which part of
//! the cache a directory entry belongs to, and Go's case-encoding of module paths and versions.
//!
//! ```text
//! GOMODCACHE/
//!   github.com/!azure/foo@v1.2.3/…            extracted module tree (read-only)
//!   golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64/…   a downloaded Go toolchain
//!   cache/download/github.com/!azure/foo/@v/  list, v1.2.3.{info,mod,zip,ziphash,lock}
//!   cache/download/sumdb/…                    checksum database tiles (never pruned)
//!   cache/vcs/<hash>/…                        bare VCS clones made by GOPROXY=direct
//!   cache/lock                                cmd/go's cache lock
//! ```

use std::sync::Arc;

/// The module path of downloaded Go toolchains (`GOTOOLCHAIN` switching).
pub const TOOLCHAIN_MODULE: &str = "golang.org/toolchain";

/// One module version as it appears on disk: both parts still case-encoded (`!azure`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionKey {
    pub module: String,
    pub version: String,
}

/// Where in the cache a directory is; decides how its children are classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// The root of the module cache.
    Root,
    /// A directory of module path elements above extracted trees (`github.com/foo`).
    Prefix(Arc<str>),
    /// Inside the extracted tree of one module version.
    Tree(Arc<VersionKey>),
    /// `cache/`.
    CacheRoot,
    /// Under `cache/download/`, with the module path prefix walked so far.
    Download(Arc<str>),
    /// `cache/download/<module>/@v/`: per-version files live here.
    DownloadV(Arc<str>),
    /// Under `cache/download/<module>/` but not `@v` (e.g. `@latest` of old go versions).
    DownloadModule(Arc<str>),
    /// `cache/download/sumdb/` and below.
    Sumdb,
    /// `cache/vcs/` itself.
    VcsRoot,
    /// Inside one VCS clone (or another entry) under `cache/vcs/`.
    Vcs,
    /// Anything else go keeps in the cache, or leftovers (temporary extraction directories).
    Other,
    /// A directory walked without any cache layout (GOCACHE, or any plain tree).
    Plain,
}

/// What an entry's bytes are counted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Extracted,
    Zip,
    Mod,
    Info,
    /// `.ziphash`, `.lock`, `list`, temporary files in the download cache.
    DownloadOther,
    Sumdb,
    Vcs,
    Other,
}

/// Number of categories (for fixed-size tallies).
pub const CATEGORIES: usize = 8;

impl Category {
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which per-version file an entry of `@v/` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Zip,
    Mod,
    Info,
    /// `.ziphash`, `.lock`, `.partial`.
    Other,
}

/// The classification of one directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub category: Category,
    /// The module version the entry belongs to, and as which part (`None` for tree contents).
    pub version: Option<(Arc<VersionKey>, Option<Part>)>,
    /// For a directory: the node its own children are classified under.
    pub node: Node,
    /// This directory is the root of one VCS clone.
    pub vcs_repo: bool,
}

impl Placement {
    fn plain(category: Category, node: Node) -> Self {
        Placement {
            category,
            version: None,
            node,
            vcs_repo: false,
        }
    }
}

/// Whether every child of a directory at `node` gets the same placement, whatever its name.
/// The walker uses this to skip per-name work inside extracted trees, clones and GOCACHE.
pub fn uniform(node: &Node) -> bool {
    matches!(
        node,
        Node::Tree(_) | Node::Sumdb | Node::Vcs | Node::Other | Node::Plain
    )
}

/// Classify the entry `name` found in a directory at `parent`.
pub fn classify(parent: &Node, name: &str, is_dir: bool) -> Placement {
    match parent {
        Node::Plain => Placement::plain(Category::Other, Node::Plain),
        Node::Tree(key) => Placement {
            category: Category::Extracted,
            version: Some((key.clone(), None)),
            node: Node::Tree(key.clone()),
            vcs_repo: false,
        },
        Node::Sumdb => Placement::plain(Category::Sumdb, Node::Sumdb),
        Node::Vcs => Placement::plain(Category::Vcs, Node::Vcs),
        Node::Other => Placement::plain(Category::Other, Node::Other),
        Node::VcsRoot => Placement {
            category: Category::Vcs,
            version: None,
            node: Node::Vcs,
            vcs_repo: is_dir,
        },
        Node::Root if name == "cache" && is_dir => {
            Placement::plain(Category::Other, Node::CacheRoot)
        }
        Node::Root => tree_or_prefix("", name, is_dir),
        Node::Prefix(prefix) => tree_or_prefix(prefix, name, is_dir),
        Node::CacheRoot => match (name, is_dir) {
            ("download", true) => {
                Placement::plain(Category::DownloadOther, Node::Download(Arc::from("")))
            }
            ("vcs", true) => Placement::plain(Category::Vcs, Node::VcsRoot),
            _ => Placement::plain(Category::Other, Node::Other),
        },
        Node::Download(prefix) if prefix.is_empty() && name == "sumdb" => {
            Placement::plain(Category::Sumdb, Node::Sumdb)
        }
        Node::Download(prefix) if name == "@v" && is_dir && !prefix.is_empty() => {
            Placement::plain(Category::DownloadOther, Node::DownloadV(prefix.clone()))
        }
        Node::Download(prefix) if name.starts_with('@') && !prefix.is_empty() => Placement::plain(
            Category::DownloadOther,
            Node::DownloadModule(prefix.clone()),
        ),
        Node::Download(prefix) => {
            Placement::plain(Category::DownloadOther, Node::Download(join(prefix, name)))
        }
        Node::DownloadModule(m) => {
            Placement::plain(Category::DownloadOther, Node::DownloadModule(m.clone()))
        }
        Node::DownloadV(module) => download_file(module, name, is_dir),
    }
}

fn join(prefix: &str, name: &str) -> Arc<str> {
    Arc::from(path_join(prefix, name))
}

/// `prefix/name` (`name` when `prefix` is empty), without `format!`'s machinery: it runs once
/// per directory above the extracted trees.
fn path_join(prefix: &str, name: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + 1 + name.len());
    if !prefix.is_empty() {
        s.push_str(prefix);
        s.push('/');
    }
    s.push_str(name);
    s
}

/// Above extracted trees: `name@version` starts a module version tree; other directories
/// extend the module path; files are leftovers.
fn tree_or_prefix(prefix: &str, name: &str, is_dir: bool) -> Placement {
    if !is_dir {
        return Placement::plain(Category::Other, Node::Other);
    }
    match name.split_once('@') {
        Some((last, version)) if !last.is_empty() && is_version_dir(version) => {
            let module = path_join(prefix, last);
            let key = Arc::new(VersionKey {
                module,
                version: version.to_string(),
            });
            Placement {
                category: Category::Extracted,
                version: Some((key.clone(), None)),
                node: Node::Tree(key),
                vcs_repo: false,
            }
        }
        // `foo@v1.2.3.tmp-123456` is an interrupted extraction: not a version.
        Some(_) => Placement::plain(Category::Other, Node::Other),
        None => Placement::plain(Category::Other, Node::Prefix(join(prefix, name))),
    }
}

/// A version directory suffix is a valid (case-encoded) Go semantic version.
fn is_version_dir(version: &str) -> bool {
    unescape(version).is_some_and(|v| crate::syntax::semver::is_valid(&v))
}

/// Files in `@v/`: `<version>.<ext>`; `list` and temporary files belong to the module only.
fn download_file(module: &Arc<str>, name: &str, is_dir: bool) -> Placement {
    const SUFFIXES: [(&str, Part, Category); 6] = [
        (".zip", Part::Zip, Category::Zip),
        (".mod", Part::Mod, Category::Mod),
        (".info", Part::Info, Category::Info),
        (".ziphash", Part::Other, Category::DownloadOther),
        (".lock", Part::Other, Category::DownloadOther),
        (".partial", Part::Other, Category::DownloadOther),
    ];
    if !is_dir {
        for (suffix, part, category) in SUFFIXES {
            if let Some(version) = name.strip_suffix(suffix)
                && is_version_dir(version)
            {
                let key = Arc::new(VersionKey {
                    module: module.to_string(),
                    version: version.to_string(),
                });
                return Placement {
                    category,
                    version: Some((key, Some(part))),
                    node: Node::Other,
                    vcs_repo: false,
                };
            }
        }
    }
    Placement::plain(
        Category::DownloadOther,
        Node::DownloadModule(module.clone()),
    )
}

/// Decode Go's case-encoding (`!azure` → `Azure`) of a module path or version.
/// Returns `None` for text go would never write (an upper-case letter, a dangling `!`).
pub fn unescape(escaped: &str) -> Option<String> {
    crate::syntax::module::unescape_string(escaped)
}

/// Encode a module path or version the way cmd/go names it on disk (`Azure` → `!azure`).
pub fn escape(text: &str) -> String {
    crate::syntax::module::escape_string(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(m: &str, v: &str) -> Arc<VersionKey> {
        Arc::new(VersionKey {
            module: m.into(),
            version: v.into(),
        })
    }

    #[test]
    fn case_encoding_round_trips() {
        assert_eq!(
            escape("github.com/Azure/Go-Autorest"),
            "github.com/!azure/!go-!autorest"
        );
        assert_eq!(
            unescape("github.com/!azure/!go-!autorest").as_deref(),
            Some("github.com/Azure/Go-Autorest")
        );
        assert_eq!(unescape("bad/Upper"), None);
        assert_eq!(unescape("dangling!"), None);
        assert_eq!(unescape("!1"), None);
    }

    #[test]
    fn extracted_trees_are_found_at_any_depth() {
        let p = classify(&Node::Root, "github.com", true);
        assert_eq!(p.node, Node::Prefix(Arc::from("github.com")));
        let p = classify(
            &Node::Prefix(Arc::from("github.com/foo")),
            "bar@v1.2.3",
            true,
        );
        assert_eq!(p.node, Node::Tree(key("github.com/foo/bar", "v1.2.3")));
        assert_eq!(p.category, Category::Extracted);
        // A nested major-version module sits beside its parent's tree.
        let p = classify(
            &Node::Prefix(Arc::from("github.com/foo/bar")),
            "v2@v2.0.0",
            true,
        );
        assert_eq!(p.node, Node::Tree(key("github.com/foo/bar/v2", "v2.0.0")));
        let p = classify(&Node::Root, "golang.org", true);
        let p = classify(&p.node, "toolchain@v0.0.1-go1.22.0.linux-amd64", true);
        assert_eq!(
            p.node,
            Node::Tree(key(TOOLCHAIN_MODULE, "v0.0.1-go1.22.0.linux-amd64"))
        );
    }

    #[test]
    fn interrupted_extractions_are_not_versions() {
        let p = classify(&Node::Prefix(Arc::from("x.org")), "m@v1.0.0.tmp-123", true);
        assert_eq!(p.node, Node::Other);
        assert!(p.version.is_none());
    }

    #[test]
    fn download_files_belong_to_their_version() {
        let p = classify(&Node::Root, "cache", true);
        let p = classify(&p.node, "download", true);
        assert!(classify(&p.node, "sumdb", true).node == Node::Sumdb);
        let p = classify(&p.node, "github.com", true);
        let p = classify(&p.node, "!azure", true);
        let p = classify(&p.node, "@v", true);
        assert_eq!(p.node, Node::DownloadV(Arc::from("github.com/!azure")));
        let z = classify(&p.node, "v1.0.0-rc.1.zip", false);
        assert_eq!(z.category, Category::Zip);
        assert_eq!(
            z.version,
            Some((key("github.com/!azure", "v1.0.0-rc.1"), Some(Part::Zip)))
        );
        assert_eq!(
            classify(&p.node, "v1.0.0.ziphash", false).category,
            Category::DownloadOther
        );
        assert_eq!(
            classify(&p.node, "v1.0.0.mod", false).version.map(|v| v.1),
            Some(Some(Part::Mod))
        );
        let list = classify(&p.node, "list", false);
        assert_eq!(list.category, Category::DownloadOther);
        assert!(list.version.is_none());
    }

    #[test]
    fn a_module_named_sumdb_below_the_top_is_a_module() {
        let p = classify(&Node::Download(Arc::from("example.com")), "sumdb", true);
        assert_eq!(p.node, Node::Download(Arc::from("example.com/sumdb")));
    }

    #[test]
    fn vcs_clones_are_counted() {
        let p = classify(&Node::CacheRoot, "vcs", true);
        let c = classify(&p.node, "0123abcd", true);
        assert!(c.vcs_repo);
        assert!(!classify(&p.node, "0123abcd.lock", false).vcs_repo);
        assert_eq!(classify(&c.node, "HEAD", false).category, Category::Vcs);
    }
}
