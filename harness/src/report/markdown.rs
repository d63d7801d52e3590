//! report.md: counts, then failures, warnings and information, each with what
//! reproduces it (message, spec steps, where expected and observed first part,
//! what was served, spec-impl's trace of it for a failing parse case, and every long value as an excerpt with its first
//! difference), then the passing cases by family and the skipped ones by
//! reason. Expected and observed are shown whole only when short and without
//! a first difference to show; report.json and report.html hold them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::excerpt::{Excerpt, Shown};
use super::view::{self, EndsShown, brief, by_field, describe, first_difference, long_values, quoted};
use super::{BaselineMark, CaseReport, Report, Status, spec_url};

/// Expected and observed are shown whole when no first difference was found
/// and their JSON together is at most this long.
const DETAIL_LIMIT: usize = 1200;
/// The most bytes of JSON shown for a value of the first difference.
const BRIEF_LIMIT: usize = 300;

impl Report {
    /// The Markdown summary: counts, then failures, warnings and info with
    /// what reproduces them, then the other cases by family.
    pub fn to_markdown(&self) -> String {
        let report = self.compacted();
        let mut md = String::new();
        let mut links = Links::default();
        let s = &report.summary;
        let _ = writeln!(md, "# ssecheck {} report: {}\n", report.mode, report.target);
        if let Some(version) = &report.target_version {
            let _ = writeln!(md, "Version that ran: {version}\n");
        }
        let _ = writeln!(
            md,
            "{} · standard snapshot {} · started {} · {} ms\n",
            report.tool, report.spec, report.started, report.duration_ms
        );
        if let Some(transport) = &report.transport {
            let _ = writeln!(md, "Transport: {}\n", transport.describe());
        }
        let _ = writeln!(md, "| pass | fail | warn | info | skip |\n|---|---|---|---|---|");
        let _ = writeln!(md, "| {} | {} | {} | {} | {} |\n", s.pass, s.fail, s.warn, s.info, s.skip);
        if let Some(baseline) = &report.baseline {
            let _ = writeln!(
                md,
                "Against the baseline `{}`: **{} new failure(s)**, {} fixed, {} unchanged.\n",
                baseline.report, baseline.new_fail, baseline.fixed, baseline.unchanged
            );
            for (mark, heading) in [(BaselineMark::NewFail, "New failures"), (BaselineMark::Fixed, "Fixed")] {
                let ids: Vec<&str> =
                    report.cases.iter().filter(|c| c.baseline == Some(mark)).map(|c| c.id.as_str()).collect();
                if !ids.is_empty() {
                    let _ = writeln!(md, "{heading}: `{}`\n", ids.join("`, `"));
                }
            }
        }
        for (status, heading) in
            [(Status::Fail, "Failures"), (Status::Warn, "Warnings"), (Status::Info, "Information")]
        {
            let cases: Vec<_> = report.cases.iter().filter(|c| c.status == status).collect();
            if cases.is_empty() {
                continue;
            }
            let _ = writeln!(md, "## {heading}\n");
            for case in cases {
                write_case(&mut md, case, &mut links);
            }
        }
        write_passed(&mut md, &report.cases);
        write_skipped(&mut md, &report.cases);
        for (index, url) in links.urls.iter().enumerate() {
            let _ = writeln!(md, "[{}]: {url}", index + 1);
        }
        md
    }
}

/// The spec links of the page, as reference-style links numbered in order
/// of first use (each URL is written once, at the end).
#[derive(Default)]
struct Links {
    urls: Vec<String>,
}

impl Links {
    fn link(&mut self, key: &str) -> String {
        let url = spec_url(key);
        let number = match self.urls.iter().position(|u| *u == url) {
            Some(index) => index + 1,
            None => {
                self.urls.push(url);
                self.urls.len()
            }
        };
        format!("[`{key}`][{number}]")
    }
}

