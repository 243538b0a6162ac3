//! An upper bound on a pair's logit from a few lookups, so that batch matching scores in full
//! only the groups that can still reach a person's best ones.
//!
//! A pair's logit is the model's terms plus the adjustments of the rules that fire. The bound
//! takes:
//!
//! - the model's terms that read only the person and the group's attributes, exactly: they are
//!   the same for groups that share those attributes, so they are computed once per person for
//!   each such class of groups ([`GroupTable`]), by the features themselves;
//! - the terms that read the pair's facts ([`crate::Feature::reads_pair_facts`]) with the
//!   sessions fitting counted exactly (a table lookup each), but the travel distance at its
//!   lower bound, the straight-line (chord) distance, and for a hybrid group that the person
//!   could join either way, the better way. A room whose chord is beyond the travel limit is out
//!   of reach for sure: the pair is not eligible, or, for a hybrid group, joined online;
//! - the rules still possible for the person and the group ([`PersonRules::bound_at`]): a rule
//!   decided without the pair's facts adds its adjustment (or certainly excludes the group), one
//!   that also reads pair facts adds its adjustment when positive. Whether the parts of rules'
//!   conditions that read only the group hold, and what the parts that read the person and the
//!   group together read of the group ([`GroupMasks::kind`]), are part of its class, so this too
//!   is computed once per class.
//!
//! So no eligible pair's logit exceeds its bound, but for rounding in the order of the sums, far
//! below [`MARGIN`]; a property test checks it on random people, groups and rules.

use std::collections::HashMap;

use crate::domain::geo::{chord_km, UnitVector};
use crate::domain::group::Group;
use crate::domain::person::Person;
use crate::domain::vocab::{Format, FormatPreference};
use crate::engagement::model::EngagementModel;
use crate::features::{self, Feature, GroupTraits};
use crate::pair::{Attendance, Pair, PairFacts, HORIZON_WEEKS};
use crate::rules::{GroupMasks, PersonRules};

/// Added to a bound before it is compared with an exact logit: far more than the rounding of
/// either sum (about 1e-15 of terms of order 1), far less than any difference that matters.
pub(crate) const MARGIN: f64 = 1e-6;

/// What bounding reads of each group of a directory, packed so that a pass over thousands of
/// groups per person stays in cache: its class of equal attributes for the model (everything
/// but the pair's facts) and for the rules (whether the group-only parts of their conditions
/// hold), its format and its meeting place as a point for chord distances. Built
/// once per directory and rule set.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupTable {
    /// What is read of each group, by group.
    groups: Vec<Packed>,
    /// The first group of each class, by class.
    representative: Vec<u32>,
    /// What the features read of each class's groups, by class: these lie together, so the
    /// class terms of thousands of classes per person are read from few cache lines.
    traits: Vec<GroupTraits>,
}

/// What a pass over a person's candidates reads of one group, in 32 bytes.
#[derive(Debug, Clone, Copy)]
struct Packed {
    /// Its room on the unit sphere, when `has_room`.
    room: UnitVector,
    /// Its class.
    class: u32,
    format: Format,
    /// Whether it has a room with coordinates.
    has_room: bool,
}

impl Packed {
    /// Its room on the unit sphere, when it has one with coordinates.
    fn room(&self) -> Option<UnitVector> {
        self.has_room.then_some(self.room)
    }
}

/// What the model's features read of a group, besides the pair's facts (its traits and
/// languages), and which rules' group-only conditions it passes.
#[derive(PartialEq, Eq, Hash)]
struct Attributes<'g> {
    traits: GroupTraits,
    languages: &'g [crate::Language],
    rules: Vec<bool>,
    /// Its kind as the rules' person-and-group parts read groups ([`GroupMasks::kind`]).
    kind: u32,
}

impl GroupTable {
    /// Packs a directory, whose groups have `traits` ([`GroupTraits::of`] each) and pass the
    /// group-only parts of the rules' conditions as `masks` (of the rule set the bounds will
    /// use) say.
    pub(crate) fn new(groups: &[Group], traits: &[GroupTraits], masks: &GroupMasks) -> GroupTable {
        let mut classes: HashMap<Attributes, u32> = HashMap::new();
        let mut table = GroupTable::default();
        for (i, (g, traits)) in groups.iter().zip(traits).enumerate() {
            let next = classes.len() as u32;
            let attributes = Attributes {
                traits: *traits,
                languages: &g.languages,
                rules: masks.of(i).collect(),
                kind: masks.kind(i),
            };
            let class = *classes.entry(attributes).or_insert(next);
            if class == next {
                table.representative.push(i as u32);
                table.traits.push(*traits);
            }
            let room = g
                .location
                .filter(|_| g.format != Format::Online)
                .map(|p| p.unit_vector());
            table.groups.push(Packed {
                room: room.unwrap_or_default(),
                class,
                format: g.format,
                has_room: room.is_some(),
            });
        }
        table
    }

