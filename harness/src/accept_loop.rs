//! The listening socket and the accept loop of every server the harness runs
//! itself (the reference server, client mode's server): TCP with a deep
//! backlog, TLS when configured (the handshake bounded by `tls::accept`),
//! then the caller's HTTP, each connection in its own task.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpSocket};

/// Connections waiting to be accepted. `TcpListener::bind` allows 128, which
/// a burst of connects overflows when the accept loop is a moment behind (a
/// load test's subscribers, an adapter reconnecting in a tight loop on a busy
/// machine): each overflow costs the client a one-second SYN retransmission.
/// The kernel caps it at somaxconn.
pub const LISTEN_BACKLOG: u32 = 4096;

/// Binds `addr` (port 0 picks a free one) and listens with
/// [`LISTEN_BACKLOG`].
///
/// # Errors
/// The address cannot be bound.
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// More connects than `TcpListener::bind`'s backlog of 128, none of them
    /// accepted yet: every one completes at once (an overflow would make the
    /// client wait a second for its SYN's retransmission).
    #[tokio::test]
    async fn a_burst_of_connects_waits_in_the_backlog() {
        let listener = listen(([127, 0, 0, 1], 0).into()).expect("listens");
        let addr = listener.local_addr().expect("an address");
        let mut streams = Vec::new();
        for n in 0..600 {
            let connect = tokio::net::TcpStream::connect(addr);
            match tokio::time::timeout(Duration::from_millis(500), connect).await {
                Ok(Ok(stream)) => streams.push(stream),
                Ok(Err(error)) => panic!("connect {n}: {error}"),
                Err(_) => panic!("connect {n} waited: the backlog overflowed"),
            }
        }
        drop(listener);
    }
}
