//! Trust in deployment: keys, bundles, trusted loading, record ids in output, the decision
//! log (verify, review, labels, repair, a SIGKILL mid-screen), `check --against`, and the
//! README's exchange workflow run exactly as written.

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{stderr, stdout, Fixture};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture directory with the repository's `rules/` linked in.
fn with_rules() -> Fixture {
    let f = Fixture::new();
    copy_dir(&repo().join("rules"), &f.path("rules"));
    f
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

/// Commands of the README's exchange workflow: the `sh` block after the marker comment.
fn readme_workflow() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("<!-- exchange-workflow")
        .expect("the README marks its exchange workflow");
    let block = &readme[start..];
    let body_start = block
        .find("```sh\n")
        .expect("a sh block follows the marker")
        + 6;
    let body = &block[body_start..];
    let body = &body[..body.find("```").expect("the block ends")];
    body.lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_readme_exchange_workflow_runs_as_written() {
    let f = with_rules();
    let commands = readme_workflow();
    let names: Vec<String> = commands
        .iter()
        .map(|c| format!("{} {}", c[0], c.get(1).cloned().unwrap_or_default()))
        .collect();
    assert_eq!(
        names,
        [
            "saring keygen",
            "saring bundle",
            "saring bundle",
            "saring bundle",
            "saring screen",
            "saring audit"
        ]
    );
    let mut outputs = Vec::new();
    for command in &commands {
        assert_eq!(command[0], "saring");
        let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();
        let out = f
            .saring()
            .env("SARING_TODAY", "2026-01-15")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            code(&out),
            Some(0),
            "{command:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        outputs.push(stdout(&out));
    }
    assert!(outputs[3].starts_with("ok: bundle departure.bundle holds pack `id-pmi-departure`"));
    assert!(outputs[3].contains("(trusted)"), "{}", outputs[3]);
    assert!(
        outputs[5].starts_with("ok: decisions.jsonl verifies: 2000 entries (2000 decisions"),
        "{}",
        outputs[5]
    );
    let decisions = lines(&std::fs::read_to_string(f.path("decisions.out.jsonl")).unwrap());
    assert_eq!(decisions.len(), 2000);
    assert!(decisions[0]["record"].as_str().unwrap().starts_with("SYN-"));
}

#[test]
fn keygen_writes_a_secret_and_a_public_key() {
    let f = Fixture::new();
    let out = f.run(&["keygen", "-o", "k"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let secret = std::fs::read_to_string(f.path("k.key")).unwrap();
    let public = std::fs::read_to_string(f.path("k.pub")).unwrap();
    assert!(secret
        .lines()
        .any(|l| l.starts_with("ed25519-secret:") && l.len() == 15 + 64));
    let key_line = public.lines().find(|l| l.starts_with("ed25519:")).unwrap();
    assert_eq!(key_line.len(), 8 + 64);
    assert!(stdout(&out).contains(key_line));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f.path("k.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = f.run(&["keygen", "-o", "k"]);
    assert_eq!(code(&again), Some(2));
    assert!(stderr(&again).contains("`--force`"));
    let other = f.run(&["keygen", "-o", "k", "--force"]);
    assert_eq!(code(&other), Some(0));
    assert_ne!(std::fs::read_to_string(f.path("k.pub")).unwrap(), public);
}

#[test]
fn bundles_are_checked_before_any_pack_is_used() {
    let f = Fixture::new();
    assert_eq!(code(&f.run(&["keygen", "-o", "a"])), Some(0));
    assert_eq!(code(&f.run(&["keygen", "-o", "b"])), Some(0));
    let built = f.run(&["bundle", "build", "pack", "-o", "p.bundle"]);
    assert_eq!(code(&built), Some(0), "{}", stderr(&built));
    assert!(stdout(&built).contains("pack `fixture` v1.0"));
    assert_eq!(
        code(&f.run(&["bundle", "sign", "p.bundle", "--key", "a.key"])),
        Some(0)
    );

    let ok = f.run(&["bundle", "verify", "p.bundle", "--pubkey", "a.pub"]);
    assert_eq!(code(&ok), Some(0), "{}", stdout(&ok));
    let wrong = f.run(&["bundle", "verify", "p.bundle", "--pubkey", "b.pub"]);
    assert_eq!(code(&wrong), Some(1));
    assert!(
        stdout(&wrong).contains("error[bundle.untrusted]"),
        "{}",
        stdout(&wrong)
    );
    let json = f.run(&[
        "bundle", "verify", "p.bundle", "--pubkey", "a.pub", "-f", "json",
    ]);
    let v: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["manifest"]["pack"]["id"], "fixture");

    // Screening with the bundle: the same decisions as with the directory.
    let from_dir = f.run(&["screen", "-q", "--pack", "pack", "data.jsonl"]);
    let from_bundle = f.run(&[
        "screen",
        "-q",
        "--pack",
        "p.bundle",
        "--trusted-key",
        "a.pub",
        "data.jsonl",
    ]);
    assert_eq!(code(&from_bundle), Some(0), "{}", stderr(&from_bundle));
    assert_eq!(stdout(&from_bundle), stdout(&from_dir));
    let untrusted = f.run(&[
        "screen",
        "-q",
        "--pack",
        "p.bundle",
        "--trusted-key",
        "b.pub",
        "data.jsonl",
    ]);
    assert_eq!(code(&untrusted), Some(2));
    assert!(
        stderr(&untrusted).contains("bundle.untrusted"),
        "{}",
        stderr(&untrusted)
    );
    assert!(stdout(&untrusted).is_empty());
    // A directory cannot meet a signature requirement.
    let dir = f.run(&[
        "screen",
        "-q",
        "--pack",
        "pack",
        "--trusted-key",
        "a.pub",
        "data.jsonl",
    ]);
    assert_eq!(code(&dir), Some(2));
    assert!(stderr(&dir).contains("bundle.unsigned"));
    // `diff`, `report dpia` and `audit labels` take the same requirement.
    let diff = |packs: [&str; 2], key: &str| {
        f.run(&[
            "diff",
            packs[0],
            packs[1],
            "data.jsonl",
            "--trusted-key",
            key,
        ])
    };
    assert_eq!(code(&diff(["p.bundle", "p.bundle"], "a.pub")), Some(0));
    let out = diff(["p.bundle", "p.bundle"], "b.pub");
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).contains("bundle.untrusted"),
        "{}",
        stderr(&out)
    );
    let out = diff(["p.bundle", "pack"], "a.pub");
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("bundle.unsigned"), "{}", stderr(&out));
    let out = f.run(&[
        "report",
        "dpia",
        "--pack",
        "pack",
        "--trusted-key",
        "a.pub",
        "--data",
        "data.jsonl",
    ]);
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("bundle.unsigned"), "{}", stderr(&out));

    // An expected digest.
    let digest = v["manifest"]["pack"]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let pinned = f.run(&[
        "screen",
        "-q",
        "--pack",
        "p.bundle",
        "--expect-digest",
        &digest,
        "data.jsonl",
    ]);
    assert_eq!(code(&pinned), Some(0));
    let other = f.run(&[
        "screen",
        "-q",
        "--pack",
        "p.bundle",
        "--expect-digest",
        "sha256:00",
        "data.jsonl",
    ]);
    assert_eq!(code(&other), Some(2));
    assert!(stderr(&other).contains("pack.digest_mismatch"));

    // One changed byte in a pack file inside the bundle.
    let mut bytes = std::fs::read(f.path("p.bundle")).unwrap();
    let at = find(&bytes, b"Indicator A").unwrap();
    bytes[at] = b'i';
    std::fs::write(f.path("tampered.bundle"), &bytes).unwrap();
    let out = f.run(&["bundle", "verify", "tampered.bundle", "--pubkey", "a.pub"]);
    assert_eq!(code(&out), Some(1));
    assert!(stdout(&out).contains("error[bundle.file_changed]: file `pack.toml` was changed"));
    let out = f.run(&["screen", "-q", "--pack", "tampered.bundle", "data.jsonl"]);
    assert_eq!(code(&out), Some(2));
    // Signing a tampered bundle is refused.
    let out = f.run(&["bundle", "sign", "tampered.bundle", "--key", "b.key"]);
    assert_eq!(code(&out), Some(1));
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn an_expired_list_is_refused_everywhere_with_the_list_and_date() {
    let pack = crate::fixture::PACK.replace(
        "[outcomes]",
        "[lists]\nold = { items = [\"X\"], provenance = \"agency A\", expires = 2026-03-31 }\n\n[outcomes]",
    );
    let f = Fixture::with_pack(&pack);
    let before = f
        .saring()
        .env("SARING_TODAY", "2026-03-31")
        .args(["bundle", "build", "pack", "-o", "p.bundle"])
        .output()
        .unwrap();
    assert_eq!(code(&before), Some(0), "{}", stderr(&before));
    for args in [
        vec!["screen", "-q", "--pack", "pack", "data.jsonl"],
        vec!["screen", "-q", "--pack", "p.bundle", "data.jsonl"],
        vec!["bundle", "verify", "p.bundle"],
    ] {
        let out = f
            .saring()
            .env("SARING_TODAY", "2026-04-01")
            .args(&args)
            .output()
            .unwrap();
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(code(&out) == Some(1) || code(&out) == Some(2), "{args:?}");
        assert!(
            text.contains("error[pack.list_expired]: list `old` expired on 2026-03-31"),
            "{args:?}: {text}"
        );
    }
    let bad = f
        .saring()
        .env("SARING_TODAY", "April")
        .args(["screen", "--pack", "pack", "data.jsonl"])
        .output()
        .unwrap();
    assert_eq!(code(&bad), Some(2));
    assert!(stderr(&bad).contains("SARING_TODAY"));
}

