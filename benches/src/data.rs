//! The synthetic departure-check record and its deterministic generator.
//!
//! [`Departure`] is used twice: serialized, it *is* the JSON line the benchmarks feed to the
//! engine (fields in schema order, absent `Option`s left out); deserialized, it is the
//! serde-derived struct of the handwritten baseline. Every field is an `Option` because the
//! generator occasionally drops even required fields, to exercise missing-data handling.

use chrono::NaiveDate;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The seed every benchmark and test uses, so all runs see the same records.
pub const SEED: u64 = 0x5a12_1a6b;

/// Why the passenger travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Work abroad.
    Work,
    /// Tourism.
    Tourism,
    /// Pilgrimage.
    Umrah,
    /// Family visit.
    Family,
    /// Study.
    Study,
}

/// Visa held for the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisaType {
    /// Tourist visa (or visa-free entry).
    Tourist,
    /// Work visa.
    Work,
    /// Student visa.
    Student,
    /// Visit visa.
    Visit,
}

/// Who paid the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaidBy {
    /// The passenger.
    #[serde(rename = "self")]
    Myself,
    /// The family.
    Family,
    /// An employer.
    Employer,
    /// An agent.
    Agent,
    /// Not known.
    Unknown,
}

/// How a job offer reached the passenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Social media.
    SocialMedia,
    /// A licensed placement agency.
    LicensedAgency,
    /// The employer directly.
    EmployerDirect,
    /// Government-to-government placement.
    Government,
    /// Anything else.
    Other,
}

/// Sex (monitored; no rule reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    F,
    /// Male.
    M,
    /// Other / unspecified.
    X,
}

/// Travel mode of one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// By air.
    Air,
    /// By sea.
    Sea,
    /// Over land.
    Land,
}

/// The job offer (nested object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Job title as stated in the offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// How the offer arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Promised monthly salary in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_salary_usd: Option<f64>,
    /// Country of the employer (ISO alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer_country: Option<String>,
}

/// The officer's interview (nested object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interview {
    /// An agent accompanies the passenger or holds the passport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_present: Option<bool>,
    /// The passenger says they were told to give false information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_to_lie: Option<bool>,
    /// The passenger speaks a language of the destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_ok: Option<bool>,
    /// The passenger's account of the trip is consistent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_consistent: Option<bool>,
}

/// One leg of the route (list of objects).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leg {
    /// Country of the leg's end (ISO alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Travel mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Days spent there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
}

/// A departing passenger: 30 top-level fields, two nested objects and a list of objects.
///
/// Field order is the schema's order ([`crate::pack::SCHEMA_TOML`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Departure {
    /// Record id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passenger_id: Option<String>,
    /// Name as stated on the departure card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Name as printed in the passport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_name: Option<String>,
    /// Date of birth (monitored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// Sex (monitored, unread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Home province (monitored, unread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Religion (protected, unread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub religion: Option<String>,
    /// Date of the passport application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_date: Option<NaiveDate>,
    /// Date of departure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departure_date: Option<NaiveDate>,
    /// Date the passport was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passport_issued: Option<NaiveDate>,
    /// Destination country (ISO alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Purpose of travel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// Visa held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visa_type: Option<VisaType>,
    /// Holds a return or onward ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_ticket: Option<bool>,
    /// Who paid the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_paid_by: Option<PaidBy>,
    /// Ticket price in rupiah.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_price_idr: Option<i64>,
    /// Cash carried, in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_carried_usd: Option<f64>,
    /// Recruiting company, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruiter: Option<String>,
    /// Contact phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Contact e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Number of earlier departures abroad.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_departures: Option<i64>,
    /// Number of earlier postponed departures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_postponements: Option<i64>,
    /// Numbers of earlier passports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_passports: Option<Vec<String>>,
    /// Holds a registered work contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_work_contract: Option<bool>,
    /// Size of the group travelling together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_group_size: Option<i64>,
    /// Checkpoint code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    /// Flight or vessel number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// The job offer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<Job>,
    /// The interview, if one took place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interview: Option<Interview>,
    /// Route legs after the first departure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legs: Option<Vec<Leg>>,
    /// Free-text officer remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

