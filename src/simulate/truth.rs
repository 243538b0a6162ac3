//! The simulator's ground truth: the true chance that a person is still attending a group at
//! 90 days.
//!
//! Each effect's direction comes from `shared/EVIDENCE.md`; its size is an **assumption**: the
//! ranges of EVIDENCE section 2c are engineering choices that give a direction only, and many
//! effects have no size there at all (`docs/simulation.md` marks each). Effects the literature
//! does not show are left out: no advantage of dual-focus groups in retention (D1: retention did
//! not differ), no penalty for a fellowship of another substance (drug-dependent patients
//! attending AA did as well as those attending NA: Kelly, Greene & Bergman 2014,
//! `docs/evidence.md`), and no penalty for a spiritual or religious person at a secular group (no
//! study). Some effects are deliberately *not* linear
//! in the model's features, so a linear model can only approximate them and the oracle is a real
//! ceiling: schedule fit saturates exponentially, distance acts as a smooth threshold around
//! 16 km (10 miles), the online penalty is smaller for people for whom in-person is hard, the
//! age-matching bonus fades with recovery stage, childcare matters more than other needs, and
//! every group has an unobserved quality (cohesion) that no feature sees. Interactions are kept
//! small, as Project MATCH found matching effects to be (EVIDENCE caveat 3).

use serde::{Deserialize, Serialize};

use crate::domain::vocab::{
    Approach, Audience, Facilitation, Gender, GenderSpecific, Need, Orientation, PriorOutcome,
    ReferralType, SocialSupport, Stage,
};
use crate::eligibility::YOUNG_PEOPLE_MAX_AGE;
use crate::engagement::model::sigmoid;
use crate::features::centred;
use crate::pair::{Attendance, Pair};

