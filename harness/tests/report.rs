//! The report renderers over a small fixed report: JSON against the committed
//! schema (reports/report.schema.json), Markdown and HTML as reviewed insta
//! snapshots, JUnit's counts, and the exit status; and over a large one: a
//! report folder grows with its findings, not with the streams, and still
//! shows each long value's first difference in all four files.

use harness::report::{CaseReport, Report, Status};
use serde_json::{Value, json};

fn schema() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../reports/report.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the schema is committed"))
            .expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn case(id: &str, status: Status, message: &str) -> CaseReport {
    CaseReport {
        id: id.to_owned(),
        title: format!("The case {id} <with> \"markup\" & more"),
        spec: vec!["#processField \"retry\"".to_owned(), "fetch#http-redirect-fetch".to_owned()],
        status,
        expected: json!({
            "served": [{"status": 200, "headers": [["Content-Type", "text/event-stream"]],
                        "body": "data: a\r\n\r\n", "writes": 2, "pause_ms": 8, "end": "hold"}],
            "lines": [{"kind": "open"}, {"kind": "event", "type": "message", "data": "a", "lastEventId": ""}],
        }),
        observed: json!({"lines": [{"kind": "open"}], "body": {"hex": "efbbbf64ff0a"}}),
        message: message.to_owned(),
        baseline: None,
    }
}

fn fixed_report() -> Report {
    let mut report = Report::new(
        "adapter --flag",
        "client",
        "2026-11-23T08:00:00Z".to_owned(),
        1234,
        vec![
            case("parse.a.pass", Status::Pass, "as the standard says"),
            // A real fixture's client case, so the report shows spec-impl's trace.
            case("parse.line-endings.crlf.whole", Status::Fail, "event line 2 differs"),
            case("connection.c.warn", Status::Warn, "no Cache-Control"),
            case("connection.d.info", Status::Info, "behaves as the standard reads"),
            case("connection.e.skip", Status::Skip, "needs reconnect (--no-reconnect)"),
        ],
    );
    // The version changes with releases; the snapshots should not.
    report.tool = "ssecheck 0.0.0".to_owned();
    report
}

#[test]
fn report_json_follows_the_committed_schema() {
    let report = fixed_report();
    let value = serde_json::to_value(&report).expect("serializes");
    let schema = schema();
    let errors: Vec<String> = schema.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema can fail: a report that breaks the contract is refused.
    for (pointer, bad) in [
        ("/cases/0/status", json!("passed")),
        ("/summary/fail", json!(-1)),
        ("/mode", json!("browser")),
        ("/started", json!("yesterday")),
    ] {
        let mut broken = value.clone();
        *broken.pointer_mut(pointer).expect("the field exists") = bad;
        assert!(!schema.is_valid(&broken), "{pointer} accepted");
    }
    let mut missing = value;
    missing.as_object_mut().expect("an object").remove("summary");
    assert!(!schema.is_valid(&missing), "a report without summary accepted");
}

#[test]
fn all_four_files_are_written_from_the_same_data() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let report = fixed_report();
    report.write_to(dir.path()).expect("written");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect(name);
    let back: Report = serde_json::from_str(&read("report.json")).expect("report.json reads back");
    assert_eq!(back, report.compacted(), "report.json holds the compacted report");
    assert_eq!(read("report.md"), report.to_markdown());
    assert_eq!(read("report.html"), report.to_html());
    assert_eq!(read("junit.xml"), report.to_junit());
}

#[test]
fn the_exit_status_counts_failures_only() {
    let mut report = fixed_report();
    assert_eq!(report.exit_code(), 1);
    report.cases.retain(|c| c.status != Status::Fail);
    let report = Report::new("t", "client", report.started.clone(), 0, report.cases);
    assert_eq!(report.exit_code(), 0, "warn, info and skip do not fail a check");
}

