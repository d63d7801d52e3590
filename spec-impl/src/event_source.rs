//! The EventSource processing model as a sans-IO state machine.
//!
//! §9.2.2 "The EventSource interface" (the constructor's fetch and its
//! processResponse steps) and §9.2.3 "Processing model" (announce, reestablish,
//! fail). The driver performs each [`Action`] and reports what happened through
//! the input methods; every input returns the actions it causes, in order.
//! Tasks are queued on one task source (`#remote-event-task-source`), so "queue
//! a task" keeps its order and the model runs each task at once.

use crate::event_stream::{EventStream, MessageEvent, ObservationRef};
use crate::extract_a_mime_type::extract_a_mime_type_essence;
use crate::location_url;

/// The `readyState` attribute (`#dom-eventsource-readystate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ReadyState {
    /// `CONNECTING` (0).
    Connecting = 0,
    /// `OPEN` (1).
    Open = 1,
    /// `CLOSED` (2).
    Closed = 2,
}

/// An HTTP request as it goes out on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    /// The URL requested.
    pub url: String,
    /// The request headers, in header-list order.
    pub headers: Vec<(String, String)>,
    /// The request's method: `GET` for a browser's EventSource; a client
    /// configured with another ([`ClientOptions`]) keeps it until a redirect
    /// changes it.
    pub method: String,
    /// The request's body: `None` (null) for a browser's EventSource.
    pub body: Option<Vec<u8>>,
}

/// Not in the standard: how a non-browser client is configured before its
/// first request (a browser's EventSource always sends `GET` with no body,
/// no headers of the page's choosing and an empty last event ID string).
/// Non-browser libraries offer each of these; the contract's capabilities
/// `method-body` (`SSE_METHOD`, `SSE_BODY`), `headers` (`SSE_HEADERS`) and
/// `initial-last-event-id` (`SSE_LAST_EVENT_ID`) check them. They are set on
/// the request the constructor creates, so, like `Accept`, they stay on it
/// for every reconnection (`#reestablish-the-connection` step 5.4 fetches
/// the same request) until a redirect changes them
/// (`fetch#http-redirect-fetch`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// The method (`None`: `GET`).
    pub method: Option<String>,
    /// The body (`None`: null).
    pub body: Option<Vec<u8>>,
    /// Headers set in the request's header list after `Accept`.
    pub headers: Vec<(String, String)>,
    /// The last event ID string to start with; when not empty the first
    /// request carries it as a reconnection would
    /// (`#reestablish-the-connection` step 5.3).
    pub last_event_id: String,
}

/// What the model asks the driver to do or to report, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// Send this request (a first connection, a reconnection, or a redirect
    /// being followed).
    Fetch(Request),
    /// Abort the fetch in progress.
    AbortFetch,
    /// Wait this many milliseconds, then call [`EventSource::timer_fired`].
    Wait {
        /// The delay.
        ms: u64,
    },
    /// A step set `readyState` (reported every time, even to the same value).
    SetReadyState(ReadyState),
    /// An `open` event was fired.
    FireOpen,
    /// An `error` event was fired (the ready state right after is the last
    /// [`Action::SetReadyState`]).
    FireError,
    /// A `MessageEvent` was dispatched.
    Dispatch(MessageEvent),
    /// A `retry` field set the reconnection time.
    SetReconnectionTime(u64),
    /// A comment line was read (text after the colon).
    Comment(String),
}

/// Where the fetch of the event source's request stands.
#[derive(Debug)]
enum Fetch {
    /// No fetch in progress: waiting to reconnect, failed for good, or closed.
    Idle,
    /// Request sent, no response yet (redirects are followed in this state).
    AwaitingResponse,
    /// A 200 text/event-stream response: its body is being interpreted.
    Interpreting(EventStream),
    /// A response that failed the connection; its body is of no interest.
    Ignoring,
}

/// What a fetch was doing when it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FetchEnded {
    /// No fetch was in progress.
    Nothing,
    /// The request was sent; no response had arrived.
    BeforeResponse,
    /// A body was being interpreted.
    Body,
    /// The response had failed the connection (readyState is CLOSED).
    Ignored,
}

