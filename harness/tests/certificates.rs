//! Which server certificates https trusts, and how a refusal reads: a
//! self-signed certificate made as `openssl req -x509` makes it (CA:TRUE)
//! and given with `--ca-file` is trusted as itself, name and validity
//! still checked; every refusal says what is wrong with the certificate.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use harness::http_client::{Client, HttpError, Transport, Url};
use harness::reference_server::{Config, ReferenceServer};
use harness::tls::{ALPN_H2, ALPN_HTTP1, LoopbackCa, Trust, server_config_from_pem};

const TIMEOUT: Duration = Duration::from_secs(5);

/// A certificate and its key, PEM, written to `dir`.
struct Pem {
    cert: PathBuf,
    key: PathBuf,
}

/// What `openssl req -x509 -newkey rsa:2048 -nodes ... -subj /CN=localhost
/// -addext subjectAltName=IP:127.0.0.1,DNS:localhost` makes; `None` when
/// there is no openssl on PATH.
fn openssl_self_signed(dir: &Path) -> Option<Pem> {
    let pem = Pem { cert: dir.join("openssl-cert.pem"), key: dir.join("openssl-key.pem") };
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
        .arg(&pem.key)
        .arg("-out")
        .arg(&pem.cert)
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(status) => {
            assert!(status.success(), "openssl req -x509 failed");
            Some(pem)
        }
        Err(error) => {
            eprintln!("no openssl ({error}): the rcgen-made certificates stand in for it");
            None
        }
    }
}

/// A self-signed certificate as openssl makes it (basicConstraints
/// CA:TRUE), made with rcgen: `names` in its subjectAltName, valid from
/// 1 January of the first year to 1 January of the second when given.
fn rcgen_self_signed(dir: &Path, file: &str, names: &[&str], validity: Option<(i32, i32)>) -> Pem {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = rcgen::CertificateParams::new(names).expect("parameters");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
    if let Some((from, until)) = validity {
        params.not_before = rcgen::date_time_ymd(from, 1, 1);
        params.not_after = rcgen::date_time_ymd(until, 1, 1);
    }
    let key = rcgen::KeyPair::generate().expect("a key");
    let cert = params.self_signed(&key).expect("a certificate");
    let pem = Pem { cert: dir.join(format!("{file}-cert.pem")), key: dir.join(format!("{file}-key.pem")) };
    std::fs::write(&pem.cert, cert.pem()).expect("written");
    std::fs::write(&pem.key, key.serialize_pem()).expect("written");
    pem
}

/// The reference server over https with the certificate and key of `pem`.
async fn serving(pem: &Pem) -> ReferenceServer {
    let cert = std::fs::read_to_string(&pem.cert).expect("the certificate");
    let key = std::fs::read_to_string(&pem.key).expect("the key");
    let tls = server_config_from_pem(&cert, &key, &[ALPN_H2, ALPN_HTTP1]).expect("a server configuration");
    let config = Config { tls: Some(tls), ..Config::default() };
    ReferenceServer::start(([127, 0, 0, 1], 0).into(), config).await.expect("the server starts")
}

/// One GET of the stream, trusting `trust`: the status, or the TLS refusal.
async fn get(server: &ReferenceServer, trust: Trust) -> Result<u16, String> {
    let url = Url::parse(&server.events_url()).expect("a URL");
    match Client::new(Transport { trust, ..Transport::default() })
        .open(&url, "GET", &[], Bytes::new(), TIMEOUT)
        .await
    {
        Ok(opened) => Ok(opened.status),
        Err(HttpError::Tls(_, why)) => Err(why),
        Err(other) => panic!("not a certificate refusal: {other}"),
    }
}

fn given(pem: &Pem) -> Trust {
    Trust::CaFile(pem.cert.clone())
}

#[tokio::test]
async fn an_openssl_self_signed_certificate_is_trusted_when_given() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let Some(pem) = openssl_self_signed(dir.path()) else { return };
    let server = serving(&pem).await;
    assert_eq!(get(&server, given(&pem)).await, Ok(200));
    let why = get(&server, Trust::Platform).await.expect_err("not given");
    assert!(
        why.starts_with("it is self-signed (CN=localhost) and not among the system's root certificates"),
        "{why}"
    );
    assert!(why.contains("--ca-file FILE") && why.contains("--insecure"), "{why}");
}

#[tokio::test]
async fn a_ca_true_self_signed_certificate_is_trusted_when_given_for_its_names_only() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pem = rcgen_self_signed(dir.path(), "loopback", &["localhost", "127.0.0.1"], None);
    let server = serving(&pem).await;
    assert_eq!(get(&server, given(&pem)).await, Ok(200));

    // The same kind of certificate for another name: refused, and the
    // refusal names the certificate's names and the URL's.
    let other_name = rcgen_self_signed(dir.path(), "other-name", &["example.test"], None);
    let server = serving(&other_name).await;
    let why = get(&server, given(&other_name)).await.expect_err("not for 127.0.0.1");
    assert!(why.starts_with("it was issued for example.test, not for 127.0.0.1"), "{why}");
}

