//! The client-mode cases: every parse fixture served whole and in hostile
//! writes, and the connection scenarios. Ids follow the standard's structure
//! so a prefix selects a family.
//!
//! The parse cases hold the stream open and leave out `retry` lines (optional
//! in the contract), so a rule whose effect shows only on the connection
//! needs a connection case. Those families, and the wrong implementation
//! each catches (the mutant adapter's `--bug` in brackets):
//!
//! - `connection.retry-invalid.*`: `retry: 6000`, then a value that is not
//!   only ASCII digits (`50ms`, `5e1`, `50.5`, `+50`, `-50`, `50 `, ` 50`,
//!   `0x32`, `5_0`, fullwidth `５０`); a parser reading leading digits, a
//!   float, a trimmed or signed integer, hex or Unicode digits, or resetting
//!   to its default, reconnects before 6000 ms (`retry-leading-digits`,
//!   `retry-float`, `retry-python-int`, `retry-invalid-resets-default`).
//! - `connection.retry-valid.leading-zeros`: `0006000` is 6000 in base ten;
//!   octal, or refusing it, reconnects early (`retry-octal-leading-zero`).
//! - `connection.retry-valid.2-pow-{31,32,64}`: a reconnection time beyond
//!   what a case waits out ([`super::expectation::LONGEST_WATCHED_DELAY_MS`]);
//!   a 32- or 64-bit wrap to 0, or a timer that fires at once beyond
//!   2^31 - 1 ms, reconnects in the quiet window (`retry-32-bit-wrap`,
//!   `retry-timer-overflow`). Ignoring or clamping the value is not seen.
//! - `connection.reconnect.retry-delay.unfinished-block`: retry applied at
//!   dispatch, not when read (`retry-at-dispatch`); `.after-reset`: a network
//!   error waits a backoff of its own (`error-backoff-ignores-retry`);
//!   `.persists`: the reconnection time reset per connection
//!   (`retry-per-connection`).
//! - `connection.last-event-id.dataless-block`: the last event ID string set
//!   only when an event fires (`id-only-on-event`); `.unfinished-block`: set
//!   when the id field is read (`id-set-at-field`); `.non-ascii`: the header
//!   not sent as UTF-8 (`last-event-id-latin1`).
//! - `connection.end-of-body.*`: the body ends inside a block; its pending
//!   data must be discarded, not dispatched (`partial-event-dispatched-at-end`,
//!   and a parser's flush of the unfinished block at the end of the input).
//!   They need no reconnection: a `--no-reconnect` client is expected to give
//!   up once, with an error at readyState 2.
//! - `connection.reconnect.new-stream.{data-buffer,event-type-buffer}`:
//!   buffers kept across connections (`buffers-kept-across-connections`);
//!   `.bom`: the BOM stripped only on the first (`bom-only-first-connection`).
//! - `connection.capability.close` and `.close-while-waiting` (capability
//!   `close`): after `close` nothing is dispatched and no request follows,
//!   watched for [`super::expectation::CLOSE_WATCH_MS`] (longer than the
//!   reconnection time the cases set and clients' usual defaults), so a
//!   client that stops printing but reconnects later is seen
//!   (`close-reconnects-later`); a pending reconnection that survives
//!   `close()` is caught too.
//! - `connection.read-timeout.*` (capability `read-timeout`,
//!   [`READ_TIMEOUT_MS`]): a stream silent after an event or mid-event is
//!   abandoned, the partial event discarded, and the client reconnects with
//!   `Last-Event-ID`, not before the timeout measured from the last byte
//!   served; again on the next connection (`read-timeout-first-connection-only`);
//!   comments or events every fifth of the timeout, for twice the timeout,
//!   keep the stream (`read-timeout-from-connect`,
//!   `read-timeout-reset-by-events-only`). The kept streams and the last
//!   stream of each case end in a heartbeat ([`End::Heartbeat`]), so a
//!   conforming client is never cut off.
//! - `connection.restart.*` (capability `restart`): `restart` mid-event
//!   drops the partial event and reconnects at once (within
//!   [`super::expectation::RESTART_WITHIN_MS`], far below the 6 s
//!   reconnection time the case set) with `Last-Event-ID`, and fires no
//!   `error` event: the connection did not fail, the client chose to drop
//!   it; the new connection's `open` is expected (`restart-fires-error`,
//!   `restart-waits-reconnection-time`, `restart-keeps-partial-event`,
//!   `restart-forgets-last-event-id`); `restart` while a reconnection is
//!   waited for skips the wait.
//! - `connection.method-body.*` (capability `method-body`; every request of
//!   every other case is also judged GET with no body): SSE_METHOD and
//!   SSE_BODY on the first request (`.first-request`, for adapters that
//!   cannot reconnect) and on the reconnection after an end of body or a
//!   reset (`method-get-on-reconnect`, `body-dropped-on-reconnect`); kept
//!   over a 307 and a 308 (`get-on-307`); GET with no body over a 303, for
//!   the reconnection too (`post-kept-on-303`); a non-ASCII body counted in
//!   bytes (`body-length-in-chars`); POST with an empty body
//!   (`method-get-without-body`). 301/302 from POST are GET in Fetch but
//!   RFC 9110 lets a client keep POST, so only spec-impl's fixtures pin them.
//! - `connection.headers.*` (capability `headers`): SSE_HEADERS
//!   (X-Ssecheck-Token and Authorization) on the reconnection after an end
//!   of body or a reset, and on the request after a same-origin 301, 302,
//!   307 and after a redirect on reconnection (`headers-first-request-only`,
//!   `headers-dropped-on-redirect`). `connection.capability.headers` stays
//!   first-request only, for adapters that cannot reconnect.
//! - `connection.initial-last-event-id.*` (capability
//!   `initial-last-event-id`): the stream's id replaces SSE_LAST_EVENT_ID
//!   and an empty id resets it (`initial-id-every-request`); a stream that
//!   dispatches nothing leaves it, sent again (`initial-id-first-request-only`).
//!   `connection.info.initial-last-event-id-before-any-id` (info): an event
//!   before any id carries "" in the literal standard, the initial ID where
//!   a library keeps one ID per client.
//!
//! - `connection.status.first.<status>` and `connection.status.<status>`:
//!   every status of [`FAILING_STATUSES`] (2xx other than 200 included) fails
//!   the connection on the first request and on a reconnection; a client that
//!   takes any 2xx as success, or checks the status only on reconnection, is
//!   caught (`any-2xx-accepted`, `first-status-not-checked`).
//! - `connection.redirect.303` with 301, 302, 307, 308: a 303 refused
//!   (`redirect-303-refused`). `connection.redirect.{first,reconnect}.to-*`:
//!   a redirect to a 404, a 204 or a wrong Content-Type fails the connection;
//!   a client that checks only the first response's status is caught
//!   (`redirect-target-status-ignored`). `.first.no-location`: a 302 without
//!   Location is a non-200 response (`first-status-not-checked`).
//! - `connection.reconnect.empty-body`: an empty 200 body is a stream that
//!   ended, not a failure (`empty-body-fails`); `.twice-then-204`: the error
//!   events' readyState over two reconnections and a failure
//!   (`reconnect-after-failure`).
//! - `connection.request-headers.reconnection.{accept,cache-control}`: both
//!   headers on the reconnection too (`accept-first-request-only`,
//!   `cache-control-first-request-only`; Should, so failures under
//!   `--strict`).
//! - `connection.payload.<size>.{one-line,many-lines,crlf,exact-frame}`: one
//!   event of 1 B to 1 MiB of data ([`PAYLOAD_SIZES`]), written at once and
//!   then the stream held open and silent; a client that acts on a blank line
//!   only when the next read arrives, or cuts long lines, is caught
//!   (`delivery-waits-for-next-read`, `line-cap-8192`).
//!
//! Already covered before these: the error event's `readyState` (every
//! reconnecting case compares the error line), `Last-Event-ID` after an id,
//! never set, reset and with NUL (`connection.last-event-id.*`), the final
//! URL after a redirect (`connection.redirect.*`). Not checked: a network
//! error before any response.
//!
//! What web-platform-tests' `eventsource/` and LaunchDarkly's
//! sse-contract-tests check, scenario by scenario, and the cases that cover
//! each (or why none does): [COVERAGE.md](./COVERAGE.md), in this folder.

