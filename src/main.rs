//! The godoctor binary: parse arguments, run one command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use godoctor::{Outcome, cli::Cli, cmd, output};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = cmd::Context::resolve(&cli);
    match cmd::run(&cli, &ctx) {
        Ok(Outcome::Clean) => ExitCode::from(0),
        Ok(Outcome::Problems) => ExitCode::from(1),
        Err(err) if output::is_broken_pipe(&err) => ExitCode::from(0),
        Err(err) => {
            output::print_error(&ctx.output, &err);
            ExitCode::from(2)
        }
    }
}
