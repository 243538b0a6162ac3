//! Reading a directory of 100,000 groups from CSV: parsing and checking every field, as
//! `groupmatch validate` and `rank --groups` do.
//!
//! The file is the embedded directory (real meetings of the Philadelphia area: zones, coordinates,
//! several sessions, languages) repeated, each copy's ids made new, built in memory outside the
//! timed closure.

use criterion::{criterion_group, criterion_main, Criterion};
use groupmatch::{parse_groups, Syntax, EMBEDDED_GROUPS};

const GROUPS: usize = 100_000;

/// The embedded directory's rows repeated to `size` rows, `-N` appended to the ids of the Nth
/// copy (the embedded file has one row a line and the id first).
fn directory_csv(size: usize) -> String {
    let mut lines = EMBEDDED_GROUPS.lines();
    let header = lines.next().expect("a header");
    let rows: Vec<&str> = lines.collect();
    let mut csv = format!("{header}\n");
    for i in 0..size {
        let row = rows[i % rows.len()];
        let (id, rest) = row.split_once(',').expect("an id first");
        csv.push_str(&format!("{id}-{},{rest}\n", i / rows.len()));
    }
    csv
}

fn load(c: &mut Criterion) {
    let csv = directory_csv(GROUPS);
    let mut group = c.benchmark_group("parse_groups_csv");
    group.sample_size(10);
    group.bench_function("100000", |b| {
        b.iter_with_large_drop(|| {
            let groups = parse_groups(csv.as_bytes(), Syntax::Csv, "groups.csv").unwrap();
            assert_eq!(groups.value.len(), GROUPS);
            groups
        })
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
