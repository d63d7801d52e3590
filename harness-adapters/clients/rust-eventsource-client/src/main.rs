//! ssecheck client adapter for LaunchDarkly's crate eventsource-client.
//!
//! `ClientBuilder::for_url(url)` with the default `ReconnectOptions`, built with
//! `HyperTransport::builder().build_https()` and read with `client.stream()`, as
//! the crate's README shows. `SSE::Connected` is `open`, `SSE::Event` an event
//! (its `id` is the parser's last-seen id, `None` printed as ""), and each
//! `Err` an error. The crate has no readyState: right after an error the
//! adapter polls the stream once without waiting, and the stream answering
//! "ended" (`None`, the crate's `StreamClosed`) is readyState 2, else 0.
//!
//! Capabilities, all the crate's own builder options: `headers`
//! (`ClientBuilder::header`), `initial-last-event-id` (`last_event_id`),
//! `method-body` (`method`, `body`), `read-timeout` (the transport's
//! `read_timeout`) and `close` (dropping the stream, the crate's only way to
//! stop; it has no close method).

use eventsource_client::{self as es, Client, SSE};
use futures_util::{FutureExt, StreamExt};
use launchdarkly_sdk_transport::HyperTransport;
use serde_json::{Value, json};
use std::io::Write;
use std::time::Duration;
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

fn print(item: es::Result<SSE>) {
    match item {
        Ok(SSE::Connected(_)) => emit(json!({"kind": "open"})),
        Ok(SSE::Event(event)) => {
            if let Some(retry) = event.retry {
                emit(json!({"kind": "retry", "ms": retry}));
            }
            let id = event.id.unwrap_or_default();
            emit(json!({"kind": "event", "type": event.event_type, "data": event.data, "lastEventId": id}));
        }
        Ok(SSE::Comment(text)) => emit(json!({"kind": "comment", "text": text})),
        Err(error) => eprintln!("error: {error:?}"),
    }
}

fn client(url: &str) -> Result<impl Client, Box<dyn std::error::Error>> {
    let mut builder = es::ClientBuilder::for_url(url)?;
    if let Ok(headers) = std::env::var("SSE_HEADERS") {
        let headers: serde_json::Map<String, Value> = serde_json::from_str(&headers)?;
        for (name, value) in headers {
            builder = builder.header(&name, value.as_str().unwrap_or_default())?;
        }
    }
    if let Ok(id) = std::env::var("SSE_LAST_EVENT_ID") {
        builder = builder.last_event_id(id);
    }
    if let Ok(method) = std::env::var("SSE_METHOD") {
        builder = builder.method(method);
    }
    if let Ok(body) = std::env::var("SSE_BODY") {
        builder = builder.body(body);
    }
    let mut transport = HyperTransport::builder();
    if let Ok(ms) = std::env::var("SSE_READ_TIMEOUT_MS") {
        transport = transport.read_timeout(Duration::from_millis(ms.parse()?));
    }
    // build_https: the transport's documented https connector (http:// too),
    // which offers h2 and http/1.1 through ALPN. Over http:// it speaks
    // HTTP/1.1 only: the builder has no HTTP/2 prior-knowledge option.
    Ok(builder.build_with_transport(transport.build_https()?))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).or_else(|| std::env::var("SSE_URL").ok()).expect("no URL given");
    let mut commands = commands();
    let client = client(&url).expect("the client could not be built");
    let mut stream = client.stream();
    loop {
        tokio::select! {
            item = stream.next() => match item {
                Some(Err(error)) => {
                    print(Err(error));
                    // Has the crate closed the stream (None at once) or will it reconnect?
                    match stream.next().now_or_never() {
                        Some(None) => {
                            emit(json!({"kind": "error", "readyState": 2}));
                            break;
                        }
                        Some(Some(next)) => {
                            emit(json!({"kind": "error", "readyState": 0}));
                            print(next);
                        }
                        None => emit(json!({"kind": "error", "readyState": 0})),
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
                    eprintln!("close: dropping the stream");
                    break;
                }
            }
        }
    }
    drop(stream);
    std::future::pending::<()>().await;
}
