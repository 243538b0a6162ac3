//! The handout: a printable page (HTML, one or two A4 or Letter pages) the person takes home
//! with the groups they chose, in their own language.
//!
//! Why a page at all: the evidence on getting people to a group is about linkage, not about which
//! group: linking the person actively (a warm handoff to a member, then follow-up) beats handing
//! over a list (EVIDENCE F4: Timko et al. 2006; Timko & DeBenedetti 2007; see
//! `../shared/EVIDENCE.md`). The page is the part of that plan the person takes home. So for
//! each chosen group the page gives what the programme is in one plain sentence, open or closed,
//! the next three dates and times in the person's own zone, where to go or how to join,
//! accessibility, cost, what to expect at a first meeting, and a week picture of the sessions
//! over the times the person gave; then the referring service's contact and the crisis lines.
//!
//! What the page leaves out, on purpose: everything about the person's health. No stage,
//! substances, needs, risks, medication, scores or reasons appear; only the groups they chose,
//! their dates in the person's zone, and the person's availability (drawn in the week picture,
//! which they gave to find times). The person's id is not printed either.
//!
//! Every date is the engine's own: the next sessions are the ones a ranking lists
//! (`PairFacts::next_sessions` over the engine's horizon), and how the person would attend a
//! hybrid group is the pair's. Every text from the directory (names, addresses, links, contacts)
//! reaches the markup through one writer (`src/html.rs`), which escapes it for text and
//! attributes alike and links only `http:`, `https:` and `tel:` addresses. Fixed text comes from
//! one table per language (`text.rs`), so a page is never half translated.

mod text;
mod week;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::domain::check::invalid_if_any;
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::{Format, Serves};
use crate::engine::Engine;
use crate::error::{Error, Problem, Result};
use crate::pair::{Attendance, PairFacts, PreparedPerson};

pub use text::HandoutLanguage;

use crate::html::Page;
use text::Text;

/// How many dates each group lists.
pub const NEXT_DATES: usize = 3;

/// The most groups one handout takes: three fit on two pages; more would not be a plan.
pub const MAX_HANDOUT_GROUPS: usize = 6;

/// The referring service, whose contact the handout gives: staff's organisation, a phone
/// number, an e-mail address and a web page, each optional. Read from a small TOML file
/// ([`Referrer::parse_toml`]) or built from flags.
///
/// ```
/// let r = groupmatch::handout::Referrer::parse_toml(
///     "name = \"Northside Recovery Services\"\nphone = \"215-555-0100\"\n",
///     "referrer.toml",
/// )
/// .unwrap();
/// assert_eq!(r.phone.as_deref(), Some("215-555-0100"));
/// assert!(groupmatch::handout::Referrer::parse_toml("fax = \"1\"", "r.toml").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "serve", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Referrer {
    /// The service's name (and the staff member's, if they like).
    pub name: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// A web page (`http:` or `https:`).
    pub url: Option<String>,
}

impl Referrer {
    /// Reads a referrer from TOML text with the keys `name`, `phone`, `email`, `url` (each
    /// optional, nothing else); `path` names the file in errors.
    pub fn parse_toml(text: &str, path: &str) -> Result<Referrer> {
        let referrer: Referrer = toml::from_str(text)
            .map_err(|e| Error::invalid(path, None, None, e.message().to_lowercase()))?;
        invalid_if_any(path, referrer.problems())?;
        Ok(referrer)
    }

    /// Reads a referrer file ([`Referrer::parse_toml`]).
    pub fn read(path: impl AsRef<std::path::Path>) -> Result<Referrer> {
        let path = path.as_ref();
        let text = crate::formats::read_text(path, crate::MAX_DOCUMENT_FILE_BYTES)?;
        Referrer::parse_toml(&text, &path.display().to_string())
    }

    /// Whether nothing is given (the page then has no referrer box).
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.is_none())
    }

    fn fields(&self) -> [(&'static str, &Option<String>); 4] {
        [
            ("name", &self.name),
            ("phone", &self.phone),
            ("email", &self.email),
            ("url", &self.url),
        ]
    }

    /// Each field that is empty, too long, or has control characters.
    fn problems(&self) -> Vec<Problem> {
        self.fields()
            .iter()
            .filter_map(|(field, value)| {
                let v = value.as_deref()?;
                let why = if v.trim().is_empty() {
                    "empty"
                } else if v.len() > crate::MAX_FIELD_BYTES {
                    "too long"
                } else if crate::text::has_forbidden(v) {
                    "has a control character"
                } else {
                    return None;
                };
                Some(Problem::new(
                    None,
                    Some(field),
                    format!("referrer {field} is {why}"),
                ))
            })
            .collect()
    }
}

