//! godoctor's own directories: `$GODOCTOR_HOME` when set (tests, portable installs), else the
//! platform's config and data directories.

use std::path::PathBuf;

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
}
