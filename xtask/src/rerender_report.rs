//! `cargo xtask rerender-report REPORT.JSON --out DIR`: writes report.json,
//! report.md, report.html and junit.xml again from a report.json, of this
//! version or an earlier one, with this version's renderers (long values as
//! excerpts, passing cases as digests). The cases and their statuses are
//! those of the report read; nothing is run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use harness::report::Report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The report.json to read.
    #[arg(value_name = "REPORT.JSON")]
    report: PathBuf,
    /// Where the four files are written (may be the report's own folder).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&args.report).with_context(|| format!("cannot read {}", args.report.display()))?;
    let report: Report = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not an ssecheck report.json", args.report.display()))?;
    report
        .write_to(&args.out)
        .with_context(|| format!("cannot write the report to {}", args.out.display()))?;
    println!("{}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
