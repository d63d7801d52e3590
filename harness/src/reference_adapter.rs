//! The reference client behind `cargo xtask client URL`: spec-impl's
//! [`EventSource`] state machine driven over real HTTP (hyper), printing
//! event lines (../shared/contracts.md section 1) as things happen. It is
//! the adapter client mode measures itself with, so it does exactly what the
//! model asks and nothing else: no read timeout, no redirect following of
//! its own (the model follows them), no retry policy beyond `Action::Wait`.
//!
//! stdin takes the contract's commands (`close`, `restart`); when stdin
//! closes the client stops. `SSE_HEADERS`, `SSE_LAST_EVENT_ID` and
//! `SSE_METHOD`/`SSE_BODY` are the contract's `headers`,
//! `initial-last-event-id` and `method-body` capabilities, given to the
//! model (`EventSource::with_options`), which keeps them on every request;
//! `SSE_HTTP_VERSION` and `SSE_CA_FILE` say what the harness serves over.

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use spec_impl::event_line;
use spec_impl::{Action, ClientOptions, EventSource, ObservationRef, ReadyState};
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Sleep;

use crate::http_client::{Client, Transport, Url};
use crate::tls::Trust;

/// How long the reference client waits for a connection and a response
/// head: the standard sets no limit, so this only keeps a dead server from
/// holding it forever.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3600);

/// What a fetch task reports back, tagged with the fetch it belongs to.
#[derive(Debug)]
enum Fetched {
    Response { status: u16, headers: Vec<(String, String)> },
    Chunk(Bytes),
    EndOfBody,
    NetworkError(String),
}

/// The fetch in progress: its number (so reports of an aborted fetch are
/// dropped) and its task (aborted to abort the fetch).
#[derive(Debug, Default)]
struct Fetching {
    number: u64,
    task: Option<JoinHandle<()>>,
}

impl Fetching {
    fn abort(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.number += 1;
    }
}

/// The contract's optional capabilities, as the environment sets them.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// Extra request headers (`SSE_HEADERS`), sent on every request.
    pub headers: Vec<(String, String)>,
    /// The last event ID to start with (`SSE_LAST_EVENT_ID`).
    pub last_event_id: Option<String>,
    /// How to connect: `SSE_CA_FILE` is trusted, and `SSE_HTTP_VERSION=2`
    /// on http:// means HTTP/2 with prior knowledge (https negotiates by
    /// ALPN).
    pub transport: Transport,
    /// The method (`SSE_METHOD`; GET when unset).
    pub method: Option<String>,
    /// The body (`SSE_BODY`; none when unset).
    pub body: Option<String>,
    /// How much silence on a stream is a network error
    /// (`SSE_READ_TIMEOUT_MS`); none by default.
    pub read_timeout: Option<Duration>,
}

impl Capabilities {
    /// Reads `SSE_HEADERS` (a JSON object of strings), `SSE_LAST_EVENT_ID`,
    /// `SSE_METHOD`, `SSE_BODY`, `SSE_HTTP_VERSION` and `SSE_CA_FILE`.
    ///
    /// # Errors
    /// `SSE_HEADERS` is not a JSON object of strings, or `SSE_HTTP_VERSION`
    /// is neither `1.1` nor `2`.
    pub fn from_env() -> Result<Self, String> {
        let headers = match std::env::var("SSE_HEADERS") {
            Ok(json) => {
                let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&json)
                    .map_err(|e| format!("SSE_HEADERS is not a JSON object: {e}"))?;
                object
                    .into_iter()
                    .map(|(name, value)| match value {
                        serde_json::Value::String(value) => Ok((name, value)),
                        other => Err(format!("SSE_HEADERS: the value of {name} is {other}, not a string")),
                    })
                    .collect::<Result<_, _>>()?
            }
            Err(_) => Vec::new(),
        };
        let h2c_prior_knowledge = match std::env::var("SSE_HTTP_VERSION").as_deref() {
            Ok("2") => true,
            Ok("1.1") | Err(_) => false,
            Ok(other) => return Err(format!("SSE_HTTP_VERSION is {other:?}, not 1.1 or 2")),
        };
        let trust =
            std::env::var_os("SSE_CA_FILE").map_or(Trust::Platform, |path| Trust::CaFile(path.into()));
        let transport = Transport { trust, h2c_prior_knowledge, http1_only: false };
        let read_timeout = match std::env::var("SSE_READ_TIMEOUT_MS") {
            Ok(ms) => Some(Duration::from_millis(
                ms.parse()
                    .map_err(|_| format!("SSE_READ_TIMEOUT_MS is {ms:?}, not a number of milliseconds"))?,
            )),
            Err(_) => None,
        };
        Ok(Self {
            headers,
            last_event_id: std::env::var("SSE_LAST_EVENT_ID").ok(),
            transport,
            method: std::env::var("SSE_METHOD").ok(),
            body: std::env::var("SSE_BODY").ok(),
            read_timeout,
        })
    }
}

