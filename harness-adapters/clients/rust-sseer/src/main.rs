//! ssecheck client adapter for the crate sseer (its `reqwest` feature).
//!
//! `sseer::reqwest::EventSource::new(client.get(url))` with the crate's default
//! retry policy, polled as a stream as its README shows: `StreamEvent::Open` is
//! `open`, `StreamEvent::Event` an event (its `id` is the parser's last event
//! ID), and each `Err` an error. The crate has no readyState: right after an
//! error the adapter polls the stream once without waiting, and the stream
//! answering "ended" (`None`, the crate's `Closed` state) is readyState 2,
//! else 0. Capabilities: `headers` (set on the RequestBuilder the crate clones
//! for every request) and `close` (dropping the stream, the crate's only way
//! to stop; it has no close method).

use futures_util::{FutureExt, StreamExt};
use serde_json::{Value, json};
use sseer::reqwest::{EventSource, StreamEvent};
use std::io::Write;
use std::panic::AssertUnwindSafe;
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

type Item = Result<StreamEvent, sseer::reqwest::EventSourceError>;

fn print(item: Item) {
    match item {
        Ok(StreamEvent::Open) => emit(json!({"kind": "open"})),
        Ok(StreamEvent::Event(event)) => {
            if let Some(retry) = event.retry {
                emit(json!({"kind": "retry", "ms": retry.as_millis() as u64}));
            }
            emit(
                json!({"kind": "event", "type": &*event.event, "data": &*event.data, "lastEventId": &*event.id}),
            );
        }
        Err(error) => eprintln!("error: {error}"),
    }
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
                Some(Err(error)) => {
                    print(Err(error));
                    // Has the crate closed (None at once) or will it reconnect? A
                    // panic here is the crate's own (logged on stderr): it is dead.
                    let probe = std::panic::catch_unwind(AssertUnwindSafe(|| source.next().now_or_never()));
                    match probe {
                        Ok(Some(None)) | Err(_) => {
                            emit(json!({"kind": "error", "readyState": 2}));
                            break;
                        }
                        Ok(Some(Some(next))) => {
                            emit(json!({"kind": "error", "readyState": 0}));
                            print(next);
                        }
                        Ok(None) => emit(json!({"kind": "error", "readyState": 0})),
                    }
                }
                Some(item) => print(item),
                None => {
                    emit(json!({"kind": "error", "readyState": 2}));
                    break;
                }
            },
            Some(command) = commands.recv() => {
                if command.trim() == "close" {
                    eprintln!("close: dropping the EventSource");
                    break;
                }
            }
        }
    }
    drop(source);
    std::future::pending::<()>().await;
}
