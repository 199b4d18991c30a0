//! Record ids, references on hits, and list metadata (sharing, provenance, expiry) as a pack
//! author and an officer see them.

use std::collections::BTreeMap;

use saring::pack::{LoadOptions, Sharing};
use saring::{Engine, Pack, PackError};

const SCHEMA: &str = r#"
[field.record_id]
type = "string"
[field.file_no]
type = "int"
[field.destination]
type = "string"
required = true
[field.religion]
type = "string"
protected = true
[field.legs]
type = "list"
items = "object"
[field.legs.ref]
type = "string"
[field.score]
type = "float"
[field.who]
type = "object"
[field.who.card]
type = "string"
"#;

fn pack(record_id: Option<&str>, lists: &str) -> String {
    let rid = record_id.map_or(String::new(), |r| format!("record_id = \"{r}\"\n"));
    format!(
        "[pack]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\n{rid}[outcomes]\nreview = 10\nrefer = 20\n\
         [lists]\n{lists}\n\
         [[rule]]\nid = \"hot\"\ntitle = \"Hot\"\nweight = 10\nwhen = \"destination == 'KH'\"\n\
         references = [\"S22 BP3MI: https://example.invalid/s22\", \"domain.md §3\"]\n\
         [[rule]]\nid = \"bare\"\ntitle = \"Bare\"\nweight = 1\nwhen = \"destination == 'KH'\"\n"
    )
}

fn load(pack: &str) -> Result<Pack, PackError> {
    Pack::from_toml_str(pack, SCHEMA)
}

fn engine(record_id: Option<&str>) -> Engine {
    Engine::compile(&load(&pack(record_id, "")).unwrap()).unwrap()
}

fn first_error(pack: &str) -> saring::Diagnostic {
    load(pack).unwrap_err().errors().next().unwrap().clone()
}

