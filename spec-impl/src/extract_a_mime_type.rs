//! Fetch's "extract a MIME type" and MIME Sniffing's "parse a MIME type",
//! reduced to what `#dom-eventsource` step 15.3 needs: the essence.

/// The essence (`type/subtype`, ASCII lowercase) of the MIME type the
/// `Content-Type` headers among `headers` carry, or `None` when there is none.
///
/// ```
/// use spec_impl::extract_a_mime_type_essence as essence;
/// let headers = |value: &str| vec![("Content-Type".to_owned(), value.to_owned())];
/// assert_eq!(essence(&headers("Text/Event-Stream; charset=utf-8")).as_deref(), Some("text/event-stream"));
/// assert_eq!(essence(&headers("text/event-stream, text/plain")).as_deref(), Some("text/plain"));
/// assert_eq!(essence(&headers("text /event-stream")), None);
/// ```
pub fn extract_a_mime_type_essence(headers: &[(String, String)]) -> Option<String> {
    //§ fetch#concept-header-extract-mime-type: "Let values be the result of getting, decoding, and splitting `Content-Type` from headers. ... For each value of values: Let temporaryMimeType be the result of parsing value. If temporaryMimeType is failure or its essence is "*/*", then continue. Set mimeType to temporaryMimeType."
    let combined: Vec<&str> = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.as_str())
        .collect();
    if combined.is_empty() {
        return None;
    }
    let combined = combined.join(", ");
    let mut mime_type = None;
    for value in get_decode_and_split(&combined) {
        match parse_a_mime_type_essence(&value) {
            Some(essence) if essence != "*/*" => mime_type = Some(essence),
            _ => {}
        }
    }
    mime_type
}

/// Fetch's "get, decode, and split": split at commas outside quoted strings,
/// trimming HTTP tab or space from each value.
fn get_decode_and_split(value: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                current.push(c);
                // An HTTP quoted string: up to the closing quote, `\` escapes.
                while let Some(q) = chars.next() {
                    current.push(q);
                    if q == '\\' {
                        if let Some(escaped) = chars.next() {
                            current.push(escaped);
                        }
                    } else if q == '"' {
                        break;
                    }
                }
            }
            ',' => values.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    values.push(current);
    values.into_iter().map(|v| v.trim_matches(['\t', ' ']).to_owned()).collect()
}

/// MIME Sniffing's "parse a MIME type", up to the essence: `None` on failure.
fn parse_a_mime_type_essence(input: &str) -> Option<String> {
    let is_http_whitespace = |c: char| matches!(c, '\t' | '\n' | '\r' | ' ');
    let is_token = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
    };
    // "Remove any leading and trailing HTTP whitespace from input."
    let input = input.trim_matches(is_http_whitespace);
    // "Let type be the result of collecting a sequence of code points that are
    // not U+002F (/)" ... "If position is past the end of input, then return
    // failure."
    let (r#type, rest) = input.split_once('/')?;
    // "If type is the empty string or does not solely contain HTTP token code
    // points, then return failure."
    if !is_token(r#type) {
        return None;
    }
    // "Let subtype be the result of collecting a sequence of code points that
    // are not U+003B (;)" ... "Remove any trailing HTTP whitespace".
    let subtype = rest.split(';').next().unwrap_or_default();
    let subtype = subtype.trim_end_matches(is_http_whitespace);
    if !is_token(subtype) {
        return None;
    }
    Some(format!("{}/{}", r#type.to_ascii_lowercase(), subtype.to_ascii_lowercase()))
}
