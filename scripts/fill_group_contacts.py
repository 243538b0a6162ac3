#!/usr/bin/env python3
"""Fill the `address`, `phone` and `join_url` columns of data/groups.csv (issue 17).

Reproducible: run from the repository root,

    python3 scripts/fill_group_contacts.py [FEED]

where FEED is the redacted Southeastern Pennsylvania Meeting Guide copy
(default ../shared/data/external/meetingguide_aa-southeastern-pennsylvania_2022-10_2038.json).
Running it twice gives the same file.

- AA groups (`aa-*`, real): `address` is the feed's `formatted_address` (without ", USA") of the
  meetings with the group's name (the name before a suffix such as " (Women)") at the group's
  coordinates, for in-person and hybrid groups, when it is a street address (starts with a house
  number). Phones, notes, e-mails and conference links or dial-ins of real meetings are not
  copied: `phone` and `join_url` stay empty (see data/README.md for why).
- Synthetic groups: invented but plausible street addresses in the group's town (with the town's
  real ZIP code), fictional 555-01xx phone numbers for professionally led groups, and
  https://example.org/join/ID links for online and hybrid groups. Invented values are derived from
  the group id (a hash), not from a random generator, so they never move when rows change.
"""

import csv
import hashlib
import io
import json
import re
import sys

GROUPS = "data/groups.csv"
FEED = "../shared/data/external/meetingguide_aa-southeastern-pennsylvania_2022-10_2038.json"
COLUMNS = ["address", "phone", "join_url"]

# Town -> (state, ZIP code, telephone area code). ZIP and area codes are the towns' real ones;
# the streets below are common street names of the area, the house numbers invented.
TOWNS = {
    "Philadelphia": ("PA", None, "215"),
    "Media": ("PA", "19063", "610"),
    "Norristown": ("PA", "19401", "610"),
    "Camden": ("NJ", "08102", "856"),
    "Doylestown": ("PA", "18901", "215"),
    "Cherry Hill": ("NJ", "08002", "856"),
    "Collingswood": ("NJ", "08108", "856"),
    "Bryn Mawr": ("PA", "19010", "610"),
    "Ardmore": ("PA", "19003", "610"),
    "Chester": ("PA", "19013", "610"),
    "Upper Darby": ("PA", "19082", "610"),
    "West Chester": ("PA", "19380", "610"),
    "Phoenixville": ("PA", "19460", "610"),
    "King of Prussia": ("PA", "19406", "610"),
    "Bristol": ("PA", "19007", "215"),
    "Lansdale": ("PA", "19446", "215"),
    "Bensalem": ("PA", "19020", "215"),
    "Jenkintown": ("PA", "19046", "215"),
    "Newtown": ("PA", "18940", "215"),
}
STREETS = ["Main St", "Market St", "Church St", "High St", "Chestnut St", "Walnut St",
           "Locust St", "Spruce St", "Pine St", "Oak Ave", "Maple Ave", "Lancaster Ave",
           "Park Ave", "Washington St", "Broad St", "Franklin St"]
# Philadelphia neighbourhood ZIP codes by rough latitude/longitude (nearest centre wins).
PHILLY_ZIPS = [
    ("19107", 39.9489, -75.1578), ("19103", 39.9525, -75.1740), ("19104", 39.9597, -75.1960),
    ("19125", 39.9760, -75.1260), ("19127", 40.0270, -75.2270), ("19147", 39.9360, -75.1540),
    ("19146", 39.9380, -75.1800), ("19122", 39.9780, -75.1440), ("19130", 39.9670, -75.1720),
    ("19144", 40.0340, -75.1740), ("19119", 40.0540, -75.1930), ("19124", 40.0180, -75.0940),
    ("19134", 39.9930, -75.1120), ("19140", 40.0110, -75.1450), ("19143", 39.9440, -75.2280),
    ("19148", 39.9200, -75.1560), ("19149", 40.0370, -75.0660), ("19111", 40.0600, -75.0800),
    ("19128", 40.0490, -75.2300), ("19131", 39.9840, -75.2280),
]


def digest(group_id, salt):
    return int(hashlib.sha256(f"{salt}:{group_id}".encode()).hexdigest(), 16)


def base_name(name):
    return re.sub(r" \([^)]*\)$", "", name)


def real_addresses(feed):
    """(name, lat, lon) -> formatted addresses of the feed's meetings there."""
    found = {}
    for m in feed:
        try:
            key = (m["name"].strip(), round(float(m["latitude"]), 5), round(float(m["longitude"]), 5))
        except (KeyError, ValueError):
            continue
        found.setdefault(key, set()).add(m.get("formatted_address", "").strip())
    return found


def street_address(text):
    text = re.sub(r", USA$", "", text.strip())
    return text if re.match(r"^\d+[A-Za-z]? ", text) and "removed]" not in text else None


def philly_zip(lat, lon):
    return min(PHILLY_ZIPS, key=lambda z: (z[1] - lat) ** 2 + (z[2] - lon) ** 2)[0]


def invented_address(row):
    town = row["city"]
    if not town or town not in TOWNS or not row["latitude"]:
        return None
    state, zip_code, _ = TOWNS[town]
    if zip_code is None:
        zip_code = philly_zip(float(row["latitude"]), float(row["longitude"]))
    h = digest(row["id"], "address")
    number = 100 + (h % 49) * 50 + (h // 49 % 2) * 1
    street = STREETS[h // 98 % len(STREETS)]
    return f"{number} {street}, {town}, {state} {zip_code}"


def main():
    feed_path = sys.argv[1] if len(sys.argv) > 1 else FEED
    with open(feed_path, encoding="utf-8") as f:
        feed = json.load(f)
    places = real_addresses(feed)
    with open(GROUPS, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    header = [c for c in rows[0].keys() if c not in COLUMNS] + COLUMNS
    phones = 0
    counts = {"aa_address": 0, "aa_no_address": 0, "synthetic_address": 0, "phone": 0, "join_url": 0}
    for row in rows:
        for c in COLUMNS:
            row[c] = ""
        attends_in_room = row["format"] in ("in_person", "hybrid")
        if row["id"].startswith("aa-"):
            if attends_in_room and row["latitude"]:
                key = (base_name(row["name"]), round(float(row["latitude"]), 5),
                       round(float(row["longitude"]), 5))
                streets = sorted({a for a in map(street_address, places.get(key, ())) if a})
                if len(streets) == 1:
                    row["address"] = streets[0]
                    counts["aa_address"] += 1
                else:
                    counts["aa_no_address"] += 1
            continue
        if attends_in_room:
            address = invented_address(row)
            if address:
                row["address"] = address
                counts["synthetic_address"] += 1
        if row["facilitation"] == "professional":
            area = TOWNS.get(row["city"], ("PA", None, "215"))[2]
            # 555-0100 to 555-0199 are reserved for fiction.
            row["phone"] = f"({area}) 555-01{phones % 100:02d}"
            phones += 1
            counts["phone"] += 1
        if row["format"] in ("online", "hybrid"):
            row["join_url"] = f"https://example.org/join/{row['id']}"
            counts["join_url"] += 1
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with open(GROUPS, "w", newline="", encoding="utf-8") as f:
        f.write(out.getvalue())
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
