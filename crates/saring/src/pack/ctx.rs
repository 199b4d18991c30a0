//! Shared helpers for the pack and schema builders: diagnostic collection and typed access to
//! tree values with precise error spans.

use crate::cel::lexer::RESERVED_WORDS;
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::pack::tree::{Entry, Kind, Node, Span};
use crate::pack::{SourceFiles, Text};

/// Collects diagnostics while files are read and interpreted.
#[derive(Debug, Default)]
pub(crate) struct Diags {
    /// The source files read so far.
    pub sources: SourceFiles,
    /// Everything found so far.
    pub list: Vec<Diagnostic>,
    /// File names in the order they were read (for ordering diagnostics).
    pub order: Vec<String>,
}

impl Diags {
    /// Records a source file.
    pub fn add_file(&mut self, name: &str, text: String) {
        if !self.order.iter().any(|n| n == name) {
            self.order.push(name.to_string());
        }
        self.sources.insert(name, text);
    }

    /// The text of a file read earlier.
    pub fn text(&self, file: &str) -> &str {
        self.sources.get(file).unwrap_or("")
    }

    /// Places a diagnostic at a span of a file and records it.
    pub fn push_at(&mut self, d: Diagnostic, file: &str, span: Span) {
        let location = self.sources.locate(file, span);
        self.list.push(d.at(&location));
    }

    /// Records an error at a span.
    pub fn error(&mut self, code: Code, message: String, file: &str, span: Span) {
        self.push_at(Diagnostic::error(code, message), file, span);
    }

    /// True when an error has been recorded.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    /// All diagnostics sorted: errors first, then warnings, each in file order.
    pub fn sorted(mut self) -> (Vec<Diagnostic>, SourceFiles) {
        let order = self.order;
        let rank = |d: &Diagnostic| {
            let file = d
                .file
                .as_deref()
                .and_then(|f| order.iter().position(|n| n == f))
                .unwrap_or(usize::MAX);
            (
                !d.is_error(),
                file,
                d.span.map_or(0, |s| s.0),
                d.span.map_or(0, |s| s.1),
            )
        };
        self.list.sort_by_key(rank);
        (self.list, self.sources)
    }
}

/// Reading one file: the file name plus the diagnostics sink, with typed accessors.
pub(crate) struct Reader<'d> {
    /// File being interpreted.
    pub file: String,
    /// Diagnostics sink.
    pub diags: &'d mut Diags,
    /// Code prefix: `pack` or `schema`.
    pub prefix: &'static str,
}

