//! The HTTP/1.1 client of server mode and the reference client: every request has a deadline and
//! every body read has a byte cap. Only `http://` URLs (TLS is a later issue).

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// An `http://host[:port]/path` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host (without brackets for IPv6).
    pub host: String,
    /// The port.
    pub port: u16,
    /// Path and query, starting with `/`.
    pub target: String,
}

impl Url {
    /// Parses an absolute http URL; the error says what is wrong.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = if let Some(rest) = url.strip_prefix("http://") {
            rest
        } else if url.starts_with("https://") {
            return Err(format!("{url}: https is not supported yet; use an http:// URL"));
        } else {
            return Err(format!("{url}: not an http:// URL"));
        };
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        let target = if target.starts_with('?') { format!("/{target}") } else { target };
        let target = target.split('#').next().unwrap_or("/").to_owned();
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| format!("{url}: unclosed [ in the host"))?;
            (host.to_owned(), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), Some(port)),
                None => (authority.to_owned(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("{url}: no host"));
        }
        let port = match port {
            Some(port) => port.parse().map_err(|_| format!("{url}: {port:?} is not a port"))?,
            None => 80,
        };
        Ok(Self { host, port, target })
    }

    /// `host:port` for the Host header.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}{}", self.authority(), self.target)
    }
}

/// A request failed before a response.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No connection within the deadline, or refused.
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    /// No response headers within the deadline.
    #[error("no response from {0} within {1:?}")]
    Timeout(String, Duration),
    /// The connection broke.
    #[error("{0}")]
    Protocol(String),
}

/// A response's head and a body being read.
#[derive(Debug)]
pub struct Opened {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// Time from sending the request to the headers.
    pub head_after: Duration,
    /// The body.
    pub body: Incoming,
    /// The connection task; dropping [`Opened`] aborts it, closing the
    /// connection.
    connection: tokio::task::JoinHandle<()>,
}

impl Drop for Opened {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

impl Opened {
    /// The values of header `name`.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// The next body chunk within `deadline`: `Ok(Some)` data, `Ok(None)` the
    /// body ended, `Err` it broke; `None` when the deadline passed first.
    pub async fn next_chunk(&mut self, deadline: Instant) -> Option<Result<Option<Bytes>, String>> {
        loop {
            let frame = tokio::time::timeout_at(deadline.into(), self.body.frame()).await.ok()?;
            return Some(match frame {
                None => Ok(None),
                Some(Err(error)) => Err(error.to_string()),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => Ok(Some(data)),
                    Err(_) => continue, // trailers
                },
            });
        }
    }
}

/// Sends a request and waits for the response head, within `timeout`.
pub async fn open(
    url: &Url,
    method: &str,
    headers: &[(String, String)],
    body: Bytes,
    timeout: Duration,
) -> Result<Opened, HttpError> {
    let started = Instant::now();
    let target = url.authority();
    let stream = tokio::time::timeout(timeout, TcpStream::connect((url.host.as_str(), url.port)))
        .await
        .map_err(|_| HttpError::Connect(target.clone(), format!("no connection within {timeout:?}")))?
        .map_err(|error| HttpError::Connect(target.clone(), error.to_string()))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| HttpError::Protocol(error.to_string()))?;
    let connection = tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request =
        hyper::Request::builder().method(method).uri(url.target.as_str()).header("host", &target);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request.body(Full::new(body)).map_err(|error| HttpError::Protocol(error.to_string()))?;
    let remaining = timeout.saturating_sub(started.elapsed());
    let response = tokio::time::timeout(remaining, sender.send_request(request))
        .await
        .map_err(|_| HttpError::Timeout(target.clone(), timeout))?
        .map_err(|error| HttpError::Protocol(format!("{target}: {error}")))?;
    let head_after = started.elapsed();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    Ok(Opened { status, headers, head_after, body: response.into_body(), connection })
}

/// The start of a body: at most `cap` bytes, within `deadline`.
pub async fn read_some(opened: &mut Opened, cap: usize, deadline: Instant) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < cap {
        match opened.next_chunk(deadline).await {
            Some(Ok(Some(chunk))) => body.extend_from_slice(&chunk[..chunk.len().min(cap - body.len())]),
            _ => break,
        }
    }
    body
}
