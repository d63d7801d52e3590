//! Passive checks: GET the stream for a bounded time and a bounded number of
//! bytes, then check the response and every line of what arrived.

use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use super::http::{self, Opened, Url};
use super::stream_grammar::{self, FlawedLine, LineFlaw, Offending};
use super::{Check, Finding, Level, Requests};

/// How one GET of the stream went.
#[derive(Debug)]
pub struct Capture {
    /// Status, headers, time to the head.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Time from the request to the response head.
    pub head_after: Duration,
    /// The body bytes read.
    pub body: Vec<u8>,
    /// When each piece of the body arrived, after the head.
    pub arrivals: Vec<Duration>,
    /// How reading stopped.
    pub end: End,
    /// How long the body was read.
    pub read_for: Duration,
    /// The redirects followed, in order (clients follow up to 20).
    pub redirects: Vec<String>,
    /// The URL that answered (after redirects).
    pub final_url: Url,
    /// `HTTP/1.1` or `HTTP/2`.
    pub version: &'static str,
    /// What TLS settled, on https.
    pub tls: Option<http::TlsInfo>,
}

/// Redirects a client follows before it gives up (Fetch's limit).
const MAX_REDIRECTS: usize = 20;
/// A line longer than this earns a warning: clients buffer a line whole.
const LONG_LINE: usize = 1024 * 1024;

/// Why reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The server ended the body.
    Eof,
    /// The connection broke.
    Broke(String),
    /// `--duration` was over (the normal end for an endless stream).
    DurationOver,
    /// The byte cap was reached.
    CapReached,
}

impl Capture {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
}

/// The request headers an EventSource sends (contract section 4).
pub fn stream_request_headers() -> Vec<(String, String)> {
    vec![
        ("Accept".to_owned(), "text/event-stream".to_owned()),
        ("Cache-Control".to_owned(), "no-cache".to_owned()),
    ]
}

/// Reads the stream at `url` for `duration` or `cap` bytes.
pub async fn capture(
    requests: &Requests,
    url: &Url,
    duration: Duration,
    cap: usize,
    timeout: Duration,
) -> Result<Capture, http::HttpError> {
    let mut url = url.clone();
    let mut redirects = Vec::new();
    let (mut method, mut body) = (requests.request.method.clone(), requests.request.body.clone());
    let mut opened: Opened = loop {
        let opened = match requests.stream_with(&url, &method, body.clone(), &[], timeout).await {
            // A redirect target that refuses is the server's problem, not the user's.
            Err(http::HttpError::Connect(target, why)) if !redirects.is_empty() => {
                return Err(http::HttpError::Protocol(format!("the redirect to {target} failed: {why}")));
            }
            result => result?,
        };
        let location = opened.header_values("location").first().map(|l| (*l).to_owned());
        let (true, Some(location)) = (matches!(opened.status, 301 | 302 | 303 | 307 | 308), location) else {
            break opened;
        };
        if redirects.len() == MAX_REDIRECTS {
            return Err(http::HttpError::Protocol(format!(
                "more than {MAX_REDIRECTS} redirects (a loop?): clients give up with a network error; the last went to {location}"
            )));
        }
        let next = spec_impl::location_url::resolve(&url.to_string(), &location).ok_or_else(|| {
            http::HttpError::Protocol(format!("a redirect to {location:?}, not an http(s) URL"))
        })?;
        url = Url::parse(&next).map_err(http::HttpError::Protocol)?;
        redirects.push(next);
        // Fetch's "HTTP-redirect fetch" step 12: 301 and 302 turn a POST
        // into a GET, 303 turns anything but GET and HEAD into a GET; the
        // body goes with the method. 307 and 308 keep both.
        if (matches!(opened.status, 301 | 302) && method == "POST")
            || (opened.status == 303 && method != "GET" && method != "HEAD")
        {
            method = "GET".to_owned();
            body = Bytes::new();
        }
    };
    let start = Instant::now();
    let deadline = start + duration;
    let mut body = Vec::new();
    let mut arrivals = Vec::new();
    let mut total = 0;
    let end = loop {
        match opened.next_chunk(deadline).await {
            None => break End::DurationOver,
            Some(Ok(None)) => break End::Eof,
            Some(Err(error)) => break End::Broke(error),
            Some(Ok(Some(chunk))) => {
                total += chunk.len();
                arrivals.push(start.elapsed());
                body.extend_from_slice(&chunk[..chunk.len().min(cap.saturating_sub(body.len()))]);
                if total >= cap {
                    break End::CapReached;
                }
            }
        }
    };
    Ok(Capture {
        status: opened.status,
        headers: opened.headers.clone(),
        head_after: opened.head_after,
        body,
        arrivals,
        end,
        read_for: start.elapsed(),
        redirects,
        final_url: url,
        version: opened.version,
        tls: opened.tls.clone(),
    })
}

