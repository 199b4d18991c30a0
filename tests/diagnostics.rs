//! Snapshot tests of rendered diagnostics for broken packs: each case's rustc-style rendering
//! must equal `tests/diagnostics/<case>.txt` (`SARING_BLESS=1` rewrites the snapshots).

use std::collections::BTreeMap;
use std::path::Path;

use saring::pack::LoadOptions;
use saring::{Code, Engine, Pack, PackError};

const SCHEMA: &str = r#"[field.destination]
type = "string"
required = true

[field.return_ticket]
type = "bool"
required = true

[field.sex]
type = "enum"
values = ["f", "m", "x"]
monitored = true

[field.religion]
type = "string"
protected = true
"#;

fn pack_with(rules: &str) -> String {
    format!(
        r#"[pack]
id = "broken"
version = "1"
title = "Broken pack"

[outcomes]
review = 10
refer = 20

[lists]
hotspot = ["KH", "MM"]

{rules}"#
    )
}

fn rule(id: &str, when: &str) -> String {
    format!(
        "[[rule]]\nid = \"{id}\"\ntitle = \"T\"\nweight = 10\nwhen = '{when}'\nreason = \"r\"\n"
    )
}

/// Loads and compiles a pack that must succeed; returns its warnings (loader and compiler) as
/// a `PackError`, so that they render like errors do.
fn warned(files: &[(&str, &str)]) -> PackError {
    let files: BTreeMap<String, String> = files
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let pack = Pack::from_files(files, "pack.toml").unwrap_or_else(|e| panic!("{}", e.render()));
    let engine = Engine::compile(&pack).unwrap_or_else(|e| panic!("{}", e.render()));
    let mut diagnostics = pack.warnings.clone();
    diagnostics.extend(engine.warnings().iter().cloned());
    PackError::new(diagnostics, pack.sources.clone())
}

/// A rule with references, a remedy and an example, so that it raises no warnings of its own;
/// `extra` adds keys (before the example).
fn quiet_rule(id: &str, when: &str, extra: &str) -> String {
    format!(
        "{}remedy = \"none\"\nreferences = [\"t\"]\n{extra}\n  [[rule.example]]\n  expect = \"miss\"\n  record = {{ }}\n",
        rule(id, when)
    )
}

/// The schema with a NIK whose digits encode birth date and sex.
fn schema_with_nik() -> String {
    format!("{SCHEMA}\n[field.nik]\ntype = \"string\"\nrequired = true\nencodes = [\"sex\", \"birth_date\"]\n")
}

/// [`pack_with`] with a `[constants]` table before `[lists]`.
fn with_constants(constants: &str, rules: &str) -> String {
    pack_with(rules).replace("[lists]", &format!("[constants]\n{constants}\n\n[lists]"))
}

/// The schema with an optional `job_offer` object whose `source` is required within it.
fn schema_with_job_offer() -> String {
    format!("{SCHEMA}\n[field.job_offer]\ntype = \"object\"\n\n[field.job_offer.source]\ntype = \"string\"\nrequired = true\n")
}

/// The schema with a `purpose` enum (not monitored).
fn schema_with_purpose() -> String {
    format!("{SCHEMA}\n[field.purpose]\ntype = \"enum\"\nvalues = [\"tourism\", \"work\", \"study\"]\nrequired = true\n")
}

/// Loads and compiles; returns the error.
fn failure(files: &[(&str, &str)]) -> PackError {
    let files: BTreeMap<String, String> = files
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match Pack::from_files(files, "pack.toml").and_then(|p| Engine::compile(&p)) {
        Ok(_) => panic!("pack unexpectedly compiled"),
        Err(e) => e,
    }
}

/// Loads `main` (`pack.json` or `pack.toml`) with `options` and compiles; returns the error.
fn failure_with(files: &[(&str, &str)], main: &str, options: &LoadOptions) -> PackError {
    let files: BTreeMap<String, String> = files
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match Pack::from_files_with(files, main, options).and_then(|p| Engine::compile(&p)) {
        Ok(_) => panic!("pack unexpectedly compiled"),
        Err(e) => e,
    }
}

