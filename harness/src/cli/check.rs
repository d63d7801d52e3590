//! `check`: `--client "CMD ARG..."`, `--server URL [--publish URL]`, or with
//! neither the self-check of the references (../shared/contracts.md sections
//! 3 to 5).

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};

use super::progress::Progress;
use crate::client_mode::{self, adapter::AdapterCommand, cases::Need};
use crate::http_client;
use crate::reference_server::{self, ReferenceServer};
use crate::registry::{self, Entry, Mode};
use crate::report::{CaseReport, KeptBytes, Report, Status, TransportSummary, rfc3339};
use crate::server_mode;
use crate::tls::Trust;

#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "\
With no --client or --server, the check runs the embedded defaults: the reference \
server (the serve command) through server mode and the reference client (the client command) \
through client mode, so a fresh checkout shows the whole suite working.

The adapter command is run once per case as `CMD ARG... URL` (URL also in SSE_URL; \
SSE_EVENT_TYPES lists the event types the case may dispatch besides message). It prints \
event lines (JSON Lines) on stdout until it is killed or its stdin closes: \
{\"kind\":\"open\"}, {\"kind\":\"event\",\"type\":T,\"data\":D,\"lastEventId\":I}, \
{\"kind\":\"error\",\"readyState\":0|2}; retry and comment lines are optional. \
See README.md, \"Checking a client\".

Client mode serves HTTP/1.1 on http:// unless told otherwise: --http2 serves HTTP/2 only \
(prior knowledge on http://), --tls serves https:// with a CA made for the run (ALPN \
http/1.1, or only h2 with --http2). The adapter gets SSE_HTTP_VERSION (1.1 or 2: what is \
served; 2 on http:// means prior knowledge) and, with --tls, the CA's PEM file in \
SSE_CA_FILE and in SSL_CERT_FILE, NODE_EXTRA_CA_CERTS and REQUESTS_CA_BUNDLE.

Levels: a MUST case that deviates fails, a SHOULD case warns (--strict: fails), an info \
case only names the behaviour seen.

Exit status: 0 no case failed, 1 one or more failed (with --baseline: one or more failed \
that did not fail in the baseline), 2 the check could not run or was interrupted (Ctrl-C; \
the report is still written, unfinished cases marked skip).")]
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
    /// With --server: a request header `NAME: VALUE` (repeatable), sent on
    /// every request (stream, publish, HEAD, OPTIONS). `${VAR}` in VALUE is
    /// replaced by the environment variable VAR, so a token stays out of
    /// shell history (quote it: 'Authorization: Bearer ${API_TOKEN}');
    /// reports name the headers but never record their values.
    #[arg(long = "header", value_name = "NAME: VALUE", requires = "server")]
    headers: Vec<String>,
    /// With --server: the method of the stream request [default: GET, or
    /// POST when a body is given].
    #[arg(long, value_name = "METHOD", requires = "server")]
    method: Option<String>,
    /// With --server: the body of the stream request, for endpoints that
    /// stream the response of a POST (LLM-style APIs). Without a
    /// Content-Type header it is sent as application/json when it is JSON,
    /// else as text/plain.
    #[arg(long, value_name = "TEXT", requires = "server", conflicts_with = "body_file")]
    body: Option<String>,
    /// With --server: the body of the stream request, read from FILE (`-`:
    /// standard input).
    #[arg(long, value_name = "FILE", requires = "server")]
    body_file: Option<PathBuf>,
    /// With an https:// URL: also trust the CA certificates in this PEM file
    /// (a private CA), or the server's own self-signed certificate (its name
    /// and validity are still checked); the platform's roots are trusted by
    /// default.
    #[arg(long, value_name = "FILE", requires = "server", conflicts_with = "insecure")]
    ca_file: Option<PathBuf>,
    /// With an https:// URL: do not verify the server's certificate. Said on
    /// stderr and in the report; never use it to judge a production setup.
    #[arg(long, requires = "server")]
    insecure: bool,
    /// With --server on an http:// URL: speak HTTP/2 at once (h2c with prior
    /// knowledge). Over https, HTTP/2 is used whenever the server offers it
    /// in ALPN.
    #[arg(long, requires = "server")]
    http2_prior_knowledge: bool,
    /// With --server on an https:// URL: offer only HTTP/1.1 in ALPN.
    #[arg(long, requires = "server", conflicts_with = "http2_prior_knowledge")]
    http1: bool,
    /// With --server: seconds of silence on the stream that earn a warning.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    heartbeat_limit: f64,
    /// The version of the target, as it reports itself (`nginx -v`, a
    /// package's version): recorded in the report as `target_version`.
    #[arg(long, value_name = "TEXT")]
    target_version: Option<String>,
    /// With --server: milliseconds an event published alone may take to
    /// reach a subscriber (server.delivery.*, server.slow-consumer.others);
    /// one that waits longer was held back by a buffer, and the finding says
    /// for how long and how much more traffic pushed it out.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    latency_limit: u64,
    /// With --server and --publish: the server replays, after a reconnection
    /// with Last-Event-ID, the events the subscriber missed (the standard
    /// leaves that to the server): check it does so exactly once, in order
    /// (server.resume.*; skipped without this flag).
    #[arg(long)]
    resume: bool,
    /// With --server: hold one stream open through SECS of quiet with
    /// nothing published (server.idle.survival): a cut says how and when, and
    /// the heartbeat interval that would have kept it. Use 60 or more to
    /// meet common proxy and load-balancer timeouts; skipped without it.
    #[arg(long, value_name = "SECS")]
    idle: Option<f64>,
    #[command(flatten)]
    load: super::load::LoadArgs,
    /// Client mode: serve every case over HTTP/2 only (h2c with prior
    /// knowledge; with --tls, ALPN h2). Also the self-check's client half.
    #[arg(long, conflicts_with = "server")]
    http2: bool,
    /// Client mode: serve https:// with a loopback CA made for the run (its
    /// PEM file in SSE_CA_FILE). Also the self-check's client half.
    #[arg(long, conflicts_with = "server")]
    tls: bool,
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
    /// The adapter offers an optional feature of the contract (repeatable):
    /// headers (SSE_HEADERS), initial-last-event-id (SSE_LAST_EVENT_ID), close
    /// (stdin `close`), method-body (SSE_METHOD, SSE_BODY), read-timeout
    /// (SSE_READ_TIMEOUT_MS), restart (stdin `restart`). Cases of undeclared
    /// features are skipped.
    #[arg(long = "capability", value_name = "NAME", value_parser = capability)]
    capabilities: Vec<Option<Need>>,
    /// Run only the cases whose id starts with PREFIX (repeatable).
    #[arg(long = "case", value_name = "PREFIX")]
    cases: Vec<String>,
    /// Leave out the cases whose id starts with PREFIX (repeatable).
    #[arg(long = "skip", value_name = "PREFIX")]
    skips: Vec<String>,
    /// Warnings fail too (exit status 1).
    #[arg(long)]
    strict: bool,
    /// A failure known to be the target's deliberate deviation from the
    /// standard (repeatable), as PREFIX=REASON: a failing case whose id starts
    /// with PREFIX is reported `info` with REASON. Meant for browsers, whose
    /// behaviour is what the web does even where it departs from the text.
    #[arg(long = "known-deviation", value_name = "PREFIX=REASON", value_parser = known_deviation)]
    known_deviations: Vec<(String, String)>,
    /// The target's name in the report and its default report folder
    /// [default: the command's words, or the URL].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Compare with an earlier report.json of the same target: each case is
    /// marked new-fail, fixed or unchanged, and only new failures set exit
    /// status 1.
    #[arg(long, value_name = "REPORT.JSON")]
    baseline: Option<PathBuf>,
    /// Where to write report.json, report.md, report.html and junit.xml
    /// [default: reports/<target-name>/, or reports/self-check/{server,client}/].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write every byte of each long value the report shows as an
    /// excerpt into bytes/<sha256>.bin beside report.json (arrays as
    /// .json), named from the excerpt.
    #[arg(long)]
    keep_bytes: bool,
    /// What stdout gets: a human summary, or the report as one JSON line.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Seconds a case may wait for what it expects (on top of the delays its
    /// scenario asks for); with --server, the deadline of every request.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Milliseconds a case keeps watching after everything expected happened,
    /// to catch extra events and requests.
    #[arg(long, value_name = "MS", default_value_t = 400)]
    quiet_ms: u64,
    /// Cases run at once.
    #[arg(long, value_name = "N", default_value_t = 24)]
    jobs: usize,
    /// Print the selected cases of the registry (id, level, needs, title) and
    /// exit without running them.
    #[arg(long)]
    list: bool,
    /// With --list: print the registry as JSON.
    #[arg(long, requires = "list")]
    json: bool,
    /// No progress on stderr.
    #[arg(long)]
    no_progress: bool,
}

/// What stdout gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Failures and warnings, one a line, then the counts.
    Human,
    /// The report, as report.json holds it, on one line.
    Json,
}

