//! WebAssembly part of `cargo xtask test`, and `cargo xtask serve`.
//!
//! Sets up what is missing (the `wasm32-unknown-unknown` target from rustup, or Debian's
//! `rustc-web` route; `wasm-bindgen-cli` at the version in Cargo.lock, cached under
//! `~/.cargo/saring-tools/`; `wasm-opt` from `binaryen`; Chromium; the npm dev dependencies), builds
//! `bindings/wasm` for the `nodejs` and `web` targets, assembles the citizen and officer sites
//! in `target/wasm/site/` (see [`crate::site`]), and runs the Node tests and the browser tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::util::{apt_install, capture, cargo, root, tools_dir, which, Step};

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
/// Features of the wasm that rustc emits, for Debian's older `wasm-opt`.
const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// How to compile for `wasm32-unknown-unknown` on this machine.
struct Toolchain {
    /// Extra environment for cargo.
    envs: Vec<(&'static str, String)>,
    /// Whether std must be built from source (`-Zbuild-std`).
    build_std: bool,
    /// Whether std's sources are there (rustup's `rust-src`, or Debian's `rust-web-src`), so
    /// the citizen engine can be built with a size-optimised std ([`SIZE_STD_RUSTFLAGS`]).
    std_src: bool,
}

/// The citizen engine's std, built from source: `optimize_for_size` (std's smaller sort,
/// float parsing and number formatting code; the same results, they are exact algorithms),
/// and panics that abort without formatting a message (`panic=immediate-abort`, no panic
/// locations). The engine does not panic on any input (every error is a value), so only the
/// text of a message that is never shown goes. Needs `RUSTC_BOOTSTRAP=1` on a stable rustc,
/// as Debian's route does for `-Zbuild-std` already.
const SIZE_STD_ARGS: &[&str] = &[
    "-Zbuild-std=std,panic_abort",
    "-Zbuild-std-features=optimize_for_size",
];
/// The rustc flags of the size-optimised std build (see [`SIZE_STD_ARGS`]).
const SIZE_STD_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none";

/// Everything the build needs, set up.
struct Tools {
    toolchain: Toolchain,
    wasm_bindgen: PathBuf,
}

fn wasm_dir() -> PathBuf {
    root().join("bindings/wasm")
}

fn target_dir() -> PathBuf {
    root().join("target/wasm")
}

fn site_dir() -> PathBuf {
    target_dir().join("site")
}

/// Runs the wasm build, the Node tests and the browser test.
pub fn test() -> Result<(), String> {
    let tools = setup(true)?;
    clippy()?;
    build(&tools, &[])?;
    node_tests()?;
    browser_test()?;
    Ok(())
}

/// Builds the npm packages (`pkg-node`, `pkg-web`) and the page, without the browser.
pub fn build_packages() -> Result<(), String> {
    let tools = setup(false)?;
    build(&tools, &[])
}

/// Builds both sites and serves them on 127.0.0.1:`port` until interrupted: the citizen
/// site at `/`, the officer site at `/officer/` (trusting the public key files given).
pub fn serve(port: u16, trusted_keys: &[PathBuf]) -> Result<(), String> {
    let tools = setup(false)?;
    build(&tools, trusted_keys)?;
    let step = Step::start("wasm: serve the sites");
    println!(
        "citizen self-check: http://127.0.0.1:{port}/\nofficer pre-check:  http://127.0.0.1:{port}/officer/ (Ctrl-C stops)"
    );
    step.run(
        Command::new("node")
            .arg(wasm_dir().join("scripts/serve.mjs"))
            .arg(site_dir().join("citizen"))
            .arg(port.to_string())
            .arg(site_dir().join("officer")),
    )?;
    step.done();
    Ok(())
}

fn setup(browser: bool) -> Result<Tools, String> {
    let toolchain = toolchain()?;
    let wasm_bindgen = wasm_bindgen_cli()?;
    let step = Step::start("wasm: system packages (binaryen, node, chromium)");
    let mut packages = vec!["binaryen"];
    if which("node").is_none() || which("npm").is_none() {
        packages.extend(["nodejs", "npm"]);
    }
    if browser {
        packages.extend(["chromium", "chromium-driver"]);
    }
    if which("wasm-opt").is_some() {
        packages.retain(|p| *p != "binaryen");
    }
    apt_install(&step, &packages)?;
    step.done();
    npm_deps()?;
    Ok(Tools {
        toolchain,
        wasm_bindgen,
    })
}

/// Finds or sets up a compiler for `wasm32-unknown-unknown`.
fn toolchain() -> Result<Toolchain, String> {
    let step = Step::start("wasm: toolchain");
    let forced_debian = std::env::var("SARING_WASM_TOOLCHAIN").is_ok_and(|v| v == "debian");
    if !forced_debian && which("rustup").is_some() {
        let installed =
            step.output(Command::new("rustup").args(["target", "list", "--installed"]))?;
        if installed.lines().any(|l| l.trim() == TARGET) {
            println!("using rustup's installed {TARGET} target");
            let std_src = rust_src(&step);
            step.done();
            return Ok(Toolchain {
                envs: vec![],
                build_std: false,
                std_src,
            });
        }
        match step.run(Command::new("rustup").args(["target", "add", TARGET])) {
            Ok(()) => {
                let std_src = rust_src(&step);
                step.done();
                return Ok(Toolchain {
                    envs: vec![],
                    build_std: false,
                    std_src,
                });
            }
            Err(e) => println!("{e}\nfalling back to Debian's rustc-web"),
        }
    }
    // Debian's route: rustc-web (rustc with std sources) and lld, std built from source.
    let mut packages = vec!["rust-web-src", "lld-19"];
    if !Path::new("/usr/bin/rustc").exists() {
        packages.push("rustc-web");
    }
    apt_install(&step, &packages)?;
    let linker = which("wasm-ld-19")
        .or_else(|| Some(PathBuf::from("/usr/lib/llvm-19/bin/wasm-ld")).filter(|p| p.exists()))
        .ok_or_else(|| step.fail("lld-19 is installed but no wasm-ld-19 was found"))?;
    println!(
        "using /usr/bin/rustc with -Zbuild-std and {}",
        linker.display()
    );
    step.done();
    Ok(Toolchain {
        envs: vec![
            ("RUSTC", "/usr/bin/rustc".to_string()),
            ("RUSTC_BOOTSTRAP", "1".to_string()),
            (
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER",
                linker.to_string_lossy().into_owned(),
            ),
        ],
        build_std: true,
        std_src: true,
    })
}

/// rustup's `rust-src` component (std's sources), installed when missing; `false` when
/// rustup cannot get it (the citizen engine is then built with the prebuilt std, larger).
fn rust_src(step: &Step) -> bool {
    let installed = step
        .output(Command::new("rustup").args(["component", "list", "--installed"]))
        .unwrap_or_default();
    if installed.lines().any(|l| l.trim().starts_with("rust-src")) {
        return true;
    }
    match step.run(Command::new("rustup").args(["component", "add", "rust-src"])) {
        Ok(()) => true,
        Err(e) => {
            println!(
                "{e}\nno rust-src: the citizen engine is built with the prebuilt std (larger)"
            );
            false
        }
    }
}

/// The version of the `wasm-bindgen` crate in Cargo.lock.
fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock = fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_string());
            }
        }
    }
    Err("no wasm-bindgen in Cargo.lock (is bindings/wasm a workspace member?)".to_string())
}

