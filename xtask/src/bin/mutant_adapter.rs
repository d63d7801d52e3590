//! `ssecheck-mutant-adapter [--bug NAME]... URL`: a small SSE client written
//! independently of spec-impl (blocking std sockets, its own HTTP/1.1 and
//! event-stream parsing), correct by default, that can be given the library
//! bugs listed at the end of ../shared/spec-notes.md one by one. The
//! client-mode tests run it with each bug to prove the harness catches it,
//! and without bugs to prove the harness does not blame a correct client.
//!
//! It speaks the adapter protocol of ../shared/contracts.md section 3 and
//! stops when its stdin closes. It offers the capabilities `headers`
//! (`SSE_HEADERS`), `method-body` (`SSE_METHOD`, `SSE_BODY`) and
//! `initial-last-event-id` (`SSE_LAST_EVENT_ID`) unless run with
//! `--no-capabilities`, which ignores those variables.

use std::io::{BufRead as _, Read, Write as _};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

/// The bugs, by the names the tests use.
const BUGS: &[&str] = &[
    "leading-bom-kept",
    "second-bom-stripped",
    "lone-cr-waits",
    "retry-only-block-dropped",
    "retry-space-not-parsed",
    "retry-as-seconds",
    "crlf-split-twice",
    "empty-event-dispatched",
    "unknown-field-error",
    "reconnect-after-failure",
    "empty-last-event-id-sent",
    "block-id-as-last-event-id",
    "no-reconnect-delay",
    "partial-event-dispatched-on-error",
    "partial-event-dispatched-at-end",
    // What a retry value sets, and what carries over to the next connection.
    "retry-leading-digits",
    "retry-float",
    "retry-python-int",
    "retry-invalid-resets-default",
    "retry-octal-leading-zero",
    "retry-32-bit-wrap",
    "retry-32-bit-wrap-floor",
    "retry-timer-overflow",
    "retry-at-dispatch",
    "retry-per-connection",
    "error-backoff-ignores-retry",
    "id-only-on-event",
    "id-set-at-field",
    "last-event-id-latin1",
    "buffers-kept-across-connections",
    "bom-only-first-connection",
    // What the first request and a redirect's target must be, what every
    // request carries, and events of any size delivered at once.
    "any-2xx-accepted",
    "first-status-not-checked",
    "redirect-303-refused",
    "redirect-target-status-ignored",
    "delivery-waits-for-next-read",
    "line-cap-8192",
    "accept-first-request-only",
    "cache-control-first-request-only",
    "empty-body-fails",
    "open-at-first-byte",
    "content-type-not-checked",
    // The contract's capabilities, for the life of the connection.
    "headers-first-request-only",
    "headers-dropped-on-redirect",
    "method-get-on-reconnect",
    "body-dropped-on-reconnect",
    "body-length-in-chars",
    "post-kept-on-303",
    "get-on-307",
    "method-get-without-body",
    "initial-id-every-request",
    "initial-id-first-request-only",
    // The stdin commands and the read timeout.
    "close-reconnects-later",
    "restart-fires-error",
    "restart-waits-reconnection-time",
    "restart-keeps-partial-event",
    "restart-forgets-last-event-id",
    "read-timeout-from-connect",
    "read-timeout-reset-by-events-only",
    "read-timeout-first-connection-only",
    "read-timeout-a-tenth",
    // Legal but against a SHOULD: a warning, which --strict makes a failure.
    "no-cache-control",
];

const BOM: &[u8] = b"\xEF\xBB\xBF";
const DEFAULT_RECONNECTION_MS: u64 = 3000;
const MAX_REDIRECTS: u32 = 20;
const MAX_HEAD: usize = 64 * 1024;
/// What `error-backoff-ignores-retry` waits after a broken connection.
const ERROR_BACKOFF_MS: u64 = 1000;
/// The least reconnection time `retry-32-bit-wrap-floor` waits (Gecko's
/// `MIN_RECONNECTION_TIME_VALUE`).
const RETRY_FLOOR_MS: u64 = 500;
/// The longest delay JavaScript's `setTimeout` honours; beyond it the timer
/// fires at once (`retry-timer-overflow`).
const TIMER_MAX_MS: u64 = 2_147_483_647;
/// The line buffer of `line-cap-8192`: longer lines are cut to it.
const LINE_CAP: usize = 8192;
/// The buffer `delivery-waits-for-next-read` outgrows: once an event's data
/// is longer, a blank line ending a read waits for more bytes.
const READ_BUFFER: usize = 4096;

