//! The step trace behind `ssecheck explain`: which step of
//! `#event-stream-interpretation` each line triggers, and the buffers after it.
//!
//! An [`EventStream`](crate::EventStream) is generic over a [`Trace`]; the
//! default, [`NoTrace`], has empty methods that inline to nothing, so the
//! parser people benchmark and the parser that explains itself are the same
//! code, and the trace costs nothing when unused.
//!
//! Every [`Step`] is named by the `//§` key the code cites at the place it is
//! taken, and carries the standard's words quoted there (a test checks the two
//! agree, word for word).

/// What ended a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineEnd {
    /// U+000A LINE FEED.
    Lf,
    /// U+000D CARRIAGE RETURN not followed by LF in the same read (an LF at
    /// the start of the next read is reported as [`Step::LfAfterCr`]).
    Cr,
    /// CR LF in one read.
    CrLf,
}

impl LineEnd {
    /// How the line end is written: `LF`, `CR` or `CRLF`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Lf => "LF",
            Self::Cr => "CR",
            Self::CrLf => "CRLF",
        }
    }
}

/// The stream's buffers, as they are after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffers<'a> {
    /// The data buffer.
    pub data_buffer: &'a str,
    /// The event type buffer.
    pub event_type_buffer: &'a str,
    /// The last event ID buffer.
    pub last_event_id_buffer: &'a str,
    /// The event source's last event ID string.
    pub last_event_id_string: &'a str,
}

