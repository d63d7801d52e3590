//! What report.md, report.html and junit.xml show of a case's expected and
//! observed data: where the two first part, the long values (excerpts) with
//! their first difference, and short renderings of values.

use std::fmt::Write as _;

use serde_json::Value;

use super::excerpt::{Excerpt, Items, SHORT_HASH, Shown};

/// Where a case's expected and observed data first part: the first path (in
/// key order) whose values differ, looking only at the keys both sides have;
/// a missing item of an array is `None`.
#[derive(Debug)]
pub struct FirstDifference<'a> {
    /// `lines[1].data`; empty for the whole value.
    pub path: String,
    /// The expected value there.
    pub expected: Option<&'a Value>,
    /// The observed value there.
    pub observed: Option<&'a Value>,
    /// When the path goes through arrays: the innermost one's items around
    /// the differing one, on both sides.
    pub items: Option<ItemsAround<'a>>,
}

/// The items of an array around the first difference.
#[derive(Debug)]
pub struct ItemsAround<'a> {
    /// The array's path (`lines`).
    pub path: String,
    /// The index of the first item shown.
    pub from: usize,
    /// Expected items from `from`.
    pub expected: &'a [Value],
    /// Observed items from `from`.
    pub observed: &'a [Value],
}

impl FirstDifference<'_> {
    /// Whether it is between long strings, which the long values show.
    pub fn at_long_strings(&self) -> bool {
        [self.expected, self.observed].iter().any(|v| matches!(v.and_then(Shown::of), Some(Shown::Bytes(_))))
    }
}

/// The first and last bytes of the excerpts shown so far in a case, with
/// where: a pair of long strings that differ in the middle has the same ends.
#[derive(Debug, Default)]
pub struct EndsShown(Vec<(String, String, String)>);

impl EndsShown {
    /// The path of an excerpt already shown with the same ends as `excerpt`;
    /// else remembers `excerpt` at `path`.
    pub fn same_as(&mut self, excerpt: &Excerpt, path: &str) -> Option<String> {
        let found = self.0.iter().find(|(head, tail, _)| *head == excerpt.head && *tail == excerpt.tail);
        if let Some((_, _, first)) = found {
            return Some(first.clone());
        }
        self.0.push((excerpt.head.clone(), excerpt.tail.clone(), path.to_owned()));
        None
    }
}

/// Items shown before the differing one.
const ITEMS_BEFORE: usize = 1;
/// Items shown from the differing one on.
const ITEMS_FROM: usize = 2;

/// The first difference of `expected` and `observed`, if they share a
/// structure (both objects or both arrays) and differ in it.
pub fn first_difference<'a>(expected: &'a Value, observed: &'a Value) -> Option<FirstDifference<'a>> {
    match (expected, observed) {
        (Value::Object(_), Value::Object(_)) | (Value::Array(_), Value::Array(_)) => {
            walk(expected, observed, String::new())
        }
        _ => None,
    }
}

fn walk<'a>(expected: &'a Value, observed: &'a Value, path: String) -> Option<FirstDifference<'a>> {
    if expected == observed {
        return None;
    }
    let here = |path| {
        Some(FirstDifference { path, expected: Some(expected), observed: Some(observed), items: None })
    };
    match (Shown::of(expected), Shown::of(observed)) {
        (None, None) => {}
        (Some(ours), Some(theirs)) if sha256(&ours) == sha256(&theirs) => return None,
        _ => return here(path),
    }
    match (expected, observed) {
        (Value::Object(ours), Value::Object(theirs)) => ours.iter().find_map(|(key, value)| {
            let inner = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            theirs.get(key).and_then(|other| walk(value, other, inner))
        }),
        (Value::Array(ours), Value::Array(theirs)) => {
            let common = ours.len().min(theirs.len());
            let found = (0..common)
                .find_map(|i| walk(&ours[i], &theirs[i], format!("{path}[{i}]")).map(|found| (i, found)))
                .or_else(|| {
                    (ours.len() != theirs.len()).then(|| {
                        let found = FirstDifference {
                            path: format!("{path}[{common}]"),
                            expected: ours.get(common),
                            observed: theirs.get(common),
                            items: None,
                        };
                        (common, found)
                    })
                });
            found.map(|(index, mut found)| {
                if found.items.is_none() {
                    let from = index.saturating_sub(ITEMS_BEFORE);
                    let around = |items: &'a [Value]| {
                        &items[from.min(items.len())..(index + ITEMS_FROM).min(items.len())]
                    };
                    found.items = Some(ItemsAround {
                        path: path.clone(),
                        from,
                        expected: around(ours),
                        observed: around(theirs),
                    });
                }
                found
            })
        }
        _ => here(path),
    }
}

