//! The harness's own HTTP/1.1 server on 127.0.0.1, port 0: one server for a
//! whole run, one path prefix per case (`/c/<n>/...`), playing each case's
//! scripted responses with real chunked transfer and logging every request.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response as HttpResponse, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, watch};

use super::scenario::{End, Response};

/// Requests logged per case; later ones are only counted and answered 503
/// at once, so a client reconnecting in a tight loop cannot grow memory.
pub const MAX_LOGGED_REQUESTS: usize = 200;

/// A reserved path, outside every case's `/c/<n>/` prefix: the page a browser
/// adapter opens so that its EventSource is same-origin with the case URL.
/// Requests to it are never logged nor counted.
pub const BROWSER_PAGE_PATH: &str = "/__ssecheck/browser.html";

/// The page served at [`BROWSER_PAGE_PATH`].
const BROWSER_PAGE: &str = include_str!("browser.html");

/// The pause between a scripted reset's last write and the reset itself.
const RESET_AFTER: std::time::Duration = std::time::Duration::from_millis(100);

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
    /// When the body of the previous response to this case ended, if one did.
    pub previous_end: Option<Instant>,
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
    last_end: Mutex<Option<Instant>>,
    /// Woken on every request.
    pub activity: Notify,
    /// Set to true when the case is over: held bodies end.
    over: watch::Sender<bool>,
    /// Responses whose scripted writes are still being sent.
    writing: std::sync::atomic::AtomicUsize,
}

impl CaseRoute {
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

/// The running server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    routes: Arc<Mutex<HashMap<usize, Arc<CaseRoute>>>>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl Server {
    /// Binds 127.0.0.1 on a free port and starts serving.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let routes: Arc<Mutex<HashMap<usize, Arc<CaseRoute>>>> = Arc::default();
        let accept_routes = routes.clone();
        let accept_task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of file descriptors (a client reconnecting in a
                    // tight loop): let connections close before retrying.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                // Each write reaches the client as its own segment.
                let _ = stream.set_nodelay(true);
                let routes = accept_routes.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let routes = routes.clone();
                        async move { Ok::<_, Infallible>(serve(&routes, request)) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { addr, routes, accept_task })
    }

    /// The URL a case's EventSource is constructed with.
    pub fn case_url(&self, case: usize) -> String {
        format!("http://{}/c/{case}/events", self.addr)
    }

    /// Mounts a case's script; returns its route.
    pub fn mount(&self, case: usize, script: Vec<Response>) -> Arc<CaseRoute> {
        let (over, _) = watch::channel(false);
        let route = Arc::new(CaseRoute {
            script: Mutex::new(script.into()),
            log: Mutex::default(),
            not_logged: std::sync::atomic::AtomicUsize::new(0),
            last_end: Mutex::default(),
            activity: Notify::new(),
            writing: std::sync::atomic::AtomicUsize::new(0),
            over,
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

fn serve(routes: &Mutex<HashMap<usize, Arc<CaseRoute>>>, request: Request<Incoming>) -> HttpResponse<Body> {
    if request.uri().path() == BROWSER_PAGE_PATH {
        return browser_page();
    }
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
    let previous_end = *lock(&route.last_end);
    lock(&route.log).push(ObservedRequest {
        at: Instant::now(),
        path,
        method: request.method().as_str().to_owned(),
        headers,
        previous_end,
    });
    route.activity.notify_waiters();
    let response = lock(&route.script).pop_front().unwrap_or_else(Response::hold);
    respond(route, response)
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

fn respond(route: Arc<CaseRoute>, scripted: Response) -> HttpResponse<Body> {
    let (frames, receiver) = mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
    let mut over = route.over.subscribe();
    let writing = Writing::start(route.clone());
    tokio::spawn(async move {
        for (index, write) in scripted.writes.iter().enumerate() {
            if index > 0 && !scripted.pause.is_zero() {
                tokio::time::sleep(scripted.pause).await;
            }
            if frames.send(Ok(Frame::data(Bytes::copy_from_slice(write)))).await.is_err() {
                return; // the client went away
            }
        }
        drop(writing);
        match scripted.end {
            End::Close => {}
            End::Reset => {
                // hyper drops what it has not yet written when a body fails:
                // give the last write time to reach the socket first.
                tokio::time::sleep(RESET_AFTER).await;
                let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "scripted reset");
                let _ = frames.send(Err(reset)).await;
            }
            End::Hold => {
                let _ = over.wait_for(|over| *over).await;
            }
        }
        *lock(&route.last_end) = Some(Instant::now());
        drop(frames);
    });
    let body = StreamBody::new(tokio_stream_from(receiver)).boxed();
    let mut response = HttpResponse::new(body);
    *response.status_mut() =
        StatusCode::from_u16(scripted.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &scripted.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(value),
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
    use crate::http_client::{Url, open, read_some};

    #[tokio::test]
    async fn the_browser_page_is_served_and_never_logged() {
        let server = Server::start().await.expect("the server starts");
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
}