use std::time::Duration;

use super::scenario::{End, Response, Scenario, event_stream};

pub use crate::registry::{Capability as Need, Level};

/// What a case checks beyond the event lines, the request count and paths,
/// `Last-Event-ID`, and reconnection delays (always checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// Only the above.
    Behaviour,
    /// The `Accept: text/event-stream` request header (a "may": Should).
    AcceptHeader,
    /// The `Cache-Control: no-cache` request header.
    CacheControlHeader,
    /// The headers of `SSE_HEADERS`, on every request (a Must once declared).
    ExtraHeaders,
}

/// One client-mode case.
#[derive(Debug, Clone)]
pub struct ClientCase {
    /// Stable id.
    pub id: String,
    /// One line.
    pub title: String,
    /// Citation keys.
    pub spec: Vec<String>,
    /// What a mismatch means.
    pub level: Level,
    /// What the client must be able to do.
    pub needs: Vec<Need>,
    /// What is checked besides behaviour.
    pub subject: Subject,
    /// What the server does.
    pub scenario: Scenario,
    /// For `Level::Info`: the behaviours that differ, named.
    pub info: Option<&'static str>,
}

/// The pause between hostile writes, so each arrives as its own read.
pub const SPLIT_PAUSE: Duration = Duration::from_millis(8);
/// Cases up to this size are written one byte at a time.
pub const BYTEWISE_LIMIT: usize = 48;
/// The most split points one case is cut at.
pub const MAX_SPLITS: usize = 48;

/// The reconnection time the connection cases set first, so reconnections
/// (and wrong reconnections) happen quickly.
pub const PRIME_RETRY_MS: u64 = 100;

/// A reconnection time longer than clients' usual defaults (3 to 5 s), so a
/// client that ignores `retry` is caught reconnecting too early.
pub const LONG_RETRY_MS: u64 = 6000;

/// The reconnection time the `connection.capability.close*` cases set:
/// ample time for `close` to arrive first; a client that ignores close
/// reconnects this soon, and one that also ignores `retry` at its default,
/// within the [`super::expectation::CLOSE_WATCH_MS`] the case watches.
pub const CLOSE_WAIT_RETRY_MS: u64 = 1000;

/// Every client-mode case, in registry order.
pub fn all() -> Result<Vec<ClientCase>, fixtures::LoadError> {
    let mut cases = parse_cases()?;
    cases.extend(connection_cases());
    Ok(cases)
}

fn parse_cases() -> Result<Vec<ClientCase>, fixtures::LoadError> {
    let mut cases = Vec::new();
    for fixture in fixtures::parse_cases()? {
        let event_types = event_types_of(&fixture.meta.expected);
        let needs =
            if needs_last_event_id(&fixture.meta.expected) { vec![Need::LastEventId] } else { vec![] };
        let base = ClientCase {
            id: String::new(),
            title: fixture.meta.description.clone(),
            spec: fixture.meta.spec.clone(),
            level: Level::Must,
            needs,
            subject: Subject::Behaviour,
            scenario: Scenario {
                responses: vec![Response::stream(&fixture.bytes, End::Hold)],
                event_types,
                ..Scenario::default()
            },
            info: None,
        };
        cases.push(ClientCase { id: format!("{}.whole", fixture.id), ..base.clone() });
        let writes = hostile_writes(&fixture.bytes);
        if writes.len() > 1 {
            let mut split = base;
            split.id = format!("{}.split", fixture.id);
            split.title = format!("{} (sent in {} separate writes)", split.title, writes.len());
            split.scenario.responses =
                vec![Response::new(200, event_stream(), writes, End::Hold).paused(SPLIT_PAUSE)];
            cases.push(split);
        }
    }
    Ok(cases)
}

fn event_types_of(expected: &[serde_json::Value]) -> Vec<String> {
    let mut types: Vec<String> = expected
        .iter()
        .filter(|line| line["kind"] == "event")
        .filter_map(|line| line["type"].as_str())
        .filter(|t| *t != "message")
        .map(str::to_owned)
        .collect();
    types.sort();
    types.dedup();
    types
}

fn needs_last_event_id(expected: &[serde_json::Value]) -> bool {
    expected.iter().any(|line| line["lastEventId"].as_str().is_some_and(|id| !id.is_empty()))
}

/// `bytes` cut where naive parsers break: between CR and LF, inside a
/// multi-byte character, inside the BOM; after every byte when short.
pub fn hostile_writes(bytes: &[u8]) -> Vec<Vec<u8>> {
    let points: Vec<usize> = if bytes.len() <= BYTEWISE_LIMIT {
        (1..bytes.len()).collect()
    } else {
        (1..bytes.len())
            .filter(|&i| {
                let (before, at) = (bytes[i - 1], bytes[i]);
                (before == b'\r' && at == b'\n')
                    || (before >= 0xC0 && (0x80..0xC0).contains(&at))
                    || (i < 3 && bytes.starts_with(b"\xEF\xBB\xBF"))
            })
            .take(MAX_SPLITS)
            .collect()
    };
    let mut writes = Vec::new();
    let mut start = 0;
    for point in points {
        writes.push(bytes[start..point].to_vec());
        start = point;
    }
    writes.push(bytes[start..].to_vec());
    writes
}

