//! A support group as listed in a directory.

use chrono_tz::Tz;
use serde::Serialize;

use super::geo::GeoPoint;
use super::schedule::Window;
use super::vocab::{
    Approach, Audience, Facilitation, Format, Language, Need, Orientation, Substance,
};

/// A support group: what it is, when and where it meets, and who it is for.
///
/// Groups are read with [`crate::read_groups`], which validates every field; the fields are public
/// so that services can build groups in code as well.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Unique id within its directory.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Programme.
    pub approach: Approach,
    /// Spiritual, secular or religious (stated, or the approach's default).
    pub orientation: Orientation,
    /// In person, online or hybrid.
    pub format: Format,
    /// Peer-led or professionally led.
    pub facilitation: Facilitation,
    /// Weekly sessions, in the group's time zone. Never empty.
    pub sessions: Vec<Window>,
    /// The group's time zone.
    #[serde(serialize_with = "serialize_tz")]
    pub timezone: Tz,
    /// Where it meets. Optional: an in-person group without it cannot be checked for distance.
    #[serde(flatten)]
    pub location: Option<GeoPoint>,
    /// City, for display.
    pub city: Option<String>,
    /// Languages the group is held in (default English). Never empty.
    pub languages: Vec<Language>,
    /// Who the group is restricted to; empty means everyone.
    pub audience: Vec<Audience>,
    /// Whether the meeting is closed (members and prospective members only).
    pub closed: Option<bool>,
    /// Whether the group welcomes newcomers explicitly.
    pub beginner_friendly: bool,
    /// Topics the group focuses on.
    pub focus: Vec<Need>,
    /// Accommodations offered (wheelchair access, ASL, childcare).
    pub accessibility: Vec<Need>,
    /// Substances the group focuses on; empty means any.
    pub substances: Vec<Substance>,
    /// Seats in total; `None` means unlimited.
    pub capacity: Option<u32>,
    /// Seats taken.
    pub enrolled: u32,
    /// Cost per session, in local currency.
    pub cost: Option<f64>,
    /// Web page.
    pub url: Option<String>,
}

impl Group {
    /// Seats still open: `None` when unlimited.
    pub fn open_seats(&self) -> Option<u32> {
        self.capacity.map(|c| c.saturating_sub(self.enrolled))
    }

    /// Whether the group focuses on substance use and mental health together.
    pub fn is_dual_focus(&self) -> bool {
        self.approach == crate::Approach::DualRecovery
            || self.focus.contains(&crate::Need::CoOccurring)
    }

    /// Whether the group offers `need` as a focus or an accommodation.
    pub fn covers(&self, need: crate::Need) -> bool {
        self.focus.contains(&need) || self.accessibility.contains(&need)
    }
}

pub(crate) fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}
