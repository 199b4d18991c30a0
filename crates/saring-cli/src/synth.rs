//! Deterministic, labelled synthetic records for the `id-pmi` packs (`saring synth`).
//!
//! Every record is a JSON object matching `rules/id-pmi/schema.toml`, plus `"label"` (whether
//! the synthetic person is a non-procedural migrant worker) and `"record_id"`. Nothing here
//! describes a real person: names are invented and marked "Sintetis", NIKs are built from the
//! synthetic birth date, agency ids use the `SYN-AG-` prefix.
//!
//! Determinism: record `i` is drawn from its own ChaCha8 stream (`seed`, stream `i`), so the
//! same seed gives the same records on every platform, and record `i` does not depend on `n`.
//! Only fixed-width integers and `f64` draws are used (never `usize` ranges), so 32-bit and
//! wasm targets agree with 64-bit ones.
//!
//! The model is documented in [`MODEL_DOC`] (also in `rules/id-pmi/README.md`).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

/// Which record type to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Passport application at an immigration office (`rules/id-pmi/passport.toml`).
    Passport,
    /// Departure check at an immigration checkpoint (`rules/id-pmi/departure.toml`).
    Departure,
}

impl Stage {
    /// The value of the record's `stage` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Passport => "passport",
            Stage::Departure => "departure",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthOptions {
    /// Number of records.
    pub n: usize,
    /// Seed; the same seed gives the same records.
    pub seed: u64,
    /// Passport-application or departure-check records.
    pub stage: Stage,
}

/// The generative model, in prose (Markdown). Kept identical to the section
/// "Synthetic data model" of `rules/id-pmi/README.md` (a unit test checks this).
pub const MODEL_DOC: &str = r#"### Synthetic data model (`saring synth`, version 2)

Every record is drawn independently from its own ChaCha8 stream (seed, stream = record index):
the same seed gives the same records on every platform, and record *i* does not depend on *n*.
All people, names, NIKs and agency ids are synthetic.

1. **Label.** `label = true` (a non-procedural migrant worker) with probability **4%** — far
   above the real base rate (≈0.05% of passport applications, ≈0.1–0.15% of departures,
   domain.md §6.1) so that small samples contain positives; back-test precision on this data
   is therefore optimistic.
2. **Scenario** given the label. Positives: *scam-compound recruit* (70%) or *conventional
   non-procedural worker* to Malaysia / the Middle East (30%). Negatives: tourist (48%),
   umrah or special hajj (14%), legal migrant worker through a registered agency (14%),
   family visit (12%), business (5%), study (4%), internship or job fair (3%).
3. **Monitored attributes are independent of the label and of the scenario**: `sex` 50/50;
   age band 15–17 (1%), 18–24 (20%), 25–34 (27%), 35–44 (22%), 45–54 (16%), 55–70 (14%);
   `province` from a fixed weighted list of 17 provinces. A fair pack should therefore show
   flag-rate ratios near 1 across these groups; any disparity comes from the rules.
   (Real scam recruits skew young and male, domain.md §6.5; the generator deliberately does
   not encode that, so that audits test the rules rather than the data.)
4. **Purpose and destination** depend on the scenario: scam recruits mostly declare tourism
   (72%) towards KH, TH, MY, PH, MM, LA or VN; conventional cases declare tourism, family visit,
   umrah or work towards MY, SA, AE, SG, BN; negatives go where Indonesian travellers and legal
   placements go (SG, MY, TH, JP, KR, SA; TW, HK, MY for workers), with a few (2–3%) lawful
   trips to Cambodia.
5. **Indicators are noisy functions of the scenario.** Each is drawn independently given the
   scenario, with a higher probability for positives. Approximate rates (positive / negative):
   purpose documents missing (≈85% / ≈5%), return or onward ticket shown (25% / 95%; legal
   workers 25%), ticket paid by a recruiter or other third party (55% / 3%), onward overland or
   border-town leg when flying to TH/MY/PH/VN (55% / <1%), a job offer with the scam pattern
   (scam recruits: 70% have an offer, 90% of those at US$1,000–1,600, 88% without a contract,
   none on a work visa), job documents found on a visit trip (≈40% / 1.5%), cannot explain the
   purpose (50% / 4%), cannot name a host or employer (50% / 5%), debt to a recruiter
   (20% / 1–3%), passport held by someone else (15% / 0.4%), someone speaks for them
   (12% / 0.5%), recruiter on the synthetic watch list (≈13% / 0.3%), an earlier PMI NP
   finding (18% / 0.4%; dated 0–4 / 1–8 years before the event, upheld 75% / 30%, otherwise
   resolved or dismissed), undeclared earlier passport (20% / 3% of those with one), NIK or
   biodata inconsistency (4–7% / 0.5–1.5%), purpose changed since the passport application
   (30% / 3%), group booking with a passport issued within 60 days (common for positives, and
   also for umrah groups — a deliberate false-positive source for the shadow rule).
   Positives therefore usually carry several indicators, negatives occasionally one.
6. **Stage.** Passport records carry `identity`, `history.previous_passport_declared`,
   `history.lost_passport_reports_3y`, `sponsor`; departure records carry `exit_mode`,
   `legs`, `ticket`, `passport_issue_date`, `passport_held_by_other`,
   `history.purpose_at_application`,
   `interview.someone_speaks_for_them`.
7. **Missing data.** Optional fields are absent with fixed probabilities (e.g.
   `destination_city` 50%, `ticket.payment_method` 30%, `history.purpose_at_application` 20%,
   `job_offer.employer_city` 40%). With probability 2% a record loses one required field
   (chosen uniformly), to exercise `incomplete`. `religion` and `ethnicity` (protected) are
   never generated.
"#;

/// Tunable parameters of the model (the defaults are what [`MODEL_DOC`] describes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    /// Probability that a record is a positive.
    pub base_rate: f64,
    /// Probability that a record loses one required field.
    pub drop_required: f64,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            base_rate: 0.04,
            drop_required: 0.02,
        }
    }
}

