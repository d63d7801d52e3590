//! `cargo xtask bench [--quick] [--write]`: criterion over bench/ (every
//! parser on every workload, in one run), then a table of MB/s, events/s and
//! spec-impl's ratio to each baseline; the target (spec-impl at least 1.5x
//! the fastest peer on every workload), judged on criterion's means and shown
//! beside the paired medians of interleaved rounds (bench/examples/paired.rs);
//! and the linearity check (a workload ten times larger must take at most 11
//! times as long).

use std::fmt::Write as _;
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Ratios, not seconds, are what count: every figure is measured in the same run on the same \
machine. --quick runs short samples (CI uses it to catch gross regressions: it fails only when \
a workload ten times larger takes more than 60 times as long: quadratic time gives about 100); \
it also builds the bench profile without fat LTO and with 16 codegen units, minutes less on two \
cores, since a gross regression shows either way.

--write keeps a hand-written \"## Analysis\" section of reports/bench/README.md.")]
pub struct Args {
    /// Short samples (about a minute in all) and a quicker build (no fat
    /// LTO); results are rough.
    #[arg(long)]
    quick: bool,
    /// Write the table to reports/bench/README.md.
    #[arg(long)]
    write: bool,
}

/// The linearity bound of the full run, and the gross one of --quick.
const LINEAR: f64 = 11.0;
const GROSS: f64 = 60.0;

/// How much faster than the fastest peer spec-impl must be (issue 22).
const TARGET: f64 = 1.5;

