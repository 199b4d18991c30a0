//! `saring synth`: deterministic output per pack, every format screened back with 0 errors,
//! usage errors for unknown packs and variants, model diagnostics.

use std::path::{Path, PathBuf};

use crate::fixture::{stderr, stdout, Fixture};

fn rules(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../rules")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn same_seed_same_records_and_csv_has_one_row_per_record() {
    let f = Fixture::new();
    let pack = rules("id-pmi");
    let run = |args: &[&str]| {
        let out = f.saring().args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let a = run(&["synth", "--pack", &pack, "--n", "25", "--seed", "7"]);
    let b = run(&["synth", "--pack", &pack, "--n", "25", "--seed", "7"]);
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 25);
    for (i, line) in a.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        assert!(v["label"].is_boolean());
        assert_eq!(v["record_id"], format!("SYN-{:06}", i + 1));
        assert_eq!(v["stage"], "departure");
    }
    let c = run(&["synth", "--pack", &pack, "--n", "25", "--seed", "8"]);
    assert_ne!(a, c);
    let csv = run(&[
        "synth", "--pack", &pack, "--n", "25", "--seed", "7", "--stage", "passport", "-f", "csv",
    ]);
    assert_eq!(csv.lines().count(), 26);
    let header: Vec<&str> = csv.lines().next().unwrap_or("").split(',').collect();
    assert_eq!(&header[..3], &["record_id", "label", "stage"]);
    assert!(header.contains(&"interview.purpose_explained") && header.contains(&"legs"));
    assert!(csv.lines().skip(1).all(|l| l.contains(",passport,")));
}

/// Every bundled pack: synth in each format → screen in each output format, 0 errors, and
/// the same decisions whatever the input format.
#[test]
fn every_bundled_pack_round_trips_through_every_format() {
    let f = Fixture::new();
    for pack in [
        rules("demo"),
        rules("id-pmi/departure.toml"),
        rules("id-pmi/passport.toml"),
        rules("job-offer"),
    ] {
        let mut decisions: Vec<String> = Vec::new();
        for input in ["jsonl", "csv", "json"] {
            let file = f.path(&format!("synth.{input}"));
            let file = file.display().to_string();
            let out = f.run(&[
                "synth", "--pack", &pack, "-n", "400", "--seed", "3", "-f", input, "-o", &file,
            ]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{pack} {input}: {}",
                stderr(&out)
            );
            for output in ["jsonl", "csv", "table"] {
                let out = f.run(&["screen", "--pack", &pack, &file, "-f", output]);
                let err = stderr(&out);
                assert_eq!(
                    out.status.code(),
                    Some(0),
                    "{pack} {input} → {output}: {err}"
                );
                assert!(
                    err.contains("screened 400 rows") && err.contains("; 0 errors"),
                    "{err}"
                );
                let text = stdout(&out);
                let rows = text.lines().count();
                let want = if output == "jsonl" { 400 } else { 401 };
                assert_eq!(rows, want, "{pack} {input} → {output}");
                if output == "jsonl" {
                    assert!(!text.contains("\"error\""));
                    decisions.push(text);
                }
            }
        }
        assert_eq!(
            decisions[0], decisions[1],
            "{pack}: CSV input screens differently"
        );
        assert_eq!(
            decisions[0], decisions[2],
            "{pack}: JSON input screens differently"
        );
    }
}

#[test]
fn each_pack_gets_its_own_schema() {
    let f = Fixture::new();
    for (pack, has, lacks) in [
        (rules("job-offer"), "job_type", "stated_purpose"),
        (rules("demo"), "destination", "stated_purpose"),
        (rules("id-pmi/passport.toml"), "identity", "ticket"),
    ] {
        let out = f.run(&["synth", "--pack", &pack, "-n", "50"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        let records: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(records.len(), 50);
        assert!(
            records.iter().any(|r| r.get(has).is_some()),
            "{pack}: no `{has}`"
        );
        assert!(
            records.iter().all(|r| r.get(lacks).is_none()),
            "{pack}: `{lacks}`"
        );
    }
}

#[test]
fn unknown_packs_and_variants_are_usage_errors() {
    let f = Fixture::new();
    let out = f.run(&["synth", "--pack", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown pack `nope`"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    let out = f.run(&["synth", "--pack", &rules("id-pmi"), "--variant", "pasport"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("unknown variant `pasport`") && err.contains("did you mean `passport`?"),
        "{err}"
    );

    let out = f.run(&[
        "synth",
        "--pack",
        &rules("id-pmi/departure.toml"),
        "--variant",
        "passport",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is for `passport.toml`"),
        "{}",
        stderr(&out)
    );

    // A directory holding several packs and no synth.toml.
    f.write("two/a/pack.toml", crate::fixture::PACK);
    f.write("two/a/schema.toml", crate::fixture::SCHEMA);
    f.write("two/b/pack.toml", crate::fixture::PACK);
    f.write("two/b/schema.toml", crate::fixture::SCHEMA);
    let out = f.run(&["synth", "--pack", "two"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("holds 2 packs"), "{}", stderr(&out));
}

#[test]
fn a_pack_without_a_model_follows_its_schema() {
    let f = Fixture::new();
    let out = f.run(&["synth", "--pack", "pack", "-n", "200", "--seed", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no synth.toml"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        for field in ["a", "b", "c", "s"] {
            assert!(v[field].is_boolean(), "{line}");
        }
        assert!(v.get("sex").is_none_or(|s| s == "f" || s == "m"), "{line}");
    }
    let file = f.write("s.jsonl", &text);
    let out = f.run(&["screen", "--pack", "pack", &file.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn model_errors_point_at_the_file() {
    let f = Fixture::new();
    f.write(
        "pack/synth.toml",
        "[scenario.pos]\nlabel = true\nweight = 1\n\n[field.sexx]\nweights = { f = 1, m = 1 }\n\n[field.a]\nweights = { yes = 1 }\n",
    );
    let out = f.run(&["synth", "--pack", "pack"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("error[synth.unknown_field]: `sexx` is not a field of the schema"),
        "{err}"
    );
    assert!(err.contains("synth.toml:5:8"), "{err}");
    assert!(err.contains("did you mean `sex`?"), "{err}");
    assert!(err.contains("error[synth.invalid_value]"), "{err}");
    assert!(err.contains("could not be loaded: 2 errors"), "{err}");

    f.write("pack/synth.toml", "[scenario.pos\nlabel = true\n");
    let out = f.run(&["synth", "--pack", "pack"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error[synth.syntax]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn describe_and_help_show_the_model() {
    let f = Fixture::new();
    let out = f.run(&["synth", "--pack", &rules("id-pmi"), "--describe"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with("### Synthetic data model (`id-pmi/synth.toml`, version 3)"),
        "{text}"
    );
    assert!(text.contains("| `scam_recruit` | positive | 2.8% |"));
    assert!(text.contains("| `recruiter_ring` | all |"));
    let readme = std::fs::read_to_string(PathBuf::from(rules("id-pmi/README.md"))).expect("readme");
    assert!(readme.contains(text.trim()));

    let out = f.run(&["synth", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    assert!(
        help.contains("### Generator models (`synth.toml`)"),
        "{help}"
    );
    assert!(help.contains("--variant"));
}