const GIVEN: &[&str] = &[
    "Siti", "Dewi", "Ayu", "Rina", "Budi", "Agus", "Eko", "Putri", "Wayan", "Nur", "Sri", "Joko",
];
const FAMILY: &[&str] = &[
    "Aminah", "Lestari", "Santoso", "Wijaya", "Saputra", "Rahayu", "Hidayat", "Pratama", "Kusuma",
    "Nugroho",
];
const PROVINCES: &[&str] = &[
    "Jawa Barat",
    "Jawa Tengah",
    "Jawa Timur",
    "NTB",
    "NTT",
    "Sumatera Utara",
    "Lampung",
    "Bali",
];
const RELIGIONS: &[&str] = &["a", "b", "c", "d"];
/// Destinations, hotspots (KH, MM, LA) deliberately over-represented.
const DESTINATIONS: &[&str] = &[
    "SA", "MY", "SG", "HK", "TW", "JP", "KR", "AE", "TH", "KH", "MM", "LA", "VN", "AU",
];
const COUNTRIES: &[&str] = &["TH", "MY", "VN", "SG", "KH", "MM", "LA", "PH", "CN"];
/// Synthetic recruiter names; the first three are on the pack's watch list.
const RECRUITERS: &[&str] = &[
    "PT Contoh Jaya Abadi",
    "PT Sinar Palsu Sentosa",
    "CV Karya Fiktif",
    "PT Resmi Bersama",
    "PT Mitra Kerja Nusantara",
    "PT Global Tenaga Mandiri",
    "CV Maju Terus",
];
const JOB_TITLES: &[&str] = &[
    "Customer Service Officer",
    "Data Entry Clerk",
    "Online Marketing Staff",
    "Domestic Worker",
    "Caregiver",
    "Factory Operator",
    "Plantation Worker",
    "Crypto Trading Assistant",
    "Nurse",
    "Restaurant Staff",
    "Game Tester",
    "Construction Worker",
];
const PHONE_PREFIXES: &[&str] = &["+62812", "+62813", "+62857", "+6012"];
/// Prefixes of hotspot countries (rare).
const HOTSPOT_PHONE_PREFIXES: &[&str] = &["+855", "+95", "+856"];
const EMAIL_DOMAINS: &[&str] = &["@mail.example", "@post.example"];
const REMARKS: &[&str] = &[
    "nervous, travel story vague",
    "documents in order",
    "accompanied by a man who left before the desk",
    "first trip abroad",
];

fn date(rng: &mut ChaCha8Rng, year_from: i32, year_to: i32) -> NaiveDate {
    let year = rng.gen_range(year_from..=year_to);
    let ordinal = rng.gen_range(1..=365);
    NaiveDate::from_yo_opt(year, ordinal).unwrap_or_default()
}

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}

