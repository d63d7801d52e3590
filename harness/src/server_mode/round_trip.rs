//! Active checks (`--publish`): hold two subscribers open, POST each payload
//! (contract section 4), and check what every subscriber receives, decoded by
//! spec-impl. After each payload a sentinel event is published: what arrived
//! before the sentinel is exactly what the payload produced, so split, merged,
//! swallowed and injected events all show.

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};
use spec_impl::{EventStream, Observation};
use tokio::sync::mpsc;

use super::http::{self, Url};
use super::{Check, Finding, Requests};
use crate::case::{Capability, Level};

/// Decoded events queued per subscriber; the reader then waits, and the
/// server's writes with it.
const EVENTS_IN_FLIGHT: usize = 16;
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

/// Every active check, in report order.
pub fn checks() -> Vec<Check> {
    let mut checks = vec![SUBSCRIBE];
    checks.extend(payloads().into_iter().map(|p| p.check));
    checks.extend([LATENCY, MANY_QUICKLY, LAST_EVENT_ID_RESUME]);
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
fn plain_data(event: &Value) -> String {
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

/// Why the sentinel did not come: what came before it, and whether the
/// stream ended (rather than the wait running out).
struct Stalled {
    events: Vec<Value>,
    ended: bool,
}

/// A stream held open and decoded by spec-impl.
struct Subscriber {
    events: mpsc::Receiver<Value>,
    _reader: tokio::task::JoinHandle<()>,
}

impl Subscriber {
    async fn open(
        requests: &Requests,
        url: &Url,
        extra: &[(String, String)],
        timeout: Duration,
    ) -> Result<Self, String> {
        let mut opened = requests.stream(url, extra, timeout).await.map_err(|e| e.to_string())?;
        if opened.status != 200 {
            return Err(format!("the stream answered status {}", opened.status));
        }
        let (sender, events) = mpsc::channel(EVENTS_IN_FLIGHT);
        let reader = tokio::spawn(async move {
            let mut stream = EventStream::new();
            // Bytes since the last dispatched event: what the stream's
            // buffers can hold at most.
            let mut pending = 0usize;
            loop {
                let far = Instant::now() + Duration::from_secs(3600);
                let Some(Ok(Some(chunk))) = opened.next_chunk(far).await else {
                    return;
                };
                pending += chunk.len();
                for observation in stream.feed(&chunk) {
                    if let Observation::Event(event) = observation {
                        pending = 0;
                        let data = if event.data.len() > MAX_DATA_KEPT {
                            format!("[{} bytes of data, more than the harness keeps]", event.data.len())
                        } else {
                            event.data
                        };
                        let line =
                            json!({"type": event.r#type, "data": data, "lastEventId": event.last_event_id});
                        if sender.send(line).await.is_err() {
                            return;
                        }
                    }
                }
                if pending > MAX_PENDING_BYTES {
                    // An endless line or event: stop reading; the wait for
                    // the sentinel then reports it.
                    return;
                }
            }
        });
        Ok(Self { events, _reader: reader })
    }

    /// The events up to the sentinel with this data, and the sentinel's
    /// lastEventId (what the subscriber's last event ID is now), within
    /// `deadline`; `Err` with what arrived if the sentinel did not. A
    /// sentinel whose data a server JSON-encodes still counts, so such a
    /// server gets a finding per payload instead of one stall.
    async fn until_sentinel(
        &mut self,
        sentinel: &str,
        deadline: Instant,
    ) -> Result<(Vec<Value>, String), Stalled> {
        let mut events = Vec::new();
        loop {
            match tokio::time::timeout_at(deadline.into(), self.events.recv()).await {
                Ok(Some(event)) if plain_data(&event) == sentinel => {
                    let last_event_id = event["lastEventId"].as_str().unwrap_or_default().to_owned();
                    return Ok((events, last_event_id));
                }
                Ok(Some(event)) => {
                    if events.len() < 64 {
                        events.push(event);
                    }
                }
                Ok(None) => return Err(Stalled { events, ended: true }),
                Err(_) => return Err(Stalled { events, ended: false }),
            }
        }
    }
}

/// POSTs a publish payload; the answer's status.
pub(super) async fn post(
    requests: &Requests,
    url: &Url,
    body: &Value,
    timeout: Duration,
) -> Result<u16, String> {
    let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
    let body = Bytes::from(body.to_string());
    let mut opened = requests.other(url, "POST", &headers, body, timeout).await.map_err(|e| e.to_string())?;
    let status = opened.status;
    // Drain a little of the answer so the connection ends cleanly.
    let _ = http::read_some(&mut opened, 4096, Instant::now() + Duration::from_millis(200)).await;
    Ok(status)
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
        let status = post(requests, publish, &payload.json, timeout).await;
        let mark = sentinel(&mut sentinel_count);
        let mark_status = post(requests, publish, &json!({"data": mark}), timeout).await;
        let accepted = matches!(status, Ok(200..=299));
        let refused = matches!(status, Ok(400..=499));
        let expected = if accepted { expected_event(&payload.json, &last_event_id) } else { None };
        let mut received = Vec::new();
        let mut problem = None;
        let mut sentinel_last_event_id = None;
        for (index, subscriber) in subscribers.iter_mut().enumerate() {
            // The second subscriber of a stalled case gets a short wait.
            let wait = if problem.is_some() { timeout.min(Duration::from_millis(300)) } else { timeout };
            let got = subscriber.until_sentinel(&mark, Instant::now() + wait).await;
            let events = match got {
                Ok((events, now)) => {
                    if index == 0 {
                        sentinel_last_event_id = Some(now);
                        latencies.push(started.elapsed());
                    }
                    events
                }
                Err(Stalled { events, ended }) => {
                    stalled_at = Some(payload.check.id);
                    let what = if ended {
                        "the stream ended before the sentinel published after the payload arrived".to_owned()
                    } else {
                        format!(
                            "the sentinel published after the payload did not arrive within {wait:?} (events held back in a buffer, or the stream stalled)"
                        )
                    };
                    problem.get_or_insert(format!(
                        "subscriber {}: {what}; received before it: {}",
                        index + 1,
                        Value::Array(events.clone())
                    ));
                    events
                }
            };
            let want: Vec<Value> = expected.iter().cloned().collect();
            if problem.is_none() && events != want {
                problem = Some(format!(
                    "subscriber {} received {} instead of {}{}",
                    index + 1,
                    Value::Array(events.clone()),
                    Value::Array(want.clone()),
                    if json_encoded(&events, &want) { " (the server JSON-encodes the data)" } else { "" }
                ));
            }
            received.push(Value::Array(events));
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
                    "the publish endpoint answered {code}: a payload the format cannot carry may be refused, but with a 4xx status"
                ));
            }
            Ok(code) if answer_is_wrong => {
                problem =
                    Some(format!("the publish endpoint answered {code} to a payload the standard can carry"));
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
            stalled_at.map_or(String::new(), |at| format!(" (stalled at {at})"))
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
            match tokio::time::timeout_at(deadline.into(), subscriber.events.recv()).await {
                // Loss and order only: a server that JSON-encodes data has
                // its finding in every payload case already.
                Ok(Some(event)) => match plain_data(&event) {
                    data if data == mark => break,
                    data => seen.push(data),
                },
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
                Ok((events, _)) | Err(Stalled { events, .. }) => {
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
