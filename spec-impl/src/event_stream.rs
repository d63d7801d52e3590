//! One event stream (one response body): decode, split into lines, interpret.
//!
//! §9.2.6 "Interpreting an event stream", `#event-stream-interpretation`.

use crate::line_by_line::{Line, LineByLine};
use crate::trace::{Buffers, NoTrace, Step, Trace};
use crate::utf8_decode::Utf8Decode;

/// A dispatched `MessageEvent`, as the contract's `event` line reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageEvent {
    /// The event type after defaulting to `message`.
    pub r#type: String,
    /// The data, final LF removed.
    pub data: String,
    /// The `lastEventId` attribute: the last event ID string at dispatch.
    pub last_event_id: String,
}

/// What interpreting a stream reports, borrowed from the stream's buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservationRef<'a> {
    /// An event was dispatched.
    Event {
        /// The event type after defaulting to `message`.
        r#type: &'a str,
        /// The data, final LF removed.
        data: &'a str,
        /// The last event ID string at dispatch.
        last_event_id: &'a str,
    },
    /// A comment line; the text after the colon, leading space kept.
    Comment(&'a str),
    /// A `retry` field set the reconnection time to this many milliseconds.
    Retry(u64),
}

/// An owned [`ObservationRef`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Observation {
    /// An event was dispatched.
    Event(MessageEvent),
    /// A comment line; the text after the colon, leading space kept.
    Comment(String),
    /// A `retry` field set the reconnection time to this many milliseconds.
    Retry(u64),
}

impl ObservationRef<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> Observation {
        match *self {
            Self::Event { r#type, data, last_event_id } => Observation::Event(MessageEvent {
                r#type: r#type.to_owned(),
                data: data.to_owned(),
                last_event_id: last_event_id.to_owned(),
            }),
            Self::Comment(text) => Observation::Comment(text.to_owned()),
            Self::Retry(ms) => Observation::Retry(ms),
        }
    }
}

impl<'a> From<&'a Observation> for ObservationRef<'a> {
    /// A borrowed view of an owned observation ([`ObservationRef::to_owned`]'s
    /// inverse).
    fn from(observation: &'a Observation) -> Self {
        match observation {
            Observation::Event(event) => event.into(),
            Observation::Comment(text) => Self::Comment(text),
            Observation::Retry(ms) => Self::Retry(*ms),
        }
    }
}

impl<'a> From<&'a MessageEvent> for ObservationRef<'a> {
    fn from(event: &'a MessageEvent) -> Self {
        Self::Event { r#type: &event.r#type, data: &event.data, last_event_id: &event.last_event_id }
    }
}

/// An event stream being parsed: bytes in, [`Observation`]s out.
///
/// `T` receives the step trace ([`crate::trace`]); the default, [`NoTrace`],
/// costs nothing.
///
/// ```
/// let mut stream = spec_impl::EventStream::new();
/// let mut seen = Vec::new();
/// stream.feed_with(b"data: hello\r", &mut |o| seen.push(o.to_owned()));
/// stream.feed_with(b"\n\n", &mut |o| seen.push(o.to_owned()));
/// assert_eq!(seen.len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct EventStream<T: Trace = NoTrace> {
    /// Short reads not decoded yet (see `feed_with`).
    gathered: Vec<u8>,
    utf8_decode: Utf8Decode,
    line_by_line: LineByLine,
    interpretation: Interpretation,
    trace: T,
}

/// Reads shorter than this are gathered before they are decoded.
const GATHER_BELOW: usize = 256;

/// Gathered bytes are decoded once there are this many, line end or not.
const GATHER_AT_MOST: usize = 4096;

impl EventStream {
    /// A new stream whose event source's last event ID string is empty.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new stream for an event source whose last event ID string is
    /// `last_event_id_string` (the stream's own buffers still start empty).
    pub fn with_last_event_id_string(last_event_id_string: String) -> Self {
        let mut stream = Self::default();
        stream.interpretation.last_event_id_string = last_event_id_string;
        stream
    }
}

impl<T: Trace> EventStream<T> {
    /// A new stream that reports every step it takes to `trace`.
    pub fn with_trace(trace: T) -> Self {
        Self {
            gathered: Vec::new(),
            utf8_decode: Utf8Decode::default(),
            line_by_line: LineByLine::default(),
            interpretation: Interpretation::default(),
            trace,
        }
    }

