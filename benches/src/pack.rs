//! The 25-rule benchmark pack: schema and pack TOML, built in code.

use saring::{Engine, Pack, PackError};

/// Record schema of the benchmark pack, in the field order of [`crate::data::Departure`].
pub const SCHEMA_TOML: &str = r#"
[field.passenger_id]
type = "string"
required = true
[field.full_name]
type = "string"
required = true
[field.passport_name]
type = "string"
required = true
[field.birth_date]
type = "date"
required = true
monitored = true
[field.sex]
type = "enum"
values = ["f", "m", "x"]
monitored = true
[field.province]
type = "string"
monitored = true
[field.religion]
type = "string"
protected = true
[field.application_date]
type = "date"
required = true
[field.departure_date]
type = "date"
required = true
[field.passport_issued]
type = "date"
required = true
[field.destination]
type = "string"
required = true
[field.purpose]
type = "enum"
values = ["work", "tourism", "umrah", "family", "study"]
required = true
[field.visa_type]
type = "enum"
values = ["tourist", "work", "student", "visit"]
required = true
[field.return_ticket]
type = "bool"
required = true
[field.ticket_paid_by]
type = "enum"
values = ["self", "family", "employer", "agent", "unknown"]
required = true
[field.ticket_price_idr]
type = "int"
[field.cash_carried_usd]
type = "float"
[field.recruiter]
type = "string"
[field.phone]
type = "string"
[field.email]
type = "string"
[field.prior_departures]
type = "int"
required = true
[field.prior_postponements]
type = "int"
[field.previous_passports]
type = "list"
items = "string"
[field.has_work_contract]
type = "bool"
required = true
[field.travel_group_size]
type = "int"
required = true
[field.checkpoint]
type = "string"
[field.carrier]
type = "string"
[field.job]
type = "object"
[field.job.title]
type = "string"
[field.job.channel]
type = "enum"
values = ["social_media", "licensed_agency", "employer_direct", "government", "other"]
[field.job.monthly_salary_usd]
type = "float"
[field.job.employer_country]
type = "string"
[field.interview]
type = "object"
[field.interview.agent_present]
type = "bool"
required = true
[field.interview.asked_to_lie]
type = "bool"
[field.interview.language_ok]
type = "bool"
[field.interview.story_consistent]
type = "bool"
required = true
[field.legs]
type = "list"
items = "object"
[field.legs.country]
type = "string"
required = true
[field.legs.mode]
type = "enum"
values = ["air", "sea", "land"]
[field.legs.days]
type = "int"
[field.remarks]
type = "string"
"#;

/// One rule of the pack (the handwritten baseline implements the same list, in this order).
#[derive(Debug, Clone, Copy)]
pub struct RuleSpec {
    /// Rule id.
    pub id: &'static str,
    /// Weight.
    pub weight: i64,
    /// Evaluated and reported but not scored.
    pub shadow: bool,
    /// The CEL condition.
    pub when: &'static str,
    /// Reason template.
    pub reason: &'static str,
    /// `uses_monitored` justification, for rules that read monitored data.
    pub uses_monitored: Option<&'static str>,
}

const fn rule(id: &'static str, weight: i64, when: &'static str, reason: &'static str) -> RuleSpec {
    RuleSpec {
        id,
        weight,
        shadow: false,
        when,
        reason,
        uses_monitored: None,
    }
}

/// Score at or above which the outcome is `review`.
pub const REVIEW: i64 = 30;
/// Score at or above which the outcome is `refer`.
pub const REFER: i64 = 60;

/// Named lists of the pack.
pub const HOTSPOT: &[&str] = &["KH", "MM", "LA"];
/// Transit hubs.
pub const TRANSIT_HUBS: &[&str] = &["TH", "MY", "VN", "SG"];
/// Watched recruiters (synthetic names).
pub const WATCH_RECRUITERS: &[&str] = &[
    "PT Contoh Jaya Abadi",
    "PT Sinar Palsu Sentosa",
    "CV Karya Fiktif",
];
/// Job-title fragments typical of scam-compound recruitment.
pub const SCAM_KEYWORDS: &[&str] = &[
    "customer service",
    "data entry",
    "online marketing",
    "crypto",
    "game tester",
];

