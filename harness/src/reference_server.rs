//! The reference SSE server (`cargo xtask serve`): GET /events streams events
//! written by spec-impl's serializer, POST /publish takes the JSON payload of
//! ../shared/contracts.md section 4 and sends it to every open stream.
//! Heartbeat comments keep idle streams alive; a reconnection with
//! `Last-Event-ID` replays what followed that id from a bounded history.
//!
//! It speaks HTTP/1.1 and HTTP/2 on one port (h2c with prior knowledge on
//! cleartext, ALPN `h2` over TLS), serves https with a certificate of the
//! caller's (`Config::tls`), can require a bearer token, and streams the
//! response of a POST to /events as it does a GET's, as LLM-style APIs do.
//!
//! `Flaws` switches on the mistakes real servers make, one at a time, so the
//! suite's own tests can prove server mode catches each; the reference server
//! itself runs with none.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Deserialize;
use spec_impl::{ServerEvent, serialize};
use tokio::sync::{broadcast, mpsc};

/// The largest publish body accepted.
pub const MAX_PUBLISH_BODY: usize = 8 * 1024 * 1024;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// A comment is sent when a stream has been idle this long;
    /// `Duration::ZERO`: never (to stage what an idle timeout does).
    pub heartbeat: Duration,
    /// Events kept for `Last-Event-ID` replay.
    pub history: usize,
    /// Mistakes to make (all off for the reference server).
    pub flaws: Flaws,
    /// Sends `X-Accel-Buffering: no`, nginx's own signal not to buffer the
    /// response. Off only to show what a proxy does without it.
    pub x_accel_buffering_no: bool,
    /// Serve https with this configuration (its ALPN decides HTTP/2).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Every request must carry `Authorization: Bearer <token>`; others get
    /// 401.
    pub bearer_token: Option<String>,
    /// Compresses a stream with gzip when its request accepts gzip, flushing
    /// the compressor after every write, as a compressing server must for
    /// events to arrive when sent.
    pub gzip: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(15),
            history: 1024,
            flaws: Flaws::default(),
            x_accel_buffering_no: true,
            tls: None,
            bearer_token: None,
            gzip: false,
        }
    }
}

/// Mistakes real servers make; each one on its own breaks the standard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flaws {
    /// `Content-Type: text/plain`.
    pub wrong_content_type: bool,
    /// Multi-line data written as one `data:` line (its LFs start new lines).
    pub unsplit_data: bool,
    /// Data split at LF only: a CR stays raw inside a `data:` line.
    pub raw_cr: bool,
    /// `id` and `event` written as given, CR and LF included (injection).
    pub unchecked_fields: bool,
    /// The body is held in a buffer until 64 KiB or the end, not flushed.
    pub buffered: bool,
    /// The stream is encoded as Latin-1, not UTF-8.
    pub latin1: bool,
    /// `retry` written with a unit (`retry: 3000ms`), also once at connect.
    pub retry_with_units: bool,
    /// A published `retry` written in seconds (`retry: 2` for 2500 ms).
    pub retry_in_seconds: bool,
    /// A published `retry` written in seconds with a unit (`retry: 2.5s`);
    /// the stream's own lines are fine.
    pub retry_seconds_with_unit: bool,
    /// A published `retry` written as a decimal number (`retry: 2500.0`), as
    /// a payload read into a float is.
    pub retry_as_decimal: bool,
    /// A published `retry` is not written at all.
    pub retry_dropped: bool,
    /// Events published without an id get an empty `id:` line, which
    /// clears the client's last event ID.
    pub empty_id_without_id: bool,
    /// Each published event starts with a BOM (an encoder that writes one
    /// per write); the stream's own lines are fine.
    pub bom_per_event: bool,
    /// Events written without their terminating blank line.
    pub missing_blank_line: bool,
    /// One stream in seven (`FLAWED_STREAM_EVERY`) skips one live event in
    /// five, as a server that drops writes under load does.
    pub lossy_streams: bool,
    /// One stream in seven sends its live events in swapped pairs, as a
    /// server that writes from several tasks without ordering does.
    pub swapped_streams: bool,
    /// The data is written JSON-encoded (`data: "hello"`), as helper
    /// libraries that serialise every payload do.
    pub json_encoded_data: bool,
    /// Events go through a writer that is flushed only when
    /// [`HELD_UP_TO`] bytes have gathered or by a [`FLUSH_EVERY`] timer: an
    /// event published alone waits (the connect comment is flushed).
    pub unflushed_writer: bool,
    /// With [`Config::gzip`]: the compressor is not flushed after each
    /// write, only when its output reaches [`HELD_UP_TO`] bytes or by the
    /// [`FLUSH_EVERY`] timer.
    pub gzip_unflushed: bool,
    /// Publishing hands the event to each stream's bounded queue in turn,
    /// awaiting each: one subscriber that stops reading stalls the publish
    /// request and every subscriber after it.
    pub sequential_broadcast: bool,
    /// Publishing answers at once and queues the event for one fan-out
    /// task, which hands it to each stream's bounded queue in turn, awaiting
    /// each: one subscriber that stops reading starves every other.
    pub sequential_fan_out: bool,
    /// A reconnection with `Last-Event-ID` replays from the event with that
    /// id, not after it: one event too many.
    pub replay_one_too_many: bool,
    /// A reconnection with `Last-Event-ID` replays the events whose ids
    /// sort after it, in the order of their ids, as a history kept sorted
    /// by id does: right only when ids happen to sort in publishing order.
    pub replay_in_id_order: bool,
    /// Ends a stream after this long without a byte written, as a proxy's
    /// idle timeout does (with `heartbeat` zero, to stage idle survival).
    pub idle_cut: Option<Duration>,
}

