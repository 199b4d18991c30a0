//! Reason templates: `"No return ticket for travel to {destination}"` rendered from a record.
//!
//! Placeholders are resolved by the same [`Scope`] as CEL names and shown to the same
//! [`Access`] policy as the rule's condition, so a template can neither print a protected
//! field nor a monitored one without the rule's `uses_monitored` justification.

use crate::cel::resolve::{Binding, Scope};
use crate::cel::typecheck::Access;
use crate::cel::{Span, Value};
use crate::diagnostic::{Code, SourceError};
use crate::engine::language::{Languages, PerLanguage};
use crate::pack::Text;
use crate::record::Record;
use crate::schema::FieldKind;

/// One piece of a parsed template.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Slot(u32, FieldKind),
    Derived(u32),
    Aggregate(u32),
}

/// What one placeholder of a template reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TemplateRead {
    /// A schema slot.
    Slot(u32),
    /// A derived value, by index.
    Derived(u32),
    /// A windowed aggregate, by index.
    Aggregate(u32),
}

/// A parsed reason template.
#[derive(Debug, Clone, Default)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// Why a template could not be parsed (the one [`SourceError`] type of parse, check and
/// template errors): `pack.bad_placeholder` or `pack.protected_field`, its span the
/// placeholder's bytes in the template text.
pub type TemplateError = SourceError;

impl Template {
    /// Parses a template; placeholders name schema fields (dotted paths, outside lists),
    /// derived values or constants (rendered once, here). `{{` and `}}` are literal braces.
    pub(crate) fn parse(
        text: &str,
        scope: &Scope<'_>,
        access: &mut dyn Access,
    ) -> Result<Template, TemplateError> {
        let mut pieces = Vec::new();
        let mut buf = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    buf.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    buf.push('}');
                }
                '{' => {
                    let rest = &text[i + 1..];
                    let Some(end) = rest.find('}') else {
                        return Err(TemplateError::new(
                            Code::PackBadPlaceholder,
                            Span::new(i, text.len()),
                            "unclosed `{` in reason",
                            Some("write `{{` for a literal brace".into()),
                        ));
                    };
                    let name = rest[..end].trim();
                    for _ in 0..rest[..end].chars().count() + 1 {
                        chars.next();
                    }
                    if !buf.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut buf)));
                    }
                    let span = Span::new(i, i + end + 2);
                    pieces.push(resolve(name, span, scope, access)?);
                }
                c => buf.push(c),
            }
        }
        if !buf.is_empty() {
            pieces.push(Piece::Text(buf));
        }
        Ok(Template { pieces })
    }

    /// The schema slots and derived values (by index) the placeholders print.
    pub(crate) fn reads(&self) -> impl Iterator<Item = TemplateRead> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Text(_) => None,
            Piece::Slot(slot, _) => Some(TemplateRead::Slot(*slot)),
            Piece::Derived(i) => Some(TemplateRead::Derived(*i)),
            Piece::Aggregate(i) => Some(TemplateRead::Aggregate(*i)),
        })
    }

    /// Renders the template; `derived(i)` gives derived value `i` (computing it if needed).
    /// Absent values render as `unknown`.
    pub(crate) fn render<'v>(
        &self,
        record: &'v Record,
        derived: &dyn Fn(u32) -> Option<&'v Value>,
    ) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot(slot, kind) => match record.get(*slot) {
                    Some(v) => push_value(&mut out, v, Some(kind)),
                    None => out.push_str("unknown"),
                },
                Piece::Derived(i) => match derived(*i) {
                    Some(v) => push_value(&mut out, v, None),
                    None => out.push_str("unknown"),
                },
                Piece::Aggregate(i) => match record.facts.get(*i as usize) {
                    Some(crate::aggregate::Fact::Known { value, .. }) => {
                        push_value(&mut out, value, None)
                    }
                    _ => out.push_str("unknown"),
                },
            }
        }
        out
    }
}

/// A reason template in each language of a pack (one when the pack declares none).
#[derive(Debug, Clone, Default)]
pub struct Templates {
    by_language: PerLanguage<Template>,
}

impl Templates {
    /// Parses the text of every language slot (see [`Template::parse`]); a slot without its
    /// own text uses the default language's.
    pub(crate) fn parse(
        text: &Text,
        languages: &Languages,
        scope: &Scope<'_>,
        access: &mut dyn Access,
    ) -> Result<Templates, TemplateError> {
        let parsed =
            languages.each(|slot| Template::parse(languages.resolve(text, slot), scope, access));
        // Report the first error (every slot shares the placeholders' names).
        let mut first_error = None;
        let by_language = languages.each(|slot| match parsed.get(slot) {
            Ok(t) => t.clone(),
            Err(e) => {
                first_error.get_or_insert_with(|| e.clone());
                Template::default()
            }
        });
        match first_error {
            Some(e) => Err(e),
            None => Ok(Templates { by_language }),
        }
    }

