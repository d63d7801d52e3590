//! A long value as a reviewer sees it. A string (or a body of bytes) longer
//! than [`LONG_STRING`] bytes becomes an [`Excerpt`]: its length, its SHA-256,
//! its first [`HEAD`] and last [`TAIL`] bytes, and the bytes around the first
//! difference from its counterpart on the other side of the case (expected
//! against observed), in hex and text. An array longer than [`LONG_ARRAY`]
//! items becomes [`Items`]: its count, its SHA-256, the first and last items,
//! and the first item that differs from its counterpart. report.json keeps
//! them in place of the value as `{"excerpt": {...}}`; report.md, report.html
//! and junit.xml show them from there.
//!
//! A value's counterpart is the value at the same path on the other side
//! (`expected.lines[1].data` against `observed.lines[1].data`); a long string
//! with none there is compared with the first long string of the case under
//! the same field name (a published `data` against a received `data`). A long
//! value whose bytes appeared earlier in the case is kept as a reference to
//! that place (`same_as`).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Strings (and bodies of bytes) longer than this many bytes become excerpts.
pub const LONG_STRING: usize = 256;
/// Bytes an excerpt keeps from the start.
pub const HEAD: usize = 64;
/// Bytes an excerpt keeps from the end.
pub const TAIL: usize = 64;
/// Bytes shown before the first difference.
pub const BEFORE: usize = 8;
/// Bytes shown from the first difference on.
pub const AFTER: usize = 24;
/// Arrays longer than this many items become excerpts.
pub const LONG_ARRAY: usize = 16;
/// Items an array excerpt keeps from the start.
pub const FIRST_ITEMS: usize = 8;
/// Items an array excerpt keeps from the end.
pub const LAST_ITEMS: usize = 3;
/// Digits of a SHA-256 shown where a short name is enough (pages, digests).
pub const SHORT_HASH: usize = 8;

/// The bytes of the excerpts of a report, by the file name beside report.json
/// an excerpt refers to (`bytes/<sha256>.bin`, or `.json` for an array):
/// what `--keep-bytes` writes.
pub type KeptBytes = BTreeMap<String, Vec<u8>>;

/// A long string or body of bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excerpt {
    /// Its length in bytes (of its UTF-8 encoding, for a string).
    pub bytes: usize,
    /// SHA-256 of those bytes, hex.
    pub sha256: String,
    /// False for bytes that are not UTF-8: `head`, `tail` and the text of the
    /// difference are then decoded with U+FFFD for each bad sequence; the hex is
    /// exact.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub utf8: bool,
    /// The first bytes (up to [`HEAD`], cut at a character boundary).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub head: String,
    /// The last bytes (up to [`TAIL`], cut at a character boundary).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tail: String,
    /// Where it first differs from its counterpart, if it has one and differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<Difference>,
    /// The same bytes are kept at this earlier path of the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
    /// With `--keep-bytes`: every byte, in this file beside report.json.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// The first byte at which a long string differs from its counterpart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Difference {
    /// The offset of the first byte that differs (the shorter one's length
    /// when it is a prefix of the other).
    pub offset: usize,
    /// The path of the counterpart (`observed.lines[1].data`).
    pub vs: String,
    /// The offset `hex` and `text` start at ([`BEFORE`] bytes before `offset`).
    pub at: usize,
    /// The bytes from `at` to [`AFTER`] bytes past `offset`, in hex.
    pub hex: String,
    /// The same bytes as text.
    pub text: String,
}

/// A long array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Items {
    /// How many items it has.
    pub items: usize,
    /// SHA-256 of the array as compact JSON, hex.
    pub sha256: String,
    /// The first [`FIRST_ITEMS`] items (themselves compacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first: Vec<Value>,
    /// The last [`LAST_ITEMS`] items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last: Vec<Value>,
    /// The first item that differs from the counterpart array's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<ItemDifference>,
    /// The same array is kept at this earlier path of the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
    /// With `--keep-bytes`: the whole array as JSON, in this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// The first item of a long array that differs from its counterpart's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDifference {
    /// Its index (the shorter array's length when it is a prefix of the other).
    pub index: usize,
    /// The path of the counterpart array.
    pub vs: String,
    /// The item, when this array has one there and neither `first` nor `last`
    /// holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Value>,
}

/// What `{"excerpt": ...}` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Shown {
    /// A long string or body of bytes.
    Bytes(Excerpt),
    /// A long array.
    Items(Items),
}

