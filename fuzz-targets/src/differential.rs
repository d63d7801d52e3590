//! `differential`: the same bytes through spec-impl and through each peer
//! parser (`peers`), compared event by event. A difference is explained by
//! the first known class that makes it vanish: each class removes one
//! feature from the input (invalid UTF-8, BOMs, lone CRs, ...) or ignores one
//! part of the events, and names the step of the standard that decides who
//! is right. A difference no class explains is a finding: the target panics
//! so the fuzzer keeps the input.

use serde::Serialize;

use crate::Chunked;
use crate::peers::{self, Event, Output, PEERS};

/// A known kind of difference between a peer and the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Class {
    /// Short name.
    pub name: &'static str,
    /// What the peer does.
    pub description: &'static str,
    /// The step of the standard that decides (a citation key).
    pub spec: &'static str,
}

/// The classes, in the order they are tried. Each `Normalize` class is
/// applied on top of the ones before it.
const CLASSES: &[(Class, Remedy)] = &[
    (
        Class {
            name: "chunking",
            description: "the peer's output depends on how the bytes are cut into chunks",
            spec: "#event-stream-interpretation \"line by line\"",
        },
        Remedy::Whole,
    ),
    (
        Class {
            name: "invalid-utf8",
            description: "the peer stops at or mangles invalid UTF-8; the standard decodes it with U+FFFD",
            spec: "#event-stream-interpretation \"UTF-8 decode\"",
        },
        Remedy::Normalize(|bytes| String::from_utf8_lossy(bytes).into_owned().into_bytes()),
    ),
    (
        Class {
            name: "bom",
            description: "the peer strips a BOM the standard keeps, or keeps the leading one it strips",
            spec: "#event-stream-interpretation \"strips one leading BOM\"",
        },
        // The leading BOM goes; any other becomes a plain letter, so no line
        // changes its shape (a BOM-only line must not turn blank).
        Remedy::Normalize(|bytes| {
            let text = String::from_utf8_lossy(bytes);
            text.strip_prefix('\u{FEFF}').unwrap_or(&text).replace('\u{FEFF}', "B").into_bytes()
        }),
    ),
    (
        Class {
            name: "lone-cr",
            description: "the peer does not end a line at a lone CR",
            spec: "#event-stream-interpretation \"line by line\"",
        },
        Remedy::Normalize(|bytes| {
            let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n").replace('\r', "\n");
            text.into_bytes()
        }),
    ),
    (
        Class {
            name: "nul",
            description: "the peer treats U+0000 differently (an id with NULL is ignored by the standard)",
            spec: "#processField \"id\"",
        },
        Remedy::Normalize(|bytes| replace(bytes, "\0", "N")),
    ),
    (
        Class {
            name: "field-without-colon",
            description: "the peer ignores a line that is only a field name; the standard reads it with an empty value",
            spec: "#event-stream-interpretation \"does not contain a U+003A COLON\"",
        },
        Remedy::Normalize(|bytes| {
            map_lines(bytes, |line| {
                if line.contains(':') {
                    line.to_owned()
                } else if line.is_empty() {
                    String::new()
                } else {
                    format!("{line}:")
                }
            })
        }),
    ),
    (
        Class {
            name: "value-space",
            description: "the peer does not remove exactly one space after the colon of some field",
            spec: "#event-stream-interpretation \"U+0020 SPACE character, remove it\"",
        },
        Remedy::Normalize(|bytes| {
            map_lines(bytes, |line| match line.split_once(':') {
                Some((name, value)) if !name.is_empty() => {
                    format!("{name}:{}", value.strip_prefix(' ').unwrap_or(value).trim_start_matches(' '))
                }
                _ => line.to_owned(),
            })
        }),
    ),
    (
        Class {
            name: "end-of-file",
            description: "the peer dispatches an event the stream ended in, without its blank line",
            spec: "#event-stream-interpretation \"end of the file\"",
        },
        Remedy::Normalize(|bytes| [bytes, b"\n\n"].concat()),
    ),
    (
        Class {
            name: "last-event-id",
            description: "the peer reports another lastEventId (the block's id, or it keeps an id the standard ignores)",
            spec: "#dispatchMessage step 1",
        },
        Remedy::Ignore(|event| Event { last_event_id: String::new(), ..event.clone() }),
    ),
    (
        Class {
            name: "event-type",
            description: "the peer reports another event type (an empty or odd `event` field)",
            spec: "#dispatchMessage step 5",
        },
        Remedy::Ignore(|event| Event { r#type: String::new(), ..event.clone() }),
    ),
    (
        Class {
            name: "retry",
            description: "a retry field changes which events the peer dispatches",
            spec: "#processField \"retry\"",
        },
        Remedy::Normalize(|bytes| {
            map_lines(bytes, |line| if line.starts_with("retry") { ":".to_owned() } else { line.to_owned() })
        }),
    ),
];

/// How a class makes its difference vanish.
#[derive(Debug, Clone, Copy)]
enum Remedy {
    /// Feed the whole input as one chunk.
    Whole,
    /// Remove a feature from the input.
    Normalize(fn(&[u8]) -> Vec<u8>),
    /// Compare events without one part.
    Ignore(fn(&Event) -> Event),
}

fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    String::from_utf8_lossy(bytes).replace(from, to).into_bytes()
}

/// Applies `map` to every line (ended by LF) of already-normalized text.
fn map_lines(bytes: &[u8], map: impl Fn(&str) -> String) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(&map(line));
        if lines.peek().is_some() {
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// One difference between a peer and spec-impl.
#[derive(Debug, Clone, Serialize)]
pub struct Divergence {
    /// The peer.
    pub peer: &'static str,
    /// The class that explains it; `None`: unexplained.
    pub class: Option<Class>,
    /// What spec-impl dispatched.
    pub expected: Output,
    /// What the peer dispatched.
    pub observed: Output,
}

/// Every peer's difference from spec-impl on `input`, classified.
pub fn compare(input: &Chunked) -> Vec<Divergence> {
    let expected = peers::spec_impl(&[&input.body]);
    let mut divergences = Vec::new();
    for (peer, shim) in PEERS {
        let observed = shim(&input.chunks());
        if observed == expected {
            continue;
        }
        let class = classify(*shim, &input.body);
        divergences.push(Divergence { peer, class, expected: expected.clone(), observed });
    }
    divergences
}

fn classify(shim: fn(&[&[u8]]) -> Output, body: &[u8]) -> Option<Class> {
    let mut body = body.to_vec();
    let mut ignores: Vec<fn(&Event) -> Event> = Vec::new();
    for (class, remedy) in CLASSES {
        match remedy {
            Remedy::Whole => {}
            Remedy::Normalize(normalize) => body = normalize(&body),
            Remedy::Ignore(ignore) => ignores.push(*ignore),
        }
        let strip = |output: Output| -> Vec<Event> {
            output
                .events
                .iter()
                .map(|event| ignores.iter().fold(event.clone(), |e, ignore| ignore(&e)))
                .collect()
        };
        let observed = shim(&[&body]);
        if observed.error.is_none() && strip(observed) == strip(peers::spec_impl(&[&body])) {
            return Some(*class);
        }
    }
    None
}

/// Runs one input; panics on a difference no class explains.
pub fn run(data: &[u8]) {
    let input = Chunked::from_bytes(data);
    for divergence in compare(&input) {
        assert!(
            divergence.class.is_some(),
            "{} differs from spec-impl on {:?} (chunks {:?}), and no known class explains it:\nspec-impl: {:?}\npeer:      {:?}",
            divergence.peer,
            String::from_utf8_lossy(&input.body),
            input.chunks().iter().map(|c| c.len()).collect::<Vec<_>>(),
            divergence.expected,
            divergence.observed
        );
    }
}

/// The smallest input found by removing pieces of `input` (halves, then
/// smaller windows, down to single bytes) while `peer` still differs in the
/// same `class`; the cuts are dropped when the difference does not need them.
pub fn minimize(input: &Chunked, peer: &str, class: &str) -> Chunked {
    let same = |candidate: &Chunked| {
        compare(candidate).iter().any(|d| d.peer == peer && d.class.is_some_and(|c| c.name == class))
    };
    let mut best = input.clone();
    let whole = Chunked { cuts: Vec::new(), body: best.body.clone() };
    if same(&whole) {
        best = whole;
    }
    let mut window = best.body.len().div_ceil(2).max(1);
    loop {
        let mut start = 0;
        while start < best.body.len() {
            let end = (start + window).min(best.body.len());
            let candidate =
                Chunked { cuts: best.cuts.clone(), body: [&best.body[..start], &best.body[end..]].concat() };
            if same(&candidate) {
                best = candidate;
            } else {
                start += window;
            }
        }
        if window == 1 {
            return best;
        }
        window = window.div_ceil(2);
    }
}

/// `bytes` as a Rust byte string's contents: printable ASCII as itself,
/// everything else escaped.
pub fn escape_bytes(bytes: &[u8]) -> String {
    bytes.iter().flat_map(|b| std::ascii::escape_default(*b)).map(char::from).collect()
}
