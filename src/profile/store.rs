//! Where profiles come from (the built-ins embedded in the binary and `<config>/profiles/*.toml`)
//! and how a name given on the command line picks one: exact name, then alias, then a unique
//! prefix.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::schema::{self, MAX_BYTES, ProfileError};
use super::{Origin, Profile};

/// The built-in profiles: (name, TOML text). Their files live in `profiles/` in the source tree.
pub const BUILTIN: &[(&str, &str)] = &[
    ("official", include_str!("../../profiles/official.toml")),
    (
        "china-mirror",
        include_str!("../../profiles/china-mirror.toml"),
    ),
    ("corporate", include_str!("../../profiles/corporate.toml")),
    ("offline", include_str!("../../profiles/offline.toml")),
];

/// The directory of user profiles below godoctor's config directory.
pub fn user_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("profiles")
}

/// Every profile that could be loaded, and the files that could not.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// Built-ins first (in [`BUILTIN`] order), then user profiles by name; a user profile with a
    /// built-in's name takes the built-in's place.
    pub profiles: Vec<Profile>,
    /// User files that were refused (each error names its file).
    pub broken: Vec<ProfileError>,
    /// The user profile directory, when godoctor has a config directory.
    pub dir: Option<PathBuf>,
}

/// Why a name did not pick exactly one profile.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResolveError {
    #[error("no profile is called `{query}`")]
    Unknown {
        query: String,
        candidates: Vec<String>,
    },
    #[error("`{query}` could mean several profiles: {}", candidates.join(", "))]
    Ambiguous {
        query: String,
        candidates: Vec<String>,
    },
    #[error("{0}")]
    Broken(ProfileError),
}

impl ResolveError {
    /// The fix to print as `help:`.
    pub fn hint(&self) -> String {
        match self {
            ResolveError::Unknown { candidates, .. } => {
                format!("profiles: {}", candidates.join(", "))
            }
            ResolveError::Ambiguous { .. } => "type more of the name".to_string(),
            ResolveError::Broken(e) => e
                .hint
                .clone()
                .unwrap_or_else(|| "fix or remove the file".to_string()),
        }
    }
}

/// Parse the embedded built-ins.
pub fn builtins() -> Vec<Result<Profile, ProfileError>> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            schema::parse(
                &format!("built-in profile {name} (profiles/{name}.toml)"),
                name,
                text,
                Origin::Builtin,
            )
        })
        .collect()
}

/// Read every `*.toml` in `dir` (a missing directory is no error: nobody saved a profile yet).
pub fn read_user_dir(dir: &Path) -> Vec<Result<Profile, ProfileError>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return vec![],
        Err(e) => {
            return vec![Err(ProfileError {
                file: dir.display().to_string(),
                name: None,
                line: None,
                column: None,
                message: format!("cannot list the profile directory: {e}"),
                hint: Some("check its permissions, or set GODOCTOR_HOME".into()),
            })];
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| read_user_file(p)).collect()
}

/// Read and parse one user profile file; the name is the file stem.
pub fn read_user_file(path: &Path) -> Result<Profile, ProfileError> {
    let file = path.display().to_string();
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let io_err = |e: std::io::Error| ProfileError {
        file: file.clone(),
        name: Some(name.clone()),
        line: None,
        column: None,
        message: format!("cannot be read: {e}"),
        hint: Some("check that it is a readable file".into()),
    };
    let not_regular = |kind: &str| ProfileError {
        file: file.clone(),
        name: Some(name.clone()),
        line: None,
        column: None,
        message: format!("is {kind}, not a regular file, so it was not read"),
        hint: Some("remove it from the profiles directory; a profile is a short TOML file".into()),
    };
    // A FIFO would block the open (and `profile list`) forever and a device may never end or
    // act on being opened: look at the type first, open without blocking, and check the type
    // of what was opened again (it may have been swapped in between).
    let kind = fs::metadata(path).map_err(io_err)?.file_type();
    if !kind.is_file() {
        return Err(not_regular(describe_type(kind)));
    }
    let opened = open_nonblocking(path).map_err(io_err)?;
    let kind = opened.metadata().map_err(io_err)?.file_type();
    if !kind.is_file() {
        return Err(not_regular(describe_type(kind)));
    }
    let mut bytes = Vec::new();
    // Read one byte past the limit, so a huge file costs at most that much.
    opened
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() > MAX_BYTES {
        let size = fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        bytes.truncate(0);
        return Err(ProfileError {
            file,
            name: Some(name),
            line: None,
            column: None,
            message: format!(
                "is {size} bytes, larger than any profile can be ({} KiB at most)",
                MAX_BYTES / 1024
            ),
            hint: Some(
                "a profile is a short TOML file; check that this is the file you meant".into(),
            ),
        });
    }
    schema::parse_bytes(
        &file,
        &name,
        &bytes,
        Origin::User {
            path: path.to_path_buf(),
            overrides_builtin: BUILTIN.iter().any(|(n, _)| *n == name),
        },
    )
}

