//! Exporting a directory as an Open Referral HSDS 3.x tabular data package
//! (`groupmatch export hsds`), so that a 211 or referral platform can take groupmatch's cleaned,
//! merged directory back.
//!
//! One group is one service at one location: a room (`physical`), a link (`virtual`), or both
//! for a hybrid group, so that [`super::read_hsds`] reads it back as hybrid. Every session is one
//! schedule row in the RFC 5545 terms the importer reads (`freq`, `interval`, `byday` with
//! ordinals, `bymonthday`, `dtstart`, `until`, `count`, `opens_at`, `closes_at`, and `timezone`
//! as the IANA name); the dates a session skips, which HSDS schedules cannot hold, are
//! attributes of their schedule. The group fields HSDS has no place for travel as attributes of
//! the groupmatch taxonomy (`docs/formats.md`, "Exporting HSDS"), which the importer reads back: import of an
//! export gives the same directory. Tables and columns follow the official HSDS 3.0 example
//! package (plural file names, `service_at_location.csv`), with HSDS 3.1's `service_capacity`
//! and `units` for seats. The mapping is in `docs/formats.md`, "Exporting HSDS".
//!
//! Every file is written atomically ([`AtomicFile`]): all of them are written and synced to temp
//! files in the folder first, then each is renamed over its name, so a failure while writing
//! leaves the folder as it was. Every table is written, with its header only when no group has
//! rows in it, so a package written over an earlier one never keeps a stale table.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use crate::domain::check::invalid_if_any;
use crate::domain::cost::Cost;
use crate::domain::group::{directory_problems, Group};
use crate::domain::vocab::Format;
use crate::error::{Error, Result};
use crate::formats::write::{json_text, AtomicFile};

use super::attributes::{self, Attribute, FIELDS, PREFIX, TAXONOMY_ID};
use super::minutes_text;

/// The id of the one organization every service belongs to.
pub const ORGANIZATION_ID: &str = "groupmatch";
/// The id of the capacity unit: seats.
pub const SEAT_UNIT_ID: &str = "seat";

/// What [`write_package`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackageReport {
    /// Groups exported, each a service.
    pub services: usize,
    /// Locations: one per group, two for a hybrid group.
    pub locations: usize,
    /// Hybrid groups (a physical and a virtual location).
    pub hybrid: usize,
    /// Schedules: one per session.
    pub schedules: usize,
    /// Attributes of the groupmatch taxonomy (of services and of schedules).
    pub attributes: usize,
    /// Terms of the groupmatch taxonomy used.
    pub terms: usize,
    /// The files written, `datapackage.json` first.
    pub files: Vec<&'static str>,
}

/// One table of the package: its HSDS resource name, file and columns, and its rows.
struct Table {
    resource: &'static str,
    path: &'static str,
    header: &'static [&'static str],
    rows: Vec<Vec<String>>,
}

impl Table {
    const fn new(
        resource: &'static str,
        path: &'static str,
        header: &'static [&'static str],
    ) -> Table {
        Table {
            resource,
            path,
            header,
            rows: Vec::new(),
        }
    }

    /// Adds a row of the cells named, the others empty.
    fn push(&mut self, cells: &[(&str, String)]) {
        let mut row = vec![String::new(); self.header.len()];
        for (name, value) in cells {
            // Every name is one of the header's (tested: `every_table_is_written_with_its_header`).
            debug_assert!(self.header.contains(name), "{} has no {name}", self.path);
            if let Some(i) = self.header.iter().position(|h| h == name) {
                row[i].clone_from(value);
            }
        }
        self.rows.push(row);
    }
}

