//! The report of one check (../shared/contracts.md section 5): the data, and
//! report.json, report.md, report.html and junit.xml rendered from it. Nothing below this
//! layer prints or exits.
//!
//! A report grows with its findings, not with the streams ([`Report::compact`],
//! which every file is written from): a passing or skipped case keeps id,
//! title, spec, status and message, and a digest of its expected and observed
//! data (its id reproduces them); in the others every long string, body or
//! array is an [`excerpt`] (length, SHA-256, first and last bytes or items, and
//! the bytes around the first difference from its counterpart, in hex and
//! text) and a long message keeps its two ends. report.json holds the excerpts
//! (one case a line); report.md, report.html and junit.xml show them with
//! where expected and observed first part; `--keep-bytes` writes the whole
//! values beside report.json (`bytes/<sha256>.bin`). report.json of earlier
//! versions (whole values) still reads: `expected` and `observed` are any JSON.

use std::path::Path;

pub mod excerpt;
mod html;
mod junit;
pub use junit::xml_escape;
mod markdown;
pub mod matrix;
mod view;

pub use excerpt::KeptBytes;
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
    /// With `--baseline`: this case against the baseline report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineMark>,
}

/// A case as the registry names it, so that a report of it can be made
/// without running it: server checks, client cases and registry entries.
pub trait Registered {
    /// Stable id.
    fn id(&self) -> &str;
    /// One line.
    fn title(&self) -> &str;
    /// Citation keys.
    fn spec(&self) -> Vec<String>;
    /// What a report of the case says it expects when it did not run.
    fn expected_when_skipped(&self) -> Value {
        Value::Null
    }
}

impl CaseReport {
    /// A case that did not run, and why: every skip (a missing capability,
    /// a check that cannot run, a run interrupted) is made here.
    pub fn skipped(case: &impl Registered, why: impl Into<String>) -> Self {
        Self {
            id: case.id().to_owned(),
            title: case.title().to_owned(),
            spec: case.spec(),
            status: Status::Skip,
            expected: case.expected_when_skipped(),
            observed: Value::Null,
            message: why.into(),
            baseline: None,
        }
    }
}

/// A case compared with the same case in a baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineMark {
    /// Fails now; passed, warned, was skipped or was absent in the baseline.
    NewFail,
    /// Failed in the baseline; does not fail now.
    Fixed,
    /// Fails in both, or in neither.
    Unchanged,
}

impl BaselineMark {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::NewFail => "new-fail",
            Self::Fixed => "fixed",
            Self::Unchanged => "unchanged",
        }
    }
}

/// The comparison with a baseline report, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSummary {
    /// The baseline report, as given.
    pub report: String,
    /// Cases that fail now and did not before.
    pub new_fail: usize,
    /// Cases that failed before and do not now.
    pub fixed: usize,
    /// The others.
    pub unchanged: usize,
}

/// The order reports list statuses in: what needs attention first.
pub const STATUS_ORDER: [Status; 5] = [Status::Fail, Status::Warn, Status::Info, Status::Skip, Status::Pass];

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

impl Summary {
    /// The counts of `cases`.
    pub fn of(cases: &[CaseReport]) -> Self {
        let mut summary = Self::default();
        for case in cases {
            *match case.status {
                Status::Pass => &mut summary.pass,
                Status::Fail => &mut summary.fail,
                Status::Warn => &mut summary.warn,
                Status::Info => &mut summary.info,
                Status::Skip => &mut summary.skip,
            } += 1;
        }
        summary
    }

    /// The count of `status`.
    pub fn count(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Warn => self.warn,
            Status::Info => self.info,
            Status::Skip => self.skip,
        }
    }
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
    /// The version of what was checked, as it reported itself when it ran
    /// (`--target-version`; the matrix reads it from the binary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
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
    /// With `--baseline`: the comparison, counted. The exit status then
    /// counts only new failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// How the target was reached (protocol, TLS): absent for a plain
    /// HTTP/1.1 run of an older ssecheck.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<TransportSummary>,
}

/// How the target was reached or served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransportSummary {
    /// `HTTP/1.1` or `HTTP/2`: what the stream was served over.
    pub protocol: String,
    /// With https: the TLS version and cipher suite, or what the harness
    /// served with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<String>,
    /// With https: whether the server's certificate was verified (false
    /// with `--insecure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_verified: Option<bool>,
}

impl TransportSummary {
    /// One line for the report pages, e.g. `HTTP/2 over TLSv1_3
    /// (certificate NOT verified: --insecure)`.
    pub fn describe(&self) -> String {
        let mut line = self.protocol.clone();
        if let Some(tls) = &self.tls {
            line.push_str(&format!(" over {tls}"));
        }
        match self.certificate_verified {
            Some(false) => line.push_str(" (certificate NOT verified: --insecure)"),
            Some(true) => line.push_str(" (certificate verified)"),
            None => {}
        }
        line
    }
}

