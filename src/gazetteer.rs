//! Places by postal code or name, offline: the gazetteer embedded in the binary turns what a
//! person says ("19104", "T5J 0N3", "Edmonton AB", "München", "39.95,-75.16") into a point, the
//! IANA time zone there and how precise the point is, without any network.
//!
//! It holds the US ZIP Code Tabulation Areas (Census 2021, public domain), Canada's forward
//! sortation areas and the towns of at least 1,000 people in the US, Canada and Germany
//! (GeoNames, CC BY 4.0), as `scripts/build_gazetteer.py` derives them into `data/gazetteer/`
//! (sources, licences and the refresh command in `data/README.md`). The files are parsed once,
//! on the first look-up ([`Gazetteer::embedded`]); a look-up is then a hash or binary search plus
//! the zone at the point ([`crate::zone_at`]). Names are compared folded: case, accents, `ß`,
//! punctuation and `St.`/`Saint`, `Mt.`/`Mount`, `Ft.`/`Fort` do not matter.
//!
//! A name several towns share is refused with the candidates ([`PlaceError::Ambiguous`]) unless
//! one of them has at least [`DOMINANT_POPULATION_RATIO`] times the people of the next (so
//! "Toronto" is Toronto, ON; the smaller ones are in [`Place::others`]). Behind the `gazetteer`
//! feature (in the default `cli`); a binary that uses it grows by about 3 MB.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use chrono_tz::Tz;
use serde::Serialize;

use crate::domain::geo::GeoPoint;
use crate::domain::group::serialize_tz;
use crate::domain::place::{PlaceGiven, PlaceKind, MAX_PLACE_BYTES};
use crate::domain::zone::zone_at;
use crate::text::fold;

/// The embedded data, as `scripts/build_gazetteer.py` writes it.
const US_ZIP_TSV: &str = include_str!("../data/gazetteer/us_zip.tsv");
const CA_FSA_TSV: &str = include_str!("../data/gazetteer/ca_fsa.tsv");
const TOWNS_TSV: &str = include_str!("../data/gazetteer/towns.tsv");
const REGIONS_TSV: &str = include_str!("../data/gazetteer/regions.tsv");

/// A town whose population is at least this many times that of the next town of the same name
/// is taken without asking: "Berlin" is Berlin, Germany (3.4 million people), not one of the
/// American Berlins (at most 20,000). Springfield, MO, MA and IL are too close to choose.
pub const DOMINANT_POPULATION_RATIO: u32 = 20;

/// The most candidates a [`PlaceError::Ambiguous`] or suggestions a [`PlaceError::NotFound`]
/// carries (the most populous, or the closest spellings).
pub const MAX_CANDIDATES: usize = 12;

/// How far (in edits of the folded name) a suggestion for a misspelt town may be.
const MAX_SUGGESTION_EDITS: usize = 3;

/// A country the gazetteer covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Country {
    /// The United States (with Puerto Rico, region `PR`).
    #[serde(rename = "US")]
    UnitedStates,
    /// Canada.
    #[serde(rename = "CA")]
    Canada,
    /// Germany.
    #[serde(rename = "DE")]
    Germany,
}

