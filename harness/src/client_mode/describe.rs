//! The words of client mode's findings: what the client did, said in the
//! user's terms (an event's data that differs, a reconnection it should not
//! have made, an adapter that exited), and bounded in length whatever the
//! client printed: a 1 MiB data value is named by its length and the place
//! it first differs, never copied into the message.

use serde_json::Value;

/// The most characters of a value a message quotes whole.
const QUOTE_WHOLE: usize = 80;
/// Characters shown on each side of a first difference.
const CONTEXT: usize = 24;

/// `text` as a Rust-style quoted string (escapes visible), whole when short;
/// otherwise its start and length.
pub fn quote(text: &str) -> String {
    let count = text.chars().count();
    if count <= QUOTE_WHOLE {
        format!("{text:?}")
    } else {
        let start: String = text.chars().take(QUOTE_WHOLE / 2).collect();
        format!("{start:?}... ({count} characters)")
    }
}

/// Where two strings first differ, as a character index.
fn first_difference(want: &str, got: &str) -> usize {
    want.chars().zip(got.chars()).take_while(|(w, g)| w == g).count()
}

/// The characters of `text` around character `at`, quoted, with ellipses
/// where it was cut.
fn around(text: &str, at: usize) -> String {
    let from = at.saturating_sub(CONTEXT);
    let piece: String = text.chars().skip(from).take(2 * CONTEXT).collect();
    let count = text.chars().count();
    format!(
        "{}{piece:?}{}",
        if from > 0 { "..." } else { "" },
        if from + 2 * CONTEXT < count { "..." } else { "" }
    )
}

/// Two values of the same field, named: whole when both are short, else
/// their lengths and the text around their first difference.
fn field_difference(field: &str, want: &str, got: &str) -> String {
    let hint = mojibake_hint(want, got);
    if want.chars().count() <= QUOTE_WHOLE && got.chars().count() <= QUOTE_WHOLE {
        return format!("{field} {} expected, {} observed{hint}", quote(want), quote(got));
    }
    let at = first_difference(want, got);
    format!(
        "{field} differs from character {at} on ({} characters expected, {} observed): expected {}, observed {}{hint}",
        want.chars().count(),
        got.chars().count(),
        around(want, at),
        around(got, at)
    )
}

/// A hint when the observed text is the expected one's UTF-8 bytes read as
/// Latin-1 (or Windows-1252), the commonest decoding mistake.
fn mojibake_hint(want: &str, got: &str) -> &'static str {
    let as_latin1: String = want.bytes().map(char::from).collect();
    if want != got && !want.is_ascii() && got.chars().count() == as_latin1.chars().count() {
        let same = as_latin1.chars().zip(got.chars()).filter(|(a, b)| a == b || !b.is_ascii()).count();
        if same == as_latin1.chars().count() {
            return " (the UTF-8 bytes were decoded one byte per character, as Latin-1)";
        }
    }
    ""
}

/// One event line in words: `event "message" with data "a"`, `open`,
/// `error (readyState 0: it will reconnect)`.
pub fn line(value: &Value) -> String {
    let text = |key: &str| value[key].as_str().unwrap_or("");
    match value["kind"].as_str() {
        Some("open") => "open".to_owned(),
        Some("error") => match value["readyState"].as_u64() {
            Some(0) => "error with readyState 0 (CONNECTING: it will reconnect)".to_owned(),
            Some(2) => "error with readyState 2 (CLOSED: it gave up)".to_owned(),
            other => format!("error with readyState {other:?}"),
        },
        Some("event") => {
            let id = match value.get("lastEventId") {
                Some(Value::String(id)) => format!(", lastEventId {}", quote(id)),
                _ => String::new(),
            };
            format!("event {} with data {}{id}", quote(text("type")), quote(text("data")))
        }
        _ => quote(&value.to_string()),
    }
}