/// The columns of each table, as the official HSDS 3.0 example package names them (3.1 for
/// `service_capacity` and `units`).
#[rustfmt::skip]
pub mod headers {
    /// `organizations.csv`.
    pub const ORGANIZATION: &[&str] = &[
        "id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
        "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id",
    ];
    /// `services.csv`.
    pub const SERVICE: &[&str] = &[
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url",
        "email", "status", "interpretation_services", "application_process", "fees_description",
        "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age",
        "maximum_age", "assured_date", "assurer_email", "licenses", "alert", "last_modified",
    ];
    /// `locations.csv`.
    pub const LOCATION: &[&str] = &[
        "id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
        "transportation", "latitude", "longitude", "external_identifier",
        "external_identifier_type",
    ];
    /// `service_at_location.csv`.
    pub const SERVICE_AT_LOCATION: &[&str] = &["id", "service_id", "location_id", "description"];
    /// `addresses.csv`.
    pub const ADDRESS: &[&str] = &[
        "id", "location_id", "attention", "address_1", "address_2", "city", "region",
        "state_province", "postal_code", "country", "address_type",
    ];
    /// `phones.csv`.
    pub const PHONE: &[&str] = &[
        "id", "location_id", "service_id", "organization_id", "contact_id",
        "service_at_location_id", "number", "extension", "type", "description",
    ];
    /// `schedules.csv`.
    pub const SCHEDULE: &[&str] = &[
        "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to",
        "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno",
        "bymonthday", "byyearday", "description", "opens_at", "closes_at", "schedule_link",
        "attending_type", "notes",
    ];
    /// `languages.csv`.
    pub const LANGUAGE: &[&str] = &["id", "service_id", "location_id", "phone_id", "name", "code", "note"];
    /// `cost_options.csv`.
    pub const COST_OPTION: &[&str] = &[
        "id", "service_id", "valid_from", "valid_to", "option", "currency", "amount",
        "amount_description",
    ];
    /// `accessibility.csv`.
    pub const ACCESSIBILITY: &[&str] = &["id", "location_id", "description", "details", "url"];
    /// `attributes.csv`.
    pub const ATTRIBUTE: &[&str] = &["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"];
    /// `taxonomies.csv`.
    pub const TAXONOMY: &[&str] = &["id", "name", "description", "uri", "version"];
    /// `taxonomy_terms.csv`.
    pub const TAXONOMY_TERM: &[&str] = &[
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id",
        "term_uri",
    ];
    /// `service_capacity.csv` (HSDS 3.1).
    pub const SERVICE_CAPACITY: &[&str] = &["id", "service_id", "unit_id", "available", "maximum", "description", "updated"];
    /// `units.csv` (HSDS 3.1).
    pub const UNIT: &[&str] = &["id", "name", "scheme", "identifier", "uri"];
}

/// The package's tables, in the order of its `datapackage.json`.
struct Package {
    organization: Table,
    service: Table,
    location: Table,
    service_at_location: Table,
    address: Table,
    phone: Table,
    schedule: Table,
    language: Table,
    cost_option: Table,
    accessibility: Table,
    attribute: Table,
    taxonomy: Table,
    taxonomy_term: Table,
    service_capacity: Table,
    unit: Table,
}

impl Package {
    fn new() -> Package {
        use headers::*;
        Package {
            organization: Table::new("organization", "organizations.csv", ORGANIZATION),
            service: Table::new("service", "services.csv", SERVICE),
            location: Table::new("location", "locations.csv", LOCATION),
            service_at_location: Table::new(
                "service_at_location",
                "service_at_location.csv",
                SERVICE_AT_LOCATION,
            ),
            address: Table::new("address", "addresses.csv", ADDRESS),
            phone: Table::new("phone", "phones.csv", PHONE),
            schedule: Table::new("schedule", "schedules.csv", SCHEDULE),
            language: Table::new("language", "languages.csv", LANGUAGE),
            cost_option: Table::new("cost_option", "cost_options.csv", COST_OPTION),
            accessibility: Table::new("accessibility", "accessibility.csv", ACCESSIBILITY),
            attribute: Table::new("attribute", "attributes.csv", ATTRIBUTE),
            taxonomy: Table::new("taxonomy", "taxonomies.csv", TAXONOMY),
            taxonomy_term: Table::new("taxonomy_term", "taxonomy_terms.csv", TAXONOMY_TERM),
            service_capacity: Table::new(
                "service_capacity",
                "service_capacity.csv",
                SERVICE_CAPACITY,
            ),
            unit: Table::new("unit", "units.csv", UNIT),
        }
    }

    fn tables(&self) -> [&Table; 15] {
        [
            &self.organization,
            &self.service,
            &self.location,
            &self.service_at_location,
            &self.address,
            &self.phone,
            &self.schedule,
            &self.language,
            &self.cost_option,
            &self.accessibility,
            &self.attribute,
            &self.taxonomy,
            &self.taxonomy_term,
            &self.service_capacity,
            &self.unit,
        ]
    }
}