/// The most bytes `unflushed_writer` and `gzip_unflushed` hold.
pub const HELD_UP_TO: usize = 8 * 1024;
/// How often `unflushed_writer` and `gzip_unflushed` flush what they hold.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);
/// The bounded queue of each stream with `sequential_broadcast`.
const SEQUENTIAL_QUEUE: usize = 16;

/// With `lossy_streams` or `swapped_streams`, the streams they affect: one
/// in this many, by the order they were opened.
const FLAWED_STREAM_EVERY: u64 = 7;

impl Flaws {
    /// Whether the per-stream flaws touch stream number `stream`.
    fn touch_stream(self, stream: u64) -> bool {
        (self.lossy_streams || self.swapped_streams)
            && stream % FLAWED_STREAM_EVERY == FLAWED_STREAM_EVERY / 2
    }
}

/// A publish payload (contract section 4); every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Payload {
    /// The event type.
    pub event: Option<String>,
    /// The data.
    pub data: Option<String>,
    /// The id.
    pub id: Option<String>,
    /// The reconnection time in ms.
    pub retry: Option<u64>,
}

#[derive(Debug)]
struct State {
    config: Config,
    live: broadcast::Sender<Arc<Published>>,
    /// The history; also the lock that orders publishing.
    history: Mutex<VecDeque<Arc<Published>>>,
    /// With `sequential_broadcast` or `sequential_fan_out`: each open
    /// stream's queue, in the order they opened.
    queues: Mutex<Vec<mpsc::Sender<Arc<Published>>>>,
    /// With `sequential_fan_out`: the fan-out task's queue.
    fan_out: Option<mpsc::UnboundedSender<Arc<Published>>>,
    next_seq: std::sync::atomic::AtomicU64,
    /// Streams opened so far (for the per-stream flaws).
    next_stream: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct Published {
    /// Its place in publishing order.
    seq: u64,
    id: Option<String>,
    bytes: Bytes,
}

/// A running reference server.
#[derive(Debug)]
pub struct ReferenceServer {
    addr: SocketAddr,
    https: bool,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ReferenceServer {
    /// Binds `addr` (port 0 picks a free one) and serves until dropped.
    pub async fn start(addr: SocketAddr, config: Config) -> std::io::Result<Self> {
        let listener = crate::accept_loop::listen(addr)?;
        let addr = listener.local_addr()?;
        let (live, _) = broadcast::channel(config.history.max(16));
        let https = config.tls.is_some();
        let acceptor = config.tls.clone().map(tokio_rustls::TlsAcceptor::from);
        let (fan_out, fan_out_queue) = if config.flaws.sequential_fan_out {
            let (sender, queue) = mpsc::unbounded_channel();
            (Some(sender), Some(queue))
        } else {
            (None, None)
        };
        let state = Arc::new(State {
            config,
            live,
            history: Mutex::default(),
            queues: Mutex::default(),
            fan_out,
            next_seq: 0.into(),
            next_stream: 0.into(),
        });
        if let Some(mut queue) = fan_out_queue {
            let state = Arc::downgrade(&state);
            tokio::spawn(async move {
                while let Some(published) = queue.recv().await {
                    let Some(state) = state.upgrade() else { return };
                    send_in_turn(&state, &published).await;
                }
            });
        }
        let task = tokio::spawn(crate::accept_loop::serve(listener, acceptor, move |connection| {
            let state = state.clone();
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(route(state, request).await) }
            });
            // HTTP/1.1, or HTTP/2 when the client starts with its preface
            // (h2c prior knowledge, or ALPN h2 over TLS).
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            async move {
                let _ = builder.serve_connection(TokioIo::new(connection), service).await;
            }
        }));
        Ok(Self { addr, https, task })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The stream URL.
    pub fn events_url(&self) -> String {
        format!("{}://{}/events", self.scheme(), self.addr)
    }

    fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// The publish URL.
    pub fn publish_url(&self) -> String {
        format!("{}://{}/publish", self.scheme(), self.addr)
    }
}

type Body = BoxBody<Bytes, Infallible>;

fn text(status: StatusCode, message: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{message}\n"))).boxed());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", "text/plain; charset=utf-8".parse().expect("a valid value"));
    response
}

async fn route(state: Arc<State>, request: Request<Incoming>) -> Response<Body> {
    if let Some(token) = &state.config.bearer_token {
        let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
        if authorization != Some(format!("Bearer {token}").as_str()) {
            let mut response = text(StatusCode::UNAUTHORIZED, "a bearer token is required");
            response.headers_mut().insert("www-authenticate", "Bearer".parse().expect("a valid value"));
            return response;
        }
    }
    match (request.method(), request.uri().path()) {
        (&Method::GET | &Method::HEAD, "/events") => events(&state, &request),
        // As LLM-style APIs do: the response of a POST is the stream. The
        // request body (a prompt, say) is read and not used.
        (&Method::POST, "/events") => {
            let (parts, body) = request.into_parts();
            let _ = http_body_util::Limited::new(body, MAX_PUBLISH_BODY).collect().await;
            events(&state, &Request::from_parts(parts, ()))
        }
        (&Method::POST, "/publish") => publish(&state, request).await,
        (&Method::OPTIONS, "/events" | "/publish") => {
            let mut response = text(StatusCode::NO_CONTENT, "");
            response
                .headers_mut()
                .insert("allow", "GET, HEAD, POST, OPTIONS".parse().expect("a valid value"));
            response
        }
        (_, "/events" | "/publish") => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        _ => text(StatusCode::NOT_FOUND, "not found: the stream is at /events, publishing at /publish"),
    }
}

