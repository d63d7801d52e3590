//! `parse`: arbitrary bytes cut into arbitrary chunks. spec-impl must not
//! panic, and what it observes must not depend on the cuts (chunking
//! invariance, `#event-stream-interpretation`: the stream is one sequence of
//! bytes however it arrives).

/// Runs one input; panics on a difference.
pub fn run(data: &[u8]) {
    let input = crate::Chunked::from_bytes(data);
    let whole = crate::observe(&[&input.body]);
    let chunks = input.chunks();
    let chunked = crate::observe(&chunks);
    assert_eq!(whole, chunked, "chunking changed the output; chunks: {chunks:?}");
}
