//! The person as flags (`rank --stage early --prefers secular --within 10km ...`): one flag for
//! every field of a person file, turned into a [`PersonDraft`] that the library reads exactly as
//! it reads a file. Values are handed over as written, so a bad one gets the file reader's
//! message; only `--near` and `--within`, which have a syntax of their own, are read here.

use std::path::Path;

use anyhow::Context;
use groupmatch::formats::people::read_waitlist_rows;
use groupmatch::{find_waitlist_entry, parse_prior, parse_travel_km, Person, PersonDraft};
use serde_json::Value;

/// Every field of a person, as a flag. With `--person FILE` a flag replaces the file's field (a
/// list flag the whole list); without it, the defaults of `PersonDraft::build` fill the rest.
#[derive(Debug, Default, clap::Args)]
#[command(
    next_help_heading = "The person as flags (instead of, or over, --person or a --waitlist row)"
)]
pub struct PersonFlags {
    /// Pseudonymous id (default: derived from the other fields, `p-` and 12 hex digits); with
    /// --waitlist, the id of the row to rank.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// Whose recovery: in_recovery (default) or family_member.
    #[arg(long)]
    role: Option<String>,
    /// Recovery stage: exploring, in_treatment, early (default), first_year, one_to_two_years,
    /// sustained.
    #[arg(long)]
    stage: Option<String>,
    /// A family member's relationship to the person who drinks or uses: partner, parent, child,
    /// sibling, other_family, friend.
    #[arg(long)]
    relationship: Option<String>,
    /// What a family member wants help with: own_support, loved_one_treatment, both.
    #[arg(long)]
    family_aim: Option<String>,
    /// Approach preference: secular, spiritual, religious, no_preference (default).
    #[arg(long, value_name = "ORIENTATION")]
    prefers: Option<String>,
    /// Exclude groups of other orientations (`--strict` or `--strict=false`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    strict: Option<String>,
    /// How they want to attend: in_person, online, either (default).
    #[arg(long, value_name = "FORMAT")]
    attend: Option<String>,
    /// When they can go (repeatable; `;` separates entries): `Mon-Fri 5:30pm-10pm`,
    /// `weekday evenings`, `Sat,Sun 09:00-12:00` (default: daily 06:00-22:00).
    #[arg(long, value_name = "WHEN")]
    available: Vec<String>,
    /// Their IANA time zone (default: the zone at --near, else the directory's most common one).
    #[arg(long, value_name = "ZONE")]
    timezone: Option<String>,
    /// Where they travel from: LAT,LON (such as 39.95,-75.16).
    #[arg(long, value_name = "PLACE", allow_hyphen_values = true)]
    near: Option<String>,
    /// How far they can travel to a session: 10km, 6mi (default 25 km).
    #[arg(long, value_name = "DISTANCE")]
    within: Option<String>,
    /// Languages they can take part in, main one first (repeatable or comma-separated: es,en).
    #[arg(long = "language", value_name = "LANG")]
    languages: Vec<String>,
    /// Gender: woman, man, nonbinary, unspecified (default).
    #[arg(long)]
    gender: Option<String>,
    /// Whether they want a gender-specific group: no (default), preferred, required.
    #[arg(long, value_name = "WISH")]
    gender_specific: Option<String>,
    /// Groups for an audience they would like (repeatable or comma-separated).
    #[arg(long = "audience", value_name = "AUDIENCE")]
    audience_preference: Vec<String>,
    /// Age in years.
    #[arg(long)]
    age: Option<String>,
    /// LGBTQ+ (`--lgbtq` or `--lgbtq=false`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    lgbtq: Option<String>,
    /// Military veteran (`--veteran` or `--veteran=false`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    veteran: Option<String>,
    /// Needs: childcare, wheelchair, co_occurring, ... (repeatable or comma-separated).
    #[arg(long = "needs", value_name = "NEED")]
    needs: Vec<String>,
    /// Whether they can pay a fee (`--can-pay=false` excludes groups with a fee; default true).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    can_pay: Option<String>,
    /// Immediate risks flagged by staff: suicidal_thoughts, withdrawal_risk, recent_overdose
    /// (repeatable or comma-separated).
    #[arg(long = "risk", value_name = "RISK")]
    risks: Vec<String>,
    /// Substances they are recovering from (repeatable or comma-separated).
    #[arg(long = "substance", value_name = "SUBSTANCE")]
    substances: Vec<String>,
    /// The substance that matters most to them (one of --substance).
    #[arg(long, value_name = "SUBSTANCE")]
    primary_substance: Option<String>,
    /// Medication for opioid use disorder: none (default), methadone, buprenorphine, naltrexone.
    #[arg(long)]
    medication: Option<String>,
    /// What they aim for with their use: abstinence, reducing.
    #[arg(long)]
    goal: Option<String>,
    /// Who leads the groups they want: peer, professional, either (default).
    #[arg(long, value_name = "FACILITATION")]
    facilitation: Option<String>,
    /// Confidence in staying in recovery, 1-10.
    #[arg(long, value_name = "1-10")]
    self_efficacy: Option<String>,
    /// Readiness to change, 1-10.
    #[arg(long, value_name = "1-10")]
    readiness: Option<String>,
    /// Support from people around them: low, moderate, high.
    #[arg(long, value_name = "LEVEL")]
    social_support: Option<String>,
    /// Friends or family who drink or use (`--network-supports-use` or `=false`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    network_supports_use: Option<String>,
    /// Earlier experience with an approach, APPROACH:OUTCOME (twelve_step:helped; repeatable or
    /// comma-separated).
    #[arg(long, value_name = "APPROACH:OUTCOME")]
    prior: Vec<String>,
}

