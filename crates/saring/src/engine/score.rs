//! Scoring: per-rule results → score, `max_score`, family subtotals and the outcome.
//!
//! One pure function for every caller (the explained decision, the unexplained summary and
//! the back-test's what-if scores), so they cannot disagree:
//!
//! 1. Each active rule that fired adds its weight to its family's subtotal (a rule without a
//!    `family` is its own, uncapped contribution).
//! 2. A family's subtotal is capped at `[outcomes] family_cap.<family>`; the **score** is the
//!    sum of the capped subtotals.
//! 3. **`max_score`** is the same sum if every active rule that could not be decided
//!    (missing data) had fired — the most the missing data could add (rules with a negative
//!    weight are left out, as they could only lower it).
//! 4. The thresholds give `clear`, `review` or `refer` ([`Outcomes::outcome`]); `refer` with
//!    hits from fewer than `refer_min_families` families is capped at `review`; a `clear`
//!    whose `max_score` reaches `review` is `incomplete` when `[outcomes] incomplete =
//!    "outcome"`.

use crate::decision::Outcome;
use crate::limits::MAX_FAMILIES;
use crate::pack::{IncompleteMode, Outcomes, RuleStatus};

/// What one rule did on one record, as scoring sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleOutcome {
    /// The condition was true.
    Hit,
    /// The condition was false.
    Miss,
    /// The condition could not be decided (missing data or a runtime error).
    Incomplete,
    /// Not evaluated (disabled).
    Skipped,
}

/// What scoring needs to know about one rule.
#[derive(Debug, Clone, Copy)]
struct ScoredRule {
    weight: i64,
    status: RuleStatus,
    /// Index into [`Scoring::families`].
    family: Option<u8>,
}

/// An indicator family and its cap.
#[derive(Debug, Clone)]
struct Family {
    name: String,
    cap: Option<i64>,
}

/// The result of scoring one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scored {
    /// Sum of the capped contributions of the active rules that fired.
    pub score: i64,
    /// The score if every incomplete active rule had fired.
    pub max_score: i64,
    /// The outcome.
    pub outcome: Outcome,
    /// Capped subtotal per family (index = family), meaningful where `hit_families` has the
    /// family's bit.
    subtotals: [i64; MAX_FAMILIES],
    /// Bit `i` set when family `i` has an active hit.
    hit_families: u32,
}

/// Rule metadata and the outcomes configuration of one pack, prepared once.
#[derive(Debug, Clone)]
pub(crate) struct Scoring {
    rules: Vec<ScoredRule>,
    families: Vec<Family>,
    outcomes: Outcomes,
}

/// Per-family running sums while scoring.
struct Sums {
    unfamilied: i64,
    families: [i64; MAX_FAMILIES],
}

impl Sums {
    fn new() -> Sums {
        Sums {
            unfamilied: 0,
            families: [0; MAX_FAMILIES],
        }
    }

    fn add(&mut self, family: Option<u8>, weight: i64) {
        match family {
            Some(f) => {
                let slot = &mut self.families[f as usize];
                *slot = slot.saturating_add(weight);
            }
            None => self.unfamilied = self.unfamilied.saturating_add(weight),
        }
    }

    /// The total with every family capped; writes the capped subtotals into `capped`.
    fn total(&self, families: &[Family], capped: &mut [i64; MAX_FAMILIES]) -> i64 {
        let mut total = self.unfamilied;
        for (i, family) in families.iter().enumerate() {
            let sum = self.families[i];
            let value = family.cap.map_or(sum, |cap| sum.min(cap));
            capped[i] = value;
            total = total.saturating_add(value);
        }
        total
    }
}

impl Scoring {
    /// Prepares scoring for rules given as `(weight, status, family)` in pack order. Families
    /// are numbered in order of first appearance; at most [`MAX_FAMILIES`] (the pack loader
    /// rejects more), further ones are scored without a family.
    pub(crate) fn new<'a>(
        rules: impl IntoIterator<Item = (i64, RuleStatus, Option<&'a str>)>,
        outcomes: &Outcomes,
    ) -> Scoring {
        let mut families: Vec<Family> = Vec::new();
        let rules = rules
            .into_iter()
            .map(|(weight, status, family)| {
                let family = family.and_then(|name| {
                    let i = match families.iter().position(|f| f.name == name) {
                        Some(i) => i,
                        None if families.len() < MAX_FAMILIES => {
                            families.push(Family {
                                name: name.to_string(),
                                cap: outcomes.family_cap.get(name).copied(),
                            });
                            families.len() - 1
                        }
                        None => return None,
                    };
                    Some(i as u8)
                });
                ScoredRule {
                    weight,
                    status,
                    family,
                }
            })
            .collect();
        Scoring {
            rules,
            families,
            outcomes: outcomes.clone(),
        }
    }

