//! The harness's own HTTP server on 127.0.0.1, port 0: one server for a
//! whole run, one path prefix per case (`/c/<n>/...`), playing each case's
//! scripted responses with real chunked transfer (HTTP/1.1) or DATA frames
//! (HTTP/2) and logging every request. It speaks exactly one protocol per
//! run ([`Protocol`]): HTTP/1.1, or HTTP/2 only (prior knowledge on http://,
//! ALPN `h2` alone on https://), so a client is checked on the protocol it
//! was asked to use and cannot fall back to another.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response as HttpResponse, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, mpsc, watch};

use super::scenario::{End, Response};
use crate::tls::{self, LoopbackCa};

/// Requests logged per case; later ones are only counted and answered 503
/// at once, so a client reconnecting in a tight loop cannot grow memory.
pub const MAX_LOGGED_REQUESTS: usize = 200;

/// Request body bytes kept per request; beyond them only the length is
/// counted.
pub const MAX_LOGGED_BODY: usize = 64 * 1024;

/// How long the server waits for a request's whole body before it answers
/// (and logs the body as incomplete).
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// A reserved path, outside every case's `/c/<n>/` prefix: the page a browser
/// adapter opens so that its EventSource is same-origin with the case URL.
/// Requests to it are never logged nor counted.
pub const BROWSER_PAGE_PATH: &str = "/__ssecheck/browser.html";

/// The page served at [`BROWSER_PAGE_PATH`].
const BROWSER_PAGE: &str = include_str!("browser.html");

/// The pause between a scripted reset's last write and the reset itself.
const RESET_AFTER: std::time::Duration = std::time::Duration::from_millis(100);

/// The environment variables that point an adapter at the run's CA file:
/// the contract's own, then the ones OpenSSL, Node.js and Python's requests
/// read, so common libraries trust it without code.
pub const CA_FILE_VARIABLES: [&str; 4] =
    ["SSE_CA_FILE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE"];

/// Response headers of HTTP/1.1's connection management, which HTTP/2
/// forbids (RFC 9113 section 8.2.2) and hyper strips from an h2 response.
pub const CONNECTION_SPECIFIC: [&str; 6] =
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"];

/// What the harness serves every case over (`--http2`, `--tls`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Protocol {
    /// HTTP/2 only: prior knowledge on http://, ALPN `h2` alone on https://.
    pub http2: bool,
    /// https://, with a certificate of a CA made for the run.
    pub tls: bool,
}

impl Protocol {
    /// `SSE_HTTP_VERSION`: `1.1` or `2`.
    pub fn http_version(self) -> &'static str {
        if self.http2 { "2" } else { "1.1" }
    }

    /// As reports name it: `HTTP/1.1` or `HTTP/2`.
    pub fn name(self) -> &'static str {
        if self.http2 { "HTTP/2" } else { "HTTP/1.1" }
    }

    /// The first scripted header this protocol cannot carry. A case that
    /// scripts one is skipped: served without it, it could pass for the
    /// wrong reason.
    pub fn cannot_carry(self, responses: &[Response]) -> Option<&str> {
        if !self.http2 {
            return None;
        }
        responses
            .iter()
            .flat_map(|response| &response.headers)
            .map(|(name, _)| name.as_str())
            .find(|name| CONNECTION_SPECIFIC.iter().any(|c| c.eq_ignore_ascii_case(name)))
    }
}

/// A request the client under test made.
#[derive(Debug, Clone)]
pub struct ObservedRequest {
    /// When it arrived.
    pub at: Instant,
    /// The request target (path and query).
    pub path: String,
    /// The method.
    pub method: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// `HTTP/1.1` or `HTTP/2` (`HTTP/1.0` when the client spoke it).
    pub version: &'static str,
    /// When the body of the previous response to this case ended, if one did.
    pub previous_end: Option<Instant>,
    /// When the last scripted write of a previous response was sent (the
    /// start of the silence a read timeout measures), if any.
    pub previous_last_write: Option<Instant>,
    /// The request body, up to [`MAX_LOGGED_BODY`] bytes.
    pub body: Vec<u8>,
    /// The body's whole length (what arrived within [`BODY_DEADLINE`]).
    pub body_length: usize,
    /// Whether the body ended within [`BODY_DEADLINE`] (and without error).
    pub body_complete: bool,
}

