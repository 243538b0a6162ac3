//! What every import shares: its options, its report (rows read, imported, merged, skipped by
//! reason, warnings), and the merging of the rows of one group into one group with several
//! sessions. Each source format (`meeting_guide`, `bmlt`) reads its rows into meetings and
//! hands them to a collector; the types are re-exported by each importer's module.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono_tz::Tz;
use serde::Serialize;

use crate::domain::geo::GeoPoint;
use crate::domain::group::{Group, Listing};
use crate::domain::recurrence::Session;
use crate::domain::schedule::parse_timezone;
use crate::domain::vocab::{
    Approach, Audience, Fellowship, Format, Language, MedicationStance, Need, Orientation, Origin,
    Serves,
};
use crate::domain::zone::{check_zone, zone_at, ZoneFinding};
use crate::error::{Error, Result};

/// What a type code (Meeting Guide) or format (BMLT) means for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeMeaning {
    /// The group is restricted to this audience.
    Audience(Audience),
    /// The meeting is held in this language (ISO 639-1).
    Language(&'static str),
    /// An accommodation the meeting offers.
    Accessibility(Need),
    /// A topic the meeting focuses on.
    Focus(Need),
    /// A secular meeting: orientation `secular`.
    Secular,
    /// Newcomer-friendly: `beginner_friendly`.
    Newcomer,
    /// `POA`: the accessibility need `proof_of_attendance` (the group signs a proof of
    /// attendance), except in feeds of family groups (Al-Anon, Alateen, ...), where the code
    /// means "Parents of Alcoholics" and is ignored ([`poa_is_proof_of_attendance`]).
    ProofOfAttendance,
    /// Closed (`true`) or open (`false`).
    Closed(bool),
    /// Meets online (used only when the feed has no `attendance_option`).
    Online,
    /// The meeting place is temporarily closed (used only when the feed has no
    /// `attendance_option`).
    TemporarilyClosed,
    /// A known code with no meaning for matching (literature, meeting style, ...): ignored.
    Ignored,
}

/// Whether type `POA` means a proof of attendance in a feed of groups of `approach`: only for
/// groups of people in recovery. Al-Anon and Alateen feeds use `POA` for "Parents of
/// Alcoholics", so in a feed of family groups (every family fellowship's approach serves
/// families: see [`ImportOptions::check`]) it is ignored rather than read as a promise of a
/// signed proof the group may not give.
pub fn poa_is_proof_of_attendance(approach: Approach) -> bool {
    approach.default_serves() == Serves::InRecovery
}

/// The approach of a fellowship's meetings when none is given: `family_support` for the family
/// fellowships (Al-Anon, Alateen, Nar-Anon, Families Anonymous), `twelve_step` for the others.
pub fn fellowship_approach(fellowship: Fellowship) -> Approach {
    match fellowship {
        Fellowship::AlAnon
        | Fellowship::Alateen
        | Fellowship::NarAnon
        | Fellowship::FamiliesAnonymous => Approach::FamilySupport,
        _ => Approach::TwelveStep,
    }
}

/// What a meeting's type codes or formats say about its group, combined ([`described`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Described {
    /// Languages named, sorted (empty when none is: the importer picks its default).
    pub(crate) languages: Vec<Language>,
    /// Audiences, sorted; none when both women and men are named.
    pub(crate) audience: Vec<Audience>,
    /// Accommodations, sorted.
    pub(crate) accessibility: Vec<Need>,
    /// Focuses, sorted.
    pub(crate) focus: Vec<Need>,
    /// Closed or open; unstated when both or neither are named.
    pub(crate) closed: Option<bool>,
    /// A secular meeting.
    pub(crate) secular: bool,
    /// Newcomer-friendly.
    pub(crate) newcomer: bool,
}

