//! `cargo xtask check --client "CMD ARG..."` (../shared/contracts.md
//! sections 3 and 5).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use harness::client_mode::{self, adapter::AdapterCommand, cases::Need};
use harness::reference_server::{self, ReferenceServer};
use harness::report::{Report, Status, rfc3339};
use harness::server_mode;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
With no --client or --server, the check runs the embedded defaults: the reference \
server (cargo xtask serve) through server mode and the reference client (cargo xtask client) \
through client mode, so a fresh checkout shows the whole suite working.

The adapter command is run once per case as `CMD ARG... URL` (URL also in SSE_URL; \
SSE_EVENT_TYPES lists the event types the case may dispatch besides message). It prints \
event lines (JSON Lines) on stdout until it is killed or its stdin closes: \
{\"kind\":\"open\"}, {\"kind\":\"event\",\"type\":T,\"data\":D,\"lastEventId\":I}, \
{\"kind\":\"error\",\"readyState\":0|2}; retry and comment lines are optional. \
See README.md, \"Checking a client\".

Exit status: 0 no case failed, 1 one or more failed, 2 the check could not run.")]
pub struct Args {
    /// Check an SSE client: its adapter command, as one shell-quoted string.
    #[arg(long, value_name = "CMD ARG...", conflicts_with = "server")]
    client: Option<String>,
    /// Check an SSE server: the URL of its event stream.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// With --server: the URL that takes published events as JSON
    /// ({"event","data","id","retry"}, all optional), for the round-trip checks.
    #[arg(long, value_name = "URL", requires = "server")]
    publish: Option<String>,
    /// With --server: seconds the stream is read for the passive checks.
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    duration: f64,
    /// With --server: the most bytes read for the passive checks.
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    max_bytes: usize,
    /// With --server: seconds of silence on the stream that earn a warning.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    heartbeat_limit: f64,
    /// The adapter's library cannot reconnect: cases that need it are skipped.
    #[arg(long)]
    no_reconnect: bool,
    /// The library exposes no lastEventId and sends no Last-Event-ID: those cases
    /// are skipped and lastEventId is left out of every comparison.
    #[arg(long)]
    no_last_event_id: bool,
    /// The library ignores retry: cases that need it are skipped.
    #[arg(long)]
    no_retry: bool,
    /// Run only the cases whose id starts with PREFIX (repeatable).
    #[arg(long = "case", value_name = "PREFIX")]
    cases: Vec<String>,
    /// Leave out the cases whose id starts with PREFIX (repeatable).
    #[arg(long = "skip", value_name = "PREFIX")]
    skips: Vec<String>,
    /// Where to write report.json, report.md and junit.xml
    /// [default: reports/<target-name>/].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seconds a case may wait for what it expects (on top of the delays its
    /// scenario asks for).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Milliseconds a case keeps watching after everything expected happened,
    /// to catch extra events and requests.
    #[arg(long, value_name = "MS", default_value_t = 400)]
    quiet_ms: u64,
    /// Cases run at once.
    #[arg(long, value_name = "N", default_value_t = 24)]
    jobs: usize,
    /// Print the selected cases (id, level, title) and exit without running them.
    #[arg(long)]
    list: bool,
    /// No progress lines on stderr.
    #[arg(long)]
    no_progress: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    for (value, flag) in [
        (args.timeout, "--timeout"),
        (args.duration, "--duration"),
        (args.heartbeat_limit, "--heartbeat-limit"),
    ] {
        if !(value.is_finite() && value > 0.0) {
            bail!("{flag} must be a positive number of seconds");
        }
    }
    match (&args.client, &args.server) {
        (Some(client), _) => run_client(args, client),
        (None, Some(server)) => run_server(args, server),
        (None, None) => run_self_check(args),
    }
}

fn client_options(args: &Args, adapter: AdapterCommand) -> client_mode::Options {
    let mut lacks = Vec::new();
    if args.no_reconnect {
        lacks.push(Need::Reconnect);
    }
    if args.no_last_event_id {
        lacks.push(Need::LastEventId);
    }
    if args.no_retry {
        lacks.push(Need::Retry);
    }
    client_mode::Options {
        adapter,
        lacks,
        timeout: Duration::from_secs_f64(args.timeout),
        quiet: Duration::from_millis(args.quiet_ms),
        jobs: args.jobs,
        progress: !args.no_progress,
    }
}

fn server_options(args: &Args, url: &str, publish: Option<String>) -> server_mode::Options {
    server_mode::Options {
        url: url.to_owned(),
        publish,
        duration: Duration::from_secs_f64(args.duration),
        max_bytes: args.max_bytes,
        timeout: Duration::from_secs_f64(args.timeout),
        heartbeat_limit: Duration::from_secs_f64(args.heartbeat_limit),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

fn run_client(args: &Args, client: &str) -> anyhow::Result<ExitCode> {
    let adapter = AdapterCommand::parse(client).map_err(anyhow::Error::msg)?;
    let cases = client_mode::select(&args.cases, &args.skips)?;
    if cases.is_empty() {
        bail!("no case matches the --case / --skip prefixes given (see --list)");
    }
    if args.list {
        let mut stdout = std::io::stdout().lock();
        for case in &cases {
            writeln!(stdout, "{}\t{:?}\t{}", case.id, case.level, case.title)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    check_executable(&adapter.program)?;
    let out = args.out.clone().unwrap_or_else(|| Path::new("reports").join(target_name(client)));
    check_writable(&out)?;
    let options = client_options(args, adapter);
    let started = SystemTime::now();
    let clock = Instant::now();
    let runtime = runtime()?;
    let cases = runtime.block_on(client_mode::run(cases, &options))?;
    let report = finish(client, "client", (started, clock), cases, &out)?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(ExitCode::from(report.exit_code()))
}

fn run_server(args: &Args, server: &str) -> anyhow::Result<ExitCode> {
    let out = args.out.clone().unwrap_or_else(|| Path::new("reports").join(target_name(server)));
    check_writable(&out)?;
    let options = server_options(args, server, args.publish.clone());
    let started = SystemTime::now();
    let clock = Instant::now();
    let runtime = runtime()?;
    let findings = runtime.block_on(server_mode::run(&options))?;
    let report = finish(server, "server", (started, clock), findings, &out)?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(ExitCode::from(report.exit_code()))
}

/// The main job: the reference server through server mode and the reference
/// client through client mode.
fn run_self_check(args: &Args) -> anyhow::Result<ExitCode> {
    let out = args.out.clone().unwrap_or_else(|| Path::new("reports").join("self-check"));
    check_writable(&out)?;
    let runtime = runtime()?;
    let server = runtime
        .block_on(ReferenceServer::start(([127, 0, 0, 1], 0).into(), reference_server::Config::default()))
        .context("cannot start the reference server on 127.0.0.1")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "== server mode: the reference server at {}", server.events_url())?;
    let options = server_options(args, &server.events_url(), Some(server.publish_url()));
    let (started, clock) = (SystemTime::now(), Instant::now());
    let findings = runtime.block_on(server_mode::run(&options))?;
    drop(stdout);
    let server_report =
        finish(&server.events_url(), "server", (started, clock), findings, &out.join("server"))?;

    let exe = std::env::current_exe().context("cannot find this program to run its reference client")?;
    let command = format!("'{}' client", exe.display().to_string().replace('\'', "'\\''"));
    writeln!(std::io::stdout().lock(), "== client mode: the reference client ({command})")?;
    let adapter = AdapterCommand::parse(&command).map_err(anyhow::Error::msg)?;
    let cases = client_mode::select(&args.cases, &args.skips)?;
    let options = client_options(args, adapter);
    let (started, clock) = (SystemTime::now(), Instant::now());
    let cases = runtime.block_on(client_mode::run(cases, &options))?;
    let client_report = finish("cargo xtask client", "client", (started, clock), cases, &out.join("client"))?;
    drop(server);
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(ExitCode::from(server_report.exit_code().max(client_report.exit_code())))
}

/// Builds the report of a run that started at `started`, writes it to `out`
/// and prints its summary.
fn finish(
    target: &str,
    mode: &str,
    (started, clock): (SystemTime, Instant),
    cases: Vec<harness::report::CaseReport>,
    out: &Path,
) -> anyhow::Result<Report> {
    let report = Report::new(target, mode, rfc3339(started), clock.elapsed().as_millis() as u64, cases);
    report.write_to(out).with_context(|| format!("cannot write the report to {}", out.display()))?;
    print_summary(&report, out)?;
    Ok(report)
}

/// A short name for the report folder: the command's words, lowercase,
/// joined by '-'.
fn target_name(command: &str) -> String {
    let name: String = command
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let name: String = name.chars().take(60).collect();
    if name.is_empty() { "client".to_owned() } else { name }
}

/// Bad input from the user is one clear error before any case runs.
fn check_executable(program: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let is_executable =
        |path: &Path| path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if program.contains('/') {
        if is_executable(Path::new(program)) {
            return Ok(());
        }
        bail!("the adapter {program:?} is not an executable file");
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    if std::env::split_paths(&path).any(|dir| is_executable(&dir.join(program))) {
        return Ok(());
    }
    bail!("the adapter {program:?} is not found on PATH or not executable")
}

fn check_writable(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the report folder {}", out.display()))?;
    let probe = out.join(".ssecheck-write-test");
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write to the report folder {}", out.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn print_summary(report: &Report, out: &Path) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    for case in report.cases.iter().filter(|c| matches!(c.status, Status::Fail | Status::Warn)) {
        writeln!(stdout, "{:<4} {}: {}", case.status.name(), case.id, case.message)?;
    }
    let s = &report.summary;
    writeln!(
        stdout,
        "{} passed, {} failed, {} warned, {} info, {} skipped in {:.1} s; report in {}",
        s.pass,
        s.fail,
        s.warn,
        s.info,
        s.skip,
        report.duration_ms as f64 / 1000.0,
        out.display()
    )
}