#[test]
fn a_public_bundle_refuses_lists_that_are_not_public() {
    let f = with_rules();
    let out = f.run(&[
        "bundle",
        "build",
        "rules/id-pmi/departure.toml",
        "-o",
        "x.bundle",
        "--sharing",
        "public",
    ]);
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(err.contains("`watch_recruiter_ids` (restricted)"), "{err}");
    assert!(!f.path("x.bundle").exists());
    let out = f.run(&[
        "bundle",
        "build",
        "rules/job-offer",
        "-o",
        "x.bundle",
        "--sharing",
        "public",
    ]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
}

#[test]
fn record_ids_reach_every_output_row_bad_rows_included() {
    let f = with_rules();
    f.write(
        "rows.jsonl",
        "{\"record_id\":\"SYN-9\",\"stage\":\"departure\",\"destination_country\":7}\nnot json\n{\"record_id\": \"HAND-4\", \"stage\": tru\n",
    );
    let out = f.run(&[
        "screen",
        "-q",
        "--pack",
        "rules/id-pmi/departure.toml",
        "rows.jsonl",
    ]);
    assert_eq!(code(&out), Some(3));
    let rows = lines(&stdout(&out));
    assert_eq!(rows[0]["record"], "SYN-9");
    assert_eq!(rows[0]["invalid"][0]["code"], "record.type_mismatch");
    assert!(rows[1].get("record").is_none());
    assert_eq!(
        rows[2]["record"], "HAND-4",
        "read from a line that is not valid JSON"
    );
    assert_eq!(rows[2]["error"]["code"], "record.syntax");
    assert!(stdout(&out).starts_with("{\"row\":1,\"record\":\"SYN-9\","));
    let out = f.run(&[
        "screen",
        "-q",
        "--pack",
        "rules/id-pmi/departure.toml",
        "rules/id-pmi/examples/departures.jsonl",
        "-f",
        "csv",
    ]);
    let text = stdout(&out);
    let mut rows = text.lines();
    assert!(rows.next().unwrap().starts_with("row,record,outcome,score"));
    assert!(rows.next().unwrap().starts_with("1,SYN-000001,"));
    let table = f.run(&[
        "screen",
        "-q",
        "--pack",
        "rules/demo",
        "rules/demo/examples/applications.jsonl",
        "-f",
        "table",
    ]);
    let text = stdout(&table);
    assert!(text.lines().next().unwrap().contains("RECORD"));
    assert!(text.lines().nth(1).unwrap().contains("A001"), "{text}");
}

fn screen_log(f: &Fixture, data: &str, log: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "screen",
        "-q",
        "--pack",
        "rules/id-pmi/departure.toml",
        data,
        "--log",
        log,
        "-o",
        "out.jsonl",
    ];
    args.extend_from_slice(extra);
    f.saring()
        .env("SARING_CLOCK", "2026-05-01T08:00:00Z")
        .args(&args)
        .output()
        .unwrap()
}

