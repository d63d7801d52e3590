//! The load test (`--subscribers N`): N streams held open at once from one
//! process, M events published through the publish endpoint, paced, and
//! every arrival accounted for: which subscribers lost events, got one twice
//! or out of publish order, and how long fan-out took (publish request sent
//! to decoded at a subscriber, by spec-impl).
//!
//! Memory stays bounded by N, not by what arrives: a subscriber keeps a few
//! counters and a bitset of the M events, events are decoded borrowed
//! (`feed_with`), and a stream that sends more than `MAX_PENDING_BYTES`
//! without completing a line or event is dropped.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use futures_util::stream::{FuturesUnordered, StreamExt as _};
use hdrhistogram::Histogram;
use serde_json::json;
use spec_impl::{EventStream, ObservationRef};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::http::{self, Url};
use super::round_trip::post;
use super::{Check, Finding, Requests};
use crate::case::{Capability, Level};

/// The most subscribers a run may ask for.
pub const MAX_SUBSCRIBERS: usize = 100_000;
/// The most events a run may publish (each subscriber's bitset is M bits).
pub const MAX_EVENTS: usize = 10_000;
/// The longest pause between two publishes.
pub const MAX_PACE: Duration = Duration::from_secs(60);
/// Descriptors the process needs besides one per subscriber: the runtime,
/// the publish requests, stdio, the report files.
pub const DESCRIPTOR_MARGIN: u64 = 64;

/// Connections being opened at once. A server's listen backlog is finite
/// (128 in Rust's std and mio, 511 in nginx): no more are in flight than
/// the smallest common one, since an overflow costs a one-second SYN
/// retransmission and shows up as connect time, not as the server's.
const CONNECTS_IN_FLIGHT: usize = 128;
/// After this many subscribers could not open, the rest are not tried:
/// against a server that hangs, each would wait out the timeout.
const GIVE_UP_AFTER_FAILURES: usize = 512;
/// After this many failed publish requests the rest are not sent: against
/// an endpoint that hangs, each would wait out the timeout.
const GIVE_UP_AFTER_PUBLISH_FAILURES: usize = 3;
/// Bytes a subscriber reads without a line or event being completed before
/// it stops reading; the load's events are a few dozen bytes each.
const MAX_PENDING_BYTES: usize = 16 * 1024;
/// Errors kept for a message.
const ERRORS_KEPT: usize = 5;
/// From the last subscriber opening to the first publish, so a server that
/// registers streams after answering has them all.
const SETTLE: Duration = Duration::from_millis(200);
/// Once every subscriber has every event, duplicates are still watched for
/// this long.
const QUIET: Duration = Duration::from_millis(300);
/// How often delivery is looked at, for the wait and the progress.
const TICK: Duration = Duration::from_millis(100);
/// How long the readers have to hand in their tallies once told to stop.
const STOP_DEADLINE: Duration = Duration::from_secs(5);
/// Latencies above this (µs) are recorded as this.
const LATENCY_CEILING_US: u64 = 3_600_000_000;

const NEEDS: &[Capability] = &[Capability::Publish, Capability::Subscribers];

/// `server.load.subscribe`.
pub const SUBSCRIBE: Check = Check {
    id: "server.load.subscribe",
    title: "N subscribers can hold the stream open at once (200, text/event-stream)",
    spec: &["#dom-eventsource step 15.3", "#dom-eventsource step 15.4"],
    level: Level::Must,
    needs: NEEDS,
};

/// `server.load.loss`.
pub const LOSS: Check = Check {
    id: "server.load.loss",
    title: "Under load, every subscriber gets every published event",
    spec: &["#dispatchMessage step 8"],
    level: Level::Must,
    needs: NEEDS,
};

/// `server.load.order`.
pub const ORDER: Check = Check {
    id: "server.load.order",
    title: "Under load, every subscriber gets the events in publish order, none twice",
    spec: &["#dispatchMessage step 8"],
    level: Level::Must,
    needs: NEEDS,
};

