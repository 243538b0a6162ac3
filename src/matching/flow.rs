//! Successive shortest paths, an exact solver for the seat assignment problem of
//! [`super::problem`]; `solve::solve` uses it when the auction cannot prove its result.
//!
//! [`shortest_paths`] is a min-cost flow (source -> person -> group -> sink, plus a zero-cost
//! "unplaced" arc from every person to the sink) solved by successive shortest paths with Johnson
//! potentials, one person at a time, as in the Hungarian method for sparse rectangular
//! assignment. After person `k` is added the flow is optimal for the first `k` people, so the
//! final flow is an exact optimum. Each step is a Dijkstra search from the new person over the
//! residual graph that stops as soon as the sink is settled, so it only explores the part of the
//! graph whose assignment can change; potentials are updated only on the nodes it settled (a
//! constant shift of all the others does not change reduced costs).
//!
//! Weights are integers (callers scale real scores, see [`super::problem::scale`]), so the
//! optimum is exact and the same on every machine; the method is deterministic.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::problem::{Assignment, AssignmentProblem};

/// The current assignment, with what the residual graph needs. Node numbering: people 0..P,
/// groups P..P+G, the sink P+G.
struct Graph<'a> {
    problem: &'a AssignmentProblem,
    /// People placed in each group, for the reverse arcs group -> person.
    members: Vec<Vec<u32>>,
    /// Each person's group and the weight of that edge.
    placed: Vec<Option<(u32, i64)>>,
    /// Each placed person's index in its group's `members`.
    slot: Vec<u32>,
}

impl Graph<'_> {
    fn has_free_seat(&self, group: usize) -> bool {
        self.problem.seats[group].is_none_or(|s| (self.members[group].len() as u32) < s)
    }

    fn leave(&mut self, person: usize) {
        if let Some((g, _)) = self.placed[person].take() {
            let list = &mut self.members[g as usize];
            let at = self.slot[person] as usize;
            list.swap_remove(at);
            if let Some(&moved) = list.get(at) {
                self.slot[moved as usize] = at as u32;
            }
        }
    }

    fn join(&mut self, person: usize, group: u32, weight: i64) {
        self.leave(person);
        self.slot[person] = self.members[group as usize].len() as u32;
        self.members[group as usize].push(person as u32);
        self.placed[person] = Some((group, weight));
    }
}

