//! A scenario: what the harness's server does for one case, connection by
//! connection. The same value is played on the wire (`server`) and in memory
//! through spec-impl's model (`expectation`).

use std::time::Duration;

/// The responses of one case, served in order to the requests the client makes
/// on the case's paths; any request after the last one gets [`Response::hold`].
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// The scripted responses.
    pub responses: Vec<Response>,
    /// Event types the case may dispatch besides `message` (`SSE_EVENT_TYPES`).
    pub event_types: Vec<String>,
    /// Request headers the adapter is asked to send (`SSE_HEADERS`).
    pub headers: Vec<(String, String)>,
    /// The last event ID the adapter is asked to start with
    /// (`SSE_LAST_EVENT_ID`).
    pub initial_last_event_id: Option<String>,
    /// The harness writes `close` to the adapter's stdin once it has printed
    /// its first event.
    pub close_after_first_event: bool,
    /// The harness writes `close` to the adapter's stdin once it has printed
    /// its first error (a reconnection being waited for).
    pub close_after_first_error: bool,
    /// The method the adapter is asked to use (`SSE_METHOD`); `None`: GET.
    pub method: Option<String>,
    /// The body the adapter is asked to send (`SSE_BODY`); `None`: none.
    pub body: Option<String>,
    /// The read timeout the adapter is asked to use (`SSE_READ_TIMEOUT_MS`).
    pub read_timeout_ms: Option<u64>,
    /// The harness writes `restart` to the adapter's stdin once it has
    /// printed its first event and every scripted byte has been sent.
    pub restart_after_first_event: bool,
    /// The harness writes `restart` to the adapter's stdin once it has
    /// printed its first error (a reconnection being waited for).
    pub restart_after_first_error: bool,
}

/// How long a read-timeout case's heartbeat waits between two comment lines
/// ([`End::Heartbeat`]), well inside any timeout a case sets.
pub const HEARTBEAT: Duration = Duration::from_millis(200);

impl Scenario {
    /// The environment the adapter gets for the scenario's capabilities.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = Vec::new();
        if !self.headers.is_empty() {
            let object: serde_json::Map<String, serde_json::Value> =
                self.headers.iter().map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone()))).collect();
            env.push(("SSE_HEADERS".to_owned(), serde_json::Value::Object(object).to_string()));
        }
        if let Some(ms) = self.read_timeout_ms {
            env.push(("SSE_READ_TIMEOUT_MS".to_owned(), ms.to_string()));
        }
        if let Some(id) = &self.initial_last_event_id {
            env.push(("SSE_LAST_EVENT_ID".to_owned(), id.clone()));
        }
        if let Some(method) = &self.method {
            env.push(("SSE_METHOD".to_owned(), method.clone()));
        }
        if let Some(body) = &self.body {
            env.push(("SSE_BODY".to_owned(), body.clone()));
        }
        env
    }
}

/// One HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers (a `Location` is a reference relative to the request URL).
    pub headers: Vec<(String, String)>,
    /// The body, as separate writes: each is sent as its own chunk and
    /// flushed, with `pause` between two writes.
    pub writes: Vec<Vec<u8>>,
    /// The pause between two writes.
    pub pause: Duration,
    /// The writes after the first wait until the harness has sent `close`
    /// to the adapter, then `pause`: the gap a close must take effect in
    /// starts when the close is asked for, not when the first write went
    /// out, so a close that travels through a browser page is judged as
    /// fairly as one a library makes in-process.
    pub after_close: bool,
    /// What happens after the last write.
    pub end: End,
}

/// How a response's body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The body ends normally (the terminating chunk is sent).
    Close,
    /// The connection breaks mid-body (no terminating chunk).
    Reset,
    /// The body stays open until the case is over.
    Hold,
    /// The body stays open until the case is over, with a comment line
    /// (`:\n`) every [`HEARTBEAT`]: a stream a client with a read timeout
    /// must keep.
    Heartbeat,
}

/// The first and only bytes of [`Response::hold`].
pub const HOLD_COMMENT: &[u8] = b":\n";

/// `Content-Type: text/event-stream`.
pub fn event_stream() -> Vec<(String, String)> {
    vec![("Content-Type".to_owned(), "text/event-stream".to_owned())]
}

impl Response {
    /// A 200 `text/event-stream` response with this body in one write.
    pub fn stream(body: &[u8], end: End) -> Self {
        Self::new(200, event_stream(), vec![body.to_vec()], end)
    }

    /// A response with these parts and no pause between writes.
    pub fn new(status: u16, headers: Vec<(String, String)>, writes: Vec<Vec<u8>>, end: End) -> Self {
        let writes = writes.into_iter().filter(|w| !w.is_empty()).collect();
        Self { status, headers, writes, pause: Duration::ZERO, after_close: false, end }
    }

    /// What the server sends once the script is exhausted: an event stream
    /// that stays open, so the case ends without reconnection noise. It
    /// starts with a comment line ("If the line starts with a U+003A COLON
    /// character (:): Ignore the line"), as servers commonly do, so a client
    /// that announces the connection only once the body's first byte arrives
    /// (Gecko; WebKit over HTTP/2) is judged on what the case checks, and the
    /// empty-body parse cases alone check the announcement at the headers.
    pub fn hold() -> Self {
        Self::new(200, event_stream(), vec![HOLD_COMMENT.to_vec()], End::Hold)
    }

    /// The same response with `pause` between writes.
    pub fn paused(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    /// The same response with its later writes sent `pause` after the
    /// harness sends `close` ([`Response::after_close`]).
    pub fn paused_after_close(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self.after_close = true;
        self
    }

    /// The body bytes as one slice.
    pub fn body(&self) -> Vec<u8> {
        self.writes.concat()
    }
}