impl Country {
    /// The ISO 3166-1 alpha-2 code (`US`, `CA`, `DE`).
    ///
    /// ```
    /// assert_eq!(groupmatch::Country::Germany.code(), "DE");
    /// ```
    pub fn code(self) -> &'static str {
        match self {
            Country::UnitedStates => "US",
            Country::Canada => "CA",
            Country::Germany => "DE",
        }
    }

    fn of_code(code: &str) -> Option<Country> {
        match code {
            "US" => Some(Country::UnitedStates),
            "CA" => Some(Country::Canada),
            "DE" => Some(Country::Germany),
            _ => None,
        }
    }

    /// The country a folded word or phrase names, if any (`us`, `usa`, `united states`,
    /// `canada`, `germany`, `deutschland`); the codes `ca` and `de` also name California and
    /// Delaware, and match both.
    fn named(folded: &str) -> Option<Country> {
        match folded {
            "us"
            | "usa"
            | "u s"
            | "u s a"
            | "united states"
            | "united states of america"
            | "america" => Some(Country::UnitedStates),
            "ca" | "can" | "canada" => Some(Country::Canada),
            "de" | "deu" | "germany" | "deutschland" => Some(Country::Germany),
            _ => None,
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a query was found: the point, the zone there and how precise the point is.
///
/// ```
/// use groupmatch::{Gazetteer, PlaceKind};
/// let place = Gazetteer::embedded().lookup("Edmonton AB").unwrap();
/// assert_eq!(place.kind, PlaceKind::Town);
/// assert_eq!(place.timezone, chrono_tz::America::Edmonton);
/// assert_eq!(place.to_string(), "Edmonton, AB, CA");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The query as given (trimmed).
    pub given: String,
    /// The place's name as found: a town's name (`Munich` for `München`), a postal code in its
    /// usual form (`19104`, `T5J`), or the coordinates (`39.95,-75.16`).
    pub name: String,
    /// What the query was read as.
    pub kind: PlaceKind,
    /// Where it is: a town's centre, a postal area's centroid, or the coordinates.
    pub point: GeoPoint,
    /// The IANA time zone at `point` ([`crate::zone_at`]).
    #[serde(serialize_with = "serialize_tz")]
    pub timezone: Tz,
    /// The country (`None` for coordinates).
    pub country: Option<Country>,
    /// The state, province or Land (`PA`, `AB`, `BY`). For a US ZIP code, the region of the
    /// nearest town in the gazetteer: a code on a state line may name the neighbouring state.
    pub region: Option<String>,
    /// For a postal code, the town it is nearest to or the area's own name (`Philadelphia, PA`;
    /// `Edmonton (North Downtown)`).
    pub near: Option<String>,
    /// A town's population (GeoNames).
    pub population: Option<u32>,
    /// A typical radius of the area `point` stands for, in km: 0 for coordinates; for a postal
    /// code, estimated from how far apart the neighbouring centroids are; for a town, from its
    /// population (`data/README.md`).
    pub precision_km: f64,
    /// Smaller towns of the same name that were passed over for this one
    /// ([`DOMINANT_POPULATION_RATIO`]), most populous first, at most [`MAX_CANDIDATES`].
    pub others: Vec<Candidate>,
}

impl Place {
    /// How the place was given, for a person's record (`Person::place`).
    ///
    /// ```
    /// use groupmatch::{Gazetteer, PlaceKind};
    /// let given = Gazetteer::embedded().lookup("19104").unwrap().given();
    /// assert_eq!((given.given.as_str(), given.kind), ("19104", PlaceKind::PostalCode));
    /// assert!(given.precision_km > 0.0 && given.precision_km < 5.0);
    /// ```
    pub fn given(&self) -> PlaceGiven {
        PlaceGiven {
            given: self.given.clone(),
            kind: self.kind,
            name: Some(self.to_string()),
            precision_km: self.precision_km,
        }
    }

    /// Whether a distance from `point` is approximate (a centroid, not where the person is).
    pub fn is_approximate(&self) -> bool {
        self.precision_km > 0.0
    }
}

impl fmt::Display for Place {
    /// `Philadelphia, PA, US`; `19104 (near Philadelphia, PA), US`; `39.95,-75.16`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(near) = &self.near {
            let near = match self.kind {
                PlaceKind::PostalCode => format!("near {near}"),
                _ => near.clone(),
            };
            write!(f, " ({near})")?;
        }
        if self.kind == PlaceKind::Town {
            if let Some(region) = self.region.as_deref().filter(|r| !r.is_empty()) {
                write!(f, ", {region}")?;
            }
        }
        if let Some(country) = self.country {
            write!(f, ", {country}")?;
        }
        Ok(())
    }
}

/// A town a name may mean, in an ambiguity or a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The town's name.
    pub name: String,
    /// Its state, province or Land (`IL`, `AB`, `BY`), when GeoNames gives one.
    pub region: Option<String>,
    /// Its country.
    pub country: Country,
    /// Its population (GeoNames).
    pub population: u32,
}

impl fmt::Display for Candidate {
    /// `Springfield, MO, US (170,188 people)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(region) = &self.region {
            write!(f, ", {region}")?;
        }
        write!(
            f,
            ", {} ({} people)",
            self.country,
            thousands(self.population)
        )
    }
}

/// `1573916` as `1,573,916`.
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The candidates of an error, one after another.
fn list(candidates: &[Candidate]) -> String {
    let shown: Vec<String> = candidates.iter().map(Candidate::to_string).collect();
    shown.join("; ")
}

/// Why a query names no one place. Messages are lowercase, name the query and say what to
/// write instead; nothing a caller passes makes the gazetteer panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlaceError {
    /// Nothing but whitespace.
    #[error("no place given: write a postal code (19104, T5J 0N3), a town (Springfield, IL) or coordinates (39.95,-75.16)")]
    Empty,
    /// Longer than [`MAX_PLACE_BYTES`].
    #[error("the place is {len} bytes long; a place has at most {max} (a postal code, a town with its state or country, or coordinates)")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// [`MAX_PLACE_BYTES`].
        max: usize,
    },
    /// A control character (a line break, a tab, an escape): a place is one line of text.
    #[error("the place has a control character (U+{code:04X}) at character {at}; write the place on one line")]
    ControlCharacter {
        /// The character's code point.
        code: u32,
        /// Its 1-based position in characters.
        at: usize,
    },
    /// Two numbers that are not a point on the earth.
    #[error("'{given}' is not a point on the earth: {reason}; write latitude,longitude in degrees, such as 39.95,-75.16")]
    BadCoordinates {
        /// The query.
        given: String,
        /// What is wrong (`latitude 91 is outside -90 to 90`).
        reason: String,
    },
    /// A postal code the gazetteer does not hold.
    #[error("{}; check the code, or give the town instead", unknown_code(*.country, .code))]
    UnknownPostalCode {
        /// The code as read (`99999`, `Z9Z`).
        code: String,
        /// Whose code it looks like.
        country: Country,
    },
    /// A state, province or country the gazetteer does not know, after a comma.
    #[error("'{region}' in '{given}' is not a US state, Canadian province or German Land (such as IL, Alberta, BY) or a country (US, Canada, Germany)")]
    UnknownRegion {
        /// The query.
        given: String,
        /// The part that names no region.
        region: String,
    },
    /// A name several towns share, none of them far more populous than the rest.
    #[error("'{given}' could be {} towns: {}{}; add the state, province or country{}", .total, list(.candidates), more(*.total, .candidates.len()), for_example(.candidates))]
    Ambiguous {
        /// The query.
        given: String,
        /// The towns, most populous first (at most [`MAX_CANDIDATES`]).
        candidates: Vec<Candidate>,
        /// How many towns have the name (in the region asked for).
        total: usize,
    },
    /// No town of that name (in the region asked for).
    #[error("no town called '{given}' in the gazetteer (towns of 1,000 people or more in the US, Canada and Germany){}", suggest(.suggestions))]
    NotFound {
        /// The query.
        given: String,
        /// The closest spellings, closest first.
        suggestions: Vec<Candidate>,
    },
    /// No time zone at the point (the boundary data of this build has none for it).
    #[error("no time zone is known at '{given}'; give the person's time zone instead")]
    NoTimeZone {
        /// The query.
        given: String,
    },
}