/// Refuses to write a package into `dir` when it is a file, or a folder with anything in it and
/// `force` is not given (an [`Error::Io`] of kind `AlreadyExists` naming it). Checked before any
/// work, as [`crate::formats::write::refuse_to_overwrite`] is for a file.
///
/// ```
/// use groupmatch::formats::hsds::export::refuse_non_empty_dir;
/// let dir = tempfile::tempdir().unwrap();
/// assert!(refuse_non_empty_dir(dir.path(), false).is_ok());
/// std::fs::write(dir.path().join("notes.txt"), "kept").unwrap();
/// let e = refuse_non_empty_dir(dir.path(), false).unwrap_err();
/// assert!(e.to_string().ends_with("is not empty (use --force to write the package into it)"));
/// assert!(refuse_non_empty_dir(dir.path(), true).is_ok());
/// ```
pub fn refuse_non_empty_dir(dir: &Path, force: bool) -> Result<()> {
    let refuse = |message: &str| {
        Err(Error::Io {
            path: dir.to_path_buf(),
            error: std::io::Error::new(std::io::ErrorKind::AlreadyExists, message.to_string()),
        })
    };
    let Ok(meta) = std::fs::metadata(dir) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return refuse("exists and is not a folder");
    }
    let empty = std::fs::read_dir(dir)
        .map_err(|error| Error::Io {
            path: dir.to_path_buf(),
            error,
        })?
        .next()
        .is_none();
    if empty || force {
        Ok(())
    } else {
        refuse("is not empty (use --force to write the package into it)")
    }
}

/// Writes `groups` into the folder `dir` (created if missing) as an HSDS 3.x tabular data
/// package: `datapackage.json` and one CSV file per table, each written atomically after all
/// were written (see the module's documentation). Files of the package already in `dir` are
/// replaced; other files are left alone (whether `dir` may hold anything is the caller's
/// decision: [`refuse_non_empty_dir`]).
///
/// The groups must be a valid directory ([`Group::validate`], ids unique) with at least one
/// group, or the error lists every problem and nothing is written.
///
/// ```
/// use groupmatch::formats::hsds::{export::write_package, read_hsds, HsdsOptions};
/// let groups = groupmatch::embedded_groups();
/// let dir = tempfile::tempdir().unwrap();
/// let report = write_package(dir.path(), &groups).unwrap();
/// assert_eq!(report.services, groups.len());
/// let back = read_hsds(dir.path(), &HsdsOptions::default()).unwrap();
/// assert_eq!(back.groups, groups);
/// ```
pub fn write_package(dir: &Path, groups: &[Group]) -> Result<PackageReport> {
    if groups.is_empty() {
        return Err(Error::invalid("groups", None, None, "no groups to export"));
    }
    invalid_if_any("groups", directory_problems(groups))?;
    let (package, mut report) = package_of(groups);
    std::fs::create_dir_all(dir).map_err(|error| Error::Io {
        path: dir.to_path_buf(),
        error,
    })?;
    let mut files = Vec::new();
    let mut descriptor = AtomicFile::create(&dir.join("datapackage.json"))?;
    json_text(descriptor.writer(), &datapackage(&package)).map_err(|error| Error::Io {
        path: dir.join("datapackage.json"),
        error,
    })?;
    descriptor.sync()?;
    files.push(descriptor);
    report.files.push("datapackage.json");
    for table in package.tables() {
        let path = dir.join(table.path);
        let mut file = AtomicFile::create(&path)?;
        write_table(file.writer(), table).map_err(|error| Error::Io {
            path: path.clone(),
            error,
        })?;
        file.sync()?;
        files.push(file);
        report.files.push(table.path);
    }
    for file in files {
        file.commit()?;
    }
    Ok(report)
}

fn write_table(w: impl std::io::Write, table: &Table) -> std::io::Result<()> {
    // The csv crate quotes every cell that needs it: a text from the data is one cell, whatever
    // its commas, quotes and line breaks.
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(table.header)
        .map_err(std::io::Error::other)?;
    for row in &table.rows {
        csv.write_record(row).map_err(std::io::Error::other)?;
    }
    csv.flush()
}

/// The package's descriptor: a Frictionless tabular data package naming each table and its
/// columns (all read as text).
fn datapackage(package: &Package) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = package
        .tables()
        .iter()
        .map(|t| {
            let fields: Vec<serde_json::Value> = t
                .header
                .iter()
                .map(|h| json!({"name": h, "type": "string"}))
                .collect();
            json!({
                "name": t.resource,
                "path": t.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields, "primaryKey": "id"},
            })
        })
        .collect();
    json!({
        "name": "groupmatch-directory",
        "title": "Support groups exported by groupmatch",
        "description": "A groupmatch directory as an Open Referral HSDS 3.x tabular data package: one service at one location per group; the fields HSDS has no place for are attributes of the groupmatch taxonomy (docs/formats.md, 'Exporting HSDS').",
        "profile": "tabular-data-package",
        "version": "3.1.0",
        "resources": resources,
    })
}