/// `server.load.fan-out-latency`.
pub const FAN_OUT_LATENCY: Check = Check {
    id: "server.load.fan-out-latency",
    title: "Under load, how long a published event takes to reach the subscribers (p50, p99, max)",
    spec: &["#authoring-notes"],
    level: Level::Info,
    needs: NEEDS,
};

/// The load cases, in report order.
pub const CHECKS: [Check; 4] = [SUBSCRIBE, LOSS, ORDER, FAN_OUT_LATENCY];

/// What the load test does.
#[derive(Clone)]
pub struct Options {
    /// Streams held open at once.
    pub subscribers: usize,
    /// Events published.
    pub events: usize,
    /// From one publish to the next.
    pub pace: Duration,
    /// Told how far the run got.
    pub progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("subscribers", &self.subscribers)
            .field("events", &self.events)
            .field("pace", &self.pace)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// A part of the run, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Subscribers opened (or failed) of N.
    Connecting,
    /// Events published of M.
    Publishing,
    /// Deliveries of subscribers × accepted events.
    Delivering,
}

impl Stage {
    /// A word for a progress line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Publishing => "publishing",
            Self::Delivering => "delivering",
        }
    }
}

/// Where the load test says how far it got (the command line draws it).
pub trait Progress: Send + Sync {
    /// `done` of `total` in `stage`; called at most once per connection,
    /// publish or tick, so an implementation should throttle its output.
    fn update(&self, stage: Stage, done: u64, total: u64);

    /// The run is over (a bar can go).
    fn finished(&self) {}
}

/// What every subscriber shares: the run's identity and the clocks.
#[derive(Debug)]
struct Shared {
    /// `ssecheck-load <run> `: what the data of this run's events starts with.
    prefix: String,
    events: usize,
    base: Instant,
    /// When each event's publish request was sent, in µs after `base`, plus
    /// one (0: not sent yet).
    sent: Box<[AtomicU64]>,
    /// Publish request sent to decoded at a subscriber, µs.
    latency: Mutex<Histogram<u64>>,
    /// The last new arrival, µs after `base`.
    last_arrival: AtomicU64,
    /// Per opened subscriber, what the wait and the progress look at.
    slots: Box<[Slot]>,
}

impl Shared {
    /// The index of an event of this run, from its data.
    fn index_of(&self, data: &str) -> Option<usize> {
        let index: usize = data.strip_prefix(self.prefix.as_str())?.parse().ok()?;
        (index < self.events).then_some(index)
    }

