//! `godoctor completions SHELL`: shell completion scripts generated from the CLI definition.

use anyhow::Result;
use clap::CommandFactory;

use crate::Outcome;
use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> Result<Outcome> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "godoctor", &mut buf);
    crate::output::print_block(&String::from_utf8_lossy(&buf))?;
    Ok(Outcome::Clean)
}
