//! Interleaved rounds, paired medians: every parser once per round, in turn,
//! so a slow moment of the machine hits them all. Prints, per workload, the
//! median over rounds of (peer's time / spec-impl's time) for each peer.
//! `cargo run --profile bench -p bench --example paired [ROUNDS] [WORKLOAD]`.

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(30);
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
        let mut line = format!("{}:", workload.name);
        for (index, (name, _)) in bench::PARSERS.iter().enumerate().skip(1) {
            let mut ratios: Vec<f64> = times[0]
                .iter()
                .zip(&times[index])
                .map(|(ours, theirs)| theirs.as_secs_f64() / ours.as_secs_f64())
                .collect();
            ratios.sort_by(f64::total_cmp);
            line.push_str(&format!(" {name} {:.2}x", ratios[ratios.len() / 2]));
        }
        let mut ours = times[0].clone();
        ours.sort();
        line.push_str(&format!("  (spec-impl median {:?})", ours[ours.len() / 2]));
        println!("{line}");
    }
}
