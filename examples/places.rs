//! Look places up in the embedded gazetteer, as an intake form would: each argument (or, without
//! any, a few examples) is read as a postal code, a town or coordinates, and printed with its
//! point, time zone and precision, or the reason it names no one place.
//!
//! Run with `cargo run --release --example places -- 19104 "Edmonton AB" Springfield`.

use groupmatch::Gazetteer;

fn main() {
    let mut queries: Vec<String> = std::env::args().skip(1).collect();
    if queries.is_empty() {
        queries = ["19104", "T5J 0N3", "München", "Springfield", "Philadelpia"]
            .map(String::from)
            .to_vec();
    }
    for query in &queries {
        match Gazetteer::embedded().lookup(query) {
            Ok(place) => println!(
                "{query}: {place} at {:.4},{:.4} ({}), {} within about {} km",
                place.point.latitude,
                place.point.longitude,
                place.timezone.name(),
                place.kind,
                place.precision_km
            ),
            Err(e) => println!("{query}: {e}"),
        }
    }
}

/// `cargo test` runs the example (`test = true` in Cargo.toml), so it cannot rot.
#[test]
fn the_example_runs() {
    main();
}
