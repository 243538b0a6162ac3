//! The referrals store (feature `store`): referrals, what was shown and chosen, the events that
//! followed, and the 90-day labels `train` learns from, in one SQLite file.
//!
//! This module owns the schema (`schema.rs`, migrations by `PRAGMA user_version`), every query,
//! and the settings a health-data file needs: created readable by its owner only, WAL with
//! `synchronous=NORMAL` (a killed process loses nothing committed; a power cut may lose the last
//! transactions, never corrupt the file), `secure_delete` (a forgotten person's bytes are
//! overwritten, not left in free pages), foreign keys, and a busy timeout so several writers wait
//! for each other instead of failing. The rest of the library sees typed records, never SQL.
//! `docs/referrals.md` says what each command does with it.
//!
//! ```
//! use groupmatch::store::{Consent, NewEvent, NewReferral, Store};
//! use groupmatch::{EventKind, ReferralType};
//! let dir = tempfile::tempdir().unwrap();
//! let mut store = Store::open(&dir.path().join("groupmatch.db")).unwrap();
//! let person = groupmatch::parse_person(
//!     include_bytes!("../../data/people/early-secular-woman.json"), "p").unwrap().value;
//! let id = store.record_referral(&NewReferral {
//!     person,
//!     referred_at: "2026-11-26T12:00:00Z".parse().unwrap(),
//!     staff: None,
//!     engine_version: "d0-m0-r0".into(),
//!     shown: vec![],
//!     chosen: vec!["g1".into()],
//!     referral_type: ReferralType::List,
//!     consent: Consent { follow_up: true, training: true },
//! }).unwrap();
//! let on = "2026-12-03".parse().unwrap();
//! assert_eq!(store.due(on).unwrap()[0].day, 7);
//! store.append_events(&[NewEvent { referral: id, kind: EventKind::Contacted, on,
//!     group_id: None, reason: None }]).unwrap();
//! assert!(store.due(on).unwrap().is_empty());
//! assert_eq!(store.referral(id).unwrap().events.len(), 2); // referred, contacted
//! ```

mod import;
mod key;
mod label;
mod records;
mod refer;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rustc_hash::FxHashMap;

use crate::domain::check::{id_problem, invalid_if_any};
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::{EventKind, ReferralType, StopReason};
use crate::engagement::history::{person_cells, write_history_cells, History, HistoryRow};
use crate::error::{Error, Problem, Result};

pub use import::{parse_events, read_events, EVENT_FIELDS};
pub use key::{DbKey, KEY_FILE_VAR, KEY_VAR};
pub use label::{label_90d, LABEL_DAYS};
pub use records::{
    Consent, DueFollowUp, Event, ExportSummary, LabelledHistory, NewEvent, NewReferral, Referral,
    ReferralId, Shown,
};
pub use refer::ReferralChoice;
pub use schema::SCHEMA_VERSION;

/// How long a writer waits for another to finish before failing: long enough that writers
/// taking turns never fail (a transaction here takes milliseconds).
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The follow-ups, in days after the referral, and until which day each is listed (the next
/// one's day; the 90-day one for 30 days).
const FOLLOW_UPS: [(u32, u32); 3] = [(7, 30), (30, 90), (90, 120)];

/// Events that close a referral's chosen group for follow-ups.
const CLOSING: &str = "'stopped', 'declined', 'no_capacity'";

/// The referrals database, open.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The key it was opened with (an encrypted database's backup is keyed alike).
    key: Option<DbKey>,
}

/// A date as the store keeps it: whole days since 1970-01-01.
fn day_number(date: NaiveDate) -> i64 {
    (date - NaiveDate::default()).num_days()
}

/// The date of a day number.
fn date_of(day: i64) -> NaiveDate {
    NaiveDate::default() + chrono::Duration::days(day)
}

