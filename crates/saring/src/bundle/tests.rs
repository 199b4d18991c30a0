//! Tests of bundles: build, sign, verify, and every way a bundle can be wrong.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::pack::LoadOptions;

const SCHEMA: &str =
    "[field.id]\ntype = \"string\"\n[field.destination]\ntype = \"string\"\nrequired = true\n";

const PACK: &str = r#"[pack]
id = "bundle-test"
version = "1.0"
title = "Bundle test"
record_id = "id"

[outcomes]
review = 10
refer = 20

[lists]
hotspot = { file = "lists/hotspot.txt", sharing = "public", provenance = "synthetic test list", expires = 2030-12-31 }
watch = { items = ["X"], sharing = "restricted", expires = 2025-01-31 }
plain = ["A"]

[[rule]]
id = "hot"
title = "Hotspot"
weight = 10
when = "destination in hotspot"
references = ["test"]
"#;

fn files() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("pack.toml".to_string(), PACK.to_string()),
        ("schema.toml".to_string(), SCHEMA.to_string()),
        ("lists/hotspot.txt".to_string(), "KH\nMM\n".to_string()),
    ])
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Options with a date before every expiry of the test pack.
fn opts() -> LoadOptions {
    LoadOptions {
        today: Some(date("2025-01-15")),
        ..LoadOptions::default()
    }
}

fn pack() -> Pack {
    crate::pack::load_files(files(), "pack.toml").unwrap()
}

fn built() -> Vec<u8> {
    build(&pack()).unwrap()
}

fn codes(e: &PackError) -> Vec<&'static str> {
    e.errors().map(|d| d.code.as_str()).collect()
}

fn rewrite(bytes: &[u8], f: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> Vec<u8> {
    let mut entries = archive::read(bytes).unwrap();
    f(&mut entries);
    archive::write(&entries).unwrap()
}

/// Flips one byte in the data of the named entry, in the archive bytes themselves.
fn flip_byte(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut archive = tar::Archive::new(bytes);
    let mut position = None;
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        if entry.path_bytes().as_ref() == name.as_bytes() {
            position = Some(entry.raw_file_position() as usize);
        }
    }
    let at = position.unwrap_or_else(|| panic!("no entry `{name}`")) + 2;
    let mut out = bytes.to_vec();
    out[at] ^= 0x01;
    out
}

#[test]
fn a_bundle_holds_the_manifest_and_every_pack_file() {
    let bytes = built();
    assert!(is_bundle(&bytes));
    let entries = archive::read(&bytes).unwrap();
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "pack/lists/hotspot.txt",
            "pack/pack.toml",
            "pack/schema.toml"
        ]
    );
    let v = verify(&bytes, &opts()).unwrap();
    let m = &v.manifest;
    assert_eq!(m.format, "saring-bundle/1");
    assert_eq!(m.pack.id, "bundle-test");
    assert_eq!(m.pack.main, "pack.toml");
    assert_eq!(m.pack.record_id.as_deref(), Some("id"));
    assert_eq!(m.pack.digest, pack().digest);
    assert_eq!(m.files["lists/hotspot.txt"], sha256_text(b"KH\nMM\n"));
    let hot = &m.lists["hotspot"];
    assert_eq!((hot.items, hot.sharing), (2, Sharing::Public));
    assert_eq!(hot.provenance.as_deref(), Some("synthetic test list"));
    assert_eq!(hot.expires.as_deref(), Some("2030-12-31"));
    assert_eq!(hot.file.as_deref(), Some("lists/hotspot.txt"));
    assert_eq!(m.lists["watch"].sharing, Sharing::Restricted);
    assert_eq!(m.lists["plain"].sharing, Sharing::Agency);
    assert!(v.signed_by.is_empty());
    // Deterministic: the same pack gives the same bytes.
    assert_eq!(built(), bytes);
}

#[test]
fn a_signed_bundle_verifies_with_the_right_key_only() {
    let key = SecretKey::from_seed([3u8; 32]);
    let other = SecretKey::from_seed([4u8; 32]);
    let signed = sign(&built(), &key, &opts()).unwrap();
    let right = LoadOptions {
        trusted_keys: vec![key.public_key()],
        ..opts()
    };
    let v = verify(&signed, &right).unwrap();
    assert_eq!(v.trusted_signers, vec![key.public_key()]);
    assert_eq!(v.pack.meta.id, "bundle-test");

    let wrong = LoadOptions {
        trusted_keys: vec![other.public_key()],
        ..opts()
    };
    let e = verify(&signed, &wrong).unwrap_err();
    assert_eq!(codes(&e), ["bundle.untrusted"]);
    assert!(e.diagnostics[0]
        .message
        .contains(&key.public_key().fingerprint()));

    // Unsigned with a trusted key required.
    let e = verify(&built(), &right).unwrap_err();
    assert_eq!(codes(&e), ["bundle.untrusted"]);
    assert!(e.diagnostics[0].message.contains("not signed"));

    // A second signer; re-signing replaces the signer's own signature.
    let both = sign(&sign(&signed, &other, &opts()).unwrap(), &key, &opts()).unwrap();
    let v = verify(&both, &wrong).unwrap();
    assert_eq!(v.signed_by.len(), 2);
    assert_eq!(v.trusted_signers, vec![other.public_key()]);
}

