//! What changed between two versions, field by field, and the bio as a
//! word-level diff (the `similar` crate's Myers diff over words).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ClubRef, PersonRef, Version, VersionContent};

/// One changed field.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Change {
    Name { old: Option<String>, new: Option<String> },
    Username { old: Option<String>, new: Option<String> },
    Photo { old: Option<String>, new: Option<String> },
    Bio { old: Option<String>, new: Option<String>, diff: Vec<DiffPart> },
    Twitter { old: Option<String>, new: Option<String> },
    Instagram { old: Option<String>, new: Option<String> },
    ClubJoined { club_id: String, name: Option<String> },
    ClubLeft { club_id: String, name: Option<String> },
    Nominator { old: Option<PersonRef>, new: Option<PersonRef> },
}

/// A run of words the same in both bios, only in the new one, or only in
/// the old one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "text", rename_all = "snake_case")]
pub enum DiffPart {
    Same(String),
    Added(String),
    Removed(String),
}

/// The changes one version brought.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangeSet {
    /// The new version's id: stable, so a feed entry's id.
    pub version_id: i64,
    pub at: DateTime<Utc>,
    pub changes: Vec<Change>,
}

/// Text fields compare trimmed, and empty is the same as absent.
fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

pub fn changes_between(old: &VersionContent, new: &VersionContent) -> Vec<Change> {
    let mut changes = Vec::new();
    let pair = |a: &Option<String>, b: &Option<String>| {
        let (a, b) = (text(a), text(b));
        (a != b).then_some((a, b))
    };
    let (old_name, new_name) = (old.shown_name().map(str::to_owned), new.shown_name().map(str::to_owned));
    if old_name != new_name {
        changes.push(Change::Name { old: old_name, new: new_name });
    }
    if let Some((old, new)) = pair(&old.username, &new.username) {
        changes.push(Change::Username { old, new });
    }
    if let Some((old, new)) = pair(&old.photo_url, &new.photo_url) {
        changes.push(Change::Photo { old, new });
    }
    // The bio keeps its inner whitespace (line breaks matter); only its ends are trimmed.
    if let Some((old_bio, new_bio)) = pair(&old.bio, &new.bio) {
        let diff = word_diff(old_bio.as_deref().unwrap_or(""), new_bio.as_deref().unwrap_or(""));
        changes.push(Change::Bio { old: old_bio, new: new_bio, diff });
    }
    if let Some((old, new)) = pair(&old.twitter, &new.twitter) {
        changes.push(Change::Twitter { old, new });
    }
    if let Some((old, new)) = pair(&old.instagram, &new.instagram) {
        changes.push(Change::Instagram { old, new });
    }
    let has = |clubs: &[ClubRef], id: &str| clubs.iter().any(|c| c.club_id == id);
    for club in new.clubs.iter().filter(|c| !has(&old.clubs, &c.club_id)) {
        changes.push(Change::ClubJoined { club_id: club.club_id.clone(), name: club.name.clone() });
    }
    for club in old.clubs.iter().filter(|c| !has(&new.clubs, &c.club_id)) {
        changes.push(Change::ClubLeft { club_id: club.club_id.clone(), name: club.name.clone() });
    }
    let who = |p: &Option<PersonRef>| p.as_ref().and_then(|p| p.username.as_deref().map(str::to_lowercase));
    if who(&old.invited_by) != who(&new.invited_by) {
        changes.push(Change::Nominator { old: old.invited_by.clone(), new: new.invited_by.clone() });
    }
    changes
}

/// The changes of each version against the one before, newest first.
/// `versions` is newest first, as stored; the oldest has nothing to compare
/// with and brings no change. Versions that differ only in what is not
/// shown (a club's spelling of its id) bring none either and are left out.
pub fn change_sets(versions: &[Version]) -> Vec<ChangeSet> {
    versions
        .windows(2)
        .filter_map(|pair| {
            let (new, old) = (&pair[0], &pair[1]);
            let changes = changes_between(&old.content, &new.content);
            (!changes.is_empty()).then_some(ChangeSet { version_id: new.id, at: new.seen_at, changes })
        })
        .collect()
}

/// The bio's words (and the whitespace between them) as runs of same,
/// added and removed.
pub fn word_diff(old: &str, new: &str) -> Vec<DiffPart> {
    let diff = similar::TextDiff::configure().algorithm(similar::Algorithm::Myers).diff_words(old, new);
    let mut parts: Vec<DiffPart> = Vec::new();
    for change in diff.iter_all_changes() {
        let value = change.value();
        let part = match change.tag() {
            similar::ChangeTag::Equal => DiffPart::Same(value.to_owned()),
            similar::ChangeTag::Insert => DiffPart::Added(value.to_owned()),
            similar::ChangeTag::Delete => DiffPart::Removed(value.to_owned()),
        };
        match (parts.last_mut(), part) {
            (Some(DiffPart::Same(a)), DiffPart::Same(b))
            | (Some(DiffPart::Added(a)), DiffPart::Added(b))
            | (Some(DiffPart::Removed(a)), DiffPart::Removed(b)) => a.push_str(&b),
            (_, part) => parts.push(part),
        }
    }
    parts
}

