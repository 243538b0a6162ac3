//! The L-BFGS minimiser and its strong Wolfe line search, used to fit the logistic regression of
//! `logistic.rs`.
//!
//! It minimises a smooth function given as a closure that returns the value at a point and writes
//! the gradient there; it knows nothing of rows, labels or chunks. L-BFGS keeps the last
//! [`MEMORY`] steps to approximate the curvature; the line search satisfies the strong Wolfe
//! conditions by cubic interpolation (Nocedal and Wright, algorithms 3.5 and 3.6) and, near the
//! optimum, where loss differences sink into rounding noise, Hager and Zhang's approximate Wolfe
//! conditions. Every sum runs in a fixed order, so a minimisation is bit-for-bit repeatable.

/// How many past steps L-BFGS keeps to approximate the curvature.
const MEMORY: usize = 10;

/// Sufficient decrease (Armijo) constant of the Wolfe conditions.
const WOLFE_C1: f64 = 1e-4;

/// Curvature constant of the strong Wolfe conditions; 0.9 is the usual choice for quasi-Newton
/// methods, where the unit step should be accepted as often as possible.
const WOLFE_C2: f64 = 0.9;

/// Most loss-and-gradient evaluations one line search may spend.
const MAX_LINE_SEARCH: usize = 20;

/// Relative rounding noise allowed in a loss comparison by the approximate Wolfe conditions.
/// The logistic objective sums 8192 terms per chunk and the chunks after; the accumulated
/// rounding error is far below this, and a real decrease this small is worthless.
pub(super) const LOSS_NOISE: f64 = 1e-12;

/// Hager and Zhang's `delta` for the approximate Wolfe slope condition.
const APPROX_WOLFE_DELTA: f64 = 0.1;

/// Dot product summed in index order. For a row and the coefficients this is the order
/// training uses, so prediction gives the same logits bit for bit.
#[inline]
pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (x, y) in a.iter().zip(b) {
        sum += x * y;
    }
    sum
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Where [`minimize`] stopped.
pub(super) struct Solution {
    pub(super) theta: Vec<f64>,
    pub(super) loss: f64,
    pub(super) iterations: usize,
    pub(super) converged: bool,
    /// The objective at the start and after every iteration.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) history: Vec<f64>,
}

/// L-BFGS from `theta`, where the objective is `start.0` with gradient `start.1`, until the
/// largest gradient component is below `tolerance` or `max_iterations` steps have been taken.
pub(super) fn minimize<F: FnMut(&[f64], &mut [f64]) -> f64>(
    objective: &mut F,
    mut theta: Vec<f64>,
    start: (f64, Vec<f64>),
    max_iterations: usize,
    tolerance: f64,
) -> Solution {
    let dim = theta.len();
    let (mut loss, mut grad) = start;
    let mut history = vec![loss];
    let mut memory = Memory::new(dim);
    let mut direction = vec![0.0; dim];
    let mut search = LineSearch::new(dim);
    let mut iterations = 0;
    let mut converged = max_abs(&grad) <= tolerance;

    while !converged && iterations < max_iterations {
        memory.direction(&grad, &mut direction);
        let mut slope = dot(&grad, &direction);
        let mut step = 1.0;
        if memory.is_empty() || slope.is_nan() || slope >= 0.0 {
            // First iteration, or a curvature model that lost descent: steepest descent with a
            // step of unit length, as scipy's L-BFGS-B starts.
            memory.clear();
            for (d, g) in direction.iter_mut().zip(&grad) {
                *d = -g;
            }
            slope = -dot(&grad, &grad);
            step = 1.0 / slope.abs().sqrt();
        }
        let Some(accepted) = search.run(objective, &theta, loss, &grad, &direction, slope, step)
        else {
            if memory.is_empty() {
                break; // no progress even along the gradient: at the limit of precision
            }
            memory.clear();
            continue;
        };
        let (new_loss, new_theta, new_grad) = accepted;
        memory.push(&theta, new_theta, &grad, new_grad);
        theta.copy_from_slice(new_theta);
        grad.copy_from_slice(new_grad);
        loss = new_loss;
        history.push(loss);
        iterations += 1;
        converged = max_abs(&grad) <= tolerance;
    }
    Solution {
        theta,
        loss,
        iterations,
        converged,
        history,
    }
}

