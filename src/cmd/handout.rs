//! `--handout FILE` and its companions on `rank` (and, later, `intake`): which groups go on the
//! person's handout and whose contact it gives. The page itself is the library's
//! ([`groupmatch::handout::render_handout`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use groupmatch::handout::{render_handout, HandoutLanguage, Referrer};
use groupmatch::text::escape_control as esc;
use groupmatch::{Engine, Person, Ranking};

use super::print_stderr;

/// How many suggestions go on a handout when no group is chosen.
pub const DEFAULT_HANDOUT_GROUPS: usize = 3;

/// `--handout FILE [--choose ID ...] [--referrer FILE] [--referrer-name ...]`.
#[derive(Debug, clap::Args)]
pub struct HandoutArgs {
    /// Also write a printable handout (.html) for the person: the chosen groups with their next
    /// dates in the person's zone, how to get there, a week picture, the referrer's contact and
    /// the crisis lines, in the person's language (English or Spanish).
    #[arg(long, help_heading = "Handout", value_name = "FILE")]
    handout: Option<PathBuf>,
    /// A group for the handout, by id (repeat for several; any group of the directory). Without
    /// it, the top 3 suggestions.
    #[arg(
        long = "choose",
        help_heading = "Handout",
        value_name = "ID",
        requires = "handout"
    )]
    choose: Vec<String>,
    /// The referring service's contact, from a TOML file with `name`, `phone`, `email` and `url`
    /// (each optional); the --referrer-* flags win over it.
    #[arg(
        long,
        help_heading = "Handout",
        value_name = "FILE",
        requires = "handout"
    )]
    referrer: Option<PathBuf>,
    /// The referring service's name, for the handout.
    #[arg(
        long,
        help_heading = "Handout",
        value_name = "TEXT",
        requires = "handout"
    )]
    referrer_name: Option<String>,
    /// The referring service's phone number, for the handout.
    #[arg(
        long,
        help_heading = "Handout",
        value_name = "TEXT",
        requires = "handout"
    )]
    referrer_phone: Option<String>,
    /// The referring service's e-mail address, for the handout.
    #[arg(
        long,
        help_heading = "Handout",
        value_name = "TEXT",
        requires = "handout"
    )]
    referrer_email: Option<String>,
    /// The referring service's web page (http or https), for the handout.
    #[arg(
        long,
        help_heading = "Handout",
        value_name = "URL",
        requires = "handout"
    )]
    referrer_url: Option<String>,
}

impl HandoutArgs {
    /// The file to write, when one is asked for (for the overwrite check, made before any work).
    pub fn path(&self) -> Option<&Path> {
        self.handout.as_deref()
    }

    /// The referrer: the file's, with each flag given in its place.
    fn referrer(&self) -> anyhow::Result<Referrer> {
        let mut r = match &self.referrer {
            Some(path) => Referrer::read(path)?,
            None => Referrer::default(),
        };
        let flags = [
            (&mut r.name, &self.referrer_name),
            (&mut r.phone, &self.referrer_phone),
            (&mut r.email, &self.referrer_email),
            (&mut r.url, &self.referrer_url),
        ];
        for (field, flag) in flags {
            if flag.is_some() {
                field.clone_from(flag);
            }
        }
        Ok(r)
    }

    /// Writes the handout, when asked, atomically: the groups `picked` in an interview, else
    /// the chosen groups, else the ranking's first [`DEFAULT_HANDOUT_GROUPS`]. A line on stderr
    /// says what was written, and warns of a chosen group the ranking excluded.
    pub fn write(
        &self,
        engine: &Engine,
        person: &Person,
        ranking: &Ranking,
        now: DateTime<Utc>,
        picked: &[String],
    ) -> anyhow::Result<()> {
        let Some(path) = &self.handout else {
            return Ok(());
        };
        let ids: Vec<String> = if !picked.is_empty() {
            picked.to_vec()
        } else if self.choose.is_empty() {
            ranking
                .suggestions
                .iter()
                .take(DEFAULT_HANDOUT_GROUPS)
                .map(|s| s.group_id.clone())
                .collect()
        } else {
            self.choose.clone()
        };
        if ids.is_empty() {
            anyhow::bail!(
                "no group for the handout: no group is eligible; choose groups with --choose ID"
            );
        }
        let referrer = self.referrer()?;
        let html = render_handout(engine, person, &ids, now, &referrer)?;
        groupmatch::formats::write::write_atomic(path, |w| w.write_all(html.as_bytes()))?;
        for e in ranking.excluded.groups() {
            if ids.contains(&e.group_id) {
                let codes: Vec<String> = e.reasons.iter().map(|r| r.code.to_string()).collect();
                print_stderr(&format!(
                    "warning: {} is on the handout but excluded for this person ({})\n",
                    esc(&e.group_id),
                    codes.join(", ")
                ));
            }
        }
        let language = match HandoutLanguage::for_person(person) {
            HandoutLanguage::Spanish => "Spanish",
            _ => "English",
        };
        let note = if referrer.is_empty() {
            "; no referrer contact (--referrer-name, --referrer-phone or --referrer FILE)"
        } else {
            ""
        };
        print_stderr(&format!(
            "wrote {}: handout in {language} for {} ({}){note}\n",
            path.display(),
            super::plural(ids.len(), "group"),
            esc(&ids.join(", "))
        ));
        Ok(())
    }
}
