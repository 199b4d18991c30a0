//! Checks on a loaded pack that depend on the outside world (today's date).

use crate::diagnostic::{Code, Diagnostic};
use crate::pack::Pack;

/// Warnings `pack.review_overdue` for every rule whose `review_by` date is before `today`
/// (`YYYY-MM-DD`). The CLI passes the current date; tests pass a fixed one.
pub fn review_overdue(pack: &Pack, today: &str) -> Vec<Diagnostic> {
    pack.rules
        .iter()
        .filter_map(|rule| {
            let due = rule.review_by.as_deref()?;
            // Both are `YYYY-MM-DD`, so text order is date order.
            if due >= today {
                return None;
            }
            let d = Diagnostic::warning(
                Code::PackReviewOverdue,
                format!("rule `{}` was due for review on {due}", rule.id),
            )
            .with_help("review the rule and its references, then move `review_by` forward")
            .with_rule(rule.id.clone());
            Some(match &rule.location {
                Some(loc) => d.at(loc),
                None => d,
            })
        })
        .collect()
}