macro_rules! steps {
    ($($(#[$doc:meta])* $name:ident => $key:literal, $quote:literal;)*) => {
        /// One step the interpretation takes, named after its `//§` citation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Step {
            $($(#[$doc])* $name,)*
        }

        impl Step {
            /// Every step, in the order the standard gives them.
            pub const ALL: &[Step] = &[$(Step::$name,)*];

            /// The citation key, as the code's `//§` comment gives it.
            pub fn key(self) -> &'static str {
                match self {
                    $(Step::$name => $key,)*
                }
            }

            /// The standard's words for this step, as the code quotes them.
            pub fn quote(self) -> &'static str {
                match self {
                    $(Step::$name => $quote,)*
                }
            }
        }
    };
}

steps! {
    /// The decoder met bytes that are not UTF-8 and emitted U+FFFD.
    Utf8Decode => "#event-stream-interpretation \"UTF-8 decode\"",
        "Streams must be decoded using the UTF-8 decode algorithm.";
    /// The decoder stripped the stream's leading BOM.
    Bom => "#event-stream-interpretation \"strips one leading BOM\"",
        "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any.";
    /// An LF at the start of a read completed the CR that ended the previous
    /// read's last line: one line end, not two.
    LfAfterCr => "#event-stream-interpretation \"line by line\"",
        "a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair";
    /// The line is empty: dispatch.
    EmptyLine => "#event-stream-interpretation \"If the line is empty\"",
        "Dispatch the event, as defined below.";
    /// The line starts with a colon: a comment.
    Comment => "#event-stream-interpretation \"starts with a U+003A COLON\"",
        "Ignore the line.";
    /// The line has a colon: field before it, value after (one leading space
    /// removed).
    FieldAndValue => "#event-stream-interpretation \"contains a U+003A COLON\"",
        "Collect the characters on the line before the first U+003A COLON character (:), and let field be that string.";
    /// The line has no colon: all of it is the field name.
    FieldOnly => "#event-stream-interpretation \"does not contain a U+003A COLON\"",
        "using the whole line as the field name, and the empty string as the field value.";
    /// `event`.
    Event => "#processField \"event\"",
        "Set the event type buffer to the field value.";
    /// `data`.
    Data => "#processField \"data\"",
        "Append the field value to the data buffer, then append a single U+000A LINE FEED (LF) character to the data buffer.";
    /// `id`, set or (with a NUL) ignored: the buffers tell which.
    Id => "#processField \"id\"",
        "If the field value does not contain U+0000 NULL, then set the last event ID buffer to the field value. Otherwise, ignore the field.";
    /// `retry`, set (a retry observation follows) or ignored.
    Retry => "#processField \"retry\"",
        "If the field value consists of only ASCII digits, then interpret the field value as an integer in base ten, and set the event stream's reconnection time to that integer. Otherwise, ignore the field.";
    /// Any other field name.
    OtherField => "#processField \"Otherwise\"",
        "The field is ignored.";
    /// Dispatch, step 1: the last event ID string is set.
    DispatchStep1 => "#dispatchMessage step 1",
        "Set the last event ID string of the event source to the value of the last event ID buffer. The buffer does not get reset";
    /// Dispatch, step 2: no data, nothing dispatched.
    DispatchStep2 => "#dispatchMessage step 2",
        "If the data buffer is an empty string, set the data buffer and the event type buffer to the empty string and return.";
    /// Dispatch, step 3: the final LF is removed.
    DispatchStep3 => "#dispatchMessage step 3",
        "If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove the last character";
    /// Dispatch, step 8: the event is dispatched (an event observation
    /// follows).
    DispatchStep8 => "#dispatchMessage step 8",
        "Queue a task which, if the readyState attribute is set to a value other than CLOSED, dispatches the newly created event";
    /// Dispatch, step 7: the buffers are emptied.
    DispatchStep7 => "#dispatchMessage step 7",
        "Set the data buffer and the event type buffer to the empty string.";
    /// The stream ended: the pending line and event are discarded.
    EndOfFile => "#event-stream-interpretation \"end of the file\"",
        "Once the end of the file is reached, any pending data must be discarded.";
}

/// Receives the trace. Every method has an empty default.
pub trait Trace {
    /// A complete line, as decoded, and what ended it; its steps follow.
    fn line(&mut self, _line: &str, _end: LineEnd) {}

    /// A step was taken; `buffers` are as the step left them (`None` for the
    /// decoder's and the line splitter's steps, which touch no buffer).
    fn step(&mut self, _step: Step, _buffers: Option<Buffers<'_>>) {}
}

/// No trace: what an [`EventStream`](crate::EventStream) uses unless asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoTrace;

impl Trace for NoTrace {}

impl<T: Trace + ?Sized> Trace for &mut T {
    fn line(&mut self, line: &str, end: LineEnd) {
        (**self).line(line, end);
    }

    fn step(&mut self, step: Step, buffers: Option<Buffers<'_>>) {
        (**self).step(step, buffers);
    }
}

#[cfg(test)]
mod tests {
    use super::{Buffers, LineEnd, Step, Trace};
    use crate::{EventStream, Observation};

    /// What a trace saw, in order, with the observations between.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Seen {
        Line(String, LineEnd),
        Step(Step),
    }

    #[derive(Debug, Default)]
    struct Recorder {
        seen: Vec<Seen>,
        last_buffers: Option<(String, String, String, String)>,
        /// The data buffer after each step that reports buffers.
        data_after: Vec<(Step, String)>,
    }

    impl Trace for Recorder {
        fn line(&mut self, line: &str, end: LineEnd) {
            self.seen.push(Seen::Line(line.to_owned(), end));
        }

        fn step(&mut self, step: Step, buffers: Option<Buffers<'_>>) {
            self.seen.push(Seen::Step(step));
            if let Some(buffers) = buffers {
                self.data_after.push((step, buffers.data_buffer.to_owned()));
                self.last_buffers = Some((
                    buffers.data_buffer.to_owned(),
                    buffers.event_type_buffer.to_owned(),
                    buffers.last_event_id_buffer.to_owned(),
                    buffers.last_event_id_string.to_owned(),
                ));
            }
        }
    }

    /// Feeds `reads`, then ends the stream; returns the trace and the
    /// observations.
    fn run(reads: &[&[u8]]) -> (Recorder, Vec<Observation>) {
        let mut stream = EventStream::with_trace(Recorder::default());
        let mut observed = Vec::new();
        for read in reads {
            stream.feed_with(read, &mut |observation| observed.push(observation.to_owned()));
        }
        stream.finish();
        (stream.into_trace(), observed)
    }

    fn steps(recorder: &Recorder) -> Vec<Step> {
        recorder
            .seen
            .iter()
            .filter_map(|seen| match seen {
                Seen::Step(step) => Some(*step),
                Seen::Line(..) => None,
            })
            .collect()
    }

    fn line(text: &str, end: LineEnd) -> Seen {
        Seen::Line(text.to_owned(), end)
    }

    const DISPATCHED: [Step; 5] =
        [Step::EmptyLine, Step::DispatchStep1, Step::DispatchStep3, Step::DispatchStep8, Step::DispatchStep7];

    #[test]
    fn a_cr_ending_one_read_and_the_lf_starting_the_next_are_one_line_end() {
        let (trace, observed) = run(&[b"data: x\r", b"\n\n"]);
        assert_eq!(
            trace.seen[..4],
            [
                line("data: x", LineEnd::Cr),
                Seen::Step(Step::FieldAndValue),
                Seen::Step(Step::Data),
                Seen::Step(Step::LfAfterCr)
            ]
        );
        assert_eq!(trace.seen[4], line("", LineEnd::Lf));
        assert_eq!(steps(&trace)[3..], DISPATCHED);
        assert_eq!(observed.len(), 1);
    }

    #[test]
    fn crlf_in_one_read_is_one_line_end() {
        let (trace, _) = run(&[b"a\r\nb\rc\n"]);
        let lines: Vec<_> =
            trace.seen.iter().filter(|seen| matches!(seen, Seen::Line(..))).cloned().collect();
        assert_eq!(lines, [line("a", LineEnd::CrLf), line("b", LineEnd::Cr), line("c", LineEnd::Lf)]);
    }

    #[test]
    fn one_leading_bom_is_stripped_and_a_second_is_part_of_the_field_name() {
        let (trace, _) = run(&["\u{FEFF}\u{FEFF}data: a\n".as_bytes()]);
        assert_eq!(trace.seen[0], Seen::Step(Step::Bom));
        assert_eq!(trace.seen[1], line("\u{FEFF}data: a", LineEnd::Lf));
        assert_eq!(steps(&trace)[1..], [Step::FieldAndValue, Step::OtherField]);
        let (trace, _) = run(&[b"data: a\n"]);
        assert!(!steps(&trace).contains(&Step::Bom), "no BOM, no BOM step");
    }

    #[test]
    fn retry_is_traced_whether_it_sets_the_time_or_is_ignored() {
        for (stream, set) in
            [(&b"retry: 10\n"[..], Some(10)), (b"retry: 1a\n", None), (b"retry:\n", None), (b"retry\n", None)]
        {
            let (trace, observed) = run(&[stream]);
            assert!(steps(&trace).contains(&Step::Retry), "{stream:?}");
            let retries: Vec<_> =
                observed.iter().filter(|o| matches!(o, Observation::Retry(_))).cloned().collect();
            assert_eq!(retries, set.map(Observation::Retry).into_iter().collect::<Vec<_>>(), "{stream:?}");
        }
    }

    #[test]
    fn an_id_with_nul_is_traced_and_leaves_the_buffer_alone() {
        let (trace, _) = run(&[b"id: a\n", b"id: b\0c\n"]);
        assert_eq!(steps(&trace), [Step::FieldAndValue, Step::Id, Step::FieldAndValue, Step::Id]);
        let (_, _, last_event_id_buffer, _) = trace.last_buffers.clone().unwrap_or_default();
        assert_eq!(last_event_id_buffer, "a");
    }

    #[test]
    fn data_without_a_colon_appends_an_empty_value() {
        let (trace, _) = run(&[b"data\n"]);
        assert_eq!(steps(&trace)[..2], [Step::FieldOnly, Step::Data]);
        let (data_buffer, ..) = trace.last_buffers.clone().unwrap_or_default();
        // Then the end of the file discards it.
        assert_eq!(steps(&trace).last(), Some(&Step::EndOfFile));
        assert_eq!(data_buffer, "");
    }

    #[test]
    fn an_empty_line_without_data_returns_at_step_two() {
        let (trace, observed) = run(&[b"event: x\n\n"]);
        assert_eq!(
            steps(&trace),
            [Step::FieldAndValue, Step::Event, Step::EmptyLine, Step::DispatchStep1, Step::DispatchStep2]
        );
        assert!(observed.is_empty());
    }

    #[test]
    fn the_end_of_the_file_is_traced_only_when_something_is_discarded() {
        for (stream, discards) in [
            (&b"data: a\n\n"[..], false),
            (b"data: a\n", true),
            (b"event: a\n", true),
            (b"id: a\n", false),
            (b"data: a\n\npartial", true),
            (b": comment\n", false),
        ] {
            let (trace, _) = run(&[stream]);
            assert_eq!(steps(&trace).contains(&Step::EndOfFile), discards, "{stream:?}");
        }
    }

    #[test]
    fn a_borrowed_trace_sees_what_an_owned_one_sees() {
        let mut recorder = Recorder::default();
        let mut stream = EventStream::with_trace(&mut recorder);
        stream.feed_with(b"data: a\r\n\r\n", &mut |_| {});
        stream.finish();
        let (owned, _) = run(&[b"data: a\r\n\r\n"]);
        assert_eq!(recorder.seen, owned.seen);
        assert_eq!(recorder.last_buffers, owned.last_buffers);
    }

    #[test]
    fn the_data_buffer_loses_its_last_lf_at_step_three_and_is_emptied_at_step_seven() {
        let (trace, _) = run(&[b"data: a\ndata: b\n\n"]);
        let after: Vec<(Step, &str)> =
            trace.data_after.iter().map(|(step, data)| (*step, data.as_str())).collect();
        assert_eq!(
            after,
            [
                (Step::FieldAndValue, ""),
                (Step::Data, "a\n"),
                (Step::FieldAndValue, "a\n"),
                (Step::Data, "a\nb\n"),
                (Step::EmptyLine, "a\nb\n"),
                (Step::DispatchStep1, "a\nb\n"),
                (Step::DispatchStep3, "a\nb"),
                (Step::DispatchStep8, "a\nb"),
                (Step::DispatchStep7, ""),
            ]
        );
    }

    #[test]
    fn a_data_line_across_reads_becomes_the_data_buffer_without_its_field_name() {
        // Reads long enough to be decoded as they come, so the line is
        // gathered in the line buffer and taken whole as the data buffer.
        let first = format!("data: {}", "x".repeat(300));
        let second = format!("{}\n\n", "y".repeat(300));
        let value = format!("{}{}", "x".repeat(300), "y".repeat(300));
        let (trace, observed) = run(&[first.as_bytes(), second.as_bytes()]);
        assert!(trace.data_after.contains(&(Step::Data, format!("{value}\n"))));
        assert!(trace.data_after.contains(&(Step::DispatchStep3, value.clone())));
        assert_eq!(
            observed,
            [Observation::Event(crate::MessageEvent {
                r#type: "message".to_owned(),
                data: value,
                last_event_id: String::new(),
            })]
        );
    }

    #[test]
    fn an_owned_observation_borrows_back_as_what_it_was() {
        let (_, observed) = run(&[b": c\nretry: 5\nevent: e\nid: i\ndata: d\n\n"]);
        assert_eq!(observed.len(), 3);
        for observation in &observed {
            assert_eq!(&crate::ObservationRef::from(observation).to_owned(), observation);
        }
    }

    #[test]
    fn line_ends_are_named_as_the_standard_writes_them() {
        assert_eq!([LineEnd::Lf, LineEnd::Cr, LineEnd::CrLf].map(LineEnd::name), ["LF", "CR", "CRLF"]);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_traced_before_their_line() {
        let (trace, observed) = run(&[b"data: \xFF\n\n"]);
        assert_eq!(trace.seen[0], Seen::Step(Step::Utf8Decode));
        assert_eq!(trace.seen[1], line("data: \u{FFFD}", LineEnd::Lf));
        assert_eq!(observed.len(), 1);
    }

    /// The code of the steps, where their `//§` comments are.
    const SOURCES: &[&str] =
        &[include_str!("event_stream.rs"), include_str!("line_by_line.rs"), include_str!("utf8_decode.rs")];

    #[test]
    fn every_step_quotes_the_words_its_citation_gives() {
        for step in Step::ALL {
            let citation = format!("//\u{a7} {}: \"{}\"", step.key(), step.quote());
            assert!(
                SOURCES.iter().any(|source| source.contains(&citation)),
                "no `{citation}` in the code: the trace and the citation disagree"
            );
        }
    }
}