/// Combines a meeting's `meanings` in a feed of `approach`: contradictions (women and men;
/// closed and open) are warned on `field` and left unstated.
pub(crate) fn described(
    meanings: impl IntoIterator<Item = TypeMeaning>,
    approach: Approach,
    field: &str,
    out: &mut RowReport,
) -> Described {
    let mut d = Described::default();
    let mut closed: Vec<bool> = Vec::new();
    for t in meanings {
        match t {
            TypeMeaning::Audience(a) => d.audience.push(a),
            TypeMeaning::Language(code) => {
                d.languages.extend(code.parse::<Language>().ok());
            }
            TypeMeaning::Accessibility(n) => d.accessibility.push(n),
            TypeMeaning::Focus(n) => d.focus.push(n),
            TypeMeaning::Secular => d.secular = true,
            TypeMeaning::Newcomer => d.newcomer = true,
            TypeMeaning::ProofOfAttendance => {
                if poa_is_proof_of_attendance(approach) {
                    d.accessibility.push(Need::ProofOfAttendance)
                }
            }
            TypeMeaning::Closed(c) => closed.push(c),
            TypeMeaning::Online | TypeMeaning::TemporarilyClosed | TypeMeaning::Ignored => {}
        }
    }
    for list in [&mut d.accessibility, &mut d.focus] {
        list.sort();
        list.dedup();
    }
    d.languages.sort();
    d.languages.dedup();
    d.audience.sort();
    d.audience.dedup();
    if d.audience.contains(&Audience::Women) && d.audience.contains(&Audience::Men) {
        out.warn(field, "both women and men: open to everyone");
        d.audience
            .retain(|a| !matches!(a, Audience::Women | Audience::Men));
    }
    closed.sort();
    closed.dedup();
    d.closed = match closed[..] {
        [c] => Some(c),
        [] => None,
        _ => {
            out.warn(field, "both closed and open: left unstated");
            None
        }
    };
    d
}

/// What a feed says of one meeting's group. The rest comes from the import's options (approach,
/// fellowship and its ages, whom the approach serves, its facilitation, the orientation when the
/// meeting is not secular) or is what feeds never state (substances, medication stance,
/// abstinence, newcomer contact, requirements, seats, cost).
pub(crate) struct FeedGroup {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) format: Format,
    pub(crate) sessions: Vec<Session>,
    pub(crate) timezone: Tz,
    pub(crate) location: Option<GeoPoint>,
    pub(crate) city: Option<String>,
    /// What its type codes or formats say.
    pub(crate) described: Described,
    /// Its language when the codes name none.
    pub(crate) default_language: Language,
    pub(crate) url: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) join_url: Option<String>,
    /// When the feed last updated it, and how its coordinates and zone were found.
    pub(crate) listing: Listing,
}

impl FeedGroup {
    /// The group, in an import with `options`.
    pub(crate) fn into_group(self, options: &ImportOptions) -> Group {
        let d = self.described;
        let orientation = if d.secular {
            Orientation::Secular
        } else {
            options
                .approach
                .default_orientation()
                .unwrap_or(Orientation::Spiritual)
        };
        let (min_age, max_age) = fellowship_ages(options.fellowship);
        let mut languages = d.languages;
        if languages.is_empty() {
            languages.push(self.default_language);
        }
        Group {
            id: self.id,
            name: self.name,
            approach: options.approach,
            fellowship: options.fellowship,
            orientation,
            serves: options.approach.default_serves(),
            format: self.format,
            facilitation: options.approach.default_facilitation(),
            sessions: self.sessions,
            timezone: self.timezone,
            location: self.location,
            city: self.city,
            languages,
            audience: d.audience,
            min_age,
            max_age,
            closed: d.closed,
            beginner_friendly: d.newcomer,
            focus: d.focus,
            accessibility: d.accessibility,
            substances: Vec::new(),
            medication_stance: MedicationStance::Unknown,
            abstinence_required: None,
            newcomer_contact: None,
            requires: Vec::new(),
            capacity: None,
            enrolled: 0,
            cost: None,
            url: self.url,
            address: self.address,
            phone: self.phone,
            join_url: self.join_url,
            listing: self.listing,
        }
    }
}

