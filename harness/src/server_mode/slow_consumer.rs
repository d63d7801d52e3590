//! Slow-consumer isolation: one subscriber stops reading (its receive
//! window fills and the server's writes to it block) while events are
//! published. The others must keep receiving every event promptly, and the
//! publisher must not wait on the stalled one: a broadcast that awaits each
//! subscriber's write in turn fails both.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::json;

use super::http::Url;
use super::round_trip::{self, NextEvent, Subscriber};
use super::{Check, Finding, Requests, seconds};
use crate::case::{Capability, Level};

/// `server.slow-consumer.publisher`.
pub const PUBLISHER: Check = Check {
    id: "server.slow-consumer.publisher",
    title: "While one subscriber has stopped reading, every publish request is still answered within a second of the latency limit",
    spec: &["#authoring-notes"],
    level: Level::Must,
    needs: &[Capability::Publish],
};

/// `server.slow-consumer.others`.
pub const OTHERS: Check = Check {
    id: "server.slow-consumer.others",
    title: "While one subscriber has stopped reading, the others receive every event, in order, within a second of the latency limit",
    spec: &["#authoring-notes"],
    level: Level::Must,
    needs: &[Capability::Publish],
};

/// The slow-consumer checks, in report order.
pub const CHECKS: [Check; 2] = [PUBLISHER, OTHERS];

/// Events published while one subscriber has stopped reading, and the data
/// of each: 8 MiB in all, more than the socket buffers between a server and
/// a stalled subscriber hold, so a server that waits on it does.
const EVENTS: usize = 512;
const EVENT_DATA: usize = 16 * 1024;
/// The stalled subscriber's receive buffer: its window fills at once.
const STALLED_RECEIVE_BUFFER: u32 = 4 * 1024;
/// Subscribers that keep reading.
const READING: usize = 2;
/// What a stall may add to the latency limit before it counts: a stalled
/// subscriber that holds the others up does so for seconds, while the
/// ~200 ms a proxy waiting for full packets adds to every event is
/// server.delivery.prompt's finding, not this one's.
const GRACE: Duration = Duration::from_secs(1);

/// What one reading subscriber received: each event's number and when.
type Received = Arc<Mutex<Vec<(usize, Instant)>>>;

pub async fn check(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    limit: Duration,
    timeout: Duration,
) -> Vec<Finding> {
    super::each_or_all(&CHECKS, run(requests, stream, publish, limit, timeout).await)
}

