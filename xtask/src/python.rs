//! Python part of `cargo xtask test`: a project-local `.venv`, the native module built into
//! it with maturin, then pytest and `mypy.stubtest`.
//!
//! Steps (each failure names its step):
//! 1. `python3 -m venv .venv` at the repository root, if there is none (`$PYTHON` overrides
//!    the interpreter).
//! 2. `pip install` of [`REQUIREMENTS`], only when `.venv/.saring-requirements` does not hold
//!    exactly that list (so repeated runs do not touch the network).
//! 3. `maturin develop --release -m bindings/python/Cargo.toml` (cargo's default target dir,
//!    shared with the rest of the workspace; `CARGO_BUILD_JOBS` is respected).
//! 4. `python -m pytest -q bindings/python/tests` (its summary line is printed as is).
//! 5. `python -m mypy.stubtest saring._saring` against `python/saring/_saring.pyi`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the test run needs in the venv (one string per `pip install` argument).
const REQUIREMENTS: &[&str] = &[
    "maturin>=1.5,<2",
    "pytest",
    "numpy",
    "pandas",
    "pyarrow>=14",
    "polars",
    // The benchmark smoke test checks the DuckDB peer of `benches/python/bench_screen_frame.py`.
    "duckdb",
    "dask[dataframe,distributed]",
    "mypy",
    "scikit-learn",
    "fairlearn",
    // The Spark `mapInArrow` test (tests/test_spark.py); needs a Java runtime (installed
    // from Debian by `prepare` when there is none).
    "pyspark>=3.5",
];

const STAMP: &str = ".saring-requirements";

/// The project's `.venv` with [`REQUIREMENTS`] installed (steps 1 and 2 of the module
/// docs); `cargo xtask dist` builds the wheel with its maturin.
pub fn prepare() -> Result<PathBuf, String> {
    ensure_java()?;
    let root = repo_root();
    let venv = root.join(".venv");
    ensure_venv(&root, &venv)?;
    ensure_requirements(&venv)?;
    Ok(venv)
}

/// Runs the Python tests (see the module docs).
pub fn test() -> Result<(), String> {
    let root = repo_root();
    let venv = prepare()?;
    let python = venv_bin(&venv, "python");
    let maturin = venv_bin(&venv, "maturin");

    step(
        "maturin develop",
        Command::new(&maturin)
            .args(["develop", "--release", "-m", "bindings/python/Cargo.toml"])
            .current_dir(&root)
            .env("VIRTUAL_ENV", &venv)
            .env_remove("CONDA_PREFIX"),
    )?;
    step(
        "pytest",
        Command::new(&python)
            .args(["-m", "pytest", "-q", "bindings/python/tests"])
            .current_dir(&root),
    )?;
    step(
        "mypy.stubtest",
        Command::new(&python)
            .args(["-m", "mypy.stubtest", "saring._saring"])
            .current_dir(&root),
    )?;
    println!("xtask: python: ok");
    Ok(())
}

/// A Java runtime for pyspark (Debian's OpenJDK 17), unless `java` is on the PATH.
fn ensure_java() -> Result<(), String> {
    if crate::util::which("java").is_some() {
        return Ok(());
    }
    let step = crate::util::Step::start("python: Java runtime for pyspark");
    crate::util::apt_install(&step, &["openjdk-17-jre-headless"])?;
    step.done();
    Ok(())
}

fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// A program of a venv (`bin/NAME`, or `Scripts\\NAME.exe` on Windows).
pub fn venv_bin(venv: &Path, name: &str) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join(format!("{name}.exe"))
    } else {
        venv.join("bin").join(name)
    }
}

fn ensure_venv(root: &Path, venv: &Path) -> Result<(), String> {
    if venv_bin(venv, "python").exists() {
        return Ok(());
    }
    let interpreter = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    println!(
        "xtask: python: creating {} with {interpreter}",
        venv.display()
    );
    step(
        "create .venv",
        Command::new(&interpreter)
            .args(["-m", "venv"])
            .arg(venv)
            .current_dir(root),
    )
}

fn ensure_requirements(venv: &Path) -> Result<(), String> {
    let wanted = REQUIREMENTS.join("\n");
    let stamp = venv.join(STAMP);
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    println!("xtask: python: installing {}", REQUIREMENTS.join(" "));
    step(
        "pip install",
        Command::new(venv_bin(venv, "python"))
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .args(REQUIREMENTS),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("python: writing {}: {e}", stamp.display()))
}

fn step(name: &str, command: &mut Command) -> Result<(), String> {
    println!("xtask: python: {name}");
    let status = command.status().map_err(|e| {
        format!(
            "python: {name}: cannot run {:?}: {e}",
            command.get_program()
        )
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("python: {name} failed ({status})"))
    }
}
