//! The report renderers over a small fixed report: JSON against the committed
//! schema (reports/report.schema.json), Markdown and HTML as reviewed insta
//! snapshots, JUnit's counts, and the exit status.

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
            case("parse.b.fail", Status::Fail, "event line 2 differs"),
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
    assert_eq!(back, report);
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
    assert!(md.contains("(https://html.spec.whatwg.org/multipage/server-sent-events.html#processField)"));
    insta::assert_snapshot!("report_md", md);
}

#[test]
fn html_is_one_self_contained_page() {
    let html = fixed_report().to_html();
    for external in ["<link", "src=\"http", "src='http", "@import", "url("] {
        assert!(!html.contains(external), "an external asset: {external}");
    }
    assert!(html.contains("&lt;with&gt; &quot;markup&quot; &amp; more"), "titles are escaped");
    assert!(html.find("parse.b.fail") < html.find("parse.a.pass"), "failures come first");
    assert!(html.contains("ef bb bf 64 ff 0a"), "a hex view of the observed bytes");
    assert!(html.contains("64 61 74 61 3a 20 61 0d 0a 0d 0a"), "a hex view of the bytes served");
    assert!(html.contains("data-status=\"fail\""));
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
fn compact_cuts_long_strings_of_passing_cases_only() {
    let mut report = fixed_report();
    let long = "x".repeat(10_000);
    for case in &mut report.cases {
        case.observed = json!({"lines": [{"data": long}]});
    }
    report.compact(100);
    for case in &report.cases {
        let data = case.observed["lines"][0]["data"].as_str().expect("a string");
        if matches!(case.status, Status::Pass | Status::Skip) {
            assert!(data.len() < 200 && data.contains("9900 more bytes"), "{}: {data}", case.id);
        } else {
            assert_eq!(data.len(), 10_000, "{} keeps every byte", case.id);
        }
    }
}
