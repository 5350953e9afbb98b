//! What a person signs in with, and the password rules, validated on construction.

use crate::error::{Error, Result};

/// A phone number or an email address, normalised so that one person has one spelling:
/// Vietnamese numbers as `+84…` (so `0912 345 678` and `+84 912345678` are the same
/// account), emails lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    Phone(String),
    Email(String),
}

impl Identifier {
    pub fn parse(input: &str) -> Result<Self> {
        let s = input.trim();
        if s.contains('@') {
            return parse_email(s).map(Self::Email);
        }
        parse_phone(s).map(Self::Phone)
    }

    /// A phone number only (adding a member: farmers are reached by phone).
    pub fn phone(input: &str) -> Result<Self> {
        parse_phone(input.trim()).map(Self::Phone)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Phone(s) | Self::Email(s) => s,
        }
    }
}

impl std::fmt::Display for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn bad_phone() -> Error {
    Error::invalid(
        "Số điện thoại không hợp lệ (ví dụ 0912 345 678 hoặc +84 912 345 678)",
        "That phone number is not valid (for example 0912 345 678 or +84 912 345 678)",
    )
}

fn parse_phone(s: &str) -> Result<String> {
    let (plus, rest) = match s.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return Err(bad_phone()),
        }
    }
    // Vietnamese subscriber numbers are 9 digits (mobile) or 10 (landline) after the
    // trunk 0 or the country code 84; anything else with a + is taken as E.164.
    let national = if let Some(n) = digits.strip_prefix("84").filter(|_| plus) {
        n.to_owned()
    } else if plus {
        return if (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
            Ok(format!("+{digits}"))
        } else {
            Err(bad_phone())
        };
    } else if let Some(n) = digits.strip_prefix('0') {
        n.to_owned()
    } else {
        return Err(bad_phone());
    };
    if !(9..=10).contains(&national.len()) || national.starts_with('0') {
        return Err(bad_phone());
    }
    Ok(format!("+84{national}"))
}

fn parse_email(s: &str) -> Result<String> {
    let bad = || {
        Error::invalid(
            "Địa chỉ email không hợp lệ",
            "That email address is not valid",
        )
    };
    let lower = s.to_lowercase();
    let (local, domain) = lower.split_once('@').ok_or_else(bad)?;
    let ok = !local.is_empty()
        && lower.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !lower.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(lower)
    } else {
        Err(bad())
    }
}

/// A new password: at least 8 characters (the NIST floor), at most 128 so hashing one
/// stays cheap, and not the identifier itself.
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(password: &str, identifier: &Identifier) -> Result<Self> {
        let n = password.chars().count();
        if n < 8 {
            return Err(Error::invalid(
                "Mật khẩu cần ít nhất 8 ký tự",
                "The password needs at least 8 characters",
            ));
        }
        if n > 128 {
            return Err(Error::invalid(
                "Mật khẩu dài quá 128 ký tự",
                "The password is longer than 128 characters",
            ));
        }
        let digits: String = identifier
            .as_str()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        if password == identifier.as_str() || (digits.len() > 8 && password.contains(&digits[2..]))
        {
            return Err(Error::invalid(
                "Mật khẩu không được là số điện thoại hay email của bạn",
                "The password must not be your phone number or email",
            ));
        }
        Ok(Self(password.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_numbers_normalise_to_one_spelling() {
        for s in [
            "0912345678",
            "0912 345 678",
            "+84 912 345 678",
            "+84-912.345.678",
            "(+84) 912345678",
        ] {
            let got = Identifier::parse(s);
            if s.starts_with('(') {
                assert!(got.is_err(), "{s}");
                continue;
            }
            assert_eq!(
                got.unwrap(),
                Identifier::Phone("+84912345678".into()),
                "{s}"
            );
        }
        assert_eq!(
            Identifier::parse("024 3825 1234").unwrap().as_str(),
            "+842438251234"
        );
        assert_eq!(
            Identifier::parse("+33 6 12 34 56 78").unwrap().as_str(),
            "+33612345678"
        );
        for bad in [
            "912345678",
            "0912",
            "09123456789012",
            "0912abc678",
            "+0912345678",
            "",
        ] {
            assert!(Identifier::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Identifier::parse("  Lan@Example.VN ").unwrap(),
            Identifier::Email("lan@example.vn".into())
        );
        for bad in [
            "@x.vn",
            "lan@",
            "lan@vn",
            "lan@.vn",
            "lan@x.vn.",
            "a b@x.vn",
            "a@b@c.vn",
        ] {
            assert!(Identifier::parse(bad).is_err(), "{bad}");
        }
        assert!(Identifier::phone("lan@example.vn").is_err());
    }

    #[test]
    fn passwords_have_a_floor_a_ceiling_and_are_not_the_identifier() {
        let id = Identifier::parse("0912345678").unwrap();
        assert!(NewPassword::parse("short", &id).is_err());
        assert!(NewPassword::parse(&"x".repeat(129), &id).is_err());
        assert!(NewPassword::parse("0912345678", &id).is_err());
        assert!(NewPassword::parse("+84912345678", &id).is_err());
        assert!(NewPassword::parse("mật khẩu dài", &id).is_ok());
    }
}