/// An `EventSource` object: the state `#the-eventsource-interface` associates
/// with it, and the steps that change it.
///
/// ```
/// use spec_impl::{Action, EventSource, ReadyState};
/// let (mut source, actions) = EventSource::new("http://example.test/events");
/// assert!(matches!(actions[0], Action::Fetch(_)));
/// let ok = [("Content-Type".to_owned(), "text/event-stream".to_owned())];
/// assert_eq!(source.response(200, &ok), [Action::SetReadyState(ReadyState::Open), Action::FireOpen]);
/// ```
#[derive(Debug)]
pub struct EventSource {
    //§ #dom-eventsource-readystate: "When the object is created its readyState must be set to CONNECTING (0)."
    ready_state: ReadyState,
    /// The request's current URL: where a reconnection goes (the URL after
    /// redirects, since following one appends to the request's URL list).
    current_url: String,
    /// The request's header list (`Accept`, later `Last-Event-ID`).
    header_list: Vec<(String, String)>,
    /// The request's redirect count (never reset: the request is reused).
    redirect_count: u32,
    /// The request's method (`GET` unless [`ClientOptions`] set another; a
    /// redirect may change it, for good: the request is reused).
    method: String,
    /// The request's body (null unless [`ClientOptions`] set one).
    request_body: Option<Vec<u8>>,
    //§ #concept-event-stream-reconnection-time: "This must initially be an implementation-defined value, probably in the region of a few seconds."
    reconnection_time: u64,
    /// The last event ID string (`#concept-event-stream-last-event-id`),
    /// while no stream is being interpreted; during one the stream holds it.
    last_event_id_string: String,
    fetch: Fetch,
}

impl EventSource {
    /// The constructor `new EventSource(url)`, from step 8 on; `url` is the
    /// already-parsed absolute URL. Returns the first [`Action::Fetch`].
    pub fn new(url: &str) -> (Self, Vec<Action>) {
        //§ #dom-eventsource step 10: "User agents may set (`Accept`, `text/event-stream`) in request's header list."
        let header_list = vec![("Accept".to_owned(), "text/event-stream".to_owned())];
        let mut source = Self {
            ready_state: ReadyState::Connecting,
            current_url: url.to_owned(),
            header_list,
            redirect_count: 0,
            method: "GET".to_owned(),
            request_body: None,
            reconnection_time: crate::DEFAULT_RECONNECTION_TIME_MS,
            last_event_id_string: String::new(),
            fetch: Fetch::Idle,
        };
        // Step 15: "Fetch request".
        let actions = vec![source.fetch_request()];
        (source, actions)
    }

    /// Not in the standard (a browser's EventSource always starts with an
    /// empty last event ID string): a client that resumes a stream starts with
    /// `last_event_id`, and its first request carries it as a reconnection
    /// would (`#reestablish-the-connection` step 5.3). Non-browser libraries
    /// offer this; the contract's `initial-last-event-id` capability checks it.
    /// The same as [`Self::with_options`] with only the last event ID set.
    pub fn with_last_event_id(url: &str, last_event_id: &str) -> (Self, Vec<Action>) {
        Self::with_options(
            url,
            &ClientOptions { last_event_id: last_event_id.to_owned(), ..ClientOptions::default() },
        )
    }

    /// Not in the standard: the constructor of a non-browser client
    /// configured with `options` (see [`ClientOptions`] for why each exists
    /// and which contract capability checks it). With the default options it
    /// is [`Self::new`].
    pub fn with_options(url: &str, options: &ClientOptions) -> (Self, Vec<Action>) {
        let (mut source, _) = Self::new(url);
        if let Some(method) = &options.method {
            source.method.clone_from(method);
        }
        source.request_body.clone_from(&options.body);
        for (name, value) in &options.headers {
            set_header(&mut source.header_list, name, value.clone());
        }
        source.last_event_id_string.clone_from(&options.last_event_id);
        if !options.last_event_id.is_empty() {
            set_header(&mut source.header_list, "Last-Event-ID", options.last_event_id.clone());
        }
        let actions = vec![source.fetch_request()];
        (source, actions)
    }

