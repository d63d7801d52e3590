//! `cargo xtask fuzz [TARGET] [--time S] [--report]`: runs the cargo-fuzz
//! targets of fuzz/ with their seeds, and writes the differential report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use fuzz_targets::differential::{self, Divergence};
use fuzz_targets::{Chunked, TARGETS};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
cargo-fuzz builds with nightly-only flags. On a stable toolchain this command sets \
RUSTC_BOOTSTRAP=1 for the fuzz build (the compiler's own escape hatch); nothing else is \
built that way. Install cargo-fuzz once with `cargo install cargo-fuzz`.

Corpora live in fuzz/corpus/TARGET (committed, minimized), seeds are written from the \
parse fixtures to target/fuzz-seeds/TARGET, and findings land in fuzz/artifacts/TARGET. \
`cargo test --workspace` replays the committed corpora and fuzz/regressions/ on stable.")]
pub struct Args {
    /// parse, roundtrip, eventsource or differential [default: each in turn].
    target: Option<String>,
    /// Seconds each target runs.
    #[arg(long, value_name = "S", default_value_t = 60)]
    time: u64,
    /// libFuzzer's random seed (a fixed one makes a run repeatable, as CI wants).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Do not fuzz: replay the differential corpus and write
    /// reports/differential/ (JSON and Markdown), one minimized input per
    /// peer and class, also kept in fuzz/regressions/differential/.
    #[arg(long)]
    report: bool,
}

/// The longest input the fuzzers make, in bytes: long enough for every
/// feature, short enough for thousands of runs a second.
const MAX_LEN: usize = 16 * 1024;

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let root = crate::repo_root();
    let targets: Vec<&str> = match &args.target {
        Some(target) if TARGETS.iter().any(|(name, _)| name == target) => vec![target.as_str()],
        Some(target) => bail!(
            "no fuzz target {target:?}; the targets are {:?}",
            TARGETS.iter().map(|(name, _)| *name).collect::<Vec<_>>()
        ),
        None => TARGETS.iter().map(|(name, _)| *name).collect(),
    };
    if args.report {
        return report(&root);
    }
    let version = Command::new("cargo").args(["fuzz", "--version"]).output();
    if !version.is_ok_and(|output| output.status.success()) {
        bail!("cargo-fuzz is not installed: cargo install cargo-fuzz");
    }
    let nightly = Command::new("rustc")
        .arg("--version")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains("nightly"));
    let mut failed = Vec::new();
    for target in targets {
        let seeds = write_seeds(&root, target)?;
        let corpus = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus).with_context(|| format!("cannot create {}", corpus.display()))?;
        eprintln!("== fuzz {target} for {} s", args.time);
        let mut command = Command::new("cargo");
        command
            .current_dir(root.join("fuzz"))
            .args(["fuzz", "run", "-O", "-s", "none", target])
            .arg(&corpus)
            .arg(&seeds)
            .args(["--", &format!("-max_total_time={}", args.time)])
            .args([&format!("-max_len={MAX_LEN}"), "-rss_limit_mb=2048", "-print_final_stats=1"])
            .args(args.seed.map(|seed| format!("-seed={seed}")));
        if !nightly {
            command.env("RUSTC_BOOTSTRAP", "1");
        }
        let status = command.status().context("cannot run cargo fuzz")?;
        if !status.success() {
            failed.push(target);
        }
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: findings in {failed:?}: see fuzz/artifacts/");
        Ok(ExitCode::from(1))
    }
}

/// Seeds from the parse fixtures, for the byte-stream targets: each body
/// whole, and short ones cut after every byte.
fn write_seeds(root: &Path, target: &str) -> anyhow::Result<PathBuf> {
    let dir = root.join("target/fuzz-seeds").join(target);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if matches!(target, "parse" | "differential") {
        for case in fixtures::parse_cases()? {
            let whole = Chunked { cuts: Vec::new(), body: case.bytes.clone() };
            std::fs::write(dir.join(&case.id), whole.to_bytes())?;
            if case.bytes.len() < 200 {
                let bytewise = Chunked { cuts: vec![1; case.bytes.len()], body: case.bytes };
                std::fs::write(dir.join(format!("{}.bytewise", case.id)), bytewise.to_bytes())?;
            }
        }
    }
    Ok(dir)
}

/// One class of divergence of one peer: how often, and the smallest input.
#[derive(Debug, serde::Serialize)]
struct Found {
    peer: &'static str,
    class: String,
    description: String,
    spec: String,
    spec_url: String,
    inputs: usize,
    smallest: String,
    smallest_file: String,
    expected: fuzz_targets::peers::Output,
    observed: fuzz_targets::peers::Output,
}

