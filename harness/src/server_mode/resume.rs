//! Resume (`--resume`): a server that says it replays what a subscriber
//! missed must do it exactly: the events published while the subscriber was
//! away arrive after it reconnects with `Last-Event-ID`, exactly once, in
//! order, none missing, none repeated; and one that reconnects with the
//! latest ID gets nothing again. The standard gives the header
//! (#the-last-event-id-header) but leaves replaying to the server, so these
//! run only when the user declares it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::http::Url;
use super::round_trip::{self, Delivered, Stalled, Subscriber};
use super::{Check, Finding, Requests, seconds};
use crate::case::{Capability, Level};

/// `server.resume.replay`.
pub const REPLAY: Check = Check {
    id: "server.resume.replay",
    title: "Reconnecting with Last-Event-ID, a subscriber receives the events published while it was away, exactly once and in order",
    spec: &["#the-last-event-id-header"],
    level: Level::Must,
    needs: &[Capability::Publish, Capability::Resume],
};

/// `server.resume.up-to-date`.
pub const UP_TO_DATE: Check = Check {
    id: "server.resume.up-to-date",
    title: "Reconnecting with the latest event's ID, a subscriber receives nothing again",
    spec: &["#the-last-event-id-header"],
    level: Level::Must,
    needs: &[Capability::Publish, Capability::Resume],
};

/// The resume checks, in report order.
pub const CHECKS: [Check; 2] = [REPLAY, UP_TO_DATE];

/// Events published before the subscriber leaves, and while it is away.
const BEFORE: usize = 2;
const AWAY: usize = 3;

/// One run's events: ids and data unique to the run, so no history of an
/// earlier check (or run) can match them.
struct Names(String);

impl Names {
    fn new() -> Self {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        Self(format!("{nanos:x}"))
    }

    /// Event `n`'s id. The ids do not sort in publishing order (event 4's
    /// sorts first, event 3's last), so a server that replays by comparing
    /// ids rather than by when events were published replays the wrong ones.
    fn id(&self, n: usize) -> String {
        const SORTS_AS: [char; AWAY + BEFORE] = ['d', 'b', 'e', 'a', 'c'];
        format!("ssecheck-resume-{}-{}", self.0, SORTS_AS[n - 1])
    }

    fn data(&self, n: usize) -> String {
        format!("resume-{}-{n}", self.0)
    }

    /// Which event `data` is, if one of this run's.
    fn number(&self, data: &str) -> Option<usize> {
        data.strip_prefix(&format!("resume-{}-", self.0))?.parse().ok()
    }
}

/// Both resume checks (skipped with the reason when `declared` is false).
pub async fn check(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    declared: bool,
    timeout: Duration,
) -> Vec<Finding> {
    if !declared {
        return CHECKS
            .iter()
            .map(|check| {
                Finding::skipped(
                    check,
                    "needs --resume: the standard does not require a server to replay missed events; declare that this one does".to_owned(),
                )
            })
            .collect();
    }
    super::each_or_all(&CHECKS, run(requests, stream, publish, timeout).await)
}

async fn run(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    timeout: Duration,
) -> Result<[Finding; 2], String> {
    let names = Names::new();
    let mut first = Subscriber::open(requests, stream, &[], timeout)
        .await
        .map_err(|e| format!("cannot open a subscriber: {e}"))?;
    first.settle().await;
    for n in 1..=BEFORE {
        publish_event(requests, publish, &names, n, timeout).await?;
    }
    // The subscriber holds the last of them before it leaves.
    if first.arrival_of(&names.data(BEFORE), Instant::now() + timeout).await.is_err() {
        return Err(format!(
            "the events published before the reconnection did not reach the subscriber within {}",
            seconds(timeout)
        ));
    }
    drop(first);
    // The server notices the subscriber left before the events it misses.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for n in BEFORE + 1..=BEFORE + AWAY {
        publish_event(requests, publish, &names, n, timeout).await?;
    }
    let missed: Vec<usize> = (BEFORE + 1..=BEFORE + AWAY).collect();
    let replay = reconnect(requests, stream, publish, &names, BEFORE, "a", timeout).await?;
    let latest = reconnect(requests, stream, publish, &names, BEFORE + AWAY, "b", timeout).await?;
    Ok([
        judge(&REPLAY, &names, BEFORE, &missed, replay),
        judge(&UP_TO_DATE, &names, BEFORE + AWAY, &[], latest),
    ])
}

async fn publish_event(
    requests: &Requests,
    publish: &Url,
    names: &Names,
    n: usize,
    timeout: Duration,
) -> Result<(), String> {
    let payload = json!({"id": names.id(n), "data": names.data(n)});
    round_trip::publish_accepted(requests, publish, &payload, timeout)
        .await
        .map_err(|why| format!("publishing event {n} with an id {why}"))
}

