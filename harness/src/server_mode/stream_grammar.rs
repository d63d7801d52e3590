//! The stream grammar as server mode judges a server's lines: what a line
//! may hold for clients to read it as the server meant. The passive checks
//! judge the stream read before anything is published with it, the round
//! trip every line that arrives after publishing.

use serde_json::{Value, json};

use super::Level;

/// Something in one line of a server's stream that clients read otherwise
/// than the server meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LineFlaw {
    /// Bytes that are not UTF-8: clients decode them as U+FFFD.
    InvalidUtf8,
    /// U+FEFF past the start of the stream: only a leading one is stripped.
    LateBom,
    /// A `retry` whose value is not ASCII digits only: clients ignore it.
    RetryNotDigits,
    /// An `id` containing NUL: clients ignore it.
    IdWithNul,
    /// A field name other than event, data, id and retry: clients ignore it.
    UnknownField,
}

impl LineFlaw {
    /// What the flaw means for the standard.
    pub fn level(self) -> Level {
        match self {
            Self::InvalidUtf8 | Self::RetryNotDigits | Self::IdWithNul => Level::Must,
            Self::LateBom | Self::UnknownField => Level::Should,
        }
    }

    /// What it is, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::InvalidUtf8 => "invalid UTF-8, which clients decode as U+FFFD",
            Self::LateBom => {
                "a U+FEFF past the start of the stream, which becomes data or part of a field name"
            }
            Self::RetryNotDigits => {
                "a retry value that is not ASCII digits (milliseconds), which clients ignore"
            }
            Self::IdWithNul => "an id containing NUL, which clients ignore",
            Self::UnknownField => "a field name other than event, data, id and retry, which clients ignore",
        }
    }
}

/// The field flaw of one line of text, if any: `text` is a line without its
/// end, decoded as clients decode it.
pub fn field_flaw(text: &str) -> Option<LineFlaw> {
    // Blank lines dispatch, lines starting with a colon are comments.
    if text.is_empty() || text.starts_with(':') {
        return None;
    }
    let (field, value) = match text.split_once(':') {
        Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
        None => (text, ""),
    };
    match field {
        "retry" if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) => {
            Some(LineFlaw::RetryNotDigits)
        }
        "id" if value.contains('\0') => Some(LineFlaw::IdWithNul),
        "event" | "data" | "id" | "retry" => None,
        _ => Some(LineFlaw::UnknownField),
    }
}

/// Every flaw of one complete line (its end not included) that starts at
/// byte `offset` of the stream.
pub fn line_flaws(offset: usize, bytes: &[u8]) -> Vec<LineFlaw> {
    let mut flaws = Vec::new();
    if std::str::from_utf8(bytes).is_err() {
        flaws.push(LineFlaw::InvalidUtf8);
    }
    // One leading BOM is stripped; any other stays.
    let late_bom = bytes.windows(3).enumerate().any(|(i, w)| w == b"\xEF\xBB\xBF" && offset + i > 0);
    if late_bom {
        flaws.push(LineFlaw::LateBom);
    }
    let text = String::from_utf8_lossy(bytes);
    let text = if offset == 0 { text.strip_prefix('\u{FEFF}').unwrap_or(&text) } else { &text };
    // A BOM before the field name makes it unknown: the BOM is the flaw.
    if !text.starts_with('\u{FEFF}') {
        flaws.extend(field_flaw(text));
    }
    flaws
}

/// A flawed line as a report shows it: where, what, and the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlawedLine {
    /// What is wrong.
    pub flaw: LineFlaw,
    /// Where the line starts in the stream.
    pub offset: usize,
    /// The start of the line's bytes.
    pub bytes: Vec<u8>,
}

/// The most bytes of a flawed line kept for the report.
const BYTES_SHOWN: usize = 200;

impl FlawedLine {
    /// The flaw `flaw` of the line at `offset`.
    pub fn new(flaw: LineFlaw, offset: usize, bytes: &[u8]) -> Self {
        Self { flaw, offset, bytes: bytes[..bytes.len().min(BYTES_SHOWN)].to_vec() }
    }