/// Generates `options.n` labelled records with the default [`Model`].
pub fn generate(options: &SynthOptions) -> impl Iterator<Item = Value> {
    generate_with(options, Model::default())
}

/// Generates `options.n` labelled records with an explicit model.
pub fn generate_with(options: &SynthOptions, model: Model) -> impl Iterator<Item = Value> {
    let SynthOptions { n, seed, stage } = *options;
    (0..n as u64).map(move |i| record(seed, stage, i, &model))
}

// ------------------------------------------------------------------------------------------
// Random helpers over fixed-width integers (platform independent).

struct R(ChaCha8Rng);

impl R {
    fn p(&mut self, prob: f64) -> bool {
        self.0.gen::<f64>() < prob
    }
    /// Uniform integer in `lo..=hi`.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        let span = (hi - lo) as u64 + 1;
        lo + (self.0.gen_range(0..span)) as i64
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.int(0, items.len() as i64 - 1) as usize]
    }
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.0.gen_range(0..total);
        for (item, w) in items {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }
}

// ------------------------------------------------------------------------------------------
// Calendar helpers (proleptic Gregorian; days since 1970-01-01).

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn date_string(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

// ------------------------------------------------------------------------------------------
// The model.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Scam,
    Conventional,
    Tourist,
    Umrah,
    FamilyVisit,
    LegalWorker,
    Business,
    Study,
    Internship,
}

/// Province name (monitored) and its NIK province code; weights roughly follow population.
const PROVINCES: &[((&str, u32), u32)] = &[
    (("Jawa Barat", 32), 18),
    (("Jawa Timur", 35), 16),
    (("Jawa Tengah", 33), 14),
    (("DKI Jakarta", 31), 8),
    (("Sumatera Utara", 12), 6),
    (("Banten", 36), 5),
    (("Sulawesi Selatan", 73), 4),
    (("Sumatera Selatan", 16), 3),
    (("Lampung", 18), 3),
    (("Nusa Tenggara Barat", 52), 3),
    (("Nusa Tenggara Timur", 53), 2),
    (("Kepulauan Riau", 21), 2),
    (("Kalimantan Barat", 61), 2),
    (("Bali", 51), 2),
    (("DI Yogyakarta", 34), 2),
    (("Aceh", 11), 2),
    (("Kalimantan Utara", 65), 1),
];

const SCAM_TITLES: &[&str] = &[
    "Customer Service Online",
    "Admin Crypto",
    "Marketing Online",
    "Operator Data",
    "Admin Online Shop",
    "Telemarketing",
    "IT Support",
    "Data Entry / Typing",
    "Live Chat Operator",
];
const CONVENTIONAL_TITLES: &[&str] = &[
    "Housekeeper",
    "Plantation worker",
    "Restaurant helper",
    "Factory operator",
    "Caregiver",
    "Construction worker",
];
const LEGAL_TITLES: &[&str] = &[
    "Caregiver",
    "Factory operator",
    "Domestic worker",
    "Plantation worker",
    "Welder",
    "Nurse",
    "Hotel staff",
    "Admin staff",
    "Fishing crew",
];
const HUB_CITIES: &[&str] = &[
    "Sihanoukville",
    "Bavet",
    "Poipet",
    "Phnom Penh",
    "Myawaddy",
    "Shwe Kokko",
    "Golden Triangle SEZ",
];
/// Exact copies of the ids in `rules/id-pmi/lists/watch_recruiter_ids.txt` (synthetic).
const WATCH_IDS: &[&str] = &[
    "SYN-AG-0013",
    "SYN-AG-0042",
    "SYN-AG-0077",
    "SYN-AG-0101",
    "SYN-AG-0666",
];
/// Spelling variants of the synthetic watch-list names (fuzzy matches).
const WATCH_NAME_VARIANTS: &[&str] = &[
    "PT. Contoh Sejahtera Sintetis",
    "CV Fiktif Karya Abadi",
    "Agensi Percobaan Nusantara",
    "Rekrutmen Dummy Global",
];
const NAME_A: &[&str] = &[
    "Maju", "Sinar", "Karya", "Bina", "Mitra", "Cahaya", "Harapan", "Tunas",
];
const NAME_B: &[&str] = &[
    "Abadi", "Sentosa", "Mandiri", "Jaya", "Lestari", "Makmur", "Utama", "Bersama",
];

fn capital(country: &str) -> &'static str {
    match country {
        "KH" => "Phnom Penh",
        "TH" => "Bangkok",
        "MY" => "Kuala Lumpur",
        "MM" => "Yangon",
        "LA" => "Vientiane",
        "PH" => "Manila",
        "VN" => "Ho Chi Minh City",
        "SG" => "Singapore",
        "SA" => "Jeddah",
        "AE" => "Dubai",
        "BN" => "Bandar Seri Begawan",
        "JP" => "Osaka",
        "KR" => "Busan",
        "TW" => "Taichung",
        "HK" => "Hong Kong",
        "AU" => "Perth",
        "TR" => "Istanbul",
        "CN" => "Guangzhou",
        "NL" => "Amsterdam",
        "US" => "Los Angeles",
        "DE" => "Berlin",
        "QA" => "Doha",
        _ => "Unknown",
    }
}

