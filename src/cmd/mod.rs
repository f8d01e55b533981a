//! Subcommands: one file each, thin glue between the CLI, the domain modules and the output.

pub mod completions;

use anyhow::Result;

use crate::Outcome;
use crate::cli::{Cli, Command};
use crate::output::Output;
use crate::sys::ProcessEnv;

/// Everything a command needs that was resolved once from flags and the environment.
/// Code below the commands never reads clap types or `std::env`.
#[derive(Debug, Clone)]
pub struct Context {
    pub output: Output,
    pub env: ProcessEnv,
    /// `--go PATH`, if given.
    pub go_flag: Option<std::path::PathBuf>,
}

impl Context {
    pub fn resolve(cli: &Cli) -> Self {
        let env = ProcessEnv::capture();
        let output = Output::resolve(&cli.global, env.raw("NO_COLOR"));
        Context { output, env, go_flag: cli.global.go.clone() }
    }
}

/// Dispatch to the subcommand.
pub fn run(cli: &Cli, ctx: &Context) -> Result<Outcome> {
    match &cli.command {
        Command::Env(_) | Command::Undo => anyhow::bail!("not implemented yet"),
        Command::Completions { shell } => completions::run(*shell),
    }
}