/// Open for reading without waiting for a writer when it is a FIFO.
fn open_nonblocking(path: &Path) -> std::io::Result<fs::File> {
    crate::sys::open_read_nonblocking(path)
}

/// What a non-regular file is, for the message.
fn describe_type(kind: fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else {
        match crate::sys::special_file_kind(kind) {
            Some("a character device" | "a block device") => "a device",
            Some(other) => other,
            None => "a special file",
        }
    }
}

impl Store {
    /// Load the built-ins and the user's profiles from `<config_dir>/profiles`.
    pub fn load(config_dir: Option<&Path>) -> Store {
        let dir = config_dir.map(user_dir);
        let user = dir.as_deref().map(read_user_dir).unwrap_or_default();
        let mut store = Store::merge(builtins(), user);
        store.dir = dir;
        store
    }

    /// Combine parsed built-ins and user profiles: a user profile replaces the built-in of the
    /// same name.
    pub fn merge(
        builtins: Vec<Result<Profile, ProfileError>>,
        user: Vec<Result<Profile, ProfileError>>,
    ) -> Store {
        let mut store = Store::default();
        for p in builtins {
            match p {
                Ok(p) => store.profiles.push(p),
                Err(e) => store.broken.push(e),
            }
        }
        let mut users: Vec<Profile> = Vec::new();
        for p in user {
            match p {
                Ok(p) => users.push(p),
                Err(e) => store.broken.push(e),
            }
        }
        users.sort_by(|a, b| a.name.cmp(&b.name));
        for u in users {
            if let Some(slot) = store.profiles.iter_mut().find(|p| p.name == u.name) {
                *slot = u;
            } else {
                store.profiles.push(u);
            }
        }
        store
    }

    /// Pick the profile `query` names: exact name, then alias, then unique prefix of a name or
    /// alias. A broken user file with exactly that name reports its error.
    pub fn resolve(&self, query: &str) -> Result<&Profile, ResolveError> {
        let q = query.trim().to_ascii_lowercase();
        // A broken user file of exactly this name comes first: it was meant to replace any
        // built-in of that name, and silently using the built-in would hide the mistake.
        if let Some(e) = self
            .broken
            .iter()
            .find(|e| e.name.as_deref() == Some(q.as_str()))
        {
            return Err(ResolveError::Broken(e.clone()));
        }
        if let Some(p) = self.profiles.iter().find(|p| p.name == q) {
            return Ok(p);
        }
        let by_alias: Vec<&Profile> = self
            .profiles
            .iter()
            .filter(|p| p.aliases.contains(&q))
            .collect();
        if let Some(one) = single(&by_alias, &q)? {
            return Ok(one);
        }
        let by_prefix: Vec<&Profile> = if q.is_empty() {
            vec![]
        } else {
            self.profiles
                .iter()
                .filter(|p| p.name.starts_with(&q) || p.aliases.iter().any(|a| a.starts_with(&q)))
                .collect()
        };
        if let Some(one) = single(&by_prefix, &q)? {
            return Ok(one);
        }
        Err(ResolveError::Unknown {
            query: query.to_string(),
            candidates: self.profiles.iter().map(|p| p.name.clone()).collect(),
        })
    }
}