/// The age limits every meeting of `fellowship` states: 13 to 19 for Alateen, none for the
/// others (feeds have no age field).
pub(crate) fn fellowship_ages(fellowship: Option<Fellowship>) -> (Option<u8>, Option<u8>) {
    match fellowship {
        Some(Fellowship::Alateen) => (Some(13), Some(19)),
        _ => (None, None),
    }
}

/// Options of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// Time zone of meetings without a valid `timezone` of their own (most feeds have none).
    /// Without it, such a meeting takes the zone at its coordinates ([`crate::zone_at`]), if it has any.
    pub timezone: Option<Tz>,
    /// Programme of every imported group (Meeting Guide feeds are 12-step fellowships).
    pub approach: Approach,
    /// Fellowship of every imported group, when the feed lists one fellowship's meetings. A feed
    /// does not say which fellowship it lists (AA, NA, Al-Anon and others use the same format
    /// and codes), so there is no default: without it, groups have none.
    pub fellowship: Option<Fellowship>,
}

impl Default for ImportOptions {
    /// No default time zone; approach `twelve_step`; no fellowship.
    fn default() -> ImportOptions {
        ImportOptions {
            timezone: None,
            approach: Approach::TwelveStep,
            fellowship: None,
        }
    }
}

impl ImportOptions {
    /// Checks that the fellowship and the approach serve the same people: a family fellowship
    /// (Al-Anon, Alateen, Nar-Anon, Families Anonymous) needs an approach for families
    /// (`family_support`, `craft`), the others an approach for people in recovery. The error
    /// names the field `fellowship`.
    ///
    /// ```
    /// use groupmatch::formats::meeting_guide::ImportOptions;
    /// use groupmatch::{Approach, Fellowship};
    /// let mut options = ImportOptions { fellowship: Some(Fellowship::AlAnon), ..ImportOptions::default() };
    /// assert!(options.check().is_err(), "Al-Anon meetings are not twelve_step groups for people in recovery");
    /// options.approach = Approach::FamilySupport;
    /// assert!(options.check().is_ok());
    /// ```
    pub fn check(&self) -> Result<()> {
        let Some(fellowship) = self.fellowship else {
            return Ok(());
        };
        let serves = fellowship_approach(fellowship).default_serves();
        if self.approach.default_serves() == serves {
            return Ok(());
        }
        let whom = |s: Serves| match s {
            Serves::Family => "families",
            _ => "people in recovery",
        };
        Err(Error::invalid(
            "import options",
            None,
            Some("fellowship"),
            format!(
                "{fellowship} meetings are for {}, but approach {} is for {}: use approach {}",
                whom(serves),
                self.approach,
                whom(self.approach.default_serves()),
                fellowship_approach(fellowship)
            ),
        ))
    }
}

/// Why a meeting row was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// `attendance_option` is `inactive`.
    Inactive,
    /// Type `TC` (location temporarily closed) and no way to join online.
    TemporarilyClosed,
    /// No meeting place (no address, or only an approximate one) and no way to join online.
    NoPlaceOrLink,
    /// No `day` or no `time` (for example a meeting by appointment).
    NoSchedule,
    /// A `day`, `time` or `end_time` that cannot be read.
    BadSchedule,
    /// No valid `timezone`, no default time zone given, and no coordinates to find the zone at.
    NoTimezone,
    /// No `name`.
    NoName,
    /// The row is not a JSON object.
    NotAMeeting,
    /// BMLT: `published` is `0`.
    Unpublished,
    /// BMLT: a meeting with restricted attendance (format `RA`, such as a meeting inside an
    /// institution), closed to the public.
    RestrictedAttendance,
}

impl SkipReason {
    /// The reason's name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Inactive => "inactive",
            SkipReason::TemporarilyClosed => "temporarily_closed",
            SkipReason::NoPlaceOrLink => "no_place_or_link",
            SkipReason::NoSchedule => "no_schedule",
            SkipReason::BadSchedule => "bad_schedule",
            SkipReason::NoTimezone => "no_timezone",
            SkipReason::NoName => "no_name",
            SkipReason::NotAMeeting => "not_a_meeting",
            SkipReason::Unpublished => "unpublished",
            SkipReason::RestrictedAttendance => "restricted_attendance",
        }
    }
}

