//! `cargo xtask matrix`: the implementations of harness-adapters/ are listed
//! from their manifests, and a name that is not there is one clear error.
//! Installing and checking real libraries is CI's `--compare` step
//! (.ci/run), not a unit test: it needs their registries.

use std::process::Command;

fn xtask() -> &'static str {
    env!("CARGO_BIN_EXE_xtask")
}

#[test]
fn every_folder_with_a_manifest_is_listed_with_its_version() {
    for (kind, manifest) in [("clients", "adapter.toml"), ("servers", "server.toml")] {
        let output = Command::new(xtask()).args(["matrix", kind, "--list"]).output().expect("xtask runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let listed = String::from_utf8(output.stdout).expect("UTF-8");
        let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../harness-adapters/");
        let mut folders = 0;
        for entry in std::fs::read_dir(format!("{base}{kind}")).expect("the folder").flatten() {
            if entry.path().join(manifest).is_file() {
                folders += 1;
                let name = entry.file_name().to_string_lossy().into_owned();
                assert!(
                    listed.lines().any(|line| line.starts_with(&format!("{name}\t"))),
                    "{name} in {listed}"
                );
            }
        }
        assert_eq!(listed.lines().count(), folders, "{listed}");
        assert!(folders >= 8, "{kind}: {folders} implementations");
    }
}

#[test]
fn an_unknown_implementation_is_one_error_line_and_exit_2() {
    let output =
        Command::new(xtask()).args(["matrix", "servers", "no-such-server"]).output().expect("xtask runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no-such-server") && stderr.contains("rust-axum"), "{stderr}");
}
