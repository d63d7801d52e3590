//! `cargo xtask check --client` end to end, as a user runs it: the reference
//! adapter passes every case; a deliberately buggy adapter is caught for each
//! bug it can have, while the same adapter without bugs passes; bad input
//! is exit 2. Hostile adapters and servers are in hostile.rs.

use std::path::PathBuf;
use std::process::{Command, Output};

use harness::report::{Report, Status};

fn xtask() -> &'static str {
    env!("CARGO_BIN_EXE_xtask")
}

/// The buggy adapter (xtask/src/bin/mutant_adapter.rs).
fn mutant() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ssecheck-mutant-adapter"))
}

/// The committed report schema every report written here must follow.
static SCHEMA: std::sync::LazyLock<jsonschema::Validator> = std::sync::LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../reports/report.schema.json");
    let schema = serde_json::from_slice(&std::fs::read(path).expect("the schema")).expect("JSON");
    jsonschema::validator_for(&schema).expect("a valid schema")
});

fn run_check(adapter: &str, extra: &[&str]) -> (Output, Option<Report>) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let output = Command::new(xtask())
        .args(["check", "--client", adapter, "--no-progress", "--out"])
        .arg(out.path())
        .args(extra)
        .output()
        .expect("xtask runs");
    let json = std::fs::read(out.path().join("report.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
    if let Some(json) = &json {
        let errors: Vec<String> = SCHEMA.iter_errors(json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "report.json breaks reports/report.schema.json: {errors:#?}");
    }
    let report = json.and_then(|json| serde_json::from_value::<Report>(json).ok());
    if report.is_some() {
        for file in ["report.md", "report.html", "junit.xml"] {
            assert!(out.path().join(file).is_file(), "{file} is written beside report.json");
        }
    }
    (output, report)
}

fn statuses(report: &Report) -> Vec<(String, Status)> {
    report.cases.iter().map(|c| (c.id.clone(), c.status)).collect()
}

#[test]
fn the_reference_adapter_passes_every_case_without_warnings() {
    let (output, report) = run_check(&format!("{} client", xtask()), &ALL_CAPABILITIES);
    let report = report.expect("a report is written");
    let failing: Vec<_> =
        report.cases.iter().filter(|c| matches!(c.status, Status::Fail | Status::Warn)).collect();
    assert!(failing.is_empty(), "{:#?}", failing.iter().map(|c| (&c.id, &c.message)).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(0));
    assert!(report.summary.pass > 600, "{:?}", report.summary);
    assert_eq!(report.summary.skip, 0);
    for case in report.cases.iter().filter(|c| c.status == Status::Info) {
        assert!(case.message.starts_with("behaves as the standard reads"), "{}: {}", case.id, case.message);
    }
    assert!(String::from_utf8_lossy(&output.stdout).contains(" passed, 0 failed, 0 warned"));
}

/// Each bug of ../shared/spec-notes.md's list the mutant adapter can have, and
/// the family of cases that must catch it.
const BUGS: &[(&str, &str)] = &[
    ("leading-bom-kept", "parse.bom"),
    ("second-bom-stripped", "parse.bom"),
    ("lone-cr-waits", "parse.line-endings"),
    ("retry-only-block-dropped", "connection.reconnect.retry-delay"),
    ("retry-space-not-parsed", "connection.reconnect"),
    ("retry-as-seconds", "connection.reconnect.end-of-body"),
    ("crlf-split-twice", "parse.line-endings"),
    ("empty-event-dispatched", "parse.dispatch"),
    ("unknown-field-error", "parse.fields"),
    ("reconnect-after-failure", "connection.status"),
    ("empty-last-event-id-sent", "connection.last-event-id"),
    ("block-id-as-last-event-id", "parse.id"),
    ("no-reconnect-delay", "connection.reconnect.retry-delay"),
    ("partial-event-dispatched-on-error", "connection.reconnect.reset-mid-event"),
    ("partial-event-dispatched-at-end", "connection.end-of-body"),
    ("open-at-first-byte", "parse.end-of-file.empty-file"),
];

#[test]
fn every_library_bug_is_caught_and_the_same_adapter_without_bugs_passes() {
    let mutant = mutant();
    let mutant = mutant.to_str().expect("a UTF-8 path");
    let mut families: Vec<&str> = BUGS.iter().map(|(_, family)| *family).collect();
    families.sort_unstable();
    families.dedup();
    // The control: no bug, every family the bugs are checked in.
    let mut args: Vec<&str> = Vec::new();
    for family in &families {
        args.extend(["--case", family]);
    }
    let (_, control) = run_check(mutant, &args);
    let control = control.expect("a report is written");
    let failing: Vec<_> = control.cases.iter().filter(|c| c.status == Status::Fail).map(|c| &c.id).collect();
    assert!(failing.is_empty(), "the mutant adapter without bugs fails: {failing:?}");

    let runs: Vec<_> = BUGS
        .iter()
        .map(|(bug, family)| {
            let adapter = format!("{mutant} --bug {bug}");
            let family = (*family).to_owned();
            std::thread::spawn(move || {
                let (output, report) = run_check(&adapter, &["--case", &family, "--jobs", "8"]);
                (adapter, family, output, report)
            })
        })
        .collect();
    let mut missed = Vec::new();
    for run in runs {
        let (adapter, family, output, report) = run.join().expect("the check thread finishes");
        let report = report.expect("a report is written");
        if report.summary.fail == 0 || output.status.code() != Some(1) {
            missed.push(format!("{adapter} in {family}: {:?}", report.summary));
        }
    }
    assert!(missed.is_empty(), "bugs not caught: {missed:#?}");
}

/// Bugs whose effect shows only on the connection (the reconnection delay,
/// the Last-Event-ID header, what the next stream starts with), and exactly
/// the connection cases each must fail: the case that names the class of
/// wrong implementation, and no other. Run with `--strict`, so a bug against
/// a Should (`accept-first-request-only`) fails its case too.
const CONNECTION_BUGS: &[(&str, &[&str])] = &[
    (
        "retry-leading-digits",
        &[
            "connection.retry-invalid.unit-suffix",
            "connection.retry-invalid.exponent",
            "connection.retry-invalid.decimal-point",
            "connection.retry-invalid.plus-sign",
            "connection.retry-invalid.minus-sign",
            "connection.retry-invalid.trailing-space",
            "connection.retry-invalid.leading-space",
            "connection.retry-invalid.hex",
            "connection.retry-invalid.digit-separator",
        ],
    ),
    (
        "retry-float",
        &[
            "connection.retry-invalid.exponent",
            "connection.retry-invalid.decimal-point",
            "connection.retry-invalid.plus-sign",
            "connection.retry-invalid.minus-sign",
        ],
    ),
    (
        "retry-python-int",
        &[
            "connection.retry-invalid.plus-sign",
            "connection.retry-invalid.minus-sign",
            "connection.retry-invalid.trailing-space",
            "connection.retry-invalid.leading-space",
            "connection.retry-invalid.digit-separator",
            "connection.retry-invalid.fullwidth-digits",
        ],
    ),
    (
        "retry-invalid-resets-default",
        &[
            "connection.retry-invalid.unit-suffix",
            "connection.retry-invalid.exponent",
            "connection.retry-invalid.decimal-point",
            "connection.retry-invalid.plus-sign",
            "connection.retry-invalid.minus-sign",
            "connection.retry-invalid.trailing-space",
            "connection.retry-invalid.leading-space",
            "connection.retry-invalid.hex",
            "connection.retry-invalid.digit-separator",
            "connection.retry-invalid.fullwidth-digits",
        ],
    ),
    ("retry-octal-leading-zero", &["connection.retry-valid.leading-zeros"]),
    ("retry-32-bit-wrap", &["connection.retry-valid.2-pow-32", "connection.retry-valid.2-pow-64"]),
    // Wrapped and then raised to 500 ms, as Gecko: the reconnection comes
    // later than the quiet window, within the longer watch.
    ("retry-32-bit-wrap-floor", &["connection.retry-valid.2-pow-32", "connection.retry-valid.2-pow-64"]),
    (
        "retry-timer-overflow",
        &[
            "connection.retry-valid.2-pow-31",
            "connection.retry-valid.2-pow-32",
            "connection.retry-valid.2-pow-64",
        ],
    ),
    ("retry-at-dispatch", &["connection.reconnect.retry-delay.unfinished-block"]),
    ("retry-per-connection", &["connection.reconnect.retry-delay.persists"]),
    ("error-backoff-ignores-retry", &["connection.reconnect.retry-delay.after-reset"]),
    ("id-only-on-event", &["connection.last-event-id.dataless-block"]),
    (
        "id-set-at-field",
        &[
            "connection.last-event-id.unfinished-block",
            "connection.reconnect.reset-mid-event",
            "connection.read-timeout.silent-mid-event",
            "connection.restart.mid-event",
        ],
    ),
    ("last-event-id-latin1", &["connection.last-event-id.non-ascii"]),
    (
        "buffers-kept-across-connections",
        &[
            "connection.reconnect.new-stream.data-buffer",
            "connection.reconnect.new-stream.event-type-buffer",
            "connection.read-timeout.silent-mid-event",
        ],
    ),
    ("bom-only-first-connection", &["connection.reconnect.new-stream.bom"]),
    (
        "any-2xx-accepted",
        &[
            "connection.status.first.201",
            "connection.status.first.202",
            "connection.status.first.204",
            "connection.status.first.205",
            "connection.status.first.206",
            "connection.status.first.210",
            "connection.status.first.299",
            "connection.status.201",
            "connection.status.202",
            "connection.status.204",
            "connection.status.205",
            "connection.status.206",
            "connection.status.210",
            "connection.status.299",
            "connection.redirect.first.to-204",
            "connection.redirect.reconnect.to-204",
            "connection.reconnect.twice-then-204",
        ],
    ),
    (
        "first-status-not-checked",
        &[
            "connection.status.first.201",
            "connection.status.first.202",
            "connection.status.first.204",
            "connection.status.first.205",
            "connection.status.first.206",
            "connection.status.first.210",
            "connection.status.first.299",
            "connection.status.first.400",
            "connection.status.first.401",
            "connection.status.first.403",
            "connection.status.first.404",
            "connection.status.first.410",
            "connection.status.first.500",
            "connection.status.first.502",
            "connection.status.first.503",
            "connection.redirect.first.to-404",
            "connection.redirect.first.to-204",
            "connection.redirect.first.no-location.301",
            "connection.redirect.first.no-location.302",
            "connection.redirect.first.no-location.307",
        ],
    ),
    ("redirect-303-refused", &["connection.redirect.303", "connection.method-body.redirect-303"]),
    (
        "redirect-target-status-ignored",
        &[
            "connection.redirect.first.to-404",
            "connection.redirect.first.to-204",
            "connection.redirect.reconnect.to-404",
            "connection.redirect.reconnect.to-204",
        ],
    ),
    (
        "delivery-waits-for-next-read",
        &[
            "connection.payload.4096.one-line",
            "connection.payload.4096.many-lines",
            "connection.payload.4097.one-line",
            "connection.payload.4097.many-lines",
            "connection.payload.8191.one-line",
            "connection.payload.8191.many-lines",
            "connection.payload.8192.one-line",
            "connection.payload.8192.many-lines",
            "connection.payload.8193.one-line",
            "connection.payload.8193.many-lines",
            "connection.payload.16384.one-line",
            "connection.payload.16384.many-lines",
            "connection.payload.65535.one-line",
            "connection.payload.65535.many-lines",
            "connection.payload.65536.one-line",
            "connection.payload.65536.many-lines",
            "connection.payload.65537.one-line",
            "connection.payload.65537.many-lines",
            "connection.payload.1048576.one-line",
            "connection.payload.1048576.many-lines",
            "connection.payload.4096.crlf",
            "connection.payload.65536.crlf",
            "connection.payload.1048576.crlf",
            "connection.payload.8192.exact-frame",
            "connection.payload.65536.exact-frame",
        ],
    ),
    (
        "line-cap-8192",
        &[
            "connection.payload.8191.one-line",
            "connection.payload.8192.one-line",
            "connection.payload.8193.one-line",
            "connection.payload.16384.one-line",
            "connection.payload.65535.one-line",
            "connection.payload.65536.one-line",
            "connection.payload.65537.one-line",
            "connection.payload.1048576.one-line",
            "connection.payload.65536.exact-frame",
        ],
    ),
    ("accept-first-request-only", &["connection.request-headers.reconnection.accept"]),
    ("cache-control-first-request-only", &["connection.request-headers.reconnection.cache-control"]),
    ("empty-body-fails", &["connection.reconnect.empty-body"]),
    // Announcing the connection at the body's first byte is the empty-body
    // parse cases' to catch: every reconnection past a case's script is
    // answered by a stream that starts with a comment, so no connection case
    // fails for it and hides what it checks.
    ("open-at-first-byte", &[]),
    (
        "content-type-not-checked",
        &[
            "connection.content-type.text-plain",
            "connection.content-type.missing",
            "connection.content-type.event-streams",
            "connection.content-type.first.text-x-bogus",
            "connection.content-type.first.missing",
            "connection.redirect.first.to-wrong-content-type",
            "connection.redirect.reconnect.to-wrong-content-type",
        ],
    ),
    // The contract's capabilities, for the life of the connection.
    (
        "headers-first-request-only",
        &[
            "connection.headers.after-end-of-body",
            "connection.headers.after-reset",
            "connection.headers.redirect-301",
            "connection.headers.redirect-302",
            "connection.headers.redirect-307",
            "connection.headers.redirect-on-reconnection",
        ],
    ),
    (
        "headers-dropped-on-redirect",
        &[
            "connection.headers.redirect-301",
            "connection.headers.redirect-302",
            "connection.headers.redirect-307",
            "connection.headers.redirect-on-reconnection",
        ],
    ),
    (
        "method-get-on-reconnect",
        &[
            "connection.method-body.after-end-of-body",
            "connection.method-body.after-reset",
            "connection.method-body.redirect-307",
            "connection.method-body.redirect-308",
            "connection.method-body.non-ascii-body",
            "connection.method-body.empty-body",
        ],
    ),
    (
        "body-dropped-on-reconnect",
        &[
            "connection.method-body.after-end-of-body",
            "connection.method-body.after-reset",
            "connection.method-body.redirect-307",
            "connection.method-body.redirect-308",
            "connection.method-body.non-ascii-body",
        ],
    ),
    ("body-length-in-chars", &["connection.method-body.non-ascii-body"]),
    ("post-kept-on-303", &["connection.method-body.redirect-303"]),
    ("get-on-307", &["connection.method-body.redirect-307", "connection.method-body.redirect-308"]),
    ("method-get-without-body", &["connection.method-body.empty-body"]),
    (
        "initial-id-every-request",
        &[
            "connection.initial-last-event-id.replaced-by-stream-id",
            "connection.initial-last-event-id.reset-by-empty-id",
        ],
    ),
    ("initial-id-first-request-only", &["connection.initial-last-event-id.kept-without-dispatch"]),
    // The stdin commands and the read timeout.
    ("close-reconnects-later", &["connection.capability.close", "connection.capability.close-while-waiting"]),
    ("restart-fires-error", &["connection.restart.mid-event"]),
    (
        "restart-waits-reconnection-time",
        &["connection.restart.mid-event", "connection.restart.while-waiting"],
    ),
    ("restart-keeps-partial-event", &["connection.restart.mid-event"]),
    ("restart-forgets-last-event-id", &["connection.restart.mid-event"]),
    (
        "read-timeout-from-connect",
        &[
            "connection.read-timeout.comments-keep-the-stream",
            "connection.read-timeout.events-keep-the-stream",
        ],
    ),
    ("read-timeout-reset-by-events-only", &["connection.read-timeout.comments-keep-the-stream"]),
    ("read-timeout-first-connection-only", &["connection.read-timeout.every-connection"]),
    (
        "read-timeout-a-tenth",
        &[
            "connection.read-timeout.silent-after-event",
            "connection.read-timeout.silent-mid-event",
            "connection.read-timeout.every-connection",
            "connection.read-timeout.comments-keep-the-stream",
            "connection.read-timeout.events-keep-the-stream",
        ],
    ),
];

/// The capabilities the mutant adapter offers (not `close`), declared in
/// every run of [`CONNECTION_BUGS`] so their cases run too.
const MUTANT_CAPABILITIES: [&str; 12] = ALL_CAPABILITIES;

/// How many checks run at once in [`each_connection_bug_fails_exactly_the_cases_of_its_class`].
const CONCURRENT_CHECKS: usize = 6;

/// A place among [`CONCURRENT_CHECKS`], given back when dropped.
struct Slot(std::sync::Arc<(std::sync::Mutex<usize>, std::sync::Condvar)>);

impl Slot {
    fn take(slots: &std::sync::Arc<(std::sync::Mutex<usize>, std::sync::Condvar)>) -> Self {
        let (free, freed) = &**slots;
        let mut free = free.lock().expect("not poisoned");
        while *free == 0 {
            free = freed.wait(free).expect("not poisoned");
        }
        *free -= 1;
        Self(slots.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (free, freed) = &*self.0;
        *free.lock().expect("not poisoned") += 1;
        freed.notify_one();
    }
}

#[test]
fn each_connection_bug_fails_exactly_the_cases_of_its_class() {
    let slots = std::sync::Arc::new((std::sync::Mutex::new(CONCURRENT_CHECKS), std::sync::Condvar::new()));
    let mutant = mutant();
    let mutant = mutant.to_str().expect("a UTF-8 path");
    let runs: Vec<_> = std::iter::once(("", &[][..]))
        .chain(CONNECTION_BUGS.iter().copied())
        .map(|(bug, cases)| {
            let adapter = if bug.is_empty() { mutant.to_owned() } else { format!("{mutant} --bug {bug}") };
            let slots = slots.clone();
            std::thread::spawn(move || {
                // A few checks at a time: the read-timeout and close cases
                // time the adapter, which a starved machine would delay.
                let _slot = Slot::take(&slots);
                let args = [&["--case", "connection", "--strict"][..], &MUTANT_CAPABILITIES[..]].concat();
                (adapter.clone(), cases, exit_and_report(&adapter, &args))
            })
        })
        .collect();
    let mut wrong = Vec::new();
    for run in runs {
        let (adapter, cases, (code, report)) = run.join().expect("the check finishes");
        let mut failing: Vec<&str> =
            report.cases.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.as_str()).collect();
        let mut expected = cases.to_vec();
        failing.sort_unstable();
        expected.sort_unstable();
        if failing != expected || code != i32::from(!expected.is_empty()) {
            let messages: Vec<_> = report
                .cases
                .iter()
                .filter(|c| c.status == Status::Fail)
                .map(|c| (&c.id, &c.message))
                .collect();
            wrong.push(format!(
                "{adapter} (exit {code}): failed {failing:?}, expected {expected:?}: {messages:#?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn bad_input_is_one_error_line_and_exit_2() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let blocked = out.path().join("file");
    std::fs::write(&blocked, b"").expect("a file");
    for (args, why) in [
        (vec!["check", "--client", "/no/such/adapter"], "an adapter that does not exist"),
        (vec!["check", "--client", "no-such-adapter-on-path"], "an adapter not on PATH"),
        (vec!["check", "--client", "'unterminated"], "an unterminated quote"),
        (vec!["check", "--client", "true", "--out", blocked.to_str().expect("UTF-8")], "an unwritable --out"),
        (vec!["check", "--client", "true", "--case", "no.such.family"], "no case selected"),
    ] {
        let output = Command::new(xtask()).args(&args).output().expect("xtask runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{why}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{why}: {stderr}");
        assert!(stderr.starts_with("error: "), "{why}: {stderr}");
    }
}

#[test]
fn results_are_the_same_on_every_run() {
    let reference = format!("{} client", xtask());
    let runs: Vec<_> = (0..5)
        .map(|_| {
            let reference = reference.clone();
            std::thread::spawn(move || run_check(&reference, &["--case", "connection", "--jobs", "8"]).1)
        })
        .collect();
    let results: Vec<_> =
        runs.into_iter().map(|run| statuses(&run.join().expect("finishes").expect("a report"))).collect();
    assert!(results.iter().all(|r| *r == results[0]), "runs differ: {results:#?}");
}

fn exit_and_report(adapter: &str, extra: &[&str]) -> (i32, Report) {
    let (output, report) = run_check(adapter, extra);
    (output.status.code().unwrap_or(-1), report.expect("a report is written"))
}

#[test]
fn strict_turns_warnings_into_failures() {
    let adapter = format!("{} --bug no-cache-control", mutant().display());
    let family = ["--case", "connection.request-headers"];
    let (code, report) = exit_and_report(&adapter, &family);
    // connection.request-headers.cache-control and .reconnection.cache-control.
    assert_eq!((code, report.summary.warn, report.summary.fail), (0, 2, 0), "a SHOULD is a warning");
    let (code, report) = exit_and_report(&adapter, &[&family[..], &["--strict"]].concat());
    assert_eq!((code, report.summary.warn, report.summary.fail), (1, 0, 2), "--strict fails it");
}

#[test]
fn a_baseline_counts_only_new_failures() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mutant = mutant();
    let family = ["--case", "parse.line-endings", "--jobs", "8"];
    let before = dir.path().join("before");
    let output = Command::new(xtask())
        .args(["check", "--no-progress", "--client"])
        .arg(format!("{} --bug crlf-split-twice", mutant.display()))
        .arg("--out")
        .arg(&before)
        .args(family)
        .output()
        .expect("xtask runs");
    assert_eq!(output.status.code(), Some(1), "the baseline run has failures");
    let baseline = before.join("report.json");
    let baseline = baseline.to_str().expect("UTF-8");
    // The same bug again: failures, but none new.
    let same = format!("{} --bug crlf-split-twice", mutant.display());
    let (code, report) = exit_and_report(&same, &[&family[..], &["--baseline", baseline]].concat());
    let summary = report.baseline.expect("the comparison is in the report");
    assert!(report.summary.fail > 0);
    assert_eq!((code, summary.new_fail, summary.fixed), (0, 0, 0));
    // Another bug: new failures, and the old ones fixed.
    let other = format!("{} --bug lone-cr-waits", mutant.display());
    let (code, report) = exit_and_report(&other, &[&family[..], &["--baseline", baseline]].concat());
    let summary = report.baseline.expect("the comparison is in the report");
    assert_eq!(code, 1);
    assert!(summary.new_fail > 0 && summary.fixed > 0, "{summary:?}");
    let marked = report.cases.iter().filter(|c| c.baseline == Some(harness::report::BaselineMark::NewFail));
    assert!(marked.clone().all(|c| c.status == Status::Fail) && marked.count() == summary.new_fail);
}

#[test]
fn the_registry_lists_every_case_once() {
    let list = |extra: &[&str]| {
        let output =
            Command::new(xtask()).args(["check", "--list"]).args(extra).output().expect("xtask runs");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let entries: Vec<serde_json::Value> = serde_json::from_str(&list(&["--json"])).expect("JSON");
    let mut ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().expect("an id")).collect();
    assert!(entries.iter().any(|e| e["mode"] == "server") && entries.iter().any(|e| e["mode"] == "client"));
    for entry in &entries {
        assert!(["must", "should", "info"].contains(&entry["level"].as_str().expect("a level")));
        assert!(!entry["spec"].as_array().expect("spec keys").is_empty(), "{entry}");
    }
    assert_eq!(list(&[]).lines().count(), ids.len());
    ids.sort_unstable();
    let count = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), count, "ids are unique");
    let publish = list(&["--server", "http://127.0.0.1:1/", "--case", "server.publish"]);
    assert!(publish.lines().all(|line| line.split('\t').nth(2) == Some("publish")), "{publish}");
}

#[test]
fn ctrl_c_still_writes_the_report() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let child = Command::new(xtask())
        .args(["check", "--no-progress", "--jobs", "1", "--case", "connection", "--client"])
        .arg(mutant())
        .arg("--out")
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("xtask starts");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let output = child.wait_with_output().expect("xtask ends");
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Report =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).expect("report.json"))
            .expect("JSON");
    let unfinished =
        report.cases.iter().filter(|c| c.status == Status::Skip && c.message.contains("interrupted")).count();
    assert!(unfinished > 0 && unfinished < report.cases.len(), "{:?}", report.summary);
}

