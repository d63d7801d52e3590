//! How the stream was reached, and whether the server offers HTTP/2: both
//! information. Browsers open at most six HTTP/1.1 connections per origin
//! and an EventSource holds one for as long as it lives, so a seventh tab's
//! stream waits; over HTTP/2 the streams share one connection. Browsers
//! speak HTTP/2 only over TLS (ALPN `h2`), never in cleartext.

use std::time::Duration;

use serde_json::json;

use super::http::{self, Client, Transport, Url};
use super::passive::Capture;
use super::{Check, Finding, Level, Requests};
use crate::report::TransportSummary;
use crate::tls::Trust;

/// `server.transport.protocol`.
pub const PROTOCOL: Check = Check {
    id: "server.transport.protocol",
    title: "The protocol and TLS the stream was reached over",
    spec: &["#the-eventsource-interface"],
    level: Level::Info,
    needs: &[],
};

/// `server.transport.http2`.
pub const HTTP2: Check = Check {
    id: "server.transport.http2",
    title: "Whether the server offers HTTP/2 (over HTTP/1.1 browsers hold at most 6 streams per origin)",
    spec: &["#authoring-notes"],
    level: Level::Info,
    needs: &[],
};

/// The transport checks, in report order.
pub const CHECKS: [Check; 2] = [PROTOCOL, HTTP2];

/// The longest a probe for HTTP/2 waits for an answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The report's transport line for the stream request.
pub fn summary(requests: &Requests, capture: &Capture) -> TransportSummary {
    TransportSummary {
        protocol: capture.version.to_owned(),
        tls: capture.tls.as_ref().map(|tls| format!("{} {}", tls.version, tls.cipher)),
        certificate_verified: capture
            .tls
            .as_ref()
            .map(|_| requests.client.transport().trust != Trust::Insecure),
    }
}

/// Both findings; the HTTP/2 one may probe the server once more.
pub async fn check(requests: &Requests, url: &Url, capture: &Capture, timeout: Duration) -> Vec<Finding> {
    let transport = requests.client.transport();
    let trust = match &transport.trust {
        Trust::Platform => "verified against the platform's roots".to_owned(),
        Trust::CaFile(path) => format!("verified against the platform's roots and {}", path.display()),
        Trust::Insecure => "NOT verified (--insecure)".to_owned(),
    };
    let request = &requests.request;
    let header_names: Vec<&str> = request.headers.iter().map(|(name, _)| name.as_str()).collect();
    let how = match &capture.tls {
        Some(tls) => format!(
            "{} over {} ({}), ALPN {}; the certificate was {trust}",
            capture.version,
            tls.version,
            tls.cipher,
            tls.alpn.as_deref().unwrap_or("none")
        ),
        None if transport.h2c_prior_knowledge => {
            format!("{} in cleartext (h2c, prior knowledge)", capture.version)
        }
        None => format!("{} in cleartext", capture.version),
    };
    let protocol = Finding::new(
        &PROTOCOL,
        Some(format!(
            "{how}; the stream request was {} with {} body bytes{}",
            request.method,
            request.body.len(),
            if header_names.is_empty() {
                String::new()
            } else {
                format!(" and the headers {} (values not recorded)", header_names.join(", "))
            }
        )),
        json!({
            "protocol": capture.version,
            "tls": capture.tls.as_ref().map(|tls| json!({"version": tls.version, "cipher": tls.cipher, "alpn": tls.alpn})),
            "certificate": trust,
            "method": request.method,
            "body_bytes": request.body.len(),
            "headers": header_names,
        }),
    );
    let offers = offers_http2(requests, url, capture, timeout.min(PROBE_TIMEOUT)).await;
    let message = match (&offers, url.https) {
        (Ok(true), true) => "offers HTTP/2 (ALPN h2): browsers multiplex every stream of the origin on one connection".to_owned(),
        (Ok(false), true) => "HTTP/1.1 only (no h2 in ALPN): browsers hold at most 6 connections per origin, so a 7th stream (a 7th tab) waits until one closes".to_owned(),
        (Ok(true), false) => "offers h2c with prior knowledge, but browsers speak HTTP/2 only over TLS: they reach this URL over HTTP/1.1, at most 6 connections per origin".to_owned(),
        (Ok(false), false) => "HTTP/1.1 only, in cleartext: browsers hold at most 6 connections per origin, so a 7th stream (a 7th tab) waits; serve https with HTTP/2 to lift that".to_owned(),
        (Err(error), _) => format!("could not tell: the HTTP/2 probe failed ({error})"),
    };
    vec![protocol, Finding::new(&HTTP2, Some(message), json!({"offers_http2": offers.ok()}))]
}

/// Whether the server speaks HTTP/2: over TLS, whether ALPN chose `h2`
/// when offered; in cleartext, whether it answers a prior-knowledge h2c
/// request. Probes once when the stream request did not settle it.
async fn offers_http2(
    requests: &Requests,
    url: &Url,
    capture: &Capture,
    timeout: Duration,
) -> Result<bool, String> {
    let transport = requests.client.transport();
    let settled = if url.https { !transport.http1_only } else { transport.h2c_prior_knowledge };
    if settled {
        return Ok(capture.version == "HTTP/2");
    }
    let probe = Client::new(Transport {
        trust: transport.trust.clone(),
        h2c_prior_knowledge: !url.https,
        http1_only: false,
    });
    let probing = Requests { client: probe, request: requests.request.clone() };
    match probing.stream(url, &[], timeout).await {
        Ok(opened) => Ok(opened.version == "HTTP/2"),
        // An HTTP/1.1 server answers the h2 preface with an error or a
        // close: that is a no, not a failed probe.
        Err(http::HttpError::Protocol(_)) if !url.https => Ok(false),
        Err(error) => Err(error.to_string()),
    }
}
