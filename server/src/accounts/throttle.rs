//! Brute-force throttling of logins. Failures count under two keys: the identifier (known
//! or not, so it does not reveal which accounts exist) and the client (its address), so
//! one machine cannot try password after password across many accounts. A browser that
//! has signed in to the account before carries a signed device cookie: its attempts count
//! under that device instead of the identifier, so a lock caused by others (anyone can
//! type five wrong passwords for someone's number) does not keep the owner out; the
//! approach OWASP calls device cookies. Counts live in the database so several servers
//! share them.

/// Failures allowed within [`WINDOW_MS`] before an identifier or a device is locked.
pub const FREE_FAILURES: i64 = 5;
/// Failures a client address may make across all accounts before it is locked itself:
/// generous, since many phones share one carrier address (CGNAT).
pub const CLIENT_FREE_FAILURES: i64 = 50;
/// The window in which failures add up; an older first failure starts a new count.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

/// How long the identifier stays locked after its `failures`-th failure in the window:
/// nothing before the limit, then 30 s doubling with every further failure, at most 1 h.
pub fn lock_ms(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(7) as u32;
    (30_000i64 << doublings).min(60 * 60 * 1000)
}

/// Who is trying to sign in, as far as throttling can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    /// The client's address (`None` at the command line and in unit tests).
    pub address: Option<String>,
    /// The account this browser has signed in to before, and its device nonce, proven by
    /// the signed device cookie.
    pub device: Option<(i64, String)>,
}

impl Client {
    /// The key the client's own failures count under.
    pub(crate) fn key(&self) -> Option<String> {
        self.address.as_ref().map(|a| format!("client:{a}"))
    }

    /// The key this device's failures count under, when it is trusted for `user_id`.
    pub(crate) fn device_key(&self, user_id: i64) -> Option<String> {
        self.device
            .as_ref()
            .filter(|(u, _)| *u == user_id)
            .map(|(u, nonce)| format!("device:{u}:{nonce}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_at_the_fifth_failure_and_double_up_to_an_hour() {
        let lock = |n| lock_ms(n, FREE_FAILURES);
        assert_eq!(lock(4), 0);
        assert_eq!(lock(5), 30_000);
        assert_eq!(lock(6), 60_000);
        assert_eq!(lock(11), 1_920_000);
        assert_eq!(lock(12), 3_600_000);
        assert_eq!(lock(100), 3_600_000);
        assert_eq!(lock_ms(49, CLIENT_FREE_FAILURES), 0);
        assert_eq!(lock_ms(50, CLIENT_FREE_FAILURES), 30_000);
    }
}
