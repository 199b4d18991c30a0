//! `cargo xtask fuzz [--seconds N] [TARGET...]`, and the fuzz smoke of `cargo xtask test`.
//!
//! The targets live in `fuzz/` (cargo-fuzz, libFuzzer; its own workspace). This module
//! installs cargo-fuzz when it is missing (pinned, under the shared tools folder), writes
//! each target's seed corpus from the repository's own packs, records, goldens and CEL
//! conformance expressions, builds every target once and runs the chosen ones one after
//! another, printing libFuzzer's final statistics (executions, slowest unit, peak memory).
//!
//! libFuzzer needs `-Z` codegen flags; on a stable toolchain `RUSTC_BOOTSTRAP=1` allows them
//! (no nightly toolchain is needed). Targets run without a sanitizer (safe Rust) and with
//! debug assertions, so integer overflow is caught as a crash.
//!
//! Adding a target: `fuzz/fuzz_targets/NAME.rs`, its `[[bin]]` in `fuzz/Cargo.toml` and one
//! row in [`TARGETS`].

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as Json;

use crate::util::{capture, root, show, tools_dir, Step};

/// The cargo-fuzz release xtask installs when it finds none.
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Seconds per target in the smoke run of `cargo xtask test`.
const SMOKE_SECONDS: u64 = 20;
/// Seconds per target of `cargo xtask fuzz` without `--seconds`.
const DEFAULT_SECONDS: u64 = 60;
/// A unit slower than this is reported as a failure (libFuzzer's `-timeout`).
const UNIT_TIMEOUT_SECONDS: u64 = 10;
/// Memory limit of a fuzzing process (libFuzzer's `-rss_limit_mb`).
const RSS_LIMIT_MB: u64 = 2048;
/// The smoke fails when a target executes fewer inputs than this.
const SMOKE_MIN_EXECUTIONS: u64 = 200;

/// One fuzz target: its name (the `[[bin]]`), dictionary, longest input and seeds.
struct Target {
    name: &'static str,
    dict: &'static str,
    max_len: usize,
    seeds: fn(&Path) -> Result<Vec<Vec<u8>>, String>,
}

const TARGETS: &[Target] = &[
    Target {
        name: "cel",
        dict: "fuzz/dict/cel.dict",
        max_len: 4096,
        seeds: cel_seeds,
    },
    Target {
        name: "pack",
        dict: "fuzz/dict/pack.dict",
        max_len: 96 * 1024,
        seeds: pack_seeds,
    },
    Target {
        name: "record",
        dict: "fuzz/dict/record.dict",
        max_len: 16 * 1024,
        seeds: record_seeds,
    },
    Target {
        name: "bundle",
        dict: "fuzz/dict/bundle.dict",
        max_len: 4096,
        seeds: bundle_seeds,
    },
    Target {
        name: "columnar",
        dict: "fuzz/dict/record.dict",
        max_len: 32 * 1024,
        seeds: columnar_seeds,
    },
    Target {
        name: "aggregates",
        dict: "fuzz/dict/aggregates.dict",
        max_len: 8 * 1024,
        seeds: aggregates_seeds,
    },
];

/// `cargo xtask fuzz [--seconds N] [TARGET...]`: every target (or the named ones) for N
/// seconds each, with a persistent corpus in `fuzz/corpus/TARGET` and crashes written to
/// `fuzz/artifacts/TARGET/`.
pub fn fuzz(args: &[String]) -> Result<(), String> {
    let mut seconds = DEFAULT_SECONDS;
    let mut names = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("`--seconds` needs a whole number of seconds")?;
            }
            name => names.push(name.to_string()),
        }
    }
    let targets = select(&names)?;
    let cargo_fuzz = setup()?;
    for target in targets {
        let corpus = root().join("fuzz/corpus").join(target.name);
        run(&cargo_fuzz, target, &corpus, seconds, &[])?;
    }
    Ok(())
}

