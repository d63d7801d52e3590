//! `cargo xtask mutants`: mutation testing of spec-impl with cargo-mutants,
//! judged by the hand-written fixtures only (the `fixtures` crate's `corpus`
//! test and spec-impl's unit tests, as `.cargo/mutants.toml` says), so one
//! mutant takes seconds.
//!
//! A missed mutant is a change to the oracle that no fixture notices. Each
//! one is either killed by a new fixture or argued equivalent (no input can
//! tell it apart) in the table of reports/mutants/README.md, which this
//! command reads: a missed mutant not in the table makes it exit 1.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The cargo-mutants version CI installs (`.ci/run`) and the report was made with.
pub const CARGO_MUTANTS_VERSION: &str = "27.1.0";

/// The report, and the heading of its hand-written part (kept by `--write`).
const REPORT: &str = "reports/mutants/README.md";
const EQUIVALENT_HEADING: &str = "## Equivalent mutants";

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Mutates spec-impl only, and runs only the hand-written fixture tests against each mutant (the \
`fixtures` crate's `corpus` test and spec-impl's unit tests; settings in .cargo/mutants.toml), \
never the insta snapshots, which record our own output. The fixture tests run once unmutated \
first (the baseline); the test timeout is derived from it.

Exit status: 0 when every viable mutant is caught or listed as equivalent in the table of \
reports/mutants/README.md (by its exact cargo-mutants name, line and column included); 1 when \
a mutant is missed that the table does not list; 2 on an error (cargo-mutants missing, the \
fixture tests failing unmutated, a bad REF).

Needs cargo-mutants: cargo install cargo-mutants --locked --version 27.1.0")]
pub struct Args {
    /// Mutate only the lines of spec-impl/src changed since this git revision
    /// (`git diff REF`, including uncommitted changes). Nothing changed: exit 0.
    #[arg(long, value_name = "REF")]
    in_diff: Option<String>,
    /// Build and test this many mutants at once, each in its own copy of the tree.
    #[arg(long, value_name = "N", default_value_t = 1)]
    jobs: usize,
    /// Seconds a mutant's test run may take before it counts as a timeout
    /// (default: five times the baseline, at least 20).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Only the mutants whose name matches this regular expression
    /// (cargo-mutants --re); repeatable. For rerunning a few.
    #[arg(long = "re", value_name = "REGEX")]
    re: Vec<String>,
    /// List the mutants that would be tested; test nothing.
    #[arg(long)]
    list: bool,
    /// Write the date, run time and score to reports/mutants/README.md,
    /// keeping its hand-written part (from "## Equivalent mutants" on).
    /// Only for a run over the whole crate.
    #[arg(long, conflicts_with_all = ["in_diff", "re", "list"])]
    write: bool,
}

/// What cargo-mutants found, by outcome (each a list of mutant names).
#[derive(Debug, Default)]
struct Outcomes {
    caught: Vec<String>,
    missed: Vec<String>,
    timeout: Vec<String>,
    unviable: Vec<String>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let root = crate::repo_root();
    let installed = Command::new("cargo").args(["mutants", "--version"]).output();
    let Some(version) = installed.ok().filter(|output| output.status.success()).map(|output| output.stdout)
    else {
        bail!(
            "cargo-mutants is not installed: cargo install cargo-mutants --locked --version {CARGO_MUTANTS_VERSION}"
        );
    };
    let version = String::from_utf8_lossy(&version);
    if version.split_whitespace().nth(1) != Some(CARGO_MUTANTS_VERSION) {
        // Another version may name mutants differently, and the table of
        // equivalents matches names exactly.
        eprintln!("warning: {} installed; the report was made with {CARGO_MUTANTS_VERSION}", version.trim());
    }
    let report_path = root.join(REPORT);
    let equivalents = match std::fs::read_to_string(&report_path) {
        Ok(text) => equivalent_mutants(&text).with_context(|| format!("in {REPORT}"))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(error).with_context(|| format!("cannot read {REPORT}")),
    };
    let out = root.join("target/mutants");
    std::fs::create_dir_all(&out)?;