/// `close` arrived on stdin (with the capabilities on).
static CLOSE: AtomicBool = AtomicBool::new(false);
/// `restart` arrived on stdin and is not yet carried out.
static RESTART: AtomicBool = AtomicBool::new(false);
/// Nothing more is printed (after `close`, for `close-reconnects-later`).
static MUTE: AtomicBool = AtomicBool::new(false);
/// How often a blocked read looks at the commands and the read timeout.
const POLL: Duration = Duration::from_millis(20);

/// Hostile behaviours (`--hostile NAME`): not a client at all, an adapter
/// written to hurt the harness.
const HOSTILE: &[&str] = &["huge-line", "flood", "reconnect-storm"];

fn main() {
    let mut bugs = Vec::new();
    let mut hostile = None;
    let mut capabilities = true;
    let mut reconnects = true;
    let mut url = std::env::var("SSE_URL").ok();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--bug" {
            match args.next() {
                Some(bug) if BUGS.contains(&bug.as_str()) => bugs.push(bug),
                other => fail_usage(&format!("--bug takes one of {BUGS:?}, not {other:?}")),
            }
        } else if arg == "--no-capabilities" {
            capabilities = false;
        } else if arg == "--no-reconnect" {
            // As a parser over one response: the end of the body is the end.
            reconnects = false;
        } else if arg == "--hostile" {
            match args.next() {
                Some(name) if HOSTILE.contains(&name.as_str()) => hostile = Some(name),
                other => fail_usage(&format!("--hostile takes one of {HOSTILE:?}, not {other:?}")),
            }
        } else {
            url = Some(arg);
        }
    }
    let Some(url) = url else { fail_usage("no URL given (argument or SSE_URL)") };
    if let Some(name) = hostile {
        run_hostile(&name, &url);
    }
    // The harness writes commands to stdin and closes it when the case is
    // over.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            match line.trim() {
                "close" if capabilities => CLOSE.store(true, Ordering::SeqCst),
                "restart" if capabilities => RESTART.store(true, Ordering::SeqCst),
                _ => {}
            }
        }
        std::process::exit(0);
    });
    let configured = if capabilities { Configured::from_env() } else { Configured::default() };
    let last_event_id = if bugs.iter().any(|b| b == "initial-id-first-request-only") {
        String::new()
    } else {
        configured.last_event_id.clone().unwrap_or_default()
    };
    Client {
        bugs,
        reconnects,
        last_event_id,
        reconnection_ms: DEFAULT_RECONNECTION_MS,
        connections: 0,
        broken: false,
        kept_buffers: (String::new(), String::new()),
        opened: false,
        redirected: false,
        method: configured.method.clone().unwrap_or_else(|| "GET".to_owned()),
        body: configured.body.clone(),
        headers: configured.headers.clone(),
        configured,
    }
    .run(url);
}

/// What the harness asks the adapter to configure (the contract's
/// capabilities), read from the environment.
#[derive(Debug, Default)]
struct Configured {
    /// `SSE_HEADERS`, in the object's order.
    headers: Vec<(String, String)>,
    /// `SSE_METHOD`.
    method: Option<String>,
    /// `SSE_BODY`.
    body: Option<String>,
    /// `SSE_LAST_EVENT_ID`.
    last_event_id: Option<String>,
    /// `SSE_READ_TIMEOUT_MS`.
    read_timeout: Option<Duration>,
}

impl Configured {
    fn from_env() -> Self {
        let headers = std::env::var("SSE_HEADERS")
            .ok()
            .and_then(|json| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json).ok())
            .map(|object| {
                object.into_iter().filter_map(|(n, v)| v.as_str().map(|v| (n, v.to_owned()))).collect()
            })
            .unwrap_or_default();
        Self {
            headers,
            method: std::env::var("SSE_METHOD").ok(),
            body: std::env::var("SSE_BODY").ok(),
            last_event_id: std::env::var("SSE_LAST_EVENT_ID").ok(),
            read_timeout: std::env::var("SSE_READ_TIMEOUT_MS")
                .ok()
                .and_then(|ms| ms.parse().ok())
                .map(Duration::from_millis),
        }
    }
}

/// Why a request is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// The first request.
    First,
    /// Following a redirect.
    Redirect,
    /// A reconnection after the wait.
    Reconnect,
}

