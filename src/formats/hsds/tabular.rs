//! The HSDS tabular data package: a folder of CSV tables joined into the full services that the
//! JSON import maps, so both shapes share one mapping. HSDS 3.x table names are read in their
//! plural (`services.csv`, as the official examples) or singular (`service.csv`) form.
//!
//! The older 1.x/2.x layout is read too: `services_at_location.csv`, weekday rows in
//! `regular_schedule.csv` (`weekday` as a day name, `opens_at`, `closes_at`) become weekly
//! schedules, and the closed days of `holiday_schedule.csv` become dates skipped.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::formats::read_bytes;

type Row = Map<String, Value>;

/// One table's rows, each a JSON object of its non-empty cells (as strings).
fn table(dir: &Path, names: &[&str]) -> Result<Vec<Row>> {
    let Some(path) = names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) else {
        return Ok(Vec::new());
    };
    let bytes = read_bytes(&path, crate::limits::MAX_DATA_FILE_BYTES)?;
    let label = path.display().to_string();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let invalid = |line: Option<u64>, e: &dyn std::fmt::Display| {
        Error::invalid(&label, line, None, format!("not HSDS: {e}"))
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| invalid(Some(1), &e))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| invalid(e.position().map(|p| p.line()), &e))?;
        let row: Row = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(h, v)| (h.clone(), Value::String(v.trim().to_string())))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

fn id(row: &Row, key: &str) -> Option<String> {
    row.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Rows grouped by the value of `key`.
fn by(rows: &[Row], key: &str) -> HashMap<String, Vec<Value>> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for row in rows {
        if let Some(k) = id(row, key) {
            out.entry(k).or_default().push(Value::Object(row.clone()));
        }
    }
    out
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "MO"),
    ("tue", "TU"),
    ("wed", "WE"),
    ("thu", "TH"),
    ("fri", "FR"),
    ("sat", "SA"),
    ("sun", "SU"),
];

/// A 1.x/2.x `regular_schedule` row as a 3.x schedule: weekly on its weekday.
fn regular_schedule(row: &Row) -> Row {
    let mut out = row.clone();
    out.insert("freq".into(), "WEEKLY".into());
    let weekday = id(row, "weekday").unwrap_or_default().to_ascii_lowercase();
    // A weekday given as a number is not read: HSDS versions and publishers disagree on
    // whether 1 is Sunday or Monday, and a guessed day would send people on the wrong day.
    let day = DAYS
        .iter()
        .find(|(name, _)| weekday.starts_with(name))
        .map_or_else(
            || format!("weekday '{weekday}'"),
            |(_, code)| (*code).to_string(),
        );
    out.insert("byday".into(), day.into());
    out
}

