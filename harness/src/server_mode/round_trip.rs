//! Active checks (`--publish`): hold two subscribers open, POST each payload
//! (contract section 4), and check what every subscriber receives, decoded by
//! spec-impl. After each payload a sentinel event is published: what arrived
//! before the sentinel is exactly what the payload produced, so split, merged,
//! swallowed and injected events all show.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};
use spec_impl::{EventStream, ObservationRef};
use tokio::sync::mpsc;

use super::content_coding::Decoder;
use super::http::{self, Url};
use super::stream_grammar::{self, FlawedLine, LineFlaw, Lines, Offending};
use super::{Check, Finding, Requests, http_error, seconds};
use crate::case::{Capability, Level};

/// Arrivals (events, retries, flawed lines) queued per subscriber; the
/// reader then waits, and the server's writes with it.
const EVENTS_IN_FLIGHT: usize = 16;
/// Flawed lines named per payload and subscriber.
const FLAWED_LINES_KEPT: usize = 8;
/// Data longer than this (the largest payload is 1 MiB) is replaced by its
/// length: it cannot match, and it is not kept.
const MAX_DATA_KEPT: usize = 2 * 1024 * 1024;
/// Bytes a subscriber reads without an event being dispatched before it
/// gives up (an endless line would otherwise grow the stream's buffers).
const MAX_PENDING_BYTES: usize = 8 * 1024 * 1024;

/// One payload to publish and what must come of it.
#[derive(Debug, Clone)]
pub struct Payload {
    /// The case: `server.publish.<name>`.
    pub check: Check,
    json: Value,
    /// The standard cannot carry it: a 4xx refusal passes.
    refusable: bool,
}

/// The spec steps every payload case exercises.
const PAYLOAD_SPEC: &[&str] = &["#parsing-an-event-stream", "#dispatchMessage step 5"];

/// `server.publish.subscribe`.
pub const SUBSCRIBE: Check = Check {
    id: "server.publish.subscribe",
    title: "Two subscribers can hold the stream open",
    spec: &["#dom-eventsource step 15.4"],
    level: Level::Must,
    needs: &[Capability::Publish],
};

/// `server.publish.many-quickly`.
pub const MANY_QUICKLY: Check = Check {
    id: "server.publish.many-quickly",
    title: "200 events published back to back reach both subscribers, none lost, in order",
    spec: &["#dispatchMessage step 8"],
    level: Level::Must,
    needs: &[Capability::Publish],
};

/// `server.publish.latency`.
pub const LATENCY: Check = Check {
    id: "server.publish.latency",
    title: "How long a published event takes to reach a subscriber (buffering shows here)",
    spec: &["#authoring-notes"],
    level: Level::Info,
    needs: &[Capability::Publish],
};

/// `server.publish.last-event-id-resume`.
pub const LAST_EVENT_ID_RESUME: Check = Check {
    id: "server.publish.last-event-id-resume",
    title: "A reconnection with Last-Event-ID: whether missed events are replayed",
    spec: &["#the-last-event-id-header"],
    level: Level::Info,
    needs: &[Capability::Publish],
};

/// `server.publish.stream-grammar`.
pub const STREAM_GRAMMAR: Check = Check {
    id: "server.publish.stream-grammar",
    title: "What arrives after publishing is UTF-8, and every retry and id value is one clients accept",
    spec: &[
        "#event-stream-interpretation \"UTF-8 decode\"",
        "#processField \"retry\"",
        "#processField \"id\"",
    ],
    level: Level::Must,
    needs: &[Capability::Publish],
};

/// `server.publish.stream-tidy`.
pub const STREAM_TIDY: Check = Check {
    id: "server.publish.stream-tidy",
    title: "What arrives after publishing has no BOM past the start and only the fields event, data, id and retry",
    spec: &["#event-stream-interpretation \"strips one leading BOM\"", "#processField \"Otherwise\""],
    level: Level::Should,
    needs: &[Capability::Publish],
};

/// Every active check, in report order.
pub fn checks() -> Vec<Check> {
    let mut checks = vec![SUBSCRIBE];
    checks.extend(payloads().into_iter().map(|p| p.check));
    checks.extend([LATENCY, MANY_QUICKLY, LAST_EVENT_ID_RESUME, STREAM_GRAMMAR, STREAM_TIDY]);
    checks
}

