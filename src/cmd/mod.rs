//! Subcommands: one file each, thin glue between the CLI, the domain modules and the output.

pub mod cache;
pub mod check;
pub mod completions;
pub mod env;
pub mod explain;
pub mod port;
pub mod profile;
pub mod proxy;
pub mod route;
pub mod setup;
pub mod undo;
pub mod write;

use anyhow::Result;

use crate::Outcome;
use crate::cli::{Cli, Command};
use crate::goenv::history::History;
use crate::goenv::{GoBinary, GoEnv};
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
        Context {
            output,
            env,
            go_flag: cli.global.go.clone(),
        }
    }

    /// Find the `go` binary, or an error that says how to fix it.
    pub fn locate_go(&self) -> Result<GoBinary> {
        crate::goenv::locate::locate(self.go_flag.as_deref(), &self.env)
            .map_err(|e| crate::hinted(e.to_string(), e.hint()))
    }

    /// Find `go` and read its environment with one `go env -json` call.
    pub fn load_go_env(&self) -> Result<GoEnv> {
        let go = self.locate_go()?;
        GoEnv::load(&go, &self.env).map_err(|e| {
            crate::hinted(
                e.to_string(),
                "run `go env` yourself to see the problem; a malformed GOFLAGS or a broken Go install is the usual cause",
            )
        })
    }

    /// godoctor's history (snapshots for undo, write lock).
    pub fn history(&self) -> Result<History> {
        History::new(crate::home::data_dir(&self.env))
            .map_err(|e| crate::hinted(e.to_string(), "set HOME or GODOCTOR_HOME"))
    }
}

/// Dispatch to the subcommand.
pub fn run(cli: &Cli, ctx: &Context) -> Result<Outcome> {
    match &cli.command {
        Command::Check(args) => check::run(ctx, args),
        Command::Env(args) => env::run(ctx, args),
        Command::Undo => undo::run(ctx),
        Command::Cache(args) => cache::run(ctx, args),
        Command::Profile(args) => profile::run(ctx, args),
        Command::Completions { shell } => completions::run(ctx, *shell),
        Command::Proxy(args) => proxy::run(ctx, args),
        Command::Port(args) => port::run(ctx, args),
        Command::Route(args) => route::run(ctx, args),
        Command::Setup(args) => setup::run(ctx, args),
        Command::Explain(args) => explain::run(ctx, args),
    }
}