/// Every parameter of the ground truth (log-odds unless stated). Stored in `simulation.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    /// Logit for a person with average readiness and confidence at an average group.
    pub intercept: f64,
    /// Per unit of centred readiness ((r - 5.5) / 4.5): M5, the strongest prognostic predictor
    /// (PMRG 1998). Size an assumption: M5 gives the ranking of predictors, not a size.
    pub readiness: f64,
    /// Per unit of centred self-efficacy: M5 (size an assumption).
    pub self_efficacy: f64,
    /// Low social support: S5/M1 give the direction only; size an assumption.
    pub low_social_support: f64,
    /// Women attend longer: OR 1.1, an assumption: EVIDENCE 2c suggests 1.1-1.3, Witbrodt 2012
    /// gives the direction only.
    pub woman: f64,
    /// Exploring (not yet committed): lower engagement (assumption; direction as S2, M5).
    pub exploring: f64,
    /// Secular preference and a spiritual group: OR 0.6, an assumption: EVIDENCE 2c, Tonigan
    /// 2002 gives the direction only (atheists and agnostics attended AA less).
    pub secular_at_spiritual: f64,
    /// Secular preference and a religious group: the same assumed size as at a spiritual group,
    /// since no study compares religious groups (EVIDENCE F7; Tonigan 2002 studied AA).
    pub secular_at_religious: f64,
    /// Religious preference and a spiritual (non-religious) group, or the reverse (assumption;
    /// no study).
    pub spiritual_religious_mismatch: f64,
    /// Preferred orientation matched: OR 1.1, an assumption: EVIDENCE 2c suggests 1.0-1.2,
    /// Zemore 2017/2018 give the direction only.
    pub orientation_match: f64,
    /// Ceiling of the schedule effect: `schedule_max * (1 - exp(-schedule_rate * sessions))`
    /// (assumption: T1 supports weekly attendance, F3 found no study of schedule fit).
    pub schedule_max: f64,
    /// Rate of the schedule saturation.
    pub schedule_rate: f64,
    /// Largest distance penalty beyond ~10 miles (about 16 km): OR 0.6, an assumption: EVIDENCE
    /// 2c suggests 0.6-0.8, Fortney 1998 and Klinger 2018 give the direction only.
    pub distance_max: f64,
    /// Distance (km) at which half the distance penalty applies.
    pub distance_mid_km: f64,
    /// Width (km) of the distance threshold.
    pub distance_width_km: f64,
    /// Attending online: OR 0.65, an assumption: EVIDENCE 2c suggests 0.6-0.7, the PAL analysis
    /// gives the direction only (less involvement online).
    pub online: f64,
    /// Attending online when in person is hard (childcare or wheelchair needs): F1 suggests
    /// online there; size an assumption.
    pub online_when_access_hard: f64,
    /// Early stage and a beginner-friendly group (assumption; T1/T3 are about early attendance,
    /// not about a group's welcome).
    pub beginner_early: f64,
    /// Early stage and a professionally led group (assumption; F5 finds no advantage of
    /// professional leadership).
    pub professional_early: f64,
    /// Sustained recovery and a professionally led group (assumption).
    pub professional_sustained: f64,
    /// Facilitation preference met (assumption: preference fit).
    pub facilitation_match: f64,
    /// Facilitation preference not met (assumption: preference fit).
    pub facilitation_mismatch: f64,
    /// A woman wanting a gender-specific group, at a women's group: OR 1.2, an assumption:
    /// EVIDENCE 2c suggests 1.1-1.2, the G1 trials give satisfaction and affiliation up, outcomes
    /// equal, no retention size.
    pub women_group_for_woman: f64,
    /// Anyone else wanting a gender-specific group, at one for them (assumption).
    pub gender_group_other: f64,
    /// A young person at a young people's group in the first months (exploring, in treatment,
    /// under 90 days): OR 1.28, an assumption: EVIDENCE 2c suggests 1.2-1.3, Y1 (Kelly 2005,
    /// Labbe 2013) gives the direction only.
    pub young_matched_early: f64,
    /// The same later in recovery, where the bonus fades to about OR 1.0 (direction: Labbe
    /// 2013; size an assumption).
    pub young_matched_later: f64,
    /// Co-occurring condition and a traditional 12-step group: OR 0.8, an assumption: EVIDENCE
    /// 2c, Kelly, McKellar & Moos 2003 (D2) give the direction only (less social involvement).
    /// A dual-focus group has no term of its own: in D1, retention did not differ.
    pub co_occurring_at_12step: f64,
    /// Childcare needed and offered (assumption; F1 names childcare as a barrier).
    pub childcare_covered: f64,
    /// Per share of the other needs covered (assumption).
    pub needs_covered: f64,
    /// Multilingual person and a group in their main language (assumption; E1 is weak and has
    /// no size).
    pub main_language: f64,
    /// The approach helped before (assumption).
    pub prior_helped: f64,
    /// The approach was disliked before (assumption).
    pub prior_disliked: f64,
    /// Network that drinks or uses, and a 12-step group: OR 1.28, an assumption: EVIDENCE 2c
    /// suggests 1.2-1.3, Longabaugh 1998 (M1) gives the direction only.
    pub network_12step: f64,
    /// A warm handoff (the person introduced to a member) rather than a list: OR 1.49, the size
    /// Timko & DeBenedetti 2007 give for weekly-or-more attendance (70% vs 61%; EVIDENCE F4,
    /// verified). Added to a placement's logit by the simulator, not by the pair's logit, since
    /// it is a fact about the referral, not the pair.
    pub warm_handoff: f64,
    /// Share of simulated placements made with a warm handoff (assumption: no study gives how
    /// often staff make one).
    pub warm_handoff_share: f64,
    /// LGBTQ+ person at an LGBTQ+ group (assumption; L1 is weak and has no size).
    pub lgbtq_group: f64,
    /// Veteran at a veterans' group (assumption; no study).
    pub veteran_group: f64,
    /// Standard deviation of each group's unobserved quality (cohesion, F6; size an assumption).
    pub group_effect_sd: f64,
}

impl Default for Truth {
    fn default() -> Truth {
        Truth {
            intercept: -0.88,
            readiness: 0.60,
            self_efficacy: 0.50,
            low_social_support: -0.25,
            woman: 0.10,
            exploring: -0.30,
            secular_at_spiritual: -0.51,
            secular_at_religious: -0.51,
            spiritual_religious_mismatch: -0.15,
            orientation_match: 0.10,
            schedule_max: 0.90,
            schedule_rate: 0.70,
            distance_max: -0.50,
            distance_mid_km: 16.0,
            distance_width_km: 4.0,
            online: -0.43,
            online_when_access_hard: -0.10,
            beginner_early: 0.25,
            professional_early: 0.15,
            professional_sustained: -0.10,
            facilitation_match: 0.15,
            facilitation_mismatch: -0.35,
            women_group_for_woman: 0.18,
            gender_group_other: 0.05,
            young_matched_early: 0.25,
            young_matched_later: 0.05,
            co_occurring_at_12step: -0.22,
            childcare_covered: 0.45,
            needs_covered: 0.20,
            main_language: 0.20,
            prior_helped: 0.50,
            prior_disliked: -0.70,
            network_12step: 0.25,
            warm_handoff: 0.40,
            warm_handoff_share: 0.30,
            lgbtq_group: 0.20,
            veteran_group: 0.20,
            group_effect_sd: 0.10,
        }
    }
}

