//! Saving the settings go uses now as a user profile: what is captured (values from the go env
//! file or the OS environment; everything else is unset), the file written atomically with mode
//! 0600, and what the user must be told (values from the OS, values holding a credential).
//! Used by `profile save` and by the setup wizard's last question.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{ALLOWED, Origin, Profile, Template, schema, store};
use crate::goenv::{GoEnv, Source};

/// The description of a saved profile when the user gives none.
pub const DEFAULT_DESCRIPTION: &str =
    "Saved with `godoctor profile save` from the settings go used then.";

/// A profile that was written.
#[derive(Debug, Clone)]
pub struct Saved {
    pub path: PathBuf,
    pub profile: Profile,
    /// Variables whose value came from the OS environment, not the go env file.
    pub from_env: Vec<String>,
    /// Variables whose saved value holds a credential (kept in the file as go uses it).
    pub secrets: Vec<String>,
    /// The name is a built-in profile's, which this file now replaces.
    pub replaces_builtin: bool,
}

#[derive(Debug, Error)]
pub enum SaveError {
    #[error("`{0}` is not a valid profile name")]
    InvalidName(String),
    #[error("profile {name} already exists: {}", path.display())]
    Exists { name: String, path: PathBuf },
    #[error("cannot create the profile directory {}: {source}", dir.display())]
    Directory {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("internal error: the saved profile does not read back: {0}")]
    ReadBack(String),
}

impl SaveError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            SaveError::InvalidName(_) => Some(
                "use lower-case letters, digits, `-`, `_` or `.`, starting with a letter or digit, e.g. home-vpn",
            ),
            SaveError::Exists { .. } => Some("pass --force to replace it, or choose another name"),
            SaveError::Directory { .. } | SaveError::Write { .. } | SaveError::ReadBack(_) => None,
        }
    }
}

/// Whether `name` can be a profile's name (and file name); callers may ask before loading go.
pub fn check_name(name: &str) -> Result<(), SaveError> {
    if schema::valid_name(name) {
        Ok(())
    } else {
        Err(SaveError::InvalidName(name.to_string()))
    }
}

/// Save the settings `go_env` holds as profile `name` in the user profile directory under
/// `config_dir`. Without `force` an existing file is never replaced, even one created since the
/// check (the write itself refuses).
pub fn save(
    go_env: &GoEnv,
    config_dir: &Path,
    name: &str,
    description: Option<&str>,
    force: bool,
) -> Result<Saved, SaveError> {
    check_name(name)?;
    let dir = store::user_dir(config_dir);
    let path = dir.join(format!("{name}.toml"));
    let exists = |path: &Path| SaveError::Exists {
        name: name.to_string(),
        path: path.to_path_buf(),
    };
    if path.exists() && !force {
        return Err(exists(&path));
    }
    let (profile, from_env) = capture(name, description, go_env, &path);
    let header = format!(
        "godoctor profile `{name}`, saved by `godoctor profile save` from the settings go used then\n(with {}). Apply with: godoctor profile apply {name}",
        go_env.version()
    );
    let text = schema::stringify(&profile, &header);
    // What is written must read back to the same profile.
    let back = schema::parse(
        &path.display().to_string(),
        name,
        &text,
        profile.origin.clone(),
    )
    .map_err(|e| SaveError::ReadBack(e.to_string()))?;
    if back != profile {
        return Err(SaveError::ReadBack(format!(
            "{} reads back as a different profile",
            path.display()
        )));
    }
    // godoctor's config directory and its profiles directory: 0700 (the files can hold
    // credentials).
    dir.parent()
        .map_or(Ok(()), crate::home::private_dir)
        .and_then(|()| crate::home::private_dir(&dir))
        .map_err(|source| SaveError::Directory {
            dir: dir.clone(),
            source,
        })?;
    let written = if force {
        crate::atomic::write(&path, text.as_bytes(), crate::atomic::Mode::Private)
    } else {
        crate::atomic::create_new(&path, text.as_bytes(), crate::atomic::Mode::Private)
    };
    written.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            exists(&path)
        } else {
            SaveError::Write {
                path: path.clone(),
                source,
            }
        }
    })?;
    let secrets = secrets(&profile);
    let replaces_builtin = matches!(
        profile.origin,
        Origin::User {
            overrides_builtin: true,
            ..
        }
    );
    Ok(Saved {
        path,
        profile,
        from_env,
        secrets,
        replaces_builtin,
    })
}

/// The set variables whose value holds a credential (a URL password, a GOAUTH argument, a
/// GOFLAGS token): redaction would change them.
pub fn secrets(profile: &Profile) -> Vec<String> {
    profile
        .set
        .iter()
        .filter(|(k, t)| crate::redact::value(k, t.source()) != t.source())
        .map(|(k, _)| k.clone())
        .collect()
}

/// The current settings as a profile: values from the go env file or the OS environment are
/// set, everything else is unset (go's default). Returns the names that came from the OS.
fn capture(
    name: &str,
    description: Option<&str>,
    go_env: &GoEnv,
    path: &Path,
) -> (Profile, Vec<String>) {
    let mut set = Vec::new();
    let mut unset = Vec::new();
    let mut from_env = Vec::new();
    for n in ALLOWED {
        match go_env.setting(n) {
            Some(s) if matches!(s.source, Source::Env | Source::File) && !s.value.is_empty() => {
                if s.source == Source::Env {
                    from_env.push(s.name.clone());
                }
                set.push((n.to_string(), Template::literal(&s.value)));
            }
            _ => unset.push(n.to_string()),
        }
    }
    let profile = Profile {
        name: name.to_string(),
        description: description
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(DEFAULT_DESCRIPTION)
            .to_string(),
        aliases: vec![],
        set,
        unset,
        variables: vec![],
        origin: Origin::User {
            path: path.to_path_buf(),
            overrides_builtin: store::BUILTIN.iter().any(|(n, _)| *n == name),
        },
    };
    (profile, from_env)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(set: &[(&str, &str)]) -> Profile {
        Profile {
            name: "p".into(),
            description: String::new(),
            aliases: vec![],
            set: set
                .iter()
                .map(|(k, v)| (k.to_string(), Template::literal(v)))
                .collect(),
            unset: vec![],
            variables: vec![],
            origin: Origin::Builtin,
        }
    }

    #[test]
    fn secrets_are_the_values_redaction_would_change() {
        let p = profile(&[
            ("GOPROXY", "https://alice:pw@127.0.0.1:9,direct"),
            ("GOSUMDB", "off"),
            ("GOAUTH", "/bin/helper --token=t0k"),
            ("GOPRIVATE", "*.corp.example"),
        ]);
        assert_eq!(secrets(&p), vec!["GOPROXY", "GOAUTH"]);
        assert!(secrets(&profile(&[("GOPROXY", "https://127.0.0.1:9,direct")])).is_empty());
    }
}