fn keys(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

/// The first response of most connection cases: sets a short reconnection
/// time, dispatches one event, and ends, so the case's subject happens on the
/// reconnection.
fn prime(extra: &str) -> Response {
    Response::stream(format!("retry: {PRIME_RETRY_MS}\ndata: prime\n\n{extra}").as_bytes(), End::Close)
}

fn case(id: &str, title: &str, spec: &[&str], needs: &[Need], responses: Vec<Response>) -> ClientCase {
    ClientCase {
        id: id.to_owned(),
        title: title.to_owned(),
        spec: keys(spec),
        level: Level::Must,
        needs: needs.to_vec(),
        subject: Subject::Behaviour,
        scenario: Scenario { responses, ..Scenario::default() },
        info: None,
    }
}

fn with_content_type(content_type: Option<&str>, body: &[u8], end: End) -> Response {
    let headers = content_type.map(|ct| vec![("Content-Type".to_owned(), ct.to_owned())]).unwrap_or_default();
    Response::new(200, headers, vec![body.to_vec()], end)
}

/// `retry` values that are not "only ASCII digits", each as a wrong parser
/// reads it as a short delay: (name, value, the parsers that accept it).
pub const RETRY_INVALID: &[(&str, &str, &str)] = &[
    ("unit-suffix", "50ms", "leading digits (parseInt, atoi, strtol)"),
    ("exponent", "5e1", "a float parser"),
    ("decimal-point", "50.5", "a float parser or leading digits"),
    ("plus-sign", "+50", "a signed or Rust integer parser (\"+50\".parse::<u64>() is Ok)"),
    ("minus-sign", "-50", "a signed parser clamping to 0"),
    ("trailing-space", "50 ", "a parser that trims (Python's int)"),
    ("leading-space", " 50", "a parser that trims (one space after the colon is removed, not two)"),
    ("hex", "0x32", "JavaScript's Number, strtol with base 0, Python's int(v, 0)"),
    ("digit-separator", "5_0", "Python's int, which allows underscores between digits"),
    ("fullwidth-digits", "\u{ff15}\u{ff10}", "Unicode digits (Python's int, char::is_numeric)"),
];

/// `retry` values of only ASCII digits beyond 31, 32 and 64 bits: the
/// reconnection time is that integer (saturated at `u64::MAX` by spec-impl),
/// far longer than a case watches. (name, value, the bug that shortens it.)
pub const RETRY_HUGE: &[(&str, &str, &str)] = &[
    ("2-pow-31", "2147483648", "a timer that fires at once beyond 2^31 - 1 ms (JavaScript's setTimeout)"),
    ("2-pow-32", "4294967296", "32-bit arithmetic wrapping to 0"),
    ("2-pow-64", "18446744073709551616", "64-bit arithmetic wrapping to 0 (spec-impl saturates)"),
];

/// The cases on what a `retry` value sets, seen as the reconnection delay.
fn retry_value_cases() -> Vec<ClientCase> {
    use Need::{Reconnect, Retry};
    const RETRY: &[&str] = &["#processField \"retry\"", "#reestablish-the-connection step 2"];
    let mut cases = Vec::new();
    for (name, value, parsers) in RETRY_INVALID {
        cases.push(case(
            &format!("connection.retry-invalid.{name}"),
            &format!(
                "retry: {LONG_RETRY_MS}, then a retry field whose value is {value:?} (not only ASCII digits: ignored), so the client still waits {LONG_RETRY_MS} ms; {parsers} reconnects early"
            ),
            RETRY,
            &[Reconnect, Retry],
            vec![Response::stream(
                format!("retry: {LONG_RETRY_MS}\ndata: a\n\nretry: {value}\ndata: b\n\n").as_bytes(),
                End::Close,
            )],
        ));
    }
    cases.push(case(
        "connection.retry-valid.leading-zeros",
        &format!(
            "retry: {PRIME_RETRY_MS}, then retry: 000{LONG_RETRY_MS} (base ten: {LONG_RETRY_MS}); a parser that reads octal or refuses leading zeros reconnects early"
        ),
        RETRY,
        &[Reconnect, Retry],
        vec![Response::stream(
            format!("retry: {PRIME_RETRY_MS}\ndata: a\n\nretry: 000{LONG_RETRY_MS}\ndata: b\n\n").as_bytes(),
            End::Close,
        )],
    ));
    for (name, value, bug) in RETRY_HUGE {
        cases.push(case(
            &format!("connection.retry-valid.{name}"),
            &format!(
                "retry: {value} sets a reconnection time far longer than the case watches: no request may follow while the case watches; {bug} reconnects at once"
            ),
            &[RETRY[0], RETRY[1], "#concept-event-stream-reconnection-time"],
            &[Reconnect, Retry],
            vec![Response::stream(
                format!("retry: {LONG_RETRY_MS}\ndata: a\n\nretry: {value}\ndata: b\n\n").as_bytes(),
                End::Close,
            )],
        ));
    }
    cases.extend([
        case(
            "connection.reconnect.retry-delay.unfinished-block",
            &format!(
                "retry: {LONG_RETRY_MS} in a block the body ends before finishing still sets the reconnection time (a field takes effect when read, not at dispatch)"
            ),
            &["#processField \"retry\"", "#event-stream-interpretation \"end of the file\"", RETRY[1]],
            &[Reconnect, Retry],
            vec![Response::stream(
                format!("data: a\n\ndata: b\nretry: {LONG_RETRY_MS}\n").as_bytes(),
                End::Close,
            )],
        ),
        case(
            "connection.reconnect.retry-delay.after-reset",
            &format!(
                "retry: {LONG_RETRY_MS}, then the connection resets: the reconnection after a network error waits the same reconnection time"
            ),
            &["#dom-eventsource step 14", "#reestablish-the-connection step 2"],
            &[Reconnect, Retry],
            vec![Response::stream(format!("retry: {LONG_RETRY_MS}\ndata: a\n\n").as_bytes(), End::Reset)],
        ),
        case(
            "connection.reconnect.retry-delay.persists",
            &format!(
                "retry: {LONG_RETRY_MS} on the first stream still holds after a second stream without retry (the reconnection time belongs to the EventSource, not to one response)"
            ),
            &["#concept-event-stream-reconnection-time", "#reestablish-the-connection step 2"],
            &[Reconnect, Retry],
            vec![
                Response::stream(format!("retry: {LONG_RETRY_MS}\ndata: a\n\n").as_bytes(), End::Close),
                Response::stream(b"data: b\n\n", End::Close),
            ],
        ),
    ]);
    cases
}

/// The cases on what carries over from one response to the next: the last
/// event ID string does (sent as `Last-Event-ID`); the buffers and the
/// decoder's state do not.
fn new_stream_cases() -> Vec<ClientCase> {
    use Need::{LastEventId, Reconnect, Retry};
    let mut event_type = case(
        "connection.reconnect.new-stream.event-type-buffer",
        "event: update in a block the body ends before finishing is discarded: the next stream's event is a message",
        &[
            "#event-stream-interpretation \"end of the file\"",
            "#event-stream-interpretation \"initialized to the empty string\"",
        ],
        &[Reconnect, Retry],
        vec![prime("event: update\n"), Response::stream(b"data: b\n\n", End::Hold)],
    );
    event_type.scenario.event_types = vec!["update".to_owned()];
    vec![
        case(
            "connection.last-event-id.dataless-block",
            "A block with an id and no data dispatches nothing but sets the last event ID string: the reconnection carries Last-Event-ID: 7",
            &["#dispatchMessage step 1", "#dispatchMessage step 2", "#reestablish-the-connection step 5.3"],
            &[Reconnect, Retry, LastEventId],
            vec![prime("id: 7\n\n")],
        ),
        case(
            "connection.last-event-id.unfinished-block",
            "An id in a block the body ends before finishing never reaches the last event ID string: the reconnection carries Last-Event-ID: 3, not 9",
            &[
                "#dispatchMessage step 1",
                "#event-stream-interpretation \"end of the file\"",
                "#reestablish-the-connection step 5.3",
            ],
            &[Reconnect, Retry, LastEventId],
            vec![Response::stream(
                format!("retry: {PRIME_RETRY_MS}\nid: 3\ndata: a\n\ndata: b\nid: 9\n").as_bytes(),
                End::Close,
            )],
        ),
        case(
            "connection.last-event-id.non-ascii",
            "A non-ASCII id is sent back as the Last-Event-ID value encoded as UTF-8",
            &["#processField \"id\"", "#reestablish-the-connection step 5.3"],
            &[Reconnect, Retry, LastEventId],
            vec![Response::stream(
                format!("retry: {PRIME_RETRY_MS}\nid: \u{e9}v\u{e9}nement-\u{20ac}\ndata: a\n\n").as_bytes(),
                End::Close,
            )],
        ),
        case(
            "connection.reconnect.new-stream.data-buffer",
            "data: lost in a block the body ends before finishing is discarded: the next stream's event holds only its own data",
            &[
                "#event-stream-interpretation \"end of the file\"",
                "#event-stream-interpretation \"initialized to the empty string\"",
            ],
            &[Reconnect, Retry],
            vec![prime("data: lost\n"), Response::stream(b"data: b\n\n", End::Hold)],
        ),
        event_type,
        case(
            "connection.reconnect.new-stream.bom",
            "Each response body is decoded on its own: the leading BOM of the second stream is stripped too",
            &[
                "#event-stream-interpretation \"strips one leading BOM\"",
                "#event-stream-interpretation \"UTF-8 decode\"",
            ],
            &[Reconnect, Retry],
            vec![
                Response::stream(
                    format!("\u{feff}retry: {PRIME_RETRY_MS}\ndata: a\n\n").as_bytes(),
                    End::Close,
                ),
                Response::stream("\u{feff}data: b\n\n".as_bytes(), End::Hold),
            ],
        ),
    ]
}

/// The body ends in the middle of a block: whatever is pending is discarded,
/// never dispatched. These need no reconnection, so a client without it
/// (`--no-reconnect`, a parser over one response) is checked too: it reports
/// once that it has given up, where EventSource reestablishes the connection
/// (after `retry: 100`; the next stream stays open and silent).
fn end_of_body_cases() -> Vec<ClientCase> {
    const EOF: &[&str] = &["#event-stream-interpretation \"end of the file\"", "#dom-eventsource step 14"];
    let ending = |id: &str, title: &str, pending: &str| {
        case(
            &format!("connection.end-of-body.{id}"),
            title,
            EOF,
            &[Need::Retry],
            vec![Response::stream(format!("retry: 100\ndata: a\n\n{pending}").as_bytes(), End::Close)],
        )
    };
    vec![
        ending(
            "pending-data-discarded",
            "The body ends after a complete data line and no blank line: the pending event is discarded, not dispatched",
            "data: lost\n",
        ),
        ending(
            "pending-line-discarded",
            "The body ends inside an event type line and a data line with no line end: nothing more is dispatched",
            "event: x\ndata: lost",
        ),
        ending(
            "pending-type-discarded",
            "The body ends after an event type and a data line: the pending typed event is discarded",
            "event: x\ndata: lost\r\n",
        ),
    ]
}

fn connection_cases() -> Vec<ClientCase> {
    use Need::{LastEventId, Reconnect, Retry};
    const FAIL: &[&str] = &["#dom-eventsource step 15.3", "#fail-the-connection"];
    let mut cases = vec![case(
        "connection.status.200",
        "A 200 text/event-stream response is announced and its events dispatched",
        &["#dom-eventsource step 15.4", "#announce-the-connection"],
        &[],
        vec![Response::stream(b"data: a\n\n", End::Hold)],
    )];
    for &status in FAILING_STATUSES {
        let body = failing_body(status);
        cases.push(case(
            &format!("connection.status.{status}"),
            &format!(
                "A {status} response on reconnection fails the connection: error, CLOSED, no further request"
            ),
            FAIL,
            &[Reconnect, Retry],
            vec![prime(""), Response::new(status, event_stream(), vec![body], End::Close)],
        ));
    }
    for status in [301u16, 302, 303, 307, 308] {
        cases.push(case(
            &format!("connection.redirect.{status}"),
            &format!("A {status} redirect is followed, and the reconnection goes to the final URL"),
            &["fetch#http-redirect-fetch", "#reestablish-the-connection step 5.4"],
            &[Reconnect, Retry],
            vec![
                Response::new(
                    status,
                    vec![("Location".to_owned(), "moved?to=final".to_owned())],
                    vec![],
                    End::Close,
                ),
                prime(""),
            ],
        ));
    }
    for (name, content_type) in [
        ("charset-utf-8", "text/event-stream; charset=utf-8"),
        ("odd-case", "Text/Event-Stream"),
        ("whitespace-and-parameters", " text/event-stream ;foo=bar"),
    ] {
        cases.push(case(
            &format!("connection.content-type.{name}"),
            &format!("Content-Type {content_type:?} has the essence text/event-stream: the stream is used"),
            &["fetch#concept-header-extract-mime-type", "#dom-eventsource step 15.4"],
            &[],
            vec![with_content_type(Some(content_type), b"data: a\n\n", End::Hold)],
        ));
    }
    for (name, content_type) in
        [("text-plain", Some("text/plain")), ("missing", None), ("event-streams", Some("text/event-streams"))]
    {
        cases.push(case(
            &format!("connection.content-type.{name}"),
            &format!("Content-Type {content_type:?} on reconnection fails the connection"),
            &["fetch#concept-header-extract-mime-type", FAIL[0], FAIL[1]],
            &[Reconnect, Retry],
            vec![prime(""), with_content_type(content_type, b"data: not-an-event\n\n", End::Close)],
        ));
    }
    cases.extend([
        case(
            "connection.reconnect.end-of-body",
            "When the body ends normally the client reconnects, no sooner than the reconnection time",
            &["#dom-eventsource step 14", "#reestablish-the-connection step 1", "#reestablish-the-connection step 2"],
            &[Reconnect, Retry],
            vec![prime("")],
        ),
        case(
            "connection.reconnect.reset-mid-event",
            "A connection reset mid-event: the partial event is not dispatched nor its id used, then the client reconnects",
            &["#event-stream-interpretation \"end of the file\"", "#dom-eventsource step 14"],
            &[Reconnect, Retry],
            vec![Response::stream(
                format!("retry: {PRIME_RETRY_MS}\ndata: a\n\nid: 9\ndata: partial\n").as_bytes(),
                End::Reset,
            )],
        ),
        case(
            "connection.reconnect.retry-delay",
            "retry: 700 makes the client wait at least 700 ms before reconnecting",
            &["#processField \"retry\"", "#reestablish-the-connection step 2"],
            &[Reconnect, Retry],
            vec![Response::stream(b"retry: 700\ndata: a\n\n", End::Close)],
        ),
        case(
            "connection.reconnect.retry-delay.longer-than-default",
            "retry: 6000, longer than any usual default: the client waits at least 6 s (a client that ignores retry reconnects at its default)",
            &["#processField \"retry\"", "#reestablish-the-connection step 2"],
            &[Reconnect, Retry],
            vec![Response::stream(format!("retry: {LONG_RETRY_MS}\ndata: a\n\n").as_bytes(), End::Close)],
        ),
        case(
            "connection.reconnect.retry-delay.retry-only-block",
            "A block holding only retry: 6000 still sets the reconnection time, though it dispatches nothing",
            &["#processField \"retry\"", "#dispatchMessage step 2", "#reestablish-the-connection step 2"],
            &[Reconnect, Retry],
            vec![Response::stream(format!("data: a\n\nretry: {LONG_RETRY_MS}\n\n").as_bytes(), End::Close)],
        ),
        case(
            "connection.reconnect.silence-then-events",
            "A server silent for 2.5 s after a comment, then an event: the client waits (no read timeout is required)",
            &["#event-stream-interpretation \"starts with a U+003A COLON\"", "#dispatchMessage step 5"],
            &[],
            vec![
                Response::new(200, event_stream(), vec![b": hello\n".to_vec(), b"data: late\n\n".to_vec()], End::Hold)
                    .paused(Duration::from_millis(2500)),
            ],
        ),
        case(
            "connection.reconnect.comments-only-traffic",
            "Comment-only traffic for a while, then an event: the client keeps going",
            &["#event-stream-interpretation \"starts with a U+003A COLON\"", "#dispatchMessage step 5"],
            &[],
            vec![
                Response::new(
                    200,
                    event_stream(),
                    vec![b":a\n".to_vec(), b":b\n\n".to_vec(), b": c\n".to_vec(), b"data: after\n\n".to_vec()],
                    End::Hold,
                )
                .paused(Duration::from_millis(300)),
            ],
        ),
        case(
            "connection.last-event-id.after-id",
            "After id: 42 the reconnection carries Last-Event-ID: 42",
            &["#reestablish-the-connection step 5.3", "#dispatchMessage step 1"],
            &[Reconnect, Retry, LastEventId],
            vec![Response::stream(format!("retry: {PRIME_RETRY_MS}\nid: 42\ndata: a\n\n").as_bytes(), End::Close)],
        ),
        case(
            "connection.last-event-id.never-set",
            "Without any id the reconnection carries no Last-Event-ID header",
            &["#reestablish-the-connection step 5.3", "#concept-event-stream-last-event-id"],
            &[Reconnect, Retry],
            vec![prime("")],
        ),
        case(
            "connection.last-event-id.reset-by-empty-id",
            "An empty id resets the last event ID: the reconnection carries no Last-Event-ID",
            &["#reestablish-the-connection step 5.3", "#processField \"id\""],
            &[Reconnect, Retry, LastEventId],
            vec![Response::stream(
                format!("retry: {PRIME_RETRY_MS}\nid: 1\ndata: a\n\nid\ndata: b\n\n").as_bytes(),
                End::Close,
            )],
        ),
        case(
            "connection.last-event-id.nul-ignored",
            "An id containing NUL is ignored: events and the reconnection keep the previous ID",
            &["#processField \"id\"", "#reestablish-the-connection step 5.3"],
            &[Reconnect, Retry, LastEventId],
            vec![Response::stream(
                format!("retry: {PRIME_RETRY_MS}\nid: 1\ndata: a\n\nid: x\0y\ndata: b\n\n").as_bytes(),
                End::Close,
            )],
        ),
    ]);
    cases.extend(retry_value_cases());
    cases.extend(new_stream_cases());
    cases.extend(end_of_body_cases());
    cases.extend(first_request_cases());
    cases.extend(request_header_reconnection_cases());
    cases.extend(payload_cases());
    let mut accept = case(
        "connection.request-headers.accept",
        "The request carries Accept: text/event-stream",
        &["#dom-eventsource step 10"],
        &[],
        vec![Response::stream(b"data: a\n\n", End::Hold)],
    );
    accept.level = Level::Should;
    accept.subject = Subject::AcceptHeader;
    let mut cache = case(
        "connection.request-headers.cache-control",
        "The request carries Cache-Control: no-cache (cache mode \"no-store\")",
        &["#dom-eventsource step 11", "fetch#http-network-or-cache-fetch"],
        &[],
        vec![Response::stream(b"data: a\n\n", End::Hold)],
    );
    cache.level = Level::Should;
    cache.subject = Subject::CacheControlHeader;
    cases.extend([accept, cache]);

    // The contract's optional capabilities: skipped unless declared.
    let mut headers = case(
        "connection.capability.headers",
        "With --capability headers, every request carries the headers of SSE_HEADERS",
        &["#dom-eventsource step 15"],
        &[Need::Headers],
        vec![Response::stream(b"data: a\n\n", End::Hold)],
    );
    headers.subject = Subject::ExtraHeaders;
    headers.scenario.headers = vec![("X-Ssecheck-Token".to_owned(), "t0k3n".to_owned())];
    let mut initial = case(
        "connection.capability.initial-last-event-id",
        "With --capability initial-last-event-id, the first request carries SSE_LAST_EVENT_ID as Last-Event-ID",
        &["#reestablish-the-connection step 5.3", "#the-last-event-id-header"],
        &[Need::InitialLastEventId],
        vec![Response::stream(b"id: 42\ndata: a\n\n", End::Hold)],
    );
    initial.scenario.initial_last_event_id = Some("41".to_owned());
    let mut close = case(
        "connection.capability.close",
        "With --capability close, `close` on stdin after the first event (the next event is served 500 ms after it): nothing more is dispatched and no request follows, watched for 5 s (longer than the reconnection time and clients' usual defaults)",
        &["#dom-eventsource-close"],
        &[Need::Close],
        vec![
            Response::new(
                200,
                event_stream(),
                vec![
                    format!("retry: {CLOSE_WAIT_RETRY_MS}\ndata: a\n\n").into_bytes(),
                    b"data: b\n\n".to_vec(),
                ],
                End::Close,
            )
            // b goes out 500 ms after the harness sends `close`: shorter
            // than the quiet window, so a client that ignores close is seen
            // dispatching b (and reconnecting); long enough for `close` to
            // travel through an adapter and a browser page on a loaded
            // machine, whatever the client took to print a.
            .paused_after_close(Duration::from_millis(500)),
        ],
    );
    close.scenario.close_after_first_event = true;
    let mut close_while_waiting = case(
        "connection.capability.close-while-waiting",
        "With --capability close, `close` on stdin after the error that starts a reconnection: the wait is abandoned and no request follows",
        &["#dom-eventsource-close", "#reestablish-the-connection step 5.1"],
        &[Need::Close, Need::Reconnect, Need::Retry],
        vec![Response::stream(format!("retry: {CLOSE_WAIT_RETRY_MS}\ndata: a\n\n").as_bytes(), End::Close)],
    );
    close_while_waiting.scenario.close_after_first_error = true;
    cases.extend([headers, initial, close, close_while_waiting]);
    cases.extend(read_timeout_cases());
    cases.extend(restart_cases());
    cases.extend(method_body_cases());
    cases.extend(headers_lifetime_cases());
    cases.extend(initial_last_event_id_cases());

    let mut info = [
        (
            case(
                "connection.info.empty-retry",
                "An empty retry field: the standard's reading ignores it; Chromium resets to its default, Gecko uses 500 ms",
                &["#processField \"retry\""],
                &[Reconnect, Retry],
                vec![Response::stream(
                    format!("retry: {PRIME_RETRY_MS}\ndata: a\n\nretry\ndata: b\n\n").as_bytes(),
                    End::Close,
                )],
            ),
            "standard: the empty retry is ignored and the client reconnects after 100 ms; Chromium: back to its default (3000 ms); Gecko: 500 ms",
        ),
        (
            case(
                "connection.info.last-event-id-across-reconnect",
                "After a reconnection the new stream's last event ID buffer starts empty (literal standard); browsers keep the old ID",
                &[
                    "#event-stream-interpretation \"initialized to the empty string\"",
                    "#dispatchMessage step 1",
                ],
                &[Reconnect, Retry, LastEventId],
                vec![
                    Response::stream(
                        format!("retry: {PRIME_RETRY_MS}\nid: 5\ndata: a\n\n").as_bytes(),
                        End::Close,
                    ),
                    Response::stream(b"data: b\n\n", End::Close),
                ],
            ),
            "standard (literal): event b has lastEventId \"\" and the next reconnection sends no Last-Event-ID; browsers: \"5\" and Last-Event-ID: 5",
        ),
        (
            case(
                "connection.info.charset-latin1",
                "Content-Type text/event-stream; charset=iso-8859-1: the standard ignores parameters; stricter clients refuse (whatwg/html issue 7630)",
                &["fetch#concept-header-extract-mime-type", "#dom-eventsource step 15.4"],
                &[],
                vec![with_content_type(
                    Some("text/event-stream; charset=iso-8859-1"),
                    b"data: a\n\n",
                    End::Hold,
                )],
            ),
            "standard: the charset parameter is ignored and the stream decoded as UTF-8; some clients fail the connection",
        ),
    ];
    for (case, behaviours) in &mut info {
        case.level = Level::Info;
        case.info = Some(behaviours);
    }
    cases.extend(info.into_iter().map(|(case, _)| case));
    cases
}

/// Statuses other than 200 that fail the connection, on the first request and
/// on a reconnection: web-platform-tests' request-status-error (204, 205,
/// 210, 299, 404, 410, 503) and the common ones besides. A client that takes
/// any 2xx as success, or checks the status only on one of the two, is caught.
pub const FAILING_STATUSES: &[u16] =
    &[201, 202, 204, 205, 206, 210, 299, 400, 401, 403, 404, 410, 500, 502, 503];

/// A failing response's body: an event a client that ignores the status
/// dispatches (none where the status has no body).
fn failing_body(status: u16) -> Vec<u8> {
    if matches!(status, 204 | 205) { Vec::new() } else { b"data: not-an-event\n\n".to_vec() }
}

fn redirect_to(status: u16, location: &str) -> Response {
    Response::new(status, vec![("Location".to_owned(), location.to_owned())], vec![], End::Close)
}

/// The first request's response decides as much as a reconnection's: each
/// failing status, a redirect to a failing response, a redirect without a
/// Location; and a reconnection redirected to a failing response.
fn first_request_cases() -> Vec<ClientCase> {
    use Need::{Reconnect, Retry};
    const FAIL: &[&str] = &["#dom-eventsource step 15.3", "#fail-the-connection"];
    let mut cases = Vec::new();
    for &status in FAILING_STATUSES {
        cases.push(case(
            &format!("connection.status.first.{status}"),
            &format!("A {status} response to the first request fails the connection: error (CLOSED), no event, no further request"),
            FAIL,
            &[],
            vec![Response::new(status, event_stream(), vec![failing_body(status)], End::Close)],
        ));
    }
    let failing: [(&str, &str, Response); 3] = [
        ("404", "a 404", Response::new(404, event_stream(), vec![failing_body(404)], End::Close)),
        (
            "wrong-content-type",
            "a 200 text/plain response",
            with_content_type(Some("text/plain"), b"data: not-an-event\n\n", End::Close),
        ),
        ("204", "a 204", Response::new(204, event_stream(), vec![], End::Close)),
    ];
    for (name, what, response) in failing {
        cases.push(case(
            &format!("connection.redirect.first.to-{name}"),
            &format!("The first request is redirected (302) to {what}: the connection fails (error, CLOSED), no further request"),
            &["fetch#http-redirect-fetch", FAIL[0], FAIL[1]],
            &[],
            vec![redirect_to(302, "moved?to=failing"), response.clone()],
        ));
        cases.push(case(
            &format!("connection.redirect.reconnect.to-{name}"),
            &format!("A reconnection is redirected (307) to {what}: the connection fails (error, CLOSED), no further request"),
            &["fetch#http-redirect-fetch", "#reestablish-the-connection step 5.4", FAIL[0], FAIL[1]],
            &[Reconnect, Retry],
            vec![prime(""), redirect_to(307, "moved?to=failing"), response],
        ));
    }
    for status in [301u16, 302, 307] {
        cases.push(case(
            &format!("connection.redirect.first.no-location.{status}"),
            &format!(
                "A {status} without a Location is not a redirect but a non-200 response: the connection fails"
            ),
            &["fetch#concept-response-location-url", FAIL[0], FAIL[1]],
            &[],
            vec![Response::new(status, event_stream(), vec![failing_body(status)], End::Close)],
        ));
    }
    for (name, content_type) in [("text-x-bogus", Some("text/x-bogus")), ("missing", None)] {
        cases.push(case(
            &format!("connection.content-type.first.{name}"),
            &format!("Content-Type {content_type:?} on the first response fails the connection: error (CLOSED), no event, no further request"),
            &["fetch#concept-header-extract-mime-type", FAIL[0], FAIL[1]],
            &[],
            vec![with_content_type(content_type, b"data: not-an-event\n\n", End::Close)],
        ));
    }
    cases.push(case(
        "connection.reconnect.empty-body",
        "A 200 text/event-stream response with an empty body is announced, then the client reconnects (an empty stream is not a failure)",
        &["#dom-eventsource step 15.4", "#dom-eventsource step 14"],
        &[Reconnect, Retry],
        vec![prime(""), Response::stream(b"", End::Close), Response::stream(b"data: b\n\n", End::Hold)],
    ));
    cases.push(case(
        "connection.reconnect.twice-then-204",
        "Events, a reconnection with events, then a 204 (web-platform-tests' eventsource-close): error (CONNECTING) twice, then error (CLOSED) and no further request",
        &["#reestablish-the-connection step 1", FAIL[0], FAIL[1]],
        &[Reconnect, Retry],
        vec![
            prime(""),
            Response::stream(b"data: reconnected\n\n", End::Close),
            Response::new(204, event_stream(), vec![], End::Close),
        ],
    ));
    cases
}

/// `Accept` and `Cache-Control` on a reconnection as well as on the first
/// request: a client that sets them on its first request only is caught.
fn request_header_reconnection_cases() -> Vec<ClientCase> {
    use Need::{Reconnect, Retry};
    let mut accept = case(
        "connection.request-headers.reconnection.accept",
        "Every request, the reconnection included, carries Accept: text/event-stream",
        &["#dom-eventsource step 10", "#reestablish-the-connection step 5.4"],
        &[Reconnect, Retry],
        vec![prime(""), Response::stream(b"data: b\n\n", End::Hold)],
    );
    accept.level = Level::Should;
    accept.subject = Subject::AcceptHeader;
    let mut cache = case(
        "connection.request-headers.reconnection.cache-control",
        "Every request, the reconnection included, carries Cache-Control: no-cache (cache mode \"no-store\")",
        &[
            "#dom-eventsource step 11",
            "fetch#http-network-or-cache-fetch",
            "#reestablish-the-connection step 5.4",
        ],
        &[Reconnect, Retry],
        vec![prime(""), Response::stream(b"data: b\n\n", End::Hold)],
    );
    cache.level = Level::Should;
    cache.subject = Subject::CacheControlHeader;
    vec![accept, cache]
}

/// The data sizes of the payload sweep: around the read and line buffers
/// clients use (1 KiB .NET `StreamReader`, 4 KiB pages, 8 KiB `BufReader`, 16 KiB TLS records, 64 KiB
/// windows), up to 1 MiB.
pub const PAYLOAD_SIZES: &[usize] =
    &[1, 1023, 1024, 1025, 4095, 4096, 4097, 8191, 8192, 8193, 16384, 65535, 65536, 65537, 1024 * 1024];

/// Whole events (`data: `, the value, LF, the blank line) of exactly these
/// many bytes.
pub const PAYLOAD_FRAMES: &[usize] = &[4096, 8192, 65536];

/// Sizes also sent with CRLF line ends.
pub const PAYLOAD_CRLF_SIZES: &[usize] = &[4096, 65536, 1024 * 1024];

/// The bytes of the many-lines variants' lines (the LF between two lines
/// belongs to the data).
pub const PAYLOAD_LINE: usize = 64;

/// `size` bytes of data: letters and digits in a cycle (so a lost, doubled or
/// reordered read shows), with an LF after every [`PAYLOAD_LINE`] bytes when
/// `lines`.
fn payload_data(size: usize, lines: bool) -> String {
    const CYCLE: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..size)
        .map(|i| {
            if lines && i % (PAYLOAD_LINE + 1) == PAYLOAD_LINE {
                '\n'
            } else {
                char::from(CYCLE[i % CYCLE.len()])
            }
        })
        .collect()
}

