//! `cargo xtask parse` against ../shared/contracts.md section 2, byte for byte:
//! the binary is run as a user runs it, over every parse fixture.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn xtask(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the xtask binary runs");
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes).expect("stdin accepts the bytes");
    }
    child.wait_with_output().expect("the xtask binary finishes")
}

/// The contract's line for an expected event line: compact JSON, keys in the
/// contract's order, strings as serde_json writes them.
fn contract_line(expected: &Value) -> String {
    let field = |name: &str| serde_json::to_string(&expected[name]).expect("a JSON value");
    match expected["kind"].as_str() {
        Some("event") => format!(
            r#"{{"kind":"event","type":{},"data":{},"lastEventId":{}}}"#,
            field("type"),
            field("data"),
            field("lastEventId")
        ),
        Some("comment") => format!(r#"{{"kind":"comment","text":{}}}"#, field("text")),
        Some("retry") => format!(r#"{{"kind":"retry","ms":{}}}"#, field("ms")),
        other => panic!("a parse fixture expects kind {other:?}"),
    }
}

#[test]
fn prints_the_contract_lines_for_every_fixture_at_any_chunk_size() {
    let cases = fixtures::parse_cases().expect("parse fixtures load");
    assert!(!cases.is_empty());
    for case in cases {
        let expected: String = case.meta.expected.iter().map(|e| contract_line(e) + "\n").collect();
        let path = case.path.to_str().expect("a UTF-8 path");
        for args in
            [vec!["parse", path], vec!["parse", path, "--chunk", "1"], vec!["parse", path, "--chunk", "7"]]
        {
            if args.len() > 2 && case.bytes.len() > 64 * 1024 {
                continue; // one flush per line at 1 byte a time: whole is enough here
            }
            let output = xtask(&args, None);
            assert_eq!(output.status.code(), Some(0), "{args:?}");
            assert!(output.stdout == expected.as_bytes(), "{}: {args:?} printed other lines", case.id);
        }
    }
}

#[test]
fn reads_standard_input_for_a_dash() {
    let output =
        xtask(&["parse", "-", "--chunk", "3"], Some(b"\xEF\xBB\xBFdata: a\r\n: c\r\nretry: 5\r\n\r\n"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "{\"kind\":\"comment\",\"text\":\" c\"}\n{\"kind\":\"retry\",\"ms\":5}\n{\"kind\":\"event\",\"type\":\"message\",\"data\":\"a\",\"lastEventId\":\"\"}\n"
    );
}

#[test]
fn a_missing_file_is_one_error_line_and_exit_2() {
    let output = xtask(&["parse", "no/such/file.sse"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot read no/such/file.sse: "), "{stderr}");
}

#[test]
fn a_zero_chunk_size_is_refused_with_exit_2() {
    let output = xtask(&["parse", "-", "--chunk", "0"], Some(b""));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--chunk"));
}

#[test]
fn help_text() {
    let output = xtask(&["parse", "--help"], None);
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}
