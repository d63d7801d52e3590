//! Client mode: serve each case's scenario on loopback, run the adapter
//! against it, and compare what it prints and requests with what spec-impl's
//! model says a conforming client does (../shared/contracts.md section 3).

pub mod adapter;
pub mod cases;
mod describe;
pub mod expectation;
pub mod scenario;
pub mod server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use self::adapter::{AdapterCommand, Output};
use self::cases::{ClientCase, Level, Need, Subject};
use self::expectation::Expected;
use self::scenario::End;
use self::server::{ObservedRequest, Protocol, Server};
use crate::report::{CaseReport, Status};

/// How a client check runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The adapter command.
    pub adapter: AdapterCommand,
    /// What the adapter declared it cannot do (`--no-reconnect`, ...).
    pub lacks: Vec<Need>,
    /// The longest a case may wait for what it expects, on top of the
    /// reconnection delays the scenario sets.
    pub timeout: Duration,
    /// How long a case keeps watching after everything expected has happened,
    /// to catch extra events and requests.
    pub quiet: Duration,
    /// How many cases run at once.
    pub jobs: usize,
    /// The optional capabilities the adapter declared (`--capability`).
    pub declared: Vec<Need>,
    /// What every case is served over (`--http2`, `--tls`).
    pub protocol: Protocol,
}

/// The cases the `only` and `skip` prefixes select, in registry order.
pub fn select(only: &[String], skip: &[String]) -> Result<Vec<ClientCase>, fixtures::LoadError> {
    Ok(cases::all()?.into_iter().filter(|c| crate::registry::selected(&c.id, only, skip)).collect())
}

/// Runs `cases` and returns their reports in the same order; `on_done` is
/// called as each case finishes (with its index in `cases`). Dropping the
/// returned future aborts every case still running and kills its adapter.
pub async fn run(
    cases: Vec<ClientCase>,
    options: &Options,
    on_done: impl Fn(usize, &CaseReport) + Send + Sync + 'static,
) -> anyhow::Result<Vec<CaseReport>> {
    let server = Arc::new(Server::start(options.protocol).await?);
    let jobs = Arc::new(Semaphore::new(options.jobs.max(1)));
    let on_done = Arc::new(on_done);
    let total = cases.len();
    let mut tasks = JoinSet::new();
    for (index, case) in cases.into_iter().enumerate() {
        let (server, jobs, options, on_done) =
            (server.clone(), jobs.clone(), options.clone(), on_done.clone());
        tasks.spawn(async move {
            let _permit = jobs.acquire_owned().await;
            let report = run_case(&server, index, &case, &options).await;
            on_done(index, &report);
            (index, report)
        });
    }
    let mut reports: Vec<Option<CaseReport>> = vec![None; total];
    while let Some(finished) = tasks.join_next().await {
        let (index, report) = finished?;
        reports[index] = Some(report);
    }
    Ok(reports.into_iter().flatten().collect())
}

/// What one adapter did in one case.
/// Lines kept beyond those a case expects; more are only counted.
const EXTRA_LINES_KEPT: usize = 64;

#[derive(Debug, Default)]
struct Observed {
    lines: Vec<Value>,
    /// Event lines printed beyond those kept.
    lines_not_kept: usize,
    /// How many open, event and error lines were printed.
    core_lines_seen: usize,
    not_event_lines: Vec<String>,
    flooded: bool,
    stdout_closed: bool,
    /// Its output ended before everything expected had happened.
    ended_early: bool,
    timed_out: bool,
    requests: Vec<ObservedRequest>,
    /// Requests beyond those the server logs, only counted.
    requests_not_kept: usize,
    stderr: String,
    /// How the adapter exited, when it ended by itself before the case did.
    exited: Option<std::process::ExitStatus>,
    /// When the harness wrote `restart` to the adapter's stdin.
    restart_sent_at: Option<Instant>,
}