impl ObservedRequest {
    /// The values of header `name`.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
}

/// One case's place on the server.
#[derive(Debug)]
pub struct CaseRoute {
    script: Mutex<VecDeque<Response>>,
    log: Mutex<Vec<ObservedRequest>>,
    /// Requests beyond [`MAX_LOGGED_REQUESTS`], only counted.
    not_logged: std::sync::atomic::AtomicUsize,
    /// The latest request whose response body has ended, and when.
    last_end: Mutex<Option<(usize, Instant)>>,
    /// When the latest scripted write of any response was sent.
    last_write: Mutex<Option<Instant>>,
    /// Woken on every request.
    pub activity: Notify,
    /// Set to true when the case is over: held bodies end.
    over: watch::Sender<bool>,
    /// Set to true once the harness has sent `close` to the adapter.
    close_sent: watch::Sender<bool>,
    /// Responses whose scripted writes are still being sent.
    writing: std::sync::atomic::AtomicUsize,
}

impl CaseRoute {
    /// The body of the response to request `index` ended at `at`. A body of
    /// an earlier request that ends later (a redirect's, which the client
    /// need not read, its task scheduled late) is not the previous end of
    /// the requests after it.
    fn body_ended(&self, index: usize, at: Instant) {
        let mut last = lock(&self.last_end);
        if last.is_none_or(|(latest, _)| index >= latest) {
            *last = Some((index, at));
        }
    }

