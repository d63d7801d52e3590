//! The installable `ssecheck` binary has the commands of `cargo xtask check`,
//! `client` and `serve`, and names the standard's snapshot.

use std::process::Command;

fn ssecheck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ssecheck")).args(args).output().expect("ssecheck runs")
}

#[test]
fn version_names_the_tool_and_the_snapshot() {
    let output = ssecheck(&["--version"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with(&format!("ssecheck {}", env!("CARGO_PKG_VERSION"))), "{stdout}");
    assert!(stdout.contains(spec_impl::SPEC_VERSION), "{stdout}");
}

#[test]
fn it_has_check_client_and_serve() {
    let help = String::from_utf8(ssecheck(&["--help"]).stdout).expect("UTF-8");
    for command in ["check", "client", "serve"] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(command)), "{command} missing: {help}");
    }
    let list = ssecheck(&["check", "--list", "--case", "connection.status"]);
    assert_eq!(list.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&list.stdout).lines().count() >= 7);
}

#[test]
fn user_errors_are_one_line_and_exit_2() {
    for (args, why) in [
        (vec!["check", "--server", "ftp://example.test/"], "a URL that is not http"),
        (vec!["check", "--server", "http://127.0.0.1:1/events", "--timeout", "1"], "a refused connection"),
        (vec!["check", "--server", "https://127.0.0.1:1/"], "TLS"),
        (vec!["check", "--client", "true", "--baseline", "/no/such/report.json"], "an unreadable baseline"),
        (vec!["check", "--no-such-flag"], "a bad flag"),
        (vec!["client", "not a url"], "a bad client URL"),
    ] {
        let output = ssecheck(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{why}: {stderr}");
        assert!(stderr.starts_with("error: "), "{why}: {stderr}");
        if why != "a bad flag" {
            assert_eq!(stderr.lines().count(), 1, "{why}: {stderr}");
        }
    }
}
