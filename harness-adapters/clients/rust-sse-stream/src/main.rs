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

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).or_else(|| std::env::var("SSE_URL").ok()).expect("no URL given");
    // The case is over when the harness closes stdin.
    tokio::spawn(async {
        let _ = tokio::io::copy(&mut tokio::io::stdin(), &mut tokio::io::sink()).await;
        std::process::exit(0);
    });
    match reqwest::get(&url).await {
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