fn synthetic_company(r: &mut R) -> String {
    format!("PT {} {} Sintetis", r.pick(NAME_A), r.pick(NAME_B))
}

struct Ctx {
    label: bool,
    scenario: Scenario,
}

impl Ctx {
    fn pos(&self) -> bool {
        self.label
    }
}

fn record(seed: u64, stage: Stage, index: u64, model: &Model) -> Value {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    let r = &mut R(rng);
    let mut o = Map::new();

    // 1–2. label and scenario
    let label = r.p(model.base_rate);
    let scenario = if label {
        if r.p(0.7) {
            Scenario::Scam
        } else {
            Scenario::Conventional
        }
    } else {
        r.weighted(&[
            (Scenario::Tourist, 48),
            (Scenario::Umrah, 14),
            (Scenario::LegalWorker, 14),
            (Scenario::FamilyVisit, 12),
            (Scenario::Business, 5),
            (Scenario::Study, 4),
            (Scenario::Internship, 3),
        ])
    };
    let c = Ctx { label, scenario };
    o.insert("record_id".into(), json!(format!("SYN-{:06}", index + 1)));
    o.insert("label".into(), json!(label));
    o.insert("stage".into(), json!(stage.as_str()));

    // 3. monitored attributes, independent of label and scenario
    let event = days_from_civil(2025, 1, 1) + r.int(0, 364);
    let female = r.p(0.5);
    let age = r.weighted(&[
        ((15, 17), 1),
        ((18, 24), 20),
        ((25, 34), 27),
        ((35, 44), 22),
        ((45, 54), 16),
        ((55, 70), 14),
    ]);
    let age_years = r.int(age.0, age.1);
    let birth = event - age_years * 365 - age_years / 4 - r.int(0, 364);
    let (province, province_code) = r.weighted(PROVINCES);
    o.insert("sex".into(), json!(if female { "female" } else { "male" }));
    o.insert("birth_date".into(), json!(date_string(birth)));
    o.insert("province".into(), json!(province));
    o.insert("event_date".into(), json!(date_string(event)));

    // office / exit mode
    if stage == Stage::Departure {
        let (office, mode) = if c.pos() {
            r.weighted(&[
                (("CGK", "air"), 30),
                (("KNO", "air"), 14),
                (("SUB", "air"), 12),
                (("DPS", "air"), 6),
                (("YIA", "air"), 5),
                (("BTH", "sea"), 20),
                (("TNJ", "sea"), 5),
                (("NNX", "sea"), 4),
                (("ENT", "land"), 4),
            ])
        } else {
            r.weighted(&[
                (("CGK", "air"), 35),
                (("KNO", "air"), 10),
                (("SUB", "air"), 15),
                (("DPS", "air"), 10),
                (("YIA", "air"), 5),
                (("BTH", "sea"), 12),
                (("TNJ", "sea"), 4),
                (("NNX", "sea"), 4),
                (("ENT", "land"), 5),
            ])
        };
        o.insert("office".into(), json!(office));
        o.insert("exit_mode".into(), json!(mode));
    } else {
        o.insert("office".into(), json!(format!("KANIM-{:02}", r.int(1, 24))));
    }

    // 4. purpose and destination
    let purpose = match scenario {
        Scenario::Scam => r.weighted(&[
            ("tourism", 72),
            ("family_visit", 15),
            ("work", 8),
            ("business", 5),
        ]),
        Scenario::Conventional => r.weighted(&[
            ("tourism", 45),
            ("family_visit", 20),
            ("umrah", 15),
            ("work", 20),
        ]),
        Scenario::Tourist => "tourism",
        Scenario::Umrah => r.weighted(&[("umrah", 95), ("hajj_special", 5)]),
        Scenario::FamilyVisit => "family_visit",
        Scenario::LegalWorker => "work",
        Scenario::Business => "business",
        Scenario::Study => "study",
        Scenario::Internship => r.weighted(&[("internship", 60), ("job_fair", 40)]),
    };
    let dest = match scenario {
        Scenario::Scam => r.weighted(&[
            ("KH", 40),
            ("TH", 22),
            ("MY", 14),
            ("PH", 7),
            ("MM", 6),
            ("LA", 6),
            ("VN", 5),
        ]),
        Scenario::Conventional => {
            if purpose == "umrah" {
                "SA"
            } else {
                r.weighted(&[("MY", 50), ("SA", 30), ("AE", 8), ("SG", 6), ("BN", 6)])
            }
        }
        Scenario::Tourist => r.weighted(&[
            ("MY", 22),
            ("SG", 20),
            ("TH", 14),
            ("JP", 10),
            ("KR", 8),
            ("VN", 5),
            ("AU", 4),
            ("TR", 4),
            ("CN", 4),
            ("HK", 4),
            ("PH", 3),
            ("KH", 2),
        ]),
        Scenario::Umrah => "SA",
        Scenario::FamilyVisit => r.weighted(&[
            ("MY", 40),
            ("SG", 15),
            ("SA", 10),
            ("AU", 8),
            ("NL", 8),
            ("JP", 8),
            ("US", 6),
            ("TW", 3),
            ("KH", 2),
        ]),
        Scenario::LegalWorker => r.weighted(&[
            ("TW", 30),
            ("MY", 26),
            ("HK", 24),
            ("JP", 7),
            ("KR", 6),
            ("SG", 4),
            ("SA", 3),
        ]),
        Scenario::Business => r.weighted(&[
            ("SG", 30),
            ("MY", 20),
            ("CN", 20),
            ("JP", 12),
            ("AE", 10),
            ("KH", 3),
            ("VN", 5),
        ]),
        Scenario::Study => r.weighted(&[
            ("AU", 25),
            ("JP", 20),
            ("MY", 20),
            ("NL", 10),
            ("DE", 10),
            ("US", 10),
            ("CN", 5),
        ]),
        Scenario::Internship => r.weighted(&[("JP", 70), ("KR", 15), ("DE", 15)]),
    };
    o.insert("stated_purpose".into(), json!(purpose));
    o.insert("destination_country".into(), json!(dest));
    let mut dest_city = capital(dest);
    if scenario == Scenario::Scam && dest == "TH" && r.p(0.15) {
        dest_city = "Mae Sot";
    }
    if r.p(0.5) {
        o.insert("destination_city".into(), json!(dest_city));
    }

    // supporting documents for the stated purpose
    let mut docs: Vec<&str> = Vec::new();
    let pos = c.pos();
    let mut add = |r: &mut R, doc: &'static str, p_neg: f64, p_pos: f64| {
        if r.p(if pos { p_pos } else { p_neg }) {
            docs.push(doc);
        }
    };
    match purpose {
        "work" => {
            add(r, "pmi_registration", 0.97, 0.12);
            add(r, "placement_agreement", 0.95, 0.10);
            add(r, "labour_office_recommendation", 0.40, 0.08);
            add(r, "employment_contract", 0.95, 0.20);
            add(r, "work_visa", 0.93, 0.05);
        }
        "umrah" | "hajj_special" => {
            add(r, "religious_affairs_recommendation", 0.95, 0.40);
            add(r, "umrah_organiser_letter", 0.96, 0.50);
        }
        "family_visit" => {
            add(r, "invitation_letter", 0.70, 0.20);
            add(r, "host_passport_copy", 0.55, 0.15);
        }
        "tourism" => add(r, "accommodation_booking", 0.65, 0.15),
        "internship" | "job_fair" => add(r, "training_directorate_recommendation", 0.92, 0.30),
        "study" => add(r, "study_admission", 0.97, 0.5),
        "business" => add(r, "business_invitation", 0.85, 0.3),
        _ => {}
    }
    if docs.contains(&"pmi_registration") {
        o.insert(
            "pmi_registration_id".into(),
            json!(format!("SYN-PMI-{:07}", r.int(1, 9_999_999))),
        );
    }
    o.insert("supporting_docs".into(), json!(docs));

    // job offer
    let job_offer = job_offer(r, &c, dest);
    let has_offer = job_offer.is_some();
    if let Some(offer) = job_offer {
        o.insert("job_offer".into(), offer);
    }

    // recruiter
    let recruiter_p = match scenario {
        Scenario::Scam => 0.45,
        Scenario::Conventional => 0.35,
        Scenario::LegalWorker => 0.95,
        Scenario::Internship => 0.6,
        _ => 0.0,
    };
    if r.p(recruiter_p) {
        let watch_p = match scenario {
            Scenario::Scam => 0.30,
            Scenario::Conventional => 0.20,
            _ => 0.003,
        };
        let mut rec = Map::new();
        if r.p(watch_p) {
            if r.p(0.5) {
                rec.insert("agency_id".into(), json!(r.pick(WATCH_IDS)));
                rec.insert("name".into(), json!(synthetic_company(r)));
            } else {
                rec.insert("name".into(), json!(r.pick(WATCH_NAME_VARIANTS)));
            }
        } else {
            rec.insert("name".into(), json!(synthetic_company(r)));
            if r.p(0.8) {
                rec.insert(
                    "agency_id".into(),
                    json!(format!("SYN-AG-{:04}", r.int(1000, 4999))),
                );
            }
        }
        o.insert("recruiter".into(), Value::Object(rec));
    }

    // interview checklist
    let visit = matches!(purpose, "tourism" | "family_visit");
    let mut iv = Map::new();
    iv.insert(
        "purpose_explained".into(),
        json!(r.p(match (pos, visit) {
            (true, true) => 0.5,
            (true, false) => 0.7,
            (false, true) => 0.96,
            (false, false) => 0.97,
        })),
    );
    iv.insert(
        "knows_destination_contact".into(),
        json!(r.p(if pos { 0.5 } else { 0.95 })),
    );
    let carries = if visit {
        match scenario {
            Scenario::Scam if has_offer => 0.45,
            Scenario::Scam | Scenario::Conventional => 0.3,
            _ => 0.015,
        }
    } else if purpose == "work" {
        if has_offer {
            0.9
        } else {
            0.3
        }
    } else {
        0.01
    };
    iv.insert("carries_job_documents".into(), json!(r.p(carries)));
    if r.p(0.85) {
        let p = match scenario {
            Scenario::Scam | Scenario::Conventional => 0.2,
            Scenario::LegalWorker => 0.03,
            _ => 0.01,
        };
        iv.insert("reports_debt_to_recruiter".into(), json!(r.p(p)));
    }
    if purpose == "family_visit" {
        iv.insert("invitation_requested".into(), json!(r.p(0.5)));
    }
    if stage == Stage::Departure && r.p(0.9) {
        iv.insert(
            "someone_speaks_for_them".into(),
            json!(r.p(if pos { 0.12 } else { 0.005 })),
        );
    }
    o.insert("interview".into(), Value::Object(iv));

    // history
    let prior = if pos {
        if r.p(0.18) {
            r.weighted(&[(1, 80), (2, 20)])
        } else {
            0
        }
    } else if r.p(0.004) {
        1
    } else {
        0
    };
    let mut history = Map::new();
    let findings: Vec<Value> = (0..prior)
        .map(|_| {
            let (lo, hi, upheld) = if pos {
                (0, 4 * 365, 0.75)
            } else {
                (365, 8 * 365, 0.3)
            };
            let date = date_string(event - r.int(lo, hi));
            let outcome = if r.p(upheld) {
                "upheld"
            } else {
                r.pick(&["resolved", "dismissed"])
            };
            json!({ "date": date, "outcome": outcome })
        })
        .collect();
    history.insert("pmi_np_findings".into(), Value::Array(findings));
    let prev = r.weighted(&[(0, 55), (1, 30), (2, 12), (3, 3)]);
    history.insert("previous_passports_count".into(), json!(prev));

    // identity
    let nik_consistent = r.p(if pos { 0.96 } else { 0.995 });
    let nik = make_nik(r, province_code, birth, female, nik_consistent, pos);
    o.insert("nik".into(), json!(nik));

    match stage {
        Stage::Passport => passport_fields(r, &c, &mut o, &mut history, prev, nik_consistent),
        Stage::Departure => departure_fields(r, &c, &mut o, &mut history, purpose, dest, event),
    }
    o.insert("history".into(), Value::Object(history));

    // 7. missing required data
    if r.p(model.drop_required) {
        let mut candidates: Vec<&str> = vec![
            "event_date",
            "stated_purpose",
            "destination_country",
            "supporting_docs",
            "history.pmi_np_findings",
            "history.previous_passports_count",
            "nik",
            "sex",
            "birth_date",
            "province",
            "interview.purpose_explained",
            "interview.knows_destination_contact",
        ];
        match stage {
            Stage::Passport => candidates.push("identity.biodata_consistent"),
            Stage::Departure => {
                candidates.push("ticket.return_or_onward");
                candidates.push("ticket.paid_by");
            }
        }
        let victim = r.pick(&candidates);
        match victim.split_once('.') {
            Some((obj, field)) => {
                if let Some(Value::Object(inner)) = o.get_mut(obj) {
                    inner.remove(field);
                }
            }
            None => {
                o.remove(victim);
            }
        }
    }
    Value::Object(o)
}