fn verify(f: &Fixture, log: &str) -> (Option<i32>, String) {
    let out = f.run(&["audit", "verify", log, "-f", "json"]);
    (code(&out), stdout(&out))
}

#[test]
fn a_log_is_verified_reviewed_labelled_and_tampering_is_named_by_line() {
    let f = with_rules();
    let data = "rules/id-pmi/examples/departures.jsonl";
    // The example file has one malformed line (row 101): reported, not logged; exit 3.
    let out = screen_log(&f, data, "log.jsonl", &["--actor", "tpi-cgk"]);
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let entries = lines(&std::fs::read_to_string(f.path("log.jsonl")).unwrap());
    assert_eq!(entries.len(), 203);
    assert_eq!(entries[0]["time"], "2026-05-01T08:00:00.000Z");
    assert_eq!(entries[0]["actor"], "tpi-cgk");
    assert_eq!(entries[0]["decision"]["record"], "SYN-000001");
    // Resuming appends to the same chain.
    assert_eq!(code(&screen_log(&f, data, "log.jsonl", &[])), Some(3));
    let (c, report) = verify(&f, "log.jsonl");
    assert_eq!(c, Some(0), "{report}");
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["entries"], 406);

    let flagged: Vec<&Value> = entries
        .iter()
        .filter(|e| e["decision"]["outcome"] != "clear")
        .collect();
    let id = flagged[0]["decision"]["record"]
        .as_str()
        .unwrap()
        .to_string();
    let out = f
        .saring()
        .env("SARING_CLOCK", "2026-05-02T09:00:00Z")
        .args([
            "audit",
            "review",
            "log.jsonl",
            "--record",
            &id,
            "--verdict",
            "confirmed",
            "--reason",
            "agent held the passport",
            "--officer",
            "officer-7",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("entry 407: confirmed review of record"));
    let out = f.run(&[
        "audit",
        "review",
        "log.jsonl",
        "--record",
        "SYN-NOPE",
        "--verdict",
        "dismissed",
        "--reason",
        "x",
    ]);
    assert_eq!(code(&out), Some(2));
    assert!(stderr(&out).contains("audit.no_decision"));

    // Labels: summaries from the log alone; whole records when the screened data is given.
    let out = f.run(&["audit", "labels", "log.jsonl"]);
    let rows = lines(&stdout(&out));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["record"], id.as_str());
    assert_eq!(rows[0]["label"], true);
    assert_eq!(rows[0]["officer"], "officer-7");
    let out = f.run(&[
        "audit",
        "labels",
        "log.jsonl",
        "--records",
        data,
        "--pack",
        "rules/id-pmi/departure.toml",
        "-o",
        "labels.jsonl",
    ]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let labelled = lines(&std::fs::read_to_string(f.path("labels.jsonl")).unwrap());
    assert_eq!(labelled.len(), 1);
    assert_eq!(labelled[0]["record_id"], id.as_str());
    assert_eq!(labelled[0]["label"], true);
    let bt = f.run(&[
        "backtest",
        "--pack",
        "rules/id-pmi/departure.toml",
        "labels.jsonl",
        "--label",
        "label",
        "-f",
        "json",
    ]);
    assert_eq!(code(&bt), Some(0), "{}", stderr(&bt));
    let bt: Value = serde_json::from_str(&stdout(&bt)).unwrap();
    assert_eq!(bt["records"], 1);

    // Tampering, each named by its line.
    let original = std::fs::read_to_string(f.path("log.jsonl")).unwrap();
    let l: Vec<String> = original.lines().map(str::to_string).collect();
    let join = |v: Vec<String>| v.join("\n") + "\n";
    let mut changed = l.clone();
    changed[99] = changed[99].replacen("\"score\":", "\"score\":1", 1);
    let mut deleted = l.clone();
    deleted.remove(49);
    let mut swapped = l.clone();
    swapped.swap(10, 11);
    let cases: Vec<(String, u64)> = vec![
        (join(changed), 100),
        (join(deleted), 50),
        (join(swapped), 11),
        (original[..original.len() - 40].to_string(), 407),
    ];
    for (text, line) in cases {
        f.write("bad.jsonl", &text);
        let out = f.run(&["audit", "verify", "bad.jsonl"]);
        assert_eq!(code(&out), Some(1));
        assert!(
            stdout(&out).contains(&format!("is broken at line {line};")),
            "line {line}: {}",
            stdout(&out)
        );
    }
}

