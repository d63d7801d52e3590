//! ssecheck client adapter for the crate sse-stream.
//!
//! reqwest GETs the URL and `SseByteStream::new(response.bytes_stream())`
//! decodes the body, as the crate's README shows for byte streams. The crate
//! is a decoder only: it never reconnects (--no-reconnect) and looks at neither
//! the status nor the Content-Type, so `open` is printed once reqwest has the
//! response headers.
//!
//! Each `Sse` it yields is a raw block: every one is printed as an event (the
//! crate also yields blocks without data; `data: None` is printed as ""). A
//! block without an `event` field, or with an empty one, is a message (the
//! default type, as the crate's `is_message()` reads it).
//! `Sse.id` is only the block's own id (ids are not inherited across blocks);
//! it is printed as `lastEventId`, "" when the block has none.

use futures_util::StreamExt;
use serde_json::{Value, json};
use sse_stream::SseByteStream;
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
            let mut blocks = SseByteStream::new(response.bytes_stream());
            while let Some(item) = blocks.next().await {
                match item {
                    Ok(sse) => {
                        if let Some(retry) = sse.retry {
                            emit(json!({"kind": "retry", "ms": retry}));
                        }
                        let r#type =
                            sse.event.filter(|t| !t.is_empty()).unwrap_or_else(|| "message".to_owned());
                        let data = sse.data.unwrap_or_default();
                        let id = sse.id.unwrap_or_default();
                        emit(json!({"kind": "event", "type": r#type, "data": data, "lastEventId": id}));
                    }
                    // The crate returns an error once, then ends.
                    Err(error) => eprintln!("stream error: {error}"),
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