    /// The harness has sent `close`: a response scripted
    /// [`Response::after_close`] sends its later writes.
    pub fn close_sent(&self) {
        self.close_sent.send_replace(true);
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<ObservedRequest> {
        lock(&self.log).clone()
    }

    /// Whether a response is still sending its scripted writes: a case is
    /// judged only after every byte it serves has been sent.
    pub fn writes_pending(&self) -> bool {
        self.writing.load(std::sync::atomic::Ordering::SeqCst) > 0
    }

    /// How many requests so far, logged or not.
    pub fn request_count(&self) -> usize {
        lock(&self.log).len() + self.requests_not_logged()
    }

    /// Requests beyond [`MAX_LOGGED_REQUESTS`].
    pub fn requests_not_logged(&self) -> usize {
        self.not_logged.load(std::sync::atomic::Ordering::Relaxed)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

type Body = BoxBody<Bytes, std::io::Error>;

type Routes = Arc<Mutex<HashMap<usize, Arc<CaseRoute>>>>;

/// The running server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    protocol: Protocol,
    routes: Routes,
    accept_task: tokio::task::JoinHandle<()>,
    /// Under TLS: the run's CA certificate, in a folder that lives as long
    /// as the server.
    ca_file: Option<(tempfile::TempDir, PathBuf)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl Server {
    /// Binds 127.0.0.1 on a free port and starts serving over `protocol`;
    /// under TLS with a new loopback CA, its certificate written to a file
    /// in a new temporary folder.
    pub async fn start(protocol: Protocol) -> std::io::Result<Self> {
        let (acceptor, ca_file) = if protocol.tls {
            let ca = LoopbackCa::new().map_err(std::io::Error::other)?;
            let folder = tempfile::Builder::new().prefix("ssecheck-ca-").tempdir()?;
            let path = folder.path().join("loopback-ca.pem");
            ca.write_ca(&path)?;
            // ALPN offers the one protocol served: a client that cannot
            // speak it fails the handshake instead of falling back.
            let alpn = if protocol.http2 { tls::ALPN_H2 } else { tls::ALPN_HTTP1 };
            let config = ca.server_config(&[alpn]).map_err(std::io::Error::other)?;
            (Some(tokio_rustls::TlsAcceptor::from(config)), Some((folder, path)))
        } else {
            (None, None)
        };
        let listener = crate::accept_loop::listen(([127, 0, 0, 1], 0).into())?;
        let addr = listener.local_addr()?;
        let routes: Routes = Arc::default();
        let accept_routes = routes.clone();
        let accept_task = tokio::spawn(crate::accept_loop::serve(listener, acceptor, move |connection| {
            serve_connection(connection, protocol.http2, accept_routes.clone())
        }));
        Ok(Self { addr, protocol, routes, accept_task, ca_file })
    }

    /// The URL a case's EventSource is constructed with.
    pub fn case_url(&self, case: usize) -> String {
        let scheme = if self.protocol.tls { "https" } else { "http" };
        format!("{scheme}://{}/c/{case}/events", self.addr)
    }

    /// What the server speaks.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The environment every adapter gets for the protocol: `SSE_HTTP_VERSION`
    /// and, under TLS, the CA file in each of [`CA_FILE_VARIABLES`].
    pub fn adapter_env(&self) -> Vec<(String, String)> {
        let mut env = vec![("SSE_HTTP_VERSION".to_owned(), self.protocol.http_version().to_owned())];
        if let Some((_, path)) = &self.ca_file {
            let path = path.to_string_lossy();
            env.extend(CA_FILE_VARIABLES.iter().map(|name| ((*name).to_owned(), path.clone().into_owned())));
        }
        env
    }

    /// Mounts a case's script; returns its route.
    pub fn mount(&self, case: usize, script: Vec<Response>) -> Arc<CaseRoute> {
        let (over, _) = watch::channel(false);
        let (close_sent, _) = watch::channel(false);
        let route = Arc::new(CaseRoute {
            script: Mutex::new(script.into()),
            log: Mutex::default(),
            not_logged: std::sync::atomic::AtomicUsize::new(0),
            last_end: Mutex::default(),
            last_write: Mutex::default(),
            activity: Notify::new(),
            writing: std::sync::atomic::AtomicUsize::new(0),
            over,
            close_sent,
        });
        lock(&self.routes).insert(case, route.clone());
        route
    }

    /// Ends a case: held bodies end and later requests get 404.
    pub fn unmount(&self, case: usize) {
        if let Some(route) = lock(&self.routes).remove(&case) {
            route.over.send_replace(true);
        }
    }
}

/// Serves one connection (TCP or TLS) over HTTP/1.1 or, with `http2`,
/// HTTP/2 only: a client that starts with HTTP/1.1 fails the connection
/// preface, so no request of another protocol is ever logged.
async fn serve_connection<I>(io: I, http2: bool, routes: Routes)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request| {
        let routes = routes.clone();
        async move { Ok::<_, Infallible>(serve(&routes, request).await) }
    });
    let io = TokioIo::new(io);
    if http2 {
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(io, service)
            .await;
    } else {
        let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
    }
}

/// What a request's body was: the bytes kept, the whole length, whether it
/// ended in time.
async fn read_request_body(body: Incoming) -> (Vec<u8>, usize, bool) {
    let mut body = body;
    let mut kept = Vec::new();
    let mut length = 0usize;
    let deadline = tokio::time::Instant::now() + BODY_DEADLINE;
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    length = length.saturating_add(data.len());
                    let room = MAX_LOGGED_BODY.saturating_sub(kept.len());
                    kept.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            Ok(None) => return (kept, length, true),
            Ok(Some(Err(_))) | Err(_) => return (kept, length, false),
        }
    }
}

async fn serve(
    routes: &Mutex<HashMap<usize, Arc<CaseRoute>>>,
    request: Request<Incoming>,
) -> HttpResponse<Body> {
    if request.uri().path() == BROWSER_PAGE_PATH {
        return browser_page();
    }
    let request_version = request.version();
    let path = request.uri().path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let case = path.strip_prefix("/c/").and_then(|rest| rest.split('/').next()).and_then(|n| n.parse().ok());
    let Some(route) = case.and_then(|case: usize| lock(routes).get(&case).cloned()) else {
        return plain(StatusCode::NOT_FOUND);
    };
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect();
    if lock(&route.log).len() >= MAX_LOGGED_REQUESTS {
        // A client reconnecting in a tight loop: count, answer at once.
        route.not_logged.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        route.activity.notify_waiters();
        return plain(StatusCode::SERVICE_UNAVAILABLE);
    }
    let previous_end = lock(&route.last_end).map(|(_, at)| at);
    let previous_last_write = *lock(&route.last_write);
    let version = crate::http_client::version_name(request.version());
    let at = Instant::now();
    let method = request.method().as_str().to_owned();
    // The whole body before the response: a client that sends less than it
    // announced is answered all the same once the deadline passes.
    let (body, body_length, body_complete) = read_request_body(request.into_body()).await;
    let mut log = lock(&route.log);
    let index = log.len();
    log.push(ObservedRequest {
        at,
        path,
        method,
        headers,
        version,
        previous_end,
        previous_last_write,
        body,
        body_length,
        body_complete,
    });
    drop(log);
    route.activity.notify_waiters();
    let response = lock(&route.script).pop_front().unwrap_or_else(Response::hold);
    respond(route, index, response, request_version == hyper::Version::HTTP_2)
}