/// One event whose data is `data`, in one write, with `eol` ending each line.
fn payload_event(data: &str, eol: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(data.len() + data.len() / PAYLOAD_LINE * 8 + 16);
    for line in data.split('\n') {
        bytes.extend_from_slice(b"data: ");
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(eol.as_bytes());
    }
    bytes.extend_from_slice(eol.as_bytes());
    bytes
}

/// The payload sweep: one event of each size, in one write, then the stream
/// held open and silent. A client that delivers an event only when the next
/// read pushes it out, or that cuts or drops long lines, is caught.
fn payload_cases() -> Vec<ClientCase> {
    const SPEC: &[&str] =
        &["#event-stream-interpretation \"If the line is empty\"", "#dispatchMessage step 5"];
    let mut cases = Vec::new();
    let mut push = |id: String, title: String, body: Vec<u8>| {
        cases.push(case(
            &id,
            &title,
            SPEC,
            &[],
            vec![Response::new(200, event_stream(), vec![body], End::Hold)],
        ));
    };
    for &size in PAYLOAD_SIZES {
        push(
            format!("connection.payload.{size}.one-line"),
            format!("One event of {size} bytes of data on one line, then silence: delivered at once, whole"),
            payload_event(&payload_data(size, false), "\n"),
        );
        push(
            format!("connection.payload.{size}.many-lines"),
            format!(
                "One event of {size} bytes of data in {PAYLOAD_LINE}-byte lines, then silence: delivered at once, whole"
            ),
            payload_event(&payload_data(size, true), "\n"),
        );
    }
    for &size in PAYLOAD_CRLF_SIZES {
        push(
            format!("connection.payload.{size}.crlf"),
            format!(
                "One event of {size} bytes of data in {PAYLOAD_LINE}-byte lines ended by CRLF, then silence: delivered at once, whole"
            ),
            payload_event(&payload_data(size, true), "\r\n"),
        );
    }
    for &frame in PAYLOAD_FRAMES {
        let size = frame - "data: \n\n".len();
        push(
            format!("connection.payload.{frame}.exact-frame"),
            format!(
                "One event of exactly {frame} bytes on the wire ({size} bytes of data), then silence: delivered at once, whole"
            ),
            payload_event(&payload_data(size, false), "\n"),
        );
    }
    cases
}
/// The body of the `connection.method-body` cases: what a client of an
/// LLM-style or subscription API posts.
pub const METHOD_BODY: &str = r#"{"subscribe":"prices","since":0}"#;