/// The smoke run of `cargo xtask test`: every target for a few seconds from its seeds alone
/// (a fresh corpus under `target/`, a fixed random seed). Fails when a target cannot be
/// built or run, crashes, or executes almost nothing.
pub fn smoke() -> Result<(), String> {
    let cargo_fuzz = setup()?;
    for target in TARGETS {
        let corpus = root().join("target/fuzz-smoke").join(target.name);
        if corpus.exists() {
            fs::remove_dir_all(&corpus)
                .map_err(|e| format!("cannot clear {}: {e}", corpus.display()))?;
        }
        let stats = run(&cargo_fuzz, target, &corpus, SMOKE_SECONDS, &["-seed=1"])?;
        let executed = stats
            .get("number_of_executed_units")
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        if executed < SMOKE_MIN_EXECUTIONS {
            return Err(format!(
                "fuzz smoke: target `{}` executed {executed} inputs in {SMOKE_SECONDS}s, \
                 fewer than {SMOKE_MIN_EXECUTIONS}",
                target.name
            ));
        }
    }
    Ok(())
}

fn select(names: &[String]) -> Result<Vec<&'static Target>, String> {
    if names.is_empty() {
        return Ok(TARGETS.iter().collect());
    }
    names
        .iter()
        .map(|n| {
            TARGETS.iter().find(|t| t.name == n).ok_or_else(|| {
                let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
                format!(
                    "unknown fuzz target `{n}` (targets: {}); usage: cargo xtask fuzz \
                     [--seconds N] [TARGET...]",
                    known.join(", ")
                )
            })
        })
        .collect()
}

/// cargo-fuzz, installed if needed, and every target built.
fn setup() -> Result<PathBuf, String> {
    let step = Step::start("fuzz: cargo-fuzz and the targets");
    let cargo_fuzz = cargo_fuzz(&step)?;
    step.run(&mut fuzz_command(&cargo_fuzz, "build"))?;
    step.done();
    Ok(cargo_fuzz)
}

/// `cargo-fuzz` at [`CARGO_FUZZ_VERSION`] under the tools folder, installed once.
fn cargo_fuzz(step: &Step) -> Result<PathBuf, String> {
    let prefix = tools_dir().join(format!("cargo-fuzz-{CARGO_FUZZ_VERSION}"));
    let bin = prefix.join("bin/cargo-fuzz");
    let works = |bin: &Path| {
        capture(Command::new(bin).args(["fuzz", "--version"]))
            .is_ok_and(|v| v.contains(CARGO_FUZZ_VERSION))
    };
    if !works(&bin) {
        step.run(
            crate::util::cargo()
                .args(["install", "--locked", "--root"])
                .arg(&prefix)
                .args(["cargo-fuzz", "--version", CARGO_FUZZ_VERSION]),
        )?;
        if !works(&bin) {
            return Err(step.fail(format!(
                "{} does not report version {CARGO_FUZZ_VERSION}",
                bin.display()
            )));
        }
    }
    println!("cargo-fuzz {CARGO_FUZZ_VERSION}: {}", bin.display());
    Ok(bin)
}

/// `cargo fuzz VERB -s none -a` in the repository root; build and run use the same flags so
/// that running never rebuilds.
fn fuzz_command(cargo_fuzz: &Path, verb: &str) -> Command {
    let mut cmd = Command::new(cargo_fuzz);
    cmd.current_dir(root())
        .args(["fuzz", verb, "--sanitizer", "none", "--debug-assertions"])
        .env("RUSTC_BOOTSTRAP", "1");
    cmd
}