fn unknown_code(country: Country, code: &str) -> String {
    match country {
        Country::UnitedStates => format!(
            "ZIP code {code} is not in the gazetteer (it has the ZIP codes that cover an area, \
             not those of a PO box or a single building, and no German postal codes)"
        ),
        Country::Canada => format!("forward sortation area {code} is not in the gazetteer"),
        Country::Germany => format!("postal code {code} is not in the gazetteer"),
    }
}

fn more(total: usize, shown: usize) -> String {
    if total > shown {
        format!(" and {} more", total - shown)
    } else {
        String::new()
    }
}

/// ` (such as 'Springfield, MO')`, from the first candidate.
fn for_example(candidates: &[Candidate]) -> String {
    candidates.first().map_or_else(String::new, |c| {
        let within = c.region.as_deref().unwrap_or(c.country.code());
        format!(" (such as '{}, {within}')", c.name)
    })
}

fn suggest(suggestions: &[Candidate]) -> String {
    if suggestions.is_empty() {
        "; check the spelling, or give a postal code or coordinates".into()
    } else {
        format!("; did you mean {}?", list(suggestions))
    }
}

/// How many places of each kind the gazetteer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// US ZIP codes (ZIP Code Tabulation Areas).
    pub us_zip_codes: usize,
    /// Canadian forward sortation areas.
    pub canadian_fsas: usize,
    /// Towns of at least 1,000 people (US, Canada, Germany).
    pub towns: usize,
    /// Rows of the data that could not be read (0 for the embedded data; a test checks).
    pub unreadable_rows: usize,
}

/// A postal area: a ZIP code or an FSA.
#[derive(Debug, Clone)]
struct Area {
    code: Box<str>,
    point: GeoPoint,
    radius_km: f64,
    /// An FSA's province.
    region: Option<Box<str>>,
    /// An FSA's own name.
    name: Option<Box<str>>,
}

#[derive(Debug, Clone)]
struct Town {
    name: Box<str>,
    country: Country,
    region: Box<str>,
    point: GeoPoint,
    population: u32,
    radius_km: f64,
}

impl Town {
    fn candidate(&self) -> Candidate {
        Candidate {
            name: self.name.to_string(),
            region: (!self.region.is_empty()).then(|| self.region.to_string()),
            country: self.country,
            population: self.population,
        }
    }
}

#[derive(Debug, Clone)]
struct Region {
    country: Country,
    code: Box<str>,
    /// The folded code and names.
    folded: Vec<String>,
}

/// What a qualifier (`IL`, `Alberta`, `Germany`) lets through.
#[derive(Debug, Clone, Default)]
struct Within {
    regions: Vec<(Country, Box<str>)>,
    countries: Vec<Country>,
}

impl Within {
    fn admits(&self, town: &Town) -> bool {
        self.countries.contains(&town.country)
            || self
                .regions
                .iter()
                .any(|(c, r)| *c == town.country && **r == *town.region)
    }
}

/// The places the gazetteer knows, indexed for look-ups.
///
/// ```
/// use groupmatch::Gazetteer;
/// let gazetteer = Gazetteer::embedded();
/// let place = gazetteer.lookup("19104-1234").unwrap();
/// assert_eq!(place.to_string(), "19104 (near Philadelphia, PA), US");
/// assert_eq!(place.timezone, chrono_tz::America::New_York);
/// assert!(gazetteer.coverage().us_zip_codes > 30_000);
/// ```
#[derive(Debug)]
pub struct Gazetteer {
    /// Sorted by code.
    zips: Vec<Area>,
    /// Sorted by code.
    fsas: Vec<Area>,
    towns: Vec<Town>,
    /// Folded primary names to towns, each list most populous first.
    names: HashMap<String, Vec<u32>>,
    /// Folded alternate names (`münchen`) to towns, each list most populous first.
    alternates: HashMap<String, Vec<u32>>,
    /// The keys of `names` with their [`letter_counts`], for suggestions.
    spellings: Vec<(Box<str>, LetterCounts)>,
    regions: Vec<Region>,
    unreadable_rows: usize,
}