impl Reader<'_> {
    /// Records an error in this file.
    pub fn error(&mut self, code: Code, message: String, span: Span) {
        let file = self.file.clone();
        self.diags.error(code, message, &file, span);
    }

    /// Records an error with help in this file.
    pub fn error_help(&mut self, code: Code, message: String, help: String, span: Span) {
        let file = self.file.clone();
        self.diags.push_at(
            Diagnostic::error(code, message).with_help(help),
            &file,
            span,
        );
    }

    fn invalid_value_code(&self) -> Code {
        if self.prefix == "schema" {
            Code::SchemaInvalidValue
        } else {
            Code::PackInvalidValue
        }
    }

    fn unknown_key_code(&self) -> Code {
        if self.prefix == "schema" {
            Code::SchemaUnknownKey
        } else {
            Code::PackUnknownKey
        }
    }

    /// Reports every key not in `allowed` as unknown, with did-you-mean help.
    pub fn check_keys(&mut self, entries: &[Entry], allowed: &[&str], what: &str) {
        for e in entries {
            if !allowed.contains(&e.key.as_str()) {
                self.unknown_key(e, allowed, what);
            }
        }
    }

    /// Reports one unknown key.
    pub fn unknown_key(&mut self, e: &Entry, allowed: &[&str], what: &str) {
        let code = self.unknown_key_code();
        let help = did_you_mean(&e.key, allowed.iter().copied()).unwrap_or_else(|| {
            format!(
                "allowed keys here: {}",
                allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        self.error_help(
            code,
            format!("unknown key `{}` in {what}", e.key),
            help,
            e.key_span,
        );
    }

    /// Reports a value of the wrong type.
    pub fn wrong_type(&mut self, e: &Entry, expected: &str) {
        let code = self.invalid_value_code();
        self.error(
            code,
            format!(
                "`{}` must be {expected}, found {}",
                e.key,
                e.value.type_name()
            ),
            e.value.span,
        );
    }

    /// Reports a missing required key of a table whose header/key is at `span`.
    pub fn missing(&mut self, key: &str, what: &str, span: Span) {
        let code = if self.prefix == "schema" {
            Code::SchemaMissingKey
        } else {
            Code::PackMissingKey
        };
        self.error(code, format!("missing key `{key}` in {what}"), span);
    }

    /// A string value.
    pub fn string(&mut self, e: &Entry) -> Option<String> {
        match &e.value.kind {
            Kind::Str(s) => Some(s.clone()),
            _ => {
                self.wrong_type(e, "a string");
                None
            }
        }
    }

    /// An integer value.
    pub fn int(&mut self, e: &Entry) -> Option<i64> {
        match &e.value.kind {
            Kind::Int(i) => Some(*i),
            _ => {
                self.wrong_type(e, "an integer");
                None
            }
        }
    }

    /// A boolean value.
    pub fn bool(&mut self, e: &Entry) -> Option<bool> {
        match &e.value.kind {
            Kind::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(e, "a boolean (`true` or `false`)");
                None
            }
        }
    }

    /// A list of strings.
    pub fn strings(&mut self, e: &Entry) -> Option<Vec<String>> {
        let Kind::Array(items) = &e.value.kind else {
            self.wrong_type(e, "an array of strings");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            match &item.kind {
                Kind::Str(s) => out.push(s.clone()),
                _ => {
                    let code = self.invalid_value_code();
                    self.error(
                        code,
                        format!(
                            "items of `{}` must be strings, found {}",
                            e.key,
                            item.type_name()
                        ),
                        item.span,
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// An applicant-facing text: a string, or a table of strings by language
    /// (`{ en = "...", id = "..." }`). Which languages are allowed is checked once the whole
    /// pack is read (see `pack::language`).
    pub fn text(&mut self, e: &Entry) -> Option<Text> {
        match &e.value.kind {
            Kind::Str(s) => Some(Text::Plain(s.clone())),
            Kind::Table(entries) if !entries.is_empty() => {
                let mut out = Vec::with_capacity(entries.len());
                let mut ok = true;
                for entry in entries {
                    match &entry.value.kind {
                        Kind::Str(s) => out.push((entry.key.clone(), s.clone())),
                        _ => {
                            let code = self.invalid_value_code();
                            self.error_help(
                                code,
                                format!(
                                    "the `{}` text of `{}` must be a string, found {}",
                                    entry.key,
                                    e.key,
                                    entry.value.type_name()
                                ),
                                format!("write `{} = {{ {} = \"...\" }}`", e.key, entry.key),
                                entry.value.span,
                            );
                            ok = false;
                        }
                    }
                }
                ok.then_some(Text::PerLanguage(out))
            }
            _ => {
                self.wrong_type(
                    e,
                    "a string or a table of strings by language (`{ en = \"...\", id = \"...\" }`)",
                );
                None
            }
        }
    }

    /// A table's entries.
    pub fn table<'n>(&mut self, e: &'n Entry) -> Option<&'n [Entry]> {
        match &e.value.kind {
            Kind::Table(entries) => Some(entries),
            _ => {
                self.wrong_type(e, "a table");
                None
            }
        }
    }
}

/// Finds an entry by key.
pub(crate) fn get<'n>(entries: &'n [Entry], key: &str) -> Option<&'n Entry> {
    entries.iter().find(|e| e.key == key)
}

/// Reports duplicate keys (possible in JSON only; TOML rejects them while parsing).
pub(crate) fn check_duplicates(reader: &mut Reader<'_>, node: &Node) {
    match &node.kind {
        Kind::Table(entries) => {
            for (i, e) in entries.iter().enumerate() {
                if entries[..i].iter().any(|p| p.key == e.key) {
                    let code = if reader.prefix == "schema" {
                        Code::SchemaDuplicateKey
                    } else {
                        Code::PackDuplicateKey
                    };
                    reader.error(code, format!("duplicate key `{}`", e.key), e.key_span);
                }
                check_duplicates(reader, &e.value);
            }
        }
        Kind::Array(items) => {
            for item in items {
                check_duplicates(reader, item);
            }
        }
        _ => {}
    }
}

/// CEL keywords that are not in [`RESERVED_WORDS`]: the literals and the `in` operator.
const KEYWORDS: &[&str] = &["true", "false", "null", "in"];

/// Whether `name` is a CEL keyword or reserved word, which cannot name lists, derived values,
/// rules or fields.
pub(crate) fn is_reserved(name: &str) -> bool {
    KEYWORDS.contains(&name) || RESERVED_WORDS.contains(&name)
}

/// True for `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks that a name is an identifier and not a reserved word; reports `<prefix>.invalid_name`.
pub(crate) fn check_name(reader: &mut Reader<'_>, name: &str, what: &str, span: Span) -> bool {
    let code = if reader.prefix == "schema" {
        Code::SchemaInvalidName
    } else {
        Code::PackInvalidName
    };
    if !is_identifier(name) {
        reader.error_help(
            code,
            format!("{what} `{name}` is not a valid name"),
            "names start with a letter or `_` and contain only letters, digits and `_`".to_string(),
            span,
        );
        false
    } else if is_reserved(name) {
        reader.error_help(
            code,
            format!("{what} `{name}` is a reserved word"),
            "choose another name".to_string(),
            span,
        );
        false
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::is_reserved;

    #[test]
    fn keywords_and_reserved_words_cannot_be_names() {
        for word in ["true", "false", "null", "in", "as", "namespace", "while"] {
            assert!(is_reserved(word), "{word}");
        }
        for word in ["size", "truth", "input", "whiles"] {
            assert!(!is_reserved(word), "{word}");
        }
    }
}