/// Fetch's request-body header names, deleted when a redirect turns the
/// request into GET.
const REQUEST_BODY_HEADERS: [&str; 4] =
    ["content-encoding", "content-language", "content-location", "content-type"];

/// Misbehaves as `name` says until killed (or until stdout closes).
fn run_hostile(name: &str, url: &str) -> ! {
    let mut stdout = std::io::stdout().lock();
    match name {
        // One JSON line of 100 MiB.
        "huge-line" => {
            let chunk = vec![b'x'; 1024 * 1024];
            let _ = stdout.write_all(br#"{"kind":"event","type":"message","lastEventId":"","data":""#);
            for _ in 0..100 {
                if stdout.write_all(&chunk).is_err() {
                    std::process::exit(0);
                }
            }
            let _ = stdout.write_all(b"\"}\n").and_then(|()| stdout.flush());
        }
        // Valid event lines, as fast as the pipe takes them, up to 1 GiB.
        "flood" => {
            let block = r#"{"kind":"open"}"#.to_owned() + "\n";
            let block = block.repeat(64 * 1024 / block.len());
            for _ in 0..(1024 * 1024 * 1024 / block.len()) {
                if stdout.write_all(block.as_bytes()).is_err() {
                    std::process::exit(0);
                }
            }
        }
        // Connect, send a request, hang up, again, with no pause.
        _ => {
            let Ok((authority, target)) = split_url(url) else { std::process::exit(2) };
            let request =
                format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nAccept: text/event-stream\r\n\r\n");
            loop {
                if let Ok(mut stream) = TcpStream::connect(&authority) {
                    let _ = stream.write_all(request.as_bytes());
                }
            }
        }
    }
    loop {
        std::thread::park();
    }
}

fn fail_usage(why: &str) -> ! {
    eprintln!("error: {why}");
    std::process::exit(2)
}

/// One event line on stdout; a closed stdout ends the adapter.
fn print(line: &serde_json::Value) {
    if MUTE.load(Ordering::SeqCst) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}").and_then(|()| stdout.flush()).is_err() {
        std::process::exit(0);
    }
}

/// How one connection ended.
enum Outcome {
    /// A redirect (status) to this location.
    Redirect(u16, String),
    /// The connection must not be retried (bad status or Content-Type).
    Fail,
    /// The body ended or the connection broke: reconnect.
    Reconnect,
    /// `restart` dropped the connection: reconnect at once.
    Restart,
}

struct Client {
    bugs: Vec<String>,
    /// Whether it reconnects at all (`--no-reconnect`: it gives up once).
    reconnects: bool,
    last_event_id: String,
    reconnection_ms: u64,
    /// Connections made so far.
    connections: u32,
    /// The last connection broke (rather than its body ending).
    broken: bool,
    /// The data and event type buffers at the end of the last body (for the
    /// buffers-kept-across-connections bug).
    kept_buffers: (String, String),
    /// A response was announced once (for `first-status-not-checked`).
    opened: bool,
    /// This request follows a redirect (for `redirect-target-status-ignored`).
    redirected: bool,
    /// The request's method (a redirect may change it for good).
    method: String,
    /// The request's body.
    body: Option<String>,
    /// The extra request headers (a redirect may delete some).
    headers: Vec<(String, String)>,
    /// What the environment asked for.
    configured: Configured,
}

impl Client {
    fn has(&self, bug: &str) -> bool {
        self.bugs.iter().any(|b| b == bug)
    }