static EMBEDDED: OnceLock<Gazetteer> = OnceLock::new();

impl Gazetteer {
    /// The gazetteer shipped in the binary, parsed on the first call (some tens of ms) and shared
    /// after.
    pub fn embedded() -> &'static Gazetteer {
        EMBEDDED.get_or_init(|| Gazetteer::parse(US_ZIP_TSV, CA_FSA_TSV, TOWNS_TSV, REGIONS_TSV))
    }

    /// How many places of each kind it holds.
    ///
    /// ```
    /// let coverage = groupmatch::Gazetteer::embedded().coverage();
    /// assert_eq!(coverage.unreadable_rows, 0);
    /// assert!(coverage.towns > 25_000 && coverage.canadian_fsas > 1_600);
    /// ```
    pub fn coverage(&self) -> Coverage {
        Coverage {
            us_zip_codes: self.zips.len(),
            canadian_fsas: self.fsas.len(),
            towns: self.towns.len(),
            unreadable_rows: self.unreadable_rows,
        }
    }

    /// The place a query names: a US ZIP code (`19104`, `19104-1234`), a Canadian postal code or
    /// forward sortation area (`T5J 0N3`, `T5J`), a town with an optional state, province or
    /// country (`Springfield, IL`, `Edmonton AB`, `München`, `Berlin, Germany`), or coordinates
    /// (`39.95,-75.16`). Five-digit codes are read as US ZIP codes: German postal codes are not
    /// in the gazetteer, so `10115` alone is a ZIP code in New York, and a German address's
    /// `10115 Berlin` is the town.
    ///
    /// ```
    /// use groupmatch::{Gazetteer, PlaceError};
    /// let gazetteer = Gazetteer::embedded();
    /// assert_eq!(gazetteer.lookup("Munchen").unwrap().name, "Munich");
    /// match gazetteer.lookup("Springfield") {
    ///     Err(PlaceError::Ambiguous { candidates, .. }) => assert_eq!(candidates[0].region.as_deref(), Some("MO")),
    ///     other => panic!("{other:?}"),
    /// }
    /// let miss = gazetteer.lookup("Philadelpia").unwrap_err().to_string();
    /// assert!(miss.contains("did you mean Philadelphia, PA, US"), "{miss}");
    /// ```
    pub fn lookup(&self, query: &str) -> Result<Place, PlaceError> {
        if query.len() > MAX_PLACE_BYTES {
            return Err(PlaceError::TooLong {
                len: query.len(),
                max: MAX_PLACE_BYTES,
            });
        }
        if let Some((at, c)) = query.chars().enumerate().find(|(_, c)| c.is_control()) {
            return Err(PlaceError::ControlCharacter {
                code: c as u32,
                at: at + 1,
            });
        }
        let given = query.trim();
        if given.is_empty() {
            return Err(PlaceError::Empty);
        }
        let found = if let Some(coordinates) = coordinates(given) {
            self.at_coordinates(given, coordinates?)
        } else if let Some((code, town)) = code_and_town(given) {
            self.code_and_town(given, code, town)?
        } else if let Some(zip) = us_zip(given) {
            self.zip(given, zip)?
        } else if let Some(fsa) = canadian_fsa(given) {
            self.fsa(given, &fsa)?
        } else {
            self.town(given)?
        };
        let timezone = zone_at(found.point).ok_or_else(|| PlaceError::NoTimeZone {
            given: given.to_string(),
        })?;
        Ok(Place { timezone, ..found })
    }

    fn at_coordinates(&self, given: &str, point: GeoPoint) -> Place {
        Place {
            given: given.to_string(),
            name: format!("{},{}", point.latitude, point.longitude),
            kind: PlaceKind::Coordinates,
            point,
            timezone: chrono_tz::UTC,
            country: None,
            region: None,
            near: None,
            population: None,
            precision_km: 0.0,
            others: Vec::new(),
        }
    }

    fn zip(&self, given: &str, code: &str) -> Result<Place, PlaceError> {
        let area = find(&self.zips, code).ok_or_else(|| PlaceError::UnknownPostalCode {
            code: code.to_string(),
            country: Country::UnitedStates,
        })?;
        let nearest = self.town_near(area.point, Country::UnitedStates);
        Ok(Place {
            given: given.to_string(),
            name: code.to_string(),
            kind: PlaceKind::PostalCode,
            point: area.point,
            timezone: chrono_tz::UTC,
            country: Some(Country::UnitedStates),
            region: nearest.map(|t| t.region.to_string()),
            near: nearest.map(|t| format!("{}, {}", t.name, t.region)),
            population: None,
            precision_km: area.radius_km,
            others: Vec::new(),
        })
    }

    fn fsa(&self, given: &str, code: &str) -> Result<Place, PlaceError> {
        let area = find(&self.fsas, code).ok_or_else(|| PlaceError::UnknownPostalCode {
            code: code.to_string(),
            country: Country::Canada,
        })?;
        Ok(Place {
            given: given.to_string(),
            name: code.to_string(),
            kind: PlaceKind::ForwardSortationArea,
            point: area.point,
            timezone: chrono_tz::UTC,
            country: Some(Country::Canada),
            region: area.region.as_deref().map(str::to_string),
            near: area.name.as_deref().map(str::to_string),
            population: None,
            precision_km: area.radius_km,
            others: Vec::new(),
        })
    }

    /// A five-digit code and a town, as addresses write them: `10115 Berlin` is the town (German
    /// postal codes are not in the gazetteer; German towns are), `19104 Philadelphia` the ZIP
    /// code (more precise than the town).
    fn code_and_town(&self, given: &str, code: &str, town: &str) -> Result<Place, PlaceError> {
        match self.town(town) {
            Ok(town) if town.country == Some(Country::Germany) => Ok(Place {
                given: given.to_string(),
                ..town
            }),
            _ => self.zip(given, code),
        }
    }

    /// The town a point is in, roughly: the most populous town of the country whose estimated
    /// extent (`radius_km`) holds it, else the nearest town. So ZIP code 19104 is "near
    /// Philadelphia", not near the neighbourhood whose point happens to be closest. A scan of
    /// some 17,000 towns at most, with the equirectangular distance (no trigonometry per town;
    /// within 0.1% of the great circle at the 30 km of the largest radius).
    fn town_near(&self, point: GeoPoint, country: Country) -> Option<&Town> {
        const KM_PER_DEGREE: f64 = 111.195;
        let cos = point.latitude.to_radians().cos();
        let mut holding: Option<&Town> = None;
        let mut nearest: Option<(f64, &Town)> = None;
        for town in self.towns.iter().filter(|t| t.country == country) {
            let dy = (town.point.latitude - point.latitude) * KM_PER_DEGREE;
            let dx = (town.point.longitude - point.longitude).abs();
            let dx = dx.min(360.0 - dx) * cos * KM_PER_DEGREE;
            let squared = dx * dx + dy * dy;
            if squared <= town.radius_km * town.radius_km
                && holding.is_none_or(|h| town.population > h.population)
            {
                holding = Some(town);
            }
            if nearest.is_none_or(|(best, _)| squared < best) {
                nearest = Some((squared, town));
            }
        }
        holding.or(nearest.map(|(_, t)| t))
    }

    fn town(&self, given: &str) -> Result<Place, PlaceError> {
        let (name, within) = self.split_qualifier(given)?;
        let folded = fold(name);
        let admits = |i: u32| within.iter().all(|w| w.admits(&self.towns[i as usize]));
        let admitted =
            |ids: &Vec<u32>| -> Vec<u32> { ids.iter().copied().filter(|&i| admits(i)).collect() };
        let mut ids = self.names.get(&folded).map(admitted).unwrap_or_default();
        if ids.is_empty() {
            ids = self
                .alternates
                .get(&folded)
                .map(admitted)
                .unwrap_or_default();
        }
        let Some(&first) = ids.first() else {
            return Err(PlaceError::NotFound {
                given: given.to_string(),
                suggestions: self.suggestions(&folded, &admits),
            });
        };
        let town = &self.towns[first as usize];
        let candidates = || -> Vec<Candidate> {
            ids.iter()
                .take(MAX_CANDIDATES)
                .map(|&i| self.towns[i as usize].candidate())
                .collect()
        };
        if let Some(&second) = ids.get(1) {
            let next = self.towns[second as usize].population;
            // Two towns of unknown population (0) are as ambiguous as two of one size.
            let dominant = u64::from(town.population)
                >= u64::from(next) * u64::from(DOMINANT_POPULATION_RATIO)
                && town.population > 0;
            if !dominant {
                return Err(PlaceError::Ambiguous {
                    given: given.to_string(),
                    candidates: candidates(),
                    total: ids.len(),
                });
            }
        }
        let mut others = candidates();
        others.remove(0);
        Ok(Place {
            given: given.to_string(),
            name: town.name.to_string(),
            kind: PlaceKind::Town,
            point: town.point,
            timezone: chrono_tz::UTC,
            country: Some(town.country),
            region: (!town.region.is_empty()).then(|| town.region.to_string()),
            near: None,
            population: Some(town.population),
            precision_km: town.radius_km,
            others,
        })
    }

    /// The name and what it is qualified by: each part after a comma must name a region or a
    /// country ("Springfield, IL", "Springfield, IL, US"); without a comma, the last one to three
    /// words when they name one and the whole query is no town's name ("Edmonton AB", "Albany
    /// New York", but "Kansas City" as it is).
    fn split_qualifier<'q>(&self, given: &'q str) -> Result<(&'q str, Vec<Within>), PlaceError> {
        let mut parts = given.split(',');
        let name = parts.next().unwrap_or_default().trim();
        let qualified: Vec<Within> = parts
            .filter(|q| !q.trim().is_empty())
            .map(|q| {
                self.within(q).ok_or_else(|| PlaceError::UnknownRegion {
                    given: given.to_string(),
                    region: q.trim().to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        if !qualified.is_empty() || self.names.contains_key(&fold(name)) {
            return Ok((name, qualified));
        }
        let starts: Vec<usize> = name
            .split_whitespace()
            .map(|w| w.as_ptr() as usize - name.as_ptr() as usize)
            .collect();
        for k in (1..starts.len().min(4)).rev() {
            let at = starts[starts.len() - k];
            let (town, qualifier) = (name[..at].trim(), &name[at..]);
            if let Some(within) = self.within(qualifier) {
                let folded = fold(town);
                if self.names.contains_key(&folded) || self.alternates.contains_key(&folded) {
                    return Ok((town, vec![within]));
                }
            }
        }
        Ok((name, Vec::new()))
    }

    /// What a qualifier lets through, if it names a region or a country.
    fn within(&self, qualifier: &str) -> Option<Within> {
        let folded = fold(qualifier);
        let mut within = Within::default();
        for r in &self.regions {
            if r.folded.contains(&folded) {
                within.regions.push((r.country, r.code.clone()));
            }
        }
        within.countries.extend(Country::named(&folded));
        (!within.regions.is_empty() || !within.countries.is_empty()).then_some(within)
    }

    /// The towns whose folded names are the fewest edits from `folded` (at most
    /// [`MAX_SUGGESTION_EDITS`], a swap of two neighbours counting as one), closest first, then
    /// most populous; each name once, as its most populous town. Names whose letters differ too
    /// much to be that close ([`counts_apart`]) are passed over without counting edits, which
    /// keeps a miss well under a millisecond.
    fn suggestions(&self, folded: &str, admits: &dyn Fn(u32) -> bool) -> Vec<Candidate> {
        let counts = letter_counts(folded);
        let mut close: Vec<(usize, u32, u32)> = self
            .spellings
            .iter()
            .filter(|(name, c)| {
                name.len().abs_diff(folded.len()) <= MAX_SUGGESTION_EDITS
                    && counts_apart(c, &counts) <= 2 * MAX_SUGGESTION_EDITS
            })
            .filter_map(|(name, _)| {
                let id = *self.names[&**name].iter().find(|&&i| admits(i))?;
                let edits = strsim::osa_distance(name, folded);
                (edits <= MAX_SUGGESTION_EDITS)
                    .then(|| (edits, self.towns[id as usize].population, id))
            })
            .collect();
        close.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        close
            .into_iter()
            .take(5)
            .map(|(_, _, id)| self.towns[id as usize].candidate())
            .collect()
    }

    /// Reads the four TSV files (each with a header line); a row that cannot be read is counted
    /// in [`Coverage::unreadable_rows`], not fatal.
    fn parse(zips: &str, fsas: &str, towns: &str, regions: &str) -> Gazetteer {
        let mut unreadable_rows = 0;
        let mut zips = readable(rows(zips).map(|r| area(&r, false)), &mut unreadable_rows);
        let mut fsas = readable(rows(fsas).map(|r| area(&r, true)), &mut unreadable_rows);
        let (towns, alternate_names): (Vec<Town>, Vec<&str>) =
            readable(rows(towns).map(|r| town(&r)), &mut unreadable_rows)
                .into_iter()
                .unzip();
        let regions = readable(rows(regions).map(|r| region(&r)), &mut unreadable_rows);
        zips.sort_by(|a, b| a.code.cmp(&b.code));
        fsas.sort_by(|a, b| a.code.cmp(&b.code));

        let mut names: HashMap<String, Vec<u32>> = HashMap::with_capacity(towns.len());
        let mut alternates: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, (town, alts)) in (0u32..).zip(towns.iter().zip(&alternate_names)) {
            names.entry(fold(&town.name)).or_default().push(i);
            for alt in alts.split('|').filter(|a| !a.is_empty()) {
                let ids = alternates.entry(fold(alt)).or_default();
                if ids.last() != Some(&i) {
                    ids.push(i);
                }
            }
        }
        let by_population = |ids: &mut Vec<u32>| {
            ids.sort_by_key(|&i| (std::cmp::Reverse(towns[i as usize].population), i));
        };
        names.values_mut().for_each(by_population);
        alternates.values_mut().for_each(by_population);
        let mut spellings: Vec<(Box<str>, LetterCounts)> = names
            .keys()
            .map(|name| (name.as_str().into(), letter_counts(name)))
            .collect();
        spellings.sort();
        Gazetteer {
            zips,
            fsas,
            towns,
            names,
            alternates,
            spellings,
            regions,
            unreadable_rows,
        }
    }
}

/// How many times each ASCII letter is in a folded name (digits, spaces and other characters
/// counted in three more slots, each count at most 255).
type LetterCounts = [u8; 29];

fn letter_counts(folded: &str) -> LetterCounts {
    let mut counts = [0u8; 29];
    for b in folded.bytes() {
        let slot = match b {
            b'a'..=b'z' => usize::from(b - b'a'),
            b'0'..=b'9' => 26,
            b' ' => 27,
            _ => 28,
        };
        counts[slot] = counts[slot].saturating_add(1);
    }
    counts
}

/// A lower bound on twice the edits between two names: one edit changes the counts by at most
/// 2 in all (a substitution takes one letter and adds another; an insertion or deletion changes
/// one count; a swap of neighbours none), so names whose counts differ by more than
/// `2 * edits` are more than `edits` edits apart.
fn counts_apart(a: &LetterCounts, b: &LetterCounts) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| usize::from(x.abs_diff(*y)))
        .sum()
}

