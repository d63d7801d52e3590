//! The workloads and the parsers `cargo xtask bench` compares. Each parser
//! takes the workload's chunks and counts the events it dispatches (nothing
//! is collected that its API does not collect itself).
#![forbid(unsafe_code)]

use std::convert::Infallible;

use bytes::Bytes;
use futures::StreamExt as _;

/// One workload: a name, what it is, and its bytes in the chunks a reader
/// would get them in.
#[derive(Debug, Clone)]
pub struct Workload {
    /// W1 ... W6.
    pub name: &'static str,
    /// One line.
    pub title: &'static str,
    /// The chunks.
    pub chunks: Vec<Bytes>,
    /// How many events it holds.
    pub events: usize,
}

impl Workload {
    /// Total bytes.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum()
    }

    /// Whether it has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn chunked(bytes: &[u8], size: usize) -> Vec<Bytes> {
    bytes.chunks(size).map(Bytes::copy_from_slice).collect()
}

/// The workloads, `scale` times their base size (1 or 10 for the linearity
/// check).
pub fn workloads(scale: usize) -> Vec<Workload> {
    let events = 100_000 * scale;
    let mut w1 = Vec::with_capacity(events * 100);
    for i in 0..events {
        w1.extend_from_slice(format!("data: {i:0>92}\n\n").as_bytes());
    }
    let w2: Vec<u8> = String::from_utf8_lossy(&w1).replace('\n', "\r\n").into_bytes();
    let mut w3 = b"data: ".to_vec();
    w3.resize(6 + 8 * 1024 * 1024 * scale, b'x');
    w3.extend_from_slice(b"\n\n");
    let mut w5 = Vec::new();
    for i in 0..events / 4 {
        w5.extend_from_slice(
            format!(
                "event: update\nid: {i}\ndata: first line of {i:0>20}\ndata: second line\ndata: third\n\n"
            )
            .as_bytes(),
        );
    }
    let mut w6 = Vec::new();
    while w6.len() < 1024 * 1024 * scale {
        w6.extend_from_slice(b": keep-alive comment of some length, as servers send them\n");
    }
    let read = 64 * 1024;
    vec![
        Workload {
            name: "W1",
            title: "100,000 events of ~100 B data lines, LF",
            chunks: chunked(&w1, read),
            events,
        },
        Workload { name: "W2", title: "W1 with CRLF", chunks: chunked(&w2, read), events },
        Workload { name: "W3", title: "one 8 MiB data line", chunks: chunked(&w3, read), events: scale },
        Workload { name: "W4", title: "W1 in 7-byte chunks", chunks: chunked(&w1, 7), events },
        Workload {
            name: "W5",
            title: "multi-line events with id and event fields",
            chunks: chunked(&w5, read),
            events: events / 4,
        },
        Workload { name: "W6", title: "1 MiB of comments", chunks: chunked(&w6, read), events: 0 },
    ]
}

/// spec-impl: events dispatched.
pub fn spec_impl(chunks: &[Bytes]) -> usize {
    let mut stream = spec_impl::EventStream::new();
    let mut events = 0;
    for chunk in chunks {
        stream.feed_with(chunk, &mut |observation| {
            if matches!(observation, spec_impl::ObservationRef::Event { .. }) {
                events += 1;
            }
        });
    }
    stream.finish();
    events
}

/// The physical limit: memchr counting LF bytes.
pub fn memchr_lf(chunks: &[Bytes]) -> usize {
    chunks.iter().map(|chunk| memchr::memchr_iter(b'\n', chunk).count()).sum()
}

/// The chunks as the byte stream the async parsers read: each `Bytes` handed
/// over by reference count, as a hyper body would, with no copy.
fn stream_of(chunks: &[Bytes]) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + '_ {
    futures::stream::iter(chunks.iter().cloned().map(Ok))
}

/// sse-stream 0.3: blocks with data.
pub fn sse_stream(chunks: &[Bytes]) -> usize {
    futures::executor::block_on(
        sse_stream::SseByteStream::new(stream_of(chunks))
            .filter(|item| std::future::ready(item.as_ref().is_ok_and(|block| block.data.is_some())))
            .count(),
    )
}

/// eventsource-stream 0.2: dispatched events.
pub fn eventsource_stream(chunks: &[Bytes]) -> usize {
    use eventsource_stream::Eventsource as _;
    futures::executor::block_on(
        stream_of(chunks).eventsource().filter(|item| std::future::ready(item.is_ok())).count(),
    )
}

/// sse-core 0.2: the sans-IO `SseDecoder`, each chunk handed over as the
/// `Bytes` it is (no copy), with no payload limit so W3's 8 MiB event counts.
pub fn sse_core(chunks: &[Bytes]) -> usize {
    let mut decoder = sse_core::SseDecoder::with_limit(std::num::NonZeroUsize::MAX);
    let mut events = 0;
    for chunk in chunks {
        let mut buf = chunk.clone();
        while let Some(item) = decoder.next(&mut buf) {
            if matches!(item, Ok(sse_core::SseEvent::Message(_))) {
                events += 1;
            }
        }
    }
    events
}

/// A parser: its name in the report, and a function from chunks to the
/// number of events dispatched.
pub type Parser = (&'static str, fn(&[Bytes]) -> usize);

/// The parsers; the first is the subject.
pub const PARSERS: &[Parser] = &[
    ("spec-impl", spec_impl),
    ("memchr-lf", memchr_lf),
    ("sse-core", sse_core),
    ("sse-stream", sse_stream),
    ("eventsource-stream", eventsource_stream),
];