#[test]
fn markdown_lists_failures_first_with_a_reproduction() {
    let md = fixed_report().to_markdown();
    let at = |needle: &str| md.find(needle).unwrap_or_else(|| panic!("{needle:?} missing"));
    assert!(at("## Failures") < at("## Warnings") && at("## Warnings") < at("## Information"));
    assert!(md.contains("To reproduce, serve:"));
    assert!(md.contains(r#""data: a\r\n\r\n""#), "the served bytes, every one visible");
    assert!(
        md.contains("\n[1]: https://html.spec.whatwg.org/multipage/server-sent-events.html#processField\n")
    );
    let trace = at(
        "What the standard does with these bytes (spec-impl's trace, `ssecheck explain parse.line-endings.crlf.whole`):\n\n```text\n1 read(s); per line: its steps, the buffers it changed, what it dispatched\n\"data: a\" CRLF: FieldAndValue, Data; data \"a\\n\"\n",
    );
    assert!(
        at("To reproduce, serve:") < trace && trace < at("## Warnings"),
        "beside the failure it explains"
    );
    assert_eq!(md.matches("What the standard does").count(), 1, "only the failing parse case has a trace");
    insta::assert_snapshot!("report_md", md);
}

#[test]
fn a_long_trace_is_cut_with_the_command_that_shows_it_whole() {
    let id = "parse.large.ten-thousand-events.whole";
    let report =
        Report::new("t", "client", "2026-11-23T08:00:00Z".to_owned(), 0, vec![case(id, Status::Fail, "x")]);
    let md = report.to_markdown();
    let start = md.find("```text\n1 read(s)").expect("a trace");
    let block = &md[start..start + md[start..].find("\n```\n").expect("the block ends")];
    assert!(block.lines().count() <= 14, "at most 12 lines of trace and the note: {block}");
    let note = block.lines().last().unwrap_or_default();
    assert!(
        note.starts_with('(') && note.ends_with(&format!("more lines; run `ssecheck explain {id}`)")),
        "{note}"
    );
    let html = report.to_html();
    assert!(html.contains(&format!("{note}</pre></details>")), "the same cut in HTML");
    assert!(html.contains("<details class=\"trace\">"));
}

#[test]
fn html_is_one_self_contained_page() {
    let html = fixed_report().to_html();
    for external in ["<link", "src=\"http", "src='http", "@import", "url("] {
        assert!(!html.contains(external), "an external asset: {external}");
    }
    assert!(html.contains("&lt;with&gt; \"markup\" &amp; more"), "titles are escaped");
    assert!(html.find("parse.line-endings.crlf.whole") < html.find("parse.a.pass"), "failures come first");
    assert!(html.contains("ef bb bf 64 ff 0a"), "a hex view of the observed bytes");
    assert!(html.contains("64 61 74 61 3a 20 61 0d 0a 0d 0a"), "a hex view of the bytes served");
    assert!(html.contains("<details class=\"case fail\" open>"));
    assert!(html.contains("<details class=\"trace\"><summary>What the standard does with these bytes"));
    assert!(
        html.contains(
            "DispatchStep8, =&gt; {\"kind\":\"event\",\"type\":\"message\",\"data\":\"a\",\"lastEventId\":\"\"}"
        ),
        "the trace, escaped"
    );
    assert!(html.contains("<ul class=\"rows pass\">\n<li>parse.a.pass\n"), "a passing case is one short row");
    insta::assert_snapshot!("report_html", html);
}

#[test]
fn junit_has_one_testcase_per_case() {
    let xml = fixed_report().to_junit();
    assert_eq!(xml.matches("<testcase ").count(), 5);
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert_eq!(xml.matches("<skipped ").count(), 1);
    assert!(xml.contains("tests=\"5\" failures=\"1\" skipped=\"1\""));
    insta::assert_snapshot!("junit_xml", xml);
}

#[test]
fn passing_cases_keep_a_digest_and_the_others_excerpts() {
    let mut report = fixed_report();
    let long = "x".repeat(10_000);
    for case in &mut report.cases {
        case.expected = json!({"lines": [{"data": "y".repeat(10_000)}]});
        case.observed = json!({"lines": [{"data": long}]});
    }
    report.compact();
    for case in &report.cases {
        if matches!(case.status, Status::Pass | Status::Skip) {
            // What a conforming target does, as a digest; what this one did
            // is the same or nothing: null.
            let digest = case.expected.as_str().expect("a digest");
            assert!(digest.starts_with("sha256:") && digest.len() == 15, "{}: {digest}", case.id);
            assert!(case.observed.is_null(), "{}: {}", case.id, case.observed);
        } else {
            let excerpt = &case.observed["lines"][0]["data"]["excerpt"];
            assert_eq!(excerpt["bytes"], 10_000, "{}: {excerpt}", case.id);
            assert_eq!(excerpt["sha256"], harness::report::excerpt::sha256_hex(long.as_bytes()));
        }
    }
    let again = report.compacted();
    assert_eq!(again, report, "compaction is idempotent");
}

/// A big check: `PASSING` cases with 2 KiB bodies, `FAILING` cases whose
/// expected and observed data are 1 MiB and differ near the end.
const PASSING: usize = 600;
const FAILING: usize = 50;
const MIB: usize = 1 << 20;

/// Where failing case `n`'s observed data first differs, and the bytes it
/// has there.
fn difference_of(n: usize) -> (usize, String) {
    (MIB - 1000 - n, format!("DIFF{n:02}QQ"))
}

fn big_report() -> Report {
    let spec: Vec<String> = [
        "#event-stream-interpretation \"line by line\"",
        "#processField \"data\"",
        "#dispatchMessage step 3",
        "#dispatchMessage step 5",
    ]
    .iter()
    .map(|k| (*k).to_owned())
    .collect();
    // Titles and spec keys as long as most in the registry.
    let title = "A data line with a long value and a blank line dispatch one event with exactly that data.";
    let requests = json!([{"method": "GET", "path": "/c/1/events", "headers": {"accept": "text/event-stream", "host": "127.0.0.1:40000"}}]);
    let mut cases = Vec::new();
    for n in 0..PASSING {
        let data: String = (0..2048).map(|i| char::from(b'a' + ((i + n) % 26) as u8)).collect();
        cases.push(CaseReport {
            id: format!("parse.family-{}.case-{n}.whole", n % 12),
            title: title.to_owned(),
            spec: spec.clone(),
            status: Status::Pass,
            expected: json!({"lines": [{"kind": "open"}, {"kind": "event", "data": data}], "served": [{"body": format!("data: {data}\n\n")}]}),
            observed: json!({"lines": [{"kind": "open"}, {"kind": "event", "data": data}], "requests": requests}),
            message: "as the standard says".to_owned(),
            baseline: None,
        });
    }
    for n in 0..FAILING {
        let expected = "x".repeat(MIB);
        let (offset, marker) = difference_of(n);
        let mut observed = expected.clone();
        observed.replace_range(offset..offset + marker.len(), &marker);
        cases.push(CaseReport {
            id: format!("parse.large.case-{n}.split"),
            title: title.to_owned(),
            spec: spec.clone(),
            status: Status::Fail,
            message: format!("event line 2 differs: expected {{\"data\":\"{expected}\"}}, observed {{\"data\":\"{observed}\"}}"),
            expected: json!({"lines": [{"kind": "open"}, {"kind": "event", "data": expected}]}),
            observed: json!({"lines": [{"kind": "open"}, {"kind": "event", "data": observed}], "requests": requests}),
            baseline: None,
        });
    }
    let mut report = Report::new("big adapter", "client", "2026-11-23T08:00:00Z".to_owned(), 1, cases);
    report.transport = Some(harness::report::TransportSummary {
        protocol: "HTTP/2".to_owned(),
        tls: None,
        certificate_verified: None,
    });
    report
}

/// A folder's four files stay within 0.5 KiB per passing or skipped case, 4
/// KiB per other case and 64 KiB for the page, and still say for every long
/// value where it first differs and what bytes are there.
#[test]
fn a_report_grows_with_its_findings_not_with_the_streams() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    big_report().write_to(dir.path()).expect("written");
    // SSECHECK_KEEP_BIG_REPORT=DIR keeps a copy to look at.
    if let Some(keep) = std::env::var_os("SSECHECK_KEEP_BIG_REPORT") {
        big_report().write_to(std::path::Path::new(&keep)).expect("written");
    }
    let files = ["report.json", "report.md", "report.html", "junit.xml"];
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect(name);
    let total: usize = files.iter().map(|f| read(f).len()).sum();
    let budget = PASSING * 512 + FAILING * 4096 + 64 * 1024;
    let sizes: Vec<(&str, usize)> = files.iter().map(|f| (*f, read(f).len())).collect();
    assert!(total <= budget, "{total} bytes in the four files, more than {budget}: {sizes:?}");
    let json: serde_json::Value = serde_json::from_str(&read("report.json")).expect("JSON");
    let errors: Vec<String> = schema().iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let (md, html, junit, json_text) =
        (read("report.md"), read("report.html"), read("junit.xml"), read("report.json"));
    for file in [&md, &html, &junit, &json_text] {
        assert!(
            file.contains("ssecheck ") && file.contains("HTTP/2"),
            "the tool and the transport are in every file"
        );
    }
    for n in 0..FAILING {
        let (offset, marker) = difference_of(n);
        let id = format!("parse.large.case-{n}.split");
        let hex: String = marker.bytes().map(|b| format!("{b:02x}")).collect();
        let spaced: Vec<String> = marker.bytes().map(|b| format!("{b:02x}")).collect();
        // The id (junit splits it into family and name), the offset, and
        // the bytes there, as hex and as text.
        assert!(
            json_text.contains(&format!("\"id\":\"{id}\""))
                && json_text.contains(&format!("\"offset\":{offset},")),
            "{id} in report.json"
        );
        assert!(json_text.contains(&hex) && json_text.contains(&marker), "{id}: bytes in report.json");
        assert!(
            md.contains(&format!("`{id}`")) && md.contains(&format!("first difference at byte {offset}")),
            "{id} in report.md"
        );
        assert!(
            md.contains(&marker) && md.contains(&format!("{} {}", &hex[..8], &hex[8..])),
            "{id}: bytes in report.md"
        );
        assert!(
            html.contains(&format!("<code>{id}</code>"))
                && html.contains(&format!("first difference at byte {offset}")),
            "{id} in report.html"
        );
        assert!(
            html.contains(&marker) && html.contains(&spaced[..4].join(" ")),
            "{id}: bytes in report.html"
        );
        assert!(
            junit.contains(&format!("name=\"case-{n}.split\""))
                && junit.contains(&format!("first difference at byte {offset}")),
            "{id} in junit.xml"
        );
        assert!(junit.contains(&marker) && junit.contains(&hex), "{id}: bytes in junit.xml");
    }
}

#[test]
fn keep_bytes_writes_every_byte_beside_the_report() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut report = fixed_report();
    let long = "y".repeat(5000);
    report.cases[1].observed = json!({"lines": [{"data": long}]});
    let kept = report.compact_keeping_bytes();
    report.write_with_bytes(dir.path(), &kept).expect("written");
    let sha = harness::report::excerpt::sha256_hex(long.as_bytes());
    let file = format!("bytes/{sha}.bin");
    assert_eq!(report.cases[1].observed["lines"][0]["data"]["excerpt"]["file"], file.as_str());
    assert_eq!(std::fs::read(dir.path().join(&file)).expect("the kept bytes"), long.as_bytes());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).expect("report.json"))
            .expect("JSON");
    assert!(schema().is_valid(&json));
}

/// report.json of an earlier version (whole values, pretty-printed) still
/// reads, and renders compacted.
#[test]
fn an_earlier_report_json_still_reads() {
    let mut old = serde_json::to_value(fixed_report()).expect("serializes");
    old["cases"][1]["observed"] = json!({"lines": [{"data": "z".repeat(3000)}]});
    let text = serde_json::to_string_pretty(&old).expect("JSON");
    let report: Report = serde_json::from_str(&text).expect("an earlier report reads");
    assert!(report.to_json().len() < 6000, "{}", report.to_json());
    assert!(report.to_markdown().contains("3000 bytes, sha256 "));
}
