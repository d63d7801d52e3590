//! `cargo xtask mutants`: its help and its argument checks (cargo-mutants
//! itself is never run by `cargo test`: a whole run takes half an hour; the
//! equivalent-mutant table is parsed by the unit tests in src/mutants.rs).

use std::process::Command;

fn xtask(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output().expect("runs")
}

#[test]
fn help_names_every_flag_and_how_to_install() {
    let output = xtask(&["mutants", "--help"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    for flag in ["--in-diff <REF>", "--jobs <N>", "--timeout <SECONDS>", "--re <REGEX>", "--list", "--write"]
    {
        assert!(stdout.contains(flag), "help lacks {flag}:\n{stdout}");
    }
    assert!(stdout.contains("cargo install cargo-mutants --locked --version 27.1.0"), "{stdout}");
    assert!(stdout.contains("reports/mutants/README.md"), "{stdout}");
}

#[test]
fn write_refuses_a_partial_run() {
    let output = xtask(&["mutants", "--write", "--in-diff", "HEAD~1"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    let output = xtask(&["mutants", "--write", "--re", "event_line"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
}
