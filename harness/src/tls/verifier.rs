//! Whether a server's certificate is trusted, and in plain words why not.
//!
//! rustls's WebPKI verifier decides, with one addition: a certificate the
//! user gave in `--ca-file` that is exactly the one the server presents is
//! trusted as itself, as curl's `--cacert` and browsers' certificate
//! exceptions do. `openssl req -x509` makes such a self-signed certificate
//! with basicConstraints CA:TRUE, which WebPKI refuses to see as a server's
//! certificate; for it the name, the validity period and the extended key
//! usage are checked here instead. Every refusal carries one sentence that
//! says what is wrong with the certificate and what the user can do.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, ExtendedKeyPurpose, OtherError, SignatureScheme};

use super::x509;

/// WebPKI, plus the certificates of the user's CA file trusted as
/// themselves.
#[derive(Debug)]
pub(super) struct Verifier {
    /// rustls's verifier over the platform's roots and the CA file.
    pub webpki: Arc<WebPkiServerVerifier>,
    /// The CA file (`--ca-file`), if given.
    pub ca_file: Option<PathBuf>,
    /// Its certificates.
    pub given: Vec<CertificateDer<'static>>,
}

/// A certificate refused, with the sentence that says why.
#[derive(Debug)]
pub struct Refusal {
    /// What rustls (or the check of a given certificate) found.
    pub cause: rustls::Error,
    /// "it expired on ...", without the server's name.
    pub why: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cause = match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => return Ok(verified),
            Err(cause) => cause,
        };
        let given = self.given.iter().any(|c| c.as_ref() == end_entity.as_ref());
        let cause = if given {
            match check_given(end_entity, server_name, now) {
                Ok(()) => return Ok(ServerCertVerified::assertion()),
                Err(cause) => cause,
            }
        } else {
            cause
        };
        let why = self.explain(&cause, end_entity, intermediates, given);
        Err(CertificateError::Other(OtherError(Arc::new(Refusal { cause, why }))).into())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// A certificate of the CA file that the server presents as its own: trusted
/// as itself (its issuer and its own signature do not matter, the
/// handshake's signature proves the server holds its key), if it is for
/// `server_name`, valid `now`, and not restricted to other purposes than a
/// server's.
fn check_given(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    // rustls's parse refuses a malformed certificate and one with a critical
    // extension it does not know.
    let parsed = ParsedCertificate::try_from(end_entity)?;
    let certificate = x509::parse(end_entity).ok_or(CertificateError::BadEncoding)?;
    let time = now.as_secs();
    let at =
        |secs: i64| UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs.max(0).unsigned_abs()));
    if i128::from(time) < i128::from(certificate.not_before) {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: at(certificate.not_before),
        }
        .into());
    }
    if i128::from(time) > i128::from(certificate.not_after) {
        return Err(
            CertificateError::ExpiredContext { time: now, not_after: at(certificate.not_after) }.into()
        );
    }
    rustls::client::verify_server_name(&parsed, server_name)?;
    let usages = certificate.extended_key_usage.as_deref().unwrap_or_default();
    if certificate.extended_key_usage.is_some() && !usages.iter().any(|usage| usage == x509::SERVER_AUTH) {
        return Err(CertificateError::InvalidPurposeContext {
            required: ExtendedKeyPurpose::ServerAuth,
            presented: usages.iter().map(|arcs| purpose(arcs)).collect(),
        }
        .into());
    }
    Ok(())
}

/// id-kp-clientAuth, 1.3.6.1.5.5.7.3.2.
const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];

fn purpose(arcs: &[u64]) -> ExtendedKeyPurpose {
    match arcs {
        x509::SERVER_AUTH => ExtendedKeyPurpose::ServerAuth,
        CLIENT_AUTH => ExtendedKeyPurpose::ClientAuth,
        other => ExtendedKeyPurpose::Other(
            other.iter().map(|&arc| usize::try_from(arc).unwrap_or(usize::MAX)).collect(),
        ),
    }
}

impl Verifier {
    /// What the client trusts, in words.
    fn trusted(&self) -> String {
        match &self.ca_file {
            Some(path) => format!("{} and the system's root certificates", path.display()),
            None => "the system's root certificates".to_owned(),
        }
    }

