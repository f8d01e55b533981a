//! godoctor's own directories: `$GODOCTOR_HOME` when set (tests, portable installs), else the
//! platform's config and data directories.

use std::path::{Path, PathBuf};

use crate::sys::ProcessEnv;

/// Where godoctor keeps user profiles and its settings.
pub fn config_dir(env: &ProcessEnv) -> Option<PathBuf> {
    if let Some(home) = env.get("GODOCTOR_HOME") {
        return Some(PathBuf::from(home));
    }
    if cfg!(target_os = "linux") {
        if let Some(xdg) = env.get("XDG_CONFIG_HOME") {
            return Some(PathBuf::from(xdg).join("godoctor"));
        }
        return env.home().map(|h| h.join(".config").join("godoctor"));
    }
    dirs::config_dir().map(|d| d.join("godoctor"))
}

/// Where godoctor keeps its history of settings snapshots and the write lock.
pub fn data_dir(env: &ProcessEnv) -> Option<PathBuf> {
    if let Some(home) = env.get("GODOCTOR_HOME") {
        return Some(PathBuf::from(home));
    }
    if cfg!(target_os = "linux") {
        if let Some(xdg) = env.get("XDG_DATA_HOME") {
            return Some(PathBuf::from(xdg).join("godoctor"));
        }
        return env
            .home()
            .map(|h| h.join(".local").join("share").join("godoctor"));
    }
    dirs::data_dir().map(|d| d.join("godoctor"))
}

/// Create `path` (its parents with the usual permissions) as a directory only its owner can
/// enter, mode 0700: godoctor's directories hold snapshots and profiles whose values may be
/// credentials. An existing directory that others can read is tightened to 0700.
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    #[cfg(unix)]
    let builder = {
        let mut b = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b
    };
    #[cfg(not(unix))]
    let builder = std::fs::DirBuilder::new();
    match builder.create(path) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            format!("{} exists and is not a directory", path.display()),
        ));
    }
    // Elsewhere (Windows) a directory under the user's profile is private by its ACL.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn godoctor_home_overrides_both() {
        let e = ProcessEnv::from_pairs([("GODOCTOR_HOME", "/g"), ("HOME", "/h")]);
        assert_eq!(config_dir(&e), Some(PathBuf::from("/g")));
        assert_eq!(data_dir(&e), Some(PathBuf::from("/g")));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn xdg_then_home() {
        let e = ProcessEnv::from_pairs([("XDG_DATA_HOME", "/d"), ("HOME", "/h")]);
        assert_eq!(data_dir(&e), Some(PathBuf::from("/d/godoctor")));
        assert_eq!(config_dir(&e), Some(PathBuf::from("/h/.config/godoctor")));
    }

    #[test]
    fn private_dir_creates_0700_and_tightens_existing() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        let t = tempfile::tempdir().expect("tempdir");
        let new = t.path().join("a/b");
        private_dir(&new).expect("create");
        assert_eq!(mode(&new), 0o700);
        let old = t.path().join("old");
        std::fs::create_dir(&old).expect("mkdir");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        private_dir(&old).expect("tighten");
        assert_eq!(mode(&old), 0o700);
        let file = t.path().join("file");
        std::fs::write(&file, "x").expect("write");
        assert!(private_dir(&file).is_err());
    }
}
