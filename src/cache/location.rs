//! Where the caches are, decided from what `go env` says: GOMODCACHE (or, for a go that does
//! not print it, the directory go used), GOCACHE, the GOPATH entries and GOROOT. Pure: values
//! in, paths or a typed error out.

use std::path::PathBuf;

/// The caches `cache`, `cache clean` and `cache prune` act on, and what they must not touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub modcache: PathBuf,
    /// `None` when go reports no GOCACHE or `off`.
    pub gocache: Option<PathBuf>,
    /// `$GOPATH` entries: `$GOPATH/pkg/sumdb` is never touched.
    pub gopath: Vec<PathBuf>,
    /// GOROOT as go reports it: a cache holding it is never cleaned.
    pub goroot: Option<PathBuf>,
}

/// Why the module cache cannot be located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error("go reports neither GOMODCACHE nor GOPATH, so the module cache cannot be found")]
    NoModCache,
}

impl LocationError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            LocationError::NoModCache => {
                "set one of them: godoctor env set GOMODCACHE=$HOME/go/pkg/mod"
            }
        }
    }
}

/// The caches from `go env`'s values; `get` answers a variable's value (empty when go did not
/// print it).
pub fn from_go_env<'a>(get: impl Fn(&str) -> &'a str) -> Result<Paths, LocationError> {
    let gopath: Vec<PathBuf> = std::env::split_paths(get("GOPATH"))
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    let modcache = match get("GOMODCACHE") {
        // Go < 1.15 printed no GOMODCACHE: the cache was always the first GOPATH entry's
        // pkg/mod (cmd/go's modfetch.PkgMod), which is also the default of later versions.
        "" => gopath
            .first()
            .map(|first| first.join("pkg").join("mod"))
            .ok_or(LocationError::NoModCache)?,
        dir => PathBuf::from(dir),
    };
    let gocache = match get("GOCACHE") {
        "" | "off" => None,
        dir => Some(PathBuf::from(dir)),
    };
    let goroot = Some(get("GOROOT"))
        .filter(|g| !g.is_empty())
        .map(PathBuf::from);
    Ok(Paths {
        modcache,
        gocache,
        gopath,
        goroot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> &'a str {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map_or("", |(_, v)| v)
        }
    }

    #[test]
    fn gomodcache_as_go_reports_it() {
        let p = from_go_env(env(&[
            ("GOMODCACHE", "/m"),
            ("GOPATH", "/g"),
            ("GOCACHE", "/b"),
            ("GOROOT", "/r"),
        ]))
        .expect("located");
        assert_eq!(p.modcache, PathBuf::from("/m"));
        assert_eq!(p.gocache, Some(PathBuf::from("/b")));
        assert_eq!(p.gopath, vec![PathBuf::from("/g")]);
        assert_eq!(p.goroot, Some(PathBuf::from("/r")));
    }

    #[cfg(unix)]
    #[test]
    fn without_gomodcache_the_first_gopath_entry_holds_it() {
        // go 1.14 prints no GOMODCACHE.
        let p = from_go_env(env(&[("GOPATH", "/first:/second")])).expect("located");
        assert_eq!(p.modcache, PathBuf::from("/first/pkg/mod"));
        assert_eq!(
            p.gopath,
            vec![PathBuf::from("/first"), PathBuf::from("/second")]
        );
        assert_eq!(p.gocache, None);
        assert_eq!(p.goroot, None);
    }

    #[test]
    fn neither_gomodcache_nor_gopath_is_an_error() {
        assert_eq!(
            from_go_env(env(&[("GOCACHE", "/b")])),
            Err(LocationError::NoModCache)
        );
    }

    #[test]
    fn gocache_off_is_no_build_cache() {
        let p = from_go_env(env(&[("GOMODCACHE", "/m"), ("GOCACHE", "off")])).expect("located");
        assert_eq!(p.gocache, None);
    }
}
