//! One gazetteer look-up of each kind (the target: under 1 ms), after the embedded data
//! is parsed once outside the timed closure (the first look-up in a process pays for that parse).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use groupmatch::{Gazetteer, PlaceError, PlaceKind};

/// Each query and the kind it must be read as (`None`: the error it must give).
const QUERIES: &[(&str, Option<PlaceKind>)] = &[
    ("19104", Some(PlaceKind::PostalCode)),
    ("T5J 0N3", Some(PlaceKind::ForwardSortationArea)),
    ("Edmonton AB", Some(PlaceKind::Town)),
    ("München", Some(PlaceKind::Town)),
    ("39.9526,-75.1652", Some(PlaceKind::Coordinates)),
    ("Springfield", None),
    ("Philadelpia", None),
];

fn lookup(c: &mut Criterion) {
    let gazetteer = Gazetteer::embedded();
    let mut group = c.benchmark_group("gazetteer_lookup");
    for &(query, kind) in QUERIES {
        group.bench_with_input(BenchmarkId::from_parameter(query), query, |b, query| {
            b.iter(|| {
                let found = gazetteer.lookup(query);
                match (kind, &found) {
                    (Some(kind), Ok(place)) => assert_eq!(place.kind, kind),
                    (None, Err(PlaceError::Ambiguous { .. } | PlaceError::NotFound { .. })) => {}
                    _ => panic!("{query}: {found:?}"),
                }
                found
            })
        });
    }
    group.finish();
}

criterion_group!(benches, lookup);
criterion_main!(benches);
