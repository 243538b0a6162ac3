#!/usr/bin/env python3
"""Writes the seed corpora of every fuzz target into fuzz/seeds/TARGET/ from the repository's own
data (data/, docs/examples/, models/): small inputs, as a coverage-guided fuzzer wants them.
Run from the repository root: python3 fuzz/seed.py"""
import csv, io, json, os, shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


shutil.rmtree(OUT, ignore_errors=True)

# Groups: a few rows of the embedded directory, as CSV and as JSON; the documented bad file.
lines = read("data/groups.csv").decode().splitlines()
header = lines[0]
for i, start in enumerate([1, 40, 120, 250]):
    put("groups_csv", f"rows-{i}.csv", "\n".join([header] + lines[start:start + 3]) + "\n")
put("groups_csv", "bad-groups.csv", read("docs/examples/bad-groups.csv"))
rows = list(csv.DictReader(io.StringIO("\n".join([header] + lines[1:4]))))
for i, row in enumerate(rows):
    obj = {k: v for k, v in row.items() if v != ""}
    for k in ("sessions", "languages", "audience", "focus", "accessibility", "substances"):
        if k in obj:
            obj[k] = obj[k].split(";")
    put("groups_json", f"group-{i}.json", json.dumps([obj], indent=1))

# People and waitlists: the example people.
people = sorted(p for p in os.listdir(os.path.join(ROOT, "data/people")) if p.endswith(".json"))
for p in people:
    put("person_json", p, read(f"data/people/{p}"))
put("person_json", "edmonton-person.json", read("data/meeting-guide/edmonton-person.json"))
jsonl = []
for i, p in enumerate(people[:3]):
    obj = json.loads(read(f"data/people/{p}"))
    obj["waiting_since"] = f"2026-10-0{i + 1}"
    jsonl.append(json.dumps(obj))
put("waitlist_jsonl", "three.jsonl", "\n".join(jsonl) + "\n")
put("waitlist_csv", "two.csv",
    "id,stage,approach_preference,format_preference,availability,timezone,latitude,longitude,"
    "max_travel_km,languages,gender,needs,waiting_since\n"
    "w1,early,secular,either,Mon 17:00-22:00;Sat 09:00-13:00,America/New_York,39.95,-75.16,15,en;es,"
    "woman,childcare,2026-09-01\n"
    "w2,first_year,spiritual,online,Tue 18:00-21:00,America/New_York,,,,en,man,,2026-11-01\n")

# Rules: the default file, and each rule alone.
default = read("data/rules/default.toml").decode()
put("rules", "default.toml", default)
blocks = default.split("[[rules]]")
refs = default[default.index("[references]"):] if "[references]" in default else ""
for i, block in enumerate(blocks[1:6]):
    body = block.split("[references]")[0]
    put("rules", f"rule-{i}.toml", "[[rules]]" + body + "\n" + refs)

# Models.
for m in sorted(os.listdir(os.path.join(ROOT, "models"))):
    if m.endswith(".json"):
        put("model", m, read(f"models/{m}"))

# Meeting Guide: a few meetings of the redacted feed in data/, one at a time and together.
feed = json.loads(read("data/meeting-guide/edmonton-2022-09.json"))
for i, start in enumerate([0, 50, 150]):
    put("meeting_guide", f"edmonton-{i}.json", json.dumps(feed[start:start + 2], indent=1))

# HSDS: the hand-written JSON fixture of tests/fixtures/hsds/, whole and one service at a time.
hsds = json.loads(read("tests/fixtures/hsds/recovery-services.json"))
put("hsds", "recovery-services.json", json.dumps(hsds, indent=1))
for i, service in enumerate(hsds["contents"]):
    put("hsds", f"service-{i}.json", json.dumps([service], indent=1))
# BMLT: small hand-made responses (the real samples of ../shared carry copyleft licences, so none
# is copied): meetings in person, online, hybrid and temporarily closed, past midnight, with German
# and English formats, a room placed by its postal code, a feed with its formats, a formats file.
def bmlt_meeting(i, **fields):
    m = {"id_bigint": str(i), "worldid_mixed": "", "meeting_name": f"Meeting {i}",
         "weekday_tinyint": str(i % 7 + 1), "venue_type": "1", "start_time": "19:00:00",
         "duration_time": "01:30:00", "time_zone": "", "formats": "O", "lang_enum": "en",
         "latitude": "42.25", "longitude": "-73.79", "location_street": "1 Main St",
         "location_municipality": "Hudson", "location_province": "NY",
         "location_postal_code_1": "12534", "virtual_meeting_link": "",
         "phone_meeting_number": "", "published": "1", "format_shared_id_list": ""}
    m.update(fields)
    return m


link = "https://example.org/j/1"
bmlt = {
    "in-person.json": [bmlt_meeting(1), bmlt_meeting(2, worldid_mixed="G1"),
                       bmlt_meeting(3, worldid_mixed="G1", weekday_tinyint="5")],
    "venues.json": [bmlt_meeting(4, venue_type="2", virtual_meeting_link=link),
                    bmlt_meeting(5, venue_type="", formats="HY", virtual_meeting_link=link),
                    bmlt_meeting(6, venue_type="", formats="TC"),
                    bmlt_meeting(7, venue_type="", formats="VM,TC", phone_meeting_number="+1555")],
    "times.json": [bmlt_meeting(8, start_time="23:30:00", duration_time="01:00:00"),
                   bmlt_meeting(9, duration_time=""), bmlt_meeting(10, weekday_tinyint="9")],
    "german.json": [bmlt_meeting(11, formats="O,Beh,kf,ru,F,flinta", lang_enum="de",
                                 latitude="0", longitude="0", location_postal_code_1="10115",
                                 location_municipality="Berlin", time_zone="Europe/Berlin")],
    "with-formats.json": {"meetings": [bmlt_meeting(12, format_shared_id_list="1,2")],
                          "formats": [{"id": "1", "key_string": "C", "name_string": "Closed",
                                       "world_id": "CLOSED", "lang": "en"},
                                      {"id": "2", "key_string": "Beh", "name_string": "barrierefrei",
                                       "world_id": "WCHR", "lang": "de"}]},
    "formats.json": [{"id": str(i), "key_string": k, "name_string": n, "world_id": w}
                     for i, (k, n, w) in enumerate([("O", "Open", "OPEN"), ("VM", "Virtual", "VM"),
                                                    ("ru", "Russisch", "LANG"), ("RA", "", "RA"),
                                                    ("x", "Unbekannt", "")], 1)],
}
for name, value in bmlt.items():
    put("bmlt", name, json.dumps(value, indent=1))
