//! The questions a decision lists for its undecided rules: each missing field's `question`
//! (schema), or the rule's own `question`, in the decision's language.

use std::collections::BTreeMap;

use crate::decision::Question;
use crate::engine::language::{Languages, PerLanguage};
use crate::pack::{Pack, RuleStatus};
use crate::schema::Field;

/// Question texts prepared once per pack.
#[derive(Debug, Default)]
pub(crate) struct Questions {
    /// Per rule (pack order): its own question, replacing the fields' questions.
    by_rule: Vec<Option<PerLanguage<String>>>,
    /// Per field path (`legs[].country` as `legs.country`): its question, or its description
    /// when it has none.
    by_field: BTreeMap<String, PerLanguage<String>>,
}

fn question_of(field: &Field, languages: &Languages) -> Option<PerLanguage<String>> {
    match (&field.question, &field.description) {
        (Some(q), _) => Some(languages.texts(q)),
        (None, Some(d)) => Some(PerLanguage::one(d.clone())),
        (None, None) => None,
    }
}

impl Questions {
    pub(crate) fn new(pack: &Pack, languages: &Languages) -> Questions {
        let mut by_field = BTreeMap::new();
        pack.schema.root.for_each_field(&mut |field| {
            if let Some(text) = question_of(field, languages) {
                by_field.insert(field.path.replace("[]", ""), text);
            }
        });
        Questions {
            by_rule: pack
                .rules
                .iter()
                .map(|r| r.question.as_ref().map(|q| languages.texts(q)))
                .collect(),
            by_field,
        }
    }

    /// The questions for the active rules that could not be decided, given as
    /// `(rule index, status, missing paths)` in pack order: deduplicated by text, each with
    /// the fields it answers. A field without a question or description is asked by path.
    pub(crate) fn ask<'a, P: AsRef<str> + 'a>(
        &self,
        slot: usize,
        incomplete: impl IntoIterator<Item = (usize, RuleStatus, &'a [P])>,
    ) -> Vec<Question> {
        let mut out: Vec<Question> = Vec::new();
        let mut add = |text: &str, field: &str| match out.iter_mut().find(|q| q.question == text) {
            Some(q) => {
                if !q.fields.iter().any(|f| f == field) {
                    q.fields.push(field.to_string());
                }
            }
            None => out.push(Question {
                question: text.to_string(),
                fields: vec![field.to_string()],
            }),
        };
        for (rule, status, missing) in incomplete {
            if status != RuleStatus::Active {
                continue;
            }
            let own = self.by_rule.get(rule).and_then(Option::as_ref);
            for path in missing {
                let path = path.as_ref();
                match own {
                    Some(q) => add(q.get(slot), path),
                    None => match self.by_field.get(&path.replace("[]", "")) {
                        Some(q) => add(q.get(slot), path),
                        None => add(path, path),
                    },
                }
            }
        }
        out
    }
}
