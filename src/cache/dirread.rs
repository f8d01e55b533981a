//! Reading one directory and the metadata of each entry, once, without following links: the
//! platform seam under the walker.
//!
//! On Linux it calls the kernel directly through `rustix` (safe wrappers over raw syscalls): the
//! directory is opened with `O_NOFOLLOW` (a directory swapped for a symbolic link mid-walk is
//! reported, never followed), entries come from `getdents64` into one reused buffer without an
//! allocation per name, and each is stat-ed with `statx` relative to the open directory asking
//! only for the fields used. That is the same number of system calls as `du`, minus libc's
//! `fstat` per `opendir`. Elsewhere it uses `std::fs`, which does the same work less cheaply.

use std::ffi::OsStr;
use std::io;
use std::path::Path;

/// The kind of a directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Symlink,
    /// Sockets, fifos, devices.
    Other,
}

/// What the walker needs to know about one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    pub nlink: u64,
    pub dev: u64,
    pub ino: u64,
    /// `st_size`.
    pub size: u64,
    /// `st_blocks` (512-byte units).
    pub blocks: u64,
    /// Unix seconds.
    pub atime: i64,
    pub mtime: i64,
    /// Nanoseconds within `mtime`.
    pub mtime_nsec: u32,
    /// Status change time (Unix seconds and nanoseconds): moves with every change of the entry's
    /// inode (mode, links, contents), and cannot be set back by a user.
    pub ctime: i64,
    pub ctime_nsec: u32,
}

/// Reads directories; one per worker thread (it owns the read buffer).
pub struct Reader {
    #[cfg(target_os = "linux")]
    buf: Vec<std::mem::MaybeUninit<u8>>,
}

impl Default for Reader {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::os::unix::ffi::OsStrExt;

    use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir, StatxFlags};
    use rustix::io::Errno;

    use super::*;

    impl Reader {
        pub fn new() -> Self {
            // 32 KiB like glibc's readdir: a whole directory of a module tree in one call.
            Reader {
                buf: vec![std::mem::MaybeUninit::uninit(); 32 * 1024],
            }
        }

        /// Call `f` with the name and metadata of every entry of `dir` but `.` and `..`.
        /// `follow`: `dir` itself may be a symbolic link (the root the user named).
        /// An error opening or reading `dir` is returned (after the entries read so far).
        pub fn read(
            &mut self,
            dir: &Path,
            follow: bool,
            mut f: impl FnMut(&OsStr, io::Result<Meta>),
        ) -> io::Result<()> {
            let mut flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            if !follow {
                flags |= OFlags::NOFOLLOW;
            }
            let fd = rustix::fs::open(dir, flags, Mode::empty()).map_err(to_io)?;
            let mut entries = RawDir::new(&fd, &mut self.buf);
            let mask = StatxFlags::TYPE
                | StatxFlags::MODE
                | StatxFlags::NLINK
                | StatxFlags::INO
                | StatxFlags::SIZE
                | StatxFlags::BLOCKS
                | StatxFlags::ATIME
                | StatxFlags::MTIME
                | StatxFlags::CTIME;
            while let Some(entry) = entries.next() {
                let entry = entry.map_err(to_io)?;
                let name = entry.file_name();
                let bytes = name.to_bytes();
                if bytes == b"." || bytes == b".." {
                    continue;
                }
                let meta = rustix::fs::statx(&fd, name, AtFlags::SYMLINK_NOFOLLOW, mask)
                    .map(|st| Meta {
                        kind: match FileType::from_raw_mode(st.stx_mode.into()) {
                            FileType::Directory => Kind::Dir,
                            FileType::RegularFile => Kind::File,
                            FileType::Symlink => Kind::Symlink,
                            _ => Kind::Other,
                        },
                        nlink: st.stx_nlink.into(),
                        dev: (u64::from(st.stx_dev_major) << 32) | u64::from(st.stx_dev_minor),
                        ino: st.stx_ino,
                        size: st.stx_size,
                        blocks: st.stx_blocks,
                        atime: st.stx_atime.tv_sec,
                        mtime: st.stx_mtime.tv_sec,
                        mtime_nsec: st.stx_mtime.tv_nsec,
                        ctime: st.stx_ctime.tv_sec,
                        ctime_nsec: st.stx_ctime.tv_nsec,
                    })
                    .map_err(to_io);
                f(OsStr::from_bytes(bytes), meta);
            }
            Ok(())
        }
    }

    fn to_io(e: Errno) -> io::Error {
        // A directory replaced by a symbolic link (O_NOFOLLOW) or a file changed under us.
        if e == Errno::LOOP {
            return io::Error::new(
                io::ErrorKind::NotADirectory,
                "changed into a symbolic link during the walk",
            );
        }
        io::Error::from(e)
    }
}