/// A body whose length in bytes (21) is not its length in characters (15).
pub const NON_ASCII_BODY: &str = "{\"q\":\"caf\u{e9} \u{20ac}\u{1f600}\"}";

/// A redirect to `moved?to=final` on the case's own origin.
fn redirect(status: u16) -> Response {
    Response::new(status, vec![("Location".to_owned(), "moved?to=final".to_owned())], vec![], End::Close)
}

/// The cases of the `method-body` capability (`SSE_METHOD`, `SSE_BODY`):
/// the method and body on the first request and, unchanged, on every
/// reconnection; over redirects as Fetch says.
fn method_body_cases() -> Vec<ClientCase> {
    use Need::{MethodBody, Reconnect, Retry};
    const AGAIN: &[&str] = &["#reestablish-the-connection step 5.4", "#dom-eventsource step 14"];
    const REDIRECT: &[&str] = &["fetch#http-redirect-fetch", "#reestablish-the-connection step 5.4"];
    let with = |mut case: ClientCase, method: &str, body: &str| {
        case.scenario.method = Some(method.to_owned());
        case.scenario.body = Some(body.to_owned());
        case
    };
    vec![
        with(
            case(
                "connection.method-body.first-request",
                "With --capability method-body, the request uses SSE_METHOD (POST) and sends SSE_BODY",
                &["#dom-eventsource step 15"],
                &[MethodBody],
                vec![Response::stream(b"data: a\n\n", End::Hold)],
            ),
            "POST",
            METHOD_BODY,
        ),
        with(
            case(
                "connection.method-body.after-end-of-body",
                "POST with SSE_BODY, the body ends: the reconnection is the same POST with the same body",
                AGAIN,
                &[MethodBody, Reconnect, Retry],
                vec![prime("")],
            ),
            "POST",
            METHOD_BODY,
        ),
        with(
            case(
                "connection.method-body.after-reset",
                "POST with SSE_BODY, the connection resets mid-stream: the reconnection is the same POST with the same body",
                &["#reestablish-the-connection step 5.4", "#dom-eventsource step 15.2"],
                &[MethodBody, Reconnect, Retry],
                vec![Response::stream(
                    format!("retry: {PRIME_RETRY_MS}\ndata: a\n\n").as_bytes(),
                    End::Reset,
                )],
            ),
            "POST",
            METHOD_BODY,
        ),
        with(
            case(
                "connection.method-body.redirect-307",
                "POST with SSE_BODY, redirected by a 307: the redirected request and the reconnection keep POST and the body",
                REDIRECT,
                &[MethodBody, Reconnect, Retry],
                vec![redirect(307), prime("")],
            ),
            "POST",
            METHOD_BODY,
        ),
        with(
            case(
                "connection.method-body.redirect-308",
                "POST with SSE_BODY, redirected by a 308: the redirected request and the reconnection keep POST and the body",
                REDIRECT,
                &[MethodBody, Reconnect, Retry],
                vec![redirect(308), prime("")],
            ),
            "POST",
            METHOD_BODY,
        ),
        with(
            case(
                "connection.method-body.redirect-303",
                "POST with SSE_BODY, redirected by a 303: the redirected request is GET with no body, and so is the reconnection (Fetch's HTTP-redirect fetch changes the request itself)",
                &[
                    "fetch#http-redirect-fetch \"set request's method to GET\"",
                    "#reestablish-the-connection step 5.4",
                ],
                &[MethodBody, Reconnect, Retry],
                vec![redirect(303), prime("")],
            ),
            "POST",
            METHOD_BODY,
        ),
        with(
            case(
                "connection.method-body.non-ascii-body",
                "SSE_BODY with non-ASCII UTF-8 (21 bytes, 15 characters): the body and its Content-Length count bytes, on the first request and the reconnection",
                AGAIN,
                &[MethodBody, Reconnect, Retry],
                vec![prime("")],
            ),
            "POST",
            NON_ASCII_BODY,
        ),
        with(
            case(
                "connection.method-body.empty-body",
                "SSE_METHOD POST with an empty SSE_BODY: still POST (0 bytes), on the first request and the reconnection",
                AGAIN,
                &[MethodBody, Reconnect, Retry],
                vec![prime("")],
            ),
            "POST",
            "",
        ),
    ]
}

