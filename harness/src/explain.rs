//! `ssecheck explain`: spec-impl's step trace of one stream, as data
//! ([`Entry`]) and as text or JSON Lines. The reports use it to show, beside a
//! failing parse case, what the standard does with the bytes it served.
//!
//! Nothing here prints; `cli::explain` does.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::OnceLock;

use spec_impl::trace::{Buffers, LineEnd, Step, Trace};
use spec_impl::{EventStream, Observation, event_line};

/// The four buffers after a step, owned; `Default` is the stream's start
/// (all four empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedBuffers {
    /// The data buffer.
    pub data_buffer: String,
    /// The event type buffer.
    pub event_type_buffer: String,
    /// The last event ID buffer.
    pub last_event_id_buffer: String,
    /// The event source's last event ID string.
    pub last_event_id_string: String,
}

impl From<Buffers<'_>> for OwnedBuffers {
    fn from(buffers: Buffers<'_>) -> Self {
        Self {
            data_buffer: buffers.data_buffer.to_owned(),
            event_type_buffer: buffers.event_type_buffer.to_owned(),
            last_event_id_buffer: buffers.last_event_id_buffer.to_owned(),
            last_event_id_string: buffers.last_event_id_string.to_owned(),
        }
    }
}

/// One entry of the trace, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A read: these bytes of the stream were fed at once.
    Read {
        /// Where in the stream.
        range: Range<usize>,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A complete line, as decoded, and what ended it; its steps follow.
    Line {
        /// The line, without its line end.
        text: String,
        /// What ended it.
        end: LineEnd,
    },
    /// A step taken, with the buffers after it (`None` for the decoder's and
    /// the line splitter's steps).
    Step {
        /// The step.
        step: Step,
        /// The buffers after it.
        buffers: Option<OwnedBuffers>,
    },
    /// What the step before reported: a dispatched event, a comment or a
    /// reconnection time.
    Observation(Observation),
    /// The end of the stream; an `EndOfFile` step follows if anything was
    /// pending.
    End,
}

/// The trace's receiver and the observation callback share the log.
struct Recorder<'a>(&'a RefCell<Vec<Entry>>);

impl Trace for Recorder<'_> {
    fn line(&mut self, line: &str, end: LineEnd) {
        self.0.borrow_mut().push(Entry::Line { text: line.to_owned(), end });
    }

    fn step(&mut self, step: Step, buffers: Option<Buffers<'_>>) {
        self.0.borrow_mut().push(Entry::Step { step, buffers: buffers.map(OwnedBuffers::from) });
    }
}

/// The trace of `bytes` fed as `reads` (consecutive ranges covering them),
/// then finished.
pub fn trace(bytes: &[u8], reads: &[Range<usize>]) -> Vec<Entry> {
    let log = RefCell::new(Vec::new());
    let mut stream = EventStream::with_trace(Recorder(&log));
    for range in reads {
        let Some(read) = bytes.get(range.clone()) else { continue };
        log.borrow_mut().push(Entry::Read { range: range.clone(), bytes: read.to_vec() });
        stream.feed_with(read, &mut |observation| {
            log.borrow_mut().push(Entry::Observation(observation.to_owned()));
        });
    }
    log.borrow_mut().push(Entry::End);
    stream.finish();
    drop(stream);
    log.into_inner()
}

/// Reads of `len` bytes cut at `points` (out-of-range and repeated points
/// ignored); one read for an empty stream.
pub fn reads_split_at(len: usize, points: &[usize]) -> Vec<Range<usize>> {
    let mut points: Vec<usize> = points.iter().copied().filter(|&p| p > 0 && p < len).collect();
    points.sort_unstable();
    points.dedup();
    let mut reads = Vec::new();
    let mut start = 0;
    for point in points {
        reads.push(start..point);
        start = point;
    }
    reads.push(start..len);
    reads
}

/// Reads of `len` bytes, `chunk` at a time.
pub fn reads_of_chunk(len: usize, chunk: usize) -> Vec<Range<usize>> {
    let points: Vec<usize> = (1..len).filter(|p| p % chunk.max(1) == 0).collect();
    reads_split_at(len, &points)
}