/// The rows that could be read, counting those that could not in `unreadable`.
fn readable<T>(rows: impl Iterator<Item = Option<T>>, unreadable: &mut usize) -> Vec<T> {
    let mut kept = Vec::new();
    for row in rows {
        match row {
            Some(row) => kept.push(row),
            None => *unreadable += 1,
        }
    }
    kept
}

/// The rows of a TSV file after its header line, split into fields.
fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines().skip(1).map(|line| line.split('\t').collect())
}

fn point(latitude: &str, longitude: &str) -> Option<GeoPoint> {
    GeoPoint::new(latitude.parse().ok()?, longitude.parse().ok()?).ok()
}

/// `zip latitude longitude radius_km`, or for an FSA `... province name`.
fn area(row: &[&str], named: bool) -> Option<Area> {
    let (region, name) = match (named, row) {
        (false, [_, _, _, _]) => (None, None),
        (true, [_, _, _, _, province, name]) => (Some((*province).into()), Some((*name).into())),
        _ => return None,
    };
    Some(Area {
        code: row[0].into(),
        point: point(row[1], row[2])?,
        radius_km: row[3].parse().ok()?,
        region,
        name,
    })
}

/// `country region name latitude longitude population radius_km alternates`, and the
/// alternates.
fn town<'a>(row: &[&'a str]) -> Option<(Town, &'a str)> {
    let [country, region, name, lat, lon, population, radius, alternates] = row else {
        return None;
    };
    let town = Town {
        name: (*name).into(),
        country: Country::of_code(country)?,
        region: (*region).into(),
        point: point(lat, lon)?,
        population: population.parse().ok()?,
        radius_km: radius.parse().ok()?,
    };
    Some((town, *alternates))
}

