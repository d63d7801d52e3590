//! `cargo xtask`: ssecheck's one command line in this repository: the
//! `ssecheck` commands (check, client, serve) plus the repository's own.
#![forbid(unsafe_code)]

mod bench;
mod fuzz;
mod matrix_report;
mod parse;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// ssecheck: the conformance suite for Server-Sent Events.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version = harness::cli::version(), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Ssecheck(harness::cli::Command),
    /// Run the reference parser (spec-impl) over one response body and print
    /// its event lines (JSON Lines: event, comment, retry) in stream order.
    Parse(parse::Args),
    /// Benchmark spec-impl's parser against memchr, sse-stream and
    /// eventsource-stream (criterion), and print the ratios.
    Bench(bench::Args),
    /// Run the cargo-fuzz targets (parse, roundtrip, eventsource,
    /// differential) with seeds from the fixtures, or write the differential
    /// report (--report).
    Fuzz(fuzz::Args),
    /// Render reports of several implementations side by side: one HTML page
    /// and one Markdown table, implementations as columns, cases as rows.
    MatrixReport(matrix_report::Args),
}

fn main() -> ExitCode {
    harness::cli::main(|cli: Cli| match cli.command {
        Command::Ssecheck(command) => command.run(),
        Command::Parse(args) => parse::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::MatrixReport(args) => matrix_report::run(&args),
    })
}
