//! The bundled packs under `rules/`: every applicant text in Bahasa Indonesia and English,
//! indicator families that keep one fact from reaching `refer`, questions for missing data,
//! the NIK proxy caught by the check, and the one monitored read in the register.

use std::collections::BTreeMap;
use std::path::PathBuf;

use saring::pack::{Rule, Text};
use saring::schema::{Field, FieldKind, ObjectType};
use saring::{Engine, Outcome, Pack};
use serde_json::{json, Value};

fn rules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules")
}

fn engine(rel: &str) -> Engine {
    Engine::load(rules_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {}", e.render()))
}

fn both_languages(what: &str, text: &Text) {
    let (Some(en), Some(id)) = (text.get("en"), text.get("id")) else {
        panic!("{what}: needs `en` and `id` texts, found {text:?}");
    };
    assert!(
        !id.trim().is_empty() && !en.trim().is_empty(),
        "{what}: empty text"
    );
    assert_ne!(en, id, "{what}: the `id` text is the English one");
    assert!(matches!(text, Text::PerLanguage(_)), "{what}");
}

fn rule_texts(pack: &str, rule: &Rule) {
    both_languages(&format!("{pack} rule `{}` reason", rule.id), &rule.reason);
    let remedy = rule
        .remedy
        .as_ref()
        .unwrap_or_else(|| panic!("{pack} rule `{}` has no remedy", rule.id));
    both_languages(&format!("{pack} rule `{}` remedy", rule.id), remedy);
}

fn visit(obj: &ObjectType, f: &mut dyn FnMut(&Field)) {
    for field in &obj.fields {
        f(field);
        match &field.kind {
            FieldKind::Object(child) => visit(child, f),
            FieldKind::List(item) => {
                if let FieldKind::Object(child) = &**item {
                    visit(child, f)
                }
            }
            _ => {}
        }
    }
}

#[test]
fn every_id_pmi_rule_has_id_and_en_texts() {
    let mut rules = 0;
    for pack in ["id-pmi/departure.toml", "id-pmi/passport.toml", "job-offer"] {
        let e = engine(pack);
        assert_eq!(e.languages(), ["id", "en"], "{pack}");
        for rule in &e.pack().rules {
            rule_texts(pack, rule);
            rules += 1;
        }
        // Every question the schema asks is in both languages too.
        let mut questions = 0;
        visit(&e.schema().root, &mut |f| {
            if let Some(q) = &f.question {
                both_languages(&format!("{pack} field `{}` question", f.path), q);
                questions += 1;
            }
        });
        assert!(questions >= 10, "{pack}: {questions} questions");
        // ... and `saring check` finds no language missing.
        let missing: Vec<&str> = e
            .pack()
            .warnings
            .iter()
            .filter(|d| d.code == "pack.missing_language")
            .map(|d| d.message.as_str())
            .collect();
        assert!(missing.is_empty(), "{pack}: {missing:?}");
    }
    assert_eq!(rules, 22 + 19 + 16);
}

/// A departure record where nothing fires, to which the cases add facts.
fn departure(extra: Value) -> Value {
    let mut r = json!({
        "record_id": "SYN-TEST", "stage": "departure", "event_date": "2026-03-01",
        "exit_mode": "air", "stated_purpose": "tourism", "destination_country": "JP",
        "supporting_docs": ["accommodation_booking"],
        "legs": [{ "country": "JP", "city": "Tokyo", "mode": "air" }],
        "ticket": { "return_or_onward": true, "paid_by": "self", "group_size": 1 },
        "passport_issue_date": "2022-01-10", "passport_held_by_other": false,
        "interview": { "purpose_explained": true, "knows_destination_contact": true,
                       "carries_job_documents": false },
        "history": { "pmi_np_findings": [], "previous_passports_count": 0 },
        "nik": "3201054512990003", "sex": "female", "birth_date": "1999-12-05",
        "province": "Jawa Barat"
    });
    merge(&mut r, extra);
    r
}

fn merge(target: &mut Value, extra: Value) {
    match (target, extra) {
        (Value::Object(t), Value::Object(e)) => {
            for (k, v) in e {
                match (t.get_mut(&k), v) {
                    (Some(old @ Value::Object(_)), v @ Value::Object(_)) => merge(old, v),
                    (_, Value::Null) => {
                        t.remove(&k);
                    }
                    (_, v) => {
                        t.insert(k, v);
                    }
                }
            }
        }
        (t, e) => *t = e,
    }
}

#[test]
fn destination_kh_alone_cannot_reach_refer() {
    let e = engine("id-pmi/departure.toml");
    assert_eq!(
        e.screen_value(&departure(json!({}))).unwrap().outcome,
        Outcome::Clear
    );
    // Everything that follows from the itinerary and the ticket: a one-way "holiday" to
    // Cambodia on a recruiter-paid ticket, continuing overland through a border town.
    let kh = departure(json!({
        "destination_country": "KH", "supporting_docs": [],
        "legs": [{ "country": "TH", "city": "Bangkok", "mode": "air" },
                 { "country": "KH", "city": "Poipet", "mode": "land" }],
        "ticket": { "return_or_onward": false, "paid_by": "recruiter" }
    }));
    let d = e.screen_value(&kh).unwrap();
    let fired: Vec<&str> = d.hits.iter().map(|h| h.rule.as_str()).collect();
    assert_eq!(
        fired,
        [
            "visit_purpose_to_hub_country",
            "one_way_hotspot",
            "route_via_border_crossing",
            "third_party_ticket",
            "one_way_hotspot_third_party"
        ]
    );
    let raw: i64 = d.hits.iter().map(|h| h.weight).sum();
    assert_eq!(raw, 115, "the weights alone would refer");
    assert_eq!(
        (d.outcome, d.score, d.families.clone()),
        (
            Outcome::Review,
            40,
            BTreeMap::from([("itinerary".to_string(), 40)])
        )
    );
    // The case: a one-way tourist on a recruiter-paid ticket.
    let d = e
        .screen_value(&departure(json!({
            "destination_country": "KH",
            "legs": [{ "country": "KH", "city": "Phnom Penh", "mode": "air" }],
            "ticket": { "return_or_onward": false, "paid_by": "recruiter" }
        })))
        .unwrap();
    assert_eq!((d.outcome, d.score), (Outcome::Review, 40));
}

#[test]
fn refer_needs_indicators_from_two_families() {
    let e = engine("id-pmi/departure.toml");
    // Itinerary (capped at 40) plus job documents on a "holiday" (documents, 30): refer.
    let d = e
        .screen_value(&departure(json!({
            "destination_country": "KH",
            "legs": [{ "country": "KH", "city": "Phnom Penh", "mode": "air" }],
            "ticket": { "return_or_onward": false },
            "interview": { "carries_job_documents": true }
        })))
        .unwrap();
    assert_eq!(
        (d.outcome, d.score, d.families.clone()),
        (
            Outcome::Refer,
            70,
            BTreeMap::from([("documents".to_string(), 30), ("itinerary".to_string(), 40)])
        )
    );
    // A scam offer with a workplace in a hub is one family (recruitment, capped at 45).
    let d = e
        .screen_value(&departure(json!({
            "job_offer": { "title": "Admin Crypto", "monthly_salary_usd": 1500.0,
                           "has_written_contract": false, "visa_type": "visa_free",
                           "employer_city": "Sihanoukville" }
        })))
        .unwrap();
    assert_eq!(
        (d.outcome, d.score, d.families.clone()),
        (
            Outcome::Review,
            45,
            BTreeMap::from([("recruitment".to_string(), 45)])
        )
    );
}

#[test]
fn missing_ticket_data_is_incomplete_with_questions_in_bahasa_indonesia() {
    let e = engine("id-pmi/departure.toml");
    let record = departure(json!({ "destination_country": "KH", "ticket": null, "legs": [] }));
    let d = e.screen_value(&record).unwrap();
    assert_eq!((d.outcome, d.score), (Outcome::Incomplete, 20));
    assert!(d.max_score >= 30);
    let id = e
        .with_language("id")
        .unwrap()
        .screen_value(&record)
        .unwrap();
    let asked: Vec<(&str, Vec<String>)> = id
        .questions
        .iter()
        .map(|q| (q.question.as_str(), q.fields.clone()))
        .collect();
    assert_eq!(
        asked,
        [
            (
                "Apakah Anda punya tiket pulang, atau tiket lanjutan untuk keluar dari kawasan itu?",
                vec!["ticket.return_or_onward".to_string()]
            ),
            ("Siapa yang membayar tiket Anda?", vec!["ticket.paid_by".to_string()]),
        ]
    );
    assert_eq!(
        id.hits[0].reason,
        "Perjalanan dengan tujuan tourism ke KH, negara dengan laporan kasus WNI korban sindikat penipuan online terbanyak"
    );
}

#[test]
fn upheld_findings_count_only_within_three_years() {
    let e = engine("id-pmi/departure.toml");
    let fired = |findings: Value| -> bool {
        e.screen_value(&departure(
            json!({ "history": { "pmi_np_findings": findings } }),
        ))
        .unwrap()
        .hits
        .iter()
        .any(|h| h.rule == "prior_pmi_np_record")
    };
    assert!(fired(
        json!([{ "date": "2024-02-01", "outcome": "upheld" }])
    ));
    assert!(!fired(
        json!([{ "date": "2022-12-01", "outcome": "upheld" }])
    ));
    assert!(!fired(
        json!([{ "date": "2025-06-01", "outcome": "dismissed" },
                          { "date": "2025-07-01", "outcome": "resolved" },
                          { "date": "2025-08-01", "outcome": "pending" }])
    ));
    assert!(!fired(json!([])));
}

#[test]
fn job_titles_match_on_word_boundaries() {
    let e = engine("id-pmi/passport.toml");
    let scam = |title: &str| -> bool {
        let r = json!({
            "stage": "passport", "event_date": "2026-03-01", "stated_purpose": "tourism",
            "destination_country": "JP", "supporting_docs": [],
            "interview": { "purpose_explained": true, "knows_destination_contact": true },
            "history": { "pmi_np_findings": [], "previous_passports_count": 0 },
            "nik": "3201054512990003", "sex": "male", "birth_date": "1990-01-01",
            "province": "Bali",
            "job_offer": { "title": title, "monthly_salary_usd": 1200.0,
                           "has_written_contract": false, "visa_type": "tourist" }
        });
        e.screen_value(&r)
            .unwrap()
            .hits
            .iter()
            .any(|h| h.rule == "scam_job_offer_pattern")
    };
    for title in [
        "Badminton coach",
        "Forklift Operator",
        "Admin staff",
        "Marketing manager",
    ] {
        assert!(!scam(title), "{title}");
    }
    for title in [
        "Customer Service Online",
        "Admin Crypto",
        "admin/CRYPTO",
        "Operator Data",
        "Data Entry / Typing",
        "Live Chat Operator",
        "Telemarketing",
    ] {
        assert!(scam(title), "{title}");
    }
}

#[test]
fn the_nik_digits_proxy_is_caught_by_the_check() {
    for rel in ["id-pmi/departure.toml", "id-pmi/passport.toml"] {
        let bundled = engine(rel);
        assert!(
            !bundled
                .warnings()
                .iter()
                .any(|d| d.code == "pack.proxy_field"),
            "{rel}: the bundled rules read the NIK only whole"
        );
        let path = rules_dir().join(rel);
        let mut files = BTreeMap::new();
        let text = std::fs::read_to_string(&path).expect("pack file");
        files.insert(
            "pack.toml".to_string(),
            format!(
                "{text}\n[[rule]]\nid = \"nik_digits\"\ntitle = \"NIK day digits\"\nweight = 10\n\
                 family = \"identity\"\nwhen = \"int(nik.substring(6, 8)) > 40\"\n\
                 reason = {{ en = \"x\", id = \"y\" }}\nremedy = {{ en = \"x\", id = \"y\" }}\n"
            ),
        );
        let dir = path.parent().expect("pack folder");
        for entry in std::fs::read_dir(dir.join("lists")).expect("lists") {
            let p = entry.expect("entry").path();
            let name = format!(
                "lists/{}",
                p.file_name().and_then(|n| n.to_str()).expect("name")
            );
            files.insert(name, std::fs::read_to_string(&p).expect("list"));
        }
        files.insert(
            "schema.toml".to_string(),
            std::fs::read_to_string(dir.join("schema.toml")).expect("schema"),
        );
        let pack =
            Pack::from_files(files, "pack.toml").unwrap_or_else(|e| panic!("{}", e.render()));
        let e = Engine::compile(&pack).unwrap_or_else(|e| panic!("{}", e.render()));
        let found: Vec<&str> = e
            .warnings()
            .iter()
            .filter(|d| d.code == "pack.proxy_field")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            found,
            ["rule `nik_digits` reads `nik`, which encodes `sex`, `birth_date`, `province`, through `substring()`"],
            "{rel}"
        );
    }
}