    fn run(mut self, mut url: String) {
        let mut redirects = 0;
        let mut why = Why::First;
        loop {
            let outcome = match self.connect(&url, why) {
                Ok(outcome) => outcome,
                Err(error) => {
                    eprintln!("mutant adapter: {error}");
                    self.broken = true;
                    Outcome::Reconnect
                }
            };
            self.redirected = matches!(outcome, Outcome::Redirect(..));
            if CLOSE.load(Ordering::SeqCst) {
                self.closed();
            }
            if matches!(outcome, Outcome::Restart) {
                if self.has("restart-fires-error") {
                    print(&json!({"kind": "error", "readyState": 0}));
                }
                if self.has("restart-forgets-last-event-id") {
                    self.last_event_id.clear();
                }
                if self.has("restart-waits-reconnection-time") {
                    std::thread::sleep(Duration::from_millis(self.reconnection_ms));
                }
                why = Why::Reconnect;
                continue;
            }
            match outcome {
                Outcome::Redirect(status, location) if redirects < MAX_REDIRECTS => {
                    redirects += 1;
                    url = resolve(&url, &location);
                    self.redirected(status);
                    why = Why::Redirect;
                    continue;
                }
                Outcome::Redirect(..) | Outcome::Fail if !self.has("reconnect-after-failure") => {
                    print(&json!({"kind": "error", "readyState": 2}));
                    loop {
                        std::thread::park();
                    }
                }
                _ if !self.reconnects => {
                    print(&json!({"kind": "error", "readyState": 2}));
                    loop {
                        std::thread::park();
                    }
                }
                _ => print(&json!({"kind": "error", "readyState": 0})),
            }
            let wait = if self.has("no-reconnect-delay") {
                0
            } else if self.broken && self.has("error-backoff-ignores-retry") {
                ERROR_BACKOFF_MS
            } else if self.reconnection_ms > TIMER_MAX_MS && self.has("retry-timer-overflow") {
                0
            } else {
                self.reconnection_ms
            };
            self.wait(Duration::from_millis(wait));
            why = Why::Reconnect;
        }
    }

    /// The reconnection wait, cut short by `restart` and ended by `close`.
    fn wait(&mut self, wait: Duration) {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if CLOSE.load(Ordering::SeqCst) {
                self.closed();
            }
            if !self.has("restart-waits-reconnection-time") && RESTART.swap(false, Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
        }
        RESTART.store(false, Ordering::SeqCst);
    }

    /// After `close`: nothing more, ever (`close-reconnects-later`: silent,
    /// but it reconnects after its default time).
    fn closed(&mut self) {
        if self.has("close-reconnects-later") {
            MUTE.store(true, Ordering::SeqCst);
            CLOSE.store(false, Ordering::SeqCst);
            self.reconnection_ms = DEFAULT_RECONNECTION_MS;
            return;
        }
        loop {
            std::thread::park();
        }
    }

    /// Fetch's redirect rule: 301/302 of a POST and 303 of anything but
    /// GET/HEAD become GET with no body and no request-body headers.
    fn redirected(&mut self, status: u16) {
        let to_get = match status {
            301 | 302 => self.method == "POST",
            303 => !matches!(self.method.as_str(), "GET" | "HEAD") && !self.has("post-kept-on-303"),
            _ => self.has("get-on-307"),
        };
        if to_get {
            "GET".clone_into(&mut self.method);
            self.body = None;
            self.headers
                .retain(|(name, _)| !REQUEST_BODY_HEADERS.contains(&name.to_ascii_lowercase().as_str()));
        }
    }