#[test]
fn a_torn_log_is_refused_until_repaired() {
    let f = with_rules();
    let data = "rules/id-pmi/examples/departures.jsonl";
    assert_eq!(code(&screen_log(&f, data, "log.jsonl", &[])), Some(3));
    let text = std::fs::read_to_string(f.path("log.jsonl")).unwrap();
    std::fs::write(f.path("log.jsonl"), &text[..text.len() - 100]).unwrap();
    let out = screen_log(&f, data, "log.jsonl", &[]);
    assert_eq!(code(&out), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("error[audit.torn]: line 203 of `log.jsonl` is torn"),
        "{err}"
    );
    assert!(err.contains("saring audit repair log.jsonl"), "{err}");
    let out = f.run(&["audit", "repair", "log.jsonl"]);
    assert_eq!(code(&out), Some(0));
    assert!(stdout(&out).contains("moved the torn line 203"));
    assert_eq!(code(&screen_log(&f, data, "log.jsonl", &[])), Some(3));
    let (c, report) = verify(&f, "log.jsonl");
    assert_eq!(c, Some(0), "{report}");
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["entries"], 202 + 203);
}

#[test]
fn anchors_are_signed_and_checked_with_the_public_key() {
    let f = with_rules();
    assert_eq!(code(&f.run(&["keygen", "-o", "log"])), Some(0));
    assert_eq!(code(&f.run(&["keygen", "-o", "other"])), Some(0));
    let data = "rules/id-pmi/examples/departures.jsonl";
    let out = screen_log(
        &f,
        data,
        "log.jsonl",
        &["--anchor-every", "50", "--key", "log.key"],
    );
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let out = f.run(&["audit", "verify", "log.jsonl", "--pubkey", "log.pub"]);
    assert_eq!(code(&out), Some(0));
    assert!(
        stdout(&out)
            .contains("208 entries (203 decisions, 0 reviews, 5 anchors, 5 signatures verified)"),
        "{}",
        stdout(&out)
    );
    let out = f.run(&["audit", "verify", "log.jsonl", "--pubkey", "other.pub"]);
    assert_eq!(code(&out), Some(1));
    assert!(
        stdout(&out).contains("is broken at line 51;"),
        "{}",
        stdout(&out)
    );
    // `--anchor-every` needs a key.
    let out = screen_log(&f, data, "x.jsonl", &["--anchor-every", "5"]);
    assert_eq!(code(&out), Some(2));
}