/// `wasm-bindgen-cli` at the locked version, installed once under [`tools_dir`].
fn wasm_bindgen_cli() -> Result<PathBuf, String> {
    let step = Step::start("wasm: wasm-bindgen-cli");
    let version = locked_wasm_bindgen_version().map_err(|e| step.fail(e))?;
    let prefix = tools_dir().join(format!("wasm-bindgen-{version}"));
    let bin = prefix.join("bin/wasm-bindgen");
    let matches = |bin: &Path| {
        capture(Command::new(bin).arg("--version")).is_ok_and(|v| v.trim().ends_with(&version))
    };
    if !matches(&bin) {
        step.run(
            cargo()
                .args(["install", &jobs(), "--root"])
                .arg(&prefix)
                .args(["wasm-bindgen-cli", "--version", &version]),
        )?;
        if !matches(&bin) {
            return Err(step.fail(format!(
                "{} does not report version {version}",
                bin.display()
            )));
        }
    }
    println!("wasm-bindgen {version}: {}", bin.display());
    step.done();
    Ok(bin)
}

/// `npm ci` in bindings/wasm unless node_modules is up to date with package-lock.json.
fn npm_deps() -> Result<(), String> {
    let step = Step::start("wasm: npm dependencies");
    let dir = wasm_dir();
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let fresh = match (
        mtime(&installed),
        mtime(&lock),
        mtime(&dir.join("package.json")),
    ) {
        (Some(i), Some(l), Some(p)) => i >= l && i >= p,
        _ => false,
    };
    if fresh {
        println!("node_modules is up to date");
    } else {
        let verb = if lock.exists() { "ci" } else { "install" };
        step.run(
            Command::new("npm")
                .args([verb, "--no-audit", "--no-fund"])
                .current_dir(&dir),
        )?;
    }
    step.done();
    Ok(())
}