fn events<B>(state: &Arc<State>, request: &Request<B>) -> Response<Body> {
    let flaws = state.config.flaws;
    let x_accel_buffering_no = state.config.x_accel_buffering_no;
    let last_event_id =
        request.headers().get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let gzip = state.config.gzip && accepts_gzip(request);
    // Subscribe before reading the history, so nothing falls between the two.
    let mut live = if flaws.sequential_broadcast || flaws.sequential_fan_out {
        let (sender, queue) = mpsc::channel(SEQUENTIAL_QUEUE);
        state.queues.lock().unwrap_or_else(PoisonError::into_inner).push(sender);
        Live::Queue(queue)
    } else {
        Live::Broadcast(state.live.subscribe())
    };
    let replay: Vec<Arc<Published>> = match &last_event_id {
        Some(id) => {
            let history = state.history.lock().unwrap_or_else(PoisonError::into_inner);
            // The events after the one with that id (the flaw: from it).
            let after = usize::from(!flaws.replay_one_too_many);
            if flaws.replay_in_id_order {
                let mut later: Vec<Arc<Published>> =
                    history.iter().filter(|p| p.id.as_deref() > Some(id.as_str())).cloned().collect();
                later.sort_by(|a, b| a.id.cmp(&b.id));
                later
            } else {
                match history.iter().rposition(|p| p.id.as_deref() == Some(id.as_str())) {
                    Some(position) => history.iter().skip(position + after).cloned().collect(),
                    None => Vec::new(),
                }
            }
        }
        None => Vec::new(),
    };
    let (frames, receiver) = mpsc::channel::<Bytes>(64);
    let heartbeat = state.config.heartbeat;
    let stream = state.next_stream.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let flawed_stream = flaws.touch_stream(stream);
    tokio::spawn(async move {
        // With the per-stream flaws: live events so far, and one held back.
        let (mut live_events, mut held) = (0u64, None::<Arc<Published>>);
        let mut sink = Sink::new(frames, flaws, gzip);
        // Something at once: clients and proxies see the stream is alive.
        let mut hello = String::from(": ssecheck reference server\n");
        if flaws.retry_with_units {
            hello.push_str("retry: 3000ms\n\n");
        }
        if !sink.send(hello.as_bytes()).await || !sink.flush().await {
            return;
        }
        let replayed = replay.last().map(|p| p.seq);
        for published in replay {
            if !sink.send(&published.bytes).await {
                return;
            }
        }
        loop {
            let wake = sink.wake(heartbeat, flaws.idle_cut);
            let next = tokio::select! {
                next = live.recv() => Some(next),
                () = sleep_until(wake) => None,
            };
            match next {
                Some(Next::Event(published)) => {
                    // Events published between subscribing and replaying were
                    // replayed already.
                    if replayed.is_some_and(|seq| published.seq <= seq) {
                        continue;
                    }
                    live_events += 1;
                    if flawed_stream && flaws.lossy_streams && live_events % 5 == 0 {
                        continue;
                    }
                    if flawed_stream && flaws.swapped_streams && held.is_none() {
                        held = Some(published);
                        continue;
                    }
                    if !sink.send(&published.bytes).await {
                        return;
                    }
                    if let Some(first) = held.take() {
                        if !sink.send(&first.bytes).await {
                            return;
                        }
                    }
                }
                // Too slow to keep up: end the stream; the client reconnects
                // with Last-Event-ID and gets the rest from the history.
                Some(Next::Ended) => return,
                None => {
                    if flaws.idle_cut.is_some_and(|cut| sink.last_write.elapsed() >= cut) {
                        return;
                    }
                    if sink.flush_due() && !sink.flush().await {
                        return;
                    }
                    if !heartbeat.is_zero() && sink.last_write.elapsed() >= heartbeat {
                        let idle =
                            held.take().map_or(Bytes::from_static(b":\n"), |first| first.bytes.clone());
                        if !sink.send(&idle).await {
                            return;
                        }
                    }
                }
            }
        }
    });
    let body = StreamBody::new(futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|bytes| (Ok::<_, Infallible>(Frame::data(bytes)), receiver))
    }));
    let mut response = Response::new(body.boxed());
    let content_type = if flaws.wrong_content_type { "text/plain" } else { "text/event-stream" };
    let headers = response.headers_mut();
    headers.insert("content-type", content_type.parse().expect("a valid value"));
    headers.insert("cache-control", "no-store".parse().expect("a valid value"));
    if x_accel_buffering_no {
        // Tells nginx and similar proxies not to buffer the stream.
        headers.insert("x-accel-buffering", "no".parse().expect("a valid value"));
    }
    if gzip {
        headers.insert("content-encoding", "gzip".parse().expect("a valid value"));
        headers.insert("vary", "accept-encoding".parse().expect("a valid value"));
    }
    headers.insert("access-control-allow-origin", "*".parse().expect("a valid value"));
    response
}

/// Whether the request's Accept-Encoding lists gzip (with a q above 0).
fn accepts_gzip<B>(request: &Request<B>) -> bool {
    request.headers().get_all("accept-encoding").iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts.next().is_some_and(|name| name.eq_ignore_ascii_case("gzip"))
                && !parts.any(|p| p.replace(' ', "").eq_ignore_ascii_case("q=0"))
        })
    })
}

async fn sleep_until(wake: Option<tokio::time::Instant>) {
    match wake {
        Some(wake) => tokio::time::sleep_until(wake).await,
        None => std::future::pending().await,
    }
}

/// Where a stream's live events come from: the broadcast every stream
/// shares, or (`sequential_broadcast`) a queue of its own.
enum Live {
    Broadcast(broadcast::Receiver<Arc<Published>>),
    Queue(mpsc::Receiver<Arc<Published>>),
}

/// What [`Live::recv`] gives.
enum Next {
    Event(Arc<Published>),
    /// Lagged behind the broadcast, or the server is gone.
    Ended,
}

impl Live {
    async fn recv(&mut self) -> Next {
        match self {
            Self::Broadcast(live) => live.recv().await.map_or(Next::Ended, Next::Event),
            Self::Queue(queue) => queue.recv().await.map_or(Next::Ended, Next::Event),
        }
    }
}