/// The `SSE_HEADERS` of the `connection.headers` cases: one no library sets
/// itself, and the classic one lost on reconnection (the redirects are
/// same-origin, so it must be kept).
fn lifetime_headers() -> Vec<(String, String)> {
    vec![
        ("X-Ssecheck-Token".to_owned(), "t0k3n".to_owned()),
        ("Authorization".to_owned(), "Bearer not-a-secret".to_owned()),
    ]
}

/// The `headers` capability for the life of the connection: `SSE_HEADERS`
/// on every reconnection and on every request that follows a redirect.
fn headers_lifetime_cases() -> Vec<ClientCase> {
    use Need::{Headers, Reconnect, Retry};
    const AGAIN: &[&str] = &["#dom-eventsource step 15", "#reestablish-the-connection step 5.4"];
    let with = |mut case: ClientCase| {
        case.subject = Subject::ExtraHeaders;
        case.scenario.headers = lifetime_headers();
        case
    };
    let mut cases = vec![
        with(case(
            "connection.headers.after-end-of-body",
            "SSE_HEADERS (X-Ssecheck-Token, Authorization) on the first request and again on the reconnection after the body ends",
            AGAIN,
            &[Headers, Reconnect, Retry],
            vec![prime("")],
        )),
        with(case(
            "connection.headers.after-reset",
            "SSE_HEADERS on the first request and again on the reconnection after a reset mid-stream",
            AGAIN,
            &[Headers, Reconnect, Retry],
            vec![Response::stream(format!("retry: {PRIME_RETRY_MS}\ndata: a\n\n").as_bytes(), End::Reset)],
        )),
    ];
    for status in [301u16, 302, 307] {
        cases.push(with(case(
            &format!("connection.headers.redirect-{status}"),
            &format!(
                "SSE_HEADERS on the first request, on the request that follows its same-origin {status} redirect, and on the reconnection"
            ),
            &["fetch#http-redirect-fetch", AGAIN[0], AGAIN[1]],
            &[Headers, Reconnect, Retry],
            vec![redirect(status), prime("")],
        )));
    }
    cases.push(with(case(
        "connection.headers.redirect-on-reconnection",
        "SSE_HEADERS on the reconnection and on the request that follows the 302 redirect the reconnection gets",
        &["fetch#http-redirect-fetch", AGAIN[0], AGAIN[1]],
        &[Headers, Reconnect, Retry],
        vec![prime(""), redirect(302), Response::stream(b"data: b\n\n", End::Hold)],
    )));
    cases
}