/// Reads a package folder into full services.
pub(super) fn read_package(dir: &Path) -> Result<Vec<Value>> {
    let label = dir.display().to_string();
    let services = table(dir, &["services.csv", "service.csv"])?;
    if services.is_empty() {
        let why = if dir.join("datapackage.json").is_file() {
            "the package has no services.csv (or service.csv) with rows"
        } else {
            "a folder is read as an HSDS tabular package: datapackage.json and services.csv"
        };
        return Err(Error::invalid(
            &label,
            None,
            None,
            format!("not HSDS: {why}"),
        ));
    }
    let mut addresses = by(
        &table(
            dir,
            &[
                "addresses.csv",
                "address.csv",
                "physical_addresses.csv",
                "physical_address.csv",
            ],
        )?,
        "location_id",
    );
    let mut accessibility = by(
        &table(
            dir,
            &["accessibility.csv", "accessibility_for_disabilities.csv"],
        )?,
        "location_id",
    );
    let phones = table(dir, &["phones.csv", "phone.csv"])?;
    let mut location_phones = by(&phones, "location_id");
    let mut service_phones = by(&phones, "service_id");
    let mut languages = by(
        &table(dir, &["languages.csv", "language.csv"])?,
        "service_id",
    );
    let mut costs = by(
        &table(dir, &["cost_options.csv", "cost_option.csv"])?,
        "service_id",
    );
    let mut capacity = by(
        &table(
            dir,
            &["service_capacity.csv", "capacities.csv", "capacity.csv"],
        )?,
        "service_id",
    );
    let units: HashMap<String, Row> = table(dir, &["units.csv", "unit.csv"])?
        .into_iter()
        .filter_map(|r| Some((id(&r, "id")?, r)))
        .collect();
    let terms: HashMap<String, Row> = table(dir, &["taxonomy_terms.csv", "taxonomy_term.csv"])?
        .into_iter()
        .filter_map(|r| Some((id(&r, "id")?, r)))
        .collect();
    let mut attributes: HashMap<String, Vec<Value>> = HashMap::new();
    // Attributes of schedules (a groupmatch export's skipped dates), apart from the services'.
    let mut schedule_attributes: HashMap<String, Vec<Value>> = HashMap::new();
    for mut a in table(dir, &["attributes.csv", "attribute.csv"])? {
        let Some(link) = id(&a, "link_id") else {
            continue;
        };
        if let Some(term) = id(&a, "taxonomy_term_id").and_then(|t| terms.get(&t)) {
            a.insert("taxonomy_term".into(), Value::Object(term.clone()));
        }
        let on_schedule = id(&a, "link_entity").is_some_and(|e| e == "schedule");
        let to = if on_schedule {
            &mut schedule_attributes
        } else {
            &mut attributes
        };
        to.entry(link).or_default().push(Value::Object(a));
    }
    // 2.x: service_taxonomy rows link services to taxonomy ids.
    for row in table(dir, &["service_taxonomy.csv"])? {
        if let (Some(s), Some(t)) = (id(&row, "service_id"), id(&row, "taxonomy_id")) {
            let term = terms.get(&t).cloned().unwrap_or_else(|| {
                let mut m = Map::new();
                m.insert("id".into(), t.clone().into());
                m
            });
            let mut a = Map::new();
            a.insert("taxonomy_term".into(), Value::Object(term));
            attributes.entry(s).or_default().push(Value::Object(a));
        }
    }
    let mut schedules = table(dir, &["schedules.csv", "schedule.csv"])?;
    for s in &mut schedules {
        if let Some(a) = id(s, "id").and_then(|i| schedule_attributes.remove(&i)) {
            s.insert("attributes".into(), Value::Array(a));
        }
    }
    let closed: Vec<Row> = table(dir, &["holiday_schedule.csv", "holiday_schedules.csv"])?
        .into_iter()
        .filter(|r| {
            id(r, "closed").is_some_and(|c| {
                matches!(c.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "t")
            })
        })
        .collect();
    for r in table(dir, &["regular_schedule.csv", "regular_schedules.csv"])? {
        let mut s = regular_schedule(&r);
        let except: Vec<Value> = closed
            .iter()
            .filter(|c| {
                ["service_id", "location_id", "service_at_location_id"]
                    .iter()
                    .all(|k| id(c, k).is_none() || id(c, k) == id(&r, k))
            })
            .filter_map(|c| Some((id(c, "start_date")?, id(c, "end_date"))))
            .map(|(a, b)| {
                Value::String(match b {
                    Some(b) => format!("{a}/{b}"),
                    None => a,
                })
            })
            .collect();
        if !except.is_empty() {
            s.insert("x_groupmatch_closed".into(), Value::Array(except));
        }
        schedules.push(s);
    }
    let mut sal_schedules = by(&schedules, "service_at_location_id");
    let service_schedules: Vec<Row> = schedules
        .iter()
        .filter(|s| id(s, "service_at_location_id").is_none())
        .cloned()
        .collect();
    let mut schedules_of_service = by(&service_schedules, "service_id");
    let mut schedules_of_location: HashMap<String, Vec<Value>> = by(
        &service_schedules
            .iter()
            .filter(|s| id(s, "service_id").is_none())
            .cloned()
            .collect::<Vec<_>>(),
        "location_id",
    );
    let mut locations: HashMap<String, Value> = HashMap::new();
    for mut l in table(dir, &["locations.csv", "location.csv"])? {
        let Some(lid) = id(&l, "id") else { continue };
        let mut put = |key: &str, from: &mut HashMap<String, Vec<Value>>| {
            if let Some(v) = from.remove(&lid) {
                l.insert(key.into(), Value::Array(v));
            }
        };
        put("addresses", &mut addresses);
        put("accessibility", &mut accessibility);
        put("phones", &mut location_phones);
        put("schedules", &mut schedules_of_location);
        locations.insert(lid, Value::Object(l));
    }
    let mut sals_of: HashMap<String, Vec<Value>> = HashMap::new();
    for mut sal in table(
        dir,
        &[
            "service_at_location.csv",
            "service_at_locations.csv",
            "services_at_location.csv",
        ],
    )? {
        let (Some(sid), Some(lid)) = (id(&sal, "service_id"), id(&sal, "location_id")) else {
            continue;
        };
        let Some(location) = locations.get(&lid) else {
            continue;
        };
        sal.insert("location".into(), location.clone());
        if let Some(s) = id(&sal, "id").and_then(|i| sal_schedules.remove(&i)) {
            sal.insert("schedules".into(), Value::Array(s));
        }
        sals_of.entry(sid).or_default().push(Value::Object(sal));
    }
    let mut out = Vec::new();
    for mut s in services {
        let sid = id(&s, "id").unwrap_or_default();
        let mut put = |key: &str, from: &mut HashMap<String, Vec<Value>>| {
            if let Some(v) = from.remove(&sid) {
                s.insert(key.into(), Value::Array(v));
            }
        };
        put("service_at_locations", &mut sals_of);
        put("schedules", &mut schedules_of_service);
        put("languages", &mut languages);
        put("cost_options", &mut costs);
        put("phones", &mut service_phones);
        put("attributes", &mut attributes);
        if let Some(mut caps) = capacity.remove(&sid) {
            for c in &mut caps {
                if let Some(unit) = c
                    .get("unit_id")
                    .and_then(Value::as_str)
                    .and_then(|u| units.get(u))
                {
                    c["unit"] = Value::Object(unit.clone());
                }
            }
            s.insert("capacities".into(), Value::Array(caps));
        }
        // 1.x/2.x services without a status column are listed because they are offered.
        s.entry("status").or_insert_with(|| "active".into());
        out.push(Value::Object(s));
    }
    Ok(out)
}