/// Calls `each` with the byte offset and bytes of every line of `body`
/// (ended by CRLF, LF or CR); returns what follows the last line end.
fn for_each_line<'b>(body: &'b [u8], mut each: impl FnMut(usize, &'b [u8])) -> &'b [u8] {
    let mut start = 0;
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'\r' || body[i] == b'\n' {
            each(start, &body[start..i]);
            i += if body[i] == b'\r' && body.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            start = i;
        } else {
            i += 1;
        }
    }
    &body[start..]
}

/// `server.response.status`.
pub const RESPONSE_STATUS: Check = Check {
    id: "server.response.status",
    title: "The stream is served with status 200",
    spec: &["#dom-eventsource step 15.3"],
    level: Level::Must,
    needs: &[],
};
/// `server.response.content-type`.
pub const RESPONSE_CONTENT_TYPE: Check = Check {
    id: "server.response.content-type",
    title: "Content-Type is text/event-stream",
    spec: &["fetch#concept-header-extract-mime-type", "#dom-eventsource step 15.3"],
    level: Level::Must,
    needs: &[],
};
/// `server.response.charset`.
pub const RESPONSE_CHARSET: Check = Check {
    id: "server.response.charset",
    title: "No charset, or charset=utf-8 (the stream is always decoded as UTF-8; the parameter is ignored)",
    spec: &["#parsing-an-event-stream", "fetch#concept-header-extract-mime-type"],
    level: Level::Should,
    needs: &[],
};
/// `server.response.cache-control`.
pub const RESPONSE_CACHE_CONTROL: Check = Check {
    id: "server.response.cache-control",
    title: "Cache-Control forbids caching (no-cache or no-store)",
    spec: &["#dom-eventsource step 11"],
    level: Level::Should,
    needs: &[],
};
/// `server.response.no-content-length`.
pub const RESPONSE_NO_CONTENT_LENGTH: Check = Check {
    id: "server.response.no-content-length",
    title: "No Content-Length on an endless stream",
    spec: &["#sse-processing-model"],
    level: Level::Should,
    needs: &[],
};
/// `server.stream.first-bytes`.
pub const STREAM_FIRST_BYTES: Check = Check {
    id: "server.stream.first-bytes",
    title: "The first bytes arrive promptly (a comment at once shows clients and proxies the stream is open)",
    spec: &["#authoring-notes"],
    level: Level::Should,
    needs: &[],
};
/// `server.stream.utf-8`.
pub const STREAM_UTF_8: Check = Check {
    id: "server.stream.utf-8",
    title: "The stream is valid UTF-8",
    spec: &["#parsing-an-event-stream", "#event-stream-interpretation \"UTF-8 decode\""],
    level: Level::Must,
    needs: &[],
};
/// `server.stream.bom`.
pub const STREAM_BOM: Check = Check {
    id: "server.stream.bom",
    title: "A BOM only at the very start, if at all",
    spec: &["#event-stream-interpretation \"strips one leading BOM\""],
    level: Level::Should,
    needs: &[],
};
/// `server.stream.retry-digits`.
pub const STREAM_RETRY_DIGITS: Check = Check {
    id: "server.stream.retry-digits",
    title: "retry values are ASCII digits only (milliseconds)",
    spec: &["#processField \"retry\""],
    level: Level::Must,
    needs: &[],
};
/// `server.stream.id-without-nul`.
pub const STREAM_ID_WITHOUT_NUL: Check = Check {
    id: "server.stream.id-without-nul",
    title: "id values contain no U+0000 NULL",
    spec: &["#processField \"id\""],
    level: Level::Must,
    needs: &[],
};
/// `server.stream.known-fields`.
pub const STREAM_KNOWN_FIELDS: Check = Check {
    id: "server.stream.known-fields",
    title: "Only the fields event, data, id and retry (others are ignored by clients)",
    spec: &["#processField \"Otherwise\""],
    level: Level::Should,
    needs: &[],
};
/// `server.stream.events-terminated`.
pub const STREAM_EVENTS_TERMINATED: Check = Check {
    id: "server.stream.events-terminated",
    title: "When the stream ends, its last event has its blank line (else it is never dispatched)",
    spec: &["#event-stream-interpretation \"end of the file\""],
    level: Level::Should,
    needs: &[],
};
/// `server.stream.heartbeat`.
pub const STREAM_HEARTBEAT: Check = Check {
    id: "server.stream.heartbeat",
    title: "Never silent longer than the heartbeat limit (a comment every 15 s or so keeps proxies from closing it)",
    spec: &["#authoring-notes"],
    level: Level::Should,
    needs: &[],
};