/// The walker's view of `std::fs` metadata (not following links): every field on Unix; on other
/// systems what `std` knows (no inode or link count, so no hard-link deduplication, and the
/// on-disk size estimated from the length).
pub fn meta_of(md: &std::fs::Metadata) -> Meta {
    let ft = md.file_type();
    let kind = if ft.is_dir() {
        Kind::Dir
    } else if ft.is_file() {
        Kind::File
    } else if ft.is_symlink() {
        Kind::Symlink
    } else {
        Kind::Other
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Meta {
            kind,
            nlink: md.nlink(),
            dev: md.dev(),
            ino: md.ino(),
            size: md.size(),
            blocks: md.blocks(),
            atime: md.atime(),
            mtime: md.mtime(),
            mtime_nsec: u32::try_from(md.mtime_nsec()).unwrap_or(0),
            ctime: md.ctime(),
            ctime_nsec: u32::try_from(md.ctime_nsec()).unwrap_or(0),
        }
    }
    #[cfg(not(unix))]
    {
        let time = |t: io::Result<std::time::SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or((0, 0), |d| {
                    (i64::try_from(d.as_secs()).unwrap_or(0), d.subsec_nanos())
                })
        };
        let (mtime, mtime_nsec) = time(md.modified());
        let (ctime, ctime_nsec) = time(md.created());
        Meta {
            kind,
            nlink: 1,
            dev: 0,
            ino: 0,
            size: md.len(),
            blocks: md.len().div_ceil(512),
            atime: time(md.accessed()).0,
            mtime,
            mtime_nsec,
            ctime,
            ctime_nsec,
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::*;

    impl Reader {
        pub fn new() -> Self {
            Reader {}
        }

        /// See the Linux version; `follow` is implied by `std::fs::read_dir`.
        pub fn read(
            &mut self,
            dir: &Path,
            _follow: bool,
            mut f: impl FnMut(&OsStr, io::Result<Meta>),
        ) -> io::Result<()> {
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                let meta = entry.metadata().map(|md| meta_of(&md));
                f(&entry.file_name(), meta);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn agrees_with_std_metadata() {
        let t = tempfile::tempdir().expect("tempdir");
        let r = t.path();
        std::fs::write(r.join("f"), vec![1u8; 5000]).expect("write");
        std::fs::create_dir(r.join("d")).expect("mkdir");
        std::os::unix::fs::symlink("f", r.join("l")).expect("symlink");
        let mut seen = Vec::new();
        Reader::new()
            .read(r, false, |name, meta| {
                seen.push((name.to_owned(), meta.expect("meta")))
            })
            .expect("read");
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        let names: Vec<_> = seen
            .iter()
            .map(|(n, _)| n.to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["d", "f", "l"]);
        for (name, meta) in &seen {
            let md = std::fs::symlink_metadata(r.join(name)).expect("md");
            assert_eq!(
                (meta.size, meta.blocks, meta.ino, meta.nlink),
                (md.size(), md.blocks(), md.ino(), md.nlink())
            );
            assert_eq!(meta.mtime, md.mtime());
            assert_eq!(
                (meta.mtime_nsec as i64, meta.ctime, meta.ctime_nsec as i64),
                (md.mtime_nsec(), md.ctime(), md.ctime_nsec())
            );
        }
        assert_eq!(
            [seen[0].1.kind, seen[1].1.kind, seen[2].1.kind],
            [Kind::Dir, Kind::File, Kind::Symlink]
        );
        // Two files on one file system report the same device.
        assert_eq!(seen[0].1.dev, seen[1].1.dev);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_symlink_to_a_directory_is_not_entered() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(t.path().join("real")).expect("mkdir");
        std::os::unix::fs::symlink("real", t.path().join("link")).expect("symlink");
        let err = Reader::new()
            .read(&t.path().join("link"), false, |_, _| {})
            .expect_err("not followed");
        assert!(
            matches!(err.kind(), io::ErrorKind::NotADirectory),
            "{err:?}"
        );
        Reader::new()
            .read(&t.path().join("link"), true, |_, _| {})
            .expect("the root may be a link");
    }
}