const AGE_JUSTIFICATION: &str = "age from birth date: minors and very young first-time workers";

/// The 25 rules, in pack order.
pub const RULES: [RuleSpec; 25] = [
    rule(
        "one_way_hotspot",
        25,
        "destination in hotspot && !return_ticket",
        "No return ticket for travel to {destination}",
    ),
    rule(
        "third_party_ticket",
        15,
        "ticket_paid_by in ['agent', 'employer']",
        "The ticket was paid by the {ticket_paid_by}",
    ),
    rule(
        "watched_recruiter",
        30,
        "has(record.recruiter) && recruiter in watch_recruiters",
        "Recruited by {recruiter}, which is on the watch list",
    ),
    rule(
        "agent_present",
        20,
        "interview.agent_present",
        "An agent was present at the interview",
    ),
    rule(
        "asked_to_lie",
        30,
        "has(interview.asked_to_lie) && interview.asked_to_lie",
        "The passenger was told to give false information",
    ),
    rule(
        "social_media_offer",
        20,
        "has(record.job) && job.channel == 'social_media' && job.monthly_salary_usd >= 1500.0",
        "A {job.channel} offer promising {job.monthly_salary_usd} USD a month",
    ),
    rule(
        "scam_job_title",
        15,
        "has(record.job) && scam_keywords.exists(k, job.title.lowerAscii().contains(k))",
        "Job title `{job.title}` matches a known recruitment pattern",
    ),
    rule(
        "work_on_tourist_visa",
        20,
        "purpose == 'work' && visa_type in ['tourist', 'visit']",
        "Travelling for work on a {visa_type} visa",
    ),
    RuleSpec {
        uses_monitored: Some(AGE_JUSTIFICATION),
        ..rule(
            "minor_worker",
            30,
            "age < 18 && purpose == 'work'",
            "Aged {age} and travelling for work",
        )
    },
    rule(
        "overland_hotspot_leg",
        10,
        "legs.exists(l, l.country in hotspot && l.mode != 'air')",
        "The route crosses a hotspot country overland or by sea",
    ),
    rule(
        "long_route",
        5,
        "size(legs) >= 4",
        "The route has {legs} legs",
    ),
    rule(
        "foreign_phone",
        10,
        r#"has(record.phone) && phone.matches(r"^\+(855|95|856)[0-9]+$")"#,
        "Contact number {phone} is registered in a hotspot country",
    ),
    rule(
        "new_passport_first_trip",
        10,
        "passport_age_days < 30 && prior_departures == 0",
        "Passport issued {passport_age_days} days before a first departure",
    ),
    rule(
        "many_passports",
        10,
        "has(record.previous_passports) && size(previous_passports) >= 2",
        "{previous_passports} previous passports",
    ),
    rule(
        "work_without_contract",
        15,
        "purpose == 'work' && !has_work_contract",
        "Travelling for work without a registered contract",
    ),
    rule(
        "postponed_before",
        20,
        "has(record.prior_postponements) && prior_postponements >= 1",
        "{prior_postponements} earlier postponed departures",
    ),
    rule(
        "little_cash_one_way",
        5,
        "has(record.cash_carried_usd) && cash_carried_usd < 200.0 && !return_ticket",
        "Carries {cash_carried_usd} USD on a one-way trip",
    ),
    rule(
        "name_mismatch",
        10,
        "full_name.trim().lowerAscii() != passport_name.trim().lowerAscii()",
        "Stated name {full_name} differs from passport name {passport_name}",
    ),
    rule(
        "agent_led_group",
        15,
        "travel_group_size >= 5 && (ticket_paid_by == 'agent' || interview.agent_present)",
        "Group of {travel_group_size} led by an agent",
    ),
    RuleSpec {
        shadow: true,
        ..rule(
            "disposable_email",
            5,
            "has(record.email) && email.endsWith('@tempmail.example')",
            "Disposable e-mail address {email}",
        )
    },
    RuleSpec {
        uses_monitored: Some(AGE_JUSTIFICATION),
        ..rule(
            "young_high_salary",
            10,
            "has(record.job) && job.monthly_salary_usd > 2000.0 && prior_departures == 0 && age < 25",
            "Aged {age}, first trip, promised {job.monthly_salary_usd} USD a month",
        )
    },
    rule(
        "inconsistent_story",
        20,
        "!interview.story_consistent || (has(interview.language_ok) && !interview.language_ok && purpose == 'work')",
        "The passenger's account is inconsistent",
    ),
    rule(
        "cheap_ticket_hotspot",
        10,
        "destination in hotspot && has(record.ticket_price_idr) && ticket_price_idr < 3000000",
        "A ticket to {destination} for {ticket_price_idr} IDR",
    ),
    rule(
        "employer_elsewhere",
        10,
        "has(record.job) && has(job.employer_country) && job.employer_country != destination && !(destination in transit_hubs)",
        "Employer in {job.employer_country} but travelling to {destination}",
    ),
    rule(
        "one_way_third_party",
        15,
        "rules.one_way_hotspot && rules.third_party_ticket",
        "One-way trip to {destination} on a ticket paid by the {ticket_paid_by}",
    ),
];