#[test]
fn a_log_killed_mid_screen_verifies_up_to_its_last_entry_and_resumes() {
    let f = with_rules();
    // About 40,000 rows: long enough to be killed while writing.
    let one =
        std::fs::read_to_string(repo().join("rules/id-pmi/examples/departures.jsonl")).unwrap();
    let big: String = one.repeat(200);
    f.write("big.jsonl", &big);
    let mut child = Process::new(env!("CARGO_BIN_EXE_saring"))
        .current_dir(f.path(""))
        .args([
            "screen",
            "-q",
            "--threads",
            "1",
            "--pack",
            "rules/id-pmi/departure.toml",
            "big.jsonl",
            "--log",
            "log.jsonl",
            "-o",
            "out.jsonl",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let log = f.path("log.jsonl");
    while std::fs::metadata(&log).map_or(0, |m| m.len()) < 200_000 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the log never grew"
        );
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let finished = child.try_wait().unwrap().is_some();
    // SIGKILL: no chance to flush or clean up.
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !finished,
        "the run ended before it could be killed; make the input larger"
    );
    let bytes = std::fs::read(&log).unwrap();
    let whole = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    assert!(whole > 0);
    let out = f.run(&["audit", "verify", "log.jsonl", "-f", "json"]);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["entries"], whole, "every whole entry verifies");
    if bytes.last() == Some(&b'\n') {
        assert_eq!(code(&out), Some(0));
    } else {
        // The kill tore the last line: named, then repaired.
        assert_eq!(code(&out), Some(1));
        assert_eq!(report["error"]["code"], "audit.torn");
        assert_eq!(report["error"]["line"], whole + 1);
        assert_eq!(code(&f.run(&["audit", "repair", "log.jsonl"])), Some(0));
    }
    // Resume with the small file: the chain continues.
    let out = screen_log(
        &f,
        "rules/id-pmi/examples/departures.jsonl",
        "log.jsonl",
        &[],
    );
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    let out = f.run(&["audit", "verify", "log.jsonl", "-f", "json"]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["entries"], whole + 203);
}

