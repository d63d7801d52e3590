//! `ssecheck explain`: the trace names the step the standard takes for tricky
//! streams (assertions written by hand from the standard), and its text and
//! JSON forms are reviewed insta snapshots.

use std::process::Command;

use harness::explain::{Entry, case_stream, reads_split_at, to_json_lines, to_text, trace};
use spec_impl::Observation;
use spec_impl::trace::{LineEnd, Step};

/// The trace of `bytes` read in pieces cut at `points`.
fn explain(bytes: &[u8], points: &[usize]) -> Vec<Entry> {
    trace(bytes, &reads_split_at(bytes.len(), points))
}

fn steps(entries: &[Entry]) -> Vec<Step> {
    entries.iter().filter_map(|e| if let Entry::Step { step, .. } = e { Some(*step) } else { None }).collect()
}

fn lines(entries: &[Entry]) -> Vec<(String, LineEnd)> {
    entries
        .iter()
        .filter_map(|e| if let Entry::Line { text, end } = e { Some((text.clone(), *end)) } else { None })
        .collect()
}

fn observations(entries: &[Entry]) -> Vec<Observation> {
    entries
        .iter()
        .filter_map(|e| if let Entry::Observation(o) = e { Some(o.clone()) } else { None })
        .collect()
}

/// The buffers after the last step `step`.
fn buffers_after(entries: &[Entry], step: Step) -> harness::explain::OwnedBuffers {
    entries
        .iter()
        .rev()
        .find_map(|e| match e {
            Entry::Step { step: s, buffers: Some(b) } if *s == step => Some(b.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {step:?} with buffers in {entries:#?}"))
}

#[test]
fn cr_at_the_end_of_a_read_and_lf_at_the_start_of_the_next_are_one_line_end() {
    let entries = explain(b"data: a\r\ndata: b\n", &[8]);
    assert_eq!(lines(&entries), [("data: a".to_owned(), LineEnd::Cr), ("data: b".to_owned(), LineEnd::Lf)]);
    let read_2 = entries
        .iter()
        .position(|e| matches!(e, Entry::Read { range, .. } if range.start == 8))
        .expect("a second read");
    assert_eq!(
        entries.get(read_2 + 1).and_then(|e| if let Entry::Step { step, .. } = e {
            Some(*step)
        } else {
            None
        }),
        Some(Step::LfAfterCr),
        "the LF that completes the CR comes first in the second read"
    );
    assert_eq!(steps(&entries).iter().filter(|s| **s == Step::LfAfterCr).count(), 1);
    assert!(!steps(&entries).contains(&Step::EmptyLine), "no extra empty line");
    assert!(observations(&entries).is_empty(), "nothing dispatched");
    assert_eq!(buffers_after(&entries, Step::Data).data_buffer, "a\nb\n");
}

#[test]
fn one_leading_bom_is_stripped_a_second_is_part_of_the_field_name() {
    let entries = explain(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n", &[]);
    assert_eq!(steps(&entries).iter().filter(|s| **s == Step::Bom).count(), 1);
    assert_eq!(steps(&entries)[0], Step::Bom);
    assert_eq!(lines(&entries)[0].0, "\u{FEFF}data: x");
    assert!(steps(&entries).contains(&Step::OtherField));
    assert!(!steps(&entries).contains(&Step::Data));
    assert_eq!(steps(&entries).last(), Some(&Step::DispatchStep2), "nothing to dispatch");
    assert!(observations(&entries).is_empty());
}

#[test]
fn retry_sets_the_time_only_for_ascii_digits() {
    let entries = explain(b"retry: 10\n", &[]);
    assert_eq!(steps(&entries), [Step::FieldAndValue, Step::Retry]);
    assert_eq!(observations(&entries), [Observation::Retry(10)]);
    for (stream, first) in [
        (&b"retry: 1a\n"[..], Step::FieldAndValue),
        (b"retry:\n", Step::FieldAndValue),
        (b"retry\n", Step::FieldOnly),
    ] {
        let entries = explain(stream, &[]);
        let shown = String::from_utf8_lossy(stream);
        assert_eq!(steps(&entries), [first, Step::Retry], "{shown}");
        assert!(observations(&entries).is_empty(), "{shown}: ignored, no retry observation");
    }
}

#[test]
fn an_id_with_nul_is_ignored() {
    let entries = explain(b"id: 1\nid: a\0b\n", &[]);
    let ids: Vec<String> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Step { step: Step::Id, buffers: Some(b) } => Some(b.last_event_id_buffer.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["1", "1"], "the second Id step leaves the last event ID buffer as it was");
}

#[test]
fn data_without_colon_is_a_field_name_with_an_empty_value() {
    let entries = explain(b"data\n", &[]);
    assert_eq!(steps(&entries), [Step::FieldOnly, Step::Data, Step::EndOfFile]);
    assert_eq!(buffers_after(&entries, Step::Data).data_buffer, "\n");
}

#[test]
fn an_empty_line_with_no_data_dispatches_nothing() {
    let entries = explain(b"event: x\n\n", &[]);
    assert_eq!(
        steps(&entries),
        [Step::FieldAndValue, Step::Event, Step::EmptyLine, Step::DispatchStep1, Step::DispatchStep2]
    );
    assert_eq!(buffers_after(&entries, Step::DispatchStep2).event_type_buffer, "");
    assert!(observations(&entries).is_empty());
}

#[test]
fn the_end_of_the_file_discards_the_pending_event() {
    let entries = explain(b"data: a\n\ndata: b\ndata: c", &[]);
    assert_eq!(observations(&entries).len(), 1);
    assert_eq!(steps(&entries).last(), Some(&Step::EndOfFile));
    let end = entries.iter().position(|e| *e == Entry::End).expect("an end");
    assert_eq!(
        entries[end + 1..]
            .iter()
            .map(|e| matches!(e, Entry::Step { step: Step::EndOfFile, .. }))
            .collect::<Vec<_>>(),
        [true]
    );
    assert_eq!(buffers_after(&entries, Step::EndOfFile).data_buffer, "");
    // A stream that ends after a complete event has nothing to discard.
    assert!(!steps(&explain(b"data: a\n\n", &[])).contains(&Step::EndOfFile));
}

#[test]
fn a_split_case_is_read_in_its_hostile_writes() {
    let whole = case_stream("parse.line-endings.crlf.whole").expect("fixtures load").expect("a case");
    assert_eq!(whole.reads, vec![std::ops::Range { start: 0, end: whole.bytes.len() }]);
    let split = case_stream("parse.line-endings.crlf.split").expect("fixtures load").expect("a case");
    assert_eq!(split.bytes, whole.bytes);
    let writes = harness::client_mode::cases::hostile_writes(&whole.bytes);
    assert_eq!(split.reads.len(), writes.len());
    assert!(split.reads.len() > 1);
    assert_eq!(
        case_stream("parse.line-endings.crlf").expect("fixtures load").expect("a case").bytes,
        whole.bytes
    );
    assert!(case_stream("parse.no.such-case").expect("fixtures load").is_none());
    assert!(case_stream("connection.status.204").expect("fixtures load").is_none());
}

/// The fixtures whose text and JSON forms are pinned, and the reads.
const SNAPSHOTS: &[(&str, &str, &[usize])] = &[
    ("spec_example", "parse.spec-examples.space-after-colon", &[]),
    ("crlf_split_between_cr_and_lf", "parse.line-endings.crlf", &[8]),
    ("leading_bom", "parse.bom.leading-bom-then-event", &[]),
    ("invalid_utf8", "parse.utf8-decode.byte-fe", &[]),
];

#[test]
fn text_and_json_forms() {
    for (name, id, points) in SNAPSHOTS {
        let stream = case_stream(id).expect("fixtures load").expect("a case");
        let entries = trace(&stream.bytes, &reads_split_at(stream.bytes.len(), points));
        insta::assert_snapshot!(format!("explain_{name}_text"), to_text(&entries));
        insta::assert_snapshot!(format!("explain_{name}_json"), to_json_lines(&entries));
    }
}

#[test]
fn the_command_prints_the_trace_and_refuses_bad_input() {
    let ssecheck = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ssecheck")).args(args).output().expect("ssecheck runs")
    };
    let output = ssecheck(&["explain", "parse.line-endings.crlf", "--split-at", "8"]);
    assert_eq!(output.status.code(), Some(0));
    let stream = case_stream("parse.line-endings.crlf").expect("fixtures load").expect("a case");
    assert_eq!(String::from_utf8_lossy(&output.stdout), to_text(&explain(&stream.bytes, &[8])));
    let json = ssecheck(&["explain", "parse.line-endings.crlf", "--chunk", "8", "--format", "json"]);
    assert_eq!(String::from_utf8_lossy(&json.stdout), to_json_lines(&explain(&stream.bytes, &[8])));
    for (args, why) in [
        (&["explain", "parse.no.such-case"][..], "an unknown case id"),
        (&["explain", "/no/such/file.sse"], "a missing file"),
        (&["explain", "parse.line-endings.crlf", "--format", "yaml"], "a bad format"),
    ] {
        let output = ssecheck(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{why}: {stderr}");
        assert!(stderr.starts_with("error: "), "{why}: {stderr}");
        if why != "a bad format" {
            assert_eq!(stderr.lines().count(), 1, "{why}: {stderr}");
        }
    }
}
