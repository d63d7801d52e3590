//! Interleaved rounds, paired medians: in each round every parser parses the
//! workload once, in turn, so a slow moment of the machine hits them all
//! alike; the ratio of each peer's time to spec-impl's in the same round is
//! taken, and the median of those ratios over the rounds reported. This is
//! the second opinion `cargo xtask bench` prints beside criterion's means.
//!
//! `cargo run --profile bench -p bench --example paired [ROUNDS] [WORKLOAD]`
//! prints one line a workload and peer: `W1<TAB>sse-core<TAB>1.39`.

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(30).max(1);
    let only = args.next();
    for workload in bench::workloads(1) {
        if only.as_deref().is_some_and(|name| name != workload.name) {
            continue;
        }
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); bench::PARSERS.len()];
        for _ in 0..rounds {
            for (index, (_, parse)) in bench::PARSERS.iter().enumerate() {
                let start = Instant::now();
                std::hint::black_box(parse(std::hint::black_box(&workload.chunks)));
                times[index].push(start.elapsed());
            }
        }
        for (index, (name, _)) in bench::PARSERS.iter().enumerate().skip(1) {
            let mut ratios: Vec<f64> = times[0]
                .iter()
                .zip(&times[index])
                .map(|(ours, theirs)| theirs.as_secs_f64() / ours.as_secs_f64().max(1e-12))
                .collect();
            ratios.sort_by(f64::total_cmp);
            println!("{}\t{name}\t{:.3}", workload.name, ratios[ratios.len() / 2]);
        }
    }
}
