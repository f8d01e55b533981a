//! godoctor: a Go environment doctor and config manager (library side of the binary).
//!
//! The binary in `main.rs` only parses arguments and maps outcomes to exit codes; everything
//! else lives here so unit tests, benchmarks and fuzz targets can reach it.

pub mod atomic;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod doctor;
pub mod explain;
pub mod fetch;
pub mod finding;
pub mod goenv;
pub mod home;
pub mod net;
pub mod output;
pub mod ports;
pub mod profile;
pub mod redact;
pub mod shellrc;
pub mod syntax;
pub mod sys;
pub mod wizard;

/// How a command that ran to the end went: maps to exit code 0 or 1.
/// Failures to run at all are `Err` and map to exit code 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ran and found no errors (exit 0).
    Clean,
    /// Ran and found problems (exit 1).
    Problems,
}

impl Outcome {
    pub fn from_problems(problems: bool) -> Self {
        if problems {
            Outcome::Problems
        } else {
            Outcome::Clean
        }
    }
}

/// An error that carries a fix hint, printed as a `help:` line after the error chain.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct HintedError {
    pub message: String,
    pub hint: String,
}

/// Build an `anyhow::Error` with a `help:` hint.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(HintedError {
        message: message.into(),
        hint: hint.into(),
    })
}