    /// Scores one record from its rule results, in pack order.
    pub(crate) fn score(&self, states: impl IntoIterator<Item = RuleOutcome>) -> Scored {
        self.score_if(states, |_| false)
    }

    /// Scores one record as if the rule at `flip` had its status switched: an active rule
    /// that fired no longer counts, a shadow rule that fired counts as active (the
    /// back-test's marginal and promotion figures).
    pub(crate) fn score_flipped(
        &self,
        states: impl IntoIterator<Item = RuleOutcome>,
        flip: usize,
    ) -> Scored {
        self.score_if(states, |i| i == flip)
    }

    fn score_if(
        &self,
        states: impl IntoIterator<Item = RuleOutcome>,
        flipped: impl Fn(usize) -> bool,
    ) -> Scored {
        let mut with_hits = Sums::new();
        let mut with_missing = Sums::new();
        let mut hit_families = 0u32;
        for (i, (rule, state)) in self.rules.iter().zip(states).enumerate() {
            let active = match rule.status {
                RuleStatus::Active => !flipped(i),
                RuleStatus::Shadow => flipped(i),
                RuleStatus::Disabled => false,
            };
            if !active {
                continue;
            }
            match state {
                RuleOutcome::Hit => {
                    with_hits.add(rule.family, rule.weight);
                    with_missing.add(rule.family, rule.weight);
                    if let Some(f) = rule.family {
                        hit_families |= 1 << f;
                    }
                }
                RuleOutcome::Incomplete if rule.weight > 0 => {
                    with_missing.add(rule.family, rule.weight)
                }
                _ => {}
            }
        }
        let mut subtotals = [0i64; MAX_FAMILIES];
        let score = with_hits.total(&self.families, &mut subtotals);
        let max_score = with_missing
            .total(&self.families, &mut [0i64; MAX_FAMILIES])
            .max(score);
        Scored {
            score,
            max_score,
            outcome: self.outcome(score, max_score, hit_families.count_ones()),
            subtotals,
            hit_families,
        }
    }

