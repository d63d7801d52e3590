//! The load test's flags (`check --server URL --publish URL --subscribers
//! N`), their pre-flight checks, and the open-file limit they need.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;

use super::progress::LoadProgress;
use crate::open_files;
use crate::server_mode::load;

/// Events published when `--load-events` is not given.
const DEFAULT_EVENTS: usize = 100;
/// Milliseconds between publishes when `--load-pace` is not given.
const DEFAULT_PACE_MS: u64 = 50;

#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// With --server and --publish: the load test. Holds N streams open at
    /// once (one process; the open-file limit is raised to fit, or the check
    /// stops and says how), publishes --load-events events through --publish,
    /// and reports per-subscriber loss and reordering (fail) and fan-out
    /// latency p50/p99/max (info). At most 100000.
    #[arg(long, value_name = "N")]
    subscribers: Option<usize>,
    /// With --subscribers: how many events the load test publishes, at
    /// most 10000 [default: 100].
    #[arg(long, value_name = "M")]
    load_events: Option<usize>,
    /// With --subscribers: milliseconds from one publish to the next, at
    /// most 60000; too fast for the server and latency measures its queue
    /// [default: 50].
    #[arg(long, value_name = "MS")]
    load_pace: Option<u64>,
}

impl LoadArgs {
    /// The pre-flight checks: one clear error for what cannot run.
    pub fn validate(&self, server: bool, publish: bool) -> anyhow::Result<()> {
        let Some(subscribers) = self.subscribers else {
            for (given, flag) in
                [(self.load_events.is_some(), "--load-events"), (self.load_pace.is_some(), "--load-pace")]
            {
                if given {
                    bail!("{flag} is for the load test: give --subscribers N too");
                }
            }
            return Ok(());
        };
        if !server || !publish {
            bail!(
                "--subscribers needs --server URL and --publish URL: the load test publishes its events itself"
            );
        }
        if !(1..=load::MAX_SUBSCRIBERS).contains(&subscribers) {
            bail!("--subscribers must be between 1 and {}", load::MAX_SUBSCRIBERS);
        }
        if let Some(events) = self.load_events {
            if !(1..=load::MAX_EVENTS).contains(&events) {
                bail!("--load-events must be between 1 and {}", load::MAX_EVENTS);
            }
        }
        if let Some(pace) = self.load_pace {
            if u128::from(pace) > load::MAX_PACE.as_millis() {
                bail!("--load-pace must be at most {} ms", load::MAX_PACE.as_millis());
            }
        }
        Ok(())
    }

    /// The self-check's load when none is asked for: small enough for any
    /// machine (the reference server runs in the same process, so every
    /// stream costs two descriptors), large enough to show the cases work.
    pub fn for_self_check(&self) -> Self {
        match self.subscribers {
            Some(_) => self.clone(),
            None => Self { subscribers: Some(100), load_events: Some(20), load_pace: Some(20) },
        }
    }

    /// The load test's options, with the open-file limit raised for it;
    /// `None` without `--subscribers`.
    ///
    /// # Errors
    /// The limit stays too low for N streams.
    pub fn options(&self, progress: bool) -> anyhow::Result<Option<load::Options>> {
        let Some(subscribers) = self.subscribers else {
            return Ok(None);
        };
        let needed = subscribers as u64 + load::DESCRIPTOR_MARGIN;
        let soft = open_files::raise_to(needed).map_err(anyhow::Error::msg)?;
        if soft < needed {
            let (_, hard) = open_files::limits().map_err(anyhow::Error::msg)?;
            bail!(
                "--subscribers {subscribers} needs about {needed} open files, but the limit is {soft} (soft) / {hard} (hard) and this process may not raise it: run `ulimit -n {needed}` first (past the hard limit only root can; see /etc/security/limits.conf), or use fewer subscribers"
            );
        }
        Ok(Some(load::Options {
            subscribers,
            events: self.load_events.unwrap_or(DEFAULT_EVENTS),
            pace: Duration::from_millis(self.load_pace.unwrap_or(DEFAULT_PACE_MS)),
            progress: progress.then(|| Arc::new(LoadProgress::new()) as Arc<dyn load::Progress>),
        }))
    }
}