fn single<'a>(found: &[&'a Profile], query: &str) -> Result<Option<&'a Profile>, ResolveError> {
    match found {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(ResolveError::Ambiguous {
            query: query.to_string(),
            candidates: many.iter().map(|p| p.name.clone()).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, text: &str) -> Result<Profile, ProfileError> {
        schema::parse(
            &format!("/u/{name}.toml"),
            name,
            text,
            Origin::User {
                path: PathBuf::from(format!("/u/{name}.toml")),
                overrides_builtin: false,
            },
        )
    }

    fn store() -> Store {
        Store::merge(
            builtins(),
            vec![
                user(
                    "home",
                    "version = 1\ndescription = \"h\"\naliases = [\"house\"]\nunset = [\"GOPROXY\"]\n",
                ),
                user(
                    "coffee",
                    "version = 1\ndescription = \"c\"\naliases = [\"china2\"]\nunset = [\"GOPROXY\"]\n",
                ),
                user("broken", "version = 1\n[set\n"),
            ],
        )
    }

    fn name(r: Result<&Profile, ResolveError>) -> String {
        match r {
            Ok(p) => p.name.clone(),
            Err(e) => format!("error: {e}"),
        }
    }

    /// Issue 13 item 10: a FIFO named like a profile hung `profile list` in open(2).
    #[test]
    fn a_fifo_or_device_is_reported_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe.toml");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .expect("mkfifo");
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.toml")).expect("symlink");
        fs::write(
            dir.path().join("ok.toml"),
            "version = 1\ndescription = \"fine\"\nunset = [\"GOPROXY\"]\n",
        )
        .expect("write");
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let d = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let _ = done_tx.send(read_user_dir(&d));
        });
        let all = done_rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading the profiles directory did not hang");
        let errors: Vec<String> = all
            .iter()
            .filter_map(|r| r.as_ref().err().map(|e| e.message.clone()))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|m| m.contains("FIFO")), "{errors:?}");
        assert!(errors.iter().any(|m| m.contains("device")), "{errors:?}");
    }

    #[test]
    fn every_builtin_parses() {
        for p in builtins() {
            let p = p.unwrap_or_else(|e| panic!("{e}"));
            assert!(!p.description.is_empty());
        }
    }

    #[test]
    fn resolves_exact_alias_and_unique_prefix() {
        let s = store();
        assert_eq!(name(s.resolve("corporate")), "corporate");
        assert_eq!(name(s.resolve("corp")), "corporate", "alias");
        assert_eq!(name(s.resolve("corpo")), "corporate", "prefix");
        assert_eq!(name(s.resolve("Offl")), "offline");
        assert_eq!(name(s.resolve("house")), "home");
        assert_eq!(name(s.resolve("goproxy.cn")), "china-mirror");
    }

    #[test]
    fn ambiguous_and_unknown_list_candidates() {
        let s = store();
        match s.resolve("c") {
            Err(ResolveError::Ambiguous { candidates, .. }) => {
                assert_eq!(candidates, vec!["china-mirror", "corporate", "coffee"]);
            }
            other => panic!("{other:?}"),
        }
        match s.resolve("nothing") {
            Err(e @ ResolveError::Unknown { .. }) => {
                assert!(
                    e.hint()
                        .contains("official, china-mirror, corporate, offline, coffee, home"),
                    "{}",
                    e.hint()
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.resolve(""), Err(ResolveError::Unknown { .. })));
    }

    #[test]
    fn broken_file_with_that_name_reports_its_error() {
        let s = store();
        match s.resolve("broken") {
            Err(ResolveError::Broken(e)) => assert!(e.file.contains("/u/broken.toml"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn broken_user_file_named_like_a_builtin_is_reported_not_hidden() {
        let s = Store::merge(builtins(), vec![user("official", "version = 1\n[set\n")]);
        assert!(matches!(
            s.resolve("official"),
            Err(ResolveError::Broken(_))
        ));
        assert_eq!(
            name(s.resolve("default")),
            "official",
            "the alias still reaches the built-in"
        );
    }

    #[test]
    fn user_profile_replaces_builtin_of_same_name() {
        let s = Store::merge(
            builtins(),
            vec![user(
                "official",
                "version = 1\ndescription = \"mine\"\nunset = [\"GOPROXY\"]\n",
            )],
        );
        let p = s.resolve("official").expect("found");
        assert_eq!(p.description, "mine");
        assert_eq!(
            s.profiles.iter().filter(|p| p.name == "official").count(),
            1
        );
    }
}
