//! The referrals store: recording one referral, the follow-ups due over 1,000,000 referrals, and
//! the export of 1,000,000 referrals as a training history (targets: 2 ms, 100 ms, 5 s), both as
//! `train --db` reads it (`export`: into people, then written) and as `outcomes export` writes
//! it (`outcomes_export`: straight from the stored text).
//!
//! The 1,000,000-referral database is built once, outside the timed closures, in a temp dir:
//! simulated people (each in two referrals, each referral its own person record) referred over
//! ten years, 10 suggestions shown and one group chosen each, 80% with consent to follow-up and
//! 70% to training, and an outcome event for 80% of them (attending at day 95, or stopped at day
//! 30). Building it takes about a minute; each result is checked inside its closure.

use std::path::Path;

use chrono::{Days, NaiveDate};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use groupmatch::engagement::history::write_history;
use groupmatch::simulate::{simulate, Simulation, SimulationParams};
use groupmatch::store::{Consent, NewEvent, NewReferral, Shown, Store};
use groupmatch::{EventKind, ReferralType, StopReason};

const REFERRALS: usize = 1_000_000;
/// Referrals written per transaction while building.
const CHUNK: usize = 10_000;
/// The referrals span this many days before [`today`].
const SPAN_DAYS: usize = 3650;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2036, 6, 1).unwrap()
}

fn world() -> Simulation {
    simulate(&SimulationParams::new(11, 2000, 200, 100)).unwrap()
}

/// Referral `i` of the bench database: seeded by `i` alone.
fn referral(sim: &Simulation, i: usize) -> NewReferral {
    let mut person = sim.people[i % sim.people.len()].clone();
    person.id = format!("b{}", i / 2);
    let day = today() - Days::new((SPAN_DAYS - i * SPAN_DAYS / REFERRALS) as u64);
    let groups = &sim.groups;
    let shown: Vec<Shown> = (0..10)
        .map(|k| Shown {
            group_id: groups[(i * 7 + k * 13) % groups.len()].id.clone(),
            rank: k as u32 + 1,
            score: 0.6 - k as f64 * 0.03,
        })
        .collect();
    NewReferral {
        person,
        referred_at: day.and_hms_opt(14, 0, 0).unwrap().and_utc(),
        staff: Some(format!("s{}", i % 40)),
        engine_version: "d0a1b2c3d-m4e5f6a7b-r8c9d0e1f".into(),
        chosen: vec![shown[i % 3].group_id.clone()],
        shown,
        referral_type: if i.is_multiple_of(4) {
            ReferralType::WarmHandoff
        } else {
            ReferralType::List
        },
        consent: Consent {
            follow_up: !i.is_multiple_of(5),
            training: i % 10 < 7,
        },
    }
}

/// Builds the database at `path`: [`REFERRALS`] referrals and their outcome events.
fn build(path: &Path, sim: &Simulation) -> Store {
    let mut store = Store::open(path).unwrap();
    for start in (0..REFERRALS).step_by(CHUNK) {
        let batch: Vec<NewReferral> = (start..start + CHUNK).map(|i| referral(sim, i)).collect();
        let ids = store.record_referrals(&batch).unwrap();
        let events: Vec<NewEvent> = ids
            .iter()
            .zip(&batch)
            .enumerate()
            .filter(|(k, _)| (start + k) % 5 != 4)
            .map(|(k, (id, r))| {
                let engaged = (start + k).is_multiple_of(3);
                let day = r.referred_at.date_naive();
                NewEvent {
                    referral: *id,
                    kind: if engaged {
                        EventKind::Attending
                    } else {
                        EventKind::Stopped
                    },
                    on: day + Days::new(if engaged { 95 } else { 30 }),
                    group_id: Some(r.chosen[0].clone()),
                    reason: (!engaged).then_some(StopReason::Schedule),
                }
            })
            .collect();
        store.append_events(&events).unwrap();
    }
    store
}

fn store_benches(c: &mut Criterion) {
    let sim = world();
    let dir = tempfile::tempdir().unwrap();

    let mut group = c.benchmark_group("store");
    let mut small = Store::open(&dir.path().join("small.db")).unwrap();
    let mut i = 0;
    group.bench_function("record_referral", |b| {
        b.iter(|| {
            i += 1;
            let id = small.record_referral(&referral(&sim, i)).unwrap();
            assert_eq!(id.0, i as i64);
        })
    });

    let started = std::time::Instant::now();
    let big = build(&dir.path().join("big.db"), &sim);
    eprintln!(
        "built {REFERRALS} referrals in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    group.sample_size(20);
    group.bench_with_input(BenchmarkId::new("due", REFERRALS), &big, |b, store| {
        b.iter(|| {
            let due = store.due(today()).unwrap();
            assert!(due.len() > 1000, "{}", due.len());
            due
        })
    });
    group.sample_size(10);
    let out = dir.path().join("history.csv");
    group.bench_with_input(BenchmarkId::new("export", REFERRALS), &big, |b, store| {
        b.iter(|| {
            let labelled = store.training_history(&sim.groups, today()).unwrap();
            let h = &labelled.history;
            assert!(h.rows.len() > 500_000, "{}", h.rows.len());
            write_history(&out, &h.people, &sim.groups, &h.rows).unwrap();
        })
    });
    // What `outcomes export` does: the stored records' cells straight from their text.
    group.bench_with_input(
        BenchmarkId::new("outcomes_export", REFERRALS),
        &big,
        |b, store| {
            b.iter(|| {
                let e = store.export_history(&out, &sim.groups, today()).unwrap();
                assert!(e.rows > 500_000, "{}", e.rows);
            })
        },
    );
    group.finish();
}

criterion_group!(benches, store_benches);
criterion_main!(benches);
