//! `--lang`, the `incomplete` outcome in tables and summaries, the monitored register and
//! proxy warnings of `check`, on the bundled id-pmi packs and the fixture.

use std::path::PathBuf;

use serde_json::Value;

use crate::fixture::{stderr, stdout, Fixture, PACK};

fn rules(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../rules")
        .join(rel)
        .display()
        .to_string()
}

/// A departure record with destination KH, no ticket data and no legs recorded.
const KH_NO_TICKET: &str = r#"{"stage":"departure","event_date":"2026-03-01","stated_purpose":"tourism","destination_country":"KH","supporting_docs":[],"legs":[],"passport_held_by_other":false,"interview":{"purpose_explained":true,"knows_destination_contact":true,"carries_job_documents":false},"history":{"pmi_np_findings":[],"previous_passports_count":0},"nik":"3201054512990003","sex":"female","birth_date":"1999-12-05","province":"Bali"}"#;

#[test]
fn screen_renders_reasons_and_questions_in_the_language_asked() {
    let f = Fixture::new();
    f.write("kh.jsonl", &format!("{KH_NO_TICKET}\n"));
    let pack = rules("id-pmi/departure.toml");
    let run = |lang: Option<&str>| -> Value {
        let mut args = vec!["screen", "-q", "--pack", pack.as_str(), "kh.jsonl"];
        if let Some(l) = lang {
            args.extend(["--lang", l]);
        }
        let out = f.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_str(stdout(&out).trim()).expect("one JSON line")
    };
    let (en, id) = (run(None), run(Some("id")));
    assert_eq!(en["outcome"], "incomplete");
    assert_eq!(
        (en["score"].as_i64(), en["max_score"].as_i64()),
        (Some(20), Some(40))
    );
    assert_eq!(en["families"], serde_json::json!({"itinerary": 20}));
    assert_eq!(
        en["hits"][0]["reason"],
        "Declared tourism trip to KH, the country where most reported scam-compound cases of Indonesians are"
    );
    assert_eq!(
        id["hits"][0]["reason"],
        "Perjalanan dengan tujuan tourism ke KH, negara dengan laporan kasus WNI korban sindikat penipuan online terbanyak"
    );
    assert_eq!(
        id["questions"][1]["question"],
        "Siapa yang membayar tiket Anda?"
    );
    assert_eq!(id["questions"][1]["fields"][0], "ticket.paid_by");
    assert_eq!(en["questions"][1]["question"], "Who paid for your ticket?");

    // The table marks the record as needing data, with what to ask; the summary counts it.
    let out = f.run(&["screen", "--pack", pack.as_str(), "kh.jsonl", "-f", "table"]);
    let table = stdout(&out);
    assert!(
        table.contains(
            "      1  -               incomplete     20     40  visit_purpose_to_hub_country (+20)"
        ),
        "{table}"
    );
    assert!(
        table.contains("[needs data: ticket.return_or_onward, ticket.paid_by]"),
        "{table}"
    );
    assert!(
        stderr(&out).contains(": 0 clear, 1 need data, 0 review, 0 refer;"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_language_is_a_usage_error() {
    let f = Fixture::new();
    f.write("kh.jsonl", &format!("{KH_NO_TICKET}\n"));
    let pack = rules("id-pmi/departure.toml");
    let out = f.run(&[
        "screen",
        "--pack",
        pack.as_str(),
        "kh.jsonl",
        "--lang",
        "fr",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "error: `--lang fr`: the pack has no texts in `fr`; its languages are `id`, `en`"
        ),
        "{}",
        stderr(&out)
    );
    // A pack without languages has nothing to translate.
    let out = f.run(&["screen", "--pack", "pack", "data.jsonl", "--lang", "id"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the pack declares no languages"));
}

#[test]
fn explain_shows_max_score_families_and_questions_in_the_language_asked() {
    let f = Fixture::new();
    f.write("kh.json", KH_NO_TICKET);
    let pack = rules("id-pmi/departure.toml");
    let out = f.run(&[
        "explain",
        "--pack",
        pack.as_str(),
        "kh.json",
        "--lang",
        "id",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("outcome: INCOMPLETE  score 20  (review at 30, refer at 60)"),
        "{text}"
    );
    assert!(
        text.contains("max score: 40  (needs data: the missing data alone could reach review)"),
        "{text}"
    );
    assert!(text.contains("families: itinerary 20"), "{text}");
    assert!(
        text.contains("  - Siapa yang membayar tiket Anda?  (ticket.paid_by)"),
        "{text}"
    );
    assert!(
        text.contains("      remedy:   Jelaskan rencana perjalanan Anda dan tunjukkan pemesanan"),
        "{text}"
    );
}

#[test]
fn check_prints_the_register_and_warns_about_proxy_reads() {
    let out = Fixture::new().run(&[
        "check",
        &rules("id-pmi/passport.toml"),
        "--today",
        "2026-01-01",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains(
            "monitored register (1 rule):\n  minor_applying_for_work  reads birth_date\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("      approved by: id-pmi pack maintainers"),
        "{text}"
    );
    assert!(!text.contains("pack.proxy_field"), "{text}");

    // The fixture with a NIK whose digits a rule takes apart.
    let schema = format!(
        "{}\n[field.nik]\ntype = \"string\"\nrequired = true\nencodes = [\"sex\", \"birth_date\"]\n",
        crate::fixture::SCHEMA
    );
    let pack = format!(
        "{PACK}\n[[rule]]\nid = \"nik_day\"\ntitle = \"NIK day\"\nweight = 5\n\
         when = \"int(nik.substring(6, 8)) > 40\"\nreason = \"x\"\nremedy = \"y\"\nreferences = [\"t\"]\n"
    );
    let f = Fixture::with_pack(&pack);
    f.write("pack/schema.toml", &schema);
    let out = f.run(&["check", "pack", "-f", "json", "--today", "2019-01-01"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings do not fail: {}",
        stdout(&out)
    );
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let proxy: Vec<&Value> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "pack.proxy_field")
        .collect();
    assert_eq!(proxy.len(), 1);
    assert_eq!(
        proxy[0]["message"],
        "rule `nik_day` reads `nik`, which encodes `sex`, `birth_date`, through `substring()`"
    );
    assert_eq!(proxy[0]["severity"], "warning");
    assert_eq!(proxy[0]["rule"], "nik_day");
}
