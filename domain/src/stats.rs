//! Summary statistics for response times, defined once.
//!
//! Percentiles use the **nearest-rank** method: the p-th percentile of n
//! sorted values is the value at rank ⌈p/100 × n⌉ (1-based), i.e. the
//! smallest value such that at least p% of the values are less than or equal
//! to it. It is always one of the observed values (no interpolation), so a
//! reported "90th percentile: 212 s" is a real incident's response time. The
//! median is the 50th percentile under this rule (the lower middle value for
//! an even count). An empty set has no percentile.

/// The p-th percentile (0 < p ≤ 100) of `values` by nearest rank; sorts in
/// place. `None` for an empty set.
pub fn percentile_nearest_rank(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p / 100.0 * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_examples() {
        // the textbook example: 15, 20, 35, 40, 50
        let mut v = vec![50.0, 15.0, 40.0, 20.0, 35.0];
        assert_eq!(percentile_nearest_rank(&mut v, 5.0), Some(15.0));
        assert_eq!(percentile_nearest_rank(&mut v, 30.0), Some(20.0));
        assert_eq!(percentile_nearest_rank(&mut v, 40.0), Some(20.0));
        assert_eq!(percentile_nearest_rank(&mut v, 50.0), Some(35.0));
        assert_eq!(percentile_nearest_rank(&mut v, 100.0), Some(50.0));
        let mut even = vec![1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile_nearest_rank(&mut even, 50.0), Some(2.0));
        assert_eq!(percentile_nearest_rank(&mut [], 50.0), None);
        assert_eq!(percentile_nearest_rank(&mut [7.0], 90.0), Some(7.0));
    }
}
