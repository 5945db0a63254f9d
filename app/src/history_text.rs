//! The history page's and the feeds' words, dates and changes in each
//! language.

use chrono::{DateTime, Datelike, Timelike, Utc};
use services::history::{Change, PersonRef};

use locales::Arg;

use crate::{
    format::full_count,
    i18n::{words, Lang},
};

words!(
    /// The history page's and the feeds' words in one language.
    HistoryText, "history-", {
        title,
        of,
        description,
        back_to_profile,
        followers_over_time,
        following_over_time,
        growth,
        days,
        not_enough_history,
        one_sample,
        no_samples,
        numbers_as_table,
        date,
        changes,
        one_version,
        no_changes_since,
        older_changes,
        newer_changes,
        feed,
        none,
        name,
        username,
        photo,
        photo_old,
        photo_new,
        bio,
        twitter,
        instagram,
        club_joined,
        club_left,
        nominator,
        added,
        removed,
        feed_title,
        feed_of_many,
        changed,
    }
);

/// The arguments of a date: the month as a number (for selectors) and its
/// short name, the day and the year.
fn date_args(at: DateTime<Utc>, lang: Lang) -> [(&'static str, Arg<'static>); 4] {
    [
        ("month", Arg::from(at.month())),
        ("month_short", Arg::from(lang.format("month-short", &[("month", Arg::from(at.month()))]))),
        ("day", Arg::from(at.day().to_string())),
        ("year", Arg::from(at.year().to_string())),
    ]
}

/// "Dec 1, 2026" / "2026년 12월 1일" / "2026年12月1日".
pub fn date(at: DateTime<Utc>, lang: Lang) -> String {
    lang.format("date", &date_args(at, lang))
}

/// "Dec 1" / "12월 1일" / "12月1日", for chart axes.
pub fn short_date(at: DateTime<Utc>, lang: Lang) -> String {
    lang.format("short-date", &date_args(at, lang))
}

/// "Dec 1, 2026, 13:05 UTC" / "2026년 12월 1일 13:05 UTC".
pub fn date_time(at: DateTime<Utc>, lang: Lang) -> String {
    lang.format(
        "date-time",
        &[("date", Arg::from(date(at, lang))), ("time", Arg::from(format!("{:02}:{:02}", at.hour(), at.minute())))],
    )
}

/// A change of a count: "+1,204 (+3.2%)", "−12 (−0.5%)", "0".
pub fn growth(from: u64, to: u64) -> String {
    let diff = to as i128 - from as i128;
    let sign = match diff.signum() {
        1 => "+",
        -1 => "−",
        _ => "",
    };
    let amount = full_count(diff.unsigned_abs() as u64);
    if from == 0 || diff == 0 {
        return format!("{sign}{amount}");
    }
    let percent = diff.unsigned_abs() as f64 * 100.0 / from as f64;
    format!("{sign}{amount} ({sign}{percent:.1}%)")
}

/// The label of a change's field.
pub fn field_label(change: &Change, lang: Lang) -> &'static str {
    let t = HistoryText::of(lang);
    match change {
        Change::Name { .. } => t.name,
        Change::Username { .. } => t.username,
        Change::Photo { .. } => t.photo,
        Change::Bio { .. } => t.bio,
        Change::Twitter { .. } => t.twitter,
        Change::Instagram { .. } => t.instagram,
        Change::ClubJoined { .. } => t.club_joined,
        Change::ClubLeft { .. } => t.club_left,
        Change::Nominator { .. } => t.nominator,
    }
}

fn person(p: &Option<PersonRef>) -> Option<String> {
    let p = p.as_ref()?;
    match (p.name.as_deref().map(str::trim).filter(|n| !n.is_empty()), p.username.as_deref()) {
        (Some(name), Some(username)) => Some(format!("{name} (@{username})")),
        (None, Some(username)) => Some(format!("@{username}")),
        (Some(name), None) => Some(name.to_owned()),
        (None, None) => None,
    }
}

/// A change in words, for feeds: "Bio: “old” → “new”". Plain text; the
/// feed's writer escapes it.
pub fn describe(change: &Change, lang: Lang) -> String {
    let t = HistoryText::of(lang);
    let label = field_label(change, lang);
    let quoted = |v: &Option<String>| v.as_deref().map(|v| format!("“{v}”")).unwrap_or_else(|| t.none.to_owned());
    match change {
        Change::Name { old, new }
        | Change::Username { old, new }
        | Change::Photo { old, new }
        | Change::Bio { old, new, .. }
        | Change::Twitter { old, new }
        | Change::Instagram { old, new } => format!("{label}: {} → {}", quoted(old), quoted(new)),
        Change::ClubJoined { name, club_id } | Change::ClubLeft { name, club_id } => {
            format!("{label}: {}", name.as_deref().map(|n| format!("“{n}”")).unwrap_or_else(|| format!("#{club_id}")))
        }
        Change::Nominator { old, new } => {
            format!("{label}: {} → {}", quoted(&person(old)), quoted(&person(new)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_a_message_of_every_language() {
        for lang in Lang::ALL {
            assert_eq!(HistoryText::missing_in(lang), Vec::<String>::new(), "{lang:?}");
        }
    }

    #[test]
    fn growth_has_a_sign_and_a_percentage() {
        assert_eq!(growth(1000, 1032), "+32 (+3.2%)");
        assert_eq!(growth(2000, 1990), "−10 (−0.5%)");
        assert_eq!(growth(5, 5), "0");
        assert_eq!(growth(0, 1_234_567), "+1,234,567");
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T13:05:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(date(at, Lang::En), "Dec 1, 2026");
        assert_eq!(date(at, Lang::Ko), "2026년 12월 1일");
        assert_eq!(date_time(at, Lang::En), "Dec 1, 2026, 13:05 UTC");
        assert_eq!(short_date(at, Lang::Ko), "12월 1일");
        assert_eq!(date(at, Lang::Ja), "2026年12月1日");
        assert_eq!(date_time(at, Lang::Ja), "2026年12月1日 13:05 UTC");
        assert_eq!(short_date(at, Lang::En), "Dec 1");
    }

    #[test]
    fn a_change_reads_as_a_sentence() {
        let change = Change::Bio { old: Some("a".into()), new: None, diff: vec![] };
        assert_eq!(describe(&change, Lang::En), "Bio: “a” → (none)");
        let change = Change::ClubJoined { club_id: "7".into(), name: None };
        assert_eq!(describe(&change, Lang::Ko), "클럽 가입: #7");
    }
}