fn write_case(md: &mut String, case: &CaseReport, links: &mut Links) {
    let mark = case.baseline.map_or(String::new(), |mark| format!(", {}", mark.name()));
    let _ = writeln!(md, "### `{}` ({}{mark})\n\n{}\n", case.id, case.status.name(), case.title);
    let _ = writeln!(md, "{}\n", case.message);
    let spec: Vec<String> = view::spec_by_anchor(&case.spec)
        .into_iter()
        .map(|(anchor, words)| {
            let words = if words.is_empty() { String::new() } else { format!(" {}", words.join(", ")) };
            format!("{}{words}", links.link(anchor))
        })
        .collect();
    if !spec.is_empty() {
        let _ = writeln!(md, "Spec: {}\n", spec.join("; "));
    }
    let difference = first_difference(&case.expected, &case.observed);
    // Between long strings, the long values below show it.
    if let Some(difference) = difference.as_ref().filter(|d| !d.at_long_strings()) {
        let at =
            if difference.path.is_empty() { "the top".to_owned() } else { format!("`{}`", difference.path) };
        let text = format!(
            "expected: {}\nobserved: {}",
            brief(difference.expected, BRIEF_LIMIT),
            brief(difference.observed, BRIEF_LIMIT)
        );
        let _ = writeln!(md, "First difference at {at}:\n\n{}\n", fenced("text", &text));
    }
    if let Some(served) = case.expected.get("served").and_then(Value::as_array) {
        let _ = writeln!(md, "To reproduce, serve:\n\n{}\n", fenced("text", &served_script(served)));
    }
    if let Some(trace) = super::expected_trace(case) {
        let _ = writeln!(
            md,
            "What the standard does with these bytes (spec-impl's trace, `ssecheck explain {}`):\n\n{}\n",
            case.id,
            fenced("text", trace.trim_end())
        );
    }
    let long: Vec<(String, Shown)> = long_values(&case.expected, "expected")
        .into_iter()
        .chain(long_values(&case.observed, "observed"))
        .collect();
    if !long.is_empty() {
        let _ = writeln!(md, "Long values:\n");
        let mut ends = EndsShown::default();
        for (path, shown) in &long {
            let _ = writeln!(md, "- `{path}`: {}", describe(path, shown));
            if let Shown::Bytes(excerpt) = shown {
                let block = excerpt_block(excerpt, ends.same_as(excerpt, path));
                if !block.is_empty() {
                    let _ = writeln!(md, "\n{}\n", indent(&fenced("text", &block)));
                }
            }
        }
        md.push('\n');
    }
    // Where a first difference was found it is what a reader needs here;
    // otherwise short data is shown whole.
    let (expected, observed) = (by_field(&case.expected), by_field(&case.observed));
    if difference.is_none() && expected.len() + observed.len() <= DETAIL_LIMIT {
        let _ = writeln!(md, "Expected:\n\n{}\n", fenced("json", &expected));
        let _ = writeln!(md, "Observed:\n\n{}\n", fenced("json", &observed));
    }
}

/// An excerpt's first difference (hex and text), first and last bytes.
fn excerpt_block(excerpt: &Excerpt, same_ends: Option<String>) -> String {
    let mut block = String::new();
    if let (Some(difference), Some((at, bytes))) = (&excerpt.first_difference, view::window_bytes(excerpt)) {
        // Hex in groups of four bytes, the text under it.
        let groups: Vec<String> = bytes.chunks(4).map(super::excerpt::hex).collect();
        let _ = writeln!(block, "from byte {at}: {}", groups.join(" "));
        let _ = writeln!(
            block,
            "{:width$}{}",
            "as text:",
            quoted(&difference.text),
            width = format!("from byte {at}: ").len()
        );
    }
    match same_ends {
        _ if excerpt.head.is_empty() => {}
        Some(path) => {
            let _ = writeln!(block, "starts and ends as {path}");
        }
        None => {
            let _ = writeln!(block, "starts: {}", quoted(&excerpt.head));
            let _ = writeln!(block, "ends:   {}", quoted(&excerpt.tail));
        }
    }
    if let Some(file) = &excerpt.file {
        let _ = writeln!(block, "every byte: {file}");
    }
    block.trim_end().to_owned()
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}")).collect::<Vec<_>>().join("\n")
}

/// `text` in a fenced code block whose fence is longer than any run of
/// backticks in it.
fn fenced(language: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{language}\n{text}\n{fence}")
}

/// The passing cases, by family (the first two parts of the id): the rest of
/// each id.
fn write_passed(md: &mut String, cases: &[CaseReport]) {
    let mut families: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut count = 0;
    for case in cases.iter().filter(|c| c.status == Status::Pass) {
        let (family, rest) = family(&case.id);
        families.entry(family).or_default().push(rest);
        count += 1;
    }
    if count == 0 {
        return;
    }
    let _ = writeln!(md, "## Passed ({count})\n");
    for (family, rests) in families {
        let _ = writeln!(md, "- `{family}` ({}): {}", rests.len(), rests.join(", "));
    }
    md.push('\n');
}

/// The skipped cases, by reason.
fn write_skipped(md: &mut String, cases: &[CaseReport]) {
    let mut reasons: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for case in cases.iter().filter(|c| c.status == Status::Skip) {
        reasons.entry(case.message.as_str()).or_default().push(&case.id);
    }
    if reasons.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Skipped ({})\n", reasons.values().map(Vec::len).sum::<usize>());
    for (reason, ids) in reasons {
        let _ = writeln!(md, "- {reason} ({}): `{}`", ids.len(), ids.join("`, `"));
    }
    md.push('\n');
}

/// `parse.line-endings` and `crlf-everywhere.split` of
/// `parse.line-endings.crlf-everywhere.split`.
pub(super) fn family(id: &str) -> (&str, &str) {
    let mut dots = id.match_indices('.').map(|(i, _)| i);
    match (dots.next(), dots.next()) {
        (Some(_), Some(second)) => (&id[..second], &id[second + 1..]),
        _ => (id, ""),
    }
}

/// The responses a client case serves, one paragraph each: status, headers,
/// how the body is written, and the body as a JSON string (every byte
/// visible; `{"hex": ...}` when it is not UTF-8; a long body as its excerpt,
/// shown under "Long values").
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
        let apart = if response["pause_after_close"] == true {
            "after the first, once `close` was sent"
        } else {
            "apart"
        };
        let _ = writeln!(
            text,
            "  body in {} write(s), {} ms {apart}, then {}:",
            response["writes"],
            response["pause_ms"],
            response["end"].as_str().unwrap_or("close")
        );
        let _ = writeln!(text, "  {}", brief(response.get("body"), 2000));
    }
    text.trim_end().to_owned()
}