async fn run_case(server: &Server, index: usize, case: &ClientCase, options: &Options) -> CaseReport {
    let report = |status: Status, expected: Value, observed: Value, message: String| CaseReport {
        id: case.id.clone(),
        title: case.title.clone(),
        spec: case.spec.clone(),
        status,
        expected,
        observed,
        message,
        baseline: None,
    };
    if let Some(need) = case.needs.iter().find(|need| need.is_optional() && !options.declared.contains(need))
    {
        let message = format!("the adapter did not declare --capability {}", need.name());
        return CaseReport::skipped(case, message);
    }
    if let Some(need) = case.needs.iter().find(|need| options.lacks.contains(need)) {
        let message = format!("the adapter declared {}", need_name(*need));
        return CaseReport::skipped(case, message);
    }
    if let Some(name) = server.protocol().cannot_carry(&case.scenario.responses) {
        let message = format!(
            "the case scripts the header {name}, which {} forbids: skipped rather than served without it",
            server.protocol().name()
        );
        return CaseReport::skipped(case, message);
    }
    let url = server.case_url(index);
    let expected = expectation::expect(&case.scenario, &url, !options.lacks.contains(&Need::Reconnect));
    let route = server.mount(index, case.scenario.responses.clone());
    let mut env = case.scenario.env();
    env.extend(server.adapter_env());
    let running = adapter::spawn(&options.adapter, &url, &case.scenario.event_types, &env);
    let observed = match running {
        Ok(running) => observe(running, &route, &expected, options, case).await,
        Err(error) => {
            server.unmount(index);
            let message = format!("the adapter could not be started: {error}");
            return report(Status::Fail, Value::Null, Value::Null, message);
        }
    };
    server.unmount(index);
    let (status, message) = judge(case, &expected, &observed, options);
    report(status, expected_json(case, &expected, options), observed_json(&observed), message)
}

/// The event-line kinds every adapter reports; `retry` and `comment` are
/// optional in the contract and left out of the comparison.
fn core_lines(lines: &[Value], options: &Options) -> Vec<Value> {
    lines
        .iter()
        .filter(|line| matches!(line["kind"].as_str(), Some("open" | "event" | "error")))
        .map(|line| {
            let mut line = line.clone();
            if options.lacks.contains(&Need::LastEventId) {
                if let Some(object) = line.as_object_mut() {
                    object.remove("lastEventId");
                }
            }
            line
        })
        .collect()
}

async fn observe(
    mut running: adapter::Running,
    route: &server::CaseRoute,
    expected: &Expected,
    options: &Options,
    case: &ClientCase,
) -> Observed {
    let mut observed = Observed::default();
    let wanted_lines = core_lines(&expected.lines, options).len();
    let deadline = Instant::now() + deadline_of(case, expected, options);
    let quiet = options.quiet + Duration::from_millis(watch_longer_ms(expected));
    let mut complete_at: Option<Instant> = None;
    let mut close_sent = false;
    let mut restart_due = false;
    loop {
        if restart_due && observed.restart_sent_at.is_none() && !route.writes_pending() {
            // Every scripted byte is out: the restart drops what is pending.
            send_command(&mut running, b"restart\n").await;
            observed.restart_sent_at = Some(Instant::now());
        }
        let now = Instant::now();
        // Complete once everything expected was seen and every byte the
        // case serves has been sent: a client that dispatches too much at
        // the end of a slow, split stream is still watched for it.
        if complete_at.is_none()
            && observed.core_lines_seen >= wanted_lines
            && route.request_count() >= expected.requests.len()
            && !route.writes_pending()
        {
            complete_at = Some(now);
        }
        if complete_at.is_none() && observed.stdout_closed {
            // The adapter's output ended early: nothing more can be printed,
            // so only wait the quiet time for requests still under way.
            complete_at = Some(now);
            observed.ended_early = true;
        }
        let until = match complete_at {
            Some(at) if now >= at + quiet => break,
            Some(at) => at + quiet,
            None if now >= deadline => {
                observed.timed_out = true;
                break;
            }
            None => deadline,
        };
        tokio::select! {
            output = running.output.recv(), if !observed.stdout_closed => match output {
                Some(Output::Line { bytes, cut, .. }) => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(value) if value.get("kind").is_some_and(Value::is_string) => {
                        if matches!(value["kind"].as_str(), Some("open" | "event" | "error")) {
                            observed.core_lines_seen += 1;
                        }
                        let close_now = (value["kind"] == "event" && case.scenario.close_after_first_event)
                            || (value["kind"] == "error" && case.scenario.close_after_first_error);
                        if close_now && !close_sent {
                            close_sent = true;
                            send_command(&mut running, b"close\n").await;
                            route.close_sent();
                        }
                        restart_due |= value["kind"] == "event" && case.scenario.restart_after_first_event;
                        if value["kind"] == "error"
                            && case.scenario.restart_after_first_error
                            && observed.restart_sent_at.is_none()
                        {
                            send_command(&mut running, b"restart\n").await;
                            observed.restart_sent_at = Some(Instant::now());
                        }
                        if observed.lines.len() < expected.lines.len() + EXTRA_LINES_KEPT {
                            observed.lines.push(value);
                        } else {
                            observed.lines_not_kept += 1;
                        }
                    }
                    _ => {
                        if observed.not_event_lines.len() < 5 {
                            let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
                            if cut || bytes.len() > 300 {
                                text.push_str("...");
                            }
                            observed.not_event_lines.push(text);
                        }
                    }
                },
                Some(Output::Flooded) => {
                    observed.flooded = true;
                    observed.stdout_closed = true;
                }
                Some(Output::Closed) | None => observed.stdout_closed = true,
            },
            () = route.activity.notified() => {}
            () = tokio::time::sleep_until(until.into()) => {}
        }
    }
    observed.requests = route.requests();
    observed.requests_not_kept = route.requests_not_logged();
    (observed.stderr, observed.exited) = running.kill().await;
    observed
}