fn sha256(shown: &Shown) -> &str {
    match shown {
        Shown::Bytes(excerpt) => &excerpt.sha256,
        Shown::Items(items) => &items.sha256,
    }
}

/// Every excerpt in `value` (found under `side`, `expected` or `observed`),
/// with its path, in key order; excerpts inside an array excerpt's kept items
/// too.
pub fn long_values(value: &Value, side: &str) -> Vec<(String, Shown)> {
    fn find(value: &Value, path: String, found: &mut Vec<(String, Shown)>) {
        if let Some(shown) = Shown::of(value) {
            if let Shown::Items(items) = &shown {
                let last_from = items.items - items.last.len();
                let kept =
                    items.first.iter().enumerate().chain(
                        items.first_difference.iter().filter_map(|d| Some((d.index, d.item.as_ref()?))),
                    );
                for (index, item) in
                    kept.chain(items.last.iter().enumerate().map(|(i, v)| (last_from + i, v)))
                {
                    find(item, format!("{path}[{index}]"), found);
                }
            }
            found.push((path, shown));
            return;
        }
        match value {
            Value::Object(object) => {
                for (key, item) in object {
                    find(item, format!("{path}.{key}"), found);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    find(item, format!("{path}[{index}]"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    find(value, side.to_owned(), &mut found);
    found
}

/// One line for the excerpt at `path`: its length and hash, and where it
/// first differs (and from what, unless from the same path on the other
/// side).
pub fn describe(path: &str, shown: &Shown) -> String {
    match shown {
        Shown::Bytes(Excerpt { bytes, sha256, utf8, same_as, first_difference, .. }) => {
            let mut line =
                format!("{bytes} bytes{}, sha256 {}", if *utf8 { "" } else { " (not UTF-8)" }, short(sha256));
            match (same_as, first_difference) {
                (Some(first), _) => {
                    let _ = write!(line, ", the same bytes as {first}");
                }
                (None, Some(difference)) => {
                    let _ = write!(
                        line,
                        "; first difference at byte {}{}",
                        difference.offset,
                        vs(path, &difference.vs)
                    );
                }
                (None, None) => {}
            }
            line
        }
        Shown::Items(Items { items, sha256, same_as, first_difference, .. }) => {
            let mut line = format!("{items} items, sha256 {}", short(sha256));
            match (same_as, first_difference) {
                (Some(first), _) => {
                    let _ = write!(line, ", the same items as {first}");
                }
                (None, Some(difference)) => {
                    let _ = write!(
                        line,
                        "; first difference at item {}{}",
                        difference.index,
                        vs(path, &difference.vs)
                    );
                }
                (None, None) => {}
            }
            line
        }
    }
}

/// ` (vs PATH)`, unless `vs` is `path` on the other side.
fn vs(path: &str, vs: &str) -> String {
    let split = |p: &str| {
        p.split_once(['.', '['])
            .map_or((p.to_owned(), String::new()), |(side, rest)| (side.to_owned(), rest.to_owned()))
    };
    let ((our_side, ours), (their_side, theirs)) = (split(path), split(vs));
    if ours == theirs && our_side != their_side { String::new() } else { format!(" (vs {vs})") }
}

/// The first digits of a SHA-256.
pub fn short(sha256: &str) -> &str {
    sha256.get(..SHORT_HASH).unwrap_or(sha256)
}

/// `value` as compact JSON, cut after `limit` bytes, with each excerpt in it
/// as a string naming its length and hash; a missing value as `(none)`.
pub fn brief(value: Option<&Value>, limit: usize) -> String {
    fn marked(value: &Value) -> Value {
        match (Shown::of(value), value) {
            (Some(Shown::Bytes(excerpt)), _) => {
                Value::String(format!("<{} bytes, sha256 {}>", excerpt.bytes, short(&excerpt.sha256)))
            }
            (Some(Shown::Items(items)), _) => {
                Value::String(format!("<{} items, sha256 {}>", items.items, short(&items.sha256)))
            }
            (None, Value::Array(items)) => Value::Array(items.iter().map(marked).collect()),
            (None, Value::Object(object)) => {
                Value::Object(object.iter().map(|(key, item)| (key.clone(), marked(item))).collect())
            }
            (None, other) => other.clone(),
        }
    }
    let Some(value) = value else { return "(none)".to_owned() };
    let text = marked(value).to_string();
    if text.len() > limit {
        let cut = super::excerpt::floor_boundary(&text, limit);
        format!("{} … ({} bytes)", &text[..cut], text.len())
    } else {
        text
    }
}

/// `value` as JSON with each top-level field (or item) on its own line and
/// the rest compact: short enough to read, long enough to diff by eye.
pub fn by_field(value: &Value) -> String {
    match value {
        Value::Object(object) if !object.is_empty() => {
            let fields: Vec<String> = object
                .iter()
                .map(|(key, value)| format!("  {}: {value}", Value::String(key.clone())))
                .collect();
            format!("{{\n{}\n}}", fields.join(",\n"))
        }
        Value::Array(items) if !items.is_empty() => {
            let items: Vec<String> = items.iter().map(|item| format!("  {item}")).collect();
            format!("[\n{}\n]", items.join(",\n"))
        }
        other => other.to_string(),
    }
}

/// A hex dump of `bytes`, which start at `offset`: rows of 16 bytes, each
/// as its offset, the bytes in hex and as printable ASCII ('.' for the rest).
pub fn hex_rows(bytes: &[u8], offset: usize) -> Vec<(String, String, String)> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(row, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk
                .iter()
                .map(|&b| if b.is_ascii_graphic() || b == b' ' { char::from(b) } else { '.' })
                .collect();
            (format!("{:08x}", offset + row * 16), hex.join(" "), ascii)
        })
        .collect()
}

/// The bytes of a difference's window (hex), or nothing if it is not hex.
pub fn window_bytes(excerpt: &Excerpt) -> Option<(usize, Vec<u8>)> {
    let difference = excerpt.first_difference.as_ref()?;
    Some((difference.at, super::excerpt::from_hex(&difference.hex)?))
}

/// A text as a JSON string: every byte visible (`\r`, `\n`, `\u0000`).
pub fn quoted(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// Spec keys grouped by anchor, in order of first appearance, each with the
/// words its keys quote: `#processField` with `"event"`, `"id"`.
pub fn spec_by_anchor(keys: &[String]) -> Vec<(&str, Vec<&str>)> {
    let mut anchors: Vec<(&str, Vec<&str>)> = Vec::new();
    for key in keys {
        let (anchor, words) = key.split_once(' ').unwrap_or((key, ""));
        let words = Some(words).filter(|w| !w.is_empty());
        match anchors.iter_mut().find(|(a, _)| *a == anchor) {
            Some((_, all)) => all.extend(words),
            None => anchors.push((anchor, words.into_iter().collect())),
        }
    }
    anchors
}

/// Whether `text` is all printable ASCII (then a hex dump's ASCII column
/// already shows it).
pub fn plain_ascii(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
}