    /// The `readyState` attribute.
    pub fn ready_state(&self) -> ReadyState {
        self.ready_state
    }

    /// The reconnection time, in milliseconds.
    pub fn reconnection_time(&self) -> u64 {
        self.reconnection_time
    }

    /// The last event ID string.
    pub fn last_event_id_string(&self) -> &str {
        match &self.fetch {
            Fetch::Interpreting(stream) => stream.last_event_id_string(),
            _ => &self.last_event_id_string,
        }
    }

    /// The URL the next connection goes to.
    pub fn current_url(&self) -> &str {
        &self.current_url
    }

    /// A response's status and headers arrived (processResponse, step 15).
    pub fn response(&mut self, status: u16, headers: &[(String, String)]) -> Vec<Action> {
        if !matches!(self.fetch, Fetch::AwaitingResponse) {
            return Vec::new();
        }
        if let Some(location) = redirect_location(status, headers) {
            return self.http_redirect_fetch(status, location);
        }
        //§ #dom-eventsource step 15.3: "if res's status is not 200, or if res's `Content-Type` is not `text/event-stream`, then fail the connection."
        let essence = extract_a_mime_type_essence(headers);
        if status != 200 || essence.as_deref() != Some("text/event-stream") {
            self.fetch = Fetch::Ignoring;
            return self.fail_the_connection();
        }
        //§ #dom-eventsource step 15.4: "Otherwise, announce the connection and interpret res's body line by line."
        //§ #event-stream-interpretation "initialized to the empty string": a new stream, new buffers; the last event ID string carries over.
        let last_event_id_string = std::mem::take(&mut self.last_event_id_string);
        self.fetch = Fetch::Interpreting(EventStream::with_last_event_id_string(last_event_id_string));
        self.announce_the_connection()
    }

    /// Bytes of the response body arrived.
    pub fn body(&mut self, bytes: &[u8]) -> Vec<Action> {
        let Fetch::Interpreting(stream) = &mut self.fetch else {
            return Vec::new();
        };
        let mut actions = Vec::new();
        let ready_state = self.ready_state;
        let reconnection_time = &mut self.reconnection_time;
        stream.feed_with(bytes, &mut |observation| match observation {
            ObservationRef::Event { .. } => {
                if ready_state != ReadyState::Closed {
                    if let crate::Observation::Event(event) = observation.to_owned() {
                        actions.push(Action::Dispatch(event));
                    }
                }
            }
            ObservationRef::Comment(text) => actions.push(Action::Comment(text.to_owned())),
            ObservationRef::Retry(ms) => {
                *reconnection_time = ms;
                actions.push(Action::SetReconnectionTime(ms));
            }
        });
        actions
    }

    /// The response body ended normally.
    pub fn end_of_body(&mut self) -> Vec<Action> {
        match self.end_fetch() {
            FetchEnded::Nothing => Vec::new(),
            //§ #dom-eventsource step 14: "if res is not a network error, then reestablish the connection."
            _ => self.reestablish_the_connection(),
        }
    }

    /// The connection failed: before a response (refused, reset, DNS) or
    /// while the body was being received.
    pub fn network_error(&mut self) -> Vec<Action> {
        match self.end_fetch() {
            FetchEnded::Nothing => Vec::new(),
            FetchEnded::Body if !crate::REESTABLISH_ON_BODY_NETWORK_ERROR => Vec::new(),
            //§ #dom-eventsource step 15.2: "Otherwise, if res is a network error, then reestablish the connection"
            _ => self.reestablish_the_connection(),
        }
    }

