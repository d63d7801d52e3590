//! The committed reports under reports/ stay readable: a report folder grows
//! with the number of findings, not with the size of the streams. Across its
//! four files (report.json, report.md, report.html, junit.xml) a folder may
//! hold at most 0.5 KiB per passing or skipped case and 5 KiB per failing,
//! warning or info case, plus 64 KiB for the page itself.

use std::path::{Path, PathBuf};

const PER_QUIET_CASE: u64 = 512;
// 5 KiB since 0.5.0: a failing parse case also carries its compact
// spec-impl trace (about 1 KiB across report.md and report.html).
const PER_FINDING: u64 = 5 * 1024;
const PAGE: u64 = 64 * 1024;
const FILES: [&str; 4] = ["report.json", "report.md", "report.html", "junit.xml"];

fn report_folders(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == "report.json") {
                found.push(dir.clone());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_committed_report_folder_is_within_the_size_budget() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports");
    let folders = report_folders(&root);
    assert!(folders.len() >= 30, "the committed reports are found ({} folders)", folders.len());
    let mut over = Vec::new();
    for folder in &folders {
        let text = std::fs::read_to_string(folder.join("report.json")).expect("readable");
        let report: serde_json::Value = serde_json::from_str(&text).expect("report.json is JSON");
        let count = |status: &str| report["summary"][status].as_u64().unwrap_or(0);
        let budget = PAGE
            + PER_QUIET_CASE * (count("pass") + count("skip"))
            + PER_FINDING * (count("fail") + count("warn") + count("info"));
        let size: u64 =
            FILES.iter().map(|file| std::fs::metadata(folder.join(file)).map_or(0, |m| m.len())).sum();
        if size > budget {
            over.push(format!(
                "{}: {} KiB, budget {} KiB",
                folder.strip_prefix(&root).unwrap_or(folder).display(),
                size / 1024,
                budget / 1024
            ));
        }
    }
    assert!(over.is_empty(), "report folders over their size budget:\n{}", over.join("\n"));
}