/// `server.stream.line-length`.
pub const STREAM_LINE_LENGTH: Check = Check {
    id: "server.stream.line-length",
    title: "No line longer than 1 MiB (clients buffer each line whole; an endless line exhausts them)",
    spec: &["#event-stream-interpretation \"line by line\""],
    level: Level::Should,
    needs: &[],
};

/// Every passive check, in report order.
pub const CHECKS: &[Check] = &[
    RESPONSE_STATUS,
    RESPONSE_CONTENT_TYPE,
    RESPONSE_CHARSET,
    RESPONSE_CACHE_CONTROL,
    RESPONSE_NO_CONTENT_LENGTH,
    STREAM_FIRST_BYTES,
    STREAM_UTF_8,
    STREAM_BOM,
    STREAM_RETRY_DIGITS,
    STREAM_ID_WITHOUT_NUL,
    STREAM_KNOWN_FIELDS,
    STREAM_EVENTS_TERMINATED,
    STREAM_LINE_LENGTH,
    STREAM_HEARTBEAT,
];

impl Capture {
    /// How reading the body went, in a few words: how many bytes, and how
    /// it ended ("the body ended after 0 bytes (Content-Length: 0)", "the
    /// connection was reset after 12 bytes", "40 bytes in 3.0 s (the stream
    /// is still open)").
    pub fn how_it_ended(&self) -> String {
        let bytes = self.body.len();
        let length = self.header("content-length");
        let length = if length.is_empty() {
            String::new()
        } else {
            format!(" (Content-Length: {})", length.join(", "))
        };
        // Within a millisecond is "at once": the time says nothing then.
        let after = if self.read_for < Duration::from_millis(1) {
            String::new()
        } else {
            format!(", {} after the headers", super::seconds(self.read_for))
        };
        match &self.end {
            End::Eof => format!("the body ended after {bytes} bytes{length}{after}"),
            End::Broke(why) if why.to_ascii_lowercase().contains("reset") => {
                format!("the connection was reset after {bytes} body bytes{after} ({why})")
            }
            End::Broke(why) => format!("the connection broke after {bytes} body bytes{after} ({why})"),
            End::DurationOver => {
                format!("{bytes} body bytes in {} (the stream is still open)", super::seconds(self.read_for))
            }
            End::CapReached => format!(
                "reading stopped at the cap of {bytes} bytes after {} (the stream was still open)",
                super::seconds(self.read_for)
            ),
        }
    }

    /// The start of the body as text, for a message.
    fn body_start(&self) -> String {
        let text: String = String::from_utf8_lossy(&self.body[..self.body.len().min(200)]).into_owned();
        format!("{text:?}")
    }
}

/// A response header as a message shows it: `Name: value`, or `no Name`.
fn shown_header(name: &str, values: &[&str]) -> String {
    if values.is_empty() { format!("no {name}") } else { format!("{name}: {}", values.join(", ")) }
}

