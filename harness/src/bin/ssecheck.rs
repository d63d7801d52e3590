//! `ssecheck`: the conformance suite for Server-Sent Events, on its own
//! (`cargo install --path harness`). Same commands as `cargo xtask check`,
//! `client`, `serve` and `explain`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use harness::cli::{Command, version};

/// ssecheck: the conformance suite for Server-Sent Events.
#[derive(Debug, Parser)]
#[command(name = "ssecheck", version = version(), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    harness::cli::main(|cli: Cli| cli.command.run())
}
