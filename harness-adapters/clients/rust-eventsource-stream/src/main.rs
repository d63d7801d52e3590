//! ssecheck client adapter for the crate eventsource-stream.
//!
//! reqwest GETs the URL and the crate parses the body with
//! `response.bytes_stream().eventsource()`, as its README shows. The crate is a
//! parser only: it never reconnects (--no-reconnect) and looks at neither the
//! status nor the Content-Type, so `open` is printed once reqwest has the
//! response headers. Its `Event.id` is the last event ID string (the parser
//! keeps it across blocks), printed as `lastEventId`.

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::io::Write;

/// One event line, flushed at once.
fn emit(line: Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
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
    // The case is over when the harness closes stdin.
    tokio::spawn(async {
        let _ = tokio::io::copy(&mut tokio::io::stdin(), &mut tokio::io::sink()).await;
        std::process::exit(0);
    });
    match http_client(&url).get(&url).send().await {
        Ok(response) => {
            emit(json!({"kind": "open"}));
            let mut events = response.bytes_stream().eventsource();
            while let Some(item) = events.next().await {
                match item {
                    Ok(event) => {
                        if let Some(retry) = event.retry {
                            emit(json!({"kind": "retry", "ms": retry.as_millis() as u64}));
                        }
                        emit(
                            json!({"kind": "event", "type": event.event, "data": event.data, "lastEventId": event.id}),
                        );
                    }
                    Err(error) => {
                        // A parser error repeats on every poll: the stream is done.
                        eprintln!("stream error: {error}");
                        break;
                    }
                }
            }
            eprintln!("the event stream ended");
        }
        Err(error) => eprintln!("request failed: {error}"),
    }
    // Nothing reconnects: the source is closed for good.
    emit(json!({"kind": "error", "readyState": 2}));
    std::future::pending::<()>().await;
}
