//! The embedded gazetteer against reference points: ZIP codes, Canadian forward sortation areas
//! and towns, the zones there, ambiguity, misspellings, bad input, and the person's `place`.
//!
//! Reference points are the places' commonly cited centres (city halls, a ZIP code's
//! neighbourhood), not the data's own rows, so each is compared within a tolerance: for a postal
//! code, the area's own radius as the gazetteer gives it plus 2 km (the reference is somewhere in
//! the area, the data's point is its centroid); for a town, 5 km or half its radius, whichever is
//! more (GeoNames puts a city's point at a centre of its own choosing: Toronto's is 6 km north of
//! its city hall, well inside a city the gazetteer gives a 20 km radius).

use chrono_tz::Tz;
use groupmatch::{Country, Gazetteer, GeoPoint, Person, PlaceError, PlaceKind};

fn near(query: &str, latitude: f64, longitude: f64, tolerance_km: f64) -> groupmatch::Place {
    let place = Gazetteer::embedded()
        .lookup(query)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    let reference = GeoPoint::new(latitude, longitude).unwrap();
    let km = place.point.distance_km(&reference);
    assert!(
        km <= tolerance_km,
        "{query}: {place} at {:?} is {km:.1} km from the reference, more than {tolerance_km} km",
        place.point
    );
    place
}

fn zip(code: &str, latitude: f64, longitude: f64, zone: Tz) -> groupmatch::Place {
    let precision = Gazetteer::embedded().lookup(code).unwrap().precision_km;
    let place = near(code, latitude, longitude, precision + 2.0);
    assert_eq!(place.kind, PlaceKind::PostalCode, "{code}");
    assert_eq!(place.timezone, zone, "{code}");
    assert_eq!(place.country, Some(Country::UnitedStates));
    assert!(place.is_approximate());
    place
}

fn town(query: &str, latitude: f64, longitude: f64, zone: Tz) -> groupmatch::Place {
    let radius = Gazetteer::embedded().lookup(query).unwrap().precision_km;
    let place = near(query, latitude, longitude, (radius / 2.0).max(5.0));
    assert_eq!(place.kind, PlaceKind::Town, "{query}");
    assert_eq!(place.timezone, zone, "{query}");
    place
}

#[test]
fn zip_codes_are_at_their_areas_in_their_zones() {
    use chrono_tz::{America, Pacific};
    let p = zip("19104", 39.9590, -75.1970, America::New_York); // University City, Philadelphia
    assert_eq!(p.near.as_deref(), Some("Philadelphia, PA"));
    assert_eq!(p.region.as_deref(), Some("PA"));
    assert!(p.precision_km < 3.0, "{}", p.precision_km);
    zip("10001", 40.7506, -73.9972, America::New_York); // Chelsea, Manhattan
    zip("60601", 41.8858, -87.6181, America::Chicago); // the Loop, Chicago
    zip("94103", 37.7725, -122.4147, America::Los_Angeles); // SoMa, San Francisco
    zip("99501", 61.2181, -149.8617, America::Anchorage); // downtown Anchorage
    zip("96813", 21.3069, -157.8583, Pacific::Honolulu); // downtown Honolulu
}

#[test]
fn a_zip_plus_four_is_read_as_its_zip_code() {
    let plus4 = Gazetteer::embedded().lookup("19104-1234").unwrap();
    let five = Gazetteer::embedded().lookup("19104").unwrap();
    assert_eq!(plus4.point, five.point);
    assert_eq!(plus4.name, "19104");
    assert_eq!(plus4.given, "19104-1234");
}

#[test]
fn canadian_postal_codes_are_read_by_their_forward_sortation_area() {
    let full = near("T5J 0N3", 53.5444, -113.4909, 5.0); // downtown Edmonton
    assert_eq!(full.kind, PlaceKind::ForwardSortationArea);
    assert_eq!(full.name, "T5J");
    assert_eq!(full.region.as_deref(), Some("AB"));
    assert_eq!(full.timezone, chrono_tz::America::Edmonton);
    let fsa = Gazetteer::embedded().lookup("t5j").unwrap();
    assert_eq!(fsa.point, full.point);
    let toronto = near("M5V", 43.6426, -79.3871, 5.0); // CN Tower
    assert_eq!(toronto.timezone, chrono_tz::America::Toronto);
}