/// One finished (or interrupted) check and where its report went.
#[derive(Debug)]
struct Run {
    report: Report,
    interrupted: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    for (value, flag) in [
        (args.timeout, "--timeout"),
        (args.duration, "--duration"),
        (args.heartbeat_limit, "--heartbeat-limit"),
        (args.idle.unwrap_or(1.0), "--idle"),
    ] {
        if !(value.is_finite() && value > 0.0) {
            bail!("{flag} must be a positive number of seconds");
        }
    }
    args.load.validate(args.server.is_some(), args.publish.is_some())?;
    if args.list {
        return list(args);
    }
    let baseline = match &args.baseline {
        Some(_) if args.client.is_none() && args.server.is_none() => {
            bail!("--baseline compares one target's reports: give --client or --server")
        }
        Some(path) => Some(read_baseline(path)?),
        None => None,
    };
    let runs = match (&args.client, &args.server) {
        (Some(client), _) => {
            let name = args.name.as_deref().unwrap_or(client);
            let out = args.out.clone().unwrap_or_else(|| Path::new("reports").join(target_name(name)));
            vec![check_client(args, client, name, &out, baseline.as_ref())?]
        }
        (None, Some(server)) => {
            let name = args.name.as_deref().unwrap_or(server);
            let out = args.out.clone().unwrap_or_else(|| Path::new("reports").join(target_name(name)));
            vec![check_server(args, server, name, &out, baseline.as_ref())?]
        }
        (None, None) => self_check(args)?,
    };
    if !args.no_progress {
        if let Some(kib) = super::progress::peak_memory_kib() {
            eprintln!("ssecheck: peak memory {:.1} MiB", kib as f64 / 1024.0);
        }
    }
    if runs.iter().any(|run| run.interrupted) {
        eprintln!("error: interrupted: the report marks the cases that did not finish");
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::from(runs.iter().map(|run| run.report.exit_code()).max().unwrap_or(0)))
}