/// Where a stream's bytes go: straight to the client, or through a gzip
/// encoder, or (flawed) through a Latin-1 encoder or a writer that holds
/// them.
struct Sink {
    frames: mpsc::Sender<Bytes>,
    latin1: bool,
    gzip: Option<flate2::write::GzEncoder<Vec<u8>>>,
    hold: Option<Hold>,
    /// When bytes last went to the client (or were held for it).
    last_write: tokio::time::Instant,
}

/// The flawed writers' buffer: `buffered` holds 64 KiB and is never
/// flushed; `unflushed_writer` and `gzip_unflushed` hold [`HELD_UP_TO`]
/// bytes or until the [`FLUSH_EVERY`] timer.
struct Hold {
    up_to: usize,
    timed: bool,
    bytes: Vec<u8>,
    /// With the timer: when the oldest held byte was written.
    since: Option<tokio::time::Instant>,
}

impl Sink {
    fn new(frames: mpsc::Sender<Bytes>, flaws: Flaws, gzip: bool) -> Self {
        let hold = |up_to, timed| Some(Hold { up_to, timed, bytes: Vec::new(), since: None });
        Self {
            frames,
            latin1: flaws.latin1,
            gzip: gzip.then(|| flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast())),
            hold: if flaws.buffered {
                hold(64 * 1024, false)
            } else if flaws.unflushed_writer || gzip && flaws.gzip_unflushed {
                hold(HELD_UP_TO, true)
            } else {
                None
            },
            last_write: tokio::time::Instant::now(),
        }
    }

    /// When the stream task must wake without an event: the next heartbeat,
    /// the held bytes' flush, the idle cut.
    fn wake(&self, heartbeat: Duration, idle_cut: Option<Duration>) -> Option<tokio::time::Instant> {
        let heartbeat = (!heartbeat.is_zero()).then(|| self.last_write + heartbeat);
        let flush = self.hold.as_ref().and_then(|hold| hold.since).map(|since| since + FLUSH_EVERY);
        let cut = idle_cut.map(|cut| self.last_write + cut);
        [heartbeat, flush, cut].into_iter().flatten().min()
    }

    fn flush_due(&self) -> bool {
        self.hold.as_ref().and_then(|hold| hold.since).is_some_and(|since| since.elapsed() >= FLUSH_EVERY)
    }

    /// Sends `bytes`; false once the client is gone.
    async fn send(&mut self, bytes: &[u8]) -> bool {
        use std::io::Write as _;
        self.last_write = tokio::time::Instant::now();
        let mut bytes = if self.latin1 {
            String::from_utf8_lossy(bytes)
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect()
        } else {
            bytes.to_vec()
        };
        if let Some(encoder) = &mut self.gzip {
            // Writing to a Vec cannot fail.
            let _ = encoder.write_all(&bytes);
            if self.hold.is_none() {
                let _ = encoder.flush();
            }
            bytes = std::mem::take(encoder.get_mut());
        }
        if let Some(hold) = &mut self.hold {
            hold.bytes.extend_from_slice(&bytes);
            if hold.bytes.len() < hold.up_to {
                if hold.timed {
                    hold.since.get_or_insert_with(tokio::time::Instant::now);
                }
                return !self.frames.is_closed();
            }
            hold.since = None;
            bytes = std::mem::take(&mut hold.bytes);
        }
        bytes.is_empty() || self.frames.send(Bytes::from(bytes)).await.is_ok()
    }

    /// Sends what the writer holds (the never-flushed `buffered` writer
    /// holds on); false once the client is gone.
    async fn flush(&mut self) -> bool {
        use std::io::Write as _;
        let mut bytes = Vec::new();
        if let Some(hold) = &mut self.hold {
            if !hold.timed {
                return !self.frames.is_closed();
            }
            hold.since = None;
            bytes = std::mem::take(&mut hold.bytes);
        }
        if let Some(encoder) = &mut self.gzip {
            let _ = encoder.flush();
            bytes.append(encoder.get_mut());
        }
        bytes.is_empty() || self.frames.send(Bytes::from(bytes)).await.is_ok()
    }
}

