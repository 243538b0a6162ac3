#!/usr/bin/env python3
"""Builds docs/examples/coordinator/ (the README's coordinator match) from a small simulation.

    groupmatch simulate --seed 11 --people 2000 --groups 200 --placements 100 --waitlist 600 \
        --out target/coord-sim --force
    python3 scripts/make_coordinator_example.py target/coord-sim docs/examples/coordinator

It keeps the simulation's professional groups (CBT, motivational, psychoeducation, dual recovery:
35 groups with few open seats) and its first 120 waitlisted people, gives some of them priority
codes (every 23rd person pregnant, every 11th injecting drugs, every 17th leaving residential
treatment), and writes priority.toml with the block grant's tiers and one for that code (those of
benches/peers/prioritise.py). The
holds (holds.csv) were written by hand: three placements of a first match, and one in a group
that has no seat for it. Simulated people and groups only: no real person's data.
"""
import csv
import importlib.util
import sys
from pathlib import Path

PROFESSIONAL = {"cbt", "motivational", "psychoeducation", "dual_recovery"}



def main():
    sim, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    with (sim / "groups.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        groups = [g for g in reader if g["approach"] in PROFESSIONAL]
        fields = reader.fieldnames
    with (out / "groups.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(groups)
    with (sim / "waitlist.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        people = list(reader)[:120]
        fields = reader.fieldnames + ["priority"]
    for i, p in enumerate(people, 1):
        codes = [c for c, n in (("pregnant", 23), ("injects_drugs", 11), ("leaving_residential", 17))
                 if i % n == 0]
        p["priority"] = ";".join(codes)
    with (out / "waitlist.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(people)
    # The same tiers as the peer comparison's (benches/peers/prioritise.py).
    peers = Path(__file__).resolve().parent.parent / "benches" / "peers" / "prioritise.py"
    spec = importlib.util.spec_from_file_location("prioritise", peers)
    prioritise = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prioritise)
    (out / "priority.toml").write_text(prioritise.PRIORITY_TOML)


if __name__ == "__main__":
    main()