    fn micros(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// One subscriber, as the others see it.
#[derive(Debug, Default)]
struct Slot {
    /// Distinct events of this run received.
    distinct: AtomicU32,
    /// The stream ended or broke before the run told it to stop.
    ended: AtomicBool,
}

/// What one subscriber saw, kept small.
#[derive(Debug)]
struct Tally {
    /// Bit i: event i arrived.
    seen: Box<[u64]>,
    duplicates: u32,
    out_of_order: u32,
    /// The first arrival out of order: (this event, after that one).
    first_disorder: Option<(usize, usize)>,
    highest: Option<usize>,
    /// Events that are not this run's (a server that alters data shows here).
    other: u32,
    /// This run's events whose data arrived JSON-encoded (a string literal):
    /// counted as arrived, since the payload cases judge the encoding and
    /// the load is about loss, order and latency.
    json_encoded: u32,
    /// Why the stream stopped before it was told to.
    end: Option<String>,
}

impl Tally {
    fn new(events: usize) -> Self {
        Self {
            seen: vec![0; events.div_ceil(64)].into_boxed_slice(),
            duplicates: 0,
            out_of_order: 0,
            first_disorder: None,
            highest: None,
            other: 0,
            json_encoded: 0,
            end: None,
        }
    }

    fn has(&self, index: usize) -> bool {
        self.seen[index / 64] & (1 << (index % 64)) != 0
    }

    /// One event decoded.
    fn arrive(&mut self, data: &str, shared: &Shared, slot: &Slot) {
        let index = match shared.index_of(data) {
            Some(index) => index,
            None => match serde_json::from_str::<String>(data).ok().and_then(|inner| shared.index_of(&inner))
            {
                Some(index) => {
                    self.json_encoded = self.json_encoded.saturating_add(1);
                    index
                }
                None => {
                    self.other = self.other.saturating_add(1);
                    return;
                }
            },
        };
        let now = shared.micros();
        if self.has(index) {
            self.duplicates = self.duplicates.saturating_add(1);
            return;
        }
        self.seen[index / 64] |= 1 << (index % 64);
        slot.distinct.fetch_add(1, Ordering::Relaxed);
        match self.highest {
            Some(highest) if index < highest => {
                self.out_of_order = self.out_of_order.saturating_add(1);
                self.first_disorder.get_or_insert((index, highest));
            }
            _ => self.highest = Some(index),
        }
        let sent = shared.sent[index].load(Ordering::Acquire);
        if sent > 0 {
            let latency = now.saturating_sub(sent - 1).clamp(1, LATENCY_CEILING_US);
            shared.latency.lock().unwrap_or_else(PoisonError::into_inner).saturating_record(latency);
        }
        shared.last_arrival.fetch_max(now, Ordering::Relaxed);
    }
}

/// A histogram of µs from 1 µs to an hour.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LATENCY_CEILING_US, 3).expect("constant, valid histogram bounds")
}

/// Every load finding: skipped without `--subscribers` or `--publish`.
pub async fn check(
    requests: &Requests,
    stream: &Url,
    publish: Option<&Url>,
    options: &super::Options,
) -> Vec<Finding> {
    let skip = |why: &str| CHECKS.iter().map(|check| Finding::skipped(check, why.to_owned())).collect();
    let Some(load) = &options.load else {
        return skip("needs --subscribers N (the load test)");
    };
    let Some(publish) = publish else {
        return skip("needs a publish endpoint (--publish URL)");
    };
    Run::new(requests, stream, publish, options, load).go().await
}

/// One load run.
struct Run<'a> {
    requests: &'a Requests,
    stream: &'a Url,
    publish: &'a Url,
    options: &'a super::Options,
    load: &'a Options,
    shared: Arc<Shared>,
}

/// How the subscribers opened.
#[derive(Debug, Default)]
struct Opening {
    readers: Vec<JoinHandle<Tally>>,
    opened: usize,
    failed: usize,
    not_tried: usize,
    errors: Vec<String>,
    /// Request sent to response head, per subscriber, µs.
    head_after: Option<Histogram<u64>>,
    took: Duration,
}

/// How publishing went.
#[derive(Debug, Default)]
struct Publishing {
    /// Events whose publish request was answered 2xx.
    accepted: Vec<bool>,
    failed: usize,
    not_sent: usize,
    errors: Vec<String>,
}

impl Publishing {
    fn accepted_count(&self) -> usize {
        self.accepted.iter().filter(|a| **a).count()
    }
}

impl<'a> Run<'a> {
    fn new(
        requests: &'a Requests,
        stream: &'a Url,
        publish: &'a Url,
        options: &'a super::Options,
        load: &'a Options,
    ) -> Self {
        let run = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
            ^ (u64::from(std::process::id()) << 40);
        let shared = Arc::new(Shared {
            prefix: format!("ssecheck-load {run:x} "),
            events: load.events,
            base: Instant::now(),
            sent: (0..load.events).map(|_| AtomicU64::new(0)).collect(),
            latency: Mutex::new(histogram()),
            last_arrival: AtomicU64::new(0),
            slots: (0..load.subscribers).map(|_| Slot::default()).collect(),
        });
        Self { requests, stream, publish, options, load, shared }
    }

    fn progress(&self, stage: Stage, done: usize, total: usize) {
        if let Some(progress) = &self.load.progress {
            progress.update(stage, done as u64, total as u64);
        }
    }

    async fn go(self) -> Vec<Finding> {
        let findings = self.stages().await;
        if let Some(progress) = &self.load.progress {
            progress.finished();
        }
        findings
    }