/// The payloads of contract section 4, each its own case.
pub fn payloads() -> Vec<Payload> {
    let p = |id, title, json, refusable| Payload {
        check: Check { id, title, spec: PAYLOAD_SPEC, level: Level::Must, needs: &[Capability::Publish] },
        json,
        refusable,
    };
    vec![
        p("server.publish.plain", "Plain data", json!({"data": "hello"}), false),
        p(
            "server.publish.multi-line-lf",
            "Data with LF: one event, lines joined by LF",
            json!({"data": "line1\nline2\nline3"}),
            false,
        ),
        p(
            "server.publish.multi-line-crlf",
            "Data with CRLF: one event, CRLF arrives as LF",
            json!({"data": "line1\r\nline2"}),
            false,
        ),
        p(
            "server.publish.multi-line-cr",
            "Data with a lone CR: one event, CR arrives as LF",
            json!({"data": "line1\rline2"}),
            false,
        ),
        p(
            "server.publish.trailing-newline",
            "Data ending in LF keeps it",
            json!({"data": "ends with a newline\n"}),
            false,
        ),
        p(
            "server.publish.leading-spaces",
            "Leading spaces are kept",
            json!({"data": "  two leading spaces"}),
            false,
        ),
        p("server.publish.colons", "Colons in data", json!({"data": "key: value: more"}), false),
        p("server.publish.empty-data", "Empty data is one event with data \"\"", json!({"data": ""}), false),
        p("server.publish.non-ascii", "Non-ASCII text", json!({"data": "héllo wörld ✓ 日本語"}), false),
        p("server.publish.astral", "Characters outside the BMP", json!({"data": "😀 𝄞 🜁"}), false),
        p("server.publish.one-mib", "A 1 MiB data value", json!({"data": "x".repeat(1024 * 1024)}), false),
        p("server.publish.event-name", "An event name", json!({"event": "update", "data": "x"}), false),
        p(
            "server.publish.id",
            "An id becomes lastEventId",
            json!({"id": "ssecheck-id-1", "data": "x"}),
            false,
        ),
        p("server.publish.retry", "A retry value", json!({"retry": 2500, "data": "x"}), false),
        p(
            "server.publish.all-fields",
            "event, data, id and retry together",
            json!({"event": "e", "data": "a\nb", "id": "ssecheck-id-2", "retry": 3000}),
            false,
        ),
        p(
            "server.publish.id-with-lf",
            "An id containing LF: refused, or it injects",
            json!({"id": "1\ndata: injected", "data": "x"}),
            true,
        ),
        p(
            "server.publish.id-with-cr",
            "An id containing CR: refused, or it injects",
            json!({"id": "1\revent: injected", "data": "x"}),
            true,
        ),
        p(
            "server.publish.id-with-nul",
            "An id containing NUL: refused (4xx); clients would ignore it",
            json!({"id": "1\u{0}2", "data": "x"}),
            true,
        ),
        p(
            "server.publish.event-with-lf",
            "An event name containing LF: refused, or it injects",
            json!({"event": "a\ndata: injected", "data": "x"}),
            true,
        ),
        p(
            "server.publish.event-with-crlf",
            "An event name containing CRLF: refused, or it injects",
            json!({"event": "a\r\n\r\ndata: injected", "data": "x"}),
            true,
        ),
    ]
}

