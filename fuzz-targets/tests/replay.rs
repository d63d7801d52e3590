//! Every committed corpus entry and regression (fuzz/corpus/TARGET/,
//! fuzz/regressions/TARGET/) through the same functions the fuzzers run, on
//! stable; and every parse fixture, as a seed, through parse and
//! differential (whole, and cut one byte at a time).

use std::path::Path;

use fuzz_targets::{Chunked, TARGETS};

fn entries(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut entries: Vec<_> = read
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .map(|entry| {
            let bytes = std::fs::read(entry.path()).expect("a corpus file");
            (entry.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn committed_corpora_and_regressions_replay() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for (name, run) in TARGETS {
        for folder in ["corpus", "regressions"] {
            for (file, bytes) in entries(&fuzz.join(folder).join(name)) {
                let result = std::panic::catch_unwind(|| run(&bytes));
                assert!(result.is_ok(), "{folder}/{name}/{file} fails its target");
                replayed += 1;
            }
        }
    }
    println!("replayed {replayed} committed inputs");
}

#[test]
fn every_parse_fixture_is_a_seed() {
    for case in fixtures::parse_cases().expect("the corpus") {
        for cuts in [vec![], vec![1; case.bytes.len().min(255)]] {
            let input = Chunked { cuts, body: case.bytes.clone() }.to_bytes();
            for (name, run) in TARGETS.iter().filter(|(name, _)| matches!(*name, "parse" | "differential")) {
                let result = std::panic::catch_unwind(|| run(&input));
                assert!(result.is_ok(), "{} fails {name}", case.id);
            }
        }
    }
}

#[test]
fn chunked_inputs_round_trip() {
    let input = Chunked { cuts: vec![3, 0, 6], body: b"data: a\r\n\r\n".to_vec() };
    assert_eq!(Chunked::from_bytes(&input.to_bytes()), input);
    assert_eq!(input.chunks(), [&b"dat"[..], b"a", b": a\r\n\r", b"\n"]);
    assert_eq!(Chunked::from_bytes(&[]), Chunked { cuts: vec![], body: vec![] });
}