#[test]
fn optional_capabilities_are_skipped_unless_declared_and_then_checked() {
    let family = [
        "--case",
        "connection.capability",
        "--case",
        "connection.restart.mid-event",
        "--case",
        "connection.read-timeout.silent-after-event",
    ];
    let (_, report) = run_check(&format!("{} client", xtask()), &family);
    let report = report.expect("a report is written");
    assert_eq!((report.summary.skip, report.summary.pass), (6, 0), "undeclared: skip, never pass");
    // The mutant adapter with --no-capabilities offers none of them:
    // declared anyway, each fails.
    let declared =
        [&family[..], &ALL_CAPABILITIES[..], &["--case", "connection.method-body.first-request"]].concat();
    let adapter = format!("{} --no-capabilities", mutant().display());
    let (output, report) = run_check(&adapter, &declared);
    let report = report.expect("a report is written");
    assert_eq!((report.summary.fail, output.status.code()), (7, Some(1)), "{:?}", report.summary);
    let unknown =
        Command::new(xtask()).args(["check", "--client", "true", "--capability", "telepathy"]).output();
    assert_eq!(unknown.expect("runs").status.code(), Some(2));
}

#[test]
fn a_known_deviation_is_info_with_its_reason_and_the_name_is_the_target() {
    let adapter = format!("{} --bug lone-cr-waits", mutant().display());
    let reason = "this adapter waits on a lone CR on purpose";
    let (output, report) = run_check(
        &adapter,
        &[
            "--case",
            "parse.line-endings",
            "--name",
            "lone-cr-waiter",
            "--known-deviation",
            &format!("parse.line-endings.cr={reason}"),
        ],
    );
    let report = report.expect("a report is written");
    assert_eq!(report.target, "lone-cr-waiter");
    let case = |id: &str| report.cases.iter().find(|c| c.id == id).expect("the case ran");
    let marked = case("parse.line-endings.cr.whole");
    assert_eq!(marked.status, Status::Info, "{}", marked.message);
    assert!(marked.message.contains(reason), "{}", marked.message);
    // Only the prefix given is excused: the other lone-CR cases still fail.
    assert_eq!(case("parse.line-endings.many-crs.whole").status, Status::Fail);
    assert_eq!(output.status.code(), Some(1));
    let bad = Command::new(xtask())
        .args(["check", "--client", &adapter, "--known-deviation", "no-equals-sign"])
        .output()
        .expect("xtask runs");
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
}