/// A stream a case id names: its bytes and the reads they arrive in.
#[derive(Debug, Clone)]
pub struct CaseStream {
    /// The stream's bytes.
    pub bytes: Vec<u8>,
    /// The reads: the client-mode case's writes, else one read.
    pub reads: Vec<Range<usize>>,
}

/// The parse fixtures, loaded once (the reports look one up per failing
/// case).
fn parse_fixtures() -> Result<&'static [fixtures::ParseCase], String> {
    static CASES: OnceLock<Result<Vec<fixtures::ParseCase>, String>> = OnceLock::new();
    CASES
        .get_or_init(|| fixtures::parse_cases().map_err(|error| error.to_string()))
        .as_deref()
        .map_err(Clone::clone)
}

/// The stream of a parse fixture (`parse.<group>.<name>`) or of a client-mode
/// case that serves one (`….whole`: one read; `….split`: the hostile writes);
/// `None` for any other id.
///
/// # Errors
/// The fixtures do not load.
pub fn case_stream(id: &str) -> Result<Option<CaseStream>, String> {
    if !id.starts_with("parse.") {
        return Ok(None);
    }
    let (fixture_id, split) = match id.rsplit_once('.') {
        Some((fixture, "whole")) => (fixture, false),
        Some((fixture, "split")) => (fixture, true),
        _ => (id, false),
    };
    let Some(fixture) = parse_fixtures()?.iter().find(|case| case.id == fixture_id) else {
        return Ok(None);
    };
    let bytes = fixture.bytes.clone();
    let reads = if split {
        let mut start = 0;
        crate::client_mode::cases::hostile_writes(&bytes)
            .iter()
            .map(|write| {
                let range = start..start + write.len();
                start = range.end;
                range
            })
            .collect()
    } else {
        reads_split_at(bytes.len(), &[])
    };
    Ok(Some(CaseStream { bytes, reads }))
}

/// The expected side of a failing parse case for the reports: the compact
/// trace ([`to_compact_text`]) of the stream it served, at most `max_lines`
/// lines and `max_bytes` bytes; `None` when the id names no parse fixture.
pub fn report_trace(id: &str, max_lines: usize, max_bytes: usize) -> Option<String> {
    let stream = case_stream(id).ok()??;
    let entries = trace(&stream.bytes, &stream.reads);
    Some(bounded(&to_compact_text(&entries, stream.reads.len()), max_lines, max_bytes, id))
}

/// The compact text form the reports show (a report holds hundreds of
/// failures): one line per line of the stream, its steps by name, the
/// buffers it changed, and what it dispatched; the keys and the standard's
/// words are in `ssecheck explain`.
pub fn to_compact_text(entries: &[Entry], reads: usize) -> String {
    const LIMIT: usize = 60;
    let mut text = String::new();
    let _ =
        writeln!(text, "{reads} read(s); per line: its steps, the buffers it changed, what it dispatched");
    let mut head: Option<String> = None;
    let mut steps: Vec<String> = Vec::new();
    let (mut before, mut after) = (OwnedBuffers::default(), OwnedBuffers::default());
    let flush = |text: &mut String,
                 head: &mut Option<String>,
                 steps: &mut Vec<String>,
                 before: &mut OwnedBuffers,
                 after: &OwnedBuffers| {
        if head.is_none() && steps.is_empty() {
            return;
        }
        let mut changed = Vec::new();
        for (name, old, new) in [
            ("data", &before.data_buffer, &after.data_buffer),
            ("type", &before.event_type_buffer, &after.event_type_buffer),
            ("id buffer", &before.last_event_id_buffer, &after.last_event_id_buffer),
            ("last event ID", &before.last_event_id_string, &after.last_event_id_string),
        ] {
            if old != new {
                changed.push(format!("{name} {}", escape(new, LIMIT)));
            }
        }
        let changed = if changed.is_empty() { String::new() } else { format!("; {}", changed.join(", ")) };
        let head = head.take().unwrap_or_default();
        if steps.is_empty() {
            let _ = writeln!(text, "{head}");
        } else {
            let _ = writeln!(text, "{head}: {}{changed}", steps.join(", "));
        }
        steps.clear();
        before.clone_from(after);
    };
    for entry in entries {
        match entry {
            Entry::Read { .. } => {}
            Entry::Line { text: line, end } => {
                if head.is_some() {
                    flush(&mut text, &mut head, &mut steps, &mut before, &after);
                }
                head = Some(format!("{} {}", escape(line, LIMIT), end.name()));
            }
            Entry::Step { step, buffers } => {
                steps.push(format!("{step:?}"));
                if let Some(buffers) = buffers {
                    after.clone_from(buffers);
                }
            }
            Entry::Observation(observation) => steps.push(format!("=> {}", observation_line(observation))),
            Entry::End => {
                flush(&mut text, &mut head, &mut steps, &mut before, &after);
                head = Some("end of stream".to_owned());
            }
        }
    }
    flush(&mut text, &mut head, &mut steps, &mut before, &after);
    text
}

