//! `cargo xtask dist`: the packages users install, in `target/dist/`:
//! - an abi3 wheel, `saring-<version>-cp310-abi3-<platform>.whl` (`maturin build --release`
//!   with pyo3's `abi3-py310`): one wheel for every CPython from 3.10 on, no Rust needed to
//!   install it;
//! - an npm tarball, `saring-wasm-<version>.tgz` (`npm pack` of the Node build, with the
//!   hand-written TypeScript types and the binding's README).
//!
//! `cargo xtask test` runs [`test`]: it builds both, installs the wheel into a fresh venv
//! (`pip install --no-index`, binary only) and the tarball into a fresh npm project (offline),
//! runs the README examples that show their output and compares it, and type-checks a use of
//! the installed package with `tsc --strict`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{capture, root, Step};

fn dist_dir() -> PathBuf {
    root().join("target/dist")
}

/// The built packages.
pub struct Artifacts {
    /// The abi3 wheel.
    pub wheel: PathBuf,
    /// The npm tarball.
    pub tarball: PathBuf,
}

/// Builds the wheel and the npm tarball (see the module docs).
pub fn dist() -> Result<Artifacts, String> {
    let wheel = wheel()?;
    let tarball = tarball()?;
    println!("\n{}\n{}", wheel.display(), tarball.display());
    Ok(Artifacts { wheel, tarball })
}

fn wheel() -> Result<PathBuf, String> {
    let venv = crate::python::prepare()?;
    let step = Step::start("dist: abi3 wheel (maturin build --release)");
    let out = dist_dir().join("python");
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| step.fail(e))?;
    }
    step.run(
        Command::new(crate::python::venv_bin(&venv, "maturin"))
            .args(["build", "--release", "-m", "bindings/python/Cargo.toml"])
            .args(["--features", "pyo3/abi3-py310", "--out"])
            .arg(&out)
            .current_dir(root())
            .env("VIRTUAL_ENV", &venv)
            .env_remove("CONDA_PREFIX"),
    )?;
    let wheel = only_file(&out, "saring-", ".whl").map_err(|e| step.fail(e))?;
    let name = wheel.file_name().unwrap_or_default().to_string_lossy();
    if !name.contains("-abi3-") {
        return Err(step.fail(format!("{name} is not an abi3 wheel")));
    }
    step.done();
    Ok(wheel)
}

fn tarball() -> Result<PathBuf, String> {
    crate::wasm::build_packages()?;
    let step = Step::start("dist: npm tarball (npm pack of the Node build)");
    let pkg = root().join("bindings/wasm/pkg-node");
    fs::copy(
        root().join("bindings/wasm/README.md"),
        pkg.join("README.md"),
    )
    .map_err(|e| step.fail(format!("cannot copy the README: {e}")))?;
    let out = dist_dir().join("npm");
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| step.fail(e))?;
    }
    fs::create_dir_all(&out).map_err(|e| step.fail(e))?;
    step.run(
        Command::new("npm")
            .args(["pack", "--silent", "--pack-destination"])
            .arg(&out)
            .current_dir(&pkg),
    )?;
    let tarball = only_file(&out, "saring-wasm-", ".tgz").map_err(|e| step.fail(e))?;
    let listing = step.output(Command::new("tar").arg("-tzf").arg(&tarball))?;
    for needed in [
        "package/saring_wasm.js",
        "package/saring_wasm_bg.wasm",
        "package/saring_wasm.d.ts",
        "package/README.md",
    ] {
        if !listing.lines().any(|l| l.trim() == needed) {
            return Err(step.fail(format!("{} lacks {needed}", tarball.display())));
        }
    }
    step.done();
    Ok(tarball)
}

/// The one file in `dir` named `prefix*suffix`.
fn only_file(dir: &Path, prefix: &str, suffix: &str) -> Result<PathBuf, String> {
    let found: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(suffix)
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "expected one {prefix}*{suffix} in {}, found {}",
            dir.display(),
            found.len()
        )),
    }
}

/// A fenced code block of a README and the output block that follows it, if any.
#[derive(Debug, PartialEq)]
struct Example {
    code: String,
    output: Option<String>,
}

/// The ```` ```lang ```` blocks of a Markdown text, each with the ```` ```text ```` block that
/// follows it after a line `Output:`.
fn examples(markdown: &str, lang: &str) -> Vec<Example> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut lines = markdown.lines();
    let mut between = String::new();
    while let Some(line) = lines.next() {
        if let Some(tag) = line.trim_start().strip_prefix("```") {
            let mut body = String::new();
            for inner in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            blocks.push((format!("{}\u{0}{}", tag.trim(), between.trim()), body));
            between.clear();
        } else {
            between.push_str(line);
            between.push('\n');
        }
    }
    let mut out = Vec::new();
    for (i, (tag, body)) in blocks.iter().enumerate() {
        if tag.split('\u{0}').next() != Some(lang) {
            continue;
        }
        let output = blocks.get(i + 1).and_then(|(next, text)| {
            let mut parts = next.split('\u{0}');
            let kind = parts.next().unwrap_or("");
            let before = parts.next().unwrap_or("");
            (kind == "text" && before.ends_with("Output:")).then(|| text.clone())
        });
        out.push(Example {
            code: body.clone(),
            output,
        });
    }
    out
}

/// Builds the packages, installs each into a clean environment and runs the README examples.
pub fn test() -> Result<(), String> {
    let artifacts = dist()?;
    test_wheel(&artifacts.wheel)?;
    test_tarball(&artifacts.tarball)?;
    Ok(())
}

