//! An exact auction solver for the seat assignment problem (see [`super::problem`] for the problem
//! and its types), after Bertsekas's auction algorithm with ε-scaling.
//!
//! **Auction.** Every group is a class of identical seats (its open seats, at most the number of
//! people with an edge to it); staying unplaced is worth 0 and always possible. Each waiting
//! person takes the group that gives them the most (benefit minus the group's price, the lowest
//! price among its seats), if that is more than 0, and bids for its cheapest seat so much that
//! they are indifferent to their second-best option, plus ε: a taken seat's price is its holder's
//! bid, and a group with no free seat evicts its lowest bidder, who bids again. Prices only rise
//! through bids, so every seated person stays within ε of their best option (ε-complementary
//! slackness, at the level of groups).
//!
//! **Exactness.** Benefits are the integer weights times `n + 1`, where `n` is the number of
//! people; an assignment with ε-slackness is within `n·ε` of the optimum, so the last
//! phase, with ε = 1, ends at an exact optimum of the integer weights. Earlier phases, with ε
//! divided by `EPSILON_FACTOR` each time from a large start, only find good prices quickly (each
//! phase starts over from the last phase's prices, slightly lowered, with every seat free).
//!
//! **Reverse bids.** A group that ends a phase with vacant seats above price 0 would break the
//! optimality conditions (a group with room must cost nothing). It lowers those seats to the
//! price at which the people who gain most by moving there gain at least ε, and seats them; the
//! seats they leave are treated the same way, until no vacant seat is above price 0.
//!
//! **Proof.** A result is only returned with a certificate: group prices (0 where a seat is
//! free) and each person's best net benefit form a dual solution whose value bounds every
//! assignment's total, and the assignment is returned only if its total is within one unit of
//! the integer weights of that bound, so it is optimal whatever path the auction took. A work
//! budget bounds the time; without a certificate the caller falls back on shortest paths.
//!
//! People bid in a fixed order (by index, evicted people at the back of the queue) and ties go
//! to the first, so the result is deterministic.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::problem::{Assignment, AssignmentProblem};

/// ε is divided by this between phases.
const EPSILON_FACTOR: i64 = 8;

/// A phase starts with every price lowered by this many times its ε (at the least to 0): the
/// last phase's bids raised them by about its ε, eight times this one's, and a group priced too
/// high would otherwise stay short of people and need reverse bids, which cost more than bids.
const PRICE_DROP: i64 = 2 * EPSILON_FACTOR;

/// A phase gives up after this many bids per person and group (far more than it takes).
const BUDGET_PER_PERSON: u64 = 1000;

/// The price of a group without seats: out of reach, yet far from overflowing (benefits are
/// below a quarter of `i64::MAX`).
const UNAVAILABLE: i64 = i64::MAX / 2;

/// `class_of` of a person not seated in a group (unplaced, or waiting to bid).
const NONE: u32 = u32::MAX;

/// `profit` of a person waiting to bid.
const WAITING: i64 = i64::MIN;

/// A group's seats: some free at one price, the others in a heap by price. A heap entry whose
/// holder has left (see [`Auction::holds`]) is a vacant seat at that price.
#[derive(Debug, Clone, Default)]
struct Seats {
    /// Seats in all.
    count: u32,
    /// Free seats, each at `free_price`.
    free: u32,
    free_price: i64,
    /// Vacant seats among the heap's entries.
    vacant: u32,
    /// (price, holder) of every other seat, cheapest first.
    heap: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Seats {
    /// The group's price: its cheapest seat's.
    fn price(&self) -> i64 {
        let held = self.heap.peek().map(|Reverse((p, _))| *p);
        match (self.free > 0, held) {
            (true, Some(h)) => h.min(self.free_price),
            (true, None) => self.free_price,
            (false, Some(h)) => h,
            (false, None) => UNAVAILABLE,
        }
    }
}

/// The auction's state.
struct Auction<'a> {
    problem: &'a AssignmentProblem,
    /// Benefits are weights times `scale`.
    scale: i64,
    seats: Vec<Seats>,
    /// Each group's price, kept equal to `seats[g].price()`.
    price: Vec<i64>,
    /// (person, weight) of the edges of group `g`: `members[start[g]..start[g + 1]]`.
    start: Vec<usize>,
    members: Vec<(u32, i64)>,
    /// Each person's group, its seat's price, and the person's profit (benefit minus that
    /// price; 0 when unplaced).
    class_of: Vec<u32>,
    paid: Vec<i64>,
    profit: Vec<i64>,
    /// People waiting to bid.
    waiting: VecDeque<u32>,
    /// Groups that may have a vacant seat above price 0.
    vacated: Vec<u32>,
}