/// The `initial-last-event-id` capability for the life of the connection:
/// the initial ID is the last event ID string until the stream changes it.
fn initial_last_event_id_cases() -> Vec<ClientCase> {
    use Need::{InitialLastEventId, LastEventId, Reconnect, Retry};
    let with = |mut case: ClientCase| {
        case.scenario.initial_last_event_id = Some("41".to_owned());
        case
    };
    let needs = [InitialLastEventId, Reconnect, Retry, LastEventId];
    let mut before_any_id = with(case(
        "connection.info.initial-last-event-id-before-any-id",
        "SSE_LAST_EVENT_ID 41, then an event with no id: the stream's fresh last event ID buffer is empty (literal standard), so the event's lastEventId is \"\" and the reconnection sends none; libraries that keep one ID per client report 41 and send it again",
        &[
            "#event-stream-interpretation \"initialized to the empty string\"",
            "#dispatchMessage step 1",
            "#reestablish-the-connection step 5.3",
        ],
        &needs,
        vec![Response::stream(format!("retry: {PRIME_RETRY_MS}\ndata: a\n\n").as_bytes(), End::Close)],
    ));
    before_any_id.level = Level::Info;
    before_any_id.info = Some(
        "standard (literal): lastEventId \"\" and no Last-Event-ID on the reconnection; a client that keeps the initial ID: \"41\" and Last-Event-ID: 41",
    );
    vec![
        with(case(
            "connection.initial-last-event-id.replaced-by-stream-id",
            "SSE_LAST_EVENT_ID 41 on the first request; the stream's id: 42 replaces it, so the reconnection sends Last-Event-ID: 42",
            &["#reestablish-the-connection step 5.3", "#dispatchMessage step 1", "#processField \"id\""],
            &needs,
            vec![Response::stream(
                format!("retry: {PRIME_RETRY_MS}\nid: 42\ndata: a\n\n").as_bytes(),
                End::Close,
            )],
        )),
        with(case(
            "connection.initial-last-event-id.kept-without-dispatch",
            "SSE_LAST_EVENT_ID 41, then a stream that dispatches nothing (a retry and a comment, no blank line): the last event ID string is still 41, sent again on the reconnection",
            &["#reestablish-the-connection step 5.3", "#concept-event-stream-last-event-id"],
            &needs,
            vec![Response::stream(
                format!("retry: {PRIME_RETRY_MS}\n: nothing yet\n").as_bytes(),
                End::Close,
            )],
        )),
        with(case(
            "connection.initial-last-event-id.reset-by-empty-id",
            "SSE_LAST_EVENT_ID 41, then an event with an empty id field: the last event ID string is empty, so the event's lastEventId is \"\" and the reconnection sends no Last-Event-ID",
            &["#reestablish-the-connection step 5.3", "#processField \"id\"", "#dispatchMessage step 1"],
            &needs,
            vec![Response::stream(
                format!("retry: {PRIME_RETRY_MS}\nid\ndata: a\n\n").as_bytes(),
                End::Close,
            )],
        )),
        before_any_id,
    ]
}

