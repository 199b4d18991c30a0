//! `cargo xtask`: build and test orchestration.
//!
//! - `cargo xtask test` runs every test: Rust, Python, JavaScript and the browser;
//!   `cargo xtask test wasm` (or `rust`, `python`) runs only the named parts.
//! - `cargo xtask fuzz [--seconds N] [TARGET...]` runs the fuzz targets of `fuzz/` (all of
//!   them, 60 s each, unless told otherwise); `cargo xtask test` runs each for a short smoke.
//! - `cargo xtask serve [PORT] [--trusted-key FILE.pub]...` builds the WebAssembly sites and
//!   serves them on `127.0.0.1:PORT` (default 8080): the citizen self-check at `/`, the
//!   officer pre-check at `/officer/` (trusting the given public keys).
//! - `cargo xtask dist` builds the abi3 wheel and the npm tarball into `target/dist/`;
//!   `cargo xtask test` (or `test dist`) also installs each into a clean environment and runs
//!   the README examples.

mod dist;
mod fuzz;
mod python;
mod rust;
mod site;
mod util;
mod wasm;

use std::time::Instant;

const USAGE: &str = "usage: cargo xtask test [rust] [python] [wasm] [dist] | cargo xtask fuzz \
                     [--seconds N] [TARGET...] | cargo xtask serve [PORT] [--trusted-key FILE.pub]... | cargo xtask dist";

/// Runs the named parts of the tests (all of them when none is named), in a fixed order.
fn test(parts: &[String]) -> Result<(), String> {
    if let Some(bad) = parts
        .iter()
        .find(|p| !["rust", "python", "wasm", "dist"].contains(&p.as_str()))
    {
        return Err(format!("unknown test part `{bad}`; {USAGE}"));
    }
    let wanted = |name: &str| parts.is_empty() || parts.iter().any(|p| p == name);
    if wanted("rust") {
        rust::test()?;
    }
    if wanted("python") {
        python::test()?;
    }
    if wanted("wasm") {
        wasm::test()?;
    }
    if wanted("dist") {
        dist::test()?;
    }
    Ok(())
}

/// `serve [PORT] [--trusted-key FILE]...`.
fn serve(args: &[String]) -> Result<(), String> {
    let mut port = 8080;
    let mut keys = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--trusted-key" {
            let file = rest.next().ok_or_else(|| USAGE.to_string())?;
            keys.push(std::path::PathBuf::from(file));
        } else {
            port = arg.parse().map_err(|_| USAGE.to_string())?;
        }
    }
    wasm::serve(port, &keys)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("dist") => dist::dist().map(|_| ()),
        Some("serve") => serve(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    let secs = start.elapsed().as_secs_f64();
    match result {
        Ok(()) => println!("\nxtask: all steps passed ({secs:.1}s)"),
        Err(e) => {
            eprintln!("\nxtask: {e} (after {secs:.1}s)");
            std::process::exit(1);
        }
    }
}