    let mut mutants = Command::new("cargo");
    mutants.current_dir(&root).args(["mutants", "--package", "spec-impl", "--no-shuffle"]);
    if let Some(reference) = &args.in_diff {
        let diff = Command::new("git")
            .current_dir(&root)
            .args(["diff", reference, "--", "spec-impl/src"])
            .output()
            .context("cannot run git")?;
        if !diff.status.success() {
            bail!("git diff {reference} failed: {}", String::from_utf8_lossy(&diff.stderr).trim());
        }
        if diff.stdout.is_empty() {
            println!("spec-impl/src is unchanged since {reference}: no mutant to test");
            return Ok(ExitCode::SUCCESS);
        }
        let patch = out.join("in-diff.patch");
        std::fs::write(&patch, &diff.stdout)?;
        mutants.arg("--in-diff").arg(&patch);
    }
    for regex in &args.re {
        mutants.args(["--re", regex]);
    }
    if args.list {
        let status = mutants.arg("--list").status().context("cannot run cargo mutants")?;
        return Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::from(2) });
    }

    let started = Instant::now();
    // cargo-mutants 27 runs its own baseline on the mutated package's tests
    // only, ignoring `test_package`, so it would miss the corpus test: the
    // baseline is run here, with the settings of .cargo/mutants.toml.
    let baseline = baseline(&root)?;
    let timeout = args.timeout.unwrap_or_else(|| (baseline.as_secs() * 5).max(20));
    println!(
        "baseline: the fixture tests pass unmutated in {:.1} s; test timeout {timeout} s",
        baseline.as_secs_f64()
    );
    mutants
        .args(["--baseline", "skip", "--jobs", &args.jobs.to_string(), "--timeout", &timeout.to_string()])
        .arg("--output")
        .arg(&out);
    let status = mutants.status().context("cannot run cargo mutants")?;
    // 0: all caught, 2: some missed, 3: some timed out; anything else is an error.
    if !matches!(status.code(), Some(0 | 2 | 3)) {
        bail!("cargo mutants failed ({status}); its logs are in {}", out.join("mutants.out").display());
    }
    let elapsed = started.elapsed();
    let outcomes = read_outcomes(&out.join("mutants.out"))?;

    let unexplained: Vec<&String> =
        outcomes.missed.iter().filter(|name| !equivalents.contains(name)).collect();
    let summary = summary(&outcomes, outcomes.missed.len() - unexplained.len());
    println!("\n{summary} ({})", minutes(elapsed));
    if args.in_diff.is_none() && args.re.is_empty() {
        let tested: Vec<&String> =
            outcomes.missed.iter().chain(&outcomes.caught).chain(&outcomes.timeout).collect();
        for stale in equivalents.iter().filter(|name| !tested.contains(name)) {
            println!("warning: {REPORT} lists as equivalent a mutant this run did not miss: {stale}");
        }
    }
    if args.write {
        let text = report(&outcomes, outcomes.missed.len() - unexplained.len(), elapsed, args.jobs);
        std::fs::create_dir_all(report_path.parent().unwrap_or(&root))?;
        crate::write_keeping_section(&report_path, text, EQUIVALENT_HEADING)?;
        println!("written to {REPORT}");
    }
    if unexplained.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    println!("\nmissed, and not listed as equivalent in {REPORT}:");
    for name in &unexplained {
        println!("  {name}");
    }
    println!("kill each with a hand-written fixture, or argue in {REPORT} why no input can tell it apart");
    Ok(ExitCode::from(1))
}

/// `.cargo/mutants.toml`, the part the baseline needs.
#[derive(Debug, Default, serde::Deserialize)]
struct MutantsConfig {
    #[serde(default)]
    test_package: Vec<String>,
    #[serde(default)]
    additional_cargo_test_args: Vec<String>,
}