fn clippy() -> Result<(), String> {
    // `--no-deps`: the core crate is linted by the Rust step; this one lints the binding.
    let step = Step::start("wasm: cargo clippy -p saring-wasm");
    step.run(cargo().args([
        "clippy",
        &jobs(),
        "-p",
        "saring-wasm",
        "--all-targets",
        "--no-deps",
        "--",
        "-D",
        "warnings",
    ]))?;
    step.done();
    Ok(())
}

/// One build of the engine: which cargo features, and where its outputs go.
struct Variant {
    /// `full` (the npm packages and the officer site) or `citizen`.
    name: &'static str,
    /// `None`: the default features (everything); else `--no-default-features --features`.
    features: Option<Vec<String>>,
    /// Built with std from source, optimised for size ([`SIZE_STD_ARGS`]), in its own
    /// target directory (other flags than the full engine's: neither rebuilds the other).
    size_std: bool,
}

fn build(tools: &Tools, trusted_keys: &[PathBuf]) -> Result<(), String> {
    let full = Variant {
        name: "full",
        features: None,
        size_std: false,
    };
    let optimised = compile(tools, &full)?;
    let step = Step::start("wasm: wasm-bindgen (nodejs, web)");
    let outputs = [
        ("nodejs", wasm_dir().join("pkg-node")),
        ("web", wasm_dir().join("pkg-web")),
    ];
    bindgen(&step, tools, &optimised, &outputs)?;
    for (target, out) in &outputs {
        write_types(&step, out, *target == "web")?;
        write(&step, &out.join("package.json"), &package_json(target))?;
    }
    step.done();

    // The citizen site's engine: only what its embedded pack needs.
    let step = Step::start("wasm: the citizen engine's features (from the pack's requirements)");
    let pack = root().join("rules/job-offer/pack.toml");
    let fixed: Option<Vec<String>> = std::env::var("SARING_CITIZEN_FEATURES").ok().map(|v| {
        v.split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect()
    });
    let features = if pack.is_file() {
        crate::site::citizen_features(&pack, fixed.as_deref()).map_err(|e| step.fail(e))?
    } else {
        fixed.unwrap_or_default()
    };
    println!(
        "citizen engine features: {}",
        if features.is_empty() {
            "none (no regex, no time-zone database, no normalisation, no bundles)".to_string()
        } else {
            features.join(", ")
        }
    );
    step.done();
    let citizen = Variant {
        name: "citizen",
        features: Some(features.clone()),
        size_std: tools.toolchain.std_src && size_std_supported(&tools.toolchain),
    };
    let optimised_citizen = compile(tools, &citizen)?;
    let step = Step::start("wasm: wasm-bindgen (citizen engine, web)");
    bindgen(
        &step,
        tools,
        &optimised_citizen,
        &[("web", citizen_engine_dir())],
    )?;
    step.done();

    site(trusted_keys)?;
    let step = Step::start("wasm: sizes (target/wasm/size.txt)");
    let mut report = String::new();
    for (name, wasm, what) in [
        (
            "full engine",
            wasm_dir().join("pkg-web/saring_wasm_bg.wasm"),
            "default features: npm packages, officer site".to_string(),
        ),
        (
            "citizen engine",
            citizen_engine_dir().join("saring_wasm_bg.wasm"),
            format!(
                "--no-default-features --features \"{}\"",
                features.join(",")
            ),
        ),
    ] {
        report.push_str(&wasm_size(&step, name, &wasm, &what)?);
    }
    for name in ["citizen", "officer"] {
        report.push_str(&site_size(&step, name)?);
    }
    let bundle = site_dir().join("citizen/file/app.js");
    if bundle.is_file() {
        report.push_str(&wasm_size(
            &step,
            "citizen site for file://",
            &bundle,
            "the page and the .wasm as base64 in one classic script; never downloaded over http(s)",
        )?);
    }
    print!("{report}");
    write(&step, &target_dir().join("size.txt"), &report)?;
    step.done();
    Ok(())
}

