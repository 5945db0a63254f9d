//! Clubhouse data as the pages use it.
//!
//! These are *typed views* over the upstream JSON: tolerant of ids sent as
//! numbers or strings, of `null` or missing fields, and of unknown keys. The
//! server keeps the whole (sanitized) JSON in its cache and reads it back
//! through these types.

use serde::{Deserialize, Deserializer, Serialize};

/// A full profile (`get_profile` → `user_profile`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(deserialize_with = "id")]
    pub user_id: u64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub displayname: Option<String>,
    #[serde(default)]
    pub photo_url: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub twitter: Option<String>,
    #[serde(default)]
    pub instagram: Option<String>,
    #[serde(default, deserialize_with = "count")]
    pub num_followers: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    pub num_following: Option<u64>,
    /// RFC 3339 with microseconds, e.g. `2021-02-03T17:42:09.518203+00:00`.
    #[serde(default)]
    pub time_created: Option<String>,
    #[serde(default)]
    pub invited_by_user_profile: Option<UserRef>,
    #[serde(default, deserialize_with = "list")]
    pub clubs: Vec<Club>,
    /// The profile's page on Clubhouse's web site.
    #[serde(default)]
    pub url: Option<String>,
}

/// A person mentioned inside another record (nominator, search hit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRef {
    #[serde(deserialize_with = "id")]
    pub user_id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub photo_url: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Club {
    #[serde(deserialize_with = "id")]
    pub club_id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub photo_url: Option<String>,
    #[serde(default, deserialize_with = "count")]
    pub num_members: Option<u64>,
    #[serde(default)]
    pub url: Option<String>,
}

/// One page of `search_users`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    #[serde(default, deserialize_with = "list")]
    pub users: Vec<UserRef>,
    #[serde(default, deserialize_with = "count")]
    pub count: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    pub next: Option<u64>,
}

impl Profile {
    /// The name to show: `name`, else `displayname`, else the username.
    pub fn display_name(&self) -> &str {
        [&self.name, &self.displayname, &self.username]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
            .unwrap_or("")
    }
}

/// Accepts `123` or `"123"`: search endpoints send ids as strings.
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrString {
        Num(u64),
        Str(String),
    }
    match NumOrString::deserialize(d)? {
        NumOrString::Num(n) => Ok(n),
        NumOrString::Str(s) => {
            s.trim().parse().map_err(|_| serde::de::Error::custom(format!("not a numeric id: {s:?}")))
        }
    }
}

/// A count that may be a number, a numeric string, null, or something odd
/// (then treated as unknown rather than failing the whole profile).
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A list that may be null or missing.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_as_numbers_or_strings() {
        let a: UserRef = serde_json::from_str(r#"{"user_id": 910000001, "name": "A"}"#).unwrap();
        let b: UserRef = serde_json::from_str(r#"{"user_id": "910000001", "name": "A"}"#).unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_str::<UserRef>(r#"{"user_id": "abc"}"#).is_err());
    }

    #[test]
    fn tolerates_nulls_missing_and_unknown_keys() {
        let p: Profile = serde_json::from_str(
            r#"{"user_id": 1, "name": null, "clubs": null, "num_followers": "12", "brand_new_key": {"x": 1}}"#,
        )
        .unwrap();
        assert_eq!(p.name, None);
        assert!(p.clubs.is_empty());
        assert_eq!(p.num_followers, Some(12));
        assert_eq!(p.num_following, None);
        assert_eq!(p.invited_by_user_profile, None);
    }

    #[test]
    fn display_name_falls_back() {
        let p: Profile = serde_json::from_str(r#"{"user_id": 1, "name": " ", "username": "x.y"}"#).unwrap();
        assert_eq!(p.display_name(), "x.y");
    }
}
