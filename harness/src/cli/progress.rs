//! Progress on stderr while cases run: a bar when stderr is a terminal, a
//! plain line every few cases otherwise (CI logs), nothing with
//! `--no-progress`.

use std::io::{IsTerminal as _, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::{CaseReport, Status};
use crate::server_mode::load::{self, Stage};

/// Plain progress lines are printed every this many cases.
const PLAIN_EVERY: usize = 50;

/// How progress is shown.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    total: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
}

impl Progress {
    /// Progress over `total` cases; `enabled` is false for `--no-progress`.
    pub fn new(total: usize, enabled: bool) -> Self {
        let terminal = enabled && std::io::stderr().is_terminal();
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40.cyan/blue} {pos}/{len} cases {msg} [{elapsed}]")
            {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            plain: enabled && !terminal,
            total,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    /// One case finished.
    pub fn finished(&self, report: &CaseReport) {
        if report.status == Status::Fail {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let failed = self.failed.load(Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{failed} failed"));
            bar.inc(1);
        } else if self.plain && (done % PLAIN_EVERY == 0 || done == self.total) {
            let _ = writeln!(
                std::io::stderr().lock(),
                "ssecheck: {done}/{} cases done, {failed} failed",
                self.total
            );
        }
    }

    /// The run is over: the bar is removed.
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The process's peak resident memory in KiB (`VmHWM`), where /proc has it.
pub fn peak_memory_kib() -> Option<u64> {
    peak_memory_kib_of(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// `VmHWM`, in KiB, from the text of a /proc/PID/status file.
pub fn peak_memory_kib_of(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The load test's progress: one bar per stage (connecting, publishing,
/// delivering) on a terminal; otherwise a line when a stage starts, when it
/// completes, and every `LOAD_PLAIN_EVERY` between.
#[derive(Debug)]
pub struct LoadProgress {
    bar: Option<ProgressBar>,
    shown: std::sync::Mutex<LoadShown>,
}

/// What was last shown of the load test.
#[derive(Debug)]
struct LoadShown {
    stage: Option<Stage>,
    at: std::time::Instant,
    complete: bool,
}

/// Plain load progress lines are this far apart at most.
const LOAD_PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl LoadProgress {
    /// Progress on stderr: a bar when it is a terminal, lines otherwise.
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("load: {msg:<10} {bar:40.cyan/blue} {pos}/{len} [{elapsed}]")
            {
                bar.set_style(style);
            }
            bar
        });
        let shown = LoadShown { stage: None, at: std::time::Instant::now(), complete: false };
        Self { bar, shown: std::sync::Mutex::new(shown) }
    }
}

impl Default for LoadProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl load::Progress for LoadProgress {
    fn update(&self, stage: Stage, done: u64, total: u64) {
        let mut shown = self.shown.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let new_stage = shown.stage != Some(stage);
        if new_stage {
            *shown = LoadShown { stage: Some(stage), at: std::time::Instant::now(), complete: false };
        }
        if let Some(bar) = &self.bar {
            if new_stage {
                bar.reset();
                bar.set_message(stage.name());
            }
            bar.set_length(total);
            bar.set_position(done);
            return;
        }
        let complete = done >= total && !shown.complete;
        if new_stage || complete || shown.at.elapsed() >= LOAD_PLAIN_EVERY {
            shown.at = std::time::Instant::now();
            shown.complete |= complete;
            let _ = writeln!(std::io::stderr().lock(), "ssecheck: load: {} {done}/{total}", stage.name());
        }
    }

    fn finished(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
