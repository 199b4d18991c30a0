//! `saring screen` against hostile inputs and interruptions: a run killed with SIGKILL
//! leaves whole lines only and `--resume` finishes it without screening a row twice; a
//! 100 MB line is reported as `record.too_large` in bounded memory. Each case has a time
//! bound enforced here.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixture::{stdout, Fixture, DATA};

/// The time bound of each case.
const BOUND: Duration = Duration::from_secs(60);

fn saring_bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("saring")
}

/// Writes `n` fixture rows (the ten records of `DATA`, repeated) to `rel`.
fn many_rows(f: &Fixture, rel: &str, n: usize) -> std::path::PathBuf {
    let records: Vec<&str> = DATA.lines().collect();
    let mut text = String::with_capacity(n * 80);
    for i in 0..n {
        text.push_str(records[i % records.len()]);
        text.push('\n');
    }
    f.write(rel, &text)
}

/// The row numbers of a JSONL output, checking that every line is whole JSON.
fn rows_of(text: &str) -> Vec<u64> {
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "a partial last line"
    );
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("`{l}`: {e}"));
            v["row"].as_u64().expect("a row number")
        })
        .collect()
}

fn wait_for(what: &str, start: Instant, mut ready: impl FnMut() -> bool) {
    while !ready() {
        assert!(start.elapsed() < BOUND, "{what}: not after {BOUND:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn sigkill_leaves_whole_lines_and_resume_finishes_without_repeats() {
    let f = Fixture::new();
    let n = 200_000;
    let input = many_rows(&f, "big.jsonl", n);
    let out = f.path("out.jsonl");
    let start = Instant::now();
    let mut child = Command::new(saring_bin())
        .current_dir(f.dir.path())
        .args(["screen", "-q", "--threads", "1", "--pack", "pack"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start saring");
    wait_for("first output", start, || {
        std::fs::metadata(&out).is_ok_and(|m| m.len() > 0)
    });
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "killed before the end: use more rows");
    let partial = std::fs::read_to_string(&out).expect("output");
    // Lines reach the file in whole chunks; a kill inside the kernel's copy of a chunk can
    // cut its last line at a page boundary (that line has no newline; `--resume` drops it).
    let whole = &partial[..partial.rfind('\n').map_or(0, |i| i + 1)];
    let done = rows_of(whole);
    assert!(
        !done.is_empty() && done.len() < n,
        "{} rows written",
        done.len()
    );
    assert_eq!(done, (1..=done.len() as u64).collect::<Vec<_>>());

    let resumed = f.run(&[
        "screen",
        "--pack",
        "pack",
        "big.jsonl",
        "-o",
        "out.jsonl",
        "--resume",
    ]);
    assert_eq!(resumed.status.code(), Some(0));
    let err = String::from_utf8_lossy(&resumed.stderr);
    assert!(
        err.contains(&format!("resumed after row {}", done.len())),
        "{err}"
    );
    assert!(
        err.contains(&format!("screened {} rows in", n - done.len())),
        "{err}"
    );
    let full = std::fs::read_to_string(&out).expect("output");
    assert_eq!(rows_of(&full), (1..=n as u64).collect::<Vec<_>>());

    // The same bytes as an uninterrupted run.
    let fresh = f.run(&["screen", "-q", "--pack", "pack", "big.jsonl"]);
    assert!(
        stdout(&fresh) == full,
        "a resumed run differs from a fresh one"
    );
    assert!(start.elapsed() < BOUND * 2);
}

#[test]
fn resume_drops_a_partial_last_line() {
    let f = Fixture::new();
    let fresh = stdout(&f.run(&["screen", "-q", "--pack", "pack", "data.jsonl"]));
    let lines: Vec<&str> = fresh.lines().collect();
    // Three whole lines and half of the fourth, as a killed writer might leave.
    let mut cut = lines[..3].join("\n");
    cut.push('\n');
    cut.push_str(&lines[3][..lines[3].len() / 2]);
    f.write("out.jsonl", &cut);
    let out = f.run(&[
        "screen",
        "--pack",
        "pack",
        "data.jsonl",
        "-o",
        "out.jsonl",
        "--resume",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("resumed after row 3"));
    assert_eq!(
        std::fs::read_to_string(f.path("out.jsonl")).expect("output"),
        fresh
    );

    // A missing file is a fresh start; a file that is not screen output is refused.
    let out = f.run(&[
        "screen",
        "-q",
        "--pack",
        "pack",
        "data.jsonl",
        "-o",
        "new.jsonl",
        "--resume",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(f.path("new.jsonl")).expect("output"),
        fresh
    );
    f.write("other.jsonl", "{\"not\": \"a decision\"}\n");
    let out = f.run(&[
        "screen",
        "--pack",
        "pack",
        "data.jsonl",
        "-o",
        "other.jsonl",
        "--resume",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a `saring screen` JSONL result"));
    let out = f.run(&[
        "screen",
        "--pack",
        "pack",
        "data.jsonl",
        "-o",
        "x.csv",
        "-f",
        "csv",
        "--resume",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`--resume` needs `--format jsonl`"));
}

/// Peak resident memory of a running process (`VmHWM`, kB), Linux only.
fn peak_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const HEAD: &str = r#"{"a":true,"pad":""#;
const TAIL: &str = r#""}"#;

#[test]
fn a_100_mb_line_is_too_large_in_bounded_memory() {
    let f = Fixture::new();
    let path = f.path("huge.jsonl");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        writeln!(file, r#"{{"a":true,"b":false,"c":true,"s":false}}"#).expect("write");
        file.write_all(HEAD.as_bytes()).expect("write");
        let chunk = "x".repeat(1 << 20);
        for _ in 0..100 {
            file.write_all(chunk.as_bytes()).expect("write");
        }
        writeln!(file, "{TAIL}").expect("write");
        // Rows after the long line keep the process alive while its peak memory is read.
        for line in DATA.lines().cycle().take(100_000) {
            writeln!(file, "{line}").expect("write");
        }
    }
    let start = Instant::now();
    let mut child = Command::new(saring_bin())
        .current_dir(f.dir.path())
        .args([
            "screen",
            "-q",
            "--threads",
            "1",
            "--pack",
            "pack",
            "huge.jsonl",
        ])
        .arg("-o")
        .arg(f.path("out.jsonl"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start saring");
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = peak_kb(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(start.elapsed() < BOUND, "still running after {BOUND:?}");
        std::thread::sleep(Duration::from_millis(2));
    };
    assert_eq!(status.code(), Some(3), "a bad row: exit 3");
    let text = std::fs::read_to_string(f.path("out.jsonl")).expect("output");
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(rows.len(), 100_002);
    assert_eq!(rows[0]["outcome"], "refer");
    assert_eq!(rows[1]["row"], 2);
    assert_eq!(rows[1]["error"]["code"], "record.too_large");
    assert_eq!(
        rows[1]["error"]["message"],
        format!(
            "line is {} bytes, more than the limit of 4194304",
            (100 << 20) + HEAD.len() + TAIL.len()
        )
    );
    assert_eq!(rows[2]["row"], 3);
    // The long line is never held whole: well below its 100 MB (the allocator's own arenas
    // and the thread pool's heaps are most of the 40–60 MB).
    if cfg!(target_os = "linux") {
        assert!(peak > 0 && peak < 64 * 1024, "peak memory {peak} kB");
    }
}