impl Auction<'_> {
    /// Whether group `g` has more seats than people with an edge to it (an unlimited group,
    /// say): it never fills and its price stays 0, so its seats are not auctioned.
    fn never_full(&self, g: usize) -> bool {
        self.seats[g].count as usize > self.start[g + 1] - self.start[g]
    }

    /// Whether heap entry (price, holder) of group `g` is still held.
    fn holds(&self, g: usize, price: i64, holder: u32) -> bool {
        self.class_of[holder as usize] == g as u32 && self.paid[holder as usize] == price
    }

    /// Seats person `i` in group `g` at `bid` (above the group's price), evicting the holder of
    /// the cheapest seat if it has no vacant one; in a group that never fills, at price 0.
    fn seat(&mut self, g: usize, bid: i64, i: u32) {
        if self.never_full(g) {
            // A seat is always free here, at price 0.
            self.seats[g].free -= 1;
            self.class_of[i as usize] = g as u32;
            self.paid[i as usize] = 0;
            return;
        }
        let s = &self.seats[g];
        let take_free = s.free > 0
            && s.heap
                .peek()
                .is_none_or(|Reverse((p, _))| s.free_price <= *p);
        if take_free {
            self.seats[g].free -= 1;
        } else {
            let Reverse((p, h)) = self.seats[g].heap.pop().expect("a seat");
            if self.holds(g, p, h) {
                self.class_of[h as usize] = NONE;
                self.wait(h as usize);
            } else {
                self.seats[g].vacant -= 1;
            }
        }
        self.seats[g].heap.push(Reverse((bid, i)));
        self.class_of[i as usize] = g as u32;
        self.paid[i as usize] = bid;
        self.price[g] = self.seats[g].price();
    }

    /// Person `i` bids for its best group, or stays unplaced if no group gives it more than 0.
    fn bid(&mut self, i: usize, eps: i64) {
        let (mut best, mut best_group, mut benefit) = (0, NONE, 0);
        let mut second = 0; // unplaced is always an option
        for &(g, w) in &self.problem.edges[i] {
            let price = self.price[g as usize];
            if price == UNAVAILABLE {
                continue;
            }
            let b = w * self.scale;
            let v = b - price;
            if v > best {
                second = best;
                (best, best_group, benefit) = (v, g, b);
            } else if v > second {
                second = v;
            }
        }
        if best_group == NONE {
            self.profit[i] = 0;
        } else {
            let bid = benefit - second + eps;
            // Where seats are not auctioned the person pays 0 and keeps all of its best value.
            self.profit[i] = if self.never_full(best_group as usize) {
                best
            } else {
                second - eps
            };
            self.seat(best_group as usize, bid, i as u32);
        }
    }

    /// Person `i` joins the people waiting to bid.
    fn wait(&mut self, i: usize) {
        self.profit[i] = WAITING;
        self.waiting.push_back(i as u32);
    }

    /// Group `g` has `k` vacant seats above price 0 (a reverse bid). Their price goes down to
    /// where the `k` people who gain most by moving to `g` gain at least ε (at the least 0), and
    /// those people take them.
    fn lower(&mut self, g: usize, eps: i64) {
        let s = &mut self.seats[g];
        let entries = std::mem::take(&mut s.heap).into_vec();
        let mut kept = Vec::with_capacity(entries.len());
        for Reverse((p, h)) in entries {
            if self.holds(g, p, h) {
                kept.push(Reverse((p, h)));
            }
        }
        let s = &mut self.seats[g];
        s.heap = kept.into();
        s.free += s.vacant;
        s.vacant = 0;
        let k = s.free as usize;
        // (what each other person would pay here and be as well off, person), best first.
        let mut beta: Vec<(Reverse<i64>, u32)> = self.members[self.start[g]..self.start[g + 1]]
            .iter()
            .filter(|(i, _)| {
                self.class_of[*i as usize] != g as u32 && self.profit[*i as usize] != WAITING
            })
            .map(|&(i, w)| (Reverse(w * self.scale - self.profit[i as usize]), i))
            .collect();
        let floor = if beta.len() > k {
            beta.select_nth_unstable(k);
            let floor = (beta[k].0 .0 - eps).max(0);
            beta.truncate(k);
            floor
        } else {
            0
        };
        beta.sort_unstable();
        self.seats[g].free_price = floor;
        for (Reverse(b), i) in beta {
            if b - floor < eps {
                break;
            }
            let i = i as usize;
            let old = self.class_of[i];
            if old != NONE {
                self.seats[old as usize].vacant += 1;
                self.vacated.push(old);
            }
            let s = &mut self.seats[g];
            s.free -= 1;
            s.heap.push(Reverse((floor, i as u32)));
            self.class_of[i] = g as u32;
            self.paid[i] = floor;
            self.profit[i] += b - floor;
        }
        self.price[g] = self.seats[g].price();
    }

    /// One phase: every seat free at its group's price (lowered a little), everyone bidding,
    /// until everyone is seated or unplaced within ε of their best and no vacant seat is above
    /// price 0. Returns false if it took more than `budget` bids and reverse bids.
    fn phase(&mut self, eps: i64, budget: u64) -> bool {
        for (g, s) in self.seats.iter_mut().enumerate() {
            s.free = s.count;
            if s.count > 0 {
                self.price[g] = (self.price[g] - PRICE_DROP * eps).max(0);
            }
            s.free_price = self.price[g];
            s.vacant = 0;
            s.heap.clear();
        }
        self.class_of.fill(NONE);
        self.profit.fill(WAITING);
        self.waiting = (0..self.problem.edges.len() as u32).collect();
        self.vacated = (0..self.seats.len() as u32).collect();
        let mut work = 0u64;
        loop {
            while let Some(i) = self.waiting.pop_front() {
                self.bid(i as usize, eps);
                work += 1;
            }
            let mut lowered = false;
            for g in std::mem::take(&mut self.vacated) {
                let g = g as usize;
                let never_full = self.never_full(g);
                let s = &mut self.seats[g];
                if never_full {
                    // A vacated seat is simply free again, at price 0: lowering would rank all
                    // the group's members for nothing, on every vacancy.
                    s.free += s.vacant;
                    s.vacant = 0;
                    continue;
                }
                if s.count > 0 && (s.vacant > 0 || (s.free > 0 && s.free_price > 0)) {
                    self.lower(g, eps);
                    lowered = true;
                    work += 1;
                }
            }
            if !lowered {
                return true;
            }
            if work > budget {
                return false;
            }
        }
    }

    /// Whether the assignment is optimal, proven by a dual solution: group prices (0 for a group
    /// with a free seat) and each person's best net benefit (at least 0) bound every assignment's
    /// total from above, and this one's total is within `scale` (one unit of the integer weights)
    /// of that bound.
    fn certified(&self) -> bool {
        let dual_price = |g: usize| {
            let s = &self.seats[g];
            if s.free + s.vacant == 0 {
                self.price[g] as i128
            } else {
                0
            }
        };
        let mut bound: i128 = (0..self.seats.len())
            .map(|g| i128::from(self.seats[g].count) * dual_price(g))
            .sum();
        let mut total: i128 = 0;
        for (i, edges) in self.problem.edges.iter().enumerate() {
            let mut best: i128 = 0;
            for &(g, w) in edges {
                let b = i128::from(w * self.scale);
                if self.seats[g as usize].count > 0 {
                    best = best.max(b - dual_price(g as usize));
                }
                if self.class_of[i] == g {
                    total += b;
                }
            }
            bound += best;
        }
        bound - total < i128::from(self.scale)
    }
}

