//! Command-line surface: clap derive types only, no behaviour.

// The doc comments below are `--help` text, printed as written: `PATH[@VERSION]`, a bare URL
// and `<config>` are what the user reads, not Markdown for rustdoc.
#![allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags
)]

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
  godoctor undo                  restore the settings before the last write
  go mod tidy 2>&1 | godoctor explain   why go failed here, and the fix")]
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
    /// Diagnose the Go module setup: toolchain, settings, proxies, checksum database, private
    /// modules, local ports and the module cache
    #[command(after_long_help = "Examples:
  godoctor check                 every check
  godoctor check --offline       no network: settings, toolchain, cache
  godoctor check proxy sumdb     only these sections (or ids: proxy.reach)
  godoctor check --list          every check id with one line each
  godoctor check --fix           apply the safe fixes (each confirmed; --yes for all)")]
    Check(CheckArgs),
    /// Show managed Go settings and where each value comes from; set or unset them safely
    #[command(after_long_help = "Examples:
  godoctor env
  godoctor env --json
  godoctor env set GOPROXY=https://goproxy.cn,direct GOSUMDB=sum.golang.google.cn
  godoctor env unset GOPRIVATE")]
    Env(EnvArgs),
    /// Restore the settings as they were before godoctor's last write
    Undo,
    /// Test Go module proxies and the checksum database like go talks to them; rank mirrors
    #[command(after_long_help = "Examples:
  godoctor proxy test                         walk the effective GOPROXY as go would
  godoctor proxy test https://goproxy.cn http://127.0.0.1:3000 --timeout 3s
  godoctor proxy test --module golang.org/x/text@v0.14.0 https://proxy.example
  godoctor proxy rank --candidates mirrors.txt")]
    Proxy(ProxyArgs),
    /// Show who holds a TCP port, or print a free one
    #[command(after_long_help = "Examples:
  godoctor port 3000             which process listens on port 3000 (IPv4 and IPv6)
  godoctor port --free           a free port from the OS ephemeral range
  godoctor port --free --range 3000-3999")]
    Port(PortArgs),
    /// Size and breakdown of the module cache (GOMODCACHE) and build cache; safe cleaning
    #[command(after_long_help = "Examples:
  godoctor cache                        what is in GOMODCACHE and GOCACHE, and free space
  godoctor cache --json
  godoctor cache prune --keep 2         show which old versions would go (nothing is removed)
  godoctor cache prune --keep 2 --yes   remove them
  godoctor cache prune --older-than 90d --yes
  godoctor cache clean --yes            go clean -modcache, after showing what it frees")]
    Cache(CacheArgs),
    /// Named sets of settings (official, china-mirror, corporate, offline, your own) applied
    /// in one step
    #[command(after_long_help = "Examples:
  godoctor profile list                      the profiles; * marks the one in use
  godoctor profile diff china-mirror         what applying it would change
  godoctor profile apply corp --set proxy=https://goproxy.corp.example --set private='*.corp.example'
  godoctor profile save home                 keep the current settings as profile `home`
  godoctor profile export offline --format dockerfile")]
    Profile(ProfileArgs),
    /// How go would fetch a module: proxies or direct, checksum database, credentials
    #[command(after_long_help = "Examples:
  godoctor route github.com/Azure/azure-sdk-for-go          the route for the latest version
  godoctor route git.corp.example/team/lib@v1.2.3           is it private? which proxy sees it?
  godoctor route golang.org/x/text@v0.14.0 --probe          walk the route like go mod download
  godoctor route example.com/m@v1.0.0 --probe --json")]
    Route(RouteArgs),
    /// Interactive setup: measure mirrors, ask a few questions, preview the changes, apply them
    ///
    /// Needs a terminal; Esc or Ctrl-C before the final confirmation changes nothing. The
    /// result is written with one `go env -w` (and `-u`) call; `godoctor undo` reverts it.
    #[command(after_long_help = "Examples:
  godoctor setup
  godoctor setup --candidates mirrors.txt          also measure these proxies (one URL per line)
  godoctor setup --candidates mirrors.txt --no-builtin --timeout 2s")]
    Setup(SetupArgs),
    /// Explain go's error output: which cause holds on this machine, and the fix
    ///
    /// Reads go's output from the arguments, from stdin, or runs the command after `--` (its
    /// output is passed through). Exit 0: every error line explained (or the command
    /// succeeded: then its own exit code); 1: some lines not recognised; 2: could not run.
    #[command(after_long_help = "Examples:
  go mod download 2>&1 | godoctor explain
  godoctor explain 'go: example.com/m@v1.0.0: module lookup disabled by GOPROXY=off'
  godoctor explain -- go mod tidy
  godoctor explain --json --offline < build.log")]
    Explain(ExplainArgs),
    /// Print shell completions
    Completions {
        /// The shell to generate completions for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// go's error output (several arguments are several lines); read from stdin when none is
    /// given and no command follows `--`
    #[arg(value_name = "ERROR")]
    pub text: Vec<String>,
    /// The command to run and explain, e.g. `-- go mod tidy`
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
    /// Deadline of each network check of a host named in the error, e.g. 5s, 500ms
    #[arg(long, default_value = "5s", value_parser = crate::net::parse_timeout, allow_hyphen_values = true, value_name = "DURATION")]
    pub timeout: std::time::Duration,
    /// No network checks: explain from the settings alone
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct RouteArgs {
    /// The module, optionally with a version: PATH[@VERSION] (default version: latest)
    #[arg(value_name = "MODULE[@VERSION]")]
    pub module: String,
    /// Walk the route over the network the way go does (.info, .mod, .zip; no clone)
    #[arg(long)]
    pub probe: bool,
    /// Deadline of each network request, e.g. 3, 3s or 500ms; everything the command sends
    /// ends within 3 × this (the overall budget)
    #[arg(long, default_value = crate::fetch::budget::DEFAULT_TIMEOUT, value_parser = crate::net::parse_timeout, allow_hyphen_values = true, value_name = "DURATION")]
    pub timeout: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: Option<CacheAction>,
    /// How many modules to list as largest and as having many versions
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Analyse DIR as a module cache instead of GOMODCACHE (GOCACHE is then not measured)
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Threads for the directory walk (default: two per CPU)
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: Option<u16>,
    /// Read every file of every version, ignoring the index of versions known unchanged
    /// (the index is then rebuilt)
    #[arg(long)]
    pub exact: bool,
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Remove the whole module cache with `go clean -modcache`, after showing what it frees
    Clean {
        /// Only show what would be freed
        #[arg(long, conflicts_with = "yes")]
        dry_run: bool,
        /// Do not ask for confirmation
        #[arg(short, long)]
        yes: bool,
        /// Remove even when GOMODCACHE does not look like a module cache (never lifts the
        /// refusal of a system or home directory, or of one holding GOROOT or the module)
        #[arg(long)]
        force: bool,
    },
    /// Remove old module versions (extracted tree and download files together)
    ///
    /// Without --yes nothing is removed: the plan is shown. With both --keep and --older-than a
    /// version goes only when it is outside the newest N and unused for longer than DURATION.
    /// Inside a module, the versions its go.mod and go.sum need are always kept.
    #[command(group(clap::ArgGroup::new("criteria").required(true).multiple(true).args(["keep", "older_than"])))]
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Keep the N newest versions of every module
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    /// Remove versions not used (or downloaded) for longer than this: 90d, 12w, 36h, 1y
    #[arg(long, value_name = "DURATION")]
    pub older_than: Option<String>,
    /// Keep what the current module's go.mod/go.sum need (default when inside a module)
    #[arg(long, overrides_with = "no_keep_required")]
    pub keep_required: bool,
    /// Do not protect the current module's requirements
    #[arg(long, overrides_with = "keep_required")]
    pub no_keep_required: bool,
    /// Remove the planned versions (otherwise only show the plan)
    #[arg(short, long, conflicts_with = "dry_run")]
    pub yes: bool,
    /// Only show the plan (the default)
    #[arg(long)]
    pub dry_run: bool,
    /// Prune even when GOMODCACHE does not look like a module cache (never lifts the refusal
    /// of a system or home directory, or of one holding GOROOT or the module)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only these checks or sections (see --list), e.g. `proxy` or `proxy.reach`
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// No network: skip proxy, checksum database and host checks
    #[arg(long)]
    pub offline: bool,
    /// Count warnings as problems (exit 1)
    #[arg(long)]
    pub strict: bool,
    /// Deadline of each network request, e.g. 3, 3s or 500ms; everything the command sends
    /// ends within 3 × this (the overall budget)
    #[arg(long, default_value = crate::fetch::budget::DEFAULT_TIMEOUT, value_parser = crate::net::parse_timeout, allow_hyphen_values = true, value_name = "DURATION")]
    pub timeout: std::time::Duration,
    /// Walk this module through the proxies (repeatable), instead of the go.mod's requirements
    /// (inside a module) or the canary modules (outside one: modules.txt in godoctor's config
    /// directory, one PATH@VERSION per line, else rsc.io/quote@v1.5.2)
    #[arg(long = "module", value_name = "PATH@VERSION")]
    pub modules: Vec<String>,
    /// List every check id with one line each
    #[arg(long)]
    pub list: bool,
    /// Apply the safe fixes the report proposes (through the undoable write path)
    #[arg(long)]
    pub fix: bool,
    /// With --fix: apply without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Output format: `markdown` for $GITHUB_STEP_SUMMARY or a GitLab job summary; `json` is
    /// the same as --json. With GITHUB_ACTIONS=true, text output also prints ::error/::warning
    /// annotations.
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub format: CheckFormat,
}

/// How `check` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Markdown,
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

#[derive(Debug, Args)]
pub struct ProxyArgs {
    #[command(subcommand)]
    pub action: ProxyAction,
}

/// Options shared by `proxy test` and `proxy rank`.
#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    /// Deadline of each network request, e.g. 3, 3s or 500ms; everything the command sends
    /// ends within 3 × this (the overall budget)
    #[arg(long, default_value = crate::fetch::budget::DEFAULT_TIMEOUT, value_parser = crate::net::parse_timeout, allow_hyphen_values = true, value_name = "DURATION")]
    pub timeout: std::time::Duration,
    /// Latency samples per proxy
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub samples: u32,
}