fn job_offer(r: &mut R, c: &Ctx, dest: &str) -> Option<Value> {
    let mut j = Map::new();
    match c.scenario {
        Scenario::Scam => {
            if !r.p(0.7) {
                return None;
            }
            j.insert("title".into(), json!(r.pick(SCAM_TITLES)));
            let salary = if r.p(0.9) {
                r.int(20, 32) * 50
            } else {
                r.int(14, 19) * 50
            };
            j.insert("monthly_salary_usd".into(), json!(salary as f64));
            j.insert(
                "channel".into(),
                json!(r.weighted(&[
                    ("social_media", 45),
                    ("friend_family", 25),
                    ("chat_group", 20),
                    ("online_ad", 10)
                ])),
            );
            j.insert("has_written_contract".into(), json!(r.p(0.12)));
            j.insert(
                "visa_type".into(),
                json!(r.weighted(&[("visa_free", 60), ("tourist", 30), ("unknown", 10)])),
            );
            let country = r.weighted(&[("KH", 50), ("MM", 15), ("TH", 15), ("LA", 10), ("PH", 10)]);
            j.insert("employer_country".into(), json!(country));
            if r.p(0.6) {
                let city = if r.p(0.75) {
                    r.pick(HUB_CITIES)
                } else {
                    capital(country)
                };
                j.insert("employer_city".into(), json!(city));
            }
        }
        Scenario::Conventional => {
            if !r.p(0.5) {
                return None;
            }
            j.insert("title".into(), json!(r.pick(CONVENTIONAL_TITLES)));
            j.insert(
                "monthly_salary_usd".into(),
                json!((r.int(5, 14) * 50) as f64),
            );
            j.insert(
                "channel".into(),
                json!(r.weighted(&[("friend_family", 40), ("walk_in", 30), ("social_media", 30)])),
            );
            j.insert("has_written_contract".into(), json!(r.p(0.35)));
            j.insert(
                "visa_type".into(),
                json!(r.weighted(&[("tourist", 40), ("visa_free", 30), ("unknown", 30)])),
            );
            j.insert("employer_country".into(), json!(dest));
            if r.p(0.5) {
                j.insert("employer_city".into(), json!(capital(dest)));
            }
        }
        Scenario::LegalWorker | Scenario::Internship => {
            if c.scenario == Scenario::Internship && !r.p(0.5) {
                return None;
            }
            let title = if c.scenario == Scenario::Internship {
                "Technical intern"
            } else {
                r.pick(LEGAL_TITLES)
            };
            j.insert("title".into(), json!(title));
            j.insert(
                "monthly_salary_usd".into(),
                json!((r.int(8, 30) * 50) as f64),
            );
            j.insert(
                "channel".into(),
                json!(r.weighted(&[
                    ("official_agency", 60),
                    ("siskop2mi_vacancy", 35),
                    ("friend_family", 5)
                ])),
            );
            j.insert("has_written_contract".into(), json!(r.p(0.97)));
            j.insert(
                "visa_type".into(),
                json!(if r.p(0.96) { "work" } else { "unknown" }),
            );
            j.insert("employer_country".into(), json!(dest));
            if r.p(0.6) {
                j.insert("employer_city".into(), json!(capital(dest)));
            }
        }
        _ => return None,
    }
    if r.p(0.1) {
        j.remove("channel");
    }
    Some(Value::Object(j))
}

