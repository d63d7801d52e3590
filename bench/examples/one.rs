//! One parser over one workload, many times: for `perf record`.
//! `cargo run --profile bench -p bench --example one PARSER WORKLOAD [TIMES]`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parser = bench::PARSERS.iter().find(|(name, _)| *name == args[0]).expect("a parser name");
    let workload = bench::workloads(1).into_iter().find(|w| w.name == args[1]).expect("a workload name");
    let times: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(200);
    for _ in 0..times {
        std::hint::black_box((parser.1)(std::hint::black_box(&workload.chunks)));
    }
}
