//! Importing 10,000 BMLT meetings (`groupmatch import bmlt`, issue 18's target: under a second):
//! reading the JSON, mapping every field and format, finding each room's time zone at its
//! coordinates, and merging the meetings of one group.
//!
//! The feed is the shared ABCD region sample (`../shared/data/external/bmlt/`, 244 meetings in
//! person with coordinates and no time zone) repeated, each copy's ids, group ids and names made
//! new so that copies do not merge, built in memory outside the timed closure. Without the
//! shared data, the hand-made fuzz seed `fuzz/corpus/bmlt/in-person.json` is repeated instead.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use groupmatch::formats::bmlt::{import_bmlt, ImportOptions};
use groupmatch::Fellowship;
use serde_json::Value;

const MEETINGS: usize = 10_000;

/// The sample's meetings repeated to `size`, the Nth copy's `id_bigint`, `worldid_mixed` and
/// `meeting_name` given the suffix N.
fn feed(size: usize) -> Vec<u8> {
    let root = env!("CARGO_MANIFEST_DIR");
    let shared =
        format!("{root}/../shared/data/external/bmlt/bmlt-bmlt-workflow-abcd-region-2x.json");
    let path = if std::path::Path::new(&shared).is_file() {
        shared
    } else {
        eprintln!("note: {shared} is not here: the fuzz seed is repeated instead");
        format!("{root}/fuzz/corpus/bmlt/in-person.json")
    };
    let sample: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let meetings: Vec<Value> = (0..size)
        .map(|i| {
            let mut m = sample[i % sample.len()].clone();
            let copy = i / sample.len();
            for field in ["id_bigint", "worldid_mixed", "meeting_name"] {
                if let Some(Value::String(s)) = m.get_mut(field) {
                    if !s.is_empty() {
                        s.push_str(&format!("-{copy}"));
                    }
                }
            }
            m
        })
        .collect();
    serde_json::to_vec(&meetings).unwrap()
}

fn import(c: &mut Criterion) {
    let feed = feed(MEETINGS);
    let options = ImportOptions {
        fellowship: Some(Fellowship::Na),
        ..ImportOptions::default()
    };
    let mut group = c.benchmark_group("import_bmlt");
    group.sample_size(10);
    group.bench_with_input(BenchmarkId::from_parameter(MEETINGS), &feed, |b, feed| {
        b.iter_with_large_drop(|| {
            let import = import_bmlt(feed, "feed.json", None, &options).unwrap();
            assert_eq!(import.report.imported, MEETINGS);
            assert!(
                import.groups.len() < MEETINGS,
                "the meetings of one group merge"
            );
            import
        })
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
