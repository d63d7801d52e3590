//! Third-party Rust SSE parsers behind one small shim each: bytes in
//! (in the chunks given), the events a browser's EventSource would dispatch
//! out, read the way each crate's documentation tells a user to read its
//! output. A peer that stops with an error returns the events before it and
//! the error.

use std::convert::Infallible;

use bytes::Bytes;
use futures::StreamExt as _;
use futures_codec::Decoder as _;
use serde::Serialize;

/// One dispatched event: type, data and lastEventId.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Event {
    /// The event type (`message` by default).
    pub r#type: String,
    /// The data.
    pub data: String,
    /// The last event ID at dispatch.
    pub last_event_id: String,
}

/// What a parser made of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Output {
    /// The events, in order.
    pub events: Vec<Event>,
    /// The error the parser stopped with, if any.
    pub error: Option<String>,
}

/// A peer: its name (crate and version) and its shim.
pub type Peer = (&'static str, fn(&[&[u8]]) -> Output);

/// The peers the differential target compares with.
pub const PEERS: &[Peer] = &[
    ("eventsource-stream 0.2.3", eventsource_stream),
    ("sse-stream 0.3.0", sse_stream),
    ("sse-codec 0.3.3", sse_codec),
];

/// spec-impl itself, in the same shape.
pub fn spec_impl(chunks: &[&[u8]]) -> Output {
    let mut stream = spec_impl::EventStream::new();
    let mut events = Vec::new();
    for chunk in chunks {
        stream.feed_with(chunk, &mut |observation| {
            if let spec_impl::ObservationRef::Event { r#type, data, last_event_id } = observation {
                events.push(Event {
                    r#type: r#type.to_owned(),
                    data: data.to_owned(),
                    last_event_id: last_event_id.to_owned(),
                });
            }
        });
    }
    stream.finish();
    Output { events, error: None }
}

fn byte_stream(chunks: &[&[u8]]) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + use<> {
    let owned: Vec<Result<Bytes, Infallible>> =
        chunks.iter().map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    futures::stream::iter(owned)
}

/// eventsource-stream: `Eventsource::eventsource()` on a byte stream; each
/// item is a dispatched event with the last event ID in `id`.
fn eventsource_stream(chunks: &[&[u8]]) -> Output {
    use eventsource_stream::Eventsource as _;
    // Known crash, found by this fuzzer: a stream that starts with the BOM
    // makes it slice the first string at byte 1, inside the 3-byte U+FEFF
    // (event_stream.rs line 271). The fuzzer aborts on any panic, so the
    // shim reports it instead of calling the crate.
    if chunks.iter().flat_map(|c| c.iter()).take(3).eq(b"\xEF\xBB\xBF".iter()) {
        return Output {
            events: Vec::new(),
            error: Some(
                "panics: a leading BOM is sliced at byte 1, inside U+FEFF (event_stream.rs:271)".to_owned(),
            ),
        };
    }
    let items: Vec<_> = futures::executor::block_on(byte_stream(chunks).eventsource().collect());
    let mut output = Output { events: Vec::new(), error: None };
    for item in items {
        match item {
            Ok(event) => {
                output.events.push(Event { r#type: event.event, data: event.data, last_event_id: event.id })
            }
            Err(error) => {
                output.error = Some(error.to_string());
                break;
            }
        }
    }
    output
}

/// sse-stream: `SseByteStream` yields raw blocks whose fields are not
/// inherited; a block with `data` is a dispatched event, its type `event`
/// or `message`, and the last `id` seen is the last event ID.
fn sse_stream(chunks: &[&[u8]]) -> Output {
    let items: Vec<_> =
        futures::executor::block_on(sse_stream::SseByteStream::new(byte_stream(chunks)).collect());
    let mut output = Output { events: Vec::new(), error: None };
    let mut last_event_id = String::new();
    for item in items {
        match item {
            Ok(block) => {
                if let Some(id) = block.id {
                    last_event_id = id;
                }
                if let Some(data) = block.data {
                    let r#type =
                        block.event.filter(|t| !t.is_empty()).unwrap_or_else(|| "message".to_owned());
                    output.events.push(Event { r#type, data, last_event_id: last_event_id.clone() });
                }
            }
            Err(error) => {
                output.error = Some(error.to_string());
                break;
            }
        }
    }
    output
}

/// sse-codec: `SSECodec` as a `Decoder`; `Event::Message` is a dispatched
/// event carrying the last event ID buffer.
fn sse_codec(chunks: &[&[u8]]) -> Output {
    let mut codec = sse_codec::SSECodec::default();
    let mut buffer = futures_codec::BytesMut::new();
    let mut output = Output { events: Vec::new(), error: None };
    for chunk in chunks {
        buffer.extend_from_slice(chunk);
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(sse_codec::Event::Message { id, event, data })) => {
                    output.events.push(Event { r#type: event, data, last_event_id: id.unwrap_or_default() });
                }
                Ok(Some(sse_codec::Event::Retry { .. })) => {}
                Ok(None) => break,
                Err(error) => {
                    output.error = Some(format!("{error:?}"));
                    return output;
                }
            }
        }
    }
    output
}
