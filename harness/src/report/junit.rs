//! junit.xml: one testcase per case, as CI systems read it.

use std::fmt::Write as _;

use super::{Report, Status};

impl Report {
    /// JUnit XML: one testcase per case; fail as failure, skip as skipped,
    /// warn and info as passing with their message in system-out.
    pub fn to_junit(&self) -> String {
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            xml,
            "<testsuites name=\"ssecheck\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
            self.cases.len(),
            self.summary.fail,
            self.summary.skip,
            self.duration_ms as f64 / 1000.0
        );
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" timestamp=\"{}\">",
            xml_escape(&format!("{} {}", self.mode, self.target)),
            self.cases.len(),
            self.summary.fail,
            self.summary.skip,
            xml_escape(&self.started)
        );
        for case in &self.cases {
            let class = case.id.rsplit_once('.').map_or(case.id.as_str(), |(family, _)| family);
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\">",
                xml_escape(class),
                xml_escape(&case.id)
            );
            match case.status {
                Status::Fail => {
                    let _ = write!(
                        xml,
                        "<failure message=\"{}\">expected: {}\nobserved: {}</failure>",
                        xml_escape(&case.message),
                        xml_escape(&case.expected.to_string()),
                        xml_escape(&case.observed.to_string())
                    );
                }
                Status::Skip => {
                    let _ = write!(xml, "<skipped message=\"{}\"/>", xml_escape(&case.message));
                }
                Status::Warn | Status::Info => {
                    let _ = write!(
                        xml,
                        "<system-out>{}: {}</system-out>",
                        case.status.name(),
                        xml_escape(&case.message)
                    );
                }
                Status::Pass => {}
            }
            xml.push_str("</testcase>\n");
        }
        xml.push_str("  </testsuite>\n</testsuites>\n");
        xml
    }
}

/// Escapes text for XML attributes and content; characters XML 1.0 cannot
/// carry at all become U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