/// `country code names` (names `|`-separated).
fn region(row: &[&str]) -> Option<Region> {
    let [country, code, names] = row else {
        return None;
    };
    let mut folded = vec![fold(code)];
    folded.extend(names.split('|').map(fold));
    Some(Region {
        country: Country::of_code(country)?,
        code: (*code).into(),
        folded,
    })
}

fn find<'a>(areas: &'a [Area], code: &str) -> Option<&'a Area> {
    areas
        .binary_search_by(|a| (*a.code).cmp(code))
        .ok()
        .map(|i| &areas[i])
}

/// `Some` when the query is two numbers separated by a comma (a point, or why not).
fn coordinates(given: &str) -> Option<Result<GeoPoint, PlaceError>> {
    let (lat, lon) = given.split_once(',')?;
    let number = |s: &str| -> Option<f64> {
        let s = s.trim();
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        let plain = !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.chars().filter(|&c| c == '.').count() <= 1
            && digits.chars().any(|c| c.is_ascii_digit());
        plain.then(|| s.parse().ok()).flatten()
    };
    let (lat, lon) = (number(lat)?, number(lon)?);
    Some(
        GeoPoint::new(lat, lon).map_err(|reason| PlaceError::BadCoordinates {
            given: given.to_string(),
            reason,
        }),
    )
}

