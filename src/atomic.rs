//! The one atomic file write: a temp file beside the target, written and flushed, given its
//! mode, then renamed over the target. A reader sees the old bytes or the new ones, never a
//! mix, and a crash leaves at most a temp file that [`is_temp`] recognises.
//!
//! Writes go through symlinks to the file they point at, so a dotfiles link stays a link.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Temp files are named `.godoctor-XXXXXX.tmp` in the target's directory.
const TEMP_PREFIX: &str = ".godoctor-";
const TEMP_SUFFIX: &str = ".tmp";

/// The mode the written file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0600: godoctor's history, index and profiles can hold credentials.
    Private,
    /// The replaced file's mode (0644 for a new file): a file that belongs to go or the user.
    Keep,
}

/// Replace `path` (or create it) with `bytes`.
pub fn write(path: &Path, bytes: &[u8], mode: Mode) -> io::Result<()> {
    let target = resolve_links(path);
    let tmp = staged(&target, bytes, mode)?;
    tmp.persist(&target).map(drop).map_err(|e| e.error)
}

/// Create `path` with `bytes`, failing with [`io::ErrorKind::AlreadyExists`] when the name
/// exists, even if it appeared after the caller looked (no check-then-write race).
pub fn create_new(path: &Path, bytes: &[u8], mode: Mode) -> io::Result<()> {
    let tmp = staged(path, bytes, mode)?;
    tmp.persist_noclobber(path).map(drop).map_err(|e| e.error)
}

/// Whether a directory entry's name is a temp file this module creates (left by a killed
/// godoctor; safe to remove while holding the lock of whatever writes that directory).
pub fn is_temp(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// Follow symlinks from `path` to the file they name (at most 40 hops, like the kernel); a
/// dangling link resolves to where it points, so a write creates that file.
pub fn resolve_links(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(&current) {
                Ok(target) => {
                    current = match current.parent() {
                        Some(dir) if target.is_relative() => dir.join(target),
                        _ => target,
                    };
                }
                Err(_) => break,
            },
            _ => break,
        }
    }
    current
}

/// The temp file beside `target`, holding `bytes`, flushed to disk, with its final mode.
fn staged(target: &Path, bytes: &[u8], mode: Mode) -> io::Result<tempfile::NamedTempFile> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    set_mode(tmp.as_file(), target, mode)?;
    Ok(tmp)
}

#[cfg(unix)]
fn set_mode(file: &std::fs::File, target: &Path, mode: Mode) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let bits = match mode {
        Mode::Private => 0o600,
        Mode::Keep => std::fs::metadata(target).map_or(0o644, |m| m.permissions().mode() & 0o7777),
    };
    file.set_permissions(std::fs::Permissions::from_mode(bits))
}

#[cfg(not(unix))]
fn set_mode(file: &std::fs::File, target: &Path, mode: Mode) -> io::Result<()> {
    // No mode bits: keep a read-only target read-only, nothing else to carry over.
    if mode == Mode::Keep {
        if let Ok(m) = std::fs::metadata(target) {
            file.set_permissions(m.permissions())?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode_of(p: &Path) -> u32 {
        std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
    }

    #[test]
    fn replaces_through_a_symlink_and_keeps_the_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real.env");
        std::fs::write(&real, "OLD=1\n").expect("write");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.path().join("link.env");
        std::os::unix::fs::symlink("real.env", &link).expect("symlink");
        write(&link, b"NEW=1\n", Mode::Keep).expect("write");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("lstat")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).expect("read"), b"NEW=1\n");
        assert_eq!(mode_of(&real), 0o640);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| is_temp(n)), "{names:?}");
    }

    #[test]
    fn private_files_are_0600_and_create_new_never_replaces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("profile.toml");
        create_new(&p, b"a", Mode::Private).expect("create");
        assert_eq!(mode_of(&p), 0o600);
        let e = create_new(&p, b"b", Mode::Private).expect_err("exists");
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).expect("read"), b"a");
        write(&p, b"c", Mode::Private).expect("replace");
        assert_eq!(std::fs::read(&p).expect("read"), b"c");
        assert_eq!(mode_of(&p), 0o600);
    }
}