/// The items of a list flag: every occurrence split at `sep`, trimmed, empty ones dropped (so
/// `--needs ""` gives an empty list, replacing a file's).
fn items(values: &[String], sep: char) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(sep))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl PersonFlags {
    /// Whether any person flag was given.
    pub fn any(&self) -> bool {
        self.near.is_some() || self.draft_fields().map(|f| !f.is_empty()).unwrap_or(true)
    }

    /// The fields the flags give, as a person file would hold them (`--near` is set on the
    /// draft by [`PersonDraft::set_near`]); `--within` read here (its error names the flag).
    fn draft_fields(&self) -> anyhow::Result<Vec<(&'static str, Value)>> {
        let mut fields: Vec<(&'static str, Value)> = Vec::new();
        let text = [
            ("id", &self.id),
            ("role", &self.role),
            ("stage", &self.stage),
            ("relationship", &self.relationship),
            ("family_aim", &self.family_aim),
            ("approach_preference", &self.prefers),
            ("approach_strict", &self.strict),
            ("format_preference", &self.attend),
            ("timezone", &self.timezone),
            ("gender", &self.gender),
            ("gender_specific", &self.gender_specific),
            ("age", &self.age),
            ("lgbtq", &self.lgbtq),
            ("veteran", &self.veteran),
            ("can_pay", &self.can_pay),
            ("primary_substance", &self.primary_substance),
            ("medication", &self.medication),
            ("goal", &self.goal),
            ("facilitation_preference", &self.facilitation),
            ("self_efficacy", &self.self_efficacy),
            ("readiness", &self.readiness),
            ("social_support", &self.social_support),
            ("network_supports_use", &self.network_supports_use),
        ];
        for (field, value) in text {
            if let Some(v) = value {
                fields.push((field, Value::from(v.as_str())));
            }
        }
        // `Sat,Sun 09:00-12:00` holds a comma: availability entries are split at `;` only.
        let lists = [
            ("availability", &self.available, ';'),
            ("languages", &self.languages, ','),
            ("audience_preference", &self.audience_preference, ','),
            ("needs", &self.needs, ','),
            ("risks", &self.risks, ','),
            ("substances", &self.substances, ','),
            ("prior", &self.prior, ','),
        ];
        for (field, values, sep) in lists {
            if !values.is_empty() {
                let list: Vec<Value> = items(values, sep).into_iter().map(Value::from).collect();
                fields.push((field, Value::Array(list)));
            }
        }
        if let Some(i) = fields.iter().position(|(f, _)| *f == "prior") {
            // The file form of `prior` is a list of {approach, outcome} objects.
            let mut objects = Vec::new();
            for item in fields[i].1.as_array().into_iter().flatten() {
                let (approach, outcome) = parse_prior(item.as_str().unwrap_or_default())
                    .map_err(|e| anyhow::anyhow!("--prior: {e}"))?;
                objects.push(serde_json::json!({
                    "approach": approach.as_str(), "outcome": outcome.as_str()
                }));
            }
            fields[i].1 = Value::Array(objects);
        }
        if let Some(within) = &self.within {
            let km = parse_travel_km(within).map_err(|e| anyhow::anyhow!("--within: {e}"))?;
            fields.push(("max_travel_km", km.into()));
        }
        Ok(fields)
    }

    /// The draft: the file's fields (when `file` is given) with the flags' over them.
    pub fn draft(&self, file: Option<&Path>) -> anyhow::Result<PersonDraft> {
        let draft = match file {
            Some(path) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                PersonDraft::from_json(&bytes, &path.display().to_string())?
            }
            None => PersonDraft::new(),
        };
        self.over(draft)
    }

    /// The person of the row of the waitlist at `path` whose id is `--id`, as a draft with the
    /// flags over it (as over a person file), and the label its messages name it by.
    pub fn draft_from_waitlist(&self, path: &Path) -> anyhow::Result<(PersonDraft, String)> {
        let Some(id) = &self.id else {
            anyhow::bail!("--waitlist needs --id ID: the id of the row to rank");
        };
        let person = waitlist_person(path, id)?;
        let label = format!("{} (row {id})", path.display());
        let draft = PersonDraft::from_json(&serde_json::to_vec(&person)?, &label)?;
        Ok((self.over(draft)?, label))
    }

    /// `draft` with the flags' fields set over it.
    fn over(&self, mut draft: PersonDraft) -> anyhow::Result<PersonDraft> {
        for (field, value) in self.draft_fields()? {
            draft.set(field, value);
        }
        if let Some(near) = &self.near {
            draft
                .set_near(near)
                .map_err(|e| anyhow::anyhow!("--near: {e}"))?;
        }
        Ok(draft)
    }
}