#[test]
fn check_against_an_old_version_prints_a_changelog_and_needs_a_new_version() {
    let f = with_rules();
    assert_eq!(
        code(&f.run(&["bundle", "build", "rules/demo", "-o", "old.bundle"])),
        Some(0)
    );
    let pack = f.path("rules/demo/pack.toml");
    let text = std::fs::read_to_string(&pack).unwrap();
    let changed = text.replacen("weight = 25", "weight = 30", 1).replace(
        "\"CV Karya Fiktif\"",
        "\"CV Karya Fiktif\", \"PT Baru Sintetis\"",
    );
    std::fs::write(&pack, &changed).unwrap();
    let out = f.run(&["check", "rules/demo", "--against", "old.bundle"]);
    assert_eq!(code(&out), Some(1));
    let text = stdout(&out);
    assert!(text.contains("error[pack.version_unchanged]"), "{text}");
    assert!(text.contains("~ one_way_hotspot: weight 25 → 30"), "{text}");
    assert!(
        text.contains("~ watch_recruiters: 3 → 4 items (+1 −0)"),
        "{text}"
    );
    // With the version bumped the change is fine, and JSON carries the changelog.
    std::fs::write(
        &pack,
        changed.replace("version = \"2025.05.1\"", "version = \"2025.05.2\""),
    )
    .unwrap();
    let out = f.run(&[
        "check",
        "rules/demo",
        "--against",
        "old.bundle",
        "-f",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", stdout(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["against"]["version"],
        serde_json::json!(["2025.05.1", "2025.05.2"])
    );
    assert_eq!(
        v["against"]["rules_changed"]["one_way_hotspot"][0],
        "weight 25 → 30"
    );
    // Against itself (a directory): nothing changed.
    let out = f.run(&["check", "rules/demo", "--against", "rules/demo"]);
    assert_eq!(code(&out), Some(0));
    assert!(stdout(&out).contains("content unchanged (same digest)"));
}