/// `--list [--json]`: the registry entries the mode and prefixes select.
fn list(args: &Args) -> anyhow::Result<ExitCode> {
    let mut entries = Vec::new();
    if args.server.is_none() {
        entries.extend(registry::client().context("cannot read the fixture corpus")?);
    }
    if args.client.is_none() {
        entries.extend(registry::server());
    }
    entries.retain(|entry| registry::selected(&entry.id, &args.cases, &args.skips));
    if entries.is_empty() {
        bail!("no case matches the --case / --skip prefixes given");
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&entries)?)?;
    } else {
        for Entry { id, title, level, needs, .. } in &entries {
            let needs: Vec<&str> = needs.iter().map(|need| need.name()).collect();
            let needs = if needs.is_empty() { "-".to_owned() } else { needs.join(",") };
            writeln!(stdout, "{id}\t{}\t{needs}\t{title}", level.name())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_baseline(path: &Path) -> anyhow::Result<Report> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read the baseline {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("the baseline {} is not an ssecheck report.json", path.display()))
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
        declared: args.capabilities.iter().flatten().copied().collect(),
        timeout: Duration::from_secs_f64(args.timeout),
        quiet: Duration::from_millis(args.quiet_ms),
        jobs: args.jobs,
        protocol: client_mode::server::Protocol { http2: args.http2, tls: args.tls },
    }
}

/// The report's transport line of a client run: what the harness served.
fn served_transport(protocol: client_mode::server::Protocol) -> TransportSummary {
    TransportSummary {
        protocol: protocol.name().to_owned(),
        tls: protocol.tls.then(|| "TLS (the harness's loopback CA)".to_owned()),
        certificate_verified: None,
    }
}