/// The diff for reading: unchanged runs keep `context` words next to each
/// change and the rest becomes "…", so a one-word change of a long bio
/// does not repeat the whole bio. A diff without changes stays whole.
pub fn condensed(parts: &[DiffPart], context: usize) -> Vec<DiffPart> {
    if !parts.iter().any(|p| !matches!(p, DiffPart::Same(_))) {
        return parts.to_vec();
    }
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let DiffPart::Same(text) = part else { return part.clone() };
            // Words with the whitespace after them, after any leading whitespace.
            let body = text.trim_start();
            let lead = &text[..text.len() - body.len()];
            let words: Vec<&str> = body.split_inclusive(char::is_whitespace).collect();
            let (keep_head, keep_tail) = match i {
                0 => (0, context),
                i if i == last => (context, 0),
                _ => (context, context),
            };
            if words.len() <= keep_head + keep_tail + 1 {
                return part.clone();
            }
            let head = format!("{lead}{}", words[..keep_head].concat());
            let tail: String = words[words.len() - keep_tail..].concat();
            let gap = match (keep_head, keep_tail) {
                (0, _) => "… ",
                (_, 0) => " …",
                _ => " … ",
            };
            DiffPart::Same(format!("{}{gap}{}", head.trim_end(), tail.trim_start()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn version(id: i64, content: VersionContent) -> Version {
        Version { id, seen_at: DateTime::from_timestamp(id * 1000, 0).unwrap(), content }
    }

    fn rebuild(parts: &[DiffPart], keep_added: bool) -> String {
        parts
            .iter()
            .filter_map(|p| match p {
                DiffPart::Same(t) => Some(t.as_str()),
                DiffPart::Added(t) => keep_added.then_some(t.as_str()),
                DiffPart::Removed(t) => (!keep_added).then_some(t.as_str()),
            })
            .collect()
    }

    #[test]
    fn a_changed_word_is_removed_and_added_and_the_rest_stays() {
        let parts = word_diff("I host rooms about jazz", "I host rooms about Korean jazz");
        assert_eq!(
            parts,
            vec![
                DiffPart::Same("I host rooms about ".into()),
                DiffPart::Added("Korean ".into()),
                DiffPart::Same("jazz".into()),
            ]
        );
        let parts = word_diff("red car", "blue car");
        assert!(parts.contains(&DiffPart::Removed("red".into())) && parts.contains(&DiffPart::Added("blue".into())));
    }

    #[test]
    fn every_visible_field_is_compared_and_counts_are_not_there_to_compare() {
        let old = VersionContent {
            username: Some("ann".into()),
            name: Some("Ann".into()),
            photo_url: Some("https://a/1.png".into()),
            bio: Some("hello".into()),
            twitter: Some("ann".into()),
            clubs: vec![ClubRef { club_id: "1".into(), name: Some("One".into()) }],
            invited_by: Some(PersonRef { username: Some("bob".into()), name: None }),
            ..Default::default()
        };
        assert!(changes_between(&old, &old).is_empty());
        let new = VersionContent {
            username: Some("ann.b".into()),
            name: Some("Ann B".into()),
            photo_url: None,
            bio: Some("hello world".into()),
            twitter: Some("annb".into()),
            instagram: Some("ann.gram".into()),
            clubs: vec![ClubRef { club_id: "2".into(), name: Some("Two".into()) }],
            invited_by: None,
            ..Default::default()
        };
        let fields: Vec<String> = changes_between(&old, &new)
            .iter()
            .map(|c| serde_json::to_value(c).unwrap()["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            fields,
            ["name", "username", "photo", "bio", "twitter", "instagram", "club_joined", "club_left", "nominator"]
        );
    }

    #[test]
    fn change_sets_are_newest_first_and_skip_versions_without_a_visible_change() {
        let a = VersionContent { bio: Some("one".into()), ..Default::default() };
        let b = VersionContent { bio: Some(" one ".into()), ..Default::default() };
        let c = VersionContent { bio: Some("two".into()), ..Default::default() };
        let sets = change_sets(&[version(3, c), version(2, b), version(1, a)]);
        assert_eq!(sets.len(), 1, "{sets:?}");
        assert_eq!(sets[0].version_id, 3);
        assert!(change_sets(&[version(1, VersionContent::default())]).is_empty(), "one version, no change");
        assert!(change_sets(&[]).is_empty());
    }

    #[test]
    fn a_condensed_diff_keeps_the_words_around_each_change() {
        let old = "one two three four five six seven eight nine ten";
        let new = "one two three four five SIX seven eight nine ten";
        let parts = condensed(&word_diff(old, new), 2);
        assert_eq!(
            parts,
            vec![
                DiffPart::Same("… four five ".into()),
                DiffPart::Removed("six".into()),
                DiffPart::Added("SIX".into()),
                DiffPart::Same(" seven eight …".into()),
            ]
        );
        let unchanged = word_diff("a b c d e f", "a b c d e f");
        assert_eq!(condensed(&unchanged, 1), unchanged, "nothing to condense around");
        let short = word_diff("a b", "a c");
        assert_eq!(condensed(&short, 3), short, "short runs stay whole");
    }

    proptest! {
        #[test]
        fn a_word_diff_rebuilds_both_texts(old in "[a-c \n가]{0,30}", new in "[a-c \n가]{0,30}") {
            let parts = word_diff(&old, &new);
            prop_assert_eq!(rebuild(&parts, false), old);
            prop_assert_eq!(rebuild(&parts, true), new);
        }
    }
}
