//! "The stream must then be parsed by reading everything line by line."
//!
//! Text arrives in pieces of any size. A line wholly inside one piece is passed
//! on as a slice of it; only a line that spans pieces is copied into
//! `line_buffer`, and that buffer is lent to the interpretation, which may take
//! it whole as its data buffer instead of copying it a second time.
//!
//! A CR ends its line at once, whatever follows: "a single U+000D CARRIAGE
//! RETURN (CR) character not followed by a U+000A LINE FEED (LF)" ends a line,
//! and so does CRLF, so the line is over either way. What the next piece
//! decides is only whether its first LF belongs to that CR (`after_cr`), which
//! keeps a CRLF split across two reads one line break, not two.

use crate::trace::{LineEnd, Trace};

/// A complete line, without its line end.
#[derive(Debug)]
pub(crate) enum Line<'t, 'b> {
    /// Borrowed from the piece of text it lay in.
    Slice(&'t str),
    /// Gathered across pieces. The interpretation may take the `String` (and
    /// leave an empty one); the splitter empties whatever is left after.
    Buffer(&'b mut String),
}

impl Line<'_, '_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Slice(text) => text,
            Self::Buffer(buffer) => buffer,
        }
    }
}

/// Below this many bytes a piece is searched byte by byte.
const SHORT: usize = 16;

#[derive(Debug, Default)]
pub(crate) struct LineByLine {
    /// The start of a line whose end has not arrived yet.
    line_buffer: String,
    /// The last character seen was a CR that ended a line.
    after_cr: bool,
}

impl LineByLine {
    /// Splits `text` into lines, passing each complete line (without its line
    /// end) to `line`.
    pub(crate) fn split<T: Trace>(
        &mut self,
        text: &str,
        trace: &mut T,
        line: &mut impl FnMut(&mut T, Line<'_, '_>),
    ) {
        let bytes = text.as_bytes();
        let mut start = 0;
        if self.after_cr {
            self.after_cr = false;
            //§ #event-stream-interpretation "line by line": "a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair"
            if bytes.first() == Some(&b'\n') {
                start = 1;
                trace.step(crate::trace::Step::LfAfterCr, None);
            }
        }
        // The next CR or LF from `from` on: by memchr's vector search, but in
        // short pieces (a client reading a few bytes at a time) byte by byte,
        // where a vector search cannot pay.
        let next_end = |from: usize| -> Option<usize> {
            let rest = bytes.get(from..)?;
            let found = if rest.len() < SHORT {
                rest.iter().position(|&byte| byte == b'\n' || byte == b'\r')
            } else {
                memchr::memchr2(b'\n', b'\r', rest)
            };
            found.map(|offset| from + offset)
        };
        while let Some(end) = next_end(start) {
            // A CR ends its line; an LF right after it is part of the end.
            let next = if bytes[end] == b'\n' {
                end + 1
            } else {
                match bytes.get(end + 1) {
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                    None => {
                        self.after_cr = true;
                        end + 1
                    }
                }
            };
            // What ended the line, for the trace only (pure, so dropped when
            // the trace is `NoTrace`).
            let line_end = match (bytes.get(end), next - end) {
                (Some(b'\n'), _) => LineEnd::Lf,
                (_, 2) => LineEnd::CrLf,
                _ => LineEnd::Cr,
            };
            if self.line_buffer.is_empty() {
                let slice = &text[start..end];
                trace.line(slice, line_end);
                line(trace, Line::Slice(slice));
            } else {
                self.line_buffer.push_str(&text[start..end]);
                trace.line(&self.line_buffer, line_end);
                line(trace, Line::Buffer(&mut self.line_buffer));
                self.line_buffer.clear();
            }
            start = next;
        }
        if start < bytes.len() {
            self.line_buffer.push_str(&text[start..]);
        }
    }

    /// The line still waiting for its end.
    pub(crate) fn pending(&self) -> &str {
        &self.line_buffer
    }

    /// The end of the stream: a line without a line end is never a line.
    pub(crate) fn finish(&mut self) {
        //§ #event-stream-interpretation "end of the file": "Once the end of the file is reached, any pending data must be discarded."
        self.line_buffer.clear();
        self.after_cr = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::NoTrace;

    fn lines(pieces: &[&str]) -> Vec<String> {
        let mut splitter = LineByLine::default();
        let mut out = Vec::new();
        for piece in pieces {
            splitter.split(piece, &mut NoTrace, &mut |_, line| out.push(line.as_str().to_owned()));
        }
        out
    }

    #[test]
    fn every_line_end() {
        assert_eq!(lines(&["a\nb\rc\r\nd"]), ["a", "b", "c"]);
        assert_eq!(lines(&["a\r", "\nb\r", "c\n"]), ["a", "b", "c"]);
        assert_eq!(lines(&["a\r", "\r", "\n", "\n"]), ["a", "", ""]);
        assert_eq!(lines(&["a", "b", "c\r", "d\n"]), ["abc", "d"]);
        assert_eq!(lines(&["\r\n\r\n", "\n\r"]), ["", "", "", ""]);
    }
}