/// Whether the compiler takes [`SIZE_STD_RUSTFLAGS`] (`-Cpanic=immediate-abort` is newer
/// than the crate's minimum Rust); when not, the citizen engine is built with the prebuilt
/// std, larger, and says so.
fn size_std_supported(toolchain: &Toolchain) -> bool {
    let mut cmd = Command::new("rustc");
    for (key, value) in &toolchain.envs {
        if *key == "RUSTC" {
            cmd = Command::new(value);
        }
    }
    cmd.env("RUSTC_BOOTSTRAP", "1")
        .args(SIZE_STD_RUSTFLAGS.split(' '))
        .args(["--print", "cfg", "--target", TARGET]);
    let ok = capture(&mut cmd).is_ok_and(|cfg| cfg.contains("panic=\"immediate-abort\""));
    if !ok {
        println!(
            "this rustc does not take `{SIZE_STD_RUSTFLAGS}`: the citizen engine is built with the prebuilt std (larger)"
        );
    }
    ok
}

/// `target/wasm/pkg-citizen/`: the citizen site's engine (web target).
fn citizen_engine_dir() -> PathBuf {
    target_dir().join("pkg-citizen")
}

/// Builds one variant of the engine with cargo and optimises it with `wasm-opt`; returns the
/// optimised module (`target/wasm/<variant>/saring_wasm.opt.wasm`).
fn compile(tools: &Tools, variant: &Variant) -> Result<PathBuf, String> {
    let step = Step::start(&format!(
        "wasm: cargo build ({} engine, wasm32, size-optimised)",
        variant.name
    ));
    let cargo_target = if variant.size_std {
        target_dir().join("size-std")
    } else {
        target_dir()
    };
    let mut cmd = cargo();
    cmd.args(["build", &jobs(), "-p", "saring-wasm", "--target", TARGET])
        .args(["--profile", PROFILE, "--target-dir"])
        .arg(&cargo_target);
    if let Some(features) = &variant.features {
        cmd.arg("--no-default-features");
        if !features.is_empty() {
            cmd.args(["--features", &features.join(",")]);
        }
    }
    for (key, value) in &tools.toolchain.envs {
        cmd.env(key, value);
    }
    if variant.size_std {
        cmd.args(SIZE_STD_ARGS)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("RUSTFLAGS", SIZE_STD_RUSTFLAGS);
    } else if tools.toolchain.build_std {
        cmd.arg("-Zbuild-std=std,panic_abort");
    }
    step.run(&mut cmd)?;
    // Keep a copy per variant, replaced only when its bytes change (so an unchanged variant
    // is not optimised again).
    let built = cargo_target.join(format!("{TARGET}/{PROFILE}/saring_wasm.wasm"));
    let dir = target_dir().join(variant.name);
    fs::create_dir_all(&dir).map_err(|e| step.fail(e))?;
    let raw = dir.join("saring_wasm.wasm");
    let bytes = fs::read(&built).map_err(|e| step.fail(format!("{}: {e}", built.display())))?;
    if fs::read(&raw).ok().as_deref() != Some(bytes.as_slice()) {
        fs::write(&raw, &bytes).map_err(|e| step.fail(e))?;
    }
    step.done();

    // wasm-opt runs once, on cargo's output and before wasm-bindgen: Debian's binaryen 108
    // breaks the externref table that wasm-bindgen adds, and the module wasm-bindgen then
    // emits for both targets is already optimised.
    let step = Step::start(&format!("wasm: wasm-opt -Oz ({} engine)", variant.name));
    let optimised = dir.join("saring_wasm.opt.wasm");
    if matches!((mtime(&optimised), mtime(&raw)), (Some(o), Some(r)) if o >= r) {
        println!("{} is up to date", optimised.display());
    } else {
        step.run(
            Command::new("wasm-opt")
                .args(["-Oz", "--strip-debug", "--strip-producers"])
                .args(WASM_OPT_FEATURES)
                .arg(&raw)
                .arg("-o")
                .arg(&optimised),
        )?;
    }
    step.done();
    Ok(optimised)
}