/// A JSON pack (`pack.json`, `schema.json`) of one rule, `when`, with `extra` pack keys.
fn json_pack(when: &str, schema: &str) -> Vec<(&'static str, String)> {
    let pack = format!(
        "{{\"pack\": {{\"id\": \"j\", \"version\": \"1\", \"title\": \"J\", \"schema\": \"schema.json\"}},\n\
         \"outcomes\": {{\"review\": 10, \"refer\": 20}},\n\
         \"rule\": [{{\"id\": \"r\", \"title\": \"T\", \"weight\": 10, \"when\": \"{when}\", \"reason\": \"r\"}}]}}\n"
    );
    vec![("pack.json", pack), ("schema.json", schema.to_string())]
}

/// Only the diagnostics of `err` with `code` (for cases whose other diagnostics are many).
fn only(err: PackError, code: Code) -> PackError {
    let diagnostics = err
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .cloned()
        .collect();
    PackError::new(diagnostics, err.sources.clone())
}

/// The `review_overdue` lint of a pack with a rule due for review on 2024-01-31.
fn overdue() -> PackError {
    let files: BTreeMap<String, String> = [
        (
            "pack.toml".to_string(),
            pack_with(&quiet_rule(
                "r",
                "!return_ticket",
                "review_by = \"2024-01-31\"\n",
            )),
        ),
        ("schema.toml".to_string(), SCHEMA.to_string()),
    ]
    .into_iter()
    .collect();
    let pack = Pack::from_files(files, "pack.toml").unwrap_or_else(|e| panic!("{}", e.render()));
    PackError::new(
        saring::pack::review_overdue(&pack, "2025-06-01"),
        pack.sources.clone(),
    )
}

/// A pack folder on disk whose list file is a directory: it cannot be read.
fn unreadable_list() -> PackError {
    let dir = std::env::temp_dir().join(format!("saring-diagnostics-io-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lists/hotspot.txt")).expect("temp dir");
    let pack = pack_with(&rule("r", "destination in hotspot")).replace(
        "hotspot = [\"KH\", \"MM\"]",
        "hotspot = { file = \"lists/hotspot.txt\" }",
    );
    std::fs::write(dir.join("pack.toml"), pack).expect("write pack.toml");
    std::fs::write(dir.join("schema.toml"), SCHEMA).expect("write schema.toml");
    let err = match Pack::load(dir.join("pack.toml")) {
        Ok(_) => panic!("pack unexpectedly loaded"),
        Err(e) => e,
    };
    let _ = std::fs::remove_dir_all(&dir);
    err
}

