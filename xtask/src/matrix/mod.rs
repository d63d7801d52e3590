//! `cargo xtask matrix clients|servers [NAME...]`: installs the third-party
//! implementations kept in harness-adapters/, checks each one through the
//! harness, writes its reports to reports/<kind>/<name>/ and renders the
//! matrix pages (reports/index.html, reports/<kind>/matrix.*, the README's
//! table).

mod install;
mod manifest;
mod pages;
mod target;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};
use harness::report::Report;

use manifest::Implementation;

/// Clients or servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// SSE client libraries and Chromium, through their adapters.
    Clients,
    /// SSE server frameworks and the nginx pair, through small apps.
    Servers,
}

impl Kind {
    /// Its folder in harness-adapters/ and reports/.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Clients => "clients",
            Self::Servers => "servers",
        }
    }

    fn manifest(self) -> &'static str {
        match self {
            Self::Clients => "adapter.toml",
            Self::Servers => "server.toml",
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each implementation is installed with its ecosystem's own package client at the versions \
pinned in its folder (cargo, npm ci, pip in a venv), cached under target/matrix/, then \
checked with `check --client` or `check --server --publish`. Third-party failures are \
results, not errors: the exit status is 0 when every implementation was checked, 1 when \
--compare found a case whose status differs from the committed report, 2 when an \
implementation could not be installed or run (the others are still checked).")]
pub struct Args {
    /// Which matrix.
    #[arg(value_enum)]
    kind: Kind,
    /// Only these implementations (folder names in harness-adapters/<kind>/); all by default.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// Print the implementations and exit.
    #[arg(long)]
    list: bool,
    /// Check that the committed reports are reproduced: write the new ones to
    /// target/matrix/reports/ and compare every case's status with
    /// reports/<kind>/<name>/report.json.
    #[arg(long)]
    compare: bool,
    /// Install only; check nothing.
    #[arg(long)]
    install_only: bool,
}

/// What happened to one implementation.
struct Outcome {
    name: String,
    result: anyhow::Result<Report>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let root = crate::repo_root();
    let all = manifest::load(&root, args.kind)?;
    if args.list {
        for i in &all {
            println!(
                "{}\t{}\t{} {}\t{}",
                i.name,
                i.ecosystem.name(),
                i.library,
                i.version,
                i.check_args.join(" ")
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut selected = Vec::new();
    for name in &args.names {
        match all.iter().find(|i| &i.name == name) {
            Some(found) => selected.push(found.clone()),
            None => {
                let names: Vec<&str> = all.iter().map(|i| i.name.as_str()).collect();
                bail!(
                    "no implementation {name:?} in harness-adapters/{}/ (there are: {})",
                    args.kind.folder(),
                    names.join(", ")
                );
            }
        }
    }
    if args.names.is_empty() {
        selected = all.clone();
    }
    let reports = if args.compare { root.join("target/matrix/reports") } else { root.join("reports") };
    let mut outcomes = Vec::new();
    for (n, implementation) in selected.iter().enumerate() {
        let name = &implementation.name;
        eprintln!(
            "[{}/{}] {name}: {} {} ({})",
            n + 1,
            selected.len(),
            implementation.library,
            implementation.version,
            implementation.ecosystem.name()
        );
        let out = reports.join(args.kind.folder()).join(name);
        let result = install::install(&root, args.kind, implementation)
            .with_context(|| format!("cannot install {name}"))
            .and_then(|command| {
                if args.install_only {
                    return Ok(None);
                }
                check(&root, args.kind, implementation, &command, &out).map(Some)
            });
        match result {
            Ok(None) => eprintln!("    installed"),
            Ok(Some(report)) => {
                eprintln!("    {}", counts(&report));
                outcomes.push(Outcome { name: name.clone(), result: Ok(report) });
            }
            Err(error) => {
                eprintln!("error: {name}: {error:#}");
                outcomes.push(Outcome { name: name.clone(), result: Err(error) });
            }
        }
    }
    let broken: Vec<&str> = outcomes.iter().filter(|o| o.result.is_err()).map(|o| o.name.as_str()).collect();
    let mut differ = false;
    if args.compare {
        for outcome in &outcomes {
            if let Ok(report) = &outcome.result {
                let committed =
                    root.join("reports").join(args.kind.folder()).join(&outcome.name).join("report.json");
                differ |= !compare(&committed, report)?;
            }
        }
    } else if !args.install_only {
        for path in pages::write(&root)? {
            println!("{}", path.display());
        }
    }
    if !broken.is_empty() {
        eprintln!("error: not checked: {}", broken.join(", "));
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::from(u8::from(differ)))
}

fn counts(report: &Report) -> String {
    harness::report::STATUS_ORDER
        .iter()
        .map(|status| format!("{} {}", report.summary.count(*status), status.name()))
        .collect::<Vec<_>>()
        .join(", ")
        + &format!(" ({:.0} s)", report.duration_ms as f64 / 1000.0)
}

/// Runs `check` on one installed implementation and reads its report.
fn check(
    root: &Path,
    kind: Kind,
    implementation: &Implementation,
    command: &[String],
    out: &Path,
) -> anyhow::Result<Report> {
    let exe = std::env::current_exe().context("cannot find this program to run check")?;
    let mut check = Command::new(exe);
    check.arg("check").arg("--name").arg(&implementation.name).arg("--out").arg(out);
    if !std::io::stderr().is_terminal() {
        check.arg("--no-progress");
    }
    check.args(&implementation.check_args).stdin(Stdio::null()).stdout(Stdio::null());
    let _running = match kind {
        Kind::Clients => {
            check.arg("--client").arg(command.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" "));
            None
        }
        Kind::Servers => {
            let log = root.join("target/matrix/logs").join(format!("{}.log", implementation.name));
            let running = target::start(implementation, command, &log)?;
            check
                .arg("--server")
                .arg(format!("{}/events", running.base))
                .arg("--publish")
                .arg(format!("{}/publish", running.base));
            Some(running)
        }
    };
    let status = check.status().context("cannot run check")?;
    if !matches!(status.code(), Some(0 | 1)) {
        bail!("check could not run it ({status})");
    }
    let path = out.join("report.json");
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not a report", path.display()))
}

/// One word for the harness's adapter command parser (POSIX single quotes).
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// Prints every case whose status differs from the committed report; true
/// when none does.
fn compare(committed: &PathBuf, report: &Report) -> anyhow::Result<bool> {
    let bytes = std::fs::read(committed)
        .with_context(|| format!("cannot read the committed {}", committed.display()))?;
    let before: Report =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not a report", committed.display()))?;
    let old: std::collections::HashMap<&str, _> =
        before.cases.iter().map(|c| (c.id.as_str(), c.status)).collect();
    let mut same = true;
    for case in &report.cases {
        let was = old.get(case.id.as_str()).map_or("absent", |s| s.name());
        if was != case.status.name() {
            same = false;
            println!(
                "{}: {}: {was} in the committed report, {} now: {}",
                report.target,
                case.id,
                case.status.name(),
                case.message
            );
        }
    }
    let now: std::collections::HashSet<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
    for case in before.cases.iter().filter(|c| !now.contains(c.id.as_str())) {
        same = false;
        println!(
            "{}: {}: {} in the committed report, absent now",
            report.target,
            case.id,
            case.status.name()
        );
    }
    if same {
        println!("{}: reproduced: all {} cases as committed", report.target, report.cases.len());
    }
    Ok(same)
}