/// A `--capability` name of ../shared/contracts.md section 3.
fn capability(name: &str) -> Result<Option<Need>, String> {
    if let Some(found) = registry::OPTIONAL.iter().find(|c| c.name() == name) {
        return Ok(Some(*found));
    }
    Err("one of headers, initial-last-event-id, close, method-body, read-timeout, restart".to_owned())
}

/// A `--known-deviation` value: `PREFIX=REASON`, both non-empty.
fn known_deviation(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((prefix, reason)) if !prefix.trim().is_empty() && !reason.trim().is_empty() => {
            Ok((prefix.trim().to_owned(), reason.trim().to_owned()))
        }
        _ => Err("expected PREFIX=REASON, e.g. connection.status.204=\"the browser ...\"".to_owned()),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

/// A case that did not finish because the run was interrupted.
fn unfinished(entry: &Entry) -> CaseReport {
    CaseReport::skipped(entry, "unfinished: the run was interrupted (Ctrl-C)")
}

/// Client mode: `command` is the adapter, `target` its name in the report.
fn check_client(
    args: &Args,
    command: &str,
    target: &str,
    out: &Path,
    baseline: Option<&Report>,
) -> anyhow::Result<Run> {
    let adapter = AdapterCommand::parse(command).map_err(anyhow::Error::msg)?;
    let cases = client_mode::select(&args.cases, &args.skips).context("cannot read the fixture corpus")?;
    if cases.is_empty() {
        bail!("no case matches the --case / --skip prefixes given (see --list)");
    }
    check_executable(&adapter.program)?;
    check_writable(out)?;
    let options = client_options(args, adapter);
    let registered: Vec<Entry> = cases.iter().map(Entry::from).collect();
    let progress = Arc::new(Progress::new(cases.len(), !args.no_progress));
    let finished: Arc<Mutex<Vec<Option<CaseReport>>>> = Arc::new(Mutex::new(vec![None; cases.len()]));
    let on_done = {
        let (progress, finished) = (progress.clone(), finished.clone());
        move |index: usize, report: &CaseReport| {
            progress.finished(report);
            finished.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(report.clone());
        }
    };
    let (started, clock) = (SystemTime::now(), Instant::now());
    let runtime = runtime()?;
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = client_mode::run(cases, &options, on_done) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    progress.clear();
    runtime.shutdown_timeout(Duration::from_secs(1));
    let (reports, interrupted) = match outcome {
        Some(result) => (result?, false),
        None => {
            let finished = std::mem::take(&mut *finished.lock().unwrap_or_else(PoisonError::into_inner));
            let reports = finished
                .into_iter()
                .zip(&registered)
                .map(|(report, entry)| report.unwrap_or_else(|| unfinished(entry)))
                .collect();
            (reports, true)
        }
    };
    let transport = Some(served_transport(options.protocol));
    let report = finish(args, target, "client", (started, clock), reports, transport, out, baseline)?;
    Ok(Run { report, interrupted })
}

/// Server mode on `url`.
fn check_server(
    args: &Args,
    url: &str,
    target: &str,
    out: &Path,
    baseline: Option<&Report>,
) -> anyhow::Result<Run> {
    let selected: Vec<Entry> = registry::server()
        .into_iter()
        .filter(|e| registry::selected(&e.id, &args.cases, &args.skips))
        .collect();
    if selected.is_empty() {
        bail!("no case matches the --case / --skip prefixes given (see --list)");
    }
    check_writable(out)?;
    let options = server_mode::Options {
        url: url.to_owned(),
        publish: args.publish.clone(),
        duration: Duration::from_secs_f64(args.duration),
        max_bytes: args.max_bytes,
        timeout: Duration::from_secs_f64(args.timeout),
        heartbeat_limit: Duration::from_secs_f64(args.heartbeat_limit),
        transport: server_transport(args)?,
        request: stream_request(args)?,
        latency_limit: Duration::from_millis(args.latency_limit.max(1)),
        resume: args.resume,
        idle: args.idle.map(Duration::from_secs_f64),
        cases: args.cases.clone(),
        skips: args.skips.clone(),
        ..server_mode::Options::default()
    };
    // Raises the open-file limit for the load test, before any case. The
    // load is by far the longest part: it runs only when --case / --skip
    // leave one of its cases selected.
    let load_selected = selected.iter().any(|entry| entry.id.starts_with("server.load."));
    let load = if load_selected { args.load.options(!args.no_progress)? } else { None };
    let options = server_mode::Options { load, ..options };
    if args.insecure {
        eprintln!(
            "warning: --insecure: https certificates are not verified (the report says so where https was used)"
        );
    }
    let (started, clock) = (SystemTime::now(), Instant::now());
    let runtime = runtime()?;
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = server_mode::check(&options) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    let (findings, transport, interrupted) = match outcome {
        Some(result) => {
            let outcome = result?;
            (outcome.findings, outcome.transport, false)
        }
        None => (selected.iter().map(unfinished).collect(), None, true),
    };
    let findings =
        findings.into_iter().filter(|f| registry::selected(&f.id, &args.cases, &args.skips)).collect();
    let report = finish(args, target, "server", (started, clock), findings, transport, out, baseline)?;
    Ok(Run { report, interrupted })
}

/// The main job: the reference server through server mode and the reference
/// client through client mode.
fn self_check(args: &Args) -> anyhow::Result<Vec<Run>> {
    let out = args.out.clone().unwrap_or_else(|| Path::new("reports").join("self-check"));
    check_writable(&out)?;
    let exe = std::env::current_exe().context("cannot find this program to run its reference client")?;
    let client = format!("'{}' client", exe.display().to_string().replace('\'', "'\\''"));
    let runtime = runtime()?;
    let server = runtime
        .block_on(ReferenceServer::start(([127, 0, 0, 1], 0).into(), reference_server::Config::default()))
        .context("cannot start the reference server on 127.0.0.1")?;
    let mut runs = Vec::new();
    let has_cases = |mode: Mode| -> anyhow::Result<bool> {
        let entries = if mode == Mode::Client { registry::client()? } else { registry::server() };
        Ok(entries.iter().any(|e| registry::selected(&e.id, &args.cases, &args.skips)))
    };
    if has_cases(Mode::Server)? {
        if args.format == Format::Human {
            writeln!(
                std::io::stdout().lock(),
                "== server mode: the reference server at {}",
                server.events_url()
            )?;
        }
        let mut reference = args.clone();
        reference.publish = Some(server.publish_url());
        // It replays what a reconnecting subscriber missed.
        reference.resume = true;
        reference.load = args.load.for_self_check();
        let run =
            check_server(&reference, &server.events_url(), &server.events_url(), &out.join("server"), None)?;
        let interrupted = run.interrupted;
        runs.push(run);
        if interrupted {
            return Ok(runs);
        }
    }
    if has_cases(Mode::Client)? {
        if args.format == Format::Human {
            writeln!(std::io::stdout().lock(), "== client mode: the reference client ({client})")?;
        }
        // The reference client offers every optional capability that has cases.
        let mut reference = args.clone();
        reference.capabilities = registry::OPTIONAL.iter().map(|c| Some(*c)).collect();
        runs.push(check_client(&reference, &client, "ssecheck client", &out.join("client"), None)?);
    }
    if runs.is_empty() {
        bail!("no case matches the --case / --skip prefixes given (see --list)");
    }
    drop(server);
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(runs)
}

/// Builds the report, applies --strict and --baseline, writes it to `out`
/// and prints it.
#[allow(clippy::too_many_arguments)]
fn finish(
    args: &Args,
    target: &str,
    mode: &str,
    (started, clock): (SystemTime, Instant),
    cases: Vec<CaseReport>,
    transport: Option<TransportSummary>,
    out: &Path,
    baseline: Option<&Report>,
) -> anyhow::Result<Report> {
    let mut report = Report::new(target, mode, rfc3339(started), clock.elapsed().as_millis() as u64, cases);
    report.transport = transport;
    report.target_version.clone_from(&args.target_version);
    report.mark_known_deviations(&args.known_deviations);
    if args.strict {
        report.make_strict();
    }
    if let (Some(baseline), Some(path)) = (baseline, &args.baseline) {
        report.compare_with(baseline, &path.display().to_string());
    }
    // Long values become excerpts (with --keep-bytes, their bytes go beside).
    let kept = if args.keep_bytes {
        report.compact_keeping_bytes()
    } else {
        report.compact();
        KeptBytes::new()
    };
    report
        .write_with_bytes(out, &kept)
        .with_context(|| format!("cannot write the report to {}", out.display()))?;
    match args.format {
        Format::Human => print_summary(&report, out)?,
        Format::Json => writeln!(std::io::stdout().lock(), "{}", serde_json::to_string(&report)?)?,
    }
    Ok(report)
}

/// `--ca-file`, `--insecure`, `--http2-prior-knowledge`, `--http1`.
fn server_transport(args: &Args) -> anyhow::Result<http_client::Transport> {
    let trust = match (&args.ca_file, args.insecure) {
        (_, true) => Trust::Insecure,
        (Some(path), false) => {
            if !path.is_file() {
                bail!("the CA file {} does not exist or is not a file", path.display());
            }
            Trust::CaFile(path.clone())
        }
        (None, false) => Trust::Platform,
    };
    Ok(http_client::Transport {
        trust,
        h2c_prior_knowledge: args.http2_prior_knowledge,
        http1_only: args.http1,
    })
}

/// `--header`, `--method`, `--body`, `--body-file`.
fn stream_request(args: &Args) -> anyhow::Result<server_mode::StreamRequest> {
    let headers =
        args.headers.iter().map(|header| parse_header(header)).collect::<anyhow::Result<Vec<_>>>()?;
    let body = match (&args.body, &args.body_file) {
        (Some(text), _) => text.clone().into_bytes(),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut body)
                .context("cannot read the body from standard input")?;
            body
        }
        (None, Some(path)) => {
            std::fs::read(path).with_context(|| format!("cannot read the body file {}", path.display()))?
        }
        (None, None) => Vec::new(),
    };
    let has_body = args.body.is_some() || args.body_file.is_some();
    let method = match &args.method {
        Some(method) => {
            if hyper::Method::from_bytes(method.as_bytes()).is_err() {
                bail!("--method {method:?} is not an HTTP method");
            }
            method.clone()
        }
        None if has_body => "POST".to_owned(),
        None => "GET".to_owned(),
    };
    Ok(server_mode::StreamRequest { method, headers, body: body.into() })
}

