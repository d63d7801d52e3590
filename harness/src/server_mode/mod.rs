//! Server mode: check an SSE server's response, its stream's bytes, and (with
//! a publish endpoint) that published events arrive exactly as published
//! (../shared/contracts.md section 4).
//!
//! Every field of a published payload is judged as it arrives, by spec-impl's
//! decoder, and every line that arrives after publishing by the stream
//! grammar the passive checks use (`stream_grammar`). The wrong servers each
//! case catches beyond "the event did not arrive as published" (each is a
//! flaw of the reference server, caught in `harness/tests/server_mode.rs`):
//!
//! - `server.publish.retry`, `.all-fields`: a published `retry` that does not
//!   set the subscriber's reconnection time to exactly its value: written in
//!   seconds (`retry: 2`, a different value), with a unit (`2.5s`, `2500ms`),
//!   as a decimal (`2500.0`), or dropped (no retry observed); the message
//!   names the line the server wrote instead. A retry in a block of its own
//!   that dispatches nothing is fine: the reconnection time is the same.
//! - every payload case: the last event ID the subscriber holds after it,
//!   which the sentinel (published without an id) carries: a server that
//!   writes an empty `id:` on events without one (it clears the client's last
//!   event ID), or an id in a later block, or one the payload did not have.
//! - every payload case: a line of the payload's bytes with invalid UTF-8, a
//!   retry that is not digits or an id with NUL fails the case even when the
//!   event arrives as published.
//! - `server.publish.stream-grammar` (must): invalid UTF-8 (a Latin-1
//!   encoder), non-digit retry values and ids with NUL anywhere in what the
//!   subscribers read after subscribing, when the passive stream was clean.
//! - `server.publish.stream-tidy` (should): a BOM past the start (an encoder
//!   that writes one per event) and unknown field names in the same bytes.
//!
//! Caught before as well, by the comparison of decoded events: fields without
//! their blank line (the sentinel stalls), an id after the blank line (the
//! event's lastEventId is wrong), dedup, loss and reordering
//! (`server.publish.many-quickly`), and an event sent to one subscriber only
//! (the other's sentinel stalls).

pub use crate::http_client as http;
pub mod content_coding;
pub mod delivery;
pub mod idle;
pub mod load;
pub mod passive;
pub mod resume;
pub mod round_trip;
pub mod slow_consumer;
pub mod stream_grammar;
pub mod transport;

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use self::http::Url;
use crate::report::{CaseReport, Status, TransportSummary};

use crate::case::Capability;
pub use crate::case::Level;

/// One server check as the registry lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Stable id.
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// Citation keys.
    pub spec: &'static [&'static str],
    /// What a problem means.
    pub level: Level,
    /// What the check needs beyond the stream URL.
    pub needs: &'static [Capability],
}

/// `server.http.head`.
pub const HTTP_HEAD: Check = Check {
    id: "server.http.head",
    title: "How the stream URL answers HEAD",
    spec: &["#the-eventsource-interface"],
    level: Level::Info,
    needs: &[],
};

/// `server.http.options`.
pub const HTTP_OPTIONS: Check = Check {
    id: "server.http.options",
    title: "How the stream URL answers OPTIONS",
    spec: &["#the-eventsource-interface"],
    level: Level::Info,
    needs: &[],
};

/// `server.http.cors`.
pub const HTTP_CORS: Check = Check {
    id: "server.http.cors",
    title: "CORS headers (browsers on other origins need Access-Control-Allow-Origin)",
    spec: &["#dom-eventsource step 8"],
    level: Level::Info,
    needs: &[],
};

/// Every server check, in report order.
pub fn checks() -> Vec<Check> {
    let mut checks = passive::CHECKS.to_vec();
    checks.extend(transport::CHECKS);
    checks.extend([HTTP_HEAD, HTTP_OPTIONS, HTTP_CORS]);
    checks.extend(round_trip::checks());
    checks.extend(delivery::CHECKS);
    checks.extend(resume::CHECKS);
    checks.extend(slow_consumer::CHECKS);
    checks.extend(idle::CHECKS);
    checks.extend(load::CHECKS);
    checks
}

/// A duration as messages give it: milliseconds below a second, else
/// seconds to a tenth (`250 ms`, `3.0 s`).
pub fn seconds(duration: Duration) -> String {
    match duration.as_millis() {
        0 => "under 1 ms".to_owned(),
        ms @ 1..1000 => format!("{ms} ms"),
        _ => format!("{:.1} s", duration.as_secs_f64()),
    }
}

/// A request's failure in the user's terms.
pub fn http_error(error: &http::HttpError) -> String {
    match error {
        http::HttpError::Timeout(target, timeout) => format!(
            "{target} took the request but sent no complete response head within {} (the connection was still open)",
            seconds(*timeout)
        ),
        other => other.to_string(),
    }
}