impl Truth {
    /// The true logit of a pair, given the group's unobserved quality `group_effect`.
    pub(crate) fn logit(&self, pair: &Pair, group_effect: f64) -> f64 {
        let (person, group, facts) = (pair.person, pair.group, &pair.facts);
        let mut z = self.intercept + group_effect;
        z += self.readiness * centred(person.readiness)
            + self.self_efficacy * centred(person.self_efficacy);
        if person.social_support == Some(SocialSupport::Low) {
            z += self.low_social_support;
        }
        if person.gender == Gender::Woman {
            z += self.woman;
        }
        if person.stage == Some(Stage::Exploring) {
            z += self.exploring;
        }
        if let Some(wanted) = person.approach_preference.orientation() {
            use Orientation::*;
            z += match (wanted, group.orientation) {
                (a, b) if a == b => self.orientation_match,
                (Secular, Spiritual) => self.secular_at_spiritual,
                (Secular, Religious) => self.secular_at_religious,
                // No study shows a spiritual or religious person engaging less at a secular
                // group, so there is no term.
                (_, Secular) => 0.0,
                _ => self.spiritual_religious_mismatch,
            };
        }
        z += self.schedule_max * (1.0 - libm::exp(-self.schedule_rate * facts.sessions_per_week()));
        if let Some(d) = facts.distance_km {
            z += self.distance_max
                / (1.0 + libm::exp(-(d - self.distance_mid_km) / self.distance_width_km));
        }
        if facts.attendance == Attendance::Online {
            let hard =
                person.needs.contains(&Need::Childcare) || person.needs.contains(&Need::Wheelchair);
            z += if hard {
                self.online_when_access_hard
            } else {
                self.online
            };
        }
        let professional = group.facilitation == Facilitation::Professional;
        if person.in_early_recovery() {
            if group.beginner_friendly {
                z += self.beginner_early;
            }
            if professional {
                z += self.professional_early;
            }
        } else if person.stage == Some(Stage::Sustained) && professional {
            z += self.professional_sustained;
        }
        if let Some(w) = person.facilitation_preference.facilitation() {
            z += if group.facilitation == w {
                self.facilitation_match
            } else {
                self.facilitation_mismatch
            };
        }
        let gender_specific_group = person
            .gender
            .own_audience()
            .is_some_and(|a| group.audience.contains(&a));
        if person.gender_specific != GenderSpecific::No && gender_specific_group {
            z += if person.gender == Gender::Woman {
                self.women_group_for_woman
            } else {
                self.gender_group_other
            };
        }
        if person.age.is_some_and(|a| a <= YOUNG_PEOPLE_MAX_AGE)
            && group.audience.contains(&Audience::YoungPeople)
        {
            z += if person.in_early_recovery() {
                self.young_matched_early
            } else {
                self.young_matched_later
            };
        }
        if person.needs.contains(&Need::CoOccurring)
            && group.approach == Approach::TwelveStep
            && !group.is_dual_focus()
        {
            z += self.co_occurring_at_12step;
        }
        if person.needs.contains(&Need::Childcare) && group.covers(Need::Childcare) {
            z += self.childcare_covered;
        }
        let others: Vec<Need> = person
            .needs
            .iter()
            .copied()
            .filter(|n| !matches!(n, Need::CoOccurring | Need::Wheelchair | Need::Childcare))
            .collect();
        if !others.is_empty() {
            let covered = others.iter().filter(|n| group.covers(**n)).count();
            z += self.needs_covered * covered as f64 / others.len() as f64;
        }
        if person.languages.len() > 1 && group.languages.contains(&person.languages[0]) {
            z += self.main_language;
        }
        match person.prior_outcome(group.approach) {
            Some(PriorOutcome::Helped) => z += self.prior_helped,
            Some(PriorOutcome::Disliked) => z += self.prior_disliked,
            _ => {}
        }
        if person.network_supports_use == Some(true) && group.approach == Approach::TwelveStep {
            z += self.network_12step;
        }
        if person.is_lgbtq() && group.audience.iter().any(|a| a.is_lgbtq()) {
            z += self.lgbtq_group;
        }
        if person.veteran && group.audience.contains(&Audience::Veterans) {
            z += self.veteran_group;
        }
        z
    }

    /// The true probability of a pair: sigmoid of [`Truth::logit`].
    pub(crate) fn probability(&self, pair: &Pair, group_effect: f64) -> f64 {
        sigmoid(self.logit(pair, group_effect))
    }