    /// The trace.
    pub fn trace(&self) -> &T {
        &self.trace
    }

    /// The trace, the stream done with.
    pub fn into_trace(self) -> T {
        self.trace
    }

    /// Feeds bytes, calling `observe` for each observation in stream order.
    ///
    /// Short reads (a client reading a few bytes at a time) are gathered and
    /// decoded up to their last line end: decoding and splitting lines give
    /// the same text and lines however the bytes are cut, and bytes without
    /// a CR or LF complete no line, so nothing is observed later than it
    /// would be; what is saved is a validation call per read.
    pub fn feed_with(&mut self, bytes: &[u8], observe: &mut impl FnMut(ObservationRef<'_>)) {
        if bytes.len() >= GATHER_BELOW {
            self.flush_gathered(observe);
            self.decode(bytes, observe);
            return;
        }
        self.gathered.extend_from_slice(bytes);
        let end = match memchr::memrchr2(b'\n', b'\r', bytes) {
            Some(last) => self.gathered.len() - bytes.len() + last + 1,
            None if self.gathered.len() >= GATHER_AT_MOST => self.gathered.len(),
            None => return,
        };
        let gathered = std::mem::take(&mut self.gathered);
        self.decode(gathered.get(..end).unwrap_or_default(), observe);
        self.gathered = gathered;
        self.gathered.drain(..end);
    }

    fn flush_gathered(&mut self, observe: &mut impl FnMut(ObservationRef<'_>)) {
        if !self.gathered.is_empty() {
            let mut gathered = std::mem::take(&mut self.gathered);
            self.decode(&gathered, observe);
            gathered.clear();
            self.gathered = gathered;
        }
    }

    fn decode(&mut self, bytes: &[u8], observe: &mut impl FnMut(ObservationRef<'_>)) {
        let Self { utf8_decode, line_by_line, interpretation, trace, .. } = self;
        //§ #event-stream-interpretation "UTF-8 decode": "Streams must be decoded using the UTF-8 decode algorithm."
        utf8_decode.decode(bytes, trace, &mut |trace, text| {
            line_by_line
                .split(text, trace, &mut |trace, line| interpretation.process_line(line, trace, observe));
        });
    }

    /// Feeds bytes and returns the observations they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> impl Iterator<Item = Observation> + use<T> {
        let mut observations = Vec::new();
        self.feed_with(bytes, &mut |observation| observations.push(observation.to_owned()));
        observations.into_iter()
    }

    /// The end of the stream. Nothing is dispatched: "If the file ends in the
    /// middle of an event, before the final empty line, the incomplete event is
    /// not dispatched."
    pub fn finish(&mut self) {
        // Gathered bytes hold no line end: they can only join the pending line.
        self.flush_gathered(&mut |_| {});
        let Self { utf8_decode, line_by_line, interpretation, trace, .. } = self;
        utf8_decode.finish(trace, &mut |trace, text| line_by_line.split(text, trace, &mut |_, _| {}));
        let discarded = !line_by_line.pending().is_empty()
            || !interpretation.data().is_empty()
            || !interpretation.event_type_buffer.is_empty();
        line_by_line.finish();
        interpretation.discard_pending_data();
        if discarded {
            trace.step(Step::EndOfFile, Some(interpretation.buffers()));
        }
    }

    /// The event source's last event ID string, as the last dispatch set it.
    pub fn last_event_id_string(&self) -> &str {
        &self.interpretation.last_event_id_string
    }
}

/// The buffers of `#event-stream-interpretation` and the steps that use them.
#[derive(Debug, Default)]
struct Interpretation {
    //§ #event-stream-interpretation "initialized to the empty string": "a data buffer, an event type buffer, and a last event ID buffer must be associated with it. They must be initialized to the empty string."
    /// The data buffer is `data_buffer[data_start..]`: when a line that spans
    /// reads appends to an empty data buffer, the line's own `String` becomes
    /// the data buffer, its field name and colon left in front unread, so a
    /// long line is copied once, not twice.
    data_buffer: String,
    data_start: usize,
    event_type_buffer: String,
    last_event_id_buffer: String,
    //§ #concept-event-stream-last-event-id: "A last event ID string. This must initially be the empty string."
    last_event_id_string: String,
}

impl Interpretation {
    /// The data buffer. (`get`, not indexing: `data_start` never passes the
    /// end, and a lookup that cannot panic is one the optimiser may drop
    /// when only an unused trace asked for it.)
    fn data(&self) -> &str {
        self.data_buffer.get(self.data_start..).unwrap_or_default()
    }

    fn buffers(&self) -> Buffers<'_> {
        Buffers {
            data_buffer: self.data(),
            event_type_buffer: &self.event_type_buffer,
            last_event_id_buffer: &self.last_event_id_buffer,
            last_event_id_string: &self.last_event_id_string,
        }
    }

    /// "Lines must be processed, in the order they are received, as follows".
    fn process_line<T: Trace>(
        &mut self,
        mut line: Line<'_, '_>,
        trace: &mut T,
        observe: &mut impl FnMut(ObservationRef<'_>),
    ) {
        let text = line.as_str();
        //§ #event-stream-interpretation "If the line is empty": "Dispatch the event, as defined below."
        if text.is_empty() {
            trace.step(Step::EmptyLine, Some(self.buffers()));
            self.dispatch_the_event(trace, observe);
            return;
        }
        //§ #event-stream-interpretation "starts with a U+003A COLON": "Ignore the line."
        if let Some(comment) = text.strip_prefix(':') {
            trace.step(Step::Comment, Some(self.buffers()));
            observe(ObservationRef::Comment(comment));
            return;
        }
        // The field's end and the value's start, as byte offsets in the line.
        let bytes = text.as_bytes();
        // The first colon: where a line starts with a field name the standard
        // knows and a colon, that colon is the first (the names hold none), so
        // only other lines are searched.
        let first_colon = match bytes {
            [b'd', b'a', b't', b'a', b':', ..] => Some(4),
            [b'i', b'd', b':', ..] => Some(2),
            [b'e', b'v', b'e', b'n', b't', b':', ..] | [b'r', b'e', b't', b'r', b'y', b':', ..] => Some(5),
            _ => memchr::memchr(b':', bytes),
        };
        let (field_end, value_start) = match first_colon {
            //§ #event-stream-interpretation "contains a U+003A COLON": "Collect the characters on the line before the first U+003A COLON character (:), and let field be that string."
            Some(colon) => {
                trace.step(Step::FieldAndValue, Some(self.buffers()));
                // "If value starts with a U+0020 SPACE character, remove it from value."
                let space = usize::from(bytes.get(colon + 1) == Some(&b' '));
                (colon, colon + 1 + space)
            }
            //§ #event-stream-interpretation "does not contain a U+003A COLON": "using the whole line as the field name, and the empty string as the field value."
            None => {
                trace.step(Step::FieldOnly, Some(self.buffers()));
                (text.len(), text.len())
            }
        };
        // The data buffer is empty and the line is a buffer of its own: take
        // it rather than copy the value out of it (see `data_buffer`).
        if let Line::Buffer(buffer) = &mut line
            && &buffer[..field_end] == "data"
            && self.data().is_empty()
        {
            //§ #processField "data": "Append the field value to the data buffer, then append a single U+000A LINE FEED (LF) character to the data buffer."
            std::mem::swap(&mut self.data_buffer, buffer);
            self.data_start = value_start;
            self.data_buffer.push('\n');
            trace.step(Step::Data, Some(self.buffers()));
            return;
        }
        let text = line.as_str();
        self.process_the_field(&text[..field_end], &text[value_start..], trace, observe);
    }

    /// "The steps to process the field given a field name and a field value
    /// depend on the field name ... Field names must be compared literally,
    /// with no case folding performed."
    #[allow(clippy::collapsible_match, reason = "one arm per field name, as the standard lists them")]
    fn process_the_field<T: Trace>(
        &mut self,
        field: &str,
        value: &str,
        trace: &mut T,
        observe: &mut impl FnMut(ObservationRef<'_>),
    ) {
        let step = match field {
            //§ #processField "event": "Set the event type buffer to the field value."
            "event" => {
                self.event_type_buffer.clear();
                self.event_type_buffer.push_str(value);
                Step::Event
            }
            //§ #processField "data": "Append the field value to the data buffer, then append a single U+000A LINE FEED (LF) character to the data buffer."
            "data" => {
                self.data_buffer.reserve(value.len() + 1);
                self.data_buffer.push_str(value);
                self.data_buffer.push('\n');
                Step::Data
            }
            //§ #processField "id": "If the field value does not contain U+0000 NULL, then set the last event ID buffer to the field value. Otherwise, ignore the field."
            "id" => {
                if memchr::memchr(0, value.as_bytes()).is_none() {
                    self.last_event_id_buffer.clear();
                    self.last_event_id_buffer.push_str(value);
                }
                Step::Id
            }
            //§ #processField "retry": "If the field value consists of only ASCII digits, then interpret the field value as an integer in base ten, and set the event stream's reconnection time to that integer. Otherwise, ignore the field."
            "retry" => {
                let ms = reconnection_time(value);
                trace.step(Step::Retry, Some(self.buffers()));
                if let Some(ms) = ms {
                    observe(ObservationRef::Retry(ms));
                }
                return;
            }
            //§ #processField "Otherwise": "The field is ignored."
            _ => Step::OtherField,
        };
        trace.step(step, Some(self.buffers()));
    }

    /// "dispatch the event", the steps "for web browsers".
    fn dispatch_the_event<T: Trace>(&mut self, trace: &mut T, observe: &mut impl FnMut(ObservationRef<'_>)) {
        //§ #dispatchMessage step 1: "Set the last event ID string of the event source to the value of the last event ID buffer. The buffer does not get reset"
        self.last_event_id_string.clone_from(&self.last_event_id_buffer);
        trace.step(Step::DispatchStep1, Some(self.buffers()));
        //§ #dispatchMessage step 2: "If the data buffer is an empty string, set the data buffer and the event type buffer to the empty string and return."
        if self.data().is_empty() {
            self.clear_data_buffer();
            self.event_type_buffer.clear();
            trace.step(Step::DispatchStep2, Some(self.buffers()));
            return;
        }
        let data = self.data();
        //§ #dispatchMessage step 3: "If the data buffer's last character is a U+000A LINE FEED (LF) character, then remove the last character"
        let data = data.strip_suffix('\n').unwrap_or(data);
        trace.step(Step::DispatchStep3, Some(Buffers { data_buffer: data, ..self.buffers() }));
        //§ #dispatchMessage step 5: "Initialize event's type attribute to "message", its data attribute to data, ... its lastEventId attribute to the last event ID string"
        //§ #dispatchMessage step 6: "If the event type buffer has a value other than the empty string, change the type of the newly created event"
        let r#type = if self.event_type_buffer.is_empty() { "message" } else { &self.event_type_buffer };
        //§ #dispatchMessage step 8: "Queue a task which, if the readyState attribute is set to a value other than CLOSED, dispatches the newly created event" (EventSource::body checks readyState)
        trace.step(Step::DispatchStep8, Some(Buffers { data_buffer: data, ..self.buffers() }));
        observe(ObservationRef::Event { r#type, data, last_event_id: &self.last_event_id_string });
        //§ #dispatchMessage step 7: "Set the data buffer and the event type buffer to the empty string."
        self.clear_data_buffer();
        self.event_type_buffer.clear();
        trace.step(Step::DispatchStep7, Some(self.buffers()));
    }

    fn clear_data_buffer(&mut self) {
        self.data_buffer.clear();
        self.data_start = 0;
    }

    /// "Once the end of the file is reached, any pending data must be
    /// discarded."
    fn discard_pending_data(&mut self) {
        self.clear_data_buffer();
        self.event_type_buffer.clear();
    }
}
/// The `retry` field's value as a reconnection time, or `None` to ignore it.
fn reconnection_time(value: &str) -> Option<u64> {
    // "consists of only ASCII digits": vacuously true of "", which still holds
    // no integer to interpret (crate::EMPTY_RETRY_IS_IGNORED).
    if value.is_empty() && crate::EMPTY_RETRY_IS_IGNORED {
        return None;
    }
    if !value.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    // "interpret the field value as an integer in base ten"; beyond 64 bits it
    // saturates (crate::MAX_RECONNECTION_TIME_MS).
    Some(value.bytes().fold(0u64, |ms, digit| ms.saturating_mul(10).saturating_add(u64::from(digit - b'0'))))
}
