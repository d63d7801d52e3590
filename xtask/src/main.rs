//! `cargo xtask`: ssecheck's one command line in this repository: the
//! `ssecheck` commands (check, client, serve, explain) plus the repository's own.
#![forbid(unsafe_code)]

mod bench;
mod fuzz;
mod matrix;
mod matrix_report;
mod mutants;
mod parse;
mod rerender_report;

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
    /// Mutation testing of spec-impl (cargo-mutants), judged by the
    /// hand-written fixtures; exit 1 if a mutant survives that
    /// reports/mutants/README.md does not argue equivalent.
    Mutants(mutants::Args),
    /// Run the cargo-fuzz targets (parse, roundtrip, eventsource,
    /// differential) with seeds from the fixtures, or write the differential
    /// report (--report).
    Fuzz(fuzz::Args),
    /// Render reports of several implementations side by side: one HTML page
    /// and one Markdown table, implementations as columns, cases as rows.
    MatrixReport(matrix_report::Args),
    /// Write a report's four files again from its report.json (of this
    /// version or an earlier one) with this version's renderers.
    RerenderReport(rerender_report::Args),
    /// Install the third-party clients or servers of harness-adapters/ at
    /// their pinned versions, check each, and write reports/<kind>/<name>/
    /// and the matrix pages.
    Matrix(matrix::Args),
}

/// The repository's root (xtask lives in its `xtask/` folder).
fn repo_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Writes the generated `text` to the Markdown file `path`, keeping the
/// hand-written part of the old file that starts at `heading`.
fn write_keeping_section(path: &std::path::Path, text: String, heading: &str) -> std::io::Result<()> {
    let kept = std::fs::read_to_string(path)
        .ok()
        .and_then(|old| old.find(heading).map(|at| old[at..].to_owned()))
        .unwrap_or_default();
    std::fs::write(path, text + &kept)
}

fn main() -> ExitCode {
    harness::cli::main(|cli: Cli| match cli.command {
        Command::Ssecheck(command) => command.run(),
        Command::Parse(args) => parse::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Mutants(args) => mutants::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::MatrixReport(args) => matrix_report::run(&args),
        Command::RerenderReport(args) => rerender_report::run(&args),
        Command::Matrix(args) => matrix::run(&args),
    })
}