    async fn stages(&self) -> Vec<Finding> {
        let (stop, stopped) = watch::channel(false);
        let mut opening = self.open(&stopped).await;
        let opened = opening.opened;
        let subscribe = subscribe_finding(self.load.subscribers, &opening);
        if opened == 0 {
            let mut findings = vec![subscribe];
            findings.extend(CHECKS[1..].iter().map(|check| {
                Finding::skipped(check, "not checked: no subscriber could open the stream".to_owned())
            }));
            return findings;
        }
        tokio::time::sleep(SETTLE).await;
        let publishing = self.publish().await;
        let waited = self.deliver(opened, publishing.accepted_count()).await;
        let _ = stop.send(true);
        let tallies = collect(std::mem::take(&mut opening.readers), self.load.events).await;
        let mut findings = vec![subscribe];
        findings.push(loss_finding(&tallies, &publishing, waited.then_some(self.options.timeout)));
        findings.push(order_finding(&tallies, &publishing));
        findings.push(self.latency_finding(&opening, &publishing));
        findings
    }

    /// Opens the subscribers, `CONNECTS_IN_FLIGHT` at a time, each handed to
    /// its reader as soon as it answers.
    async fn open(&self, stopped: &watch::Receiver<bool>) -> Opening {
        let wanted = self.load.subscribers;
        let connect = |index: usize| async move { (index, self.open_one().await) };
        let started = Instant::now();
        let mut opening = Opening { head_after: Some(histogram()), ..Opening::default() };
        let mut in_flight = FuturesUnordered::new();
        let mut tried = 0;
        loop {
            while tried < wanted
                && in_flight.len() < CONNECTS_IN_FLIGHT
                && opening.failed < GIVE_UP_AFTER_FAILURES
            {
                in_flight.push(connect(tried));
                tried += 1;
            }
            let Some((index, result)) = in_flight.next().await else { break };
            match result {
                Ok(opened) => {
                    if let Some(head_after) = &mut opening.head_after {
                        let us = u64::try_from(opened.head_after.as_micros()).unwrap_or(u64::MAX);
                        head_after.saturating_record(us.clamp(1, LATENCY_CEILING_US));
                    }
                    let slot = opening.readers.len();
                    let reader = read(opened, slot, self.shared.clone(), stopped.clone());
                    opening.readers.push(tokio::spawn(reader));
                }
                Err(error) => {
                    opening.failed += 1;
                    if opening.errors.len() < ERRORS_KEPT {
                        opening.errors.push(format!("subscriber {}: {error}", index + 1));
                    }
                }
            }
            self.progress(Stage::Connecting, opening.readers.len() + opening.failed, wanted);
        }
        opening.opened = opening.readers.len();
        opening.not_tried = wanted - tried;
        opening.took = started.elapsed();
        opening
    }

    /// One subscriber: the stream request as the user asked for it.
    async fn open_one(&self) -> Result<http::Opened, String> {
        let mut opened = self
            .requests
            .stream(self.stream, &[], self.options.timeout)
            .await
            .map_err(|e| super::http_error(&e))?;
        if opened.status != 200 {
            return Err(format!("status {}", opened.status));
        }
        if spec_impl::extract_a_mime_type_essence(&opened.headers).as_deref() != Some("text/event-stream") {
            return Err(format!("Content-Type {:?}", opened.header_values("content-type")));
        }
        // Not needed past this point; 10,000 copies would be.
        opened.headers = Vec::new();
        Ok(opened)
    }

    /// Publishes the events, one every `pace`, recording when each request
    /// was sent.
    async fn publish(&self) -> Publishing {
        let events = self.load.events;
        let mut publishing = Publishing { accepted: vec![false; events], ..Publishing::default() };
        let started = Instant::now();
        for index in 0..events {
            if publishing.failed >= GIVE_UP_AFTER_PUBLISH_FAILURES {
                publishing.not_sent = events - index;
                break;
            }
            let at = started + self.load.pace.saturating_mul(u32::try_from(index).unwrap_or(u32::MAX));
            tokio::time::sleep_until(at.into()).await;
            let payload = json!({"data": format!("{}{index}", self.shared.prefix)});
            self.shared.sent[index].store(self.shared.micros().saturating_add(1), Ordering::Release);
            let outcome = match post(self.requests, self.publish, &payload, self.options.timeout).await {
                Ok(200..=299) => Ok(()),
                Ok(status) => Err(format!("status {status}")),
                Err(error) => Err(error),
            };
            match outcome {
                Ok(()) => publishing.accepted[index] = true,
                Err(error) => {
                    publishing.failed += 1;
                    if publishing.errors.len() < ERRORS_KEPT {
                        publishing.errors.push(format!("event {index}: {error}"));
                    }
                }
            }
            self.progress(Stage::Publishing, index + 1, events);
        }
        publishing
    }