    /// How many classes there are.
    #[cfg(test)]
    fn classes(&self) -> usize {
        self.representative.len()
    }
}

/// Sessions fitting that the fact terms are cached for (below this many); more are computed
/// each time.
const CACHED_SESSIONS: usize = 8 * HORIZON_WEEKS as usize;

/// The bound for one person, with its per-class and per-fact terms cached as they are met.
pub(crate) struct PersonBound<'a> {
    person: &'a Person,
    /// The directory.
    groups: &'a [Group],
    /// The engagement model.
    model: &'a EngagementModel,
    /// The engine's directory as bounding reads it.
    table: &'a GroupTable,
    /// The engine's rules narrowed to the person, with the directory's masks.
    rules: &'a PersonRules<'a>,
    home: Option<UnitVector>,
    /// [`PersonBound::class_terms`] by class; NaN until computed.
    classes: Vec<f64>,
    /// The model's fact terms by attendance (in person, online), whether the distance is known
    /// (at 0 km) and sessions fitting; NaN until computed.
    facts: [[[f64; CACHED_SESSIONS]; 2]; 2],
    /// The model's weight per km of travel.
    per_km: f64,
}

impl<'a> PersonBound<'a> {
    /// The bound for `person` with an engine's `groups` (as `table`, made from them), `model`
    /// and rules (narrowed to the person as `rules`, with the directory's masks).
    pub(crate) fn new(
        groups: &'a [Group],
        model: &'a EngagementModel,
        table: &'a GroupTable,
        person: &'a Person,
        rules: &'a PersonRules<'a>,
    ) -> PersonBound<'a> {
        PersonBound {
            person,
            groups,
            model,
            table,
            rules,
            home: person.location.map(|p| p.unit_vector()),
            classes: vec![f64::NAN; table.representative.len()],
            facts: [[[f64::NAN; CACHED_SESSIONS]; 2]; 2],
            per_km: model.weight(Feature::Distance10km) / 10.0,
        }
    }

    /// An upper bound on the logit of the pair with group `g`, of whose sessions `sessions`
    /// fit the person's availability ([`PairFacts::sessions_fitting`]), if it can be eligible;
    /// `None` when no session fits, the room is certainly out of reach for someone who must go,
    /// or a rule certainly excludes it.
    pub(crate) fn logit(&mut self, g: usize, sessions: u32) -> Option<f64> {
        if sessions == 0 {
            return None;
        }
        let table = self.table;
        let packed = &table.groups[g];
        let class = packed.class as usize;
        if self.classes[class].is_nan() {
            self.classes[class] = self.class_terms(class);
        }
        if self.classes[class] == f64::NEG_INFINITY {
            // A rule excludes every group of the class.
            return None;
        }
        // At least this far, when the pair's distance is known (both places, and a room).
        let chord = match (self.home, packed.room()) {
            (Some(home), Some(room)) => Some(chord_km(&home, &room)),
            _ => None,
        };
        // Then farther than the travel limit (allowing for rounding), for sure.
        let too_far = chord
            .map(|km| (km, self.person.travel_limit_km()))
            .is_some_and(|(km, max)| km > max * (1.0 + 1e-9) + 1e-9);
        let (in_person, online) = match (packed.format, self.person.format_preference) {
            (Format::InPerson, _) | (Format::Hybrid, FormatPreference::InPerson) => (true, false),
            (Format::Online, _) | (Format::Hybrid, FormatPreference::Online) => (false, true),
            // Joined in person only when the room is known and not too far.
            (Format::Hybrid, FormatPreference::Either) => (chord.is_some() && !too_far, true),
        };
        let mut best = f64::NEG_INFINITY;
        if in_person {
            if too_far {
                // Only someone who must go in person gets here with a room too far (a hybrid
                // group is then joined online): out of reach.
                return None;
            }
            best = self.fact_terms(g, Attendance::InPerson, chord.is_some(), sessions)
                + chord.map_or(0.0, |km| self.travel_bound(km));
        }
        if online {
            best = best.max(self.fact_terms(g, Attendance::Online, false, sessions));
        }
        Some(self.classes[class] + best)
    }

    /// The most the distance term adds beyond its value at 0 km, for a trip of at least
    /// `chord` km (and at most the travel limit, past which the pair is not eligible).
    fn travel_bound(&self, chord: f64) -> f64 {
        if self.per_km <= 0.0 {
            self.per_km * chord
        } else {
            self.per_km * self.person.travel_limit_km()
        }
    }

    /// For a class: the model's terms that do not read pair facts plus the intercept, plus the
    /// most the rules add; minus infinity when a rule certainly excludes its groups.
    fn class_terms(&self, class: usize) -> f64 {
        let representative = self.table.representative[class] as usize;
        let facts = PairFacts {
            attendance: Attendance::Online,
            distance_km: None,
            fitting_in_horizon: HORIZON_WEEKS,
        };
        let group = &self.groups[representative];
        let pair = Pair {
            person: self.person,
            group,
            facts,
        };
        let Some(rules) = self.rules.bound_at(representative, &pair) else {
            return f64::NEG_INFINITY;
        };
        let traits = &self.table.traits[class];
        terms(self.person, self.model, group, traits, &facts, false) + rules
    }

    /// The model's fact terms for group `g` attended as `attendance`, with the distance known
    /// (counted at 0 km) or not, and `sessions` fitting.
    #[inline]
    fn fact_terms(
        &mut self,
        g: usize,
        attendance: Attendance,
        located: bool,
        sessions: u32,
    ) -> f64 {
        let facts = PairFacts {
            attendance,
            distance_km: located.then_some(0.0),
            fitting_in_horizon: sessions,
        };
        let by_sessions =
            &self.facts[(attendance == Attendance::Online) as usize][located as usize];
        match by_sessions.get(sessions as usize) {
            Some(cached) if !cached.is_nan() => *cached,
            Some(_) => {
                let computed = self.computed_fact_terms(g, &facts);
                self.facts[(attendance == Attendance::Online) as usize][located as usize]
                    [sessions as usize] = computed;
                computed
            }
            None => self.computed_fact_terms(g, &facts),
        }
    }

    /// The model's fact terms for group `g` with `facts`, computed (a few times per person).
    #[cold]
    #[inline(never)]
    fn computed_fact_terms(&self, g: usize, facts: &PairFacts) -> f64 {
        let traits = &self.table.traits[self.table.groups[g].class as usize];
        terms(
            self.person,
            self.model,
            &self.groups[g],
            traits,
            facts,
            true,
        )
    }
}

