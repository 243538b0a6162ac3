//! Re-solves a problem written by `groupmatch match --export-scores DIR` with groupmatch's own
//! solver and prints the solve time and objective: the counterpart of
//! `benches/peers/ortools_match.py`, so both solvers can be timed on the very same edges.
//!
//! ```text
//! cargo run --release --example solve_export -- DIR
//! ```

use std::collections::HashMap;
use std::time::Instant;

use groupmatch::matching::problem::{scale, AssignmentProblem, WEIGHT_SCALE};
use groupmatch::matching::solve::solve;

/// Seats at or above this in `capacity.csv` mean unlimited.
const UNLIMITED: u64 = 1_000_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: solve_export DIR")?;
    let started = Instant::now();
    let mut groups: HashMap<String, u32> = HashMap::new();
    let mut seats = Vec::new();
    for row in csv::Reader::from_path(format!("{dir}/capacity.csv"))?.records() {
        let row = row?;
        let capacity: u64 = row[1].parse()?;
        groups.insert(row[0].to_string(), seats.len() as u32);
        seats.push((capacity < UNLIMITED).then_some(capacity as u32));
    }
    let mut people: HashMap<String, usize> = HashMap::new();
    let mut edges: Vec<Vec<(u32, i64)>> = Vec::new();
    for row in csv::Reader::from_path(format!("{dir}/edges.csv"))?.records() {
        let row = row?;
        let next = people.len();
        let p = *people.entry(row[0].to_string()).or_insert(next);
        if p == edges.len() {
            edges.push(Vec::new());
        }
        let g = *groups.get(&row[1]).ok_or("edge to an unknown group")?;
        edges[p].push((g, scale(row[2].parse()?)?));
    }
    let problem = AssignmentProblem { seats, edges };
    let load = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let a = solve(&problem);
    let solve_s = started.elapsed().as_secs_f64();
    let placed = a.group_of.iter().flatten().count();
    println!(
        "groupmatch: load {load:.3} s, solve {solve_s:.3} s; placed {placed}, objective {:.9}",
        a.objective as f64 / WEIGHT_SCALE
    );
    Ok(())
}
