//! Subcommands: one file each, thin glue between the CLI, the domain modules and the output.
//! What several commands share lives here, not in one of them ([`Context`]: go, its settings,
//! the history, saving a profile; [`probe_options`]; the write report in [`mod@write`]), so no
//! command calls into another.

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
use crate::cli::{Cli, Command, ProbeArgs};
use crate::fetch::proxy::ProbeOptions;
use crate::fetch::walkset::WalkSet;
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
    /// The working directory (where go looks for the main module), read once; `None` when it
    /// cannot be read (removed under us).
    cwd: Option<std::path::PathBuf>,
}

impl Context {
    pub fn resolve(cli: &Cli) -> Self {
        let env = ProcessEnv::capture();
        let output = Output::resolve(&cli.global, env.raw("NO_COLOR"));
        Context {
            cwd: std::env::current_dir().ok(),
            output,
            env,
            go_flag: cli.global.go.clone(),
        }
    }

    /// The working directory, where go looks for the main module.
    pub fn cwd(&self) -> Result<&std::path::Path> {
        self.cwd.as_deref().ok_or_else(|| {
            crate::hinted(
                "the current directory cannot be read (was it removed?)",
                "cd into an existing directory and run the command again",
            )
        })
    }

    /// The action of godoctor's last write (`profile apply NAME`, `env set …`), if any: which
    /// of several matching profiles is the one in use.
    pub fn last_action(&self) -> Option<String> {
        self.history()
            .ok()?
            .latest()
            .ok()
            .flatten()
            .map(|(_, snapshot)| snapshot.action)
    }

    /// The lines of the user's shell start-up files (and /etc's) that set `names`, for the
    /// shell-edit fixes of values `go env -w` cannot change (`doctor::envfix`).
    pub fn shell_origins(&self, names: &[&str]) -> crate::doctor::envfix::EnvOrigins {
        let home = self.env.home();
        crate::doctor::envfix::EnvOrigins {
            lines: crate::shellrc::locate(home.as_deref(), std::path::Path::new("/etc"), names),
            home,
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

    /// Save the settings go uses now as user profile `name` (for `profile save` and the wizard).
    pub fn save_profile(
        &self,
        name: &str,
        force: bool,
        description: Option<&str>,
    ) -> Result<crate::profile::save::Saved> {
        let hinted = |e: crate::profile::save::SaveError| match e.hint() {
            Some(h) => crate::hinted(e.to_string(), h),
            None => anyhow::Error::new(e),
        };
        // Refused before go is asked anything.
        crate::profile::save::check_name(name).map_err(hinted)?;
        let config = crate::home::config_dir(&self.env).ok_or_else(|| {
            crate::hinted(
                "godoctor has no config directory (HOME is not set)",
                "set HOME or GODOCTOR_HOME",
            )
        })?;
        let go_env = self.load_go_env()?;
        crate::profile::save::save(&go_env, &config, name, description, force).map_err(hinted)
    }

    /// The inputs of go's fetch plan (`route`, `check`) from one `go env -json` (effective
    /// values) and the .netrc go reads.
    pub fn fetch_settings(&self, go_env: &GoEnv) -> crate::fetch::plan::Settings {
        let set_itself = |name: &str| {
            go_env
                .setting(name)
                .is_some_and(|s| s.source != crate::goenv::Source::Default)
        };
        crate::fetch::plan::Settings {
            goproxy: go_env.get("GOPROXY").to_string(),
            goprivate: go_env.get("GOPRIVATE").to_string(),
            gonoproxy: go_env.get("GONOPROXY").to_string(),
            gonosumdb: go_env.get("GONOSUMDB").to_string(),
            goinsecure: go_env.get("GOINSECURE").to_string(),
            gosumdb: go_env.get("GOSUMDB").to_string(),
            goauth: go_env.values.get("GOAUTH").cloned(),
            gonoproxy_set: set_itself("GONOPROXY"),
            gonosumdb_set: set_itself("GONOSUMDB"),
            netrc_machines: crate::net::credentials::load_netrc(&self.env)
                .into_iter()
                .map(|e| e.machine)
                .collect(),
            netrc_path: crate::net::credentials::netrc_path(&self.env)
                .map(|p| p.display().to_string()),
        }
    }

    /// The go.mod of the module in the current directory, as go itself located it (GOMOD), and
    /// its text (`check`, `explain`).
    pub fn gomod(&self, go_env: &GoEnv) -> Option<(std::path::PathBuf, String)> {
        let path = match go_env.get("GOMOD") {
            // go refused to run inside the module: find its go.mod the way go does.
            _ if go_env.module_error.is_some() => {
                crate::cache::required::find_gomod(self.cwd.as_deref()?)?
            }
            "" | "/dev/null" | "NUL" => return None,
            p => std::path::PathBuf::from(p),
        };
        let text = std::fs::read_to_string(&path).ok()?;
        Some((path, text))
    }

    /// godoctor's history (snapshots for undo, write lock).
    pub fn history(&self) -> Result<History> {
        History::new(crate::home::data_dir(&self.env))
            .map_err(|e| crate::hinted(e.to_string(), "set HOME or GODOCTOR_HOME"))
    }
}

/// Resolve the probe flags and the `--module`s into options: the first module is probed for
/// latency and protocol facts, the others are asked of every proxy that answers (as `check`
/// walks its `--module`s). Shared by `proxy test`, `proxy rank` and `setup` (one module for the last two).
pub fn probe_options(probe: &ProbeArgs, modules: &[String]) -> Result<ProbeOptions> {
    let mut opts = ProbeOptions {
        timeout: probe.timeout,
        samples: probe.samples as usize,
        ..Default::default()
    };
    if let Some(walk) = WalkSet::from_args(modules).map_err(|e| {
        crate::hinted(
            e,
            "write it as PATH@VERSION, e.g. golang.org/x/text@v0.14.0",
        )
    })? {
        opts.walk = walk;
    }
    Ok(opts)
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