/// The milliseconds a request at `at` came after `since`, when that is
/// sooner than `min` (with 20 ms of slack for timer and scheduling
/// granularity).
fn too_soon(at: Instant, since: Option<Instant>, min: Option<u64>) -> Option<u128> {
    let waited = at.saturating_duration_since(since?);
    (waited + Duration::from_millis(20) < Duration::from_millis(min?)).then_some(waited.as_millis())
}

/// The values of `request`'s header `name` when none of them contains one of
/// `accepted`.
fn header_lacks<'r>(request: &'r ObservedRequest, name: &str, accepted: &[&str]) -> Option<Vec<&'r str>> {
    let values = request.header_values(name);
    (!values.iter().any(|v| accepted.iter().any(|a| v.contains(a)))).then_some(values)
}

/// Writes one command line to the adapter's stdin (ignored if it is closed).
async fn send_command(running: &mut adapter::Running, line: &[u8]) {
    if let Some(stdin) = running.stdin.as_mut() {
        let _ = tokio::io::AsyncWriteExt::write_all(stdin, line).await;
        let _ = tokio::io::AsyncWriteExt::flush(stdin).await;
    }
}

/// How much longer than the quiet window a case watches once everything
/// expected has happened: after `close()`, what the model set; after a
/// `retry` too long to wait out, [`expectation::CLOSE_WATCH_MS`], so a client
/// that cut the value to a floor (Gecko wraps 2^32 to 0 and raises it to
/// 500 ms) or to its default (3 to 5 s) is seen reconnecting, not only one
/// that reconnects at once.
fn watch_longer_ms(expected: &Expected) -> u64 {
    match (expected.watch_after_close_ms, expected.unwatched_delay_ms) {
        (Some(ms), _) => ms,
        (None, Some(_)) => expectation::CLOSE_WATCH_MS,
        (None, None) => 0,
    }
}

/// How long a case waits for what it expects: the timeout, plus every pause
/// the scenario scripts and every reconnection delay it sets.
fn deadline_of(case: &ClientCase, expected: &Expected, options: &Options) -> Duration {
    let delays: u64 = expected.requests.iter().filter_map(|r| r.min_delay_ms).sum();
    let pauses: Duration = case
        .scenario
        .responses
        .iter()
        .map(|r| r.pause * u32::try_from(r.writes.len()).unwrap_or(u32::MAX))
        .sum();
    options.timeout + pauses + Duration::from_millis(delays)
}

fn need_name(need: Need) -> &'static str {
    match need {
        Need::Reconnect => "--no-reconnect",
        Need::LastEventId => "--no-last-event-id",
        Need::Retry => "--no-retry",
        Need::Publish => "no --publish",
        Need::Subscribers => "no --subscribers",
        Need::Resume => "no --resume",
        Need::Idle => "no --idle",
        Need::Headers
        | Need::InitialLastEventId
        | Need::Close
        | Need::MethodBody
        | Need::ReadTimeout
        | Need::Restart => "no such capability",
    }
}

/// The path and query of an absolute http URL.
fn path_of(url: &str) -> &str {
    url.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or("/")
}

