//! What a correct server writes: one event as `text/event-stream` bytes.
//!
//! The format is the `stream` production of `#parsing-an-event-stream`. The
//! serializer refuses, with a typed error, every value that production cannot
//! carry, instead of writing bytes that would parse as something else (one
//! published event turning into two is the classic injection).

use std::fmt;

/// One event as a server publishes it. Every field is optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerEvent<'a> {
    /// A comment line written before the fields (the text after the colon).
    pub comment: Option<&'a str>,
    /// The `event` field: the event type.
    pub event: Option<&'a str>,
    /// The `data`: any text; its CRLF, LF and CR become line breaks.
    pub data: Option<&'a str>,
    /// The `id` field.
    pub id: Option<&'a str>,
    /// The `retry` field, in milliseconds.
    pub retry: Option<u64>,
}

/// A value the event stream format cannot represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SerializeError {
    /// CR or LF in `event`: it would end the field's line.
    LineBreakInEvent,
    /// CR or LF in `id`: it would end the field's line.
    LineBreakInId,
    /// U+0000 in `id`: a client ignores such an `id` field.
    NullInId,
    /// CR or LF in a comment: the rest would be parsed as fields.
    LineBreakInComment,
}

impl fmt::Display for SerializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LineBreakInEvent => "the event type contains CR or LF",
            Self::LineBreakInId => "the id contains CR or LF",
            Self::NullInId => "the id contains U+0000 NULL",
            Self::LineBreakInComment => "the comment contains CR or LF",
        })
    }
}

impl std::error::Error for SerializeError {}

fn has_line_break(value: &str) -> bool {
    value.contains(['\r', '\n'])
}

/// Appends `event` to `out` as a correct server writes it, or refuses it
/// (leaving `out` untouched).
///
/// ```
/// use spec_impl::{serialize, ServerEvent};
/// let event = ServerEvent { event: Some("update"), data: Some("a\r\nb"), id: Some("7"), ..Default::default() };
/// assert_eq!(serialize::to_string(&event).unwrap(), "event: update\ndata: a\ndata: b\nid: 7\n\n");
/// ```
pub fn write(out: &mut String, event: &ServerEvent<'_>) -> Result<(), SerializeError> {
    //§ #parsing-an-event-stream: "field = 1*name-char [ colon [ space ] *any-char ] end-of-line" where "any-char" is "a scalar value other than U+000A LINE FEED (LF) or U+000D CARRIAGE RETURN (CR)"
    if event.comment.is_some_and(has_line_break) {
        return Err(SerializeError::LineBreakInComment);
    }
    if event.event.is_some_and(has_line_break) {
        return Err(SerializeError::LineBreakInEvent);
    }
    if let Some(id) = event.id {
        if has_line_break(id) {
            return Err(SerializeError::LineBreakInId);
        }
        if id.contains('\0') {
            return Err(SerializeError::NullInId);
        }
    }
    if let Some(comment) = event.comment {
        out.push(':');
        out.push_str(comment);
        out.push('\n');
    }
    // One space after every colon: the parser removes exactly one, so a value
    // that starts with a space keeps it.
    let mut field = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push('\n');
    };
    if let Some(event_type) = event.event {
        field("event", event_type);
    }
    if let Some(data) = event.data {
        for line in data_lines(data) {
            field("data", line);
        }
    }
    if let Some(id) = event.id {
        field("id", id);
    }
    if let Some(retry) = event.retry {
        field("retry", &retry.to_string());
    }
    if event.event.is_some() || event.data.is_some() || event.id.is_some() || event.retry.is_some() {
        // "event = *( comment / field ) end-of-line": the blank line dispatches.
        out.push('\n');
    }
    Ok(())
}

/// [`write`] into a new string.
pub fn to_string(event: &ServerEvent<'_>) -> Result<String, SerializeError> {
    let mut out = String::new();
    write(&mut out, event)?;
    Ok(out)
}

/// `data` split at every CRLF, LF and lone CR (one piece more than line
/// breaks, so `""` is one empty line and `"a\n"` is `a` and an empty line).
fn data_lines(data: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.find(['\r', '\n']) {
            Some(end) => {
                let after = if text[end..].starts_with("\r\n") { end + 2 } else { end + 1 };
                rest = Some(&text[after..]);
                Some(&text[..end])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}