/// A check's outcome, as a report case.
pub type Finding = CaseReport;

impl CaseReport {
    /// A finding: `problem` is `None` when the target did as the standard says.
    pub fn new(check: &Check, problem: Option<String>, observed: Value) -> Self {
        let status = match (check.level, &problem) {
            (Level::Info, _) => Status::Info,
            (_, None) => Status::Pass,
            (Level::Must, Some(_)) => Status::Fail,
            (Level::Should, Some(_)) => Status::Warn,
        };
        Self {
            id: check.id.to_owned(),
            title: check.title.to_owned(),
            spec: check.spec.iter().map(|s| (*s).to_owned()).collect(),
            status,
            expected: json!(check.title),
            observed,
            message: problem.unwrap_or_else(|| "as the standard says".to_owned()),
            baseline: None,
        }
    }
}

impl CaseReport {
    /// The same finding, its message `message()` when it passed (the
    /// default says only "as the standard says").
    #[must_use]
    pub fn passed_as(mut self, message: impl FnOnce() -> String) -> Self {
        if self.status == Status::Pass {
            self.message = message();
        }
        self
    }
}

/// The findings of `checks` from a run that gives them all, or the one
/// problem that stopped it, then given to each of them.
fn each_or_all<const N: usize>(checks: &[Check; N], run: Result<[Finding; N], String>) -> Vec<Finding> {
    match run {
        Ok(findings) => findings.to_vec(),
        Err(why) => checks.iter().map(|check| Finding::new(check, Some(why.clone()), Value::Null)).collect(),
    }
}

impl crate::report::Registered for Check {
    fn id(&self) -> &str {
        self.id
    }

    fn title(&self) -> &str {
        self.title
    }

    fn spec(&self) -> Vec<String> {
        self.spec.iter().map(|s| (*s).to_owned()).collect()
    }

    /// As every finding of a check: its title.
    fn expected_when_skipped(&self) -> Value {
        json!(self.title)
    }
}

/// How a server check runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The stream URL.
    pub url: String,
    /// The publish URL, for the round trip.
    pub publish: Option<String>,
    /// How long the stream is read for the passive checks.
    pub duration: Duration,
    /// The most bytes read for the passive checks.
    pub max_bytes: usize,
    /// The deadline of every request and every wait for an event.
    pub timeout: Duration,
    /// Longer silence than this is a warning.
    pub heartbeat_limit: Duration,
    /// How connections are made: TLS trust, HTTP/2.
    pub transport: http::Transport,
    /// The stream request: method, headers, body.
    pub request: StreamRequest,
    /// The load test (`--subscribers N`), run after the other checks.
    pub load: Option<load::Options>,
    /// An event published alone that takes longer than this to arrive
    /// earns a warning (`--latency-limit`).
    pub latency_limit: Duration,
    /// The server replays missed events after `Last-Event-ID` (`--resume`).
    pub resume: bool,
    /// The quiet period of the idle check (`--idle SECS`).
    pub idle: Option<Duration>,
    /// Case-id prefixes to run (all when empty), as `--case` gives them.
    pub cases: Vec<String>,
    /// Case-id prefixes not to run, as `--skip` gives them.
    pub skips: Vec<String>,
}

impl Options {
    /// Whether any of `checks` is selected: the others' work is not done.
    pub fn runs(&self, checks: &[Check]) -> bool {
        checks.iter().any(|check| crate::registry::selected(check.id, &self.cases, &self.skips))
    }
}

impl Default for Options {
    /// The command line's defaults, for `url`-less use in tests.
    fn default() -> Self {
        Self {
            url: String::new(),
            publish: None,
            duration: Duration::from_secs(3),
            max_bytes: 8 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            heartbeat_limit: Duration::from_secs(30),
            transport: http::Transport::default(),
            request: StreamRequest::default(),
            load: None,
            latency_limit: Duration::from_secs(1),
            resume: false,
            idle: None,
            cases: Vec::new(),
            skips: Vec::new(),
        }
    }
}

/// What the harness sends to the target besides the contract's own
/// request headers: `--header`s on every request (stream, publish, HEAD,
/// OPTIONS), and `--method` and `--body` on every request of the stream,
/// for endpoints that stream the response of a POST.
#[derive(Debug, Clone)]
pub struct StreamRequest {
    /// The stream request's method.
    pub method: String,
    /// Extra headers for every request.
    pub headers: Vec<(String, String)>,
    /// The stream request's body.
    pub body: Bytes,
}

impl Default for StreamRequest {
    fn default() -> Self {
        Self { method: "GET".to_owned(), headers: Vec::new(), body: Bytes::new() }
    }
}

