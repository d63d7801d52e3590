//! What a conforming client must observe in a scenario, according to
//! spec-impl's EventSource model played over the same script. Nothing here is
//! ever taken from an observed run.

use serde_json::{Value, json};
use spec_impl::{Action, ClientOptions, EventSource, ReadyState, Request};

use super::scenario::{End, Response, Scenario};

/// One request the client must make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedRequest {
    /// The absolute URL.
    pub url: String,
    /// The headers spec-impl sends.
    pub headers: Vec<(String, String)>,
    /// For a reconnection whose delay a `retry` field set: the client must not
    /// connect sooner than this many milliseconds after the previous body ended.
    pub min_delay_ms: Option<u64>,
    /// The method (`GET` unless the scenario sets one and no redirect
    /// changed it).
    pub method: String,
    /// The body (`None`: no body, which a client sends as 0 bytes or none).
    pub body: Option<Vec<u8>>,
}

impl ExpectedRequest {
    /// The value of header `name` spec-impl sends, if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Everything a conforming client does in a scenario.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// The event lines, including `retry` and `comment` (adapters may omit
    /// those two kinds; the comparison leaves them out).
    pub lines: Vec<Value>,
    /// The requests, in order.
    pub requests: Vec<ExpectedRequest>,
    /// The model ended CLOSED: no further request may come.
    pub ends_closed: bool,
    /// The model's next reconnection waits this many milliseconds, more than
    /// [`LONGEST_WATCHED_DELAY_MS`]: the case does not wait for it, and a
    /// request while the case watches is one too many.
    pub unwatched_delay_ms: Option<u64>,
    /// The harness called `close()`: the case watches this many milliseconds
    /// on top of its quiet window, longer than the reconnection time the
    /// case set and than clients' usual defaults ([`CLOSE_WATCH_MS`]), so a
    /// client that stops dispatching but reconnects all the same is seen
    /// doing it.
    pub watch_after_close_ms: Option<u64>,
}

/// The least a case watches after `close()`: clients' usual default
/// reconnection times are 3 to 5 seconds (3 s in browsers and most
/// libraries), so a client that ignores close and reconnects at its default,
/// even one that ignores `retry` too, reconnects within it.
pub const CLOSE_WATCH_MS: u64 = 5000;

/// The longest reconnection time a case waits out. A `retry` value beyond it
/// (up to `u64::MAX` ms) still sets the reconnection time; the case then ends
/// after its quiet window, in which a client that wrapped or clamped the
/// value to a short delay is seen reconnecting.
pub const LONGEST_WATCHED_DELAY_MS: u64 = 60_000;

/// Plays `scenario` through spec-impl's model for an EventSource constructed
/// with `url`.
pub fn expect(scenario: &Scenario, url: &str) -> Expected {
    // The contract's method-body, headers and initial-last-event-id
    // capabilities configure the client before its first request.
    let options = ClientOptions {
        method: scenario.method.clone(),
        body: scenario.body.as_ref().map(|body| body.as_bytes().to_vec()),
        headers: scenario.headers.clone(),
        last_event_id: scenario.initial_last_event_id.clone().unwrap_or_default(),
    };
    let (mut source, mut actions) = EventSource::with_options(url, &options);
    let mut closed = false;
    let mut recorder = Recorder::default();
    let mut responses = scenario.responses.iter();
    let hold = Response::hold();
    let mut pending_delay = None;
    loop {
        let (fetch, wait) = recorder.record(actions, source.ready_state());
        if let Some(ms) = wait {
            if ms > LONGEST_WATCHED_DELAY_MS {
                recorder.expected.unwatched_delay_ms = Some(ms);
                break;
            }
            // Only a delay a `retry` field set is checked: the initial
            // reconnection time is implementation-defined.
            pending_delay = recorder.retry_set.then_some(ms);
            actions = source.timer_fired();
            continue;
        }
        let Some(request) = fetch else {
            break;
        };
        recorder.expected.requests.push(ExpectedRequest {
            url: request.url,
            headers: request.headers,
            min_delay_ms: pending_delay.take(),
            method: request.method,
            body: request.body,
        });
        let response = responses.next().unwrap_or(&hold);
        actions = source.response(response.status, &response.headers);
        if actions.iter().any(|a| matches!(a, Action::Fetch(_))) {
            // A redirect being followed: its body is not the event stream.
            continue;
        }
        for write in &response.writes {
            actions.extend(source.body(write));
            if scenario.close_after_first_event
                && !closed
                && actions.iter().any(|a| matches!(a, Action::Dispatch(_)))
            {
                // The harness calls close() once the first event is out.
                closed = true;
                recorder.expected.watch_after_close_ms = Some(close_watch(&source));
                actions.extend(source.close());
            }
        }
        match response.end {
            End::Close => actions.extend(source.end_of_body()),
            End::Reset => actions.extend(source.network_error()),
            End::Hold => {
                // The stream stays open: nothing more happens in this case.
                recorder.record(actions, source.ready_state());
                break;
            }
        }
        if scenario.close_after_first_error
            && !closed
            && actions.iter().any(|a| matches!(a, Action::FireError))
        {
            // The harness calls close() once the first error is out, while
            // the reconnection is being waited for.
            closed = true;
            recorder.expected.watch_after_close_ms = Some(close_watch(&source));
            actions.extend(source.close());
        }
    }
    recorder.expected.ends_closed = source.ready_state() == ReadyState::Closed;
    recorder.expected
}

/// How long a case watches after `close()`: the reconnection time the case
/// set, and at least [`CLOSE_WATCH_MS`].
fn close_watch(source: &EventSource) -> u64 {
    source.reconnection_time().clamp(CLOSE_WATCH_MS, LONGEST_WATCHED_DELAY_MS)
}

#[derive(Debug, Default)]
struct Recorder {
    expected: Expected,
    /// A `retry` field has set the reconnection time.
    retry_set: bool,
}

impl Recorder {
    /// Records the observable actions; returns the request to send and the
    /// wait to make, if any. `ready_state` is the state before the actions.
    fn record(
        &mut self,
        actions: Vec<Action>,
        mut ready_state: ReadyState,
    ) -> (Option<Request>, Option<u64>) {
        let mut fetch = None;
        let mut wait = None;
        let lines = &mut self.expected.lines;
        for action in actions {
            match action {
                Action::Fetch(request) => fetch = Some(request),
                Action::Wait { ms } => wait = Some(ms),
                Action::SetReadyState(state) => ready_state = state,
                Action::AbortFetch => {}
                Action::FireOpen => lines.push(json!({"kind": "open"})),
                Action::FireError => lines.push(json!({"kind": "error", "readyState": ready_state as u8})),
                Action::Dispatch(event) => lines.push(json!({
                    "kind": "event", "type": event.r#type, "data": event.data, "lastEventId": event.last_event_id
                })),
                Action::SetReconnectionTime(ms) => {
                    self.retry_set = true;
                    lines.push(json!({"kind": "retry", "ms": ms}));
                }
                Action::Comment(text) => lines.push(json!({"kind": "comment", "text": text})),
            }
        }
        (fetch, wait)
    }
}