/// Runs the tests that judge mutants on the unmutated tree; how long they
/// took (the build excluded).
fn baseline(root: &Path) -> anyhow::Result<Duration> {
    let path = root.join(".cargo/mutants.toml");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let config: MutantsConfig = toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
    let (cargo_args, test_args) = match config.additional_cargo_test_args.iter().position(|a| a == "--") {
        Some(at) => config.additional_cargo_test_args.split_at(at),
        None => (&config.additional_cargo_test_args[..], &[][..]),
    };
    let packages = config.test_package.iter().flat_map(|p| ["--package", p.as_str()]);
    let build = Command::new("cargo")
        .current_dir(root)
        .args(["test", "--no-run", "--quiet"])
        .args(packages.clone())
        .args(cargo_args)
        .status()
        .context("cannot run cargo test")?;
    if !build.success() {
        bail!("the fixture tests do not build unmutated");
    }
    let started = Instant::now();
    let test = Command::new("cargo")
        .current_dir(root)
        .args(["test", "--quiet"])
        .args(packages)
        .args(cargo_args)
        .args(test_args)
        .output()
        .context("cannot run cargo test")?;
    if !test.status.success() {
        bail!(
            "the fixture tests fail unmutated: run them (cargo test -p fixtures --test corpus) and fix that first"
        );
    }
    Ok(started.elapsed())
}

/// The four lists cargo-mutants writes in its output directory.
fn read_outcomes(dir: &Path) -> anyhow::Result<Outcomes> {
    let list = |file: &str| -> anyhow::Result<Vec<String>> {
        let path: PathBuf = dir.join(file);
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(text.lines().filter(|line| !line.trim().is_empty()).map(str::to_owned).collect())
    };
    Ok(Outcomes {
        caught: list("caught.txt")?,
        missed: list("missed.txt")?,
        timeout: list("timeout.txt")?,
        unviable: list("unviable.txt")?,
    })
}

/// One line: the counts, and the score (caught, a timeout counting as
/// caught, over viable, equivalent mutants left out of both).
fn summary(outcomes: &Outcomes, equivalent: usize) -> String {
    let Outcomes { caught, missed, timeout, unviable } = outcomes;
    let viable = caught.len() + missed.len() + timeout.len();
    format!(
        "caught {} / missed {} ({equivalent} listed as equivalent) / timeout {} / unviable {}: \
         score {} / {} viable non-equivalent mutants caught",
        caught.len(),
        missed.len(),
        timeout.len(),
        unviable.len(),
        caught.len() + timeout.len(),
        viable - equivalent,
    )
}

fn minutes(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    format!("{} min {:02} s", secs / 60, secs % 60)
}

