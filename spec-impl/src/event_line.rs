//! Event lines: the JSON Lines format of the project's contract
//! (../shared/contracts.md section 1), written without a JSON library so this
//! crate stays std-only.
//!
//! One compact object per line, keys in the contract's order, strings escaped
//! as JSON requires (`"`, `\`, and control characters; everything else is
//! written as UTF-8), exactly as `serde_json` writes them.

use crate::{ObservationRef, ReadyState};

/// `{"kind":"open"}`
pub const OPEN: &str = r#"{"kind":"open"}"#;

/// Appends the event line of `observation` (without the line end).
pub fn write_observation(out: &mut String, observation: &ObservationRef<'_>) {
    match *observation {
        ObservationRef::Event { r#type, data, last_event_id } => {
            out.push_str(r#"{"kind":"event","type":"#);
            write_json_string(out, r#type);
            out.push_str(r#","data":"#);
            write_json_string(out, data);
            out.push_str(r#","lastEventId":"#);
            write_json_string(out, last_event_id);
            out.push('}');
        }
        ObservationRef::Comment(text) => {
            out.push_str(r#"{"kind":"comment","text":"#);
            write_json_string(out, text);
            out.push('}');
        }
        ObservationRef::Retry(ms) => {
            out.push_str(r#"{"kind":"retry","ms":"#);
            out.push_str(&ms.to_string());
            out.push('}');
        }
    }
}

/// Appends `{"kind":"error","readyState":N}`.
pub fn write_error(out: &mut String, ready_state: ReadyState) {
    out.push_str(r#"{"kind":"error","readyState":"#);
    out.push_str(&(ready_state as u8).to_string());
    out.push('}');
}

/// Appends `text` as a JSON string literal.
pub fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    let mut clean_from = 0;
    for (index, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&text[clean_from..index]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{byte:04x}"));
        } else {
            out.push_str(escape);
        }
        clean_from = index + 1;
    }
    out.push_str(&text[clean_from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde_json() {
        let mut out = String::new();
        write_json_string(&mut out, "a\"b\\c\n\r\t\u{0}\u{1f}\u{7f}é\u{FEFF}");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\r\\t\\u0000\\u001f\u{7f}é\u{FEFF}\"");
    }
}