impl Store {
    /// Opens the database at `path`, creating it (readable and writable by its owner only, on
    /// Unix) if it does not exist, and migrates an older schema to [`SCHEMA_VERSION`]. A
    /// database of a newer schema, or a file that is not a database, is refused with an error
    /// naming the file (and both versions).
    ///
    /// The key of an encrypted database (feature `encryption`) is read from the environment
    /// ([`DbKey::from_env`]): `GROUPMATCH_DB_KEY` or `GROUPMATCH_DB_KEY_FILE`. A file created
    /// with a key is encrypted. An encrypted file opened without its key, with a wrong key, or
    /// an unencrypted one opened with a key is refused with an error saying which.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_key(path, DbKey::from_env()?)
    }

    /// [`Store::open`] with the key given (or none), not read from the environment.
    pub fn open_with_key(path: &Path, key: Option<DbKey>) -> Result<Store> {
        let fail = |e: rusqlite::Error| store_error(path, e);
        let mut conn = connect(path, key.as_ref())?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(fail)?;
        if mode != "wal" {
            return Err(Error::Store {
                path: path.to_path_buf(),
                message: format!("could not switch to WAL mode (the journal is '{mode}')"),
            });
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;")
            .map_err(fail)?;
        schema::migrate(&mut conn).map_err(|e| match e {
            schema::MigrateError::Newer(found) => Error::Store {
                path: path.to_path_buf(),
                message: format!(
                    "the database is at schema version {found}, newer than the version {} this \
                     groupmatch knows; open it with the groupmatch that wrote it, or a newer one",
                    SCHEMA_VERSION
                ),
            },
            schema::MigrateError::Broken(table) => Error::Store {
                path: path.to_path_buf(),
                message: format!(
                    "a row of table '{table}' refers to a row that does not exist, so the \
                     database cannot be migrated; restore it from a backup"
                ),
            },
            schema::MigrateError::Sql(e) => store_error(path, e),
        })?;
        // After the migration, which runs with them off (`schema::migrate`).
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(fail)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            key,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, e: rusqlite::Error) -> Error {
        store_error(&self.path, e)
    }

    /// Records a referral (with its `referred` event, dated the day of `referred_at` in UTC)
    /// and returns its id. The person is checked ([`Person::validate`]), and so are the ids of
    /// the groups chosen (at least one, none twice) and shown (ranks 1, 2, 3, ... in order).
    pub fn record_referral(&mut self, referral: &NewReferral) -> Result<ReferralId> {
        let ids = self.record_referrals(std::slice::from_ref(referral))?;
        Ok(ids[0])
    }

    /// Records `referrals` in one transaction, all of them or (on any problem) none, and
    /// returns their ids in order: the bulk form of [`Store::record_referral`] (a simulation's
    /// round, an import). A problem's `line` is the referral's 1-based place in `referrals`.
    pub fn record_referrals(&mut self, referrals: &[NewReferral]) -> Result<Vec<ReferralId>> {
        let mut problems = Vec::new();
        for (i, referral) in referrals.iter().enumerate() {
            problems.extend(referral_problems(referral).into_iter().map(|mut p| {
                p.line = (referrals.len() > 1).then_some(i as u64 + 1);
                p
            }));
        }
        invalid_if_any("referral", problems)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| store_error(&self.path, e))?;
        let ids = referrals
            .iter()
            .map(|r| insert_referral(&tx, r))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| store_error(&self.path, e))?;
        tx.commit().map_err(|e| store_error(&self.path, e))?;
        Ok(ids)
    }

    /// Every problem of `events` against the store: each event's own checks ([`event_problems`])
    /// and that its referral exists, its group is one the referral chose, and it is not dated
    /// before the referral. A problem's `line` is the event's 1-based place in `events`.
    pub fn check_events(&self, events: &[NewEvent]) -> Result<Vec<Problem>> {
        check_events_in(&self.conn, &self.path, events)
    }

    fn chosen(&self, id: ReferralId) -> Result<Vec<String>> {
        chosen_of(&self.conn, &self.path, id)
    }

    /// Appends `events` in one transaction: all of them, or (on any problem,
    /// [`Store::check_events`]) none. Returns how many were appended. Events are never changed
    /// once written (the schema refuses an update): a correction is a new event.
    pub fn append_events(&mut self, events: &[NewEvent]) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| store_error(&self.path, e))?;
        // Checked inside the write transaction: no other writer can forget a referral between
        // the check and the insert.
        let problems = check_events_in(&tx, &self.path, events)?;
        invalid_if_any("events", problems)?;
        (|| {
            let mut insert = tx.prepare_cached(
                "INSERT INTO event (referral, kind, on_day, group_id, reason) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for e in events {
                insert.execute(params![
                    e.referral.0,
                    e.kind.as_str(),
                    day_number(e.on),
                    e.group_id,
                    e.reason.map(StopReason::as_str),
                ])?;
            }
            Ok(())
        })()
        .map_err(|e| store_error(&self.path, e))?;
        tx.commit().map_err(|e| store_error(&self.path, e))?;
        Ok(events.len())
    }

    /// The referral `id` with its events, or [`Error::NotFound`].
    pub fn referral(&self, id: ReferralId) -> Result<Referral> {
        let row = self
            .conn
            .query_row(
                "SELECT p.record, r.referred_at, r.staff, r.engine_version, r.referral_type, \
                 r.consent_follow_up, r.consent_training \
                 FROM referral r JOIN person_record p ON p.id = r.person_record WHERE r.id = ?1",
                [id.0],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, bool>(5)?,
                        r.get::<_, bool>(6)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        let Some((person, at, staff, engine_version, kind, follow_up, training)) = row else {
            return Err(Error::NotFound(format!(
                "no referral {id} in {}",
                self.path.display()
            )));
        };
        let shown = self
            .conn
            .prepare_cached(
                "SELECT group_id, rank, score FROM shown WHERE referral = ?1 ORDER BY rank",
            )
            .and_then(|mut s| {
                s.query_map([id.0], |r| {
                    Ok(Shown {
                        group_id: r.get(0)?,
                        rank: r.get(1)?,
                        score: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.fail(e))?;
        let events = self
            .conn
            .prepare_cached(
                "SELECT kind, on_day, group_id, reason FROM event WHERE referral = ?1 ORDER BY id",
            )
            .and_then(|mut s| {
                s.query_map([id.0], event_of_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.fail(e))?;
        let record = NewReferral {
            person: self.person_of(&person, id)?,
            referred_at: DateTime::parse_from_rfc3339(&at)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| self.damaged(id, "referred_at", &e.to_string()))?,
            staff,
            engine_version,
            shown,
            chosen: self.chosen(id)?,
            referral_type: kind
                .parse()
                .map_err(|e: crate::domain::vocab::UnknownValue| {
                    self.damaged(id, "referral_type", &e.to_string())
                })?,
            consent: Consent {
                follow_up,
                training,
            },
        };
        Ok(Referral { id, record, events })
    }

    /// The error of a stored value this groupmatch cannot read (a file edited by hand).
    fn damaged(&self, id: ReferralId, field: &str, why: &str) -> Error {
        Error::Store {
            path: self.path.clone(),
            message: format!("referral {id}: stored {field} cannot be read ({why})"),
        }
    }

    fn person_of(&self, json: &str, id: ReferralId) -> Result<Person> {
        serde_json::from_str(json).map_err(|e| self.damaged(id, "person", &e.to_string()))
    }

    /// The follow-ups due on `on`, by date due then referral: for each referral with consent
    /// to follow-up, the 7-day follow-up from day 7 to day 29, the 30-day one from day 30 to 89
    /// and the 90-day one from day 90 to 119 after the referral, unless an event (other than
    /// `referred`) is dated on or after its day (and on or before `on`), or every chosen group
    /// has been closed by `stopped`, `declined` or `no_capacity` (an event without a group
    /// closes them all).
    pub fn due(&self, on: NaiveDate) -> Result<Vec<DueFollowUp>> {
        let today = day_number(on);
        let sql = format!(
            "SELECT r.id, r.person_id, r.referred_on, \
               (SELECT group_concat(group_id, ' ') FROM chosen WHERE referral = r.id) \
             FROM referral r INDEXED BY referral_due \
             WHERE r.consent_follow_up = 1 AND r.referred_on BETWEEN ?1 AND ?2 \
             AND NOT EXISTS (SELECT 1 FROM event e WHERE e.referral = r.id \
                 AND e.on_day >= r.referred_on + ?3 AND e.on_day <= ?4 AND e.kind <> 'referred') \
             AND EXISTS (SELECT 1 FROM chosen c WHERE c.referral = r.id AND NOT EXISTS \
                 (SELECT 1 FROM event e WHERE e.referral = r.id AND e.on_day <= ?4 \
                  AND e.kind IN ({CLOSING}) AND (e.group_id IS NULL OR e.group_id = c.group_id)))"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.fail(e))?;
        let mut due = Vec::new();
        for (day, until) in FOLLOW_UPS {
            let (day, until) = (i64::from(day), i64::from(until));
            let rows = stmt
                .query_map(params![today - until + 1, today - day, day, today], |r| {
                    let referred: i64 = r.get(2)?;
                    let chosen: Option<String> = r.get(3)?;
                    Ok(DueFollowUp {
                        referral: ReferralId(r.get(0)?),
                        person_id: r.get(1)?,
                        referred_on: date_of(referred),
                        day: day as u32,
                        due_on: date_of(referred + day),
                        chosen: chosen
                            .map(|c| c.split(' ').map(str::to_string).collect())
                            .unwrap_or_default(),
                    })
                })
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| self.fail(e))?;
            due.extend(rows);
        }
        due.sort_by_key(|d| (d.due_on, d.referral));
        Ok(due)
    }

    /// The placement history `train` reads, from the referrals with consent to training made at
    /// least [`LABEL_DAYS`] days before `now`: one row per chosen group whose 90-day label is
    /// known on `now` ([`label_90d`]), the person as ranked, placed on the referral's day, and
    /// the referral's type. Groups not in the directory `groups` are left out, and so are
    /// labels still unknown; both are counted.
    ///
    /// A person is one entry of the history per distinct record: when their record changed
    /// between referrals (a new stage, another place), the later records get the ids `ID~2`,
    /// `ID~3`, ... so a written history reads back (one record per id).
    pub fn training_history(&self, groups: &[Group], now: NaiveDate) -> Result<LabelledHistory> {
        let labelled = self.labelled(groups, now)?;
        let mut texts = vec![String::new(); labelled.people.len()];
        self.person_records(&labelled.people, |i, json| {
            json.clone_into(&mut texts[i]);
            Ok(())
        })?;
        let people = texts
            .into_par_iter()
            .zip(&labelled.people)
            .map(|(json, (_, id))| {
                serde_json::from_str::<Person>(&json).map(|mut p| {
                    p.id.clone_from(id);
                    p
                })
            })
            .collect::<std::result::Result<Vec<Person>, _>>()
            .map_err(|e| self.unreadable_person(&e))?;
        Ok(LabelledHistory {
            history: History {
                people,
                rows: labelled.rows,
            },
            unlabelled: labelled.unlabelled,
            unknown_groups: labelled.unknown_groups,
        })
    }

    /// Writes the rows of [`Store::training_history`] to `path` as a history CSV (atomically),
    /// the file `outcomes export` writes, straight from the stored records: each distinct
    /// record's cells are read from its JSON text once (no [`Person`], no JSON tree) and every
    /// row borrows them. Returns what was written and left out.
    pub fn export_history(
        &self,
        path: &Path,
        groups: &[Group],
        now: NaiveDate,
    ) -> Result<ExportSummary> {
        /// Records sent at a time from the reading thread to the one making cells.
        const BATCH: usize = 1024;
        let labelled = self.labelled(groups, now)?;
        let people = &labelled.people;
        // The records are read on this thread (the connection is not shared) while another
        // makes their cells: each took about half the time on one thread.
        let cells = std::thread::scope(|s| {
            let (send, receive) = std::sync::mpsc::sync_channel::<Vec<(usize, String)>>(8);
            let maker = s.spawn(move || {
                let mut cells = person_cells(people.len());
                for batch in receive {
                    for (i, json) in batch {
                        cells.set_json(i, &json, &[("id", &people[i].1)])?;
                    }
                }
                Ok::<_, serde_json::Error>(cells)
            });
            let mut batch = Vec::with_capacity(BATCH);
            let read = self.person_records(people, |i, json| {
                batch.push((i, json.to_owned()));
                if batch.len() == BATCH {
                    // A send fails only when the maker stopped at an error, which its result
                    // gives below.
                    let _ = send.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
                Ok(())
            });
            let _ = send.send(batch);
            drop(send);
            let made = maker.join().expect("making cells does not panic");
            read?;
            made.map_err(|e| self.unreadable_person(&e))
        })?;
        let rows = &labelled.rows;
        write_history_cells(path, &cells, groups, rows)?;
        Ok(ExportSummary {
            rows: rows.len(),
            engaged: rows.iter().filter(|r| r.engaged_90d).count(),
            people: people.len(),
            unlabelled: labelled.unlabelled,
            unknown_groups: labelled.unknown_groups,
        })
    }

    fn unreadable_person(&self, e: &serde_json::Error) -> Error {
        Error::Store {
            path: self.path.clone(),
            message: format!("a stored person cannot be read ({e})"),
        }
    }

    /// Calls `each` with each of the person records `people` (record ids, with their ids in the
    /// history): its place in `people` and its JSON as stored, borrowed from `SQLite` (no copy),
    /// in one scan of the records in id order.
    fn person_records(
        &self,
        people: &[(i64, String)],
        mut each: impl FnMut(usize, &str) -> Result<()>,
    ) -> Result<()> {
        let fail = |e| store_error(&self.path, e);
        let place: FxHashMap<i64, usize> = people
            .iter()
            .enumerate()
            .map(|(i, (record, _))| (*record, i))
            .collect();
        let (Some(first), Some(last)) = (place.keys().min(), place.keys().max()) else {
            return Ok(());
        };
        // One scan of the range, skipping the records not wanted, is several times faster than
        // a lookup of each (most are wanted).
        let mut stmt = self
            .conn
            .prepare("SELECT id, record FROM person_record WHERE id BETWEEN ?1 AND ?2 ORDER BY id")
            .map_err(fail)?;
        let mut rows = stmt.query([first, last]).map_err(fail)?;
        while let Some(r) = rows.next().map_err(fail)? {
            let id: i64 = r.get(0).map_err(fail)?;
            if let Some(&i) = place.get(&id) {
                let json = r
                    .get_ref(1)
                    .and_then(|v| v.as_str().map_err(rusqlite::Error::from))
                    .map_err(fail)?;
                each(i, json)?;
            }
        }
        Ok(())
    }

    /// The labelled rows both [`Store::training_history`] and [`Store::export_history`] give:
    /// each distinct person record once (its record id and its id in the history), the rows
    /// indexing them, and what was left out.
    fn labelled(&self, groups: &[Group], now: NaiveDate) -> Result<Labelled> {
        let last = day_number(now) - i64::from(LABEL_DAYS);
        let referrals = self.labelled_referrals(last)?;
        let group_index: HashMap<&str, usize> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.as_str(), i))
            .collect();
        // Each distinct record once (a person often has several referrals); a person whose
        // record changed is `ID~2`, `ID~3`, ... from its second record on, in the order the
        // records are first met.
        let mut records: FxHashMap<i64, usize> = FxHashMap::default();
        let mut versions: FxHashMap<&str, usize> = FxHashMap::default();
        let mut people: Vec<(i64, String)> = Vec::new();
        let mut rows = Vec::new();
        let (mut unlabelled, mut unknown_groups) = (0, 0);
        for r in &referrals {
            let person = *records.entry(r.record).or_insert_with(|| {
                let n = versions.entry(r.person_id.as_str()).or_insert(0);
                *n += 1;
                let id = if *n > 1 {
                    format!("{}~{n}", r.person_id)
                } else {
                    r.person_id.clone()
                };
                people.push((r.record, id));
                people.len() - 1
            });
            let referred_on = date_of(r.day);
            for (k, group_id) in r.chosen.iter().enumerate() {
                let Some(engaged) = label_90d(referred_on, group_id, &r.events, now) else {
                    unlabelled += 1;
                    continue;
                };
                let Some(&group) = group_index.get(group_id.as_str()) else {
                    unknown_groups += 1;
                    continue;
                };
                rows.push(HistoryRow {
                    placement_id: format!("r{}-{}", r.id, k + 1),
                    person,
                    group,
                    placed_on: referred_on,
                    referral: r.referral_type,
                    engaged_90d: engaged,
                    true_probability: None,
                });
            }
        }
        Ok(Labelled {
            people,
            rows,
            unlabelled,
            unknown_groups,
        })
    }

    /// The referrals with consent to training made on or before day `last`, in id order, with
    /// their chosen groups and events: three ordered scans merged by referral id.
    fn labelled_referrals(&self, last: i64) -> Result<Vec<StoredReferral>> {
        let fail = |e| store_error(&self.path, e);
        let mut out: Vec<StoredReferral> = Vec::new();
        let mut index: FxHashMap<i64, usize> = FxHashMap::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, person_id, person_record, referred_on, referral_type FROM referral \
                 WHERE consent_training = 1 AND referred_on <= ?1 ORDER BY id",
            )
            .map_err(fail)?;
        let mut rows = stmt.query([last]).map_err(fail)?;
        while let Some(r) = rows.next().map_err(fail)? {
            let id: i64 = r.get(0).map_err(fail)?;
            let kind: String = r.get(4).map_err(fail)?;
            let referral_type = kind
                .parse()
                .map_err(|e: crate::domain::vocab::UnknownValue| {
                    self.damaged(ReferralId(id), "referral_type", &e.to_string())
                })?;
            index.insert(id, out.len());
            out.push(StoredReferral {
                id,
                person_id: r.get(1).map_err(fail)?,
                record: r.get(2).map_err(fail)?,
                day: r.get(3).map_err(fail)?,
                referral_type,
                chosen: Vec::new(),
                events: Vec::new(),
            });
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.referral, c.group_id FROM chosen c JOIN referral r ON r.id = c.referral \
                 WHERE r.consent_training = 1 AND r.referred_on <= ?1 ORDER BY c.referral, c.group_id",
            )
            .map_err(fail)?;
        let mut rows = stmt.query([last]).map_err(fail)?;
        while let Some(r) = rows.next().map_err(fail)? {
            let id: i64 = r.get(0).map_err(fail)?;
            if let Some(&i) = index.get(&id) {
                out[i].chosen.push(r.get(1).map_err(fail)?);
            }
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.referral, e.kind, e.on_day, e.group_id, e.reason FROM event e \
                 JOIN referral r ON r.id = e.referral \
                 WHERE r.consent_training = 1 AND r.referred_on <= ?1 AND e.kind <> 'referred' \
                 ORDER BY e.referral, e.id",
            )
            .map_err(fail)?;
        let mut rows = stmt.query([last]).map_err(fail)?;
        while let Some(r) = rows.next().map_err(fail)? {
            let id: i64 = r.get(0).map_err(fail)?;
            let event = event_at(r, 1).map_err(fail)?;
            if let Some(&i) = index.get(&id) {
                out[i].events.push(event);
            }
        }
        Ok(out)
    }

    /// Removes every referral of the person `person_id` (with what was shown, chosen, every
    /// event and every record of the person) and returns how many referrals there were. With
    /// `secure_delete` their bytes are overwritten, and the write-ahead log is checkpointed and
    /// truncated, so nothing of them remains in the database's files (backups taken before
    /// still hold them).
    pub fn forget(&mut self, person_id: &str) -> Result<usize> {
        self.remove_referrals("person_id = ?1", person_id)
    }

    /// Removes every referral made before `date` (UTC days), as [`Store::forget`] removes a
    /// person's (with the person records no referral left uses): a retention period. Returns
    /// how many were removed.
    pub fn purge_before(&mut self, date: NaiveDate) -> Result<usize> {
        self.remove_referrals("referred_on < ?1", day_number(date))
    }

    /// Removes the referrals `condition` (SQL over the referral table, with `?1` the `value`)
    /// selects, and the person records they leave unused, in one transaction; then checkpoints.
    fn remove_referrals(&mut self, condition: &str, value: impl rusqlite::ToSql) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| store_error(&self.path, e))?;
        let removed = (|| {
            let mut records = tx
                .prepare(&format!(
                    "DELETE FROM referral WHERE {condition} RETURNING person_record"
                ))?
                .query_map([value], |r| r.get::<_, i64>(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            let n = records.len();
            records.sort_unstable();
            records.dedup();
            let mut unused = tx.prepare(
                "DELETE FROM person_record WHERE id = ?1 \
                 AND NOT EXISTS (SELECT 1 FROM referral WHERE person_record = ?1)",
            )?;
            for id in records {
                unused.execute([id])?;
            }
            Ok(n)
        })()
        .map_err(|e| store_error(&self.path, e))?;
        tx.commit().map_err(|e| store_error(&self.path, e))?;
        self.checkpoint()?;
        Ok(removed)
    }

    /// Copies every page of the log into the database and truncates the log to nothing. A
    /// reader of an older snapshot keeps the log from being truncated: an error says so.
    fn checkpoint(&self) -> Result<()> {
        let (busy, _, _): (i64, i64, i64) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.fail(e))?;
        if busy != 0 {
            return Err(Error::Store {
                path: self.path.clone(),
                message: "the deletion is committed, but another process was reading, so the \
                          write-ahead log still holds the removed rows; run the command again \
                          when no other groupmatch uses the database"
                    .into(),
            });
        }
        Ok(())
    }

    /// Writes a consistent copy of the database to `to` with SQLite's online backup API, while
    /// other processes go on writing: the copy is the database as of one moment. The copy is
    /// written to a temp file beside `to` (readable by its owner only) and renamed into place.
    /// The copy of an encrypted database is encrypted with the same key.
    pub fn backup(&self, to: &Path) -> Result<()> {
        let file = crate::formats::write::AtomicFile::create(to)?;
        set_private(file.temp_path()).map_err(|error| Error::Io {
            path: to.to_path_buf(),
            error,
        })?;
        {
            let fail = |e| store_error(to, e);
            let mut copy = connect(file.temp_path(), self.key.as_ref())?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy).map_err(fail)?;
            // Every page in one step: one read transaction, so one snapshot (stepping in parts
            // would restart whenever another process writes).
            loop {
                match backup.step(-1).map_err(fail)? {
                    rusqlite::backup::StepResult::Done => break,
                    _ => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }
        file.commit()
    }

    /// `PRAGMA integrity_check`: `ok`, or what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        let lines = self
            .conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.fail(e))?;
        Ok(lines.join("\n"))
    }

    /// How many referrals and events the store holds.
    pub fn counts(&self) -> Result<(i64, i64)> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM referral), (SELECT count(*) FROM event)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.fail(e))
    }
}

