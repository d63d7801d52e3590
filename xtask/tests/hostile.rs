//! Hostile targets: servers and adapters written to misbehave. For each, the
//! check must finish within its bounds, keep the harness's peak resident
//! memory under 64 MiB (polled from /proc/PID/status while it runs), report
//! the offending case with a message naming the problem, still run the other
//! cases, write its report, exit with the contract's status, and leave no
//! process behind. Each prints its figures (`cargo test --test hostile --
//! --nocapture` shows them).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::report::{Report, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PEAK_LIMIT_KIB: u64 = 64 * 1024;
/// No hostile check may take longer than this.
const WALL_LIMIT: Duration = Duration::from_secs(45);

#[derive(Debug)]
struct Measured {
    code: Option<i32>,
    report: Report,
    took: Duration,
}

/// Runs `cargo xtask check ARGS --out TMP`, polling its peak resident
/// memory (and reading the figure it prints at the end); kills it (and
/// fails) past `WALL_LIMIT`.
fn measure(name: &str, args: &[&str]) -> Measured {
    let out = tempfile::tempdir().expect("a temporary folder");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("check")
        .args(args)
        .arg("--out")
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xtask starts");
    // Progress lines are few, but the pipe must not fill.
    let stderr = child.stderr.take().expect("piped");
    let stderr = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let status = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(harness::cli::progress::peak_memory_kib_of)
        {
            peak_kib = peak_kib.max(hwm);
        }
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if started.elapsed() > WALL_LIMIT {
            let _ = child.kill();
            panic!("{name}: the check was still running after {WALL_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    // The harness's own figure covers the end of the run the polling misses.
    let stderr = stderr.join().unwrap_or_default();
    if let Some(reported) = stderr.lines().find_map(|line| line.strip_prefix("ssecheck: peak memory ")) {
        let mib: f64 = reported.trim_end_matches(" MiB").parse().unwrap_or(0.0);
        peak_kib = peak_kib.max((mib * 1024.0) as u64);
    }
    let report = read_report(out.path()).unwrap_or_else(|| panic!("{name}: no report written"));
    println!(
        "{name}: exit {:?}, {:.1} s, peak {:.1} MiB",
        status.code(),
        took.as_secs_f64(),
        peak_kib as f64 / 1024.0
    );
    assert!(peak_kib < PEAK_LIMIT_KIB, "{name}: peak resident memory {peak_kib} KiB");
    Measured { code: status.code(), report, took }
}

fn read_report(dir: &Path) -> Option<Report> {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).ok()?).ok()
}

/// The case `id`, which must be in the report.
fn case<'r>(measured: &'r Measured, id: &str) -> &'r harness::report::CaseReport {
    measured.report.cases.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id} is not in the report"))
}

/// No process whose command line holds `marker` is left.
fn assert_nothing_left(marker: &str) {
    std::thread::sleep(Duration::from_millis(300));
    let output = Command::new("pgrep").args(["-f", marker]).output().expect("pgrep runs");
    assert!(output.stdout.is_empty(), "left behind: {}", String::from_utf8_lossy(&output.stdout));
}

// ---------------------------------------------------------------- servers

/// How a hostile server treats each connection.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    NeverAnswers,
    HeadersThenNothing,
    Slowloris,
    EndlessLine,
    GigabyteOfEvents,
    InvalidUtf8Flood,
    ResetMidEvent,
    HugeHeader,
    RedirectLoop,
    Http10CloseDelimited,
    CloseAfterHeaders,
    PublishHangs,
}

const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
const GIB: usize = 1024 * 1024 * 1024;

/// Writes `block` again and again, up to `total` bytes or until the peer goes.
async fn pour(stream: &mut TcpStream, block: &[u8], total: usize) {
    let mut written = 0;
    while written < total && stream.write_all(block).await.is_ok() {
        written += block.len();
    }
}

