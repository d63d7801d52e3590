//! `cargo xtask matrix clients|servers|proxies [NAME...]`: installs the third-party
//! implementations kept in harness-adapters/, checks each one through the
//! harness, writes its reports to reports/<kind>/<name>/ and renders the
//! matrix pages (reports/index.html, reports/<kind>/matrix.*, the README's
//! table).

mod browsers;
mod dimensions;
mod install;
mod manifest;
mod pages;
mod target;

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal as _;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};
use harness::report::{Report, Status};

use manifest::{Implementation, Protocol};

/// Clients or servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// SSE client libraries and the browsers (Chromium, Firefox, WebKit), through their adapters.
    Clients,
    /// SSE server frameworks, through small apps.
    Servers,
    /// The reference server behind real proxies from Debian, each as the
    /// distribution configures it and as its documentation says to
    /// configure it for streaming.
    Proxies,
}

impl Kind {
    /// Its folder in harness-adapters/ and reports/.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Clients => "clients",
            Self::Servers => "servers",
            Self::Proxies => "proxies",
        }
    }

    /// Its heading on the pages.
    pub fn title(self) -> &'static str {
        match self {
            Self::Clients => "Clients",
            Self::Servers => "Servers",
            Self::Proxies => "Proxies",
        }
    }

    fn manifest(self) -> &'static str {
        match self {
            Self::Clients => "adapter.toml",
            Self::Servers => "server.toml",
            Self::Proxies => "proxy.toml",
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each implementation is installed with its ecosystem's own package client at the versions \
pinned in its folder (cargo, npm ci, pip in a venv; a proxy with apt-get from Debian when \
missing), cached under target/matrix/, then checked with `check --client` or `check --server \
--publish` (a proxy: in front of the reference server, its version read from the binary). Third-party failures are \
results, not errors: the exit status is 0 when every implementation was checked, 1 when \
--compare found a case whose status differs from the committed report (after two reruns \
of that case), 2 when an \
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
    /// Check nothing: write the matrix pages (reports/index.html, the
    /// matrix.md and matrix.html of each kind, the README's table) again from
    /// the reports in reports/, as after a reference report was replaced.
    #[arg(long, conflicts_with_all = ["compare", "install_only", "load"])]
    pages_only: bool,
    /// Servers only: run just the load test with N subscribers
    /// (`check --case server.load --subscribers N`), write each report to
    /// reports/load/servers/<name>/ and the side-by-side table to
    /// reports/load/servers.md; the conformance reports and pages are left
    /// as they are.
    #[arg(long, value_name = "N", conflicts_with_all = ["compare", "install_only"])]
    load: Option<usize>,
    /// With --load: events published.
    #[arg(long, value_name = "M", default_value_t = 50, requires = "load")]
    load_events: usize,
    /// Proxies only: run just the idle check (`check --case server.idle
    /// --idle SECS`) with the upstream's heartbeat off, write each report to
    /// reports/proxies/idle/<name>/ and the table to reports/proxies/idle.md
    /// (which proxy cut a quiet stream, after how long); the other reports
    /// are left as they are. 70 meets the common 60 s timeouts.
    #[arg(long, value_name = "SECS", conflicts_with_all = ["compare", "install_only", "load", "pages_only"])]
    idle: Option<u64>,
    /// Clients only: check over this protocol (repeatable): h1 (http://,
    /// HTTP/1.1), h1-tls (https://), h2c (http://, HTTP/2 by prior
    /// knowledge), h2-tls (https://, HTTP/2). By default every protocol the
    /// client's adapter.toml says the library speaks; one it does not speak
    /// is named as such and left out. Reports of h1 go to
    /// reports/clients/<name>/, the others' to reports/clients/<name>/<protocol>/.
    #[arg(long, value_name = "PROTOCOL", conflicts_with_all = ["load", "idle", "pages_only"])]
    protocol: Vec<Protocol>,
    /// Check only the cases whose id starts with PREFIX (repeatable). With
    /// --compare, compare just those with the committed report, as CI does
    /// for a small family of a slow target (a browser). Without it, replace
    /// just those cases in the committed report (the others, and its start
    /// and duration, stay as they were; the summary is counted again), as
    /// after a change to those cases alone, where a whole browser run takes
    /// half an hour.
    #[arg(long = "case", value_name = "PREFIX", conflicts_with_all = ["load", "idle", "pages_only", "install_only"])]
    cases: Vec<String>,
}

/// What happened to one implementation over one protocol.
struct Outcome {
    name: String,
    protocol: Protocol,
    result: anyhow::Result<Report>,
}

