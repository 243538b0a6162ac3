#!/usr/bin/env python3
"""Re-solve a `groupmatch match` problem with OR-Tools' SimpleMinCostFlow and compare objectives.

Peer comparison, run by hand (never in CI; needs numpy, pandas and ortools):

    groupmatch simulate --seed 5 --people 20000 --groups 3000 --placements 40000 \
        --waitlist 20000 --out sim --force
    groupmatch match --waitlist sim/waitlist.csv --groups sim/groups.csv \
        --now 2026-06-01T12:00:00Z --out sim/m.csv \
        --export-scores sim/export --summary sim/summary.json
    python3 benches/peers/ortools_match.py sim/export --summary sim/summary.json

It reads DIR/edges.csv (`person_id,group_id,score`, score = edge weight of the objective) and
DIR/capacity.csv (`group_id,capacity`, open seats; 1000000000 for unlimited) and builds the
min-cost flow network

    source -> person          capacity 1, cost 0    (supply = number of people at the source)
    person -> group           capacity 1, cost -round(weight * 1e9)
    person -> sink            capacity 1, cost 0    ("unplaced": nobody has to be placed)
    group  -> sink            capacity = open seats, cost 0   (demand = number of people)

whose minimum cost is minus the maximum total weight with each person in at most one group and each
group within its seats. It prints the CSV load time, the network build time and the solve time
(separately: the solve time excludes loading and building), the objective recomputed from the flow
(sum of the chosen edges' weights as read from the CSV) and, with `--summary`, groupmatch's
`objective` (and `placed`, `seconds`) next to it with the relative difference. The flow is also
checked (each person at most once, seats never exceeded). Exit status 1 if the relative difference
exceeds `--tol` (default 1e-6) or the check fails.

A match solved in stages (strict priority tiers) exports one folder per stage, `DIR/1-TIER`,
`DIR/2-TIER`, ..., each with the seats its stage began with. Re-solve each with `--stage K`, which
compares with the summary's `stages[K-1].objective`; use `--stage 1` too for a match with holds
(its `objective` includes the held places, which no exported problem holds):

    python3 benches/peers/ortools_match.py sim/export/1-pregnant --summary sim/summary.json --stage 1
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

SCALE = 1e9


def load(export_dir):
    """Read edges.csv and capacity.csv; ids stay strings (never parsed as numbers)."""
    ids = {"person_id": str, "group_id": str}
    edges = pd.read_csv(export_dir / "edges.csv", dtype={**ids, "score": np.float64},
                        keep_default_na=False, na_filter=False)
    capacity = pd.read_csv(export_dir / "capacity.csv", dtype={"group_id": str, "capacity": np.int64},
                           keep_default_na=False, na_filter=False)
    return edges, capacity


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="directory written by `match --export-scores`")
    parser.add_argument("--summary", type=Path, help="JSON written by `match --summary`, to compare")
    parser.add_argument("--tol", type=float, default=1e-6, help="allowed relative difference")
    parser.add_argument("--stage", type=int, help="compare with this stage's objective (1-based)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    edges, capacity = load(args.export)
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    if capacity["group_id"].duplicated().any():
        sys.exit("capacity.csv: duplicate group ids")
    dup = edges.duplicated(["person_id", "group_id"])
    if dup.any():
        print(f"warning: {int(dup.sum())} duplicate (person, group) edges in edges.csv", file=sys.stderr)
    if (capacity["capacity"] < 0).any():
        sys.exit("capacity.csv: negative capacity")
    weights = edges["score"].to_numpy()
    if not np.isfinite(weights).all():
        sys.exit("edges.csv: non-finite score")
    person_idx, person_ids = pd.factorize(edges["person_id"])
    group_pos = pd.Index(capacity["group_id"])
    group_idx = group_pos.get_indexer(edges["group_id"])
    if (group_idx < 0).any():
        missing = edges["group_id"][group_idx < 0].unique()
        sys.exit(f"edges.csv: {len(missing)} group ids not in capacity.csv, e.g. {missing[:5].tolist()}")
    n_people, n_groups, n_edges = len(person_ids), len(capacity), len(edges)
    caps = capacity["capacity"].to_numpy(dtype=np.int64)

    # Nodes: 0 = source, 1..P = people, P+1..P+G = groups, P+G+1 = sink.
    source, sink = 0, n_people + n_groups + 1
    people = np.arange(1, n_people + 1, dtype=np.int32)
    groups = np.arange(n_people + 1, n_people + n_groups + 1, dtype=np.int32)
    edge_tails = (person_idx + 1).astype(np.int32)
    edge_heads = (group_idx + n_people + 1).astype(np.int32)
    costs = -np.rint(weights * SCALE).astype(np.int64)

    tails = np.concatenate([np.full(n_people, source, np.int32), edge_tails, people, groups])
    heads = np.concatenate([people, edge_heads, np.full(n_people, sink, np.int32),
                            np.full(n_groups, sink, np.int32)])
    arc_caps = np.concatenate([np.ones(n_people + n_edges + n_people, np.int64), caps])
    arc_costs = np.concatenate([np.zeros(n_people, np.int64), costs,
                                np.zeros(n_people + n_groups, np.int64)])

    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, arc_caps, arc_costs)
    smcf.set_nodes_supplies(np.array([source, sink], np.int32),
                            np.array([n_people, -n_people], np.int64))
    build_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    status = smcf.solve()
    solve_s = time.perf_counter() - t0
    if status != smcf.OPTIMAL:
        sys.exit(f"SimpleMinCostFlow status {status}, not OPTIMAL")

    edge_arcs = np.arange(n_people, n_people + n_edges, dtype=np.int32)
    chosen = smcf.flows(edge_arcs) > 0
    objective = float(weights[chosen].sum())
    objective_from_cost = -smcf.optimal_cost() / SCALE
    placed = int(chosen.sum())

    ok = True
    per_person = np.bincount(person_idx[chosen], minlength=n_people)
    per_group = np.bincount(group_idx[chosen], minlength=n_groups)
    if per_person.max(initial=0) > 1 or (per_group > caps).any():
        print("error: OR-Tools flow violates a constraint", file=sys.stderr)
        ok = False

    unlimited = int((caps >= 1_000_000_000).sum())
    print(f"problem: {n_people} people with edges, {n_groups} groups ({unlimited} unlimited), "
          f"{n_edges} edges, {int(caps[caps < 1_000_000_000].sum())} limited seats")
    print(f"ortools: load {load_s:.3f} s, build {build_s:.3f} s, solve {solve_s:.3f} s")
    print(f"ortools: placed {placed}, objective {objective:.9f} (from cost {objective_from_cost:.9f})")

    if args.summary:
        summary = json.loads(args.summary.read_text())
        theirs = float(summary["objective"] if args.stage is None
                       else summary["stages"][args.stage - 1]["objective"])
        rel = abs(theirs - objective) / max(abs(objective), 1e-12)
        seconds = summary.get("seconds", {})
        print(f"groupmatch: placed {summary.get('placed')}, objective {theirs:.9f}, seconds "
              + ", ".join(f"{k} {v:.3f}" for k, v in seconds.items()))
        print(f"relative difference {rel:.3e} ({'ok' if rel <= args.tol else 'EXCEEDS'} tol {args.tol:g})")
        if "solve" in seconds and seconds["solve"] > 0:
            print(f"solve time ratio ortools/groupmatch: {solve_s / seconds['solve']:.2f}x")
        ok = ok and rel <= args.tol
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