/// A problem with one meeting row that did not stop the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowWarning {
    /// 0-based index of the meeting in the feed's array (its own id, if any, is in
    /// [`ImportReport::ids`]).
    pub index: usize,
    /// The field concerned.
    pub field: String,
    /// What is wrong and what was done about it.
    pub message: String,
}

/// What an import did: every row is counted once, as imported or as skipped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Meeting rows in the feed.
    pub read: usize,
    /// Rows imported (each becomes a group or a session of one).
    pub imported: usize,
    /// Groups written.
    pub groups: usize,
    /// Rows that became a further session of an earlier row's group.
    pub merged: usize,
    /// Rows skipped, by reason.
    pub skipped: BTreeMap<SkipReason, usize>,
    /// Imported rows without an `end_time` (given the default duration).
    pub end_time_defaulted: usize,
    /// Imported rows meeting in a room (in person or hybrid) without usable coordinates.
    pub without_coordinates: usize,
    /// Imported rows whose zone is the one at their coordinates ([`crate::zone_at`]): they gave none
    /// (nor `--timezone`), or gave one that follows no place and contradicts the coordinates.
    pub timezone_from_coordinates: usize,
    /// Imported rows whose given zone is another place's than the zone at their coordinates
    /// (kept, with a warning).
    pub timezone_unlike_coordinates: usize,
    /// Type codes not in the specification (Meeting Guide) or formats not known (BMLT, by their
    /// key), with the indices of the rows that use them.
    pub unknown_types: BTreeMap<String, Vec<usize>>,
    /// Imported rows meeting in a room whose coordinates are those of their postal code or town
    /// (the embedded gazetteer), not of the room: approximate.
    pub coordinates_approximate: usize,
    /// Each row's own id, by index, in formats whose rows have one (BMLT's `id_bigint`; empty
    /// text when a row has none); empty for Meeting Guide feeds, whose rows are named by index.
    pub ids: Vec<String>,
    /// Problems in rows, in row order; rows skipped for a problem have one here.
    pub warnings: Vec<RowWarning>,
}

/// An imported directory and its report.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The groups, in the order of their first row in the feed.
    pub groups: Vec<Group>,
    /// What was read, merged and skipped.
    pub report: ImportReport,
}

/// Where one row's warnings go.
pub(crate) struct RowReport<'a> {
    pub(crate) index: usize,
    pub(crate) report: &'a mut ImportReport,
}

