//! The exact seat-assignment solver on synthetic problems of the sizes S (2,000 people,
//! 300 groups) and M (20,000 people, 3,000 groups): 30 or 50 weighted edges per person, scarce
//! seats (1-5 per group, 5% of groups unlimited). Built outside the timed closure; each result is
//! checked against the shortest-paths objective.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use groupmatch::matching::flow::shortest_paths;
use groupmatch::matching::problem::{scale, AssignmentProblem};
use groupmatch::matching::solve::solve;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn problem(people: usize, groups: usize, per_person: usize) -> AssignmentProblem {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let seats = (0..groups)
        .map(|_| (!rng.gen_bool(0.05)).then(|| rng.gen_range(1..6)))
        .collect();
    let edges = (0..people)
        .map(|_| {
            let mut e: Vec<(u32, i64)> = (0..per_person)
                .map(|_| {
                    (
                        rng.gen_range(0..groups as u32),
                        scale(rng.gen_range(0.2..1.2)).unwrap(),
                    )
                })
                .collect();
            e.sort_unstable();
            e.dedup_by_key(|x| x.0);
            e
        })
        .collect();
    AssignmentProblem { seats, edges }
}

/// `solve` (the auction, with its certificate) and, for comparison, `shortest_paths` alone.
fn matching(c: &mut Criterion) {
    let mut group = c.benchmark_group("assignment_solve");
    group.sample_size(10);
    for (name, people, groups, per_person) in [("S", 2_000, 300, 30), ("M", 20_000, 3_000, 50)] {
        let p = problem(people, groups, per_person);
        let expected = shortest_paths(&p).objective;
        for (method, f) in [
            ("auction", solve as fn(&AssignmentProblem) -> _),
            ("shortest_paths", shortest_paths),
        ] {
            group.bench_with_input(BenchmarkId::new(method, name), &p, |b, p| {
                b.iter(|| {
                    let a = f(p);
                    assert_eq!(a.objective, expected);
                    a
                })
            });
        }
    }
    group.finish();
}

/// The whole match (scoring every pair with the rank score, then solving) on a simulated S
/// waitlist: 2,000 people, 300 groups.
fn match_s(c: &mut Criterion) {
    use groupmatch::matching::{match_waitlist, MatchOptions};
    use groupmatch::simulate::{simulate, SimulationParams};
    use groupmatch::{EngagementModel, Engine};

    let mut params = SimulationParams::new(5, 2_000, 300, 4_000);
    params.waitlist = 2_000;
    let sim = simulate(&params).unwrap();
    let engine = Engine::new(sim.groups.clone(), EngagementModel::embedded_default()).unwrap();
    let options = MatchOptions::new("2026-06-01T12:00:00Z".parse().unwrap());
    let expected = match_waitlist(&engine, &sim.waitlist, &options)
        .unwrap()
        .objective;
    let mut group = c.benchmark_group("match_waitlist");
    group.sample_size(10);
    group.bench_function("S", |b| {
        b.iter(|| {
            let r = match_waitlist(&engine, &sim.waitlist, &options).unwrap();
            assert_eq!(r.objective, expected);
            r
        })
    });
    group.finish();
}

criterion_group!(benches, matching, match_s);
criterion_main!(benches);