/// Runs the client on `url` until `commands` closes or `out` does.
///
/// # Errors
/// `url` is not an `http://` or `https://` URL.
pub async fn run<W, R>(url: &str, capabilities: Capabilities, mut out: W, commands: R) -> Result<(), String>
where
    W: AsyncWrite + Unpin,
    R: AsyncBufRead + Unpin,
{
    Url::parse(url)?;
    // One client for every fetch: the TLS configuration is made once.
    let client = Client::new(capabilities.transport.clone());
    let (sender, mut fetched) = mpsc::channel::<(u64, Fetched)>(16);
    let mut fetching = Fetching::default();
    let mut timer: Option<Pin<Box<Sleep>>> = None;
    // The read timeout's deadline while a response body is being received.
    let mut silence: Option<Pin<Box<Sleep>>> = None;
    let mut ready_state = ReadyState::Connecting;
    let mut commands = commands.lines();
    let mut commands_open = true;
    let options = ClientOptions {
        method: capabilities.method.clone(),
        body: capabilities.body.as_ref().map(|body| body.as_bytes().to_vec()),
        headers: capabilities.headers.clone(),
        last_event_id: capabilities.last_event_id.clone().unwrap_or_default(),
    };
    let (mut source, mut actions) = EventSource::with_options(url, &options);
    loop {
        let mut lines = String::new();
        for action in actions.drain(..) {
            match action {
                Action::Fetch(request) => {
                    fetching.abort();
                    let task = tokio::spawn(fetch(client.clone(), request, fetching.number, sender.clone()));
                    fetching.task = Some(task);
                }
                Action::AbortFetch => fetching.abort(),
                Action::Wait { ms } => timer = Some(Box::pin(tokio::time::sleep(Duration::from_millis(ms)))),
                Action::SetReadyState(state) => ready_state = state,
                Action::FireOpen => lines.push_str(event_line::OPEN),
                Action::FireError => event_line::write_error(&mut lines, ready_state),
                Action::Dispatch(event) => event_line::write_observation(&mut lines, &(&event).into()),
                Action::SetReconnectionTime(ms) => {
                    event_line::write_observation(&mut lines, &ObservationRef::Retry(ms));
                }
                Action::Comment(text) => {
                    event_line::write_observation(&mut lines, &ObservationRef::Comment(&text));
                }
            }
            if !lines.is_empty() && !lines.ends_with('\n') {
                lines.push('\n');
            }
        }
        if !lines.is_empty() && (out.write_all(lines.as_bytes()).await.is_err() || out.flush().await.is_err())
        {
            break;
        }
        if source.ready_state() == ReadyState::Closed {
            // A failed or closed connection: nothing of the fetch matters any more.
            fetching.abort();
        }
        tokio::select! {
            Some((number, report)) = fetched.recv() => {
                if number == fetching.number {
                    silence = match (&report, capabilities.read_timeout) {
                        (Fetched::Response { .. } | Fetched::Chunk(_), Some(limit)) => {
                            Some(Box::pin(tokio::time::sleep(limit)))
                        }
                        _ => None,
                    };
                    actions = match report {
                        Fetched::Response { status, headers } => source.response(status, &headers),
                        Fetched::Chunk(bytes) => source.body(&bytes),
                        Fetched::EndOfBody => source.end_of_body(),
                        Fetched::NetworkError(why) => {
                            eprintln!("reference client: network error: {why}");
                            source.network_error()
                        }
                    };
                }
            }
            () = async { silence.as_mut().expect("guarded by the condition").await }, if silence.is_some() => {
                // SSE_READ_TIMEOUT_MS of silence: a network error.
                silence = None;
                eprintln!("reference client: read timeout");
                fetching.abort();
                actions = source.network_error();
            }
            () = async { timer.as_mut().expect("guarded by the condition").await }, if timer.is_some() => {
                timer = None;
                actions = source.timer_fired();
            }
            line = commands.next_line(), if commands_open => match line {
                Ok(Some(line)) => match line.trim() {
                    "close" => actions = source.close(),
                    "restart" => {
                        // Drop the connection and reconnect at once.
                        timer = None;
                        silence = None;
                        actions = source.restart();
                    }
                    other => eprintln!("reference client: unknown command {other:?} ignored"),
                },
                Ok(None) | Err(_) => commands_open = false,
            },
        }
        if !commands_open {
            break;
        }
    }
    fetching.abort();
    Ok(())
}

/// One fetch: sends `request` and reports the response head, every body
/// chunk and how the body ended.
async fn fetch(
    client: Client,
    request: spec_impl::Request,
    number: u64,
    sender: mpsc::Sender<(u64, Fetched)>,
) {
    let report = |fetched| {
        let sender = sender.clone();
        async move { sender.send((number, fetched)).await.is_ok() }
    };
    let url = match Url::parse(&request.url) {
        Ok(url) => url,
        Err(why) => {
            report(Fetched::NetworkError(why)).await;
            return;
        }
    };
    let body = Bytes::from(request.body.unwrap_or_default());
    let mut opened = match client.open(&url, &request.method, &request.headers, body, RESPONSE_TIMEOUT).await
    {
        Ok(opened) => opened,
        Err(error) => {
            report(Fetched::NetworkError(error.to_string())).await;
            return;
        }
    };
    let head = Fetched::Response { status: opened.status, headers: std::mem::take(&mut opened.headers) };
    if !report(head).await {
        return;
    }
    loop {
        // No read timeout: the standard has none (the deadline is only there
        // because next_chunk takes one).
        let fetched = match opened.next_chunk(std::time::Instant::now() + RESPONSE_TIMEOUT).await {
            None => continue,
            Some(Ok(None)) => Fetched::EndOfBody,
            Some(Err(error)) => Fetched::NetworkError(error),
            Some(Ok(Some(data))) => Fetched::Chunk(data),
        };
        let last = !matches!(fetched, Fetched::Chunk(_));
        if !report(fetched).await || last {
            return;
        }
    }
}