/// Inserts one referral checked by [`referral_problems`]: its row, what was shown and chosen,
/// and its `referred` event.
fn insert_referral(
    tx: &rusqlite::Transaction,
    referral: &NewReferral,
) -> rusqlite::Result<ReferralId> {
    let person = serde_json::to_string(&referral.person).expect("people serialise");
    let record = person_record(tx, &referral.person.id, &person)?;
    let on = day_number(referral.referred_at.date_naive());
    tx.prepare_cached(
        "INSERT INTO referral (person_id, person_record, referred_at, referred_on, staff, \
         engine_version, referral_type, consent_follow_up, consent_training) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        referral.person.id,
        record,
        referral.referred_at.to_rfc3339(),
        on,
        referral.staff,
        referral.engine_version,
        referral.referral_type.as_str(),
        referral.consent.follow_up,
        referral.consent.training,
    ])?;
    let id = tx.last_insert_rowid();
    let mut shown = tx.prepare_cached(
        "INSERT INTO shown (referral, rank, group_id, score) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for s in &referral.shown {
        shown.execute(params![id, s.rank, s.group_id, s.score])?;
    }
    let mut chosen =
        tx.prepare_cached("INSERT INTO chosen (referral, group_id) VALUES (?1, ?2)")?;
    for g in &referral.chosen {
        chosen.execute(params![id, g])?;
    }
    tx.prepare_cached("INSERT INTO event (referral, kind, on_day) VALUES (?1, 'referred', ?2)")?
        .execute(params![id, on])?;
    Ok(ReferralId(id))
}