/// One chosen group, with what the engine worked out about it for the person.
struct Chosen<'a> {
    group: &'a Group,
    attendance: Attendance,
    /// The next sessions (start instants), fitting the person's availability when any does.
    next: Vec<DateTime<Utc>>,
    /// Whether any session in the engine's horizon fits the person's availability.
    fits: bool,
}

/// The handout for `person` and the groups `group_ids` of the engine's directory (in that
/// order; an id given twice once), at `now`, with the referring service's contact: a complete
/// HTML page with its CSS inline and no external resource, in the person's first language the
/// handout has ([`HandoutLanguage::for_person`]).
///
/// Errors: the person's and `now`'s problems ([`Person::validate`], years 1 to 9999), no group
/// or more than [`MAX_HANDOUT_GROUPS`], a referrer field that is empty or has control
/// characters ([`Error::Invalid`]); an id not in the directory, with the closest id
/// ([`Error::NotFound`]).
///
/// ```
/// use groupmatch::{handout::{render_handout, Referrer}, parse_person, Engine, RankOptions};
/// let engine = Engine::embedded();
/// let person = parse_person(include_bytes!("../../data/people/early-secular-woman.json"), "p")
///     .unwrap()
///     .value;
/// let now = "2026-11-26T12:00:00Z".parse().unwrap();
/// let ranking = engine.rank(&person, &RankOptions::new(Some(2), now)).unwrap();
/// let ids: Vec<&str> = ranking.suggestions.iter().map(|s| s.group_id.as_str()).collect();
/// let referrer = Referrer {
///     name: Some("Northside Recovery Services".into()),
///     ..Referrer::default()
/// };
/// let html = render_handout(&engine, &person, &ids, now, &referrer).unwrap();
/// assert!(html.starts_with("<!DOCTYPE html>"));
/// assert!(html.contains("988"));
/// assert!(render_handout(&engine, &person, &["no-such-group"], now, &referrer).is_err());
/// ```
pub fn render_handout<S: AsRef<str>>(
    engine: &Engine,
    person: &Person,
    group_ids: &[S],
    now: DateTime<Utc>,
    referrer: &Referrer,
) -> Result<String> {
    let mut problems = person.problems();
    problems.extend(crate::engine::now_problem(now));
    problems.extend(referrer.problems());
    let mut ids: Vec<&str> = Vec::new();
    for id in group_ids {
        if !ids.contains(&id.as_ref()) {
            ids.push(id.as_ref());
        }
    }
    if ids.is_empty() || ids.len() > MAX_HANDOUT_GROUPS {
        problems.push(Problem::new(
            None,
            Some("groups"),
            format!(
                "{} groups chosen: a handout takes 1 to {MAX_HANDOUT_GROUPS}",
                ids.len()
            ),
        ));
    }
    invalid_if_any("handout", problems)?;
    let groups = engine.groups();
    let mut indices = Vec::with_capacity(ids.len());
    for id in &ids {
        match groups.iter().position(|g| g.id == *id) {
            Some(i) => indices.push(i),
            None => {
                let hint = crate::text::closest(id, groups.iter().map(|g| g.id.as_str()), 3)
                    .map_or_else(String::new, |c| format!(" (did you mean '{c}'?)"));
                return Err(Error::NotFound(format!(
                    "no group '{id}' in the directory{hint}"
                )));
            }
        }
    }
    let horizon = engine.horizon(now);
    let prepared = PreparedPerson::new(person, &horizon);
    let chosen: Vec<Chosen> = indices
        .iter()
        .map(|&i| {
            let pair = engine.pair(&prepared, &horizon, i);
            let calendar = engine.calendar(&horizon, i);
            Chosen {
                group: &groups[i],
                attendance: pair.facts.attendance,
                next: PairFacts::next_sessions(&prepared, &calendar, NEXT_DATES),
                fits: pair.facts.fitting_in_horizon > 0,
            }
        })
        .collect();
    let language = HandoutLanguage::for_person(person);
    Ok(render(language.text(), person, &chosen, now, referrer))
}

