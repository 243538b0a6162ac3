//! Importing 10,000 HSDS 3.x services (target: under 1 s): JSON parsing, schedules to sessions,
//! zones, and every group validated, as `groupmatch import hsds` does.
//!
//! The services are synthesised outside the timed closure: each at one physical location with
//! coordinates, a weekly and a monthly schedule, languages, a cost and a capacity; one in ten has
//! a numeric UTC offset (turned into the zone at its coordinates).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use groupmatch::formats::hsds::{import_hsds_json, HsdsOptions};
use serde_json::json;

const SERVICES: usize = 10_000;

fn services(n: usize) -> Vec<u8> {
    let days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    let list: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let timezone = if i % 10 == 0 { json!(-5) } else { json!("America/New_York") };
            json!({
                "id": format!("svc-{i}"),
                "name": format!("Recovery Group {i}"),
                "status": "active",
                "minimum_age": 18,
                "languages": [{"code": "en"}, {"code": "es"}],
                "cost_options": [{"amount": 0}],
                "capacities": [{"maximum": 20, "available": 5, "unit": {"name": "seats"}}],
                "service_at_locations": [{
                    "id": format!("sal-{i}"),
                    "location": {
                        "id": format!("loc-{i}"),
                        "location_type": "physical",
                        "latitude": 40.0 + (i % 100) as f64 * 0.01,
                        "longitude": -75.0 - (i % 50) as f64 * 0.01,
                        "addresses": [{"address_1": format!("{i} Main St"), "city": "Philadelphia", "state_province": "PA", "postal_code": "19104"}],
                        "accessibility": [{"description": "Wheelchair accessible"}]
                    },
                    "schedules": [
                        {"id": format!("w-{i}"), "freq": "WEEKLY", "byday": days[i % 7], "opens_at": "19:00", "closes_at": "20:00", "timezone": timezone},
                        {"id": format!("m-{i}"), "freq": "MONTHLY", "byday": format!("{}{}", 1 + i % 4, days[(i + 3) % 7]), "opens_at": "12:00", "closes_at": "13:30", "dtstart": "2027-01-01"}
                    ]
                }]
            })
        })
        .collect();
    serde_json::to_vec(&json!({"total_items": n, "contents": list})).unwrap()
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import_hsds_json");
    group.sample_size(10);
    {
        let n = SERVICES;
        let bytes = services(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &bytes, |b, bytes| {
            b.iter_with_large_drop(|| {
                let import =
                    import_hsds_json(bytes, "services.json", &HsdsOptions::default()).unwrap();
                assert_eq!(import.groups.len(), n);
                assert_eq!(import.groups[1].sessions.len(), 2);
                import
            })
        });
    }
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
