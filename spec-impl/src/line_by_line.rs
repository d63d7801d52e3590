//! "The stream must then be parsed by reading everything line by line."
//!
//! Text arrives in pieces of any size. A line wholly inside one piece is passed
//! on as a slice of it; only a line that spans pieces is copied into
//! `line_buffer`.
//!
//! A CR ends its line at once, whatever follows: "a single U+000D CARRIAGE
//! RETURN (CR) character not followed by a U+000A LINE FEED (LF)" ends a line,
//! and so does CRLF, so the line is over either way. What the next piece
//! decides is only whether its first LF belongs to that CR (`after_cr`), which
//! keeps a CRLF split across two reads one line break, not two.

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
    pub(crate) fn split(&mut self, text: &str, line: &mut impl FnMut(&str)) {
        let bytes = text.as_bytes();
        let mut start = 0;
        if self.after_cr {
            self.after_cr = false;
            //§ #event-stream-interpretation "line by line": "a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair"
            if bytes.first() == Some(&b'\n') {
                start = 1;
            }
        }
        while start < bytes.len() {
            let Some(offset) = find_line_end(&bytes[start..]) else {
                self.line_buffer.push_str(&text[start..]);
                return;
            };
            let end = start + offset;
            if self.line_buffer.is_empty() {
                line(&text[start..end]);
            } else {
                self.line_buffer.push_str(&text[start..end]);
                line(&self.line_buffer);
                self.line_buffer.clear();
            }
            start = end + 1;
            if bytes[end] == b'\r' {
                match bytes.get(start) {
                    Some(b'\n') => start += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
    }

    /// The end of the stream: a line without a line end is never a line.
    pub(crate) fn finish(&mut self) {
        //§ #event-stream-interpretation "end of the file": "Once the end of the file is reached, any pending data must be discarded."
        self.line_buffer.clear();
        self.after_cr = false;
    }
}

/// The index of the first CR or LF in `bytes`.
///
/// Eight bytes at a time: a word has a CR or LF byte exactly when XOR-ing it
/// with a word of CRs or of LFs leaves a zero byte.
fn find_line_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const CRS: u64 = u64::from_ne_bytes([b'\r'; 8]);
    const LFS: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let has_zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    if bytes.len() < 16 {
        // Too short for words to pay (a client reading a few bytes at a time).
        return bytes.iter().position(|&byte| byte == b'\r' || byte == b'\n');
    }
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        let word_value = u64::from_ne_bytes(array);
        if has_zero_byte(word_value ^ CRS) || has_zero_byte(word_value ^ LFS) {
            break;
        }
        offset += 8;
    }
    bytes[offset..].iter().position(|&byte| byte == b'\r' || byte == b'\n').map(|position| offset + position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(pieces: &[&str]) -> Vec<String> {
        let mut splitter = LineByLine::default();
        let mut out = Vec::new();
        for piece in pieces {
            splitter.split(piece, &mut |line| out.push(line.to_owned()));
        }
        out
    }

    #[test]
    fn every_line_end() {
        assert_eq!(lines(&["a\nb\rc\r\nd"]), ["a", "b", "c"]);
        assert_eq!(lines(&["a\r", "\nb\r", "c\n"]), ["a", "b", "c"]);
        assert_eq!(lines(&["a\r", "\r", "\n", "\n"]), ["a", "", ""]);
        assert_eq!(lines(&["a", "b", "c\r", "d\n"]), ["abc", "d"]);
    }

    #[test]
    fn find_line_end_agrees_with_a_plain_search() {
        let text = b"0123456789abcdef\r0123456789\n";
        for start in 0..text.len() {
            let plain = text[start..].iter().position(|&b| b == b'\r' || b == b'\n');
            assert_eq!(find_line_end(&text[start..]), plain);
        }
    }
}
