#!/usr/bin/env python3
"""Add priority codes and holds to a simulated waitlist, for the peer comparison of a match with
priorities and holds (run by hand; standard library only).

    python3 benches/peers/prioritise.py sim/waitlist.csv sim/groups.csv --seed 1 --out sim/prio

writes into the folder given by --out:

- `waitlist.csv`: the waitlist with a `priority` column: about 1% of people `pregnant;injects_drugs`,
  2% `pregnant`, 6% `injects_drugs` and 4% `leaving_residential` (an organisation's code);
- `priority.toml`: the block grant's three tiers and a fourth, `step_down`, for that code, with
  bonuses for `--priority weighted`;
- `holds.csv`: about 2% of people held in a group drawn at random (so some holds will not hold:
  the group does not fit the person or has no seat left), and two holds naming nobody and no group.

The same seed gives the same files. Then, for example:

    groupmatch match --waitlist sim/prio/waitlist.csv --groups sim/groups.csv \\
        --priority-file sim/prio/priority.toml --hold sim/prio/holds.csv \\
        --now 2026-11-26T12:00:00Z --out sim/prio/m.csv --summary sim/prio/s.json \\
        --export-scores sim/prio/export
    for k in 1 2 3 4 5; do python3 benches/peers/ortools_match.py sim/prio/export/$k-* \\
        --summary sim/prio/s.json --stage $k; done
"""
import argparse
import csv
import random
from pathlib import Path

PRIORITY_TOML = """# The block grant's order (45 CFR 96.131), then people leaving residential treatment.
policy = "strict"

[codes]
leaving_residential = "leaving residential treatment within 30 days"

[[tier]]
name = "pregnant_injects"
when = ["pregnant+injects_drugs"]
bonus = 0.4

[[tier]]
name = "pregnant"
when = ["pregnant"]
bonus = 0.3

[[tier]]
name = "injects_drugs"
when = ["injects_drugs"]
bonus = 0.2

[[tier]]
name = "step_down"
when = ["leaving_residential"]
bonus = 0.1
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("waitlist", type=Path)
    parser.add_argument("groups", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    with args.waitlist.open(newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames + ["priority"]
        rows = list(reader)
    with args.groups.open(newline="") as f:
        group_ids = [g["id"] for g in csv.DictReader(f)]

    for row in rows:
        u = rng.random()
        row["priority"] = (
            "pregnant;injects_drugs" if u < 0.01 else
            "pregnant" if u < 0.03 else
            "injects_drugs" if u < 0.09 else
            "leaving_residential" if u < 0.13 else "")
    with (args.out / "waitlist.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    held = [r["id"] for r in rows if rng.random() < 0.02]
    with (args.out / "holds.csv").open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["person_id", "group_id"])
        for person in held:
            writer.writerow([person, rng.choice(group_ids)])
        writer.writerow(["nobody-on-the-list", group_ids[0]])
        writer.writerow([next(r["id"] for r in rows if r["id"] not in held), "no-such-group"])
    (args.out / "priority.toml").write_text(PRIORITY_TOML)
    print(f"{len(rows)} people, {sum(1 for r in rows if r['priority'])} with a priority code, "
          f"{len(held) + 2} holds")


if __name__ == "__main__":
    main()
