//! The Clubhouse username, parsed once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest username we accept. Clubhouse's own limit is lower; anything
/// longer cannot exist, so it is rejected before any upstream call.
pub const MAX_USERNAME_LEN: usize = 30;

/// A syntactically possible Clubhouse username: 1 to 30 ASCII letters, digits,
/// `_` or `.`. The original spelling is kept; comparisons use [`Username::key`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("a username cannot be empty")]
    Empty,
    #[error("a username has at most {MAX_USERNAME_LEN} characters")]
    TooLong,
    #[error("a username has only letters, digits, '_' and '.'")]
    BadCharacter,
    #[error("a username has no spaces, '@' or dots around it")]
    Padded,
}

impl Username {
    /// Parses user input; a leading `@` and surrounding spaces are ignored.
    pub fn parse(input: &str) -> Result<Username, UsernameError> {
        let name = input.trim();
        let name = name.strip_prefix('@').unwrap_or(name);
        if name.is_empty() {
            return Err(UsernameError::Empty);
        }
        if name.len() > MAX_USERNAME_LEN {
            return Err(UsernameError::TooLong);
        }
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
            return Err(UsernameError::BadCharacter);
        }
        Ok(Username(name.to_owned()))
    }

    /// A username exactly as written in an address: no spaces, `@` or
    /// dots around it (one address per person; see [`Self::parse_padded`]).
    pub fn parse_exact(input: &str) -> Result<Username, UsernameError> {
        let username = Username::parse_padded(input)?;
        if username.as_str() == input {
            Ok(username)
        } else {
            Err(UsernameError::Padded)
        }
    }

    /// The username inside a padded address (`" name"`, `"@@name."`): the
    /// one to redirect it to.
    pub fn parse_padded(input: &str) -> Result<Username, UsernameError> {
        Username::parse(input.trim_matches(|c: char| c.is_whitespace() || c == '@' || c == '.'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive identity of the username.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// Our page for this person.
    pub fn page_path(&self) -> String {
        format!("/@{}", self.0)
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Username::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> String {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_shapes() {
        for ok in ["odessa.finch", "twren", "A_b.9", "@bram.oy", "  finch.o  ", &"x".repeat(30)] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Username::parse("@Odessa.Finch").unwrap().as_str(), "Odessa.Finch");
        assert_eq!(Username::parse("Odessa.Finch").unwrap().key(), "odessa.finch");
    }

    #[test]
    fn rejects_impossible_names() {
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        assert_eq!(Username::parse("@"), Err(UsernameError::Empty));
        assert_eq!(Username::parse(&"x".repeat(31)), Err(UsernameError::TooLong));
        for bad in ["a b", "a/b", "<script>", "김민준", "a-b", "a%2e", "a\u{0}b"] {
            assert_eq!(Username::parse(bad), Err(UsernameError::BadCharacter), "{bad}");
        }
    }

    #[test]
    fn padded_addresses_name_their_username_but_are_not_it() {
        for padded in
            [" odessa.finch", "odessa.finch ", "@odessa.finch", "odessa.finch.", ".odessa.finch", "@@ odessa.finch.."]
        {
            assert_eq!(Username::parse_padded(padded).unwrap().as_str(), "odessa.finch", "{padded:?}");
            assert_eq!(Username::parse_exact(padded), Err(UsernameError::Padded), "{padded:?}");
        }
        assert_eq!(Username::parse_exact("odessa.finch").unwrap().as_str(), "odessa.finch");
        assert_eq!(
            Username::parse_exact("Odessa.Finch").unwrap().as_str(),
            "Odessa.Finch",
            "case is the page's business"
        );
        assert_eq!(Username::parse_padded(" . @ "), Err(UsernameError::Empty));
        assert_eq!(Username::parse_exact("a b"), Err(UsernameError::BadCharacter));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_parses_or_is_refused_without_panicking(input in any::<String>()) {
                if let Ok(name) = Username::parse(&input) {
                    let s = name.as_str();
                    prop_assert!((1..=MAX_USERNAME_LEN).contains(&s.len()));
                    prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'));
                    prop_assert_eq!(Username::parse(s), Ok(name.clone()));
                    prop_assert_eq!(name.key(), s.to_ascii_lowercase());
                    prop_assert_eq!(name.page_path(), format!("/@{s}"));
                }
                // An exact address is its own username; every padded one parses to an exact one.
                if let Ok(name) = Username::parse_exact(&input) {
                    prop_assert_eq!(name.as_str(), input.as_str());
                }
                if let Ok(name) = Username::parse_padded(&input) {
                    prop_assert_eq!(Username::parse_exact(name.as_str()), Ok(name.clone()));
                }
            }

            #[test]
            fn every_possible_name_is_accepted(name in "[A-Za-z0-9_.]{1,30}", at in any::<bool>(), pad in " {0,3}") {
                let input = format!("{pad}{}{name}{pad}", if at { "@" } else { "" });
                prop_assert_eq!(Username::parse(&input).map(|u| u.as_str().to_owned()), Ok(name));
            }
        }
    }
}
