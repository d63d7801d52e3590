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
    for (kind, manifest) in
        [("clients", "adapter.toml"), ("servers", "server.toml"), ("proxies", "proxy.toml")]
    {
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

#[test]
fn the_committed_pages_are_what_the_committed_reports_render_to() {
    // --pages-only rewrites the pages from reports/; committed pages that
    // are out of date show up as a diff (and are rewritten for review).
    let root = env!("CARGO_MANIFEST_DIR").to_owned() + "/..";
    let out = Command::new(xtask()).args(["matrix", "clients", "--pages-only"]).output().expect("xtask runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let diff = Command::new("git")
        .args([
            "diff",
            "--stat",
            "--",
            "reports/index.html",
            "reports/clients/matrix.md",
            "reports/servers/matrix.md",
            "reports/proxies/matrix.md",
            "reports/clients/browsers.md",
            "README.md",
        ])
        .current_dir(&root)
        .output();
    if let Some(diff) = diff.ok().filter(|d| d.status.success()) {
        let stat = String::from_utf8_lossy(&diff.stdout);
        assert!(stat.trim().is_empty(), "the pages differ from what the reports render to:\n{stat}");
    }
}

#[test]
fn every_proxy_is_listed_with_its_debian_package_and_the_checks_it_gets() {
    let output = Command::new(xtask()).args(["matrix", "proxies", "--list"]).output().expect("xtask runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let listed = String::from_utf8(output.stdout).expect("UTF-8");
    for proxy in ["apache", "caddy", "haproxy", "nginx", "squid", "varnish"] {
        for configuration in ["default", "streaming"] {
            let line = listed
                .lines()
                .find(|line| {
                    line.starts_with(&format!("{proxy}-"))
                        && line.contains(&format!(
                            "({}",
                            if configuration == "default" { "default" } else { "configured for streaming" }
                        ))
                })
                .unwrap_or_else(|| panic!("no {proxy} with its {configuration} configuration in {listed}"));
            assert!(line.contains("Debian "), "{line}");
            assert!(line.ends_with("--resume --latency-limit 150"), "{line}");
        }
    }
}

#[test]
fn idle_is_for_proxies_only() {
    let output = Command::new(xtask())
        .args(["matrix", "servers", "rust-axum", "--idle", "5"])
        .output()
        .expect("xtask runs");
    assert_ne!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--idle is for the proxy matrix"), "{stderr}");
}

#[test]
fn every_client_is_listed_with_the_protocols_it_is_checked_over() {
    let output = Command::new(xtask()).args(["matrix", "clients", "--list"]).output().expect("xtask runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let listed = String::from_utf8(output.stdout).expect("UTF-8");
    for line in listed.lines() {
        let protocols = line.rsplit('\t').next().unwrap_or_default();
        assert!(protocols.starts_with("protocols: h1"), "{line}");
    }
    // A library that speaks HTTP/2 by prior knowledge, and one that does not.
    let of = |name: &str| listed.lines().find(|l| l.starts_with(&format!("{name}\t"))).unwrap_or_default();
    assert!(of("rust-sse-stream").ends_with("protocols: h1 h1-tls h2c h2-tls"), "{listed}");
    assert!(of("npm-eventsource").ends_with("protocols: h1 h1-tls"), "{listed}");
}

#[test]
fn protocol_is_for_clients_only() {
    let output = Command::new(xtask())
        .args(["matrix", "servers", "rust-axum", "--protocol", "h2c"])
        .output()
        .expect("xtask runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--protocol is for the client matrix"), "{stderr}");
    let output = Command::new(xtask())
        .args(["matrix", "clients", "rust-sse-stream", "--protocol", "h3"])
        .output()
        .expect("xtask runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no protocol \"h3\""), "{stderr}");
}

#[test]
fn a_case_filter_is_refused_where_nothing_is_checked() {
    // --case without --compare replaces those cases in the committed reports
    // (matrix::tests covers the replacing); with --pages-only nothing would
    // be checked, so it is a usage error, not a silent no-op.
    let output = Command::new(xtask())
        .args(["matrix", "clients", "firefox", "--pages-only", "--case", "parse.bom"])
        .output()
        .expect("xtask runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--pages-only") && stderr.contains("--case"), "{stderr}");
}
