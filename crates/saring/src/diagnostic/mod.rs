//! Diagnostics for rule packs: stable codes, messages, help, and file/line/column spans.

mod code;
mod source;

use serde::Serialize;

pub use code::Code;
pub use source::SourceError;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The pack cannot be loaded.
    Error,
    /// The pack loads, but something deserves attention (`saring check` reports it).
    Warning,
}

/// A place in a pack file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// File name relative to the pack directory (`pack.toml`, `schema.toml`, `lists/x.txt`).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// Byte range in the file.
    #[serde(skip)]
    pub span: (usize, usize),
}

/// One problem found in a pack.
///
/// Serialises (JSON, the Python and WebAssembly bindings) with every key present, `null`
/// when unknown: `code`, `severity`, `message`, `help` (never empty: [`Diagnostic::help`]),
/// `file`, `line`, `column`, `rule`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Stable machine-readable code, e.g. `cel.type_mismatch`, `pack.protected_field`.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Lowercase message; user input in backticks.
    pub message: String,
    /// What to do about it, when there is more specific help than the code's default.
    pub help: Option<String>,
    /// The file name, if the problem has a place.
    pub file: Option<String>,
    /// 1-based line, if known.
    pub line: Option<u32>,
    /// 1-based column, if known.
    pub column: Option<u32>,
    /// The rule the problem belongs to, if any.
    pub rule: Option<String>,
    /// Byte span in the file (for rendering).
    pub span: Option<(usize, usize)>,
}

/// The serialised form of a [`Diagnostic`].
#[derive(Serialize)]
struct Projection<'a> {
    code: Code,
    severity: Severity,
    message: &'a str,
    help: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    rule: Option<&'a str>,
}

impl Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Projection {
            code: self.code,
            severity: self.severity,
            message: &self.message,
            help: self.help(),
            file: self.file.as_deref(),
            line: self.line,
            column: self.column,
            rule: self.rule.as_deref(),
        }
        .serialize(serializer)
    }
}

impl Diagnostic {
    /// A new error diagnostic without a location.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            file: None,
            line: None,
            column: None,
            rule: None,
            span: None,
        }
    }

    /// A new warning diagnostic without a location.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds a help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Names the rule the diagnostic belongs to.
    pub fn with_rule(mut self, rule: impl Into<String>) -> Diagnostic {
        self.rule = Some(rule.into());
        self
    }

    /// Places the diagnostic.
    pub fn at(mut self, location: &Location) -> Diagnostic {
        self.file = Some(location.file.clone());
        self.line = Some(location.line);
        self.column = Some(location.column);
        self.span = Some(location.span);
        self
    }

    /// What to do about it: the specific help, or else the code's
    /// [default help](Code::default_help).
    pub fn help(&self) -> &str {
        self.help.as_deref().unwrap_or(self.code.default_help())
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An enum's values for a message: `` `a`, `b`, `c` ``, the first 20 and a count of the rest.
pub(crate) struct EnumValues<'v>(pub &'v [String]);

impl std::fmt::Display for EnumValues<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 20;
        for (i, v) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{v}`")?;
        }
        if self.0.len() > SHOWN {
            write!(f, " (and {} more)", self.0.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// "did you mean `x`?" help for a misspelt name, from the closest candidate.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates
        .into_iter()
        .take(crate::limits::MAX_SUGGESTION_CANDIDATES)
    {
        let score = strsim::jaro_winkler(name, c);
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}
