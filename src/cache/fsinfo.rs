//! Facts about the file system holding a directory: free space, read-only mounts, writability.
//!
//! Uses `rustix` (already in the dependency tree through `fd-lock` and `tempfile`) for a safe
//! `statvfs`/`access`: the crate denies `unsafe_code`, so raw `libc` calls are not an option,
//! and `fs4`/`nix` would add crates for the same two system calls.

use std::path::Path;

/// Space and mount facts of one file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FsSpace {
    /// Bytes available to an unprivileged user (`f_bavail * f_frsize`).
    pub free_bytes: u64,
    /// Total size of the file system.
    pub total_bytes: u64,
    /// Mounted read-only: nothing can be removed.
    pub read_only: bool,
}

/// Space of the file system holding `path`, or of its nearest existing ancestor (a cache that
/// does not exist yet will be created there).
pub fn space(path: &Path) -> Option<FsSpace> {
    let existing = path.ancestors().find(|p| p.exists())?;
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(existing).ok()?;
        Some(FsSpace {
            free_bytes: st.f_bavail.saturating_mul(st.f_frsize),
            total_bytes: st.f_blocks.saturating_mul(st.f_frsize),
            read_only: st.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY),
        })
    }
    // Elsewhere the free space is not asked for: reported as unknown (`null`).
    #[cfg(not(unix))]
    {
        let _ = existing;
        None
    }
}

/// Whether this process may create and remove entries in `path` (by `access(2)`, which also
/// answers for read-only mounts).
pub fn writable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok()
    }
    // Elsewhere: not marked read-only (ACLs are not consulted).
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_of_a_missing_path_uses_its_ancestor() {
        let t = tempfile::tempdir().expect("tempdir");
        let s = space(&t.path().join("not/yet/there")).expect("space");
        assert!(s.total_bytes > 0 && s.free_bytes <= s.total_bytes);
        assert!(writable(t.path()));
    }
}
