//! `cargo xtask`: ssecheck's one command line.
#![forbid(unsafe_code)]

mod check;
mod client;
mod parse;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// ssecheck: the conformance suite for Server-Sent Events.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the reference parser (spec-impl) over one response body and print
    /// its event lines (JSON Lines: event, comment, retry) in stream order.
    Parse(parse::Args),
    /// Check an SSE client (through an adapter command) against the standard
    /// and write a report; exit 0 if no case failed, 1 if one did, 2 if the
    /// check could not run.
    Check(check::Args),
    /// Run the reference SSE client (spec-impl over hyper) on URL and print
    /// event lines until stdin closes: the reference adapter of client mode.
    Client(client::Args),
    /// Run the reference SSE server (GET /events, POST /publish) until Ctrl-C;
    /// prints its stream URL first.
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with exit 0; usage errors exit 2.
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let result = match cli.command {
        Command::Parse(args) => parse::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Client(args) => client::run(&args),
        Command::Serve(args) => serve::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