/// The first event line that differs. `at` is its index; the counts are of
/// all lines expected and observed.
pub fn lines_differ(
    at: usize,
    want: Option<&Value>,
    got: Option<&Value>,
    expected: usize,
    observed: usize,
) -> String {
    let n = at + 1;
    let counts = format!("({expected} line(s) expected, {observed} observed)");
    match (want, got) {
        (Some(want), Some(got)) if want["kind"] == "event" && got["kind"] == "event" => {
            let mut differences = Vec::new();
            for field in ["type", "data", "lastEventId"] {
                if let (Some(w), Some(g)) = (want[field].as_str(), got[field].as_str()) {
                    if w != g {
                        differences.push(field_difference(field, w, g));
                    }
                } else if want.get(field) != got.get(field) {
                    differences.push(format!("{field} missing or not a string"));
                }
            }
            format!("event line {n} is an event whose {} {counts}", differences.join(", and whose "))
        }
        (Some(want), Some(got)) => {
            format!("event line {n}: expected {}, observed {} {counts}", line(want), line(got))
        }
        (Some(want), None) => {
            format!("event line {n}: expected {}, but the client printed nothing more {counts}", line(want))
        }
        (None, Some(got)) => format!(
            "event line {n}: the client printed {} after all {expected} expected line(s) {counts}",
            line(got)
        ),
        (None, None) => format!("event lines differ {counts}"),
    }
}

/// A `Last-Event-ID` that differs, in words.
pub fn last_event_id(n: usize, want: Option<&str>, sent: &[&str]) -> String {
    let sent_words = match sent {
        [] => "no Last-Event-ID".to_owned(),
        [""] => "an empty Last-Event-ID header".to_owned(),
        [one] => format!("Last-Event-ID {}", quote(one)),
        many => format!(
            "{} Last-Event-ID headers ({})",
            many.len(),
            many.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ")
        ),
    };
    match want {
        None => {
            format!("request {n} sent {sent_words}; none is sent while the last event ID string is empty")
        }
        Some(id) => format!("request {n} sent {sent_words}; expected Last-Event-ID {}", quote(id)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(data: &str) -> Value {
        json!({"kind": "event", "type": "message", "data": data, "lastEventId": ""})
    }

    #[test]
    fn a_mib_of_data_is_named_by_length_and_first_difference() {
        let want = "x".repeat(1 << 20);
        let mut got = want.clone();
        got.replace_range(700_000..700_001, "y");
        let message = lines_differ(1, Some(&event(&want)), Some(&event(&got)), 2, 2);
        assert!(message.len() < 400, "{} bytes: {message}", message.len());
        assert!(message.contains("from character 700000"), "{message}");
        assert!(message.contains("1048576 characters expected"), "{message}");
        assert!(message.contains("xy"), "{message}");
    }

    #[test]
    fn short_values_are_quoted_whole_and_latin1_is_named() {
        let message = lines_differ(1, Some(&event("h\u{e9}")), Some(&event("h\u{c3}\u{a9}")), 2, 2);
        assert!(message.contains(r#"data "hé" expected, "hÃ©" observed"#), "{message}");
        assert!(message.contains("Latin-1"), "{message}");
    }

    #[test]
    fn an_error_where_an_event_was_due_says_it_will_reconnect() {
        let message =
            lines_differ(1, Some(&event("a")), Some(&json!({"kind": "error", "readyState": 0})), 2, 3);
        assert!(message.contains(r#"expected event "message" with data "a""#), "{message}");
        assert!(message.contains("observed error with readyState 0 (CONNECTING"), "{message}");
    }

    #[test]
    fn nothing_more_and_extra_lines() {
        let message = lines_differ(1, Some(&event("a")), None, 2, 1);
        assert!(message.contains("the client printed nothing more"), "{message}");
        let message = lines_differ(1, None, Some(&event("a")), 1, 2);
        assert!(message.contains("after all 1 expected line(s)"), "{message}");
    }

    #[test]
    fn an_empty_last_event_id_header_is_named() {
        let message = last_event_id(2, None, &[""]);
        assert_eq!(
            message,
            "request 2 sent an empty Last-Event-ID header; none is sent while the last event ID string is empty"
        );
    }
}
