//! The reference implementation of the WHATWG HTML Standard, section
//! "Server-sent events" (§9.2), transcribed step by step.
//!
//! Sans-IO, std plus memchr and simdutf8: bytes and inputs go in, observations and actions come
//! out. No sockets, no clocks, no threads.
//!
//! - [`EventStream`]: the stream decoder, line splitter and interpreter
//!   (`#event-stream-interpretation`): bytes in, events / comments / retry out.
//! - [`EventSource`]: the processing model (`#sse-processing-model`) as a state
//!   machine: response, body, end of body, network error, timer, close in;
//!   [`Action`]s out.
//! - [`serialize`]: what a correct server writes, refusing what the format
//!   cannot carry.
//! - [`event_line`]: the JSON event lines of the project's contract.
//!
//! Every step carries a `//§` citation: an anchor of the standard, a step
//! number and/or a few quoted words. The fixtures cite the same keys, and a
//! tidy test keeps the two in step.
#![forbid(unsafe_code)]

pub mod event_line;
mod event_source;
mod event_stream;
mod extract_a_mime_type;
mod line_by_line;
pub mod location_url;
pub mod serialize;
pub mod trace;
mod utf8_decode;

pub use event_source::{Action, ClientOptions, EventSource, ReadyState, Request};
pub use event_stream::{EventStream, MessageEvent, Observation, ObservationRef};
pub use extract_a_mime_type::extract_a_mime_type_essence;
pub use serialize::{SerializeError, ServerEvent};

/// The snapshot of the standard this crate transcribes: the multipage HTML
/// Standard, section 9.2 "Server-sent events", "Last Updated 18 June 2025"
/// (after the 2022 rework of the section, whatwg/html PR 7553).
pub const SPEC_VERSION: &str = "2025-06-18";

/// Base URL of the section, for links built from citation keys.
pub const SPEC_URL: &str = "https://html.spec.whatwg.org/multipage/server-sent-events.html";

/// The initial reconnection time, in milliseconds.
///
/// `#concept-event-stream-reconnection-time`: "This must initially be an
/// implementation-defined value, probably in the region of a few seconds."
/// 3000 ms is what Chromium and WebKit use, so a client tested against this
/// suite behaves like the browsers people compare it with.
pub const DEFAULT_RECONNECTION_TIME_MS: u64 = 3000;

/// The reconnection time a `retry` value too large for 64 bits sets.
///
/// `#processField "retry"` says "interpret the field value as an integer in
/// base ten, and set the event stream's reconnection time to that integer":
/// the integer is unbounded. Ignoring the field would contradict "set"; the
/// closest representable time is the largest, so the value saturates.
/// (Engines differ here: that is reported as `info`, never `fail`.)
pub const MAX_RECONNECTION_TIME_MS: u64 = u64::MAX;

/// Whether an empty `retry` value is ignored.
///
/// The standard says "If the field value consists of only ASCII digits": the
/// empty string vacuously does, but it holds no integer "to interpret". We
/// read it as ignored (no change). Chromium resets to its default; Gecko sets
/// 500 ms: both are reported as `info`.
pub const EMPTY_RETRY_IS_IGNORED: bool = true;

/// Whether the `Last-Event-ID` header is sent only when the last event ID
/// string is non-empty *at that reconnection*.
///
/// `#reestablish-the-connection` step 5.3 "set"s the header in the request's
/// header list, which is reused and never cleared, so read literally a header
/// set once would be sent again after an `id` reset. The standard's own example
/// in 9.2.6 says an empty `id` means "no `Last-Event-ID` header will now be
/// sent", and browsers agree: we follow the example.
pub const LAST_EVENT_ID_HEADER_ONLY_WHEN_NON_EMPTY: bool = true;

/// Whether a network error while the body is being received reestablishes
/// the connection like the end of the body does.
///
/// `#dom-eventsource` step 14 reestablishes when the body ends and the
/// response "is not a network error"; Fetch does not run that step when the
/// body stream errors, so read literally a reset mid-stream leaves the
/// EventSource OPEN forever. Every browser reconnects, and so do we.
pub const REESTABLISH_ON_BODY_NETWORK_ERROR: bool = true;

/// Fetch's redirect limit: "If request's redirect count is 20, then return a
/// network error" (`fetch#http-redirect-fetch`).
pub const MAX_REDIRECTS: u32 = 20;
