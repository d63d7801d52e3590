//! The Encoding Standard's "UTF-8 decode", run as a stream: bytes arrive in
//! chunks of any size, text leaves as `&str` pieces borrowed from the chunk
//! whenever the bytes are already valid.
//!
//! `std::str::from_utf8` (and `simdutf8::compat`, its vectorised twin, used
//! on whole chunks) reports an invalid sequence with the length of its
//! "maximal subpart", which is exactly where the Encoding Standard's UTF-8
//! decoder emits one U+FFFD and resumes, so the two agree byte for byte.

use crate::trace::{Step, Trace};

/// U+FFFD REPLACEMENT CHARACTER, emitted for every decoder error.
const REPLACEMENT: &str = "\u{FFFD}";

#[derive(Debug, Default)]
pub(crate) struct Utf8Decode {
    /// An incomplete (so far valid) sequence cut off at the end of a chunk.
    pending: [u8; 4],
    pending_len: usize,
    /// Whether the first code point of the stream has been seen, so the BOM
    /// check is done.
    first_code_point_seen: bool,
}

impl Utf8Decode {
    /// Decodes `bytes`, passing each non-empty piece of text to `emit`.
    pub(crate) fn decode<T: Trace>(
        &mut self,
        mut bytes: &[u8],
        trace: &mut T,
        emit: &mut impl FnMut(&mut T, &str),
    ) {
        // A sequence split across chunks: complete it one byte at a time.
        while self.pending_len > 0 {
            let Some((&byte, rest)) = bytes.split_first() else {
                return;
            };
            let mut sequence = self.pending;
            sequence[self.pending_len] = byte;
            match std::str::from_utf8(&sequence[..=self.pending_len]) {
                Ok(text) => {
                    self.pending_len = 0;
                    bytes = rest;
                    self.emit(text, trace, emit);
                }
                Err(error) if error.error_len().is_none() => {
                    self.pending = sequence;
                    self.pending_len += 1;
                    bytes = rest;
                }
                Err(_) => {
                    // `byte` cannot continue the sequence: the sequence so far
                    // is one error, and `byte` is decoded afresh below.
                    self.pending_len = 0;
                    self.replacement(trace, emit);
                }
            }
        }
        loop {
            // The usual case, a whole piece of valid UTF-8, is checked by
            // simdutf8's faster validator; only a piece that fails it is
            // walked error by error.
            let checked = match simdutf8::basic::from_utf8(bytes) {
                Ok(text) => Ok(text),
                Err(_) => simdutf8::compat::from_utf8(bytes),
            };
            match checked {
                Ok(text) => {
                    self.emit(text, trace, emit);
                    return;
                }
                Err(error) => {
                    let (valid, rest) = bytes.split_at(error.valid_up_to());
                    if let Ok(text) = simdutf8::compat::from_utf8(valid) {
                        self.emit(text, trace, emit);
                    }
                    match error.error_len() {
                        Some(len) => {
                            self.replacement(trace, emit);
                            bytes = rest.get(len..).unwrap_or_default();
                        }
                        None => {
                            // Cut off by the end of the chunk: wait for more.
                            self.pending[..rest.len()].copy_from_slice(rest);
                            self.pending_len = rest.len();
                            return;
                        }
                    }
                }
            }
        }
    }

    /// The end of the stream: a sequence still incomplete is one error.
    pub(crate) fn finish<T: Trace>(&mut self, trace: &mut T, emit: &mut impl FnMut(&mut T, &str)) {
        if self.pending_len > 0 {
            self.pending_len = 0;
            self.replacement(trace, emit);
        }
    }

    fn replacement<T: Trace>(&mut self, trace: &mut T, emit: &mut impl FnMut(&mut T, &str)) {
        //§ #event-stream-interpretation "UTF-8 decode": "Streams must be decoded using the UTF-8 decode algorithm."
        trace.step(Step::Utf8Decode, None);
        self.emit(REPLACEMENT, trace, emit);
    }

    fn emit<T: Trace>(&mut self, mut text: &str, trace: &mut T, emit: &mut impl FnMut(&mut T, &str)) {
        if !self.first_code_point_seen && !text.is_empty() {
            self.first_code_point_seen = true;
            //§ #event-stream-interpretation "strips one leading BOM": "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any."
            if let Some(rest) = text.strip_prefix('\u{FEFF}') {
                trace.step(Step::Bom, None);
                text = rest;
            }
        }
        if !text.is_empty() {
            emit(trace, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::NoTrace;

    fn decode_chunks(chunks: &[&[u8]]) -> String {
        let mut decoder = Utf8Decode::default();
        let mut out = String::new();
        for chunk in chunks {
            decoder.decode(chunk, &mut NoTrace, &mut |_, text| out.push_str(text));
        }
        decoder.finish(&mut NoTrace, &mut |_, text| out.push_str(text));
        out
    }

    #[test]
    fn maximal_subparts_match_the_encoding_standard() {
        assert_eq!(decode_chunks(&[b"\xE2\x82A"]), "\u{FFFD}A");
        assert_eq!(decode_chunks(&[b"\xE2", b"\x82", b"A"]), "\u{FFFD}A");
        assert_eq!(decode_chunks(&[b"\xF0\x80"]), "\u{FFFD}\u{FFFD}");
        assert_eq!(decode_chunks(&[b"\xF0", b"\x80"]), "\u{FFFD}\u{FFFD}");
        assert_eq!(decode_chunks(&[b"\xED\xA0\x80"]), "\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(decode_chunks(&[b"\xE2\x82"]), "\u{FFFD}");
    }

    #[test]
    fn one_leading_bom_is_stripped_even_when_split() {
        assert_eq!(decode_chunks(&[b"\xEF", b"\xBB", b"\xBFx"]), "x");
        assert_eq!(decode_chunks(&[b"\xEF\xBB\xBF\xEF\xBB\xBFx"]), "\u{FEFF}x");
        assert_eq!(decode_chunks(&[b"x\xEF\xBB\xBF"]), "x\u{FEFF}");
        assert_eq!(decode_chunks(&[b"\xEF\xBBA"]), "\u{FFFD}A");
    }
}