/// Seeds `corpus` and runs one target for `seconds`; returns libFuzzer's final statistics
/// (`stat::NAME: VALUE` lines). The full log goes to `target/fuzz-logs/TARGET.log`.
fn run(
    cargo_fuzz: &Path,
    target: &Target,
    corpus: &Path,
    seconds: u64,
    extra: &[&str],
) -> Result<BTreeMap<String, String>, String> {
    let step = Step::start(&format!("fuzz: {} for {seconds}s", target.name));
    let seeds = (target.seeds)(&root()).map_err(|e| step.fail(e))?;
    write_seeds(corpus, &seeds).map_err(|e| step.fail(e))?;
    println!("{} seeds in {}", seeds.len(), corpus.display());
    let log_dir = root().join("target/fuzz-logs");
    fs::create_dir_all(&log_dir).map_err(|e| step.fail(e))?;
    let log_path = log_dir.join(format!("{}.log", target.name));
    let mut log = fs::File::create(&log_path).map_err(|e| step.fail(e))?;

    let mut cmd = fuzz_command(cargo_fuzz, "run");
    cmd.arg(target.name)
        .arg(corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-dict={}", root().join(target.dict).display()))
        .arg(format!("-max_len={}", target.max_len))
        .arg(format!("-timeout={UNIT_TIMEOUT_SECONDS}"))
        .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
        .arg("-print_final_stats=1")
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    println!("$ {}", show(&cmd));
    let mut child = cmd
        .spawn()
        .map_err(|e| step.fail(format!("cannot start `{}`: {e}", show(&cmd))))?;
    // libFuzzer talks on stderr; cargo-fuzz's own output is short. Keep both in the log and
    // show only the progress pulses, the statistics and anything that looks like a failure.
    let stdout = child.stdout.take();
    let echo = std::thread::spawn(move || {
        stdout.map(|out| {
            BufReader::new(out)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        })
    });
    let mut stats = BTreeMap::new();
    let mut tail: Vec<String> = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = writeln!(log, "{line}");
            if let Some((name, value)) = line.strip_prefix("stat::").and_then(|s| s.split_once(':'))
            {
                stats.insert(name.trim().to_string(), value.trim().to_string());
            }
            if shows(&line) {
                println!("{line}");
            }
            tail.push(line);
            if tail.len() > 60 {
                tail.remove(0);
            }
        }
    }
    let status = child.wait().map_err(|e| step.fail(e))?;
    for line in echo.join().ok().flatten().unwrap_or_default() {
        let _ = writeln!(log, "{line}");
    }
    if !status.success() {
        eprintln!("--- last lines of {} ---", log_path.display());
        for line in &tail {
            eprintln!("{line}");
        }
        return Err(step.fail(format!(
            "target `{}` failed ({status}); crash inputs are in fuzz/artifacts/{}/, the log \
             in {}",
            target.name,
            target.name,
            log_path.display()
        )));
    }
    if stats.is_empty() {
        return Err(step.fail(format!(
            "target `{}` printed no statistics (see {})",
            target.name,
            log_path.display()
        )));
    }
    step.done();
    Ok(stats)
}

/// Whether a libFuzzer line is worth showing on the console.
fn shows(line: &str) -> bool {
    line.starts_with("stat::")
        || line.contains("INITED")
        || line.contains("DONE")
        || line.contains("pulse")
        || line.contains("Slowest unit")
        || line.contains("panicked")
        || line.contains("ERROR")
        || line.contains("SUMMARY")
        || line.contains("artifact")
}

