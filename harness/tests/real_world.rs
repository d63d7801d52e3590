//! Server mode against real-world setups, through the `ssecheck` binary as
//! a user runs it: the README's one command for an https endpoint behind a
//! bearer token that streams the response of a POST, HTTP/2 by ALPN and
//! h2c, and the user errors of the new flags (one line, exit 2).

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// A running `ssecheck serve`, killed on drop.
struct Serve {
    child: Child,
    events: String,
    publish: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str], env: &[(&str, &str)]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssecheck"))
        .arg("serve")
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let events = lines.next().expect("the URL line").expect("UTF-8");
    let publish = lines.next().expect("the publish line").expect("UTF-8");
    let publish = publish.rsplit(' ').next().expect("a URL").to_owned();
    // The CA line, with --tls; the rest of stdout is not read.
    if args.contains(&"--tls") {
        let _ = lines.next();
    }
    Serve { child, events, publish }
}

fn check(args: &[&str], env: &[(&str, &str)], out: &Path) -> (Output, Option<Value>) {
    let output = Command::new(env!("CARGO_BIN_EXE_ssecheck"))
        .arg("check")
        .args(args)
        .args(["--no-progress", "--timeout", "5", "--duration", "1", "--out"])
        .arg(out)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("check runs");
    let report = std::fs::read(out.join("report.json")).ok().map(|bytes| {
        let report: Value = serde_json::from_slice(&bytes).expect("report.json is JSON");
        let schema: Value =
            serde_json::from_str(include_str!("../../reports/report.schema.json")).expect("JSON");
        let validator = jsonschema::validator_for(&schema).expect("a valid schema");
        let errors: Vec<String> = validator.iter_errors(&report).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "report.json against the schema: {errors:#?}");
        report
    });
    (output, report)
}

fn case<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn problems(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| matches!(c["status"].as_str(), Some("fail" | "warn" | "skip")))
        // Opt-in cases, skipped without --subscribers, --idle or --resume.
        .filter(|c| {
            !(c["status"] == "skip"
                && c["id"].as_str().is_some_and(|id| {
                    ["server.load.", "server.idle.", "server.resume."].iter().any(|p| id.starts_with(p))
                }))
        })
        .map(|c| format!("{} {}: {}", c["status"], c["id"], c["message"]))
        .collect()
}

