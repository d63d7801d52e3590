//! `cargo xtask matrix-report REPORT.JSON...`: the reports of several
//! implementations side by side (matrix.html and matrix.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use harness::report::Report;
use harness::report::matrix::{self, Column};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// report.json files; each column is named after the report's folder.
    #[arg(required = true, value_name = "REPORT.JSON")]
    reports: Vec<PathBuf>,
    /// Where matrix.html and matrix.md are written.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    out: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut columns = Vec::new();
    for path in &args.reports {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let report: Report = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not an ssecheck report.json", path.display()))?;
        let name = path
            .parent()
            .and_then(Path::file_name)
            .map_or_else(|| report.target.clone(), |name| name.to_string_lossy().into_owned());
        columns.push(Column { name, report });
    }
    let modes: std::collections::BTreeSet<&str> = columns.iter().map(|c| c.report.mode.as_str()).collect();
    if modes.len() > 1 {
        bail!("the reports mix modes ({modes:?}): put clients and servers in separate matrices");
    }
    let written = matrix::write(&args.out, &columns)
        .with_context(|| format!("cannot write the matrix to {}", args.out.display()))?;
    for path in written {
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