/// What a subscriber reconnecting with the id of event `after` receives
/// before a sentinel; `Err` when it cannot reconnect.
async fn reconnect(
    requests: &Requests,
    stream: &Url,
    publish: &Url,
    names: &Names,
    after: usize,
    tag: &str,
    timeout: Duration,
) -> Result<Result<Delivered, Stalled>, String> {
    let header = [("Last-Event-ID".to_owned(), names.id(after))];
    let mut subscriber = Subscriber::open(requests, stream, &header, timeout)
        .await
        .map_err(|e| format!("cannot reconnect with Last-Event-ID: {e}"))?;
    // A replay comes at once; the sentinel is published after it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sentinel = format!("ssecheck-resume-sentinel-{}-{tag}", names.0);
    round_trip::post(requests, publish, &json!({"data": sentinel}), timeout).await?;
    Ok(subscriber.until_sentinel(&sentinel, Instant::now() + timeout).await)
}

/// Whether the events before the sentinel are exactly `want`, each with its
/// id as lastEventId.
fn judge(
    check: &Check,
    names: &Names,
    after: usize,
    want: &[usize],
    got: Result<Delivered, Stalled>,
) -> Finding {
    let (events, stalled) = match got {
        Ok(delivered) => (delivered.events, None),
        Err(Stalled { delivered, ended }) => (delivered.events, Some(ended)),
    };
    let numbers: Vec<Option<usize>> =
        events.iter().map(|e| names.number(&round_trip::plain_data(e))).collect();
    let ours: Vec<usize> = numbers.iter().flatten().copied().collect();
    let observed = json!({
        "last_event_id_sent": names.id(after),
        "want": want.iter().map(|n| names.data(*n)).collect::<Vec<_>>(),
        "received_before_sentinel": events,
    });
    let mut problems = Vec::new();
    if let Some(ended) = stalled {
        problems.push(if ended {
            "the stream ended before the sentinel published after reconnecting".to_owned()
        } else {
            "the sentinel published after reconnecting did not arrive".to_owned()
        });
    }
    let missing: Vec<usize> = want.iter().filter(|n| !ours.contains(n)).copied().collect();
    if !missing.is_empty() {
        problems.push(format!("missing event(s) {}", list(&missing)));
    }
    let again: Vec<usize> = ours.iter().filter(|n| !want.contains(n)).copied().collect();
    if again.contains(&after) {
        problems.push(format!(
            "event {after} again, the one whose id it sent as Last-Event-ID: the replay starts at that event, not after it (one event too many)"
        ));
    }
    let earlier: Vec<usize> = again.iter().filter(|n| **n != after).copied().collect();
    if !earlier.is_empty() {
        problems.push(format!("event(s) {} again, which it had received before it left", list(&earlier)));
    }
    let mut repeated: Vec<usize> =
        want.iter().filter(|n| ours.iter().filter(|o| o == n).count() > 1).copied().collect();
    repeated.dedup();
    if !repeated.is_empty() {
        problems.push(format!("event(s) {} twice", list(&repeated)));
    }
    let in_order: Vec<usize> = ours.iter().filter(|n| want.contains(n)).copied().collect();
    if missing.is_empty() && repeated.is_empty() && in_order != want {
        problems.push(format!("the events in the order {}", list(&in_order)));
    }
    let wrong_ids: Vec<String> = events
        .iter()
        .filter_map(|e| {
            let n = names.number(&round_trip::plain_data(e))?;
            let id = e["lastEventId"].as_str().unwrap_or_default();
            (id != names.id(n)).then(|| format!("event {n} with lastEventId {id:?}"))
        })
        .collect();
    if !wrong_ids.is_empty() {
        problems.push(format!("{} (each was published with its own id)", wrong_ids.join(", ")));
    }
    let sent = format!("the Last-Event-ID of event {after}");
    let problem = (!problems.is_empty()).then(|| {
        let want =
            if want.is_empty() { "nothing again".to_owned() } else { format!("events {}", list(want)) };
        format!("reconnected with {sent}, it should receive {want}; it received {}", problems.join("; "))
    });
    Finding::new(check, problem, observed).passed_as(|| {
        if want.is_empty() {
            format!("reconnected with {sent}, the latest, it received nothing again")
        } else {
            format!(
                "reconnected with {sent}, it received events {} (published while it was away), exactly once and in order",
                list(want)
            )
        }
    })
}

fn list(numbers: &[usize]) -> String {
    numbers.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}
