//! report.md: counts, then failures, warnings and information, each with a
//! reproduction (what was served or sent, expected, observed, the spec step),
//! then one line per case.

use std::fmt::Write as _;

use serde_json::Value;

use super::{BaselineMark, Report, Status, pretty, spec_link};

/// The most bytes of pretty JSON shown for one value of a case.
const DETAIL_LIMIT: usize = 8000;

impl Report {
    /// The Markdown summary: counts, then failures, warnings and info with
    /// their reproduction data, then one line per other case.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let s = &self.summary;
        let _ = writeln!(md, "# ssecheck {} report: {}\n", self.mode, self.target);
        let _ = writeln!(
            md,
            "{} · standard snapshot {} · started {} · {} ms\n",
            self.tool, self.spec, self.started, self.duration_ms
        );
        if let Some(transport) = &self.transport {
            let _ = writeln!(md, "Transport: {}\n", transport.describe());
        }
        let _ = writeln!(md, "| pass | fail | warn | info | skip |\n|---|---|---|---|---|");
        let _ = writeln!(md, "| {} | {} | {} | {} | {} |\n", s.pass, s.fail, s.warn, s.info, s.skip);
        if let Some(baseline) = &self.baseline {
            let _ = writeln!(
                md,
                "Against the baseline `{}`: **{} new failure(s)**, {} fixed, {} unchanged.\n",
                baseline.report, baseline.new_fail, baseline.fixed, baseline.unchanged
            );
            for (mark, heading) in [(BaselineMark::NewFail, "New failures"), (BaselineMark::Fixed, "Fixed")] {
                let ids: Vec<&str> =
                    self.cases.iter().filter(|c| c.baseline == Some(mark)).map(|c| c.id.as_str()).collect();
                if !ids.is_empty() {
                    let _ = writeln!(md, "{heading}: `{}`\n", ids.join("`, `"));
                }
            }
        }
        for (status, heading) in
            [(Status::Fail, "Failures"), (Status::Warn, "Warnings"), (Status::Info, "Information")]
        {
            let cases: Vec<_> = self.cases.iter().filter(|c| c.status == status).collect();
            if cases.is_empty() {
                continue;
            }
            let _ = writeln!(md, "## {heading}\n");
            for case in cases {
                let _ = writeln!(md, "### `{}` ({})\n\n{}\n", case.id, status.name(), case.title);
                let _ = writeln!(md, "{}\n", case.message);
                let links: Vec<String> = case.spec.iter().map(|key| spec_link(key)).collect();
                let _ = writeln!(md, "Spec: {}\n", links.join(", "));
                if let Some(served) = case.expected.get("served").and_then(Value::as_array) {
                    let _ = writeln!(md, "To reproduce, serve:\n\n```text\n{}```\n", served_script(served));
                }
                let _ = writeln!(md, "Expected:\n\n```json\n{}\n```\n", pretty(&case.expected, DETAIL_LIMIT));
                let _ = writeln!(md, "Observed:\n\n```json\n{}\n```\n", pretty(&case.observed, DETAIL_LIMIT));
            }
        }
        let _ = writeln!(md, "## All cases\n");
        for case in &self.cases {
            let _ = writeln!(md, "- {} `{}`: {}", case.status.name(), case.id, case.title);
        }
        md
    }
}

/// The responses a client case serves, one paragraph each: status, headers,
/// how the body is written, and the body as a JSON string (every byte
/// visible; `{"hex": ...}` when it is not UTF-8).
fn served_script(served: &[Value]) -> String {
    let mut text = String::new();
    for (index, response) in served.iter().enumerate() {
        let _ = writeln!(text, "response {}: HTTP {}", index + 1, response["status"]);
        for header in response["headers"].as_array().into_iter().flatten() {
            let _ = writeln!(
                text,
                "  {}: {}",
                header[0].as_str().unwrap_or(""),
                header[1].as_str().unwrap_or("")
            );
        }
        let _ = writeln!(
            text,
            "  body in {} write(s), {} ms apart, then {}:",
            response["writes"],
            response["pause_ms"],
            response["end"].as_str().unwrap_or("close")
        );
        let body = response["body"].to_string();
        let cut = body.char_indices().nth(2000).map_or(body.len(), |(i, _)| i);
        let _ = writeln!(text, "  {}{}", &body[..cut], if cut < body.len() { " ..." } else { "" });
    }
    text
}