/// The text of the handout's one `<style>` element, exactly as written: the page's CSS (screen
/// and print, no web fonts, sized for A4 and Letter alike: the narrower A4 width and the shorter
/// Letter height). It is the page's only style, so a Content-Security-Policy can allow just this
/// text by its hash (`groupmatch serve` does).
pub const STYLE_ELEMENT_TEXT: &str = concat!("\n", include_str!("handout.css"));

fn render(
    t: &Text,
    person: &Person,
    chosen: &[Chosen],
    now: DateTime<Utc>,
    r: &Referrer,
) -> String {
    let tz = person.timezone;
    let mut p = Page::default();
    p.raw("<!DOCTYPE html>\n<html lang=\"");
    p.raw(t.code);
    p.raw("\">\n<head>\n<meta charset=\"utf-8\">\n");
    p.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    p.text(t.title);
    p.raw("</title>\n<style>");
    p.raw(STYLE_ELEMENT_TEXT);
    p.raw("</style>\n</head>\n<body>\n<header>\n<h1>");
    p.text(t.title);
    p.raw("</h1>\n<p class=\"meta\">");
    p.text(&(t.prepared_on)(now.with_timezone(&tz).date_naive()));
    p.raw(" · ");
    p.text(&(t.times_in_zone)(tz.name()));
    p.raw("</p>\n<p class=\"intro\">");
    p.text(t.intro);
    p.raw("</p>\n</header>\n<main>\n");
    for c in chosen {
        group_card(&mut p, t, person, c, now);
    }
    p.raw("</main>\n<footer>\n");
    if !r.is_empty() {
        referrer_box(&mut p, t, r);
    }
    p.raw("<section class=\"crisis\">\n<h2>");
    p.text(t.crisis_heading);
    p.raw("</h2>\n<ul>\n");
    for line in t.crisis_lines {
        p.raw("<li>");
        p.text(line);
        p.raw("</li>\n");
    }
    p.raw("</ul>\n</section>\n<p class=\"privacy\">");
    p.text(t.privacy);
    p.raw("</p>\n</footer>\n</body>\n</html>\n");
    p.finish()
}

fn group_card(p: &mut Page, t: &Text, person: &Person, c: &Chosen, now: DateTime<Utc>) {
    let g = c.group;
    let tz = person.timezone;
    p.raw("<article class=\"group\">\n<h2>");
    p.text(&g.name);
    p.raw(" <span class=\"ref\">");
    p.text(&g.id);
    p.raw("</span></h2>\n<p class=\"what\">");
    p.text(&(t.programme)(g.approach, g.fellowship));
    if let Some(closed) = g.closed {
        p.raw(" ");
        p.text(match (closed, g.serves) {
            (false, _) => t.open_meeting,
            (true, Serves::Family) => t.closed_family,
            (true, _) => t.closed_meeting,
        });
    }
    p.raw("</p>\n<div class=\"cols\">\n<div class=\"facts\">\n<h3>");
    p.text(t.next_dates);
    p.raw("</h3>\n");
    if !c.fits && !c.next.is_empty() {
        p.raw("<p class=\"note\">");
        p.text(t.none_fit);
        p.raw("</p>\n");
    }
    p.raw("<ul class=\"dates\">\n");
    if c.next.is_empty() {
        p.raw("<li>");
        p.text(t.no_dates);
        p.raw("</li>\n");
    }
    for start in &c.next {
        let minutes = session_minutes(g, *start);
        let local = start.with_timezone(&tz);
        let end = (*start + Duration::minutes(i64::from(minutes))).with_timezone(&tz);
        p.raw("<li>");
        p.text(&(t.date_time)(local.naive_local(), end.naive_local()));
        p.raw("</li>\n");
    }
    p.raw("</ul>\n<dl>\n");
    where_and_how(p, t, c);
    p.raw("<dt>");
    p.text(t.accessibility);
    p.raw("</dt><dd>");
    if g.accessibility.is_empty() {
        p.text(t.not_stated);
    } else {
        let items: Vec<&str> = g.accessibility.iter().map(|n| (t.need)(*n)).collect();
        p.text(&items.join(", "));
    }
    p.raw("</dd>\n<dt>");
    p.text(t.cost);
    p.raw("</dt><dd>");
    match g.cost {
        Some(cost) => p.text(&(t.describe_cost)(cost)),
        None => p.text(t.not_stated),
    }
    p.raw("</dd>\n");
    let mut before: Vec<String> = Vec::new();
    if let Some(contact) = &g.newcomer_contact {
        before.push((t.newcomer_contact)(contact));
    }
    if !g.requires.is_empty() {
        let each: Vec<&str> = g.requires.iter().map(|r| (t.requirement)(*r)).collect();
        before.push((t.needed_first)(&each.join(", ")));
    }
    if !before.is_empty() {
        p.raw("<dt>");
        p.text(t.before_you_go);
        p.raw("</dt><dd>");
        p.text(&before.join(" "));
        p.raw("</dd>\n");
    }
    p.raw("</dl>\n<h3>");
    p.text(t.first_meeting_heading);
    p.raw("</h3>\n<p>");
    let first = if g.serves == Serves::Family {
        t.first_meeting_family
    } else if g.facilitation == crate::Facilitation::Professional {
        t.first_meeting_professional
    } else {
        t.first_meeting_peer
    };
    p.text(first);
    if c.attendance == Attendance::Online {
        p.raw(" ");
        p.text(t.first_meeting_online);
    }
    p.raw("</p>\n</div>\n<figure class=\"week\">\n");
    week::picture(p, t, person, g, now);
    p.raw("<figcaption>");
    p.text(t.week_caption);
    p.raw("</figcaption>\n</figure>\n</div>\n</article>\n");
}