/// The generated head of reports/mutants/README.md.
fn report(outcomes: &Outcomes, equivalent: usize, elapsed: Duration, jobs: usize) -> String {
    let date = harness::report::rfc3339(std::time::SystemTime::now());
    let date = date.split('T').next().unwrap_or(&date);
    let viable = outcomes.caught.len() + outcomes.missed.len() + outcomes.timeout.len();
    let mut md = String::from("# Mutation testing of spec-impl\n\n");
    md.push_str(
        "Would the fixtures notice if spec-impl were subtly wrong? [cargo-mutants](https://mutants.rs/) \
         changes spec-impl one small edit at a time (an operator flipped, a condition negated, a \
         function body replaced by a default value) and runs the hand-written fixture tests against \
         each change: the `fixtures` crate's `corpus` test (every parse, eventsource and serialize \
         case, fed whole, byte by byte, split and in random chunkings) and spec-impl's unit tests. \
         The insta snapshots are left out: they record our own output, so they would \"catch\" \
         any change whether or not the standard can tell. A mutant no test notices is *missed*: \
         either a fixture is lacking (one was added) or no input can tell the mutant apart \
         (*equivalent*, argued below).\n\n",
    );
    md.push_str("## How to run\n\n```sh\ncargo install cargo-mutants --locked --version ");
    md.push_str(CARGO_MUTANTS_VERSION);
    md.push_str(
        "\ncargo xtask mutants                    # the whole crate (--jobs N to use more cores)\n\
         cargo xtask mutants --in-diff HEAD~1   # only the lines a change touched (CI does this)\n\
         cargo xtask mutants --list             # the mutants, without running them\n\
         cargo xtask mutants --re 'event_line'  # rerun a few, by name\n\
         cargo xtask mutants --write            # whole crate, and rewrite the score below\n```\n\n\
         Settings (what is mutated, which tests judge, what is excluded and why) are in \
         `.cargo/mutants.toml`. The command exits 1 when a mutant is missed that the table below \
         does not list by its exact name; cargo-mutants' own logs are in `target/mutants/mutants.out/`.\n\n",
    );
    let _ = writeln!(md, "## Score\n");
    let _ = writeln!(
        md,
        "`cargo xtask mutants --write --jobs {jobs}`, cargo-mutants {CARGO_MUTANTS_VERSION}, {date}, {} on {} cores.\n",
        minutes(elapsed),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let _ = writeln!(md, "| outcome | mutants |\n|---|---:|");
    let _ = writeln!(md, "| caught | {} |", outcomes.caught.len());
    let _ = writeln!(md, "| timeout (counted as caught) | {} |", outcomes.timeout.len());
    let _ = writeln!(md, "| missed, argued equivalent below | {equivalent} |");
    let _ = writeln!(md, "| missed, not explained | {} |", outcomes.missed.len() - equivalent);
    let _ = writeln!(md, "| unviable (does not build) | {} |", outcomes.unviable.len());
    let _ = writeln!(
        md,
        "\n**Score: {} of {} viable non-equivalent mutants caught** ({viable} viable in all).\n",
        outcomes.caught.len() + outcomes.timeout.len(),
        viable - equivalent,
    );
    md
}

/// The names in the first column of the table under "## Equivalent mutants":
/// rows `| `NAME` | why |`, the name exactly as cargo-mutants prints it (a
/// `|` in it written `\|`, as Markdown tables need).
fn equivalent_mutants(report: &str) -> anyhow::Result<Vec<String>> {
    let Some(start) = report.find(EQUIVALENT_HEADING) else {
        return Ok(Vec::new());
    };
    let section = &report[start + EQUIVALENT_HEADING.len()..];
    let section = section.find("\n## ").map_or(section, |end| &section[..end]);
    let mut names = Vec::new();
    for (number, line) in section.lines().enumerate() {
        let Some(row) = line.trim().strip_prefix('|') else {
            continue;
        };
        let row = row.trim_start();
        if row.starts_with("---") || row.starts_with("mutant") {
            continue;
        }
        let name = row
            .strip_prefix('`')
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.replace("\\|", "|"))
            .with_context(|| {
                format!("row {} of the equivalent-mutant table has no `name`: {line}", number)
            })?;
        if !name.starts_with("spec-impl/src/") {
            bail!("not a spec-impl mutant name in the equivalent-mutant table: {name}");
        }
        names.push(name);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_equivalent_table_parses() {
        let report = "# x\n\n## Equivalent mutants\n\n| mutant | why |\n|---|---|\n\
            | `spec-impl/src/a.rs:1:2: replace \\|\\| with && in f` | no input reaches it |\n\
            | `spec-impl/src/b.rs:3:4: delete ! in g` | both arms agree |\n\n## Fixtures\n\n\
            | `spec-impl/src/c.rs:1:1: not in the table` | x |\n";
        assert_eq!(
            equivalent_mutants(report).expect("parses"),
            ["spec-impl/src/a.rs:1:2: replace || with && in f", "spec-impl/src/b.rs:3:4: delete ! in g"]
        );
        assert!(equivalent_mutants("## Equivalent mutants\n| no name | x |\n").is_err());
        assert!(equivalent_mutants("no table").expect("parses").is_empty());
    }

    #[test]
    fn the_committed_table_parses_and_names_real_files() {
        let root = crate::repo_root();
        let text = std::fs::read_to_string(root.join(REPORT)).expect("reports/mutants/README.md");
        let names = equivalent_mutants(&text).expect("the table parses");
        for name in &names {
            let file = name.split(':').next().unwrap_or_default();
            assert!(root.join(file).is_file(), "{name}: no such file");
        }
        assert!(text.contains("**Score:"), "the report shows a score");
    }

    #[test]
    fn the_summary_leaves_equivalents_out_of_the_score() {
        let names = |n: usize| vec![String::new(); n];
        let outcomes = Outcomes { caught: names(7), missed: names(2), timeout: names(1), unviable: names(3) };
        let line = summary(&outcomes, 2);
        assert!(line.contains("score 8 / 8 viable"), "{line}");
    }
}