async fn misbehave(mut stream: TcpStream, hostile: Hostile) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let publish = head.starts_with(b"POST");
    let forever = Duration::from_secs(120);
    match hostile {
        Hostile::NeverAnswers => tokio::time::sleep(forever).await,
        Hostile::HeadersThenNothing => {
            let _ = stream.write_all(HEAD).await;
            tokio::time::sleep(forever).await;
        }
        Hostile::Slowloris => {
            for byte in HEAD.iter().chain(b"data: slow\n\n") {
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Hostile::EndlessLine => {
            let _ = stream.write_all(HEAD).await;
            let _ = stream.write_all(b"data: ").await;
            pour(&mut stream, &[b'x'; 65536], GIB).await;
        }
        Hostile::GigabyteOfEvents => {
            let _ = stream.write_all(HEAD).await;
            pour(&mut stream, &b"data: hello\n\n".repeat(5000), GIB).await;
        }
        Hostile::InvalidUtf8Flood => {
            let _ = stream.write_all(HEAD).await;
            pour(&mut stream, &[0xFF; 65536], GIB).await;
        }
        Hostile::ResetMidEvent => {
            let _ = stream.write_all(HEAD).await;
            let _ = stream.write_all(b": hello\n\ndata: partial\n").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            // Linger 0: closing sends RST. (Deprecated because a non-zero
            // linger blocks on drop; zero does not.)
            #[expect(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
        }
        Hostile::HugeHeader => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Huge: ").await;
            let _ = stream.write_all(&vec![b'a'; 1024 * 1024]).await;
            let _ = stream.write_all(b"\r\n\r\ndata: a\n\n").await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        Hostile::RedirectLoop => {
            let _ = stream
                .write_all(b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
        }
        Hostile::Http10CloseDelimited => {
            let _ = stream
                .write_all(b"HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: a\n\n")
                .await;
        }
        Hostile::CloseAfterHeaders => {
            let _ = stream.write_all(HEAD).await;
        }
        Hostile::PublishHangs if publish => tokio::time::sleep(forever).await,
        Hostile::PublishHangs => {
            let _ = stream.write_all(HEAD).await;
            for _ in 0..600 {
                if stream.write_all(b": still here\n\n").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// A hostile server on 127.0.0.1:0; stops when the returned runtime drops.
fn serve(hostile: Hostile) -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).expect("a port");
    let port = listener.local_addr().expect("an address").port();
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(misbehave(stream, hostile));
        }
    });
    (format!("http://127.0.0.1:{port}/events"), runtime)
}

/// Checks a hostile server; returns the measurement.
fn check_server(name: &str, hostile: Hostile, publish: bool) -> Measured {
    check_server_over(name, hostile, publish, false)
}

/// `check_server`, with an https:// URL to the same (plaintext) server when
/// `https`.
fn check_server_over(name: &str, hostile: Hostile, publish: bool, https: bool) -> Measured {
    let (url, runtime) = serve(hostile);
    let url = if https { url.replacen("http://", "https://", 1) } else { url };
    let publish_url = url.replace("/events", "/publish");
    let mut args = vec!["--server", url.as_str(), "--timeout", "2", "--duration", "1"];
    if publish {
        args.extend(["--publish", publish_url.as_str()]);
    }
    let measured = measure(name, &args);
    runtime.shutdown_background();
    // Every server check is in the report, run or skipped, in registry order.
    let ids: Vec<&str> = measured.report.cases.iter().map(|c| c.id.as_str()).collect();
    let registered: Vec<String> = harness::registry::server().into_iter().map(|e| e.id).collect();
    assert_eq!(ids, registered, "{name}");
    measured
}

fn expect(measured: &Measured, code: i32, id: &str, status: Status, words: &str) {
    let found = case(measured, id);
    assert_eq!(measured.code, Some(code), "{id}: {:?}", measured.report.summary);
    assert_eq!(found.status, status, "{id}: {}", found.message);
    assert!(found.message.contains(words), "{id}: {:?} does not say {words:?}", found.message);
}

#[test]
fn a_server_that_never_answers() {
    let m = check_server("server never answers", Hostile::NeverAnswers, false);
    expect(&m, 1, "server.response.status", Status::Fail, "no usable response");
    assert!(m.took < Duration::from_secs(10), "{:?}", m.took);
}

#[test]
fn an_https_server_that_never_finishes_the_handshake() {
    let m = check_server_over("https server never answers", Hostile::NeverAnswers, false, true);
    expect(&m, 1, "server.response.status", Status::Fail, "TLS handshake did not finish");
    assert!(m.took < Duration::from_secs(10), "{:?}", m.took);
}

#[test]
fn plain_http_on_an_https_url() {
    // The plaintext server waits for a request head that never comes: the
    // handshake stalls, and that is the server's finding, not exit 2.
    let m = check_server_over("plain http on an https URL", Hostile::HeadersThenNothing, false, true);
    expect(&m, 1, "server.response.status", Status::Fail, "TLS handshake");
}

#[test]
fn a_server_that_sends_headers_then_nothing() {
    let m = check_server("server sends headers then nothing", Hostile::HeadersThenNothing, false);
    expect(&m, 0, "server.stream.first-bytes", Status::Warn, "no body bytes");
}

#[test]
fn a_slowloris_server() {
    let m = check_server("server sends one byte per second", Hostile::Slowloris, false);
    expect(&m, 1, "server.response.status", Status::Fail, "no usable response");
}

#[test]
fn an_endless_line() {
    let m = check_server("server sends an endless line (1 GiB)", Hostile::EndlessLine, false);
    expect(&m, 0, "server.stream.line-length", Status::Warn, "had not ended");
}

#[test]
fn a_gigabyte_of_events() {
    let m = check_server("server sends a gigabyte of events", Hostile::GigabyteOfEvents, false);
    assert_eq!(m.report.summary.fail, 0, "valid events are not a failure");
    assert_eq!(m.code, Some(0));
}

#[test]
fn an_invalid_utf8_flood() {
    let m = check_server("server floods invalid UTF-8", Hostile::InvalidUtf8Flood, false);
    expect(&m, 1, "server.stream.utf-8", Status::Fail, "invalid UTF-8 at byte 0");
}

#[test]
fn a_reset_mid_event() {
    let m = check_server("server resets mid-event", Hostile::ResetMidEvent, false);
    expect(&m, 0, "server.stream.events-terminated", Status::Warn, "inside an event");
}

#[test]
fn a_one_mib_response_header() {
    let m = check_server("server sends a 1 MiB header", Hostile::HugeHeader, false);
    expect(&m, 1, "server.response.status", Status::Fail, "no usable response");
}

#[test]
fn a_redirect_loop() {
    let m = check_server("server redirects in a loop", Hostile::RedirectLoop, false);
    expect(&m, 1, "server.response.status", Status::Fail, "more than 20 redirects");
}

#[test]
fn an_http_1_0_close_delimited_body() {
    let m = check_server("server answers HTTP/1.0, body until close", Hostile::Http10CloseDelimited, false);
    expect(&m, 0, "server.response.status", Status::Pass, "as the standard says");
}

#[test]
fn a_server_that_closes_after_the_headers() {
    let m = check_server("server closes right after the headers", Hostile::CloseAfterHeaders, false);
    expect(&m, 0, "server.stream.first-bytes", Status::Warn, "no body bytes");
}

#[test]
fn a_publish_endpoint_that_hangs() {
    let m = check_server("publish endpoint hangs", Hostile::PublishHangs, true);
    expect(&m, 1, "server.publish.plain", Status::Fail, "the publish request failed");
    let skipped = m
        .report
        .cases
        .iter()
        .filter(|c| c.id.starts_with("server.publish."))
        .filter(|c| c.status == Status::Skip);
    assert!(skipped.count() > 10, "once events stop arriving, the rest are skipped, not waited for");
}

// --------------------------------------------------------------- adapters

/// The seven connection.status cases the hostile adapters are checked on (the
/// family holds more; these keep the measured run the same size).
const STATUS_CASES: &[&str] = &[
    "connection.status.200",
    "connection.status.201",
    "connection.status.204",
    "connection.status.400",
    "connection.status.404",
    "connection.status.500",
    "connection.status.503",
];

/// Checks a hostile adapter on [`STATUS_CASES`]; `marker` is part of its
/// command line, to find what it leaves behind.
fn check_adapter(name: &str, adapter: &str, marker: &str) -> Measured {
    let mut args = vec!["--client", adapter, "--timeout", "2"];
    for id in STATUS_CASES {
        args.extend(["--case", id]);
    }
    let m = measure(name, &args);
    assert_eq!(m.code, Some(1), "{name}");
    assert_eq!(m.report.cases.len(), 7, "{name}: every case ran");
    assert!(m.report.cases.iter().all(|c| c.status == Status::Fail), "{name}: {:?}", m.report.summary);
    assert_nothing_left(marker);
    m
}

fn mutant(hostile: &str, marker: &str) -> String {
    format!("{} --hostile {hostile} {marker}", env!("CARGO_BIN_EXE_ssecheck-mutant-adapter"))
}

#[test]
fn an_adapter_that_prints_nothing() {
    let m = check_adapter(
        "adapter prints nothing",
        "sh -c 'sleep 30' ssecheck-hostile-silent",
        "ssecheck-hostile-silent",
    );
    let message = &case(&m, "connection.status.200").message;
    assert!(message.contains("but the client printed nothing more"), "{message}");
}

#[test]
fn an_adapter_that_prints_a_line_that_is_not_json() {
    let m = check_adapter(
        "adapter prints a non-JSON line",
        "sh -c 'echo not-json; sleep 30' ssecheck-hostile-garbage",
        "ssecheck-hostile-garbage",
    );
    assert!(case(&m, "connection.status.200").message.contains("not an event line"));
}

#[test]
fn an_adapter_that_prints_a_gigabyte() {
    let marker = "ssecheck-hostile-flood";
    check_adapter("adapter prints 1 GiB", &mutant("flood", marker), marker);
}

#[test]
fn an_adapter_that_prints_a_100_mib_line() {
    let marker = "ssecheck-hostile-huge-line";
    let m = check_adapter("adapter prints a 100 MiB JSON line", &mutant("huge-line", marker), marker);
    assert!(case(&m, "connection.status.200").message.contains("the rest was not read"));
}

#[test]
fn an_adapter_that_exits_at_once() {
    let m = check_adapter(
        "adapter exits at once",
        "sh -c 'exit 0' ssecheck-hostile-exits",
        "ssecheck-hostile-exits",
    );
    let status_200 = case(&m, "connection.status.200");
    assert!(status_200.observed["ended_early"] == true);
    // What happened, first: the adapter ended, how, and what it printed.
    assert!(
        status_200
            .message
            .starts_with("the adapter exited by itself (exit status: 0) after printing 0 event line(s)"),
        "{}",
        status_200.message
    );
}

#[test]
fn an_adapter_that_ignores_sigterm() {
    let marker = "ssecheck-hostile-no-term";
    check_adapter("adapter ignores SIGTERM", &format!("sh -c 'trap \"\" TERM; sleep 30' {marker}"), marker);
}

#[test]
fn an_adapter_whose_child_keeps_the_pipes() {
    let marker = "ssecheck-hostile-child";
    check_adapter(
        "adapter leaves a child holding the pipes",
        &format!("sh -c 'sleep 30 & sleep 30' {marker}"),
        marker,
    );
}

#[test]
fn an_adapter_that_reconnects_in_a_tight_loop() {
    let marker = "ssecheck-hostile-storm";
    let m = check_adapter("adapter reconnects in a tight loop", &mutant("reconnect-storm", marker), marker);
    let status_500 = case(&m, "connection.status.500");
    assert!(status_500.message.contains("request(s)"), "{}", status_500.message);
}

// ------------------------------------------------------------------ runs

#[test]
fn two_checks_at_once_do_not_clash() {
    let reference = format!("{} client", env!("CARGO_BIN_EXE_xtask"));
    let runs: Vec<_> = (0..2)
        .map(|n| {
            let reference = reference.clone();
            std::thread::spawn(move || {
                measure(&format!("check {n} of 2 at once"), &["--client", &reference, "--case", "connection"])
            })
        })
        .collect();
    for run in runs {
        let m = run.join().expect("finishes");
        assert_eq!(m.code, Some(0), "{:?}", m.report.summary);
    }
}
