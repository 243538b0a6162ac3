//! Merging three directories of 10,000 groups each (`groupmatch directory merge`, issue 18's
//! target: under 2 s): prefixing ids, finding likely duplicates through the grid, merging them and
//! flagging stale listings.
//!
//! Each directory is the embedded one (real meetings of the Philadelphia area, several sessions,
//! some online) repeated: the Nth copy moved N km north, its online groups given a joining link
//! of their own, so copies are not alike. The second and third directories list every other
//! group of the first at the same place (the same meetings, listed twice or three times), and
//! the rest 30 km east. Built outside the timed closure, and cloned for each run.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use groupmatch::directory::merge::{merge_directories, MergeInput, MergeOptions};
use groupmatch::{embedded_groups, GeoPoint};

const GROUPS: usize = 10_000;

/// Directory `k` of the merge: `size` groups.
fn directory(k: usize, size: usize) -> MergeInput {
    let embedded = embedded_groups();
    let groups = (0..size)
        .map(|i| {
            let mut g = embedded[i % embedded.len()].clone();
            let copy = i / embedded.len();
            g.id = format!("{}-{copy}", g.id);
            let east = if k > 0 && (i + k) % 2 == 1 { 0.35 } else { 0.0 };
            g.location = g.location.map(|p| {
                GeoPoint::new(p.latitude + copy as f64 * 0.009, p.longitude + east).unwrap()
            });
            if g.location.is_none() {
                g.join_url = Some(format!("https://example.org/{}/{copy}", g.id));
            }
            g
        })
        .collect();
    MergeInput {
        name: format!("d{k}"),
        label: format!("d{k}.csv"),
        groups,
    }
}

fn merge(c: &mut Criterion) {
    let inputs: Vec<MergeInput> = (0..3).map(|k| directory(k, GROUPS)).collect();
    let options = MergeOptions::new("2026-11-26".parse().unwrap());
    let mut group = c.benchmark_group("merge_directories");
    group.sample_size(10);
    group.bench_function(BenchmarkId::from_parameter("3x10000"), |b| {
        b.iter_batched(
            || inputs.clone(),
            |inputs| {
                let merged = merge_directories(inputs, &options).unwrap();
                let report = &merged.report;
                assert_eq!(merged.groups.len() + report.duplicates.len(), 3 * GROUPS);
                assert!(
                    report.duplicates.len() > GROUPS / 2,
                    "{}",
                    report.duplicates.len()
                );
                merged
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, merge);
criterion_main!(benches);