#[test]
fn the_passport_register_holds_the_one_monitored_read() {
    let e = engine("id-pmi/passport.toml");
    let register = e.monitored_register();
    assert_eq!(register.len(), 1);
    let u = &register[0];
    assert_eq!(
        (u.rule.as_str(), u.fields.clone()),
        ("minor_applying_for_work", vec!["birth_date".to_string()])
    );
    assert!(u.why.contains("UU 18/2017 art. 5"));
    assert!(u.references[0].starts_with("S32 UU 18/2017"));
    assert!(!u.approved_by.is_empty());
    assert!(engine("id-pmi/departure.toml")
        .monitored_register()
        .is_empty());
}

#[test]
fn the_job_offer_pack_tells_scam_signs_from_an_illegal_channel() {
    let e = engine("job-offer");
    assert_eq!(e.language(), Some("id"));
    let answers = json!({
        "channel": "official_agency", "job_type": "factory", "monthly_salary_idr": 8000000,
        "requires_qualifications": true, "destination_country": "TW",
        "has_written_contract": false, "visa_type": "not_told", "ticket_paid_by": "me",
        "costs_deducted_from_salary": false, "upfront_fee_paid": true,
        "passport_kept_by_agent": false, "asked_to_lie_about_purpose": false,
        "route_via_third_country": false, "agency_registered": "no_agency"
    });
    let d = e.screen_value(&answers).unwrap();
    assert_eq!(d.outcome, Outcome::Refer);
    assert!(!d.families.contains_key("scam"), "{:?}", d.families);
    let mut scam = answers.clone();
    scam["asked_to_lie_about_purpose"] = json!(true);
    let d = e.screen_value(&scam).unwrap();
    assert_eq!(d.outcome, Outcome::Refer);
    assert_eq!(d.families.get("scam"), Some(&50));
    // Nothing answered is never "safe".
    assert_eq!(
        e.screen_value(&json!({})).unwrap().outcome,
        Outcome::Incomplete
    );
}