/// The event a conforming server delivers for `payload`, given the
/// subscriber's last event ID before it.
fn expected_event(payload: &Value, last_event_id: &str) -> Option<Value> {
    let data = payload["data"].as_str()?;
    let r#type = payload["event"].as_str().filter(|t| !t.is_empty()).unwrap_or("message");
    // §#processField "id": a value containing NUL is ignored.
    let id = payload["id"].as_str().filter(|id| !id.contains('\0')).unwrap_or(last_event_id);
    Some(json!({"type": r#type, "data": data.replace("\r\n", "\n").replace('\r', "\n"), "lastEventId": id}))
}

/// An event's data, or the string it JSON-encodes if it is one.
pub(super) fn plain_data(event: &Value) -> String {
    let data = event["data"].as_str().unwrap_or_default();
    match serde_json::from_str::<Value>(data) {
        Ok(Value::String(inner)) => inner,
        _ => data.to_owned(),
    }
}

/// The next sentinel's data: each is published after what it marks, and
/// what arrives before it is what the marked publish delivered.
fn sentinel(count: &mut usize) -> String {
    *count += 1;
    format!("ssecheck-sentinel-{count}")
}

/// Whether `got` is `want` with each event's data JSON-encoded.
fn json_encoded(got: &[Value], want: &[Value]) -> bool {
    got.len() == want.len()
        && !want.is_empty()
        && got.iter().zip(want).all(|(got, want)| {
            let encoded = want["data"].as_str().map(|d| Value::String(d.to_owned()).to_string());
            got["data"].as_str() == encoded.as_deref() && got["type"] == want["type"]
        })
}

/// What a subscriber's reader reports, in stream order.
#[derive(Debug)]
enum Arrival {
    /// An event was dispatched (its contract event line), and when.
    Event(Value, Instant),
    /// A `retry` field set the reconnection time to this many milliseconds.
    Retry(u64),
    /// A line clients read otherwise than the server meant.
    Flawed(FlawedLine),
}

/// What arrived before a sentinel: what the publish before it delivered.
#[derive(Debug, Default)]
pub(super) struct Delivered {
    /// The events (the first 64).
    pub(super) events: Vec<Value>,
    /// Every reconnection time a `retry` field set.
    retries: Vec<u64>,
    /// The first flawed lines.
    flawed: Vec<FlawedLine>,
    /// The sentinel's lastEventId: the subscriber's last event ID now.
    last_event_id: String,
}

impl Delivered {
    fn take(&mut self, arrival: Arrival) {
        match arrival {
            Arrival::Event(event, _) if self.events.len() < 64 => self.events.push(event),
            Arrival::Event(..) => {}
            Arrival::Retry(ms) if self.retries.len() < 64 => self.retries.push(ms),
            Arrival::Retry(_) => {}
            Arrival::Flawed(line) if self.flawed.len() < FLAWED_LINES_KEPT => self.flawed.push(line),
            Arrival::Flawed(_) => {}
        }
    }
}

/// Why the sentinel did not come: what came before it, and whether the
/// stream ended (rather than the wait running out).
pub(super) struct Stalled {
    pub(super) delivered: Delivered,
    pub(super) ended: bool,
}

/// What [`Subscriber::next_event`] gives.
#[derive(Debug)]
pub(super) enum NextEvent {
    /// An event (its event line) and when it arrived.
    Event(Value, Instant),
    /// The stream ended (or could not be read on).
    Ended,
    /// The deadline passed first.
    Waited,
}

/// Why an awaited event did not come ([`Subscriber::arrival_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missed {
    /// The stream ended (or could not be read on).
    Ended,
    /// The deadline passed first.
    Waited,
}

/// Every flawed line one subscriber read, by flaw.
type Tally = Arc<Mutex<BTreeMap<LineFlaw, Offending>>>;

/// A stream held open and decoded by spec-impl (its Content-Encoding
/// undone first).
pub(super) struct Subscriber {
    arrivals: mpsc::Receiver<Arrival>,
    /// Every flawed line since it opened, for the stream cases.
    tally: Tally,
    _reader: tokio::task::JoinHandle<()>,
}

impl Subscriber {
    pub(super) async fn open(
        requests: &Requests,
        url: &Url,
        extra: &[(String, String)],
        timeout: Duration,
    ) -> Result<Self, String> {
        let opened = requests.stream(url, extra, timeout).await.map_err(|e| http_error(&e))?;
        Self::reading(opened)
    }

    /// Reads a stream that answered (`Err` unless with 200 in a coding it
    /// can undo).
    pub(super) fn reading(mut opened: http::Opened) -> Result<Self, String> {
        if opened.status != 200 {
            return Err(format!("the stream answered status {}", opened.status));
        }
        let mut decoder = Decoder::for_codings(&opened.header_values("content-encoding"))?;
        let (sender, arrivals) = mpsc::channel(EVENTS_IN_FLIGHT);
        let tally = Tally::default();
        let reader_tally = tally.clone();
        let reader = tokio::spawn(async move {
            // The stream is judged line by line as clients split it, and each
            // line, with the flaws found in it, is then fed to spec-impl, so
            // a flawed line and the event it belongs to arrive in order.
            let mut lines = Lines::default();
            let mut stream = EventStream::new();
            // Bytes since the last dispatched event: what the stream's
            // buffers can hold at most.
            let mut pending = 0usize;
            loop {
                let far = Instant::now() + Duration::from_secs(3600);
                let Some(Ok(Some(chunk))) = opened.next_chunk(far).await else {
                    return;
                };
                // A body not in its coding ends the reading: what was
                // expected then does not arrive, and the wait says so.
                let Ok(chunk) = decoder.decode(&chunk) else {
                    return;
                };
                pending += chunk.len();
                let mut arrived = Vec::new();
                lines.feed(&chunk, |offset, line| {
                    for flaw in stream_grammar::line_flaws(offset, line) {
                        let flawed = FlawedLine::new(flaw, offset, line);
                        let mut tally = reader_tally.lock().unwrap_or_else(PoisonError::into_inner);
                        tally.entry(flaw).or_default().add(flawed.clone());
                        arrived.push(Arrival::Flawed(flawed));
                    }
                    let mut observe = |observation: ObservationRef<'_>| match observation {
                        ObservationRef::Event { r#type, data, last_event_id } => {
                            let data = if data.len() > MAX_DATA_KEPT {
                                format!("[{} bytes of data, more than the harness keeps]", data.len())
                            } else {
                                data.to_owned()
                            };
                            arrived.push(Arrival::Event(
                                json!({"type": r#type, "data": data, "lastEventId": last_event_id}),
                                Instant::now(),
                            ));
                        }
                        ObservationRef::Retry(ms) => arrived.push(Arrival::Retry(ms)),
                        ObservationRef::Comment(_) => {}
                    };
                    // Line ends are all alike to the stream: LF stands for each.
                    stream.feed_with(line, &mut observe);
                    stream.feed_with(b"\n", &mut observe);
                });
                for arrival in arrived {
                    if matches!(arrival, Arrival::Event(..)) {
                        pending = 0;
                    }
                    if sender.send(arrival).await.is_err() {
                        return;
                    }
                }
                if pending.max(lines.unfinished()) > MAX_PENDING_BYTES {
                    // An endless line or event: stop reading; the wait for
                    // the sentinel then reports it.
                    return;
                }
            }
        });
        Ok(Self { arrivals, tally, _reader: reader })
    }

    /// The next event within `deadline`, and when it arrived; retries and
    /// flawed lines are passed over.
    pub(super) async fn next_event(&mut self, deadline: Instant) -> NextEvent {
        loop {
            match tokio::time::timeout_at(deadline.into(), self.arrivals.recv()).await {
                Ok(Some(Arrival::Event(event, at))) => return NextEvent::Event(event, at),
                Ok(Some(_)) => {}
                Ok(None) => return NextEvent::Ended,
                Err(_) => return NextEvent::Waited,
            }
        }
    }

    /// When the event whose data is `data` arrived, within `deadline`;
    /// the events before it are passed over.
    pub(super) async fn arrival_of(&mut self, data: &str, deadline: Instant) -> Result<Instant, Missed> {
        loop {
            match self.next_event(deadline).await {
                NextEvent::Event(event, at) if plain_data(&event) == data => return Ok(at),
                NextEvent::Event(..) => {}
                NextEvent::Ended => return Err(Missed::Ended),
                NextEvent::Waited => return Err(Missed::Waited),
            }
        }
    }

    /// Lets the server register a new subscriber, then forgets what it
    /// sent on connecting.
    pub(super) async fn settle(&mut self) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.drain();
    }

    /// Forgets what arrived so far (what the server sends on connecting).
    pub(super) fn drain(&mut self) {
        while self.arrivals.try_recv().is_ok() {}
    }

    /// What arrived up to the sentinel with this data, within `deadline`;
    /// `Err` with what arrived if the sentinel did not. A sentinel whose
    /// data a server JSON-encodes still counts, so such a server gets a
    /// finding per payload instead of one stall.
    pub(super) async fn until_sentinel(
        &mut self,
        sentinel: &str,
        deadline: Instant,
    ) -> Result<Delivered, Stalled> {
        let mut delivered = Delivered::default();
        loop {
            match tokio::time::timeout_at(deadline.into(), self.arrivals.recv()).await {
                Ok(Some(Arrival::Event(event, _))) if plain_data(&event) == sentinel => {
                    delivered.last_event_id = event["lastEventId"].as_str().unwrap_or_default().to_owned();
                    return Ok(delivered);
                }
                Ok(Some(arrival)) => delivered.take(arrival),
                Ok(None) => return Err(Stalled { delivered, ended: true }),
                Err(_) => return Err(Stalled { delivered, ended: false }),
            }
        }
    }
}

/// Whether a fresh subscriber receives one published event within
/// `timeout`; `Err` says what happened instead.
pub(super) async fn delivers(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    timeout: Duration,
) -> Result<(), String> {
    let mut subscriber = Subscriber::open(requests, stream, &[], timeout)
        .await
        .map_err(|e| format!("a fresh subscriber could not open: {e}"))?;
    subscriber.settle().await;
    let mark = "ssecheck-probe";
    post(requests, publish, &json!({"data": mark}), timeout)
        .await
        .map_err(|e| format!("publishing to a fresh subscriber failed: {e}"))?;
    match subscriber.arrival_of(mark, Instant::now() + timeout).await {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("a fresh subscriber received no published event within {}", seconds(timeout))),
    }
}

/// POSTs a payload; `Err` ends a sentence saying why it was not accepted
/// ("was answered 500", "failed: ...").
pub(super) async fn publish_accepted(
    requests: &Requests,
    url: &Url,
    payload: &Value,
    timeout: Duration,
) -> Result<(), String> {
    match post(requests, url, payload, timeout).await {
        Ok(200..=299) => Ok(()),
        Ok(status) => Err(format!("was answered {status}")),
        Err(error) => Err(format!("failed: {error}")),
    }
}

/// POSTs a publish payload; the answer's status.
pub(super) async fn post(
    requests: &Requests,
    url: &Url,
    body: &Value,
    timeout: Duration,
) -> Result<u16, String> {
    post_answer(requests, url, body, timeout).await.map(|(status, _)| status)
}

/// POSTs a publish payload; the answer's status and the start of its body.
async fn post_answer(
    requests: &Requests,
    url: &Url,
    body: &Value,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), String> {
    let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
    let body = Bytes::from(body.to_string());
    let mut opened =
        requests.other(url, "POST", &headers, body, timeout).await.map_err(|e| http_error(&e))?;
    let status = opened.status;
    // Drain a little of the answer so the connection ends cleanly.
    let answer = http::read_some(&mut opened, 4096, Instant::now() + Duration::from_millis(200)).await;
    Ok((status, answer))
}

/// An answer's status, with the start of its body when there is one.
fn answered(status: u16, body: &[u8]) -> String {
    if body.is_empty() {
        return format!("{status} (no body)");
    }
    let text: String = String::from_utf8_lossy(body).chars().take(120).collect();
    format!("{status} ({text:?})")
}

/// What a publish must deliver to every subscriber before the sentinel.
struct Published {
    /// The events, as spec-impl decodes them.
    events: Vec<Value>,
    /// The reconnection time the payload sets.
    retry: Option<u64>,
    /// The subscriber's last event ID afterwards, which the sentinel
    /// (published without an id) carries.
    last_event_id: String,
}

impl Published {
    /// What is wrong with `delivered`, as the rest of a sentence that starts
    /// with the subscriber; `None` when it is what was published.
    fn judge(&self, delivered: &Delivered) -> Option<String> {
        let wrong = if delivered.events != self.events {
            format!(
                "received {} instead of {}{}",
                Value::Array(delivered.events.clone()),
                Value::Array(self.events.clone()),
                if json_encoded(&delivered.events, &self.events) {
                    " (the server JSON-encodes the data)"
                } else {
                    ""
                }
            )
        } else if let Some(wrong) = self.judge_retry(&delivered.retries) {
            wrong
        } else if delivered.last_event_id != self.last_event_id {
            format!(
                "holds the last event ID {:?} after it, not {:?}: the sentinel published next, without an id, arrived with that lastEventId (the server wrote an id the payload did not have, or in the wrong place)",
                delivered.last_event_id, self.last_event_id
            )
        } else if delivered.flawed.iter().any(|line| line.flaw.level() == Level::Must) {
            "received the event, but not every line of it is one clients read as written".to_owned()
        } else {
            return None;
        };
        Some(format!("{wrong}{}", lines_written(&delivered.flawed)))
    }

    /// §#processField "retry": the published value must reach the client
    /// as its reconnection time, exactly.
    fn judge_retry(&self, retries: &[u64]) -> Option<String> {
        let want = self.retry?;
        match retries.last() {
            None => Some(format!(
                "did not set the reconnection time: retry {want} was published, and no retry field clients accept arrived"
            )),
            Some(got) if *got != want => Some(format!(
                "set the reconnection time to {got} ms, not the {want} ms published (retry is in milliseconds)"
            )),
            Some(_) => None,
        }
    }
}

/// The flawed lines of a message: what the server wrote that clients read
/// otherwise.
fn lines_written(flawed: &[FlawedLine]) -> String {
    if flawed.is_empty() {
        return String::new();
    }
    let sentences: Vec<String> = flawed.iter().map(FlawedLine::sentence).collect();
    format!("; the server wrote {}", sentences.join("; "))
}

/// The stream cases: every flawed line each subscriber read, the Must ones
/// and the Should ones.
fn stream_findings(subscribers: &[Subscriber]) -> [Finding; 2] {
    [STREAM_GRAMMAR, STREAM_TIDY].map(|check| {
        let mut kinds: BTreeMap<LineFlaw, (usize, String)> = BTreeMap::new();
        let mut observed = Vec::new();
        for (index, subscriber) in subscribers.iter().enumerate() {
            let tally = subscriber.tally.lock().unwrap_or_else(PoisonError::into_inner);
            for (flaw, offending) in tally.iter().filter(|(flaw, _)| flaw.level() == check.level) {
                let (count, first) = kinds.entry(*flaw).or_default();
                *count += offending.count;
                if let (true, Some(line)) = (first.is_empty(), offending.first.first()) {
                    *first = format!(
                        "{} at byte {} of subscriber {}'s stream",
                        line.shown(),
                        line.offset,
                        index + 1
                    );
                }
                observed.extend(
                    offending
                        .first
                        .iter()
                        .map(|line| json!({"subscriber": index + 1, "line": line.to_json()})),
                );
            }
        }
        let problem = (!kinds.is_empty()).then(|| {
            let kinds: Vec<String> = kinds
                .iter()
                .map(|(flaw, (count, first))| {
                    format!("{count} line(s) with {}, first {first}", flaw.describe())
                })
                .collect();
            kinds.join("; ")
        });
        Finding::new(&check, problem, Value::Array(observed))
    })
}

/// Every active finding. `timeout` bounds each publish and each wait.
pub async fn check(requests: &Requests, stream: &Url, publish: &Url, timeout: Duration) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut subscribers = Vec::new();
    for _ in 0..2 {
        match Subscriber::open(requests, stream, &[], timeout).await {
            Ok(subscriber) => subscribers.push(subscriber),
            Err(error) => {
                findings.push(Finding::new(
                    &SUBSCRIBE,
                    Some(format!("cannot open a subscriber: {error}")),
                    Value::Null,
                ));
                findings.extend(checks().iter().skip(1).map(|check| {
                    Finding::skipped(check, "not checked: no subscriber could be opened".to_owned())
                }));
                return findings;
            }
        }
    }
    findings.push(Finding::new(&SUBSCRIBE, None, json!({"subscribers": subscribers.len()})));
    // Let the server register both subscribers before the first publish.
    tokio::time::sleep(Duration::from_millis(200)).await;
    // What came on connecting belongs to no payload (the stream cases
    // still judge its lines).
    for subscriber in &mut subscribers {
        subscriber.drain();
    }
    let mut last_event_id = String::new();
    let mut sentinel_count = 0;
    // Once events stop arriving, waiting out every later case would only
    // repeat the finding: those cases are skipped, naming the first.
    let mut stalled_at: Option<&'static str> = None;
    // From the publish request to the sentinel's arrival, per payload.
    let mut latencies = Vec::new();
    for payload in payloads() {
        if let Some(first) = stalled_at {
            let why = format!("not checked: events stopped arriving at {first}");
            findings.push(Finding::skipped(&payload.check, why));
            continue;
        }
        let started = Instant::now();
        let answer = post_answer(requests, publish, &payload.json, timeout).await;
        let status = answer.as_ref().map(|(status, _)| *status).map_err(Clone::clone);
        let answer_body = answer.map(|(_, body)| body).unwrap_or_default();
        let mark = sentinel(&mut sentinel_count);
        let mark_status = post(requests, publish, &json!({"data": mark}), timeout).await;
        let accepted = matches!(status, Ok(200..=299));
        let refused = matches!(status, Ok(400..=499));
        let expected = if accepted { expected_event(&payload.json, &last_event_id) } else { None };
        let want = Published {
            events: expected.iter().cloned().collect(),
            retry: if accepted { payload.json["retry"].as_u64() } else { None },
            last_event_id: match &expected {
                Some(event) => event["lastEventId"].as_str().unwrap_or_default().to_owned(),
                None => last_event_id.clone(),
            },
        };
        let mut received = Vec::new();
        let mut retries = Vec::new();
        let mut flawed = Vec::new();
        let mut problem = None;
        let mut sentinel_last_event_id = None;
        for (index, subscriber) in subscribers.iter_mut().enumerate() {
            // The second subscriber of a stalled case gets a short wait.
            let wait = if problem.is_some() { timeout.min(Duration::from_millis(300)) } else { timeout };
            let delivered = match subscriber.until_sentinel(&mark, Instant::now() + wait).await {
                Ok(delivered) => {
                    if index == 0 {
                        sentinel_last_event_id = Some(delivered.last_event_id.clone());
                        latencies.push(started.elapsed());
                    }
                    if problem.is_none() {
                        problem = want.judge(&delivered).map(|p| format!("subscriber {} {p}", index + 1));
                    }
                    delivered
                }
                Err(Stalled { delivered, ended }) => {
                    stalled_at = Some(payload.check.id);
                    let what = if ended {
                        "the stream ended before the sentinel published after the payload arrived".to_owned()
                    } else {
                        format!(
                            "the sentinel published after the payload did not arrive as an event within {} ({})",
                            seconds(wait),
                            if delivered.flawed.is_empty() {
                                "events held back in a buffer, or the stream stalled"
                            } else {
                                "it may be in the lines below, which clients do not read as written"
                            }
                        )
                    };
                    problem.get_or_insert(format!(
                        "subscriber {}: {what}; received before it: {}{}",
                        index + 1,
                        Value::Array(delivered.events.clone()),
                        lines_written(&delivered.flawed)
                    ));
                    delivered
                }
            };
            received.push(Value::Array(delivered.events));
            retries.push(json!(delivered.retries));
            flawed.push(delivered.flawed.iter().map(FlawedLine::to_json).collect::<Value>());
        }
        // The next payload's expectation starts from the ID the subscriber
        // really holds now, so one injected or ignored id is one finding.
        if let Some(now) = sentinel_last_event_id {
            last_event_id = now;
        }
        if let Err(error) = &mark_status {
            problem.get_or_insert(format!("publishing the sentinel failed: {error}"));
        }
        let answer_is_wrong = !(accepted || refused && payload.refusable);
        match &status {
            Err(error) => problem = Some(format!("the publish request failed: {error}")),
            Ok(code) if answer_is_wrong && payload.refusable => {
                problem = Some(format!(
                    "the publish endpoint answered {}: a payload the format cannot carry may be refused, but with a 4xx status",
                    answered(*code, &answer_body)
                ));
            }
            Ok(code) if answer_is_wrong => {
                problem = Some(format!(
                    "the publish endpoint answered {} to a payload the standard can carry{}",
                    answered(*code, &answer_body),
                    if matches!(code, 404 | 405) { " (is --publish the publish URL?)" } else { "" }
                ));
            }
            Ok(code) if accepted && payload.refusable && problem.is_none() => {
                problem = Some(format!("accepted ({code}) a payload the format cannot carry"));
            }
            _ => {}
        }
        findings.push(Finding::new(
            &payload.check,
            problem,
            json!({
                "published": payload.json,
                "publish_status": status.as_ref().ok(),
                "received_before_sentinel": received,
                "retries_before_sentinel": retries,
                "flawed_lines_before_sentinel": flawed,
                "ms": started.elapsed().as_millis() as u64,
            }),
        ));
    }
    findings.push(latency(&mut latencies, stalled_at));
    match stalled_at {
        None => {
            findings
                .push(many_quickly(requests, &mut subscribers, publish, timeout, &mut sentinel_count).await);
            findings.push(resume(requests, stream, publish, timeout).await);
        }
        Some(first) => {
            for check in [MANY_QUICKLY, LAST_EVENT_ID_RESUME] {
                findings.push(Finding::skipped(
                    &check,
                    format!("not checked: events stopped arriving at {first}"),
                ));
            }
        }
    }
    findings.extend(stream_findings(&subscribers));
    findings
}

