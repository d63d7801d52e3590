//! `cargo xtask bench`: every parser over every workload, at base size and
//! (spec-impl only) ten times it, for the linearity check.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn parsers(c: &mut Criterion) {
    for workload in bench::workloads(1) {
        let mut group = c.benchmark_group(workload.name);
        group.throughput(Throughput::Bytes(workload.len() as u64));
        for (name, parse) in bench::PARSERS {
            // Each parser must see the workload's events (memchr counts LFs).
            if *name != "memchr-lf" {
                assert_eq!(parse(&workload.chunks), workload.events, "{name} on {}", workload.name);
            }
            group.bench_with_input(BenchmarkId::from_parameter(name), &workload.chunks, |b, chunks| {
                b.iter(|| parse(chunks));
            });
        }
        group.finish();
    }
    for workload in bench::workloads(10) {
        let mut group = c.benchmark_group(format!("{}x10", workload.name));
        group.throughput(Throughput::Bytes(workload.len() as u64));
        group.sample_size(10);
        group.bench_with_input(BenchmarkId::from_parameter("spec-impl"), &workload.chunks, |b, chunks| {
            b.iter(|| bench::spec_impl(chunks));
        });
        group.finish();
    }
}

criterion_group!(benches, parsers);
criterion_main!(benches);
