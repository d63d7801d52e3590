//! The load test (`--subscribers N`) at a CI size: the reference server
//! passes it, servers that drop or reorder events on some streams are
//! caught, and its flags are checked before anything runs.

use std::process::Command;
use std::time::Duration;

use harness::reference_server::{Config, Flaws, ReferenceServer};
use harness::report::Status;
use harness::server_mode::http::Url;
use harness::server_mode::{self, Finding, Options, Requests, load};

/// Subscribers: both ends of each stream are in this process.
const SUBSCRIBERS: usize = 300;
/// Even, so a server that swaps pairs loses nothing.
const EVENTS: usize = 40;

fn load_options() -> load::Options {
    // The streams' two ends, the runtime and the test harness.
    let wanted = 2 * SUBSCRIBERS as u64 + 256;
    let soft = harness::open_files::raise_to(wanted).expect("the open-file limit can be read");
    assert!(soft >= wanted, "the open-file limit is {soft}, the test needs {wanted}: ulimit -n {wanted}");
    load::Options { subscribers: SUBSCRIBERS, events: EVENTS, pace: Duration::from_millis(5), progress: None }
}

async fn server(flaws: Flaws) -> ReferenceServer {
    let config = Config { flaws, ..Config::default() };
    ReferenceServer::start(([127, 0, 0, 1], 0).into(), config).await.expect("the server starts")
}

fn options(server: &ReferenceServer) -> Options {
    Options {
        url: server.events_url(),
        publish: Some(server.publish_url()),
        duration: Duration::from_millis(800),
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(5),
        load: Some(load_options()),
        resume: true,
        idle: Some(Duration::from_secs(1)),
        ..Options::default()
    }
}

/// The load cases alone, against a server with `flaws`.
async fn load_findings(flaws: Flaws) -> Vec<Finding> {
    let server = server(flaws).await;
    let options = options(&server);
    let (stream, publish) = (Url::parse(&server.events_url()), Url::parse(&server.publish_url()));
    let (stream, publish) = (stream.expect("a URL"), publish.expect("a URL"));
    let requests = Requests::of(&options);
    tokio::time::timeout(Duration::from_secs(60), load::check(&requests, &stream, Some(&publish), &options))
        .await
        .expect("the load test finishes within a minute")
}

fn find<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no {id} in {findings:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_passes_the_load_test() {
    let server = server(Flaws::default()).await;
    let findings = tokio::time::timeout(Duration::from_secs(90), server_mode::run(&options(&server)))
        .await
        .expect("the check finishes")
        .expect("the server can be checked");
    let problems: Vec<_> =
        findings.iter().filter(|f| matches!(f.status, Status::Fail | Status::Warn | Status::Skip)).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    for id in ["server.load.subscribe", "server.load.loss", "server.load.order"] {
        assert_eq!(find(&findings, id).status, Status::Pass, "{id}");
    }
    let latency = find(&findings, "server.load.fan-out-latency");
    assert_eq!(latency.status, Status::Info);
    assert!(latency.message.contains("p99"), "{}", latency.message);
    assert_eq!(latency.observed["deliveries"], SUBSCRIBERS * EVENTS, "{}", latency.observed);
    assert_eq!(find(&findings, "server.load.subscribe").observed["opened"], SUBSCRIBERS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_encoded_data_counts_as_arrived_and_says_so() {
    let findings = load_findings(Flaws { json_encoded_data: true, ..Flaws::default() }).await;
    let loss = find(&findings, "server.load.loss");
    assert_eq!(loss.status, Status::Pass, "{}", loss.message);
    assert!(loss.message.contains("JSON-encoded"), "{}", loss.message);
    assert_eq!(loss.observed["json_encoded_arrivals"], SUBSCRIBERS * EVENTS, "{}", loss.observed);
    assert_eq!(find(&findings, "server.load.order").status, Status::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_drops_events_on_some_streams_fails_loss() {
    let findings = load_findings(Flaws { lossy_streams: true, ..Flaws::default() }).await;
    assert_eq!(find(&findings, "server.load.subscribe").status, Status::Pass);
    let loss = find(&findings, "server.load.loss");
    assert_eq!(loss.status, Status::Fail, "{}", loss.message);
    // One stream in seven (the 4th, 11th, ...), one event in five on each.
    let lossy = (0..SUBSCRIBERS).filter(|stream| stream % 7 == 3).count();
    assert_eq!(loss.observed["lossy_subscribers"], lossy, "{}", loss.message);
    assert_eq!(loss.observed["lost"], lossy * (EVENTS / 5), "{}", loss.message);
    assert!(loss.message.contains(&format!("got {} of {EVENTS}", EVENTS - EVENTS / 5)), "{}", loss.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_swaps_events_on_some_streams_fails_order() {
    let findings = load_findings(Flaws { swapped_streams: true, ..Flaws::default() }).await;
    let order = find(&findings, "server.load.order");
    assert_eq!(order.status, Status::Fail, "{}", order.message);
    assert!(order.message.contains("out of publish order"), "{}", order.message);
    assert_eq!(find(&findings, "server.load.loss").status, Status::Pass);
}

#[tokio::test]
async fn without_subscribers_or_publish_the_load_cases_are_skipped() {
    let url = Url::parse("http://127.0.0.1:1/events").expect("a URL");
    let without_load = Options::default();
    for (options, publish, why) in [
        (&without_load, Some(&url), "needs --subscribers N"),
        (&Options { load: Some(load_options()), ..Options::default() }, None, "needs a publish endpoint"),
    ] {
        let findings = load::check(&Requests::of(options), &url, publish, options).await;
        assert_eq!(findings.len(), load::CHECKS.len());
        for finding in findings {
            assert_eq!(finding.status, Status::Skip, "{}", finding.id);
            assert!(finding.message.contains(why), "{}", finding.message);
        }
    }
}

#[test]
fn load_flags_without_what_they_need_are_one_error_line_and_exit_2() {
    for (args, why) in [
        (vec!["check", "--server", "http://127.0.0.1:1/events", "--subscribers", "10"], "no --publish"),
        (vec!["check", "--subscribers", "10"], "no --server"),
        (
            vec![
                "check",
                "--server",
                "http://127.0.0.1:1/e",
                "--publish",
                "http://127.0.0.1:1/p",
                "--subscribers",
                "0",
            ],
            "zero subscribers",
        ),
        (
            vec![
                "check",
                "--server",
                "http://127.0.0.1:1/e",
                "--publish",
                "http://127.0.0.1:1/p",
                "--subscribers",
                "10",
                "--load-events",
                "0",
            ],
            "zero events",
        ),
        (vec!["check", "--server", "http://127.0.0.1:1/e", "--load-events", "5"], "--load-events alone"),
    ] {
        let output =
            Command::new(env!("CARGO_BIN_EXE_ssecheck")).args(&args).output().expect("ssecheck runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{why}: {stderr}");
        assert!(stderr.starts_with("error: "), "{why}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{why}: {stderr}");
    }
}
