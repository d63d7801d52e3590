//! The few fields of an X.509 certificate (RFC 5280 section 4.1) that the
//! verifier checks itself, for a certificate the user gave (`--ca-file`) and
//! the server presents, or names when it refuses one: the validity period,
//! issuer and subject, basic constraints and extended key usage.
//!
//! A small DER reader: the bytes are the server's, so every length is
//! checked against what is there and a malformed certificate is `None`.

/// What the verifier reads of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Certificate<'a> {
    /// The issuer's distinguished name, DER.
    pub issuer: &'a [u8],
    /// The subject's distinguished name, DER.
    pub subject: &'a [u8],
    /// `notBefore`, seconds since the Unix epoch.
    pub not_before: i64,
    /// `notAfter`, seconds since the Unix epoch.
    pub not_after: i64,
    /// basicConstraints `cA` is TRUE.
    pub is_ca: bool,
    /// The extended key usage purposes (each an OID's arcs), when the
    /// certificate restricts them.
    pub extended_key_usage: Option<Vec<Vec<u64>>>,
}

impl Certificate<'_> {
    /// Issuer and subject are the same name.
    pub fn is_self_issued(&self) -> bool {
        self.issuer == self.subject
    }
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// `[0] EXPLICIT Version`.
const VERSION: u8 = 0xA0;
/// `[3] EXPLICIT Extensions`.
const EXTENSIONS: u8 = 0xA3;

/// id-ce-basicConstraints, 2.5.29.19.
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x13];
/// id-ce-extKeyUsage, 2.5.29.37.
const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x25];
/// id-at-commonName, 2.5.4.3.
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// id-kp-serverAuth, 1.3.6.1.5.5.7.3.1.
pub(super) const SERVER_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 1];

/// One tag-length-value from the front of `input`: the tag, the value,
/// and what follows. Only definite lengths (DER) of up to four bytes.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count].iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (length, &rest[count..])
    };
    if rest.len() < length {
        return None;
    }
    Some((tag, &rest[..length], &rest[length..]))
}

/// The value of a `tag` element at the front of `input`, and what follows.
fn expect(tag: u8, input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (found, value, rest) = tlv(input)?;
    (found == tag).then_some((value, rest))
}

/// Reads the certificate `der`; `None` when it is not one.
pub(super) fn parse(der: &[u8]) -> Option<Certificate<'_>> {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    let (certificate, _) = expect(SEQUENCE, der)?;
    let (tbs, _) = expect(SEQUENCE, certificate)?;
    // TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber,
    //   signature, issuer, validity, subject, subjectPublicKeyInfo,
    //   issuerUniqueID [1], subjectUniqueID [2], extensions [3] EXPLICIT }
    let mut rest = tbs;
    if rest.first() == Some(&VERSION) {
        rest = tlv(rest)?.2;
    }
    let (_serial_number, _, rest) = tlv(rest)?;
    let (_signature_algorithm, rest) = expect(SEQUENCE, rest)?;
    let (issuer, rest) = expect(SEQUENCE, rest)?;
    let (validity, rest) = expect(SEQUENCE, rest)?;
    let (subject, rest) = expect(SEQUENCE, rest)?;
    let (_public_key, mut rest) = expect(SEQUENCE, rest)?;
    // Validity ::= SEQUENCE { notBefore Time, notAfter Time }
    let (not_before, after) = time(validity)?;
    let (not_after, _) = time(after)?;
    let mut certificate =
        Certificate { issuer, subject, not_before, not_after, is_ca: false, extended_key_usage: None };
    while let Some((tag, value, after)) = tlv(rest) {
        rest = after;
        if tag == EXTENSIONS {
            read_extensions(expect(SEQUENCE, value)?.0, &mut certificate)?;
        }
    }
    Some(certificate)
}

/// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
fn read_extensions<'a>(mut extensions: &'a [u8], certificate: &mut Certificate<'a>) -> Option<()> {
    while !extensions.is_empty() {
        let (extension, rest) = expect(SEQUENCE, extensions)?;
        extensions = rest;
        let (id, mut fields) = expect(OID, extension)?;
        if fields.first() == Some(&BOOLEAN) {
            fields = tlv(fields)?.2;
        }
        let (value, _) = expect(OCTET_STRING, fields)?;
        if id == BASIC_CONSTRAINTS {
            // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
            let (constraints, _) = expect(SEQUENCE, value)?;
            certificate.is_ca = matches!(expect(BOOLEAN, constraints), Some((&[flag], _)) if flag != 0);
        } else if id == EXT_KEY_USAGE {
            // ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
            let (mut purposes, _) = expect(SEQUENCE, value)?;
            let mut usages = Vec::new();
            while !purposes.is_empty() {
                let (purpose, rest) = expect(OID, purposes)?;
                purposes = rest;
                usages.push(arcs(purpose)?);
            }
            certificate.extended_key_usage = Some(usages);
        }
    }
    Some(())
}

/// An OID's arcs: `1.3.6.1.5.5.7.3.1` as numbers.
fn arcs(oid: &[u8]) -> Option<Vec<u64>> {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    for (i, &byte) in oid.iter().enumerate() {
        value = value.checked_mul(128)? | u64::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                // The first subidentifier holds the first two arcs.
                let first = (value / 40).min(2);
                arcs.extend([first, value - first * 40]);
            } else {
                arcs.push(value);
            }
            value = 0;
        } else if i + 1 == oid.len() {
            return None;
        }
    }
    (!arcs.is_empty()).then_some(arcs)
}

/// A `Time` (UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`)
/// as seconds since the Unix epoch, and what follows it.
fn time(input: &[u8]) -> Option<(i64, &[u8])> {
    let (tag, value, rest) = tlv(input)?;
    let digits = value.strip_suffix(b"Z")?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        digits.get(range).map(|d| d.iter().fold(0i64, |n, &b| n * 10 + i64::from(b - b'0')))
    };
    let (year, at) = match (tag, digits.len()) {
        // RFC 5280 4.1.2.5.1: YY of 50 or more is 19YY, else 20YY.
        (UTC_TIME, 12) => (number(0..2).map(|yy| if yy >= 50 { 1900 + yy } else { 2000 + yy })?, 2),
        (GENERALIZED_TIME, 14) => (number(0..4)?, 4),
        _ => return None,
    };
    let field = |i: usize| number(at + 2 * i..at + 2 * i + 2);
    let (month, day, hour, minute, second) = (field(0)?, field(1)?, field(2)?, field(3)?, field(4)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some((days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second, rest))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The common name (CN) of a distinguished name, if it has one.
pub(super) fn common_name(name: &[u8]) -> Option<String> {
    // Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue)
    let mut rdns = name;
    while !rdns.is_empty() {
        let (mut rdn, rest) = expect(SET, rdns)?;
        rdns = rest;
        while !rdn.is_empty() {
            let (attribute, rest) = expect(SEQUENCE, rdn)?;
            rdn = rest;
            let (id, value) = expect(OID, attribute)?;
            // UTF8String, PrintableString, TeletexString, IA5String.
            if let Some((0x0C | 0x13 | 0x14 | 0x16, text, _)) = tlv(value).filter(|_| id == COMMON_NAME) {
                return Some(String::from_utf8_lossy(text).into_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(time(b"\x17\x0d700101000000Z"), Some((0, &b""[..])));
        assert_eq!(time(b"\x17\x0d491231235959Z").map(|t| t.0), Some(2_524_607_999));
        assert_eq!(time(b"\x18\x0f20000229120000Z").map(|t| t.0), Some(951_825_600));
        assert_eq!(time(b"\x17\x0d700101000000+"), None);
        assert_eq!(time(b"\x17\x0c7001010000Z"), None);
    }

    #[test]
    fn object_identifiers() {
        assert_eq!(arcs(&[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]).as_deref(), Some(SERVER_AUTH));
        assert_eq!(arcs(&[0x55, 0x1D, 0x25]), Some(vec![2, 5, 29, 37]));
        assert_eq!(arcs(&[0x2B, 0x86]), None);
    }

    #[test]
    fn a_truncated_certificate_is_none() {
        assert_eq!(tlv(&[0x30, 0x82, 0x01]), None);
        assert_eq!(tlv(&[0x30, 0x05, 0x00]), None);
        assert_eq!(parse(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
    }
}