impl RowReport<'_> {
    pub(crate) fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.report.warnings.push(RowWarning {
            index: self.index,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Warns and returns the reason, for rows skipped because of a problem.
    pub(crate) fn skip(
        &mut self,
        reason: SkipReason,
        field: &str,
        message: impl Into<String>,
    ) -> SkipReason {
        self.warn(field, message);
        reason
    }
}

/// One imported row: its group (with this row's sessions) and the key of the group it belongs
/// to.
pub(crate) struct Meeting {
    pub(crate) group: Group,
    pub(crate) key: String,
    pub(crate) end_time_defaulted: bool,
}

/// Gathers the rows of one import: counts each as imported or skipped, merges the rows of one
/// group (the same [`Meeting::key`]) into one group with several sessions, and keeps group ids
/// unique.
pub(crate) struct Collector {
    report: ImportReport,
    groups: Vec<Group>,
    by_key: HashMap<String, usize>,
    ids: HashSet<String>,
    /// The field a row's id comes from, named when a duplicate id is replaced.
    id_field: &'static str,
}

impl Collector {
    /// A collector of `read` rows whose ids come from `id_field`.
    pub(crate) fn new(read: usize, id_field: &'static str) -> Collector {
        Collector {
            report: ImportReport {
                read,
                ..ImportReport::default()
            },
            groups: Vec::new(),
            by_key: HashMap::new(),
            ids: HashSet::new(),
            id_field,
        }
    }

    /// Where the warnings of row `index` go.
    pub(crate) fn row(&mut self, index: usize) -> RowReport<'_> {
        RowReport {
            index,
            report: &mut self.report,
        }
    }

    /// The report so far, for counts a format keeps of its own.
    pub(crate) fn report(&mut self) -> &mut ImportReport {
        &mut self.report
    }

    /// Counts row `index` as skipped, or imports it: as a new group, or as further sessions of
    /// the group of an earlier row with the same key.
    pub(crate) fn add(&mut self, index: usize, row: std::result::Result<Meeting, SkipReason>) {
        let report = &mut self.report;
        let m = match row {
            Err(reason) => {
                *report.skipped.entry(reason).or_default() += 1;
                return;
            }
            Ok(m) => m,
        };
        report.imported += 1;
        report.end_time_defaulted += usize::from(m.end_time_defaulted);
        report.without_coordinates +=
            usize::from(m.group.format != Format::Online && m.group.location.is_none());
        report.coordinates_approximate += usize::from(m.group.location_is_approximate());
        if let Some(&g) = self.by_key.get(&m.key) {
            report.merged += 1;
            // The group was updated when its most recently updated meeting was.
            let updated = &mut self.groups[g].listing.updated;
            *updated = (*updated).max(m.group.listing.updated);
            // Open and closed meetings of one group are one group; `closed` is then left
            // unstated (it is not used in ranking).
            if self.groups[g].closed != m.group.closed {
                self.groups[g].closed = None;
            }
            let sessions = &mut self.groups[g].sessions;
            sessions.extend(m.group.sessions);
            sessions.sort();
            sessions.dedup();
            return;
        }
        let mut group = m.group;
        if self.ids.contains(&group.id) {
            let id = (2..)
                .map(|n| format!("{}-{n}", group.id))
                .find(|id| !self.ids.contains(id))
                .expect("some suffix is free");
            report.warnings.push(RowWarning {
                index,
                field: self.id_field.into(),
                message: format!(
                    "id '{}' is used by an earlier meeting; this one is '{id}'",
                    group.id
                ),
            });
            group.id = id;
        }
        self.ids.insert(group.id.clone());
        self.by_key.insert(m.key, self.groups.len());
        self.groups.push(group);
    }

    /// The groups, in the order of their first row, and the report.
    pub(crate) fn finish(mut self) -> Import {
        self.report.groups = self.groups.len();
        Import {
            groups: self.groups,
            report: self.report,
        }
    }
}

/// The key that merges rows into one group: rows of one group share `identity` (the group's
/// name, or a group id the source gives), place, format and everything that matters for
/// matching, and differ only in their sessions and ids.
pub(crate) fn group_key(
    identity: &str,
    group: &Group,
    place: &Option<String>,
    conference: &Option<String>,
) -> String {
    serde_json::to_string(&(
        identity,
        group.format,
        place,
        group
            .location
            .map(|p| (p.latitude.to_bits(), p.longitude.to_bits())),
        conference,
        group.timezone.name(),
        group.orientation,
        &group.languages,
        &group.audience,
        group.beginner_friendly,
        &group.focus,
        &group.accessibility,
    ))
    .expect("plain values serialise")
}