/// The one module `proxy rank` and `setup` measure latency with (a ranking compares one
/// request per mirror; `proxy test` walks several, see its `--module`).
#[derive(Debug, Clone, Args)]
pub struct SampleModuleArg {
    /// Module version every public proxy must serve (its .info is fetched)
    #[arg(long, value_name = "PATH@VERSION")]
    pub module: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProxyAction {
    /// Probe proxies (default: every entry of the effective GOPROXY, in go's order)
    Test {
        /// Proxy URLs (https://, http://, file://); none = the effective GOPROXY
        #[arg(value_name = "URL")]
        urls: Vec<String>,
        /// Checksum database setting to check (GOSUMDB syntax); default: the effective GOSUMDB
        #[arg(long, value_name = "GOSUMDB")]
        sumdb: Option<String>,
        /// Module version every public proxy must serve (repeatable, as for `check`): each
        /// proxy is asked for each; the first also measures latency
        #[arg(long = "module", value_name = "PATH@VERSION")]
        modules: Vec<String>,
        #[command(flatten)]
        probe: ProbeArgs,
    },
    /// Probe known public mirrors (plus --candidates) and rank them by median latency
    Rank {
        /// File of extra candidate proxy URLs, one per line (`#` comments); mirrors.txt in
        /// godoctor's config directory is always added
        #[arg(long, value_name = "FILE")]
        candidates: Option<PathBuf>,
        /// Probe only the candidates (file and config), not the built-in catalogue
        #[arg(long)]
        no_builtin: bool,
        #[command(flatten)]
        module: SampleModuleArg,
        #[command(flatten)]
        probe: ProbeArgs,
    },
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// File of candidate proxy URLs to measure, one per line (`#` comments), as for `proxy rank`
    #[arg(long, value_name = "FILE")]
    pub candidates: Option<PathBuf>,
    /// Measure only the candidates file (and the current GOPROXY), not the built-in mirrors
    #[arg(long, requires = "candidates")]
    pub no_builtin: bool,
    #[command(flatten)]
    pub module: SampleModuleArg,
    #[command(flatten)]
    pub probe: ProbeArgs,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["port", "free"])))]