/// One `--header NAME: VALUE`, with `${VAR}` replaced from the environment.
fn parse_header(header: &str) -> anyhow::Result<(String, String)> {
    let Some((name, value)) = header.split_once(':') else {
        bail!("--header {header:?}: expected NAME: VALUE");
    };
    let name = name.trim();
    if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        bail!("--header {header:?}: {name:?} is not a header name");
    }
    let value = expand_env(value.trim(), name)?;
    if hyper::header::HeaderValue::from_str(&value).is_err() {
        bail!("--header {name}: the value is not a valid header value (control characters?)");
    }
    Ok((name.to_owned(), value))
}

/// Replaces each `${VAR}` in `value` by the environment variable VAR.
fn expand_env(value: &str, header: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            bail!("--header {header}: an unclosed ${{ in the value");
        };
        let var = &after[..end];
        match std::env::var(var) {
            Ok(found) => out.push_str(&found),
            Err(_) => bail!("--header {header}: the environment variable {var:?} is not set"),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
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
    if name.is_empty() { "target".to_owned() } else { name }
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

/// Failures and warnings, one a line (coloured on a terminal), then the counts.
fn print_summary(report: &Report, out: &Path) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let colour = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let paint = |status: Status| {
        let code = match status {
            Status::Fail => "1;31",
            Status::Warn => "1;33",
            Status::Info => "1;34",
            Status::Skip => "2",
            Status::Pass => "1;32",
        };
        if colour {
            format!("\x1b[{code}m{:<4}\x1b[0m", status.name())
        } else {
            format!("{:<4}", status.name())
        }
    };
    for case in report.cases.iter().filter(|c| matches!(c.status, Status::Fail | Status::Warn)) {
        let mark = case.baseline.map_or(String::new(), |mark| format!(" [{}]", mark.name()));
        writeln!(stdout, "{} {}{mark}: {}", paint(case.status), case.id, case.message)?;
    }
    if let Some(baseline) = &report.baseline {
        writeln!(
            stdout,
            "against {}: {} new failure(s), {} fixed, {} unchanged",
            baseline.report, baseline.new_fail, baseline.fixed, baseline.unchanged
        )?;
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
