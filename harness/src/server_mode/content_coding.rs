//! A stream's `Content-Encoding`, undone as it arrives: server mode offers
//! what browsers offer (`Accept-Encoding: gzip, deflate, br`) in the
//! compression check, and must then read the stream as a browser would.

use flate2::write::{GzDecoder, ZlibDecoder};

/// What browsers send; the compression check sends the same.
pub const BROWSER_ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// Decoded bytes one chunk may grow to (a compression bomb stops here).
const MAX_DECODED_PER_CHUNK: usize = 16 * 1024 * 1024;
/// Compressed input fed at a time, so the cap is checked as output grows.
const INPUT_STEP: usize = 1024;

/// A decoder for one response's body.
pub enum Decoder {
    /// No `Content-Encoding` (or `identity`).
    Identity,
    /// `gzip` (or `x-gzip`).
    Gzip(Box<GzDecoder<Vec<u8>>>),
    /// `deflate`: the zlib format (RFC 9110 section 8.4.1.2).
    Deflate(Box<ZlibDecoder<Vec<u8>>>),
    /// `br`.
    Brotli(Box<brotli_decompressor::DecompressorWriter<Vec<u8>>>),
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Decoder {
    /// The decoder for a `Content-Encoding` header's values; `Err` names a
    /// coding it cannot undo (or more than one coding, which no stream
    /// should carry).
    pub fn for_codings(values: &[&str]) -> Result<Self, String> {
        let codings: Vec<String> = values
            .iter()
            .flat_map(|v| v.split(','))
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty() && c != "identity")
            .collect();
        match codings.as_slice() {
            [] => Ok(Self::Identity),
            [one] => match one.as_str() {
                "gzip" | "x-gzip" => Ok(Self::Gzip(Box::new(GzDecoder::new(Vec::new())))),
                "deflate" => Ok(Self::Deflate(Box::new(ZlibDecoder::new(Vec::new())))),
                "br" => {
                    Ok(Self::Brotli(Box::new(brotli_decompressor::DecompressorWriter::new(Vec::new(), 4096))))
                }
                other => Err(format!("Content-Encoding {other}, which was not offered")),
            },
            many => Err(format!("Content-Encoding {} (more than one coding)", many.join(", "))),
        }
    }

    /// The coding's name as reports give it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Gzip(_) => "gzip",
            Self::Deflate(_) => "deflate",
            Self::Brotli(_) => "br",
        }
    }

    /// The bytes `chunk` decodes to so far (a compressor's partial block
    /// gives nothing until its flush arrives); `Err` when the body is not
    /// in its coding or grows past the cap.
    pub fn decode(&mut self, chunk: &[u8]) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let name = self.name();
        for piece in chunk.chunks(INPUT_STEP) {
            let decoded = match self {
                Self::Identity => return Ok(chunk.to_vec()),
                Self::Gzip(decoder) => step(decoder.as_mut(), piece).map(|()| decoder.get_mut()),
                Self::Deflate(decoder) => step(decoder.as_mut(), piece).map(|()| decoder.get_mut()),
                Self::Brotli(decoder) => step(decoder.as_mut(), piece).map(|()| decoder.get_mut()),
            }
            .map_err(|error| format!("the body is not valid {name}: {error}"))?;
            out.append(decoded);
            if out.len() > MAX_DECODED_PER_CHUNK {
                return Err(format!(
                    "{} bytes of {name} decoded to more than {} MiB",
                    chunk.len(),
                    MAX_DECODED_PER_CHUNK >> 20
                ));
            }
        }
        Ok(out)
    }
}

/// Writes `piece` into a decoder and flushes what it decoded to its Vec.
fn step(decoder: &mut impl std::io::Write, piece: &[u8]) -> std::io::Result<()> {
    decoder.write_all(piece)?;
    decoder.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{GzEncoder, ZlibEncoder};
    use std::io::Write as _;

    #[test]
    fn a_flushed_gzip_stream_decodes_write_by_write() {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        let mut decoder = Decoder::for_codings(&["gzip"]).expect("gzip");
        for event in ["data: one\n\n", "data: two\n\n"] {
            encoder.write_all(event.as_bytes()).expect("a Vec");
            encoder.flush().expect("a Vec");
            let wire = std::mem::take(encoder.get_mut());
            assert_eq!(decoder.decode(&wire).expect("valid gzip"), event.as_bytes());
        }
    }

    #[test]
    fn deflate_is_zlib_and_unknown_codings_are_named() {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(b"data: x\n\n").expect("a Vec");
        encoder.flush().expect("a Vec");
        let mut decoder = Decoder::for_codings(&["Deflate"]).expect("deflate");
        assert_eq!(decoder.decode(encoder.get_ref()).expect("valid zlib"), b"data: x\n\n");
        assert_eq!(Decoder::for_codings(&["identity"]).expect("identity").name(), "identity");
        assert!(Decoder::for_codings(&["zstd"]).expect_err("not offered").contains("zstd"));
        assert!(Decoder::for_codings(&["gzip, br"]).expect_err("two").contains("more than one"));
        assert!(Decoder::for_codings(&["gzip"]).expect("gzip").decode(b"not gzip at all").is_err());
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&vec![b'a'; 40 * 1024 * 1024]).expect("a Vec");
        let wire = encoder.finish().expect("a Vec");
        let error = Decoder::for_codings(&["gzip"]).expect("gzip").decode(&wire).expect_err("capped");
        assert!(error.contains("more than 16 MiB"), "{error}");
    }
}