#[test]
fn a_changed_byte_in_any_file_is_refused() {
    let key = SecretKey::from_seed([3u8; 32]);
    let signed = sign(&built(), &key, &opts()).unwrap();
    let trusted = LoadOptions {
        trusted_keys: vec![key.public_key()],
        ..opts()
    };
    let cases = [
        ("pack/pack.toml", "bundle.file_changed"),
        ("pack/schema.toml", "bundle.file_changed"),
        ("pack/lists/hotspot.txt", "bundle.file_changed"),
        ("manifest.json", "bundle.signature"),
        ("signatures.json", "bundle.signature"),
    ];
    for (name, code) in cases {
        let e = verify(&flip_byte(&signed, name), &trusted).unwrap_err();
        assert_eq!(codes(&e), [code], "{name}: {}", e.render());
        if code == "bundle.file_changed" {
            let file = name.strip_prefix("pack/").unwrap();
            assert!(e.diagnostics[0].message.contains(&format!("`{file}`")));
        }
    }
}

#[test]
fn missing_and_added_files_are_refused() {
    let bytes = built();
    let missing = rewrite(&bytes, |e| e.retain(|(n, _)| n != "pack/lists/hotspot.txt"));
    let e = verify(&missing, &opts()).unwrap_err();
    assert_eq!(codes(&e), ["bundle.file_missing"]);
    assert!(e.diagnostics[0].message.contains("`lists/hotspot.txt`"));

    let added = rewrite(&bytes, |e| {
        e.push(("pack/lists/extra.txt".into(), b"Z\n".to_vec()))
    });
    let e = verify(&added, &opts()).unwrap_err();
    assert_eq!(codes(&e), ["bundle.file_added"]);
    assert!(e.diagnostics[0].message.contains("`lists/extra.txt`"));

    let stray = rewrite(&bytes, |e| e.push(("notes.txt".into(), b"hi".to_vec())));
    assert_eq!(
        codes(&verify(&stray, &opts()).unwrap_err()),
        ["bundle.file_added"]
    );

    let no_manifest = rewrite(&bytes, |e| e.retain(|(n, _)| n != "manifest.json"));
    assert_eq!(
        codes(&verify(&no_manifest, &opts()).unwrap_err()),
        ["bundle.format"]
    );
}

#[test]
fn an_expired_list_is_refused_naming_the_list_and_date() {
    let bytes = built();
    let later = LoadOptions {
        today: Some(date("2025-02-01")),
        ..LoadOptions::default()
    };
    let e = verify(&bytes, &later).unwrap_err();
    assert_eq!(codes(&e), ["pack.list_expired"]);
    let d = &e.diagnostics[0];
    assert_eq!(d.message, "list `watch` expired on 2025-01-31");
    assert_eq!((d.file.as_deref(), d.line), (Some("pack.toml"), Some(13)));
    assert!(d.help.as_deref().unwrap().contains("today is 2025-02-01"));
    // The last day is still valid; ignoring expiry (to compare packs) loads it.
    let last_day = LoadOptions {
        today: Some(date("2025-01-31")),
        ..LoadOptions::default()
    };
    assert!(verify(&bytes, &last_day).is_ok());
    let ignore = LoadOptions {
        ignore_expiry: true,
        ..later.clone()
    };
    assert!(verify(&bytes, &ignore).is_ok());
    // Signing checks the bundle against today's date: the expired watch list refuses it.
    let e = sign(&bytes, &SecretKey::from_seed([3u8; 32]), &later).unwrap_err();
    assert_eq!(codes(&e), ["pack.list_expired"]);
}

#[test]
fn an_expected_digest_is_enforced() {
    let bytes = built();
    let right = LoadOptions {
        expect_digest: Some(pack().digest),
        ..opts()
    };
    assert!(verify(&bytes, &right).is_ok());
    let wrong = LoadOptions {
        expect_digest: Some("sha256:00".into()),
        ..opts()
    };
    let e = verify(&bytes, &wrong).unwrap_err();
    assert_eq!(codes(&e), ["pack.digest_mismatch"]);
}

#[test]
fn a_manifest_that_does_not_describe_the_pack_is_refused() {
    let bytes = rewrite(&built(), |entries| {
        let (_, manifest) = entries
            .iter_mut()
            .find(|(n, _)| n == "manifest.json")
            .unwrap();
        let mut m: Manifest = serde_json::from_slice(manifest).unwrap();
        m.pack.digest = "sha256:feed".into();
        *manifest = serde_json::to_vec_pretty(&m).unwrap();
    });
    assert_eq!(
        codes(&verify(&bytes, &opts()).unwrap_err()),
        ["bundle.digest_mismatch"]
    );
}

#[test]
fn garbage_is_not_a_bundle() {
    for bytes in [&b""[..], b"[pack]\nid = 1\n", &[0u8; 2048]] {
        let e = verify(bytes, &opts()).unwrap_err();
        assert_eq!(codes(&e), ["bundle.format"]);
    }
    // A valid tar of something else.
    let other = archive::write(&[("../x".to_string(), vec![1])]);
    if let Ok(other) = other {
        assert_eq!(
            codes(&verify(&other, &opts()).unwrap_err()),
            ["bundle.format"]
        );
    }
}

#[test]
fn loose_files_cannot_meet_a_signature_requirement() {
    let key = SecretKey::from_seed([3u8; 32]);
    let o = LoadOptions {
        trusted_keys: vec![key.public_key()],
        ..opts()
    };
    let e = Pack::from_files_with(files(), "pack.toml", &o).unwrap_err();
    assert_eq!(codes(&e), ["bundle.unsigned"]);
}