impl Shown {
    /// `value` as an excerpt, if it is one (`{"excerpt": {...}}`).
    pub fn of(value: &Value) -> Option<Self> {
        let object = value.as_object()?;
        if object.len() != 1 {
            return None;
        }
        serde_json::from_value(object.get("excerpt")?.clone()).ok()
    }

    fn into_value(self) -> Value {
        let inner = serde_json::to_value(self).unwrap_or(Value::Null);
        serde_json::json!({ "excerpt": inner })
    }
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_true(value: &bool) -> bool {
    *value
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// `bytes` as lowercase hex, no separators.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// `text` (hex, no separators) as bytes, if it is hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

/// The summary a passing or skipped case keeps of its expected or observed
/// value: `sha256:` and the first [`SHORT_HASH`] digits of the SHA-256 of its
/// compact JSON (the case id reproduces the value itself).
pub fn digest(value: &Value) -> Value {
    if value.is_null() || value.as_str().is_some_and(is_digest) {
        return value.clone();
    }
    let json = serde_json::to_vec(value).unwrap_or_default();
    Value::String(format!("sha256:{}", &sha256_hex(&json)[..SHORT_HASH]))
}

fn is_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|h| h.len() == SHORT_HASH && from_hex(h).is_some())
}

/// A run of text without whitespace in a message (a value it quotes) longer
/// than this many bytes keeps its start and end only.
pub const LONG_RUN: usize = 160;
/// A message longer than this many bytes, after its long runs are cut, keeps
/// its start and end only.
pub const LONG_MESSAGE: usize = 2048;

/// Shortens a message: each run without whitespace longer than [`LONG_RUN`]
/// (a long value the message quotes) keeps its first 48 and last 24 bytes,
/// and the whole keeps its first and last kilobyte or so; each cut says how
/// many bytes it took out and their SHA-256. The words around are kept:
/// they say what differs. Shortening twice changes nothing.
pub fn shorten_message(message: &mut String) {
    let mut shortened = String::with_capacity(message.len().min(LONG_MESSAGE * 2));
    let mut rest = message.as_str();
    while !rest.is_empty() {
        let run_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (run, after) = rest.split_at(run_end);
        shortened.push_str(&cut_middle(run, LONG_RUN, 48, 24));
        let space_end = after.find(|c: char| !c.is_whitespace()).unwrap_or(after.len());
        shortened.push_str(&after[..space_end]);
        rest = &after[space_end..];
    }
    *message = cut_middle(&shortened, LONG_MESSAGE, 1024, 512);
}

/// `text` if at most `limit` bytes long; else its first `head` and last
/// `tail` bytes around a note of what was cut (always shorter than `limit`).
fn cut_middle(text: &str, limit: usize, head: usize, tail: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let head = floor_boundary(text, head);
    let tail = ceil_boundary(text, text.len() - tail);
    let cut = &text[head..tail];
    format!(
        "{} … [{} bytes, sha256 {}] … {}",
        &text[..head],
        cut.len(),
        &sha256_hex(cut.as_bytes())[..SHORT_HASH],
        &text[tail..]
    )
}

/// The largest char boundary of `text` at or before `at`.
pub fn floor_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

/// The smallest char boundary of `text` at or after `at`.
pub fn ceil_boundary(text: &str, at: usize) -> usize {
    (at.min(text.len())..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len())
}

/// Replaces every long string, body of bytes and array in `expected` and
/// `observed` by its excerpt, each compared with its counterpart on the other
/// side. With `kept`, every replaced value's bytes are added to it and the
/// excerpt names their file.
pub fn compact_pair(expected: &mut Value, observed: &mut Value, kept: Option<&mut KeptBytes>) {
    let mut walk = Walk { seen: HashMap::new(), by_field: HashMap::new(), kept };
    let expected_before = expected.clone();
    walk.value(expected, Side::Expected, String::new(), Some(observed), None);
    walk.value(observed, Side::Observed, String::new(), Some(&expected_before), None);
}

#[derive(Debug, Clone, Copy)]
enum Side {
    Expected,
    Observed,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Self::Expected => "expected",
            Self::Observed => "observed",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::Expected => Self::Observed,
            Self::Observed => Self::Expected,
        }
    }
}