    /// Scores `n` records at once from each rule's rows as bitmaps (bit `row % 64` of word
    /// `row / 64`): `rule(i)` gives rule `i`'s hit rows and incomplete rows, `None` for a rule
    /// not evaluated. The same sums in the same order as [`Scoring::score`] row by row, so
    /// the same scores and outcomes.
    #[cfg(feature = "arrow")]
    pub(crate) fn score_columns<'b>(
        &self,
        n: usize,
        rule: impl Fn(usize) -> Option<(&'b [u64], &'b [u64])>,
    ) -> (Vec<i64>, Vec<Outcome>) {
        let families = self.families.len();
        let mut hits = vec![vec![0i64; n]; families + 1];
        let mut missing = vec![vec![0i64; n]; families + 1];
        let mut hit_families = vec![0u32; if families > 0 { n } else { 0 }];
        let each = |bits: &[u64], f: &mut dyn FnMut(usize)| {
            for (w, &word) in bits.iter().enumerate() {
                let mut x = word;
                while x != 0 {
                    let row = w * 64 + x.trailing_zeros() as usize;
                    if row < n {
                        f(row);
                    }
                    x &= x - 1;
                }
            }
        };
        for (i, r) in self.rules.iter().enumerate() {
            if r.status != RuleStatus::Active {
                continue;
            }
            let Some((hit, incomplete)) = rule(i) else {
                continue;
            };
            let k = r.family.map_or(families, usize::from).min(families);
            let (w, family) = (r.weight, r.family);
            {
                let (h, m) = (&mut hits[k], &mut missing[k]);
                let hf = &mut hit_families;
                each(hit, &mut |row| {
                    h[row] = h[row].saturating_add(w);
                    m[row] = m[row].saturating_add(w);
                    if let (Some(f), Some(x)) = (family, hf.get_mut(row)) {
                        *x |= 1 << f;
                    }
                });
            }
            if w > 0 {
                let m = &mut missing[k];
                each(incomplete, &mut |row| m[row] = m[row].saturating_add(w));
            }
        }
        let total = |sums: &[Vec<i64>], row: usize| {
            let mut total = sums[families][row];
            for (i, family) in self.families.iter().enumerate() {
                let sum = sums[i][row];
                total = total.saturating_add(family.cap.map_or(sum, |cap| sum.min(cap)));
            }
            total
        };
        let mut scores = Vec::with_capacity(n);
        let mut outcomes = Vec::with_capacity(n);
        for row in 0..n {
            let score = total(&hits, row);
            let max_score = total(&missing, row).max(score);
            let families_hit = hit_families.get(row).map_or(0, |f| f.count_ones());
            scores.push(score);
            outcomes.push(self.outcome(score, max_score, families_hit));
        }
        (scores, outcomes)
    }

    /// The outcome of a score, given the most the missing data could make of it and the
    /// number of families with hits.
    fn outcome(&self, score: i64, max_score: i64, families_hit: u32) -> Outcome {
        let o = &self.outcomes;
        match o.outcome(score) {
            Outcome::Refer if o.refer_min_families > 1 && families_hit < o.refer_min_families => {
                Outcome::Review
            }
            Outcome::Clear if o.incomplete == IncompleteMode::Outcome && max_score >= o.review => {
                Outcome::Incomplete
            }
            other => other,
        }
    }

    /// The capped subtotal of every family with an active hit, by family name.
    pub(crate) fn families<'s>(
        &'s self,
        scored: &'s Scored,
    ) -> impl Iterator<Item = (&'s str, i64)> + 's {
        self.families
            .iter()
            .enumerate()
            .filter(move |(i, _)| scored.hit_families & (1 << i) != 0)
            .map(move |(i, f)| (f.name.as_str(), scored.subtotals[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use RuleOutcome::{Hit, Incomplete, Miss, Skipped};
    use RuleStatus::{Active, Disabled, Shadow};

    fn outcomes() -> Outcomes {
        Outcomes {
            review: 30,
            refer: 60,
            ..Outcomes::default()
        }
    }

    fn families(s: &Scoring, scored: &Scored) -> BTreeMap<String, i64> {
        s.families(scored)
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    #[test]
    fn sums_active_hits_only() {
        let s = Scoring::new(
            [
                (25, Active, None),
                (15, Active, None),
                (50, Shadow, None),
                (50, Disabled, None),
            ],
            &outcomes(),
        );
        let r = s.score([Hit, Hit, Hit, Skipped]);
        assert_eq!((r.score, r.max_score, r.outcome), (40, 40, Outcome::Review));
        let r = s.score([Hit, Miss, Hit, Skipped]);
        assert_eq!((r.score, r.outcome), (25, Outcome::Clear));
    }

    #[test]
    fn caps_each_family() {
        let mut o = outcomes();
        o.family_cap.insert("itinerary".into(), 40);
        let s = Scoring::new(
            [
                (25, Active, Some("itinerary")),
                (20, Active, Some("itinerary")),
                (35, Active, Some("itinerary")),
                (30, Active, Some("documents")),
            ],
            &o,
        );
        let r = s.score([Hit, Hit, Hit, Miss]);
        assert_eq!((r.score, r.outcome), (40, Outcome::Review));
        assert_eq!(families(&s, &r), BTreeMap::from([("itinerary".into(), 40)]));
        let r = s.score([Hit, Miss, Miss, Hit]);
        assert_eq!((r.score, r.outcome), (55, Outcome::Review));
        assert_eq!(
            families(&s, &r),
            BTreeMap::from([("documents".into(), 30), ("itinerary".into(), 25)])
        );
        let r = s.score([Hit, Hit, Hit, Hit]);
        assert_eq!((r.score, r.outcome), (70, Outcome::Refer));
    }

    #[test]
    fn refer_needs_enough_families() {
        let mut o = outcomes();
        o.refer_min_families = 2;
        let s = Scoring::new(
            [
                (35, Active, Some("itinerary")),
                (35, Active, Some("itinerary")),
                (10, Active, Some("history")),
            ],
            &o,
        );
        let r = s.score([Hit, Hit, Miss]);
        assert_eq!((r.score, r.outcome), (70, Outcome::Review));
        let r = s.score([Hit, Hit, Hit]);
        assert_eq!((r.score, r.outcome), (80, Outcome::Refer));
    }

    #[test]
    fn max_score_counts_incomplete_rules_under_caps() {
        let mut o = outcomes();
        o.family_cap.insert("itinerary".into(), 40);
        let s = Scoring::new(
            [
                (25, Active, Some("itinerary")),
                (25, Active, Some("itinerary")),
                (20, Active, None),
                (-10, Active, None),
                (50, Shadow, None),
            ],
            &o,
        );
        let r = s.score([Hit, Incomplete, Incomplete, Incomplete, Incomplete]);
        assert_eq!((r.score, r.max_score), (25, 60));
        // Reported, not an outcome, unless the pack asks for it.
        assert_eq!(r.outcome, Outcome::Clear);
        o.incomplete = IncompleteMode::Outcome;
        let s2 = Scoring::new(
            [(25, Active, None), (10, Active, None), (5, Active, None)],
            &o,
        );
        let r = s2.score([Miss, Incomplete, Incomplete]);
        assert_eq!((r.score, r.max_score, r.outcome), (0, 15, Outcome::Clear));
        let r = s2.score([Incomplete, Miss, Incomplete]);
        assert_eq!(
            (r.score, r.max_score, r.outcome),
            (0, 30, Outcome::Incomplete)
        );
        // A review stays a review whatever is missing.
        let r = s2.score([Hit, Hit, Incomplete]);
        assert_eq!((r.score, r.max_score, r.outcome), (35, 40, Outcome::Review));
    }

    use proptest::prelude::*;

    fn state() -> impl Strategy<Value = RuleOutcome> {
        prop_oneof![Just(Hit), Just(Miss), Just(Incomplete), Just(Skipped)]
    }

    fn status() -> impl Strategy<Value = RuleStatus> {
        prop_oneof![4 => Just(Active), 1 => Just(Shadow), 1 => Just(Disabled)]
    }

    proptest! {
        /// Whatever the rules, caps and results: the score never exceeds `max_score`, the
        /// family subtotals respect their caps and add up (with the rules without a family) to
        /// the score, `refer` always has enough families, and `incomplete` only replaces a
        /// `clear` that the missing data could lift to `review`.
        #[test]
        fn scoring_invariants(
            rules in prop::collection::vec((0i64..60, status(), prop::option::of(0usize..4), state()), 0..12),
            caps in prop::collection::vec(prop::option::of(1i64..80), 4),
            min_families in 0u32..4,
            mode in prop_oneof![Just(IncompleteMode::Report), Just(IncompleteMode::Outcome)],
        ) {
            let names = ["a", "b", "c", "d"];
            let mut o = outcomes();
            o.refer_min_families = min_families;
            o.incomplete = mode;
            for (name, cap) in names.iter().zip(&caps) {
                if let Some(cap) = cap {
                    o.family_cap.insert(name.to_string(), *cap);
                }
            }
            let s = Scoring::new(
                rules.iter().map(|(w, st, f, _)| (*w, *st, f.map(|i| names[i]))),
                &o,
            );
            let r = s.score(rules.iter().map(|r| r.3));
            prop_assert!(r.score <= r.max_score);
            let families: Vec<(&str, i64)> = s.families(&r).collect();
            for (name, v) in &families {
                if let Some(cap) = o.family_cap.get(*name) {
                    prop_assert!(v <= cap);
                }
            }
            let unfamilied: i64 = rules
                .iter()
                .filter(|(_, st, f, x)| *st == Active && f.is_none() && *x == Hit)
                .map(|r| r.0)
                .sum();
            prop_assert_eq!(families.iter().map(|f| f.1).sum::<i64>() + unfamilied, r.score);
            if r.outcome == Outcome::Refer && min_families > 1 {
                prop_assert!(families.len() as u32 >= min_families);
            }
            if r.outcome == Outcome::Incomplete {
                prop_assert_eq!(mode, IncompleteMode::Outcome);
                prop_assert!(r.score < o.review && r.max_score >= o.review);
            }
            // Without missing data there is nothing to wait for.
            if !rules.iter().any(|(_, st, _, x)| *st == Active && *x == Incomplete) {
                prop_assert_eq!(r.score, r.max_score);
                prop_assert_ne!(r.outcome, Outcome::Incomplete);
            }
        }
    }

    #[test]
    fn flipping_removes_or_promotes_a_rule() {
        let s = Scoring::new([(30, Active, None), (30, Shadow, None)], &outcomes());
        assert_eq!(s.score_flipped([Hit, Hit], 0).score, 0);
        assert_eq!(s.score_flipped([Hit, Hit], 1).score, 60);
        assert_eq!(s.score([Hit, Hit]).score, 30);
    }
}