/// Runs wasm-bindgen on `optimised` for each `(target, out dir)` that is older than it.
fn bindgen(
    step: &Step,
    tools: &Tools,
    optimised: &Path,
    outputs: &[(&str, PathBuf)],
) -> Result<(), String> {
    let newer = |a: &Path, b: &Path| matches!((mtime(a), mtime(b)), (Some(a), Some(b)) if a >= b);
    for (target, dir) in outputs {
        let out = dir.join("saring_wasm_bg.wasm");
        if newer(&out, optimised) && newer(&out, &tools.wasm_bindgen) {
            println!("{} is up to date", dir.display());
            continue;
        }
        step.run(
            Command::new(&tools.wasm_bindgen)
                .arg(optimised)
                .args(["--target", target, "--no-typescript"])
                .args(["--out-name", "saring_wasm", "--out-dir"])
                .arg(dir),
        )?;
    }
    Ok(())
}

/// `<name> <file> (<what>): N bytes raw, M bytes gzipped` of one engine's `.wasm` (or file).
fn wasm_size(step: &Step, name: &str, wasm: &Path, what: &str) -> Result<String, String> {
    let raw = fs::metadata(wasm).map_err(|e| step.fail(e))?.len();
    let gz = gzip_size(step, wasm)?;
    let file = wasm.file_name().unwrap_or_default().to_string_lossy();
    Ok(format!(
        "{name} {file} ({what}): {raw} bytes raw ({:.0} KiB), {gz} bytes gzipped ({:.0} KiB)\n",
        raw as f64 / 1024.0,
        gz as f64 / 1024.0
    ))
}

/// The size of `file` after `gzip -9`.
fn gzip_size(step: &Step, file: &Path) -> Result<u64, String> {
    let out = step.output(
        Command::new("sh")
            .arg("-c")
            .arg("gzip -9 -c \"$1\" | wc -c")
            .arg("sh")
            .arg(file),
    )?;
    out.trim()
        .parse::<u64>()
        .map_err(|e| step.fail(format!("gzip size of {}: {e}", file.display())))
}