/// The person of the row of the waitlist at `path` (`.csv` or `.jsonl`) whose id is `id`: an
/// error naming the closest ids when no row has it, or listing the row's problems when it cannot
/// be read (other rows may be bad). The file's warnings are not printed: most are about other
/// people, whose fields are not to be shown (`rank` warns about this person's own when it reads
/// the row as a person file).
pub fn waitlist_person(path: &Path, id: &str) -> anyhow::Result<Person> {
    let label = path.display().to_string();
    let rows = read_waitlist_rows(path)?.value;
    Ok(find_waitlist_entry(rows, id, &label)?.person)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_flags_split_at_commas_and_availability_at_semicolons() {
        let flags = PersonFlags {
            available: vec!["Sat,Sun 09:00-12:00; weekday evenings".into()],
            needs: vec!["childcare, wheelchair".into(), "asl".into()],
            prior: vec!["twelve_step:helped".into()],
            ..PersonFlags::default()
        };
        let fields = flags.draft_fields().unwrap();
        let get = |name| &fields.iter().find(|(f, _)| *f == name).unwrap().1;
        assert_eq!(
            get("availability"),
            &serde_json::json!(["Sat,Sun 09:00-12:00", "weekday evenings"])
        );
        assert_eq!(
            get("needs"),
            &serde_json::json!(["childcare", "wheelchair", "asl"])
        );
        assert_eq!(
            get("prior"),
            &serde_json::json!([{"approach": "twelve_step", "outcome": "helped"}])
        );
    }
}