    /// Waits until every subscriber has every accepted event or its stream
    /// ended, at most the timeout; true when the timeout cut it short.
    async fn deliver(&self, opened: usize, accepted: usize) -> bool {
        let target = u32::try_from(accepted).unwrap_or(u32::MAX);
        let total = opened.saturating_mul(accepted);
        let deadline = Instant::now() + self.options.timeout;
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            let (mut settled, mut delivered) = (0, 0usize);
            for slot in &self.shared.slots[..opened] {
                let distinct = slot.distinct.load(Ordering::Relaxed);
                delivered += distinct.min(target) as usize;
                if distinct >= target || slot.ended.load(Ordering::Relaxed) {
                    settled += 1;
                }
            }
            self.progress(Stage::Delivering, delivered, total);
            if settled == opened {
                tokio::time::sleep(QUIET).await;
                return false;
            }
            if Instant::now() >= deadline {
                return true;
            }
        }
    }

    fn latency_finding(&self, opening: &Opening, publishing: &Publishing) -> Finding {
        let latency = self.shared.latency.lock().unwrap_or_else(PoisonError::into_inner);
        let ms = |us: u64| us as f64 / 1000.0;
        let first_sent = self.shared.sent.first().map_or(0, |s| s.load(Ordering::Acquire).saturating_sub(1));
        let last_arrival = self.shared.last_arrival.load(Ordering::Relaxed);
        let span = Duration::from_micros(last_arrival.saturating_sub(first_sent));
        let per_second = if span.is_zero() { 0.0 } else { latency.len() as f64 / span.as_secs_f64() };
        let connect = opening.head_after.as_ref().filter(|h| !h.is_empty());
        let connect_text = connect.map_or(String::new(), |h| {
            format!(
                " (request to response head: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms)",
                ms(h.value_at_quantile(0.5)),
                ms(h.value_at_quantile(0.99)),
                ms(h.max())
            )
        });
        let opened = opening.opened;
        let connecting =
            format!("opening {opened} subscribers took {:.2} s{connect_text}", opening.took.as_secs_f64());
        let message = if latency.is_empty() {
            format!("no published event arrived; {connecting}")
        } else {
            format!(
                "publish request sent to decoded at a subscriber, over {} deliveries of {} events to {opened} subscribers: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {per_second:.0} events/s delivered; {connecting}",
                latency.len(),
                publishing.accepted_count(),
                ms(latency.value_at_quantile(0.5)),
                ms(latency.value_at_quantile(0.99)),
                ms(latency.max()),
            )
        };
        let quantiles = |h: &Histogram<u64>| {
            json!({
                "p50": ms(h.value_at_quantile(0.5)),
                "p99": ms(h.value_at_quantile(0.99)),
                "max": ms(h.max()),
                "mean": h.mean() / 1000.0,
            })
        };
        let observed = json!({
            "subscribers": opened,
            "events_published": publishing.accepted_count(),
            "pace_ms": self.load.pace.as_secs_f64() * 1000.0,
            "deliveries": latency.len(),
            "latency_ms": (!latency.is_empty()).then(|| quantiles(&latency)),
            "deliveries_per_s": per_second.round(),
            "connect_s": opening.took.as_secs_f64(),
            "connect_head_ms": connect.map(quantiles),
        });
        Finding::new(&FAN_OUT_LATENCY, Some(message), observed)
    }
}