    /// The request line and the headers of the contract's capabilities.
    fn request_head(&self, target: &str, authority: &str, why: Why) -> (String, Option<String>) {
        let mut method = self.method.clone();
        let mut body = self.body.clone();
        if why == Why::Reconnect && self.has("method-get-on-reconnect") {
            "GET".clone_into(&mut method);
        }
        if why == Why::Reconnect && self.has("body-dropped-on-reconnect") {
            body = None;
        }
        if self.has("method-get-without-body") && body.as_deref().is_none_or(str::is_empty) {
            "GET".clone_into(&mut method);
        }
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {authority}\r\n");
        if why == Why::First || !self.has("accept-first-request-only") {
            head.push_str("Accept: text/event-stream\r\n");
        }
        let headers_dropped = (self.has("headers-first-request-only") && why != Why::First)
            || (self.has("headers-dropped-on-redirect") && why == Why::Redirect);
        if !headers_dropped {
            for (name, value) in &self.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        if let Some(body) = &body {
            let length = if self.has("body-length-in-chars") { body.chars().count() } else { body.len() };
            head.push_str(&format!("Content-Length: {length}\r\n"));
        }
        (head, body)
    }

    /// One request and, for a good response, its body parsed to the end.
    fn connect(&mut self, url: &str, why: Why) -> std::io::Result<Outcome> {
        let first_request = self.connections == 0;
        self.connections += 1;
        self.broken = false;
        if self.has("retry-per-connection") {
            self.reconnection_ms = DEFAULT_RECONNECTION_MS;
        }
        let (authority, target) = split_url(url)?;
        let mut stream = TcpStream::connect(&authority)?;
        let (mut request, body) = self.request_head(&target, &authority, why);
        if !self.has("no-cache-control")
            && (why == Why::First || !self.has("cache-control-first-request-only"))
        {
            request.push_str("Cache-Control: no-cache\r\n");
        }
        let mut request = request.into_bytes();
        let initial = self.configured.last_event_id.as_deref().filter(|id| !id.is_empty());
        let last_event_id = match initial {
            Some(initial) if self.has("initial-id-every-request") => initial,
            Some(initial) if first_request && self.has("initial-id-first-request-only") => initial,
            _ => self.last_event_id.as_str(),
        };
        if !last_event_id.is_empty() || self.has("empty-last-event-id-sent") {
            request.extend_from_slice(b"Last-Event-ID: ");
            if self.has("last-event-id-latin1") {
                // As Python's http.client encodes header values.
                request.extend(last_event_id.chars().map(|c| u8::try_from(c).unwrap_or(b'?')));
            } else {
                request.extend_from_slice(last_event_id.as_bytes());
            }
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"Connection: close\r\n\r\n");
        request.extend_from_slice(body.unwrap_or_default().as_bytes());
        stream.write_all(&request)?;

        let read_timeout = self
            .configured
            .read_timeout
            .filter(|_| self.connections == 1 || !self.has("read-timeout-first-connection-only"))
            .map(|limit| if self.has("read-timeout-a-tenth") { limit / 10 } else { limit });
        stream.set_read_timeout(Some(POLL))?;
        let mut body = Body {
            stream,
            buffer: Vec::new(),
            read_timeout,
            last_read: Instant::now(),
            from_connect: self.has("read-timeout-from-connect"),
            events_only: self.has("read-timeout-reset-by-events-only"),
        };
        let (status, headers) = body.read_head()?;
        let header = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        if matches!(status, 301 | 302 | 303 | 307 | 308)
            && !(status == 303 && self.has("redirect-303-refused"))
        {
            if let Some(location) = header("location") {
                return Ok(Outcome::Redirect(status, location.clone()));
            }
        }
        let essence = header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim_matches([' ', '\t']).to_ascii_lowercase());
        let status_ok = status == 200
            || (self.has("any-2xx-accepted") && (200..300).contains(&status))
            || (self.has("first-status-not-checked") && !self.opened)
            || (self.has("redirect-target-status-ignored") && self.redirected);
        let type_ok = essence.as_deref() == Some("text/event-stream") || self.has("content-type-not-checked");
        if !status_ok || !type_ok {
            return Ok(Outcome::Fail);
        }
        self.opened = true;
        // As Gecko, and WebKit over HTTP/2: the connection is announced
        // when the body's first bytes (or its end) arrive.
        let mut announce = !self.has("open-at-first-byte");
        if announce {
            print(&json!({"kind": "open"}));
        }
        let chunked = header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let length = header("content-length").and_then(|v| v.trim().parse::<usize>().ok());
        let mut parser = Parser::new(self);
        let mut received = 0;
        let clean = body.read_body(chunked, length, &mut |bytes| {
            received += bytes.len();
            if !std::mem::replace(&mut announce, true) {
                print(&json!({"kind": "open"}));
            }
            parser.feed(bytes)
        });
        if !announce {
            print(&json!({"kind": "open"}));
        }

        let kept_buffers = (parser.data.clone(), parser.event_type.clone());
        let (broken_by_field, partial) = (parser.stopped, parser.take_partial());
        if RESTART.swap(false, Ordering::SeqCst) {
            if self.has("restart-keeps-partial-event") {
                if let Some(data) = partial {
                    self.dispatch_line("message", &data);
                }
            }
            return Ok(Outcome::Restart);
        }
        if received == 0 && clean && self.has("empty-body-fails") {
            // As a client that reports "the stream ended before any data".
            return Ok(Outcome::Fail);
        }
        self.broken = !clean;
        if self.has("buffers-kept-across-connections") {
            self.kept_buffers = kept_buffers;
        }
        if broken_by_field {
            return Ok(Outcome::Reconnect);
        }
        if (!clean && self.has("partial-event-dispatched-on-error"))
            || (clean && self.has("partial-event-dispatched-at-end"))
        {
            if let Some(data) = partial {
                self.dispatch_line("message", &data);
            }
        }
        Ok(Outcome::Reconnect)
    }

