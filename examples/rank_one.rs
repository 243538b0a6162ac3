//! Rank one person against the embedded directory, then many people from several threads
//! sharing one engine: the way a service uses groupmatch as a library.
//!
//! Run with `cargo run --release --example rank_one`.

use std::sync::Arc;

use groupmatch::{parse_person, Engine, RankOptions};

fn main() -> Result<(), groupmatch::Error> {
    // Load the directory and model once.
    let engine = Arc::new(Engine::embedded());
    let now = "2026-11-26T12:00:00Z".parse().expect("valid time");
    let options = RankOptions::new(Some(3), now);

    let person = parse_person(
        br#"{"id": "p-example", "stage": "early", "approach_preference": "secular",
             "format_preference": "either", "availability": ["Tue 17:00-22:00", "Sat 08:00-14:00"],
             "timezone": "America/New_York", "latitude": 39.9526, "longitude": -75.1652,
             "max_travel_km": 12, "readiness": 8}"#,
        "request",
    )?
    .value;
    let ranking = engine.rank(&person, &options)?;
    for s in &ranking.suggestions {
        println!("{}. {} ({:.2})", s.rank, s.name, s.score);
        for e in s.explanation.iter().take(2) {
            println!("     {} ({:+.2})", e.text, e.contribution);
        }
    }
    println!("{}", ranking.exclusion_summary());

    // The engine is Send + Sync: rank several people at once without reloading anything.
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let engine = Arc::clone(&engine);
            let mut person = person.clone();
            person.id = format!("p-thread-{i}");
            person.max_travel_km = Some(5.0 * f64::from(i + 1));
            std::thread::spawn(move || {
                let r = engine.rank(&person, &RankOptions::new(Some(1), now));
                (person.id, r.map(|r| r.eligible))
            })
        })
        .collect();
    for h in handles {
        let (id, eligible) = h.join().expect("thread finished");
        let eligible = eligible?;
        println!("{id}: {eligible} eligible groups");
    }
    Ok(())
}

/// `cargo test` runs the example (`test = true` in Cargo.toml), so it cannot rot.
#[test]
fn the_example_runs() {
    main().expect("the example runs");
}
