//! The HTTP client's transports against the reference server on loopback:
//! https with a CA made at test time, ALPN h2 or HTTP/1.1, h2c with prior
//! knowledge, an untrusted certificate, --insecure, and a bearer token.

use std::time::{Duration, Instant};

use bytes::Bytes;
use harness::http_client::{Client, HttpError, Transport, Url, read_some};
use harness::reference_server::{Config, ReferenceServer};
use harness::tls::{ALPN_H2, ALPN_HTTP1, LoopbackCa, Trust};

const TIMEOUT: Duration = Duration::from_secs(5);

async fn tls_server(ca: &LoopbackCa, config: Config) -> ReferenceServer {
    let tls = ca.server_config(&[ALPN_H2, ALPN_HTTP1]).expect("a server configuration");
    let config = Config { tls: Some(tls), ..config };
    ReferenceServer::start(([127, 0, 0, 1], 0).into(), config).await.expect("the server starts")
}

fn trusting(ca: &LoopbackCa, dir: &tempfile::TempDir) -> Trust {
    let path = dir.path().join("ca.pem");
    ca.write_ca(&path).expect("the CA file is written");
    Trust::CaFile(path)
}

async fn first_bytes(
    client: &Client,
    url: &str,
    headers: &[(String, String)],
) -> (u16, &'static str, Vec<u8>) {
    let url = Url::parse(url).expect("a URL");
    let mut opened = client.open(&url, "GET", headers, Bytes::new(), TIMEOUT).await.expect("a response");
    let body = read_some(&mut opened, 16, Instant::now() + Duration::from_millis(500)).await;
    (opened.status, opened.version, body)
}

#[tokio::test]
async fn https_with_a_private_ca_negotiates_h2_or_http1_by_alpn() {
    let ca = LoopbackCa::new().expect("a CA");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = tls_server(&ca, Config::default()).await;
    assert!(server.events_url().starts_with("https://127.0.0.1:"));
    let trust = trusting(&ca, &dir);

    let h2 = Client::new(Transport { trust: trust.clone(), ..Transport::default() });
    let (status, version, body) = first_bytes(&h2, &server.events_url(), &[]).await;
    assert_eq!((status, version), (200, "HTTP/2"));
    assert!(body.starts_with(b": ssecheck"), "{body:?}");

    let http1 = Client::new(Transport { trust, http1_only: true, ..Transport::default() });
    let (status, version, _) = first_bytes(&http1, &server.events_url(), &[]).await;
    assert_eq!((status, version), (200, "HTTP/1.1"));
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error_and_insecure_accepts_it() {
    let ca = LoopbackCa::new().expect("a CA");
    let server = tls_server(&ca, Config::default()).await;
    let url = Url::parse(&server.events_url()).expect("a URL");
    // Another CA than the server's.
    let other = LoopbackCa::new().expect("a CA");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let client = Client::new(Transport { trust: trusting(&other, &dir), ..Transport::default() });
    let error = client.open(&url, "GET", &[], Bytes::new(), TIMEOUT).await.expect_err("untrusted");
    assert!(matches!(error, HttpError::Tls(..)), "{error}");

    let insecure = Client::new(Transport { trust: Trust::Insecure, ..Transport::default() });
    let (status, version, _) = first_bytes(&insecure, &server.events_url(), &[]).await;
    assert_eq!((status, version), (200, "HTTP/2"));
}

#[tokio::test]
async fn cleartext_h2_with_prior_knowledge() {
    let server = ReferenceServer::start(([127, 0, 0, 1], 0).into(), Config::default()).await.expect("starts");
    let h2c = Client::new(Transport { h2c_prior_knowledge: true, ..Transport::default() });
    let (status, version, body) = first_bytes(&h2c, &server.events_url(), &[]).await;
    assert_eq!((status, version), (200, "HTTP/2"));
    assert!(body.starts_with(b": ssecheck"), "{body:?}");
    let (_, version, _) = first_bytes(&Client::default(), &server.events_url(), &[]).await;
    assert_eq!(version, "HTTP/1.1");
}

#[tokio::test]
async fn the_bearer_token_is_required_and_a_post_streams() {
    let config = Config { bearer_token: Some("s3cret".to_owned()), ..Config::default() };
    let server = ReferenceServer::start(([127, 0, 0, 1], 0).into(), config).await.expect("starts");
    let client = Client::default();
    let (status, _, _) = first_bytes(&client, &server.events_url(), &[]).await;
    assert_eq!(status, 401);
    let wrong = [("Authorization".to_owned(), "Bearer nope".to_owned())];
    assert_eq!(first_bytes(&client, &server.events_url(), &wrong).await.0, 401);
    let right = [("Authorization".to_owned(), "Bearer s3cret".to_owned())];
    assert_eq!(first_bytes(&client, &server.events_url(), &right).await.0, 200);
    let url = Url::parse(&server.events_url()).expect("a URL");
    let mut opened = client
        .open(&url, "POST", &right, Bytes::from_static(b"{\"prompt\":\"hi\"}"), TIMEOUT)
        .await
        .expect("a response");
    assert_eq!(opened.status, 200);
    assert_eq!(opened.header_values("content-type"), ["text/event-stream"]);
    let body = read_some(&mut opened, 16, Instant::now() + Duration::from_millis(500)).await;
    assert!(body.starts_with(b": ssecheck"), "{body:?}");
}

#[tokio::test]
async fn a_server_that_answers_tls_with_plaintext_is_a_protocol_error_not_a_certificate_one() {
    use tokio::io::AsyncWriteExt as _;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    let server = tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    let url = Url::parse(&format!("https://{addr}/events")).expect("a URL");
    let error = Client::new(Transport { trust: Trust::Insecure, ..Transport::default() })
        .open(&url, "GET", &[], Bytes::new(), TIMEOUT)
        .await
        .expect_err("not TLS");
    assert!(matches!(&error, HttpError::Protocol(why) if why.contains("TLS failed")), "{error}");
    server.abort();
}