fn cases() -> Vec<(&'static str, PackError)> {
    let deep = format!(
        "{}destination == \"KH\"{}",
        "(".repeat(200),
        ")".repeat(200)
    );
    vec![
        (
            "unknown_field",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "destinaton == \"KH\""))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unknown_enum_value",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(
                        &(rule("a", "purpose == \"toursim\"")
                            + &rule("b", "purpose in purposes")),
                    )
                    .replace("[lists]\n", "[lists]\npurposes = [\"work\", \"wrok\"]\n"),
                ),
                ("schema.toml", &schema_with_purpose()),
            ]),
        ),
        (
            "type_mismatch",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "destination > 5"))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "protected_field",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "religion == \"x\""))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "monitored_field",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "sex == \"f\""))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "bad_regex",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "destination.matches(\"([A-Z]\")")),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "rule_cycle",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(
                        &(rule("a", "rules.b && return_ticket") + "\n" + &rule("b", "rules.a")),
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unknown_rule",
            failure(&[
                ("pack.toml", &pack_with(&rule("a", "rules.one_way"))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "missing_list_file",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "destination in hotspot")).replace(
                        "hotspot = [\"KH\", \"MM\"]",
                        "hotspot = { file = \"lists/hotspot.txt\" }",
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "bad_toml",
            failure(&[
                ("pack.toml", "[pack]\nid = \"x\nversion = \"1\"\n"),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "too_deep",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", &deep))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unknown_key",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "!return_ticket").replace("weight", "wieght")),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "not_bool",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "size(destination)"))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "bad_placeholder",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(
                        &rule("r", "!return_ticket")
                            .replace("reason = \"r\"", "reason = \"to {destnation}\""),
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "syntax_error",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "destination in in hotspot")),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "errors_in_two_files",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "!return_ticket")).replace(
                        "title = \"Broken pack\"",
                        "title = \"Broken pack\"\nowner = \"x\"",
                    ),
                ),
                (
                    "schema.toml",
                    &SCHEMA.replace("type = \"bool\"", "type = \"boolean\""),
                ),
            ]),
        ),
        (
            "monitored_plain_string",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&quiet_rule("r", "sex == \"f\"", "uses_monitored = \"because\"\n")),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "monitored_placeholder",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&quiet_rule(
                        "r",
                        "sex == \"f\"",
                        "uses_monitored = { why = \"todo\", references = [], approved_by = \"x\" }\n",
                    )),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unknown_family",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&quiet_rule("r", "!return_ticket", "family = \"itinerary\"\n"))
                        .replace("refer = 20", "refer = 20\nfamily_cap = { itinerery = 40 }"),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "missing_family",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(
                        &(quiet_rule("a", "!return_ticket", "family = \"itinerary\"\n")
                            + &quiet_rule("b", "destination in hotspot", "family = \"documents\"\n")
                            + &quiet_rule("c", "destination == \"MM\"", "")),
                    )
                    .replace("refer = 20", "refer = 20\nrefer_min_families = 2"),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unknown_language",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&quiet_rule("r", "!return_ticket", "").replace(
                        "reason = \"r\"\nremedy = \"none\"",
                        "reason = { en = \"No return ticket\", ind = \"Tidak ada tiket pulang\" }\n\
                         remedy = { en = \"none\", id = \"tidak ada\" }",
                    ))
                    .replace("title = \"Broken pack\"", "title = \"Broken pack\"\nlanguages = [\"id\", \"en\"]"),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "missing_language",
            warned(&[
                (
                    "pack.toml",
                    &pack_with(&quiet_rule("r", "!return_ticket", "").replace(
                        "reason = \"r\"",
                        "reason = { en = \"No return ticket\" }",
                    ))
                    .replace("title = \"Broken pack\"", "title = \"Broken pack\"\nlanguages = [\"id\", \"en\"]"),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unknown_constant",
            failure(&[
                (
                    "pack.toml",
                    &with_constants(
                        "scam_title = { regex = \"(?i)customer service\" }",
                        &rule("r", "destination.matches(scam_titel)"),
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "bad_regex_constant",
            failure(&[
                (
                    "pack.toml",
                    &with_constants(
                        "scam_title = { regex = \"(?i)(customer service\" }",
                        &rule("r", "destination.matches(scam_title)"),
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "constant_clash",
            failure(&[
                (
                    "pack.toml",
                    &with_constants(
                        "destination = \"KH\"\nhotspot = \"MM\"",
                        &rule("r", "!return_ticket"),
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unguarded_optional_object",
            warned(&[
                (
                    "pack.toml",
                    &pack_with(&quiet_rule(
                        "social_offer",
                        "job_offer.source == \"social_media\"",
                        "",
                    )),
                ),
                ("schema.toml", &schema_with_job_offer()),
            ]),
        ),
        (
            "example_unknown_field",
            warned(&[(
                "pack.toml",
                &pack_with(&format!(
                    "{}remedy = \"none\"\nreferences = [\"t\"]\n\n  [[rule.example]]\n  expect = \"hit\"\n  record = {{ destination = \"KH\", return_tiket = false }}\n",
                    rule("one_way", "destination == \"KH\"")
                )),
            ),
            ("schema.toml", SCHEMA)]),
        ),
        (
            "proxy_field",
            warned(&[
                (
                    "pack.toml",
                    &pack_with(&quiet_rule("nik_day", "int(nik.substring(6, 8)) > 40", "")),
                ),
                ("schema.toml", &schema_with_nik()),
            ]),
        ),
        (
            "no_overload",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "size(destination, 1) > 0"))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "too_long",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule(
                        "r",
                        &vec!["destination == \"KH\""; 1000].join(" || "),
                    )),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unknown_function",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "frobnicate(destination)"))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "unsupported",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "Ticket{one_way: true} == return_ticket"))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "cost_limit",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule(
                        "r",
                        "legs.exists(a, legs.exists(b, legs.exists(c, a.stops == c.stops)))",
                    )),
                ),
                (
                    "schema.toml",
                    &format!("{SCHEMA}\n[field.legs]\ntype = \"list\"\nitems = \"object\"\nmax_items = 1000\n\n[field.legs.stops]\ntype = \"list\"\nitems = \"string\"\nmax_items = 1000\n"),
                ),
            ]),
        ),
        (
            "digest_mismatch",
            failure_with(
                &[
                    ("pack.toml", &pack_with(&rule("r", "!return_ticket"))),
                    ("schema.toml", SCHEMA),
                ],
                "pack.toml",
                &LoadOptions {
                    expect_digest: Some("sha256:0000".into()),
                    ..LoadOptions::default()
                },
            ),
        ),
        (
            "disabled_reference",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(
                        &(rule("a", "!return_ticket") + "status = \"disabled\"\n\n" + &rule("b", "rules.a")),
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "duplicate_key",
            failure_with(
                &json_pack("!return_ticket", "{\"field\": {\"return_ticket\": {\"type\": \"bool\"}}}")
                    .iter()
                    .map(|(k, v)| (*k, v.replace("\"weight\": 10", "\"weight\": 10, \"weight\": 20")))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
                "pack.json",
                &LoadOptions::default(),
            ),
        ),
        (
            "duplicate_rule",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&(rule("r", "!return_ticket") + "\n" + &rule("r", "destination == \"KH\""))),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "invalid_name",
            failure(&[
                ("pack.toml", &pack_with(&rule("one-way", "!return_ticket"))),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "invalid_path",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "destination in hotspot")).replace(
                        "hotspot = [\"KH\", \"MM\"]",
                        "hotspot = { file = \"../hotspot.txt\" }",
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "invalid_value",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "!return_ticket").replace("weight = 10", "weight = \"ten\"")),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        ("io", unreadable_list()),
        (
            "limit",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(
                        &(0..33)
                            .map(|i| quiet_rule(&format!("r{i}"), "!return_ticket", &format!("family = \"f{i}\"\n")))
                            .collect::<String>(),
                    ),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        (
            "list_expired",
            failure_with(
                &[
                    (
                        "pack.toml",
                        &pack_with(&rule("r", "destination in hotspot")).replace(
                            "hotspot = [\"KH\", \"MM\"]",
                            "hotspot = { items = [\"KH\", \"MM\"], provenance = \"agency A\", expires = 2025-03-31 }",
                        ),
                    ),
                    ("schema.toml", SCHEMA),
                ],
                "pack.toml",
                &LoadOptions {
                    today: Some("2025-04-01".parse().expect("date")),
                    ..LoadOptions::default()
                },
            ),
        ),
        (
            "record_id",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "!return_ticket"))
                        .replace("title = \"Broken pack\"", "title = \"Broken pack\"\nrecord_id = \"religion\""),
                ),
                ("schema.toml", SCHEMA),
            ]),
        ),
        ("review_overdue", overdue()),
        (
            "too_many_errors",
            only(
                failure(&[
                    (
                        "pack.toml",
                        &pack_with(
                            &(0..1001)
                                .map(|i| rule(&format!("r{i}"), "destinaton == \"KH\""))
                                .collect::<String>(),
                        ),
                    ),
                    ("schema.toml", SCHEMA),
                ]),
                Code::PackTooManyErrors,
            ),
        ),
        (
            "unknown_aggregate",
            failure(&[
                (
                    "pack.toml",
                    &pack_with(&rule("r", "agg.shared_phne > 2")).replace(
                        "[lists]",
                        "[aggregate.shared_phone]\nkey = \"destination\"\ntime = \"at\"\nwindow = \"30d\"\ncount = true\n\n[lists]",
                    ),
                ),
                (
                    "schema.toml",
                    &format!("{SCHEMA}\n[field.at]\ntype = \"timestamp\"\nrequired = true\n"),
                ),
            ]),
        ),
        (
            "schema_duplicate_key",
            failure_with(
                &json_pack("!return_ticket", "{\"field\": {\"return_ticket\": {\"type\": \"bool\", \"type\": \"int\"}}}")
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
                "pack.json",
                &LoadOptions::default(),
            ),
        ),
        (
            "schema_errors",
            failure(&[
                ("pack.toml", &pack_with(&rule("r", "!return_ticket"))),
                (
                    "schema.toml",
                    &format!("{SCHEMA}\n[field.one-way]\ntype = \"bool\"\n\n[field.age]\ntype = \"int\"\nrequired = \"yes\"\n\n[field.fee]\ntype = \"int\"\nrequird = true\n\n[field.tip]\nrequired = true\n"),
                ),
            ]),
        ),
    ]
}