impl StreamRequest {
    fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The headers of a stream request: the contract's (section 4), then
    /// `extra` (Last-Event-ID), then the user's, which replace a contract
    /// header of the same name. A body without a Content-Type of the user's
    /// gets `application/json` when it is JSON, else `text/plain`.
    pub fn stream_headers(&self, extra: &[(String, String)]) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> =
            passive::stream_request_headers().into_iter().filter(|(name, _)| !self.has(name)).collect();
        headers.extend_from_slice(extra);
        headers.extend(self.headers.iter().cloned());
        if !self.body.is_empty() && !self.has("content-type") {
            let json = serde_json::from_slice::<Value>(&self.body).is_ok();
            let content_type = if json { "application/json" } else { "text/plain; charset=utf-8" };
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        headers
    }

    /// The headers of any other request (publish, HEAD, OPTIONS): `own`,
    /// then the user's, but for a Content-Type of their own (it describes
    /// the stream request's body, not a publish payload).
    pub fn other_headers(&self, own: &[(String, String)]) -> Vec<(String, String)> {
        let mut headers = own.to_vec();
        headers.extend(
            self.headers.iter().filter(|(name, _)| !name.eq_ignore_ascii_case("content-type")).cloned(),
        );
        headers
    }
}

/// How every request of a check reaches the target: one client (TLS trust,
/// HTTP/2) and the user's request settings.
#[derive(Debug, Clone)]
pub struct Requests {
    /// The HTTP client.
    pub client: http::Client,
    /// Method, headers and body.
    pub request: StreamRequest,
}

impl Requests {
    /// The requests of `options`.
    pub fn of(options: &Options) -> Self {
        Self { client: http::Client::new(options.transport.clone()), request: options.request.clone() }
    }

    /// Opens the stream at `url` with `method` and `body` (they change on
    /// some redirects) and `extra` headers.
    pub async fn stream_with(
        &self,
        url: &Url,
        method: &str,
        body: Bytes,
        extra: &[(String, String)],
        timeout: Duration,
    ) -> Result<http::Opened, http::HttpError> {
        self.client.open(url, method, &self.request.stream_headers(extra), body, timeout).await
    }

    /// Opens the stream at `url` as the user asked, with `extra` headers.
    pub async fn stream(
        &self,
        url: &Url,
        extra: &[(String, String)],
        timeout: Duration,
    ) -> Result<http::Opened, http::HttpError> {
        self.stream_with(url, &self.request.method, self.request.body.clone(), extra, timeout).await
    }

    /// Any other request (publish, HEAD, OPTIONS), with the user's headers.
    pub async fn other(
        &self,
        url: &Url,
        method: &str,
        headers: &[(String, String)],
        body: Bytes,
        timeout: Duration,
    ) -> Result<http::Opened, http::HttpError> {
        self.client.open(url, method, &self.request.other_headers(headers), body, timeout).await
    }
}

/// The check could not run at all (contract exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum CannotRun {
    /// A URL is not one server mode can use.
    #[error("{0}")]
    BadUrl(String),
    /// The target did not answer before any case.
    #[error("{0}")]
    Unreachable(String),
}

/// Every server check's finding, and how the stream was reached.
#[derive(Debug)]
pub struct Outcome {
    /// The findings, in registry order.
    pub findings: Vec<Finding>,
    /// The protocol and TLS of the stream request, once it answered.
    pub transport: Option<TransportSummary>,
}

/// Runs every server check; `Err` only when the target cannot be checked.
pub async fn run(options: &Options) -> Result<Vec<Finding>, CannotRun> {
    Ok(check(options).await?.findings)
}