/// From `rare` with probability `p`, else from `common`.
fn pick_rare<'a>(rng: &mut ChaCha8Rng, p: f64, rare: &[&'a str], common: &[&'a str]) -> &'a str {
    if rng.gen_bool(p) {
        pick(rng, rare)
    } else {
        pick(rng, common)
    }
}

fn name_variant(rng: &mut ChaCha8Rng, name: &str) -> String {
    match rng.gen_range(0..10) {
        0..=4 => name.to_uppercase(),
        5..=7 => name.to_string(),
        8 => format!(" {name} "),
        _ => format!("{name} {}", pick(rng, FAMILY)),
    }
}

/// With probability `p`, `Some(make(rng))`.
fn opt<T>(rng: &mut ChaCha8Rng, p: f64, make: impl FnOnce(&mut ChaCha8Rng) -> T) -> Option<T> {
    if rng.gen_bool(p) {
        Some(make(rng))
    } else {
        None
    }
}

/// Generates one record. Optional data is absent at realistic rates; in about 2 % of the
/// records one otherwise always-present field is dropped as well.
pub fn departure(rng: &mut ChaCha8Rng, index: usize) -> Departure {
    let application = date(rng, 2024, 2025);
    let departure = application + chrono::Days::new(rng.gen_range(1..120));
    let birth = date(rng, 1965, 2009);
    let issued = departure - chrono::Days::new(rng.gen_range(1..3000));
    let name = format!("{} {}", pick(rng, GIVEN), pick(rng, FAMILY));
    let purpose = *[
        Purpose::Work,
        Purpose::Work,
        Purpose::Tourism,
        Purpose::Tourism,
        Purpose::Umrah,
        Purpose::Family,
        Purpose::Study,
    ]
    .choose(rng)
    .unwrap_or(&Purpose::Tourism);
    let working = purpose == Purpose::Work;
    let job = (working || rng.gen_bool(0.1)).then(|| Job {
        title: opt(rng, 0.95, |rng| pick(rng, JOB_TITLES).to_string()),
        channel: opt(rng, 0.95, |rng| {
            *[
                Channel::SocialMedia,
                Channel::LicensedAgency,
                Channel::LicensedAgency,
                Channel::EmployerDirect,
                Channel::Government,
                Channel::Other,
            ]
            .choose(rng)
            .unwrap_or(&Channel::Other)
        }),
        monthly_salary_usd: opt(rng, 0.95, |rng| f64::from(rng.gen_range(300..3000))),
        employer_country: opt(rng, 0.8, |rng| pick(rng, DESTINATIONS).to_string()),
    });
    let destination = pick(rng, DESTINATIONS).to_string();
    let job = job.map(|mut j| {
        if rng.gen_bool(0.8) {
            j.employer_country = Some(destination.clone());
        }
        j
    });
    let legs = opt(rng, 0.95, |rng| {
        (0..if rng.gen_bool(0.1) {
            rng.gen_range(3..6)
        } else {
            rng.gen_range(0..3)
        })
            .map(|_| Leg {
                country: Some(pick(rng, COUNTRIES).to_string()),
                mode: opt(rng, 0.97, |rng| match rng.gen_range(0..10) {
                    0 => Mode::Sea,
                    1 => Mode::Land,
                    _ => Mode::Air,
                }),
                days: Some(rng.gen_range(0..30)),
            })
            .collect()
    });
    let mut record = Departure {
        passenger_id: Some(format!("P{index:08}")),
        full_name: Some(name_variant(rng, &name)),
        passport_name: Some(name.to_uppercase()),
        birth_date: Some(birth),
        sex: Some(*[Sex::F, Sex::M, Sex::X].choose(rng).unwrap_or(&Sex::X)),
        province: Some(pick(rng, PROVINCES).to_string()),
        religion: opt(rng, 0.5, |rng| pick(rng, RELIGIONS).to_string()),
        application_date: Some(application),
        departure_date: Some(departure),
        passport_issued: Some(issued),
        destination: Some(destination),
        purpose: Some(purpose),
        visa_type: Some(
            *[
                VisaType::Tourist,
                VisaType::Tourist,
                VisaType::Work,
                VisaType::Student,
                VisaType::Visit,
            ]
            .choose(rng)
            .unwrap_or(&VisaType::Tourist),
        ),
        return_ticket: Some(rng.gen_bool(0.8)),
        ticket_paid_by: Some(
            *[
                PaidBy::Myself,
                PaidBy::Myself,
                PaidBy::Myself,
                PaidBy::Myself,
                PaidBy::Myself,
                PaidBy::Myself,
                PaidBy::Family,
                PaidBy::Family,
                PaidBy::Employer,
                PaidBy::Agent,
                PaidBy::Unknown,
            ]
            .choose(rng)
            .unwrap_or(&PaidBy::Unknown),
        ),
        ticket_price_idr: opt(rng, 0.9, |rng| rng.gen_range(800_000..15_000_000)),
        cash_carried_usd: opt(rng, 0.8, |rng| f64::from(rng.gen_range(0..20_000)) / 10.0),
        recruiter: opt(rng, if working { 0.7 } else { 0.05 }, |rng| {
            pick(rng, RECRUITERS).to_string()
        }),
        phone: opt(rng, 0.9, |rng| {
            format!(
                "{}{}",
                pick_rare(rng, 0.05, HOTSPOT_PHONE_PREFIXES, PHONE_PREFIXES),
                rng.gen_range(1_000_000..99_999_999)
            )
        }),
        email: opt(rng, 0.5, |rng| {
            format!(
                "{}{}",
                name.to_lowercase().replace(' ', "."),
                pick_rare(rng, 0.1, &["@tempmail.example"], EMAIL_DOMAINS)
            )
        }),
        prior_departures: Some(rng.gen_range(0..4)),
        prior_postponements: opt(rng, 0.2, |rng| rng.gen_range(0..3)),
        previous_passports: opt(rng, 0.12, |rng| {
            (0..rng.gen_range(1..4))
                .map(|_| format!("X{:07}", rng.gen_range(0..10_000_000)))
                .collect()
        }),
        has_work_contract: Some(!working || rng.gen_bool(0.6)),
        travel_group_size: Some(if rng.gen_bool(0.1) {
            rng.gen_range(5..15)
        } else {
            rng.gen_range(1..4)
        }),
        checkpoint: Some(pick(rng, &["CGK", "SUB", "DPS", "KNO", "BTH"]).to_string()),
        carrier: Some(format!("GA{}", rng.gen_range(100..999))),
        job,
        interview: opt(rng, 0.85, |rng| Interview {
            agent_present: Some(rng.gen_bool(0.08)),
            asked_to_lie: opt(rng, 0.7, |rng| rng.gen_bool(0.05)),
            language_ok: opt(rng, 0.8, |rng| rng.gen_bool(0.8)),
            story_consistent: Some(rng.gen_bool(0.92)),
        }),
        legs,
        remarks: opt(rng, 0.2, |rng| pick(rng, REMARKS).to_string()),
    };
    if rng.gen_bool(0.02) {
        drop_one(rng, &mut record);
    }
    record
}

/// Clears one field that is normally always present (rare missing data).
fn drop_one(rng: &mut ChaCha8Rng, r: &mut Departure) {
    match rng.gen_range(0..10) {
        0 => r.destination = None,
        1 => r.return_ticket = None,
        2 => r.ticket_paid_by = None,
        3 => r.birth_date = None,
        4 => r.purpose = None,
        5 => r.prior_departures = None,
        6 => r.departure_date = None,
        7 => r.travel_group_size = None,
        8 => {
            if let Some(i) = r.interview.as_mut() {
                i.agent_present = None;
            }
        }
        _ => {
            if let Some(l) = r.legs.as_mut().and_then(|l| l.first_mut()) {
                l.country = None;
            }
        }
    }
}

/// `n` records from the fixed [`SEED`].
pub fn departures(n: usize) -> Vec<Departure> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..n).map(|i| departure(&mut rng, i)).collect()
}

/// `n` records from the fixed [`SEED`] as JSON lines (one compact object each, no newline).
pub fn json_lines(n: usize) -> Vec<String> {
    departures(n)
        .iter()
        .map(|d| serde_json::to_string(d).unwrap_or_default())
        .collect()
}

/// Decodes generated lines with `engine` (the lines come from [`json_lines`], so they all fit
/// the benchmark schema; a failure is a bug in the generator and panics).
pub fn decode_all(engine: &saring::Engine, lines: &[String]) -> Vec<saring::Record> {
    lines
        .iter()
        .map(|l| {
            engine
                .decode_json(l, saring::DecodeOptions::default())
                .unwrap_or_else(|e| panic!("generated line does not decode: {e:?}"))
        })
        .collect()
}