/// The read timeout the `connection.read-timeout.*` cases set
/// (`SSE_READ_TIMEOUT_MS`).
pub const READ_TIMEOUT_MS: u64 = 1000;

/// The gap between writes of the streams a read timeout must keep: a fifth
/// of the timeout (room for a loaded machine), for twice the timeout in all.
const KEPT_GAP: Duration = Duration::from_millis(READ_TIMEOUT_MS / 5);

/// The `read-timeout` capability: silence longer than `SSE_READ_TIMEOUT_MS`
/// is a network error (the client reconnects with `Last-Event-ID`, not
/// before the timeout), on every connection; a stream that sends anything,
/// comments included, more often is kept however long it lasts.
fn read_timeout_cases() -> Vec<ClientCase> {
    use Need::{ReadTimeout, Reconnect};
    const SPEC: &[&str] = &["#dom-eventsource step 15.2", "#reestablish-the-connection step 5.3"];
    let heartbeat = |body: &[u8]| Response::stream(body, End::Heartbeat);
    let silent = |body: &[u8]| Response::stream(body, End::Hold);
    let kept =
        |writes: Vec<Vec<u8>>| Response::new(200, event_stream(), writes, End::Heartbeat).paused(KEPT_GAP);
    let mut comments = vec![b"data: a\n\n".to_vec()];
    comments.extend(std::iter::repeat_n(b":\n".to_vec(), 9));
    comments.push(b"data: b\n\n".to_vec());
    let events: Vec<Vec<u8>> = (1..=11).map(|n| format!("data: e{n}\n\n").into_bytes()).collect();
    let mut cases = vec![
        case(
            "connection.read-timeout.silent-after-event",
            &format!(
                "With --capability read-timeout ({READ_TIMEOUT_MS} ms), a stream silent after an event is abandoned: the client reconnects with Last-Event-ID, not before the timeout"
            ),
            SPEC,
            &[ReadTimeout, Reconnect],
            vec![
                silent(format!("retry: {PRIME_RETRY_MS}\nid: 1\ndata: a\n\n").as_bytes()),
                heartbeat(b"id: 2\ndata: b\n\n"),
            ],
        ),
        case(
            "connection.read-timeout.silent-mid-event",
            &format!(
                "With --capability read-timeout ({READ_TIMEOUT_MS} ms), a stream silent in the middle of an event is abandoned: the partial event is discarded, the reconnection carries the last dispatched id"
            ),
            &[SPEC[0], SPEC[1], "#event-stream-interpretation \"end of the file\""],
            &[ReadTimeout, Reconnect],
            vec![
                silent(
                    format!("retry: {PRIME_RETRY_MS}\nid: 1\ndata: a\n\nid: 2\ndata: partial\n").as_bytes(),
                ),
                heartbeat(b"id: 3\ndata: b\n\n"),
            ],
        ),
        case(
            "connection.read-timeout.every-connection",
            &format!(
                "With --capability read-timeout ({READ_TIMEOUT_MS} ms), the reconnected stream falls silent too: the timeout applies to every connection, so the client reconnects again"
            ),
            SPEC,
            &[ReadTimeout, Reconnect],
            vec![
                silent(format!("retry: {PRIME_RETRY_MS}\nid: 1\ndata: a\n\n").as_bytes()),
                silent(b"id: 2\ndata: b\n\n"),
                heartbeat(b"id: 3\ndata: c\n\n"),
            ],
        ),
        case(
            "connection.read-timeout.comments-keep-the-stream",
            &format!(
                "With --capability read-timeout ({READ_TIMEOUT_MS} ms), comment lines every {} ms for twice the timeout keep the stream: no reconnection",
                KEPT_GAP.as_millis()
            ),
            &["#event-stream-interpretation \"starts with a U+003A COLON\""],
            &[ReadTimeout],
            vec![kept(comments)],
        ),
        case(
            "connection.read-timeout.events-keep-the-stream",
            &format!(
                "With --capability read-timeout ({READ_TIMEOUT_MS} ms), an event every {} ms for twice the timeout keeps the stream: no reconnection",
                KEPT_GAP.as_millis()
            ),
            &["#dispatchMessage step 5"],
            &[ReadTimeout],
            vec![kept(events)],
        ),
    ];
    for case in &mut cases {
        case.scenario.read_timeout_ms = Some(READ_TIMEOUT_MS);
    }
    cases
}

/// The `restart` capability: `restart` on stdin drops the connection, even
/// mid-event (the partial event is discarded), and reconnects at once with
/// the last event ID; it fires no `error` event (the connection did not
/// fail: the client chose to drop it), and the new connection's `open` is
/// expected.
fn restart_cases() -> Vec<ClientCase> {
    use Need::{Reconnect, Restart, Retry};
    let mut mid_event = case(
        "connection.restart.mid-event",
        &format!(
            "With --capability restart, `restart` on stdin in the middle of an event: the partial event is discarded, no error event, and the client reconnects at once (not after the {LONG_RETRY_MS} ms reconnection time) with Last-Event-ID: 1"
        ),
        &["#event-stream-interpretation \"end of the file\"", "#reestablish-the-connection step 5.3"],
        &[Restart],
        vec![
            Response::new(
                200,
                event_stream(),
                vec![
                    format!("retry: {LONG_RETRY_MS}\nid: 1\ndata: a\n\n").into_bytes(),
                    b"id: 2\ndata: partial\n".to_vec(),
                ],
                End::Hold,
            )
            .paused(Duration::from_millis(100)),
            Response::stream(b"id: 3\ndata: b\n\n", End::Hold),
        ],
    );
    mid_event.scenario.restart_after_first_event = true;
    let mut while_waiting = case(
        "connection.restart.while-waiting",
        &format!(
            "With --capability restart, `restart` on stdin while a reconnection is waited for ({LONG_RETRY_MS} ms): the client reconnects at once with Last-Event-ID: 7, and fires no second error"
        ),
        &["#reestablish-the-connection step 2", "#reestablish-the-connection step 5.3"],
        &[Restart, Reconnect, Retry],
        vec![
            Response::stream(format!("retry: {LONG_RETRY_MS}\nid: 7\ndata: a\n\n").as_bytes(), End::Close),
            Response::stream(b"id: 8\ndata: b\n\n", End::Hold),
        ],
    );
    while_waiting.scenario.restart_after_first_error = true;
    vec![mid_event, while_waiting]
}
