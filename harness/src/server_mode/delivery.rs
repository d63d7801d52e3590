//! Whether a published event reaches subscribers when it is published, or
//! waits in a buffer for more traffic to push it out: an unflushed writer in
//! the server, a proxy's response buffering, a compressor that is not
//! flushed. The round trip cannot see this (its sentinel, published right
//! after each payload, is the traffic that pushes a buffer out), so here
//! each event is published alone and waited for.
//!
//! A late event is then followed by filler events, a piece at a time, until
//! it comes out: how much filler that took is the size of the buffer that
//! held it, and the finding says so; one that comes out on its own later
//! was held by a timer.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::content_coding::BROWSER_ACCEPT_ENCODING;
use super::http::Url;
use super::round_trip::{self, Missed, Subscriber};
use super::{Check, Finding, Requests, seconds};
use crate::case::{Capability, Level};

/// `server.delivery.prompt`.
pub const PROMPT: Check = Check {
    id: "server.delivery.prompt",
    title: "An event published alone reaches a subscriber within the latency limit, with no more traffic behind it",
    spec: &["#authoring-notes"],
    level: Level::Should,
    needs: &[Capability::Publish],
};

/// `server.delivery.compression`.
pub const COMPRESSION: Check = Check {
    id: "server.delivery.compression",
    title: "Asked with the Accept-Encoding browsers send, a compressed stream still delivers each event when it is published",
    spec: &["#authoring-notes"],
    level: Level::Should,
    needs: &[Capability::Publish],
};

/// The delivery checks, in report order.
pub const CHECKS: [Check; 2] = [PROMPT, COMPRESSION];

/// Events published alone, one at a time, per check.
const ALONE: usize = 3;
/// The data of one filler event.
const FILLER_PIECE: usize = 4 * 1024;
/// Filler published behind a late event at most.
const FILLER_MAX: usize = 1024 * 1024;
/// The pause between filler events.
const FILLER_PAUSE: Duration = Duration::from_millis(50);
/// How long a late event is waited for, with nothing more published,
/// before filler is: one held by a timer (a proxy waiting for a full packet
/// adds about 200 ms) shows as such, not as a buffer.
const PATIENCE: Duration = Duration::from_millis(500);

/// How the events published alone arrived.
#[derive(Debug)]
struct Timing {
    /// Publish to arrival, for each event that came within the limit.
    prompt: Vec<Duration>,
    /// The first one that did not, and what it took.
    late: Option<Late>,
}

#[derive(Debug)]
struct Late {
    /// From the publish request to its arrival (or to giving up).
    waited: Duration,
    /// Filler published behind it before it arrived.
    filler: usize,
    arrived: bool,
}

impl Late {
    /// What happened, as the middle of a sentence: "waited 2.1 s ...".
    fn describe(&self) -> String {
        let filler = kib(self.filler);
        match (self.arrived, self.filler) {
            (true, 0) => format!(
                "waited {} before it arrived, with nothing more published behind it (a timer held it)",
                seconds(self.waited)
            ),
            (true, _) => format!(
                "waited {} and came out only after {filler} more had been published behind it",
                seconds(self.waited)
            ),
            (false, _) => format!(
                "had not arrived after {}, with {filler} more published behind it",
                seconds(self.waited)
            ),
        }
    }
}

fn kib(bytes: usize) -> String {
    if bytes < 1024 { format!("{bytes} bytes") } else { format!("{} KiB", bytes / 1024) }
}

/// Publishes [`ALONE`] events one at a time, each waited for alone within
/// `limit`; the first late one is pushed with filler until it comes out or
/// `timeout` passes. `Err` when publishing fails or the stream ends.
async fn promptness(
    requests: &Requests,
    publish: &Url,
    subscriber: &mut Subscriber,
    tag: &str,
    limit: Duration,
    timeout: Duration,
) -> Result<Timing, String> {
    let mut prompt = Vec::new();
    for n in 0..ALONE {
        let mark = format!("ssecheck-{tag}-{n}");
        let started = Instant::now();
        publish_one(requests, publish, &json!({"data": mark}), timeout).await?;
        if let Some(at) = wait_for(subscriber, &mark, started + limit).await? {
            prompt.push(at - started);
            continue;
        }
        let deadline = started + timeout;
        if let Some(at) = wait_for(subscriber, &mark, (Instant::now() + PATIENCE).min(deadline)).await? {
            let late = Late { waited: at - started, filler: 0, arrived: true };
            return Ok(Timing { prompt, late: Some(late) });
        }
        let mut filler = 0;
        loop {
            if filler < FILLER_MAX {
                // Hex of a xorshift: a compressor cannot shrink it much, so
                // it fills a compressor's buffer as it fills any other.
                let data = format!("ssecheck-filler {}", noise(filler as u64 + 1, FILLER_PIECE));
                publish_one(requests, publish, &json!({"data": data}), timeout).await?;
                filler += data.len();
            }
            let wait_until = (Instant::now() + FILLER_PAUSE).min(deadline);
            if let Some(at) = wait_for(subscriber, &mark, wait_until).await? {
                let late = Late { waited: at - started, filler, arrived: true };
                return Ok(Timing { prompt, late: Some(late) });
            }
            if Instant::now() >= deadline {
                let late = Late { waited: started.elapsed(), filler, arrived: false };
                return Ok(Timing { prompt, late: Some(late) });
            }
        }
    }
    Ok(Timing { prompt, late: None })
}