#[test]
fn towns_are_at_their_centres_in_their_zones() {
    use chrono_tz::{America, Europe};
    let edmonton = town("Edmonton AB", 53.5461, -113.4938, America::Edmonton);
    assert_eq!(edmonton.to_string(), "Edmonton, AB, CA");
    town("Edmonton, Alberta", 53.5461, -113.4938, America::Edmonton);
    town("Calgary", 51.0447, -114.0719, America::Edmonton);
    town("Toronto", 43.6532, -79.3832, America::Toronto);
    town("Berlin", 52.5200, 13.4050, Europe::Berlin);
    let munich = town("München", 48.1351, 11.5820, Europe::Berlin);
    assert_eq!(
        (munich.name.as_str(), munich.region.as_deref()),
        ("Munich", Some("BY"))
    );
    town("Munchen", 48.1351, 11.5820, Europe::Berlin);
    town("MUENCHEN", 48.1351, 11.5820, Europe::Berlin);
    town("Chalfont PA", 40.2884, -75.2091, America::New_York);
    town("philadelphia", 39.9526, -75.1652, America::New_York);
    town("Köln", 50.9375, 6.9603, Europe::Berlin);
    town("Québec, QC", 46.8139, -71.2080, America::Toronto);
}

#[test]
fn a_german_code_before_its_town_gives_the_town() {
    let berlin = town("10115 Berlin", 52.5200, 13.4050, chrono_tz::Europe::Berlin);
    assert_eq!(berlin.given, "10115 Berlin");
    assert_eq!(berlin.region.as_deref(), Some("BE"));
    // Alone, five digits are a US ZIP code (10115 is one in Manhattan).
    let alone = Gazetteer::embedded().lookup("10115").unwrap();
    assert_eq!(alone.kind, PlaceKind::PostalCode);
    assert_eq!(alone.country, Some(Country::UnitedStates));
    // Before an American town, the ZIP code is read (more precise than the town).
    let zip = Gazetteer::embedded().lookup("19104 Philadelphia").unwrap();
    assert_eq!(
        (zip.kind, zip.name.as_str()),
        (PlaceKind::PostalCode, "19104")
    );
    assert_eq!(zip.given, "19104 Philadelphia");
    assert!(matches!(
        Gazetteer::embedded().lookup("00000 Springfield"),
        Err(PlaceError::UnknownPostalCode { .. })
    ));
}

#[test]
fn a_town_far_larger_than_its_namesakes_is_taken_and_they_are_kept() {
    let toronto = Gazetteer::embedded().lookup("Toronto").unwrap();
    assert_eq!(toronto.country, Some(Country::Canada));
    assert!(!toronto.others.is_empty());
    assert!(toronto
        .others
        .iter()
        .all(|c| c.country == Country::UnitedStates));
    let ohio = Gazetteer::embedded().lookup("Toronto, OH").unwrap();
    assert_eq!(ohio.region.as_deref(), Some("OH"));
    assert_eq!(ohio.timezone, chrono_tz::America::New_York);
}

