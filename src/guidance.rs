//! What staff tell the person beyond the scores: the next step for each suggested group, what to
//! know before going, and where to look when the directory's groups are not for them.
//!
//! None of this changes a score. The next step comes first because the strongest evidence on
//! attendance is about linkage, not about which group: introducing the person to a member (a
//! warm handoff) raised weekly attendance from 61% to 70% in a randomised trial (EVIDENCE F4,
//! Timko & DeBenedetti 2007).

use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::{Medication, MedicationStance, Requirement, Role};

/// The line for a person under 18, whose ranking leaves out groups for adults (exclusion code
/// `age`); `None` for anyone else.
///
/// ```
/// let mut person: groupmatch::Person = serde_json::from_str(r#"{"id": "p1", "stage": "early",
///     "approach_preference": "secular", "format_preference": "online",
///     "availability": ["Mon 18:00-22:00"], "timezone": "UTC", "age": 16}"#).unwrap();
/// assert!(groupmatch::guidance::under_18(&person).unwrap().contains("Youth programmes"));
/// person.age = Some(18);
/// assert_eq!(groupmatch::guidance::under_18(&person), None);
/// ```
pub fn under_18(person: &Person) -> Option<String> {
    if !person.is_minor() {
        return None;
    }
    let line = match person.role {
        Role::InRecovery => {
            "Under 18: groups for adults are not for you, so only groups that take people under \
             18 are listed. Youth programmes are the place to look: ask a school counsellor or \
             a doctor, or SAMHSA's National Helpline, 1-800-662-4357 (free, 24/7), for services \
             for young people."
        }
        Role::FamilyMember => {
            "Under 18: groups for adults are not for you, so only groups that take people under \
             18 are listed. Alateen is the family group for young people (13 to 19): \
             al-anon.org lists its meetings."
        }
    };
    Some(line.to_string())
}

/// The steps before the first session with `group`: contacting its newcomer contact, and the
/// referral, intake or insurance it requires. Text from the directory is data: callers escape it
/// where it reaches a terminal.
pub(crate) fn next_steps(group: &Group) -> Vec<String> {
    let mut steps = Vec::new();
    if let Some(contact) = &group.newcomer_contact {
        steps.push(format!(
            "Newcomer contact: {contact}. Meeting a member before the first session raised \
             attendance in trials"
        ));
    }
    if !group.requires.is_empty() {
        let each: Vec<&str> = group
            .requires
            .iter()
            .map(|r| match r {
                Requirement::Referral => "a referral from a clinician or programme",
                Requirement::Intake => "an intake appointment",
                Requirement::Insurance => "insurance cover (check it)",
            })
            .collect();
        steps.push(format!(
            "Needed before the first session: {}",
            each.join(", ")
        ));
    }
    steps
}

/// What the person should know before going to `group`: for a person on medication for opioid
/// use disorder, what the group says about it (welcoming, or not stated: ask first).
pub(crate) fn notes(person: &Person, group: &Group) -> Vec<String> {
    let mut notes = Vec::new();
    if person.medication != Medication::None {
        match group.medication_stance {
            MedicationStance::Welcoming => notes.push(format!(
                "Welcomes members on medication such as {}",
                person.medication
            )),
            MedicationStance::Unknown => notes.push(
                "Stance on medication not published (some NA meetings limit sharing by members \
                 on methadone or buprenorphine): ask first"
                    .to_string(),
            ),
            // Such a group is excluded for methadone and buprenorphine; naltrexone is not
            // what those limits are about.
            MedicationStance::LimitsSharing => notes.push(
                "Limits sharing by members on methadone or buprenorphine (not naltrexone); ask \
                 first"
                    .to_string(),
            ),
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{group, person};

    #[test]
    fn a_newcomer_contact_and_requirements_are_next_steps() {
        let mut g = group("g");
        assert!(next_steps(&g).is_empty());
        g.newcomer_contact = Some("phone 215-555-0142".into());
        g.requires = vec![Requirement::Referral, Requirement::Intake];
        assert_eq!(
            next_steps(&g),
            [
                "Newcomer contact: phone 215-555-0142. Meeting a member before the first \
                 session raised attendance in trials",
                "Needed before the first session: a referral from a clinician or programme, an \
                 intake appointment"
            ]
        );
    }

    #[test]
    fn medication_notes_are_for_people_on_medication_only() {
        let mut p = person();
        let mut g = group("g");
        assert!(notes(&p, &g).is_empty());
        p.medication = Medication::Buprenorphine;
        assert!(notes(&p, &g)[0].contains("not published"));
        g.medication_stance = MedicationStance::Welcoming;
        assert_eq!(
            notes(&p, &g),
            ["Welcomes members on medication such as buprenorphine"]
        );
        p.medication = Medication::Naltrexone;
        g.medication_stance = MedicationStance::LimitsSharing;
        assert!(notes(&p, &g)[0].contains("not naltrexone"));
    }

    #[test]
    fn only_people_under_18_get_the_line_and_family_members_hear_of_alateen() {
        let mut p = person();
        assert_eq!(under_18(&p), None);
        p.age = None;
        assert_eq!(under_18(&p), None);
        p.age = Some(17);
        assert!(under_18(&p).unwrap().contains("1-800-662-4357"));
        p.role = Role::FamilyMember;
        assert!(under_18(&p).unwrap().contains("Alateen"));
    }
}