#[test]
fn the_readme_command_checks_a_tls_bearer_token_post_endpoint() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ca = dir.path().join("ca.pem");
    let token = [("API_TOKEN", "s3cret-for-the-test")];
    let server = serve(
        &[
            "--addr",
            "127.0.0.1:0",
            "--tls",
            "--ca-out",
            ca.to_str().expect("UTF-8"),
            "--bearer-token-env",
            "API_TOKEN",
        ],
        &token,
    );
    assert!(server.events.starts_with("https://127.0.0.1:"), "{}", server.events);
    let (output, report) = check(
        &[
            "--server",
            &server.events,
            "--publish",
            &server.publish,
            "--ca-file",
            ca.to_str().expect("UTF-8"),
            "--header",
            "Authorization: Bearer ${API_TOKEN}",
            "--method",
            "POST",
            "--body",
            r#"{"prompt":"hello"}"#,
        ],
        &token,
        &dir.path().join("report"),
    );
    let report = report.expect("a report");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(problems(&report).is_empty(), "{:#?}", problems(&report));
    assert_eq!(report["transport"]["protocol"], "HTTP/2");
    assert_eq!(report["transport"]["certificate_verified"], true);
    assert!(report["transport"]["tls"].as_str().is_some_and(|tls| tls.starts_with("TLSv1_")), "{report}");
    let protocol = case(&report, "server.transport.protocol");
    assert_eq!(protocol["observed"]["method"], "POST");
    assert_eq!(protocol["observed"]["headers"], serde_json::json!(["Authorization"]));
    assert!(
        case(&report, "server.transport.http2")["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("offers HTTP/2"))
    );
    // The token is in no file of the report.
    for file in ["report.json", "report.md", "report.html", "junit.xml"] {
        let text = std::fs::read_to_string(dir.path().join("report").join(file)).expect("the file");
        assert!(!text.contains("s3cret-for-the-test"), "{file} holds the token");
    }

    // Without the token the stream answers 401: a failing check, exit 1.
    let (output, report) = check(
        &["--server", &server.events, "--ca-file", ca.to_str().expect("UTF-8")],
        &[],
        &dir.path().join("no-token"),
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(case(&report.expect("a report"), "server.response.status")["status"], "fail");

    // Offering only HTTP/1.1: the same checks pass over it, and the probe
    // still finds HTTP/2.
    let (output, report) = check(
        &[
            "--server",
            &server.events,
            "--ca-file",
            ca.to_str().expect("UTF-8"),
            "--header",
            "Authorization: Bearer ${API_TOKEN}",
            "--http1",
        ],
        &token,
        &dir.path().join("http1"),
    );
    let report = report.expect("a report");
    assert_eq!(output.status.code(), Some(0), "{:#?}", problems(&report));
    assert_eq!(report["transport"]["protocol"], "HTTP/1.1");
    assert!(
        case(&report, "server.transport.http2")["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("offers HTTP/2"))
    );
}

#[test]
fn an_untrusted_certificate_is_exit_2_and_insecure_is_named_in_the_report() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ca = dir.path().join("ca.pem");
    let server = serve(&["--addr", "127.0.0.1:0", "--tls", "--ca-out", ca.to_str().expect("UTF-8")], &[]);
    let (output, _) = check(&["--server", &server.events], &[], &dir.path().join("untrusted"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: ") && stderr.contains("--ca-file"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let (output, report) = check(
        &["--server", &server.events, "--publish", &server.publish, "--insecure"],
        &[],
        &dir.path().join("insecure"),
    );
    let report = report.expect("a report");
    assert_eq!(output.status.code(), Some(0), "{:#?}", problems(&report));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--insecure"));
    assert_eq!(report["transport"]["certificate_verified"], false);
    assert!(
        case(&report, "server.transport.protocol")["message"]
            .as_str()
            .is_some_and(|m| m.contains("NOT verified"))
    );
    let markdown = std::fs::read_to_string(dir.path().join("insecure/report.md")).expect("report.md");
    assert!(markdown.contains("certificate NOT verified: --insecure"), "{markdown}");
}

#[test]
fn cleartext_http2_with_prior_knowledge_runs_the_same_checks() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = serve(&["--addr", "127.0.0.1:0"], &[]);
    let (output, report) = check(
        &["--server", &server.events, "--publish", &server.publish, "--http2-prior-knowledge", "--resume"],
        &[],
        &dir.path().join("h2c"),
    );
    let report = report.expect("a report");
    assert_eq!(output.status.code(), Some(0), "{:#?}", problems(&report));
    assert!(problems(&report).is_empty(), "{:#?}", problems(&report));
    assert_eq!(report["transport"]["protocol"], "HTTP/2");
    assert!(report["transport"].get("tls").is_none());
    // Plain HTTP/1.1: the probe finds h2c, and says browsers would not use it.
    let (_, report) = check(&["--server", &server.events], &[], &dir.path().join("h1"));
    let report = report.expect("a report");
    assert_eq!(report["transport"]["protocol"], "HTTP/1.1");
    let http2 = case(&report, "server.transport.http2")["message"].as_str().expect("a message").to_owned();
    assert!(http2.starts_with("offers h2c"), "{http2}");
}

#[test]
fn bad_request_flags_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = "http://127.0.0.1:1/events";
    for (args, why) in [
        (vec!["--server", url, "--header", "no colon here"], "a header without a colon"),
        (vec!["--server", url, "--header", "Bad Name: x"], "a header name with a space"),
        (
            vec!["--server", url, "--header", "Authorization: Bearer ${SSECHECK_TEST_UNSET_VAR}"],
            "an unset variable",
        ),
        (vec!["--server", url, "--method", "GE T"], "a bad method"),
        (vec!["--server", url, "--body-file", "/no/such/body.json"], "an unreadable body file"),
        (vec!["--server", url, "--ca-file", "/no/such/ca.pem"], "a missing CA file"),
        (vec!["--server", url, "--insecure", "--ca-file", "/x"], "--insecure with --ca-file"),
    ] {
        let (output, _) = check(&args, &[], &dir.path().join("bad"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{why}: {stderr}");
        assert!(stderr.starts_with("error: "), "{why}: {stderr}");
        if why != "--insecure with --ca-file" {
            assert_eq!(stderr.lines().count(), 1, "{why}: {stderr}");
        }
    }
}
