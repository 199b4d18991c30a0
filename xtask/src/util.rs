//! Shared helpers for the xtask steps: step headers with timing, running external commands
//! with failures that name the step, and idempotent Debian package installs.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The repository root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

/// A named step: prints a header when it starts and its duration when it ends.
pub struct Step {
    name: String,
    start: Instant,
}

impl Step {
    /// Starts a step and prints its header.
    pub fn start(name: &str) -> Step {
        println!("\n==> {name}");
        Step {
            name: name.to_string(),
            start: Instant::now(),
        }
    }

    /// Ends the step, printing how long it took.
    pub fn done(self) {
        println!(
            "<== {} ({:.1}s)",
            self.name,
            self.start.elapsed().as_secs_f64()
        );
    }

    /// Runs a command with inherited output; a failure names this step and the command.
    pub fn run(&self, cmd: &mut Command) -> Result<(), String> {
        println!("$ {}", show(cmd));
        let status = cmd
            .status()
            .map_err(|e| format!("step `{}`: cannot start `{}`: {e}", self.name, show(cmd)))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "step `{}` failed: `{}` exited with {status}",
                self.name,
                show(cmd)
            ))
        }
    }

    /// Runs a command and returns its standard output; a failure names this step.
    pub fn output(&self, cmd: &mut Command) -> Result<String, String> {
        capture(cmd).map_err(|e| format!("step `{}` failed: {e}", self.name))
    }

    /// Formats an error that belongs to this step.
    pub fn fail(&self, message: impl std::fmt::Display) -> String {
        format!("step `{}` failed: {message}", self.name)
    }
}

/// Runs a command quietly and returns its standard output, or why it failed.
pub fn capture(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", show(cmd)))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{}` exited with {}: {}",
            show(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The command line, for messages.
pub fn show(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// Where tools built by xtask are cached: `$CARGO_HOME/saring-tools` (default
/// `~/.cargo/saring-tools`), so a fresh clone on the same machine reuses them.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("saring-tools"))
        .unwrap_or_else(|| root().join("target/tools"))
}

/// A `cargo` command (the one running xtask, when known).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root());
    cmd
}

/// Finds a program on `PATH`.
pub fn which(program: impl AsRef<OsStr>) -> Option<PathBuf> {
    let program = program.as_ref();
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// True when a Debian package is installed.
pub fn deb_installed(package: &str) -> bool {
    capture(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
        .is_ok_and(|status| status.contains("install ok installed"))
}

/// Installs the Debian packages that are not installed yet (nothing to do when all are).
/// Runs `apt-get update` first when a package is unknown to apt's current lists.
pub fn apt_install(step: &Step, packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !deb_installed(p))
        .collect();
    if missing.is_empty() {
        println!("debian packages present: {}", packages.join(" "));
        return Ok(());
    }
    if which("apt-get").is_none() {
        return Err(step.fail(format!(
            "missing packages {} and no apt-get to install them",
            missing.join(" ")
        )));
    }
    let is_root = capture(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0");
    if !is_root {
        return Err(step.fail(format!(
            "missing Debian packages; install them as root: apt-get install -y {}",
            missing.join(" ")
        )));
    }
    let install = || {
        let mut cmd = Command::new("apt-get");
        cmd.args(["install", "-y", "-q"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null());
        cmd
    };
    // Try with the current package lists; refresh them once if that fails.
    if step.run(&mut install()).is_ok() {
        return Ok(());
    }
    step.run(
        Command::new("apt-get")
            .args(["update", "-q"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null()),
    )?;
    step.run(&mut install())
}