fn test_wheel(wheel: &Path) -> Result<(), String> {
    let step = Step::start("dist: the wheel in a fresh venv (pip install --no-index)");
    let venv = dist_dir().join("venv-wheel");
    if venv.exists() {
        fs::remove_dir_all(&venv).map_err(|e| step.fail(e))?;
    }
    let interpreter = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    step.run(Command::new(&interpreter).args(["-m", "venv"]).arg(&venv))?;
    let python = crate::python::venv_bin(&venv, "python");
    step.run(
        Command::new(&python)
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .args(["--no-index", "--only-binary", ":all:"])
            .arg(wheel),
    )?;
    let readme =
        fs::read_to_string(root().join("bindings/python/README.md")).map_err(|e| step.fail(e))?;
    if !readme
        .lines()
        .find(|l| l.starts_with("## "))
        .is_some_and(|l| l.contains("Install"))
    {
        return Err(step.fail("bindings/python/README.md must lead with its Install section"));
    }
    // The first command a reader meets is the one that installs, not a build step.
    let first_command = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|block| block.lines().next())
        .unwrap_or_default();
    if !first_command.starts_with("pip install ") {
        return Err(step.fail(format!(
            "bindings/python/README.md's first command is `{first_command}`, not `pip install`"
        )));
    }
    let mut ran = 0;
    for example in examples(&readme, "python") {
        let Some(expected) = example.output else {
            continue;
        };
        let actual = step.output(
            Command::new(&python)
                .args(["-c", &example.code])
                .current_dir(root()),
        )?;
        if actual.trim_end() != expected.trim_end() {
            return Err(step.fail(format!(
                "README example printed\n{actual}\ninstead of\n{expected}"
            )));
        }
        ran += 1;
    }
    // The installed package is the wheel's, not the repository's source tree.
    let location = step.output(
        Command::new(&python)
            .args(["-c", "import saring; print(saring.__file__)"])
            .current_dir(root()),
    )?;
    if !location
        .trim()
        .starts_with(&venv.to_string_lossy().to_string())
    {
        return Err(step.fail(format!("saring imported from {location}")));
    }
    if ran == 0 {
        return Err(step.fail("no Python README example with an output block ran"));
    }
    println!("{ran} README example(s) ran from the installed wheel");
    step.done();
    Ok(())
}

fn test_tarball(tarball: &Path) -> Result<(), String> {
    let step = Step::start("dist: the npm tarball in a fresh project (npm install --offline)");
    let project = dist_dir().join("npm-project");
    if project.exists() {
        fs::remove_dir_all(&project).map_err(|e| step.fail(e))?;
    }
    fs::create_dir_all(&project).map_err(|e| step.fail(e))?;
    fs::write(
        project.join("package.json"),
        "{\n  \"name\": \"saring-dist-test\",\n  \"private\": true\n}\n",
    )
    .map_err(|e| step.fail(e))?;
    step.run(
        Command::new("npm")
            .args([
                "install",
                "--offline",
                "--no-audit",
                "--no-fund",
                "--silent",
            ])
            .arg(tarball)
            .current_dir(&project),
    )?;
    let readme =
        fs::read_to_string(root().join("bindings/wasm/README.md")).map_err(|e| step.fail(e))?;
    let mut ran = 0;
    for (i, example) in examples(&readme, "js").into_iter().enumerate() {
        let Some(expected) = example.output else {
            continue;
        };
        let script = project.join(format!("example-{i}.cjs"));
        fs::write(&script, &example.code).map_err(|e| step.fail(e))?;
        let actual = step.output(Command::new("node").arg(&script).current_dir(root()))?;
        if actual.trim_end() != expected.trim_end() {
            return Err(step.fail(format!(
                "README example printed\n{actual}\ninstead of\n{expected}"
            )));
        }
        ran += 1;
    }
    if ran == 0 {
        return Err(step.fail("no JavaScript README example with an output block ran"));
    }
    // The types that ship in the tarball describe the installed package.
    let usage = project.join("usage.ts");
    fs::write(
        &usage,
        "import { Engine, Decision, Outcome } from \"saring-wasm\";\n\
         export function outcome(pack: string, schema: string): Outcome {\n\
         \x20 const engine: Engine = Engine.fromPack({ \"pack.toml\": pack, \"schema.toml\": schema });\n\
         \x20 const d: Decision = engine.screen({ destination: \"KH\" });\n\
         \x20 return d.outcome;\n}\n",
    )
    .map_err(|e| step.fail(e))?;
    let tsc = root().join("bindings/wasm/node_modules/typescript/bin/tsc");
    step.run(
        Command::new("node")
            .arg(&tsc)
            .args([
                "--noEmit", "--strict", "--target", "es2020", "--module", "commonjs",
            ])
            .args(["--moduleResolution", "node", "--lib", "es2020,dom"])
            .arg(&usage)
            .current_dir(&project),
    )?;
    let version = capture(
        Command::new("node")
            .args(["-p", "require('saring-wasm/package.json').version"])
            .current_dir(&project),
    )
    .map_err(|e| step.fail(e))?;
    println!(
        "{ran} README example(s) ran from the installed tarball (saring-wasm {})",
        version.trim()
    );
    step.done();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_pair_code_with_its_output() {
        let md = "# x\n\n```python\nprint(1)\n```\n\nOutput:\n\n```text\n1\n```\n\n\
                  ```python\nprint(2)\n```\n\n```sh\nls\n```\n";
        assert_eq!(
            examples(md, "python"),
            [
                Example {
                    code: "print(1)\n".into(),
                    output: Some("1\n".into())
                },
                Example {
                    code: "print(2)\n".into(),
                    output: None
                }
            ]
        );
        assert!(examples(md, "js").is_empty());
    }
}
