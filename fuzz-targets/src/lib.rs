//! The logic of ssecheck's fuzz targets, as plain functions of the fuzzer's
//! bytes. `fuzz/fuzz_targets/*.rs` hand libFuzzer's input to them (nightly
//! or `RUSTC_BOOTSTRAP=1`); `tests/replay.rs` runs every committed corpus
//! entry and regression through the same functions on stable, in
//! `cargo test --workspace`.
//!
//! A target panics when it finds something: a crash of spec-impl, a broken
//! invariant, or (differential) a divergence from a peer parser that no
//! known class explains.
#![forbid(unsafe_code)]

pub mod differential;
pub mod eventsource;
pub mod parse;
pub mod peers;
pub mod roundtrip;

/// A target: its name (as `cargo xtask fuzz` and fuzz/ use it) and its
/// function of the fuzzer's bytes.
pub type Target = (&'static str, fn(&[u8]));

/// The targets.
pub const TARGETS: &[Target] = &[
    ("parse", parse::run),
    ("roundtrip", roundtrip::run),
    ("eventsource", eventsource::run),
    ("differential", differential::run),
];

/// The input of the byte-stream targets (parse, differential): the first
/// byte is how many cut lengths follow, then the cut lengths (each one
/// chunk's length, 0 read as 1), then the body. A seed is `[0]` + a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunked {
    /// Chunk lengths, used in turn; the rest of the body is one chunk.
    pub cuts: Vec<u8>,
    /// The body.
    pub body: Vec<u8>,
}

impl Chunked {
    /// Reads the fuzzer's bytes (any bytes are an input).
    pub fn from_bytes(data: &[u8]) -> Self {
        let (count, rest) = data.split_first().map_or((0, data), |(n, rest)| (usize::from(*n), rest));
        let (cuts, body) = rest.split_at(count.min(rest.len()));
        Self { cuts: cuts.to_vec(), body: body.to_vec() }
    }

    /// The fuzzer's bytes for this input.
    pub fn to_bytes(&self) -> Vec<u8> {
        let count = u8::try_from(self.cuts.len()).unwrap_or(u8::MAX);
        [&[count][..], &self.cuts[..usize::from(count)], &self.body].concat()
    }

    /// The body cut as `cuts` says.
    pub fn chunks(&self) -> Vec<&[u8]> {
        let mut chunks = Vec::new();
        let mut rest = self.body.as_slice();
        for cut in &self.cuts {
            if rest.is_empty() {
                break;
            }
            let (chunk, after) = rest.split_at(usize::from(*cut).clamp(1, rest.len()));
            chunks.push(chunk);
            rest = after;
        }
        chunks.push(rest);
        chunks
    }
}

/// What spec-impl observes in `bytes` fed in the given chunks: the event
/// lines of the contract (events, comments, retry), in order.
pub fn observe(chunks: &[&[u8]]) -> Vec<String> {
    let mut stream = spec_impl::EventStream::new();
    let mut lines = Vec::new();
    for chunk in chunks {
        stream.feed_with(chunk, &mut |observation| {
            let mut line = String::new();
            spec_impl::event_line::write_observation(&mut line, &observation);
            lines.push(line);
        });
    }
    stream.finish();
    lines
}