/// The package's rows for `groups` (valid, ids unique).
fn package_of(groups: &[Group]) -> (Package, PackageReport) {
    let mut p = Package::new();
    let mut report = PackageReport::default();
    p.organization.push(&[
        ("id", ORGANIZATION_ID.into()),
        ("name", "groupmatch directory".into()),
        (
            "description",
            "Support groups for people in recovery and their families, exported by groupmatch."
                .into(),
        ),
    ]);
    p.taxonomy.push(&[
        ("id", TAXONOMY_ID.into()),
        ("name", "groupmatch".into()),
        (
            "description",
            "The support-group fields of groupmatch that HSDS has no place for: a code is groupmatch:FIELD:VALUE, or groupmatch:FIELD with the value in the attribute (docs/formats.md, 'Exporting HSDS').".into(),
        ),
        ("uri", attributes::TAXONOMY_URI.into()),
        ("version", "1".into()),
    ]);
    // Location ids: a group's own id for its room (or its link when online), so the importer's
    // id for the service at its location is the group's; a hybrid group's link gets a free one.
    let mut location_ids: HashSet<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    let mut link_ids: Vec<String> = Vec::new();
    for g in groups.iter().filter(|g| g.format == Format::Hybrid) {
        let id = (1..)
            .map(|n| match n {
                1 => format!("{}#virtual", g.id),
                n => format!("{}#virtual-{n}", g.id),
            })
            .find(|id| !location_ids.contains(id.as_str()))
            .expect("some suffix is free");
        link_ids.push(id);
    }
    for id in &link_ids {
        location_ids.insert(id);
    }
    let mut links = link_ids.iter();
    let mut terms: BTreeMap<String, [String; 3]> = BTreeMap::new();
    let mut any_capacity = false;
    for g in groups {
        let link = match g.format {
            Format::Hybrid => links.next().cloned(),
            _ => None,
        };
        service_rows(&mut p, g);
        locations_rows(&mut p, &mut report, g, link);
        for (n, session) in g.sessions.iter().enumerate() {
            let id = format!("{}#schedule-{}", g.id, n + 1);
            schedule_row(&mut p, g, session, &id);
            report.schedules += 1;
            for (k, a) in attributes::except(session).iter().enumerate() {
                attribute_row(&mut p, &mut terms, a, (&id, k + 1), "schedule");
                report.attributes += 1;
            }
        }
        for (k, a) in attributes::of_group(g).iter().enumerate() {
            attribute_row(&mut p, &mut terms, a, (&g.id, k + 1), "service");
            report.attributes += 1;
        }
        any_capacity |= g.capacity.is_some();
        report.services += 1;
    }
    if any_capacity {
        p.unit
            .push(&[("id", SEAT_UNIT_ID.into()), ("name", "seats".into())]);
    }
    for (code, [name, description, parent]) in &terms {
        p.taxonomy_term.push(&[
            ("id", code.clone()),
            ("code", code.clone()),
            ("name", name.clone()),
            ("description", description.clone()),
            ("parent_id", parent.clone()),
            ("taxonomy", "groupmatch".into()),
            ("language", "en".into()),
            ("taxonomy_id", TAXONOMY_ID.into()),
            ("term_uri", format!("urn:{code}")),
        ]);
    }
    report.terms = terms.len();
    (p, report)
}