    /// The reconnection time a `retry` field value sets, if any.
    fn retry_ms(&self, value: &str) -> Option<u64> {
        if self.has("retry-leading-digits") {
            return leading_digits(value);
        }
        if self.has("retry-float") {
            // Saturating: a negative value is 0.
            return value.parse::<f64>().ok().filter(|ms| ms.is_finite()).map(|ms| ms as u64);
        }
        if self.has("retry-python-int") {
            return python_int(value);
        }
        if value.is_empty() {
            return None;
        }
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return self.has("retry-invalid-resets-default").then_some(DEFAULT_RECONNECTION_MS);
        }
        if self.has("retry-32-bit-wrap") || self.has("retry-32-bit-wrap-floor") {
            let ms = value.bytes().fold(0u32, |ms, d| ms.wrapping_mul(10).wrapping_add(u32::from(d - b'0')));
            let floor = if self.has("retry-32-bit-wrap-floor") { RETRY_FLOOR_MS } else { 0 };
            return Some(u64::from(ms).max(floor));
        }
        if self.has("retry-octal-leading-zero") && value.len() > 1 && value.starts_with('0') {
            return u64::from_str_radix(value, 8).ok();
        }
        Some(value.parse::<u64>().unwrap_or(u64::MAX))
    }

    fn dispatch_line(&self, r#type: &str, data: &str) {
        print(&json!({"kind": "event", "type": r#type, "data": data, "lastEventId": self.last_event_id}));
    }
}

/// As C's `atoi` or JavaScript's `parseInt`: leading whitespace, a sign,
/// then as many ASCII digits as there are; a negative value is 0.
fn leading_digits(value: &str) -> Option<u64> {
    let value = value.trim_start();
    let (negative, value) = match value.strip_prefix(['+', '-']) {
        Some(rest) => (value.starts_with('-'), rest),
        None => (false, value),
    };
    let digits = &value[..value.bytes().take_while(u8::is_ascii_digit).count()];
    let ms = digits.parse::<u64>().ok()?;
    Some(if negative { 0 } else { ms })
}

/// As Python's `int(value)`: surrounding whitespace, a sign, Unicode decimal
/// digits (here ASCII, fullwidth and Arabic-Indic), underscores between them.
fn python_int(value: &str) -> Option<u64> {
    let value = value.trim();
    let (negative, value) = match value.strip_prefix(['+', '-']) {
        Some(rest) => (value.starts_with('-'), rest),
        None => (false, value),
    };
    if value.is_empty() || value.starts_with('_') || value.ends_with('_') || value.contains("__") {
        return None;
    }
    let mut ms = 0u64;
    for c in value.chars().filter(|&c| c != '_') {
        let digit = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            '\u{ff10}'..='\u{ff19}' => u32::from(c) - 0xff10,
            '\u{0660}'..='\u{0669}' => u32::from(c) - 0x0660,
            _ => return None,
        };
        ms = ms.saturating_mul(10).saturating_add(u64::from(digit));
    }
    Some(if negative { 0 } else { ms })
}

/// `http://host:port/path` as (`host:port`, `/path`).
fn split_url(url: &str) -> std::io::Result<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| std::io::Error::other(format!("{url}: only http:// URLs are supported")))?;
    let (authority, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = if authority.contains(':') { authority.to_owned() } else { format!("{authority}:80") };
    Ok((authority, target.split('#').next().unwrap_or("/").to_owned()))
}

/// A Location value resolved against the URL it came from.
fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let origin_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[origin_end..].find('/').map_or(base.len(), |i| origin_end + i);
    if location.starts_with('/') {
        return format!("{}{location}", &base[..path_start]);
    }
    let path = base[path_start..].split(['?', '#']).next().unwrap_or("/");
    let directory = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    format!("{}{directory}{location}", &base[..path_start])
}

/// An HTTP/1.1 response read from a socket.
struct Body {
    stream: TcpStream,
    buffer: Vec<u8>,
    /// `SSE_READ_TIMEOUT_MS`, when it applies to this connection.
    read_timeout: Option<Duration>,
    /// When the silence the read timeout measures began.
    last_read: Instant,
    /// `read-timeout-from-connect`: the timer is never reset.
    from_connect: bool,
    /// `read-timeout-reset-by-events-only`: a read of comments alone does
    /// not reset it.
    events_only: bool,
}