    /// The template of a language slot.
    pub(crate) fn get(&self, slot: usize) -> &Template {
        self.by_language.get(slot)
    }
}

/// A fixed text (a remedy) with each `{name}` naming a constant replaced by its value; any
/// other brace is left as written, so texts of packs without constants are unchanged.
pub(crate) fn fill_constants(text: &str, constants: &[(String, Value)]) -> String {
    if constants.is_empty() || !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let constant = after.find('}').and_then(|close| {
            let name = after[..close].trim();
            constants
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| (v, close))
        });
        match constant {
            Some((v, close)) => {
                push_value(&mut out, v, None);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn push_value(out: &mut String, v: &Value, kind: Option<&FieldKind>) {
    use std::fmt::Write;
    match (v, kind) {
        (Value::String(s), _) => out.push_str(s),
        // An optional (a derived value read through `.?`) prints as its value, or as an
        // absent value does.
        (Value::Optional(Some(inner)), _) => push_value(out, inner, kind),
        (Value::Optional(None), _) => out.push_str("unknown"),
        (Value::Timestamp(t), Some(FieldKind::Date)) => {
            let _ = write!(out, "{}", t.date_naive());
        }
        // Reasons are read by people: at most two decimals, no trailing zeros.
        (Value::Double(d), _) if d.is_finite() => {
            let text = format!("{d:.2}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            out.push_str(text);
        }
        _ => {
            let _ = write!(out, "{v}");
        }
    }
}

fn resolve(
    name: &str,
    span: Span,
    scope: &Scope<'_>,
    access: &mut dyn Access,
) -> Result<Piece, TemplateError> {
    let not_a_value = || {
        TemplateError::new(
            Code::PackBadPlaceholder,
            span,
            format!("`{{{name}}}` is not a value field"),
            Some("placeholders name a schema field, a derived value or a constant".into()),
        )
    };
    let protected = || {
        TemplateError::new(
            Code::PackProtectedField,
            span,
            format!("reason shows protected field `{name}`"),
            Some("protected attributes never appear in reasons".into()),
        )
    };
    match scope.lookup_path(name) {
        Some(Binding::Derived(i)) => Ok(Piece::Derived(i)),
        Some(Binding::Aggregate(i)) => Ok(Piece::Aggregate(i)),
        Some(Binding::Const(i)) => {
            let mut text = String::new();
            if let Some((_, v)) = scope.env().constants.get(i as usize) {
                push_value(&mut text, v, None);
            }
            Ok(Piece::Text(text))
        }
        Some(Binding::Field(f)) => {
            if let Err(e) = access.read(f, span) {
                return Err(if e.code == Code::PackProtectedField {
                    protected()
                } else {
                    e
                });
            }
            match f.slot {
                Some(slot) => Ok(Piece::Slot(slot, f.kind.clone())),
                None => Err(not_a_value()),
            }
        }
        Some(Binding::Object(f, _)) if f.protected => Err(protected()),
        Some(_) => Err(not_a_value()),
        None => Err(TemplateError::new(
            Code::PackBadPlaceholder,
            span,
            format!("unknown placeholder `{{{name}}}` in reason"),
            crate::diagnostic::did_you_mean(
                name,
                scope.path_candidates().iter().map(String::as_str),
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::resolve::Env;
    use crate::cel::typecheck::AllowAll;

    fn error(text: &str) -> TemplateError {
        let env = Env::default();
        match Template::parse(text, &Scope::new(&env), &mut AllowAll) {
            Ok(_) => panic!("`{text}` parsed"),
            Err(e) => e,
        }
    }

    /// Template errors are the one source error type, placed on the placeholder.
    #[test]
    fn template_errors_carry_the_placeholder_span() {
        let e: SourceError = error("Ticket {tiket} booked");
        assert_eq!(e.code, Code::PackBadPlaceholder);
        assert_eq!(e.message, "unknown placeholder `{tiket}` in reason");
        assert_eq!((e.span.start, e.span.end), (7, 14));
        assert_eq!(e.help(), Code::PackBadPlaceholder.default_help());
        let e = error("a {b");
        assert_eq!((e.span.start, e.span.end), (2, 4));
        assert_eq!(e.help(), "write `{{` for a literal brace");
    }
}
