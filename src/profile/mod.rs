//! Profiles: named sets of Go settings (built-in `official`, `china-mirror`, `corporate`,
//! `offline`, plus the user's own files) that are validated, compared with the current settings,
//! applied in one transaction through [`crate::goenv::write`], and exported for CI and containers.
//!
//! - [`schema`]: the TOML file format, with errors that name the file, line and column
//! - [`template`]: `${variable}` substitution in values
//! - [`store`]: built-in and user profiles, name resolution (exact, alias, unique prefix)
//! - [`plan`]: filling variables, validation, diff against the current settings, matching
//! - [`save`]: the current settings saved as a user profile
//! - [`apply`]: the decisions of `show`/`diff`/`apply`: values, refusals, the next step
//! - [`check`]: what refuses `apply --check` and what only warns
//! - [`render`]: the one JSON shape and the text of each `profile` command
//! - [`export`]: shell, fish, PowerShell, Dockerfile and GitHub Actions renderings

pub mod apply;
pub mod check;
pub mod export;
pub mod plan;
pub mod render;
pub mod save;
pub mod schema;
pub mod store;
pub mod template;

use std::path::PathBuf;

use serde::Serialize;

pub use schema::ProfileError;
pub use template::Template;

/// The variables a profile may set or unset: the ones that decide where modules come from and
/// how they are verified. Anything else (GOPATH, GOCACHE, …) is not a network profile's business.
pub const ALLOWED: &[&str] = &[
    "GOPROXY",
    "GOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOINSECURE",
    "GOAUTH",
    "GOTOOLCHAIN",
    "GOFLAGS",
    "GO111MODULE",
];

/// Where a profile was defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// Embedded in godoctor (`profiles/NAME.toml` in the source tree).
    Builtin,
    /// A file in the user's profile directory.
    User {
        path: PathBuf,
        /// It replaces the built-in profile of the same name.
        overrides_builtin: bool,
    },
}

/// A value the user fills in when applying (e.g. the company proxy URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variable {
    pub name: String,
    /// The question asked on a terminal.
    pub prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Used when the user gives no value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The Go variable whose grammar the value must satisfy (e.g. `GOPROXY`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

/// A checked profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub aliases: Vec<String>,
    /// Variables to write, in [`ALLOWED`] order.
    pub set: Vec<(String, Template)>,
    /// Variables to remove from the go env file, so go's defaults apply again.
    pub unset: Vec<String>,
    pub variables: Vec<Variable>,
    pub origin: Origin,
}

impl Profile {
    /// Every variable the profile decides (set or unset), in [`ALLOWED`] order.
    pub fn covered(&self) -> Vec<&str> {
        ALLOWED
            .iter()
            .copied()
            .filter(|n| self.set.iter().any(|(k, _)| k == n) || self.unset.iter().any(|u| u == n))
            .collect()
    }

    /// The variables it writes as literal values (none of the user's answers in them): what
    /// the profile is for, not a choice of the user's.
    pub fn literal(&self) -> Vec<&str> {
        self.set
            .iter()
            .filter(|(_, t)| t.references().is_empty())
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The file it was read from (user profiles).
    pub fn path(&self) -> Option<&std::path::Path> {
        match &self.origin {
            Origin::User { path, .. } => Some(path),
            Origin::Builtin => None,
        }
    }
}