#[test]
fn rendered_diagnostics_match_snapshots() {
    let bless = std::env::var("SARING_BLESS").is_ok_and(|v| v == "1");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("diagnostics");
    let mut failures = Vec::new();
    let all = cases();
    for (name, err) in &all {
        let rendered = err.render();
        let path = dir.join(format!("{name}.txt"));
        if bless {
            std::fs::write(&path, &rendered).expect("write snapshot");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != rendered {
            failures.push(format!("--- {name}: expected\n{want}\n--- got\n{rendered}"));
        }
    }
    println!(
        "diagnostic snapshots: {} passed, {} failed",
        all.len() - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn diagnostics_have_codes_and_places() {
    let by_name: BTreeMap<&str, PackError> = cases().into_iter().collect();
    let first = |name: &str| by_name[name].diagnostics[0].clone();
    let d = first("unknown_field");
    assert_eq!(
        (d.code, d.file.as_deref(), d.line, d.column),
        (Code::PackUnknownField, Some("pack.toml"), Some(17), Some(9))
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `destination`?"));
    assert_eq!(d.rule.as_deref(), Some("r"));
    assert_eq!(first("protected_field").code, Code::PackProtectedField);
    assert_eq!(first("monitored_field").code, Code::PackMonitoredField);
    assert_eq!(first("bad_regex").code, Code::CelBadRegex);
    assert_eq!(first("rule_cycle").code, Code::PackRuleCycle);
    assert_eq!(first("unknown_rule").code, Code::PackUnknownRule);
    assert_eq!(first("missing_list_file").code, Code::PackMissingFile);
    assert_eq!(first("bad_toml").code, Code::PackSyntax);
    assert_eq!(first("too_deep").code, Code::CelTooDeep);
    assert!(by_name["unknown_key"]
        .diagnostics
        .iter()
        .any(|d| d.code == Code::PackUnknownKey
            && d.help.as_deref() == Some("did you mean `weight`?")));
    assert_eq!(first("type_mismatch").code, Code::CelTypeMismatch);
    assert_eq!(first("not_bool").code, Code::CelTypeMismatch);
    let enums: Vec<(Code, Option<&str>, Option<u32>)> = by_name["unknown_enum_value"]
        .errors()
        .map(|d| (d.code, d.help.as_deref(), d.line))
        .collect();
    assert_eq!(
        enums,
        [
            (
                Code::CelUnknownEnumValue,
                Some("did you mean `tourism`?"),
                Some(18)
            ),
            (
                Code::CelUnknownEnumValue,
                Some("did you mean `work`?"),
                Some(24)
            ),
        ]
    );
    assert_eq!(first("bad_placeholder").code, Code::PackBadPlaceholder);
    let d = first("unknown_constant");
    assert_eq!(
        (d.code, d.help.as_deref()),
        (Code::PackUnknownField, Some("did you mean `scam_title`?"))
    );
    let d = first("bad_regex_constant");
    assert_eq!(
        (d.code, d.line, d.column),
        (Code::CelBadRegex, Some(11), Some(24))
    );
    let clashes: Vec<Code> = by_name["constant_clash"]
        .diagnostics
        .iter()
        .filter(|d| d.severity == saring::Severity::Error)
        .map(|d| d.code)
        .collect();
    assert_eq!(clashes, [Code::PackNameClash, Code::PackNameClash]);
    let d = first("unguarded_optional_object");
    assert_eq!(d.code, Code::PackUnguardedOptional);
    assert!(d.message.contains("`job_offer.source`"), "{}", d.message);
    assert_eq!(
        first("monitored_plain_string").code,
        Code::PackMonitoredJustification
    );
    let placeholder: Vec<Code> = by_name["monitored_placeholder"]
        .errors()
        .map(|d| d.code)
        .collect();
    assert_eq!(placeholder, [Code::PackMonitoredJustification; 3]);
    assert_eq!(first("unknown_family").code, Code::PackUnknownFamily);
    assert_eq!(
        first("unknown_family").help.as_deref(),
        Some("did you mean `itinerary`?")
    );
    assert_eq!(first("missing_family").code, Code::PackMissingFamily);
    assert_eq!(first("missing_family").rule.as_deref(), Some("c"));
    assert_eq!(first("unknown_language").code, Code::PackUnknownLanguage);
    assert_eq!(first("missing_language").code, Code::PackMissingLanguage);
    let proxy = first("proxy_field");
    assert_eq!(
        (proxy.code, proxy.rule.as_deref(), proxy.line),
        (Code::PackProxyField, Some("nik_day"), Some(17))
    );
    // Loading collects the diagnostics of every file before failing.
    let files: Vec<Option<String>> = by_name["errors_in_two_files"]
        .diagnostics
        .iter()
        .map(|d| d.file.clone())
        .collect();
    assert!(
        files.contains(&Some("pack.toml".into())) && files.contains(&Some("schema.toml".into())),
        "{files:?}"
    );
    // The JSON projection names code, message, file, line and column.
    let json = serde_json::to_value(&by_name["unknown_field"].diagnostics[0]).expect("json");
    assert_eq!(json["code"], "pack.unknown_field");
    assert_eq!(json["line"], 17);
}

/// Codes no snapshot can show, each with the reason.
const NOT_SNAPSHOTTED: &[(Code, &str)] = &[
    // Raised only by a build without an optional feature (`regex`, `tz`, `toml`, ...);
    // these tests use the `full` build.
    (Code::BuildUnavailable, "needs a build without a feature"),
    // Raised by `saring::cel::Program::compile` without a record schema; in a pack (which
    // always has one) an unknown name is `pack.unknown_field`.
    (Code::CelUnknownName, "only without a schema"),
];

#[test]
fn every_code_has_a_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("diagnostics");
    let mut rendered = String::new();
    for entry in std::fs::read_dir(&dir).expect("tests/diagnostics") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "txt") {
            rendered.push_str(&std::fs::read_to_string(&path).expect("snapshot"));
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| !NOT_SNAPSHOTTED.iter().any(|(c, _)| c == *code))
        .map(|code| code.as_str())
        .filter(|code| {
            !rendered.contains(&format!("error[{code}]"))
                && !rendered.contains(&format!("warning[{code}]"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "no snapshot under tests/diagnostics/ shows {missing:?}: add a case raising each to \
         `cases()` in tests/diagnostics.rs and run `SARING_BLESS=1 cargo test -p \
         saring-conformance --test diagnostics`"
    );
    for (code, _) in NOT_SNAPSHOTTED {
        assert!(
            !rendered.contains(&format!("[{code}]")),
            "`{code}` has a snapshot now: remove it from NOT_SNAPSHOTTED"
        );
    }
}