    /// The true probability of a placement of the pair made by `referral`: a warm handoff adds
    /// [`Truth::warm_handoff`] to the logit.
    pub(crate) fn placement_probability(
        &self,
        pair: &Pair,
        group_effect: f64,
        referral: ReferralType,
    ) -> f64 {
        let handoff = match referral {
            ReferralType::WarmHandoff => self.warm_handoff,
            ReferralType::List => 0.0,
        };
        sigmoid(self.logit(pair, group_effect) + handoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{group, now, person};

    fn p(t: &Truth, person: &crate::Person, g: &crate::Group) -> f64 {
        t.probability(&Pair::at(person, g, now()), 0.0)
    }

    /// A secular SMART Recovery group.
    fn smart(id: &str) -> crate::Group {
        let mut g = group(id);
        g.approach = Approach::SmartRecovery;
        g.orientation = Orientation::Secular;
        g
    }

    /// The test person with a secular preference.
    fn secular_person() -> crate::Person {
        let mut person = person();
        person.approach_preference = crate::ApproachPreference::Secular;
        person
    }

    #[test]
    fn schedule_effect_saturates() {
        let t = Truth::default();
        let person = person();
        let mut g = group("g");
        g.sessions.truncate(1);
        let one = p(&t, &person, &g);
        g.sessions = ["Mon", "Tue", "Wed"]
            .iter()
            .map(|d| format!("{d} 19:00-20:00").parse().unwrap())
            .collect();
        let three = p(&t, &person, &g);
        g.sessions = ["Mon", "Tue", "Wed", "Thu", "Fri"]
            .iter()
            .map(|d| format!("{d} 19:00-20:00").parse().unwrap())
            .collect();
        let five = p(&t, &person, &g);
        assert!(three > one && five > three);
        assert!(five - three < three - one, "diminishing returns");
    }

    #[test]
    fn distance_acts_as_a_threshold() {
        let t = Truth::default();
        let person = person();
        let at = |km: f64| {
            let mut g = group("g");
            g.location = Some(crate::GeoPoint::new(39.9526 + km / 111.2, -75.1652).unwrap());
            p(&t, &person, &g)
        };
        assert!(
            at(2.0) - at(6.0) < at(10.0) - at(14.0),
            "steepest around the threshold"
        );
    }

    #[test]
    fn secular_people_engage_less_at_spiritual_groups() {
        let t = Truth::default();
        let person = secular_person();
        let spiritual = group("g");
        assert!(p(&t, &person, &smart("s")) > p(&t, &person, &spiritual));
    }

    #[test]
    fn a_dual_focus_group_has_no_retention_advantage() {
        // D1: in the cited quasi-experiment, retention did not differ.
        let t = Truth::default();
        let mut person = person();
        person.needs = vec![Need::CoOccurring];
        let plain = smart("g");
        let mut dual = plain.clone();
        dual.focus = vec![Need::CoOccurring];
        assert_eq!(p(&t, &person, &dual), p(&t, &person, &plain));
        dual.focus.clear();
        dual.approach = Approach::DualRecovery;
        assert_eq!(p(&t, &person, &dual), p(&t, &person, &plain));
    }

    #[test]
    fn a_fellowship_for_another_substance_has_no_penalty() {
        // Kelly, Greene & Bergman 2014: drug-dependent patients attending AA did as well.
        let t = Truth::default();
        let mut person = person();
        person.substances = vec![crate::Substance::Opioids];
        let any = group("g");
        let mut alcohol = any.clone();
        alcohol.substances = vec![crate::Substance::Alcohol];
        assert_eq!(p(&t, &person, &alcohol), p(&t, &person, &any));
    }

    #[test]
    fn a_spiritual_or_religious_person_has_no_penalty_at_a_secular_group() {
        let t = Truth::default();
        let secular = smart("s");
        let none = p(&t, &person(), &secular);
        for pref in [
            crate::ApproachPreference::Spiritual,
            crate::ApproachPreference::Religious,
        ] {
            let mut person = person();
            person.approach_preference = pref;
            assert_eq!(p(&t, &person, &secular), none, "{pref}");
        }
    }

    #[test]
    fn secular_people_at_religious_and_spiritual_groups_alike() {
        // No study compares religious groups (F7): the assumed size at a spiritual group is used.
        let t = Truth::default();
        let person = secular_person();
        let spiritual = group("g");
        let mut religious = group("r");
        religious.orientation = Orientation::Religious;
        assert_eq!(p(&t, &person, &religious), p(&t, &person, &spiritual));
    }
}
