//! Server mode against the reference server (every check passes, the same on
//! every run) and against servers broken on purpose, one flaw each (each gets
//! at least one fail).

use std::time::Duration;

use harness::reference_server::{Config, Flaws, ReferenceServer};
use harness::report::Status;
use harness::server_mode::{self, Finding, Options};

async fn check(flaws: Flaws) -> Vec<Finding> {
    let config = Config { flaws, ..Config::default() };
    let server = ReferenceServer::start(([127, 0, 0, 1], 0).into(), config).await.expect("the server starts");
    let options = Options {
        url: server.events_url(),
        publish: Some(server.publish_url()),
        duration: Duration::from_millis(800),
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(3),
        heartbeat_limit: Duration::from_secs(30),
        resume: true,
        ..Options::default()
    };
    tokio::time::timeout(Duration::from_secs(60), server_mode::run(&options))
        .await
        .expect("the check finishes within a minute")
        .expect("the server can be checked")
}

fn statuses(findings: &[Finding]) -> Vec<(String, Status)> {
    findings.iter().map(|f| (f.id.clone(), f.status)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_passes_everything_the_same_way_each_run() {
    let first = check(Flaws::default()).await;
    // The load cases need --subscribers N (tests/load.rs runs them), the
    // idle case --idle SECS (tests/server_delivery.rs).
    let problems: Vec<_> = first
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Warn | Status::Skip))
        .filter(|f| {
            !(f.status == Status::Skip
                && (f.id.starts_with("server.load.") || f.id == "server.idle.survival"))
        })
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(first.iter().filter(|f| f.status == Status::Pass).count() >= 30);
    for _ in 1..5 {
        assert_eq!(statuses(&check(Flaws::default()).await), statuses(&first));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_broken_server_gets_a_fail() {
    let flaws: [(&str, Flaws, &str); 9] = [
        (
            "wrong Content-Type",
            Flaws { wrong_content_type: true, ..Flaws::default() },
            "server.response.content-type",
        ),
        (
            "multi-line data unsplit",
            Flaws { unsplit_data: true, ..Flaws::default() },
            "server.publish.multi-line-lf",
        ),
        ("raw CR in data", Flaws { raw_cr: true, ..Flaws::default() }, "server.publish.multi-line-cr"),
        (
            "id/event newline injection",
            Flaws { unchecked_fields: true, ..Flaws::default() },
            "server.publish.id-with-lf",
        ),
        ("output buffered", Flaws { buffered: true, ..Flaws::default() }, "server.publish.plain"),
        ("Latin-1 output", Flaws { latin1: true, ..Flaws::default() }, "server.publish.non-ascii"),
        (
            "retry with units",
            Flaws { retry_with_units: true, ..Flaws::default() },
            "server.stream.retry-digits",
        ),
        (
            "JSON-encoded data",
            Flaws { json_encoded_data: true, ..Flaws::default() },
            "server.publish.multi-line-lf",
        ),
        (
            "missing blank line",
            Flaws { missing_blank_line: true, ..Flaws::default() },
            "server.publish.plain",
        ),
    ];
    for (name, flaws, case) in flaws {
        let findings = check(flaws).await;
        let finding = findings.iter().find(|f| f.id == case).unwrap_or_else(|| panic!("{name}: no {case}"));
        assert_eq!(finding.status, Status::Fail, "{name}: {case}: {}", finding.message);
    }
}

/// A server whose stream is fine until something is published, and whose
/// published events then reach subscribers altered in a way only the
/// decoder's retries, the last event ID or the raw lines show: each is
/// caught by the case meant for it, with a message naming what arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_flaw_in_what_arrives_after_publishing_is_caught_by_its_case() {
    let flaws: [(&str, Flaws, &str, Status, &str); 10] = [
        (
            "retry in seconds",
            Flaws { retry_in_seconds: true, ..Flaws::default() },
            "server.publish.retry",
            Status::Fail,
            "set the reconnection time to 2 ms, not the 2500 ms published",
        ),
        (
            "retry in seconds with a unit",
            Flaws { retry_seconds_with_unit: true, ..Flaws::default() },
            "server.publish.retry",
            Status::Fail,
            "did not set the reconnection time: retry 2500 was published, and no retry field clients accept arrived; the server wrote \"retry: 2.5s\" at byte",
        ),
        (
            "retry in seconds with a unit",
            Flaws { retry_seconds_with_unit: true, ..Flaws::default() },
            "server.publish.stream-grammar",
            Status::Fail,
            "\"retry: 2.5s\" at byte",
        ),
        (
            "retry as a decimal",
            Flaws { retry_as_decimal: true, ..Flaws::default() },
            "server.publish.all-fields",
            Status::Fail,
            "the server wrote \"retry: 3000.0\"",
        ),
        (
            "retry dropped",
            Flaws { retry_dropped: true, ..Flaws::default() },
            "server.publish.retry",
            Status::Fail,
            "did not set the reconnection time",
        ),
        (
            "retry with units (published ones too)",
            Flaws { retry_with_units: true, ..Flaws::default() },
            "server.publish.retry",
            Status::Fail,
            "\"retry: 2500ms\"",
        ),
        (
            "an empty id on events without one",
            Flaws { empty_id_without_id: true, ..Flaws::default() },
            "server.publish.id",
            Status::Fail,
            "holds the last event ID \"\" after it, not \"ssecheck-id-1\"",
        ),
        (
            "a BOM before every published event",
            Flaws { bom_per_event: true, ..Flaws::default() },
            "server.publish.stream-tidy",
            Status::Warn,
            "U+FEFF past the start of the stream",
        ),
        (
            "a BOM before every published event",
            Flaws { bom_per_event: true, ..Flaws::default() },
            "server.publish.plain",
            Status::Fail,
            "U+FEFF past the start",
        ),
        (
            "Latin-1 output",
            Flaws { latin1: true, ..Flaws::default() },
            "server.publish.stream-grammar",
            Status::Fail,
            "invalid UTF-8",
        ),
    ];
    for (name, flaws, case, status, words) in flaws {
        let findings = check(flaws).await;
        let finding = findings.iter().find(|f| f.id == case).unwrap_or_else(|| panic!("{name}: no {case}"));
        assert_eq!(finding.status, status, "{name}: {case}: {}", finding.message);
        assert!(
            finding.message.contains(words),
            "{name}: {case}: {:?} does not say {words:?}",
            finding.message
        );
    }
}
