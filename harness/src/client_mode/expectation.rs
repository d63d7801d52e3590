//! What a conforming client must observe in a scenario, according to
//! spec-impl's EventSource model played over the same script. Nothing here is
//! ever taken from an observed run.

use std::time::Duration;

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
    /// For a reconnection after a read timeout: the client must not connect
    /// sooner than this many milliseconds after the last byte it was sent.
    pub min_silence_ms: Option<u64>,
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
    /// request while the case watches (its quiet window and
    /// [`CLOSE_WATCH_MS`] more) is one too many.
    pub unwatched_delay_ms: Option<u64>,
    /// The harness called `close()`: the case watches this many milliseconds
    /// on top of its quiet window, longer than the reconnection time the
    /// case set and than clients' usual defaults ([`CLOSE_WATCH_MS`]), so a
    /// client that stops dispatching but reconnects all the same is seen
    /// doing it.
    pub watch_after_close_ms: Option<u64>,
    /// The index of the request a `restart` makes: it must come at once,
    /// within [`RESTART_WITHIN_MS`] of the command.
    pub restart_request: Option<usize>,
}

/// How soon after `restart` the new request must come: "at once", with room
/// for a slow machine, and well below the reconnection time the restart
/// cases set (6000 ms), so a client that waits it is caught.
pub const RESTART_WITHIN_MS: u64 = 2000;

/// The least a case watches after `close()`, and after a `retry` too long
/// to wait out (on top of the quiet window): clients' usual default
/// reconnection times are 3 to 5 seconds (3 s in browsers and most
/// libraries), so a client that ignores close and reconnects at its default,
/// even one that ignores `retry` too, reconnects within it.
pub const CLOSE_WATCH_MS: u64 = 5000;

/// The longest reconnection time a case waits out. A `retry` value beyond it
/// (up to `u64::MAX` ms) still sets the reconnection time; the case then ends
/// after its quiet window and [`CLOSE_WATCH_MS`] more, in which a client that
/// wrapped or clamped the value to a short delay is seen reconnecting.
pub const LONGEST_WATCHED_DELAY_MS: u64 = 60_000;

/// Plays `scenario` through spec-impl's model for an EventSource constructed
/// with `url`.
/// `reconnects`: whether the client reestablishes the connection; one that
/// does not (`--no-reconnect`) gives up where the standard reestablishes it,
/// once, with an error at readyState CLOSED, and nothing follows.
pub fn expect(scenario: &Scenario, url: &str, reconnects: bool) -> Expected {
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
    let mut restarted = false;
    let mut dispatched = false;
    let mut recorder = Recorder::default();
    let mut responses = scenario.responses.iter();
    let hold = Response::hold();
    let mut pending_delay = None;
    let mut pending_silence = None;
    let mut pending_restart = false;
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
        if std::mem::take(&mut pending_restart) {
            recorder.expected.restart_request = Some(recorder.expected.requests.len());
        }
        recorder.expected.requests.push(ExpectedRequest {
            url: request.url,
            headers: request.headers,
            min_delay_ms: pending_delay.take(),
            method: request.method,
            body: request.body,
            min_silence_ms: pending_silence.take(),
        });
        // Past the script the server holds the stream open and silent; a
        // read timeout applies only to scripted responses, so the play ends.
        let (response, scripted) = match responses.next() {
            Some(response) => (response, true),
            None => (&hold, false),
        };
        actions = source.response(response.status, &response.headers);
        if actions.iter().any(|a| matches!(a, Action::Fetch(_))) {
            // A redirect being followed: its body is not the event stream.
            continue;
        }
        let read_timeout = scenario.read_timeout_ms.filter(|_| scripted);
        // A pause longer than the read timeout before a write: the client
        // abandons the stream after the writes before it.
        let silent_gap = read_timeout.is_some_and(|ms| response.pause > Duration::from_millis(ms));
        let mut timed_out = false;
        for (index, write) in response.writes.iter().enumerate() {
            if index > 0 && silent_gap {
                timed_out = true;
                break;
            }
            actions.extend(source.body(write));
            dispatched |= actions.iter().any(|a| matches!(a, Action::Dispatch(_)));
            if scenario.close_after_first_event && !closed && dispatched {
                // The harness calls close() once the first event is out.
                closed = true;
                recorder.expected.watch_after_close_ms = Some(close_watch(&source));
                actions.extend(source.close());
            }
        }
        if scenario.restart_after_first_event && !restarted && dispatched && !closed {
            // The harness writes `restart` once the first event is out and
            // every scripted byte has been sent: the rest is dropped.
            restarted = true;
            pending_restart = true;
            actions.extend(source.restart());
            continue;
        }
        let silence_times_out = read_timeout.is_some() && matches!(response.end, End::Hold);
        if timed_out || silence_times_out {
            // The client's read timeout: a network error while the body was
            // being received, after that much silence.
            actions.extend(source.network_error());
            pending_silence = read_timeout;
        } else {
            match response.end {
                End::Close => actions.extend(source.end_of_body()),
                End::Reset => actions.extend(source.network_error()),
                End::Hold | End::Heartbeat => {
                    // The stream stays open: nothing more happens in this case.
                    recorder.record(actions, source.ready_state());
                    break;
                }
            }
        }
        if !reconnects && actions.iter().any(|a| matches!(a, Action::Wait { .. })) {
            // The standard would reestablish the connection: a client
            // without reconnection reports that it has given up instead.
            actions.retain(|a| {
                !matches!(
                    a,
                    Action::SetReadyState(_) | Action::FireError | Action::Wait { .. } | Action::Fetch(_)
                )
            });
            actions.extend([Action::SetReadyState(ReadyState::Closed), Action::FireError]);
            recorder.record(actions, source.ready_state());
            recorder.expected.ends_closed = true;
            return recorder.expected;
        }
        let first_error = actions.iter().any(|a| matches!(a, Action::FireError));
        if scenario.close_after_first_error && !closed && first_error {
            // The harness calls close() once the first error is out, while
            // the reconnection is being waited for.
            closed = true;
            recorder.expected.watch_after_close_ms = Some(close_watch(&source));
            actions.extend(source.close());
        }
        if scenario.restart_after_first_error && !restarted && !closed && first_error {
            // The harness writes `restart` once the first error is out: the
            // wait is skipped.
            restarted = true;
            pending_restart = true;
            actions.retain(|a| !matches!(a, Action::Wait { .. }));
            actions.extend(source.restart());
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
