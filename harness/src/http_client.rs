//! The HTTP client of server mode and the reference client: http and https
//! (rustls), HTTP/1.1 and HTTP/2 (ALPN `h2` when the server offers it over
//! TLS, or prior knowledge on cleartext when asked). One connection per
//! request, so what a stream does never depends on another; every request
//! has a deadline and every body read has a byte cap.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpSocket, TcpStream};

use crate::tls::{self, Trust};

/// An `http(s)://host[:port]/path` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `https://` rather than `http://`.
    pub https: bool,
    /// The host (without brackets for IPv6).
    pub host: String,
    /// The port.
    pub port: u16,
    /// Path and query, starting with `/`.
    pub target: String,
}

impl Url {
    /// Parses an absolute http or https URL; the error says what is wrong.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (https, rest) = if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else {
            return Err(format!("{url}: not an http:// or https:// URL"));
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
            None if https => 443,
            None => 80,
        };
        Ok(Self { https, host, port, target })
    }

    /// `host:port` for the Host header.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}{}", self.scheme(), self.authority(), self.target)
    }
}

/// How a [`Client`] connects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transport {
    /// Which certificates https trusts.
    pub trust: Trust,
    /// On `http://`, speak HTTP/2 at once (h2c with prior knowledge).
    pub h2c_prior_knowledge: bool,
    /// Over TLS, offer only HTTP/1.1 (no `h2` in ALPN).
    pub http1_only: bool,
}

/// Makes the connections of every request: one per request.
#[derive(Debug, Clone, Default)]
pub struct Client {
    transport: Transport,
    /// The rustls configuration, made on the first https request (reading
    /// the platform's roots is not free, and a plain-http run needs none).
    tls: Arc<OnceLock<Result<Arc<rustls::ClientConfig>, String>>>,
    /// `SO_RCVBUF` of each connection, set before connecting (a subscriber
    /// that stops reading then fills its window quickly).
    receive_buffer: Option<u32>,
}

/// What the TLS handshake settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// `TLSv1_3`, `TLSv1_2`.
    pub version: String,
    /// The cipher suite.
    pub cipher: String,
    /// The protocol ALPN chose, if any.
    pub alpn: Option<String>,
}

/// A request failed before a response.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No connection within the deadline, or refused.
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    /// The server's certificate is not trusted (expired, for another name,
    /// an unknown issuer): the server and why, in words.
    #[error("cannot trust the certificate of {0}: {1}")]
    Tls(String, String),
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
    /// `HTTP/1.1` or `HTTP/2` (`HTTP/1.0` when the server answered so).
    pub version: &'static str,
    /// The TLS handshake's outcome, on https.
    pub tls: Option<TlsInfo>,
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
                Some(Err(error)) => Err(with_causes(&error)),
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => Ok(Some(data)),
                    Err(_) => continue, // trailers
                },
            });
        }
    }
}

/// An error and what caused it, as one line ("error reading a body from
/// connection: Connection reset by peer (os error 104)").
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// A connection's byte stream, TLS or not.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Sends a request with the default [`Client`] (platform roots, ALPN) and
/// waits for the response head, within `timeout`.
pub async fn open(
    url: &Url,
    method: &str,
    headers: &[(String, String)],
    body: Bytes,
    timeout: Duration,
) -> Result<Opened, HttpError> {
    static DEFAULT: OnceLock<Client> = OnceLock::new();
    DEFAULT.get_or_init(Client::default).open(url, method, headers, body, timeout).await
}

impl Client {
    /// A client that connects as `transport` says.
    pub fn new(transport: Transport) -> Self {
        Self { transport, tls: Arc::default(), receive_buffer: None }
    }

    /// The same client, its connections made with a receive buffer of
    /// about `bytes` (the kernel rounds it), so a body left unread stops
    /// the server's writes after little data.
    #[must_use]
    pub fn with_receive_buffer(&self, bytes: u32) -> Self {
        Self { receive_buffer: Some(bytes), ..self.clone() }
    }

    /// How it connects.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The rustls configuration, made once.
    ///
    /// # Errors
    /// The CA file is unusable, or the platform has no roots.
    pub fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, String> {
        self.tls
            .get_or_init(|| {
                let alpn: &[&[u8]] = if self.transport.http1_only {
                    &[tls::ALPN_HTTP1]
                } else {
                    &[tls::ALPN_H2, tls::ALPN_HTTP1]
                };
                tls::client_config(&self.transport.trust, alpn)
            })
            .clone()
    }