    /// The line as text when it is UTF-8, else as escaped bytes.
    pub fn shown(&self) -> String {
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => format!("{text:?}"),
            // Cut inside a character by the cap: the text up to it.
            Err(error) if error.error_len().is_none() => {
                format!("{:?}", String::from_utf8_lossy(&self.bytes[..error.valid_up_to()]))
            }
            Err(_) => format!("b\"{}\"", self.bytes.escape_ascii()),
        }
    }

    /// One line for a message.
    pub fn sentence(&self) -> String {
        format!("{} at byte {}: {}", self.shown(), self.offset, self.flaw.describe())
    }

    /// The report's record of it.
    pub fn to_json(&self) -> Value {
        json!({"offset": self.offset, "line": self.shown(), "flaw": format!("{:?}", self.flaw)})
    }
}

/// The lines of a stream fed in chunks, as clients split them: CRLF, LF or
/// CR ends a line; a CR at the end of a chunk ends its line at once and the
/// LF that may start the next chunk is swallowed.
#[derive(Debug, Default)]
pub struct Lines {
    /// The unfinished line.
    pending: Vec<u8>,
    /// Where the unfinished line starts in the stream.
    offset: usize,
    /// The last byte was a CR: an LF now belongs to it.
    after_cr: bool,
}

impl Lines {
    /// Calls `each` with the offset and bytes of every line `chunk` ends.
    pub fn feed(&mut self, chunk: &[u8], mut each: impl FnMut(usize, &[u8])) {
        let mut rest = chunk;
        if self.after_cr && rest.first() == Some(&b'\n') {
            rest = &rest[1..];
            self.offset += 1;
        }
        self.after_cr = false;
        while let Some(end) = rest.iter().position(|b| *b == b'\r' || *b == b'\n') {
            let line_end = if rest[end] == b'\r' && rest.get(end + 1) == Some(&b'\n') { 2 } else { 1 };
            let before = self.pending.len();
            if before == 0 {
                each(self.offset, &rest[..end]);
            } else {
                self.pending.extend_from_slice(&rest[..end]);
                each(self.offset, &self.pending);
                self.pending.clear();
            }
            self.offset += before + end + line_end;
            self.after_cr = rest[end] == b'\r' && end + 1 == rest.len();
            rest = &rest[end + line_end..];
        }
        self.pending.extend_from_slice(rest);
    }

    /// The bytes of the line not yet ended.
    pub fn unfinished(&self) -> usize {
        self.pending.len()
    }
}

/// Lines of one kind of problem: how many, and the first few.
#[derive(Debug, Default, Clone)]
pub struct Offending {
    /// How many.
    pub count: usize,
    /// The first five.
    pub first: Vec<FlawedLine>,
}

impl Offending {
    /// One more.
    pub fn add(&mut self, line: FlawedLine) {
        self.count += 1;
        if self.first.len() < 5 {
            self.first.push(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<(usize, Vec<u8>)> {
        let mut lines = Lines::default();
        let mut seen = Vec::new();
        for chunk in chunks {
            lines.feed(chunk, |offset, bytes| seen.push((offset, bytes.to_vec())));
        }
        seen
    }

    #[test]
    fn lines_end_at_crlf_lf_and_cr_across_chunks() {
        let whole = lines(&[b"a\r\nbc\rd\n\ne"]);
        let want = vec![(0, b"a".to_vec()), (3, b"bc".to_vec()), (6, b"d".to_vec()), (8, vec![])];
        assert_eq!(whole, want);
        assert_eq!(lines(&[b"a\r", b"\nb", b"c\r", b"d\n", b"\ne"]), want);
        assert_eq!(lines(&[b"a", b"\r", b"\n", b"b", b"c", b"\r", b"d", b"\n", b"\n", b"e"]), want);
    }

    #[test]
    fn flaws_name_what_clients_ignore() {
        assert_eq!(line_flaws(5, b"retry: 2s"), [LineFlaw::RetryNotDigits]);
        assert_eq!(line_flaws(5, b"retry: 2000"), []);
        assert_eq!(line_flaws(0, b"\xEF\xBB\xBFdata: x"), []);
        assert_eq!(line_flaws(9, b"\xEF\xBB\xBFdata: x"), [LineFlaw::LateBom]);
        assert_eq!(line_flaws(9, b"data: \xEF\xBB\xBFx"), [LineFlaw::LateBom]);
        assert_eq!(line_flaws(9, b"\xEF\xBB\xBF: comment"), [LineFlaw::LateBom]);
        assert_eq!(line_flaws(9, b"data: caf\xE9"), [LineFlaw::InvalidUtf8]);
        assert_eq!(line_flaws(9, b"id: 1\x002"), [LineFlaw::IdWithNul]);
        assert_eq!(line_flaws(9, b": comment: with colon"), []);
    }
}
