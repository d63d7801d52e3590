//! The accept loop of every server the harness runs itself (the reference
//! server, client mode's server): TCP, TLS when configured (the handshake
//! bounded by `tls::accept`), then the caller's HTTP, each connection in
//! its own task.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

/// A connection's byte stream, TCP or TLS.
pub trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

/// How long accepting pauses when it fails (out of file descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(10);

/// Accepts connections on `listener` until the task running it is aborted:
/// each one with TCP_NODELAY, through the TLS handshake when `tls` is given
/// (a failed or stalled handshake drops the connection), then handed to
/// `serve_connection` in a task of its own.
pub async fn serve<F, Fut>(listener: TcpListener, tls: Option<tokio_rustls::TlsAcceptor>, serve_connection: F)
where
    F: Fn(Box<dyn Connection>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let serve_connection = Arc::new(serve_connection);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors (a client reconnecting in a tight
            // loop, a load test's burst): let connections close first.
            tokio::time::sleep(ACCEPT_RETRY).await;
            continue;
        };
        // Each write reaches the client as its own segment.
        let _ = stream.set_nodelay(true);
        let (serve_connection, tls) = (serve_connection.clone(), tls.clone());
        tokio::spawn(async move {
            let connection: Box<dyn Connection> = match tls {
                None => Box::new(stream),
                Some(acceptor) => match crate::tls::accept(&acceptor, stream).await {
                    Some(stream) => Box::new(stream),
                    None => return,
                },
            };
            serve_connection(connection).await;
        });
    }
}