/// Compares; returns the status and a message naming every deviation.
fn judge(case: &ClientCase, expected: &Expected, observed: &Observed, options: &Options) -> (Status, String) {
    let mut behaviour = Vec::new();
    let mut subject = Vec::new();
    if observed.flooded {
        behaviour.push(format!(
            "the adapter printed more than {} bytes; the rest was not read",
            adapter::MAX_OUTPUT
        ));
    }
    if let Some(line) = observed.not_event_lines.first() {
        behaviour.push(format!("the adapter printed a line that is not an event line: {line:?}"));
    }
    let want = core_lines(&expected.lines, options);
    let got = core_lines(&observed.lines, options);
    if want != got {
        let at = want.iter().zip(&got).position(|(w, g)| w != g).unwrap_or(want.len().min(got.len()));
        behaviour.push(describe::lines_differ(
            at,
            want.get(at),
            got.get(at),
            want.len(),
            got.len() + observed.lines_not_kept,
        ));
    }
    let (want_requests, got_requests) = (&expected.requests, &observed.requests);
    let made = got_requests.len() + observed.requests_not_kept;
    if made > want_requests.len() {
        behaviour.push(if expected.ends_closed {
            format!(
                "made {} request(s) after the connection had failed or been closed (it must not reconnect)",
                made - want_requests.len()
            )
        } else if let Some(ms) = expected.unwatched_delay_ms {
            format!(
                "made {made} request(s), {} expected: the reconnection time was {ms} ms, so no request may come while the case watches",
                want_requests.len()
            )
        } else {
            let extra = want_requests.len() + 1;
            // The response the request before the first extra one got.
            let previous = extra.checked_sub(2).map(|i| case.scenario.responses.get(i).map_or(End::Hold, |r| r.end));
            let why = if matches!(previous, Some(End::Hold | End::Heartbeat)) {
                format!(
                    ": request {extra} came while the server still held response {} open (the client dropped the stream itself)",
                    extra - 1
                )
            } else {
                String::new()
            };
            format!("made {made} request(s), {} expected{why}", want_requests.len())
        });
    } else if got_requests.len() < want_requests.len() {
        let missing = &want_requests[got_requests.len()];
        let due = missing
            .min_delay_ms
            .map_or(String::new(), |ms| format!(", due {ms} ms after the previous body ended"));
        behaviour.push(format!(
            "made {} request(s), {} expected: no request to {}{due}{}",
            got_requests.len(),
            want_requests.len(),
            path_of(&missing.url),
            if observed.timed_out {
                format!(" within the case's {} s", deadline_of(case, expected, options).as_secs())
            } else {
                String::new()
            }
        ));
    }
    let mut explained = false;
    for (index, (want, got)) in want_requests.iter().zip(got_requests).enumerate() {
        let n = index + 1;
        if path_of(&want.url) != got.path {
            behaviour.push(format!("request {n} went to {}, expected {}", got.path, path_of(&want.url)));
        }
        behaviour.extend(method_and_body(n, case, want, got, &mut explained));
        if !options.lacks.contains(&Need::LastEventId) {
            let sent = got.header_values("last-event-id");
            match (want.header("Last-Event-ID"), sent.as_slice()) {
                (None, []) => {}
                (Some(id), [value]) if *value == id => {}
                (want, values) => behaviour.push(describe::last_event_id(n, want, values)),
            }
        }
        if let Some(waited) = too_soon(got.at, got.previous_last_write, want.min_silence_ms) {
            behaviour.push(format!(
                "request {n} came {waited} ms after the last byte the server sent, sooner than the read timeout of {} ms (SSE_READ_TIMEOUT_MS)",
                want.min_silence_ms.unwrap_or_default()
            ));
        }
        if let (Some(restart), Some(sent)) = (expected.restart_request, observed.restart_sent_at) {
            if index == restart {
                let waited = got.at.saturating_duration_since(sent);
                if waited > Duration::from_millis(expectation::RESTART_WITHIN_MS) {
                    behaviour.push(format!(
                        "request {n} came {} ms after `restart`; a restart reconnects at once (within {} ms), without waiting the reconnection time",
                        waited.as_millis(),
                        expectation::RESTART_WITHIN_MS
                    ));
                }
            }
        }
        if let Some(waited) = too_soon(got.at, got.previous_end, want.min_delay_ms) {
            behaviour.push(format!(
                "request {n} came {waited} ms after the previous body ended, sooner than the reconnection time of {} ms",
                want.min_delay_ms.unwrap_or_default()
            ));
        }
    }
    let name = |n: usize| {
        if got_requests.len() == 1 { "the request".to_owned() } else { format!("request {}", n + 1) }
    };
    if !got_requests.is_empty() {
        match case.subject {
            Subject::Behaviour => {}
            // Every request, reconnections included (step 10 and 11 set up
            // the request every reconnection reuses).
            Subject::AcceptHeader => {
                for (n, request) in got_requests.iter().enumerate() {
                    if let Some(values) = header_lacks(request, "Accept", &["text/event-stream"]) {
                        subject.push(format!("{}'s Accept is {values:?}, not text/event-stream", name(n)));
                    }
                }
            }
            Subject::CacheControlHeader => {
                for (n, request) in got_requests.iter().enumerate() {
                    if let Some(values) = header_lacks(request, "Cache-Control", &["no-cache", "no-store"]) {
                        subject.push(format!("{}'s Cache-Control is {values:?}, not no-cache", name(n)));
                    }
                }
            }
            Subject::ExtraHeaders => {
                let mut explained = false;
                for (n, (want, request)) in want_requests.iter().zip(got_requests).enumerate() {
                    for (name, _) in &case.scenario.headers {
                        // The model's request: a header a redirect deleted
                        // (a request-body header over a 303) is not asked for.
                        let Some(value) = want.header(name) else { continue };
                        if !request.header_values(name).contains(&value) {
                            let why = if n == 0 || explained {
                                ""
                            } else {
                                ": the headers must be sent again on every reconnection and after every redirect"
                            };
                            explained |= !why.is_empty();
                            behaviour.push(format!(
                                "request {} does not carry {name}: {value} (SSE_HEADERS){why}",
                                n + 1
                            ));
                        }
                    }
                }
            }
        }
    }
    if case.level == Level::Info {
        let behaviours = case.info.unwrap_or_default();
        let deviations: Vec<String> = behaviour.into_iter().chain(subject).collect();
        let message = if deviations.is_empty() {
            format!("behaves as the standard reads. ({behaviours})")
        } else {
            format!("differs from the standard's reading: {}. ({behaviours})", deviations.join("; "))
        };
        return (Status::Info, message);
    }
    if !behaviour.is_empty() {
        if observed.ended_early && !observed.flooded {
            let last = observed.stderr.trim_end().lines().last().unwrap_or("");
            let how = match observed.exited {
                Some(status) => format!("the adapter exited by itself ({status})"),
                None => "the adapter closed its stdout".to_owned(),
            };
            let printed = observed.lines.len() + observed.lines_not_kept;
            let last = if last.is_empty() {
                "nothing on stderr".to_owned()
            } else {
                format!("last stderr line: {}", describe::quote(last))
            };
            behaviour.insert(
                0,
                format!("{how} after printing {printed} event line(s), before the case was over ({last})"),
            );
        }
        behaviour.extend(subject);
        return (Status::Fail, behaviour.join("; "));
    }
    if !subject.is_empty() {
        let status = if case.level == Level::Must { Status::Fail } else { Status::Warn };
        return (status, subject.join("; "));
    }
    (Status::Pass, "as the standard says".to_owned())
}

