//! `cargo xtask`: build and test orchestration.
//!
//! `cargo xtask test` runs every test: Rust, Python, JavaScript and the browser.

mod python;
mod rust;
mod wasm;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => rust::test()
            .and_then(|_| python::test())
            .and_then(|_| wasm::test()),
        _ => Err("usage: cargo xtask test".to_string()),
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        std::process::exit(1);
    }
}
