//! How a person's place was given, and how precise the point it gave is: a person's record keeps
//! it beside `latitude`/`longitude` so that a distance from a postal code's centroid can be shown
//! as approximate ("about 4 km") and the intake can show what staff typed.
//!
//! Plain data, in every build: the gazetteer that turns a postal code or a town into a point
//! (the gazetteer module, behind the `gazetteer` feature) fills it, and so may any other geocoder.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::check::number_problem;
use crate::error::Problem;

/// The longest `given` or `name` of a [`PlaceGiven`], in bytes: a postal code, a town with its
/// state and country, or a pair of coordinates is far shorter.
pub const MAX_PLACE_BYTES: usize = 200;

/// The largest `precision_km` of a [`PlaceGiven`] (half the earth's circumference).
const MAX_PRECISION_KM: f64 = 20_000.0;

/// What a place was given as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A postal code (a US ZIP code), located at the centroid of its area.
    PostalCode,
    /// A Canadian forward sortation area (`T5J`, or a full postal code `T5J 0N3` read by its
    /// first three characters), located at the centroid of its area.
    ForwardSortationArea,
    /// A town or city, located at its centre.
    Town,
    /// Coordinates, as given.
    Coordinates,
}

impl PlaceKind {
    /// Every kind, in documented order.
    pub const ALL: [PlaceKind; 4] = [
        PlaceKind::PostalCode,
        PlaceKind::ForwardSortationArea,
        PlaceKind::Town,
        PlaceKind::Coordinates,
    ];

    /// The kind as files write it (`postal_code`, `forward_sortation_area`, `town`,
    /// `coordinates`).
    ///
    /// ```
    /// use groupmatch::PlaceKind;
    /// assert_eq!(PlaceKind::PostalCode.as_str(), "postal_code");
    /// assert_eq!("town".parse::<PlaceKind>(), Ok(PlaceKind::Town));
    /// assert!("zip".parse::<PlaceKind>().unwrap_err().contains("postal_code"));
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::PostalCode => "postal_code",
            PlaceKind::ForwardSortationArea => "forward_sortation_area",
            PlaceKind::Town => "town",
            PlaceKind::Coordinates => "coordinates",
        }
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlaceKind {
    type Err = String;

    fn from_str(s: &str) -> Result<PlaceKind, String> {
        PlaceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = PlaceKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("'{s}' is not one of {}", known.join(", "))
            })
    }
}

/// How a person's place was given and how precise the point it stands for is: the `place` of a
/// person file. The point itself stays in the person's `latitude`/`longitude`.
///
/// ```
/// use groupmatch::{PlaceGiven, PlaceKind};
/// let place: PlaceGiven = serde_json::from_str(
///     r#"{"given": "19104", "kind": "postal_code", "name": "19104 (near Philadelphia, PA)",
///         "precision_km": 1.3}"#).unwrap();
/// assert_eq!(place.kind, PlaceKind::PostalCode);
/// assert!(place.is_approximate());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceGiven {
    /// The place as staff or the person wrote it (`19104`, `Edmonton AB`, `39.95,-75.16`).
    pub given: String,
    /// What it was read as.
    pub kind: PlaceKind,
    /// The place it was found to be, for people to read (`Edmonton, AB, CA`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A typical radius in km of the area the point stands for: 0 for coordinates given as
    /// such; for a postal code or a town, the size of the area around its centroid, so that a
    /// distance from it is "about" so many km.
    pub precision_km: f64,
}

impl PlaceGiven {
    /// Whether a distance from this place is approximate: its point is a centroid, not where
    /// the person is (`precision_km > 0`).
    pub fn is_approximate(&self) -> bool {
        self.precision_km > 0.0
    }

    /// Every problem with the fields, each naming `place` (for [`crate::Person::validate`] and
    /// the person reader).
    pub(crate) fn problems(&self) -> Vec<Problem> {
        let mut messages = Vec::new();
        if let Some(m) = text_problem("given", &self.given, true) {
            messages.push(m);
        }
        if let Some(m) = self
            .name
            .as_deref()
            .and_then(|n| text_problem("name", n, false))
        {
            messages.push(m);
        }
        if let Some(m) = number_problem(self.precision_km, &(0.0..=MAX_PRECISION_KM)) {
            messages.push(format!("precision_km {m}"));
        }
        messages
            .into_iter()
            .map(|m| Problem::new(None, Some("place"), m))
            .collect()
    }
}

/// Why a `given` or `name` cannot be kept, if it cannot: empty (for `given`), longer than
/// [`MAX_PLACE_BYTES`], or holding a control character (a place is one line of text).
fn text_problem(field: &str, text: &str, required: bool) -> Option<String> {
    if required && text.trim().is_empty() {
        return Some(format!(
            "{field} is empty (write the place as it was given)"
        ));
    }
    if text.len() > MAX_PLACE_BYTES {
        return Some(format!(
            "{field} is {} bytes long; a place has at most {MAX_PLACE_BYTES}",
            text.len()
        ));
    }
    text.chars().position(char::is_control).map(|at| {
        format!(
            "{field} has a control character at character {}; a place is one line of text",
            at + 1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(given: &str, precision_km: f64) -> PlaceGiven {
        PlaceGiven {
            given: given.into(),
            kind: PlaceKind::PostalCode,
            name: None,
            precision_km,
        }
    }

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in PlaceKind::ALL {
            assert_eq!(kind.as_str().parse::<PlaceKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
    }

    #[test]
    fn a_centroid_is_approximate_and_coordinates_are_not() {
        assert!(place("19104", 1.3).is_approximate());
        assert!(!place("39.95,-75.16", 0.0).is_approximate());
    }

    #[test]
    fn empty_long_multi_line_or_imprecise_places_are_refused() {
        let messages = |p: PlaceGiven| -> Vec<String> {
            p.problems().into_iter().map(|p| p.message).collect()
        };
        assert!(messages(place(" ", 1.0))[0].contains("given is empty"));
        assert!(messages(place(&"x".repeat(201), 1.0))[0].contains("201 bytes"));
        assert!(messages(place("191\n04", 1.0))[0].contains("control character at character 4"));
        assert!(messages(place("19104", f64::NAN))[0].starts_with("precision_km"));
        assert!(messages(place("19104", -1.0))[0].starts_with("precision_km"));
        assert!(place("19104", 1.3).problems().is_empty());
    }
}