async fn publish(state: &Arc<State>, request: Request<Incoming>) -> Response<Body> {
    let body = http_body_util::Limited::new(request.into_body(), MAX_PUBLISH_BODY);
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return text(StatusCode::PAYLOAD_TOO_LARGE, "the payload is too large or was cut off"),
    };
    let payload: Payload = match serde_json::from_slice(&bytes) {
        Ok(payload) => payload,
        Err(error) => return text(StatusCode::BAD_REQUEST, &format!("not a publish payload: {error}")),
    };
    let written = match write_event(&payload, state.config.flaws) {
        Ok(written) => written,
        Err(error) => {
            return text(StatusCode::UNPROCESSABLE_ENTITY, &format!("cannot be sent as an event: {error}"));
        }
    };
    let published = {
        // One lock orders the history and the live send alike.
        let mut history = state.history.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = state.next_seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let published = Arc::new(Published { seq, id: payload.id.clone(), bytes: Bytes::from(written) });
        history.push_back(published.clone());
        while history.len() > state.config.history {
            history.pop_front();
        }
        if let Some(fan_out) = &state.fan_out {
            let _ = fan_out.send(published);
            return text(StatusCode::ACCEPTED, "published");
        }
        if !state.config.flaws.sequential_broadcast {
            // No subscriber is not an error: the event is in the history.
            let _ = state.live.send(published);
            return text(StatusCode::ACCEPTED, "published");
        }
        published
    };
    send_in_turn(state, &published).await;
    text(StatusCode::ACCEPTED, "published")
}

/// The flaws `sequential_broadcast` and `sequential_fan_out`: each stream's
/// queue in turn, awaiting each (a full one holds up every stream after it).
async fn send_in_turn(state: &State, published: &Arc<Published>) {
    let queues = state.queues.lock().unwrap_or_else(PoisonError::into_inner).clone();
    for queue in queues {
        if queue.send(published.clone()).await.is_err() {
            state.queues.lock().unwrap_or_else(PoisonError::into_inner).retain(|q| !q.same_channel(&queue));
        }
    }
}

/// The event's bytes: spec-impl's serializer, or a flawed writer.
fn write_event(payload: &Payload, flaws: Flaws) -> Result<String, serialize::SerializeError> {
    let encoded = payload
        .data
        .as_deref()
        .filter(|_| flaws.json_encoded_data)
        .map(|data| serde_json::Value::String(data.to_owned()).to_string());
    let event = ServerEvent {
        comment: None,
        event: payload.event.as_deref(),
        data: encoded.as_deref().or(payload.data.as_deref()),
        id: payload.id.as_deref(),
        retry: payload.retry,
    };
    let flawed_retry = flaws.retry_with_units
        || flaws.retry_in_seconds
        || flaws.retry_seconds_with_unit
        || flaws.retry_as_decimal;
    let flawed = flaws.unsplit_data
        || flaws.raw_cr
        || flaws.unchecked_fields
        || flawed_retry
        || flaws.retry_dropped
        || flaws.empty_id_without_id
        || flaws.missing_blank_line;
    // Refusing what cannot be represented stays, unless that is the flaw.
    let checked = serialize::to_string(&event);
    if !flawed || (checked.is_err() && !flaws.unchecked_fields) {
        let bom = if flaws.bom_per_event { "\u{FEFF}" } else { "" };
        return checked.map(|written| format!("{bom}{written}"));
    }
    let mut out = String::new();
    if let Some(event_type) = &payload.event {
        out.push_str(&format!("event: {event_type}\n"));
    }
    if let Some(data) = &payload.data {
        if flaws.unsplit_data {
            out.push_str(&format!("data: {data}\n"));
        } else if flaws.raw_cr {
            for line in data.split('\n') {
                out.push_str(&format!("data: {line}\n"));
            }
        } else {
            for line in data.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
                out.push_str(&format!("data: {line}\n"));
            }
        }
    }
    match &payload.id {
        Some(id) => out.push_str(&format!("id: {id}\n")),
        None if flaws.empty_id_without_id => out.push_str("id:\n"),
        None => {}
    }
    match payload.retry {
        Some(_) if flaws.retry_dropped => {}
        Some(retry) if flaws.retry_in_seconds => out.push_str(&format!("retry: {}\n", retry / 1000)),
        Some(retry) if flaws.retry_seconds_with_unit => {
            out.push_str(&format!("retry: {}s\n", retry as f64 / 1000.0));
        }
        Some(retry) if flaws.retry_as_decimal => out.push_str(&format!("retry: {:.1}\n", retry as f64)),
        Some(retry) if flaws.retry_with_units => out.push_str(&format!("retry: {retry}ms\n")),
        Some(retry) => out.push_str(&format!("retry: {retry}\n")),
        None => {}
    }
    if !flaws.missing_blank_line {
        out.push('\n');
    }
    Ok(out)
}