/// One case's compaction: what it has seen so far on both sides.
struct Walk<'k> {
    /// SHA-256 of each long value kept in full so far, with its path.
    seen: HashMap<String, String>,
    /// The first long string under each field name, with its path.
    by_field: HashMap<String, (String, Vec<u8>)>,
    kept: Option<&'k mut KeptBytes>,
}

impl Walk<'_> {
    /// Compacts `value`, found at `rel` under `side`, whose counterpart is `other`.
    fn value(
        &mut self,
        value: &mut Value,
        side: Side,
        rel: String,
        other: Option<&Value>,
        field: Option<&str>,
    ) {
        if Shown::of(value).is_some() {
            return;
        }
        if let Some((bytes, utf8)) = long_bytes(value) {
            *value = self.excerpt(bytes, utf8, side, &rel, other, field).into_value();
            return;
        }
        match value {
            Value::Array(items) if items.len() > LONG_ARRAY => {
                let items = std::mem::take(items);
                *value = self.items(items, side, &rel, other.and_then(Value::as_array)).into_value();
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let other = other.and_then(|o| o.get(index));
                    self.value(item, side, format!("{rel}[{index}]"), other, None);
                }
            }
            Value::Object(object) => {
                for (key, item) in object.iter_mut() {
                    let other = other.and_then(|o| o.get(key));
                    self.value(item, side, format!("{rel}.{key}"), other, Some(key));
                }
            }
            _ => {}
        }
    }

    fn excerpt(
        &mut self,
        bytes: Vec<u8>,
        utf8: bool,
        side: Side,
        rel: &str,
        other: Option<&Value>,
        field: Option<&str>,
    ) -> Shown {
        let path = format!("{}{rel}", side.name());
        let sha256 = sha256_hex(&bytes);
        let file = self.keep(&sha256, "bin", &bytes);
        if let Some(first) = self.seen.get(&sha256) {
            let same_as = Some(first.clone());
            return Shown::Bytes(Excerpt {
                bytes: bytes.len(),
                sha256,
                utf8,
                head: String::new(),
                tail: String::new(),
                first_difference: None,
                same_as,
                file,
            });
        }
        self.seen.insert(sha256.clone(), path.clone());
        // The counterpart: the same path on the other side, or else the first
        // long string under the same field name.
        let counterpart = match other.and_then(any_bytes) {
            Some(theirs) => Some((format!("{}{rel}", side.other().name()), theirs)),
            None => field
                .and_then(|f| self.by_field.get(f))
                .filter(|(at, _)| *at != path)
                .map(|(at, theirs)| (at.clone(), theirs.clone())),
        };
        if let Some(field) = field {
            self.by_field.entry(field.to_owned()).or_insert_with(|| (path.clone(), bytes.clone()));
        }
        let first_difference = counterpart.and_then(|(vs, theirs)| {
            let offset = bytes.iter().zip(&theirs).position(|(a, b)| a != b);
            let offset = match offset {
                Some(offset) => offset,
                None if bytes.len() == theirs.len() => return None,
                None => bytes.len().min(theirs.len()),
            };
            let (at, end) = window(&bytes, utf8, offset.saturating_sub(BEFORE), offset + AFTER);
            Some(Difference { offset, vs, at, hex: hex(&bytes[at..end]), text: as_text(&bytes[at..end]) })
        });
        let (_, head_end) = window(&bytes, utf8, 0, HEAD);
        let (tail_start, _) = window(&bytes, utf8, bytes.len().saturating_sub(TAIL), bytes.len());
        Shown::Bytes(Excerpt {
            bytes: bytes.len(),
            utf8,
            head: as_text(&bytes[..head_end]),
            tail: as_text(&bytes[tail_start..]),
            sha256,
            first_difference,
            same_as: None,
            file,
        })
    }

    fn items(&mut self, mut items: Vec<Value>, side: Side, rel: &str, other: Option<&Vec<Value>>) -> Shown {
        let json = serde_json::to_vec(&items).unwrap_or_default();
        let sha256 = sha256_hex(&json);
        let file = self.keep(&sha256, "json", &json);
        let count = items.len();
        if let Some(first) = self.seen.get(&sha256) {
            let same_as = Some(first.clone());
            return Shown::Items(Items {
                items: count,
                sha256,
                first: Vec::new(),
                last: Vec::new(),
                first_difference: None,
                same_as,
                file,
            });
        }
        self.seen.insert(sha256.clone(), format!("{}{rel}", side.name()));
        let index =
            other.and_then(|theirs| match items.iter().zip(theirs.iter()).position(|(a, b)| a != b) {
                Some(index) => Some(index),
                None if theirs.len() == count => None,
                None => Some(count.min(theirs.len())),
            });
        let last_from = count - LAST_ITEMS.min(count);
        let compacted = |walk: &mut Self, index: usize, item: &mut Value| {
            let theirs = other.and_then(|o| o.get(index));
            let mut item = std::mem::take(item);
            walk.value(&mut item, side, format!("{rel}[{index}]"), theirs, None);
            item
        };
        // In the order they are shown, so that `same_as` points backwards.
        let first: Vec<Value> =
            (0..FIRST_ITEMS.min(count)).map(|i| compacted(self, i, &mut items[i])).collect();
        let first_difference = index.map(|index| {
            let item = (index >= FIRST_ITEMS && index < last_from && index < count)
                .then(|| compacted(self, index, &mut items[index]));
            ItemDifference { index, vs: format!("{}{rel}", side.other().name()), item }
        });
        let last: Vec<Value> =
            (last_from.max(FIRST_ITEMS)..count).map(|i| compacted(self, i, &mut items[i])).collect();
        Shown::Items(Items { items: count, sha256, first, last, first_difference, same_as: None, file })
    }

    /// With `--keep-bytes`: keeps `bytes` as `bytes/<sha256>.<extension>`.
    fn keep(&mut self, sha256: &str, extension: &str, bytes: &[u8]) -> Option<String> {
        let kept = self.kept.as_deref_mut()?;
        let name = format!("bytes/{sha256}.{extension}");
        kept.entry(name.clone()).or_insert_with(|| bytes.to_vec());
        Some(name)
    }
}