/// Solves the problem exactly by successive shortest paths (see the module documentation).
///
/// ```
/// use groupmatch::matching::flow::shortest_paths;
/// use groupmatch::matching::problem::AssignmentProblem;
/// // Two people want the one seat of group 0; the second also likes group 1.
/// let p = AssignmentProblem {
///     seats: vec![Some(1), Some(1)],
///     edges: vec![vec![(0, 10)], vec![(0, 9), (1, 8)]],
/// };
/// let a = shortest_paths(&p);
/// assert_eq!(a.group_of, vec![Some(0), Some(1)]);
/// assert_eq!(a.objective, 18);
/// ```
pub fn shortest_paths(problem: &AssignmentProblem) -> Assignment {
    let people = problem.edges.len();
    let groups = problem.seats.len();
    let sink = people + groups;
    let nodes = sink + 1;
    let mut g = Graph {
        problem,
        members: vec![Vec::new(); groups],
        placed: vec![None; people],
        slot: vec![0; people],
    };
    // Potentials: costs are -weight on person -> group arcs. Start groups at -max incoming weight
    // and the sink at the minimum, so every arc has a non-negative reduced cost.
    let mut potential = vec![0i64; nodes];
    for edges in &problem.edges {
        for &(grp, w) in edges {
            let node = people + grp as usize;
            potential[node] = potential[node].min(-w);
        }
    }
    potential[sink] = potential[people..sink]
        .iter()
        .copied()
        .min()
        .unwrap_or(0)
        .min(0);

    let mut dist = vec![i64::MAX; nodes];
    let mut parent = vec![usize::MAX; nodes];
    let mut settled = vec![false; nodes];
    let mut touched: Vec<usize> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();

    for p in 0..people {
        // The new person's potential makes all its arcs (to groups and to the sink) non-negative.
        potential[p] = problem.edges[p]
            .iter()
            .map(|&(grp, w)| potential[people + grp as usize] + w)
            .fold(potential[sink], i64::max);

        heap.clear();
        dist[p] = 0;
        touched.push(p);
        heap.push(Reverse((0, p)));
        let mut settled_order: Vec<usize> = Vec::new();
        while let Some(Reverse((d, u))) = heap.pop() {
            if settled[u] || d > dist[u] {
                continue;
            }
            settled[u] = true;
            settled_order.push(u);
            if u == sink {
                break;
            }
            let mut relax = |v: usize, cost: i64, heap: &mut BinaryHeap<Reverse<(i64, usize)>>| {
                let reduced = cost + potential[u] - potential[v];
                debug_assert!(reduced >= 0, "negative reduced cost {reduced}");
                let nd = d + reduced.max(0);
                if nd < dist[v] {
                    if dist[v] == i64::MAX {
                        touched.push(v);
                    }
                    dist[v] = nd;
                    parent[v] = u;
                    heap.push(Reverse((nd, v)));
                }
            };
            if u < people {
                // Person: to any group it is not in, or out to the sink (unplaced) if it is placed.
                let current = g.placed[u].map(|(grp, _)| grp);
                for &(grp, w) in &problem.edges[u] {
                    if current != Some(grp) {
                        relax(people + grp as usize, -w, &mut heap);
                    }
                }
                // Out to the sink: a placed person leaving its group, or the new person staying
                // unplaced (people not yet placed are unreachable otherwise).
                if current.is_some() || u == p {
                    relax(sink, 0, &mut heap);
                }
            } else {
                // Group: to the sink if a seat is free, or back to one of its members.
                // With a free seat, going on through a member can never be shorter than taking
                // the seat (that would be a negative cycle through the sink, and the current
                // flow is optimal), so members are only explored for full groups.
                let grp = u - people;
                if g.has_free_seat(grp) {
                    relax(sink, 0, &mut heap);
                } else {
                    for &m in &g.members[grp] {
                        let w = g.placed[m as usize].expect("members are placed").1;
                        relax(m as usize, w, &mut heap);
                    }
                }
            }
        }
        // The sink is always reached (the new person may stay unplaced); augment along the path.
        let total = dist[sink];
        let mut v = sink;
        while v != p {
            let u = parent[v];
            if u < people && v == sink {
                // person -> sink: a placed person leaves its group (the new person just stays out).
                g.leave(u);
            } else if u < people {
                // person -> group: the person joins the group, leaving its old one.
                let grp = (v - people) as u32;
                let w = problem.edges[u]
                    .iter()
                    .find(|(x, _)| *x == grp)
                    .expect("an edge")
                    .1;
                g.join(u, grp, w);
            }
            // group -> sink and group -> member need nothing: the people's moves carry them.
            v = u;
        }
        // Potentials on settled nodes move by their distance (relative to the path's length).
        for &v in &settled_order {
            if dist[v] < total {
                potential[v] += dist[v] - total;
            }
        }
        for &v in &touched {
            dist[v] = i64::MAX;
            parent[v] = usize::MAX;
            settled[v] = false;
        }
        touched.clear();
    }
    Assignment {
        group_of: g.placed.iter().map(|p| p.map(|(grp, _)| grp)).collect(),
        objective: g.placed.iter().flatten().map(|(_, w)| w).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::problem::tests::arb_problem;
    use crate::matching::solve::solve;
    use proptest::prelude::*;

    /// The best total weight by trying every assignment (tiny problems only).
    fn brute_force(p: &AssignmentProblem) -> i64 {
        fn go(p: &AssignmentProblem, person: usize, used: &mut Vec<u32>) -> i64 {
            if person == p.edges.len() {
                return 0;
            }
            let mut best = go(p, person + 1, used);
            for &(g, w) in &p.edges[person] {
                let g = g as usize;
                if p.seats[g].is_none_or(|s| used[g] < s) {
                    used[g] += 1;
                    best = best.max(w + go(p, person + 1, used));
                    used[g] -= 1;
                }
            }
            best
        }
        go(p, 0, &mut vec![0; p.seats.len()])
    }

    fn check(p: &AssignmentProblem, a: &Assignment) {
        let mut used = vec![0u32; p.seats.len()];
        let mut total = 0;
        for (person, g) in a.group_of.iter().enumerate() {
            if let Some(g) = g {
                used[*g as usize] += 1;
                let w = p.edges[person]
                    .iter()
                    .find(|(x, _)| x == g)
                    .expect("placed on an edge")
                    .1;
                total += w;
            }
        }
        for (g, u) in used.iter().enumerate() {
            assert!(
                p.seats[g].is_none_or(|s| *u <= s),
                "seats of group {g} exceeded"
            );
        }
        assert_eq!(total, a.objective);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn optimum_equals_brute_force(p in arb_problem(5, 8)) {
            let best = brute_force(&p);
            for a in [solve(&p), shortest_paths(&p)] {
                check(&p, &a);
                prop_assert_eq!(a.objective, best);
            }
        }
    }
}