/// How much of a string the text form shows.
const TEXT_LIMIT: usize = 160;

/// The text form: one line per read and per line of the stream, its steps
/// indented under it, each with its key and the standard's words, the
/// buffers after it, and what it dispatched or reported.
pub fn to_text(entries: &[Entry]) -> String {
    let mut text = String::new();
    let mut shown: Option<&OwnedBuffers> = None;
    for entry in entries {
        write_text_entry(&mut text, entry, &mut shown);
    }
    text
}

/// `whole` cut after `max_lines` lines or `max_bytes` bytes, with a note of how many lines were left out and the command that
/// shows them all.
fn bounded(whole: &str, max_lines: usize, max_bytes: usize, id: &str) -> String {
    let lines: Vec<&str> = whole.lines().collect();
    let mut shown = String::new();
    let mut count = 0;
    for line in &lines {
        if count == max_lines || shown.len() + line.len() + 1 > max_bytes {
            break;
        }
        shown.push_str(line);
        shown.push('\n');
        count += 1;
    }
    if count < lines.len() {
        let _ = writeln!(shown, "({} more lines; run `ssecheck explain {id}`)", lines.len() - count);
    }
    shown
}

/// `shown`: the buffers last written; a step's buffers are written only when
/// they differ, so a line of buffers marks a change.
fn write_text_entry<'a>(text: &mut String, entry: &'a Entry, shown: &mut Option<&'a OwnedBuffers>) {
    match entry {
        Entry::Read { range, bytes } => {
            let _ = writeln!(
                text,
                "read {}..{} ({} bytes): {}",
                range.start,
                range.end,
                bytes.len(),
                escape_bytes(bytes, TEXT_LIMIT)
            );
        }
        Entry::Line { text: line, end } => {
            let _ = writeln!(text, "  line {} {}", escape(line, TEXT_LIMIT), end.name());
        }
        Entry::Step { step, buffers } => {
            let _ = writeln!(text, "    {step:?} {}: \"{}\"", step.key(), step.quote());
            if let Some(b) =
                buffers.as_ref().filter(|b| shown.map_or(**b != OwnedBuffers::default(), |s| *b != s))
            {
                *shown = Some(b);
                let _ = writeln!(
                    text,
                    "      data {} · type {} · id buffer {} · last event ID {}",
                    escape(&b.data_buffer, TEXT_LIMIT),
                    escape(&b.event_type_buffer, TEXT_LIMIT),
                    escape(&b.last_event_id_buffer, TEXT_LIMIT),
                    escape(&b.last_event_id_string, TEXT_LIMIT)
                );
            }
        }
        Entry::Observation(observation) => {
            let verb = match observation {
                Observation::Event(_) => "dispatch",
                Observation::Comment(_) => "comment",
                Observation::Retry(_) => "retry",
            };
            let _ = writeln!(text, "    => {verb} {}", observation_line(observation));
        }
        Entry::End => text.push_str("end of stream\n"),
    }
}

/// The contract's event line of an observation.
fn observation_line(observation: &Observation) -> String {
    let mut line = String::new();
    event_line::write_observation(&mut line, &observation.into());
    line
}