fn toml_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The pack's TOML text, built from [`RULES`] and the named lists.
pub fn pack_toml() -> String {
    pack_toml_with(&RULES)
}

/// A pack's TOML text with the given rules (the schema, lists and derived values of the
/// benchmark pack); used to time rules one by one.
pub fn pack_toml_with(rules: &[RuleSpec]) -> String {
    let mut out = String::from(
        r#"[pack]
id = "bench-departure"
version = "1.0.0"
title = "Benchmark: 25 departure-checkpoint indicators over synthetic data"
schema = "schema.toml"

[outcomes]
"#,
    );
    out.push_str(&format!("review = {REVIEW}\nrefer = {REFER}\n\n[lists]\n"));
    out.push_str(&format!("hotspot = {}\n", toml_list(HOTSPOT)));
    out.push_str(&format!("transit_hubs = {}\n", toml_list(TRANSIT_HUBS)));
    out.push_str(&format!(
        "watch_recruiters = {}\n",
        toml_list(WATCH_RECRUITERS)
    ));
    out.push_str(&format!("scam_keywords = {}\n", toml_list(SCAM_KEYWORDS)));
    out.push_str(
        "\n[derive]\nage = \"years_between(birth_date, departure_date)\"\n\
         passport_age_days = \"days_between(passport_issued, departure_date)\"\n",
    );
    for r in rules {
        out.push_str(&format!(
            "\n[[rule]]\nid = \"{}\"\ntitle = \"{}\"\nweight = {}\nstatus = \"{}\"\n\
             when = '''{}'''\nreason = '''{}'''\nreferences = [\"synthetic benchmark rule\"]\n",
            r.id,
            r.id.replace('_', " "),
            r.weight,
            if r.shadow { "shadow" } else { "active" },
            r.when,
            r.reason,
        ));
        if let Some(why) = r.uses_monitored {
            out.push_str(&format!(
                "uses_monitored = {{ why = \"{why}\", references = [\"synthetic benchmark rule\"], \
                 approved_by = \"benchmark\" }}\n"
            ));
        }
    }
    out
}

/// Parses the pack (TOML text + schema).
pub fn pack() -> Result<Pack, PackError> {
    Pack::from_toml_str(&pack_toml(), SCHEMA_TOML)
}

/// Parses and compiles the pack.
pub fn engine() -> Result<Engine, PackError> {
    Engine::compile(&pack()?)
}