/// A five-digit code, a space and more (`10115 Berlin`), without a ZIP+4 (`19104 1234`).
fn code_and_town(given: &str) -> Option<(&str, &str)> {
    let (code, town) = given.split_once(' ')?;
    let town = town.trim();
    let digits = code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit());
    (digits && !town.is_empty() && us_zip(given).is_none()).then_some((code, town))
}

/// The five digits of a US ZIP code (`19104`, `19104-1234`, `19104 1234`).
fn us_zip(given: &str) -> Option<&str> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let five = given.get(..5)?;
    let rest = &given[5..];
    let plus4 = rest.strip_prefix(['-', ' ']).is_some_and(|r| digits(r, 4));
    (digits(five, 5) && (rest.is_empty() || plus4)).then_some(five)
}

/// The forward sortation area of a Canadian postal code (`T5J`, `T5J 0N3`, `t5j0n3`), upper
/// case. Letters no FSA starts with (D, F, I, O, Q, U, W, Z) still read as one, so that the
/// message says the code is unknown rather than that no town has that name.
fn canadian_fsa(given: &str) -> Option<String> {
    let compact: String = given
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let b = compact.as_bytes();
    let shape = |i: usize, letter: bool| {
        b.get(i).is_some_and(|c| {
            if letter {
                c.is_ascii_uppercase()
            } else {
                c.is_ascii_digit()
            }
        })
    };
    let fsa = shape(0, true) && shape(1, false) && shape(2, true);
    let ldu = b.len() == 6 && shape(3, false) && shape(4, true) && shape(5, false);
    (fsa && (b.len() == 3 || ldu) && given.len() <= 8).then(|| compact[..3].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_data_reads_without_a_bad_row() {
        let coverage = Gazetteer::embedded().coverage();
        assert_eq!(coverage.unreadable_rows, 0);
        // The row counts of data/README.md: a refresh that changes them updates both.
        assert_eq!(
            (
                coverage.us_zip_codes,
                coverage.canadian_fsas,
                coverage.towns
            ),
            (33_791, 1_645, 28_004)
        );
        assert_eq!(Gazetteer::embedded().regions.len(), 81);
    }

    #[test]
    fn a_bad_row_is_counted_not_fatal() {
        let g = Gazetteer::parse(
            "zip\tlatitude\tlongitude\tradius_km\n19104\t39.9585\t-75.1989\t1.3\n19105\t95\t0\t1\nshort\n",
            "h\n",
            "h\nUS\tPA\tPhiladelphia\t39.95\t-75.16\tmany\t15\t\n",
            "h\n",
        );
        assert_eq!(g.coverage().us_zip_codes, 1);
        assert_eq!(g.coverage().towns, 0);
        assert_eq!(g.coverage().unreadable_rows, 3);
    }

    /// A gazetteer of the given towns (`country region name population`), all at one point.
    fn towns(rows: &[(&str, &str, &str, u32)]) -> Gazetteer {
        let mut tsv = String::from("header\n");
        for (country, region, name, population) in rows {
            tsv.push_str(&format!(
                "{country}\t{region}\t{name}\t40\t-75\t{population}\t1.0\t\n"
            ));
        }
        Gazetteer::parse("h\n", "h\n", &tsv, "h\nUS\tPA\tPennsylvania\n")
    }

    #[test]
    fn a_town_is_taken_over_its_namesakes_from_twenty_times_their_people() {
        let g = towns(&[("US", "PA", "Media", 20_000), ("US", "OH", "Media", 1_000)]);
        let place = g.lookup("Media").unwrap();
        assert_eq!(place.region.as_deref(), Some("PA"));
        assert_eq!(place.others.len(), 1);
        let g = towns(&[("US", "PA", "Media", 19_999), ("US", "OH", "Media", 1_000)]);
        assert!(matches!(
            g.lookup("Media"),
            Err(PlaceError::Ambiguous { total: 2, .. })
        ));
        let g = towns(&[("US", "PA", "Media", 0), ("US", "OH", "Media", 0)]);
        assert!(matches!(
            g.lookup("Media"),
            Err(PlaceError::Ambiguous { total: 2, .. })
        ));
        assert_eq!(g.lookup("Media, PA").unwrap().region.as_deref(), Some("PA"));
    }

    #[test]
    fn folding_drops_case_accents_punctuation_and_saint_abbreviations() {
        assert_eq!(fold("München"), "munchen");
        assert_eq!(fold("  Straße  "), "strasse");
        assert_eq!(fold("St. Louis"), fold("Saint-Louis"));
        assert_eq!(fold("Coeur d'Alene"), fold("Cœur d’Alene"));
        assert_eq!(fold("Ft. Worth"), "fort worth");
        assert_eq!(fold("Québec"), "quebec");
    }

    #[test]
    fn postal_codes_are_told_from_names_by_their_shape() {
        assert_eq!(us_zip("19104"), Some("19104"));
        assert_eq!(us_zip("19104-1234"), Some("19104"));
        assert_eq!(us_zip("19104 1234"), Some("19104"));
        assert_eq!(us_zip("1910"), None);
        assert_eq!(us_zip("19104-12"), None);
        assert_eq!(us_zip("191045"), None);
        assert_eq!(canadian_fsa("t5j 0n3").as_deref(), Some("T5J"));
        assert_eq!(canadian_fsa("T5J0N3").as_deref(), Some("T5J"));
        assert_eq!(canadian_fsa("T5J").as_deref(), Some("T5J"));
        assert_eq!(canadian_fsa("Tom"), None);
        assert_eq!(canadian_fsa("T5J 0N"), None);
        assert!(coordinates("Springfield, IL").is_none());
        assert!(coordinates("39.95,-75.16").unwrap().is_ok());
        assert!(coordinates("+39.95 , -75").unwrap().is_ok());
        assert!(coordinates("1.2.3,4").is_none());
        assert!(coordinates("91,200").unwrap().is_err());
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_573_916), "1,573,916");
    }

    #[test]
    fn a_qualifier_after_the_last_words_is_taken_only_when_it_names_a_region() {
        let g = Gazetteer::embedded();
        let (name, within) = g.split_qualifier("Edmonton AB").unwrap();
        assert_eq!((name, within.len()), ("Edmonton", 1));
        let (name, within) = g.split_qualifier("Kansas City").unwrap();
        assert_eq!((name, within.len()), ("Kansas City", 0));
        let (name, within) = g.split_qualifier("Albany New York").unwrap();
        assert_eq!((name, within.len()), ("Albany", 1));
        let (name, within) = g.split_qualifier("Springfield, IL, US").unwrap();
        assert_eq!((name, within.len()), ("Springfield", 2));
        assert!(matches!(
            g.split_qualifier("Springfield, Narnia"),
            Err(PlaceError::UnknownRegion { region, .. }) if region == "Narnia"
        ));
    }

    proptest::proptest! {
        #[test]
        fn names_the_letter_filter_passes_over_are_more_edits_apart(
            a in "[a-z0-9 .]{0,12}",
            b in "[a-z0-9 .]{0,12}",
        ) {
            let edits = strsim::osa_distance(&a, &b);
            let apart = counts_apart(&letter_counts(&a), &letter_counts(&b));
            proptest::prop_assert!(apart <= 2 * edits, "{a:?} {b:?}: {apart} apart, {edits} edits");
        }
    }
}

/// The examples of `docs/places.md`, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/places.md")]
pub struct PlacesDoctests;
