//! ssecheck server app for poem: GET /events answers
//! `poem::web::sse::SSE::new(stream).keep_alive(..)`, as poem's sse example
//! shows. POST /publish builds poem `sse::Event`s and broadcasts them
//! (tokio::sync::broadcast) to every open stream. poem models retry as its
//! own event (`Event::retry`), so a payload's retry is sent as that event
//! just before the message.

use std::{io::Write, time::Duration};

use poem::{
    handler,
    http::StatusCode,
    listener::{Acceptor as _, TcpAcceptor},
    post,
    web::{
        sse::{Event, SSE},
        Data, Json,
    },
    EndpointExt, Route, Server,
};
use serde::Deserialize;
use tokio::sync::broadcast;
use tokio_stream::{wrappers::BroadcastStream, StreamExt as _};

#[derive(Deserialize)]
struct Publish {
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
}

#[handler]
fn events(tx: Data<&broadcast::Sender<Event>>) -> SSE {
    // A subscriber lagging behind the channel's capacity misses events;
    // the capacity is far above what the checks publish.
    let stream = BroadcastStream::new(tx.subscribe()).filter_map(Result::ok);
    SSE::new(stream).keep_alive(Duration::from_secs(5))
}

#[handler]
fn publish(tx: Data<&broadcast::Sender<Event>>, Json(p): Json<Publish>) -> StatusCode {
    if let Some(ms) = p.retry {
        let _ = tx.send(Event::retry(ms));
    }
    // Event::message takes the data; a payload without data gets "".
    let mut event = Event::message(p.data.unwrap_or_default());
    if let Some(name) = p.event {
        event = event.event_type(name);
    }
    if let Some(id) = p.id {
        event = event.id(id);
    }
    // An error only means no stream is open.
    let _ = tx.send(event);
    StatusCode::NO_CONTENT
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (tx, _) = broadcast::channel::<Event>(4096);
    let app = Route::new()
        .at("/events", events)
        .at("/publish", post(publish))
        .data(tx);
    let acceptor = TcpAcceptor::from_tokio(tokio::net::TcpListener::bind("127.0.0.1:0").await?)?;
    let addr = acceptor.local_addr()[0].clone();
    let mut out = std::io::stdout();
    writeln!(out, "http://{}", addr.as_socket_addr().unwrap())?;
    out.flush()?;
    Server::new_with_acceptor(acceptor).run(app).await
}
