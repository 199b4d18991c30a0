//! The end-of-run summary `screen` prints on stderr.

use std::collections::BTreeMap;
use std::time::Instant;

use saring::{Decision, Outcome, RecordError};

/// Counts of what a run produced.
#[derive(Debug)]
pub struct Summary {
    started: Instant,
    /// Rows read.
    pub rows: u64,
    /// Outcome counts: clear, incomplete, review, refer.
    pub outcomes: [u64; 4],
    /// Decisions with at least one incomplete rule.
    pub incomplete: u64,
    /// Rows that could not be screened.
    pub errors: u64,
    /// Undeclared input fields (list indices as `[]`) and how many decisions named them.
    ignored: BTreeMap<String, u64>,
    /// Decisions naming at least one undeclared field.
    ignored_rows: u64,
}

impl Summary {
    /// Starts the clock.
    pub fn start() -> Summary {
        Summary {
            started: Instant::now(),
            rows: 0,
            outcomes: [0; 4],
            incomplete: 0,
            errors: 0,
            ignored: BTreeMap::new(),
            ignored_rows: 0,
        }
    }

    /// Counts one result.
    pub fn add(&mut self, result: &Result<Decision, RecordError>) {
        self.rows += 1;
        match result {
            Ok(d) => {
                let i = match d.outcome {
                    Outcome::Clear => 0,
                    Outcome::Incomplete => 1,
                    Outcome::Review => 2,
                    Outcome::Refer => 3,
                };
                self.outcomes[i] += 1;
                self.incomplete += u64::from(!d.incomplete.is_empty());
                self.add_ignored(&d.ignored_fields);
            }
            Err(_) => self.errors += 1,
        }
    }

    /// Counts a decision's `ignored_fields` (`legs[2].x` counted as `legs[].x`; a path
    /// once per decision).
    pub fn add_ignored(&mut self, paths: &[String]) {
        if paths.is_empty() {
            return;
        }
        self.ignored_rows += 1;
        let mut seen: Vec<String> = paths.iter().map(|p| without_indices(p)).collect();
        seen.sort_unstable();
        seen.dedup();
        for path in seen {
            *self.ignored.entry(path).or_default() += 1;
        }
    }

    /// The warning about undeclared fields, when decisions named some: `warning: 3 rows held
    /// fields the schema does not declare (no rule read them): `tiket` (3 rows), ...`.
    pub fn ignored_warning(&self) -> Option<String> {
        const SHOWN: usize = 10;
        if self.ignored_rows == 0 {
            return None;
        }
        let mut by_count: Vec<(&String, &u64)> = self.ignored.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let mut names: Vec<String> = by_count
            .iter()
            .take(SHOWN)
            .map(|(p, n)| format!("`{p}` ({n} row{})", crate::packs::plural(**n as usize)))
            .collect();
        if by_count.len() > SHOWN {
            names.push(format!("and {} more", by_count.len() - SHOWN));
        }
        Some(format!(
            "warning: {} row{} held fields the schema does not declare (no rule read them; a \
             misspelt name means that data was not screened): {}",
            self.ignored_rows,
            crate::packs::plural(self.ignored_rows as usize),
            names.join(", ")
        ))
    }

    /// `screened 100 rows in 0.02 s (5000 rows/s): 80 clear, 15 review, 5 refer; 3 with
    /// incomplete data; 0 errors` (with `, N need data` after the clear count when the pack
    /// has the `incomplete` outcome and some records got it)
    pub fn render(&self) -> String {
        self.render_as("screened")
    }

    /// `100 rows in 0.02 s (5000 rows/s)`: rows counted so far and the time since the start.
    pub fn timing(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            self.rows as f64 / secs
        } else {
            0.0
        };
        format!("{} rows in {secs:.2} s ({rate:.0} rows/s)", self.rows)
    }

    /// [`Summary::render`] with another verb (`back-tested 100 rows in ...`).
    pub fn render_as(&self, verb: &str) -> String {
        let needs_data = match self.outcomes[1] {
            0 => String::new(),
            n => format!(", {n} need data"),
        };
        format!(
            "{verb} {}: {} clear{needs_data}, {} review, {} refer; {} with incomplete data; {} \
             error{}",
            self.timing(),
            self.outcomes[0],
            self.outcomes[2],
            self.outcomes[3],
            self.incomplete,
            self.errors,
            crate::packs::plural(self.errors as usize)
        )
    }
}

/// `legs[2].carier` as `legs[].carier`.
fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_fields_are_counted_once_per_row_without_list_indices() {
        let mut s = Summary::start();
        assert_eq!(s.ignored_warning(), None);
        s.add_ignored(&[
            "legs[0].carier".into(),
            "legs[1].carier".into(),
            "tiket".into(),
        ]);
        s.add_ignored(&["tiket".into()]);
        s.add_ignored(&[]);
        assert_eq!(
            s.ignored_warning().as_deref(),
            Some(
                "warning: 2 rows held fields the schema does not declare (no rule read them; a \
                 misspelt name means that data was not screened): `tiket` (2 rows), \
                 `legs[].carier` (1 row)"
            )
        );
    }
}
