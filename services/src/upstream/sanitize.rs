use serde_json::Value;

/// Keys that describe the *viewer's* relation to the profile, or exist only
/// when the service account looks at itself. They must never be stored or
/// shown: another visitor is not our service account.
const VIEWER_KEYS: &[&str] = &[
    "follows_me",
    "mutual_follows",
    "mutual_follows_count",
    "notification_type",
    "is_blocked_by_network",
    // self view only
    "has_verified_email",
    "can_edit_username",
    "can_edit_name",
    "can_edit_displayname",
    "topics",
];

/// Viewer-specific flags on nested clubs and events.
const NESTED_VIEWER_KEYS: &[&str] =
    &["is_admin", "is_member", "is_follower", "is_pending_accept", "is_pending_approval", "is_attending"];

/// Removes viewer-specific data from a `user_profile` object, keeping every
/// other key (known or not) as the upstream sent it.
pub fn sanitize_profile(mut profile: Value) -> Value {
    drop_nul_characters(&mut profile);
    if let Some(obj) = profile.as_object_mut() {
        for key in VIEWER_KEYS {
            obj.remove(*key);
        }
        for list in ["clubs", "upcoming_events"] {
            if let Some(Value::Array(items)) = obj.get_mut(list) {
                items.iter_mut().for_each(strip_nested);
            }
        }
        if let Some(club) = obj.get_mut("invited_by_club") {
            strip_nested(club);
        }
    }
    profile
}

/// PostgreSQL's `jsonb` cannot hold U+0000: a profile with one anywhere
/// could never be cached, and every view of it would cost a call.
fn drop_nul_characters(value: &mut Value) {
    match value {
        Value::String(s) if s.contains('\0') => s.retain(|c| c != '\0'),
        Value::Array(items) => items.iter_mut().for_each(drop_nul_characters),
        Value::Object(map) => map.values_mut().for_each(drop_nul_characters),
        _ => {}
    }
}

fn strip_nested(item: &mut Value) {
    if let Some(obj) = item.as_object_mut() {
        for key in NESTED_VIEWER_KEYS {
            obj.remove(*key);
        }
        if let Some(club) = obj.get_mut("club") {
            strip_nested(club);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_dropped_everywhere() {
        let profile = sanitize_profile(serde_json::json!({"bio": "a\u{0}b", "clubs": [{"name": "\u{0}c"}]}));
        assert_eq!(profile["bio"], "ab");
        assert_eq!(profile["clubs"][0]["name"], "c");
    }
    use serde_json::json;

    #[test]
    fn removes_viewer_keys_and_keeps_the_rest() {
        let raw = json!({
            "user_id": 1, "name": "A", "follows_me": true, "mutual_follows": [{"user_id": 2}],
            "mutual_follows_count": 1, "notification_type": 2, "is_blocked_by_network": false,
            "has_verified_email": true, "can_edit_username": true, "can_edit_name": true,
            "can_edit_displayname": true, "topics": [],
            "clubs": [{"club_id": 5, "name": "C", "is_admin": true, "is_member": true}],
            "upcoming_events": [{"event_id": 9, "is_attending": true, "club": {"club_id": 5, "is_follower": true}}],
            "some_future_key": {"kept": true}
        });
        let clean = sanitize_profile(raw);
        assert_eq!(
            clean,
            json!({
                "user_id": 1, "name": "A",
                "clubs": [{"club_id": 5, "name": "C"}],
                "upcoming_events": [{"event_id": 9, "club": {"club_id": 5}}],
                "some_future_key": {"kept": true}
            })
        );
    }

    mod properties {
        use super::*;
        use domain::model::Profile;
        use proptest::prelude::*;

        /// Keys the upstream sends, the viewer keys we strip, and noise.
        fn key() -> impl Strategy<Value = String> {
            let known = [
                "user_id",
                "username",
                "name",
                "bio",
                "photo_url",
                "num_followers",
                "num_following",
                "time_created",
                "twitter",
                "instagram",
                "invited_by_user_profile",
                "clubs",
                "club",
                "upcoming_events",
                "url",
            ];
            prop_oneof![
                prop::sample::select(known.to_vec()).prop_map(str::to_owned),
                prop::sample::select(VIEWER_KEYS.to_vec()).prop_map(str::to_owned),
                prop::sample::select(NESTED_VIEWER_KEYS.to_vec()).prop_map(str::to_owned),
                "[a-z_]{1,10}",
            ]
        }

        /// Any JSON, shaped enough like a profile to reach deep code paths.
        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_filter("JSON has no NaN", |f| f.is_finite()).prop_map(Value::from),
                any::<String>().prop_map(Value::from),
                "[0-9]{1,20}".prop_map(Value::from),
                "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|\\+00:00)?"
                    .prop_map(Value::from),
            ];
            leaf.prop_recursive(4, 64, 8, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((key(), inner), 0..10)
                        .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
                ]
            })
        }

        fn has_key(value: &Value, keys: &[&str]) -> bool {
            value.as_object().is_some_and(|o| keys.iter().any(|k| o.contains_key(*k)))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn any_upstream_json_is_sanitized_and_parsed_without_panicking(raw in json()) {
                let clean = sanitize_profile(raw.clone());
                prop_assert!(!has_key(&clean, VIEWER_KEYS));
                for list in ["clubs", "upcoming_events"] {
                    if let Some(Value::Array(items)) = clean.get(list) {
                        for item in items {
                            prop_assert!(!has_key(item, NESTED_VIEWER_KEYS));
                            if let Some(club) = item.get("club") {
                                prop_assert!(!has_key(club, NESTED_VIEWER_KEYS));
                            }
                        }
                    }
                }
                // Parsing may refuse; it must not panic, and what it accepts
                // has the id it was sent, as a number or a decimal string
                // (spaces around it allowed; "007" is 7). The client passes
                // on objects only.
                let parsed = clean.is_object().then(|| serde_json::from_value::<Profile>(clean.clone()));
                if let Some(Ok(profile)) = parsed {
                    let id = &clean["user_id"];
                    let sent = id.as_u64().or_else(|| id.as_str().and_then(|s| s.trim().parse::<u64>().ok()));
                    prop_assert_eq!(sent, Some(profile.user_id));
                }
            }
        }
    }
}
