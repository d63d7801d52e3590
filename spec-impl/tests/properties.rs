//! Invariants over random streams: chunking never changes the output, the
//! serializer's output parses back to the event it wrote, and no input panics
//! or breaks the EventSource model's rules.

use proptest::prelude::*;
use spec_impl::{Action, EventSource, EventStream, Observation, ReadyState, ServerEvent, serialize};

/// Bytes that hit the parser's interesting paths far more often than uniform
/// bytes would: field names, colons, spaces, every line end, the BOM, split
/// and invalid UTF-8.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data".to_vec()),
        Just(b"id".to_vec()),
        Just(b"event".to_vec()),
        Just(b"retry".to_vec()),
        Just(b":".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just("é€😀".as_bytes().to_vec()),
        Just(b"\xF0\x9F".to_vec()),
        Just(b"\x80\xFF\xC0".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"12".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..4),
    ];
    proptest::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
}

fn parse(chunks: &[&[u8]]) -> Vec<Observation> {
    let mut stream = EventStream::new();
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(stream.feed(chunk));
    }
    stream.finish();
    out
}

fn chunked<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for point in points {
        chunks.push(&bytes[start..point]);
        start = point;
    }
    chunks.push(&bytes[start..]);
    chunks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn chunking_never_changes_the_output(bytes in stream_bytes(), cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        prop_assert_eq!(parse(&chunked(&bytes, &cuts)), parse(&[&bytes]));
    }

    #[test]
    fn byte_by_byte_equals_whole(bytes in stream_bytes()) {
        let single: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(parse(&single), parse(&[&bytes]));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&[&bytes]);
    }

    #[test]
    fn serializer_output_parses_back_to_the_same_event(
        event in proptest::option::of(any::<String>()),
        data in proptest::option::of(any::<String>()),
        id in proptest::option::of(any::<String>()),
        retry in proptest::option::of(any::<u64>()),
        comment in proptest::option::of(any::<String>()),
    ) {
        let server_event = ServerEvent {
            comment: comment.as_deref(),
            event: event.as_deref(),
            data: data.as_deref(),
            id: id.as_deref(),
            retry,
        };
        let line_break = |s: &Option<String>| s.as_deref().is_some_and(|s| s.contains(['\r', '\n']));
        let refusable = line_break(&event) || line_break(&id) || line_break(&comment)
            || id.as_deref().is_some_and(|id| id.contains('\0'));
        match serialize::to_string(&server_event) {
            Err(_) => prop_assert!(refusable, "refused a representable event"),
            Ok(bytes) => {
                prop_assert!(!refusable, "accepted an event the format cannot carry");
                let observed = parse(&[bytes.as_bytes()]);
                let mut expected = Vec::new();
                if let Some(comment) = &comment {
                    expected.push(Observation::Comment(comment.clone()));
                }
                if let Some(retry) = retry {
                    expected.push(Observation::Retry(retry));
                }
                if let Some(data) = &data {
                    // The format has only one line break: CRLF and CR arrive as LF.
                    let data = data.replace("\r\n", "\n").replace('\r', "\n");
                    let r#type = event.clone().filter(|e| !e.is_empty()).unwrap_or_else(|| "message".into());
                    expected.push(Observation::Event(spec_impl::MessageEvent {
                        r#type, data, last_event_id: id.clone().unwrap_or_default(),
                    }));
                }
                prop_assert_eq!(observed, expected);
            }
        }
    }

    #[test]
    fn eventsource_model_keeps_its_rules(inputs in proptest::collection::vec(input(), 0..40)) {
        let (mut source, first) = EventSource::new("http://example.test/events");
        prop_assert!(matches!(first.as_slice(), [Action::Fetch(_)]));
        let mut closed_by_close = false;
        let mut failed = false;
        for input in inputs {
            let before = source.ready_state();
            let actions = match input {
                ModelInput::Response(status, content_type) => {
                    let headers: Vec<(String, String)> = content_type
                        .into_iter()
                        .map(|ct| ("Content-Type".to_owned(), ct))
                        .chain(std::iter::once(("Location".to_owned(), "/next".to_owned())))
                        .collect();
                    source.response(status, &headers)
                }
                ModelInput::Body(bytes) => source.body(&bytes),
                ModelInput::EndOfBody => source.end_of_body(),
                ModelInput::NetworkError => source.network_error(),
                ModelInput::TimerFired => source.timer_fired(),
                ModelInput::Close => { closed_by_close = true; source.close() }
            };
            for action in &actions {
                match action {
                    Action::Fetch(request) => {
                        prop_assert!(!closed_by_close && !failed, "a request after close or fail");
                        for (name, value) in &request.headers {
                            if name == "Last-Event-ID" {
                                prop_assert!(!value.is_empty(), "an empty Last-Event-ID header");
                            }
                        }
                    }
                    Action::Dispatch(_) => prop_assert!(!closed_by_close && !failed, "a dispatch after close or fail"),
                    Action::FireOpen => prop_assert_eq!(source.ready_state(), ReadyState::Open),
                    _ => {}
                }
            }
            if before != ReadyState::Closed && source.ready_state() == ReadyState::Closed && !closed_by_close {
                failed = true;
                prop_assert!(actions.contains(&Action::FireError), "CLOSED without an error event");
            }
            if before == ReadyState::Closed {
                prop_assert_eq!(source.ready_state(), ReadyState::Closed, "left CLOSED");
            }
        }
    }
}

#[derive(Debug, Clone)]
enum ModelInput {
    Response(u16, Option<String>),
    Body(Vec<u8>),
    EndOfBody,
    NetworkError,
    TimerFired,
    Close,
}

fn input() -> impl Strategy<Value = ModelInput> {
    prop_oneof![
        4 => (prop_oneof![Just(200u16), Just(204), Just(301), Just(307), Just(500), 100u16..600],
              proptest::option::of(prop_oneof![Just("text/event-stream".to_owned()), Just("text/plain".to_owned()), ".{0,20}"]))
            .prop_map(|(s, ct)| ModelInput::Response(s, ct)),
        4 => stream_bytes().prop_map(ModelInput::Body),
        2 => Just(ModelInput::EndOfBody),
        2 => Just(ModelInput::NetworkError),
        3 => Just(ModelInput::TimerFired),
        1 => Just(ModelInput::Close),
    ]
}