/// The service of a group, and what hangs on it: phone, languages, cost, capacity.
fn service_rows(p: &mut Package, g: &Group) {
    let opt = |v: Option<String>| v.unwrap_or_default();
    // An e-mail address goes where HSDS keeps one; any other contact is an attribute only.
    let email = g
        .newcomer_contact
        .clone()
        .filter(|c| c.contains('@') && !c.contains(char::is_whitespace));
    p.service.push(&[
        ("id", g.id.clone()),
        ("organization_id", ORGANIZATION_ID.into()),
        ("name", g.name.clone()),
        ("url", opt(g.url.clone())),
        ("email", opt(email)),
        ("status", "active".into()),
        ("minimum_age", opt(g.min_age.map(|a| a.to_string()))),
        ("maximum_age", opt(g.max_age.map(|a| a.to_string()))),
        (
            "last_modified",
            opt(g.listing.updated.map(|d| d.to_string())),
        ),
    ]);
    if let Some(number) = &g.phone {
        p.phone.push(&[
            ("id", format!("{}#phone", g.id)),
            ("service_id", g.id.clone()),
            ("number", number.clone()),
        ]);
    }
    for (n, lang) in g.languages.iter().enumerate() {
        p.language.push(&[
            ("id", format!("{}#language-{}", g.id, n + 1)),
            ("service_id", g.id.clone()),
            ("name", lang.name().into()),
            ("code", lang.as_str().into()),
        ]);
    }
    if let Some(cost) = g.cost {
        let (option, currency, amount) = match cost {
            Cost::Free => ("free", None, Some(0.0)),
            Cost::Donation => ("donation", None, None),
            Cost::SlidingScale => ("sliding scale", None, None),
            Cost::Insurance => ("insurance", None, None),
            Cost::Amount { amount, currency } => ("", currency, Some(amount)),
        };
        p.cost_option.push(&[
            ("id", format!("{}#cost", g.id)),
            ("service_id", g.id.clone()),
            ("option", option.into()),
            ("currency", opt(currency.map(|c| c.code().to_string()))),
            ("amount", opt(amount.map(|a| a.to_string()))),
        ]);
    }
    if let Some(capacity) = g.capacity {
        p.service_capacity.push(&[
            ("id", format!("{}#capacity", g.id)),
            ("service_id", g.id.clone()),
            ("unit_id", SEAT_UNIT_ID.into()),
            ("available", capacity.saturating_sub(g.enrolled).to_string()),
            ("maximum", capacity.to_string()),
            ("description", "seats".into()),
        ]);
    }
}

/// The group's locations: its room (with its address and accessibility) and its link, each
/// with its service at location.
fn locations_rows(p: &mut Package, report: &mut PackageReport, g: &Group, link: Option<String>) {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let room = (g.format != Format::Online).then(|| g.id.clone());
    let link = match g.format {
        Format::Online => Some(g.id.clone()),
        _ => link,
    };
    if let Some(id) = &room {
        let (lat, lon) = g
            .location
            .map_or((None, None), |p| (Some(p.latitude), Some(p.longitude)));
        p.location.push(&[
            ("id", id.clone()),
            ("location_type", "physical".into()),
            ("organization_id", ORGANIZATION_ID.into()),
            ("name", g.name.clone()),
            ("latitude", opt(lat.map(|l| l.to_string()))),
            ("longitude", opt(lon.map(|l| l.to_string()))),
        ]);
        if g.address.is_some() || g.city.is_some() {
            p.address.push(&[
                ("id", format!("{id}#address")),
                ("location_id", id.clone()),
                ("address_1", opt(g.address.clone())),
                ("city", opt(g.city.clone())),
                ("address_type", "physical".into()),
            ]);
        }
    }
    if let Some(id) = &link {
        p.location.push(&[
            ("id", id.clone()),
            ("location_type", "virtual".into()),
            ("url", opt(g.join_url.clone())),
            ("organization_id", ORGANIZATION_ID.into()),
            ("name", g.name.clone()),
        ]);
    }
    // Accessibility belongs to the place the group meets at: its room, else its link.
    if let Some(at) = room.as_ref().or(link.as_ref()) {
        for (n, need) in g.accessibility.iter().enumerate() {
            p.accessibility.push(&[
                ("id", format!("{at}#accessibility-{}", n + 1)),
                ("location_id", at.clone()),
                ("description", need.as_str().replace('_', " ")),
            ]);
        }
    }
    for id in room.iter().chain(link.iter()) {
        p.service_at_location.push(&[
            ("id", id.clone()),
            ("service_id", g.id.clone()),
            ("location_id", id.clone()),
        ]);
        report.locations += 1;
    }
    if g.format == Format::Hybrid {
        report.hybrid += 1;
    }
}

/// One session as one schedule of the group's service.
fn schedule_row(p: &mut Package, g: &Group, session: &crate::Session, id: &str) {
    let rule = session.rule();
    let opt = |v: Option<String>| v.unwrap_or_default();
    let except: Vec<String> = session
        .except_dates()
        .iter()
        .map(ToString::to_string)
        .collect();
    p.schedule.push(&[
        ("id", id.into()),
        ("service_id", g.id.clone()),
        ("dtstart", opt(rule.from.map(|d| d.to_string()))),
        ("timezone", g.timezone.name().into()),
        ("until", opt(rule.until.map(|d| d.to_string()))),
        ("count", opt(rule.count.map(|c| c.to_string()))),
        (
            "freq",
            if rule.monthly { "MONTHLY" } else { "WEEKLY" }.into(),
        ),
        (
            "interval",
            if rule.interval > 1 {
                rule.interval.to_string()
            } else {
                String::new()
            },
        ),
        ("byday", opt(rule.byday)),
        ("bymonthday", opt(rule.bymonthday)),
        ("description", session.to_string()),
        ("opens_at", minutes_text(session.start())),
        ("closes_at", minutes_text(session.end())),
        (
            "notes",
            if except.is_empty() {
                String::new()
            } else {
                format!("No session on {}.", except.join(", "))
            },
        ),
    ]);
}