/// Every optional capability the reference client offers.
const ALL_CAPABILITIES: [&str; 12] = [
    "--capability",
    "headers",
    "--capability",
    "initial-last-event-id",
    "--capability",
    "close",
    "--capability",
    "method-body",
    "--capability",
    "read-timeout",
    "--capability",
    "restart",
];

/// A broad subset for the protocol variants that do not run every case: the
/// connection scenarios (status, redirects, reset, reconnection delays) and
/// the families most sensitive to how bytes are framed.
const BROAD_SUBSET: [&str; 10] = [
    "--case",
    "connection",
    "--case",
    "parse.line-endings",
    "--case",
    "parse.bom",
    "--case",
    "parse.end-of-file",
    "--case",
    "parse.large",
];

/// The reference client passes a run over `protocol` with 0 fail and 0
/// warn, and the report names what was served.
fn assert_reference_passes_over(protocol: &[&str], extra: &[&str], http2: bool, tls: bool) -> Report {
    let args = [protocol, &ALL_CAPABILITIES[..], extra].concat();
    let (output, report) = run_check(&format!("{} client", xtask()), &args);
    let report = report.expect("a report is written");
    let failing: Vec<_> = report
        .cases
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Skip))
        .map(|c| (&c.id, c.status, &c.message))
        .collect();
    assert!(failing.is_empty(), "{protocol:?}: {failing:#?}");
    assert_eq!(output.status.code(), Some(0), "{protocol:?}");
    let transport = report.transport.as_ref().expect("a client report names its transport");
    assert_eq!(transport.protocol, if http2 { "HTTP/2" } else { "HTTP/1.1" }, "{protocol:?}");
    assert_eq!(transport.tls.is_some(), tls, "{protocol:?}: {transport:?}");
    assert_eq!(transport.certificate_verified, None);
    report
}

