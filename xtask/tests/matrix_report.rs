//! `cargo xtask matrix-report`: reports side by side, implementations as
//! columns, cases as rows.

use std::process::Command;

use harness::report::{CaseReport, Report, Status};

fn report(target: &str, statuses: &[(&str, Status)]) -> Report {
    let cases = statuses
        .iter()
        .map(|(id, status)| CaseReport {
            id: (*id).to_owned(),
            title: format!("title of {id}"),
            spec: vec!["#dispatchMessage step 5".to_owned()],
            status: *status,
            expected: serde_json::Value::Null,
            observed: serde_json::Value::Null,
            message: String::new(),
            baseline: None,
        })
        .collect();
    Report::new(target, "client", "2026-11-23T08:00:00Z".to_owned(), 1, cases)
}

#[test]
fn columns_are_implementations_and_rows_are_cases() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut paths = Vec::new();
    for (name, second) in [("lib-a", Status::Pass), ("lib-b", Status::Fail)] {
        let folder = dir.path().join(name);
        report(name, &[("parse.same", Status::Pass), ("parse.differs", second)])
            .write_to(&folder)
            .expect("written");
        paths.push(folder.join("report.json"));
    }
    let out = dir.path().join("matrix");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("matrix-report")
        .args(&paths)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("xtask runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let md = std::fs::read_to_string(out.join("matrix.md")).expect("matrix.md");
    assert!(md.contains("| case | lib-a | lib-b |"), "{md}");
    assert!(md.contains("`parse.differs`") && md.contains("| pass | **fail** |"), "{md}");
    assert!(!md.contains("`parse.same`"), "rows where all pass are only counted: {md}");
    assert!(md.contains("1 more case(s) pass in every implementation."));
    let html = std::fs::read_to_string(out.join("matrix.html")).expect("matrix.html");
    assert!(html.contains("<th title=\"lib-b\">lib-b</th>"));
    assert!(
        html.contains("<tr class=\"differ\"><td class=\"id\" title=\"title of parse.differs\">parse.differs")
    );
    assert!(!html.contains("<link") && !html.contains("src=\"http"), "self-contained");

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, b"{}").expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("matrix-report")
        .arg(&broken)
        .output()
        .expect("xtask runs");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
}

/// `rerender-report` writes the four files again from a report.json of an
/// earlier version (pretty-printed, every byte kept), compacted.
#[test]
fn an_earlier_report_is_rendered_again_compacted() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut old = report("lib-a", &[("parse.same", Status::Pass), ("parse.differs", Status::Fail)]);
    old.cases[1].observed = serde_json::json!({"lines": [{"data": "x".repeat(1 << 20)}]});
    let path = dir.path().join("old.json");
    std::fs::write(&path, serde_json::to_string_pretty(&old).expect("JSON")).expect("written");
    let out = dir.path().join("new");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("rerender-report")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("xtask runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let json = std::fs::read(out.join("report.json")).expect("report.json");
    assert!(json.len() < 4096, "{} bytes", json.len());
    let again: Report = serde_json::from_slice(&json).expect("reads back");
    assert_eq!(again.cases[1].observed["lines"][0]["data"]["excerpt"]["bytes"], 1 << 20);
    for file in ["report.md", "report.html", "junit.xml"] {
        assert!(std::fs::metadata(out.join(file)).expect(file).len() < 16_384, "{file}");
    }
}
