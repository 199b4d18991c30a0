//! The languages an engine renders applicant texts in, and values held once per language.

use crate::error::LanguageError;
use crate::pack::{Pack, Text};

/// The pack's declared languages and the default one. A pack that declares none has one
/// unnamed language: its texts are plain strings.
#[derive(Debug, Clone)]
pub(crate) struct Languages {
    names: Vec<String>,
    default: usize,
}

impl Languages {
    pub(crate) fn of(pack: &Pack) -> Languages {
        let names = pack.meta.languages.clone();
        let default = pack
            .meta
            .default_language
            .as_ref()
            .and_then(|d| names.iter().position(|n| n == d))
            .unwrap_or(0);
        Languages { names, default }
    }

    /// The declared languages, in declaration order.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of the default language.
    pub(crate) fn default_index(&self) -> usize {
        self.default
    }

    /// The name of a language index (`None` for a pack without languages).
    pub(crate) fn name(&self, index: usize) -> Option<&str> {
        self.names.get(index).map(String::as_str)
    }

    /// Index of a language by name.
    pub(crate) fn index(&self, name: &str) -> Result<usize, LanguageError> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| LanguageError::new(name, &self.names))
    }

    /// The number of language slots (at least one).
    fn slots(&self) -> usize {
        self.names.len().max(1)
    }

    /// A text in the language of each slot, falling back to the default language.
    pub(crate) fn resolve<'t>(&self, text: &'t Text, slot: usize) -> &'t str {
        let fallback = self.name(self.default).unwrap_or("");
        text.resolve(self.name(slot).unwrap_or(fallback), fallback)
    }

    /// `f` applied to each language slot.
    pub(crate) fn each<T>(&self, mut f: impl FnMut(usize) -> T) -> PerLanguage<T> {
        PerLanguage {
            first: f(0),
            rest: (1..self.slots()).map(&mut f).collect(),
        }
    }

    /// A text rendered once per language.
    pub(crate) fn texts(&self, text: &Text) -> PerLanguage<String> {
        self.each(|slot| self.resolve(text, slot).to_string())
    }
}

/// A value in each language slot of a pack (one slot when it declares no languages).
#[derive(Debug, Clone, Default)]
pub(crate) struct PerLanguage<T> {
    first: T,
    rest: Vec<T>,
}

impl<T> PerLanguage<T> {
    /// The same value in every slot.
    pub(crate) fn one(value: T) -> PerLanguage<T> {
        PerLanguage {
            first: value,
            rest: Vec::new(),
        }
    }

    /// The value for a language slot (the first slot when out of range).
    pub(crate) fn get(&self, slot: usize) -> &T {
        match slot.checked_sub(1) {
            Some(i) => self.rest.get(i).unwrap_or(&self.first),
            None => &self.first,
        }
    }
}