    /// One sentence: what is wrong with the certificate, and what the user
    /// can do about it.
    fn explain(
        &self,
        cause: &rustls::Error,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        given: bool,
    ) -> String {
        let certificate = x509::parse(end_entity);
        let name = |dn: &[u8]| {
            x509::common_name(dn).map_or_else(|| "a name without CN".to_owned(), |cn| format!("CN={cn}"))
        };
        let self_signed =
            intermediates.is_empty() && certificate.as_ref().is_some_and(x509::Certificate::is_self_issued);
        let is_ca = certificate.as_ref().is_some_and(|c| c.is_ca);
        let insecure = "to skip verification: --insecure";
        // Not trusted: who issued it, and what the user can give.
        let untrusted = || match (&certificate, &self.ca_file) {
            (Some(c), None) if self_signed => format!(
                "it is self-signed ({}) and not among {}; to trust it, give this certificate with --ca-file FILE; {insecure}",
                name(c.subject),
                self.trusted()
            ),
            (Some(c), Some(file)) if self_signed => format!(
                "it is self-signed ({}) and {} does not contain it (nor do the system's root certificates); {insecure}",
                name(c.subject),
                file.display()
            ),
            (Some(c), None) => format!(
                "it was issued by {}, an authority {} do not include; for a private CA give its certificate with --ca-file FILE; {insecure}",
                name(c.issuer),
                self.trusted()
            ),
            (Some(c), Some(file)) => format!(
                "it was issued by {}, and {} contains neither that authority's certificate nor this certificate (nor do the system's root certificates); {insecure}",
                name(c.issuer),
                file.display()
            ),
            (None, _) => format!("it is not signed by an authority among {}; {insecure}", self.trusted()),
        };
        let rustls::Error::InvalidCertificate(error) = cause else {
            return format!("{cause}");
        };
        #[allow(deprecated)] // rustls's own verifier may still give UnsupportedSignatureAlgorithm.
        match error {
            CertificateError::ExpiredContext { time, not_after } => format!(
                "it expired on {} ({} ago); {insecure}",
                date(not_after.as_secs()),
                span(time.as_secs().saturating_sub(not_after.as_secs()))
            ),
            CertificateError::Expired => format!("it has expired; {insecure}"),
            CertificateError::NotValidYetContext { time, not_before } => format!(
                "it is not valid before {} ({} from now; is this machine's clock right?); {insecure}",
                date(not_before.as_secs()),
                span(not_before.as_secs().saturating_sub(time.as_secs()))
            ),
            CertificateError::NotValidYet => format!("it is not valid yet; {insecure}"),
            CertificateError::NotValidForNameContext { expected, presented } if presented.is_empty() => {
                format!(
                    "it names no host (no subjectAltName), so it is not for {}; {insecure}",
                    expected.to_str()
                )
            }
            CertificateError::NotValidForNameContext { expected, presented } => format!(
                "it was issued for {}, not for {}: use one of those names in the URL; {insecure}",
                presented.iter().map(|name| plain_name(name)).collect::<Vec<_>>().join(", "),
                expected.to_str()
            ),
            CertificateError::NotValidForName => {
                format!("it was issued for other names than the URL's host; {insecure}")
            }
            CertificateError::UnknownIssuer => untrusted(),
            // WebPKI refuses a CA certificate (basicConstraints CA:TRUE) as a
            // server's (rustls reports it as `Other`): what `openssl req
            // -x509` makes by default.
            CertificateError::Other(_) if is_ca && !given && self_signed => untrusted(),
            CertificateError::Other(_) if is_ca && !given => format!(
                "it is a CA certificate (basicConstraints CA:TRUE), which may not serve as a server's certificate; serve one that CA issued, give exactly this certificate with --ca-file FILE; {insecure}"
            ),
            CertificateError::BadSignature => {
                format!(
                    "its signature does not verify with its issuer's key (a damaged or forged certificate); {insecure}"
                )
            }
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => format!(
                "it (or a certificate of its chain) is signed with an algorithm rustls does not accept (for example SHA-1, or a signature that does not match the key's type); {insecure}"
            ),
            CertificateError::Revoked => format!("its issuer has revoked it; {insecure}"),
            CertificateError::UnknownRevocationStatus
            | CertificateError::ExpiredRevocationList
            | CertificateError::ExpiredRevocationListContext { .. } => {
                format!("whether it was revoked cannot be told; {insecure}")
            }
            CertificateError::InvalidPurposeContext { presented, .. } => format!(
                "it is not for TLS servers: its extended key usage allows only {}; {insecure}",
                presented.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            CertificateError::InvalidPurpose => {
                format!("it is not for TLS servers (extended key usage); {insecure}")
            }
            CertificateError::UnhandledCriticalExtension => {
                format!("it has a critical extension rustls does not understand; {insecure}")
            }
            CertificateError::BadEncoding => format!("it is not a well-formed X.509 certificate; {insecure}"),
            other => format!("it was refused ({other}); {insecure}"),
        }
    }
}

/// A name as WebPKI presents it (`DnsName("example.test")`,
/// `IpAddress(127.0.0.1)`), as a user writes it in a URL.
fn plain_name(presented: &str) -> &str {
    let strip = |prefix: &str, suffix: &str| presented.strip_prefix(prefix)?.strip_suffix(suffix);
    strip("DnsName(\"", "\")").or_else(|| strip("IpAddress(", ")")).unwrap_or(presented)
}

/// A Unix time as RFC 3339 UTC.
fn date(secs: u64) -> String {
    crate::report::rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// A span of time in the largest whole unit.
fn span(secs: u64) -> String {
    let (n, unit) = match secs {
        0..120 => (secs, "second"),
        120..7200 => (secs / 60, "minute"),
        7200..172_800 => (secs / 3600, "hour"),
        _ => (secs / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}