/// The protocols `implementation` is checked over: those asked for (all it
/// speaks by default), h1 first. One it does not speak is said and left out.
fn protocols_to_check(implementation: &Implementation, asked: &[Protocol]) -> Vec<Protocol> {
    if implementation.protocols.is_empty() {
        return vec![Protocol::H1];
    }
    let mut chosen = Vec::new();
    for (protocol, support) in &implementation.protocols {
        if !asked.is_empty() && !asked.contains(protocol) {
            continue;
        }
        match support {
            Ok(()) => chosen.push(*protocol),
            Err(reason) if !asked.is_empty() => {
                eprintln!("    {}: not supported: {reason}", protocol.name());
            }
            Err(_) => {}
        }
    }
    chosen
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let root = crate::repo_root();
    let all = manifest::load(&root, args.kind)?;
    if args.list {
        for i in &all {
            // Clients: the protocols they are checked over.
            let spoken: Vec<&str> =
                i.protocols.iter().filter(|(_, support)| support.is_ok()).map(|(p, _)| p.name()).collect();
            println!(
                "{}\t{}\t{} {}\t{}{}",
                i.name,
                i.ecosystem.name(),
                i.library,
                i.version,
                i.check_args.join(" "),
                if spoken.is_empty() { String::new() } else { format!("\tprotocols: {}", spoken.join(" ")) }
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.pages_only {
        for path in pages::write(&root)? {
            println!("{}", path.display());
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
    if args.load.is_some() && args.kind != Kind::Servers {
        bail!("--load is for the server matrix: cargo xtask matrix servers --load N");
    }
    if args.idle.is_some() && args.kind != Kind::Proxies {
        bail!("--idle is for the proxy matrix: cargo xtask matrix proxies --idle SECS");
    }
    // The load's extra check arguments; the apps inherit this process's
    // open-file limit, so it is raised for both sides of every stream.
    let mut load_args: Vec<String> = match (args.load, args.idle) {
        (None, Some(secs)) => ["--case", "server.idle", "--idle", &secs.to_string(), "--timeout", "15"]
            .map(str::to_owned)
            .to_vec(),
        (Some(n), _) => {
            let _ = harness::open_files::raise_to(2 * n as u64 + 1024);
            [
                "--case",
                "server.load",
                "--subscribers",
                &n.to_string(),
                "--load-events",
                &args.load_events.to_string(),
            ]
            .map(str::to_owned)
            .to_vec()
        }
        (None, None) => Vec::new(),
    };
    load_args.extend(args.cases.iter().flat_map(|prefix| ["--case".to_owned(), prefix.clone()]));
    let reports = match (args.compare || !args.cases.is_empty(), args.load, args.idle) {
        (true, _, _) => root.join("target/matrix/reports"),
        (false, Some(_), _) => root.join("reports/load"),
        (false, None, Some(_)) => root.join("reports/proxies/idle"),
        (false, None, None) => root.join("reports"),
    };
    if !args.protocol.is_empty() && args.kind != Kind::Clients {
        bail!("--protocol is for the client matrix: servers and proxies are checked over HTTP/1.1");
    }
    let mut outcomes = Vec::new();
    let mut differ = false;
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
        let protocols = protocols_to_check(implementation, &args.protocol);
        let command = match install::install(&root, args.kind, implementation) {
            Ok(_) if args.install_only => {
                eprintln!("    installed");
                continue;
            }
            Ok(command) => command,
            Err(error) => {
                eprintln!("error: {name}: cannot install {name}: {error:#}");
                outcomes.push(Outcome { name: name.clone(), protocol: Protocol::H1, result: Err(error) });
                continue;
            }
        };
        for protocol in protocols {
            let base = if args.idle.is_some() {
                reports.join(name)
            } else {
                reports.join(args.kind.folder()).join(name)
            };
            let out = protocol.folder(&base);
            let mut extra = load_args.clone();
            extra.extend(protocol.check_args().iter().map(|a| (*a).to_owned()));
            let over = implementation.protocol_args.get(&protocol).cloned().unwrap_or_default();
            extra.extend(over.iter().cloned());
            if protocol != Protocol::H1 {
                eprintln!("    over {}", protocol.title());
            }
            // Where this protocol's committed report is, whichever folder
            // this run writes to.
            let committed = protocol.folder(&root.join("reports").join(args.kind.folder()).join(name));
            let result = check(&root, args.kind, implementation, &command, &out, &extra, args.idle).and_then(
                |report| {
                    if args.compare {
                        let committed_json = committed.join("report.json");
                        let reproduced = reproduce(&committed_json, &report, &args.cases, |ids| {
                            let mut only: Vec<String> =
                                ids.iter().flat_map(|id| ["--case".to_owned(), id.clone()]).collect();
                            only.extend(protocol.check_args().iter().map(|a| (*a).to_owned()));
                            only.extend(over.iter().cloned());
                            check(&root, args.kind, implementation, &command, &out.join("rerun"), &only, None)
                        })?;
                        differ |= !reproduced;
                    } else if !args.cases.is_empty() {
                        return replace_cases(&committed, &report, &args.cases);
                    }
                    Ok(report)
                },
            );
            match &result {
                Ok(report) => eprintln!("    {}", counts(report)),
                Err(error) => eprintln!("error: {name} ({}): {error:#}", protocol.name()),
            }
            outcomes.push(Outcome { name: name.clone(), protocol, result });
        }
    }
    let broken: Vec<String> = outcomes
        .iter()
        .filter(|o| o.result.is_err())
        .map(|o| {
            if o.protocol == Protocol::H1 {
                o.name.clone()
            } else {
                format!("{} ({})", o.name, o.protocol.name())
            }
        })
        .collect();
    if args.load.is_some() {
        let path = root.join("reports/load/servers.md");
        let page = load_table(&outcomes, args.load.unwrap_or_default(), args.load_events);
        std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", path.display());
    } else if let Some(secs) = args.idle {
        let path = root.join("reports/proxies/idle.md");
        std::fs::write(&path, idle_table(&outcomes, secs))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", path.display());
    } else if !args.compare && !args.install_only {
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
    extra: &[String],
    idle: Option<u64>,
) -> anyhow::Result<Report> {
    let exe = std::env::current_exe().context("cannot find this program to run check")?;
    let mut check = Command::new(exe);
    check.arg("check").arg("--name").arg(&implementation.name).arg("--out").arg(out).args(extra);
    if !std::io::stderr().is_terminal() {
        check.arg("--no-progress");
    }
    check.args(&implementation.check_args).stdin(Stdio::null()).stdout(Stdio::null());
    if let Some(version) = install::version_that_runs(implementation, command) {
        check.arg("--target-version").arg(version);
    }
    let _running = match kind {
        Kind::Clients => {
            check.arg("--client").arg(command.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" "));
            None
        }
        Kind::Servers | Kind::Proxies => {
            let log = root.join("target/matrix/logs").join(format!("{}.log", implementation.name));
            let running = target::start(implementation, command, &log, idle.is_some())?;
            check
                .arg("--server")
                .arg(format!("{}/events", running.base))
                .arg("--publish")
                .arg(format!("{}/publish", running.publish_base));
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

/// Replaces, in the committed report in `dir`, the cases `partial` checked
/// (those whose id starts with one of `only`), in place; the others, and the
/// report's start and duration, stay; the summary is counted again and the
/// four files are written anew. A case `partial` has and the committed report
/// lacks (or the reverse), or another version of the target, asks for a
/// whole run instead.
fn replace_cases(dir: &Path, partial: &Report, only: &[String]) -> anyhow::Result<Report> {
    let path = dir.join("report.json");
    let bytes = std::fs::read(&path)
        .with_context(|| format!("cannot read {}: run the whole target", path.display()))?;
    let mut committed: Report =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not a report.json", path.display()))?;
    if committed.target_version != partial.target_version {
        bail!(
            "{} is of version {:?}, this run of {:?}: run the whole target",
            path.display(),
            committed.target_version,
            partial.target_version
        );
    }
    let mut fresh: HashMap<&str, &harness::report::CaseReport> =
        partial.cases.iter().map(|case| (case.id.as_str(), case)).collect();
    let mut missing = Vec::new();
    for case in
        committed.cases.iter_mut().filter(|c| only.iter().any(|prefix| c.id.starts_with(prefix.as_str())))
    {
        match fresh.remove(case.id.as_str()) {
            Some(new) => *case = new.clone(),
            None => missing.push(case.id.clone()),
        }
    }
    let first_odd = missing.into_iter().next().or_else(|| fresh.keys().next().map(|id| (*id).to_owned()));
    if let Some(id) = first_odd {
        bail!("the cases of {} and of this run differ ({id}, first): run the whole target", path.display());
    }
    committed.summary = harness::report::Summary::of(&committed.cases);
    committed.write_to(dir).with_context(|| format!("cannot write the report to {}", dir.display()))?;
    eprintln!("    replaced {} case(s) in {}", partial.cases.len(), path.display());
    Ok(committed)
}

/// How many times a case that differs from the committed report is run
/// again before the difference counts.
const RERUNS: usize = 2;

/// Whether `report` reproduces the committed report case by case (those
/// whose id starts with one of `only`, when it names any). A case
/// whose status differs is run again (up to [`RERUNS`] times): some
/// libraries' results hang on how the network splits the served writes,
/// which the harness paces but cannot fix, so a case that gives the
/// committed status on a rerun is reproduced (and named as flaky). Prints
/// every difference that remains.
fn reproduce(
    committed: &Path,
    report: &Report,
    only: &[String],
    mut rerun: impl FnMut(&[String]) -> anyhow::Result<Report>,
) -> anyhow::Result<bool> {
    let bytes = std::fs::read(committed)
        .with_context(|| format!("cannot read the committed {}", committed.display()))?;
    let mut before: Report =
        serde_json::from_slice(&bytes).with_context(|| format!("{} is not a report", committed.display()))?;
    if !only.is_empty() {
        before.cases.retain(|c| only.iter().any(|prefix| c.id.starts_with(prefix.as_str())));
    }
    // A new version of what ran is said, not counted: the statuses decide.
    if before.target_version != report.target_version {
        println!(
            "{}: version changed: {} in the committed report, {} now",
            report.target,
            before.target_version.as_deref().unwrap_or("none recorded"),
            report.target_version.as_deref().unwrap_or("none recorded")
        );
    }
    let was: HashMap<String, Status> = before.cases.iter().map(|c| (c.id.clone(), c.status)).collect();
    let now: HashMap<&str, &harness::report::CaseReport> =
        report.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut same = true;
    for case in before.cases.iter().filter(|c| !now.contains_key(c.id.as_str())) {
        same = false;
        println!(
            "{}: {}: {} in the committed report, absent now",
            report.target,
            case.id,
            case.status.name()
        );
    }
    let mut differing: Vec<&harness::report::CaseReport> =
        report.cases.iter().filter(|c| was.get(&c.id) != Some(&c.status)).collect();
    let mut flaky = Vec::new();
    for _ in 0..RERUNS {
        if differing.is_empty() {
            break;
        }
        let ids: Vec<String> = differing.iter().map(|c| c.id.clone()).collect();
        let again = rerun(&ids)?;
        let matched: HashSet<&str> =
            again.cases.iter().filter(|c| was.get(&c.id) == Some(&c.status)).map(|c| c.id.as_str()).collect();
        flaky.extend(differing.iter().filter(|c| matched.contains(c.id.as_str())).map(|c| c.id.clone()));
        differing.retain(|c| !matched.contains(c.id.as_str()));
    }
    for case in &differing {
        same = false;
        let was = was.get(&case.id).map_or("absent", |s| s.name());
        println!(
            "{}: {}: {was} in the committed report, {} now (and on {RERUNS} reruns): {}",
            report.target,
            case.id,
            case.status.name(),
            case.message
        );
    }
    if same {
        let flaky = if flaky.is_empty() {
            String::new()
        } else {
            format!("; {} only on a rerun (flaky in this target): {}", flaky.len(), flaky.join(", "))
        };
        println!("{}: reproduced: all {} cases as committed{flaky}", report.target, report.cases.len());
    }
    Ok(same)
}

/// reports/proxies/idle.md: which proxy cut a quiet stream, and when.
fn idle_table(outcomes: &[Outcome], secs: u64) -> String {
    let mut page = format!(
        "# Proxies and a quiet stream\n\nWritten by `cargo xtask matrix proxies --idle {secs}`: each proxy of \
harness-adapters/proxies/ in front of the reference server with its heartbeat off, one stream held open for {secs} s \
with nothing published, then one event published that must still arrive on it (`check --case server.idle --idle {secs}`). \
The reports are in [idle/](idle/). What each cut means and the configuration that avoids it is in [README.md](README.md).\n\n\
| proxy | status | what happened |\n|---|---|---|\n"
    );
    for outcome in outcomes {
        let Ok(report) = &outcome.result else {
            page.push_str(&format!("| {} | not checked | |\n", outcome.name));
            continue;
        };
        let case = report.cases.iter().find(|c| c.id == "server.idle.survival");
        page.push_str(&format!(
            "| [{name}](idle/{name}/report.md) | {} | {} |\n",
            case.map_or("absent", |c| c.status.name()),
            case.map_or(String::new(), |c| c.message.replace('|', "/")),
            name = outcome.name,
        ));
    }
    page
}

/// reports/load/servers.md: each server's load cases side by side.
fn load_table(outcomes: &[Outcome], subscribers: usize, events: usize) -> String {
    let mut page = format!(
        "# The server matrix under load\n\nWritten by `cargo xtask matrix servers --load {subscribers} --load-events {events}`: \
each server of harness-adapters/servers/ with {subscribers} subscribers at once and {events} events \
published through its publish endpoint, one every 50 ms (`check --case server.load`). The reports are in \
[servers/](servers/); the 10,000-subscriber figure of the reference server is in [README.md](README.md). \
A `fail` names what went wrong in its report: streams that did not open, events lost, out of order or \
twice. Latency is from the publish request to the event decoded at a subscriber, on one 2-core \
machine that also runs the harness, so compare it between rows, not with production.\n\n\
| server | subscribe | loss | order | fan-out latency |\n|---|---|---|---|---|\n"
    );
    for outcome in outcomes {
        let Ok(report) = &outcome.result else {
            page.push_str(&format!("| {} | not checked | | | |\n", outcome.name));
            continue;
        };
        let case = |id: &str| report.cases.iter().find(|c| c.id == id);
        let status = |id: &str| case(id).map_or("absent", |c| c.status.name());
        let latency =
            case("server.load.fan-out-latency").map_or(String::new(), |c| c.message.replace('|', "/"));
        page.push_str(&format!(
            "| [{name}](servers/{name}/report.md) | {} | {} | {} | {latency} |\n",
            status("server.load.subscribe"),
            status("server.load.loss"),
            status("server.load.order"),
            name = outcome.name,
        ));
    }
    page
}

#[cfg(test)]
mod tests {
    use harness::report::CaseReport;
    use serde_json::json;

    use super::*;

    fn report(version: &str, cases: &[(&str, Status, &str)]) -> Report {
        let cases = cases
            .iter()
            .map(|(id, status, message)| CaseReport {
                id: (*id).to_owned(),
                title: String::new(),
                spec: Vec::new(),
                status: *status,
                expected: json!(null),
                observed: json!(null),
                message: (*message).to_owned(),
                baseline: None,
            })
            .collect();
        let mut report = Report::new("t", "client", "2026-12-05T00:00:00Z".to_owned(), 1000, cases);
        report.target_version = Some(version.to_owned());
        report
    }

    #[test]
    fn replacing_cases_keeps_the_others_and_their_order_and_counts_again() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let committed = report(
            "1",
            &[
                ("a.x", Status::Pass, "old"),
                ("b.y", Status::Pass, "old"),
                ("b.z", Status::Fail, "old"),
                ("c", Status::Info, "old"),
            ],
        );
        committed.write_to(dir.path()).expect("written");
        let partial = report("1", &[("b.y", Status::Fail, "new"), ("b.z", Status::Pass, "new")]);
        let merged = replace_cases(dir.path(), &partial, &["b.".to_owned()]).expect("replaced");
        let read: Report =
            serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).expect("read"))
                .expect("a report");
        assert_eq!(read.summary, merged.summary);
        let cases: Vec<(&str, Status, &str)> =
            read.cases.iter().map(|c| (c.id.as_str(), c.status, c.message.as_str())).collect();
        assert_eq!(
            cases,
            [
                ("a.x", Status::Pass, "old"),
                ("b.y", Status::Fail, "new"),
                ("b.z", Status::Pass, "new"),
                ("c", Status::Info, "old")
            ]
        );
        assert_eq!((read.summary.pass, read.summary.fail, read.summary.info), (2, 1, 1));
        assert_eq!((read.started.as_str(), read.duration_ms), ("2026-12-05T00:00:00Z", 1000));
    }

    #[test]
    fn replacing_cases_refuses_other_cases_or_another_version() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let committed = report("1", &[("a.x", Status::Pass, "old"), ("b.y", Status::Pass, "old")]);
        committed.write_to(dir.path()).expect("written");
        let before = std::fs::read(dir.path().join("report.json")).expect("read");
        for (partial, only) in [
            (report("1", &[("b.new", Status::Pass, "new")]), "b."),
            (report("1", &[]), "a."),
            (report("2", &[("b.y", Status::Pass, "new")]), "b."),
        ] {
            let error = replace_cases(dir.path(), &partial, &[only.to_owned()]).expect_err("refused");
            assert!(error.to_string().contains("run the whole target"), "{error:#}");
        }
        assert_eq!(std::fs::read(dir.path().join("report.json")).expect("read"), before);
    }
}