/// The sum of the model's terms that read pair facts (`of_facts`), or of the others plus the
/// intercept, for `person` and `group` (whose traits are `traits`) if the facts about them were
/// `facts`.
fn terms(
    person: &Person,
    model: &EngagementModel,
    group: &Group,
    traits: &GroupTraits,
    facts: &PairFacts,
    of_facts: bool,
) -> f64 {
    // A pair as it could be, not as it is: the one place a pair is made without Pair::new.
    let pair = Pair {
        person,
        group,
        facts: *facts,
    };
    let x = features::compute_with(&pair, traits);
    let base = if of_facts { 0.0 } else { model.intercept() };
    Feature::ALL
        .iter()
        .zip(model.contributions(&x))
        .filter(|(f, _)| f.reads_pair_facts() == of_facts)
        .fold(base, |sum, (_, c)| sum + c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::model::ModelFile;
    use crate::engine::Engine;
    use crate::rules::RuleSet;
    use crate::simulate::{simulate, SimulationParams};
    use crate::testutil::now;

    /// Rules over every kind of fact: decided and undecided adjustments of both signs (one on a
    /// group fact the model does not read), a decided exclusion, an undecided one, and a
    /// condition mixing person and pair facts.
    const RULES: &str = r#"
[[rules]]
id = "two-sessions"
description = "d"
when = "pair.sessions_fitting_per_week >= 2"
adjust = 0.4
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "hybrid-online"
description = "d"
when = "pair.attendance == 'online' and group.format == 'hybrid'"
adjust = -0.3
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "near"
description = "d"
when = "pair.distance_km < 5 and group.facilitation == 'peer'"
adjust = 0.5
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "woman-or-near"
description = "d"
when = "person.gender == 'woman' or pair.distance_km < 3"
adjust = 0.3
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "professional"
description = "d"
when = "person.stage in ['early', 'first_year'] and group.facilitation == 'professional'"
adjust = 0.25
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "online-early"
description = "d"
when = "group.format == 'online' and person.stage != 'sustained'"
adjust = 0.2
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "no-religious"
description = "d"
when = "group.orientation == 'religious'"
exclude = true
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "first-language-within-ages"
description = "d"
when = "pair.main_language == true and person.age <= group.max_age"
adjust = 0.35
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "own-fellowship"
description = "d"
when = "pair.fellowship_of_main_substance == true"
adjust = 0.2
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "not-disliked"
description = "d"
when = "pair.prior_outcome == 'disliked' and pair.needs_covered < 0.5"
exclude = true
reason = "r"
cite = "c"
confidence = "weak"

[[rules]]
id = "not-far"
description = "d"
when = "pair.distance_km > 12"
exclude = true
reason = "r"
cite = "c"
confidence = "weak"

[references]
c = "A test."
"#;

    /// The prior model with coefficients drawn from `seed` in -1..1, and travel made attractive:
    /// a bound must hold for any model, not only for the shipped one's signs.
    fn random_model(seed: u64) -> EngagementModel {
        let mut file: ModelFile = EngagementModel::prior().file().clone();
        let mut state = seed;
        for c in file.coefficients.iter_mut() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *c = (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
        }
        file.coefficients[Feature::Distance10km as usize] = 0.4;
        EngagementModel::from_file(file, "random").unwrap()
    }

    /// The groups open, closed or unsaid by turns: the simulation leaves `closed` unsaid, and the
    /// model reads it (a substance mismatch counts only in a group not stated open).
    fn with_closed_varied(mut groups: Vec<Group>) -> Vec<Group> {
        for (i, g) in groups.iter_mut().enumerate() {
            g.closed = [None, Some(false), Some(true)][i % 3];
        }
        groups
    }

    fn engines(groups: &[Group]) -> Vec<Engine> {
        let rules = RuleSet::parse(RULES, "test").unwrap();
        vec![
            Engine::new(groups.to_vec(), EngagementModel::embedded_default())
                .unwrap()
                .with_rules(RuleSet::embedded_default()),
            Engine::new(groups.to_vec(), EngagementModel::prior())
                .unwrap()
                .with_rules(rules.clone()),
            Engine::new(groups.to_vec(), random_model(7))
                .unwrap()
                .with_rules(rules),
        ]
    }

    #[test]
    fn no_eligible_pair_scores_above_its_bound() {
        for seed in [3, 4] {
            let sim = simulate(&SimulationParams::new(seed, 120, 400, 10)).unwrap();
            let groups = with_closed_varied(sim.groups);
            for (e, engine) in engines(&groups).iter().enumerate() {
                let (mut pairs, mut gap) = (0, 0.0);
                for person in &sim.people {
                    let judged = engine.judge_all(person, now());
                    let mut bound = engine.person_bound(person, &judged.rules);
                    for s in &judged.scored {
                        let b = bound
                            .logit(s.index, s.pair.facts.fitting_in_horizon)
                            .expect("an eligible pair has a bound");
                        assert!(
                            s.logit <= b + 1e-9,
                            "{} {}: {} > {b}",
                            person.id,
                            s.index,
                            s.logit
                        );
                        pairs += 1;
                        gap += b - s.logit;
                    }
                }
                assert!(pairs > 1000, "{pairs} eligible pairs");
                // With the shipped model and rules, tight enough to prune: on average within a
                // few hundredths of the logit (0.016 and 0.027 for these seeds; 0.13 before the
                // rules' person-and-group parts were decided per class).
                let mean = gap / pairs as f64;
                assert!(e > 0 || mean < 0.05, "mean gap {mean}");
            }
        }
    }

    #[test]
    fn groups_of_one_class_share_what_the_model_and_the_rules_read_of_them() {
        let mut sim = simulate(&SimulationParams::new(5, 40, 400, 10)).unwrap();
        sim.groups = with_closed_varied(sim.groups);
        let model = random_model(11);
        let facts = PairFacts {
            attendance: Attendance::InPerson,
            distance_km: Some(3.0),
            fitting_in_horizon: 2 * HORIZON_WEEKS,
        };
        let rule_sets = [
            RuleSet::embedded_default(),
            RuleSet::parse(RULES, "test").unwrap(),
        ];
        for rule_set in &rule_sets {
            let masks = rule_set.group_masks(&sim.groups);
            let traits: Vec<GroupTraits> = sim.groups.iter().map(GroupTraits::of).collect();
            let table = GroupTable::new(&sim.groups, &traits, &masks);
            assert!(table.classes() < sim.groups.len(), "{}", table.classes());
            for person in &sim.people {
                let rules = rule_set.for_person_in(person, &masks);
                for (g, group) in sim.groups.iter().enumerate() {
                    let class = table.groups[g].class as usize;
                    let r = table.representative[class] as usize;
                    assert_eq!(
                        terms(person, &model, group, &traits[g], &facts, false),
                        terms(
                            person,
                            &model,
                            &sim.groups[r],
                            &table.traits[class],
                            &facts,
                            false
                        ),
                        "{} and {}",
                        group.id,
                        sim.groups[r].id
                    );
                    assert_eq!(
                        rules.bound_at(g, &Pair::at(person, group, now())),
                        rules.bound_at(r, &Pair::at(person, &sim.groups[r], now())),
                        "{} and {}",
                        group.id,
                        sim.groups[r].id
                    );
                }
            }
        }
    }
}
