//! Idle survival (`--idle SECS`): the stream stays open through a quiet
//! period with nothing published, as streams do at night, and still delivers
//! afterwards. Proxies and load balancers cut connections that carry no bytes
//! for a while (60 s is common); the standard's authoring notes advise a
//! comment line every 15 seconds or so against exactly this. A cut is
//! reported with how it came (the response ended, the connection was reset
//! or closed mid-response), when, after how long a silence, who answered
//! (`Server`, `Via`), and the heartbeat interval that would have kept it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http::{self, Url};
use super::round_trip::{self, Missed, Subscriber};
use super::{Check, Finding, Requests, seconds};
use crate::case::{Capability, Level};

/// `server.idle.survival`.
pub const SURVIVAL: Check = Check {
    id: "server.idle.survival",
    title: "The stream stays open through a quiet period (--idle SECS) and still delivers afterwards",
    spec: &["#authoring-notes"],
    level: Level::Should,
    needs: &[Capability::Idle],
};

/// The idle checks, in report order.
pub const CHECKS: [Check; 1] = [SURVIVAL];

/// The idle finding; skipped without `--idle`.
pub async fn check(
    requests: &Requests,
    stream: &Url,
    publish: Option<&Url>,
    idle: Option<Duration>,
    timeout: Duration,
) -> Vec<Finding> {
    let Some(idle) = idle else {
        let why = "needs --idle SECS: a quiet period to hold the stream through (60 or more finds the common proxy timeouts)";
        return vec![Finding::skipped(&SURVIVAL, why.to_owned())];
    };
    vec![survival(requests, stream, publish, idle, timeout).await]
}

/// How the stream ended during the quiet period.
fn how(ending: &Result<(), String>) -> String {
    match ending {
        Ok(()) => "the response was ended (its end was sent, as a server or proxy ending it on purpose does)"
            .to_owned(),
        Err(error) if error.to_ascii_lowercase().contains("reset") => {
            format!("the connection was reset ({error})")
        }
        Err(error) => format!("the connection was closed without the response's end ({error})"),
    }
}

async fn survival(
    requests: &Requests,
    stream: &Url,
    publish: Option<&Url>,
    idle: Duration,
    timeout: Duration,
) -> Finding {
    let mut opened = match requests.stream(stream, &[], timeout).await {
        Ok(opened) if opened.status == 200 => opened,
        Ok(opened) => {
            let why = format!("the stream answered status {}", opened.status);
            return Finding::new(&SURVIVAL, Some(why), Value::Null);
        }
        Err(error) => {
            let why = format!("cannot open the stream: {}", super::http_error(&error));
            return Finding::new(&SURVIVAL, Some(why), Value::Null);
        }
    };
    let answered_by: Vec<String> = ["server", "via"]
        .iter()
        .flat_map(|name| {
            opened.header_values(name).into_iter().map(move |v| format!("{}: {v}", capitalised(name)))
        })
        .collect();
    let started = Instant::now();
    let end = started + idle;
    let mut last_byte = started;
    let mut longest = Duration::ZERO;
    let mut bytes = 0usize;
    let ending = loop {
        match opened.next_chunk(end).await {
            Some(Ok(Some(chunk))) => {
                longest = longest.max(last_byte.elapsed());
                last_byte = Instant::now();
                bytes += chunk.len();
            }
            Some(Ok(None)) => break Some(Ok(())),
            Some(Err(error)) => break Some(Err(error)),
            None => break None,
        }
    };
    let mut observed = json!({
        "idle_s": idle.as_secs_f64(),
        "bytes_during_idle": bytes,
        "longest_silence_ms": longest.max(last_byte.elapsed()).as_millis() as u64,
        "answered_by": answered_by,
    });
    if let Some(ending) = ending {
        let cut_at = started.elapsed();
        let silence = last_byte.elapsed();
        observed["cut_after_ms"] = json!(cut_at.as_millis() as u64);
        observed["silence_before_cut_ms"] = json!(silence.as_millis() as u64);
        let advice = if silence >= Duration::from_millis(500) {
            format!(
                "a heartbeat (a comment line: `:` and a line end) at least every {} would have kept it open",
                seconds(silence / 2)
            )
        } else {
            "bytes were still flowing, so a heartbeat would not help: something limits the response's whole length".to_owned()
        };
        let via = if answered_by.is_empty() {
            String::new()
        } else {
            format!(" The response came with {}.", answered_by.join(", "))
        };
        let problem = format!(
            "the stream was cut {} after it opened, after {} without a byte ({} received during the quiet period): {}; {advice}.{via}",
            seconds(cut_at),
            seconds(silence),
            bytes,
            how(&ending)
        );
        return Finding::new(&SURVIVAL, Some(problem), observed);
    }
    let longest = longest.max(last_byte.elapsed());
    let kept = if bytes == 0 {
        "no byte at all".to_owned()
    } else {
        format!("{bytes} bytes of heartbeats or other lines; the longest silence {}", seconds(longest))
    };
    let after = match publish {
        None => String::new(),
        Some(publish) => match delivers_after(requests, publish, opened, timeout).await {
            Ok(waited) => format!(", and an event published after it arrived in {}", seconds(waited)),
            Err(why) => {
                let problem = format!("the stream stayed open through {} ({kept}), but {why}", seconds(idle));
                return Finding::new(&SURVIVAL, Some(problem), observed);
            }
        },
    };
    Finding::new(&SURVIVAL, None, observed).passed_as(|| {
        format!("the stream stayed open through {} without published events ({kept}){after}", seconds(idle))
    })
}

/// Publishes one event after the quiet period and waits for it on the same
/// stream: a connection a proxy dropped silently delivers nothing.
async fn delivers_after(
    requests: &Requests,
    publish: &Url,
    opened: http::Opened,
    timeout: Duration,
) -> Result<Duration, String> {
    let mut subscriber = Subscriber::reading(opened)?;
    let mark = "ssecheck-after-idle";
    let started = Instant::now();
    round_trip::publish_accepted(requests, publish, &json!({"data": mark}), timeout)
        .await
        .map_err(|why| format!("publishing after it {why}"))?;
    match subscriber.arrival_of(mark, started + timeout).await {
        Ok(at) => Ok(at - started),
        Err(Missed::Ended) => Err("the stream ended when an event was published after it".to_owned()),
        Err(Missed::Waited) => {
            Err(format!("an event published after it did not arrive within {}", seconds(timeout)))
        }
    }
}

fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}
