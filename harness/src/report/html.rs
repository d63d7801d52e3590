//! report.html: one self-contained page (inline style and script, no
//! external assets): the summary, filters by status and by id, every case
//! that needs attention as an expandable entry (message, spec links, where
//! expected and observed first part, spec-impl's trace of the stream a failing
//! parse case served (collapsed), hex views of the bytes served or sent,
//! every long value as an excerpt: length, SHA-256, first and last bytes, hex
//! around the first difference; expected and observed whole when short), and
//! the passing and skipped cases one short row each. The script filters and
//! makes the spec links' hrefs from their anchors (the URLs would be a good
//! part of a short case).

use std::fmt::Write as _;

use serde_json::Value;

use super::excerpt::{Excerpt, Shown, hex_body};
use super::junit::{text_escape as text, xml_escape as escape};
use super::view::{
    EndsShown, brief, by_field, describe, first_difference, hex_rows, long_values, plain_ascii,
    spec_by_anchor, window_bytes,
};
use super::{CaseReport, Report, STATUS_ORDER, Status};

/// Expected and observed are shown whole when no first difference is shown
/// and their JSON together is at most this long.
const DETAIL_LIMIT: usize = 900;
/// The most bytes of JSON shown for a value of the first difference.
const BRIEF_LIMIT: usize = 400;