/// Runs every server check and says how the stream was reached; `Err` only
/// when the target cannot be checked.
pub async fn check(options: &Options) -> Result<Outcome, CannotRun> {
    let url = Url::parse(&options.url).map_err(CannotRun::BadUrl)?;
    let publish = options.publish.as_deref().map(Url::parse).transpose().map_err(CannotRun::BadUrl)?;
    let requests = Requests::of(options);
    if url.https || publish.as_ref().is_some_and(|p| p.https) {
        requests.client.tls_config().map_err(CannotRun::BadUrl)?;
    }
    let capture =
        match passive::capture(&requests, &url, options.duration, options.max_bytes, options.timeout).await {
            Ok(capture) => capture,
            Err(error @ http::HttpError::Connect(..)) => {
                return Err(CannotRun::Unreachable(error.to_string()));
            }
            // A certificate the client does not trust is the user's to settle
            // before anything can be checked (the error says what to give).
            Err(error @ http::HttpError::Tls(..)) => {
                return Err(CannotRun::Unreachable(error.to_string()));
            }
            // It took the connection but gave no usable response: that is a
            // finding about the server, and nothing else can be checked.
            Err(error) => {
                let problem =
                    format!("no usable response to {}: {}", options.request.method, http_error(&error));
                let mut findings = vec![Finding::new(&passive::RESPONSE_STATUS, Some(problem), Value::Null)];
                findings.extend(checks().iter().skip(1).map(|check| {
                    Finding::skipped(check, "not checked: the stream gave no usable response".to_owned())
                }));
                return Ok(Outcome { findings, transport: None });
            }
        };
    let mut findings = passive::check(&capture, options.heartbeat_limit);
    // After redirects, the URL that answered is the stream's.
    let url = capture.final_url.clone();
    findings.extend(transport::check(&requests, &url, &capture, options.timeout).await);
    findings.extend(http_info(&requests, &url, options.timeout, &capture).await);
    let timeout = options.timeout;
    let later = [&delivery::CHECKS[..], &resume::CHECKS, &slow_consumer::CHECKS];
    match &publish {
        Some(publish) => {
            if options.runs(&round_trip::checks()) {
                findings.extend(round_trip::check(&requests, &url, publish, timeout).await);
            }
            // Once the round trip saw events stop arriving, a fresh
            // subscriber is tried: when it gets nothing either, what follows
            // would only wait out its deadlines to say so again.
            let stalled = match findings
                .iter()
                .find(|f| f.id == round_trip::MANY_QUICKLY.id && f.status == Status::Skip)
            {
                Some(skipped) => round_trip::delivers(&requests, &url, publish, timeout)
                    .await
                    .err()
                    .map(|why| format!("{}; then {why}", skipped.message)),
                None => None,
            };
            match stalled {
                Some(why) => findings.extend(
                    later.iter().copied().flatten().map(|check| Finding::skipped(check, why.clone())),
                ),
                None => findings.extend(publishing(options, &requests, &url, publish).await),
            }
        }
        None => {
            let needs = "needs a publish endpoint (--publish URL)";
            findings
                .extend(round_trip::checks().iter().map(|check| Finding::skipped(check, needs.to_owned())));
            findings.extend(
                later.iter().copied().flatten().map(|check| Finding::skipped(check, needs.to_owned())),
            );
        }
    }
    if options.runs(&idle::CHECKS) {
        findings.extend(idle::check(&requests, &url, publish.as_ref(), options.idle, timeout).await);
    }
    findings.extend(load::check(&requests, &url, publish.as_ref(), options).await);
    Ok(Outcome { findings, transport: Some(transport::summary(&requests, &capture)) })
}

/// The checks that publish after the round trip: delivery, resume, and
/// last the slow consumer (a server it stalls may stay stalled).
async fn publishing(options: &Options, requests: &Requests, url: &Url, publish: &Url) -> Vec<Finding> {
    let (limit, timeout) = (options.latency_limit, options.timeout);
    let mut findings = Vec::new();
    if options.runs(&delivery::CHECKS) {
        findings.extend(delivery::check(requests, url, publish, limit, timeout).await);
    }
    if options.runs(&resume::CHECKS) {
        findings.extend(resume::check(requests, url, publish, options.resume, timeout).await);
    }
    if options.runs(&slow_consumer::CHECKS) {
        findings.extend(slow_consumer::check(requests, url, publish, limit, timeout).await);
    }
    findings
}

/// HEAD, OPTIONS and CORS: information only.
async fn http_info(
    requests: &Requests,
    url: &Url,
    timeout: Duration,
    capture: &passive::Capture,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for method in ["HEAD", "OPTIONS"] {
        let outcome = match requests.other(url, method, &[], Bytes::new(), timeout).await {
            Ok(mut opened) => {
                let _ = http::read_some(&mut opened, 1024, Instant::now() + Duration::from_millis(200)).await;
                let allow = opened.header_values("allow").join(", ");
                format!(
                    "{method} answers {}{}",
                    opened.status,
                    if allow.is_empty() { String::new() } else { format!(" (Allow: {allow})") }
                )
            }
            Err(error) => format!("{method} failed: {error}"),
        };
        let check = if method == "HEAD" { &HTTP_HEAD } else { &HTTP_OPTIONS };
        findings.push(Finding::new(check, Some(outcome), Value::Null));
    }
    let cors: Vec<&str> = capture
        .headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("access-control-"))
        .map(|(n, v)| if n.is_empty() { v.as_str() } else { n.as_str() })
        .collect();
    let origin = capture.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("access-control-allow-origin"));
    findings.push(Finding::new(
        &HTTP_CORS,
        Some(match origin {
            Some((_, value)) => format!("Access-Control-Allow-Origin: {value}"),
            None => "no Access-Control-Allow-Origin: only same-origin pages can use the stream".to_owned(),
        }),
        json!(cors),
    ));
    findings
}