/// Parsers that are not peers: the subject and the physical limit.
const NOT_PEERS: &[&str] = &["spec-impl", "memchr-lf"];

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let root = crate::repo_root();
    let mut command = Command::new("cargo");
    command.current_dir(&root).args(["bench", "--quiet", "-p", "bench", "--bench", "parsers", "--"]);
    quick_build(&mut command, args.quick);
    if args.quick {
        command.args(["--warm-up-time", "0.3", "--measurement-time", "1", "--sample-size", "10"]);
    }
    let status = command.status().context("cannot run cargo bench")?;
    if !status.success() {
        bail!("cargo bench failed");
    }
    let criterion = root.join("target/criterion");
    let mean_ns = |group: &str, parser: &str| -> anyhow::Result<f64> {
        let path = criterion.join(group).join(parser).join("new/estimates.json");
        let json: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
        )?;
        json["mean"]["point_estimate"].as_f64().context("no mean in the estimates")
    };
    let workloads = bench::workloads(1);
    let mut table = String::from(
        "| workload | parser | MB/s | events/s | spec-impl / this |\n|---|---|---:|---:|---:|\n",
    );
    let mut misses = Vec::new();
    for workload in &workloads {
        let subject = mean_ns(workload.name, "spec-impl")?;
        for (parser, _) in bench::PARSERS {
            let ns = mean_ns(workload.name, parser)?;
            let mbps = workload.len() as f64 / ns * 1e3;
            let events = if workload.events == 0 || *parser == "memchr-lf" {
                "-".to_owned()
            } else {
                format!("{:.2} M", workload.events as f64 / ns * 1e3)
            };
            let ratio = if *parser == "spec-impl" { "-".to_owned() } else { format!("{:.2}x", ns / subject) };
            let _ = writeln!(
                table,
                "| {} {} | {parser} | {mbps:.0} | {events} | {ratio} |",
                workload.name, workload.title
            );
        }
    }
    let paired = paired_medians(&root, args.quick)?;
    let mut targets = String::from(
        "| workload | fastest peer | spec-impl / fastest (criterion) | (paired medians) | spec-impl / memchr-lf |\n\
         |---|---|---:|---:|---:|\n",
    );
    for workload in &workloads {
        let subject = mean_ns(workload.name, "spec-impl")?;
        let mut fastest: Option<(&str, f64)> = None;
        for (parser, _) in bench::PARSERS {
            if NOT_PEERS.contains(parser) {
                continue;
            }
            let ns = mean_ns(workload.name, parser)?;
            if fastest.is_none_or(|(_, best)| ns < best) {
                fastest = Some((parser, ns));
            }
        }
        let Some((peer, peer_ns)) = fastest else { continue };
        let ratio = peer_ns / subject;
        if ratio < TARGET {
            misses.push(format!("{}: {ratio:.2}x {peer} (target {TARGET}x)", workload.name));
        }
        let pair = paired
            .iter()
            .find(|(name, parser, _)| name == workload.name && parser == peer)
            .map_or("-".to_owned(), |(_, _, ratio)| format!("{ratio:.2}x"));
        let limit = mean_ns(workload.name, "memchr-lf")? / subject;
        let _ = writeln!(targets, "| {} | {peer} | {ratio:.2}x | {pair} | {limit:.2}x |", workload.name);
    }
    let mut linearity = String::from("| workload | x1 | x10 | ratio |\n|---|---:|---:|---:|\n");
    let mut gross = Vec::new();
    for workload in &workloads {
        let one = mean_ns(workload.name, "spec-impl")?;
        let ten = mean_ns(&format!("{}x10", workload.name), "spec-impl")?;
        let ratio = ten / one;
        if ratio > LINEAR {
            misses.push(format!("{}: x10 input took {ratio:.1}x", workload.name));
        }
        if ratio > GROSS {
            gross.push(workload.name);
        }
        let _ = writeln!(
            linearity,
            "| {} | {:.2} ms | {:.2} ms | {ratio:.1}x |",
            workload.name,
            one / 1e6,
            ten / 1e6
        );
    }
    println!("{table}\n{targets}\n{linearity}");
    if misses.is_empty() {
        println!("every target met");
    } else {
        println!("targets missed: {}", misses.join("; "));
    }
    if args.write {
        let out = root.join("reports/bench");
        std::fs::create_dir_all(&out)?;
        let path = out.join("README.md");
        // The tables are regenerated; the hand-written analysis stays.
        let text = report(&table, &targets, &linearity, &misses, args.quick) + "\n";
        crate::write_keeping_section(&path, text, "## Analysis")?;
        println!("written to {}", path.display());
    }
    if !gross.is_empty() {
        eprintln!("error: spec-impl is far from linear on {gross:?}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Under --quick, the bench profile without fat LTO and with 16 codegen
/// units (set the same on both cargo commands, so it is built once): a gross
/// regression shows either way, and fat LTO over criterion and every peer
/// costs CI minutes.
fn quick_build(command: &mut Command, quick: bool) {
    if quick {
        command.env("CARGO_PROFILE_BENCH_LTO", "false").env("CARGO_PROFILE_BENCH_CODEGEN_UNITS", "16");
    }
}

/// The paired medians of interleaved rounds: (workload, peer, peer's time
/// over spec-impl's).
fn paired_medians(root: &std::path::Path, quick: bool) -> anyhow::Result<Vec<(String, String, f64)>> {
    let rounds = if quick { "10" } else { "60" };
    let mut command = Command::new("cargo");
    command.current_dir(root).args([
        "run",
        "--quiet",
        "--profile",
        "bench",
        "-p",
        "bench",
        "--example",
        "paired",
        "--",
        rounds,
    ]);
    quick_build(&mut command, quick);
    let output = command.output().context("cannot run the paired rounds")?;
    if !output.status.success() {
        bail!("the paired rounds failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (workload, parser, ratio) = (fields.next()?, fields.next()?, fields.next()?.parse().ok()?);
            Some((workload.to_owned(), parser.to_owned(), ratio))
        })
        .collect())
}

fn report(table: &str, targets: &str, linearity: &str, misses: &[String], quick: bool) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let date = harness::report::rfc3339(std::time::SystemTime::now());
    let mut md = String::from("# Parser benchmarks\n\n");
    let _ = writeln!(
        md,
        "`cargo xtask bench{}` on {cpu} ({cores} cores), {date}. Every figure comes from one criterion run \
         on this machine; compare ratios, not absolute numbers, across machines. Each parser gets the same \
         `bytes::Bytes` chunks (64 KiB reads, or 7 bytes for W4) through its public API, by reference \
         count, with no copy on either side, all built in one profile (fat LTO, one codegen unit), and \
         counts the events it dispatches.\n",
        if quick { " --quick" } else { "" }
    );
    let _ =
        writeln!(md, "## Throughput\n\n\"spec-impl / this\" above 1 means spec-impl is faster.\n\n{table}");
    let _ = writeln!(
        md,
        "## Against the fastest peer\n\nThe fastest of sse-core, sse-stream and eventsource-stream on each \
         workload, by criterion's mean; beside it the median over interleaved rounds of the ratio in the \
         same round (bench/examples/paired.rs), and spec-impl against memchr counting LF bytes, the \
         physical limit of any line splitter. Target: {TARGET}x the fastest peer.\n\n{targets}"
    );
    let _ = writeln!(md, "## Linearity (spec-impl, input ten times larger)\n\n{linearity}");
    let _ = writeln!(md, "## Targets\n");
    if misses.is_empty() {
        let _ = writeln!(
            md,
            "Every target is met: spec-impl >= {TARGET}x the fastest peer on every workload, and linear time."
        );
    } else {
        for miss in misses {
            let _ = writeln!(md, "- missed: {miss}");
        }
    }
    md
}