async fn run(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    limit: Duration,
    timeout: Duration,
) -> Result<[Finding; 2], String> {
    // Opened first, so a server that serves its subscribers in the order
    // they came meets it first.
    let stalling = Requests {
        client: requests.client.with_receive_buffer(STALLED_RECEIVE_BUFFER),
        request: requests.request.clone(),
    };
    let stalled = stalling
        .stream(stream, &[], timeout)
        .await
        .map_err(|e| format!("cannot open the subscriber that stops reading: {}", super::http_error(&e)))?;
    if stalled.status != 200 {
        return Err(format!("the stream answered status {}", stalled.status));
    }
    let mut reading = Vec::new();
    for _ in 0..READING {
        reading.push(
            Subscriber::open(requests, stream, &[], timeout)
                .await
                .map_err(|e| format!("cannot open a subscriber: {e}"))?,
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let tag = format!("ssecheck-slow-{nanos:x}");
    let mut received = Vec::new();
    let mut readers = Vec::new();
    for mut subscriber in reading {
        subscriber.drain();
        let got = Received::default();
        received.push(got.clone());
        let tag = tag.clone();
        readers.push(tokio::spawn(async move {
            let far = Instant::now() + Duration::from_secs(24 * 3600);
            while let NextEvent::Event(event, at) = subscriber.next_event(far).await {
                if let Some(n) = number(&tag, &round_trip::plain_data(&event)) {
                    got.lock().unwrap_or_else(PoisonError::into_inner).push((n, at));
                }
            }
        }));
    }
    let padding = "s".repeat(EVENT_DATA);
    let mut published = Vec::new();
    let mut slowest = Duration::ZERO;
    let mut publisher_problem = None;
    for n in 0..EVENTS {
        let started = Instant::now();
        let payload = json!({"data": format!("{tag}-{n} {padding}")});
        let outcome = round_trip::post(requests, publish, &payload, timeout).await;
        slowest = slowest.max(started.elapsed());
        match outcome {
            Ok(200..=299) => published.push(started),
            Ok(status) => {
                publisher_problem =
                    Some(format!("publish request {} of {EVENTS} was answered {status}", n + 1));
                break;
            }
            Err(error) => {
                publisher_problem = Some(format!(
                    "publish request {} of {EVENTS} ({} published before it) {error}: the server waits on the subscriber that stopped reading (a broadcast that awaits each subscriber's write in turn)",
                    n + 1,
                    mib(n * EVENT_DATA)
                ));
                break;
            }
        }
    }
    if publisher_problem.is_none() && slowest > limit + GRACE {
        publisher_problem = Some(format!(
            "a publish request took {} to be answered (the limit is {}) while one subscriber had stopped reading: the server waits on it before answering",
            seconds(slowest),
            seconds(limit + GRACE)
        ));
    }
    // The reading subscribers get until `timeout` after the last answered
    // publish to hold every event it answered for.
    let deadline = Instant::now() + timeout;
    let all_in = |received: &[Received]| {
        received.iter().all(|got| got.lock().unwrap_or_else(PoisonError::into_inner).len() >= published.len())
    };
    while !all_in(&received) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for reader in readers {
        reader.abort();
    }
    drop(stalled);
    let observed = json!({"published": published.len(), "slowest_publish_ms": slowest.as_millis() as u64});
    let publisher = Finding::new(&PUBLISHER, publisher_problem, observed).passed_as(|| {
        format!(
            "all {EVENTS} publish requests ({}) were answered while one subscriber had stopped reading; the slowest took {}",
            mib(EVENTS * EVENT_DATA),
            seconds(slowest)
        )
    });
    Ok([publisher, judge_others(&received, &published, limit, timeout)])
}

/// Whether every reading subscriber got every published event in order and
/// within `limit` of its publish request.
fn judge_others(received: &[Received], published: &[Instant], limit: Duration, timeout: Duration) -> Finding {
    let mut problem = None;
    let mut slowest = Duration::ZERO;
    let mut counts = Vec::new();
    for (index, got) in received.iter().enumerate() {
        let got = got.lock().unwrap_or_else(PoisonError::into_inner);
        counts.push(got.len());
        let numbers: Vec<usize> = got.iter().map(|(n, _)| *n).collect();
        let want: Vec<usize> = (0..published.len()).collect();
        for (n, at) in got.iter() {
            if let Some(sent) = published.get(*n) {
                slowest = slowest.max(at.saturating_duration_since(*sent));
            }
        }
        if problem.is_some() {
            continue;
        }
        let who = format!("subscriber {} (reading)", index + 1);
        let missing = want.iter().filter(|n| !numbers.contains(n)).count();
        if missing > 0 {
            let first = want.iter().find(|n| !numbers.contains(n)).map_or(0, |n| n + 1);
            problem = Some(format!(
                "{who} received {} of the {} events published (each publish request answered) while another had stopped reading, {} after the last: {missing} missing, the first of them event {first}: the server's fan-out waits on the stalled subscriber",
                want.len() - missing,
                want.len(),
                seconds(timeout)
            ));
        } else if numbers.iter().take(want.len()).ne(want.iter()) {
            problem = Some(format!("{who} received the events out of order or twice"));
        } else if slowest > limit + GRACE {
            problem = Some(format!(
                "{who} received an event {} after it was published (the limit is {}): the other subscriber's stall held it up",
                seconds(slowest),
                seconds(limit + GRACE)
            ));
        }
    }
    let observed =
        json!({"received": counts, "published": published.len(), "slowest_ms": slowest.as_millis() as u64});
    Finding::new(&OTHERS, problem, observed).passed_as(|| {
        format!(
            "the {READING} reading subscribers received all {} events in order, the slowest {} after its publish request, while another had stopped reading",
            published.len(),
            seconds(slowest)
        )
    })
}

fn number(tag: &str, data: &str) -> Option<usize> {
    data.strip_prefix(tag)?.strip_prefix('-')?.split(' ').next()?.parse().ok()
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