/// The meeting's zone and how it was found: its own (`stated`, the text of its field `field`:
/// [`Origin::Given`]), else the default ([`ImportOptions::timezone`]: [`Origin::Assumed`]), else
/// the zone at its coordinates ([`zone_at`]: [`Origin::Derived`]); without any, the row is skipped
/// (`no_timezone`). A given zone is checked against the coordinates ([`check_zone`]): one that
/// follows no place and contradicts them is replaced by the zone at the coordinates (so that the
/// groups file written loads), another place's zone is kept; both are warned and counted. A zone
/// that follows no place is warned when it is the row's own (a default is the run's business,
/// said once).
pub(crate) fn timezone(
    stated: Option<String>,
    field: &str,
    options: &ImportOptions,
    location: Option<GeoPoint>,
    out: &mut RowReport,
) -> std::result::Result<(Tz, Origin), SkipReason> {
    let (stated, own) = match stated.map(|t| parse_timezone(&t)) {
        Some(Ok(tz)) => (Some(tz), true),
        Some(Err(e)) => {
            let instead = match (options.timezone, location.and_then(zone_at)) {
                (Some(_), _) => "the default time zone is used",
                (None, Some(_)) => "the zone at the coordinates is used",
                (None, None) => return Err(out.skip(SkipReason::NoTimezone, field, e)),
            };
            out.warn(field, format!("{e}: {instead}"));
            (options.timezone, false)
        }
        None => (options.timezone, false),
    };
    let origin = if own { Origin::Given } else { Origin::Assumed };
    let Some(stated) = stated else {
        let tz = location.and_then(zone_at).ok_or(SkipReason::NoTimezone)?;
        out.report.timezone_from_coordinates += 1;
        return Ok((tz, Origin::Derived));
    };
    match check_zone(stated, location) {
        None => Ok((stated, origin)),
        Some(found @ ZoneFinding::Contradicts { at_place, .. }) => {
            out.warn(field, format!("{found} (it is used)"));
            out.report.timezone_from_coordinates += 1;
            Ok((at_place, Origin::Derived))
        }
        Some(found @ ZoneFinding::Differs { .. }) => {
            out.warn(field, format!("{found} (kept)"));
            out.report.timezone_unlike_coordinates += 1;
            Ok((stated, origin))
        }
        Some(found @ ZoneFinding::NotAPlace { .. }) => {
            if own {
                out.warn(field, found.to_string());
            }
            Ok((stated, origin))
        }
    }
}

/// The point of a row's coordinates, or `None` with a warning on `latitude` when they are not
/// on the earth (the row is then imported without them).
pub(crate) fn point_on_earth(lat: f64, lon: f64, out: &mut RowReport) -> Option<GeoPoint> {
    match GeoPoint::new(lat, lon) {
        Ok(p) => Some(p),
        Err(e) => {
            out.warn("latitude", format!("{e} (coordinates ignored)"));
            None
        }
    }
}

/// Where a meeting place is, as an address gives it without coordinates.
#[derive(Debug, Clone, Copy, Default)]
// Read only by the gazetteer's look-up; without it, a room without coordinates stays without.
#[cfg_attr(not(feature = "gazetteer"), allow(dead_code))]
pub(crate) struct AddressHint<'a> {
    pub(crate) postal_code: Option<&'a str>,
    pub(crate) town: Option<&'a str>,
    /// The state or province.
    pub(crate) region: Option<&'a str>,
    /// Whether the place is in the US or Canada, or in no country named: only there is a
    /// postal code alone looked up (the gazetteer reads five digits as a US ZIP code, and a
    /// German 10115 is not New York's).
    pub(crate) north_american: bool,
}

/// The centre of a meeting place's postal code or town in the embedded gazetteer (feature
/// `gazetteer`): coordinates that are approximate ([`Origin::Derived`]). Tried in turn: postal
/// code with town, postal code alone (see [`AddressHint::north_american`]), town with region,
/// town alone; an ambiguous town is not guessed. With the point comes the name of the place it
/// is the centre of.
#[cfg(feature = "gazetteer")]
pub(crate) fn approximate_point(hint: AddressHint) -> Option<(GeoPoint, String)> {
    let gazetteer = crate::Gazetteer::embedded();
    let AddressHint {
        postal_code,
        town,
        region,
        north_american,
    } = hint;
    let queries = [
        postal_code.zip(town).map(|(p, t)| format!("{p} {t}")),
        postal_code.filter(|_| north_american).map(str::to_string),
        town.zip(region).map(|(t, r)| format!("{t}, {r}")),
        town.map(str::to_string),
    ];
    queries
        .into_iter()
        .flatten()
        .find_map(|q| gazetteer.lookup(&q).ok())
        .map(|place| (place.point, place.name))
}

/// Without the gazetteer, a room without coordinates stays without.
#[cfg(not(feature = "gazetteer"))]
pub(crate) fn approximate_point(_: AddressHint) -> Option<(GeoPoint, String)> {
    None
}
