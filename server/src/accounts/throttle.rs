//! Brute-force throttling of logins, per identifier (known or not, so it does not reveal
//! which accounts exist). Counts live in the database so several servers share them.

/// Failures allowed within [`WINDOW_MS`] before the identifier is locked.
pub const FREE_FAILURES: i64 = 5;
/// The window in which failures add up; an older first failure starts a new count.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

/// How long the identifier stays locked after its `failures`-th failure in the window:
/// nothing before the limit, then 30 s doubling with every further failure, at most 1 h.
pub fn lock_ms(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(7) as u32;
    (30_000i64 << doublings).min(60 * 60 * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_at_the_fifth_failure_and_double_up_to_an_hour() {
        assert_eq!(lock_ms(4), 0);
        assert_eq!(lock_ms(5), 30_000);
        assert_eq!(lock_ms(6), 60_000);
        assert_eq!(lock_ms(11), 1_920_000);
        assert_eq!(lock_ms(12), 3_600_000);
        assert_eq!(lock_ms(100), 3_600_000);
    }
}