/// Reads one subscriber's stream until the run stops it or the stream ends.
async fn read(
    mut opened: http::Opened,
    slot: usize,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> Tally {
    let mut tally = Tally::new(shared.events);
    let mut stream = EventStream::new();
    // Bytes since the last line or event the stream completed: what its
    // buffers hold at most.
    let mut pending = 0usize;
    loop {
        // The stop signal ends the wait; the deadline is only there so
        // every wait has one.
        let far = Instant::now() + Duration::from_secs(3600);
        let chunk = tokio::select! {
            biased;
            _ = stop.changed() => break,
            chunk = opened.next_chunk(far) => chunk,
        };
        match chunk {
            None => {}
            Some(Ok(Some(bytes))) => {
                pending += bytes.len();
                stream.feed_with(&bytes, &mut |observation| {
                    pending = 0;
                    if let ObservationRef::Event { data, .. } = observation {
                        tally.arrive(data, &shared, &shared.slots[slot]);
                    }
                });
                if pending > MAX_PENDING_BYTES {
                    tally.end = Some(format!(
                        "it sent more than {MAX_PENDING_BYTES} bytes without ending a line or event"
                    ));
                    break;
                }
            }
            Some(Ok(None)) => {
                tally.end = Some("the stream ended".to_owned());
                break;
            }
            Some(Err(error)) => {
                tally.end = Some(format!("the stream broke: {error}"));
                break;
            }
        }
    }
    if tally.end.is_some() {
        shared.slots[slot].ended.store(true, Ordering::Relaxed);
    }
    tally
}

/// Every reader's tally, within `STOP_DEADLINE`; a reader that does not stop
/// is aborted and counts as having received nothing.
async fn collect(readers: Vec<JoinHandle<Tally>>, events: usize) -> Vec<Tally> {
    let deadline = Instant::now() + STOP_DEADLINE;
    let mut tallies = Vec::with_capacity(readers.len());
    for mut reader in readers {
        let tally = match tokio::time::timeout_at(deadline.into(), &mut reader).await {
            Ok(Ok(tally)) => tally,
            outcome => {
                reader.abort();
                let mut tally = Tally::new(events);
                tally.end = Some(match outcome {
                    Ok(Err(error)) => format!("its reader failed: {error}"),
                    _ => "its reader did not stop".to_owned(),
                });
                tally
            }
        };
        tallies.push(tally);
    }
    tallies
}

fn subscribe_finding(wanted: usize, opening: &Opening) -> Finding {
    let opened = opening.opened;
    let problem = (opened < wanted).then(|| {
        let not_tried = if opening.not_tried > 0 {
            format!(", {} more not tried after {} failures", opening.not_tried, opening.failed)
        } else {
            String::new()
        };
        format!(
            "{} of {wanted} subscribers could not open the stream{not_tried}; first errors: {}",
            opening.failed,
            opening.errors.join("; ")
        )
    });
    let observed = json!({
        "wanted": wanted,
        "opened": opened,
        "failed": opening.failed,
        "not_tried": opening.not_tried,
        "first_errors": opening.errors,
        "connect_s": opening.took.as_secs_f64(),
    });
    Finding::new(&SUBSCRIBE, problem, observed)
}

/// Loss: every accepted event at every subscriber. A stream that ended or
/// broke counts its missing events as lost.
fn loss_finding(tallies: &[Tally], publishing: &Publishing, timed_out: Option<Duration>) -> Finding {
    let accepted = publishing.accepted_count();
    let lost_by = |tally: &Tally| {
        (0..publishing.accepted.len()).filter(|&i| publishing.accepted[i] && !tally.has(i)).count()
    };
    let lost: Vec<usize> = tallies.iter().map(lost_by).collect();
    let lossy = lost.iter().filter(|l| **l > 0).count();
    let total: usize = lost.iter().sum();
    let worst =
        lost.iter().enumerate().max_by_key(|(_, l)| **l).filter(|(_, l)| **l > 0).map(|(i, l)| (i, *l));
    let ended: Vec<(usize, &str)> =
        tallies.iter().enumerate().filter_map(|(i, t)| t.end.as_deref().map(|why| (i, why))).collect();
    let other: u64 = tallies.iter().map(|t| u64::from(t.other)).sum();
    let json_encoded: u64 = tallies.iter().map(|t| u64::from(t.json_encoded)).sum();
    let mut problems = Vec::new();
    if lossy > 0 {
        let mut text = format!(
            "{lossy} of {} subscribers lost events, {total} of {} deliveries lost",
            tallies.len(),
            tallies.len() * accepted
        );
        if let Some((i, l)) = worst {
            text.push_str(&format!(
                "; worst: subscriber {} got {} of {accepted}{}",
                i + 1,
                accepted - l,
                tallies[i].end.as_deref().map_or(String::new(), |why| format!(" ({why})"))
            ));
        }
        if !ended.is_empty() {
            let (i, why) = ended[0];
            text.push_str(&format!(
                "; {} streams ended or broke early and their missing events count as lost (first: subscriber {}: {why})",
                ended.len(),
                i + 1
            ));
        }
        if let Some(timeout) = timed_out {
            text.push_str(&format!("; waited {} after the last publish", super::seconds(timeout)));
        }
        if other > 0 {
            text.push_str(&format!(
                "; {other} events arrived that were not this run's (is the data altered on the way?)"
            ));
        }
        problems.push(text);
    }
    if publishing.failed > 0 {
        let not_sent = if publishing.not_sent > 0 {
            format!(", {} more not sent after that", publishing.not_sent)
        } else {
            String::new()
        };
        problems.push(format!(
            "{} of {} publish requests failed{not_sent} (first: {})",
            publishing.failed,
            publishing.accepted.len(),
            publishing.errors.join("; ")
        ));
    }
    let observed = json!({
        "subscribers": tallies.len(),
        "events_published": accepted,
        "lossy_subscribers": lossy,
        "lost": total,
        "worst": worst.map(|(i, l)| json!({"subscriber": i + 1, "received": accepted - l, "ended": tallies[i].end})),
        "ended_early": ended.len(),
        "other_events": other,
        "json_encoded_arrivals": json_encoded,
        "publish_failed": publishing.failed,
        "publish_not_sent": publishing.not_sent,
        "publish_errors": publishing.errors,
    });
    let mut finding = Finding::new(&LOSS, (!problems.is_empty()).then(|| problems.join("; ")), observed);
    if json_encoded > 0 {
        finding.message.push_str(&format!(
            " ({json_encoded} arrivals had their data JSON-encoded and count by the string they encode; the server.publish cases judge that encoding)"
        ));
    }
    finding
}

/// Order: each subscriber's events in publish order, none twice.
fn order_finding(tallies: &[Tally], publishing: &Publishing) -> Finding {
    if publishing.accepted_count() == 0 {
        return Finding::skipped(&ORDER, "not checked: no event could be published".to_owned());
    }
    let disordered = tallies.iter().filter(|t| t.out_of_order > 0).count();
    let late: u64 = tallies.iter().map(|t| u64::from(t.out_of_order)).sum();
    let duplicated = tallies.iter().filter(|t| t.duplicates > 0).count();
    let duplicates: u64 = tallies.iter().map(|t| u64::from(t.duplicates)).sum();
    let mut problems = Vec::new();
    if disordered > 0 {
        let first = tallies.iter().enumerate().find_map(|(i, t)| t.first_disorder.map(|d| (i, d)));
        problems.push(format!(
            "{disordered} of {} subscribers got events out of publish order ({late} arrivals){}",
            tallies.len(),
            first.map_or(String::new(), |(i, (event, after))| format!(
                "; first: subscriber {} got event {event} after event {after}",
                i + 1
            ))
        ));
    }
    if duplicated > 0 {
        let first = tallies.iter().position(|t| t.duplicates > 0).map_or(0, |i| i + 1);
        problems.push(format!(
            "{duplicated} of {} subscribers got events twice ({duplicates} duplicates; first: subscriber {first})",
            tallies.len()
        ));
    }
    let observed = json!({
        "subscribers": tallies.len(),
        "out_of_order_subscribers": disordered,
        "out_of_order_arrivals": late,
        "duplicated_subscribers": duplicated,
        "duplicates": duplicates,
    });
    Finding::new(&ORDER, (!problems.is_empty()).then(|| problems.join("; ")), observed)
}
