//! A conservative index of a directory, so that batch matching judges each person only against
//! groups that could pass the format and distance constraints, instead of every group.
//!
//! Groups that may be attended in person are kept in a grid of 0.1-degree cells; online-capable
//! groups and groups without coordinates are listed apart. For a person the index returns a
//! superset of the groups that can pass `format` and `distance` (cells are taken with a margin),
//! so judging only those gives exactly the same result as judging all.

use std::collections::HashMap;

use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::{Format, FormatPreference};

/// Cell size in degrees.
const CELL_DEGREES: f64 = 0.1;

/// The index.
#[derive(Debug, Clone, Default)]
pub struct CandidateIndex {
    /// Groups that meet in a room (in person or hybrid) and have coordinates, by cell.
    cells: HashMap<(i32, i32), Vec<u32>>,
    /// In-person or hybrid groups without coordinates: distance cannot exclude them.
    unlocated: Vec<u32>,
    /// Online and hybrid groups.
    online_capable: Vec<u32>,
    /// Hybrid groups (a person who can do either may always join them online).
    hybrid: Vec<u32>,
    groups: usize,
}

fn cell(lat: f64, lon: f64) -> (i32, i32) {
    (
        (lat / CELL_DEGREES).floor() as i32,
        (lon / CELL_DEGREES).floor() as i32,
    )
}

impl CandidateIndex {
    /// Indexes a directory.
    pub fn new(groups: &[Group]) -> CandidateIndex {
        let mut index = CandidateIndex {
            groups: groups.len(),
            ..CandidateIndex::default()
        };
        for (i, g) in groups.iter().enumerate() {
            let i = i as u32;
            if g.format != Format::InPerson {
                index.online_capable.push(i);
            }
            if g.format == Format::Hybrid {
                index.hybrid.push(i);
            }
            if g.format != Format::Online {
                match g.location {
                    Some(p) => index
                        .cells
                        .entry(cell(p.latitude, p.longitude))
                        .or_default()
                        .push(i),
                    None => index.unlocated.push(i),
                }
            }
        }
        index
    }

    /// Groups that can pass the format and distance constraints for `person`, in directory
    /// order; every other group fails at least one of them.
    pub fn candidates(&self, person: &Person) -> Vec<usize> {
        let mut keep = vec![false; self.groups];
        let mut mark = |list: &[u32]| {
            for &i in list {
                keep[i as usize] = true;
            }
        };
        let wants_room = person.format_preference != FormatPreference::Online;
        let accepts_online = person.format_preference != FormatPreference::InPerson;
        if accepts_online {
            // Online groups, and hybrid groups joined online when the room is out of reach.
            mark(&self.online_capable);
        }
        if wants_room {
            mark(&self.unlocated);
            match (person.location, person.max_travel_km) {
                (Some(p), Some(km)) => {
                    // A box of cells around the person, one cell of margin on every side.
                    let dlat = km / 111.0 / CELL_DEGREES;
                    let cos = libm::cos(p.latitude.to_radians()).abs().max(0.01);
                    let dlon = km / (111.0 * cos) / CELL_DEGREES;
                    let (clat, clon) = cell(p.latitude, p.longitude);
                    let (rlat, rlon) = (dlat.ceil() as i32 + 1, dlon.ceil() as i32 + 1);
                    if (2 * rlat + 1) as usize * (2 * rlon + 1) as usize > self.cells.len() {
                        for list in self.cells.values() {
                            mark(list);
                        }
                    } else {
                        for a in clat - rlat..=clat + rlat {
                            for b in clon - rlon..=clon + rlon {
                                if let Some(list) = self.cells.get(&(a, b)) {
                                    mark(list);
                                }
                            }
                        }
                    }
                }
                // No travel limit or no location: distance excludes nothing.
                _ => {
                    for list in self.cells.values() {
                        mark(list);
                    }
                }
            }
        }
        (0..self.groups).filter(|&i| keep[i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::{embedded_groups, Engine, RankOptions};
    use crate::testutil::{now, person};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_index_never_drops_an_eligible_group(
            format in 0usize..3,
            dlat in -0.3f64..0.3,
            dlon in -0.3f64..0.3,
            km in prop::option::of(1.0f64..40.0),
        ) {
            let groups = embedded_groups();
            let engine = Engine::new(groups.clone(), crate::EngagementModel::prior());
            let index = CandidateIndex::new(&groups);
            let mut p = person();
            p.format_preference = FormatPreference::ALL[format];
            p.location = Some(crate::GeoPoint::new(39.95 + dlat, -75.16 + dlon).unwrap());
            p.max_travel_km = km;
            p.availability = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .iter()
                .map(|d| format!("{d} 00:00-24:00").parse().unwrap())
                .collect();
            let candidates = index.candidates(&p);
            let ranking = engine.rank(&p, &RankOptions::new(None, now()));
            for s in &ranking.suggestions {
                let i = groups.iter().position(|g| g.id == s.group_id).unwrap();
                prop_assert!(candidates.binary_search(&i).is_ok(), "{} dropped", s.group_id);
            }
            prop_assert!(candidates.len() <= groups.len());
        }
    }
}