/// A string longer than [`LONG_STRING`], or `{"hex": ...}` holding more bytes
/// than that, as bytes (and whether they are UTF-8).
fn long_bytes(value: &mut Value) -> Option<(Vec<u8>, bool)> {
    match value {
        Value::String(text) if text.len() > LONG_STRING => Some((std::mem::take(text).into_bytes(), true)),
        Value::Object(_) => {
            let bytes = hex_body(value).filter(|bytes| bytes.len() > LONG_STRING)?;
            Some((bytes, false))
        }
        _ => None,
    }
}

/// `{"hex": "..."}`, the form of a body that is not UTF-8, as bytes.
pub fn hex_body(value: &Value) -> Option<Vec<u8>> {
    let object = value.as_object()?;
    if object.len() != 1 {
        return None;
    }
    from_hex(object.get("hex")?.as_str()?)
}

/// The bytes of a string or a `{"hex": ...}` body, to compare with.
fn any_bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(text) => Some(text.as_bytes().to_vec()),
        other => hex_body(other),
    }
}

/// `[start, end)` clamped to `bytes`, widened to character boundaries when
/// the bytes are UTF-8.
fn window(bytes: &[u8], utf8: bool, start: usize, end: usize) -> (usize, usize) {
    let (start, end) = (start.min(bytes.len()), end.min(bytes.len()));
    match std::str::from_utf8(bytes) {
        Ok(text) if utf8 => (floor_boundary(text, start), ceil_boundary(text, end)),
        _ => (start, end),
    }
}

