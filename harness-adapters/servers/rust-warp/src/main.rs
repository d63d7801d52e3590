//! ssecheck server app for warp: GET /events answers
//! `warp::sse::reply(warp::sse::keep_alive().stream(..))`, as warp's sse docs
//! show. warp's `sse::Event` is not Clone, so POST /publish broadcasts the
//! payload (tokio::sync::broadcast) and each stream builds its own `Event`
//! with warp's builder, setting only the fields the payload has.

use std::{convert::Infallible, io::Write, time::Duration};

use serde::Deserialize;
use tokio::sync::broadcast;
use tokio_stream::{wrappers::BroadcastStream, StreamExt as _};
use warp::{http::StatusCode, sse::Event, Filter};

#[derive(Clone, Deserialize)]
struct Publish {
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
}

fn to_event(p: Publish) -> Event {
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
    event
}

#[tokio::main]
async fn main() {
    let (tx, _) = broadcast::channel::<Publish>(4096);
    let subscribe = tx.clone();
    let events = warp::path("events").and(warp::get()).map(move || {
        // A subscriber lagging behind the channel's capacity misses events;
        // the capacity is far above what the checks publish.
        let stream = BroadcastStream::new(subscribe.subscribe())
            .filter_map(|p| p.ok().map(|p| Ok::<_, Infallible>(to_event(p))));
        warp::sse::reply(warp::sse::keep_alive().stream(stream))
    });
    let publish = warp::path("publish").and(warp::post()).and(warp::body::json()).map(move |p: Publish| {
        // An error only means no stream is open.
        let _ = tx.send(p);
        StatusCode::NO_CONTENT
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut out = std::io::stdout();
    writeln!(out, "http://{}", listener.local_addr().unwrap()).unwrap();
    out.flush().unwrap();
    warp::serve(events.or(publish)).incoming(listener).run().await;
}
