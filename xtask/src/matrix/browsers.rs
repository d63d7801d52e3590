//! reports/clients/browsers.md: the browser engines side by side. The table
//! of every case where any engine, over any protocol it was checked on,
//! differs from spec-impl (a status other than pass or skip) is rendered
//! from the committed reports between two markers; the analysis around it
//! is written by hand and kept.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use harness::report::{Report, Status};
use serde_json::Value;

use super::Kind;
use super::manifest::{self, Ecosystem, Protocol};

const BEGIN: &str = "<!-- browsers:begin (cargo xtask matrix writes this table) -->";
const END: &str = "<!-- browsers:end -->";

/// The most event lines shown of one observation.
const LINES_SHOWN: usize = 6;

/// One case of one column: its status, what the engine printed (in
/// brief), and the report's message (as a cell shows it).
type Cell = (Status, String, String);

/// The most characters of a message a cell shows.
const MESSAGE_SHOWN: usize = 220;

/// One engine's report over one protocol.
struct Column {
    engine: String,
    protocol: Protocol,
    report: Report,
}

/// Rewrites the table in reports/clients/browsers.md (the file is made with
/// a heading if it does not exist); `None` when no browser has a report.
pub fn write(root: &Path) -> anyhow::Result<Option<PathBuf>> {
    let mut columns = Vec::new();
    for browser in
        manifest::load(root, Kind::Clients)?.into_iter().filter(|i| i.ecosystem == Ecosystem::Browser)
    {
        let dir = root.join("reports").join(Kind::Clients.folder()).join(&browser.name);
        for protocol in Protocol::ALL {
            let path = protocol.folder(&dir).join("report.json");
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let report: Report = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a report", path.display()))?;
            let engine =
                format!("{} {}", browser.name, report.target_version.as_deref().unwrap_or(&browser.version));
            columns.push(Column { engine, protocol, report });
        }
    }
    if columns.is_empty() {
        return Ok(None);
    }
    let path = root.join("reports").join(Kind::Clients.folder()).join("browsers.md");
    let old = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| format!("# The browser engines side by side\n\n{BEGIN}\n{END}\n"));
    let (Some(begin), Some(end)) = (old.find(BEGIN), old.find(END)) else {
        anyhow::bail!("{} lacks the markers {BEGIN} and {END}", path.display());
    };
    let new = format!("{}{BEGIN}\n{}{}", &old[..begin], table(&columns), &old[end..]);
    std::fs::write(&path, new).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Some(path))
}

fn table(columns: &[Column]) -> String {
    // Every case id in registry order, with each column's status and
    // observation.
    let mut order: Vec<&str> = Vec::new();
    let mut cells: BTreeMap<&str, Vec<Option<Cell>>> = BTreeMap::new();
    let mut expected: BTreeMap<&str, String> = BTreeMap::new();
    for (at, column) in columns.iter().enumerate() {
        for case in &column.report.cases {
            let row = cells.entry(&case.id).or_insert_with(|| {
                order.push(&case.id);
                vec![None; columns.len()]
            });
            row[at] = Some((case.status, brief(&case.observed), said(&case.message)));
            // Reports keep the expectation of the cases that did not pass.
            if case.expected.get("lines").is_some() {
                expected.entry(&case.id).or_insert_with(|| brief(&case.expected));
            }
        }
    }
    let mut md = String::from(
        "Every case where an engine's status, over any protocol it was checked on, is not `pass` (or `skip`): \
         the status and what the engine printed, next to what spec-impl expects. `⚑` marks a case where every \
         engine checked differs from spec-impl and all printed the same: the standard's text or spec-impl is the \
         odd one out, argued below. Written by `cargo xtask matrix` from the committed reports.\n\n| case | expected |",
    );
    for column in columns {
        let _ = write!(md, " {} {} |", column.engine, column.protocol.title());
    }
    md.push_str("\n|---|---|");
    md.push_str(&"---|".repeat(columns.len()));
    md.push('\n');
    let mut rows = 0;
    for id in order {
        let row = &cells[id];
        let differs = |cell: &Option<Cell>| {
            cell.as_ref().is_some_and(|(status, ..)| !matches!(status, Status::Pass | Status::Skip))
        };
        if !row.iter().any(differs) {
            continue;
        }
        rows += 1;
        // Every engine that ran it differs, and all printed the same.
        let run: Vec<&Cell> = row.iter().flatten().filter(|(status, ..)| *status != Status::Skip).collect();
        let all_agree = run.len() > 1
            && run.iter().all(|(status, ..)| *status != Status::Pass)
            && run.windows(2).all(|pair| pair[0].1 == pair[1].1);
        let _ = write!(
            md,
            "| {}`{id}` | {} |",
            if all_agree { "⚑ " } else { "" },
            expected.get(id).map_or("", String::as_str)
        );
        for cell in row {
            match cell {
                None => md.push_str(" not run |"),
                Some((Status::Pass, ..)) => md.push_str(" pass |"),
                Some((Status::Skip, ..)) => md.push_str(" skip |"),
                Some((status, observed, message)) => {
                    let _ = write!(md, " **{}**: {observed}<br>{message} |", status.name());
                }
            }
        }
        md.push('\n');
    }
    if rows == 0 {
        md.push_str("| (none) | |");
        md.push_str(&" |".repeat(columns.len()));
        md.push('\n');
    }
    md
}