/// The latency finding: publish to arrival, over the payloads that arrived.
fn latency(latencies: &mut [Duration], stalled_at: Option<&str>) -> Finding {
    latencies.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let message = match (latencies.first(), latencies.last()) {
        (Some(_), Some(max)) => format!(
            "publish to arrival (payload and sentinel, two requests): median {:.0} ms, max {:.0} ms over {} payloads{}",
            ms(&latencies[latencies.len() / 2]),
            ms(max),
            latencies.len(),
            stalled_at.map_or(String::new(), |at| format!("; events stopped arriving at {at}"))
        ),
        _ => format!(
            "no published event arrived{}",
            stalled_at.map_or(String::new(), |at| format!(" (events stopped arriving at {at})"))
        ),
    };
    let observed: Vec<u64> = latencies.iter().map(|d| d.as_millis() as u64).collect();
    Finding::new(&LATENCY, Some(message), json!({"ms": observed}))
}

/// 200 events published back to back: none lost, order kept, on both streams.
async fn many_quickly(
    requests: &Requests,
    subscribers: &mut [Subscriber],
    publish: &Url,
    timeout: Duration,
    sentinel_count: &mut usize,
) -> Finding {
    const COUNT: usize = 200;
    let mut problem = None;
    for n in 0..COUNT {
        if let Err(error) | Ok(Err(error)) =
            post(requests, publish, &json!({"data": format!("quick-{n}")}), timeout)
                .await
                .map(|s| if (200..300).contains(&s) { Ok(()) } else { Err(format!("status {s}")) })
        {
            problem = Some(format!("publishing event {n} failed: {error}"));
            break;
        }
    }
    let mark = sentinel(sentinel_count);
    let _ = post(requests, publish, &json!({"data": mark}), timeout).await;
    let mut counts = Vec::new();
    for (index, subscriber) in subscribers.iter_mut().enumerate() {
        let mut seen = Vec::new();
        let deadline = Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline.into(), subscriber.arrivals.recv()).await {
                // Loss and order only: a server that JSON-encodes data has
                // its finding in every payload case already.
                Ok(Some(Arrival::Event(event, _))) => match plain_data(&event) {
                    data if data == mark => break,
                    data => seen.push(data),
                },
                Ok(Some(_)) => {}
                _ => {
                    problem.get_or_insert(format!("subscriber {}: the sentinel did not arrive", index + 1));
                    break;
                }
            }
        }
        let want: Vec<String> = (0..COUNT).map(|n| format!("quick-{n}")).collect();
        if problem.is_none() && seen != want {
            let lost = want.iter().filter(|w| !seen.contains(w)).count();
            problem = Some(format!(
                "subscriber {} received {} of {COUNT} events ({lost} lost){}",
                index + 1,
                seen.len(),
                if lost == 0 { ", out of order" } else { "" }
            ));
        }
        counts.push(seen.len());
    }
    Finding::new(&MANY_QUICKLY, problem, json!({"received": counts}))
}

