//! ssecheck client adapter for the crate reqwest-eventsource.
//!
//! `EventSource::new(client.get(url))` with the crate's default retry policy,
//! polled as a stream as its README shows: `Event::Open` is `open`,
//! `Event::Message` an event (its `id` is the crate's last event ID), and each
//! `Err` an error whose readyState is the crate's own `ready_state()` right
//! after it (Closed = 2, else 0). Capabilities: `headers` (set on the
//! RequestBuilder the crate clones for every request) and `close`
//! (`EventSource::close`).

use futures_util::StreamExt;
use reqwest_eventsource::{Event, EventSource, ReadyState};
use serde_json::{Value, json};
use std::io::Write;
use tokio::io::AsyncBufReadExt;

/// One event line, flushed at once.
fn emit(line: Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Forwards stdin's lines; the case is over when the harness closes stdin.
fn commands() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = tx.send(line);
        }
        std::process::exit(0);
    });
    rx
}

/// reqwest's client for the run: the harness's CA (`SSE_CA_FILE`, under
/// `--tls`) as a root, and with `SSE_HTTP_VERSION=2` HTTP/2 (by prior
/// knowledge over http://; over https:// ALPN, which offers h2).
fn http_client(url: &str) -> reqwest::Client {
    let mut builder = reqwest::Client::builder();
    if let Some(pem) = std::env::var_os("SSE_CA_FILE").and_then(|path| std::fs::read(path).ok()) {
        builder =
            builder.add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("SSE_CA_FILE is PEM"));
    }
    if std::env::var("SSE_HTTP_VERSION").as_deref() == Ok("2") && url.starts_with("http://") {
        builder = builder.http2_prior_knowledge();
    }
    builder.build().expect("a reqwest client")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).or_else(|| std::env::var("SSE_URL").ok()).expect("no URL given");
    let mut commands = commands();
    // method-body: the request builder the crate takes, with SSE_METHOD and
    // SSE_BODY (a body that can be cloned, so every reconnection sends it).
    let method =
        std::env::var("SSE_METHOD").ok().and_then(|m| m.parse().ok()).unwrap_or(reqwest::Method::GET);
    let mut request = http_client(&url).request(method, &url);
    if let Ok(body) = std::env::var("SSE_BODY") {
        request = request.body(body);
    }
    if let Ok(headers) = std::env::var("SSE_HEADERS") {
        let headers: serde_json::Map<String, Value> = serde_json::from_str(&headers).expect("SSE_HEADERS");
        for (name, value) in headers {
            request = request.header(name, value.as_str().unwrap_or_default());
        }
    }
    let mut source = EventSource::new(request).expect("a request with a text body can be cloned");
    loop {
        tokio::select! {
            item = source.next() => match item {
                Some(Ok(Event::Open)) => emit(json!({"kind": "open"})),
                Some(Ok(Event::Message(event))) => {
                    if let Some(retry) = event.retry {
                        emit(json!({"kind": "retry", "ms": retry.as_millis() as u64}));
                    }
                    emit(json!({"kind": "event", "type": event.event, "data": event.data, "lastEventId": event.id}));
                }
                Some(Err(error)) => {
                    eprintln!("error: {error}");
                    let closed = source.ready_state() == ReadyState::Closed;
                    emit(json!({"kind": "error", "readyState": if closed { 2 } else { 0 }}));
                    if closed {
                        break;
                    }
                }
                None => {
                    eprintln!("the EventSource stream ended");
                    break;
                }
            },
            Some(command) = commands.recv() => {
                if command.trim() == "close" {
                    source.close();
                    eprintln!("closed");
                    break;
                }
            }
        }
    }
    std::future::pending::<()>().await;
}
