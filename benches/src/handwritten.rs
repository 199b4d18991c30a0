//! The same 25 rules written by hand: a serde-derived struct plus plain `if`s.
//!
//! This is the baseline the engine is measured against. Missing data follows the engine's
//! semantics, as far as the result is concerned: a condition that needs an absent value does
//! not fire (`Option` + `?`), a disjunction fires when either side is known to be true, and
//! `exists` fires when any item is known to match.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use saring::Outcome;

use crate::data::{Channel, Departure, Mode, PaidBy, Purpose, VisaType};
use crate::pack::{HOTSPOT, REFER, REVIEW, RULES, SCAM_KEYWORDS, TRANSIT_HUBS, WATCH_RECRUITERS};

/// Result of the handwritten screening: score, outcome and the fired rules as bitsets over
/// the rule indices of [`RULES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandDecision {
    /// `clear`, `review` or `refer`.
    pub outcome: Outcome,
    /// Sum of the weights of the active rules that fired.
    pub score: i64,
    /// Active rules that fired (bit `i` = `RULES[i]`).
    pub hits: u32,
    /// Shadow rules that fired.
    pub shadow_hits: u32,
}

impl HandDecision {
    /// Ids of the rules in a bitset, in pack order.
    pub fn ids(bits: u32) -> Vec<&'static str> {
        RULES
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, r)| r.id)
            .collect()
    }
}

static FOREIGN_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\+(855|95|856)[0-9]+$").unwrap_or_else(|e| panic!("constant regex: {e}"))
});

fn years_between(a: NaiveDate, b: NaiveDate) -> i64 {
    let mut years = i64::from(b.year()) - i64::from(a.year());
    if (b.month(), b.day()) < (a.month(), a.day()) {
        years -= 1;
    }
    years
}

fn in_list(list: &[&str], s: &str) -> bool {
    list.contains(&s)
}

fn t(v: Option<bool>) -> bool {
    v == Some(true)
}

/// Evaluates the 25 rules on a parsed record.
pub fn screen(d: &Departure) -> HandDecision {
    let age = || Some(years_between(d.birth_date?, d.departure_date?));
    let passport_age_days = || Some((d.departure_date? - d.passport_issued?).num_days());
    let destination = || d.destination.as_deref();
    let hotspot_destination = || destination().map(|s| in_list(HOTSPOT, s));
    let job = d.job.as_ref();
    let interview = d.interview.as_ref();
    let is_work = || d.purpose.map(|p| p == Purpose::Work);

    let mut fired = [false; 25];
    // one_way_hotspot
    fired[0] = t((|| Some(hotspot_destination()? && !d.return_ticket?))());
    // third_party_ticket
    fired[1] = matches!(d.ticket_paid_by, Some(PaidBy::Agent | PaidBy::Employer));
    // watched_recruiter
    fired[2] = d
        .recruiter
        .as_deref()
        .is_some_and(|r| in_list(WATCH_RECRUITERS, r));
    // agent_present
    fired[3] = t(interview.and_then(|i| i.agent_present));
    // asked_to_lie
    fired[4] = t(interview.and_then(|i| i.asked_to_lie));
    // social_media_offer
    fired[5] = job.is_some_and(|j| {
        j.channel == Some(Channel::SocialMedia) && j.monthly_salary_usd.is_some_and(|s| s >= 1500.0)
    });
    // scam_job_title
    fired[6] = job.and_then(|j| j.title.as_deref()).is_some_and(|title| {
        let lower = title.to_ascii_lowercase();
        SCAM_KEYWORDS.iter().any(|k| lower.contains(k))
    });
    // work_on_tourist_visa
    fired[7] = t(is_work()) && matches!(d.visa_type, Some(VisaType::Tourist | VisaType::Visit));
    // minor_worker
    fired[8] = age().is_some_and(|a| a < 18) && t(is_work());
    // overland_hotspot_leg
    fired[9] = d.legs.as_deref().is_some_and(|legs| {
        legs.iter().any(|l| {
            l.country.as_deref().is_some_and(|c| in_list(HOTSPOT, c))
                && l.mode.is_some_and(|m| m != Mode::Air)
        })
    });
    // long_route
    fired[10] = d.legs.as_ref().is_some_and(|l| l.len() >= 4);
    // foreign_phone
    fired[11] = d
        .phone
        .as_deref()
        .is_some_and(|p| FOREIGN_PHONE.is_match(p));
    // new_passport_first_trip
    fired[12] = passport_age_days().is_some_and(|days| days < 30) && d.prior_departures == Some(0);
    // many_passports
    fired[13] = d.previous_passports.as_ref().is_some_and(|p| p.len() >= 2);
    // work_without_contract
    fired[14] = t(is_work()) && d.has_work_contract == Some(false);
    // postponed_before
    fired[15] = d.prior_postponements.is_some_and(|n| n >= 1);
    // little_cash_one_way
    fired[16] = d.cash_carried_usd.is_some_and(|c| c < 200.0) && d.return_ticket == Some(false);
    // name_mismatch
    fired[17] = match (&d.full_name, &d.passport_name) {
        (Some(a), Some(b)) => !a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    };
    // agent_led_group
    fired[18] = d.travel_group_size.is_some_and(|n| n >= 5)
        && (d.ticket_paid_by == Some(PaidBy::Agent) || t(interview.and_then(|i| i.agent_present)));
    // disposable_email (shadow)
    fired[19] = d
        .email
        .as_deref()
        .is_some_and(|e| e.ends_with("@tempmail.example"));
    // young_high_salary
    fired[20] = job.is_some_and(|j| j.monthly_salary_usd.is_some_and(|s| s > 2000.0))
        && d.prior_departures == Some(0)
        && age().is_some_and(|a| a < 25);
    // inconsistent_story
    fired[21] = interview.is_some_and(|i| {
        i.story_consistent == Some(false) || (i.language_ok == Some(false) && t(is_work()))
    });
    // cheap_ticket_hotspot
    fired[22] = t(hotspot_destination()) && d.ticket_price_idr.is_some_and(|p| p < 3_000_000);
    // employer_elsewhere
    fired[23] = match (
        job.and_then(|j| j.employer_country.as_deref()),
        destination(),
    ) {
        (Some(employer), Some(dest)) => employer != dest && !in_list(TRANSIT_HUBS, dest),
        _ => false,
    };
    // one_way_third_party
    fired[24] = fired[0] && fired[1];

    let mut decision = HandDecision {
        outcome: Outcome::Clear,
        score: 0,
        hits: 0,
        shadow_hits: 0,
    };
    for (i, (rule, &hit)) in RULES.iter().zip(&fired).enumerate() {
        if !hit {
            continue;
        }
        if rule.shadow {
            decision.shadow_hits |= 1 << i;
        } else {
            decision.hits |= 1 << i;
            decision.score += rule.weight;
        }
    }
    decision.outcome = if decision.score >= REFER {
        Outcome::Refer
    } else if decision.score >= REVIEW {
        Outcome::Review
    } else {
        Outcome::Clear
    };
    decision
}

/// End to end: parses the JSON text into the serde-derived struct and evaluates the rules.
pub fn screen_json(line: &str) -> Result<HandDecision, serde_json::Error> {
    Ok(screen(&serde_json::from_str::<Departure>(line)?))
}
