//! What servers and proxies do to a live stream (server.delivery.*,
//! server.slow-consumer.*, server.resume.*, server.idle.*) against the
//! reference server, which passes them all, and against its seeded flaws:
//! each flaw is caught by exactly the checks meant for it, and every other
//! check still passes.

use std::collections::BTreeSet;
use std::time::Duration;

use harness::reference_server::{Config, Flaws, ReferenceServer};
use harness::report::Status;
use harness::server_mode::{self, Finding, Options};

async fn check(config: Config, options: Options) -> Vec<Finding> {
    let server = ReferenceServer::start(([127, 0, 0, 1], 0).into(), config).await.expect("the server starts");
    let options = Options {
        url: server.events_url(),
        publish: Some(server.publish_url()),
        duration: Duration::from_millis(800),
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(3),
        resume: true,
        ..options
    };
    tokio::time::timeout(Duration::from_secs(180), server_mode::run(&options))
        .await
        .expect("the check finishes within three minutes")
        .expect("the server can be checked")
}

/// The ids that failed or warned.
fn caught(findings: &[Finding]) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
        .map(|f| f.id.clone())
        .collect()
}

fn ids(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

fn finding<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no {id} in {findings:#?}"))
}

fn flawed(flaws: Flaws) -> Config {
    Config { flaws, ..Config::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_passes_every_new_check_also_compressed() {
    for gzip in [false, true] {
        let findings = check(Config { gzip, ..Config::default() }, Options::default()).await;
        assert_eq!(caught(&findings), ids(&[]), "gzip {gzip}: {findings:#?}");
        for id in [
            "server.delivery.prompt",
            "server.delivery.compression",
            "server.slow-consumer.publisher",
            "server.slow-consumer.others",
            "server.resume.replay",
            "server.resume.up-to-date",
        ] {
            assert_eq!(finding(&findings, id).status, Status::Pass, "{id}");
        }
        let compression = &finding(&findings, "server.delivery.compression").message;
        let expected =
            if gzip { "Content-Encoding: gzip, and each event still arrived" } else { "not compressed" };
        assert!(compression.contains(expected), "{compression}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unflushed_writer_is_caught_by_the_prompt_delivery_check_only() {
    let findings =
        check(flawed(Flaws { unflushed_writer: true, ..Flaws::default() }), Options::default()).await;
    assert_eq!(caught(&findings), ids(&["server.delivery.prompt"]), "{findings:#?}");
    let message = &finding(&findings, "server.delivery.prompt").message;
    assert!(message.contains("an event published alone waited"), "{message}");
    assert!(message.contains("KiB more had been published behind it"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unflushed_compressor_is_caught_by_the_compression_check_only() {
    let config = Config { gzip: true, ..flawed(Flaws { gzip_unflushed: true, ..Flaws::default() }) };
    let findings = check(config, Options::default()).await;
    assert_eq!(caught(&findings), ids(&["server.delivery.compression"]), "{findings:#?}");
    let message = &finding(&findings, "server.delivery.compression").message;
    assert!(message.contains("Content-Encoding: gzip, and an event published alone waited"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_that_awaits_each_subscriber_in_turn_is_caught_by_the_publisher_check_only() {
    let findings =
        check(flawed(Flaws { sequential_broadcast: true, ..Flaws::default() }), Options::default()).await;
    assert_eq!(caught(&findings), ids(&["server.slow-consumer.publisher"]), "{findings:#?}");
    let message = &finding(&findings, "server.slow-consumer.publisher").message;
    assert!(message.contains("the server waits on the subscriber that stopped reading"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_task_that_awaits_each_subscriber_in_turn_is_caught_by_the_others_check_only() {
    let findings =
        check(flawed(Flaws { sequential_fan_out: true, ..Flaws::default() }), Options::default()).await;
    assert_eq!(caught(&findings), ids(&["server.slow-consumer.others"]), "{findings:#?}");
    let message = &finding(&findings, "server.slow-consumer.others").message;
    assert!(message.contains("missing, the first of them event"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_of_one_event_too_many_is_caught_by_the_resume_checks_only() {
    let findings =
        check(flawed(Flaws { replay_one_too_many: true, ..Flaws::default() }), Options::default()).await;
    assert_eq!(
        caught(&findings),
        ids(&["server.resume.replay", "server.resume.up-to-date"]),
        "{findings:#?}"
    );
    let message = &finding(&findings, "server.resume.replay").message;
    assert!(message.contains("event 2 again, the one whose id it sent as Last-Event-ID"), "{message}");
    let message = &finding(&findings, "server.resume.up-to-date").message;
    assert!(message.contains("should receive nothing again; it received event 5 again"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_in_the_order_of_ids_is_caught_by_the_resume_checks_only() {
    let findings =
        check(flawed(Flaws { replay_in_id_order: true, ..Flaws::default() }), Options::default()).await;
    assert_eq!(
        caught(&findings),
        ids(&["server.resume.replay", "server.resume.up-to-date"]),
        "{findings:#?}"
    );
    let message = &finding(&findings, "server.resume.replay").message;
    assert!(message.contains("missing event(s) 4"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_resume_declared_the_resume_checks_are_skipped_and_say_why() {
    let server = ReferenceServer::start(([127, 0, 0, 1], 0).into(), Config::default()).await.expect("starts");
    let options = Options {
        url: server.events_url(),
        publish: Some(server.publish_url()),
        cases: vec!["server.resume".to_owned()],
        ..Options::default()
    };
    let findings = server_mode::run(&options).await.expect("checked");
    let replay = finding(&findings, "server.resume.replay");
    assert_eq!(replay.status, Status::Skip);
    assert!(replay.message.contains("needs --resume"), "{}", replay.message);
}

/// The idle check alone, with a short quiet period.
async fn idle(heartbeat: Duration, idle_cut: Duration) -> Finding {
    let config = Config { heartbeat, ..flawed(Flaws { idle_cut: Some(idle_cut), ..Flaws::default() }) };
    let options = Options {
        idle: Some(Duration::from_secs(3)),
        cases: vec!["server.idle".to_owned()],
        ..Options::default()
    };
    let findings = check(config, options).await;
    finding(&findings, "server.idle.survival").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_cut_is_reported_with_when_how_and_the_heartbeat_that_would_keep_the_stream() {
    let cut = idle(Duration::ZERO, Duration::from_millis(1500)).await;
    assert_eq!(cut.status, Status::Warn, "{cut:#?}");
    assert!(cut.message.contains("the response was ended"), "{}", cut.message);
    assert!(cut.message.contains("at least every 7"), "{}", cut.message);
    let kept = idle(Duration::from_millis(500), Duration::from_millis(1500)).await;
    assert_eq!(kept.status, Status::Pass, "{kept:#?}");
    assert!(kept.message.contains("stayed open through 3.0 s"), "{}", kept.message);
    assert!(kept.message.contains("an event published after it arrived"), "{}", kept.message);
}