/// The `n`th attribute of `link_id` (a service or a schedule), and its terms.
fn attribute_row(
    p: &mut Package,
    terms: &mut BTreeMap<String, [String; 3]>,
    a: &Attribute,
    (link_id, n): (&str, usize),
    entity: &str,
) {
    p.attribute.push(&[
        ("id", format!("{link_id}#attribute-{n}")),
        ("link_id", link_id.into()),
        ("taxonomy_term_id", a.code.clone()),
        ("link_entity", entity.into()),
        ("value", a.value.clone().unwrap_or_default()),
    ]);
    let about = FIELDS.iter().find(|f| f.name == a.field).map_or(
        "A date the session skips (HSDS schedules have no exception dates).",
        |f| f.about,
    );
    // A value's attribute has its field's term; a vocabulary value has its own, under the
    // field's.
    let parent = format!("{PREFIX}{}", a.field);
    if a.value.is_some() {
        terms
            .entry(a.code.clone())
            .or_insert_with(|| [a.field.into(), about.into(), String::new()]);
        return;
    }
    let value = a.code.rsplit(':').next().unwrap_or_default();
    terms.entry(a.code.clone()).or_insert_with(|| {
        [
            format!("{}: {value}", a.field),
            format!("{about} ({} is {value}.)", a.field),
            parent.clone(),
        ]
    });
    terms
        .entry(parent)
        .or_insert_with(|| [a.field.into(), about.into(), String::new()]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::hsds::{import_hsds_json, read_hsds, HsdsOptions};
    use crate::formats::{groups::parse_groups, Syntax};

    /// Groups with every kind of session pattern (out of order, skipped dates, a count, a last
    /// date, an interval, a session ending at midnight) and every field HSDS holds in its own way
    /// or not at all: seats taken past the capacity or without one, each kind of cost, languages
    /// out of order, ages, accessibility, coordinates (derived ones too, an online group's own),
    /// a room without coordinates in a town the gazetteer knows, the listing's provenance, texts
    /// with commas, quotes and a leading `=`, and a group id that is another's link id.
    const EVERY_KIND: &str = "\
id,name,approach,fellowship,orientation,format,facilitation,serves,sessions,timezone,latitude,longitude,city,languages,audience,min_age,max_age,closed,beginner_friendly,focus,accessibility,substances,medication_stance,abstinence_required,newcomer_contact,requires,capacity,enrolled,cost,url,address,phone,join_url,source,updated,location_origin,timezone_origin
every,\"Every Pattern, \"\"Main\"\" Room\",twelve_step,na,secular,in_person,professional,both,Tue 19:00-20:30 every 2 weeks from 2026-12-08;1st 3rd Thu 18:00-19:00;last Fri 19:00-20:30 every 2 months from 2027-01-01 except 2027-01-29;days 1 15 12:00-13:00;Wed 18:00-19:30 from 2027-01-13 for 10 times;Wed 18:00-19:30 from 2027-01-13 until 2027-03-17;Mon 19:00-20:00 except 2026-12-21 2026-12-28;5th Sat 10:00-11:00;Sun 22:00-24:00;day 31 09:00-10:00 from 2027-01-01 for 3 times,America/New_York,39.9526,-75.1652,Philadelphia,es;en,women;lgbtq,18,65,true,true,trauma;co_occurring,proof_of_attendance;wheelchair;asl;childcare,opioids;alcohol,welcoming,false,\"call \"\"Sam\"\", 555-0100\",intake;referral,12,15,$25.50,https://example.org/every,\"12 Main St, Room 4, Philadelphia, PA 19107\",+1 215-555-0100,,bmlt:https://example.org/main_server,2026-11-30,derived,derived
h1,Hybrid Circle,smart_recovery,,,hybrid,peer,,Mon 19:00-20:00,Europe/Berlin,52.52,13.405,Berlin,de,,,,,,,,,,,greeter@example.org,,10,3,€10,,Alexanderplatz 1,,https://meet.example.org/h1,,,given,assumed
h1#virtual,Room Named Like A Link,cbt,,,in_person,professional,,Thu 10:00-11:00,America/New_York,40.31,-75.13,Doylestown,en,,,,,,,,,,,,,,,0,,,,,,,,
online,=Online Drop-in,lifering,,,online,peer,,Wed 12:00-13:00;Mon 12:00-13:00,Europe/London,51.5072,-0.1276,London,en,,,,,,,,,,,,,,4,donation,,,,https://meet.example.org/o,,,,
bare-room,Town Only,psychoeducation,,,in_person,professional,,Fri 17:00-18:00,America/New_York,,,Doylestown,en,,,,,,,,,,,,,,,sliding_scale,,,,,,,,
address-only,Address Only,cbt,,,in_person,professional,,Sat 09:00-10:00,America/New_York,,,,en,,,,,,,,,,,,,,,insurance,,1 Elm St,,,,,,
";

    fn every_kind() -> Vec<Group> {
        parse_groups(EVERY_KIND.as_bytes(), Syntax::Csv, "every.csv")
            .unwrap()
            .value
    }

    fn round_trip(groups: &[Group]) -> (tempfile::TempDir, crate::formats::hsds::HsdsImport) {
        let dir = tempfile::tempdir().unwrap();
        write_package(dir.path(), groups).unwrap();
        let back = read_hsds(dir.path(), &HsdsOptions::default()).unwrap();
        (dir, back)
    }

    #[test]
    fn groups_file_round_trips_through_a_package() {
        let groups = crate::read_groups(Path::new("data/groups.csv"))
            .unwrap()
            .value;
        assert_eq!(groups.len(), 346);
        let (_dir, back) = round_trip(&groups);
        assert!(
            back.report.warnings.is_empty(),
            "{:?}",
            back.report.warnings
        );
        assert_eq!(back.report.imported, groups.len());
        assert_eq!(back.groups, groups);
    }

    #[test]
    fn every_session_pattern_and_field_round_trips_through_tabular_and_json() {
        let groups = every_kind();
        assert_eq!(groups.len(), 6);
        let (dir, back) = round_trip(&groups);
        assert!(
            back.report.warnings.is_empty(),
            "{:?}",
            back.report.warnings
        );
        assert_eq!(back.groups, groups);
        // The same services as 3.x JSON (the tabular reader's join of the package) import the
        // same: the JSON path reads the attributes too.
        let services = super::super::tabular::read_package(dir.path()).unwrap();
        let json = serde_json::to_vec(&services).unwrap();
        let from_json = import_hsds_json(&json, "services.json", &HsdsOptions::default()).unwrap();
        assert!(from_json.report.warnings.is_empty());
        assert_eq!(from_json.groups, groups);
    }

    #[test]
    fn sessions_are_schedules_as_the_importer_reads_them() {
        let groups = every_kind();
        let (dir, _) = round_trip(&groups[..1]);
        let text = std::fs::read_to_string(dir.path().join("schedules.csv")).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows[0], headers::SCHEDULE.join(","));
        assert_eq!(
            rows[1],
            "every#schedule-1,every,,,,,2026-12-08,America/New_York,,,,WEEKLY,2,TU,,,,Tue 19:00-20:30 every 2 weeks from 2026-12-08,19:00,20:30,,,"
        );
        assert!(rows[2].contains(",MONTHLY,,\"1TH,3TH\","), "{}", rows[2]);
        assert!(rows[3].contains(",MONTHLY,2,-1FR,"), "{}", rows[3]);
        assert!(
            rows[3].ends_with("No session on 2027-01-29."),
            "{}",
            rows[3]
        );
        assert!(rows[4].contains(",MONTHLY,,,,\"1,15\","), "{}", rows[4]);
        assert!(
            rows[5].contains(",2027-01-13,America/New_York,,10,,WEEKLY,"),
            "{}",
            rows[5]
        );
        assert!(rows[9].contains(",22:00,24:00,"), "{}", rows[9]);
        let attributes = std::fs::read_to_string(dir.path().join("attributes.csv")).unwrap();
        assert!(attributes.contains(
            "every#schedule-3#attribute-1,every#schedule-3,groupmatch:except,,schedule,2027-01-29"
        ));
    }

    #[test]
    fn fields_hsds_has_no_place_for_are_attributes_of_documented_terms() {
        let groups = every_kind();
        let codes: Vec<String> = attributes::of_group(&groups[0])
            .into_iter()
            .map(|a| match a.value {
                Some(v) => format!("{}={v}", a.code),
                None => a.code,
            })
            .collect();
        assert_eq!(
            codes,
            [
                "groupmatch:approach:twelve_step",
                "groupmatch:fellowship:na",
                "groupmatch:orientation:secular",
                "groupmatch:facilitation:professional",
                "groupmatch:serves:both",
                "groupmatch:audience:women",
                "groupmatch:audience:lgbtq",
                "groupmatch:closed:true",
                "groupmatch:beginner_friendly:true",
                "groupmatch:focus:trauma",
                "groupmatch:focus:co_occurring",
                "groupmatch:accessibility:proof_of_attendance",
                "groupmatch:accessibility:wheelchair",
                "groupmatch:accessibility:asl",
                "groupmatch:accessibility:childcare",
                "groupmatch:substances:opioids",
                "groupmatch:substances:alcohol",
                "groupmatch:medication_stance:welcoming",
                "groupmatch:abstinence_required:false",
                "groupmatch:newcomer_contact=call \"Sam\", 555-0100",
                "groupmatch:requires:intake",
                "groupmatch:requires:referral",
                "groupmatch:enrolled=15",
                "groupmatch:cost=$25.50",
                "groupmatch:address=12 Main St, Room 4, Philadelphia, PA 19107",
                "groupmatch:source=bmlt:https://example.org/main_server",
                "groupmatch:location_origin:derived",
                "groupmatch:timezone_origin:derived",
            ]
        );
        // An online group's place is its own attributes; defaults are not written.
        let online: Vec<String> = attributes::of_group(&groups[3])
            .into_iter()
            .map(|a| a.code)
            .collect();
        assert!(online.contains(&"groupmatch:latitude".to_string()));
        assert!(!online.iter().any(|c| c.contains("beginner_friendly")));
    }

    #[test]
    fn a_hybrid_group_is_a_room_and_a_link_with_free_ids() {
        let groups = every_kind();
        let (dir, back) = round_trip(&groups);
        let locations = std::fs::read_to_string(dir.path().join("locations.csv")).unwrap();
        assert!(locations.contains("\nh1,physical,,groupmatch,Hybrid Circle,,,,52.52,13.405,,\n"));
        assert!(locations.contains("\nh1#virtual-2,virtual,https://meet.example.org/h1,"));
        assert!(locations.contains("\nh1#virtual,physical,"));
        assert_eq!(back.report.merged, 1);
    }

    #[test]
    fn a_package_over_an_earlier_one_replaces_every_table() {
        let groups = every_kind();
        let dir = tempfile::tempdir().unwrap();
        write_package(dir.path(), &groups).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "kept").unwrap();
        let report = write_package(dir.path(), &groups[4..]).unwrap();
        assert_eq!(report.files.len(), 16);
        let capacity = std::fs::read_to_string(dir.path().join("service_capacity.csv")).unwrap();
        assert_eq!(capacity.lines().count(), 1, "header only: {capacity}");
        let back = read_hsds(dir.path(), &HsdsOptions::default()).unwrap();
        assert_eq!(back.groups, groups[4..]);
        assert!(dir.path().join("notes.txt").exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty());
    }

    #[test]
    fn an_invalid_or_empty_directory_is_refused_and_nothing_written() {
        let mut groups = every_kind();
        groups[1].sessions.clear();
        groups.push(groups[0].clone());
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pkg");
        let err = write_package(&out, &groups).unwrap_err();
        let fields: Vec<_> = err
            .problems()
            .iter()
            .map(|p| p.field.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(fields, ["sessions", "id"]);
        assert!(!out.exists());
        let err = write_package(&out, &[]).unwrap_err();
        assert!(err.to_string().contains("no groups to export"), "{err}");
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let err = refuse_non_empty_dir(&file, true).unwrap_err();
        assert!(
            err.to_string().ends_with("exists and is not a folder"),
            "{err}"
        );
    }

    #[test]
    fn every_table_is_written_with_its_header() {
        let (package, _) = package_of(&every_kind());
        for t in package.tables() {
            for row in &t.rows {
                assert_eq!(row.len(), t.header.len(), "{}", t.path);
            }
        }
        // Each named cell is in its table's header (`Table::push` would drop it otherwise):
        // every table but units has rows here, and units' one row is checked by name.
        let descriptor = datapackage(&package);
        let resources = descriptor["resources"].as_array().unwrap();
        assert_eq!(resources.len(), 15);
        assert_eq!(resources[0]["path"], "organizations.csv");
    }
}
