//! junit.xml: one testcase per case, as CI systems read it (classname the
//! family, the first two parts of the id, and name the rest). A passing case is
//! one empty element; a failure carries the message and, in its text, where
//! expected and observed first part and each long value's length, hash and
//! first difference (hex and text). The tool, the standard's snapshot and the
//! transport are properties of the suite.

use std::fmt::Write as _;

use super::excerpt::Shown;
use super::view::{brief, describe, first_difference, long_values, quoted};
use super::{CaseReport, Report, Status};

/// The most bytes of JSON shown for a value of the first difference.
const BRIEF_LIMIT: usize = 300;

impl Report {
    /// JUnit XML: one testcase per case; fail as failure, skip as skipped,
    /// warn and info as passing with their message in system-out.
    pub fn to_junit(&self) -> String {
        let report = self.compacted();
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            xml,
            "<testsuites name=\"ssecheck\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
            report.cases.len(),
            report.summary.fail,
            report.summary.skip,
            report.duration_ms as f64 / 1000.0
        );
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" timestamp=\"{}\">",
            xml_escape(&format!("{} {}", report.mode, report.target)),
            report.cases.len(),
            report.summary.fail,
            report.summary.skip,
            xml_escape(&report.started)
        );
        xml.push_str("  <properties>\n");
        let transport = report.transport.as_ref().map(|t| t.describe());
        for (name, value) in [
            ("tool", Some(&report.tool)),
            ("spec", Some(&report.spec)),
            ("target_version", report.target_version.as_ref()),
            ("transport", transport.as_ref()),
        ] {
            if let Some(value) = value {
                let _ = writeln!(xml, "    <property name=\"{name}\" value=\"{}\"/>", xml_escape(value));
            }
        }
        xml.push_str("  </properties>\n");
        for case in &report.cases {
            // classname.name is the id: CI pages group by family.
            let (family, rest) = super::markdown::family(&case.id);
            let name = if rest.is_empty() { family } else { rest };
            let _ =
                write!(xml, "<testcase classname=\"{}\" name=\"{}\"", xml_escape(family), xml_escape(name));
            match case.status {
                Status::Fail => {
                    let _ = write!(
                        xml,
                        "><failure message=\"{}\">{}</failure></testcase>",
                        xml_escape(&case.message),
                        text_escape(&details(case))
                    );
                }
                Status::Skip => {
                    let _ = write!(xml, "><skipped message=\"{}\"/></testcase>", xml_escape(&case.message));
                }
                Status::Warn | Status::Info => {
                    let _ = write!(
                        xml,
                        "><system-out>{}: {}\n{}</system-out></testcase>",
                        case.status.name(),
                        text_escape(&case.message),
                        text_escape(&details(case))
                    );
                }
                Status::Pass => xml.push_str("/>"),
            }
            xml.push('\n');
        }
        xml.push_str("  </testsuite>\n</testsuites>\n");
        xml
    }
}

/// Where expected and observed first part, and each long value.
fn details(case: &CaseReport) -> String {
    let mut text = String::new();
    let difference = first_difference(&case.expected, &case.observed);
    if let Some(difference) = difference.filter(|d| !d.at_long_strings()) {
        let _ = writeln!(
            text,
            "first difference at {}:\n  expected: {}\n  observed: {}",
            if difference.path.is_empty() { "the top" } else { &difference.path },
            brief(difference.expected, BRIEF_LIMIT),
            brief(difference.observed, BRIEF_LIMIT)
        );
    }
    for (path, shown) in
        long_values(&case.expected, "expected").into_iter().chain(long_values(&case.observed, "observed"))
    {
        let _ = writeln!(text, "{path}: {}", describe(&path, &shown));
        if let Shown::Bytes(excerpt) = &shown {
            if let Some(difference) = &excerpt.first_difference {
                let _ = writeln!(
                    text,
                    "  from byte {}: {}\n  as text: {}",
                    difference.at,
                    difference.hex,
                    quoted(&difference.text)
                );
            }
        }
    }
    if text.is_empty() {
        let _ = writeln!(
            text,
            "expected: {}\nobserved: {}",
            brief(Some(&case.expected), BRIEF_LIMIT),
            brief(Some(&case.observed), BRIEF_LIMIT)
        );
    }
    text
}

/// Escapes text for XML attributes and content; characters XML 1.0 cannot
/// carry at all become U+FFFD.
pub fn xml_escape(text: &str) -> String {
    escape(text, true)
}

/// Escapes text for XML (and HTML) content, where quotes need no escaping;
/// characters XML 1.0 cannot carry at all become U+FFFD.
pub fn text_escape(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
