//! What server mode's findings say about broken and hostile servers: each
//! message says what happened in the user's terms (what was received, for
//! how long, how it ended), with durations rounded to what matters.

use std::time::Duration;

use harness::report::Status;
use harness::server_mode::{self, Finding, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a scripted server does after reading a request head.
#[derive(Debug, Clone)]
enum Then {
    /// Closes the connection (FIN).
    Close,
    /// Resets the connection (RST).
    Reset,
    /// Keeps the connection open and silent.
    Hold,
}

/// One answer: bytes, then what happens to the connection.
#[derive(Debug, Clone)]
struct Answer {
    bytes: Vec<u8>,
    then: Then,
}

fn answer(bytes: &[u8], then: Then) -> Answer {
    Answer { bytes: bytes.to_vec(), then }
}

const HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n";

async fn serve_one(mut stream: TcpStream, stream_answer: Answer, publish_answer: Answer) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let answer = if head.starts_with(b"POST /publish") { publish_answer } else { stream_answer };
    let _ = stream.write_all(&answer.bytes).await;
    match answer.then {
        Then::Close => {
            let _ = stream.shutdown().await;
            // Read what is left so the close is a FIN, not a reset.
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer)).await;
        }
        Then::Reset => {
            #[expect(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
        }
        Then::Hold => tokio::time::sleep(Duration::from_secs(60)).await,
    }
}

/// Checks a server that answers every stream request with `stream` and every
/// publish with `publish` (when given).
async fn check(stream: Answer, publish: Option<Answer>) -> Vec<Finding> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let publish_answer = publish.clone().unwrap_or_else(|| answer(b"", Then::Close));
    let server = tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            tokio::spawn(serve_one(connection, stream.clone(), publish_answer.clone()));
        }
    });
    let options = Options {
        url: format!("http://127.0.0.1:{port}/events"),
        publish: publish.map(|_| format!("http://127.0.0.1:{port}/publish")),
        duration: Duration::from_millis(500),
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(1),
        ..Options::default()
    };
    let findings = tokio::time::timeout(Duration::from_secs(60), server_mode::run(&options))
        .await
        .expect("the check finishes within a minute")
        .expect("the server can be checked");
    server.abort();
    findings
}

/// The finding `id`, which must be in the report.
fn finding<'f>(findings: &'f [Finding], id: &str) -> &'f Finding {
    findings.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("{id} is not in the report"))
}

/// Asserts that finding `id` has `status` and its message says `words`.
fn says(findings: &[Finding], id: &str, status: Status, words: &str) {
    let found = finding(findings, id);
    assert_eq!(found.status, status, "{id}: {}", found.message);
    assert!(found.message.contains(words), "{id}: {:?} does not say {words:?}", found.message);
}

fn stream(rest: &str, then: Then) -> Answer {
    answer(format!("{HEAD}{rest}").as_bytes(), then)
}

#[tokio::test]
async fn a_401_with_content_length_0_says_the_body_ended_not_that_it_was_slow() {
    let head = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n";
    let findings = check(answer(head, Then::Hold), None).await;
    says(
        &findings,
        "server.response.status",
        Status::Fail,
        "status 401 (Unauthorized): a client fails the connection without reading the body; the body ended after 0 bytes (Content-Length: 0) (if the stream needs credentials: --header",
    );
    // A 401 is not a stream: nothing about its timing or bytes is judged.
    says(
        &findings,
        "server.stream.first-bytes",
        Status::Skip,
        "answered status 401 (Unauthorized), not a stream",
    );
    says(&findings, "server.response.cache-control", Status::Skip, "not a stream");
}

#[tokio::test]
async fn an_error_page_is_shown_not_judged_as_a_stream() {
    let page = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<h1>no</h1>";
    let findings = check(answer(page, Then::Close), None).await;
    says(&findings, "server.response.status", Status::Fail, "status 404 (Not Found)");
    says(&findings, "server.response.status", Status::Fail, "the body ended after 11 bytes: \"<h1>no</h1>\"");
    says(&findings, "server.stream.events-terminated", Status::Skip, "not a stream");
    says(&findings, "server.response.content-type", Status::Skip, "not a stream");
}

#[tokio::test]
async fn a_stream_that_ends_at_once_says_so() {
    let findings = check(stream("Content-Length: 0\r\n\r\n", Then::Hold), None).await;
    says(
        &findings,
        "server.stream.first-bytes",
        Status::Warn,
        "no body bytes: the body ended after 0 bytes (Content-Length: 0)",
    );
    says(
        &findings,
        "server.response.no-content-length",
        Status::Warn,
        "Content-Length: 0: the stream must end",
    );
}

#[tokio::test]
async fn a_stream_silent_after_its_headers_says_for_how_long_and_that_it_is_open() {
    let findings = check(stream("\r\n", Then::Hold), None).await;
    says(&findings, "server.stream.first-bytes", Status::Warn, "no body bytes in ");
    says(&findings, "server.stream.first-bytes", Status::Warn, " ms (the stream is still open)");
}

#[tokio::test]
async fn a_reset_says_after_how_many_bytes_and_what_was_left() {
    let findings = check(stream("\r\n: hello\n\ndata", Then::Reset), None).await;
    says(
        &findings,
        "server.stream.events-terminated",
        Status::Warn,
        "the connection was reset after 13 body bytes",
    );
    says(
        &findings,
        "server.stream.events-terminated",
        Status::Warn,
        "(its last 4 bytes, \"data\", have no line end)",
    );
}

#[tokio::test]
async fn a_page_that_is_not_a_stream_names_its_header_and_its_bytes() {
    let page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello";
    let findings = check(answer(page, Then::Hold), None).await;
    says(&findings, "server.response.content-type", Status::Fail, "Content-Type: text/html: a client fails");
    says(&findings, "server.response.cache-control", Status::Warn, "no Cache-Control: a cache");
    says(
        &findings,
        "server.stream.events-terminated",
        Status::Warn,
        "the body ended after 5 bytes (Content-Length: 5), inside an event (its last 5 bytes, \"hello\", have no line end)",
    );
}

#[tokio::test]
async fn a_server_that_never_answers_says_the_connection_was_open() {
    let findings = check(answer(b"", Then::Hold), None).await;
    says(
        &findings,
        "server.response.status",
        Status::Fail,
        "took the request but sent no complete response head within 1.0 s (the connection was still open)",
    );
}

#[tokio::test]
async fn a_publish_endpoint_that_fails_shows_its_answer() {
    let open = || stream("\r\n: hi\n\n", Then::Hold);
    let error = answer(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops", Then::Close);
    let findings = check(open(), Some(error)).await;
    says(&findings, "server.publish.plain", Status::Fail, "the publish endpoint answered 500 (\"oops\")");
    let missing = answer(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", Then::Close);
    let findings = check(open(), Some(missing)).await;
    says(
        &findings,
        "server.publish.plain",
        Status::Fail,
        "answered 404 (no body) to a payload the standard can carry (is --publish the publish URL?)",
    );
    let findings = check(open(), Some(answer(b"", Then::Hold))).await;
    says(&findings, "server.publish.plain", Status::Fail, "the publish request failed: 127.0.0.1:");
    says(&findings, "server.publish.plain", Status::Fail, "sent no complete response head within 1.0 s");
}
