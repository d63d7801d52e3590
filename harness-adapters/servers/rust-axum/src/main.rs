//! ssecheck server app for axum: `axum::response::sse::Sse` with
//! `KeepAlive::default()`, as axum's sse example shows. POST /publish builds
//! an `Event` with axum's builder and broadcasts it (tokio::sync::broadcast)
//! to every open GET /events stream. Builder panics are left alone: they are
//! the framework's answer to a value it cannot carry.

use std::{convert::Infallible, io::Write, time::Duration};

use axum::{
    extract::State,
    http::StatusCode,
    response::sse::{Event, KeepAlive, Sse},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use tokio::sync::broadcast;
use tokio_stream::{wrappers::BroadcastStream, Stream, StreamExt as _};

#[derive(Deserialize)]
struct Publish {
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
}

async fn events(State(tx): State<broadcast::Sender<Event>>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // A subscriber that lags behind the channel's capacity misses events;
    // the capacity is far above what the checks publish.
    let stream = BroadcastStream::new(tx.subscribe()).filter_map(|event| event.ok().map(Ok));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn publish(State(tx): State<broadcast::Sender<Event>>, Json(p): Json<Publish>) -> StatusCode {
    let mut event = Event::default();
    if let Some(name) = p.event {
        event = event.event(name);
    }
    if let Some(data) = p.data {
        event = event.data(data);
    }
    if let Some(id) = p.id {
        event = event.id(id);
    }
    if let Some(ms) = p.retry {
        event = event.retry(Duration::from_millis(ms));
    }
    // An error only means no stream is open.
    let _ = tx.send(event);
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() {
    let (tx, _) = broadcast::channel::<Event>(4096);
    let app = Router::new()
        .route("/events", get(events))
        .route("/publish", post(publish))
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut out = std::io::stdout();
    writeln!(out, "http://{}", listener.local_addr().unwrap()).unwrap();
    out.flush().unwrap();
    axum::serve(listener, app).await.unwrap();
}