/// `<site>: wasm + JS N bytes raw, M bytes gzipped (-9, file by file)` of one built site.
fn site_size(step: &Step, name: &str) -> Result<String, String> {
    let dir = site_dir().join(name);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| step.fail(e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("wasm" | "js")))
        .collect();
    files.sort();
    let (mut raw, mut gz) = (0u64, 0u64);
    for file in &files {
        raw += fs::metadata(file).map_err(|e| step.fail(e))?.len();
        gz += gzip_size(step, file)?;
    }
    Ok(format!(
        "{name} site (wasm + JS, {} files): {raw} bytes raw ({:.0} KiB), {gz} bytes gzipped ({:.0} KiB){}\n",
        files.len(),
        raw as f64 / 1024.0,
        gz as f64 / 1024.0,
        if name == "citizen" {
            "; target: 300 KB gzipped"
        } else {
            ""
        }
    ))
}

/// The hand-written TypeScript types replace the generated ones (which say `any`).
fn write_types(step: &Step, out: &Path, web: bool) -> Result<(), String> {
    let types = fs::read_to_string(wasm_dir().join("types/saring.d.ts"))
        .map_err(|e| step.fail(format!("cannot read types/saring.d.ts: {e}")))?;
    let mut text = types;
    if web {
        text.push_str(WEB_INIT_TYPES);
    }
    write(step, &out.join("saring_wasm.d.ts"), &text)
}

const WEB_INIT_TYPES: &str = r#"
/** What `init` accepts: a URL or response of the `.wasm` file, or its bytes. */
export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module;