/// The JSON Lines form: one object per entry (schema in `ssecheck explain
/// --help` and the README):
///
/// - `{"kind":"read","start":0,"end":12,"bytes":"data: a\r"}` (`bytes` as
///   text, `{"hex":"…"}` when not UTF-8)
/// - `{"kind":"line","text":"data: a","end":"CR"}` (`LF`, `CR`, `CRLF`)
/// - `{"kind":"step","step":"Data","key":"#processField \"data\"","quote":"…","buffers":{"data":"a\n","event_type":"","last_event_id":"","last_event_id_string":""}}`
///   (`buffers` null for `Utf8Decode`, `Bom`, `LfAfterCr`)
/// - the contract's event lines for what a step reported:
///   `{"kind":"event",…}`, `{"kind":"comment",…}`, `{"kind":"retry",…}`
/// - `{"kind":"end"}` (the stream ended; an `EndOfFile` step may follow)
pub fn to_json_lines(entries: &[Entry]) -> String {
    let mut out = String::new();
    for entry in entries {
        match entry {
            Entry::Read { range, bytes } => {
                let _ =
                    write!(out, r#"{{"kind":"read","start":{},"end":{},"bytes":"#, range.start, range.end);
                match std::str::from_utf8(bytes) {
                    Ok(text) => event_line::write_json_string(&mut out, text),
                    Err(_) => {
                        let _ = write!(out, r#"{{"hex":"{}"}}"#, hex(bytes));
                    }
                }
                out.push('}');
            }
            Entry::Line { text, end } => {
                out.push_str(r#"{"kind":"line","text":"#);
                event_line::write_json_string(&mut out, text);
                let _ = write!(out, r#","end":"{}"}}"#, end.name());
            }
            Entry::Step { step, buffers } => {
                let _ = write!(out, r#"{{"kind":"step","step":"{step:?}","key":"#);
                event_line::write_json_string(&mut out, step.key());
                out.push_str(r#","quote":"#);
                event_line::write_json_string(&mut out, step.quote());
                out.push_str(r#","buffers":"#);
                match buffers {
                    None => out.push_str("null"),
                    Some(b) => {
                        for (name, value) in [
                            (r#"{"data":"#, &b.data_buffer),
                            (r#","event_type":"#, &b.event_type_buffer),
                            (r#","last_event_id":"#, &b.last_event_id_buffer),
                            (r#","last_event_id_string":"#, &b.last_event_id_string),
                        ] {
                            out.push_str(name);
                            event_line::write_json_string(&mut out, value);
                        }
                        out.push('}');
                    }
                }
                out.push('}');
            }
            Entry::Observation(observation) => out.push_str(&observation_line(observation)),
            Entry::End => out.push_str(r#"{"kind":"end"}"#),
        }
        out.push('\n');
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// `text` quoted, every character that could hide escaped: `\r`, `\n`, `\t`,
/// `\0`, other controls, U+FFFD, the BOM and other invisible format
/// characters as `\u{…}`; cut after `limit` characters with how many bytes
/// were left out.
pub fn escape(text: &str, limit: usize) -> String {
    escape_bytes(text.as_bytes(), limit)
}

fn escape_char(out: &mut String, c: char) {
    match c {
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{FFFD}' | '\u{FEFF}' | '\u{200B}'..='\u{200F}' | '\u{2028}' | '\u{2029}' => {
            let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
        }
        c if c.is_control() => {
            let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// Bytes quoted as [`escape`] does, bytes that are not UTF-8 as `\xNN`.
pub fn escape_bytes(bytes: &[u8], limit: usize) -> String {
    let mut out = String::from("\"");
    let mut shown = 0;
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if shown == limit {
                let _ = write!(out, "\"… ({} more bytes)", bytes.len() - at);
                return out;
            }
            escape_char(&mut out, c);
            shown += 1;
            at += c.len_utf8();
        }
        for byte in chunk.invalid() {
            if shown == limit {
                let _ = write!(out, "\"… ({} more bytes)", bytes.len() - at);
                return out;
            }
            let _ = write!(out, "\\x{byte:02X}");
            shown += 1;
            at += 1;
        }
    }
    out.push('"');
    out
}