/// What an expectation or observation printed, in brief: its event lines
/// (`open`, `error 0`, `type:`data`#lastEventId`), how many requests when
/// not one, and whether it timed out.
fn brief(value: &Value) -> String {
    let lines = value.get("lines").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut words: Vec<String> = lines
        .iter()
        .take(LINES_SHOWN)
        .map(|line| match line["kind"].as_str() {
            Some("open") => "open".to_owned(),
            Some("error") => format!("error {}", line["readyState"]),
            Some("event") => {
                let data = clip(line["data"].as_str().unwrap_or(""));
                let event = match line["type"].as_str() {
                    Some("message") | None => format!("`{data}`"),
                    Some(kind) => format!("{}:`{data}`", clip(kind)),
                };
                match line["lastEventId"].as_str() {
                    Some("") | None => event,
                    Some(id) => format!("{event}#{}", clip(id)),
                }
            }
            _ => "?".to_owned(),
        })
        .collect();
    if lines.len() > LINES_SHOWN {
        words.push(format!("… ({} lines)", lines.len()));
    }
    if lines.is_empty() {
        words.push("nothing".to_owned());
    }
    if let Some(requests) = value.get("requests").and_then(Value::as_array).filter(|r| r.len() != 1) {
        words.push(format!("{} requests", requests.len()));
    }
    if value.get("timed_out") == Some(&Value::Bool(true)) {
        words.push("(timed out)".to_owned());
    }
    words.join(" · ").replace('|', "\\|")
}

/// A report's message for a cell: per-case paths (`/c/612/`) as `/c/N/`,
/// no table syntax, at most [`MESSAGE_SHOWN`] characters.
fn said(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find("/c/") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('N');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    let mut text: String = out.replace('|', "\\|").replace('\n', " ").chars().take(MESSAGE_SHOWN).collect();
    if out.chars().count() > MESSAGE_SHOWN {
        text.push('…');
    }
    text
}

/// A value shortened for a table cell, control characters escaped.
fn clip(text: &str) -> String {
    let escaped: String = text.escape_debug().collect();
    if escaped.chars().count() > 16 {
        format!("{}…", escaped.chars().take(16).collect::<String>())
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn report(cases: &[(&str, Status, Value)]) -> Report {
        let mut report: Report = serde_json::from_value(json!({
            "tool": "t", "spec": "s", "target": "t", "mode": "client", "started": "",
            "duration_ms": 0, "summary": {"pass": 0, "fail": 0, "warn": 0, "info": 0, "skip": 0}, "cases": []
        }))
        .expect("a report");
        for (id, status, observed) in cases {
            report.cases.push(harness::report::CaseReport {
                id: (*id).to_owned(),
                title: String::new(),
                spec: Vec::new(),
                status: *status,
                expected: json!({"lines": [{"kind": "open"}, {"kind": "event", "type": "message", "data": "a", "lastEventId": ""}]}),
                observed: observed.clone(),
                message: "m".to_owned(),
                baseline: None,
            });
        }
        report
    }

    #[test]
    fn only_cases_an_engine_differs_on_are_rows_and_agreement_is_flagged() {
        let open_only = json!({"lines": [{"kind": "open"}], "timed_out": true});
        let other = json!({"lines": [{"kind": "error", "readyState": 2}]});
        let passed = json!({"lines": []});
        let columns = [
            (
                "a",
                vec![
                    ("same", Status::Fail, open_only.clone()),
                    ("split", Status::Fail, open_only.clone()),
                    ("ok", Status::Pass, passed.clone()),
                ],
            ),
            (
                "b",
                vec![
                    ("same", Status::Info, open_only.clone()),
                    ("split", Status::Fail, other),
                    ("ok", Status::Pass, passed),
                ],
            ),
        ]
        .map(|(engine, cases)| Column {
            engine: engine.to_owned(),
            protocol: Protocol::H1,
            report: report(&cases),
        });
        let md = table(&columns);
        assert!(md.contains("| ⚑ `same` | open · `a` | **fail**: open · (timed out)<br>m | **info**: open · (timed out)<br>m |"), "{md}");
        assert!(md.contains("| `split` |"), "{md}");
        assert!(md.contains("**fail**: error 2"), "{md}");
        assert!(!md.contains("`ok`"), "{md}");
    }

    #[test]
    fn a_message_loses_its_case_number_and_table_syntax() {
        assert_eq!(
            said("request 3 went to /c/612/events, expected /c/612/moved?to=a|b"),
            "request 3 went to /c/N/events, expected /c/N/moved?to=a\\|b"
        );
    }
}
