//! Finding and loading packs.

use std::path::{Path, PathBuf};

use saring::bundle::{PublicKey, SecretKey};
use saring::pack::LoadOptions;
use saring::{Engine, Pack, PackError};

use crate::exit::{Failure, USAGE};

/// What a pack must prove before it is used (`screen`, `explain`, `backtest`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TrustArgs {
    /// Require a bundle signed by this public key: a `.pub` file of `saring keygen`, or
    /// `ed25519:<hex>`. Repeatable: a signature by any one of them is enough.
    #[arg(long = "trusted-key", value_name = "PUB")]
    pub trusted_keys: Vec<String>,
    /// Refuse the pack unless its content digest is this (`sha256:<hex>`).
    #[arg(long, value_name = "DIGEST")]
    pub expect_digest: Option<String>,
}

impl TrustArgs {
    /// The load options: keys read, `SARING_TODAY` applied.
    pub fn options(&self) -> anyhow::Result<LoadOptions> {
        let mut options = load_options()?;
        options.trusted_keys = self
            .trusted_keys
            .iter()
            .map(|k| public_key(k))
            .collect::<anyhow::Result<_>>()?;
        options.expect_digest = self.expect_digest.clone();
        Ok(options)
    }
}

/// Load options from the environment: `SARING_TODAY=YYYY-MM-DD` sets the date list expiry
/// is checked against (default: today, UTC).
pub fn load_options() -> anyhow::Result<LoadOptions> {
    let today = match std::env::var("SARING_TODAY") {
        Ok(t) if !t.trim().is_empty() => Some(t.trim().parse().map_err(|_| {
            crate::exit::usage(format!(
                "error: `SARING_TODAY={t}` is not a YYYY-MM-DD date"
            ))
        })?),
        _ => None,
    };
    Ok(LoadOptions {
        today,
        ..LoadOptions::default()
    })
}

/// A public key given as `ed25519:<hex>` or as the path of a `.pub` file.
pub fn public_key(spec: &str) -> anyhow::Result<PublicKey> {
    let text = if spec.trim_start().starts_with("ed25519:") {
        spec.to_string()
    } else {
        std::fs::read_to_string(spec).map_err(|e| {
            crate::exit::usage(format!("error: cannot read public key `{spec}`: {e}"))
        })?
    };
    PublicKey::parse(&text)
        .map_err(|e| crate::exit::usage(format!("error: public key `{spec}`: {}", e.message)))
}

/// A secret key read from a `.key` file.
pub fn secret_key(path: &Path) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        crate::exit::usage(format!(
            "error: cannot read secret key `{}`: {e}",
            path.display()
        ))
    })?;
    SecretKey::parse(&text).map_err(|e| {
        crate::exit::usage(format!(
            "error: secret key `{}`: {}",
            path.display(),
            e.message
        ))
    })
}

/// Packs tried, in order, when `--pack` is not given.
pub const DEFAULT_PACKS: [&str; 2] = ["rules/id-pmi/departure.toml", "rules/demo"];

/// The pack path: the one given, or the first default that exists.
pub fn resolve(pack: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = pack {
        return Ok(p.to_path_buf());
    }
    DEFAULT_PACKS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or_else(|| {
            crate::exit::usage(format!(
                "error: no `--pack` given and no default pack found (tried {})",
                DEFAULT_PACKS.join(", ")
            ))
        })
}

/// Renders a pack error with a header naming the path.
pub fn render_error(path: &Path, e: &PackError) -> String {
    let errors = e.errors().count();
    let warnings = e.diagnostics.len() - errors;
    let mut text = e.render();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "error: pack `{}` could not be loaded: {} error{}, {} warning{}",
        path.display(),
        errors,
        plural(errors),
        warnings,
        plural(warnings)
    ));
    text
}

/// Loads the engine of `pack` (default as for `screen`) requiring what `trust` asks for (a signature by a trusted key, a digest).
pub fn load_engine_with(pack: Option<&Path>, trust: &TrustArgs) -> anyhow::Result<Engine> {
    let path = resolve(pack)?;
    let options = trust.options()?;
    let fail = |e: PackError| Failure {
        message: render_error(&path, &e),
        code: USAGE,
    };
    let loaded = Pack::load_with(&path, &options).map_err(fail)?;
    Ok(Engine::compile(&loaded).map_err(fail)?)
}

/// The engine rendering texts in `lang` (`--lang`), or as it is; an unknown language is a
/// usage error naming the pack's languages.
pub fn with_language(engine: Engine, lang: Option<&str>) -> anyhow::Result<Engine> {
    match lang {
        None => Ok(engine),
        Some(lang) => engine
            .with_language(lang)
            .map_err(|e| crate::exit::usage(format!("error: `--lang {lang}`: {e}"))),
    }
}

/// `"s"` unless `n == 1`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Pack files under a path: the path itself if it is a file or a directory holding
/// `pack.toml`/`pack.json`; otherwise every pack file found below it (a `.toml` file with a
/// `[pack]` table, or a `.json` file with a `"pack"` key), sorted.
pub fn discover(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if root.is_file() || root.join("pack.toml").is_file() || root.join("pack.json").is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    if !root.is_dir() {
        return Err(crate::exit::usage(format!(
            "error: `{}` is neither a pack file nor a directory",
            root.display()
        )));
    }
    let mut found = Vec::new();
    walk(root, &mut found)?;
    found.sort();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if dir.join("pack.toml").is_file() || dir.join("pack.json").is_file() {
        found.push(dir.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, found)?;
        } else if is_pack_file(&path) {
            found.push(path);
        }
    }
    Ok(())
}

fn is_pack_file(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    match ext {
        "toml" => text.lines().any(|l| l.trim() == "[pack]"),
        "json" => serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .is_some_and(|v| v.get("pack").is_some_and(|p| p.is_object())),
        _ => false,
    }
}
