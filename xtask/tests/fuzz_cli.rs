//! `cargo xtask fuzz`: bad input is one error line and exit 2. (The targets
//! themselves are replayed by fuzz-targets/tests/replay.rs.)

use std::process::Command;

#[test]
fn an_unknown_target_is_one_error_line() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_xtask")).args(["fuzz", "no-such-target"]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("differential"), "names the targets: {stderr}");
}