#[tokio::test]
async fn a_given_certificate_out_of_its_validity_period_is_refused_saying_when() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let expired = rcgen_self_signed(dir.path(), "expired", &["127.0.0.1"], Some((2020, 2021)));
    let server = serving(&expired).await;
    let why = get(&server, given(&expired)).await.expect_err("expired");
    assert!(why.starts_with("it expired on 2021-01-01T00:00:00Z ("), "{why}");
    assert!(why.contains(" days ago)"), "{why}");

    let future = rcgen_self_signed(dir.path(), "future", &["127.0.0.1"], Some((2090, 2091)));
    let server = serving(&future).await;
    let why = get(&server, given(&future)).await.expect_err("not yet valid");
    assert!(why.starts_with("it is not valid before 2090-01-01T00:00:00Z ("), "{why}");
}

#[tokio::test]
async fn another_certificate_in_the_file_is_a_plain_refusal_naming_the_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let served = rcgen_self_signed(dir.path(), "served", &["127.0.0.1"], None);
    let other = rcgen_self_signed(dir.path(), "other", &["127.0.0.1"], None);
    let server = serving(&served).await;
    let why = get(&server, given(&other)).await.expect_err("another certificate");
    let file = other.cert.display().to_string();
    assert!(
        why.starts_with(&format!("it is self-signed (CN=localhost) and {file} does not contain it")),
        "{why}"
    );
    assert!(!why.contains("--ca-file"), "{why}");

    // A server certificate from a CA, with another CA in the file.
    let ca = LoopbackCa::new().expect("a CA");
    let tls = ca.server_config(&[ALPN_HTTP1]).expect("a server configuration");
    let server =
        ReferenceServer::start(([127, 0, 0, 1], 0).into(), Config { tls: Some(tls), ..Config::default() })
            .await
            .expect("the server starts");
    let why = get(&server, given(&other)).await.expect_err("another CA");
    assert!(
        why.starts_with(&format!(
            "it was issued by CN=ssecheck loopback CA, and {file} contains neither that authority's certificate nor this certificate"
        )),
        "{why}"
    );
    let why = get(&server, Trust::Platform).await.expect_err("a private CA");
    assert!(
        why.starts_with("it was issued by CN=ssecheck loopback CA, an authority the system's root certificates do not include")
            && why.contains("--ca-file FILE"),
        "{why}"
    );
}

#[tokio::test]
async fn a_given_certificate_for_clients_only_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("parameters");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let key = rcgen::KeyPair::generate().expect("a key");
    let cert = params.self_signed(&key).expect("a certificate");
    let pem = Pem { cert: dir.path().join("client-cert.pem"), key: dir.path().join("client-key.pem") };
    std::fs::write(&pem.cert, cert.pem()).expect("written");
    std::fs::write(&pem.key, key.serialize_pem()).expect("written");
    let server = serving(&pem).await;
    let why = get(&server, given(&pem)).await.expect_err("a client certificate");
    assert!(
        why.starts_with(
            "it is not for TLS servers: its extended key usage allows only client authentication"
        ),
        "{why}"
    );
}

/// `ssecheck check --server URL` as a user runs it, in a thread so the
/// server keeps serving.
async fn ssecheck_check(url: String, extra: Vec<String>, out: PathBuf) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_ssecheck"))
            .args(["check", "--no-progress", "--timeout", "5", "--duration", "1", "--server", &url])
            .args(&extra)
            .arg("--out")
            .arg(&out)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("check runs")
    })
    .await
    .expect("the thread ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_server_with_the_self_signed_certificate_as_ca_file_is_verified() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pem = openssl_self_signed(dir.path())
        .unwrap_or_else(|| rcgen_self_signed(dir.path(), "loopback", &["localhost", "127.0.0.1"], None));
    let server = serving(&pem).await;
    let ca_file = pem.cert.display().to_string();
    let out = dir.path().join("report");
    let output =
        ssecheck_check(server.events_url(), vec!["--ca-file".to_owned(), ca_file], out.clone()).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("report.json")).expect("JSON");
    assert_eq!(report["transport"]["certificate_verified"], true, "{report}");

    // Without it: one error line, exit 2, saying what to give.
    let output = ssecheck_check(server.events_url(), Vec::new(), dir.path().join("refused")).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let port = server
        .events_url()
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: cannot trust the certificate of 127.0.0.1:{port}: it is self-signed (CN=localhost)"
        )),
        "{stderr}"
    );
}
