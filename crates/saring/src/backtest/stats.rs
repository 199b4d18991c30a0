//! Confidence intervals of the back-test: the Wilson score interval of a proportion and the
//! Katz log interval of a ratio of two proportions, both at 95%.
//!
//! - **Wilson** (E. B. Wilson, 1927; recommended by R. G. Newcombe, "Two-sided confidence
//!   intervals for the single proportion", *Statistics in Medicine* 17, 1998): for `x`
//!   successes out of `n`, with `p = x/n` and `z = 1.96`,
//!   `(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)`. Unlike the normal approximation it
//!   stays inside [0, 1] and is honest for small `n` and for `p` near 0 or 1 (the same as
//!   `scipy.stats.binomtest(x, n).proportion_ci(method="wilson")`).
//! - **Katz log** (D. Katz et al., "Obtaining confidence intervals for the risk ratio in
//!   cohort studies", *Biometrics* 34, 1978): for rates `a/n₁` and `c/n₂`, the ratio
//!   `RR = (a/n₁)/(c/n₂)` has `ln RR ± z·√(1/a − 1/n₁ + 1/c − 1/n₂)` (the same as
//!   `scipy.stats.contingency.relative_risk(a, n₁, c, n₂).confidence_interval()`). When a cell
//!   of the 2×2 table is zero (`a`, `n₁ − a`, `c` or `n₂ − c`) the interval uses the
//!   Haldane–Anscombe correction: 0.5 is added to every cell (`a + 0.5` of `n₁ + 1`, `c + 0.5`
//!   of `n₂ + 1`), so a group with no hits (or only hits) still gets a finite interval of
//!   honest width instead of none (or one of zero width).

use serde::Serialize;

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A two-sided 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The Wilson score interval of `x` out of `n`; `None` when `n` is zero.
pub fn wilson(x: u64, n: u64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let x = x.min(n);
    let (all, none) = (x == n, x == 0);
    let (x, n) = (x as f64, n as f64);
    let p = x / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        low: if none { 0.0 } else { (centre - half).max(0.0) },
        high: if all { 1.0 } else { (centre + half).min(1.0) },
    })
}

/// The point estimate of the ratio of rates `(a/n1) / (c/n2)`; `None` when either rate is
/// undefined or the second is zero.
pub fn rate_ratio(a: u64, n1: u64, c: u64, n2: u64) -> Option<f64> {
    if n1 == 0 || n2 == 0 || c == 0 {
        return None;
    }
    Some((a as f64 / n1 as f64) / (c as f64 / n2 as f64))
}

/// The Katz log interval of the ratio `(a/n1) / (c/n2)` (see the module docs); `None` when a
/// denominator is zero, or when both rates are zero (nothing to compare).
pub fn katz(a: u64, n1: u64, c: u64, n2: u64) -> Option<Interval> {
    if n1 == 0 || n2 == 0 || (a == 0 && c == 0) {
        return None;
    }
    let (a, c) = (a.min(n1), c.min(n2));
    let (a, n1, c, n2) = if a == 0 || c == 0 || a == n1 || c == n2 {
        (
            a as f64 + 0.5,
            n1 as f64 + 1.0,
            c as f64 + 0.5,
            n2 as f64 + 1.0,
        )
    } else {
        (a as f64, n1 as f64, c as f64, n2 as f64)
    };
    let log_ratio = ((a / n1) / (c / n2)).ln();
    let se = (1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2).max(0.0).sqrt();
    Some(Interval {
        low: (log_ratio - Z95 * se).exp(),
        high: (log_ratio + Z95 * se).exp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() < tolerance,
            "{actual} != {expected}"
        );
    }

    /// Newcombe (1998), table I, method 3 (Wilson score without continuity correction).
    #[test]
    fn wilson_matches_newcombe() {
        for (x, n, low, high) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let ci = wilson(x, n).unwrap_or(Interval {
                low: f64::NAN,
                high: f64::NAN,
            });
            near(ci.low, low, 5e-5);
            near(ci.high, high, 5e-5);
        }
        assert_eq!(wilson(3, 0), None);
        let all = wilson(10, 10).map(|c| c.high);
        assert_eq!(all, Some(1.0));
    }

    /// By hand: RR = 2, se = √(1/20 − 1/100 + 1/10 − 1/100) = √0.13.
    #[test]
    fn katz_by_hand() {
        let ci = katz(20, 100, 10, 100).unwrap_or(Interval {
            low: f64::NAN,
            high: f64::NAN,
        });
        let se = 0.13f64.sqrt();
        near(ci.low, 2.0 * (-Z95 * se).exp(), 1e-12);
        near(ci.high, 2.0 * (Z95 * se).exp(), 1e-12);
        near(ci.low, 0.98656, 1e-4);
        assert_eq!(rate_ratio(20, 100, 10, 100), Some(2.0));
        assert_eq!(rate_ratio(20, 100, 0, 100), None);
    }

    /// A zero count: 0.5 added to every cell, so the interval stays finite and wide.
    #[test]
    fn katz_zero_cells_are_corrected() {
        let ci = katz(10, 100, 0, 100).unwrap_or(Interval {
            low: f64::NAN,
            high: f64::NAN,
        });
        let rr: f64 = (10.5 / 101.0) / (0.5 / 101.0);
        let se = (1.0 / 10.5 - 1.0 / 101.0 + 1.0 / 0.5 - 1.0 / 101.0f64).sqrt();
        near(ci.low, rr * (-Z95 * se).exp(), 1e-12);
        near(ci.high, rr * (Z95 * se).exp(), 1e-12);
        assert_eq!(katz(0, 10, 0, 10), None);
        // Every record of a small group hit: corrected too, never a zero-width interval.
        let all = katz(3, 3, 20, 200).map(|ci| ci.high - ci.low);
        assert!(all.is_some_and(|w| w > 5.0), "{all:?}");
        assert_eq!(katz(1, 0, 1, 10), None);
    }
}