/// Where request `n`'s method and body differ from the model's, and a
/// Content-Length that is not the body's length: one finding, with the
/// rule it breaks unless `explained` says a finding already named it.
fn method_and_body(
    n: usize,
    case: &ClientCase,
    want: &expectation::ExpectedRequest,
    got: &ObservedRequest,
    explained: &mut bool,
) -> Option<String> {
    let mut parts = Vec::new();
    let variable = if case.scenario.method.is_some() { " (SSE_METHOD)" } else { "" };
    if got.method != want.method {
        parts.push(format!("was {}, expected {}{variable}", got.method, want.method));
    }
    let want_body = want.body.as_deref().unwrap_or_default();
    let source = if want.body.is_some() { " (SSE_BODY)" } else { "" };
    if !got.body_complete {
        parts.push(format!(
            "its body did not end within {} s ({} bytes arrived)",
            server::BODY_DEADLINE.as_secs(),
            got.body_length
        ));
    } else if got.body_length != want_body.len() {
        let in_chars = String::from_utf8_lossy(want_body).chars().count();
        let hint = if got.body_length == in_chars && in_chars != want_body.len() {
            " (its length in characters: a Content-Length must count bytes)"
        } else {
            ""
        };
        parts.push(format!(
            "its body is {} bytes, expected {}{source}{hint}",
            got.body_length,
            want_body.len()
        ));
    } else if got.body != want_body[..got.body.len().min(want_body.len())] {
        let at = got.body.iter().zip(want_body).position(|(g, w)| g != w).unwrap_or(0);
        parts.push(format!(
            "its body differs from the expected{source} at byte {at} (both {} bytes)",
            got.body_length
        ));
    }
    if let [length] = got.header_values("content-length").as_slice() {
        if got.body_complete && length.trim().parse::<usize>().ok() != Some(got.body_length) {
            parts
                .push(format!("it says Content-Length: {length}, but its body is {} bytes", got.body_length));
        }
    }
    if parts.is_empty() {
        return None;
    }
    let configured = case.scenario.method.is_some() || case.scenario.body.is_some();
    let why = if !configured || *explained {
        ""
    } else if want.method == "GET" && case.scenario.method.as_deref().is_some_and(|m| m != "GET") {
        ": a 303 redirect (and a 301 or 302 of a POST) turns the request into GET with no body (Fetch's HTTP-redirect fetch), for every later request too"
    } else if n > 1 {
        ": the method and body must be used again on every reconnection and kept over a 307 or 308 redirect"
    } else {
        ""
    };
    *explained |= !why.is_empty();
    Some(format!("request {n} {}{why}", parts.join(" and ")))
}

