//! report.html: one self-contained page (inline style and script, no
//! external assets): the summary, filters by status and by id, and every case
//! as an expandable entry with its message and spec links; cases that need
//! attention also show the expected and observed data and a hex view of the
//! bytes served or sent.

use std::fmt::Write as _;

use serde_json::Value;

use super::junit::xml_escape as escape;
use super::{CaseReport, Report, STATUS_ORDER, Status, pretty, spec_url};

/// The most bytes shown in one hex view.
const HEX_LIMIT: usize = 4096;
/// The most bytes of pretty JSON shown for one value of a case.
const DETAIL_LIMIT: usize = 20_000;

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
details[open] { background: #fff; box-shadow: 0 1px 3px #0002; }
summary { cursor: pointer; } summary code { font-weight: 600; }
pre { background: #f4f4f6; padding: .5rem; overflow: auto; max-height: 28rem; font-size: 12.5px; }
.hex td { font: 12.5px ui-monospace, monospace; padding: 0 .6rem 0 0; white-space: pre; }
.hex td:first-child { color: #888; }
.empty { color: #888; font-style: italic; }
"#;

const SCRIPT: &str = r#"
function applyFilters() {
  const shown = new Set([...document.querySelectorAll('.counts input:checked')].map(i => i.value));
  const text = document.getElementById('search').value.trim().toLowerCase();
  let visible = 0;
  for (const c of document.querySelectorAll('details.case')) {
    const on = shown.has(c.dataset.status) && (!text || c.dataset.id.toLowerCase().includes(text)
      || c.querySelector('summary').textContent.toLowerCase().includes(text));
    c.hidden = !on; if (on) visible++;
  }
  document.getElementById('visible').textContent = visible;
}
document.querySelectorAll('.counts input, #search').forEach(e => e.addEventListener('input', applyFilters));
applyFilters();
"#;

impl Report {
    /// The page, from the same data as report.json.
    pub fn to_html(&self) -> String {
        let mut html = String::new();
        let title = format!("ssecheck {} report: {}", self.mode, self.target);
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            escape(&title),
            escape(&title)
        );
        let _ = writeln!(
            html,
            "<p class=\"meta\">{} · standard snapshot {} · started {} · {:.1} s · exit status {}</p>",
            escape(&self.tool),
            escape(&self.spec),
            escape(&self.started),
            self.duration_ms as f64 / 1000.0,
            self.exit_code()
        );
        if let Some(transport) = &self.transport {
            let _ = write!(html, "<p class=\"meta\">Transport: {}</p>", escape(&transport.describe()));
        }
        if let Some(baseline) = &self.baseline {
            let _ = writeln!(
                html,
                "<p class=\"meta\">Against the baseline {}: <strong>{} new failure(s)</strong>, {} fixed, {} unchanged.</p>",
                escape(&baseline.report),
                baseline.new_fail,
                baseline.fixed,
                baseline.unchanged
            );
        }
        html.push_str("<div class=\"counts\">\n");
        for status in STATUS_ORDER {
            // Passing cases start hidden on a report with anything else to show.
            let checked = status != Status::Pass || self.summary.pass == self.cases.len();
            let _ = writeln!(
                html,
                "<label class=\"{0}\"><input type=\"checkbox\" value=\"{0}\"{1}>{2} {0}</label>",
                status.name(),
                if checked { " checked" } else { "" },
                self.summary.count(status)
            );
        }
        html.push_str(
            "<input id=\"search\" type=\"search\" placeholder=\"filter by id or title\" aria-label=\"filter\">\n",
        );
        let _ = writeln!(
            html,
            "</div>\n<p class=\"meta\"><span id=\"visible\">{}</span> cases shown</p>",
            self.cases.len()
        );
        let mut first = true;
        for status in STATUS_ORDER {
            for case in self.cases.iter().filter(|c| c.status == status) {
                // The first case that needs attention starts open.
                write_case(&mut html, case, first && status != Status::Pass);
                first = false;
            }
        }
        if self.cases.is_empty() {
            html.push_str("<p class=\"empty\">No case ran.</p>\n");
        }
        let _ = write!(html, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
        html
    }
}

fn write_case(html: &mut String, case: &CaseReport, open: bool) {
    let status = case.status.name();
    let _ = writeln!(
        html,
        "<details class=\"case {status}\" data-status=\"{status}\" data-id=\"{}\"{}>\n\
         <summary><span class=\"badge\">{status}</span> <code>{}</code> {}{}</summary>",
        escape(&case.id),
        if open { " open" } else { "" },
        escape(&case.id),
        escape(&case.title),
        case.baseline.map_or(String::new(), |mark| format!(" <em>({})</em>", mark.name()))
    );
    let _ = writeln!(html, "<p>{}</p>", escape(&case.message));
    let links: Vec<String> = case
        .spec
        .iter()
        .map(|key| format!("<a href=\"{}\">{}</a>", escape(&spec_url(key)), escape(key)))
        .collect();
    if !links.is_empty() {
        let _ = writeln!(html, "<p>Spec: {}</p>", links.join(", "));
    }
    if matches!(case.status, Status::Pass | Status::Skip) {
        // Keeps the page light: what passed is in report.json.
        html.push_str("<p class=\"empty\">Expected and observed data: see report.json.</p>\n</details>\n");
        return;
    }
    for (label, value) in [("Expected", &case.expected), ("Observed", &case.observed)] {
        let _ = writeln!(html, "<h4>{label}</h4>\n<pre>{}</pre>", escape(&pretty(value, DETAIL_LIMIT)));
        for (path, bytes) in bodies(value) {
            let _ = writeln!(html, "<h4>{label}: {} as bytes</h4>", escape(&path));
            write_hex(html, &bytes);
        }
    }
    html.push_str("</details>\n");
}

/// Every `body` in `value` (a string, or `{"hex": ...}` for bytes that are
/// not UTF-8), with where it was found.
fn bodies(value: &Value) -> Vec<(String, Vec<u8>)> {
    fn walk(value: &Value, path: String, found: &mut Vec<(String, Vec<u8>)>) {
        match value {
            Value::Object(object) => {
                for (key, inner) in object {
                    let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    match (key.as_str(), inner) {
                        ("body", Value::String(text)) => found.push((here, text.as_bytes().to_vec())),
                        ("body", Value::Object(hex)) => {
                            if let Some(bytes) = hex.get("hex").and_then(Value::as_str).and_then(from_hex) {
                                found.push((here, bytes));
                            }
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

fn from_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// A hex dump: offset, 16 bytes in hex, the same bytes as ASCII.
fn write_hex(html: &mut String, bytes: &[u8]) {
    if bytes.is_empty() {
        html.push_str("<p class=\"empty\">(no bytes)</p>\n");
        return;
    }
    html.push_str("<table class=\"hex\">\n");
    for (row, chunk) in bytes[..bytes.len().min(HEX_LIMIT)].chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk
            .iter()
            .map(|&b| if b.is_ascii_graphic() || b == b' ' { char::from(b) } else { '.' })
            .collect();
        let _ = writeln!(
            html,
            "<tr><td>{:08x}</td><td>{:<47}</td><td>{}</td></tr>",
            row * 16,
            hex.join(" "),
            escape(&ascii)
        );
    }
    html.push_str("</table>\n");
    if bytes.len() > HEX_LIMIT {
        let _ = writeln!(html, "<p class=\"empty\">... {} bytes in all</p>", bytes.len());
    }
}
