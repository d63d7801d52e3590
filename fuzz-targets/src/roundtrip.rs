//! `roundtrip`: arbitrary events through spec-impl's serializer and back
//! through its parser. Every event the serializer accepts must come back
//! exactly (data line breaks as LF, the only ones the format carries), and it
//! may refuse only what the format cannot carry (`#parsing-an-event-stream`:
//! CR or LF in a field value, NUL in an id, a line break in a comment).

use arbitrary::{Arbitrary, Unstructured};
use spec_impl::{ServerEvent, serialize};

#[derive(Debug, Arbitrary)]
struct Event {
    comment: Option<String>,
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
}

/// Runs one input; panics on a difference.
pub fn run(data: &[u8]) {
    let Ok(events) = Vec::<Event>::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut body = String::new();
    let mut expected = Vec::new();
    let mut last_event_id = String::new();
    for event in &events {
        let server_event = ServerEvent {
            comment: event.comment.as_deref(),
            event: event.event.as_deref(),
            data: event.data.as_deref(),
            id: event.id.as_deref(),
            retry: event.retry,
        };
        let line_break = |v: &Option<String>| v.as_deref().is_some_and(|v| v.contains(['\r', '\n']));
        let unrepresentable = line_break(&event.comment)
            || line_break(&event.event)
            || line_break(&event.id)
            || event.id.as_deref().is_some_and(|id| id.contains('\0'));
        match serialize::write(&mut body, &server_event) {
            Err(error) => {
                assert!(unrepresentable, "refused a representable event ({error}): {event:?}");
                continue;
            }
            Ok(()) => assert!(!unrepresentable, "accepted an unrepresentable event: {event:?}"),
        }
        if let Some(comment) = &event.comment {
            expected.push(line(|out| {
                spec_impl::event_line::write_observation(out, &spec_impl::ObservationRef::Comment(comment));
            }));
        }
        if let Some(retry) = event.retry {
            expected.push(line(|out| {
                spec_impl::event_line::write_observation(out, &spec_impl::ObservationRef::Retry(retry));
            }));
        }
        if let Some(id) = &event.id {
            last_event_id.clone_from(id);
        }
        if let Some(data) = &event.data {
            let data = data.replace("\r\n", "\n").replace('\r', "\n");
            let r#type = event.event.as_deref().filter(|t| !t.is_empty()).unwrap_or("message");
            expected.push(line(|out| {
                spec_impl::event_line::write_observation(
                    out,
                    &spec_impl::ObservationRef::Event { r#type, data: &data, last_event_id: &last_event_id },
                );
            }));
        }
    }
    let observed = crate::observe(&[body.as_bytes()]);
    assert_eq!(observed, expected, "the serialized stream: {body:?}");
}

fn line(write: impl FnOnce(&mut String)) -> String {
    let mut out = String::new();
    write(&mut out);
    out
}