fn body_json(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => json!(text),
        Err(_) => json!({"hex": bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()}),
    }
}

fn expected_json(case: &ClientCase, expected: &Expected, options: &Options) -> Value {
    let served: Vec<Value> = case
        .scenario
        .responses
        .iter()
        .map(|r| {
            let mut served = json!({
                "status": r.status,
                "headers": r.headers,
                "body": body_json(&r.body()),
                "writes": r.writes.len(),
                "pause_ms": r.pause.as_millis() as u64,
                "end": match r.end {
                    End::Close => "close",
                    End::Reset => "reset",
                    End::Hold => "hold",
                    End::Heartbeat => "hold, a comment line every 200 ms",
                },
            });
            if r.after_close {
                served["pause_after_close"] = json!(true);
            }
            served
        })
        .collect();
    let requests: Vec<Value> = expected
        .requests
        .iter()
        .map(|r| {
            without_defaults(
                json!({
                    "path": path_of(&r.url), "Last-Event-ID": r.header("Last-Event-ID"), "min_delay_ms": r.min_delay_ms,
                    "method": (r.method != "GET").then_some(r.method.as_str()),
                    "body": r.body.as_deref().map(body_json),
                }),
                &["Last-Event-ID", "min_delay_ms", "method", "body"],
            )
        })
        .collect();
    json!({
        "served": served,
        "lines": core_lines(&expected.lines, options),
        "requests": requests,
        "then": match (expected.ends_closed, expected.unwatched_delay_ms) {
            (true, _) => "no further request".to_owned(),
            (false, Some(ms)) => format!("no further request while the case watches (the reconnection time is {ms} ms)"),
            (false, None) => "the stream stays open".to_owned(),
        },
    })
}

fn observed_json(observed: &Observed) -> Value {
    let requests: Vec<Value> = observed
        .requests
        .iter()
        .map(|r| {
            let delay = r.previous_end.map(|end| r.at.saturating_duration_since(end).as_millis() as u64);
            let headers: serde_json::Map<String, Value> =
                r.headers.iter().map(|(n, v)| (n.clone(), json!(v))).collect();
            without_defaults(
                json!({
                    "method": r.method, "path": r.path, "version": r.version, "headers": headers, "delay_ms": delay,
                    "body": (r.body_length > 0).then(|| body_json(&r.body)),
                    "body_length": r.body_length,
                    "body_incomplete": !r.body_complete,
                }),
                &["delay_ms", "body", "body_length", "body_incomplete"],
            )
        })
        .collect();
    let observed = json!({
        "lines": observed.lines,
        "lines_not_kept": observed.lines_not_kept,
        "not_event_lines": observed.not_event_lines,
        "requests": requests,
        "requests_not_kept": observed.requests_not_kept,
        "timed_out": observed.timed_out,
        "ended_early": observed.ended_early,
        "flooded": observed.flooded,
        "exit_status": observed.exited.map(|status| status.to_string()),
        "stderr": observed.stderr,
    });
    // Only what happened: a flag that is false or a count that is 0 is left out.
    without_defaults(
        observed,
        &[
            "lines_not_kept",
            "not_event_lines",
            "requests_not_kept",
            "timed_out",
            "ended_early",
            "flooded",
            "stderr",
            "exit_status",
        ],
    )
}

/// `value` without the `optional` keys whose value is null, false, 0, "" or
/// empty: what a report reader need not be told.
fn without_defaults(mut value: Value, optional: &[&str]) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.retain(|key, item| {
            let default = match item {
                Value::Null => true,
                Value::Bool(b) => !*b,
                Value::Number(n) => n.as_u64() == Some(0),
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
            };
            !(default && optional.contains(&key.as_str()))
        });
    }
    value
}