impl Body {
    /// One read; a read blocks at most [`POLL`] at a time, so `close`,
    /// `restart` and the read timeout end it as a broken connection.
    fn fill(&mut self) -> std::io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    // Raw reads carry chunked framing: an event is a read with a data field.
                    let has_event = chunk[..n].windows(5).any(|w| w == b"data:");
                    if !self.from_connect && (has_event || !self.events_only) {
                        self.last_read = Instant::now();
                    }
                    self.buffer.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e)
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
                {
                    if CLOSE.load(Ordering::SeqCst) || RESTART.load(Ordering::SeqCst) {
                        return Err(std::io::Error::other("dropped by a command"));
                    }
                    if self.read_timeout.is_some_and(|limit| self.last_read.elapsed() >= limit) {
                        return Err(std::io::Error::other("read timeout"));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn read_head(&mut self) -> std::io::Result<(u16, Vec<(String, String)>)> {
        let end = loop {
            if let Some(i) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if self.buffer.len() > MAX_HEAD || self.fill()? == 0 {
                return Err(std::io::Error::other("the response head did not arrive"));
            }
        };
        let head = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
        self.buffer.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other("no status line"))?;
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect();
        Ok((status, headers))
    }

    fn read_line(&mut self) -> std::io::Result<String> {
        loop {
            if let Some(i) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffer[..i]).into_owned();
                self.buffer.drain(..i + 2);
                return Ok(line);
            }
            if self.buffer.len() > MAX_HEAD || self.fill()? == 0 {
                return Err(std::io::Error::other("the connection ended inside a chunk header"));
            }
        }
    }

    /// Passes every piece of the body to `feed` as it arrives; true when the
    /// body ended as its framing says, false when the connection broke first.
    fn read_body(
        &mut self,
        chunked: bool,
        length: Option<usize>,
        feed: &mut dyn FnMut(&[u8]) -> bool,
    ) -> bool {
        let result = if chunked {
            self.read_chunked(feed)
        } else {
            self.read_plain(length.unwrap_or(usize::MAX), feed).map(|ended| ended || length.is_none())
        };
        result.unwrap_or(false)
    }

    /// Body bytes up to `limit`; Ok(true) when `limit` was reached.
    fn read_plain(&mut self, mut limit: usize, feed: &mut dyn FnMut(&[u8]) -> bool) -> std::io::Result<bool> {
        loop {
            if !self.buffer.is_empty() {
                let n = self.buffer.len().min(limit);
                let piece: Vec<u8> = self.buffer.drain(..n).collect();
                limit -= n;
                if !feed(&piece) {
                    return Ok(true);
                }
            }
            if limit == 0 {
                return Ok(true);
            }
            if self.fill()? == 0 {
                return Ok(false);
            }
        }
    }

    fn read_chunked(&mut self, feed: &mut dyn FnMut(&[u8]) -> bool) -> std::io::Result<bool> {
        loop {
            let size_line = self.read_line()?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| std::io::Error::other("a bad chunk size"))?;
            if size == 0 {
                return Ok(true);
            }
            if !self.read_plain(size, feed)? {
                return Ok(false);
            }
            self.read_line()?;
        }
    }
}

/// The event-stream parser for one response body.
struct Parser<'c> {
    client: &'c mut Client,
    /// Bytes not yet split into lines.
    pending: Vec<u8>,
    /// Where the search for a line end resumes in `pending`.
    scanned: usize,
    at_start: bool,
    after_cr: bool,
    cr_ended_chunk: bool,
    event_type: String,
    data: String,
    id_buffer: String,
    /// The id field of the current block (for the block-id bug).
    block_id: String,
    /// A retry field waiting for its block (for the retry-only-block bug).
    block_retry: Option<u64>,
    /// A field made the parser stop (the unknown-field bug).
    stopped: bool,
}

impl<'c> Parser<'c> {
    fn new(client: &'c mut Client) -> Self {
        let (data, event_type) = std::mem::take(&mut client.kept_buffers);
        let at_start = client.connections == 1 || !client.has("bom-only-first-connection");
        Parser {
            client,
            pending: Vec::new(),
            scanned: 0,
            at_start,
            after_cr: false,
            cr_ended_chunk: false,
            event_type,
            data,
            id_buffer: String::new(),
            block_id: String::new(),
            block_retry: None,
            stopped: false,
        }
    }