pub struct PortArgs {
    /// The TCP port to look up
    #[arg(value_parser = clap::value_parser!(u16).range(1..), conflicts_with = "free")]
    pub port: Option<u16>,
    /// Print a free port
    #[arg(long)]
    pub free: bool,
    /// Range for --free, e.g. 3000-3999 (default: the OS ephemeral range)
    #[arg(long, requires = "free", value_name = "A-B")]
    pub range: Option<String>,
    /// The GOPROXY URL meant for this port (default: http:// on the address that listens)
    #[arg(long, value_name = "URL", requires = "port")]
    pub url: Option<String>,
    /// Module asked for to tell a Go module proxy (default: rsc.io/quote@v1.5.2)
    #[arg(long, value_name = "PATH@VERSION", requires = "port")]
    pub module: Option<String>,
    /// Wait until the port is free (exit 0), or 1 at --timeout
    #[arg(long, requires = "port", conflicts_with_all = ["wait_held", "stop"])]
    pub wait: bool,
    /// Wait until something answers HTTP on the port (a proxy that is starting)
    #[arg(long, requires = "port", conflicts_with = "stop")]
    pub wait_held: bool,
    /// Stop the process(es) holding the port: SIGTERM, a grace period, then SIGKILL (asks first)
    #[arg(long, requires = "port")]
    pub stop: bool,
    /// With --stop: do not ask (needed without a terminal)
    #[arg(long, requires = "stop")]
    pub yes: bool,
    /// Per-request deadline when asking what answers; with --wait/--wait-held, how long to wait
    #[arg(long, value_name = "DURATION", value_parser = crate::net::parse_timeout, allow_hyphen_values = true)]
    pub timeout: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub action: Option<ProfileAction>,
}

