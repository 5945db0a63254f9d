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
}
