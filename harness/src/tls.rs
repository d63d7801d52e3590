//! TLS for both sides of the harness, with rustls (ring): the client
//! configuration server mode and the reference client connect with (the
//! platform's roots, a private CA or the server's own certificate, or no
//! verification at all when the user says `--insecure`; a refusal says why
//! in plain words), and a loopback certificate authority made at run time
//! (rcgen) for the servers the harness itself runs over https: client mode's
//! `--tls`, the reference server's `serve --tls`, and the tests.

mod verifier;
mod x509;

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

/// The ALPN protocol ids, most preferred first.
pub const ALPN_H2: &[u8] = b"h2";
/// HTTP/1.1's ALPN id.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Which certificates a TLS client trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Trust {
    /// The platform's root certificates (the default).
    #[default]
    Platform,
    /// The platform's roots and the CA certificates of a PEM file
    /// (`--ca-file`); a certificate of the file that the server presents
    /// as its own is trusted as itself (a self-signed server).
    CaFile(std::path::PathBuf),
    /// No verification at all (`--insecure`): named in every report.
    Insecure,
}

/// The rustls configuration of a TLS client: `trust` as given, ALPN offering
/// `alpn` in order.
///
/// # Errors
/// The CA file cannot be read or holds no certificate, or there are no
/// roots to trust at all.
pub fn client_config(trust: &Trust, alpn: &[&[u8]]) -> Result<Arc<ClientConfig>, String> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let mut config = match trust {
        Trust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth(),
        Trust::Platform | Trust::CaFile(_) => {
            let mut roots = RootCertStore::empty();
            // Certificates the platform store holds but rustls cannot parse
            // are left out, as every rustls client does.
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            let mut given = Vec::new();
            if let Trust::CaFile(path) = trust {
                given = add_pem_file(&mut roots, path)?;
                if given.is_empty() {
                    return Err(format!("{}: no PEM certificate in it", path.display()));
                }
            }
            if roots.is_empty() {
                return Err(
                    "TLS: no root certificates found on this system; give --ca-file FILE (or --insecure)"
                        .to_owned(),
                );
            }
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("TLS: {e}"))?;
            let ca_file = match trust {
                Trust::CaFile(path) => Some(path.clone()),
                _ => None,
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier::Verifier { webpki, ca_file, given }))
                .with_no_client_auth()
        }
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// Adds every certificate of a PEM file; returns them.
fn add_pem_file(roots: &mut RootCertStore, path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
    let mut added = Vec::new();
    for certificate in certificates {
        let certificate =
            certificate.map_err(|e| format!("the CA file {} is not valid PEM: {e}", path.display()))?;
        roots
            .add(certificate.clone())
            .map_err(|e| format!("the CA file {} holds a certificate rustls rejects: {e}", path.display()))?;
        added.push(certificate);
    }
    Ok(added)
}

/// Why the server's certificate was refused, in one sentence, when the
/// handshake failed on it (`error` is what the TLS stream returned).
pub fn why_refused(error: &std::io::Error) -> Option<String> {
    let error = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    match error {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => Some(
            other.0.downcast_ref::<verifier::Refusal>().map_or_else(|| other.to_string(), |r| r.why.clone()),
        ),
        rustls::Error::InvalidCertificate(error) => Some(format!("{error}")),
        rustls::Error::NoCertificatesPresented => Some("the server presented no certificate".to_owned()),
        _ => None,
    }
}

/// `--insecure`: any certificate for any name is accepted; the handshake's
/// signatures are still checked, so the connection is TLS all the same.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// How long a client of the harness's own servers has for its TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The server side of a TLS handshake, bounded: `None` when the client
/// failed it or did not finish within [`HANDSHAKE_TIMEOUT`].
pub async fn accept<IO>(
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: IO,
) -> Option<tokio_rustls::server::TlsStream<IO>>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await.ok()?.ok()
}

/// A certificate authority made at run time and one server certificate it
/// signed for `localhost`, `127.0.0.1` and `::1`: what the harness serves
/// https with on loopback. Clients trust it through [`LoopbackCa::ca_pem`].
#[derive(Debug)]
pub struct LoopbackCa {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key_der: Vec<u8>,
}

impl LoopbackCa {
    /// Makes a new CA and server certificate (a few milliseconds).
    ///
    /// # Errors
    /// rcgen fails (it does not for these parameters).
    pub fn new() -> Result<Self, String> {
        let error = |e: rcgen::Error| format!("cannot make the loopback certificate: {e}");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(error)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "ssecheck loopback CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = rcgen::KeyPair::generate().map_err(error)?;
        let ca = ca_params.self_signed(&ca_key).map_err(error)?;
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
        let mut leaf_params = rcgen::CertificateParams::new(names).map_err(error)?;
        leaf_params.distinguished_name.push(rcgen::DnType::CommonName, "ssecheck loopback server");
        leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = rcgen::KeyPair::generate().map_err(error)?;
        let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).map_err(error)?;
        Ok(Self {
            ca_pem: ca.pem(),
            chain: vec![leaf.der().clone(), ca.der().clone()],
            key_der: leaf_key.serialize_der(),
        })
    }

    /// The CA certificate, PEM: what a client must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Writes the CA certificate to `path` (for `SSE_CA_FILE`, `--ca-file`).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write_ca(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, &self.ca_pem)
    }

    /// A rustls server configuration with this certificate, offering `alpn`.
    ///
    /// # Errors
    /// rustls rejects the key (it does not for keys made here).
    pub fn server_config(&self, alpn: &[&[u8]]) -> Result<Arc<ServerConfig>, String> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        server_config(self.chain.clone(), key, alpn)
    }
}

/// A rustls server configuration serving the certificate chain and private
/// key of PEM texts (as `openssl req -x509` writes them), offering `alpn`.
///
/// # Errors
/// No certificate or no key in the texts, or rustls rejects them.
pub fn server_config_from_pem(
    certificates_pem: &str,
    key_pem: &str,
    alpn: &[&[u8]],
) -> Result<Arc<ServerConfig>, String> {
    let chain = CertificateDer::pem_slice_iter(certificates_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM certificates: {e}"))?;
    if chain.is_empty() {
        return Err("no PEM certificate".to_owned());
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| format!("no PEM private key: {e}"))?;
    server_config(chain, key, alpn)
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    alpn: &[&[u8]],
) -> Result<Arc<ServerConfig>, String> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS: {e}"))?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}