    /// The wait asked for by [`Action::Wait`] is over.
    pub fn timer_fired(&mut self) -> Vec<Action> {
        //§ #reestablish-the-connection step 5.1: "If the EventSource object's readyState attribute is not set to CONNECTING, then return."
        if self.ready_state != ReadyState::Connecting || !matches!(self.fetch, Fetch::Idle) {
            return Vec::new();
        }
        //§ #reestablish-the-connection step 5.3: "If the EventSource object's last event ID string is not the empty string, then: ... Set (`Last-Event-ID`, lastEventIDValue) in request's header list."
        let last_event_id_value = self.last_event_id_string.clone();
        if !last_event_id_value.is_empty() {
            set_header(&mut self.header_list, "Last-Event-ID", last_event_id_value);
        } else if crate::LAST_EVENT_ID_HEADER_ONLY_WHEN_NON_EMPTY {
            self.header_list.retain(|(name, _)| !name.eq_ignore_ascii_case("last-event-id"));
        }
        //§ #reestablish-the-connection step 5.4: "Fetch request and process the response obtained in this fashion"
        vec![self.fetch_request()]
    }

    /// The `close()` method.
    pub fn close(&mut self) -> Vec<Action> {
        let mut actions = Vec::new();
        //§ #dom-eventsource-close: "must abort any instances of the fetch algorithm started for this EventSource object, and must set the readyState attribute to CLOSED."
        if self.end_fetch() != FetchEnded::Nothing {
            actions.push(Action::AbortFetch);
        }
        self.ready_state = ReadyState::Closed;
        actions.push(Action::SetReadyState(ReadyState::Closed));
        //§ #dom-eventsource step 15.1: "If res is an aborted network error, then fail the connection." (readyState is already CLOSED: that task does nothing)
        actions
    }

    /// Not in the standard (a browser's page can only `close()` and construct
    /// a new EventSource, which forgets the last event ID string): a
    /// non-browser client's restart, which drops the connection and
    /// reconnects at once with the last event ID string it has. The
    /// contract's `restart` capability checks it. It is the client's own
    /// choice, not a failure, so no `error` event is fired; the steps it
    /// takes are the standard's own, without the wait.
    pub fn restart(&mut self) -> Vec<Action> {
        if self.ready_state == ReadyState::Closed {
            return Vec::new();
        }
        let mut actions = Vec::new();
        //§ #event-stream-interpretation "end of the file": "any pending data must be discarded" (end_fetch finishes the stream being interpreted)
        if self.end_fetch() != FetchEnded::Nothing {
            actions.push(Action::AbortFetch);
        }
        //§ #reestablish-the-connection step 1: "Set the readyState attribute to CONNECTING." (without the error event: nothing failed)
        self.ready_state = ReadyState::Connecting;
        actions.push(Action::SetReadyState(ReadyState::Connecting));
        // Steps 5.1 to 5.4 at once, skipping step 2's wait.
        actions.extend(self.timer_fired());
        actions
    }

    /// Ends the fetch in progress, saying what it was doing.
    fn end_fetch(&mut self) -> FetchEnded {
        match std::mem::replace(&mut self.fetch, Fetch::Idle) {
            Fetch::Interpreting(mut stream) => {
                //§ #event-stream-interpretation "end of the file": "any pending data must be discarded"
                stream.finish();
                self.last_event_id_string = stream.last_event_id_string().to_owned();
                FetchEnded::Body
            }
            Fetch::AwaitingResponse => FetchEnded::BeforeResponse,
            Fetch::Ignoring => FetchEnded::Ignored,
            Fetch::Idle => FetchEnded::Nothing,
        }
    }

    /// Sends the request: its header list plus what Fetch adds.
    fn fetch_request(&mut self) -> Action {
        self.fetch = Fetch::AwaitingResponse;
        let mut headers = self.header_list.clone();
        //§ #dom-eventsource step 11: "Set request's cache mode to "no-store"."
        //§ fetch#http-network-or-cache-fetch: "If httpRequest's cache mode is "no-store" or "reload", then: ... append (`Pragma`, `no-cache`) ... append (`Cache-Control`, `no-cache`)"
        headers.push(("Pragma".to_owned(), "no-cache".to_owned()));
        headers.push(("Cache-Control".to_owned(), "no-cache".to_owned()));
        Action::Fetch(Request {
            url: self.current_url.clone(),
            headers,
            method: self.method.clone(),
            body: self.request_body.clone(),
        })
    }

