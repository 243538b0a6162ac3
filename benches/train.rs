//! Fitting the engagement model's logistic regression on 100,000 and 1,000,000 rows of 25
//! features.
//!
//! The data are seeded and synthetic, shaped like standardised pair features: every third column
//! a centred 0/1 indicator, the others gaussian, some columns correlated. They are built outside
//! the timed closure; each fit is checked to have converged.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use groupmatch::engagement::logistic::LogisticParams;
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const FEATURES: usize = 25;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn data(rows: usize) -> DatasetBase<Array2<f64>, Array1<bool>> {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let truth: Vec<f64> = (0..FEATURES).map(|_| 0.4 * normal(&mut rng)).collect();
    let mut x = Array2::zeros((rows, FEATURES));
    let mut y = Array1::from_elem(rows, false);
    for (mut row, label) in x.rows_mut().into_iter().zip(y.iter_mut()) {
        let shared = normal(&mut rng);
        for (j, v) in row.iter_mut().enumerate() {
            *v = if j % 3 == 0 {
                // A 0/1 indicator with rate 0.3, centred and scaled.
                (f64::from(u8::from(rng.gen_bool(0.3))) - 0.3) / 0.21f64.sqrt()
            } else if j % 5 == 1 {
                // Correlated with a shared factor, as pair features often are; unit variance.
                0.6 * shared + 0.8 * normal(&mut rng)
            } else {
                normal(&mut rng)
            };
        }
        let z = -0.8 + row.iter().zip(&truth).map(|(a, b)| a * b).sum::<f64>();
        *label = rng.gen::<f64>() < 1.0 / (1.0 + (-z).exp());
    }
    DatasetBase::new(x, y)
}

fn fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit_logistic_25_features");
    group.sample_size(10);
    for rows in [100_000, 1_000_000] {
        let dataset = data(rows);
        let params = LogisticParams::new();
        group.bench_with_input(BenchmarkId::from_parameter(rows), &dataset, |b, dataset| {
            b.iter(|| {
                let model = params.fit(dataset).unwrap();
                assert!(model.converged(), "fit did not converge");
                model
            })
        });
    }
    group.finish();
}

/// Building the design matrix (every pair's features as of its placement date) from a simulated
/// history of 100,000 placements.
fn features(c: &mut Criterion) {
    use groupmatch::engagement::history::design_matrix;
    use groupmatch::simulate::{simulate, SimulationParams};

    let sim = simulate(&SimulationParams::new(7, 20_000, 300, 100_000)).unwrap();
    let history = sim.to_history();
    let mut group = c.benchmark_group("design_matrix");
    group.sample_size(10);
    group.bench_function(BenchmarkId::from_parameter(history.rows.len()), |b| {
        b.iter(|| {
            let d = design_matrix(&history, &sim.groups);
            assert_eq!(d.x.nrows(), history.rows.len());
            d
        })
    });
    group.finish();
}

criterion_group!(benches, fit, features);
criterion_main!(benches);