    /// Takes one piece of the body; false when parsing stopped.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        self.pending.extend_from_slice(bytes);
        if self.at_start {
            if self.pending.len() < BOM.len() && BOM.starts_with(&self.pending) {
                return true;
            }
            self.at_start = false;
            if !self.client.has("leading-bom-kept") && self.pending.starts_with(BOM) {
                self.pending.drain(..BOM.len());
                while self.client.has("second-bom-stripped") && self.pending.starts_with(BOM) {
                    self.pending.drain(..BOM.len());
                }
            }
        }
        let pending = std::mem::take(&mut self.pending);
        let mut line_start = 0;
        let mut i = self.scanned;
        while i < pending.len() && !self.stopped {
            let last_of_chunk = i + 1 == pending.len();
            // A blank line (CR, LF or CRLF) with nothing after it in this read.
            let blank_line_ends_read = line_start == i
                && (pending[i] == b'\r' || (pending[i] == b'\n' && !self.after_cr))
                && pending[i + 1..].iter().all(|b| *b == b'\n')
                && pending.len() - i <= 2;
            if blank_line_ends_read
                && self.data.len() > READ_BUFFER
                && self.client.has("delivery-waits-for-next-read")
            {
                break;
            }
            match pending[i] {
                b'\r' if last_of_chunk && self.client.has("lone-cr-waits") => break,
                b'\r' => {
                    self.line(&pending[line_start..i]);
                    line_start = i + 1;
                    self.after_cr = true;
                    self.cr_ended_chunk = last_of_chunk;
                }
                b'\n' => {
                    let split_crlf = self.cr_ended_chunk && self.client.has("crlf-split-twice");
                    if !self.after_cr || split_crlf {
                        self.line(&pending[line_start..i]);
                    }
                    line_start = i + 1;
                    self.after_cr = false;
                }
                _ => self.after_cr = false,
            }
            if pending[i] != b'\r' {
                self.cr_ended_chunk = false;
            }
            i += 1;
        }
        self.pending = pending[line_start..].to_vec();
        self.scanned = i - line_start;
        !self.stopped
    }

    fn line(&mut self, line: &[u8]) {
        let line = if self.client.has("line-cap-8192") { &line[..line.len().min(LINE_CAP)] } else { line };
        let line = String::from_utf8_lossy(line);
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return;
        }
        let (name, raw_value) = line.split_once(':').unwrap_or((&line, ""));
        let value = raw_value.strip_prefix(' ').unwrap_or(raw_value);
        match name {
            "event" => self.event_type = value.to_owned(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => {
                self.id_buffer = value.to_owned();
                self.block_id = value.to_owned();
                if self.client.has("id-set-at-field") {
                    self.client.last_event_id = value.to_owned();
                }
            }
            "retry" => {
                let value = if self.client.has("retry-space-not-parsed") { raw_value } else { value };
                if let Some(ms) = self.client.retry_ms(value) {
                    let ms = if self.client.has("retry-as-seconds") { ms.saturating_mul(1000) } else { ms };
                    if self.client.has("retry-only-block-dropped") || self.client.has("retry-at-dispatch") {
                        self.block_retry = Some(ms);
                    } else {
                        self.client.reconnection_ms = ms;
                    }
                }
            }
            "id" => {}
            _ if self.client.has("unknown-field-error") => {
                eprintln!("mutant adapter: unknown field {name:?}");
                self.stopped = true;
            }
            _ => {}
        }
    }

    fn dispatch(&mut self) {
        if !self.client.has("id-only-on-event") {
            self.client.last_event_id = self.id_buffer.clone();
        }
        let block_id = std::mem::take(&mut self.block_id);
        let mut block_retry = self.block_retry.take();
        if self.client.has("retry-at-dispatch") {
            if let Some(ms) = block_retry.take() {
                self.client.reconnection_ms = ms;
            }
        }
        if self.data.is_empty() && !self.client.has("empty-event-dispatched") {
            self.event_type.clear();
            return;
        }
        self.client.last_event_id = self.id_buffer.clone();
        if let Some(ms) = block_retry {
            self.client.reconnection_ms = ms;
        }
        let mut data = std::mem::take(&mut self.data);
        if data.ends_with('\n') {
            data.pop();
        }
        let r#type = std::mem::take(&mut self.event_type);
        let r#type = if r#type.is_empty() { "message" } else { &r#type };
        let last_event_id = if self.client.has("block-id-as-last-event-id") {
            block_id
        } else {
            self.client.last_event_id.clone()
        };
        print(&json!({"kind": "event", "type": r#type, "data": data, "lastEventId": last_event_id}));
    }

    /// The data of an event the body ended in the middle of, if any.
    fn take_partial(&mut self) -> Option<String> {
        let mut data = std::mem::take(&mut self.data);
        if data.is_empty() {
            return None;
        }
        data.pop();
        Some(data)
    }
}