#[test]
fn the_reference_adapter_passes_every_case_over_http2_with_tls() {
    let report = assert_reference_passes_over(&["--tls", "--http2"], &[], true, true);
    assert!(report.summary.pass > 600, "{:?}", report.summary);
}

#[test]
fn the_reference_adapter_passes_over_h2c_and_over_https_http1() {
    let runs: Vec<_> = [(&["--http2"][..], true, false), (&["--tls"][..], false, true)]
        .into_iter()
        .map(|(protocol, http2, tls)| {
            std::thread::spawn(move || assert_reference_passes_over(protocol, &BROAD_SUBSET, http2, tls))
        })
        .collect();
    for run in runs {
        let report = run.join().expect("the check passes");
        assert!(report.summary.pass > 190, "{:?}", report.summary);
    }
}

#[test]
fn an_adapter_that_cannot_speak_the_protocol_fails_every_case() {
    // The mutant adapter speaks only plaintext HTTP/1.1.
    let mutant = mutant();
    let mutant = mutant.to_str().expect("a UTF-8 path");
    let family = ["--case", "connection.status.200", "--case", "parse.dispatch", "--timeout", "3"];
    let runs: Vec<_> = [&["--http2"][..], &["--tls"][..], &["--tls", "--http2"][..]]
        .into_iter()
        .map(|protocol| {
            let mutant = mutant.to_owned();
            std::thread::spawn(move || {
                (protocol, exit_and_report(&mutant, &[protocol, &family[..]].concat()))
            })
        })
        .collect();
    for run in runs {
        let (protocol, (code, report)) = run.join().expect("the check finishes");
        let s = &report.summary;
        assert_eq!((code, s.pass, s.warn, s.info, s.skip), (1, 0, 0, 0, 0), "{protocol:?}: {s:?}");
        assert_eq!(s.fail, report.cases.len(), "{protocol:?}");
    }
}

