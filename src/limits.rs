//! Every limit on an input, in one place: file sizes, field lengths, ids, list lengths, rule
//! files and rule conditions.
//!
//! Each limit is far above what real data needs and low enough that no input, however it was
//! made, can crash, hang or exhaust the memory of the program reading it: past a limit the input
//! is refused with a [`crate::Problem`] naming the file, the line and the field, never a panic.
//! `docs/reliability.md` lists them with what happens past each. The readers and the `validate`
//! of values built in Rust ([`crate::Person::validate`], [`crate::Group::validate`]) check the
//! same limits, in the same words (`domain/check.rs`).

/// The largest data file read: a groups directory, a waitlist, people, a placement history or a
/// Meeting Guide feed (256 MiB; `simulate` writes people files of about 130 MB at its largest
/// documented size).
pub const MAX_DATA_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The largest person file (one JSON object), model file or simulation file read (1 MiB).
pub const MAX_DOCUMENT_FILE_BYTES: u64 = 1024 * 1024;

/// The largest rule file read (8 MiB: room for [`MAX_RULES`] rules with long conditions).
pub const MAX_RULES_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The longest text of one field (a name, a city, a URL, one list item), in bytes.
pub const MAX_FIELD_BYTES: usize = 4096;

/// The longest id (of a group, a person, a waitlist entry or a rule), in bytes. Meeting Guide
/// slugs, BMLT meeting numbers and HSDS UUIDs all fit.
pub const MAX_ID_BYTES: usize = 128;

/// The longest name from a file quoted in a message (an unknown field's name), in bytes; a longer
/// one is cut, ending in `…`, so a warning about a huge key stays one readable line.
pub const MAX_QUOTED_BYTES: usize = 128;

/// The most weekly sessions a group may have.
pub const MAX_SESSIONS: usize = 200;

/// The most items of any other list field: a group's or a person's languages, audience, focus,
/// accessibility, needs and substances, a person's availability windows and earlier experiences.
pub const MAX_LIST_ITEMS: usize = 64;

/// The most rules in one rule file.
pub const MAX_RULES: usize = 1000;

/// The longest `when` condition of a rule, in bytes.
pub const MAX_WHEN_BYTES: usize = 4096;

/// The deepest nesting of a `when` condition: parentheses, list brackets and `not`s, counted
/// together. Chains of `and` and `or` do not nest, however long.
pub const MAX_EXPR_DEPTH: usize = 64;