/// `bytes` as text, with U+FFFD for each sequence that is not UTF-8.
fn as_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn excerpt_at(value: &Value, pointer: &str) -> Excerpt {
        match Shown::of(value.pointer(pointer).unwrap_or(&Value::Null)) {
            Some(Shown::Bytes(excerpt)) => excerpt,
            other => panic!("{pointer}: {other:?} in {value}"),
        }
    }

    #[test]
    fn a_long_string_keeps_its_ends_and_its_first_difference() {
        let long = "ab".repeat(1000);
        let mut changed = long.clone();
        changed.replace_range(1500..1501, "Z");
        let (mut expected, mut observed) =
            (json!({"lines": [{"data": long}]}), json!({"lines": [{"data": changed}]}));
        compact_pair(&mut expected, &mut observed, None);
        let ours = excerpt_at(&expected, "/lines/0/data");
        assert_eq!((ours.bytes, ours.head.len(), ours.tail.len()), (2000, HEAD, TAIL));
        assert_eq!(ours.sha256, sha256_hex(long.as_bytes()));
        let difference = ours.first_difference.expect("they differ");
        assert_eq!(
            (difference.offset, difference.at, difference.vs.as_str()),
            (1500, 1492, "observed.lines[0].data")
        );
        assert_eq!(difference.text, &long[1492..1524]);
        let theirs = excerpt_at(&observed, "/lines/0/data").first_difference.expect("they differ");
        assert!(theirs.text.starts_with("abababab") && theirs.text[8..].starts_with('Z'), "{theirs:?}");
        assert_eq!(&theirs.hex[16..18], "5a");
    }

    #[test]
    fn compaction_is_idempotent_and_dedupes() {
        let long = "x".repeat(5000);
        let mut expected = json!({"data": long});
        let mut observed = json!({"published": {"data": long}, "received": [[{"data": format!("\"{long}\"")}], [{"data": format!("\"{long}\"")}]]});
        compact_pair(&mut expected, &mut observed, None);
        assert_eq!(excerpt_at(&observed, "/published/data").same_as.as_deref(), Some("expected.data"));
        let received = excerpt_at(&observed, "/received/0/0/data");
        let difference = received.first_difference.expect("compared by field name");
        assert_eq!((difference.offset, difference.vs.as_str()), (0, "expected.data"));
        assert_eq!(
            excerpt_at(&observed, "/received/1/0/data").same_as.as_deref(),
            Some("observed.received[0][0].data")
        );
        let (again_expected, again_observed) = (expected.clone(), observed.clone());
        compact_pair(&mut expected, &mut observed, None);
        assert_eq!((expected, observed), (again_expected, again_observed));
    }

    #[test]
    fn a_long_array_keeps_its_ends_and_its_first_differing_item() {
        let ours: Vec<Value> = (0..100).map(|i| json!({"n": i})).collect();
        let mut theirs = ours.clone();
        theirs[50] = json!({"n": "fifty"});
        let (mut expected, mut observed) = (json!({"lines": ours}), json!({"lines": theirs}));
        let mut kept = KeptBytes::new();
        compact_pair(&mut expected, &mut observed, Some(&mut kept));
        let Some(Shown::Items(items)) = Shown::of(&observed["lines"]) else { panic!("{observed}") };
        assert_eq!((items.items, items.first.len(), items.last.len()), (100, FIRST_ITEMS, LAST_ITEMS));
        let difference = items.first_difference.expect("they differ");
        assert_eq!((difference.index, difference.item), (50, Some(json!({"n": "fifty"}))));
        assert_eq!(kept.len(), 2, "both arrays kept whole beside the report");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_compared_as_bytes() {
        let mut bytes = vec![0xff; 600];
        let mut expected = json!({"body": {"hex": hex(&bytes)}});
        bytes[599] = 0;
        let mut observed = json!({"body": {"hex": hex(&bytes)}});
        compact_pair(&mut expected, &mut observed, None);
        let excerpt = excerpt_at(&observed, "/body");
        assert!(!excerpt.utf8);
        let difference = excerpt.first_difference.expect("they differ");
        assert_eq!((difference.offset, difference.at), (599, 591));
        assert!(difference.hex.ends_with("ff00"), "{difference:?}");
    }

    #[test]
    fn long_messages_keep_their_words_and_the_ends_of_long_values() {
        let value = "é".repeat(5000);
        let mut message = format!(
            "event line 2 differs: expected {{\"data\":\"{value}\"}}, observed nothing; made 38 request(s)"
        );
        shorten_message(&mut message);
        assert!(message.len() < 250, "{message}");
        assert!(message.starts_with("event line 2 differs: expected {\"data\":\"éé"), "{message}");
        assert!(message.ends_with("éé\"}, observed nothing; made 38 request(s)"), "{message}");
        assert!(message.contains(" bytes, sha256 "), "{message}");
        let again = message.clone();
        shorten_message(&mut message);
        assert_eq!(message, again, "idempotent");
        let mut words = "word ".repeat(2000);
        shorten_message(&mut words);
        assert!(
            words.len() < LONG_MESSAGE && words.starts_with("word word") && words.ends_with("word "),
            "{words}"
        );
        let ordinary = "event line 2 differs: expected {\"data\":\"a\\nb\",\"kind\":\"event\",\"lastEventId\":\"1\",\"type\":\"e\"}, observed {\"data\":\"\",\"kind\":\"event\",\"lastEventId\":\"\",\"type\":\"message\"} (2 expected, 13 observed in all)";
        let mut kept = ordinary.to_owned();
        shorten_message(&mut kept);
        assert_eq!(kept, ordinary, "ordinary messages are kept whole");
    }
}