    /// Fetch's "HTTP-redirect fetch", for a redirect status with a `Location`.
    fn http_redirect_fetch(&mut self, status: u16, location: &str) -> Vec<Action> {
        //§ fetch#http-redirect-fetch: "If locationURL is failure, then return a network error." ... "If request's redirect count is 20, then return a network error." ... "Append locationURL to request's URL list."
        match location_url::resolve(&self.current_url, location) {
            Some(url) if self.redirect_count < crate::MAX_REDIRECTS => {
                self.redirect_count += 1;
                //§ fetch#http-redirect-fetch "set request's method to GET": "If one of the following is true: internalResponse's status is 301 or 302 and request's method is `POST`; internalResponse's status is 303 and request's method is not `GET` or `HEAD`, then: Set request's method to `GET` and request's body to null. For each headerName of request-body-header name, delete headerName from request's header list."
                let post = self.method == "POST";
                let get_or_head = self.method == "GET" || self.method == "HEAD";
                if (matches!(status, 301 | 302) && post) || (status == 303 && !get_or_head) {
                    "GET".clone_into(&mut self.method);
                    self.request_body = None;
                    self.header_list.retain(|(name, _)| !is_request_body_header_name(name));
                }
                self.current_url = url;
                vec![self.fetch_request()]
            }
            _ => self.network_error(),
        }
    }

    //§ #announce-the-connection: "queue a task which, if the readyState attribute is set to a value other than CLOSED, sets the readyState attribute to OPEN and fires an event named open"
    fn announce_the_connection(&mut self) -> Vec<Action> {
        if self.ready_state == ReadyState::Closed {
            return Vec::new();
        }
        self.ready_state = ReadyState::Open;
        vec![Action::SetReadyState(ReadyState::Open), Action::FireOpen]
    }

    fn reestablish_the_connection(&mut self) -> Vec<Action> {
        //§ #reestablish-the-connection step 1: "If the readyState attribute is set to CLOSED, abort the task. Set the readyState attribute to CONNECTING. Fire an event named error"
        if self.ready_state == ReadyState::Closed {
            // Step 5.1 will return as well: nothing observable happens.
            return Vec::new();
        }
        self.ready_state = ReadyState::Connecting;
        //§ #reestablish-the-connection step 2: "Wait a delay equal to the reconnection time of the event source."
        vec![
            Action::SetReadyState(ReadyState::Connecting),
            Action::FireError,
            Action::Wait { ms: self.reconnection_time },
        ]
    }

    //§ #fail-the-connection: "queue a task which, if the readyState attribute is set to a value other than CLOSED, sets the readyState attribute to CLOSED and fires an event named error ... it does not attempt to reconnect."
    fn fail_the_connection(&mut self) -> Vec<Action> {
        if self.ready_state == ReadyState::Closed {
            return Vec::new();
        }
        self.ready_state = ReadyState::Closed;
        vec![Action::SetReadyState(ReadyState::Closed), Action::FireError]
    }
}

/// Fetch's "location URL" for a redirect status (301, 302, 303, 307, 308):
/// the single `Location` value, if any.
fn redirect_location(status: u16, headers: &[(String, String)]) -> Option<&str> {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("location")).map(|(_, value)| value.as_str())
}

/// Fetch's "request-body-header name": `Content-Encoding`,
/// `Content-Language`, `Content-Location`, `Content-Type` (byte-case-insensitive).
fn is_request_body_header_name(name: &str) -> bool {
    ["content-encoding", "content-language", "content-location", "content-type"]
        .iter()
        .any(|body_header| name.eq_ignore_ascii_case(body_header))
}

/// Fetch's header list "set": replace the first header of that name (dropping
/// the others) or append.
fn set_header(header_list: &mut Vec<(String, String)>, name: &str, value: String) {
    match header_list.iter().position(|(existing, _)| existing.eq_ignore_ascii_case(name)) {
        Some(index) => {
            header_list[index].1 = value;
            let mut seen = 0;
            header_list.retain(|(existing, _)| {
                let keep = !existing.eq_ignore_ascii_case(name) || seen == 0;
                if existing.eq_ignore_ascii_case(name) {
                    seen += 1;
                }
                keep
            });
        }
        None => header_list.push((name.to_owned(), value)),
    }
}