#[derive(Debug, Subcommand)]
pub enum ProfileAction {
    /// List the profiles, marking the one that matches the current settings
    List,
    /// Show a profile: what it sets and unsets, and the variables you fill in
    Show {
        /// Profile name, alias or unique prefix
        name: String,
        /// A value for one of the profile's variables
        #[arg(long = "set", value_name = "VAR=VALUE")]
        set: Vec<String>,
    },
    /// What applying a profile would change: current value and its source, then the new value
    Diff {
        /// Profile name, alias or unique prefix
        name: String,
        /// A value for one of the profile's variables
        #[arg(long = "set", value_name = "VAR=VALUE")]
        set: Vec<String>,
    },
    /// Validate, show the changes, ask, then write them with one `go env -w` and one
    /// `go env -u` (`godoctor undo` reverts it)
    Apply {
        /// Profile name, alias or unique prefix
        name: String,
        /// A value for one of the profile's variables (asked for on a terminal otherwise)
        #[arg(long = "set", value_name = "VAR=VALUE")]
        set: Vec<String>,
        /// Only show what would change
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation
        #[arg(short, long)]
        yes: bool,
        /// Probe the new proxy and checksum database first; apply nothing if the new proxy
        /// is unreachable or the new GOPROXY cannot serve public modules
        #[arg(long)]
        check: bool,
        /// With --check: each request's deadline (the whole check ends within 3× this)
        #[arg(long, default_value = crate::fetch::budget::DEFAULT_TIMEOUT, value_parser = crate::net::parse_timeout, allow_hyphen_values = true, value_name = "DURATION")]
        timeout: std::time::Duration,
    },
    /// Save the current settings as a user profile
    Save {
        /// Name of the new profile (its file is <config>/profiles/NAME.toml)
        name: String,
        /// Replace an existing user profile of that name
        #[arg(long)]
        force: bool,
        /// What the profile is for
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
    },
    /// Print a profile's settings for a shell, a Dockerfile or a GitHub Actions workflow
    Export {
        /// Profile name, alias or unique prefix
        name: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = ExportFormat::Shell)]
        format: ExportFormat,
        /// A value for one of the profile's variables
        #[arg(long = "set", value_name = "VAR=VALUE")]
        set: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// POSIX sh, bash, zsh
    Shell,
    Fish,
    Powershell,
    Dockerfile,
    /// an `env:` mapping for a workflow, job or step
    GithubActions,
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
