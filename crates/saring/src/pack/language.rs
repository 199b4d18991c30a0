//! Languages of applicant texts: every per-language `title`, `reason`, `remedy` and
//! `question` uses a language the pack declares (`[pack] languages`), and every declared
//! language is present (`pack.missing_language` warnings, which `saring check` prints).

use crate::diagnostic::{did_you_mean, Code, Diagnostic, Location};
use crate::pack::build::PackParts;
use crate::pack::ctx::Diags;
use crate::pack::Text;
use crate::schema::{Field, FieldKind, ObjectType, Schema};

/// Checks the texts of a pack's rules and of its schema's questions against its languages.
pub(crate) fn check(diags: &mut Diags, parts: &PackParts, schema: &Schema) {
    let declared = &parts.meta.languages;
    for rule in &parts.rules {
        let texts = [
            ("title", Some(&rule.title)),
            ("reason", Some(&rule.reason)),
            ("remedy", rule.remedy.as_ref()),
            ("question", rule.question.as_ref()),
        ];
        for (key, text) in texts {
            let Some(text) = text else { continue };
            let owner = format!("rule `{}`", rule.id);
            if let Some(d) = undeclared(text, key, &owner, declared) {
                diags
                    .list
                    .push(place(d.with_rule(rule.id.clone()), &rule.location));
            }
            // Titles are officer-facing: one text for all languages is fine.
            if key == "title" && matches!(text, Text::Plain(_)) {
                continue;
            }
            if let Some(d) = missing(text, key, &owner, declared) {
                diags
                    .list
                    .push(place(d.with_rule(rule.id.clone()), &rule.location));
            }
        }
    }
    // Schema questions: a shared schema may carry languages this pack does not use, so only
    // the missing ones are reported.
    visit(&schema.root, &mut |field| {
        if let Some(q) = &field.question {
            let owner = format!("field `{}`", field.path);
            if let Some(d) = missing(q, "question", &owner, declared) {
                diags.list.push(place(d, &field.location));
            }
        }
    });
}

fn visit(obj: &ObjectType, f: &mut dyn FnMut(&Field)) {
    for field in &obj.fields {
        f(field);
        match &field.kind {
            FieldKind::Object(child) => visit(child, f),
            FieldKind::List(item) => {
                if let FieldKind::Object(child) = &**item {
                    visit(child, f);
                }
            }
            _ => {}
        }
    }
}

fn place(d: Diagnostic, location: &Option<Location>) -> Diagnostic {
    match location {
        Some(loc) => d.at(loc),
        None => d,
    }
}

/// An error for a per-language text in a language the pack does not declare.
fn undeclared(text: &Text, key: &str, owner: &str, declared: &[String]) -> Option<Diagnostic> {
    let lang = text
        .languages()
        .find(|l| !declared.iter().any(|d| d == l))?;
    let help = if declared.is_empty() {
        let used: Vec<String> = text.languages().map(|l| format!("\"{l}\"")).collect();
        format!(
            "declare the languages in `[pack]`: `languages = [{}]`",
            used.join(", ")
        )
    } else {
        did_you_mean(lang, declared.iter().map(String::as_str)).unwrap_or_else(|| {
            format!(
                "the pack declares {}; add `{lang}` to `[pack] languages` or remove the text",
                list(declared)
            )
        })
    };
    Some(
        Diagnostic::error(
            Code::PackUnknownLanguage,
            format!(
                "the `{key}` of {owner} is written in `{lang}`, a language the pack does not declare"
            ),
        )
        .with_help(help),
    )
}

/// A warning when a pack with two or more languages lacks one of them for this text.
fn missing(text: &Text, key: &str, owner: &str, declared: &[String]) -> Option<Diagnostic> {
    if declared.len() < 2 {
        return None;
    }
    let message = match text {
        Text::Plain(_) => format!(
            "the `{key}` of {owner} is one text for all languages; the pack declares {}",
            list(declared)
        ),
        Text::PerLanguage(_) => {
            let absent: Vec<String> = declared
                .iter()
                .filter(|l| text.get(l).is_none())
                .cloned()
                .collect();
            if absent.is_empty() {
                return None;
            }
            format!("the `{key}` of {owner} has no text in {}", list(&absent))
        }
    };
    let example: Vec<String> = declared.iter().map(|l| format!("{l} = \"...\"")).collect();
    Some(
        Diagnostic::warning(Code::PackMissingLanguage, message).with_help(format!(
            "write it in every declared language: `{key} = {{ {} }}`",
            example.join(", ")
        )),
    )
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