/// Solves the problem exactly, or returns `None` if the auction needs more than a budget of
/// bids (a bound on its running time) or cannot prove its result optimal; `solve::solve`
/// then falls back on shortest paths.
///
/// ```
/// use groupmatch::matching::auction::solve;
/// use groupmatch::matching::problem::AssignmentProblem;
/// // Two people want the one seat of group 0; the second also likes group 1.
/// let p = AssignmentProblem {
///     seats: vec![Some(1), Some(1)],
///     edges: vec![vec![(0, 10)], vec![(0, 9), (1, 8)]],
/// };
/// let a = solve(&p).expect("a certified optimum");
/// assert_eq!(a.group_of, vec![Some(0), Some(1)]);
/// assert_eq!(a.objective, 18);
/// ```
pub fn solve(problem: &AssignmentProblem) -> Option<Assignment> {
    let groups = problem.seats.len();
    let people = problem.edges.len();
    // People with an edge to each group (a compressed adjacency list).
    let mut start = vec![0usize; groups + 1];
    let mut max_weight = 0i64;
    for &(g, w) in problem.edges.iter().flatten() {
        start[g as usize + 1] += 1;
        max_weight = max_weight.max(w.abs());
    }
    for g in 0..groups {
        start[g + 1] += start[g];
    }
    let mut members = vec![(0u32, 0i64); start[groups]];
    let mut next = start.clone();
    for (i, edges) in problem.edges.iter().enumerate() {
        for &(g, w) in edges {
            members[next[g as usize]] = (i as u32, w);
            next[g as usize] += 1;
        }
    }
    let seats: Vec<Seats> = (0..groups)
        .map(|g| {
            let degree = (start[g + 1] - start[g]) as u32;
            // More seats than people with an edge here can never fill: one spare seat is as
            // good as any number.
            Seats {
                count: problem.seats[g].map_or(degree + 1, |s| s.min(degree + 1)),
                ..Seats::default()
            }
        })
        .collect();
    let scale = people as i64 + 1;
    max_weight.checked_mul(scale.checked_mul(4)?)?;
    let mut auction = Auction {
        problem,
        scale,
        price: seats
            .iter()
            .map(|s| if s.count == 0 { UNAVAILABLE } else { 0 })
            .collect(),
        seats,
        start,
        members,
        class_of: vec![NONE; people],
        paid: vec![0; people],
        profit: vec![0; people],
        waiting: VecDeque::new(),
        vacated: Vec::new(),
    };
    let budget = BUDGET_PER_PERSON * (people as u64 + groups as u64 + 1);
    let mut eps = (max_weight * scale / EPSILON_FACTOR).max(1);
    loop {
        if !auction.phase(eps, budget) {
            return None;
        }
        if eps == 1 {
            break;
        }
        eps = (eps / EPSILON_FACTOR).max(1);
    }
    if !auction.certified() {
        return None;
    }
    let group_of: Vec<Option<u32>> = auction
        .class_of
        .iter()
        .map(|&g| (g != NONE).then_some(g))
        .collect();
    let objective = group_of
        .iter()
        .zip(&problem.edges)
        .filter_map(|(g, edges)| g.map(|g| edges.iter().find(|e| e.0 == g).map_or(0, |e| e.1)))
        .sum();
    Some(Assignment {
        group_of,
        objective,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::flow;
    use crate::matching::problem::tests::arb_problem;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_auction_proves_the_shortest_paths_optimum(p in arb_problem(12, 40)) {
            let a = solve(&p).expect("a certified optimum");
            prop_assert_eq!(a.objective, flow::shortest_paths(&p).objective);
        }
    }
}
