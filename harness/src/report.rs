//! The report of one check (../shared/contracts.md section 5): the data, and
//! report.json / report.md / junit.xml rendered from it. Nothing below this
//! layer prints or exits.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A case's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Violates a MUST.
    Fail,
    /// Legal, but against a SHOULD or known to be harmful.
    Warn,
    /// Where browsers or the standard's open issues differ; never a fail.
    Info,
    /// The target declared it cannot do what the case needs.
    Skip,
    /// As the standard says.
    Pass,
}

impl Status {
    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Skip => "skip",
            Self::Pass => "pass",
        }
    }
}

/// One case in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// Stable id; a prefix selects a family.
    pub id: String,
    /// One line.
    pub title: String,
    /// Citation keys of the standard's steps.
    pub spec: Vec<String>,
    /// The outcome.
    pub status: Status,
    /// What a conforming target does.
    pub expected: Value,
    /// What the target did.
    pub observed: Value,
    /// Why the status, in a sentence.
    pub message: String,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Cases that passed.
    pub pass: usize,
    /// Cases that failed.
    pub fail: usize,
    /// Cases with a warning.
    pub warn: usize,
    /// Informational cases.
    pub info: usize,
    /// Skipped cases.
    pub skip: usize,
}

/// A whole check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `ssecheck <version>`.
    pub tool: String,
    /// The snapshot of the standard.
    pub spec: String,
    /// What was checked.
    pub target: String,
    /// `client`, `server` or `parse`.
    pub mode: String,
    /// RFC 3339.
    pub started: String,
    /// Wall time of the whole check.
    pub duration_ms: u64,
    /// Counts per status.
    pub summary: Summary,
    /// Every case, in registry order.
    pub cases: Vec<CaseReport>,
}

impl Report {
    /// A report over `cases`, with the summary counted.
    pub fn new(target: &str, mode: &str, started: String, duration_ms: u64, cases: Vec<CaseReport>) -> Self {
        let mut summary = Summary::default();
        for case in &cases {
            *match case.status {
                Status::Pass => &mut summary.pass,
                Status::Fail => &mut summary.fail,
                Status::Warn => &mut summary.warn,
                Status::Info => &mut summary.info,
                Status::Skip => &mut summary.skip,
            } += 1;
        }
        Self {
            tool: format!("ssecheck {}", env!("CARGO_PKG_VERSION")),
            spec: spec_impl::SPEC_VERSION.to_owned(),
            target: target.to_owned(),
            mode: mode.to_owned(),
            started,
            duration_ms,
            summary,
            cases,
        }
    }

    /// Writes report.json, report.md and junit.xml into `dir` (created).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("report.json"), json + "\n")?;
        std::fs::write(dir.join("report.md"), self.to_markdown())?;
        std::fs::write(dir.join("junit.xml"), self.to_junit())?;
        Ok(())
    }

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
        let _ = writeln!(md, "| pass | fail | warn | info | skip |\n|---|---|---|---|---|");
        let _ = writeln!(md, "| {} | {} | {} | {} | {} |\n", s.pass, s.fail, s.warn, s.info, s.skip);
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
                let _ = writeln!(md, "Expected:\n\n```json\n{}\n```\n", pretty(&case.expected));
                let _ = writeln!(md, "Observed:\n\n```json\n{}\n```\n", pretty(&case.observed));
            }
        }
        let _ = writeln!(md, "## All cases\n");
        for case in &self.cases {
            let _ = writeln!(md, "- {} `{}`: {}", case.status.name(), case.id, case.title);
        }
        md
    }

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

    /// The exit status the contract gives this report: 1 if a case failed.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.summary.fail > 0)
    }
}

/// A Markdown link into the standard for a citation key.
pub fn spec_link(key: &str) -> String {
    let (anchor, rest) = key.split_once('#').map_or(("", key), |(standard, anchor)| (standard, anchor));
    let fragment = rest.split(' ').next().unwrap_or(rest);
    let base = match anchor {
        "fetch" => "https://fetch.spec.whatwg.org/",
        _ => spec_impl::SPEC_URL,
    };
    format!("[`{key}`]({base}#{fragment})")
}

fn pretty(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    if text.len() > 8000 {
        let cut = (0..=8000).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        format!("{}\n... ({} bytes in all; see report.json)", &text[..cut], text.len())
    } else {
        text
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

/// `now` as RFC 3339 UTC with seconds.
pub fn rfc3339(time: std::time::SystemTime) -> String {
    let secs = time.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let (hour, minute, second) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        let at = |secs| rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_420_800), "2026-11-23T08:00:00Z");
        assert_eq!(at(1_795_420_799), "2026-11-23T07:59:59Z");
    }
}
