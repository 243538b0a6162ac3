#!/usr/bin/env python3
"""Reruns the README's command tour and rewrites each `console` block with what it now prints.

Usage: cargo build --release && python3 scripts/refresh_readme.py [BINARY]

tests/readme.rs checks the tour; this rewrites it after an intended change of output. A line
with `[..]` (timings) is kept while it still matches; a block cut with `...` keeps its length;
everything else becomes the new output. Review the diff before committing it.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/groupmatch"
# The referrals examples use the default database: a new one for each run of the tour, as in
# tests/readme.rs.
ENV = dict(os.environ, GROUPMATCH_DB=os.path.join(tempfile.mkdtemp(), "groupmatch.db"))


def matches(actual, expected):
    pattern = "^" + ".*".join(re.escape(p) for p in expected.split("[..]")) + "$"
    return re.match(pattern, actual, re.S) is not None


def refresh(command, expected):
    args = shlex.split(command)
    out = subprocess.run([BINARY] + args, capture_output=True, text=True, env=ENV).stdout.splitlines()
    cut = expected.index("...") if "..." in expected else None
    shown = out if cut is None else out[:cut]
    new = []
    for i, line in enumerate(shown):
        old = expected[i] if i < len(expected) else None
        new.append(old if old is not None and "[..]" in old and matches(line, old) else line)
    return new + (["..."] if cut is not None else [])


def main():
    lines = open("README.md").read().split("\n")
    result, i, in_console = [], 0, False
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            in_console = line == "```console"
            result.append(line)
            i += 1
            continue
        if in_console and line.startswith("$ groupmatch "):
            result.append(line)
            i += 1
            expected = []
            while i < len(lines) and not lines[i].startswith("$ ") and not lines[i].startswith("```"):
                expected.append(lines[i])
                i += 1
            result.extend(refresh(line[len("$ groupmatch "):], expected))
            continue
        result.append(line)
        i += 1
    open("README.md", "w").write("\n".join(result))


if __name__ == "__main__":
    main()