/// The L-BFGS curvature pairs `(s, y)`, oldest first, at most [`MEMORY`] of them.
struct Memory {
    s: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    len: usize,
    /// Index of the oldest pair in the ring.
    start: usize,
}

impl Memory {
    fn new(dim: usize) -> Memory {
        Memory {
            s: vec![vec![0.0; dim]; MEMORY],
            y: vec![vec![0.0; dim]; MEMORY],
            rho: vec![0.0; MEMORY],
            alpha: vec![0.0; MEMORY],
            len: 0,
            start: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn clear(&mut self) {
        self.len = 0;
        self.start = 0;
    }

    /// Records the step from `old` to `new`, unless it carries no usable curvature.
    fn push(&mut self, old: &[f64], new: &[f64], old_grad: &[f64], new_grad: &[f64]) {
        let slot = (self.start + self.len) % MEMORY;
        for i in 0..old.len() {
            self.s[slot][i] = new[i] - old[i];
            self.y[slot][i] = new_grad[i] - old_grad[i];
        }
        let sy = dot(&self.s[slot], &self.y[slot]);
        let yy = dot(&self.y[slot], &self.y[slot]);
        // The strong Wolfe conditions guarantee s.y > 0 in exact arithmetic; skip pairs where
        // rounding has eaten it, as they would make the inverse Hessian indefinite.
        if sy.is_nan() || sy <= f64::EPSILON * yy {
            return;
        }
        self.rho[slot] = 1.0 / sy;
        if self.len < MEMORY {
            self.len += 1;
        } else {
            self.start = (self.start + 1) % MEMORY;
        }
    }

    /// Writes `-H g` into `d`, with `H` the two-loop inverse Hessian approximation.
    fn direction(&mut self, grad: &[f64], d: &mut [f64]) {
        for (di, g) in d.iter_mut().zip(grad) {
            *di = -g;
        }
        if self.len == 0 {
            return;
        }
        for k in (0..self.len).rev() {
            let slot = (self.start + k) % MEMORY;
            let a = self.rho[slot] * dot(&self.s[slot], d);
            self.alpha[slot] = a;
            for (di, yi) in d.iter_mut().zip(&self.y[slot]) {
                *di -= a * yi;
            }
        }
        let newest = (self.start + self.len - 1) % MEMORY;
        let gamma = 1.0 / (self.rho[newest] * dot(&self.y[newest], &self.y[newest]));
        for di in d.iter_mut() {
            *di *= gamma;
        }
        for k in 0..self.len {
            let slot = (self.start + k) % MEMORY;
            let beta = self.rho[slot] * dot(&self.y[slot], d);
            let a = self.alpha[slot];
            for (di, si) in d.iter_mut().zip(&self.s[slot]) {
                *di += (a - beta) * si;
            }
        }
    }
}

/// A point evaluated during a line search.
struct Trial {
    step: f64,
    loss: f64,
    slope: f64,
    theta: Vec<f64>,
    grad: Vec<f64>,
}

impl Trial {
    fn new(dim: usize) -> Trial {
        Trial {
            step: 0.0,
            loss: 0.0,
            slope: 0.0,
            theta: vec![0.0; dim],
            grad: vec![0.0; dim],
        }
    }
}

/// A strong Wolfe line search (Nocedal and Wright, algorithms 3.5 and 3.6) with cubic
/// interpolation. Its buffers are reused from one iteration to the next.
struct LineSearch {
    /// The best point so far that satisfies sufficient decrease (the low end of the bracket).
    lo: Trial,
    /// The newest evaluation.
    cur: Trial,
    /// The other end of the bracket in the zoom phase (only step, loss and slope are used).
    hi: Trial,
}

impl LineSearch {
    fn new(dim: usize) -> LineSearch {
        LineSearch {
            lo: Trial::new(dim),
            cur: Trial::new(dim),
            hi: Trial::new(0),
        }
    }

    fn evaluate<F: FnMut(&[f64], &mut [f64]) -> f64>(
        &mut self,
        objective: &mut F,
        theta: &[f64],
        direction: &[f64],
        step: f64,
    ) {
        let cur = &mut self.cur;
        cur.step = step;
        for ((t, x), d) in cur.theta.iter_mut().zip(theta).zip(direction) {
            *t = x + step * d;
        }
        cur.loss = objective(&cur.theta, &mut cur.grad);
        cur.slope = dot(&cur.grad, direction);
    }

    /// Searches along `direction` from `theta` (where the objective is `loss` with gradient
    /// `grad` and directional derivative `slope < 0`), starting with `step`. Returns the
    /// accepted point, or `None` when no step decreased the objective.
    #[allow(clippy::too_many_arguments)]
    fn run<F: FnMut(&[f64], &mut [f64]) -> f64>(
        &mut self,
        objective: &mut F,
        theta: &[f64],
        loss: f64,
        grad: &[f64],
        direction: &[f64],
        slope: f64,
        mut step: f64,
    ) -> Option<(f64, &[f64], &[f64])> {
        let armijo = |step: f64, value: f64| value <= loss + WOLFE_C1 * step * slope;
        // Near the optimum the decrease Armijo asks for falls below the rounding noise of a
        // mean over many rows, while the gradient is still accurate. There, accept Hager and
        // Zhang's approximate Wolfe conditions: no more than noise above the current loss, and a
        // slope that has come close to zero from either side.
        let noise = LOSS_NOISE * loss.abs();
        let accept = |t: &Trial| {
            let curvature = t.slope.abs() <= -WOLFE_C2 * slope;
            let approximate = t.loss <= loss + noise
                && t.slope >= WOLFE_C2 * slope
                && t.slope <= -(1.0 - 2.0 * APPROX_WOLFE_DELTA) * slope;
            (armijo(t.step, t.loss) && curvature) || approximate
        };

        // lo starts at the current point (step 0).
        self.lo.step = 0.0;
        self.lo.loss = loss;
        self.lo.slope = slope;
        self.lo.theta.copy_from_slice(theta);
        self.lo.grad.copy_from_slice(grad);
        let mut have_lo = false; // whether lo is a new point with a decrease
        let mut evaluations = 0;

        // Bracketing phase.
        let bracketed = loop {
            if evaluations == MAX_LINE_SEARCH || !step.is_finite() {
                break false;
            }
            self.evaluate(objective, theta, direction, step);
            evaluations += 1;
            let c = &self.cur;
            if accept(c) {
                return Some((c.loss, &self.cur.theta, &self.cur.grad));
            }
            if !c.loss.is_finite() || !armijo(c.step, c.loss) || (have_lo && c.loss >= self.lo.loss)
            {
                // The minimiser lies between lo and cur.
                self.set_hi_from_cur();
                break true;
            }
            std::mem::swap(&mut self.lo, &mut self.cur);
            have_lo = true;
            if self.lo.slope >= 0.0 {
                // Past the minimiser: bracket is [lo, previous lo]; the previous point is
                // now in cur.
                self.set_hi_from_cur();
                break true;
            }
            // Still descending: extrapolate, at least doubling and at most ten times further.
            let prev_step = self.cur.step;
            let (a, b) = (self.lo.step, prev_step);
            let guess = cubic_min(
                a,
                self.lo.loss,
                self.lo.slope,
                b,
                self.cur.loss,
                self.cur.slope,
            );
            step = match guess {
                Some(g) if g > 2.0 * a && g < 10.0 * a => g,
                _ => 4.0 * a,
            };
        };

        // Zoom phase.
        if bracketed {
            while evaluations < MAX_LINE_SEARCH {
                let (a, b) = (self.lo.step, self.hi.step);
                let (left, right) = if a < b { (a, b) } else { (b, a) };
                let width = right - left;
                if width <= 1e-12 * right.max(1e-300) {
                    break;
                }
                let guess = if self.hi.loss.is_finite() {
                    cubic_min(
                        a,
                        self.lo.loss,
                        self.lo.slope,
                        b,
                        self.hi.loss,
                        self.hi.slope,
                    )
                } else {
                    None
                };
                // Keep the trial away from the ends so the bracket shrinks geometrically.
                let margin = 0.1 * width;
                step = match guess {
                    Some(g) if g >= left + margin && g <= right - margin => g,
                    Some(g) if g > left && g < right => g.clamp(left + margin, right - margin),
                    _ => 0.5 * (a + b),
                };
                self.evaluate(objective, theta, direction, step);
                evaluations += 1;
                let c = &self.cur;
                if accept(c) {
                    return Some((c.loss, &self.cur.theta, &self.cur.grad));
                }
                if !c.loss.is_finite() || !armijo(c.step, c.loss) || c.loss >= self.lo.loss {
                    self.set_hi_from_cur();
                    continue;
                }
                if c.slope * (self.hi.step - self.lo.step) >= 0.0 {
                    self.hi.step = self.lo.step;
                    self.hi.loss = self.lo.loss;
                    self.hi.slope = self.lo.slope;
                }
                std::mem::swap(&mut self.lo, &mut self.cur);
                have_lo = true;
            }
        }

        // Out of evaluations: settle for the best point with sufficient decrease, if any.
        if have_lo && self.lo.loss < loss {
            Some((self.lo.loss, &self.lo.theta, &self.lo.grad))
        } else {
            None
        }
    }

    fn set_hi_from_cur(&mut self) {
        self.hi.step = self.cur.step;
        self.hi.loss = self.cur.loss;
        self.hi.slope = self.cur.slope;
    }
}

/// The minimiser of the cubic through `(a, fa)` and `(b, fb)` with slopes `da` and `db`, when it
/// exists (Nocedal and Wright, equation 3.59).
fn cubic_min(a: f64, fa: f64, da: f64, b: f64, fb: f64, db: f64) -> Option<f64> {
    let d1 = da + db - 3.0 * (fa - fb) / (a - b);
    let disc = d1 * d1 - da * db;
    if disc.is_nan() || disc < 0.0 {
        return None;
    }
    let d2 = (b - a).signum() * disc.sqrt();
    let denom = db - da + 2.0 * d2;
    if denom == 0.0 {
        return None;
    }
    let t = b - (b - a) * (db + d2 - d1) / denom;
    t.is_finite().then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn cubic_min_finds_the_minimum_of_a_cubic() {
        // f(t) = (t - 2)^2 has minimum at 2; a cubic fit through two points recovers it.
        let f = |t: f64| (t - 2.0) * (t - 2.0);
        let d = |t: f64| 2.0 * (t - 2.0);
        let m = cubic_min(0.0, f(0.0), d(0.0), 5.0, f(5.0), d(5.0)).unwrap();
        assert_abs_diff_eq!(m, 2.0, epsilon = 1e-12);
    }

    #[test]
    fn minimize_finds_the_minimum_of_an_ill_conditioned_quadratic() {
        // f(x) = sum_i a_i (x_i - c_i)^2 / 2, curvatures spanning four orders of magnitude.
        let a = [1e-2, 0.5, 1.0, 7.0, 1e2];
        let c = [3.0, -1.0, 0.5, 2.0, -4.0];
        let mut f = |x: &[f64], g: &mut [f64]| {
            let mut value = 0.0;
            for i in 0..x.len() {
                let r = x[i] - c[i];
                g[i] = a[i] * r;
                value += 0.5 * a[i] * r * r;
            }
            value
        };
        let theta = vec![0.0; a.len()];
        let mut grad = vec![0.0; a.len()];
        let loss = f(&theta, &mut grad);
        let solution = minimize(&mut f, theta, (loss, grad), 100, 1e-10);
        assert!(solution.converged, "{} iterations", solution.iterations);
        for (x, c) in solution.theta.iter().zip(c) {
            assert_abs_diff_eq!(*x, c, epsilon = 1e-6);
        }
        assert_eq!(solution.history.len(), solution.iterations + 1);
        assert!(solution.history.windows(2).all(|w| w[1] <= w[0]));
    }
}
