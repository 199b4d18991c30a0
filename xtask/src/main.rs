//! `cargo xtask`: build and test orchestration.
//!
//! - `cargo xtask test` runs every test: Rust, Python, JavaScript and the browser.
//! - `cargo xtask serve [PORT]` builds the WebAssembly page and serves it on
//!   `127.0.0.1:PORT` (default 8080).

mod python;
mod rust;
mod util;
mod wasm;

use std::time::Instant;

const USAGE: &str = "usage: cargo xtask test | cargo xtask serve [PORT]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("test") => rust::test()
            .and_then(|_| python::test())
            .and_then(|_| wasm::test()),
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