/** Loads the `.wasm` file (by default next to this module); call once before use. */
export default function init(
  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;

/** Instantiates the module synchronously from its bytes or a compiled module. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
"#;

fn package_json(target: &str) -> String {
    let kind = if target == "web" {
        "\"type\": \"module\",\n  \"module\": \"saring_wasm.js\""
    } else {
        "\"main\": \"saring_wasm.js\""
    };
    format!(
        "{{\n  \"name\": \"saring-wasm\",\n  \"version\": \"{}\",\n  \"description\": \"saring rule-based risk screening, compiled to WebAssembly ({target})\",\n  \"license\": \"Apache-2.0\",\n  {kind},\n  \"types\": \"saring_wasm.d.ts\",\n  \"files\": [\"saring_wasm.js\", \"saring_wasm_bg.wasm\", \"saring_wasm.d.ts\"]\n}}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Assembles the citizen and the officer site in `target/wasm/site/` (see [`crate::site`]).
fn site(trusted_keys: &[PathBuf]) -> Result<(), String> {
    let step = Step::start("wasm: assemble the sites (target/wasm/site/citizen, officer)");
    let job_offer = root().join("rules/job-offer/pack.toml");
    let citizen_pack = if job_offer.is_file() {
        Some(job_offer)
    } else {
        println!("rules/job-offer/pack.toml not found: the citizen site has no pack");
        None
    };
    let contacts = contacts_file();
    match &contacts {
        Some(file) => println!("contacts of the deploying office: {}", file.display()),
        None => println!(
            "no contacts.json (SARING_CONTACTS or bindings/wasm/www/contacts.json): the citizen page names institutions without numbers"
        ),
    }
    crate::site::build(&crate::site::Paths {
        www: wasm_dir().join("www"),
        engine: wasm_dir().join("pkg-web"),
        citizen_engine: citizen_engine_dir(),
        node_engine: Some(wasm_dir().join("pkg-node/saring_wasm.js")),
        citizen_pack,
        out: site_dir(),
        trusted_keys: trusted_keys.to_vec(),
        contacts,
    })
    .map_err(|e| step.fail(e))?;
    step.done();
    Ok(())
}

/// The deploying office's contacts: `SARING_CONTACTS` (a path) when set, else
/// `bindings/wasm/www/contacts.json` when it exists (the shipped `contacts.example.json` is
/// never used by default).
fn contacts_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SARING_CONTACTS").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    Some(wasm_dir().join("www/contacts.json")).filter(|p| p.is_file())
}

/// A second citizen site, `target/wasm/site-contacts/citizen`, built with the browser test's
/// `contacts.json` as its build input.
fn contacts_site(step: &Step) -> Result<PathBuf, String> {
    let out = target_dir().join("site-contacts");
    crate::site::build(&crate::site::Paths {
        www: wasm_dir().join("www"),
        engine: wasm_dir().join("pkg-web"),
        citizen_engine: citizen_engine_dir(),
        node_engine: Some(wasm_dir().join("pkg-node/saring_wasm.js")),
        citizen_pack: Some(root().join("rules/job-offer/pack.toml")),
        out: out.clone(),
        trusted_keys: vec![],
        contacts: Some(wasm_dir().join("tests/browser/contacts.json")),
    })
    .map_err(|e| step.fail(e))?;
    Ok(out.join("citizen"))
}

fn node_tests() -> Result<(), String> {
    let step = Step::start("wasm: node --test (goldens and error cases)");
    let dir = wasm_dir().join("tests");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| step.fail(e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(step.fail("no tests found in bindings/wasm/tests"));
    }
    step.run(
        Command::new("node")
            .arg("--test")
            .args(&files)
            .current_dir(root()),
    )?;
    step.done();
    Ok(())
}

/// Writes the CLI's HTML reports that the browser test renders: the back-test of the
/// departure pack on its labelled examples, and the DPIA annex (`target/report/`).
fn reports(step: &Step) -> Result<PathBuf, String> {
    let dir = root().join("target/report");
    fs::create_dir_all(&dir).map_err(|e| step.fail(e))?;
    let (pack, data) = (
        "rules/id-pmi/departure.toml",
        "rules/id-pmi/examples/labelled.jsonl",
    );
    let saring = |args: &[&str]| {
        let mut cmd = cargo();
        cmd.args(["run", "-q", "-p", "saring-cli", "--"]).args(args);
        cmd
    };
    let backtest = dir.join("backtest.html");
    let dpia = dir.join("dpia.html");
    step.run(
        saring(&[
            "backtest",
            "--pack",
            pack,
            data,
            "--label",
            "label",
            "--by",
            "sex,province,birth_date:10",
            "-q",
            "-f",
            "html",
            "-o",
        ])
        .arg(&backtest),
    )?;
    step.run(
        saring(&[
            "report",
            "dpia",
            "--pack",
            pack,
            "--data",
            data,
            "--base-rate",
            "0.2%",
            "--volume",
            "12000/day",
            "-f",
            "html",
            "-o",
        ])
        .arg(&dpia),
    )?;
    Ok(dir)
}

fn browser_test() -> Result<(), String> {
    let step = Step::start("wasm: browser test (headless Chromium)");
    let shots = root().join("target/screenshots");
    fs::create_dir_all(&shots).map_err(|e| step.fail(e))?;
    let reports = reports(&step)?;
    let with_contacts = contacts_site(&step)?;
    let dir = wasm_dir().join("tests/browser");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| step.fail(e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(step.fail("no tests found in bindings/wasm/tests/browser"));
    }
    step.run(
        Command::new("node")
            .arg("--test")
            .args(&files)
            .env("SARING_CITIZEN_SITE", site_dir().join("citizen"))
            .env("SARING_CITIZEN_CONTACTS_SITE", &with_contacts)
            .env("SARING_WASM_DIR", target_dir())
            .env("SARING_OFFICER_SITE", site_dir().join("officer"))
            .env("SARING_SCREENSHOT_DIR", &shots)
            .env("SARING_REPORT_DIR", &reports)
            .current_dir(root()),
    )?;
    println!("screenshots in {}", shots.display());
    step.done();
    Ok(())
}

/// `-jN` for the cargo commands: `CARGO_BUILD_JOBS` when set (a shared machine), else 2.
fn jobs() -> String {
    let n = std::env::var("CARGO_BUILD_JOBS")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(2);
    format!("-j{n}")
}

fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn write(step: &Step, path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| step.fail(format!("cannot write {}: {e}", path.display())))
}