#[test]
fn a_shared_name_lists_its_towns_most_populous_first() {
    let err = Gazetteer::embedded().lookup("Springfield").unwrap_err();
    let PlaceError::Ambiguous {
        candidates, total, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    let regions: Vec<&str> = candidates
        .iter()
        .filter_map(|c| c.region.as_deref())
        .collect();
    assert_eq!(&regions[..3], ["MO", "MA", "IL"]);
    assert!(*total >= 10 && candidates.len() <= groupmatch::MAX_CANDIDATES);
    assert!(candidates
        .windows(2)
        .all(|w| w[0].population >= w[1].population));
    let message = err.to_string();
    assert!(message.starts_with("'Springfield' could be"), "{message}");
    assert!(
        message.contains("Springfield, MO, US (170,188 people)"),
        "{message}"
    );
    assert!(message.contains("add the state, province or country (such as 'Springfield, MO')"));
    // With the state, one of them.
    let illinois = town(
        "Springfield, IL",
        39.8017,
        -89.6437,
        chrono_tz::America::Chicago,
    );
    assert!(illinois.others.is_empty());
    town(
        "Springfield IL",
        39.8017,
        -89.6437,
        chrono_tz::America::Chicago,
    );
    town(
        "springfield, illinois, usa",
        39.8017,
        -89.6437,
        chrono_tz::America::Chicago,
    );
}

#[test]
fn a_misspelt_town_suggests_the_nearest_spellings() {
    let err = Gazetteer::embedded().lookup("Philadelpia").unwrap_err();
    let PlaceError::NotFound { suggestions, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(suggestions[0].name, "Philadelphia");
    assert_eq!(suggestions[0].region.as_deref(), Some("PA"));
    assert!(err
        .to_string()
        .contains("no town called 'Philadelpia' in the gazetteer"));
    assert!(err
        .to_string()
        .contains("did you mean Philadelphia, PA, US"));
    let far = Gazetteer::embedded().lookup("Xqzzyvorp").unwrap_err();
    assert!(matches!(&far, PlaceError::NotFound { suggestions, .. } if suggestions.is_empty()));
    assert!(far.to_string().contains("check the spelling"));
}

#[test]
fn unknown_postal_codes_are_named() {
    let err = Gazetteer::embedded().lookup("00000").unwrap_err();
    assert_eq!(
        err,
        PlaceError::UnknownPostalCode {
            code: "00000".into(),
            country: Country::UnitedStates
        }
    );
    assert!(err
        .to_string()
        .starts_with("ZIP code 00000 is not in the gazetteer"));
    let err = Gazetteer::embedded().lookup("Z9Z 9Z9").unwrap_err();
    assert!(err
        .to_string()
        .starts_with("forward sortation area Z9Z is not in the gazetteer"));
}

#[test]
fn bad_input_gets_a_clear_error_never_a_panic() {
    let g = Gazetteer::embedded();
    assert_eq!(g.lookup("  ").unwrap_err(), PlaceError::Empty);
    assert_eq!(g.lookup("").unwrap_err(), PlaceError::Empty);
    assert_eq!(
        g.lookup("191\u{1b}04").unwrap_err(),
        PlaceError::ControlCharacter { code: 0x1b, at: 4 }
    );
    assert!(g
        .lookup("Berlin\n")
        .unwrap_err()
        .to_string()
        .contains("control character (U+000A) at character 7"));
    let huge = "a".repeat(10 * 1024);
    assert_eq!(
        g.lookup(&huge).unwrap_err(),
        PlaceError::TooLong {
            len: 10_240,
            max: groupmatch::MAX_PLACE_BYTES
        }
    );
    let err = g.lookup("91,200").unwrap_err();
    assert!(matches!(&err, PlaceError::BadCoordinates { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "'91,200' is not a point on the earth: latitude 91 is outside -90 to 90; write \
         latitude,longitude in degrees, such as 39.95,-75.16"
    );
    assert!(matches!(
        g.lookup("Springfield, Atlantis"),
        Err(PlaceError::UnknownRegion { .. })
    ));
    for odd in [",", ",,,", "-", "'", "Ω", "🙂", "-,-", "1e400,0", "NaN,NaN"] {
        assert!(g.lookup(odd).is_err(), "{odd}");
    }
    // A comma with nothing after it qualifies nothing.
    assert_eq!(g.lookup("Calgary,").unwrap().name, "Calgary");
    // An error built by a caller, however odd, still has a message.
    let odd = PlaceError::Ambiguous {
        given: "x".into(),
        candidates: Vec::new(),
        total: 0,
    };
    assert_eq!(
        odd.to_string(),
        "'x' could be 0 towns: ; add the state, province or country"
    );
}

#[test]
fn coordinates_are_taken_as_given_with_the_zone_there() {
    let place = Gazetteer::embedded().lookup(" 39.9526, -75.1652 ").unwrap();
    assert_eq!(place.kind, PlaceKind::Coordinates);
    assert_eq!(place.point, GeoPoint::new(39.9526, -75.1652).unwrap());
    assert_eq!(place.precision_km, 0.0);
    assert!(!place.is_approximate());
    assert_eq!(place.timezone, chrono_tz::America::New_York);
    assert_eq!(place.country, None);
    assert_eq!(place.given, "39.9526, -75.1652");
}

#[test]
fn a_look_up_fills_a_person_whose_place_round_trips_through_json() {
    let place = Gazetteer::embedded().lookup("19104").unwrap();
    let json = format!(
        r#"{{"id": "p1", "stage": "early", "approach_preference": "secular",
            "format_preference": "either", "availability": ["Mon 18:00-22:00"],
            "timezone": "{}", "latitude": {}, "longitude": {}, "place": {}}}"#,
        place.timezone.name(),
        place.point.latitude,
        place.point.longitude,
        serde_json::to_string(&place.given()).unwrap()
    );
    let person: Person = serde_json::from_str(&json).unwrap();
    assert_eq!(person.place.as_ref(), Some(&place.given()));
    assert!(person.distance_is_approximate());
    assert_eq!(person.location_precision_km(), place.precision_km);
    let written = serde_json::to_string(&person).unwrap();
    assert!(
        written.contains(r#""place":{"given":"19104","kind":"postal_code","name":"19104 (near Philadelphia, PA), US","precision_km":"#),
        "{written}"
    );
    let again: Person = serde_json::from_str(&written).unwrap();
    assert_eq!(again, person);
    let from_reader = groupmatch::parse_person(written.as_bytes(), "p1.json")
        .unwrap()
        .value;
    assert_eq!(from_reader, person);
}