/// How the message of a case marked by [`Report::mark_known_deviations`]
/// begins (its reason and `]` follow).
pub const KNOWN_DEVIATION: &str = "[known deviation: ";

impl Report {
    /// A report over `cases`, with the summary counted.
    pub fn new(target: &str, mode: &str, started: String, duration_ms: u64, cases: Vec<CaseReport>) -> Self {
        Self {
            tool: format!("ssecheck {}", env!("CARGO_PKG_VERSION")),
            spec: spec_impl::SPEC_VERSION.to_owned(),
            target: target.to_owned(),
            target_version: None,
            mode: mode.to_owned(),
            started,
            duration_ms,
            summary: Summary::of(&cases),
            cases,
            baseline: None,
            transport: None,
        }
    }

    /// Makes the report grow with its findings, not with the streams: a
    /// passing or skipped case keeps only a digest of its expected and
    /// observed data (its id reproduces them); in the others, long strings,
    /// bodies and arrays become excerpts ([`excerpt`]) and a long message keeps
    /// its two ends. Idempotent; [`Report::write_to`] does it to what it writes.
    pub fn compact(&mut self) {
        self.compact_cases(None);
    }

    /// [`Report::compact`], also returning every byte of each excerpt by the
    /// file beside report.json its excerpt names (`--keep-bytes`).
    pub fn compact_keeping_bytes(&mut self) -> KeptBytes {
        let mut kept = KeptBytes::new();
        self.compact_cases(Some(&mut kept));
        kept
    }

    fn compact_cases(&mut self, mut kept: Option<&mut KeptBytes>) {
        for case in &mut self.cases {
            compact_case(case, kept.as_deref_mut());
        }
    }

    /// A compacted copy (made case by case: a report with long values is
    /// never held twice).
    pub fn compacted(&self) -> Self {
        let Self {
            tool,
            spec,
            target,
            target_version,
            mode,
            started,
            duration_ms,
            summary,
            cases,
            baseline,
            transport,
        } = self;
        let cases = cases
            .iter()
            .map(|case| {
                let mut case = case.clone();
                compact_case(&mut case, None);
                case
            })
            .collect();
        Self {
            tool: tool.clone(),
            spec: spec.clone(),
            target: target.clone(),
            target_version: target_version.clone(),
            mode: mode.clone(),
            started: started.clone(),
            duration_ms: *duration_ms,
            summary: *summary,
            cases,
            baseline: baseline.clone(),
            transport: transport.clone(),
        }
    }

    /// `--strict`: every warning becomes a failure.
    pub fn make_strict(&mut self) {
        for case in self.cases.iter_mut().filter(|c| c.status == Status::Warn) {
            case.status = Status::Fail;
            case.message = format!("[--strict: a warning fails] {}", case.message);
        }
        self.summary = Summary::of(&self.cases);
    }

    /// `--known-deviation PREFIX=REASON`: a failing case whose id starts with
    /// PREFIX becomes `info`, its message led by REASON.
    pub fn mark_known_deviations(&mut self, known: &[(String, String)]) {
        for case in self.cases.iter_mut().filter(|c| c.status == Status::Fail) {
            if let Some((_, reason)) = known.iter().find(|(prefix, _)| case.id.starts_with(prefix.as_str())) {
                case.status = Status::Info;
                case.message = format!("{KNOWN_DEVIATION}{reason}] {}", case.message);
            }
        }
        self.summary = Summary::of(&self.cases);
    }