/// The id of the stored record of person `person_id` whose JSON is `json`, stored now if it
/// is not yet: a person's records are few, so the ones of `person_id` are compared.
fn person_record(tx: &rusqlite::Transaction, person_id: &str, json: &str) -> rusqlite::Result<i64> {
    let found = tx
        .prepare_cached("SELECT id FROM person_record WHERE person_id = ?1 AND record = ?2")?
        .query_row([person_id, json], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    tx.prepare_cached("INSERT INTO person_record (person_id, record) VALUES (?1, ?2)")?
        .execute([person_id, json])?;
    Ok(tx.last_insert_rowid())
}

/// [`Store::check_events`] on `conn` (the store's connection, or a transaction of it).
fn check_events_in(conn: &Connection, path: &Path, events: &[NewEvent]) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    let mut known: HashMap<ReferralId, Option<(i64, Vec<String>)>> = HashMap::new();
    for (i, event) in events.iter().enumerate() {
        let line = Some(i as u64 + 1);
        problems.extend(event_problems(event).into_iter().map(|mut p| {
            p.line = line;
            p
        }));
        let found = match known.entry(event.referral) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(day_and_chosen(conn, path, event.referral)?)
            }
        };
        match found {
            None => problems.push(Problem::new(
                line,
                Some("referral"),
                format!("no referral {} in the store", event.referral),
            )),
            Some((day, chosen)) => {
                if day_number(event.on) < *day {
                    problems.push(Problem::new(
                        line,
                        Some("on"),
                        format!("{} is before the referral ({})", event.on, date_of(*day)),
                    ));
                }
                if let Some(g) = &event.group_id {
                    if !chosen.contains(g) {
                        problems.push(Problem::new(
                            line,
                            Some("group"),
                            format!(
                                "'{g}' is not a group referral {} chose (chosen: {})",
                                event.referral,
                                chosen.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(problems)
}

/// The day and chosen groups of referral `id`, if it exists.
fn day_and_chosen(
    conn: &Connection,
    path: &Path,
    id: ReferralId,
) -> Result<Option<(i64, Vec<String>)>> {
    let day: Option<i64> = conn
        .prepare_cached("SELECT referred_on FROM referral WHERE id = ?1")
        .and_then(|mut s| s.query_row([id.0], |r| r.get(0)).optional())
        .map_err(|e| store_error(path, e))?;
    let Some(day) = day else { return Ok(None) };
    Ok(Some((day, chosen_of(conn, path, id)?)))
}

/// The groups referral `id` chose, by id.
fn chosen_of(conn: &Connection, path: &Path, id: ReferralId) -> Result<Vec<String>> {
    conn.prepare_cached("SELECT group_id FROM chosen WHERE referral = ?1 ORDER BY group_id")
        .and_then(|mut s| {
            s.query_map([id.0], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .map_err(|e| store_error(path, e))
}

/// The labelled rows of the store ([`Store::labelled`]).
struct Labelled {
    /// Each distinct person record: its id in the store, and its id in the history.
    people: Vec<(i64, String)>,
    rows: Vec<HistoryRow>,
    unlabelled: usize,
    unknown_groups: usize,
}

/// A referral as the training history reads it.
struct StoredReferral {
    id: i64,
    person_id: String,
    /// Its person record's id.
    record: i64,
    day: i64,
    referral_type: ReferralType,
    chosen: Vec<String>,
    events: Vec<Event>,
}

fn event_of_row(r: &rusqlite::Row) -> rusqlite::Result<Event> {
    event_at(r, 0)
}

/// The event in the columns `kind, on_day, group_id, reason` from column `at`.
fn event_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Event> {
    let text = |i: usize| -> rusqlite::Result<String> { r.get(at + i) };
    let bad = |i: usize, e: crate::domain::vocab::UnknownValue| {
        rusqlite::Error::FromSqlConversionFailure(at + i, rusqlite::types::Type::Text, Box::new(e))
    };
    let reason: Option<String> = r.get(at + 3)?;
    Ok(Event {
        kind: text(0)?.parse().map_err(|e| bad(0, e))?,
        on: date_of(r.get(at + 1)?),
        group_id: r.get(at + 2)?,
        reason: reason
            .map(|s| s.parse().map_err(|e| bad(3, e)))
            .transpose()?,
    })
}

/// Every problem of a referral to record, each naming its field.
fn referral_problems(r: &NewReferral) -> Vec<Problem> {
    let mut problems = r.person.problems();
    for p in &mut problems {
        p.field = Some(format!(
            "person.{}",
            p.field.as_deref().unwrap_or("(record)")
        ));
    }
    let mut problem = |field: &str, message: String| {
        problems.push(Problem::new(None, Some(field), message));
    };
    if r.chosen.is_empty() {
        problem("chosen", "no group chosen; give at least one".into());
    }
    for (i, g) in r.chosen.iter().enumerate() {
        if let Some(m) = id_problem(g) {
            problem("chosen", m);
        } else if r.chosen[..i].contains(g) {
            problem("chosen", format!("'{g}' is chosen twice"));
        }
    }
    for (i, s) in r.shown.iter().enumerate() {
        if let Some(m) = id_problem(&s.group_id) {
            problem("shown", m);
        }
        if s.rank as usize != i + 1 {
            problem(
                "shown",
                format!(
                    "rank {} at place {}: ranks are 1, 2, 3, ... in order",
                    s.rank,
                    i + 1
                ),
            );
        }
        if !(0.0..=1.0).contains(&s.score) {
            problem("shown", format!("score {} is outside 0 to 1", s.score));
        }
    }
    if r.engine_version.trim().is_empty() {
        problem("engine_version", "missing".into());
    }
    if let Some(staff) = &r.staff {
        if let Some(m) = id_problem(staff) {
            problem("staff", m);
        }
    }
    problems
}

/// The problems of one event taken alone: `referred` is recorded with the referral, a stop
/// needs a reason, only stops and declines have one, and a group id is an id.
pub fn event_problems(e: &NewEvent) -> Vec<Problem> {
    let mut problems = Vec::new();
    if e.kind == EventKind::Referred {
        problems.push(Problem::new(
            None,
            Some("status"),
            "'referred' is recorded with the referral (by `refer`), not appended",
        ));
    }
    match (e.kind, e.reason) {
        (EventKind::Stopped, None) => problems.push(Problem::new(
            None,
            Some("reason"),
            format!(
                "missing: a stop needs a reason ({})",
                StopReason::NAMES.join(", ")
            ),
        )),
        (EventKind::Stopped | EventKind::Declined, _) | (_, None) => {}
        (kind, Some(_)) => problems.push(Problem::new(
            None,
            Some("reason"),
            format!("only 'stopped' and 'declined' have a reason, not '{kind}'"),
        )),
    }
    if let Some(m) = e.group_id.as_deref().and_then(id_problem) {
        problems.push(Problem::new(None, Some("group"), m));
    }
    problems
}

/// Creates `path` readable and writable by its owner only (on Unix), if it does not exist. An
/// empty file is an empty database to SQLite, which makes its log files with the same mode.
fn create_private(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop).map_err(|error| Error::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// Makes an existing file readable and writable by its owner only (on Unix).
fn set_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// A connection to the database at `path`, created readable by its owner only if it does not
/// exist: keyed with `key` (the first statement on it), with the busy timeout, and checked to
/// be readable, so that a file the key does not open is refused here with a message that says
/// why (no key for an encrypted file, a wrong key, a key for an unencrypted file).
fn connect(path: &Path, key: Option<&DbKey>) -> Result<Connection> {
    if let Some(key) = key {
        key.require_encryption(path)?;
    }
    create_private(path)?;
    let fail = |e: rusqlite::Error| store_error(path, e);
    let conn = Connection::open(path).map_err(fail)?;
    if let Some(key) = key {
        key.apply(&conn, path)?;
    }
    conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(conn),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(Error::Store {
                path: path.to_path_buf(),
                message: unreadable(path, key),
            })
        }
        Err(e) => Err(fail(e)),
    }
}

/// Why SQLite (SQLCipher) cannot read the file at `path` as a database, opened with `key`.
fn unreadable(path: &Path, key: Option<&DbKey>) -> String {
    let mut header = [0u8; 16];
    let plain = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok()
        && &header == b"SQLite format 3\0";
    match key {
        Some(key) if plain => format!(
            "the database is not encrypted, but a key is given ({}): unset it to open this \
             file (a database is encrypted when it is created with a key, not later)",
            key.source()
        ),
        Some(key) => format!(
            "the key from {} does not open it: a wrong key, or not a groupmatch database",
            key.source()
        ),
        None if cfg!(feature = "encryption") => {
            format!("is encrypted or not a groupmatch database: set {KEY_VAR} or {KEY_FILE_VAR}")
        }
        None => "not a groupmatch database, or one encrypted (which needs groupmatch built \
                 with the `encryption` feature, and its key)"
            .to_string(),
    }
}

/// A SQLite error as the crate's error, naming the file; a file that is not a database says so.
fn store_error(path: &Path, e: rusqlite::Error) -> Error {
    let message = match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            "not a groupmatch database (SQLite cannot read it as a database)".to_string()
        }
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => format!(
            "the database stayed busy for {} s (another process holds it): {e}",
            BUSY_TIMEOUT.as_secs()
        ),
        _ => e.to_string(),
    };
    Error::Store {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::group;

    fn person(id: &str) -> Person {
        let mut p: Person = serde_json::from_str(
            r#"{"id": "x", "stage": "early", "approach_preference": "secular",
                "format_preference": "either", "availability": ["Mon 18:00-22:00"],
                "timezone": "America/New_York"}"#,
        )
        .unwrap();
        p.id = id.to_string();
        p
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn referral(person_id: &str, on: &str, chosen: &[&str], consent: Consent) -> NewReferral {
        NewReferral {
            person: person(person_id),
            referred_at: date(on).and_hms_opt(15, 0, 0).unwrap().and_utc(),
            staff: Some("s1".into()),
            engine_version: "d1-m2-r3".into(),
            shown: vec![
                Shown {
                    group_id: "g1".into(),
                    rank: 1,
                    score: 0.4,
                },
                Shown {
                    group_id: "g2".into(),
                    rank: 2,
                    score: 0.3,
                },
            ],
            chosen: chosen.iter().map(|g| g.to_string()).collect(),
            referral_type: ReferralType::WarmHandoff,
            consent,
        }
    }

    const BOTH: Consent = Consent {
        follow_up: true,
        training: true,
    };

    fn event(id: ReferralId, kind: EventKind, on: &str, group: Option<&str>) -> NewEvent {
        NewEvent {
            referral: id,
            kind,
            on: date(on),
            group_id: group.map(str::to_string),
            reason: (kind == EventKind::Stopped).then_some(StopReason::Schedule),
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        (dir, store)
    }

    #[test]
    fn a_referral_reads_back_as_recorded_with_its_referred_event() {
        let (_dir, mut store) = store();
        let new = referral("p1", "2026-03-02", &["g2", "g1"], BOTH);
        let id = store.record_referral(&new).unwrap();
        let back = store.referral(id).unwrap();
        assert_eq!(back.record.person, new.person);
        assert_eq!(back.record.referred_at, new.referred_at);
        assert_eq!(back.record.shown, new.shown);
        assert_eq!(back.record.chosen, ["g1", "g2"]);
        assert_eq!(back.record.consent, BOTH);
        assert_eq!(back.record.referral_type, ReferralType::WarmHandoff);
        assert_eq!(back.events.len(), 1);
        assert_eq!(
            (back.events[0].kind, back.events[0].on),
            (EventKind::Referred, date("2026-03-02"))
        );
        assert!(matches!(
            store.referral(ReferralId(99)),
            Err(Error::NotFound(_))
        ));
    }

    #[test]
    fn a_bad_referral_is_refused_with_each_field() {
        let (_dir, mut store) = store();
        let mut bad = referral("p1", "2026-03-02", &["g1", "g1"], BOTH);
        bad.shown[1].rank = 5;
        bad.person.readiness = Some(42);
        let err = store.record_referral(&bad).unwrap_err();
        let fields: Vec<_> = err
            .problems()
            .iter()
            .map(|p| p.field.clone().unwrap())
            .collect();
        assert_eq!(fields, ["person.readiness", "chosen", "shown"]);
        assert_eq!(store.counts().unwrap(), (0, 0), "nothing written");
    }

    #[test]
    fn referrals_in_bulk_are_written_all_or_none_with_each_place() {
        let (_dir, mut store) = store();
        let mut batch = vec![
            referral("p1", "2026-03-02", &["g1"], BOTH),
            referral("p2", "2026-03-02", &[], BOTH),
        ];
        let err = store.record_referrals(&batch).unwrap_err();
        assert_eq!(
            crate::testutil::lines_and_fields(err.problems()),
            [(2, "chosen".to_string())]
        );
        assert_eq!(store.counts().unwrap(), (0, 0));
        batch[1].chosen = vec!["g2".into()];
        let ids = store.record_referrals(&batch).unwrap();
        assert_eq!(ids, [ReferralId(1), ReferralId(2)]);
        assert_eq!(store.referral(ids[1]).unwrap().record.person.id, "p2");
    }

    #[test]
    fn events_are_checked_against_the_store_and_written_all_or_none() {
        let (_dir, mut store) = store();
        let id = store
            .record_referral(&referral("p1", "2026-03-02", &["g1"], BOTH))
            .unwrap();
        let events = [
            event(id, EventKind::Contacted, "2026-03-09", None),
            event(id, EventKind::Attending, "2026-03-01", Some("g1")),
            event(id, EventKind::Attending, "2026-03-10", Some("g9")),
            event(ReferralId(7), EventKind::Declined, "2026-03-10", None),
        ];
        let err = store.append_events(&events).unwrap_err();
        assert_eq!(
            crate::testutil::lines_and_fields(err.problems()),
            [
                (2, "on".to_string()),
                (3, "group".to_string()),
                (4, "referral".to_string())
            ]
        );
        assert_eq!(store.counts().unwrap(), (1, 1));
        assert_eq!(store.append_events(&events[..1]).unwrap(), 1);
        assert_eq!(store.counts().unwrap(), (1, 2));
    }

    #[test]
    fn events_are_never_updated() {
        let (_dir, mut store) = store();
        store
            .record_referral(&referral("p1", "2026-03-02", &["g1"], BOTH))
            .unwrap();
        let err = store
            .conn
            .execute("UPDATE event SET kind = 'attending'", [])
            .unwrap_err();
        assert!(err.to_string().contains("appended, never updated"), "{err}");
    }

    #[test]
    fn follow_ups_fall_due_at_7_30_and_90_days_until_an_event_or_a_close() {
        let (_dir, mut store) = store();
        let a = store
            .record_referral(&referral("p1", "2026-01-01", &["g1"], BOTH))
            .unwrap();
        let none = Consent {
            follow_up: false,
            training: true,
        };
        store
            .record_referral(&referral("p2", "2026-01-01", &["g1"], none))
            .unwrap();
        fn days_of(store: &Store, on: &str) -> Vec<(i64, u32)> {
            store
                .due(date(on))
                .unwrap()
                .iter()
                .map(|d| (d.referral.0, d.day))
                .collect()
        }
        assert_eq!(days_of(&store, "2026-01-07"), []);
        assert_eq!(days_of(&store, "2026-01-08"), [(a.0, 7)]);
        assert_eq!(days_of(&store, "2026-01-30"), [(a.0, 7)]);
        assert_eq!(days_of(&store, "2026-01-31"), [(a.0, 30)]);
        assert_eq!(days_of(&store, "2026-04-01"), [(a.0, 90)]);
        assert_eq!(days_of(&store, "2026-04-30"), [(a.0, 90)]);
        assert_eq!(days_of(&store, "2026-05-01"), []);
        let due = store.due(date("2026-01-08")).unwrap();
        assert_eq!(due[0].due_on, date("2026-01-08"));
        assert_eq!(due[0].chosen, ["g1"]);
        store
            .append_events(&[event(a, EventKind::Contacted, "2026-01-09", None)])
            .unwrap();
        assert_eq!(
            days_of(&store, "2026-01-08"),
            [(a.0, 7)],
            "as of the 8th, not yet done"
        );
        assert_eq!(days_of(&store, "2026-01-09"), []);
        assert_eq!(days_of(&store, "2026-01-31"), [(a.0, 30)]);
        store
            .append_events(&[event(a, EventKind::Stopped, "2026-01-20", Some("g1"))])
            .unwrap();
        assert_eq!(
            days_of(&store, "2026-01-31"),
            [],
            "every chosen group closed"
        );
    }

    #[test]
    fn only_consented_referrals_with_a_known_label_reach_the_training_history() {
        let (_dir, mut store) = store();
        let groups = vec![group("g1"), group("g2")];
        let no_training = Consent {
            follow_up: true,
            training: false,
        };
        let a = store
            .record_referral(&referral("p1", "2026-01-01", &["g1", "g2"], BOTH))
            .unwrap();
        let b = store
            .record_referral(&referral("p2", "2026-01-01", &["g1"], no_training))
            .unwrap();
        let young = store
            .record_referral(&referral("p3", "2026-03-01", &["g1"], BOTH))
            .unwrap();
        let mut changed = referral("p1", "2026-01-05", &["g9"], BOTH);
        changed.person.readiness = Some(3);
        let c = store.record_referral(&changed).unwrap();
        store
            .append_events(&[
                event(a, EventKind::Attending, "2026-04-02", Some("g1")),
                event(b, EventKind::Attending, "2026-04-02", Some("g1")),
                event(young, EventKind::Declined, "2026-03-02", None),
                event(c, EventKind::Declined, "2026-01-06", None),
            ])
            .unwrap();
        let labelled = store.training_history(&groups, date("2026-04-10")).unwrap();
        let h = &labelled.history;
        assert_eq!(h.rows.len(), 1);
        assert_eq!(h.rows[0].placement_id, format!("r{}-1", a.0));
        assert!(h.rows[0].engaged_90d);
        assert_eq!(h.rows[0].referral, ReferralType::WarmHandoff);
        assert_eq!(h.people[h.rows[0].person].id, "p1");
        assert_eq!((labelled.unlabelled, labelled.unknown_groups), (1, 1));
        let ids: Vec<&str> = h.people.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["p1", "p1~2"], "a changed record is another entry");
    }

    #[test]
    fn forget_and_purge_remove_every_row_of_theirs() {
        let (_dir, mut store) = store();
        let a = store
            .record_referral(&referral("p1", "2026-01-01", &["g1"], BOTH))
            .unwrap();
        store
            .record_referral(&referral("p2", "2026-02-01", &["g1"], BOTH))
            .unwrap();
        store
            .record_referral(&referral("p1", "2026-03-01", &["g1"], BOTH))
            .unwrap();
        store
            .append_events(&[event(a, EventKind::Contacted, "2026-01-08", None)])
            .unwrap();
        assert_eq!(store.forget("p1").unwrap(), 2);
        assert_eq!(store.counts().unwrap(), (1, 1));
        let left: i64 = store
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM shown) + (SELECT count(*) FROM chosen)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 3, "p2's two shown and one chosen");
        assert_eq!(records(&store), ["p2"]);
        assert_eq!(store.purge_before(date("2026-02-01")).unwrap(), 0);
        assert_eq!(store.purge_before(date("2026-02-02")).unwrap(), 1);
        assert_eq!(store.counts().unwrap(), (0, 0));
        assert!(records(&store).is_empty());
    }

    /// The person id of each stored person record, by record id.
    fn records(store: &Store) -> Vec<String> {
        store
            .conn
            .prepare("SELECT person_id FROM person_record ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_person_record_is_stored_once_and_removed_with_its_last_referral() {
        let (_dir, mut store) = store();
        let mut changed = referral("p1", "2026-03-01", &["g1"], BOTH);
        changed.person.readiness = Some(3);
        for r in [
            referral("p1", "2026-01-01", &["g1"], BOTH),
            referral("p2", "2026-01-02", &["g1"], BOTH),
            referral("p1", "2026-02-01", &["g2"], BOTH),
            changed,
        ] {
            store.record_referral(&r).unwrap();
        }
        assert_eq!(
            records(&store),
            ["p1", "p2", "p1"],
            "p1's first record once"
        );
        assert_eq!(
            store.referral(ReferralId(3)).unwrap().record.person.id,
            "p1"
        );
        assert_eq!(
            store
                .referral(ReferralId(4))
                .unwrap()
                .record
                .person
                .readiness,
            Some(3)
        );
        // p1's first record is still used by its February referral.
        assert_eq!(store.purge_before(date("2026-01-02")).unwrap(), 1);
        assert_eq!(records(&store), ["p1", "p2", "p1"]);
        assert_eq!(store.purge_before(date("2026-02-02")).unwrap(), 2);
        assert_eq!(records(&store), ["p1"]);
        assert_eq!(store.forget("p1").unwrap(), 1);
        assert!(records(&store).is_empty());
    }

    /// A build without `encryption` (`cargo test --lib`; CI's `--all-features` build has it).
    #[cfg(not(feature = "encryption"))]
    #[test]
    fn a_key_is_refused_by_a_build_without_encryption_before_the_file_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.db");
        let key = DbKey::new("k", "GROUPMATCH_DB_KEY").unwrap();
        let message = Store::open_with_key(&db, Some(key))
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(&format!(
                "{}: a key is given (GROUPMATCH_DB_KEY), but this groupmatch is built without \
                 encryption: build it with `cargo install --path . --features encryption`",
                db.display()
            )),
            "{message}"
        );
        assert!(!db.exists(), "no file is created");
    }
}