#[test]
fn the_self_check_serves_its_client_half_over_the_protocol_asked() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let output = Command::new(xtask())
        .args(["check", "--no-progress", "--http2", "--tls", "--case", "connection.reconnect.reset", "--out"])
        .arg(out.path())
        .output()
        .expect("xtask runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join("client/report.json")).expect("the client report"),
    )
    .expect("JSON");
    let errors: Vec<String> = SCHEMA.iter_errors(&json).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "report.json breaks reports/report.schema.json: {errors:#?}");
    let report: Report = serde_json::from_value(json).expect("a report");
    assert_eq!(report.transport.map(|t| (t.protocol, t.tls.is_some())), Some(("HTTP/2".to_owned(), true)));
    assert!(report.summary.pass > 0 && report.summary.fail == 0, "{:?}", report.summary);
    // --server has its own transport flags.
    let both = Command::new(xtask()).args(["check", "--server", "http://127.0.0.1:1/", "--http2"]).output();
    assert_eq!(both.expect("xtask runs").status.code(), Some(2));
}

#[test]
fn a_client_without_reconnection_is_checked_at_the_end_of_a_body_too() {
    // A parser over one response gives up where EventSource reconnects: the
    // end-of-body cases run for it all the same, and catch the block it
    // should have discarded.
    let args = ["--no-reconnect", "--case", "connection.end-of-body"];
    let (output, report) = run_check(&format!("{} --no-reconnect", mutant().display()), &args);
    let report = report.expect("a report is written");
    assert_eq!((report.summary.pass, output.status.code()), (3, Some(0)), "{:#?}", report.cases);
    let buggy = format!("{} --no-reconnect --bug partial-event-dispatched-at-end", mutant().display());
    let (output, report) = run_check(&buggy, &args);
    let report = report.expect("a report is written");
    // It dispatches the data buffer the body ended with: complete data lines
    // only, so the block cut inside its data line stays undispatched.
    let failing: Vec<&str> =
        report.cases.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.as_str()).collect();
    assert_eq!(
        failing,
        ["connection.end-of-body.pending-data-discarded", "connection.end-of-body.pending-type-discarded"],
        "{:#?}",
        report.cases
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(report.cases.iter().all(|c| c.status == Status::Pass || c.message.contains("\"lost\"")));
}