fn make_nik(
    r: &mut R,
    province_code: u32,
    birth: i64,
    female: bool,
    consistent: bool,
    pos: bool,
) -> String {
    let (y, m, d) = civil_from_days(if consistent {
        birth
    } else {
        birth + r.int(1, 300)
    });
    let day = if female { d + 40 } else { d };
    let nik = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}{:04}",
        province_code,
        r.int(1, 30),
        r.int(1, 30),
        day,
        m,
        y.rem_euclid(100),
        r.int(1, 999)
    );
    // A few malformed NIKs (typing errors, altered documents).
    if r.p(if pos { 0.01 } else { 0.003 }) {
        if r.p(0.5) {
            return nik[..15].to_string();
        }
        return format!("{}35{}", &nik[..6], &nik[8..]);
    }
    nik
}

fn passport_fields(
    r: &mut R,
    c: &Ctx,
    o: &mut Map<String, Value>,
    history: &mut Map<String, Value>,
    prev: i64,
    nik_consistent: bool,
) {
    let pos = c.pos();
    if prev > 0 {
        history.insert(
            "previous_passport_declared".into(),
            json!(r.p(if pos { 0.8 } else { 0.97 })),
        );
    }
    if r.p(0.7) {
        let lost = if pos {
            r.weighted(&[(0, 90), (1, 5), (2, 5)])
        } else {
            r.weighted(&[(0, 990), (1, 8), (2, 2)])
        };
        history.insert("lost_passport_reports_3y".into(), json!(lost));
    }
    o.insert(
        "identity".into(),
        json!({
            "nik_birthdate_consistent": nik_consistent,
            "biodata_consistent": r.p(if pos { 0.93 } else { 0.985 }),
        }),
    );
    let sponsor_p = match c.scenario {
        Scenario::Scam | Scenario::Conventional => 0.5,
        Scenario::FamilyVisit | Scenario::Business => 0.9,
        _ => 0.05,
    };
    if r.p(sponsor_p) {
        let many = r.p(if pos { 0.3 } else { 0.02 });
        let count = if many { r.int(5, 12) } else { r.int(1, 2) };
        o.insert(
            "sponsor".into(),
            json!({ "name": format!("Sponsor Sintetis {:03}", r.int(1, 999)), "applications_30d": count }),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn departure_fields(
    r: &mut R,
    c: &Ctx,
    o: &mut Map<String, Value>,
    history: &mut Map<String, Value>,
    purpose: &str,
    dest: &str,
    event: i64,
) {
    let pos = c.pos();
    let sea = o.get("exit_mode").and_then(Value::as_str) == Some("sea");

    // purpose recorded at passport issuance
    if r.p(0.8) {
        let same = r.p(if pos { 0.7 } else { 0.97 });
        let at_app = if same {
            purpose
        } else if pos {
            r.weighted(&[("umrah", 40), ("tourism", 30), ("family_visit", 30)])
        } else {
            r.pick(&["tourism", "family_visit", "business"])
        };
        history.insert("purpose_at_application".into(), json!(at_app));
    }

    // legs
    let first_mode = if sea { "sea" } else { "air" };
    let mut legs: Vec<Value> = Vec::new();
    let leg = |r: &mut R, country: &str, city: &str, mode: &str| {
        if r.p(0.85) {
            json!({ "country": country, "city": city, "mode": mode })
        } else {
            json!({ "country": country, "mode": mode })
        }
    };
    if c.scenario == Scenario::Scam {
        match dest {
            "TH" | "MY" | "PH" | "VN" => {
                legs.push(leg(r, dest, capital(dest), first_mode));
                if r.p(0.55) {
                    let (country, city) = match dest {
                        "TH" => r.pick(&[
                            ("MM", "Myawaddy"),
                            ("TH", "Mae Sot"),
                            ("LA", "Bokeo"),
                            ("KH", "Poipet"),
                            ("TH", "Chiang Rai"),
                        ]),
                        "MY" => {
                            r.pick(&[("TH", "Hat Yai"), ("KH", "Poipet"), ("TH", "Aranyaprathet")])
                        }
                        "VN" => r.pick(&[("KH", "Bavet"), ("VN", "Moc Bai")]),
                        _ => r.pick(&[("KH", "Phnom Penh"), ("MM", "Myawaddy")]),
                    };
                    let mode = if country == "KH" && city == "Phnom Penh" {
                        "air"
                    } else {
                        "land"
                    };
                    legs.push(leg(r, country, city, mode));
                }
            }
            _ => {
                if r.p(0.4) {
                    let hub = r.pick(&["MY", "TH", "SG"]);
                    legs.push(leg(r, hub, capital(hub), first_mode));
                    legs.push(leg(r, dest, capital(dest), "air"));
                } else {
                    legs.push(leg(r, dest, capital(dest), first_mode));
                }
            }
        }
    } else {
        if r.p(0.1) && !sea {
            let hub = r.pick(&["SG", "MY", "QA", "AE"]);
            if hub != dest {
                legs.push(leg(r, hub, capital(hub), "air"));
            }
        }
        legs.push(leg(r, dest, capital(dest), first_mode));
        // lawful tourists who travel on overland (noise: a source of false positives)
        if c.scenario == Scenario::Tourist && dest == "TH" && r.p(0.05) {
            legs.push(leg(r, "TH", "Chiang Rai", "land"));
        }
    }
    if r.p(0.97) {
        o.insert("legs".into(), Value::Array(legs));
    }

    // ticket
    let mut t = Map::new();
    let return_p = match c.scenario {
        Scenario::Scam | Scenario::Conventional => 0.25,
        Scenario::LegalWorker => 0.25,
        Scenario::Study => 0.5,
        _ => 0.95,
    };
    t.insert("return_or_onward".into(), json!(r.p(return_p)));
    let paid_by = if pos {
        r.weighted(&[
            ("recruiter", 40),
            ("self", 30),
            ("sponsor_other", 15),
            ("family", 8),
            ("unknown", 7),
        ])
    } else if c.scenario == Scenario::LegalWorker {
        r.weighted(&[("employer_documented", 70), ("self", 20), ("family", 10)])
    } else {
        r.weighted(&[
            ("self", 78),
            ("family", 18),
            ("sponsor_other", 3),
            ("unknown", 1),
        ])
    };
    t.insert("paid_by".into(), json!(paid_by));
    if r.p(0.7) {
        let method = if pos {
            r.weighted(&[
                ("cash", 35),
                ("agent_account", 30),
                ("bank_transfer", 20),
                ("card", 15),
            ])
        } else {
            r.weighted(&[
                ("card", 45),
                ("bank_transfer", 40),
                ("cash", 10),
                ("agent_account", 5),
            ])
        };
        t.insert("payment_method".into(), json!(method));
    }
    if r.p(0.8) {
        let size = if pos {
            r.weighted(&[((1, 1), 50), ((2, 4), 25), ((5, 20), 25)])
        } else if c.scenario == Scenario::Umrah {
            r.weighted(&[((1, 1), 10), ((2, 4), 20), ((10, 45), 70)])
        } else {
            r.weighted(&[((1, 1), 60), ((2, 4), 35), ((5, 30), 5)])
        };
        t.insert("group_size".into(), json!(r.int(size.0, size.1)));
    }
    o.insert("ticket".into(), Value::Object(t));

    // passport issue date
    if r.p(0.95) {
        let age_days = if pos && r.p(0.7) {
            r.int(7, 90)
        } else if c.scenario == Scenario::Umrah && r.p(0.5) {
            r.int(14, 60)
        } else {
            r.int(14, 3000)
        };
        o.insert(
            "passport_issue_date".into(),
            json!(date_string(event - age_days)),
        );
    }

    o.insert(
        "passport_held_by_other".into(),
        json!(r.p(if pos { 0.15 } else { 0.004 })),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = include_str!("../../../rules/id-pmi/schema.toml");
    const README: &str = include_str!("../../../rules/id-pmi/README.md");

    /// `(top-level required names, all declared paths)` read from the schema file.
    fn schema_fields() -> (Vec<String>, Vec<String>) {
        let mut required = Vec::new();
        let mut declared = Vec::new();
        let mut current: Option<String> = None;
        for line in SCHEMA.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("[field.") {
                let path = rest.trim_end_matches(']').to_string();
                declared.push(path.clone());
                current = Some(path);
            } else if line.replace(' ', "") == "required=true" {
                if let Some(path) = &current {
                    if !path.contains('.') {
                        required.push(path.clone());
                    }
                }
            }
        }
        (required, declared)
    }

    fn opts(n: usize, seed: u64, stage: Stage) -> SynthOptions {
        SynthOptions { n, seed, stage }
    }

    #[test]
    fn same_seed_same_output() {
        for stage in [Stage::Passport, Stage::Departure] {
            let a: Vec<Value> = generate(&opts(500, 42, stage)).collect();
            let b: Vec<Value> = generate(&opts(500, 42, stage)).collect();
            assert_eq!(a, b);
            let c: Vec<Value> = generate(&opts(500, 43, stage)).collect();
            assert_ne!(a, c, "a different seed gives different records");
        }
    }

    #[test]
    fn record_does_not_depend_on_n() {
        let short: Vec<Value> = generate(&opts(10, 7, Stage::Departure)).collect();
        let long: Vec<Value> = generate(&opts(100, 7, Stage::Departure)).collect();
        assert_eq!(short[..], long[..10]);
    }

    #[test]
    fn fixed_output_for_a_known_seed() {
        // Guards cross-platform determinism: if this changes, the model changed (bump its
        // version in MODEL_DOC) or the RNG is no longer platform independent.
        let first = generate(&opts(1, 1, Stage::Departure)).next().unwrap();
        let again = generate(&opts(1, 1, Stage::Departure)).next().unwrap();
        assert_eq!(first.to_string(), again.to_string());
        assert_eq!(first["record_id"], "SYN-000001");
        assert_eq!(first["birth_date"], "1970-09-20");
        assert_eq!(first["nik"], "3604016009700214");
        assert_eq!(first["stated_purpose"], "internship");
    }

    #[test]
    fn base_rate_within_bounds() {
        for stage in [Stage::Passport, Stage::Departure] {
            let positives = generate(&opts(10_000, 2025, stage))
                .filter(|r| r["label"] == Value::Bool(true))
                .count();
            assert!(
                (300..=500).contains(&positives),
                "{positives} positives of 10,000"
            );
        }
    }

    #[test]
    fn every_record_has_the_required_fields() {
        let (required, _) = schema_fields();
        assert!(required.len() >= 10, "schema parse found {required:?}");
        let model = Model {
            drop_required: 0.0,
            ..Model::default()
        };
        for stage in [Stage::Passport, Stage::Departure] {
            for (i, rec) in generate_with(&opts(2_000, 9, stage), model).enumerate() {
                let obj = rec.as_object().expect("a JSON object");
                for name in &required {
                    assert!(
                        obj.contains_key(name),
                        "record {i} ({stage:?}) lacks `{name}`"
                    );
                }
                assert!(obj["label"].is_boolean());
                assert_eq!(obj["record_id"], format!("SYN-{:06}", i + 1));
            }
        }
        // With the default model only a few records lose one required field.
        let (mut complete, mut total) = (0, 0);
        for rec in generate(&opts(5_000, 9, Stage::Departure)) {
            total += 1;
            let obj = rec.as_object().unwrap();
            let missing = required
                .iter()
                .filter(|n| !obj.contains_key(n.as_str()))
                .count();
            assert!(missing <= 1);
            complete += usize::from(missing == 0);
        }
        assert!(
            complete * 100 >= total * 97,
            "{complete} of {total} complete"
        );
    }

    #[test]
    fn every_generated_field_is_declared() {
        let (_, declared) = schema_fields();
        for stage in [Stage::Passport, Stage::Departure] {
            for rec in generate(&opts(3_000, 11, stage)) {
                for (k, v) in rec.as_object().unwrap() {
                    if k == "label" {
                        continue;
                    }
                    assert!(declared.contains(k), "`{k}` is not in schema.toml");
                    let children: Vec<&Map<String, Value>> = match v {
                        Value::Object(m) => vec![m],
                        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
                        _ => vec![],
                    };
                    for child in children {
                        for ck in child.keys() {
                            let path = format!("{k}.{ck}");
                            assert!(declared.contains(&path), "`{path}` is not in schema.toml");
                        }
                    }
                }
                assert!(rec.get("religion").is_none() && rec.get("ethnicity").is_none());
            }
        }
    }

    #[test]
    fn monitored_attributes_independent_of_label() {
        let recs: Vec<Value> = generate(&opts(20_000, 5, Stage::Departure)).collect();
        let rate = |label: bool| {
            let group: Vec<&Value> = recs
                .iter()
                .filter(|r| r["label"] == Value::Bool(label))
                .collect();
            let female = group.iter().filter(|r| r["sex"] == "female").count();
            female as f64 / group.len() as f64
        };
        assert!(
            (rate(true) - rate(false)).abs() < 0.08,
            "{} vs {}",
            rate(true),
            rate(false)
        );
    }

    #[test]
    fn positives_carry_more_indicators() {
        let recs: Vec<Value> = generate(&opts(10_000, 3, Stage::Departure)).collect();
        let signals = |r: &Value| -> u32 {
            u32::from(r["ticket"]["return_or_onward"] == Value::Bool(false))
                + u32::from(r["passport_held_by_other"] == Value::Bool(true))
                + u32::from(r["interview"]["purpose_explained"] == Value::Bool(false))
                + u32::from(r["interview"]["knows_destination_contact"] == Value::Bool(false))
                + u32::from(matches!(
                    r["ticket"]["paid_by"].as_str(),
                    Some("recruiter" | "sponsor_other")
                ))
        };
        let mean = |label: bool| {
            let g: Vec<&Value> = recs
                .iter()
                .filter(|r| r["label"] == Value::Bool(label))
                .collect();
            g.iter().map(|r| signals(r) as f64).sum::<f64>() / g.len() as f64
        };
        assert!(
            mean(true) > 1.5 && mean(false) < 0.6,
            "{} vs {}",
            mean(true),
            mean(false)
        );
    }

    #[test]
    fn nik_matches_birth_date_when_consistent() {
        for rec in generate(&opts(500, 8, Stage::Passport)) {
            let (Some(nik), Some(birth)) = (rec["nik"].as_str(), rec["birth_date"].as_str()) else {
                continue;
            };
            if rec["identity"]["nik_birthdate_consistent"] != Value::Bool(true) || nik.len() != 16 {
                continue;
            }
            let day: u32 = nik[6..8].parse().unwrap();
            let day = if day > 40 { day - 40 } else { day };
            if day > 31 {
                continue; // deliberately malformed
            }
            assert_eq!(format!("{day:02}"), birth[8..10], "{nik} vs {birth}");
            assert_eq!(&nik[8..10], &birth[5..7]);
            assert_eq!(&nik[10..12], &birth[2..4]);
        }
    }

    #[test]
    fn calendar_round_trip() {
        for d in [-1000, 0, 10_957, 20_089, 20_454] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(date_string(days_from_civil(2025, 1, 1)), "2025-01-01");
        assert_eq!(date_string(days_from_civil(2024, 2, 29)), "2024-02-29");
    }

    #[test]
    fn model_doc_is_in_the_readme() {
        assert!(
            README.contains(MODEL_DOC.trim()),
            "rules/id-pmi/README.md must contain MODEL_DOC"
        );
    }
}