    /// TCP, then TLS on https: the stream, what TLS settled, and whether
    /// to speak HTTP/2 on it.
    async fn connect(
        &self,
        url: &Url,
        timeout: Duration,
    ) -> Result<(Box<dyn Io>, Option<TlsInfo>, bool), HttpError> {
        let target = url.authority();
        let deadline = tokio::time::Instant::now() + timeout;
        let stream = tokio::time::timeout_at(deadline, self.tcp(url))
            .await
            .map_err(|_| HttpError::Connect(target.clone(), format!("no connection within {timeout:?}")))?
            .map_err(|error| HttpError::Connect(target.clone(), error.to_string()))?;
        let _ = stream.set_nodelay(true);
        if !url.https {
            return Ok((Box::new(stream), None, self.transport.h2c_prior_knowledge));
        }
        let config = self.tls_config().map_err(|why| HttpError::Connect(target.clone(), why))?;
        let name = rustls::pki_types::ServerName::try_from(url.host.clone()).map_err(|e| {
            HttpError::Connect(target.clone(), format!("{:?} is not a TLS server name: {e}", url.host))
        })?;
        let handshake = tokio_rustls::TlsConnector::from(config).connect(name, stream);
        // A stalled handshake, or a server that does not speak TLS, is the
        // server's problem (a finding); a certificate the client does not
        // trust is the user's to settle (`HttpError::Tls`).
        let stream = match tokio::time::timeout_at(deadline, handshake).await {
            Err(_) => {
                return Err(HttpError::Protocol(format!(
                    "{target}: the TLS handshake did not finish within {timeout:?}"
                )));
            }
            Ok(Err(error)) if is_certificate_error(&error) => {
                let why = tls::why_refused(&error).unwrap_or_else(|| error.to_string());
                return Err(HttpError::Tls(target.clone(), why));
            }
            Ok(Err(error)) => return Err(HttpError::Protocol(format!("{target}: TLS failed: {error}"))),
            Ok(Ok(stream)) => stream,
        };
        let (_, connection) = stream.get_ref();
        let alpn = connection.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
        let info = TlsInfo {
            version: connection.protocol_version().map_or_else(String::new, |v| format!("{v:?}")),
            cipher: connection
                .negotiated_cipher_suite()
                .map_or_else(String::new, |s| format!("{:?}", s.suite())),
            alpn: alpn.clone(),
        };
        Ok((Box::new(stream), Some(info), alpn.as_deref() == Some("h2")))
    }

    /// A TCP connection to `url`'s host, with the receive buffer asked for.
    async fn tcp(&self, url: &Url) -> std::io::Result<TcpStream> {
        let Some(size) = self.receive_buffer else {
            return TcpStream::connect((url.host.as_str(), url.port)).await;
        };
        let mut last = None;
        for addr in tokio::net::lookup_host((url.host.as_str(), url.port)).await? {
            let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
            socket.set_recv_buffer_size(size)?;
            match socket.connect(addr).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("the host has no address")))
    }

    /// Sends a request and waits for the response head, within `timeout`
    /// (connection and TLS handshake included).
    pub async fn open(
        &self,
        url: &Url,
        method: &str,
        headers: &[(String, String)],
        body: Bytes,
        timeout: Duration,
    ) -> Result<Opened, HttpError> {
        let started = Instant::now();
        let target = url.authority();
        let (stream, tls, h2) = self.connect(url, timeout).await?;
        // HTTP/2 carries the authority in the request URI (`:authority`);
        // HTTP/1.1 in the Host header.
        let mut request = if h2 {
            hyper::Request::builder().uri(format!("{}://{target}{}", url.scheme(), url.target))
        } else {
            hyper::Request::builder().uri(url.target.as_str()).header("host", &target)
        }
        .method(method);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request =
            request.body(Full::new(body)).map_err(|error| HttpError::Protocol(error.to_string()))?;
        let io = TokioIo::new(stream);
        let handshake_failed = |error: hyper::Error| HttpError::Protocol(format!("{target}: {error}"));
        let (response, connection) = if h2 {
            // The handshake only queues the preface; it is bounded all the
            // same, as every wait on a target is.
            let handshake = hyper::client::conn::http2::Builder::new(TokioExecutor::new()).handshake(io);
            let (mut sender, connection) =
                tokio::time::timeout(timeout.saturating_sub(started.elapsed()), handshake)
                    .await
                    .map_err(|_| HttpError::Timeout(target.clone(), timeout))?
                    .map_err(handshake_failed)?;
            let connection = tokio::spawn(async move {
                let _ = connection.await;
            });
            (sender.send_request(request).boxed_response(), connection)
        } else {
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(io).await.map_err(handshake_failed)?;
            let connection = tokio::spawn(async move {
                let _ = connection.await;
            });
            (sender.send_request(request).boxed_response(), connection)
        };
        let remaining = timeout.saturating_sub(started.elapsed());
        let response = match tokio::time::timeout(remaining, response).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                connection.abort();
                return Err(HttpError::Protocol(format!("{target}: {error}")));
            }
            Err(_) => {
                connection.abort();
                return Err(HttpError::Timeout(target.clone(), timeout));
            }
        };
        let head_after = started.elapsed();
        let status = response.status().as_u16();
        let version = version_name(response.version());
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        Ok(Opened { status, headers, head_after, version, tls, body: response.into_body(), connection })
    }
}

/// `HTTP/1.1`, `HTTP/2` or `HTTP/1.0`: how reports and logs name a version.
pub fn version_name(version: hyper::Version) -> &'static str {
    match version {
        hyper::Version::HTTP_2 => "HTTP/2",
        hyper::Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    }
}

/// Whether a failed TLS handshake is about the server's certificate
/// (untrusted, expired, for another name) rather than the server's TLS.
fn is_certificate_error(error: &std::io::Error) -> bool {
    error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()).is_some_and(|error| {
        matches!(error, rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
    })
}

/// A response future, boxed so that both protocols' fit one type.
type ResponseFuture =
    std::pin::Pin<Box<dyn Future<Output = Result<hyper::Response<Incoming>, hyper::Error>> + Send>>;

trait BoxedResponse {
    fn boxed_response(self) -> ResponseFuture;
}

impl<F> BoxedResponse for F
where
    F: Future<Output = Result<hyper::Response<Incoming>, hyper::Error>> + Send + 'static,
{
    fn boxed_response(self) -> ResponseFuture {
        Box::pin(self)
    }
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
