//! An email address, parsed once: a value of this type is always valid.

use std::fmt;

use serde::{Deserialize, Serialize};

pub const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

/// A syntactically valid address: trimmed, at most 254 characters, an ASCII
/// local part (dot-atom), and a lower-cased domain of at least two labels
/// with an alphabetic (or punycode) top-level label.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EmailAddress(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum EmailError {
    #[error("an email address is required")]
    Empty,
    #[error("an email address has at most 254 characters")]
    TooLong,
    #[error("this is not an email address")]
    Invalid,
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<EmailAddress, EmailError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(EmailError::Empty);
        }
        if input.len() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = input.rsplit_once('@').ok_or(EmailError::Invalid)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(EmailError::Invalid);
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identity used for "one row per address": case-insensitive.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

fn valid_local(local: &str) -> bool {
    const SPECIALS: &[u8] = b"!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || SPECIALS.contains(&b))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= MAX_LABEL_LEN
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels.last().is_some_and(|tld| {
            tld.len() >= 2
                && (tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.to_ascii_lowercase().starts_with("xn--"))
        })
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Addresses are personal data: keep them out of debug logs.
impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "a@b.co",
            "odessa.finch+waitlist@Example.COM",
            "x_y-z@mail.example.org",
            "o'neil@example.ie",
            "a@xn--9n2bp8q.xn--3e0b707e",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn trims_and_lower_cases_the_domain_only() {
        let e = EmailAddress::parse("  Odessa.Finch@Example.COM \n").unwrap();
        assert_eq!(e.as_str(), "Odessa.Finch@example.com");
        assert_eq!(e.key(), "odessa.finch@example.com");
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        assert_eq!(EmailAddress::parse("   "), Err(EmailError::Empty));
        assert_eq!(EmailAddress::parse(&format!("{}@example.com", "a".repeat(250))), Err(EmailError::TooLong));
        for bad in [
            "plainaddress",
            "@example.com",
            "a@",
            "a@b",
            "a@b.c",
            "a@.com",
            "a@b..com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a b@c.com",
            "a@b c.com",
            "a@-b.com",
            "a@b-.com",
            "a@b.c0m1",
            "<script>@x.com",
            "a@b.com>",
            "a\"b@c.com",
            "김@example.com",
            "a@예시.com",
            "a@b.com\n\rBcc: x@y.com",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Invalid), "{bad:?}");
        }
        assert!(EmailAddress::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
        assert!(EmailAddress::parse(&format!("a@{}.com", "b".repeat(64))).is_err());
    }

    #[test]
    fn debug_output_hides_the_address() {
        let e = EmailAddress::parse("secret.person@example.com").unwrap();
        assert!(!format!("{e:?}").contains("secret"));
    }

    proptest! {
        /// Whatever the input, parsing never panics, and anything accepted
        /// is short, trimmed, has exactly one '@', and parses to itself.
        #[test]
        fn parse_is_total_and_idempotent(input in "\\PC{0,300}") {
            if let Ok(e) = EmailAddress::parse(&input) {
                let s = e.as_str();
                prop_assert!(s.len() <= MAX_EMAIL_LEN);
                prop_assert_eq!(s.trim(), s);
                prop_assert_eq!(s.matches('@').count(), 1);
                prop_assert_eq!(EmailAddress::parse(s), Ok(e.clone()));
            }
        }

        /// Well-formed addresses built from the grammar are all accepted.
        #[test]
        fn generated_addresses_are_accepted(
            local in "[a-z0-9]{1,10}(\\.[a-z0-9+_-]{1,10}){0,3}",
            labels in prop::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..4),
            tld in "[a-z]{2,10}",
        ) {
            let address = format!("{local}@{}.{tld}", labels.join("."));
            prop_assert!(EmailAddress::parse(&address).is_ok(), "{}", address);
        }
    }
}