/// `len` hex digits of a xorshift sequence seeded with `seed`.
fn noise(seed: u64, len: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(&format!("{x:016x}"));
    }
    out.truncate(len);
    out
}

/// POSTs one payload; `Err` unless it is accepted (2xx).
async fn publish_one(
    requests: &Requests,
    publish: &Url,
    payload: &Value,
    timeout: Duration,
) -> Result<(), String> {
    round_trip::publish_accepted(requests, publish, payload, timeout)
        .await
        .map_err(|why| format!("the publish request {why}"))
}

/// When the event with data `mark` arrived, if before `deadline`; `Err`
/// when the stream ended.
async fn wait_for(
    subscriber: &mut Subscriber,
    mark: &str,
    deadline: Instant,
) -> Result<Option<Instant>, String> {
    match subscriber.arrival_of(mark, deadline).await {
        Ok(at) => Ok(Some(at)),
        Err(Missed::Waited) => Ok(None),
        Err(Missed::Ended) => Err("the stream ended".to_owned()),
    }
}

/// The figures of a timing for `observed`.
fn observed(timing: &Timing, extra: Value) -> Value {
    let mut observed = json!({
        "prompt_ms": timing.prompt.iter().map(|d| d.as_millis() as u64).collect::<Vec<_>>(),
        "late": timing.late.as_ref().map(|late| json!({
            "waited_ms": late.waited.as_millis() as u64,
            "filler_bytes_behind_it": late.filler,
            "arrived": late.arrived,
        })),
    });
    if let (Value::Object(map), Value::Object(more)) = (&mut observed, extra) {
        map.extend(more);
    }
    observed
}

/// "2 ms, 1 ms and 1 ms".
fn listed(durations: &[Duration]) -> String {
    let words: Vec<String> = durations.iter().map(|d| seconds(*d)).collect();
    match words.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Both delivery checks.
pub async fn check(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    limit: Duration,
    timeout: Duration,
) -> Vec<Finding> {
    vec![
        prompt(requests, stream, publish, limit, timeout).await,
        compression(requests, stream, publish, limit, timeout).await,
    ]
}

async fn prompt(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    limit: Duration,
    timeout: Duration,
) -> Finding {
    let mut subscriber = match Subscriber::open(requests, stream, &[], timeout).await {
        Ok(subscriber) => subscriber,
        Err(error) => {
            return Finding::new(&PROMPT, Some(format!("cannot open a subscriber: {error}")), Value::Null);
        }
    };
    subscriber.settle().await;
    match promptness(requests, publish, &mut subscriber, "alone", limit, timeout).await {
        Err(error) => Finding::new(&PROMPT, Some(error), Value::Null),
        Ok(timing) => {
            let problem = timing.late.as_ref().map(|late| {
                format!(
                    "an event published alone {} (the limit is {}): something between the server's writes and the subscriber holds events until more traffic or a timer pushes them out (an unflushed writer, or a proxy's response buffering)",
                    late.describe(),
                    seconds(limit)
                )
            });
            Finding::new(&PROMPT, problem, observed(&timing, json!({}))).passed_as(|| {
                format!(
                    "{ALONE} events published alone arrived after {} (the limit is {})",
                    listed(&timing.prompt),
                    seconds(limit)
                )
            })
        }
    }
}

async fn compression(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    limit: Duration,
    timeout: Duration,
) -> Finding {
    let accept = [("Accept-Encoding".to_owned(), BROWSER_ACCEPT_ENCODING.to_owned())];
    let opened = match requests.stream(stream, &accept, timeout).await {
        Ok(opened) => opened,
        Err(error) => {
            let why = format!("cannot open a subscriber: {}", super::http_error(&error));
            return Finding::new(&COMPRESSION, Some(why), Value::Null);
        }
    };
    let coding = opened.header_values("content-encoding").join(", ");
    let vary = opened.header_values("vary").join(", ");
    let seen = json!({"content_encoding": coding, "vary": vary});
    let compressed = !coding.is_empty() && !coding.eq_ignore_ascii_case("identity");
    if !compressed {
        // How an uncompressed stream's events arrive is server.delivery.prompt.
        return Finding::new(&COMPRESSION, None, seen).passed_as(|| {
            format!(
                "not compressed: asked with Accept-Encoding: {BROWSER_ACCEPT_ENCODING}, the stream came without a Content-Encoding"
            )
        });
    }
    let mut subscriber = match Subscriber::reading(opened) {
        Ok(subscriber) => subscriber,
        Err(error) => {
            let why = format!("asked with Accept-Encoding: {BROWSER_ACCEPT_ENCODING}, the stream {error}");
            return Finding::new(&COMPRESSION, Some(why), seen);
        }
    };
    subscriber.settle().await;
    let timing = match promptness(requests, publish, &mut subscriber, "compressed", limit, timeout).await {
        Ok(timing) => timing,
        Err(error) => return Finding::new(&COMPRESSION, Some(error), seen),
    };
    let problem = timing.late.as_ref().map(|late| {
        format!(
            "the stream came with Content-Encoding: {coding}, and an event published alone {} (the limit is {}): the compressor holds small writes until its buffer fills; flush it after every event, or leave text/event-stream uncompressed",
            late.describe(),
            seconds(limit)
        )
    });
    Finding::new(&COMPRESSION, problem, observed(&timing, seen)).passed_as(|| {
        format!(
            "Content-Encoding: {coding}, and each event still arrived when published ({}; the limit is {}): the compressor is flushed per event",
            listed(&timing.prompt),
            seconds(limit)
        )
    })
}
