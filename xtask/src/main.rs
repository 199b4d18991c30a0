//! `cargo xtask`: build and test orchestration.
//!
//! - `cargo xtask test` runs every test: Rust, Python, JavaScript and the browser;
//!   `cargo xtask test wasm` (or `rust`, `python`) runs only the named parts.
//! - `cargo xtask fuzz [--seconds N] [TARGET...]` runs the fuzz targets of `fuzz/` (all of
//!   them, 60 s each, unless told otherwise); `cargo xtask test` runs each for a short smoke.
//! - `cargo xtask serve [PORT]` builds the WebAssembly page and serves it on
//!   `127.0.0.1:PORT` (default 8080).
//! - `cargo xtask dist` builds the abi3 wheel and the npm tarball into `target/dist/`;
//!   `cargo xtask test` (or `test dist`) also installs each into a clean environment and runs
//!   the README examples.

mod dist;
mod fuzz;
mod python;
mod rust;
mod util;
mod wasm;

use std::time::Instant;

const USAGE: &str = "usage: cargo xtask test [rust] [python] [wasm] [dist] | cargo xtask fuzz \
                     [--seconds N] [TARGET...] | cargo xtask serve [PORT] | cargo xtask dist";

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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("dist") => dist::dist().map(|_| ()),
        Some("serve") => match args.get(1).map(|p| p.parse::<u16>()) {
            None => wasm::serve(8080),
            Some(Ok(port)) => wasm::serve(port),
            Some(Err(_)) => Err(USAGE.to_string()),
        },
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
