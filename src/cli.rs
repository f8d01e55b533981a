//! Command-line surface: clap derive types only, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Go environment doctor and config manager.
///
/// Diagnoses why `go get` fails or crawls (GOPROXY, GOSUMDB, private modules, ports, the module
/// cache) and changes Go settings safely through `go env -w`, with undo.
#[derive(Debug, Parser)]
#[command(
    name = "godoctor",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_long_help = "Examples:
  godoctor check                 diagnose the current Go module setup
  godoctor env                   show every managed setting and where it comes from
  godoctor env set GOPROXY=https://goproxy.cn,direct
  godoctor undo                  restore the settings before the last write")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Machine-readable JSON on stdout (nothing else is printed there)
    #[arg(long, global = true)]
    pub json: bool,
    /// When to use colour
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Show more detail (passing checks, timings)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print only problems and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// The `go` binary to use (else $GODOCTOR_GO, else `go` on PATH)
    #[arg(long, global = true, value_name = "PATH")]
    pub go: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show managed Go settings and where each value comes from; set or unset them safely
    #[command(after_long_help = "Examples:
  godoctor env
  godoctor env --json
  godoctor env set GOPROXY=https://goproxy.cn,direct GOSUMDB=sum.golang.google.cn
  godoctor env unset GOPRIVATE")]
    Env(EnvArgs),
    /// Restore the settings as they were before godoctor's last write
    Undo,
    /// Print shell completions
    Completions {
        /// The shell to generate completions for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(subcommand)]
    pub action: Option<EnvAction>,
}

#[derive(Debug, Subcommand)]
pub enum EnvAction {
    /// Validate and write settings with one `go env -w` call
    Set {
        /// Assignments like GOPROXY=https://proxy.golang.org,direct
        #[arg(required = true, value_name = "NAME=VALUE")]
        assignments: Vec<String>,
        /// Write even if validation finds errors
        #[arg(long)]
        force: bool,
    },
    /// Remove settings from the go env file with one `go env -u` call
    Unset {
        /// Variable names like GOPRIVATE
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
