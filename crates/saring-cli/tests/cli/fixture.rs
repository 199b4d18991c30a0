//! A tiny pack (four boolean indicators, one of them shadow) and ten labelled records whose
//! back-test metrics are computed by hand in `crates/saring/src/backtest/tests.rs`.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

pub const SCHEMA: &str = r#"[field.a]
type = "bool"
required = true

[field.b]
type = "bool"
required = true

[field.c]
type = "bool"
required = true

[field.s]
type = "bool"
required = true

[field.sex]
type = "enum"
values = ["f", "m"]
monitored = true
"#;

/// Rules: rule_a (25, `a`), rule_b (10, `b`), rule_c (40, `c`), rule_s (shadow 20, `s`);
/// review at 30, refer at 60. rule_s is overdue for review (2020-01-01).
pub const PACK: &str = r#"[pack]
id = "fixture"
version = "1.0"
title = "CLI test fixture"
schema = "schema.toml"

[outcomes]
review = 30
refer = 60

[[rule]]
id = "rule_a"
title = "Indicator A"
weight = 25
when = "a"
reason = "a is {a}"
remedy = "clear a"
references = ["test"]
review_by = 2030-01-01

  [[rule.example]]
  expect = "hit"
  record = { a = true }

  [[rule.example]]
  expect = "miss"
  record = { a = false }

[[rule]]
id = "rule_b"
title = "Indicator B"
weight = 10
when = "b"
reason = "b is {b}"
remedy = "clear b"
references = ["test"]
review_by = 2030-01-01

  [[rule.example]]
  expect = "hit"
  record = { b = true }

[[rule]]
id = "rule_c"
title = "Indicator C"
weight = 40
when = "c"
reason = "c is {c}"
remedy = "clear c"
references = ["test"]
review_by = 2030-01-01

  [[rule.example]]
  expect = "incomplete"
  record = { }

[[rule]]
id = "rule_s"
title = "Shadow indicator S"
weight = 20
status = "shadow"
when = "s"
reason = "s is {s}"
remedy = "clear s"
references = ["test"]
review_by = 2020-01-01

  [[rule.example]]
  expect = "hit"
  record = { s = true }
"#;

/// The ten records of the hand-computed back-test (see the module docs).
pub const DATA: &str = r#"{"a":true,"b":false,"c":true,"s":false,"sex":"f","label":true}
{"a":true,"b":true,"c":false,"s":false,"sex":"f","label":true}
{"a":false,"b":false,"c":true,"s":false,"sex":"m","label":false}
{"a":true,"b":false,"c":false,"s":false,"sex":"m","label":true}
{"a":false,"b":true,"c":false,"s":false,"sex":"f","label":false}
{"a":false,"b":false,"c":false,"s":false,"sex":"m","label":false}
{"a":true,"b":true,"c":true,"s":false,"sex":"m","label":true}
{"a":false,"b":false,"c":true,"s":true,"sex":"f","label":false}
{"b":true,"c":false,"s":true,"sex":"m","label":true}
{"a":false,"b":false,"s":false,"sex":"f","label":false}
"#;

/// A temporary directory holding the fixture pack in `pack/` and the data in `data.jsonl`.
pub struct Fixture {
    pub dir: TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::with_pack(PACK)
    }

    pub fn with_pack(pack: &str) -> Fixture {
        let dir = TempDir::new().expect("temp dir");
        let f = Fixture { dir };
        f.write("pack/pack.toml", pack);
        f.write("pack/schema.toml", SCHEMA);
        f.write("data.jsonl", DATA);
        f
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write fixture");
        p
    }

    /// `saring` run inside the fixture directory.
    pub fn saring(&self) -> Command {
        let mut cmd = Command::cargo_bin("saring").expect("binary");
        cmd.current_dir(self.dir.path()).env_remove("SARING_PACK");
        cmd
    }

    /// Runs `saring args` inside the fixture directory to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        self.saring().args(args).output().expect("run")
    }
}

/// Replaces every `sha256:<hex>` with `sha256:<digest>`, so goldens survive digest changes.
pub fn mask_digest(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("sha256:") {
        out.push_str(&rest[..i + 7]);
        rest = &rest[i + 7..];
        let hex = rest.chars().take_while(char::is_ascii_hexdigit).count();
        out.push_str("<digest>");
        rest = &rest[hex..];
    }
    out.push_str(rest);
    out
}

/// Compares `actual` with the golden file `tests/golden/<name>` (rewritten when
/// `SARING_BLESS` is set).
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("SARING_BLESS").is_some() {
        std::fs::write(&path, actual).expect("bless golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing golden {}: {e}", path.display()));
    assert_eq!(
        actual,
        expected,
        "output differs from {} (SARING_BLESS=1 to update)",
        path.display()
    );
}

/// stdout of a finished command as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr of a finished command as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
