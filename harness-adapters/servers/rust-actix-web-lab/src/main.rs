//! ssecheck server app for actix-web + actix-web-lab's `sse` module:
//! GET /events answers `sse::Sse::from_infallible_receiver(rx)` with a
//! keep-alive, as actix-web-lab's sse example shows; POST /publish builds an
//! `sse::Data` and sends it to every open stream's channel. Encoding errors
//! (an id or event name with CR, LF or NUL) happen where actix-web-lab
//! raises them, while the stream body is written; nothing here catches them.

use std::{io::Write, sync::Mutex, time::Duration};

use actix_web::{get, post, web, App, HttpResponse, HttpServer, Responder};
use actix_web_lab::sse;
use serde::Deserialize;
use tokio::sync::mpsc;

#[derive(Deserialize)]
struct Publish {
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
}

/// The open streams' senders.
#[derive(Default)]
struct Broadcaster {
    clients: Mutex<Vec<mpsc::Sender<sse::Event>>>,
}

#[get("/events")]
async fn events(broadcaster: web::Data<Broadcaster>) -> impl Responder {
    let (tx, rx) = mpsc::channel(4096);
    broadcaster.clients.lock().unwrap().push(tx);
    sse::Sse::from_infallible_receiver(rx).with_keep_alive(Duration::from_secs(3))
}

#[post("/publish")]
async fn publish(broadcaster: web::Data<Broadcaster>, web::Json(p): web::Json<Publish>) -> HttpResponse {
    if p.retry.is_some() {
        // sse::Data has no retry field: actix-web-lab only offers
        // Sse::with_retry_duration, once at the start of a stream.
        return HttpResponse::UnprocessableEntity().body("actix-web-lab's sse::Data cannot carry retry");
    }
    // sse::Data::new takes the data; a payload without data gets "".
    let mut data = sse::Data::new(p.data.unwrap_or_default());
    if let Some(event) = p.event {
        data = data.event(event);
    }
    if let Some(id) = p.id {
        data = data.id(id);
    }
    let event = sse::Event::from(data);
    let clients = broadcaster.clients.lock().unwrap().clone();
    let mut open = Vec::with_capacity(clients.len());
    for client in clients {
        if client.send(event.clone()).await.is_ok() {
            open.push(client);
        }
    }
    *broadcaster.clients.lock().unwrap() = open;
    HttpResponse::NoContent().finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let broadcaster = web::Data::new(Broadcaster::default());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(broadcaster.clone())
            // The default JSON limit (32 KiB) is below the 1 MiB payload.
            .app_data(web::JsonConfig::default().limit(8 << 20))
            .service(events)
            .service(publish)
    })
    .bind(("127.0.0.1", 0))?;
    let mut out = std::io::stdout();
    writeln!(out, "http://{}", server.addrs()[0])?;
    out.flush()?;
    server.run().await
}