/// Writes seeds into a corpus folder as `seed-N` (replacing older seeds, keeping what the
/// fuzzer added).
fn write_seeds(corpus: &Path, seeds: &[Vec<u8>]) -> Result<(), String> {
    fs::create_dir_all(corpus).map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    for (i, seed) in seeds.iter().enumerate() {
        let path = corpus.join(format!("seed-{i:05}"));
        fs::write(&path, seed).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The `.toml` and `.json` files directly under `dir`, sorted.
fn files_with(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Every pack in `rules/`: (folder, pack file name, parsed pack).
fn repo_packs(root: &Path) -> Result<Vec<(PathBuf, String, toml::Table)>, String> {
    let mut packs = Vec::new();
    let rules = root.join("rules");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&rules)
        .map_err(|e| format!("cannot list {}: {e}", rules.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        for file in files_with(&dir, &["toml"])? {
            let table: toml::Table = read(&file)?
                .parse()
                .map_err(|e| format!("{}: {e}", file.display()))?;
            if table.contains_key("pack") && table.contains_key("rule") {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                packs.push((dir.clone(), name, table));
            }
        }
    }
    if packs.is_empty() {
        return Err(format!("no packs found under {}", rules.display()));
    }
    Ok(packs)
}

/// Pack file texts by name.
type PackFiles = BTreeMap<String, String>;

/// The screening goldens: (main file name, files) of each golden's pack.
fn golden_packs(root: &Path) -> Result<Vec<(String, PackFiles)>, String> {
    let mut packs = Vec::new();
    for file in files_with(&root.join("tests/goldens"), &["json"])? {
        let golden: Json =
            serde_json::from_str(&read(&file)?).map_err(|e| format!("{}: {e}", file.display()))?;
        let main = golden["pack"]["main"].as_str().unwrap_or("pack.toml");
        let files: BTreeMap<String, String> = golden["pack"]["files"]
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        packs.push((main.to_string(), files));
    }
    Ok(packs)
}

/// Conditions and derived values of a pack (TOML table or JSON object, same structure).
fn pack_expressions(pack: &Json, out: &mut BTreeSet<String>) {
    if let Some(rules) = pack["rule"].as_array() {
        out.extend(
            rules
                .iter()
                .filter_map(|r| r["when"].as_str().map(str::to_string)),
        );
    }
    if let Some(derive) = pack["derive"].as_object() {
        out.extend(
            derive
                .values()
                .filter_map(|v| v.as_str().map(str::to_string)),
        );
    }
}

/// A TOML table as JSON, dates and times as their text (as the pack loader reads them).
fn toml_to_json(table: &toml::Table) -> Json {
    fn convert(value: &toml::Value) -> Json {
        match value {
            toml::Value::String(s) => Json::String(s.clone()),
            toml::Value::Integer(i) => Json::from(*i),
            toml::Value::Float(f) => Json::from(*f),
            toml::Value::Boolean(b) => Json::Bool(*b),
            toml::Value::Datetime(d) => Json::String(d.to_string()),
            toml::Value::Array(a) => Json::Array(a.iter().map(convert).collect()),
            toml::Value::Table(t) => toml_to_json(t),
        }
    }
    Json::Object(table.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
}

/// `cel`: every conformance expression and every condition and derived value of the
/// repository's packs and goldens.
fn cel_seeds(root: &Path) -> Result<Vec<Vec<u8>>, String> {
    let mut exprs = BTreeSet::new();
    fn collect(value: &Json, out: &mut BTreeSet<String>) {
        match value {
            Json::Object(o) => {
                if let Some(Json::String(e)) = o.get("expr") {
                    out.insert(e.clone());
                }
                o.values().for_each(|v| collect(v, out));
            }
            Json::Array(a) => a.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    for file in files_with(&root.join("tests/cel-conformance"), &["json"])? {
        let suite: Json =
            serde_json::from_str(&read(&file)?).map_err(|e| format!("{}: {e}", file.display()))?;
        collect(&suite, &mut exprs);
    }
    for (_, _, table) in repo_packs(root)? {
        pack_expressions(&toml_to_json(&table), &mut exprs);
    }
    for (main, files) in golden_packs(root)? {
        let Some(text) = files.get(&main) else {
            continue;
        };
        let pack = if main.ends_with(".json") {
            serde_json::from_str(text).unwrap_or(Json::Null)
        } else {
            text.parse::<toml::Table>()
                .map(|t| toml_to_json(&t))
                .unwrap_or(Json::Null)
        };
        pack_expressions(&pack, &mut exprs);
    }
    if exprs.len() < 100 {
        return Err(format!("only {} CEL seed expressions found", exprs.len()));
    }
    Ok(exprs.into_iter().map(String::into_bytes).collect())
}

/// Joins pack files into the `pack` target's input: each file after a `%% NAME` line, the
/// pack file first.
fn pack_input(main: &str, files: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = String::new();
    let main_file = (main, files.get(main).map_or("", String::as_str));
    let rest = files
        .iter()
        .filter(|(name, _)| name.as_str() != main)
        .map(|(name, text)| (name.as_str(), text.as_str()));
    for (name, text) in std::iter::once(main_file).chain(rest) {
        out.push_str("%% ");
        out.push_str(name);
        out.push('\n');
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// `pack`: every pack of `rules/` with its schema and list files, and every golden's pack.
fn pack_seeds(root: &Path) -> Result<Vec<Vec<u8>>, String> {
    let mut seeds = Vec::new();
    for (dir, name, table) in repo_packs(root)? {
        let mut files = BTreeMap::new();
        files.insert(name.clone(), read(&dir.join(&name))?);
        let pack = toml_to_json(&table);
        let mut referenced: Vec<String> = pack["pack"]["schema"]
            .as_str()
            .map(str::to_string)
            .into_iter()
            .collect();
        if let Some(lists) = pack["lists"].as_object() {
            referenced.extend(
                lists
                    .values()
                    .filter_map(|l| l["file"].as_str().map(str::to_string)),
            );
        }
        for rel in referenced {
            files.insert(rel.clone(), read(&dir.join(&rel))?);
        }
        seeds.push(pack_input(&name, &files));
    }
    for (main, files) in golden_packs(root)? {
        seeds.push(pack_input(&main, &files));
    }
    Ok(seeds)
}

/// `bundle`: the harness's fixed signed bundle unedited (first byte 1, no edits), with a few
/// edits (in the manifest, a pack file and a signature's region), and raw bytes (first byte 0):
/// an empty archive, a tar header alone and text.
fn bundle_seeds(_root: &Path) -> Result<Vec<Vec<u8>>, String> {
    let mut seeds = vec![vec![1u8]];
    for at in [100u32, 600, 2_000, 9_000, 30_000] {
        let [_, a, b, c] = at.to_be_bytes();
        seeds.push(vec![1, a, b, c, b'x']);
    }
    seeds.push(vec![0]);
    seeds.push([vec![0], vec![0u8; 1024]].concat());
    let mut header = vec![0u8; 513];
    header[1..14].copy_from_slice(b"manifest.json");
    header[258..263].copy_from_slice(b"ustar");
    seeds.push(header);
    seeds.push(b"\x00{\"pack\": {}}".to_vec());
    Ok(seeds)
}

/// `record`: the id-pmi example records (departures, passports, the first labelled ones)
/// and the records of the id-pmi packs' inline examples.
/// Seeds of target `aggregates` (see `fuzz/src/aggregates.rs`): applications sharing phones
/// across window edges, a repeated id, out-of-order times, missing and invalid times.
fn aggregates_seeds(_root: &Path) -> Result<Vec<Vec<u8>>, String> {
    let line = |id: &str, phone: &str, nik: &str, at: &str, fee: i64| {
        format!(
            "{{\"id\": \"{id}\", \"phone\": \"{phone}\", \"nik\": \"{nik}\", \"at\": \"{at}\", \"fee\": {fee}}}\n"
        )
    };
    let mut seeds = Vec::new();
    let mut edges = String::new();
    for (i, at) in [
        "2026-05-01T00:00:00Z",
        "2026-05-01T12:00:00Z",
        "2026-05-08T00:00:00Z",
        "2026-05-31T00:00:00Z",
        "2026-05-31T00:00:00Z",
        "2026-06-01T00:00:01Z",
    ]
    .iter()
    .enumerate()
    {
        edges.push_str(&line(
            &format!("r{i}"),
            "p1",
            &format!("N{}", i % 2),
            at,
            60,
        ));
    }
    seeds.push(edges.into_bytes());
    let mixed = [
        line("a", "p1", "N1", "2026-05-03T00:00:00+07:00", 0),
        line("b", "p2", "N2", "2026-05-01T00:00:00Z", 200),
        line("a", "p1", "N1", "2026-05-03T00:00:00+07:00", 0),
        line("c", "p1", "N3", "2026-05-02T23:00:00Z", 150),
        "{\"id\": \"d\", \"phone\": \"p1\"}\n".to_string(),
        "{\"id\": \"e\", \"phone\": \"p1\", \"at\": \"not a time\"}\n".to_string(),
        "{\"phone\": \"p1\", \"at\": \"2026-05-02T00:00:00Z\"}\n".to_string(),
    ];
    seeds.push(mixed.concat().into_bytes());
    seeds.push(line("x", "", "", "2026-01-01T00:00:00Z", -5).into_bytes());
    Ok(seeds)
}

/// Seeds of target `columnar`: the record seeds, eight lines a seed, behind each encoding
/// byte in turn (see `fuzz/src/columnar.rs`).
fn columnar_seeds(root: &Path) -> Result<Vec<Vec<u8>>, String> {
    let records = record_seeds(root)?;
    Ok(records
        .chunks(8)
        .zip((0u8..=255).cycle())
        .map(|(lines, encoding)| {
            let mut seed = vec![encoding];
            for line in lines {
                seed.extend_from_slice(line);
                seed.push(b'\n');
            }
            seed
        })
        .collect())
}

fn record_seeds(root: &Path) -> Result<Vec<Vec<u8>>, String> {
    let examples = root.join("rules/id-pmi/examples");
    let mut records = BTreeSet::new();
    for (file, take) in [
        ("departures.jsonl", usize::MAX),
        ("passports.jsonl", usize::MAX),
        ("labelled.jsonl", 200),
    ] {
        let text = read(&examples.join(file))?;
        records.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .take(take)
                .map(str::to_string),
        );
    }
    for (dir, _, table) in repo_packs(root)? {
        if !dir.ends_with("id-pmi") {
            continue;
        }
        let pack = toml_to_json(&table);
        for rule in pack["rule"].as_array().into_iter().flatten() {
            for example in rule["example"].as_array().into_iter().flatten() {
                records.insert(example["record"].to_string());
            }
        }
    }
    if records.len() < 100 {
        return Err(format!("only {} record seeds found", records.len()));
    }
    Ok(records.into_iter().map(String::into_bytes).collect())
}
