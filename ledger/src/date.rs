//! Calendar dates as the cooperative sees them (Asia/Ho_Chi_Minh, UTC+7, no daylight saving).

use core::fmt;

use crate::error::DecodeError;

/// Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact
/// for every date this software will meet.
pub const VIETNAM_OFFSET_MS: i64 = 7 * 3600 * 1000;
const DAY_MS: i64 = 86_400_000;

/// A valid Gregorian date between years 1900 and 9999.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DecodeError> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(DecodeError::OutOfRange),
        };
        if !(1900..=9999).contains(&year) || day == 0 || day > days {
            return Err(DecodeError::OutOfRange);
        }
        Ok(Self { year, month, day })
    }
    pub fn year(&self) -> u16 {
        self.year
    }
    pub fn month(&self) -> u8 {
        self.month
    }
    pub fn day(&self) -> u8 {
        self.day
    }
    /// `YYYYMMDD`, the compact form used in QR URLs.
    pub fn compact(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
    pub fn parse_compact(s: &str) -> Result<Self, DecodeError> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DecodeError::BadSyntax);
        }
        let n =
            |r: core::ops::Range<usize>| s[r].parse::<u16>().map_err(|_| DecodeError::BadSyntax);
        Self::new(n(0..4)?, n(4..6)? as u8, n(6..8)? as u8)
    }
    /// `YYYY-MM-DD` (ISO 8601).
    pub fn parse_iso(s: &str) -> Result<Self, DecodeError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DecodeError::BadSyntax);
        }
        Self::parse_compact(&format!("{}{}{}", &s[0..4], &s[5..7], &s[8..10]))
    }
    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(&self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
    /// Unix milliseconds at 00:00 of this date in Vietnam.
    pub fn start_ms(&self) -> i64 {
        self.days_since_epoch() * DAY_MS - VIETNAM_OFFSET_MS
    }
    /// The Vietnamese calendar date of a unix-millisecond instant.
    pub fn from_unix_ms(ms: i64) -> Self {
        let z = (ms + VIETNAM_OFFSET_MS).div_euclid(DAY_MS) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Self { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse_iso(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_unix_time_in_vietnam() {
        let d = Date::new(2025, 3, 1).unwrap();
        assert_eq!(d.days_since_epoch(), 20148);
        assert_eq!(Date::from_unix_ms(d.start_ms()), d);
        assert_eq!(
            Date::from_unix_ms(d.start_ms() - 1),
            Date::new(2025, 2, 28).unwrap()
        );
        // 17:00 UTC is already the next day in Vietnam.
        assert_eq!(Date::from_unix_ms(20147 * DAY_MS + 17 * 3600 * 1000), d);
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert!(Date::new(2023, 2, 29).is_err());
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(2024, 13, 1).is_err());
        assert!(Date::parse_iso("2024-1-01").is_err());
        assert_eq!(
            Date::parse_compact("20240229").unwrap().to_string(),
            "2024-02-29"
        );
    }
}