/// Reconnecting with Last-Event-ID: does the server replay what followed?
/// The standard leaves that to the server: info either way.
async fn resume(requests: &Requests, stream: &Url, publish: &Url, timeout: Duration) -> Finding {
    let first = json!({"id": "ssecheck-resume-1", "data": "resume-1"});
    let second = json!({"id": "ssecheck-resume-2", "data": "resume-2"});
    let published = async {
        post(requests, publish, &first, timeout).await?;
        post(requests, publish, &second, timeout).await
    }
    .await;
    let header = [("Last-Event-ID".to_owned(), "ssecheck-resume-1".to_owned())];
    let outcome = match (published, Subscriber::open(requests, stream, &header, timeout).await) {
        (Ok(_), Ok(mut subscriber)) => {
            let _ = post(requests, publish, &json!({"data": "ssecheck-resume-sentinel"}), timeout).await;
            match subscriber.until_sentinel("ssecheck-resume-sentinel", Instant::now() + timeout).await {
                Ok(Delivered { events, .. }) | Err(Stalled { delivered: Delivered { events, .. }, .. }) => {
                    if events.iter().any(|e| e["data"] == "resume-2") {
                        "replays the events after Last-Event-ID".to_owned()
                    } else {
                        "does not replay missed events (clients lose what was published while they reconnected)".to_owned()
                    }
                }
            }
        }
        (Err(error), _) => format!("could not publish: {error}"),
        (_, Err(error)) => format!("could not reconnect: {error}"),
    };
    Finding::new(&LAST_EVENT_ID_RESUME, Some(outcome), Value::Null)
}