#[test]
fn the_record_id_is_the_first_member_of_every_decision() {
    let e = engine(Some("record_id"));
    let d = e
        .screen_json(r#"{"destination": "KH", "record_id": "HAND-000002"}"#)
        .unwrap();
    assert_eq!(d.record_id(), Some("HAND-000002"));
    assert!(d
        .to_json()
        .starts_with(r#"{"record":"HAND-000002","outcome":"review""#));
    // An int id is rendered as text.
    let e = engine(Some("file_no"));
    let d = e
        .screen_json(r#"{"destination": "JP", "file_no": 42}"#)
        .unwrap();
    assert!(
        d.to_json().starts_with(r#"{"record":"42","#),
        "{}",
        d.to_json()
    );
    assert_eq!(
        e.record_id(
            &e.decode_json(r#"{"destination":"JP","file_no":7}"#, Default::default())
                .unwrap()
        ),
        Some("7".into())
    );
    // A record without its id: `"record": null`, so the missing id is visible.
    let d = e.screen_json(r#"{"destination": "JP"}"#).unwrap();
    assert_eq!(d.record, Some(None));
    assert!(d.to_json().starts_with(r#"{"record":null,"#));
    // A pack without `record_id` keeps its JSON: no `record` member at all.
    let d = engine(None)
        .screen_json(r#"{"destination": "JP", "record_id": "X"}"#)
        .unwrap();
    assert_eq!(d.record, None);
    assert!(d.to_json().starts_with(r#"{"outcome":"clear""#));
    // The JSON round-trips, absent / null / id alike.
    for text in [
        r#"{"destination": "KH", "record_id": "A"}"#,
        r#"{"destination": "KH"}"#,
    ] {
        let d = engine(Some("record_id")).screen_json(text).unwrap();
        let back: saring::Decision = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(back, d);
    }
    let d = engine(None)
        .screen_json(r#"{"destination": "KH"}"#)
        .unwrap();
    let back: saring::Decision = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(back.record, None);
}

#[test]
fn a_record_id_must_name_a_string_or_int_field_outside_lists() {
    let cases = [
        (
            "recordid",
            "`record_id` names `recordid`, which is not a schema field",
            Some("did you mean `record_id`?"),
        ),
        (
            "score",
            "`record_id` names `score` of type float, not string or int",
            None,
        ),
        (
            "who",
            "`record_id` names `who` of type object, not string or int",
            None,
        ),
        (
            "legs.ref",
            "`record_id` names `legs.ref`, which is not a schema field",
            None,
        ),
        (
            "religion",
            "`record_id` names the protected field `religion`",
            None,
        ),
    ];
    for (path, message, help) in cases {
        let d = first_error(&pack(Some(path), ""));
        assert_eq!(d.code, "pack.record_id", "{path}");
        assert_eq!(d.message, message);
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("pack.toml"), Some(5)),
            "{path}"
        );
        if let Some(help) = help {
            assert_eq!(d.help.as_deref(), Some(help));
        }
    }
    // A nested field with a slot is fine.
    let e = Engine::compile(&load(&pack(Some("who.card"), "")).unwrap()).unwrap();
    let d = e
        .screen_json(r#"{"destination": "KH", "who": {"card": "C-1"}}"#)
        .unwrap();
    assert_eq!(d.record_id(), Some("C-1"));
    // `record_id` must be a string.
    let text = pack(None, "").replace("title = \"T\"\n", "title = \"T\"\nrecord_id = 3\n");
    assert_eq!(first_error(&text).code, "pack.invalid_value");
}

#[test]
fn hits_and_explanations_carry_the_rules_references() {
    let e = engine(Some("record_id"));
    let d = e.screen_json(r#"{"destination": "KH"}"#).unwrap();
    assert_eq!(
        d.hits[0].references,
        ["S22 BP3MI: https://example.invalid/s22", "domain.md §3"]
    );
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(json["hits"][0]["references"][1], "domain.md §3");
    // Omitted when a rule has none.
    assert!(json["hits"][1].get("references").is_none());
    let x = e.explain(
        &e.decode_json(r#"{"destination": "JP"}"#, Default::default())
            .unwrap(),
    );
    let x = serde_json::to_value(&x).unwrap();
    assert_eq!(
        x["rules"][0]["references"][0],
        "S22 BP3MI: https://example.invalid/s22"
    );
    assert!(x["rules"][1].get("references").is_none());
}

#[test]
fn lists_carry_sharing_provenance_and_expiry() {
    let lists = r#"
hot = { items = ["KH"], sharing = "public", provenance = "BP3MI 2025", expires = 2030-12-31 }
watch = { items = ["PT X"], sharing = "restricted" }
plain = ["A", "B"]
quoted = { items = [1, 2], expires = "2031-01-01" }
"#;
    let p = load(&pack(None, lists)).unwrap();
    let by: BTreeMap<&str, &saring::pack::NamedList> =
        p.lists.iter().map(|l| (l.name.as_str(), l)).collect();
    assert_eq!(by["hot"].sharing, Sharing::Public);
    assert_eq!(by["hot"].sharing.as_str(), "public");
    assert_eq!(by["hot"].provenance.as_deref(), Some("BP3MI 2025"));
    assert_eq!(
        by["hot"].expires.map(|d| d.to_string()).as_deref(),
        Some("2030-12-31")
    );
    assert_eq!(by["watch"].sharing, Sharing::Restricted);
    assert_eq!(
        by["plain"].sharing,
        Sharing::Agency,
        "unmarked lists are `agency`"
    );
    assert_eq!(by["plain"].items.len(), 2);
    assert_eq!(
        by["quoted"].expires.map(|d| d.to_string()).as_deref(),
        Some("2031-01-01")
    );
    assert!(Sharing::Public < Sharing::Agency && Sharing::Agency < Sharing::Restricted);
}

#[test]
fn list_metadata_is_part_of_the_digest() {
    let digest = |lists: &str| load(&pack(None, lists)).unwrap().digest;
    let base = digest("a = { items = [\"X\"] }");
    assert_eq!(
        base,
        digest("a = [\"X\"]"),
        "an unmarked array is an `agency` list"
    );
    assert_ne!(
        base,
        digest("a = { items = [\"X\"], sharing = \"public\" }")
    );
    assert_ne!(base, digest("a = { items = [\"X\"], provenance = \"p\" }"));
    assert_ne!(
        base,
        digest("a = { items = [\"X\"], expires = 2030-01-01 }")
    );
    assert_ne!(
        load(&pack(None, "")).unwrap().digest,
        load(&pack(Some("record_id"), "")).unwrap().digest
    );
}

#[test]
fn bad_list_metadata_is_reported_with_help() {
    let d = first_error(&pack(None, "a = { items = [\"X\"], sharing = \"publik\" }"));
    assert_eq!(d.code, "pack.invalid_value");
    assert_eq!(d.message, "unknown sharing class `publik` of list `a`");
    assert_eq!(d.help.as_deref(), Some("did you mean `public`?"));
    let d = first_error(&pack(None, "a = { items = [\"X\"], expires = \"soon\" }"));
    assert_eq!(d.message, "`expires` must be a date");
    let d = first_error(&pack(None, "a = { items = [\"X\"], file = \"x.txt\" }"));
    assert_eq!(d.message, "list `a` has both `file` and `items`");
    let d = first_error(&pack(None, "a = { sharing = \"public\" }"));
    assert_eq!(d.message, "missing key `file` or `items` in list `a`");
    let d = first_error(&pack(None, "a = { items = [\"X\"], sharng = \"public\" }"));
    assert_eq!(d.code, "pack.unknown_key");
    assert_eq!(d.help.as_deref(), Some("did you mean `sharing`?"));
}

#[test]
fn an_expired_list_is_refused_at_load_against_an_injectable_today() {
    let text = pack(
        None,
        "old = { items = [\"X\"], provenance = \"agency A\", expires = 2025-03-31 }",
    );
    let mut files = BTreeMap::new();
    files.insert("pack.toml".to_string(), text);
    files.insert("schema.toml".to_string(), SCHEMA.to_string());
    let on = |day: &str| LoadOptions {
        today: Some(day.parse().unwrap()),
        ..LoadOptions::default()
    };
    assert!(Pack::from_files_with(files.clone(), "pack.toml", &on("2025-03-31")).is_ok());
    let e = Pack::from_files_with(files.clone(), "pack.toml", &on("2025-04-01")).unwrap_err();
    let d = e.errors().next().unwrap();
    assert_eq!(d.code, "pack.list_expired");
    assert_eq!(d.message, "list `old` expired on 2025-03-31");
    assert!(d.help.as_deref().unwrap().contains("(agency A)"));
    // The default loaders check against the system date: 2025-03-31 is past.
    assert_eq!(
        Pack::from_files(files.clone(), "pack.toml")
            .unwrap_err()
            .errors()
            .next()
            .unwrap()
            .code,
        "pack.list_expired"
    );
    let ignore = LoadOptions {
        ignore_expiry: true,
        ..LoadOptions::default()
    };
    assert!(Pack::from_files_with(files, "pack.toml", &ignore).is_ok());
}

#[test]
fn every_bundled_pack_names_its_record_id_and_classifies_its_lists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let packs = [
        ("demo", "id"),
        ("id-pmi/departure.toml", "record_id"),
        ("id-pmi/passport.toml", "record_id"),
        ("job-offer", "offer_ref"),
    ];
    for (path, record_id) in packs {
        let p = Pack::load(root.join(path)).unwrap_or_else(|e| panic!("{path}: {}", e.render()));
        assert_eq!(
            p.meta.record_id.as_ref().map(|r| r.path.as_str()),
            Some(record_id),
            "{path}"
        );
        for l in &p.lists {
            let text = p.sources.files()[&p.main].clone();
            let line = text
                .lines()
                .find(|x| x.starts_with(&format!("{} ", l.name)))
                .unwrap_or_default();
            assert!(
                line.contains("sharing ="),
                "{path}: list `{}` is not classified",
                l.name
            );
            if let Some(expires) = l.expires {
                assert!(
                    expires.to_string().as_str() >= "2030-01-01",
                    "{path}: {}",
                    l.name
                );
            }
            if l.name.starts_with("watch") {
                assert_eq!(l.sharing, Sharing::Restricted, "{path}: {}", l.name);
            }
        }
    }
}