fn browser_page() -> HttpResponse<Body> {
    let body = http_body_util::Full::new(Bytes::from_static(BROWSER_PAGE.as_bytes()));
    let mut response = HttpResponse::new(body.map_err(|e| match e {}).boxed());
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-store"));
    response
}

fn plain(status: StatusCode) -> HttpResponse<Body> {
    let mut response = HttpResponse::new(http_body_util::Empty::new().map_err(|e| match e {}).boxed());
    *response.status_mut() = status;
    response
}

/// A response sending its writes; counted in [`CaseRoute::writes_pending`]
/// until dropped, which wakes the case's observer (with a stored permit, so
/// the wake-up is not lost if it is not waiting at that moment).
struct Writing(Arc<CaseRoute>);

impl Writing {
    fn start(route: Arc<CaseRoute>) -> Self {
        route.writing.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(route)
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        self.0.writing.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        self.0.activity.notify_one();
    }
}

/// `http2`: the response goes out over HTTP/2, where "a field value MUST NOT
/// start or end with an ASCII whitespace character" (RFC 9113 section
/// 8.2.1): a scripted value's outer whitespace is left out, as an HTTP/1.1
/// parser strips it as optional whitespace, so the client sees the same value
/// over either.
fn respond(route: Arc<CaseRoute>, index: usize, scripted: Response, http2: bool) -> HttpResponse<Body> {
    let (frames, receiver) = mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
    let mut over = route.over.subscribe();
    let mut close_sent = route.close_sent.subscribe();
    let writing = Writing::start(route.clone());
    tokio::spawn(async move {
        for (index, write) in scripted.writes.iter().enumerate() {
            if index == 1 && scripted.after_close {
                // Until the harness has sent `close`, or the case is over.
                tokio::select! {
                    _ = close_sent.wait_for(|sent| *sent) => {}
                    _ = over.wait_for(|over| *over) => return,
                }
            }
            if index > 0 && !scripted.pause.is_zero() {
                tokio::time::sleep(scripted.pause).await;
            }
            if frames.send(Ok(Frame::data(Bytes::copy_from_slice(write)))).await.is_err() {
                return; // the client went away
            }
            *lock(&route.last_write) = Some(Instant::now());
        }
        drop(writing);
        match scripted.end {
            End::Close => {}
            End::Reset => {
                // A failing body makes hyper close the connection without
                // the terminating chunk (HTTP/1.1) or send RST_STREAM
                // INTERNAL_ERROR (HTTP/2); both drop what is not yet on the
                // socket (h2 clears the stream's send queue). So wait until
                // hyper has taken the last write (the channel is empty; over
                // h2 it then takes the error only once that write has flow
                // control capacity), then give it time to reach the socket.
                let taken =
                    tokio::time::timeout(RESET_AFTER * 50, frames.reserve_many(frames.max_capacity()));
                match taken.await {
                    Ok(Ok(permits)) => drop(permits),
                    Ok(Err(_)) => return, // the client went away
                    Err(_) => {}          // a client that stopped reading: reset all the same
                }
                tokio::time::sleep(RESET_AFTER).await;
                let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "scripted reset");
                let _ = frames.send(Err(reset)).await;
            }
            End::Hold => {
                let _ = over.wait_for(|over| *over).await;
            }
            End::Heartbeat => loop {
                if *over.borrow() {
                    break;
                }
                tokio::select! {
                    changed = over.changed() => if changed.is_err() { break },
                    () = tokio::time::sleep(super::scenario::HEARTBEAT) => {
                        if frames.send(Ok(Frame::data(Bytes::from_static(b":\n")))).await.is_err() {
                            return; // the client went away
                        }
                    }
                }
            },
        }
        route.body_ended(index, Instant::now());
        drop(frames);
    });
    let body = StreamBody::new(tokio_stream_from(receiver)).boxed();
    let mut response = HttpResponse::new(body);
    *response.status_mut() =
        StatusCode::from_u16(scripted.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &scripted.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(if http2 { value.trim_matches([' ', '\t']) } else { value }),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// An mpsc receiver as a `Stream` of frames.
fn tokio_stream_from(
    mut receiver: mpsc::Receiver<Result<Frame<Bytes>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Send + Sync + 'static {
    futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_client::{Client, Transport, Url, open, read_some};
    use crate::tls::Trust;

    #[tokio::test]
    async fn the_browser_page_is_served_and_never_logged() {
        let server = Server::start(Protocol::default()).await.expect("the server starts");
        let route = server.mount(0, Vec::new());
        let page =
            Url::parse(&format!("http://{}{BROWSER_PAGE_PATH}?src=x&sink=y", server.addr)).expect("a URL");
        let timeout = std::time::Duration::from_secs(5);
        let mut opened = open(&page, "GET", &[], Bytes::new(), timeout).await.expect("the page answers");
        assert_eq!(opened.status, 200);
        assert_eq!(opened.header_values("content-type"), ["text/html; charset=utf-8"]);
        let body = read_some(&mut opened, 1 << 20, Instant::now() + timeout).await;
        assert_eq!(body, BROWSER_PAGE.as_bytes());
        assert_eq!(route.request_count(), 0);
    }

    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

    fn client(trust: Trust, h2c_prior_knowledge: bool, http1_only: bool) -> Client {
        Client::new(Transport { trust, h2c_prior_knowledge, http1_only })
    }

    fn ca_file(server: &Server) -> std::path::PathBuf {
        let env = server.adapter_env();
        let files: Vec<&str> = CA_FILE_VARIABLES
            .iter()
            .filter_map(|v| env.iter().find(|(n, _)| n == v).map(|(_, p)| p.as_str()))
            .collect();
        assert_eq!(files.len(), CA_FILE_VARIABLES.len(), "{env:?}");
        assert!(files.iter().all(|f| *f == files[0]), "one file in every variable: {env:?}");
        files[0].into()
    }

    #[tokio::test]
    async fn http2_cleartext_speaks_prior_knowledge_only() {
        let server = Server::start(Protocol { http2: true, tls: false }).await.expect("the server starts");
        assert_eq!(server.adapter_env(), [("SSE_HTTP_VERSION".to_owned(), "2".to_owned())]);
        let route = server.mount(0, vec![Response::stream(b"data: a\n\n", End::Close)]);
        let url = Url::parse(&server.case_url(0)).expect("a URL");
        // An HTTP/1.1 request fails the connection preface: never logged.
        let http1 = client(Trust::Platform, false, false).open(&url, "GET", &[], Bytes::new(), TIMEOUT).await;
        assert!(http1.is_err(), "{:?}", http1.map(|o| o.status));
        assert_eq!(route.request_count(), 0);
        let mut opened = client(Trust::Platform, true, false)
            .open(&url, "GET", &[], Bytes::new(), TIMEOUT)
            .await
            .expect("h2c answers");
        assert_eq!((opened.status, opened.version), (200, "HTTP/2"));
        assert_eq!(read_some(&mut opened, 1024, Instant::now() + TIMEOUT).await, b"data: a\n\n");
        let requests = route.requests();
        assert_eq!(
            requests.iter().map(|r| (r.version, r.path.as_str())).collect::<Vec<_>>(),
            [("HTTP/2", "/c/0/events")]
        );
    }

    #[tokio::test]
    async fn tls_serves_with_the_run_ca_and_offers_one_protocol() {
        for http2 in [false, true] {
            let server = Server::start(Protocol { http2, tls: true }).await.expect("the server starts");
            assert!(server.case_url(0).starts_with("https://127.0.0.1:"));
            let ca = ca_file(&server);
            assert!(std::fs::read_to_string(&ca).expect("the CA file").contains("BEGIN CERTIFICATE"));
            let route = server.mount(0, vec![Response::stream(b"data: a\n\n", End::Close)]);
            let url = Url::parse(&server.case_url(0)).expect("a URL");
            let trusted = client(Trust::CaFile(ca.clone()), false, false);
            let mut opened =
                trusted.open(&url, "GET", &[], Bytes::new(), TIMEOUT).await.expect("https answers");
            let (version, alpn) = if http2 { ("HTTP/2", "h2") } else { ("HTTP/1.1", "http/1.1") };
            assert_eq!((opened.status, opened.version), (200, version));
            assert_eq!(opened.tls.as_ref().and_then(|t| t.alpn.as_deref()), Some(alpn));
            assert_eq!(read_some(&mut opened, 1024, Instant::now() + TIMEOUT).await, b"data: a\n\n");
            assert_eq!(route.requests().iter().map(|r| r.version).collect::<Vec<_>>(), [version]);
            if http2 {
                // A client offering only http/1.1 cannot fall back to it.
                let http1 = client(Trust::CaFile(ca.clone()), false, true);
                assert!(http1.open(&url, "GET", &[], Bytes::new(), TIMEOUT).await.is_err());
                assert_eq!(route.request_count(), 1);
            }
            drop(server);
            assert!(!ca.exists(), "the CA's folder goes with the server");
        }
    }

    #[tokio::test]
    async fn a_scripted_reset_over_http2_comes_after_the_last_write() {
        let server = Server::start(Protocol { http2: true, tls: false }).await.expect("the server starts");
        let script = Response::new(
            200,
            super::super::scenario::event_stream(),
            vec![b"data: a\n\n".to_vec(), b"data: b".to_vec()],
            End::Reset,
        )
        .paused(std::time::Duration::from_millis(20));
        server.mount(0, vec![script]);
        let url = Url::parse(&server.case_url(0)).expect("a URL");
        let mut opened = client(Trust::Platform, true, false)
            .open(&url, "GET", &[], Bytes::new(), TIMEOUT)
            .await
            .expect("h2c answers");
        let mut body = Vec::new();
        let ended = loop {
            match opened.next_chunk(Instant::now() + TIMEOUT).await {
                Some(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
                other => break other,
            }
        };
        assert_eq!(body, b"data: a\n\ndata: b");
        assert!(matches!(ended, Some(Err(_))), "the stream is reset, not ended: {ended:?}");
    }

    #[tokio::test]
    async fn a_body_ending_late_is_not_the_previous_end_of_later_requests() {
        let server = Server::start(Protocol::default()).await.expect("the server starts");
        let route = server.mount(0, Vec::new());
        let (first, second) = (Instant::now(), Instant::now() + std::time::Duration::from_millis(50));
        // The second response's body ends first; the first's (a redirect's,
        // say) only after it.
        route.body_ended(1, first);
        route.body_ended(0, second);
        assert_eq!(lock(&route.last_end).map(|(_, at)| at), Some(first));
        route.body_ended(2, second);
        assert_eq!(lock(&route.last_end).map(|(_, at)| at), Some(second));
    }

    #[test]
    fn no_case_scripts_a_header_http2_cannot_carry() {
        let http2 = Protocol { http2: true, tls: false };
        for case in super::super::cases::all().expect("the cases") {
            assert_eq!(http2.cannot_carry(&case.scenario.responses), None, "{}", case.id);
        }
        let mut chunked = Response::stream(b"", End::Close);
        chunked.headers.push(("Transfer-Encoding".to_owned(), "chunked".to_owned()));
        assert_eq!(http2.cannot_carry(std::slice::from_ref(&chunked)), Some("Transfer-Encoding"));
        assert_eq!(Protocol::default().cannot_carry(&[chunked]), None);
    }
}