const STYLE: &str = r#"
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem; color: #1d1d1f; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } .meta { color: #555; margin-top: 0; }
.counts { display: flex; gap: .5rem; flex-wrap: wrap; margin: 1rem 0; }
.counts label { border-radius: .4rem; padding: .35rem .7rem; cursor: pointer; user-select: none; border: 1px solid #0002; }
.counts input { margin-right: .35rem; }
.fail { --c: #c62828; } .warn { --c: #b26a00; } .info { --c: #1565c0; } .skip { --c: #666; } .pass { --c: #2e7d32; }
.counts label, .badge { background: color-mix(in srgb, var(--c) 14%, white); color: var(--c); font-weight: 600; }
.badge { display: inline-block; min-width: 2.6rem; text-align: center; border-radius: .3rem; padding: 0 .3rem; font-size: .8rem; }
#search { padding: .35rem .5rem; min-width: 18rem; border: 1px solid #0003; border-radius: .4rem; }
details { border-left: 4px solid var(--c); margin: .25rem 0; padding: .2rem .6rem; background: #fafafa; }
ul.rows { padding: 0; margin: .25rem 0; } ul.rows li { list-style: none; margin: 1px 0; padding: 0 .6rem; border-left: 4px solid var(--c); font: 13px ui-monospace, monospace; }
details[open] { background: #fff; box-shadow: 0 1px 3px #0002; }
summary { cursor: pointer; } summary code { font-weight: 600; }
pre { background: #f4f4f6; padding: .5rem; overflow: auto; max-height: 28rem; font-size: 12.5px; }
.hex td { font: 12.5px ui-monospace, monospace; padding: 0 .6rem 0 0; white-space: pre; }
dl.long dt { font-family: ui-monospace, monospace; margin-top: .4rem; } dl.long dd { margin-left: 1rem; }
.hex td:first-child { color: #888; }
.empty { color: #888; font-style: italic; }
"#;

const SCRIPT: &str = r#"
function applyFilters() {
  const shown = new Set([...document.querySelectorAll('.counts input:checked')].map(i => i.value));
  const text = document.getElementById('search').value.trim().toLowerCase();
  let visible = 0;
  for (const c of document.querySelectorAll('details.case, ul.rows li')) {
    const on = shown.has((c.closest('ul') || c).classList[1])
      && (!text || (c.querySelector('summary') || c).textContent.toLowerCase().includes(text));
    c.hidden = !on; if (on) visible++;
  }
  document.getElementById('visible').textContent = visible;
}
document.querySelectorAll('.counts input, #search').forEach(e => e.addEventListener('input', applyFilters));
for (const a of document.querySelectorAll('a[data-spec]')) {
  const [standard, anchor] = a.dataset.spec.split('#');
  a.href = (STANDARDS[standard] || STANDARDS['']) + '#' + anchor;
}
applyFilters();
"#;

impl Report {
    /// The page, from the same data as report.json.
    pub fn to_html(&self) -> String {
        let report = self.compacted();
        let mut html = String::new();
        let title = format!("ssecheck {} report: {}", report.mode, report.target);
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            text(&title),
            text(&title)
        );
        let _ = writeln!(
            html,
            "<p class=\"meta\">{} · standard snapshot {} · started {} · {:.1} s · exit status {}</p>",
            text(&report.tool),
            text(&report.spec),
            text(&report.started),
            report.duration_ms as f64 / 1000.0,
            report.exit_code()
        );
        if let Some(version) = &report.target_version {
            let _ = write!(html, "<p class=\"meta\">Version that ran: {}</p>", text(version));
        }
        if let Some(transport) = &report.transport {
            let _ = write!(html, "<p class=\"meta\">Transport: {}</p>", text(&transport.describe()));
        }
        if let Some(baseline) = &report.baseline {
            let _ = writeln!(
                html,
                "<p class=\"meta\">Against the baseline {}: <strong>{} new failure(s)</strong>, {} fixed, {} unchanged.</p>",
                text(&baseline.report),
                baseline.new_fail,
                baseline.fixed,
                baseline.unchanged
            );
        }
        html.push_str("<div class=\"counts\">\n");
        for status in STATUS_ORDER {
            // Passing cases start hidden on a report with anything else to show.
            let checked = status != Status::Pass || report.summary.pass == report.cases.len();
            let _ = writeln!(
                html,
                "<label class=\"{0}\"><input type=\"checkbox\" value=\"{0}\"{1}>{2} {0}</label>",
                status.name(),
                if checked { " checked" } else { "" },
                report.summary.count(status)
            );
        }
        html.push_str(
            "<input id=\"search\" type=\"search\" placeholder=\"filter by id or title\" aria-label=\"filter\">\n",
        );
        let _ = writeln!(
            html,
            "</div>\n<p class=\"meta\"><span id=\"visible\">{}</span> cases shown</p>",
            report.cases.len()
        );
        let mut first = true;
        for status in [Status::Fail, Status::Warn, Status::Info] {
            for case in report.cases.iter().filter(|c| c.status == status) {
                // The first case that needs attention starts open.
                write_case(&mut html, case, first);
                first = false;
            }
        }
        // The others, one short row each (their data is a digest in report.json).
        for status in [Status::Skip, Status::Pass] {
            let mut rows = report.cases.iter().filter(|c| c.status == status).peekable();
            if rows.peek().is_none() {
                continue;
            }
            let _ = writeln!(html, "<ul class=\"rows {}\">", status.name());
            for case in rows {
                let _ = write!(html, "<li>{}", text(&case.id));
                if status == Status::Skip {
                    let _ = write!(html, " {}", text(&case.message));
                }
                html.push('\n');
            }
            html.push_str("</ul>\n");
        }
        if report.cases.is_empty() {
            html.push_str("<p class=\"empty\">No case ran.</p>\n");
        }
        let _ = write!(
            html,
            "<script>\nconst STANDARDS = {{'': '{}', fetch: '{}'}};{SCRIPT}</script>\n</body>\n</html>\n",
            spec_impl::SPEC_URL,
            super::FETCH_URL
        );
        html
    }
}

fn write_case(html: &mut String, case: &CaseReport, open: bool) {
    let status = case.status.name();
    let _ = writeln!(
        html,
        "<details class=\"case {status}\"{}>\n\
         <summary><span class=\"badge\">{status}</span> <code>{}</code> {}{}</summary>",
        if open { " open" } else { "" },
        text(&case.id),
        text(&case.title),
        case.baseline.map_or(String::new(), |mark| format!(" <em>({})</em>", mark.name()))
    );
    let _ = writeln!(html, "<p>{}</p>", text(&case.message));
    let links = spec_links(&case.spec);
    if !links.is_empty() {
        let _ = writeln!(html, "<p>Spec: {}</p>", links.join("; "));
    }
    // Between long strings, the long values below show it.
    let difference = first_difference(&case.expected, &case.observed);
    if let Some(difference) = difference.as_ref().filter(|d| !d.at_long_strings()) {
        let at = if difference.path.is_empty() { "the top".to_owned() } else { text(&difference.path) };
        let _ = write!(
            html,
            "<h4>First difference at <code>{at}</code></h4>\n<pre>expected: {}\nobserved: {}",
            text(&brief(difference.expected, BRIEF_LIMIT)),
            text(&brief(difference.observed, BRIEF_LIMIT))
        );
        if let Some(items) = &difference.items {
            let end = items.from + items.expected.len().max(items.observed.len());
            for (side, around) in [("expected", items.expected), ("observed", items.observed)] {
                let _ = write!(
                    html,
                    "\n{side} {}[{}..{end}]: {}",
                    text(&items.path),
                    items.from,
                    text(&brief(Some(&Value::Array(around.to_vec())), BRIEF_LIMIT))
                );
            }
        }
        html.push_str("</pre>\n");
    }
    if let Some(trace) = super::expected_trace(case) {
        let _ = writeln!(
            html,
            "<details class=\"trace\"><summary>What the standard does with these bytes (spec-impl's trace, \
             <code>ssecheck explain {}</code>)</summary>\n<pre>{}</pre></details>",
            text(&case.id),
            text(trace.trim_end())
        );
    }
    for (label, value) in [("Expected", &case.expected), ("Observed", &case.observed)] {
        for (path, bytes) in bodies(value) {
            let _ = writeln!(html, "<h4>{label}: <code>{}</code> as bytes</h4>", text(&path));
            write_hex(html, &bytes, 0);
        }
    }
    let long: Vec<(String, Shown)> = long_values(&case.expected, "expected")
        .into_iter()
        .chain(long_values(&case.observed, "observed"))
        .collect();
    if !long.is_empty() {
        html.push_str("<h4>Long values</h4>\n<dl class=\"long\">\n");
        let mut ends = EndsShown::default();
        for (path, shown) in &long {
            let _ = writeln!(html, "<dt>{}</dt><dd>{}", text(path), text(&describe(path, shown)));
            if let Shown::Bytes(excerpt) = shown {
                write_excerpt(html, excerpt, ends.same_as(excerpt, path));
            }
            html.push_str("</dd>\n");
        }
        html.push_str("</dl>\n");
    }
    let (expected, observed) = (by_field(&case.expected), by_field(&case.observed));
    // With a first difference shown, the whole values stay in report.json,
    // as in report.md: a page of hundreds of failures stays light.
    if difference.is_none() && expected.len() + observed.len() <= DETAIL_LIMIT {
        let _ = writeln!(html, "<h4>Expected</h4>\n<pre>{}</pre>", text(&expected));
        let _ = writeln!(html, "<h4>Observed</h4>\n<pre>{}</pre>", text(&observed));
    } else {
        html.push_str("<p class=\"empty\">Expected and observed: in report.json.</p>\n");
    }
    html.push_str("</details>\n");
}

/// The spec keys as one link per anchor, each followed by the words its
/// keys quote: `#processField "event", "id"`.
fn spec_links(keys: &[String]) -> Vec<String> {
    spec_by_anchor(keys)
        .into_iter()
        .map(|(anchor, words)| {
            // The script makes the href (the URLs would be most of a short case).
            format!(
                "<a data-spec=\"{}\">{}</a>{}{}",
                escape(anchor),
                text(anchor),
                if words.is_empty() { "" } else { " " },
                text(&words.join(", "))
            )
        })
        .collect()
}

/// An excerpt: hex around its first difference, its first and last bytes.
fn write_excerpt(html: &mut String, excerpt: &Excerpt, same_ends: Option<String>) {
    if let (Some((at, bytes)), Some(difference)) = (window_bytes(excerpt), &excerpt.first_difference) {
        write_hex(html, &bytes, at);
        if !plain_ascii(&difference.text) {
            let quoted = brief(Some(&Value::String(difference.text.clone())), usize::MAX);
            let _ = writeln!(html, "<pre>text from byte {at}: {}</pre>", text(&quoted));
        }
    }
    if let Some(path) = same_ends.filter(|_| !excerpt.head.is_empty()) {
        let _ = write!(html, "<p>Starts and ends as {}.</p>", text(&path));
    } else if !excerpt.head.is_empty() {
        let _ = write!(
            html,
            "<pre>starts: {}\nends:   {}</pre>",
            text(&brief(Some(&Value::String(excerpt.head.clone())), usize::MAX)),
            text(&brief(Some(&Value::String(excerpt.tail.clone())), usize::MAX))
        );
    }
    if let Some(file) = &excerpt.file {
        let _ = write!(html, "<p>Every byte: <a href=\"{0}\">{0}</a></p>", escape(file));
    }
}

/// Every short `body` in `value` (a string, or `{"hex": ...}` for bytes that
/// are not UTF-8), with where it was found; long ones are excerpts, shown
/// with the long values.
fn bodies(value: &Value) -> Vec<(String, Vec<u8>)> {
    fn walk(value: &Value, path: String, found: &mut Vec<(String, Vec<u8>)>) {
        match value {
            Value::Object(object) => {
                for (key, inner) in object {
                    let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    match (key.as_str(), inner) {
                        ("body", Value::String(text)) => found.push((here, text.as_bytes().to_vec())),
                        ("body", other) if hex_body(other).is_some() => {
                            found.push((here, hex_body(other).unwrap_or_default()));
                        }
                        _ => walk(inner, here, found),
                    }
                }
            }
            Value::Array(items) => {
                for (index, inner) in items.iter().enumerate() {
                    walk(inner, format!("{path}[{index}]"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(value, String::new(), &mut found);
    found
}

/// A hex dump of `bytes`, which start at `offset`: offset, 16 bytes in hex,
/// the same bytes as ASCII.
fn write_hex(html: &mut String, bytes: &[u8], offset: usize) {
    if bytes.is_empty() {
        html.push_str("<p class=\"empty\">(no bytes)</p>\n");
        return;
    }
    html.push_str("<table class=\"hex\">\n");
    for (at, hex, ascii) in hex_rows(bytes, offset) {
        let _ = writeln!(html, "<tr><td>{at}<td>{hex:<47}<td>{}", text(&ascii));
    }
    html.push_str("</table>\n");
}