/// Every passive finding about `capture`.
pub fn check(capture: &Capture, heartbeat_limit: Duration) -> Vec<Finding> {
    if capture.status != 200 {
        return not_a_stream(capture);
    }
    let mut findings = Vec::new();
    let body = &capture.body;
    let mut add = |check: &Check, problem: Option<String>, observed: Value| {
        findings.push(Finding::new(check, problem, observed));
    };

    add(&RESPONSE_STATUS, None, json!({"status": capture.status, "redirects": capture.redirects}));
    let content_types = capture.header("content-type");
    let essence = spec_impl::extract_a_mime_type_essence(&capture.headers);
    add(
        &RESPONSE_CONTENT_TYPE,
        (essence.as_deref() != Some("text/event-stream")).then(|| {
            format!("{}: a client fails the connection", shown_header("Content-Type", &content_types))
        }),
        json!(content_types),
    );
    // The standard ignores the parameters and always decodes UTF-8, so a
    // missing charset is harmless; a charset other than UTF-8 misleads.
    let charset = content_types.iter().flat_map(|v| v.split(';').skip(1)).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    });
    add(
        &RESPONSE_CHARSET,
        charset
            .as_deref()
            .filter(|c| *c != "utf-8" && *c != "utf8")
            .map(|c| format!("charset={c}: clients ignore it and decode UTF-8, so it misleads")),
        json!(charset),
    );
    let cache = capture.header("cache-control");
    add(
        &RESPONSE_CACHE_CONTROL,
        (!cache.iter().any(|v| v.contains("no-cache") || v.contains("no-store"))).then(|| {
            format!(
                "{}: a cache or proxy may store or replay the stream",
                shown_header("Cache-Control", &cache)
            )
        }),
        json!(cache),
    );
    let length = capture.header("content-length");
    add(
        &RESPONSE_NO_CONTENT_LENGTH,
        (!length.is_empty()).then(|| {
            format!("{}: the stream must end after that many bytes", shown_header("Content-Length", &length))
        }),
        json!(length),
    );
    add(
        &STREAM_FIRST_BYTES,
        body.is_empty().then(|| match capture.end {
            End::DurationOver => {
                format!("no body bytes in {} (the stream is still open)", super::seconds(capture.read_for))
            }
            _ => format!("no body bytes: {}", capture.how_it_ended()),
        }),
        json!(capture.arrivals.first().map(|at| at.as_millis() as u64)),
    );

    // UTF-8: a sequence cut by the end of reading is not an error.
    let utf8_error = match std::str::from_utf8(body) {
        Ok(_) => None,
        Err(error) if error.error_len().is_none() && capture.end != End::Eof => None,
        Err(error) => Some(error.valid_up_to()),
    };
    add(
        &STREAM_UTF_8,
        utf8_error.map(|offset| {
            format!(
                "invalid UTF-8 at byte {offset}: clients decode it as U+FFFD (bytes {:02x?})",
                &body[offset..body.len().min(offset + 4)]
            )
        }),
        json!(utf8_error),
    );
    let late_bom = body.windows(3).enumerate().skip(1).find(|(_, w)| *w == b"\xEF\xBB\xBF").map(|(i, _)| i);
    add(
        &STREAM_BOM,
        late_bom.map(|offset| format!("U+FEFF at byte {offset}: only a leading one is stripped, this one becomes data or part of a field name")),
        json!(late_bom),
    );

    let mut bad_retry = Offending::default();
    let mut nul_id = Offending::default();
    let mut unknown = Offending::default();
    let mut in_event = false;
    let mut longest_line = 0;
    let rest = for_each_line(body, |offset, bytes| {
        longest_line = longest_line.max(bytes.len());
        in_event = !bytes.is_empty() && (in_event || bytes[0] != b':');
        let text = String::from_utf8_lossy(bytes);
        let Some(flaw) = stream_grammar::field_flaw(&text) else { return };
        let offending = match flaw {
            LineFlaw::RetryNotDigits => &mut bad_retry,
            LineFlaw::IdWithNul => &mut nul_id,
            _ => &mut unknown,
        };
        offending.add(FlawedLine::new(flaw, offset, bytes));
    });
    let shown = |offending: &Offending| -> Value {
        offending
            .first
            .iter()
            .map(|line| json!({"offset": line.offset, "line": String::from_utf8_lossy(&line.bytes)}))
            .collect()
    };
    add(
        &STREAM_RETRY_DIGITS,
        bad_retry
            .first
            .first()
            .map(|b| format!("{} retry field(s) a client ignores, first {}", bad_retry.count, b.shown())),
        shown(&bad_retry),
    );
    add(
        &STREAM_ID_WITHOUT_NUL,
        nul_id.first.first().map(|_| format!("{} id field(s) with NUL, which clients ignore", nul_id.count)),
        shown(&nul_id),
    );
    add(
        &STREAM_KNOWN_FIELDS,
        unknown
            .first
            .first()
            .map(|u| format!("{} line(s) with an unknown field name, first {}", unknown.count, u.shown())),
        shown(&unknown),
    );
    let unterminated = matches!(capture.end, End::Eof | End::Broke(_)) && (in_event || !rest.is_empty());
    add(
        &STREAM_EVENTS_TERMINATED,
        unterminated.then(|| {
            let last = if rest.is_empty() {
                "its last line ended, but no blank line followed".to_owned()
            } else {
                let shown = String::from_utf8_lossy(&rest[..rest.len().min(80)]).into_owned();
                format!(
                    "its last {} bytes{}, {shown:?}, have no line end",
                    rest.len(),
                    if rest.len() > 80 { " (the first 80 shown)" } else { "" }
                )
            };
            format!(
                "{}, inside an event ({last}): clients discard the unfinished event",
                capture.how_it_ended()
            )
        }),
        json!({
            "end": format!("{:?}", capture.end),
            "after_last_line_end": String::from_utf8_lossy(&rest[..rest.len().min(200)]),
            "bytes_after_last_line_end": rest.len(),
        }),
    );
    let longest_line = longest_line.max(rest.len());
    add(
        &STREAM_LINE_LENGTH,
        (longest_line > LONG_LINE).then(|| {
            format!(
                "a line of {longest_line} bytes{}: clients buffer each line whole",
                if longest_line == rest.len() { " that had not ended when reading stopped" } else { "" }
            )
        }),
        json!({"longest_line": longest_line}),
    );
    let mut previous = Duration::ZERO;
    let mut longest = Duration::ZERO;
    for at in &capture.arrivals {
        longest = longest.max(at.saturating_sub(previous));
        previous = *at;
    }
    longest = longest.max(capture.read_for.saturating_sub(previous));
    add(
        &STREAM_HEARTBEAT,
        (longest > heartbeat_limit).then(|| {
            format!(
                "silent for {} (the longest gap between body bytes, over {} of reading)",
                super::seconds(longest),
                super::seconds(capture.read_for)
            )
        }),
        json!({"longest_silence_ms": longest.as_millis() as u64, "read_ms": capture.read_for.as_millis() as u64}),
    );
    findings
}

/// The findings about an answer other than 200: the status says what
/// happened; the other checks are about a stream, which this is not.
fn not_a_stream(capture: &Capture) -> Vec<Finding> {
    let status = capture.status;
    let reason = hyper::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason());
    let status_text = match reason {
        Some(reason) => format!("status {status} ({reason})"),
        None => format!("status {status}"),
    };
    let body = if capture.body.is_empty() { String::new() } else { format!(": {}", capture.body_start()) };
    let hint = match status {
        401 | 403 => " (if the stream needs credentials: --header 'Authorization: ...')",
        _ => "",
    };
    let problem = format!(
        "{status_text}: a client fails the connection without reading the body; {}{body}{hint}",
        capture.how_it_ended()
    );
    let mut findings = vec![Finding::new(
        &RESPONSE_STATUS,
        Some(problem),
        json!({
            "status": status,
            "redirects": capture.redirects,
            "headers": capture.headers.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            "body_bytes": capture.body.len(),
        }),
    )];
    let why = format!("not checked: the stream URL answered {status_text}, not a stream");
    findings.extend(CHECKS.iter().skip(1).map(|check| Finding::skipped(check, why.clone())));
    findings
}