    /// `--baseline`: marks each case against the same id in `baseline`.
    pub fn compare_with(&mut self, baseline: &Report, name: &str) {
        let failed_before: std::collections::HashSet<&str> =
            baseline.cases.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.as_str()).collect();
        let mut summary = BaselineSummary { report: name.to_owned(), new_fail: 0, fixed: 0, unchanged: 0 };
        for case in &mut self.cases {
            let mark = match (case.status == Status::Fail, failed_before.contains(case.id.as_str())) {
                (true, false) => BaselineMark::NewFail,
                (false, true) => BaselineMark::Fixed,
                _ => BaselineMark::Unchanged,
            };
            *match mark {
                BaselineMark::NewFail => &mut summary.new_fail,
                BaselineMark::Fixed => &mut summary.fixed,
                BaselineMark::Unchanged => &mut summary.unchanged,
            } += 1;
            case.baseline = Some(mark);
        }
        self.baseline = Some(summary);
    }

    /// report.json: the report's fields one a line and each case on one line
    /// (a case is what a diff of two runs should show whole), compacted.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, OneCasePerLine::default());
        // Serializing plain data into memory cannot fail.
        let _ = self.compacted().serialize(&mut serializer);
        String::from_utf8(out).unwrap_or_default() + "\n"
    }

    /// Writes report.json, report.md, report.html and junit.xml into `dir`
    /// (created), compacted.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        self.write_with_bytes(dir, &KeptBytes::new())
    }

    /// [`Report::write_to`], and each of `kept` (from
    /// [`Report::compact_keeping_bytes`]) into the file its name says
    /// (`bytes/<sha256>.bin`).
    pub fn write_with_bytes(&self, dir: &Path, kept: &KeptBytes) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let report = self.compacted();
        std::fs::write(dir.join("report.json"), report.to_json())?;
        std::fs::write(dir.join("report.md"), report.to_markdown())?;
        std::fs::write(dir.join("junit.xml"), report.to_junit())?;
        std::fs::write(dir.join("report.html"), report.to_html())?;
        for (name, bytes) in kept {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, bytes)?;
        }
        Ok(())
    }

    /// The exit status the contract gives this report: 1 if a case failed;
    /// with a baseline, 1 only if a case failed that did not fail before.
    pub fn exit_code(&self) -> u8 {
        match &self.baseline {
            Some(baseline) => u8::from(baseline.new_fail > 0),
            None => u8::from(self.summary.fail > 0),
        }
    }
}

/// See [`Report::compact`].
fn compact_case(case: &mut CaseReport, kept: Option<&mut KeptBytes>) {
    excerpt::shorten_message(&mut case.message);
    if matches!(case.status, Status::Pass | Status::Skip) {
        // What a conforming target does is named by a digest; what this one
        // did is the same, or nothing happened: null.
        case.expected = excerpt::digest(&case.expected);
        case.observed = Value::Null;
    } else {
        excerpt::compact_pair(&mut case.expected, &mut case.observed, kept);
    }
}

/// The Fetch standard, which `fetch#` citation keys point into.
pub const FETCH_URL: &str = "https://fetch.spec.whatwg.org/";

/// The URL of a citation key's anchor (`#anchor words` in the HTML
/// standard, `fetch#anchor` in Fetch).
pub fn spec_url(key: &str) -> String {
    let (standard, rest) = key.split_once('#').map_or(("", key), |(standard, anchor)| (standard, anchor));
    let fragment = rest.split(' ').next().unwrap_or(rest);
    let base = match standard {
        "fetch" => FETCH_URL,
        _ => spec_impl::SPEC_URL,
    };
    format!("{base}#{fragment}")
}

/// A Markdown link into the standard for a citation key.
pub fn spec_link(key: &str) -> String {
    format!("[`{key}`]({})", spec_url(key))
}

/// serde_json's formatter for report.json: the report's fields one a line,
/// each item of `cases` on a line of its own (indented two spaces), compact
/// below.
#[derive(Debug, Default)]
struct OneCasePerLine {
    /// The containers open, true for an array.
    open: Vec<bool>,
    /// Whether the innermost container written so far has a value.
    has_value: bool,
}

impl OneCasePerLine {
    /// Whether the values of the innermost container go on lines of their
    /// own: the report's fields, and the items of an array in it.
    fn pretty(&self) -> bool {
        matches!(self.open.as_slice(), [false] | [false, true])
    }

    fn newline<W: ?Sized + std::io::Write>(writer: &mut W, depth: usize) -> std::io::Result<()> {
        writer.write_all(if depth == 0 { b"\n" } else { b"\n  " })
    }

    fn begin<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, array: bool) -> std::io::Result<()> {
        self.open.push(array);
        self.has_value = false;
        writer.write_all(if array { b"[" } else { b"{" })
    }

    fn end<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        let pretty = self.pretty();
        let array = self.open.pop().unwrap_or(false);
        if pretty && self.has_value {
            Self::newline(writer, self.open.len())?;
        }
        writer.write_all(if array { b"]" } else { b"}" })
    }

    fn value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        if self.pretty() {
            Self::newline(writer, self.open.len())?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for OneCasePerLine {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.begin(writer, true)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.end(writer)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.value(writer, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.begin(writer, false)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.end(writer)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.value(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(if self.pretty() { b": " } else { b":" })
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _writer: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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

/// The most lines of spec-impl's trace a report shows for one case.
const TRACE_LINES: usize = 12;
/// The most bytes of spec-impl's trace a report shows for one case.
const TRACE_BYTES: usize = 1000;

/// For a failing parse case, spec-impl's compact trace of the stream it served (the
/// expected side, derived from the case id, so report.json needs no field
/// for it), bounded with a note of what was left out.
fn expected_trace(case: &CaseReport) -> Option<String> {
    if case.status != Status::Fail {
        return None;
    }
    crate::explain::report_trace(&case.id, TRACE_LINES, TRACE_BYTES)
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
