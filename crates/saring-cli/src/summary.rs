//! The end-of-run summary `screen` prints on stderr.

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
            }
            Err(_) => self.errors += 1,
        }
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
