//! `eventsource`: arbitrary sequences of inputs to spec-impl's EventSource
//! model. It must not panic, and its actions must keep the processing
//! model's rules (§9.2.2, §9.2.3):
//! - `readyState` moves only CONNECTING -> OPEN (announce), OPEN or
//!   CONNECTING -> CONNECTING (reestablish), anything -> CLOSED (fail,
//!   close), and never leaves CLOSED;
//! - no event is dispatched, and no `open` fired, while CLOSED;
//! - no request is made after the connection failed or was closed;
//! - `Last-Event-ID` is sent only with a non-empty value
//!   (`#reestablish-the-connection` step 5.3);
//! - every request carries `Accept: text/event-stream`.

use arbitrary::{Arbitrary, Unstructured};
use spec_impl::{Action, EventSource, ReadyState};

#[derive(Debug, Arbitrary)]
enum Input {
    Response { status: Status, content_type: ContentType, location: Option<Location> },
    Body(Vec<u8>),
    EndOfBody,
    NetworkError,
    TimerFired,
    Close,
}

#[derive(Debug, Arbitrary)]
enum Status {
    Ok,
    Redirect(RedirectStatus),
    Other(u16),
}

#[derive(Debug, Arbitrary)]
enum RedirectStatus {
    MovedPermanently,
    Found,
    SeeOther,
    Temporary,
    Permanent,
}

#[derive(Debug, Arbitrary)]
enum ContentType {
    EventStream,
    WithParameters,
    OddCase,
    Plain,
    Missing,
    Any(String),
}

#[derive(Debug, Arbitrary)]
enum Location {
    Path,
    Absolute,
    OtherScheme,
    Any(String),
}

/// Runs one input; panics when a rule is broken.
pub fn run(data: &[u8]) {
    let Ok(inputs) = Vec::<Input>::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let (mut source, actions) = EventSource::new("http://example.test/events");
    let mut model = Rules { ready_state: ReadyState::Connecting, closed_by_close: false };
    model.check(&actions);
    for input in inputs {
        let actions = match input {
            Input::Response { status, content_type, location } => {
                let status = match status {
                    Status::Ok => 200,
                    Status::Redirect(r) => match r {
                        RedirectStatus::MovedPermanently => 301,
                        RedirectStatus::Found => 302,
                        RedirectStatus::SeeOther => 303,
                        RedirectStatus::Temporary => 307,
                        RedirectStatus::Permanent => 308,
                    },
                    Status::Other(code) => code,
                };
                let mut headers = Vec::new();
                let content_type = match content_type {
                    ContentType::EventStream => Some("text/event-stream".to_owned()),
                    ContentType::WithParameters => Some("text/event-stream; charset=utf-8".to_owned()),
                    ContentType::OddCase => Some("Text/Event-Stream".to_owned()),
                    ContentType::Plain => Some("text/plain".to_owned()),
                    ContentType::Missing => None,
                    ContentType::Any(value) => Some(value),
                };
                headers.extend(content_type.map(|v| ("Content-Type".to_owned(), v)));
                let location = location.map(|l| match l {
                    Location::Path => "/moved".to_owned(),
                    Location::Absolute => "http://other.test/x".to_owned(),
                    Location::OtherScheme => "ftp://other.test/x".to_owned(),
                    Location::Any(value) => value,
                });
                headers.extend(location.map(|v| ("Location".to_owned(), v)));
                source.response(status, &headers)
            }
            Input::Body(bytes) => source.body(&bytes),
            Input::EndOfBody => source.end_of_body(),
            Input::NetworkError => source.network_error(),
            Input::TimerFired => source.timer_fired(),
            Input::Close => {
                model.closed_by_close = true;
                source.close()
            }
        };
        model.check(&actions);
        assert_eq!(source.ready_state(), model.ready_state, "readyState and the actions disagree");
    }
}

/// The rules, checked action by action.
struct Rules {
    ready_state: ReadyState,
    closed_by_close: bool,
}

impl Rules {
    fn check(&mut self, actions: &[Action]) {
        for action in actions {
            match action {
                Action::SetReadyState(next) => {
                    let legal = matches!(
                        (self.ready_state, next),
                        (_, ReadyState::Closed)
                            | (ReadyState::Connecting, ReadyState::Open | ReadyState::Connecting)
                            | (ReadyState::Open, ReadyState::Connecting)
                    );
                    assert!(legal, "readyState {:?} -> {next:?}; actions {actions:?}", self.ready_state);
                    self.ready_state = *next;
                }
                Action::Dispatch(event) => {
                    assert_ne!(self.ready_state, ReadyState::Closed, "dispatched {event:?} while CLOSED");
                }
                Action::FireOpen => {
                    assert_eq!(self.ready_state, ReadyState::Open, "open fired while not OPEN")
                }
                Action::Fetch(request) => {
                    assert_ne!(
                        self.ready_state,
                        ReadyState::Closed,
                        "a request after the connection was closed"
                    );
                    let header = |name: &'static str| {
                        request
                            .headers
                            .iter()
                            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.as_str())
                    };
                    assert!(
                        header("last-event-id").all(|v| !v.is_empty()),
                        "an empty Last-Event-ID: {request:?}"
                    );
                    assert!(header("last-event-id").count() <= 1, "two Last-Event-ID headers: {request:?}");
                    assert_eq!(header("accept").collect::<Vec<_>>(), ["text/event-stream"], "{request:?}");
                }
                Action::Wait { .. } => {
                    assert_eq!(
                        self.ready_state,
                        ReadyState::Connecting,
                        "a reconnection wait while not CONNECTING"
                    );
                }
                Action::AbortFetch
                | Action::FireError
                | Action::SetReconnectionTime(_)
                | Action::Comment(_) => {}
            }
        }
        if self.closed_by_close {
            assert_eq!(
                self.ready_state,
                ReadyState::Closed,
                "close() left readyState {:?}",
                self.ready_state
            );
        }
    }
}