/// The length of the session of `group` starting at `start` (the one whose start time it is in
/// the group's zone), in minutes.
fn session_minutes(group: &Group, start: DateTime<Utc>) -> u16 {
    let local = start.with_timezone(&group.timezone);
    let minute = u16::try_from(
        local
            .time()
            .signed_duration_since(chrono::NaiveTime::MIN)
            .num_minutes(),
    )
    .unwrap_or(0);
    let date = local.date_naive();
    group
        .sessions
        .iter()
        .find(|s| {
            s.start() == minute
                && s.dates_between(date, date + Duration::days(1))
                    .next()
                    .is_some()
        })
        .or_else(|| group.sessions.iter().find(|s| s.start() == minute))
        .map_or(60, |s| s.duration_minutes())
}

/// Address, joining link, phone and web page, as the person would attend.
fn where_and_how(p: &mut Page, t: &Text, c: &Chosen) {
    let g = c.group;
    let in_room = g.format != Format::Online;
    let online = g.format != Format::InPerson;
    if in_room {
        p.raw("<dt>");
        p.text(t.address);
        p.raw("</dt><dd>");
        let place: Vec<&str> = [g.address.as_deref(), g.city.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if g.address.is_none() {
            p.text(&place.join(", "));
            if !place.is_empty() {
                p.raw(" ");
            }
            p.text(t.ask_address);
        } else {
            p.text(&place.join(", "));
        }
        p.raw("</dd>\n");
    }
    if online {
        p.raw("<dt>");
        p.text(t.join_online);
        p.raw("</dt><dd>");
        match g.join_url.as_deref().or(g.url.as_deref()) {
            Some(link) => p.link(link),
            None => p.text(t.ask_link),
        }
        p.raw("</dd>\n");
    }
    if let Some(phone) = &g.phone {
        p.raw("<dt>");
        p.text(t.phone);
        p.raw("</dt><dd>");
        p.phone(phone);
        p.raw("</dd>\n");
    }
    if let Some(url) = &g.url {
        if !(online && g.join_url.is_none()) {
            p.raw("<dt>");
            p.text(t.website);
            p.raw("</dt><dd>");
            p.link(url);
            p.raw("</dd>\n");
        }
    }
}

fn referrer_box(p: &mut Page, t: &Text, r: &Referrer) {
    p.raw("<section class=\"referrer\">\n<h2>");
    p.text(t.referrer_heading);
    p.raw("</h2>\n<p>");
    let mut first = true;
    let mut sep = |p: &mut Page| {
        if !std::mem::take(&mut first) {
            p.raw(" · ");
        }
    };
    if let Some(name) = &r.name {
        sep(p);
        p.raw("<strong>");
        p.text(name);
        p.raw("</strong>");
    }
    if let Some(phone) = &r.phone {
        sep(p);
        p.phone(phone);
    }
    if let Some(email) = &r.email {
        sep(p);
        p.text(email);
    }
    if let Some(url) = &r.url {
        sep(p);
        p.link(url);
    }
    p.raw("</p>\n<p>");
    p.text(t.referrer_note);
    p.raw("</p>\n</section>\n");
}

#[cfg(test)]
mod tests;