/// Replays the differential corpus, seeds and regressions; writes the report.
fn report(root: &Path) -> anyhow::Result<ExitCode> {
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for dir in ["fuzz/corpus/differential", "fuzz/regressions/differential"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            // A running fuzzer may remove entries as they are read.
            inputs.extend(entries.flatten().filter_map(|entry| std::fs::read(entry.path()).ok()));
        }
    }
    for case in fixtures::parse_cases()? {
        inputs.push(Chunked { cuts: Vec::new(), body: case.bytes }.to_bytes());
    }
    let mut found: BTreeMap<(&'static str, String), (usize, Chunked, Divergence)> = BTreeMap::new();
    let mut unexplained = 0;
    for data in &inputs {
        let input = Chunked::from_bytes(data);
        for divergence in differential::compare(&input) {
            let Some(class) = divergence.class else {
                unexplained += 1;
                continue;
            };
            let key = (divergence.peer, class.name.to_owned());
            let entry = found.entry(key).or_insert_with(|| (0, input.clone(), divergence.clone()));
            entry.0 += 1;
            if input.body.len() < entry.1.body.len() {
                entry.1 = input.clone();
                entry.2 = divergence;
            }
        }
    }
    let regressions = root.join("fuzz/regressions/differential");
    std::fs::create_dir_all(&regressions)?;
    let mut rows = Vec::new();
    for ((peer, class), (count, input, _)) in found {
        let input = differential::minimize(&input, peer, &class);
        let Some(divergence) = differential::compare(&input).into_iter().find(|d| d.peer == peer) else {
            continue;
        };
        let Some(class_info) = divergence.class else {
            continue;
        };
        let file = format!("{}-{class}", peer.split(' ').next().unwrap_or(peer));
        std::fs::write(regressions.join(&file), input.to_bytes())?;
        rows.push(Found {
            peer,
            class,
            description: class_info.description.to_owned(),
            spec: class_info.spec.to_owned(),
            spec_url: harness::report::spec_url(class_info.spec),
            inputs: count,
            smallest: differential::escape_bytes(&input.body),
            smallest_file: format!("fuzz/regressions/differential/{file}"),
            expected: divergence.expected,
            observed: divergence.observed,
        });
    }
    let out = root.join("reports/differential");
    std::fs::create_dir_all(&out)?;
    let json = serde_json::json!({
        "peers": fuzz_targets::peers::PEERS.iter().map(|(name, _)| name).collect::<Vec<_>>(),
        "inputs_replayed": inputs.len(),
        "unexplained": unexplained,
        "classes": rows,
    });
    std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&json)? + "\n")?;
    // The tables are regenerated; a hand-written "## Runs" section stays.
    crate::write_keeping_section(
        &out.join("README.md"),
        markdown(&rows, inputs.len(), unexplained),
        "## Runs",
    )?;
    println!(
        "{} classes of divergence over {} inputs; report in {}",
        rows.len(),
        inputs.len(),
        out.display()
    );
    Ok(ExitCode::from(u8::from(unexplained > 0)))
}

fn markdown(rows: &[Found], replayed: usize, unexplained: usize) -> String {
    use std::fmt::Write as _;
    let mut md = String::from("# Differential fuzzing: spec-impl against other Rust SSE parsers\n\n");
    let _ = writeln!(
        md,
        "Made by `cargo xtask fuzz differential --report` from {replayed} inputs (the committed corpus, \
         the regressions and every parse fixture); {unexplained} differences no class explains. Each row is one \
         kind of difference for one peer, with the smallest input that shows it (minimized; as a Rust byte string; \
         the file replays in `cargo test`) and the step of the standard that decides who is right: spec-impl follows it.\n"
    );
    let mut peer = "";
    for row in rows {
        if row.peer != peer {
            peer = row.peer;
            let _ = writeln!(
                md,
                "## {peer}\n\n| class | what the peer does | inputs | smallest input | decided by |\n|---|---|---|---|---|"
            );
        }
        let smallest: String = row.smallest.chars().take(120).collect();
        let _ = writeln!(
            md,
            "| `{}` | {}{} | {} | `b\"{}\"` | [`{}`]({}) |",
            row.class,
            row.description,
            row.observed
                .error
                .as_ref()
                .map_or(String::new(), |e| format!(" (it stops: {})", e.replace('|', "\\|"))),
            row.inputs,
            smallest.replace('|', "\\|").replace('`', "'"),
            row.spec,
            row.spec_url
        );
        if rows.iter().rfind(|r| r.peer == peer).is_some_and(|last| std::ptr::eq(last, row)) {
            md.push('\n');
        }
    }
    md
}
